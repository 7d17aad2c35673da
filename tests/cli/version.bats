#!/usr/bin/env bats
# --version shows lifeboat's version and the trixie versions of every
# linked library, as pinned in deps/*/*.hash.

setup() {
	load ../helpers/common
}

# pinned NAME: the Debian version a hash file pins
pinned() {
	awk '$1 == "version" { print $2 }' "$TOP/deps/$1/$1.hash"
}

@test "--version and 'version' agree" {
	run -0 "$LIFEBOAT" --version
	local a=$output
	run -0 "$LIFEBOAT" version
	assert_equal "$output" "$a"
	assert_line --index 0 "lifeboat $(cat "$TOP/VERSION")"
}

@test "--version names every linked library with its Debian 13 version" {
	run -0 "$LIFEBOAT" --version
	local out=$output
	for pair in musl:musl zlib:zlib zstd:zstd liblzma:xz expat:expat \
		mbedtls:mbedtls libsodium:libsodium libattr:attr libacl:acl libssh2:libssh2 \
		libcurl:curl libarchive:libarchive inih:inih isa-l:isal; do
		local lib=${pair%%:*} dep=${pair#*:} deb line shown
		deb=$(pinned "$dep")
		line=$(grep -E "^  $lib +" <<<"$out") || fail "no line for $lib"
		shown=$(sed -n 's/.*(Debian \(.*\))$/\1/p' <<<"$line")
		# a newer Debian revision of the same upstream tarball is allowed
		# (see scripts/fetch-source), a different upstream is not
		[[ "$shown" == "${deb%-*}-"* ]] || fail "$lib: shown Debian $shown, pinned $deb"
	done
}

@test "the Debian versions are trixie's (deb13 or the trixie release)" {
	run -0 "$LIFEBOAT" --version
	assert_line --regexp '^  mbedtls +3\.6\.'
	assert_line --regexp '^  libcurl +8\.14\.'
	assert_line --regexp '^  libarchive +3\.7\.'
	assert_line --regexp '^  libssh2 +1\.11\.'
}

@test "version --json parses and holds every library" {
	run -0 --separate-stderr "$LIFEBOAT" --json version
	echo "$output" | jq -e '.name == "lifeboat" and (.libraries | length) == 14'
	echo "$output" | jq -e '[.libraries[] | select(.version == "" or .debian == "")] | length == 0'
	run -0 "$LIFEBOAT" version --json
	echo "$output" | jq -e '.libraries[] | select(.name == "libcurl") | .version | startswith("8.14")'
}
