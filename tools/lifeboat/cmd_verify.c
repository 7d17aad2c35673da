/*
 * cmd_verify.c: "lifeboat verify": prove a backup intact without restoring
 * it: its stream's SHA-256 against its checksum and, with --deep, a full
 * decode of every entry through the same checks a restore makes.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static const char usage[] =
"usage: lifeboat verify [--store URL]... [NAME | --latest] [--deep]\n"
"                       [--identity FILE]...\n"
"\n"
"Find the latest valid backup (or check the archive NAME): stream it,\n"
"compare its SHA-256 with its checksum and, with --deep, decode every\n"
"entry as a restore would. An .age archive is decrypted to its last chunk,\n"
"each chunk authenticated; with [trust] minisign keys, its signature is\n"
"checked too. The report says what was proven (integrity, authenticity).\n"
"Nothing is written.\n"
"\n"
"  --store URL         a store (repeatable); replaces the config's\n"
"  --latest            the newest valid backup (the default)\n"
"  --deep              also decode the whole archive\n"
"  --allow-unverified  accept a backup without checksum if no verified\n"
"                      one is valid (it is then only decoded)\n"
"  --identity FILE     an age identity file or OpenSSH ed25519 key for\n"
"                      .age archives (repeatable)\n"
"  -h, --help          show this help and exit\n";

int
cmd_verify(struct lb_cli *cli, int argc, char **argv)
{
	enum { O_STORE = 256, O_LATEST, O_DEEP, O_UNVERIFIED,
		O_IDENTITY };
	static const struct option opts[] = {
		{ "store", required_argument, NULL, O_STORE },
		{ "latest", no_argument, NULL, O_LATEST },
		{ "deep", no_argument, NULL, O_DEEP },
		{ "allow-unverified", no_argument, NULL, O_UNVERIFIED },
		{ "identity", required_argument, NULL, O_IDENTITY },
		{ "help", no_argument, NULL, 'h' },
		LB_CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct lb_restore_opts o;
	struct lb_restore_result res;
	struct lb_cli_meter prog;
	struct lb_config cfg;
	char **stores = NULL, **ids = NULL;
	struct lb_age_keys *keys = NULL;
	size_t nids = 0, nstores = 0;
	int ch, latest = 0, rc;

	memset(&o, 0, sizeof(o));
	memset(&cfg, 0, sizeof(cfg));
	o.mode = LB_MODE_VERIFY;
	o.max_age = -1;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv,
	    ":h" LB_CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		switch (ch) {
		case O_STORE:
			if (lb_cli_push(&stores, &nstores, optarg) != 0)
				return LB_EXIT_FAIL;
			break;
		case O_LATEST:
			latest = 1;
			break;
		case O_DEEP:
			o.mode = LB_MODE_VERIFY_DEEP;
			break;
		case O_UNVERIFIED:
			o.allow_unverified = 1;
			break;
		case O_IDENTITY:
			if (lb_cli_push(&ids, &nids, optarg) != 0)
				return LB_EXIT_FAIL;
			break;
		case 'h':
			rc = lb_cli_help(cli, usage);
			goto out;
		case ':':
			rc = lb_cli_usage(cli, "verify", "option '%s' needs an "
			    "argument", lb_cli_bad_option(argc, argv));
			goto out;
		default:
			if (lb_cli_global_opt(cli, ch, optarg))
				break;
			rc = lb_cli_usage(cli, "verify", "unknown option '%s'",
			    lb_cli_bad_option(argc, argv));
			goto out;
		}
	}
	if (optind < argc)
		o.name = argv[optind++];
	if (optind < argc || (o.name != NULL && latest)) {
		rc = lb_cli_usage(cli, "verify", optind < argc ?
		    "unexpected argument '%s'" : "NAME and --latest exclude "
		    "each other", optind < argc ? argv[optind] : "");
		goto out;
	}
	if ((rc = lb_cli_config(cli, &cfg, stores, nstores)) != LB_EXIT_OK ||
	    (rc = lb_cli_age_keys(cli, &cfg, ids, nids, &keys)) != LB_EXIT_OK)
		goto out;
	o.cfg = &cfg;
	o.age_keys = keys;
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
	rc = res.ok ? LB_EXIT_OK : lb_cli_exit_for(res.err.code);
	lb_restore_result_release(&res);
	rc = lb_cli_finish(cli, rc);
out:
	lb_age_keys_free(keys);
	lb_config_release(&cfg);
	free(stores);
	free(ids);
	return rc;
}
