# libssh2 on mbedTLS. Debian's libssh2.pc names -lgpg-error (left from its
# libgcrypt flavour) even with mbedTLS: strip it.
DEPS_libssh2 := mbedtls zlib
define BUILD_libssh2
	cd $(S) && ./configure -q --prefix=$(P) --disable-shared --enable-static \
		--with-crypto=mbedtls --with-libmbedcrypto-prefix=$(PREFIX_mbedtls_$(FLAVOUR)) \
		--with-libz --with-libz-prefix=$(PREFIX_zlib_$(FLAVOUR)) \
		--disable-examples-build --disable-docker-tests --disable-sshd-tests
	$(DEPMAKE) -C $(S)/src -s
	$(DEPMAKE) -C $(S)/src -s install
	$(DEPMAKE) -C $(S) -s install-includeHEADERS install-pkgconfigDATA
	sed -i 's/ *-lgpg-error//g' $(P)/lib/pkgconfig/libssh2.pc
endef
