#!/usr/bin/env bats
# lifeboat handoff against real processes on 127.0.0.1: an OpenSSH sshd
# stands in for the rescued host (lifeboat runs there through ssh), the
# backups are on s3rver behind the SigV4-verifying proxy, and fake
# terraform and ansible-playbook first on PATH record their argv, cwd and
# TF_VAR_* (values hashed) and fail on demand. Checked: the order of the
# steps, the credentials pushed through stdin only (never in argv, a
# process list, a file or the output), the inventory update, --dry-run,
# --from, a failing step, the history line and the RTO/RPO summary; the
# paths of [handoff] taken from the config's directory, and a real
# ansible-playbook run against the sshd through the updated inventory.
# Needs root (mktree, owners, xattrs; sshd).

NAME=backup-2026-11-20T03-00-00.tar.gz
BUCKET=handoff
KEY=S3RVER

pack() {
	tar --xattrs --xattrs-include='*' --acls --sparse --numeric-owner \
		-C "$1" -czpf "$2" .
}

setup_file() {
	load ../helpers/common
	local d=$BATS_FILE_TMPDIR h=$TOP/tests/helpers
	mkdir -p "$d/up/nightly" "$d/empty"
	"$h/mktree" "$d/src" --profile demo
	pack "$d/src" "$d/up/nightly/$NAME"
	sidecar "$d/up/nightly/$NAME"
	# the same backup age-encrypted to an ssh-ed25519 key, in sealed/
	mkdir -p "$d/keys" "$d/up/sealed"
	ssh-keygen -q -t ed25519 -N '' -C handoff-age -f "$d/keys/id_ed25519"
	age-keygen -o "$d/keys/other.txt" 2> /dev/null
	age -R "$d/keys/id_ed25519.pub" -o "$d/up/sealed/$NAME.age" \
		"$d/up/nightly/$NAME"
	sidecar "$d/up/sealed/$NAME.age"
	"$h/s3-store" start "$d/s3"
	"$h/s3-store" upload "$d/s3" "$BUCKET" "$d/up"
	"$h/sshd-store" start "$d/ssh" "$d/empty"
}

teardown_file() {
	load ../helpers/common
	"$TOP/tests/helpers/sshd-store" stop "$BATS_FILE_TMPDIR/ssh"
	"$TOP/tests/helpers/s3-store" stop "$BATS_FILE_TMPDIR/s3"
}

setup() {
	load ../helpers/common
	. "$BATS_FILE_TMPDIR/s3/ports.env"
	. "$BATS_FILE_TMPDIR/ssh/ports.env"
	SSH=$BATS_FILE_TMPDIR/ssh
	SRC=$BATS_FILE_TMPDIR/src
	T=$BATS_TEST_TMPDIR
	CONF=$T/lifeboat.conf
	export FAKE_LOG=$T/fake.log
	export LIFEBOAT_HISTORY=$T/history.jsonl
	TF_SECRET=tf-secret-$RANDOM$RANDOM
	mkdir -p "$T/bin" "$T/infra/terraform" "$T/infra/ansible"
	# the inventory Ansible reads: a hand-off updates it, never makes it
	: > "$T/infra/ansible/inventory.ini"
	for f in terraform ansible-playbook; do
		cat > "$T/bin/$f" <<-'EOF'
			#!/bin/sh
			# a fake: records what it was given, fails when FAKE_FAIL names it
			name=${0##*/}
			{
				printf '%s argv:' "$name"
				for a in "$@"; do printf ' [%s]' "$a"; done
				printf '\n%s cwd: %s\n' "$name" "$(pwd)"
				printf '%s aws: %s\n' "$name" "${AWS_SECRET_ACCESS_KEY:+set}"
				env | grep '^TF_VAR_' | sort | while IFS='=' read -r k v; do
					if [ "$k" = TF_VAR_vps_ipv4 ]; then
						printf '%s env: %s=%s\n' "$name" "$k" "$v"
					else
						printf '%s env: %s sha256=%s\n' "$name" "$k" "$(printf %s "$v" | sha256sum | cut -c1-16)"
					fi
				done
			} >> "$FAKE_LOG"
			echo "$name: working"
			if [ "${FAKE_FAIL:-}" = "$name" ]; then
				echo "$name: Error: the provider said no" >&2
				exit 1
			fi
		EOF
		chmod +x "$T/bin/$f"
	done
	# the remote lifeboat, slowed down so that a process list taken while
	# it runs cannot miss it
	printf '#!/bin/sh\nsleep 1\nexec %s "$@"\n' "$LIFEBOAT" > "$T/bin/remote-lifeboat"
	chmod +x "$T/bin/remote-lifeboat"
	cat > "$CONF" <<-EOF
		[store "offsite"]
		url = s3://$BUCKET/nightly/
		endpoint = $S3_ENDPOINT
		region = us-east-1
		path_style = yes

		[plan]
		rto = 2h
		rpo = 3650d

		[handoff]
		ssh = ssh -F /dev/null
		ssh_port = $SSH_PORT
		ssh_user = $SSH_USER
		identity_file = $SSH/id_ecdsa
		known_hosts = $SSH/known_hosts
		ssh_wait = 20s
		steps = wait-ssh restore inventory terraform ansible check
		remote_lifeboat = $T/bin/remote-lifeboat
		restore_args = --dest $T/remote-dest
		inventory = $T/infra/ansible/inventory.ini
		inventory_host = vps ansible_host={host} ansible_user=debian
		terraform_dir = $T/infra
		tf_vars = dns_token
		ansible_dir = $T/infra
		state_dir = $T/state
		remote_history = $T/host/var/lib/lifeboat/history.jsonl

		[check "ssh-port"]
		tcp = 127.0.0.1:$SSH_PORT
		within = 10s
	EOF
	export PATH=$T/bin:$PATH
	export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$KEY TF_VAR_dns_token=$TF_SECRET
	unset AWS_SESSION_TOKEN FAKE_FAIL
}

teardown() {
	show_last_run
}

# not_leaked WORD FILE...: WORD is in neither the output nor the files
not_leaked() {
	local w=$1 f
	shift
	[[ "${output}${stderr-}" != *"$w"* ]] || { echo "'$w' printed" >&2; return 1; }
	for f in "$@"; do
		[ -e "$f" ] || continue
		if grep -rlF -- "$w" "$f"; then
			echo "'$w' written to $f" >&2
			return 1
		fi
	done
}

@test "the whole hand-off: steps in order, restore on the host with credentials through stdin only, inventory, terraform, ansible, checks, history" {
	local ps=$T/ps.log
	( while :; do ps -eo args >> "$ps"; sleep 0.1; done ) 3>&- &
	local watcher=$!
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	kill "$watcher"
	local out=$output err=$stderr
	# the steps ran in order, each with its prefix
	assert_equal "$(grep -o '^\[[a-z-]*\] ok' <<< "$err" | tr -d '[]' | cut -d' ' -f1 | tr '\n' ' ')" \
		"wait-ssh restore inventory terraform ansible check "
	# the restore ran on the host and put the volumes in place, bit-exact
	run -0 "$TOP/tests/helpers/treecmp" diff "$SRC" "$T/remote-dest" --ignore '.lifeboat*'
	jq -e '.result == "ok" and .archive.name == "'"$NAME"'"' "$T/state/restore-report.json"
	# its argv held no secret, and it did run while the list was taken
	grep -q 'remote-lifeboat -c - --json restore --dest' "$ps"
	if grep -F "$KEY" "$ps" | grep -v -e 's3rver' -e 'node'; then
		fail "the key is in the process list"
	fi
	if grep -F "$TF_SECRET" "$ps"; then fail "the TF secret is in the process list"; fi
	# the fakes: order, argv, cwd, environment
	assert_equal "$(grep -o '^[a-z-]* argv: .*' "$FAKE_LOG")" \
"terraform argv: [-chdir=terraform] [apply] [-auto-approve]
ansible-playbook argv: [-i] [ansible/inventory.ini] [ansible/site.yml]"
	grep -qx "terraform cwd: $T/infra" "$FAKE_LOG"
	grep -qx "ansible-playbook cwd: $T/infra" "$FAKE_LOG"
	grep -qx 'terraform env: TF_VAR_vps_ipv4=127.0.0.1' "$FAKE_LOG"
	grep -qx "terraform env: TF_VAR_dns_token sha256=$(printf %s "$TF_SECRET" | sha256sum | cut -c1-16)" "$FAKE_LOG"
	if grep 'ansible-playbook env: TF_VAR_vps_ipv4' "$FAKE_LOG"; then
		fail "ansible got terraform's variables"
	fi
	# the inventory
	assert_equal "$(cat "$T/infra/ansible/inventory.ini")" \
"[docker_hosts]
vps ansible_host=127.0.0.1 ansible_user=debian"
	# the summary and the history line
	output=$out stderr=$err
	[[ "$output" == *"service back after "*"(RTO 2 h: met); data from "*"(RPO 3650 d: met)"* ]]
	[[ "$output" == *"transfer "* && "$output" == *"terraform "* ]]
	jq -e '.kind == "handoff" and .result == "ok" and .host == "127.0.0.1" and .archive == "'"$NAME"'" and .rto_met == true and .rpo_met == true' "$LIFEBOAT_HISTORY"
	jq -e '.phases | has("wait-ssh") and has("select") and has("transfer") and has("commit") and has("inventory") and has("terraform") and has("ansible") and has("check") and (has("checks") | not)' "$LIFEBOAT_HISTORY"
	# the same line on the host, through ssh
	[[ "$err" == *"[history] appended to 127.0.0.1:$T/host/var/lib/lifeboat/history.jsonl"* ]]
	assert_equal "$(cat "$T/host/var/lib/lifeboat/history.jsonl")" "$(cat "$LIFEBOAT_HISTORY")"
	# no secret anywhere
	not_leaked "$KEY" "$T/state" "$LIFEBOAT_HISTORY" "$T/remote-dest" "$T/infra"
	not_leaked "$TF_SECRET" "$T/state" "$LIFEBOAT_HISTORY" "$T/remote-dest" "$T/infra" "$FAKE_LOG"
	# and nothing was left on the host's side: no config file, no temp
	# (other bats runs' own test files are theirs, not the host's)
	if grep -rlF "$KEY" /tmp --include='*lifeboat*' \
		--exclude-dir='bats-run-*' 2> /dev/null; then
		fail "the key was left in a file"
	fi
}

@test "without pushed credentials the remote restore cannot read S3: its exit status is the hand-off's" {
	sed -i 's/^steps = .*/steps = wait-ssh restore inventory/' "$CONF"
	sed -i 's/^\[handoff\]$/[handoff]\npush_env = AWS_SESSION_TOKEN/' "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[[ "$stderr" == *"[restore] running "*"(config and no variables through stdin)"* ]]
	[[ "$stderr" == *"[restore] the restore on 127.0.0.1 failed (exit 2): store 'offsite': no S3 credentials"* ]]
	[[ "$stderr" == *"--from restore"* ]]
	[ ! -s "$T/infra/ansible/inventory.ini" ]
	jq -e '.result == "failed" and .failed_step == "restore"' "$LIFEBOAT_HISTORY"
	# the remote report was kept all the same
	jq -e '.result == "failed"' "$T/state/restore-report.json"
}

@test "--dry-run prints every step's commands and environment, hides values, runs nothing" {
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1 --dry-run
	[[ "$stderr" == *"[wait-ssh] would wait up to 20s for: ssh -F /dev/null -o BatchMode=yes"*" -l $SSH_USER 127.0.0.1 -- true"* ]]
	[[ "$stderr" == *"[restore] would run: "*"remote-lifeboat -c - --json restore --dest $T/remote-dest"* ]]
	[[ "$stderr" == *"[restore] stdin: $CONF, then [env] with AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY"* ]]
	[[ "$stderr" == *"[inventory] would write to $T/infra/ansible/inventory.ini: [docker_hosts] vps ansible_host=127.0.0.1 ansible_user=debian"* ]]
	[[ "$stderr" == *"[terraform] would run: terraform -chdir=terraform apply -auto-approve  (in $T/infra; TF_VAR_vps_ipv4=127.0.0.1 TF_VAR_dns_token=***)"* ]]
	[[ "$stderr" == *"[ansible] would run: ansible-playbook -i ansible/inventory.ini ansible/site.yml  (in $T/infra)"* ]]
	[[ "$stderr" == *"[check] would check 'ssh-port' (127.0.0.1:$SSH_PORT) on the host, over ssh"* ]]
	[[ "$stderr" == *"[history] would append the hand-off's line to 127.0.0.1:$T/host/var/lib/lifeboat/history.jsonl"* ]]
	not_leaked "$TF_SECRET"
	not_leaked "$KEY"
	[ ! -e "$FAKE_LOG" ]
	[ ! -e "$T/state" ]
	[ ! -s "$T/infra/ansible/inventory.ini" ]
	[ ! -e "$LIFEBOAT_HISTORY" ]
	[ ! -e "$T/host" ]
}

@test "a failing step stops the run with exit 8; --from resumes there, keeping the clock and the earlier phases" {
	local first
	sed -i 's/^steps = .*/steps = wait-ssh inventory terraform ansible check/' "$CONF"
	FAKE_FAIL=terraform run -8 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[[ "$stderr" == *"[terraform] terraform: Error: the provider said no"* ]]
	[[ "$stderr" == *"[terraform] 'terraform' failed (exit 1): terraform: Error: the provider said no"* ]]
	[[ "$stderr" == *"lifeboat handoff --host 127.0.0.1 --from terraform"* ]]
	[[ "$output" == *"handoff failed after "*" at terraform"* ]]
	if grep '^ansible-playbook' "$FAKE_LOG"; then fail "ansible ran after terraform failed"; fi
	jq -e '.result == "failed" and .failed_step == "terraform"' "$LIFEBOAT_HISTORY"
	first=$(jq -r .started "$LIFEBOAT_HISTORY")
	: > "$FAKE_LOG"
	sleep 1
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1 --from terraform
	[[ "$stderr" == *"resuming hand-off"*"at 'terraform'"* ]]
	[[ "$stderr" != *"[wait-ssh]"* ]]
	[[ "$stderr" != *"[inventory]"* ]]
	assert_equal "$(grep -c ' argv: ' "$FAKE_LOG")" 2
	assert_equal "$(tail -1 "$LIFEBOAT_HISTORY" | jq -r .started)" "$first"
	tail -1 "$LIFEBOAT_HISTORY" | jq -e '.result == "ok" and (.phases | has("wait-ssh") and has("inventory") and has("terraform"))'
}

@test "a failing check stops the hand-off with exit 7" {
	local closed
	closed=$("$TOP/tests/helpers/ports" free 1)
	sed -i 's/^steps = .*/steps = check/' "$CONF"
	sed -i "s/^tcp = .*/tcp = 127.0.0.1:$closed/; s/^within = .*/within = 0/" "$CONF"
	run -7 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[[ "$stderr" == *"[check] lifeboat: check 'ssh-port' failed: connection refused"* ]]
	[[ "$stderr" == *"[check] checks on 127.0.0.1 failed (exit 7)"* ]]
	jq -e '.failed_step == "check"' "$LIFEBOAT_HISTORY"
}

@test "checks of other hosts run on this machine, without ssh" {
	sed -i 's/^steps = .*/steps = check/' "$CONF"
	# a port of this machine named by a name that is not loopback's: an
	# unreachable ssh proves the check did not go through it
	sed -i "s/^ssh_port = .*/ssh_port = $("$TOP/tests/helpers/ports" free 1)/" "$CONF"
	printf '[check "cmd"]\ncommand = true\n' >> "$CONF"
	sed -i '/^\[check "ssh-port"\]/,/^within/d' "$CONF"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[[ "$stderr" == *"[check] on this machine: 1 check"* ]]
	[[ "$output" == *"cmd "*"pass"* ]]
}

@test "the inventory update keeps the rest of an existing file byte for byte" {
	local inv=$T/infra/ansible/inventory.ini
	sed -i 's/^steps = .*/steps = inventory/' "$CONF"
	printf '# managed by hand, mostly\r\n[monitoring]\nmon1 ansible_host=10.9.8.7\n\n[docker_hosts]\n# the VPS\nvps ansible_host=198.51.100.4 ansible_user=debian\nspare ansible_host=198.51.100.9\n\n[docker_hosts:vars]\nansible_python_interpreter=/usr/bin/python3\n' > "$inv"
	chmod 0640 "$inv"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	assert_equal "$(od -c "$inv")" "$(printf '# managed by hand, mostly\r\n[monitoring]\nmon1 ansible_host=10.9.8.7\n\n[docker_hosts]\n# the VPS\nvps ansible_host=127.0.0.1 ansible_user=debian\nspare ansible_host=198.51.100.9\n\n[docker_hosts:vars]\nansible_python_interpreter=/usr/bin/python3\n' | od -c)"
	assert_equal "$(stat -c %a "$inv")" 640
	# a second run changes nothing
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[[ "$stderr" == *"(already so)"* ]]
	# a file without the group gets it at its end
	printf '[other]\nhost1\n' > "$inv"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	assert_equal "$(cat "$inv")" "$(printf '[other]\nhost1\n\n[docker_hosts]\nvps ansible_host=127.0.0.1 ansible_user=debian')"
}

@test "wait-ssh gives up at ssh_wait with exit 8 and ssh's reason" {
	sed -i "s/^ssh_port = .*/ssh_port = $("$TOP/tests/helpers/ports" free 1)/; s/^ssh_wait = .*/ssh_wait = 3s/" "$CONF"
	run -8 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[[ "$stderr" == *"[wait-ssh] no ssh to $SSH_USER@127.0.0.1 after "*"Connection refused"* ]]
	[ ! -e "$FAKE_LOG" ]
}

@test "reboot: the host goes down and comes back before the hand-off goes on" {
	# the fake reboot restarts the test sshd on the same port
	cat > "$T/bin/fake-reboot" <<-EOF
		#!/bin/sh
		setsid sh -c 'sleep 0.5; kill \$(cat $SSH/sshd.pid); sleep 8; /usr/sbin/sshd -D -f $SSH/sshd_config -E $SSH/sshd.log & echo \$! > $SSH/sshd.pid' < /dev/null > /dev/null 2>&1 &
		echo "rebooting"
	EOF
	chmod +x "$T/bin/fake-reboot"
	sed -i 's/^steps = .*/steps = wait-ssh reboot inventory/' "$CONF"
	printf 'reboot_command = %s\nreboot_wait = 60s\n' "$T/bin/fake-reboot" > "$T/extra"
	sed -i "/^\[handoff\]/r $T/extra" "$CONF"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[[ "$stderr" == *"[reboot] 127.0.0.1 went down after"* ]]
	[[ "$stderr" == *"[reboot] "*"answers after"* ]]
	[[ "$stderr" == *"[inventory] ok"* ]]
	jq -e '.phases | has("reboot")' "$LIFEBOAT_HISTORY"
}

@test "usage errors: no host, an unknown step, --from a step not configured: exit 2" {
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff
	[[ "$stderr" == *"no host: give --host ADDR"* ]]
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1 --from reboot
	[[ "$stderr" == *"--from: 'reboot' is not one of the steps"* ]]
	sed -i 's/^steps = .*/steps = wait-ssh dance/' "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[[ "$stderr" == *"unknown step 'dance'"* ]]
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host '-oProxyCommand=x'
	[[ "$stderr" == *"is not a host name or address"* ]]
	[ ! -e "$FAKE_LOG" ]
}

@test "credentials in the config's [env] are pushed to the host, the operator's environment wins, and terraform and ansible never see them" {
	local out
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	sed -i 's/^steps = .*/steps = restore terraform ansible/' "$CONF"
	printf '[env]\nAWS_ACCESS_KEY_ID = %s\nAWS_SECRET_ACCESS_KEY = %s\n' "$KEY" "$KEY" >> "$CONF"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[[ "$stderr" == *"(config and AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY through stdin)"* ]]
	run -0 "$TOP/tests/helpers/treecmp" diff "$SRC" "$T/remote-dest" --ignore '.lifeboat*'
	assert_equal "$(grep ' aws: ' "$FAKE_LOG")" "terraform aws: 
ansible-playbook aws: "
	# a wrong secret in the config loses to the operator's right one
	rm -rf "$T/remote-dest"
	sed -i "s/^AWS_SECRET_ACCESS_KEY = .*/AWS_SECRET_ACCESS_KEY = not-the-secret/" "$CONF"
	AWS_SECRET_ACCESS_KEY=$KEY run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	run -0 "$TOP/tests/helpers/treecmp" diff "$SRC" "$T/remote-dest" --ignore '.lifeboat*'
	# and alone it is what the host gets: S3 refuses it
	rm -rf "$T/remote-dest"
	run --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"[restore] the restore on 127.0.0.1 failed"* ]]
}

@test "the host's checks get a config of those checks alone: no store, no [env], no credential" {
	printf '#!/bin/sh\ntee %s/pushed.conf | exec %s "$@"\n' "$T" "$LIFEBOAT" > "$T/bin/remote-lifeboat"
	sed -i 's/^steps = .*/steps = check/' "$CONF"
	printf '[env]\nAWS_SECRET_ACCESS_KEY = %s\n' "$KEY" >> "$CONF"
	printf '[check "here"]\ncommand = true\npriority = p1\n' >> "$CONF"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" --json handoff --host 127.0.0.1
	# one JSON document on stdout: the history record
	assert_equal "$(jq -s length <<< "$output")" 1
	jq -e '.kind == "handoff" and .result == "ok" and (.phases | has("check"))' <<< "$output"
	grep -q '^\[check "ssh-port"\]$' "$T/pushed.conf"
	grep -q "^tcp = 127.0.0.1:$SSH_PORT\$" "$T/pushed.conf"
	if grep -e '\[env\]' -e '\[store' -e '\[handoff' -e '"here"' -e "$KEY" "$T/pushed.conf"; then
		fail "the host got more than its checks"
	fi
	# p1 (here, local) ran before the host's unnumbered check
	[[ "$stderr" == *"on this machine: 1 check"*"on 127.0.0.1 (they name it)"* ]]
}

@test "a zero exit without a committed restore's report does not count: exit 8" {
	printf '#!/bin/sh\ncat > /dev/null\necho "{}"\n' > "$T/bin/remote-lifeboat"
	sed -i 's/^steps = .*/steps = restore inventory/' "$CONF"
	run -8 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[[ "$stderr" == *"[restore] the restore on 127.0.0.1 did not report a committed restore"* ]]
	[ ! -s "$T/infra/ansible/inventory.ini" ]
	sed -i 's|^restore_args = .*|restore_args = --dry-run --dest '"$T"'/remote-dest|' "$CONF"
	printf '#!/bin/sh\nexec %s "$@"\n' "$LIFEBOAT" > "$T/bin/remote-lifeboat"
	run -8 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[[ "$stderr" == *"did not report a committed restore (result ok, not a dry run)"* ]]
}

@test "--from takes nothing from another host's hand-off; --dry-run exits as the run would" {
	local first
	sed -i 's/^steps = .*/steps = inventory terraform ansible/' "$CONF"
	FAKE_FAIL=terraform run -8 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	first=$(jq -r .started "$LIFEBOAT_HISTORY")
	sleep 1.1
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host localhost --from terraform
	[[ "$stderr" == *"no earlier hand-off to localhost"* ]]
	tail -1 "$LIFEBOAT_HISTORY" | jq -e --arg f "$first" '.started != $f and (.phases | has("inventory") | not)'
	sed -i 's/^tf_vars = .*/tf_vars = not_set_anywhere/' "$CONF"
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1 --dry-run
	[[ "$stderr" == *"TF_VAR_not_set_anywhere is neither in the environment nor in tf_var_file"* ]]
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1 --since @
	[[ "$stderr" == *"--since: '@' is not a past time"* ]]
}

@test "tf_var_file: NAME=VALUE lines as env files have them" {
	unset TF_VAR_dns_token
	sed -i 's/^steps = .*/steps = terraform/' "$CONF"
	printf '# secrets\nexport TF_VAR_dns_token = "%s"\nother=1\n' "$TF_SECRET" > "$T/tf.env"
	sed -i "s|^tf_vars = .*|tf_vars = dns_token\ntf_var_file = $T/tf.env|" "$CONF"
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	grep -qx "terraform env: TF_VAR_dns_token sha256=$(printf %s "$TF_SECRET" | sha256sum | cut -c1-16)" "$FAKE_LOG"
	not_leaked "$TF_SECRET" "$T/state" "$LIFEBOAT_HISTORY"
}

# relconf DIR: a config in DIR whose [handoff] paths are all relative
relconf() {
	local d=$1
	mkdir -p "$d/infra/ansible" "$d/infra/terraform"
	sed -e 's|^inventory = .*|inventory = infra/ansible/inventory.ini|' \
		-e 's|^terraform_dir = .*|terraform_dir = infra|' \
		-e 's|^ansible_dir = .*|ansible_dir = infra|' \
		-e 's|^state_dir = .*|state_dir = state|' \
		-e 's|^tf_vars = .*|tf_vars = dns_token\ntf_var_file = secrets.env|' \
		-e 's|^steps = .*|steps = inventory terraform ansible|' \
		"$CONF" > "$d/lifeboat.conf"
	printf 'TF_VAR_dns_token=%s\n' "$TF_SECRET" > "$d/secrets.env"
}

@test "relative [handoff] paths are taken from the config's directory, not the shell's" {
	local c=$T/conf elsewhere=$T/elsewhere
	unset TF_VAR_dns_token
	relconf "$c"
	printf '[docker_hosts]\nvps ansible_host=198.51.100.4\n' > "$c/infra/ansible/inventory.ini"
	mkdir -p "$elsewhere"
	cd "$elsewhere"
	run -0 --separate-stderr "$LIFEBOAT" -c ../conf/lifeboat.conf handoff --host 127.0.0.1
	assert_equal "$(cat "$c/infra/ansible/inventory.ini")" \
"[docker_hosts]
vps ansible_host=127.0.0.1 ansible_user=debian"
	[[ "$stderr" == *"[inventory] ../conf/infra/ansible/inventory.ini: [docker_hosts] "*"(written)"* ]]
	grep -qx "terraform cwd: $c/infra" "$FAKE_LOG"
	grep -qx "ansible-playbook cwd: $c/infra" "$FAKE_LOG"
	grep -qx "terraform env: TF_VAR_dns_token sha256=$(printf %s "$TF_SECRET" | sha256sum | cut -c1-16)" "$FAKE_LOG"
	[ -s "$c/state/state" ]
	# nothing was made where the shell stood
	assert_equal "$(find "$elsewhere" -mindepth 1)" ""
	# an absolute config path says where as well
	cd /
	run -0 --separate-stderr "$LIFEBOAT" -c "$c/lifeboat.conf" handoff --host 127.0.0.1 --dry-run
	[[ "$stderr" == *"[inventory] would write to $c/infra/ansible/inventory.ini:"* ]]
	[[ "$stderr" == *"[terraform] would run: "*"(in $c/infra; "* ]]
}

@test "a missing inventory is refused with exit 8 naming it, and never made" {
	local c=$T/conf
	relconf "$c"
	mkdir -p "$T/elsewhere/ansible"
	cd "$T/elsewhere"
	run -8 --separate-stderr "$LIFEBOAT" -c "$c/lifeboat.conf" handoff --host 127.0.0.1
	[[ "$stderr" == *"[inventory] inventory '$c/infra/ansible/inventory.ini' does not exist: nothing was written"* ]]
	[[ "$stderr" == *"--from inventory"* ]]
	[ ! -e "$c/infra/ansible/inventory.ini" ]
	assert_equal "$(find "$T/elsewhere" -mindepth 1)" "$T/elsewhere/ansible"
	[ ! -e "$FAKE_LOG" ]
	jq -e '.result == "failed" and .failed_step == "inventory"' "$LIFEBOAT_HISTORY"
	# and a dry run says so with the same status
	run -8 --separate-stderr "$LIFEBOAT" -c "$c/lifeboat.conf" handoff --host 127.0.0.1 --dry-run
	[[ "$stderr" == *"[inventory] inventory '$c/infra/ansible/inventory.ini' does not exist"* ]]
	[ ! -e "$c/infra/ansible/inventory.ini" ]
}

@test "a real ansible-playbook runs against the address the hand-off wrote into the relative inventory" {
	command -v ansible-playbook > /dev/null ||
		fail "ansible-playbook is not installed (Debian's ansible-core; scripts/bootstrap installs it)"
	local c=$T/conf key=$SSH/id_ecdsa
	relconf "$c"
	# the real one, not the fake
	rm "$T/bin/ansible-playbook"
	sed -i 's/^steps = .*/steps = inventory ansible/' "$c/lifeboat.conf"
	sed -i "s|^inventory_host = .*|inventory_host = vps ansible_host={host} ansible_port=$SSH_PORT ansible_user=$SSH_USER ansible_ssh_private_key_file=$key|" "$c/lifeboat.conf"
	# the old address: TEST-NET, where nothing answers
	cat > "$c/infra/ansible/inventory.ini" <<-EOF
		[docker_hosts]
		vps ansible_host=192.0.2.1 ansible_port=$SSH_PORT ansible_user=$SSH_USER

		[docker_hosts:vars]
		ansible_ssh_use_tty=false
		ansible_ssh_common_args=-F /dev/null -o UserKnownHostsFile=$SSH/known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes
	EOF
	# raw: no Python needed on the host
	cat > "$c/infra/ansible/site.yml" <<-EOF
		- hosts: docker_hosts
		  gather_facts: false
		  tasks:
		    - ansible.builtin.raw: echo "reached by ansible at \$SSH_CONNECTION" > $T/ansible-was-here
	EOF
	mkdir -p "$T/elsewhere"
	cd "$T/elsewhere"
	LC_ALL=C.UTF-8 ANSIBLE_LOCAL_TEMP=$T/ansible-tmp ANSIBLE_HOME=$T/ansible-home \
		ANSIBLE_SSH_ARGS='-o ControlMaster=no' ANSIBLE_TIMEOUT=10 ANSIBLE_NOCOLOR=1 \
		run -0 --separate-stderr "$LIFEBOAT" -c ../conf/lifeboat.conf handoff --host 127.0.0.1
	[[ "$stderr" == *"[ansible] "*"ok=1 "*"unreachable=0"*"failed=0"* ]]
	grep -q "^reached by ansible at 127.0.0.1 [0-9]* 127.0.0.1 $SSH_PORT\$" "$T/ansible-was-here"
	grep -q "^vps ansible_host=127.0.0.1 " "$c/infra/ansible/inventory.ini"
	assert_equal "$(find "$T/elsewhere" -mindepth 1)" ""
}

# sealed_conf: the config restores sealed/ (.age), with the ssh key as
# identity, and the remote lifeboat runs where the operator's key files
# are hidden (a tmpfs over them): it can only use what came on its stdin.
sealed_conf() {
	local keys=$BATS_FILE_TMPDIR/keys
	sed -i "s|/nightly/|/sealed/|; s/^steps = .*/steps = wait-ssh restore/" "$CONF"
	printf '\n[trust]\nidentity_file = %s\n' "$keys/id_ed25519" >> "$CONF"
	printf '#!/bin/sh\nexec unshare -m sh -c %s sh "$@"\n' \
		"'mount -t tmpfs none $keys && exec $LIFEBOAT \"\$@\"'" > "$T/bin/remote-lifeboat"
	export LIFEBOAT_AGE_IDENTITY_FILE=$keys/other.txt
}

@test "the age identities reach the host in the pushed config, through stdin only, never as paths or in files" {
	sealed_conf
	local ps=$T/ps.log keys=$BATS_FILE_TMPDIR/keys
	# the host really cannot read the key files
	run -2 "$T/bin/remote-lifeboat" -c "$CONF" verify --latest
	assert_output --partial "cannot read '$keys/id_ed25519'"
	( while :; do ps -eo args >> "$ps"; sleep 0.1; done ) 3>&- &
	local watcher=$!
	run -0 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	kill "$watcher"
	[[ "$stderr" == *"(config and AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY (+ 2 age identities) through stdin)"* ]]
	run -0 "$TOP/tests/helpers/treecmp" diff "$SRC" "$T/remote-dest" --ignore '.lifeboat*'
	jq -e '.result == "ok" and .archive.name == "'"$NAME"'.age"' "$T/state/restore-report.json"
	# no piece of either key in a process list, the output or a file
	local ssh_b64 age_key
	ssh_b64=$(sed -n 3p "$keys/id_ed25519")
	age_key=$(grep '^AGE-SECRET-KEY-' "$keys/other.txt")
	not_leaked "$ssh_b64" "$ps" "$T/state" "$LIFEBOAT_HISTORY" "$T/remote-dest"
	not_leaked "$age_key" "$ps" "$T/state" "$LIFEBOAT_HISTORY" "$T/remote-dest"
	if grep -rlF "$ssh_b64" /tmp --include='*lifeboat*' 2> /dev/null; then
		fail "the key was left in a file"
	fi
}

@test "push_identities = no sends none of them: the identity_file lines go as they are, and the host has no such file" {
	sealed_conf
	sed -i 's/^\[handoff\]$/[handoff]\npush_identities = no/' "$CONF"
	run --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1 --dry-run
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"[restore] stdin: $CONF, then [env] with AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY"* ]]
	[[ "$stderr" != *"age identit"* ]]
	run --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"failed (exit 2): lifeboat: cannot read '$BATS_FILE_TMPDIR/keys/id_ed25519'"* ]]
	[ ! -e "$T/remote-dest" ] || [ -z "$(ls -A "$T/remote-dest")" ]
}

@test "an identity that does not load stops the hand-off with exit 2 before anything runs on the host" {
	sealed_conf
	echo 'AGE-SECRET-KEY-1NOTAKEY' > "$T/bad.txt"
	export LIFEBOAT_AGE_IDENTITY_FILE=$T/bad.txt
	run -2 --separate-stderr "$LIFEBOAT" -c "$CONF" handoff --host 127.0.0.1
	[[ "$stderr" == *"$T/bad.txt:1: not an age identity"* ]]
	[ ! -e "$T/state/restore-report.json" ]
	[ ! -e "$T/remote-dest" ]
}
