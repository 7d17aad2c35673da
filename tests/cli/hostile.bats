#!/usr/bin/env bats
# Archives that attack the restore, a full disk, signals, a running Docker,
# and a commit killed half-way. Needs root (tmpfs mounts, owners).

NAME=backup-2026-11-20T03-00-00.tar.gz

pack() {
	local dir=$1 member=$2 out=$3
	shift 3
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner "$@" \
		-C "$dir" -cpf "$out" "$member"
}

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds.
wait_for() {
	local limit=$(( $1 * 20 )) i=0
	shift
	until "$@"; do
		(( ++i < limit )) || { echo "timed out waiting for: $*" >&2; return 1; }
		sleep 0.05
	done
}

# outside: the state of every place a hostile archive aims at.
outside() {
	local p
	for p in /tmp/evil /etc/lifeboat-evil /etc/passwd "$BATS_TEST_TMPDIR/evil"; do
		if [ -e "$p" ] || [ -L "$p" ]; then
			stat -c "$p %i %h %s %Y" "$p"
			sha256sum "$p"
		else
			echo "$p absent"
		fi
	done
}

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR
	"$TOP/tests/helpers/mktree" "$d/src0" --profile demo
	"$TOP/tests/helpers/mktree" "$d/src1" --profile demo --seed 2
	mkdir "$d/store0" "$d/store1" "$d/bigbomb"
	pack "$d/src0" . "$d/store0/backup-2026-11-19T03-00-00.tar.gz" -z
	sidecar "$d/store0/backup-2026-11-19T03-00-00.tar.gz"
	pack "$d/src1" . "$d/store1/backup-2026-11-20T03-00-00.tar.gz" -z
	sidecar "$d/store1/backup-2026-11-20T03-00-00.tar.gz"
	# a big zero bomb, long enough to decode that a signal lands mid-way
	MKHOSTILE_BOMB_BYTES=$((2 << 30)) "$TOP/tests/helpers/mkhostile" bomb "$d/bigbomb/$NAME"
	sidecar "$d/bigbomb/$NAME"
}

setup() {
	load ../helpers/common
	SRC0=$BATS_FILE_TMPDIR/src0
	SRC1=$BATS_FILE_TMPDIR/src1
	STORE0=$BATS_FILE_TMPDIR/store0
	STORE1=$BATS_FILE_TMPDIR/store1
	BIGBOMB=$BATS_FILE_TMPDIR/bigbomb
	STORE=$BATS_TEST_TMPDIR/store
	DEST=$BATS_TEST_TMPDIR/dest
	TREECMP=$TOP/tests/helpers/treecmp
	MOUNTED=
	SERVER_PID=
	LB_PID=
	mkdir "$STORE"
}

teardown() {
	# a lifeboat started in the background by a test that failed early
	if [ -n "$LB_PID" ] && kill -0 "$LB_PID" 2>/dev/null; then
		kill -9 "$LB_PID" 2>/dev/null || true
		wait "$LB_PID" 2>/dev/null || true
	fi
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	if [ -n "$MOUNTED" ] && mountpoint -q "$MOUNTED"; then
		umount "$MOUNTED"
	fi
}

# live: DEST with two live volumes, vol1 being the one the hostile archives
# aim at.
live() {
	mkdir -p "$DEST/vol1/_data/sub" "$DEST/vol2/_data"
	echo "live data" > "$DEST/vol1/_data/keep.txt"
	echo "more" > "$DEST/vol1/_data/sub/more.txt"
	ln -s keep.txt "$DEST/vol1/_data/link"
	echo "other volume" > "$DEST/vol2/_data/x"
	chown -R 999:999 "$DEST/vol2/_data"
}

# hostile KIND ENTRY: the archive of that KIND is refused, naming ENTRY, and
# nothing changes, whether it came as the only candidate or by NAME.
hostile() {
	local kind=$1 entry=$2 before out
	"$TOP/tests/helpers/mkhostile" "$kind" "$STORE/$NAME"
	sidecar "$STORE/$NAME"
	live
	before=$("$TREECMP" manifest "$DEST")
	out=$(outside)

	run -3 --separate-stderr "$LIFEBOAT" -q --json restore --replace --store "$STORE" --dest "$DEST"
	echo "stderr: $stderr"
	assert_equal "${#stderr_lines[@]}" 1
	[[ "${stderr_lines[0]}" == "lifeboat: "*"'$entry'"* ]]
	[[ "$(jq -r '.rejected[0].reason' <<< "$output")" == *"'$entry'"* ]]
	no_staging "$DEST"
	assert_equal "$("$TREECMP" manifest "$DEST" --ignore '.lifeboat*')" "$before"
	assert_equal "$(outside)" "$out"
	assert_equal "$(find "$BATS_TEST_TMPDIR" "$DEST" -name '*evil*')" ""

	run -4 --separate-stderr "$LIFEBOAT" -q restore "$NAME" --replace --store "$STORE" --dest "$DEST"
	echo "stderr: $stderr"
	assert_equal "${#stderr_lines[@]}" 1
	[[ "${stderr_lines[0]}" == "lifeboat: "*"'$entry'"* ]]
	no_staging "$DEST"
	assert_equal "$("$TREECMP" manifest "$DEST" --ignore '.lifeboat*')" "$before"
	assert_equal "$(outside)" "$out"
	assert_equal "$(find "$BATS_TEST_TMPDIR" "$DEST" -name '*evil*')" ""
	# nothing went live: no previous-ID was made either
	[ -z "$(compgen -G "$DEST.lifeboat/previous-*")" ]
}

@test "hostile: '..' in a path" {
	hostile dotdot 'volumes/vol1/_data/../../../../tmp/evil'
}

@test "hostile: an absolute path" {
	hostile absolute '/etc/lifeboat-evil'
}

@test "hostile: a file written through a symlink to /tmp" {
	hostile symlink-escape 'volumes/vol1/_data/link/evil'
}

@test "hostile: a file written through a relative symlink leading out" {
	hostile symlink-relative-escape 'volumes/vol1/_data/up/evil'
}

@test "hostile: a directory replaced by a symlink to /tmp, then written through" {
	hostile symlink-over-dir 'volumes/vol1/_data/b/evil'
}

@test "hostile: a hard link to /etc/passwd" {
	hostile hardlink-escape 'volumes/vol1/_data/passwd'
}

@test "hostile: a hard link to ../../../../etc/passwd" {
	hostile hardlink-dotdot 'volumes/vol1/_data/passwd'
}

@test "hostile: device nodes inside a volume" {
	hostile device 'volumes/vol1/_data/null'
}

@test "hostile: a duplicate entry" {
	hostile duplicate 'volumes/vol1/_data/dup.txt'
}

@test "hostile: a zero bomb bigger than the destination: exit 6, staging removed, live volumes unchanged" {
	local before
	MOUNTED=$BATS_TEST_TMPDIR/small
	mkdir "$MOUNTED"
	mount -t tmpfs -o size=16m tmpfs "$MOUNTED"
	# the volumes directory of a filesystem, its work area beside it
	DEST=$MOUNTED/volumes
	mkdir "$DEST"
	MKHOSTILE_BOMB_BYTES=$((64 << 20)) "$TOP/tests/helpers/mkhostile" bomb "$STORE/$NAME"
	sidecar "$STORE/$NAME"
	run -6 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST"
	echo "stderr: $stderr"
	no_staging "$DEST"
	only_lifeboat "$DEST"
	[[ "${stderr_lines[-1]}" == "lifeboat: "*"'volumes/vol1/_data/zeros.bin'"* ]]
	# the same over live volumes, with --replace: they stay as they were
	live
	before=$("$TREECMP" manifest "$DEST" --ignore '.lifeboat*')
	run -6 --separate-stderr "$LIFEBOAT" --json restore --replace --store "$STORE" --dest "$DEST"
	no_staging "$DEST"
	assert_equal "$("$TREECMP" manifest "$DEST" --ignore '.lifeboat*')" "$before"
}

@test "a destination that is a mount point: exit 6 before anything is read, nothing created" {
	MOUNTED=$BATS_TEST_TMPDIR/small
	mkdir "$MOUNTED"
	mount -t tmpfs -o size=16m tmpfs "$MOUNTED"
	run -6 --separate-stderr "$LIFEBOAT" restore --store "$STORE0" --dest "$MOUNTED"
	[[ "$stderr" == "lifeboat: '$MOUNTED' is a mount point: lifeboat's work area '$MOUNTED.lifeboat' must sit beside it on the same filesystem"*"mount that filesystem one level up, or restore into a directory of it" ]]
	[[ "$stderr" != *"restoring"* ]]
	assert_equal "$(ls -A "$MOUNTED")" ""
	[ ! -e "$MOUNTED.lifeboat" ]
}

@test "no space left (incompressible data): exit 6, staging removed, live volumes unchanged" {
	local p=$BATS_TEST_TMPDIR/p before
	mkdir -p "$p/volumes/vol1/_data"
	head -c $((24 << 20)) /dev/urandom > "$p/volumes/vol1/_data/blob.bin"
	pack "$p" volumes "$STORE/$NAME" -z
	sidecar "$STORE/$NAME"
	MOUNTED=$BATS_TEST_TMPDIR/small
	DEST=$MOUNTED/volumes
	mkdir "$MOUNTED"
	mount -t tmpfs -o size=16m tmpfs "$MOUNTED"
	mkdir "$DEST"
	live
	before=$("$TREECMP" manifest "$DEST")
	run -6 --separate-stderr "$LIFEBOAT" --json restore --replace --store "$STORE" --dest "$DEST"
	echo "stderr: $stderr"
	no_staging "$DEST"
	assert_equal "$("$TREECMP" manifest "$DEST" --ignore '.lifeboat*')" "$before"
	jq -e '.result == "failed"' <<< "$output"
	[[ "${stderr_lines[-1]}" == "lifeboat: "*"'volumes/vol1/_data/blob.bin'"* ]]
}

# interrupt SIGNAL: a restore of the big bomb gets SIGNAL mid-transfer.
interrupt() {
	local pid rc=0 before
	live
	before=$("$TREECMP" manifest "$DEST")
	"$LIFEBOAT" restore --replace --store "$BIGBOMB" --dest "$DEST" \
		> "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	LB_PID=$pid
	wait_for 20 compgen -G "$DEST.lifeboat/staging-*"
	sleep 0.2
	kill "-$1" "$pid"
	wait "$pid" || rc=$?
	cat "$BATS_TEST_TMPDIR/err"
	assert_equal "$rc" 130
	grep -q interrupted "$BATS_TEST_TMPDIR/err"
	no_staging "$DEST"
	assert_equal "$("$TREECMP" manifest "$DEST" --ignore '.lifeboat*')" "$before"
	rm -rf "$DEST"
}

@test "SIGTERM during the transfer: exit 130, staging removed, no new volume" {
	interrupt TERM
}

@test "SIGINT during the transfer: exit 130, staging removed, no new volume" {
	interrupt INT
}

@test "killed (-9) during the transfer: the next run removes the staging" {
	local pid
	"$LIFEBOAT" restore --store "$BIGBOMB" --dest "$DEST" \
		> "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	LB_PID=$pid
	wait_for 20 compgen -G "$DEST.lifeboat/staging-*"
	sleep 0.2
	kill -9 "$pid"
	wait "$pid" || true
	only_lifeboat "$DEST"
	run -0 --separate-stderr "$LIFEBOAT" restore --store "$STORE0" --dest "$DEST"
	[[ "$stderr" == *"removed the staging of the interrupted restore"* ]]
	no_staging "$DEST"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	rm -rf "$DEST"
}

# start_docker ROOT: a unix socket listening at ROOT/run/docker.sock.
start_docker() {
	mkdir -p "$1/run"
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(16)
time.sleep(300)
' "$1/run/docker.sock" 3>&- &
	SERVER_PID=$!
	wait_for 10 test -S "$1/run/docker.sock"
}

@test "Docker running on the target: exit 6 naming the way to stop it; --ignore-running-docker restores" {
	local root=$BATS_TEST_TMPDIR/root
	# the socket path must fit in sun_path for the check to be meaningful
	(( ${#root} + 16 < 100 ))
	mkdir -p "$root/var/lib/docker/volumes"
	start_docker "$root"
	run -6 --separate-stderr "$LIFEBOAT" restore --root "$root" --dest /var/lib/docker/volumes \
		--store "$STORE0"
	[[ "$stderr" == *"systemctl stop docker docker.socket"* ]]
	[[ "$stderr" == *"--ignore-running-docker"* ]]
	only_lifeboat "$root/var/lib/docker/volumes"
	run -0 --separate-stderr "$LIFEBOAT" restore --root "$root" --dest /var/lib/docker/volumes \
		--store "$STORE0" --ignore-running-docker
	run -0 "$TREECMP" diff "$SRC0" "$root/var/lib/docker/volumes" --ignore '.lifeboat*'
	# Docker stopped (a stale socket file left behind): no refusal
	kill "$SERVER_PID"
	wait "$SERVER_PID" || true
	SERVER_PID=
	[ -S "$root/run/docker.sock" ]
	run -0 --separate-stderr "$LIFEBOAT" restore --replace --root "$root" \
		--dest /var/lib/docker/volumes --store "$STORE1"
	run -0 "$TREECMP" diff "$SRC1" "$root/var/lib/docker/volumes" --ignore '.lifeboat*'
}

# crash: restore SRC0, then kill -9 a --replace restore of SRC1 between
# two volumes of its commit (paused there: a switch of the test build
# only, build/asan/lifeboat or FAULT_LIFEBOAT). Sets KILLED to its
# restore ID.
crash() {
	local pid j test_build=${FAULT_LIFEBOAT:-$TOP/build/asan/lifeboat}
	[ -x "$test_build" ] || fail "no test build $test_build (make build/asan/lifeboat)"
	run -0 "$LIFEBOAT" -q restore --store "$STORE0" --dest "$DEST"
	next_second
	ls "$DEST.lifeboat" > "$BATS_TEST_TMPDIR/before"
	LIFEBOAT_TEST_COMMIT_PAUSE_MS=3000 "$test_build" restore --replace --store "$STORE1" \
		--dest "$DEST" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	LB_PID=$pid
	new_journal_done() {
		local f
		for f in "$DEST".lifeboat/journal-*; do
			grep -qx "$(basename "$f")" "$BATS_TEST_TMPDIR/before" && continue
			grep -q '^done ' "$f" && { KILLED=${f##*/journal-}; return 0; }
		done
		return 1
	}
	wait_for 20 new_journal_done
	kill -9 "$pid"
	wait "$pid" || true
	j=$DEST.lifeboat/journal-$KILLED
	cat "$j"
	# killed mid-commit: started, not finished
	grep -qx commit "$j"
	! grep -qx committed "$j" || return 1
	# and the tree is half old, half new
	run -1 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	run -1 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
}

@test "a commit killed half-way: the next restore finishes it first" {
	crash
	run -0 --separate-stderr "$LIFEBOAT" restore --replace --store "$STORE1" --dest "$DEST"
	echo "stderr: $stderr"
	[[ "$stderr" == *"finished the interrupted commit of restore $KILLED"* ]]
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	# the killed restore set the whole old tree aside
	run -0 "$TREECMP" diff "$SRC0" "$DEST.lifeboat/previous-$KILLED"
	grep -qx committed "$DEST.lifeboat/journal-$KILLED"
	no_staging "$DEST"
}

@test "a commit killed half-way, then rollback: finished, then undone: fully old" {
	crash
	run -0 --separate-stderr "$LIFEBOAT" rollback --dest "$DEST"
	echo "stderr: $stderr"
	[[ "$stderr" == *"finished the interrupted commit of restore $KILLED"* ]]
	assert_output --partial "rolled back restore $KILLED"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	run -0 "$TREECMP" diff "$SRC1" "$DEST.lifeboat/rolledback-$KILLED"
	no_staging "$DEST"
}
