/*
 * test_sha256.c: mbedTLS's SHA-256 as lifeboat builds it, with the carried
 * patch that adds the x86 SHA extensions (deps/mbedtls/patches/0001):
 * NIST's vectors, mbedTLS's own self-test and random lengths, through the
 * SHA extensions and through the portable C code. Every test leaves the
 * choice as the CPU would have it.
 *
 * LIFEBOAT_EXPECT_SHANI=0 or 1 (set by tests/cli/sha256.bats): whether the
 * CPU the tests run on has the extensions (under qemu -cpu Nehalem, not);
 * sha256_cpu_detection then checks that the patch saw the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>

#include "lbtest.h"

#if defined(MBEDTLS_SHA256_USE_X86_SHA_NI_IF_PRESENT) && \
    defined(__x86_64__)
#define HAVE_CHOICE 1
#else
#define HAVE_CHOICE 0
#endif

/* 1 to use the extensions when the CPU has them, 0 for the C code; what
 * is in use. */
static int
choose(int mode)
{
#if HAVE_CHOICE
	return mbedtls_sha256_x86_sha_ni(mode);
#else
	(void)mode;
	return 0;
#endif
}

static void
hex(const unsigned char d[32], char out[65])
{
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = "0123456789abcdef"[d[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
	}
	out[64] = '\0';
}

/* SHA-256 of buf fed in pieces of at most step bytes (0: one piece). */
static void
digest(const unsigned char *buf, size_t len, size_t step, char out[65])
{
	mbedtls_sha256_context c;
	unsigned char d[32];
	size_t off = 0, n;

	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts(&c, 0);
	do {
		n = step == 0 || len - off < step ? len - off : step;
		mbedtls_sha256_update(&c, buf + off, n);
		off += n;
	} while (off < len);
	mbedtls_sha256_finish(&c, d);
	mbedtls_sha256_free(&c);
	hex(d, out);
}

/* FIPS 180-2 appendix B and the NIST CAVS short/long message examples. */
static const struct {
	const char *msg;
	const char *sha;
} nist[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc",
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
};

static int
nist_all(char *why, size_t wl)
{
	static unsigned char million[1000000];
	char got[65];
	size_t i, steps[] = { 0, 1, 63, 64, 65, 4096 };
	size_t s;

	for (i = 0; i < sizeof(nist) / sizeof(nist[0]); i++)
		for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			digest((const unsigned char *)nist[i].msg,
			    strlen(nist[i].msg), steps[s], got);
			if (strcmp(got, nist[i].sha) != 0) {
				snprintf(why, wl, "'%s' step %zu: %s",
				    nist[i].msg, steps[s], got);
				return -1;
			}
		}
	/* one million 'a' */
	memset(million, 'a', sizeof(million));
	for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		if (steps[s] == 1)
			continue;	/* a million calls: slow under qemu */
		digest(million, sizeof(million), steps[s], got);
		if (strcmp(got, "cdc76e5c9914fb9281a1c7e284d73e67"
		    "f1809a48a497200e046d39ccc7112cd0") != 0) {
			snprintf(why, wl, "a million 'a', step %zu: %s",
			    steps[s], got);
			return -1;
		}
	}
	return 0;
}

LB_TEST(sha256_nist_vectors_both_paths)
{
	char why[256] = "";
	int accel = choose(1);

	CHECK_INT(choose(0), 0);
	if (nist_all(why, sizeof(why)) != 0)
		lbt_fail(__FILE__, __LINE__, "C code: %s", why);
	CHECK_INT(choose(1), accel);
	if (nist_all(why, sizeof(why)) != 0)
		lbt_fail(__FILE__, __LINE__, "SHA extensions (%d): %s", accel,
		    why);
}

LB_TEST(sha256_mbedtls_self_test_both_paths)
{
	int accel = choose(1);

	CHECK_INT(choose(0), 0);
	CHECK_INT(mbedtls_sha256_self_test(0), 0);
	CHECK_INT(choose(1), accel);
	CHECK_INT(mbedtls_sha256_self_test(0), 0);
}

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random contents and lengths (every length to 1100, then some up to 1
 * MiB), in random pieces: the two paths agree on every one. */
LB_TEST(sha256_random_lengths_paths_agree)
{
	enum { MAX = 1 << 20 };
	unsigned char *buf = malloc(MAX);
	char a[65], b[65];
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	size_t i, len, step;
	int accel = choose(1);

	CHECK(buf != NULL);
	for (i = 0; i < MAX; i++)
		buf[i] = (unsigned char)rnd(&seed);
	for (i = 0; i < 1300; i++) {
		len = i < 1100 ? i : (size_t)(rnd(&seed) % MAX);
		step = (size_t)(rnd(&seed) % 300);
		choose(0);
		digest(buf, len, step, a);
		choose(1);
		digest(buf, len, step == 0 ? 0 : step + 1, b);
		if (strcmp(a, b) != 0) {
			lbt_fail(__FILE__, __LINE__, "length %zu: C %s, "
			    "extensions %s", len, a, b);
			break;
		}
	}
	free(buf);
	CHECK_INT(choose(1), accel);
}

/* The patch asks CPUID; the runner says what the CPU has. */
LB_TEST(sha256_cpu_detection)
{
	const char *want = getenv("LIFEBOAT_EXPECT_SHANI");

	if (!HAVE_CHOICE) {
		lbt_fail(__FILE__, __LINE__, "mbedTLS built without the "
		    "SHA-NI patch's option");
		return;
	}
	CHECK(choose(1) == 0 || choose(1) == 1);
	if (want != NULL)	/* tests/cli/sha256.bats knows */
		CHECK_INT(choose(1), strcmp(want, "1") == 0);
}
