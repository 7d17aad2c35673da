/*
 * store_file.c: a directory as a store: the disk brought from the safe, a
 * mounted NAS, a USB stick. Only regular files are listed (a symlink such
 * as 'latest' is not a backup of its own), and files are opened with
 * O_NOFOLLOW so that a symlink swapped in cannot redirect a read.
 */
#define _GNU_SOURCE	/* sync_file_range */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

struct fstore {
	char *dir;	/* absolute: extraction changes the cwd */
	int dfd;
};

struct freader {
	int fd;
	char *name;
	long long left;		/* a range's bytes still to read, -1: all */
};

/* ": 'PATH'" after the store's name, unless the name is the path */
#define SAY_PATH(s, p) strcmp((s)->display, (s)->conf->url) ? ": '" : "", \
	strcmp((s)->display, (s)->conf->url) ? (p) : "", \
	strcmp((s)->display, (s)->conf->url) ? "'" : ""

static int
f_open(struct lb_store *s, struct lb_err *err)
{
	const char *url = s->conf->url, *path = url;
	struct fstore *f;
	char real[PATH_MAX];
	struct stat st;

	if (strncmp(url, "file://", 7) == 0)
		path = url + 7;
	if (*path == '\0')
		return lb_err_set(err, LB_EUSAGE, 0, "store '%s': empty path",
		    s->display);
	if (realpath(path, real) == NULL)
		return lb_err_set(err, LB_ESTORE, errno, "store '%s'%s%s%s",
		    s->display, SAY_PATH(s, path));
	if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
		return lb_err_set(err, LB_ESTORE, ENOTDIR, "store '%s'%s%s%s",
		    s->display, SAY_PATH(s, path));
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->dir = strdup(real)) == NULL) {
		free(f);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	f->dfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->dfd < 0) {
		lb_err_set(err, LB_ESTORE, errno, "store '%s'%s%s%s",
		    s->display, SAY_PATH(s, path));
		free(f->dir);
		free(f);
		return LB_ESTORE;
	}
	s->priv = f;
	return LB_OK;
}

static int
f_list(struct lb_store *s, struct lb_object **objs, size_t *n,
    struct lb_err *err)
{
	struct fstore *f = s->priv;
	struct lb_object *v = NULL, *p;
	struct dirent *de;
	struct stat st;
	size_t cnt = 0;
	DIR *d;
	int fd;

	*objs = NULL;
	*n = 0;
	if ((fd = dup(f->dfd)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return lb_err_set(err, LB_ESTORE, errno, "store '%s'",
		    s->display);
	}
	rewinddir(d);
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(f->dfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		if ((p = realloc(v, (cnt + 1) * sizeof(*v))) == NULL)
			goto nomem;
		v = p;
		if ((v[cnt].name = strdup(de->d_name)) == NULL)
			goto nomem;
		v[cnt].size = st.st_size;
		v[cnt].mtime = st.st_mtime;
		cnt++;
		errno = 0;
	}
	if (errno != 0) {
		lb_err_set(err, LB_ESTORE, errno, "store '%s'", s->display);
		closedir(d);
		lb_objects_free(v, cnt);
		return LB_ESTORE;
	}
	closedir(d);
	*objs = v;
	*n = cnt;
	return LB_OK;
nomem:
	closedir(d);
	lb_objects_free(v, cnt);
	return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
}

static int
f_open_read(struct lb_store *s, const char *name, long long offset,
    long long length, void **h, struct lb_err *err)
{
	struct fstore *f = s->priv;
	struct freader *r;
	size_t len;
	int fd;

	if (strchr(name, '/') != NULL || name[0] == '.')
		return lb_err_set(err, LB_EUSAGE, 0, "'%s': not a file name",
		    name);
	fd = openat(f->dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return lb_err_set(err, errno == ENOENT ? LB_EIO : LB_ESTORE,
		    errno, "cannot open '%s/%s'", f->dir, name);
	if (offset > 0 && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
		lb_err_set(err, LB_EIO, errno, "cannot seek '%s/%s'", f->dir,
		    name);
		close(fd);
		return LB_EIO;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	len = strlen(f->dir) + strlen(name) + 2;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->name = malloc(len)) == NULL) {
		free(r);
		close(fd);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	snprintf(r->name, len, "%s/%s", f->dir, name);
	r->fd = fd;
	r->left = length;
	*h = r;
	return LB_OK;
}

static int
f_read(void *h, void *buf, size_t len, size_t *got, struct lb_err *err)
{
	struct freader *r = h;
	ssize_t n;

	if (r->left >= 0 && (long long)len > r->left)
		len = (size_t)r->left;
	if (len == 0) {
		*got = 0;
		return LB_OK;
	}
	do
		n = read(r->fd, buf, len);
	while (n < 0 && errno == EINTR && !lb_stop_requested);
	if (n < 0) {
		*got = 0;
		return lb_err_set(err, LB_EIO, errno, "cannot read '%s'",
		    r->name);
	}
	*got = (size_t)n;
	if (r->left >= 0)
		r->left -= n;
	return LB_OK;
}

static void
f_close_read(void *h)
{
	struct freader *r = h;

	if (r == NULL)
		return;
	close(r->fd);
	free(r->name);
	free(r);
}

static void
f_close(struct lb_store *s)
{
	struct fstore *f = s->priv;

	if (f == NULL)
		return;
	close(f->dfd);
	free(f->dir);
	free(f);
}

/* Written back as it is made, a window at a time, so that the fsync
 * before the rename finds little left to write and a backup does not
 * fill the page cache with gigabytes of dirty pages. */
#define WRITEBACK (8LL << 20)

/* A file being written: NAME.partial until committed. */
struct fwriter {
	int dfd;		/* the store's directory (not owned) */
	int fd;
	char *name, *partial, *dir;
	long long off;		/* bytes written */
	long long flushed;	/* writeback started up to here */
};

static int
f_open_write(struct lb_store *s, const char *name, void **h,
    struct lb_err *err)
{
	struct fstore *f = s->priv;
	struct fwriter *w;
	size_t len;

	if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0')
		return lb_err_set(err, LB_EUSAGE, 0, "'%s': not a file name",
		    name);
	len = strlen(name) + sizeof(".partial");
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->name = strdup(name)) == NULL ||
	    (w->partial = malloc(len)) == NULL) {
		if (w != NULL)
			free(w->name);
		free(w);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	snprintf(w->partial, len, "%s.partial", name);
	w->dfd = f->dfd;
	w->dir = f->dir;
	/* a .partial left by a killed run is ours to replace */
	unlinkat(f->dfd, w->partial, 0);
	w->fd = openat(f->dfd, w->partial, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		lb_err_set(err, LB_ESTORE, errno, "cannot create '%s/%s'",
		    f->dir, w->partial);
		free(w->partial);
		free(w->name);
		free(w);
		return LB_ESTORE;
	}
	*h = w;
	return LB_OK;
}

static int
f_write(void *h, const void *buf, size_t len, struct lb_err *err)
{
	struct fwriter *w = h;
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(w->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return lb_err_set(err, LB_ESTORE, n < 0 ? errno : EIO,
			    "cannot write '%s/%s'", w->dir, w->partial);
		p += n;
		len -= (size_t)n;
		w->off += n;
	}
	while (w->off - w->flushed >= WRITEBACK) {
		/* start this window's writeback; wait for the one before
		 * it, which has had a window's time to finish */
		sync_file_range(w->fd, w->flushed, WRITEBACK,
		    SYNC_FILE_RANGE_WRITE);
		if (w->flushed >= WRITEBACK)
			sync_file_range(w->fd, w->flushed - WRITEBACK,
			    WRITEBACK, SYNC_FILE_RANGE_WAIT_BEFORE |
			    SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
		w->flushed += WRITEBACK;
	}
	return LB_OK;
}

static void
fwriter_free(struct fwriter *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->name);
	free(w->partial);
	free(w);
}

static int
f_commit_write(void *h, struct lb_err *err)
{
	struct fwriter *w = h;
	int r = LB_OK;
	int fd = w->fd, e;

	/* on the disk before it is visible under its name */
	w->fd = -1;
	e = fsync(fd) != 0 ? errno : 0;
	if (close(fd) != 0 && e == 0)
		e = errno;
	if (e != 0)
		r = lb_err_set(err, LB_ESTORE, e, "cannot write '%s/%s'",
		    w->dir, w->partial);
	else if (renameat(w->dfd, w->partial, w->dfd, w->name) != 0)
		r = lb_err_set(err, LB_ESTORE, errno, "cannot rename '%s/%s'",
		    w->dir, w->partial);
	else
		fsync(w->dfd);
	if (r != LB_OK)
		unlinkat(w->dfd, w->partial, 0);
	fwriter_free(w);
	return r;
}

static void
f_abort_write(void *h)
{
	struct fwriter *w = h;

	if (w == NULL)
		return;
	unlinkat(w->dfd, w->partial, 0);
	fwriter_free(w);
}

static int
f_remove(struct lb_store *s, const char *name, struct lb_err *err)
{
	struct fstore *f = s->priv;

	if (strchr(name, '/') != NULL || name[0] == '.')
		return lb_err_set(err, LB_EUSAGE, 0, "'%s': not a file name",
		    name);
	if (unlinkat(f->dfd, name, 0) != 0 && errno != ENOENT)
		return lb_err_set(err, LB_ESTORE, errno, "cannot remove "
		    "'%s/%s'", f->dir, name);
	return LB_OK;
}

/* The keys of its [store] sections besides url. */
static const char *const file_keys[] = {
	NULL,
};

const struct lb_store_ops lb_store_file_ops = {
	.scheme = "file",
	.keys = file_keys,
	.open = f_open,
	.list = f_list,
	.open_read = f_open_read,
	.read = f_read,
	.close_read = f_close_read,
	.close = f_close,
	.open_write = f_open_write,
	.write = f_write,
	.commit_write = f_commit_write,
	.abort_write = f_abort_write,
	.remove = f_remove,
};
