#!/usr/bin/env bats
# Segmented restores: lifeboat backup's archives (a gzip member per volume
# and per 1M, listed in the manifest) read back by segments, with parallel
# ranged reads, over HTTP (nginx, Range/206), S3 (s3rver behind the
# SigV4-checking proxy) and SFTP (OpenSSH's sshd); each priority group live as soon as it is whole;
# a corrupt segment in p3 leaves p1 and p2 live (exit 10) and rollback
# undoes it whole; --atomic commits nothing then; the manifest counts only
# signed when a key is configured; a segment cut mid-transfer is resumed
# within its range. Needs root (mktree, owners, xattrs).

BUCKET=lifeboat
KEY=S3RVER
NAME=lifeboat-2026-12-04T03-00-00

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR
	"$TOP/tests/helpers/mktree" "$d/src" --profile demo
	# p1 spans several segments (and the hard links of mktree's tree
	# land in segments of their own)
	head -c $((3 << 20)) /dev/urandom > "$d/src/dockerwarts_mariadb/_data/ibdata1"
	"$TOP/tests/helpers/mktree" "$d/old" --profile demo --mutate 1
	cat > "$d/prio.conf" <<-EOF
	[backup]
	segment_size = 1M
	[volumes]
	p1 = dockerwarts_mariadb
	p2 = dockerwarts_cassandra dockerwarts_elasticsearch
	p3 = dockerwarts_glpi
	EOF
	mkdir -p "$d/www/seg"
	LIFEBOAT_TEST_NOW=1796353200 "$LIFEBOAT" -q -c "$d/prio.conf" backup \
		--source "$d/src" --store "$d/www/seg"
	"$TOP/tests/helpers/nginx-store" start "$d/nginx" "$d/www"
	"$TOP/tests/helpers/sshd-store" start "$d/ssh" "$d/www/seg"
	"$TOP/tests/helpers/s3-store" start "$d/s3"
	. "$d/s3/ports.env"
	curl -sSf -o /dev/null -X PUT --aws-sigv4 aws:amz:us-east-1:s3 -u "$KEY:$KEY" \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$S3_ENDPOINT/$BUCKET"
}

teardown_file() {
	load ../helpers/common
	"$TOP/tests/helpers/nginx-store" stop "$BATS_FILE_TMPDIR/nginx"
	"$TOP/tests/helpers/s3-store" stop "$BATS_FILE_TMPDIR/s3"
	"$TOP/tests/helpers/sshd-store" stop "$BATS_FILE_TMPDIR/ssh"
}

setup() {
	load ../helpers/common
	HELPERS=$TOP/tests/helpers
	TREECMP=$HELPERS/treecmp
	SRC=$BATS_FILE_TMPDIR/src
	OLD=$BATS_FILE_TMPDIR/old
	WWW=$BATS_FILE_TMPDIR/www
	PRIO=$BATS_FILE_TMPDIR/prio.conf
	DEST=$BATS_TEST_TMPDIR/dest
	. "$BATS_FILE_TMPDIR/nginx/ports.env"
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	export LIFEBOAT_RETRY_MS=50 LIFEBOAT_TEST_NOW=1796353200
	unset LIFEBOAT_RETRIES
}

teardown() {
	show_last_run
	local f
	for f in "$BATS_TEST_TMPDIR"/*.cutpid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2> /dev/null
	done
	return 0
}

# segment_of VOLUME: the offset of the first segment holding VOLUME.
segment_of() {
	jq ".segments | map(select(.volumes | index(\"$1\"))) | .[0].offset" \
		"$WWW/seg/$NAME.manifest.json"
}

# groups_live JSON: "1 2 3 null" when every group went live in that order,
# each no earlier than the one before.
groups_live() {
	jq -r '[.groups[] | select(.state == "live")] as $g |
		if ([$g[].live_after] == ([$g[].live_after] | sort)) then
		[$g[].priority | tostring] | join(" ") else "out of order" end' <<< "$1"
}

@test "over HTTP: one ranged read per segment, 4 at once, bit-exact; each group live in priority order" {
	local url=http://127.0.0.1:$HTTP_PORT/json/seg/ since n
	since=$(wc -l < "$BATS_FILE_TMPDIR/nginx/access.log")
	run -0 --separate-stderr "$LIFEBOAT" -c "$PRIO" --json restore --store "$url" --dest "$DEST"
	jq -e '.result == "ok" and .transfer == "segments" and .connections == 4 and .archive.integrity == "sha256"' <<< "$output"
	assert_equal "$(groups_live "$output")" "1 2 3 null"
	assert_equal "$(jq .segments <<< "$output")" "$(jq '.segments | length' "$WWW/seg/$NAME.manifest.json")"
	run -0 "$TREECMP" diff "$SRC" "$DEST"
	# every segment by a Range request answered 206, the archive never whole
	n=$(jq '.segments | length' "$WWW/seg/$NAME.manifest.json")
	(( n > 6 ))
	assert_equal "$(tail -n +$((since + 1)) "$BATS_FILE_TMPDIR/nginx/access.log" |
		grep -c "GET /json/seg/$NAME.tar.gz HTTP/1.1\" 206 .* range=\"bytes=[0-9]*-[0-9]*\"")" "$n"
	assert_equal "$(tail -n +$((since + 1)) "$BATS_FILE_TMPDIR/nginx/access.log" |
		grep -c "GET /json/seg/$NAME.tar.gz HTTP/1.1\" 200")" 0
	# the report kept beside DEST says the same
	jq -e '.transfer == "segments" and (.groups | length) == 4' "$DEST.lifeboat"/report-*.json
}

@test "over S3: ranged GETs through the SigV4 proxy; bit-exact with one connection and with 16" {
	. "$BATS_FILE_TMPDIR/s3/ports.env"
	export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$KEY AWS_REGION=us-east-1 \
		AWS_ENDPOINT_URL=$S3_ENDPOINT
	local c
	for f in "$WWW/seg"/*; do
		curl -sSf -o /dev/null -T "$f" --aws-sigv4 aws:amz:us-east-1:s3 -u "$KEY:$KEY" \
			-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$S3_ENDPOINT/$BUCKET/seg/${f##*/}"
	done
	for c in 1 16; do
		{ printf '[restore]\nconnections = %s\n' "$c"; cat "$PRIO"; } > "$BATS_TEST_TMPDIR/c.conf"
		run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" --json restore \
			--store "s3://$BUCKET/seg/" --dest "$DEST-$c"
		jq -e ".transfer == \"segments\" and .connections == $c" <<< "$output"
		assert_equal "$(groups_live "$output")" "1 2 3 null"
		run -0 "$TREECMP" diff "$SRC" "$DEST-$c"
	done
}

@test "over SFTP: each segment read from its offset to its end, bit-exact" {
	local ssh=$BATS_FILE_TMPDIR/ssh
	. "$ssh/ports.env"
	{
		printf '[store "nas"]\nurl = sftp://%s@127.0.0.1:%s%s/\n' "$SSH_USER" "$SSH_PORT" "$STORE_ROOT"
		printf 'identity_file = %s\nknown_hosts = %s\n' "$ssh/id_ecdsa" "$ssh/known_hosts"
		cat "$PRIO"
	} > "$BATS_TEST_TMPDIR/c.conf"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" --json restore --dest "$DEST"
	jq -e '.transfer == "segments" and .result == "ok"' <<< "$output"
	assert_equal "$(groups_live "$output")" "1 2 3 null"
	run -0 "$TREECMP" diff "$SRC" "$DEST"
}

# corrupt DIR: a copy of the backup in WWW/DIR with one byte of p3's segment
# changed (the sidecar and manifest as written).
corrupt() {
	mkdir -p "$WWW/$1"
	cp "$WWW/seg"/* "$WWW/$1/"
	flip_byte "$WWW/$1/$NAME.tar.gz" $(($(segment_of dockerwarts_glpi) + 1000))
}

@test "a corrupt segment in p3: p1 and p2 live and committed, p3 failed, exit 10; rollback puts the previous state back" {
	corrupt bad3
	cp -a "$OLD" "$DEST"
	run -10 --separate-stderr "$LIFEBOAT" -c "$PRIO" --json restore --replace \
		--store "http://127.0.0.1:$HTTP_PORT/json/bad3/" --dest "$DEST"
	jq -e '.result == "partial" and .transfer == "segments"' <<< "$output"
	assert_equal "$(jq -r '[.groups[] | "\(.priority):\(.state)"] | join(" ")' <<< "$output")" \
		"1:live 2:live 3:failed null:not restored"
	assert_equal "$(jq -r '[.volumes[].name] | join(" ")' <<< "$output")" \
		"dockerwarts_mariadb dockerwarts_cassandra dockerwarts_elasticsearch"
	[[ "$stderr" == *"'$NAME.tar.gz' restored in part: p1, p2 live, p3 failed: segment "*"'dockerwarts_glpi'): SHA-256 mismatch: the manifest says "*"; 'lifeboat rollback' undoes the whole restore"* ]]
	# p1 and p2 are the backup's, the rest is as it was; nothing staged
	for v in dockerwarts_mariadb dockerwarts_cassandra dockerwarts_elasticsearch; do
		run -0 "$TREECMP" diff "$SRC/$v" "$DEST/$v"
	done
	for v in dockerwarts_glpi dockerwarts_grafana; do
		run -0 "$TREECMP" diff "$OLD/$v" "$DEST/$v"
	done
	cmp "$OLD/metadata.db" "$DEST/metadata.db"
	no_staging "$DEST"
	# committed as far as it went: a later restore needs nothing finished
	grep -q '^partial p3 failed: ' "$DEST.lifeboat"/journal-*
	grep -qx committed "$DEST.lifeboat"/journal-*
	run -0 --separate-stderr "$LIFEBOAT" rollback --dest "$DEST"
	run -0 "$TREECMP" diff "$OLD" "$DEST"
}

@test "--atomic: the same corrupt segment commits nothing (exit 3, the destination as it was)" {
	corrupt bad3a
	cp -a "$OLD" "$DEST"
	run -3 --separate-stderr "$LIFEBOAT" -c "$PRIO" --json restore --replace --atomic \
		--store "http://127.0.0.1:$HTTP_PORT/json/bad3a/" --dest "$DEST"
	jq -e '.result == "failed"' <<< "$output"
	[[ "$(jq -r '.rejected[0].reason' <<< "$output")" == "segment "*"'dockerwarts_glpi'): SHA-256 mismatch"* ]]
	run -0 "$TREECMP" diff "$OLD" "$DEST"
	no_staging "$DEST"
	# and whole, --atomic commits every group at the end
	run -0 --separate-stderr "$LIFEBOAT" -c "$PRIO" --json restore --atomic \
		--store "http://127.0.0.1:$HTTP_PORT/json/seg/" --dest "$DEST-2"
	assert_equal "$(jq -r '[.groups[].state] | unique | join(" ")' <<< "$output")" "verified"
	run -0 "$TREECMP" diff "$SRC" "$DEST-2"
}

@test "a corrupt segment in p1: nothing goes live, the candidate is rejected as a single stream's would be" {
	mkdir -p "$WWW/bad1"
	cp "$WWW/seg"/* "$WWW/bad1/"
	flip_byte "$WWW/bad1/$NAME.tar.gz" 5000
	run -3 --separate-stderr "$LIFEBOAT" -c "$PRIO" --json restore \
		--store "http://127.0.0.1:$HTTP_PORT/json/bad1/" --dest "$DEST"
	[[ "$(jq -r '.rejected[0].reason' <<< "$output")" == "segment 1 (bytes 0-"*"'dockerwarts_mariadb'): SHA-256 mismatch"* ]]
	[ -z "$(ls -A "$DEST")" ]
	no_staging "$DEST"
}

@test "with a minisign key configured the manifest counts only signed: signed, by segments; unsigned, one stream or rejected" {
	local k=$BATS_TEST_TMPDIR/keys
	mkdir "$k" "$WWW/signed"
	minisign -G -W -p "$k/w.pub" -s "$k/w.key" > /dev/null
	{ printf '[trust]\nsecret_key_file = %s\n' "$k/w.key"; cat "$PRIO"; } > "$BATS_TEST_TMPDIR/sign.conf"
	run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/sign.conf" backup --source "$SRC" --store "$WWW/signed"
	{ printf '[trust]\npublic_key_file = %s\n' "$k/w.pub"; cat "$PRIO"; } > "$BATS_TEST_TMPDIR/v.conf"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/v.conf" --json restore \
		--store "http://127.0.0.1:$HTTP_PORT/json/signed/" --dest "$DEST"
	jq -e '.transfer == "segments" and (.archive.authenticity | startswith("minisign:"))' <<< "$output"
	run -0 "$TREECMP" diff "$SRC" "$DEST"
	# unsigned: refused while signatures are required ...
	rm "$WWW/signed/$NAME.tar.gz.sha256.minisig"
	run -3 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/v.conf" --json restore \
		--store "http://127.0.0.1:$HTTP_PORT/json/signed/" --dest "$DEST-2"
	[ -z "$(ls -A "$DEST-2")" ]
	# ... and when they are not, the manifest is not trusted for segments:
	# the whole archive streams against the sidecar's digest
	{ printf '[trust]\npublic_key_file = %s\nrequire_signature = no\n' "$k/w.pub"; cat "$PRIO"; } \
		> "$BATS_TEST_TMPDIR/v2.conf"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/v2.conf" --json restore \
		--store "http://127.0.0.1:$HTTP_PORT/json/signed/" --dest "$DEST-3"
	jq -e '.transfer == "stream" and .archive.authenticity == "none"' <<< "$output"
	[[ "$stderr" == *"'$NAME.tar.gz': its manifest is not signed: restored in one stream"* ]]
	run -0 "$TREECMP" diff "$SRC" "$DEST-3"
	# a signature that does not hold is refused either way
	printf 'untrusted comment: x\nRWQ%s\n' "$(head -c 70 /dev/zero | base64 -w0)" \
		> "$WWW/signed/$NAME.tar.gz.sha256.minisig"
	run -3 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/v2.conf" --json restore \
		--store "http://127.0.0.1:$HTTP_PORT/json/signed/" --dest "$DEST-4"
	[ -z "$(ls -A "$DEST-4" 2> /dev/null)" ]
}

@test "a segment cut mid-transfer is resumed within its range, bit-exact" {
	cutproxy_start cut --target "127.0.0.1:$HTTP_PORT" --mode cut --cut-after 300000 --cuts 12
	export LIFEBOAT_RETRIES=20
	run -0 --separate-stderr "$LIFEBOAT" -c "$PRIO" --json restore \
		--store "http://127.0.0.1:$CUT_PORT/json/seg/" --dest "$DEST"
	jq -e '.transfer == "segments"' <<< "$output"
	[[ "$stderr" == *"resuming at byte "* ]]
	grep -q ": cut after " "$BATS_TEST_TMPDIR/cut.log"
	run -0 "$TREECMP" diff "$SRC" "$DEST"
	# each resume asked for the rest of its segment only
	assert_equal "$(grep "GET /json/seg/$NAME.tar.gz HTTP" "$BATS_FILE_TMPDIR/nginx/access.log" |
		grep -vc 'range="bytes=[0-9]*-[0-9]*"' || true)" 0
}

@test "[restore] connections takes 1 to 16" {
	printf '[restore]\nconnections = 0\n' > "$BATS_TEST_TMPDIR/c.conf"
	run -2 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" restore --dest "$DEST"
	[[ "$stderr" == *"connections must be a number from 1 to 16, not '0'"* ]]
	printf '[restore]\nconnections = 17\n' > "$BATS_TEST_TMPDIR/c.conf"
	run -2 "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" restore --dest "$DEST"
}
