#!/usr/bin/env bats
# lifeboat backup with [trust] recipients: the archive and its manifest
# age-encrypted in the same pass, read back by Debian's age (an X25519
# recipient from age-keygen, an ssh-ed25519 one from ssh-keygen, two at
# once), the sidecar by sha256sum -c and its signature by minisign -V;
# round trips through lifeboat restore with the identity; the encrypted
# manifest checked by restore; a compressed stream of exactly N * 64 KiB;
# an empty volume; retention of .age backups; a recipient that does not
# parse stops everything before a real dockerd's container is touched.
# Needs root.

setup_file() {
	load ../helpers/common
	"$TOP/tests/helpers/mktree" "$BATS_FILE_TMPDIR/src" --profile demo
	# an empty volume too
	mkdir -p "$BATS_FILE_TMPDIR/src/dockerwarts_empty/_data"
	age-keygen -o "$BATS_FILE_TMPDIR/age.key" 2> /dev/null
	ssh-keygen -q -t ed25519 -N '' -C backup@test -f "$BATS_FILE_TMPDIR/id_ed25519"
}

setup() {
	load ../helpers/common
	load ../helpers/dockerd
	SRC=$BATS_FILE_TMPDIR/src
	STORE=$BATS_TEST_TMPDIR/store
	TREECMP=$TOP/tests/helpers/treecmp
	AGEKEY=$BATS_FILE_TMPDIR/age.key
	SSHKEY=$BATS_FILE_TMPDIR/id_ed25519
	AGEPUB=$(age-keygen -y "$AGEKEY")
	SSHPUB=$(cat "$SSHKEY.pub")
	mkdir -p "$STORE"
	export LIFEBOAT_TEST_NOW=1796353200	# 2026-12-04T03:00:00Z
	NAME=lifeboat-2026-12-04T03-00-00
}

teardown() {
	dockerd_stop
}

# conf FILE LINE...: a config of those lines.
conf() {
	local f=$1
	shift
	printf '%s\n' "$@" > "$f"
}

# plain_twin COMPRESSION: the same backup, unencrypted, in $BATS_TEST_TMPDIR/plain.
plain_twin() {
	mkdir -p "$BATS_TEST_TMPDIR/plain"
	conf "$BATS_TEST_TMPDIR/plain.conf" '[backup]' "compression = $1" 'segment_size = 1M'
	run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/plain.conf" backup --source "$SRC" \
		--store "$BATS_TEST_TMPDIR/plain"
}

@test "an X25519 recipient (age-keygen): .tar.gz.age that age -d decrypts to the stream a plain backup holds; sha256sum -c; restored bit-exact" {
	local m dec=$BATS_TEST_TMPDIR/dec.tar.gz n i off len sha
	conf "$BATS_TEST_TMPDIR/c.conf" '[backup]' 'segment_size = 1M' '[trust]' "recipients = $AGEPUB"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" --json backup \
		--source "$SRC" --store "$STORE"
	assert_equal "$(jq -r .archive <<< "$output")" "$NAME.tar.gz.age"
	assert_equal "$(jq -c .encryption <<< "$output")" '{"format":"age","recipients":{"X25519":1,"ssh-ed25519":0}}'
	assert_equal "$(ls "$STORE" | tr '\n' ' ')" \
		"$NAME.manifest.json.age $NAME.tar.gz.age $NAME.tar.gz.age.sha256 "
	# the sidecar: the stored (encrypted) files, checked without a key
	(cd "$STORE" && sha256sum -c --strict "$NAME.tar.gz.age.sha256")
	assert_equal "$(jq -r .sha256 <<< "$output")" "$(sha256sum < "$STORE/$NAME.tar.gz.age" | cut -c1-64)"
	head -c 22 "$STORE/$NAME.tar.gz.age" | grep -qx 'age-encryption.org/v1'
	! gzip -t < "$STORE/$NAME.tar.gz.age" 2> /dev/null
	# Debian's age decrypts it to a gzip stream tar reads
	age -d -i "$AGEKEY" -o "$dec" "$STORE/$NAME.tar.gz.age"
	gzip -t < "$dec"
	# ... holding what the same backup unencrypted holds
	plain_twin gzip
	assert_equal "$(tar tvzf "$dec")" "$(tar tvzf "$BATS_TEST_TMPDIR/plain/$NAME.tar.gz")"
	mkdir "$BATS_TEST_TMPDIR/x"
	tar --xattrs --xattrs-include='*' --acls -xpzf "$dec" -C "$BATS_TEST_TMPDIR/x" 2> /dev/null
	run -0 "$TREECMP" diff "$SRC" "$BATS_TEST_TMPDIR/x/volumes"
	# the manifest decrypts too; its segments are of the decrypted stream
	m=$BATS_TEST_TMPDIR/m.json
	age -d -i "$AGEKEY" -o "$m" "$STORE/$NAME.manifest.json.age"
	assert_equal "$(jq -r .archive "$m")" "$NAME.tar.gz.age"
	assert_equal "$(jq -r .sha256 "$m")" "$(sha256sum < "$STORE/$NAME.tar.gz.age" | cut -c1-64)"
	assert_equal "$(jq .encryption.stream_size "$m")" "$(stat -c %s "$dec")"
	assert_equal "$(jq '[.segments[].length] | add' "$m")" "$(stat -c %s "$dec")"
	n=$(jq '.segments | length' "$m")
	(( n > 6 ))
	for ((i = 0; i < n; i++)); do
		off=$(jq ".segments[$i].offset" "$m")
		len=$(jq ".segments[$i].length" "$m")
		sha=$(jq -r ".segments[$i].sha256" "$m")
		assert_equal "$(tail -c +$((off + 1)) "$dec" | head -c "$len" | sha256sum | cut -c1-64)" "$sha"
		tail -c +$((off + 1)) "$dec" | head -c "$len" | gzip -t
	done
	assert_equal "$(jq -r '.volumes[] | select(.name == "dockerwarts_empty") | .files' "$m")" 0
	# lifeboat restores it exactly with the identity, the manifest checked
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" \
		--dest "$BATS_TEST_TMPDIR/dest" --identity "$AGEKEY"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NAME.tar.gz.age"
	assert_equal "$(jq -r .archive.integrity <<< "$output")" sha256
	run -0 "$TREECMP" diff "$SRC" "$BATS_TEST_TMPDIR/dest"
	[ -d "$BATS_TEST_TMPDIR/dest/dockerwarts_empty/_data" ]
	# and not without it
	run -3 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" \
		--dest "$BATS_TEST_TMPDIR/dest2"
	[[ "$(jq -r '.rejected[0].reason' <<< "$output")" == *"no identity is configured"* ]]
}

@test "an ssh-ed25519 recipient (ssh-keygen) and zstd: age -d -i id_ed25519 decrypts it; restored bit-exact with the SSH key" {
	local dec=$BATS_TEST_TMPDIR/dec.tar.zst
	conf "$BATS_TEST_TMPDIR/c.conf" '[backup]' 'compression = zstd' 'segment_size = 1M' \
		'[trust]' "recipients = $SSHPUB"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" --json backup \
		--source "$SRC" --store "$STORE"
	assert_equal "$(jq -c .encryption <<< "$output")" '{"format":"age","recipients":{"X25519":0,"ssh-ed25519":1}}'
	assert_equal "$(ls "$STORE" | tr '\n' ' ')" \
		"$NAME.manifest.json.age $NAME.tar.zst.age $NAME.tar.zst.age.sha256 "
	(cd "$STORE" && sha256sum -c --strict "$NAME.tar.zst.age.sha256")
	grep -aq '^-> ssh-ed25519 ' "$STORE/$NAME.tar.zst.age"
	age -d -i "$SSHKEY" -o "$dec" "$STORE/$NAME.tar.zst.age"
	zstd -tq < "$dec"
	plain_twin zstd
	assert_equal "$(tar tv --zstd -f "$dec")" "$(tar tv --zstd -f "$BATS_TEST_TMPDIR/plain/$NAME.tar.zst")"
	age -d -i "$SSHKEY" "$STORE/$NAME.manifest.json.age" | jq -e '.compression == "zstd"'
	run -0 "$LIFEBOAT" -q restore --store "$STORE" --dest "$BATS_TEST_TMPDIR/dest" \
		--identity "$SSHKEY"
	run -0 "$TREECMP" diff "$SRC" "$BATS_TEST_TMPDIR/dest"
}

@test "two recipients (recipients and recipients_file): each key alone decrypts archive and manifest; signed, minisign -V checks the sidecar" {
	local k=$BATS_TEST_TMPDIR/keys key
	mkdir "$k"
	minisign -G -W -p "$k/w.pub" -s "$k/w.key" > /dev/null
	printf '# the offsite key\n\n%s\n' "$SSHPUB" > "$k/recipients.txt"
	conf "$BATS_TEST_TMPDIR/c.conf" '[trust]' "recipients = $AGEPUB" \
		"recipients_file = $k/recipients.txt" "secret_key_file = $k/w.key"
	run -0 "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" backup --source "$SRC" --store "$STORE"
	[[ "$output" == *"encrypted with age to 1 X25519 and 1 ssh-ed25519 recipients"* ]]
	assert_equal "$(grep -ac '^-> ' "$STORE/$NAME.tar.gz.age")" 2
	for key in "$AGEKEY" "$SSHKEY"; do
		age -d -i "$key" "$STORE/$NAME.tar.gz.age" | gzip -t
		age -d -i "$key" "$STORE/$NAME.manifest.json.age" | jq -e '.format == "lifeboat-manifest-1"'
	done
	(cd "$STORE" && sha256sum -c --strict "$NAME.tar.gz.age.sha256")
	run -0 minisign -V -p "$k/w.pub" -m "$STORE/$NAME.tar.gz.age.sha256"
	[[ "$output" == *"file:$NAME.tar.gz.age.sha256"* ]]
	# a restore that requires the signature and has the SSH key
	conf "$BATS_TEST_TMPDIR/v.conf" '[trust]' "public_key_file = $k/w.pub" "identity_file = $SSHKEY"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/v.conf" --json restore \
		--store "$STORE" --dest "$BATS_TEST_TMPDIR/dest"
	[[ "$(jq -r .archive.authenticity <<< "$output")" == minisign:* ]]
	run -0 "$TREECMP" diff "$SRC" "$BATS_TEST_TMPDIR/dest"
	# --dry-run says it is encrypted, and to what types, never which key
	rm -r "$BATS_TEST_TMPDIR/dest" "$BATS_TEST_TMPDIR/dest.lifeboat"
	export LIFEBOAT_TEST_NOW=$((LIFEBOAT_TEST_NOW + 60))
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" --json backup \
		--dry-run --source "$SRC" --store "$BATS_TEST_TMPDIR/none"
	jq -e '.dry_run == true and .encryption.format == "age" and .encryption.recipients == {"X25519": 1, "ssh-ed25519": 1}' <<< "$output"
	[[ "$output$stderr" != *"${AGEPUB:4:20}"* && "$output$stderr" != *"${SSHPUB:20:20}"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/none" ]
}

@test "restore checks the encrypted manifest: a changed count (re-encrypted, sidecar updated) is rejected, so is one changed behind the sidecar's back, or one no identity opens" {
	local m=$STORE/$NAME.manifest.json.age side=$STORE/$NAME.tar.gz.age.sha256
	conf "$BATS_TEST_TMPDIR/c.conf" '[trust]' "recipients = $AGEPUB"
	run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" backup --source "$SRC" --store "$STORE"
	cp "$m" "$BATS_TEST_TMPDIR/m.orig"
	cp "$side" "$BATS_TEST_TMPDIR/s.orig"
	# one file more for a volume, encrypted to the same recipient
	age -d -i "$AGEKEY" "$BATS_TEST_TMPDIR/m.orig" |
		jq -c '(.volumes[] | select(.name == "dockerwarts_glpi") | .files) += 1' |
		age -r "$AGEPUB" -o "$m"
	(cd "$STORE" && sha256sum "$NAME.tar.gz.age" "$NAME.manifest.json.age" > "$side")
	run -3 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" \
		--dest "$BATS_TEST_TMPDIR/d1" --identity "$AGEKEY"
	[[ "$(jq -r '.rejected[0].reason' <<< "$output")" == "'dockerwarts_glpi': the manifest says "*" files and "*" bytes, the archive held "*" files and "*" bytes" ]]
	[ ! -e "$BATS_TEST_TMPDIR/d1/dockerwarts_glpi" ]
	# the same, behind the sidecar's back
	cp "$BATS_TEST_TMPDIR/s.orig" "$side"
	run -3 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" \
		--dest "$BATS_TEST_TMPDIR/d2" --identity "$AGEKEY"
	assert_equal "$(jq -r '.rejected[0].reason' <<< "$output")" \
		"its manifest '$NAME.manifest.json.age' does not match the sidecar's digest for it"
	# encrypted to another key only (sidecar updated): it does not decrypt
	age-keygen -o "$BATS_TEST_TMPDIR/other.key" 2> /dev/null
	age -d -i "$AGEKEY" "$BATS_TEST_TMPDIR/m.orig" |
		age -r "$(age-keygen -y "$BATS_TEST_TMPDIR/other.key")" -o "$m"
	(cd "$STORE" && sha256sum "$NAME.tar.gz.age" "$NAME.manifest.json.age" > "$side")
	run -3 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" \
		--dest "$BATS_TEST_TMPDIR/d3" --identity "$AGEKEY"
	[[ "$(jq -r '.rejected[0].reason' <<< "$output")" == "its manifest '$NAME.manifest.json.age' does not decrypt: no identity matches"* ]]
	# as written, it restores
	cp "$BATS_TEST_TMPDIR/m.orig" "$m"
	cp "$BATS_TEST_TMPDIR/s.orig" "$side"
	run -0 "$LIFEBOAT" -q restore --store "$STORE" --dest "$BATS_TEST_TMPDIR/d4" --identity "$AGEKEY"
	run -0 "$TREECMP" diff "$SRC" "$BATS_TEST_TMPDIR/d4"
}

@test "a compressed stream of exactly N x 64 KiB: its final chunk is a full one, age -d reads it and lifeboat restores it" {
	local s=$BATS_TEST_TMPDIR/s64 size want z i
	mkdir -p "$s/v/_data"
	head -c 400000 /dev/urandom > "$BATS_TEST_TMPDIR/rand"
	conf "$BATS_TEST_TMPDIR/c.conf" '[backup]' 'level = 1' '[trust]' "recipients = $AGEPUB"
	size=300000
	want=$((5 * 65536))
	# random bytes are stored as they are: each byte of the file is a
	# byte of the stream, so a few tries land on the size exactly
	for ((i = 0; i < 12; i++)); do
		head -c "$size" "$BATS_TEST_TMPDIR/rand" > "$s/v/_data/f"
		touch -d @1700000000 "$s/v/_data/f" "$s/v/_data" "$s/v"
		rm -rf "$STORE" && mkdir "$STORE"
		run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" backup --source "$s" --store "$STORE"
		z=$(age -d -i "$AGEKEY" "$STORE/$NAME.manifest.json.age" | jq .encryption.stream_size)
		((z == want)) && break
		size=$((size + want - z))
	done
	assert_equal "$z" "$want"
	# the age file: header, nonce, and 5 chunks of 64 KiB + 16, no more
	age -d -i "$AGEKEY" "$STORE/$NAME.tar.gz.age" | gzip -t
	assert_equal "$(age -d -i "$AGEKEY" "$STORE/$NAME.tar.gz.age" | wc -c)" "$want"
	hdr=$(grep -abo -m1 '^--- ' "$STORE/$NAME.tar.gz.age" | cut -d: -f1)
	assert_equal "$(stat -c %s "$STORE/$NAME.tar.gz.age")" $((hdr + 48 + 16 + want + 5 * 16))
	run -0 "$LIFEBOAT" -q restore --store "$STORE" --dest "$BATS_TEST_TMPDIR/d" --identity "$AGEKEY"
	run -0 "$TREECMP" diff "$s" "$BATS_TEST_TMPDIR/d"
}

@test "retention treats .age backups and their companions as lifeboat's own" {
	local i
	conf "$BATS_TEST_TMPDIR/c.conf" '[backup]' 'keep_daily = 2' 'volumes = dockerwarts_grafana' \
		'[trust]' "recipients = $AGEPUB"
	echo "not ours" > "$STORE/lifeboat-notes.txt.age"
	for i in 3 2 1 0; do
		export LIFEBOAT_TEST_NOW=$((1796353200 - i * 86400))
		run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" backup --source "$SRC" --store "$STORE"
	done
	assert_equal "$(ls "$STORE" | tr '\n' ' ')" "lifeboat-2026-12-03T03-00-00.manifest.json.age lifeboat-2026-12-03T03-00-00.tar.gz.age lifeboat-2026-12-03T03-00-00.tar.gz.age.sha256 lifeboat-2026-12-04T03-00-00.manifest.json.age lifeboat-2026-12-04T03-00-00.tar.gz.age lifeboat-2026-12-04T03-00-00.tar.gz.age.sha256 lifeboat-notes.txt.age "
}

@test "a recipient that does not parse: exit 2 naming the key and line, before a running container is stopped or anything written" {
	local started
	dockerd_start "$BATS_TEST_TMPDIR/dk"
	mkdir -p "$BATS_TEST_TMPDIR/rootfs/bin"
	cp "$(command -v busybox)" "$BATS_TEST_TMPDIR/rootfs/bin/"
	for i in sh sleep; do ln -s busybox "$BATS_TEST_TMPDIR/rootfs/bin/$i"; done
	tar -C "$BATS_TEST_TMPDIR/rootfs" -c . | dk import - lbt/busybox:1 > /dev/null
	dk run -d --init --name db --label docker-volume-backup.stop-during-backup=true \
		-v dbdata:/data lbt/busybox:1 sleep 3600 > /dev/null
	started=$(dk inspect -f '{{.State.StartedAt}}' db)
	local vols=$BATS_TEST_TMPDIR/dk/root/volumes
	# in the config: refused when it is read
	conf "$BATS_TEST_TMPDIR/bad.conf" '[backup]' "docker_socket = $DOCKER_SOCK" \
		'[trust]' "recipients = $AGEPUB" 'recipients = ssh-rsa AAAAB3NzaC1yc2E x@y'
	run -2 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/bad.conf" backup --source "$vols" --store "$STORE"
	assert_equal "$stderr" "lifeboat: $BATS_TEST_TMPDIR/bad.conf:5: [trust] recipients: an SSH ssh-rsa key: only ssh-ed25519 public keys are supported as recipients"
	conf "$BATS_TEST_TMPDIR/pq.conf" '[trust]' 'recipients = age1pq1x34nzsvr0rxjsgdn8zgyhfe8j7ceq5r9rdelkjuh3y235jzxshf'
	run -2 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/pq.conf" backup --source "$vols" --store "$STORE"
	[[ "$stderr" == *"pq.conf:2: [trust] recipients: post-quantum age recipients (age1pq1...) are not supported"* ]]
	# in a recipients file: refused before anything is stopped
	printf '# keys\n%s\nage1notarecipient\n' "$AGEPUB" > "$BATS_TEST_TMPDIR/r.txt"
	conf "$BATS_TEST_TMPDIR/badf.conf" '[backup]' "docker_socket = $DOCKER_SOCK" \
		'[trust]' "recipients_file = $BATS_TEST_TMPDIR/r.txt"
	run -2 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/badf.conf" backup --source "$vols" --store "$STORE"
	assert_equal "$stderr" "lifeboat: [trust] recipients_file: '$BATS_TEST_TMPDIR/r.txt' line 3: not a valid age recipient (age1...: a wrong checksum or length)"
	assert_equal "$(ls -A "$STORE")" ""
	assert_equal "$(dk inspect -f '{{.State.Running}} {{.State.StartedAt}}' db)" "true $started"
	# the check can fail: the file fixed, the container is stopped and
	# started again (a new start time), and the backup written
	sed -i '/notarecipient/d' "$BATS_TEST_TMPDIR/r.txt"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/badf.conf" --json backup --source "$vols" --store "$STORE"
	jq -e '.stopped.containers == 1 and .stopped.restarted == true' <<< "$output"
	[ "$(dk inspect -f '{{.State.StartedAt}}' db)" != "$started" ]
	(cd "$STORE" && sha256sum -c --strict "$NAME.tar.gz.age.sha256")
}
