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
	/* out */
	enum lb_layout used;
	struct lb_volume_result *items;	/* top-level names restored */
	size_t nitems;
	int dest_error;			/* the failure is the destination's */
};

/* Decode (and with staging set, write) the whole stream of p. On failure
 * err says why, naming the entry. */
int lb_extract_run(struct lb_extract *x, struct lb_pipe *p, struct lb_err *err);
void lb_extract_release(struct lb_extract *x);


#endif
