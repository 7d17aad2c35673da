/*
 * cmd_check.c: "lifeboat check": the [check "NAME"] sections of the config,
 * run until each passes or its 'within' deadline passes, p1 first. A table
 * (or JSON) on stdout; exit 0 only when every check passed.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "clock.h"
#include "common.h"
#include "json.h"

static const char usage[] =
"usage: lifeboat check [NAME]...\n"
"\n"
"Run the service checks of the config ([check \"NAME\"] sections), or only\n"
"the ones named: an HTTP(S) URL that must answer a status (and hold a\n"
"string), a TCP port that must accept a connection, a command that must\n"
"exit 0. Each is retried until its 'within' deadline; p1 checks run\n"
"first, and a priority group with a failure stops the later ones.\n"
"Prints a table, or JSON with --json; exit 0 when all passed, 7 if not.\n"
"\n"
"  -h, --help  show this help and exit\n";

static const char *const state_name[] = {
	[LB_CHECK_PENDING] = "interrupted",
	[LB_CHECK_PASS] = "pass",
	[LB_CHECK_FAIL] = "FAIL",
	[LB_CHECK_SKIPPED] = "skipped",
};

static const char *const kind_name[] = {
	[LB_CHECK_NONE] = "none",
	[LB_CHECK_HTTP] = "http",
	[LB_CHECK_TCP] = "tcp",
	[LB_CHECK_COMMAND] = "command",
};

static void
report(void *arg, const struct lb_check_result *r, int retrying)
{
	const struct lb_cli *cli = arg;

	if (retrying) {
		if (cli->verbosity > 0)
			fprintf(stderr, "%s: check '%s': attempt %d: %s\n",
			    cli->prog, r->conf->name, r->attempts, r->error);
		else if (r->attempts == 1 && cli->verbosity >= 0)
			fprintf(stderr, "%s: check '%s': %s; trying again "
			    "for up to %lld s\n", cli->prog, r->conf->name,
			    r->error, r->conf->within);
		return;
	}
	if (r->state == LB_CHECK_PASS && cli->verbosity >= 0)
		fprintf(stderr, "%s: check '%s': passed after %.1f s\n",
		    cli->prog, r->conf->name, r->seconds);
	else if (r->state == LB_CHECK_FAIL)
		fprintf(stderr, "%s: check '%s' failed: %s\n", cli->prog,
		    r->conf->name, r->error);
}

static void
print_json(const struct lb_check_result *res, size_t n, int ok, double total)
{
	struct lb_json j;
	size_t i;

	lb_json_init(&j);
	lb_json_obj(&j);
	lb_json_key(&j, "result");
	lb_json_str(&j, ok ? "ok" : "failed");
	lb_json_key(&j, "seconds");
	lb_json_num(&j, total);
	lb_json_key(&j, "checks");
	lb_json_arr(&j);
	for (i = 0; i < n; i++) {
		const struct lb_check_conf *c = res[i].conf;

		lb_json_obj(&j);
		lb_json_key(&j, "name");
		lb_json_str(&j, c->name);
		lb_json_key(&j, "kind");
		lb_json_str(&j, kind_name[c->kind]);
		lb_json_key(&j, "target");
		lb_json_str(&j, c->target);
		lb_json_key(&j, "priority");
		if (c->priority <= LB_MAX_PRIO)
			lb_json_int(&j, c->priority);
		else
			lb_json_str(&j, NULL);
		lb_json_key(&j, "result");
		lb_json_str(&j, res[i].state == LB_CHECK_PASS ? "pass" :
		    res[i].state == LB_CHECK_SKIPPED ? "skipped" : "fail");
		lb_json_key(&j, "seconds");
		lb_json_num(&j, res[i].seconds);
		lb_json_key(&j, "attempts");
		lb_json_int(&j, res[i].attempts);
		lb_json_key(&j, "error");
		lb_json_str(&j, res[i].state == LB_CHECK_PASS ? NULL :
		    res[i].error);
		lb_json_obj_end(&j);
	}
	lb_json_arr_end(&j);
	lb_json_obj_end(&j);
	if (!j.failed)
		puts(j.buf);
	lb_json_release(&j);
}

static void
print_table(const struct lb_check_result *res, size_t n)
{
	size_t i;

	printf("%-20s %-4s %-11s %9s %8s  %s\n", "check", "prio", "result",
	    "time", "attempts", "last error");
	for (i = 0; i < n; i++) {
		const struct lb_check_result *r = &res[i];
		char prio[8] = "-", t[16] = "-";

		if (r->conf->priority <= LB_MAX_PRIO)
			snprintf(prio, sizeof(prio), "p%d", r->conf->priority);
		if (r->state == LB_CHECK_PASS || r->state == LB_CHECK_FAIL)
			snprintf(t, sizeof(t), "%.1f s", r->seconds);
		printf("%-20s %-4s %-11s %9s %8d  %s\n", r->conf->name, prio,
		    state_name[r->state], t, r->attempts,
		    r->state == LB_CHECK_PASS ? "" : r->error);
	}
}

/* Run the checks of cfg named in names (all when nnames is 0); prints the
 * result and returns the exit status. Shared with 'lifeboat handoff'. */
int
lb_cli_run_checks(struct lb_cli *cli, const struct lb_config *cfg,
    char **names, size_t nnames, int print)
{
	struct lb_check_result *res;
	double t0;
	size_t i, k, n = 0;
	int r, rc;

	if (cfg->nchecks == 0) {
		lb_cli_error(cli, "no check: add [check \"NAME\"] sections to "
		    "%s", cfg->path ? cfg->path : LB_DEFAULT_CONFIG);
		return LB_EXIT_USAGE;
	}
	for (k = 0; k < nnames; k++) {
		for (i = 0; i < cfg->nchecks; i++)
			if (strcmp(cfg->checks[i].name, names[k]) == 0)
				break;
		if (i == cfg->nchecks) {
			lb_cli_error(cli, "no check named '%s' in %s", names[k],
			    cfg->path);
			return LB_EXIT_USAGE;
		}
	}
	if ((res = calloc(cfg->nchecks, sizeof(*res))) == NULL) {
		lb_cli_error(cli, "out of memory");
		return LB_EXIT_FAIL;
	}
	for (i = 0; i < cfg->nchecks; i++) {
		for (k = 0; k < nnames; k++)
			if (strcmp(cfg->checks[i].name, names[k]) == 0)
				break;
		if (nnames == 0 || k < nnames)
			res[n++].conf = &cfg->checks[i];
		if (cfg->checks[i].insecure)
			lb_cli_warn(cli, "check '%s': TLS is not verified "
			    "(insecure = yes)", cfg->checks[i].name);
	}
	t0 = lb_clock_mono();
	r = lb_check_run(res, n, report, cli);
	if (print && cli->json)
		print_json(res, n, r == LB_OK, lb_clock_mono() - t0);
	else if (print)
		print_table(res, n);
	rc = r == LB_OK ? LB_EXIT_OK : r == LB_EINTR ? LB_EXIT_INTR :
	    LB_EXIT_CHECK;
	free(res);
	return rc;
}

int
cmd_check(struct lb_cli *cli, int argc, char **argv)
{
		static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		LB_CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct lb_config cfg;
	int ch, rc;

	memset(&cfg, 0, sizeof(cfg));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv,
	    ":h" LB_CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return lb_cli_help(cli, usage);
		case ':':
			return lb_cli_usage(cli, "check", "option '%s' needs "
			    "an argument", lb_cli_bad_option(argc, argv));
		default:
			if (lb_cli_global_opt(cli, ch, optarg))
				break;
			return lb_cli_usage(cli, "check", "unknown option "
			    "'%s'", lb_cli_bad_option(argc, argv));
		}
	}
	if ((rc = lb_cli_load(cli, &cfg)) != LB_EXIT_OK)
		goto out;
	lb_cli_signals();
	rc = lb_cli_finish(cli, lb_cli_run_checks(cli, &cfg, argv + optind,
	    (size_t)(argc - optind), 1));
out:
	lb_config_release(&cfg);
	return rc;
}
