/*
 * catalog.h: the backups the stores hold, newest first, each with the
 * checksum that will prove it (or why it has none).
 */
#ifndef LB_CATALOG_H
#define LB_CATALOG_H

#include <stddef.h>

#include "config.h"
#include "minisign.h"
#include "store.h"

/* What a minisign signature proved about a backup (with trusted keys). */
enum lb_sig_state {
	LB_SIG_NONE,		/* no signature file */
	LB_SIG_BAD,		/* one there, but it proved nothing:
				   why_unsigned */
	LB_SIG_OK,		/* its checksum file is signed: the digest is */
	LB_SIG_STREAM,		/* NAME.minisig: comment and key checked, the
				   archive's BLAKE2b is checked in its pass */
};

struct lb_backup {
	char *name;		/* archive file name */
	size_t store;		/* index into the catalog's stores */
	long long size;		/* bytes, -1 if unknown */
	long long time;		/* seconds since the epoch */
	int time_from_name;	/* 1: parsed from the name, 0: file mtime */
	int has_sum;		/* sha256 below is the expected digest */
	char sha256[65];
	char *why_unverified;	/* when !has_sum: the reason */
	/* NAME.manifest.json (lifeboat backup), named with its digest in
	 * the same sidecar: what the archive must hold */
	char *manifest;		/* its name, or NULL */
	char manifest_sha256[65];
	int age;		/* age-encrypted (NAME.age): intact when every
				   chunk authenticates, sidecar or not */
	char *refused;		/* never a candidate, and why (OpenPGP) */
	/* authenticity (minisign), only with trusted keys */
	enum lb_sig_state sig;
	char *sig_file;		/* the .minisig that proved it */
	char key_id[17];	/* the signer's key id, "" if none */
	char *trusted_comment;	/* the signature's, NULL if none */
	char *why_unsigned;	/* when NONE or BAD: the reason */
	struct lb_ms_sig *stream_sig;	/* LB_SIG_STREAM: owned */
	size_t stream_key;	/* LB_SIG_STREAM: index into keys */
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
	struct lb_ms_key *keys;	/* trusted minisign keys ([trust]) */
	size_t nkeys;
	int require_sig;	/* an unsigned backup is no candidate */
};

/* Does b prove its bytes (a checksum, or a signature over the archive
 * itself that its pass will check)? */
int lb_backup_verifiable(const struct lb_backup *b);

/* What list shows: whether a restore would take b, as far as the listing
 * can tell ("ok", "age", "unverified", "unsigned", "bad-signature",
 * "refused"), with the reason in *why when not "ok" (else NULL). */
const char *lb_backup_status(const struct lb_catalog *cat,
    const struct lb_backup *b, const char **why);

/* What would prove b intact: "sha256", "age", "minisign" or "none". */
const char *lb_backup_integrity(const struct lb_backup *b);

/* May b be restored as far as signatures go? 0 if so; else -1 and why
 * (unsigned while signatures are required, or badly signed). */
int lb_backup_sig_refused(const struct lb_catalog *cat,
    const struct lb_backup *b, char *why, size_t len);

/* Open and list every store of cfg. A store that fails is recorded and
 * skipped; LB_ESTORE only when none could be listed (LB_EUSAGE for a URL no
 * backend takes). Warnings (TLS verification off, clock corrections,
 * retries) go to notice, which the stores keep for their transfers. */
int lb_catalog_build(struct lb_catalog *cat, const struct lb_config *cfg,
    void (*notice)(void *, const char *), void *arg, struct lb_err *err);
void lb_catalog_release(struct lb_catalog *cat);

/* Read the first bytes of each .age archive: an ASCII-armored one, which
 * only its content tells, is marked refused with what to do (for 'list';
 * a restore finds out in its pass). A store that fails leaves it as it
 * was. */
void lb_catalog_peek_age(struct lb_catalog *cat);

/* Archive name -> time, from the patterns of lifeboat(1). 0 if found. */
int lb_name_time(const char *name, int local, long long *t);

/* Find the digest for 'name' in the text of a checksum file (GNU
 * "HEX  NAME" or "HEX *NAME", BSD "SHA256 (NAME) = HEX"). With sidecar set,
 * the file is NAME.sha256: a bare digest counts, and a line naming another
 * file is an error. 0 and hex filled if found; else -1 and why. */
int lb_sum_lookup(const char *text, const char *name, int sidecar,
    char hex[65], char *why, size_t whylen);

#endif
