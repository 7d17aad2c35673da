#!/usr/bin/env bats
# gzip in the restore: ISA-L's inflate and zlib's give the same trees, on
# one member and on members cut anywhere in the tar stream (as lifeboat
# backup writes them); a member ISA-L refuses is decoded by zlib; a corrupt
# stream fails and commits nothing. Needs root (mktree, owners, xattrs).

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR
	"$TOP/tests/helpers/mktree" "$d/src" --profile full
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner \
		-C "$d/src" -cpf "$d/src.tar" .
}

setup() {
	load ../helpers/common
	SRC=$BATS_FILE_TMPDIR/src
	STORE=$BATS_TEST_TMPDIR/store
	NAME=backup-2026-11-20T03-00-00.tar.gz
	mkdir "$STORE"
}

# restored_same [ENV=VALUE...]: restore STORE's archive into a new DEST
# with that environment, and compare the tree with SRC.
restored_same() {
	local dest
	dest=$(mktemp -d "$BATS_TEST_TMPDIR/dest.XXXX")
	rmdir "$dest"
	run -0 --separate-stderr env "$@" "$LIFEBOAT" --json restore \
		--store "$STORE" --dest "$dest"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NAME"
	run -0 "$TOP/tests/helpers/treecmp" diff "$SRC" "$dest" --ignore '.lifeboat*'
	no_staging "$dest"
}

@test "one gzip member: ISA-L and zlib (LIFEBOAT_NO_ISAL) restore the same exact tree" {
	gzip -6 -c "$BATS_FILE_TMPDIR/src.tar" > "$STORE/$NAME"
	sidecar "$STORE/$NAME"
	restored_same
	restored_same LIFEBOAT_NO_ISAL=1
}

@test "concatenated gzip members cut anywhere in the tar stream: ISA-L and zlib agree" {
	local parts=$BATS_TEST_TMPDIR/parts p n
	mkdir "$parts"
	split -b 333333 -a 3 "$BATS_FILE_TMPDIR/src.tar" "$parts/p."
	for p in "$parts"/p.*; do gzip -6 -c "$p"; done > "$STORE/$NAME"
	n=$(ls "$parts" | wc -l)
	[ "$n" -gt 5 ] || fail "only $n members"
	# an empty member too, in the middle of the stream
	{ head -c 1000000 "$BATS_FILE_TMPDIR/src.tar" | gzip -c
	  gzip -c < /dev/null
	  tail -c +1000001 "$BATS_FILE_TMPDIR/src.tar" | gzip -c; } > "$STORE/two.gz"
	gzip -t "$STORE/$NAME"
	sidecar "$STORE/$NAME"
	restored_same
	restored_same LIFEBOAT_NO_ISAL=1
	mv "$STORE/two.gz" "$STORE/$NAME"
	sidecar "$STORE/$NAME"
	restored_same
}

@test "a member ISA-L refuses (test switch) is decoded again by zlib: the same tree" {
	local parts=$BATS_TEST_TMPDIR/parts p
	mkdir "$parts"
	split -b 1000000 -a 3 "$BATS_FILE_TMPDIR/src.tar" "$parts/p."
	for p in "$parts"/p.*; do gzip -6 -c "$p"; done > "$STORE/$NAME"
	sidecar "$STORE/$NAME"
	# in the first member, then in the third
	restored_same LIFEBOAT_TEST_ISAL_REFUSE=5000
	restored_same LIFEBOAT_TEST_ISAL_REFUSE=2100000
}

@test "a corrupt gzip stream (digest matching) fails with exit 4 and commits nothing" {
	local dest=$BATS_TEST_TMPDIR/dest size
	gzip -6 -c "$BATS_FILE_TMPDIR/src.tar" > "$STORE/$NAME"
	size=$(stat -c %s "$STORE/$NAME")
	printf '\x55\xaa\x55' | dd of="$STORE/$NAME" bs=1 seek=$((size / 2)) \
		conv=notrunc status=none
	sidecar "$STORE/$NAME"
	for e in LIFEBOAT_X=1 LIFEBOAT_NO_ISAL=1; do
		run -4 --separate-stderr env "$e" "$LIFEBOAT" restore "$NAME" \
			--store "$STORE" --dest "$dest"
		[[ "$stderr" == *"corrupt or truncated"* ]] || fail "$stderr"
		no_staging "$dest"
		[ -z "$(ls -A "$dest" 2>/dev/null | grep -vx .lifeboat)" ] ||
			fail "something was committed: $(ls -A "$dest")"
	done
}
