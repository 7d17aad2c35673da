#!/usr/bin/env bats
# lifeboat restore: round trips through every compression and layout, the
# JSON result and report, dry runs, --volume, --replace and rollback, and
# the usage errors. Needs root (mktree, owners, xattrs).

# pack DIR MEMBER OUT [TAR-OPTION...]: archive MEMBER (relative to DIR) as a
# nightly backup job does, keeping every piece of metadata.
pack() {
	local dir=$1 member=$2 out=$3
	shift 3
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner "$@" \
		-C "$dir" -cpf "$out" "$member"
}

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR
	"$TOP/tests/helpers/mktree" "$d/src0" --profile demo
	"$TOP/tests/helpers/mktree" "$d/src1" --profile demo --mutate 1
	mkdir "$d/store0" "$d/store1"
	pack "$d/src0" . "$d/store0/backup-2026-11-20T03-00-00.tar.gz" -z
	sidecar "$d/store0/backup-2026-11-20T03-00-00.tar.gz"
	pack "$d/src1" . "$d/store1/backup-2026-11-21T03-00-00.tar.gz" -z
	sidecar "$d/store1/backup-2026-11-21T03-00-00.tar.gz"
}

setup() {
	load ../helpers/common
	SRC0=$BATS_FILE_TMPDIR/src0
	SRC1=$BATS_FILE_TMPDIR/src1
	STORE0=$BATS_FILE_TMPDIR/store0
	STORE1=$BATS_FILE_TMPDIR/store1
	DEST=$BATS_TEST_TMPDIR/dest
	TREECMP=$TOP/tests/helpers/treecmp
}

# roundtrip EXT TAR-OPTION...: archive SRC0 as backup-...EXT, restore it,
# compare.
roundtrip() {
	local ext=$1 store=$BATS_TEST_TMPDIR/store name
	shift
	name=backup-2026-11-20T03-00-00$ext
	mkdir "$store"
	pack "$SRC0" . "$store/$name" "$@"
	sidecar "$store/$name"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$store" --dest "$DEST"
	assert_equal "$(jq -r .archive.name <<< "$output")" "$name"
	assert_equal "$(jq -r .layout <<< "$output")" docker
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	no_staging "$DEST"
}

@test "docker layout, gzip (.tar.gz): the tree comes back exactly" {
	roundtrip .tar.gz -z
}

@test "docker layout, zstd (.tar.zst): the tree comes back exactly" {
	roundtrip .tar.zst --zstd
}

@test "docker layout, xz (.tar.xz): the tree comes back exactly" {
	XZ_OPT=-0 roundtrip .tar.xz -J
}

@test "docker layout, uncompressed .tar: the tree comes back exactly" {
	roundtrip .tar
}

@test "docker layout with a 'volumes/' prefix" {
	local p=$BATS_TEST_TMPDIR/parent store=$BATS_TEST_TMPDIR/store
	mkdir "$p" "$store"
	"$TOP/tests/helpers/mktree" "$p/volumes" --profile demo
	pack "$p" volumes "$store/backup-2026-11-20T03-00-00.tgz" -z
	sidecar "$store/backup-2026-11-20T03-00-00.tgz"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$store" --dest "$DEST"
	assert_equal "$(jq -r .layout <<< "$output")" docker
	run -0 "$TREECMP" diff "$p/volumes" "$DEST" --ignore '.lifeboat*'
	# the prefix's own directory is not a volume
	[ ! -e "$DEST/volumes" ]
}

@test "docker layout with a 'var/lib/docker/volumes/' prefix" {
	local x=$BATS_TEST_TMPDIR/x store=$BATS_TEST_TMPDIR/store
	mkdir -p "$x/var/lib/docker" "$store"
	"$TOP/tests/helpers/mktree" "$x/var/lib/docker/volumes" --profile demo
	pack "$x" var "$store/backup-2026-11-20T03-00-00.tar.gz" -z
	sidecar "$store/backup-2026-11-20T03-00-00.tar.gz"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$store" --dest "$DEST"
	assert_equal "$(jq -r .layout <<< "$output")" docker
	run -0 "$TREECMP" diff "$x/var/lib/docker/volumes" "$DEST" --ignore '.lifeboat*'
	[ ! -e "$DEST/var" ]
}

@test "docker layout: a top-level device node (backingFsBlockDev) is skipped with a warning" {
	local t=$BATS_TEST_TMPDIR/tree store=$BATS_TEST_TMPDIR/store
	mkdir "$t" "$store"
	cp -a "$SRC0/dockerwarts_grafana" "$SRC0/metadata.db" "$t/"
	mknod "$t/backingFsBlockDev" b 253 0
	pack "$t" . "$store/backup-2026-11-20T03-00-00.tar.gz" -z
	sidecar "$store/backup-2026-11-20T03-00-00.tar.gz"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$store" --dest "$DEST"
	assert_equal "$(jq -r .layout <<< "$output")" docker
	assert_equal "$(jq -r '[.volumes[].name] | sort | join(" ")' <<< "$output")" \
		"dockerwarts_grafana metadata.db"
	[[ "$stderr" == *"warning: "*"backingFsBlockDev"* ]]
	[ ! -e "$DEST/backingFsBlockDev" ]
	run -0 "$TREECMP" diff "$t" "$DEST" --ignore '.lifeboat*' --ignore backingFsBlockDev
}

@test "--json: the result object, also written to DEST.lifeboat/report-ID.json" {
	local name=backup-2026-11-20T03-00-00.tar.gz id v t0 t1 made
	printf '[volumes]\np1 = dockerwarts_mariadb\np2 = dockerwarts_grafana\n' \
		> "$BATS_TEST_TMPDIR/lifeboat.conf"
	t0=$(date +%s)
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/lifeboat.conf" --json \
		restore --store "$STORE0" --dest "$DEST"
	# exactly one JSON object on stdout
	assert_equal "${#lines[@]}" 1
	jq -e 'type == "object"' <<< "$output"
	jq -e '.result == "ok" and .mode == "restore" and .dry_run == false' <<< "$output"
	jq -e 'has("error") | not' <<< "$output"
	assert_equal "$(jq -r .dest <<< "$output")" "$DEST"
	id=$(jq -r .restore_id <<< "$output")
	[[ "$id" =~ ^[0-9]{8}T[0-9]{6}\.[0-9]{6}Z-[0-9a-f]{4}$ ]]
	# the archive
	assert_equal "$(jq -r .archive.name <<< "$output")" "$name"
	assert_equal "$(jq -r .archive.store <<< "$output")" "$STORE0"
	assert_equal "$(jq -r .archive.size <<< "$output")" "$(stat -c %s "$STORE0/$name")"
	assert_equal "$(jq -r .archive.sha256 <<< "$output")" \
		"$(sha256sum < "$STORE0/$name" | cut -d' ' -f1)"
	assert_equal "$(jq -r .archive.verified <<< "$output")" true
	assert_equal "$(jq -r .archive.time <<< "$output")" 2026-11-20T03:00:00Z
	# the age when the run chose it: between its start and now
	t1=$(date +%s) made=$(date -ud 2026-11-20T03:00:00Z +%s)
	v=$(jq -r .archive.age_seconds <<< "$output")
	(( v >= t0 - made - 1 && v <= t1 - made + 1 ))
	assert_equal "$(jq -r .layout <<< "$output")" docker
	assert_equal "$(jq -c .rejected <<< "$output")" "[]"
	# the volumes: every one of the tree's, and metadata.db as a file
	assert_equal "$(jq -r '[.volumes[].name] | sort | join(" ")' <<< "$output")" \
		"dockerwarts_cassandra dockerwarts_elasticsearch dockerwarts_glpi dockerwarts_grafana dockerwarts_mariadb metadata.db"
	assert_equal "$(jq -r '.volumes[] | select(.name == "metadata.db") | .kind' <<< "$output")" file
	assert_equal "$(jq -r '[.volumes[] | select(.kind == "volume")] | length' <<< "$output")" 5
	jq -e 'all(.volumes[]; .replaced == false)' <<< "$output"
	assert_equal "$(jq -r '.volumes[] | select(.name == "dockerwarts_mariadb") | .priority' <<< "$output")" 1
	assert_equal "$(jq -r '.volumes[] | select(.name == "dockerwarts_grafana") | .priority' <<< "$output")" 2
	assert_equal "$(jq -r '.volumes[] | select(.name == "dockerwarts_glpi") | .priority' <<< "$output")" null
	# files: the non-directory entries below the volume
	for v in dockerwarts_cassandra dockerwarts_elasticsearch dockerwarts_glpi \
		dockerwarts_grafana dockerwarts_mariadb; do
		assert_equal "$(jq -r --arg v "$v" '.volumes[] | select(.name == $v) | .files' <<< "$output")" \
			"$(find "$SRC0/$v" ! -type d | wc -l)"
	done
	jq -e '.timings | (.select|type) == "number" and (.transfer|type) == "number" and
		(.commit|type) == "number" and (.total|type) == "number" and
		.total >= .transfer' <<< "$output"
	# the report is the same object
	[ -f "$DEST.lifeboat/report-$id.json" ]
	assert_equal "$(jq -S . "$DEST.lifeboat/report-$id.json" | jq -S 'del(.archive.age_seconds)')" \
		"$(jq -S 'del(.archive.age_seconds)' <<< "$output")"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "--json after the verb: the same JSON object" {
	run -0 --separate-stderr "$LIFEBOAT" restore --json --store "$STORE0" --dest "$DEST"
	assert_equal "${#lines[@]}" 1
	jq -e '.result == "ok" and .mode == "restore" and .dry_run == false' <<< "$output"
	jq -e '[keys[]] | contains(["result", "mode", "restore_id", "dry_run", "dest",
		"archive", "layout", "rejected", "volumes", "timings"])' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" backup-2026-11-20T03-00-00.tar.gz
}

@test "--dry-run: verifies and decodes everything, reports the volumes, changes nothing" {
	mkdir "$DEST"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --dry-run --store "$STORE0" --dest "$DEST"
	jq -e '.result == "ok" and .dry_run == true' <<< "$output"
	assert_equal "$(jq -r .archive.name <<< "$output")" backup-2026-11-20T03-00-00.tar.gz
	assert_equal "$(jq -r '[.volumes[].name] | sort | join(" ")' <<< "$output")" \
		"dockerwarts_cassandra dockerwarts_elasticsearch dockerwarts_glpi dockerwarts_grafana dockerwarts_mariadb metadata.db"
	only_lifeboat "$DEST"
	# no report for a dry run
	[ -z "$(compgen -G "$DEST.lifeboat/report-*")" ]
	# the human form says what it would do
	run -0 --separate-stderr "$LIFEBOAT" restore --dry-run --store "$STORE0" --dest "$DEST"
	assert_line "would restore 'backup-2026-11-20T03-00-00.tar.gz' from '$STORE0'"
	only_lifeboat "$DEST"
}

@test "--dry-run of an archive that fails to decode: exit 3, nothing created" {
	local store=$BATS_TEST_TMPDIR/store name=backup-2026-11-20T03-00-00.tar.gz
	mkdir "$store"
	head -c 1000000 "$STORE0/$name" > "$store/$name"
	sidecar "$store/$name"
	run -3 --separate-stderr "$LIFEBOAT" --json restore --dry-run --store "$store" --dest "$DEST"
	jq -e '.result == "failed" and .archive == null' <<< "$output"
	assert_equal "$(jq -r '.rejected[0].name' <<< "$output")" "$name"
	only_lifeboat "$DEST"
}

@test "--volume restricts a docker restore to those volumes" {
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE0" --dest "$DEST" \
		--volume dockerwarts_grafana --volume dockerwarts_glpi
	assert_equal "$(jq -r '[.volumes[].name] | sort | join(" ")' <<< "$output")" \
		"dockerwarts_glpi dockerwarts_grafana"
	assert_equal "$(ls -A "$DEST" | grep -vx .lifeboat | sort | tr '\n' ' ')" \
		"dockerwarts_glpi dockerwarts_grafana "
	run -0 "$TREECMP" diff "$SRC0/dockerwarts_grafana" "$DEST/dockerwarts_grafana"
	run -0 "$TREECMP" diff "$SRC0/dockerwarts_glpi" "$DEST/dockerwarts_glpi"
}

@test "offen layout: backup/<dir>/... lands in <vol>/_data, map.<dir> renames" {
	local p=$BATS_TEST_TMPDIR/offen store=$BATS_TEST_TMPDIR/store
	local conf=$BATS_TEST_TMPDIR/lifeboat.conf
	mkdir -p "$p/backup" "$store"
	cp -a "$SRC0/dockerwarts_mariadb/_data" "$p/backup/mysql"
	cp -a "$SRC0/dockerwarts_grafana/_data" "$p/backup/grafana"
	pack "$p" backup "$store/backup-2026-11-20T03-00-00.tar.gz" -z
	sidecar "$store/backup-2026-11-20T03-00-00.tar.gz"
	printf '[volumes]\nmap.mysql = restored_db\n' > "$conf"
	run -0 --separate-stderr "$LIFEBOAT" -c "$conf" --json restore --store "$store" --dest "$DEST"
	assert_equal "$(jq -r .layout <<< "$output")" offen
	assert_equal "$(jq -r '[.volumes[].name] | sort | join(" ")' <<< "$output")" "grafana restored_db"
	assert_equal "$(ls -A "$DEST" | grep -vx .lifeboat | sort | tr '\n' ' ')" "grafana restored_db "
	run -0 "$TREECMP" diff "$p/backup/mysql" "$DEST/restored_db/_data"
	run -0 "$TREECMP" diff "$p/backup/grafana" "$DEST/grafana/_data"
}

@test "offen layout with --layout offen and --volume: only that volume" {
	local p=$BATS_TEST_TMPDIR/offen store=$BATS_TEST_TMPDIR/store
	mkdir -p "$p/backup" "$store"
	cp -a "$SRC0/dockerwarts_mariadb/_data" "$p/backup/mysql"
	cp -a "$SRC0/dockerwarts_grafana/_data" "$p/backup/grafana"
	pack "$p" backup "$store/backup-2026-11-20T03-00-00.tar.gz" -z
	sidecar "$store/backup-2026-11-20T03-00-00.tar.gz"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$store" --dest "$DEST" \
		--layout offen --volume grafana
	assert_equal "$(jq -r .layout <<< "$output")" offen
	assert_equal "$(ls -A "$DEST" | grep -vx .lifeboat | tr '\n' ' ')" "grafana "
	run -0 "$TREECMP" diff "$p/backup/grafana" "$DEST/grafana/_data"
}

@test "plain layout: the archive is one volume's contents" {
	local store=$BATS_TEST_TMPDIR/store
	mkdir "$store"
	pack "$SRC0/dockerwarts_grafana/_data" . "$store/grafana-2026-11-20T03-00-00.tar.gz" -z
	sidecar "$store/grafana-2026-11-20T03-00-00.tar.gz"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$store" --dest "$DEST" \
		--layout plain --volume myvol
	assert_equal "$(jq -r .layout <<< "$output")" plain
	assert_equal "$(jq -r '[.volumes[].name] | join(" ")' <<< "$output")" myvol
	assert_equal "$(ls -A "$DEST" | grep -vx .lifeboat | tr '\n' ' ')" "myvol "
	run -0 "$TREECMP" diff "$SRC0/dockerwarts_grafana/_data" "$DEST/myvol/_data"
}

@test "an existing non-empty volume without --replace: exit 6 before any transfer, DEST unchanged" {
	local before
	mkdir -p "$DEST/dockerwarts_grafana/_data"
	echo "live data" > "$DEST/dockerwarts_grafana/_data/live.txt"
	before=$("$TREECMP" manifest "$DEST")
	run -6 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE0" --dest "$DEST"
	jq -e '.result == "failed" and .archive == null and .timings.transfer == 0' <<< "$output"
	[[ "$(jq -r .error <<< "$output")" == *"'dockerwarts_grafana'"*"--replace"* ]]
	[[ "$stderr" == *"'dockerwarts_grafana'"* ]]
	[[ "$stderr" != *"restoring '"* ]]
	assert_equal "$("$TREECMP" manifest "$DEST" --ignore '.lifeboat*')" "$before"
	no_staging "$DEST"
}

@test "volumes Docker made but nobody wrote to, and its device node, do not block a restore" {
	# A target where the stack was deployed before the restore: Docker
	# made the volumes (an empty _data each) and backingFsBlockDev.
	mkdir -p "$DEST/dockerwarts_grafana/_data" "$DEST/dockerwarts_glpi"
	mknod "$DEST/backingFsBlockDev" b 7 200
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE0" --dest "$DEST"
	jq -e '.result == "ok"' <<< "$output"
	jq -e '[.volumes[] | select(.name == "dockerwarts_grafana")][0].replaced == true' <<< "$output"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*' --ignore backingFsBlockDev
	[ -b "$DEST/backingFsBlockDev" ]
	no_staging "$DEST"
}

@test "a volume holding one file below an otherwise empty _data still counts: exit 6" {
	mkdir -p "$DEST/dockerwarts_glpi/_data/sub"
	: > "$DEST/dockerwarts_glpi/_data/sub/empty-but-a-file"
	run -6 --separate-stderr "$LIFEBOAT" restore --store "$STORE0" --dest "$DEST"
	[[ "$stderr" == *"'dockerwarts_glpi'"* ]]
	[ -e "$DEST/dockerwarts_glpi/_data/sub/empty-but-a-file" ]
}

@test "--replace sets the old volumes aside; rollback puts them back byte-identical" {
	local id
	run -0 "$LIFEBOAT" -q restore --store "$STORE0" --dest "$DEST"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	next_second
	run -0 --separate-stderr "$LIFEBOAT" --json restore --replace --store "$STORE1" --dest "$DEST"
	id=$(jq -r .restore_id <<< "$output")
	jq -e 'all(.volumes[]; .replaced == true)' <<< "$output"
	run -0 "$TREECMP" diff "$SRC1" "$DEST" --ignore '.lifeboat*'
	# what was replaced is kept, whole
	run -0 "$TREECMP" diff "$SRC0" "$DEST.lifeboat/previous-$id"
	no_staging "$DEST"

	run -0 --separate-stderr "$LIFEBOAT" rollback --dest "$DEST"
	assert_output --partial "rolled back restore $id"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	# what the rolled-back restore had put in place is kept too
	run -0 "$TREECMP" diff "$SRC1" "$DEST.lifeboat/rolledback-$id"
}

@test "rollback --json, and rollback with nothing to roll back: exit 2" {
	local id
	run -2 --separate-stderr "$LIFEBOAT" rollback --dest "$DEST"
	[[ "$stderr" == *"no restore to roll back"* ]]
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE0" --dest "$DEST" \
		--volume dockerwarts_grafana
	id=$(jq -r .restore_id <<< "$output")
	run -0 --separate-stderr "$LIFEBOAT" --json rollback --dest "$DEST"
	jq -e --arg id "$id" '.result == "ok" and .rolled_back == $id' <<< "$output"
	only_lifeboat "$DEST"
	run -0 "$TREECMP" diff "$SRC0/dockerwarts_grafana" "$DEST.lifeboat/rolledback-$id/dockerwarts_grafana"
	run -2 --separate-stderr "$LIFEBOAT" rollback --dest "$DEST"
}

@test "rollback undoes the latest restore, even when two ran in the same second" {
	local src=$BATS_TEST_TMPDIR/tiny store=$BATS_TEST_TMPDIR/store round id2 got
	mkdir -p "$src/a/_data" "$src/b/_data" "$store"
	echo a > "$src/a/_data/f"
	echo b > "$src/b/_data/f"
	pack "$src" . "$store/backup-2026-11-20T03-00-00.tar.gz" -z
	sidecar "$store/backup-2026-11-20T03-00-00.tar.gz"
	# restore IDs carry the time to the second: a run of quick restores
	# puts several pairs in one second
	for round in 1 2 3 4 5 6; do
		rm -rf "$DEST"
		run -0 "$LIFEBOAT" -q restore --store "$store" --dest "$DEST" --volume a
		run -0 --separate-stderr "$LIFEBOAT" -q --json restore --store "$store" --dest "$DEST" --volume b
		id2=$(jq -r .restore_id <<< "$output")
		run -0 --separate-stderr "$LIFEBOAT" --json rollback --dest "$DEST"
		got=$(jq -r .rolled_back <<< "$output")
		echo "round $round: second restore $id2, rolled back $got"
		assert_equal "$got" "$id2"
		[ -e "$DEST/a/_data/f" ] && [ ! -e "$DEST/b" ]
	done
}

@test "usage errors: exit 2, nothing created" {
	run -2 --separate-stderr "$LIFEBOAT" restore --bogus --store "$STORE0" --dest "$DEST"
	assert_equal "${stderr_lines[0]}" "lifeboat: unknown option '--bogus'"
	run -2 --separate-stderr "$LIFEBOAT" restore --layout bogus --store "$STORE0" --dest "$DEST"
	[[ "${stderr_lines[0]}" == *"--layout"* ]]
	run -2 --separate-stderr "$LIFEBOAT" restore --max-age bogus --store "$STORE0" --dest "$DEST"
	[[ "${stderr_lines[0]}" == *"--max-age"*"bogus"* ]]
	run -2 --separate-stderr "$LIFEBOAT" restore backup-2026-11-20T03-00-00.tar.gz --latest \
		--store "$STORE0" --dest "$DEST"
	[[ "${stderr_lines[0]}" == *"NAME and --latest"* ]]
	run -2 --separate-stderr "$LIFEBOAT" restore --layout plain --store "$STORE0" --dest "$DEST"
	[[ "${stderr_lines[0]}" == *"--layout plain"*"--volume"* ]]
	run -2 --separate-stderr "$LIFEBOAT" restore --layout plain --volume a --volume b \
		--store "$STORE0" --dest "$DEST"
	[[ "${stderr_lines[0]}" == *"--layout plain"*"--volume"* ]]
	run -2 --separate-stderr "$LIFEBOAT" restore --volume ../etc --store "$STORE0" --dest "$DEST"
	[[ "${stderr_lines[0]}" == *"not a volume name"* ]]
	run -2 --separate-stderr "$LIFEBOAT" restore --store "$STORE0" --dest "$DEST" extra1 extra2
	[ ! -e "$DEST" ]
}

@test "config errors: unknown key, a store without url: exit 2" {
	local conf=$BATS_TEST_TMPDIR/lifeboat.conf
	printf '[restore]\nbogus = 1\n' > "$conf"
	run -2 --separate-stderr "$LIFEBOAT" -c "$conf" restore --store "$STORE0" --dest "$DEST"
	[[ "${stderr_lines[0]}" == *"unknown key 'bogus'"* ]]
	printf '[volumes]\nbogus = 1\n' > "$conf"
	run -2 --separate-stderr "$LIFEBOAT" -c "$conf" restore --store "$STORE0" --dest "$DEST"
	printf '[nosuch]\nkey = 1\n' > "$conf"
	run -2 --separate-stderr "$LIFEBOAT" -c "$conf" restore --store "$STORE0" --dest "$DEST"
	# a store section with keys but no url
	printf '[store "x"]\ninsecure = no\n' > "$conf"
	run -2 --separate-stderr "$LIFEBOAT" -c "$conf" restore --dest "$DEST"
	[[ "${stderr_lines[0]}" == *'[store "x"] has no url'* ]]
	# a store section with no key at all, beside a good one
	printf '[store "x"]\n\n[store "y"]\nurl = %s\n' "$STORE0" > "$conf"
	run -2 --separate-stderr "$LIFEBOAT" -c "$conf" restore --dest "$DEST"
	[[ "${stderr_lines[0]}" == *'[store "x"] has no url'* ]]
	[ ! -e "$DEST" ]
}

@test "the commit goes in priority order: p1, p2, then the rest by name (the journal says so)" {
	local id
	printf '[volumes]\np1 = dockerwarts_grafana\np2 = dockerwarts_cassandra dockerwarts_mariadb\n' \
		> "$BATS_TEST_TMPDIR/lifeboat.conf"
	run -0 --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/lifeboat.conf" --json \
		restore --store "$STORE0" --dest "$DEST"
	id=$(jq -r .restore_id <<< "$output")
	assert_equal "$(sed -n 's/^done //p' "$DEST.lifeboat/journal-$id" | tr '\n' ' ')" \
		"dockerwarts_grafana dockerwarts_cassandra dockerwarts_mariadb dockerwarts_elasticsearch dockerwarts_glpi metadata.db "
}

@test "UTF-8 names restore without a locale warning, even under LC_ALL=C" {
	run -0 --separate-stderr env LC_ALL=C LANG= "$LIFEBOAT" restore --store "$STORE0" --dest "$DEST"
	[[ "$stderr" != *"can't be converted"* ]]
	# the only warning is the archive's age
	assert_equal "$(grep -c warning <<< "$stderr")" 1
	[[ "$stderr" == *"warning: 'backup-2026-11-20T03-00-00.tar.gz' is "*" old"* ]]
	[ -f "$DEST/dockerwarts_glpi/_data/files/_documents/café/日本語.txt" ]
	[ -d "$DEST/dockerwarts_glpi/_data/files/_documents/naïve dir" ]
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
}

@test "progress on a log: plain lines with the percentage, no carriage return" {
	run -0 --separate-stderr "$LIFEBOAT" restore --store "$STORE0" --dest "$DEST"
	[[ "$stderr" == *"lifeboat: backup-2026-11-20T03-00-00.tar.gz: "*" / "*"(100%)"* ]]
	[[ "$stderr" != *$'\r'* ]]
	run -0 --separate-stderr "$LIFEBOAT" -q restore --store "$STORE1" --dest "$BATS_TEST_TMPDIR/quiet"
	[[ "$stderr" != *"%)"* ]]
}

@test "rollback RESTORE-ID undoes that restore; an unknown or spent ID is exit 2" {
	local first second
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE0" --dest "$DEST"
	first=$(jq -r .restore_id <<< "$output")
	run -0 --separate-stderr "$LIFEBOAT" --json restore --replace --store "$STORE1" --dest "$DEST"
	second=$(jq -r .restore_id <<< "$output")
	run -2 --separate-stderr "$LIFEBOAT" rollback --dest "$DEST" 20200101T000000.000000Z-0000
	[[ "$stderr" == *"no restore '20200101T000000.000000Z-0000'"* ]]
	run -0 --separate-stderr "$LIFEBOAT" rollback --dest "$DEST" "$second"
	assert_output --partial "rolled back restore $second"
	run -0 "$TREECMP" diff "$SRC0" "$DEST" --ignore '.lifeboat*'
	run -2 --separate-stderr "$LIFEBOAT" rollback --dest "$DEST" "$second"
	[[ "$stderr" == *"has nothing to roll back"* ]]
	[ -n "$first" ]
}

@test "--root on a directory of a RAM filesystem that is no mount point: exit 6, nothing written; mounted, it is taken" {
	local ram=$BATS_TEST_TMPDIR/ram
	mkdir "$ram"
	mount -t tmpfs -o size=64m tmpfs "$ram"
	mkdir "$ram/target"
	run -6 --separate-stderr "$LIFEBOAT" restore --store "$STORE0" --root "$ram/target"
	umount_ram() { umount "$ram/target" 2>/dev/null; umount "$ram"; }
	[[ "$stderr" == *"--root '$ram/target' is not a mounted filesystem but a directory in memory"* ]] || { umount_ram; false; }
	[ -z "$(ls -A "$ram/target")" ] || { umount_ram; false; }
	mount -t tmpfs -o size=32m tmpfs "$ram/target"
	run -0 --separate-stderr "$LIFEBOAT" restore --store "$STORE0" --root "$ram/target"
	"$TREECMP" diff "$SRC0" "$ram/target/var/lib/docker/volumes" --ignore '.lifeboat*' || { umount_ram; false; }
	umount_ram
}
