/*
 * segw.h: the backup's compressed stream, written as segments.
 *
 * The archive stays one ordinary file that gzip -dc, zstd -dc and tar read
 * as one stream, but it is a concatenation of independent gzip members (or
 * zstd frames): a new one starts where the caller cuts (at every volume
 * and every segment_size of input, at a file boundary). Each segment's
 * offset, length and SHA-256 of the bytes as stored go into the manifest,
 * so that a restore can fetch, verify and decode segments apart.
 */
#ifndef LB_SEGW_H
#define LB_SEGW_H

#include <stddef.h>

#include "lb.h"

enum lb_comp { LB_COMP_GZIP, LB_COMP_ZSTD };

/* Where the compressed bytes go, in order. */
typedef int (*lb_sink_fn)(void *arg, const void *buf, size_t len,
    struct lb_err *err);

/* One finished segment. */
struct lb_segment {
	long long offset;	/* in the archive as stored */
	long long length;
	long long in_bytes;	/* tar bytes it holds */
	char sha256[65];	/* of the stored bytes */
};

struct lb_segw;

/* A writer compressing with comp at level (0: the default), into sink.
 * threads > 1: compressing, hashing and the sink run on a thread of
 * their own (the sink is called from it, never from the caller's), and
 * zstd has that many workers besides. */
int lb_segw_new(struct lb_segw **out, enum lb_comp comp, int level,
    int threads, lb_sink_fn sink, void *arg, struct lb_err *err);

/* Tar bytes in. */
int lb_segw_write(struct lb_segw *w, const void *buf, size_t len,
    struct lb_err *err);

/* End the current segment (nothing happens when it is empty). */
int lb_segw_cut(struct lb_segw *w, struct lb_err *err);

/* Tar bytes in the current segment so far. */
long long lb_segw_pending(const struct lb_segw *w);

/* Leave out the whole stream's SHA-256 (when another digest vouches for
 * what is stored, as with age): lb_segw_finish then gives "" for it. */
void lb_segw_no_total_hash(struct lb_segw *w);

/* End the last segment; the whole stream's SHA-256 and size. */
int lb_segw_finish(struct lb_segw *w, char hex[65], long long *bytes,
    struct lb_err *err);

/* The segments written so far (valid until the next call or free). */
const struct lb_segment *lb_segw_segments(const struct lb_segw *w,
    size_t *n);

/* Stop the compressing thread (threads > 1) and drop what it has not
 * sunk yet: after a failure, before the sink's stores are aborted. */
void lb_segw_stop(struct lb_segw *w);

void lb_segw_free(struct lb_segw *w);

/* Hex of a SHA-256 digest. */
void lb_hex32(const unsigned char d[32], char hex[65]);

#endif
