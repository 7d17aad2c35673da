/*
 * minisign.h: minisign public keys and signatures (Ed25519), read and
 * verified with libsodium, so that a backup can prove who wrote it, not
 * only that it arrived intact.
 *
 * A public key is base64("Ed" || key id[8] || Ed25519 key[32]), the "RW..."
 * string minisign prints; a .pub file holds it under an untrusted comment
 * line. A signature file (.minisig) is four lines:
 *
 *   untrusted comment: ...             (anyone may change it)
 *   base64(alg[2] || key id[8] || signature[64])
 *   trusted comment: TEXT              (signed, see below)
 *   base64(global signature[64])
 *
 * alg "Ed" (legacy) signs the message itself; "ED" signs its BLAKE2b-512,
 * which can be computed while the message streams by. The global
 * signature covers signature || TEXT, so the trusted comment (minisign
 * puts "timestamp:T<TAB>file:NAME" there) is as trustworthy as the
 * signature.
 */
#ifndef LB_MINISIGN_H
#define LB_MINISIGN_H

#include <stddef.h>

#include "lb.h"

#define LB_MS_IDLEN 8
#define LB_MS_HASHLEN 64	/* BLAKE2b-512, the "ED" prehash */

struct lb_ms_key {
	unsigned char id[LB_MS_IDLEN];
	unsigned char pk[32];
};

struct lb_ms_sig {
	int prehashed;		/* "ED": over BLAKE2b-512 of the message */
	unsigned char id[LB_MS_IDLEN];
	unsigned char sig[64];
	unsigned char global[64];
	char *trusted;		/* the trusted comment's text; owned */
};

/* A public key from its base64 string ("RW..."). LB_EUSAGE if it is not
 * one. */
int lb_ms_key_parse(const char *b64, struct lb_ms_key *k, struct lb_err *err);

/* Every public key in the text of a .pub file (comment lines, the ones
 * starting with "untrusted comment:" and '#', and blank lines skipped:
 * several keys may share a file). Appended to *keys; LB_EUSAGE on a line
 * that is not a key, or when the file holds none. */
int lb_ms_keys_parse(const char *text, struct lb_ms_key **keys, size_t *n,
    struct lb_err *err);

/* Parse the text of a .minisig. LB_EVERIFY if it is not one. */
int lb_ms_sig_parse(const char *text, size_t len, struct lb_ms_sig *s,
    struct lb_err *err);
void lb_ms_sig_release(struct lb_ms_sig *s);

/* The trusted key that made s (by key id) and its trusted comment checked
 * against the global signature. 0 and *which set, else LB_EVERIFY: an
 * unknown key, or a comment that was changed. */
int lb_ms_sig_key(const struct lb_ms_sig *s, const struct lb_ms_key *keys,
    size_t n, size_t *which, struct lb_err *err);

/* The signature over a whole message in memory (either algorithm). 0 or
 * LB_EVERIFY. The global signature is checked by lb_ms_sig_key. */
int lb_ms_verify(const struct lb_ms_sig *s, const struct lb_ms_key *k,
    const void *msg, size_t len, struct lb_err *err);

/* An "ED" signature over the BLAKE2b-512 of a message hashed in a stream.
 * 0 or LB_EVERIFY. */
int lb_ms_verify_hash(const struct lb_ms_sig *s, const struct lb_ms_key *k,
    const unsigned char hash[LB_MS_HASHLEN], struct lb_err *err);

/* The key id as minisign prints it: upper-case hex of the little-endian
 * 64-bit id, without leading zeros (minisign's "%" PRIX64). */
void lb_ms_id_hex(const unsigned char id[LB_MS_IDLEN], char out[17]);

/* The value of "file:" in a trusted comment of minisign's default form
 * ("timestamp:T<TAB>file:NAME[<TAB>hashed]") into buf; 0 if found. */
int lb_ms_comment_file(const char *trusted, char *buf, size_t len);

/* Streaming BLAKE2b-512 (the "ED" prehash): new, update, final, free. */
struct lb_ms_hash;
struct lb_ms_hash *lb_ms_hash_new(void);
void lb_ms_hash_update(struct lb_ms_hash *h, const void *buf, size_t len);
void lb_ms_hash_final(struct lb_ms_hash *h, unsigned char out[LB_MS_HASHLEN]);
void lb_ms_hash_free(struct lb_ms_hash *h);

/* A secret key for signing (lifeboat backup); wipe it after use. */
struct lb_ms_seckey {
	unsigned char id[LB_MS_IDLEN];
	unsigned char sk[64];
};

/* Read minisign's secret key file text (as minisign -G writes it), with
 * the passphrase when it is protected (NULL: none); scrypt's memory is
 * bounded. LB_EUSAGE, saying why, for a wrong passphrase or another
 * file. */
int lb_ms_seckey_load(const char *text, size_t len, const char *pass,
    struct lb_ms_seckey *k, struct lb_err *err);
void lb_ms_seckey_wipe(struct lb_ms_seckey *k);

/* A prehashed ("ED") signature of msg, as minisign -S -H makes it, with
 * the trusted comment (one line): the text of a .minisig file into *out
 * (the caller's). */
int lb_ms_sign(const struct lb_ms_seckey *k, const void *msg, size_t len,
    const char *trusted, char **out, struct lb_err *err);

#endif
