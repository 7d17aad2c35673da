#!/usr/bin/env bats
# servers.bats: self-test of the test servers (nginx-store, s3-store with
# s3-sigv4-proxy, sshd-store, cutproxy, certs) and an example of their use
# from bats. Run: bats tests/helpers/servers.bats (about 40 s, most of it
# `s3-store fill` of SERVERS_FILL_N objects, default 2500).

load common

setup_file() {
	H=$BATS_TEST_DIRNAME
	W=$BATS_FILE_TMPDIR
	mkdir -p "$W/store/sub"
	head -c 1000000 /dev/urandom >"$W/store/host1-2024-01-01.tar.gz"
	(cd "$W/store" && sha256sum host1-2024-01-01.tar.gz >host1-2024-01-01.tar.gz.sha256)
	echo odd >"$W/store/a+b c=d.tar.gz"
	echo hi >"$W/store/sub/a.txt"
	"$H/nginx-store" start "$W/nginx" "$W/store"
	"$H/s3-store" start "$W/s3"
	"$H/s3-store" upload "$W/s3" store "$W/store"
	"$H/s3-store" fill "$W/s3" store many/obj "${SERVERS_FILL_N:-2500}"
	"$H/sshd-store" start "$W/ssh" "$W/store"
}

teardown_file() {
	local H=$BATS_TEST_DIRNAME W=$BATS_FILE_TMPDIR f
	for f in "$W"/*.cutpid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	"$H/nginx-store" stop "$W/nginx"
	"$H/s3-store" stop "$W/s3"
	"$H/s3-store" stop "$W/s3skew"
	"$H/sshd-store" stop "$W/ssh"
}

setup() {
	H=$BATS_TEST_DIRNAME
	W=$BATS_FILE_TMPDIR
	AWS=/usr/bin/aws
	[ -x "$AWS" ] || AWS=aws
	EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
}

# cutproxy_start NAME ARGS...: a background cutproxy; sets CUT_PORT.
cutproxy_start() {
	local name=$1
	shift
	"$H/cutproxy" --background --listen-port-file "$W/$name.port" \
		--pid-file "$W/$name.cutpid" --log "$W/$name.log" "$@"
	CUT_PORT=$(cat "$W/$name.port")
}

@test "certs: CA, localhost, iponly, guest, other CA" {
	"$H/certs" "$BATS_TEST_TMPDIR/c"
	cd "$BATS_TEST_TMPDIR/c"
	run openssl verify -CAfile ca.pem localhost.pem iponly.pem guest.pem
	assert_success
	run openssl x509 -in localhost.pem -noout -ext subjectAltName
	assert_output --partial "DNS:localhost, IP Address:127.0.0.1"
	run openssl x509 -in iponly.pem -noout -ext subjectAltName
	refute_output --partial "DNS:"
	run openssl x509 -in guest.pem -noout -ext subjectAltName
	assert_line --regexp '^ *IP Address:10\.0\.2\.100$'
	run openssl verify -CAfile other-ca.pem localhost.pem
	assert_failure
}

@test "nginx: HTML and JSON listings" {
	. "$W/nginx/ports.env"
	run curl -sSf "http://127.0.0.1:$HTTP_PORT/html/"
	assert_output --partial '<a href="host1-2024-01-01.tar.gz.sha256">'
	run bash -c "curl -sSf http://127.0.0.1:$HTTP_PORT/json/ | jq -r '.[] | select(.type == \"file\") | \"\(.name) \(.size)\"'"
	assert_line "host1-2024-01-01.tar.gz 1000000"
	assert_line "a+b c=d.tar.gz 4"
}

@test "nginx: Range gives 206 and the right bytes; /norange/ ignores it" {
	. "$W/nginx/ports.env"
	run curl -sS -o "$BATS_TEST_TMPDIR/part" -w '%{http_code} %header{content-range}' \
		-r 1000-1999 "http://127.0.0.1:$HTTP_PORT/files/host1-2024-01-01.tar.gz"
	assert_output "206 bytes 1000-1999/1000000"
	cmp "$BATS_TEST_TMPDIR/part" <(tail -c +1001 "$W/store/host1-2024-01-01.tar.gz" | head -c 1000)
	run curl -sS -o /dev/null -w '%{http_code} %{size_download}' \
		-r 1000-1999 "http://127.0.0.1:$HTTP_PORT/norange/host1-2024-01-01.tar.gz"
	assert_output "200 1000000"
}

@test "nginx: HTTPS with the test CA; another CA is refused" {
	. "$W/nginx/ports.env"
	run curl -sSf --cacert "$CA_PEM" "https://localhost:$HTTPS_PORT/files/sub/a.txt"
	assert_output hi
	run curl -sSf --cacert "$CA_PEM" --tls-max 1.2 "https://127.0.0.1:$HTTPS_PORT/files/sub/a.txt"
	assert_output hi
	run curl -sS --cacert "$OTHER_CA_PEM" "https://localhost:$HTTPS_PORT/files/sub/a.txt"
	assert_failure 60
}

@test "nginx: the TLS 1.3 port refuses TLS 1.2" {
	. "$W/nginx/ports.env"
	run curl -sS --cacert "$CA_PEM" --tls-max 1.2 "https://localhost:$TLS13_PORT/files/sub/a.txt"
	assert_failure 35
	run curl -sSf --cacert "$CA_PEM" --tlsv1.3 "https://localhost:$TLS13_PORT/files/sub/a.txt"
	assert_output hi
}

@test "nginx: IP-only certificate: 127.0.0.1 yes, localhost no" {
	. "$W/nginx/ports.env"
	run curl -sSf --cacert "$CA_PEM" "https://127.0.0.1:$IPCERT_PORT/files/sub/a.txt"
	assert_output hi
	run curl -sS --cacert "$CA_PEM" "https://localhost:$IPCERT_PORT/files/sub/a.txt"
	assert_failure 60
}

@test "nginx: the guest certificate: 10.0.2.100 yes (connecting to 127.0.0.1), 127.0.0.1 no" {
	. "$W/nginx/ports.env"
	run curl -sSf --cacert "$CA_PEM" --connect-to "10.0.2.100:443:127.0.0.1:$GUEST_PORT" \
		"https://10.0.2.100/files/sub/a.txt"
	assert_output hi
	run curl -sS --cacert "$CA_PEM" "https://127.0.0.1:$GUEST_PORT/files/sub/a.txt"
	assert_failure 60
}

@test "nginx: basic auth 401 / 200" {
	. "$W/nginx/ports.env"
	run curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AUTH_PORT/auth/"
	assert_output 401
	run curl -sS -o /dev/null -w '%{http_code}' -u backup:wrong "http://127.0.0.1:$AUTH_PORT/auth/"
	assert_output 401
	run curl -sS -o /dev/null -w '%{http_code}' -u backup:s3cret "http://127.0.0.1:$AUTH_PORT/auth/"
	assert_output 200
	run curl -sSf -u backup:s3cret "http://127.0.0.1:$AUTH_PORT/auth/json/"
	assert_output --partial '"name":"host1-2024-01-01.tar.gz"'
}

@test "s3: aws s3 ls and cp through the verifying proxy, odd key" {
	. "$W/s3/ports.env"
	. "$W/s3/aws.env"
	run "$AWS" --endpoint-url "$S3_ENDPOINT" s3 ls s3://store/
	assert_success
	assert_output --partial " a+b c=d.tar.gz"
	run "$AWS" --endpoint-url "$S3_ENDPOINT" s3 cp "s3://store/a+b c=d.tar.gz" -
	assert_output odd
	run "$AWS" --endpoint-url "$S3_ENDPOINT" s3api list-objects-v2 --bucket store \
		--prefix "a+b c=" --query 'Contents[].Key' --output text
	assert_output "a+b c=d.tar.gz"
}

@test "s3: list-objects-v2 paginates over the filled objects" {
	. "$W/s3/ports.env"
	. "$W/s3/aws.env"
	local n=${SERVERS_FILL_N:-2500}
	run "$AWS" --endpoint-url "$S3_ENDPOINT" s3api list-objects-v2 --bucket store \
		--prefix many/obj- --page-size 1000 --query 'length(Contents)'
	assert_output "$n"
	[ "$n" -le 1000 ] || grep -q 'continuation-token=.*" 200 header' "$W/s3/s3proxy.log"
}

@test "s3: wrong secret gives SignatureDoesNotMatch, unknown key InvalidAccessKeyId" {
	. "$W/s3/ports.env"
	. "$W/s3/aws.env"
	AWS_SECRET_ACCESS_KEY=wrong run "$AWS" --endpoint-url "$S3_ENDPOINT" s3 ls s3://store/
	assert_failure
	assert_output --partial SignatureDoesNotMatch
	AWS_ACCESS_KEY_ID=NOBODY run "$AWS" --endpoint-url "$S3_ENDPOINT" s3 ls s3://store/
	assert_output --partial InvalidAccessKeyId
	run curl -sS -w '\n%{http_code}' --aws-sigv4 aws:amz:us-east-1:s3 -u S3RVER:wrong \
		-H "x-amz-content-sha256: $EMPTY" "$S3_ENDPOINT/store?list-type=2"
	assert_output --partial "<Code>SignatureDoesNotMatch</Code>"
	assert_output --partial "<CanonicalRequest>GET"
	assert_line --index -1 403
	run curl -sS -w '%{http_code}' -o /dev/null "$S3_ENDPOINT/store?list-type=2"
	assert_output 403
}

@test "s3: clock skew mode answers RequestTimeTooSkewed" {
	S3PROXY_SKEW_SECONDS=7200 "$H/s3-store" start "$W/s3skew"
	. "$W/s3skew/ports.env"
	run curl -sS -D "$BATS_TEST_TMPDIR/h" --aws-sigv4 aws:amz:us-east-1:s3 -u S3RVER:S3RVER \
		-H "x-amz-content-sha256: $EMPTY" "$S3_ENDPOINT/"
	assert_output --partial "<Code>RequestTimeTooSkewed</Code>"
	assert_output --partial "<ServerTime>"
	assert_output --partial "<RequestTime>"
	grep -q '^HTTP/1.1 403' "$BATS_TEST_TMPDIR/h"
	# The Date header is two hours ahead.
	local d
	d=$(sed -n 's/^Date: \(.*\)\r$/\1/p' "$BATS_TEST_TMPDIR/h")
	[ $(($(date -d "$d" +%s) - $(date +%s))) -gt 7100 ]
	# A client that signs with the server's clock gets through.
	run /usr/bin/python3 - "$S3_ENDPOINT" <<-'EOF'
		import datetime, sys, urllib.request
		from unittest import mock
		from botocore.auth import S3SigV4Auth
		from botocore.awsrequest import AWSRequest
		from botocore.credentials import Credentials
		req = AWSRequest(method="GET", url=sys.argv[1] + "/")
		later = datetime.datetime.utcnow() + datetime.timedelta(hours=2)
		with mock.patch("botocore.auth.datetime") as dt:
		    dt.datetime.utcnow.return_value = later
		    S3SigV4Auth(Credentials("S3RVER", "S3RVER"), "s3", "us-east-1").add_auth(req)
		with urllib.request.urlopen(urllib.request.Request(req.url, headers=dict(req.headers))) as r:
		    print(r.status)
	EOF
	assert_output 200
	"$H/s3-store" stop "$W/s3skew"
}

@test "sftp: id_ecdsa and id_rsa_pem work, ed25519 is not authorized, wrong host key fails" {
	. "$W/ssh/ports.env"
	local k o=(-F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none
		-o StrictHostKeyChecking=yes -P "$SSH_PORT")
	for k in id_ecdsa id_rsa_pem; do
		run sftp "${o[@]}" -o UserKnownHostsFile="$W/ssh/known_hosts" -i "$W/ssh/$k" \
			-b - "$SSH_USER@127.0.0.1" <<<"ls -l $STORE_ROOT"
		assert_success
		assert_output --partial "$STORE_ROOT/host1-2024-01-01.tar.gz"
	done
	run sftp "${o[@]}" -o UserKnownHostsFile="$W/ssh/known_hosts" -i "$W/ssh/id_ed25519" \
		-b - "$SSH_USER@127.0.0.1" <<<"ls"
	assert_failure
	run sftp "${o[@]}" -o UserKnownHostsFile="$W/ssh/known_hosts_wrong" -i "$W/ssh/id_ecdsa" \
		-b - "$SSH_USER@127.0.0.1" <<<"ls"
	assert_failure
	assert_output --partial "REMOTE HOST IDENTIFICATION HAS CHANGED"
}

@test "cutproxy: cut mode breaks the download, curl -C - resumes" {
	. "$W/nginx/ports.env"
	cutproxy_start cut --target "127.0.0.1:$HTTP_PORT" --mode cut --cut-after 300000 --cuts 2
	local url=http://127.0.0.1:$CUT_PORT/files/host1-2024-01-01.tar.gz f=$BATS_TEST_TMPDIR/dl
	run curl -sS -o "$f" "$url"
	assert_failure 18
	[ "$(stat -c %s "$f")" -lt 300000 ]
	run curl -sS -C - -o "$f" "$url"
	assert_failure 18
	run curl -sS -C - -o "$f" "$url"
	assert_success
	cmp "$f" "$W/store/host1-2024-01-01.tar.gz"
	kill "$(cat "$W/cut.cutpid")"
}

@test "cutproxy: 503 mode, then forwards" {
	. "$W/nginx/ports.env"
	cutproxy_start c503 --target "127.0.0.1:$HTTP_PORT" --mode 503 --count 2
	local url=http://127.0.0.1:$CUT_PORT/files/sub/a.txt
	run curl -sS -i "$url"
	assert_line --index 0 --partial "HTTP/1.1 503 Service Unavailable"
	assert_line --partial "Retry-After: 0"
	run curl -sS -o /dev/null -w '%{http_code}' "$url"
	assert_output 503
	run curl -sSf "$url"
	assert_output hi
	kill "$(cat "$W/c503.cutpid")"
}

@test "cutproxy: in front of the S3 proxy, signed Range resume" {
	. "$W/s3/ports.env"
	cutproxy_start cuts3 --target "127.0.0.1:$S3_PORT" --mode cut --cut-after 300000 --cuts 1
	local f=$BATS_TEST_TMPDIR/dl a=(-sS --aws-sigv4 aws:amz:us-east-1:s3 -u S3RVER:S3RVER
		-H "x-amz-content-sha256: $EMPTY" -o "$BATS_TEST_TMPDIR/dl")
	run curl "${a[@]}" "http://127.0.0.1:$CUT_PORT/store/host1-2024-01-01.tar.gz"
	assert_failure 18
	run curl "${a[@]}" -C - "http://127.0.0.1:$CUT_PORT/store/host1-2024-01-01.tar.gz"
	assert_success
	cmp "$f" "$W/store/host1-2024-01-01.tar.gz"
	grep -q '"GET /store/host1-2024-01-01.tar.gz" 206 header' "$W/s3/s3proxy.log"
	kill "$(cat "$W/cuts3.cutpid")"
}
