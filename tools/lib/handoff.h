/*
 * handoff.h: 'lifeboat handoff': from restored volumes to a running,
 * checked stack, driven from the control machine. The steps of [handoff]
 * run in a fixed order (wait-ssh, restore, reboot, inventory, terraform,
 * ansible, check), each timed; the first failure stops the run, and a
 * later run can resume at a step (--from) with the clock and phases kept
 * in state_dir. A dry run describes each step instead. The engine tells
 * the caller what happens through events; it prints nothing.
 */
#ifndef LB_HANDOFF_H
#define LB_HANDOFF_H

#include <limits.h>
#include <stddef.h>

#include "config.h"
#include "history.h"
#include "lb.h"
#include "ssh.h"

enum lb_handoff_event {
	LB_HO_NOTE,		/* progress for a person */
	LB_HO_OUTPUT,		/* a line a step's command printed */
	LB_HO_FAILED,		/* why the step failed (the run stops) */
	LB_HO_WARN,		/* went wrong, but the run goes on */
};

struct lb_handoff_opts {
	const struct lb_config *cfg;
	const char *host;	/* NULL: [handoff] host */
	const char *from;	/* resume at this step, or NULL */
	long long since;	/* the clock's start (epoch); -1: now, or
				   that of the run resumed */
	/* Each line for a person; step is the running step's name
	 * ("handoff" before the first, "history" at the end). */
	void (*event)(void *arg, enum lb_handoff_event ev, const char *step,
	    const char *msg);
	/* Run the checks named, here, and show them: LB_OK, LB_ECHECK,
	 * LB_EINTR or another code. */
	int (*run_checks)(void *arg, char **names, size_t n);
	void *arg;
};

/* Where [handoff] names a file or directory here: a relative one is taken
 * from the config file's directory. */
enum lb_handoff_path { LB_HP_IDENTITY, LB_HP_KNOWN_HOSTS, LB_HP_REMOTE_CONFIG,
	LB_HP_INVENTORY, LB_HP_TERRAFORM_DIR, LB_HP_TF_VAR_FILE,
	LB_HP_ANSIBLE_DIR, LB_HP_STATE_DIR, LB_HP_N };

/* One hand-off. Filled by lb_handoff_init; the result fields after a
 * run. Everything is owned and freed by lb_handoff_release. */
struct lb_handoff {
	struct lb_handoff_opts o;
	const char *host;
	unsigned steps;		/* a bit per step to run */
	char *path[LB_HP_N];	/* resolved, or NULL when unset */
	struct lb_ssh ssh;
	const char *step;	/* the running step's name */
	int reached;		/* the host answered ssh in this run */
	int restored, rebooted;	/* those steps ran */
	char state_path[PATH_MAX];
	char report_path[PATH_MAX];
	/* the result */
	struct lb_history h;	/* the record, its strings in here */
	char id[32];
	char archive[256];	/* the archive of the run resumed */
	struct lb_history_report got;	/* what the restore reported */
	char error[512];	/* why it stopped */
	const char *stopped;	/* the step it stopped at, NULL: none */
	char *json;		/* the record as one JSON line */
};

/* The steps, in their order, NULL-terminated. */
extern const char *const lb_handoff_steps[];

/* Check the host (opts, else [handoff] host), the steps and --from, and
 * prepare the ssh command. LB_EUSAGE with a message in err. */
int lb_handoff_init(struct lb_handoff *ho, const struct lb_handoff_opts *o,
    struct lb_err *err);

/* Run the steps, then record the history (the local log and the host's).
 * LB_OK, or the code the first failing step stopped with (ho->stopped
 * set; its message was told as LB_HO_FAILED and is in ho->error), or an
 * error before any step ran (ho->stopped NULL, err filled). */
int lb_handoff_run(struct lb_handoff *ho, struct lb_err *err);

/* Describe every step's commands and environment as LB_HO_NOTE events,
 * running nothing. Returns LB_OK, or the code a real run would stop with
 * for a configuration error found on the way (told as LB_HO_FAILED). */
int lb_handoff_describe(struct lb_handoff *ho);

void lb_handoff_release(struct lb_handoff *ho);

#endif
