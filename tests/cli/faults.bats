#!/usr/bin/env bats
# Fault injection at every step (issue 16): the test build
# (build/asan/lifeboat, FAULT_LIFEBOAT) has named fault points; every one
# found in tools/lib/*.c is made to fail with SIGKILL, EIO and ENOSPC, at
# its first and its second hit, and after each:
#   - the fault fired (LIFEBOAT_FAULT_LOG), or the run is a normal one;
#   - a killed run died of SIGKILL; a failed one ended with one error line
#     naming the errno, and a documented exit status;
#   - every volume is byte-identical to before or to the new backup, never
#     a mix; what is not live yet is whole in the staging area, what was
#     replaced whole in previous-ID (nothing lost while a commit is half
#     done);
#   - the next 'lifeboat restore' finishes or cleans up the interrupted
#     work (all volumes new), and, on a copy of the same state, 'lifeboat
#     rollback' undoes it (all volumes as before).
# The STEP prefix says which run the fault is injected in: restore.* and
# commit.* a restore over old volumes, rollback.* a rollback of that
# restore, recover.* a restore that finishes a killed one, backup.* a
# backup to two file stores (after it, no sidecar but of a whole backup;
# backup.bats checks the stopped containers are started again).
# Needs root (restores keep owners; the cases run on a tmpfs of their own,
# where the commit's syncfs does not wait for the machine's other disks).

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR
	mkdir "$d/fs"
	mount -t tmpfs -o size=512m,mode=0700 lifeboat-faults "$d/fs"
	mkdir -p "$d/old/vol_a/_data/sub" "$d/old/vol_b/_data" "$d/store" \
		"$d/new/vol_a/_data/sub" "$d/new/vol_b/_data" "$d/new/vol_c/_data"
	echo "old a" > "$d/old/vol_a/_data/sub/file"
	echo "old b" > "$d/old/vol_b/_data/file"
	head -c 200000 /dev/zero | tr '\0' o > "$d/old/vol_b/_data/big"
	echo "new a" > "$d/new/vol_a/_data/sub/file"
	echo "new b" > "$d/new/vol_b/_data/file"
	# more than one read and write of the pipe per volume; incompressible
	# so that the archive takes several store reads
	openssl rand -out "$d/new/vol_b/_data/big" 600000
	openssl rand -out "$d/new/vol_c/_data/rnd" 300000
	echo "new c" > "$d/new/vol_c/_data/file"
	tar --numeric-owner -C "$d/new" -czf \
		"$d/store/backup-2026-11-20T03-00-00.tar.gz" .
	sidecar "$d/store/backup-2026-11-20T03-00-00.tar.gz"
}

teardown_file() {
	umount "$BATS_FILE_TMPDIR/fs"
}

setup() {
	load ../helpers/common
	CASES=$BATS_FILE_TMPDIR/fs
	FAULT_LIFEBOAT=${FAULT_LIFEBOAT:-$TOP/build/asan/lifeboat}
	OLD=$BATS_FILE_TMPDIR/old
	NEW=$BATS_FILE_TMPDIR/new
	STORE=$BATS_FILE_TMPDIR/store
	VOLS="vol_a vol_b vol_c"
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
	export UBSAN_OPTIONS=print_stacktrace=1
	[ -x "$FAULT_LIFEBOAT" ] || {
		echo "no test build $FAULT_LIFEBOAT (make build/asan/lifeboat)" >&2
		return 1
	}
}

# The fault points: the step names of lb_fault("STEP"),
# journal_add(T, "STEP", ...) and fsync_dir(P, "STEP") in the engine.
fault_steps() {
	perl -0777 -ne 'while (/\b(?:lb_fault|journal_add|fsync_dir)\s*\(\s*(?:[^,()";]*,\s*)?"([^"]*)"/g) { print "$1\n" }' \
		"$TOP"/tools/lib/*.c | sort -u
}

# vsum DIR: a digest of the tree (names, types, modes, owners, contents),
# or "absent".
vsum() {
	[ -e "$1" ] || { echo absent; return; }
	tar --sort=name --mtime=@0 --numeric-owner -C "$1" -cf - . |
		sha256sum | cut -c1-16
}

declare -gA OLDSUM NEWSUM

sums() {
	local v
	for v in $VOLS; do
		OLDSUM[$v]=$(vsum "$OLD/$v")
		NEWSUM[$v]=$(vsum "$NEW/$v")
	done
}

# all_are WHICH DEST: every volume of DEST is the old one (WHICH=old) or
# the new one.
all_are() {
	local which=$1 dest=$2 v want got bad=
	for v in $VOLS; do
		if [ "$which" = old ]; then want=${OLDSUM[$v]}; else want=${NEWSUM[$v]}; fi
		got=$(vsum "$dest/$v")
		[ "$got" = "$want" ] || bad+=" $v($got, want $which $want)"
	done
	[ -z "$bad" ] || { echo "not all $which:$bad"; return 1; }
}

# interrupted DEST: what the latest journal says was left half done
# (commit, rollback, transfer, or nothing), for the next run to report.
interrupted() {
	local j
	j=$(ls "$1.lifeboat"/journal-* 2>/dev/null | tail -n 1)
	if [ -z "$j" ] || grep -q '^abandoned' "$j"; then echo nothing
	elif grep -qx rollback "$j" && ! grep -qx rolled-back "$j"; then echo rollback
	elif grep -qx rollback "$j" || grep -qx committed "$j"; then echo nothing
	elif grep -qx commit "$j"; then echo commit
	else echo transfer; fi
}

# whole DEST: after a fault, each volume is old or new, never a mix, and
# nothing is lost: when the commit began, a volume not live yet is whole
# in the staging area and a replaced one whole in previous-ID.
whole() {
	local dest=$1 v live st prev j id begun=0 bad=
	j=$(ls "$dest.lifeboat"/journal-* 2>/dev/null | tail -n 1)
	id=${j##*/journal-}
	[ "$(interrupted "$dest")" = commit ] && begun=1
	for v in $VOLS; do
		live=$(vsum "$dest/$v")
		st= prev=
		if [ "$begun" = 1 ] && [ "$live" != "${NEWSUM[$v]}" ]; then
			st=$(vsum "$dest.lifeboat/staging-$id/$v")
			prev=$(vsum "$dest.lifeboat/previous-$id/$v")
		fi
		case $live in
		"${NEWSUM[$v]}") ;;
		"${OLDSUM[$v]}")
			[ "$begun" = 0 ] || [ "$st" = "${NEWSUM[$v]}" ] ||
				bad+=" $v: old, and the new one not whole in staging ($st)" ;;
		absent)
			# set aside, not yet replaced
			[ "$begun" = 1 ] && [ "$st" = "${NEWSUM[$v]}" ] &&
				[ "$prev" = "${OLDSUM[$v]}" ] ||
				bad+=" $v: absent (staging $st, previous $prev)" ;;
		*) bad+=" $v: a mix ($live)" ;;
		esac
	done
	[ -z "$bad" ] || { echo "after the fault:$bad"; return 1; }
}

# outcome STEP ACTION RC ERRFILE LOG: how the faulted run ended. Prints
# "fired" or "normal".
outcome() {
	local step=$1 act=$2 rc=$3 err=$4 log=$5 want last
	if ! grep -q "^$step " "$log" 2>/dev/null; then
		# not reached at this hit: a normal run
		[ "$rc" = 0 ] || { echo "fault not fired, yet exit $rc: $(cat "$err")"; return 1; }
		echo normal
		return 0
	fi
	if grep -q 'Sanitizer' "$err"; then
		echo "sanitizer report:"; cat "$err"; return 1
	fi
	if [ "$act" = KILL ]; then
		[ "$rc" = 137 ] || { echo "killed, yet exit $rc"; return 1; }
		echo fired
		return 0
	fi
	want=$(perl -MPOSIX -e "print strerror(POSIX::$act())")
	grep -qF "$want" "$err" || { echo "'$want' not said: $(cat "$err")"; return 1; }
	last=$(tail -n 1 "$err")
	case $rc in
	0)
		# only a report that cannot be written is a warning
		[[ "$last" == *warning* ]] || { echo "exit 0 without a warning: $(cat "$err")"; return 1; } ;;
	3 | 4 | 5 | 6)
		[[ "$last" == lifeboat*': '* && "$last" != *warning* ]] ||
			{ echo "no error line at the end: $(cat "$err")"; return 1; } ;;
	*) echo "exit $rc is not a documented one for a failed step: $(cat "$err")"; return 1 ;;
	esac
	echo fired
}

# one_case STEP ACTION N: the whole check of one fault; prints what went
# wrong, returns 1 then.
one_case() {
	local step=$1 act=$2 n=$3 c=$CASES/$1-$2-$3 rc how pre left want
	mkdir -p "$c/a" "$c/b"
	cp -a "$OLD" "$c/a/dest"
	case $step in
	rollback.*)
		"$LIFEBOAT" -q restore --replace --store "$STORE" --dest "$c/a/dest" ||
			{ echo "setup restore failed"; return 1; } ;;
	recover.*)
		# a killed restore for the faulted one to finish
		pre=commit.go-live:KILL:2
		[ "$step" = recover.journal-abandoned ] && pre=restore.write:KILL
		LIFEBOAT_FAULT=$pre "$FAULT_LIFEBOAT" -q restore --replace \
			--store "$STORE" --dest "$c/a/dest" 2> /dev/null && {
			echo "setup fault $pre did not kill"; return 1; } ;;
	esac
	rc=0
	if [[ $step == rollback.* ]]; then
		LIFEBOAT_FAULT=$step:$act:$n LIFEBOAT_FAULT_LOG=$c/log \
			"$FAULT_LIFEBOAT" rollback --dest "$c/a/dest" > /dev/null 2> "$c/err" || rc=$?
	else
		LIFEBOAT_FAULT=$step:$act:$n LIFEBOAT_FAULT_LOG=$c/log \
			"$FAULT_LIFEBOAT" restore --replace --store "$STORE" \
			--dest "$c/a/dest" > /dev/null 2> "$c/err" || rc=$?
	fi
	how=$(outcome "$step" "$act" "$rc" "$c/err" "$c/log") || { echo "$how"; return 1; }
	if [ "$how" = normal ]; then
		if [[ $step == rollback.* ]]; then all_are old "$c/a/dest" || return 1
		else all_are new "$c/a/dest" || return 1; fi
		rm -rf "$c"
		echo normal
		return 0
	fi
	if [[ $step != rollback.* ]]; then
		whole "$c/a/dest" || return 1
	fi
	cp -a "$c/a/dest" "$c/a/dest.lifeboat" "$c/b/"
	left=$(interrupted "$c/a/dest")
	# the error says its commit was left half done exactly when it was
	if [ "$act" != KILL ] && [[ $step == restore.* || $step == commit.* ]]; then
		if [ "$left" = commit ]; then
			grep -q "the commit was left half done" "$c/err" ||
				{ echo "half-done commit not said: $(cat "$c/err")"; return 1; }
		elif grep -q "left half done" "$c/err"; then
			echo "says half done, the journal says $left: $(cat "$c/err")"
			return 1
		fi
	fi
	# the next restore finishes or cleans up, and says so; then restores:
	# all new
	"$LIFEBOAT" restore --replace --store "$STORE" --dest "$c/a/dest" \
		> /dev/null 2> "$c/err2" || { echo "next restore failed: $(cat "$c/err2")"; return 1; }
	case $left in
	commit) want="finished the interrupted commit of restore" ;;
	rollback) want="finished the interrupted rollback of restore" ;;
	transfer) want="removed the staging of the interrupted restore" ;;
	*) want= ;;
	esac
	grep -q "$want" "$c/err2" || { echo "left: $left; the next restore did not say '$want': $(cat "$c/err2")"; return 1; }
	all_are new "$c/a/dest" || return 1
	no_staging "$c/a/dest" || return 1
	# a rollback on the copy: what the interrupted run did is undone, or
	# there is nothing to undo; either way, the volumes as before
	"$LIFEBOAT" rollback --dest "$c/b/dest" > /dev/null 2> "$c/err3"
	rc=$?
	if [ "$rc" = 2 ]; then
		grep -q "no restore to roll back" "$c/err3" ||
			{ echo "rollback: $(cat "$c/err3")"; return 1; }
	elif [ "$rc" != 0 ]; then
		echo "rollback failed ($rc): $(cat "$c/err3")"; return 1
	fi
	all_are old "$c/b/dest" || { echo "after the rollback ($(cat "$c/err3"))"; return 1; }
	rm -rf "$c"
	echo fired
}

# matrix ACTION: every fault point, first and second hit.
matrix() {
	local act=$1 step n out failed=0 total=0 fired=0
	sums
	for step in $(fault_steps); do
		case $step in
		restore.* | commit.* | rollback.* | recover.*) ;;
		backup.*) continue ;;	# backup_matrix
		*) echo "no scenario for the fault point '$step'" >&2; return 1 ;;
		esac
		for n in 1 2; do
			total=$((total + 1))
			if out=$(one_case "$step" "$act" "$n" 2>&1); then
				[ "$out" != fired ] || fired=$((fired + 1))
			else
				failed=$((failed + 1))
				echo "FAIL $step:$act:$n: $out" >&2
			fi
		done
	done
	echo "# $act: $total cases ($fired fired, the rest never hit a second time), $failed failed" >&3
	[ "$failed" = 0 ]
}

# backup_case STEP ACTION N: a backup to two file stores, the fault at
# the Nth hit of STEP (the first store's call, then the second's). After
# it: the fault fired and ended the run as outcome says, or the run was a
# normal one; every sidecar left is of a whole backup (sha256sum -c, and
# a restore from that store alone gives the source back); a store that
# failed with an errno has none (nothing visible as valid), the other
# one has.
backup_case() {
	local step=$1 act=$2 n=$3 c=$CASES/$1-$2-$3 rc=0 how st side want=1
	mkdir -p "$c/a" "$c/b"
	printf '[backup]\ndocker_socket = %s/none.sock\n' "$c" > "$c/conf"
	LIFEBOAT_FAULT=$step:$act:$n LIFEBOAT_FAULT_LOG=$c/log "$FAULT_LIFEBOAT" \
		-c "$c/conf" backup --source "$NEW" --store "$c/a" --store "$c/b" \
		> /dev/null 2> "$c/err" || rc=$?
	how=$(outcome "$step" "$act" "$rc" "$c/err" "$c/log") || { echo "$how"; return 1; }
	[ "$how" = normal ] && want=2
	[ "$how" = fired ] && [ "$act" = KILL ] && want=any
	for st in a b; do
		for side in "$c/$st"/*.sha256; do
			[ -e "$side" ] || continue
			(cd "$c/$st" && sha256sum -c --strict "${side##*/}" > /dev/null) ||
				{ echo "store $st: a sidecar that does not match"; return 1; }
			"$LIFEBOAT" -q restore --store "$c/$st" --dest "$c/dest-$st" ||
				{ echo "store $st: its backup does not restore"; return 1; }
			all_are new "$c/dest-$st" || return 1
		done
	done
	if [ "$want" != any ]; then
		[ "$(ls "$c"/a/*.sha256 "$c"/b/*.sha256 2> /dev/null | wc -l)" = "$want" ] ||
			{ echo "want $want sidecars: $(ls "$c/a" "$c/b")"; return 1; }
	fi
	rm -rf "$c"
	echo "$how"
}

# backup_matrix: every backup.* fault point x KILL, EIO x the first and
# the second store (ENOSPC takes the same paths as EIO there).
backup_matrix() {
	local step act n out failed=0 total=0 fired=0
	for step in $(fault_steps | grep '^backup\.'); do
		for act in KILL EIO; do
			for n in 1 2; do
				total=$((total + 1))
				if out=$(backup_case "$step" "$act" "$n" 2>&1); then
					[ "$out" != fired ] || fired=$((fired + 1))
				else
					failed=$((failed + 1))
					echo "FAIL $step:$act:$n: $out" >&2
				fi
			done
		done
	done
	echo "# backup: $total cases ($fired fired), $failed failed" >&3
	[ "$fired" -gt 0 ] && [ "$failed" = 0 ]
}

@test "the fault points: found in the source, each in a scenario" {
	run -0 fault_steps
	# every journal step of a commit and a rollback, every restore phase
	for s in restore.list restore.open restore.read restore.write \
		commit.sync commit.set-aside commit.go-live restore.report \
		commit.journal-plan commit.journal-commit commit.journal-done \
		commit.journal-committed rollback.journal-begin rollback.take-out \
		rollback.put-back rollback.journal-done recover.journal-committed \
		backup.open backup.write backup.commit backup.manifest \
		backup.sidecar; do
		assert_line "$s"
	done
}

@test "backup: KILL and EIO at every backup fault point, each store: no sidecar but of a whole backup" {
	sums
	backup_matrix
}

@test "the shipped build refuses LIFEBOAT_FAULT" {
	run -2 --separate-stderr env LIFEBOAT_FAULT=commit.go-live:KILL "$LIFEBOAT" version
	assert_equal "$stderr" "${LIFEBOAT##*/}: LIFEBOAT_FAULT is set, but this build of lifeboat has no fault injection (only the test builds have): unset it"
	assert_equal "$output" ""
	run -2 --separate-stderr env LIFEBOAT_FAULT=commit.go-live:KILL "$LIFEBOAT" restore \
		--store "$STORE" --dest "$BATS_TEST_TMPDIR/dest"
	[ ! -e "$BATS_TEST_TMPDIR/dest" ]
}

@test "the shipped build refuses LIFEBOAT_TEST_COMMIT_PAUSE_MS; the test build takes a number of ms" {
	run -2 --separate-stderr env LIFEBOAT_TEST_COMMIT_PAUSE_MS=3000 "$LIFEBOAT" restore \
		--store "$STORE" --dest "$BATS_TEST_TMPDIR/dest"
	assert_equal "$stderr" "${LIFEBOAT##*/}: LIFEBOAT_TEST_COMMIT_PAUSE_MS is set, but this build of lifeboat has no test switches (only the test builds have): unset it"
	[ ! -e "$BATS_TEST_TMPDIR/dest" ]
	local s
	for s in "" x 10x -5 3600001; do
		run -2 --separate-stderr env LIFEBOAT_TEST_COMMIT_PAUSE_MS="$s" "$FAULT_LIFEBOAT" version
		assert_equal "$stderr" "${FAULT_LIFEBOAT##*/}: LIFEBOAT_TEST_COMMIT_PAUSE_MS '$s': not a number of milliseconds (0 to 3600000)"
	done
	run -0 env LIFEBOAT_TEST_COMMIT_PAUSE_MS=0 "$FAULT_LIFEBOAT" version
}

@test "the test build refuses a malformed LIFEBOAT_FAULT" {
	local s
	for s in commit.go-live commit.go-live:EXYZ :EIO commit.go-live:EIO:0 \
		commit.go-live:EIO:x commit.go-live:; do
		run -2 --separate-stderr env LIFEBOAT_FAULT="$s" "$FAULT_LIFEBOAT" version
		assert_equal "$stderr" "${FAULT_LIFEBOAT##*/}: LIFEBOAT_FAULT '$s': not STEP:ACTION[:N] (ACTION: KILL, EIO, ENOSPC, EDQUOT, EROFS, EACCES, EPERM, ENOMEM, ECONNRESET or ETIMEDOUT; N: the hit that fails, from 1)"
	done
	run -0 env LIFEBOAT_FAULT=commit.go-live:EIO:3 "$FAULT_LIFEBOAT" version
}

@test "SIGKILL at every fault point: old or new, never a mix; restore finishes, rollback undoes" {
	matrix KILL
}

@test "EIO at every fault point: one error line, old or new, never a mix; restore finishes, rollback undoes" {
	matrix EIO
}

@test "ENOSPC at every fault point: one error line, old or new, never a mix; restore finishes, rollback undoes" {
	matrix ENOSPC
}
