/*
 * status.h: where the backups stand against the plan, from the stores'
 * listings and the history log, without downloading an archive: per store
 * the newest valid backup and its age against the RPO, when it was last
 * proven (a drill or a restore), the last drill and its projected RTO,
 * the oldest backup and how many there are.
 */
#ifndef LB_STATUS_H
#define LB_STATUS_H

#include <stddef.h>

#include "config.h"
#include "lb.h"
#include "metrics.h"

struct lb_status_store {
	char *name;
	char *error;		/* it could not be listed: why; else NULL */
	size_t count;		/* backups it holds */
	long long oldest;	/* the oldest one's time, -1 if none */
	char *newest;		/* the newest valid one (by its listing:
				   checksum, signature), or NULL */
	long long newest_time, newest_size;	/* -1 if unknown */
	long long age;		/* of newest, -1 */
	long long verified_at;	/* when a drill or restore last proved
				   newest, -1: never */
	const char *verified_by;	/* "drill" or "restore" */
	/* the store's last drill, from the history */
	long long drill_at;	/* -1: none */
	int drill_ok;
	char *drill_archive;
	char *drill_error;
	long long projected_rto;	/* -1 if unknown */
};

struct lb_status {
	long long now;		/* lb_clock_now */
	long long rpo, rto;	/* the plan's, -1 if unset */
	struct lb_status_store *stores;
	size_t nstores;
	int rpo_met, rto_met;	/* 1, 0, or -1 when the plan sets none */
	int code;		/* LB_OK, LB_ESTORE (no store could be
				   listed), LB_EOBJECTIVE (one not met) */
	struct lb_err err;	/* when code != LB_OK: the first reason */
};

/* Fill st from cfg's stores and history. 0 or st->code. */
int lb_status_get(const struct lb_config *cfg, struct lb_status *st);

int lb_status_json(const struct lb_status *st, char **out);

/* The status's metrics (lifeboat(1)). */
void lb_status_metrics(const struct lb_status *st, struct lb_metrics *m);

void lb_status_release(struct lb_status *st);

/* One drill of the history, for 'status --history'. */
struct lb_status_drill {
	char ended[32];		/* ISO-8601 */
	char store[128];
	char archive[256];	/* "" when none was restored */
	int ok;
	double restore;		/* seconds: select + transfer + commit */
	long long projected_rto;	/* -1 if unknown */
	char error[256];
};

/* The last max drills of the history log at path, oldest first, into
 * *out (the caller frees it). */
int lb_status_drills(const char *path, size_t max,
    struct lb_status_drill **out, size_t *n, struct lb_err *err);

/* Those drills as a JSON array; *out is the caller's. */
int lb_status_drills_json(const struct lb_status_drill *d, size_t n,
    char **out);

#endif
