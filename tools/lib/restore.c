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
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <time.h>
#include <unistd.h>

#include "docker.h"
#include "extract.h"
#include "json.h"
#include "restore.h"
#include "txn.h"

#define WARN_AGE (24 * 3600)	/* without max_age, older winners warn */

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
	o->notice(o->notice_arg, l, msg);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

static int
mkdirs(char *path, mode_t leaf)
{
	char *s;
	struct stat st;

	if (stat(path, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
	for (s = path + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return mkdir(path, leaf) != 0 && errno != EEXIST ? -1 : 0;
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

/* One candidate, one pass. 0: it is the winner (x filled); else err. */
static int
try_one(const struct lb_restore_opts *o, struct lb_catalog *cat,
    const struct lb_backup *b, struct lb_txn *txn, struct lb_extract *x,
    char hex[65], long long *bytesp, struct lb_err *err)
{
	struct lb_store *s = cat->stores[b->store];
	struct lb_pipe *p = NULL;
	char staging[PATH_MAX];
	long long bytes = -1;
	int r;

	lb_extract_release(x);
	x->staging = NULL;
	if (txn != NULL) {
		if ((r = lb_txn_stage(txn, staging, sizeof(staging), err)) != 0)
			return r;
		x->staging = staging;
	}
	r = lb_pipe_start(&p, s, b->name, b->size, o->mode != LB_MODE_VERIFY,
	    o->progress, o->progress_arg, err);
	if (r == LB_OK && o->mode != LB_MODE_VERIFY)
		r = lb_extract_run(x, p, err);
	if (r == LB_OK)
		r = lb_pipe_finish(p, hex, &bytes, err);
	lb_pipe_free(p);
	if (r == LB_OK && b->size >= 0 && bytes != b->size)
		r = lb_err_set(err, LB_EVERIFY, 0, "read %lld bytes, the store "
		    "listed %lld", bytes, b->size);
	if (r == LB_OK && b->has_sum && strcmp(hex, b->sha256) != 0)
		r = lb_err_set(err, LB_EVERIFY, 0, "SHA-256 mismatch: the "
		    "checksum says %.12s..., the stream is %.12s...",
		    b->sha256, hex);
	x->staging = NULL;
	if (r != LB_OK && txn != NULL)
		lb_txn_unstage(txn);
	*bytesp = bytes;
	return r;
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

static int
fail(struct lb_restore_result *res, const struct lb_err *err)
{
	res->ok = 0;
	res->err = *err;
	return err->code;
}

static void
txn_notice(void *arg, const char *msg)
{
	const struct lb_restore_opts *o = arg;

	say(o, LB_WARN, "%s", msg);
}

static int
write_report(const char *dest, const struct lb_restore_result *res,
    struct lb_err *err)
{
	char p[PATH_MAX], final[PATH_MAX + 8], tmp[PATH_MAX + 16], *json;
	size_t n;
	int fd;

	if (lb_restore_report_json(res, &json) != 0)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	lb_txn_path(p, sizeof(p), dest, "report", res->id);
	snprintf(final, sizeof(final), "%s.json", p);
	snprintf(tmp, sizeof(tmp), "%s.json.tmp", p);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	n = strlen(json);
	if (fd < 0 || write(fd, json, n) != (ssize_t)n ||
	    write(fd, "\n", 1) != 1 || fsync(fd) != 0 || close(fd) != 0 ||
	    rename(tmp, final) != 0) {
		lb_err_set(err, LB_EDEST, errno, "cannot write '%s'", final);
		free(json);
		return LB_EDEST;
	}
	free(json);
	return LB_OK;
}

int
lb_restore(const struct lb_restore_opts *o, struct lb_restore_result *res)
{
	struct lb_catalog cat;
	struct lb_extract x;
	struct lb_txn txn, *tp = NULL;
	struct lb_txn_item *items = NULL;
	struct lb_err err, e;
	const struct lb_backup *b, *win = NULL;
	char dest[PATH_MAX], why[512], hex[65], age[64];
	double t0 = now_s(), tsel = -1, ttr = 0, tc;
	size_t i, ncand = 0, wi = 0;
	int pass, r, restoring = o->mode == LB_MODE_RESTORE, committing = 0;
	int only_store_errors = 1, tried_any = 0;
	long long nbytes = -1;
	char *tried = NULL;
	long long nowt = (long long)time(NULL);

	memset(res, 0, sizeof(*res));
	memset(&cat, 0, sizeof(cat));
	memset(&x, 0, sizeof(x));
	lb_err_clear(&err);
	res->mode = o->mode;
	res->dry_run = o->dry_run;
	res->archive_size = -1;
	make_id(res->id, sizeof(res->id));
	x.cfg = o->cfg;
	x.layout = layout_of(o->layout);
	x.volumes = o->volumes;
	x.nvolumes = o->nvolumes;
	x.notice = o->notice;
	x.notice_arg = o->notice_arg;

	if (restoring) {
		if ((r = lb_dest_path(o, dest, sizeof(dest), &err)) != 0 ||
		    (r = root_mounted(o->root, &err)) != 0)
			return fail(res, &err);
		res->dest = strdup(dest);
		if (x.layout == LB_LAYOUT_PLAIN && o->nvolumes != 1) {
			lb_err_set(&err, LB_EUSAGE, 0, "--layout plain needs "
			    "exactly one --volume NAME");
			return fail(res, &err);
		}
		if (!o->dry_run && geteuid() != 0) {
			lb_err_set(&err, LB_EDEST, EPERM, "restoring owners, "
			    "modes and capabilities needs root");
			return fail(res, &err);
		}
		if (lb_docker_holding(dest, o->root, why, sizeof(why))) {
			if (!o->ignore_docker && !o->dry_run) {
				lb_err_set(&err, LB_EDEST, 0, "Docker is running "
				    "on the target (%s): it would take over "
				    "the restored volumes and reset their "
				    "owners; stop it first (systemctl stop "
				    "docker docker.socket), or pass "
				    "--ignore-running-docker", why);
				return fail(res, &err);
			}
			say(o, LB_WARN, "Docker is running on the target (%s)",
			    why);
		}
		if (!o->dry_run) {
			if (mkdirs(dest, 0701) != 0) {
				lb_err_set(&err, LB_EDEST, errno, "cannot create "
				    "'%s'", dest);
				return fail(res, &err);
			}
			if ((r = lb_txn_area(dest, txn_notice, (void *)o,
			    &err)) != 0 || (r = lb_txn_recover(dest,
			    txn_notice, (void *)o, &err)) != 0)
				return fail(res, &err);
		}
		if ((r = check_existing(o, dest, &err)) != 0)
			return fail(res, &err);
	}

	if ((r = lb_catalog_build(&cat, o->cfg, txn_notice, (void *)o,
	    &err)) != 0) {
		lb_catalog_release(&cat);
		return fail(res, &err);
	}
	for (i = 0; i < cat.nfailures; i++)
		say(o, LB_WARN, "store '%s' skipped: %s", cat.failures[i].store,
		    cat.failures[i].error);

	if ((tried = calloc(cat.nbackups + 1, 1)) == NULL) {
		lb_err_set(&err, LB_ENOMEM, 0, "out of memory");
		goto done;
	}
	/* Pass 0: verifiable candidates; pass 1: the rest, if allowed. */
	for (pass = 0; pass < 2 && win == NULL; pass++) {
		if (pass == 1 && !(o->allow_unverified ||
		    o->cfg->allow_unverified))
			break;
		for (i = 0; i < cat.nbackups && win == NULL; i++) {
			b = &cat.backups[i];
			if (o->name != NULL && strcmp(b->name, o->name) != 0)
				continue;
			if (pass == 0)
				ncand++;
			if (b->has_sum != (pass == 0))
				continue;
			if (o->max_age >= 0 && nowt - b->time > o->max_age) {
				lb_format_duration(nowt - b->time, age,
				    sizeof(age));
				lb_err_set(&err, LB_ENOBACKUP, 0, "'%s' is %s "
				    "old, older than the maximum age: no "
				    "backup recent enough", b->name, age);
				goto done;
			}
			if (pass == 1)
				say(o, LB_WARN, "'%s' cannot be verified (%s): "
				    "restoring it UNVERIFIED, as "
				    "--allow-unverified asks", b->name,
				    b->why_unverified);
			if (tsel < 0)
				tsel = now_s() - t0;
			say(o, LB_INFO, "%s '%s' from '%s'", o->mode ==
			    LB_MODE_RESTORE ? (o->dry_run ? "checking" :
			    "restoring") : "verifying", b->name,
			    cat.confs[b->store]->name);
			if (restoring && !o->dry_run && tp == NULL) {
				if ((r = lb_txn_begin(&txn, dest, res->id,
				    &err)) != 0)
					goto done;
				tp = &txn;
			}
			lb_err_clear(&e);
			tc = now_s();
			tried[i] = 1;
			tried_any = 1;
			r = try_one(o, &cat, b, tp, &x, hex, &nbytes, &e);
			if (r == LB_ERESTART && !lb_stop_requested) {
				/* the server cannot resume: once more, from
				 * the first byte, into a new staging */
				say(o, LB_WARN, "%s: restarting '%s' from its "
				    "first byte", e.msg, b->name);
				lb_err_clear(&e);
				r = try_one(o, &cat, b, tp, &x, hex, &nbytes, &e);
			}
			ttr += now_s() - tc;
			if (r == LB_OK) {
				win = b;
				wi = i;
				break;
			}
			if (r == LB_EDEST || r == LB_EINTR || r == LB_ENOMEM ||
			    r == LB_EUSAGE) {
				err = e;
				goto done;
			}
			if (r != LB_ESTORE)
				only_store_errors = 0;
			say(o, LB_WARN, "rejected '%s': %s", b->name, e.msg);
			if (add_rejection(res, i, b->name,
			    cat.confs[b->store]->name, e.msg) != 0) {
				lb_err_set(&err, LB_ENOMEM, 0, "out of memory");
				goto done;
			}
		}
	}
	/* Unverified candidates passed over (newer than the winner, or all
	 * when none won) are rejections too, each with its reason. */
	for (i = 0; i < (win != NULL ? wi : cat.nbackups); i++) {
		b = &cat.backups[i];
		if (b->has_sum || tried[i] || (o->name && strcmp(b->name,
		    o->name)))
			continue;
		snprintf(why, sizeof(why), "unverified: %s", b->why_unverified);
		if (add_rejection(res, i, b->name, cat.confs[b->store]->name,
		    why) != 0) {
			lb_err_set(&err, LB_ENOMEM, 0, "out of memory");
			goto done;
		}
	}
	if (res->nrejected > 1)	/* qsort(NULL, 0) is undefined */
		qsort(res->rejected, res->nrejected, sizeof(*res->rejected),
		    cmp_rejection);
	if (win == NULL) {
		if (o->name != NULL && ncand == 0)
			lb_err_set(&err, LB_ENOBACKUP, 0, "no backup named "
			    "'%s' in the store%s", o->name,
			    cat.nstores > 1 ? "s" : "");
		else if (o->name != NULL)
			lb_err_set(&err, LB_EVERIFY, 0, "'%s' failed "
			    "verification: %s", o->name, res->nrejected ?
			    res->rejected[res->nrejected - 1].reason :
			    "no checksum");
		else if (cat.nbackups == 0)
			lb_err_set(&err, LB_ENOBACKUP, 0, "no backup archive "
			    "in the store%s", cat.nstores > 1 ? "s" : "");
		else if (tried_any && only_store_errors)
			lb_err_set(&err, LB_ESTORE, 0, "no backup could be "
			    "downloaded: %s", res->rejected[0].reason);
		else
			lb_err_set(&err, LB_ENOBACKUP, 0, "no valid backup: "
			    "%zu candidate%s rejected (newest: '%s': %s)",
			    res->nrejected, res->nrejected == 1 ? "" : "s",
			    res->rejected[0].name, res->rejected[0].reason);
		goto done;
	}

	res->have_archive = 1;
	res->archive_name = strdup(win->name);
	res->archive_store = strdup(cat.confs[win->store]->name);
	/* an HTML listing tells no size: the transfer did */
	res->archive_size = win->size >= 0 ? win->size : nbytes;
	res->archive_time = win->time;
	res->archive_verified = win->has_sum;
	memcpy(res->archive_sha256, hex, sizeof(hex));
	res->layout = strdup(layout_name(x.used));
	if (o->max_age < 0 && nowt - win->time > WARN_AGE) {
		lb_format_duration(nowt - win->time, age, sizeof(age));
		say(o, LB_WARN, "'%s' is %s old", win->name, age);
	}
	if (x.nitems > 1)
		qsort(x.items, x.nitems, sizeof(*x.items), cmp_items);
	res->volumes = x.items;
	res->nvolumes = x.nitems;
	x.items = NULL;
	x.nitems = 0;
	if (res->nvolumes == 0 && restoring) {
		lb_err_set(&err, LB_ENOBACKUP, 0, "'%s' holds nothing to "
		    "restore%s", win->name, o->nvolumes ? " for the volumes "
		    "asked for" : "");
		goto done;
	}

	tc = now_s();
	if (tp != NULL) {
		if ((items = calloc(res->nvolumes, sizeof(*items))) == NULL) {
			lb_err_set(&err, LB_ENOMEM, 0, "out of memory");
			goto done;
		}
		for (i = 0; i < res->nvolumes; i++)
			items[i].name = res->volumes[i].name;
		/* From here on the commit runs to its end: a signal would
		 * only leave it for the next run to finish. */
		committing = 1;
		r = lb_txn_commit(tp, items, res->nvolumes, o->replace, &err);
		for (i = 0; i < res->nvolumes; i++)
			res->volumes[i].replaced = items[i].replaced;
		if (r != LB_OK)
			goto done;
	} else if (restoring) {
		/* dry run: say what a restore would replace */
		for (i = 0; i < res->nvolumes; i++) {
			struct stat st;
			char lp[PATH_MAX];

			snprintf(lp, sizeof(lp), "%s/%s", dest,
			    res->volumes[i].name);
			res->volumes[i].replaced = lstat(lp, &st) == 0;
		}
	}
	res->t_commit = now_s() - tc;
	res->ok = 1;
done:
	free(items);
	free(tried);
	res->t_select = tsel >= 0 ? tsel : now_s() - t0;
	res->t_transfer = ttr;
	res->t_total = now_s() - t0;
	if (!res->ok)
		res->err = err;
	if (tp != NULL) {
		if (!res->ok && !committing)
			lb_txn_abandon(tp, err.msg);
		else if (!res->ok) {
			/* The staged rest stays: the next restore finishes
			 * this commit, or 'lifeboat rollback' undoes it. */
			lb_txn_close(tp);
			snprintf(why, sizeof(why), "%s; the commit was left "
			    "half done: the next 'lifeboat restore' finishes "
			    "it, 'lifeboat rollback' undoes it", err.msg);
			lb_err_set(&res->err, err.code, 0, "%s", why);
		} else
			lb_txn_close(tp);
		if (write_report(dest, res, &e) != LB_OK)
			say(o, LB_WARN, "%s", e.msg);
	}
	lb_extract_release(&x);
	lb_catalog_release(&cat);
	return res->ok ? LB_OK : res->err.code;
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

static void
iso_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
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
	lb_json_str(&j, res->ok ? "ok" : "failed");
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
		iso_time(res->archive_time, t, sizeof(t));
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
	memset(res, 0, sizeof(*res));
}
