/*
 * test_age.c: age decryption against every C2SP test vector
 * (the directory in LIFEBOAT_AGE_VECTORS, which tests/run fills from the
 * pinned npm package cctv-age, else ../shared/testdata/age-cctv beside
 * the checkout), and identity files.
 *
 * In scope: binary files with X25519 identities and passphrases. Each one's
 * outcome must be the "expect:" class, and the plaintext handed out (all of
 * it, even before a payload failure) must hash to "payload:". The others
 * (ASCII armor, post-quantum identities) must end in an error with a
 * message, never a success or a crash, and a well-formed armor must be
 * named as such. A missing directory fails the test.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <mbedtls/sha256.h>
#include <zlib.h>

#include "age.h"
#include "lbtest.h"

struct vec {
	char expect[32];
	char payload[65];
	char *ids[8];
	int nids;
	char *pass[8];
	int npass;
	int armored, compressed;
	unsigned char *data;
	size_t len;
};

struct memsrc {
	const unsigned char *p;
	size_t n, off, step;
};

static int
mem_read(void *arg, void *buf, size_t len, size_t *got, struct lb_err *err)
{
	struct memsrc *m = arg;
	size_t n = m->n - m->off;

	(void)err;
	if (n > len)
		n = len;
	if (n > m->step)
		n = m->step;
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	*got = n;
	return LB_OK;
}

/* The directory of the vectors: LIFEBOAT_AGE_VECTORS, else
 * TOP/../shared/testdata/age-cctv, TOP found from this program's path
 * (TOP/build/FLAVOUR/unit-tests). */
static int
vectors_dir(char *buf, size_t len)
{
	const char *e = getenv("LIFEBOAT_AGE_VECTORS");
	char exe[PATH_MAX];
	ssize_t n;
	int i;

	if (e != NULL && *e != '\0')
		return snprintf(buf, len, "%s", e) < (int)len ? 0 : -1;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
		return -1;
	exe[n] = '\0';
	for (i = 0; i < 3; i++) {
		char *s = strrchr(exe, '/');

		if (s == NULL)
			return -1;
		*s = '\0';
	}
	return snprintf(buf, len, "%s/../shared/testdata/age-cctv", exe) <
	    (int)len ? 0 : -1;
}

static int
slurp(const char *path, unsigned char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b = NULL, *p;
	size_t n = 0, cap = 0, k;

	if (f == NULL)
		return -1;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((p = realloc(b, cap)) == NULL)
				goto fail;
			b = p;
		}
		k = fread(b + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	fclose(f);
	return -1;
}

static int
inflate_all(const unsigned char *in, size_t n, unsigned char **out,
    size_t *olen)
{
	z_stream z;
	unsigned char *b = NULL, *p;
	size_t cap = 1 << 20;
	int r;

	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK || (b = malloc(cap)) == NULL)
		return -1;
	z.next_in = (unsigned char *)in;
	z.avail_in = (unsigned)n;
	do {
		if (z.total_out == cap) {
			if ((p = realloc(b, cap * 2)) == NULL)
				break;
			b = p;
			cap *= 2;
		}
		z.next_out = b + z.total_out;
		z.avail_out = (unsigned)(cap - z.total_out);
		r = inflate(&z, Z_NO_FLUSH);
	} while (r == Z_OK);
	*olen = z.total_out;
	inflateEnd(&z);
	if (r != Z_STREAM_END) {
		free(b);
		return -1;
	}
	*out = b;
	return 0;
}

static void
vec_free(struct vec *v)
{
	int i;

	for (i = 0; i < v->nids; i++)
		free(v->ids[i]);
	for (i = 0; i < v->npass; i++)
		free(v->pass[i]);
	free(v->data);
}

/* Parse "key: value" lines up to an empty line, then the file. */
static int
vec_load(const char *path, struct vec *v)
{
	unsigned char *raw, *body;
	char *line, *end, *val;
	size_t len, off = 0, blen;

	memset(v, 0, sizeof(*v));
	if (slurp(path, &raw, &len) != 0)
		return -1;
	for (;;) {
		end = memchr(raw + off, '\n', len - off);
		if (end == NULL) {
			free(raw);
			return -1;
		}
		line = (char *)raw + off;
		*end = '\0';
		off = (size_t)((unsigned char *)end - raw) + 1;
		if (*line == '\0')
			break;
		if ((val = strstr(line, ": ")) == NULL)
			continue;
		*val = '\0';
		val += 2;
		if (strcmp(line, "expect") == 0)
			snprintf(v->expect, sizeof(v->expect), "%s", val);
		else if (strcmp(line, "payload") == 0)
			snprintf(v->payload, sizeof(v->payload), "%s", val);
		else if (strcmp(line, "identity") == 0 && v->nids < 8)
			v->ids[v->nids++] = strdup(val);
		else if (strcmp(line, "passphrase") == 0 && v->npass < 8)
			v->pass[v->npass++] = strdup(val);
		else if (strcmp(line, "armored") == 0)
			v->armored = strcmp(val, "yes") == 0;
		else if (strcmp(line, "compressed") == 0)
			v->compressed = 1;
	}
	if (v->compressed) {
		if (inflate_all(raw + off, len - off, &body, &blen) != 0) {
			free(raw);
			return -1;
		}
		free(raw);
		v->data = body;
		v->len = blen;
		return 0;
	}
	memmove(raw, raw + off, len - off);
	v->data = raw;
	v->len = len - off;
	return 0;
}

static const char *
fail_name(enum lb_age_fail f)
{
	switch (f) {
	case LB_AGE_OK:
		return "success";
	case LB_AGE_HEADER:
		return "header failure";
	case LB_AGE_NO_MATCH:
		return "no match";
	case LB_AGE_HMAC:
		return "HMAC failure";
	case LB_AGE_PAYLOAD:
		return "payload failure";
	default:
		return "source failure";
	}
}

/* Decrypt v reading step bytes at a time: its class, the SHA-256 of what
 * was handed out, the error message. */
static enum lb_age_fail
run(const struct vec *v, struct lb_age_keys *k, size_t step, char hex[65],
    struct lb_err *err)
{
	static unsigned char buf[100000];
	struct memsrc m = { v->data, v->len, 0, step };
	mbedtls_sha256_context sha;
	enum lb_age_fail f;
	struct lb_age *a;
	unsigned char d[32];
	size_t got;
	int i, r;

	mbedtls_sha256_init(&sha);
	mbedtls_sha256_starts(&sha, 0);
	lb_err_clear(err);
	r = lb_age_open(&a, k, mem_read, &m, &f, err);
	if (r == LB_OK) {
		/* odd read sizes, to cross chunk boundaries */
		while ((r = lb_age_read(a, buf, 1 + (step % 70000), &got,
		    err)) == LB_OK && got > 0)
			mbedtls_sha256_update(&sha, buf, got);
		f = r == LB_OK ? LB_AGE_OK : LB_AGE_PAYLOAD;
		lb_age_free(a);
	}
	mbedtls_sha256_finish(&sha, d);
	mbedtls_sha256_free(&sha);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	return f;
}

LB_TEST(age_c2sp_vectors)
{
	static const size_t steps[] = { 1 << 20, 997 };
	char dir[PATH_MAX], path[PATH_MAX + 256], hex[65];
	struct lb_age_keys *k;
	struct lb_err err;
	struct dirent *de;
	struct vec v;
	enum lb_age_fail f;
	int in = 0, out = 0, i, s, scope, bad;
	DIR *d;

	CHECK(vectors_dir(dir, sizeof(dir)) == 0);
	if ((d = opendir(dir)) == NULL) {
		lbt_fail(__FILE__, __LINE__, "the age test vectors are "
		    "missing: cannot open '%s' (%s); set LIFEBOAT_AGE_VECTORS "
		    "to their directory", dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strchr(de->d_name, '.') != NULL ||
		    strcmp(de->d_name, "SOURCE") == 0)
			continue;	/* README.md, SOURCE.txt */
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (vec_load(path, &v) != 0) {
			lbt_fail(__FILE__, __LINE__, "%s: cannot read the "
			    "vector", de->d_name);
			continue;
		}
		for (s = 0; s < 2; s++) {
			CHECK((k = lb_age_keys_new()) != NULL);
			scope = !v.armored;
			for (i = 0; i < v.nids; i++)
				if (lb_age_keys_add_identity(k, v.ids[i],
				    &err) != LB_OK)
					scope = 0;	/* post-quantum */
			for (i = 0; i < v.npass; i++)
				CHECK(lb_age_keys_add_passphrase(k, v.pass[i],
				    &err) == LB_OK);
			f = run(&v, k, steps[s], hex, &err);
			lb_age_keys_free(k);
			bad = 0;
			if (scope && strcmp(fail_name(f), v.expect) != 0) {
				lbt_fail(__FILE__, __LINE__, "%s: %s (%s), "
				    "expected %s", de->d_name, fail_name(f),
				    err.msg, v.expect);
				bad = 1;
			} else if (scope && v.payload[0] != '\0' &&
			    strcmp(hex, v.payload) != 0) {
				lbt_fail(__FILE__, __LINE__, "%s: the "
				    "plaintext handed out hashes to %s, "
				    "expected %s",
				    de->d_name, hex, v.payload);
				bad = 1;
			} else if (!scope && (f == LB_AGE_OK ||
			    err.msg[0] == '\0')) {
				lbt_fail(__FILE__, __LINE__, "%s (out of "
				    "scope): not refused with a reason",
				    de->d_name);
				bad = 1;
			} else if (!scope && v.armored &&
			    strcmp(v.expect, "success") == 0 &&
			    strstr(err.msg, "armor") == NULL) {
				lbt_fail(__FILE__, __LINE__, "%s: armored, but "
				    "the error does not say so: %s",
				    de->d_name, err.msg);
				bad = 1;
			}
			if (bad)
				break;
		}
		if (scope)
			in++;
		else
			out++;
		vec_free(&v);
	}
	closedir(d);
	printf("    age vectors: %d in scope, %d out of scope (armor, "
	    "post-quantum) refused\n", in, out);
	/* 143 vectors as copied: a short directory is a broken copy */
	CHECK(in >= 85);
	CHECK(in + out >= 140);
}

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

LB_TEST(age_identity_files)
{
	struct lb_age_keys *k;
	struct lb_err err;

	CHECK((k = lb_age_keys_new()) != NULL);
	CHECK(write_file("ids",
	    "# created: 2026-01-01T00:00:00Z\n"
	    "# public key: age1...\n"
	    "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKL"
	    "MGR48UAWX40Q2P2LM0\n"
	    "\n"
	    "  AGE-SECRET-KEY-143WN7DCXU4G8R5AXQSSYD9AEPYDNT3HXSLWSPK36CD"
	    "U6E8M59SSSAGZ3KG  \r\n") == 0);
	CHECK_INT(lb_age_keys_add_file(k, "ids", &err), LB_OK);
	CHECK_INT(lb_age_keys_count(k), 2);
	/* a damaged key names its line, and never shows the key */
	/* the last character changed: the checksum fails */
	CHECK(write_file("bad", "# x\nAGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYV"
	    "K2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM1\n") == 0);
	CHECK_INT(lb_age_keys_add_file(k, "bad", &err), LB_EUSAGE);
	CHECK(strstr(err.msg, "bad:2:") != NULL);
	CHECK(strstr(err.msg, "EGTZVFF") == NULL);
	CHECK(write_file("pq", "AGE-SECRET-KEY-PQ-1HZLGZUPT4ETPKDEV8HSGFDCYZ4E5"
	    "22W0A7PU2LHT8EH9W6YLNC3SW78XKG\n") == 0);
	CHECK_INT(lb_age_keys_add_file(k, "pq", &err), LB_EUSAGE);
	CHECK(strstr(err.msg, "post-quantum") != NULL);
	CHECK(write_file("empty", "# nothing\n") == 0);
	CHECK_INT(lb_age_keys_add_file(k, "empty", &err), LB_EUSAGE);
	CHECK(write_file("enc", "-----BEGIN OPENSSH PRIVATE KEY-----\n"
	    "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGHh4eHh4eHh4"
	    "eHh4eHh4eHh4eHh4eHh4eAAAAAE=\n"
	    "-----END OPENSSH PRIVATE KEY-----\n") == 0);
	CHECK_INT(lb_age_keys_add_file(k, "enc", &err), LB_EUSAGE);
	CHECK(strstr(err.msg, "cannot read a passphrase-protected SSH key: "
	    "enc") != NULL);
	CHECK_INT(lb_age_keys_count(k), 2);
	lb_age_keys_free(k);
}

/* A work factor above the limit is refused before scrypt runs: 2^30 would
 * take 128 GiB and minutes. */
LB_TEST(age_scrypt_work_factor_limit)
{
	static const char file[] =
	    "age-encryption.org/v1\n"
	    "-> scrypt rF0/NwblUHHTpgQgRpe5CQ 30\n"
	    "gUjEymFKMVXQEKdMMHL24oYexjE3TIC0O0zGSqJ2aUY\n"
	    "--- IOXiQYStkoT1mvZW2tFOqZdhRVvj58egABx/sWfZQbc\n"
	    "0123456789abcdef";
	struct memsrc m = { (const unsigned char *)file, sizeof(file) - 1, 0,
		1 << 20 };
	struct lb_age_keys *k;
	struct lb_age *a = NULL;
	struct lb_err err;
	enum lb_age_fail f;

	CHECK((k = lb_age_keys_new()) != NULL);
	CHECK_INT(lb_age_keys_add_passphrase(k, "password", &err), LB_OK);
	CHECK_INT(lb_age_open(&a, k, mem_read, &m, &f, &err), LB_EVERIFY);
	CHECK_INT(f, LB_AGE_HEADER);
	CHECK(strstr(err.msg, "2^30 is above the limit 2^22") != NULL);
	CHECK(a == NULL);
	lb_age_keys_free(k);
}
