/*
 * catalog.h: the backups the stores hold, newest first, each with the
 * checksum that will prove it (or why it has none).
 */
#ifndef LB_CATALOG_H
#define LB_CATALOG_H

#include <stddef.h>

#include "config.h"
#include "store.h"

struct lb_backup {
	char *name;		/* archive file name */
	size_t store;		/* index into the catalog's stores */
	long long size;		/* bytes, -1 if unknown */
	long long time;		/* seconds since the epoch */
	int time_from_name;	/* 1: parsed from the name, 0: file mtime */
	int has_sum;		/* sha256 below is the expected digest */
	char sha256[65];
	char *why_unverified;	/* when !has_sum: the reason */
};

/* A store that could not be listed. */
struct lb_store_failure {
	char *store;
	char *error;
};

struct lb_catalog {
	struct lb_store **stores;	/* owned; NULL where it failed */
	const struct lb_store_conf **confs;
	size_t nstores;
	struct lb_backup *backups;	/* newest first; same time: store
					   order */
	size_t nbackups;
	struct lb_store_failure *failures;
	size_t nfailures;
};

/* Open and list every store of cfg. A store that fails is recorded and
 * skipped; LB_ESTORE only when none could be listed (LB_EUSAGE for a URL no
 * backend takes). Warnings (TLS verification off, clock corrections,
 * retries) go to notice, which the stores keep for their transfers. */
int lb_catalog_build(struct lb_catalog *cat, const struct lb_config *cfg,
    void (*notice)(void *, const char *), void *arg, struct lb_err *err);
void lb_catalog_release(struct lb_catalog *cat);

/* Archive name -> time, from the patterns of lifeboat(1). 0 if found. */
int lb_name_time(const char *name, int local, long long *t);

/* Find the digest for 'name' in the text of a checksum file (GNU
 * "HEX  NAME" or "HEX *NAME", BSD "SHA256 (NAME) = HEX"). With sidecar set,
 * the file is NAME.sha256: a bare digest counts, and a line naming another
 * file is an error. 0 and hex filled if found; else -1 and why. */
int lb_sum_lookup(const char *text, const char *name, int sidecar,
    char hex[65], char *why, size_t whylen);

#endif
