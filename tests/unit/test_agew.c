/*
 * test_agew.c: age encryption (agew.c) read back by age.c: payloads of
 * every shape the STREAM rules care about (empty, one byte, a chunk less
 * one, exactly one and two chunks, one more, many), written in odd pieces,
 * with the exact size each must have; X25519 and ssh-ed25519 recipients
 * (the SSH identity written as ssh-keygen writes it); fresh keys per file;
 * a changed byte anywhere rejected; recipients that must be refused, and a
 * recipients file's bad line named. age itself reads these files in
 * tests/cli/backup-age.bats.
 */
#define _GNU_SOURCE	/* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "age.h"
#include "agew.h"
#include "lbtest.h"

/* The C2SP spec's example X25519 identity and its recipient. */
#define SPEC_ID "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZ" \
	"GFPYYSJZGFPQ4EGAEX"
#define SPEC_RECIP "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn" \
	"73equnujwj"

static int
write_file(const char *path, const void *text, size_t len)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	if (fwrite(text, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

static int
write_text(const char *path, const char *text)
{
	return write_file(path, text, strlen(text));
}

struct grow {
	unsigned char *p;
	size_t len;
};

static int
grow(void *arg, const void *buf, size_t len, struct lb_err *err)
{
	struct grow *g = arg;
	unsigned char *p = realloc(g->p, g->len + len + 1);

	if (p == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	g->p = p;
	memcpy(p + g->len, buf, len);
	g->len += len;
	return LB_OK;
}

/* Where the payload starts: after the "--- MAC" line and the nonce. */
static size_t
payload_at(const unsigned char *f, size_t len)
{
	const unsigned char *m = memmem(f, len, "\n--- ", 5);

	return m == NULL ? 0 : (size_t)(m - f) + 5 + 43 + 1 + 16;
}

LB_TEST(agew_payload_shapes)
{
	static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 131072,
		200000 };
	struct lb_age_recips *r;
	struct lb_age_keys *k;
	struct lb_agew *w;
	struct lb_err err;
	unsigned char *in;
	char *out;
	size_t i, off, step, olen, chunks;

	CHECK((r = lb_age_recips_new()) != NULL);
	CHECK_INT(lb_age_recips_add(r, SPEC_RECIP, &err), LB_OK);
	CHECK((k = lb_age_keys_new()) != NULL);
	CHECK_INT(lb_age_keys_add_identity(k, SPEC_ID, &err), LB_OK);
	CHECK((in = malloc(200000)) != NULL);
	randombytes_buf(in, 200000);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct grow g = { NULL, 0 };

		CHECK_INT(lb_agew_new(&w, r, grow, &g, &err), LB_OK);
		/* odd pieces: chunks never line up with writes */
		for (off = 0; off < sizes[i]; off += step) {
			step = 1000 + off % 7919;
			if (step > sizes[i] - off)
				step = sizes[i] - off;
			CHECK_INT(lb_agew_write(w, in + off, step, &err),
			    LB_OK);
		}
		CHECK_INT(lb_agew_finish(w, &err), LB_OK);
		CHECK(lb_agew_write(w, "x", 1, &err) != LB_OK);
		lb_agew_free(w);
		/* one chunk a started 64 KiB, one empty chunk for an empty
		 * payload, and no empty chunk after a full one */
		chunks = sizes[i] == 0 ? 1 : (sizes[i] + 65535) / 65536;
		CHECK(payload_at(g.p, g.len) > 0);
		CHECK_INT(g.len - payload_at(g.p, g.len), sizes[i] + 16 *
		    chunks);
		CHECK_INT(lb_age_decrypt_buf(k, g.p, g.len, 1 << 20, &out,
		    &olen, &err), LB_OK);
		CHECK_INT(olen, sizes[i]);
		CHECK(memcmp(out, in, olen) == 0);
		free(out);
		free(g.p);
	}
	free(in);
	lb_age_keys_free(k);
	lb_age_recips_free(r);
}

LB_TEST(agew_fresh_keys_and_tampering)
{
	struct lb_age_recips *r;
	struct lb_age_keys *k;
	struct lb_err err;
	unsigned char *a, *b;
	size_t al, bl, i, ol;
	char *out;
	const char *msg = "the manifest of a backup";

	CHECK((r = lb_age_recips_new()) != NULL);
	CHECK_INT(lb_age_recips_add(r, SPEC_RECIP, &err), LB_OK);
	CHECK((k = lb_age_keys_new()) != NULL);
	CHECK_INT(lb_age_keys_add_identity(k, SPEC_ID, &err), LB_OK);
	CHECK_INT(lb_age_encrypt_buf(r, msg, strlen(msg), &a, &al, &err),
	    LB_OK);
	CHECK_INT(lb_age_encrypt_buf(r, msg, strlen(msg), &b, &bl, &err),
	    LB_OK);
	CHECK_INT(al, bl);
	CHECK(memcmp(a, b, al) != 0);	/* new share, MAC, nonce, payload */
	CHECK(memcmp(a, "age-encryption.org/v1\n-> X25519 ", 32) == 0);
	/* every byte matters: the header (its MAC), the nonce, a chunk */
	for (i = 0; i < al; i += 7) {
		memcpy(b, a, al);
		b[i] ^= 0x20;
		out = NULL;
		if (lb_age_decrypt_buf(k, b, al, 1 << 20, &out, &ol, &err) ==
		    LB_OK) {
			lbt_fail(__FILE__, __LINE__, "byte %zu changed, and "
			    "it still decrypts", i);
			free(out);
			break;
		}
	}
	CHECK(i >= al);
	/* cut: no final chunk */
	CHECK(lb_age_decrypt_buf(k, a, al - 1, 1 << 20, &out, &ol, &err) !=
	    LB_OK);
	CHECK_INT(lb_age_decrypt_buf(k, a, al, 1 << 20, &out, &ol, &err),
	    LB_OK);
	CHECK_STR(out, msg);
	free(out);
	free(a);
	free(b);
	lb_age_keys_free(k);
	lb_age_recips_free(r);
}

/* The SSH wire string of n bytes at p, appended to buf at *at. */
static void
put_str(unsigned char *buf, size_t *at, const void *p, size_t n)
{
	buf[(*at)++] = (unsigned char)(n >> 24);
	buf[(*at)++] = (unsigned char)(n >> 16);
	buf[(*at)++] = (unsigned char)(n >> 8);
	buf[(*at)++] = (unsigned char)n;
	memcpy(buf + *at, p, n);
	*at += n;
}

/* An unencrypted OpenSSH ed25519 key pair, as ssh-keygen writes it: the
 * private key file at path, the public key line into pub. */
static int
ssh_keypair(const char *path, char *pub, size_t pl)
{
	unsigned char pk[32], sk[64], blob[51], priv[256], file[512];
	char b64[1024], text[1200];
	size_t bl = 0, n = 0, f = 0, i;
	unsigned int check = 0x01020304;

	crypto_sign_keypair(pk, sk);
	put_str(blob, &bl, "ssh-ed25519", 11);
	put_str(blob, &bl, pk, 32);
	memcpy(priv, &check, 4);
	memcpy(priv + 4, &check, 4);
	n = 8;
	put_str(priv, &n, "ssh-ed25519", 11);
	put_str(priv, &n, pk, 32);
	put_str(priv, &n, sk, 64);
	put_str(priv, &n, "unit@test", 9);
	for (i = 1; n % 8 != 0; i++)
		priv[n++] = (unsigned char)i;
	memcpy(file, "openssh-key-v1", 15);
	f = 15;
	put_str(file, &f, "none", 4);
	put_str(file, &f, "none", 4);
	put_str(file, &f, "", 0);
	file[f++] = 0, file[f++] = 0, file[f++] = 0, file[f++] = 1;
	put_str(file, &f, blob, bl);
	put_str(file, &f, priv, n);
	sodium_bin2base64(b64, sizeof(b64), file, f,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(text, sizeof(text), "-----BEGIN OPENSSH PRIVATE KEY-----\n%s"
	    "\n-----END OPENSSH PRIVATE KEY-----\n", b64);
	sodium_bin2base64(b64, sizeof(b64), blob, bl,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(pub, pl, "ssh-ed25519 %s unit@test", b64);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(priv, sizeof(priv));
	return write_file(path, text, strlen(text));
}

LB_TEST(agew_ssh_and_two_recipients)
{
	struct lb_age_recips *r;
	struct lb_age_keys *k1, *k2, *k3;
	struct lb_err err;
	unsigned char *a, *p;
	char pub[256], other[256], *out;
	size_t al, ol, nx, ns;
	const char *msg = "two keys, each alone";

	CHECK(ssh_keypair("id_ed25519", pub, sizeof(pub)) == 0);
	CHECK(ssh_keypair("id_other", other, sizeof(other)) == 0);
	CHECK((r = lb_age_recips_new()) != NULL);
	CHECK_INT(lb_age_recips_add(r, pub, &err), LB_OK);
	CHECK_INT(lb_age_recips_add(r, SPEC_RECIP, &err), LB_OK);
	lb_age_recips_counts(r, &nx, &ns);
	CHECK_INT(nx, 1);
	CHECK_INT(ns, 1);
	CHECK_INT(lb_age_encrypt_buf(r, msg, strlen(msg), &a, &al, &err),
	    LB_OK);
	CHECK((p = memmem(a, al, "-> ssh-ed25519 ", 15)) != NULL);
	CHECK(memmem(a, al, "-> X25519 ", 10) != NULL);
	CHECK((k1 = lb_age_keys_new()) != NULL);
	CHECK_INT(lb_age_keys_add_file(k1, "id_ed25519", &err), LB_OK);
	CHECK_INT(lb_age_decrypt_buf(k1, a, al, 1 << 20, &out, &ol, &err),
	    LB_OK);
	CHECK_STR(out, msg);
	free(out);
	CHECK((k2 = lb_age_keys_new()) != NULL);
	CHECK_INT(lb_age_keys_add_identity(k2, SPEC_ID, &err), LB_OK);
	CHECK_INT(lb_age_decrypt_buf(k2, a, al, 1 << 20, &out, &ol, &err),
	    LB_OK);
	CHECK_STR(out, msg);
	free(out);
	/* a key that is not a recipient opens nothing */
	CHECK((k3 = lb_age_keys_new()) != NULL);
	CHECK_INT(lb_age_keys_add_file(k3, "id_other", &err), LB_OK);
	CHECK_INT(lb_age_decrypt_buf(k3, a, al, 1 << 20, &out, &ol, &err),
	    LB_EVERIFY);
	CHECK(strstr(err.msg, "no identity matches") != NULL);
	free(a);
	lb_age_keys_free(k1);
	lb_age_keys_free(k2);
	lb_age_keys_free(k3);
	lb_age_recips_free(r);
}

LB_TEST(agew_recipients_refused)
{
	static const struct {
		const char *s, *why;
	} bad[] = {
		{ "age1pq1x34nzsvr0rxjsgdn8zgyhfe8j7ceq5r9rdelkjuh3y235jzxshf",
		    "post-quantum" },
		{ "age1tag1qt8lw0ual6avlwmwatk888yqnmdamm7xfd0wak53ut6elz5c4s"
		    "wx2yqdj4e", "tagged" },
		{ "age1yubikey1qwt50d05nh5vutpdzmlg5wn80xq5negm4uj9ghv0snvdd3"
		    "yysf5yw3rhl3t", "plugin" },
		/* the spec's recipient, its last character changed */
		{ "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equn"
		    "ujwq", "not a valid age recipient" },
		/* points of low order (0 and 1): nothing can be shared */
		{ "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5cu"
		    "47z", "low order" },
		{ "age1qyqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqj7v"
		    "rya", "low order" },
		{ SPEC_ID, "a secret key" },
		{ "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ x@y",
		    "only ssh-ed25519" },
		{ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA x@y",
		    "not a valid ssh-ed25519 public key" },
		{ "ssh-ed25519", "not a valid ssh-ed25519 public key" },
		{ "-----BEGIN OPENSSH PRIVATE KEY-----", "a private key" },
		{ "hello", "not an age recipient" },
	};
	struct lb_age_recips *r;
	struct lb_err err;
	char why[256];
	size_t i, nx, ns;

	CHECK((r = lb_age_recips_new()) != NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (lb_age_recip_check(bad[i].s, why, sizeof(why)) == 0 ||
		    strstr(why, bad[i].why) == NULL) {
			lbt_fail(__FILE__, __LINE__, "'%s': '%s', expected "
			    "'%s'", bad[i].s, why, bad[i].why);
			break;
		}
		CHECK_INT(lb_age_recips_add(r, bad[i].s, &err), LB_EUSAGE);
	}
	CHECK_INT(lb_age_recip_check(SPEC_RECIP, why, sizeof(why)), 0);
	/* a file: comments and blank lines skipped, a bad line named */
	CHECK(write_text("recips", "# backups\n\n  " SPEC_RECIP "  \r\n"
	    "# the NAS\nage1nope\n") == 0);
	CHECK_INT(lb_age_recips_add_file(r, "recips", &err), LB_EUSAGE);
	CHECK(strstr(err.msg, "'recips' line 5: ") != NULL);
	CHECK(write_text("ok", "# one\n" SPEC_RECIP "\n") == 0);
	CHECK_INT(lb_age_recips_add_file(r, "ok", &err), LB_OK);
	CHECK(write_text("none", "# none\n") == 0);
	CHECK_INT(lb_age_recips_add_file(r, "none", &err), LB_EUSAGE);
	CHECK(strstr(err.msg, "holds no recipient") != NULL);
	CHECK_INT(lb_age_recips_add_file(r, "missing", &err), LB_EUSAGE);
	lb_age_recips_counts(r, &nx, &ns);
	CHECK_INT(nx, 2);	/* the good line of recips, and ok's */
	CHECK_INT(ns, 0);
	lb_age_recips_free(r);
}
