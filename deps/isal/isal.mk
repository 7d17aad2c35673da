# ISA-L, library only, static: its igzip inflate (assembly, hence nasm; the
# functions for each CPU are chosen at run time by CPUID).
DEPS_isal :=
define BUILD_isal
	cd $(S) && ./autogen.sh >/dev/null 2>&1
	cd $(S) && ./configure -q --prefix=$(P) --disable-shared --enable-static \
		--libdir=$(P)/lib
	$(DEPMAKE) -C $(S) -s libisal.la
	$(DEPMAKE) -C $(S) -s install-libLTLIBRARIES install-pkgincludeHEADERS
endef
