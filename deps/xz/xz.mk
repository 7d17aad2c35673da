# liblzma only: the xz programs and scripts are not needed.
DEPS_xz :=
define BUILD_xz
	cd $(S) && ./configure -q --prefix=$(P) --disable-shared --enable-static \
		--disable-xz --disable-xzdec --disable-lzmadec --disable-lzmainfo \
		--disable-lzma-links --disable-scripts --disable-doc --disable-nls
	$(DEPMAKE) -C $(S) -s
	$(DEPMAKE) -C $(S) -s install
endef
