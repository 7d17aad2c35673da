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
}

@test "the image's outputs exist, within their size budgets, with checksums" {
	cd "$TOP/images"
	run -0 sha256sum -c SHA256SUMS
	local iso initrd
	iso=$(ls lifeboat-*-x86_64.iso)
	initrd=$(ls lifeboat-*-x86_64.initramfs.img)
	[ "$(stat -c %s "$iso")" -le $((24 << 20)) ]
	[ "$(stat -c %s "$initrd")" -le $((10 << 20)) ]
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
