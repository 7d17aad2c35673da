/*
 * metrics.c: see metrics.h. The exposition format is text: one line per
 * sample, label values escaped (backslash, double quote, newline), numbers
 * as Go's strconv would read them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"
#include "files.h"
#include "metrics.h"
#include "restore.h"

void
lb_metrics_init(struct lb_metrics *m)
{
	memset(m, 0, sizeof(*m));
}

void
lb_metrics_release(struct lb_metrics *m)
{
	free(m->buf);
	memset(m, 0, sizeof(*m));
}

static void
put(struct lb_metrics *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
put(struct lb_metrics *m, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *p;
	int n;

	if (m->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		m->failed = 1;
		return;
	}
	if (m->len + (size_t)n + 1 > m->cap) {
		for (cap = m->cap ? m->cap : 1024; cap < m->len + (size_t)n + 1;)
			cap *= 2;
		if ((p = realloc(m->buf, cap)) == NULL) {
			m->failed = 1;
			return;
		}
		m->buf = p;
		m->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(m->buf + m->len, m->cap - m->len, fmt, ap);
	va_end(ap);
	m->len += (size_t)n;
}

void
lb_metrics_head(struct lb_metrics *m, const char *name, const char *type,
    const char *help)
{
	snprintf(m->last, sizeof(m->last), "%s", name);
	put(m, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
lb_metrics_sample(struct lb_metrics *m, const char *label,
    const char *value, double v)
{
	const char *s;

	put(m, "%s", m->last);
	if (label != NULL) {
		put(m, "{%s=\"", label);
		for (s = value; *s != '\0'; s++)
			put(m, "%s", *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" :
			    *s == '\n' ? "\\n" : (char[]){ *s, '\0' });
		put(m, "\"}");
	}
	put(m, " %.15g\n", v);
}

void
lb_metrics_gauge(struct lb_metrics *m, const char *name, const char *help,
    double v)
{
	lb_metrics_head(m, name, "gauge", help);
	lb_metrics_sample(m, NULL, NULL, v);
}

int
lb_metrics_write(const struct lb_metrics *m, const char *path,
    struct lb_err *err)
{
	if (m->failed)
		return lb_err_set(err, LB_ENOMEM, 0, "cannot write '%s': out "
		    "of memory", path);
	return lb_write_atomic(path, m->buf != NULL ? m->buf : "", m->len,
	    0644, err);
}

double
lb_metrics_previous(const char *path, const char *name, double dflt)
{
	char line[512], *end;
	size_t n = strlen(name);
	double v = dflt, x;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return dflt;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ' ') {
			x = strtod(line + n + 1, &end);
			if (end != line + n + 1 && (*end == '\n' ||
			    *end == '\0'))
				v = x;
		}
	fclose(f);
	return v;
}

/* The runs and failures counters, carried over from the previous file. */
static void
runs(struct lb_metrics *m, const char *verb, int ok, const char *path)
{
	char name[96], help[128];

	snprintf(name, sizeof(name), "lifeboat_%s_runs_total", verb);
	snprintf(help, sizeof(help), "How many times lifeboat %s ran (kept "
	    "from one run to the next in this file).", verb);
	lb_metrics_head(m, name, "counter", help);
	lb_metrics_sample(m, NULL, NULL, lb_metrics_previous(path, name, 0) +
	    1);
	snprintf(name, sizeof(name), "lifeboat_%s_failures_total", verb);
	snprintf(help, sizeof(help), "How many times lifeboat %s failed.",
	    verb);
	lb_metrics_head(m, name, "counter", help);
	lb_metrics_sample(m, NULL, NULL, lb_metrics_previous(path, name, 0) +
	    !ok);
}

void
lb_metrics_backup(struct lb_metrics *m, const struct lb_backup_result *r,
    const char *path, long long now)
{
	double last = r->ok && !r->dry_run ? (double)now :
	    lb_metrics_previous(path,
	    "lifeboat_backup_last_success_timestamp_seconds", -1);

	lb_metrics_gauge(m, "lifeboat_backup_last_run_timestamp_seconds",
	    "When the last backup ended.", (double)now);
	lb_metrics_gauge(m, "lifeboat_backup_success",
	    "1 when the last backup reached every store.", r->ok);
	if (last >= 0)
		lb_metrics_gauge(m,
		    "lifeboat_backup_last_success_timestamp_seconds",
		    "When the last successful backup ended.", last);
	runs(m, "backup", r->ok, path);
	lb_metrics_gauge(m, "lifeboat_backup_duration_seconds",
	    "How long the last backup took.", r->t_total);
	lb_metrics_gauge(m, "lifeboat_backup_downtime_seconds",
	    "How long the last backup kept containers stopped.", r->downtime);
	if (r->ok && r->size >= 0)
		lb_metrics_gauge(m, "lifeboat_backup_size_bytes",
		    "The size of the last backup, as stored.", (double)r->size);
	if (r->ok)
		lb_metrics_gauge(m, "lifeboat_backup_volumes",
		    "How many volumes the last backup holds.",
		    (double)r->nvolumes);
}

void
lb_metrics_restore(struct lb_metrics *m, const struct lb_restore_result *r,
    const char *path, long long now)
{
	double last = r->ok ? (double)now : lb_metrics_previous(path,
	    "lifeboat_restore_last_success_timestamp_seconds", -1);

	lb_metrics_gauge(m, "lifeboat_restore_last_run_timestamp_seconds",
	    "When the last restore ended.", (double)now);
	lb_metrics_gauge(m, "lifeboat_restore_success",
	    "1 when the last restore committed.", r->ok);
	if (last >= 0)
		lb_metrics_gauge(m,
		    "lifeboat_restore_last_success_timestamp_seconds",
		    "When the last successful restore ended.", last);
	runs(m, "restore", r->ok, path);
	lb_metrics_gauge(m, "lifeboat_restore_duration_seconds",
	    "How long the last restore took.", r->t_total);
	if (r->have_archive && r->archive_size >= 0)
		lb_metrics_gauge(m, "lifeboat_restore_size_bytes",
		    "The size of the backup the last restore took.",
		    (double)r->archive_size);
	if (r->have_archive && r->archive_time >= 0)
		lb_metrics_gauge(m, "lifeboat_restore_backup_age_seconds",
		    "The age of the backup the last restore took.",
		    (double)(now - r->archive_time));
}
