DEPS_acl := attr
define BUILD_acl
	cd $(S) && ./configure -q --prefix=$(P) --disable-shared --enable-static --disable-nls
	$(DEPMAKE) -C $(S) -s libacl.la
	$(DEPMAKE) -C $(S) -s install-libLTLIBRARIES install-pkgconfDATA install-data-local
endef
