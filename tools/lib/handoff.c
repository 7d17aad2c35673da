/*
 * handoff.c: see handoff.h. The history is JSON Lines so that a person can
 * read it with jq and a monitoring job can tail it; each line is written
 * with one write(2) in O_APPEND mode, so two runs never interleave.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "handoff.h"
#include "json.h"

void
lb_history_phase(struct lb_history *h, const char *name, double secs)
{
	size_t i;

	for (i = 0; i < h->nphases; i++)
		if (strcmp(h->phases[i].name, name) == 0) {
			h->phases[i].seconds += secs;
			return;
		}
	if (h->nphases < LB_MAX_PHASES) {
		h->phases[h->nphases].name = name;
		h->phases[h->nphases++].seconds = secs;
	}
}

static void
iso(struct lb_json *j, const char *key, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	lb_json_key(j, key);
	if (t < 0) {
		lb_json_str(j, NULL);
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	lb_json_str(j, buf);
}

static void
objective(struct lb_json *j, const char *key, long long limit,
    long long value)
{
	lb_json_key(j, key);
	if (limit < 0 || value < 0) {
		lb_json_str(j, NULL);
		return;
	}
	lb_json_bool(j, value <= limit);
}

int
lb_history_json(const struct lb_history *h, char **out)
{
	long long took = h->ended - h->started;
	long long age = h->archive_time >= 0 ? h->ended - h->archive_time : -1;
	struct lb_json j;
	size_t i;

	lb_json_init(&j);
	lb_json_obj(&j);
	lb_json_key(&j, "kind");
	lb_json_str(&j, h->kind);
	lb_json_key(&j, "id");
	lb_json_str(&j, h->id);
	if (h->host != NULL) {
		lb_json_key(&j, "host");
		lb_json_str(&j, h->host);
	}
	lb_json_key(&j, "result");
	lb_json_str(&j, h->ok ? "ok" : "failed");
	if (!h->ok) {
		if (h->failed_step != NULL) {
			lb_json_key(&j, "failed_step");
			lb_json_str(&j, h->failed_step);
		}
		lb_json_key(&j, "error");
		lb_json_str(&j, h->error);
	}
	iso(&j, "started", h->started);
	iso(&j, "ended", h->ended);
	lb_json_key(&j, "archive");
	lb_json_str(&j, h->archive);
	iso(&j, "archive_time", h->archive_time);
	/* what was proven */
	if (h->integrity != NULL) {
		lb_json_key(&j, "integrity");
		lb_json_str(&j, h->integrity);
	}
	if (h->authenticity != NULL) {
		lb_json_key(&j, "authenticity");
		lb_json_str(&j, h->authenticity);
	}
	lb_json_key(&j, "backup_age_seconds");
	if (age >= 0)
		lb_json_int(&j, age);
	else
		lb_json_str(&j, NULL);
	lb_json_key(&j, "phases");
	lb_json_obj(&j);
	for (i = 0; i < h->nphases; i++) {
		lb_json_key(&j, h->phases[i].name);
		lb_json_num(&j, h->phases[i].seconds);
	}
	lb_json_obj_end(&j);
	lb_json_key(&j, "total_seconds");
	lb_json_int(&j, took);
	lb_json_key(&j, "rto_seconds");
	if (h->rto >= 0)
		lb_json_int(&j, h->rto);
	else
		lb_json_str(&j, NULL);
	objective(&j, "rto_met", h->rto, h->ok ? took : -1);
	lb_json_key(&j, "rpo_seconds");
	if (h->rpo >= 0)
		lb_json_int(&j, h->rpo);
	else
		lb_json_str(&j, NULL);
	objective(&j, "rpo_met", h->rpo, age);
	lb_json_obj_end(&j);
	if (j.failed) {
		lb_json_release(&j);
		*out = NULL;
		return -1;
	}
	*out = j.buf;
	return 0;
}

static int
mkdirs(char *path, mode_t mode)
{
	char *s;

	for (s = path + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, mode) != 0 && errno != EEXIST) {
			*s = '/';
			return -1;
		}
		*s = '/';
	}
	return mkdir(path, mode) != 0 && errno != EEXIST ? -1 : 0;
}

int
lb_history_append(const char *path, const char *line, struct lb_err *err)
{
	char dir[PATH_MAX], *buf, *slash;
	size_t n = strlen(line);
	int fd, rc = LB_OK;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return lb_err_set(err, LB_EIO, ENAMETOOLONG, "'%s'", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdirs(dir, 0755) != 0)
			return lb_err_set(err, LB_EIO, errno, "cannot create "
			    "'%s'", dir);
	}
	if ((buf = malloc(n + 1)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	memcpy(buf, line, n);
	buf[n] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (fd < 0 || write(fd, buf, n + 1) != (ssize_t)(n + 1) ||
	    fsync(fd) != 0)
		rc = lb_err_set(err, LB_EIO, errno, "cannot append to '%s'",
		    path);
	if (fd >= 0 && close(fd) != 0 && rc == LB_OK)
		rc = lb_err_set(err, LB_EIO, errno, "cannot append to '%s'",
		    path);
	free(buf);
	return rc;
}

/* "03:00 last night", "14:10 yesterday", "2026-11-20 03:00" */
static void
when(long long t, long long now, char *buf, size_t len)
{
	time_t tt = (time_t)t, tn = (time_t)now;
	struct tm a, b;
	char hm[8];
	int days;

	localtime_r(&tt, &a);
	localtime_r(&tn, &b);
	strftime(hm, sizeof(hm), "%H:%M", &a);
	/* calendar days between them, by the day of the year */
	days = b.tm_year == a.tm_year ? b.tm_yday - a.tm_yday :
	    b.tm_year == a.tm_year + 1 && b.tm_yday == 0 &&
	    a.tm_mon == 11 && a.tm_mday == 31 ? 1 : 99;
	if ((days == 0 && a.tm_hour < 6) || (days == 1 && a.tm_hour >= 18))
		snprintf(buf, len, "%s last night", hm);
	else if (days == 0)
		snprintf(buf, len, "%s today", hm);
	else if (days == 1)
		snprintf(buf, len, "%s yesterday", hm);
	else
		strftime(buf, len, "%Y-%m-%d %H:%M", &a);
}

static const char *
verdict(long long value, long long limit)
{
	return value <= limit ? "met" : "MISSED";
}

void
lb_history_summary(const struct lb_history *h, char *buf, size_t len)
{
	char took[48], lim[48], at[48], age[48];
	size_t n;

	lb_format_duration(h->ended - h->started, took, sizeof(took));
	if (!h->ok)
		n = (size_t)snprintf(buf, len, "%s failed after %s%s%s",
		    h->kind, took, h->failed_step ? " at " : "",
		    h->failed_step ? h->failed_step : "");
	else
		n = (size_t)snprintf(buf, len, "%s after %s",
		    strcmp(h->kind, "handoff") == 0 ? "service back" :
		    "volumes restored", took);
	if (n < len && h->ok && h->rto >= 0) {
		lb_format_duration(h->rto, lim, sizeof(lim));
		n += (size_t)snprintf(buf + n, len - n, " (RTO %s: %s)", lim,
		    verdict(h->ended - h->started, h->rto));
	}
	if (n < len && h->archive_time >= 0) {
		when(h->archive_time, h->ended, at, sizeof(at));
		lb_format_duration(h->ended - h->archive_time, age,
		    sizeof(age));
		n += (size_t)snprintf(buf + n, len - n, "; data from %s, %s "
		    "old", at, age);
		if (n < len && h->rpo >= 0) {
			lb_format_duration(h->rpo, lim, sizeof(lim));
			snprintf(buf + n, len - n, " (RPO %s: %s)", lim,
			    verdict(h->ended - h->archive_time, h->rpo));
		}
	}
}

long long
lb_parse_iso_time(const char *s)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) ==
	    NULL || (*end != 'Z' && *end != '\0') || (*end == 'Z' &&
	    end[1] != '\0'))
		return -1;
	return (long long)timegm(&tm);
}

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
	char real[PATH_MAX], tmp[PATH_MAX + 8], dir[PATH_MAX], *old = NULL;
	char *out = NULL, *slash;
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
	} else if (errno != ENOENT)
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
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (mkdirs(dir, 0755) != 0) {
			rc = lb_err_set(err, LB_EIO, errno, "cannot create "
			    "'%s'", dir);
			goto done;
		}
	}
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
