#!/bin/sh
# Builds the libFuzzer targets with clang (ASan+UBSan) and fuzzes each for
# FUZZ_SECONDS (default 60), starting from its seed corpus.  New inputs go
# to a scratch corpus; crashes are left in build-fuzz/ for a regression seed.
set -eu
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-60}
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzzing=true -Dtests=false \
	    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C build-fuzz
for bin in build-fuzz/tests/fuzz/libfuzzer/fuzz-*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=${bin##*/fuzz-}
	work=build-fuzz/corpus-$name
	mkdir -p "$work"
	echo "== $name ($SECS s)"
	(cd build-fuzz && "../$bin" -max_total_time="$SECS" -max_len=65536 \
	    "corpus-$name" "../tests/fuzz/corpus/$name") 2>&1 | tail -3
done
