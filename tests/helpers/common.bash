# common.bash: loaded by every bats file. bats-support and bats-assert come
# from Debian's packages; LIFEBOAT is the binary under test.
bats_require_minimum_version 1.5.0
bats_load_library bats-support 2>/dev/null || load /usr/lib/bats/bats-support/load.bash
bats_load_library bats-assert 2>/dev/null || load /usr/lib/bats/bats-assert/load.bash

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
LIFEBOAT=${LIFEBOAT:-$TOP/build/lifeboat}
export LC_ALL=C.UTF-8
# Restores append to a history log: never the machine's own.
export LIFEBOAT_HISTORY=${LIFEBOAT_HISTORY:-$BATS_RUN_TMPDIR/history.jsonl}

# --- shared by the restore and store suites ---

# flip_byte FILE OFFSET: the byte at OFFSET complemented, so that FILE is
# always changed (writing a fixed byte leaves 1 file in 256 as it was).
flip_byte() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	[ -n "$b" ] || { echo "flip_byte: $1 has no byte at $2" >&2; return 1; }
	printf "\\$(printf '%03o' $((b ^ 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

sidecar() {
	(cd "$(dirname "$1")" && sha256sum "$(basename "$1")" > "$(basename "$1").sha256")
}

no_staging() {
	if compgen -G "$1.lifeboat/staging-*" > /dev/null; then
		echo "staging left behind: $(echo "$1".lifeboat/staging-*)" >&2
		return 1
	fi
}

only_lifeboat() {
	local extra
	extra=$(ls -A "$1" 2>/dev/null | grep -vx '.lifeboat' || true)
	if [ -n "$extra" ]; then
		echo "unexpected entries in $1: $extra" >&2
		return 1
	fi
}

next_second() {
	local s
	s=$(date +%s)
	while [ "$(date +%s)" = "$s" ]; do sleep 0.05; done
}

# cutproxy_start NAME ARGS...: a background cutproxy on 127.0.0.1 (stopped
# by teardown); sets CUT_PORT.
cutproxy_start() {
	local name=$1
	shift
	"$HELPERS/cutproxy" --background --listen-port-file "$BATS_TEST_TMPDIR/$name.port" \
		--pid-file "$BATS_TEST_TMPDIR/$name.cutpid" --log "$BATS_TEST_TMPDIR/$name.log" "$@"
	CUT_PORT=$(cat "$BATS_TEST_TMPDIR/$name.port")
}

# probe_carrier: after a probe restore through the cutproxy "probe", print
# the number of the connection that carried the archive (the first with
# more than 1 MB), so that a cut test arms exactly that one; stops the
# probe proxy.
probe_carrier() {
	local i n
	for ((i = 0; i < 100; i++)); do
		n=$(sed -n 's/.* #\([0-9]*\): closed after \([0-9]*\) bytes.*/\1 \2/p' \
			"$BATS_TEST_TMPDIR/probe.log" | awk '$2 > 1000000 { print $1; exit }')
		[ -n "$n" ] && break
		sleep 0.02
	done
	cutproxy_stop probe
	rm -rf "$BATS_TEST_TMPDIR/probe"
	[ -n "$n" ] || { echo "archive_conn: no connection carried the archive" >&2; return 1; }
	echo "$n"
}

cutproxy_stop() {
	kill "$(cat "$BATS_TEST_TMPDIR/$1.cutpid")"
	rm -f "$BATS_TEST_TMPDIR/$1.cutpid"
}

# no_secret WORD: WORD is in neither $output nor $stderr nor any file below
# $DEST.
no_secret() {
	local f
	if [[ "${output-}${stderr-}" == *"$1"* ]]; then
		printf "'%s' shown by lifeboat:\n%s\n%s\n" "$1" "${output-}" "${stderr-}" >&2
		return 1
	fi
	f=$(grep -rl -- "$1" "$DEST" 2> /dev/null || true)
	if [ -n "$f" ]; then
		printf "'%s' written to %s\n" "$1" "$f" >&2
		return 1
	fi
}

# show_last_run: after a failed test, what lifeboat printed last.
show_last_run() {
	[ -n "${BATS_TEST_COMPLETED:-}" ] && return 0
	printf -- '-- last run: exit %s\n-- stdout:\n%s\n-- stderr:\n%s\n' \
		"${status-}" "${output-}" "${stderr-}" >&2
}
