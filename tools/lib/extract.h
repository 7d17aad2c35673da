/*
 * extract.h: one archive through libarchive into a staging directory
 * (internal to the engine). Maps each entry from the archive's layout to
 * DEST's (VOLUME/_data/...), refuses what would land outside its volume,
 * and counts what each volume receives.
 */
#ifndef LB_EXTRACT_H
#define LB_EXTRACT_H

#include "config.h"
#include "pipe.h"
#include "restore.h"

struct archive;
struct archive_entry;

enum lb_layout { LB_LAYOUT_AUTO, LB_LAYOUT_DOCKER, LB_LAYOUT_OFFEN,
	LB_LAYOUT_PLAIN };

struct lb_extract {
	/* in */
	const struct lb_config *cfg;
	enum lb_layout layout;
	char **volumes;			/* filter, or plain's one name */
	size_t nvolumes;
	const char *staging;		/* NULL: decode only (no writes) */
	void (*notice)(void *arg, enum lb_notice_level, const char *msg);
	void *notice_arg;
	/* A segment of a segmented archive (segr.c), extracted beside
	 * others: the current directory is the staging already (staging
	 * only says whether to write); entries of a volume not in only[]
	 * are refused; a hard link whose target another segment has not
	 * written yet waits in later[]; and the writer stays open (its
	 * directories' metadata set by lb_extract_finish, once every
	 * segment of their volumes is written). */
	int segment;
	char **only;
	size_t nonly;
	/* out */
	enum lb_layout used;
	struct lb_volume_result *items;	/* top-level names restored */
	size_t nitems;
	int dest_error;			/* the failure is the destination's */
	struct archive *writer;		/* segment: still open */
	struct archive_entry **later;	/* segment: hard links to make */
	size_t nlater;
	struct archive_entry **dirs;	/* segment: directories, whose
					   times are set again at the end:
					   libarchive sets those of one
					   that exists (made by another
					   segment) at once */
	size_t ndirs;
};

/* Decode (and with staging set, write) the whole stream of p. On failure
 * err says why, naming the entry. */
int lb_extract_run(struct lb_extract *x, struct lb_pipe *p, struct lb_err *err);
/* Free what x holds; a segment's open writer is closed where the caller
 * stands (in the staging). */
void lb_extract_release(struct lb_extract *x);

/* A segment's end: its waiting hard links made (lb_extract_links, for
 * every segment of a volume before any is finished: a link changes its
 * directory's time), its directories' metadata set, its writer closed. */
int lb_extract_links(struct lb_extract *x, struct lb_err *err);
int lb_extract_finish(struct lb_extract *x, struct lb_err *err);


#endif
