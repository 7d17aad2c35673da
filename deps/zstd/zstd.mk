# Only the library, multi-threaded (lifeboat never compresses, but libarchive
# and curl decode with it); no legacy formats.
DEPS_zstd :=
define BUILD_zstd
	$(DEPMAKE) -C $(S)/lib -s libzstd.a-mt ZSTD_LEGACY_SUPPORT=0 PREFIX=$(P)
	$(DEPMAKE) -C $(S)/lib -s install-static install-includes install-pc ZSTD_LEGACY_SUPPORT=0 PREFIX=$(P)
endef
