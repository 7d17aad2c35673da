/*
 * status.c: see status.h. The stores are only listed (the catalog), so a
 * status is cheap enough for a monitoring timer; what was proven comes
 * from the history that restores and drills append to.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "clock.h"
#include "history.h"
#include "jread.h"
#include "json.h"
#include "status.h"

/* One store, listed. */
static void
list_store(const struct lb_config *cfg, size_t i, struct lb_status_store *s)
{
	struct lb_config one = *cfg;
	struct lb_catalog cat;
	const struct lb_backup *b;
	const char *st, *why;
	struct lb_err e;
	size_t k;

	one.stores = &cfg->stores[i];
	one.nstores = 1;
	memset(&cat, 0, sizeof(cat));
	lb_err_clear(&e);
	if (lb_catalog_build(&cat, &one, NULL, NULL, &e) != LB_OK ||
	    cat.nfailures > 0) {
		s->error = strdup(cat.nfailures ? cat.failures[0].error :
		    e.msg);
		lb_catalog_release(&cat);
		return;
	}
	s->count = cat.nbackups;
	for (k = 0; k < cat.nbackups; k++) {
		b = &cat.backups[k];
		if (s->oldest < 0 || b->time < s->oldest)
			s->oldest = b->time;
		st = lb_backup_status(&cat, b, &why);
		if (s->newest == NULL && (strcmp(st, "ok") == 0 ||
		    strcmp(st, "age") == 0)) {
			s->newest = strdup(b->name);
			s->newest_time = b->time;
			s->newest_size = b->size;
		}
	}
	lb_catalog_release(&cat);
}

/* What the history says of each store. */
static void
history_line(void *arg, const struct lb_jval *line)
{
	struct lb_status *st = arg;
	struct lb_status_store *s;
	const struct lb_jval *v;
	const char *kind = lb_jread_str(line, "kind"),
	    *store = lb_jread_str(line, "store"),
	    *archive = lb_jread_str(line, "archive"),
	    *result = lb_jread_str(line, "result"), *n, *r;
	long long t = lb_time_parse_iso(lb_jread_str(line, "ended"));
	int ok = result != NULL && strcmp(result, "ok") == 0;
	size_t i;

	if (kind == NULL)
		return;
	for (i = 0; i < st->nstores; i++) {
		s = &st->stores[i];
		if (strcmp(kind, "restore") == 0 && ok && s->newest &&
		    archive != NULL && strcmp(archive, s->newest) == 0 &&
		    t >= s->verified_at) {
			s->verified_at = t;
			s->verified_by = "restore";
		}
		if (strcmp(kind, "drill") != 0 || store == NULL ||
		    strcmp(store, s->name) != 0 || t < s->drill_at)
			continue;
		s->drill_at = t;
		s->drill_ok = ok;
		free(s->drill_archive);
		free(s->drill_error);
		s->drill_archive = archive ? strdup(archive) : NULL;
		n = lb_jread_str(line, "error");
		s->drill_error = n != NULL ? strdup(n) : NULL;
		s->projected_rto = (long long)lb_jread_num(line,
		    "projected_rto_seconds", -1);
		v = lb_jread_get(line, "verified");
		for (v = v != NULL ? v->child : NULL; v != NULL; v = v->next) {
			n = lb_jread_str(v, "name");
			r = lb_jread_str(v, "result");
			if (n && r && s->newest && strcmp(n, s->newest) == 0 &&
			    strcmp(r, "ok") == 0) {
				s->verified_at = t;
				s->verified_by = "drill";
			}
		}
	}
}

/* The objectives, over all stores: a recovery needs one store. */
static void
judge(struct lb_status *st)
{
	long long newest = -1, last = -1;
	int rto_ok = 0;
	size_t i;

	for (i = 0; i < st->nstores; i++) {
		if (st->stores[i].newest_time > newest)
			newest = st->stores[i].newest_time;
		if (st->stores[i].drill_at > last)
			last = st->stores[i].drill_at;
	}
	/* the last drill: any store of it proved the RTO */
	for (i = 0; i < st->nstores; i++)
		if (st->stores[i].drill_at == last && last >= 0 &&
		    st->stores[i].drill_ok && st->stores[i].projected_rto >= 0
		    && st->stores[i].projected_rto <= st->rto)
			rto_ok = 1;
	st->rpo_met = st->rpo < 0 ? -1 : newest >= 0 &&
	    st->now - newest <= st->rpo;
	st->rto_met = st->rto < 0 ? -1 : rto_ok;
}

/* Why the RTO is not proven, into st->err. */
static int
rto_missed(struct lb_status *st)
{
	const struct lb_status_store *s = NULL;
	char a[48], b[48];
	size_t i;

	for (i = 0; i < st->nstores; i++)
		if (st->stores[i].drill_at >= 0 && (s == NULL ||
		    st->stores[i].drill_at > s->drill_at))
			s = &st->stores[i];
	lb_format_duration(st->rto, b, sizeof(b));
	if (s == NULL)
		return lb_err_set(&st->err, LB_EOBJECTIVE, 0, "RTO not "
		    "proven: no drill in the history (RTO %s)", b);
	if (!s->drill_ok)
		return lb_err_set(&st->err, LB_EOBJECTIVE, 0, "RTO not "
		    "proven: the last drill failed: %s", s->drill_error ?
		    s->drill_error : "?");
	lb_format_duration(s->projected_rto, a, sizeof(a));
	return lb_err_set(&st->err, LB_EOBJECTIVE, 0, "RTO missed: the last "
	    "drill projects %s (RTO %s)", a, b);
}

int
lb_status_get(const struct lb_config *cfg, struct lb_status *st)
{
	struct lb_status_store *s;
	const char *hist = lb_config_history(cfg);
	char a[48], b[48];
	long long best;
	size_t i, listed = 0;

	memset(st, 0, sizeof(*st));
	st->now = lb_clock_now();
	st->rpo = lb_config_rpo(cfg);
	st->rto = cfg->rto;
	if ((st->stores = calloc(cfg->nstores + 1, sizeof(*s))) == NULL)
		return st->code = lb_err_set(&st->err, LB_ENOMEM, 0,
		    "out of memory");
	for (i = 0; i < cfg->nstores; i++) {
		s = &st->stores[st->nstores++];
		s->name = strdup(cfg->stores[i].name);
		s->oldest = s->newest_time = s->newest_size = -1;
		s->age = s->verified_at = s->drill_at = -1;
		s->projected_rto = -1;
		list_store(cfg, i, s);
		listed += s->error == NULL;
		if (s->newest_time >= 0)
			s->age = st->now - s->newest_time;
	}
	if (*hist != '\0' && lb_history_each(hist, NULL, history_line, st,
	    &st->err) != LB_OK)
		return st->code = st->err.code;
	judge(st);
	if (listed == 0)
		return st->code = lb_err_set(&st->err, LB_ESTORE, 0, "no store "
		    "could be listed: %s", st->stores[0].error ?
		    st->stores[0].error : "no store");
	if (st->rpo_met == 0) {
		for (i = 0, best = -1; i < st->nstores; i++)
			if (st->stores[i].age >= 0 && (best < 0 ||
			    st->stores[i].age < best))
				best = st->stores[i].age;
		lb_format_duration(st->rpo, b, sizeof(b));
		lb_format_duration(best, a, sizeof(a));
		return st->code = lb_err_set(&st->err, LB_EOBJECTIVE, 0,
		    "RPO missed: %s%s old (RPO %s)", best >= 0 ? "the newest "
		    "valid backup is " : "no valid backup", best >= 0 ? a :
		    "", b);
	}
	if (st->rto_met == 0)
		return st->code = rto_missed(st);
	return LB_OK;
}

static void
store_json(struct lb_json *j, const struct lb_status *st,
    const struct lb_status_store *s)
{
	lb_json_obj(j);
	lb_json_key(j, "name");
	lb_json_str(j, s->name);
	lb_json_key(j, "error");
	lb_json_str(j, s->error);
	lb_json_key(j, "backups");
	lb_json_int(j, (long long)s->count);
	lb_json_time_or_null(j, "oldest", s->oldest);
	lb_json_key(j, "newest_valid");
	lb_json_str(j, s->newest);
	lb_json_time_or_null(j, "newest_valid_time", s->newest_time);
	lb_json_int_or_null(j, "newest_valid_size", s->newest_size);
	lb_json_int_or_null(j, "age_seconds", s->age);
	lb_json_bool_or_null(j, "rpo_met", st->rpo < 0 ? -1 : s->age >= 0 &&
	    s->age <= st->rpo);
	lb_json_time_or_null(j, "verified_at", s->verified_at);
	lb_json_key(j, "verified_by");
	lb_json_str(j, s->verified_at >= 0 ? s->verified_by : NULL);
	lb_json_key(j, "last_drill");
	if (s->drill_at < 0)
		lb_json_str(j, NULL);
	else {
		lb_json_obj(j);
		lb_json_time_or_null(j, "ended", s->drill_at);
		lb_json_key(j, "result");
		lb_json_str(j, s->drill_ok ? "ok" : "failed");
		lb_json_key(j, "archive");
		lb_json_str(j, s->drill_archive);
		lb_json_key(j, "error");
		lb_json_str(j, s->drill_error);
		lb_json_int_or_null(j, "projected_rto_seconds", s->projected_rto);
		lb_json_obj_end(j);
	}
	lb_json_obj_end(j);
}

int
lb_status_json(const struct lb_status *st, char **out)
{
	struct lb_json j;
	size_t i;

	lb_json_init(&j);
	lb_json_obj(&j);
	lb_json_time_or_null(&j, "now", st->now);
	lb_json_key(&j, "result");
	lb_json_str(&j, st->code == LB_OK ? "ok" : "failed");
	lb_json_key(&j, "error");
	lb_json_str(&j, st->code == LB_OK ? NULL : st->err.msg);
	lb_json_int_or_null(&j, "rpo_seconds", st->rpo);
	lb_json_bool_or_null(&j, "rpo_met", st->rpo_met);
	lb_json_int_or_null(&j, "rto_seconds", st->rto);
	lb_json_bool_or_null(&j, "rto_met", st->rto_met);
	lb_json_key(&j, "stores");
	lb_json_arr(&j);
	for (i = 0; i < st->nstores; i++)
		store_json(&j, st, &st->stores[i]);
	lb_json_arr_end(&j);
	lb_json_obj_end(&j);
	if (j.failed) {
		lb_json_release(&j);
		*out = NULL;
		return -1;
	}
	*out = j.buf;
	return 0;
}

/* One sample per store of a value (skipped where it is negative). */
static void
per_store(struct lb_metrics *m, const struct lb_status *st,
    const char *name, const char *help, size_t off)
{
	long long v;
	size_t i;

	lb_metrics_head(m, name, "gauge", help);
	for (i = 0; i < st->nstores; i++) {
		memcpy(&v, (const char *)&st->stores[i] + off, sizeof(v));
		if (v >= 0)
			lb_metrics_sample(m, "store", st->stores[i].name,
			    (double)v);
	}
}

void
lb_status_metrics(const struct lb_status *st, struct lb_metrics *m)
{
	size_t i;

	lb_metrics_gauge(m, "lifeboat_status_last_run_timestamp_seconds",
	    "When lifeboat status last looked at the stores.",
	    (double)st->now);
	lb_metrics_head(m, "lifeboat_store_up", "gauge",
	    "1 when the store could be listed.");
	for (i = 0; i < st->nstores; i++)
		lb_metrics_sample(m, "store", st->stores[i].name,
		    st->stores[i].error == NULL);
	lb_metrics_head(m, "lifeboat_backups", "gauge",
	    "How many backups the store holds.");
	for (i = 0; i < st->nstores; i++)
		if (st->stores[i].error == NULL)
			lb_metrics_sample(m, "store", st->stores[i].name,
			    (double)st->stores[i].count);
	per_store(m, st, "lifeboat_newest_valid_backup_timestamp_seconds",
	    "The time of the store's newest valid backup.",
	    offsetof(struct lb_status_store, newest_time));
	per_store(m, st, "lifeboat_newest_valid_backup_size_bytes",
	    "The size of the store's newest valid backup.",
	    offsetof(struct lb_status_store, newest_size));
	per_store(m, st, "lifeboat_oldest_backup_timestamp_seconds",
	    "The time of the store's oldest backup.",
	    offsetof(struct lb_status_store, oldest));
	per_store(m, st, "lifeboat_newest_valid_backup_verified_timestamp_"
	    "seconds", "When a drill or a restore last proved the newest "
	    "valid backup.", offsetof(struct lb_status_store, verified_at));
	lb_metrics_head(m, "lifeboat_objective_met", "gauge",
	    "1 when the objective of the plan is met (rpo: the newest valid "
	    "backup; rto: the last drill's projection).");
	if (st->rpo_met >= 0)
		lb_metrics_sample(m, "objective", "rpo", st->rpo_met);
	if (st->rto_met >= 0)
		lb_metrics_sample(m, "objective", "rto", st->rto_met);
	if (st->rpo >= 0)
		lb_metrics_gauge(m, "lifeboat_plan_rpo_seconds",
		    "The plan's recovery point objective.", (double)st->rpo);
	if (st->rto >= 0)
		lb_metrics_gauge(m, "lifeboat_plan_rto_seconds",
		    "The plan's recovery time objective.", (double)st->rto);
}

void
lb_status_release(struct lb_status *st)
{
	size_t i;

	for (i = 0; i < st->nstores; i++) {
		free(st->stores[i].name);
		free(st->stores[i].error);
		free(st->stores[i].newest);
		free(st->stores[i].drill_archive);
		free(st->stores[i].drill_error);
	}
	free(st->stores);
	memset(st, 0, sizeof(*st));
}

struct drills {
	struct lb_status_drill *v;
	size_t n, max;
	int failed;
};

static void
drill_line(void *arg, const struct lb_jval *line)
{
	struct drills *d = arg;
	struct lb_status_drill *x;
	const char *s;

	if (d->failed || d->max == 0)
		return;
	if (d->n == d->max) {	/* keep the last max */
		memmove(d->v, d->v + 1, (d->max - 1) * sizeof(*d->v));
		d->n--;
	}
	x = &d->v[d->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->ended, sizeof(x->ended), "%s", (s = lb_jread_str(line,
	    "ended")) ? s : "?");
	snprintf(x->store, sizeof(x->store), "%s", (s = lb_jread_str(line,
	    "store")) ? s : "?");
	snprintf(x->archive, sizeof(x->archive), "%s",
	    (s = lb_jread_str(line, "archive")) ? s : "");
	x->ok = (s = lb_jread_str(line, "result")) && strcmp(s, "ok") == 0;
	x->restore = lb_jread_num(line, "phases.select", 0) +
	    lb_jread_num(line, "phases.transfer", 0) +
	    lb_jread_num(line, "phases.commit", 0);
	x->projected_rto = (long long)lb_jread_num(line,
	    "projected_rto_seconds", -1);
	snprintf(x->error, sizeof(x->error), "%s", (s = lb_jread_str(line,
	    "error")) ? s : "");
}

int
lb_status_drills(const char *path, size_t max, struct lb_status_drill **out,
    size_t *n, struct lb_err *err)
{
	struct drills d = { NULL, 0, max, 0 };
	int r;

	*out = NULL;
	*n = 0;
	if ((d.v = calloc(max + 1, sizeof(*d.v))) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	if (*path != '\0' && (r = lb_history_each(path, "drill", drill_line,
	    &d, err)) != LB_OK) {
		free(d.v);
		return r;
	}
	*out = d.v;
	*n = d.n;
	return LB_OK;
}

int
lb_status_drills_json(const struct lb_status_drill *d, size_t n, char **out)
{
	struct lb_json j;
	size_t i;

	lb_json_init(&j);
	lb_json_arr(&j);
	for (i = 0; i < n; i++) {
		lb_json_obj(&j);
		lb_json_key(&j, "ended");
		lb_json_str(&j, d[i].ended);
		lb_json_key(&j, "store");
		lb_json_str(&j, d[i].store);
		lb_json_key(&j, "archive");
		lb_json_str(&j, d[i].archive[0] ? d[i].archive : NULL);
		lb_json_key(&j, "result");
		lb_json_str(&j, d[i].ok ? "ok" : "failed");
		lb_json_key(&j, "restore_seconds");
		lb_json_num(&j, d[i].restore);
		lb_json_int_or_null(&j, "projected_rto_seconds", d[i].projected_rto);
		lb_json_key(&j, "error");
		lb_json_str(&j, d[i].error[0] ? d[i].error : NULL);
		lb_json_obj_end(&j);
	}
	lb_json_arr_end(&j);
	if (j.failed) {
		lb_json_release(&j);
		*out = NULL;
		return -1;
	}
	*out = j.buf;
	return 0;
}
