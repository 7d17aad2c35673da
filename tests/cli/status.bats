#!/usr/bin/env bats
# lifeboat status: the stores' newest valid backups against the RPO, the
# last drill against the RTO, from listings and the history, on fixed
# clocks (LIFEBOAT_TEST_NOW); exit 0 when every objective is met, 9 when
# one is not; --json, --history, --metrics. Needs root (the drills).

setup_file() {
	load ../helpers/common
	local d
	"$TOP/tests/helpers/mktree" "$BATS_FILE_TMPDIR/src" --profile demo
	mkdir "$BATS_FILE_TMPDIR/store"
	for d in 01 02 03; do
		LIFEBOAT_TEST_NOW=$(date -ud "2026-12-${d}T03:00:00Z" +%s) \
			"$LIFEBOAT" -q backup --source "$BATS_FILE_TMPDIR/src" \
			--store "$BATS_FILE_TMPDIR/store"
	done
}

setup() {
	load ../helpers/common
	STORE=$BATS_TEST_TMPDIR/store
	export LIFEBOAT_HISTORY=$BATS_TEST_TMPDIR/history.jsonl
	NEWEST=lifeboat-2026-12-03T03-00-00.tar.gz
	cp -a "$BATS_FILE_TMPDIR/store" "$STORE"
	mkdir -p "$BATS_TEST_TMPDIR/live" "$BATS_TEST_TMPDIR/scratch"
	export LIFEBOAT_TEST_NOW=$(date -ud 2026-12-03T09:00:00Z +%s)
	conf
}

conf() {
	cat > "$BATS_TEST_TMPDIR/c.conf" <<-EOF
	[restore]
	dest = $BATS_TEST_TMPDIR/live
	[store "local"]
	url = file://$STORE
	[plan]
	rpo = 24h
	rto = 2h
	provision = 20m
	boot = 5m
	handoff = 15m
	[drill]
	scratch = $BATS_TEST_TMPDIR/scratch
	${1:-}
	EOF
}

status() {
	run --separate-stderr "$LIFEBOAT" -c "$BATS_TEST_TMPDIR/c.conf" "$@"
}

@test "status: no drill yet: the RPO is met, the RTO is not proven: exit 9" {
	status --json status
	assert_equal "$status" 9
	assert_equal "$(jq -r '[.result, .rpo_met, .rto_met] | join(" ")' <<< "$output")" "failed true false"
	assert_equal "$(jq -r .error <<< "$output")" "RTO not proven: no drill in the history (RTO 2 h)"
	assert_equal "$(jq -r '.stores[0] | [.name, .backups, .oldest, .newest_valid, .age_seconds, .rpo_met, .verified_at, .last_drill] | map(tostring) | join(" ")' <<< "$output")" \
		"local 3 2026-12-01T03:00:00Z $NEWEST 21600 true null null"
	[[ "$stderr" == *"lifeboat: RTO not proven: no drill in the history (RTO 2 h)"* ]]
}

@test "status: after a good drill every objective is met: exit 0, the newest backup proven by it" {
	run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" drill
	export LIFEBOAT_TEST_NOW=$((LIFEBOAT_TEST_NOW + 3600))
	status --json status
	assert_equal "$status" 0
	assert_equal "$(jq -r '[.result, .rpo_met, .rto_met, .error] | map(tostring) | join(" ")' <<< "$output")" "ok true true null"
	assert_equal "$(jq -r '.stores[0].verified_by' <<< "$output")" drill
	assert_equal "$(jq -r '.stores[0].age_seconds' <<< "$output")" 25200
	assert_equal "$(jq -r '.stores[0].last_drill | [.result, .archive] | join(" ")' <<< "$output")" "ok $NEWEST"
	assert_equal "$(jq -r '.stores[0].last_drill.projected_rto_seconds' <<< "$output")" \
		"$(jq -r .projected_rto_seconds "$LIFEBOAT_HISTORY")"
	# the screen
	status status
	assert_equal "$status" 0
	assert_line "store 'local': 3 backups, the oldest from 2026-12-01T03:00:00Z"
	assert_line --regexp "^  newest valid: $NEWEST, 7 h old \(RPO 24 h: met\); proven by a drill at 2026-12-03T09:00:[0-9]+Z$"
	assert_line --regexp "^  last drill: 2026-12-03T09:00:[0-9]+Z, ok, projected RTO 4[01] min$"
	assert_line "RPO 24 h: met; RTO 2 h: met"
}

@test "status: a newest valid backup older than the RPO is exit 9, on a later clock" {
	run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" drill
	export LIFEBOAT_TEST_NOW=$(date -ud 2026-12-04T09:00:00Z +%s)
	status --json status
	assert_equal "$status" 9
	assert_equal "$(jq -r '[.rpo_met, .rto_met, .stores[0].rpo_met] | join(" ")' <<< "$output")" "false true false"
	assert_equal "$(jq -r .error <<< "$output")" "RPO missed: the newest valid backup is 30 h old (RPO 24 h)"
	# a corrupt-by-listing newest (no checksum) does not count as valid
	rm "$STORE/$NEWEST.sha256"
	export LIFEBOAT_TEST_NOW=$(date -ud 2026-12-03T09:00:00Z +%s)
	status --json status
	assert_equal "$status" 9
	assert_equal "$(jq -r '.stores[0].newest_valid' <<< "$output")" lifeboat-2026-12-02T03-00-00.tar.gz
	assert_equal "$(jq -r .error <<< "$output")" "RPO missed: the newest valid backup is 30 h old (RPO 24 h)"
}

@test "status: a failed last drill leaves the RTO unproven, with its reason" {
	conf "$(printf '[probe "broken"]\ncommand = false')"
	run -7 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" drill
	status --json status
	assert_equal "$status" 9
	assert_equal "$(jq -r .error <<< "$output")" "RTO not proven: the last drill failed: probe 'broken' failed: exit status 1"
	assert_equal "$(jq -r '.stores[0].last_drill.result' <<< "$output")" failed
}

@test "status: the RTO missed by the last drill's projection is exit 9" {
	conf
	sed -i 's/^provision = 20m/provision = 3h/' "$BATS_TEST_TMPDIR/c.conf"
	run -9 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" drill
	sed -i 's/^provision = 3h/provision = 20m/' "$BATS_TEST_TMPDIR/c.conf"
	status --json status
	assert_equal "$status" 9
	assert_equal "$(jq -r .error <<< "$output")" "RTO not proven: the last drill failed: RTO missed: the projected recovery takes 3 h 20 min (RTO 2 h)"
}

@test "status: without objectives in [plan] nothing is judged: exit 0" {
	printf '[store "local"]\nurl = file://%s\n' "$STORE" > "$BATS_TEST_TMPDIR/c.conf"
	export LIFEBOAT_TEST_NOW=$(date -ud 2027-01-01T00:00:00Z +%s)
	status --json status
	assert_equal "$status" 0
	assert_equal "$(jq -r '[.rpo_met, .rto_met, .stores[0].rpo_met] | map(tostring) | join(" ")' <<< "$output")" "null null null"
}

@test "status: a store that cannot be listed is shown; none listed is exit 5" {
	printf '[store "gone"]\nurl = file://%s/nowhere\n[store "local"]\nurl = file://%s\n[plan]\nrpo = 24h\n' \
		"$BATS_TEST_TMPDIR" "$STORE" > "$BATS_TEST_TMPDIR/c.conf"
	status --json status
	assert_equal "$status" 0
	assert_equal "$(jq -r '.stores[0].name, (.stores[0].error | type), .stores[1].newest_valid' <<< "$output" | tr '\n' ' ')" \
		"gone string $NEWEST "
	status status --store "$BATS_TEST_TMPDIR/nowhere"
	assert_equal "$status" 5
	[[ "$stderr" == *"lifeboat: no store could be listed: "* ]]
}

@test "status --history: the last drills as a table, --last N, --json" {
	conf "$(printf '[probe "p"]\ncommand = test -e %s/ok' "$BATS_TEST_TMPDIR")"
	touch "$BATS_TEST_TMPDIR/ok"
	run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" drill
	rm "$BATS_TEST_TMPDIR/ok"
	export LIFEBOAT_TEST_NOW=$((LIFEBOAT_TEST_NOW + 86400))
	run -7 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" drill
	status status --history
	assert_equal "$status" 0
	assert_line --index 0 --regexp '^DATE +STORE +BACKUP +RESULT +RESTORE +PROJECTED RTO$'
	assert_line --index 1 --regexp "^2026-12-03T09:00:[0-9]+Z  local +$NEWEST +ok +[0-9.]+ s  4[01] min$"
	assert_line --index 2 --regexp "^2026-12-04T09:00:[0-9]+Z  local +$NEWEST +FAILED +[0-9.]+ s  4[01] min$"
	assert_equal "${#lines[@]}" 3
	status status --history --last 1 --json
	assert_equal "$status" 0
	assert_equal "$(jq -r 'length, .[0].result, .[0].error' <<< "$output" | tr '\n' ' ')" \
		"1 failed probe 'p' failed: exit status 1 "
	status status --history --last 0
	assert_equal "$status" 2
}

@test "status --metrics: promtool check metrics passes; the objectives and the stores' numbers are there" {
	command -v promtool
	run -0 "$LIFEBOAT" -q -c "$BATS_TEST_TMPDIR/c.conf" drill
	status status --metrics "$BATS_TEST_TMPDIR/status.prom"
	assert_equal "$status" 0
	run -0 promtool check metrics < "$BATS_TEST_TMPDIR/status.prom"
	local m=$BATS_TEST_TMPDIR/status.prom
	grep -qx 'lifeboat_objective_met{objective="rpo"} 1' "$m"
	grep -qx 'lifeboat_objective_met{objective="rto"} 1' "$m"
	grep -qx 'lifeboat_backups{store="local"} 3' "$m"
	grep -qx "lifeboat_newest_valid_backup_timestamp_seconds{store=\"local\"} $(date -ud 2026-12-03T03:00:00Z +%s)" "$m"
	grep -qx 'lifeboat_plan_rpo_seconds 86400' "$m"
	# a day later the RPO is missed, and the file says so
	export LIFEBOAT_TEST_NOW=$((LIFEBOAT_TEST_NOW + 86400))
	status status --metrics "$m"
	assert_equal "$status" 9
	grep -qx 'lifeboat_objective_met{objective="rpo"} 0' "$m"
	run -0 promtool check metrics < "$m"
	[ ! -e "$m.lock" ]
}
