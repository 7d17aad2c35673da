#!/usr/bin/env bats
# The image's init, off the image: its functions are sourced (LB_INIT_LIB=1)
# with side effects logged through $MOCK and a fake command line and /sys.

setup() {
	load ../helpers/common
	T=$BATS_TEST_TMPDIR
	export LB_CMDLINE=$T/cmdline LB_SYS=$T/sys LB_RUN=$T/run LB_ETC=$T/etc
	export LB_DEV=$T/dev LB_PROC=$T/proc
	export MOCK="$T/mock"
	mkdir -p "$T/sys/class/net/lo" "$T/sys/class/net/eth0" "$T/sys/class/net/ens3" \
		"$T/sys/class/net/wlan0" "$T/run" "$T/etc" "$T/dev" "$T/proc"
	: > "$T/proc/mounts"
	# the mock records each side effect, one line per command
	printf '#!/bin/sh\necho "$*" >> "%s/calls"\n' "$T" > "$MOCK"
	chmod +x "$MOCK"
	: > "$T/calls"
	LB_INIT_LIB=1 . "$TOP/initramfs/init"
}

@test "command line: the last value of a key wins; every value can be listed" {
	echo "console=tty0 console=ttyS0,115200 lifeboat.store=/a lifeboat.store=s3://b/ quiet" > "$LB_CMDLINE"
	run cmdline_get lifeboat.store
	assert_output "s3://b/"
	run cmdline_all lifeboat.store
	assert_output "$(printf '/a\ns3://b/')"
	run cmdline_get lifeboat.auto
	assert_output ""
	setup_consoles
	assert_equal "$CONSOLES" " tty0 ttyS0"
}

@test "network interfaces: wired ones only" {
	run net_ifaces
	assert_output "$(printf 'ens3\neth0')"
}

@test "ip= static: address, prefix from the mask, default route" {
	echo "ip=192.168.1.50::192.168.1.1:255.255.255.0::eth1:off" > "$LB_CMDLINE"
	setup_network >/dev/null
	run cat "$T/calls"
	assert_line "ip link set lo up"
	assert_line "ip link set eth1 up"
	assert_line "ip -4 addr add 192.168.1.50/24 dev eth1"
	assert_line "ip -4 route add default via 192.168.1.1 dev eth1"
	refute_line --partial udhcpc
}

@test "ip= static without a device takes the first wired NIC; masks to prefixes" {
	echo "ip=10.1.2.3:::255.255.0.0:::off" > "$LB_CMDLINE"
	setup_network >/dev/null
	run cat "$T/calls"
	assert_line "ip -4 addr add 10.1.2.3/16 dev ens3"
	refute_line --partial "route add"
	run mask_bits 255.255.255.128
	assert_output 25
	run mask_bits 22
	assert_output 22
}

@test "ip=dhcp (the default) asks on every wired NIC; dns= writes resolv.conf" {
	echo "dns=192.0.2.53,198.51.100.53" > "$LB_CMDLINE"
	setup_network >/dev/null
	run cat "$T/calls"
	assert_line --partial "udhcpc -i ens3 "
	assert_line --partial "udhcpc -i eth0 "
	refute_line --partial "udhcpc -i wlan0"
	run cat "$T/etc/resolv.conf"
	assert_output "$(printf 'nameserver 192.0.2.53\nnameserver 198.51.100.53')"
}

@test "ip=off: no network" {
	echo "ip=off" > "$LB_CMDLINE"
	run setup_network
	assert_output --partial "network: off"
	run cat "$T/calls"
	refute_line --partial udhcpc
}

@test "the restore's arguments: config, --root, every lifeboat.store" {
	echo "lifeboat.store=http://10.0.2.100/a/ lifeboat.store=/lifeboat/store" > "$LB_CMDLINE"
	CONFIG=/lifeboat/lifeboat.conf
	run lifeboat_args
	assert_output "$(printf -- '-c\n/lifeboat/lifeboat.conf\n--json\nrestore\n--root\n/target\n--store\nhttp://10.0.2.100/a/\n--store\n/lifeboat/store')"
}

@test "unattended restore never runs twice: the marker on the target stops it" {
	TARGET=$T/target
	mkdir -p "$TARGET/var/lib/lifeboat"
	echo "2026-11-21T03:00:00Z rc=0" > "$TARGET/var/lib/lifeboat/unattended-restore-done"
	run -3 unattended
	assert_output --partial "a restore already ran from this image (2026-11-21T03:00:00Z rc=0): not again"
	# no side effect at all: no lifeboat run, no directory made
	[ ! -s "$T/calls" ]
}

@test "lifeboat.after chooses what follows: poweroff by default, reboot on request" {
	: > "$LB_CMDLINE"
	after >/dev/null
	echo "lifeboat.after=reboot" > "$LB_CMDLINE"
	after >/dev/null
	run cat "$T/calls"
	assert_line "poweroff -f"
	assert_line "reboot -f"
}

# --- consoles ------------------------------------------------------------------

# mock_lifeboat RC: the mock also plays lifeboat: progress on stderr, a
# report on stdout, exit RC
mock_lifeboat() {
	cat > "$MOCK" <<-EOF
	#!/bin/sh
	echo "\$*" >> "$T/calls"
	[ "\$1" = lifeboat ] || exit 0
	echo "restoring: 42 %" >&2
	echo '{"result":"ok"}'
	exit $1
	EOF
}

@test "consoles: messages and the unattended restore's output reach every console= (each once)" {
	echo "console=tty0 console=ttyS0,115200 console=ttyS0 lifeboat.store=http://10.0.2.100/json/" > "$LB_CMDLINE"
	setup_consoles
	assert_equal "$CONSOLES" " tty0 ttyS0"
	: > "$T/dev/tty0"
	: > "$T/dev/ttyS0"
	: > "$T/dev/console"
	say "hello" > /dev/null
	TARGET=$T/target
	mkdir -p "$TARGET/var/lib/lifeboat/reports"
	mock_lifeboat 0
	run -0 unattended
	local c
	for c in tty0 ttyS0; do
		run cat "$T/dev/$c"
		assert_line "lifeboat: hello"
		assert_line --partial "lifeboat: unattended: lifeboat --json restore --root $TARGET --store http://10.0.2.100/json/"
		assert_line "restoring: 42 %"
		assert_line --regexp "^lifeboat: unattended: exit 0; report $TARGET/var/lib/lifeboat/reports/restore-.*\.json$"
		assert_line 'lifeboat: report: {"result":"ok"}'
		assert_equal "$(grep -c hello "$T/dev/$c")" 1
	done
	# not (only) to the kernel's /dev/console, the last console=
	[ ! -s "$T/dev/console" ]
	# the log keeps it all; the report is lifeboat's stdout only
	run cat "$T/run/console.log"
	assert_line "restoring: 42 %"
	assert_line 'lifeboat: report: {"result":"ok"}'
	run cat "$TARGET"/var/lib/lifeboat/reports/restore-*.json
	assert_output '{"result":"ok"}'
}

@test "consoles: the unattended restore returns lifeboat's exit status" {
	TARGET=$T/target
	mkdir -p "$TARGET/var/lib/lifeboat/reports"
	mock_lifeboat 4
	run -4 unattended
	assert_output --partial "unattended: exit 4"
	run cat "$TARGET/var/lib/lifeboat/unattended-restore-done"
	assert_output --regexp ' rc=4$'
}

@test "unattended: a marker that cannot be written is one warning line, and the exit status stays lifeboat's" {
	TARGET=$T/target
	mkdir -p "$TARGET/var/lib/lifeboat/reports"
	mock_lifeboat 6
	# the restore leaves a directory where the marker goes: its write
	# fails, as it does on a dead disk
	sed -i "s|^exit 6|mkdir $TARGET/var/lib/lifeboat/unattended-restore-done; exit 6|" "$MOCK"
	grep -q "^mkdir .*; exit 6" "$MOCK"
	run -6 unattended
	assert_line "lifeboat: unattended: warning: cannot write $TARGET/var/lib/lifeboat/unattended-restore-done (the target's disk?): the next boot of the image restores again"
	refute_output --partial "can't create"
	refute_output --partial "Is a directory"
}

@test "consoles: without console=, the ones the kernel chose" {
	: > "$LB_CMDLINE"
	mkdir -p "$T/sys/class/tty/console"
	echo "tty0 ttyS1" > "$T/sys/class/tty/console/active"
	setup_consoles
	assert_equal "$CONSOLES" " tty0 ttyS1"
	rm "$T/sys/class/tty/console/active"
	setup_consoles
	assert_equal "$CONSOLES" "console"
}

@test "consoles: a menu on each, run by BusyBox init; tty0's on tty1" {
	echo "console=tty0 console=ttyS0,115200 console=hvc9" > "$LB_CMDLINE"
	: > "$T/dev/tty1"
	: > "$T/dev/ttyS0"
	setup_consoles
	CONFIG=/lifeboat/lifeboat.conf
	start_consoles menu
	run cat "$T/calls"
	assert_output "exec /sbin/init"
	run grep -v '^#' "$T/etc/inittab"
	assert_output "$(printf '%s\n' "tty1::respawn:env LB_SESSION=tty0 /init" \
		"ttyS0::respawn:env LB_SESSION=ttyS0 /init" "::ctrlaltdel:/sbin/reboot")"
	# the menus find the configuration in their environment
	assert_equal "$(printenv CONFIG)" /lifeboat/lifeboat.conf
	# a console that cannot be opened gets no menu, and that is said
	run cat "$T/dev/ttyS0"
	assert_line "lifeboat: console hvc9: cannot open $T/dev/hvc9: no menu there"
	[ ! -e "$T/dev/hvc9" ]
	[ -z "$(ls "$LB_RUN" | grep shell-first)" ]
}

@test "consoles: lifeboat.after=shell gives every console a shell first" {
	echo "console=tty0 console=ttyS0 lifeboat.after=shell" > "$LB_CMDLINE"
	: > "$T/dev/tty1"
	: > "$T/dev/ttyS0"
	setup_consoles
	after
	run cat "$T/calls"
	assert_output "exec /sbin/init"
	[ -e "$LB_RUN/shell-first.tty0" ]
	[ -e "$LB_RUN/shell-first.ttyS0" ]
	run grep -c respawn "$T/etc/inittab"
	assert_output 2
}

# --- the target ----------------------------------------------------------------

# findfs as blkid knows three filesystems
findfs() {
	case "$1" in
	LABEL=data) echo /dev/vdb ;;
	UUID=0b6c7e1a-5f0e-4c55-9d1c-2f4f0cbe1e21) echo /dev/vdc ;;
	*) return 1 ;;
	esac
}

@test "lifeboat.root=LABEL=, UUID= or a device: that filesystem is mounted on the target" {
	TARGET=$T/target
	local want dev
	for want in LABEL=data:/dev/vdb UUID=0b6c7e1a-5f0e-4c55-9d1c-2f4f0cbe1e21:/dev/vdc /dev/nvme0n1p2:/dev/nvme0n1p2; do
		dev=${want##*:}
		want=${want%:*}
		echo "lifeboat.root=$want" > "$LB_CMDLINE"
		: > "$T/calls"
		run -0 find_target
		assert_output "lifeboat: target: $dev mounted on $TARGET (lifeboat.root)"
		run grep '^mount' "$T/calls"
		# named, so not searched for: no probing of the other disks
		assert_output "mount $dev $TARGET"
	done
}

@test "lifeboat.root= naming no filesystem: no target, and it says so" {
	TARGET=$T/target
	echo "lifeboat.root=LABEL=nope" > "$LB_CMDLINE"
	run -1 find_target
	assert_output "lifeboat: target: LABEL=nope: no such filesystem"
	refute grep -q '^mount' "$T/calls"
}

# mock_disks: the mock mounts a filesystem with /etc/os-release for each
# device in $ROOTS, an empty one otherwise
mock_disks() {
	cat > "$MOCK" <<-'EOF'
	#!/bin/sh
	echo "$*" >> "$(dirname "$0")/calls"
	if [ "$1 $2 $3" = "mount -o ro" ]; then
		case " $ROOTS " in
		*" $4 "*) mkdir -p "$5/etc"; echo "PRETTY_NAME=\"Debian on $4\"" > "$5/etc/os-release" ;;
		esac
	fi
	[ "$1" = umount ] && rm -rf "$2/etc"
	exit 0
	EOF
	printf 'major minor  #blocks  name\n\n 254 0 262144 vda\n 254 16 32768 vdb\n 254 32 32768 vdc\n 11 0 1048575 sr0\n 7 0 1024 loop0\n' \
		> "$LB_PROC/partitions"
}

@test "no lifeboat.root: the one Linux root is found and mounted; the LIFEBOAT disk is not searched" {
	TARGET=$T/target
	: > "$LB_CMDLINE"
	mock_disks
	findfs() { [ "$1" = LABEL=LIFEBOAT ] && echo /dev/vdc; }
	ROOTS=/dev/vdb run -0 find_target
	assert_output "lifeboat: target: /dev/vdb mounted on $TARGET (Debian_on_/dev/vdb)"
	run grep '^mount' "$T/calls"
	assert_output "$(printf 'mount -o ro /dev/vda %s\nmount -o ro /dev/vdb %s\nmount /dev/vdb %s' "$LB_RUN/probe" "$LB_RUN/probe" "$TARGET")"
}

@test "no lifeboat.root and no Linux root: refused, says why" {
	TARGET=$T/target
	: > "$LB_CMDLINE"
	mock_disks
	findfs() { return 1; }
	ROOTS= run -1 find_target
	assert_output "lifeboat: target: no Linux root filesystem found (none has /etc/os-release): give lifeboat.root="
	# every disk was looked at, read-only; none was mounted for writing
	run grep '^mount' "$T/calls"
	assert_output "$(printf 'mount -o ro /dev/%s %s\n' vda "$LB_RUN/probe" vdb "$LB_RUN/probe" vdc "$LB_RUN/probe")"
}

@test "no lifeboat.root and two Linux roots: refused, names both" {
	TARGET=$T/target
	: > "$LB_CMDLINE"
	mock_disks
	findfs() { return 1; }
	ROOTS="/dev/vda /dev/vdc" run -1 find_target
	assert_output "lifeboat: target: 2 Linux root filesystems found: /dev/vda(Debian_on_/dev/vda) /dev/vdc(Debian_on_/dev/vdc); refusing to guess: give lifeboat.root="
	refute grep -q "^mount /dev" "$T/calls"
}

# --- the menu's restore ----------------------------------------------------------

@test "the menu's restore refuses when nothing is mounted on the target, and says why" {
	TARGET=$T/target
	mkdir -p "$TARGET"
	echo "lifeboat.store=http://10.0.2.100/json/" > "$LB_CMDLINE"
	# a mount below the target, or elsewhere, is not the target
	printf '/dev/vda %s/sub ext4 rw 0 0\n/dev/vdb /target2 ext4 rw 0 0\n' "$TARGET" > "$LB_PROC/mounts"
	run -6 menu_restore
	assert_output "lifeboat: restore: refused: nothing is mounted on $TARGET (no target was found at boot: see the target: line above) and a restore there would only fill this rescue system's memory; boot with lifeboat.root=LABEL=...|UUID=...|/dev/..., or mount the target on $TARGET from the shell (5)"
	run -6 menu_restore backup-2026-11-20T03-00-00.tar.gz
	# from the menu itself, items 1 and 2
	run -0 menu <<< "$(printf '1\n2\nbackup-2026-11-20T03-00-00.tar.gz\n')"
	assert_equal "$(grep -c 'restore: refused: nothing is mounted' <<< "$output")" 2
	refute grep -q lifeboat "$T/calls"
}

@test "the menu's restore runs into a mounted target, one at a time" {
	TARGET=$T/target
	mkdir -p "$TARGET"
	echo "console=ttyS0 lifeboat.store=http://10.0.2.100/json/" > "$LB_CMDLINE"
	: > "$T/dev/ttyS0"
	setup_consoles
	printf 'rootfs / rootfs rw 0 0\n/dev/vda %s ext4 rw,relatime 0 0\n' "$TARGET" > "$LB_PROC/mounts"
	CONFIG=/lifeboat/lifeboat.conf
	mock_lifeboat 0
	run -0 menu <<< "$(printf '1\n2\nbackup-2026-11-20T03-00-00.tar.gz\n')"
	run cat "$T/calls"
	assert_line "lifeboat -c /lifeboat/lifeboat.conf restore --root $TARGET --store http://10.0.2.100/json/"
	assert_line "lifeboat -c /lifeboat/lifeboat.conf restore --root $TARGET --store http://10.0.2.100/json/ backup-2026-11-20T03-00-00.tar.gz"
	# its output, report included, goes to every console
	run cat "$T/dev/ttyS0"
	assert_line "restoring: 42 %"
	assert_line '{"result":"ok"}'
	# a restore from another console holds the lock: this one is refused
	: > "$T/calls"
	exec 8> "$LB_RUN/restore.lock"
	flock -n 8
	run -6 menu_restore
	exec 8>&-
	assert_output "lifeboat: restore: refused: a restore started on another console is still running"
	[ ! -s "$T/calls" ]
	run -0 menu_restore
}

@test "clock: ntp= asks that server; else the first plain-HTTP store of the command line, then of the config" {
	echo "ntp=ntp.example.org lifeboat.store=http://10.0.2.100/s/" > "$LB_CMDLINE"
	setup_clock > /dev/null
	run cat "$T/calls"
	assert_line "ntpd -n -q -p ntp.example.org"
	echo "lifeboat.store=/lifeboat/store lifeboat.store=https://a.example/ lifeboat.store=http://b.example/x/" > "$LB_CMDLINE"
	run clock_url
	assert_output "http://b.example/x/"
	: > "$LB_CMDLINE"
	CONFIG=$T/lifeboat.conf
	printf '[restore]\nlayout = auto\n[store "safe"]\nurl = /lifeboat/store\n[store "tls"]\nurl = https://c.example/\n[store "s3"]\nurl = s3://bucket/p/\nendpoint = http://minio.example:9000 ; comment\n[check "web"]\nhttp = http://not-a-store/\n' > "$CONFIG"
	run clock_url
	assert_output "http://minio.example:9000"
	# an HTTPS server is never asked before its certificate can be checked
	printf '[store "tls"]\nurl = https://c.example/\n' > "$CONFIG"
	echo "lifeboat.store=https://a.example/" > "$LB_CMDLINE"
	run clock_url
	assert_output ""
	printf '[check "web"]\nhttp = http://not-a-store/\n[store "f"]\nurl = /x\n' > "$CONFIG"
	run clock_url
	assert_output ""
}

@test "trusted keys built in (TRUST_KEYS): init says only signed backups will do; none, nothing said" {
	mkdir -p "$LB_ETC/lifeboat"
	: > "$LB_ETC/lifeboat/trusted-keys.pub"
	run trust_keys
	assert_output ""
	printf 'untrusted comment: minisign public key 1\nRWTknHl4zt8XTQjQ5C26k9UL0U4l9IkMm4V1Zrqymxp9wHk/1AlgbYh+\n' \
		> "$LB_ETC/lifeboat/trusted-keys.pub"
	run trust_keys
	assert_output "lifeboat: trust: 1 minisign public key(s) built in: only backups signed by one are restored"
}

# --- Secure Boot and firmware ----------------------------------------------------

# efi_secureboot VALUE: the firmware's SecureBoot variable as efivarfs shows
# it (4 bytes of attributes, then the value)
efi_secureboot() {
	mkdir -p "$T/sys/firmware/efi/efivars"
	printf '\006\000\000\000\'"$(printf '%03o' "$1")" \
		> "$T/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
}

@test "secure boot: on, from the EFI variable and the kernel's message" {
	efi_secureboot 1
	export LB_DMESG=$T/dmesg
	printf '[    0.000000] Kernel is locked down from EFI Secure Boot; see man kernel_lockdown.7\n[    0.000000] secureboot: Secure boot enabled\n' > "$LB_DMESG"
	run -0 secure_boot
	assert_output "lifeboat: secure boot: on (EFI variable SecureBoot=1; kernel: Secure boot enabled)"
	grep -qx "lifeboat: secure boot: on (EFI variable SecureBoot=1; kernel: Secure boot enabled)" "$T/run/console.log"
	# efivarfs was already there: nothing mounted
	run cat "$T/calls"
	refute_output --partial efivarfs
}

@test "secure boot: off under UEFI; efivarfs mounted when it is not yet; off under BIOS" {
	mkdir -p "$T/sys/firmware/efi/efivars"
	export LB_DMESG=$T/dmesg
	echo "[    0.000000] secureboot: Secure boot disabled" > "$LB_DMESG"
	# nothing in efivars yet: init loads and mounts efivarfs (mocked here)
	run -0 secure_boot
	assert_output "lifeboat: secure boot: unknown (EFI variable SecureBoot=none; kernel: Secure boot disabled)"
	run cat "$T/calls"
	assert_line "modprobe -q efivarfs"
	assert_line "mount -t efivarfs efivarfs $T/sys/firmware/efi/efivars"
	efi_secureboot 0
	run -0 secure_boot
	assert_output "lifeboat: secure boot: off (EFI variable SecureBoot=0; kernel: Secure boot disabled)"
	rm -rf "$T/sys/firmware"
	run -0 secure_boot
	assert_output "lifeboat: secure boot: off (started by BIOS, not UEFI)"
}

@test "firmware: a driver's request for a file the image lacks is said on the consoles, once per file" {
	export LB_DMESG=$T/dmesg
	cat > "$LB_DMESG" <<-'EOF'
	[    2.345678] r8169 0000:02:00.0: Direct firmware load for rtl_nic/rtl8168h-2.fw failed with error -2
	[    2.345690] r8169 0000:02:00.0: Unable to load firmware rtl_nic/rtl8168h-2.fw (-2)
	[    3.100000] r8169 0000:02:00.0: Direct firmware load for rtl_nic/rtl8168h-2.fw failed with error -2
	[    4.000000] bnx2 0000:01:00.0: Direct firmware load for bnx2/bnx2-mips-09-6.2.1b.fw failed with error -2
	[    4.500000] tg3 0000:03:00.0 eth2: Link is up at 1000 Mbps, full duplex
	EOF
	run -0 firmware_report
	assert_line "lifeboat: firmware: r8169 0000:02:00.0 asked for rtl_nic/rtl8168h-2.fw, which this image lacks (error -2): that device may not work"
	assert_line "lifeboat: firmware: bnx2 0000:01:00.0 asked for bnx2/bnx2-mips-09-6.2.1b.fw, which this image lacks (error -2): that device may not work"
	assert_equal "${#lines[@]}" 2
	# the log of a boot where every file was there: nothing said
	echo "[    2.3] r8169 0000:02:00.0 eth0: RTL8168h/8111h, 52:54:00:12:34:56, XID 541, IRQ 40" > "$LB_DMESG"
	run -0 firmware_report
	assert_output ""
}
