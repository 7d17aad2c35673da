#!/usr/bin/env bats
# Signed backups: minisign signatures made by Debian's minisign CLI over the
# checksum file (NAME.sha256.minisig, SHA256SUMS.minisig) and over the
# archive itself (NAME.minisig, prehashed, checked in the restore's one
# pass, on the file and the HTTP store); [trust] keys inline and from a
# .pub file; and the forgeries, each rejected with its reason while the
# newest signed backup is restored and nothing of the forgery committed.
# Needs root (mktree, owners, xattrs).

OLD=backup-2026-11-19T03-00-00.tar.gz
NEW=backup-2026-11-20T03-00-00.tar.gz
NEWER=backup-2026-11-21T03-00-00.tar.gz

pack() {
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner \
		-C "$1" -czpf "$2" .
}

# rejection JSON NAME: the reason NAME was rejected for, or fail.
rejection() {
	local r
	r=$(jq -r --arg n "$2" '.rejected[] | select(.name == $n) | .reason' <<< "$1")
	if [ -z "$r" ]; then
		echo "'$2' is not in the rejected list: $(jq -c .rejected <<< "$1")" >&2
		return 1
	fi
	printf '%s\n' "$r"
}

# sign KEY FILE [OPTION...]: FILE.minisig by the key pair KEY (a or b) of
# setup_file, with the real minisign.
sign() {
	local k=$1 f=$2
	shift 2
	minisign -S -s "$BATS_FILE_TMPDIR/$k.key" -m "$f" "$@" > /dev/null
}

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR
	"$TOP/tests/helpers/mktree" "$d/src0" --profile demo
	"$TOP/tests/helpers/mktree" "$d/src1" --profile demo --mutate 1
	pack "$d/src0" "$d/blob0.tar.gz"
	pack "$d/src1" "$d/blob1.tar.gz"
	# a: the trusted key pair; b: someone else's
	# minisign prints a key id without leading zeros: make key a one
	# whose id has one (1 in 16), so its display is always checked
	local i id
	for i in $(seq 200); do
		rm -f "$d/a.pub" "$d/a.key"
		minisign -G -W -p "$d/a.pub" -s "$d/a.key" > /dev/null
		id=$(sed -n '1s/.*minisign public key //p' "$d/a.pub")
		(( ${#id} < 16 )) && break
	done
	(( ${#id} < 16 ))
	minisign -G -W -p "$d/b.pub" -s "$d/b.key" > /dev/null
	mkdir -p "$d/www"
	"$TOP/tests/helpers/nginx-store" start "$d/nginx" "$d/www"
}

teardown_file() {
	load ../helpers/common
	"$TOP/tests/helpers/nginx-store" stop "$BATS_FILE_TMPDIR/nginx"
}

setup() {
	load ../helpers/common
	SRC0=$BATS_FILE_TMPDIR/src0
	SRC1=$BATS_FILE_TMPDIR/src1
	BLOB0=$BATS_FILE_TMPDIR/blob0.tar.gz
	BLOB1=$BATS_FILE_TMPDIR/blob1.tar.gz
	STORE=$BATS_TEST_TMPDIR/store
	DEST=$BATS_TEST_TMPDIR/dest
	CONF=$BATS_TEST_TMPDIR/lifeboat.conf
	TREECMP=$TOP/tests/helpers/treecmp
	A_ID=$(sed -n '1s/.*minisign public key //p' "$BATS_FILE_TMPDIR/a.pub")
	B_ID=$(sed -n '1s/.*minisign public key //p' "$BATS_FILE_TMPDIR/b.pub")
	mkdir "$STORE"
	printf '[trust]\npublic_key_file = %s\n' "$BATS_FILE_TMPDIR/a.pub" > "$CONF"
}

teardown() {
	show_last_run
	rm -rf "$BATS_FILE_TMPDIR/www/"*
	return 0
}

# two: OLD (src0) and NEW (src1) in STORE, each with a sidecar signed by a.
two() {
	cp "$BLOB0" "$STORE/$OLD"
	cp "$BLOB1" "$STORE/$NEW"
	sidecar "$STORE/$OLD"
	sidecar "$STORE/$NEW"
	sign a "$STORE/$OLD.sha256"
	sign a "$STORE/$NEW.sha256"
}

# restore_old GLOB: a restore takes OLD; NEW is rejected with a reason that
# matches GLOB, and nothing of it reached DEST.
restore_old() {
	local reason
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --store "${2:-$STORE}" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	assert_equal "$(jq -r .archive.authenticity <<< "$output")" "minisign:$A_ID"
	reason=$(rejection "$output" "$NEW")
	if [[ "$reason" != $1 ]]; then
		echo "reason '$reason' does not match '$1'" >&2
		return 1
	fi
	[[ "$stderr" == *"rejected '$NEW'"* ]]
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

@test "a key pair made by minisign -G is read, from its .pub file and as an inline RW... key" {
	two
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -r .archive.integrity <<< "$output")" "sha256"
	assert_equal "$(jq -r .archive.authenticity <<< "$output")" "minisign:$A_ID"
	assert_equal "$(jq -r .archive.signature <<< "$output")" "$NEW.sha256.minisig"
	# minisign's default trusted comment, as it signed it
	[[ "$(jq -r .archive.trusted_comment <<< "$output")" == "timestamp:"*$'\t'"file:$NEW.sha256"$'\t'"hashed" ]]
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	# the history line says what was proven
	tail -n 1 "$LIFEBOAT_HISTORY" | jq -e --arg a "minisign:$A_ID" \
		'.integrity == "sha256" and .authenticity == $a'

	printf '[trust]\npublic_key = %s\n' "$(sed -n 2p "$BATS_FILE_TMPDIR/a.pub")" > "$CONF"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json verify --store "$STORE"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -r .archive.authenticity <<< "$output")" "minisign:$A_ID"
}

@test "without a key nothing is claimed: authenticity none" {
	two
	run -0 --separate-stderr "$LIFEBOAT" --json verify --store "$STORE"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -r .archive.integrity <<< "$output")" "sha256"
	assert_equal "$(jq -r .archive.authenticity <<< "$output")" "none"
	run -0 --separate-stderr "$LIFEBOAT" verify --store "$STORE"
	assert_line "  integrity: sha256, authenticity: none"
}

@test "list shows the signer and the trusted comment; text and --json" {
	two
	sign a "$STORE/$NEW.sha256" -t "nightly from db1"
	rm "$STORE/$OLD.sha256.minisig"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" list --store "$STORE"
	assert_line --partial "$NEW"
	[[ "$output" == *"$NEW"*" ok "*"[signed by $A_ID: nightly from db1]"* ]]
	[[ "$output" == *"$OLD"*" unsigned "*"not signed"* ]]
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json list --store "$STORE"
	jq -e --arg n "$NEW" --arg a "minisign:$A_ID" '.[] | select(.name == $n) |
		.status == "ok" and .authenticity == $a and
		.trusted_comment == "nightly from db1" and
		.signature == ($n + ".sha256.minisig")' <<< "$output"
	jq -e --arg n "$OLD" '.[] | select(.name == $n) |
		.status == "unsigned" and .authenticity == "none" and
		(.reason | test("not signed"))' <<< "$output"
}

@test "-S -H over the archive itself: checked in the same pass, no sidecar needed" {
	cp "$BLOB1" "$STORE/$NEW"
	sign a "$STORE/$NEW" -H
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -r .archive.integrity <<< "$output")" "minisign"
	assert_equal "$(jq -r .archive.authenticity <<< "$output")" "minisign:$A_ID"
	assert_equal "$(jq -r .archive.signature <<< "$output")" "$NEW.minisig"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
}

@test "-S (legacy, -l) over the sidecar and SHA256SUMS.minisig verify" {
	cp "$BLOB0" "$STORE/$OLD"
	cp "$BLOB1" "$STORE/$NEW"
	sidecar "$STORE/$NEW"
	sign a "$STORE/$NEW.sha256" -l
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json verify --store "$STORE"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -r .archive.authenticity <<< "$output")" "minisign:$A_ID"
	[[ "$(jq -r .archive.trusted_comment <<< "$output")" != *hashed* ]]

	rm "$STORE/$NEW.sha256" "$STORE/$NEW.sha256.minisig"
	(cd "$STORE" && sha256sum "$OLD" "$NEW" > SHA256SUMS)
	sign a "$STORE/SHA256SUMS"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -r .archive.signature <<< "$output")" "SHA256SUMS.minisig"
	assert_equal "$(jq -r .archive.authenticity <<< "$output")" "minisign:$A_ID"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'

	# an unsigned sidecar beside a signed SHA256SUMS: the signed digest
	# is the one checked, so a forger's archive and sidecar fail
	cp "$BLOB0" "$STORE/$NEW"
	sidecar "$STORE/$NEW"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json verify --store "$STORE"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	assert_equal "$(jq -r .archive.signature <<< "$output")" "SHA256SUMS.minisig"
	[[ "$(rejection "$output" "$NEW")" == *"SHA-256 mismatch"* ]]
}

@test "a signature by an unknown key: rejected, the older one restored" {
	two
	sign b "$STORE/$NEW.sha256"
	restore_old "*signed by key $B_ID, which is not a trusted key*"
}

@test "a valid signature over another sidecar: rejected, the older one restored" {
	two
	cp "$STORE/$OLD.sha256.minisig" "$STORE/$NEW.sha256.minisig"
	restore_old "*bad signature*not what was signed*"
}

@test "a changed trusted comment: rejected, the older one restored" {
	two
	sed -i 's/^trusted comment: timestamp:/trusted comment: timestamp:1/' "$STORE/$NEW.sha256.minisig"
	restore_old "*trusted comment does not match*"
}

@test "an old signed archive renamed to look newest: rejected, whichever signature it carries" {
	two
	rm "$STORE/$NEW"*
	# its sidecar and signature, renamed along: the sidecar names OLD
	cp "$STORE/$OLD" "$STORE/$NEW"
	cp "$STORE/$OLD.sha256" "$STORE/$NEW.sha256"
	cp "$STORE/$OLD.sha256.minisig" "$STORE/$NEW.sha256.minisig"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json verify --store "$STORE"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	[[ "$(rejection "$output" "$NEW")" == *"names another file"* ]]

	# a bare digest as the sidecar: the signature's comment names OLD's
	sha256sum < "$STORE/$OLD" | cut -d' ' -f1 > "$STORE/$OLD.sha256"
	sign a "$STORE/$OLD.sha256"
	cp "$STORE/$OLD.sha256" "$STORE/$NEW.sha256"
	cp "$STORE/$OLD.sha256.minisig" "$STORE/$NEW.sha256.minisig"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json verify --store "$STORE"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	[[ "$(rejection "$output" "$NEW")" == *"bare digest that names no file"* ]]

	# a signature over the archive itself: its trusted comment names OLD
	rm "$STORE"/*.sha256 "$STORE"/*.sha256.minisig
	sign a "$STORE/$OLD" -H
	cp "$STORE/$OLD.minisig" "$STORE/$NEW.minisig"
	restore_old "*it signs '$OLD', not this archive*"
}

@test "require_signature: an unsigned newest is rejected; with 'no' it is restored, authenticity none" {
	two
	rm "$STORE/$NEW.sha256.minisig"
	restore_old "*not signed*requires a signature*"

	printf 'require_signature = no\n' >> "$CONF"
	rm -rf "$DEST"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -r .archive.authenticity <<< "$output")" "none"
	# a bad signature still refuses, required or not
	sign b "$STORE/$NEW.sha256"
	rm -rf "$DEST"
	restore_old "*not a trusted key*"
}

@test "a bucket holding a forged newest archive restores the newest signed one" {
	two
	# the forger holds the bucket's keys, not the signing key: a newer
	# archive with a matching sidecar, unsigned or signed by another key
	cp "$BLOB0" "$STORE/$NEWER"
	sidecar "$STORE/$NEWER"
	sign b "$STORE/$NEWER" -H
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	[[ "$(rejection "$output" "$NEWER")" == *"not a trusted key"* ]]
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

@test "the archive changed after -S -H: rejected at the end of its pass, nothing committed" {
	cp "$BLOB0" "$STORE/$OLD"
	sign a "$STORE/$OLD" -H
	cp "$BLOB0" "$STORE/$NEW"
	sign a "$STORE/$NEW" -H
	# replaced by other bytes that decode fine, with a matching sidecar
	cp "$BLOB1" "$STORE/$NEW"
	sidecar "$STORE/$NEW"
	restore_old "*$NEW.minisig: bad signature*not what was signed*"
}

@test "HTTP store: -S -H verified in the stream; a changed archive rejected, the older restored" {
	local www=$BATS_FILE_TMPDIR/www
	. "$BATS_FILE_TMPDIR/nginx/ports.env"
	mkdir -p "$www/s"
	cp "$BLOB0" "$www/s/$OLD"
	sign a "$www/s/$OLD" -H
	cp "$BLOB1" "$www/s/$NEW"
	sign a "$www/s/$NEW" -H
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore \
		--store "http://127.0.0.1:$HTTP_PORT/json/s/" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -r .archive.integrity <<< "$output")" "minisign"
	assert_equal "$(jq -r .archive.authenticity <<< "$output")" "minisign:$A_ID"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'

	cp "$BLOB0" "$www/s/$NEW"
	rm -rf "$DEST"
	restore_old "*$NEW.minisig: bad signature*" "http://127.0.0.1:$HTTP_PORT/html/s/"
}

@test "[trust] errors: a missing key file, a malformed key, require_signature without a key" {
	two
	printf '[trust]\npublic_key_file = %s\n' "$BATS_TEST_TMPDIR/none.pub" > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list --store "$STORE"
	[[ "$stderr" == *"cannot read the key file '$BATS_TEST_TMPDIR/none.pub'"* ]]
	printf '[trust]\npublic_key = RWQnotakey\n' > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list --store "$STORE"
	[[ "$stderr" == *"not a minisign public key"* ]]
	printf '[trust]\nrequire_signature = yes\n' > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list --store "$STORE"
	[[ "$stderr" == *"require_signature = yes, but no public key is configured"* ]]
	# a malformed key file
	printf 'RWQ\n' > "$BATS_TEST_TMPDIR/bad.pub"
	printf '[trust]\npublic_key_file = %s\n' "$BATS_TEST_TMPDIR/bad.pub" > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list --store "$STORE"
	[[ "$stderr" == *"public_key_file '$BATS_TEST_TMPDIR/bad.pub': line 1 is not a minisign public key"* ]]
}

@test "the trusted keys file (the image's TRUST_KEYS): its keys count, an empty one means none" {
	two
	sign b "$STORE/$NEW.sha256"
	: > "$CONF"
	# a file named but missing: an error
	LIFEBOAT_TRUST_KEYS=$BATS_TEST_TMPDIR/none.pub run -2 --separate-stderr \
		"$LIFEBOAT" -c "$CONF" --json verify --store "$STORE"
	[[ "$stderr" == *"cannot read the key file"* ]]
	: > "$BATS_TEST_TMPDIR/empty.pub"
	LIFEBOAT_TRUST_KEYS=$BATS_TEST_TMPDIR/empty.pub run -0 --separate-stderr \
		"$LIFEBOAT" -c "$CONF" --json verify --store "$STORE"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -r .archive.authenticity <<< "$output")" "none"
	# the image's file, as scripts/check-trust-keys writes it
	"$TOP/scripts/check-trust-keys" "$BATS_FILE_TMPDIR/a.pub" > "$BATS_TEST_TMPDIR/trusted-keys.pub"
	LIFEBOAT_TRUST_KEYS=$BATS_TEST_TMPDIR/trusted-keys.pub run -0 --separate-stderr \
		"$LIFEBOAT" -c "$CONF" --json verify --store "$STORE"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	assert_equal "$(jq -r .archive.authenticity <<< "$output")" "minisign:$A_ID"
	[[ "$(rejection "$output" "$NEW")" == *"not a trusted key"* ]]
}
