/*
 * cmd_rollback.c: "lifeboat rollback": undo the last (or a given) restore.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static const char usage[] =
"usage: lifeboat rollback [--dest DIR] [--root DIR] [RESTORE-ID]\n"
"\n"
"Undo a restore (the latest, or RESTORE-ID): what it restored is moved to\n"
"DEST.lifeboat/rolledback-ID, and what it set aside goes back in place.\n"
"Nothing is deleted. An interrupted restore or rollback is finished first.\n"
"\n"
"  --dest DIR  the volumes directory (default /var/lib/docker/volumes)\n"
"  --root DIR  the mounted target system: DEST is inside it\n"
"  -h, --help  show this help and exit\n";

int
cmd_rollback(struct lb_cli *cli, int argc, char **argv)
{
	enum { O_DEST = 256, O_ROOT };
	static const struct option opts[] = {
		{ "dest", required_argument, NULL, O_DEST },
		{ "root", required_argument, NULL, O_ROOT },
		{ "help", no_argument, NULL, 'h' },
		LB_CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct lb_restore_opts o;
	struct lb_cli_meter prog;
	struct lb_config cfg;
	struct lb_err err;
	char id[64], dest[4096];
	int ch, rc;

	memset(&o, 0, sizeof(o));
	memset(&cfg, 0, sizeof(cfg));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv,
	    ":h" LB_CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		switch (ch) {
		case O_DEST:
			o.dest = optarg;
			break;
		case O_ROOT:
			o.root = optarg;
			break;
		case 'h':
			return lb_cli_help(cli, usage);
		case ':':
			return lb_cli_usage(cli, "rollback", "option '%s' "
			    "needs an argument", lb_cli_bad_option(argc, argv));
		default:
			if (lb_cli_global_opt(cli, ch, optarg))
				break;
			return lb_cli_usage(cli, "rollback", "unknown option "
			    "'%s'", lb_cli_bad_option(argc, argv));
		}
	}
	if (argc - optind > 1)
		return lb_cli_usage(cli, "rollback", "unexpected argument "
		    "'%s'", argv[optind + 1]);
	lb_err_clear(&err);
	if (lb_config_load(&cfg, cli->config, &err) != LB_OK)
		return lb_cli_fail(cli, &err);
	o.cfg = &cfg;
	memset(&prog, 0, sizeof(prog));
	prog.cli = cli;
	o.notice = lb_cli_notice;
	o.notice_arg = &prog;
	if (geteuid() != 0) {
		lb_cli_error(cli, "rolling back needs root");
		lb_config_release(&cfg);
		return LB_EXIT_DEST;
	}
	rc = lb_rollback(&o, optind < argc ? argv[optind] : NULL, id,
	    sizeof(id), &err);
	if (rc != LB_OK) {
		rc = lb_cli_fail(cli, &err);
		lb_config_release(&cfg);
		return rc;
	}
	lb_dest_path(&o, dest, sizeof(dest), &err);
	if (cli->json)
		printf("{\"result\":\"ok\",\"rolled_back\":\"%s\"}\n", id);
	else if (cli->verbosity >= 0)
		printf("rolled back restore %s: what it replaced is back in "
		    "%s; what it restored is in %s.lifeboat/rolledback-%s\n",
		    id, dest, dest, id);
	lb_config_release(&cfg);
	return lb_cli_finish(cli, LB_EXIT_OK);
}
