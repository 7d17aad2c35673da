#!/usr/bin/env bats
# What ships is statically linked, and the build's check catches one that
# is not.

setup() {
	load ../helpers/common
}

@test "build/lifeboat is a static ELF program" {
	run -0 file -L "$LIFEBOAT"
	assert_output --partial "statically linked"
	run -0 readelf -lW "$LIFEBOAT"
	refute_output --partial "Requesting program interpreter"
	run -0 "$TOP/scripts/check-static" "$LIFEBOAT"
}

@test "check-static refuses a dynamic program, naming its interpreter" {
	run -1 --separate-stderr "$TOP/scripts/check-static" /bin/sh
	[[ "$stderr" == *"has an ELF interpreter (/lib64/ld-linux-x86-64.so.2): not statically linked"* ]]
}

@test "check-static refuses a dynamic binary built by libtool without -all-static" {
	# the failure the check exists for: a program linked with a plain
	# -static through libtool comes out dynamic
	cd "$BATS_TEST_TMPDIR"
	printf 'int main(void) { return 0; }\n' > p.c
	gcc -o p p.c
	run -1 "$TOP/scripts/check-static" "$LIFEBOAT" p
	assert_output --partial "'p' has an ELF interpreter"
}

@test "check-static refuses a file that is not ELF" {
	run -1 "$TOP/scripts/check-static" "$TOP/README.md"
	assert_output --partial "not an ELF file"
}

@test "the build refuses to ship a dynamic program" {
	# build/lifeboat is made by scripts/ship: feed it a dynamic program
	run -1 --separate-stderr "$TOP/scripts/ship" /bin/true "$BATS_TEST_TMPDIR/out"
	[[ "$stderr" == *"refusing to ship '/bin/true': every shipped binary must be static"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
	run -0 "$TOP/scripts/ship" "$TOP/build/musl/lifeboat" "$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/out" "$LIFEBOAT"
}
