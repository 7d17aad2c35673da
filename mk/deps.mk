# mk/deps.mk: the static dependencies, built once per flavour and kept in
# the cache outside the repo.
#
# Flavours: "musl" (the shipped static binaries, our own musl toolchain) and
# "glibc" (the host's compiler and libc, for sanitizer and fuzz builds: the
# same pinned sources, built the same way).
#
# Each deps/NAME/NAME.mk sets DEPS_NAME (what it links against), optionally
# FLAVOURS_NAME (default: both) and BUILD_NAME (the recipe; $(S) is the
# unpacked source, $(P) the install prefix). A dependency's cache key hashes
# its hash file, recipe and patches, the toolchain and the keys of what it
# depends on: touching one recipe rebuilds that dependency and those above it.

CACHE ?= $(if $(LIFEBOAT_CACHE),$(LIFEBOAT_CACHE),$(HOME)/.cache/lifeboat)
DEPROOT := $(CACHE)/deps
SRCROOT := $(CURDIR)/build/src

# Topological order: a dependency comes after everything it links against.
LOGDIR := $(CURDIR)/build/logs
# Sub-makes of a dependency build run with their own -j: make passes no
# jobserver to a recipe it would not also run under 'make -n'.
DEPMAKE := make -j$(NPROC)
define NL


endef

DEP_NAMES := zlib isal zstd xz expat mbedtls libsodium attr acl libssh2 curl libarchive inih busybox dropbear

include deps/musl/musl.mk
include $(foreach d,$(DEP_NAMES),deps/$(d)/$(d).mk)

hashof = $(shell cat $(1) 2>/dev/null | sha256sum | cut -c1-16)

# What identifies a toolchain: the host compiler, the kernel headers and, for
# musl, our own musl build; plus this file, which sets the common flags.
HOST_CC_ID := $(shell { gcc --version | head -n1; dpkg-query -W -f='$${Version}' linux-libc-dev libc6-dev 2>/dev/null; } | sha256sum | cut -c1-16)
KEY_musl := $(shell { echo $(HOST_CC_ID); cat deps/musl/musl.hash deps/musl/musl.mk deps/musl/patches/* 2>/dev/null; } | sha256sum | cut -c1-16)
PREFIX_musl := $(DEPROOT)/toolchain/musl-$(KEY_musl)
TOOLKEY_musl := $(shell echo $(KEY_musl) $(call hashof,mk/deps.mk) | sha256sum | cut -c1-16)
TOOLKEY_glibc := $(shell echo $(HOST_CC_ID) $(call hashof,mk/deps.mk) | sha256sum | cut -c1-16)

# Compiler and flags per flavour. Reproducible: no build paths in objects.
DEP_CFLAGS := -O2 -pipe -ffunction-sections -fdata-sections -ffile-prefix-map=$(SRCROOT)=. -ffile-prefix-map=$(DEPROOT)=/deps
CC_musl := $(PREFIX_musl)/bin/lb-musl-cc
CC_glibc := gcc
CFLAGS_musl := $(DEP_CFLAGS)
CFLAGS_glibc := $(DEP_CFLAGS) -fPIC
# libtool drops a plain -static for programs: -all-static is what it obeys.
LDFLAGS_musl := -static
LDFLAGS_glibc :=

# Build musl itself: the toolchain of the musl flavour.
$(PREFIX_musl)/.done: S := $(SRCROOT)/toolchain/musl
$(PREFIX_musl)/.done: P := $(PREFIX_musl)
$(PREFIX_musl)/.done:
	@echo "  DEP     musl (toolchain)"
	$(shell mkdir -p $(LOGDIR))$(file >$(LOGDIR)/toolchain-musl.sh,cd $(CURDIR)$(NL)$(BUILD_musl))
	@scripts/dep-build deps/musl/musl.hash $(S) $(P) $(LOGDIR)/toolchain-musl.sh

toolchain-musl: $(PREFIX_musl)/.done
toolchain-glibc:
.PHONY: toolchain-musl toolchain-glibc

# all_deps(NAME): NAME's dependencies, transitively.
all_deps = $(sort $(foreach d,$(DEPS_$(1)),$(d) $(call all_deps,$(d))))

# dep_template(NAME,FLAVOUR)
define dep_template
KEY_$(1)_$(2) := $$(shell { echo $$(TOOLKEY_$(2)) $$(foreach d,$$(DEPS_$(1)),$$(KEY_$$(d)_$(2))); cat deps/$(1)/$(1).hash deps/$(1)/$(1).mk deps/$(1)/patches/* 2>/dev/null; } | sha256sum | cut -c1-16)
PREFIX_$(1)_$(2) := $$(DEPROOT)/$(2)/$(1)-$$(KEY_$(1)_$(2))
DEPS_DONE_$(2) += $$(PREFIX_$(1)_$(2))/.done
$$(PREFIX_$(1)_$(2))/.done: S := $$(SRCROOT)/$(2)/$(1)
$$(PREFIX_$(1)_$(2))/.done: P := $$(PREFIX_$(1)_$(2))
$$(PREFIX_$(1)_$(2))/.done: FLAVOUR := $(2)
$$(PREFIX_$(1)_$(2))/.done: DEPPREFIXES := $$(foreach d,$$(call all_deps,$(1)),$$(PREFIX_$$(d)_$(2)))
$$(PREFIX_$(1)_$(2))/.done: export CC = $$(CC_$(2))
$$(PREFIX_$(1)_$(2))/.done: export CFLAGS = $$(CFLAGS_$(2))
$$(PREFIX_$(1)_$(2))/.done: export CPPFLAGS = $$(foreach p,$$(DEPPREFIXES),-I$$(p)/include)
$$(PREFIX_$(1)_$(2))/.done: export LDFLAGS = $$(LDFLAGS_$(2)) $$(foreach p,$$(DEPPREFIXES),-L$$(p)/lib)
$$(PREFIX_$(1)_$(2))/.done: export PKG_CONFIG_LIBDIR = $$(subst $$(eval) ,:,$$(foreach p,$$(DEPPREFIXES),$$(p)/lib/pkgconfig))
$$(PREFIX_$(1)_$(2))/.done: export PKG_CONFIG_PATH =
$$(PREFIX_$(1)_$(2))/.done: $$(foreach d,$$(DEPS_$(1)),$$(PREFIX_$$(d)_$(2))/.done) | toolchain-$(2)
	@echo "  DEP     $(1) ($(2))"
	$$(shell mkdir -p $$(LOGDIR))$$(file >$$(LOGDIR)/$(2)-$(1).sh,cd $$(CURDIR)$$(NL)$$(BUILD_$(1)))
	@scripts/dep-build deps/$(1)/$(1).hash $$(S) $$(P) $$(LOGDIR)/$(2)-$(1).sh
deps-$(1)-$(2): $$(PREFIX_$(1)_$(2))/.done
.PHONY: deps-$(1)-$(2)
endef

$(foreach f,musl glibc,$(foreach d,$(DEP_NAMES),$(if $(filter $(f),$(or $(FLAVOURS_$(d)),musl glibc)),$(eval $(call dep_template,$(d),$(f))))))

# Link flags of the engine: every library prefix of a flavour.
LIBDEPS := zlib isal zstd xz expat mbedtls libsodium attr acl libssh2 curl libarchive inih
dep_cppflags = $(foreach d,$(LIBDEPS),-I$(PREFIX_$(d)_$(1))/include)
dep_ldflags = $(foreach d,$(LIBDEPS),-L$(PREFIX_$(d)_$(1))/lib)

deps-musl: $(DEPS_DONE_musl)
deps-glibc: $(DEPS_DONE_glibc)
deps: deps-musl deps-glibc
.PHONY: deps deps-musl deps-glibc
