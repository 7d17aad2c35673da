/*
 * handoff.c: see handoff.h. One table of steps drives both the run and
 * the dry run, so that what --dry-run says is what a run does. Commands
 * are argv lists, never given to a shell here; the remote ones go through
 * ssh.c. Secrets (the pushed credentials, TF_VAR_* values) only ever
 * travel through stdin and the environment (handoff_env.c), and are never
 * in an event.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "files.h"
#include "handoff.h"
#include "handoff_env.h"
#include "inventory.h"
#include "jread.h"
#include "strv.h"

/* The keys of enum lb_handoff_path. */
static const char *const path_keys[LB_HP_N] = { "identity_file",
	"known_hosts", "remote_config", "inventory", "terraform_dir",
	"tf_var_file", "ansible_dir", "state_dir" };

static const char *
opt(const struct lb_handoff *ho, const char *key)
{
	return lb_config_handoff(ho->o.cfg, key);
}

static void
tell(struct lb_handoff *ho, enum lb_handoff_event ev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
tell(struct lb_handoff *ho, enum lb_handoff_event ev, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ho->o.event != NULL)
		ho->o.event(ho->o.arg, ev, ho->step, msg);
}

#define say(ho, ...) tell(ho, LB_HO_NOTE, __VA_ARGS__)

/* The step fails: the reason is kept and told; returns code. */
static int
fail(struct lb_handoff *ho, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
fail(struct lb_handoff *ho, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ho->error, sizeof(ho->error), fmt, ap);
	va_end(ap);
	tell(ho, LB_HO_FAILED, "%s", ho->error);
	return code;
}

static int
fail_err(struct lb_handoff *ho, int code, const struct lb_err *err)
{
	return fail(ho, code, "%s", err->msg);
}

static void
on_line(void *arg, int fd, const char *line)
{
	(void)fd;
	tell(arg, LB_HO_OUTPUT, "%s", line);
}

static void
on_note(void *arg, const char *msg)
{
	say((struct lb_handoff *)arg, "%s", msg);
}

/* The exit status of a remote lifeboat, as the code it stands for. */
static int
code_of_exit(int status)
{
	static const int codes[] = { LB_OK, LB_EFAIL, LB_EUSAGE,
		LB_ENOBACKUP, LB_EVERIFY, LB_ESTORE, LB_EDEST, LB_ECHECK,
		LB_EHANDOFF };

	return status >= 2 && status <= 6 ? codes[status] : LB_EHANDOFF;
}

/* The remote lifeboat's words for verb: REMOTE_LIFEBOAT -c - [--json]
 * VERB ARGS, into words. */
static int
remote_words(struct lb_handoff *ho, const char *verb, const char *args,
    struct lb_strv *words)
{
	struct lb_err err;

	return lb_strv_words(words, opt(ho, "remote_lifeboat"), &err) !=
	    LB_OK || lb_strv_add(words, "-c") || lb_strv_add(words, "-") ||
	    (strcmp(verb, "restore") == 0 && lb_strv_add(words, "--json")) ||
	    lb_strv_add(words, verb) ||
	    lb_strv_words(words, args, &err) != LB_OK ? -1 : 0;
}

/* A failure to make the pushed config: a bad config is a usage error. */
static int
push_failed(struct lb_handoff *ho, const struct lb_err *err)
{
	return fail_err(ho, err->code == LB_ENOMEM ? LB_EFAIL : LB_EUSAGE,
	    err);
}

/* wait-ssh */

static int
run_wait(struct lb_handoff *ho)
{
	struct lb_err err;
	long long limit = 0;
	int r;

	lb_parse_duration(opt(ho, "ssh_wait"), &limit);
	if ((r = lb_ssh_wait(&ho->ssh, (double)limit, &err)) != LB_OK)
		return fail_err(ho, r, &err);
	ho->reached = 1;
	return LB_OK;
}

static int
describe_wait(struct lb_handoff *ho)
{
	char *line = lb_ssh_line(ho->ssh.argv.v, ho->ssh.argv.n);

	say(ho, "would wait up to %s for: %s true", opt(ho, "ssh_wait"),
	    line ? line : "ssh");
	free(line);
	return LB_OK;
}

/* restore */

/* Keep the report the host's lifeboat printed, for the person. */
static void
keep_report(struct lb_handoff *ho, const struct lb_proc_result *pr)
{
	struct lb_err err;

	if (lb_write_atomic(ho->report_path, pr->out, pr->out_len, 0600,
	    &err) != LB_OK)
		tell(ho, LB_HO_WARN, "%s", err.msg);
	else
		say(ho, "report kept in %s", ho->report_path);
}

/* Only a committed restore counts, whatever the exit status said. */
static int
committed(const struct lb_jval *rep)
{
	const char *r = rep ? lb_jread_str(rep, "result") : NULL;
	const struct lb_jval *d = rep ? lb_jread_get(rep, "dry_run") : NULL;

	return r != NULL && strcmp(r, "ok") == 0 && d != NULL &&
	    d->type == LB_JBOOL && !d->boolean;
}

/* What the remote restore's output and status say. */
static int
restore_outcome(struct lb_handoff *ho, const struct lb_proc_result *pr)
{
	struct lb_jval *rep = NULL;
	const char *e;
	char why[256];
	int rc;

	snprintf(why, sizeof(why), "no report on its standard output");
	if (pr->out_len > 0 && lb_jread_parse(pr->out, pr->out_len, &rep, why,
	    sizeof(why)) == 0)
		keep_report(ho, pr);
	if (pr->status == 0 && !committed(rep))
		rc = fail(ho, LB_EHANDOFF, "the restore on %s did not report "
		    "a committed restore (result ok, not a dry run)%s%s",
		    ho->host, rep == NULL ? ": " : "", rep == NULL ? why : "");
	else if (pr->status != 0 || rep == NULL) {
		e = rep != NULL ? lb_jread_str(rep, "error") : NULL;
		rc = fail(ho, code_of_exit(pr->status), "the restore on %s "
		    "failed (exit %d): %s", ho->host, pr->status, e ? e :
		    pr->last[0] ? pr->last : "no report");
	} else {
		lb_history_from_report(&ho->h, rep, &ho->got);
		say(ho, "restored '%s' on %s", ho->h.archive, ho->host);
		ho->restored = ho->reached = 1;
		rc = LB_OK;
	}
	lb_jread_free(rep);
	return rc;
}

static int
run_restore(struct lb_handoff *ho)
{
	struct lb_strv words = { NULL, 0 };
	struct lb_proc_result pr;
	struct lb_err err;
	char *line = NULL, *input, names[256];
	size_t ilen = 0;
	int rc;

	if ((input = lb_handoff_pushed_config(ho->o.cfg,
	    ho->path[LB_HP_REMOTE_CONFIG], &ilen, names, sizeof(names),
	    &err)) == NULL)
		return push_failed(ho, &err);
	if (remote_words(ho, "restore", opt(ho, "restore_args"), &words) !=
	    0 || (line = lb_ssh_line(words.v, words.n)) == NULL) {
		rc = fail(ho, LB_EUSAGE, "[handoff] remote_lifeboat or "
		    "restore_args cannot be split into words");
		goto out;
	}
	say(ho, "running %s on %s (config and %s through stdin)", line,
	    ho->host, names[0] ? names : "no variables");
	if ((rc = lb_ssh_run(&ho->ssh, line, input, ilen, 0, LB_SSH_CAPTURE,
	    &pr, &err)) != LB_OK) {
		rc = fail_err(ho, rc, &err);
		goto out;
	}
	rc = restore_outcome(ho, &pr);
	lb_proc_result_release(&pr);
out:
	explicit_bzero(input, ilen);
	free(input);
	free(line);
	lb_strv_release(&words, 0);
	return rc;
}

static int
describe_restore(struct lb_handoff *ho)
{
	const char *rc = ho->path[LB_HP_REMOTE_CONFIG];
	char *line, *in, names[256];
	struct lb_err err;
	size_t il = 0;
	int r = LB_OK;

	line = lb_ssh_line(ho->ssh.argv.v, ho->ssh.argv.n);
	in = lb_handoff_pushed_config(ho->o.cfg, rc, &il, names,
	    sizeof(names), &err);
	if (in == NULL)
		r = push_failed(ho, &err);
	else {
		explicit_bzero(in, il);
		free(in);
	}
	say(ho, "would run: %s %s -c - --json restore %s", line ? line :
	    "ssh", opt(ho, "remote_lifeboat"), opt(ho, "restore_args"));
	say(ho, "stdin: %s, then [env] with %s", rc ? rc : ho->o.cfg->path ?
	    ho->o.cfg->path : "(no config)", names[0] ? names :
	    "no variable (none set)");
	free(line);
	return r;
}

/* reboot */

static int
run_reboot(struct lb_handoff *ho)
{
	struct lb_strv words = { NULL, 0 };
	struct lb_err err;
	long long limit = 0;
	char *line;
	int r;

	lb_parse_duration(opt(ho, "reboot_wait"), &limit);
	if (lb_strv_words(&words, opt(ho, "reboot_command"), &err) != LB_OK)
		return fail(ho, LB_EUSAGE, "reboot_command: %s", err.msg);
	line = lb_ssh_line(words.v, words.n);
	lb_strv_release(&words, 0);
	if (line == NULL)
		return fail(ho, LB_EFAIL, "out of memory");
	r = lb_ssh_reboot(&ho->ssh, line, (double)limit, &ho->rebooted, &err);
	free(line);
	if (r != LB_OK)
		return fail_err(ho, r, &err);
	ho->reached = 1;
	return LB_OK;
}

static int
describe_reboot(struct lb_handoff *ho)
{
	char *line = lb_ssh_line(ho->ssh.argv.v, ho->ssh.argv.n);

	say(ho, "would run: %s %s, wait for %s to go down and answer again "
	    "(up to %s)", line ? line : "ssh", opt(ho, "reboot_command"),
	    ho->host, opt(ho, "reboot_wait"));
	free(line);
	return LB_OK;
}

/* inventory */

/* inventory_host with {host} replaced */
static int
host_line(const struct lb_handoff *ho, char *buf, size_t len)
{
	const char *t = opt(ho, "inventory_host"), *p;
	size_t n = 0;

	for (p = t; *p != '\0' && n + 1 < len; p++) {
		if (strncmp(p, "{host}", 6) == 0) {
			n += (size_t)snprintf(buf + n, len - n, "%s", ho->host);
			p += 5;
		} else
			buf[n++] = *p;
	}
	if (n >= len)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* The inventory must be there: a new file Ansible is not pointed at would
 * be updated in vain, and Ansible would run against the old address. */
static int
inventory_there(struct lb_handoff *ho)
{
	struct stat st;

	if (stat(ho->path[LB_HP_INVENTORY], &st) == 0)
		return LB_OK;
	return fail(ho, LB_EHANDOFF, "inventory '%s' %s: nothing was written "
	    "(a relative path is taken from the config's directory)",
	    ho->path[LB_HP_INVENTORY], errno == ENOENT ? "does not exist" :
	    strerror(errno));
}

static int
run_inventory(struct lb_handoff *ho)
{
	const char *inv = ho->path[LB_HP_INVENTORY];
	struct lb_err err;
	char line[1024];
	int changed;

	if (host_line(ho, line, sizeof(line)) != 0)
		return fail(ho, LB_EUSAGE, "inventory_host is too long");
	if (inventory_there(ho) != LB_OK)
		return LB_EHANDOFF;
	if (lb_inventory_update(inv, opt(ho, "inventory_group"), line,
	    &changed, &err) != LB_OK)
		return fail_err(ho, LB_EHANDOFF, &err);
	say(ho, "%s: [%s] %s (%s)", inv, opt(ho, "inventory_group"), line,
	    changed ? "written" : "already so");
	return LB_OK;
}

static int
describe_inventory(struct lb_handoff *ho)
{
	char hl[1024];

	if (host_line(ho, hl, sizeof(hl)) != 0)
		return fail(ho, LB_EUSAGE, "inventory_host is too long");
	say(ho, "would write to %s: [%s] %s", ho->path[LB_HP_INVENTORY],
	    opt(ho, "inventory_group"), hl);
	return inventory_there(ho);
}

/* terraform and ansible: a command here */

struct local_cmd {
	const char *key;		/* the command's key */
	enum lb_handoff_path dir;	/* where it runs */
	int tf;				/* terraform's environment */
};

static const struct local_cmd terraform = { "terraform",
	LB_HP_TERRAFORM_DIR, 1 };
static const struct local_cmd ansible = { "ansible", LB_HP_ANSIBLE_DIR, 0 };

static int
run_local(struct lb_handoff *ho, const struct local_cmd *c)
{
	struct lb_strv argv = { NULL, 0 }, env = { NULL, 0 };
	const char *dir = ho->path[c->dir];
	char shown[1024], *line = NULL;
	struct lb_proc_result pr;
	struct lb_proc_opts po;
	struct lb_err err;
	int rc;

	if (lb_strv_words(&argv, opt(ho, c->key), &err) != LB_OK ||
	    argv.n == 0) {
		rc = fail(ho, LB_EUSAGE, "[handoff] %s: no command", c->key);
		goto out;
	}
	if ((rc = lb_handoff_env(ho->o.cfg, ho->host,
	    ho->path[LB_HP_TF_VAR_FILE], c->tf, &env, shown, sizeof(shown),
	    &err)) != LB_OK) {
		rc = fail_err(ho, rc == LB_EUSAGE ? rc : LB_EFAIL, &err);
		goto out;
	}
	line = lb_ssh_line(argv.v, argv.n);
	say(ho, "$ %s  (in %s%s%s)", line ? line : argv.v[0], dir,
	    shown[0] ? "; " : "", shown);
	memset(&po, 0, sizeof(po));
	po.argv = argv.v;
	po.cwd = dir;
	po.env = env.v;
	po.on_line = on_line;
	po.arg = ho;
	if ((rc = lb_proc_run(&po, &pr, &err)) != LB_OK) {
		rc = fail_err(ho, rc == LB_EINTR ? rc : LB_EHANDOFF, &err);
		goto out;
	}
	rc = pr.status == 0 ? LB_OK : fail(ho, LB_EHANDOFF, "'%s' failed "
	    "(%s %d)%s%s", argv.v[0], pr.signal ? "signal" : "exit",
	    pr.signal ? pr.signal : pr.status, pr.last[0] ? ": " : "",
	    pr.last);
	lb_proc_result_release(&pr);
out:
	free(line);
	lb_strv_release(&argv, 0);
	lb_strv_release(&env, 1);
	return rc;
}

static int
describe_local(struct lb_handoff *ho, const struct local_cmd *c)
{
	struct lb_strv env = { NULL, 0 };
	struct lb_err err;
	char shown[1024];
	int r = LB_OK;

	if (lb_handoff_env(ho->o.cfg, ho->host, ho->path[LB_HP_TF_VAR_FILE],
	    c->tf, &env, shown, sizeof(shown), &err) != LB_OK) {
		r = fail_err(ho, err.code == LB_EUSAGE ? LB_EUSAGE : LB_EFAIL,
		    &err);
		shown[0] = '\0';
	}
	lb_strv_release(&env, 1);
	say(ho, "would run: %s  (in %s%s%s)", opt(ho, c->key),
	    ho->path[c->dir], shown[0] ? "; " : "", shown);
	return r;
}

static int
run_terraform(struct lb_handoff *ho)
{
	return run_local(ho, &terraform);
}

static int
describe_terraform(struct lb_handoff *ho)
{
	return describe_local(ho, &terraform);
}

static int
run_ansible(struct lb_handoff *ho)
{
	return run_local(ho, &ansible);
}

static int
describe_ansible(struct lb_handoff *ho)
{
	return describe_local(ho, &ansible);
}

/* check */

/* Run the checks of one priority group that name the host's own
 * addresses on the host: its lifeboat gets a config of those checks
 * alone (nothing else of ours, no credential) on stdin. */
static int
remote_checks(struct lb_handoff *ho, int prio)
{
	struct lb_strv words = { NULL, 0 };
	char *line = NULL, *text = NULL;
	struct lb_proc_result pr;
	struct lb_err err;
	size_t tlen = 0, i, n = 0;
	FILE *f;
	int rc = LB_EFAIL;

	if ((f = open_memstream(&text, &tlen)) == NULL)
		return fail(ho, LB_EFAIL, "out of memory");
	if (remote_words(ho, "check", NULL, &words) != 0)
		goto out;
	for (i = 0; i < ho->o.cfg->nchecks; i++) {
		const struct lb_check_conf *c = &ho->o.cfg->checks[i];

		if (c->priority != prio || !lb_check_is_local(c))
			continue;
		lb_check_conf_write(f, c);
		if (lb_strv_add(&words, c->name) != 0)
			goto out;
		n++;
	}
	if (fclose(f) != 0 || n == 0) {
		f = NULL;
		rc = n == 0 ? LB_OK : fail(ho, LB_EFAIL, "out of memory");
		goto out;
	}
	f = NULL;
	if ((line = lb_ssh_line(words.v, words.n)) == NULL)
		goto out;
	say(ho, "on %s (they name it): %s", ho->host, line);
	if ((rc = lb_ssh_run(&ho->ssh, line, text, tlen, 0, 0, &pr, &err)) !=
	    LB_OK) {
		rc = fail_err(ho, rc, &err);
		goto out;
	}
	rc = pr.status == 0 ? LB_OK : fail(ho, pr.status == 7 ? LB_ECHECK :
	    LB_EHANDOFF, "checks on %s failed (exit %d)", ho->host,
	    pr.status);
	lb_proc_result_release(&pr);
out:
	if (f != NULL)
		fclose(f);
	free(text);
	free(line);
	lb_strv_release(&words, 0);
	return rc;
}

/* The checks of one priority group that run here. */
static int
local_checks(struct lb_handoff *ho, int prio)
{
	const struct lb_config *cfg = ho->o.cfg;
	char **names;
	size_t n = 0, i;
	int rc = LB_OK;

	if ((names = calloc(cfg->nchecks + 1, sizeof(*names))) == NULL)
		return fail(ho, LB_EFAIL, "out of memory");
	for (i = 0; i < cfg->nchecks; i++)
		if (cfg->checks[i].priority == prio &&
		    !lb_check_is_local(&cfg->checks[i]))
			names[n++] = cfg->checks[i].name;
	if (n > 0) {
		say(ho, "on this machine: %zu check%s", n, n > 1 ? "s" : "");
		rc = ho->o.run_checks(ho->o.arg, names, n);
		if (rc != LB_OK)
			fail(ho, rc, "checks failed");
	}
	free(names);
	return rc;
}

/* The checks, by priority group as 'lifeboat check' runs them: those that
 * name this machine's own addresses run on the host through ssh, the
 * others here; a group with a failure stops the later ones. */
static int
run_check(struct lb_handoff *ho)
{
	int prio, rc = LB_OK;

	if (ho->o.cfg->nchecks == 0)
		return fail(ho, LB_EUSAGE, "no [check \"NAME\"] section in the "
		    "config");
	for (prio = 1; prio <= LB_MAX_PRIO + 1 && rc == LB_OK; prio++)
		if ((rc = remote_checks(ho, prio)) == LB_OK)
			rc = local_checks(ho, prio);
	return rc;
}

static int
describe_check(struct lb_handoff *ho)
{
	const struct lb_check_conf *c;
	size_t i;

	for (i = 0; i < ho->o.cfg->nchecks; i++) {
		c = &ho->o.cfg->checks[i];
		say(ho, "would check '%s' (%s) %s", c->name, c->target,
		    lb_check_is_local(c) ? "on the host, over ssh" :
		    "from this machine");
	}
	return LB_OK;
}

/* The table */

static const struct step {
	const char *name;
	const char *phase;	/* its time in the history; NULL: the
				   phases it reports itself */
	int (*run)(struct lb_handoff *);
	int (*describe)(struct lb_handoff *);
} steps[] = {
	{ "wait-ssh", "wait-ssh", run_wait, describe_wait },
	{ "restore", NULL, run_restore, describe_restore },
	{ "reboot", "reboot", run_reboot, describe_reboot },
	{ "inventory", "inventory", run_inventory, describe_inventory },
	{ "terraform", "terraform", run_terraform, describe_terraform },
	{ "ansible", "ansible", run_ansible, describe_ansible },
	{ "check", "check", run_check, describe_check },
};
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

const char *const lb_handoff_steps[] = { "wait-ssh", "restore", "reboot",
	"inventory", "terraform", "ansible", "check", NULL };

static int
step_index(const char *name)
{
	size_t s;

	for (s = 0; s < NSTEPS; s++)
		if (strcmp(steps[s].name, name) == 0)
			return (int)s;
	return -1;
}

/* The state of a hand-off, kept in state_dir so that --from can resume
 * it: "key value" lines, replaced whole. */
static void
state_save(struct lb_handoff *ho, const char *done)
{
	struct lb_err err;
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;

	if ((f = open_memstream(&text, &len)) == NULL) {
		tell(ho, LB_HO_WARN, "cannot write '%s': out of memory",
		    ho->state_path);
		return;
	}
	fprintf(f, "id %s\nhost %s\nstarted %lld\ndone %s\n", ho->id,
	    ho->host, ho->h.started, done);
	if (ho->h.archive != NULL)
		fprintf(f, "archive %s\narchive_time %lld\n", ho->h.archive,
		    ho->h.archive_time);
	for (i = 0; i < ho->h.nphases; i++)
		fprintf(f, "phase %s %.3f\n", ho->h.phases[i].name,
		    ho->h.phases[i].seconds);
	if (fclose(f) != 0)
		tell(ho, LB_HO_WARN, "cannot write '%s': out of memory",
		    ho->state_path);
	else if (lb_write_atomic(ho->state_path, text, len, 0600, &err) !=
	    LB_OK)
		tell(ho, LB_HO_WARN, "%s", err.msg);
	free(text);
}

/* A phase name of a state file, as the static string the history keeps
 * ("checks": what a state file from before 0.1.1 calls "check"). */
static const char *
known_phase(const char *name)
{
	static const char *const names[] = { "select", "transfer", "commit",
		"wait-ssh", "restore", "reboot", "inventory", "terraform",
		"ansible", "check", NULL };
	int i;

	if (strcmp(name, "checks") == 0)
		name = "check";
	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], name) == 0)
			return names[i];
	return NULL;
}

/* Read the state of the hand-off to resume; nothing of it is taken
 * unless it is the same host's. */
static int
state_load(struct lb_handoff *ho)
{
	char line[512], k[32], v[400], id[32] = "", archive[256] = "";
	long long started = -1, atime = -1;
	struct lb_history h;
	double secs;
	FILE *f;
	int ok = 0;

	memset(&h, 0, sizeof(h));
	if ((f = fopen(ho->state_path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%31s %399[^\n]", k, v) != 2)
			continue;
		if (strcmp(k, "host") == 0)
			ok = strcmp(v, ho->host) == 0;
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
	snprintf(ho->id, sizeof(ho->id), "%s", id);
	ho->h.started = started;
	if (archive[0] != '\0') {
		snprintf(ho->archive, sizeof(ho->archive), "%s", archive);
		ho->h.archive = ho->archive;
		ho->h.archive_time = atime;
	}
	memcpy(ho->h.phases, h.phases, sizeof(h.phases));
	ho->h.nphases = h.nphases;
	return 0;
}

/* A path of [handoff], relative ones taken from the config's directory
 * (the user's shell may be anywhere when a disaster strikes). */
static char *
resolve(const struct lb_config *cfg, const char *v)
{
	const char *slash = cfg->path ? strrchr(cfg->path, '/') : NULL;
	size_t dl, n;
	char *out;

	if (v == NULL)
		return NULL;
	if (v[0] == '/' || slash == NULL)
		return strdup(v);
	dl = (size_t)(slash - cfg->path);
	if (dl == 0)
		dl = 1;		/* a config in / */
	if (strcmp(v, ".") == 0)
		return strndup(cfg->path, dl);
	n = dl + strlen(v) + 2;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%.*s%s%s", (int)dl, cfg->path,
		    dl == 1 && cfg->path[0] == '/' ? "" : "/", v);
	return out;
}

/* The steps to run: those of [handoff] steps, from --from on. */
static int
plan(struct lb_handoff *ho, struct lb_err *err)
{
	struct lb_strv w = { NULL, 0 };
	size_t i;
	int s, rc = LB_OK;

	if (lb_strv_words(&w, opt(ho, "steps"), err) != LB_OK) {
		char why[LB_ERR_MSG];

		snprintf(why, sizeof(why), "%s", err->msg);
		return lb_err_set(err, LB_EUSAGE, 0, "steps: %s", why);
	}
	for (i = 0; i < w.n && rc == LB_OK; i++) {
		if ((s = step_index(w.v[i])) < 0)
			rc = lb_err_set(err, LB_EUSAGE, 0, "steps: unknown "
			    "step '%s' (wait-ssh restore reboot inventory "
			    "terraform ansible check)", w.v[i]);
		else
			ho->steps |= 1u << s;
	}
	lb_strv_release(&w, 0);
	if (rc != LB_OK || ho->o.from == NULL)
		return rc;
	s = step_index(ho->o.from);
	if (s < 0 || !(ho->steps & 1u << s))
		return lb_err_set(err, LB_EUSAGE, 0, "--from: '%s' is not one "
		    "of the steps (%s)", ho->o.from, opt(ho, "steps"));
	ho->steps &= ~((1u << s) - 1);
	return LB_OK;
}

int
lb_handoff_init(struct lb_handoff *ho, const struct lb_handoff_opts *o,
    struct lb_err *err)
{
	int i, r;

	memset(ho, 0, sizeof(*ho));
	lb_err_clear(err);
	ho->o = *o;
	ho->step = "handoff";
	ho->h.kind = "handoff";
	ho->h.archive_time = -1;
	ho->h.rto = o->cfg->rto;
	ho->h.rpo = lb_config_rpo(o->cfg);
	if ((ho->host = o->host) == NULL &&
	    (ho->host = opt(ho, "host")) == NULL)
		return lb_err_set(err, LB_EUSAGE, 0, "no host: give --host "
		    "ADDR or [handoff] host");
	if (ho->host[0] == '-' || strpbrk(ho->host, " \t\n'\"\\;") != NULL)
		return lb_err_set(err, LB_EUSAGE, 0, "'%s' is not a host name "
		    "or address", ho->host);
	if ((r = plan(ho, err)) != LB_OK)
		return r;
	for (i = 0; i < LB_HP_N; i++)
		if (opt(ho, path_keys[i]) != NULL && (ho->path[i] =
		    resolve(o->cfg, opt(ho, path_keys[i]))) == NULL)
			return lb_err_set(err, LB_ENOMEM, ENOMEM,
			    "out of memory");
	if ((r = lb_ssh_init(&ho->ssh, o->cfg, ho->host,
	    ho->path[LB_HP_IDENTITY], ho->path[LB_HP_KNOWN_HOSTS], err)) !=
	    LB_OK)
		return r;
	ho->ssh.note = on_note;
	ho->ssh.on_line = on_line;
	ho->ssh.arg = ho;
	return LB_OK;
}

void
lb_handoff_release(struct lb_handoff *ho)
{
	int i;

	for (i = 0; i < LB_HP_N; i++)
		free(ho->path[i]);
	lb_ssh_release(&ho->ssh);
	free(ho->json);
	ho->json = NULL;
}

/* Where the target keeps its history: remote_history, or the target's
 * /var/lib/lifeboat as the host sees it at the end of the run (inside the
 * restore's --root while still in the rescue system). */
static void
remote_history_path(struct lb_handoff *ho, char *buf, size_t len)
{
	const char *p = opt(ho, "remote_history");
	struct lb_strv w = { NULL, 0 };
	struct lb_err err;
	size_t i;

	if (p != NULL) {
		snprintf(buf, len, "%s", p);
		return;
	}
	snprintf(buf, len, "/var/lib/lifeboat/history.jsonl");
	if (ho->rebooted || !ho->restored ||
	    lb_strv_words(&w, opt(ho, "restore_args"), &err) != LB_OK)
		return;
	for (i = 0; i + 1 < w.n; i++)
		if (strcmp(w.v[i], "--root") == 0)
			snprintf(buf, len, "%s/var/lib/lifeboat/history.jsonl",
			    w.v[i + 1]);
	lb_strv_release(&w, 0);
}

/* Append the record to the target's history, through ssh's stdin. */
static void
remote_history(struct lb_handoff *ho)
{
	char path[PATH_MAX], dir[PATH_MAX], *qp, *qd, *line, *in, *slash;
	struct lb_proc_result pr;
	struct lb_err err;
	size_t n, ilen;

	remote_history_path(ho, path, sizeof(path));
	if (path[0] == '\0')
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir)
		*slash = '\0';
	qp = lb_shell_quote(path);
	qd = lb_shell_quote(dir);
	n = (qp ? strlen(qp) : 0) + (qd ? strlen(qd) : 0) + 32;
	ilen = strlen(ho->json) + 1;
	line = malloc(n);
	in = malloc(ilen + 1);
	if (qp == NULL || qd == NULL || line == NULL || in == NULL)
		goto out;
	snprintf(line, n, "mkdir -p %s && cat >> %s", qd, qp);
	snprintf(in, ilen + 1, "%s\n", ho->json);
	if (lb_ssh_run(&ho->ssh, line, in, ilen, 30, LB_SSH_CAPTURE |
	    LB_SSH_QUIET, &pr, &err) != LB_OK)
		fail_err(ho, LB_EHANDOFF, &err);
	else {
		if (pr.status == 0)
			say(ho, "appended to %s:%s", ho->host, path);
		else
			tell(ho, LB_HO_WARN, "cannot append to %s:%s: %s",
			    ho->host, path, pr.last[0] ? pr.last :
			    "ssh failed");
		lb_proc_result_release(&pr);
	}
out:
	free(qp);
	free(qd);
	free(line);
	free(in);
}

/* The record, to the local history log and the host's. */
static void
finish(struct lb_handoff *ho, int ok)
{
	const char *local = lb_config_history(ho->o.cfg);
	struct lb_err err;

	ho->step = "history";
	ho->h.ok = ok;
	ho->h.ended = (long long)time(NULL);
	ho->h.error = ok ? NULL : ho->error;
	ho->h.failed_step = ho->stopped;
	if (lb_history_json(&ho->h, &ho->json) != 0) {
		tell(ho, LB_HO_WARN, "out of memory");
		return;
	}
	if (*local != '\0' && lb_history_append(local, ho->json, &err) !=
	    LB_OK)
		tell(ho, LB_HO_WARN, "%s", err.msg);
	if (ho->reached)
		remote_history(ho);
}

/* state_dir, and the run resumed or a new id. */
static int
start(struct lb_handoff *ho, struct lb_err *err)
{
	const char *dir = ho->path[LB_HP_STATE_DIR];
	time_t now = time(NULL);
	struct tm tm;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return lb_err_set(err, LB_EFAIL, errno, "cannot create '%s': "
		    "%s", dir, strerror(errno));
	snprintf(ho->state_path, sizeof(ho->state_path), "%s/state", dir);
	snprintf(ho->report_path, sizeof(ho->report_path),
	    "%s/restore-report.json", dir);
	ho->h.started = ho->o.since >= 0 ? ho->o.since : (long long)now;
	if (ho->o.from != NULL && state_load(ho) == 0) {
		if (ho->o.since >= 0)	/* what the user says wins */
			ho->h.started = ho->o.since;
		say(ho, "resuming hand-off %s at '%s'", ho->id, ho->o.from);
	} else {
		if (ho->o.from != NULL)
			tell(ho, LB_HO_WARN, "no earlier hand-off to %s in "
			    "'%s': the clock starts now", ho->host,
			    ho->state_path);
		gmtime_r(&now, &tm);
		strftime(ho->id, sizeof(ho->id), "%Y%m%dT%H%M%SZ", &tm);
	}
	ho->h.id = ho->id;
	ho->h.host = ho->host;
	return LB_OK;
}

int
lb_handoff_run(struct lb_handoff *ho, struct lb_err *err)
{
	size_t s;
	double t;
	int rc;

	if ((rc = start(ho, err)) != LB_OK)
		return rc;
	for (s = 0; s < NSTEPS && rc == LB_OK; s++) {
		if (!(ho->steps & 1u << s))
			continue;
		ho->step = steps[s].name;
		t = lb_clock_mono();
		rc = steps[s].run(ho);
		t = lb_clock_mono() - t;
		if (steps[s].phase != NULL)
			lb_history_phase(&ho->h, steps[s].phase, t);
		if (rc == LB_OK) {
			say(ho, "ok (%.1f s)", t);
			state_save(ho, steps[s].name);
			continue;
		}
		ho->stopped = steps[s].name;
		if (ho->error[0] == '\0')
			snprintf(ho->error, sizeof(ho->error), "step %s "
			    "failed", steps[s].name);
	}
	finish(ho, rc == LB_OK);
	return rc;
}

int
lb_handoff_describe(struct lb_handoff *ho)
{
	char hist[PATH_MAX];
	size_t s;
	int rc = LB_OK, r;

	for (s = 0; s < NSTEPS; s++) {
		if (!(ho->steps & 1u << s))
			continue;
		ho->step = steps[s].name;
		if ((r = steps[s].describe(ho)) != LB_OK)
			rc = r;
	}
	ho->step = "history";
	remote_history_path(ho, hist, sizeof(hist));
	if (hist[0] != '\0')
		say(ho, "would append the hand-off's line to %s:%s", ho->host,
		    hist);
	return rc;
}
