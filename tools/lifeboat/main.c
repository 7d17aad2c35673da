/*
 * main.c: lifeboat's entry point and verb dispatch, BusyBox-style: the verb
 * comes from argv[0] ("lifeboat-restore", through a symlink) or from the
 * first word after the global options ("lifeboat restore"). Adding a verb is
 * one cmd_<verb>.c and one line in lb_commands[].
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const struct lb_cmd lb_commands[] = {
	{ "list", cmd_list, "list the backups of the stores, newest first" },
	{ "verify", cmd_verify,
	    "find and verify the latest valid backup, or one" },
	{ "restore", cmd_restore, "restore the latest valid backup, or one" },
	{ "rollback", cmd_rollback,
	    "undo a restore: put back what it set aside" },
	{ "backup", cmd_backup, "back up the volumes to the stores, verified" },
	{ "prune", cmd_prune, "delete the backups retention does not keep" },
	{ "check", cmd_check, "check that the services answer, as configured" },
	{ "handoff", cmd_handoff, "from restored volumes to a checked stack" },
	{ "drill", cmd_drill, "prove the newest backup restores within the RTO" },
	{ "status", cmd_status, "the backups and drills against the plan" },
	{ "help", cmd_help, "show the help of lifeboat or of one verb" },
	{ "version", cmd_version,
	    "show the versions of lifeboat and its libraries" },
	{ NULL, NULL, NULL },
};

static const char usage_text[] =
"usage: lifeboat [-c FILE] [--json] [-q|-v] VERB [options]\n"
"       lifeboat-VERB [options]\n"
"       lifeboat --help | --version\n"
"\n"
"Global options (before or after the verb):\n";

static const char global_text[] =
"  -c, --config FILE  read FILE instead of /etc/lifeboat/lifeboat.conf\n"
"      --json         print the result as one JSON object on stdout\n"
"  -q, --quiet        print errors only\n"
"  -v, --verbose      print more detail (repeat for more)\n";

static const char main_only_text[] =
"  -h, --help         show this help and exit\n"
"  -V, --version      show versions and exit\n"
"\n"
"Verbs:\n";

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static const struct lb_cmd *
find_cmd(const char *name)
{
	const struct lb_cmd *c;

	for (c = lb_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void
print_usage(FILE *f)
{
	const struct lb_cmd *c;

	fputs(usage_text, f);
	fputs(global_text, f);
	fputs(main_only_text, f);
	for (c = lb_commands; c->name != NULL; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fputs("\n'lifeboat VERB --help' shows a verb's options; "
	    "lifeboat(1) has the rest.\n", f);
}

int
lb_cli_global_opt(struct lb_cli *cli, int ch, const char *arg)
{
	switch (ch) {
	case 'c':
		cli->config = arg;
		return 1;
	case 'j':
		cli->json = 1;
		return 1;
	case 'q':
		cli->verbosity = -1;
		return 1;
	case 'v':
		if (cli->verbosity >= 0)
			cli->verbosity++;
		return 1;
	default:
		return 0;
	}
}

void
lb_cli_help_text(const char *usage)
{
	fputs(usage, stdout);
	fputs("\nGlobal options, here or before the verb:\n", stdout);
	fputs(global_text, stdout);
}

int
lb_cli_help(const struct lb_cli *cli, const char *usage)
{
	lb_cli_help_text(usage);
	return lb_cli_finish(cli, LB_EXIT_OK);
}

int
cmd_help(struct lb_cli *cli, int argc, char **argv)
{
	const struct lb_cmd *c;
	char *sub[] = { NULL, "--help", NULL };

	if (argc > 2)
		return lb_cli_usage(cli, "help", "too many arguments");
	if (argc == 2 && strcmp(argv[1], "--help") != 0 &&
	    strcmp(argv[1], "-h") != 0) {
		if ((c = find_cmd(argv[1])) == NULL)
			return lb_cli_usage(cli, NULL, "unknown verb '%s'",
			    argv[1]);
		sub[0] = argv[1];
		return c->run(cli, 2, sub);
	}
	print_usage(stdout);
	return lb_cli_finish(cli, LB_EXIT_OK);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		LB_CLI_GLOBAL_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct lb_cli cli = { .prog = "lifeboat" };
	const struct lb_cmd *cmd;
	const char *self = base_name(argc > 0 ? argv[0] : "lifeboat");
	struct lb_err ferr;
	int ch;

	lb_accel_init();
	/* Names in archives are UTF-8: libarchive converts them through the
	 * locale, and under "C" it warns for every non-ASCII name. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "");

	/* A fault the shipped build cannot inject must not look injected. */
	if (lb_fault_check(&ferr) != LB_OK) {
		cli.prog = self;
		lb_cli_error(&cli, "%s", ferr.msg);
		return LB_EXIT_USAGE;
	}

	/* lifeboat-VERB: the verb is the program's name. */
	if (strncmp(self, "lifeboat-", 9) == 0) {
		if ((cmd = find_cmd(self + 9)) == NULL) {
			cli.prog = self;
			lb_cli_error(&cli, "unknown verb '%s' (from the "
			    "program name)", self + 9);
			return LB_EXIT_USAGE;
		}
		cli.prog = self;
		return cmd->run(&cli, argc, argv);
	}

	/* '+': stop at the verb; its options are its own. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv,
	    "+:" LB_CLI_GLOBAL_SHORTOPTS "hV", opts, NULL)) != -1) {
		if (lb_cli_global_opt(&cli, ch, optarg))
			continue;
		switch (ch) {
		case 'h':
			print_usage(stdout);
			return lb_cli_finish(&cli, LB_EXIT_OK);
		case 'V':
			return cmd_version(&cli, 1,
			    (char *[]){ "version", NULL });
		case ':':
			return lb_cli_usage(&cli, NULL,
			    "option '%s' needs an argument",
			    lb_cli_bad_option(argc, argv));
		default:
			return lb_cli_usage(&cli, NULL, "unknown option '%s'",
			    lb_cli_bad_option(argc, argv));
		}
	}
	if (optind >= argc) {
		print_usage(stderr);
		return LB_EXIT_USAGE;
	}
	if ((cmd = find_cmd(argv[optind])) == NULL)
		return lb_cli_usage(&cli, NULL, "unknown verb '%s'",
		    argv[optind]);
	return cmd->run(&cli, argc - optind, argv + optind);
}

static void
vmsg(const struct lb_cli *cli, const char *tag, const char *fmt, va_list ap)
{
	fflush(stdout);
	fprintf(stderr, "%s: %s", cli->prog, tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
lb_cli_error(const struct lb_cli *cli, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(cli, "", fmt, ap);
	va_end(ap);
}

void
lb_cli_warn(const struct lb_cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->verbosity < 0)
		return;
	va_start(ap, fmt);
	vmsg(cli, "warning: ", fmt, ap);
	va_end(ap);
}

int
lb_cli_exit_for(int code)
{
	switch (code) {
	case LB_OK:
		return LB_EXIT_OK;
	case LB_EUSAGE:
		return LB_EXIT_USAGE;
	case LB_ENOBACKUP:
		return LB_EXIT_NOBACKUP;
	case LB_EVERIFY:
		return LB_EXIT_VERIFY;
	case LB_ESTORE:
		return LB_EXIT_STORE;
	case LB_EDEST:
		return LB_EXIT_DEST;
	case LB_ECHECK:
		return LB_EXIT_CHECK;
	case LB_EHANDOFF:
		return LB_EXIT_HANDOFF;
	case LB_EOBJECTIVE:
		return LB_EXIT_OBJECTIVE;
	case LB_EPARTIAL:
		return LB_EXIT_PARTIAL;
	case LB_EINTR:
		return LB_EXIT_INTR;
	default:
		return LB_EXIT_FAIL;
	}
}

int
lb_cli_fail(const struct lb_cli *cli, const struct lb_err *err)
{
	lb_cli_error(cli, "%s", err->msg);
	return lb_cli_exit_for(err->code);
}

int
lb_cli_usage(const struct lb_cli *cli, const char *verb, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(cli, "", fmt, ap);
	va_end(ap);
	if (verb != NULL)
		fprintf(stderr, "Try 'lifeboat %s --help'.\n", verb);
	else
		fprintf(stderr, "Try 'lifeboat --help'.\n");
	return LB_EXIT_USAGE;
}

const char *
lb_cli_bad_option(int argc, char **argv)
{
	/* After an option that lacks its argument, musl leaves optind past
	 * argc while glibc leaves it at argc: the option is the last word. */
	int i = optind > argc ? argc : optind;

	return i > 0 ? argv[i - 1] : "?";
}

int
lb_cli_finish(const struct lb_cli *cli, int status)
{
	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		lb_cli_error(cli, "cannot write to standard output: %s",
		    strerror(errno != 0 ? errno : EIO));
		return status == LB_EXIT_OK ? LB_EXIT_FAIL : status;
	}
	return status;
}
