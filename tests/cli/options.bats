#!/usr/bin/env bats
# Options and values: the global options in every form, the keys of
# [store] sections checked for each kind of store, and TLS verification
# turned off always said (issue 16).

setup() {
	load ../helpers/common
	CONF=$BATS_TEST_TMPDIR/lifeboat.conf
	EMPTY=$BATS_TEST_TMPDIR/empty
	mkdir -p "$EMPTY"
	export AWS_ACCESS_KEY_ID=AKIAEXAMPLE AWS_SECRET_ACCESS_KEY=secret
	unset AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_PROFILE AWS_REGION
}

# store URL KEY=VALUE...: a config of one store "s"
store() {
	local url=$1 kv
	shift
	printf '[store "s"]\nurl = %s\n' "$url" > "$CONF"
	for kv in "$@"; do printf '%s\n' "$kv" >> "$CONF"; done
}

@test "lifeboat-VERB takes the global options: -c, --config=, --json, -q, -v" {
	ln -s "$(readlink -f "$LIFEBOAT")" "$BATS_TEST_TMPDIR/lifeboat-list"
	ln -s "$(readlink -f "$LIFEBOAT")" "$BATS_TEST_TMPDIR/lifeboat-version"
	printf '[restore]\nbogus = 1\n' > "$CONF"
	# the config was read: its error, not an unknown option
	run -2 --separate-stderr "$BATS_TEST_TMPDIR/lifeboat-list" -c "$CONF"
	[[ "${stderr_lines[0]}" == *"unknown key 'bogus'"* ]] || fail "-c: $stderr"
	run -2 --separate-stderr "$BATS_TEST_TMPDIR/lifeboat-list" --config="$CONF"
	[[ "${stderr_lines[0]}" == *"unknown key 'bogus'"* ]] || fail "--config=: $stderr"
	run -0 --separate-stderr "$BATS_TEST_TMPDIR/lifeboat-version" --json
	jq -e '.name == "lifeboat"' <<< "$output"
	store "$EMPTY"
	run -0 --separate-stderr "$BATS_TEST_TMPDIR/lifeboat-list" -c "$CONF" --json -q
	assert_equal "$output" "[]"
	assert_equal "$stderr" ""
	run -0 --separate-stderr "$BATS_TEST_TMPDIR/lifeboat-list" -v -c "$CONF"
}

@test "the global options after the verb too: lifeboat list -c FILE -q" {
	printf '[restore]\nbogus = 1\n' > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" list -c "$CONF"
	[[ "${stderr_lines[0]}" == *"unknown key 'bogus'"* ]] || fail "$stderr"
	store "$EMPTY"
	run -0 --separate-stderr "$LIFEBOAT" list --json -q -c "$CONF"
	assert_equal "$output" "[]"
}

@test "every verb's --help shows the global options it takes" {
	local verb
	for verb in $("$LIFEBOAT" --help | sed -n '/^Verbs:/,/^$/s/^  \([a-z-]*\) .*/\1/p'); do
		[ "$verb" = help ] && continue
		run -0 "$LIFEBOAT" "$verb" --help
		for opt in '-c, --config FILE' '--json' '-q, --quiet' '-v, --verbose'; do
			[[ "$output" == *"$opt"* ]] || fail "'lifeboat $verb --help' does not show $opt"
		done
	done
}

@test "a [store] key of another kind of store: exit 2, naming the keys it takes" {
	store "$EMPTY" "part_size = 16M"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	assert_equal "${stderr_lines[0]}" "lifeboat: $CONF: [store \"s\"] part_size is not a key of file stores (they take: url)"
	store "$EMPTY" "insecure = yes"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "${stderr_lines[0]}" == *"insecure is not a key of file stores"* ]]
	store "sftp://u@127.0.0.1:1/x/" "region = eu-west-3"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "${stderr_lines[0]}" == *"region is not a key of sftp stores (they take: url, identity_file, known_hosts)" ]]
	store "https://127.0.0.1:1/x/" "identity_file = /x"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "${stderr_lines[0]}" == *"identity_file is not a key of https stores"* ]]
	# the checks are made whatever the verb, before anything is contacted
	store "s3://b/p/" "endpoint = https://127.0.0.1:1" "known_hosts = /x"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" backup --source "$EMPTY" --no-stop
	[[ "${stderr_lines[0]}" == *"known_hosts is not a key of s3 stores"* ]]
}

@test "a bad [store] value: exit 2, naming the key and what it takes" {
	store "s3://b/p/" "endpoint = https://127.0.0.1:1" "part_size = 1k"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	assert_equal "${stderr_lines[0]}" "lifeboat: $CONF:4: [store \"s\"] part_size must be a size from 5M to 1G (like 16M), not '1k'"
	store "s3://b/p/" "endpoint = https://127.0.0.1:1" "part_size = 2G"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "${stderr_lines[0]}" == *"part_size must be a size from 5M to 1G"* ]]
	store "s3://b/p/" "endpoint = https://127.0.0.1:1" "region = EU West"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "${stderr_lines[0]}" == *"region must be a region name (lowercase letters, digits and '-', like eu-west-3), not 'EU West'" ]]
	store "s3://b/p/" "endpoint = 127.0.0.1:9000"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "${stderr_lines[0]}" == *"endpoint must be an http:// or https:// URL, not '127.0.0.1:9000'" ]]
	store "s3://b/p/" "endpoint = https://127.0.0.1:1" "path_style = sometimes"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "${stderr_lines[0]}" == *"path_style must be yes, true, on, 1, no, false, off or 0, not 'sometimes'" ]] || fail "$stderr"
	store "https://127.0.0.1:1/x/" "insecure = maybe"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "${stderr_lines[0]}" == *"insecure must be yes, true, on, 1, no, false, off or 0, not 'maybe'" ]] || fail "$stderr"
}

@test "insecure: NOT verified is said whatever the spelling, for https and s3 stores" {
	local v
	# nothing listens on port 1: no waiting between retries for it
	export LIFEBOAT_RETRY_MS=1
	for v in yes YES on On 1 true True; do
		store "https://127.0.0.1:1/x/" "insecure = $v"
		run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" list
		[[ "$stderr" == *"warning: store 's': TLS certificates are NOT verified (insecure = $v)"* ]] ||
			fail "https, insecure = $v: $stderr"
		store "s3://b/p/" "endpoint = https://127.0.0.1:1" "insecure = $v"
		run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" list
		[[ "$stderr" == *"NOT verified (insecure = $v)"* ]] || fail "s3, insecure = $v: $stderr"
	done
	for v in no off 0 False; do
		store "https://127.0.0.1:1/x/" "insecure = $v"
		run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" list
		[[ "$stderr" != *"NOT verified"* ]] || fail "insecure = $v warned: $stderr"
	done
}

@test "insecure: NOT verified is said by backup and prune too" {
	export LIFEBOAT_RETRY_MS=1
	mkdir -p "$BATS_TEST_TMPDIR/vol/v1/_data"
	store "s3://b/p/" "endpoint = https://127.0.0.1:1" "insecure = on"
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" backup --source "$BATS_TEST_TMPDIR/vol" --no-stop
	[[ "$stderr" == *"warning: store 's': TLS certificates are NOT verified (insecure = on)"* ]] || fail "backup: $stderr"
	run --separate-stderr "$LIFEBOAT" -c "$CONF" prune
	[[ "$stderr" == *"warning: store 's': TLS certificates are NOT verified (insecure = on)"* ]] || fail "prune: $stderr"
}
