#!/bin/bash
# race.sh — a directory of the site is replaced by a symlink to a directory
# outside the root between ronda's plan and its action.  Nothing outside the
# root may be written, created, moved or removed.
#
# 1. Deterministic (debug builds): RONDA_DEBUG_PAUSE_FILE makes ronda stop
#    between plan and action; the test swaps the directory then.
# 2. Always: a tight loop swaps the directory back and forth while restore,
#    quarantine and clean run again and again.
# Env: RONDA, SRC.
set -u
RONDA=${RONDA:?set RONDA to the ronda binary}
T=$(mktemp -d /tmp/ronda-race.XXXXXX)
SWAPPER=
trap '[[ -n $SWAPPER ]] && kill $SWAPPER 2>/dev/null; rm -rf "$T"' EXIT
cd "$T"
ST="$T/state"
SITE="$T/site"
OUT="$T/outside"
fail() { echo "FAIL: $*"; exit 1; }
listing() { (cd "$OUT" && find . -printf '%p %y %s %m %T@\n' | sort; find . -type f -exec sha256sum {} + | sort); }

mkdir -p "$SITE/inc" "$OUT"
for f in a.php b.php c.php; do
	printf '<?php echo "site %s";\n' $f > "$SITE/inc/$f"
	printf 'OUTSIDE %s — must never change\n' $f > "$OUT/$f"
done
printf 'outside only\n' > "$OUT/secret.txt"
printf '<?php echo "index";\n' > "$SITE/index.php"
"$RONDA" snapshot -q --state "$ST" "$SITE" || fail "snapshot"
listing > before.txt

damage() { # modify the site so restore has work under inc/
	for f in a.php b.php c.php; do printf 'changed %s\n' $f > "$SITE/inc/$f"; done
	printf 'dropped\n' > "$SITE/inc/new.php"
}

# ---- 1. deterministic, with the debug pause hook ----
PAUSE="$T/pause"
damage
RONDA_DEBUG_PAUSE_FILE=$PAUSE RONDA_DEBUG_PAUSE_AT=restore-item \
	"$RONDA" restore -q --state "$ST" --all "$SITE" > restore1.out 2>&1 &
pid=$!
for _ in $(seq 1 200); do [[ -e $PAUSE ]] && break; kill -0 $pid 2>/dev/null || break; sleep 0.02; done
if [[ -e $PAUSE ]]; then
	# planned; now the classic race
	mv "$SITE/inc" "$SITE/inc.moved"
	ln -s "$OUT" "$SITE/inc"
	while kill -0 $pid 2>/dev/null; do rm -f "$PAUSE"; sleep 0.01; done
	wait $pid
	rc=$?
	listing | diff -u before.txt - || fail "restore wrote outside the root after the swap"
	echo "deterministic race: restore exit $rc, outside untouched"
	cat restore1.out | head -5
	rm -f "$SITE/inc"
	rm -rf "$SITE/inc"
	mv "$SITE/inc.moved" "$SITE/inc"
else
	wait $pid
	echo "deterministic race skipped: this is not a debug build (no RONDA_DEBUG_PAUSE_FILE hook)"
fi

# same for quarantine: plan to quarantine inc/new.php, swap before the unlink
printf 'dropped\n' > "$SITE/inc/new.php"
RONDA_DEBUG_PAUSE_FILE=$PAUSE RONDA_DEBUG_PAUSE_AT=quarantine-unlink \
	"$RONDA" quarantine --state "$ST" "$SITE/inc/new.php" > q1.out 2>&1 &
pid=$!
for _ in $(seq 1 200); do [[ -e $PAUSE ]] && break; kill -0 $pid 2>/dev/null || break; sleep 0.02; done
if [[ -e $PAUSE ]]; then
	printf 'OUTSIDE new.php\n' > "$OUT/new.php"
	listing > before2.txt
	mv "$SITE/inc" "$SITE/inc.moved"
	ln -s "$OUT" "$SITE/inc"
	while kill -0 $pid 2>/dev/null; do rm -f "$PAUSE"; sleep 0.01; done
	wait $pid
	rc=$?
	listing | diff -u before2.txt - || fail "quarantine removed a file outside the root"
	[[ -e $SITE/inc.moved/new.php ]] || fail "the planned file vanished without a trace"
	echo "deterministic race: quarantine exit $rc, outside untouched"
	rm -f "$SITE/inc" "$OUT/new.php"
	mv "$SITE/inc.moved" "$SITE/inc"
	listing > before.txt
else
	wait $pid
fi

# ---- 2. tight race loop ----
swap_loop() {
	while :; do
		mv -T "$SITE/inc" "$SITE/inc.real" 2>/dev/null
		ln -sfn "$OUT" "$SITE/inc" 2>/dev/null
		rm -f "$SITE/inc" 2>/dev/null
		mv -T "$SITE/inc.real" "$SITE/inc" 2>/dev/null
	done
}
swap_loop &
SWAPPER=$!
N=${RACE_RUNS:-60}
for i in $(seq 1 "$N"); do
	# the test itself must not write through the symlink: hold the swapper
	kill -STOP $SWAPPER; sleep 0.05   # let a running mv or ln finish
	[[ -L $SITE/inc ]] && rm -f "$SITE/inc"
	[[ -e $SITE/inc ]] || { [[ -d $SITE/inc.real ]] && mv -T "$SITE/inc.real" "$SITE/inc"; }
	mkdir -p "$SITE/inc"
	for f in a.php b.php; do printf 'changed %s %d\n' $f $i > "$SITE/inc/$f"; done
	printf 'dropped %d\n' $i > "$SITE/inc/new$i.php"
	kill -CONT $SWAPPER
	case $(( i % 3 )) in
	0) "$RONDA" restore -q --state "$ST" --all "$SITE" >/dev/null 2>&1 ;;
	1) "$RONDA" quarantine --state "$ST" "$SITE/inc/new$i.php" "$SITE/inc/a.php" >/dev/null 2>&1 ;;
	2) "$RONDA" restore -q --state "$ST" "$SITE/inc" >/dev/null 2>&1 ;;
	esac
done
kill $SWAPPER 2>/dev/null
wait $SWAPPER 2>/dev/null
SWAPPER=
listing | diff -u before.txt - || fail "something outside the root changed during the race loop"
"$RONDA" vault verify --state "$ST" >/dev/null || fail "vault verify after the race loop"
echo "race loop: $N runs of restore/quarantine against a swapping directory, outside untouched"
echo ok
