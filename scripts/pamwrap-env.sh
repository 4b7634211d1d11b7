#!/bin/sh
# pamwrap-env.sh [--print] [CMD [ARGS...]]
#
# A private PAM world for tests, so nothing touches /etc/pam.d or the
# machine's users: pam_wrapper (LD_PRELOAD) makes libpam read services from
# a temp directory, and pam_matrix checks passwords against a text passdb.
#
# Services written to $PAMWRAP_DIR/services:
#   rg-test    pam_matrix for auth and account, passdb:
#                alice:secret (allowed), bob:bobpw (allowed),
#                carol:carolpw (allowed only for service "othersvc")
#   rg-permit  pam_permit: accepts any password
#   rg-hang    auth runs "sleep 3" through pam_exec (timeout tests)
#   other      pam_deny (what any unknown service falls back to)
#
# With CMD: run it with LD_PRELOAD, PAM_WRAPPER=1, PAM_WRAPPER_SERVICE_DIR,
# PAMWRAP_DIR and PAMWRAP_SERVICE=rg-test set, remove the directory and
# exit with its status.  With --print: create the directory, print the
# export lines for a shell and keep the directory.
#
# Env in: PAMWRAP_PRELOAD (default libpam_wrapper.so; an ASan build needs
# "<libasan.so>:libpam_wrapper.so" and PAM_WRAPPER_DISABLE_DEEPBIND=1),
# PAMWRAP_MODULE_DIR (where pam_matrix.so lives, found if unset).
# A missing pam_wrapper is an error (exit 1), never a skip.
set -eu

print=0
if [ "${1:-}" = "--print" ]; then
	print=1
	shift
fi

find_file() {
	name=$1
	shift
	for d in "$@"; do
		if [ -n "$d" ] && [ -f "$d/$name" ]; then
			echo "$d/$name"
			return 0
		fi
	done
	return 1
}

arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null ||
	gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

matrix=$(find_file pam_matrix.so "${PAMWRAP_MODULE_DIR:-}" \
	"/usr/lib/$arch/pam_wrapper" /usr/lib64/pam_wrapper \
	/usr/lib/pam_wrapper) || {
	echo "pamwrap-env: pam_matrix.so not found;" \
		"install libpam-wrapper (apt-get install libpam-wrapper)" >&2
	exit 1
}
find_file "libpam_wrapper.so" "/usr/lib/$arch" /usr/lib64 /usr/lib \
	>/dev/null || {
	echo "pamwrap-env: libpam_wrapper.so not found;" \
		"install libpam-wrapper" >&2
	exit 1
}
permit=$(find_file pam_permit.so "/usr/lib/$arch/security" \
	"/lib/$arch/security" /usr/lib64/security /usr/lib/security) || {
	echo "pamwrap-env: pam_permit.so not found" >&2
	exit 1
}
secdir=$(dirname "$permit")

T=$(mktemp -d "${TMPDIR:-/tmp}/rg-pamwrap.XXXXXX")
mkdir "$T/services"
umask 077
cat >"$T/passdb" <<EOF
alice:secret:rg-test
bob:bobpw:rg-test
carol:carolpw:othersvc
EOF
for k in auth account password session; do
	echo "$k required $matrix passdb=$T/passdb"
done >"$T/services/rg-test"
for k in auth account password session; do
	echo "$k required $secdir/pam_permit.so"
done >"$T/services/rg-permit"
{
	echo "auth required $secdir/pam_exec.so quiet /bin/sleep 3"
	echo "account required $secdir/pam_permit.so"
} >"$T/services/rg-hang"
for k in auth account password session; do
	echo "$k required $secdir/pam_deny.so"
done >"$T/services/other"

preload=${PAMWRAP_PRELOAD:-libpam_wrapper.so}

if [ "$print" = 1 ]; then
	echo "export LD_PRELOAD='$preload' PAM_WRAPPER=1" \
		"PAM_WRAPPER_SERVICE_DIR='$T/services' PAMWRAP_DIR='$T'" \
		"PAMWRAP_SERVICE=rg-test"
	exit 0
fi

trap 'rm -rf "$T"' EXIT
rc=0
LD_PRELOAD=$preload PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/services" \
	PAMWRAP_DIR="$T" PAMWRAP_SERVICE=rg-test "$@" || rc=$?
exit "$rc"
