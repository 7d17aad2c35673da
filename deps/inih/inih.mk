# inih is one C file: compiled here directly rather than through meson.
# Lines up to 4 KiB (long store URLs); allocation on the heap; line numbers
# for errors; the handler sees every section, even an empty one.
DEPS_inih :=
INIH_FLAGS := -DINI_HANDLER_LINENO=1 -DINI_CALL_HANDLER_ON_NEW_SECTION=1 -DINI_MAX_LINE=4096 -DINI_USE_STACK=0 -DINI_ALLOW_REALLOC=1 -DINI_STOP_ON_FIRST_ERROR=1
define BUILD_inih
	mkdir -p $(P)/lib $(P)/include
	$${CC} $${CFLAGS} $(INIH_FLAGS) -c $(S)/ini.c -o $(S)/ini.o
	ar rcsD $(P)/lib/libinih.a $(S)/ini.o
	cp $(S)/ini.h $(P)/include/ini.h
endef
