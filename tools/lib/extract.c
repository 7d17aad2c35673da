/*
 * extract.c: the archive's entries, mapped and written safely (see
 * extract.h).
 *
 * libarchive does the writing, with its secure-extraction flags on and
 * numeric owners (the rescue system's users are not the target's). On top
 * of it, every path is rewritten here from the archive's layout to
 * VOLUME/..., so that nothing can name a place outside its volume: '..'
 * and absolute paths outside the layout are refused before libarchive sees
 * them, hard links must stay in their volume, device nodes inside a volume
 * and duplicate entries are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "extract.h"

#define PATHMAX 4096

static pthread_mutex_t umask_mu = PTHREAD_MUTEX_INITIALIZER;

enum act { A_WRITE, A_SKIP, A_SKIP_WARN, A_REFUSE, A_LATER };

struct extract_run {
	struct lb_extract *x;
	struct lb_pipe *p;
	struct archive *a;
	struct archive *w;
	const char *prefix;		/* docker: what precedes the volumes */
	int decided;
	uint64_t *set;			/* hashes of the non-directory paths */
	size_t setcap, setn;
	struct lb_err *err;
};

int
lb_valid_volume_name(const char *s)
{
	const char *p;

	/* Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	    (*s >= '0' && *s <= '9')))
		return 0;
	for (p = s + 1; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		    *p == '-'))
			return 0;
	return p - s < 256;
}

/* Drop "." and empty components and a trailing slash; say whether the
 * path was absolute. -1 for a ".." component or an overlong path. */
static int
norm(const char *in, char *out, size_t len, int *abs)
{
	const char *s = in, *e;
	size_t n, o = 0;

	*abs = *s == '/';
	while (*s != '\0') {
		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		e = strchr(s, '/');
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (n == 1 && s[0] == '.') {
			s += n;
			continue;
		}
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return -1;
		if (o + n + 2 > len)
			return -1;
		if (o > 0)
			out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
		s += n;
	}
	out[o] = '\0';
	return 0;
}

/* The first component of p into buf; the rest (after '/') or "". */
static const char *
first(const char *p, char *buf, size_t len)
{
	const char *s = strchr(p, '/');
	size_t n = s != NULL ? (size_t)(s - p) : strlen(p);

	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return s != NULL ? s + 1 : p + strlen(p);
}

static int
wanted(const struct lb_extract *x, const char *vol)
{
	size_t i;

	if (x->nvolumes == 0 || x->used == LB_LAYOUT_PLAIN)
		return 1;
	for (i = 0; i < x->nvolumes; i++)
		if (strcmp(x->volumes[i], vol) == 0)
			return 1;
	return 0;
}

static const char *const docker_prefixes[] = {
	"var/lib/docker/volumes/", "volumes/", NULL,
};

/* Auto-detect the layout from the first meaningful entry (see
 * lifeboat(1)). A_LATER: a lone directory, wait for the next entry. */
static enum act
detect(struct extract_run *r, const char *p, int isdir, char *why, size_t wl)
{
	struct lb_extract *x = r->x;
	char c0[256], c1[256];
	const char *rest;
	int i;

	rest = first(p, c0, sizeof(c0));
	first(rest, c1, sizeof(c1));
	if (strcmp(c0, "backup") == 0 && x->layout == LB_LAYOUT_AUTO) {
		x->used = LB_LAYOUT_OFFEN;
		return A_WRITE;
	}
	for (i = 0; docker_prefixes[i] != NULL; i++) {
		size_t n = strlen(docker_prefixes[i]);

		/* "var", "var/lib", "volumes": the path to the volumes */
		if (strncmp(docker_prefixes[i], p, strlen(p)) == 0 &&
		    docker_prefixes[i][strlen(p)] == '/')
			return A_SKIP;
		if (strncmp(p, docker_prefixes[i], n) == 0) {
			x->used = LB_LAYOUT_DOCKER;
			r->prefix = docker_prefixes[i];
			return A_WRITE;
		}
	}
	if (strcmp(c1, "_data") == 0 || strcmp(p, "metadata.db") == 0 ||
	    strcmp(p, "backingFsBlockDev") == 0 ||
	    x->layout == LB_LAYOUT_DOCKER) {
		x->used = LB_LAYOUT_DOCKER;
		r->prefix = "";
		return A_WRITE;
	}
	if (isdir && *rest == '\0')
		return A_LATER;
	if (x->nvolumes == 1) {
		x->used = LB_LAYOUT_PLAIN;
		return A_WRITE;
	}
	snprintf(why, wl, "cannot tell the archive's layout from its first "
	    "entries ('%.200s'): give --layout docker, offen or plain", p);
	return A_REFUSE;
}

/* Map the normalized archive path p to out (relative to the staging
 * directory) and the top-level item it belongs to. */
static enum act
map(struct extract_run *r, const char *p, int abs, mode_t type, char *out,
    size_t ol, char *item, size_t il, int *is_volume, char *why, size_t wl)
{
	struct lb_extract *x = r->x;
	const char *rest, *vol;
	char c0[256];
	int n;

	*is_volume = 1;
	switch (x->used) {
	case LB_LAYOUT_DOCKER:
		if (*r->prefix != '\0') {
			size_t pl = strlen(r->prefix);

			if (strncmp(r->prefix, p, strlen(p)) == 0 &&
			    r->prefix[strlen(p)] == '/')
				return A_SKIP;
			if (strncmp(p, r->prefix, pl) != 0) {
				snprintf(why, wl, "outside the archive's "
				    "layout (expected '%s...')", r->prefix);
				return A_REFUSE;
			}
			if (abs && strcmp(r->prefix,
			    "var/lib/docker/volumes/")) {
				snprintf(why, wl, "absolute path");
				return A_REFUSE;
			}
			p += pl;
		} else if (abs) {
			snprintf(why, wl, "absolute path");
			return A_REFUSE;
		}
		if (*p == '\0')
			return A_SKIP;
		rest = first(p, c0, sizeof(c0));
		if (!lb_valid_volume_name(c0)) {
			snprintf(why, wl, "'%.200s' is not a valid volume name",
			    c0);
			return A_REFUSE;
		}
		snprintf(item, il, "%s", c0);
		if (*rest == '\0' && !S_ISDIR(type)) {
			/* beside the volumes: Docker's metadata.db */
			*is_volume = 0;
			if (!S_ISREG(type)) {
				snprintf(why, wl, "not a regular file or a "
				    "volume: skipped");
				return A_SKIP_WARN;
			}
			if (x->nvolumes > 0)
				return A_SKIP;
		}
		if (!wanted(x, c0))
			return A_SKIP;
		n = snprintf(out, ol, "%s", p);
		break;
	case LB_LAYOUT_OFFEN:
		rest = first(p, c0, sizeof(c0));
		if (strcmp(c0, "backup") != 0) {
			snprintf(why, wl, "outside the archive's layout "
			    "(expected 'backup/...')");
			return A_REFUSE;
		}
		if (*rest == '\0')
			return A_SKIP;
		rest = first(rest, c0, sizeof(c0));
		vol = lb_config_map(x->cfg, c0);
		if (!lb_valid_volume_name(vol)) {
			snprintf(why, wl, "'%.200s' is not a valid volume name",
			    vol);
			return A_REFUSE;
		}
		snprintf(item, il, "%s", vol);
		if (!wanted(x, vol))
			return A_SKIP;
		n = snprintf(out, ol, "%s/_data%s%s", vol, *rest ? "/" : "",
		    rest);
		break;
	case LB_LAYOUT_PLAIN:
		if (abs) {
			snprintf(why, wl, "absolute path");
			return A_REFUSE;
		}
		snprintf(item, il, "%s", x->volumes[0]);
		n = snprintf(out, ol, "%s/_data%s%s", x->volumes[0],
		    *p ? "/" : "", p);
		break;
	default:
		return A_REFUSE;
	}
	if (n < 0 || (size_t)n >= ol) {
		snprintf(why, wl, "path too long");
		return A_REFUSE;
	}
	if ((S_ISCHR(type) || S_ISBLK(type)) && strchr(out, '/') != NULL) {
		snprintf(why, wl, "device node inside a volume");
		return A_REFUSE;
	}
	return A_WRITE;
}

static uint64_t
fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h != 0 ? h : 1;
}

/* Add a path to the set; 1 if it was there already. */
static int
seen(struct extract_run *r, const char *path)
{
	uint64_t h = fnv(path), *ns;
	size_t i, cap;

	if (r->setn * 2 >= r->setcap) {
		cap = r->setcap ? r->setcap * 2 : 4096;
		if ((ns = calloc(cap, sizeof(*ns))) == NULL)
			return -1;
		for (i = 0; i < r->setcap; i++) {
			size_t k;

			if (r->set[i] == 0)
				continue;
			for (k = r->set[i] % cap; ns[k] != 0; k = (k + 1) % cap)
				;
			ns[k] = r->set[i];
		}
		free(r->set);
		r->set = ns;
		r->setcap = cap;
	}
	for (i = h % r->setcap; r->set[i] != 0; i = (i + 1) % r->setcap)
		if (r->set[i] == h)
			return 1;
	r->set[i] = h;
	r->setn++;
	return 0;
}

static struct lb_volume_result *
item_get(struct extract_run *r, const char *name, int is_volume)
{
	struct lb_extract *x = r->x;
	struct lb_volume_result *v;
	size_t i;

	for (i = 0; i < x->nitems; i++)
		if (strcmp(x->items[i].name, name) == 0)
			return &x->items[i];
	v = realloc(x->items, (x->nitems + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	x->items = v;
	v = &v[x->nitems];
	memset(v, 0, sizeof(*v));
	if ((v->name = strdup(name)) == NULL)
		return NULL;
	v->is_volume = is_volume;
	v->priority = lb_config_priority(x->cfg, name);
	x->nitems++;
	/* Offen and plain archives hold only the contents: make the volume
	 * directory as Docker does (root, 0701). */
	if (x->staging != NULL && is_volume && x->used != LB_LAYOUT_DOCKER &&
	    mkdir(name, 0701) != 0 && errno != EEXIST)
		return NULL;
	return v;
}

static int
is_dest_errno(int e)
{
	return e == ENOSPC || e == EDQUOT || e == EROFS || e == EACCES ||
	    e == EPERM || e == EIO || e == EFBIG;
}

static int
fail_w(struct extract_run *r, const char *name, const char *what)
{
	int e = archive_errno(r->w);

	if (is_dest_errno(e))
		r->x->dest_error = 1;
	return lb_err_set(r->err, r->x->dest_error ? LB_EDEST : LB_EVERIFY, 0,
	    "'%s': %s: %s%s%s%s", name, what, archive_error_string(r->w) ?
	    archive_error_string(r->w) : "error", e ? " (" : "",
	    e ? strerror(e) : "", e ? ")" : "");
}

static int
fail_r(struct extract_run *r, const char *name)
{
	const struct lb_err *pe = lb_pipe_error(r->p);

	if (pe->code != LB_OK) {
		*r->err = *pe;
		return pe->code;
	}
	if (name == NULL || name[0] == '\0')
		return lb_err_set(r->err, LB_EVERIFY, 0, "corrupt or truncated "
		    "stream: %s", archive_error_string(r->a) ?
		    archive_error_string(r->a) : "read error");
	return lb_err_set(r->err, LB_EVERIFY, 0, "'%s': corrupt or truncated "
	    "stream: %s", name, archive_error_string(r->a) ?
	    archive_error_string(r->a) : "read error");
}

/* Copy (or with no staging, read through) the entry's data. */
static int
copy_data(struct extract_run *r, const char *name, int writing)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int e;

	for (;;) {
		if (lb_stop_requested)
			return lb_err_set(r->err, LB_EINTR, 0, "interrupted");
		e = archive_read_data_block(r->a, &buf, &size, &off);
		if (e == ARCHIVE_EOF)
			return LB_OK;
		if (e != ARCHIVE_OK)
			return fail_r(r, name);
		if (!writing)
			continue;
		if (lb_fault("restore.write") != 0) {
			archive_set_error(r->w, errno, "write failed");
			return fail_w(r, name, "cannot write");
		}
		if (archive_write_data_block(r->w, buf, size, off) !=
		    ARCHIVE_OK)
			return fail_w(r, name, "cannot write");
	}
}

static int
listed(const struct lb_extract *x, const char *item)
{
	size_t i;

	for (i = 0; i < x->nonly; i++)
		if (strcmp(x->only[i], item) == 0)
			return 1;
	return 0;
}

/* A hard link whose target an earlier segment, still being written, holds:
 * made by lb_extract_finish. */
static int
wait_link(struct extract_run *r, struct archive_entry *e, const char *orig)
{
	struct lb_extract *x = r->x;
	struct archive_entry **v, *c;

	if ((v = realloc(x->later, (x->nlater + 1) * sizeof(*v))) == NULL ||
	    (x->later = v, (c = archive_entry_clone(e)) == NULL))
		return lb_err_set(r->err, LB_ENOMEM, 0, "out of memory");
	v[x->nlater++] = c;
	return copy_data(r, orig, 0);
}

static int
keep_dir(struct extract_run *r, struct archive_entry *e)
{
	struct lb_extract *x = r->x;
	struct archive_entry **v, *c;

	if ((v = realloc(x->dirs, (x->ndirs + 1) * sizeof(*v))) == NULL ||
	    (x->dirs = v, (c = archive_entry_clone(e)) == NULL))
		return lb_err_set(r->err, LB_ENOMEM, 0, "out of memory");
	v[x->ndirs++] = c;
	return LB_OK;
}

static int
process(struct extract_run *r, struct archive_entry *e)
{
	struct lb_extract *x = r->x;
	struct lb_volume_result *it;
	const char *orig, *hl;
	char np[PATHMAX], out[PATHMAX], item[256], why[512], hout[PATHMAX];
	char origbuf[PATHMAX];
	char hitem[256], msg[PATHMAX + 64];
	mode_t type = archive_entry_filetype(e);
	int abs, isvol, hvol, writing = x->staging != NULL;
	enum act a;

	/* keep the archive's name for messages: the entry is renamed below */
	if (archive_entry_pathname(e) == NULL)
		return lb_err_set(r->err, LB_EVERIFY, 0, "an entry has no "
		    "name");
	snprintf(origbuf, sizeof(origbuf), "%s", archive_entry_pathname(e));
	orig = origbuf;
	if (norm(orig, np, sizeof(np), &abs) != 0)
		return lb_err_set(r->err, LB_EVERIFY, 0, "'%s': refused: '..' "
		    "in the path, or too long", orig);
	a = map(r, np, abs, type, out, sizeof(out), item, sizeof(item), &isvol,
	    why, sizeof(why));
	if (a == A_REFUSE)
		return lb_err_set(r->err, LB_EVERIFY, 0, "'%s': refused: %s",
		    orig, why);
	if (a == A_SKIP_WARN && x->notice != NULL) {
		snprintf(msg, sizeof(msg), "'%s': %s", orig, why);
		x->notice(x->notice_arg, LB_WARN, msg);
	}
	if (a != A_WRITE)
		return copy_data(r, orig, 0);
	if (type != AE_IFDIR) {
		int s = seen(r, out);

		if (s < 0)
			return lb_err_set(r->err, LB_ENOMEM, 0,
			    "out of memory");
		if (s)
			return lb_err_set(r->err, LB_EVERIFY, 0, "'%s': "
			    "refused: duplicate entry", orig);
	}
	if ((hl = archive_entry_hardlink(e)) != NULL) {
		if (norm(hl, np, sizeof(np), &abs) != 0 ||
		    map(r, np, abs, AE_IFREG, hout, sizeof(hout), hitem,
		    sizeof(hitem), &hvol, why, sizeof(why)) != A_WRITE ||
		    strcmp(hitem, item) != 0)
			return lb_err_set(r->err, LB_EVERIFY, 0, "'%s': "
			    "refused: hard link to '%s' outside its volume",
			    orig, hl);
	}
	if (x->only != NULL && !listed(x, item))
		return lb_err_set(r->err, LB_EVERIFY, 0, "'%s': refused: the "
		    "manifest does not list '%s' in this segment", orig, item);
	if ((it = item_get(r, item, isvol)) == NULL)
		return lb_err_set(r->err, LB_EDEST, errno, "'%s'", item);
	if (type != AE_IFDIR)
		it->files++;
	if (type == AE_IFREG && hl == NULL)
		it->bytes += archive_entry_size(e);
	if (!writing)
		return copy_data(r, orig, 0);
	archive_entry_set_pathname(e, out);
	if (hl != NULL)
		archive_entry_set_hardlink(e, hout);
	if (hl != NULL && x->segment && access(hout, F_OK) != 0)
		return wait_link(r, e, orig);
	if (archive_write_header(r->w, e) != ARCHIVE_OK)
		return fail_w(r, orig, "cannot create");
	if (copy_data(r, orig, archive_entry_size(e) > 0) != LB_OK)
		return r->err->code;
	if (archive_write_finish_entry(r->w) != ARCHIVE_OK)
		return fail_w(r, orig, "cannot restore its metadata");
	if (x->segment && type == AE_IFDIR)
		return keep_dir(r, e);
	return LB_OK;
}

static la_ssize_t
read_cb(struct archive *a, void *arg, const void **buf)
{
	struct extract_run *r = arg;
	long n = lb_pipe_next(r->p, buf);

	if (n < 0) {
		archive_set_error(a, EIO, "%s", lb_pipe_error(r->p)->msg);
		return -1;
	}
	return (la_ssize_t)n;
}

static int
entries(struct extract_run *r)
{
	struct lb_extract *x = r->x;
	struct archive_entry *e, *pending = NULL;
	char np[PATHMAX], why[512];
	int abs, rc = LB_OK, h;
	enum act a;

	for (;;) {
		if (lb_stop_requested) {
			rc = lb_err_set(r->err, LB_EINTR, 0, "interrupted");
			break;
		}
		h = archive_read_next_header(r->a, &e);
		if (h == ARCHIVE_EOF)
			break;
		if (h != ARCHIVE_OK) {
			/* A warning here is a name or header that could not
			 * be read as written: nothing to restore faithfully. */
			rc = fail_r(r, pending ? archive_entry_pathname(pending)
			    : NULL);
			break;
		}
		if (!r->decided) {
			if (norm(archive_entry_pathname(e), np, sizeof(np),
			    &abs) != 0) {
				rc = lb_err_set(r->err, LB_EVERIFY, 0, "'%s': "
				    "refused: '..' in the path, or too long",
				    archive_entry_pathname(e));
				break;
			}
			if (*np == '\0')
				continue;	/* "./" */
			a = detect(r, np, archive_entry_filetype(e) == AE_IFDIR,
			    why, sizeof(why));
			if (a == A_REFUSE) {
				rc = lb_err_set(r->err, LB_EVERIFY, 0, "%s",
				    why);
				break;
			}
			if (a == A_SKIP)
				continue;
			if (a == A_LATER) {
				if (pending != NULL) {
					/* two lone directories: docker */
					x->used = LB_LAYOUT_DOCKER;
					r->prefix = "";
				} else {
					pending = archive_entry_clone(e);
					if (pending == NULL) {
						rc = lb_err_set(r->err,
						    LB_ENOMEM, 0, "out of "
						    "memory");
						break;
					}
					continue;
				}
			}
			if (x->used == LB_LAYOUT_AUTO) {
				x->used = LB_LAYOUT_DOCKER;
				r->prefix = "";
			}
			r->decided = 1;
			if (pending != NULL) {
				rc = process(r, pending);
				archive_entry_free(pending);
				pending = NULL;
				if (rc != LB_OK)
					break;
			}
		}
		if ((rc = process(r, e)) != LB_OK)
			break;
	}
	if (rc == LB_OK && pending != NULL) {
		/* an archive of one directory */
		x->used = LB_LAYOUT_DOCKER;
		r->prefix = "";
		rc = process(r, pending);
	}
	archive_entry_free(pending);
	return rc;
}

int
lb_extract_run(struct lb_extract *x, struct lb_pipe *p, struct lb_err *err)
{
	struct extract_run r;
	int rc, cwd = -1, flags;

	memset(&r, 0, sizeof(r));
	r.x = x;
	r.p = p;
	r.err = err;
	x->used = x->layout;
	r.prefix = "";
	r.decided = x->layout != LB_LAYOUT_AUTO;
	if (x->layout == LB_LAYOUT_DOCKER) {
		/* forced: the prefix is still detected from the paths */
		r.decided = 0;
	}
	if (x->layout == LB_LAYOUT_PLAIN && x->nvolumes != 1)
		return lb_err_set(err, LB_EUSAGE, 0, "--layout plain needs "
		    "exactly one --volume NAME");
	if ((r.a = archive_read_new()) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	/* the pipe hands out the decompressed stream */
	archive_read_support_filter_none(r.a);
	archive_read_support_format_tar(r.a);
	if (x->staging != NULL) {
		/* archive_write_disk_new reads the umask by setting it:
		 * two at once (segments) could leave it 0 */
		pthread_mutex_lock(&umask_mu);
		r.w = archive_write_disk_new();
		pthread_mutex_unlock(&umask_mu);
		if (r.w == NULL) {
			archive_read_free(r.a);
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		}
		/* No ARCHIVE_EXTRACT_SPARSE: files are as sparse as the
		 * archive says (GNU tar --sparse), not more; turning every
		 * run of zeros into a hole would let a bomb of zeros pass a
		 * destination that cannot hold it. */
		flags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |
		    ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |
		    ARCHIVE_EXTRACT_ACL |
		    ARCHIVE_EXTRACT_SECURE_SYMLINKS |
		    ARCHIVE_EXTRACT_SECURE_NODOTDOT |
		    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
		archive_write_disk_set_options(r.w, flags);
		/* paths are relative to the staging directory (a segment's
		 * caller is there already: the current directory is the
		 * process's, and other segments are written beside it) */
		if (!x->segment)
			cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (!x->segment && (cwd < 0 || chdir(x->staging) != 0)) {
			rc = lb_err_set(err, LB_EDEST, errno, "cannot enter "
			    "'%s'", x->staging);
			goto out;
		}
	}
	if (archive_read_open(r.a, &r, NULL, read_cb, NULL) != ARCHIVE_OK) {
		rc = fail_r(&r, NULL);
		goto out;
	}
	rc = entries(&r);
	if (rc == LB_OK && r.w != NULL && x->segment) {
		x->writer = r.w;
		r.w = NULL;
	}
	if (rc == LB_OK && r.w != NULL &&
	    archive_write_close(r.w) != ARCHIVE_OK)
		rc = fail_w(&r, x->staging, "cannot set directory metadata");
out:
	if (r.w != NULL)
		archive_write_free(r.w);
	archive_read_free(r.a);
	if (cwd >= 0) {
		if (fchdir(cwd) != 0 && rc == LB_OK)
			rc = lb_err_set(err, LB_EFAIL, errno, "fchdir");
		close(cwd);
	}
	free(r.set);
	return rc;
}

int
lb_extract_links(struct lb_extract *x, struct lb_err *err)
{
	struct extract_run r;
	size_t i;
	int rc = LB_OK;

	memset(&r, 0, sizeof(r));
	r.x = x;
	r.w = x->writer;
	r.err = err;
	for (i = 0; r.w != NULL && i < x->nlater && rc == LB_OK; i++) {
		const char *name = archive_entry_pathname(x->later[i]);

		if (archive_write_header(r.w, x->later[i]) != ARCHIVE_OK)
			rc = fail_w(&r, name, "cannot create");
		else if (archive_write_finish_entry(r.w) != ARCHIVE_OK)
			rc = fail_w(&r, name, "cannot restore its metadata");
	}
	for (i = 0; i < x->nlater; i++)
		archive_entry_free(x->later[i]);
	free(x->later);
	x->later = NULL;
	x->nlater = 0;
	return rc;
}

int
lb_extract_finish(struct lb_extract *x, struct lb_err *err)
{
	struct extract_run r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.x = x;
	r.w = x->writer;
	r.err = err;
	rc = lb_extract_links(x, err);
	if (rc == LB_OK && r.w != NULL && archive_write_close(r.w) !=
	    ARCHIVE_OK)
		rc = fail_w(&r, "staging", "cannot set directory metadata");
	if (r.w != NULL)
		archive_write_free(r.w);
	x->writer = NULL;
	/* the directories' times, last (deepest first) */
	for (; x->ndirs > 0; x->ndirs--) {
		struct archive_entry *d = x->dirs[x->ndirs - 1];
		struct timespec ts[2];

		ts[0].tv_sec = archive_entry_atime(d);
		ts[0].tv_nsec = archive_entry_atime_is_set(d) ?
		    archive_entry_atime_nsec(d) : UTIME_OMIT;
		ts[1].tv_sec = archive_entry_mtime(d);
		ts[1].tv_nsec = archive_entry_mtime_nsec(d);
		if (rc == LB_OK && x->staging != NULL &&
		    archive_entry_mtime_is_set(d) && utimensat(AT_FDCWD,
		    archive_entry_pathname(d), ts, AT_SYMLINK_NOFOLLOW) != 0)
			rc = lb_err_set(err, LB_EDEST, errno, "'%s': cannot "
			    "set its times", archive_entry_pathname(d));
		archive_entry_free(d);
	}
	free(x->dirs);
	x->dirs = NULL;
	return rc;
}

void
lb_extract_release(struct lb_extract *x)
{
	size_t i;

	for (i = 0; i < x->nitems; i++)
		free(x->items[i].name);
	free(x->items);
	x->items = NULL;
	x->nitems = 0;
	/* a segment that failed: nothing more is set (libarchive's own
	 * directory fixups aside, done where the caller stands) */
	for (i = 0; i < x->nlater; i++)
		archive_entry_free(x->later[i]);
	free(x->later);
	for (i = 0; i < x->ndirs; i++)
		archive_entry_free(x->dirs[i]);
	free(x->dirs);
	x->later = x->dirs = NULL;
	x->nlater = x->ndirs = 0;
	if (x->writer != NULL)
		archive_write_free(x->writer);
	x->writer = NULL;
}
