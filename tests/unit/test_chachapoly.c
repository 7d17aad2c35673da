/*
 * test_chachapoly.c: mbedTLS's one-shot ChaCha20-Poly1305, which TLS
 * records use, done by libsodium (deps/mbedtls/patches/0002): the weak
 * symbols resolve in lifeboat's link, RFC 7539's vectors (mbedTLS's self
 * test) pass both ways, and libsodium's path gives mbedTLS's bytes and
 * tags for random keys, nonces, AAD and lengths, in place too, and
 * refuses what mbedTLS refuses.
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/chachapoly.h>
#include <sodium.h>

#include "lbtest.h"

LB_TEST(chachapoly_libsodium_linked_and_rfc7539)
{
	CHECK(sodium_init() >= 0);
	CHECK_INT(mbedtls_chachapoly_libsodium(-1), 1);
	CHECK_INT(mbedtls_chachapoly_self_test(0), 0);
	CHECK_INT(mbedtls_chachapoly_libsodium(0), 0);
	CHECK_INT(mbedtls_chachapoly_self_test(0), 0);
	CHECK_INT(mbedtls_chachapoly_libsodium(1), 1);
}

/* Seal msg both ways; 1 when they agree and open and refuse alike. */
static int
agree(const unsigned char *msg, size_t len, const unsigned char *aad,
    size_t alen)
{
	mbedtls_chachapoly_context c;
	unsigned char key[32], nonce[12], t1[16], t2[16];
	unsigned char *a = malloc(len + 1), *b = malloc(len + 1);
	int ok = a != NULL && b != NULL;

	randombytes_buf(key, sizeof(key));
	randombytes_buf(nonce, sizeof(nonce));
	mbedtls_chachapoly_init(&c);
	ok = ok && mbedtls_chachapoly_setkey(&c, key) == 0;
	mbedtls_chachapoly_libsodium(1);
	ok = ok && mbedtls_chachapoly_encrypt_and_tag(&c, len, nonce, aad,
	    alen, msg, a, t1) == 0;
	mbedtls_chachapoly_libsodium(0);
	ok = ok && mbedtls_chachapoly_encrypt_and_tag(&c, len, nonce, aad,
	    alen, msg, b, t2) == 0;
	ok = ok && memcmp(a, b, len) == 0 && memcmp(t1, t2, 16) == 0;
	/* opened in place by libsodium's path */
	mbedtls_chachapoly_libsodium(1);
	ok = ok && mbedtls_chachapoly_auth_decrypt(&c, len, nonce, aad, alen,
	    t1, a, a) == 0 && memcmp(a, msg, len) == 0;
	/* a changed tag: refused both ways */
	t1[len % 16] ^= 1;
	ok = ok && mbedtls_chachapoly_auth_decrypt(&c, len, nonce, aad, alen,
	    t1, b, a) == MBEDTLS_ERR_CHACHAPOLY_AUTH_FAILED;
	mbedtls_chachapoly_libsodium(0);
	ok = ok && mbedtls_chachapoly_auth_decrypt(&c, len, nonce, aad, alen,
	    t1, b, a) == MBEDTLS_ERR_CHACHAPOLY_AUTH_FAILED;
	mbedtls_chachapoly_libsodium(1);
	mbedtls_chachapoly_free(&c);
	free(a);
	free(b);
	return ok;
}

LB_TEST(chachapoly_libsodium_agrees_with_mbedtls)
{
	static const size_t lens[] = { 0, 1, 15, 16, 17, 63, 64, 65, 255,
		256, 1000, 16383, 16384, 16385, 70000 };
	unsigned char *msg = malloc(70000), aad[29];
	size_t i;

	CHECK(sodium_init() >= 0 && msg != NULL);
	randombytes_buf(msg, 70000);
	randombytes_buf(aad, sizeof(aad));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		if (!agree(msg, lens[i], aad, lens[i] % 30)) {
			lbt_fail(__FILE__, __LINE__, "length %zu", lens[i]);
			break;
		}
	}
	for (i = 0; i < 200; i++) {
		size_t n = randombytes_uniform(70000);

		if (!agree(msg, n, aad, randombytes_uniform(30))) {
			lbt_fail(__FILE__, __LINE__, "length %zu", n);
			break;
		}
	}
	free(msg);
}
