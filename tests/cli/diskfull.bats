#!/usr/bin/env bats
# Real disks that fail (issue 16): a restore onto a small ext4 filesystem
# (a loop device) that fills up in the middle of a volume, and onto one
# whose device returns I/O errors: a thin loop device over a file on a
# tmpfs too small to hold what is written (the kernel's own EIO). This
# machine's kernel has no device-mapper: the direct way, a device-mapper
# 'error' target under the staging, runs in a qemu guest on the image's
# own kernel (tests/e2e/e2e.bats, "a target disk that dies mid-restore").
# The I/O errors come by one stream and by segments (a group's commit
# must not miss an error that the staging's writeback thread met first).
# Each ends with one error line and exit 6, the live volume untouched, the
# staging removed or said to be left. Needs root (mount, loop devices).

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR
	mkdir -p "$d/src/vol_big/_data" "$d/store" "$d/old/vol_old/_data"
	# incompressible: the archive is as big as what it fills
	openssl rand -out "$d/src/vol_big/_data/blob" 40000000
	echo "before the restore" > "$d/old/vol_old/_data/file"
	tar --numeric-owner -C "$d/src" -czf \
		"$d/store/backup-2026-11-20T03-00-00.tar.gz" .
	sidecar "$d/store/backup-2026-11-20T03-00-00.tar.gz"
	# the same by lifeboat backup, in segments: restored by segments
	printf '[backup]\nsegment_size = 4M\n' > "$d/seg.conf"
	mkdir "$d/segstore"
	"$LIFEBOAT" -q -c "$d/seg.conf" backup --source "$d/src" --store "$d/segstore"
}

setup() {
	load ../helpers/common
	STORE=$BATS_FILE_TMPDIR/store
	MOUNTS=()
}

teardown() {
	local m i
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		m=${MOUNTS[$i]}
		umount "$m" || umount -l "$m"
	done
}

# mnt ARGS... DIR: mount, and unmount in teardown (a loop device that
# mount made is freed with it).
mnt() {
	mount "$@"
	MOUNTS+=("${!#}")
}

# the checks shared by both: one error line naming the cause, the old
# volume as it was, the staging gone or named in a warning
after_failure() {
	local dest=$1 cause=$2 n
	echo "$stderr"
	[[ "${stderr##*$'\n'}" == "lifeboat: "*"$cause"* ]]
	n=$(grep -c '^lifeboat: ' <<< "$stderr")
	# errors: only the last line is one (the rest is progress and
	# warnings)
	[ "$(grep -v -e ': warning: ' -e "restoring '" -e '%)' <<< "$stderr" |
		grep -c '^lifeboat: ')" = 1 ]
	(( n >= 1 ))
	assert_equal "$(cat "$dest/vol_old/_data/file")" "before the restore"
	[ ! -e "$dest/vol_big" ]
	if compgen -G "$dest.lifeboat/staging-*" > /dev/null; then
		[[ "$stderr" == *"warning: cannot remove '$dest.lifeboat/staging-"*"the next restore removes it"* ]]
	fi
}

@test "a restore that fills the disk mid-volume: exit 6, one error line, live untouched, staging removed" {
	local d=$BATS_TEST_TMPDIR dest j
	truncate -s 24M "$d/disk.img"
	mkfs.ext4 -q -m 0 "$d/disk.img"
	mkdir "$d/mnt"
	mnt -o loop "$d/disk.img" "$d/mnt"
	dest=$d/mnt/volumes
	cp -a "$BATS_FILE_TMPDIR/old" "$dest"
	run -6 --separate-stderr "$LIFEBOAT" restore --replace --store "$STORE" --dest "$dest"
	after_failure "$dest" "No space left on device"
	[[ "${stderr##*$'\n'}" == *"vol_big/_data/blob': cannot write"* ]]
	no_staging "$dest"
	j=$(ls "$dest.lifeboat"/journal-*)
	grep -q '^abandoned ' "$j"
	! grep -qx commit "$j"
	# the space is back: the disk holds what it held before
	(( $(df --output=used -k "$d/mnt" | tail -n 1) < 4096 ))
}

# failing_disk DIR: a 96 MiB ext4 on DIR/mnt whose device fails past its
# first 12 MiB, holding DIR/mnt/volumes with the old volume
failing_disk() {
	local d=$1 dest
	mkdir "$d/outer" "$d/mnt"
	# a 96 MiB filesystem on a file that cannot grow past 12 MiB: the
	# writes past that fail in the loop device, as a dying disk's do
	mnt -t tmpfs -o size=12m lifeboat-thin "$d/outer"
	truncate -s 96M "$d/outer/disk.img"
	# no journal, errors=continue: a journal that meets the device's error
	# first aborts, and the filesystem turns read-only whatever errors=
	# says; the sync would then say "Read-only file system" (the device
	# case in tests/e2e/e2e.bats has a journal and takes either)
	mkfs.ext4 -q -m 0 -O ^has_journal "$d/outer/disk.img"
	mnt -o loop,errors=continue "$d/outer/disk.img" "$d/mnt"
	dest=$d/mnt/volumes
	cp -a "$BATS_FILE_TMPDIR/old" "$dest"
	sync -f "$dest"
}

@test "a restore onto a device that returns I/O errors: exit 6, one error line, live untouched" {
	local dest=$BATS_TEST_TMPDIR/mnt/volumes
	failing_disk "$BATS_TEST_TMPDIR"
	run -6 --separate-stderr "$LIFEBOAT" restore --replace --store "$STORE" --dest "$dest"
	# a sync of the staging (the writeback thread's, or the commit's)
	# sees the device's error: nothing goes live
	after_failure "$dest" "I/O error"
	[[ "${stderr##*$'\n'}" == *"cannot sync '$dest.lifeboat/staging-"* ]]
}

@test "a restore by segments onto a device that returns I/O errors: exit 6, the group never live" {
	local dest=$BATS_TEST_TMPDIR/mnt/volumes
	failing_disk "$BATS_TEST_TMPDIR"
	run -6 --separate-stderr "$LIFEBOAT" restore --replace \
		--store "$BATS_FILE_TMPDIR/segstore" --dest "$dest"
	# the group's commit syncs after the writeback thread's sync met the
	# error, and a sync through a file opened after that no longer
	# reports it: the commit asks the thread
	after_failure "$dest" "I/O error"
	[[ "${stderr##*$'\n'}" == *"cannot sync '$dest.lifeboat/staging-"* ]]
}
