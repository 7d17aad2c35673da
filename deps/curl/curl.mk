# libcurl on mbedTLS, with libssh2 for SFTP; every protocol lifeboat does not
# speak is left out. No built-in CA path: lifeboat passes its bundle.
DEPS_curl := mbedtls zlib zstd libssh2
define BUILD_curl
	cd $(S) && autoreconf -fi >/dev/null 2>&1
	cd $(S) && ./configure -q --prefix=$(P) --disable-shared --enable-static \
		--with-mbedtls=$(PREFIX_mbedtls_$(FLAVOUR)) --with-zlib=$(PREFIX_zlib_$(FLAVOUR)) \
		--with-zstd=$(PREFIX_zstd_$(FLAVOUR)) --with-libssh2=$(PREFIX_libssh2_$(FLAVOUR)) \
		--without-libpsl --without-libidn2 --without-nghttp2 --without-brotli \
		--without-ca-bundle --without-ca-path --without-ca-fallback \
		--disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet \
		--disable-tftp --disable-pop3 --disable-imap --disable-smtp --disable-gopher \
		--disable-mqtt --disable-smb --disable-manual --disable-docs --disable-ntlm \
		--disable-ipfs --enable-threaded-resolver
	$(CURDIR)/scripts/require-config $(S)/lib/curl_config.h USE_MBEDTLS USE_LIBSSH2 HAVE_LIBZ \
		HAVE_ZSTD USE_THREADS_POSIX
	$(DEPMAKE) -C $(S)/lib -s libcurl.la
	$(DEPMAKE) -C $(S)/lib -s install-libLTLIBRARIES
	$(DEPMAKE) -C $(S)/include -s install
	$(DEPMAKE) -C $(S) -s install-pkgconfigDATA install-binSCRIPTS
endef
