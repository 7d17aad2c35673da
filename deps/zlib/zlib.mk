DEPS_zlib :=
define BUILD_zlib
	cd $(S) && ./configure --static --prefix=$(P) >/dev/null
	$(DEPMAKE) -C $(S) -s libz.a
	$(DEPMAKE) -C $(S) -s install
endef
