#!/bin/sh
# The realmgate binary must not export symbols of its own: a function of
# ours with the name of one that a linked library calls (libpam calls
# libaudit's audit_open) would be called instead of it.  Only the C
# library's stdio objects may appear in its dynamic symbol table.
set -eu
BIN=$1
extra=$(nm -D --defined-only "$BIN" |
    awk '{print $3}' | grep -vE '^(_|std(in|out|err)@)' || true)
if [ -n "$extra" ]; then
	echo "FAIL: $BIN exports: $extra"
	exit 1
fi
echo "1 passed, 0 failed"
