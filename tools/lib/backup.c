/*
 * backup.c: the nightly backup and retention (see backup.h).
 *
 * The volumes are read once and the compressed stream is handed to every
 * store as it is made, so a 2 GiB backup to the NAS and to S3 costs one
 * read and no temporary file. Nothing is visible as a backup before the
 * end: each store keeps the archive under a temporary name (a .partial
 * file, an S3 multipart upload) until the whole stream is written; then
 * the archive, the manifest and last the sidecar are published, store by
 * store. A store that failed anywhere gets no sidecar, so restore never
 * calls what it holds valid. With [trust] recipients the compressed
 * stream passes through the age writer (agew.c) on its way to the
 * stores, and the manifest is encrypted whole: the segments describe the
 * plaintext, the sidecar the files as stored.
 */
#define _GNU_SOURCE	/* SEEK_DATA, SEEK_HOLE */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <mbedtls/sha256.h>
#include <sodium.h>

#include "agew.h"
#include "backup.h"
#include "clock.h"
#include "lb_version.h"
#include "json.h"
#include "minisign.h"
#include "proc.h"
#include "restore.h"
#include "store.h"

#define DEFAULT_SOURCE "/var/lib/docker/volumes"
#define DEFAULT_SOCK "/var/run/docker.sock"
#define DEFAULT_SEGMENT (256LL << 20)
#define MAX_PATTERN 200
#define COPYBUF (256 * 1024)

/* --- [backup] keys --- */

enum kind { K_PATH, K_WORDS, K_NAME, K_COMP, K_INT, K_SIZE, K_DURATION,
	K_LABEL, K_COMMAND };

static const struct {
	const char *key;
	enum kind kind;
} keys[] = {
	{ "source", K_PATH }, { "volumes", K_WORDS }, { "stores", K_WORDS },
	{ "name", K_NAME }, { "compression", K_COMP }, { "level", K_INT },
	{ "segment_size", K_SIZE }, { "threads", K_INT },
	{ "docker_socket", K_PATH }, { "stop_label", K_LABEL },
	{ "stop_containers", K_WORDS }, { "stop_timeout", K_DURATION },
	{ "pre", K_COMMAND }, { "post", K_COMMAND }, { "keep_daily", K_INT },
	{ "keep_weekly", K_INT }, { "keep_monthly", K_INT },
	{ NULL, K_PATH },
};

/* Does pattern use only the conversions a name can be parsed back by? */
static int
pattern_ok(const char *p)
{
	if (strlen(p) > MAX_PATTERN || strchr(p, '/') != NULL || p[0] == '.')
		return 0;
	for (; *p != '\0'; p++)
		if (*p == '%' && (p[1] == '\0' ||
		    strchr("YmdHMS%", *++p) == NULL))
			return 0;
	return 1;
}

static int
int_value(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int
lb_backup_key_check(const char *key, const char *value, char *why,
    size_t wl)
{
	struct lb_err err;
	long long n;
	char **argv;
	size_t i;

	for (i = 0; keys[i].key != NULL; i++)
		if (strcmp(keys[i].key, key) == 0)
			break;
	if (keys[i].key == NULL) {
		snprintf(why, wl, "unknown key '%s'", key);
		return -1;
	}
	switch (keys[i].kind) {
	case K_PATH:
		if (value[0] == '/')
			return 0;
		snprintf(why, wl, "%s must be an absolute path, not '%s'",
		    key, value);
		return -1;
	case K_NAME:
		if (pattern_ok(value))
			return 0;
		snprintf(why, wl, "name '%s': a file name whose only %% "
		    "conversions are %%Y %%m %%d %%H %%M %%S and %%%%", value);
		return -1;
	case K_COMP:
		if (!strcmp(value, "gzip") || !strcmp(value, "zstd"))
			return 0;
		snprintf(why, wl, "compression must be gzip or zstd, not '%s'",
		    value);
		return -1;
	case K_INT:
		if (int_value(value, 0, 100000, &n) == 0)
			return 0;
		snprintf(why, wl, "%s must be a whole number, not '%s'", key,
		    value);
		return -1;
	case K_SIZE:
		if (lb_parse_size(value, &n) == 0 && n >= (1 << 20))
			return 0;
		snprintf(why, wl, "%s must be a size of 1M or more (like 64M, "
		    "1G), not '%s'", key, value);
		return -1;
	case K_DURATION:
		if (lb_parse_duration(value, &n) == 0)
			return 0;
		snprintf(why, wl, "%s: '%s' is not a duration (like 30s, 2m)",
		    key, value);
		return -1;
	case K_LABEL:
		if (value[0] != '\0' && value[0] != '=')
			return 0;
		snprintf(why, wl, "stop_label must be KEY=VALUE or KEY, not "
		    "'%s'", value);
		return -1;
	case K_COMMAND:
		if (lb_split_words(value, &argv, NULL, &err) != 0) {
			snprintf(why, wl, "%s: %s", key, err.msg);
			return -1;
		}
		lb_words_free(argv);
		return 0;
	case K_WORDS:
		return 0;
	}
	return 0;
}

static const char *
conf(const struct lb_config *cfg, const char *key, const char *dflt)
{
	const char *v = lb_config_backup(cfg, key);

	return v != NULL ? v : dflt;
}

static long long
conf_int(const struct lb_config *cfg, const char *key, long long dflt)
{
	const char *v = lb_config_backup(cfg, key);
	long long n;

	return v != NULL && int_value(v, 0, 100000, &n) == 0 ? n : dflt;
}

/* --- names and retention --- */

/* What follows a backup's base name in the files lifeboat writes. */
static const char *const suffixes[] = {
	".tar.gz", ".tar.zst", ".tar.gz.age", ".tar.zst.age",
	".manifest.json", ".manifest.json.age", ".tar.gz.sha256",
	".tar.zst.sha256", ".tar.gz.age.sha256", ".tar.zst.age.sha256",
	".tar.gz.sha256.minisig", ".tar.zst.sha256.minisig",
	".tar.gz.age.sha256.minisig", ".tar.zst.age.sha256.minisig",
	NULL,
};

static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
lb_backup_name_match(const char *pattern, const char *name, long long *t,
    char *base, size_t blen)
{
	const char *p = pattern, *s = name;
	struct tm tm;
	int v, w, i;
	size_t k;

	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = 1;
	for (; *p != '\0'; p++) {
		if (*p != '%' || p[1] == '%') {
			if (*s++ != *p)
				return 0;
			p += *p == '%';
			continue;
		}
		w = *++p == 'Y' ? 4 : 2;
		if (digits(s, w, &v) != 0)
			return 0;
		s += w;
		switch (*p) {
		case 'Y': tm.tm_year = v - 1900; break;
		case 'm': tm.tm_mon = v - 1; break;
		case 'd': tm.tm_mday = v; break;
		case 'H': tm.tm_hour = v; break;
		case 'M': tm.tm_min = v; break;
		case 'S': tm.tm_sec = v; break;
		default: return 0;
		}
	}
	for (i = 0; suffixes[i] != NULL; i++)
		if (strcmp(s, suffixes[i]) == 0)
			break;
	if (suffixes[i] == NULL)
		return 0;
	k = (size_t)(s - name);
	if (base != NULL) {
		if (k >= blen)
			return 0;
		memcpy(base, name, k);
		base[k] = '\0';
	}
	*t = (long long)timegm(&tm);
	return 1;
}

static int
cmp_desc(const void *a, const void *b)
{
	long long x = **(const long long *const *)a;
	long long y = **(const long long *const *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* The bucket of t for one rule: a day, an ISO week, a month. */
static long long
bucket(long long t, int rule)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char b[16];

	gmtime_r(&tt, &tm);
	if (rule == 0)
		return (tm.tm_year + 1900LL) * 1000 + tm.tm_yday;
	if (rule == 2)
		return (tm.tm_year + 1900LL) * 100 + tm.tm_mon;
	strftime(b, sizeof(b), "%G%V", &tm);
	return strtoll(b, NULL, 10);
}

void
lb_retention_select(const long long *times, size_t n, int daily, int weekly,
    int monthly, int *keep)
{
	const long long **order;
	int limits[3] = { daily, weekly, monthly }, rule, used;
	long long last;
	size_t i;

	for (i = 0; i < n; i++)
		keep[i] = 0;
	if (n == 0 || (order = malloc(n * sizeof(*order))) == NULL) {
		for (i = 0; i < n; i++)	/* keep all rather than guess */
			keep[i] = 1;
		return;
	}
	for (i = 0; i < n; i++)
		order[i] = &times[i];
	qsort(order, n, sizeof(*order), cmp_desc);
	keep[order[0] - times] = 1;	/* the newest, always */
	for (rule = 0; rule < 3; rule++) {
		used = 0;
		last = -1;
		for (i = 0; i < n && used < limits[rule]; i++) {
			long long b = bucket(*order[i], rule);

			if (b == last)
				continue;
			last = b;
			used++;
			keep[order[i] - times] = 1;
		}
	}
	free(order);
}

/* --- the run --- */

struct seginfo {
	struct lb_strv vols;	/* the volumes it holds part of */
	long long files;
};

/* One store being written. */
struct dest {
	struct lb_store *s;
	void *h;		/* the archive's writer, while open */
	int failed;
	int published;		/* archive, manifest and sidecar are there */
	char why[LB_ERR_MSG];
};

struct run {
	const struct lb_backup_opts *o;
	struct lb_backup_result *res;
	struct dest *d;
	size_t nd;
	struct lb_segw *w;
	long long segment_size;
	long long done;		/* tar bytes */
	struct seginfo *si;	/* one per finished segment */
	size_t nsi;
	struct lb_strv cur;	/* volumes of the segment being written */
	long long cur_files;
	struct lb_err err;	/* what stopped the run, set by callbacks */
	double last_progress;
	char *buf;		/* COPYBUF bytes, file data */
	/* with [trust] recipients: the compressed stream is age-encrypted
	 * on its way to the stores, and the stored bytes hashed here */
	struct lb_agew *aw;
	mbedtls_sha256_context ssha;
	int ssha_ready;
	long long ssize;
};

static void
say(const struct lb_backup_opts *o, enum lb_backup_level l, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
say(const struct lb_backup_opts *o, enum lb_backup_level l, const char *fmt,
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

static void
docker_notice(void *arg, const char *msg)
{
	say(arg, LB_BINFO, "%s", msg);
}

static void
store_notice(void *arg, const char *msg)
{
	say(arg, LB_BWARN, "%s", msg);
}

static void
dest_fail(struct run *r, struct dest *d, const char *why)
{
	if (d->h != NULL)
		d->s->ops->abort_write(d->h);
	d->h = NULL;
	if (!d->failed)
		snprintf(d->why, sizeof(d->why), "%s", why);
	d->failed = 1;
	say(r->o, LB_BWARN, "store '%s' failed: %s", d->s->display, why);
}

/* The stored bytes, to every store still in the race. */
static int
store_sink(void *arg, const void *buf, size_t len, struct lb_err *err)
{
	struct run *r = arg;
	struct lb_err e;
	size_t i, alive = 0;

	for (i = 0; i < r->nd; i++) {
		struct dest *d = &r->d[i];

		if (d->failed || d->h == NULL)
			continue;
		lb_err_clear(&e);
		if ((lb_fault("backup.write") != 0 ? lb_err_set(&e, LB_ESTORE,
		    errno, "cannot write") : d->s->ops->write(d->h, buf, len,
		    &e)) != LB_OK)
			dest_fail(r, d, e.msg);
		else
			alive++;
	}
	if (alive == 0 && !r->o->dry_run)
		return lb_err_set(err, LB_ESTORE, 0, "every store failed");
	return LB_OK;
}

/* The age file as it is made: hashed as stored, then to the stores. */
static int
sealed_sink(void *arg, const void *buf, size_t len, struct lb_err *err)
{
	struct run *r = arg;

	mbedtls_sha256_update(&r->ssha, buf, len);
	r->ssize += (long long)len;
	return store_sink(r, buf, len, err);
}

/* The compressed stream: encrypted first when there are recipients. */
static int
stream_sink(void *arg, const void *buf, size_t len, struct lb_err *err)
{
	struct run *r = arg;

	if (r->aw != NULL)
		return lb_agew_write(r->aw, buf, len, err);
	return store_sink(r, buf, len, err);
}

static la_ssize_t
tar_out(struct archive *a, void *arg, const void *buf, size_t len)
{
	struct run *r = arg;

	(void)a;
	if (lb_segw_write(r->w, buf, len, &r->err) != LB_OK)
		return -1;
	r->done += (long long)len;
	return (la_ssize_t)len;
}

/* End the segment being written, and note what it holds. */
static int
cut(struct run *r)
{
	struct seginfo *p;
	size_t before, after;

	lb_segw_segments(r->w, &before);
	if (lb_segw_cut(r->w, &r->err) != LB_OK)
		return -1;
	lb_segw_segments(r->w, &after);
	if (after == before)
		return 0;
	if ((p = realloc(r->si, (r->nsi + 1) * sizeof(*p))) == NULL) {
		lb_err_set(&r->err, LB_ENOMEM, 0, "out of memory");
		return -1;
	}
	r->si = p;
	p[r->nsi].vols = r->cur;
	p[r->nsi].files = r->cur_files;
	r->nsi++;
	memset(&r->cur, 0, sizeof(r->cur));
	r->cur_files = 0;
	return 0;
}

static int
note_vol(struct run *r, const char *name)
{
	if (r->cur.n > 0 && strcmp(r->cur.v[r->cur.n - 1], name) == 0)
		return 0;
	if (lb_strv_add(&r->cur, name) != 0) {
		lb_err_set(&r->err, LB_ENOMEM, 0, "out of memory");
		return -1;
	}
	return 0;
}

/* An archive error as the run's error. */
static int
ar_fail(struct run *r, struct archive *a, const char *what, const char *p)
{
	int e = archive_errno(a);

	if (r->err.code != LB_OK)	/* a callback said why already */
		return r->err.code;
	return lb_err_set(&r->err, LB_EIO, 0, "%s '%s': %s%s%s%s", what, p,
	    archive_error_string(a) ? archive_error_string(a) : "error",
	    e > 0 ? " (" : "", e > 0 ? strerror(e) : "", e > 0 ? ")" : "");
}

/* The data of the regular file open at fd, size bytes as its header
 * says: holes are skipped with SEEK_DATA and written as zeros, which the
 * pax writer drops again where its sparse map has them; a file that
 * shrank meanwhile is padded by the writer. */
static int
copy_data(struct run *r, int fd, la_int64_t size, struct archive *a,
    const char *path)
{
	static char zeros[64 * 1024];
	char *buf = r->buf;
	la_int64_t off = 0, data, hole, n;
	ssize_t got;
	size_t want;

	while (off < size) {
		if (lb_stop_requested)
			return lb_err_set(&r->err, LB_EINTR, 0, "interrupted");
		if ((data = lseek(fd, off, SEEK_DATA)) < 0)
			data = size;	/* ENXIO: a hole to the end */
		if (data > size)
			data = size;
		for (; off < data; off += n) {
			n = data - off > (la_int64_t)sizeof(zeros) ?
			    (la_int64_t)sizeof(zeros) : data - off;
			if (archive_write_data(a, zeros, (size_t)n) < 0)
				return ar_fail(r, a, "cannot archive", path);
		}
		if (off >= size)
			break;
		if ((hole = lseek(fd, off, SEEK_HOLE)) < 0 || hole > size)
			hole = size;
		if (lseek(fd, off, SEEK_SET) < 0)
			return lb_err_set(&r->err, LB_EIO, errno, "cannot read "
			    "'%s'", path);
		while (off < hole) {
			want = hole - off > (la_int64_t)COPYBUF ? COPYBUF :
			    (size_t)(hole - off);
			do
				got = read(fd, buf, want);
			while (got < 0 && errno == EINTR && !lb_stop_requested);
			if (got < 0)
				return lb_err_set(&r->err, LB_EIO, errno,
				    "cannot read '%s'", path);
			if (got == 0)	/* it shrank: the writer pads */
				return LB_OK;
			if (archive_write_data(a, buf, (size_t)got) < 0)
				return ar_fail(r, a, "cannot archive", path);
			off += got;
		}
		/* a few times a second at most */
		if (r->o->progress != NULL &&
		    lb_clock_mono() - r->last_progress > 0.25) {
			r->last_progress = lb_clock_mono();
			r->o->progress(r->o->progress_arg, r->done, -1);
		}
	}
	return LB_OK;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory path, sorted: an archive in a stable order. */
static int
dir_names(const char *path, struct lb_strv *out)
{
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	if ((d = opendir(path)) == NULL)
		return -1;
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (lb_strv_add(out, de->d_name) != 0) {
			closedir(d);
			lb_strv_release(out, 0);
			return -1;
		}
		errno = 0;
	}
	closedir(d);
	if (errno != 0) {
		lb_strv_release(out, 0);
		return -1;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_name);
	return 0;
}

/* One entry, and below it when it is a directory, depth first: GNU tar
 * sets a directory's times when the archive leaves it. rel is the path
 * below the source. */
static int
walk(struct run *r, struct archive *disk, struct archive *a,
    struct archive_entry_linkresolver *lr, const char *src, const char *rel,
    struct lb_backup_volume *v, int depth)
{
	struct archive_entry *e, *sparse = NULL;
	char path[PATH_MAX], name[PATH_MAX + 16], sub[PATH_MAX];
	struct lb_strv kids;
	struct stat st;
	size_t i;
	int fd = -1, rc = LB_OK, ar;

	if (lb_stop_requested)
		return lb_err_set(&r->err, LB_EINTR, 0, "interrupted");
	if (depth > 256 || snprintf(path, sizeof(path), "%s/%s", src, rel) >=
	    (int)sizeof(path))
		return lb_err_set(&r->err, LB_EIO, ENAMETOOLONG, "'%s/%s': too "
		    "deep or too long", src, rel);
	if (lstat(path, &st) != 0)
		return lb_err_set(&r->err, LB_EIO, errno, "cannot read '%s'",
		    path);
	if (S_ISSOCK(st.st_mode)) {
		say(r->o, LB_BWARN, "'%s': a socket is not archived", path);
		return LB_OK;
	}
	if (S_ISREG(st.st_mode) && (fd = open(path, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return lb_err_set(&r->err, LB_EIO, errno, "cannot read '%s'",
		    path);
	if ((e = archive_entry_new()) == NULL) {
		rc = lb_err_set(&r->err, LB_ENOMEM, 0, "out of memory");
		goto out;
	}
	snprintf(name, sizeof(name), "volumes/%s", rel);
	archive_entry_copy_pathname(e, name);
	archive_entry_copy_sourcepath(e, path);
	/* owners by number (no name lookup), modes, ns times, xattrs,
	 * ACLs, the sparse map */
	ar = archive_read_disk_entry_from_file(disk, e, fd, &st);
	if (ar == ARCHIVE_WARN)
		say(r->o, LB_BWARN, "'%s': %s", path,
		    archive_error_string(disk));
	else if (ar != ARCHIVE_OK) {
		rc = ar_fail(r, disk, "cannot read", path);
		goto out;
	}
	archive_entry_linkify(lr, &e, &sparse);
	if (!S_ISDIR(st.st_mode)) {
		v->files++;
		r->cur_files++;
	}
	if (S_ISREG(st.st_mode) && archive_entry_hardlink(e) == NULL)
		v->bytes += archive_entry_size(e);
	ar = archive_write_header(a, e);
	if (ar == ARCHIVE_WARN)
		say(r->o, LB_BWARN, "'%s': %s", name, archive_error_string(a));
	else if (ar != ARCHIVE_OK) {
		rc = ar_fail(r, a, "cannot archive", name);
		goto out;
	}
	if (fd >= 0 && archive_entry_size(e) > 0 &&
	    (rc = copy_data(r, fd, archive_entry_size(e), a, path)) != LB_OK)
		goto out;
	if (archive_write_finish_entry(a) != ARCHIVE_OK) {
		rc = ar_fail(r, a, "cannot archive", name);
		goto out;
	}
	/* a new segment at a file boundary */
	if (lb_segw_pending(r->w) >= r->segment_size &&
	    (cut(r) != 0 || note_vol(r, v->name) != 0)) {
		rc = r->err.code;
		goto out;
	}
	if (!S_ISDIR(st.st_mode))
		goto out;
	if (dir_names(path, &kids) != 0) {
		rc = lb_err_set(&r->err, LB_EIO, errno, "cannot read '%s'",
		    path);
		goto out;
	}
	for (i = 0; i < kids.n && rc == LB_OK; i++) {
		if (snprintf(sub, sizeof(sub), "%s/%s", rel, kids.v[i]) >=
		    (int)sizeof(sub))
			rc = lb_err_set(&r->err, LB_EIO, ENAMETOOLONG, "'%s/%s'"
			    ": path too long", path, kids.v[i]);
		else
			rc = walk(r, disk, a, lr, src, sub, v, depth + 1);
	}
	lb_strv_release(&kids, 0);
out:
	archive_entry_free(e);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* One volume (or metadata.db) of the source into the tar stream. */
static int
write_item(struct run *r, struct archive *a, const char *src,
    struct lb_backup_volume *v)
{
	struct archive_entry_linkresolver *lr;
	struct archive *disk;
	int rc;

	if ((disk = archive_read_disk_new()) == NULL ||
	    (lr = archive_entry_linkresolver_new()) == NULL) {
		archive_read_free(disk);
		return lb_err_set(&r->err, LB_ENOMEM, 0, "out of memory");
	}
	/* hard links within the volume; a link across volumes becomes a
	 * copy, as restore takes each volume apart */
	archive_entry_linkresolver_set_strategy(lr,
	    ARCHIVE_FORMAT_TAR_PAX_INTERCHANGE);
	if ((rc = note_vol(r, v->name)) == 0)
		rc = walk(r, disk, a, lr, src, v->name, v, 0);
	else
		rc = r->err.code;
	archive_entry_linkresolver_free(lr);
	archive_read_free(disk);
	return rc;
}

static int
cmp_vol(const void *a, const void *b)
{
	const struct lb_backup_volume *x = a, *y = b;

	if (x->is_volume != y->is_volume)
		return x->is_volume ? -1 : 1;	/* metadata.db last */
	if (x->priority != y->priority)
		return x->priority - y->priority;
	return strcmp(x->name, y->name);
}

static int
wanted(char **v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return 1;
	return n == 0;
}

/* The volumes of src to back up, in priority order. */
static int
list_volumes(const struct lb_backup_opts *o, const char *src,
    struct lb_backup_result *res, struct lb_err *err)
{
	struct lb_backup_volume *p;
	char **want = o->volumes, **cw = NULL, path[PATH_MAX];
	size_t nwant = o->nvolumes, ncw = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int isvol, rc = LB_OK;

	if (nwant == 0 && lb_config_backup(o->cfg, "volumes") != NULL) {
		if (lb_split_words(lb_config_backup(o->cfg, "volumes"), &cw,
		    &ncw, err) != LB_OK)
			return err->code;
		want = cw;
		nwant = ncw;
	}
	if ((d = opendir(src)) == NULL) {
		rc = lb_err_set(err, LB_EUSAGE, errno, "cannot read the source "
		    "'%s'", src);
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || snprintf(path, sizeof(path),
		    "%s/%s", src, de->d_name) >= (int)sizeof(path) ||
		    lstat(path, &st) != 0)
			continue;
		isvol = S_ISDIR(st.st_mode);
		if (!(isvol && lb_valid_volume_name(de->d_name) &&
		    wanted(want, nwant, de->d_name)) &&
		    !(!isvol && S_ISREG(st.st_mode) && nwant == 0 &&
		    strcmp(de->d_name, "metadata.db") == 0))
			continue;
		if ((p = realloc(res->volumes, (res->nvolumes + 1) *
		    sizeof(*p))) == NULL) {
			rc = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
			break;
		}
		res->volumes = p;
		p += res->nvolumes;
		memset(p, 0, sizeof(*p));
		if ((p->name = strdup(de->d_name)) == NULL) {
			rc = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
			break;
		}
		p->is_volume = isvol;
		p->priority = lb_config_priority(o->cfg, de->d_name);
		res->nvolumes++;
	}
	closedir(d);
	for (i = 0; i < nwant && rc == LB_OK; i++) {
		size_t k;

		for (k = 0; k < res->nvolumes; k++)
			if (strcmp(res->volumes[k].name, want[i]) == 0)
				break;
		if (k == res->nvolumes)
			rc = lb_err_set(err, LB_EUSAGE, 0, "no volume '%s' in "
			    "'%s'", want[i], src);
	}
	if (rc == LB_OK && res->nvolumes == 0)
		rc = lb_err_set(err, LB_EUSAGE, 0, "no volume to back up in "
		    "'%s'", src);
	if (res->nvolumes > 1)
		qsort(res->volumes, res->nvolumes, sizeof(*res->volumes),
		    cmp_vol);
out:
	lb_words_free(cw);
	return rc;
}

/* "encryption": null, or age's recipients by type (never a key); in the
 * manifest also the compressed stream that age encrypted. */
static void
encryption_json(struct lb_json *j, const struct lb_backup_result *res,
    int stream)
{
	lb_json_key(j, "encryption");
	if (res->age_x25519 + res->age_ssh == 0) {
		lb_json_str(j, NULL);
		return;
	}
	lb_json_obj(j);
	lb_json_key(j, "format");
	lb_json_str(j, "age");
	lb_json_key(j, "recipients");
	lb_json_obj(j);
	lb_json_key(j, "X25519");
	lb_json_int(j, (long long)res->age_x25519);
	lb_json_key(j, "ssh-ed25519");
	lb_json_int(j, (long long)res->age_ssh);
	lb_json_obj_end(j);
	if (stream) {
		lb_json_key(j, "stream_size");
		lb_json_int(j, res->stream_size);
	}
	lb_json_obj_end(j);
}

/* NAME.manifest.json: what the archive holds, segment by segment. */
static char *
manifest(const struct run *r, const char *src, const char *comp,
    long long started, long long finished)
{
	const struct lb_backup_result *res = r->res;
	struct lb_json j;
	char t[32], host[256] = "";
	size_t i, k;

	gethostname(host, sizeof(host) - 1);
	lb_json_init(&j);
	lb_json_obj(&j);
	lb_json_key(&j, "format");
	lb_json_str(&j, "lifeboat-manifest-1");
	lb_json_key(&j, "archive");
	lb_json_str(&j, res->archive);
	lb_json_key(&j, "compression");
	lb_json_str(&j, comp);
	lb_json_key(&j, "size");
	lb_json_int(&j, res->size);
	lb_json_key(&j, "sha256");
	lb_json_str(&j, res->sha256);
	lb_json_key(&j, "tar_bytes");
	lb_json_int(&j, res->tar_bytes);
	/* the segments' offsets and digests are of the compressed stream:
	 * with age, of the plaintext */
	encryption_json(&j, res, 1);
	lb_json_key(&j, "host");
	lb_json_str(&j, host);
	lb_json_key(&j, "source");
	lb_json_str(&j, src);
	lb_json_key(&j, "tool");
	lb_json_str(&j, "lifeboat " LB_VERSION);
	lb_time_iso(started, t, sizeof(t));
	lb_json_key(&j, "started");
	lb_json_str(&j, t);
	lb_time_iso(finished, t, sizeof(t));
	lb_json_key(&j, "finished");
	lb_json_str(&j, t);
	lb_json_key(&j, "volumes");
	lb_json_arr(&j);
	for (i = 0; i < res->nvolumes; i++) {
		lb_json_obj(&j);
		lb_json_key(&j, "name");
		lb_json_str(&j, res->volumes[i].name);
		lb_json_key(&j, "kind");
		lb_json_str(&j, res->volumes[i].is_volume ? "volume" : "file");
		lb_json_key(&j, "priority");
		if (res->volumes[i].priority <= LB_MAX_PRIO)
			lb_json_int(&j, res->volumes[i].priority);
		else
			lb_json_str(&j, NULL);
		lb_json_key(&j, "files");
		lb_json_int(&j, res->volumes[i].files);
		lb_json_key(&j, "bytes");
		lb_json_int(&j, res->volumes[i].bytes);
		lb_json_obj_end(&j);
	}
	lb_json_arr_end(&j);
	lb_json_key(&j, "segments");
	lb_json_arr(&j);
	for (i = 0; i < res->nsegments; i++) {
		lb_json_obj(&j);
		lb_json_key(&j, "offset");
		lb_json_int(&j, res->segments[i].offset);
		lb_json_key(&j, "length");
		lb_json_int(&j, res->segments[i].length);
		lb_json_key(&j, "sha256");
		lb_json_str(&j, res->segments[i].sha256);
		lb_json_key(&j, "tar_bytes");
		lb_json_int(&j, res->segments[i].in_bytes);
		if (i < r->nsi) {
			lb_json_key(&j, "files");
			lb_json_int(&j, r->si[i].files);
			lb_json_key(&j, "volumes");
			lb_json_arr(&j);
			for (k = 0; k < r->si[i].vols.n; k++)
				lb_json_str(&j, r->si[i].vols.v[k]);
			lb_json_arr_end(&j);
		}
		lb_json_obj_end(&j);
	}
	lb_json_arr_end(&j);
	lb_json_obj_end(&j);
	if (j.failed) {
		lb_json_release(&j);
		return NULL;
	}
	return j.buf;
}

/* A small file whole (a key, a passphrase), NUL-terminated; never one
 * behind a symlink. */
static int
read_small(const char *path, char **out, size_t *len, struct lb_err *err)
{
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return lb_err_set(err, LB_EUSAGE, errno, "cannot read '%s'",
		    path);
	if ((buf = malloc(8192)) == NULL) {
		close(fd);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	while (got < 8191 && (n = read(fd, buf + got, 8191 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return LB_OK;
}

/* [trust] secret_key_file, opened with its passphrase file: before
 * anything is stopped, so that a key that does not open costs nothing. */
static int
load_sign_key(const struct lb_config *cfg, struct lb_ms_seckey *k,
    int *have, struct lb_err *err)
{
	char *text = NULL, *pass = NULL;
	struct lb_err e;
	size_t len, plen;
	int rc;

	*have = 0;
	if (cfg->sign_key_file == NULL)
		return LB_OK;
	if ((rc = read_small(cfg->sign_key_file, &text, &len, err)) != LB_OK)
		return rc;
	if (cfg->sign_pass_file != NULL && (rc = read_small(cfg->sign_pass_file,
	    &pass, &plen, err)) != LB_OK)
		goto out;
	if (pass != NULL)	/* its first line */
		pass[strcspn(pass, "\r\n")] = '\0';
	if ((rc = lb_ms_seckey_load(text, len, pass, k, &e)) != LB_OK) {
		lb_err_set(err, rc, 0, "[trust] secret_key_file '%s': %s",
		    cfg->sign_key_file, e.msg);
		goto out;
	}
	*have = 1;
out:
	if (pass != NULL)
		sodium_memzero(pass, strlen(pass));
	free(pass);
	if (text != NULL)
		sodium_memzero(text, len);
	free(text);
	return rc;
}

/* Run a [backup] pre or post command; LB_EIO when it fails. */
static int
hook(const struct lb_backup_opts *o, const char *key, struct lb_err *err)
{
	const char *cmd = lb_config_backup(o->cfg, key);
	struct lb_proc_opts po;
	struct lb_proc_result pr;
	char **argv;
	int rc;

	if (cmd == NULL)
		return LB_OK;
	if ((rc = lb_split_words(cmd, &argv, NULL, err)) != LB_OK)
		return rc;
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.timeout = 3600;
	say(o, LB_BINFO, "running %s: %s", key, cmd);
	rc = lb_proc_run(&po, &pr, err);
	if (rc == LB_OK && pr.status != 0)
		rc = lb_err_set(err, LB_EIO, 0, "%s '%s' failed (%s %d)%s%s",
		    key, argv[0], pr.signal ? "signal" : "exit",
		    pr.signal ? pr.signal : pr.status, pr.last[0] ? ": " : "",
		    pr.last);
	lb_proc_result_release(&pr);
	lb_words_free(argv);
	return rc;
}

/* The stores a backup goes to: [backup] stores, else all of them. */
static int
open_stores(const struct lb_config *cfg, char *const *names, size_t nnames,
    void (*notice)(void *, const char *), void *arg, struct dest **out,
    size_t *n, struct lb_err *err)
{
	char **cw = NULL;
	size_t ncw = 0, i, k;
	struct dest *d;
	int rc = LB_OK;

	*out = NULL;
	*n = 0;
	if (nnames == 0 && lb_config_backup(cfg, "stores") != NULL) {
		if ((rc = lb_split_words(lb_config_backup(cfg, "stores"), &cw,
		    &ncw, err)) != LB_OK)
			return rc;
		names = cw;
		nnames = ncw;
	}
	if (cfg->nstores == 0) {
		lb_words_free(cw);
		return lb_err_set(err, LB_EUSAGE, 0, "no store to back up to: "
		    "give --store URL or [store \"NAME\"] sections");
	}
	if ((d = calloc(cfg->nstores, sizeof(*d))) == NULL) {
		lb_words_free(cw);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	for (i = 0; i < nnames && rc == LB_OK; i++) {
		for (k = 0; k < cfg->nstores; k++)
			if (strcmp(cfg->stores[k].name, names[i]) == 0)
				break;
		if (k == cfg->nstores)
			rc = lb_err_set(err, LB_EUSAGE, 0, "no [store \"%s\"] "
			    "in the configuration", names[i]);
	}
	for (k = 0; k < cfg->nstores && rc == LB_OK; k++) {
		if (nnames > 0 && !wanted((char **)names, nnames,
		    cfg->stores[k].name))
			continue;
		if ((rc = lb_store_new(&cfg->stores[k], &d[*n].s, err)) ==
		    LB_OK && (rc = lb_store_writable(d[*n].s, err)) == LB_OK) {
			lb_store_watch(d[*n].s, notice, arg);
			(*n)++;
		}
		else if (d[*n].s != NULL) {
			lb_store_free(d[*n].s);
			d[*n].s = NULL;
		}
	}
	lb_words_free(cw);
	if (rc != LB_OK) {
		for (i = 0; i < *n; i++)
			lb_store_free(d[i].s);
		free(d);
		*n = 0;
		return rc;
	}
	*out = d;
	return LB_OK;
}

static void
close_stores(struct dest *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (d[i].h != NULL)
			d[i].s->ops->abort_write(d[i].h);
		lb_store_free(d[i].s);
	}
	free(d);
}

/* Refuse a name a store holds already: a backup never replaces one. */
static int
check_free(struct dest *d, size_t n, const char *name, struct lb_err *err)
{
	struct lb_object *objs;
	size_t i, k, no;
	int rc;

	for (i = 0; i < n; i++) {
		if ((rc = d[i].s->ops->list(d[i].s, &objs, &no, err)) != LB_OK)
			return rc;
		for (k = 0; k < no; k++)
			if (strcmp(objs[k].name, name) == 0)
				break;
		lb_objects_free(objs, no);
		if (k < no)
			return lb_err_set(err, LB_EUSAGE, 0, "store '%s' holds "
			    "'%s' already: nothing was written",
			    d[i].s->display, name);
	}
	return LB_OK;
}

/* What a run decides before anything happens, and what it makes. */
struct plan {
	const char *src, *comp, *sock;
	char base[MAX_PATTERN * 2 + 64];	/* the archive's name */
	char mname[MAX_PATTERN * 2 + 96];	/* its manifest's */
	char sname[MAX_PATTERN * 2 + 96];	/* its sidecar's */
	long long started;
	int threads;
	struct lb_ms_seckey key;
	int have_key;
	struct lb_age_recips *recips;	/* NULL: no encryption */
	struct lb_quiesce q;
	int quiesced;		/* something may be stopped: resume it */
	double ts;		/* when the first stop began */
	char *mtext, *stext, *sig;	/* manifest, sidecar, signature */
	unsigned char *mage;	/* the manifest encrypted, mlen bytes */
	size_t mlen;
};

/* NAME.sha256.minisig, beside the sidecar it signs. */
static int
put_sig(struct lb_store *s, const char *sidecar, const char *sig,
    struct lb_err *err)
{
	char name[1024];

	snprintf(name, sizeof(name), "%s.minisig", sidecar);
	return lb_store_put(s, name, sig, strlen(sig), err);
}

/* Publish on each store that got the whole stream: the archive, then the
 * manifest, then the sidecar, then its signature. */
/* A fault point's failure to write name (errno set by it). */
static int
put_fault(const char *name, struct lb_err *err)
{
	return lb_err_set(err, LB_ESTORE, errno, "cannot write '%s'", name);
}

static void
publish(struct run *r, const struct plan *p)
{
	const char *manifest_name = p->mname, *sidecar_name = p->sname;
	const char *stext = p->stext, *sig = p->sig;
	const void *mdata = p->mage != NULL ? (const void *)p->mage :
	    p->mtext;
	struct lb_err e;
	size_t i;

	for (i = 0; i < r->nd; i++) {
		struct dest *d = &r->d[i];

		if (d->failed || d->h == NULL)
			continue;
		lb_err_clear(&e);
		if (lb_fault("backup.commit") != 0) {
			lb_err_set(&e, LB_ESTORE, errno, "cannot publish '%s'",
			    r->res->archive);
			dest_fail(r, d, e.msg);		/* aborts d->h */
			continue;
		}
		if (d->s->ops->commit_write(d->h, &e) != LB_OK) {
			d->h = NULL;
			dest_fail(r, d, e.msg);
			continue;
		}
		d->h = NULL;
		if ((lb_fault("backup.manifest") != 0 ?
		    put_fault(manifest_name, &e) : lb_store_put(d->s,
		    manifest_name, mdata, p->mlen, &e)) != LB_OK ||
		    (lb_fault("backup.sidecar") != 0 ?
		    put_fault(sidecar_name, &e) : lb_store_put(d->s,
		    sidecar_name, stext, strlen(stext), &e)) != LB_OK ||
		    (sig != NULL &&
		    put_sig(d->s, sidecar_name, sig, &e) != LB_OK)) {
			dest_fail(r, d, e.msg);
			/* never an archive without its sidecar left behind */
			d->s->ops->remove(d->s, sidecar_name, &e);
			d->s->ops->remove(d->s, r->res->archive, &e);
			d->s->ops->remove(d->s, manifest_name, &e);
		} else
			d->published = 1;
	}
}

static int
fail(struct lb_backup_result *res, const struct lb_err *err)
{
	res->ok = 0;
	res->err = *err;
	return err->code;
}

/* The settings and the names, from the time of the backup. */
static int
plan_names(const struct lb_backup_opts *o, struct plan *p,
    struct lb_backup_result *res, struct lb_err *err)
{
	const struct lb_config *cfg = o->cfg;
	const char *pattern = conf(cfg, "name", LB_BACKUP_NAME);
	struct tm tm;
	time_t now;
	size_t n;
	int enc;

	p->src = o->source ? o->source : conf(cfg, "source", DEFAULT_SOURCE);
	p->comp = conf(cfg, "compression", "gzip");
	p->sock = conf(cfg, "docker_socket", DEFAULT_SOCK);
	p->threads = (int)conf_int(cfg, "threads", 0);
	if (p->threads == 0)
		p->threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	now = o->now > 0 ? (time_t)o->now : time(NULL);
	p->started = res->time = (long long)now;
	gmtime_r(&now, &tm);
	/* the pattern was checked when the configuration was read */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(p->base, sizeof(p->base), pattern, &tm);
#pragma GCC diagnostic pop
	if (n == 0)
		return lb_err_set(err, LB_EUSAGE, 0, "name '%s' makes an empty "
		    "name", pattern);
	/* encrypted to [trust] recipients: NAME.tar.gz.age and
	 * NAME.manifest.json.age */
	enc = cfg->nage_recipients + cfg->nage_recipient_files > 0;
	snprintf(p->mname, sizeof(p->mname), "%s.manifest.json%s", p->base,
	    enc ? ".age" : "");
	snprintf(p->base + n, sizeof(p->base) - n, "%s%s",
	    strcmp(p->comp, "zstd") == 0 ? ".tar.zst" : ".tar.gz",
	    enc ? ".age" : "");
	snprintf(p->sname, sizeof(p->sname), "%s.sha256", p->base);
	if ((res->archive = strdup(p->base)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	return LB_OK;
}

/* Everything that can be checked is, before anything is stopped: the
 * signing key opens, the volumes are there, the stores answer and hold
 * no backup of that name. */
static int
prepare(struct run *r, struct plan *p, struct lb_err *err)
{
	const struct lb_backup_opts *o = r->o;
	const struct lb_config *cfg = o->cfg;
	int rc;

	if (lb_parse_size(conf(cfg, "segment_size", "256M"),
	    &r->segment_size) != 0)
		r->segment_size = DEFAULT_SEGMENT;
	if ((rc = lb_age_recips_load(&p->recips, cfg, err)) != LB_OK ||
	    (rc = load_sign_key(cfg, &p->key, &p->have_key, err)) != LB_OK ||
	    (rc = list_volumes(o, p->src, r->res, err)) != LB_OK)
		return rc;
	if (p->recips != NULL)
		lb_age_recips_counts(p->recips, &r->res->age_x25519,
		    &r->res->age_ssh);
	if (!o->dry_run && ((rc = open_stores(cfg, NULL, 0, store_notice,
	    (void *)o, &r->d, &r->nd, err)) != LB_OK ||
	    (rc = check_free(r->d, r->nd, p->base, err)) != LB_OK))
		return rc;
	if ((r->buf = malloc(COPYBUF)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	return lb_segw_new(&r->w, strcmp(p->comp, "zstd") == 0 ?
	    LB_COMP_ZSTD : LB_COMP_GZIP, (int)conf_int(cfg, "level", 0),
	    p->threads, stream_sink, r, err);
}

/* Stop what writes to the volumes (nothing without Docker there). */
static int
quiesce(struct run *r, struct plan *p, struct lb_err *err)
{
	const struct lb_backup_opts *o = r->o;
	const char *sc = lb_config_backup(o->cfg, "stop_containers");
	long long wait = 120;
	char **names = NULL;
	size_t nnames = 0;
	int rc;

	if (o->dry_run || o->no_stop)
		return LB_OK;
	if (access(p->sock, F_OK) != 0) {
		say(o, LB_BINFO, "no Docker at '%s': nothing to stop", p->sock);
		return LB_OK;
	}
	if (sc != NULL && (rc = lb_split_words(sc, &names, &nnames, err)) !=
	    LB_OK)
		return rc;
	lb_parse_duration(conf(o->cfg, "stop_timeout", "2m"), &wait);
	p->ts = lb_clock_mono();
	p->quiesced = 1;
	rc = lb_docker_quiesce(&p->q, p->sock, conf(o->cfg, "stop_label",
	    LB_BACKUP_STOP_LABEL), names, nnames, (long)wait, docker_notice,
	    (void *)o, err);
	lb_words_free(names);
	r->res->containers_stopped = p->q.ncontainers;
	r->res->services_scaled = p->q.nservices;
	r->res->t_stop = lb_clock_mono() - p->ts;
	return rc;
}

/* Start again what was stopped; the first failure in err. */
static int
resume(struct run *r, struct plan *p, struct lb_err *err)
{
	double t1 = lb_clock_mono();
	int rc;

	if (!p->quiesced)
		return LB_OK;
	p->quiesced = 0;
	rc = lb_docker_resume(&p->q, docker_notice, (void *)r->o, err);
	r->res->t_start = lb_clock_mono() - t1;
	r->res->downtime = lb_clock_mono() - p->ts;
	r->res->restarted = rc == LB_OK;
	return rc;
}

/* With recipients: the age file's last chunk; the stored file's size and
 * digest are the archive's, the compressed stream's size the stream's. */
static int
seal_stream(struct run *r)
{
	struct lb_backup_result *res = r->res;
	unsigned char d[32];

	if (r->aw == NULL)
		return LB_OK;
	res->stream_size = res->size;
	if (lb_agew_finish(r->aw, &r->err) != LB_OK)
		return r->err.code;
	mbedtls_sha256_finish(&r->ssha, d);
	lb_hex32(d, res->sha256);
	res->size = r->ssize;
	return LB_OK;
}

/* The volumes, read once, into the stores' writers. */
static int
stream(struct run *r, struct plan *p, struct lb_err *err)
{
	struct lb_backup_result *res = r->res;
	struct archive *a;
	struct lb_err e;
	size_t i;
	int rc = LB_OK;

	for (i = 0; i < r->nd; i++)
		if ((lb_fault("backup.open") != 0 ? lb_err_set(&e, LB_ESTORE,
		    errno, "cannot create '%s'", p->base) :
		    r->d[i].s->ops->open_write(r->d[i].s, p->base, &r->d[i].h,
		    &e)) != LB_OK)
			dest_fail(r, &r->d[i], e.msg);
	if (!r->o->dry_run && store_sink(r, "", 0, err) != LB_OK)
		return err->code;
	if (p->recips != NULL) {
		/* the stored bytes' digest is the one that counts: the
		 * segments' digests cover the plaintext */
		lb_segw_no_total_hash(r->w);
		mbedtls_sha256_init(&r->ssha);
		mbedtls_sha256_starts(&r->ssha, 0);
		r->ssha_ready = 1;
		if (lb_agew_new(&r->aw, p->recips, sealed_sink, r, err) !=
		    LB_OK)
			return err->code;
	}
	if ((a = archive_write_new()) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	/* full pax: nanosecond times on every entry; xattrs as SCHILY.xattr,
	 * which GNU tar reads as well as libarchive */
	archive_write_set_format_pax(a);
	archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY");
	/* each call straight to tar_out, so that a cut after an entry
	 * ends the segment exactly there */
	archive_write_set_bytes_per_block(a, 0);
	if (archive_write_open2(a, r, NULL, tar_out, NULL, NULL) !=
	    ARCHIVE_OK) {
		rc = ar_fail(r, a, "cannot start", p->base);
		goto out;
	}
	say(r->o, LB_BINFO, "backing up %zu volume%s of '%s' as '%s'",
	    res->nvolumes, res->nvolumes == 1 ? "" : "s", p->src, p->base);
	for (i = 0; i < res->nvolumes && rc == LB_OK; i++)
		if (write_item(r, a, p->src, &res->volumes[i]) != LB_OK ||
		    cut(r) != 0)
			rc = r->err.code != LB_OK ? r->err.code : LB_EFAIL;
	if (rc == LB_OK && archive_write_close(a) != ARCHIVE_OK)
		rc = ar_fail(r, a, "cannot finish", p->base);
	if (rc == LB_OK && (note_vol(r, res->volumes[res->nvolumes - 1].name)
	    != 0 || cut(r) != 0 || lb_segw_finish(r->w, res->sha256,
	    &res->size, &r->err) != LB_OK || seal_stream(r) != LB_OK))
		rc = r->err.code;
out:
	if (rc != LB_OK) {
		/* the stores are aborted next: nothing may write to them */
		lb_segw_stop(r->w);
		*err = r->err;
	}
	archive_write_free(a);
	res->tar_bytes = r->done;
	return rc;
}

/* The manifest, the sidecar vouching for archive and manifest, and its
 * signature with [trust] secret_key_file. */
static int
seal(struct run *r, struct plan *p, struct lb_err *err)
{
	struct lb_backup_result *res = r->res;
	const struct lb_segment *sg;
	char mhex[65], trusted[sizeof(p->sname) + 64];
	unsigned char d[32];
	size_t nseg, sl;
	int rc;

	sg = lb_segw_segments(r->w, &nseg);
	if ((res->segments = calloc(nseg + 1, sizeof(*sg))) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	memcpy(res->segments, sg, nseg * sizeof(*sg));
	res->nsegments = nseg;
	if ((p->mtext = manifest(r, p->src, p->comp, p->started,
	    (long long)time(NULL))) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	/* encrypted to the archive's recipients; the sidecar vouches for
	 * the manifest as stored */
	if (p->recips != NULL && (rc = lb_age_encrypt_buf(p->recips,
	    p->mtext, strlen(p->mtext), &p->mage, &p->mlen, err)) != LB_OK)
		return rc;
	if (p->mage == NULL)
		p->mlen = strlen(p->mtext);
	mbedtls_sha256(p->mage != NULL ? p->mage : (const unsigned char *)
	    p->mtext, p->mlen, d, 0);
	lb_hex32(d, mhex);
	sl = strlen(p->base) + strlen(p->mname) + 2 * 64 + 16;
	if ((p->stext = malloc(sl)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	snprintf(p->stext, sl, "%s  %s\n%s  %s\n", res->sha256, p->base, mhex,
	    p->mname);
	if (!p->have_key)
		return LB_OK;
	/* minisign's own trusted comment, naming the file it signs */
	snprintf(trusted, sizeof(trusted), "timestamp:%lld\tfile:%s\thashed",
	    p->started, p->sname);
	return lb_ms_sign(&p->key, p->stext, strlen(p->stext), trusted,
	    &p->sig, err);
}

/* Retention, on the stores that got this backup. */
static void
retain(struct run *r)
{
	struct lb_backup_result *res = r->res;
	struct lb_err e;
	struct lb_strv pr;
	size_t i, k;

	for (i = 0; i < r->nd; i++) {
		char *one[1] = { r->d[i].s->conf->name };

		if (lb_backup_prune(r->o->cfg, one, 1, 0, NULL, NULL, &pr,
		    &e) != LB_OK) {
			say(r->o, LB_BWARN, "retention on '%s': %s",
			    r->d[i].s->display, e.msg);
			continue;
		}
		for (k = 0; k < pr.n; k++)
			lb_strv_add(&res->pruned, pr.v[k]);
		lb_strv_release(&pr, 0);
	}
}

/* Each store's outcome into the result, and everything freed. */
static void
finish(struct run *r, struct plan *p, int rc)
{
	struct lb_backup_result *res = r->res;
	size_t i;

	if (r->nd > 0 && (res->stores = calloc(r->nd,
	    sizeof(*res->stores))) != NULL) {
		res->nstores = r->nd;
		for (i = 0; i < r->nd; i++) {
			struct dest *d = &r->d[i];

			res->stores[i].name = strdup(d->s->display);
			res->stores[i].ok = d->published;
			res->stores[i].error = d->failed ? strdup(d->why) :
			    !d->published && !r->o->dry_run && rc != LB_OK ?
			    strdup("the backup did not finish") : NULL;
		}
	}
	close_stores(r->d, r->nd);
	lb_quiesce_release(&p->q);
	lb_segw_free(r->w);
	for (i = 0; i < r->nsi; i++)
		lb_strv_release(&r->si[i].vols, 0);
	free(r->si);
	lb_strv_release(&r->cur, 0);
	free(p->mtext);
	free(p->mage);
	free(p->stext);
	free(p->sig);
	lb_ms_seckey_wipe(&p->key);
	lb_age_recips_free(p->recips);
	lb_agew_free(r->aw);
	if (r->ssha_ready)
		mbedtls_sha256_free(&r->ssha);
	free(r->buf);
}

int
lb_backup_run(const struct lb_backup_opts *o, struct lb_backup_result *res)
{
	struct plan p;
	struct run r;
	struct lb_err err, e;
	double t0 = lb_clock_mono(), t;
	size_t i;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	memset(&p, 0, sizeof(p));
	lb_err_clear(&err);
	r.o = o;
	r.res = res;
	res->dry_run = o->dry_run;
	if ((rc = plan_names(o, &p, res, &err)) != LB_OK ||
	    (rc = prepare(&r, &p, &err)) != LB_OK ||
	    (rc = quiesce(&r, &p, &err)) != LB_OK ||
	    (!o->dry_run && (rc = hook(o, "pre", &err)) != LB_OK))
		goto out;
	t = lb_clock_mono();
	rc = stream(&r, &p, &err);
	res->t_write = lb_clock_mono() - t;
	if (rc != LB_OK || (!o->dry_run && (rc = hook(o, "post", &err)) !=
	    LB_OK))
		goto out;
	/* the volumes are read: what was stopped runs again now */
	if ((rc = resume(&r, &p, &err)) != LB_OK ||
	    (rc = seal(&r, &p, &err)) != LB_OK)
		goto out;
	t = lb_clock_mono();
	if (!o->dry_run)
		publish(&r, &p);
	res->t_publish = lb_clock_mono() - t;
	for (i = 0; i < r.nd && rc == LB_OK; i++)
		if (r.d[i].failed)
			rc = lb_err_set(&err, LB_ESTORE, 0, "store '%s': %s",
			    r.d[i].s->display, r.d[i].why);
	if (rc == LB_OK && !o->dry_run)
		retain(&r);
out:
	/* whatever happened, what was stopped is started again */
	lb_err_clear(&e);
	if (p.quiesced && resume(&r, &p, &e) != LB_OK)
		say(o, LB_BWARN, "%s", e.msg);
	else if (p.q.sock == NULL)
		res->restarted = 1;	/* nothing was stopped */
	finish(&r, &p, rc);
	res->t_total = lb_clock_mono() - t0;
	if (rc != LB_OK)
		return fail(res, &err);
	res->ok = 1;
	return LB_OK;
}

int
lb_backup_report_json(const struct lb_backup_result *res, char **out)
{
	struct lb_json j;
	char t[32];
	size_t i;

	lb_json_init(&j);
	lb_json_obj(&j);
	lb_json_key(&j, "result");
	lb_json_str(&j, res->ok ? "ok" : "failed");
	lb_json_key(&j, "dry_run");
	lb_json_bool(&j, res->dry_run);
	lb_json_key(&j, "archive");
	lb_json_str(&j, res->archive);
	lb_time_iso(res->time, t, sizeof(t));
	lb_json_key(&j, "time");
	lb_json_str(&j, t);
	lb_json_key(&j, "size");
	lb_json_int(&j, res->size);
	lb_json_key(&j, "sha256");
	lb_json_str(&j, res->sha256[0] ? res->sha256 : NULL);
	lb_json_key(&j, "tar_bytes");
	lb_json_int(&j, res->tar_bytes);
	lb_json_key(&j, "segments");
	lb_json_int(&j, (long long)res->nsegments);
	encryption_json(&j, res, 0);
	lb_json_key(&j, "volumes");
	lb_json_arr(&j);
	for (i = 0; i < res->nvolumes; i++) {
		lb_json_obj(&j);
		lb_json_key(&j, "name");
		lb_json_str(&j, res->volumes[i].name);
		lb_json_key(&j, "kind");
		lb_json_str(&j, res->volumes[i].is_volume ? "volume" : "file");
		lb_json_key(&j, "files");
		lb_json_int(&j, res->volumes[i].files);
		lb_json_key(&j, "bytes");
		lb_json_int(&j, res->volumes[i].bytes);
		lb_json_obj_end(&j);
	}
	lb_json_arr_end(&j);
	lb_json_key(&j, "stores");
	lb_json_arr(&j);
	for (i = 0; i < res->nstores; i++) {
		lb_json_obj(&j);
		lb_json_key(&j, "name");
		lb_json_str(&j, res->stores[i].name);
		lb_json_key(&j, "ok");
		lb_json_bool(&j, res->stores[i].ok);
		lb_json_key(&j, "error");
		lb_json_str(&j, res->stores[i].error);
		lb_json_obj_end(&j);
	}
	lb_json_arr_end(&j);
	lb_json_key(&j, "stopped");
	lb_json_obj(&j);
	lb_json_key(&j, "containers");
	lb_json_int(&j, (long long)res->containers_stopped);
	lb_json_key(&j, "services");
	lb_json_int(&j, (long long)res->services_scaled);
	lb_json_key(&j, "restarted");
	lb_json_bool(&j, res->restarted);
	lb_json_key(&j, "downtime");
	lb_json_num(&j, res->downtime);
	lb_json_obj_end(&j);
	lb_json_key(&j, "pruned");
	lb_json_arr(&j);
	for (i = 0; i < res->pruned.n; i++)
		lb_json_str(&j, res->pruned.v[i]);
	lb_json_arr_end(&j);
	lb_json_key(&j, "timings");
	lb_json_obj(&j);
	lb_json_key(&j, "stop");
	lb_json_num(&j, res->t_stop);
	lb_json_key(&j, "write");
	lb_json_num(&j, res->t_write);
	lb_json_key(&j, "start");
	lb_json_num(&j, res->t_start);
	lb_json_key(&j, "publish");
	lb_json_num(&j, res->t_publish);
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
lb_backup_result_release(struct lb_backup_result *res)
{
	size_t i;

	free(res->archive);
	for (i = 0; i < res->nvolumes; i++)
		free(res->volumes[i].name);
	free(res->volumes);
	free(res->segments);
	for (i = 0; i < res->nstores; i++) {
		free(res->stores[i].name);
		free(res->stores[i].error);
	}
	free(res->stores);
	lb_strv_release(&res->pruned, 0);
	memset(res, 0, sizeof(*res));
}

/* --- prune --- */

struct found {
	char base[MAX_PATTERN * 2 + 64];
	long long t;
	int complete;		/* its sidecar is there */
};

static int
cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

static int
prune_store(const struct lb_config *cfg, struct lb_store *s, int dry_run,
    struct lb_strv *pruned, struct lb_err *err)
{
	const char *pattern = conf(cfg, "name", LB_BACKUP_NAME);
	struct lb_object *objs;
	struct found *f = NULL, *p;
	char base[sizeof(f->base)], line[1024];
	long long *times = NULL, t;
	size_t no, nf = 0, i, k, nc = 0;
	int *keep = NULL, rc;

	if ((rc = s->ops->list(s, &objs, &no, err)) != LB_OK)
		return rc;
	for (i = 0; i < no; i++) {
		if (!lb_backup_name_match(pattern, objs[i].name, &t, base,
		    sizeof(base)))
			continue;
		for (k = 0; k < nf; k++)
			if (strcmp(f[k].base, base) == 0)
				break;
		if (k == nf) {
			if ((p = realloc(f, (nf + 1) * sizeof(*f))) == NULL)
				goto nomem;
			f = p;
			memset(&f[nf], 0, sizeof(*f));
			snprintf(f[nf].base, sizeof(f[nf].base), "%s", base);
			f[nf].t = t;
			nf++;
		}
		if (strstr(objs[i].name + strlen(base), ".sha256") != NULL &&
		    strstr(objs[i].name + strlen(base), ".minisig") == NULL)
			f[k].complete = 1;
	}
	if (nf > 1)	/* oldest first, as said */
		qsort(f, nf, sizeof(*f), cmp_found);
	/* only complete backups count and go: a half-written one is left
	 * for a person to look at */
	if ((times = calloc(nf + 1, sizeof(*times))) == NULL ||
	    (keep = calloc(nf + 1, sizeof(*keep))) == NULL)
		goto nomem;
	for (i = 0; i < nf; i++)
		if (f[i].complete)
			times[nc++] = f[i].t;
	lb_retention_select(times, nc, (int)conf_int(cfg, "keep_daily", 7),
	    (int)conf_int(cfg, "keep_weekly", 0),
	    (int)conf_int(cfg, "keep_monthly", 0), keep);
	for (i = 0, k = 0; i < nf && rc == LB_OK; i++) {
		if (!f[i].complete)
			continue;
		if (keep[k++])
			continue;
		snprintf(line, sizeof(line), "%s: %s", s->display, f[i].base);
		if (lb_strv_add(pruned, line) != 0)
			goto nomem;
		if (dry_run)
			continue;
		/* the sidecar first: from then on it is no valid backup */
		for (size_t m = 0; m < 2 && rc == LB_OK; m++)
			for (size_t o = 0; o < no && rc == LB_OK; o++) {
				const char *n = objs[o].name;
				int is_side;

				if (strncmp(n, f[i].base, strlen(f[i].base)) ||
				    !lb_backup_name_match(pattern, n, &t, base,
				    sizeof(base)) || strcmp(base, f[i].base))
					continue;
				is_side = strstr(n + strlen(base), ".sha256")
				    != NULL;
				if (is_side == (m == 0))
					rc = s->ops->remove(s, n, err);
			}
	}
	lb_objects_free(objs, no);
	free(f);
	free(times);
	free(keep);
	return rc;
nomem:
	lb_objects_free(objs, no);
	free(f);
	free(times);
	free(keep);
	return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
}

int
lb_backup_prune(const struct lb_config *cfg, char *const *stores,
    size_t nstores, int dry_run, void (*notice)(void *, const char *),
    void *arg, struct lb_strv *pruned, struct lb_err *err)
{
	struct dest *d;
	size_t n, i;
	int rc = LB_OK;

	memset(pruned, 0, sizeof(*pruned));
	if ((rc = open_stores(cfg, stores, nstores, notice, arg, &d, &n,
	    err)) != LB_OK)
		return rc;
	for (i = 0; i < n && rc == LB_OK; i++)
		rc = prune_store(cfg, d[i].s, dry_run, pruned, err);
	close_stores(d, n);
	if (rc != LB_OK)
		lb_strv_release(pruned, 0);
	return rc;
}
