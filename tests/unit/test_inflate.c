/*
 * test_inflate.c: the restore's gzip stage (tools/lib/inflate.c): ISA-L
 * and zlib give the same bytes on concatenated members read in pieces of
 * any size; a member ISA-L refuses is decoded again by zlib; corrupt and
 * truncated streams fail.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "inflate.h"
#include "lbtest.h"

struct mem {
	const unsigned char *buf;
	size_t len, pos, step;
};

static int
mem_src(void *arg, unsigned char *buf, size_t len, size_t *got,
    struct lb_err *err)
{
	struct mem *m = arg;
	size_t n = m->len - m->pos;

	(void)err;
	if (n > len)
		n = len;
	if (n > m->step)
		n = m->step;
	memcpy(buf, m->buf + m->pos, n);
	m->pos += n;
	*got = n;
	return LB_OK;
}

/* Text-like bytes: words from a small vocabulary, compressible ~3x. */
static void
fill_text(unsigned char *p, size_t n, uint64_t seed)
{
	static const char *w[] = { "volume ", "mariadb ", "ibdata1 ", "\n",
		"select ", "0x7f3a ", "2026-12-04 ", "ERROR ", "id=", "/var/" };
	size_t i = 0, k;
	const char *s;

	while (i < n) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		if ((seed >> 60) == 0) {
			p[i++] = (unsigned char)(seed >> 20);
			continue;
		}
		s = w[(seed >> 33) % 10];
		for (k = 0; s[k] != '\0' && i < n; k++)
			p[i++] = (unsigned char)s[k];
	}
}

/* gzip members of the given sizes of src, concatenated into *out. */
static size_t
members(const unsigned char *src, const size_t *sizes, int n,
    unsigned char *out, size_t cap)
{
	z_stream z;
	size_t off = 0, o = 0;
	int i;

	for (i = 0; i < n; i++) {
		memset(&z, 0, sizeof(z));
		if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
		    Z_DEFAULT_STRATEGY) != Z_OK)
			return 0;
		z.next_in = (unsigned char *)src + off;
		z.avail_in = (uInt)sizes[i];
		z.next_out = out + o;
		z.avail_out = (uInt)(cap - o);
		if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
			deflateEnd(&z);
			return 0;
		}
		o += z.total_out;
		off += sizes[i];
		deflateEnd(&z);
	}
	return o;
}

/* Decode gz in pieces of step: 0 and the output in out, or -1. */
static long long
decode(const unsigned char *gz, size_t len, size_t step, unsigned char *out,
    size_t cap, char used[16], struct lb_err *err)
{
	struct mem m = { gz, len, 0, step };
	struct lb_inflate *f;
	size_t n = 0;
	long k;

	/* the caller reads the first bytes to see the magic number */
	m.pos = len < 10 ? len : 10;
	if (lb_inflate_new(&f, mem_src, &m, gz, m.pos, err) != LB_OK)
		return -1;
	while ((k = lb_inflate_read(f, out + n, cap - n > 100000 ? 100000 :
	    cap - n, err)) > 0)
		n += (size_t)k;
	snprintf(used, 16, "%s", lb_inflate_used(f));
	lb_inflate_free(f);
	return k < 0 ? -1 : (long long)n;
}

enum { RAW = 6 << 20 };
static const size_t sizes[] = { 3 << 20, 0, 1, 70000, (2 << 20) + 3, 4096 };
#define NSIZES (int)(sizeof(sizes) / sizeof(sizes[0]))

static unsigned char *raw, *gz, *out;
static size_t rawlen, gzlen;

static int
setup(void)
{
	int i;

	unsetenv("LIFEBOAT_NO_ISAL");
	unsetenv("LIFEBOAT_TEST_ISAL_REFUSE");
	if (raw == NULL) {
		raw = malloc(RAW);
		gz = malloc(RAW + 4096);
		out = malloc(RAW);
		if (raw == NULL || gz == NULL || out == NULL)
			return -1;
		fill_text(raw, RAW, 42);
		for (rawlen = 0, i = 0; i < NSIZES; i++)
			rawlen += sizes[i];
		gzlen = members(raw, sizes, NSIZES, gz, RAW + 4096);
	}
	return gzlen > 0 ? 0 : -1;
}

LB_TEST(inflate_members_isal_and_zlib_agree)
{
	static const size_t steps[] = { 7, 4093, 65536, 1 << 20 };
	struct lb_err err = { 0 };
	char used[16];
	size_t s;
	int z;

	CHECK_INT(setup(), 0);
	CHECK(gzlen < rawlen / 2);	/* several members, compressed */
	for (z = 0; z < 2; z++) {
		if (z)
			setenv("LIFEBOAT_NO_ISAL", "1", 1);
		for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
			memset(out, 0, rawlen);
			CHECK_INT(decode(gz, gzlen, steps[s], out, RAW, used,
			    &err), rawlen);
			CHECK(memcmp(out, raw, rawlen) == 0);
			CHECK_STR(used, z ? "zlib" : "isa-l");
		}
	}
	unsetenv("LIFEBOAT_NO_ISAL");
}

/* The test switch makes ISA-L refuse inside the first, the fourth and
 * the fifth member: zlib decodes each again and drops what ISA-L gave. */
LB_TEST(inflate_refused_member_falls_back_to_zlib)
{
	static const char *at[] = { "1000", "3146000", "3300000" };
	struct lb_err err = { 0 };
	char used[16];
	size_t i;

	CHECK_INT(setup(), 0);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		setenv("LIFEBOAT_TEST_ISAL_REFUSE", at[i], 1);
		memset(out, 0, rawlen);
		CHECK_INT(decode(gz, gzlen, 65536, out, RAW, used, &err),
		    rawlen);
		CHECK(memcmp(out, raw, rawlen) == 0);
		CHECK_STR(used, "isa-l+zlib");
	}
	unsetenv("LIFEBOAT_TEST_ISAL_REFUSE");
}

LB_TEST(inflate_trailing_bytes_end_the_stream)
{
	struct lb_err err = { 0 };
	unsigned char *g;
	char used[16];

	CHECK_INT(setup(), 0);
	CHECK((g = malloc(gzlen + 1024)) != NULL);
	memcpy(g, gz, gzlen);
	memset(g + gzlen, 0, 1024);	/* tar's or a tape's padding */
	CHECK_INT(decode(g, gzlen + 1024, 4096, out, RAW, used, &err),
	    rawlen);
	free(g);
	CHECK(memcmp(out, raw, rawlen) == 0);
}

LB_TEST(inflate_corrupt_and_truncated_fail)
{
	struct lb_err err = { 0 };
	unsigned char *g;
	char used[16];
	int z;

	CHECK_INT(setup(), 0);
	CHECK((g = malloc(gzlen)) != NULL);
	for (z = 0; z < 2; z++) {
		if (z)
			setenv("LIFEBOAT_NO_ISAL", "1", 1);
		/* a flipped byte deep in the first member (beyond ISA-L's
		 * replay window too) */
		memcpy(g, gz, gzlen);
		g[gzlen / 3] ^= 0x55;
		memset(&err, 0, sizeof(err));
		CHECK_INT(decode(g, gzlen, 65536, out, RAW, used, &err), -1);
		CHECK_INT(err.code, LB_EVERIFY);
		/* a flipped byte near a member's start: within the window,
		 * so zlib gets it too and refuses it as well */
		memcpy(g, gz, gzlen);
		g[100] ^= 0x55;
		memset(&err, 0, sizeof(err));
		CHECK_INT(decode(g, gzlen, 65536, out, RAW, used, &err), -1);
		CHECK_INT(err.code, LB_EVERIFY);
		/* cut in the middle */
		memset(&err, 0, sizeof(err));
		CHECK_INT(decode(gz, gzlen / 2, 65536, out, RAW, used, &err),
		    -1);
		CHECK_INT(err.code, LB_EVERIFY);
	}
	free(g);
	unsetenv("LIFEBOAT_NO_ISAL");
}
