#!/bin/sh
# Installs the Debian packages realmgate's build, tests and benchmarks need,
# and (as root) the system user the daemon's HTTP front runs as.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -eu

# `realmgate serve` started as root (the integration tests on CI, `make
# demo`) runs its front as "realmgate" and refuses to start without it
[ "$(id -u)" -ne 0 ] || "$(dirname "$0")/install-user.sh"

PKGS="meson ninja-build pkg-config gcc clang libclang-rt-14-dev
libssl-dev openssl libjansson-dev libcrypt-dev libpam0g-dev libcmocka-dev
libcbor-dev
libpam-wrapper pamtester hyperfine python3 time valgrind
libmicrohttpd-dev python3-pytest python3-requests python3-proxmoxer
wrk chromium
libldap-dev slapd ldap-utils
libcurl4-openssl-dev libcjose-dev
etcd-server etcd-client
samba-ad-dc samba-ad-provision samba-dsdb-modules samba-vfs-modules winbind"

# the npm registry's tools (playwright-core): use the machine's node and
# npm when it has them (NodeSource's nodejs bundles npm and conflicts with
# Debian's npm package), else Debian's
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

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
