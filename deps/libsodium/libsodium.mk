# The full library (--enable-minimal would drop scrypt), static only. Debian's
# source is a git export without configure: autoreconf as Debian's rules do
# (not autogen.sh, which downloads config.guess).
DEPS_libsodium :=
define BUILD_libsodium
	cd $(S) && autoreconf -fi >/dev/null 2>&1
	cd $(S) && ./configure -q --prefix=$(P) --disable-shared --enable-static \
		--disable-pie --disable-debug
	$(DEPMAKE) -C $(S) -s
	$(DEPMAKE) -C $(S) -s install
endef
