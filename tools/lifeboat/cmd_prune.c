/*
 * cmd_prune.c: "lifeboat prune": the stores' retention, as a backup runs
 * it at its end, alone (and with --dry-run, to see what would go).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "common.h"
#include "json.h"

static const char usage[] =
"usage: lifeboat prune [--store URL]... [--dry-run]\n"
"\n"
"Delete the backups that [backup] keep_daily (default 7), keep_weekly and\n"
"keep_monthly do not keep, store by store: only complete backups whose\n"
"names lifeboat's [backup] name pattern made, each with its sidecar,\n"
"manifest and signature; never the newest, never another file.\n"
"\n"
"  --store URL  a store to prune (repeatable); replaces the config's\n"
"  --dry-run    say what would be deleted, delete nothing\n"
"  --json       print what was (or would be) deleted as JSON\n"
"  -h, --help   show this help and exit\n";

static void
prune_notice(void *arg, const char *msg)
{
	lb_cli_warn(arg, "%s", msg);
}

int
cmd_prune(struct lb_cli *cli, int argc, char **argv)
{
	enum { O_STORE = 256, O_DRY };
	static const struct option opts[] = {
		{ "store", required_argument, NULL, O_STORE },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "help", no_argument, NULL, 'h' },
		LB_CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct lb_config cfg;
	struct lb_err err;
	struct lb_strv pruned = { NULL, 0 };
	char **stores = NULL;
	size_t nstores = 0, i;
	int ch, rc, dry = 0;

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
		case O_DRY:
			dry = 1;
			break;
		case 'h':
			rc = lb_cli_help(cli, usage);
			goto out;
		case ':':
			rc = lb_cli_usage(cli, "prune", "option '%s' needs an "
			    "argument", lb_cli_bad_option(argc, argv));
			goto out;
		default:
			if (lb_cli_global_opt(cli, ch, optarg))
				break;
			rc = lb_cli_usage(cli, "prune", "unknown option '%s'",
			    lb_cli_bad_option(argc, argv));
			goto out;
		}
	}
	if (optind < argc) {
		rc = lb_cli_usage(cli, "prune", "unexpected argument '%s'",
		    argv[optind]);
		goto out;
	}
	if ((rc = lb_cli_config(cli, &cfg, stores, nstores)) != LB_EXIT_OK)
		goto out;
	if (lb_backup_prune(&cfg, NULL, 0, dry, prune_notice, cli, &pruned,
	    &err) != LB_OK) {
		rc = lb_cli_fail(cli, &err);
		goto out;
	}
	if (cli->json) {
		struct lb_json j;

		lb_json_init(&j);
		lb_json_obj(&j);
		lb_json_key(&j, "dry_run");
		lb_json_bool(&j, dry);
		lb_json_key(&j, "pruned");
		lb_json_arr(&j);
		for (i = 0; i < pruned.n; i++)
			lb_json_str(&j, pruned.v[i]);
		lb_json_arr_end(&j);
		lb_json_obj_end(&j);
		if (!j.failed)
			printf("%s\n", j.buf);
		lb_json_release(&j);
	} else
		for (i = 0; i < pruned.n; i++)
			printf("%s %s\n", dry ? "would prune" : "pruned",
			    pruned.v[i]);
	rc = lb_cli_finish(cli, LB_EXIT_OK);
out:
	lb_strv_release(&pruned, 0);
	lb_config_release(&cfg);
	free(stores);
	return rc;
}
