#!/usr/bin/env bats
# HTTP(S) stores against the nginx test server on 127.0.0.1: HTML and JSON
# directory listings, an Apache autoindex page and a hand-written page of
# links (static index.html files that nginx serves for their directory), the
# URL of one archive, basic auth from a netrc file,
# TLS (test CA, TLS 1.3 only, an IP-address certificate, a wrong CA,
# insecure), resumed transfers through cutproxy (cuts, 503s, giving up, a
# server that ignores Range), the fallback across several stores, and the
# memory bound (peak RSS of a 208 MiB restore). Needs root (mktree, owners,
# xattrs).

OLD=backup-2026-11-20T03-00-00.tar.gz
NEW=backup-2026-11-21T03-00-00.tar.gz

# pack DIR OUT: archive DIR's contents as a nightly backup job does.
pack() {
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner \
		-C "$1" -czpf "$2" .
}

# one_line_errors: every line of $stderr is a message of its own
# ("lifeboat: ..."), none is the tail of the one before.
one_line_errors() {
	local l
	while IFS= read -r l; do
		if [[ "$l" != "lifeboat: "* ]]; then
			printf 'a stderr line that is not a message: "%s"\nstderr:\n%s\n' "$l" "$stderr" >&2
			return 1
		fi
	done <<< "$stderr"
}

# conf FILE URL [LINE]...: a configuration with the one store "web".
conf() {
	local f=$1 url=$2
	shift 2
	{
		printf '[store "web"]\nurl = %s\n' "$url"
		[ $# -eq 0 ] || printf '%s\n' "$@"
	} > "$f"
}

# archive_conn PATH: restore http://127.0.0.1:PORT/PATH through a cutproxy
# that cuts nothing and print the number of the connection that carried the
# archive (the first with more than 1 MB), so that the cut tests arm exactly
# the connections they mean to, however many small requests come first.
archive_conn() {
	cutproxy_start probe --target "127.0.0.1:$HTTP_PORT" --mode pass
	"$LIFEBOAT" -q restore --store "http://127.0.0.1:$CUT_PORT/$1" \
		--dest "$BATS_TEST_TMPDIR/probe" > /dev/null 2>&1 || {
		echo "archive_conn: the probe restore through the proxy failed" >&2
		return 1
	}
	probe_carrier
}

# log_count SINCE REGEX: how many lines of nginx's access log after line
# SINCE match REGEX; waits up to 2 s for nginx to log requests that the client
# has just closed.
log_count() {
	local since=$1 re=$2 i n last=-1
	for ((i = 0; i < 20; i++)); do
		n=$(tail -n +$((since + 1)) "$BATS_FILE_TMPDIR/nginx/access.log" | grep -c -- "$re")
		[ "$n" = "$last" ] && [ "$n" -gt 0 ] && break
		last=$n
		sleep 0.1
	done
	echo "$n"
}

log_lines() {
	wc -l < "$BATS_FILE_TMPDIR/nginx/access.log"
}

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR
	"$TOP/tests/helpers/mktree" "$d/src0" --profile demo
	"$TOP/tests/helpers/mktree" "$d/src1" --profile demo --mutate 1
	# www/a: OLD (src0); www/b: NEW (src1); www/dmg: OLD's name and sidecar
	# over other bytes (src1's archive, which decodes fine: only the digest
	# tells them apart, and restoring them would show as src1)
	mkdir -p "$d/www/a" "$d/www/b" "$d/www/dmg"
	pack "$d/src0" "$d/www/a/$OLD"
	sidecar "$d/www/a/$OLD"
	pack "$d/src1" "$d/www/b/$NEW"
	sidecar "$d/www/b/$NEW"
	cp "$d/www/b/$NEW" "$d/www/dmg/$OLD"
	cp "$d/www/a/$OLD.sha256" "$d/www/dmg/"
	"$TOP/tests/helpers/nginx-store" start "$d/nginx" "$d/www"
}

teardown_file() {
	load ../helpers/common
	"$TOP/tests/helpers/nginx-store" stop "$BATS_FILE_TMPDIR/nginx"
}

setup() {
	load ../helpers/common
	HELPERS=$TOP/tests/helpers
	TREECMP=$HELPERS/treecmp
	SRC0=$BATS_FILE_TMPDIR/src0
	SRC1=$BATS_FILE_TMPDIR/src1
	WWW=$BATS_FILE_TMPDIR/www
	DEST=$BATS_TEST_TMPDIR/dest
	CONF=$BATS_TEST_TMPDIR/lifeboat.conf
	. "$BATS_FILE_TMPDIR/nginx/ports.env"
	# nothing from the host's home (~/.netrc, ~/.aws) and quick retries
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	export LIFEBOAT_RETRY_MS=50
	unset LIFEBOAT_RETRIES
}

teardown() {
	show_last_run
	local f
	for f in "$BATS_TEST_TMPDIR"/*.cutpid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2> /dev/null
	done
	# the memory test's 208 MiB archive, the listing tests' directories
	rm -rf "$WWW/big" "$WWW/apache" "$WWW/links"
	return 0
}

# --- listings ---------------------------------------------------------------

@test "HTML autoindex listing: list, then a bit-exact restore" {
	local url=http://127.0.0.1:$HTTP_PORT/html/a/
	run -0 --separate-stderr "$LIFEBOAT" list --store "$url"
	assert_line --index 0 --regexp '^NAME +TIME +SIZE +STATUS +STORE$'
	assert_line --index 1 --regexp "^$OLD +2026-11-20T03:00:00Z .* ok +$url\$"
	assert_equal "${#lines[@]}" 2
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$url" --dest "$DEST"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	assert_equal "$(jq -r .archive.store <<< "$output")" "$url"
	assert_equal "$(jq -r .archive.sha256 <<< "$output")" \
		"$(sha256sum < "$WWW/a/$OLD" | cut -d' ' -f1)"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

@test "HTML autoindex listing: the report gives the archive's size once it is downloaded" {
	# a page of links tells no size: list says null, not a number
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "http://127.0.0.1:$HTTP_PORT/html/a/"
	jq -e '.[0].size == null' <<< "$output"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --dry-run \
		--store "http://127.0.0.1:$HTTP_PORT/html/a/" --dest "$DEST"
	assert_equal "$(jq -r .archive.size <<< "$output")" "$(stat -c %s "$WWW/a/$OLD")"
}

@test "JSON autoindex listing: sizes from the listing; the --json report and its file" {
	local url=http://127.0.0.1:$HTTP_PORT/json/a/ id
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "$url"
	assert_equal "$(jq -r '.[] | [.name, .time, .size, .status, .store] | join(" ")' <<< "$output")" \
		"$OLD 2026-11-20T03:00:00Z $(stat -c %s "$WWW/a/$OLD") ok $url"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$url" --dest "$DEST"
	assert_equal "${#lines[@]}" 1
	jq -e '.result == "ok" and .mode == "restore" and .dry_run == false' <<< "$output"
	jq -e 'has("error") | not' <<< "$output"
	assert_equal "$(jq -r .dest <<< "$output")" "$DEST"
	id=$(jq -r .restore_id <<< "$output")
	[[ "$id" =~ ^[0-9]{8}T[0-9]{6}\.[0-9]{6}Z-[0-9a-f]{4}$ ]]
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	assert_equal "$(jq -r .archive.store <<< "$output")" "$url"
	assert_equal "$(jq -r .archive.size <<< "$output")" "$(stat -c %s "$WWW/a/$OLD")"
	assert_equal "$(jq -r .archive.sha256 <<< "$output")" \
		"$(sha256sum < "$WWW/a/$OLD" | cut -d' ' -f1)"
	assert_equal "$(jq -r .archive.verified <<< "$output")" true
	assert_equal "$(jq -r .archive.time <<< "$output")" 2026-11-20T03:00:00Z
	assert_equal "$(jq -r .layout <<< "$output")" docker
	assert_equal "$(jq -c .rejected <<< "$output")" "[]"
	assert_equal "$(jq -r '[.volumes[].name] | sort | join(" ")' <<< "$output")" \
		"dockerwarts_cassandra dockerwarts_elasticsearch dockerwarts_glpi dockerwarts_grafana dockerwarts_mariadb metadata.db"
	jq -e '.timings | (.select|type) == "number" and (.transfer|type) == "number" and
		(.commit|type) == "number" and (.total|type) == "number"' <<< "$output"
	[ -f "$DEST.lifeboat/report-$id.json" ]
	assert_equal "$(jq -S 'del(.archive.age_seconds)' "$DEST.lifeboat/report-$id.json")" \
		"$(jq -S 'del(.archive.age_seconds)' <<< "$output")"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "the URL of one archive: its .sha256 beside it verifies it" {
	local url=http://127.0.0.1:$HTTP_PORT/files/a/$OLD
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "$url"
	assert_equal "$(jq -r '.[] | [.name, .status] | join(" ")' <<< "$output")" "$OLD ok"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$url" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	assert_equal "$(jq -r .archive.verified <<< "$output")" true
	[ "$(log_count 0 "\"GET /files/a/$OLD.sha256 HTTP/1.1\" 200")" -ge 1 ]
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

# apache_row NAME [TEXT]: one row of Apache 2.4's FancyIndexing table, the
# name cut at 23 characters in the text as Apache does; a NAME ending in '/'
# is a directory.
apache_row() {
	local name=$1 href icon=compressed.gif alt='[   ]' text size=2.1M
	href=${name// /%20}
	text=$name
	[ "${#text}" -le 23 ] || text="${text:0:20}..&gt;"
	case $name in
	*/) icon=folder.gif alt='[DIR]' size='  - ' ;;
	*.sha256 | *.txt) icon=text.gif alt='[TXT]' size=100 ;;
	esac
	printf '<tr><td valign="top"><img src="/icons/%s" alt="%s"></td><td><a href="%s">%s</a></td><td align="right">2026-11-30 14:23  </td><td align="right">%s</td><td>&nbsp;</td></tr>\n' \
		"$icon" "$alt" "$href" "$text" "$size"
}

@test "an Apache autoindex page: list --json, then the newest restored bit-exact" {
	local dir=$WWW/apache url=http://127.0.0.1:$HTTP_PORT/files/apache/ odd='a+b c=d-2026-11-22T03-00-00.tar.gz'
	mkdir -p "$dir/older"
	ln "$WWW/a/$OLD" "$WWW/a/$OLD.sha256" "$WWW/b/$NEW" "$WWW/b/$NEW.sha256" "$dir/"
	ln "$WWW/b/$NEW" "$dir/$odd"
	sidecar "$dir/$odd"
	echo notes > "$dir/README.txt"
	# as mod_autoindex writes it (IndexOptions FancyIndexing HTMLTable):
	# sort links that are only a query, the parent directory as an absolute
	# path, names cut short in the text, a space as %20
	{
		cat <<-EOF
			<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">
			<html>
			 <head>
			  <title>Index of /files/apache</title>
			 </head>
			 <body>
			<h1>Index of /files/apache</h1>
			  <table>
			   <tr><th valign="top"><img src="/icons/blank.gif" alt="[ICO]"></th><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a href="?C=S;O=A">Size</a></th><th><a href="?C=D;O=A">Description</a></th></tr>
			   <tr><th colspan="5"><hr></th></tr>
			<tr><td valign="top"><img src="/icons/back.gif" alt="[PARENTDIR]"></td><td><a href="/files/">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td><td>&nbsp;</td></tr>
		EOF
		apache_row README.txt
		apache_row "$odd"
		apache_row "$odd.sha256"
		apache_row "$OLD"
		apache_row "$OLD.sha256"
		apache_row "$NEW"
		apache_row "$NEW.sha256"
		apache_row older/
		cat <<-EOF
			   <tr><th colspan="5"><hr></th></tr>
			</table>
			<address>Apache/2.4.62 (Debian) Server at 127.0.0.1 Port $HTTP_PORT</address>
			</body></html>
		EOF
	} > "$dir/index.html"
	# nginx serves the page for the directory's URL
	curl -sSf "$url" | grep -q 'a+b%20c=d-2026-11-22'
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "$url"
	assert_equal "$(jq -r '.[] | [.name, .time, .status, .store] | join("|")' <<< "$output")" \
"$odd|2026-11-22T03:00:00Z|ok|$url
$NEW|2026-11-21T03:00:00Z|ok|$url
$OLD|2026-11-20T03:00:00Z|ok|$url"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$url" --dest "$DEST"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$odd"
	assert_equal "$(jq -r .archive.sha256 <<< "$output")" \
		"$(sha256sum < "$dir/$odd" | cut -d' ' -f1)"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

@test "a page of links: relative, absolute-path, full and scheme-relative URLs, queries, fragments; the rest ignored" {
	local dir=$WWW/links url=http://127.0.0.1:$HTTP_PORT/files/links/ mid=backup-2026-11-19T03-00-00.tar.gz
	local origin=http://127.0.0.1:$HTTP_PORT
	mkdir -p "$dir"
	ln "$WWW/a/$OLD" "$WWW/a/$OLD.sha256" "$WWW/b/$NEW" "$WWW/b/$NEW.sha256" "$dir/"
	ln "$WWW/a/$OLD" "$dir/$mid"
	sidecar "$dir/$mid"
	# the archives linked below that are not files of this directory are
	# all newer than the three that are: the listing would show any of them
	cat > "$dir/index.html" <<-EOF
		<!doctype html>
		<html lang="en"><head><meta charset="utf-8"><title>dockerwarts backups</title>
		<link rel="stylesheet" href="/static/site.css"><link rel="icon" href="favicon.ico">
		</head><body>
		<nav><a href="../">up</a> | <a href="/">home</a> | <a href="?sort=time&amp;order=desc">newest first</a> | <a href="#latest">latest</a></nav>
		<h1>Nightly backups</h1>
		<ul>
		<li id="latest"><a class="dl" href="$origin/files/links/$NEW?download=1">21 November</a>
		 (<a href='$NEW.sha256?raw'>sha256</a>)
		<li><A HREF="/files/links/$OLD">20 November</A> (<a href="$origin/files/links/$OLD.sha256">sha256</a>)
		<li><a href = "./$mid#top" title="19 November">19 November</a> (<a href=//127.0.0.1:$HTTP_PORT/files/links/$mid.sha256>sha256</a>)
		<li><a href="notes.txt">notes</a>, <a href="mailto:ops@example.org">write to us</a>
		<li><a href="older/">older</a>: <a href="older/backup-2026-12-01T03-00-00.tar.gz">a subdirectory's</a>,
		 <a href="../backup-2026-12-02T03-00-00.tar.gz">the parent's</a>,
		 <a href="/files/backup-2026-12-03T03-00-00.tar.gz">another directory's</a>,
		 <a href="http://localhost:$HTTP_PORT/files/links/backup-2026-12-04T03-00-00.tar.gz">another host's</a>,
		 <a href="//localhost:$HTTP_PORT/files/links/backup-2026-12-05T03-00-00.tar.gz">another host's</a>,
		 <a href="https://127.0.0.1:$HTTP_PORT/files/links/backup-2026-12-06T03-00-00.tar.gz">another scheme's</a>
		</ul></body></html>
	EOF
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "$url"
	assert_equal "$(jq -r '.[] | [.name, .time, .status] | join("|")' <<< "$output")" \
"$NEW|2026-11-21T03:00:00Z|ok
$OLD|2026-11-20T03:00:00Z|ok
$mid|2026-11-19T03:00:00Z|ok"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$url" --dest "$DEST"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	# and an older one by name, linked by its absolute path
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$url" --dest "$BATS_TEST_TMPDIR/d2" "$OLD"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	run -0 "$TREECMP" diff "$SRC0" "$BATS_TEST_TMPDIR/d2" --ignore '.lifeboat*'
}

# --- basic auth --------------------------------------------------------------

@test "credentials in the URL are refused: exit 2, and the password is not echoed" {
	local url=http://backup:s3cret@127.0.0.1:$AUTH_PORT/auth/a/
	run -2 --separate-stderr "$LIFEBOAT" list --store "$url"
	[[ "$stderr" == *netrc* ]]
	no_secret s3cret
	run -2 --separate-stderr "$LIFEBOAT" --json restore --store "$url" --dest "$DEST"
	no_secret s3cret
	[ ! -e "$DEST/dockerwarts_grafana" ]
}

@test "basic auth from netrc: restores; none or a wrong password: unreachable, exit 5" {
	local url=http://127.0.0.1:$AUTH_PORT/auth/a/
	printf 'machine 127.0.0.1 login backup password s3cret\n' > "$BATS_TEST_TMPDIR/netrc"
	printf 'machine 127.0.0.1 login backup password wr0ng-pw-Zq9\n' > "$BATS_TEST_TMPDIR/netrc.bad"
	conf "$CONF" "$url" "netrc = $BATS_TEST_TMPDIR/netrc"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	no_secret s3cret
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	# without credentials, and with the wrong password
	run -5 --separate-stderr "$LIFEBOAT" list --store "$url"
	[[ "$stderr" == *401* ]]
	conf "$CONF" "$url" "netrc = $BATS_TEST_TMPDIR/netrc.bad"
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" restore --dest "$BATS_TEST_TMPDIR/d2"
	[[ "$stderr" == *401* ]]
	no_secret wr0ng-pw-Zq9
}

@test "-v and -vv: the netrc password is in no output, plain or as basic auth's base64" {
	local url=http://127.0.0.1:$AUTH_PORT/auth/a/ v b64 bad64
	b64=$(printf 'backup:s3cret' | base64)
	bad64=$(printf 'backup:wr0ng-pw-Zq9' | base64)
	printf 'machine 127.0.0.1 login backup password s3cret\n' > "$BATS_TEST_TMPDIR/netrc"
	printf 'machine 127.0.0.1 login backup password wr0ng-pw-Zq9\n' > "$BATS_TEST_TMPDIR/netrc.bad"
	for v in -v -vv; do
		DEST=$BATS_TEST_TMPDIR/dest$v
		conf "$CONF" "$url" "netrc = $BATS_TEST_TMPDIR/netrc"
		run -0 --separate-stderr "$LIFEBOAT" $v -c "$CONF" --json restore --dest "$DEST"
		jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
		no_secret s3cret
		no_secret "$b64"
		run -0 --separate-stderr "$LIFEBOAT" $v -c "$CONF" list
		assert_line --index 1 --partial "$OLD"
		no_secret s3cret
		no_secret "$b64"
		# refused: 401 and the store's name, not the password
		conf "$CONF" "$url" "netrc = $BATS_TEST_TMPDIR/netrc.bad"
		run -5 --separate-stderr "$LIFEBOAT" $v -c "$CONF" --json restore --dest "$DEST.bad"
		[[ "$stderr" == *401* ]]
		no_secret wr0ng-pw-Zq9
		no_secret "$bad64"
		# in the URL: refused before any request, not echoed
		run -2 --separate-stderr "$LIFEBOAT" $v list \
			--store "http://backup:s3cret@127.0.0.1:$AUTH_PORT/auth/a/"
		no_secret s3cret
	done
}

# --- TLS ---------------------------------------------------------------------

@test "HTTPS with ca_file: a bit-exact restore" {
	conf "$CONF" "https://localhost:$HTTPS_PORT/json/a/" "ca_file = $CA_PEM"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	[[ "$stderr" != *insecure* && "$stderr" != *"NOT verified"* ]]
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "HTTPS on a TLS 1.3-only server" {
	local since
	since=$(log_lines)
	conf "$CONF" "https://localhost:$TLS13_PORT/json/a/" "ca_file = $CA_PEM"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dry-run --dest "$DEST"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	assert_equal "$(log_count "$since" ":$TLS13_PORT \"GET /json/a/$OLD HTTP/1.1\" 200 .* tls=TLSv1.3")" 1
}

@test "HTTPS to an IP address: the IP-only certificate verifies for https://127.0.0.1" {
	conf "$CONF" "https://127.0.0.1:$IPCERT_PORT/json/a/" "ca_file = $CA_PEM"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dry-run --dest "$DEST"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	# the same certificate does not name localhost
	conf "$CONF" "https://localhost:$IPCERT_PORT/json/a/" "ca_file = $CA_PEM"
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" list
}

@test "HTTPS with the wrong CA, or the system bundle: unreachable, exit 5" {
	conf "$CONF" "https://localhost:$HTTPS_PORT/json/a/" "ca_file = $OTHER_CA_PEM"
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "$stderr" == *"store 'web'"* ]]
	[[ "$output" != *"$OLD"* ]]
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" restore --dest "$DEST"
	only_lifeboat "$DEST"
	# no ca_file: the system bundle does not know the test CA
	run -5 --separate-stderr "$LIFEBOAT" list --store "https://localhost:$HTTPS_PORT/json/a/"
}

@test "TLS failures: one line per error, none left with a trailing newline" {
	conf "$CONF" "https://localhost:$HTTPS_PORT/json/a/" "ca_file = $OTHER_CA_PEM"
	printf '[store "dead"]\nurl = http://127.0.0.1:1/\n' >> "$CONF"
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "$stderr" == *"'web'"*"'dead'"* ]]
	one_line_errors
	run -5 --separate-stderr "$LIFEBOAT" -c "$CONF" restore --dest "$DEST"
	[[ "$stderr" == *"'web'"* ]]
	one_line_errors
}

@test "insecure = yes: the wrong CA is accepted, with a warning on every run" {
	conf "$CONF" "https://localhost:$HTTPS_PORT/json/a/" "ca_file = $OTHER_CA_PEM" "insecure = yes"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	assert_line --index 1 --partial "$OLD"
	[[ "$stderr" == *"warning: "*"'web'"*"NOT verified"* ]]
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$DEST"
	[[ "$stderr" == *"warning: "*"'web'"*"NOT verified"* ]]
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

# --- resume ------------------------------------------------------------------

@test "resume: a transfer cut three times mid-body resumes at the exact byte, bit-exact" {
	local n since
	n=$(archive_conn json/a/)
	since=$(log_lines)
	# cut the archive's connection and the next two after 400000 bytes
	cutproxy_start cut --target "127.0.0.1:$HTTP_PORT" --mode cut --cut-after 400000 \
		--cuts $((n + 2))
	run -0 --separate-stderr "$LIFEBOAT" --json restore \
		--store "http://127.0.0.1:$CUT_PORT/json/a/" --dest "$DEST"
	assert_equal "$(grep -c 'cut after 400000 bytes to the client' "$BATS_TEST_TMPDIR/cut.log")" 3
	assert_equal "$(grep -c 'resuming at byte [0-9]' <<< "$stderr")" 3
	# each resume asks for the byte where the last one stopped
	assert_equal "$(log_count "$since" "\"GET /json/a/$OLD HTTP/1.1\" 206 .* range=\"bytes=[1-9][0-9]*-\"")" 3
	assert_equal "$(sed -n 's/.*resuming at byte \([0-9]*\).*/\1/p' <<< "$stderr" | tr '\n' ' ')" \
		"$(tail -n +$((since + 1)) "$BATS_FILE_TMPDIR/nginx/access.log" |
			sed -n "s|.*\"GET /json/a/$OLD HTTP/1.1\" 206 .* range=\"bytes=\([0-9]*\)-\".*|\1|p" | tr '\n' ' ')"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	assert_equal "$(jq -r .archive.sha256 <<< "$output")" \
		"$(sha256sum < "$WWW/a/$OLD" | cut -d' ' -f1)"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

@test "resume: two 503 answers are retried, then the restore succeeds" {
	cutproxy_start c503 --target "127.0.0.1:$HTTP_PORT" --mode 503 --count 2
	run -0 --separate-stderr "$LIFEBOAT" --json restore \
		--store "http://127.0.0.1:$CUT_PORT/json/a/" --dest "$DEST"
	assert_equal "$(grep -c 'answered 503' "$BATS_TEST_TMPDIR/c503.log")" 2
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "resume: more cuts than retries: giving up after 3 attempts, exit 5, nothing committed" {
	cutproxy_start cut --target "127.0.0.1:$HTTP_PORT" --mode cut --cut-after 400000 --cuts 10
	LIFEBOAT_RETRIES=2 run -5 --separate-stderr "$LIFEBOAT" --json restore \
		--store "http://127.0.0.1:$CUT_PORT/json/a/" --dest "$DEST"
	[[ "$stderr" == *"giving up"*"after 3 attempts"* ]]
	assert_equal "$(grep -c 'resuming at byte' <<< "$stderr")" 2
	jq -e '.result == "failed" and .archive == null' <<< "$output"
	[[ "$(jq -r .error <<< "$output")" == *"giving up"*"after 3 attempts"* ]]
	only_lifeboat "$DEST"
	no_staging "$DEST"
}

@test "resume: a server that ignores Range: the archive restarts from its first byte, bit-exact" {
	local n
	n=$(archive_conn "norange/a/$OLD")
	# cut only the first transfer of the archive; the restart goes through
	cutproxy_start cut --target "127.0.0.1:$HTTP_PORT" --mode cut --cut-after 400000 --cuts "$n"
	run -0 --separate-stderr "$LIFEBOAT" --json restore \
		--store "http://127.0.0.1:$CUT_PORT/norange/a/$OLD" --dest "$DEST"
	assert_equal "$(grep -c 'cut after 400000 bytes to the client' "$BATS_TEST_TMPDIR/cut.log")" 1
	[[ "$stderr" == *"does not honour Range"*"restarting '$OLD' from its first byte"* ]]
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

# --- several stores ----------------------------------------------------------

@test "fallback: the first store is unreachable, the second restores; list shows both" {
	cat > "$CONF" <<-EOF
		[store "dead"]
		url = http://127.0.0.1:1/
		[store "good"]
		url = http://127.0.0.1:$HTTP_PORT/json/a/
	EOF
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$DEST"
	assert_equal "$(jq -r .archive.store <<< "$output")" good
	[[ "$stderr" == *"'dead'"*"skipped"* ]]
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" list
	[[ "$stderr" == *"'dead'"* ]]
	assert_line --index 1 --regexp "^$OLD .* ok +good\$"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json list
	assert_equal "$(jq -r '.[] | select(.status == "unreachable") | .store' <<< "$output")" dead
	jq -e '.[] | select(.status == "unreachable") | (.reason | length) > 0' <<< "$output"
	assert_equal "$(jq -r '.[] | select(.status == "ok") | .store + " " + .name' <<< "$output")" \
		"good $OLD"
}

@test "the same archive on two stores: taken from the first listed" {
	cat > "$CONF" <<-EOF
		[store "one"]
		url = http://127.0.0.1:$HTTP_PORT/html/a/
		[store "two"]
		url = http://127.0.0.1:$HTTP_PORT/json/a/
	EOF
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dry-run --dest "$DEST"
	assert_equal "$(jq -r .archive.store <<< "$output")" one
	assert_equal "$(jq -c .rejected <<< "$output")" "[]"
}

@test "the same archive on two stores, the first copy damaged: rejected, the second restored" {
	cat > "$CONF" <<-EOF
		[store "damaged"]
		url = http://127.0.0.1:$HTTP_PORT/json/dmg/
		[store "good"]
		url = http://127.0.0.1:$HTTP_PORT/json/a/
	EOF
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$DEST"
	assert_equal "$(jq -r .archive.store <<< "$output")" good
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	assert_equal "$(jq -r '.rejected | length' <<< "$output")" 1
	assert_equal "$(jq -r '.rejected[0] | .store + " " + .name' <<< "$output")" "damaged $OLD"
	[[ "$(jq -r '.rejected[0].reason' <<< "$output")" == *"SHA-256 mismatch"* ]]
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

@test "the newest valid backup across stores wins, even on the second store" {
	cat > "$CONF" <<-EOF
		[store "older"]
		url = http://127.0.0.1:$HTTP_PORT/json/a/
		[store "newer"]
		url = http://127.0.0.1:$HTTP_PORT/html/b/
	EOF
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	assert_equal "$(jq -r .archive.store <<< "$output")" newer
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json list
	assert_equal "$(jq -r '[.[] | .name] | join(" ")' <<< "$output")" "$NEW $OLD"
}

# --- memory ------------------------------------------------------------------

@test "memory: a 208 MiB restore over HTTP peaks at most at 32 MiB of RSS" {
	local big=backup-2026-11-22T03-00-00.tar.zst src=$BATS_TEST_TMPDIR/bigsrc i kib
	[ -x /usr/bin/time ] || fail "GNU time (/usr/bin/time) is missing: scripts/bootstrap installs it"
	# four random files: zstd (level 3, a 2 MiB window) stores them about as
	# fast as it reads them, and the archive is as large as the data
	mkdir -p "$WWW/big" "$src/bigvol/_data"
	for i in 1 2 3 4; do
		head -c $((52 << 20)) /dev/urandom > "$src/bigvol/_data/f$i"
	done
	tar -C "$src" -cf - . | zstd -q -3 -T2 > "$WWW/big/$big"
	sidecar "$WWW/big/$big"
	[ "$(stat -c %s "$WWW/big/$big")" -ge $((200 << 20)) ]
	run -0 --separate-stderr /usr/bin/time -v -o "$BATS_TEST_TMPDIR/time.txt" \
		"$LIFEBOAT" --json restore --store "http://127.0.0.1:$HTTP_PORT/json/big/" --dest "$DEST"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$big"
	for i in 1 2 3 4; do
		cmp "$src/bigvol/_data/f$i" "$DEST/bigvol/_data/f$i"
	done
	kib=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): \([0-9][0-9]*\)$/\1/p' \
		"$BATS_TEST_TMPDIR/time.txt")
	[ -n "$kib" ] || fail "no maximum resident set size in GNU time's output"
	echo "# peak RSS of lifeboat restoring $(($(stat -c %s "$WWW/big/$big") >> 20)) MiB: $kib KiB" >&3
	[ "$kib" -le 32768 ] || fail "peak RSS $kib KiB is more than 32768 KiB"
}
