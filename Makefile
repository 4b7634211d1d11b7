# Thin wrapper around meson for the README's commands.  Every target that
# builds first makes sure the Debian packages are there (idempotent, quick).
BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON      ?= meson

.PHONY: all build demo test test-fast bench fuzz stress valgrind format clean deps

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	@test -f $(BUILD)/build.ninja || $(MESON) setup $(BUILD) >/dev/null
	@ninja -C $(BUILD)

# The README's first command: build, make ./demo, walk through pveum on it.
demo: build
	@./scripts/demo.sh $(BUILD) demo

# The README's second command: every suite, under ASan+UBSan.
test: deps
	@./scripts/run-tests.sh $(ASAN_BUILD)

# Quick plain build run of the unit, compat and fuzz-replay suites.
test-fast: build
	@$(MESON) test -C $(BUILD) --print-errorlogs --suite unit --suite compat --suite fuzz

bench: deps
	@test -f build-release/build.ninja || \
	    $(MESON) setup build-release --buildtype=release >/dev/null
	@ninja -C build-release
	@./bench/run.sh build-release

fuzz: deps
	@./scripts/fuzz.sh

# Crash safety (STRESS_KILLS SIGKILLs during concurrent writes) and
# STRESS_SECONDS of mixed load on the plain build; figures in
# $(BUILD)/stress/summary.txt.  Not part of `make test` or CI.
stress: build
	@./scripts/stress.sh $(BUILD)

# The unit suite under valgrind memcheck (plain debug build, zero leaks).
valgrind: deps
	@./scripts/valgrind.sh build-valgrind

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-release build-fuzz build-valgrind
