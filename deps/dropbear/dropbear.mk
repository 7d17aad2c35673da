# dropbear, static multi-call (server, key generator, client, scp).
DEPS_dropbear := zlib
FLAVOURS_dropbear := musl
DROPBEAR_PROGRAMS := dropbear dbclient dropbearkey scp
define BUILD_dropbear
	cd $(S) && ./configure -q --prefix=$(P) --enable-static --disable-pam \
		--disable-lastlog --disable-utmp --disable-utmpx --disable-wtmp --disable-wtmpx \
		--with-zlib=$(PREFIX_zlib_$(FLAVOUR))
	$(DEPMAKE) -C $(S) -s PROGRAMS="$(DROPBEAR_PROGRAMS)" MULTI=1 STATIC=1
	mkdir -p $(P)/bin
	install -m 755 $(S)/dropbearmulti $(P)/bin/dropbearmulti
endef
