/*
 * segr.h: a segmented archive restored segment by segment (internal to
 * the engine).
 *
 * lifeboat backup writes its archive as independent gzip members (or zstd
 * frames), each starting at a tar header and holding whole entries of
 * known volumes, and lists them in its manifest (offset, length, SHA-256
 * of the stored bytes, volumes). When the sidecar vouches for the
 * manifest, each segment is fetched with a ranged read of its own, on up
 * to [restore] connections at once, checked against its digest, decoded
 * and written into the one staging directory; the volumes' priority
 * groups (p1, p2, ...) are handed to the caller as soon as every segment
 * holding them is verified and written, in priority order, so that p1
 * can go live while p3 is still arriving.
 */
#ifndef LB_SEGR_H
#define LB_SEGR_H

#include <pthread.h>

#include "config.h"
#include "extract.h"
#include "pipe.h"
#include "restore.h"
#include "store.h"
#include "strv.h"

#define LB_SEGR_CONNECTIONS 4	/* [restore] connections' default */
#define LB_SEGR_MAX_CONNECTIONS 16

struct lb_segr_seg;
struct lb_jval;

/* One priority group: the volumes (and files) of one [volumes] pN, or of
 * none. */
struct lb_segr_group {
	int priority;		/* 1..9, LB_MAX_PRIO + 1: none */
	struct lb_strv names;	/* what the manifest lists in it */
	size_t nsegments;	/* the segments that hold some of it */
	long long bytes;	/* their stored bytes */
	int verified;		/* every segment checked and written */
	int live;		/* the caller committed it */
	int failed;
	double t_live;		/* when it went live, s after t0 */
};

struct lb_segr {
	/* in */
	const struct lb_config *cfg;
	struct lb_store *store;
	const char *name;		/* the archive */
	const char *staging;		/* NULL: decode only (a dry run) */
	char **volumes;			/* --volume filter */
	size_t nvolumes;
	int connections;
	double t0;			/* lb_clock_mono() at the start */
	lb_progress_fn progress;
	void *progress_arg;
	void (*notice)(void *arg, enum lb_notice_level, const char *msg);
	void *notice_arg;
	/* A group verified and written (called in priority order, from
	 * the caller's thread): LB_OK, or an error that stops the run.
	 * NULL: groups are only verified (--atomic, a dry run). */
	int (*group_done)(void *arg, struct lb_segr *sr, size_t g,
	    struct lb_err *err);
	void *arg;
	/* the plan (lb_segr_plan) */
	struct lb_segr_seg *segs;
	size_t nsegs;
	struct lb_segr_group *groups;
	size_t ngroups;
	long long total;		/* stored bytes to fetch */
	struct lb_jval *manifest;	/* owned: the manifest parsed */
	/* out */
	struct lb_volume_result *items;	/* what was restored, by name */
	size_t nitems;
	size_t failed_group;		/* with an error: the group */
	/* the run's */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t next;			/* the next segment to take */
	int stop;
};

/* The plan from the manifest's text (its digest already checked against
 * the sidecar): the segments must cover the archive of size bytes (-1:
 * unknown) end to end, and the manifest must name the archive's digest
 * sha256. -1 and why when it describes no usable segments (the archive
 * is then restored in one stream); 0 otherwise. */
int lb_segr_plan(struct lb_segr *sr, const char *text, size_t len,
    const char *sha256, long long size, char *why, size_t wl);

/* Fetch, verify, decode and write every wanted segment, handing each
 * group to group_done once whole. On failure, err says why and
 * failed_group which group failed (the earlier ones went through
 * group_done). */
int lb_segr_run(struct lb_segr *sr, struct lb_err *err);

void lb_segr_release(struct lb_segr *sr);

#endif
