#!/bin/bash
# killloop.sh — kill -9 ronda at random moments of snapshot, restore,
# quarantine and clean, again and again (RUNS, default 200), then of
# vault prune (RUNS / 5 more, PRUNE_RUNS), and check after
# every kill that:
#   - `ronda vault verify` passes (no damaged, no missing object);
#   - every file of the site holds either its old or its new content;
#   - nothing is lost: every injected file and every overwritten version is
#     either still in the site or in quarantine (its object verified above);
#   - the state database still works.
# Env: RONDA (binary), RUNS, SEED.
set -u
RONDA=${RONDA:?set RONDA to the ronda binary}
# 200 runs; a sanitizer build is several times slower, so it does fewer
# (the plain build's run is the one that shows the property)
if [[ -z ${RUNS:-} && -n ${BUILD:-} ]] && grep -q '^RONDA_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
	RUNS=40
	echo "killloop: sanitizer build, $RUNS runs"
fi
RUNS=${RUNS:-200}
SEED=${SEED:-$$}
RANDOM=$SEED
T=$(mktemp -d /tmp/ronda-killloop.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
ST="$T/state"
SITE="$T/site"
NF=8
fail() { echo "FAIL (run $run, op $op, seed $SEED): $*"; exit 1; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

# versions: A_i (the clean site), B_i (gambling links injected), E_k
# (defacement pages dropped by the attacker)
mkdir -p versions
for i in $(seq 1 $NF); do
	printf '<?php\n// page %d of the site\necho "halaman %d";\n' "$i" "$i" > versions/A$i
	{ cat versions/A$i
	  printf "echo '<span style=\"font-size:0px\"><a href=\"https://depo5k.example/\">depo 5k slot gacor</a> <a href=\"https://situs777.example/\">SITUS777</a> <a href=\"https://gacor88.example/\">gacor88 maxwin</a> %d</span>';\n" "$i"
	} > versions/B$i
done
for k in 1 2 3; do
	sed "s/Mr.Sukaplay/Mr.Sukaplay$k/" "$SRC/tests/fixtures/deface/index.html" > versions/E$k 2>/dev/null ||
		printf '<html><head><title>Hacked By Team%d</title></head><body><h1>Hacked By Team%d</h1><p>your security is low</p></body></html>\n' $k $k > versions/E$k
done
declare -A KNOWN
for f in versions/*; do KNOWN[$(sha "$f")]=${f#versions/}; done

path_of() { # file index -> path in the site
	case $(( $1 % 3 )) in
	0) echo "$SITE/p$1.php" ;;
	1) echo "$SITE/inc/p$1.php" ;;
	2) echo "$SITE/inc/deep/p$1.php" ;;
	esac
}

mkdir -p "$SITE/inc/deep"
for i in $(seq 1 $NF); do cp versions/A$i "$(path_of $i)"; done
"$RONDA" snapshot -q --state "$ST" "$SITE" || fail "first snapshot"

# how long each operation takes here, so kills land anywhere inside it
ms_of() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 + 5 )); }
for i in 1 3 5; do cp versions/B$i "$(path_of $i)"; done
cp versions/E1 "$SITE/inc/e1.html"
MS_SNAP=$(ms_of "$RONDA" snapshot -q --state "$ST.probe" "$SITE")
MS_REST=$(ms_of "$RONDA" restore -q --state "$ST.probe" --all "$SITE")
cp versions/E1 "$SITE/inc/e1.html"
MS_QUAR=$(ms_of "$RONDA" quarantine --state "$ST.probe" "$SITE/inc/e1.html")
cp versions/B1 "$(path_of 1)"
MS_CLEAN=$(ms_of "$RONDA" clean --yes --state "$ST.probe" "$SITE")
rm -rf "$ST.probe"
for i in $(seq 1 $NF); do cp versions/A$i "$(path_of $i)"; done
echo "killloop: operations take about snapshot ${MS_SNAP} ms, restore ${MS_REST} ms, quarantine ${MS_QUAR} ms, clean ${MS_CLEAN} ms"

quarantined_hashes() {
	"$RONDA" quarantine --state "$ST" list --json | sed -n 's/.*"sha256":"\([0-9a-f]*\)".*/\1/p' | sort -u
}

n_tmp=0
hits=0
declare -A COUNT
start=$(date +%s)
for run in $(seq 1 "$RUNS"); do
	# a mixed state: some files injected, some attacker pages dropped
	declare -A BEFORE=()
	for i in $(seq 1 $NF); do
		if (( RANDOM % 2 )); then cp versions/B$i "$(path_of $i)"; else cp versions/A$i "$(path_of $i)"; fi
	done
	for k in 1 2 3; do
		rm -f "$SITE/inc/e$k.html"
		(( RANDOM % 2 )) && cp versions/E$k "$SITE/inc/e$k.html"
	done
	while read -r h f; do BEFORE[$h]=1; done < <(find "$SITE" -type f -exec sha256sum {} +)

	case $(( RANDOM % 4 )) in
	0) op=snapshot; cmd=("$RONDA" snapshot -q --state "$ST" "$SITE"); max=$MS_SNAP ;;
	1) op=restore; cmd=("$RONDA" restore -q --state "$ST" --at 1 --all "$SITE"); max=$MS_REST ;;
	2) op=quarantine; cmd=("$RONDA" quarantine --state "$ST" "$SITE"/inc/e*.html "$(path_of 1)"); max=$MS_QUAR ;;
	3) op=clean; cmd=("$RONDA" clean --yes --state "$ST" "$SITE"); max=$MS_CLEAN ;;
	esac
	COUNT[$op]=$(( ${COUNT[$op]:-0} + 1 ))
	"${cmd[@]}" >/dev/null 2>&1 &
	pid=$!
	ms=$(( RANDOM * 32768 + RANDOM ))
	ms=$(( ms % (max + max / 5 + 1) ))
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[[ $? == 137 ]] && hits=$((hits + 1))

	# the vault verifies
	out=$("$RONDA" vault verify --state "$ST" 2>&1) || fail "vault verify: $out"
	# every file is an old or a new version; ronda's temporary names may
	# survive a kill between link and rename, holding a complete version
	declare -A NOW=()
	while read -r h f; do
		[[ -n ${KNOWN[$h]:-} ]] || fail "$f holds unknown content"
		NOW[$h]=1
		case $f in */.ronda-tmp.*) n_tmp=$((n_tmp + 1)); rm -f "$f" ;; esac
	done < <(find "$SITE" -type f -exec sha256sum {} +)
	for i in $(seq 1 $NF); do
		[[ -e $(path_of $i) ]] || [[ $op == quarantine && $i == 1 ]] || fail "$(path_of $i) is gone"
	done
	# nothing lost: what was there before is still there or in quarantine
	q=$(quarantined_hashes) || fail "quarantine list"
	for h in "${!BEFORE[@]}"; do
		[[ -n ${NOW[$h]:-} ]] && continue
		grep -qx "$h" <<<"$q" || fail "content ${KNOWN[$h]} lost (neither in the site nor in quarantine)"
	done
	# put quarantined file 1 back for the next round if it went away
	[[ -e $(path_of 1) ]] || cp versions/A1 "$(path_of 1)"
	unset BEFORE NOW
done
end=$(date +%s)

# prune: kill -9 while packs are dropped and rewritten (each snapshot of
# this small site adds a small pack; prune merges them and drops those
# only old snapshots needed).  After every kill the vault verifies: no
# object a snapshot or the quarantine needs is missing or damaged.
PRUNE_RUNS=${PRUNE_RUNS:-$(( RUNS / 5 ))}
new_contents() { # run: three snapshots with some files changed each time
	for k in 1 2 3; do
		for i in $(seq 1 $NF); do
			(( RANDOM % 2 )) && printf 'run %d file %d v%d\n' "$1" "$i" "$k" >> "$(path_of $i)"
		done
		"$RONDA" snapshot -q --state "$ST" "$SITE" >/dev/null 2>&1 || fail "snapshot before prune"
	done
}
op=prune run=0
new_contents 0
MS_PRUNE=$(ms_of "$RONDA" vault prune --state "$ST" --keep 2)
pruned=0
for run in $(seq 1 "$PRUNE_RUNS"); do
	new_contents "$run"
	"$RONDA" vault prune --state "$ST" --keep 2 >/dev/null 2>&1 &
	pid=$!
	ms=$(( (RANDOM * 32768 + RANDOM) % (MS_PRUNE + MS_PRUNE / 5 + 1) ))
	sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[[ $? == 137 ]] && pruned=$((pruned + 1))
	out=$("$RONDA" vault verify --state "$ST" 2>&1) || fail "vault verify after a killed prune: $out"
done
echo "killloop: $PRUNE_RUNS prune runs ($pruned killed mid-run, prune takes about ${MS_PRUNE} ms); packs now: $(ls "$ST/vault/packs" | wc -l)"
echo "killloop: $RUNS runs ($hits killed mid-run) in $((end - start)) s (seed $SEED): ${COUNT[snapshot]:-0} snapshot, ${COUNT[restore]:-0} restore, ${COUNT[quarantine]:-0} quarantine, ${COUNT[clean]:-0} clean; $n_tmp complete temporary files left by kills"
"$RONDA" vault verify --state "$ST" >/dev/null || fail "final verify"
"$RONDA" vault prune --state "$ST" --keep 1 >/dev/null || fail "prune after the loop"
"$RONDA" vault verify --state "$ST" >/dev/null || fail "verify after prune"
echo "ok"
