/*
 * catalog.c: turning store listings into backup candidates: which files are
 * archives, when each was made (from its name, else its mtime), and the
 * checksum that will prove it, from a NAME.sha256 sidecar or a SHA256SUMS
 * file beside it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog.h"

#define MAX_SIDECAR (64 * 1024)
#define MAX_SUMS (16 * 1024 * 1024)

/* Read exactly n digits at s into *v. */
static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Try the patterns at s; the number of characters used, or 0. */
static int
time_at(const char *s, struct tm *tm)
{
	int y, mo, d, h = 0, mi = 0, se = 0, used;

	memset(tm, 0, sizeof(*tm));
	if (digits(s, 4, &y) != 0)
		return 0;
	if (s[4] == '-') {
		/* YYYY-MM-DD[T_-]HH[-:]MM[-:]SS or YYYY-MM-DD */
		if (digits(s + 5, 2, &mo) || s[7] != '-' ||
		    digits(s + 8, 2, &d))
			return 0;
		used = 10;
		if ((s[10] == 'T' || s[10] == '_' || s[10] == '-') &&
		    !digits(s + 11, 2, &h) && (s[13] == '-' || s[13] == ':') &&
		    !digits(s + 14, 2, &mi) && s[16] == s[13] &&
		    !digits(s + 17, 2, &se) && !isdigit((unsigned char)s[19]))
			used = 19;
		else if (isdigit((unsigned char)s[10]))
			return 0;
		else
			h = mi = se = 0;
	} else {
		/* YYYYMMDD[T]HHMMSS[Z] or YYYYMMDD */
		if (digits(s + 4, 2, &mo) || digits(s + 6, 2, &d))
			return 0;
		used = 8;
		if (s[8] == 'T' && !digits(s + 9, 6, &h) &&
		    !isdigit((unsigned char)s[15])) {
			used = 15;
		} else if (!digits(s + 8, 6, &h) &&
		    !isdigit((unsigned char)s[14])) {
			used = 14;
		} else if (isdigit((unsigned char)s[8]))
			return 0;
		else
			h = 0;
		if (used > 8) {
			/* h holds HHMMSS */
			se = h % 100;
			mi = h / 100 % 100;
			h = h / 10000;
		}
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 60)
		return 0;
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = se;
	return used;
}

int
lb_name_time(const char *name, int local, long long *t)
{
	struct tm tm;
	size_t i;

	for (i = 0; name[i] != '\0'; i++) {
		if (i > 0 && isdigit((unsigned char)name[i - 1]))
			continue;
		if (time_at(name + i, &tm) == 0)
			continue;
		if (local) {
			tm.tm_isdst = -1;
			*t = (long long)mktime(&tm);
		} else
			*t = (long long)timegm(&tm);
		return 0;
	}
	return -1;
}

static int
is_hex64(const char *s)
{
	int i;

	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

static const char *
base_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s != NULL ? s + 1 : p;
}

int
lb_sum_lookup(const char *text, const char *name, int sidecar,
    char hex[65], char *why, size_t whylen)
{
	const char *line = text, *end, *fname, *h;
	char buf[1024];
	size_t n, fl;
	int i, lines = 0;

	snprintf(why, whylen, "no line for it in SHA256SUMS");
	for (; *line != '\0'; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		n = (size_t)(end - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0 || n >= sizeof(buf))
			continue;
		memcpy(buf, line, n);
		buf[n] = '\0';
		lines++;
		if (strncmp(buf, "SHA256 (", 8) == 0) {
			/* BSD: SHA256 (NAME) = HEX */
			char *close = strstr(buf, ") = ");

			if (close == NULL || strlen(close + 4) != 64 ||
			    !is_hex64(close + 4)) {
				if (sidecar) {
					snprintf(why, whylen, "malformed "
					    "checksum line in the sidecar");
					return -1;
				}
				continue;
			}
			*close = '\0';
			fname = buf + 8;
			h = close + 4;
		} else if (n >= 64 && is_hex64(buf) &&
		    (n == 64 || buf[64] == ' ' || buf[64] == '\t')) {
			h = buf;
			fname = buf + 64;
			while (*fname == ' ' || *fname == '\t')
				fname++;
			if (*fname == '*')
				fname++;
			if (*fname == '\0') {
				/* a bare digest: only a sidecar may say so */
				if (!sidecar)
					continue;
				fname = name;
			}
		} else {
			if (sidecar) {
				snprintf(why, whylen, "malformed checksum line "
				    "in the sidecar");
				return -1;
			}
			continue;
		}
		fl = strlen(fname);
		if (strcmp(base_of(fname), name) != 0 || fl == 0) {
			if (sidecar) {
				snprintf(why, whylen, "the sidecar names "
				    "another file ('%.200s')", fname);
				return -1;
			}
			continue;
		}
		for (i = 0; i < 64; i++)
			hex[i] = (char)tolower((unsigned char)h[i]);
		hex[64] = '\0';
		return 0;
	}
	if (sidecar)
		snprintf(why, whylen, lines ? "malformed checksum line in "
		    "the sidecar" : "the sidecar is empty");
	return -1;
}

static int
has_object(const struct lb_object *o, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(o[i].name, name) == 0)
			return 1;
	return 0;
}

static int
cmp_backup(const void *a, const void *b)
{
	const struct lb_backup *x = a, *y = b;

	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	if (x->store != y->store)
		return x->store < y->store ? -1 : 1;
	return strcmp(y->name, x->name);
}

static int
add_failure(struct lb_catalog *cat, const char *store, const char *msg)
{
	struct lb_store_failure *p;

	p = realloc(cat->failures, (cat->nfailures + 1) * sizeof(*p));
	if (p == NULL)
		return -1;
	cat->failures = p;
	p[cat->nfailures].store = strdup(store);
	p[cat->nfailures].error = strdup(msg);
	cat->nfailures++;
	return 0;
}

/* Add the archives of one listed store. */
static int
catalog_store(struct lb_catalog *cat, size_t si, const struct lb_config *cfg,
    struct lb_object *objs, size_t nobj, struct lb_err *err)
{
	struct lb_store *s = cat->stores[si];
	struct lb_backup *b, *p;
	char *sums = NULL, *side, sname[1024], why[1024];
	size_t i, len;
	int r, have_sums = has_object(objs, nobj, "SHA256SUMS");

	if (have_sums && lb_store_read_small(s, "SHA256SUMS", MAX_SUMS,
	    &sums, &len, err) != LB_OK)
		return err->code;
	for (i = 0; i < nobj; i++) {
		if (!lb_is_archive_name(objs[i].name))
			continue;
		p = realloc(cat->backups, (cat->nbackups + 1) * sizeof(*p));
		if (p == NULL)
			goto nomem;
		cat->backups = p;
		b = &p[cat->nbackups];
		memset(b, 0, sizeof(*b));
		if ((b->name = strdup(objs[i].name)) == NULL)
			goto nomem;
		cat->nbackups++;
		b->store = si;
		b->size = objs[i].size;
		if (lb_name_time(b->name, cfg->name_time_local, &b->time) == 0)
			b->time_from_name = 1;
		else
			b->time = objs[i].mtime;
		snprintf(sname, sizeof(sname), "%s.sha256", b->name);
		r = -1;
		if (has_object(objs, nobj, sname)) {
			r = lb_store_read_small(s, sname, MAX_SIDECAR, &side,
			    &len, err);
			if (r != LB_OK) {
				snprintf(why, sizeof(why), "cannot read the "
				    "sidecar: %.700s", err->msg);
				r = -1;
			} else {
				r = lb_sum_lookup(side, b->name, 1, b->sha256,
				    why, sizeof(why));
				free(side);
			}
		} else if (sums != NULL) {
			r = lb_sum_lookup(sums, b->name, 0, b->sha256, why,
			    sizeof(why));
		} else
			snprintf(why, sizeof(why), "neither '%.700s' nor "
			    "SHA256SUMS is in the store", sname);
		b->has_sum = r == 0;
		if (!b->has_sum && (b->why_unverified = strdup(why)) == NULL)
			goto nomem;
	}
	free(sums);
	return LB_OK;
nomem:
	free(sums);
	return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
}

static int
insecure(const struct lb_store_conf *sc)
{
	return lb_store_opt_bool(sc, "insecure", 0);
}

int
lb_catalog_build(struct lb_catalog *cat, const struct lb_config *cfg,
    void (*notice)(void *, const char *), void *arg, struct lb_err *err)
{
	char msg[512];
	struct lb_object *objs;
	struct lb_err e, usage;
	size_t i, nobj, ok = 0;
	int r;

	memset(cat, 0, sizeof(*cat));
	lb_err_clear(&usage);
	if (cfg->nstores == 0)
		return lb_err_set(err, LB_EUSAGE, 0, "no store: give --store "
		    "URL or a [store \"NAME\"] section in the config");
	cat->stores = calloc(cfg->nstores, sizeof(*cat->stores));
	cat->confs = calloc(cfg->nstores, sizeof(*cat->confs));
	if (cat->stores == NULL || cat->confs == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	cat->nstores = cfg->nstores;
	for (i = 0; i < cfg->nstores; i++) {
		cat->confs[i] = &cfg->stores[i];
		lb_err_clear(&e);
		r = lb_store_new(&cfg->stores[i], &cat->stores[i], &e);
		if (r == LB_EUSAGE)
			usage = e;	/* skipped like an unreachable one */
		if (r == LB_OK) {
			cat->stores[i]->notice = notice;
			cat->stores[i]->notice_arg = arg;
			if (insecure(&cfg->stores[i]) && notice != NULL) {
				snprintf(msg, sizeof(msg), "store '%s': TLS "
				    "certificates are NOT verified (insecure = "
				    "yes)", cfg->stores[i].name);
				notice(arg, msg);
			}
			r = cat->stores[i]->ops->list(cat->stores[i], &objs,
			    &nobj, &e);
			if (r == LB_OK) {
				r = catalog_store(cat, i, cfg, objs, nobj, &e);
				lb_objects_free(objs, nobj);
			}
		}
		if (r == LB_ENOMEM) {
			*err = e;
			return r;
		}
		if (r != LB_OK) {
			if (add_failure(cat, cfg->stores[i].name, e.msg) != 0)
				return lb_err_set(err, LB_ENOMEM, 0,
				    "out of memory");
			lb_store_free(cat->stores[i]);
			cat->stores[i] = NULL;
			continue;
		}
		ok++;
	}
	if (cat->nbackups > 1)	/* qsort(NULL, 0) is undefined */
		qsort(cat->backups, cat->nbackups, sizeof(*cat->backups),
		    cmp_backup);
	if (ok == 0) {
		/* a store that is misconfigured: that is what to fix */
		if (usage.code != LB_OK) {
			*err = usage;
			return LB_EUSAGE;
		}
		if (cat->nfailures == 1)
			return lb_err_set(err, LB_ESTORE, 0, "%s",
			    cat->failures[0].error);
		return lb_err_set(err, LB_ESTORE, 0, "no store could be "
		    "read (%zu tried; first: %s)", cat->nfailures,
		    cat->failures[0].error);
	}
	return LB_OK;
}

void
lb_catalog_release(struct lb_catalog *cat)
{
	size_t i;

	for (i = 0; i < cat->nstores; i++)
		lb_store_free(cat->stores[i]);
	free(cat->stores);
	free(cat->confs);
	for (i = 0; i < cat->nbackups; i++) {
		free(cat->backups[i].name);
		free(cat->backups[i].why_unverified);
	}
	free(cat->backups);
	for (i = 0; i < cat->nfailures; i++) {
		free(cat->failures[i].store);
		free(cat->failures[i].error);
	}
	free(cat->failures);
	memset(cat, 0, sizeof(*cat));
}
