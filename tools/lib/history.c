/*
 * history.c: see history.h. The history is JSON Lines so that a person can
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

#include "clock.h"
#include "files.h"
#include "history.h"
#include "jread.h"
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
	char buf[32];

	lb_json_key(j, key);
	lb_time_iso(t, buf, sizeof(buf));
	lb_json_str(j, t < 0 ? NULL : buf);
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
	if (h->store != NULL) {
		lb_json_key(&j, "store");
		lb_json_str(&j, h->store);
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
	if (h->has_projected) {
		lb_json_key(&j, "projected_rto_seconds");
		lb_json_int(&j, h->projected_rto);
	}
	objective(&j, "rto_met", h->rto, h->has_projected ? h->projected_rto :
	    h->ok ? took : -1);
	lb_json_key(&j, "rpo_seconds");
	if (h->rpo >= 0)
		lb_json_int(&j, h->rpo);
	else
		lb_json_str(&j, NULL);
	objective(&j, "rpo_met", h->rpo, age);
	for (i = 0; i < h->nextra; i++) {
		lb_json_key(&j, h->extra[i].key);
		lb_json_raw(&j, h->extra[i].json);
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

int
lb_history_append(const char *path, const char *line, struct lb_err *err)
{
	size_t n = strlen(line);
	int fd, rc = LB_OK;
	char *buf;

	if (lb_mkdirs_parent(path, 0755) != 0)
		return lb_err_set(err, LB_EIO, errno, "cannot create the "
		    "directory of '%s'", path);
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

int
lb_history_each(const char *path, const char *kind,
    void (*fn)(void *arg, const struct lb_jval *line), void *arg,
    struct lb_err *err)
{
	struct lb_jval *v;
	const char *k;
	char *line = NULL, why[128];
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? LB_OK : lb_err_set(err, LB_EIO,
		    errno, "cannot read '%s'", path);
	while ((n = getline(&line, &cap, f)) > 0) {
		if (lb_jread_parse(line, (size_t)n, &v, why,
		    sizeof(why)) != 0)
			continue;
		k = lb_jread_str(v, "kind");
		if (kind == NULL || (k != NULL && strcmp(k, kind) == 0))
			fn(arg, v);
		lb_jread_free(v);
	}
	free(line);
	if (ferror(f)) {
		fclose(f);
		return lb_err_set(err, LB_EIO, EIO, "cannot read '%s'", path);
	}
	fclose(f);
	return LB_OK;
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

/* The string at path of rep, or dflt, into buf. */
static const char *
report_str(const struct lb_jval *rep, const char *path, const char *dflt,
    char *buf, size_t len)
{
	const char *v = lb_jread_str(rep, path);

	snprintf(buf, len, "%s", v != NULL ? v : dflt);
	return buf;
}

void
lb_history_from_report(struct lb_history *h, const struct lb_jval *rep,
    struct lb_history_report *keep)
{
	const struct lb_jval *t;

	h->archive = report_str(rep, "archive.name", "?", keep->archive,
	    sizeof(keep->archive));
	h->archive_time = lb_time_parse_iso(lb_jread_str(rep, "archive.time"));
	/* what the target's restore proved */
	h->integrity = report_str(rep, "archive.integrity", "none",
	    keep->integrity, sizeof(keep->integrity));
	h->authenticity = report_str(rep, "archive.authenticity", "none",
	    keep->authenticity, sizeof(keep->authenticity));
	if ((t = lb_jread_get(rep, "timings")) == NULL)
		return;
	lb_history_phase(h, "select", lb_jread_num(t, "select", 0));
	lb_history_phase(h, "transfer", lb_jread_num(t, "transfer", 0));
	lb_history_phase(h, "commit", lb_jread_num(t, "commit", 0));
}
