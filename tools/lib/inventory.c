/*
 * inventory.c: see inventory.h. The file is someone's own, kept by hand
 * or by another tool: every byte but the one line is left as it was, and
 * it is replaced whole (PATH.lock, fsync, rename) so that a crash leaves
 * the old one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "files.h"
#include "inventory.h"

/* An inventory bigger than this is not one a person keeps. */
#define LB_INVENTORY_MAX (16 << 20)

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

/* The next line of old[0..len) from p: its end (after the newline). */
static const char *
next_line(const char *old, size_t len, const char *p)
{
	const char *e = memchr(p, '\n', (size_t)(old + len - p));

	return e != NULL ? e + 1 : old + len;
}

/* Where line goes in the section [group]: after its last line that is
 * not blank or a comment. *have says whether the section is there. */
static size_t
insert_at(const char *old, size_t len, const char *group, int *have)
{
	const char *p, *w, *eol;
	size_t ins = 0, wn;
	int in = 0, any;

	*have = 0;
	for (p = old; p < old + len; p = eol) {
		eol = next_line(old, len, p);
		if (is_header(p, (size_t)(eol - p), group, &any)) {
			in = *have = 1;
			ins = (size_t)(eol - old);
			continue;
		}
		if (any)
			in = 0;
		wn = first_word(p, (size_t)(eol - p), &w);
		if (in && wn > 0 && *w != '#' && *w != ';')
			ins = (size_t)(eol - old);
	}
	return ins;
}

/* old with line in [group], into o: in place of the first host line of
 * the same name in the section, any later one dropped (Ansible would
 * take the last), else at the end of the section, else in a new section
 * at the end of the file. */
static void
edit(const char *old, size_t len, const char *group, const char *line,
    FILE *o)
{
	const char *nl = len > 0 ? line_ending(old, len) : "\n";
	const char *lw, *w, *p, *eol, *end;
	size_t lwn = first_word(line, strlen(line), &lw), wn, ins;
	int in = 0, found = 0, have, any;

	ins = insert_at(old, len, group, &have);
	for (p = old; p < old + len; p = eol) {
		eol = next_line(old, len, p);
		if (is_header(p, (size_t)(eol - p), group, &any))
			in = 1;
		else if (any)
			in = 0;
		wn = first_word(p, (size_t)(eol - p), &w);
		if (in && !any && wn == lwn && memcmp(w, lw, wn) == 0) {
			/* the line ending of the line it replaces */
			end = eol[-1] != '\n' ? "" : eol - 1 > p &&
			    eol[-2] == '\r' ? "\r\n" : "\n";
			if (!found)
				fprintf(o, "%s%s", line, end);
			found = 1;
		} else
			fwrite(p, 1, (size_t)(eol - p), o);
		if (!found && have && (size_t)(eol - old) == ins) {
			fprintf(o, "%s%s%s", eol[-1] != '\n' ? nl : "", line,
			    nl);
			found = 1;
		}
	}
	if (!have)
		fprintf(o, "%s%s[%s]%s%s%s", len > 0 && old[len - 1] != '\n' ?
		    nl : "", len > 0 ? nl : "", group, nl, line, nl);
}

int
lb_inventory_edit(const char *old, size_t len, const char *group,
    const char *line, char **out, size_t *outlen)
{
	FILE *o;

	*out = NULL;
	*outlen = 0;
	if ((o = open_memstream(out, outlen)) == NULL)
		return -1;
	edit(old, len, group, line, o);
	if (fclose(o) != 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
lb_inventory_update(const char *path, const char *group, const char *line,
    int *changed, struct lb_err *err)
{
	char *old = NULL, *out = NULL;
	size_t len = 0, outlen = 0;
	struct stat st;
	int rc = LB_OK;

	*changed = 0;
	if (stat(path, &st) != 0)
		return lb_err_set(err, LB_EIO, errno, errno == ENOENT ?
		    "inventory '%s' does not exist: nothing was written "
		    "(give the path of the one Ansible reads)" :
		    "cannot read '%s'", path);
	if ((rc = lb_read_file(path, LB_INVENTORY_MAX, &old, &len, err)) !=
	    LB_OK)
		return rc;
	if (lb_inventory_edit(old, len, group, line, &out, &outlen) != 0)
		rc = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	else if (outlen != len || memcmp(old, out, len) != 0) {
		rc = lb_write_atomic(path, out, outlen, st.st_mode & 07777,
		    err);
		*changed = rc == LB_OK;
	}
	free(old);
	free(out);
	return rc;
}
