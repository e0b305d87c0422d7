#!/bin/bash
# faults.sh — disk full, read-only filesystem, permission denied, a
# corrupted vault object and a truncated database: each gives a clear error
# and a non-zero exit, and leaves nothing half-done (site files as they
# were, no temporary files, no snapshot or quarantine row for what failed).
# Parts that need mount(2) or chattr are skipped, with a message, where the
# system does not allow them.  Env: RONDA.
set -u
RONDA=${RONDA:?set RONDA to the ronda binary}
T=$(mktemp -d /tmp/ronda-faults.XXXXXX)
MOUNTS=()
cleanup() {
	chattr -i "$T"/perm/site/index.php 2>/dev/null
	for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
fail() { echo "FAIL: $*"; exit 1; }
pass() { echo "ok   $*"; }
skip() { echo "skip $*"; }
expect_fail() { # expect_fail "message part" cmd...
	local want=$1; shift
	"$@" > out.txt 2> err.txt
	local rc=$?
	[[ $rc -ne 0 ]] || fail "'$*' succeeded; expected an error"
	[[ $rc -eq 2 ]] || fail "'$*' exit $rc, expected 2"
	grep -q "$want" err.txt || fail "'$*' said: $(cat err.txt); expected '$want'"
	[[ $(wc -l < err.txt) -le 3 ]] || fail "'$*': too many error lines: $(cat err.txt)"
}
no_tmp() { ! find "$1" -name '.ronda-tmp.*' | grep -q . || fail "temporary files left in $1"; }
tree_sum() { (cd "$1" && find . -type f -exec sha256sum {} + | sort; find . -printf '%p %m %s\n' | sort); }
try_mount_tmpfs() { # dir size
	mkdir -p "$1"
	if mount -t tmpfs -o "size=$2" tmpfs "$1" 2>/dev/null; then MOUNTS+=("$1"); return 0; fi
	return 1
}

# ---- disk full: the vault's filesystem ----
mkdir -p full/site
head -c 3000000 /dev/urandom > full/site/big.bin
printf 'small\n' > full/site/index.php
if try_mount_tmpfs "$T/full/state" 1m; then
	before=$(tree_sum full/site)
	expect_fail "no space left on device" "$RONDA" snapshot --state full/state full/site
	[[ $(tree_sum full/site) == "$before" ]] || fail "snapshot on a full disk changed the site"
	out=$("$RONDA" snapshots --state full/state) || fail "snapshots after ENOSPC: $out"
	grep -q "no snapshots yet" <<<"$out" || fail "a half snapshot was recorded: $out"
	"$RONDA" vault verify --state full/state > /dev/null || fail "vault damaged after ENOSPC"
	pass "disk full (vault): clear error, no snapshot recorded, vault verifies"
else
	skip "disk full (vault): cannot mount a tmpfs here"
fi

# ---- disk full: the web root's filesystem during restore ----
if try_mount_tmpfs "$T/fullsite" 1m; then
	head -c 600000 /dev/urandom > fullsite/data.bin
	printf '<?php echo 1;\n' > fullsite/index.php
	"$RONDA" snapshot -q --state st1 fullsite || fail "snapshot of fullsite"
	printf 'defaced\n' > fullsite/data.bin
	head -c 700000 /dev/zero > fullsite/filler 2>/dev/null
	head -c 400000 /dev/urandom > fullsite/filler2 2>/dev/null
	before=$(sha256sum fullsite/data.bin)
	expect_fail "no space left on device" "$RONDA" restore --state st1 fullsite/data.bin
	[[ $(sha256sum fullsite/data.bin) == "$before" ]] || fail "failed restore changed the file"
	no_tmp fullsite
	pass "disk full (web root): clear error, file left as it was, no temporary file"
else
	skip "disk full (web root): cannot mount a tmpfs here"
fi

# ---- read-only filesystem ----
if try_mount_tmpfs "$T/ro" 4m; then
	printf '<?php echo "asli";\n' > ro/index.php
	printf 'dropped\n' > ro/shell.php
	"$RONDA" snapshot -q --state st2 ro || fail "snapshot of ro"
	printf 'defaced\n' > ro/index.php
	printf 'new\n' > ro/new.php
	if mount -o remount,ro "$T/ro" 2>/dev/null; then
		before=$(tree_sum ro)
		expect_fail "read-only filesystem" "$RONDA" restore --state st2 --all ro
		expect_fail "read-only filesystem" "$RONDA" quarantine --state st2 ro/new.php
		[[ $(tree_sum ro) == "$before" ]] || fail "read-only site changed"
		"$RONDA" quarantine --state st2 list --json > q.txt || fail "quarantine list"
		! grep -q '"state":"held"' q.txt || fail "a failed quarantine left a held row: $(cat q.txt)"
		pass "read-only web root: clear error, nothing changed, no quarantine row"
		mount -o remount,rw "$T/ro"
	else
		skip "read-only filesystem: cannot remount read-only"
	fi
	# a read-only state directory
	mkdir -p rost/state
	"$RONDA" snapshot -q --state rost/state ro || fail "snapshot for the ro state test"
	if try_mount_tmpfs "$T/rost2" 4m && cp -a rost/state/. rost2/ && mount -o remount,ro "$T/rost2" 2>/dev/null; then
		printf 'changed\n' > ro/index.php
		out=$("$RONDA" snapshot --state rost2 ro 2>&1)
		rc=$?
		[[ $rc -eq 2 ]] || fail "snapshot into a read-only state dir: exit $rc: $out"
		grep -qi "read-only\|readonly\|cannot" <<<"$out" || fail "unclear error: $out"
		pass "read-only state directory: clear error ($(head -1 <<<"$out"))"
	else
		skip "read-only state directory: cannot remount read-only"
	fi
else
	skip "read-only filesystem: cannot mount a tmpfs here"
fi

# ---- permission denied ----
mkdir -p perm/site
printf '<?php echo "asli";\n' > perm/site/index.php
"$RONDA" snapshot -q --state perm/st perm/site || fail "snapshot of perm"
printf 'defaced\n' > perm/site/index.php
if chattr +i perm/site/index.php 2>/dev/null; then
	expect_fail "not permitted\|permission denied" "$RONDA" restore --state perm/st --all perm/site
	grep -q defaced perm/site/index.php || fail "immutable file changed"
	no_tmp perm/site
	chattr -i perm/site/index.php
	pass "permission denied (immutable file): clear error, file as it was, no temporary file"
else
	skip "permission denied (chattr +i): not supported on this filesystem"
fi
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
	mkdir -p user; chmod 755 "$T"
	chown nobody user 2>/dev/null
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$RONDA" quarantine --state user/st perm/site/index.php 2>&1)
	rc=$?
	[[ $rc -eq 2 ]] || fail "quarantine as nobody: exit $rc: $out"
	grep -q "permission denied" <<<"$out" || fail "unclear error as nobody: $out"
	[[ -e perm/site/index.php ]] || fail "file gone after a refused quarantine"
	pass "permission denied (unprivileged user): $(head -1 <<<"$out")"
else
	skip "permission denied as another user: not root or no setpriv"
fi

# ---- corrupted vault object ----
mkdir -p corrupt/site
printf '<?php echo "asli";\n' > corrupt/site/index.php
"$RONDA" snapshot -q --state corrupt/st corrupt/site || fail "snapshot of corrupt"
obj=$(find corrupt/st/vault/packs corrupt/st/vault/objects -type f | head -1)
printf 'XXXX' | dd of="$obj" bs=1 seek=30 conv=notrunc 2>/dev/null
printf 'defaced\n' > corrupt/site/index.php
expect_fail "corrupted" "$RONDA" restore --state corrupt/st --all corrupt/site
grep -q defaced corrupt/site/index.php || fail "restore from a damaged object changed the file"
no_tmp corrupt/site
"$RONDA" vault verify --state corrupt/st > out.txt 2>&1
[[ $? -eq 1 ]] || fail "verify of a damaged vault should exit 1"
grep -q damaged out.txt || fail "verify did not name the damaged object"
pass "corrupted object: restore refused, file as it was; verify exits 1"

# ---- truncated database ----
mkdir -p trunc/site
printf '<?php echo "asli";\n' > trunc/site/index.php
"$RONDA" snapshot -q --state trunc/st trunc/site || fail "snapshot of trunc"
for i in 1 2 3 4 5; do printf 'v%d\n' $i > trunc/site/f$i.php; "$RONDA" snapshot -q --state trunc/st trunc/site; done
# checkpoint the WAL into the file, then cut the file short
sqlite3 trunc/st/ronda.db 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null 2>&1
size=$(stat -c %s trunc/st/ronda.db)
truncate -s $((size / 2)) trunc/st/ronda.db
printf 'defaced\n' > trunc/site/index.php
before=$(tree_sum trunc/site)
"$RONDA" restore --state trunc/st --all trunc/site > out.txt 2> err.txt
rc=$?
[[ $rc -eq 2 ]] || fail "restore with a truncated database: exit $rc: $(cat err.txt)"
grep -qi "damaged\|corrupt\|malformed\|truncated" err.txt || fail "unclear error for a truncated database: $(cat err.txt)"
[[ $(tree_sum trunc/site) == "$before" ]] || fail "site changed although the database is damaged"
"$RONDA" snapshot --state trunc/st trunc/site > out.txt 2> err.txt
[[ $? -eq 2 ]] || fail "snapshot into a truncated database should fail"
pass "truncated database: $(head -1 err.txt)"
echo ok
