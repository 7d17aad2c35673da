/*
 * inventory.c: see inventory.h. The file is someone's own, kept by hand
 * or by another tool: every byte but the one line is left as it was, and
 * it is replaced whole (PATH.lock, fsync, rename) so that a crash leaves
 * the old one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inventory.h"

/* The first word of a line, for matching host lines. */
static size_t
first_word(const char *s, size_t n, const char **w)
{
	size_t i = 0, k;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	*w = s + i;
	for (k = i; k < n && s[k] != ' ' && s[k] != '\t' && s[k] != '\r' &&
	    s[k] != '\n'; k++)
		;
	return k - i;
}

/* Is s[0..n) the header of [group]? */
static int
is_header(const char *s, size_t n, const char *group, int *any)
{
	size_t i = 0, g = strlen(group);

	*any = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= n || s[i] != '[')
		return 0;
	*any = 1;
	return n - i > g + 1 && memcmp(s + i + 1, group, g) == 0 &&
	    s[i + 1 + g] == ']';
}

/* The line ending a file uses: CRLF if its first line ends so. */
static const char *
line_ending(const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);

	return nl != NULL && nl > s && nl[-1] == '\r' ? "\r\n" : "\n";
}

int
lb_inventory_update(const char *path, const char *group, const char *line,
    int *changed, struct lb_err *err)
{
	char real[PATH_MAX], tmp[PATH_MAX + 8], *old = NULL, *out = NULL;
	const char *lw, *w, *p, *e, *eol, *nl = "\n";
	size_t len = 0, olen, outlen = 0, lwn, wn, ins = 0;
	int in = 0, found = 0, have_sec = 0, any, fd = -1, rc = LB_OK;
	mode_t mode = 0644;
	struct stat st;
	FILE *f, *o;

	*changed = 0;
	lwn = first_word(line, strlen(line), &lw);
	/* an inventory that is a link is updated where it points */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (realpath(path, real) == NULL)
			return lb_err_set(err, LB_EIO, errno, "cannot resolve "
			    "'%s'", path);
		path = real;
	}
	if ((f = fopen(path, "re")) != NULL) {
		char chunk[4096];
		size_t got;

		if (fstat(fileno(f), &st) == 0)
			mode = st.st_mode & 07777;
		while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
			char *q = realloc(old, len + got + 1);

			if (q == NULL) {
				fclose(f);
				free(old);
				return lb_err_set(err, LB_ENOMEM, 0,
				    "out of memory");
			}
			old = q;
			memcpy(old + len, chunk, got);
			len += got;
		}
		fclose(f);
	} else if (errno == ENOENT)
		return lb_err_set(err, LB_EIO, errno, "inventory '%s' does not "
		    "exist: nothing was written (give the path of the one "
		    "Ansible reads)", path);
	else
		return lb_err_set(err, LB_EIO, errno, "cannot read '%s'", path);
	olen = len;
	if (old != NULL)
		nl = line_ending(old, len);
	/* Where the section ends: after its last line that is not blank or
	 * a comment. */
	for (p = old; p != NULL && p < old + len; p = eol) {
		e = memchr(p, '\n', (size_t)(old + len - p));
		eol = e != NULL ? e + 1 : old + len;
		if (is_header(p, (size_t)(eol - p), group, &any)) {
			in = have_sec = 1;
			ins = (size_t)(eol - old);
			continue;
		}
		if (any)
			in = 0;
		wn = first_word(p, (size_t)(eol - p), &w);
		if (in && wn > 0 && *w != '#' && *w != ';')
			ins = (size_t)(eol - old);
	}
	if ((o = open_memstream(&out, &outlen)) == NULL) {
		free(old);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	/* Copy, putting line in place of the first host line of the same
	 * name in the section and dropping any later one (Ansible would
	 * take the last). */
	in = 0;
	for (p = old; p != NULL && p < old + len; p = eol) {
		e = memchr(p, '\n', (size_t)(old + len - p));
		eol = e != NULL ? e + 1 : old + len;
		if (is_header(p, (size_t)(eol - p), group, &any))
			in = 1;
		else if (any)
			in = 0;
		wn = first_word(p, (size_t)(eol - p), &w);
		if (in && !any && wn == lwn && memcmp(w, lw, wn) == 0) {
			if (!found) {
				const char *end = eol > p && eol[-1] == '\n' ?
				    (eol - 1 > p && eol[-2] == '\r' ? "\r\n" :
				    "\n") : "";

				fprintf(o, "%s%s", line, end);
			}
			found = 1;
		} else
			fwrite(p, 1, (size_t)(eol - p), o);
		if (!found && have_sec && (size_t)(eol - old) == ins) {
			fprintf(o, "%s%s%s", eol[-1] != '\n' ? nl : "", line,
			    nl);
			found = 1;
		}
	}
	if (!have_sec)
		fprintf(o, "%s%s[%s]%s%s%s", len > 0 && old[len - 1] != '\n' ?
		    nl : "", len > 0 ? nl : "", group, nl, line, nl);
	if (fclose(o) != 0) {
		free(old);
		free(out);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	len = outlen;
	if (old != NULL && olen == len && memcmp(old, out, len) == 0)
		goto done;
	/* write PATH.lock, sync, rename: a crash leaves the old file */
	if (snprintf(tmp, sizeof(tmp), "%s.lock", path) >= (int)sizeof(tmp)) {
		rc = lb_err_set(err, LB_EIO, ENAMETOOLONG, "'%s'", path);
		goto done;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd < 0 && errno == EEXIST) {
		rc = lb_err_set(err, LB_EIO, 0, "'%s' exists: another lifeboat "
		    "is updating the inventory, or one was killed while it "
		    "did; if none runs, remove it", tmp);
		goto done;
	}
	if (fd < 0 || fchmod(fd, mode) != 0 || write(fd, out, len) !=
	    (ssize_t)len || fsync(fd) != 0 || close(fd) != 0) {
		rc = lb_err_set(err, LB_EIO, errno, "cannot write '%s'", tmp);
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		goto done;
	}
	if (rename(tmp, path) != 0) {
		rc = lb_err_set(err, LB_EIO, errno, "cannot replace '%s'",
		    path);
		unlink(tmp);
		goto done;
	}
	*changed = 1;
done:
	free(old);
	free(out);
	return rc;
}
