/*
 * cmd_restore.c: "lifeboat restore": the latest valid backup (or NAME),
 * verified while it streams, into DEST, committed only when whole.
 */
#include <getopt.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "history.h"

static const char usage[] =
"usage: lifeboat restore [--store URL]... [NAME | --latest] [--dest DIR]\n"
"                        [--root DIR] [--volume NAME]... [--replace]\n"
"                        [--dry-run] [--max-age DURATION]\n"
"                        [--allow-unverified] [--layout auto|docker|offen|plain]\n"
"\n"
"Restore the latest valid backup (or the archive NAME) into DEST, by\n"
"default /var/lib/docker/volumes. The archive is verified while it streams\n"
"into DEST.lifeboat/staging-ID, beside DEST; volumes go live only when its\n"
"SHA-256 matched and every entry was restored, and what they replace is\n"
"set aside in DEST.lifeboat/previous-ID, never deleted.\n"
"\n"
"  --store URL             a store (repeatable); replaces the config's.\n"
"                          A plain path means file://PATH\n"
"  --latest                the newest valid backup (the default)\n"
"  --dest DIR              where the volumes go\n"
"  --root DIR              the mounted target system: DEST is inside it\n"
"  --volume NAME           restore only this volume (repeatable); with\n"
"                          --layout plain, the volume the archive fills\n"
"  --replace               set existing volumes aside and replace them\n"
"  --dry-run               verify and decode everything, change nothing\n"
"  --max-age DURATION      a newest valid backup older than this (24h,\n"
"                          2d) is an error\n"
"  --allow-unverified      use a backup without checksum if no verified\n"
"                          one is valid\n"
"  --layout L              auto (default), docker, offen or plain\n"
"  --ignore-running-docker restore even though Docker runs on the target\n"
"  -h, --help              show this help and exit\n";

/* The history line of a restore: appended to the local log and, when the
 * target is a mounted system (--root) or this one (the default
 * destination), to the target's /var/lib/lifeboat/history.jsonl; the
 * summary against the plan's RTO and RPO goes to a person. */
static void
record(struct lb_cli *cli, const struct lb_config *cfg,
    const struct lb_restore_opts *o, const struct lb_restore_result *res)
{
	struct lb_history h;
	struct lb_err err;
	char sum[512], target[4096], *json;
	const char *local = lb_config_history(cfg);

	if (res->dry_run || (!res->ok && !res->have_archive &&
	    res->t_transfer == 0))
		return;		/* nothing was restored nor tried */
	memset(&h, 0, sizeof(h));
	h.kind = "restore";
	h.id = res->id;
	h.ok = res->ok;
	h.error = res->ok ? NULL : res->err.msg;
	h.ended = (long long)time(NULL);
	h.started = h.ended - (long long)(res->t_total + 0.5);
	h.archive = res->have_archive ? res->archive_name : NULL;
	h.archive_time = res->have_archive ? res->archive_time : -1;
	lb_history_phase(&h, "select", res->t_select);
	lb_history_phase(&h, "transfer", res->t_transfer);
	lb_history_phase(&h, "commit", res->t_commit);
	h.rto = cfg->rto;
	h.rpo = lb_config_rpo(cfg);
	if (lb_history_json(&h, &json) != 0)
		return;
	if (*local != '\0' && lb_history_append(local, json, &err) != LB_OK)
		lb_cli_warn(cli, "%s", err.msg);
	target[0] = '\0';
	if (o->root != NULL)
		snprintf(target, sizeof(target), "%s/var/lib/lifeboat/"
		    "history.jsonl", o->root);
	else if (o->dest == NULL && cfg->dest == NULL)
		snprintf(target, sizeof(target), "/var/lib/lifeboat/"
		    "history.jsonl");
	if (target[0] != '\0' && strcmp(target, local) != 0 &&
	    lb_history_append(target, json, &err) != LB_OK)
		lb_cli_warn(cli, "%s", err.msg);
	free(json);
	if (res->ok && !cli->json && cli->verbosity >= 0) {
		lb_history_summary(&h, sum, sizeof(sum));
		printf("  %s\n", sum);
	}
}

int
cmd_restore(struct lb_cli *cli, int argc, char **argv)
{
	enum { O_STORE = 256, O_LATEST, O_DEST, O_ROOT, O_VOLUME, O_REPLACE,
		O_DRY, O_MAXAGE, O_UNVERIFIED, O_LAYOUT, O_DOCKER, O_JSON };
	static const struct option opts[] = {
		{ "store", required_argument, NULL, O_STORE },
		{ "latest", no_argument, NULL, O_LATEST },
		{ "dest", required_argument, NULL, O_DEST },
		{ "root", required_argument, NULL, O_ROOT },
		{ "volume", required_argument, NULL, O_VOLUME },
		{ "replace", no_argument, NULL, O_REPLACE },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "max-age", required_argument, NULL, O_MAXAGE },
		{ "allow-unverified", no_argument, NULL, O_UNVERIFIED },
		{ "layout", required_argument, NULL, O_LAYOUT },
		{ "ignore-running-docker", no_argument, NULL, O_DOCKER },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct lb_restore_opts o;
	struct lb_restore_result res;
	struct lb_cli_meter prog;
	struct lb_config cfg;
	char **stores = NULL;
	size_t nstores = 0, i;
	int ch, latest = 0, rc;

	memset(&o, 0, sizeof(o));
	memset(&cfg, 0, sizeof(cfg));
	o.mode = LB_MODE_RESTORE;
	o.max_age = -1;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (ch) {
		case O_STORE:
			if (lb_cli_push(&stores, &nstores, optarg) != 0)
				return LB_EXIT_FAIL;
			break;
		case O_LATEST:
			latest = 1;
			break;
		case O_DEST:
			o.dest = optarg;
			break;
		case O_ROOT:
			o.root = optarg;
			break;
		case O_VOLUME:
			if (!lb_valid_volume_name(optarg)) {
				rc = lb_cli_usage(cli, "restore", "'%s' is "
				    "not a volume name", optarg);
				goto out;
			}
			if (lb_cli_push(&o.volumes, &o.nvolumes, optarg) != 0)
				return LB_EXIT_FAIL;
			break;
		case O_REPLACE:
			o.replace = 1;
			break;
		case O_DRY:
			o.dry_run = 1;
			break;
		case O_MAXAGE:
			if (lb_parse_duration(optarg, &o.max_age) != LB_OK) {
				rc = lb_cli_usage(cli, "restore", "--max-age: "
				    "'%s' is not a duration (like 24h, 2d)",
				    optarg);
				goto out;
			}
			break;
		case O_UNVERIFIED:
			o.allow_unverified = 1;
			break;
		case O_LAYOUT:
			if (!lb_layout_valid(optarg)) {
				rc = lb_cli_usage(cli, "restore", "--layout "
				    "must be " LB_LAYOUT_WORDS);
				goto out;
			}
			o.layout = optarg;
			break;
		case O_DOCKER:
			o.ignore_docker = 1;
			break;
		case O_JSON:
			cli->json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			rc = lb_cli_finish(cli, LB_EXIT_OK);
			goto out;
		case ':':
			rc = lb_cli_usage(cli, "restore", "option '%s' needs "
			    "an argument", lb_cli_bad_option(argc, argv));
			goto out;
		default:
			rc = lb_cli_usage(cli, "restore", "unknown option '%s'",
			    lb_cli_bad_option(argc, argv));
			goto out;
		}
	}
	if (optind < argc)
		o.name = argv[optind++];
	if (optind < argc || (o.name != NULL && latest)) {
		rc = lb_cli_usage(cli, "restore", optind < argc ?
		    "unexpected argument '%s'" : "NAME and --latest exclude "
		    "each other", optind < argc ? argv[optind] : "");
		goto out;
	}
	if (o.layout != NULL && strcmp(o.layout, "plain") == 0 &&
	    o.nvolumes != 1) {
		rc = lb_cli_usage(cli, "restore", "--layout plain needs "
		    "exactly one --volume NAME");
		goto out;
	}
	if ((rc = lb_cli_config(cli, &cfg, stores, nstores)) != LB_EXIT_OK)
		goto out;
	o.cfg = &cfg;
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
	if (res.mode == LB_MODE_RESTORE)
		record(cli, &cfg, &o, &res);
	rc = res.ok ? LB_EXIT_OK : lb_cli_exit_for(res.err.code);
	for (i = 0; !res.ok && i < res.nrejected && cli->verbosity > 0; i++)
		lb_cli_error(cli, "  rejected '%s': %s", res.rejected[i].name,
		    res.rejected[i].reason);
	lb_restore_result_release(&res);
	rc = lb_cli_finish(cli, rc);
out:
	lb_config_release(&cfg);
	free(stores);
	free(o.volumes);
	return rc;
}
