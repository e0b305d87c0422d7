#!/bin/bash
# i18n.sh — Indonesian messages and locale-independent JSON.
#   1. po/id.po translates every message of the current sources (no empty,
#      fuzzy or missing entry; msgfmt --check passes), and that check does
#      catch a new untranslated _() string.
#   2. LANGUAGE=id LANG=C.UTF-8 gives Indonesian help, errors and scan
#      reports (the build-tree binary finds build/locale by itself);
#      without LANGUAGE, or with RONDA_LOCALEDIR at an empty directory,
#      the same commands are in English.
#   3. `scan --json` and `rules --json` are byte-identical under LANGUAGE=id,
#      LANGUAGE=en and LANG=C (timing fields of the summary aside) and
#      hold no Indonesian text.
#   4. LANG=id_ID.UTF-8 alone, where that locale is installed.
# Env: RONDA, SRC, BUILD.  Skipped (77) when the build has no catalogues.
set -u
RONDA=${RONDA:?set RONDA to the ronda binary}
SRC=${SRC:?set SRC to the source tree}
BUILD=${BUILD:?set BUILD to the build tree}
T=$(mktemp -d /tmp/ronda-i18n.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok   $*"; }
skip() { echo "skip $*"; }

if [[ ! -f $BUILD/locale/id/LC_MESSAGES/ronda.mo ]]; then
	echo "no $BUILD/locale/id/LC_MESSAGES/ronda.mo (built with -DRONDA_NLS=OFF?)"
	exit 77
fi

# A clean environment but for PATH: no LC_ALL/LC_MESSAGES from the caller.
run() { env -i PATH="$PATH" "$@"; }
ID=(LANGUAGE=id LANG=C.UTF-8)

# 1. the catalogue covers the sources
"$SRC"/scripts/update-po --check > "$T/check.out" 2>&1 ||
	fail "po/id.po is not complete for the current sources:
$(head -n 40 "$T/check.out")
run scripts/update-po, translate what it lists in po/id.po"
pass "po/id.po translates every message ($(msgfmt --statistics -o /dev/null "$SRC"/po/id.po 2>&1))"

mkdir "$T/tree"
cp -r "$SRC"/src "$SRC"/po "$SRC"/scripts "$T/tree/"
printf '\nconst char *i18n_probe(void);\nconst char *i18n_probe(void) { return _("a message nobody translated yet"); }\n' \
	>> "$T/tree/src/cli/main.c"
if "$T/tree/scripts/update-po" --check > "$T/probe.out" 2>&1; then
	fail "update-po --check missed a new untranslated message"
fi
grep -q 'a message nobody translated yet' "$T/probe.out" ||
	fail "update-po --check did not name the new message: $(cat "$T/probe.out")"
pass "a new untranslated _() string fails the check"

# 2. Indonesian text where it is asked for, English otherwise
run "${ID[@]}" "$RONDA" scan --help > "$T/help.id" 2>&1
grep -q '^penggunaan: ronda scan \[opsi\] PATH' "$T/help.id" ||
	fail "scan --help under LANGUAGE=id is not Indonesian: $(head -3 "$T/help.id")"
grep -q -- '--fail-on SEVERITY' "$T/help.id" || fail "option names must stay as they are"
run LANG=C.UTF-8 "$RONDA" scan --help | grep -q '^usage: ronda scan' ||
	fail "scan --help without LANGUAGE is not English"
run "${ID[@]}" RONDA_LOCALEDIR="$T/none" "$RONDA" scan --help | grep -q '^usage: ronda scan' ||
	fail "RONDA_LOCALEDIR does not override the catalogue directory"
pass "scan --help: Indonesian with LANGUAGE=id, English without"

run "${ID[@]}" "$RONDA" scan --threads 0 /nonexistent > /dev/null 2> "$T/err.id"
grep -q "threads harus berupa angka 1 sampai 256, bukan '0'" "$T/err.id" ||
	fail "usage error not Indonesian: $(cat "$T/err.id")"
run "${ID[@]}" "$RONDA" no-such-command > /dev/null 2> "$T/err2.id"
grep -q "'no-such-command' bukan perintah ronda" "$T/err2.id" ||
	fail "unknown command error not Indonesian: $(cat "$T/err2.id")"
pass "errors in Indonesian"

FIX=$SRC/tests/fixtures/webshell/backtick.php
[[ -f $FIX ]] || fail "fixture $FIX is gone; pick another webshell fixture"
run "${ID[@]}" "$RONDA" scan --no-progress --color never "$FIX" > "$T/scan.id" 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "scan of $FIX exit $rc, expected 1: $(cat "$T/scan.id")"
grep -q 'webshell.input-to-exec' "$T/scan.id" || fail "rule IDs must stay: $(cat "$T/scan.id")"
grep -q 'input permintaan sampai ke eksekusi kode' "$T/scan.id" ||
	fail "rule summary not translated: $(cat "$T/scan.id")"
grep -q 'tindakan: ' "$T/scan.id" || fail "remedy not translated: $(cat "$T/scan.id")"
grep -q 'sampai ke perintah shell backtick' "$T/scan.id" ||
	fail "finding detail not translated: $(cat "$T/scan.id")"
grep -q '^[0-9]* file dipindai' "$T/scan.id" || fail "summary line not translated: $(cat "$T/scan.id")"
pass "scan report in Indonesian (summary, detail, remedy; rule IDs kept)"

# 3. JSON does not depend on the locale
strip_timing() {
	python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    if o.get("type") == "summary":
        o.pop("duration_ms", None)
        o.pop("slowest", None)
        o.pop("slowest_per_mb", None)
        line = json.dumps(o) + "\n"
    sys.stdout.write(line)
'
}
for env in "LANGUAGE=id LANG=C.UTF-8" "LANGUAGE=en LANG=C.UTF-8" "LANG=C"; do
	name=${env%% *}
	# shellcheck disable=SC2086
	run $env "$RONDA" scan --json -t 1 "$SRC"/tests/fixtures > "$T/raw.$name" 2>/dev/null
	strip_timing < "$T/raw.$name" > "$T/scan.$name" || fail "scan --json under $env is not JSON Lines"
	# shellcheck disable=SC2086
	run $env "$RONDA" rules --json > "$T/rules.$name" 2>/dev/null || fail "rules --json under $env failed"
done
n=$(grep -c '"type":"finding"' "$T/scan.LANGUAGE=id")
[[ $n -ge 50 ]] || fail "only $n findings in tests/fixtures; the comparison would prove little"
cmp "$T/scan.LANGUAGE=id" "$T/scan.LANGUAGE=en" ||
	fail "scan --json differs between LANGUAGE=id and LANGUAGE=en: $(diff "$T/scan.LANGUAGE=en" "$T/scan.LANGUAGE=id" | head -5)"
cmp "$T/scan.LANGUAGE=id" "$T/scan.LANG=C" || fail "scan --json differs between LANGUAGE=id and LANG=C"
cmp "$T/rules.LANGUAGE=id" "$T/rules.LANGUAGE=en" || fail "rules --json differs between LANGUAGE=id and en"
cmp "$T/rules.LANGUAGE=id" "$T/rules.LANG=C" || fail "rules --json differs between LANGUAGE=id and LANG=C"
if grep -E -m3 'permintaan|tindakan|hapus |pulihkan|tidak dapat' "$T/scan.LANGUAGE=id" "$T/rules.LANGUAGE=id"; then
	fail "Indonesian text in JSON output"
fi
pass "scan --json ($n findings) and rules --json byte-identical under id, en and C"

# 4. a real Indonesian locale, where installed
if locale -a 2>/dev/null | grep -qiE '^id_ID\.utf-?8$'; then
	run LANG=id_ID.UTF-8 "$RONDA" scan --help | grep -q '^penggunaan: ronda scan' ||
		fail "LANG=id_ID.UTF-8 does not give Indonesian"
	pass "LANG=id_ID.UTF-8 gives Indonesian"
else
	skip "LANG=id_ID.UTF-8: locale not installed here (LANGUAGE=id covers it)"
fi
echo "i18n: all checks passed"
