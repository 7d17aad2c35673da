/*
 * cmd_backup.c: "lifeboat backup": the nightly backup that restore trusts.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "clock.h"
#include "common.h"
#include "metrics.h"

static const char usage[] =
"usage: lifeboat backup [--store URL]... [--volume NAME]... [--source DIR]\n"
"                       [--dry-run] [--no-stop] [--metrics FILE]\n"
"\n"
"Back up the Docker volumes of DIR (default /var/lib/docker/volumes) to\n"
"every store of [backup] stores (or all configured, or --store), in one\n"
"read: a pax tar.gz (or tar.zst) made of independent segments, its\n"
"NAME.manifest.json and the NAME.tar.gz.sha256 sidecar that restore needs\n"
"to call it valid, published in that order once the whole stream is\n"
"written (file and sftp stores write NAME.partial and rename it, S3\n"
"makes a multipart upload; http stores are read-only). With [trust]\n"
"recipients (age1... or ssh-ed25519 keys) or recipients_file, the archive\n"
"and the manifest are age-encrypted in the same pass (NAME.tar.gz.age,\n"
"NAME.manifest.json.age; age -d reads them). Containers labelled\n"
"[backup] stop_label (and stop_containers) are stopped and Swarm services\n"
"with that label scaled to 0 while the volumes are read, and always\n"
"started again. Then each store's retention (keep_daily, keep_weekly,\n"
"keep_monthly) runs.\n"
"\n"
"  --store URL    a store to write to (repeatable); replaces the config's\n"
"  --volume NAME  back up only this volume (repeatable)\n"
"  --source DIR   the volumes directory\n"
"  --dry-run      read and compress everything, stop nothing, write nothing\n"
"  --no-stop      leave containers and services running\n"
"  --json         print the report as JSON\n"
"  --metrics FILE write the backup's metrics to FILE (Prometheus textfile\n"
"                 format), atomically\n"
"  -h, --help     show this help and exit\n";

static void
notice(void *arg, enum lb_backup_level l, const char *msg)
{
	lb_cli_notice(arg, l == LB_BWARN ? LB_WARN : LB_INFO, msg);
}

static void
print_report(const struct lb_cli *cli, const struct lb_backup_result *res)
{
	char size[32], tar[32], *json;
	size_t i;

	if (cli->json) {
		if (lb_backup_report_json(res, &json) == 0) {
			printf("%s\n", json);
			free(json);
		}
		return;
	}
	if (!res->ok || cli->verbosity < 0)
		return;
	lb_cli_human_bytes(res->size, size, sizeof(size));
	lb_cli_human_bytes(res->tar_bytes, tar, sizeof(tar));
	printf("%s '%s': %s (%s of tar in %zu segment%s), sha256 %s\n",
	    res->dry_run ? "would write" : "backed up", res->archive, size,
	    tar, res->nsegments, res->nsegments == 1 ? "" : "s", res->sha256);
	if (res->age_x25519 + res->age_ssh > 0)
		printf("  encrypted with age to %zu X25519 and %zu ssh-ed25519 "
		    "recipient%s\n", res->age_x25519, res->age_ssh,
		    res->age_x25519 + res->age_ssh == 1 ? "" : "s");
	printf("  %-36s %8s %11s\n", "volume", "files", "bytes");
	for (i = 0; i < res->nvolumes; i++) {
		lb_cli_human_bytes(res->volumes[i].bytes, size, sizeof(size));
		printf("  %-36s %8lld %11s\n", res->volumes[i].name,
		    res->volumes[i].files, size);
	}
	for (i = 0; i < res->nstores; i++)
		printf("  store '%s': %s\n", res->stores[i].name,
		    res->stores[i].ok ? "written" : res->stores[i].error);
	if (res->containers_stopped + res->services_scaled > 0)
		printf("  stopped %zu container%s and %zu service%s for %.1f "
		    "s; %s\n", res->containers_stopped,
		    res->containers_stopped == 1 ? "" : "s",
		    res->services_scaled, res->services_scaled == 1 ? "" : "s",
		    res->downtime, res->restarted ? "all running again" :
		    "NOT ALL RUNNING AGAIN");
	for (i = 0; i < res->pruned.n; i++)
		printf("  pruned %s\n", res->pruned.v[i]);
	printf("  timings: stop %.2f s, write %.2f s, start %.2f s, publish "
	    "%.2f s, total %.2f s\n", res->t_stop, res->t_write, res->t_start,
	    res->t_publish, res->t_total);
}

/* The test suite's clock: LIFEBOAT_TEST_NOW=SECONDS names the backup. */
static long long
test_now(void)
{
	const char *s = getenv("LIFEBOAT_TEST_NOW");

	return s != NULL ? strtoll(s, NULL, 10) : 0;
}

int
cmd_backup(struct lb_cli *cli, int argc, char **argv)
{
	enum { O_STORE = 256, O_VOLUME, O_SOURCE, O_DRY, O_NOSTOP,
		O_METRICS };
	static const struct option opts[] = {
		{ "store", required_argument, NULL, O_STORE },
		{ "volume", required_argument, NULL, O_VOLUME },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "no-stop", no_argument, NULL, O_NOSTOP },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "help", no_argument, NULL, 'h' },
		LB_CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct lb_backup_opts o;
	struct lb_backup_result res;
	struct lb_cli_meter prog;
	struct lb_config cfg;
	struct lb_metrics m;
	char **stores = NULL;
	const char *metrics = NULL;
	size_t nstores = 0;
	int ch, rc;

	memset(&o, 0, sizeof(o));
	memset(&cfg, 0, sizeof(cfg));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv,
	    ":h" LB_CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		switch (ch) {
		case O_STORE:
			if (lb_cli_push(&stores, &nstores, optarg) != 0)
				return LB_EXIT_FAIL;
			break;
		case O_VOLUME:
			if (!lb_valid_volume_name(optarg)) {
				rc = lb_cli_usage(cli, "backup", "'%s' is "
				    "not a volume name", optarg);
				goto out;
			}
			if (lb_cli_push(&o.volumes, &o.nvolumes, optarg) != 0)
				return LB_EXIT_FAIL;
			break;
		case O_SOURCE:
			o.source = optarg;
			break;
		case O_DRY:
			o.dry_run = 1;
			break;
		case O_NOSTOP:
			o.no_stop = 1;
			break;
		case O_METRICS:
			metrics = optarg;
			break;
		case 'h':
			rc = lb_cli_help(cli, usage);
			goto out;
		case ':':
			rc = lb_cli_usage(cli, "backup", "option '%s' needs an "
			    "argument", lb_cli_bad_option(argc, argv));
			goto out;
		default:
			if (lb_cli_global_opt(cli, ch, optarg))
				break;
			rc = lb_cli_usage(cli, "backup", "unknown option '%s'",
			    lb_cli_bad_option(argc, argv));
			goto out;
		}
	}
	if (optind < argc) {
		rc = lb_cli_usage(cli, "backup", "unexpected argument '%s'",
		    argv[optind]);
		goto out;
	}
	if ((rc = lb_cli_config(cli, &cfg, stores, nstores)) != LB_EXIT_OK)
		goto out;
	o.cfg = &cfg;
	o.now = test_now();
	memset(&prog, 0, sizeof(prog));
	prog.cli = cli;
	prog.tty = isatty(2);
	/* its clock starts with the first bytes written */
	snprintf(prog.name, sizeof(prog.name), "backup");
	o.progress = lb_cli_progress;
	o.progress_arg = &prog;
	o.notice = notice;
	o.notice_arg = &prog;
	lb_cli_signals();
	lb_backup_run(&o, &res);
	lb_cli_progress_end(&prog);
	if (!res.ok)
		lb_cli_error(cli, "%s", res.err.msg);
	print_report(cli, &res);
	rc = res.ok ? LB_EXIT_OK : lb_cli_exit_for(res.err.code);
	lb_metrics_init(&m);
	if (metrics != NULL)
		lb_metrics_backup(&m, &res, metrics, lb_clock_now());
	rc = lb_cli_metrics(cli, metrics, &m, rc);
	lb_backup_result_release(&res);
	rc = lb_cli_finish(cli, rc);
out:
	lb_config_release(&cfg);
	free(stores);
	free(o.volumes);
	return rc;
}
