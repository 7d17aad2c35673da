/*
 * segw.c: the segmented compressed stream of a backup (see segw.h).
 *
 * gzip: one deflate stream with a gzip wrapper per segment (zlib's
 * deflateReset between them); zstd: one frame per segment (ZSTD_e_end),
 * compressed by zstd's own worker threads when asked. Output goes through
 * one buffer to the sink, and through two SHA-256 contexts: the whole
 * stream's and the current segment's.
 *
 * With threads > 1 the compressing, hashing and sinking run on a thread
 * of their own: the caller (reading the disk, making tar) only copies
 * into a ring of NBLK blocks, so that reading and compressing overlap as
 * in `tar cf - | gzip | sha256sum`. A cut waits until the thread has
 * ended the segment; the first error the thread meets is the caller's
 * at its next call.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>
#include <zlib.h>
#include <zstd.h>

#include "segw.h"

#define OUTBUF (256 * 1024)
#define ZSTD_JOB (1 << 20)
#define NBLK 4
#define BLK (256 * 1024)

/* A block of tar bytes for the thread; cut: end the segment after it. */
struct blk {
	unsigned char *buf;
	size_t len;
	int cut;
};

struct lb_segw {
	enum lb_comp comp;
	z_stream z;
	int z_ready;
	ZSTD_CCtx *zc;
	lb_sink_fn sink;
	void *arg;
	unsigned char *out;
	mbedtls_sha256_context all, seg;
	long long total;	/* stored bytes so far */
	long long seg_start;	/* offset of the current segment */
	long long pending;	/* tar bytes in the current segment */
	struct lb_segment *segs;
	size_t nsegs;
	int failed;
	int no_total;		/* no whole-stream digest */
	long long wpending;	/* the thread's tar bytes in the segment */
	/* the thread and its ring (threaded only) */
	int threaded;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct blk ring[NBLK];
	size_t head, tail, count;
	unsigned long long sent, done;	/* blocks submitted, finished */
	int inited, holding;	/* the caller fills the block at head */
	int quit, discard, werr_set;
	struct lb_err werr;	/* the thread's first error */
};

static int start(struct lb_segw *w, struct lb_err *err);

void
lb_hex32(const unsigned char d[32], char hex[65])
{
	int i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
	}
	hex[64] = '\0';
}

/* Compressed bytes out: hashed and handed to the sink. */
static int
emit(struct lb_segw *w, const unsigned char *buf, size_t len,
    struct lb_err *err)
{
	if (len == 0)
		return LB_OK;
	if (!w->no_total)
		mbedtls_sha256_update(&w->all, buf, len);
	mbedtls_sha256_update(&w->seg, buf, len);
	w->total += (long long)len;
	return w->sink(w->arg, buf, len, err);
}

int
lb_segw_new(struct lb_segw **out, enum lb_comp comp, int level, int threads,
    lb_sink_fn sink, void *arg, struct lb_err *err)
{
	struct lb_segw *w;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->out = malloc(OUTBUF)) == NULL) {
		free(w);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	w->comp = comp;
	w->sink = sink;
	w->arg = arg;
	mbedtls_sha256_init(&w->all);
	mbedtls_sha256_init(&w->seg);
	mbedtls_sha256_starts(&w->all, 0);
	mbedtls_sha256_starts(&w->seg, 0);
	if (comp == LB_COMP_GZIP) {
		/* 15 + 16: a gzip wrapper, as gzip(1) writes */
		if (deflateInit2(&w->z, level > 0 ? level : 6, Z_DEFLATED,
		    15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			lb_segw_free(w);
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		}
		w->z_ready = 1;
	} else {
		if ((w->zc = ZSTD_createCCtx()) == NULL) {
			lb_segw_free(w);
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		}
		ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel,
		    level > 0 ? level : 3);
		ZSTD_CCtx_setParameter(w->zc, ZSTD_c_checksumFlag, 1);
		if (threads > 1) {
			ZSTD_CCtx_setParameter(w->zc, ZSTD_c_nbWorkers,
			    threads);
			/* each worker's job (8 MiB by default at level 3)
			 * is held as input and output, a few per worker:
			 * smaller jobs keep the backup under its 64 MiB
			 * with an S3 store's two 16 MiB parts beside
			 * (1 MiB: 16 MiB resident with 2 workers, against
			 * 25 MiB at 2 MiB; 0.3 % larger, no slower) */
			ZSTD_CCtx_setParameter(w->zc, ZSTD_c_jobSize,
			    ZSTD_JOB);
		}
	}
	if (threads > 1 && start(w, err) != LB_OK) {
		lb_segw_free(w);
		return err->code;
	}
	*out = w;
	return LB_OK;
}

/* Feed len bytes (0 with end set: finish the segment). */
static int
pump(struct lb_segw *w, const void *buf, size_t len, int end,
    struct lb_err *err)
{
	int r, zr = Z_OK;

	if (w->failed)
		return lb_err_set(err, LB_EFAIL, 0, "the backup stream "
		    "failed before");
	if (w->comp == LB_COMP_GZIP) {
		w->z.next_in = (Bytef *)(uintptr_t)buf;
		w->z.avail_in = (uInt)len;
		do {
			w->z.next_out = w->out;
			w->z.avail_out = OUTBUF;
			zr = deflate(&w->z, end ? Z_FINISH : Z_NO_FLUSH);
			if (zr == Z_STREAM_ERROR) {
				w->failed = 1;
				return lb_err_set(err, LB_EFAIL, 0, "deflate "
				    "failed");
			}
			if ((r = emit(w, w->out, OUTBUF - w->z.avail_out,
			    err)) != LB_OK) {
				w->failed = 1;
				return r;
			}
		} while (w->z.avail_in > 0 || w->z.avail_out == 0 ||
		    (end && zr != Z_STREAM_END));
		if (end)
			deflateReset(&w->z);
		return LB_OK;
	} else {
		ZSTD_inBuffer in = { buf, len, 0 };
		size_t left;

		do {
			ZSTD_outBuffer o = { w->out, OUTBUF, 0 };

			left = ZSTD_compressStream2(w->zc, &o, &in, end ?
			    ZSTD_e_end : ZSTD_e_continue);
			if (ZSTD_isError(left)) {
				w->failed = 1;
				return lb_err_set(err, LB_EFAIL, 0, "zstd: %s",
				    ZSTD_getErrorName(left));
			}
			if ((r = emit(w, w->out, o.pos, err)) != LB_OK) {
				w->failed = 1;
				return r;
			}
		} while (in.pos < in.size || (end && left != 0));
		return LB_OK;
	}
}

/* End the segment being compressed and note it (the compressing side). */
static int
seg_end(struct lb_segw *w, struct lb_err *err)
{
	struct lb_segment *p;
	unsigned char d[32];
	int r;

	if ((r = pump(w, NULL, 0, 1, err)) != LB_OK)
		return r;
	if ((p = realloc(w->segs, (w->nsegs + 1) * sizeof(*p))) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	w->segs = p;
	p += w->nsegs++;
	p->offset = w->seg_start;
	p->length = w->total - w->seg_start;
	p->in_bytes = w->wpending;
	mbedtls_sha256_finish(&w->seg, d);
	lb_hex32(d, p->sha256);
	mbedtls_sha256_free(&w->seg);
	mbedtls_sha256_init(&w->seg);
	mbedtls_sha256_starts(&w->seg, 0);
	w->seg_start = w->total;
	w->wpending = 0;
	return LB_OK;
}

/* The thread: blocks from the ring, compressed, hashed, to the sink. */
static void *
worker(void *arg)
{
	struct lb_segw *w = arg;
	struct lb_err e;
	struct blk *b;
	int r, skip;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->count == 0 && !w->quit)
			pthread_cond_wait(&w->more, &w->mu);
		if (w->count == 0)
			break;
		b = &w->ring[w->tail];
		skip = w->werr_set || w->discard;
		pthread_mutex_unlock(&w->mu);
		lb_err_clear(&e);
		r = LB_OK;
		if (!skip) {
			w->wpending += (long long)b->len;
			r = pump(w, b->buf, b->len, 0, &e);
			if (r == LB_OK && b->cut)
				r = seg_end(w, &e);
		}
		pthread_mutex_lock(&w->mu);
		if (r != LB_OK && !w->werr_set) {
			w->werr = e;
			w->werr_set = 1;
		}
		b->len = 0;
		w->tail = (w->tail + 1) % NBLK;
		w->count--;
		w->done++;
		pthread_cond_broadcast(&w->room);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The thread's error, if it met one (the lock held). */
static int
werr_locked(struct lb_segw *w, struct lb_err *err)
{
	if (!w->werr_set)
		return LB_OK;
	*err = w->werr;
	return w->werr.code != LB_OK ? w->werr.code : LB_EFAIL;
}

/* Wait until the block at head is free to fill. */
static int
acquire(struct lb_segw *w, struct lb_err *err)
{
	int r;

	pthread_mutex_lock(&w->mu);
	while (w->count == NBLK && !w->werr_set)
		pthread_cond_wait(&w->room, &w->mu);
	r = werr_locked(w, err);
	pthread_mutex_unlock(&w->mu);
	w->holding = r == LB_OK;
	return r;
}

/* The block at head to the thread; with wait, until it is done. */
static int
submit(struct lb_segw *w, int cut, int wait, struct lb_err *err)
{
	unsigned long long mine;
	int r;

	pthread_mutex_lock(&w->mu);
	w->holding = 0;
	w->ring[w->head].cut = cut;
	w->head = (w->head + 1) % NBLK;
	w->count++;
	mine = ++w->sent;
	pthread_cond_signal(&w->more);
	while (wait && w->done < mine)
		pthread_cond_wait(&w->room, &w->mu);
	r = werr_locked(w, err);
	pthread_mutex_unlock(&w->mu);
	return r;
}

/* Tar bytes into the ring, a block to the thread as each fills. */
static int
ring_write(struct lb_segw *w, const unsigned char *buf, size_t len,
    struct lb_err *err)
{
	struct blk *b;
	size_t k;
	int r;

	while (len > 0) {
		b = &w->ring[w->head];
		if (!w->holding && (r = acquire(w, err)) != LB_OK)
			return r;
		k = BLK - b->len < len ? BLK - b->len : len;
		memcpy(b->buf + b->len, buf, k);
		b->len += k;
		buf += k;
		len -= k;
		if (b->len == BLK && (r = submit(w, 0, 0, err)) != LB_OK)
			return r;
	}
	return LB_OK;
}

/* Stop the thread: with discard, what is still queued is dropped. */
static void
stop(struct lb_segw *w, int discard)
{
	if (!w->threaded)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	if (discard)
		w->discard = 1;
	pthread_cond_signal(&w->more);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	w->threaded = 0;
}

/* The thread and its ring, signals left to the caller's threads. */
static int
start(struct lb_segw *w, struct lb_err *err)
{
	sigset_t all, old;
	size_t i;
	int e;

	for (i = 0; i < NBLK; i++)
		if ((w->ring[i].buf = malloc(BLK)) == NULL)
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->more, NULL);
	pthread_cond_init(&w->room, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&w->th, NULL, worker, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->more);
		pthread_cond_destroy(&w->room);
		return lb_err_set(err, LB_EFAIL, e, "cannot start a thread");
	}
	w->threaded = 1;
	w->inited = 1;
	return LB_OK;
}

int
lb_segw_write(struct lb_segw *w, const void *buf, size_t len,
    struct lb_err *err)
{
	w->pending += (long long)len;
	if (w->threaded)
		return ring_write(w, buf, len, err);
	w->wpending += (long long)len;
	return pump(w, buf, len, 0, err);
}

long long
lb_segw_pending(const struct lb_segw *w)
{
	return w->pending;
}

int
lb_segw_cut(struct lb_segw *w, struct lb_err *err)
{
	int r;

	if (w->pending == 0)
		return LB_OK;
	if (w->threaded) {
		if (!w->holding && (r = acquire(w, err)) != LB_OK)
			return r;
		r = submit(w, 1, 1, err);
	} else
		r = seg_end(w, err);
	if (r == LB_OK)
		w->pending = 0;
	return r;
}

void
lb_segw_stop(struct lb_segw *w)
{
	if (w != NULL)
		stop(w, 1);
}

void
lb_segw_no_total_hash(struct lb_segw *w)
{
	w->no_total = 1;
}

int
lb_segw_finish(struct lb_segw *w, char hex[65], long long *bytes,
    struct lb_err *err)
{
	unsigned char d[32];
	int r;

	if ((r = lb_segw_cut(w, err)) != LB_OK)
		return r;
	stop(w, 0);
	mbedtls_sha256_finish(&w->all, d);
	lb_hex32(d, hex);
	if (w->no_total)
		hex[0] = '\0';
	*bytes = w->total;
	return LB_OK;
}

const struct lb_segment *
lb_segw_segments(const struct lb_segw *w, size_t *n)
{
	*n = w->nsegs;
	return w->segs;
}

void
lb_segw_free(struct lb_segw *w)
{
	size_t i;

	if (w == NULL)
		return;
	stop(w, 1);
	if (w->inited) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->more);
		pthread_cond_destroy(&w->room);
	}
	for (i = 0; i < NBLK; i++)
		free(w->ring[i].buf);
	if (w->z_ready)
		deflateEnd(&w->z);
	ZSTD_freeCCtx(w->zc);
	mbedtls_sha256_free(&w->all);
	mbedtls_sha256_free(&w->seg);
	free(w->segs);
	free(w->out);
	free(w);
}
