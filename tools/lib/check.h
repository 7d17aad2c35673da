/*
 * check.h: service checks ('lifeboat check', and the last step of a
 * hand-off): an HTTP(S) URL that must answer a status (and hold a
 * string), a TCP port that must accept, a command that must exit 0. Each
 * is retried with backoff until its 'within' deadline; checks run in
 * priority groups, p1 first, and a group with a failure stops the later
 * ones.
 */
#ifndef LB_CHECK_H
#define LB_CHECK_H

#include <stddef.h>

#include "config.h"
#include "lb.h"

enum lb_check_state {
	LB_CHECK_PENDING,
	LB_CHECK_PASS,
	LB_CHECK_FAIL,
	LB_CHECK_SKIPPED,	/* an earlier priority group failed */
};

struct lb_check_result {
	const struct lb_check_conf *conf;	/* not owned */
	enum lb_check_state state;
	double seconds;		/* from its group's start to the pass, or to
				   giving up */
	int attempts;
	char error[256];	/* the last attempt's failure, or why it was
				   skipped; empty when it passed first time */
};

/* Called when a check passes, fails for good, or is skipped; and, when
 * an attempt fails but the check goes on trying, with retrying set. */
typedef void (*lb_check_report_fn)(void *arg,
    const struct lb_check_result *r, int retrying);

/* One attempt of c. Returns 0 when it passed, else -1 with the reason in
 * why. */
int lb_check_once(const struct lb_check_conf *c, char *why, size_t len);

/* Run the n checks of res (conf set by the caller) to their end, in
 * priority groups. Returns LB_OK when every check passed, LB_EFAIL when
 * one failed or was skipped, LB_EINTR when a signal stopped it (the
 * unfinished ones fail with "interrupted"). */
int lb_check_run(struct lb_check_result *res, size_t n,
    lb_check_report_fn report, void *arg);

/* Does the check talk to this machine (127.0.0.0/8, ::1, localhost)? A
 * hand-off runs those on the rescued host, over SSH. */
int lb_check_is_local(const struct lb_check_conf *c);

#endif
