/*
 * test_minisign.c: minisign keys and signatures made by the real minisign
 * CLI (tests/fixtures/mkminisign wrote minisign_fixtures.h): both
 * algorithms verify, the streaming prehash agrees with minisign's, and
 * every tampering is refused; the [trust] section of the config.
 */
#include <stdlib.h>

#include "config.h"
#include "handoff.h"
#include "jread.h"
#include "lbtest.h"
#include "minisign.h"
#include "minisign_fixtures.h"

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

LB_TEST(minisign_key_string_and_pub_file)
{
	struct lb_ms_key k, *keys = NULL;
	struct lb_err e;
	size_t n = 0;
	char hex[17];

	CHECK_INT(lb_ms_key_parse(FX_A_KEY, &k, &e), LB_OK);
	lb_ms_id_hex(k.id, hex);
	CHECK_STR(hex, FX_A_ID);
	CHECK_INT(lb_ms_keys_parse(fx_a_pub, &keys, &n, &e), LB_OK);
	CHECK_INT(n, 1);
	CHECK(memcmp(&keys[0], &k, sizeof(k)) == 0);
	/* two keys in one file (rotation), comments and blank lines */
	CHECK_INT(lb_ms_keys_parse("# old and new\n\n" FX_B_KEY "\r\n",
	    &keys, &n, &e), LB_OK);
	CHECK_INT(n, 2);
	free(keys);
	/* minisign prints the id without leading zeros ("%" PRIX64) */
	memset(k.id, 0, sizeof(k.id));
	k.id[0] = 0x95;
	k.id[6] = 0xD9;
	k.id[7] = 0x03;
	lb_ms_id_hex(k.id, hex);
	CHECK_STR(hex, "3D9000000000095");
	memset(k.id, 0, sizeof(k.id));
	lb_ms_id_hex(k.id, hex);
	CHECK_STR(hex, "0");
}

LB_TEST(minisign_key_refusals)
{
	struct lb_ms_key k, *keys = NULL;
	struct lb_err e;
	size_t n = 0;
	char bad[] = FX_A_KEY;

	CHECK_INT(lb_ms_key_parse("RWnotakey", &k, &e), LB_EUSAGE);
	CHECK(strstr(e.msg, "not a minisign public key") != NULL);
	/* "RW" is the "Ed" algorithm: another one is refused */
	bad[1] = 'X';
	CHECK_INT(lb_ms_key_parse(bad, &k, &e), LB_EUSAGE);
	CHECK_INT(lb_ms_keys_parse("untrusted comment: nothing\n", &keys, &n,
	    &e), LB_EUSAGE);
	CHECK(strstr(e.msg, "no minisign public key") != NULL);
	CHECK_INT(lb_ms_keys_parse("hello\n", &keys, &n, &e), LB_EUSAGE);
	CHECK(strstr(e.msg, "line 1") != NULL);
	free(keys);
}

/* Parse sig and find its key among keys; 0 if both worked. */
static int
load(const char *text, struct lb_ms_sig *s, const struct lb_ms_key *keys,
    size_t n, size_t *which, struct lb_err *e)
{
	int r = lb_ms_sig_parse(text, strlen(text), s, e);

	if (r != LB_OK)
		return r;
	return lb_ms_sig_key(s, keys, n, which, e);
}

LB_TEST(minisign_both_algorithms_verify)
{
	struct lb_ms_key k[2];
	struct lb_ms_sig s;
	struct lb_err e;
	size_t which = 9;
	char *m;

	CHECK_INT(lb_ms_key_parse(FX_B_KEY, &k[0], &e), LB_OK);
	CHECK_INT(lb_ms_key_parse(FX_A_KEY, &k[1], &e), LB_OK);

	CHECK_INT(load(fx_legacy, &s, k, 2, &which, &e), LB_OK);
	CHECK_INT(which, 1);
	CHECK_INT(s.prehashed, 0);
	CHECK(strncmp(s.trusted, "timestamp:", 10) == 0);
	CHECK(strstr(fx_legacy, s.trusted) != NULL);
	CHECK_INT(lb_ms_verify(&s, &k[1], fx_msg, strlen(fx_msg), &e), LB_OK);
	/* one byte changed: refused */
	m = strdup(fx_msg);
	CHECK(m != NULL);
	m[3] ^= 1;
	CHECK_INT(lb_ms_verify(&s, &k[1], m, strlen(m), &e), LB_EVERIFY);
	CHECK(strstr(e.msg, "not what was signed") != NULL);
	lb_ms_sig_release(&s);

	CHECK_INT(load(fx_hashed, &s, k, 2, &which, &e), LB_OK);
	CHECK_INT(s.prehashed, 1);
	CHECK_INT(lb_ms_verify(&s, &k[1], fx_msg, strlen(fx_msg), &e), LB_OK);
	CHECK_INT(lb_ms_verify(&s, &k[1], m, strlen(m), &e), LB_EVERIFY);
	/* the signature of one key does not pass for another's */
	CHECK_INT(lb_ms_verify(&s, &k[0], fx_msg, strlen(fx_msg), &e),
	    LB_EVERIFY);
	lb_ms_sig_release(&s);
	free(m);
}

LB_TEST(minisign_unknown_key_and_changed_comment)
{
	struct lb_ms_key a;
	struct lb_ms_sig s;
	struct lb_err e;
	size_t which;
	char *t, *p;

	CHECK_INT(lb_ms_key_parse(FX_A_KEY, &a, &e), LB_OK);
	/* made by B: A alone does not know it */
	CHECK_INT(load(fx_other, &s, &a, 1, &which, &e), LB_EVERIFY);
	CHECK(strstr(e.msg, "not a trusted key") != NULL);
	lb_ms_sig_release(&s);
	/* the trusted comment edited: its global signature fails */
	t = strdup(fx_hashed);
	CHECK(t != NULL);
	p = strstr(t, "file:msg");
	CHECK(p != NULL);
	p[5] = 'M';
	CHECK_INT(load(t, &s, &a, 1, &which, &e), LB_EVERIFY);
	CHECK(strstr(e.msg, "trusted comment does not match") != NULL);
	lb_ms_sig_release(&s);
	free(t);
}

LB_TEST(minisign_malformed_signatures)
{
	static const char crlf[] = "untrusted comment: x\r\n"
	    "RUTknHl4zt8XTaeuqpI3lYOVxU8m984IR2OjCBebTW3iImuT27lFRhKYlkGD3mTT0"
	    "BrFw9EdKFFtsKEeBmJSpIg9uMvFu6cnewg=\r\ntrusted comment: a\r\n"
	    "47ca8sKRdVy4PP+nSO/HhGv6ZaqbCjeWjsl7/pv/sOJNOHBSiDCuVAftWVq7klv1g"
	    "3bQvQ/nO/RD/oHmJKjTBQ==\r\n";
	struct lb_ms_sig s;
	struct lb_err e;
	char *t, *p;
	size_t n;

	CHECK_INT(lb_ms_sig_parse("", 0, &s, &e), LB_EVERIFY);
	CHECK_INT(lb_ms_sig_parse("hello\n", 6, &s, &e), LB_EVERIFY);
	/* three lines of four */
	t = strdup(fx_hashed);
	CHECK(t != NULL);
	*strstr(t, "trusted comment:") = '\0';
	CHECK_INT(lb_ms_sig_parse(t, strlen(t), &s, &e), LB_EVERIFY);
	free(t);
	/* something after the fourth line */
	n = strlen(fx_hashed);
	t = malloc(n + 8);
	CHECK(t != NULL);
	memcpy(t, fx_hashed, n);
	memcpy(t + n, "more\n", 6);
	CHECK_INT(lb_ms_sig_parse(t, strlen(t), &s, &e), LB_EVERIFY);
	CHECK(strstr(e.msg, "after its fourth line") != NULL);
	/* a NUL inside */
	t[n - 3] = '\0';
	CHECK_INT(lb_ms_sig_parse(t, n + 5, &s, &e), LB_EVERIFY);
	free(t);
	/* an unknown algorithm: "RU" -> "RV" changes "ED" */
	t = strdup(fx_hashed);
	CHECK(t != NULL);
	p = strchr(t, '\n') + 1;
	CHECK(p[0] == 'R' && p[1] == 'U');
	p[1] = 'X';
	CHECK_INT(lb_ms_sig_parse(t, strlen(t), &s, &e), LB_EVERIFY);
	CHECK(strstr(e.msg, "algorithm") != NULL);
	free(t);
	/* CRLF line ends are fine */
	CHECK_INT(lb_ms_sig_parse(crlf, strlen(crlf), &s, &e), LB_OK);
	CHECK_STR(s.trusted, "a");
	lb_ms_sig_release(&s);
}

LB_TEST(minisign_streaming_prehash)
{
	static unsigned char data[FX_STREAM_LEN];
	unsigned char h[LB_MS_HASHLEN];
	struct lb_ms_hash *bh;
	struct lb_ms_key k;
	struct lb_ms_sig s;
	struct lb_err e;
	size_t i, step, which;

	for (i = 0; i < FX_STREAM_LEN; i++)
		data[i] = (unsigned char)((i * 31 + 7) % 256);
	CHECK_INT(lb_ms_key_parse(FX_A_KEY, &k, &e), LB_OK);
	CHECK_INT(load(fx_stream, &s, &k, 1, &which, &e), LB_OK);
	CHECK_STR(s.trusted, "lifeboat test stream");
	/* chunks of odd sizes, as a store hands them out */
	bh = lb_ms_hash_new();
	CHECK(bh != NULL);
	for (i = 0; i < FX_STREAM_LEN; i += step) {
		step = 1 + (i * 7919) % 65537;
		if (step > FX_STREAM_LEN - i)
			step = FX_STREAM_LEN - i;
		lb_ms_hash_update(bh, data + i, step);
	}
	lb_ms_hash_final(bh, h);
	lb_ms_hash_free(bh);
	CHECK_INT(lb_ms_verify_hash(&s, &k, h, &e), LB_OK);
	h[0] ^= 1;
	CHECK_INT(lb_ms_verify_hash(&s, &k, h, &e), LB_EVERIFY);
	lb_ms_sig_release(&s);
	/* a legacy signature cannot be checked from a hash */
	CHECK_INT(load(fx_stream_legacy, &s, &k, 1, &which, &e), LB_OK);
	CHECK_INT(lb_ms_verify(&s, &k, data, sizeof(data), &e), LB_OK);
	CHECK_INT(lb_ms_verify_hash(&s, &k, h, &e), LB_EVERIFY);
	CHECK(strstr(e.msg, "minisign -S -H") != NULL);
	lb_ms_sig_release(&s);
}

LB_TEST(minisign_comment_file)
{
	char f[64];

	CHECK_INT(lb_ms_comment_file("timestamp:1\tfile:a.tar.gz\thashed", f,
	    sizeof(f)), 0);
	CHECK_STR(f, "a.tar.gz");
	CHECK_INT(lb_ms_comment_file("timestamp:1\tfile:b.tar", f, sizeof(f)),
	    0);
	CHECK_STR(f, "b.tar");
	CHECK_INT(lb_ms_comment_file("nightly backup", f, sizeof(f)), -1);
	/* "file:" inside a field is not the field */
	CHECK_INT(lb_ms_comment_file("a file:x", f, sizeof(f)), -1);
	CHECK_INT(lb_ms_comment_file("file:", f, sizeof(f)), -1);
}

LB_TEST(config_trust_section)
{
	struct lb_config cfg;
	struct lb_err e;

	write_file("a.conf", "[trust]\npublic_key = " FX_A_KEY "\n"
	    "public_key = " FX_B_KEY "\npublic_key_file = /etc/k.pub\n");
	CHECK_INT(lb_config_load(&cfg, "a.conf", &e), LB_OK);
	CHECK_INT(cfg.ntrust_keys, 2);
	CHECK_INT(cfg.ntrust_key_files, 1);
	CHECK_STR(cfg.trust_key_files[0], "/etc/k.pub");
	CHECK_INT(lb_config_require_signature(&cfg), 1);
	lb_config_release(&cfg);

	write_file("b.conf", "[trust]\npublic_key = " FX_A_KEY "\n"
	    "require_signature = no\n");
	CHECK_INT(lb_config_load(&cfg, "b.conf", &e), LB_OK);
	CHECK_INT(lb_config_require_signature(&cfg), 0);
	lb_config_release(&cfg);

	write_file("c.conf", "[restore]\ndest = /x\n");
	CHECK_INT(lb_config_load(&cfg, "c.conf", &e), LB_OK);
	CHECK_INT(lb_config_require_signature(&cfg), 0);
	lb_config_release(&cfg);

	/* a typo in a key is found when the config is read */
	write_file("d.conf", "[trust]\npublic_key = RWQtypo\n");
	CHECK_INT(lb_config_load(&cfg, "d.conf", &e), LB_EUSAGE);
	CHECK(strstr(e.msg, "d.conf:2: public_key:") != NULL);
	lb_config_release(&cfg);

	/* yes without a key here: the key may be the image's baked one */
	write_file("e.conf", "[trust]\nrequire_signature = yes\n");
	CHECK_INT(lb_config_load(&cfg, "e.conf", &e), LB_OK);
	CHECK_INT(lb_config_require_signature(&cfg), 1);
	lb_config_release(&cfg);

	write_file("f.conf", "[trust]\nrequire_signature = maybe\n");
	CHECK_INT(lb_config_load(&cfg, "f.conf", &e), LB_EUSAGE);
	lb_config_release(&cfg);

	write_file("g.conf", "[trust]\npublic_keys = x\n");
	CHECK_INT(lb_config_load(&cfg, "g.conf", &e), LB_EUSAGE);
	CHECK(strstr(e.msg, "unknown key 'public_keys'") != NULL);
	lb_config_release(&cfg);
}

LB_TEST(history_json_says_what_was_proven)
{
	struct lb_history h;
	struct lb_jval *v;
	char *json, why[128];

	memset(&h, 0, sizeof(h));
	h.kind = "restore";
	h.id = "x";
	h.ok = 1;
	h.archive = "a.tar.gz";
	h.archive_time = -1;
	h.rto = h.rpo = -1;
	h.integrity = "sha256";
	h.authenticity = "minisign:" FX_A_ID;
	CHECK(lb_history_json(&h, &json) == 0);
	CHECK(lb_jread_parse(json, strlen(json), &v, why, sizeof(why)) == 0);
	CHECK_STR(lb_jread_str(v, "integrity"), "sha256");
	CHECK_STR(lb_jread_str(v, "authenticity"), "minisign:" FX_A_ID);
	lb_jread_free(v);
	free(json);
}
