/*
 * common.c: see common.h.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "common.h"
#include "metrics.h"

int
lb_cli_push(char ***v, size_t *n, char *s)
{
	char **p = realloc(*v, (*n + 1) * sizeof(*p));

	if (p == NULL)
		return -1;
	p[(*n)++] = s;
	*v = p;
	return 0;
}

/* The passphrase prompt: on the terminal itself, echo off, so that it
 * never passes through a command line, an environment or a log. */
static int
ask_passphrase(void *arg, char *buf, size_t len)
{
	static const char prompt[] = "age passphrase: ";
	struct termios old, quiet;
	size_t n = 0;
	ssize_t r;
	int fd, restore;
	char c;

	(void)arg;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return -1;
	/* echo off before the prompt shows: what is typed as soon as it
	 * shows is neither echoed nor flushed away */
	restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (write(fd, prompt, sizeof(prompt) - 1) < 0) {
		if (restore)
			tcsetattr(fd, TCSAFLUSH, &old);
		close(fd);
		return -1;
	}
	while ((r = read(fd, &c, 1)) == 1 && c != '\n')
		if (n + 1 < len)
			buf[n++] = c;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (restore)
		tcsetattr(fd, TCSAFLUSH, &old);
	close(fd);
	return r < 0 ? -1 : 0;
}

int
lb_cli_age_keys(struct lb_cli *cli, const struct lb_config *cfg,
    char **files, size_t nfiles, struct lb_age_keys **out)
{
	struct lb_err err;

	lb_err_clear(&err);
	if (lb_age_keys_load(out, cfg, files, nfiles, &err) != LB_OK)
		return lb_cli_fail(cli, &err);
	if (isatty(STDIN_FILENO))
		lb_age_keys_set_prompt(*out, ask_passphrase, NULL);
	return LB_EXIT_OK;
}

int
lb_cli_load(struct lb_cli *cli, struct lb_config *cfg)
{
	struct lb_err err;
	size_t i;

	lb_err_clear(&err);
	if (lb_config_load(cfg, cli->config, &err) != LB_OK)
		return lb_cli_fail(cli, &err);
	/* [env] acts as the environment would; a variable already set wins,
	 * as a command-line option beats a config key. */
	for (i = 0; i < cfg->nenv; i++)
		if (setenv(cfg->env[i].key, cfg->env[i].value, 0) != 0) {
			lb_cli_error(cli, "cannot set %s", cfg->env[i].key);
			return LB_EXIT_FAIL;
		}
	return LB_EXIT_OK;
}

int
lb_cli_config(struct lb_cli *cli, struct lb_config *cfg, char **stores,
    size_t nstores)
{
	struct lb_err err;
	size_t i;
	int rc;

	lb_err_clear(&err);
	if ((rc = lb_cli_load(cli, cfg)) != LB_EXIT_OK)
		return rc;
	if (nstores > 0) {
		lb_config_clear_stores(cfg);
		for (i = 0; i < nstores; i++)
			if (lb_config_add_store(cfg, stores[i], &err) != LB_OK)
				return lb_cli_fail(cli, &err);
	}
	if (cfg->nstores == 0) {
		lb_cli_error(cli, "no store: give --store URL, or a [store "
		    "\"NAME\"] section in %s",
		    cfg->path ? cfg->path : LB_DEFAULT_CONFIG);
		return LB_EXIT_USAGE;
	}
	return LB_EXIT_OK;
}

void
lb_cli_human_bytes(long long n, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int u = 0;

	if (n < 0) {
		snprintf(buf, len, "?");
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lld B", n);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
}

void
lb_cli_progress(void *arg, long long done, long long total)
{
	struct lb_cli_meter *p = arg;
	char d[32], t[32], rate[32], eta[32] = "";
	double now = lb_clock_mono(), el, bps;
	int decile;

	if (p->cli->verbosity < 0)
		return;
	if (p->start == 0)	/* nothing named it: it starts now */
		p->start = p->last = now;
	el = now - p->start;
	bps = el > 0 ? (double)done / el : 0;
	lb_cli_human_bytes(done, d, sizeof(d));
	lb_cli_human_bytes(total, t, sizeof(t));
	lb_cli_human_bytes((long long)bps, rate, sizeof(rate));
	if (total > 0 && bps > 0 && done < total) {
		long long s = (long long)((double)(total - done) / bps);

		snprintf(eta, sizeof(eta), "  ETA %lld:%02lld", s / 60, s % 60);
	}
	if (p->tty) {
		fprintf(stderr, "\r%.40s  %s / %s  %s/s%s\033[K", p->name, d, t,
		    rate, eta);
		p->printed = 1;
		return;
	}
	/* A serial console or a log: a plain line every 10 % or 30 s. */
	decile = total > 0 ? (int)(done * 10 / total) : 0;
	if (decile > p->last_decile || now - p->last >= 30) {
		fprintf(stderr, "%s: %s: %s / %s (%d%%), %s/s%s\n",
		    p->cli->prog, p->name, d, t,
		    total > 0 ? (int)(done * 100 / total) : 0, rate, eta);
		p->last_decile = decile;
		p->last = now;
	}
}

void
lb_cli_progress_end(struct lb_cli_meter *p)
{
	if (p->printed) {
		fputc('\n', stderr);
		p->printed = 0;
	}
}

void
lb_cli_meter_start(struct lb_cli_meter *p, const char *name)
{
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->start = p->last = lb_clock_mono();
	p->last_decile = 0;
}

void
lb_cli_notice(void *arg, enum lb_notice_level l, const char *msg)
{
	struct lb_cli_meter *p = arg;

	lb_cli_progress_end(p);
	if (l == LB_WARN)
		lb_cli_warn(p->cli, "%s", msg);
	else if (p->cli->verbosity >= 0)
		fprintf(stderr, "%s: %s\n", p->cli->prog, msg);
}

void
lb_cli_restore_event(void *arg, const struct lb_restore_event *ev)
{
	struct lb_cli_meter *p = arg;

	lb_cli_progress_end(p);
	switch (ev->kind) {
	case LB_RESTORE_TRYING:
		/* the archive names the progress line */
		lb_cli_meter_start(p, ev->name);
		if (p->cli->verbosity >= 0)
			fprintf(stderr, "%s: %s '%s' from '%s'\n", p->cli->prog,
			    ev->doing, ev->name, ev->store);
		break;
	case LB_RESTORE_REJECTED:
		lb_cli_warn(p->cli, "rejected '%s': %s", ev->name, ev->reason);
		break;
	case LB_RESTORE_COMMITTED:
		if (p->cli->verbosity > 0)
			fprintf(stderr, "%s: '%s' is live%s\n", p->cli->prog,
			    ev->name, ev->replaced ? " (the one it replaced "
			    "is set aside)" : "");
		break;
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	lb_stop_requested = 1;
}

void
lb_cli_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* A segmented restore's groups: when each went live. */
static void
print_groups(const struct lb_restore_result *res)
{
	const struct lb_group_result *g;
	char p[16], b[32];
	size_t i;

	if (!res->segmented)
		return;
	printf("  by %zu segments, %d connections:\n", res->nsegments,
	    res->connections);
	for (i = 0; i < res->ngroups; i++) {
		g = &res->groups[i];
		if (g->priority <= LB_MAX_PRIO)
			snprintf(p, sizeof(p), "p%d", g->priority);
		else
			snprintf(p, sizeof(p), "no group");
		lb_cli_human_bytes(g->bytes, b, sizeof(b));
		if (g->live_after >= 0)
			printf("  %-8s %11s  live after %.2f s\n", p, b,
			    g->live_after);
		else
			printf("  %-8s %11s  %s\n", p, b, g->state);
	}
}

void
lb_cli_print_result(const struct lb_cli *cli,
    const struct lb_restore_result *res)
{
	char *json, size[32], b[32], age[64];
	const char *c;
	size_t i;

	if (cli->json) {
		if (lb_restore_report_json(res, &json) == 0) {
			puts(json);
			free(json);
		}
		return;
	}
	if (!res->ok) {
		/* the error line says it all, but for what went live */
		if (res->partial && cli->verbosity >= 0)
			print_groups(res);
		return;
	}
	if (cli->verbosity < 0 && res->mode == LB_MODE_RESTORE && !res->dry_run)
		return;
	lb_cli_human_bytes(res->archive_size, size, sizeof(size));
	lb_format_duration((long long)time(NULL) - res->archive_time, age,
	    sizeof(age));
	printf("%s '%s' from '%s'\n", res->mode != LB_MODE_RESTORE ?
	    "verified" : res->dry_run ? "would restore" : "restored",
	    res->archive_name, res->archive_store);
	printf("  archive: %s, made %s ago, sha256 %s (%s)\n", size, age,
	    res->archive_sha256, res->archive_verified ? "matches its checksum"
	    : res->archive_age ? "no checksum" : res->integrity != NULL &&
	    strcmp(res->integrity, "none") != 0 ? "no checksum: its "
	    "signature proves it" : "UNVERIFIED: no checksum");
	/* what was proven */
	if (res->archive_age)
		printf("  integrity: %s\n  authenticity: %s\n",
		    res->archive_verified ? "sha256 (its checksum matched), "
		    "and age: every chunk authenticated" : "age: every chunk "
		    "authenticated (intact; not proof of who made it: anyone "
		    "with the public recipient can)",
		    res->authenticity[0] ? res->authenticity : "none");
	else
		printf("  integrity: %s, authenticity: %s\n", res->integrity ?
		    res->integrity : "none", res->authenticity[0] ?
		    res->authenticity : "none");
	if (res->trusted_comment != NULL) {
		printf("  signed (%s), trusted comment: ", res->signature);
		for (c = res->trusted_comment; *c != '\0'; c++)
			putchar((unsigned char)*c < 0x20 || *c == 0x7f ? ' ' :
			    *c);
		putchar('\n');
	}
	for (i = 0; i < res->nrejected; i++)
		printf("  rejected: '%s' from '%s': %s\n",
		    res->rejected[i].name, res->rejected[i].store,
		    res->rejected[i].reason);
	if (res->mode == LB_MODE_RESTORE) {
		printf("  into %s (restore %s, layout %s)\n", res->dest,
		    res->id, res->layout ? res->layout : "?");
		printf("  %-36s %8s %11s  %s\n", "volume", "files", "bytes",
		    res->dry_run ? "exists" : "replaced");
		for (i = 0; i < res->nvolumes; i++) {
			lb_cli_human_bytes(res->volumes[i].bytes, b, sizeof(b));
			printf("  %-36s %8lld %11s  %s\n",
			    res->volumes[i].name, res->volumes[i].files, b,
			    res->volumes[i].replaced ? "yes" : "no");
		}
	}
	print_groups(res);
	printf("  timings: select %.2f s, transfer %.2f s, commit %.2f s, "
	    "total %.2f s\n", res->t_select, res->t_transfer, res->t_commit,
	    res->t_total);
}

int
lb_cli_metrics(const struct lb_cli *cli, const char *path,
    struct lb_metrics *m, int status)
{
	struct lb_err e;

	if (path != NULL && lb_metrics_write(m, path, &e) != LB_OK) {
		lb_cli_error(cli, "%s", e.msg);
		if (status == LB_EXIT_OK)
			status = LB_EXIT_FAIL;
	}
	lb_metrics_release(m);
	return status;
}
