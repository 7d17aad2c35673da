# musl: our own static toolchain. Debian 12's musl package lacks crypt() and
# the Linux headers; musl built from source has both. lb-musl-cc always passes
# -static (libtool silently drops it otherwise) and sees a copy of the host's
# kernel headers (<linux/...>, <asm/...>, <mtd/...>) after musl's own, which
# musl-gcc hides: without them libarchive loses fiemap and file flags.
define BUILD_musl
	cd $(S) && CC=gcc CFLAGS="-O2 -pipe -ffile-prefix-map=$(S)=." ./configure --prefix=$(P) --disable-shared --syslibdir=$(P)/lib >/dev/null
	$(DEPMAKE) -C $(S) -s
	$(DEPMAKE) -C $(S) -s install
	mkdir -p $(P)/kernel-headers
	cp -a /usr/include/linux /usr/include/asm-generic /usr/include/mtd $(P)/kernel-headers/
	cp -a /usr/include/x86_64-linux-gnu/asm $(P)/kernel-headers/asm
	printf '#!/bin/sh\nexec "%s/bin/musl-gcc" -static -idirafter "%s/kernel-headers" "$$@"\n' $(P) $(P) > $(P)/bin/lb-musl-cc
	chmod +x $(P)/bin/lb-musl-cc
endef
