/*
 * agew.c: age v1 encryption as a push stage (see agew.h).
 *
 * The counterpart of age.c, for lifeboat backup: it parses recipients
 * (age1... and ssh-ed25519 public keys), wraps a fresh file key for each
 * as the C2SP age spec and age's agessh package do, writes the header and
 * its MAC, and then the STREAM payload: 64 KiB chunks, each sealed with
 * ChaCha20-Poly1305 under a nonce of an 88-bit big-endian counter and a
 * last-chunk flag. A full chunk is held back until more bytes come, so
 * that the final chunk is never an empty one after a full one (the spec
 * allows an empty final chunk only for an empty payload). Every secret
 * (the file key, the ephemeral scalars, the wrapping and payload keys, the
 * buffered plaintext) is wiped once used.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <sodium.h>

#include "age.h"
#include "agew.h"

#define CHUNK (64 * 1024)
#define TAG 16
#define MAX_RECIPFILE (64 * 1024)

static const char X25519_LABEL[] = "age-encryption.org/v1/X25519";
static const char SSH_LABEL[] = "age-encryption.org/v1/ssh-ed25519";

struct recip {
	int ssh;
	unsigned char pk[32];		/* the X25519 form of the key */
	unsigned char blob[51];		/* ssh-ed25519: the key, SSH format */
	char tag[9];			/* ... base64(SHA-256(blob)[:4]) */
};

struct lb_age_recips {
	struct recip *v;
	size_t n;
};

struct lb_agew {
	lb_age_sink_fn sink;
	void *arg;
	unsigned char key[32];		/* the payload key */
	unsigned char nonce[12];	/* counter, last-chunk flag */
	unsigned char pt[CHUNK];	/* plaintext not sealed yet */
	size_t plen;
	unsigned char ct[CHUNK + TAG];
	int finished;
};

/* --- recipients --- */

struct lb_age_recips *
lb_age_recips_new(void)
{
	if (sodium_init() < 0)
		return NULL;
	return calloc(1, sizeof(struct lb_age_recips));
}

void
lb_age_recips_free(struct lb_age_recips *r)
{
	if (r == NULL)
		return;
	free(r->v);
	free(r);
}

void
lb_age_recips_counts(const struct lb_age_recips *r, size_t *x25519,
    size_t *ssh)
{
	size_t i;

	*x25519 = *ssh = 0;
	for (i = 0; r != NULL && i < r->n; i++)
		++*(r->v[i].ssh ? ssh : x25519);
}

/* A point no secret can be shared with (of low order) is refused when it
 * is read, not once the containers are stopped. */
static int
low_order(const unsigned char pk[32])
{
	unsigned char e[32], q[32];
	int r;

	randombytes_buf(e, sizeof(e));
	r = crypto_scalarmult(q, e, pk) != 0;
	sodium_memzero(e, sizeof(e));
	sodium_memzero(q, sizeof(q));
	return r;
}

/* age1...: X25519, or why not. */
static int
parse_age1(const char *s, struct recip *rc, char *why, size_t wl)
{
	unsigned char pk[40];
	char hrp[16];
	size_t n;

	if (strncasecmp(s, "age1pq1", 7) == 0) {
		snprintf(why, wl, "post-quantum age recipients (age1pq1...) "
		    "are not supported: use an X25519 (age1...) or "
		    "ssh-ed25519 recipient");
		return -1;
	}
	if (strncasecmp(s, "age1tag", 7) == 0) {
		snprintf(why, wl, "tagged age recipients (age1tag..., for "
		    "hardware keys) are not supported");
		return -1;
	}
	/* the data part of Bech32 has no '1': another one after "age1"
	 * ends a plugin's HRP (age1NAME1...) */
	if (strchr(s + 4, '1') != NULL) {
		snprintf(why, wl, "age plugin recipients (age1NAME1...) are "
		    "not supported: lifeboat runs no age plugin");
		return -1;
	}
	if (lb_age_bech32_decode(s, hrp, sizeof(hrp), pk, sizeof(pk), &n) !=
	    0 || strcmp(hrp, "age") != 0 || n != 32) {
		snprintf(why, wl, "not a valid age recipient (age1...: a "
		    "wrong checksum or length)");
		return -1;
	}
	if (low_order(pk)) {
		snprintf(why, wl, "not a usable age recipient (a point of low "
		    "order)");
		return -1;
	}
	rc->ssh = 0;
	memcpy(rc->pk, pk, 32);
	return 0;
}

/* "ssh-ed25519 AAAA... [comment]", as in an authorized_keys file. */
static int
parse_ssh(const char *s, struct recip *rc, char *why, size_t wl)
{
	static const unsigned char head[] = "\0\0\0\x0bssh-ed25519\0\0\0\x20";
	const char *b = s + strcspn(s, " \t"), *e;
	unsigned char blob[64], h[32];
	size_t n, tl = (size_t)(b - s);

	if (tl != 11 || strncmp(s, "ssh-ed25519", 11) != 0) {
		snprintf(why, wl, "an SSH %.*s key: only ssh-ed25519 public "
		    "keys are supported as recipients", (int)(tl < 40 ? tl :
		    40), s);
		return -1;
	}
	b += strspn(b, " \t");
	e = b + strcspn(b, " \t");
	if (e == b || lb_age_b64_pem(b, (size_t)(e - b), blob, sizeof(blob),
	    &n) != 0 || n != 51 || memcmp(blob, head, 19) != 0) {
		snprintf(why, wl, "not a valid ssh-ed25519 public key");
		return -1;
	}
	if (crypto_sign_ed25519_pk_to_curve25519(rc->pk, blob + 19) != 0 ||
	    low_order(rc->pk)) {
		snprintf(why, wl, "not a valid ssh-ed25519 public key (not "
		    "a point of Ed25519)");
		return -1;
	}
	rc->ssh = 1;
	memcpy(rc->blob, blob, 51);
	mbedtls_sha256(blob, 51, h, 0);
	lb_age_b64_enc(h, 4, rc->tag);
	return 0;
}

static int
parse_recip(const char *s, struct recip *rc, char *why, size_t wl)
{
	memset(rc, 0, sizeof(*rc));
	if (strncasecmp(s, "age1", 4) == 0)
		return parse_age1(s, rc, why, wl);
	if (strncmp(s, "ssh-", 4) == 0 || strncmp(s, "ecdsa-", 6) == 0 ||
	    strncmp(s, "sk-", 3) == 0)
		return parse_ssh(s, rc, why, wl);
	if (strncasecmp(s, "AGE-SECRET-KEY-", 15) == 0 ||
	    strncasecmp(s, "AGE-PLUGIN-", 11) == 0)
		snprintf(why, wl, "a secret key (an identity), not a "
		    "recipient: give its public key (age-keygen -y FILE)");
	else if (strncmp(s, "-----BEGIN", 10) == 0)
		snprintf(why, wl, "a private key, not a recipient: give the "
		    "public key (ssh-keygen -y -f FILE)");
	else
		snprintf(why, wl, "not an age recipient (age1... or "
		    "ssh-ed25519 AAAA...)");
	return -1;
}

int
lb_age_recip_check(const char *s, char *why, size_t wl)
{
	struct recip rc;

	if (sodium_init() < 0) {
		snprintf(why, wl, "libsodium cannot start");
		return -1;
	}
	return parse_recip(s, &rc, why, wl);
}

int
lb_age_recips_add(struct lb_age_recips *r, const char *s,
    struct lb_err *err)
{
	struct recip rc, *p;
	char why[256];

	if (parse_recip(s, &rc, why, sizeof(why)) != 0)
		return lb_err_set(err, LB_EUSAGE, 0, "%s", why);
	if ((p = realloc(r->v, (r->n + 1) * sizeof(*p))) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	r->v = p;
	p[r->n++] = rc;
	return LB_OK;
}

/* A recipients file whole, NUL-terminated (public keys: no wiping). */
static int
read_text(const char *path, char **out, struct lb_err *err)
{
	char *b;
	size_t n = 0;
	ssize_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return lb_err_set(err, LB_EUSAGE, errno, "cannot read '%s'",
		    path);
	if ((b = malloc(MAX_RECIPFILE + 1)) == NULL) {
		close(fd);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	while (n < MAX_RECIPFILE + 1) {
		got = read(fd, b + n, MAX_RECIPFILE + 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	if (got < 0 || n > MAX_RECIPFILE || memchr(b, '\0', n) != NULL) {
		int e = got < 0 ? errno : 0;

		close(fd);
		free(b);
		return lb_err_set(err, LB_EUSAGE, e, "cannot read '%s'%s",
		    path, e ? "" : ": too long, or not text");
	}
	close(fd);
	b[n] = '\0';
	*out = b;
	return LB_OK;
}

int
lb_age_recips_add_file(struct lb_age_recips *r, const char *path,
    struct lb_err *err)
{
	char *text = NULL, *line, *next, *s, *e;
	size_t before = r->n;
	int rc, lineno = 0;

	if ((rc = read_text(path, &text, err)) != LB_OK)
		return rc;
	for (line = text; line != NULL && rc == LB_OK; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		for (s = line; isspace((unsigned char)*s); s++)
			;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if ((rc = lb_age_recips_add(r, s, err)) == LB_EUSAGE) {
			char why[LB_ERR_MSG];

			snprintf(why, sizeof(why), "%s", err->msg);
			lb_err_set(err, rc, 0, "'%s' line %d: %s", path,
			    lineno, why);
		}
	}
	free(text);
	if (rc == LB_OK && r->n == before)
		rc = lb_err_set(err, LB_EUSAGE, 0, "'%s' holds no recipient",
		    path);
	return rc;
}

int
lb_age_recips_load(struct lb_age_recips **out, const struct lb_config *cfg,
    struct lb_err *err)
{
	struct lb_age_recips *r;
	char why[LB_ERR_MSG];
	size_t i;
	int rc = LB_OK;

	*out = NULL;
	if (cfg->nage_recipients + cfg->nage_recipient_files == 0)
		return LB_OK;
	if ((r = lb_age_recips_new()) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	for (i = 0; rc == LB_OK && i < cfg->nage_recipients; i++)
		if ((rc = lb_age_recips_add(r, cfg->age_recipients[i], err)) !=
		    LB_OK) {
			snprintf(why, sizeof(why), "%s", err->msg);
			lb_err_set(err, rc, 0, "[trust] recipients: %s", why);
		}
	for (i = 0; rc == LB_OK && i < cfg->nage_recipient_files; i++)
		if ((rc = lb_age_recips_add_file(r,
		    cfg->age_recipient_files[i], err)) != LB_OK) {
			snprintf(why, sizeof(why), "%s", err->msg);
			lb_err_set(err, rc, 0, "[trust] recipients_file: %s",
			    why);
		}
	if (rc != LB_OK) {
		lb_age_recips_free(r);
		return rc;
	}
	*out = r;
	return LB_OK;
}

/* --- the header --- */

/* The file key wrapped for one recipient: "-> TYPE ARGS\nBODY\n". */
static int
stanza(const struct recip *rc, const unsigned char fk[16], char *out,
    size_t ol)
{
	static const unsigned char zero[12];
	unsigned char e[32], share[32], shared[32], tweak[32], t[32];
	unsigned char salt[64], key[32], body[16 + TAG];
	char s64[48], b64[48];
	int r = -1;

	randombytes_buf(e, sizeof(e));
	crypto_scalarmult_base(share, e);
	if (crypto_scalarmult(rc->ssh ? t : shared, e, rc->pk) != 0)
		goto out;
	/* ssh-ed25519: the secret bound to the SSH key by a tweak */
	if (rc->ssh && (lb_age_hkdf(NULL, 0, rc->blob, sizeof(rc->blob),
	    SSH_LABEL, tweak) != 0 || crypto_scalarmult(shared, tweak, t) !=
	    0))
		goto out;
	memcpy(salt, share, 32);
	memcpy(salt + 32, rc->pk, 32);
	if (lb_age_hkdf(shared, 32, salt, 64, rc->ssh ? SSH_LABEL :
	    X25519_LABEL, key) != 0)
		goto out;
	crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, fk, 16, NULL, 0,
	    NULL, zero, key);
	lb_age_b64_enc(share, 32, s64);
	/* 43 characters: the body is one line shorter than 64 */
	lb_age_b64_enc(body, sizeof(body), b64);
	if (rc->ssh)
		snprintf(out, ol, "-> ssh-ed25519 %s %s\n%s\n", rc->tag, s64,
		    b64);
	else
		snprintf(out, ol, "-> X25519 %s\n%s\n", s64, b64);
	r = 0;
out:
	sodium_memzero(e, sizeof(e));
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(tweak, sizeof(tweak));
	sodium_memzero(t, sizeof(t));
	sodium_memzero(key, sizeof(key));
	return r;
}

/* The header for a new file key, its MAC, and the payload nonce. */
static int
header(struct lb_agew *w, const struct lb_age_recips *r,
    const unsigned char fk[16], char **out, size_t *olen,
    struct lb_err *err)
{
	unsigned char hkey[32], mac[32], nonce[16];
	size_t cap = 64 + r->n * 160, n, i;
	char *h, m64[48];

	if ((h = malloc(cap)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	n = (size_t)snprintf(h, cap, "age-encryption.org/v1\n");
	for (i = 0; i < r->n; i++) {
		if (stanza(&r->v[i], fk, h + n, cap - n) != 0) {
			free(h);
			return lb_err_set(err, LB_EUSAGE, 0, "recipient %zu "
			    "(%s) is a low-order point: no key can be shared "
			    "with it", i + 1, r->v[i].ssh ? "ssh-ed25519" :
			    "X25519");
		}
		n += strlen(h + n);
	}
	/* the MAC covers the header up to and including "---" */
	n += (size_t)snprintf(h + n, cap - n, "---");
	if (lb_age_hkdf(fk, 16, NULL, 0, "header", hkey) != 0 ||
	    mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	    hkey, 32, (const unsigned char *)h, n, mac) != 0) {
		sodium_memzero(hkey, sizeof(hkey));
		free(h);
		return lb_err_set(err, LB_EFAIL, 0, "HMAC-SHA-256 failed");
	}
	sodium_memzero(hkey, sizeof(hkey));
	lb_age_b64_enc(mac, 32, m64);
	n += (size_t)snprintf(h + n, cap - n, " %s\n", m64);
	randombytes_buf(nonce, sizeof(nonce));
	if (lb_age_hkdf(fk, 16, nonce, 16, "payload", w->key) != 0) {
		free(h);
		return lb_err_set(err, LB_EFAIL, 0, "HKDF failed");
	}
	memcpy(h + n, nonce, 16);
	*out = h;
	*olen = n + 16;
	return LB_OK;
}

int
lb_agew_new(struct lb_agew **out, const struct lb_age_recips *r,
    lb_age_sink_fn sink, void *arg, struct lb_err *err)
{
	struct lb_agew *w;
	unsigned char fk[16];
	char *h = NULL;
	size_t hl = 0;
	int rc;

	*out = NULL;
	if (r == NULL || r->n == 0)
		return lb_err_set(err, LB_EUSAGE, 0, "age: no recipient");
	if (sodium_init() < 0)
		return lb_err_set(err, LB_EFAIL, 0, "libsodium cannot start");
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	w->sink = sink;
	w->arg = arg;
	randombytes_buf(fk, sizeof(fk));
	rc = header(w, r, fk, &h, &hl, err);
	sodium_memzero(fk, sizeof(fk));
	if (rc == LB_OK)
		rc = sink(arg, h, hl, err);
	free(h);
	if (rc != LB_OK) {
		lb_agew_free(w);
		return rc;
	}
	*out = w;
	return LB_OK;
}

/* --- the payload --- */

/* Seal the buffered plaintext as the next chunk, and hand it out. */
static int
seal(struct lb_agew *w, int last, struct lb_err *err)
{
	unsigned long long n;
	int i;

	w->nonce[11] = last ? 1 : 0;
	crypto_aead_chacha20poly1305_ietf_encrypt(w->ct, &n, w->pt, w->plen,
	    NULL, 0, NULL, w->nonce, w->key);
	sodium_memzero(w->pt, w->plen);
	w->plen = 0;
	for (i = 10; i >= 0; i--)	/* the 88-bit counter */
		if (++w->nonce[i] != 0)
			break;
	return w->sink(w->arg, w->ct, (size_t)n, err);
}

int
lb_agew_write(struct lb_agew *w, const void *buf, size_t len,
    struct lb_err *err)
{
	const unsigned char *p = buf;
	size_t k;
	int rc;

	if (w->finished)
		return lb_err_set(err, LB_EFAIL, 0, "age: write after the end");
	while (len > 0) {
		/* a full chunk goes once more follows: it is not the last */
		if (w->plen == CHUNK && (rc = seal(w, 0, err)) != LB_OK)
			return rc;
		k = CHUNK - w->plen < len ? CHUNK - w->plen : len;
		memcpy(w->pt + w->plen, p, k);
		w->plen += k;
		p += k;
		len -= k;
	}
	return LB_OK;
}

int
lb_agew_finish(struct lb_agew *w, struct lb_err *err)
{
	if (w->finished)
		return lb_err_set(err, LB_EFAIL, 0, "age: finished twice");
	w->finished = 1;
	return seal(w, 1, err);
}

void
lb_agew_free(struct lb_agew *w)
{
	if (w == NULL)
		return;
	sodium_memzero(w, sizeof(*w));
	free(w);
}

/* --- a buffer whole --- */

struct grow {
	unsigned char *p;
	size_t len, cap;
};

static int
grow_sink(void *arg, const void *buf, size_t len, struct lb_err *err)
{
	struct grow *g = arg;
	unsigned char *p;

	if (g->len + len > g->cap) {
		size_t c = (g->len + len) * 2;

		if ((p = realloc(g->p, c)) == NULL)
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		g->p = p;
		g->cap = c;
	}
	memcpy(g->p + g->len, buf, len);
	g->len += len;
	return LB_OK;
}

int
lb_age_encrypt_buf(const struct lb_age_recips *r, const void *in,
    size_t len, unsigned char **out, size_t *olen, struct lb_err *err)
{
	struct grow g = { NULL, 0, 0 };
	struct lb_agew *w;
	int rc;

	*out = NULL;
	if ((rc = lb_agew_new(&w, r, grow_sink, &g, err)) != LB_OK)
		return rc;
	if ((rc = lb_agew_write(w, in, len, err)) == LB_OK)
		rc = lb_agew_finish(w, err);
	lb_agew_free(w);
	if (rc != LB_OK) {
		free(g.p);
		return rc;
	}
	*out = g.p;
	*olen = g.len;
	return LB_OK;
}
