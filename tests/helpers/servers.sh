# shellcheck shell=bash disable=SC2034
# servers.sh: shell functions shared by nginx-store, s3-store and sshd-store
# (sourced, not run). Servers run as background children of the calling
# script, with every descriptor but 0-2 closed (bats waits for whoever holds
# its fd 3) and stdin/stdout/stderr on a log file, so `start` returns at once
# and `stop` ends them later by the PID kept in a file.

HELPERS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# abspath PATH: absolute form of PATH (which need not exist).
abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$PWD" "$1" ;;
	esac
}

# pid_alive PIDFILE NAME: true if the PID in PIDFILE runs a program whose
# command line mentions NAME (a recycled PID is not ours).
pid_alive() {
	local pid
	[ -s "$1" ] || return 1
	pid=$(cat "$1")
	[ -r "/proc/$pid/cmdline" ] || return 1
	grep -qa -- "$2" "/proc/$pid/cmdline" 2>/dev/null || return 1
	! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null
}

# spawn LOG PIDFILE COMMAND...: run COMMAND in the background, its PID in
# PIDFILE.
spawn() {
	local log=$1 pidfile=$2
	shift 2
	(
		for fd in "/proc/$BASHPID/fd/"*; do
			fd=${fd##*/}
			[ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
		done
		exec "$@"
	) </dev/null >>"$log" 2>&1 &
	echo $! >"$pidfile"
}

# stop_pid PIDFILE NAME: SIGTERM the process, wait up to 5 s, then SIGKILL.
# Quiet and successful when it is not running.
stop_pid() {
	local pidfile=$1 name=$2 pid i
	if pid_alive "$pidfile" "$name"; then
		pid=$(cat "$pidfile")
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			pid_alive "$pidfile" "$name" || break
			sleep 0.05
		done
		if pid_alive "$pidfile" "$name"; then
			echo "${0##*/}: $name (pid $pid) ignored SIGTERM, killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$pidfile"
}

# check_path WHAT PATH: refuse characters that the generated configuration
# files cannot carry.
check_path() {
	case $2 in
	*[\"\\\$\;\{\}\'\#]* | *$'\n'* | *' '*) die "$1 must not contain spaces, quotes, \$, ;, #, {, } or \\: $2" ;;
	esac
}
