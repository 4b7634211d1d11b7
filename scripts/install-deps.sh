#!/bin/sh
# Installs the Debian packages realmgate's build, tests and benchmarks need.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -eu

PKGS="meson ninja-build pkg-config gcc clang libclang-rt-14-dev
libssl-dev openssl libjansson-dev libcrypt-dev libpam0g-dev libcmocka-dev
libpam-wrapper pamtester hyperfine python3"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
