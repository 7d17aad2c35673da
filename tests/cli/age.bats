#!/usr/bin/env bats
# age-encrypted archives (NAME.tar.gz.age), made by Debian's age CLI with
# -r (X25519), -R (an ssh-ed25519 key) and -p (a passphrase, typed on a
# pseudo-terminal): restored bit-exact; the hostile ones (a flipped byte,
# a cut, bytes after the end, a changed header MAC, an absurd scrypt work
# factor, a stranger's key) each rejected with its reason, nothing of them
# committed, the next candidate restored; the HTTP and S3 stores carry them
# like any archive. Needs root (mktree, owners).

NEW=backup-2026-11-21T03-00-00.tar.gz.age
OLD=backup-2026-11-20T03-00-00.tar.gz.age
BUCKET=lifeboat

pack() {
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner \
		-C "$1" -czpf "$2" .
}

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR
	"$TOP/tests/helpers/mktree" "$d/src0" --profile demo
	"$TOP/tests/helpers/mktree" "$d/src1" --profile demo --mutate 1
	pack "$d/src0" "$d/old.tar.gz"
	pack "$d/src1" "$d/new.tar.gz"
	age-keygen -o "$d/id.txt" 2> /dev/null
	age-keygen -o "$d/stranger.txt" 2> /dev/null
	ssh-keygen -q -t ed25519 -N '' -C lifeboat-test -f "$d/id_ed25519"
	ssh-keygen -q -t ed25519 -N 'locked' -C lifeboat-test -f "$d/id_locked"
	local r
	r=$(age-keygen -y "$d/id.txt")
	age -r "$r" -o "$d/old.age" "$d/old.tar.gz"
	age -r "$r" -o "$d/new.age" "$d/new.tar.gz"
	age -r "$(age-keygen -y "$d/stranger.txt")" -o "$d/new.stranger.age" "$d/new.tar.gz"
	age -R "$d/id_ed25519.pub" -o "$d/new.ssh.age" "$d/new.tar.gz"
	"$TOP/tests/helpers/ptyrun" 'correct horse' age -p -o "$d/new.pass.age" "$d/new.tar.gz" > /dev/null
	age -a -r "$r" -o "$d/new.armored.age" "$d/new.tar.gz"
	# the HTTP store: the newest flipped, the older one intact
	mkdir -p "$d/www/age"
	cp "$d/old.age" "$d/www/age/$OLD"
	cp "$d/new.age" "$d/www/age/$NEW"
	flip "$d/www/age/$NEW" $(( $(stat -c %s "$d/new.age") / 2 ))
	"$TOP/tests/helpers/nginx-store" start "$d/nginx" "$d/www"
}

teardown_file() {
	load ../helpers/common
	"$TOP/tests/helpers/nginx-store" stop "$BATS_FILE_TMPDIR/nginx"
	"$TOP/tests/helpers/s3-store" stop "$BATS_FILE_TMPDIR/s3"
}

setup() {
	load ../helpers/common
	D=$BATS_FILE_TMPDIR
	SRC0=$D/src0
	SRC1=$D/src1
	STORE=$BATS_TEST_TMPDIR/store
	DEST=$BATS_TEST_TMPDIR/dest
	TREECMP=$TOP/tests/helpers/treecmp
	PTYRUN=$TOP/tests/helpers/ptyrun
	mkdir "$STORE"
	unset LIFEBOAT_AGE_IDENTITY_FILE
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
}

teardown() {
	show_last_run
}

# flip FILE OFFSET: invert one byte
flip() {
	/usr/bin/python3 -c 'import sys
f = open(sys.argv[1], "r+b"); o = int(sys.argv[2])
f.seek(o); b = f.read(1); f.seek(o); f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"
}

# header_len FILE: the bytes of the age header, up to the payload nonce
header_len() {
	/usr/bin/python3 -c 'import sys
d = open(sys.argv[1], "rb").read(); i = d.index(b"\n--- ")
print(d.index(b"\n", i + 1) + 1)' "$1"
}

# restored_old: the older archive won, the newest was rejected for REASON
# (a glob), and DEST is exactly the older tree with nothing staged.
restored_old() {
	assert_equal "$(jq -r .result <<< "$output")" ok
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	assert_equal "$(jq -r '.rejected[0].name' <<< "$output")" "$NEW"
	local why
	why=$(jq -r '.rejected[0].reason' <<< "$output")
	[[ "$why" == $1 ]] || fail "rejected for '$why', expected $1"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

# --- interop with Debian's age ----------------------------------------------

@test "age -r (X25519): listed as an age archive, restored bit-exact, integrity 'age'" {
	cp "$D/new.age" "$STORE/$NEW"
	run -0 --separate-stderr "$LIFEBOAT" list --store "$STORE"
	assert_line --index 1 --regexp "^$NEW +2026-11-21T03:00:00Z .* age +$STORE \\(neither '$NEW.sha256' nor SHA256SUMS is in the store\\)$"
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "$STORE"
	jq -e '.[0].status == "age" and .[0].integrity == "age" and .[0].encryption == "age"' <<< "$output"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST" --identity "$D/id.txt"
	jq -e '.archive.name == "'"$NEW"'" and .archive.integrity == "age" and .archive.encryption == "age" and .archive.verified == false' <<< "$output"
	tail -n 1 "$LIFEBOAT_HISTORY" | jq -e '.archive == "'"$NEW"'" and .integrity == "age"'
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

@test "an .age archive with a sidecar: integrity 'sha256', and the text report says both" {
	cp "$D/new.age" "$STORE/$NEW"
	sidecar "$STORE/$NEW"
	run -0 --separate-stderr "$LIFEBOAT" restore --store "$STORE" --dest "$DEST" --identity "$D/id.txt"
	assert_line "  integrity: sha256 (its checksum matched), and age: every chunk authenticated"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	run -0 --separate-stderr "$LIFEBOAT" --json verify --store "$STORE" --identity "$D/id.txt"
	jq -e '.archive.integrity == "sha256" and .archive.encryption == "age" and .archive.verified' <<< "$output"
}

@test "age -R (ssh-ed25519): the OpenSSH key in [trust] identity_file restores it" {
	cp "$D/new.ssh.age" "$STORE/$NEW"
	printf '[trust]\nidentity_file = %s\n' "$D/id_ed25519" > "$BATS_TEST_TMPDIR/c.conf"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" --json restore \
		--store "$STORE" --dest "$DEST"
	jq -e '.archive.integrity == "age"' <<< "$output"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
}

@test "age identity file from LIFEBOAT_AGE_IDENTITY_FILE, with comments and several keys" {
	cp "$D/new.age" "$STORE/$NEW"
	{ echo '# two keys, the second one ours'; grep -v '^#' "$D/stranger.txt"; echo; cat "$D/id.txt"; } \
		> "$BATS_TEST_TMPDIR/ids"
	LIFEBOAT_AGE_IDENTITY_FILE=$BATS_TEST_TMPDIR/ids run -0 --separate-stderr "$LIFEBOAT" --json \
		restore --store "$STORE" --dest "$DEST"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
}

@test "age -p (typed on a terminal): [trust] passphrase_file restores it" {
	cp "$D/new.pass.age" "$STORE/$NEW"
	printf 'correct horse\n' > "$BATS_TEST_TMPDIR/pass"
	printf '[trust]\npassphrase_file = %s\n' "$BATS_TEST_TMPDIR/pass" > "$BATS_TEST_TMPDIR/c.conf"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" --json restore \
		--store "$STORE" --dest "$DEST"
	jq -e '.archive.integrity == "age"' <<< "$output"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
}

@test "inline [trust] identity and passphrase (as a hand-off pushes them) restore X25519, ssh-ed25519 and scrypt archives" {
	local c=$BATS_TEST_TMPDIR/c.conf ssh
	# an OpenSSH key's lines joined by blanks, as lifeboat handoff sends it
	ssh=$(tr '\n' ' ' < "$D/id_ed25519" | sed 's/ *$//')
	printf '[trust]\nidentity = %s\nidentity = %s\npassphrase = correct horse\n' \
		"$(grep '^AGE-SECRET-KEY-' "$D/id.txt")" "$ssh" > "$c"
	for f in new.age new.ssh.age new.pass.age; do
		cp "$D/$f" "$STORE/$NEW"
		rm -rf "$DEST"
		run -0 --separate-stderr "$LIFEBOAT" -c "$c" --json restore \
			--store "$STORE" --dest "$DEST"
		jq -e '.archive.integrity == "age"' <<< "$output"
		run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	done
	# a line that is no identity: exit 2, saying where, never the value
	printf '[trust]\nidentity = AGE-SECRET-KEY-1NOPE\n' > "$c"
	run -2 --separate-stderr "$LIFEBOAT" -c "$c" restore --store "$STORE" --dest "$DEST"
	assert_equal "$stderr" "lifeboat: [trust] identity: not an age identity (AGE-SECRET-KEY-1...)"
}

@test "age -p: lifeboat asks for the passphrase on the terminal, without echo" {
	cp "$D/new.pass.age" "$STORE/$NEW"
	run -0 "$PTYRUN" 'correct horse' "$LIFEBOAT" restore --store "$STORE" --dest "$DEST"
	assert_output --partial 'age passphrase:'
	refute_output --partial 'correct horse'
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
}

@test "no terminal and no passphrase: the passphrase archive is rejected, saying what would open it" {
	cp "$D/new.pass.age" "$STORE/$NEW"
	run -3 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST" < /dev/null
	jq -e '.rejected[0].reason | test("encrypted with age \\(to scrypt\\) and no identity is configured.*passphrase_file")' <<< "$output"
	only_lifeboat "$DEST"
}

# --- hostile archives: rejected with the reason, the older one restored -----

@test "hostile: a byte flipped in a middle chunk" {
	cp "$D/old.age" "$STORE/$OLD"
	cp "$D/new.age" "$STORE/$NEW"
	flip "$STORE/$NEW" $(( $(header_len "$STORE/$NEW") + 16 + 65552 * 5 + 100 ))
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST" --identity "$D/id.txt"
	restored_old 'age payload chunk 6 failed to authenticate: the file was altered or damaged'
}

@test "hostile: cut right after a full chunk (no final chunk)" {
	cp "$D/old.age" "$STORE/$OLD"
	head -c $(( $(header_len "$D/new.age") + 16 + 65552 * 3 )) "$D/new.age" > "$STORE/$NEW"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST" --identity "$D/id.txt"
	restored_old 'age payload truncated: it ends after 3 chunks without the final one'
}

@test "hostile: bytes after the final chunk" {
	cp "$D/old.age" "$STORE/$OLD"
	# a .tar of whole 64 KiB records: its final chunk is a full one, which
	# only the end of the file may follow
	local plain=$BATS_TEST_TMPDIR/new.tar
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner -b 128 \
		-C "$SRC1" -cpf "$plain" .
	(( $(stat -c %s "$plain") % 65536 == 0 ))
	age -r "$(age-keygen -y "$D/id.txt")" -o "$BATS_TEST_TMPDIR/new.tar.age" "$plain"
	NEW=backup-2026-11-21T03-00-00.tar.age
	{ cat "$BATS_TEST_TMPDIR/new.tar.age"; printf 'extra'; } > "$STORE/$NEW"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST" --identity "$D/id.txt"
	restored_old 'age payload: data after the final chunk'
}

@test "hostile: bytes appended to a short final chunk make it fail to authenticate" {
	cp "$D/old.age" "$STORE/$OLD"
	{ cat "$D/new.age"; printf 'extra'; } > "$STORE/$NEW"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST" --identity "$D/id.txt"
	restored_old 'age payload chunk * failed to authenticate: the file was altered or damaged'
}

@test "an uncompressed .tar.age restores bit-exact" {
	local plain=$BATS_TEST_TMPDIR/new.tar
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner -C "$SRC1" -cpf "$plain" .
	age -r "$(age-keygen -y "$D/id.txt")" -o "$STORE/backup-2026-11-21T03-00-00.tar.age" "$plain"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST" --identity "$D/id.txt"
	jq -e '.archive.name == "backup-2026-11-21T03-00-00.tar.age" and .archive.integrity == "age"' <<< "$output"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
}

@test "hostile: the header MAC changed" {
	cp "$D/old.age" "$STORE/$OLD"
	cp "$D/new.age" "$STORE/$NEW"
	# the MAC's first base64 character, swapped for another
	/usr/bin/python3 -c 'import sys
p = sys.argv[1]; d = bytearray(open(p, "rb").read()); i = d.index(b"\n--- ") + 5
d[i] = ord("A") if d[i] != ord("A") else ord("B"); open(p, "wb").write(d)' "$STORE/$NEW"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST" --identity "$D/id.txt"
	restored_old 'age header MAC mismatch*'
}

@test "hostile: scrypt work factor 2^30 is refused before scrypt runs" {
	cp "$D/old.age" "$STORE/$OLD"
	sed '2s/^\(-> scrypt [^ ]*\) 18$/\1 30/' "$D/new.pass.age" > "$STORE/$NEW"
	grep -q '^-> scrypt [^ ]* 30$' "$STORE/$NEW"
	printf 'correct horse\n' > "$BATS_TEST_TMPDIR/pass"
	printf '[trust]\npassphrase_file = %s\nidentity_file = %s\n' "$BATS_TEST_TMPDIR/pass" "$D/id.txt" \
		> "$BATS_TEST_TMPDIR/c.conf"
	local t0=$SECONDS
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" --json restore --store "$STORE" --dest "$DEST"
	# 2^30 would need 128 GiB and minutes: it never started
	(( SECONDS - t0 < 30 ))
	restored_old 'not a valid age file: scrypt work factor 2^30 is above the limit 2^22 (refused without running scrypt)'
}

@test "hostile: encrypted to a stranger: the reason names the recipient types and what was tried, never a key" {
	cp "$D/old.age" "$STORE/$OLD"
	cp "$D/new.stranger.age" "$STORE/$NEW"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST" --identity "$D/id.txt"
	restored_old 'no identity matches: the file is encrypted to X25519; tried 1 X25519 identity'
	local k
	k=$(grep '^AGE-SECRET-KEY' "$D/id.txt")
	no_secret "$k"
	no_secret "${k#AGE-SECRET-KEY-1}"
}

@test "hostile: armored age and OpenPGP are rejected with what to do, the older one restored" {
	cp "$D/old.age" "$STORE/$OLD"
	cp "$D/new.armored.age" "$STORE/$NEW"
	cp "$D/new.age" "$STORE/backup-2026-11-22T03-00-00.tar.gz.gpg"
	run -0 --separate-stderr "$LIFEBOAT" list --store "$STORE"
	assert_line --index 1 --regexp '^backup-2026-11-22T03-00-00.tar.gz.gpg .* refused .*\(OpenPGP: not supported; decrypt it with gpg first\)$'
	assert_line --index 2 --regexp "^$NEW .* refused .*\\(an ASCII-armored age file \\(age -a\\): not supported; remove the armor first .*\\)\$"
	assert_line --index 3 --regexp "^$OLD .* age "
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST" --identity "$D/id.txt"
	jq -e '.rejected[0].name == "backup-2026-11-22T03-00-00.tar.gz.gpg" and .rejected[0].reason == "OpenPGP: not supported; decrypt it with gpg first"' <<< "$output"
	jq -e '.rejected[1].name == "'"$NEW"'" and (.rejected[1].reason | test("ASCII-armored age file.*base64 -d"))' <<< "$output"
	jq -e '.archive.name == "'"$OLD"'"' <<< "$output"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "a passphrase-protected SSH key is refused by name before any transfer" {
	cp "$D/new.ssh.age" "$STORE/$NEW"
	run -2 --separate-stderr "$LIFEBOAT" restore --store "$STORE" --dest "$DEST" --identity "$D/id_locked"
	assert_equal "$stderr" "lifeboat: cannot read a passphrase-protected SSH key: $D/id_locked (decrypt a copy with 'ssh-keygen -p -N \"\" -f COPY')"
	[ ! -e "$DEST" ]
}

@test "verify authenticates every chunk of an .age archive, and names a flipped one" {
	cp "$D/new.age" "$STORE/$NEW"
	run -0 --separate-stderr "$LIFEBOAT" --json verify --store "$STORE" --identity "$D/id.txt"
	jq -e '.archive.integrity == "age"' <<< "$output"
	flip "$STORE/$NEW" $(( $(header_len "$STORE/$NEW") + 16 + 65552 * 2 + 7 ))
	run -4 --separate-stderr "$LIFEBOAT" verify --store "$STORE" --identity "$D/id.txt" "$NEW"
	assert_equal "${stderr##*$'\n'}" "lifeboat: '$NEW' failed verification: age payload chunk 3 failed to authenticate: the file was altered or damaged"
}

# --- the network stores ------------------------------------------------------

@test "HTTP store (nginx): the flipped newest .age is rejected, the older one restored" {
	. "$D/nginx/ports.env"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "http://127.0.0.1:$HTTP_PORT/html/age/" \
		--dest "$DEST" --identity "$D/id.txt"
	restored_old 'age payload chunk * failed to authenticate: the file was altered or damaged'
}

@test "S3 store: an .age archive restores bit-exact" {
	local h=$TOP/tests/helpers
	mkdir -p "$BATS_TEST_TMPDIR/up"
	cp "$D/new.age" "$BATS_TEST_TMPDIR/up/$NEW"
	"$h/s3-store" start "$D/s3"
	. "$D/s3/ports.env"
	"$h/s3-store" upload "$D/s3" "$BUCKET" "$BATS_TEST_TMPDIR/up" nightly > /dev/null
	AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 \
		AWS_ENDPOINT_URL=$S3_ENDPOINT run -0 --separate-stderr "$LIFEBOAT" --json restore \
		--store "s3://$BUCKET/nightly/" --dest "$DEST" --identity "$D/id.txt"
	jq -e '.archive.name == "'"$NEW"'" and .archive.integrity == "age"' <<< "$output"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
}
