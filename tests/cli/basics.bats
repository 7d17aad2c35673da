#!/usr/bin/env bats
# The command line's frame: help, versions, verb dispatch, exit codes.

setup() {
	load ../helpers/common
}

@test "--help lists the verbs and exits 0" {
	run -0 "$LIFEBOAT" --help
	assert_line --partial "usage: lifeboat [-c FILE] [--json] [-q|-v] VERB [options]"
	assert_line --regexp '^  version +show the versions'
	assert_line --regexp '^  help +show the help'
}

@test "no verb: usage on stderr, exit 2" {
	run -2 --separate-stderr "$LIFEBOAT"
	assert_equal "$output" ""
	[[ "$stderr" == *"usage: lifeboat"* ]]
}

@test "unknown verb: one-line error, exit 2" {
	run -2 --separate-stderr "$LIFEBOAT" frobnicate
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" "lifeboat: unknown verb 'frobnicate'"
	assert_equal "${stderr_lines[1]}" "Try 'lifeboat --help'."
}

@test "unknown global option: exit 2" {
	run -2 --separate-stderr "$LIFEBOAT" --frob version
	assert_equal "${stderr_lines[0]}" "lifeboat: unknown option '--frob'"
}

@test "global option without its argument: exit 2" {
	run -2 --separate-stderr "$LIFEBOAT" -c
	assert_equal "${stderr_lines[0]}" "lifeboat: option '-c' needs an argument"
}

@test "per-verb --help, also through 'help VERB'" {
	run -0 "$LIFEBOAT" version --help
	assert_line "usage: lifeboat version [--json]"
	run -0 "$LIFEBOAT" help version
	assert_line "usage: lifeboat version [--json]"
	run -2 "$LIFEBOAT" help nosuch
}

@test "verb options are checked: exit 2" {
	run -2 --separate-stderr "$LIFEBOAT" version --bogus
	assert_equal "${stderr_lines[0]}" "lifeboat: unknown option '--bogus'"
	assert_equal "${stderr_lines[1]}" "Try 'lifeboat version --help'."
	run -2 "$LIFEBOAT" version extra
}

@test "lifeboat-VERB symlink runs the verb" {
	[ -L "$TOP/build/lifeboat-version" ]
	run -0 "$TOP/build/lifeboat-version"
	assert_line --index 0 --regexp '^lifeboat [0-9]+\.[0-9]+\.[0-9]+$'
	ln -s "$LIFEBOAT" "$BATS_TEST_TMPDIR/lifeboat-nosuch"
	run -2 --separate-stderr "$BATS_TEST_TMPDIR/lifeboat-nosuch"
	assert_equal "$stderr" "lifeboat-nosuch: unknown verb 'nosuch' (from the program name)"
}

@test "a write error on stdout is exit 1, not silence" {
	run -1 --separate-stderr bash -c '"$0" --version > /dev/full' "$LIFEBOAT"
	assert_equal "$stderr" "lifeboat: cannot write to standard output: No space left on device"
}

@test "make demo's script: the damaged newest is rejected, night 2 restored bit for bit, and again" {
	local i
	for i in 1 2; do
		run -0 env -u LIFEBOAT_HISTORY "$TOP/scripts/demo"
		[[ "$output" == *"warning: rejected 'backup-"*"': SHA-256 mismatch"* ]]
		[[ "$output" == *"volumes restored after"*"(RTO 2 h: met)"*"(RPO 3 d: met)"* ]]
		[[ "$output" == *"demo: restored tree identical to night 2's source, metadata included"* ]]
	done
	[ "$(wc -l < "$TOP/demo/history.jsonl")" -eq 1 ]
}
