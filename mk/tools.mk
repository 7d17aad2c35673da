# mk/tools.mk: the lifeboat engine (tools/lib) and its command line
# (tools/lifeboat), for each flavour:
#   musl  build/lifeboat, static and stripped, with a lifeboat-VERB symlink
#         per verb: what ships
#   asan  build/asan/: the same code on glibc with AddressSanitizer and
#         UndefinedBehaviorSanitizer, for the unit tests; the test build:
#         it alone has the fault points and test switches (-DLB_FAULT;
#         LIFEBOAT_FAULT and LIFEBOAT_TEST_COMMIT_PAUSE_MS in lifeboat(1)),
#         which the shipped build refuses

LIB_SRCS := $(sort $(wildcard tools/lib/*.c))
CLI_SRCS := $(sort $(wildcard tools/lifeboat/*.c))
VERBS := $(shell sed -n 's/^\t{ "\([a-z-]*\)", cmd_.*/\1/p' tools/lifeboat/main.c)

CSTD := -std=c11 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700
# -Wno-format-truncation: snprintf is used where truncation is handled (its
# result checked, or a bounded message); gcc's guesses about it are noise.
CWARN := -Wall -Wextra -Wformat=2 -Wvla -Werror -Wno-format-truncation
LIB_LDLIBS := -larchive -lacl -lattr -lcurl -lssh2 -lmbedtls -lmbedx509 \
	-lmbedcrypto -lsodium -lexpat -llzma -lzstd -lisal -lz -linih -lpthread

# tools_template(FLAVOUR,DEPFLAVOUR,CC,CFLAGS,LDFLAGS)
define tools_template
B_$(1) := build/$(1)
$$(B_$(1))/gen/lb_deps.h: $$(DEPS_DONE_$(2)) scripts/gen-deps-header
	@mkdir -p $$(@D)
	scripts/gen-deps-header $(if $(filter musl,$(2)),libc=$$(PREFIX_musl),libc=glibc) \
		$$(foreach d,$$(LIBDEPS),$$(d)=$$(PREFIX_$$(d)_$(2))) > $$@.tmp && mv $$@.tmp $$@
$$(B_$(1))/gen/lb_version.h: VERSION
	@mkdir -p $$(@D)
	echo '#define LB_VERSION "$$(VERSION)"' > $$@
TOOL_CFLAGS_$(1) := $(CSTD) $(CWARN) $(4) -Itools/lib -I$$(B_$(1))/gen \
	$$(call dep_cppflags,$(2)) $$(INIH_FLAGS)
$$(B_$(1))/obj/%.o: tools/%.c $$(B_$(1))/gen/lb_deps.h $$(B_$(1))/gen/lb_version.h | toolchain-$(2)
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	@$(3) $$(TOOL_CFLAGS_$(1)) -MMD -MP -c $$< -o $$@
-include $$(wildcard $$(B_$(1))/obj/*/*.d)
$$(B_$(1))/liblifeboat.a: $$(patsubst tools/%.c,$$(B_$(1))/obj/%.o,$$(LIB_SRCS))
	rm -f $$@ && ar rcsD $$@ $$^
LINK_$(1) = $(3) $(5) -o $$@ $$^ $$(call dep_ldflags,$(2)) $$(LIB_LDLIBS)
$$(B_$(1))/lifeboat: $$(patsubst tools/%.c,$$(B_$(1))/obj/%.o,$$(CLI_SRCS)) $$(B_$(1))/liblifeboat.a
	@echo "  LD      $$@"
	@$$(LINK_$(1))
endef

MUSL_CFLAGS := -O2 -g -ffunction-sections -fdata-sections -ffile-prefix-map=$(CURDIR)=.
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
$(eval $(call tools_template,musl,musl,$(CC_musl),$(MUSL_CFLAGS),-static -Wl,--gc-sections))
$(eval $(call tools_template,asan,glibc,gcc,-O1 -g $(ASAN_FLAGS) -DLB_FAULT,$(ASAN_FLAGS)))

# What ships: stripped, checked to be static, one symlink per verb.
build/lifeboat: build/musl/lifeboat scripts/ship scripts/check-static
	scripts/ship $< $@
	@for v in $(VERBS); do ln -sf lifeboat build/lifeboat-$$v; done
	@echo "  OK      $@ (static, $$(stat -c %s $@) bytes)"

all: build/lifeboat
.PHONY: all
