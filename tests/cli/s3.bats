#!/usr/bin/env bats
# S3 stores against s3rver behind the SigV4-verifying proxy on 127.0.0.1:
# credentials from the environment, the store's keys and the AWS shared
# files (~/.aws under a temporary HOME), a session token that the proxy
# demands signed, AWS_DEFAULT_REGION; ListObjectsV2 pagination past 1000 keys; '+', spaces and '=' in keys
# and prefixes (the curl SigV4 patch); a wrong secret; a server clock two
# hours off either way; a bucket in another region (400 or 301, for the
# listing or only for object reads); 503s and SlowDown retried; a resumed
# transfer through cutproxy; no credential in any output or report. Needs
# root (mktree, owners, xattrs).

OLD=backup-2026-11-20T03-00-00.tar.gz
NEW=backup-2026-11-21T03-00-00.tar.gz
ODD='a+b c=d-2026-11-22T03-00-00.tar.gz'
BUCKET=lifeboat
# s3-sigv4-proxy knows one key, S3RVER, whose secret is S3RVER too
KEY=S3RVER

pack() {
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner \
		-C "$1" -czpf "$2" .
}

# creds: the test key in the environment, as an operator would export it.
creds() {
	export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$KEY AWS_REGION=us-east-1 \
		AWS_ENDPOINT_URL=$S3_ENDPOINT
}

# archive_conn URL: restore URL through a cutproxy in front of the S3 proxy
# that cuts nothing and print the number of the connection that carried the
# archive (the first with more than 1 MB).
archive_conn() {
	cutproxy_start probe --target "127.0.0.1:$S3_PORT" --mode pass
	AWS_ENDPOINT_URL=http://127.0.0.1:$CUT_PORT "$LIFEBOAT" -q restore --store "$1" \
		--dest "$BATS_TEST_TMPDIR/probe" > /dev/null 2>&1 || {
		echo "archive_conn: the probe restore through the proxy failed" >&2
		return 1
	}
	probe_carrier
}

# skewproxy_start SECONDS: a second s3-sigv4-proxy in front of the same
# s3rver (the data was uploaded through the unskewed one) with its clock
# SECONDS off; sets SKEW_ENDPOINT. teardown stops it. S3PROXY_REGION,
# S3PROXY_REGION_ANSWER, S3PROXY_SCOPE, S3PROXY_SLOWDOWN and
# S3PROXY_SESSION_TOKEN in the caller's environment go to it (see
# s3-sigv4-proxy), and nothing else of the kind.
skewproxy_start() {
	local t=$BATS_TEST_TMPDIR i
	S3PROXY_REGION=${S3PROXY_REGION:-} S3PROXY_REGION_ANSWER=${S3PROXY_REGION_ANSWER:-} \
		S3PROXY_SCOPE=${S3PROXY_SCOPE:-} S3PROXY_SLOWDOWN=${S3PROXY_SLOWDOWN:-} \
		S3PROXY_SESSION_TOKEN=${S3PROXY_SESSION_TOKEN:-} \
		S3PROXY_SKEW_SECONDS=$1 spawn "$t/skew.log" "$t/skew.pid" \
		/usr/bin/python3 "$HELPERS/s3-sigv4-proxy" --upstream "127.0.0.1:$S3RVER_PORT" \
		--port-file "$t/skew.port"
	for ((i = 0; i < 250; i++)); do
		[ -s "$t/skew.port" ] && break
		sleep 0.02
	done
	"$HELPERS/ports" wait --timeout 5 --pid "$(cat "$t/skew.pid")" "$(cat "$t/skew.port")"
	SKEW_ENDPOINT=http://127.0.0.1:$(cat "$t/skew.port")
}

# proxy_count REGEX: how many of the second proxy's request lines match
proxy_count() {
	grep -c -- "$1" "$BATS_TEST_TMPDIR/skew.log" || true
}

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR h=$TOP/tests/helpers fill
	mkdir -p "$d/up/night+ly" "$d/up/many" "$d/up/odd+dir"
	"$h/s3-store" start "$d/s3"
	. "$d/s3/ports.env"
	# the bucket first (a quick signed PUT), so that the fill of 2,500
	# objects (about 20 s) and the uploads do not race to create it; the
	# fill goes on while the trees and archives are made
	curl -sSf -o /dev/null -X PUT --aws-sigv4 aws:amz:us-east-1:s3 -u "$KEY:$KEY" \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$S3_ENDPOINT/$BUCKET"
	"$h/s3-store" fill "$d/s3" "$BUCKET" many/0fill 2500 > "$d/fill.log" 2>&1 3>&- &
	fill=$!
	"$h/mktree" "$d/src0" --profile demo
	"$h/mktree" "$d/src1" --profile demo --mutate 1
	pack "$d/src0" "$d/up/night+ly/$OLD"
	sidecar "$d/up/night+ly/$OLD"
	# many/: the archive's keys sort after the 2,500 many/0fill-NNNNN
	pack "$d/src1" "$d/up/many/$NEW"
	sidecar "$d/up/many/$NEW"
	cp "$d/up/night+ly/$OLD" "$d/up/odd+dir/$ODD"
	sidecar "$d/up/odd+dir/$ODD"
	# one upload: night+ly/..., many/... and odd+dir/...
	"$h/s3-store" upload "$d/s3" "$BUCKET" "$d/up"
	if ! wait "$fill"; then
		cat "$d/fill.log" >&2
		return 1
	fi
}

teardown_file() {
	load ../helpers/common
	"$TOP/tests/helpers/s3-store" stop "$BATS_FILE_TMPDIR/s3"
}

setup() {
	load ../helpers/common
	HELPERS=$TOP/tests/helpers
	. "$HELPERS/servers.sh"
	TREECMP=$HELPERS/treecmp
	SRC0=$BATS_FILE_TMPDIR/src0
	SRC1=$BATS_FILE_TMPDIR/src1
	UP=$BATS_FILE_TMPDIR/up
	DEST=$BATS_TEST_TMPDIR/dest
	CONF=$BATS_TEST_TMPDIR/lifeboat.conf
	PROXYLOG=$BATS_FILE_TMPDIR/s3/s3proxy.log
	. "$BATS_FILE_TMPDIR/s3/ports.env"
	# nothing from the host: no AWS_* variable, no ~/.aws
	unset "${!AWS_@}"
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
	[ ! -s "$BATS_TEST_TMPDIR/skew.pid" ] || stop_pid "$BATS_TEST_TMPDIR/skew.pid" s3-sigv4-proxy
	return 0
}

@test "credentials from the environment: list and a bit-exact restore, prefix with '+'" {
	local url=s3://$BUCKET/night+ly/ since id
	since=$(wc -l < "$PROXYLOG")
	creds
	run -0 --separate-stderr "$LIFEBOAT" list --store "$url"
	assert_line --index 1 --regexp "^$OLD +2026-11-20T03:00:00Z .* ok +s3://$BUCKET/night\\+ly/\$"
	assert_equal "${#lines[@]}" 2
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$url" --dest "$DEST"
	jq -e '.result == "ok" and .archive.verified == true and .layout == "docker"' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	assert_equal "$(jq -r .archive.store <<< "$output")" "$url"
	assert_equal "$(jq -r .archive.size <<< "$output")" "$(stat -c %s "$UP/night+ly/$OLD")"
	assert_equal "$(jq -r .archive.sha256 <<< "$output")" \
		"$(sha256sum < "$UP/night+ly/$OLD" | cut -d' ' -f1)"
	id=$(jq -r .restore_id <<< "$output")
	assert_equal "$(jq -S 'del(.archive.age_seconds)' "$DEST.lifeboat/report-$id.json")" \
		"$(jq -S 'del(.archive.age_seconds)' <<< "$output")"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
	# every request was signed right, the '+' of the prefix included
	tail -n +$((since + 1)) "$PROXYLOG" | grep -q 'prefix=night%2Bly%2F'
	! tail -n +$((since + 1)) "$PROXYLOG" | grep -q SignatureDoesNotMatch
}

@test "credentials never appear in the output or the report" {
	creds
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	no_secret "$KEY"
	run -0 --separate-stderr "$LIFEBOAT" -v list --store "s3://$BUCKET/night+ly/"
	no_secret "$KEY"
}

# An STS-style session token: base64, with '/', '+' and '='.
TOKEN='IQoJb3JpZ2luX2VjE/Zq9+lifeboat//session=token=='

# signed_get MODE: a ListObjectsV2 request to $SKEW_ENDPOINT signed by
# botocore's own S3 signer as S3RVER, and the answer's status and S3 error
# code. MODE: none (no token), unsigned (the token added after signing),
# changed (signed over another token, sent with $TOKEN), signed (signed
# with $TOKEN), wrong (signed with another token).
signed_get() {
	/usr/bin/python3 - "$SKEW_ENDPOINT" "$1" "$TOKEN" <<-'EOF'
		import http.client, re, sys
		from urllib.parse import urlsplit
		from botocore.auth import S3SigV4Auth
		from botocore.awsrequest import AWSRequest
		from botocore.credentials import Credentials
		endpoint, mode, token = sys.argv[1:]
		path = "/lifeboat?list-type=2"
		req = AWSRequest(method="GET", url=endpoint + path)
		signed = {"none": None, "unsigned": None, "changed": "another-token",
		          "signed": token, "wrong": "another-token"}[mode]
		S3SigV4Auth(Credentials("S3RVER", "S3RVER", signed), "s3", "us-east-1").add_auth(req)
		headers = dict(req.headers.items())
		if mode in ("unsigned", "changed"):
		    headers["X-Amz-Security-Token"] = token
		u = urlsplit(endpoint)
		c = http.client.HTTPConnection(u.hostname, u.port)
		c.request("GET", path, headers=headers)
		r = c.getresponse()
		m = re.search(r"<Code>([^<]*)</Code>", r.read().decode())
		print(r.status, m.group(1) if m else "-")
	EOF
}

@test "the proxy with a session token: missing, unsigned, changed after signing or wrong is refused" {
	S3PROXY_SESSION_TOKEN=$TOKEN skewproxy_start 0
	run -0 signed_get signed
	assert_output "200 -"
	run -0 signed_get none
	assert_output "403 InvalidAccessKeyId"
	run -0 signed_get unsigned
	assert_output "403 AccessDenied"
	run -0 signed_get changed
	assert_output "403 SignatureDoesNotMatch"
	run -0 signed_get wrong
	assert_output "400 InvalidToken"
}

@test "AWS_SESSION_TOKEN: sent as x-amz-security-token and signed; missing or wrong, exit 5; never shown" {
	local v
	S3PROXY_SESSION_TOKEN=$TOKEN skewproxy_start 0
	creds
	export AWS_ENDPOINT_URL=$SKEW_ENDPOINT AWS_SESSION_TOKEN=$TOKEN
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	# the listing, the sidecar and the archive, each taken at once
	assert_equal "$(proxy_count '" 200 header$')" 3
	assert_equal "$(proxy_count '" [45][0-9][0-9] ')" 0
	for v in -v -vv; do
		run -0 --separate-stderr "$LIFEBOAT" $v --json restore --dry-run \
			--store "s3://$BUCKET/night+ly/" --dest "$BATS_TEST_TMPDIR/d$v"
		no_secret "$TOKEN"
		no_secret "$KEY"
		run -0 --separate-stderr "$LIFEBOAT" $v list --store "s3://$BUCKET/night+ly/"
		no_secret "$TOKEN"
	done
	# without it, the key alone is unknown; another token is invalid
	unset AWS_SESSION_TOKEN
	run -5 --separate-stderr "$LIFEBOAT" list --store "s3://$BUCKET/night+ly/"
	[[ "$stderr" == *InvalidAccessKeyId* ]]
	export AWS_SESSION_TOKEN=wrong-token-Zq9x
	run -5 --separate-stderr "$LIFEBOAT" -vv --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST.2"
	[[ "$stderr" == *InvalidToken* ]]
	no_secret wrong-token-Zq9x
}

@test "AWS_DEFAULT_REGION when AWS_REGION is unset; AWS_REGION wins over it" {
	S3PROXY_REGION=eu-west-3 skewproxy_start 0
	creds
	unset AWS_REGION
	export AWS_ENDPOINT_URL=$SKEW_ENDPOINT AWS_DEFAULT_REGION=eu-west-3
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	# signed for eu-west-3 from the first request
	[[ "$stderr" != *region* ]]
	assert_equal "$(proxy_count '" 400 ')" 0
	export AWS_REGION=eu-west-3 AWS_DEFAULT_REGION=us-west-2
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "s3://$BUCKET/night+ly/"
	assert_equal "$(jq -r '.[] | .name + " " + .status' <<< "$output")" "$OLD ok"
	[[ "$stderr" != *region* ]]
	assert_equal "$(proxy_count '" 400 ')" 0
	# AWS_DEFAULT_REGION alone is what is signed for, right or wrong
	unset AWS_REGION
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "s3://$BUCKET/night+ly/"
	[[ "$stderr" == *"region 'eu-west-3', not 'us-west-2'"* ]]
	assert_equal "$(proxy_count '" 400 AuthorizationHeaderMalformed$')" 1
}

@test "~/.aws/credentials and ~/.aws/config by default; AWS_PROFILE picks a profile: keys, token, region, endpoint_url" {
	local v
	S3PROXY_REGION=eu-west-3 S3PROXY_SESSION_TOKEN=$TOKEN skewproxy_start 0
	mkdir -m 700 "$HOME/.aws"
	cat > "$HOME/.aws/credentials" <<-EOF
		[default]
		aws_access_key_id = NOBODY
		aws_secret_access_key = nothing-Zq9x
		[lb]
		aws_access_key_id = $KEY
		aws_secret_access_key = $KEY
		aws_session_token = $TOKEN
	EOF
	cat > "$HOME/.aws/config" <<-EOF
		[default]
		region = us-west-2
		endpoint_url = $SKEW_ENDPOINT
		[profile lb]
		region = eu-west-3
		endpoint_url = $SKEW_ENDPOINT
	EOF
	export AWS_PROFILE=lb
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	[[ "$stderr" != *region* ]]
	assert_equal "$(proxy_count '" 200 header$')" 3
	assert_equal "$(proxy_count '" [45][0-9][0-9] ')" 0
	for v in -v -vv; do
		run -0 --separate-stderr "$LIFEBOAT" $v list --store "s3://$BUCKET/night+ly/"
		no_secret "$TOKEN"
	done
	# no AWS_PROFILE: [default], whose key the server does not know, in
	# us-west-2 (corrected once)
	unset AWS_PROFILE
	run -5 --separate-stderr "$LIFEBOAT" list --store "s3://$BUCKET/night+ly/"
	[[ "$stderr" == *"region 'eu-west-3', not 'us-west-2'"* ]]
	[[ "$stderr" == *InvalidAccessKeyId* ]]
	no_secret nothing-Zq9x
}

@test "store keys: endpoint, region, path_style, profile, credentials_file" {
	printf '[default]\naws_access_key_id = NOBODY\naws_secret_access_key = nothing\n[lb]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$KEY" "$KEY" > "$BATS_TEST_TMPDIR/credentials"
	cat > "$CONF" <<-EOF
		[store "offsite"]
		url = s3://$BUCKET/night+ly/
		endpoint = $S3_ENDPOINT
		region = us-east-1
		path_style = yes
		profile = lb
		credentials_file = $BATS_TEST_TMPDIR/credentials
	EOF
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$DEST"
	assert_equal "$(jq -r .archive.store <<< "$output")" offsite
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	no_secret "$KEY"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "keys in ~/.aws/config alone, as the AWS tools take them; the credentials file's win" {
	mkdir -m 700 "$HOME/.aws"
	cat > "$HOME/.aws/config" <<-EOF
		[profile cfgonly]
		aws_access_key_id = $KEY
		aws_secret_access_key = $KEY
		region = us-east-1
		endpoint_url = $S3_ENDPOINT
	EOF
	AWS_PROFILE=cfgonly run -0 --separate-stderr "$LIFEBOAT" --json list --store "s3://$BUCKET/night+ly/"
	assert_equal "$(jq -r '.[] | .name + " " + .status' <<< "$output")" "$OLD ok"
	printf '[cfgonly]\naws_access_key_id = NOBODY\naws_secret_access_key = nothing-Zq9x\n' > "$HOME/.aws/credentials"
	AWS_PROFILE=cfgonly run -5 --separate-stderr "$LIFEBOAT" list --store "s3://$BUCKET/night+ly/"
	[[ "$stderr" == *InvalidAccessKeyId* ]]
}

@test "AWS_PROFILE and AWS_SHARED_CREDENTIALS_FILE" {
	printf '[lb]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$KEY" "$KEY" \
		> "$BATS_TEST_TMPDIR/credentials"
	export AWS_PROFILE=lb AWS_SHARED_CREDENTIALS_FILE=$BATS_TEST_TMPDIR/credentials \
		AWS_REGION=us-east-1 AWS_ENDPOINT_URL=$S3_ENDPOINT
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "s3://$BUCKET/night+ly/"
	assert_equal "$(jq -r '.[] | .name + " " + .status' <<< "$output")" "$OLD ok"
}

@test "the aws CLI's own environment (s3-store's aws.env, AWS_CONFIG_FILE with [default])" {
	. "$BATS_FILE_TMPDIR/s3/aws.env"
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "s3://$BUCKET/night+ly/"
	assert_equal "$(jq -r '.[] | .name + " " + .status' <<< "$output")" "$OLD ok"
}

@test "ListObjectsV2 pagination: the archive comes after 2,500 other keys" {
	local since
	since=$(wc -l < "$PROXYLOG")
	creds
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/many/" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NEW"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	# at least three pages were asked for
	[ "$(tail -n +$((since + 1)) "$PROXYLOG" |
		grep -c '"GET /lifeboat/?continuation-token=[^"]*list-type=2[^"]*prefix=many%2F" 200')" -ge 2 ]
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "s3://$BUCKET/many/"
	assert_equal "$(jq -r '.[] | .name + " " + .status' <<< "$output")" "$NEW ok"
}

@test "keys with '+', spaces and '=' in a prefix with '+': listed and restored" {
	local since
	since=$(wc -l < "$PROXYLOG")
	creds
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "s3://$BUCKET/odd+dir/"
	assert_equal "$(jq -r '.[] | .name + "|" + .status + "|" + (.size|tostring)' <<< "$output")" \
		"$ODD|ok|$(stat -c %s "$UP/odd+dir/$ODD")"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/odd+dir/" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$ODD"
	assert_equal "$(jq -r .archive.verified <<< "$output")" true
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	tail -n +$((since + 1)) "$PROXYLOG" |
		grep -q '"GET /lifeboat/odd%2Bdir/a%2Bb%20c%3Dd-2026-11-22T03-00-00.tar.gz" 200'
	! tail -n +$((since + 1)) "$PROXYLOG" | grep -q SignatureDoesNotMatch
}

@test "a wrong secret: SignatureDoesNotMatch, unreachable, exit 5; the secret is never shown" {
	creds
	export AWS_SECRET_ACCESS_KEY=wrong-secret-Zq9x
	run -5 --separate-stderr "$LIFEBOAT" list --store "s3://$BUCKET/night+ly/"
	[[ "$stderr" == *SignatureDoesNotMatch* ]]
	no_secret wrong-secret-Zq9x
	run -5 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	[[ "$stderr" == *SignatureDoesNotMatch* ]]
	jq -e '.result == "failed" and .archive == null' <<< "$output"
	no_secret wrong-secret-Zq9x
	[ ! -e "$DEST/dockerwarts_grafana" ]
}

@test "the server's clock 2 h ahead: lifeboat signs with its time, warns, restores" {
	skewproxy_start 7200
	creds
	export AWS_ENDPOINT_URL=$SKEW_ENDPOINT
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	[[ "$stderr" == *"warning: "*"clock"* ]]
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	! grep -q SignatureDoesNotMatch "$BATS_TEST_TMPDIR/skew.log"
}

@test "a bucket in another region: the server's AuthorizationHeaderMalformed names it, one retry there" {
	S3PROXY_REGION=eu-west-3 skewproxy_start 0
	creds
	export AWS_ENDPOINT_URL=$SKEW_ENDPOINT AWS_REGION=us-east-1
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	# the proxy refused the us-east-1 signature once, then took eu-west-3's
	grep -q "\" 400 " "$BATS_TEST_TMPDIR/skew.log"
}

@test "a configured region that is wrong: 301 PermanentRedirect with x-amz-bucket-region, one retry there" {
	S3PROXY_REGION=eu-west-3 S3PROXY_REGION_ANSWER=redirect skewproxy_start 0
	cat > "$CONF" <<-EOF
		[store "offsite"]
		url = s3://$BUCKET/night+ly/
		endpoint = $SKEW_ENDPOINT
		region = us-west-2
	EOF
	creds
	unset AWS_REGION AWS_ENDPOINT_URL
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json restore --dest "$DEST"
	[[ "$stderr" == *"warning: "*"'offsite'"*"region 'eu-west-3', not 'us-west-2'"* ]]
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	# the redirect carried the region in its header only: one 301 for the
	# listing, and the object reads were signed for eu-west-3 from the start
	assert_equal "$(proxy_count '" 301 PermanentRedirect$')" 1
	assert_equal "$(proxy_count '"GET /lifeboat/?[^"]*" 301 ')" 1
	assert_equal "$(proxy_count "\"GET /lifeboat/night%2Bly/$OLD\" 200 header\$")" 1
	no_secret "$KEY"
}

@test "object reads correct the region too: only GETs of objects are redirected, the listing passes" {
	S3PROXY_REGION=eu-west-3 S3PROXY_REGION_ANSWER=redirect S3PROXY_SCOPE=objects skewproxy_start 0
	creds
	export AWS_ENDPOINT_URL=$SKEW_ENDPOINT AWS_REGION=us-east-1
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	[[ "$stderr" == *"region 'eu-west-3', not 'us-east-1'"* ]]
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	# the listing went through in us-east-1; the first object GET was
	# redirected once and asked again; the archive's GET was right at once
	assert_equal "$(proxy_count '"GET /lifeboat/?[^"]*" 200 header$')" 1
	assert_equal "$(proxy_count '" 301 PermanentRedirect$')" 1
	assert_equal "$(proxy_count '"GET /lifeboat/night%2Bly/[^"?]*" 301 PermanentRedirect$')" 1
	assert_equal "$(proxy_count "\"GET /lifeboat/night%2Bly/$OLD\" 200 header\$")" 1
}

@test "object reads correct the region on AuthorizationHeaderMalformed too" {
	S3PROXY_REGION=eu-west-3 S3PROXY_SCOPE=objects skewproxy_start 0
	creds
	export AWS_ENDPOINT_URL=$SKEW_ENDPOINT AWS_REGION=us-east-1
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	assert_equal "$(proxy_count '"GET /lifeboat/night%2Bly/[^"?]*" 400 AuthorizationHeaderMalformed$')" 1
}

@test "object reads correct the clock: only GETs of objects see a server 2 h ahead" {
	S3PROXY_SCOPE=objects skewproxy_start 7200
	creds
	export AWS_ENDPOINT_URL=$SKEW_ENDPOINT
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	[[ "$stderr" == *"warning: "*"clock"* ]]
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	# the listing was on time; one object GET was refused, then signed with
	# the server's time
	assert_equal "$(proxy_count '"GET /lifeboat/?[^"]*" 200 header$')" 1
	assert_equal "$(proxy_count '" 403 RequestTimeTooSkewed$')" 1
	assert_equal "$(proxy_count '"GET /lifeboat/night%2Bly/[^"?]*" 403 RequestTimeTooSkewed$')" 1
}

@test "the server's clock 2 h behind: lifeboat signs with its time, warns, restores" {
	skewproxy_start -7200
	creds
	export AWS_ENDPOINT_URL=$SKEW_ENDPOINT
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	[[ "$stderr" == *"warning: "*"clock"* ]]
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "resume through cutproxy in front of the S3 proxy: three cuts, signed Range requests, bit-exact" {
	local n url=s3://$BUCKET/night+ly/ since
	creds
	n=$(archive_conn "$url")
	cutproxy_start cut --target "127.0.0.1:$S3_PORT" --mode cut --cut-after 400000 --cuts $((n + 2))
	since=$(wc -l < "$PROXYLOG")
	AWS_ENDPOINT_URL=http://127.0.0.1:$CUT_PORT run -0 --separate-stderr "$LIFEBOAT" --json \
		restore --store "$url" --dest "$DEST"
	assert_equal "$(grep -c 'cut after 400000 bytes to the client' "$BATS_TEST_TMPDIR/cut.log")" 3
	assert_equal "$(grep -c 'resuming at byte [0-9]' <<< "$stderr")" 3
	[ "$(tail -n +$((since + 1)) "$PROXYLOG" |
		grep -c "\"GET /lifeboat/night%2Bly/$OLD\" 206")" -ge 3 ]
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
	no_secret "$KEY"
}

@test "two 503 answers through cutproxy in front of the S3 proxy are retried, then the restore succeeds" {
	creds
	cutproxy_start c503 --target "127.0.0.1:$S3_PORT" --mode 503 --count 2
	AWS_ENDPOINT_URL=http://127.0.0.1:$CUT_PORT run -0 --separate-stderr "$LIFEBOAT" --json \
		restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	assert_equal "$(grep -c 'answered 503' "$BATS_TEST_TMPDIR/c503.log")" 2
	assert_equal "$(jq -r .archive.name <<< "$output")" "$OLD"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "503 SlowDown on object GETs: retried with backoff, then the restore succeeds" {
	S3PROXY_SCOPE=objects S3PROXY_SLOWDOWN=2 skewproxy_start 0
	creds
	export AWS_ENDPOINT_URL=$SKEW_ENDPOINT
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "s3://$BUCKET/night+ly/" --dest "$DEST"
	assert_equal "$(proxy_count '"GET /lifeboat/night%2Bly/[^"?]*" 503 SlowDown$')" 2
	assert_equal "$(grep -c 'HTTP 503; retrying at byte 0' <<< "$stderr")" 2
	jq -e '.result == "ok" and .archive.verified == true' <<< "$output"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "503 SlowDown more often than retries: the sidecar read gives up, the backup is unverified, exit 3" {
	S3PROXY_SCOPE=objects S3PROXY_SLOWDOWN=100 skewproxy_start 0
	creds
	export AWS_ENDPOINT_URL=$SKEW_ENDPOINT
	LIFEBOAT_RETRIES=2 run -3 --separate-stderr "$LIFEBOAT" --json restore \
		--store "s3://$BUCKET/night+ly/" --dest "$DEST"
	assert_equal "$(grep -c 'HTTP 503; retrying at byte 0' <<< "$stderr")" 2
	jq -e '.result == "failed" and .archive == null' <<< "$output"
	[[ "$(jq -r '.rejected[0].reason' <<< "$output")" == *"sidecar"*"giving up"*"after 3 attempts"*"HTTP 503" ]]
	assert_equal "$(proxy_count '" 503 SlowDown$')" 3
	only_lifeboat "$DEST"
	no_staging "$DEST"
}
