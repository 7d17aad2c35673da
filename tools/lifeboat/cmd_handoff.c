/*
 * cmd_handoff.c: "lifeboat handoff": from restored volumes to a running,
 * checked stack, driven from the control machine. The steps of [handoff]
 * run in a fixed order (wait-ssh, restore, reboot, inventory, terraform,
 * ansible, check), each printed with its own prefix and timing; the first
 * failure stops the run with its exit status, and --from STEP resumes.
 * Commands are argv lists, never given to a shell here; the remote ones go
 * through ssh, whose remote shell splits the line again, so every word is
 * quoted. Secrets (the pushed credentials, TF_VAR_* values) only ever
 * travel through stdin and the environment, and are never printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "common.h"
#include "handoff.h"
#include "jread.h"
#include "proc.h"

extern char **environ;

static const char usage[] =
"usage: lifeboat handoff --host ADDR [--dry-run] [--from STEP] [--json]\n"
"                        [--since TIME]\n"
"\n"
"Drive the recovery from the control machine, as the config's [handoff]\n"
"section says: wait for SSH on ADDR, optionally run the restore there\n"
"(config and credentials pushed through the SSH session's stdin) and\n"
"reboot it into its installed system, write the Ansible inventory, run\n"
"Terraform and Ansible, and check the services. Each step is shown with\n"
"its timing; the first failure stops the run. At the end: the phases,\n"
"and the totals against the plan's RTO and RPO, also appended to the\n"
"history log.\n"
"\n"
"Steps: wait-ssh restore reboot inventory terraform ansible check\n"
"\n"
"  --host ADDR   the rescued machine (or [handoff] host)\n"
"  --dry-run     print every step's commands and environment; run none\n"
"  --from STEP   start at STEP (after a fix), keeping the clock and the\n"
"                phases of the run it resumes\n"
"  --since TIME  start the clock at TIME (YYYY-MM-DDTHH:MM:SS, local\n"
"                time, or @EPOCH): when the outage began\n"
"  --json        print the history record as JSON instead of the table\n"
"  -h, --help    show this help and exit\n";

static const char *const step_names[] = {
	"wait-ssh", "restore", "reboot", "inventory", "terraform", "ansible",
	"check", NULL,
};
enum { S_WAIT, S_RESTORE, S_REBOOT, S_INVENTORY, S_TERRAFORM, S_ANSIBLE,
	S_CHECK, S_N };

struct ho {
	struct lb_cli *cli;
	const struct lb_config *cfg;
	const char *host;
	int dry_run;
	char state_path[PATH_MAX];
	char report_path[PATH_MAX];
	struct lb_history h;
	char id[32];
	char archive[256];
	char integrity[32], authenticity[48];	/* what its restore proved */
	char error[512];
	char **ssh;		/* the ssh argv up to the host */
	size_t nssh;
	const char *step;	/* the running step, for line prefixes */
	int rc;			/* the exit status of the last failure */
	int reached;		/* the host answered ssh in this run */
	int restored, rebooted;	/* those steps ran */
};

static int remote_history_path(struct ho *o, char *buf, size_t len);

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
opt(const struct ho *o, const char *key)
{
	return lb_config_handoff(o->cfg, key);
}

static int
fail(struct ho *o, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct ho *o, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->error, sizeof(o->error), fmt, ap);
	va_end(ap);
	fprintf(stderr, "[%s] %s\n", o->step, o->error);
	o->rc = rc;
	return rc;
}

static void
say(const struct ho *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
say(const struct ho *o, const char *fmt, ...)
{
	va_list ap;

	if (o->cli->verbosity < 0)
		return;
	fprintf(stderr, "[%s] ", o->step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void
on_line(void *arg, int fd, const char *line)
{
	const struct ho *o = arg;

	(void)fd;
	if (o->cli->verbosity >= 0)
		fprintf(stderr, "[%s] %s\n", o->step, line);
}

/* words of a config value into a growing argv */
static int
push_words(struct ho *o, char ***v, size_t *n, const char *s)
{
	struct lb_err err;
	char **w;
	size_t nw, i;

	if (s == NULL || *s == '\0')
		return 0;
	if (lb_split_words(s, &w, &nw, &err) != LB_OK) {
		lb_error(o->cli, "[handoff] '%s': %s", s, err.msg);
		return -1;
	}
	for (i = 0; i < nw; i++)
		if (lb_cli_push(v, n, w[i]) != 0)
			return -1;
	free(w);		/* the words now belong to *v */
	return 0;
}

static int
push(char ***v, size_t *n, const char *s)
{
	char *d = strdup(s);

	return d == NULL || lb_cli_push(v, n, d) != 0 ? -1 : 0;
}

static void
argv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* An environment array: its strings may hold secrets (TF_VAR_*). */
static void
env_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		explicit_bzero(v[i], strlen(v[i]));
		free(v[i]);
	}
	free(v);
}

static int
build_ssh(struct ho *o)
{
	const char *port = opt(o, "ssh_port"), *id = opt(o, "identity_file");
	const char *kh = opt(o, "known_hosts");
	char kho[PATH_MAX + 32];

	if (push_words(o, &o->ssh, &o->nssh, opt(o, "ssh")) != 0 ||
	    push(&o->ssh, &o->nssh, "-o") || push(&o->ssh, &o->nssh,
	    "BatchMode=yes") || push(&o->ssh, &o->nssh, "-o") ||
	    push(&o->ssh, &o->nssh, "ConnectTimeout=10") ||
	    push(&o->ssh, &o->nssh, "-o") || push(&o->ssh, &o->nssh,
	    "ServerAliveInterval=15"))
		return -1;
	if (port != NULL && (push(&o->ssh, &o->nssh, "-p") ||
	    push(&o->ssh, &o->nssh, port)))
		return -1;
	if (id != NULL && (push(&o->ssh, &o->nssh, "-i") ||
	    push(&o->ssh, &o->nssh, id) || push(&o->ssh, &o->nssh, "-o") ||
	    push(&o->ssh, &o->nssh, "IdentitiesOnly=yes")))
		return -1;
	if (kh != NULL) {
		snprintf(kho, sizeof(kho), "UserKnownHostsFile=%s", kh);
		if (push(&o->ssh, &o->nssh, "-o") || push(&o->ssh, &o->nssh,
		    kho) || push(&o->ssh, &o->nssh, "-o") ||
		    push(&o->ssh, &o->nssh, "StrictHostKeyChecking=yes"))
			return -1;
	}
	return push(&o->ssh, &o->nssh, "-l") || push(&o->ssh, &o->nssh,
	    opt(o, "ssh_user")) || push(&o->ssh, &o->nssh, o->host) ||
	    push(&o->ssh, &o->nssh, "--") ? -1 : 0;
}

/* The remote command line: words quoted for the remote shell. */
static char *
remote_line(char **words, size_t n)
{
	size_t i, len = 0, cap = 64;
	char *out, *q, *p;

	if ((out = malloc(cap)) == NULL)
		return NULL;
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		/* quoted only where a shell would read it otherwise: the
		 * line is shown to people too */
		if (words[i][0] != '\0' && words[i][strspn(words[i],
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789_./:=@%+,-")] == '\0')
			q = strdup(words[i]);
		else
			q = lb_shell_quote(words[i]);
		if (q == NULL)
			goto oom;
		while (len + strlen(q) + 2 > cap) {
			if ((p = realloc(out, cap * 2)) == NULL) {
				free(q);
				goto oom;
			}
			out = p;
			cap *= 2;
		}
		len += (size_t)snprintf(out + len, cap - len, "%s%s",
		    i > 0 ? " " : "", q);
		free(q);
	}
	return out;
oom:
	free(out);
	return NULL;
}

/* Append " word" (or "word" first) to buf, if it fits. */
static void
append_word(char *buf, size_t len, const char *word)
{
	size_t n = strlen(buf);

	if (n + strlen(word) + 2 <= len)
		snprintf(buf + n, len - n, "%s%s", n ? " " : "", word);
}

#define SSH_CAPTURE 1		/* keep stdout in pr->out */
#define SSH_QUIET 2		/* show none of its output (probes) */

/* Run ssh HOST -- LINE; stdin from input (may be NULL). On failure to run
 * it at all, the error is told and o->rc set. */
static int
run_ssh(struct ho *o, const char *line, const char *input, size_t ilen,
    double timeout, int flags, struct lb_proc_result *pr)
{
	struct lb_proc_opts po;
	struct lb_err err;
	char **argv;
	size_t i;
	int r;

	if ((argv = calloc(o->nssh + 2, sizeof(*argv))) == NULL)
		return -1;
	for (i = 0; i < o->nssh; i++)
		argv[i] = o->ssh[i];
	argv[i] = (char *)line;
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.input = input;
	po.input_len = ilen;
	po.timeout = timeout;
	po.capture = flags & SSH_CAPTURE;
	po.on_line = flags & SSH_QUIET ? NULL : on_line;
	po.arg = o;
	r = lb_proc_run(&po, pr, &err);
	free(argv);
	if (r != LB_OK) {
		fail(o, r == LB_EINTR ? LB_EXIT_INTR : LB_EXIT_HANDOFF, "%s",
		    err.msg);
		return -1;
	}
	return 0;
}

static void
sleep_s(double s)
{
	while (s > 0 && !lb_stop_requested) {
		struct timespec ts = { 0, 200000000 };

		nanosleep(&ts, NULL);
		s -= 0.2;
	}
}

/* Wait until 'ssh HOST true' works, for up to limit seconds. */
static int
wait_ssh(struct ho *o, double limit)
{
	struct lb_proc_result pr;
	double t0 = mono(), wait = 1, last_said = -100;
	char where[320];

	snprintf(where, sizeof(where), "%s@%s", opt(o, "ssh_user"), o->host);
	say(o, "waiting for ssh %s (up to %.0f s)", where, limit);
	for (;;) {
		if (run_ssh(o, "true", NULL, 0, 60, SSH_CAPTURE | SSH_QUIET,
		    &pr) != 0)
			return -1;
		if (pr.status == 0) {
			lb_proc_result_release(&pr);
			o->reached = 1;
			say(o, "%s answers after %.1f s", where, mono() - t0);
			return 0;
		}
		if (lb_stop_requested) {
			lb_proc_result_release(&pr);
			fail(o, LB_EXIT_INTR, "interrupted");
			return -1;
		}
		if (mono() - t0 + wait > limit) {
			fail(o, LB_EXIT_HANDOFF, "no ssh to %s after %.0f s: %s",
			    where, mono() - t0, pr.last[0] ? pr.last :
			    "ssh failed");
			lb_proc_result_release(&pr);
			return -1;
		}
		if (mono() - last_said >= 30) {
			say(o, "not yet: %s", pr.last[0] ? pr.last :
			    "ssh failed");
			last_said = mono();
		}
		lb_proc_result_release(&pr);
		sleep_s(wait);
		wait = wait * 2 < 10 ? wait * 2 : 10;
	}
}

static int
step_wait(struct ho *o)
{
	long long limit;

	lb_parse_duration(opt(o, "ssh_wait"), &limit);
	return wait_ssh(o, (double)limit) == 0 ? 0 : o->rc;
}

/* The value to push for NAME: the operator's environment first, then the
 * [env] of the config read here, then that of the file pushed. */
static const char *
push_value(const struct ho *o, const struct lb_config *pushed,
    const char *name)
{
	const char *v = getenv(name);
	size_t i;

	for (i = 0; v == NULL && i < o->cfg->nenv; i++)
		if (strcmp(o->cfg->env[i].key, name) == 0)
			v = o->cfg->env[i].value;
	for (i = 0; v == NULL && pushed != NULL && i < pushed->nenv; i++)
		if (strcmp(pushed->env[i].key, name) == 0)
			v = pushed->env[i].value;
	return v;
}

/* text without its [env] sections, into out (sized by the caller). */
static size_t
without_env(const char *text, char *out)
{
	const char *p = text, *e, *b;
	size_t n = 0;
	int skip = 0;

	for (; *p != '\0'; p = e) {
		e = p + strcspn(p, "\n");
		if (*e == '\n')
			e++;
		b = p + strspn(p, " \t");
		if (*b == '[') {
			b = b + 1 + strspn(b + 1, " \t");
			skip = strncmp(b, "env", 3) == 0 &&
			    b[3 + strspn(b + 3, " \t")] == ']';
		}
		if (!skip) {
			memcpy(out + n, p, (size_t)(e - p));
			n += (size_t)(e - p);
		}
	}
	if (n > 0 && out[n - 1] != '\n')
		out[n++] = '\n';
	out[n] = '\0';
	return n;
}

/* The config to push: remote_config (or the one read here) without its
 * [env] sections, then one [env] with the variables of push_env that have
 * a value. Values go nowhere else; the caller wipes the text. */
static char *
pushed_config(struct ho *o, size_t *len, char *names, size_t nlen)
{
	const char *path = opt(o, "remote_config");
	struct lb_config rc;
	struct lb_err err;
	char **w = NULL, *out = NULL, *text;
	size_t nw = 0, i, cap = 0, n;
	const char *v;

	names[0] = '\0';
	memset(&rc, 0, sizeof(rc));
	if (path != NULL) {
		if (lb_config_load(&rc, path, &err) != LB_OK) {
			fail(o, LB_EXIT_USAGE, "%s", err.msg);
			goto out;
		}
		text = rc.text;
	} else
		text = o->cfg->text != NULL ? o->cfg->text : "";
	/* an empty push_env pushes nothing; a malformed one is an error */
	if (opt(o, "push_env")[strspn(opt(o, "push_env"), " \t")] != '\0' &&
	    lb_split_words(opt(o, "push_env"), &w, &nw, &err) != LB_OK) {
		fail(o, LB_EXIT_USAGE, "push_env: %s", err.msg);
		goto out;
	}
	cap = strlen(text) + 16;
	for (i = 0; i < nw; i++)
		if ((v = push_value(o, path ? &rc : NULL, w[i])) != NULL)
			cap += strlen(w[i]) + strlen(v) + 8;
	if ((out = malloc(cap)) == NULL) {
		fail(o, LB_EXIT_FAIL, "out of memory");
		goto out;
	}
	n = without_env(text, out);
	n += (size_t)snprintf(out + n, cap - n, "[env]\n");
	for (i = 0; i < nw; i++) {
		if (!lb_config_env_name(w[i])) {
			fail(o, LB_EXIT_USAGE, "push_env: '%s' is not a "
			    "variable lifeboat reads", w[i]);
			goto bad;
		}
		if ((v = push_value(o, path ? &rc : NULL, w[i])) == NULL)
			continue;
		/* inih would cut a value at a newline or " ;", and trim
		 * blanks: such a value cannot travel this way */
		if (strpbrk(v, "\r\n") != NULL || strstr(v, " ;") ||
		    strstr(v, "\t;") || *v == ' ' || *v == '\t' || (*v &&
		    (v[strlen(v) - 1] == ' ' || v[strlen(v) - 1] == '\t'))) {
			fail(o, LB_EXIT_USAGE, "%s holds a line break, a "
			    "' ;' or blanks at its ends: it cannot be pushed",
			    w[i]);
			goto bad;
		}
		n += (size_t)snprintf(out + n, cap - n, "%s = %s\n", w[i], v);
		append_word(names, nlen, w[i]);
	}
	*len = n;
	goto out;
bad:
	explicit_bzero(out, cap);
	free(out);
	out = NULL;
out:
	lb_words_free(w);
	lb_config_release(&rc);
	return out;
}

static int
step_restore(struct ho *o)
{
	char **words = NULL, *line = NULL, *input, why[256], names[256];
	struct lb_proc_result pr;
	struct lb_jval *rep = NULL;
	const struct lb_jval *t;
	size_t nw = 0, ilen = 0;
	const char *err;
	int rc = LB_EXIT_HANDOFF, fd;

	if ((input = pushed_config(o, &ilen, names, sizeof(names))) == NULL)
		return o->error[0] ? LB_EXIT_USAGE : LB_EXIT_FAIL;
	if (push_words(o, &words, &nw, opt(o, "remote_lifeboat")) != 0 ||
	    push(&words, &nw, "-c") || push(&words, &nw, "-") ||
	    push(&words, &nw, "--json") || push(&words, &nw, "restore") ||
	    push_words(o, &words, &nw, opt(o, "restore_args")) != 0 ||
	    (line = remote_line(words, nw)) == NULL) {
		rc = LB_EXIT_USAGE;
		goto out;
	}
	say(o, "running %s on %s (config and %s through stdin)", line,
	    o->host, names[0] ? names : "no variables");
	if (run_ssh(o, line, input, ilen, 0, SSH_CAPTURE, &pr) != 0) {
		rc = o->rc;
		goto out;
	}
	snprintf(why, sizeof(why), "no report on its standard output");
	if (pr.out_len > 0 && lb_jread_parse(pr.out, pr.out_len, &rep, why,
	    sizeof(why)) == 0) {
		fd = open(o->report_path, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, pr.out, pr.out_len) !=
		    (ssize_t)pr.out_len || close(fd) != 0)
			lb_warn(o->cli, "cannot write '%s': %s",
			    o->report_path, strerror(errno));
		else
			say(o, "report kept in %s", o->report_path);
	}
	if (pr.status == 0 && (rep == NULL || lb_jread_str(rep, "result") ==
	    NULL || strcmp(lb_jread_str(rep, "result"), "ok") != 0 ||
	    lb_jread_get(rep, "dry_run") == NULL ||
	    lb_jread_get(rep, "dry_run")->type != LB_JBOOL ||
	    lb_jread_get(rep, "dry_run")->boolean)) {
		/* a zero exit is not enough: only a committed restore counts */
		fail(o, LB_EXIT_HANDOFF, "the restore on %s did not report a "
		    "committed restore (result ok, not a dry run)%s%s",
		    o->host, rep == NULL ? ": " : "", rep == NULL ? why : "");
		rc = LB_EXIT_HANDOFF;
		lb_proc_result_release(&pr);
		goto out;
	}
	if (pr.status != 0 || rep == NULL) {
		err = rep != NULL ? lb_jread_str(rep, "error") : NULL;
		fail(o, pr.status >= 2 && pr.status <= 6 ? pr.status :
		    LB_EXIT_HANDOFF, "the restore on %s failed (exit %d): %s",
		    o->host, pr.status, err ? err : pr.last[0] ? pr.last :
		    "no report");
		rc = pr.status >= 2 && pr.status <= 6 ? pr.status :
		    LB_EXIT_HANDOFF;
		lb_proc_result_release(&pr);
		goto out;
	}
	lb_proc_result_release(&pr);
	snprintf(o->archive, sizeof(o->archive), "%s",
	    lb_jread_str(rep, "archive.name") ? lb_jread_str(rep,
	    "archive.name") : "?");
	o->h.archive = o->archive;
	o->h.archive_time = lb_parse_iso_time(lb_jread_str(rep,
	    "archive.time"));
	/* what the target's restore proved */
	snprintf(o->integrity, sizeof(o->integrity), "%s",
	    lb_jread_str(rep, "archive.integrity") ? lb_jread_str(rep,
	    "archive.integrity") : "none");
	snprintf(o->authenticity, sizeof(o->authenticity), "%s",
	    lb_jread_str(rep, "archive.authenticity") ? lb_jread_str(rep,
	    "archive.authenticity") : "none");
	o->h.integrity = o->integrity;
	o->h.authenticity = o->authenticity;
	if ((t = lb_jread_get(rep, "timings")) != NULL) {
		lb_history_phase(&o->h, "select", lb_jread_num(t, "select", 0));
		lb_history_phase(&o->h, "transfer", lb_jread_num(t,
		    "transfer", 0));
		lb_history_phase(&o->h, "commit", lb_jread_num(t, "commit",
		    0));
	}
	say(o, "restored '%s' on %s", o->archive, o->host);
	o->restored = o->reached = 1;
	rc = 0;
out:
	explicit_bzero(input, ilen);
	free(input);
	free(line);
	argv_free(words, nw);
	lb_jread_free(rep);
	return rc;
}

static int
step_reboot(struct ho *o)
{
	struct lb_proc_result pr;
	char **words = NULL, *line;
	long long limit;
	size_t nw = 0;
	double t0 = mono();

	lb_parse_duration(opt(o, "reboot_wait"), &limit);
	if (push_words(o, &words, &nw, opt(o, "reboot_command")) != 0 ||
	    (line = remote_line(words, nw)) == NULL) {
		argv_free(words, nw);
		return LB_EXIT_USAGE;
	}
	argv_free(words, nw);
	say(o, "running %s on %s", line, o->host);
	/* the connection drops as the host goes down: its status says
	 * nothing; the host going away and coming back does */
	if (run_ssh(o, line, NULL, 0, 60, SSH_CAPTURE, &pr) != 0) {
		free(line);
		return o->rc;
	}
	free(line);
	lb_proc_result_release(&pr);
	for (;;) {
		if (run_ssh(o, "true", NULL, 0, 30, SSH_CAPTURE | SSH_QUIET,
		    &pr) != 0)
			return o->rc;
		if (pr.status != 0) {
			lb_proc_result_release(&pr);
			break;
		}
		lb_proc_result_release(&pr);
		if (lb_stop_requested)
			return fail(o, LB_EXIT_INTR, "interrupted");
		if (mono() - t0 > (double)limit)
			return fail(o, LB_EXIT_HANDOFF, "%s still answers %.0f "
			    "s after the reboot command", o->host,
			    mono() - t0);
		sleep_s(1);
	}
	say(o, "%s went down after %.1f s", o->host, mono() - t0);
	o->rebooted = 1;
	if (wait_ssh(o, (double)limit - (mono() - t0)) != 0)
		return o->rc;
	return 0;
}

/* inventory_host with {host} replaced */
static int
host_line(const struct ho *o, char *buf, size_t len)
{
	const char *t = opt(o, "inventory_host"), *p;
	size_t n = 0;

	for (p = t; *p != '\0' && n + 1 < len; p++) {
		if (strncmp(p, "{host}", 6) == 0) {
			n += (size_t)snprintf(buf + n, len - n, "%s", o->host);
			p += 5;
		} else
			buf[n++] = *p;
	}
	if (n >= len)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int
step_inventory(struct ho *o)
{
	struct lb_err err;
	char line[1024];
	int changed;

	if (host_line(o, line, sizeof(line)) != 0)
		return fail(o, LB_EXIT_USAGE, "inventory_host is too long");
	if (lb_inventory_update(opt(o, "inventory"), opt(o,
	    "inventory_group"), line, &changed, &err) != LB_OK)
		return fail(o, LB_EXIT_HANDOFF, "%s", err.msg);
	say(o, "%s: [%s] %s (%s)", opt(o, "inventory"), opt(o,
	    "inventory_group"), line, changed ? "written" : "already so");
	return 0;
}

/* NAME=VALUE for TF_VAR_NAME from tf_var_file; a name with or without
 * the TF_VAR_ prefix. Returns the malloc'd "TF_VAR_NAME=VALUE" or NULL. */
static char *
tf_from_file(const char *file, const char *name)
{
	char line[4096], *eq, *k, *v, *e, *out = NULL;
	FILE *f;
	size_t l;

	if (file == NULL || (f = fopen(file, "re")) == NULL)
		return NULL;
	/* NAME=VALUE as a shell or an env file has it: blanks around the
	 * '=', an "export " before, quotes around the value are taken off */
	while (out == NULL && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		k = line + strspn(line, " \t");
		if (*k == '#' || (eq = strchr(k, '=')) == NULL)
			continue;
		if (strncmp(k, "export ", 7) == 0)
			k += 7 + strspn(k + 7, " \t");
		for (e = eq; e > k && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		if (strncmp(k, "TF_VAR_", 7) == 0)
			k += 7;
		if (strcmp(k, name) != 0)
			continue;
		v = eq + 1 + strspn(eq + 1, " \t");
		l = strlen(v);
		while (l > 0 && (v[l - 1] == ' ' || v[l - 1] == '\t'))
			v[--l] = '\0';
		if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0]) {
			v[l - 1] = '\0';
			v++;
		}
		l = strlen(name) + strlen(v) + 9;
		if ((out = malloc(l)) != NULL)
			snprintf(out, l, "TF_VAR_%s=%s", name, v);
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return out;
}

/* environ, plus (for terraform) TF_VAR_vps_ipv4 and the tf_vars. shown
 * gets the added names, values hidden but for the address. */
static int
build_env(struct ho *o, int tf, char ***envp, size_t *nenv, char *shown,
    size_t slen)
{
	char **w = NULL, buf[512], *e;
	struct lb_err err;
	size_t nw = 0, i;
	const char *v;

	shown[0] = '\0';
	for (i = 0; environ[i] != NULL; i++)
		if ((!tf || strncmp(environ[i], "TF_VAR_vps_ipv4=", 16) != 0) &&
		    push(envp, nenv, environ[i]) != 0)
			return -1;
	if (!tf)
		return 0;
	snprintf(buf, sizeof(buf), "TF_VAR_vps_ipv4=%s", o->host);
	if (push(envp, nenv, buf) != 0)
		return -1;
	snprintf(shown, slen, "%s", buf);
	if (opt(o, "tf_vars")[strspn(opt(o, "tf_vars"), " \t")] != '\0' &&
	    lb_split_words(opt(o, "tf_vars"), &w, &nw, &err) != LB_OK)
		return fail(o, LB_EXIT_USAGE, "tf_vars: %s", err.msg), -2;
	for (i = 0; i < nw; i++) {
		const char *name = strncmp(w[i], "TF_VAR_", 7) == 0 ? w[i] + 7 :
		    w[i];

		snprintf(buf, sizeof(buf), "TF_VAR_%s", name);
		if ((v = getenv(buf)) == NULL) {
			if ((e = tf_from_file(opt(o, "tf_var_file"), name)) ==
			    NULL) {
				lb_words_free(w);
				return fail(o, LB_EXIT_USAGE, "%s is neither "
				    "in the environment nor in tf_var_file",
				    buf), -2;
			}
			/* not in our environment: nothing to replace */
			if (lb_cli_push(envp, nenv, e) != 0) {
				explicit_bzero(e, strlen(e));
				free(e);
				lb_words_free(w);
				return -1;
			}
		}
		{
			char hidden[sizeof(buf) + 8];

			snprintf(hidden, sizeof(hidden), "%s=***", buf);
			append_word(shown, slen, hidden);
		}
	}
	lb_words_free(w);
	return 0;
}

static int
step_command(struct ho *o, const char *key, const char *dirkey, int tf)
{
	char **argv = NULL, **envp = NULL, shown[1024], *line = NULL;
	struct lb_proc_result pr;
	struct lb_proc_opts po;
	struct lb_err err;
	size_t na = 0, ne = 0;
	int rc = LB_EXIT_HANDOFF, r;

	if (push_words(o, &argv, &na, opt(o, key)) != 0 || na == 0) {
		rc = fail(o, LB_EXIT_USAGE, "[handoff] %s: no command", key);
		goto out;
	}
	if ((r = build_env(o, tf, &envp, &ne, shown, sizeof(shown))) != 0) {
		rc = r == -2 ? LB_EXIT_USAGE : LB_EXIT_FAIL;
		goto out;
	}
	if (push(&argv, &na, "") != 0 || push(&envp, &ne, "") != 0)
		goto out;
	free(argv[--na]);
	argv[na] = NULL;
	free(envp[--ne]);
	envp[ne] = NULL;
	line = remote_line(argv, na);
	say(o, "$ %s  (in %s%s%s)", line ? line : argv[0], opt(o, dirkey),
	    shown[0] ? "; " : "", shown);
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.cwd = opt(o, dirkey);
	po.env = envp;
	po.on_line = on_line;
	po.arg = o;
	if ((r = lb_proc_run(&po, &pr, &err)) != LB_OK) {
		rc = fail(o, r == LB_EINTR ? LB_EXIT_INTR : LB_EXIT_HANDOFF,
		    "%s", err.msg);
		goto out;
	}
	if (pr.status != 0)
		rc = fail(o, LB_EXIT_HANDOFF, "'%s' failed (%s %d)%s%s",
		    argv[0], pr.signal ? "signal" : "exit", pr.signal ?
		    pr.signal : pr.status, pr.last[0] ? ": " : "", pr.last);
	else
		rc = 0;
	lb_proc_result_release(&pr);
out:
	free(line);
	argv_free(argv, na);
	if (envp != NULL)
		env_free(envp, ne);
	return rc;
}

/* One [check] section as text, for the config pushed to the host. The
 * values came through inih, so they hold nothing it would cut. */
static void
check_text(FILE *f, const struct lb_check_conf *c)
{
	static const char *const kind[] = { "", "http", "tcp", "command" };

	fprintf(f, "[check \"%s\"]\n%s = %s\nexpect_status = %d\n"
	    "within = %llds\ntimeout = %llds\ninsecure = %s\n", c->name,
	    kind[c->kind], c->target, c->expect_status, c->within, c->timeout,
	    c->insecure ? "yes" : "no");
	if (c->expect_body != NULL)
		fprintf(f, "expect_body = %s\n", c->expect_body);
	if (c->ca_file != NULL)
		fprintf(f, "ca_file = %s\n", c->ca_file);
}

/* Run the checks of one priority group that name the host's own
 * addresses on the host: its lifeboat gets a config of those checks
 * alone (nothing else of ours, no credential) on stdin. */
static int
remote_checks(struct ho *o, int prio)
{
	char **words = NULL, *line = NULL, *text = NULL;
	struct lb_proc_result pr;
	size_t nw = 0, tlen = 0, i, n = 0;
	FILE *f;
	int rc = LB_EXIT_FAIL, r;

	if ((f = open_memstream(&text, &tlen)) == NULL)
		return fail(o, LB_EXIT_FAIL, "out of memory");
	if (push_words(o, &words, &nw, opt(o, "remote_lifeboat")) ||
	    push(&words, &nw, "-c") || push(&words, &nw, "-") ||
	    push(&words, &nw, "check"))
		goto out;
	for (i = 0; i < o->cfg->nchecks; i++) {
		const struct lb_check_conf *c = &o->cfg->checks[i];

		if (c->priority != prio || !lb_check_is_local(c))
			continue;
		check_text(f, c);
		if (push(&words, &nw, c->name) != 0)
			goto out;
		n++;
	}
	r = fclose(f);
	f = NULL;
	if (r != 0 || (line = remote_line(words, nw)) == NULL)
		goto out;
	if (n == 0) {
		rc = LB_EXIT_OK;
		goto out;
	}
	say(o, "on %s (they name it): %s", o->host, line);
	if (run_ssh(o, line, text, tlen, 0, 0, &pr) != 0) {
		rc = o->rc;
		goto out;
	}
	rc = pr.status == 0 ? LB_EXIT_OK : fail(o, pr.status == LB_EXIT_CHECK ?
	    LB_EXIT_CHECK : LB_EXIT_HANDOFF, "checks on %s failed (exit %d)",
	    o->host, pr.status);
	lb_proc_result_release(&pr);
out:
	if (f != NULL)
		fclose(f);
	free(text);
	free(line);
	argv_free(words, nw);
	return rc;
}

/* The checks, by priority group as 'lifeboat check' runs them: those that
 * name this machine's own addresses run on the host through ssh, the
 * others here; a group with a failure stops the later ones. */
static int
step_check(struct ho *o)
{
	char **local = NULL;
	size_t nl, i;
	int prio, rc = LB_EXIT_OK;

	if (o->cfg->nchecks == 0)
		return fail(o, LB_EXIT_USAGE, "no [check \"NAME\"] section in "
		    "the config");
	for (prio = 1; prio <= LB_MAX_PRIO + 1 && rc == LB_EXIT_OK; prio++) {
		if ((rc = remote_checks(o, prio)) != LB_EXIT_OK)
			break;
		nl = 0;
		for (i = 0; i < o->cfg->nchecks; i++)
			if (o->cfg->checks[i].priority == prio &&
			    !lb_check_is_local(&o->cfg->checks[i]) &&
			    lb_cli_push(&local, &nl, o->cfg->checks[i].name))
				return fail(o, LB_EXIT_FAIL, "out of memory");
		if (nl > 0) {
			say(o, "on this machine: %zu check%s", nl,
			    nl > 1 ? "s" : "");
			rc = lb_cli_run_checks(o->cli, o->cfg, local, nl,
			    !o->cli->json);
			if (rc != LB_EXIT_OK)
				fail(o, rc, "checks failed");
		}
		free(local);
		local = NULL;
	}
	return rc;
}

/* The state of a hand-off, kept in state_dir so that --from can resume
 * it: "key value" lines. */
static void
state_save(struct ho *o, const char *done)
{
	char tmp[PATH_MAX + 8];
	size_t i;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", o->state_path);
	if ((f = fopen(tmp, "we")) == NULL)
		return;
	fprintf(f, "id %s\nhost %s\nstarted %lld\ndone %s\n", o->id, o->host,
	    o->h.started, done);
	if (o->h.archive != NULL)
		fprintf(f, "archive %s\narchive_time %lld\n", o->h.archive,
		    o->h.archive_time);
	for (i = 0; i < o->h.nphases; i++)
		fprintf(f, "phase %s %.3f\n", o->h.phases[i].name,
		    o->h.phases[i].seconds);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0 ||
	    rename(tmp, o->state_path) != 0)
		lb_warn(o->cli, "cannot write '%s'", o->state_path);
}

static const char *
known_phase(const char *name)
{
	static const char *const names[] = { "select", "transfer", "commit",
		"wait-ssh", "restore", "reboot", "inventory", "terraform",
		"ansible", "check", NULL };
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], name) == 0)
			return names[i];
	return NULL;
}

/* Read the state of the hand-off to resume; nothing of it is taken
 * unless it is the same host's. */
static int
state_load(struct ho *o)
{
	char line[512], k[32], v[400], id[32] = "", archive[256] = "";
	struct lb_history h;
	long long started = -1, atime = -1;
	double secs;
	FILE *f;
	int ok = 0;

	memset(&h, 0, sizeof(h));
	if ((f = fopen(o->state_path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%31s %399[^\n]", k, v) != 2)
			continue;
		if (strcmp(k, "host") == 0)
			ok = strcmp(v, o->host) == 0;
		else if (strcmp(k, "id") == 0)
			snprintf(id, sizeof(id), "%s", v);
		else if (strcmp(k, "started") == 0)
			started = strtoll(v, NULL, 10);
		else if (strcmp(k, "archive") == 0)
			snprintf(archive, sizeof(archive), "%s", v);
		else if (strcmp(k, "archive_time") == 0)
			atime = strtoll(v, NULL, 10);
		else if (strcmp(k, "phase") == 0 && sscanf(v, "%31s %lf", k,
		    &secs) == 2 && known_phase(k) != NULL)
			lb_history_phase(&h, known_phase(k), secs);
	}
	fclose(f);
	if (!ok || started <= 0 || id[0] == '\0')
		return -1;
	snprintf(o->id, sizeof(o->id), "%s", id);
	o->h.started = started;
	if (archive[0] != '\0') {
		snprintf(o->archive, sizeof(o->archive), "%s", archive);
		o->h.archive = o->archive;
		o->h.archive_time = atime;
	}
	memcpy(o->h.phases, h.phases, sizeof(h.phases));
	o->h.nphases = h.nphases;
	return 0;
}

/* Say what each step would do; returns the exit status a real run would
 * stop with for a configuration error found on the way, or 0. */
static int
dry_run(struct ho *o, const int *run)
{
	char *line, shown[1024], hl[1024], names[256], hist[PATH_MAX];
	char **envp = NULL;
	size_t ne = 0, i, il;
	int s;

	line = remote_line(o->ssh, o->nssh);
	for (s = 0; s < S_N; s++) {
		if (!run[s])
			continue;
		o->step = step_names[s];
		switch (s) {
		case S_WAIT:
			say(o, "would wait up to %s for: %s true",
			    opt(o, "ssh_wait"), line);
			break;
		case S_RESTORE: {
			char *in = pushed_config(o, &il, names, sizeof(names));

			if (in != NULL) {
				explicit_bzero(in, il);
				free(in);
			}
			say(o, "would run: %s %s -c - --json restore %s",
			    line, opt(o, "remote_lifeboat"),
			    opt(o, "restore_args"));
			say(o, "stdin: %s, then [env] with %s",
			    opt(o, "remote_config") ? opt(o, "remote_config") :
			    o->cfg->path ? o->cfg->path : "(no config)",
			    names[0] ? names : "no variable (none set)");
			break;
		}
		case S_REBOOT:
			say(o, "would run: %s %s, wait for %s to go down "
			    "and answer again (up to %s)", line,
			    opt(o, "reboot_command"), o->host,
			    opt(o, "reboot_wait"));
			break;
		case S_INVENTORY:
			host_line(o, hl, sizeof(hl));
			say(o, "would write to %s: [%s] %s",
			    opt(o, "inventory"), opt(o, "inventory_group"), hl);
			break;
		case S_TERRAFORM:
		case S_ANSIBLE:
			envp = NULL;
			ne = 0;
			if (build_env(o, s == S_TERRAFORM, &envp, &ne, shown,
			    sizeof(shown)) != 0)
				shown[0] = '\0';
			env_free(envp, ne);
			say(o, "would run: %s  (in %s%s%s)", opt(o, s ==
			    S_TERRAFORM ? "terraform" : "ansible"), opt(o, s ==
			    S_TERRAFORM ? "terraform_dir" : "ansible_dir"),
			    shown[0] ? "; " : "", shown);
			break;
		case S_CHECK:
			for (i = 0; i < o->cfg->nchecks; i++)
				say(o, "would check '%s' (%s) %s",
				    o->cfg->checks[i].name,
				    o->cfg->checks[i].target,
				    lb_check_is_local(&o->cfg->checks[i]) ?
				    "on the host, over ssh" :
				    "from this machine");
			break;
		}
	}
	o->step = "history";
	remote_history_path(o, hist, sizeof(hist));
	if (hist[0] != '\0')
		say(o, "would append the hand-off's line to %s:%s", o->host,
		    hist);
	free(line);
	return o->rc;
}

/* Where the target keeps its history: remote_history, or the target's
 * /var/lib/lifeboat as the host sees it at the end of the run (inside the
 * restore's --root while still in the rescue system). */
static int
remote_history_path(struct ho *o, char *buf, size_t len)
{
	const char *p = opt(o, "remote_history");
	char **w = NULL;
	size_t nw = 0, i;
	struct lb_err err;

	if (p != NULL) {
		snprintf(buf, len, "%s", p);
		return 0;
	}
	snprintf(buf, len, "/var/lib/lifeboat/history.jsonl");
	if (o->rebooted || !o->restored ||
	    lb_split_words(opt(o, "restore_args"), &w, &nw, &err) != LB_OK)
		return 0;
	for (i = 0; i + 1 < nw; i++)
		if (strcmp(w[i], "--root") == 0)
			snprintf(buf, len, "%s/var/lib/lifeboat/history.jsonl",
			    w[i + 1]);
	lb_words_free(w);
	return 0;
}

/* Append the line to the target's history, through ssh's stdin. */
static void
remote_history(struct ho *o, const char *json)
{
	char path[PATH_MAX], dir[PATH_MAX], *qp, *qd, *line, *in, *slash;
	struct lb_proc_result pr;
	size_t n, ilen;

	remote_history_path(o, path, sizeof(path));
	if (path[0] == '\0')
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir)
		*slash = '\0';
	qp = lb_shell_quote(path);
	qd = lb_shell_quote(dir);
	n = (qp ? strlen(qp) : 0) + (qd ? strlen(qd) : 0) + 32;
	ilen = strlen(json) + 1;
	line = malloc(n);
	in = malloc(ilen + 1);
	if (qp == NULL || qd == NULL || line == NULL || in == NULL)
		goto out;
	snprintf(line, n, "mkdir -p %s && cat >> %s", qd, qp);
	snprintf(in, ilen + 1, "%s\n", json);
	o->step = "history";
	if (run_ssh(o, line, in, ilen, 30, SSH_CAPTURE | SSH_QUIET, &pr) == 0) {
		if (pr.status == 0)
			say(o, "appended to %s:%s", o->host, path);
		else
			lb_warn(o->cli, "cannot append to %s:%s: %s", o->host,
			    path, pr.last[0] ? pr.last : "ssh failed");
		lb_proc_result_release(&pr);
	}
out:
	free(qp);
	free(qd);
	free(line);
	free(in);
}

static void
finish(struct ho *o, int ok, const char *failed_step)
{
	char *json = NULL, sum[512], t[32];
	struct lb_err err;
	size_t i;

	o->h.ok = ok;
	o->h.ended = (long long)time(NULL);
	o->h.error = ok ? NULL : o->error;
	o->h.failed_step = failed_step;
	if (lb_history_json(&o->h, &json) != 0) {
		lb_error(o->cli, "out of memory");
		return;
	}
	if (*lb_config_history(o->cfg) != '\0' &&
	    lb_history_append(lb_config_history(o->cfg), json, &err) != LB_OK)
		lb_warn(o->cli, "%s", err.msg);
	if (o->reached)
		remote_history(o, json);
	if (o->cli->json)
		puts(json);
	else {
		printf("%-10s %12s\n", "phase", "time");
		for (i = 0; i < o->h.nphases; i++) {
			lb_format_duration((long long)o->h.phases[i].seconds,
			    t, sizeof(t));
			if (o->h.phases[i].seconds < 60)
				snprintf(t, sizeof(t), "%.1f s",
				    o->h.phases[i].seconds);
			printf("%-10s %12s\n", o->h.phases[i].name, t);
		}
		lb_history_summary(&o->h, sum, sizeof(sum));
		printf("%s\n", sum);
	}
	free(json);
}

int
cmd_handoff(struct lb_cli *cli, int argc, char **argv)
{
	enum { O_HOST = 256, O_DRY, O_FROM, O_SINCE, O_JSON };
	static const struct option opts[] = {
		{ "host", required_argument, NULL, O_HOST },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "from", required_argument, NULL, O_FROM },
		{ "since", required_argument, NULL, O_SINCE },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lb_config cfg;
	struct ho o;
	char **w = NULL, dir[PATH_MAX];
	const char *from = NULL, *since = NULL, *stopped;
	int ch, rc, s, first, run[S_N] = { 0 };
	size_t nw = 0, i;
	struct lb_err err;
	long long started;
	double t;

	memset(&o, 0, sizeof(o));
	memset(&cfg, 0, sizeof(cfg));
	o.cli = cli;
	o.cfg = &cfg;
	o.step = "handoff";
	o.h.kind = "handoff";
	o.h.archive_time = -1;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case O_HOST:
			o.host = optarg;
			break;
		case O_DRY:
			o.dry_run = 1;
			break;
		case O_FROM:
			from = optarg;
			break;
		case O_SINCE:
			since = optarg;
			break;
		case O_JSON:
			cli->json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return lb_finish(cli, LB_EXIT_OK);
		case ':':
			return lb_usage_error(cli, "handoff", "option '%s' "
			    "needs an argument", lb_bad_option(argc, argv));
		default:
			return lb_usage_error(cli, "handoff", "unknown option "
			    "'%s'", lb_bad_option(argc, argv));
		}
	}
	if (optind < argc)
		return lb_usage_error(cli, "handoff", "unexpected argument "
		    "'%s'", argv[optind]);
	/* Not lb_cli_load: [env] here holds what to push to the host, and
	 * set in our environment it would reach terraform and ansible. */
	lb_err_clear(&err);
	if (lb_config_load(&cfg, cli->config, &err) != LB_OK) {
		rc = lb_fail(cli, &err);
		goto out;
	}
	o.h.rto = cfg.rto;
	o.h.rpo = lb_config_rpo(&cfg);
	if (o.host == NULL && (o.host = opt(&o, "host")) == NULL) {
		rc = lb_usage_error(cli, "handoff", "no host: give --host ADDR "
		    "or [handoff] host");
		goto out;
	}
	if (o.host[0] == '-' || strpbrk(o.host, " \t\n'\"\\;") != NULL) {
		rc = lb_usage_error(cli, "handoff", "'%s' is not a host name "
		    "or address", o.host);
		goto out;
	}
	if (lb_split_words(opt(&o, "steps"), &w, &nw, &err) != LB_OK) {
		rc = lb_usage_error(cli, "handoff", "steps: %s", err.msg);
		goto out;
	}
	for (i = 0; i < nw; i++) {
		for (s = 0; s < S_N && strcmp(step_names[s], w[i]); s++)
			;
		if (s == S_N) {
			rc = lb_usage_error(cli, "handoff", "steps: unknown step "
			    "'%s' (wait-ssh restore reboot inventory terraform "
			    "ansible check)", w[i]);
			goto out;
		}
		run[s] = 1;
	}
	if (from != NULL) {
		for (s = 0; s < S_N && strcmp(step_names[s], from); s++)
			;
		if (s == S_N || !run[s]) {
			rc = lb_usage_error(cli, "handoff", "--from: '%s' is not "
			    "one of the steps (%s)", from, opt(&o, "steps"));
			goto out;
		}
		for (first = 0; first < s; first++)
			run[first] = 0;
	}
	o.h.started = (long long)time(NULL);
	if (since != NULL) {
		struct tm tm;
		char *end;

		memset(&tm, 0, sizeof(tm));
		tm.tm_isdst = -1;
		if (since[0] == '@') {
			errno = 0;
			o.h.started = strtoll(since + 1, &end, 10);
			if (errno != 0 || end == since + 1 || o.h.started <= 0)
				end = (char *)"?";
		}
		else if ((end = strptime(since, "%Y-%m-%dT%H:%M:%S", &tm)) ==
		    NULL && (end = strptime(since, "%Y-%m-%dT%H:%M", &tm)) ==
		    NULL)
			end = (char *)"?";
		else
			o.h.started = (long long)mktime(&tm);
		if (*end != '\0' || o.h.started > (long long)time(NULL)) {
			rc = lb_usage_error(cli, "handoff", "--since: '%s' is "
			    "not a past time (YYYY-MM-DDTHH:MM:SS or @EPOCH)",
			    since);
			goto out;
		}
	}
	started = o.h.started;
	if (build_ssh(&o) != 0) {
		rc = LB_EXIT_USAGE;
		goto out;
	}
	if (o.dry_run) {
		rc = lb_finish(cli, dry_run(&o, run));
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s", opt(&o, "state_dir"));
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		lb_error(cli, "cannot create '%s': %s", dir, strerror(errno));
		rc = LB_EXIT_FAIL;
		goto out;
	}
	snprintf(o.state_path, sizeof(o.state_path), "%s/state", dir);
	snprintf(o.report_path, sizeof(o.report_path), "%s/restore-report.json",
	    dir);
	if (from != NULL && state_load(&o) == 0) {
		if (since != NULL)	/* what the user says wins */
			o.h.started = started;
		say(&o, "resuming hand-off %s at '%s'", o.id, from);
	} else {
		struct tm tm;
		time_t now = time(NULL);

		if (from != NULL)
			lb_warn(cli, "no earlier hand-off to %s in '%s': the "
			    "clock starts now", o.host, o.state_path);
		gmtime_r(&now, &tm);
		strftime(o.id, sizeof(o.id), "%Y%m%dT%H%M%SZ", &tm);
	}
	o.h.id = o.id;
	o.h.host = o.host;
	lb_cli_signals();
	rc = LB_EXIT_OK;
	for (s = 0; s < S_N && rc == LB_EXIT_OK; s++) {
		if (!run[s])
			continue;
		o.step = step_names[s];
		t = mono();
		switch (s) {
		case S_WAIT:
			rc = step_wait(&o);
			break;
		case S_RESTORE:
			rc = step_restore(&o);
			break;
		case S_REBOOT:
			rc = step_reboot(&o);
			break;
		case S_INVENTORY:
			rc = step_inventory(&o);
			break;
		case S_TERRAFORM:
			rc = step_command(&o, "terraform", "terraform_dir", 1);
			break;
		case S_ANSIBLE:
			rc = step_command(&o, "ansible", "ansible_dir", 0);
			break;
		case S_CHECK:
			rc = step_check(&o);
			break;
		}
		t = mono() - t;
		if (s != S_RESTORE)
			lb_history_phase(&o.h, s == S_CHECK ? "checks" :
			    step_names[s], t);
		if (rc == LB_EXIT_OK) {
			say(&o, "ok (%.1f s)", t);
			state_save(&o, step_names[s]);
		} else if (o.error[0] == '\0')
			snprintf(o.error, sizeof(o.error), "step %s failed",
			    step_names[s]);
	}
	stopped = rc == LB_EXIT_OK ? NULL : o.step;
	finish(&o, rc == LB_EXIT_OK, stopped);
	if (stopped != NULL && cli->verbosity >= 0)
		fprintf(stderr, "%s: the hand-off stopped at '%s'; after a "
		    "fix: lifeboat handoff --host %s --from %s\n", cli->prog,
		    stopped, o.host, stopped);
	rc = lb_finish(cli, rc);
out:
	lb_words_free(w);
	argv_free(o.ssh, o.nssh);
	lb_config_release(&cfg);
	return rc;
}
