# Fuzzing (tests/fuzz/README.md), included by the Makefile.
#
#   make fuzz-build   the libFuzzer targets, built with clang into build-fuzz/
#   make fuzz         build them and run each for FUZZ_TIME seconds (FUZZ_JOBS
#                     at a time); fails when one finds a crash, which is saved
#                     under build-fuzz/crashes/TARGET/
#   FUZZ_TARGETS=lock make fuzz   only some
#
# The replay drivers (replay-TARGET: each target's entry point with a plain
# main) are built with the normal compiler as part of `make unit`, so
# t7050-fuzz-replay runs every seed and regression input under check and,
# with ASan+UBSan, under check-san.

FUZZ_ALL     := $(sort $(basename $(notdir $(filter-out tests/fuzz/replay.c,$(wildcard tests/fuzz/*.c)))))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_TIME    ?= 60
FUZZ_JOBS    ?= 2
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_REPLAY  := $(FUZZ_ALL:%=$(BUILD)/fuzz/replay-%)

.PHONY: fuzz fuzz-build fuzz-bins

fuzz-build:
	@command -v $(FUZZ_CC) >/dev/null || { echo "repro: make fuzz needs $(FUZZ_CC) and libclang-rt-14-dev ('sh scripts/deps.sh test' installs them)" >&2; exit 1; }
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=$(FUZZ_CC) OPT="-O1 -g" SAN="$(FUZZ_SAN)" fuzz-bins

fuzz-bins: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)

# The library objects carry coverage (fuzzer-no-link); only the link adds
# libFuzzer's main.
$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIBOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/fuzz $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(LIBOBJ) $(LDLIBS)

$(BUILD)/fuzz/replay-%: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(LIBOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/fuzz $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIBOBJ) $(LDLIBS)

unit: $(FUZZ_REPLAY)

fuzz: fuzz-build
	FUZZ_TIME=$(FUZZ_TIME) FUZZ_JOBS=$(FUZZ_JOBS) sh tests/fuzz/run.sh build-fuzz $(FUZZ_TARGETS)
