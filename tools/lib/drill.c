/*
 * drill.c: see drill.h. A drill is no second restore path: it is
 * lb_restore, once per backup verified (LB_MODE_VERIFY_DEEP) and once into
 * the scratch tree, with what only a drill needs around it: where the
 * scratch tree may go, the walk of what landed on disk against the
 * manifest, the probes, the projected recovery time and the verdict.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "clock.h"
#include "drill.h"
#include "files.h"
#include "history.h"
#include "jread.h"
#include "json.h"
#include "proc.h"
#include "store.h"
#include "txn.h"

/* The drill judges a backup's age itself, against the RPO and on its own
 * clock: the restore is told no maximum (nor to warn of old ones). */
#define NO_MAX_AGE (LLONG_MAX / 4)

static void
say(const struct lb_drill_opts *o, enum lb_notice_level l, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
say(const struct lb_drill_opts *o, enum lb_notice_level l, const char *fmt,
    ...)
{
	char msg[1024];
	va_list ap;

	if (o->notice == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->notice(o->notice_arg, l, msg);
}

/* Which failure a drill's exit status tells, when there are several:
 * the order of lifeboat(1); the lower, the more serious. */
static int
rank(int code)
{
	static const int order[] = { LB_EUSAGE, LB_EINTR, LB_ESTORE,
		LB_ENOBACKUP, LB_EDEST, LB_EVERIFY, LB_ECHECK, LB_EOBJECTIVE };
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (order[i] == code)
			return (int)i;
	return code == LB_OK ? 100 : -1;
}

/* A reason why the store's drill failed, with the code it stands for:
 * the most serious is the store's code. */
static void
fail(struct lb_drill_store *ds, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fail(struct lb_drill_store *ds, int code, const char *fmt, ...)
{
	char msg[LB_ERR_MSG + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rank(code) < rank(ds->code))
		ds->code = code;
	if (ds->nreasons < sizeof(ds->reasons) / sizeof(ds->reasons[0])) {
		ds->codes[ds->nreasons] = code;
		ds->reasons[ds->nreasons++] = strdup(msg);
	}
}

/* Is path dir itself or inside it? Both absolute, without a trailing
 * slash. */
static int
inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '\0' ||
	    path[n] == '/' || n == 1);
}

/* path, absolute (from the working directory), into buf. */
static void
absolute(const char *path, char *buf, size_t len)
{
	char cwd[PATH_MAX];

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		snprintf(buf, len, "%s", path);
	else
		snprintf(buf, len, "%s/%s", cwd, path);
	while (strlen(buf) > 1 && buf[strlen(buf) - 1] == '/')
		buf[strlen(buf) - 1] = '\0';
}

/* Is dir (absolute) inside the live volumes or their work area, as
 * written or once resolved? */
static int
in_live(const char *dir, const char *live)
{
	char rl[PATH_MAX], al[PATH_MAX], work[PATH_MAX + 16];

	absolute(live, al, sizeof(al));
	snprintf(work, sizeof(work), "%s.lifeboat", al);
	if (inside(dir, al) || inside(dir, work))
		return 1;
	if (realpath(live, rl) == NULL)
		return 0;
	snprintf(work, sizeof(work), "%s.lifeboat", rl);
	return inside(dir, rl) || inside(dir, work);
}

/* The directory the scratch tree goes in, resolved, refused inside the
 * live volumes (or their work area beside them), before anything is
 * made there. */
static int
scratch_parent(const struct lb_drill_opts *o, char *buf, size_t len,
    struct lb_err *err)
{
	const struct lb_config *cfg = o->cfg;
	const char *p = o->scratch != NULL ? o->scratch : cfg->scratch !=
	    NULL ? cfg->scratch : "/var/tmp";
	const char *live = cfg->dest != NULL ? cfg->dest : LB_DEFAULT_DEST;
	char ap[PATH_MAX], rp[PATH_MAX];

	absolute(p, ap, sizeof(ap));
	if (in_live(ap, live) || (realpath(p, rp) != NULL &&
	    in_live(rp, live)))
		return lb_err_set(err, LB_EDEST, 0, "the scratch directory "
		    "'%s' is inside the live volumes '%s': a drill never "
		    "writes there", p, live);
	if (lb_mkdirs(p, 0700) != 0 || realpath(p, rp) == NULL)
		return lb_err_set(err, LB_EDEST, errno, "cannot use the scratch "
		    "directory '%s'", p);
	/* made through a symbolic link into them after all? */
	if (in_live(rp, live)) {
		rmdir(rp);
		return lb_err_set(err, LB_EDEST, 0, "the scratch directory "
		    "'%s' is inside the live volumes '%s': a drill never "
		    "writes there", p, live);
	}
	if (snprintf(buf, len, "%s", rp) >= (int)len)
		return lb_err_set(err, LB_EDEST, 0, "'%s': path too long", p);
	return LB_OK;
}

/* The manifest of b (NULL when it has none), parsed; *total the sum of
 * its volumes' bytes. The restore checks its digest; this is only for the
 * room needed and the walk, so a bad one is simply not used. */
static struct lb_jval *
manifest_of(struct lb_catalog *cat, const struct lb_backup *b,
    long long *total)
{
	const struct lb_jval *vols, *v;
	struct lb_jval *j = NULL;
	struct lb_err e;
	char *text = NULL;
	size_t len;

	*total = -1;
	if (b->manifest == NULL || cat->stores[b->store] == NULL ||
	    lb_store_read_small(cat->stores[b->store], b->manifest, 4 << 20,
	    &text, &len, &e) != LB_OK)
		return NULL;
	if (lb_jread_parse(text, len, &j, NULL, 0) == 0 &&
	    (vols = lb_jread_get(j, "volumes")) != NULL &&
	    vols->type == LB_JARR) {
		*total = 0;
		for (v = vols->child; v != NULL; v = v->next)
			*total += (long long)lb_jread_num(v, "bytes", 0);
	}
	free(text);
	return j;
}

/* Room for need bytes on the filesystem of dir? */
static int
room(const char *dir, long long need, struct lb_err *err)
{
	struct statvfs fs;
	long long avail;
	char a[32], n[32];

	if (statvfs(dir, &fs) != 0)
		return lb_err_set(err, LB_EDEST, errno, "cannot stat the "
		    "filesystem of '%s'", dir);
	avail = (long long)fs.f_bavail * (long long)fs.f_frsize;
	if (need > avail) {
		snprintf(a, sizeof(a), "%lld", avail);
		snprintf(n, sizeof(n), "%lld", need);
		return lb_err_set(err, LB_EDEST, ENOSPC, "no room for the "
		    "drill in '%s': %s bytes free, the backup holds %s bytes",
		    dir, a, n);
	}
	return LB_OK;
}

/* The walk of one restored volume: nftw has no argument, and a drill runs
 * in one thread. Hard links' bytes count once, as the manifest counts. */
static struct {
	long long files, bytes;
	struct { dev_t dev; ino_t ino; } *seen;
	size_t nseen, cap;
	int failed;
} walk;

static int
walk_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	size_t i;
	void *p;

	(void)path;
	(void)f;
	if (flag == FTW_D || flag == FTW_DP)
		return 0;
	if (flag == FTW_NS || flag == FTW_DNR) {
		walk.failed = 1;
		return 0;
	}
	walk.files++;
	if (!S_ISREG(st->st_mode))
		return 0;
	if (st->st_nlink > 1) {
		for (i = 0; i < walk.nseen; i++)
			if (walk.seen[i].dev == st->st_dev &&
			    walk.seen[i].ino == st->st_ino)
				return 0;
		if (walk.nseen == walk.cap) {
			walk.cap = walk.cap ? walk.cap * 2 : 64;
			if ((p = realloc(walk.seen, walk.cap *
			    sizeof(*walk.seen))) == NULL) {
				walk.failed = 1;
				return 0;
			}
			walk.seen = p;
		}
		walk.seen[walk.nseen].dev = st->st_dev;
		walk.seen[walk.nseen++].ino = st->st_ino;
	}
	walk.bytes += st->st_size;
	return 0;
}

/* What the scratch tree holds, volume by volume, against the manifest:
 * 0, or -1 with ds failed. */
static int
check_disk(struct lb_drill_store *ds, const char *dest,
    const struct lb_jval *man)
{
	const struct lb_jval *vols = lb_jread_get(man, "volumes"), *v;
	char p[PATH_MAX];
	const char *name;
	long long files, bytes;

	if (vols == NULL || vols->type != LB_JARR)
		return 0;
	for (v = vols->child; v != NULL; v = v->next) {
		if ((name = lb_jread_str(v, "name")) == NULL)
			continue;
		files = (long long)lb_jread_num(v, "files", -1);
		bytes = (long long)lb_jread_num(v, "bytes", -1);
		memset(&walk, 0, sizeof(walk));
		snprintf(p, sizeof(p), "%s/%s", dest, name);
		if (nftw(p, walk_one, 32, FTW_PHYS) != 0)
			walk.failed = 1;
		free(walk.seen);
		ds->files += walk.files;
		ds->bytes += walk.bytes;
		if (walk.failed || walk.files != files ||
		    walk.bytes != bytes) {
			fail(ds, LB_EVERIFY, "'%s' on disk after the restore: "
			    "%lld files and %lld bytes, the manifest says "
			    "%lld files and %lld bytes%s", name, walk.files,
			    walk.bytes, files, bytes, walk.failed ?
			    " (some could not be read)" : "");
			return -1;
		}
	}
	ds->manifest_checked = 1;
	return 0;
}

/* Every "{root}" of word replaced by root; NULL when out of memory. */
static char *
expand(const char *word, const char *root)
{
	size_t n = 0, rl = strlen(root);
	const char *s, *t;
	char *out, *d;

	for (s = word; (t = strstr(s, "{root}")) != NULL; s = t + 6)
		n++;
	if ((out = malloc(strlen(word) + n * rl + 1)) == NULL)
		return NULL;
	for (s = word, d = out; (t = strstr(s, "{root}")) != NULL; s = t + 6) {
		memcpy(d, s, (size_t)(t - s));
		d += t - s;
		memcpy(d, root, rl);
		d += rl;
	}
	memcpy(d, s, strlen(s) + 1);
	return out;
}

/* Was a volume of that name restored? */
static int
has_volume(const struct lb_restore_result *rr, const char *name)
{
	size_t i;

	for (i = 0; i < rr->nvolumes; i++)
		if (strcmp(rr->volumes[i].name, name) == 0)
			return 1;
	return 0;
}

/* One probe on the restored volumes (dest); step filled. */
static void
probe(const struct lb_probe_conf *pc, const char *dest, const char *cwd,
    const struct lb_restore_result *rr, struct lb_drill_step *st)
{
	struct lb_proc_opts po;
	struct lb_proc_result r;
	struct lb_err e;
	char **argv = NULL, *tmp, why[LB_ERR_MSG + 64];
	size_t i, argc;

	st->name = strdup(pc->name);
	why[0] = '\0';
	if (pc->volume != NULL && !has_volume(rr, pc->volume))
		snprintf(why, sizeof(why), "it needs the volume '%s', which "
		    "the backup does not hold", pc->volume);
	else if (lb_split_words(pc->command, &argv, &argc, &e) != LB_OK)
		snprintf(why, sizeof(why), "%s", e.msg);
	if (why[0] != '\0')
		goto out;
	for (i = 0; i < argc; i++) {
		if ((tmp = expand(argv[i], dest)) == NULL) {
			snprintf(why, sizeof(why), "out of memory");
			goto out;
		}
		free(argv[i]);
		argv[i] = tmp;
	}
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.cwd = cwd;
	po.timeout = (double)pc->timeout;
	if (lb_proc_run(&po, &r, &e) != LB_OK)
		snprintf(why, sizeof(why), "%s", e.msg);
	else if (r.timed_out)
		snprintf(why, sizeof(why), "timed out after %lld s",
		    pc->timeout);
	else if (r.status != 0)
		snprintf(why, sizeof(why), "%s %d%s%s", r.status < 0 ?
		    "killed by signal" : "exit status", r.status < 0 ?
		    r.signal : r.status, r.last[0] ? ": " : "", r.last);
	st->seconds = r.seconds;
	lb_proc_result_release(&r);
out:
	lb_words_free(argv);
	st->ok = why[0] == '\0';
	if (!st->ok)
		st->reason = strdup(why);
}

/* The store's newest verify_latest backups, decoded to their last byte;
 * the name of the newest that passed (NULL when none did). */
static const char *
verify_latest(const struct lb_drill_opts *o, const struct lb_config *one,
    const struct lb_catalog *cat, struct lb_drill_store *ds)
{
	struct lb_restore_opts ro;
	struct lb_restore_result rr;
	struct lb_drill_step *st;
	const char *best = NULL;
	double t = lb_clock_mono();
	size_t i;

	ds->verified = calloc((size_t)o->cfg->verify_latest, sizeof(*st));
	for (i = 0; ds->verified != NULL && i < cat->nbackups &&
	    ds->nverified < (size_t)o->cfg->verify_latest; i++) {
		if (cat->backups[i].refused != NULL || lb_stop_requested)
			continue;
		memset(&ro, 0, sizeof(ro));
		ro.cfg = one;
		ro.mode = LB_MODE_VERIFY_DEEP;
		ro.name = cat->backups[i].name;
		ro.max_age = NO_MAX_AGE;
		ro.layout = one->layout;
		ro.age_keys = o->age_keys;
		ro.notice = o->notice;
		ro.notice_arg = o->notice_arg;
		st = &ds->verified[ds->nverified++];
		st->name = strdup(ro.name);
		lb_restore(&ro, &rr);
		st->seconds = rr.t_total;
		st->ok = rr.ok;
		if (rr.ok && best == NULL)
			best = cat->backups[i].name;
		if (!rr.ok) {
			st->reason = strdup(rr.nrejected > 0 ?
			    rr.rejected[rr.nrejected - 1].reason : rr.err.msg);
			/* a store that fails, or a signal, is not the
			 * backup's fault */
			fail(ds, rr.err.code == LB_ESTORE || rr.err.code ==
			    LB_EINTR || rr.err.code == LB_ENOMEM ?
			    rr.err.code : LB_EVERIFY, "'%s' failed "
			    "verification: %s", ro.name, st->reason != NULL ?
			    st->reason : "?");
		}
		lb_restore_result_release(&rr);
	}
	ds->t_verify = lb_clock_mono() - t;
	return best;
}

/* The restore into the scratch tree, through the restore engine. */
static int
restore_scratch(const struct lb_drill_opts *o, const struct lb_config *one,
    const char *name, const char *dest, struct lb_drill_store *ds,
    struct lb_restore_result *rr)
{
	struct lb_restore_opts ro;

	memset(&ro, 0, sizeof(ro));
	ro.cfg = one;
	ro.mode = LB_MODE_RESTORE;
	ro.name = name;
	ro.dest = dest;
	ro.max_age = NO_MAX_AGE;
	ro.layout = one->layout;
	ro.age_keys = o->age_keys;
	ro.progress = o->progress;
	ro.progress_arg = o->progress_arg;
	ro.notice = o->notice;
	ro.notice_arg = o->notice_arg;
	ro.event = o->event;
	lb_restore(&ro, rr);
	ds->t_select = rr->t_select;
	ds->t_transfer = rr->t_transfer;
	ds->t_commit = rr->t_commit;
	if (rr->have_archive) {
		ds->archive = strdup(rr->archive_name);
		ds->archive_time = rr->archive_time;
		ds->archive_size = rr->archive_size;
		ds->integrity = rr->integrity;
		snprintf(ds->authenticity, sizeof(ds->authenticity), "%s",
		    rr->authenticity);
	}
	if (!rr->ok) {
		fail(ds, rr->err.code, "the restore into '%s' failed: %s",
		    dest, rr->err.msg);
		return -1;
	}
	ds->restored = 1;
	return 0;
}

/* The projected recovery time and the objectives. */
static void
judge(const struct lb_drill_result *res, struct lb_drill_store *ds,
    long long now)
{
	double secs = ds->t_transfer + ds->t_commit;
	char a[48], b[48];

	if (ds->archive != NULL && ds->archive_time >= 0)
		ds->age = now - ds->archive_time;
	if (ds->restored && ds->archive_size > 0 && secs > 0) {
		ds->rate = (double)ds->archive_size / secs;
		ds->restore_projected = (long long)((double)ds->archive_size /
		    ds->rate + 0.999);
		ds->projected_rto = ds->restore_projected +
		    (res->provision > 0 ? res->provision : 0) +
		    (res->boot > 0 ? res->boot : 0) +
		    (res->handoff > 0 ? res->handoff : 0);
	} else if (ds->restored)
		ds->restore_projected = ds->projected_rto = 0;
	if (res->rpo >= 0 && ds->age >= 0) {
		ds->rpo_met = ds->age <= res->rpo;
		if (!ds->rpo_met) {
			lb_format_duration(ds->age, a, sizeof(a));
			lb_format_duration(res->rpo, b, sizeof(b));
			fail(ds, LB_EOBJECTIVE, "RPO missed: the newest valid "
			    "backup '%s' is %s old (RPO %s)", ds->archive, a,
			    b);
		}
	}
	if (res->rto >= 0 && ds->projected_rto >= 0) {
		ds->rto_met = ds->projected_rto <= res->rto;
		if (!ds->rto_met) {
			lb_format_duration(ds->projected_rto, a, sizeof(a));
			lb_format_duration(res->rto, b, sizeof(b));
			fail(ds, LB_EOBJECTIVE, "RTO missed: the projected "
			    "recovery takes %s (RTO %s)", a, b);
		}
	}
}

/* The probes, in the scratch tree. */
static void
run_probes(const struct lb_drill_opts *o, struct lb_drill_store *ds,
    const char *dest, const struct lb_restore_result *rr)
{
	const struct lb_config *cfg = o->cfg;
	struct lb_drill_step *st;
	double t = lb_clock_mono();
	size_t i;

	if (cfg->nprobes == 0 ||
	    (ds->probes = calloc(cfg->nprobes, sizeof(*st))) == NULL)
		return;
	for (i = 0; i < cfg->nprobes && !lb_stop_requested; i++) {
		st = &ds->probes[ds->nprobes++];
		say(o, LB_INFO, "probe '%s'", cfg->probes[i].name);
		probe(&cfg->probes[i], dest, ds->scratch, rr, st);
		if (!st->ok)
			fail(ds, LB_ECHECK, "probe '%s' failed: %s", st->name,
			    st->reason != NULL ? st->reason : "?");
	}
	ds->t_probes = lb_clock_mono() - t;
}

/* The scratch tree: made under parent, checked for room. */
static int
make_scratch(const struct lb_drill_opts *o, struct lb_drill_store *ds,
    long long need, long long size)
{
	char parent[PATH_MAX], tmpl[PATH_MAX + 32];
	struct lb_err e;

	if (scratch_parent(o, parent, sizeof(parent), &e) != LB_OK ||
	    room(parent, need >= 0 ? need : size > 0 ? size : 0, &e) !=
	    LB_OK) {
		fail(ds, e.code, "%s", e.msg);
		return -1;
	}
	if (need < 0 && size >= 0)
		say(o, LB_WARN, "no manifest: the room needed is guessed from "
		    "the archive's size");
	snprintf(tmpl, sizeof(tmpl), "%s/lifeboat-drill-XXXXXX", parent);
	if (mkdtemp(tmpl) == NULL || (ds->scratch = strdup(tmpl)) == NULL) {
		fail(ds, LB_EDEST, "cannot create a scratch directory in "
		    "'%s': %s", parent, strerror(errno));
		return -1;
	}
	return 0;
}

/* The drill of the one store of one. */
static void
drill_store(const struct lb_drill_opts *o, const struct lb_config *one,
    const struct lb_drill_result *res, struct lb_drill_store *ds)
{
	struct lb_restore_result rr;
	struct lb_catalog cat;
	struct lb_jval *man = NULL;
	const struct lb_backup *b = NULL;
	const char *name;
	struct lb_err e;
	char dest[PATH_MAX + 16];
	long long need = -1;
	double t;
	size_t i;

	memset(&rr, 0, sizeof(rr));
	memset(&cat, 0, sizeof(cat));
	lb_err_clear(&e);
	if (lb_catalog_build(&cat, one, NULL, NULL, &e) != LB_OK ||
	    cat.nfailures > 0) {
		fail(ds, e.code == LB_EUSAGE ? LB_EUSAGE : LB_ESTORE, "%s",
		    cat.nfailures ? cat.failures[0].error : e.msg);
		goto out;
	}
	if (cat.nbackups == 0) {
		fail(ds, LB_ENOBACKUP, "no backup in store '%s'", ds->store);
		goto out;
	}
	name = verify_latest(o, one, &cat, ds);
	for (i = 0; name != NULL && i < cat.nbackups; i++)
		if (strcmp(cat.backups[i].name, name) == 0)
			b = &cat.backups[i];
	if (b != NULL)
		man = manifest_of(&cat, b, &need);
	if (make_scratch(o, ds, need, b != NULL ? b->size : -1) != 0)
		goto out;
	snprintf(dest, sizeof(dest), "%s/volumes", ds->scratch);
	ds->manifest_bytes = need;
	if (restore_scratch(o, one, name, dest, ds, &rr) != 0)
		goto clean;
	/* the restore may have taken another than the one verified (none
	 * of them passed): its own manifest, then */
	if (name == NULL || strcmp(name, rr.archive_name) != 0) {
		lb_jread_free(man);
		man = NULL;
		for (i = 0; i < cat.nbackups && man == NULL; i++)
			if (strcmp(cat.backups[i].name, rr.archive_name) == 0)
				man = manifest_of(&cat, &cat.backups[i], &need);
	}
	t = lb_clock_mono();
	if (man != NULL)
		check_disk(ds, dest, man);
	ds->t_manifest = lb_clock_mono() - t;
	run_probes(o, ds, dest, &rr);
clean:
	t = lb_clock_mono();
	if (!o->keep && ds->scratch != NULL && lb_rmtree(ds->scratch) != 0)
		say(o, LB_WARN, "cannot remove the scratch tree '%s': %s",
		    ds->scratch, strerror(errno));
	ds->t_cleanup = lb_clock_mono() - t;
out:
	judge(res, ds, res->started);
	lb_restore_result_release(&rr);
	lb_jread_free(man);
	lb_catalog_release(&cat);
}

static void
make_id(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "drill-%04d%02d%02dT%02d%02d%02dZ-%05d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)getpid());
}

int
lb_drill(const struct lb_drill_opts *o, struct lb_drill_result *res)
{
	const struct lb_config *cfg = o->cfg;
	struct lb_drill_store *ds;
	struct lb_config one;
	double t0 = lb_clock_mono();
	size_t i, j;

	memset(res, 0, sizeof(res[0]));
	make_id(res->id, sizeof(res->id));
	res->started = lb_clock_now();
	res->rto = cfg->rto;
	res->rpo = lb_config_rpo(cfg);
	res->provision = cfg->provision;
	res->boot = cfg->boot;
	res->handoff = cfg->handoff_time;
	if (cfg->nstores == 0)
		return lb_err_set(&res->err, LB_EUSAGE, 0, "no store to drill");
	if ((res->stores = calloc(cfg->nstores, sizeof(*ds))) == NULL)
		return lb_err_set(&res->err, LB_ENOMEM, 0, "out of memory");
	res->code = LB_OK;
	for (i = 0; i < cfg->nstores && !lb_stop_requested; i++) {
		ds = &res->stores[res->nstores++];
		ds->store = strdup(cfg->stores[i].name);
		ds->archive_time = ds->archive_size = -1;
		ds->manifest_bytes = ds->restore_projected = -1;
		ds->projected_rto = ds->age = -1;
		ds->rpo_met = ds->rto_met = -1;
		/* the same config, with this store only */
		one = *cfg;
		one.stores = &cfg->stores[i];
		one.nstores = 1;
		drill_store(o, &one, res, ds);
		if (lb_stop_requested)
			fail(ds, LB_EINTR, "interrupted");
		if (rank(ds->code) < rank(res->code))
			res->code = ds->code;
	}
	if (lb_stop_requested && res->code == LB_OK)
		res->code = LB_EINTR;
	res->ended = res->started + (long long)(lb_clock_mono() - t0 + 0.5);
	res->ok = res->code == LB_OK;
	for (i = 0; !res->ok && i < res->nstores; i++)
		for (j = 0; j < res->stores[i].nreasons; j++)
			if (res->stores[i].codes[j] == res->code &&
			    res->err.msg[0] == '\0')
				lb_err_set(&res->err, res->code, 0, "%s",
				    res->stores[i].reasons[j] ?
				    res->stores[i].reasons[j] : "?");
	if (!res->ok && res->err.msg[0] == '\0')
		lb_err_set(&res->err, res->code, 0, "interrupted");
	return res->code;
}

const char *
lb_drill_store_why(const struct lb_drill_store *ds)
{
	size_t i;

	for (i = 0; i < ds->nreasons; i++)
		if (ds->codes[i] == ds->code && ds->reasons[i] != NULL)
			return ds->reasons[i];
	return ds->code == LB_OK ? NULL : "interrupted";
}

/* The steps (verified backups, probes) as a JSON array. */
static void
steps_json(struct lb_json *j, const struct lb_drill_step *st, size_t n)
{
	size_t i;

	lb_json_arr(j);
	for (i = 0; i < n; i++) {
		lb_json_obj(j);
		lb_json_key(j, "name");
		lb_json_str(j, st[i].name);
		lb_json_key(j, "result");
		lb_json_str(j, st[i].ok ? "ok" : "failed");
		if (!st[i].ok) {
			lb_json_key(j, "reason");
			lb_json_str(j, st[i].reason);
		}
		lb_json_key(j, "seconds");
		lb_json_num(j, st[i].seconds);
		lb_json_obj_end(j);
	}
	lb_json_arr_end(j);
}

static char *
steps_text(const struct lb_drill_step *st, size_t n)
{
	struct lb_json j;

	lb_json_init(&j);
	steps_json(&j, st, n);
	if (j.failed) {
		lb_json_release(&j);
		return NULL;
	}
	return j.buf;
}

void
lb_drill_history(const struct lb_drill_opts *o,
    const struct lb_drill_result *res)
{
	const char *path = lb_config_history(o->cfg);
	const struct lb_drill_store *ds;
	struct lb_history h;
	struct lb_err e;
	char *json, *ver, *pro;
	size_t i;

	for (i = 0; *path != '\0' && i < res->nstores; i++) {
		ds = &res->stores[i];
		memset(&h, 0, sizeof(h));
		h.kind = "drill";
		h.id = res->id;
		h.store = ds->store;
		h.ok = ds->code == LB_OK;
		h.error = lb_drill_store_why(ds);
		h.started = res->started;
		h.ended = res->ended;
		h.archive = ds->archive;
		h.archive_time = ds->archive_time;
		h.integrity = ds->integrity;
		h.authenticity = ds->archive != NULL ? ds->authenticity : NULL;
		lb_history_phase(&h, "verify", ds->t_verify);
		lb_history_phase(&h, "select", ds->t_select);
		lb_history_phase(&h, "transfer", ds->t_transfer);
		lb_history_phase(&h, "commit", ds->t_commit);
		lb_history_phase(&h, "manifest", ds->t_manifest);
		lb_history_phase(&h, "probes", ds->t_probes);
		lb_history_phase(&h, "cleanup", ds->t_cleanup);
		h.rto = res->rto;
		h.rpo = res->rpo;
		h.has_projected = ds->projected_rto >= 0;
		h.projected_rto = ds->projected_rto;
		ver = steps_text(ds->verified, ds->nverified);
		pro = steps_text(ds->probes, ds->nprobes);
		h.extra[0].key = "verified";
		h.extra[0].json = ver != NULL ? ver : "[]";
		h.extra[1].key = "probes";
		h.extra[1].json = pro != NULL ? pro : "[]";
		h.nextra = 2;
		if (lb_history_json(&h, &json) == 0 &&
		    lb_history_append(path, json, &e) != LB_OK)
			say(o, LB_WARN, "%s", e.msg);
		free(json);
		free(ver);
		free(pro);
	}
}

/* One store's part of the report. */
static void
store_json(struct lb_json *j, const struct lb_drill_result *res,
    const struct lb_drill_store *ds)
{
	size_t i;

	lb_json_obj(j);
	lb_json_key(j, "store");
	lb_json_str(j, ds->store);
	lb_json_key(j, "result");
	lb_json_str(j, ds->code == LB_OK ? "ok" : "failed");
	lb_json_key(j, "reasons");
	lb_json_arr(j);
	for (i = 0; i < ds->nreasons; i++)
		lb_json_str(j, ds->reasons[i]);
	lb_json_arr_end(j);
	lb_json_key(j, "verified");
	steps_json(j, ds->verified, ds->nverified);
	lb_json_key(j, "archive");
	if (ds->archive == NULL)
		lb_json_str(j, NULL);
	else {
		lb_json_obj(j);
		lb_json_key(j, "name");
		lb_json_str(j, ds->archive);
		lb_json_time_or_null(j, "time", ds->archive_time);
		lb_json_int_or_null(j, "size", ds->archive_size);
		lb_json_key(j, "integrity");
		lb_json_str(j, ds->integrity);
		lb_json_key(j, "authenticity");
		lb_json_str(j, ds->authenticity);
		lb_json_obj_end(j);
	}
	lb_json_key(j, "restored");
	lb_json_bool(j, ds->restored);
	lb_json_key(j, "manifest");
	lb_json_obj(j);
	lb_json_int_or_null(j, "bytes", ds->manifest_bytes);
	lb_json_key(j, "checked_on_disk");
	lb_json_bool(j, ds->manifest_checked);
	lb_json_key(j, "files_on_disk");
	lb_json_int(j, ds->files);
	lb_json_key(j, "bytes_on_disk");
	lb_json_int(j, ds->bytes);
	lb_json_obj_end(j);
	lb_json_key(j, "probes");
	steps_json(j, ds->probes, ds->nprobes);
	lb_json_key(j, "timings");
	lb_json_obj(j);
	lb_json_key(j, "verify");
	lb_json_num(j, ds->t_verify);
	lb_json_key(j, "select");
	lb_json_num(j, ds->t_select);
	lb_json_key(j, "transfer");
	lb_json_num(j, ds->t_transfer);
	lb_json_key(j, "commit");
	lb_json_num(j, ds->t_commit);
	lb_json_key(j, "manifest");
	lb_json_num(j, ds->t_manifest);
	lb_json_key(j, "probes");
	lb_json_num(j, ds->t_probes);
	lb_json_key(j, "cleanup");
	lb_json_num(j, ds->t_cleanup);
	lb_json_obj_end(j);
	lb_json_key(j, "restore_rate_bytes_per_second");
	lb_json_num(j, ds->rate);
	lb_json_key(j, "projected_rto");
	lb_json_obj(j);
	lb_json_int_or_null(j, "provision", res->provision);
	lb_json_int_or_null(j, "boot", res->boot);
	lb_json_int_or_null(j, "restore", ds->restore_projected);
	lb_json_int_or_null(j, "handoff", res->handoff);
	lb_json_int_or_null(j, "total", ds->projected_rto);
	lb_json_obj_end(j);
	lb_json_bool_or_null(j, "rto_met", ds->rto_met);
	lb_json_int_or_null(j, "backup_age_seconds", ds->age);
	lb_json_bool_or_null(j, "rpo_met", ds->rpo_met);
	lb_json_key(j, "scratch");
	lb_json_str(j, ds->scratch);
	lb_json_obj_end(j);
}

int
lb_drill_report_json(const struct lb_drill_result *res, char **out)
{
	struct lb_json j;
	size_t i;

	lb_json_init(&j);
	lb_json_obj(&j);
	lb_json_key(&j, "id");
	lb_json_str(&j, res->id);
	lb_json_key(&j, "result");
	lb_json_str(&j, res->ok ? "ok" : "failed");
	if (!res->ok) {
		lb_json_key(&j, "error");
		lb_json_str(&j, res->err.msg);
	}
	lb_json_time_or_null(&j, "started", res->started);
	lb_json_time_or_null(&j, "ended", res->ended);
	lb_json_key(&j, "plan");
	lb_json_obj(&j);
	lb_json_int_or_null(&j, "rpo", res->rpo);
	lb_json_int_or_null(&j, "rto", res->rto);
	lb_json_int_or_null(&j, "provision", res->provision);
	lb_json_int_or_null(&j, "boot", res->boot);
	lb_json_int_or_null(&j, "handoff", res->handoff);
	lb_json_obj_end(&j);
	lb_json_key(&j, "stores");
	lb_json_arr(&j);
	for (i = 0; i < res->nstores; i++)
		store_json(&j, res, &res->stores[i]);
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

/* The last successful drill of a store, from the history. */
struct last_ok {
	const char *store;
	long long t;
};

static void
last_ok_line(void *arg, const struct lb_jval *line)
{
	struct last_ok *lo = arg;
	const char *s = lb_jread_str(line, "store"),
	    *r = lb_jread_str(line, "result");
	long long t = lb_time_parse_iso(lb_jread_str(line, "ended"));

	if (s != NULL && r != NULL && strcmp(s, lo->store) == 0 &&
	    strcmp(r, "ok") == 0 && t > lo->t)
		lo->t = t;
}

void
lb_drill_metrics(const struct lb_drill_result *res,
    const struct lb_config *cfg, struct lb_metrics *m)
{
	const struct lb_drill_store *ds;
	struct last_ok lo;
	struct lb_err e;
	size_t i;

	lb_metrics_gauge(m, "lifeboat_drill_last_run_timestamp_seconds",
	    "When the last drill ended.", (double)res->ended);
	lb_metrics_head(m, "lifeboat_drill_success", "gauge",
	    "1 when the last drill of the store met every check.");
	for (i = 0; i < res->nstores; i++)
		lb_metrics_sample(m, "store", res->stores[i].store,
		    res->stores[i].code == LB_OK);
	lb_metrics_head(m, "lifeboat_drill_last_success_timestamp_seconds",
	    "gauge", "When the last successful drill of the store ended.");
	for (i = 0; i < res->nstores; i++) {
		ds = &res->stores[i];
		lo.store = ds->store;
		lo.t = ds->code == LB_OK ? res->ended : -1;
		if (lo.t < 0 && *lb_config_history(cfg) != '\0')
			lb_history_each(lb_config_history(cfg), "drill",
			    last_ok_line, &lo, &e);
		if (lo.t >= 0)
			lb_metrics_sample(m, "store", ds->store, (double)lo.t);
	}
	lb_metrics_head(m, "lifeboat_drill_restore_duration_seconds", "gauge",
	    "How long the drill's restore into scratch took.");
	for (i = 0; i < res->nstores; i++)
		if ((ds = &res->stores[i])->restored)
			lb_metrics_sample(m, "store", ds->store, ds->t_select +
			    ds->t_transfer + ds->t_commit);
	lb_metrics_head(m, "lifeboat_drill_backup_size_bytes", "gauge",
	    "The size of the backup the drill restored, as stored.");
	for (i = 0; i < res->nstores; i++)
		if ((ds = &res->stores[i])->archive_size >= 0)
			lb_metrics_sample(m, "store", ds->store,
			    (double)ds->archive_size);
	lb_metrics_head(m, "lifeboat_drill_backup_age_seconds", "gauge",
	    "The age of the newest valid backup when the drill ran.");
	for (i = 0; i < res->nstores; i++)
		if ((ds = &res->stores[i])->age >= 0)
			lb_metrics_sample(m, "store", ds->store,
			    (double)ds->age);
	lb_metrics_head(m, "lifeboat_drill_probes_failed", "gauge",
	    "How many probes failed on the drill's restored data.");
	for (i = 0; i < res->nstores; i++) {
		size_t k, n = 0;

		ds = &res->stores[i];
		for (k = 0; k < ds->nprobes; k++)
			n += !ds->probes[k].ok;
		lb_metrics_sample(m, "store", ds->store, (double)n);
	}
	lb_metrics_head(m, "lifeboat_projected_rto_seconds", "gauge",
	    "The recovery time the last drill projects: provision, boot, "
	    "restore at the measured rate, handoff.");
	for (i = 0; i < res->nstores; i++)
		if ((ds = &res->stores[i])->projected_rto >= 0)
			lb_metrics_sample(m, "store", ds->store,
			    (double)ds->projected_rto);
}

static void
steps_free(struct lb_drill_step *st, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(st[i].name);
		free(st[i].reason);
	}
	free(st);
}

void
lb_drill_result_release(struct lb_drill_result *res)
{
	struct lb_drill_store *ds;
	size_t i, k;

	for (i = 0; i < res->nstores; i++) {
		ds = &res->stores[i];
		free(ds->store);
		for (k = 0; k < ds->nreasons; k++)
			free(ds->reasons[k]);
		steps_free(ds->verified, ds->nverified);
		steps_free(ds->probes, ds->nprobes);
		free(ds->archive);
		free(ds->scratch);
	}
	free(res->stores);
	memset(res, 0, sizeof(*res));
}
