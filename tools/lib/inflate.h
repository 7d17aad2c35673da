/*
 * inflate.h: gzip decompression for the restore's reader thread (internal
 * to the engine): ISA-L's igzip (isal_inflate), about three times zlib's
 * speed, with zlib kept for what ISA-L refuses.
 *
 * The stream is one or more gzip members, one after the other (lifeboat
 * backup writes one per segment); decoding stops at the end of the last
 * member, or where what follows a member is not another one (like gzip's
 * "trailing garbage", which libarchive ignores too): the caller reads
 * what is left of the file itself.
 */
#ifndef LB_INFLATE_H
#define LB_INFLATE_H

#include <stddef.h>

#include "lb.h"

/* Compressed bytes: up to len into buf, *got = 0 at the end of the file. */
typedef int (*lb_inflate_src)(void *arg, unsigned char *buf, size_t len,
    size_t *got, struct lb_err *err);

struct lb_inflate;

/* A decoder reading from src; the first len bytes of the stream were
 * already read into head (the caller looked at the magic number). */
int lb_inflate_new(struct lb_inflate **out, lb_inflate_src src, void *arg,
    const unsigned char *head, size_t len, struct lb_err *err);

/* Up to len decompressed bytes into buf: the count, 0 at the end of the
 * last member, or -1 with err set (LB_EVERIFY: a corrupt stream). */
long lb_inflate_read(struct lb_inflate *f, unsigned char *buf, size_t len,
    struct lb_err *err);

/* Which decoder did the work: "isa-l", "zlib" (LIFEBOAT_NO_ISAL was set)
 * or "isa-l+zlib" (ISA-L refused a member and zlib took over). */
const char *lb_inflate_used(const struct lb_inflate *f);

void lb_inflate_free(struct lb_inflate *f);

#endif
