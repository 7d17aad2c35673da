# Debian's expat source is a git export without configure, and its CMake build
# breaks on a Debian patch: bootstrap the autotools build instead.
DEPS_expat :=
define BUILD_expat
	cd $(S)/expat && ./buildconf.sh >/dev/null 2>&1
	cd $(S)/expat && ./configure -q --prefix=$(P) --disable-shared --enable-static \
		--without-docbook --without-examples --without-tests --without-xmlwf
	$(DEPMAKE) -C $(S)/expat -s
	$(DEPMAKE) -C $(S)/expat -s install
endef
