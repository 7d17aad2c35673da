# mk/image.mk: the rescue image (see README): kernel + initramfs for VPS
# rescue, PXE and kexec; a hybrid ISO for BIOS, UEFI and USB sticks; the
# static tools alone. Reproducible: SOURCE_DATE_EPOCH, sorted archives,
# fixed owners.
#
#   make image [AUTHORIZED_KEYS=FILE] [LIFEBOAT_CONFIG=FILE] [TRUST_KEYS=FILE]
#
# AUTHORIZED_KEYS: public keys for SSH into the image (none: SSH stays off).
# TRUST_KEYS: minisign public keys the image's lifeboat trusts (baked in as
# /etc/lifeboat/trusted-keys.pub; a backup must then be signed by one).
# LIFEBOAT_CONFIG: a lifeboat.conf to bake in; one with credentials is
# refused unless LIFEBOAT_ALLOW_SECRETS=yes-i-know (better: put it on the
# LIFEBOAT filesystem, or push it over SSH).

IMG := build/image
ARCH := x86_64
IMAGE_BASE := images/lifeboat-$(VERSION)-$(ARCH)
IMAGE_KERNEL := $(IMAGE_BASE).vmlinuz
IMAGE_INITRD := $(IMAGE_BASE).initramfs.img
IMAGE_ISO := $(IMAGE_BASE).iso
IMAGE_TOOLS := images/lifeboat-tools-$(VERSION)-$(ARCH).tar.gz

$(IMG)/kernel/.done: deps/linux-image/linux-image.hash scripts/fetch-deb
	@echo "  DEB     linux-image"
	scripts/fetch-deb $< $(IMG)/kernel
	touch $@

$(IMG)/ca-certificates.crt: deps/ca-certificates/ca-certificates.hash scripts/fetch-deb
	@echo "  DEB     ca-certificates"
	scripts/fetch-deb $< $(IMG)/ca
	LC_ALL=C cat $$(ls $(IMG)/ca/usr/share/ca-certificates/mozilla/*.crt | LC_ALL=C sort) > $@.tmp
	mv $@.tmp $@

# Public keys only, checked; an empty file when none are given.
$(IMG)/authorized_keys: scripts/check-keys FORCE
	@mkdir -p $(@D)
	scripts/check-keys "$(AUTHORIZED_KEYS)" > $@.tmp
	cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

# minisign public keys only, checked; an empty file when none are given.
$(IMG)/trusted-keys.pub: scripts/check-trust-keys FORCE
	@mkdir -p $(@D)
	scripts/check-trust-keys "$(TRUST_KEYS)" > $@.tmp
	cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

$(IMG)/lifeboat.conf: scripts/check-config FORCE
	@mkdir -p $(@D)
	scripts/check-config "$(LIFEBOAT_CONFIG)" > $@.tmp
	cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

IMAGE_INPUTS := build/lifeboat $(PREFIX_busybox_musl)/.done $(PREFIX_dropbear_musl)/.done \
	$(IMG)/kernel/.done $(IMG)/ca-certificates.crt $(IMG)/authorized_keys \
	$(IMG)/trusted-keys.pub $(IMG)/lifeboat.conf initramfs/files.list initramfs/init configs/modules.list \
	scripts/mkinitramfs $(shell find overlay -type f 2>/dev/null)

# mkinitramfs(KEYS[,TRUST]): the environment of scripts/mkinitramfs; TRUST
# (a checked trusted-keys.pub) defaults to the image's own
mkinitramfs_env = BUSYBOX=$(PREFIX_busybox_musl)/bin/busybox LIFEBOAT=$(CURDIR)/build/lifeboat \
	DROPBEAR=$(PREFIX_dropbear_musl)/bin/dropbearmulti \
	CABUNDLE=$(CURDIR)/$(IMG)/ca-certificates.crt AUTHORIZED_KEYS=$(1) \
	CONFIG=$(CURDIR)/$(IMG)/lifeboat.conf KROOT=$(CURDIR)/$(IMG)/kernel \
	TRUST_KEYS=$(or $(2),$(CURDIR)/$(IMG)/trusted-keys.pub)

$(IMAGE_INITRD): $(IMAGE_INPUTS)
	@mkdir -p $(@D)
	@echo "  CPIO    $@"
	$(call mkinitramfs_env,$(CURDIR)/$(IMG)/authorized_keys) scripts/mkinitramfs $@ $(IMG)/root

# Reproducibility: build the initramfs and the ISO again, elsewhere, and
# compare them byte for byte with images/.
repro-check: $(IMAGE_INITRD) $(IMAGE_ISO)
	@rm -rf build/repro && mkdir -p build/repro
	$(call mkinitramfs_env,$(CURDIR)/$(IMG)/authorized_keys) scripts/mkinitramfs \
		build/repro/initramfs.img build/repro/root
	scripts/mkiso build/repro/lifeboat.iso $(IMAGE_KERNEL) build/repro/initramfs.img build/repro/iso
	cmp build/repro/initramfs.img $(IMAGE_INITRD)
	cmp build/repro/lifeboat.iso $(IMAGE_ISO)
	@echo "  REPRO   initramfs and ISO are byte-identical"
.PHONY: repro-check

$(IMAGE_KERNEL): $(IMG)/kernel/.done
	@mkdir -p $(@D)
	cp $(IMG)/kernel/boot/vmlinuz-* $@

$(IMAGE_ISO): $(IMAGE_KERNEL) $(IMAGE_INITRD) scripts/mkiso configs/grub.cfg
	@echo "  ISO     $@"
	scripts/mkiso $@ $(IMAGE_KERNEL) $(IMAGE_INITRD) $(IMG)/iso

$(IMAGE_TOOLS): build/lifeboat $(PREFIX_busybox_musl)/.done $(PREFIX_dropbear_musl)/.done
	@mkdir -p $(@D) $(IMG)/tools/lifeboat-tools-$(VERSION)
	cp build/lifeboat $(PREFIX_busybox_musl)/bin/busybox \
		$(PREFIX_dropbear_musl)/bin/dropbearmulti $(IMG)/tools/lifeboat-tools-$(VERSION)/
	scripts/check-static $(IMG)/tools/lifeboat-tools-$(VERSION)/*
	tar -C $(IMG)/tools --sort=name --mtime=@$(SOURCE_DATE_EPOCH) --owner=0 --group=0 \
		--numeric-owner -cf - lifeboat-tools-$(VERSION) | gzip -n -9 > $@

images/SHA256SUMS: $(IMAGE_KERNEL) $(IMAGE_INITRD) $(IMAGE_ISO) $(IMAGE_TOOLS)
	cd images && sha256sum $(notdir $^) > SHA256SUMS

image: images/SHA256SUMS
	@cat images/SHA256SUMS
.PHONY: image FORCE
FORCE:
