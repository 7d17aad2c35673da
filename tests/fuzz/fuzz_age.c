/* fuzz_age: an age file (header, stanzas, MAC, payload) as a restore reads
 * it from a store: lb_age_open pulls the input through its source
 * callback, in pieces whose sizes vary, and every chunk is read. The
 * identities are the public test keys of the C2SP age vectors, so that
 * seeds made for them run the X25519 unwrap, the MAC and the payload; no
 * passphrase (scrypt would make each run slow, by design). */
#include "age.h"
#include "fuzz.h"

struct src {
	const uint8_t *p;
	size_t n, step;
};

static int
src(void *arg, void *buf, size_t len, size_t *got, struct lb_err *err)
{
	struct src *s = arg;
	size_t k = len < s->n ? len : s->n;

	(void)err;
	if (k > s->step)
		k = s->step;
	memcpy(buf, s->p, k);
	s->p += k;
	s->n -= k;
	*got = k;
	/* the next read a different size: 1 to 4096 bytes */
	s->step = s->step * 7 % 4093 + 1;
	return LB_OK;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lb_age_keys *k;
	struct src s = { data, size, 4096 };
	struct lb_age *a = NULL;
	struct lb_err err;
	char buf[70000];
	size_t got;

	if (k == NULL) {
		if ((k = lb_age_keys_new()) == NULL ||
		    lb_age_keys_add_identity(k, "AGE-SECRET-KEY-1EGTZVFFV2083"
		    "5NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0", &err) !=
		    LB_OK || lb_age_keys_add_identity(k, "AGE-SECRET-KEY-143WN"
		    "7DCXU4G8R5AXQSSYD9AEPYDNT3HXSLWSPK36CDU6E8M59SSSAGZ3KG",
		    &err) != LB_OK)
			abort();
	}
	if (size > 0 && data[0] != 'a')
		s.step = data[0] + 1;
	if (lb_age_open(&a, k, src, &s, NULL, &err) == LB_OK) {
		while (lb_age_read(a, buf, sizeof(buf), &got, &err) == LB_OK &&
		    got > 0)
			;
		(void)lb_age_types(a);
	}
	lb_age_free(a);
	return 0;
}
