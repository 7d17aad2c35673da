#!/usr/bin/env bats
# What goes into the image: public keys only, no secret in a baked config,
# sizes, contents.

setup() {
	load ../helpers/common
	T=$BATS_TEST_TMPDIR
}

@test "AUTHORIZED_KEYS: public keys pass, a private key is refused" {
	ssh-keygen -q -t ecdsa -N '' -f "$T/k"
	run -0 "$TOP/scripts/check-keys" "$T/k.pub"
	assert_output "$(cat "$T/k.pub")"
	run -1 "$TOP/scripts/check-keys" "$T/k"
	assert_output --partial "holds a private key: the image takes public keys only"
	echo "not a key" > "$T/junk"
	run -1 "$TOP/scripts/check-keys" "$T/junk"
	assert_output --partial "not a public key line"
	run -0 "$TOP/scripts/check-keys" ""
	assert_output ""
}

@test "TRUST_KEYS: minisign public keys pass, a secret key is refused" {
	minisign -G -W -p "$T/m.pub" -s "$T/m.key" > /dev/null
	run -0 "$TOP/scripts/check-trust-keys" "$T/m.pub"
	assert_output "$(cat "$T/m.pub")"
	run -1 "$TOP/scripts/check-trust-keys" "$T/m.key"
	assert_output --partial "holds a minisign secret key"
	# a secret key's line under another comment: still not a public key
	{ echo "untrusted comment: x"; sed -n 2p "$T/m.key"; } > "$T/m2"
	run -1 "$TOP/scripts/check-trust-keys" "$T/m2"
	assert_output --partial "not a minisign public key line"
	echo "untrusted comment: nothing" > "$T/none"
	run -1 "$TOP/scripts/check-trust-keys" "$T/none"
	assert_output --partial "has no minisign public key"
	run -0 "$TOP/scripts/check-trust-keys" ""
	assert_output ""
}

@test "LIFEBOAT_CONFIG: credentials are refused unless forced, loudly" {
	printf '[store "s"]\nurl = /x\n' > "$T/ok.conf"
	run -0 "$TOP/scripts/check-config" "$T/ok.conf"
	printf '[store "w"]\nurl = https://u:pw@host/x/\n' > "$T/url.conf"
	run -1 "$TOP/scripts/check-config" "$T/url.conf"
	assert_output --partial "seems to hold credentials"
	printf '[default]\naws_secret_access_key = x\n' > "$T/aws.conf"
	run -1 "$TOP/scripts/check-config" "$T/aws.conf"
	LIFEBOAT_ALLOW_SECRETS=yes-i-know run -0 --separate-stderr "$TOP/scripts/check-config" "$T/aws.conf"
	[[ "$stderr" == *"WARNING: baking credentials"* ]]
}

@test "LIFEBOAT_CONFIG: an age identity is refused, one on the LIFEBOAT filesystem passes" {
	printf '[trust]\nidentity_file = /lifeboat/age.txt\npassphrase_file = /lifeboat/pass\n[store "s"]\nurl = /x\nidentity_file = /etc/lifeboat/id_ecdsa\n' > "$T/ok.conf"
	run -0 "$TOP/scripts/check-config" "$T/ok.conf"
	printf '[trust]\nidentity_file = /etc/lifeboat/age.txt\n' > "$T/in-image.conf"
	run -1 "$TOP/scripts/check-config" "$T/in-image.conf"
	assert_output --partial "must name files under /lifeboat/"
	printf '[trust]\npassphrase_file = pass\n' > "$T/relative.conf"
	run -1 "$TOP/scripts/check-config" "$T/relative.conf"
	printf '# AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n[store "s"]\nurl = /x\n' > "$T/pasted.conf"
	run -1 "$TOP/scripts/check-config" "$T/pasted.conf"
	# inline secrets, as a hand-off pushes them, never go into an image
	printf '[trust]\npassphrase = correct horse\n' > "$T/inline.conf"
	run -1 "$TOP/scripts/check-config" "$T/inline.conf"
	printf '[trust]\nidentity = -----BEGIN OPENSSH PRIVATE KEY----- b3Bl\n' > "$T/inline.conf"
	run -1 "$TOP/scripts/check-config" "$T/inline.conf"
}

@test "the image's outputs exist, within their size budgets, with checksums" {
	cd "$TOP/images"
	run -0 sha256sum -c SHA256SUMS
	local iso initrd
	iso=$(ls lifeboat-*-x86_64.iso)
	initrd=$(ls lifeboat-*-x86_64.initramfs.img)
	# with the network cards' firmware (README: the figures with and without)
	[ "$(stat -c %s "$iso")" -le $((32 << 20)) ] || fail "ISO: $(stat -c %s "$iso") bytes"
	[ "$(stat -c %s "$initrd")" -le $((16 << 20)) ] || fail "initramfs: $(stat -c %s "$initrd") bytes"
	# the tools tarball holds the static binaries only
	run -0 tar tzf lifeboat-tools-*-x86_64.tar.gz
	assert_line --regexp '/lifeboat$'
	assert_line --regexp '/busybox$'
	assert_line --regexp '/dropbearmulti$'
}

@test "the initramfs: init, static binaries, CA bundle, modules with depmod's index, no key without AUTHORIZED_KEYS" {
	local root=$TOP/build/image/root kver
	[ -x "$root/init" ]
	run -0 "$TOP/scripts/check-static" "$root/bin/busybox" "$root/usr/bin/lifeboat" "$root/usr/sbin/dropbearmulti"
	grep -q "BEGIN CERTIFICATE" "$root/etc/ssl/certs/ca-certificates.crt"
	kver=$(ls "$root/usr/lib/modules")
	[ -s "$root/usr/lib/modules/$kver/modules.dep" ]
	grep -q "virtio_net.ko.xz" "$root/usr/lib/modules/$kver/modules.dep"
	grep -q "ext4.ko.xz" "$root/usr/lib/modules/$kver/modules.dep"
	[ ! -s "$root/root/.ssh/authorized_keys" ]
	# no minisign key without TRUST_KEYS: the file is there, empty
	[ -e "$root/etc/lifeboat/trusted-keys.pub" ]
	[ ! -s "$root/etc/lifeboat/trusted-keys.pub" ]
	# every module is kept compressed, as Debian signs it
	[ -z "$(find "$root/usr/lib/modules" -name '*.ko')" ]
}

@test "the initramfs: a firmware file, xz with CRC32 as the kernel loads it, for every name a network module gives; the licences" {
	local root=$TOP/build/image/root kver ko fw n=0
	kver=$(ls "$root/usr/lib/modules")
	# the drivers of the spare Dell's cards are there
	for ko in tg3 r8169 bnx2 bnx2x; do
		find "$root/usr/lib/modules/$kver/kernel/drivers/net" -name "$ko.ko.xz" | grep -q . || fail "no $ko"
	done
	while read -r ko; do
		for fw in $(modinfo -F firmware "$ko"); do
			[ -s "$root/usr/lib/firmware/$fw.xz" ] || fail "$ko names $fw: not in the image"
			xz -lvv "$root/usr/lib/firmware/$fw.xz" | grep -q "Check: *CRC32" || fail "$fw.xz: not CRC32"
			n=$((n + 1))
		done
	done < <(find "$root/usr/lib/modules/$kver/kernel/drivers/net" -name '*.ko.xz')
	[ "$n" -ge 30 ] || fail "only $n firmware names"
	# bnx2's (a PowerEdge R610/R710), decompressed, is Debian's file
	cmp <(xz -dc "$root/usr/lib/firmware/bnx2/bnx2-mips-09-6.2.1b.fw.xz") \
		"$TOP/build/image/firmware/firmware-bnx2/usr/lib/firmware/bnx2/bnx2-mips-09-6.2.1b.fw"
	# only what the drivers name: nothing else of firmware-misc-nonfree
	[ "$(find "$root/usr/lib/firmware" -type f | wc -l)" -eq "$(find "$root/usr/lib/firmware" -name '*.xz' | wc -l)" ]
	[ -z "$(find "$root/usr/lib/firmware" -path '*i915*' -o -path '*amdgpu*' | head -n1)" ]
	for p in firmware-bnx2 firmware-bnx2x firmware-realtek firmware-misc-nonfree; do
		grep -q "Copyright\|License" "$root/usr/share/doc/$p/copyright" || fail "no licence of $p"
	done
}

# mkfw TOP: a tree with scripts/mkinitramfs and a files.list of the modules
# tg3 and r8169 and their firmware; the firmware "package" $T/fw holds
# links to Debian's files and a licence
mkfw() {
	local fw=$TOP/build/image/firmware
	mkdir -p "$1/scripts" "$1/initramfs" "$1/configs" "$T/fw/usr/lib/firmware" "$T/fw/usr/share/doc/firmware-test"
	cp "$TOP/scripts/mkinitramfs" "$1/scripts/"
	printf 'slink /lib usr/lib\nmodules configs/modules.list\nfirmware /usr/lib/firmware\n' > "$1/initramfs/files.list"
	printf 'tg3\nr8169\n' > "$1/configs/modules.list"
	cp -rs "$fw/firmware-realtek/usr/lib/firmware/rtl_nic" "$fw/firmware-misc-nonfree/usr/lib/firmware/tigon" \
		"$T/fw/usr/lib/firmware/"
	echo "License: test" > "$T/fw/usr/share/doc/firmware-test/copyright"
}

@test "mkinitramfs: a firmware file that no package holds stops the build, named; FIRMWARE=no builds without" {
	mkfw "$T/top"
	export SOURCE_DATE_EPOCH=1700000000 KROOT=$TOP/build/image/kernel BUSYBOX=/bin/true
	FIRMWARE_DIRS=$T/fw run -0 "$T/top/scripts/mkinitramfs" "$T/ok.img" "$T/ok"
	assert_output --partial "mkinitramfs: 27 firmware files for 4 network modules"
	[ -s "$T/ok/usr/lib/firmware/rtl_nic/rtl8168h-2.fw.xz" ]
	[ -s "$T/ok/usr/lib/firmware/tigon/tg3.bin.xz" ]
	rm "$T/fw/usr/lib/firmware/rtl_nic/rtl8168h-2.fw"
	FIRMWARE_DIRS=$T/fw run -1 "$T/top/scripts/mkinitramfs" "$T/bad.img" "$T/bad"
	assert_output --partial "firmware: no package in FIRMWARE_DIRS holds: r8169.ko.xz:rtl_nic/rtl8168h-2.fw"
	[ ! -e "$T/bad.img" ]
	FIRMWARE=no FIRMWARE_DIRS='' run -0 "$T/top/scripts/mkinitramfs" "$T/no.img" "$T/no"
	assert_output --partial "no firmware (FIRMWARE=no)"
	[ ! -e "$T/no/usr/lib/firmware" ]
	# neither firmware nor FIRMWARE=no: refused
	FIRMWARE_DIRS='' run -1 "$T/top/scripts/mkinitramfs" "$T/none.img" "$T/none"
	assert_output --partial "FIRMWARE_DIRS is empty"
}

@test "the ISO: Debian's signed shim, MOK manager and CD GRUB in its EFI system partition; /.disk/info for GRUB's search" {
	local iso efi=$TOP/build/image/efi
	iso=$(ls "$TOP"/images/lifeboat-*-x86_64.iso)
	xorriso -osirrox on -indev "$iso" -extract /boot/grub/efi.img "$T/efi.img" -extract /.disk/info "$T/info" >/dev/null 2>&1
	grep -q "^lifeboat " "$T/info"
	mcopy -n -i "$T/efi.img" ::/EFI/boot/bootx64.efi ::/EFI/boot/grubx64.efi ::/EFI/boot/mmx64.efi "$T/"
	cmp "$T/bootx64.efi" "$efi/shim-signed/usr/lib/shim/shimx64.efi.signed"
	cmp "$T/grubx64.efi" "$efi/grub-efi-amd64-signed/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed"
	cmp "$T/mmx64.efi" "$efi/shim-helpers-amd64-signed/usr/lib/shim/mmx64.efi.signed"
	# signed: shim by Microsoft, GRUB by Debian
	run -0 sbverify --list "$T/bootx64.efi"
	assert_output --partial "Microsoft Corporation UEFI CA 2011"
	run -0 sbverify --list "$T/grubx64.efi"
	assert_output --partial "Debian Secure Boot Signer"
	# a GPT partition for the USB stick: the EFI system partition's type
	xorriso -indev "$iso" -report_system_area plain 2>/dev/null |
		grep -q "GPT partition path : *2 */boot/grub/efi.img"
}
