/*
 * cli.h: the lifeboat command line: the verb table, the global options every
 * verb sees, exit statuses and the helpers that print. Only this directory
 * prints or exits; the engine (tools/lib) reports through struct lb_err.
 */
#ifndef LB_CLI_H
#define LB_CLI_H

#include <stdio.h>

#include "lb.h"

/* Exit statuses: one table, documented in lifeboat(1) and tested one by one. */
enum lb_exit {
	LB_EXIT_OK = 0,
	LB_EXIT_FAIL = 1,	/* unexpected failure */
	LB_EXIT_USAGE = 2,	/* usage or configuration error */
	LB_EXIT_NOBACKUP = 3,	/* no valid backup found */
	LB_EXIT_VERIFY = 4,	/* the named archive failed verification */
	LB_EXIT_STORE = 5,	/* store unreachable */
	LB_EXIT_DEST = 6,	/* destination refused */
	LB_EXIT_CHECK = 7,	/* a service check failed */
	LB_EXIT_HANDOFF = 8,	/* a hand-off step failed */
	LB_EXIT_OBJECTIVE = 9,	/* an objective of the plan is not met */
	LB_EXIT_PARTIAL = 10,	/* restored in part: the first priority
				   groups are live, a later one failed */
	LB_EXIT_INTR = 130,	/* interrupted by SIGINT or SIGTERM */
};

/* Options given before the verb. */
struct lb_cli {
	const char *prog;	/* "lifeboat" or "lifeboat-VERB", for
				   messages */
	const char *config;	/* -c FILE, or NULL for the default */
	int json;		/* --json: the result as JSON on stdout */
	int verbosity;		/* -1 with -q, 0, 1 with -v (and more) */
};

/* The global options, which every verb takes too (after the verb, and so
 * in the lifeboat-VERB form): entries for its getopt_long table and
 * optstring, handled by lb_cli_global_opt. */
#define LB_CLI_GLOBAL_LONGOPTS						\
	{ "config", required_argument, NULL, 'c' },			\
	{ "json", no_argument, NULL, 'j' },				\
	{ "quiet", no_argument, NULL, 'q' },				\
	{ "verbose", no_argument, NULL, 'v' }
#define LB_CLI_GLOBAL_SHORTOPTS "c:qv"

/* Apply global option ch (with its argument); 0 if ch is not one. */
int lb_cli_global_opt(struct lb_cli *cli, int ch, const char *arg);

/* A verb's --help: its usage text, then the global options, on stdout;
 * lb_cli_help also flushes it and returns the exit status. */
void lb_cli_help_text(const char *usage);
int lb_cli_help(const struct lb_cli *cli, const char *usage);

/* One verb: cmd_<verb>.c defines its function and usage text. */
struct lb_cmd {
	const char *name;
	int (*run)(struct lb_cli *cli, int argc, char **argv);
	const char *summary;	/* one line for 'lifeboat --help' */
};

extern const struct lb_cmd lb_commands[];

/* "lifeboat: MESSAGE" on stderr, one line (shown even with -q). */
void lb_cli_error(const struct lb_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "lifeboat: warning: MESSAGE" on stderr unless -q. */
void lb_cli_warn(const struct lb_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The exit status for an engine error class. */
int lb_cli_exit_for(int code);
/* Print err as one line and return its exit status. */
int lb_cli_fail(const struct lb_cli *cli, const struct lb_err *err);
/* A usage error: the message, a hint to --help, and LB_EXIT_USAGE. */
int lb_cli_usage(const struct lb_cli *cli, const char *verb,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The option word getopt_long just refused (after ':' or '?'). */
const char *lb_cli_bad_option(int argc, char **argv);
/* Flush stdout and turn a write error (a full disk, a closed pipe) into
 * LB_EXIT_FAIL with a message, as a careful tool must. */
int lb_cli_finish(const struct lb_cli *cli, int status);

/* The verbs. */
int cmd_version(struct lb_cli *cli, int argc, char **argv);
int cmd_help(struct lb_cli *cli, int argc, char **argv);
int cmd_list(struct lb_cli *cli, int argc, char **argv);
int cmd_verify(struct lb_cli *cli, int argc, char **argv);
int cmd_restore(struct lb_cli *cli, int argc, char **argv);
int cmd_rollback(struct lb_cli *cli, int argc, char **argv);
int cmd_check(struct lb_cli *cli, int argc, char **argv);
int cmd_handoff(struct lb_cli *cli, int argc, char **argv);
int cmd_backup(struct lb_cli *cli, int argc, char **argv);
int cmd_prune(struct lb_cli *cli, int argc, char **argv);
int cmd_drill(struct lb_cli *cli, int argc, char **argv);
int cmd_status(struct lb_cli *cli, int argc, char **argv);

#endif
