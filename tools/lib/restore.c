/*
 * restore.c: choosing the backup and running the restore (see restore.h).
 *
 * Candidates are tried newest first; each is one streaming pass, and it is
 * only the end of that pass (digest matched, every entry decoded and
 * written) that makes it the winner. A failed candidate's staging is
 * removed and, unless a name was given, the next one is tried. Nothing in
 * DEST changes before the commit (the work area DEST.lifeboat is beside
 * it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/sha256.h>

#include "clock.h"
#include "docker.h"
#include "files.h"
#include "history.h"
#include "extract.h"
#include "flush.h"
#include "jread.h"
#include "json.h"
#include "segr.h"
#include "segw.h"
#include "restore.h"
#include "txn.h"

#define WARN_AGE (24 * 3600)	/* without max_age, older winners warn */
/* The most bytes read of an archive nobody gave the size of, where no
 * staging filesystem bounds it (verify, --dry-run): LIFEBOAT_MAX_UNLISTED
 * unset. */
#define UNLISTED_CAP (64LL << 30)

static pthread_mutex_t say_mu = PTHREAD_MUTEX_INITIALIZER;

static void say(const struct lb_restore_opts *o, enum lb_notice_level l,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(const struct lb_restore_opts *o, enum lb_notice_level l, const char *fmt,
    ...)
{
	char msg[2048];
	va_list ap;

	if (o->notice == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&say_mu);
	o->notice(o->notice_arg, l, msg);
	pthread_mutex_unlock(&say_mu);
}

/* A segmented restore's notices come from its workers' threads (a retry,
 * an entry skipped) while its progress is told from the caller's: the
 * caller's callbacks are called one at a time. */
static void
locked_notice(void *arg, enum lb_notice_level l, const char *msg)
{
	say(arg, l, "%s", msg);
}

static void
locked_progress(void *arg, long long done, long long total)
{
	const struct lb_restore_opts *o = arg;

	pthread_mutex_lock(&say_mu);
	o->progress(o->progress_arg, done, total);
	pthread_mutex_unlock(&say_mu);
}

int
lb_dest_path(const struct lb_restore_opts *o, char *buf, size_t len,
    struct lb_err *err)
{
	const char *d = o->dest;
	char cwd[PATH_MAX];
	int n;

	if (d == NULL)
		d = o->cfg->dest != NULL ? o->cfg->dest : LB_DEFAULT_DEST;
	if (o->root != NULL)
		n = snprintf(buf, len, "%s%s%s", o->root,
		    d[0] == '/' ? "" : "/", d);
	else if (d[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return lb_err_set(err, LB_EFAIL, errno, "getcwd");
		n = snprintf(buf, len, "%s/%s", cwd, d);
	} else
		n = snprintf(buf, len, "%s", d);
	if (n < 0 || (size_t)n >= len)
		return lb_err_set(err, LB_EUSAGE, 0, "destination path too "
		    "long");
	/* no trailing slashes: names are joined with '/' */
	while (n > 1 && buf[n - 1] == '/')
		buf[--n] = '\0';
	if (buf[0] != '/' && o->root != NULL && getcwd(cwd, sizeof(cwd))) {
		char tmp[PATH_MAX];

		if (snprintf(tmp, sizeof(tmp), "%s/%s", cwd, buf) >=
		    (int)sizeof(tmp))
			return lb_err_set(err, LB_EUSAGE, 0, "destination "
			    "path too long");
		snprintf(buf, len, "%s", tmp);
	}
	return LB_OK;
}

/* --root names the target system: in a rescue system it must be a mounted
 * filesystem, or the restore would only fill the rescue system's memory
 * (booted without its target found, or asked over SSH before the target
 * was mounted). A directory of a RAM filesystem that is no mount point of
 * its own is refused; anything else (a disk mounted there, a directory of
 * a disk) is the user's choice. */
static int
root_mounted(const char *root, struct lb_err *err)
{
	char parent[PATH_MAX];
	struct stat st, pst;
	struct statfs fs;

	if (root == NULL)
		return LB_OK;
	if (snprintf(parent, sizeof(parent), "%s/..", root) >=
	    (int)sizeof(parent))
		return lb_err_set(err, LB_EUSAGE, 0, "'%s': path too long",
		    root);
	/* what is not there yet is made later, as the destination is */
	if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    stat(parent, &pst) != 0 || statfs(root, &fs) != 0)
		return LB_OK;
	if (st.st_dev == pst.st_dev && st.st_ino != pst.st_ino &&
	    ((unsigned long)fs.f_type == RAMFS_MAGIC ||
	    (unsigned long)fs.f_type == TMPFS_MAGIC))
		return lb_err_set(err, LB_EDEST, 0, "--root '%s' is not a "
		    "mounted filesystem but a directory in memory: nothing "
		    "was restored; mount the target system there first",
		    root);
	return LB_OK;
}

/* Restore IDs sort by time (rollback takes the latest): UTC to the
 * microsecond, then a random tag against two runs in the same one. */
static void
make_id(char *buf, size_t len)
{
	unsigned short rnd = 0;
	struct timespec ts;
	struct tm tm;

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (unsigned short)getpid();
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d%02d%02dT%02d%02d%02d.%06ldZ-%04x",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000, rnd);
}

static int
is_wanted(const struct lb_restore_opts *o, const char *name)
{
	size_t i;

	if (o->nvolumes == 0)
		return 1;
	for (i = 0; i < o->nvolumes; i++)
		if (strcmp(o->volumes[i], name) == 0)
			return 1;
	return 0;
}

/* Refuse before any transfer when DEST holds something a restore could
 * replace, unless --replace. Which volumes the archive holds is known only
 * once it has streamed, so every volume and file of DEST counts, except
 * what nothing is lost by replacing (lb_txn_vacant: empty directories,
 * volumes Docker made but nobody wrote to, a metadata.db that lists only
 * such volumes) and what a restore never writes (Docker's
 * backingFsBlockDev device node, sockets). */
static int
check_existing(const struct lb_restore_opts *o, const char *dest,
    struct lb_err *err)
{
	char list[512] = "", p[PATH_MAX];
	struct dirent *de;
	struct stat st;
	size_t n = 0, used = 0;
	DIR *d;

	if (o->replace || (d = opendir(dest)) == NULL)
		return LB_OK;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !is_wanted(o, de->d_name))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dest, de->d_name);
		if (lstat(p, &st) != 0)
			continue;
		if (lb_txn_vacant(p) || (!S_ISDIR(st.st_mode) &&
		    !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)))
			continue;
		if (n < 4 && used < sizeof(list) - 1)
			used += (size_t)snprintf(list + used,
			    sizeof(list) - used, "%s'%s'", n ? ", " : "",
			    de->d_name);
		n++;
	}
	closedir(d);
	if (n == 0)
		return LB_OK;
	return lb_err_set(err, LB_EDEST, 0, "'%s' already holds %s%s%s: "
	    "nothing was changed; use --replace to set %s aside (kept in "
	    "%s" LB_TXN_SUFFIX "/previous-ID), or restore into an empty "
	    "destination",
	    dest, list, n > 4 ? " and more" : "", "", n > 1 ? "them" : "it",
	    dest);
}

static int
add_rejection(struct lb_restore_result *res, size_t order, const char *name,
    const char *store, const char *reason)
{
	struct lb_rejection *p;

	p = realloc(res->rejected, (res->nrejected + 1) * sizeof(*p));
	if (p == NULL)
		return -1;
	res->rejected = p;
	p += res->nrejected;
	p->name = strdup(name);
	p->store = strdup(store);
	p->reason = strdup(reason);
	p->order = order;
	res->nrejected++;
	return 0;
}

static int
cmp_rejection(const void *a, const void *b)
{
	const struct lb_rejection *x = a, *y = b;

	return x->order < y->order ? -1 : x->order > y->order;
}

static enum lb_layout
layout_of(const char *s)
{
	if (s == NULL || strcmp(s, "auto") == 0)
		return LB_LAYOUT_AUTO;
	if (strcmp(s, "docker") == 0)
		return LB_LAYOUT_DOCKER;
	if (strcmp(s, "offen") == 0)
		return LB_LAYOUT_OFFEN;
	return LB_LAYOUT_PLAIN;
}

static const char *
layout_name(enum lb_layout l)
{
	switch (l) {
	case LB_LAYOUT_DOCKER:
		return "docker";
	case LB_LAYOUT_OFFEN:
		return "offen";
	case LB_LAYOUT_PLAIN:
		return "plain";
	default:
		return "auto";
	}
}

/* The manifest's text: its digest as stored checked against the
 * sidecar's line for it, then decrypted when it is an age file (with the
 * identities that decrypted the archive). */
static int
read_manifest(struct lb_store *s, const struct lb_backup *b,
    struct lb_age_keys *keys, char **text, size_t *len, struct lb_err *err)
{
	unsigned char d[32];
	char *raw = NULL, hex[65], msg[LB_ERR_MSG];
	size_t rlen;
	int r;

	*text = NULL;
	if ((r = lb_store_read_small(s, b->manifest, 4 << 20, &raw, &rlen,
	    err)) != LB_OK) {
		/* err->msg is not both the format's argument and its output */
		snprintf(msg, sizeof(msg), "%s", err->msg);
		return lb_err_set(err, LB_EVERIFY, 0, "cannot read its "
		    "manifest '%s': %s", b->manifest, msg);
	}
	mbedtls_sha256((const unsigned char *)raw, rlen, d, 0);
	lb_hex32(d, hex);
	if (strcmp(hex, b->manifest_sha256) != 0) {
		free(raw);
		return lb_err_set(err, LB_EVERIFY, 0, "its manifest '%s' does "
		    "not match the sidecar's digest for it", b->manifest);
	}
	if (lb_archive_kind(b->name) != LB_ARCHIVE_AGE) {
		*text = raw;
		*len = rlen;
		return LB_OK;
	}
	r = lb_age_decrypt_buf(keys, raw, rlen, 4 << 20, text, len, err);
	free(raw);
	if (r != LB_OK) {
		snprintf(msg, sizeof(msg), "%s", err->msg);
		return lb_err_set(err, LB_EVERIFY, 0, "its manifest '%s' does "
		    "not decrypt: %s", b->manifest, msg);
	}
	return LB_OK;
}

int
lb_manifest_check(const char *text, size_t len, const char *name,
    const struct lb_extract *x, struct lb_err *err)
{
	const struct lb_jval *vols, *v;
	struct lb_jval *j = NULL;
	char why[160];
	const char *vn;
	size_t i, seen = 0;
	long long files, bytes;
	int r = LB_OK;

	if (lb_jread_parse(text, len, &j, why, sizeof(why)) != 0 ||
	    (vols = lb_jread_get(j, "volumes")) == NULL ||
	    vols->type != LB_JARR) {
		r = lb_err_set(err, LB_EVERIFY, 0, "its manifest '%s' cannot "
		    "be read", name);
		goto out;
	}
	for (v = vols->child; v != NULL; v = v->next) {
		if ((vn = lb_jread_str(v, "name")) == NULL)
			continue;
		files = lb_jread_int(v, "files", -1);
		bytes = lb_jread_int(v, "bytes", -1);
		for (i = 0; i < x->nitems; i++)
			if (strcmp(x->items[i].name, vn) == 0)
				break;
		if (i == x->nitems) {
			/* not restored: asked away with --volume, else lost */
			if (x->nvolumes == 0) {
				r = lb_err_set(err, LB_EVERIFY, 0, "the "
				    "manifest lists '%s', which the archive "
				    "does not hold", vn);
				goto out;
			}
			continue;
		}
		seen++;
		if (x->items[i].files != files || x->items[i].bytes != bytes) {
			r = lb_err_set(err, LB_EVERIFY, 0, "'%s': the manifest "
			    "says %lld files and %lld bytes, the archive held "
			    "%lld files and %lld bytes", vn, files, bytes,
			    x->items[i].files, x->items[i].bytes);
			goto out;
		}
	}
	if (seen != x->nitems)
		r = lb_err_set(err, LB_EVERIFY, 0, "the archive holds %zu "
		    "volumes and files the manifest does not list",
		    x->nitems - seen);
out:
	lb_jread_free(j);
	return r;
}

/* What lifeboat backup's manifest says the archive holds, against what
 * the pass restored: each volume's files and bytes. text[0..len): the
 * manifest when stream_limit read it already, else NULL. */
static int
check_manifest(struct lb_store *s, const struct lb_backup *b,
    struct lb_age_keys *keys, const struct lb_extract *x, const char *text,
    size_t len, struct lb_err *err)
{
	char *own = NULL;
	int r;

	if (text == NULL) {
		if ((r = read_manifest(s, b, keys, &own, &len, err)) != LB_OK)
			return r;
		text = own;
	}
	r = lb_manifest_check(text, len, b->manifest, x, err);
	free(own);
	return r;
}

/* LIFEBOAT_MAX_UNLISTED into *cap, -1 when unset. LB_EUSAGE: not a
 * size. */
static int
max_unlisted(long long *cap, struct lb_err *err)
{
	const char *v = getenv("LIFEBOAT_MAX_UNLISTED");

	*cap = -1;
	if (v != NULL && (lb_parse_size(v, cap) != 0 || *cap <= 0))
		return lb_err_set(err, LB_EUSAGE, 0, "LIFEBOAT_MAX_UNLISTED "
		    "'%s': not a size (bytes, or with K, M or G)", v);
	return LB_OK;
}

/* How much of b the pass may read (lb_pipe_limit), when b's store lists
 * no size (an HTML listing): the size its manifest lists (the manifest,
 * read here, is left in *text for check_manifest); else, unless the
 * server gives a Content-Length, LIFEBOAT_MAX_UNLISTED or, for a restore,
 * the staging filesystem's free space (an archive as stored is smaller
 * than what it unpacks to), or UNLISTED_CAP. */
static int
stream_limit(struct lb_store *s, const struct lb_backup *b,
    struct lb_age_keys *keys, const char *staging, struct lb_pipe_limit *lim,
    char **text, size_t *len, struct lb_err *err)
{
	struct lb_jval *j = NULL;
	struct statvfs sv;
	char why[128];
	int r;

	lim->size = b->size;
	lim->whose = "it listed";
	lim->cap = -1;
	lim->cap_what = "";
	if (b->size >= 0)
		return LB_OK;
	if (b->manifest != NULL) {
		if ((r = read_manifest(s, b, keys, text, len, err)) != LB_OK)
			return r;
		/* one that does not parse is check_manifest's to report */
		if (lb_jread_parse(*text, *len, &j, why, sizeof(why)) == 0)
			lim->size = lb_jread_int(j, "size", -1);
		lb_jread_free(j);
		lim->whose = "its manifest lists";
		if (lim->size >= 0)
			return LB_OK;
	}
	if ((r = max_unlisted(&lim->cap, err)) != LB_OK)
		return r;
	if (lim->cap >= 0)
		lim->cap_what = "LIFEBOAT_MAX_UNLISTED";
	else if (staging != NULL && statvfs(staging, &sv) == 0) {
		lim->cap = (long long)sv.f_bavail * (long long)sv.f_frsize;
		lim->cap_what = "the staging filesystem's free space";
	} else {
		lim->cap = UNLISTED_CAP;
		lim->cap_what = "LIFEBOAT_MAX_UNLISTED's default";
	}
	return LB_OK;
}

/* One candidate, one pass. 0: it is the winner (x filled); else err. */
static int
try_one(const struct lb_restore_opts *o, struct lb_catalog *cat,
    const struct lb_backup *b, struct lb_age_keys *keys, struct lb_txn *txn,
    struct lb_extract *x, char hex[65], long long *bytesp, struct lb_err *err)
{
	struct lb_store *s = cat->stores[b->store];
	struct lb_pipe *p = NULL;
	struct lb_flush *fl;
	struct lb_pipe_limit lim;
	char staging[PATH_MAX], *mtext = NULL;
	unsigned char b2[LB_MS_HASHLEN];
	struct lb_err se;
	long long bytes = -1;
	size_t mlen = 0;
	int r;

	lb_extract_release(x);
	x->staging = NULL;
	if (txn != NULL) {
		if ((r = lb_txn_stage(txn, staging, sizeof(staging), err)) != 0)
			return r;
		x->staging = staging;
	}
	r = stream_limit(s, b, keys, x->staging, &lim, &mtext, &mlen, err);
	if (r == LB_OK)
		r = lb_pipe_start(&p, s, b->name, &lim, (o->mode !=
		    LB_MODE_VERIFY ? LB_PIPE_DECODE : 0) | (b->sig ==
		    LB_SIG_STREAM ? LB_PIPE_BLAKE2B : 0), b->age ? keys : NULL,
		    o->progress, o->progress_arg, err);
	if (r == LB_OK && o->mode != LB_MODE_VERIFY) {
		fl = x->staging != NULL ? lb_flush_start(x->staging) : NULL;
		r = lb_extract_run(x, p, err);
		/* the first error: a sync's comes after the writes' */
		if (r == LB_OK)
			r = lb_flush_stop(fl, err);
		else
			(void)lb_flush_stop(fl, &se);
	}
	if (r == LB_OK)
		r = lb_pipe_finish(p, hex, &bytes, err);
	if (r == LB_OK && b->sig == LB_SIG_STREAM) {
		/* NAME.minisig signs the bytes as stored, hashed in the
		 * same pass: nothing commits unless they are the signed
		 * ones */
		lb_pipe_blake2b(p, b2);
		if (lb_ms_verify_hash(b->stream_sig,
		    &cat->keys[b->stream_key], b2, &se) != LB_OK)
			r = lb_err_set(err, LB_EVERIFY, 0, "%s: %s",
			    b->sig_file, se.msg);
	}
	/* a stream cut or damaged after its checksum was written: say
	 * that, rather than what the decoder tripped on */
	if (r == LB_EVERIFY && b->has_sum && p != NULL &&
	    lb_pipe_drained(p, hex, &bytes) == 0) {
		if (b->size >= 0 && bytes != b->size)
			lb_err_set(err, LB_EVERIFY, 0, "read %lld bytes, the "
			    "store listed %lld", bytes, b->size);
		else if (strcmp(hex, b->sha256) != 0)
			lb_err_set(err, LB_EVERIFY, 0, "SHA-256 mismatch: the "
			    "checksum says %.12s..., the stream is %.12s...",
			    b->sha256, hex);
	}
	lb_pipe_free(p);
	if (r == LB_OK && b->size >= 0 && bytes != b->size)
		r = lb_err_set(err, LB_EVERIFY, 0, "read %lld bytes, the store "
		    "listed %lld", bytes, b->size);
	if (r == LB_OK && b->has_sum && strcmp(hex, b->sha256) != 0)
		r = lb_err_set(err, LB_EVERIFY, 0, "SHA-256 mismatch: the "
		    "checksum says %.12s..., the stream is %.12s...",
		    b->sha256, hex);
	/* a decoded docker-layout archive with its manifest: counted */
	if (r == LB_OK && b->manifest != NULL && o->mode != LB_MODE_VERIFY &&
	    x->used == LB_LAYOUT_DOCKER)
		r = check_manifest(s, b, keys, x, mtext, mlen, err);
	free(mtext);
	x->staging = NULL;
	if (r != LB_OK && txn != NULL)
		lb_txn_unstage(txn);
	*bytesp = bytes;
	return r;
}

/* What the winner's pass proved, for the report: integrity (its bytes are
 * the ones written) and authenticity (written by a trusted key). */
static int
proven(struct lb_restore_result *res, const struct lb_backup *b)
{
	res->integrity = b->has_sum ? "sha256" : b->age ? "age" :
	    b->sig == LB_SIG_STREAM ? "minisign" : "none";
	if (b->sig == LB_SIG_OK || b->sig == LB_SIG_STREAM)
		snprintf(res->authenticity, sizeof(res->authenticity),
		    "minisign:%s", b->key_id);
	else
		snprintf(res->authenticity, sizeof(res->authenticity), "none");
	if (b->sig_file != NULL && ((res->signature = strdup(b->sig_file)) ==
	    NULL || (res->trusted_comment = strdup(b->trusted_comment)) ==
	    NULL))
		return -1;
	return 0;
}

static int
cmp_items(const void *a, const void *b)
{
	const struct lb_volume_result *x = a, *y = b;

	if (x->is_volume != y->is_volume)
		return x->is_volume ? -1 : 1;	/* metadata.db last */
	if (x->priority != y->priority)
		return x->priority - y->priority;
	return strcmp(x->name, y->name);
}

static void
txn_notice(void *arg, const char *msg)
{
	const struct lb_restore_opts *o = arg;

	say(o, LB_WARN, "%s", msg);
}

/* An event to the caller; without an event callback, its prose goes to
 * the notices. */
static void
emit(const struct lb_restore_opts *o, const struct lb_restore_event *ev)
{
	if (o->event != NULL) {
		pthread_mutex_lock(&say_mu);
		o->event(o->notice_arg, ev);
		pthread_mutex_unlock(&say_mu);
	} else if (ev->kind == LB_RESTORE_TRYING)
		say(o, LB_INFO, "%s '%s' from '%s'", ev->doing, ev->name,
		    ev->store);
	else if (ev->kind == LB_RESTORE_REJECTED)
		say(o, LB_WARN, "rejected '%s': %s", ev->name, ev->reason);
}

/* What the phases of one restore share. */
struct restore_run {
	const struct lb_restore_opts *o;
	struct lb_restore_result *res;
	int restoring;			/* LB_MODE_RESTORE, dry run or not */
	char dest[PATH_MAX];
	struct lb_catalog cat;
	struct lb_extract x;
	struct lb_txn txn, *tp;		/* tp: the transaction began */
	int committing;			/* the commit has begun */
	struct lb_segr sr;		/* a segmented candidate's run */
	size_t nlive;			/* its groups committed so far */
	int commit_failed;		/* a group's commit failed */
	int partial;			/* its later group failed */
	double t0, tsel, ttr;		/* start; selection; transfers */
	long long now;			/* the wall clock, for ages */
	struct lb_age_keys *keys;	/* the caller's, or nokeys */
	struct lb_age_keys *nokeys;	/* ours when the caller has none */
	struct lb_err err;		/* why it failed */
};

/* The choice among the candidates. */
struct choice {
	char *tried;			/* per backup: it was transferred */
	size_t ncand;			/* backups bearing the name asked */
	int tried_any, only_store_errors;
	const struct lb_backup *win;
	size_t wi;			/* the winner's index */
	char hex[65];			/* its digest */
	long long nbytes;		/* the bytes its transfer read */
};

/* Before any transfer: the destination, and what would refuse it. */
static int
preflight(struct restore_run *rr)
{
	const struct lb_restore_opts *o = rr->o;
	struct lb_err *err = &rr->err;
	char why[512];
	int r;

	if ((r = lb_dest_path(o, rr->dest, sizeof(rr->dest), err)) != 0 ||
	    (r = root_mounted(o->root, err)) != 0)
		return r;
	rr->res->dest = strdup(rr->dest);
	if (rr->x.layout == LB_LAYOUT_PLAIN && o->nvolumes != 1)
		return lb_err_set(err, LB_EUSAGE, 0, "--layout plain needs "
		    "exactly one --volume NAME");
	if (!o->dry_run && geteuid() != 0)
		return lb_err_set(err, LB_EDEST, EPERM, "restoring owners, "
		    "modes and capabilities needs root");
	if (lb_docker_holding(rr->dest, o->root, why, sizeof(why))) {
		if (!o->ignore_docker && !o->dry_run)
			return lb_err_set(err, LB_EDEST, 0, "Docker is running "
			    "on the target (%s): it would take over the "
			    "restored volumes and reset their owners; stop it "
			    "first (systemctl stop docker docker.socket), or "
			    "pass --ignore-running-docker", why);
		say(o, LB_WARN, "Docker is running on the target (%s)", why);
	}
	if (!o->dry_run) {
		if (lb_mkdirs(rr->dest, 0701) != 0)
			return lb_err_set(err, LB_EDEST, errno, "cannot create "
			    "'%s'", rr->dest);
		if ((r = lb_txn_area(rr->dest, txn_notice, (void *)o,
		    err)) != 0 || (r = lb_txn_recover(rr->dest, txn_notice,
		    (void *)o, err)) != 0)
			return r;
	}
	return check_existing(o, rr->dest, err);
}

/* May b be restored by segments? Its manifest must be vouched for by the
 * sidecar (signed, with trusted keys), and be of the plain compressed
 * stream (an age file's segments are inside its encryption). */
static int
segmentable(struct restore_run *rr, const struct lb_backup *b)
{
	if (!rr->restoring || b->manifest == NULL || !b->has_sum || b->age ||
	    b->sig == LB_SIG_STREAM || (rr->x.layout != LB_LAYOUT_AUTO &&
	    rr->x.layout != LB_LAYOUT_DOCKER))
		return 0;
	if (rr->cat.nkeys > 0 && b->sig != LB_SIG_OK) {
		say(rr->o, LB_WARN, "'%s': its manifest is not signed: "
		    "restored in one stream", b->name);
		return 0;
	}
	return 1;
}

static const char *
group_name(int prio, char *buf, size_t len)
{
	if (prio <= LB_MAX_PRIO)
		snprintf(buf, len, "p%d", prio);
	else
		snprintf(buf, len, "the volumes of no group");
	return buf;
}

/* lb_segr's group_done: group g goes live. */
static int
group_live(void *arg, struct lb_segr *sr, size_t g, struct lb_err *err)
{
	struct restore_run *rr = arg;
	const struct lb_segr_group *gr = &sr->groups[g];
	struct lb_restore_event ev;
	struct lb_txn_item *items;
	size_t i, k, n = 0;
	int r = LB_OK;

	if (rr->nlive == 0 && !rr->o->replace) {
		/* what is in the way is judged once, for every group */
		for (i = 0; i < sr->ngroups && r == LB_OK; i++)
			r = lb_txn_check(rr->tp, (const char *const *)
			    sr->groups[i].names.v, sr->groups[i].names.n, err);
		if (r != LB_OK)
			return r;
	}
	if (sr->nitems > 1)
		qsort(sr->items, sr->nitems, sizeof(*sr->items), cmp_items);
	if ((items = calloc(sr->nitems + 1, sizeof(*items))) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	for (i = 0; i < sr->nitems; i++)
		for (k = 0; k < gr->names.n; k++)
			if (strcmp(sr->items[i].name, gr->names.v[k]) == 0)
				items[n++].name = sr->items[i].name;
	rr->committing = 1;
	if ((r = lb_txn_commit_part(rr->tp, items, n, err)) != LB_OK) {
		rr->commit_failed = 1;
		free(items);
		return r;
	}
	memset(&ev, 0, sizeof(ev));
	ev.kind = LB_RESTORE_COMMITTED;
	for (k = 0; k < n; k++)
		for (i = 0; i < sr->nitems; i++)
			if (sr->items[i].name == items[k].name) {
				sr->items[i].replaced = items[k].replaced;
				ev.name = items[k].name;
				ev.size = sr->items[i].bytes;
				ev.replaced = items[k].replaced;
				emit(rr->o, &ev);
			}
	free(items);
	rr->nlive++;
	return LB_OK;
}

/* The groups of the run into the result. */
static void
groups_result(struct restore_run *rr)
{
	struct lb_restore_result *res = rr->res;
	const struct lb_segr *sr = &rr->sr;
	struct lb_group_result *g;
	size_t i;

	free(res->groups);
	res->groups = NULL;
	res->ngroups = 0;
	res->segmented = 1;
	res->nsegments = sr->nsegs;
	res->connections = sr->connections;
	if ((g = calloc(sr->ngroups + 1, sizeof(*g))) == NULL)
		return;
	for (i = 0; i < sr->ngroups; i++) {
		const struct lb_segr_group *s = &sr->groups[i];

		g[i].priority = s->priority;
		g[i].state = s->live ? "live" : s->verified ? "verified" :
		    s->failed ? "failed" : "not restored";
		g[i].live_after = s->live ? s->t_live : -1;
		g[i].segments = s->nsegments;
		g[i].bytes = s->bytes;
	}
	res->groups = g;
	res->ngroups = sr->ngroups;
}

/* Some groups are live and a later one failed: the restore ends here,
 * committed as far as it went (rollback undoes it whole). */
static int
partial(struct restore_run *rr, const struct lb_backup *b, struct lb_err *e)
{
	const struct lb_segr *sr = &rr->sr;
	char live[256] = "", name[64], msg[LB_ERR_MSG], why[LB_ERR_MSG + 64];
	struct lb_err ce;
	size_t i, used = 0;

	for (i = 0; i < sr->ngroups && sr->groups[i].live; i++)
		used += (size_t)snprintf(live + used, used < sizeof(live) ?
		    sizeof(live) - used : 0, "%s%s", i ? ", " : "",
		    group_name(sr->groups[i].priority, name, sizeof(name)));
	group_name(sr->groups[sr->failed_group].priority, name, sizeof(name));
	snprintf(msg, sizeof(msg), "%s", e->msg);
	snprintf(why, sizeof(why), "%s failed: %s", name, msg);
	if (lb_txn_commit_end(rr->tp, why, &ce) != LB_OK)
		say(rr->o, LB_WARN, "%s", ce.msg);
	rr->partial = 1;
	return lb_err_set(e, LB_EPARTIAL, 0, "'%s' restored in part: %s "
	    "live, %s failed: %s; 'lifeboat rollback' undoes the whole "
	    "restore", b->name, live, name, msg);
}

/* b by segments, when its manifest plans them (*used set); else nothing
 * is done and the caller streams it. */
static int
by_segments(struct restore_run *rr, const struct lb_backup *b,
    struct choice *c, struct lb_err *e, int *used)
{
	const struct lb_restore_opts *o = rr->o;
	struct lb_segr *sr = &rr->sr;
	char *text = NULL, why[256], staging[PATH_MAX];
	size_t len;
	int r;

	*used = 0;
	lb_segr_release(sr);
	memset(sr, 0, sizeof(*sr));
	sr->cfg = o->cfg;
	sr->volumes = o->volumes;
	sr->nvolumes = o->nvolumes;
	if ((r = read_manifest(rr->cat.stores[b->store], b, rr->keys, &text,
	    &len, e)) != LB_OK) {
		*used = 1;
		return r;
	}
	r = lb_segr_plan(sr, text, len, b->sha256, b->size, why, sizeof(why));
	free(text);
	if (r != 0) {
		say(o, LB_WARN, "'%s': its manifest plans no segments (%s): "
		    "restored in one stream", b->name, why);
		return LB_OK;
	}
	*used = 1;
	lb_extract_release(&rr->x);
	if (rr->tp != NULL && (r = lb_txn_stage(rr->tp, staging,
	    sizeof(staging), e)) != LB_OK)
		return r;
	sr->store = rr->cat.stores[b->store];
	sr->name = b->name;
	sr->staging = rr->tp != NULL ? staging : NULL;
	sr->connections = o->cfg->connections > 0 ? o->cfg->connections :
	    LB_SEGR_CONNECTIONS;
	sr->t0 = rr->t0;
	sr->progress = o->progress != NULL ? locked_progress : NULL;
	sr->progress_arg = (void *)o;
	sr->notice = locked_notice;
	sr->notice_arg = (void *)o;
	sr->group_done = rr->tp != NULL && !o->atomic ? group_live : NULL;
	sr->arg = rr;
	if (rr->tp != NULL)
		rr->tp->flush = lb_flush_start(staging);
	r = lb_segr_run(sr, e);
	if (rr->tp != NULL) {
		struct lb_err fe;

		/* each group's commit checked it; all-or-nothing, the
		 * final commit comes later, with the thread gone */
		if (lb_flush_stop(rr->tp->flush, &fe) != LB_OK && r == LB_OK &&
		    sr->group_done == NULL) {
			*e = fe;
			r = fe.code;
		}
		rr->tp->flush = NULL;
	}
	groups_result(rr);
	if (r == LB_OK) {
		rr->x.items = sr->items;
		rr->x.nitems = sr->nitems;
		rr->x.used = LB_LAYOUT_DOCKER;
		sr->items = NULL;
		sr->nitems = 0;
		memcpy(c->hex, b->sha256, sizeof(c->hex));
		c->nbytes = b->size >= 0 ? b->size : sr->total;
		return LB_OK;
	}
	if (rr->nlive > 0 && !rr->commit_failed)
		return partial(rr, b, e);
	if (rr->tp != NULL && rr->nlive == 0)
		lb_txn_unstage(rr->tp);
	return r;
}

/* One candidate's pass, once more from the first byte when the server
 * cannot resume. */
static int
transfer(struct restore_run *rr, const struct lb_backup *b,
    struct choice *c, struct lb_err *e)
{
	double t = lb_clock_mono();
	int r = LB_OK, used = 0;

	if (segmentable(rr, b) && ((r = by_segments(rr, b, c, e, &used)) !=
	    LB_OK || used)) {
		/* a server that sends the whole file for a range (no
		 * Range support) still serves it in one stream */
		if (r != LB_ERESTART || rr->nlive > 0 || lb_stop_requested) {
			rr->ttr += lb_clock_mono() - t;
			return r;
		}
		say(rr->o, LB_WARN, "%s: restored in one stream", e->msg);
		lb_err_clear(e);
	}
	r = try_one(rr->o, &rr->cat, b, rr->keys, rr->tp, &rr->x, c->hex,
	    &c->nbytes, e);
	if (r == LB_ERESTART && !lb_stop_requested) {
		/* into a new staging */
		say(rr->o, LB_WARN, "%s: restarting '%s' from its first byte",
		    e->msg, b->name);
		lb_err_clear(e);
		r = try_one(rr->o, &rr->cat, b, rr->keys, rr->tp, &rr->x,
		    c->hex, &c->nbytes, e);
	}
	rr->ttr += lb_clock_mono() - t;
	return r;
}

/* Candidate i is rejected (the event ev names it): told, and kept in the
 * result. 0, or LB_ENOMEM. */
static int
reject(struct restore_run *rr, struct lb_restore_event *ev, size_t i,
    const char *why)
{
	ev->kind = LB_RESTORE_REJECTED;
	ev->reason = why;
	emit(rr->o, ev);
	if (add_rejection(rr->res, i, ev->name, ev->store, why) != 0)
		return lb_err_set(&rr->err, LB_ENOMEM, 0, "out of memory");
	return LB_OK;
}

/* Try backup i: 0 when the search goes on (c->win set if it won), or the
 * code that ends the restore (rr->err set). */
static int
attempt(struct restore_run *rr, struct choice *c, size_t i, int pass)
{
	const struct lb_restore_opts *o = rr->o;
	const struct lb_backup *b = &rr->cat.backups[i];
	const char *store = rr->cat.confs[b->store]->name;
	struct lb_restore_event ev;
	struct lb_err e;
	char age[64], why[1024];
	int r;

	memset(&ev, 0, sizeof(ev));
	ev.name = b->name;
	ev.store = store;
	ev.size = b->size;
	if (lb_backup_sig_refused(&rr->cat, b, why, sizeof(why)) != 0) {
		/* refused unread, as a bad checksum would be once read: the
		 * next one is tried */
		c->tried[i] = 1;
		c->only_store_errors = 0;
		return reject(rr, &ev, i, why);
	}
	if (o->max_age >= 0 && rr->now - b->time > o->max_age) {
		lb_format_duration(rr->now - b->time, age, sizeof(age));
		return lb_err_set(&rr->err, LB_ENOBACKUP, 0, "'%s' is %s old, "
		    "older than the maximum age: no backup recent enough",
		    b->name, age);
	}
	if (pass == 1)
		say(o, LB_WARN, "'%s' cannot be verified (%s): restoring it "
		    "UNVERIFIED, as --allow-unverified asks", b->name,
		    b->why_unverified);
	if (rr->tsel < 0)
		rr->tsel = lb_clock_mono() - rr->t0;
	ev.kind = LB_RESTORE_TRYING;
	ev.doing = !rr->restoring ? "verifying" : o->dry_run ? "checking" :
	    "restoring";
	emit(o, &ev);
	if (rr->restoring && !o->dry_run && rr->tp == NULL) {
		if ((r = lb_txn_begin(&rr->txn, rr->dest, rr->res->id,
		    &rr->err)) != 0)
			return r;
		rr->tp = &rr->txn;
	}
	lb_err_clear(&e);
	c->tried[i] = 1;
	c->tried_any = 1;
	if ((r = transfer(rr, b, c, &e)) == LB_OK) {
		c->win = b;
		c->wi = i;
		return LB_OK;
	}
	if (r == LB_EDEST || r == LB_EINTR || r == LB_ENOMEM ||
	    r == LB_EUSAGE || r == LB_EPARTIAL || rr->nlive > 0) {
		rr->err = e;
		return r;
	}
	if (r != LB_ESTORE)
		c->only_store_errors = 0;
	return reject(rr, &ev, i, e.msg);
}

/* Unverified and refused candidates passed over (newer than the winner,
 * or all when none won) are rejections too, each with its reason. */
static int
passed_over(struct restore_run *rr, struct choice *c)
{
	const struct lb_backup *b;
	char why[1024];
	size_t i;

	for (i = 0; i < (c->win != NULL ? c->wi : rr->cat.nbackups); i++) {
		b = &rr->cat.backups[i];
		if ((lb_backup_verifiable(b) && b->refused == NULL) ||
		    c->tried[i] || (rr->o->name && strcmp(b->name,
		    rr->o->name)))
			continue;
		/* a bad signature says more than a missing checksum */
		if (b->refused != NULL)
			snprintf(why, sizeof(why), "%s", b->refused);
		else if (b->sig == LB_SIG_BAD && lb_backup_sig_refused(&rr->cat,
		    b, why, sizeof(why)) != 0) {
			struct lb_restore_event ev = { .kind =
			    LB_RESTORE_REJECTED, .name = b->name, .store =
			    rr->cat.confs[b->store]->name, .reason = why,
			    .size = -1 };

			emit(rr->o, &ev);
		} else
			snprintf(why, sizeof(why), "unverified: %s",
			    b->why_unverified);
		if (add_rejection(rr->res, i, b->name,
		    rr->cat.confs[b->store]->name, why) != 0)
			return lb_err_set(&rr->err, LB_ENOMEM, 0,
			    "out of memory");
	}
	if (rr->res->nrejected > 1)	/* qsort(NULL, 0) is undefined */
		qsort(rr->res->rejected, rr->res->nrejected,
		    sizeof(*rr->res->rejected), cmp_rejection);
	return LB_OK;
}

/* Why no candidate won: the error a person needs. */
static int
no_winner(struct restore_run *rr, const struct choice *c)
{
	const struct lb_restore_result *res = rr->res;
	const char *name = rr->o->name, *s = rr->cat.nstores > 1 ? "s" : "";

	if (name != NULL && c->ncand == 0)
		return lb_err_set(&rr->err, LB_ENOBACKUP, 0, "no backup named "
		    "'%s' in the store%s", name, s);
	if (name != NULL)
		return lb_err_set(&rr->err, LB_EVERIFY, 0, "'%s' failed "
		    "verification: %s", name, res->nrejected ?
		    res->rejected[res->nrejected - 1].reason : "no checksum");
	if (rr->cat.nbackups == 0)
		return lb_err_set(&rr->err, LB_ENOBACKUP, 0, "no backup "
		    "archive in the store%s", s);
	if (c->tried_any && c->only_store_errors)
		return lb_err_set(&rr->err, LB_ESTORE, 0, "no backup could be "
		    "downloaded: %s", res->rejected[0].reason);
	return lb_err_set(&rr->err, LB_ENOBACKUP, 0, "no valid backup: %zu "
	    "candidate%s rejected (newest: '%s': %s)", res->nrejected,
	    res->nrejected == 1 ? "" : "s", res->rejected[0].name,
	    res->rejected[0].reason);
}

/* The candidates, newest first: pass 0 the verifiable ones, pass 1 the
 * rest if allowed. The first whole pass wins. */
static int
choose(struct restore_run *rr, struct choice *c)
{
	const struct lb_restore_opts *o = rr->o;
	const struct lb_backup *b;
	size_t i;
	int pass, r;

	if ((c->tried = calloc(rr->cat.nbackups + 1, 1)) == NULL ||
	    (rr->keys == NULL && (rr->keys = rr->nokeys =
	    lb_age_keys_new()) == NULL))
		return lb_err_set(&rr->err, LB_ENOMEM, 0, "out of memory");
	for (pass = 0; pass < 2 && c->win == NULL; pass++) {
		if (pass == 1 && !(o->allow_unverified ||
		    o->cfg->allow_unverified))
			break;
		for (i = 0; i < rr->cat.nbackups && c->win == NULL; i++) {
			b = &rr->cat.backups[i];
			if (o->name != NULL && strcmp(b->name, o->name) != 0)
				continue;
			if (pass == 0)
				c->ncand++;
			/* an OpenPGP file is never a candidate */
			if (b->refused != NULL ||
			    lb_backup_verifiable(b) != (pass == 0))
				continue;
			if ((r = attempt(rr, c, i, pass)) != LB_OK)
				return r;
		}
	}
	if ((r = passed_over(rr, c)) != LB_OK)
		return r;
	return c->win != NULL ? LB_OK : no_winner(rr, c);
}

/* The winner into the result. */
static int
take_winner(struct restore_run *rr, struct choice *c)
{
	struct lb_restore_result *res = rr->res;
	const struct lb_backup *win = c->win;
	struct lb_extract *x = &rr->x;
	char age[64];

	res->have_archive = 1;
	res->archive_name = strdup(win->name);
	res->archive_store = strdup(rr->cat.confs[win->store]->name);
	/* an HTML listing tells no size: the transfer did */
	res->archive_size = win->size >= 0 ? win->size : c->nbytes;
	res->archive_time = win->time;
	res->archive_verified = win->has_sum;
	res->archive_age = win->age;
	memcpy(res->archive_sha256, c->hex, sizeof(c->hex));
	if (proven(res, win) != 0)
		return lb_err_set(&rr->err, LB_ENOMEM, 0, "out of memory");
	res->layout = strdup(layout_name(x->used));
	if (rr->o->max_age < 0 && rr->now - win->time > WARN_AGE) {
		lb_format_duration(rr->now - win->time, age, sizeof(age));
		say(rr->o, LB_WARN, "'%s' is %s old", win->name, age);
	}
	if (x->nitems > 1)
		qsort(x->items, x->nitems, sizeof(*x->items), cmp_items);
	res->volumes = x->items;
	res->nvolumes = x->nitems;
	x->items = NULL;
	x->nitems = 0;
	if (res->nvolumes == 0 && rr->restoring)
		return lb_err_set(&rr->err, LB_ENOBACKUP, 0, "'%s' holds "
		    "nothing to restore%s", win->name, rr->o->nvolumes ?
		    " for the volumes asked for" : "");
	return LB_OK;
}

/* A partial restore's result: the archive, and the volumes that went
 * live. */
static void
partial_result(struct restore_run *rr, struct choice *c)
{
	struct lb_restore_result *res = rr->res;
	const struct lb_backup *b = NULL;
	struct lb_segr *sr = &rr->sr;
	size_t i, n = 0;

	for (i = 0; i < rr->cat.nbackups && b == NULL; i++)
		if (c->tried[i] && strcmp(rr->cat.backups[i].name,
		    sr->name) == 0)
			b = &rr->cat.backups[i];
	res->partial = 1;
	if (b != NULL) {
		res->have_archive = 1;
		res->archive_name = strdup(b->name);
		res->archive_store = strdup(rr->cat.confs[b->store]->name);
		res->archive_size = b->size;
		res->archive_time = b->time;
		res->archive_verified = b->has_sum;
		memcpy(res->archive_sha256, b->sha256, sizeof(b->sha256));
		proven(res, b);
		res->layout = strdup("docker");
	}
	if ((res->volumes = calloc(sr->nitems + 1, sizeof(*res->volumes))) ==
	    NULL)
		return;
	for (i = 0; i < sr->nitems; i++) {
		struct lb_volume_result *v = &sr->items[i];
		size_t g;

		for (g = 0; g < sr->ngroups; g++)
			if (sr->groups[g].live &&
			    sr->groups[g].priority == v->priority)
				break;
		if (g == sr->ngroups)
			continue;
		res->volumes[n] = *v;
		v->name = NULL;
		n++;
	}
	res->nvolumes = n;
}

/* The staged volumes go live (or, in a dry run, what they would
 * replace is told). */
static int
commit(struct restore_run *rr)
{
	struct lb_restore_result *res = rr->res;
	struct lb_restore_event ev;
	struct lb_txn_item *items;
	char lp[PATH_MAX];
	struct stat st;
	size_t i;
	int r;

	if (rr->tp == NULL) {
		for (i = 0; rr->restoring && i < res->nvolumes; i++) {
			snprintf(lp, sizeof(lp), "%s/%s", rr->dest,
			    res->volumes[i].name);
			res->volumes[i].replaced = lstat(lp, &st) == 0;
		}
		return LB_OK;
	}
	if (rr->nlive > 0) {
		/* a segmented restore's groups are live already */
		rr->committing = 1;
		return lb_txn_commit_end(rr->tp, NULL, &rr->err);
	}
	if ((items = calloc(res->nvolumes, sizeof(*items))) == NULL)
		return lb_err_set(&rr->err, LB_ENOMEM, 0, "out of memory");
	for (i = 0; i < res->nvolumes; i++)
		items[i].name = res->volumes[i].name;
	/* From here on the commit runs to its end: a signal would only
	 * leave it for the next run to finish. */
	rr->committing = 1;
	r = lb_txn_commit(rr->tp, items, res->nvolumes, rr->o->replace,
	    &rr->err);
	memset(&ev, 0, sizeof(ev));
	ev.kind = LB_RESTORE_COMMITTED;
	for (i = 0; i < res->nvolumes; i++) {
		res->volumes[i].replaced = items[i].replaced;
		ev.name = res->volumes[i].name;
		ev.size = res->volumes[i].bytes;
		ev.replaced = items[i].replaced;
		if (r == LB_OK)
			emit(rr->o, &ev);
	}
	free(items);
	return r;
}

/* The timings, the transaction closed or abandoned, the report kept. */
static void
finish(struct restore_run *rr)
{
	struct lb_restore_result *res = rr->res;
	char why[LB_ERR_MSG + 128], base[PATH_MAX], p[PATH_MAX + 8];
	char *json = NULL, *line;
	struct lb_err e;
	size_t n;
	int committed_part;

	res->t_select = rr->tsel >= 0 ? rr->tsel : lb_clock_mono() - rr->t0;
	res->t_transfer = rr->ttr;
	res->t_total = lb_clock_mono() - rr->t0;
	if (!res->ok)
		res->err = rr->err;
	if (rr->tp == NULL)
		return;
	/* a commit that failed before its journal said "commit" changed
	 * nothing live: abandoned as a failed transfer is */
	committed_part = rr->committing && rr->tp->committing;
	if (rr->partial)
		lb_txn_close(rr->tp);	/* its journal is ended */
	else if (!res->ok && !committed_part) {
		if (lb_txn_abandon(rr->tp, rr->err.msg) != 0) {
			int e = errno;

			lb_txn_path(base, sizeof(base), rr->dest, "staging",
			    res->id);
			say(rr->o, LB_WARN, "cannot remove '%s': %s; the next "
			    "restore removes it", base, strerror(e));
		}
	} else
		lb_txn_close(rr->tp);
	if (!res->ok && committed_part && !rr->partial) {
		/* The staged rest stays: the next restore finishes this
		 * commit, or 'lifeboat rollback' undoes it. */
		snprintf(why, sizeof(why), "%s; the commit was left half "
		    "done: the next 'lifeboat restore' finishes it, "
		    "'lifeboat rollback' undoes it", rr->err.msg);
		lb_err_set(&res->err, rr->err.code, 0, "%s", why);
	}
	lb_txn_path(base, sizeof(base), rr->dest, "report", res->id);
	snprintf(p, sizeof(p), "%s.json", base);
	if (lb_restore_report_json(res, &json) != 0 || (n = strlen(json),
	    (line = realloc(json, n + 2)) == NULL)) {
		free(json);
		say(rr->o, LB_WARN, "cannot write '%s': out of memory", p);
		return;
	}
	line[n] = '\n';
	if ((lb_fault("restore.report") != 0 ? lb_err_set(&e, LB_EIO, errno,
	    "cannot write '%s'", p) : lb_write_atomic(p, line, n + 1, 0600,
	    &e)) != LB_OK)
		say(rr->o, LB_WARN, "%s", e.msg);
	free(line);
}

int
lb_restore(const struct lb_restore_opts *o, struct lb_restore_result *res)
{
	struct restore_run rr;
	struct choice c;
	long long cap;
	size_t i;
	int r;

	memset(res, 0, sizeof(*res));
	memset(&rr, 0, sizeof(rr));
	memset(&c, 0, sizeof(c));
	rr.o = o;
	rr.res = res;
	rr.restoring = o->mode == LB_MODE_RESTORE;
	rr.t0 = lb_clock_mono();
	rr.tsel = -1;
	rr.now = (long long)time(NULL);
	rr.keys = o->age_keys;
	c.nbytes = -1;
	c.only_store_errors = 1;
	res->mode = o->mode;
	res->dry_run = o->dry_run;
	res->archive_size = -1;
	make_id(res->id, sizeof(res->id));
	rr.x.cfg = o->cfg;
	rr.x.layout = layout_of(o->layout);
	rr.x.volumes = o->volumes;
	rr.x.nvolumes = o->nvolumes;
	rr.x.notice = o->notice;
	rr.x.notice_arg = o->notice_arg;
	/* a bad LIFEBOAT_MAX_UNLISTED stops it before anything is done */
	if ((r = max_unlisted(&cap, &rr.err)) != LB_OK ||
	    (rr.restoring && (r = preflight(&rr)) != LB_OK)) {
		res->err = rr.err;
		return r;
	}
	if ((r = lb_catalog_build(&rr.cat, o->cfg, txn_notice, (void *)o,
	    &rr.err)) != 0) {
		lb_catalog_release(&rr.cat);
		res->err = rr.err;
		return r;
	}
	for (i = 0; i < rr.cat.nfailures; i++)
		say(o, LB_WARN, "store '%s' skipped: %s",
		    rr.cat.failures[i].store, rr.cat.failures[i].error);
	if (choose(&rr, &c) == LB_OK && take_winner(&rr, &c) == LB_OK) {
		double t = lb_clock_mono();

		if (commit(&rr) == LB_OK) {
			res->t_commit = lb_clock_mono() - t;
			res->ok = 1;
		}
	}
	if (rr.partial)
		partial_result(&rr, &c);
	free(c.tried);
	lb_age_keys_free(rr.nokeys);
	finish(&rr);
	lb_segr_release(&rr.sr);
	lb_extract_release(&rr.x);
	lb_catalog_release(&rr.cat);
	return res->ok ? LB_OK : res->err.code;
}

int
lb_restore_history(const struct lb_restore_opts *o,
    const struct lb_restore_result *res, struct lb_history *h)
{
	const char *local = lb_config_history(o->cfg);
	char target[PATH_MAX], *json;
	struct lb_err err;

	if (res->mode != LB_MODE_RESTORE || res->dry_run || (!res->ok &&
	    !res->have_archive && res->t_transfer == 0))
		return 0;	/* nothing was restored nor tried */
	memset(h, 0, sizeof(*h));
	h->kind = "restore";
	h->id = res->id;
	h->ok = res->ok;
	h->error = res->ok ? NULL : res->err.msg;
	h->ended = (long long)time(NULL);
	h->started = h->ended - (long long)(res->t_total + 0.5);
	h->archive = res->have_archive ? res->archive_name : NULL;
	h->archive_time = res->have_archive ? res->archive_time : -1;
	h->integrity = res->have_archive ? res->integrity : NULL;
	h->authenticity = res->have_archive && res->authenticity[0] ?
	    res->authenticity : NULL;
	lb_history_phase(h, "select", res->t_select);
	lb_history_phase(h, "transfer", res->t_transfer);
	lb_history_phase(h, "commit", res->t_commit);
	h->rto = o->cfg->rto;
	h->rpo = lb_config_rpo(o->cfg);
	if (lb_history_json(h, &json) != 0)
		return 0;
	if (*local != '\0' && lb_history_append(local, json, &err) != LB_OK)
		say(o, LB_WARN, "%s", err.msg);
	/* the target's own log: inside --root, or this system's when the
	 * destination is the default one */
	target[0] = '\0';
	if (o->root != NULL)
		snprintf(target, sizeof(target), "%s/var/lib/lifeboat/"
		    "history.jsonl", o->root);
	else if (o->dest == NULL && o->cfg->dest == NULL)
		snprintf(target, sizeof(target), "/var/lib/lifeboat/"
		    "history.jsonl");
	if (target[0] != '\0' && strcmp(target, local) != 0 &&
	    lb_history_append(target, json, &err) != LB_OK)
		say(o, LB_WARN, "%s", err.msg);
	free(json);
	return 1;
}

int
lb_rollback(const struct lb_restore_opts *o, const char *id, char *done_id,
    size_t idlen, struct lb_err *err)
{
	char dest[PATH_MAX];
	int r;

	if ((r = lb_dest_path(o, dest, sizeof(dest), err)) != 0)
		return r;
	return lb_txn_rollback(dest, id, done_id, idlen, txn_notice, (void *)o,
	    err);
}

/* How the archive was read: "stream", or "segments" with the groups in
 * commit order and when each went live. */
static void
groups_json(struct lb_json *j, const struct lb_restore_result *res)
{
	size_t i;

	lb_json_key(j, "transfer");
	lb_json_str(j, res->segmented ? "segments" : "stream");
	if (!res->segmented)
		return;
	lb_json_key(j, "segments");
	lb_json_int(j, (long long)res->nsegments);
	lb_json_key(j, "connections");
	lb_json_int(j, res->connections);
	lb_json_key(j, "groups");
	lb_json_arr(j);
	for (i = 0; i < res->ngroups; i++) {
		const struct lb_group_result *g = &res->groups[i];

		lb_json_obj(j);
		lb_json_key(j, "priority");
		if (g->priority <= LB_MAX_PRIO)
			lb_json_int(j, g->priority);
		else
			lb_json_str(j, NULL);
		lb_json_key(j, "state");
		lb_json_str(j, g->state);
		lb_json_key(j, "live_after");
		if (g->live_after >= 0)
			lb_json_num(j, g->live_after);
		else
			lb_json_str(j, NULL);
		lb_json_key(j, "segments");
		lb_json_int(j, (long long)g->segments);
		lb_json_key(j, "bytes");
		lb_json_int(j, g->bytes);
		lb_json_obj_end(j);
	}
	lb_json_arr_end(j);
}

int
lb_restore_report_json(const struct lb_restore_result *res, char **out)
{
	struct lb_json j;
	char t[32];
	size_t i;

	lb_json_init(&j);
	lb_json_obj(&j);
	lb_json_key(&j, "result");
	lb_json_str(&j, res->ok ? "ok" : res->partial ? "partial" : "failed");
	lb_json_key(&j, "mode");
	lb_json_str(&j, res->mode == LB_MODE_RESTORE ? "restore" : "verify");
	if (res->mode == LB_MODE_RESTORE) {
		lb_json_key(&j, "restore_id");
		lb_json_str(&j, res->id);
		lb_json_key(&j, "dry_run");
		lb_json_bool(&j, res->dry_run);
		lb_json_key(&j, "dest");
		lb_json_str(&j, res->dest);
	}
	lb_json_key(&j, "archive");
	if (res->have_archive) {
		lb_json_obj(&j);
		lb_json_key(&j, "name");
		lb_json_str(&j, res->archive_name);
		lb_json_key(&j, "store");
		lb_json_str(&j, res->archive_store);
		lb_json_key(&j, "size");
		lb_json_int(&j, res->archive_size);
		lb_json_key(&j, "sha256");
		lb_json_str(&j, res->archive_sha256);
		lb_json_key(&j, "verified");
		lb_json_bool(&j, res->archive_verified);
		/* what was proven */
		lb_json_key(&j, "integrity");
		lb_json_str(&j, res->integrity);
		lb_json_key(&j, "encryption");
		lb_json_str(&j, res->archive_age ? "age" : NULL);
		lb_json_key(&j, "authenticity");
		lb_json_str(&j, res->authenticity);
		lb_json_key(&j, "signature");
		lb_json_str(&j, res->signature);
		lb_json_key(&j, "trusted_comment");
		lb_json_str(&j, res->trusted_comment);
		lb_time_iso(res->archive_time, t, sizeof(t));
		lb_json_key(&j, "time");
		lb_json_str(&j, t);
		lb_json_key(&j, "age_seconds");
		lb_json_int(&j, (long long)time(NULL) - res->archive_time);
		lb_json_obj_end(&j);
	} else
		lb_json_str(&j, NULL);
	if (res->layout != NULL) {
		lb_json_key(&j, "layout");
		lb_json_str(&j, res->layout);
	}
	lb_json_key(&j, "rejected");
	lb_json_arr(&j);
	for (i = 0; i < res->nrejected; i++) {
		lb_json_obj(&j);
		lb_json_key(&j, "name");
		lb_json_str(&j, res->rejected[i].name);
		lb_json_key(&j, "store");
		lb_json_str(&j, res->rejected[i].store);
		lb_json_key(&j, "reason");
		lb_json_str(&j, res->rejected[i].reason);
		lb_json_obj_end(&j);
	}
	lb_json_arr_end(&j);
	lb_json_key(&j, "volumes");
	lb_json_arr(&j);
	for (i = 0; i < res->nvolumes; i++) {
		const struct lb_volume_result *v = &res->volumes[i];

		lb_json_obj(&j);
		lb_json_key(&j, "name");
		lb_json_str(&j, v->name);
		lb_json_key(&j, "kind");
		lb_json_str(&j, v->is_volume ? "volume" : "file");
		lb_json_key(&j, "files");
		lb_json_int(&j, v->files);
		lb_json_key(&j, "bytes");
		lb_json_int(&j, v->bytes);
		lb_json_key(&j, "replaced");
		lb_json_bool(&j, v->replaced);
		lb_json_key(&j, "priority");
		if (v->priority <= LB_MAX_PRIO)
			lb_json_int(&j, v->priority);
		else
			lb_json_str(&j, NULL);
		lb_json_obj_end(&j);
	}
	lb_json_arr_end(&j);
	groups_json(&j, res);
	lb_json_key(&j, "timings");
	lb_json_obj(&j);
	lb_json_key(&j, "select");
	lb_json_num(&j, res->t_select);
	lb_json_key(&j, "transfer");
	lb_json_num(&j, res->t_transfer);
	lb_json_key(&j, "commit");
	lb_json_num(&j, res->t_commit);
	lb_json_key(&j, "total");
	lb_json_num(&j, res->t_total);
	lb_json_obj_end(&j);
	if (!res->ok) {
		lb_json_key(&j, "error");
		lb_json_str(&j, res->err.msg);
	}
	lb_json_obj_end(&j);
	if (j.failed) {
		lb_json_release(&j);
		*out = NULL;
		return -1;
	}
	*out = j.buf;
	return 0;
}

void
lb_restore_result_release(struct lb_restore_result *res)
{
	size_t i;

	for (i = 0; i < res->nrejected; i++) {
		free(res->rejected[i].name);
		free(res->rejected[i].store);
		free(res->rejected[i].reason);
	}
	free(res->rejected);
	for (i = 0; i < res->nvolumes; i++)
		free(res->volumes[i].name);
	free(res->volumes);
	free(res->dest);
	free(res->archive_name);
	free(res->archive_store);
	free(res->layout);
	free(res->signature);
	free(res->trusted_comment);
	free(res->groups);
	memset(res, 0, sizeof(*res));
}
