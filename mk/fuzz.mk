# mk/fuzz.mk: libFuzzer harnesses (tests/fuzz/fuzz_NAME.c), one per parser
# of outside input, on the glibc flavour of the dependencies with clang's
# AddressSanitizer and UndefinedBehaviorSanitizer (LeakSanitizer with it).
# The engine is compiled with coverage (fuzzer-no-link); the dependencies
# are the pinned ones of the asan flavour, uninstrumented.
#   make fuzz                 each harness for FUZZ_SECONDS (default 300),
#                             two at a time on two cores
#   make fuzz-NAME            one of them
#   tests/fuzz/run SECONDS    the suite of 'make test': the regression
#                             inputs, then each harness for SECONDS
FUZZ_CC := clang-14
FUZZ_SECONDS ?= 300
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS := $(patsubst %,build/fuzz/fuzz_%,$(FUZZ_NAMES))

# clang does not know gcc's -Wno-format-truncation: that is no error.
$(eval $(call tools_template,fuzz,glibc,$(FUZZ_CC),-O1 -g $(FUZZ_SAN) \
	-fsanitize=fuzzer-no-link -Wno-unknown-warning-option,\
	$(FUZZ_SAN) -fsanitize=fuzzer))

build/fuzz/obj/fuzz/%.o: tests/fuzz/%.c tests/fuzz/fuzz.h build/fuzz/gen/lb_deps.h build/fuzz/gen/lb_version.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(FUZZ_CC) $(TOOL_CFLAGS_fuzz) -Itests/fuzz -c $< -o $@
build/fuzz/fuzz_%: build/fuzz/obj/fuzz/fuzz_%.o build/fuzz/liblifeboat.a
	@echo "  LD      $@"
	@$(LINK_fuzz)

fuzz-build: $(FUZZ_BINS)
fuzz: $(patsubst %,fuzz-%,$(FUZZ_NAMES))
	@tests/fuzz/summary $(FUZZ_NAMES)
define fuzz_run
fuzz-$(1): build/fuzz/fuzz_$(1)
	tests/fuzz/one $(1) $$(FUZZ_SECONDS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_run,$(n))))
.PHONY: fuzz fuzz-build $(patsubst %,fuzz-%,$(FUZZ_NAMES))
.SECONDARY: $(patsubst %,build/fuzz/obj/fuzz/fuzz_%.o,$(FUZZ_NAMES))
