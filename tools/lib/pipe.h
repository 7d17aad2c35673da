/*
 * pipe.h: the streaming pass's first half. A fetcher thread pulls the
 * archive from its store and feeds SHA-256 (and BLAKE2b); a reader thread
 * decrypts it when it is an age file and (with decode set) decompresses
 * it; the caller's thread parses the tar stream and writes the files.
 * Three stages, so that on 2 cores hashing runs beside decompression
 * instead of taking turns with it (decompression is the longest stage of
 * a .tar.gz). Bounded rings between them keep memory flat for any archive
 * size: 1 MiB of stored bytes, 16 MiB decoded (enough to ride out the
 * writer's stalls on a directory of small files).
 */
#ifndef LB_PIPE_H
#define LB_PIPE_H

#include "age.h"
#include "lb.h"
#include "store.h"

struct lb_pipe;

/* Called from the consumer's thread at most a few times a second. */
typedef void (*lb_progress_fn)(void *arg, long long done, long long total);

/* Flags of lb_pipe_start. */
#define LB_PIPE_DECODE 1	/* hand out the decompressed stream */
#define LB_PIPE_BLAKE2B 2	/* also hash BLAKE2b-512 (minisign -H) */

/* How many bytes as stored the pipe reads at most, so that a body that
 * never ends is stopped rather than read to the end of time. */
struct lb_pipe_limit {
	long long size;		/* exactly this many, -1: not known */
	const char *whose;	/* who says so: "it listed", "its manifest
				   lists" */
	long long cap;		/* size unknown, and the store gives no
				   length as it sends (chunked HTTP): at
				   most this many, -1: no cap */
	const char *cap_what;	/* what the cap is, for the message */
};

/* flags: LB_PIPE_DECODE: hand out the decompressed stream (gzip, zstd, xz
 * or none, detected), else the bytes as stored. age (not NULL): the file
 * is age-encrypted; its header is read and its file key found here
 * (LB_EVERIFY with the reason when no identity in age opens it), and the
 * stream ends only after its final chunk authenticated. The digests are
 * of the bytes as stored, always all of them. Past lim's size or cap the
 * stream fails with LB_EVERIFY. */
int lb_pipe_start(struct lb_pipe **out, struct lb_store *s, const char *name,
    const struct lb_pipe_limit *lim, int flags, struct lb_age_keys *age,
    lb_progress_fn progress, void *arg, struct lb_err *err);

/* The same for the length bytes of name from byte offset (a segment of
 * a segmented archive): its digests are of those bytes. */
int lb_pipe_start_range(struct lb_pipe **out, struct lb_store *s,
    const char *name, long long offset, long long length, int flags,
    lb_progress_fn progress, void *arg, struct lb_err *err);

/* The next chunk for libarchive (valid until the next call): its length,
 * 0 at the end of the stream, or -1 on error (see lb_pipe_error). */
long lb_pipe_next(struct lb_pipe *p, const void **buf);

/* Read what is left (libarchive stops at the end-of-archive blocks: the
 * digest covers the whole file), wait for the reader and give the digest
 * in hex and the byte count. */
int lb_pipe_finish(struct lb_pipe *p, char hex[65], long long *bytes,
    struct lb_err *err);

/* After a stream failed to decode, in the reader (the compression) or in
 * the consumer (a tar header): the reader stops decoding and reads the
 * stored bytes on, up to 16 MiB more. When they ended there, 0, the
 * SHA-256 of all of them in hex and their count; else -1. The threads are
 * stopped. */
int lb_pipe_drained(struct lb_pipe *p, char hex[65], long long *bytes);

/* After lb_pipe_finish, with LB_PIPE_BLAKE2B: the BLAKE2b-512 of the bytes
 * as stored. */
void lb_pipe_blake2b(struct lb_pipe *p, unsigned char out[64]);

/* The reader's error after lb_pipe_next returned -1. */
const struct lb_err *lb_pipe_error(struct lb_pipe *p);

/* Stop the reader and free everything (safe after finish, and on NULL). */
void lb_pipe_free(struct lb_pipe *p);

#endif
