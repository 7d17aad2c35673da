/*
 * cmd_handoff.c: "lifeboat handoff": the options, the hand-off's lines
 * on stderr (each with its step's prefix), and at the end the phases and
 * the totals against the plan's RTO and RPO on stdout. The hand-off
 * itself is the engine's (tools/lib/handoff.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "clock.h"
#include "common.h"
#include "handoff.h"

static const char usage[] =
"usage: lifeboat handoff [--host ADDR] [--dry-run] [--from STEP] [--json]\n"
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
"Steps: wait-ssh restore reboot inventory terraform ansible check (the\n"
"default [handoff] steps: wait-ssh inventory terraform ansible check;\n"
"restore and reboot run only when named)\n"
"\n"
"  --host ADDR   the rescued machine (or [handoff] host)\n"
"  --dry-run     print every step's commands and environment; run none\n"
"  --from STEP   start at STEP (after a fix), keeping the clock and the\n"
"                phases of the run it resumes\n"
"  --since TIME  start the clock at TIME (YYYY-MM-DDTHH:MM:SS, local\n"
"                time, or @EPOCH): when the outage began\n"
"  --json        print the history record as JSON instead of the table\n"
"  -h, --help    show this help and exit\n";

struct handoff_cli {
	struct lb_cli *cli;
	const struct lb_config *cfg;
};

static void
on_event(void *arg, enum lb_handoff_event ev, const char *step,
    const char *msg)
{
	const struct handoff_cli *hc = arg;

	if (ev == LB_HO_WARN)
		lb_cli_warn(hc->cli, "%s", msg);
	else if (ev == LB_HO_FAILED || hc->cli->verbosity >= 0)
		fprintf(stderr, "[%s] %s\n", step, msg);
}

static int
run_checks(void *arg, char **names, size_t n)
{
	const struct handoff_cli *hc = arg;
	int rc;

	rc = lb_cli_run_checks(hc->cli, hc->cfg, names, n, !hc->cli->json);
	return rc == LB_EXIT_OK ? LB_OK : rc == LB_EXIT_CHECK ? LB_ECHECK :
	    rc == LB_EXIT_INTR ? LB_EINTR : rc == LB_EXIT_USAGE ? LB_EUSAGE :
	    LB_EFAIL;
}

/* The phases and the summary, or the record as JSON. */
static void
print_record(const struct lb_cli *cli, const struct lb_handoff *ho)
{
	const struct lb_history *h = &ho->h;
	char sum[512], t[32];
	size_t i;

	if (ho->json == NULL)
		return;
	if (cli->json) {
		puts(ho->json);
		return;
	}
	printf("%-10s %12s\n", "phase", "time");
	for (i = 0; i < h->nphases; i++) {
		if (h->phases[i].seconds < 60)
			snprintf(t, sizeof(t), "%.1f s", h->phases[i].seconds);
		else
			lb_format_duration((long long)h->phases[i].seconds, t,
			    sizeof(t));
		printf("%-10s %12s\n", h->phases[i].name, t);
	}
	lb_history_summary(h, sum, sizeof(sum));
	printf("%s\n", sum);
}

/* The options into o: LB_EXIT_OK, the status to exit with, or -1 when
 * the help was printed. */
static int
parse(struct lb_cli *cli, int argc, char **argv, struct lb_handoff_opts *o,
    int *dry_run)
{
	enum { O_HOST = 256, O_DRY, O_FROM, O_SINCE };
	static const struct option opts[] = {
		{ "host", required_argument, NULL, O_HOST },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "from", required_argument, NULL, O_FROM },
		{ "since", required_argument, NULL, O_SINCE },
		{ "help", no_argument, NULL, 'h' },
		LB_CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const char *since = NULL;
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv,
	    ":h" LB_CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		switch (ch) {
		case O_HOST:
			o->host = optarg;
			break;
		case O_DRY:
			*dry_run = 1;
			break;
		case O_FROM:
			o->from = optarg;
			break;
		case O_SINCE:
			since = optarg;
			break;
		case 'h':
			lb_cli_help_text(usage);
			return -1;
		case ':':
			return lb_cli_usage(cli, "handoff", "option '%s' "
			    "needs an argument", lb_cli_bad_option(argc, argv));
		default:
			if (lb_cli_global_opt(cli, ch, optarg))
				break;
			return lb_cli_usage(cli, "handoff", "unknown option "
			    "'%s'", lb_cli_bad_option(argc, argv));
		}
	}
	if (optind < argc)
		return lb_cli_usage(cli, "handoff", "unexpected argument "
		    "'%s'", argv[optind]);
	if (since != NULL && lb_time_parse_since(since, &o->since) != 0)
		return lb_cli_usage(cli, "handoff", "--since: '%s' is not a "
		    "past time (YYYY-MM-DDTHH:MM:SS or @EPOCH)", since);
	return LB_EXIT_OK;
}

int
cmd_handoff(struct lb_cli *cli, int argc, char **argv)
{
	struct lb_handoff_opts o;
	struct handoff_cli hc;
	struct lb_handoff ho;
	struct lb_config cfg;
	struct lb_err err;
	int rc, dry_run = 0;

	memset(&o, 0, sizeof(o));
	memset(&ho, 0, sizeof(ho));
	memset(&cfg, 0, sizeof(cfg));
	o.since = -1;
	if ((rc = parse(cli, argc, argv, &o, &dry_run)) != LB_EXIT_OK)
		return rc < 0 ? lb_cli_finish(cli, LB_EXIT_OK) : rc;
	/* Not lb_cli_load: [env] here holds what to push to the host, and
	 * set in our environment it would reach terraform and ansible. */
	lb_err_clear(&err);
	if (lb_config_load(&cfg, cli->config, &err) != LB_OK) {
		rc = lb_cli_fail(cli, &err);
		goto out;
	}
	hc.cli = cli;
	hc.cfg = &cfg;
	o.cfg = &cfg;
	o.event = on_event;
	o.run_checks = run_checks;
	o.arg = &hc;
	if ((rc = lb_handoff_init(&ho, &o, &err)) != LB_OK) {
		rc = rc == LB_EUSAGE ? lb_cli_usage(cli, "handoff", "%s",
		    err.msg) : lb_cli_fail(cli, &err);
		goto out;
	}
	if (dry_run) {
		rc = lb_cli_finish(cli,
		    lb_cli_exit_for(lb_handoff_describe(&ho)));
		goto out;
	}
	lb_cli_signals();
	rc = lb_handoff_run(&ho, &err);
	if (rc != LB_OK && ho.stopped == NULL) {
		rc = lb_cli_fail(cli, &err);
		goto out;
	}
	print_record(cli, &ho);
	if (ho.stopped != NULL && cli->verbosity >= 0)
		fprintf(stderr, "%s: the hand-off stopped at '%s'; after a "
		    "fix: lifeboat handoff --host %s --from %s\n", cli->prog,
		    ho.stopped, ho.host, ho.stopped);
	rc = lb_cli_finish(cli, lb_cli_exit_for(rc));
out:
	lb_handoff_release(&ho);
	lb_config_release(&cfg);
	return rc;
}
