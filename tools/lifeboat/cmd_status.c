/*
 * cmd_status.c: "lifeboat status": one screen (or --json) of where the
 * backups stand against the plan, and --history, the drills' log as a
 * table. The engine (status.c) reads the stores and the history.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "common.h"
#include "metrics.h"
#include "status.h"

static const char usage[] =
"usage: lifeboat status [--store URL]... [--metrics FILE]\n"
"       lifeboat status --history [--last N]\n"
"\n"
"Per store: the newest valid backup and its age against the RPO, when a\n"
"drill or a restore last proved it, the last drill and its projected RTO,\n"
"the oldest backup and how many there are. The stores are only listed;\n"
"nothing is downloaded. Exit 0 when every objective of [plan] is met (the\n"
"newest valid backup within the RPO; the last drill ok and its projected\n"
"RTO within the RTO), 9 when one is not.\n"
"\n"
"  --store URL         a store (repeatable); replaces the config's\n"
"  --metrics FILE      write the status's metrics to FILE (Prometheus\n"
"                      textfile format), atomically\n"
"  --history           the last drills, from the history log, as a table\n"
"  --last N            how many (10)\n"
"  -h, --help          show this help and exit\n";

struct status_args {
	struct lb_cli_list stores;
	const char *metrics;
	int history;
	long long last;
};

static int
parse(struct lb_cli *cli, int argc, char **argv, struct status_args *a)
{
	enum { O_STORE = 256, O_METRICS, O_HISTORY, O_LAST };
	static const struct option opts[] = {
		{ "store", required_argument, NULL, O_STORE },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "history", no_argument, NULL, O_HISTORY },
		{ "last", required_argument, NULL, O_LAST },
		{ "help", no_argument, NULL, 'h' },
		LB_CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv,
	    ":h" LB_CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		switch (ch) {
		case O_STORE:
			if (lb_cli_push(&a->stores.v, &a->stores.n, optarg))
				return LB_EXIT_FAIL;
			break;
		case O_METRICS:
			a->metrics = optarg;
			break;
		case O_HISTORY:
			a->history = 1;
			break;
		case O_LAST:
			a->last = strtoll(optarg, &end, 10);
			if (*end != '\0' || end == optarg || a->last < 1 ||
			    a->last > 100000)
				return lb_cli_usage(cli, "status", "--last: "
				    "'%s' is not a number from 1 to 100000",
				    optarg);
			break;
		case 'h':
			lb_cli_help_text(usage);
			return -1;
		case ':':
			return lb_cli_usage(cli, "status", "option '%s' needs "
			    "an argument", lb_cli_bad_option(argc, argv));
		default:
			if (lb_cli_global_opt(cli, ch, optarg))
				break;
			return lb_cli_usage(cli, "status", "unknown option "
			    "'%s'", lb_cli_bad_option(argc, argv));
		}
	}
	if (optind < argc)
		return lb_cli_usage(cli, "status", "unexpected argument '%s'",
		    argv[optind]);
	return LB_EXIT_OK;
}

static const char *
dur(long long secs, char *buf, size_t len)
{
	if (secs < 0)
		snprintf(buf, len, "-");
	else
		lb_format_duration(secs, buf, len);
	return buf;
}

static const char *
verdict(int met)
{
	return met < 0 ? "not set" : met ? "met" : "MISSED";
}

static void
print_store(const struct lb_status *st, const struct lb_status_store *s)
{
	char t[32], a[48], b[48];

	if (s->error != NULL) {
		printf("store '%s': cannot be listed: %s\n", s->name, s->error);
		return;
	}
	lb_time_iso(s->oldest, t, sizeof(t));
	printf("store '%s': %zu backup%s%s%s\n", s->name, s->count,
	    s->count == 1 ? "" : "s", s->oldest >= 0 ? ", the oldest from " :
	    "", t);
	if (s->newest == NULL)
		printf("  newest valid: none\n");
	else {
		printf("  newest valid: %s, %s old", s->newest, dur(s->age, a,
		    sizeof(a)));
		if (st->rpo >= 0)
			printf(" (RPO %s: %s)", dur(st->rpo, b, sizeof(b)),
			    verdict(s->age <= st->rpo));
		lb_time_iso(s->verified_at, t, sizeof(t));
		printf("; %s%s%s%s\n", s->verified_at >= 0 ? "proven by a " :
		    "not proven by a drill or a restore yet", s->verified_at >= 0
		    ? s->verified_by : "", s->verified_at >= 0 ? " at " : "",
		    s->verified_at >= 0 ? t : "");
	}
	if (s->drill_at < 0) {
		printf("  last drill: none\n");
		return;
	}
	lb_time_iso(s->drill_at, t, sizeof(t));
	printf("  last drill: %s, %s", t, s->drill_ok ? "ok" : "FAILED");
	if (s->projected_rto >= 0)
		printf(", projected RTO %s", dur(s->projected_rto, a,
		    sizeof(a)));
	if (!s->drill_ok && s->drill_error != NULL)
		printf(": %s", s->drill_error);
	putchar('\n');
}

static int
show_history(struct lb_cli *cli, const struct lb_config *cfg, long long last)
{
	struct lb_status_drill *d;
	struct lb_err e;
	size_t i, n;
	char a[48], *json = NULL;

	if (lb_status_drills(lb_config_history(cfg), (size_t)last, &d, &n,
	    &e) != LB_OK)
		return lb_cli_fail(cli, &e);
	if (cli->json) {
		if (lb_status_drills_json(d, n, &json) == 0)
			puts(json);
		free(json);
	} else {
		printf("%-20s  %-12s  %-40s  %-6s  %9s  %s\n", "DATE", "STORE",
		    "BACKUP", "RESULT", "RESTORE", "PROJECTED RTO");
		for (i = 0; i < n; i++)
			printf("%-20s  %-12s  %-40s  %-6s  %7.1f s  %s\n",
			    d[i].ended, d[i].store, d[i].archive[0] ?
			    d[i].archive : "-", d[i].ok ? "ok" : "FAILED",
			    d[i].restore, dur(d[i].projected_rto, a,
			    sizeof(a)));
	}
	free(d);
	return lb_cli_finish(cli, LB_EXIT_OK);
}

static int
show(struct lb_cli *cli, const struct lb_config *cfg, const char *metrics)
{
	struct lb_status st;
	struct lb_metrics m;
	char *json, a[48], b[48];
	size_t i;
	int rc;

	lb_status_get(cfg, &st);
	rc = st.code == LB_OK ? LB_EXIT_OK : lb_cli_exit_for(st.code);
	if (st.code != LB_OK)
		lb_cli_error(cli, "%s", st.err.msg);
	if (cli->json && lb_status_json(&st, &json) == 0) {
		puts(json);
		free(json);
	} else if (!cli->json && cli->verbosity >= 0) {
		for (i = 0; i < st.nstores; i++)
			print_store(&st, &st.stores[i]);
		printf("RPO %s: %s; RTO %s: %s\n", dur(st.rpo, a, sizeof(a)),
		    verdict(st.rpo_met), dur(st.rto, b, sizeof(b)),
		    verdict(st.rto_met));
	}
	if (metrics != NULL) {
		lb_metrics_init(&m);
		lb_status_metrics(&st, &m);
		rc = lb_cli_metrics(cli, metrics, &m, rc);
	}
	lb_status_release(&st);
	return lb_cli_finish(cli, rc);
}

int
cmd_status(struct lb_cli *cli, int argc, char **argv)
{
	struct status_args a;
	struct lb_config cfg;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&cfg, 0, sizeof(cfg));
	a.last = 10;
	if ((rc = parse(cli, argc, argv, &a)) != LB_EXIT_OK) {
		if (rc < 0)
			rc = lb_cli_finish(cli, LB_EXIT_OK);
		goto out;
	}
	if (a.history) {
		if ((rc = lb_cli_load(cli, &cfg)) == LB_EXIT_OK)
			rc = show_history(cli, &cfg, a.last);
		goto out;
	}
	if ((rc = lb_cli_config(cli, &cfg, a.stores.v, a.stores.n)) ==
	    LB_EXIT_OK)
		rc = show(cli, &cfg, a.metrics);
out:
	lb_config_release(&cfg);
	free(a.stores.v);
	return rc;
}
