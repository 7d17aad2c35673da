/*
 * metrics.h: a Prometheus textfile-collector file (node_exporter's
 * --collector.textfile.directory): samples with their HELP and TYPE lines,
 * written whole and atomically (lb_write_atomic), so the collector never
 * reads half of one. Which metrics each verb writes is lifeboat(1)'s table.
 */
#ifndef LB_METRICS_H
#define LB_METRICS_H

#include <stddef.h>

#include "lb.h"

struct lb_metrics {
	char *buf;		/* the text so far; owned */
	size_t len, cap;
	int failed;		/* out of memory: nothing is written */
	char last[96];		/* the metric whose HELP came last */
};

void lb_metrics_init(struct lb_metrics *m);
void lb_metrics_release(struct lb_metrics *m);

/* A metric's "# HELP" and "# TYPE" lines (type "gauge" or "counter");
 * its samples follow. */
void lb_metrics_head(struct lb_metrics *m, const char *name,
    const char *type, const char *help);

/* One sample of the metric named last: "NAME{LABEL="VALUE"} V", or
 * "NAME V" when label is NULL. The label's value is escaped. */
void lb_metrics_sample(struct lb_metrics *m, const char *label,
    const char *value, double v);

/* head and one sample without labels: the common case. */
void lb_metrics_gauge(struct lb_metrics *m, const char *name,
    const char *help, double v);

/* The text into path, atomically, mode 0644. LB_EIO or LB_ENOMEM with
 * err. */
int lb_metrics_write(const struct lb_metrics *m, const char *path,
    struct lb_err *err);

/* The value of the sample "name V" (no labels) in the metrics file at
 * path, as a previous run wrote it, or dflt: counters and the time of the
 * last success carry over from one run to the next. */
double lb_metrics_previous(const char *path, const char *name, double dflt);

/* What 'lifeboat backup' and 'lifeboat restore' write (lifeboat(1)); path
 * is the file that will be replaced, for what carries over; now is the
 * run's end (lb_clock_now). */
struct lb_backup_result;
struct lb_restore_result;
void lb_metrics_backup(struct lb_metrics *m, const struct lb_backup_result *r,
    const char *path, long long now);
void lb_metrics_restore(struct lb_metrics *m,
    const struct lb_restore_result *r, const char *path, long long now);

#endif
