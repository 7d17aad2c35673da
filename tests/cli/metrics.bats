#!/usr/bin/env bats
# --metrics FILE on backup, restore, drill and status: Prometheus textfile
# files that promtool accepts, written atomically, with what carries over
# from one run to the next; the alert rules (promtool check rules), the
# Grafana dashboard (valid JSON, the four panels, every expression parsed
# by promtool and naming only metrics lifeboat writes) and the drill's
# systemd units (systemd-analyze verify). Needs root (restores).

setup_file() {
	load ../helpers/common
	"$TOP/tests/helpers/mktree" "$BATS_FILE_TMPDIR/src" --profile demo
}

setup() {
	load ../helpers/common
	SRC=$BATS_FILE_TMPDIR/src
	STORE=$BATS_TEST_TMPDIR/store
	M=$BATS_TEST_TMPDIR/metrics
	export LIFEBOAT_HISTORY=$BATS_TEST_TMPDIR/history.jsonl
	export LIFEBOAT_TEST_NOW=$(date -ud 2026-12-03T03:00:00Z +%s)
	mkdir -p "$STORE" "$M" "$BATS_TEST_TMPDIR/scratch"
	cat > "$BATS_TEST_TMPDIR/c.conf" <<-EOF
	[plan]
	rpo = 24h
	rto = 2h
	provision = 20m
	[drill]
	scratch = $BATS_TEST_TMPDIR/scratch
	[probe "true"]
	command = true
	EOF
}

# value FILE NAME: the sample's value
value() {
	sed -n "s/^$2 //p" "$1"
}

@test "backup --metrics: promtool accepts it; runs and failures count across runs; the last success is kept through a failure" {
	command -v promtool
	run -0 "$LIFEBOAT" -q backup --source "$SRC" --store "$STORE" --metrics "$M/backup.prom"
	run -0 promtool check metrics < "$M/backup.prom"
	assert_equal "$(value "$M/backup.prom" lifeboat_backup_success)" 1
	assert_equal "$(value "$M/backup.prom" lifeboat_backup_last_success_timestamp_seconds)" "$LIFEBOAT_TEST_NOW"
	assert_equal "$(value "$M/backup.prom" lifeboat_backup_size_bytes)" \
		"$(stat -c %s "$STORE/lifeboat-2026-12-03T03-00-00.tar.gz")"
	assert_equal "$(value "$M/backup.prom" lifeboat_backup_volumes)" 6
	# a store that is a file: the backup fails
	touch "$BATS_TEST_TMPDIR/afile"
	LIFEBOAT_TEST_NOW=$((LIFEBOAT_TEST_NOW + 86400)) \
		run -5 "$LIFEBOAT" -q backup --source "$SRC" --store "$BATS_TEST_TMPDIR/afile" --metrics "$M/backup.prom"
	run -0 promtool check metrics < "$M/backup.prom"
	assert_equal "$(value "$M/backup.prom" lifeboat_backup_success)" 0
	assert_equal "$(value "$M/backup.prom" lifeboat_backup_runs_total)" 2
	assert_equal "$(value "$M/backup.prom" lifeboat_backup_failures_total)" 1
	assert_equal "$(value "$M/backup.prom" lifeboat_backup_last_success_timestamp_seconds)" "$LIFEBOAT_TEST_NOW"
	assert_equal "$(value "$M/backup.prom" lifeboat_backup_last_run_timestamp_seconds)" $((LIFEBOAT_TEST_NOW + 86400))
	[ -z "$(value "$M/backup.prom" lifeboat_backup_size_bytes)" ]
	[ ! -e "$M/backup.prom.lock" ]
}

@test "restore --metrics: promtool accepts it; a dry run writes none; a file that cannot be written is exit 1" {
	command -v promtool
	run -0 "$LIFEBOAT" -q backup --source "$SRC" --store "$STORE"
	LIFEBOAT_TEST_NOW=$((LIFEBOAT_TEST_NOW + 3600)) \
		run -0 "$LIFEBOAT" -q restore --store "$STORE" --dest "$BATS_TEST_TMPDIR/dest" --metrics "$M/restore.prom"
	run -0 promtool check metrics < "$M/restore.prom"
	assert_equal "$(value "$M/restore.prom" lifeboat_restore_success)" 1
	assert_equal "$(value "$M/restore.prom" lifeboat_restore_backup_age_seconds)" 3600
	run -0 "$LIFEBOAT" -q restore --store "$STORE" --dest "$BATS_TEST_TMPDIR/dest2" --dry-run --metrics "$M/dry.prom"
	[ ! -e "$M/dry.prom" ]
	run -1 "$LIFEBOAT" -q restore --store "$STORE" --dest "$BATS_TEST_TMPDIR/dest3" --metrics "$BATS_TEST_TMPDIR/afile/x.prom"
	assert_output --partial "$BATS_TEST_TMPDIR/afile/x.prom"
	# the restore itself went through
	[ -d "$BATS_TEST_TMPDIR/dest3/dockerwarts_glpi" ]
}

@test "configs/lifeboat-alerts.yml passes promtool check rules; a broken expression would not" {
	command -v promtool
	run -0 promtool check rules "$TOP/configs/lifeboat-alerts.yml"
	assert_output --partial "SUCCESS: 7 rules found"
	sed 's/> scalar(max(lifeboat_plan_rto_seconds))/> scalar(max(lifeboat_plan_rto_seconds)/' \
		"$TOP/configs/lifeboat-alerts.yml" > "$BATS_TEST_TMPDIR/broken.yml"
	run -1 promtool check rules "$BATS_TEST_TMPDIR/broken.yml"
	# the alerts the issue asks for
	local a
	for a in LifeboatNewestBackupOlderThanRPO LifeboatDrillFailing LifeboatDrillTooOld LifeboatProjectedRTOOverPlan; do
		grep -q "alert: $a\$" "$TOP/configs/lifeboat-alerts.yml"
	done
	grep -q '> 8 \* 86400' "$TOP/configs/lifeboat-alerts.yml"
}

@test "the dashboard and the rules name only metrics lifeboat writes, and promtool parses every panel's expression" {
	command -v promtool
	local d=$TOP/configs/grafana-dashboard.json all=$BATS_TEST_TMPDIR/all.prom name
	jq -e . "$d" > /dev/null
	assert_equal "$(jq -r '[.panels[].title] | join(", ")' "$d")" \
		"Backup success rate, Time since last backup, Backup size trend, RTO simulation"
	# every verb's metrics, once each
	run -0 "$LIFEBOAT" -q backup --source "$SRC" --store "$STORE" --metrics "$M/backup.prom"
	run -0 "$LIFEBOAT" -q restore --store "$STORE" --dest "$BATS_TEST_TMPDIR/dest" --metrics "$M/restore.prom"
	LIFEBOAT_TEST_NOW=$((LIFEBOAT_TEST_NOW + 3600)) \
		run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" drill --store "$STORE" --metrics "$M/drill.prom"
	LIFEBOAT_TEST_NOW=$((LIFEBOAT_TEST_NOW + 3600)) \
		run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" status --store "$STORE" --metrics "$M/status.prom"
	cat "$M"/*.prom > "$all"
	# the four files together are one valid exposition: no name twice
	run -0 promtool check metrics < "$all"
	assert_equal "$(grep -c '^# TYPE' "$all")" "$(grep '^# TYPE' "$all" | sort -u | wc -l)"
	for name in $(jq -r '.panels[].targets[].expr' "$d" | grep -o 'lifeboat_[a-z_]*' | sort -u) \
		$(grep -o 'lifeboat_[a-z_]*' "$TOP/configs/lifeboat-alerts.yml" | sort -u); do
		grep -q "^# TYPE $name " "$all" || { echo "not written by lifeboat: $name" >&2; false; }
	done
	# the panels' expressions, as recording rules for promtool to parse
	{
		echo 'groups:'
		echo '  - name: dashboard'
		echo '    rules:'
		jq -r '.panels[] | .id as $p | .targets[] |
			"      - record: dashboard:p\($p)_\(.refId | ascii_downcase)\n        expr: \(.expr | @json)"' "$d"
	} > "$BATS_TEST_TMPDIR/panels.yml"
	run -0 promtool check rules "$BATS_TEST_TMPDIR/panels.yml"
	assert_output --partial "SUCCESS: 10 rules found"
}

@test "configs/: lifeboat-drill.service and .timer pass systemd-analyze verify silently; weekly" {
	local d=$BATS_TEST_TMPDIR/units
	mkdir "$d"
	cp "$TOP/configs/lifeboat-drill.service" "$TOP/configs/lifeboat-drill.timer" "$d/"
	sed -i "s|/usr/local/bin/lifeboat|$(readlink -f "$LIFEBOAT")|" "$d/lifeboat-drill.service"
	run -0 systemd-analyze verify --man=no "$d/lifeboat-drill.service" "$d/lifeboat-drill.timer"
	assert_output ""
	grep -qx 'OnCalendar=Sun \*-\*-\* 05:00:00' "$d/lifeboat-drill.timer"
	grep -q '^ExecStart=.* drill --metrics ' "$d/lifeboat-drill.service"
	echo 'OnCalendar=weekly' >> "$d/lifeboat-drill.timer"
	run systemd-analyze verify --man=no "$d/lifeboat-drill.service" "$d/lifeboat-drill.timer"
	[[ "$output" == *"Unknown key 'OnCalendar' in section [Install]"* ]]
}
