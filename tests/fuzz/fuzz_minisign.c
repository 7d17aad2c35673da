/* fuzz_minisign: minisign public key files and signatures (.minisig), as
 * [trust] and a store give them. The first byte picks: a key file, or a
 * signature checked against a fixed key over a fixed message (legacy,
 * prehashed and the streamed form), so that seeds made with that key get
 * past the key id to the Ed25519 checks. */
#include "fuzz.h"
#include "minisign.h"

/* tests/unit/minisign_fixtures.h: key A, and the sidecar it signed */
#define KEY_A "RWTknHl4zt8XTQjQ5C26k9UL0U4l9IkMm4V1Zrqymxp9wHk/1AlgbYh+"
static const char msg[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b8"
    "22cd15d6c15b0f00a08  backup-2026-11-20T03-00-00.tar.gz\n";

static void
one_sig(const char *text, size_t len)
{
	static struct lb_ms_key *key;
	static size_t nkey;
	unsigned char h[LB_MS_HASHLEN];
	struct lb_ms_hash *mh;
	struct lb_ms_sig sig;
	struct lb_err err;
	size_t which;

	if (key == NULL && lb_ms_keys_parse(KEY_A "\n", &key, &nkey, &err) !=
	    LB_OK)
		abort();
	memset(&sig, 0, sizeof(sig));
	if (lb_ms_sig_parse(text, len, &sig, &err) != LB_OK)
		return;
	if (lb_ms_sig_key(&sig, key, nkey, &which, &err) == LB_OK) {
		(void)lb_ms_verify(&sig, &key[which], msg, sizeof(msg) - 1,
		    &err);
		if ((mh = lb_ms_hash_new()) == NULL)
			abort();
		lb_ms_hash_update(mh, msg, sizeof(msg) - 1);
		lb_ms_hash_final(mh, h);
		lb_ms_hash_free(mh);
		(void)lb_ms_verify_hash(&sig, &key[which], h, &err);
	}
	lb_ms_sig_release(&sig);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_ms_key *keys = NULL, k;
	struct lb_err err;
	char *text, out[256];
	size_t n = 0;

	if (size < 1)
		return 0;
	text = fz_str(data + 1, size - 1);
	if (data[0] & 1)
		one_sig(text, size - 1);
	else {
		(void)lb_ms_keys_parse(text, &keys, &n, &err);
		free(keys);
	}
	(void)lb_ms_key_parse(text, &k, &err);
	(void)lb_ms_comment_file(text, out, sizeof(out));
	free(text);
	return 0;
}
