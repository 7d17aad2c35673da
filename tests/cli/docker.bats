#!/usr/bin/env bats
# lifeboat against a real Docker daemon (Debian's docker.io, started by the
# tests on their own data-roots and sockets): what Docker sees of a
# restore, the work area out of its reach, a data-root where Docker was
# started once, and a running daemon found whatever its data-root. Needs
# root. A daemon that cannot start fails the test: nothing is skipped.

setup_file() {
	load ../helpers/common
	load ../helpers/dockerd
	local d=$BATS_FILE_TMPDIR i
	# Two nights of a real host's volumes: made through the Engine API
	# (labels in metadata.db), filled as containers would, archived as
	# the nightly job does with the daemon stopped.
	dockerd_start "$d/src"
	dk volume create --label app=db dockerwarts_mariadb > /dev/null
	dk volume create --label app=web dockerwarts_grafana > /dev/null
	dockerd_stop
	for i in 1 2; do
		mkdir -p "$d/src/root/volumes/dockerwarts_mariadb/_data/mysql"
		echo "night $i" > "$d/src/root/volumes/dockerwarts_mariadb/_data/mysql/ibdata1"
		chown -R 999:999 "$d/src/root/volumes/dockerwarts_mariadb/_data"
		head -c 300000 /dev/urandom > "$d/src/root/volumes/dockerwarts_grafana/_data/grafana.db"
		chown 472:0 "$d/src/root/volumes/dockerwarts_grafana/_data/grafana.db"
		mkdir -p "$d/store$i"
		tar --numeric-owner --xattrs --acls --sparse -C "$d/src/root" -czpf \
			"$d/store$i/dockerwarts-2026-11-2${i}T03-00-00.tar.gz" volumes
		sidecar "$d/store$i/dockerwarts-2026-11-2${i}T03-00-00.tar.gz"
		rm -rf "$d/night$i" && cp -a "$d/src/root/volumes" "$d/night$i"
	done
}

setup() {
	load ../helpers/common
	load ../helpers/dockerd
	STORE1=$BATS_FILE_TMPDIR/store1
	STORE2=$BATS_FILE_TMPDIR/store2
	NIGHT1=$BATS_FILE_TMPDIR/night1
	NIGHT2=$BATS_FILE_TMPDIR/night2
	TREECMP=$TOP/tests/helpers/treecmp
	DK=$BATS_TEST_TMPDIR/dk
}

teardown() {
	dockerd_stop
	[ -z "${SERVER_PID:-}" ] || kill "$SERVER_PID" 2> /dev/null || true
}

@test "a data-root where Docker started once takes a restore without --replace; Docker then lists exactly the restored volumes" {
	# a fresh VPS: Docker started once, before anyone restored
	dockerd_start "$DK"
	dockerd_stop
	[ -f "$DK/root/volumes/metadata.db" ]
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE1" --dest "$DK/root/volumes"
	jq -e '.volumes | map(.name) | sort == ["dockerwarts_grafana","dockerwarts_mariadb","metadata.db"]' <<< "$output"
	# the metadata.db Docker left is set aside, not lost
	id=$(jq -r .restore_id <<< "$output")
	[ -f "$DK/root/volumes.lifeboat/previous-$id/metadata.db" ]
	[ ! -e "$DK/root/volumes/.lifeboat" ]
	run -0 "$TREECMP" diff "$NIGHT1" "$DK/root/volumes" --ignore backingFsBlockDev
	dockerd_start "$DK"
	assert_equal "$(dk_volumes)" "dockerwarts_grafana dockerwarts_mariadb "
	assert_equal "$(dk volume inspect -f '{{.Labels.app}}' dockerwarts_mariadb)" db
}

@test "a metadata.db that describes a volume holding data is still refused without --replace" {
	dockerd_start "$DK"
	dk volume create keep > /dev/null
	dockerd_stop
	echo precious > "$DK/root/volumes/keep/_data/file"
	run -6 --separate-stderr "$LIFEBOAT" restore --store "$STORE1" --dest "$DK/root/volumes"
	[[ "$stderr" == *"'keep'"* && "$stderr" == *"'metadata.db'"* && "$stderr" == *"--replace"* ]]
	# Docker's empty volume left: the metadata.db lists it, and it is vacant
	rm "$DK/root/volumes/keep/_data/file"
	run -0 --separate-stderr "$LIFEBOAT" restore --store "$STORE1" --dest "$DK/root/volumes"
}

@test "the work area is out of Docker's reach: 'docker volume prune' after a --replace leaves rollback possible" {
	dockerd_start "$DK"
	dockerd_stop
	run -0 "$LIFEBOAT" -q restore --store "$STORE1" --dest "$DK/root/volumes"
	run -0 --separate-stderr "$LIFEBOAT" --json restore --replace --store "$STORE2" --dest "$DK/root/volumes"
	id=$(jq -r .restore_id <<< "$output")
	run -0 "$TREECMP" diff "$NIGHT2" "$DK/root/volumes" --ignore backingFsBlockDev
	[ -d "$DK/root/volumes.lifeboat/previous-$id/dockerwarts_mariadb" ]
	dockerd_start "$DK"
	assert_equal "$(dk_volumes)" "dockerwarts_grafana dockerwarts_mariadb "
	dk volume prune -f
	assert_equal "$(dk_volumes)" ""
	dockerd_stop
	# what the --replace set aside survived the prune
	run -0 --separate-stderr "$LIFEBOAT" rollback --dest "$DK/root/volumes"
	[[ "$output" == *"rolled back restore $id"* ]]
	run -0 "$TREECMP" diff "$NIGHT1" "$DK/root/volumes" --ignore backingFsBlockDev
	dockerd_start "$DK"
	assert_equal "$(dk_volumes)" "dockerwarts_grafana dockerwarts_mariadb "
}

@test "a work area left in DEST/.lifeboat by an older lifeboat is moved beside DEST, and rollback still works" {
	run -0 --separate-stderr "$LIFEBOAT" --json restore --store "$STORE1" --dest "$DK/root/volumes"
	id=$(jq -r .restore_id <<< "$output")
	mv "$DK/root/volumes.lifeboat" "$DK/root/volumes/.lifeboat"
	run -0 --separate-stderr "$LIFEBOAT" rollback --dest "$DK/root/volumes"
	[[ "$stderr" == *"moved lifeboat's work area from '$DK/root/volumes/.lifeboat' to '$DK/root/volumes.lifeboat'"* ]]
	[ ! -e "$DK/root/volumes/.lifeboat" ]
	[ -d "$DK/root/volumes.lifeboat/rolledback-$id/dockerwarts_mariadb" ]
	assert_equal "$(ls -A "$DK/root/volumes")" ""
}

@test "a running dockerd with another --data-root refuses the restore (exit 6); --ignore-running-docker restores" {
	dockerd_start "$DK" --data-root "$DK/elsewhere"
	run -6 --separate-stderr "$LIFEBOAT" restore --replace --store "$STORE1" --dest "$DK/elsewhere/volumes"
	[[ "$stderr" == *"dockerd (pid $DOCKERD_PID) keeps its data in '$DK/elsewhere'"* ]]
	[[ "$stderr" == *"--ignore-running-docker"* ]]
	[ ! -e "$DK/elsewhere/volumes/dockerwarts_mariadb" ]
	# through a symlink to the same place: the same daemon
	ln -s "$DK/elsewhere" "$DK/link"
	run -6 --separate-stderr "$LIFEBOAT" restore --replace --store "$STORE1" --dest "$DK/link/volumes"
	# a directory that is not the daemon's: no refusal
	run -0 --separate-stderr "$LIFEBOAT" restore --store "$STORE1" --dest "$DK/other/volumes"
	run -0 --separate-stderr "$LIFEBOAT" restore --replace --ignore-running-docker \
		--store "$STORE1" --dest "$DK/elsewhere/volumes"
	[[ "$stderr" == *"warning: Docker is running on the target"* ]]
}

@test "a running dockerd whose data-root is set in its --config-file refuses the restore" {
	mkdir -p "$DK"
	printf '{ "data-root": "%s" }\n' "$DK/fromconfig" > "$DK/daemon.json"
	dockerd_start "$DK" --config-file "$DK/daemon.json"
	[ -d "$DK/fromconfig/volumes" ]
	run -6 --separate-stderr "$LIFEBOAT" restore --replace --store "$STORE1" --dest "$DK/fromconfig/volumes"
	[[ "$stderr" == *"keeps its data in '$DK/fromconfig'"* ]]
}

@test "a daemon found by its socket's answer (GET /info DockerRootDir) refuses the restore" {
	# an Engine API that only answers: a daemon in another mount
	# namespace, or a rootless one, shows no dockerd process to look at
	mkdir -p "$DK/api-root/volumes"
	python3 - "$DK/api.sock" "$DK/api-root" 3>&- <<'PY' &
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(8)
for _ in range(16):
    c, _ = s.accept()
    try:
        req = c.recv(65536).decode()
        if not req:
            continue
        body = json.dumps({"DockerRootDir": sys.argv[2]}) if req.startswith("GET /info ") else "{}"
        c.sendall(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                   "Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)).encode())
    except OSError:
        pass
    finally:
        c.close()
PY
	SERVER_PID=$!
	for ((i = 0; i < 100; i++)); do [ -S "$DK/api.sock" ] && break; sleep 0.1; done
	DOCKER_HOST=unix://$DK/api.sock run -6 --separate-stderr "$LIFEBOAT" restore --replace \
		--store "$STORE1" --dest "$DK/api-root/volumes"
	[[ "$stderr" == *"the daemon at '$DK/api.sock' keeps its data in '$DK/api-root'"* ]]
	DOCKER_HOST=unix://$DK/api.sock run -0 --separate-stderr "$LIFEBOAT" restore \
		--store "$STORE1" --dest "$DK/not-its/volumes"
	kill "$SERVER_PID" 2> /dev/null || true
}
