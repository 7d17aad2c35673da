/*
 * history.h: what 'lifeboat restore' and 'lifeboat handoff' keep of a
 * recovery: the history record (phases, the backup's age, the totals
 * against the plan's RTO and RPO), one JSON line appended to a log.
 */
#ifndef LB_HISTORY_H
#define LB_HISTORY_H

#include <stddef.h>

#include "jread.h"
#include "lb.h"

#define LB_MAX_PHASES 16

struct lb_history {
	const char *kind;	/* "restore" or "handoff" */
	const char *id;
	const char *host;	/* handoff: the rescued host; else NULL */
	int ok;
	const char *error;	/* when !ok */
	const char *failed_step;	/* handoff: where it stopped */
	long long started;	/* epoch seconds: when the clock started */
	long long ended;	/* when the service was back (or it failed) */
	const char *archive;	/* the backup restored, or NULL */
	long long archive_time;	/* its time, -1 if unknown */
	/* what was proven of it (see lb_restore_result); NULL: unknown */
	const char *integrity;	/* "sha256", "age", "minisign", "none" */
	const char *authenticity;
	struct {
		const char *name;
		double seconds;
	} phases[LB_MAX_PHASES];
	size_t nphases;
	long long rto, rpo;	/* the plan's, seconds; -1 if unset */
	/* a drill: its store, and the recovery time it projects, which
	 * rto_met then judges (not the drill's own duration) */
	const char *store;	/* NULL: none */
	int has_projected;
	long long projected_rto;
	/* more members of the line: each a key and a JSON value */
	struct {
		const char *key;
		const char *json;
	} extra[4];
	size_t nextra;
};

/* Each line of the history log at path whose kind is kind (NULL: any),
 * oldest first, parsed, to fn (which must not keep it). A log that is not
 * there has no lines; a line that is not JSON is skipped. LB_EIO with err
 * when it cannot be read. */
int lb_history_each(const char *path, const char *kind,
    void (*fn)(void *arg, const struct lb_jval *line), void *arg,
    struct lb_err *err);

/* Add a phase (a repeated name adds its time to the first). */
void lb_history_phase(struct lb_history *h, const char *name, double secs);

/* The record as one line of JSON (no newline). *out is the caller's. */
int lb_history_json(const struct lb_history *h, char **out);

/* Append line and a newline to path (its directory made if need be),
 * synced. */
int lb_history_append(const char *path, const char *line, struct lb_err *err);

/* "service back after 41 min (RTO 2 h: met); data from 03:00 last night,
 * 7 h 12 min old (RPO 24 h: met)" for a hand-off; "volumes restored
 * after ..." for a restore. */
void lb_history_summary(const struct lb_history *h, char *buf, size_t len);

/* The strings of a record taken from a report. */
struct lb_history_report {
	char archive[256];
	char integrity[32];
	char authenticity[48];
};

/* What a restore's JSON report (lifeboat --json restore, run on the
 * rescued host) tells of it: the archive's name and time, what proved it
 * ("none" when the report does not say), and the select, transfer and
 * commit phases. h points into keep afterwards. */
void lb_history_from_report(struct lb_history *h, const struct lb_jval *rep,
    struct lb_history_report *keep);

#endif
