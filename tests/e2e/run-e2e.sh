#!/bin/sh
# End-to-end test of the web page in Debian's Chromium.
#   tests/e2e/run-e2e.sh [BIN]
# Installs node modules (npm ci, from package-lock.json) when missing, then
# runs login.spec.mjs.  Never skips: no node, npm, openssl or
# /usr/bin/chromium is a failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ] && [ -n "$1" ]; then
	REALMGATE_BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	export REALMGATE_BIN
fi
for t in node npm openssl; do
	command -v "$t" >/dev/null 2>&1 || { echo "run-e2e.sh: $t not found" >&2; exit 1; }
done
[ -x "${RG_CHROMIUM:-/usr/bin/chromium}" ] || {
	echo "run-e2e.sh: no Chromium at ${RG_CHROMIUM:-/usr/bin/chromium}" >&2; exit 1; }
cd "$here" || exit 1
if [ ! -f node_modules/playwright-core/package.json ] ||
    ! node -e 'const w=require("./package.json").dependencies["playwright-core"];
	const h=require("./node_modules/playwright-core/package.json").version;
	process.exit(w===h?0:1)' 2>/dev/null; then
	# the browser is Debian's; never download one
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --prefer-offline ||
	    { echo "run-e2e.sh: npm ci failed" >&2; exit 1; }
fi
# the OpenID provider the test logs in through (tests/oidc)
if [ ! -f ../oidc/node_modules/oidc-provider/package.json ]; then
	(cd ../oidc && npm ci --no-audit --no-fund --prefer-offline) ||
	    { echo "run-e2e.sh: npm ci in tests/oidc failed" >&2; exit 1; }
fi
exec node login.spec.mjs
