# lifeboat: the one entry point. Non-recursive: the pieces live in mk/*.mk.
#
#   make            build/lifeboat (static, musl)
#   make test       everything, from a fresh Debian 12 machine
#   make demo       the main job on the embedded demo store
#   make help       the table of targets
.DEFAULT_GOAL := all
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:

NPROC := $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += --no-print-directory
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(NPROC)
endif
# Reproducible builds: every timestamp that lands in an output is this one.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 1700000000)
export SOURCE_DATE_EPOCH
export LC_ALL := C.UTF-8

VERSION := $(shell cat VERSION)

# The build host is prepared first (packages, private apt). make re-reads
# the makefiles once this stamp exists, so everything below sees the tools.
NO_BOOTSTRAP_GOALS := clean distclean help
ifeq ($(filter-out $(NO_BOOTSTRAP_GOALS),$(or $(MAKECMDGOALS),all)),)
else
-include build/.bootstrap.mk
endif
build/.bootstrap.mk: scripts/bootstrap scripts/apt-private
	scripts/bootstrap
	@mkdir -p build && echo '# host bootstrapped by scripts/bootstrap' > $@

include mk/deps.mk
include mk/tools.mk
include mk/fuzz.mk
# image.mk before tests.mk: the e2e rules name $(IMAGE_INPUTS) as
# prerequisites, which make expands when it reads the rule.
include mk/image.mk
include mk/tests.mk

help:
	@sed -n 's/^## //p' mk/help.txt
.PHONY: help

clean:
	rm -rf build demo images/lifeboat-* images/SHA256SUMS
distclean: clean
	@echo "the dependency cache is kept: rm -rf $(CACHE) to drop it"
.PHONY: clean distclean

# A benchmark, never a test: see scripts/bench and scripts/bench-backup
# (BENCH_MIB, BENCH_ROUNDS).
bench: build/lifeboat images/SHA256SUMS
	scripts/bench
	scripts/bench-backup
	scripts/bench-image
.PHONY: bench

# The whole appliance: the image boots in qemu and restores the demo store.
demo-vm: images/SHA256SUMS
	scripts/demo-vm
.PHONY: demo-vm

# The main job on an embedded default: see scripts/demo.
demo: build/lifeboat
	scripts/demo
.PHONY: demo
