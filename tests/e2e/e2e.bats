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

@test "the initramfs and the ISO are reproducible" {
	run -0 make -C "$TOP" -o build/.bootstrap.mk repro-check
	assert_output --partial "initramfs and ISO are byte-identical"
}
