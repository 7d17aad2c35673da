#!/usr/bin/env bats
# The dependency cache: a warm cache builds nothing, and a changed recipe
# rebuilds that dependency and what links against it, nothing else.
# make -n prints the recipes it would run; each dependency's starts with
# 'echo "  DEP     NAME (FLAVOUR)"'.

setup() {
	load ../helpers/common
}

# deps_to_build DIR TARGET: the dependencies make would build, sorted
deps_to_build() {
	make -C "$1" -n -o build/.bootstrap.mk "$2" 2>/dev/null |
		sed -n 's/^echo "  DEP     \(.*\)"$/\1/p' | sort
}

@test "a warm cache builds no dependency" {
	# make test built every dependency before this suite ran
	run -0 deps_to_build "$TOP" deps
	assert_output ""
}

@test "changing one recipe rebuilds it and its dependents only" {
	local copy=$BATS_TEST_TMPDIR/copy
	mkdir -p "$copy"
	(cd "$TOP" && git ls-files -co --exclude-standard | grep -v '^build/' | cpio -pdm --quiet "$copy")
	echo "# touched by tests/cli/build.bats" >> "$copy/deps/xz/xz.mk"
	run -0 deps_to_build "$copy" deps
	assert_output "$(printf '%s\n' 'libarchive (glibc)' 'libarchive (musl)' 'xz (glibc)' 'xz (musl)')"
}

@test "changing the musl recipe rebuilds every musl dependency, no glibc one" {
	local copy=$BATS_TEST_TMPDIR/copy
	mkdir -p "$copy"
	(cd "$TOP" && git ls-files -co --exclude-standard | grep -v '^build/' | cpio -pdm --quiet "$copy")
	echo "# touched by tests/cli/build.bats" >> "$copy/deps/musl/musl.mk"
	run -0 deps_to_build "$copy" deps
	refute_output --partial "(glibc)"
	assert_line "musl (toolchain)"
	assert_line "zlib (musl)"
	assert_line "busybox (musl)"
	assert_line "libarchive (musl)"
}

@test "a wrong upstream hash stops the build with a clear message" {
	local copy=$BATS_TEST_TMPDIR/copy
	mkdir -p "$copy"
	(cd "$TOP" && git ls-files -co --exclude-standard | grep -v '^build/' | cpio -pdm --quiet "$copy")
	sed -i 's/^\(orig *[^ ]*\) [0-9a-f]*$/\1 0000000000000000000000000000000000000000000000000000000000000000/' "$copy/deps/inih/inih.hash"
	run -1 --separate-stderr "$copy/scripts/fetch-source" "$copy/deps/inih/inih.hash" "$BATS_TEST_TMPDIR/src"
	[[ "$stderr" == *"inih"*"has sha256 "*"pins 0000000000000000000000000000000000000000000000000000000000000000: refusing to build"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/src" ]
}
