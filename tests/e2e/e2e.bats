#!/usr/bin/env bats
# End to end: qemu boots the real image (TCG; KVM only with
# LIFEBOAT_E2E_ACCEL=kvm), the guest prints "LIFEBOAT-E2E <case> rc=<n>" on
# its serial console and powers off, and the test reads that line and then
# the target disk. The guest reaches the host's test servers on 127.0.0.1
# only through qemu's user network with restrict=on and guestfwd; nothing
# else is reachable from it. guestfwd runs socat per connection: a chardev
# target ("-tcp:HOST:PORT") is one host connection for the whole boot, dead
# once the server closes it. The guest gets a virtio-rng device: without
# one, TCG takes half a minute to seed the kernel's random generator.

setup_file() {
	load ../helpers/common
	export E2E=$BATS_FILE_TMPDIR
	local img=$TOP/images
	KERNEL=$(ls "$img"/lifeboat-*-x86_64.vmlinuz)
	INITRD=$(ls "$img"/lifeboat-*-x86_64.initramfs.img)
	ISO=$(ls "$img"/lifeboat-*-x86_64.iso)
	export KERNEL INITRD ISO

	# the store: one nightly backup of the synthetic volumes
	"$TOP/tests/helpers/mktree" "$E2E/src" --seed 11
	mkdir -p "$E2E/store"
	NAME=backup-2026-11-20T03-00-00.tar.gz
	export NAME
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner \
		-C "$E2E/src" -czpf "$E2E/store/$NAME" .
	(cd "$E2E/store" && sha256sum "$NAME" > "$NAME.sha256")
	"$TOP/tests/helpers/nginx-store" start "$E2E/ng" "$E2E/store" >/dev/null

	# an "installed system": an ext4 root with /etc/os-release
	mkdir -p "$E2E/rootfs/etc" "$E2E/rootfs/var/lib/docker/volumes"
	printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n' > "$E2E/rootfs/etc/os-release"
}

teardown_file() {
	"$TOP/tests/helpers/nginx-store" stop "$E2E/ng" 2>/dev/null || true
	"$TOP/tests/helpers/s3-store" stop "$E2E/s3" 2>/dev/null || true
	"$TOP/tests/helpers/nginx-store" stop "$E2E/ngage" 2>/dev/null || true
	"$TOP/tests/helpers/nginx-store" stop "$E2E/ngdm" 2>/dev/null || true
	umount "$E2E/mnt" 2>/dev/null || true
}

setup() {
	load ../helpers/common
}

teardown() {
	umount "$E2E/mnt" 2>/dev/null || true
	# a guest a failed test left running (its timeout's PID: it stops qemu)
	if [ -s "$E2E/qemu.pid" ]; then
		kill "$(cat "$E2E/qemu.pid")" 2>/dev/null || true
		rm -f "$E2E/qemu.pid"
	fi
}

# qemu_run LOG LIMIT ARGS...: boot, serial console to LOG, bounded
qemu_run() {
	local log=$1 limit=$2
	shift 2
	timeout "$limit" qemu-system-x86_64 -accel "${LIFEBOAT_E2E_ACCEL:-tcg}" -m 768 \
		-display none -monitor none -serial "file:$log" -no-reboot \
		-device virtio-rng-pci "$@" || true
}

# direct LOG CMDLINE ARGS...: kernel + initramfs, as a VPS rescue system or
# PXE would boot them
direct() {
	local log=$1 cmdline=$2
	shift 2
	qemu_run "$log" 240 -kernel "$KERNEL" -initrd "${E2E_INITRD:-$INITRD}" \
		-append "console=ttyS0 quiet panic=-1 lifeboat.after=poweroff $cmdline" "$@"
}

# result LOG CASE: the rc the guest reported, or "none"
result() {
	local rc
	rc=$(sed -n "s/.*LIFEBOAT-E2E $2 rc=\([0-9]*\).*/\1/p" "$1" | head -n1)
	echo "${rc:-none}"
}

# a target disk made from $E2E/rootfs
target_disk() {
	mkfs.ext4 -q -F -L "${2:-target}" -d "$E2E/rootfs" "$1" 256M
}

# the restored volumes on DISK equal the source, metadata included
assert_restored() {
	mkdir -p "$E2E/mnt"
	mount -o loop,ro "$1" "$E2E/mnt"
	run -0 "$TOP/tests/helpers/treecmp" diff "$E2E/src" "$E2E/mnt/var/lib/docker/volumes" --ignore '.lifeboat*'
	ls "$E2E/mnt/var/lib/lifeboat/reports/"restore-*.json
	jq -e '.result == "ok" and .archive.name == env.NAME' "$E2E"/mnt/var/lib/lifeboat/reports/restore-*.json
	[ -e "$E2E/mnt/var/lib/lifeboat/unattended-restore-done" ]
	umount "$E2E/mnt"
}

@test "unattended restore over HTTP from the host's nginx, through guestfwd; the clock set from its Date" {
	. "$E2E/ng/ports.env"
	target_disk "$E2E/http.img"
	# the guest's clock starts years off, as a rescue system's may
	direct "$E2E/http.log" "lifeboat.e2e=http lifeboat.auto=restore lifeboat.store=http://10.0.2.100/json/" \
		-rtc base=2020-01-01T00:00:00 \
		-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:socat STDIO TCP:127.0.0.1:$HTTP_PORT" \
		-device virtio-net-pci,netdev=n0 \
		-drive "file=$E2E/http.img,format=raw,if=virtio"
	run result "$E2E/http.log" http
	assert_output 0 || { cat "$E2E/http.log"; false; }
	grep -q "network: eth0 10.0.2.15/24 (dhcp)" "$E2E/http.log"
	grep -q "target: /dev/vda mounted on /target" "$E2E/http.log"
	# every module loads once: a compressed one that fails (crc32c_intel:
	# TCG's CPU has no SSE 4.2) is not given to the kernel raw again
	# (deps/busybox/patches/0001)
	if grep "Invalid ELF header magic" "$E2E/http.log"; then
		fail "a module was loaded raw after it failed compressed"
	fi
	# corrected by the store's Date: more than five years forward
	local fix
	fix=$(tr -d '\r' < "$E2E/http.log" | sed -n 's/.*clock: .* (corrected by \([0-9-]*\) s).*/\1/p')
	[ "${fix:-0}" -gt $((5 * 365 * 86400)) ] || fail "clock correction: '${fix}'"
	assert_restored "$E2E/http.img"
}

@test "a second boot of the image does not restore again (marker on the target)" {
	. "$E2E/ng/ports.env"
	target_disk "$E2E/again.img"
	mkdir -p "$E2E/mnt" && mount -o loop "$E2E/again.img" "$E2E/mnt"
	mkdir -p "$E2E/mnt/var/lib/lifeboat"
	echo "2026-11-21T03:00:00Z rc=0" > "$E2E/mnt/var/lib/lifeboat/unattended-restore-done"
	umount "$E2E/mnt"
	direct "$E2E/again.log" "lifeboat.e2e=again lifeboat.auto=restore lifeboat.store=http://10.0.2.100/json/" \
		-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:socat STDIO TCP:127.0.0.1:$HTTP_PORT" \
		-device virtio-net-pci,netdev=n0 \
		-drive "file=$E2E/again.img,format=raw,if=virtio"
	run result "$E2E/again.log" again
	assert_output 3
	grep -q "a restore already ran from this image" "$E2E/again.log"
	mount -o loop,ro "$E2E/again.img" "$E2E/mnt"
	[ -z "$(ls -A "$E2E/mnt/var/lib/docker/volumes")" ]
	umount "$E2E/mnt"
}

@test "unattended restore over HTTPS, the CA from the LIFEBOAT disk's ca_file; a certificate for another name is refused" {
	. "$E2E/ng/ports.env"
	# The guest knows the host's nginx as 10.0.2.100 (guestfwd), so the
	# certificate there is the helpers' guest one (SAN IP:10.0.2.100). At
	# 10.0.2.102 the same nginx shows its localhost one (DNS:localhost,
	# IP:127.0.0.1): same CA, wrong name, so that store must be skipped.
	mkdir -p "$E2E/tlsfs"
	cp "$CA_PEM" "$E2E/tlsfs/test-ca.pem"
	cat > "$E2E/tlsfs/lifeboat.conf" <<-EOF
	[store "wrongname"]
	url = https://10.0.2.102/json/
	ca_file = /lifeboat/test-ca.pem

	[store "tls"]
	url = https://10.0.2.100/json/
	ca_file = /lifeboat/test-ca.pem
	EOF
	mkfs.ext4 -q -F -L LIFEBOAT -d "$E2E/tlsfs" "$E2E/tlsfs.img" 32M
	target_disk "$E2E/https.img"
	direct "$E2E/https.log" "lifeboat.e2e=https lifeboat.auto=restore" \
		-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:443-cmd:socat STDIO TCP:127.0.0.1:$GUEST_PORT,guestfwd=tcp:10.0.2.102:443-cmd:socat STDIO TCP:127.0.0.1:$HTTPS_PORT" \
		-device virtio-net-pci,netdev=n0 \
		-drive "file=$E2E/https.img,format=raw,if=virtio" \
		-drive "file=$E2E/tlsfs.img,format=raw,if=virtio"
	run result "$E2E/https.log" https
	assert_output 0 || { cat "$E2E/https.log"; false; }
	grep -q "config: /lifeboat/lifeboat.conf" "$E2E/https.log"
	# the name check held: skipped, and no request reached that server
	grep -q "store 'wrongname' skipped: .*does not match" "$E2E/https.log" || { cat "$E2E/https.log"; false; }
	refute grep -q ":$HTTPS_PORT \"GET " "$E2E/ng/access.log"
	# the archive came over TLS from the guest port
	grep -q ":$GUEST_PORT \"GET /json/$NAME HTTP/1.1\" 200 .* tls=TLSv1" "$E2E/ng/access.log"
	mkdir -p "$E2E/mnt"
	mount -o loop,ro "$E2E/https.img" "$E2E/mnt"
	jq -e '.archive.store == "tls" and .archive.verified == true' "$E2E"/mnt/var/lib/lifeboat/reports/restore-*.json
	umount "$E2E/mnt"
	assert_restored "$E2E/https.img"
}

@test "unattended restore from S3, config and credentials from the LIFEBOAT disk" {
	"$TOP/tests/helpers/s3-store" start "$E2E/s3" >/dev/null
	"$TOP/tests/helpers/s3-store" upload "$E2E/s3" e2e "$E2E/store" >/dev/null
	. "$E2E/s3/ports.env"
	mkdir -p "$E2E/lbfs"
	cat > "$E2E/lbfs/lifeboat.conf" <<-EOF
	[store "s3"]
	url = s3://e2e/
	endpoint = http://10.0.2.101
	region = us-east-1
	credentials_file = /lifeboat/aws-credentials
	EOF
	printf '[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' > "$E2E/lbfs/aws-credentials"
	mkfs.ext4 -q -F -L LIFEBOAT -d "$E2E/lbfs" "$E2E/lbfs.img" 32M
	target_disk "$E2E/s3.img"
	direct "$E2E/s3.log" "lifeboat.e2e=s3 lifeboat.auto=restore" \
		-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.101:80-cmd:socat STDIO TCP:127.0.0.1:$S3_PORT" \
		-device virtio-net-pci,netdev=n0 \
		-drive "file=$E2E/s3.img,format=raw,if=virtio" \
		-drive "file=$E2E/lbfs.img,format=raw,if=virtio"
	run result "$E2E/s3.log" s3
	assert_output 0 || { cat "$E2E/s3.log"; false; }
	grep -q "config: /lifeboat/lifeboat.conf" "$E2E/s3.log"
	refute grep -q S3RVER "$E2E/s3.log"
	assert_restored "$E2E/s3.img"
}

@test "offline restore from a LIFEBOAT disk holding the store and the config" {
	mkdir -p "$E2E/offline/store"
	cp "$E2E/store/"* "$E2E/offline/store/"
	printf '[store "safe"]\nurl = /lifeboat/store\n' > "$E2E/offline/lifeboat.conf"
	mkfs.ext4 -q -F -L LIFEBOAT -d "$E2E/offline" "$E2E/offline.img" 64M
	target_disk "$E2E/off.img"
	# no network device at all
	direct "$E2E/off.log" "lifeboat.e2e=offline lifeboat.auto=restore ip=off" -nic none \
		-drive "file=$E2E/off.img,format=raw,if=virtio" \
		-drive "file=$E2E/offline.img,format=raw,if=virtio"
	run result "$E2E/off.log" offline
	assert_output 0 || { cat "$E2E/off.log"; false; }
	assert_restored "$E2E/off.img"
}

@test "unattended restore of .age archives over HTTP: the age identity from the LIFEBOAT disk, the minisign key baked in; only the signed backup is restored" {
	local a=$E2E/agecase key=$TOP/build/e2e/minisign.key kid
	local old=backup-2026-11-19T03-00-00.tar.gz.age
	local mid=backup-2026-11-20T03-00-00.tar.gz.age
	local new=backup-2026-11-21T03-00-00.tar.gz.age
	kid=$(sed -n '1s/.*minisign public key //p' "$TOP/build/e2e/minisign.pub")
	mkdir -p "$a/store" "$a/lbfs" "$a/forged/dockerwarts_glpi/_data"
	# the identity on the LIFEBOAT disk; the archives encrypted to it by age
	age-keygen -o "$a/lbfs/age-identity.txt" 2>/dev/null
	local r
	r=$(age-keygen -y "$a/lbfs/age-identity.txt")
	age -r "$r" -o "$a/store/$old" "$E2E/store/$NAME"
	# the forgeries: restorable archives of another tree, encrypted to the same
	# recipient (it is public), with a sidecar signed by a stranger's key
	# (mid) and none at all (new), both newer than the signed one
	echo "not your data" > "$a/forged/dockerwarts_glpi/_data/forged.txt"
	tar -C "$a/forged" -czf "$a/forged.tar.gz" .
	age -r "$r" -o "$a/store/$mid" "$a/forged.tar.gz"
	age -r "$r" -o "$a/store/$new" "$a/forged.tar.gz"
	(cd "$a/store" && for f in "$old" "$mid" "$new"; do sha256sum "$f" > "$f.sha256"; done)
	minisign -S -H -s "$key" -m "$a/store/$old.sha256" >/dev/null
	minisign -G -W -p "$a/stranger.pub" -s "$a/stranger.key" >/dev/null
	minisign -S -H -s "$a/stranger.key" -m "$a/store/$mid.sha256" >/dev/null
	"$TOP/tests/helpers/nginx-store" start "$E2E/ngage" "$a/store" >/dev/null
	local port
	port=$(. "$E2E/ngage/ports.env" && echo "$HTTP_PORT")
	cat > "$a/lbfs/lifeboat.conf" <<-EOF
	[store "web"]
	url = http://10.0.2.100/json/

	[trust]
	identity_file = /lifeboat/age-identity.txt
	EOF
	mkfs.ext4 -q -F -L LIFEBOAT -d "$a/lbfs" "$E2E/agefs.img" 32M
	target_disk "$E2E/age.img"
	E2E_INITRD=$TOP/build/e2e/trust.initramfs.img \
		direct "$E2E/age.log" "lifeboat.e2e=age lifeboat.auto=restore" \
		-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:socat STDIO TCP:127.0.0.1:$port" \
		-device virtio-net-pci,netdev=n0 \
		-drive "file=$E2E/age.img,format=raw,if=virtio" \
		-drive "file=$E2E/agefs.img,format=raw,if=virtio"
	run result "$E2E/age.log" age
	assert_output 0 || { cat "$E2E/age.log"; false; }
	grep -q "config: /lifeboat/lifeboat.conf" "$E2E/age.log"
	grep -q "trust: 1 minisign public key(s) built in" "$E2E/age.log" || { cat "$E2E/age.log"; false; }
	# the forgeries were fetched and turned down, each with its reason
	tr -d '\r' < "$E2E/age.log" | grep -q "rejected '$new'" || { cat "$E2E/age.log"; false; }
	tr -d '\r' < "$E2E/age.log" | grep -q "rejected '$mid'"
	# the identity is the guest's only: never on its consoles
	refute grep -q AGE-SECRET-KEY "$E2E/age.log"
	NAME=$old assert_restored "$E2E/age.img"
	# the report says what was proven, and why the newer ones were not taken
	mkdir -p "$E2E/mnt"
	mount -o loop,ro "$E2E/age.img" "$E2E/mnt"
	local rep
	rep=$(cat "$E2E"/mnt/var/lib/lifeboat/reports/restore-*.json)
	umount "$E2E/mnt"
	jq -e --arg a "minisign:$kid" --arg s "$old.sha256.minisig" '.archive.store == "web" and
		.archive.integrity == "sha256" and .archive.encryption == "age" and
		.archive.verified == true and .archive.authenticity == $a and
		.archive.signature == $s' <<< "$rep" || { echo "$rep"; false; }
	jq -e --arg n "$mid" '.rejected[] | select(.name == $n) | .reason | test("not a trusted key")' <<< "$rep" \
		|| { echo "$rep"; false; }
	jq -e --arg n "$new" '.rejected[] | select(.name == $n) | .reason | test("not signed")' <<< "$rep" \
		|| { echo "$rep"; false; }
}

@test "two Linux roots: the image refuses to guess the target and says what it found" {
	target_disk "$E2E/amb1.img" one
	target_disk "$E2E/amb2.img" two
	direct "$E2E/amb.log" "lifeboat.e2e=ambiguous lifeboat.auto=restore ip=off lifeboat.store=/nowhere" -nic none \
		-drive "file=$E2E/amb1.img,format=raw,if=virtio" \
		-drive "file=$E2E/amb2.img,format=raw,if=virtio"
	run result "$E2E/amb.log" ambiguous
	assert_output 6
	grep -q "2 Linux root filesystems found: /dev/vda(Debian_GNU/Linux_12_(bookworm)) /dev/vdb" "$E2E/amb.log"
	grep -q "refusing to guess: give lifeboat.root=" "$E2E/amb.log"
}

# A disk that dies in the middle of a restore (issue 16): this machine's
# kernel has no device-mapper, the image's kernel has it as a module. The
# guest boots the image with build/e2e/dmtest.cpio.gz appended (see
# tests/e2e/dmtest-init): the target is dm-0, linear over the disk, until
# the restore has staged 2 MiB; then dm-0 becomes an 'error' target and
# every read and write fails with EIO. The unattended restore runs as ever.
# The kernel's own messages stay off the console (loglevel=2): they would
# cut lifeboat's lines. No --replace in an unattended restore: the live
# volume there is one Docker made and nobody wrote to (it does not block);
# the check is that the volumes directory is exactly as it was.
@test "a target disk that dies mid-restore (device-mapper error target in the guest): exit 6, one error line naming the I/O error, the live volumes as they were" {
	local d=$E2E/dm cpio=$TOP/build/e2e/dmtest.cpio.gz port log err
	local name=backup-2026-11-20T03-00-00.tar.gz
	[ -s "$cpio" ] || fail "no $cpio (make e2e-images makes it)"
	mkdir -p "$d/src/vol_big/_data" "$d/store" "$E2E/mnt"
	# incompressible: the restore is still writing when the disk dies
	openssl rand -out "$d/src/vol_big/_data/blob" 24000000
	tar --numeric-owner -C "$d/src" -czf "$d/store/$name" .
	sidecar "$d/store/$name"
	"$TOP/tests/helpers/nginx-store" start "$E2E/ngdm" "$d/store" >/dev/null
	port=$(. "$E2E/ngdm/ports.env" && echo "$HTTP_PORT")
	cp -a "$E2E/rootfs" "$d/rootfs"
	mkdir -p "$d/rootfs/var/lib/docker/volumes/vol_old/_data"
	mkfs.ext4 -q -F -L target -d "$d/rootfs" "$d/disk.img" 256M
	mount -o loop,ro "$d/disk.img" "$E2E/mnt"
	"$TOP/tests/helpers/treecmp" manifest "$E2E/mnt/var/lib/docker/volumes" > "$d/before"
	umount "$E2E/mnt"
	cat "$INITRD" "$cpio" > "$d/initrd"
	E2E_INITRD=$d/initrd direct "$d/dm.log" "loglevel=2 rdinit=/dmtest-init lifeboat.root=/dev/dm-0 lifeboat.e2e=dm lifeboat.auto=restore lifeboat.store=http://10.0.2.100/json/" \
		-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:socat STDIO TCP:127.0.0.1:$port" \
		-device virtio-net-pci,netdev=n0 \
		-drive "file=$d/disk.img,format=raw,if=virtio"
	log=$(tr -d '\r' < "$d/dm.log")
	# no device-mapper in the guest: a failure that says so, never a pass
	if grep "^DMTEST: cannot run" <<< "$log"; then
		fail "the device-mapper case could not run (see the line above)"
	fi
	grep -q "^DMTEST: /dev/dm-0 is linear over /dev/vda" <<< "$log" || { echo "$log"; false; }
	grep -q "^lifeboat: target: /dev/dm-0 mounted on /target" <<< "$log"
	grep -q "^DMTEST: error target in place" <<< "$log" || { echo "$log"; false; }
	run result "$d/dm.log" dm
	assert_output 6 || { echo "$log"; false; }
	# lifeboat's errors (not its progress or warnings): the restore's, one
	# line naming the I/O error: the sync of the staging, or a write of the
	# blob when the kernel's writeback met the dead disk first (its journal
	# commit every 5 s: on a loaded host the download outlasts it); then
	# the one of its stdout, the --json report that /init sends to a file
	# on the same dead disk
	err=$(sed -n '/^lifeboat: unattended: lifeboat /,/^lifeboat: unattended: exit /p' <<< "$log" |
		grep '^lifeboat: ' | grep -v -e ': warning: ' -e "restoring '" -e '%)' -e ': unattended: ')
	echo "$err"
	[ "$(grep -vxF 'lifeboat: cannot write to standard output: I/O error' <<< "$err")" = "$(head -n1 <<< "$err")" ]
	[[ "$(head -n1 <<< "$err")" =~ ^lifeboat:\ .*\'(/target/var/lib/docker/volumes\.lifeboat/staging-[^\']*|\./vol_big/_data/blob)\'.*I/O\ error\)?$ ]]
	# the disk as the next boot finds it: its journal replayed (the free
	# counts are fixed then: they are not journalled), consistent
	run e2fsck -fy "$d/disk.img"
	(( status <= 1 )) || { echo "$output"; false; }
	run -0 e2fsck -fn "$d/disk.img"
	mount -o loop "$d/disk.img" "$E2E/mnt"
	# nothing went live: the volumes directory exactly as before the boot
	"$TOP/tests/helpers/treecmp" manifest "$E2E/mnt/var/lib/docker/volumes" > "$d/after"
	diff "$d/before" "$d/after"
	cmp "$d/rootfs/etc/os-release" "$E2E/mnt/etc/os-release"
	# the journal of the restore, if it reached the disk, never says commit
	local j
	for j in "$E2E"/mnt/var/lib/docker/volumes.lifeboat/journal-*; do
		[ -e "$j" ] || continue
		refute grep -qx commit "$j"
	done
	# a staging that reached the disk was named in a warning
	if compgen -G "$E2E/mnt/var/lib/docker/volumes.lifeboat/staging-*" > /dev/null; then
		grep -q "^lifeboat: warning: cannot remove '/target/var/lib/docker/volumes.lifeboat/staging-.*the next restore removes it" <<< "$log"
	fi
	# and the disk, healthy again, takes the next restore
	run -0 "$LIFEBOAT" restore --store "$d/store" --dest "$E2E/mnt/var/lib/docker/volumes"
	cmp "$d/src/vol_big/_data/blob" "$E2E/mnt/var/lib/docker/volumes/vol_big/_data/blob"
	no_staging "$E2E/mnt/var/lib/docker/volumes"
	umount "$E2E/mnt"
}

@test "SSH into the image with the key baked in at build time, through hostfwd" {
	local port key=$TOP/build/e2e/id_ecdsa i
	port=$("$TOP/tests/helpers/ports" free 1)
	E2E_INITRD=$TOP/build/e2e/ssh.initramfs.img
	E2E_INITRD=$E2E_INITRD qemu_run "$E2E/ssh.log" 240 -kernel "$KERNEL" -initrd "$E2E_INITRD" \
		-append "console=ttyS0 quiet panic=-1 lifeboat.e2e=ssh lifeboat.e2e.hold=1" \
		-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22" \
		-device virtio-net-pci,netdev=n0 >/dev/null 2>&1 3>&- &
	for i in $(seq 120); do
		grep -q "LIFEBOAT-E2E ssh rc=0" "$E2E/ssh.log" 2>/dev/null && break
		sleep 1
	done
	run result "$E2E/ssh.log" ssh
	assert_output 0
	# the host keys the console printed: SSH must present one of them
	local printed
	printed=$(tr -d '\r' < "$E2E/ssh.log" | sed -n 's/.*ssh: [a-z0-9]* host key \(SHA256:[^ ]*\).*/\1/p')
	[ "$(echo "$printed" | wc -l)" -eq 2 ]
	run ssh -i "$key" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile="$E2E/kh" \
		-o BatchMode=yes -o ConnectTimeout=20 root@127.0.0.1 'echo SSH-OK; uname -r'
	assert_success
	assert_line SSH-OK
	run ssh-keygen -l -E sha256 -f "$E2E/kh"
	assert_success
	local fp
	fp=$(echo "$output" | awk '{ print $2 }')
	echo "$printed" | grep -qxF "$fp" || fail "SSH presented $fp, the console printed $printed"
	# passwords are refused: only keys
	run ssh -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o PubkeyAuthentication=no -o PreferredAuthentications=password,keyboard-interactive \
		-o BatchMode=yes -o ConnectTimeout=20 root@127.0.0.1 true
	assert_failure
	ssh -i "$key" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o BatchMode=yes root@127.0.0.1 'poweroff -f' >/dev/null 2>&1 || true
	wait
}

@test "lifeboat handoff drives the image over its SSH: waits for it, restores into its target with the config on stdin, records the history there" {
	local port key=$TOP/build/e2e/id_ecdsa t=$E2E/handoff
	. "$E2E/ng/ports.env"
	port=$("$TOP/tests/helpers/ports" free 1)
	mkdir -p "$t"
	target_disk "$E2E/handoff.img"
	# the image boots to its menu (no lifeboat.auto), its target mounted;
	# the control machine does the rest, over SSH through hostfwd
	E2E_INITRD=$TOP/build/e2e/ssh.initramfs.img
	E2E_INITRD=$E2E_INITRD qemu_run "$E2E/handoff.log" 300 -kernel "$KERNEL" -initrd "$E2E_INITRD" \
		-append "console=ttyS0 quiet panic=-1" \
		-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:22,guestfwd=tcp:10.0.2.100:80-cmd:socat STDIO TCP:127.0.0.1:$HTTP_PORT" \
		-device virtio-net-pci,netdev=n0 \
		-drive "file=$E2E/handoff.img,format=raw,if=virtio" >/dev/null 2>&1 3>&- &
	# the image makes new host keys at every boot: a known_hosts of our own
	cat > "$t/lifeboat.conf" <<-EOF
		[store "web"]
		url = http://10.0.2.100/json/

		[handoff]
		ssh = ssh -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=$t/known_hosts
		ssh_port = $port
		identity_file = $key
		ssh_wait = 4m
		steps = wait-ssh restore
		state_dir = $t/state
	EOF
	run -0 --separate-stderr env LIFEBOAT_HISTORY="$t/history.jsonl" \
		"$LIFEBOAT" -c "$t/lifeboat.conf" handoff --host 127.0.0.1
	local out=$output err=$stderr
	ssh -i "$key" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o BatchMode=yes root@127.0.0.1 'umount /target; sync; poweroff -f' >/dev/null 2>&1 || true
	wait
	[[ "$err" == *"[wait-ssh] root@127.0.0.1 answers after"* ]] || { echo "$err"; cat "$E2E/handoff.log"; false; }
	[[ "$err" == *"[restore] running lifeboat -c - --json restore --root /target on 127.0.0.1"* ]]
	[[ "$err" == *"[restore] restored '$NAME' on 127.0.0.1"* ]]
	[[ "$err" == *"[history] appended to 127.0.0.1:/target/var/lib/lifeboat/history.jsonl"* ]]
	[[ "$out" == *"service back after"* ]]
	jq -e '.result == "ok" and .archive.name == env.NAME' "$t/state/restore-report.json"
	jq -e '.kind == "handoff" and .result == "ok" and (.phases | has("transfer"))' "$t/history.jsonl"
	mkdir -p "$E2E/mnt"
	mount -o loop,ro "$E2E/handoff.img" "$E2E/mnt"
	run -0 "$TOP/tests/helpers/treecmp" diff "$E2E/src" "$E2E/mnt/var/lib/docker/volumes" --ignore '.lifeboat*'
	# on the target: the restore's own line, then the hand-off's
	assert_equal "$(jq -r .kind "$E2E/mnt/var/lib/lifeboat/history.jsonl" | tr '\n' ' ')" "restore handoff "
	umount "$E2E/mnt"
}

# menu LOG: the guest reached the interactive menu
reached_menu() {
	local i
	for i in $(seq "$2"); do
		grep -q "choice:" "$1" 2>/dev/null && return 0
		sleep 1
	done
	return 1
}

# iso_boot LOG ARGS...: boot until the menu, then stop the guest
iso_boot() {
	local log=$1 pid
	shift
	qemu_run "$log" 240 -nic none "$@" >/dev/null 2>&1 3>&- &
	pid=$!
	reached_menu "$log" 200
	local rc=$?
	pkill -f "serial file:$log" 2>/dev/null
	wait "$pid" 2>/dev/null
	return $rc
}

ovmf() {
	cp /usr/share/OVMF/OVMF_VARS_4M.fd "$E2E/vars-$1.fd"
	echo "-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd -drive if=pflash,format=raw,file=$E2E/vars-$1.fd"
}

@test "the ISO boots to the menu: BIOS, as a CD" {
	iso_boot "$E2E/bios-cd.log" -cdrom "$ISO" -boot d || { cat "$E2E/bios-cd.log"; false; }
	grep -q "lifeboat rescue image" "$E2E/bios-cd.log"
}

@test "the ISO boots to the menu: UEFI (OVMF), as a CD" {
	# shellcheck disable=SC2046
	iso_boot "$E2E/uefi-cd.log" $(ovmf cd) -cdrom "$ISO" || { cat "$E2E/uefi-cd.log"; false; }
}

@test "the ISO boots to the menu: BIOS, written raw to a disk (USB stick)" {
	cp "$ISO" "$E2E/stick-bios.img"
	iso_boot "$E2E/bios-disk.log" -drive "file=$E2E/stick-bios.img,format=raw,if=ide" \
		|| { cat "$E2E/bios-disk.log"; false; }
}

@test "the ISO boots to the menu: UEFI, written raw to a disk (USB stick)" {
	cp "$ISO" "$E2E/stick-uefi.img"
	# shellcheck disable=SC2046
	iso_boot "$E2E/uefi-disk.log" $(ovmf disk) -drive "file=$E2E/stick-uefi.img,format=raw,if=virtio" \
		|| { cat "$E2E/uefi-disk.log"; false; }
}

# monitor SOCK: qemu's human monitor, commands on stdin
monitor() {
	socat -t 5 - "UNIX-CONNECT:$1" >/dev/null
}

# vga_type SOCK TEXT: TEXT and Enter typed on the guest's PS/2 keyboard
vga_type() {
	local s=$2 i c k
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[abcdefghijklmnopqrstuvwxyz0123456789]) k=$c ;;
		[ABCDEFGHIJKLMNOPQRSTUVWXYZ]) k=shift-${c,,} ;;
		' ') k=spc ;;
		/) k=slash ;;
		'>') k=shift-dot ;;
		-) k=minus ;;
		';') k=semicolon ;;
		.) k=dot ;;
		*) echo "vga_type: no key for '$c'" >&2; return 1 ;;
		esac
		echo "sendkey $k"
	done | { cat; echo "sendkey ret"; } | monitor "$1"
}

# seen LOG SECONDS GREP-ARGS...: a line of LOG matches within SECONDS
seen() {
	local log=$1 n=$2 i
	shift 2
	for i in $(seq "$n"); do
		tr -d '\r' < "$log" | grep -q "$@" && return 0
		sleep 1
	done
	return 1
}

@test "VGA and serial consoles: a menu on each; a restore without a target is refused on both" {
	local log=$E2E/con.log i
	# the ISO's consoles; the serial line is a socket here, so the test can
	# type on it too, and everything the guest writes there goes to LOG
	timeout 240 qemu-system-x86_64 -accel "${LIFEBOAT_E2E_ACCEL:-tcg}" -m 768 \
		-display none -no-reboot -device virtio-rng-pci -nic none \
		-chardev "socket,id=ser,path=$E2E/con.ser,server=on,wait=off,logfile=$log" \
		-serial chardev:ser -monitor "unix:$E2E/con.mon,server=on,wait=off" \
		-kernel "$KERNEL" -initrd "$INITRD" \
		-append "console=tty0 console=ttyS0 quiet panic=-1 ip=off" >/dev/null 2>&1 3>&- &
	echo $! > "$E2E/qemu.pid"
	reached_menu "$log" 200 || { cat "$log"; false; }
	# "1" on the VGA keyboard: tty1's menu takes it, and the refusal is
	# said on every console, the serial one too (typed again until it shows:
	# tty1's menu may not be reading yet)
	for i in $(seq 10); do
		vga_type "$E2E/con.mon" 1
		seen "$log" 6 -F "restore: refused: nothing is mounted on /target" && break
	done
	seen "$log" 1 -F "restore: refused: nothing is mounted on /target" || { cat "$log"; false; }
	grep -q "lifeboat.root=LABEL=...|UUID=...|/dev/..." "$log"
	# "5" there: a shell on tty1, which copies the VGA screen (/dev/vcs1: its
	# rows without newlines) to the serial line
	vga_type "$E2E/con.mon" 5
	for i in 1 2 3; do
		vga_type "$E2E/con.mon" "tty >/dev/ttyS0; fold -w 80 /dev/vcs1 >/dev/ttyS0; echo >/dev/ttyS0; echo vcs-end >/dev/ttyS0"
		seen "$log" 20 -x vcs-end && break
	done
	tr -d '\r' < "$log" | sed -n '/^\/dev\/tty1$/,/^vcs-end$/p' > "$E2E/con.vga"
	grep -qx vcs-end "$E2E/con.vga" || { cat "$log"; false; }
	# the screen: the menu, the answer to "1", the shell asked for with "5"
	grep -q "1) restore the latest valid backup" "$E2E/con.vga" || { cat "$E2E/con.vga"; false; }
	grep -q "^choice: 1 *$" "$E2E/con.vga"
	grep -q "^lifeboat: restore: refused: nothing is mounted on /target" "$E2E/con.vga"
	grep -q "^choice: 5 *$" "$E2E/con.vga"
	# and the serial line's own menu answers too: "7" powers off
	printf '7\r' | socat -t 2 - "UNIX-CONNECT:$E2E/con.ser" >/dev/null
	local pid stat
	pid=$(cat "$E2E/qemu.pid")
	for i in $(seq 60); do
		stat=$(ps -o stat= -p "$pid" 2>/dev/null) || true
		[ -z "$stat" ] || [ "${stat#Z}" != "$stat" ] && break
		sleep 1
	done
	[ -z "$stat" ] || [ "${stat#Z}" != "$stat" ] || fail "the serial menu's 7 did not power off"
	wait "$pid" || true
	rm -f "$E2E/qemu.pid"
	grep -q "reboot: Power down" "$log"
}

# --- Secure Boot ----------------------------------------------------------------

# sb_ovmf NAME: OVMF (Debian's ovmf) enforcing Secure Boot with Microsoft's
# keys enrolled: the secboot build, the "ms" varstore (a copy per boot),
# SMM on and the flash secure, so that the guest cannot rewrite the keys
sb_ovmf() {
	local code=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd vars=/usr/share/OVMF/OVMF_VARS_4M.ms.fd
	[ -r "$code" ] && [ -r "$vars" ] || { echo "sb_ovmf: no $code or $vars (Debian's ovmf)" >&2; return 1; }
	cp "$vars" "$E2E/sbvars-$1.fd"
	echo "-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on" \
		"-drive if=pflash,format=raw,unit=0,readonly=on,file=$code" \
		"-drive if=pflash,format=raw,unit=1,file=$E2E/sbvars-$1.fd"
}

# sb_iso OUT CMDLINE [KERNEL [GRUB_EFI]]: the image's ISO, made by
# scripts/mkiso from the same signed shim and GRUB, its GRUB booting
# CMDLINE at once (the release ISO shows a menu for a person)
sb_iso() {
	local out=$1 efi=$TOP/build/image/efi
	mkdir -p "$E2E/sbcfg"
	cat > "$E2E/sbcfg/grub.cfg" <<-EOF
	serial --unit=0 --speed=115200
	terminal_input console serial
	terminal_output console serial
	set timeout=0
	menuentry "lifeboat e2e" {
		linux /boot/vmlinuz console=ttyS0,115200 quiet panic=-1 lifeboat.after=poweroff $2
		initrd /boot/initramfs.img
	}
	EOF
	SOURCE_DATE_EPOCH=1700000000 GRUB_CFG=$E2E/sbcfg/grub.cfg \
		SHIM=$efi/shim-signed/usr/lib/shim/shimx64.efi.signed \
		MOKMANAGER=$efi/shim-helpers-amd64-signed/usr/lib/shim/mmx64.efi.signed \
		GRUB_EFI=${4:-$efi/grub-efi-amd64-signed/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed} \
		"$TOP/scripts/mkiso" "$out" "${3:-$KERNEL}" "$INITRD" "$E2E/sbiso.work" 2>/dev/null
}

# the line init prints under Secure Boot, both sides agreeing
SB_ON="secure boot: on (EFI variable SecureBoot=1; kernel: Secure boot enabled)"

@test "Secure Boot (OVMF enforcing, Microsoft's keys): the ISO boots as a CD through shim and Debian's GRUB; the guest says Secure Boot is on" {
	# shellcheck disable=SC2046
	iso_boot "$E2E/sb-cd.log" $(sb_ovmf cd) -cdrom "$ISO" || { cat "$E2E/sb-cd.log"; false; }
	grep -qF "$SB_ON" "$E2E/sb-cd.log" || { cat "$E2E/sb-cd.log"; false; }
}

@test "Secure Boot: the ISO written raw to a USB stick boots the same way" {
	cp "$ISO" "$E2E/sb-stick.img"
	# shellcheck disable=SC2046
	iso_boot "$E2E/sb-usb.log" $(sb_ovmf usb) -device qemu-xhci \
		-drive "if=none,id=stick,format=raw,file=$E2E/sb-stick.img" -device usb-storage,drive=stick \
		|| { cat "$E2E/sb-usb.log"; false; }
	grep -qF "$SB_ON" "$E2E/sb-usb.log" || { cat "$E2E/sb-usb.log"; false; }
	# it came from the stick: OVMF's boot line names the USB device
	tr -d '\r' < "$E2E/sb-usb.log" | grep -q "BdsDxe: starting .*USB"
}

@test "Secure Boot: unattended restore over HTTP from the ISO lands on the target disk" {
	. "$E2E/ng/ports.env"
	sb_iso "$E2E/sb-http.iso" "lifeboat.e2e=sbhttp lifeboat.auto=restore lifeboat.store=http://10.0.2.100/json/"
	target_disk "$E2E/sb-http.img"
	# shellcheck disable=SC2046
	qemu_run "$E2E/sb-http.log" 300 $(sb_ovmf http) -cdrom "$E2E/sb-http.iso" \
		-netdev "user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:socat STDIO TCP:127.0.0.1:$HTTP_PORT" \
		-device virtio-net-pci,netdev=n0 \
		-drive "file=$E2E/sb-http.img,format=raw,if=virtio"
	run result "$E2E/sb-http.log" sbhttp
	assert_output 0 || { cat "$E2E/sb-http.log"; false; }
	grep -qF "$SB_ON" "$E2E/sb-http.log"
	assert_restored "$E2E/sb-http.img"
}

# refused LOG SECONDS PATTERN ARGS...: boot ARGS until PATTERN (the refusal)
# shows on the serial console, then SECONDS more, then stop the guest;
# fails if PATTERN never shows within 200 s
refused() {
	local log=$1 more=$2 pat=$3 pid rc=1
	shift 3
	qemu_run "$log" 300 -nic none "$@" >/dev/null 2>&1 3>&- &
	pid=$!
	seen "$log" 200 -aF "$pat" && rc=0
	[ $rc -eq 0 ] && sleep "$more"
	pkill -f "serial file:$log" 2>/dev/null
	wait "$pid" 2>/dev/null
	return $rc
}

@test "Secure Boot is enforced: Debian's GRUB refuses a kernel whose signature was removed; the same ISO boots with Secure Boot off" {
	cp "$KERNEL" "$E2E/vmlinuz.unsigned"
	sbattach --remove "$E2E/vmlinuz.unsigned"
	run -0 sbverify --list "$KERNEL"
	assert_output --partial "signature 1"
	run sbverify --list "$E2E/vmlinuz.unsigned"
	assert_output --partial "No signature table present"
	sb_iso "$E2E/unsigned-kernel.iso" "lifeboat.e2e=unsignedk ip=off" "$E2E/vmlinuz.unsigned"
	# shellcheck disable=SC2046
	refused "$E2E/sb-unsigned-k.log" 30 "bad shim signature" $(sb_ovmf unsignedk) \
		-cdrom "$E2E/unsigned-kernel.iso" || { cat "$E2E/sb-unsigned-k.log"; false; }
	# 30 s after the refusal: no kernel, no init
	refute grep -aq "lifeboat rescue image" "$E2E/sb-unsigned-k.log"
	refute grep -aq "LIFEBOAT-E2E" "$E2E/sb-unsigned-k.log"
	# the control: the very same ISO, Secure Boot off, reaches init
	# shellcheck disable=SC2046
	qemu_run "$E2E/nosb-unsigned-k.log" 240 $(ovmf unsignedk) -nic none -cdrom "$E2E/unsigned-kernel.iso"
	run result "$E2E/nosb-unsigned-k.log" unsignedk
	assert_output 0 || { cat "$E2E/nosb-unsigned-k.log"; false; }
	grep -q "secure boot: off (EFI variable SecureBoot=0" "$E2E/nosb-unsigned-k.log"
}

@test "Secure Boot is enforced: shim refuses a GRUB whose signature was removed" {
	local grub=$TOP/build/image/efi/grub-efi-amd64-signed/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed
	cp "$grub" "$E2E/grub.unsigned"
	sbattach --remove "$E2E/grub.unsigned"
	run sbverify --list "$E2E/grub.unsigned"
	assert_output --partial "No signature table present"
	sb_iso "$E2E/unsigned-grub.iso" "lifeboat.e2e=unsignedg ip=off" "$KERNEL" "$E2E/grub.unsigned"
	# shellcheck disable=SC2046
	refused "$E2E/sb-unsigned-g.log" 30 "Verification failed" $(sb_ovmf unsignedg) \
		-cdrom "$E2E/unsigned-grub.iso" || { cat "$E2E/sb-unsigned-g.log"; false; }
	refute grep -aq "GNU GRUB" "$E2E/sb-unsigned-g.log"
	refute grep -aq "lifeboat rescue image" "$E2E/sb-unsigned-g.log"
	refute grep -aq "LIFEBOAT-E2E" "$E2E/sb-unsigned-g.log"
}

@test "the initramfs and the ISO are reproducible" {
	run -0 make -C "$TOP" -o build/.bootstrap.mk repro-check
	assert_output --partial "initramfs and ISO are byte-identical"
}
