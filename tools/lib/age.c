/*
 * age.c: age v1 decryption as a pull stage (see age.h).
 *
 * Why here and not a library: no C library for age ships in Debian, and the
 * format is small once the primitives are someone else's. What this file
 * writes is parsing (the header, Bech32, base64, OpenSSH's key format) and
 * the STREAM construction's bookkeeping; every cryptographic operation is a
 * call into libsodium or mbedTLS. The rules follow the C2SP age spec and
 * its test vectors (tests/unit/test_age.c runs all of them).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/sha256.h>
#include <sodium.h>

#include "age.h"

#define CHUNK (64 * 1024)
#define TAG 16
#define ENC_CHUNK (CHUNK + TAG)
#define MAX_HEADER (1024 * 1024)	/* a real header is < 1 KiB a stanza */
#define MAX_STANZAS 256
#define MAX_KEYFILE (64 * 1024)
#define MAX_PASS 1024

static const char INTRO[] = "age-encryption.org/v1";
static const char ARMOR[] = "-----BEGIN AGE ENCRYPTED FILE-----";
static const char X25519_LABEL[] = "age-encryption.org/v1/X25519";
static const char SSH_LABEL[] = "age-encryption.org/v1/ssh-ed25519";
static const char SCRYPT_LABEL[] = "age-encryption.org/v1/scrypt";

const char lb_age_armored_why[] = "an ASCII-armored age file (age -a): not "
    "supported; remove the armor first (grep -v -- ----- FILE | base64 -d "
    "> FILE.bin), or encrypt without -a";

struct x25519_id {
	unsigned char sk[32], pk[32];
};

struct ssh_id {
	unsigned char sk[32], pk[32];	/* the X25519 form of the key */
	unsigned char blob[51];		/* the public key, SSH format */
	char tag[9];			/* base64(SHA-256(blob)[:4]) */
};

struct lb_age_keys {
	struct x25519_id *x;
	size_t nx;
	struct ssh_id *ssh;
	size_t nssh;
	char **pass;
	size_t npass;
	lb_age_prompt_fn prompt;
	void *prompt_arg;
	int prompted;
};

struct stanza {
	char *line;		/* the argument line, split in place */
	char *args[16];		/* args[0] is the type */
	int nargs;
	unsigned char *body;
	size_t blen;
};

struct lb_age {
	lb_age_src_fn src;
	void *arg;
	unsigned char in[ENC_CHUNK];
	size_t ipos, ilen;
	int ieof;
	unsigned char key[32];
	unsigned char nonce[12];
	unsigned char out[CHUNK];
	size_t opos, olen;
	int last;		/* the final chunk authenticated */
	int done;		/* ... and the source ended after it */
	struct lb_err pending;	/* to report once out is drained */
	unsigned long long chunks;
	char types[256];
};

/* --- encodings --- */

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Unpadded, canonical base64 (the spec's rule): -1 for anything else. */
static int
b64_raw(const char *s, size_t n, unsigned char *out, size_t cap, size_t *len)
{
	unsigned acc = 0, bits = 0;
	size_t i, o = 0;
	int v;

	if (n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		if ((v = b64val((unsigned char)s[i])) < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)		/* leftover bits must be zero */
		return -1;
	*len = o;
	return 0;
}

static void
b64_enc(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789+/";
	unsigned acc = 0, bits = 0;
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = tab[(acc >> bits) & 63];
		}
	}
	if (bits > 0)
		out[o++] = tab[(acc << (6 - bits)) & 63];
	out[o] = '\0';
}

/* Padded base64 with line breaks (PEM): whitespace skipped. */
static int
b64_pem(const char *s, size_t n, unsigned char *out, size_t cap, size_t *len)
{
	unsigned acc = 0, bits = 0;
	size_t i, o = 0;
	int v, pad = 0;

	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)s[i]))
			continue;
		if (s[i] == '=') {
			pad++;
			continue;
		}
		if (pad || (v = b64val((unsigned char)s[i])) < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	*len = o;
	return 0;
}

static unsigned long
bech32_polymod(const unsigned char *v, size_t n)
{
	static const unsigned long g[5] = { 0x3b6a57b2UL, 0x26508e6dUL,
		0x1ea119faUL, 0x3d4233ddUL, 0x2a1462b3UL };
	unsigned long chk = 1, b;
	size_t i;
	int j;

	for (i = 0; i < n; i++) {
		b = chk >> 25;
		chk = ((chk & 0x1ffffffUL) << 5) ^ v[i];
		for (j = 0; j < 5; j++)
			if ((b >> j) & 1)
				chk ^= g[j];
	}
	return chk;
}

/* Bech32 (BIP 173, no length limit): the lowercase HRP into hrp, the data
 * converted to bytes into out. */
static int
bech32_decode(const char *s, char *hrp, size_t hcap, unsigned char *out,
    size_t cap, size_t *len)
{
	static const char cs[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	size_t n = strlen(s), sep, i, hl, dl, o = 0;
	unsigned char *v = NULL;
	unsigned acc = 0, bits = 0;
	int lower = 0, upper = 0, r = -1;
	const char *p;

	for (i = 0; i < n; i++) {
		if (s[i] < 33 || s[i] > 126)
			return -1;
		lower |= islower((unsigned char)s[i]) != 0;
		upper |= isupper((unsigned char)s[i]) != 0;
	}
	if ((lower && upper) || (p = strrchr(s, '1')) == NULL)
		return -1;
	sep = (size_t)(p - s);
	hl = sep;
	dl = n - sep - 1;
	if (hl == 0 || hl >= hcap || dl < 6)
		return -1;
	if ((v = malloc(hl * 2 + 1 + dl)) == NULL)
		return -1;
	for (i = 0; i < hl; i++) {
		hrp[i] = (char)tolower((unsigned char)s[i]);
		v[i] = (unsigned char)(hrp[i] >> 5);
		v[hl + 1 + i] = (unsigned char)(hrp[i] & 31);
	}
	hrp[hl] = '\0';
	v[hl] = 0;
	for (i = 0; i < dl; i++) {
		p = strchr(cs, tolower((unsigned char)s[sep + 1 + i]));
		if (p == NULL || *p == '\0')
			goto out;
		v[hl * 2 + 1 + i] = (unsigned char)(p - cs);
	}
	if (bech32_polymod(v, hl * 2 + 1 + dl) != 1)
		goto out;
	for (i = 0; i < dl - 6; i++) {
		acc = (acc << 5) | v[hl * 2 + 1 + i];
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o >= cap)
				goto out;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (bits >= 5 || acc != 0)
		goto out;
	*len = o;
	r = 0;
out:
	free(v);
	return r;
}

/* --- keys --- */

struct lb_age_keys *
lb_age_keys_new(void)
{
	if (sodium_init() < 0)
		return NULL;
	return calloc(1, sizeof(struct lb_age_keys));
}

void
lb_age_keys_free(struct lb_age_keys *k)
{
	size_t i;

	if (k == NULL)
		return;
	if (k->x != NULL)
		sodium_memzero(k->x, k->nx * sizeof(*k->x));
	if (k->ssh != NULL)
		sodium_memzero(k->ssh, k->nssh * sizeof(*k->ssh));
	for (i = 0; i < k->npass; i++) {
		sodium_memzero(k->pass[i], strlen(k->pass[i]));
		free(k->pass[i]);
	}
	free(k->x);
	free(k->ssh);
	free(k->pass);
	free(k);
}

size_t
lb_age_keys_count(const struct lb_age_keys *k)
{
	return k == NULL ? 0 : k->nx + k->nssh + k->npass;
}

void
lb_age_keys_set_prompt(struct lb_age_keys *k, lb_age_prompt_fn fn, void *arg)
{
	k->prompt = fn;
	k->prompt_arg = arg;
}

int
lb_age_keys_add_identity(struct lb_age_keys *k, const char *s,
    struct lb_err *err)
{
	unsigned char sk[64];
	struct x25519_id *p;
	char hrp[32];
	size_t len;

	if (strncasecmp(s, "AGE-SECRET-KEY-PQ-", 18) == 0)
		return lb_err_set(err, LB_EUSAGE, 0, "post-quantum age "
		    "identities (AGE-SECRET-KEY-PQ-) are not supported");
	if (strncasecmp(s, "AGE-PLUGIN-", 11) == 0)
		return lb_err_set(err, LB_EUSAGE, 0, "age plugin identities "
		    "(AGE-PLUGIN-) are not supported");
	if (bech32_decode(s, hrp, sizeof(hrp), sk, sizeof(sk), &len) != 0 ||
	    strcmp(hrp, "age-secret-key-") != 0 || len != 32) {
		sodium_memzero(sk, sizeof(sk));
		return lb_err_set(err, LB_EUSAGE, 0, "not an age identity "
		    "(AGE-SECRET-KEY-1...)");
	}
	p = realloc(k->x, (k->nx + 1) * sizeof(*p));
	if (p == NULL) {
		sodium_memzero(sk, sizeof(sk));
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	k->x = p;
	p += k->nx;
	memcpy(p->sk, sk, 32);
	sodium_memzero(sk, sizeof(sk));
	crypto_scalarmult_base(p->pk, p->sk);
	k->nx++;
	return LB_OK;
}

int
lb_age_keys_add_passphrase(struct lb_age_keys *k, const char *pass,
    struct lb_err *err)
{
	char **p = realloc(k->pass, (k->npass + 1) * sizeof(*p));

	if (p == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	k->pass = p;
	if ((p[k->npass] = strdup(pass)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	k->npass++;
	return LB_OK;
}

/* A whole small file, NUL-terminated; the caller wipes and frees it. */
static int
read_small(const char *path, char **buf, size_t *len, struct lb_err *err)
{
	char *b;
	size_t n = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return lb_err_set(err, LB_EUSAGE, errno, "cannot read '%s'",
		    path);
	if ((b = malloc(MAX_KEYFILE + 1)) == NULL) {
		close(fd);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	while (n < MAX_KEYFILE + 1) {
		r = read(fd, b + n, MAX_KEYFILE + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			sodium_memzero(b, n);
			free(b);
			return lb_err_set(err, LB_EUSAGE, e, "cannot read "
			    "'%s'", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > MAX_KEYFILE || memchr(b, '\0', n) != NULL) {
		sodium_memzero(b, n);
		free(b);
		return lb_err_set(err, LB_EUSAGE, 0, "'%s' is not an identity "
		    "file (too long, or not text)", path);
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return LB_OK;
}

/* SSH wire format: a uint32 length and that many bytes. */
static int
ssh_string(const unsigned char **p, const unsigned char *end,
    const unsigned char **s, size_t *n)
{
	unsigned long l;

	if (end - *p < 4)
		return -1;
	l = (unsigned long)(*p)[0] << 24 | (unsigned long)(*p)[1] << 16 |
	    (unsigned long)(*p)[2] << 8 | (*p)[3];
	*p += 4;
	if ((unsigned long)(end - *p) < l)
		return -1;
	*s = *p;
	*n = l;
	*p += l;
	return 0;
}

static int
ssh_is(const unsigned char *s, size_t n, const char *what)
{
	return n == strlen(what) && memcmp(s, what, n) == 0;
}

/* An OpenSSH private key (PROTOCOL.key): unencrypted ed25519 only. */
static int
add_ssh(struct lb_age_keys *k, const char *path, const char *text,
    struct lb_err *err)
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----";
	static const char end_[] = "-----END OPENSSH PRIVATE KEY-----";
	const unsigned char *p, *e, *s, *pub, *priv, *sk = NULL;
	const char *b, *en;
	unsigned char *bin = NULL, h[32];
	size_t n, len = 0, publen, privlen;
	struct ssh_id *id;
	int r;

	b = strstr(text, begin);
	en = b != NULL ? strstr(b, end_) : NULL;
	if (b == NULL || en == NULL)
		return lb_err_set(err, LB_EUSAGE, 0, "'%s': not an OpenSSH "
		    "private key (only the openssh-key-v1 format is read)",
		    path);
	b += sizeof(begin) - 1;
	n = (size_t)(en - b);
	if ((bin = malloc(n)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	r = LB_EUSAGE;
	if (b64_pem(b, n, bin, n, &len) != 0 || len < 15 ||
	    memcmp(bin, "openssh-key-v1", 15) != 0) {
		lb_err_set(err, r, 0, "'%s': not an OpenSSH private key", path);
		goto out;
	}
	p = bin + 15;
	e = bin + len;
	if (ssh_string(&p, e, &s, &n) != 0)
		goto bad;
	if (!ssh_is(s, n, "none")) {
		lb_err_set(err, r, 0, "cannot read a passphrase-protected SSH "
		    "key: %s (decrypt a copy with 'ssh-keygen -p -N \"\" -f "
		    "COPY')", path);
		goto out;
	}
	if (ssh_string(&p, e, &s, &n) != 0 ||	/* kdfname */
	    ssh_string(&p, e, &s, &n) != 0 ||	/* kdfoptions */
	    e - p < 4 || p[0] || p[1] || p[2] || p[3] != 1)
		goto bad;
	p += 4;
	if (ssh_string(&p, e, &pub, &publen) != 0 ||
	    ssh_string(&p, e, &priv, &privlen) != 0)
		goto bad;
	/* the private section: check ints, type, public, secret, comment */
	p = priv;
	e = priv + privlen;
	if (e - p < 8 || memcmp(p, p + 4, 4) != 0)
		goto bad;
	p += 8;
	if (ssh_string(&p, e, &s, &n) != 0)
		goto bad;
	if (!ssh_is(s, n, "ssh-ed25519")) {
		lb_err_set(err, r, 0, "'%s': an SSH %.*s key; age identities "
		    "from SSH keys must be ssh-ed25519", path,
		    (int)(n < 40 ? n : 40), (const char *)s);
		goto out;
	}
	if (ssh_string(&p, e, &s, &n) != 0 || n != 32 ||
	    ssh_string(&p, e, &sk, &n) != 0 || n != 64 ||
	    memcmp(sk + 32, s, 32) != 0 || publen != 51 ||
	    memcmp(pub + 19, s, 32) != 0)
		goto bad;
	id = realloc(k->ssh, (k->nssh + 1) * sizeof(*id));
	if (id == NULL) {
		r = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		goto out;
	}
	k->ssh = id;
	id += k->nssh;
	if (crypto_sign_ed25519_sk_to_curve25519(id->sk, sk) != 0)
		goto bad;
	crypto_scalarmult_base(id->pk, id->sk);
	memcpy(id->blob, pub, 51);
	mbedtls_sha256(pub, 51, h, 0);
	b64_enc(h, 4, id->tag);
	k->nssh++;
	r = LB_OK;
	goto out;
bad:
	lb_err_set(err, r, 0, "'%s': a damaged OpenSSH private key", path);
out:
	sodium_memzero(bin, len);
	free(bin);
	return r;
}

int
lb_age_keys_add_file(struct lb_age_keys *k, const char *path,
    struct lb_err *err)
{
	char *text, *line, *next, *s, *e;
	size_t len, before = k->nx;
	int r = LB_OK, lineno = 0;

	if ((r = read_small(path, &text, &len, err)) != LB_OK)
		return r;
	if (strstr(text, "-----BEGIN ") != NULL) {
		r = add_ssh(k, path, text, err);
		goto out;
	}
	for (line = text; line != NULL && r == LB_OK; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		for (s = line; isspace((unsigned char)*s); s++)
			;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if ((r = lb_age_keys_add_identity(k, s, err)) != LB_OK) {
			char why[LB_ERR_MSG];

			snprintf(why, sizeof(why), "%s", err->msg);
			r = lb_err_set(err, r, 0, "%s:%d: %s", path, lineno,
			    why);
		}
	}
	if (r == LB_OK && k->nx == before)
		r = lb_err_set(err, LB_EUSAGE, 0, "'%s' holds no age "
		    "identity", path);
out:
	sodium_memzero(text, len);
	free(text);
	return r;
}

int
lb_age_keys_add_passphrase_file(struct lb_age_keys *k, const char *path,
    struct lb_err *err)
{
	char *text, *nl;
	size_t len;
	int r;

	if ((r = read_small(path, &text, &len, err)) != LB_OK)
		return r;
	if ((nl = strchr(text, '\n')) != NULL) {
		*nl = '\0';
		if (nl > text && nl[-1] == '\r')
			nl[-1] = '\0';
	}
	if (text[0] == '\0')
		r = lb_err_set(err, LB_EUSAGE, 0, "'%s': the passphrase is "
		    "empty", path);
	else
		r = lb_age_keys_add_passphrase(k, text, err);
	sodium_memzero(text, len);
	free(text);
	return r;
}

int
lb_age_keys_load(struct lb_age_keys **out, const struct lb_config *cfg,
    char *const *files, size_t nfiles, struct lb_err *err)
{
	struct lb_age_keys *k;
	const char *env = getenv("LIFEBOAT_AGE_IDENTITY_FILE");
	size_t i;
	int r = LB_OK;

	*out = NULL;
	if ((k = lb_age_keys_new()) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	for (i = 0; r == LB_OK && i < cfg->nage_identity_files; i++)
		r = lb_age_keys_add_file(k, cfg->age_identity_files[i], err);
	if (r == LB_OK && env != NULL && *env != '\0')
		r = lb_age_keys_add_file(k, env, err);
	for (i = 0; r == LB_OK && i < nfiles; i++)
		r = lb_age_keys_add_file(k, files[i], err);
	if (r == LB_OK && cfg->age_passphrase_file != NULL)
		r = lb_age_keys_add_passphrase_file(k,
		    cfg->age_passphrase_file, err);
	if (r != LB_OK) {
		lb_age_keys_free(k);
		return r;
	}
	*out = k;
	return LB_OK;
}

/* --- the header --- */

static int
src_fill(struct lb_age *a, struct lb_err *err)
{
	size_t got;
	int r;

	if (a->ipos > 0) {
		memmove(a->in, a->in + a->ipos, a->ilen - a->ipos);
		a->ilen -= a->ipos;
		a->ipos = 0;
	}
	while (!a->ieof && a->ilen < sizeof(a->in)) {
		r = a->src(a->arg, a->in + a->ilen, sizeof(a->in) - a->ilen,
		    &got, err);
		if (r != LB_OK)
			return r;
		if (got == 0)
			a->ieof = 1;
		a->ilen += got;
		if (got > 0)
			break;
	}
	return LB_OK;
}

/* One header line, '\n' included, appended to hdr (the MAC covers it);
 * *off is where its copy starts there. 1 when the file ended first (or
 * the header grew too long), 2 for a NUL byte (lines are text). */
static int
read_line(struct lb_age *a, char **hdr, size_t *hlen, size_t *hcap,
    size_t *off, struct lb_err *err)
{
	unsigned char *nl;
	size_t n;
	char *p;
	int r;

	for (;;) {
		nl = memchr(a->in + a->ipos, '\n', a->ilen - a->ipos);
		if (nl != NULL)
			break;
		if (a->ieof || (a->ipos == 0 && a->ilen == sizeof(a->in)))
			return 1;
		if ((r = src_fill(a, err)) != LB_OK)
			return r;
	}
	n = (size_t)(nl - (a->in + a->ipos)) + 1;
	if (*hlen + n + 1 > MAX_HEADER)
		return 1;
	if (memchr(a->in + a->ipos, '\0', n) != NULL)
		return 2;
	if (*hlen + n + 1 > *hcap) {
		size_t c = (*hlen + n + 1) * 2;

		if ((p = realloc(*hdr, c)) == NULL)
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		*hdr = p;
		*hcap = c;
	}
	memcpy(*hdr + *hlen, a->in + a->ipos, n);
	*off = *hlen;
	*hlen += n;
	(*hdr)[*hlen] = '\0';
	a->ipos += n;
	return LB_OK;
}

static int
vchar_word(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (*s < 33 || *s > 126)
			return 0;
	return 1;
}

/* Split "-> a b c" in place; -1 if malformed. */
static int
split_args(char *line, struct stanza *st)
{
	char *p = line + 3, *sp;

	st->nargs = 0;
	for (;;) {
		if (st->nargs == (int)(sizeof(st->args) / sizeof(st->args[0])))
			return -1;
		sp = strchr(p, ' ');
		if (sp != NULL)
			*sp = '\0';
		if (!vchar_word(p))
			return -1;
		st->args[st->nargs++] = p;
		if (sp == NULL)
			return 0;
		p = sp + 1;
	}
}

static void
stanzas_free(struct stanza *st, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(st[i].line);
		free(st[i].body);
	}
	free(st);
}

/* --- unwrapping --- */

enum { UNWRAP_OK, UNWRAP_NOT_MINE, UNWRAP_BAD };

static int
hkdf(const unsigned char *ikm, size_t ikmlen, const unsigned char *salt,
    size_t saltlen, const char *info, unsigned char out[32])
{
	static const unsigned char none[1];

	return mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	    saltlen ? salt : NULL, saltlen, ikmlen ? ikm : none, ikmlen,
	    (const unsigned char *)info, strlen(info), out, 32);
}

/* The body is a ChaCha20-Poly1305 box of the 16-byte file key under key,
 * nonce zero. Its length is checked first (partitioning oracles). */
static int
open_body(const struct stanza *st, const unsigned char key[32],
    unsigned char fk[16])
{
	static const unsigned char zero[12];
	unsigned long long n;

	return crypto_aead_chacha20poly1305_ietf_decrypt(fk, &n, NULL,
	    st->body, st->blen, NULL, 0, zero, key) == 0 && n == 16 ? 0 : -1;
}

static int
unwrap_x25519(const struct x25519_id *id, const struct stanza *st,
    unsigned char fk[16], char *why, size_t wl)
{
	unsigned char share[33], shared[32], salt[64], key[32];
	size_t n;
	int r = UNWRAP_BAD;

	if (strcmp(st->args[0], "X25519") != 0)
		return UNWRAP_NOT_MINE;
	if (st->nargs != 2 || b64_raw(st->args[1], strlen(st->args[1]), share,
	    sizeof(share), &n) != 0 || n != 32) {
		snprintf(why, wl, "malformed X25519 stanza");
		return UNWRAP_BAD;
	}
	if (st->blen != 32) {
		snprintf(why, wl, "X25519 stanza: the wrapped file key is not "
		    "16 bytes");
		return UNWRAP_BAD;
	}
	if (crypto_scalarmult(shared, id->sk, share) != 0) {
		snprintf(why, wl, "X25519 stanza: a low-order share");
		goto out;
	}
	memcpy(salt, share, 32);
	memcpy(salt + 32, id->pk, 32);
	if (hkdf(shared, 32, salt, 64, X25519_LABEL, key) != 0) {
		snprintf(why, wl, "HKDF failed");
		goto out;
	}
	r = open_body(st, key, fk) == 0 ? UNWRAP_OK : UNWRAP_NOT_MINE;
out:
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(key, sizeof(key));
	return r;
}

static int
unwrap_ssh(const struct ssh_id *id, const struct stanza *st,
    unsigned char fk[16], char *why, size_t wl)
{
	unsigned char share[33], shared[32], tweak[32], t[32], salt[64];
	unsigned char key[32];
	size_t n;
	int r = UNWRAP_BAD;

	if (strcmp(st->args[0], "ssh-ed25519") != 0)
		return UNWRAP_NOT_MINE;
	if (st->nargs != 3 || b64_raw(st->args[2], strlen(st->args[2]), share,
	    sizeof(share), &n) != 0 || n != 32) {
		snprintf(why, wl, "malformed ssh-ed25519 stanza");
		return UNWRAP_BAD;
	}
	if (strcmp(st->args[1], id->tag) != 0)
		return UNWRAP_NOT_MINE;
	if (st->blen != 32) {
		snprintf(why, wl, "ssh-ed25519 stanza: the wrapped file key "
		    "is not 16 bytes");
		return UNWRAP_BAD;
	}
	/* shared = X25519(tweak, X25519(sk, share)), the tweak binding the
	 * secret to the SSH public key (age's agessh package) */
	if (crypto_scalarmult(t, id->sk, share) != 0 ||
	    hkdf(NULL, 0, id->blob, sizeof(id->blob), SSH_LABEL, tweak) != 0 ||
	    crypto_scalarmult(shared, tweak, t) != 0) {
		snprintf(why, wl, "ssh-ed25519 stanza: a low-order share");
		goto out;
	}
	memcpy(salt, share, 32);
	memcpy(salt + 32, id->pk, 32);
	if (hkdf(shared, 32, salt, 64, SSH_LABEL, key) != 0) {
		snprintf(why, wl, "HKDF failed");
		goto out;
	}
	r = open_body(st, key, fk) == 0 ? UNWRAP_OK : UNWRAP_NOT_MINE;
out:
	sodium_memzero(t, sizeof(t));
	sodium_memzero(shared, sizeof(shared));
	sodium_memzero(key, sizeof(key));
	return r;
}

/* The scrypt stanza's arguments; the work factor is checked against the
 * limit here, before any passphrase meets scrypt. */
static int
scrypt_args(const struct stanza *st, unsigned char salt[16], int *logn,
    char *why, size_t wl)
{
	const char *w;
	size_t n;
	long v = 0;

	if (st->nargs != 3 || b64_raw(st->args[1], strlen(st->args[1]), salt,
	    16, &n) != 0 || n != 16) {
		snprintf(why, wl, "malformed scrypt stanza");
		return -1;
	}
	w = st->args[2];
	if (w[0] < '1' || w[0] > '9') {
		snprintf(why, wl, "scrypt stanza: malformed work factor");
		return -1;
	}
	for (; *w != '\0'; w++) {
		if (!isdigit((unsigned char)*w)) {
			snprintf(why, wl, "scrypt stanza: malformed work "
			    "factor");
			return -1;
		}
		if (v <= 1000)
			v = v * 10 + (*w - '0');
	}
	if (v > LB_AGE_MAX_LOGN) {
		snprintf(why, wl, "scrypt work factor 2^%s is above the limit "
		    "2^%d (refused without running scrypt)", st->args[2],
		    LB_AGE_MAX_LOGN);
		return -1;
	}
	if (st->blen != 32) {
		snprintf(why, wl, "scrypt stanza: the wrapped file key is not "
		    "16 bytes");
		return -1;
	}
	*logn = (int)v;
	return 0;
}

static int
unwrap_scrypt(const char *pass, const struct stanza *st, unsigned char fk[16],
    char *why, size_t wl)
{
	unsigned char salt[sizeof(SCRYPT_LABEL) - 1 + 16], key[32];
	int logn, r;

	if (scrypt_args(st, salt + sizeof(SCRYPT_LABEL) - 1, &logn, why,
	    wl) != 0)
		return UNWRAP_BAD;
	memcpy(salt, SCRYPT_LABEL, sizeof(SCRYPT_LABEL) - 1);
	if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)pass,
	    strlen(pass), salt, sizeof(salt), (uint64_t)1 << logn, 8, 1, key,
	    sizeof(key)) != 0) {
		snprintf(why, wl, "scrypt with work factor 2^%d failed (%s)",
		    logn, errno == ENOMEM ? "not enough memory" : "error");
		return UNWRAP_BAD;
	}
	r = open_body(st, key, fk) == 0 ? UNWRAP_OK : UNWRAP_NOT_MINE;
	sodium_memzero(key, sizeof(key));
	return r;
}

static void
add_type(char *types, size_t tl, const char *t)
{
	size_t n = strlen(types), k = strlen(t);
	const char *p = types, *e;

	while (*p != '\0') {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == k && memcmp(p, t, k) == 0)
			return;
		p = *e ? e + 2 : e;
	}
	if (n + k + 3 < tl)
		snprintf(types + n, tl - n, "%s%s", n ? ", " : "", t);
}

static void
plural(char *buf, size_t len, size_t n, const char *one, const char *many)
{
	size_t k = strlen(buf);

	if (n == 0)
		return;
	snprintf(buf + k, len - k, "%s%zu %s", k ? ", " : "", n,
	    n == 1 ? one : many);
}

/* Find the file key: each identity against each stanza, X25519 and
 * passphrases first (age's order), SSH keys last. */
static int
unwrap(struct lb_age *a, struct lb_age_keys *k, struct stanza *st, size_t ns,
    unsigned char fk[16], enum lb_age_fail *fail, struct lb_err *err)
{
	char why[256] = "", tried[128] = "";
	size_t i, j;
	int r, scrypt = 0;

	for (j = 0; j < ns; j++)
		if (strcmp(st[j].args[0], "scrypt") == 0)
			scrypt = 1;
	if (scrypt && ns != 1) {
		*fail = LB_AGE_HEADER;
		return lb_err_set(err, LB_EVERIFY, 0, "not a valid age file: "
		    "an scrypt stanza must be the only one");
	}
	if (scrypt && k != NULL && k->npass == 0 && k->prompt != NULL &&
	    !k->prompted) {
		char pass[MAX_PASS];

		k->prompted = 1;
		if (k->prompt(k->prompt_arg, pass, sizeof(pass)) == 0 &&
		    pass[0] != '\0')
			r = lb_age_keys_add_passphrase(k, pass, err);
		else
			r = LB_OK;
		sodium_memzero(pass, sizeof(pass));
		if (r != LB_OK)
			return r;
	}
	for (i = 0; k != NULL && i < k->nx + k->npass + k->nssh; i++) {
		for (j = 0; j < ns; j++) {
			if (i < k->nx)
				r = unwrap_x25519(&k->x[i], &st[j], fk, why,
				    sizeof(why));
			else if (i < k->nx + k->npass)
				r = strcmp(st[j].args[0], "scrypt") != 0 ?
				    UNWRAP_NOT_MINE : unwrap_scrypt(
				    k->pass[i - k->nx], &st[j], fk, why,
				    sizeof(why));
			else
				r = unwrap_ssh(&k->ssh[i - k->nx - k->npass],
				    &st[j], fk, why, sizeof(why));
			if (r == UNWRAP_OK)
				return LB_OK;
			if (r == UNWRAP_BAD) {
				*fail = LB_AGE_HEADER;
				return lb_err_set(err, LB_EVERIFY, 0, "not a "
				    "valid age file: %s", why);
			}
		}
	}
	*fail = LB_AGE_NO_MATCH;
	if (lb_age_keys_count(k) == 0)
		return lb_err_set(err, LB_EVERIFY, 0, "encrypted with age (to "
		    "%s) and no identity is configured: give --identity FILE "
		    "or [trust] identity_file%s", a->types, scrypt ? ", or a "
		    "passphrase ([trust] passphrase_file, or the prompt on a "
		    "terminal)" : "");
	plural(tried, sizeof(tried), k->nx, "X25519 identity",
	    "X25519 identities");
	plural(tried, sizeof(tried), k->nssh, "ssh-ed25519 key",
	    "ssh-ed25519 keys");
	plural(tried, sizeof(tried), k->npass, "passphrase", "passphrases");
	return lb_err_set(err, LB_EVERIFY, 0, "no identity matches: the file "
	    "is encrypted to %s; tried %s%s", a->types, tried,
	    scrypt && k->npass == 0 ? " and no passphrase ([trust] "
	    "passphrase_file, or the prompt on a terminal)" : "");
}

int
lb_age_is_armored(const void *buf, size_t len)
{
	const char *p = buf, *e = p + len;

	while (p < e && isspace((unsigned char)*p))
		p++;
	return (size_t)(e - p) >= sizeof(ARMOR) - 1 &&
	    memcmp(p, ARMOR, sizeof(ARMOR) - 1) == 0;
}

int
lb_age_open(struct lb_age **out, struct lb_age_keys *k, lb_age_src_fn src,
    void *arg, enum lb_age_fail *failp, struct lb_err *err)
{
	enum lb_age_fail fail = LB_AGE_HEADER, dummy;
	struct stanza *st = NULL, *sp;
	struct lb_age *a;
	char *hdr = NULL, *line;
	size_t hlen = 0, hcap = 0, off, ns = 0, n, blen;
	unsigned char fk[16], hkey[32], mac[32], want[33], body[49];
	int r;

	*out = NULL;
	if (failp == NULL)
		failp = &dummy;
	if (sodium_init() < 0)
		return lb_err_set(err, LB_EFAIL, 0, "libsodium cannot start");
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	a->src = src;
	a->arg = arg;
	lb_err_clear(&a->pending);

#define HDR_BAD(...) do {						\
	r = lb_err_set(err, LB_EVERIFY, 0, __VA_ARGS__);		\
	goto out;							\
} while (0)
	if ((r = read_line(a, &hdr, &hlen, &hcap, &off, err)) < 0)
		goto src_fail;
	if (r > 0 || strcmp(hdr, "age-encryption.org/v1\n") != 0) {
		if (r == 0)
			hdr[hlen - 1] = '\0';
		if (lb_age_is_armored(a->in, a->ilen))
			HDR_BAD("%s", lb_age_armored_why);
		if (r == 0 && strncmp(hdr, INTRO, sizeof(INTRO) - 3) == 0)
			HDR_BAD("age format version '%.40s' is not "
			    "supported (only v1)", hdr + sizeof(INTRO) - 3);
		if (a->ilen == 0 && a->ieof)
			HDR_BAD("not a valid age file: it is empty");
		HDR_BAD("not an age file (no age-encryption.org/v1 line)");
	}
	for (;;) {
		if ((r = read_line(a, &hdr, &hlen, &hcap, &off, err)) < 0)
			goto src_fail;
		if (r > 0)
			HDR_BAD("not a valid age file: %s", r == 1 ? "the "
			    "header ends early or is too long" : "a NUL byte "
			    "in the header");
		line = hdr + off;
		if (strncmp(line, "---", 3) == 0)
			break;
		if (strncmp(line, "-> ", 3) != 0)
			HDR_BAD("not a valid age file: malformed stanza line");
		if (ns == MAX_STANZAS)
			HDR_BAD("not a valid age file: more than %d stanzas",
			    MAX_STANZAS);
		if ((sp = realloc(st, (ns + 1) * sizeof(*st))) == NULL) {
			r = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
			goto out;
		}
		st = sp;
		sp = &st[ns++];
		memset(sp, 0, sizeof(*sp));
		n = strlen(line);
		if ((sp->line = strndup(line, n - 1)) == NULL) {
			r = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
			goto out;
		}
		if (split_args(sp->line, sp) != 0)
			HDR_BAD("not a valid age file: malformed stanza line");
		add_type(a->types, sizeof(a->types), sp->args[0]);
		/* the body: 64-column lines, ended by a shorter one */
		for (;;) {
			if ((r = read_line(a, &hdr, &hlen, &hcap, &off,
			    err)) < 0)
				goto src_fail;
			if (r > 0)
				HDR_BAD("not a valid age file: %s", r == 1 ?
				    "the header ends early or is too long" :
				    "a NUL byte in the header");
			line = hdr + off;
			n = strlen(line) - 1;
			if (n > 64 || b64_raw(line, n, body, sizeof(body),
			    &blen) != 0)
				HDR_BAD("not a valid age file: malformed "
				    "stanza body");
			if ((sp->body = realloc(sp->body, sp->blen + blen +
			    1)) == NULL) {
				r = lb_err_set(err, LB_ENOMEM, 0, "out of "
				    "memory");
				goto out;
			}
			memcpy(sp->body + sp->blen, body, blen);
			sp->blen += blen;
			if (n < 64)
				break;
		}
	}
	/* "--- MAC": the MAC covers the header up to and including "---" */
	line = hdr + off;
	n = strlen(line) - 1;
	if (ns == 0)
		HDR_BAD("not a valid age file: no recipient stanza");
	if (n != 4 + 43 || line[3] != ' ' || b64_raw(line + 4, 43, want,
	    sizeof(want), &blen) != 0 || blen != 32)
		HDR_BAD("not a valid age file: malformed header MAC line");
	r = unwrap(a, k, st, ns, fk, &fail, err);
	if (r != LB_OK)
		goto out;
	if (hkdf(fk, 16, NULL, 0, "header", hkey) != 0 ||
	    mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
	    hkey, 32, (const unsigned char *)hdr, off + 3, mac) != 0) {
		r = lb_err_set(err, LB_EFAIL, 0, "HMAC-SHA-256 failed");
		goto out;
	}
	if (crypto_verify_32(mac, want) != 0) {
		fail = LB_AGE_HMAC;
		HDR_BAD("age header MAC mismatch: the header was altered (or "
		    "the file damaged)");
	}
	/* the payload nonce, and the payload key from it */
	while (a->ilen - a->ipos < 16 && !a->ieof)
		if ((r = src_fill(a, err)) != LB_OK)
			goto src_fail;
	if (a->ilen - a->ipos < 16) {
		fail = LB_AGE_HEADER;
		HDR_BAD("not a valid age file: it ends before the payload "
		    "nonce");
	}
	if (hkdf(fk, 16, a->in + a->ipos, 16, "payload", a->key) != 0) {
		r = lb_err_set(err, LB_EFAIL, 0, "HKDF failed");
		goto out;
	}
	a->ipos += 16;
	fail = LB_AGE_OK;
	r = LB_OK;
	goto out;
src_fail:
	fail = LB_AGE_SOURCE;
out:
#undef HDR_BAD
	sodium_memzero(fk, sizeof(fk));
	sodium_memzero(hkey, sizeof(hkey));
	stanzas_free(st, ns);
	free(hdr);
	*failp = fail;
	if (r != LB_OK) {
		lb_age_free(a);
		return r;
	}
	*out = a;
	return LB_OK;
}

/* --- the payload --- */

/* Decrypt the next chunk into out. The final chunk is the short one, or
 * a full one that only opens with the final flag (age's STREAM). */
static int
next_chunk(struct lb_age *a, struct lb_err *err)
{
	unsigned long long n;
	size_t avail;
	int r, i;

	while (a->ilen - a->ipos < ENC_CHUNK && !a->ieof)
		if ((r = src_fill(a, err)) != LB_OK)
			return r;
	avail = a->ilen - a->ipos;
	if (avail == 0)
		return lb_err_set(err, LB_EVERIFY, 0, "age payload truncated: "
		    "it ends after %llu chunk%s without the final one",
		    a->chunks, a->chunks == 1 ? "" : "s");
	if (avail < ENC_CHUNK) {
		if (avail == TAG && a->chunks > 0)
			return lb_err_set(err, LB_EVERIFY, 0, "age payload: "
			    "an empty final chunk after chunk %llu", a->chunks);
		a->nonce[11] = 1;
	} else
		avail = ENC_CHUNK;
	r = crypto_aead_chacha20poly1305_ietf_decrypt(a->out, &n, NULL,
	    a->in + a->ipos, avail, NULL, 0, a->nonce, a->key);
	if (r != 0 && a->nonce[11] == 0) {
		a->nonce[11] = 1;
		r = crypto_aead_chacha20poly1305_ietf_decrypt(a->out, &n, NULL,
		    a->in + a->ipos, avail, NULL, 0, a->nonce, a->key);
	}
	if (r != 0)
		return lb_err_set(err, LB_EVERIFY, 0, "age payload chunk %llu "
		    "failed to authenticate: the file was altered or damaged",
		    a->chunks + 1);
	a->ipos += avail;
	a->opos = 0;
	a->olen = (size_t)n;
	a->chunks++;
	/* the 88-bit big-endian counter of the next chunk */
	for (i = 10; i >= 0; i--)
		if (++a->nonce[i] != 0)
			break;
	if (a->nonce[11] == 1) {
		a->last = 1;
		/* the final chunk must end the file */
		if (a->ilen == a->ipos && !a->ieof &&
		    (r = src_fill(a, err)) != LB_OK)
			return r;
		if (a->ilen > a->ipos)
			lb_err_set(&a->pending, LB_EVERIFY, 0, "age payload: "
			    "data after the final chunk");
		else
			a->done = 1;
	}
	return LB_OK;
}

int
lb_age_read(struct lb_age *a, void *buf, size_t len, size_t *got,
    struct lb_err *err)
{
	size_t n;
	int r;

	*got = 0;
	/* an empty chunk (the whole of an empty payload) hands out nothing:
	 * look again for the end or the error after it */
	while (a->opos == a->olen) {
		if (a->pending.code != LB_OK) {
			*err = a->pending;
			return err->code;
		}
		if (a->done)
			return LB_OK;
		if (a->last)	/* not reached: last sets done or pending */
			return lb_err_set(err, LB_EFAIL, 0, "age: read after "
			    "the end");
		if ((r = next_chunk(a, err)) != LB_OK) {
			/* later calls get the same answer */
			a->pending = *err;
			return r;
		}
	}
	n = a->olen - a->opos;
	if (n > len)
		n = len;
	memcpy(buf, a->out + a->opos, n);
	a->opos += n;
	*got = n;
	return LB_OK;
}

const char *
lb_age_types(const struct lb_age *a)
{
	return a->types;
}

void
lb_age_free(struct lb_age *a)
{
	if (a == NULL)
		return;
	sodium_memzero(a->key, sizeof(a->key));
	sodium_memzero(a->out, sizeof(a->out));
	free(a);
}
