/*
 * segr.c: segments fetched, verified and written side by side (see
 * segr.h).
 *
 * Each worker thread takes the next segment in plan order (p1's first)
 * and runs it through a pipe of its own (a ranged read, SHA-256, the
 * decoder) into extract.c, which writes into the staging directory that
 * the whole run shares as its current directory. The caller's thread
 * waits for the groups in order: once every segment holding a group is
 * done, their waiting hard links are made and their directories' times
 * and modes set (only then: a later segment of the same volume would
 * change them), the group's files and bytes are checked against the
 * manifest, and the group goes to group_done.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "jread.h"
#include "segr.h"
#include "strv.h"

struct lb_segr_seg {
	long long off, len;
	char sha256[65];
	struct lb_strv vols;	/* what the manifest says it holds */
	unsigned groups;	/* bit g: it holds some of group g */
	size_t index;		/* its rank in the manifest, for messages */
	int wanted;		/* it holds a volume asked for */
	int state;		/* 0 waiting, 1 running, 2 done, -1 failed */
	long long done;		/* bytes read, for the progress */
	struct lb_extract x;
	struct lb_err err;
	struct lb_segr *sr;
};

/* Is name restored with the --volume filter? A top-level file (Docker's
 * metadata.db) only without one, as extract.c does. */
static int
wanted(const struct lb_segr *sr, const char *name, int is_volume)
{
	size_t i;

	if (sr->nvolumes == 0)
		return 1;
	if (!is_volume)
		return 0;
	for (i = 0; i < sr->nvolumes; i++)
		if (strcmp(sr->volumes[i], name) == 0)
			return 1;
	return 0;
}

/* The group of a name, added when new; -1 when out of memory. */
static long
group_of(struct lb_segr *sr, const char *name)
{
	struct lb_segr_group *g;
	int prio = lb_config_priority(sr->cfg, name);
	size_t i;

	for (i = 0; i < sr->ngroups; i++)
		if (sr->groups[i].priority == prio)
			return (long)i;
	if ((g = realloc(sr->groups, (sr->ngroups + 1) * sizeof(*g))) == NULL)
		return -1;
	sr->groups = g;
	/* kept in priority order */
	for (i = 0; i < sr->ngroups && g[i].priority < prio; i++)
		;
	memmove(&g[i + 1], &g[i], (sr->ngroups - i) * sizeof(*g));
	memset(&g[i], 0, sizeof(*g));
	g[i].priority = prio;
	sr->ngroups++;
	return (long)i;
}

static long
find_group(const struct lb_segr *sr, const char *name)
{
	size_t i, k;

	for (i = 0; i < sr->ngroups; i++)
		for (k = 0; k < sr->groups[i].names.n; k++)
			if (strcmp(sr->groups[i].names.v[k], name) == 0)
				return (long)i;
	return -1;
}

/* The manifest's volumes, wanted ones into their groups. */
static int
plan_volumes(struct lb_segr *sr, const struct lb_jval *vols, char *why,
    size_t wl)
{
	const struct lb_jval *v;
	const char *name, *kind;
	long g;

	if (vols == NULL || vols->type != LB_JARR) {
		snprintf(why, wl, "it lists no volumes");
		return -1;
	}
	for (v = vols->child; v != NULL; v = v->next) {
		if ((name = lb_jread_str(v, "name")) == NULL ||
		    (kind = lb_jread_str(v, "kind")) == NULL) {
			snprintf(why, wl, "a volume without a name or kind");
			return -1;
		}
		if (!wanted(sr, name, strcmp(kind, "volume") == 0))
			continue;
		if ((g = group_of(sr, name)) < 0 ||
		    lb_strv_add(&sr->groups[g].names, name) != 0) {
			snprintf(why, wl, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* One segment of the manifest into s. */
static int
plan_segment(struct lb_segr *sr, const struct lb_jval *j,
    struct lb_segr_seg *s, long long at, char *why, size_t wl)
{
	const struct lb_jval *vols, *v;
	const char *sha = lb_jread_str(j, "sha256");
	long g;

	s->off = lb_jread_int(j, "offset", -1);
	s->len = lb_jread_int(j, "length", -1);
	vols = lb_jread_get(j, "volumes");
	if (s->off != at || s->len <= 0 || sha == NULL || strlen(sha) != 64 ||
	    vols == NULL || vols->type != LB_JARR) {
		snprintf(why, wl, "segment %zu does not follow the one before "
		    "it, or lacks its length, digest or volumes", s->index + 1);
		return -1;
	}
	memcpy(s->sha256, sha, 65);
	for (v = vols->child; v != NULL; v = v->next) {
		if (v->type != LB_JSTR ||
		    lb_strv_add(&s->vols, v->str) != 0) {
			snprintf(why, wl, "segment %zu: a volume that is no "
			    "name, or out of memory", s->index + 1);
			return -1;
		}
		if ((g = find_group(sr, v->str)) >= 0) {
			s->groups |= 1u << g;
			s->wanted = 1;
		}
	}
	return 0;
}

static int
cmp_segs(const void *a, const void *b)
{
	const struct lb_segr_seg *x = a, *y = b;
	int gx = x->groups ? __builtin_ctz(x->groups) : 99;
	int gy = y->groups ? __builtin_ctz(y->groups) : 99;

	if (gx != gy)
		return gx - gy;
	return x->off < y->off ? -1 : x->off > y->off;
}

int
lb_segr_plan(struct lb_segr *sr, const char *text, size_t len,
    const char *sha256, long long size, char *why, size_t wl)
{
	const struct lb_jval *segs, *v;
	struct lb_jval *j = NULL;
	const char *fmt, *sum;
	long long at = 0;
	size_t i, n = 0;
	int r = -1;

	if (lb_jread_parse(text, len, &j, why, wl) != 0)
		return -1;
	fmt = lb_jread_str(j, "format");
	sum = lb_jread_str(j, "sha256");
	segs = lb_jread_get(j, "segments");
	if (fmt == NULL || strcmp(fmt, "lifeboat-manifest-1") != 0 ||
	    segs == NULL || segs->type != LB_JARR) {
		snprintf(why, wl, "not a lifeboat-manifest-1 with segments");
		goto out;
	}
	if (sum == NULL || strcmp(sum, sha256) != 0) {
		snprintf(why, wl, "it describes another archive (its digest "
		    "is not the sidecar's)");
		goto out;
	}
	if (plan_volumes(sr, lb_jread_get(j, "volumes"), why, wl) != 0)
		goto out;
	if (sr->ngroups > 8 * sizeof(unsigned)) {
		snprintf(why, wl, "too many groups");
		goto out;
	}
	for (v = segs->child; v != NULL; v = v->next)
		n++;
	if (n == 0 || (sr->segs = calloc(n, sizeof(*sr->segs))) == NULL) {
		snprintf(why, wl, n ? "out of memory" : "no segments");
		goto out;
	}
	for (v = segs->child; v != NULL; v = v->next, sr->nsegs++) {
		struct lb_segr_seg *s = &sr->segs[sr->nsegs];

		s->index = sr->nsegs;
		s->sr = sr;
		if (plan_segment(sr, v, s, at, why, wl) != 0) {
			sr->nsegs++;
			goto out;
		}
		at += s->len;
	}
	if ((size >= 0 && at != size) || at != lb_jread_int(j, "size", -1)) {
		snprintf(why, wl, "its segments cover %lld bytes, the archive "
		    "has %lld", at, size >= 0 ? size : lb_jread_int(j, "size",
		    -1));
		goto out;
	}
	for (i = 0; i < sr->nsegs; i++) {
		struct lb_segr_seg *s = &sr->segs[i];
		size_t g;

		for (g = 0; g < sr->ngroups; g++)
			if (s->groups & (1u << g)) {
				sr->groups[g].nsegments++;
				sr->groups[g].bytes += s->len;
			}
		if (s->wanted)
			sr->total += s->len;
	}
	/* the scheduling order: p1's segments first */
	qsort(sr->segs, sr->nsegs, sizeof(*sr->segs), cmp_segs);
	for (i = 0; i < sr->nsegs; i++)
		sr->segs[i].sr = sr;
	sr->manifest = j;
	j = NULL;
	r = 0;
out:
	lb_jread_free(j);
	return r;
}

static void
seg_progress(void *arg, long long done, long long total)
{
	struct lb_segr_seg *s = arg;

	(void)total;
	pthread_mutex_lock(&s->sr->mu);
	s->done = done;
	pthread_mutex_unlock(&s->sr->mu);
}

/* One pass over segment s: 0, or err set. */
static int
seg_pass(struct lb_segr *sr, struct lb_segr_seg *s, struct lb_err *err)
{
	struct lb_pipe *p = NULL;
	char hex[65] = "";
	long long bytes = -1;
	int r;

	r = lb_pipe_start_range(&p, sr->store, sr->name, s->off, s->len,
	    LB_PIPE_DECODE, seg_progress, s, err);
	if (r == LB_OK)
		r = lb_extract_run(&s->x, p, err);
	if (r == LB_OK)
		r = lb_pipe_finish(p, hex, &bytes, err);
	/* damaged in the store: say that, not what the decoder tripped on */
	if (r == LB_EVERIFY && lb_pipe_drained(p, hex, &bytes) == 0 &&
	    (bytes != s->len || strcmp(hex, s->sha256) != 0))
		r = LB_OK;
	lb_pipe_free(p);
	if (r == LB_OK && bytes != s->len)
		r = lb_err_set(err, LB_EVERIFY, 0, "read %lld bytes, the "
		    "manifest says %lld", bytes, s->len);
	else if (r == LB_OK && strcmp(hex, s->sha256) != 0)
		r = lb_err_set(err, LB_EVERIFY, 0, "SHA-256 mismatch: the "
		    "manifest says %.12s..., the segment is %.12s...",
		    s->sha256, hex);
	return r;
}

/* Segment s, once more from its first byte when the server cannot
 * resume; its error names it. */
static int
seg_run(struct lb_segr *sr, struct lb_segr_seg *s)
{
	char msg[LB_ERR_MSG];
	struct lb_err e;
	int r;

	s->x.cfg = sr->cfg;
	s->x.layout = LB_LAYOUT_DOCKER;
	s->x.volumes = sr->volumes;
	s->x.nvolumes = sr->nvolumes;
	s->x.staging = sr->staging;
	s->x.notice = sr->notice;
	s->x.notice_arg = sr->notice_arg;
	s->x.segment = 1;
	s->x.only = s->vols.v;
	s->x.nonly = s->vols.n;
	lb_err_clear(&e);
	r = seg_pass(sr, s, &e);
	if (r == LB_ERESTART && !lb_stop_requested) {
		lb_extract_release(&s->x);
		lb_err_clear(&e);
		r = seg_pass(sr, s, &e);
	}
	if (r != LB_OK) {
		snprintf(msg, sizeof(msg), "%s", e.msg);
		lb_err_set(&s->err, e.code, e.errnum, "segment %zu (bytes "
		    "%lld-%lld, '%s'): %s", s->index + 1, s->off, s->off +
		    s->len - 1, s->vols.n ? s->vols.v[0] : "", msg);
	}
	return r;
}

static void *
worker(void *arg)
{
	struct lb_segr *sr = arg;
	struct lb_segr_seg *s;
	int r;

	for (;;) {
		pthread_mutex_lock(&sr->mu);
		while (sr->next < sr->nsegs && !sr->segs[sr->next].wanted)
			sr->next++;
		if (sr->stop || sr->next >= sr->nsegs) {
			pthread_mutex_unlock(&sr->mu);
			return NULL;
		}
		s = &sr->segs[sr->next++];
		s->state = 1;
		pthread_mutex_unlock(&sr->mu);
		r = seg_run(sr, s);
		pthread_mutex_lock(&sr->mu);
		s->state = r == LB_OK ? 2 : -1;
		pthread_cond_broadcast(&sr->cv);
		pthread_mutex_unlock(&sr->mu);
	}
}

/* Wait until every segment of group g is done (0) or one failed (its
 * index + 1), telling the progress meanwhile. */
static size_t
wait_group(struct lb_segr *sr, size_t g)
{
	struct timespec ts;
	long long done;
	size_t i, pending, failed;

	pthread_mutex_lock(&sr->mu);
	for (;;) {
		pending = failed = 0;
		done = 0;
		for (i = 0; i < sr->nsegs; i++) {
			struct lb_segr_seg *s = &sr->segs[i];

			done += s->state >= 2 ? s->len : s->done;
			if (!(s->groups & (1u << g)))
				continue;
			if (s->state == -1 && failed == 0)
				failed = i + 1;
			else if (s->state < 2)
				pending++;
		}
		if (failed || pending == 0 || lb_stop_requested)
			break;
		pthread_mutex_unlock(&sr->mu);
		if (sr->progress != NULL)
			sr->progress(sr->progress_arg, done, sr->total);
		pthread_mutex_lock(&sr->mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&sr->cv, &sr->mu, &ts);
	}
	pthread_mutex_unlock(&sr->mu);
	if (sr->progress != NULL && failed == 0 && g + 1 == sr->ngroups)
		sr->progress(sr->progress_arg, sr->total, sr->total);
	return failed;
}

/* Segment s's items into the run's. */
static int
merge(struct lb_segr *sr, const struct lb_extract *x)
{
	struct lb_volume_result *v;
	size_t i, k;

	for (i = 0; i < x->nitems; i++) {
		for (k = 0; k < sr->nitems; k++)
			if (strcmp(sr->items[k].name, x->items[i].name) == 0)
				break;
		if (k == sr->nitems) {
			v = realloc(sr->items, (sr->nitems + 1) * sizeof(*v));
			if (v == NULL)
				return -1;
			sr->items = v;
			v += sr->nitems;
			*v = x->items[i];
			if ((v->name = strdup(x->items[i].name)) == NULL)
				return -1;
			v->files = v->bytes = 0;
			sr->nitems++;
		}
		sr->items[k].files += x->items[i].files;
		sr->items[k].bytes += x->items[i].bytes;
	}
	return 0;
}

/* Group g's names against the manifest's counts (in j), and against what
 * its segments held. */
static int
check_counts(struct lb_segr *sr, size_t g, const struct lb_jval *vols,
    struct lb_err *err)
{
	const struct lb_segr_group *gr = &sr->groups[g];
	const struct lb_jval *v;
	const char *vn;
	size_t i, k;

	for (k = 0; k < gr->names.n; k++) {
		for (i = 0; i < sr->nitems; i++)
			if (strcmp(sr->items[i].name, gr->names.v[k]) == 0)
				break;
		if (i == sr->nitems)
			return lb_err_set(err, LB_EVERIFY, 0, "the manifest "
			    "lists '%s', which the archive does not hold",
			    gr->names.v[k]);
		for (v = vols->child; v != NULL; v = v->next)
			if ((vn = lb_jread_str(v, "name")) != NULL &&
			    strcmp(vn, gr->names.v[k]) == 0)
				break;
		if (v == NULL)
			continue;
		if (sr->items[i].files != lb_jread_int(v, "files", -1) ||
		    sr->items[i].bytes != lb_jread_int(v, "bytes", -1))
			return lb_err_set(err, LB_EVERIFY, 0, "'%s': the "
			    "manifest says %lld files and %lld bytes, the "
			    "archive held %lld files and %lld bytes",
			    gr->names.v[k], lb_jread_int(v, "files", -1),
			    lb_jread_int(v, "bytes", -1), sr->items[i].files,
			    sr->items[i].bytes);
	}
	return LB_OK;
}

/* Group g is written: its segments finished, merged and counted. */
static int
close_group(struct lb_segr *sr, size_t g, const struct lb_jval *vols,
    struct lb_err *err)
{
	size_t i;
	int r;

	for (i = 0; i < sr->nsegs; i++)
		if ((sr->segs[i].groups & (1u << g)) &&
		    sr->segs[i].state == 2 &&
		    (r = lb_extract_links(&sr->segs[i].x, err)) != LB_OK)
			return r;
	for (i = 0; i < sr->nsegs; i++) {
		struct lb_segr_seg *s = &sr->segs[i];

		if (!(s->groups & (1u << g)) || s->state != 2)
			continue;
		/* a segment of two groups is finished with the first */
		if ((r = lb_extract_finish(&s->x, err)) != LB_OK)
			return r;
		if (merge(sr, &s->x) != 0)
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		lb_extract_release(&s->x);
		s->state = 3;
	}
	return check_counts(sr, g, vols, err);
}

/* The groups in order, each handed on once whole. */
static int
groups(struct lb_segr *sr, const struct lb_jval *vols, struct lb_err *err)
{
	size_t g, f;
	int r;

	for (g = 0; g < sr->ngroups; g++) {
		sr->failed_group = g;
		if ((f = wait_group(sr, g)) != 0) {
			*err = sr->segs[f - 1].err;
			sr->groups[g].failed = 1;
			return err->code;
		}
		if (lb_stop_requested)
			return lb_err_set(err, LB_EINTR, 0, "interrupted");
		if ((r = close_group(sr, g, vols, err)) != LB_OK) {
			sr->groups[g].failed = 1;
			return r;
		}
		sr->groups[g].verified = 1;
		if (sr->group_done != NULL) {
			if ((r = sr->group_done(sr->arg, sr, g, err)) != LB_OK)
				return r;
			sr->groups[g].live = 1;
			sr->groups[g].t_live = lb_clock_mono() - sr->t0;
		}
	}
	return LB_OK;
}

int
lb_segr_run(struct lb_segr *sr, struct lb_err *err)
{
	pthread_t th[LB_SEGR_MAX_CONNECTIONS];
	size_t i, n = 0, nw = 0;
	int cwd = -1, r;

	for (i = 0; i < sr->nsegs; i++)
		nw += sr->segs[i].wanted;
	n = (size_t)sr->connections;
	if (n < 1)
		n = 1;
	if (n > LB_SEGR_MAX_CONNECTIONS)
		n = LB_SEGR_MAX_CONNECTIONS;
	if (n > nw)
		n = nw;
	pthread_mutex_init(&sr->mu, NULL);
	pthread_cond_init(&sr->cv, NULL);
	if (sr->staging != NULL) {
		/* every segment writes relative to the staging */
		cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cwd < 0 || chdir(sr->staging) != 0) {
			r = lb_err_set(err, LB_EDEST, errno, "cannot enter "
			    "'%s'", sr->staging);
			goto out;
		}
	}
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, worker, sr) != 0)
			break;
	n = i;
	if (n == 0 && nw > 0)
		r = lb_err_set(err, LB_EFAIL, 0, "cannot start a thread");
	else
		r = groups(sr, lb_jread_get(sr->manifest,
		    "volumes"), err);
	pthread_mutex_lock(&sr->mu);
	sr->stop = 1;
	pthread_mutex_unlock(&sr->mu);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	/* the writers of what failed are closed here, in the staging */
	for (i = 0; i < sr->nsegs; i++) {
		struct lb_segr_seg *s = &sr->segs[i];

		if (s->x.writer != NULL || s->x.nlater || s->x.ndirs)
			lb_extract_release(&s->x);
	}
out:
	if (cwd >= 0) {
		if (fchdir(cwd) != 0 && r == LB_OK)
			r = lb_err_set(err, LB_EFAIL, errno, "fchdir");
		close(cwd);
	}
	pthread_mutex_destroy(&sr->mu);
	pthread_cond_destroy(&sr->cv);
	return r;
}

void
lb_segr_release(struct lb_segr *sr)
{
	size_t i;

	for (i = 0; i < sr->nsegs; i++) {
		lb_extract_release(&sr->segs[i].x);
		lb_strv_release(&sr->segs[i].vols, 0);
	}
	free(sr->segs);
	for (i = 0; i < sr->ngroups; i++)
		lb_strv_release(&sr->groups[i].names, 0);
	free(sr->groups);
	for (i = 0; i < sr->nitems; i++)
		free(sr->items[i].name);
	free(sr->items);
	lb_jread_free(sr->manifest);
	sr->segs = NULL;
	sr->groups = NULL;
	sr->items = NULL;
	sr->manifest = NULL;
	sr->nsegs = sr->ngroups = sr->nitems = 0;
}
