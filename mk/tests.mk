# mk/tests.mk: the test suites. 'make test' runs them all through tests/run,
# which prints each suite's results and ends with "N passed, N failed"; it
# fails when anything failed or could not run.

UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))

# unit_template(FLAVOUR): the unit tests linked against that flavour's engine.
define unit_template
$$(B_$(1))/obj/unit/%.o: tests/unit/%.c $$(B_$(1))/gen/lb_deps.h | toolchain-$(if $(filter musl,$(1)),musl,glibc)
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	@$$(CC_$(1)_tools) $$(TOOL_CFLAGS_$(1)) -Itests/unit -MMD -MP -c $$< -o $$@
-include $$(wildcard $$(B_$(1))/obj/unit/*.d)
$$(B_$(1))/unit-tests: $$(patsubst tests/%.c,$$(B_$(1))/obj/%.o,$$(UNIT_SRCS)) $$(B_$(1))/liblifeboat.a
	@echo "  LD      $$@"
	@$$(LINK_$(1))
endef
CC_musl_tools := $(CC_musl)
CC_asan_tools := gcc
$(eval $(call unit_template,musl))
$(eval $(call unit_template,asan))

check-unit: build/musl/unit-tests
	LIFEBOAT_AGE_VECTORS=$$(tests/helpers/age-vectors) build/musl/unit-tests
check-asan: build/asan/unit-tests
	LIFEBOAT_AGE_VECTORS=$$(tests/helpers/age-vectors) ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 build/asan/unit-tests
# faults.bats runs the test build (build/asan/lifeboat, fault points in)
check-cli: build/lifeboat build/asan/lifeboat
	bats tests/cli
# The fuzz suite of 'make test': each harness 20 s (mk/fuzz.mk).
check-fuzz: $(FUZZ_BINS)
	tests/fuzz/run 20
.PHONY: check-unit check-asan check-cli check-fuzz

# The end-to-end tests boot the image in qemu; their SSH case needs an
# initramfs with a test key, their signed-backup case one with a minisign
# public key baked in (TRUST_KEYS), whose secret key signs its backups.
build/e2e/id_ecdsa:
	@mkdir -p $(@D)
	rm -f $@ $@.pub && ssh-keygen -q -t ecdsa -N '' -C lifeboat-e2e -f $@
build/e2e/ssh.initramfs.img: $(IMAGE_INPUTS) build/e2e/id_ecdsa
	scripts/check-keys build/e2e/id_ecdsa.pub > build/e2e/authorized_keys
	$(call mkinitramfs_env,$(CURDIR)/build/e2e/authorized_keys) scripts/mkinitramfs $@ build/e2e/ssh-root
build/e2e/minisign.key:
	@mkdir -p $(@D)
	rm -f $@ build/e2e/minisign.pub && minisign -G -W -p build/e2e/minisign.pub -s $@ >/dev/null
build/e2e/trust.initramfs.img: $(IMAGE_INPUTS) build/e2e/minisign.key
	scripts/check-trust-keys build/e2e/minisign.pub > build/e2e/trusted-keys.pub
	$(call mkinitramfs_env,$(CURDIR)/$(IMG)/authorized_keys,$(CURDIR)/build/e2e/trusted-keys.pub) \
		scripts/mkinitramfs $@ build/e2e/trust-root
# Their device-mapper case boots the image with a cpio appended for that
# test alone (the image is not changed): tests/e2e/dmtest-init, run before
# the image's /init; tests/helpers/dmctl, static; the image kernel's
# dm-mod, decompressed for BusyBox's insmod. gzip: an archive appended to
# the zstd one needs no alignment then.
build/e2e/dmctl: tests/helpers/dmctl.c | toolchain-musl
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC_musl) $(CSTD) $(CWARN) -O2 -o $@ $<
build/e2e/dmtest.cpio.gz: build/e2e/dmctl tests/e2e/dmtest-init \
		$(IMG)/kernel/.done
	rm -rf build/e2e/dmtest && mkdir -p build/e2e/dmtest/dmtest
	install -m 0755 tests/e2e/dmtest-init build/e2e/dmtest/dmtest-init
	install -m 0755 build/e2e/dmctl build/e2e/dmtest/dmtest/dmctl
	ko=$$(ls $(IMG)/kernel/usr/lib/modules/*/kernel/drivers/md/dm-mod.ko.xz) && \
		xz -dc "$$ko" > build/e2e/dmtest/dmtest/dm-mod.ko
	find build/e2e/dmtest -exec touch -h -d "@$(SOURCE_DATE_EPOCH)" {} +
	(cd build/e2e/dmtest && find . -mindepth 1 | LC_ALL=C sort | \
		cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n > $@.tmp
	mv $@.tmp $@
e2e-images: images/SHA256SUMS build/e2e/ssh.initramfs.img \
	build/e2e/trust.initramfs.img build/e2e/dmtest.cpio.gz
check-e2e: e2e-images
	bats tests/e2e
.PHONY: e2e-images check-e2e

test: build/lifeboat build/asan/lifeboat build/musl/unit-tests \
	build/asan/unit-tests e2e-images $(FUZZ_BINS)
	tests/run
.PHONY: test
