/*
 * restore.h: selecting, verifying and restoring a backup, and undoing one.
 *
 * One streaming pass per candidate: store -> SHA-256 -> libarchive ->
 * staging directory DEST.lifeboat/staging-ID on the target filesystem.
 * Only when the digest matched and no entry failed are the staged volumes
 * renamed into DEST, journaled step by step; what they replace is set
 * aside in DEST.lifeboat/previous-ID, never deleted. A segmented archive
 * whose manifest the sidecar vouches for is read by segments instead
 * (segr.h), each priority group committed as soon as it is whole.
 */
#ifndef LB_RESTORE_H
#define LB_RESTORE_H

#include "catalog.h"
#include "config.h"
#include "lb.h"
#include "pipe.h"

enum lb_mode {
	LB_MODE_RESTORE,
	LB_MODE_VERIFY,		/* the digest only */
	LB_MODE_VERIFY_DEEP,	/* the digest and a full decode */
};

enum lb_notice_level { LB_INFO, LB_WARN };

/* What happens to the candidates and the volumes, for the CLI to show
 * (and to name its progress line by): structured, never prose to parse. */
enum lb_restore_event_kind {
	LB_RESTORE_TRYING,	/* a candidate's pass begins */
	LB_RESTORE_REJECTED,	/* a candidate failed; the next is tried */
	LB_RESTORE_COMMITTED,	/* a volume (or file) went live */
};

struct lb_restore_event {
	enum lb_restore_event_kind kind;
	const char *name;	/* the archive, or the volume committed */
	const char *store;	/* the archive's store (TRYING, REJECTED) */
	const char *doing;	/* TRYING: "restoring", "checking" (a dry
				   run) or "verifying" */
	const char *reason;	/* REJECTED: why, one line */
	long long size;		/* TRYING: its size, -1 if unknown */
	int replaced;		/* COMMITTED: it replaced one, set aside */
};

struct lb_restore_opts {
	const struct lb_config *cfg;
	enum lb_mode mode;
	const char *name;	/* NULL: the latest valid backup */
	const char *dest;	/* NULL: cfg->dest or the default */
	const char *root;	/* dest is taken inside root */
	char **volumes;		/* --volume filter */
	size_t nvolumes;
	int replace;
	int atomic;		/* a segmented archive's groups go live
				   together, at the end (as a single
				   stream's do), not each when whole */
	int dry_run;
	int allow_unverified;
	int ignore_docker;	/* restore even though dockerd runs */
	long long max_age;	/* seconds, -1: none */
	const char *layout;	/* NULL or "auto", "docker", "offen", "plain" */
	struct lb_age_keys *age_keys;	/* identities for .age archives
					   (the caller's), NULL: none */
	lb_progress_fn progress;
	void *progress_arg;
	/* Messages for a person: the CLI decides where they go. */
	void (*notice)(void *arg, enum lb_notice_level, const char *msg);
	void *notice_arg;
	/* The events above (notice_arg is their arg); NULL: none. */
	void (*event)(void *arg, const struct lb_restore_event *ev);
};

struct lb_rejection {
	char *name;
	char *store;
	char *reason;
	size_t order;		/* the candidate's rank, newest first */
};

struct lb_volume_result {
	char *name;
	int is_volume;		/* 0: a top-level file such as metadata.db */
	int priority;
	long long files;
	long long bytes;
	int replaced;		/* an existing one was set aside */
};

/* A priority group of a segmented restore. */
struct lb_group_result {
	int priority;		/* 1..9, LB_MAX_PRIO + 1: none */
	const char *state;	/* "live", "verified" (--atomic, dry run),
				   "failed", "not restored" */
	double live_after;	/* s after the start, -1: not live */
	size_t segments;
	long long bytes;	/* their stored bytes */
};

struct lb_restore_result {
	char id[48];
	int ok;
	int dry_run;
	enum lb_mode mode;
	char *dest;
	int have_archive;
	char *archive_name;
	char *archive_store;
	long long archive_size;
	long long archive_time;
	char archive_sha256[65];
	int archive_verified;	/* its digest matched a checksum */
	const char *integrity;	/* what proved it intact: "sha256" (its
				   checksum), "age" (every chunk of an age
				   file authenticated), "minisign" (its
				   signature over the archive itself), "none" */
	int archive_age;	/* it was age-encrypted (and decrypted) */
	/* who made it (minisign): */
	char authenticity[32];	/* "minisign:KEYID" or "none" */
	char *signature;	/* the .minisig that proved it, or NULL */
	char *trusted_comment;	/* its trusted comment, or NULL */
	struct lb_rejection *rejected;
	size_t nrejected;
	struct lb_volume_result *volumes;
	size_t nvolumes;
	char *layout;
	/* a segmented archive restored by segments (else a single
	 * stream): its groups in commit order */
	int segmented;
	int connections;
	size_t nsegments;
	struct lb_group_result *groups;
	size_t ngroups;
	int partial;		/* some groups live, a later one failed */
	double t_select, t_transfer, t_commit, t_total;
	struct lb_err err;	/* when !ok */
};

/* Select, verify and (in LB_MODE_RESTORE) restore. Fills res in every
 * case; returns 0 or the error class (also in res->err). */
int lb_restore(const struct lb_restore_opts *o, struct lb_restore_result *res);

/* The history of a restore that restored or tried something (not a dry
 * run, not a verify): h filled, its line appended to the history log
 * (lb_config_history) and to the target's own, /var/lib/lifeboat/
 * history.jsonl inside --root, or of this system when the destination is
 * the default one. 1 when recorded (failures to append are notices), 0
 * when there was nothing to record. */
struct lb_history;
int lb_restore_history(const struct lb_restore_opts *o,
    const struct lb_restore_result *res, struct lb_history *h);

/* Undo a restore: put back what it set aside and move what it restored to
 * DEST.lifeboat/rolledback-ID. id NULL: the latest restore. */
int lb_rollback(const struct lb_restore_opts *o, const char *id,
    char *done_id, size_t idlen, struct lb_err *err);

/* The report as JSON (restore and verify). *out is the caller's. */
int lb_restore_report_json(const struct lb_restore_result *res, char **out);

void lb_restore_result_release(struct lb_restore_result *res);

/* Docker's rule for volume names: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
int lb_valid_volume_name(const char *s);

/* The destination directory opts designate, absolute. */
int lb_dest_path(const struct lb_restore_opts *o, char *buf, size_t len,
    struct lb_err *err);

/* The manifest of lifeboat backup (text[0..len), named name in messages)
 * against what the pass x restored: each volume's files and bytes, and
 * nothing restored that it does not list. LB_OK or LB_EVERIFY with err. */
struct lb_extract;
int lb_manifest_check(const char *text, size_t len, const char *name,
    const struct lb_extract *x, struct lb_err *err);

#endif
