/*
 * files.c: see files.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files.h"

int
lb_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX], *s;
	struct stat st;

	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		errno = ENOTDIR;
		return -1;
	}
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (s = buf + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(buf, mode) != 0 && errno != EEXIST ? -1 : 0;
}

int
lb_mkdirs_parent(const char *path, mode_t mode)
{
	char dir[PATH_MAX], *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	return lb_mkdirs(dir, mode);
}

int
lb_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct lb_err *err)
{
	char real[PATH_MAX], tmp[PATH_MAX + 8];
	struct stat st;
	int fd, rc;

	/* a link is followed: the file it points to is the one to replace */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (realpath(path, real) == NULL)
			return lb_err_set(err, LB_EIO, errno, "cannot resolve "
			    "'%s'", path);
		path = real;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.lock", path) >= (int)sizeof(tmp))
		return lb_err_set(err, LB_EIO, ENAMETOOLONG, "'%s'", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd < 0 && errno == EEXIST)
		return lb_err_set(err, LB_EIO, 0, "'%s' exists: another "
		    "lifeboat is writing '%s', or one was killed while it "
		    "did; if none runs, remove it", tmp, path);
	if (fd < 0)
		return lb_err_set(err, LB_EIO, errno, "cannot create '%s'",
		    tmp);
	if (fchmod(fd, mode) != 0 || write(fd, data, len) != (ssize_t)len ||
	    fsync(fd) != 0) {
		rc = lb_err_set(err, LB_EIO, errno, "cannot write '%s'", tmp);
		close(fd);
		goto undo;
	}
	if (close(fd) != 0) {
		rc = lb_err_set(err, LB_EIO, errno, "cannot write '%s'", tmp);
		goto undo;
	}
	if (rename(tmp, path) != 0) {
		rc = lb_err_set(err, LB_EIO, errno, "cannot replace '%s'",
		    path);
		goto undo;
	}
	return LB_OK;
undo:
	unlink(tmp);
	return rc;
}

int
lb_read_file(const char *path, size_t max, char **buf, size_t *len,
    struct lb_err *err)
{
	size_t n = 0, cap = 4096;
	char *b = NULL, *p;
	ssize_t got;
	int fd, rc = LB_OK;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return lb_err_set(err, LB_EIO, errno, "cannot read '%s'", path);
	for (;;) {
		if (n + 1 >= cap || b == NULL) {
			cap = b == NULL ? cap : cap * 2;
			if ((p = realloc(b, cap)) == NULL) {
				rc = lb_err_set(err, LB_ENOMEM, ENOMEM,
				    "out of memory");
				break;
			}
			b = p;
		}
		if ((got = read(fd, b + n, cap - n - 1)) < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = lb_err_set(err, LB_EIO, errno, "cannot read '%s'",
			    path);
			break;
		}
		if (got == 0)
			break;
		if ((n += (size_t)got) > max) {
			rc = lb_err_set(err, LB_EIO, EFBIG, "'%s' is larger "
			    "than %zu bytes", path, max);
			break;
		}
	}
	close(fd);
	if (rc != LB_OK) {
		free(b);
		return rc;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return LB_OK;
}

void
lb_home_path(const char *rel, char *buf, size_t len)
{
	const char *h = getenv("HOME");

	snprintf(buf, len, "%s/%s", h != NULL && *h != '\0' ? h : "/root",
	    rel);
}
