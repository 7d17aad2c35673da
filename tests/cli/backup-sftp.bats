#!/usr/bin/env bats
# lifeboat backup to SFTP stores, against the test sshd on 127.0.0.1
# (tests/helpers/sshd-store): round trips restored bit-exact, the server's
# own system calls seen by strace (a new .partial, fsync, one rename into
# place); three stores (SFTP, file, S3 behind the SigV4 proxy) from one
# read; uploads that fail mid-way (a full disk, a read-only filesystem, a
# connection cut by cutproxy) leave no sidecar and no .partial on that
# store, exit 5, while the file store gets its whole backup; retention and
# prune delete exactly lifeboat's names. Needs root (mounts, strace).

BUCKET=lifeboat
KEY=S3RVER

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR
	"$TOP/tests/helpers/mktree" "$d/src" --profile demo
	# 24 MiB that gzip cannot shrink: many rounds of libssh2's pipeline
	head -c $((24 << 20)) /dev/urandom > "$d/src/dockerwarts_grafana/_data/big.bin"
	mkdir "$d/root"
	"$TOP/tests/helpers/sshd-store" start "$d/ssh" "$d/root"
	"$TOP/tests/helpers/s3-store" start "$d/s3"
	. "$d/s3/ports.env"
	curl -sSf -o /dev/null -X PUT --aws-sigv4 aws:amz:us-east-1:s3 -u "$KEY:$KEY" \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$S3_ENDPOINT/$BUCKET"
}

teardown_file() {
	load ../helpers/common
	"$TOP/tests/helpers/sshd-store" stop "$BATS_FILE_TMPDIR/ssh"
	"$TOP/tests/helpers/s3-store" stop "$BATS_FILE_TMPDIR/s3"
}

setup() {
	load ../helpers/common
	HELPERS=$TOP/tests/helpers
	TREECMP=$HELPERS/treecmp
	SRC=$BATS_FILE_TMPDIR/src
	SSH=$BATS_FILE_TMPDIR/ssh
	. "$SSH/ports.env"
	. "$BATS_FILE_TMPDIR/s3/ports.env"
	export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$KEY AWS_REGION=us-east-1 \
		AWS_ENDPOINT_URL=$S3_ENDPOINT LIFEBOAT_RETRIES=1 LIFEBOAT_RETRY_MS=50
	# no ~/.ssh of the host
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	# each test writes under its own directory of the server
	ROOT=$STORE_ROOT/$BATS_TEST_NUMBER
	mkdir -p "$ROOT"
	DISK=$BATS_TEST_TMPDIR/disk
	mkdir "$DISK"
	CONF=$BATS_TEST_TMPDIR/lifeboat.conf
	export LIFEBOAT_TEST_NOW=1796353200	# 2026-12-04T03:00:00Z
	NAME=lifeboat-2026-12-04T03-00-00
}

teardown() {
	local f
	for f in "$BATS_TEST_TMPDIR"/*.cutpid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2> /dev/null
	done
	if [ -n "${STRACE_PID:-}" ]; then kill "$STRACE_PID" 2> /dev/null || true; fi
	if [ -n "${MOUNTED:-}" ] && mountpoint -q "$MOUNTED"; then umount "$MOUNTED"; fi
	return 0
}

# sftp_store NAME DIR [PORT [KNOWN_HOSTS]]: a [store] section writing to DIR
# on the test sshd (or through PORT), appended to $CONF.
sftp_store() {
	cat >> "$CONF" <<-EOF
		[store "$1"]
		url = sftp://$SSH_USER@127.0.0.1:${3:-$SSH_PORT}$2/
		identity_file = $SSH/id_ecdsa
		known_hosts = ${4:-$SSH/known_hosts}
	EOF
}

file_store() {
	printf '[store "%s"]\nurl = %s\n' "$1" "$2" >> "$CONF"
}

# strace_sshd: trace the file system calls of sshd and of the sessions it
# forks from now on, into $BATS_TEST_TMPDIR/strace.log; returns once
# attached. strace_stop ends it.
strace_sshd() {
	local pid i
	pid=$(cat "$SSH/sshd.pid")
	strace -f -qq -e trace=openat,fsync,rename,renameat,renameat2,link,linkat,unlink \
		-o "$BATS_TEST_TMPDIR/strace.log" -p "$pid" 2> /dev/null &
	STRACE_PID=$!
	for ((i = 0; i < 200; i++)); do
		grep -q '^TracerPid:[[:space:]]*[1-9]' "/proc/$pid/status" && return 0
		sleep 0.05
	done
	echo "strace did not attach to sshd ($pid)" >&2
	return 1
}

strace_stop() {
	kill "$STRACE_PID"
	wait "$STRACE_PID" 2> /dev/null || true
	STRACE_PID=
}

# no_partial DIR: no .partial file in DIR.
no_partial() {
	if compgen -G "$1/*.partial" > /dev/null; then
		echo "left behind: $(echo "$1"/*.partial)" >&2
		return 1
	fi
}

@test "SFTP: backups (gzip, zstd) restored bit-exact; on the server a new .partial, fsync, then one rename into place" {
	local comp ext
	for comp in gzip zstd; do
		ext=.tar.gz
		[ "$comp" = zstd ] && ext=.tar.zst
		: > "$CONF"
		sftp_store nas "$ROOT/$comp"
		printf '[backup]\ncompression = %s\nsegment_size = 4M\n' "$comp" >> "$CONF"
		mkdir "$ROOT/$comp"
		strace_sshd
		run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json backup --source "$SRC"
		strace_stop
		jq -e '.result == "ok" and .stores[0].ok == true' <<< "$output"
		assert_equal "$(ls -A "$ROOT/$comp" | tr '\n' ' ')" \
			"$NAME.manifest.json $NAME$ext $NAME$ext.sha256 "
		(cd "$ROOT/$comp" && sha256sum -c --strict "$NAME$ext.sha256")
		# each file: created anew (never through a symlink left
		# there), on the disk before it has its name, renamed with
		# posix-rename (rename(2)), not link+unlink (SSH_FXP_RENAME)
		for f in "$NAME$ext" "$NAME.manifest.json" "$NAME$ext.sha256"; do
			grep -q "openat(AT_FDCWD, \"$ROOT/$comp/$f.partial\", O_WRONLY|O_CREAT|O_EXCL" \
				"$BATS_TEST_TMPDIR/strace.log"
			grep -q "rename(\"$ROOT/$comp/$f.partial\", \"$ROOT/$comp/$f\") = 0" \
				"$BATS_TEST_TMPDIR/strace.log"
		done
		# (a call may be split as "<unfinished ...>" and "resumed")
		assert_equal "$(grep -c ' fsync(' "$BATS_TEST_TMPDIR/strace.log")" 3
		run -1 grep -E 'fsync.* = -1' "$BATS_TEST_TMPDIR/strace.log"
		run -1 grep -E '^[0-9]+ link(at)?\(' "$BATS_TEST_TMPDIR/strace.log"
		# restore reads it back over SFTP, checked against its manifest
		run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore \
			--dest "$BATS_TEST_TMPDIR/dest-$comp"
		assert_equal "$(jq -r .archive.name <<< "$output")" "$NAME$ext"
		run -0 "$TREECMP" diff "$SRC" "$BATS_TEST_TMPDIR/dest-$comp"
	done
}

@test "SFTP, a file store and S3 from one read: the same bytes in each, restored from SFTP" {
	local sha
	sftp_store nas "$ROOT"
	file_store disk "$DISK"
	printf '[store "s3"]\nurl = s3://%s/three/\npart_size = 5M\n' "$BUCKET" >> "$CONF"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json backup --source "$SRC"
	jq -e '.stores | map(.ok) == [true, true, true]' <<< "$output"
	sha=$(jq -r .sha256 <<< "$output")
	assert_equal "$(sha256sum < "$ROOT/$NAME.tar.gz" | cut -c1-64)" "$sha"
	assert_equal "$(sha256sum < "$DISK/$NAME.tar.gz" | cut -c1-64)" "$sha"
	run -0 --separate-stderr "$LIFEBOAT" --json verify --store "s3://$BUCKET/three/"
	assert_equal "$(jq -r .archive.sha256 <<< "$output")" "$sha"
	cmp "$ROOT/$NAME.manifest.json" "$DISK/$NAME.manifest.json"
	cmp "$ROOT/$NAME.tar.gz.sha256" "$DISK/$NAME.tar.gz.sha256"
	: > "$CONF"
	sftp_store nas "$ROOT"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$BATS_TEST_TMPDIR/d"
	assert_equal "$(jq -r .archive.sha256 <<< "$output")" "$sha"
	run -0 "$TREECMP" diff "$SRC" "$BATS_TEST_TMPDIR/d"
}

@test "an SFTP store whose disk fills mid-way: no sidecar and no .partial there, exit 5; the file store's backup is whole" {
	MOUNTED=$ROOT/small
	mkdir "$MOUNTED"
	mount -t tmpfs -o size=1m tmpfs "$MOUNTED"
	file_store disk "$DISK"
	sftp_store small "$MOUNTED"
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" --json backup --source "$SRC"
	jq -e '.result == "failed" and (.stores | map(.ok) == [true, false])' <<< "$output"
	# naming the file on the server and why
	[[ "$stderr" == *"store 'small': cannot write 'sftp://$SSH_USER@127.0.0.1:$SSH_PORT$MOUNTED/$NAME.tar.gz.partial': No space left on device"* ]]
	assert_equal "$(ls -A "$MOUNTED")" ""
	(cd "$DISK" && sha256sum -c --strict "$NAME.tar.gz.sha256")
	# nothing there that restore could take
	: > "$CONF"
	sftp_store small "$MOUNTED"
	run -3 "$LIFEBOAT" -c "$CONF" restore --dest "$BATS_TEST_TMPDIR/d"
}

@test "an SFTP store on a read-only filesystem: refused at the .partial with one line naming it, exit 5; the file store's backup is whole" {
	MOUNTED=$ROOT/ro
	mkdir "$MOUNTED"
	mount -t tmpfs -o size=1m,ro tmpfs "$MOUNTED"
	sftp_store ro "$MOUNTED"
	file_store disk "$DISK"
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" --json backup --source "$SRC"
	jq -e '.result == "failed" and (.stores | map(.ok) == [false, true])' <<< "$output"
	[[ "$stderr" == *"store 'ro': cannot create 'sftp://$SSH_USER@127.0.0.1:$SSH_PORT$MOUNTED/$NAME.tar.gz.partial': Read-only file system"* ]]
	assert_equal "$(ls -A "$MOUNTED")" ""
	(cd "$DISK" && sha256sum -c --strict "$NAME.tar.gz.sha256")
}

@test "an SFTP connection cut mid-upload: the .partial removed over a new connection, no sidecar, exit 5; the file store's backup is whole" {
	local port known
	# connection 1 lists the store (about 4 KB to the client), connection
	# 2 uploads: cut after 20000 bytes of the server's acknowledgements
	# (a few MiB of the archive), and connection 3 is whole
	cutproxy_start cut --target "127.0.0.1:$SSH_PORT" --mode cut --cut-after 20000 --cuts 2
	port=$CUT_PORT
	known=$BATS_TEST_TMPDIR/known_hosts.cut
	sed "s/^\[127\.0\.0\.1\]:$SSH_PORT /[127.0.0.1]:$port /" "$SSH/known_hosts" > "$known"
	file_store disk "$DISK"
	sftp_store cut "$ROOT" "$port" "$known"
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" --json backup --source "$SRC"
	jq -e '.result == "failed" and (.stores | map(.ok) == [true, false])' <<< "$output"
	[[ "$stderr" == *"store 'cut': cannot write 'sftp://$SSH_USER@127.0.0.1:$port$ROOT/$NAME.tar.gz.partial': "* ]]
	grep -q '#2: cut after 20000 bytes' "$BATS_TEST_TMPDIR/cut.log"
	grep -q '#3: from' "$BATS_TEST_TMPDIR/cut.log"
	assert_equal "$(ls -A "$ROOT")" ""
	(cd "$DISK" && sha256sum -c --strict "$NAME.tar.gz.sha256")
}

@test "SFTP retention: keep_daily 2 over 4 nights, then prune: exactly lifeboat's older backups go; foreign files stay" {
	local i t
	sftp_store nas "$ROOT"
	printf '[backup]\nkeep_daily = 2\nvolumes = dockerwarts_mariadb\n' >> "$CONF"
	echo "not ours" > "$ROOT/lifeboat-notes.txt"
	echo "not ours" > "$ROOT/backup-2026-10-01T03-00-00.tar.gz"
	echo "not ours" > "$ROOT/lifeboat-2026-11-01T03-00-00.tar.gz.partial"
	echo "not ours" > "$ROOT/.lifeboat-2026-11-01T03-00-00.tar.gz"
	for i in 3 2 1 0; do
		t=$((1796353200 - i * 86400))
		export LIFEBOAT_TEST_NOW=$t
		run -0 "$LIFEBOAT" -q -c "$CONF" backup --source "$SRC"
	done
	assert_equal "$(ls -A "$ROOT" | tr '\n' ' ')" \
		".lifeboat-2026-11-01T03-00-00.tar.gz backup-2026-10-01T03-00-00.tar.gz lifeboat-2026-11-01T03-00-00.tar.gz.partial lifeboat-2026-12-03T03-00-00.manifest.json lifeboat-2026-12-03T03-00-00.tar.gz lifeboat-2026-12-03T03-00-00.tar.gz.sha256 lifeboat-2026-12-04T03-00-00.manifest.json lifeboat-2026-12-04T03-00-00.tar.gz lifeboat-2026-12-04T03-00-00.tar.gz.sha256 lifeboat-notes.txt "
	printf 'keep_daily = 1\n' >> "$CONF"
	before=$(ls -A "$ROOT")
	run -0 "$LIFEBOAT" -c "$CONF" prune --dry-run
	assert_equal "$output" "would prune nas: lifeboat-2026-12-03T03-00-00"
	assert_equal "$(ls -A "$ROOT")" "$before"
	run -0 "$LIFEBOAT" -c "$CONF" prune
	assert_equal "$(ls -A "$ROOT" | tr '\n' ' ')" \
		".lifeboat-2026-11-01T03-00-00.tar.gz backup-2026-10-01T03-00-00.tar.gz lifeboat-2026-11-01T03-00-00.tar.gz.partial lifeboat-2026-12-04T03-00-00.manifest.json lifeboat-2026-12-04T03-00-00.tar.gz lifeboat-2026-12-04T03-00-00.tar.gz.sha256 lifeboat-notes.txt "
}
