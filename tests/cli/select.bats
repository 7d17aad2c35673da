#!/usr/bin/env bats
# Choosing the backup: checksums and their forms, the newest valid one,
# rejections and their reasons, NAME, --max-age, --allow-unverified; and
# the verbs that only look: list and verify.

OLD=backup-2026-11-19T03-00-00.tar.gz
NEW=backup-2026-11-20T03-00-00.tar.gz

# pack DIR OUT [TAR-OPTION...]: archive DIR's contents as a backup job does.
pack() {
	local dir=$1 out=$2
	shift 2
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner "$@" \
		-C "$dir" -cpf "$out" .
}

hex_of() {
	sha256sum < "$1" | cut -d' ' -f1
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

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR
	"$TOP/tests/helpers/mktree" "$d/src0" --profile demo
	"$TOP/tests/helpers/mktree" "$d/src1" --profile demo --mutate 1
	pack "$d/src0" "$d/blob0.tar.gz" -z
	pack "$d/src1" "$d/blob1.tar.gz" -z
	"$TOP/tests/helpers/mkhostile" dotdot "$d/hostile.tar.gz"
}

setup() {
	load ../helpers/common
	SRC0=$BATS_FILE_TMPDIR/src0
	SRC1=$BATS_FILE_TMPDIR/src1
	BLOB0=$BATS_FILE_TMPDIR/blob0.tar.gz
	BLOB1=$BATS_FILE_TMPDIR/blob1.tar.gz
	STORE=$BATS_TEST_TMPDIR/store
	DEST=$BATS_TEST_TMPDIR/dest
	TREECMP=$TOP/tests/helpers/treecmp
	mkdir "$STORE"
}

# two: STORE holds OLD (src0) and NEW (src1), both with good sidecars.
two() {
	cp "$BLOB0" "$STORE/$OLD"
	cp "$BLOB1" "$STORE/$NEW"
	sidecar "$STORE/$OLD"
	sidecar "$STORE/$NEW"
}

# restore_old: restore latest; OLD must be the one restored, NEW rejected
# with a reason matching the glob $1.
restore_old() {
	local reason
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	jq -e '.archive.verified == true' <<< "$output"
	reason=$(rejection "$output" "$NEW")
	assert_equal "$(jq -r --arg n "$NEW" '.rejected[] | select(.name == $n) | .store' <<< "$output")" "$STORE"
	if [[ "$reason" != $1 ]]; then
		echo "reason '$reason' does not match '$1'" >&2
		return 1
	fi
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

@test "the newest verified backup wins" {
	two
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -c .rejected <<< "$output")" "[]"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
}

@test "newest with a wrong digest: rejected, the older one restored" {
	two
	echo "$(hex_of "$BLOB0")  $NEW" > "$STORE/$NEW.sha256"
	restore_old "*SHA-256 mismatch*"
	[[ "$stderr" == *"rejected '$NEW'"* ]]
}

@test "newest without a sidecar: passed over as unverified, the older one restored" {
	two
	rm "$STORE/$NEW.sha256"
	restore_old "unverified: neither '$NEW.sha256' nor SHA256SUMS is in the store"
}

@test "newest truncated, its original sidecar kept: rejected, the older one restored" {
	two
	truncate -s 1500000 "$STORE/$NEW"
	restore_old "*"
}

@test "newest truncated with a matching sidecar (verified, undecodable): rejected, the older one restored" {
	two
	truncate -s 1500000 "$STORE/$NEW"
	sidecar "$STORE/$NEW"
	restore_old "*truncated*"
}

@test "newest's tar damaged after its sidecar was written, in a valid gzip: rejected for its digest, not for the tar header" {
	two
	gzip -dc "$BLOB1" > "$BATS_TEST_TMPDIR/new.tar"
	# the first header's checksum field: a tar header, in every layout
	flip_byte "$BATS_TEST_TMPDIR/new.tar" 148
	gzip -c "$BATS_TEST_TMPDIR/new.tar" > "$STORE/$NEW"
	restore_old "SHA-256 mismatch: *"
}

@test "newest's sidecar names another file: passed over as unverified, the older one restored" {
	two
	echo "$(hex_of "$STORE/$NEW")  backup-other.tar.gz" > "$STORE/$NEW.sha256"
	restore_old "*names another file*"
}

@test "only unverified backups: exit 3; with --allow-unverified: exit 0 and a warning" {
	cp "$BLOB0" "$STORE/$OLD"
	run -3 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST"
	jq -e '.result == "failed" and .archive == null' <<< "$output"
	[[ "$(rejection "$output" "$OLD")" == "unverified: neither '$OLD.sha256' nor SHA256SUMS is in the store" ]]
	[[ "$(jq -r .error <<< "$output")" == *"$OLD"* ]]
	only_lifeboat "$DEST"

	run -0 --separate-stderr "$LIFEBOAT" --json restore --allow-unverified --store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	jq -e '.archive.verified == false' <<< "$output"
	[[ "$stderr" == *"warning: "*"$OLD"*"UNVERIFIED"* ]]
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "--allow-unverified: an unverified newer one is used only when no verified one is valid" {
	two
	rm "$STORE/$NEW.sha256"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --dry-run --allow-unverified \
		--store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	jq -e '.archive.verified == true' <<< "$output"
	# the verified one broken: now the unverified one, with a warning
	echo "$(hex_of "$BLOB1")  $OLD" > "$STORE/$OLD.sha256"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --allow-unverified \
		--store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	jq -e '.archive.verified == false' <<< "$output"
	[[ "$(rejection "$output" "$OLD")" == *"SHA-256 mismatch"* ]]
	[[ "$stderr" == *"warning: "*"$NEW"*"UNVERIFIED"* ]]
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
}

@test "every candidate fails: exit 3, each rejected with its reason" {
	two
	echo "$(hex_of "$BLOB0")  $NEW" > "$STORE/$NEW.sha256"
	echo "$(hex_of "$BLOB1")  $OLD" > "$STORE/$OLD.sha256"
	run -3 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$DEST"
	jq -e '.result == "failed" and .archive == null' <<< "$output"
	assert_equal "$(jq -r '.rejected | length' <<< "$output")" 2
	[[ "$(rejection "$output" "$NEW")" == *"SHA-256 mismatch"* ]]
	[[ "$(rejection "$output" "$OLD")" == *"SHA-256 mismatch"* ]]
	[[ "${stderr_lines[-1]}" == "lifeboat: no valid backup: 2 candidates rejected"* ]]
	only_lifeboat "$DEST"
	no_staging "$DEST"
}

@test "an empty store: exit 3" {
	echo "not a backup" > "$STORE/README.txt"
	run -3 --separate-stderr "$LIFEBOAT" restore --store "$STORE" --dest "$DEST"
	[[ "$stderr" == *"no backup archive"* ]]
}

@test "NAME: that archive, even when a newer one is valid" {
	two
	run -0 --separate-stderr "$LIFEBOAT" --json restore "$OLD" --store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "NAME that fails verification: exit 4, no fallback to another" {
	two
	echo "$(hex_of "$BLOB0")  $NEW" > "$STORE/$NEW.sha256"
	run -4 --separate-stderr "$LIFEBOAT" --json restore "$NEW" --store "$STORE" --dest "$DEST"
	jq -e '.result == "failed" and .archive == null' <<< "$output"
	[[ "$(jq -r .error <<< "$output")" == *"$NEW"*"SHA-256 mismatch"* ]]
	only_lifeboat "$DEST"
	no_staging "$DEST"
	# an unverified NAME is refused too
	rm "$STORE/$NEW.sha256"
	run -4 --separate-stderr "$LIFEBOAT" restore "$NEW" --store "$STORE" --dest "$DEST"
	only_lifeboat "$DEST"
}

@test "NAME that is not in the store: exit 3" {
	two
	run -3 --separate-stderr "$LIFEBOAT" restore backup-1999-01-01.tar.gz --store "$STORE" --dest "$DEST"
	[[ "$stderr" == *"no backup named 'backup-1999-01-01.tar.gz'"* ]]
	only_lifeboat "$DEST"
}

@test "checksum forms: GNU text and binary, BSD, bare hex, SHA256SUMS; each really compared" {
	local n h bad names=() sums=$STORE/SHA256SUMS
	bad=$(hex_of "$BLOB1")
	for n in gnu bin bsd bare sums; do
		cp "$BLOB0" "$STORE/$n-good-2026-11-20.tar.gz"
		cp "$BLOB0" "$STORE/$n-bad-2026-11-19.tar.gz"
	done
	h=$(hex_of "$BLOB0")
	echo "$h  gnu-good-2026-11-20.tar.gz" > "$STORE/gnu-good-2026-11-20.tar.gz.sha256"
	echo "$bad  gnu-bad-2026-11-19.tar.gz" > "$STORE/gnu-bad-2026-11-19.tar.gz.sha256"
	echo "$h *bin-good-2026-11-20.tar.gz" > "$STORE/bin-good-2026-11-20.tar.gz.sha256"
	echo "$bad *bin-bad-2026-11-19.tar.gz" > "$STORE/bin-bad-2026-11-19.tar.gz.sha256"
	echo "SHA256 (bsd-good-2026-11-20.tar.gz) = $h" > "$STORE/bsd-good-2026-11-20.tar.gz.sha256"
	echo "SHA256 (bsd-bad-2026-11-19.tar.gz) = $bad" > "$STORE/bsd-bad-2026-11-19.tar.gz.sha256"
	echo "$h" > "$STORE/bare-good-2026-11-20.tar.gz.sha256"
	echo "$bad" > "$STORE/bare-bad-2026-11-19.tar.gz.sha256"
	{
		echo "$bad  unrelated.tar.gz"
		echo "$h  sums-good-2026-11-20.tar.gz"
		echo "$bad  sums-bad-2026-11-19.tar.gz"
	} > "$sums"
	run -0 --separate-stderr "$LIFEBOAT" list --json --store "$STORE"
	assert_equal "$(jq -r '[.[] | select(.status != "ok") | .name] | join(" ")' <<< "$output")" ""
	assert_equal "$(jq -r 'length' <<< "$output")" 10
	for n in gnu bin bsd bare sums; do
		run -0 --separate-stderr "$LIFEBOAT" verify "$n-good-2026-11-20.tar.gz" --store "$STORE"
		run -4 --separate-stderr "$LIFEBOAT" verify "$n-bad-2026-11-19.tar.gz" --store "$STORE"
		[[ "$stderr" == *"SHA-256 mismatch"* ]]
	done
}

@test "a malformed, empty or foreign sidecar: unverified, with the reason" {
	local h
	h=$(hex_of "$BLOB0")
	for n in a b c d; do cp "$BLOB0" "$STORE/$n-2026-11-20.tar.gz"; done
	echo "this is not a checksum" > "$STORE/a-2026-11-20.tar.gz.sha256"
	: > "$STORE/b-2026-11-20.tar.gz.sha256"
	echo "$h  other.tar.gz" > "$STORE/c-2026-11-20.tar.gz.sha256"
	echo "${h:0:40}  d-2026-11-20.tar.gz" > "$STORE/d-2026-11-20.tar.gz.sha256"
	run -0 --separate-stderr "$LIFEBOAT" list --json --store "$STORE"
	jq -e 'all(.[]; .status == "unverified" and (.reason | length) > 0)' <<< "$output"
	[[ "$(jq -r '.[] | select(.name == "c-2026-11-20.tar.gz") | .reason' <<< "$output")" == *"names another file"* ]]
	run -3 --separate-stderr "$LIFEBOAT" restore --store "$STORE" --dest "$DEST"
	only_lifeboat "$DEST"
	run -3 --separate-stderr "$LIFEBOAT" verify --store "$STORE"
}

@test "list: times from every name form, else the mtime; newest first; only archives" {
	local n
	for n in a-2026-01-01T01-02-03.tar.gz b-2026-01-02_04:05:06.tgz \
		c-2026-01-03-07-08-09.tar.zst d-20260104T101112Z.tzst \
		e-20260105131415.tar.xz f-2026-01-06.txz g_20260107.tar \
		nodate.tar.gz README.txt x.zip backup.tar.gz.part; do
		echo x > "$STORE/$n"
	done
	touch -d '2025-06-01 12:00:00 UTC' "$STORE/nodate.tar.gz"
	sidecar "$STORE/a-2026-01-01T01-02-03.tar.gz"
	run -0 --separate-stderr "$LIFEBOAT" list --json --store "$STORE"
	assert_equal "$(jq -r '.[] | [.name, .time, .time_source, .status] | join(" ")' <<< "$output")" \
"g_20260107.tar 2026-01-07T00:00:00Z name unverified
f-2026-01-06.txz 2026-01-06T00:00:00Z name unverified
e-20260105131415.tar.xz 2026-01-05T13:14:15Z name unverified
d-20260104T101112Z.tzst 2026-01-04T10:11:12Z name unverified
c-2026-01-03-07-08-09.tar.zst 2026-01-03T07:08:09Z name unverified
b-2026-01-02_04:05:06.tgz 2026-01-02T04:05:06Z name unverified
a-2026-01-01T01-02-03.tar.gz 2026-01-01T01:02:03Z name ok
nodate.tar.gz 2025-06-01T12:00:00Z mtime unverified"
	jq -e --arg s "$STORE" 'all(.[]; .store == $s and .size == 2)' <<< "$output"
	jq -e '.[] | select(.status == "ok") | .reason == null' <<< "$output"
	# the table: a header, then the same order
	run -0 --separate-stderr "$LIFEBOAT" list --store "$STORE"
	assert_line --index 0 --regexp '^NAME +TIME +SIZE +STATUS +STORE$'
	assert_line --index 1 --regexp '^g_20260107\.tar +2026-01-07T00:00:00Z .* unverified '
	assert_line --index 7 --regexp '^a-2026-01-01T01-02-03\.tar\.gz +2026-01-01T01:02:03Z .* ok '
	assert_line --index 8 --regexp '^nodate\.tar\.gz '
	assert_equal "${#lines[@]}" 9
}

@test "list: an unreachable store is reported, the other one listed (exit 0)" {
	two
	run -0 --separate-stderr "$LIFEBOAT" list --store "$BATS_TEST_TMPDIR/nosuch" --store "$STORE"
	[[ "$stderr" == *"$BATS_TEST_TMPDIR/nosuch"* ]]
	assert_line --index 1 --partial "$NEW"
	assert_line --index 2 --partial "$OLD"
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "$BATS_TEST_TMPDIR/nosuch" --store "$STORE"
	jq -e 'all(.[] | select(.status != "unreachable"); has("name") and has("store") and
		has("time") and has("time_source") and has("size") and has("status") and
		has("reason"))' <<< "$output"
	jq -e '.[] | select(.status == "unreachable") | (.reason | length) > 0' <<< "$output"
	assert_equal "$(jq -r '[.[] | select(.status == "ok") | .name] | join(" ")' <<< "$output")" "$NEW $OLD"
	assert_equal "$(jq -r '.[] | select(.status == "unreachable") | .store' <<< "$output")" \
		"$BATS_TEST_TMPDIR/nosuch"
	# a restore uses the store that answers
	run -0 --separate-stderr "$LIFEBOAT" --json restore --dry-run --store "$BATS_TEST_TMPDIR/nosuch" \
		--store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	[[ "$stderr" == *"$BATS_TEST_TMPDIR/nosuch"* ]]
}

@test "only an unreachable store: exit 5 for list, verify and restore" {
	run -5 --separate-stderr "$LIFEBOAT" list --store "$BATS_TEST_TMPDIR/nosuch"
	[[ "$stderr" == *"$BATS_TEST_TMPDIR/nosuch"* ]]
	run -5 --separate-stderr "$LIFEBOAT" verify --store "$BATS_TEST_TMPDIR/nosuch"
	run -5 --separate-stderr "$LIFEBOAT" restore --store "$BATS_TEST_TMPDIR/nosuch" --dest "$DEST"
	only_lifeboat "$DEST"
	run -5 --separate-stderr "$LIFEBOAT" restore --store "$BATS_TEST_TMPDIR/nosuch" \
		--store "$BATS_TEST_TMPDIR/nosuch2" --dest "$DEST"
}

@test "verify: the latest good one is 0; a corrupt newest is rejected and the older verified" {
	two
	run -0 --separate-stderr "$LIFEBOAT" --json verify --store "$STORE"
	jq -e '.result == "ok" and .mode == "verify"' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -r .archive.sha256 <<< "$output")" "$(hex_of "$BLOB1")"
	echo "$(hex_of "$BLOB0")  $NEW" > "$STORE/$NEW.sha256"
	run -0 --separate-stderr "$LIFEBOAT" --json verify --store "$STORE"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	[[ "$(rejection "$output" "$NEW")" == *"SHA-256 mismatch"* ]]
}

@test "verify NAME of a corrupted archive: exit 4" {
	two
	# flip one byte in the middle of NEW: same size, another digest
	flip_byte "$STORE/$NEW" 1000000
	run -4 --separate-stderr "$LIFEBOAT" verify "$NEW" --store "$STORE"
	[[ "${stderr_lines[-1]}" == *"'$NEW' failed verification"* ]]
	run -0 --separate-stderr "$LIFEBOAT" verify "$OLD" --store "$STORE"
	run -0 --separate-stderr "$LIFEBOAT" verify --deep "$OLD" --store "$STORE"
}

@test "verify --deep decodes: a checksummed hostile archive passes plain verify, fails --deep (4)" {
	local name=backup-2026-11-20T03-00-00.tar.gz
	cp "$BATS_FILE_TMPDIR/hostile.tar.gz" "$STORE/$name"
	sidecar "$STORE/$name"
	run -0 --separate-stderr "$LIFEBOAT" verify "$name" --store "$STORE"
	run -4 --separate-stderr "$LIFEBOAT" verify --deep "$name" --store "$STORE"
	[[ "$stderr" == *"../../../../tmp/evil"* ]]
	# an undecodable one with a matching checksum, too
	cp "$BLOB0" "$STORE/$name"
	truncate -s 1500000 "$STORE/$name"
	sidecar "$STORE/$name"
	run -0 --separate-stderr "$LIFEBOAT" verify "$name" --store "$STORE"
	run -4 --separate-stderr "$LIFEBOAT" verify --deep "$name" --store "$STORE"
	# --latest --deep: the only candidate rejected, exit 3
	run -3 --separate-stderr "$LIFEBOAT" verify --deep --latest --store "$STORE"
}

@test "--max-age: a newest valid backup older than that is exit 3" {
	local old new
	old=backup-$(date -u -d '-2 days' +%Y-%m-%dT%H-%M-%S).tar.gz
	new=backup-$(date -u -d '-1 hour' +%Y-%m-%dT%H-%M-%S).tar.gz
	cp "$BLOB0" "$STORE/$old"
	sidecar "$STORE/$old"
	run -3 --separate-stderr "$LIFEBOAT" --json restore --max-age 24h --store "$STORE" --dest "$DEST"
	[[ "$(jq -r .error <<< "$output")" == *"$old"*"maximum age"* ]]
	only_lifeboat "$DEST"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --dry-run --max-age 3d --store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$old"
	# from the config as well
	printf '[restore]\nmax_age = 36h\n' > "$BATS_TEST_TMPDIR/lifeboat.conf"
	run -3 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/lifeboat.conf" restore \
		--store "$STORE" --dest "$DEST"
	# a recent one, but corrupt: the valid one is still too old
	cp "$BLOB1" "$STORE/$new"
	echo "$(hex_of "$BLOB0")  $new" > "$STORE/$new.sha256"
	run -3 --separate-stderr "$LIFEBOAT" --json restore --max-age 24h --store "$STORE" --dest "$DEST"
	[[ "$(rejection "$output" "$new")" == *"SHA-256 mismatch"* ]]
	only_lifeboat "$DEST"
	# a recent valid one: restored
	sidecar "$STORE/$new"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --max-age 24h --store "$STORE" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$new"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
}
