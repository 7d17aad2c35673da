#!/usr/bin/env bats
# Hostile stores (issue 16): a server on 127.0.0.1 (tests/helpers/
# hostile-http) that sends an endless body, a listing of 10^6 entries, a
# 10 MB XML element, an endless S3 listing, a slow-loris trickle, a
# redirect loop, redirects to another server, Content-Lengths that lie.
# Each ends with one error line and a documented exit status, within a
# time limit, its peak RSS (GNU time) bounded; credentials never reach the
# other server.

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR i
	mkdir -p "$d/root" "$d/src/vol/_data"
	openssl rand -out "$d/src/vol/_data/f" 300000
	tar --numeric-owner -C "$d/src" -czf \
		"$d/root/backup-2026-11-20T03-00-00.tar.gz" .
	sidecar "$d/root/backup-2026-11-20T03-00-00.tar.gz"
	"$TOP/tests/helpers/hostile-http" "$d/root" "$d/ports" "$d/requests.log" \
		< /dev/null > "$d/server.log" 2>&1 3>&- &
	echo $! > "$d/server.pid"
	for ((i = 0; i < 200; i++)); do
		[ -s "$d/ports" ] && break
		sleep 0.05
	done
	[ -s "$d/ports" ] || { cat "$d/server.log" >&2; return 1; }
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/server.pid")"
}

setup() {
	load ../helpers/common
	read -r PORT OTHER < "$BATS_FILE_TMPDIR/ports"
	REQUESTS=$BATS_FILE_TMPDIR/requests.log
	DEST=$BATS_TEST_TMPDIR/dest
	[ -x /usr/bin/time ] || fail "GNU time (/usr/bin/time) is missing: scripts/bootstrap installs it"
	export LIFEBOAT_RETRIES=0 LIFEBOAT_RETRY_MS=50
	printf 'machine 127.0.0.1 login backup password s3cret\n' > "$BATS_TEST_TMPDIR/netrc"
}

# hostile RC MAX_KIB ARGS...: lifeboat ARGS within 60 s, exit RC, its peak
# RSS at most MAX_KIB; ends with one error line ($last).
hostile() {
	local rc=$1 max=$2 kib
	shift 2
	run -"$rc" --separate-stderr timeout 60 /usr/bin/time -f %M \
		-o "$BATS_TEST_TMPDIR/rss" "$LIFEBOAT" "$@"
	echo "$stderr"
	last=${stderr##*$'\n'}
	[[ "$last" == "lifeboat: "* && "$last" != *warning:* ]]
	# no error line before it (progress and warnings only)
	[ "$(grep -v -e ': warning: ' -e "^lifeboat: restoring '" -e '%)' <<< "$stderr" |
		grep -c '^lifeboat: ')" = 1 ]
	kib=$(tail -n 1 "$BATS_TEST_TMPDIR/rss")
	echo "# peak RSS $kib KiB (at most $max)" >&3
	[ "$kib" -le "$max" ] || fail "peak RSS $kib KiB is more than $max KiB"
}

# s3conf MODE: a configuration with an S3 store on the hostile server
s3conf() {
	printf '[store "s3"]\nurl = s3://bkt/\nendpoint = http://127.0.0.1:%s/%s\npath_style = yes\nregion = us-east-1\n' \
		"$PORT" "$1" > "$BATS_TEST_TMPDIR/s3.conf"
	export AWS_ACCESS_KEY_ID=AKIDHOSTILE AWS_SECRET_ACCESS_KEY=hostilesecret \
		AWS_SESSION_TOKEN=TOKENHOSTILE
}

# netrcconf PATH: an HTTP store with basic auth at PATH of the server
netrcconf() {
	printf '[store "h"]\nurl = http://127.0.0.1:%s/%s\nnetrc = %s\n' "$PORT" "$1" \
		"$BATS_TEST_TMPDIR/netrc" > "$BATS_TEST_TMPDIR/h.conf"
}

# reached_other: requests that reached the other server
reached_other() {
	jq -c --argjson p "$OTHER" 'select(.port == $p)' "$REQUESTS"
}

@test "the server behaves on /ok/: the restore works (the cases below are the server's doing)" {
	run -0 "$LIFEBOAT" -q restore --store "http://127.0.0.1:$PORT/ok/" --dest "$DEST"
	cmp "$BATS_FILE_TMPDIR/src/vol/_data/f" "$DEST/vol/_data/f"
}

@test "an endless listing: refused at 16 MiB, exit 5, memory bounded" {
	hostile 5 40960 restore --store "http://127.0.0.1:$PORT/endless/" --dest "$DEST"
	assert_equal "$last" "lifeboat: store 'http://127.0.0.1:$PORT/endless/': 'http://127.0.0.1:$PORT/endless/' is larger than 16777216 bytes"
	only_lifeboat "$DEST"
}

@test "a listing of 10^6 entries: refused at 16 MiB, exit 5, memory bounded" {
	hostile 5 40960 restore --store "http://127.0.0.1:$PORT/many/" --dest "$DEST"
	[[ "$last" == *"'http://127.0.0.1:$PORT/many/' is larger than 16777216 bytes" ]]
}

@test "an archive whose body never ends: rejected past its listed size, exit 3" {
	local size
	size=$(stat -c %s "$BATS_FILE_TMPDIR/root/backup-2026-11-20T03-00-00.tar.gz")
	hostile 3 32768 restore --store "http://127.0.0.1:$PORT/endless-file/" --dest "$DEST"
	[[ "$last" == *"the store sent more than the $size bytes it listed"* ]]
	only_lifeboat "$DEST"
	no_staging "$DEST"
}

@test "an archive of unknown size whose body never ends: rejected 16 MiB past its data, exit 3" {
	hostile 3 32768 restore --store "http://127.0.0.1:$PORT/endless-html/" --dest "$DEST"
	[[ "$last" == *"more than 16 MiB after the end of the archive's data"* ]]
	only_lifeboat "$DEST"
	no_staging "$DEST"
}

@test "a slow-loris archive (1 byte a second): given up after LIFEBOAT_STALL_TIMEOUT, exit 5" {
	LIFEBOAT_STALL_TIMEOUT=2 hostile 5 32768 restore \
		--store "http://127.0.0.1:$PORT/slow/" --dest "$DEST"
	[[ "$last" == *"Operation too slow. Less than 1024 bytes/sec transferred the last 2 seconds"* ]]
	no_staging "$DEST"
}

@test "a redirect loop: stopped after 5, exit 5, with and without credentials" {
	hostile 5 32768 restore --store "http://127.0.0.1:$PORT/loop/" --dest "$DEST"
	[[ "$last" == *"Maximum (5) redirects followed"* ]]
	netrcconf loop/
	hostile 5 32768 -c "$BATS_TEST_TMPDIR/h.conf" restore --dest "$DEST"
	assert_equal "$last" "lifeboat: store 'h': 'http://127.0.0.1:$PORT/loop/': more than 5 redirects"
	no_secret s3cret
}

@test "a redirect to another server with netrc credentials: not followed, exit 5, the password never sent there" {
	: > "$REQUESTS"
	netrcconf away/
	hostile 5 32768 -c "$BATS_TEST_TMPDIR/h.conf" restore --dest "$DEST"
	assert_equal "$last" "lifeboat: store 'h': 'http://127.0.0.1:$PORT/away/' redirects to another server ('http://127.0.0.1:$OTHER/away/'): not followed with the store's credentials"
	# the store itself got them; the other server nothing
	jq -e --argjson p "$PORT" 'select(.port == $p) | .headers.Authorization == "Basic YmFja3VwOnMzY3JldA=="' "$REQUESTS"
	assert_equal "$(reached_other)" ""
	no_secret s3cret
}

@test "a redirect on the same server with netrc credentials: followed, listing and archive" {
	: > "$REQUESTS"
	netrcconf moved/
	run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/h.conf" restore --dest "$DEST"
	cmp "$BATS_FILE_TMPDIR/src/vol/_data/f" "$DEST/vol/_data/f"
	jq -e 'select(.path == "/ok/backup-2026-11-20T03-00-00.tar.gz") |
		.headers.Authorization == "Basic YmFja3VwOnMzY3JldA=="' "$REQUESTS"
	no_secret s3cret
	! grep -q s3cret "$LIFEBOAT_HISTORY"
}

@test "a redirect to another server without credentials: followed (nothing to leak), its 404 an error" {
	: > "$REQUESTS"
	hostile 5 32768 restore --store "http://127.0.0.1:$PORT/away/" --dest "$DEST"
	assert_equal "$last" "lifeboat: store 'http://127.0.0.1:$PORT/away/': HTTP 404 for its listing"
	reached_other | jq -e '.headers | has("Authorization") | not'
}

@test "S3: a 307 to another server: not followed, exit 5, neither signature nor session token sent there" {
	: > "$REQUESTS"
	s3conf s3away
	hostile 5 32768 -c "$BATS_TEST_TMPDIR/s3.conf" restore --dest "$DEST"
	assert_equal "$last" "lifeboat: store 's3': HTTP 307"
	jq -e --argjson p "$PORT" 'select(.port == $p) | .headers["x-amz-security-token"] == "TOKENHOSTILE"' "$REQUESTS"
	assert_equal "$(reached_other)" ""
}

@test "S3: a listing with a 10 MB <Key> element: refused at 8 MiB, exit 5, memory bounded" {
	s3conf s3big
	hostile 5 40960 -c "$BATS_TEST_TMPDIR/s3.conf" restore --dest "$DEST"
	[[ "$last" == "lifeboat: store 's3': "*"is larger than 8388608 bytes" ]]
}

@test "S3: truncated listing pages that never end: refused past 200000 objects, exit 5, memory bounded" {
	s3conf s3endless
	hostile 5 65536 -c "$BATS_TEST_TMPDIR/s3.conf" restore --dest "$DEST"
	assert_equal "$last" "lifeboat: store 's3': the listing goes on past 201000 objects in 201 pages"
}

@test "a Content-Length 1000 bytes longer than the body: given up, exit 5, nothing restored" {
	hostile 5 32768 restore --store "http://127.0.0.1:$PORT/lie-long/" --dest "$DEST"
	[[ "$last" == "lifeboat: no backup could be downloaded: "*"1000 bytes missing" ]]
	only_lifeboat "$DEST"
	no_staging "$DEST"
}

@test "a Content-Length half the body: truncated, rejected, exit 3, nothing restored" {
	hostile 3 32768 restore --store "http://127.0.0.1:$PORT/lie-short/" --dest "$DEST"
	[[ "$last" == *"read "*" bytes, the store listed "* ]]
	only_lifeboat "$DEST"
	no_staging "$DEST"
}
