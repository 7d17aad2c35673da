#!/usr/bin/env bats
# lifeboat backup to S3 (s3rver behind the proxy that checks every SigV4
# signature and every signed payload digest): multipart uploads of many
# parts, two stores from one read, an upload that fails on the server's
# side (aborted, never visible), retention deleting objects, an
# age-encrypted backup read back by age -d. Needs root.

BUCKET=lifeboat
KEY=S3RVER

setup_file() {
	load ../helpers/common
	"$TOP/tests/helpers/s3-store" start "$BATS_FILE_TMPDIR/s3"
	. "$BATS_FILE_TMPDIR/s3/ports.env"
	curl -sSf -o /dev/null -X PUT --aws-sigv4 aws:amz:us-east-1:s3 -u "$KEY:$KEY" \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$S3_ENDPOINT/$BUCKET"
	"$TOP/tests/helpers/mktree" "$BATS_FILE_TMPDIR/src" --profile demo
	head -c $((24 << 20)) /dev/urandom > "$BATS_FILE_TMPDIR/src/dockerwarts_grafana/_data/big.bin"
}

teardown_file() {
	load ../helpers/common
	"$TOP/tests/helpers/s3-store" stop "$BATS_FILE_TMPDIR/s3"
	"$TOP/tests/helpers/s3-store" stop "$BATS_FILE_TMPDIR/s3fail" 2> /dev/null || true
}

setup() {
	load ../helpers/common
	. "$BATS_FILE_TMPDIR/s3/ports.env"
	export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$KEY AWS_REGION=us-east-1 \
		AWS_ENDPOINT_URL=$S3_ENDPOINT LIFEBOAT_RETRIES=1 LIFEBOAT_RETRY_MS=50
	SRC=$BATS_FILE_TMPDIR/src
	TREECMP=$TOP/tests/helpers/treecmp
	PROXYLOG=$BATS_FILE_TMPDIR/s3/s3proxy.log
	export LIFEBOAT_TEST_NOW=$(date -u -d 2026-12-04T03:00:00Z +%s)
	NAME=lifeboat-2026-12-04T03-00-00
}

# s3conf PREFIX [KEY = VALUE...]: a config with one S3 store of 5M parts.
s3conf() {
	local prefix=$1
	shift
	{
		printf '[store "s3"]\nurl = s3://%s/%s/\npart_size = 5M\n' "$BUCKET" "$prefix"
		printf '[backup]\n'
		printf '%s\n' "$@"
	} > "$BATS_TEST_TMPDIR/s3.conf"
}

@test "S3: a multipart upload of many 5M parts, each signed with its digest; restored bit-exact" {
	local before parts
	s3conf many
	before=$(grep -c 'partNumber=' "$PROXYLOG" || true)
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/s3.conf" --json backup --source "$SRC"
	jq -e '.result == "ok" and .stores[0].ok == true' <<< "$output"
	parts=$(( $(grep -c 'partNumber=' "$PROXYLOG") - before ))
	(( parts >= 5 ))
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "s3://$BUCKET/many/"
	assert_equal "$(jq -r 'map(.name) | join(" ")' <<< "$output")" "$NAME.tar.gz"
	run -0 "$LIFEBOAT" -q restore --store "s3://$BUCKET/many/" --dest "$BATS_TEST_TMPDIR/d"
	run -0 "$TREECMP" diff "$SRC" "$BATS_TEST_TMPDIR/d"
	# what any S3 client sees: the sidecar checks the archive
	mkdir "$BATS_TEST_TMPDIR/dl"
	for f in "$NAME.tar.gz" "$NAME.tar.gz.sha256" "$NAME.manifest.json"; do
		curl -sSf --aws-sigv4 aws:amz:us-east-1:s3 -u "$KEY:$KEY" \
			-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
			-o "$BATS_TEST_TMPDIR/dl/$f" "$S3_ENDPOINT/$BUCKET/many/$f"
	done
	(cd "$BATS_TEST_TMPDIR/dl" && sha256sum -c --strict "$NAME.tar.gz.sha256")
}

@test "S3 and a file store from one read of the volumes" {
	s3conf two
	printf '[store "disk"]\nurl = %s\n' "$BATS_TEST_TMPDIR/disk" >> "$BATS_TEST_TMPDIR/s3.conf"
	mkdir "$BATS_TEST_TMPDIR/disk"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/s3.conf" --json backup --source "$SRC"
	jq -e '.stores | map(.ok) == [true, true]' <<< "$output"
	sha=$(jq -r .sha256 <<< "$output")
	assert_equal "$(sha256sum < "$BATS_TEST_TMPDIR/disk/$NAME.tar.gz" | cut -c1-64)" "$sha"
	run -0 --separate-stderr "$LIFEBOAT" --json verify --store "s3://$BUCKET/two/"
	assert_equal "$(jq -r .archive.sha256 <<< "$output")" "$sha"
}

@test "S3: an upload the server stops taking (500 from part 3 on) is aborted, signed: no object, no sidecar; exit 5" {
	local d=$BATS_FILE_TMPDIR/s3fail
	S3PROXY_FAIL_PARTS=3 "$TOP/tests/helpers/s3-store" start "$d"
	. "$d/ports.env"
	export AWS_ENDPOINT_URL=$S3_ENDPOINT
	curl -sSf -o /dev/null -X PUT --aws-sigv4 aws:amz:us-east-1:s3 -u "$KEY:$KEY" \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$S3_ENDPOINT/$BUCKET"
	s3conf fail
	run -5 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/s3.conf" --json backup --source "$SRC"
	jq -e '.result == "failed" and .stores[0].ok == false' <<< "$output"
	[[ "$stderr" == *"store 's3'"*"part 3 of 'fail/$NAME.tar.gz': HTTP 500"* ]]
	# the abort was sent and its signature held (s3rver itself answers
	# AbortMultipartUpload with 405: it keeps no parts of its own, and
	# lifeboat says so)
	grep -q '"DELETE /lifeboat/fail/'"$NAME"'.tar.gz?uploadId=[0-9a-f]*" 405' "$d/s3proxy.log"
	[[ "$stderr" == *"cannot abort the upload of 'fail/$NAME.tar.gz'"* ]]
	run -0 --separate-stderr "$LIFEBOAT" --json list --store "s3://$BUCKET/fail/"
	assert_equal "$(jq 'length' <<< "$output")" 0
	"$TOP/tests/helpers/s3-store" stop "$d"
}

@test "S3 retention: keep_daily 2 deletes the older backups' objects, and only lifeboat's" {
	local i
	s3conf keep 'keep_daily = 2' 'volumes = dockerwarts_mariadb'
	curl -sSf -o /dev/null -X PUT --aws-sigv4 aws:amz:us-east-1:s3 -u "$KEY:$KEY" \
		-H "x-amz-content-sha256: $(printf 'mine' | sha256sum | cut -c1-64)" --data-binary mine \
		"$S3_ENDPOINT/$BUCKET/keep/lifeboat-mine.txt"
	for i in 3 2 1 0; do
		export LIFEBOAT_TEST_NOW=$(( $(date -u -d 2026-12-04T03:00:00Z +%s) - i * 86400 ))
		run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/s3.conf" backup --source "$SRC"
	done
	run -0 /usr/bin/aws --endpoint-url "$S3_ENDPOINT" s3 ls "s3://$BUCKET/keep/"
	assert_equal "$(awk '{print $4}' <<< "$output" | sort | tr '\n' ' ')" \
		"lifeboat-2026-12-03T03-00-00.manifest.json lifeboat-2026-12-03T03-00-00.tar.gz lifeboat-2026-12-03T03-00-00.tar.gz.sha256 lifeboat-2026-12-04T03-00-00.manifest.json lifeboat-2026-12-04T03-00-00.tar.gz lifeboat-2026-12-04T03-00-00.tar.gz.sha256 lifeboat-mine.txt "
}

@test "S3 with age: .tar.gz.age and .manifest.json.age uploaded (many parts); what an S3 client gets decrypts with age -d and checks with sha256sum -c; restored bit-exact with the identity" {
	local key=$BATS_TEST_TMPDIR/age.key f
	age-keygen -o "$key" 2> /dev/null
	s3conf enc '[trust]' "recipients = $(age-keygen -y "$key")"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/s3.conf" --json backup --source "$SRC"
	jq -e '.result == "ok" and .stores[0].ok == true and .encryption.recipients.X25519 == 1' <<< "$output"
	run -0 /usr/bin/aws --endpoint-url "$S3_ENDPOINT" s3 ls "s3://$BUCKET/enc/"
	assert_equal "$(awk '{print $4}' <<< "$output" | sort | tr '\n' ' ')" \
		"$NAME.manifest.json.age $NAME.tar.gz.age $NAME.tar.gz.age.sha256 "
	mkdir "$BATS_TEST_TMPDIR/dl"
	for f in "$NAME.tar.gz.age" "$NAME.tar.gz.age.sha256" "$NAME.manifest.json.age"; do
		curl -sSf --aws-sigv4 aws:amz:us-east-1:s3 -u "$KEY:$KEY" \
			-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
			-o "$BATS_TEST_TMPDIR/dl/$f" "$S3_ENDPOINT/$BUCKET/enc/$f"
	done
	(cd "$BATS_TEST_TMPDIR/dl" && sha256sum -c --strict "$NAME.tar.gz.age.sha256")
	age -d -i "$key" "$BATS_TEST_TMPDIR/dl/$NAME.tar.gz.age" | gzip -t
	age -d -i "$key" "$BATS_TEST_TMPDIR/dl/$NAME.manifest.json.age" | jq -e '.segments | length > 1'
	run -0 "$LIFEBOAT" -q restore --store "s3://$BUCKET/enc/" --dest "$BATS_TEST_TMPDIR/d" --identity "$key"
	run -0 "$TREECMP" diff "$SRC" "$BATS_TEST_TMPDIR/d"
}
