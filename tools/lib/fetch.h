/*
 * fetch.h: transfers over libcurl for the network stores (HTTP(S), S3,
 * SFTP): small whole-body requests (listings, checksums) and streamed
 * downloads that resume after a cut with a Range request from the exact
 * byte where they stopped, retrying with bounded, jittered backoff.
 */
#ifndef LB_FETCH_H
#define LB_FETCH_H

#include <stddef.h>

#include <curl/curl.h>

#include "lb.h"

/* The CA bundle TLS is verified against unless a ca_file is given. */
#define LB_SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"

/* How a store talks to its server; owned by the store. */
struct lb_fetch_conf {
	const char *display;	/* the store, for messages */
	const char *ca_file;	/* NULL: the system bundle */
	int insecure;		/* skip TLS verification (warned) */
	const char *netrc;	/* HTTP basic auth from a netrc file */
	const char *sigv4;	/* "aws:amz:REGION:s3", or NULL */
	const char *userpwd;	/* with sigv4: "KEY:SECRET" */
	const char *token;	/* with sigv4: session token, or NULL */
	long long clock_offset;	/* server time - our time, for signing */
	const char *ssh_key;	/* sftp: private key file */
	const char *ssh_pubkey;	/* sftp: its public key file */
	const char *known_hosts;/* sftp: checked strictly */
	int retries;		/* attempts after the first */
	long retry_ms;		/* first backoff; doubles each time */
	long connect_timeout;	/* seconds */
	long stall_timeout;	/* seconds below 1 KiB/s before giving up */
};

/* A whole response. */
struct lb_response {
	long status;		/* HTTP status; 0 for sftp */
	char *body;		/* NUL-terminated */
	size_t len;
	char *date;		/* the Date header, or NULL */
	char *bucket_region;	/* x-amz-bucket-region, or NULL */
	char *etag;		/* the ETag header, or NULL */
};

/* TLS for a handle: verified against ca_file or the system's bundle,
 * unless insecure. Shared with the service checks. */
void lb_fetch_tls(CURL *e, const char *ca_file, int insecure);

/* Defaults for a store's conf (timeouts, retries); environment variables
 * LIFEBOAT_RETRY_MS and LIFEBOAT_RETRIES override the backoff (tests). */
void lb_fetch_conf_init(struct lb_fetch_conf *c, const char *display);

/* GET url (HEAD with head set) into memory, at most max bytes. Network
 * failures are retried; any HTTP status is returned in r for the caller
 * to judge. LB_ESTORE when the server cannot be reached. */
int lb_fetch_get(const struct lb_fetch_conf *c, const char *url, size_t max,
    struct lb_response *r, struct lb_err *err);
void lb_response_release(struct lb_response *r);

/* method (PUT, POST, DELETE) url with body[0..len) (with sigv4, its
 * SHA-256 is sent and signed as x-amz-content-sha256), the answer in
 * memory as lb_fetch_get gives it; redirects are not followed. */
int lb_fetch_send(const struct lb_fetch_conf *c, const char *method,
    const char *url, const void *body, size_t len, size_t max,
    struct lb_response *r, struct lb_err *err);

struct lb_fetch;

/* Start streaming url from byte offset: length bytes (a Range request,
 * resumed within it), or with length -1 to its end. Progress of retries
 * and resumes is told through notice (may be NULL). */
int lb_fetch_open(const struct lb_fetch_conf *c, const char *url,
    long long offset, long long length, void (*notice)(void *, const char *),
    void *arg, struct lb_fetch **out, struct lb_err *err);
/* Wait for the server's answer to f, retrying what lb_fetch_read would
 * retry. r gets its status, Date and x-amz-bucket-region and, for an error
 * status, its body (bounded); r is the caller's to release. The answer
 * stays in f: the data of a success for lb_fetch_read, and an error for
 * lb_fetch_read to report unless the caller closes f to ask again. */
int lb_fetch_answer(struct lb_fetch *f, struct lb_response *r,
    struct lb_err *err);
/* Up to len bytes; *got = 0 at the end of the object. */
int lb_fetch_read(struct lb_fetch *f, void *buf, size_t len, size_t *got,
    struct lb_err *err);
/* Once lb_fetch_read has given bytes: the object's length as the answer
 * tells it (its Content-Length, counted from the object's first byte),
 * which libcurl holds the body to; -1 when it tells none (chunked). */
long long lb_fetch_length(struct lb_fetch *f);
void lb_fetch_close(struct lb_fetch *f);

/* Percent-encode s for a URL path (keep_slash) or query value. */
char *lb_url_encode(const char *s, int keep_slash);
/* Decode %XX in place. */
void lb_url_decode(char *s);

/* Parse an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT") to epoch secs. */
long long lb_http_date(const char *s);

/* The SHA-256 fingerprint "SHA256:base64" of a base64 public key blob. */
int lb_ssh_fingerprint(const char *b64, char *out, size_t len);

#endif
