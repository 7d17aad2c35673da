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
	local d=$BATS_FILE_TMPDIR
	mkdir -p "$d/root" "$d/mroot" "$d/src/vol/_data"
	openssl rand -out "$d/src/vol/_data/f" 300000
	tar --numeric-owner -C "$d/src" -czf \
		"$d/root/backup-2026-11-20T03-00-00.tar.gz" .
	sidecar "$d/root/backup-2026-11-20T03-00-00.tar.gz"
	# and a store of lifeboat backup's: archive, manifest, sidecar
	printf '[backup]\ndocker_socket = %s/none.sock\n' "$d" > "$d/backup.conf"
	LIFEBOAT_TEST_NOW=1796353200 "$LIFEBOAT" -q -c "$d/backup.conf" backup \
		--source "$d/src" --store "$d/mroot"
	serve root "$d/ports"
	serve mroot "$d/mports"
}

# serve ROOT PORTFILE: a hostile-http on $BATS_FILE_TMPDIR/ROOT
serve() {
	local d=$BATS_FILE_TMPDIR i
	"$TOP/tests/helpers/hostile-http" "$d/$1" "$2" "$d/requests.log" \
		< /dev/null > "$d/$1.log" 2>&1 3>&- &
	echo $! > "$d/$1.pid"
	for ((i = 0; i < 200; i++)); do
		[ -s "$2" ] && break
		sleep 0.05
	done
	[ -s "$2" ] || { cat "$d/$1.log" >&2; return 1; }
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/root.pid")" "$(cat "$BATS_FILE_TMPDIR/mroot.pid")"
}

setup() {
	load ../helpers/common
	read -r PORT OTHER < "$BATS_FILE_TMPDIR/ports"
	read -r MPORT _ < "$BATS_FILE_TMPDIR/mports"
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
	[ "$status" != 124 ] || fail "still reading after 60 s"
	[[ "$last" == "lifeboat: "* && "$last" != *warning:* ]]
	# no error line before it (progress and warnings only)
	[ "$(grep -v -e ': warning: ' -e "^lifeboat: restoring '" \
		-e "^lifeboat: verifying '" -e '%)' <<< "$stderr" |
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

@test "verify of an archive of unknown size (chunked, HTML listing) whose body never ends: stopped at LIFEBOAT_MAX_UNLISTED, exit 3" {
	LIFEBOAT_MAX_UNLISTED=8M hostile 3 32768 verify \
		--store "http://127.0.0.1:$PORT/endless-html/"
	assert_equal "$last" "lifeboat: no valid backup: 1 candidate rejected (newest: 'backup-2026-11-20T03-00-00.tar.gz': the store gave no size and sent more than 8388608 bytes (LIFEBOAT_MAX_UNLISTED))"
	# decoded, the zeros after its end stop it (16 MiB, under the
	# default cap); a decode that never ends (empty gzip members) does
	# not
	hostile 3 32768 verify --deep --store "http://127.0.0.1:$PORT/endless-html/"
	[[ "$last" == *"more than 16 MiB after the end of the archive's data"* ]]
	LIFEBOAT_MAX_UNLISTED=8M hostile 3 32768 verify --deep \
		--store "http://127.0.0.1:$PORT/endless-gz-html/"
	[[ "$last" == *"the store gave no size and sent more than 8388608 bytes (LIFEBOAT_MAX_UNLISTED))" ]]
	# a Content-Length is held to by libcurl: no cap then
	run -0 "$LIFEBOAT" -q verify --store "http://127.0.0.1:$PORT/ok-html/"
	LIFEBOAT_MAX_UNLISTED=100K run -0 "$LIFEBOAT" -q verify --deep \
		--store "http://127.0.0.1:$PORT/ok-html/"
	LIFEBOAT_MAX_UNLISTED=lots run -2 "$LIFEBOAT" verify --store "http://127.0.0.1:$PORT/ok-html/"
	assert_output "lifeboat: LIFEBOAT_MAX_UNLISTED 'lots': not a size (bytes, or with K, M or G)"
}

@test "verify and restore of a lifeboat backup of unknown size whose body never ends: stopped at its manifest's size, exit 3" {
	local size
	size=$(jq .size "$BATS_FILE_TMPDIR"/mroot/*.manifest.json)
	hostile 3 32768 verify --store "http://127.0.0.1:$MPORT/endless-html/"
	[[ "$last" == *"the store sent more than the $size bytes its manifest lists"* ]]
	hostile 3 32768 restore --store "http://127.0.0.1:$MPORT/endless-gz-html/" --dest "$DEST"
	[[ "$last" == *"the store sent more than the $size bytes its manifest lists"* ]]
	only_lifeboat "$DEST"
	no_staging "$DEST"
	# as it should be, it is restored: this server ignores Range, so
	# the segmented archive comes in one stream
	run -0 --separate-stderr "$LIFEBOAT" restore --store "http://127.0.0.1:$MPORT/ok-html/" --dest "$DEST"
	[[ "$stderr" == *"does not honour Range requests"*": restored in one stream"* ]]
	cmp "$BATS_FILE_TMPDIR/src/vol/_data/f" "$DEST/vol/_data/f"
}

@test "restore of an archive of unknown size that decodes to nothing without end: stopped at the staging filesystem's free space, exit 3" {
	local small=$BATS_TEST_TMPDIR/small free
	mkdir "$small"
	mount -t tmpfs -o size=8m lifeboat-test "$small"
	hostile 3 32768 restore --store "http://127.0.0.1:$PORT/endless-gz-html/" \
		--dest "$small/dest" || { umount "$small"; false; }
	free=$(sed -n 's/.*sent more than \([0-9]*\) bytes (the staging filesystem.s free space).*/\1/p' <<< "$last")
	only_lifeboat "$small/dest" && no_staging "$small/dest" || { umount "$small"; false; }
	umount "$small"
	# about the 8 MiB of the tmpfs, less what the restore keeps there
	[ -n "$free" ] && (( free > 7 << 20 && free <= 8 << 20 ))
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
