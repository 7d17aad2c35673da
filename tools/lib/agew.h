/*
 * agew.h: writing age v1 files (https://age-encryption.org/v1) as one
 * streaming stage, for lifeboat backup: the compressed stream goes in,
 * the age file comes out to a sink as it is made, 64 KiB chunk by chunk,
 * with no temporary copy. Recipient types: X25519 (age1...) and
 * ssh-ed25519 (an OpenSSH public key), as age -r and age -R take them.
 * Every primitive is libsodium's (X25519, Ed25519 -> X25519,
 * ChaCha20-Poly1305, the random bytes) or mbedTLS's (HKDF-SHA-256,
 * HMAC-SHA-256, SHA-256); what this file writes is the format.
 */
#ifndef LB_AGEW_H
#define LB_AGEW_H

#include <stddef.h>

#include "config.h"
#include "lb.h"

/* The recipients a file is encrypted to (public keys only). */
struct lb_age_recips;

struct lb_age_recips *lb_age_recips_new(void);
void lb_age_recips_free(struct lb_age_recips *r);

/* Add one recipient: an age X25519 recipient (age1...) or an OpenSSH
 * public key line (ssh-ed25519 AAAA... [comment]). LB_EUSAGE with why for
 * anything else; post-quantum (age1pq1...), tagged and plugin recipients
 * and other SSH key types are refused with a reason. */
int lb_age_recips_add(struct lb_age_recips *r, const char *s,
    struct lb_err *err);

/* Add the recipients of a file in age's recipients-file format (age -R):
 * one a line, '#' comments and blank lines skipped. An error names the
 * file and the line. A file that holds none is an error too. */
int lb_age_recips_add_file(struct lb_age_recips *r, const char *path,
    struct lb_err *err);

/* The recipients of [trust] recipients and recipients_file; *out is NULL
 * when neither is set (no encryption). LB_EUSAGE naming the key (and the
 * file's line) for one that does not parse. */
int lb_age_recips_load(struct lb_age_recips **out,
    const struct lb_config *cfg, struct lb_err *err);

/* How many recipients of each type r holds. */
void lb_age_recips_counts(const struct lb_age_recips *r, size_t *x25519,
    size_t *ssh);

/* Check one [trust] recipients value at parse time: 0, or -1 with why. */
int lb_age_recip_check(const char *s, char *why, size_t wl);

/* Where the age file goes, in order. */
typedef int (*lb_age_sink_fn)(void *arg, const void *buf, size_t len,
    struct lb_err *err);

struct lb_agew;

/* Start a file to the recipients of r (at least one): a fresh file key
 * wrapped for each, the header and the payload nonce written to sink at
 * once. */
int lb_agew_new(struct lb_agew **out, const struct lb_age_recips *r,
    lb_age_sink_fn sink, void *arg, struct lb_err *err);

/* Plaintext in; whole chunks go out as they fill and more follows. */
int lb_agew_write(struct lb_agew *w, const void *buf, size_t len,
    struct lb_err *err);

/* The final chunk: the last bytes (a full chunk when the payload is a
 * multiple of 64 KiB; empty only when the whole payload is). */
int lb_agew_finish(struct lb_agew *w, struct lb_err *err);

/* Wipes the keys and the buffered plaintext. */
void lb_agew_free(struct lb_agew *w);

/* Encrypt a buffer whole: *out (the caller's to free) gets the age file. */
int lb_age_encrypt_buf(const struct lb_age_recips *r, const void *in,
    size_t len, unsigned char **out, size_t *olen, struct lb_err *err);

#endif
