# BusyBox, static: defconfig with our overrides in configs/busybox.config.
# BusyBox keeps the first value of a key it reads, so the overrides go first.
DEPS_busybox :=
FLAVOURS_busybox := musl
define BUILD_busybox
	$(DEPMAKE) -C $(S) -s defconfig >/dev/null
	grep -E '^(CONFIG_|# CONFIG_.* is not set)' $(CURDIR)/configs/busybox.config | cat - $(S)/.config > $(S)/.config.new
	mv $(S)/.config.new $(S)/.config
	{ yes '' || :; } | $(DEPMAKE) -C $(S) -s oldconfig >/dev/null
	$(DEPMAKE) -C $(S) -s CC="$${CC}" HOSTCC=gcc CONFIG_EXTRA_CFLAGS="$${CFLAGS}" KBUILD_BUILD_TIMESTAMP=@$(SOURCE_DATE_EPOCH) busybox >/dev/null
	mkdir -p $(P)/bin
	install -m 755 $(S)/busybox $(P)/bin/busybox
endef
