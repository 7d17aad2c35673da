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
	for key in $(cat "$TOP"/tools/lib/store_*.c | sed -n '/_keys\[\] = {/,/^};/p' | grep -o '"[a-z_]*"' | tr -d '"'); do
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

# --- both directions: code -> docs and docs -> code ---------------------
# Every list below is derived from the sources (or the binary), never kept
# by hand; a failure names what is missing and where.

verbs() {
	"$LIFEBOAT" --help | sed -n '/^Verbs:/,/^$/s/^  \([a-z-]*\) .*/\1/p'
}

# The options of a --help text, long ones as --name (one a line).
help_opts() {
	grep -o -- '--[a-z][a-z-]*' | sort -u
}

# A section of the manual page, .SH NAME up to the next .SH.
man_section() {
	sed -n "/^\.SH $1\$/,/^\.SH /p" "$MAN" | sed '$d'
}

# The options the VERBS section gives VERB on its synopsis line.
man_verb_opts() {
	man_section VERBS | sed -n "/^\.TP/{n;/^\.B $1 /p;/^\.B $1\$/p}" |
		sed 's/\\-/-/g' | help_opts
}

@test "options: each verb's --help and its synopsis in lifeboat(1) name the same options" {
	local verb opt global
	global=$(man_section "GLOBAL OPTIONS" | sed 's/\\-/-/g' | help_opts)
	[ -n "$global" ]
	for verb in $(verbs); do
		[ "$verb" = help ] && continue
		for opt in $("$LIFEBOAT" "$verb" --help | help_opts); do
			[ "$opt" = --help ] && continue
			grep -qx -- "$opt" <<< "$global" && continue
			man_verb_opts "$verb" | grep -qx -- "$opt" ||
				fail "'lifeboat $verb --help' has $opt, which the $verb line of VERBS in docs/lifeboat.1 lacks"
		done
		for opt in $(man_verb_opts "$verb"); do
			"$LIFEBOAT" "$verb" --help | help_opts | grep -qx -- "$opt" ||
				fail "docs/lifeboat.1 gives $verb $opt, which 'lifeboat $verb --help' lacks"
		done
	done
}

@test "options: GLOBAL OPTIONS and RESTORE OPTIONS of lifeboat(1) are those of --help" {
	local opt
	for opt in $(man_section "GLOBAL OPTIONS" | sed 's/\\-/-/g' | help_opts); do
		"$LIFEBOAT" --help | help_opts | grep -qx -- "$opt" ||
			fail "GLOBAL OPTIONS in docs/lifeboat.1 has $opt, which 'lifeboat --help' lacks"
	done
	for opt in $("$LIFEBOAT" --help | help_opts); do
		man_section "GLOBAL OPTIONS" | sed 's/\\-/-/g' | help_opts | grep -qx -- "$opt" ||
			fail "'lifeboat --help' has $opt, which GLOBAL OPTIONS in docs/lifeboat.1 lacks"
	done
	for opt in $(man_section "RESTORE OPTIONS" | sed -n '/^\.TP/{n;p}' | sed 's/\\-/-/g' | help_opts); do
		"$LIFEBOAT" restore --help | help_opts | grep -qx -- "$opt" ||
			fail "RESTORE OPTIONS in docs/lifeboat.1 has $opt, which 'lifeboat restore --help' lacks"
	done
	for opt in $("$LIFEBOAT" restore --help | help_opts); do
		man_section "RESTORE OPTIONS" | sed 's/\\-/-/g' | help_opts | grep -qx -- "$opt" ||
			man_section "GLOBAL OPTIONS" | sed 's/\\-/-/g' | help_opts | grep -qx -- "$opt" ||
			[ "$opt" = --help ] ||
			fail "'lifeboat restore --help' has $opt, which RESTORE OPTIONS in docs/lifeboat.1 lacks"
	done
}

# The keys drill_key() takes between the lines matching FROM and TO.
drill_keys() {
	sed -n '/^drill_key(/,/^}$/p' "$TOP/tools/lib/config.c" | sed -n "/$1/,/$2/p" |
		grep -o 'strcmp(key, "[a-z_]*")' | cut -d'"' -f2
}

# The keys the code takes in section S of the configuration.
code_keys() {
	local c=$TOP/tools/lib/config.c
	case $1 in
	restore|plan)
		sed -n "/^	if (strcmp(section, \"$1\") == 0) {/,/^	}\$/p" "$c" |
			grep -o 'strcmp(key, "[a-z_]*")' | cut -d'"' -f2
		# [plan]'s drill terms are drill_key's, as [drill] and [probe]'s
		[ "$1" = plan ] && drill_keys '"plan") == 0' '"drill") == 0' ;;
	drill)
		drill_keys '"drill") == 0' '"probe"' ;;
	probe)
		drill_keys '"probe"' '^}$' ;;
	store)
		echo url
		cat "$TOP"/tools/lib/store_*.c | sed -n '/_keys\[\] = {/,/^};/p' |
			grep -o '"[a-z_]*"' | tr -d '"' ;;
	check)
		sed -n '/^check_key(/,/^}$/p' "$c" | grep -o 'strcmp(key, "[a-z_]*")' | cut -d'"' -f2 ;;
	trust)
		sed -n '/^trust_key(/,/^}$/p; /^trust_minisign_key(/,/^}$/p' "$c" |
			grep -o 'strcmp(key, "[a-z_]*")' | cut -d'"' -f2 ;;
	handoff)
		sed -n '/handoff_keys\[\] = {/,/^};/p' "$c" | grep -o '^	{ "[a-z_]*"' | cut -d'"' -f2 ;;
	backup)
		sed -n '/^} keys\[\] = {/,/^};/p' "$TOP/tools/lib/backup.c" | grep -o '{ "[a-z_]*"' | cut -d'"' -f2 ;;
	env)
		sed -n '/^lb_config_env_name(/,/^}$/p' "$c" | grep -o '"[A-Z0-9_]*"' | tr -d '"' ;;
	volumes)
		printf 'p1\np9\nmap.DIR\n' ;;
	esac | sort -u
}

# The sections the code knows, as on_key lists them.
code_sections() {
	{
		sed -n '/^on_key(/,/^}$/p' "$TOP/tools/lib/config.c" |
			grep -o 'strcmp(section, "[a-z]*") == 0 ||\|strcmp(section, "[a-z]*") == 0)$' | cut -d'"' -f2
		sed -n '/^on_key(/,/^}$/p' "$TOP/tools/lib/config.c" |
			grep -o 'sub_section(section, "[a-z]*"' | cut -d'"' -f2
	} | sort -u
}

# The CONFIGURATION section of lifeboat(1): "SECTION KEY" a line.
man_keys() {
	man_section CONFIGURATION | awk '
		/^\.TP/ { getline; if (match($0, /\[[a-z]+/)) { s = substr($0, RSTART + 1, RLENGTH - 1); getline;
			gsub(/^\.B[RI]* /, ""); gsub(/"[^"]*"/, " "); gsub(/\\f[BIRP]/, ""); gsub(/map\. */, "map.");
			n = split($0, w, /[ \t]+/); for (i = 1; i <= n; i++) if (w[i] != "") print s, w[i] } }'
}

@test "config keys: the code's, section by section, are in lifeboat(1) and the example" {
	local s k example=$TOP/configs/lifeboat.conf.example
	[ -n "$(man_keys)" ] || fail "docs/lifeboat.1 has no CONFIGURATION section listing the keys"
	for s in $(code_sections); do
		man_keys | grep -q "^$s " || fail "section [$s] is not in CONFIGURATION of docs/lifeboat.1"
		for k in $(code_keys "$s"); do
			man_keys | grep -qx "$s $k" ||
				fail "[$s] $k (in the code) is not in CONFIGURATION of docs/lifeboat.1"
			case $s in volumes) continue ;; esac
			awk -v s="$s" -v k="$k" '
				/^(# )?\[[a-z]+( "[^"]*")?\]$/ { cur = $0; sub(/^(# )?\[/, "", cur); sub(/[] "].*/, "", cur) }
				cur == s && ($0 ~ "^" k " = " || $0 ~ "^# " k " = ") { found = 1 }
				END { exit !found }' "$example" ||
				fail "[$s] $k (in the code) is not shown in configs/lifeboat.conf.example"
		done
	done
}

@test "config keys: every key lifeboat(1) and the example name is one the code takes" {
	local s k conf=$BATS_TEST_TMPDIR/k.conf example=$TOP/configs/lifeboat.conf.example
	mkdir -p "$BATS_TEST_TMPDIR/st"
	for s in $(man_keys | cut -d' ' -f1 | sort -u); do
		code_sections | grep -qx "$s" || fail "docs/lifeboat.1 has a section [$s] the code does not know"
	done
	while read -r s k; do
		case $s in
		store) printf '[store "t"]\nurl = s3://b/p/\n%s = zzz\n' "$k" ;;
		check) printf '[check "t"]\n%s = zzz\n' "$k" ;;
		volumes) [ "$k" = map.DIR ] && k=map.x; printf '[volumes]\n%s = zzz\n' "$k" ;;
		*) printf '[%s]\n%s = zzz\n' "$s" "$k" ;;
		esac > "$conf"
		run --separate-stderr "$LIFEBOAT" -c "$conf" list --store "$BATS_TEST_TMPDIR/st"
		[[ "$stderr" != *"unknown key"* && "$stderr" != *"cannot set"* ]] ||
			fail "docs/lifeboat.1 names [$s] $k, which the code refuses: $stderr"
	done < <(man_keys | grep -v '^volumes p9$')
	# the example parses whole: its keys are all known (see above for how)
	run -5 --separate-stderr "$LIFEBOAT" -c "$example" list --store "$BATS_TEST_TMPDIR/none"
}

# The environment variables the code reads by name.
code_env() {
	grep -rhoE '\b(getenv|env)\("[A-Z][A-Z0-9_]*"\)' "$TOP/tools" | cut -d'"' -f2 | sort -u
	grep -rqF '"TF_VAR_%s"' "$TOP/tools" && echo TF_VAR_NAME
}

# The names ENVIRONMENT of lifeboat(1) documents (its .TP headings).
man_env() {
	man_section ENVIRONMENT | sed -n '/^\.TP/{n;p}' | sed 's/^\.B[IR]* //; s/TF_VAR_ NAME/TF_VAR_NAME/; s/"[^"]*"/ /g; s/\\f[BIRP]//g' |
		tr ' ' '\n' | grep -E '^[A-Z][A-Z0-9_]+$' | sort -u
}

@test "environment: every variable the code reads is in ENVIRONMENT of lifeboat(1), and only those" {
	local v
	[ -n "$(code_env)" ]
	for v in $(code_env); do
		man_env | grep -qx "$v" || fail "the code reads $v, which ENVIRONMENT in docs/lifeboat.1 does not list"
	done
	for v in $(man_env); do
		code_env | grep -qx "$v" || fail "ENVIRONMENT in docs/lifeboat.1 lists $v, which the code never reads"
	done
	# and every AWS_* variable read is one [env] may set
	for v in $(code_env | grep '^AWS_'); do
		code_keys env | grep -qx "$v" || fail "the code reads $v, which [env] cannot set (lb_config_env_name)"
	done
}

@test "exit statuses: the code's enum, lifeboat(1) and the README agree" {
	local code_codes man_codes readme_codes
	code_codes=$(sed -n 's/^\tLB_EXIT_[A-Z]* = \([0-9]*\),.*/\1/p' "$TOP/tools/lifeboat/cli.h" | sort -n)
	man_codes=$(sed -n '/^\.SH EXIT STATUS/,/^\.SH /{/^\.TP/{n;s/^\.B \([0-9]*\)$/\1/p}}' "$MAN" | sort -n)
	readme_codes=$(sed -n '/^Exit statuses:/,/\.$/p' "$TOP/README.md" | tr '\n' ' ' |
		grep -oE '(: |, )[0-9]+ ' | grep -oE '[0-9]+' | sort -n)
	[ -n "$code_codes" ]
	for c in $code_codes; do
		grep -qx "$c" <<< "$man_codes" || fail "exit status $c (tools/lifeboat/cli.h) is not in EXIT STATUS of docs/lifeboat.1"
		grep -qx "$c" <<< "$readme_codes" || fail "exit status $c (tools/lifeboat/cli.h) is not in the README's 'Exit statuses:'"
	done
	for c in $man_codes; do
		grep -qx "$c" <<< "$code_codes" || fail "docs/lifeboat.1 documents exit status $c, which the code does not have"
	done
	for c in $readme_codes; do
		grep -qx "$c" <<< "$code_codes" || fail "the README documents exit status $c, which the code does not have"
	done
}

@test "history: the phases the code records are those lifeboat(1) names" {
	local code_phases man_phases p
	code_phases=$( {
		sed -n '/^} steps\[\] = {/,/^};/p' "$TOP/tools/lib/handoff.c" | grep -o '^	{ "[a-z-]*", "[a-z-]*"' | cut -d'"' -f4
		grep -ho 'lb_history_phase(h, "[a-z-]*"' "$TOP"/tools/lib/*.c | cut -d'"' -f2
	} | sort -u)
	man_phases=$(man_section HISTORY | tr '\n' ' ' | sed -n 's/.*its phases (\([^)]*\)).*/\1/p' | tr -d ',' | tr ' ' '\n' | sed '/^$/d' | sort -u)
	[ -n "$code_phases" ]
	for p in $code_phases; do
		grep -qx "$p" <<< "$man_phases" || fail "the history records phase '$p', which HISTORY in docs/lifeboat.1 does not name"
	done
	for p in $man_phases; do
		grep -qx "$p" <<< "$code_phases" || fail "HISTORY in docs/lifeboat.1 names phase '$p', which the code never records"
	done
}

@test "[handoff] defaults: the code's default of each key is the one lifeboat(1) states" {
	local steps
	steps=$(sed -n 's/^	{ "steps", "\([^"]*\)".*/\1/p' "$TOP/tools/lib/config.c")
	[ -n "$steps" ]
	man_section HAND-OFF | tr '\n' ' ' | grep -qF "default: $steps" ||
		fail "HAND-OFF in docs/lifeboat.1 does not state steps' default 'default: $steps'"
	grep -qF "default: $steps" "$TOP/configs/lifeboat.conf.example" ||
		fail "configs/lifeboat.conf.example does not state steps' default 'default: $steps'"
}

@test "handoff: --host is optional ([handoff] host) in --help and lifeboat(1) alike" {
	"$LIFEBOAT" handoff --help | grep -q '^usage: lifeboat handoff \[--host ADDR\]' ||
		fail "'lifeboat handoff --help' shows --host as required"
	man_section VERBS | grep -q '^\.B handoff \\fR\[\\fB\\-\\-host \\fIADDR\\fR\]' ||
		fail "the handoff line of VERBS in docs/lifeboat.1 shows --host as required"
}
