#!/bin/sh
# Creates the system user "realmgate" that the HTTP front of
# `realmgate serve` runs as when the daemon is started as root without
# --user (it refuses to start without it rather than share "nobody" with
# other daemons).  No home directory, no login shell, a group of its own.
# Idempotent; needs root.  Packagers: contrib/realmgate.sysusers does the
# same through systemd-sysusers.
set -eu
getent passwd realmgate >/dev/null 2>&1 && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-user.sh: run as root to create the system user" \
	    "'realmgate'" >&2
	exit 1
fi
if command -v adduser >/dev/null 2>&1; then
	adduser --system --no-create-home --group --quiet realmgate
else
	useradd --system --no-create-home --user-group \
	    --home-dir /nonexistent --shell /usr/sbin/nologin realmgate
fi
echo "install-user.sh: created the system user 'realmgate'" >&2
