/*
 * txn.h: the restore's transaction on DEST (internal to the engine).
 *
 * The work area DEST.lifeboat/ sits beside DEST, on its filesystem (a
 * commit is a rename) but outside it: Docker takes every directory of its
 * volumes directory for a volume, and 'docker volume prune' would delete
 * the journals and what a restore set aside. It holds, per restore ID:
 *   journal-ID      what the restore plans and has done, fsync'd per step
 *   staging-ID/     the extracted tree, until committed
 *   previous-ID/    what the commit replaced (never deleted by lifeboat)
 *   rolledback-ID/  what a rollback took out of DEST
 *   report-ID.json  the report
 * Commit and rollback are state-driven and idempotent: re-running one after
 * a crash finishes it, whatever step it died in.
 */
#ifndef LB_TXN_H
#define LB_TXN_H

#include <limits.h>

#include "lb.h"

struct lb_flush;

struct lb_txn {
	char dest[PATH_MAX];
	char id[48];
	int jfd;		/* the journal, append-only */
	int committing;		/* the journal says "commit": a failure
				   from then on leaves it for the next run
				   to finish */
	struct lb_flush *flush;	/* not owned: the staging's writeback
				   thread, whose errors the commit's sync
				   checks (flush.h), or NULL */
};

struct lb_txn_item {
	const char *name;
	int replaced;		/* out: an existing one was set aside */
};

typedef void (*lb_txn_notice)(void *arg, const char *msg);

#define LB_TXN_SUFFIX ".lifeboat"

/* Path of DEST.lifeboat/KIND-ID into buf (KIND NULL: the work area). */
int lb_txn_path(char *buf, size_t len, const char *dest, const char *kind,
    const char *id);

/* Make sure DEST's work area can be used: beside DEST on its filesystem
 * (a DEST that is a mount point is refused), created if missing, with
 * what an older lifeboat kept in DEST/.lifeboat moved into it (told
 * through notice). DEST must exist. */
int lb_txn_area(const char *dest, lb_txn_notice notice, void *arg,
    struct lb_err *err);

/* Create the journal in the work area (see lb_txn_area). */
int lb_txn_begin(struct lb_txn *t, const char *dest, const char *id,
    struct lb_err *err);
/* An empty staging directory for one candidate; its path into buf. */
int lb_txn_stage(struct lb_txn *t, char *buf, size_t len, struct lb_err *err);
/* Remove the staging directory (a candidate failed); -1 and errno when
 * it could not be (a read-only or failing disk). */
int lb_txn_unstage(struct lb_txn *t);
/* Journal the plan, then move the staged items into DEST in this order. */
int lb_txn_commit(struct lb_txn *t, struct lb_txn_item *items, size_t n,
    int replace, struct lb_err *err);
/* The same in parts (a segmented restore's priority groups, each as soon
 * as it is whole): lb_txn_check once with every name the restore may
 * commit (is something in the way that --replace was not given for?),
 * lb_txn_commit_part per group, lb_txn_commit_end once. With partial (why
 * a later group failed), the journal says so and the staging's rest is
 * removed; rollback undoes every part. */
int lb_txn_check(struct lb_txn *t, const char *const *names, size_t n,
    struct lb_err *err);
int lb_txn_commit_part(struct lb_txn *t, struct lb_txn_item *items, size_t n,
    struct lb_err *err);
int lb_txn_commit_end(struct lb_txn *t, const char *partial,
    struct lb_err *err);
/* Remove the staging directory and close the journal as abandoned; -1
 * and errno when the staging could not be removed. */
int lb_txn_abandon(struct lb_txn *t, const char *why);
void lb_txn_close(struct lb_txn *t);

/* Finish what a killed run left: commits roll forward, rollbacks finish,
 * transfers are cleaned up. Each repair is told through notice. */
/* path holds nothing a restore would lose by replacing it: it is an empty
 * directory, or a Docker volume with only an empty _data directory. */
int lb_txn_vacant(const char *path);

int lb_txn_recover(const char *dest, lb_txn_notice notice, void *arg,
    struct lb_err *err);

/* Undo restore id (NULL: the latest committed one not yet rolled back). */
int lb_txn_rollback(const char *dest, const char *id, char *done_id,
    size_t idlen, lb_txn_notice notice, void *arg, struct lb_err *err);

/* rm -rf, not following symlinks. */
int lb_rmtree(const char *path);

#endif
