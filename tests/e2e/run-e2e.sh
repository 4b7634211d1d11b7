#!/bin/sh
# End-to-end test of the web page in Debian's Chromium.
#   tests/e2e/run-e2e.sh [BIN]
# Installs node modules (npm ci, from package-lock.json) when missing, then
# runs qr.spec.mjs (the page's QR encoder), login.spec.mjs and tfa.spec.mjs
# (the Two-factor page), all of them even when one fails.  Never skips: no
# node, npm, openssl or /usr/bin/chromium is a failure.
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
if ! node -e 'const d=require("./package.json").dependencies;
	for (const m of Object.keys(d))
		if (require("./node_modules/" + m + "/package.json").version !== d[m])
			process.exit(1)' 2>/dev/null; then
	# the browser is Debian's; never download one
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --prefer-offline ||
	    { echo "run-e2e.sh: npm ci failed" >&2; exit 1; }
fi
# the OpenID provider the test logs in through (tests/oidc)
if [ ! -f ../oidc/node_modules/oidc-provider/package.json ]; then
	(cd ../oidc && npm ci --no-audit --no-fund --prefer-offline) ||
	    { echo "run-e2e.sh: npm ci in tests/oidc failed" >&2; exit 1; }
fi
passed=0 failed=0
for spec in qr.spec.mjs login.spec.mjs tfa.spec.mjs; do
	if node "$spec"; then
		passed=$((passed + 1))
	else
		echo "run-e2e.sh: $spec FAILED" >&2
		failed=$((failed + 1))
	fi
done
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
