/*
 * age.h: decrypting age v1 files (https://age-encryption.org/v1) as one
 * streaming stage: the encrypted bytes are pulled from a source, the
 * plaintext is handed out as each 64 KiB chunk authenticates, and the end
 * of the stream is only reported once the final chunk has authenticated
 * and nothing follows it. Recipient types: X25519, ssh-ed25519 and scrypt.
 * The primitives are libsodium's (X25519, ChaCha20-Poly1305, scrypt) and
 * mbedTLS's (HKDF-SHA-256, HMAC-SHA-256); this file only implements the
 * format around them.
 */
#ifndef LB_AGE_H
#define LB_AGE_H

#include <stddef.h>

#include "config.h"
#include "lb.h"

/* The highest scrypt work factor (log2 N) accepted: 2^22 takes 4 GiB and
 * seconds; a file asking for more is refused before scrypt runs. */
#define LB_AGE_MAX_LOGN 22

/* The identities a file may be decrypted with. */
struct lb_age_keys;

/* Asks a person for a passphrase (the CLI's terminal prompt): up to len-1
 * bytes and a NUL into buf; 0, or -1 when none can be asked for. */
typedef int (*lb_age_prompt_fn)(void *arg, char *buf, size_t len);

struct lb_age_keys *lb_age_keys_new(void);
void lb_age_keys_free(struct lb_age_keys *k);

/* Add the identities of a file: an age identity file (AGE-SECRET-KEY-1...
 * lines, '#' comments, blank lines) or an unencrypted OpenSSH ed25519
 * private key. LB_EUSAGE (naming the file and line) for anything else. */
int lb_age_keys_add_file(struct lb_age_keys *k, const char *path,
    struct lb_err *err);

/* Add one identity line (AGE-SECRET-KEY-1...). Post-quantum and plugin
 * identities are LB_EUSAGE with a reason. */
int lb_age_keys_add_identity(struct lb_age_keys *k, const char *s,
    struct lb_err *err);

/* Add a passphrase for scrypt files (copied; wiped on free). */
int lb_age_keys_add_passphrase(struct lb_age_keys *k, const char *pass,
    struct lb_err *err);

/* Add the passphrase in the first line of a file. */
int lb_age_keys_add_passphrase_file(struct lb_age_keys *k, const char *path,
    struct lb_err *err);

/* When a file is passphrase-encrypted and no passphrase was given, ask
 * fn (once; the answer is kept for the next files). */
void lb_age_keys_set_prompt(struct lb_age_keys *k, lb_age_prompt_fn fn,
    void *arg);

/* The keys lifeboat decrypts with, in this order: [trust] identity_file,
 * the file in LIFEBOAT_AGE_IDENTITY_FILE, files (--identity), and the
 * passphrase of [trust] passphrase_file. *out may hold none (a prompt can
 * still be set); a file that cannot be read is LB_EUSAGE, before any
 * transfer. */
int lb_age_keys_load(struct lb_age_keys **out, const struct lb_config *cfg,
    char *const *files, size_t nfiles, struct lb_err *err);

/* How many identities and passphrases k holds. */
size_t lb_age_keys_count(const struct lb_age_keys *k);

/* Where the encrypted bytes come from: up to len bytes into buf, *got = 0
 * at the end. Errors keep their class (a store's LB_ESTORE, LB_EINTR). */
typedef int (*lb_age_src_fn)(void *arg, void *buf, size_t len, size_t *got,
    struct lb_err *err);

/* What went wrong, in the classes of the C2SP test vectors. */
enum lb_age_fail {
	LB_AGE_OK,
	LB_AGE_SOURCE,		/* reading failed (the source's code) */
	LB_AGE_HEADER,		/* not a valid (or supported) header */
	LB_AGE_NO_MATCH,	/* no identity unwraps a stanza */
	LB_AGE_HMAC,		/* a file key, but the header MAC differs */
	LB_AGE_PAYLOAD,		/* a chunk failed, or the file is cut */
};

struct lb_age;

/* Read and check the header (stanzas, file key, header MAC) and the
 * payload nonce. Age failures are LB_EVERIFY with a reason that names the
 * recipient types and how many identities were tried, never a key; *fail
 * (if not NULL) gets the class. The file must start with the age magic:
 * ASCII armor is refused with how to remove it. */
int lb_age_open(struct lb_age **out, struct lb_age_keys *k, lb_age_src_fn src,
    void *arg, enum lb_age_fail *fail, struct lb_err *err);

/* Up to len bytes of plaintext; *got = 0 only when the final chunk
 * authenticated and the source ended right after it. Plaintext is handed
 * out a chunk at a time, each only after it authenticated. */
int lb_age_read(struct lb_age *a, void *buf, size_t len, size_t *got,
    struct lb_err *err);

/* The recipient types the header named ("X25519, scrypt"). */
const char *lb_age_types(const struct lb_age *a);

void lb_age_free(struct lb_age *a);

/* Does buf (the start of a file) look like ASCII-armored age? */
int lb_age_is_armored(const void *buf, size_t len);

/* Why an armored file is refused, and what to do about it. */
extern const char lb_age_armored_why[];

/* Decrypt a small age file held in memory (a manifest) whole: at most max
 * bytes of plaintext into *out (NUL-terminated, the caller's to free).
 * Errors as lb_age_open and lb_age_read give them. */
int lb_age_decrypt_buf(struct lb_age_keys *k, const void *in, size_t len,
    size_t max, char **out, size_t *olen, struct lb_err *err);

/* The encodings and the key derivation that age.c and agew.c share. */
void lb_age_b64_enc(const unsigned char *in, size_t n, char *out);
int lb_age_b64_pem(const char *s, size_t n, unsigned char *out, size_t cap,
    size_t *len);
int lb_age_bech32_decode(const char *s, char *hrp, size_t hcap,
    unsigned char *out, size_t cap, size_t *len);
/* HKDF-SHA-256 to 32 bytes (an empty salt when saltlen is 0). */
int lb_age_hkdf(const unsigned char *ikm, size_t ikmlen,
    const unsigned char *salt, size_t saltlen, const char *info,
    unsigned char out[32]);

#endif
