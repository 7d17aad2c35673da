/*
 * common.h: what the store-reading verbs share on the command line: the
 * options --store, -c, and the printing of progress and notices.
 */
#ifndef LB_COMMON_H
#define LB_COMMON_H

#include "age.h"
#include "cli.h"
#include "config.h"
#include "restore.h"

/* Load the config (-c FILE, "-" for stdin, or the default) and set its
 * [env] variables. */
int lb_cli_load(struct lb_cli *cli, struct lb_config *cfg);

/* lb_cli_load, then apply --store overrides; no store is an error. */
int lb_cli_config(struct lb_cli *cli, struct lb_config *cfg, char **stores,
    size_t nstores);

/* The age identities of restore and verify: the config's, the
 * environment's and files (--identity); a passphrase is asked for on the
 * terminal when an archive needs one and stdin is a terminal. */
int lb_cli_age_keys(struct lb_cli *cli, const struct lb_config *cfg,
    char **files, size_t nfiles, struct lb_age_keys **out);

/* Append a string to a growing array (for repeatable options). */
int lb_cli_push(char ***v, size_t *n, char *s);

/* The values of a repeatable option: argv's strings, the array ours. */
struct lb_cli_list {
	char **v;
	size_t n;
};

/* Progress and notices on stderr, as lifeboat(1) describes. */
struct lb_cli_meter {
	const struct lb_cli *cli;
	char name[256];
	int tty;
	int last_decile;
	double start, last;
	int printed;		/* a live line is on the terminal */
};
void lb_cli_progress(void *arg, long long done, long long total);
void lb_cli_notice(void *arg, enum lb_notice_level l, const char *msg);
/* A restore's events (lb_restore_opts.event; arg the meter): the archive
 * tried names the progress line, a rejection is a warning, a volume
 * committed is told with -v. */
void lb_cli_restore_event(void *arg, const struct lb_restore_event *ev);
/* Name the progress line and start its clock. */
void lb_cli_meter_start(struct lb_cli_meter *p, const char *name);
/* End a live progress line before other output. */
void lb_cli_progress_end(struct lb_cli_meter *p);

/* SIGINT/SIGTERM set lb_stop_requested; the engine stops and cleans up. */
void lb_cli_signals(void);

/* "12.3 MiB" */
void lb_cli_human_bytes(long long n, char *buf, size_t len);



/* Run the [check] sections of cfg (only those named, when nnames > 0),
 * and with print, print the table or JSON; returns the exit status
 * (cmd_check.c). */
int lb_cli_run_checks(struct lb_cli *cli, const struct lb_config *cfg,
    char **names, size_t nnames, int print);

/* --metrics FILE: write m to path (unless path is NULL); a failure is
 * told, and turns an OK status into LB_EXIT_FAIL. m is released. Returns
 * the status. */
struct lb_metrics;
int lb_cli_metrics(const struct lb_cli *cli, const char *path,
    struct lb_metrics *m, int status);

/* The result of restore or verify: JSON with --json, else a summary. */
void lb_cli_print_result(const struct lb_cli *cli,
    const struct lb_restore_result *res);
#endif
