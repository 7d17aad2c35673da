/*
 * fetch.c: libcurl transfers for the network stores (see fetch.h).
 *
 * Streaming uses the multi interface with pausing (the store interface is
 * pull-based, libcurl pushes): the write callback fills a bounded buffer and
 * pauses the transfer when it is full; lb_fetch_read drains it and drives
 * the transfer when it is empty. A transfer that breaks is reopened with a
 * Range request from the exact byte delivered so far, so that the caller's
 * running hash and decoder never see a gap or a repeat.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/sha256.h>

#include "fetch.h"
#include "lb_version.h"

#define STREAM_BUF (1024 * 1024)
#define MAX_ERRBODY (64 * 1024)
#define MAX_REDIRS 5

void
lb_fetch_conf_init(struct lb_fetch_conf *c, const char *display)
{
	const char *s;

	memset(c, 0, sizeof(*c));
	c->display = display;
	c->retries = 5;
	c->retry_ms = 1000;
	c->connect_timeout = 20;
	c->stall_timeout = 60;
	if ((s = getenv("LIFEBOAT_RETRY_MS")) != NULL)
		c->retry_ms = strtol(s, NULL, 10);
	if ((s = getenv("LIFEBOAT_RETRIES")) != NULL)
		c->retries = (int)strtol(s, NULL, 10);
	/* a transfer below 1 KiB/s this many seconds is a stalled one (a
	 * slow-loris server): retried, then given up */
	if ((s = getenv("LIFEBOAT_STALL_TIMEOUT")) != NULL &&
	    strtol(s, NULL, 10) > 0)
		c->stall_timeout = strtol(s, NULL, 10);
}

/* Host key checking state for one transfer. */
struct khstate {
	int bad;		/* 1 mismatch, 2 unknown */
	char fp[64];
};

static int
kh_cb(CURL *e, const struct curl_khkey *known, const struct curl_khkey *found,
    enum curl_khmatch m, void *arg)
{
	struct khstate *s = arg;
	unsigned char raw[4096], hash[32];
	size_t rl = 0, ol;

	(void)e;
	(void)known;
	if (m == CURLKHMATCH_OK)
		return CURLKHSTAT_FINE;
	s->bad = m == CURLKHMATCH_MISMATCH ? 1 : 2;
	if (found->len == 0)
		lb_ssh_fingerprint(found->key, s->fp, sizeof(s->fp));
	else if (found->len <= sizeof(raw)) {
		rl = found->len;
		memcpy(raw, found->key, rl);
		mbedtls_sha256(raw, rl, hash, 0);
		memcpy(s->fp, "SHA256:", 7);
		if (mbedtls_base64_encode((unsigned char *)s->fp + 7,
		    sizeof(s->fp) - 7, &ol, hash, 32) == 0) {
			while (ol > 0 && s->fp[7 + ol - 1] == '=')
				ol--;
			s->fp[7 + ol] = '\0';
		}
	}
	return CURLKHSTAT_REJECT;
}

int
lb_ssh_fingerprint(const char *b64, char *out, size_t len)
{
	unsigned char raw[4096], hash[32];
	size_t rl, ol;

	if (len < 8 || mbedtls_base64_decode(raw, sizeof(raw), &rl,
	    (const unsigned char *)b64, strlen(b64)) != 0)
		return -1;
	mbedtls_sha256(raw, rl, hash, 0);
	memcpy(out, "SHA256:", 7);
	if (mbedtls_base64_encode((unsigned char *)out + 7, len - 7, &ol, hash,
	    32) != 0)
		return -1;
	while (ol > 0 && out[7 + ol - 1] == '=')
		ol--;
	out[7 + ol] = '\0';
	return 0;
}

/* What every transfer shares: headers seen, host key state. */
struct xfer {
	const struct lb_fetch_conf *c;
	struct curl_slist *headers;
	struct khstate kh;
	char errbuf[CURL_ERROR_SIZE];
	char *date;
	char *bucket_region;
	char *etag;
	const char *extra;	/* one more header line, or NULL */
	long long range_start;	/* from Content-Range, -1 if none */
};

static void
xfer_reset_headers(struct xfer *x)
{
	free(x->date);
	free(x->bucket_region);
	free(x->etag);
	x->date = x->bucket_region = x->etag = NULL;
	x->range_start = -1;
}

static char *
header_value(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name), e;
	char *v;

	if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return NULL;
	line += k + 1;
	n -= k + 1;
	while (n > 0 && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	for (e = n; e > 0 && (line[e - 1] == '\r' || line[e - 1] == '\n' ||
	    line[e - 1] == ' '); e--)
		;
	if ((v = malloc(e + 1)) == NULL)
		return NULL;
	memcpy(v, line, e);
	v[e] = '\0';
	return v;
}

static size_t
header_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	char *v;

	/* a new response (after a redirect or a 100): forget the last */
	if (len > 5 && strncmp(buf, "HTTP/", 5) == 0)
		xfer_reset_headers(x);
	else if ((v = header_value(buf, len, "Date")) != NULL) {
		free(x->date);
		x->date = v;
	} else if ((v = header_value(buf, len, "ETag")) != NULL) {
		free(x->etag);
		x->etag = v;
	} else if ((v = header_value(buf, len,
	    "x-amz-bucket-region")) != NULL) {
		free(x->bucket_region);
		x->bucket_region = v;
	} else if ((v = header_value(buf, len, "Content-Range")) != NULL) {
		/* "bytes 100-199/200" */
		if (strncmp(v, "bytes ", 6) == 0)
			x->range_start = strtoll(v + 6, NULL, 10);
		free(v);
	}
	return len;
}

void
lb_fetch_tls(CURL *e, const char *ca_file, int insecure)
{
	if (ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, ca_file);
	else if (access(LB_SYSTEM_CA, R_OK) == 0)
		curl_easy_setopt(e, CURLOPT_CAINFO, LB_SYSTEM_CA);
	if (insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

/* A transfer of url from byte offset up to end (exclusive; -1: the
 * object's end). */
static int
xfer_setup(struct xfer *x, CURL *e, const char *url, long long offset,
    long long end)
{
	const struct lb_fetch_conf *c = x->c;
	char h[128], range[48];
	struct curl_slist *l;
	struct tm tm;
	time_t t;

	curl_slist_free_all(x->headers);
	x->headers = NULL;
	xfer_reset_headers(x);
	memset(&x->kh, 0, sizeof(x->kh));
	x->errbuf[0] = '\0';
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,sftp");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* with credentials, redirects are followed by us (lb_redirect):
	 * curl would send a netrc's password to another port of the same
	 * host, and custom headers (an S3 session token) anywhere */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, c->netrc != NULL ||
	    c->sigv4 != NULL ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, (long)MAX_REDIRS);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "lifeboat/" LB_VERSION);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, c->connect_timeout);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->stall_timeout);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	lb_fetch_tls(e, c->ca_file, c->insecure);
	if (c->netrc != NULL) {
		curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
		curl_easy_setopt(e, CURLOPT_NETRC_FILE, c->netrc);
	}
	if (c->sigv4 != NULL) {
		curl_easy_setopt(e, CURLOPT_AWS_SIGV4, c->sigv4);
		curl_easy_setopt(e, CURLOPT_USERPWD, c->userpwd);
		/* curl signs with its own clock unless given the date: the
		 * rescue system's clock may be hours off the server's */
		t = time(NULL) + (time_t)c->clock_offset;
		gmtime_r(&t, &tm);
		strftime(h, sizeof(h), "X-Amz-Date: %Y%m%dT%H%M%SZ", &tm);
		if ((l = curl_slist_append(x->headers, h)) == NULL)
			return -1;
		x->headers = l;
		if (c->token != NULL) {
			char *th;
			size_t tl = strlen(c->token) + 32;

			if ((th = malloc(tl)) == NULL)
				return -1;
			snprintf(th, tl, "x-amz-security-token: %s", c->token);
			l = curl_slist_append(x->headers, th);
			free(th);
			if (l == NULL)
				return -1;
			x->headers = l;
		}
	}
	if (c->ssh_key != NULL)
		curl_easy_setopt(e, CURLOPT_SSH_PRIVATE_KEYFILE, c->ssh_key);
	if (c->ssh_pubkey != NULL)
		curl_easy_setopt(e, CURLOPT_SSH_PUBLIC_KEYFILE, c->ssh_pubkey);
	if (c->known_hosts != NULL) {
		curl_easy_setopt(e, CURLOPT_SSH_KNOWNHOSTS, c->known_hosts);
		curl_easy_setopt(e, CURLOPT_SSH_KEYFUNCTION, kh_cb);
		curl_easy_setopt(e, CURLOPT_SSH_KEYDATA, &x->kh);
	}
	curl_easy_setopt(e, CURLOPT_SSH_AUTH_TYPES,
	    (long)CURLSSH_AUTH_PUBLICKEY);
	if (end >= 0) {
		/* a segment: curl sends a Range header over HTTP and seeks
		 * and stops over SFTP */
		snprintf(range, sizeof(range), "%lld-%lld", offset, end - 1);
		curl_easy_setopt(e, CURLOPT_RANGE, range);
	} else if (offset > 0) {
		if (strncmp(url, "sftp:", 5) == 0)
			curl_easy_setopt(e, CURLOPT_RESUME_FROM_LARGE,
			    (curl_off_t)offset);
		else {
			snprintf(range, sizeof(range), "%lld-", offset);
			curl_easy_setopt(e, CURLOPT_RANGE, range);
		}
	}
	if (x->extra != NULL) {
		if ((l = curl_slist_append(x->headers, x->extra)) == NULL)
			return -1;
		x->headers = l;
	}
	if (x->headers != NULL)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	return 0;
}

static void
xfer_release(struct xfer *x)
{
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	xfer_reset_headers(x);
}

/* Errors worth another try: the network, not the request. */
static int
transient(CURLcode r)
{
	switch (r) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSH:
		return 1;
	default:
		return 0;
	}
}

static int
transient_status(long s)
{
	return s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

/* Same scheme, host and port. */
static int
same_origin(const char *a, const char *b)
{
	static const CURLUPart parts[] = {
		CURLUPART_SCHEME, CURLUPART_HOST, CURLUPART_PORT,
	};
	CURLU *ua = curl_url(), *ub = curl_url();
	char *pa, *pb;
	size_t i;
	int same;

	same = ua != NULL && ub != NULL &&
	    curl_url_set(ua, CURLUPART_URL, a, 0) == CURLUE_OK &&
	    curl_url_set(ub, CURLUPART_URL, b, 0) == CURLUE_OK;
	for (i = 0; same && i < sizeof(parts) / sizeof(parts[0]); i++) {
		pa = pb = NULL;
		if (curl_url_get(ua, parts[i], &pa, CURLU_DEFAULT_PORT) !=
		    CURLUE_OK || curl_url_get(ub, parts[i], &pb,
		    CURLU_DEFAULT_PORT) != CURLUE_OK || strcasecmp(pa, pb) != 0)
			same = 0;
		curl_free(pa);
		curl_free(pb);
	}
	curl_url_cleanup(ua);
	curl_url_cleanup(ub);
	return same;
}

/* A redirect of a transfer with credentials (which curl does not follow,
 * see xfer_setup): 1 and *to (the caller's to free) when it stays on the
 * same server and hop is not past MAX_REDIRS; 0 when it is no redirect
 * or one for the caller to judge (S3's); else an error: the credentials
 * never go to another server. */
static int
lb_redirect(const struct lb_fetch_conf *c, CURL *e, const char *url,
    long status, int hop, char **to, struct lb_err *err)
{
	char *loc = NULL, *bare = NULL;
	CURLU *u;
	int r;

	*to = NULL;
	if (c->netrc == NULL || c->sigv4 != NULL || (status != 301 &&
	    status != 302 && status != 303 && status != 307 && status != 308))
		return 0;
	if (curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK ||
	    loc == NULL)
		return 0;
	/* curl writes the netrc's user and password into a relative
	 * redirect's URL: never into ours, nor into a message */
	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, loc, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &bare, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return lb_err_set(err, LB_ESTORE, 0, "store '%s': '%s' "
		    "redirects to a URL that cannot be read", c->display, url);
	}
	curl_url_cleanup(u);
	if (!same_origin(url, bare))
		r = lb_err_set(err, LB_ESTORE, 0, "store '%s': '%s' redirects "
		    "to another server ('%s'): not followed with the store's "
		    "credentials", c->display, url, bare);
	else if (hop >= MAX_REDIRS)
		r = lb_err_set(err, LB_ESTORE, 0, "store '%s': '%s': more "
		    "than %d redirects", c->display, url, MAX_REDIRS);
	else if ((*to = strdup(bare)) == NULL)
		r = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	else
		r = 1;
	curl_free(bare);
	return r;
}

/* Sleep before attempt n (1-based): retry_ms * 2^(n-1), +-25 % jitter,
 * at most 30 s. Interrupted by a stop request. */
static void
backoff(const struct lb_fetch_conf *c, int n)
{
	long long ms = c->retry_ms;
	struct timespec ts;
	int i;

	for (i = 1; i < n && ms < 30000; i++)
		ms *= 2;
	if (ms > 30000)
		ms = 30000;
	if (ms > 4)
		ms += (rand() % (ms / 2 + 1)) - ms / 4;
	while (ms > 0 && !lb_stop_requested) {
		long step = ms > 200 ? 200 : (long)ms;

		ts.tv_sec = 0;
		ts.tv_nsec = step * 1000000L;
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/* A curl failure as one line: the host key cases get their fingerprint. */
static int
curl_fail(struct xfer *x, const char *url, CURLcode r, struct lb_err *err)
{
	const struct lb_fetch_conf *c = x->c;
	size_t n = strlen(x->errbuf);

	/* curl's TLS messages end in a newline: one line per error */
	while (n > 0 && (x->errbuf[n - 1] == '\n' || x->errbuf[n - 1] == ' '))
		x->errbuf[--n] = '\0';

	if (x->kh.bad == 1)
		return lb_err_set(err, LB_ESTORE, 0, "store '%s': the host key "
		    "does not match %s (it offered %s): refusing to connect; "
		    "if the server's key really changed, update the file",
		    c->display, c->known_hosts, x->kh.fp);
	if (x->kh.bad == 2)
		return lb_err_set(err, LB_ESTORE, 0, "store '%s': the host is "
		    "not in %s (it offered %s): add its key (ssh-keyscan) "
		    "after checking it", c->display, c->known_hosts, x->kh.fp);
	return lb_err_set(err, LB_ESTORE, 0, "store '%s': cannot fetch '%s': "
	    "%s", c->display, url, x->errbuf[0] ? x->errbuf :
	    curl_easy_strerror(r));
}

struct membuf {
	char *p;
	size_t len, max;
	int over;
};

static size_t
mem_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct membuf *m = arg;
	size_t len = size * n;
	char *q;

	if (m->len + len > m->max) {
		m->over = 1;
		return 0;
	}
	if ((q = realloc(m->p, m->len + len + 1)) == NULL)
		return 0;
	m->p = q;
	memcpy(q + m->len, buf, len);
	m->len += len;
	q[m->len] = '\0';
	return len;
}

/* One request with its whole answer in memory (see lb_fetch_get and
 * lb_fetch_send). */
static int
request(const struct lb_fetch_conf *c, const char *method, const char *url0,
    const void *body, size_t blen, size_t max, struct lb_response *r,
    struct lb_err *err)
{
	const char *url = url0;
	struct xfer x;
	struct membuf m;
	CURLcode cr = CURLE_OK;
	CURL *e;
	char sha[96], *moved = NULL, *to;
	int attempt, hop = 0, rr = 0;

	memset(r, 0, sizeof(*r));
	memset(&x, 0, sizeof(x));
	x.c = c;
	if (method != NULL && c->sigv4 != NULL) {
		unsigned char d[32];
		int i;

		/* a signed payload, as S3 checks it; curl signs the header */
		mbedtls_sha256(body, blen, d, 0);
		i = snprintf(sha, sizeof(sha), "x-amz-content-sha256: ");
		for (int k = 0; k < 32; k++, i += 2)
			snprintf(sha + i, sizeof(sha) - (size_t)i, "%02x",
			    d[k]);
		x.extra = sha;
	}
	if ((e = curl_easy_init()) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	for (attempt = 0;; attempt++) {
		memset(&m, 0, sizeof(m));
		m.max = max;
		if (xfer_setup(&x, e, url, 0, -1) != 0) {
			cr = CURLE_OUT_OF_MEMORY;
			break;
		}
		if (method != NULL) {
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
			curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
			if (strcmp(method, "DELETE") != 0) {
				curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				    (curl_off_t)blen);
				curl_easy_setopt(e, CURLOPT_POSTFIELDS,
				    blen ? body : "");
			}
		}
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, mem_cb);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &m);
		cr = curl_easy_perform(e);
		r->status = 0;
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
		if (m.over || (cr == CURLE_OK && (rr = lb_redirect(c, e, url,
		    r->status, hop, &to, err)) != 0)) {
			free(m.p);
			if (!m.over && rr > 0) {
				free(moved);
				url = moved = to;
				hop++;
				attempt--;
				continue;
			}
			xfer_release(&x);
			curl_easy_cleanup(e);
			if (m.over)
				lb_err_set(err, LB_EIO, 0, "store '%s': '%s' is "
				    "larger than %zu bytes", c->display, url,
				    max);
			free(moved);
			return err->code;
		}
		/* a listing retries less: a dead store must not hold the
		 * others up for half a minute */
		if (attempt < (c->retries < 3 ? c->retries : 3) &&
		    !lb_stop_requested &&
		    ((cr != CURLE_OK && transient(cr) && x.kh.bad == 0) ||
		    (cr == CURLE_OK && transient_status(r->status)))) {
			free(m.p);
			backoff(c, attempt + 1);
			continue;
		}
		break;
	}
	if (cr != CURLE_OK) {
		int rc = curl_fail(&x, url, cr, err);

		free(m.p);
		free(moved);
		xfer_release(&x);
		curl_easy_cleanup(e);
		return rc;
	}
	free(moved);
	r->body = m.p != NULL ? m.p : strdup("");
	r->len = m.len;
	r->date = x.date;
	r->bucket_region = x.bucket_region;
	r->etag = x.etag;
	x.date = x.bucket_region = x.etag = NULL;
	xfer_release(&x);
	curl_easy_cleanup(e);
	if (r->body == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	return LB_OK;
}

int
lb_fetch_get(const struct lb_fetch_conf *c, const char *url, size_t max,
    struct lb_response *r, struct lb_err *err)
{
	return request(c, NULL, url, NULL, 0, max, r, err);
}

int
lb_fetch_send(const struct lb_fetch_conf *c, const char *method,
    const char *url, const void *body, size_t len, size_t max,
    struct lb_response *r, struct lb_err *err)
{
	return request(c, method, url, body, len, max, r, err);
}

void
lb_response_release(struct lb_response *r)
{
	free(r->body);
	free(r->date);
	free(r->bucket_region);
	free(r->etag);
	memset(r, 0, sizeof(*r));
}

struct lb_fetch {
	const struct lb_fetch_conf *c;
	char *url;
	int sftp;
	CURLM *m;
	CURL *e;
	struct xfer x;
	unsigned char *buf;
	size_t len, pos;	/* buffered: buf[pos..len) */
	long long delivered;	/* bytes handed to the caller */
	long long end;		/* a range's end (exclusive), -1: none */
	long long received;	/* bytes of this attempt put in buf */
	long long start;	/* offset this attempt started at */
	int running, done, paused, checked, bad, restart;
	CURLcode result;
	long status;
	struct membuf errbody;
	int attempts;
	int hops;		/* redirects followed (lb_redirect) */
	void (*notice)(void *, const char *);
	void *arg;
};

/* Judge the status of this attempt's answer, once. */
static void
check_status(struct lb_fetch *f)
{
	if (f->checked)
		return;
	f->checked = 1;
	f->status = 0;
	curl_easy_getinfo(f->e, CURLINFO_RESPONSE_CODE, &f->status);
	if (!f->sftp && f->status != 200 && f->status != 206)
		f->bad = 1;
	else if (!f->sftp && (f->start > 0 || f->end >= 0) &&
	    (f->status != 206 || f->x.range_start != f->start) &&
	    !(f->start == 0 && f->status == 200))
		/* the server sent the object from its start */
		f->restart = 1;
}

static size_t
stream_cb(char *data, size_t size, size_t n, void *arg)
{
	struct lb_fetch *f = arg;
	size_t len = size * n;

	if (!f->checked) {
		check_status(f);
		if (f->restart)
			return 0;
	}
	if (f->bad) {
		/* the error's body, for the message: keep what fits */
		mem_cb(data, size, n, &f->errbody);
		return len;
	}
	if (f->pos > 0 && f->pos == f->len)
		f->pos = f->len = 0;
	if (STREAM_BUF - f->len < len) {
		if (f->pos > 0) {
			memmove(f->buf, f->buf + f->pos, f->len - f->pos);
			f->len -= f->pos;
			f->pos = 0;
		}
		if (STREAM_BUF - f->len < len) {
			f->paused = 1;
			return CURL_WRITEFUNC_PAUSE;
		}
	}
	memcpy(f->buf + f->len, data, len);
	f->len += len;
	f->received += (long long)len;
	return len;
}

static int
start_attempt(struct lb_fetch *f, struct lb_err *err)
{
	if (f->e != NULL) {
		curl_multi_remove_handle(f->m, f->e);
		curl_easy_cleanup(f->e);
	}
	if ((f->e = curl_easy_init()) == NULL ||
	    xfer_setup(&f->x, f->e, f->url, f->delivered, f->end) != 0)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	curl_easy_setopt(f->e, CURLOPT_WRITEFUNCTION, stream_cb);
	curl_easy_setopt(f->e, CURLOPT_WRITEDATA, f);
	free(f->errbody.p);
	memset(&f->errbody, 0, sizeof(f->errbody));
	f->errbody.max = MAX_ERRBODY;
	f->start = f->delivered;
	f->received = 0;
	f->pos = f->len = 0;
	f->done = f->paused = f->checked = f->bad = f->restart = 0;
	f->status = 0;
	f->result = CURLE_OK;
	curl_multi_add_handle(f->m, f->e);
	f->running = 1;
	return LB_OK;
}

int
lb_fetch_open(const struct lb_fetch_conf *c, const char *url,
    long long offset, long long length, void (*notice)(void *, const char *),
    void *arg, struct lb_fetch **out, struct lb_err *err)
{
	struct lb_fetch *f;
	int r;

	*out = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->url = strdup(url)) == NULL ||
	    (f->buf = malloc(STREAM_BUF)) == NULL ||
	    (f->m = curl_multi_init()) == NULL) {
		lb_fetch_close(f);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	f->c = c;
	f->x.c = c;
	f->sftp = strncmp(url, "sftp:", 5) == 0;
	f->delivered = offset;
	f->end = length >= 0 ? offset + length : -1;
	f->notice = notice;
	f->arg = arg;
	if ((r = start_attempt(f, err)) != LB_OK) {
		lb_fetch_close(f);
		return r;
	}
	*out = f;
	return LB_OK;
}

static void say(struct lb_fetch *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
say(struct lb_fetch *f, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (f->notice == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f->notice(f->arg, msg);
}

/* Drive the transfer until data is buffered or it ended. */
static void
drive(struct lb_fetch *f)
{
	CURLMsg *msg;
	int left, still;

	curl_multi_perform(f->m, &still);
	while ((msg = curl_multi_info_read(f->m, &left)) != NULL)
		if (msg->msg == CURLMSG_DONE) {
			f->done = 1;
			f->result = msg->data.result;
			/* an answer without a body (a 301, a 404 with
			 * nothing to say) never reached stream_cb */
			if (f->result == CURLE_OK)
				check_status(f);
		}
	if (!f->done && f->pos == f->len)
		curl_multi_poll(f->m, NULL, 0, 200, NULL);
}

/* The attempt ended before the object did: retry, resume or give up. */
static int
after_failure(struct lb_fetch *f, struct lb_err *err)
{
	const char *why;
	char buf[CURL_ERROR_SIZE + 64], *to;
	int r;

	if (f->bad && (r = lb_redirect(f->c, f->e, f->url, f->status,
	    f->hops, &to, err)) != 0) {
		if (r < 0)
			return r;
		free(f->url);
		f->url = to;
		f->hops++;
		return start_attempt(f, err);
	}
	if (f->restart)
		return lb_err_set(err, LB_ERESTART, 0, "store '%s': the server "
		    "does not honour Range requests for '%s'", f->c->display,
		    f->url);
	if (f->bad && !transient_status(f->status)) {
		if (f->status == 404)
			return lb_err_set(err, LB_EIO, 0, "store '%s': '%s' is "
			    "gone (HTTP 404)", f->c->display, f->url);
		return lb_err_set(err,
		    f->status == 401 || f->status == 403 ? LB_ESTORE : LB_EIO,
		    0, "store '%s': HTTP %ld for '%s'%s%.200s", f->c->display,
		    f->status, f->url, f->errbody.p ? ": " : "",
		    f->errbody.p ? f->errbody.p : "");
	}
	if (!f->bad && !transient(f->result))
		return curl_fail(&f->x, f->url, f->result, err);
	if (f->bad) {
		snprintf(buf, sizeof(buf), "HTTP %ld", f->status);
		why = buf;
	} else
		why = f->x.errbuf[0] ? f->x.errbuf :
		    curl_easy_strerror(f->result);
	if (f->attempts >= f->c->retries || lb_stop_requested) {
		if (lb_stop_requested)
			return lb_err_set(err, LB_EINTR, 0, "interrupted");
		return lb_err_set(err, LB_ESTORE, 0, "store '%s': giving up on "
		    "'%s' after %d attempts at byte %lld: %s", f->c->display,
		    f->url, f->attempts + 1, f->delivered, why);
	}
	f->attempts++;
	say(f, "'%s': %s; %s at byte %lld (attempt %d of %d)", f->url, why,
	    f->delivered > 0 ? "resuming" : "retrying", f->delivered,
	    f->attempts + 1, f->c->retries + 1);
	backoff(f->c, f->attempts);
	return start_attempt(f, err);
}

/* A range delivered: a transfer that ends there (a 206, SFTP) is let end,
 * as libssh2 keeps the session of an SFTP transfer cut short; a 200 with
 * the whole object is cut. */
static void
range_end(struct lb_fetch *f)
{
	int n;

	for (n = 0; n < 100 && !f->done && !lb_stop_requested &&
	    (f->sftp || f->status == 206); n++) {
		f->pos = f->len = 0;
		if (f->paused) {
			f->paused = 0;
			curl_easy_pause(f->e, CURLPAUSE_CONT);
		}
		drive(f);
	}
}

int
lb_fetch_read(struct lb_fetch *f, void *buf, size_t len, size_t *got,
    struct lb_err *err)
{
	size_t n;
	int r;

	*got = 0;
	for (;;) {
		if (lb_stop_requested)
			return lb_err_set(err, LB_EINTR, 0, "interrupted");
		/* a range read whole: what a server sends past it (a 200
		 * for the whole object) is not the caller's */
		if (f->end >= 0 && f->delivered >= f->end) {
			range_end(f);
			return LB_OK;
		}
		if (f->pos < f->len) {
			n = f->len - f->pos;
			if (n > len)
				n = len;
			if (f->end >= 0 && (long long)n > f->end - f->delivered)
				n = (size_t)(f->end - f->delivered);
			memcpy(buf, f->buf + f->pos, n);
			f->pos += n;
			f->delivered += (long long)n;
			*got = n;
			if (f->paused) {
				f->paused = 0;
				curl_easy_pause(f->e, CURLPAUSE_CONT);
			}
			return LB_OK;
		}
		if (f->done) {
			if (f->result == CURLE_OK && !f->bad && !f->restart)
				return LB_OK;	/* the end */
			if ((r = after_failure(f, err)) != LB_OK)
				return r;
			continue;
		}
		drive(f);
	}
}

int
lb_fetch_answer(struct lb_fetch *f, struct lb_response *r, struct lb_err *err)
{
	int rc;

	memset(r, 0, sizeof(*r));
	for (;;) {
		if (lb_stop_requested)
			return lb_err_set(err, LB_EINTR, 0, "interrupted");
		if (f->checked && !f->bad && !f->restart)
			break;
		if (f->done) {
			/* what a retry may cure is retried, as by reading */
			if (f->result == CURLE_OK && !f->restart &&
			    (!f->bad || (!transient_status(f->status) &&
			    !(f->c->netrc != NULL && f->status / 100 == 3))))
				break;
			if ((rc = after_failure(f, err)) != LB_OK)
				return rc;
			continue;
		}
		drive(f);
	}
	r->status = f->status;
	if ((f->x.date != NULL && (r->date = strdup(f->x.date)) == NULL) ||
	    (f->x.bucket_region != NULL && (r->bucket_region =
	    strdup(f->x.bucket_region)) == NULL) ||
	    (r->body = malloc(f->bad ? f->errbody.len + 1 : 1)) == NULL) {
		lb_response_release(r);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	if (f->bad && f->errbody.len > 0) {
		memcpy(r->body, f->errbody.p, f->errbody.len);
		r->len = f->errbody.len;
	}
	r->body[r->len] = '\0';
	return LB_OK;
}

long long
lb_fetch_length(struct lb_fetch *f)
{
	curl_off_t cl = -1;

	if (f->e == NULL || !f->checked || f->bad || f->restart ||
	    curl_easy_getinfo(f->e, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
	    &cl) != CURLE_OK || cl < 0)
		return -1;
	/* a resumed answer's (206) counts from where it resumed */
	return f->start + (long long)cl;
}

void
lb_fetch_close(struct lb_fetch *f)
{
	if (f == NULL)
		return;
	if (f->e != NULL) {
		curl_multi_remove_handle(f->m, f->e);
		curl_easy_cleanup(f->e);
	}
	if (f->m != NULL)
		curl_multi_cleanup(f->m);
	xfer_release(&f->x);
	free(f->errbody.p);
	free(f->buf);
	free(f->url);
	free(f);
}

char *
lb_url_encode(const char *s, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char *out, *o;

	if ((out = malloc(strlen(s) * 3 + 1)) == NULL)
		return NULL;
	for (o = out, p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '~' || (keep_slash && *p == '/'))
			*o++ = (char)*p;
		else {
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
lb_url_decode(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (*s == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
			*o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
			s += 2;
		} else
			*o++ = *s;
	}
	*o = '\0';
}

long long
lb_http_date(const char *s)
{
	time_t t = curl_getdate(s, NULL);

	return t == (time_t)-1 ? -1 : (long long)t;
}
