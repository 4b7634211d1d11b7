# proc.sh -- process helpers sourced by slapd.sh and samba-ad.sh (POSIX sh).
#
# Why: the servers are started in the background by a script that exits at
# once, so they end up as orphans; whoever reaps orphans here may be slow or
# absent, and a zombie still answers `kill -0`.  Treat a zombie as gone, so
# stop/kill return as soon as the process is really dead.

# pid_alive PID: true if PID runs (and is not a zombie)
pid_alive() {
	[ -n "${1:-}" ] || return 1
	kill -0 "$1" 2>/dev/null || return 1
	# field 3 of /proc/PID/stat is the state; the command (field 2) may hold
	# spaces, so cut after the last ')'
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
	[ "$st" != Z ] && [ -n "$st" ]
}

# pid_logs_to PID FILE: true if PID's standard output is FILE.  Both servers
# are started with stdout on a log file inside their directory, so this tells
# our server from an unrelated process that got a stale pid (the command line
# is no help: samba rewrites its process title).
pid_logs_to() {
	[ "$(readlink "/proc/$1/fd/1" 2>/dev/null)" = "$2" ]
}

# stop_pidfile FILE SIG SECONDS LOG: send SIG to the pid in FILE if its
# stdout is LOG, wait for it to die (SIGKILL once SECONDS have
# passed), remove FILE.  No such process: nothing to do.
stop_pidfile() {
	_pid=$(cat "$1" 2>/dev/null || true)
	if [ -z "$_pid" ] || ! pid_alive "$_pid" || ! pid_logs_to "$_pid" "$4"; then
		rm -f "$1"
		return 0
	fi
	kill -"$2" "$_pid" 2>/dev/null || true
	_i=0
	while pid_alive "$_pid"; do
		_i=$((_i + 1))
		if [ $_i -eq $(($3 * 20)) ]; then
			kill -9 "$_pid" 2>/dev/null || true
		fi
		if [ $_i -gt $(($3 * 40)) ]; then
			echo "process $_pid does not die" >&2
			return 1
		fi
		sleep 0.05
	done
	rm -f "$1"
}
