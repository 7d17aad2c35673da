#!/usr/bin/env bats
# lifeboat check: HTTP(S), TCP and command checks against real servers on
# 127.0.0.1 (nginx from tests/helpers), retries until 'within', priority
# groups, the table, --json, and the exit statuses (0, 2, 7).

setup_file() {
	load ../helpers/common
	mkdir "$BATS_FILE_TMPDIR/www"
	echo "status: healthy" > "$BATS_FILE_TMPDIR/www/health.txt"
	"$TOP/tests/helpers/nginx-store" start "$BATS_FILE_TMPDIR/nginx" "$BATS_FILE_TMPDIR/www"
}

teardown_file() {
	load ../helpers/common
	"$TOP/tests/helpers/nginx-store" stop "$BATS_FILE_TMPDIR/nginx"
}

setup() {
	load ../helpers/common
	. "$BATS_FILE_TMPDIR/nginx/ports.env"
	WWW=$BATS_FILE_TMPDIR/www
	CONF=$BATS_TEST_TMPDIR/lifeboat.conf
	BASE=http://127.0.0.1:$HTTP_PORT/files
	CLOSED=$("$TOP/tests/helpers/ports" free 1)
}

teardown() {
	show_last_run
}

# row NAME: the table row of check NAME in $output, columns squeezed
row() {
	awk -v n="$1" '$1 == n' <<< "$output" | tr -s ' '
}

@test "an HTTP check passes on status and body; the table says so; exit 0" {
	cat > "$CONF" <<-EOF
		[check "web"]
		http = $BASE/health.txt
		expect_body = healthy
	EOF
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" check
	assert_equal "$(row web | cut -d' ' -f1-3,6)" "web - pass 1"
	[[ "${lines[0]}" == "check "*"result"*"last error" ]]
	[[ "$stderr" == *"check 'web': passed after"* ]]
}

@test "a body without the expected string, a wrong status: FAIL with the reason, exit 7" {
	cat > "$CONF" <<-EOF
		[check "body"]
		http = $BASE/health.txt
		expect_body = sick
		[check "missing"]
		http = $BASE/no-such-file
		[check "status"]
		http = $BASE/no-such-file
		expect_status = 404
	EOF
	run -7 --separate-stderr "$LIFEBOAT" -c "$CONF" --json check
	jq -e '.result == "failed"' <<< "$output"
	jq -e '.checks[] | select(.name == "body") | .result == "fail" and (.error | contains("does not hold '"'sick'"'"))' <<< "$output"
	jq -e '.checks[] | select(.name == "missing") | .result == "fail" and .error == "status 404, expected 200"' <<< "$output"
	jq -e '.checks[] | select(.name == "status") | .result == "pass" and .error == null' <<< "$output"
	[[ "$stderr" == *"check 'missing' failed: status 404, expected 200"* ]]
}

@test "within: a URL that starts answering after 2 s passes on a later attempt" {
	rm -f "$WWW/late.txt"
	cat > "$CONF" <<-EOF
		[check "late"]
		http = $BASE/late.txt
		within = 30s
	EOF
	(sleep 2; echo up > "$WWW/late.txt") &
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json check
	wait
	rm -f "$WWW/late.txt"
	jq -e '.checks[0].result == "pass" and .checks[0].attempts >= 2 and .checks[0].seconds >= 1.5' <<< "$output"
	[[ "$stderr" == *"check 'late': status 404, expected 200; trying again for up to 30 s"* ]]
}

@test "within: a check that never passes gives up at its deadline" {
	cat > "$CONF" <<-EOF
		[check "never"]
		tcp = 127.0.0.1:$CLOSED
		within = 3s
	EOF
	run -7 --separate-stderr "$LIFEBOAT" -c "$CONF" --json check
	jq -e '.checks[0].result == "fail" and .checks[0].attempts >= 2 and .checks[0].seconds >= 3 and .checks[0].seconds < 10' <<< "$output"
	jq -e '.checks[0].error == "connection refused"' <<< "$output"
}

@test "TCP: an open port passes, a closed one fails with the reason" {
	cat > "$CONF" <<-EOF
		[check "open"]
		tcp = 127.0.0.1:$HTTP_PORT
		[check "closed"]
		tcp = 127.0.0.1:$CLOSED
	EOF
	run -7 --separate-stderr "$LIFEBOAT" -c "$CONF" check
	assert_equal "$(row open | cut -d' ' -f3)" pass
	assert_equal "$(row closed | cut -d' ' -f3)" FAIL
	[[ "$(row closed)" == *"connection refused" ]]
}

@test "HTTPS: verified against ca_file; without it the certificate is refused" {
	cat > "$CONF" <<-EOF
		[check "tls"]
		http = https://localhost:$HTTPS_PORT/files/health.txt
		ca_file = $CA_PEM
		[check "tls-unknown-ca"]
		http = https://localhost:$HTTPS_PORT/files/health.txt
		ca_file = $OTHER_CA_PEM
	EOF
	run -7 --separate-stderr "$LIFEBOAT" -c "$CONF" --json check
	jq -e '.checks[] | select(.name == "tls") | .result == "pass"' <<< "$output"
	jq -e '.checks[] | select(.name == "tls-unknown-ca") | .result == "fail" and (.error | test("certificate|verify"; "i"))' <<< "$output"
}

@test "command: exit 0 passes, another status fails with its last line; no shell is involved" {
	cat > "$CONF" <<-EOF
		[check "literal"]
		command = test "\$HOME" = '\$HOME'
		[check "broken"]
		command = sh -c 'echo starting; echo "disk is full" >&2; exit 3'
		[check "absent"]
		command = /nonexistent/lifeboat-probe --now
		[check "operator"]
		command = true && touch $BATS_TEST_TMPDIR/PWNED
	EOF
	run -7 --separate-stderr "$LIFEBOAT" -c "$CONF" --json check
	jq -e '.checks[] | select(.name == "literal") | .result == "pass"' <<< "$output"
	jq -e '.checks[] | select(.name == "broken") | .error == "exit 3: disk is full"' <<< "$output"
	jq -e '.checks[] | select(.name == "absent") | .result == "fail" and (.error | contains("/nonexistent/lifeboat-probe"))' <<< "$output"
	jq -e '.checks[] | select(.name == "operator") | .result == "fail" and (.error | contains("'"'&&'"' is a shell operator"))' <<< "$output"
	[ ! -e "$BATS_TEST_TMPDIR/PWNED" ]
}

@test "priorities: p1 first; a failing p1 stops p2 and the unnumbered ones" {
	cat > "$CONF" <<-EOF
		[check "late-group"]
		http = $BASE/health.txt
		[check "db"]
		tcp = 127.0.0.1:$CLOSED
		priority = p1
		[check "web"]
		http = $BASE/health.txt
		priority = p2
	EOF
	run -7 --separate-stderr "$LIFEBOAT" -c "$CONF" --json check
	jq -e '.checks[] | select(.name == "db") | .result == "fail" and .priority == 1' <<< "$output"
	jq -e '.checks[] | select(.name == "web") | .result == "skipped" and .attempts == 0 and (.error | contains("p1 check '"'db'"' failed"))' <<< "$output"
	jq -e '.checks[] | select(.name == "late-group") | .result == "skipped" and .priority == null' <<< "$output"
	# with p1 passing, p2 runs and so does the rest
	sed -i "s/127.0.0.1:$CLOSED/127.0.0.1:$HTTP_PORT/" "$CONF"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json check
	jq -e '.result == "ok" and all(.checks[]; .result == "pass")' <<< "$output"
	# p1 ran first: its pass is reported first
	[[ "$(grep -o "check '[a-z-]*': passed" <<< "$stderr" | head -1)" == "check 'db': passed" ]]
}

@test "check NAME runs only the checks named; an unknown name is exit 2" {
	cat > "$CONF" <<-EOF
		[check "good"]
		http = $BASE/health.txt
		[check "bad"]
		tcp = 127.0.0.1:$CLOSED
	EOF
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json check good
	jq -e '(.checks | length) == 1 and .checks[0].name == "good"' <<< "$output"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" check nosuch
	[[ "$stderr" == *"no check named 'nosuch'"* ]]
}

@test "config errors are exit 2 with file and line: two kinds, no kind, bad values, no check at all" {
	printf '[check "x"]\nhttp = %s\ntcp = 127.0.0.1:1\n' "$BASE/" > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" check
	[[ "$stderr" == *"lifeboat.conf:3: [check \"x\"] a check is one of http, tcp or command"* ]]
	printf '[check "x"]\nwithin = 10s\n' > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" check
	[[ "$stderr" == *"[check \"x\"] needs http, tcp or command"* ]]
	printf '[check "x"]\nhttp = ftp://example/\n' > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" check
	[[ "$stderr" == *"is not an http:// or https:// URL"* ]]
	printf '[check "x"]\ntcp = 127.0.0.1:1\npriority = 4th\n' > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" check
	[[ "$stderr" == *":3: [check \"x\"] priority must be p1 to p9, not '4th'"* ]]
	printf '[check "x"]\ntcp = 127.0.0.1:1\nexpect_status = 99\n' > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" check
	[[ "$stderr" == *"expect_status: '99' is not an HTTP status"* ]]
	printf '[check "x"]\ntcp = 127.0.0.1:1\ncolour = red\n' > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" check
	[[ "$stderr" == *"unknown key 'colour'"* ]]
	printf '[restore]\nlayout = auto\n' > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" check
	[[ "$stderr" == *"no check: add [check \"NAME\"] sections"* ]]
}

@test "-c - reads the config from standard input" {
	run -0 --separate-stderr "$LIFEBOAT" -c - --json check <<< "$(printf '[check "web"]\nhttp = %s/health.txt\n' "$BASE")"
	jq -e '.checks[0].name == "web" and .checks[0].result == "pass"' <<< "$output"
	run -2 --separate-stderr "$LIFEBOAT" -c - check <<< "$(printf '[check "x"]\nbogus = 1\n')"
	[[ "$stderr" == *"<stdin>:2: [check \"x\"] unknown key 'bogus'"* ]]
}

@test "[env] sets only the variables lifeboat reads" {
	printf '[env]\nLD_PRELOAD = /tmp/evil.so\n' > "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" check
	[[ "$stderr" == *"[env] cannot set 'LD_PRELOAD'"* ]]
}

@test "check --help" {
	run -0 "$LIFEBOAT" check --help
	assert_output --partial "usage: lifeboat check [NAME]..."
}
