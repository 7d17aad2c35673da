/*
 * store_s3.c: an S3 bucket (AWS or any S3-compatible server) as a store:
 * s3://BUCKET/PREFIX/.
 *
 * Requests are signed by libcurl (CURLOPT_AWS_SIGV4) with the date we give
 * it, so that a rescue system whose clock is hours off can sign with the
 * server's time instead: the offset is learnt from RequestTimeTooSkewed's
 * ServerTime, or from any response's Date more than 5 minutes away from
 * ours. A bucket in another region than the one configured is named by
 * S3's answer (AuthorizationHeaderMalformed, PermanentRedirect, a 301 with
 * x-amz-bucket-region): the request is signed again for that region, once.
 * Listings and object reads go through the same correction (s3_answer).
 * Credentials come from the environment, the AWS shared files or the
 * store's section, never from the command line, and never appear in
 * messages. Listings are ListObjectsV2, paginated, parsed with expat.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <expat.h>
#include <ini.h>

#include "clock.h"
#include "fetch.h"
#include "files.h"
#include "store.h"

#define MAX_PAGE (8 * 1024 * 1024)
#define MAX_PAGES 1000		/* of up to 1000 keys each */
#define MAX_OBJECTS 200000	/* listed below the prefix */
#define SKEW_LIMIT 300
#define REGION_MAX 64
#define PART_SIZE (16 * 1024 * 1024)	/* default; [store] part_size */

struct s3store {
	struct lb_fetch_conf fc;
	char *bucket;
	char *prefix;		/* "" or ending in '/' */
	char *endpoint;		/* scheme://host[:port], no slash */
	int path_style;
	int aws;		/* the endpoint is AWS's own */
	char region[REGION_MAX];
	char sigv4[96];
	char userpwd[512];
	char key_id[128];
	char secret[256];
	char token[2048];
	size_t part_size;	/* multipart uploads */
};

/* Credentials and settings from an AWS shared file (INI). */
struct awsfile {
	const char *section;	/* "default", "NAME" or "profile NAME" */
	struct s3store *s;
	int is_config;
	int had_keys;		/* the credentials were set before the config
				   file was read */
	char endpoint[512];
};

static int
aws_key(void *user, const char *section, const char *key, const char *value,
    int lineno)
{
	struct awsfile *a = user;
	struct s3store *s = a->s;

	(void)lineno;
	/* inih also calls with no key at each section's start */
	if (key == NULL || value == NULL || strcmp(section, a->section) != 0)
		return 1;
	/* keys in the config file too, as the AWS tools take them; those
	 * of the credentials file (read first) win */
	if (strcmp(key, "aws_access_key_id") == 0 && (!a->is_config ||
	    !a->had_keys))
		snprintf(s->key_id, sizeof(s->key_id), "%s", value);
	else if (strcmp(key, "aws_secret_access_key") == 0 &&
	    (!a->is_config || !a->had_keys))
		snprintf(s->secret, sizeof(s->secret), "%s", value);
	else if (strcmp(key, "aws_session_token") == 0 && (!a->is_config ||
	    !a->had_keys))
		snprintf(s->token, sizeof(s->token), "%s", value);
	else if (a->is_config && strcmp(key, "region") == 0 &&
	    s->region[0] == '\0')
		snprintf(s->region, sizeof(s->region), "%s", value);
	else if (a->is_config && strcmp(key, "endpoint_url") == 0)
		snprintf(a->endpoint, sizeof(a->endpoint), "%s", value);
	return 1;
}

/* A region name as AWS makes them: it goes into a host name and into
 * curl's "aws:amz:REGION:s3", so nothing else is taken from a server. */
static int
region_ok(const char *r)
{
	size_t n = strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-");

	return n > 0 && r[n] == '\0' && n < REGION_MAX;
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static void
set_sigv4(struct s3store *s)
{
	snprintf(s->sigv4, sizeof(s->sigv4), "aws:amz:%s:s3", s->region);
	s->fc.sigv4 = s->sigv4;
}

/* s3://BUCKET/PREFIX: the bucket and the prefix, ending in '/'. */
static int
s3_where(struct lb_store *st, struct s3store *s, struct lb_err *err)
{
	const char *url = st->conf->url + 5, *slash, *v;
	size_t n;

	slash = strchr(url, '/');
	n = slash != NULL ? (size_t)(slash - url) : strlen(url);
	s->bucket = strndup(url, n);
	v = slash != NULL ? slash + 1 : "";
	n = strlen(v);
	s->prefix = malloc(n + 2);
	if (s->bucket == NULL || s->prefix == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	snprintf(s->prefix, n + 2, "%s%s", v, n > 0 && v[n - 1] != '/' ? "/" :
	    "");
	if (*s->bucket == '\0')
		return lb_err_set(err, LB_EUSAGE, 0, "store '%s': no bucket in "
		    "'%s' (s3://BUCKET/PREFIX/)", st->display, st->conf->url);
	return LB_OK;
}

/* Region and credentials: the store's keys, else the environment, else
 * the AWS shared files, as the AWS tools read them. a gets what the
 * config file says (its endpoint). */
static int
s3_credentials(struct lb_store *st, struct s3store *s, struct awsfile *a,
    struct lb_err *err)
{
	const struct lb_store_conf *sc = st->conf;
	const char *profile, *credfile, *cfgfile, *v;
	char path[1024], sect[160];

	if ((profile = lb_store_opt(sc, "profile")) == NULL)
		profile = env("AWS_PROFILE");
	credfile = lb_store_opt(sc, "credentials_file");
	if ((v = lb_store_opt(sc, "region")) != NULL ||
	    (v = env("AWS_REGION")) != NULL ||
	    (v = env("AWS_DEFAULT_REGION")) != NULL)
		snprintf(s->region, sizeof(s->region), "%s", v);
	if (credfile == NULL && lb_store_opt(sc, "profile") == NULL &&
	    env("AWS_ACCESS_KEY_ID") && env("AWS_SECRET_ACCESS_KEY")) {
		snprintf(s->key_id, sizeof(s->key_id), "%s",
		    env("AWS_ACCESS_KEY_ID"));
		snprintf(s->secret, sizeof(s->secret), "%s",
		    env("AWS_SECRET_ACCESS_KEY"));
		if ((v = env("AWS_SESSION_TOKEN")) != NULL)
			snprintf(s->token, sizeof(s->token), "%s", v);
	} else {
		memset(a, 0, sizeof(*a));
		a->s = s;
		a->section = profile ? profile : "default";
		if (credfile == NULL && (credfile =
		    env("AWS_SHARED_CREDENTIALS_FILE")) == NULL) {
			lb_home_path(".aws/credentials", path, sizeof(path));
			credfile = path;
		}
		/* a profile may live in the config file alone */
		if (ini_parse(credfile, aws_key, a) < 0 && lb_store_opt(sc,
		    "credentials_file"))
			return lb_err_set(err, LB_EUSAGE, 0, "store '%s': "
			    "cannot read credentials file '%s'", st->display,
			    credfile);
	}
	memset(a, 0, sizeof(*a));
	a->s = s;
	a->is_config = 1;
	a->had_keys = s->key_id[0] != '\0' && s->secret[0] != '\0';
	if (profile != NULL && strcmp(profile, "default") != 0) {
		snprintf(sect, sizeof(sect), "profile %s", profile);
		a->section = sect;
	} else
		a->section = "default";
	if ((cfgfile = env("AWS_CONFIG_FILE")) == NULL) {
		lb_home_path(".aws/config", path, sizeof(path));
		cfgfile = path;
	}
	ini_parse(cfgfile, aws_key, a);
	a->section = NULL;	/* sect is ours */
	if (s->region[0] == '\0')
		snprintf(s->region, sizeof(s->region), "us-east-1");
	if (s->key_id[0] == '\0' || s->secret[0] == '\0')
		return lb_err_set(err, LB_EUSAGE, 0, "store '%s': no S3 "
		    "credentials: set AWS_ACCESS_KEY_ID and "
		    "AWS_SECRET_ACCESS_KEY, or give a profile or "
		    "credentials_file", st->display);
	return LB_OK;
}

/* Endpoint: the store's, the environment's, the profile's, or AWS. */
static int
s3_endpoint(const struct lb_store_conf *sc, struct s3store *s,
    const struct awsfile *a, struct lb_err *err)
{
	const char *v;
	char *ep = NULL;
	size_t n;

	if ((v = lb_store_opt(sc, "endpoint")) != NULL ||
	    (v = env("AWS_ENDPOINT_URL_S3")) != NULL ||
	    (v = env("AWS_ENDPOINT_URL")) != NULL ||
	    (a->endpoint[0] != '\0' && (v = a->endpoint) != NULL)) {
		ep = strdup(v);
	} else {
		s->aws = 1;
		n = strlen(s->region) + 40;
		if ((ep = malloc(n)) != NULL)
			snprintf(ep, n, "https://s3.%s.amazonaws.com",
			    s->region);
	}
	if (ep == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	n = strlen(ep);
	while (n > 0 && ep[n - 1] == '/')
		ep[--n] = '\0';
	s->endpoint = ep;
	s->path_style = lb_store_opt_bool(sc, "path_style", !s->aws);
	/* a bucket name with dots breaks TLS for virtual hosts */
	if (strchr(s->bucket, '.') != NULL && lb_store_opt(sc, "path_style") ==
	    NULL)
		s->path_style = 1;
	return LB_OK;
}

/* The values of [store] keys that s3 stores read. */
static int
s3_check(const char *key, const char *v, char *why, size_t len)
{
	long long ps;

	/* S3's own bounds for every part but the last */
	if (strcmp(key, "part_size") == 0 && (lb_parse_size(v, &ps) != 0 ||
	    ps < (5LL << 20) || ps > (1LL << 30)))
		snprintf(why, len, "part_size must be a size from 5M to 1G "
		    "(like 16M), not '%s'", v);
	else if (strcmp(key, "region") == 0 && !region_ok(v))
		snprintf(why, len, "region must be a region name (lowercase "
		    "letters, digits and '-', like eu-west-3), not '%s'", v);
	else if (strcmp(key, "endpoint") == 0 && strncmp(v, "http://", 7) &&
	    strncmp(v, "https://", 8))
		snprintf(why, len, "endpoint must be an http:// or https:// "
		    "URL, not '%s'", v);
	else
		return 0;
	return -1;
}

static int
s3_open(struct lb_store *st, struct lb_err *err)
{
	const struct lb_store_conf *sc = st->conf;
	struct awsfile a;
	struct s3store *s;
	const char *v;
	int r;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	st->priv = s;
	lb_fetch_conf_init(&s->fc, st->display);
	s->fc.ca_file = lb_store_opt(sc, "ca_file");
	s->fc.insecure = lb_store_opt_bool(sc, "insecure", 0);
	s->part_size = PART_SIZE;
	if ((v = lb_store_opt(sc, "part_size")) != NULL) {
		long long ps;
		char why[160];

		if (s3_check("part_size", v, why, sizeof(why)) != 0 ||
		    lb_parse_size(v, &ps) != 0)
			return lb_err_set(err, LB_EUSAGE, 0, "store '%s': %s",
			    st->display, why);
		s->part_size = (size_t)ps;
	}
	if ((r = s3_where(st, s, err)) != LB_OK ||
	    (r = s3_credentials(st, s, &a, err)) != LB_OK ||
	    (r = s3_endpoint(sc, s, &a, err)) != LB_OK)
		return r;
	snprintf(s->userpwd, sizeof(s->userpwd), "%s:%s", s->key_id,
	    s->secret);
	s->fc.userpwd = s->userpwd;
	s->fc.token = s->token[0] ? s->token : NULL;
	set_sigv4(s);
	return LB_OK;
}

/* The URL of key (NULL: the bucket), with query (may be NULL). */
static char *
s3_url(struct s3store *s, const char *key, const char *query)
{
	char *ek = NULL, *u;
	const char *host = s->endpoint, *sep;
	size_t n;

	if (key != NULL && (ek = lb_url_encode(key, 1)) == NULL)
		return NULL;
	n = strlen(s->endpoint) + strlen(s->bucket) + (ek ? strlen(ek) : 0) +
	    (query ? strlen(query) : 0) + 8;
	if ((u = malloc(n)) == NULL) {
		free(ek);
		return NULL;
	}
	if (s->path_style)
		snprintf(u, n, "%s/%s/%s%s%s", host, s->bucket, ek ? ek : "",
		    query ? "?" : "", query ? query : "");
	else {
		sep = strstr(host, "://");
		snprintf(u, n, "%.*s%s.%s/%s%s%s",
		    sep ? (int)(sep - host + 3) : 0, host, s->bucket,
		    sep ? sep + 3 : host, ek ? ek : "", query ? "?" : "",
		    query ? query : "");
	}
	free(ek);
	return u;
}

/* One ListObjectsV2 page, or an S3 error document. */
struct xml {
	struct lb_object *objs;
	size_t n;
	const char *prefix;
	int depth;
	char path[4][32];	/* element names by depth (first 4) */
	char text[2048];
	size_t tl;
	char key[1024];
	long long size, mtime;
	int truncated;
	char token[2048];
	char code[64], region[64], server_time[64], message[256];
	int failed;
};

static void XMLCALL
x_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
	struct xml *x = arg;

	(void)attrs;
	if (x->depth < 4)
		snprintf(x->path[x->depth], sizeof(x->path[0]), "%s", name);
	x->depth++;
	x->tl = 0;
	if (x->depth == 2 && strcmp(name, "Contents") == 0) {
		x->key[0] = '\0';
		x->size = x->mtime = -1;
	}
}

static void XMLCALL
x_text(void *arg, const XML_Char *s, int len)
{
	struct xml *x = arg;

	if (len > 0 && x->tl + (size_t)len < sizeof(x->text)) {
		memcpy(x->text + x->tl, s, (size_t)len);
		x->tl += (size_t)len;
	}
}

static void XMLCALL
x_end(void *arg, const XML_Char *name)
{
	struct xml *x = arg;
	const char *top = x->path[0];
	struct lb_object *p;
	size_t pl;

	x->text[x->tl] = '\0';
	if (strcmp(top, "ListBucketResult") == 0) {
		if (x->depth == 3 && strcmp(x->path[1], "Contents") == 0) {
			if (strcmp(name, "Key") == 0)
				snprintf(x->key, sizeof(x->key), "%s", x->text);
			else if (strcmp(name, "Size") == 0)
				x->size = strtoll(x->text, NULL, 10);
			else if (strcmp(name, "LastModified") == 0)
				x->mtime = lb_time_parse_iso(x->text);
		} else if (x->depth == 2 && strcmp(name, "Contents") == 0) {
			pl = strlen(x->prefix);
			if (strncmp(x->key, x->prefix, pl) == 0 &&
			    x->key[pl] != '\0' && !strchr(x->key + pl, '/')) {
				p = realloc(x->objs, (x->n + 1) * sizeof(*p));
				if (p == NULL || (p[x->n].name = strdup(x->key +
				    pl)) == NULL) {
					if (p != NULL)
						x->objs = p;
					x->failed = 1;
				} else {
					x->objs = p;
					p[x->n].size = x->size;
					p[x->n].mtime = x->mtime;
					x->n++;
				}
			}
		} else if (x->depth == 2 && strcmp(name, "IsTruncated") == 0)
			x->truncated = strcmp(x->text, "true") == 0;
		else if (x->depth == 2 &&
		    strcmp(name, "NextContinuationToken") == 0)
			snprintf(x->token, sizeof(x->token), "%s", x->text);
	} else if (strcmp(top, "InitiateMultipartUploadResult") == 0 &&
	    x->depth == 2 && strcmp(name, "UploadId") == 0) {
		snprintf(x->token, sizeof(x->token), "%s", x->text);
	} else if (strcmp(top, "Error") == 0 && x->depth == 2) {
		if (strcmp(name, "Code") == 0)
			snprintf(x->code, sizeof(x->code), "%s", x->text);
		else if (strcmp(name, "Region") == 0)
			snprintf(x->region, sizeof(x->region), "%s", x->text);
		else if (strcmp(name, "ServerTime") == 0)
			snprintf(x->server_time, sizeof(x->server_time), "%s",
			    x->text);
		else if (strcmp(name, "Message") == 0)
			snprintf(x->message, sizeof(x->message), "%s", x->text);
	}
	x->depth--;
	x->tl = 0;
}

static int
parse_xml(struct xml *x, const char *body, size_t len)
{
	XML_Parser p = XML_ParserCreate(NULL);
	int ok;

	if (p == NULL)
		return -1;
	XML_SetUserData(p, x);
	XML_SetElementHandler(p, x_start, x_end);
	XML_SetCharacterDataHandler(p, x_text);
	ok = XML_Parse(p, body, (int)len, 1) == XML_STATUS_OK;
	XML_ParserFree(p);
	return ok && !x->failed ? 0 : -1;
}

int
lb_s3_xml_parse(const char *body, size_t len, const char *prefix,
    struct lb_object **objs, size_t *n, char *code, size_t codelen)
{
	struct xml *x;
	int r;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -1;
	x->prefix = prefix;
	x->objs = *objs;
	x->n = *n;
	r = parse_xml(x, body, len);
	*objs = x->objs;
	*n = x->n;
	snprintf(code, codelen, "%s", x->code);
	free(x);
	return r;
}

/* Learn the server's clock from its Date header. */
static void
learn_clock(struct lb_store *st, const struct lb_response *r)
{
	struct s3store *s = st->priv;
	long long t, off;
	char msg[160];

	if (r->date == NULL || (t = lb_http_date(r->date)) < 0)
		return;
	off = t - (long long)time(NULL);
	if (off - s->fc.clock_offset > SKEW_LIMIT ||
	    s->fc.clock_offset - off > SKEW_LIMIT) {
		s->fc.clock_offset = off;
		if (st->notice != NULL) {
			snprintf(msg, sizeof(msg), "store '%s': the server's "
			    "clock is %+lld s from ours: signing with its time",
			    st->display, off);
			st->notice(st->notice_arg, msg);
		}
	}
}

/* The corrections one request has had: each is made once. */
struct s3fix {
	int clock;
	int region;
};

static int
set_region(struct s3store *s, const char *region)
{
	char *ep;
	size_t n = strlen(region) + 40;

	snprintf(s->region, sizeof(s->region), "%s", region);
	set_sigv4(s);
	if (!s->aws)
		return 0;
	/* AWS's endpoints are regional */
	if ((ep = malloc(n)) == NULL)
		return -1;
	snprintf(ep, n, "https://s3.%s.amazonaws.com", s->region);
	free(s->endpoint);
	s->endpoint = ep;
	return 0;
}

/*
 * Judge one answer, for listings and object reads alike: learn the
 * server's clock from its Date, and when an error says we signed with the
 * wrong time (RequestTimeTooSkewed) or for the wrong region
 * (AuthorizationHeaderMalformed or PermanentRedirect naming another one, a
 * 301 with x-amz-bucket-region), correct s so that the request can be
 * signed again: 1 to retry it, 0 when the answer stands (a success, or an
 * error for the caller to report; x then holds its Code and Message).
 */
static int
s3_answer(struct lb_store *st, const struct lb_response *r, struct xml *x,
    struct s3fix *fx, struct lb_err *err)
{
	struct s3store *s = st->priv;
	const char *region;
	char msg[192];
	long long t, was;

	memset(x, 0, sizeof(*x));
	learn_clock(st, r);
	if (r->status >= 200 && r->status < 300)
		return 0;
	/* an error without S3's XML still has its status and headers */
	x->prefix = "";
	(void)parse_xml(x, r->body, r->len);
	if (strcmp(x->code, "RequestTimeTooSkewed") == 0 && !fx->clock &&
	    (t = lb_time_parse_iso(x->server_time)) > 0) {
		fx->clock = 1;
		was = s->fc.clock_offset;
		s->fc.clock_offset = t - (long long)time(NULL);
		/* the Date header may have told us already */
		if (st->notice != NULL && (s->fc.clock_offset - was > 60 ||
		    was - s->fc.clock_offset > 60)) {
			snprintf(msg, sizeof(msg), "store '%s': our clock is "
			    "%+lld s off the server's: signing with its time",
			    st->display, -s->fc.clock_offset);
			st->notice(st->notice_arg, msg);
		}
		return 1;
	}
	region = x->region[0] ? x->region : r->bucket_region;
	if (region != NULL && region_ok(region) && !fx->region &&
	    strcmp(region, s->region) != 0 &&
	    (strcmp(x->code, "AuthorizationHeaderMalformed") == 0 ||
	    strcmp(x->code, "PermanentRedirect") == 0 || r->status == 301)) {
		fx->region = 1;
		if (st->notice != NULL) {
			snprintf(msg, sizeof(msg), "store '%s': the bucket is "
			    "in region '%.64s', not '%s': signing for it",
			    st->display, region, s->region);
			st->notice(st->notice_arg, msg);
		}
		if (set_region(s, region) != 0)
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		return 1;
	}
	return 0;
}

static int
s3_list(struct lb_store *st, struct lb_object **objs, size_t *n,
    struct lb_err *err)
{
	struct s3store *s = st->priv;
	struct lb_response r;
	struct xml x, e;
	struct s3fix fx;
	char *q = NULL, *u, *ep, *et = NULL;
	size_t ql;
	int rc = LB_OK, fix, pages = 0;

	memset(&x, 0, sizeof(x));
	memset(&fx, 0, sizeof(fx));
	x.prefix = s->prefix;
	*objs = NULL;
	*n = 0;
	for (;;) {
		if ((ep = lb_url_encode(s->prefix, 0)) == NULL ||
		    (x.token[0] && (et = lb_url_encode(x.token, 0)) == NULL)) {
			free(ep);
			rc = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
			break;
		}
		/* query keys in sorted order, values fully escaped */
		ql = strlen(ep) + (et ? strlen(et) : 0) + 96;
		if ((q = malloc(ql)) == NULL) {
			free(ep);
			free(et);
			rc = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
			break;
		}
		snprintf(q, ql, "%s%s%sdelimiter=%%2F&list-type=2&prefix=%s",
		    et ? "continuation-token=" : "", et ? et : "",
		    et ? "&" : "", ep);
		free(ep);
		free(et);
		et = NULL;
		u = s3_url(s, NULL, q);
		free(q);
		if (u == NULL) {
			rc = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
			break;
		}
		rc = lb_fetch_get(&s->fc, u, MAX_PAGE, &r, err);
		free(u);
		if (rc != LB_OK)
			break;
		if ((fix = s3_answer(st, &r, &e, &fx, err)) != 0) {
			lb_response_release(&r);
			if (fix < 0) {
				rc = fix;
				break;
			}
			continue;
		}
		if (r.status != 200) {
			rc = lb_err_set(err, LB_ESTORE, 0, "store '%s': HTTP "
			    "%ld%s%s%s%s", st->display, r.status,
			    e.code[0] ? ": " : "", e.code, e.message[0] ?
			    ": " : "", e.message);
			lb_response_release(&r);
			break;
		}
		/* a page: the corrections start afresh for the next one */
		memset(&fx, 0, sizeof(fx));
		x.truncated = 0;
		x.token[0] = '\0';
		x.depth = 0;
		if (parse_xml(&x, r.body, r.len) != 0) {
			rc = lb_err_set(err, LB_ESTORE, 0, "store '%s': the "
			    "listing is not S3 XML", st->display);
			lb_response_release(&r);
			break;
		}
		lb_response_release(&r);
		if (!x.truncated)
			break;
		/* a listing that never ends (a hostile or broken server) is
		 * refused before it fills the memory */
		if (++pages >= MAX_PAGES || x.n > MAX_OBJECTS) {
			rc = lb_err_set(err, LB_ESTORE, 0, "store '%s': the "
			    "listing goes on past %zu objects in %d pages",
			    st->display, x.n, pages);
			break;
		}
		if (x.token[0] == '\0') {
			rc = lb_err_set(err, LB_ESTORE, 0, "store '%s': a "
			    "truncated listing without a continuation token",
			    st->display);
			break;
		}
	}
	if (rc != LB_OK) {
		lb_objects_free(x.objs, x.n);
		return rc;
	}
	*objs = x.objs;
	*n = x.n;
	return LB_OK;
}

static void
s3_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
s3_open_read(struct lb_store *st, const char *name, long long offset,
    long long length, void **hp, struct lb_err *err)
{
	struct s3store *s = st->priv;
	struct lb_response r;
	struct lb_fetch *f;
	struct s3fix fx;
	struct xml x;
	char *key, *u;
	size_t n = strlen(s->prefix) + strlen(name) + 1;
	int rc;

	if ((key = malloc(n)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	snprintf(key, n, "%s%s", s->prefix, name);
	memset(&fx, 0, sizeof(fx));
	for (;;) {
		/* again after a correction: the endpoint may have changed */
		if ((u = s3_url(s, key, NULL)) == NULL) {
			rc = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
			break;
		}
		rc = lb_fetch_open(&s->fc, u, offset, length, st->notice ?
		    st->notice : s3_quiet, st->notice_arg, &f, err);
		free(u);
		if (rc != LB_OK)
			break;
		if ((rc = lb_fetch_answer(f, &r, err)) == LB_OK) {
			rc = s3_answer(st, &r, &x, &fx, err);
			lb_response_release(&r);
		}
		if (rc == 0) {
			/* data, or an error that lb_fetch_read reports */
			*hp = f;
			break;
		}
		lb_fetch_close(f);
		if (rc < 0)
			break;
	}
	free(key);
	return rc;
}

static int
s3_read(void *hp, void *buf, size_t len, size_t *got, struct lb_err *err)
{
	return lb_fetch_read(hp, buf, len, got, err);
}

static void
s3_close_read(void *hp)
{
	lb_fetch_close(hp);
}

static void
s3_close(struct lb_store *st)
{
	struct s3store *s = st->priv;

	if (s == NULL)
		return;
	/* secrets are wiped, not just freed */
	explicit_bzero(s->secret, sizeof(s->secret));
	explicit_bzero(s->userpwd, sizeof(s->userpwd));
	explicit_bzero(s->token, sizeof(s->token));
	free(s->bucket);
	free(s->prefix);
	free(s->endpoint);
	free(s);
}

/* --- writing: multipart uploads (lifeboat backup) --- */

#define MAX_PARTS 10000

/* One request with a body, with the same corrections as a read (clock,
 * region); a status that is no success is an error naming S3's code. */
static int
s3_send(struct lb_store *st, const char *method, const char *key,
    const char *query, const void *body, size_t len, struct xml *out,
    struct lb_err *err)
{
	struct s3store *s = st->priv;
	struct lb_response r;
	struct s3fix fx;
	struct xml x;
	char *u;
	int rc;

	memset(&fx, 0, sizeof(fx));
	for (;;) {
		if ((u = s3_url(s, key, query)) == NULL)
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		rc = lb_fetch_send(&s->fc, method, u, body, len, MAX_PAGE, &r,
		    err);
		free(u);
		if (rc != LB_OK)
			return rc;
		rc = s3_answer(st, &r, &x, &fx, err);
		if (rc == 1) {
			lb_response_release(&r);
			continue;
		}
		if (rc < 0) {
			lb_response_release(&r);
			return rc;
		}
		break;
	}
	if (r.status < 200 || r.status >= 300) {
		rc = lb_err_set(err, LB_ESTORE, 0, "store '%s': %s '%s': HTTP "
		    "%ld%s%s%s%s", st->display, method, key, r.status,
		    x.code[0] ? " " : "", x.code, x.message[0] ? ": " : "",
		    x.message);
		lb_response_release(&r);
		return rc;
	}
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
		out->prefix = "";
		if (r.len > 0 && parse_xml(out, r.body, r.len) != 0) {
			lb_response_release(&r);
			return lb_err_set(err, LB_ESTORE, 0, "store '%s': %s "
			    "'%s': an answer that is not S3's XML", st->display,
			    method, key);
		}
	}
	lb_response_release(&r);
	return LB_OK;
}

/* An upload in progress: a part fills while the one before it goes up
 * in its own thread, so at most two parts are in memory. */
struct s3writer {
	struct lb_store *st;
	char *key;
	char upload[1024];
	unsigned char *fill, *send;
	size_t len, sendlen, part;
	int parts;		/* parts started so far */
	char (*etags)[80];
	pthread_t th;
	int busy;		/* the thread runs */
	int th_rc;
	struct lb_err th_err;
	char th_etag[80];
};

static void *
part_thread(void *arg)
{
	struct s3writer *w = arg;
	struct s3store *s = w->st->priv;
	struct lb_response r;
	char q[1200], *u, *etag;
	int i;

	snprintf(q, sizeof(q), "partNumber=%d&uploadId=%s", w->parts,
	    w->upload);
	w->th_etag[0] = '\0';
	lb_err_clear(&w->th_err);
	if ((u = s3_url(s, w->key, q)) == NULL) {
		w->th_rc = lb_err_set(&w->th_err, LB_ENOMEM, 0,
		    "out of memory");
		return NULL;
	}
	/* the ETag is in a header, which lb_fetch_send does not keep: the
	 * part's MD5 is not needed, S3 accepts the ETag it gave, and
	 * CompleteMultipartUpload is told each part's */
	w->th_rc = lb_fetch_send(&s->fc, "PUT", u, w->send, w->sendlen,
	    MAX_PAGE, &r, &w->th_err);
	free(u);
	if (w->th_rc != LB_OK)
		return NULL;
	if (r.status < 200 || r.status >= 300) {
		w->th_rc = lb_err_set(&w->th_err, LB_ESTORE, 0, "store '%s': "
		    "part %d of '%s': HTTP %ld", w->st->display, w->parts,
		    w->key, r.status);
	} else if ((etag = r.etag) != NULL) {
		for (i = 0; etag[i] != '\0' && i < 79; i++)
			w->th_etag[i] = etag[i];
		w->th_etag[i] = '\0';
	}
	lb_response_release(&r);
	return NULL;
}

/* Wait for the part in flight; its result. */
static int
part_wait(struct s3writer *w, struct lb_err *err)
{
	if (!w->busy)
		return LB_OK;
	pthread_join(w->th, NULL);
	w->busy = 0;
	if (w->th_rc != LB_OK) {
		*err = w->th_err;
		return w->th_rc;
	}
	if (w->th_etag[0] == '\0')
		return lb_err_set(err, LB_ESTORE, 0, "store '%s': part %d of "
		    "'%s' got no ETag", w->st->display, w->parts, w->key);
	snprintf(w->etags[w->parts - 1], sizeof(w->etags[0]), "%s",
	    w->th_etag);
	return LB_OK;
}

/* Send what has filled as the next part, in the background. */
static int
part_start(struct s3writer *w, struct lb_err *err)
{
	unsigned char *t;
	int r;

	if ((r = part_wait(w, err)) != LB_OK)
		return r;
	if (w->parts >= MAX_PARTS)
		return lb_err_set(err, LB_ESTORE, 0, "store '%s': '%s' needs "
		    "more than %d parts", w->st->display, w->key, MAX_PARTS);
	t = w->send;
	w->send = w->fill;
	w->fill = t;
	w->sendlen = w->len;
	w->len = 0;
	w->parts++;
	if (pthread_create(&w->th, NULL, part_thread, w) != 0) {
		w->parts--;
		return lb_err_set(err, LB_EFAIL, 0, "cannot start a thread");
	}
	w->busy = 1;
	return LB_OK;
}

static void
s3w_free(struct s3writer *w)
{
	if (w->busy)
		pthread_join(w->th, NULL);
	free(w->key);
	free(w->fill);
	free(w->send);
	free(w->etags);
	free(w);
}

static int
s3_open_write(struct lb_store *st, const char *name, void **hp,
    struct lb_err *err)
{
	struct s3store *s = st->priv;
	struct s3writer *w;
	struct xml x;
	size_t n = strlen(s->prefix) + strlen(name) + 1;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL || (w->key = malloc(n)) ==
	    NULL || (w->fill = malloc(s->part_size)) == NULL ||
	    (w->send = malloc(s->part_size)) == NULL ||
	    (w->etags = calloc(MAX_PARTS, sizeof(*w->etags))) == NULL) {
		if (w != NULL)
			s3w_free(w);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	w->st = st;
	w->part = s->part_size;
	snprintf(w->key, n, "%s%s", s->prefix, name);
	if ((rc = s3_send(st, "POST", w->key, "uploads", "", 0, &x, err)) !=
	    LB_OK) {
		s3w_free(w);
		return rc;
	}
	if (x.token[0] == '\0' || strpbrk(x.token, "&# ") != NULL) {
		s3w_free(w);
		return lb_err_set(err, LB_ESTORE, 0, "store '%s': no upload "
		    "id for '%s'", st->display, name);
	}
	snprintf(w->upload, sizeof(w->upload), "%s", x.token);
	free(x.objs);
	*hp = w;
	return LB_OK;
}

static int
s3_write(void *hp, const void *buf, size_t len, struct lb_err *err)
{
	struct s3writer *w = hp;
	const unsigned char *p = buf;
	size_t k;
	int r;

	while (len > 0) {
		k = w->part - w->len < len ? w->part - w->len : len;
		memcpy(w->fill + w->len, p, k);
		w->len += k;
		p += k;
		len -= k;
		if (w->len == w->part && (r = part_start(w, err)) != LB_OK)
			return r;
	}
	return LB_OK;
}

static void
s3_abort_write(void *hp)
{
	struct s3writer *w = hp;
	struct lb_err e;
	char q[1100];

	if (w == NULL)
		return;
	if (w->busy) {
		pthread_join(w->th, NULL);
		w->busy = 0;
	}
	/* an upload never completed is never visible; aborting it frees
	 * the parts the server keeps (and bills) */
	snprintf(q, sizeof(q), "uploadId=%s", w->upload);
	if (s3_send(w->st, "DELETE", w->key, q, "", 0, NULL, &e) != LB_OK &&
	    w->st->notice != NULL) {
		char msg[LB_ERR_MSG + 160];

		snprintf(msg, sizeof(msg), "cannot abort the upload of '%s' "
		    "(%s): its parts stay on the server until a lifecycle "
		    "rule removes them", w->key, e.msg);
		w->st->notice(w->st->notice_arg, msg);
	}
	s3w_free(w);
}

static int
s3_commit_write(void *hp, struct lb_err *err)
{
	struct s3writer *w = hp;
	char q[1100], line[160], *xml = NULL;
	size_t cap, used;
	int i, rc;

	/* the last part (the only one of a small object) */
	if ((w->len > 0 || w->parts == 0) &&
	    (rc = part_start(w, err)) != LB_OK)
		goto fail;
	if ((rc = part_wait(w, err)) != LB_OK)
		goto fail;
	cap = (size_t)w->parts * 160 + 128;
	if ((xml = malloc(cap)) == NULL) {
		rc = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		goto fail;
	}
	used = (size_t)snprintf(xml, cap, "<CompleteMultipartUpload>");
	for (i = 0; i < w->parts; i++) {
		snprintf(line, sizeof(line), "<Part><PartNumber>%d</PartNumber>"
		    "<ETag>%s</ETag></Part>", i + 1, w->etags[i]);
		used += (size_t)snprintf(xml + used, cap - used, "%s", line);
	}
	snprintf(xml + used, cap - used, "</CompleteMultipartUpload>");
	snprintf(q, sizeof(q), "uploadId=%s", w->upload);
	if ((rc = s3_send(w->st, "POST", w->key, q, xml, strlen(xml), NULL,
	    err)) != LB_OK)
		goto fail;
	free(xml);
	s3w_free(w);
	return LB_OK;
fail:
	free(xml);
	s3_abort_write(w);
	return rc;
}

static int
s3_remove(struct lb_store *st, const char *name, struct lb_err *err)
{
	struct s3store *s = st->priv;
	size_t n = strlen(s->prefix) + strlen(name) + 1;
	char *key;
	int rc;

	if ((key = malloc(n)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	snprintf(key, n, "%s%s", s->prefix, name);
	rc = s3_send(st, "DELETE", key, NULL, "", 0, NULL, err);
	free(key);
	return rc;
}

/* The keys of its [store] sections besides url. */
static const char *const s3_keys[] = {
	"ca_file", "insecure", "region", "endpoint", "path_style", "profile",
	"credentials_file", "part_size", NULL,
};

const struct lb_store_ops lb_store_s3_ops = {
	.scheme = "s3",
	.keys = s3_keys,
	.check = s3_check,
	.open = s3_open,
	.list = s3_list,
	.open_read = s3_open_read,
	.read = s3_read,
	.close_read = s3_close_read,
	.close = s3_close,
	.open_write = s3_open_write,
	.write = s3_write,
	.commit_write = s3_commit_write,
	.abort_write = s3_abort_write,
	.remove = s3_remove,
};
