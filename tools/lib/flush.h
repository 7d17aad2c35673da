/*
 * flush.h: the staged files' writeback, started while they are still
 * being written. The commit syncs the staging before anything goes live;
 * left to then, the disk idles through the whole transfer and the sync
 * waits for every byte at the end (1.5 s of a 6 s restore of 2 GiB on
 * the bench machine, far more on a slow disk). A thread syncs the staging's
 * filesystem every quarter second instead, so that the disk writes while
 * the archive is still being read.
 */
#ifndef LB_FLUSH_H
#define LB_FLUSH_H

#include "lb.h"

struct lb_flush;

/* Start syncing dir's filesystem in the background. NULL when it could
 * not start: the commit's own sync then does all the work, only later. */
struct lb_flush *lb_flush_start(const char *dir);

/* LB_EDEST ("cannot sync 'dir': ...") when one of its syncs failed, after
 * waiting for the one under way. A commit's own sync calls it after its
 * syncfs: an error the thread's sync saw first is not reported to a file
 * opened after that (errseq), so the commit would not see it. NULL: OK. */
int lb_flush_check(struct lb_flush *f, struct lb_err *err);

/* Stop it and free f (NULL is safe). LB_EDEST ("cannot sync 'dir': ...")
 * when one of its syncs failed: a later sync of the same filesystem no
 * longer reports that error, so it must be reported here. */
int lb_flush_stop(struct lb_flush *f, struct lb_err *err);

#endif
