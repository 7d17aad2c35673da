/*
 * cmd_version.c: "lifeboat version" (and --version): lifeboat's version and
 * every linked library's, with the Debian source each was built from, so
 * that a report from the field says exactly what ran.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "json.h"
#include "lb_version.h"

static const char usage[] =
"usage: lifeboat version [--json]\n"
"\n"
"Show lifeboat's version and the version of every library linked into it,\n"
"with the Debian 13 source package version it was built from.\n"
"\n"
"  --json      print one JSON object on stdout\n"
"  -h, --help  show this help and exit\n";

int
cmd_version(struct lb_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		LB_CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	const struct lb_libversion *v;
	size_t i, n;
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv,
	    ":h" LB_CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			return lb_cli_help(cli, usage);
		default:
			if (lb_cli_global_opt(cli, ch, optarg))
				break;
			return lb_cli_usage(cli, "version", "unknown option "
			    "'%s'", lb_cli_bad_option(argc, argv));
		}
	}
	if (optind < argc)
		return lb_cli_usage(cli, "version", "unexpected argument '%s'",
		    argv[optind]);

	v = lb_libversions(&n);
	if (cli->json) {
		struct lb_json j;

		lb_json_init(&j);
		lb_json_obj(&j);
		lb_json_key(&j, "name");
		lb_json_str(&j, "lifeboat");
		lb_json_key(&j, "version");
		lb_json_str(&j, LB_VERSION);
		lb_json_key(&j, "libraries");
		lb_json_arr(&j);
		for (i = 0; i < n; i++) {
			lb_json_obj(&j);
			lb_json_key(&j, "name");
			lb_json_str(&j, v[i].name);
			lb_json_key(&j, "version");
			lb_json_str(&j, v[i].version);
			lb_json_key(&j, "debian");
			lb_json_str(&j, v[i].debian);
			lb_json_obj_end(&j);
		}
		lb_json_arr_end(&j);
		lb_json_key(&j, "sha256");
		lb_json_str(&j, lb_accel_sha256());
		lb_json_obj_end(&j);
		if (j.failed) {
			lb_json_release(&j);
			lb_cli_error(cli, "out of memory");
			return LB_EXIT_FAIL;
		}
		puts(j.buf);
		lb_json_release(&j);
	} else {
		printf("lifeboat %s\n", LB_VERSION);
		for (i = 0; i < n; i++)
			printf("  %-11s %-9s (Debian %s)\n", v[i].name,
			    v[i].version, v[i].debian);
		printf("  %-11s %s\n", "sha-256", lb_accel_sha256());
	}
	return lb_cli_finish(cli, LB_EXIT_OK);
}
