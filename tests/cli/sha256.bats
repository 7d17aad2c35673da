#!/usr/bin/env bats
# SHA-256 with the x86 SHA extensions (deps/mbedtls/patches/0001): the
# unit tests (NIST vectors, mbedTLS's self-test, random lengths) on this
# CPU and under qemu-user on a CPU without the extensions, where the
# portable code must be chosen; and lifeboat's digests against sha256sum's
# on random lengths, with and without the extensions.

setup() {
	load ../helpers/common
	UNIT=$TOP/build/musl/unit-tests
	[ -x "$UNIT" ] || fail "$UNIT is missing: make build/musl/unit-tests"
	SHATESTS="sha256_nist_vectors_both_paths sha256_mbedtls_self_test_both_paths
		sha256_random_lengths_paths_agree sha256_cpu_detection"
}

cpu_has_sha_ni() {
	grep -qw sha_ni /proc/cpuinfo && echo 1 || echo 0
}

@test "unit tests on this CPU: the patch's choice matches /proc/cpuinfo" {
	run -0 env LIFEBOAT_EXPECT_SHANI="$(cpu_has_sha_ni)" "$UNIT" $SHATESTS
	assert_line --partial "4 passed, 0 failed"
}

@test "unit tests under qemu-x86_64 -cpu Nehalem (no SHA extensions): the C code, correct" {
	run -0 env LIFEBOAT_EXPECT_SHANI=0 qemu-x86_64 -cpu Nehalem "$UNIT" $SHATESTS
	assert_line --partial "4 passed, 0 failed"
	# and the check can fail: the same CPU claimed to have them
	run -1 env LIFEBOAT_EXPECT_SHANI=1 qemu-x86_64 -cpu Nehalem "$UNIT" sha256_cpu_detection
}

@test "version names the SHA-256 code; LIFEBOAT_NO_SHANI forces the portable one" {
	local want=c
	[ "$(cpu_has_sha_ni)" = 1 ] && want=sha-ni
	run -0 "$LIFEBOAT" version
	assert_line "  sha-256     $want"
	run -0 env LIFEBOAT_NO_SHANI=1 "$LIFEBOAT" version --json
	assert_equal "$(jq -r .sha256 <<< "$output")" c
}

@test "verify: lifeboat's SHA-256 equals sha256sum's on random lengths, both codes" {
	local store=$BATS_TEST_TMPDIR/store i len name
	mkdir "$store"
	for i in 10 11 12 13 14 15 16 17; do
		len=$(( (RANDOM * 32768 + RANDOM) % 3000000 ))
		[ "$i" = 10 ] && len=0
		[ "$i" = 11 ] && len=55
		[ "$i" = 12 ] && len=64
		name=backup-2026-11-${i}T03-00-00.tar
		head -c "$len" /dev/urandom > "$store/$name"
		sidecar "$store/$name"
		run -0 --separate-stderr "$LIFEBOAT" verify "$name" --store "$store"
		run -0 --separate-stderr env LIFEBOAT_NO_SHANI=1 "$LIFEBOAT" verify "$name" --store "$store"
	done
	# a sidecar of other bytes is caught by both
	head -c 1000 /dev/urandom > "$store/$name"
	run -4 --separate-stderr "$LIFEBOAT" verify "$name" --store "$store"
	run -4 --separate-stderr env LIFEBOAT_NO_SHANI=1 "$LIFEBOAT" verify "$name" --store "$store"
}
