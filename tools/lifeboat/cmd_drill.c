/*
 * cmd_drill.c: "lifeboat drill": prove, without touching the live volumes,
 * that the newest backup restores and serves within the plan's RTO. The
 * engine (drill.c) runs it; this prints the report and the exit status.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "drill.h"
#include "metrics.h"

static const char usage[] =
"usage: lifeboat drill [--store URL]... [--scratch DIR] [--keep]\n"
"                      [--metrics FILE] [--identity FILE]...\n"
"\n"
"For each store: verify the newest [drill] verify_latest backups (3)\n"
"deeply, restore the newest valid one into a new scratch directory under\n"
"DIR (default [drill] scratch, else /var/tmp) through the restore engine,\n"
"check what landed on disk against its manifest, run the [probe \"NAME\"]\n"
"commands on it ({root} is its volumes directory), time every phase and\n"
"project the recovery time: [plan] provision + boot + the restore at the\n"
"measured rate + handoff, against [plan] rto. The scratch tree is then\n"
"removed. The live volumes are never written and nothing is stopped.\n"
"A line per store goes to the history. Exit 0 only when every store's\n"
"newest valid backup is within the RPO, restored, checked and probed,\n"
"and the projected RTO within the plan.\n"
"\n"
"  --store URL         a store (repeatable); replaces the config's\n"
"  --scratch DIR       make the scratch tree in DIR (refused inside the\n"
"                      live volumes, or without room for the backup)\n"
"  --keep              leave the scratch tree for a person to look at\n"
"  --metrics FILE      write the drill's metrics to FILE (Prometheus\n"
"                      textfile format), atomically\n"
"  --identity FILE     an age identity file for .age archives\n"
"                      (repeatable)\n"
"  -h, --help          show this help and exit\n";

struct drill_args {
	struct lb_cli_list stores, ids;
	const char *metrics;
};

static int
parse(struct lb_cli *cli, int argc, char **argv, struct lb_drill_opts *o,
    struct drill_args *a)
{
	enum { O_STORE = 256, O_SCRATCH, O_KEEP, O_METRICS,
		O_IDENTITY };
	static const struct option opts[] = {
		{ "store", required_argument, NULL, O_STORE },
		{ "scratch", required_argument, NULL, O_SCRATCH },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "identity", required_argument, NULL, O_IDENTITY },
		{ "help", no_argument, NULL, 'h' },
		LB_CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
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
		case O_SCRATCH:
			o->scratch = optarg;
			break;
		case O_KEEP:
			o->keep = 1;
			break;
		case O_METRICS:
			a->metrics = optarg;
			break;
		case O_IDENTITY:
			if (lb_cli_push(&a->ids.v, &a->ids.n, optarg) != 0)
				return LB_EXIT_FAIL;
			break;
		case 'h':
			lb_cli_help_text(usage);
			return -1;
		case ':':
			return lb_cli_usage(cli, "drill", "option '%s' needs "
			    "an argument", lb_cli_bad_option(argc, argv));
		default:
			if (lb_cli_global_opt(cli, ch, optarg))
				break;
			return lb_cli_usage(cli, "drill", "unknown option "
			    "'%s'", lb_cli_bad_option(argc, argv));
		}
	}
	if (optind < argc)
		return lb_cli_usage(cli, "drill", "unexpected argument '%s'",
		    argv[optind]);
	return LB_EXIT_OK;
}

/* "12 s", "1 min 30 s", "2 h": a duration to the second under an
 * hour (the terms of a projection are short), or "not set". */
static const char *
dur(long long secs, char *buf, size_t len)
{
	if (secs < 0)
		snprintf(buf, len, "not set");
	else if (secs < 60)
		snprintf(buf, len, "%lld s", secs);
	else if (secs < 3600 && secs % 60 != 0)
		snprintf(buf, len, "%lld min %lld s", secs / 60, secs % 60);
	else
		lb_format_duration(secs, buf, len);
	return buf;
}

static void
print_steps(const char *what, const struct lb_drill_step *st, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	printf("  %s:\n", what);
	for (i = 0; i < n; i++)
		printf("    %-40s %s (%.1f s)%s%s\n", st[i].name, st[i].ok ?
		    "ok" : "FAILED", st[i].seconds, st[i].ok ? "" : ": ",
		    st[i].ok ? "" : st[i].reason);
}

static void
print_rto(const struct lb_drill_result *res, const struct lb_drill_store *ds)
{
	char a[48], b[48], c[48], d[48], t[48], r[48], rate[32];

	if (ds->projected_rto < 0)
		return;
	lb_cli_human_bytes((long long)ds->rate, rate, sizeof(rate));
	printf("  projected RTO: provision %s + boot %s + restore %s (at "
	    "%s/s) + handoff %s = %s", dur(res->provision, a, sizeof(a)),
	    dur(res->boot, b, sizeof(b)), dur(ds->restore_projected, c,
	    sizeof(c)), rate, dur(res->handoff, d, sizeof(d)),
	    dur(ds->projected_rto, t, sizeof(t)));
	if (res->rto >= 0)
		printf(" (RTO %s: %s)", dur(res->rto, r, sizeof(r)),
		    ds->rto_met ? "met" : "MISSED");
	putchar('\n');
}

static void
print_store(const struct lb_drill_result *res, const struct lb_drill_store *ds,
    int keep)
{
	char size[32], age[48], rpo[48], bytes[32];
	size_t i;

	printf("drill of store '%s': %s\n", ds->store, ds->code == LB_OK ?
	    "ok" : "FAILED");
	print_steps("verified", ds->verified, ds->nverified);
	if (ds->archive != NULL) {
		lb_cli_human_bytes(ds->archive_size, size, sizeof(size));
		printf("  %s '%s' (%s, %s old", ds->restored ? "restored" :
		    "could not restore", ds->archive, size, dur(ds->age, age,
		    sizeof(age)));
		if (res->rpo >= 0)
			printf("; RPO %s: %s", dur(res->rpo, rpo, sizeof(rpo)),
			    ds->rpo_met ? "met" : "MISSED");
		printf(") into '%s'%s\n", ds->scratch ? ds->scratch : "?",
		    keep ? " (kept)" : " (removed)");
	}
	if (ds->manifest_checked) {
		lb_cli_human_bytes(ds->bytes, bytes, sizeof(bytes));
		printf("  on disk: %lld files, %s: as its manifest lists\n",
		    ds->files, bytes);
	} else if (ds->restored)
		printf("  on disk: not checked (no manifest)\n");
	print_steps("probes", ds->probes, ds->nprobes);
	if (ds->restored || ds->nverified > 0)
		printf("  timings: verify %.1f s, select %.1f s, transfer "
		    "%.1f s, commit %.1f s, manifest %.1f s, probes %.1f s, "
		    "cleanup %.1f s\n", ds->t_verify, ds->t_select,
		    ds->t_transfer, ds->t_commit, ds->t_manifest, ds->t_probes,
		    ds->t_cleanup);
	print_rto(res, ds);
	for (i = 0; i < ds->nreasons; i++)
		printf("  FAILED: %s\n", ds->reasons[i]);
}

static int
report(struct lb_cli *cli, const struct lb_drill_opts *o,
    const struct lb_drill_result *res, const char *metrics)
{
	struct lb_metrics m;
	char *json;
	size_t i;
	int rc = res->ok ? LB_EXIT_OK : lb_cli_exit_for(res->code);

	if (!res->ok)
		lb_cli_error(cli, "%s", res->err.msg);
	if (cli->json && lb_drill_report_json(res, &json) == 0) {
		puts(json);
		free(json);
	} else if (!cli->json && cli->verbosity >= 0)
		for (i = 0; i < res->nstores; i++)
			print_store(res, &res->stores[i], o->keep);
	if (metrics != NULL) {
		lb_metrics_init(&m);
		lb_drill_metrics(res, o->cfg, &m);
		rc = lb_cli_metrics(cli, metrics, &m, rc);
	}
	return lb_cli_finish(cli, rc);
}

int
cmd_drill(struct lb_cli *cli, int argc, char **argv)
{
	struct lb_drill_opts o;
	struct lb_drill_result res;
	struct drill_args a;
	struct lb_cli_meter prog;
	struct lb_age_keys *keys = NULL;
	struct lb_config cfg;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&a, 0, sizeof(a));
	memset(&cfg, 0, sizeof(cfg));
	if ((rc = parse(cli, argc, argv, &o, &a)) != LB_EXIT_OK) {
		if (rc < 0)
			rc = lb_cli_finish(cli, LB_EXIT_OK);
		goto out;
	}
	if ((rc = lb_cli_config(cli, &cfg, a.stores.v, a.stores.n)) !=
	    LB_EXIT_OK || (rc = lb_cli_age_keys(cli, &cfg, a.ids.v, a.ids.n,
	    &keys)) != LB_EXIT_OK)
		goto out;
	o.cfg = &cfg;
	o.age_keys = keys;
	memset(&prog, 0, sizeof(prog));
	prog.cli = cli;
	prog.tty = isatty(2);
	o.progress = lb_cli_progress;
	o.progress_arg = &prog;
	o.notice = lb_cli_notice;
	o.event = lb_cli_restore_event;
	o.notice_arg = &prog;
	lb_cli_signals();
	lb_drill(&o, &res);
	lb_cli_progress_end(&prog);
	lb_drill_history(&o, &res);
	rc = report(cli, &o, &res, a.metrics);
	lb_drill_result_release(&res);
out:
	lb_age_keys_free(keys);
	lb_config_release(&cfg);
	free(a.stores.v);
	free(a.ids.v);
	return rc;
}
