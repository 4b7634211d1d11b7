#!/bin/sh
# Run the API integration tests against a realmgate binary.
#   tests/integration/run.sh [BIN] [pytest args...]
# BIN defaults to $REALMGATE_BIN, else <repo>/build/realmgate.  Uses Debian's
# python3 (python3-pytest, python3-requests, python3-proxmoxer).  "No tests
# collected" (pytest status 5) counts as a failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ] && [ -n "$1" ] && [ "${1#-}" = "$1" ]; then
	REALMGATE_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	shift
fi
: "${REALMGATE_BIN:=$here/../../build/realmgate}"
export REALMGATE_BIN
if [ ! -x "$REALMGATE_BIN" ]; then
	echo "run.sh: no realmgate binary at $REALMGATE_BIN" >&2
	exit 1
fi
cd "$here" || exit 1
PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -q -p no:cacheprovider "$@"
rc=$?
if [ $rc -eq 5 ]; then
	echo "run.sh: pytest collected no tests" >&2
	exit 1
fi
exit $rc
