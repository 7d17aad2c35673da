#!/usr/bin/env bats
# The manual page, the README and --help tell the same story as the code.

setup() {
	load ../helpers/common
	MAN=$TOP/docs/lifeboat.1
}

@test "the manual page renders without warnings" {
	run -0 --separate-stderr groff -man -ww -z "$MAN"
	assert_equal "$stderr" ""
}

@test "every verb in --help is documented in lifeboat(1), and only those" {
	local help_verbs man_verbs
	help_verbs=$("$LIFEBOAT" --help | sed -n '/^Verbs:/,/^$/s/^  \([a-z-]*\) .*/\1/p' | sort)
	man_verbs=$(sed -n '/^\.SH VERBS/,/^\.SH /{/^\.TP/{n;s/^\.B \([a-z-]*\).*/\1/p}}' "$MAN" | sort)
	[ -n "$help_verbs" ]
	assert_equal "$man_verbs" "$help_verbs"
}

@test "the exit-status table matches the code's enum" {
	local code_codes man_codes
	code_codes=$(sed -n 's/^\tLB_EXIT_[A-Z]* = \([0-9]*\),.*/\1/p' "$TOP/tools/lifeboat/cli.h" | sort -n)
	man_codes=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH /{/^\.TP/{n;s/^\.B \([0-9]*\)$/\1/p}}' "$MAN" | sort -n)
	[ -n "$code_codes" ]
	assert_equal "$man_codes" "$code_codes"
}

@test "every global option in --help is in lifeboat(1)" {
	local opt
	for opt in $("$LIFEBOAT" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -- "${opt//-/\\\\-}" "$MAN" || fail "$opt is not in docs/lifeboat.1"
	done
}

@test "the README shows the two commands and every make target it lists exists" {
	grep -q '^make demo' "$TOP/README.md"
	grep -q '^make test' "$TOP/README.md"
	local t
	for t in $(sed -n 's/^| `make \([a-z-]*\)`.*/\1/p' "$TOP/README.md"); do
		make -C "$TOP" -n "$t" -o build/.bootstrap.mk >/dev/null 2>&1 || fail "README lists 'make $t', which make does not know"
	done
}

@test "every option of every verb's --help is in lifeboat(1)" {
	local verb opt
	for verb in $("$LIFEBOAT" --help | sed -n '/^Verbs:/,/^$/s/^  \([a-z-]*\) .*/\1/p'); do
		for opt in $("$LIFEBOAT" "$verb" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
			grep -q -- "${opt//-/\\\\-}" "$MAN" || fail "$verb $opt is not in docs/lifeboat.1"
		done
	done
}

@test "configs/lifeboat.conf.example parses and shows every key the parser knows" {
	# the file is read whole before --store replaces its stores (which must
	# not be contacted: they are not ours): a parsed config gets as far as
	# the missing store, exit 5; a refused line would be exit 2
	run -5 --separate-stderr "$LIFEBOAT" -c "$TOP/configs/lifeboat.conf.example" \
		list --store "$BATS_TEST_TMPDIR/none"
	local key
	for key in $(grep -o 'strcmp(key, "[a-z_]*")' "$TOP/tools/lib/config.c" | sed 's/.*"\(.*\)".*/\1/' | sort -u); do
		grep -Eq "^$key = " "$TOP/configs/lifeboat.conf.example" || fail "key '$key' is not in the example"
	done
	for key in $(sed -n '/^store_key(/,/^}/p' "$TOP/tools/lib/config.c" | grep -o '"[a-z_]*"' | tr -d '"'); do
		grep -Eq "^$key = " "$TOP/configs/lifeboat.conf.example" || fail "store key '$key' is not in the example"
	done
	for key in $(sed -n '/handoff_keys\[\] = {/,/^};/p' "$TOP/tools/lib/config.c" | grep -o '^	{ "[a-z_]*"' | grep -o '[a-z_]*'); do
		grep -Eq "^$key = " "$TOP/configs/lifeboat.conf.example" || fail "[handoff] key '$key' is not in the example"
	done
	for key in $(sed -n '/^} keys\[\] = {/,/^};/p' "$TOP/tools/lib/backup.c" | grep -o '{ "[a-z_]*"' | grep -o '[a-z_]*'); do
		grep -Eq "^$key = " "$TOP/configs/lifeboat.conf.example" || fail "[backup] key '$key' is not in the example"
	done
	grep -Eq '^p1 = ' "$TOP/configs/lifeboat.conf.example"
	grep -Eq '^map\.[a-z-]+ = ' "$TOP/configs/lifeboat.conf.example"
}
