# dockerd.bash: a real Docker daemon (Debian's docker.io) for the tests,
# each on its own data-root, socket, pid file and exec-root, with no
# network of its own (--iptables=false --bridge=none): it touches nothing
# of the machine's, and several can run at once. Loaded by bats files.

# dockerd_start DIR [DOCKERD-OPTION...]: start a daemon whose files live in
# DIR (data-root DIR/root unless an option names another, socket DIR/sock,
# exec-root DIR/exec); sets DOCKER_SOCK and DOCKERD_PID. Fails (never
# skips) when dockerd cannot run here: its log says why.
dockerd_start() {
	local dir=$1 i
	shift
	mkdir -p "$dir"
	if ! command -v dockerd > /dev/null; then
		echo "dockerd is not installed (scripts/bootstrap installs docker.io)" >&2
		return 1
	fi
	local root=(--data-root "$dir/root")
	case " $* " in *" --data-root"*|*" --config-file"*) root=() ;; esac
	DOCKER_SOCK=$dir/sock
	dockerd "${root[@]}" --exec-root "$dir/exec" --pidfile "$dir/pid" \
		-H "unix://$DOCKER_SOCK" --iptables=false --ip6tables=false \
		--bridge=none --ip-masq=false --containerd-namespace "lbt-$$-$RANDOM" \
		"$@" > "$dir/log" 2>&1 3>&- &
	DOCKERD_PID=$!
	for ((i = 0; i < 300; i++)); do
		if curl -sf --unix-socket "$DOCKER_SOCK" http://docker/_ping > /dev/null 2>&1; then
			return 0
		fi
		kill -0 "$DOCKERD_PID" 2> /dev/null || break
		sleep 0.1
	done
	echo "dockerd did not start; its log:" >&2
	tail -n 20 "$dir/log" >&2
	dockerd_stop
	return 1
}

# dockerd_stop: stop the daemon dockerd_start started, and wait for it.
dockerd_stop() {
	[ -n "${DOCKERD_PID:-}" ] || return 0
	kill "$DOCKERD_PID" 2> /dev/null || true
	wait "$DOCKERD_PID" 2> /dev/null || true
	DOCKERD_PID=
}

# dk ARGS...: the docker client against the daemon dockerd_start started.
dk() {
	docker -H "unix://$DOCKER_SOCK" "$@"
}

# dk_volumes: the volumes the daemon lists, one line, sorted.
dk_volumes() {
	dk volume ls -q | sort | tr '\n' ' '
}
