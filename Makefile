# repro: a content-addressed reproducibility tool for data pipelines.
#
#   make            build ./repro
#   make run        install what is missing, build, run the built-in pipeline
#   make check      install what is missing, build, run every test (prove)
#   make check-san  the test suite again under -fsanitize=address,undefined
#   make fuzz       build the libFuzzer targets (clang) and run each FUZZ_TIME s
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
CC       ?= cc
PKGS     := libgit2 openssl yaml-0.1 libcjson libarchive libcurl
BUILD    ?= build
OPT      ?= -O2 -g
SAN      ?=
PROVE    ?= prove
# Twice the cores: many test scripts spend their time waiting on servers
# (Ceph, Slurm, nginx) rather than computing.
JOBS     ?= $(shell echo $$((2 * $$(nproc 2>/dev/null || echo 1))))

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libgit2, libcurl and libarchive are not linked but loaded on first use
# (see src/util/lazylib.h): their sonames are compiled in instead.
LINKED     := openssl yaml-0.1 libcjson
PKG_LIBS   := $(shell pkg-config --libs $(LINKED) 2>/dev/null) -ldl
soname      = $(shell objdump -p $$(pkg-config --variable=libdir $(1) 2>/dev/null)/$(1).so 2>/dev/null | awk '/SONAME/ {print $$2}')

CFLAGS   ?=
CFLAGS   += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror $(OPT) $(SAN) -pthread \
            -Isrc -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
LDFLAGS  += $(SAN) -pthread
LDLIBS   += $(PKG_LIBS) -lm
# repro takes SHA-256 from libcrypto and nothing else (TLS is libcurl's,
# which loads the shared libssl and libcrypto with itself). The binary links
# libcrypto's archive when there is one (Debian's libssl-dev ships it):
# resolving the 4.7 MB shared library's 3,500 symbols cost 0.4 ms of every
# command, 3% of a 10,000-file no-op. STATIC_CRYPTO=0 links the shared one.
CRYPTO_A      := $(shell pkg-config --variable=libdir libcrypto 2>/dev/null)/libcrypto.a
STATIC_CRYPTO ?= $(if $(wildcard $(CRYPTO_A)),1,0)
CRYPTO_STATIC := $(shell pkg-config --libs yaml-0.1 libcjson 2>/dev/null) -Wl,-Bstatic -lcrypto -Wl,-Bdynamic -ldl -lm
REPRO_LIBS    := $(if $(filter 1,$(STATIC_CRYPTO)),$(CRYPTO_STATIC),$(LDLIBS))

SRC       := $(sort $(wildcard src/*.c src/*/*.c))
OBJ       := $(SRC:src/%.c=$(BUILD)/%.o)
LIBOBJ    := $(filter-out $(BUILD)/main.o,$(OBJ))
UNIT_SRC  := $(sort $(wildcard tests/unit/t-*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%.t)
GEN       := $(BUILD)/gen/builtin_hashes.h

.PHONY: all run check check-san check-valgrind deps deps-test install clean unit bench fuzz

all: repro

# ./repro always points at the plain build, whatever BUILD a sub-make used.
repro: $(BUILD)/repro
	@[ "$(BUILD)" != build ] || ln -sf build/repro repro

$(BUILD)/repro: $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $(OBJ) $(REPRO_LIBS)

$(BUILD)/util/lazy_curl.o: CFLAGS += $(if $(call soname,libcurl),-DCURL_SONAME='"$(call soname,libcurl)"')
$(BUILD)/util/lazy_git2.o: CFLAGS += $(if $(call soname,libgit2),-DGIT2_SONAME='"$(call soname,libgit2)"')
$(BUILD)/util/lazy_archive.o: CFLAGS += $(if $(call soname,libarchive),-DARCHIVE_SONAME='"$(call soname,libarchive)"')

$(BUILD)/%.o: src/%.c | $(GEN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# Every built-in's code hash: the SHA-256 of the sources it is built from
# (listed in src/builtin/SOURCES), so editing one built-in re-runs exactly
# the stages that use it.
$(GEN): scripts/gen-builtin-hashes.sh src/builtin/SOURCES $(wildcard src/builtin/*.c src/builtin/*.h)
	@mkdir -p $(dir $@)
	sh scripts/gen-builtin-hashes.sh src/builtin/SOURCES > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/%.t: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIBOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(LIBOBJ) $(LDLIBS)

unit: $(UNIT_BIN)

# The fault-injection shim tests/t/t7020 preloads into repro. Built without
# the sanitizers even in build-san: it must not bring its own ASan runtime
# into a process whose runtime is libasan's (see the test).
FAULTFS := $(BUILD)/tests/faultfs.so
$(FAULTFS): tests/faultfs/faultfs.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror $(OPT) -fPIC -shared -o $@ $< -ldl

# Benchmark drivers, linked with the core and util objects and only the
# shared libraries those use (--as-needed): loading all of repro's costs
# ~12 ms per process, which would hide what the code measured costs.
BENCHOBJ := $(filter $(BUILD)/core/% $(BUILD)/util/%,$(LIBOBJ))
.PHONY: bench/store-bench
bench/store-bench: $(BUILD)/bench/store-bench
$(BUILD)/bench/%: bench/%.c $(BENCHOBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -Wl,--as-needed -o $@ $< $(BENCHOBJ) $(LDLIBS)

deps:
	@sh scripts/deps.sh build

deps-test:
	@sh scripts/deps.sh test

# The main job: the built-in pipeline on the embedded sample.
run: deps
	@$(MAKE) --no-print-directory all
	./repro run
	./repro metrics show

check: deps-test
	@$(MAKE) --no-print-directory all unit $(FAULTFS)
	REPRO_BUILD=$(BUILD) $(PROVE) -j$(JOBS) --ext=.t --ext=.sh $(BUILD)/tests/ tests/t/

check-san:
	@$(MAKE) --no-print-directory BUILD=build-san OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" check

# Unit tests run inside valgrind themselves; the shell tests' `repro` is a
# wrapper that runs it inside valgrind (tests/test-lib.sh).
VALGRIND := valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99
check-valgrind: all unit
	$(PROVE) -j$(JOBS) --exec '$(VALGRIND)' --ext=.t $(BUILD)/tests/
	REPRO_BUILD=$(BUILD) REPRO_VALGRIND=1 $(PROVE) -j$(JOBS) --ext=.sh tests/t/

install: all
	install -d $(DESTDIR)$(BINDIR)
	install -m 755 $(BUILD)/repro $(DESTDIR)$(BINDIR)/repro

clean:
	rm -rf build build-san build-fuzz repro

include tests/fuzz/fuzz.mk

-include $(OBJ:.o=.d)
