DEPS_attr :=
define BUILD_attr
	cd $(S) && ./configure -q --prefix=$(P) --disable-shared --enable-static --disable-nls
	$(DEPMAKE) -C $(S) -s libattr.la
	$(DEPMAKE) -C $(S) -s install-libLTLIBRARIES install-pkgconfDATA install-data-local
endef
