/*
 * drill.h: a restore drill, the proof that tonight's backup restores in
 * time. For each store: the newest [drill] verify_latest backups verified
 * deeply (lb_restore in LB_MODE_VERIFY_DEEP), the newest valid one
 * restored into a scratch directory through the same engine (lb_restore,
 * whose pass checks the manifest) and walked against its manifest on disk,
 * the [probe] commands run on it, every phase timed, and the recovery time
 * projected from the measured rate and the plan's fixed times. The live
 * volumes are never written and nothing is stopped.
 */
#ifndef LB_DRILL_H
#define LB_DRILL_H

#include "config.h"
#include "lb.h"
#include "metrics.h"
#include "restore.h"

struct lb_drill_opts {
	const struct lb_config *cfg;
	const char *scratch;	/* the directory the scratch tree is made
				   in; NULL: [drill] scratch or /var/tmp */
	int keep;		/* leave the scratch tree */
	struct lb_age_keys *age_keys;	/* the caller's, or NULL */
	/* as for lb_restore (the restore's progress, notices, events) */
	lb_progress_fn progress;
	void *progress_arg;
	void (*notice)(void *arg, enum lb_notice_level, const char *msg);
	void *notice_arg;
	void (*event)(void *arg, const struct lb_restore_event *ev);
};

/* One backup verified, or one probe run. */
struct lb_drill_step {
	char *name;
	int ok;
	char *reason;		/* when !ok */
	double seconds;
};

/* The drill of one store. */
struct lb_drill_store {
	char *store;
	int code;		/* LB_OK, or the most serious of codes[] */
	char *reasons[8];	/* why, one line each, as found */
	int codes[8];		/* the error class of each */
	size_t nreasons;
	struct lb_drill_step *verified;	/* newest first */
	size_t nverified;
	struct lb_drill_step *probes;
	size_t nprobes;
	int restored;		/* the restore into the scratch tree ended
				   well */
	char *archive;		/* what it restored (or tried), or NULL */
	long long archive_time, archive_size;	/* -1 if unknown */
	const char *integrity;	/* "sha256", ...; NULL if none */
	char authenticity[32];
	long long manifest_bytes;	/* the manifest's total, -1: none */
	long long files, bytes;	/* found on disk in the scratch tree */
	int manifest_checked;	/* on disk, against the manifest */
	char *scratch;		/* the scratch tree (kept with keep) */
	double t_verify, t_select, t_transfer, t_commit, t_manifest;
	double t_probes, t_cleanup;
	double rate;		/* bytes of the archive per second */
	long long restore_projected;	/* seconds, -1 if unknown */
	long long projected_rto;	/* -1 if unknown */
	long long age;		/* of the newest valid backup, -1 */
	int rpo_met, rto_met;	/* 1, 0, or -1 when not judged */
};

struct lb_drill_result {
	char id[48];
	long long started, ended;	/* epoch seconds (lb_clock_now) */
	int ok;
	int code;		/* LB_OK or the first store's failure */
	struct lb_drill_store *stores;
	size_t nstores;
	long long rto, rpo, provision, boot, handoff;	/* the plan's */
	struct lb_err err;	/* when it could not run at all */
};

/* Run the drill; res is filled in every case. 0, or the error class. */
int lb_drill(const struct lb_drill_opts *o, struct lb_drill_result *res);

/* A line per store into the history log (lb_config_history); failures to
 * append go to the notices. */
void lb_drill_history(const struct lb_drill_opts *o,
    const struct lb_drill_result *res);

/* The report as JSON; *out is the caller's. */
int lb_drill_report_json(const struct lb_drill_result *res, char **out);

/* The drill's metrics (lifeboat(1)); the last successful drill's time is
 * taken from the history when this one failed. */
void lb_drill_metrics(const struct lb_drill_result *res,
    const struct lb_config *cfg, struct lb_metrics *m);

/* Why a store's drill failed: the reason of its code; NULL when ok. */
const char *lb_drill_store_why(const struct lb_drill_store *ds);

void lb_drill_result_release(struct lb_drill_result *res);

#endif
