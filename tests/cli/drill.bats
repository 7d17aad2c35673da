#!/usr/bin/env bats
# lifeboat drill: the newest backups verified, the newest valid one
# restored into scratch through the restore engine, walked against its
# manifest, probed, timed and projected against the plan; over stores
# holding a good newest backup, a corrupt one, one older than the RPO and
# one whose manifest disagrees with its content. The live volumes
# directory (a fixture standing for /var/lib/docker/volumes) is compared
# before and after every drill. Needs root (restores keep owners).

setup_file() {
	load ../helpers/common
	local d
	"$TOP/tests/helpers/mktree" "$BATS_FILE_TMPDIR/src" --profile demo
	mkdir "$BATS_FILE_TMPDIR/store"
	# three nights: 2026-12-01, -02 and -03 at 03:00 UTC
	for d in 01 02 03; do
		LIFEBOAT_TEST_NOW=$(date -ud "2026-12-${d}T03:00:00Z" +%s) \
			"$LIFEBOAT" -q backup --source "$BATS_FILE_TMPDIR/src" \
			--store "$BATS_FILE_TMPDIR/store"
	done
}

setup() {
	load ../helpers/common
	SRC=$BATS_FILE_TMPDIR/src
	STORE=$BATS_TEST_TMPDIR/store
	LIVE=$BATS_TEST_TMPDIR/docker/volumes
	SCRATCH=$BATS_TEST_TMPDIR/scratch
	HIST=$BATS_TEST_TMPDIR/history.jsonl
	export LIFEBOAT_HISTORY=$HIST
	NEWEST=lifeboat-2026-12-03T03-00-00
	cp -a "$BATS_FILE_TMPDIR/store" "$STORE"
	mkdir -p "$LIVE" "$SCRATCH"
	cp -a "$SRC/." "$LIVE/"
	# six hours after the newest backup
	export LIFEBOAT_TEST_NOW=$(date -ud 2026-12-03T09:00:00Z +%s)
	conf
	live_before=$("$TOP/tests/helpers/treecmp" manifest "$LIVE")
	beside_before=$(ls -A "$BATS_TEST_TMPDIR/docker")
}

teardown() {
	if [ -n "${MOUNTED:-}" ] && mountpoint -q "$MOUNTED"; then umount "$MOUNTED"; fi
	if [ -n "${MARIADB_PID:-}" ]; then kill "$MARIADB_PID" 2>/dev/null || true; fi
}

# conf [EXTRA]: the config every drill here reads, plus EXTRA lines.
conf() {
	cat > "$BATS_TEST_TMPDIR/c.conf" <<-EOF
	[restore]
	dest = $LIVE
	[store "local"]
	url = file://$STORE
	[plan]
	rpo = 24h
	rto = 2h
	provision = 20m
	boot = 90s
	handoff = 15m
	history = $HIST
	[drill]
	scratch = $SCRATCH
	${1:-}
	EOF
}

# The live volumes are as they were, and nothing appeared beside them.
live_untouched() {
	assert_equal "$("$TOP/tests/helpers/treecmp" manifest "$LIVE")" "$live_before"
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/docker")" "$beside_before"
}

drill() {
	run --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" --json drill \
		--metrics "$BATS_TEST_TMPDIR/drill.prom" "$@"
}

@test "drill: a good newest backup is verified, restored into scratch, checked, timed and projected; exit 0" {
	drill
	assert_equal "$status" 0
	assert_equal "$(jq -r .result <<< "$output")" ok
	assert_equal "$(jq -r '.stores[0].verified | map(.name + ":" + .result) | join(" ")' <<< "$output")" \
		"$NEWEST.tar.gz:ok lifeboat-2026-12-02T03-00-00.tar.gz:ok lifeboat-2026-12-01T03-00-00.tar.gz:ok"
	assert_equal "$(jq -r '.stores[0].archive.name' <<< "$output")" "$NEWEST.tar.gz"
	assert_equal "$(jq -r '.stores[0].manifest.checked_on_disk' <<< "$output")" true
	assert_equal "$(jq -r '.stores[0].manifest.files_on_disk' <<< "$output")" \
		"$(jq '[.volumes[].files] | add' "$STORE/$NEWEST.manifest.json")"
	assert_equal "$(jq -r '.stores[0].backup_age_seconds' <<< "$output")" 21600
	assert_equal "$(jq -r '.stores[0].rpo_met, .stores[0].rto_met' <<< "$output" | tr '\n' ' ')" "true true "
	# provision 20 min + boot 90 s + the restore + handoff 15 min
	local r total
	r=$(jq '.stores[0].projected_rto.restore' <<< "$output")
	total=$(jq '.stores[0].projected_rto.total' <<< "$output")
	(( r >= 1 ))
	assert_equal "$total" $((1200 + 90 + r + 900))
	# the scratch tree is gone, the live volumes untouched
	assert_equal "$(ls -A "$SCRATCH")" ""
	live_untouched
	# the history line
	assert_equal "$(jq -r '[.kind, .store, .result, .archive, .rto_met, .rpo_met] | join(" ")' "$HIST")" \
		"drill local ok $NEWEST.tar.gz true true"
	assert_equal "$(jq -r .projected_rto_seconds "$HIST")" "$total"
	grep -qx 'lifeboat_drill_success{store="local"} 1' "$BATS_TEST_TMPDIR/drill.prom"
	grep -qx "lifeboat_projected_rto_seconds{store=\"local\"} $total" "$BATS_TEST_TMPDIR/drill.prom"
}

@test "drill: the text report shows each term of the projected RTO" {
	run -0 "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" drill
	assert_line "drill of store 'local': ok"
	assert_line --regexp "^  projected RTO: provision 20 min \+ boot 1 min 30 s \+ restore [0-9]+ s \(at .*/s\) \+ handoff 15 min = [0-9]+ min( [0-9]+ s)? \(RTO 2 h: met\)$"
	assert_line --regexp "^  on disk: [0-9]+ files, .*: as its manifest lists$"
	live_untouched
}

@test "drill: a corrupt newest backup fails the drill (exit 4) and names it; the one before is restored" {
	flip_byte "$STORE/$NEWEST.tar.gz" 5000
	drill
	assert_equal "$status" 4
	assert_equal "$(jq -r '.stores[0].verified[0].result' <<< "$output")" failed
	[[ "$(jq -r '.stores[0].reasons[0]' <<< "$output")" == "'$NEWEST.tar.gz' failed verification: "* ]]
	assert_equal "$(jq -r '.stores[0].archive.name' <<< "$output")" lifeboat-2026-12-02T03-00-00.tar.gz
	assert_equal "$(jq -r '.stores[0].restored' <<< "$output")" true
	[[ "$stderr" == *"lifeboat: '$NEWEST.tar.gz' failed verification: "* ]]
	grep -qx 'lifeboat_drill_success{store="local"} 0' "$BATS_TEST_TMPDIR/drill.prom"
	assert_equal "$(jq -r .result "$HIST")" failed
	assert_equal "$(ls -A "$SCRATCH")" ""
	# with only the newest verified, the restore finds the one before
	# itself, and what it restored is still walked against its manifest
	conf "verify_latest = 1"
	drill
	assert_equal "$status" 4
	assert_equal "$(jq -r '.stores[0] | [.archive.name, .manifest.checked_on_disk] | join(" ")' <<< "$output")" \
		"lifeboat-2026-12-02T03-00-00.tar.gz true"
	live_untouched
}

@test "drill: a newest backup older than the RPO is exit 9 with the reason" {
	export LIFEBOAT_TEST_NOW=$(date -ud 2026-12-04T09:00:00Z +%s)
	drill
	assert_equal "$status" 9
	assert_equal "$(jq -r '.stores[0].rpo_met' <<< "$output")" false
	assert_equal "$(jq -r '.stores[0].reasons[0]' <<< "$output")" \
		"RPO missed: the newest valid backup '$NEWEST.tar.gz' is 30 h old (RPO 24 h)"
	assert_equal "$(jq -r '.stores[0].restored' <<< "$output")" true
	grep -qx 'lifeboat_drill_backup_age_seconds{store="local"} 108000' "$BATS_TEST_TMPDIR/drill.prom"
	live_untouched
}

@test "drill: a backup whose manifest disagrees with its content fails (exit 4) with the counts" {
	local m=$STORE/$NEWEST.manifest.json
	jq -c '(.volumes[] | select(.name == "dockerwarts_glpi") | .files) += 1' "$m" > "$m.new"
	mv "$m.new" "$m"
	(cd "$STORE" && sha256sum "$NEWEST.tar.gz" "$NEWEST.manifest.json" > "$NEWEST.tar.gz.sha256")
	drill
	assert_equal "$status" 4
	[[ "$(jq -r '.stores[0].reasons[0]' <<< "$output")" == "'$NEWEST.tar.gz' failed verification: 'dockerwarts_glpi': the manifest says "*" files and "*" bytes, the archive held "*" files and "*" bytes" ]]
	assert_equal "$(jq -r '.stores[0].archive.name' <<< "$output")" lifeboat-2026-12-02T03-00-00.tar.gz
	live_untouched
}

@test "drill: the projected RTO over the plan's is exit 9" {
	sed -i 's/^rto = 2h/rto = 30m/' "$BATS_TEST_TMPDIR/c.conf"
	drill
	assert_equal "$status" 9
	assert_equal "$(jq -r '.stores[0].rto_met' <<< "$output")" false
	[[ "$(jq -r '.stores[0].reasons[0]' <<< "$output")" == "RTO missed: the projected recovery takes 36 min"*" (RTO 30 min)" ]]
	live_untouched
}

@test "drill: a scratch directory inside the live volumes, or without room, is refused (exit 6)" {
	drill --scratch "$LIVE/sub"
	assert_equal "$status" 6
	[[ "$stderr" == *"lifeboat: the scratch directory '$LIVE/sub' is inside the live volumes '$LIVE': a drill never writes there"* ]]
	drill --scratch "$LIVE.lifeboat"
	assert_equal "$status" 6
	# a 1 MiB filesystem cannot hold the backup's bytes
	MOUNTED=$BATS_TEST_TMPDIR/small
	mkdir "$MOUNTED"
	mount -t tmpfs -o size=1m tmpfs "$MOUNTED"
	drill --scratch "$MOUNTED"
	assert_equal "$status" 6
	[[ "$stderr" == *"lifeboat: no room for the drill in '$MOUNTED': "*" bytes free, the backup holds $(jq '[.volumes[].bytes] | add' "$STORE/$NEWEST.manifest.json") bytes"* ]]
	assert_equal "$(ls -A "$MOUNTED")" ""
	rm -rf "$LIVE/sub"
	live_untouched
}

@test "drill: probes run on the restored data with {root}; a failing one is exit 7 and named; --keep keeps the tree" {
	conf "$(printf '[probe "glpi"]\ncommand = test -s {root}/dockerwarts_glpi/_data/config/config_db.php\nvolume = dockerwarts_glpi\n[probe "broken"]\ncommand = sh -c "echo table is crashed >&2; exit 3"\n[probe "nothing"]\ncommand = true\nvolume = no_such_volume')"
	ls "$SRC/dockerwarts_glpi/_data/config/config_db.php"
	drill --keep
	assert_equal "$status" 7
	assert_equal "$(jq -r '.stores[0].probes | map(.name + ":" + .result) | join(" ")' <<< "$output")" \
		"glpi:ok broken:failed nothing:failed"
	assert_equal "$(jq -r '.stores[0].reasons[0]' <<< "$output")" \
		"probe 'broken' failed: exit status 3: table is crashed"
	assert_equal "$(jq -r '.stores[0].reasons[1]' <<< "$output")" \
		"probe 'nothing' failed: it needs the volume 'no_such_volume', which the backup does not hold"
	[[ "$stderr" == *"lifeboat: probe 'broken' failed: exit status 3: table is crashed"* ]]
	# kept: the restored volumes, in the scratch tree
	run -0 "$TOP/tests/helpers/treecmp" diff "$SRC" "$(jq -r '.stores[0].scratch' <<< "$output")/volumes"
	live_untouched
}

@test "drill: a probe that overruns its timeout is stopped and fails" {
	conf "$(printf '[probe "slow"]\ncommand = sleep 30\ntimeout = 1s')"
	drill
	assert_equal "$status" 7
	assert_equal "$(jq -r '.stores[0].reasons[0]' <<< "$output")" "probe 'slow' failed: timed out after 1 s"
	jq -e '.stores[0].probes[0].seconds < 10' <<< "$output"
}

@test "drill: wrong [plan], [drill] and [probe] keys are configuration errors (exit 2)" {
	conf "$(printf '[probe "x"]\ntimeout = 5s')"
	run -2 "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" drill
	assert_output --partial "[probe \"x\"] has no command"
	conf "$(printf 'verify_latest = 0')"
	run -2 "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" drill
	assert_output --partial "verify_latest: '0' is not a number of backups (1 or more)"
	sed -i 's/^provision = 20m/provision = soon/' "$BATS_TEST_TMPDIR/c.conf"
	run -2 "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" drill
	assert_output --partial "provision: 'soon' is not a duration (like 20m, 2h, 90s)"
	run -2 "$LIFEBOAT" drill --bogus
	assert_output --partial "unknown option '--bogus'"
}

@test "drill: [drill] verify_latest limits the backups verified; a store with none is exit 3" {
	conf "verify_latest = 1"
	drill
	assert_equal "$status" 0
	assert_equal "$(jq '.stores[0].verified | length' <<< "$output")" 1
	rm -f "$STORE"/*
	drill
	assert_equal "$status" 3
	assert_equal "$(jq -r '.stores[0].reasons[0]' <<< "$output")" "no backup in store 'local'"
}

@test "drill: the metrics file passes promtool check metrics, failed or not" {
	command -v promtool
	drill
	assert_equal "$status" 0
	run -0 promtool check metrics < "$BATS_TEST_TMPDIR/drill.prom"
	flip_byte "$STORE/$NEWEST.tar.gz" 5000
	drill
	assert_equal "$status" 4
	run -0 promtool check metrics < "$BATS_TEST_TMPDIR/drill.prom"
	# the last success is the earlier drill's, from the history
	grep -qx "lifeboat_drill_last_success_timestamp_seconds{store=\"local\"} $((LIFEBOAT_TEST_NOW + $(jq -rs '.[0].total_seconds' "$HIST")))" \
		"$BATS_TEST_TMPDIR/drill.prom"
}

@test "drill: the SQLite probe of the example config passes on a sound database and fails on a damaged one" {
	command -v sqlite3
	local src2=$BATS_TEST_TMPDIR/src2 db i
	cp -a "$SRC" "$src2"
	db=$src2/dockerwarts_grafana/_data/grafana.db
	rm -f "$db"
	sqlite3 "$db" 'PRAGMA page_size=1024; CREATE TABLE dashboard(id INTEGER PRIMARY KEY, data TEXT); CREATE INDEX d ON dashboard(data);'
	for i in $(seq 1 200); do echo "INSERT INTO dashboard(data) VALUES('dashboard $i $(head -c 300 /dev/zero | tr '\0' x)');"; done | sqlite3 "$db"
	run -0 sqlite3 "$db" 'PRAGMA integrity_check'
	rm -f "$STORE"/*
	"$LIFEBOAT" -q backup --source "$src2" --store "$STORE"
	# the probe as configs/lifeboat.conf.example ships it
	conf "$(sed -n '/^\[probe "grafana"\]/,/^$/p' "$TOP/configs/lifeboat.conf.example")"
	drill
	assert_equal "$status" 0
	assert_equal "$(jq -r '.stores[0].probes[0].name + ":" + .stores[0].probes[0].result' <<< "$output")" grafana:ok
	# the index's pages overwritten: the same probe fails
	rm -f "$STORE"/*
	dd if=/dev/urandom of="$db" bs=1024 seek=3 count=4 conv=notrunc status=none
	export LIFEBOAT_TEST_NOW=$((LIFEBOAT_TEST_NOW + 60))
	"$LIFEBOAT" -q backup --source "$src2" --store "$STORE"
	drill
	assert_equal "$status" 7
	[[ "$(jq -r '.stores[0].reasons[0]' <<< "$output")" == "probe 'grafana' failed: exit status "* ]]
}

# mariadb_datadir DIR: a real MariaDB data directory (mariadb-install-db),
# a table of 3000 rows written, the server shut down cleanly.
mariadb_datadir() {
	local dir=$1 run=$BATS_TEST_TMPDIR/mdb i
	mkdir -p "$run"
	mariadb-install-db --no-defaults --datadir="$dir" --user=root \
		--auth-root-authentication-method=normal --skip-test-db > "$run/install.log" 2>&1
	mariadbd --no-defaults --datadir="$dir" --socket="$run/sock" --skip-networking \
		--user=root --pid-file="$run/pid" --log-error="$run/error.log" 2> /dev/null &
	MARIADB_PID=$!
	for ((i = 0; i < 300; i++)); do
		mariadb-admin --no-defaults --socket="$run/sock" -uroot ping > /dev/null 2>&1 && break
		sleep 0.2
	done
	mariadb --no-defaults --socket="$run/sock" -uroot -e "
		SET SESSION max_recursive_iterations = 10000;
		CREATE DATABASE glpi;
		CREATE TABLE glpi.glpi_tickets (id INT PRIMARY KEY, name VARCHAR(255)) ENGINE=InnoDB;
		INSERT INTO glpi.glpi_tickets WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000)
			SELECT n, REPEAT(CHAR(65 + n % 26), 200) FROM s;"
	assert_equal "$(mariadb --no-defaults --socket="$run/sock" -uroot -N -e 'SELECT COUNT(*) FROM glpi.glpi_tickets')" 3000
	mariadb-admin --no-defaults --socket="$run/sock" -uroot shutdown
	wait "$MARIADB_PID"
	MARIADB_PID=
}

@test "drill: the MariaDB probe of the example config passes on a real data directory and fails, named, on one with a damaged InnoDB page" {
	command -v mariadbd mariadb-install-db mariadb-check
	local good=$BATS_TEST_TMPDIR/good bad=$BATS_TEST_TMPDIR/bad ibd probe
	cp -a "$SRC" "$good"
	rm -rf "$good/dockerwarts_mariadb/_data"
	mariadb_datadir "$good/dockerwarts_mariadb/_data"
	cp -a "$good" "$bad"
	# one leaf page of the table's clustered index (16 KiB pages; 0-3 are
	# the tablespace's header, bitmap, inodes and the root)
	ibd=$bad/dockerwarts_mariadb/_data/glpi/glpi_tickets.ibd
	(( $(stat -c %s "$ibd") > 8 * 16384 ))
	head -c 4000 /dev/urandom | dd of="$ibd" bs=1 seek=$((5 * 16384 + 2000)) conv=notrunc status=none
	mkdir "$BATS_TEST_TMPDIR/good-store" "$BATS_TEST_TMPDIR/bad-store"
	"$LIFEBOAT" -q backup --source "$good" --store "$BATS_TEST_TMPDIR/good-store"
	"$LIFEBOAT" -q backup --source "$bad" --store "$BATS_TEST_TMPDIR/bad-store"
	# the probe as the example ships it, from this checkout
	probe=$(sed -n '/^\[probe "mariadb"\]/,/^$/p' "$TOP/configs/lifeboat.conf.example" |
		sed "s|/usr/local/lib/lifeboat/probe-mariadb|$TOP/configs/probe-mariadb|")
	conf "$probe"
	drill --store "$BATS_TEST_TMPDIR/good-store"
	assert_equal "$status" 0
	assert_equal "$(jq -r '.stores[0].probes[0] | .name + ":" + .result' <<< "$output")" mariadb:ok
	drill --store "$BATS_TEST_TMPDIR/bad-store"
	assert_equal "$status" 7
	assert_equal "$(jq -r '.stores[0].probes[0] | .name + ":" + .result' <<< "$output")" mariadb:failed
	[[ "$stderr" == *"lifeboat: probe 'mariadb' failed: exit status 1: probe-mariadb: "* ]]
	[[ "$(jq -r '.stores[0].reasons[0]' <<< "$output")" == *"CHECK TABLE found damage: glpi.glpi_tickets"*"corrupted"* ]]
	# the archive itself was sound: only the probe saw the damage
	assert_equal "$(jq -r '.stores[0].verified[0].result' <<< "$output")" ok
	live_untouched
}

@test "drill: SIGTERM during a probe stops it, removes the scratch tree and exits 130" {
	conf "$(printf '[probe "slow"]\ncommand = sleep 60')"
	"$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" drill > "$BATS_TEST_TMPDIR/out" 2>&1 &
	local pid=$! i rc=0
	for ((i = 0; i < 300; i++)); do
		pgrep -P "$pid" -x sleep > /dev/null && break
		sleep 0.1
	done
	pgrep -P "$pid" -x sleep > /dev/null
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	assert_equal "$rc" 130
	assert_equal "$(ls -A "$SCRATCH")" ""
	grep -q "lifeboat: interrupted" "$BATS_TEST_TMPDIR/out"
	assert_equal "$(jq -r .result "$HIST")" failed
	live_untouched
}
