/*
 * cmd_restore.c: "lifeboat restore": the latest valid backup (or NAME),
 * verified while it streams, into DEST, committed only when whole.
 */
#include <getopt.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "common.h"
#include "history.h"
#include "metrics.h"

static const char usage[] =
"usage: lifeboat restore [--store URL]... [NAME | --latest] [--dest DIR]\n"
"                        [--root DIR] [--volume NAME]... [--replace]\n"
"                        [--atomic] [--dry-run] [--max-age DURATION]\n"
"                        [--allow-unverified]"
" [--layout auto|docker|offen|plain]\n"
"                        [--identity FILE]... [--metrics FILE]\n"
"\n"
"Restore the latest valid backup (or the archive NAME) into DEST, by\n"
"default /var/lib/docker/volumes. The archive is verified while it streams\n"
"into DEST.lifeboat/staging-ID, beside DEST; volumes go live only when its\n"
"SHA-256 matched and every entry was restored, and what they replace is\n"
"set aside in DEST.lifeboat/previous-ID, never deleted. An .age archive is\n"
"decrypted in the same pass and counts only once its last chunk\n"
"authenticated. With [trust] minisign keys in the config, a backup must\n"
"also be signed by one of them (unsigned or badly signed ones are rejected\n"
"and the next is tried). A segmented archive (lifeboat backup's, with its\n"
"manifest) is fetched by segments, [restore] connections at once, each\n"
"checked against the manifest, and each priority group ([volumes] p1, p2,\n"
"...) goes live as soon as all of its segments are: a later group that\n"
"fails leaves the earlier ones live (exit 10; rollback undoes it all).\n"
"\n"
"  --store URL             a store (repeatable); replaces the config's.\n"
"                          A plain path means file://PATH\n"
"  --latest                the newest valid backup (the default)\n"
"  --dest DIR              where the volumes go\n"
"  --root DIR              the mounted target system: DEST is inside it\n"
"  --volume NAME           restore only this volume (repeatable); with\n"
"                          --layout plain, the volume the archive fills\n"
"  --replace               set existing volumes aside and replace them\n"
"  --atomic                a segmented archive's groups go live together,\n"
"                          once all are verified, or none does\n"
"  --dry-run               verify and decode everything, change nothing\n"
"  --max-age DURATION      a newest valid backup older than this (24h,\n"
"                          2d) is an error\n"
"  --allow-unverified      use a backup without checksum if no verified\n"
"                          one is valid\n"
"  --layout L              auto (default), docker, offen or plain\n"
"  --identity FILE         an age identity file or OpenSSH ed25519 key\n"
"                          for .age archives (repeatable); adds to\n"
"                          [trust] identity_file\n"
"  --ignore-running-docker restore even though Docker runs on the target\n"
"  --metrics FILE          write the restore's metrics to FILE\n"
"                          (Prometheus textfile format), atomically\n"
"  -h, --help              show this help and exit\n";

/* The restore's history line, recorded by the engine; its summary
 * against the plan's RTO and RPO goes to a person. */
static void
record(struct lb_cli *cli, const struct lb_restore_opts *o,
    const struct lb_restore_result *res)
{
	struct lb_history h;
	char sum[512];

	if (lb_restore_history(o, res, &h) && res->ok && !cli->json &&
	    cli->verbosity >= 0) {
		lb_history_summary(&h, sum, sizeof(sum));
		printf("  %s\n", sum);
	}
}

/* The options into o (and the stores to use instead of the config's, the
 * --metrics file):
 * LB_EXIT_OK, the status to exit with, or -1 when the help was shown. */
static int
parse(struct lb_cli *cli, int argc, char **argv, struct lb_restore_opts *o,
    struct lb_cli_list *stores, struct lb_cli_list *ids,
    const char **metrics)
{
	enum { O_STORE = 256, O_LATEST, O_DEST, O_ROOT, O_VOLUME, O_REPLACE,
		O_DRY, O_MAXAGE, O_UNVERIFIED, O_LAYOUT, O_DOCKER,
		O_IDENTITY, O_METRICS, O_ATOMIC };
	static const struct option opts[] = {
		{ "store", required_argument, NULL, O_STORE },
		{ "latest", no_argument, NULL, O_LATEST },
		{ "dest", required_argument, NULL, O_DEST },
		{ "root", required_argument, NULL, O_ROOT },
		{ "volume", required_argument, NULL, O_VOLUME },
		{ "replace", no_argument, NULL, O_REPLACE },
		{ "atomic", no_argument, NULL, O_ATOMIC },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "max-age", required_argument, NULL, O_MAXAGE },
		{ "allow-unverified", no_argument, NULL, O_UNVERIFIED },
		{ "layout", required_argument, NULL, O_LAYOUT },
		{ "ignore-running-docker", no_argument, NULL, O_DOCKER },
		{ "identity", required_argument, NULL, O_IDENTITY },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "help", no_argument, NULL, 'h' },
		LB_CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int ch, latest = 0;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv,
	    ":h" LB_CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		switch (ch) {
		case O_STORE:
			if (lb_cli_push(&stores->v, &stores->n, optarg) != 0)
				return LB_EXIT_FAIL;
			break;
		case O_LATEST:
			latest = 1;
			break;
		case O_DEST:
			o->dest = optarg;
			break;
		case O_ROOT:
			o->root = optarg;
			break;
		case O_VOLUME:
			if (!lb_valid_volume_name(optarg))
				return lb_cli_usage(cli, "restore", "'%s' is "
				    "not a volume name", optarg);
			if (lb_cli_push(&o->volumes, &o->nvolumes, optarg))
				return LB_EXIT_FAIL;
			break;
		case O_REPLACE:
			o->replace = 1;
			break;
		case O_DRY:
			o->dry_run = 1;
			break;
		case O_ATOMIC:
			o->atomic = 1;
			break;
		case O_MAXAGE:
			if (lb_parse_duration(optarg, &o->max_age) != LB_OK)
				return lb_cli_usage(cli, "restore",
				    "--max-age: '%s' is not a duration (like "
				    "24h, 2d)", optarg);
			break;
		case O_UNVERIFIED:
			o->allow_unverified = 1;
			break;
		case O_LAYOUT:
			if (!lb_layout_valid(optarg))
				return lb_cli_usage(cli, "restore", "--layout "
				    "must be " LB_LAYOUT_WORDS);
			o->layout = optarg;
			break;
		case O_DOCKER:
			o->ignore_docker = 1;
			break;
		case O_IDENTITY:
			if (lb_cli_push(&ids->v, &ids->n, optarg) != 0)
				return LB_EXIT_FAIL;
			break;
		case O_METRICS:
			*metrics = optarg;
			break;
		case 'h':
			lb_cli_help_text(usage);
			return -1;
		case ':':
			return lb_cli_usage(cli, "restore", "option '%s' needs "
			    "an argument", lb_cli_bad_option(argc, argv));
		default:
			if (lb_cli_global_opt(cli, ch, optarg))
				break;
			return lb_cli_usage(cli, "restore", "unknown option "
			    "'%s'", lb_cli_bad_option(argc, argv));
		}
	}
	if (optind < argc)
		o->name = argv[optind++];
	if (optind < argc || (o->name != NULL && latest))
		return lb_cli_usage(cli, "restore", optind < argc ?
		    "unexpected argument '%s'" : "NAME and --latest exclude "
		    "each other", optind < argc ? argv[optind] : "");
	if (o->layout != NULL && strcmp(o->layout, "plain") == 0 &&
	    o->nvolumes != 1)
		return lb_cli_usage(cli, "restore", "--layout plain needs "
		    "exactly one --volume NAME");
	return LB_EXIT_OK;
}

int
cmd_restore(struct lb_cli *cli, int argc, char **argv)
{
	struct lb_restore_opts o;
	struct lb_restore_result res;
	struct lb_cli_meter prog;
	struct lb_cli_list stores = { NULL, 0 }, ids = { NULL, 0 };
	struct lb_age_keys *keys = NULL;
	struct lb_config cfg;
	struct lb_metrics m;
	const char *metrics = NULL;
	size_t i;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&cfg, 0, sizeof(cfg));
	o.mode = LB_MODE_RESTORE;
	o.max_age = -1;
	if ((rc = parse(cli, argc, argv, &o, &stores, &ids, &metrics)) !=
	    LB_EXIT_OK) {
		if (rc < 0)
			rc = lb_cli_finish(cli, LB_EXIT_OK);
		goto out;
	}
	if ((rc = lb_cli_config(cli, &cfg, stores.v, stores.n)) !=
	    LB_EXIT_OK || (rc = lb_cli_age_keys(cli, &cfg, ids.v, ids.n,
	    &keys)) != LB_EXIT_OK)
		goto out;
	o.cfg = &cfg;
	o.age_keys = keys;
	if (o.max_age < 0)
		o.max_age = cfg.max_age;
	if (o.layout == NULL)
		o.layout = cfg.layout;
	memset(&prog, 0, sizeof(prog));
	prog.cli = cli;
	prog.tty = isatty(2);
	o.progress = lb_cli_progress;
	o.progress_arg = &prog;
	o.notice = lb_cli_notice;
	o.event = lb_cli_restore_event;
	o.notice_arg = &prog;
	lb_cli_signals();
	lb_restore(&o, &res);
	lb_cli_progress_end(&prog);
	if (!res.ok)
		lb_cli_error(cli, "%s", res.err.msg);
	lb_cli_print_result(cli, &res);
	record(cli, &o, &res);
	rc = res.ok ? LB_EXIT_OK : lb_cli_exit_for(res.err.code);
	lb_metrics_init(&m);
	if (metrics != NULL && !o.dry_run)
		lb_metrics_restore(&m, &res, metrics, lb_clock_now());
	rc = lb_cli_metrics(cli, o.dry_run ? NULL : metrics, &m, rc);
	for (i = 0; !res.ok && i < res.nrejected && cli->verbosity > 0; i++)
		lb_cli_error(cli, "  rejected '%s': %s", res.rejected[i].name,
		    res.rejected[i].reason);
	lb_restore_result_release(&res);
	rc = lb_cli_finish(cli, rc);
out:
	lb_age_keys_free(keys);
	lb_config_release(&cfg);
	free(stores.v);
	free(ids.v);
	free(o.volumes);
	return rc;
}
