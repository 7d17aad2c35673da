# libarchive, library only. 3.7.4 calls mbedTLS 2.x digest functions (the
# "_ret" names, gone in 3.x): without these renames configure silently
# compiles its digest support out. Fixed upstream in 3.8.0.
# patches/0001: the secure-symlinks check keeps the last entry's directories
# open and walks only what is new (about 20 system calls a file fewer);
# patches/0002: no umask() pair per entry, no fcntl() pair per file.
DEPS_libarchive := zlib zstd xz expat mbedtls attr acl
LA_MBEDTLS_RENAMES := $(foreach h,md5 ripemd160 sha1 sha256 sha512,\
	$(foreach f,starts update finish,-Dmbedtls_$(h)_$(f)_ret=mbedtls_$(h)_$(f)))
define BUILD_libarchive
	cd $(S) && build/autogen.sh >/dev/null 2>&1
	cd $(S) && CPPFLAGS="$${CPPFLAGS} $(LA_MBEDTLS_RENAMES)" ./configure -q --prefix=$(P) \
		--disable-shared --enable-static --disable-bsdtar --disable-bsdcpio \
		--disable-bsdcat --disable-bsdunzip --enable-acl --enable-xattr \
		--with-zlib --with-zstd --with-lzma --with-expat --with-mbedtls \
		--without-openssl --without-nettle --without-xml2 --without-bz2lib \
		--without-lz4 --without-lzo2 --without-cng
	$(CURDIR)/scripts/require-config $(S)/config.h ARCHIVE_CRYPTO_SHA256_MBEDTLS HAVE_LIBACL \
		HAVE_SYS_ACL_H HAVE_SYS_XATTR_H HAVE_LINUX_FIEMAP_H HAVE_LINUX_FS_H \
		HAVE_ZLIB_H HAVE_ZSTD_H HAVE_LZMA_H HAVE_EXPAT_H HAVE_ICONV
	$(DEPMAKE) -C $(S) -s libarchive.la
	$(DEPMAKE) -C $(S) -s install-libLTLIBRARIES install-includeHEADERS install-pkgconfigDATA
endef
