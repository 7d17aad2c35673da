/*
 * metrics.c: see metrics.h. The exposition format is text: one line per
 * sample, label values escaped (backslash, double quote, newline), numbers
 * as Go's strconv would read them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "metrics.h"

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
