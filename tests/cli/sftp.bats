#!/usr/bin/env bats
# SFTP stores against the test sshd on 127.0.0.1: ECDSA and RSA (PEM) keys,
# the keys libssh2 on mbedTLS cannot read (ed25519, OpenSSH's format) refused
# with the ssh-keygen command that makes a usable one, strict host keys (a
# changed or unknown key is an error showing its fingerprint), the default
# key and known_hosts under ~/.ssh, the fallback to another store, and
# transfers cut by cutproxy in front of sshd (resumed at an offset on a new
# connection, or given up with exit 5).
# Needs root (mktree, owners, xattrs; sshd runs as the current user).

OLD=backup-2026-11-20T03-00-00.tar.gz
NEW=backup-2026-11-21T03-00-00.tar.gz

pack() {
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner \
		-C "$1" -czpf "$2" .
}

# conf KEY KNOWN_HOSTS: a configuration with the one store "nas", logging in
# with SSH's key file KEY (a name in the sshd-store directory) and checking
# the host against KNOWN_HOSTS (a path).
conf() {
	cat > "$CONF" <<-EOF
		[store "nas"]
		url = $URL
		identity_file = $SSH/$1
		known_hosts = $2
	EOF
}

# fingerprints: the SHA256 fingerprints of the server's host keys, one a line.
fingerprints() {
	local k
	for k in "$SSH"/ssh_host_*_key.pub; do
		ssh-keygen -l -E sha256 -f "$k" | cut -d' ' -f2
	done
}

# shows_host_fingerprint: $stderr shows one of the server's host key
# fingerprints.
shows_host_fingerprint() {
	local fp
	for fp in $(fingerprints); do
		[[ "$stderr" == *"$fp"* ]] && return 0
	done
	printf 'none of the host fingerprints (%s) in:\n%s\n' "$(fingerprints | tr '\n' ' ')" \
		"$stderr" >&2
	return 1
}

# through PORT: the server reached on PORT (a cutproxy in front of sshd):
# sets PURL (sftp://USER@127.0.0.1:PORT, to which a path is added) and
# PKNOWN, a known_hosts file with the server's keys for that port.
through() {
	PURL=sftp://$SSH_USER@127.0.0.1:$1
	PKNOWN=$BATS_TEST_TMPDIR/known_hosts.$1
	sed "s/^\[127\.0\.0\.1\]:$SSH_PORT /[127.0.0.1]:$1 /" "$SSH/known_hosts" > "$PKNOWN"
	grep -q "^\[127\.0\.0\.1\]:$1 " "$PKNOWN"
}

# big_store: a store of one archive of 8 MiB of random bytes (gzip does not
# shrink it), with its sidecar, in $BIG (a directory of the test); its
# source tree is $BIGSRC and its name $BIGNAME.
big_store() {
	BIG=$BATS_TEST_TMPDIR/big
	BIGSRC=$BATS_TEST_TMPDIR/bigsrc
	BIGNAME=backup-2026-11-22T03-00-00.tar.gz
	mkdir -p "$BIG" "$BIGSRC/bigvol/_data"
	head -c $((8 << 20)) /dev/urandom > "$BIGSRC/bigvol/_data/random"
	pack "$BIGSRC" "$BIG/$BIGNAME"
	sidecar "$BIG/$BIGNAME"
}

# archive_conn URL KNOWN_HOSTS: restore URL through a cutproxy in front of
# sshd that cuts nothing and print the number of the connection that
# carried the archive (the first with more than 1 MB to the client).
archive_conn() {
	cutproxy_start probe --target "127.0.0.1:$SSH_PORT" --mode pass
	through "$CUT_PORT"
	cat > "$BATS_TEST_TMPDIR/probe.conf" <<-EOF
		[store "nas"]
		url = $PURL$1
		identity_file = $SSH/id_ecdsa
		known_hosts = $PKNOWN
	EOF
	"$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/probe.conf" restore --dest "$BATS_TEST_TMPDIR/probe" \
		> /dev/null 2>&1 || {
		echo "archive_conn: the probe restore through the proxy failed" >&2
		return 1
	}
	probe_carrier
}

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR
	"$TOP/tests/helpers/mktree" "$d/src0" --profile demo
	"$TOP/tests/helpers/mktree" "$d/src1" --profile demo --mutate 1
	mkdir "$d/store"
	pack "$d/src0" "$d/store/$OLD"
	sidecar "$d/store/$OLD"
	pack "$d/src1" "$d/store/$NEW"
	sidecar "$d/store/$NEW"
	"$TOP/tests/helpers/sshd-store" start "$d/ssh" "$d/store"
}

teardown_file() {
	load ../helpers/common
	"$TOP/tests/helpers/sshd-store" stop "$BATS_FILE_TMPDIR/ssh"
}

setup() {
	load ../helpers/common
	HELPERS=$TOP/tests/helpers
	TREECMP=$HELPERS/treecmp
	SRC0=$BATS_FILE_TMPDIR/src0
	SRC1=$BATS_FILE_TMPDIR/src1
	STORE=$BATS_FILE_TMPDIR/store
	SSH=$BATS_FILE_TMPDIR/ssh
	DEST=$BATS_TEST_TMPDIR/dest
	CONF=$BATS_TEST_TMPDIR/lifeboat.conf
	. "$SSH/ports.env"
	URL=sftp://$SSH_USER@127.0.0.1:$SSH_PORT$STORE_ROOT/
	# no ~/.ssh of the host
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	export LIFEBOAT_RETRY_MS=50
	unset LIFEBOAT_RETRIES
}

teardown() {
	show_last_run
	local f
	for f in "$BATS_TEST_TMPDIR"/*.cutpid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2> /dev/null
	done
	return 0
}

@test "ECDSA key (PEM): list with sizes and times, restore of the newest, bit-exact" {
	conf id_ecdsa "$SSH/known_hosts"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json list
	assert_equal "$(jq -r '.[] | [.name, .time, .size, .status, .store] | join(" ")' <<< "$output")" \
"$NEW 2026-11-21T03:00:00Z $(stat -c %s "$STORE/$NEW") ok nas
$OLD 2026-11-20T03:00:00Z $(stat -c %s "$STORE/$OLD") ok nas"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$DEST"
	jq -e '.result == "ok" and .archive.verified == true and .layout == "docker"' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -r .archive.store <<< "$output")" nas
	assert_equal "$(jq -r .archive.sha256 <<< "$output")" \
		"$(sha256sum < "$STORE/$NEW" | cut -d' ' -f1)"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

@test "the ASan build with leak detection: list and restore over SFTP free every libssh2 session (deps/curl/patches/0002)" {
	local asan=${FAULT_LIFEBOAT:-$TOP/build/asan/lifeboat}
	[ -x "$asan" ] || fail "no test build $asan (make build/asan/lifeboat)"
	conf id_ecdsa "$SSH/known_hosts"
	export ASAN_OPTIONS=detect_leaks=1
	run -0 --separate-stderr "$asan" -c "$CONF" list
	refute [ -n "$(grep -e LeakSanitizer -e libssh2_session_init <<< "$stderr")" ]
	run -0 --separate-stderr "$asan" -c "$CONF" restore --dest "$DEST"
	refute [ -n "$(grep -e LeakSanitizer -e libssh2_session_init <<< "$stderr")" ]
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
}

@test "RSA key in PEM form: a bit-exact restore of a named archive" {
	conf id_rsa_pem "$SSH/known_hosts"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore "$OLD" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "the defaults: ~/.ssh/id_ecdsa and ~/.ssh/known_hosts" {
	mkdir -m 700 "$HOME/.ssh"
	cp "$SSH/id_ecdsa" "$SSH/id_ecdsa.pub" "$HOME/.ssh/"
	cp "$SSH/known_hosts" "$HOME/.ssh/known_hosts"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --dry-run --store "$URL" --dest "$DEST"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
}

@test "an ed25519 key: exit 2, with the ssh-keygen commands that make a usable key" {
	conf id_ed25519 "$SSH/known_hosts"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "$stderr" == *"$SSH/id_ed25519"* ]]
	[[ "$stderr" == *"ssh-keygen -t ecdsa -m PEM"* ]]
	[[ "$stderr" == *"ssh-keygen -p -m PEM"* ]]
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" restore --dest "$DEST"
	[[ "$stderr" == *"ssh-keygen -t ecdsa -m PEM"* ]]
	only_lifeboat "$DEST"
}

@test "an RSA key in OpenSSH's format: exit 2, with the ssh-keygen commands" {
	conf id_rsa_openssh "$SSH/known_hosts"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" restore --dest "$DEST"
	[[ "$stderr" == *"$SSH/id_rsa_openssh"* ]]
	[[ "$stderr" == *"ssh-keygen -t ecdsa -m PEM"* ]]
	[[ "$stderr" == *"ssh-keygen -p -m PEM"* ]]
	only_lifeboat "$DEST"
}

@test "a changed host key: unreachable, exit 5, 'does not match' and the SHA256 fingerprint" {
	conf id_ecdsa "$SSH/known_hosts_wrong"
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" restore --dest "$DEST"
	[[ "$stderr" == *"host key does not match"* ]]
	[[ "$stderr" == *"SHA256:"* ]]
	shows_host_fingerprint
	only_lifeboat "$DEST"
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "$stderr" == *"host key does not match"* ]]
	shows_host_fingerprint
}

@test "an unknown host (empty known_hosts): unreachable, exit 5, 'not in' and the fingerprint" {
	: > "$BATS_TEST_TMPDIR/known_hosts"
	conf id_ecdsa "$BATS_TEST_TMPDIR/known_hosts"
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" restore --dest "$DEST"
	[[ "$stderr" == *"not in $BATS_TEST_TMPDIR/known_hosts"* ]]
	shows_host_fingerprint
	only_lifeboat "$DEST"
	# and nothing was added to it
	[ ! -s "$BATS_TEST_TMPDIR/known_hosts" ]
}

@test "a password in the URL is refused: exit 2, and not echoed" {
	run -2 --separate-stderr "$LIFEBOAT" list \
		--store "sftp://$SSH_USER:pw-Zq9x@127.0.0.1:$SSH_PORT$STORE_ROOT/"
	[[ "$stderr" == *identity_file* ]]
	no_secret pw-Zq9x
}

# no_key FILE: no line of the private key FILE's body is in $output or
# $stderr or below $DEST.
no_key() {
	local l
	while IFS= read -r l; do
		[[ "$l" == -----* ]] || no_secret "$l"
	done < "$1"
}

@test "-v and -vv: no line of the private key and no password in any output" {
	local v
	for v in -v -vv; do
		DEST=$BATS_TEST_TMPDIR/dest$v
		conf id_ecdsa "$SSH/known_hosts"
		run -0 --separate-stderr "$LIFEBOAT" $v -c "$CONF" --json restore --dest "$DEST"
		jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
		no_key "$SSH/id_ecdsa"
		run -0 --separate-stderr "$LIFEBOAT" $v -c "$CONF" list
		assert_line --index 1 --partial "$NEW"
		no_key "$SSH/id_ecdsa"
		conf id_rsa_pem "$SSH/known_hosts_wrong"
		run -5 --separate-stderr "$LIFEBOAT" $v -c "$CONF" list
		[[ "$stderr" == *"host key does not match"* ]]
		no_key "$SSH/id_rsa_pem"
		run -2 --separate-stderr "$LIFEBOAT" $v list \
			--store "sftp://$SSH_USER:pw-Zq9x@127.0.0.1:$SSH_PORT$STORE_ROOT/"
		no_secret pw-Zq9x
	done
}

@test "fallback: an SFTP store with a changed host key is skipped, the next store restores" {
	conf id_ecdsa "$SSH/known_hosts_wrong"
	printf '[store "disk"]\nurl = %s\n' "$STORE" >> "$CONF"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$DEST"
	assert_equal "$(jq -r .archive.store <<< "$output")" disk
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	[[ "$stderr" == *"'nas'"*"skipped"* ]]
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json list
	assert_equal "$(jq -r '.[] | select(.status == "unreachable") | .store' <<< "$output")" nas
}

# --- resume ------------------------------------------------------------------

@test "resume: an SFTP transfer cut three times mid-way goes on from the byte it stopped at, bit-exact" {
	local n offsets
	big_store
	n=$(archive_conn "$BIG/")
	# cut the archive's connection and the next two after 1.5 MB to the
	# client: libssh2 reads up to 1 MiB ahead, and what it had not handed
	# over when the connection broke is asked for again
	cutproxy_start cut --target "127.0.0.1:$SSH_PORT" --mode cut --cut-after 1500000 \
		--cuts $((n + 2))
	through "$CUT_PORT"
	cat > "$CONF" <<-EOF
		[store "nas"]
		url = $PURL$BIG/
		identity_file = $SSH/id_ecdsa
		known_hosts = $PKNOWN
	EOF
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$DEST"
	assert_equal "$(grep -c 'cut after 1500000 bytes to the client' "$BATS_TEST_TMPDIR/cut.log")" 3
	assert_equal "$(grep -c "'sftp://[^']*/$BIGNAME': .*; resuming at byte [1-9][0-9]* (attempt [234] of 6)" <<< "$stderr")" 3
	# each attempt got further than the one before
	offsets=$(sed -n 's/.*resuming at byte \([0-9]*\).*/\1/p' <<< "$stderr")
	assert_equal "$(sort -n -u <<< "$offsets")" "$offsets"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$BIGNAME"
	assert_equal "$(jq -r .archive.sha256 <<< "$output")" \
		"$(sha256sum < "$BIG/$BIGNAME" | cut -d' ' -f1)"
	cmp "$BIGSRC/bigvol/_data/random" "$DEST/bigvol/_data/random"
	run -0 "$TREECMP" diff "$BIGSRC" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

@test "resume: more SFTP cuts than retries: giving up after 3 attempts, exit 5, nothing committed" {
	big_store
	cutproxy_start cut --target "127.0.0.1:$SSH_PORT" --mode cut --cut-after 1500000 --cuts 10
	through "$CUT_PORT"
	cat > "$CONF" <<-EOF
		[store "nas"]
		url = $PURL$BIG/
		identity_file = $SSH/id_ecdsa
		known_hosts = $PKNOWN
	EOF
	LIFEBOAT_RETRIES=2 run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$DEST"
	[[ "$stderr" == *"giving up on '"*"/$BIGNAME' after 3 attempts"* ]]
	assert_equal "$(grep -c '; resuming at byte [1-9]\|; retrying at byte 0' <<< "$stderr")" 2
	jq -e '.result == "failed" and .archive == null' <<< "$output"
	[[ "$(jq -r .error <<< "$output")" == *"giving up"*"after 3 attempts"* ]]
	only_lifeboat "$DEST"
	no_staging "$DEST"
}
