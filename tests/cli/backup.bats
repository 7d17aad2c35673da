#!/usr/bin/env bats
# lifeboat backup and prune: round trips read by lifeboat, GNU tar and
# bsdtar; the sidecar checked by sha256sum; segments that stand alone; a
# store that fails leaves nothing valid; quiescing against a real dockerd
# (containers by label, a one-node Swarm's services scaled to 0 and back,
# SIGTERM mid-backup); retention over 40 nights. Needs root.

setup_file() {
	load ../helpers/common
	"$TOP/tests/helpers/mktree" "$BATS_FILE_TMPDIR/src" --profile demo
}

setup() {
	load ../helpers/common
	load ../helpers/dockerd
	SRC=$BATS_FILE_TMPDIR/src
	STORE=$BATS_TEST_TMPDIR/store
	TREECMP=$TOP/tests/helpers/treecmp
	mkdir -p "$STORE"
	export LIFEBOAT_TEST_NOW=1796353200	# 2026-12-04T03:00:00Z
	NAME=lifeboat-2026-12-04T03-00-00
}

teardown() {
	dockerd_stop
	if [ -n "${MOUNTED:-}" ] && mountpoint -q "$MOUNTED"; then umount "$MOUNTED"; fi
}

# backup_roundtrip COMPRESSION EXT DECOMPRESS
backup_roundtrip() {
	local comp=$1 ext=$2 dec=$3 d
	printf '[backup]\ncompression = %s\nsegment_size = 1M\n' "$comp" > "$BATS_TEST_TMPDIR/c.conf"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" --json backup \
		--source "$SRC" --store "$STORE"
	assert_equal "$(jq -r .archive <<< "$output")" "$NAME$ext"
	assert_equal "$(ls "$STORE" | tr '\n' ' ')" \
		"$NAME.manifest.json $NAME$ext $NAME$ext.sha256 "
	# any tool checks and reads it
	(cd "$STORE" && sha256sum -c --strict "$NAME$ext.sha256")
	$dec < "$STORE/$NAME$ext" > /dev/null
	d=$BATS_TEST_TMPDIR/gnu && mkdir "$d"
	tar --xattrs --xattrs-include='*' --acls -xpf "$STORE/$NAME$ext" -C "$d" 2> /dev/null
	run -0 "$TREECMP" diff "$SRC" "$d/volumes"
	d=$BATS_TEST_TMPDIR/bsd && mkdir "$d"
	bsdtar -xpf "$STORE/$NAME$ext" -C "$d"
	run -0 "$TREECMP" diff "$SRC" "$d/volumes"
	# and lifeboat restores it exactly, checked against its manifest
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" \
		--dest "$BATS_TEST_TMPDIR/dest"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$NAME$ext"
	run -0 "$TREECMP" diff "$SRC" "$BATS_TEST_TMPDIR/dest"
}

@test "backup .tar.gz: sha256sum -c, gzip, GNU tar, bsdtar and lifeboat read it exactly" {
	backup_roundtrip gzip .tar.gz "gzip -dc"
}

@test "backup .tar.zst: the same with zstd frames" {
	backup_roundtrip zstd .tar.zst "zstd -dcq"
}

@test "the manifest: every volume's files and bytes, and segments that stand alone at their offsets" {
	local m n i off len sha
	printf '[backup]\nsegment_size = 1M\n' > "$BATS_TEST_TMPDIR/c.conf"
	run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" backup --source "$SRC" --store "$STORE"
	m=$STORE/$NAME.manifest.json
	# counts as a restore counts them: every non-directory; bytes of
	# regular files, a hard link's once
	for v in $(ls "$SRC"); do
		assert_equal "$(jq -r --arg v "$v" '.volumes[] | select(.name == $v) | .files' "$m")" \
			"$(find "$SRC/$v" ! -type d | wc -l)"
	done
	assert_equal "$(jq -r '.volumes[0].name' "$m")" dockerwarts_cassandra
	assert_equal "$(jq -r '.volumes[-1].name' "$m")" metadata.db
	n=$(jq '.segments | length' "$m")
	(( n > 6 ))	# a volume boundary each, and 1M cuts
	assert_equal "$(jq '[.segments[].length] | add' "$m")" "$(stat -c %s "$STORE/$NAME.tar.gz")"
	assert_equal "$(jq -r .sha256 "$m")" "$(sha256sum < "$STORE/$NAME.tar.gz" | cut -c1-64)"
	for ((i = 0; i < n; i++)); do
		off=$(jq ".segments[$i].offset" "$m")
		len=$(jq ".segments[$i].length" "$m")
		sha=$(jq -r ".segments[$i].sha256" "$m")
		assert_equal "$(tail -c +$((off + 1)) "$STORE/$NAME.tar.gz" | head -c "$len" | sha256sum | cut -c1-64)" "$sha"
		# a gzip member of its own
		tail -c +$((off + 1)) "$STORE/$NAME.tar.gz" | head -c "$len" | gzip -t
	done
}

@test "two stores from one read; one that fails (full disk) gets no sidecar and no partial file: exit 5" {
	MOUNTED=$BATS_TEST_TMPDIR/small
	mkdir "$MOUNTED"
	mount -t tmpfs -o size=1m tmpfs "$MOUNTED"
	head -c $((4 << 20)) /dev/urandom > "$BATS_TEST_TMPDIR/big"
	cp -a "$SRC" "$BATS_TEST_TMPDIR/src2"
	cp "$BATS_TEST_TMPDIR/big" "$BATS_TEST_TMPDIR/src2/dockerwarts_grafana/_data/"
	run -5 --separate-stderr "$LIFEBOAT" --json backup --source "$BATS_TEST_TMPDIR/src2" \
		--store "$STORE" --store "$MOUNTED"
	jq -e '.result == "failed" and (.stores | map(.ok) == [true, false])' <<< "$output"
	[[ "$stderr" == *"store '$MOUNTED'"*"No space left on device"* ]]
	assert_equal "$(ls -A "$MOUNTED")" ""
	(cd "$STORE" && sha256sum -c --strict "$NAME.tar.gz.sha256")
	run -3 "$LIFEBOAT" restore --store "$MOUNTED" --dest "$BATS_TEST_TMPDIR/d"
}

@test "a name a store already holds is refused before anything is stopped or written" {
	run -0 "$LIFEBOAT" -q backup --source "$SRC" --store "$STORE"
	before=$(ls -l --time-style=full-iso "$STORE")
	run -2 --separate-stderr "$LIFEBOAT" backup --source "$SRC" --store "$STORE"
	[[ "$stderr" == *"holds '$NAME.tar.gz' already: nothing was written"* ]]
	assert_equal "$(ls -l --time-style=full-iso "$STORE")" "$before"
}

@test "--dry-run reads and compresses, writes nothing; usage errors are exit 2" {
	run -0 --separate-stderr "$LIFEBOAT" --json backup --dry-run --source "$SRC" --store "$STORE"
	jq -e '.dry_run == true and .size > 0 and (.sha256 | length) == 64' <<< "$output"
	assert_equal "$(ls -A "$STORE")" ""
	run -2 "$LIFEBOAT" backup --volume ../x --store "$STORE"
	run -2 --separate-stderr "$LIFEBOAT" backup --source "$SRC" --volume nosuch --store "$STORE"
	[[ "$stderr" == *"no volume 'nosuch' in '$SRC'"* ]]
	printf '[backup]\ncompression = lz4\n' > "$BATS_TEST_TMPDIR/bad.conf"
	run -2 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/bad.conf" backup --store "$STORE"
	[[ "$stderr" == *"compression must be gzip or zstd, not 'lz4'"* ]]
	run -2 "$LIFEBOAT" backup --store "http://127.0.0.1:9/x/"
}

# swarm_and_containers: a daemon with a labelled container, an unlabelled
# one, and a labelled Swarm service of 2 replicas, all on volumes.
swarm_and_containers() {
	local i
	dockerd_start "$BATS_TEST_TMPDIR/dk"
	mkdir -p "$BATS_TEST_TMPDIR/rootfs/bin"
	cp "$(command -v busybox)" "$BATS_TEST_TMPDIR/rootfs/bin/"
	for i in sh sleep; do ln -s busybox "$BATS_TEST_TMPDIR/rootfs/bin/$i"; done
	tar -C "$BATS_TEST_TMPDIR/rootfs" -c . | dk import - lbt/busybox:1 > /dev/null
	dk run -d --init --name db --label docker-volume-backup.stop-during-backup=true \
		-v dbdata:/data lbt/busybox:1 sh -c 'echo row > /data/table; sleep 3600' > /dev/null
	dk run -d --init --name other -v otherdata:/data lbt/busybox:1 sleep 3600 > /dev/null
	dk swarm init --advertise-addr 127.0.0.1 > /dev/null
	dk service create --detach --name web --replicas 2 --init \
		--label docker-volume-backup.stop-during-backup=true \
		--mount type=volume,src=webdata,dst=/data lbt/busybox:1 sleep 3600 > /dev/null
	for ((i = 0; i < 300; i++)); do
		[ "$(dk service ls --format '{{.Replicas}}')" = "2/2" ] && break
		sleep 0.2
	done
	assert_equal "$(dk service ls --format '{{.Replicas}}')" "2/2"
	printf '[backup]\ndocker_socket = %s\n' "$DOCKER_SOCK" > "$BATS_TEST_TMPDIR/dk.conf"
}

running() {
	dk ps --format '{{.Names}}' | sed 's/\..*//' | sort | tr '\n' ' '
}

@test "quiescing against a real dockerd: the labelled container stopped and a Swarm service scaled to 0 while reading, both back after" {
	swarm_and_containers
	assert_equal "$(running)" "db other web web "
	# the pre hook sees the stopped window
	printf 'pre = sh -c "docker -H unix://%s ps --format {{.Names}} | sed s/[.].*// | sort | tr \\"\\\\n\\" \\" \\" > %s"\n' \
		"$DOCKER_SOCK" "$BATS_TEST_TMPDIR/during" >> "$BATS_TEST_TMPDIR/dk.conf"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/dk.conf" --json backup \
		--source "$BATS_TEST_TMPDIR/dk/root/volumes" --store "$STORE"
	jq -e '.stopped.containers == 1 and .stopped.services == 1 and .stopped.restarted == true' <<< "$output"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/during")" "other "
	[[ "$stderr" == *"stopping container 'db'"* && "$stderr" == *"scaling service 'web' from 2 to 0 replicas"* ]]
	for ((i = 0; i < 300; i++)); do
		[ "$(running)" = "db other web web " ] && break
		sleep 0.2
	done
	assert_equal "$(running)" "db other web web "
	assert_equal "$(dk service inspect -f '{{.Spec.Mode.Replicated.Replicas}}' web)" 2
	# the archive holds what the stopped container wrote
	run -0 "$LIFEBOAT" -q restore --store "$STORE" --dest "$BATS_TEST_TMPDIR/d" --ignore-running-docker
	assert_equal "$(cat "$BATS_TEST_TMPDIR/d/dbdata/_data/table")" row
}

@test "a backup killed with SIGTERM while it reads leaves every container and service running again" {
	swarm_and_containers
	head -c $((200 << 20)) /dev/urandom > "$BATS_TEST_TMPDIR/dk/root/volumes/dbdata/_data/big"
	printf 'level = 9\n' >> "$BATS_TEST_TMPDIR/dk.conf"
	"$LIFEBOAT" -c "$BATS_TEST_TMPDIR/dk.conf" backup --source "$BATS_TEST_TMPDIR/dk/root/volumes" \
		--store "$STORE" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		[ "$(stat -c %s "$STORE/$NAME.tar.gz.partial" 2> /dev/null || echo 0)" -gt 1000000 ] && break
		sleep 0.1
	done
	[ -f "$STORE/$NAME.tar.gz.partial" ]
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 130
	cat "$BATS_TEST_TMPDIR/err" >&2
	assert_equal "$(ls -A "$STORE")" ""
	grep -q "starting container 'db'" "$BATS_TEST_TMPDIR/err"
	for ((i = 0; i < 300; i++)); do
		[ "$(running)" = "db other web web " ] && break
		sleep 0.2
	done
	assert_equal "$(running)" "db other web web "
}

@test "a store that fails at any step of the backup (the test build's fault points) leaves no sidecar and the stopped container running again: exit 5" {
	local fault_lifeboat=${FAULT_LIFEBOAT:-$TOP/build/asan/lifeboat} step i st
	[ -x "$fault_lifeboat" ] || fail "no test build $fault_lifeboat (make build/asan/lifeboat)"
	dockerd_start "$BATS_TEST_TMPDIR/dk"
	mkdir -p "$BATS_TEST_TMPDIR/rootfs/bin"
	cp "$(command -v busybox)" "$BATS_TEST_TMPDIR/rootfs/bin/"
	for i in sh sleep; do ln -s busybox "$BATS_TEST_TMPDIR/rootfs/bin/$i"; done
	tar -C "$BATS_TEST_TMPDIR/rootfs" -c . | dk import - lbt/busybox:1 > /dev/null
	dk run -d --init --name db --label docker-volume-backup.stop-during-backup=true \
		-v dbdata:/data lbt/busybox:1 sh -c 'echo row > /data/table; sleep 3600' > /dev/null
	printf '[backup]\ndocker_socket = %s\n' "$DOCKER_SOCK" > "$BATS_TEST_TMPDIR/dk.conf"
	for step in backup.open backup.write backup.commit backup.manifest backup.sidecar; do
		st=$BATS_TEST_TMPDIR/st-$step
		mkdir "$st"
		: > "$BATS_TEST_TMPDIR/fault.log"
		LIFEBOAT_FAULT=$step:EIO LIFEBOAT_FAULT_LOG=$BATS_TEST_TMPDIR/fault.log \
			run -5 --separate-stderr "$fault_lifeboat" -c "$BATS_TEST_TMPDIR/dk.conf" \
			backup --source "$BATS_TEST_TMPDIR/dk/root/volumes" --store "$st"
		echo "$step: $stderr"
		grep -qx "$step $step:EIO" "$BATS_TEST_TMPDIR/fault.log"
		[[ "$stderr" == *"stopping container 'db'"* && "$stderr" == *"starting container 'db'"* ]]
		[[ "$stderr" == *"store '$st'"*": Input/output error"* ]]
		[[ "${stderr##*$'\n'}" == "lifeboat: "* && "${stderr##*$'\n'}" != *warning* ]]
		# nothing visible as valid: no sidecar, no archive, no manifest
		assert_equal "$(ls -A "$st")" ""
		assert_equal "$(dk ps --format '{{.Names}}')" db
	done
}

@test "retention over 40 nights: keep_daily 7, keep_weekly 4, keep_monthly 3 keep exactly those; foreign and half-written files stay" {
	local t i kept
	printf '[backup]\nkeep_daily = 7\nkeep_weekly = 4\nkeep_monthly = 3\nvolumes = dockerwarts_grafana\n' \
		> "$BATS_TEST_TMPDIR/r.conf"
	echo "not ours" > "$STORE/lifeboat-notes.txt"
	echo "not ours" > "$STORE/backup-2026-10-01T03-00-00.tar.gz"
	# nights from 2026-10-26 to 2026-12-04, 03:00 UTC
	for ((i = 39; i >= 0; i--)); do
		t=$((1796353200 - i * 86400))
		export LIFEBOAT_TEST_NOW=$t
		run "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/r.conf" backup --source "$SRC" --store "$STORE"
		[ "$status" -eq 0 ] || { echo "night $i: $output" >&3; false; }
		# an incomplete one (its sidecar never written) on night 30
		if ((i == 10)); then rm "$STORE/$(date -u -d @$t +lifeboat-%Y-%m-%dT%H-%M-%S).tar.gz.sha256"; fi
	done
	kept=$(ls "$STORE" | sed -n 's/^\(lifeboat-[0-9T-]*\)\.tar\.gz\.sha256$/\1/p' | sort | tr '\n' ' ')
	# the last 7 days (Nov 28 to Dec 4); the newest of each of the 4
	# newest ISO weeks (Dec 4, then the Sundays Nov 29, 22 and 15); the
	# newest of each of 3 months (Dec 4, Nov 30, Oct 31)
	assert_equal "$kept" "lifeboat-2026-10-31T03-00-00 lifeboat-2026-11-15T03-00-00 lifeboat-2026-11-22T03-00-00 lifeboat-2026-11-28T03-00-00 lifeboat-2026-11-29T03-00-00 lifeboat-2026-11-30T03-00-00 lifeboat-2026-12-01T03-00-00 lifeboat-2026-12-02T03-00-00 lifeboat-2026-12-03T03-00-00 lifeboat-2026-12-04T03-00-00 "
	# foreign files, and the half-written backup, stay
	[ -f "$STORE/lifeboat-notes.txt" ] && [ -f "$STORE/backup-2026-10-01T03-00-00.tar.gz" ]
	[ -f "$STORE/lifeboat-2026-11-24T03-00-00.tar.gz" ]
	# each kept backup is whole; nothing of a pruned one is left
	assert_equal "$(ls "$STORE" | grep -c '^lifeboat-2026-11-05')" 0
	assert_equal "$(ls "$STORE" | grep -c '\.manifest\.json$')" 11
	# prune --dry-run: nothing more to prune, nothing deleted
	run -0 "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/r.conf" prune --dry-run --store "$STORE"
	assert_equal "$output" ""
	printf 'keep_daily = 2\nkeep_weekly = 0\nkeep_monthly = 0\n' >> "$BATS_TEST_TMPDIR/r.conf"
	before=$(ls "$STORE")
	run -0 "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/r.conf" prune --dry-run --store "$STORE"
	assert_equal "$(wc -l <<< "$output")" 8
	[[ "$output" == "would prune $STORE: lifeboat-2026-10-31T03-00-00"* ]]
	assert_equal "$(ls "$STORE")" "$before"
	run -0 "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/r.conf" prune --store "$STORE"
	assert_equal "$(ls "$STORE" | sed -n 's/\.tar\.gz\.sha256$//p' | tr '\n' ' ')" \
		"lifeboat-2026-12-03T03-00-00 lifeboat-2026-12-04T03-00-00 "
}

@test "configs/: the systemd service and timer pass systemd-analyze verify silently; the cron line runs the backup at 03:00" {
	local d=$BATS_TEST_TMPDIR/units
	mkdir "$d"
	cp "$TOP/configs/lifeboat-backup.service" "$TOP/configs/lifeboat-backup.timer" "$d/"
	# the binary where the unit expects it is this build
	sed -i "s|/usr/local/bin/lifeboat|$LIFEBOAT|" "$d/lifeboat-backup.service"
	run -0 systemd-analyze verify --man=no "$d/lifeboat-backup.service" "$d/lifeboat-backup.timer"
	assert_output ""
	grep -qx 'OnCalendar=\*-\*-\* 03:00:00' "$d/lifeboat-backup.timer"
	grep -q '^ExecStart=.* backup$' "$d/lifeboat-backup.service"
	# the check can fail: a misplaced key is reported
	echo 'OnCalendar=daily' >> "$d/lifeboat-backup.timer"
	run systemd-analyze verify --man=no "$d/lifeboat-backup.service" "$d/lifeboat-backup.timer"
	[[ "$output" == *"Unknown key 'OnCalendar' in section [Install]"* ]]
	grep -Eq '^0 3 \* \* \* root lifeboat -q backup' "$TOP/configs/lifeboat-backup.cron"
}

@test "restore checks the manifest: a backup whose content disagrees with it is rejected, as is a manifest the sidecar does not vouch for" {
	local m
	run -0 "$LIFEBOAT" -q backup --source "$SRC" --store "$STORE"
	m=$STORE/$NAME.manifest.json
	cp "$m" "$BATS_TEST_TMPDIR/m.orig"
	cp "$STORE/$NAME.tar.gz.sha256" "$BATS_TEST_TMPDIR/s.orig"
	# a manifest that says one file more, vouched for by the sidecar
	jq -c '(.volumes[] | select(.name == "dockerwarts_glpi") | .files) += 1' "$BATS_TEST_TMPDIR/m.orig" > "$m"
	(cd "$STORE" && sha256sum "$NAME.tar.gz" "$NAME.manifest.json" > "$NAME.tar.gz.sha256")
	run -3 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$BATS_TEST_TMPDIR/d1"
	[[ "$(jq -r '.rejected[0].reason' <<< "$output")" == "'dockerwarts_glpi': the manifest says "*" files and "*" bytes, the archive held "*" files and "*" bytes" ]]
	[ ! -e "$BATS_TEST_TMPDIR/d1/dockerwarts_glpi" ]
	# a manifest changed behind the sidecar's back
	cp "$BATS_TEST_TMPDIR/s.orig" "$STORE/$NAME.tar.gz.sha256"
	run -3 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE" --dest "$BATS_TEST_TMPDIR/d2"
	assert_equal "$(jq -r '.rejected[0].reason' <<< "$output")" \
		"its manifest '$NAME.manifest.json' does not match the sidecar's digest for it"
	# as written, it restores
	cp "$BATS_TEST_TMPDIR/m.orig" "$m"
	run -0 "$LIFEBOAT" -q restore --store "$STORE" --dest "$BATS_TEST_TMPDIR/d3"
	run -0 "$TREECMP" diff "$SRC" "$BATS_TEST_TMPDIR/d3"
}

@test "signed backups: the sidecar's signature passes minisign -V, and restore with the public key proves who made it; a key that does not open stops the backup before anything is written" {
	local k=$BATS_TEST_TMPDIR/keys
	mkdir "$k"
	minisign -G -W -p "$k/w.pub" -s "$k/w.key" > /dev/null
	printf '[trust]\nsecret_key_file = %s\n' "$k/w.key" > "$BATS_TEST_TMPDIR/sign.conf"
	run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/sign.conf" backup --source "$SRC" --store "$STORE"
	[ -f "$STORE/$NAME.tar.gz.sha256.minisig" ]
	run -0 minisign -V -p "$k/w.pub" -m "$STORE/$NAME.tar.gz.sha256"
	[[ "$output" == *"file:$NAME.tar.gz.sha256"* ]]
	(cd "$STORE" && sha256sum -c --strict "$NAME.tar.gz.sha256")
	printf '[trust]\npublic_key_file = %s\n' "$k/w.pub" > "$BATS_TEST_TMPDIR/verify.conf"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/verify.conf" --json restore \
		--store "$STORE" --dest "$BATS_TEST_TMPDIR/d"
	id=$(sed -n 2p "$k/w.pub" | base64 -d | od -An -tx1 -j2 -N8 | tr -d ' \n' | fold -w2 | tac | tr -d '\n' | tr a-f A-F)
	assert_equal "$(jq -r .archive.authenticity <<< "$output")" "minisign:$id"
	# a passphrase-protected key (minisign -G reads it from stdin when
	# that is no terminal), opened with its passphrase file
	printf 'correct horse\ncorrect horse\n' | minisign -G -p "$k/p.pub" -s "$k/p.key" > /dev/null
	echo 'correct horse' > "$k/pass"
	printf '[trust]\nsecret_key_file = %s\nsecret_key_passphrase_file = %s\n' "$k/p.key" "$k/pass" \
		> "$BATS_TEST_TMPDIR/sign2.conf"
	export LIFEBOAT_TEST_NOW=$((LIFEBOAT_TEST_NOW + 86400))
	run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/sign2.conf" backup --source "$SRC" --store "$STORE"
	run -0 minisign -V -p "$k/p.pub" -m "$STORE/lifeboat-2026-12-05T03-00-00.tar.gz.sha256"
	# the wrong passphrase: refused before anything is stopped or written
	echo 'wrong' > "$k/pass"
	export LIFEBOAT_TEST_NOW=$((LIFEBOAT_TEST_NOW + 86400))
	before=$(ls "$STORE")
	run -2 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/sign2.conf" backup --source "$SRC" --store "$STORE"
	[[ "$stderr" == *"secret_key_file '$k/p.key': the minisign secret key does not open: wrong passphrase, or a damaged key"* ]]
	assert_equal "$(ls "$STORE")" "$before"
}
