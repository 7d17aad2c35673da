/*
 * pipe.c: fetcher thread (store -> SHA-256) -> raw ring -> reader thread
 * ((age) -> (decompression)) -> ring -> consumer. See pipe.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>
#include <mbedtls/sha256.h>

#include "age.h"
#include "minisign.h"
#include "clock.h"
#include "inflate.h"
#include "pipe.h"

/* The decoded ring: one stream's is deep, to ride out the writer's
 * stalls (a directory of small files, a journal commit); a segment's
 * pipe is one of several decoding side by side, each with its own. */
#define NCHUNK 32
#define NCHUNK_SEGMENT 8
#define CHUNK (512 * 1024)
#define RAWBUF (256 * 1024)	/* compressed reads, decode mode */
#define NRAW 4			/* the fetcher's ring: bytes as stored */
#define RAWCHUNK (256 * 1024)

struct chunk {
	size_t len;
	unsigned char *data;
};

struct lb_pipe {
	pthread_t thread;
	int started;
	pthread_t fetcher;
	int fstarted;
	struct chunk fring[NRAW];	/* bytes as stored, hashed */
	unsigned rhead;		/* next chunk the fetcher fills */
	unsigned rtail;		/* next chunk the reader takes */
	size_t roff;		/* the reader's offset in raw[rtail] */
	int rend;		/* fetcher done: the stream's end */
	int rfailed;		/* fetcher done, with ferr */
	struct lb_err ferr;	/* the fetcher's: copied to err when read */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk ring[NCHUNK];
	unsigned nchunk;	/* of ring in use: NCHUNK or NCHUNK_SEGMENT */
	unsigned head;		/* next chunk the reader fills */
	unsigned tail;		/* next chunk the consumer takes */
	int held;		/* consumer holds ring[tail - 1] */
	int eof;		/* reader done, successfully */
	int failed;		/* reader done, with err */
	int drained;		/* the stream read to its end, all hashed */
	int drain;		/* consumer failed: read on, for the digest */
	int cancel;		/* consumer wants the threads gone */
	struct lb_err err;	/* the reader's, then the consumer's */
	mbedtls_sha256_context sha;
	struct lb_ms_hash *b2;	/* LB_PIPE_BLAKE2B, else NULL */
	unsigned char b2out[64];
	long long bytes;	/* read so far (fetcher) */
	long long size;		/* for the progress: -1 unknown */
	struct lb_pipe_limit lim;	/* strings not owned */
	struct lb_store *store;
	void *h;
	int decode;
	struct lb_age *age;	/* an age file: its decryption */
	struct archive *raw;	/* decode: the decompressor, not gzip */
	struct lb_inflate *inf;	/* decode: gzip's */
	unsigned char *rawbuf;
	size_t pending;		/* rawbuf's first bytes, not yet given */
	lb_progress_fn progress;
	void *arg;
	double last;		/* lb_clock_mono() of the last report */
};

/* What may follow the archive's compressed data (a trailer libarchive did
 * not need, an age file's last chunk): an endless body is refused there. */
#define MAX_TRAILER (16 << 20)

/* A store that sends more than it listed (an endless body) is stopped
 * there, not read to the end of time; so is one that said nothing of the
 * size, past the cap. A length the server gives as it sends (an HTTP
 * Content-Length) is held to by libcurl: no cap then. */
static int
bounded(struct lb_pipe *p, size_t got, struct lb_err *err)
{
	long long after = p->bytes + (long long)got;

	if (p->lim.size >= 0 && after > p->lim.size)
		return lb_err_set(err, LB_EVERIFY, 0, "the store sent more "
		    "than the %lld bytes %s", p->lim.size, p->lim.whose);
	if (p->lim.cap >= 0 && p->store->ops->length != NULL &&
	    p->store->ops->length(p->h) >= 0)
		p->lim.cap = -1;
	if (p->lim.cap >= 0 && after > p->lim.cap)
		return lb_err_set(err, LB_EVERIFY, 0, "the store gave no "
		    "size and sent more than %lld bytes (%s)", p->lim.cap,
		    p->lim.cap_what);
	return LB_OK;
}

/* Read from the store into buf: stored bytes, hashed and counted (the
 * fetcher's thread: its errors go to ferr). */
static int
fetch_read(struct lb_pipe *p, unsigned char *buf, size_t len, size_t *got)
{
	int r;

	if (lb_stop_requested)
		return lb_err_set(&p->ferr, LB_EINTR, 0, "interrupted");
	r = lb_fault("restore.read") != 0 ? lb_err_set(&p->ferr, LB_ESTORE,
	    errno, "cannot read the archive") : p->store->ops->read(p->h, buf,
	    len, got, &p->ferr);
	if (r != LB_OK)
		return r;
	if (*got > 0 && (r = bounded(p, *got, &p->ferr)) != LB_OK)
		return r;
	if (*got > 0) {
		mbedtls_sha256_update(&p->sha, buf, *got);
		if (p->b2 != NULL)
			lb_ms_hash_update(p->b2, buf, *got);
		pthread_mutex_lock(&p->mu);
		p->bytes += (long long)*got;
		pthread_mutex_unlock(&p->mu);
	}
	return LB_OK;
}

/* The fetcher: receiving and hashing run beside decryption and
 * decompression, on the other core. Each chunk is filled whole, or up
 * to the stream's end. */
static void *
fetcher(void *arg)
{
	struct lb_pipe *p = arg;
	struct chunk *c;
	size_t got = 1;
	int r = LB_OK;

	while (r == LB_OK && got > 0) {
		pthread_mutex_lock(&p->mu);
		while (p->rhead - p->rtail == NRAW && !p->cancel)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->cancel) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		c = &p->fring[p->rhead % NRAW];
		pthread_mutex_unlock(&p->mu);

		c->len = 0;
		while (c->len < RAWCHUNK && (r = fetch_read(p, c->data +
		    c->len, RAWCHUNK - c->len, &got)) == LB_OK && got > 0)
			c->len += got;

		pthread_mutex_lock(&p->mu);
		if (c->len > 0)
			p->rhead++;
		if (r != LB_OK)
			p->rfailed = 1;
		else if (got == 0)
			p->rend = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

/* The stored bytes, from the fetcher's ring into buf: *got 0 at the
 * end. Its failure is the reader's from here on. */
static int
store_read(struct lb_pipe *p, unsigned char *buf, size_t len, size_t *got)
{
	struct chunk *c;
	size_t n;

	*got = 0;
	pthread_mutex_lock(&p->mu);
	while (p->rhead == p->rtail && !p->rend && !p->rfailed &&
	    !p->cancel)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->rhead == p->rtail) {
		if (p->rfailed)
			p->err = p->ferr;
		else if (p->cancel)
			lb_err_set(&p->err, LB_EINTR, 0, "interrupted");
		pthread_mutex_unlock(&p->mu);
		return p->rfailed || p->cancel ? p->err.code : LB_OK;
	}
	c = &p->fring[p->rtail % NRAW];
	pthread_mutex_unlock(&p->mu);
	n = c->len - p->roff < len ? c->len - p->roff : len;
	memcpy(buf, c->data + p->roff, n);
	*got = n;
	if ((p->roff += n) == c->len) {
		p->roff = 0;
		pthread_mutex_lock(&p->mu);
		p->rtail++;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return LB_OK;
}

/* age's source: the stored bytes. Its errors are the store's. */
static int
age_src(void *arg, void *buf, size_t len, size_t *got, struct lb_err *err)
{
	struct lb_pipe *p = arg;
	int r;

	if ((r = store_read(p, buf, len, got)) != LB_OK && err != &p->err)
		*err = p->err;
	return r;
}

/* The bytes the archive format sees: decrypted when it is an age file. */
static int
data_read(struct lb_pipe *p, unsigned char *buf, size_t len, size_t *got)
{
	if (p->age != NULL)
		return lb_age_read(p->age, buf, len, got, &p->err);
	return store_read(p, buf, len, got);
}

static la_ssize_t
raw_read(struct archive *a, void *arg, const void **buf)
{
	struct lb_pipe *p = arg;
	size_t got;

	if (p->pending > 0) {	/* what raw_open looked at */
		*buf = p->rawbuf;
		got = p->pending;
		p->pending = 0;
		return (la_ssize_t)got;
	}
	if (data_read(p, p->rawbuf, RAWBUF, &got) != LB_OK) {
		archive_set_error(a, EIO, "%s", p->err.msg);
		return -1;
	}
	*buf = p->rawbuf;
	return (la_ssize_t)got;
}

/* Read the stored bytes on to their end, up to MAX_TRAILER more, so that
 * the digest can say whether the stream was damaged after its checksum
 * was written (lb_pipe_drained). */
static void
read_on(struct lb_pipe *p)
{
	long long after = 0;
	size_t got = 1;
	int rr = LB_OK;

	if (p->age != NULL || p->rawbuf == NULL)
		return;
	while (got > 0 && after <= MAX_TRAILER &&
	    (rr = store_read(p, p->rawbuf, RAWBUF, &got)) == LB_OK)
		after += (long long)got;
	p->drained = rr == LB_OK && got == 0;
}

/* A stream that failed to decode is read on; its error is kept. */
static void
drain(struct lb_pipe *p, int r)
{
	struct lb_err keep = p->err;

	if (r != LB_EVERIFY)
		return;
	read_on(p);
	p->err = keep;
}

/* Fill c with up to CHUNK bytes of the stream; *end at its end. */
static int
fill(struct lb_pipe *p, struct chunk *c, int *end)
{
	size_t n = 0, got;
	la_ssize_t k;
	int r = LB_OK;

	*end = 0;
	while (n < CHUNK) {
		if (!p->decode) {
			if ((r = data_read(p, c->data + n, CHUNK - n, &got)))
				break;
			if (got == 0) {
				*end = 1;
				break;
			}
			n += got;
			continue;
		}
		if (p->inf != NULL)
			k = lb_inflate_read(p->inf, c->data + n, CHUNK - n,
			    &p->err);
		else
			k = archive_read_data(p->raw, c->data + n, CHUNK - n);
		if (k < 0) {
			if (p->err.code == LB_OK)
				lb_err_set(&p->err, LB_EVERIFY, 0, "corrupt or "
				    "truncated stream: %s",
				    archive_error_string(p->raw));
			r = p->err.code;
			drain(p, r);
			break;
		}
		if (k == 0) {
			/* Decoded to its end: whatever follows (a trailer
			 * libarchive did not need) is still part of the
			 * file and of its digest, and an age file ends
			 * only with its authenticated final chunk. */
			long long after = 0;

			do
				r = data_read(p, p->rawbuf, RAWBUF, &got);
			while (r == LB_OK && got > 0 &&
			    (after += (long long)got) <= MAX_TRAILER);
			if (r == LB_OK && got > 0)
				r = lb_err_set(&p->err, LB_EVERIFY, 0, "more "
				    "than %d MiB after the end of the archive's "
				    "data", MAX_TRAILER >> 20);
			*end = 1;
			break;
		}
		n += (size_t)k;
	}
	c->len = n;
	return r;
}

static void *
reader(void *arg)
{
	struct lb_pipe *p = arg;
	struct chunk *c;
	int r, end, stop;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->head - p->tail == p->nchunk && !p->cancel &&
		    !p->drain)
			pthread_cond_wait(&p->cv, &p->mu);
		stop = p->cancel ? 1 : p->drain ? 2 : 0;
		if (stop) {
			pthread_mutex_unlock(&p->mu);
			if (stop == 2)
				read_on(p);
			return NULL;
		}
		c = &p->ring[p->head % p->nchunk];
		pthread_mutex_unlock(&p->mu);

		r = fill(p, c, &end);

		pthread_mutex_lock(&p->mu);
		if (c->len > 0)
			p->head++;
		if (r != LB_OK)
			p->failed = 1;
		else if (end)
			p->eof = p->drained = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (p->failed || p->eof)
			return NULL;
	}
}

/* gzip's source: the bytes as the archive format sees them. */
static int
inflate_src(void *arg, unsigned char *buf, size_t len, size_t *got,
    struct lb_err *err)
{
	struct lb_pipe *p = arg;
	int r;

	if ((r = data_read(p, buf, len, got)) != LB_OK && err != &p->err)
		*err = p->err;
	return r;
}

/* Decode mode: gzip through ISA-L (inflate.c), anything else through a
 * libarchive "raw" reader that only decompresses. */
static int
raw_open(struct lb_pipe *p, struct lb_err *err)
{
	struct archive_entry *e;
	size_t got;
	int r;

	if ((p->rawbuf = malloc(RAWBUF)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	do {
		if ((r = data_read(p, p->rawbuf + p->pending, RAWBUF -
		    p->pending, &got)) != LB_OK) {
			*err = p->err;
			return r;
		}
		p->pending += got;
	} while (got > 0 && p->pending < 3);
	if (p->pending >= 3 && p->rawbuf[0] == 0x1f && p->rawbuf[1] == 0x8b &&
	    p->rawbuf[2] == 8) {
		r = lb_inflate_new(&p->inf, inflate_src, p, p->rawbuf,
		    p->pending, err);
		p->pending = 0;
		return r;
	}
	if ((p->raw = archive_read_new()) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	archive_read_support_filter_gzip(p->raw);
	archive_read_support_filter_zstd(p->raw);
	archive_read_support_filter_xz(p->raw);
	archive_read_support_filter_none(p->raw);
	archive_read_support_format_raw(p->raw);
	if (archive_read_open(p->raw, p, NULL, raw_read, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(p->raw, &e) != ARCHIVE_OK) {
		if (p->err.code != LB_OK) {
			*err = p->err;
			return err->code;
		}
		return lb_err_set(err, LB_EVERIFY, 0, "not a readable archive "
		    "stream: %s", archive_error_string(p->raw));
	}
	return LB_OK;
}

static int start(struct lb_pipe **out, struct lb_store *s, const char *name,
    long long offset, long long length, const struct lb_pipe_limit *lim,
    int flags, struct lb_age_keys *age, lb_progress_fn progress, void *arg,
    struct lb_err *err);

int
lb_pipe_start(struct lb_pipe **out, struct lb_store *s, const char *name,
    const struct lb_pipe_limit *lim, int flags, struct lb_age_keys *age,
    lb_progress_fn progress, void *arg, struct lb_err *err)
{
	return start(out, s, name, 0, -1, lim, flags, age, progress, arg,
	    err);
}

int
lb_pipe_start_range(struct lb_pipe **out, struct lb_store *s,
    const char *name, long long offset, long long length, int flags,
    lb_progress_fn progress, void *arg, struct lb_err *err)
{
	struct lb_pipe_limit lim = { length, "its manifest lists", -1, "" };

	return start(out, s, name, offset, length, &lim, flags, NULL,
	    progress, arg, err);
}

static int
start(struct lb_pipe **out, struct lb_store *s, const char *name,
    long long offset, long long length, const struct lb_pipe_limit *lim,
    int flags, struct lb_age_keys *age, lb_progress_fn progress, void *arg,
    struct lb_err *err)
{
	struct lb_pipe *p;
	int i, n, r;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	mbedtls_sha256_init(&p->sha);
	mbedtls_sha256_starts(&p->sha, 0);
	p->store = s;
	p->lim = *lim;
	p->size = lim->size;
	p->progress = progress;
	p->arg = arg;
	p->decode = (flags & LB_PIPE_DECODE) != 0;
	p->nchunk = length < 0 ? NCHUNK : NCHUNK_SEGMENT;
	n = (int)p->nchunk;
	for (i = 0; i < n + NRAW; i++)
		if ((i < n ? (p->ring[i].data = malloc(CHUNK)) :
		    (p->fring[i - n].data = malloc(RAWCHUNK))) == NULL)
			break;
	if (i < n + NRAW || ((flags & LB_PIPE_BLAKE2B) &&
	    (p->b2 = lb_ms_hash_new()) == NULL)) {
		lb_pipe_free(p);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	if ((r = lb_fault("restore.open") != 0 ? lb_err_set(err, LB_ESTORE,
	    errno, "cannot open '%s'", name) : s->ops->open_read(s, name,
	    offset, length, &p->h, err)) != LB_OK) {
		lb_pipe_free(p);
		return r;
	}
	if (pthread_create(&p->fetcher, NULL, fetcher, p) != 0)
		goto nothread;
	p->fstarted = 1;
	if ((age != NULL && (r = lb_age_open(&p->age, age, age_src, p, NULL,
	    err)) != LB_OK) ||
	    (p->decode && (r = raw_open(p, err)) != LB_OK)) {
		lb_pipe_free(p);
		return r;
	}
	if (pthread_create(&p->thread, NULL, reader, p) != 0)
		goto nothread;
	p->started = 1;
	*out = p;
	return LB_OK;
nothread:
	lb_pipe_free(p);
	return lb_err_set(err, LB_EFAIL, 0, "cannot start a thread");
}

static void
report(struct lb_pipe *p, int force)
{
	double now;
	long long done;

	if (p->progress == NULL)
		return;
	now = lb_clock_mono();
	if (!force && now - p->last < 0.25)
		return;
	p->last = now;
	pthread_mutex_lock(&p->mu);
	done = p->bytes;
	pthread_mutex_unlock(&p->mu);
	p->progress(p->arg, done, p->size);
}

long
lb_pipe_next(struct lb_pipe *p, const void **buf)
{
	struct chunk *c;

	pthread_mutex_lock(&p->mu);
	if (p->held) {
		p->tail++;
		p->held = 0;
		pthread_cond_broadcast(&p->cv);
	}
	while (p->head == p->tail && !p->eof && !p->failed)
		pthread_cond_wait(&p->cv, &p->mu);
	if (p->head == p->tail) {
		pthread_mutex_unlock(&p->mu);
		report(p, 1);
		/* Drain the data first, then say why it stopped. */
		return p->failed ? -1 : 0;
	}
	c = &p->ring[p->tail % p->nchunk];
	p->held = 1;
	pthread_mutex_unlock(&p->mu);
	report(p, 0);
	*buf = c->data;
	return (long)c->len;
}

void
lb_pipe_blake2b(struct lb_pipe *p, unsigned char out[64])
{
	memcpy(out, p->b2out, sizeof(p->b2out));
}

const struct lb_err *
lb_pipe_error(struct lb_pipe *p)
{
	return &p->err;
}

/* Wait for the threads; with cancel, first tell them to stop (a thread
 * not waiting on a ring stops at its next wait). */
static void
join(struct lb_pipe *p, int cancel)
{
	pthread_mutex_lock(&p->mu);
	p->cancel |= cancel;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (p->started)
		pthread_join(p->thread, NULL);
	p->started = 0;
	/* the reader ended the stream where its format ended: the fetcher
	 * still reading means more followed, and that is not waited for */
	pthread_mutex_lock(&p->mu);
	p->cancel |= !p->rend && !p->rfailed;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (p->fstarted)
		pthread_join(p->fetcher, NULL);
	p->fstarted = 0;
}

int
lb_pipe_finish(struct lb_pipe *p, char hex[65], long long *bytes,
    struct lb_err *err)
{
	unsigned char d[32];
	const void *b;
	long n;
	int i;

	while ((n = lb_pipe_next(p, &b)) > 0)
		;
	if (n < 0) {
		*err = p->err;
		return err->code;
	}
	join(p, 0);
	mbedtls_sha256_finish(&p->sha, d);
	if (p->b2 != NULL)
		lb_ms_hash_final(p->b2, p->b2out);
	for (i = 0; i < 32; i++) {
		hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
	}
	hex[64] = '\0';
	*bytes = p->bytes;
	return LB_OK;
}

int
lb_pipe_drained(struct lb_pipe *p, char hex[65], long long *bytes)
{
	unsigned char d[32];
	int i;

	if (p == NULL || !p->started)
		return -1;
	/* the consumer failed (a damaged tar header): the reader stops
	 * decoding and reads on to the end */
	pthread_mutex_lock(&p->mu);
	p->drain = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	join(p, 0);
	if (!p->drained)
		return -1;
	mbedtls_sha256_finish(&p->sha, d);
	for (i = 0; i < 32; i++) {
		hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
	}
	hex[64] = '\0';
	*bytes = p->bytes;
	return 0;
}

void
lb_pipe_free(struct lb_pipe *p)
{
	int i;

	if (p == NULL)
		return;
	join(p, 1);
	if (p->raw != NULL)
		archive_read_free(p->raw);
	lb_inflate_free(p->inf);
	lb_age_free(p->age);
	free(p->rawbuf);
	if (p->h != NULL)
		p->store->ops->close_read(p->h);
	mbedtls_sha256_free(&p->sha);
	lb_ms_hash_free(p->b2);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	for (i = 0; i < NCHUNK; i++)
		free(p->ring[i].data);
	for (i = 0; i < NRAW; i++)
		free(p->fring[i].data);
	free(p);
}
