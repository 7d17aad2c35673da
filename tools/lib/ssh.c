/*
 * ssh.c: see ssh.h. Commands are argv lists given to no local shell; the
 * remote shell splits the line again, so every word that needs it is
 * quoted. Probes ('true') capture and hide their output: their failures
 * are ssh's own messages, summed up by the waits.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ssh.h"

static int
add(struct lb_strv *v, const char *a, const char *b)
{
	return lb_strv_add(v, a) != 0 || (b != NULL && lb_strv_add(v, b) != 0)
	    ? -1 : 0;
}

int
lb_ssh_init(struct lb_ssh *s, const struct lb_config *cfg, const char *host,
    const char *identity, const char *known_hosts, struct lb_err *err)
{
	const char *port = lb_config_handoff(cfg, "ssh_port");
	const char *user = lb_config_handoff(cfg, "ssh_user");
	const char *ssh = lb_config_handoff(cfg, "ssh");
	char kho[PATH_MAX + 32];
	int r;

	memset(s, 0, sizeof(*s));
	s->host = host;
	snprintf(s->where, sizeof(s->where), "%s@%s", user, host);
	if ((r = lb_strv_words(&s->argv, ssh, err)) != LB_OK) {
		snprintf(kho, sizeof(kho), "%s", err->msg);
		return lb_err_set(err, r, 0, "[handoff] ssh '%s': %s", ssh,
		    kho);
	}
	if (add(&s->argv, "-o", "BatchMode=yes") || add(&s->argv, "-o",
	    "ConnectTimeout=10") || add(&s->argv, "-o",
	    "ServerAliveInterval=15"))
		goto oom;
	if (port != NULL && add(&s->argv, "-p", port))
		goto oom;
	if (identity != NULL && (add(&s->argv, "-i", identity) ||
	    add(&s->argv, "-o", "IdentitiesOnly=yes")))
		goto oom;
	if (known_hosts != NULL) {
		snprintf(kho, sizeof(kho), "UserKnownHostsFile=%s",
		    known_hosts);
		if (add(&s->argv, "-o", kho) || add(&s->argv, "-o",
		    "StrictHostKeyChecking=yes"))
			goto oom;
	}
	if (add(&s->argv, "-l", user) || add(&s->argv, host, "--"))
		goto oom;
	return LB_OK;
oom:
	return lb_err_set(err, LB_ENOMEM, ENOMEM, "out of memory");
}

void
lb_ssh_release(struct lb_ssh *s)
{
	lb_strv_release(&s->argv, 0);
}

char *
lb_ssh_line(char *const *words, size_t n)
{
	static const char plain[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_./:=@%+,-";
	size_t i, len = 0, cap = 64;
	char *out, *q, *p;

	if ((out = malloc(cap)) == NULL)
		return NULL;
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (words[i][0] != '\0' && words[i][strspn(words[i], plain)] ==
		    '\0')
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

int
lb_ssh_run(const struct lb_ssh *s, const char *line, const char *input,
    size_t ilen, double timeout, int flags, struct lb_proc_result *pr,
    struct lb_err *err)
{
	struct lb_proc_opts po;
	char **argv;
	size_t i;
	int r;

	if ((argv = calloc(s->argv.n + 2, sizeof(*argv))) == NULL)
		return lb_err_set(err, LB_EHANDOFF, ENOMEM, "out of memory");
	for (i = 0; i < s->argv.n; i++)
		argv[i] = s->argv.v[i];
	argv[i] = (char *)line;
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.input = input;
	po.input_len = ilen;
	po.timeout = timeout;
	po.capture = flags & LB_SSH_CAPTURE;
	po.on_line = flags & LB_SSH_QUIET ? NULL : s->on_line;
	po.arg = s->arg;
	r = lb_proc_run(&po, pr, err);
	free(argv);
	if (r != LB_OK && r != LB_EINTR)
		err->code = r = LB_EHANDOFF;
	return r;
}

static void
note(const struct lb_ssh *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
note(const struct lb_ssh *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (s->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->note(s->arg, msg);
}

static void
sleep_s(double secs)
{
	while (secs > 0 && !lb_stop_requested) {
		struct timespec ts = { 0, 200000000 };

		nanosleep(&ts, NULL);
		secs -= 0.2;
	}
}

/* One 'ssh HOST true': 1 it answered, 0 it did not (why in why), or an
 * error code. */
static int
probe(const struct lb_ssh *s, double timeout, char *why, size_t wlen,
    struct lb_err *err)
{
	struct lb_proc_result pr;
	int r;

	if ((r = lb_ssh_run(s, "true", NULL, 0, timeout, LB_SSH_CAPTURE |
	    LB_SSH_QUIET, &pr, err)) != LB_OK)
		return r;
	snprintf(why, wlen, "%s", pr.last[0] ? pr.last : "ssh failed");
	r = pr.status == 0;
	lb_proc_result_release(&pr);
	return r;
}

int
lb_ssh_wait(const struct lb_ssh *s, double limit, struct lb_err *err)
{
	double t0 = lb_clock_mono(), wait = 1, last_said = -100;
	char why[256];
	int r;

	note(s, "waiting for ssh %s (up to %.0f s)", s->where, limit);
	for (;;) {
		if ((r = probe(s, 60, why, sizeof(why), err)) < 0)
			return r;
		if (r == 1) {
			note(s, "%s answers after %.1f s", s->where,
			    lb_clock_mono() - t0);
			return LB_OK;
		}
		if (lb_stop_requested)
			return lb_err_set(err, LB_EINTR, 0, "interrupted");
		if (lb_clock_mono() - t0 + wait > limit)
			return lb_err_set(err, LB_EHANDOFF, 0, "no ssh to %s "
			    "after %.0f s: %s", s->where,
			    lb_clock_mono() - t0, why);
		if (lb_clock_mono() - last_said >= 30) {
			note(s, "not yet: %s", why);
			last_said = lb_clock_mono();
		}
		sleep_s(wait);
		wait = wait * 2 < 10 ? wait * 2 : 10;
	}
}

int
lb_ssh_reboot(const struct lb_ssh *s, const char *line, double limit,
    int *down, struct lb_err *err)
{
	struct lb_proc_result pr;
	double t0 = lb_clock_mono();
	char why[256];
	int r;

	note(s, "running %s on %s", line, s->host);
	/* the connection drops as the host goes down: its status says
	 * nothing; the host going away and coming back does */
	if ((r = lb_ssh_run(s, line, NULL, 0, 60, LB_SSH_CAPTURE, &pr,
	    err)) != LB_OK)
		return r;
	lb_proc_result_release(&pr);
	while ((r = probe(s, 30, why, sizeof(why), err)) == 1) {
		if (lb_stop_requested)
			return lb_err_set(err, LB_EINTR, 0, "interrupted");
		if (lb_clock_mono() - t0 > limit)
			return lb_err_set(err, LB_EHANDOFF, 0, "%s still "
			    "answers %.0f s after the reboot command",
			    s->host, lb_clock_mono() - t0);
		sleep_s(1);
	}
	if (r < 0)
		return r;
	note(s, "%s went down after %.1f s", s->host, lb_clock_mono() - t0);
	*down = 1;
	return lb_ssh_wait(s, limit - (lb_clock_mono() - t0), err);
}
