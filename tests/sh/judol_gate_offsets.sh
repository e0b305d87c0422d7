#!/usr/bin/env bash
# judol_gate_offsets.sh — the judol gate for HTML pages without gate words
# (html_suspect) skips ASCII 16 bytes at a time: a disguise must be seen at
# every offset from the start of the file and next to its end, not only
# where the blocks happen to fall.  For each padding length 0..40, a page
# whose only gambling words are split by emoji (or Cyrillic look-alikes,
# or soft hyphens), or hidden in a base64 attribute, or named by a
# word-suffix brand next to one weak word (has_brand_word), must get a
# judol finding.
set -uo pipefail
: "${RONDA:?RONDA must name the ronda binary}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# words split by emoji, by Cyrillic look-alikes (ѕ о а с), by soft hyphens
emoji='s🎰l🎰o🎰t g🎰a🎰c🎰o🎰r'
cyr='ѕlоt gасоr mахwіn'
shy=$(printf 'sl\302\255ot ga\302\255cor max\302\255win')
# hidden gambling links, base64 in an attribute (nothing in the raw bytes)
b64=$(printf '%s' '<div style="display:none"><a href="https://toto4d.example/">TOTO4D</a> <a href="https://gacor88.example/">slot gacor</a> <a href="https://maxwin138.example/">MAXWIN138</a></div>' | base64 -w0)
n=0
for k in $(seq 0 40); do
	pad=$(printf '%*s' "$k" '' | tr ' ' x)
	for kind in emoji cyr shy; do
		words=${!kind}
		# the words at the start (after the padding) and at the very end
		printf '<p>%s %s daftar sekarang</p>' "$pad" "$words" >"$dir/a-$kind-$k.html"
		printf '<html><body><p>%s daftar sekarang %s' "$pad" "$words" >"$dir/b-$kind-$k.html"
		n=$((n + 2))
	done
	printf '<p>%s</p><div data-content="%s"></div>' "$pad" "$b64" >"$dir/a-b64-$k.html"
	# both "nagabet" 64 bytes apart: at the same place in a 16-byte block
	printf '<p>%s</p><a href="https://nagabet.example/">jackpot hari ini terbaru</a> <a href="https://nagabet.example/daftar">daftar</a>' \
		"$pad" >"$dir/a-bw-$k.html"
	n=$((n + 1))
	printf "%s<div data-content='%s'>" "$pad" "$b64" >"$dir/b-b64-$k.html"
	n=$((n + 2))
done
out=$("$RONDA" scan --json --min-severity info "$dir")
rc=$?
if [ "$rc" -gt 1 ]; then
	echo "FAIL: ronda scan exited $rc" >&2
	exit 1
fi
fail=0
for f in "$dir"/*.html; do
	if ! grep -F "\"path\":\"$f\"" <<<"$out" | grep -q '"rule":"judol\.'; then
		echo "FAIL: no judol finding for $(basename "$f"): $(cat "$f")" >&2
		fail=1
	fi
done
[ "$fail" = 0 ] && echo "ok: $n pages, every one found"
exit "$fail"
