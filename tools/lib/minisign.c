/*
 * minisign.c: reading minisign keys and signatures and checking them with
 * libsodium (see minisign.h). Everything read here comes from a store that
 * an attacker may write to: lengths are checked before anything is
 * decoded, and a signature is only believed once both its signatures hold.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "minisign.h"

#define UNTRUSTED "untrusted comment:"
#define TRUSTED "trusted comment: "
#define MAX_TRUSTED 8192	/* minisign's own bound */
#define KEY_B64 56		/* base64 of 42 bytes */

static int
sodium_ready(struct lb_err *err)
{
	if (sodium_init() < 0)
		return lb_err_set(err, LB_EFAIL, 0, "libsodium could not be "
		    "initialised");
	return LB_OK;
}

void
lb_ms_id_hex(const unsigned char id[LB_MS_IDLEN], char out[17])
{
	uint64_t v = 0;
	int i;

	for (i = LB_MS_IDLEN - 1; i >= 0; i--)
		v = v << 8 | id[i];
	snprintf(out, 17, "%" PRIX64, v);
}

/* base64 (standard alphabet, padded) of exactly want bytes, or -1. */
static int
b64_exact(const char *s, size_t len, unsigned char *out, size_t want)
{
	size_t got = 0;

	if (len == 0 || len > 2 * want + 8)
		return -1;
	if (sodium_base642bin(out, want, s, len, NULL, &got, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || got != want)
		return -1;
	return 0;
}

int
lb_ms_key_parse(const char *b64, struct lb_ms_key *k, struct lb_err *err)
{
	unsigned char raw[2 + LB_MS_IDLEN + 32];
	size_t len = strlen(b64);
	int r;

	if ((r = sodium_ready(err)) != LB_OK)
		return r;
	while (len > 0 && (b64[len - 1] == ' ' || b64[len - 1] == '\t' ||
	    b64[len - 1] == '\r'))
		len--;
	if (len != KEY_B64 || b64_exact(b64, len, raw, sizeof(raw)) != 0)
		return lb_err_set(err, LB_EUSAGE, 0, "'%.80s' is not a "
		    "minisign public key (56 base64 characters starting with "
		    "RW)", b64);
	if (raw[0] != 'E' || raw[1] != 'd')
		return lb_err_set(err, LB_EUSAGE, 0, "'%.80s': not an Ed25519 "
		    "minisign public key", b64);
	memcpy(k->id, raw + 2, LB_MS_IDLEN);
	memcpy(k->pk, raw + 2 + LB_MS_IDLEN, 32);
	return LB_OK;
}

int
lb_ms_keys_parse(const char *text, struct lb_ms_key **keys, size_t *n,
    struct lb_err *err)
{
	const char *line = text, *end;
	struct lb_ms_key k, *p;
	char buf[128];
	size_t len, found = 0;
	int r, lineno = 0;

	for (; *line != '\0'; line = *end ? end + 1 : end) {
		lineno++;
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		len = (size_t)(end - line);
		while (len > 0 && (line[len - 1] == '\r' ||
		    line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		if (len == 0 || line[0] == '#' ||
		    strncmp(line, UNTRUSTED, strlen(UNTRUSTED)) == 0)
			continue;
		if (len >= sizeof(buf))
			return lb_err_set(err, LB_EUSAGE, 0, "line %d is not a "
			    "minisign public key", lineno);
		memcpy(buf, line, len);
		buf[len] = '\0';
		if ((r = lb_ms_key_parse(buf, &k, err)) != LB_OK) {
			if (r == LB_EUSAGE)
				lb_err_set(err, LB_EUSAGE, 0, "line %d is not "
				    "a minisign public key", lineno);
			return r;
		}
		if ((p = realloc(*keys, (*n + 1) * sizeof(*p))) == NULL)
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		*keys = p;
		p[(*n)++] = k;
		found++;
	}
	if (found == 0)
		return lb_err_set(err, LB_EUSAGE, 0, "no minisign public key "
		    "in it");
	return LB_OK;
}

/* The next line of [*s, end): its start and length without CR/LF. */
static int
next_line(const char **s, const char *end, const char **line, size_t *len)
{
	const char *nl;

	if (*s >= end)
		return -1;
	*line = *s;
	nl = memchr(*s, '\n', (size_t)(end - *s));
	if (nl == NULL)
		nl = end;
	*len = (size_t)(nl - *s);
	*s = nl < end ? nl + 1 : end;
	if (*len > 0 && (*line)[*len - 1] == '\r')
		(*len)--;
	return 0;
}

int
lb_ms_sig_parse(const char *text, size_t len, struct lb_ms_sig *s,
    struct lb_err *err)
{
	const char *p = text, *end = text + len, *l;
	unsigned char raw[2 + LB_MS_IDLEN + 64];
	size_t n, tl = strlen(TRUSTED);
	int r;

	memset(s, 0, sizeof(*s));
	if ((r = sodium_ready(err)) != LB_OK)
		return r;
	if (memchr(text, '\0', len) != NULL)
		return lb_err_set(err, LB_EVERIFY, 0, "not a minisign "
		    "signature (binary data)");
	if (next_line(&p, end, &l, &n) != 0 || n < strlen(UNTRUSTED) ||
	    memcmp(l, UNTRUSTED, strlen(UNTRUSTED)) != 0)
		return lb_err_set(err, LB_EVERIFY, 0, "not a minisign "
		    "signature (no 'untrusted comment:' line)");
	if (next_line(&p, end, &l, &n) != 0 ||
	    b64_exact(l, n, raw, sizeof(raw)) != 0)
		return lb_err_set(err, LB_EVERIFY, 0, "not a minisign "
		    "signature (its second line is not one)");
	if (raw[0] == 'E' && raw[1] == 'd')
		s->prehashed = 0;
	else if (raw[0] == 'E' && raw[1] == 'D')
		s->prehashed = 1;
	else
		return lb_err_set(err, LB_EVERIFY, 0, "unknown minisign "
		    "signature algorithm '%c%c'", raw[0] >= 0x20 && raw[0] <
		    0x7f ? raw[0] : '?', raw[1] >= 0x20 && raw[1] < 0x7f ?
		    raw[1] : '?');
	memcpy(s->id, raw + 2, LB_MS_IDLEN);
	memcpy(s->sig, raw + 2 + LB_MS_IDLEN, 64);
	if (next_line(&p, end, &l, &n) != 0 || n < tl ||
	    memcmp(l, TRUSTED, tl) != 0)
		return lb_err_set(err, LB_EVERIFY, 0, "not a minisign "
		    "signature (no 'trusted comment:' line)");
	if (n - tl > MAX_TRUSTED)
		return lb_err_set(err, LB_EVERIFY, 0, "the trusted comment is "
		    "longer than %d bytes", MAX_TRUSTED);
	if ((s->trusted = malloc(n - tl + 1)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	memcpy(s->trusted, l + tl, n - tl);
	s->trusted[n - tl] = '\0';
	if (next_line(&p, end, &l, &n) != 0 ||
	    b64_exact(l, n, s->global, sizeof(s->global)) != 0) {
		lb_ms_sig_release(s);
		return lb_err_set(err, LB_EVERIFY, 0, "not a minisign "
		    "signature (no global signature after the trusted "
		    "comment)");
	}
	/* only blank lines may follow */
	while (next_line(&p, end, &l, &n) == 0)
		if (n != 0) {
			lb_ms_sig_release(s);
			return lb_err_set(err, LB_EVERIFY, 0, "not a minisign "
			    "signature (text after its fourth line)");
		}
	return LB_OK;
}

void
lb_ms_sig_release(struct lb_ms_sig *s)
{
	free(s->trusted);
	memset(s, 0, sizeof(*s));
}

int
lb_ms_sig_key(const struct lb_ms_sig *s, const struct lb_ms_key *keys,
    size_t n, size_t *which, struct lb_err *err)
{
	unsigned char *m;
	char hex[17];
	size_t i, tl = strlen(s->trusted);
	int ok;

	lb_ms_id_hex(s->id, hex);
	for (i = 0; i < n; i++)
		if (memcmp(keys[i].id, s->id, LB_MS_IDLEN) == 0)
			break;
	if (i == n)
		return lb_err_set(err, LB_EVERIFY, 0, "signed by key %s, which "
		    "is not a trusted key", hex);
	if ((m = malloc(64 + tl)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	memcpy(m, s->sig, 64);
	memcpy(m + 64, s->trusted, tl);
	ok = crypto_sign_verify_detached(s->global, m, 64 + tl,
	    keys[i].pk) == 0;
	free(m);
	if (!ok)
		return lb_err_set(err, LB_EVERIFY, 0, "bad signature by key "
		    "%s: the trusted comment does not match its signature",
		    hex);
	*which = i;
	return LB_OK;
}

int
lb_ms_verify_hash(const struct lb_ms_sig *s, const struct lb_ms_key *k,
    const unsigned char hash[LB_MS_HASHLEN], struct lb_err *err)
{
	char hex[17];

	lb_ms_id_hex(s->id, hex);
	if (!s->prehashed)
		return lb_err_set(err, LB_EVERIFY, 0, "legacy minisign "
		    "signature (Ed): only a prehashed one (minisign -S -H) "
		    "can be checked while the archive streams");
	if (memcmp(s->id, k->id, LB_MS_IDLEN) != 0 ||
	    crypto_sign_verify_detached(s->sig, hash, LB_MS_HASHLEN,
	    k->pk) != 0)
		return lb_err_set(err, LB_EVERIFY, 0, "bad signature by key "
		    "%s: the data is not what was signed", hex);
	return LB_OK;
}

int
lb_ms_verify(const struct lb_ms_sig *s, const struct lb_ms_key *k,
    const void *msg, size_t len, struct lb_err *err)
{
	unsigned char h[LB_MS_HASHLEN];
	char hex[17];
	int r;

	if ((r = sodium_ready(err)) != LB_OK)
		return r;
	if (s->prehashed) {
		crypto_generichash(h, sizeof(h), msg, len, NULL, 0);
		return lb_ms_verify_hash(s, k, h, err);
	}
	lb_ms_id_hex(s->id, hex);
	if (memcmp(s->id, k->id, LB_MS_IDLEN) != 0 ||
	    crypto_sign_verify_detached(s->sig, msg, len, k->pk) != 0)
		return lb_err_set(err, LB_EVERIFY, 0, "bad signature by key "
		    "%s: the data is not what was signed", hex);
	return LB_OK;
}

int
lb_ms_comment_file(const char *trusted, char *buf, size_t len)
{
	const char *p = trusted, *e;
	size_t n;

	/* fields are TAB-separated; "file:" starts one of them */
	for (;;) {
		if (strncmp(p, "file:", 5) == 0) {
			p += 5;
			e = strchr(p, '\t');
			n = e != NULL ? (size_t)(e - p) : strlen(p);
			if (n == 0 || n >= len)
				return -1;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return 0;
		}
		if ((p = strchr(p, '\t')) == NULL)
			return -1;
		p++;
	}
}

struct lb_ms_hash {
	crypto_generichash_state st;
};

struct lb_ms_hash *
lb_ms_hash_new(void)
{
	struct lb_ms_hash *h;
	size_t a = 64, n = (sizeof(*h) + a - 1) / a * a;

	if (sodium_init() < 0)
		return NULL;
	/* libsodium declares the state 64-byte aligned */
	if ((h = aligned_alloc(a, n)) == NULL)
		return NULL;
	crypto_generichash_init(&h->st, NULL, 0, LB_MS_HASHLEN);
	return h;
}

void
lb_ms_hash_update(struct lb_ms_hash *h, const void *buf, size_t len)
{
	crypto_generichash_update(&h->st, buf, len);
}

void
lb_ms_hash_final(struct lb_ms_hash *h, unsigned char out[LB_MS_HASHLEN])
{
	crypto_generichash_final(&h->st, out, LB_MS_HASHLEN);
}

void
lb_ms_hash_free(struct lb_ms_hash *h)
{
	free(h);
}

/* --- signing (lifeboat backup) --- */

#define SK_RAW (2 + 2 + 2 + 32 + 8 + 8 + LB_MS_IDLEN + 64 + 32)
#define SK_SCRYPT_MEM_MAX (1ULL << 31)	/* minisign -G asks for 1 GiB */

static unsigned long long
le64(const unsigned char *b)
{
	unsigned long long v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

int
lb_ms_seckey_load(const char *text, size_t len, const char *pass,
    struct lb_ms_seckey *k, struct lb_err *err)
{
	unsigned char raw[SK_RAW], *ks, stream[LB_MS_IDLEN + 64 + 32];
	unsigned char chk[32], zero[32], pk[32], sk2[64];
	crypto_generichash_state h;
	const char *line, *end;
	unsigned long long ops, mem;
	size_t i;
	int rc = LB_OK;

	memset(k, 0, sizeof(*k));
	if ((rc = sodium_ready(err)) != LB_OK)
		return rc;
	/* the second line: the base64 of the key structure */
	if ((line = memchr(text, '\n', len)) == NULL)
		return lb_err_set(err, LB_EUSAGE, 0, "not a minisign secret "
		    "key: one line only");
	line++;
	end = memchr(line, '\n', len - (size_t)(line - text));
	if (end == NULL)
		end = text + len;
	while (end > line && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (b64_exact(line, (size_t)(end - line), raw, sizeof(raw)) != 0 ||
	    memcmp(raw, "Ed", 2) != 0 || memcmp(raw + 4, "B2", 2) != 0)
		return lb_err_set(err, LB_EUSAGE, 0, "not a minisign secret "
		    "key");
	ks = raw + 6 + 32 + 16;
	if (memcmp(raw + 2, "Sc", 2) == 0) {
		ops = le64(raw + 38);
		mem = le64(raw + 46);
		if (pass == NULL)
			return lb_err_set(err, LB_EUSAGE, 0, "the minisign "
			    "secret key is protected by a passphrase: give "
			    "[trust] secret_key_passphrase_file");
		if (mem > SK_SCRYPT_MEM_MAX || ops > (1ULL << 33))
			return lb_err_set(err, LB_EUSAGE, 0, "the minisign "
			    "secret key asks for more scrypt work than "
			    "lifeboat allows");
		if (crypto_pwhash_scryptsalsa208sha256(stream, sizeof(stream),
		    pass, strlen(pass), raw + 6, ops, (size_t)mem) != 0) {
			sodium_memzero(raw, sizeof(raw));
			return lb_err_set(err, LB_ENOMEM, 0, "scrypt could not "
			    "run (out of memory?)");
		}
		for (i = 0; i < sizeof(stream); i++)
			ks[i] ^= stream[i];
		sodium_memzero(stream, sizeof(stream));
	} else if (memcmp(raw + 2, "\0\0", 2) != 0)
		return lb_err_set(err, LB_EUSAGE, 0, "not a minisign secret "
		    "key: unknown key derivation");
	/* its checksum, BLAKE2b-256 of the algorithm, key id and key (an
	 * unprotected key of minisign -W leaves it zero), and the key
	 * itself: its public half must be the one its seed makes */
	crypto_generichash_init(&h, NULL, 0, sizeof(chk));
	crypto_generichash_update(&h, raw, 2);
	crypto_generichash_update(&h, ks, LB_MS_IDLEN + 64);
	crypto_generichash_final(&h, chk, sizeof(chk));
	memset(zero, 0, sizeof(zero));
	crypto_sign_seed_keypair(pk, sk2, ks + LB_MS_IDLEN);
	if ((sodium_memcmp(chk, ks + LB_MS_IDLEN + 64, sizeof(chk)) != 0 &&
	    (memcmp(raw + 2, "\0\0", 2) != 0 || sodium_memcmp(zero,
	    ks + LB_MS_IDLEN + 64, sizeof(zero)) != 0)) ||
	    sodium_memcmp(pk, ks + LB_MS_IDLEN + 32, 32) != 0)
		rc = lb_err_set(err, LB_EUSAGE, 0, "the minisign secret key "
		    "does not open: wrong passphrase, or a damaged key");
	else {
		memcpy(k->id, ks, LB_MS_IDLEN);
		memcpy(k->sk, ks + LB_MS_IDLEN, 64);
	}
	sodium_memzero(sk2, sizeof(sk2));
	sodium_memzero(raw, sizeof(raw));
	return rc;
}

void
lb_ms_seckey_wipe(struct lb_ms_seckey *k)
{
	sodium_memzero(k, sizeof(*k));
}

int
lb_ms_sign(const struct lb_ms_seckey *k, const void *msg, size_t len,
    const char *trusted, char **out, struct lb_err *err)
{
	unsigned char hash[LB_MS_HASHLEN], sig[2 + LB_MS_IDLEN + 64];
	unsigned char *both, global[64];
	char s64[sodium_base64_ENCODED_LEN(sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL)];
	char g64[sodium_base64_ENCODED_LEN(64,
	    sodium_base64_VARIANT_ORIGINAL)];
	size_t tl = strlen(trusted), n;
	int rc;

	*out = NULL;
	if ((rc = sodium_ready(err)) != LB_OK)
		return rc;
	if (tl > MAX_TRUSTED || strchr(trusted, '\n') != NULL)
		return lb_err_set(err, LB_EUSAGE, 0, "bad trusted comment");
	/* prehashed ("ED"), as minisign -S -H and minisign >= 0.11 do */
	crypto_generichash(hash, sizeof(hash), msg, len, NULL, 0);
	memcpy(sig, "ED", 2);
	memcpy(sig + 2, k->id, LB_MS_IDLEN);
	crypto_sign_detached(sig + 2 + LB_MS_IDLEN, NULL, hash, sizeof(hash),
	    k->sk);
	if ((both = malloc(64 + tl)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	memcpy(both, sig + 2 + LB_MS_IDLEN, 64);
	memcpy(both + 64, trusted, tl);
	crypto_sign_detached(global, NULL, both, 64 + tl, k->sk);
	free(both);
	sodium_bin2base64(s64, sizeof(s64), sig, sizeof(sig),
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(g64, sizeof(g64), global, sizeof(global),
	    sodium_base64_VARIANT_ORIGINAL);
	n = strlen(s64) + strlen(g64) + tl + 128;
	if ((*out = malloc(n)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	snprintf(*out, n, UNTRUSTED " signature from lifeboat backup\n%s\n"
	    TRUSTED "%s\n%s\n", s64, trusted, g64);
	return LB_OK;
}
