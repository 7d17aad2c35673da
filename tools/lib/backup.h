/*
 * backup.h: making the nightly backup that restore trusts, and keeping
 * the stores' retention.
 *
 * One read of the volumes: libarchive's disk reader -> pax tar (numeric
 * owners, modes, ns times, xattrs, ACLs, sparse files, hard links) ->
 * segmented gzip or zstd (segw.h) -> SHA-256 -> every store at once,
 * streamed, no temporary copy. What writes to the volumes is stopped
 * first through the Engine API and always started again. Publication order
 * makes a half-written backup invisible: the archive, then its manifest,
 * then the sidecar that restore needs to call it valid. With [trust]
 * recipients the compressed stream is age-encrypted in the same pass
 * (agew.h), and so is the manifest.
 */
#ifndef LB_BACKUP_H
#define LB_BACKUP_H

#include "config.h"
#include "docker.h"
#include "lb.h"
#include "segw.h"
#include "strv.h"

#define LB_BACKUP_NAME "lifeboat-%Y-%m-%dT%H-%M-%S"
#define LB_BACKUP_STOP_LABEL "docker-volume-backup.stop-during-backup=true"

enum lb_backup_level { LB_BINFO, LB_BWARN };

struct lb_backup_opts {
	const struct lb_config *cfg;
	const char *source;	/* NULL: [backup] source or the default */
	char **volumes;		/* --volume; none: [backup] volumes or all */
	size_t nvolumes;
	int dry_run;		/* read and compress, publish nothing */
	int no_stop;		/* leave containers and services running */
	long long now;		/* the backup's time (its name); 0: now */
	void (*progress)(void *arg, long long done, long long total);
	void *progress_arg;
	void (*notice)(void *arg, enum lb_backup_level, const char *msg);
	void *notice_arg;
};

struct lb_backup_volume {
	char *name;		/* a volume, or "metadata.db" */
	int is_volume;
	int priority;
	long long files;	/* counted as restore counts them */
	long long bytes;
};

struct lb_backup_store {
	char *name;
	int ok;			/* got everything, published */
	char *error;		/* else why */
};

struct lb_backup_result {
	int ok;
	int dry_run;
	char *archive;		/* NAME.tar.gz or NAME.tar.zst (.age) */
	long long time;
	long long size;		/* as stored */
	long long tar_bytes;
	char sha256[65];	/* as stored */
	/* age-encrypted to [trust] recipients (of each type) when any is
	 * set: then the compressed stream the segments cut is the age
	 * file's plaintext, of this size */
	size_t age_x25519, age_ssh;
	long long stream_size;
	struct lb_backup_volume *volumes;
	size_t nvolumes;
	struct lb_segment *segments;
	size_t nsegments;
	struct lb_backup_store *stores;
	size_t nstores;
	size_t containers_stopped, services_scaled;
	int restarted;		/* all that was stopped runs again */
	double downtime;	/* seconds from the first stop to the last
				   start */
	struct lb_strv pruned;	/* "STORE: NAME" */
	double t_stop, t_write, t_start, t_publish, t_total;
	struct lb_err err;
};

/* Make a backup; fills res in every case. Returns 0 when every store got
 * everything, else the error class (also in res->err). */
int lb_backup_run(const struct lb_backup_opts *o, struct lb_backup_result *res);

/* The report as JSON; *out is the caller's. */
int lb_backup_report_json(const struct lb_backup_result *res, char **out);

void lb_backup_result_release(struct lb_backup_result *res);

/* What [backup]'s keep_daily, keep_weekly and keep_monthly keep of the
 * backups lifeboat wrote to a store, by the times in their names: the
 * newest of each of the newest N days, ISO weeks and months, and always
 * the newest backup. times[i] are the backups' times (any order);
 * keep[i] is set to 1 for those kept, 0 for the others. */
void lb_retention_select(const long long *times, size_t n, int daily,
    int weekly, int monthly, int *keep);

/* Prune the stores (names NULL: [backup] stores, else those): delete the
 * complete backups that retention does not keep, each with its sidecar,
 * manifest and signature; never a file whose name lifeboat's pattern did
 * not make. pruned gets "STORE: NAME" per backup; with dry_run nothing is
 * deleted. The stores' warnings (TLS not verified) go to notice. */
int lb_backup_prune(const struct lb_config *cfg, char *const *stores,
    size_t nstores, int dry_run, void (*notice)(void *, const char *),
    void *arg, struct lb_strv *pruned, struct lb_err *err);

/* Does name (an archive, its manifest, sidecar or signature) come from
 * the strftime pattern (%Y %m %d %H %M %S %%)? Its base's time into *t. */
int lb_backup_name_match(const char *pattern, const char *name,
    long long *t, char *base, size_t blen);

/* Check one [backup] key at parse time: 0, or -1 with why. */
int lb_backup_key_check(const char *key, const char *value, char *why,
    size_t wl);

#endif
