/*
 * store_http.c: a store on a web server: the URL of a directory listing
 * (nginx autoindex in HTML or JSON, Apache, any page of <a href> links) or
 * of one archive. HTTP basic auth comes from a netrc file, never from the
 * URL or the command line.
 *
 * The HTML listing parser is written here: no library in the build parses
 * HTML, and it only has to find names; anything it misreads is only a name
 * that fails to download. nginx's JSON listing is read with jread.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch.h"
#include "jread.h"
#include "store.h"

#define MAX_LISTING (16 * 1024 * 1024)

struct hstore {
	struct lb_fetch_conf fc;
	char *base;		/* the directory URL, ending in '/' */
	char *single;		/* the one archive, when the URL names it */
};

static int
add_obj(struct lb_object **v, size_t *n, const char *name, long long size,
    long long mtime)
{
	struct lb_object *p;
	size_t i;

	if (*name == '\0' || strchr(name, '/') != NULL || name[0] == '.')
		return 0;
	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, name) == 0)
			return 0;
	if ((p = realloc(*v, (*n + 1) * sizeof(*p))) == NULL)
		return -1;
	*v = p;
	if ((p[*n].name = strdup(name)) == NULL)
		return -1;
	p[*n].size = size;
	p[*n].mtime = mtime;
	(*n)++;
	return 0;
}

/* nginx's JSON autoindex: [{"name":"x", "type":"file", "mtime":"...",
 * "size":1}, ...]: its files. -1 out of memory; -2 not such a listing
 * (why says what is wrong). */
static int
parse_json(const char *body, size_t len, struct lb_object **v, size_t *n,
    char *why, size_t wl)
{
	const struct lb_jval *e;
	struct lb_jval *root;
	const char *name, *type, *mtime;
	int rc = 0;

	if (lb_jread_parse(body, len, &root, why, wl) != 0)
		return strcmp(why, "out of memory") == 0 ? -1 : -2;
	if (root->type != LB_JARR) {
		snprintf(why, wl, "not an array");
		rc = -2;
	}
	for (e = rc == 0 ? root->child : NULL; e != NULL && rc == 0;
	    e = e->next) {
		name = lb_jread_str(e, "name");
		type = lb_jread_str(e, "type");
		mtime = lb_jread_str(e, "mtime");
		if (name == NULL || (type != NULL && strcmp(type, "file") != 0))
			continue;
		rc = add_obj(v, n, name, lb_jread_int(e, "size", -1),
		    mtime != NULL ? lb_http_date(mtime) : -1);
	}
	lb_jread_free(root);
	return rc;
}

int
lb_http_listing(const char *base, const char *body, size_t len,
    struct lb_object **objs, size_t *n, char *why, size_t wl)
{
	const char *b = body;

	while (isspace((unsigned char)*b))
		b++;
	return *b == '[' ? parse_json(b, len - (size_t)(b - body), objs, n,
	    why, wl) : lb_http_page_links(base, b, objs, n);
}

/* The length of the "scheme://host[:port]" at the start of url, or 0. */
static size_t
origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	if (p == NULL)
		return 0;
	p += 3;
	return (size_t)(p - url) + strcspn(p, "/?#");
}

/*
 * The name of the file of the directory base that the link target t names,
 * decoded into out, or -1. A listing page may link a file of its directory
 * relatively ("x", "./x"), by its absolute path ("/dir/x") or by its full
 * URL ("http://host/dir/x"), with a query or a fragment after it; anything
 * else (a parent, a subdirectory, another directory or host, a link that
 * is only "?C=N;O=D" or "#top", "mailto:") is not a file of this
 * directory.
 */
static int
link_name(const char *base, const char *t, char *out, size_t len)
{
	char u[2048], bpath[2048];
	size_t n, o = origin_len(base);

	/* the query and the fragment do not name another file */
	n = strcspn(t, "?#");
	if (n == 0 || n >= sizeof(u) - 16)
		return -1;
	if (strncmp(t, "//", 2) == 0)	/* scheme-relative: the base's */
		snprintf(u, sizeof(u), "%.*s:%.*s", (int)strcspn(base, ":"),
		    base, (int)n, t);
	else
		snprintf(u, sizeof(u), "%.*s", (int)n, t);
	/* a scheme (RFC 3986: before any '/'): the base's origin only */
	if (u[strcspn(u, ":/")] == ':') {
		if (o == 0 || strncasecmp(u, base, o) != 0 ||
		    (u[o] != '/' && u[o] != '\0'))
			return -1;
		memmove(u, u + o, strlen(u + o) + 1);
	}
	if (u[0] == '/') {
		/* an absolute path: below the base's, compared decoded */
		snprintf(bpath, sizeof(bpath), "%s", base + o);
		bpath[strcspn(bpath, "?#")] = '\0';
		lb_url_decode(bpath);
		lb_url_decode(u);
		n = strlen(bpath);
		if (strncmp(u, bpath, n) != 0)
			return -1;
		memmove(u, u + n, strlen(u + n) + 1);
	} else {
		while (strncmp(u, "./", 2) == 0)
			memmove(u, u + 2, strlen(u + 2) + 1);
		lb_url_decode(u);
	}
	if (u[0] == '\0' || strchr(u, '/') != NULL || strlen(u) >= len)
		return -1;
	memcpy(out, u, strlen(u) + 1);
	return 0;
}

/* Any page: the targets of its href attributes (any case, quoted or not,
 * spaces around '=') that are files of the directory base. */
int
lb_http_page_links(const char *base, const char *body, struct lb_object **v,
    size_t *n)
{
	const char *s = body, *e;
	char target[2048], name[1024];
	size_t len;

	for (; *s != '\0'; s++) {
		if (strncasecmp(s, "href", 4) != 0 || (s > body &&
		    !isspace((unsigned char)s[-1])))
			continue;
		s += 4;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		if (*s != '=')
			continue;
		s++;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '"' || *s == '\'') {
			if ((e = strchr(s + 1, *s)) == NULL)
				break;
			s++;
		} else
			for (e = s; *e != '\0' && *e != '>' &&
			    !isspace((unsigned char)*e); e++)
				;
		len = (size_t)(e - s);
		if (len < sizeof(target)) {
			memcpy(target, s, len);
			target[len] = '\0';
			if (link_name(base, target, name, sizeof(name)) == 0 &&
			    add_obj(v, n, name, -1, -1) != 0)
				return -1;
		}
		if (*e == '\0')
			break;
		s = e;
	}
	return 0;
}

static int
h_open(struct lb_store *s, struct lb_err *err)
{
	const char *url = s->conf->url, *slash;
	struct hstore *h;
	size_t n;
	int one;		/* the URL names one archive */

	{
		const char *host = strstr(url, "://"), *at, *end;

		host = host != NULL ? host + 3 : url;
		end = strchr(host, '/');
		at = strchr(host, '@');
		if (at != NULL && (end == NULL || at < end))
			return lb_err_set(err, LB_EUSAGE, 0, "store '%s': no "
			    "credentials in the URL: give them in a netrc "
			    "file (netrc = FILE)", s->display);
	}
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	lb_fetch_conf_init(&h->fc, s->display);
	h->fc.ca_file = lb_store_opt(s->conf, "ca_file");
	h->fc.netrc = lb_store_opt(s->conf, "netrc");
	h->fc.insecure = lb_store_opt_bool(s->conf, "insecure", 0);
	slash = strrchr(url, '/');
	n = strlen(url);
	one = url[n - 1] != '/' && slash != NULL &&
	    lb_is_archive_name(slash + 1);
	if (one) {
		h->base = strndup(url, (size_t)(slash - url + 1));
		h->single = strdup(slash + 1);
		if (h->single != NULL)
			lb_url_decode(h->single);
	} else {
		h->base = malloc(n + 2);
		if (h->base != NULL)
			snprintf(h->base, n + 2, "%s%s", url,
			    url[n - 1] == '/' ? "" : "/");
	}
	if (h->base == NULL || (one && h->single == NULL)) {
		free(h->base);
		free(h->single);
		free(h);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	h->fc.display = s->display;
	s->priv = h;
	return LB_OK;
}

static char *
url_of(struct hstore *h, const char *name)
{
	char *enc = lb_url_encode(name, 0), *u;
	size_t n;

	if (enc == NULL)
		return NULL;
	n = strlen(h->base) + strlen(enc) + 1;
	if ((u = malloc(n)) != NULL)
		snprintf(u, n, "%s%s", h->base, enc);
	free(enc);
	return u;
}

static int
h_list(struct lb_store *s, struct lb_object **objs, size_t *n,
    struct lb_err *err)
{
	struct hstore *h = s->priv;
	struct lb_response r;
	char side[1100], why[256], *u;
	int rc;

	*objs = NULL;
	*n = 0;
	if (h->single != NULL) {
		/* one archive: it, and its sidecar if the server has one */
		if (add_obj(objs, n, h->single, -1, -1) != 0)
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		snprintf(side, sizeof(side), "%s.sha256", h->single);
		if ((u = url_of(h, side)) == NULL)
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		rc = lb_fetch_get(&h->fc, u, 64 * 1024, &r, err);
		free(u);
		if (rc != LB_OK)
			return rc;
		if (r.status == 200 && add_obj(objs, n, side, (long long)r.len,
		    -1) != 0)
			rc = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		lb_response_release(&r);
		return rc;
	}
	if ((rc = lb_fetch_get(&h->fc, h->base, MAX_LISTING, &r, err)) != 0)
		return rc;
	if (r.status != 200) {
		rc = lb_err_set(err, LB_ESTORE, 0, "store '%s': HTTP %ld for "
		    "its listing", s->display, r.status);
		lb_response_release(&r);
		return rc;
	}
	rc = lb_http_listing(h->base, r.body, r.len, objs, n, why,
	    sizeof(why));
	lb_response_release(&r);
	if (rc == -2)
		return lb_err_set(err, LB_ESTORE, 0, "store '%s': its JSON "
		    "listing cannot be read: %s", s->display, why);
	if (rc != 0)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	return LB_OK;
}

struct hreader {
	struct lb_fetch *f;
};

static void
h_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
h_open_read(struct lb_store *s, const char *name, long long offset,
    long long length, void **hp, struct lb_err *err)
{
	struct hstore *h = s->priv;
	struct lb_fetch *f;
	char *u;
	int r;

	if ((u = url_of(h, name)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	r = lb_fetch_open(&h->fc, u, offset, length, s->notice ? s->notice :
	    h_notice, s->notice_arg, &f, err);
	free(u);
	if (r != LB_OK)
		return r;
	*hp = f;
	return LB_OK;
}

static int
h_read(void *hp, void *buf, size_t len, size_t *got, struct lb_err *err)
{
	return lb_fetch_read(hp, buf, len, got, err);
}

static void
h_close_read(void *hp)
{
	lb_fetch_close(hp);
}

static long long
h_length(void *hp)
{
	return lb_fetch_length(hp);
}

static void
h_close(struct lb_store *s)
{
	struct hstore *h = s->priv;

	if (h == NULL)
		return;
	free(h->base);
	free(h->single);
	free(h);
}

/* The keys of its [store] sections besides url. */
static const char *const http_keys[] = {
	"ca_file", "insecure", "netrc", NULL,
};

const struct lb_store_ops lb_store_http_ops = {
	.scheme = "http",
	.keys = http_keys,
	.open = h_open,
	.list = h_list,
	.open_read = h_open_read,
	.read = h_read,
	.close_read = h_close_read,
	.length = h_length,
	.close = h_close,
};

const struct lb_store_ops lb_store_https_ops = {
	.scheme = "https",
	.keys = http_keys,
	.open = h_open,
	.list = h_list,
	.open_read = h_open_read,
	.read = h_read,
	.close_read = h_close_read,
	.length = h_length,
	.close = h_close,
};
