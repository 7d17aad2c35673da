/*
 * catalog.c: turning store listings into backup candidates: which files are
 * archives, when each was made (from its name, else its mtime), and the
 * checksum that will prove it, from a NAME.sha256 sidecar or a SHA256SUMS
 * file beside it; and, with trusted minisign keys, the signature that says
 * who made it. NAME.age archives are candidates too (age's AEAD proves
 * them intact); OpenPGP ones (.gpg) are listed with why they are refused.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "age.h"
#include "catalog.h"

#define MAX_SIDECAR (64 * 1024)
#define MAX_SUMS (16 * 1024 * 1024)
#define MAX_MINISIG (16 * 1024)
#define MAX_KEYFILE (64 * 1024)

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

/*
 * Authenticity. A checksum proves the bytes arrived as written, not who
 * wrote them: whoever can write to the bucket can replace an archive and
 * its sidecar together. With trusted minisign keys, a backup is signed
 * when one of these holds:
 *   NAME.sha256.minisig  signs the sidecar, and the sidecar names NAME
 *                        (or, for a bare digest, the trusted comment
 *                        names NAME.sha256)
 *   SHA256SUMS.minisig   signs SHA256SUMS, which has a line for NAME
 *   NAME.minisig         signs the archive itself (prehashed: checked in
 *                        the restore's one pass), and its trusted comment
 *                        names NAME ("file:NAME", as minisign writes it)
 * The name must be under the signature: an old, validly signed archive
 * renamed to look newest is otherwise a valid forgery.
 */

/* The signature of store file sname over text, by a trusted key: 0 and
 * *sig, *key filled (sig owned by the caller then); else -1 and why. */
static int
sig_over(const struct lb_catalog *cat, struct lb_store *s, const char *sname,
    const char *text, size_t tlen, struct lb_ms_sig *sig, size_t *key,
    char *why, size_t wl, struct lb_err *err)
{
	char *buf;
	size_t len;
	int r;

	lb_err_clear(err);
	r = lb_store_read_small(s, sname, MAX_MINISIG, &buf, &len, err);
	if (r == LB_ENOMEM)
		return r;
	if (r != LB_OK) {
		snprintf(why, wl, "%s: cannot read it: %.300s", sname,
		    err->msg);
		return -1;
	}
	r = lb_ms_sig_parse(buf, len, sig, err);
	free(buf);
	if (r == LB_OK && (r = lb_ms_sig_key(sig, cat->keys, cat->nkeys, key,
	    err)) == LB_OK && text != NULL)
		r = lb_ms_verify(sig, &cat->keys[*key], text, tlen, err);
	if (r == LB_ENOMEM)
		return r;
	if (r != LB_OK) {
		lb_ms_sig_release(sig);
		snprintf(why, wl, "%s: %.400s", sname, err->msg);
		return -1;
	}
	return 0;
}

/* SHA256SUMS.minisig, checked once per store. */
struct sums_sig {
	int state;		/* 0: not yet, 1: good, -1: bad or none */
	struct lb_ms_sig sig;
	size_t key;
	char why[512];
};

/* b is signed: record by whom and with what comment. */
static int
set_signed(struct lb_backup *b, enum lb_sig_state st, const char *sig_file,
    const struct lb_ms_sig *sig)
{
	b->sig = st;
	lb_ms_id_hex(sig->id, b->key_id);
	if ((b->sig_file = strdup(sig_file)) == NULL ||
	    (b->trusted_comment = strdup(sig->trusted)) == NULL)
		return LB_ENOMEM;
	return LB_OK;
}

/* Decide b's signature state (see above). side: the sidecar's text when
 * the digest came from it; sums: the SHA256SUMS text when b has a digest
 * (from there, or from the sidecar). */
static int
authenticate(struct lb_catalog *cat, struct lb_store *s, struct lb_backup *b,
    const struct lb_object *objs, size_t nobj, const char *side,
    size_t sidelen, const char *sums, size_t sumslen, struct sums_sig *ss,
    struct lb_err *err)
{
	char sname[1024], cs[512] = "", ar[512] = "", f[1024], hex[65], w[64];
	struct lb_ms_sig sig, *sp;
	size_t key;
	int r, seen = 0;

	if (side != NULL) {
		snprintf(sname, sizeof(sname), "%s.sha256.minisig", b->name);
		if (has_object(objs, nobj, sname)) {
			seen = 1;
			r = sig_over(cat, s, sname, side, sidelen, &sig, &key,
			    cs, sizeof(cs), err);
			if (r == LB_ENOMEM)
				return r;
			if (r == 0) {
				/* a bare digest names nothing: the comment
				 * must then name the sidecar */
				snprintf(f, sizeof(f), "%s.sha256", b->name);
				if (lb_sum_lookup(side, b->name, 0, hex, w,
				    sizeof(w)) == 0 || (lb_ms_comment_file(
				    sig.trusted, sname, sizeof(sname)) == 0 &&
				    strcmp(sname, f) == 0)) {
					snprintf(sname, sizeof(sname),
					    "%s.sha256.minisig", b->name);
					r = set_signed(b, LB_SIG_OK, sname,
					    &sig);
					lb_ms_sig_release(&sig);
					return r == LB_OK ? r :
					    lb_err_set(err, r, 0,
					    "out of memory");
				}
				lb_ms_sig_release(&sig);
				snprintf(cs, sizeof(cs), "%s.sha256.minisig: "
				    "the signed sidecar is a bare digest that "
				    "names no file", b->name);
			}
		}
	}
	/* SHA256SUMS: where the digest came from, or a signed second
	 * opinion on an unsigned sidecar (the signed digest then counts) */
	if (sums != NULL && has_object(objs, nobj, "SHA256SUMS.minisig") &&
	    (side == NULL || lb_sum_lookup(sums, b->name, 0, hex, w,
	    sizeof(w)) == 0)) {
		seen = 1;
		if (ss->state == 0) {
			r = sig_over(cat, s, "SHA256SUMS.minisig", sums,
			    sumslen, &ss->sig, &ss->key, ss->why,
			    sizeof(ss->why), err);
			if (r == LB_ENOMEM)
				return r;
			ss->state = r == 0 ? 1 : -1;
		}
		if (ss->state == 1) {
			/* the digest is from a signed line naming b */
			if (side != NULL)
				memcpy(b->sha256, hex, sizeof(b->sha256));
			if (set_signed(b, LB_SIG_OK, "SHA256SUMS.minisig",
			    &ss->sig) != LB_OK)
				return lb_err_set(err, LB_ENOMEM, 0,
				    "out of memory");
			return LB_OK;
		}
		snprintf(f, sizeof(f), "%s%s%s", cs, *cs ? "; " : "", ss->why);
		snprintf(cs, sizeof(cs), "%s", f);
	}
	snprintf(sname, sizeof(sname), "%s.minisig", b->name);
	if (has_object(objs, nobj, sname)) {
		seen = 1;
		/* the archive is not here yet: the key and the comment now,
		 * the data in the pass */
		r = sig_over(cat, s, sname, NULL, 0, &sig, &key, ar,
		    sizeof(ar), err);
		if (r == LB_ENOMEM)
			return r;
		if (r == 0 && !sig.prehashed)
			snprintf(ar, sizeof(ar), "%s: a legacy signature "
			    "(Ed) over a whole archive cannot be checked as "
			    "it streams: sign with minisign -S -H", sname);
		else if (r == 0 && lb_ms_comment_file(sig.trusted, f,
		    sizeof(f)) != 0)
			snprintf(ar, sizeof(ar), "%s: its trusted comment "
			    "names no file (minisign's default 'file:NAME' "
			    "binds the signature to the archive's name)",
			    sname);
		else if (r == 0 && strcmp(f, b->name) != 0)
			snprintf(ar, sizeof(ar), "%s: it signs '%.300s', not "
			    "this archive (renamed?)", sname, f);
		else if (r == 0) {
			if ((sp = malloc(sizeof(*sp))) == NULL ||
			    set_signed(b, LB_SIG_STREAM, sname, &sig) != 0) {
				free(sp);
				lb_ms_sig_release(&sig);
				return lb_err_set(err, LB_ENOMEM, 0,
				    "out of memory");
			}
			*sp = sig;	/* ownership moves to b */
			b->stream_sig = sp;
			b->stream_key = key;
			return LB_OK;
		}
		if (r == 0)
			lb_ms_sig_release(&sig);
	}
	b->sig = seen ? LB_SIG_BAD : LB_SIG_NONE;
	if (!seen)
		snprintf(f, sizeof(f), "not signed (no %s%s, no %s.minisig)",
		    side != NULL ? b->name : "", side != NULL ?
		    ".sha256.minisig" : sums != NULL ? "SHA256SUMS.minisig" :
		    "signed checksum", b->name);
	else
		snprintf(f, sizeof(f), "%s%s%s", cs, *cs && *ar ? "; " : "",
		    ar);
	if ((b->why_unsigned = strdup(f)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	return LB_OK;
}

int
lb_backup_verifiable(const struct lb_backup *b)
{
	/* an age file proves itself intact as it decrypts */
	return b->has_sum || b->age || b->sig == LB_SIG_STREAM;
}

int
lb_backup_sig_refused(const struct lb_catalog *cat, const struct lb_backup *b,
    char *why, size_t len)
{
	if (b->sig == LB_SIG_BAD) {
		snprintf(why, len, "bad signature: %s", b->why_unsigned);
		return -1;
	}
	if (b->sig == LB_SIG_NONE && cat->require_sig) {
		snprintf(why, len, "%s, and [trust] requires a signature",
		    b->why_unsigned != NULL ? b->why_unsigned : "not signed");
		return -1;
	}
	return 0;
}

/* A bounded read of a file the configuration names. */
static char *
read_conf_file(const char *path, struct lb_err *err)
{
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		lb_err_set(err, LB_EUSAGE, errno, "cannot read the key file "
		    "'%s'", path);
		return NULL;
	}
	if ((buf = malloc(MAX_KEYFILE + 1)) == NULL) {
		close(fd);
		lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		return NULL;
	}
	while (len < MAX_KEYFILE && (n = read(fd, buf + len,
	    MAX_KEYFILE - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lb_err_set(err, LB_EUSAGE, errno, "cannot read the "
			    "key file '%s'", path);
			close(fd);
			free(buf);
			return NULL;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len == MAX_KEYFILE || memchr(buf, '\0', len) != NULL) {
		lb_err_set(err, LB_EUSAGE, 0, "'%s': not a minisign public "
		    "key file", path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* Does text hold anything but comments and blank lines? */
static int
has_key_line(const char *text)
{
	const char *l;

	for (l = text; *l != '\0'; l = strchr(l, '\n') ? strchr(l, '\n') + 1 :
	    l + strlen(l)) {
		while (*l == ' ' || *l == '\t' || *l == '\r')
			l++;
		if (*l != '\n' && *l != '\0' && *l != '#' &&
		    strncmp(l, "untrusted comment:", 18) != 0)
			return 1;
	}
	return 0;
}

/* The keys of the default file (the rescue image bakes TRUST_KEYS there):
 * skipped when it is missing or empty, unless LIFEBOAT_TRUST_KEYS named
 * it. */
static int
load_default_keys(struct lb_catalog *cat, struct lb_err *err)
{
	const char *env = getenv("LIFEBOAT_TRUST_KEYS");
	const char *path = env != NULL ? env : LB_DEFAULT_TRUST_KEYS;
	struct lb_err e;
	char *text;
	int r;

	if (env == NULL && access(path, F_OK) != 0)
		return LB_OK;
	if ((text = read_conf_file(path, err)) == NULL)
		return err->code;
	r = has_key_line(text) ? lb_ms_keys_parse(text, &cat->keys,
	    &cat->nkeys, &e) : LB_OK;
	free(text);
	if (r != LB_OK)
		return lb_err_set(err, r, 0, "trusted keys '%s': %s", path,
		    e.msg);
	return LB_OK;
}

/* The trusted keys of cfg's [trust] and of the default file into cat. */
static int
load_keys(struct lb_catalog *cat, const struct lb_config *cfg,
    struct lb_err *err)
{
	struct lb_ms_key *p;
	struct lb_err e;
	char *text;
	size_t i;
	int r;

	for (i = 0; i < cfg->ntrust_keys; i++) {
		p = realloc(cat->keys, (cat->nkeys + 1) * sizeof(*p));
		if (p == NULL)
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		cat->keys = p;
		if ((r = lb_ms_key_parse(cfg->trust_keys[i], &p[cat->nkeys],
		    err)) != LB_OK)
			return r;
		cat->nkeys++;
	}
	for (i = 0; i < cfg->ntrust_key_files; i++) {
		if ((text = read_conf_file(cfg->trust_key_files[i], err)) ==
		    NULL)
			return err->code;
		r = lb_ms_keys_parse(text, &cat->keys, &cat->nkeys, &e);
		free(text);
		if (r != LB_OK)
			return lb_err_set(err, r, 0, "public_key_file '%s': %s",
			    cfg->trust_key_files[i], e.msg);
	}
	if ((r = load_default_keys(cat, err)) != LB_OK)
		return r;
	cat->require_sig = cfg->require_signature >= 0 ?
	    cfg->require_signature : cat->nkeys > 0;
	if (cat->require_sig && cat->nkeys == 0)
		return lb_err_set(err, LB_EUSAGE, 0, "[trust] "
		    "require_signature = yes, but no public key is configured "
		    "(public_key, public_key_file or %s)",
		    LB_DEFAULT_TRUST_KEYS);
	return LB_OK;
}

/* The manifest that lifeboat backup wrote beside the archive b, when
 * the sidecar vouches for it too (its second line): NAME.manifest.json,
 * or NAME.manifest.json.age beside an encrypted archive; -1: no memory. */
static int
manifest_of(struct lb_backup *b, const char *side,
    const struct lb_object *objs, size_t nobj)
{
	static const char *const ext[] = { ".tar.gz", ".tar.zst",
		".tar.gz.age", ".tar.zst.age", NULL };
	char name[1024], why[256];
	size_t n = strlen(b->name), k;
	int i;

	for (i = 0; ext[i] != NULL; i++) {
		k = strlen(ext[i]);
		if (n > k && strcmp(b->name + n - k, ext[i]) == 0)
			break;
	}
	if (ext[i] == NULL || snprintf(name, sizeof(name), "%.*s.manifest."
	    "json%s", (int)(n - k), b->name, i >= 2 ? ".age" : "") >=
	    (int)sizeof(name) ||
	    !has_object(objs, nobj, name) || lb_sum_lookup(side, name, 0,
	    b->manifest_sha256, why, sizeof(why)) != 0)
		return 0;
	return (b->manifest = strdup(name)) == NULL ? -1 : 0;
}

/* Add the archives of one listed store. */
static int
catalog_store(struct lb_catalog *cat, size_t si, const struct lb_config *cfg,
    struct lb_object *objs, size_t nobj, struct lb_err *err)
{
	struct lb_store *s = cat->stores[si];
	struct lb_backup *b, *p;
	struct sums_sig ss;
	char *sums = NULL, *side = NULL, sname[1024], why[1024];
	size_t i, sumslen = 0, sidelen = 0;
	int r, have_sums = has_object(objs, nobj, "SHA256SUMS"), from_side;

	memset(&ss, 0, sizeof(ss));
	if (have_sums && lb_store_read_small(s, "SHA256SUMS", MAX_SUMS,
	    &sums, &sumslen, err) != LB_OK)
		return err->code;
	for (i = 0; i < nobj; i++) {
		enum lb_archive_kind kind = lb_archive_kind(objs[i].name);

		if (kind == LB_ARCHIVE_NONE)
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
		from_side = 0;
		if (has_object(objs, nobj, sname)) {
			r = lb_store_read_small(s, sname, MAX_SIDECAR, &side,
			    &sidelen, err);
			if (r != LB_OK) {
				snprintf(why, sizeof(why), "cannot read the "
				    "sidecar: %.700s", err->msg);
				side = NULL;
				r = -1;
			} else {
				r = lb_sum_lookup(side, b->name, 1, b->sha256,
				    why, sizeof(why));
				from_side = 1;
				if (r == 0 && manifest_of(b, side, objs, nobj)
				    != 0)
					goto nomem;
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
		b->age = kind == LB_ARCHIVE_AGE;
		if (kind == LB_ARCHIVE_GPG && (b->refused = strdup("OpenPGP: "
		    "not supported; decrypt it with gpg first")) == NULL)
			goto nomem;
		if (cat->nkeys > 0 && authenticate(cat, s, b, objs, nobj,
		    b->has_sum && from_side ? side : NULL, sidelen,
		    b->has_sum ? sums : NULL, sumslen, &ss,
		    err) != LB_OK)
			goto fail;
		free(side);
		side = NULL;
	}
	free(sums);
	lb_ms_sig_release(&ss.sig);
	return LB_OK;
nomem:
	lb_err_set(err, LB_ENOMEM, 0, "out of memory");
fail:
	free(side);
	free(sums);
	lb_ms_sig_release(&ss.sig);
	return err->code;
}

int
lb_catalog_build(struct lb_catalog *cat, const struct lb_config *cfg,
    void (*notice)(void *, const char *), void *arg, struct lb_err *err)
{
	struct lb_object *objs;
	struct lb_err e, usage;
	size_t i, nobj, ok = 0;
	int r, keys_loaded = 0;

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
			lb_store_watch(cat->stores[i], notice, arg);
			r = lb_fault("restore.list") != 0 ? lb_err_set(&e,
			    LB_ESTORE, errno, "cannot list '%s'",
			    cfg->stores[i].url) : cat->stores[i]->ops->list(
			    cat->stores[i], &objs, &nobj, &e);
			/* the keys once there is something to check: a
			 * bad key file is a configuration error */
			if (r == LB_OK && !keys_loaded) {
				keys_loaded = 1;
				if ((r = load_keys(cat, cfg, err)) != LB_OK) {
					lb_objects_free(objs, nobj);
					return r;
				}
			}
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
lb_catalog_peek_age(struct lb_catalog *cat)
{
	unsigned char head[64];
	struct lb_backup *b;
	struct lb_store *s;
	struct lb_err err;
	size_t i, n, got;
	void *h;

	for (i = 0; i < cat->nbackups; i++) {
		b = &cat->backups[i];
		s = cat->stores[b->store];
		if (!b->age || b->refused != NULL || s == NULL ||
		    s->ops->open_read(s, b->name, 0, -1, &h, &err) != LB_OK)
			continue;
		for (n = 0; n < sizeof(head); n += got)
			if (s->ops->read(h, head + n, sizeof(head) - n, &got,
			    &err) != LB_OK || got == 0)
				break;
		s->ops->close_read(h);
		if (lb_age_is_armored(head, n))
			b->refused = strdup(lb_age_armored_why);
	}
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
		free(cat->backups[i].refused);
		free(cat->backups[i].manifest);
		free(cat->backups[i].sig_file);
		free(cat->backups[i].trusted_comment);
		free(cat->backups[i].why_unsigned);
		if (cat->backups[i].stream_sig != NULL)
			lb_ms_sig_release(cat->backups[i].stream_sig);
		free(cat->backups[i].stream_sig);
	}
	free(cat->keys);
	free(cat->backups);
	for (i = 0; i < cat->nfailures; i++) {
		free(cat->failures[i].store);
		free(cat->failures[i].error);
	}
	free(cat->failures);
	memset(cat, 0, sizeof(*cat));
}

/* STATUS: whether a restore would take b, as far as the listing can
 * tell; why: the reason when not (NULL otherwise). */
const char *
lb_backup_status(const struct lb_catalog *cat, const struct lb_backup *b,
    const char **why)
{
	*why = NULL;
	if (b->refused != NULL) {
		*why = b->refused;
		return "refused";
	}
	if (b->sig == LB_SIG_BAD) {
		*why = b->why_unsigned;
		return "bad-signature";
	}
	if (b->sig == LB_SIG_NONE && cat->require_sig) {
		*why = b->why_unsigned;
		return "unsigned";
	}
	/* age's AEAD proves it intact as it decrypts */
	if (!b->has_sum && b->age && b->sig != LB_SIG_STREAM) {
		*why = b->why_unverified;
		return "age";
	}
	if (!lb_backup_verifiable(b)) {
		*why = b->why_unverified;
		return "unverified";
	}
	return "ok";
}

/* What would prove it intact: its checksum, age's AEAD, its signature
 * over the archive, or nothing. */
const char *
lb_backup_integrity(const struct lb_backup *b)
{
	return b->refused != NULL ? "none" : b->has_sum ? "sha256" :
	    b->age ? "age" : b->sig == LB_SIG_STREAM ? "minisign" : "none";
}
