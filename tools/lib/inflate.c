/*
 * inflate.c: gzip members through ISA-L, zlib for what it refuses (see
 * inflate.h).
 *
 * A refusal cannot be taken back from the consumer: what ISA-L gave of a
 * member is already written. So the member's compressed bytes are kept
 * while they are at most REPLAY bytes: on a refusal zlib decodes the
 * member again from its start and the output ISA-L already gave is
 * dropped. A refusal beyond that point is an error; zlib then says
 * nothing, and what ISA-L refuses there (a corrupt block) zlib would
 * refuse too. The next member goes to ISA-L again.
 *
 * LIFEBOAT_NO_ISAL (set): zlib only. LIFEBOAT_TEST_ISAL_REFUSE=N (tests):
 * ISA-L "refuses" once the stream's output would pass N bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include "inflate.h"

#define INBUF (256 * 1024)
#define REPLAY (1024 * 1024)

enum mode { M_ISAL, M_ZLIB };

struct lb_inflate {
	lb_inflate_src src;
	void *arg;
	unsigned char *in;		/* REPLAY bytes; [inpos, inlen) unread */
	size_t inpos, inlen;
	int in_eof;
	int done;
	enum mode mode;
	int no_isal;
	int refused;			/* ISA-L refused a member */
	struct inflate_state st;
	z_stream z;
	int zinit;
	unsigned char *rep;		/* the member's bytes, to inlen */
	size_t replen;
	int rep_lost;			/* the member outgrew REPLAY */
	unsigned long long mout;	/* the member's output so far */
	unsigned long long skip;	/* zlib output ISA-L already gave */
	unsigned long long total;
	long long refuse_at;		/* test switch, -1: none */
};

static int
corrupt(struct lb_err *err, const char *who, const char *what)
{
	return lb_err_set(err, LB_EVERIFY, 0, "corrupt or truncated gzip "
	    "stream (%s: %s)", who, what);
}

static const char *
isal_why(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK:
		return "invalid block";
	case ISAL_INVALID_SYMBOL:
		return "invalid symbol";
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance";
	case ISAL_INVALID_WRAPPER:
		return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD:
		return "not deflate";
	case ISAL_INCORRECT_CHECKSUM:
		return "checksum mismatch";
	default:
		return "refused";
	}
}

/* Read more compressed bytes after the unread ones; the member's copy
 * follows. *got 0: the end of the file. */
static int
more(struct lb_inflate *f, size_t *got, struct lb_err *err)
{
	size_t left = f->inlen - f->inpos;
	int r;

	memmove(f->in, f->in + f->inpos, left);
	f->inpos = 0;
	f->inlen = left;
	*got = 0;
	if (f->in_eof)
		return LB_OK;
	if ((r = f->src(f->arg, f->in + left, INBUF, got, err)) != LB_OK)
		return r;
	if (*got == 0)
		f->in_eof = 1;
	if (!f->rep_lost && f->replen + *got <= REPLAY) {
		memcpy(f->rep + f->replen, f->in + left, *got);
		f->replen += *got;
	} else {
		f->rep_lost = 1;
	}
	f->inlen = left + *got;
	return LB_OK;
}

/* At the end of a member (or the start): is another one next? */
static int
next_member(struct lb_inflate *f, struct lb_err *err)
{
	size_t got;
	int r;

	while (f->inlen - f->inpos < 3 && !f->in_eof)
		if ((r = more(f, &got, err)) != LB_OK)
			return r;
	if (f->inlen - f->inpos < 3 || f->in[f->inpos] != 0x1f ||
	    f->in[f->inpos + 1] != 0x8b || f->in[f->inpos + 2] != 8) {
		f->done = 1;	/* the rest is the caller's */
		return LB_OK;
	}
	f->mode = f->no_isal ? M_ZLIB : M_ISAL;
	f->replen = f->inlen - f->inpos;
	memcpy(f->rep, f->in + f->inpos, f->replen);
	f->rep_lost = f->mode == M_ZLIB;	/* the copy is for zlib */
	f->mout = 0;
	f->skip = 0;
	if (f->mode == M_ISAL) {
		isal_inflate_reset(&f->st);
		return LB_OK;
	}
	if ((r = f->zinit ? inflateReset(&f->z) :
	    inflateInit2(&f->z, 15 + 16)) != Z_OK)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	f->zinit = 1;
	return LB_OK;
}

/* ISA-L refused the member: zlib takes it over from its start. */
static int
fall_back(struct lb_inflate *f, int why, struct lb_err *err)
{
	unsigned char *t;

	if (f->rep_lost)
		return corrupt(err, "ISA-L", isal_why(why));
	t = f->in;
	f->in = f->rep;
	f->rep = t;
	f->inpos = 0;
	f->inlen = f->replen;
	f->rep_lost = 1;	/* zlib needs no copy */
	f->skip = f->mout;
	f->mode = M_ZLIB;
	f->refused = 1;
	if ((f->zinit ? inflateReset(&f->z) : inflateInit2(&f->z, 15 + 16))
	    != Z_OK)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	f->zinit = 1;
	return LB_OK;
}

/* One step of ISA-L: *n bytes out, or a member's end, or more input. */
static int
step_isal(struct lb_inflate *f, unsigned char *buf, size_t len, size_t *n,
    struct lb_err *err)
{
	size_t got, before = f->inpos;
	int r;

	f->st.next_in = f->in + f->inpos;
	f->st.avail_in = (uint32_t)(f->inlen - f->inpos);
	f->st.next_out = buf;
	f->st.avail_out = (uint32_t)(len > INBUF * 4 ? INBUF * 4 : len);
	r = isal_inflate(&f->st);
	*n = (size_t)(f->st.next_out - buf);
	f->inpos = f->inlen - f->st.avail_in;
	if (r >= 0 && f->refuse_at >= 0 &&
	    f->total + *n > (unsigned long long)f->refuse_at) {
		f->refuse_at = -1;
		r = ISAL_INVALID_BLOCK;
	}
	/* no progress on input it has: a stall on bad data, a refusal */
	if (r >= 0 && *n == 0 && f->inpos == before && f->st.avail_in > 0 &&
	    f->st.block_state != ISAL_BLOCK_FINISH)
		r = ISAL_INVALID_BLOCK;
	if (r < 0) {
		*n = 0;
		return fall_back(f, r, err);
	}
	f->mout += *n;
	if (f->st.block_state == ISAL_BLOCK_FINISH) {
		/* what ISA-L read ahead belongs to the next member */
		if ((size_t)f->st.read_in_length / 8 > f->inpos)
			return corrupt(err, "ISA-L", "member end not found");
		f->inpos -= (size_t)f->st.read_in_length / 8;
		return next_member(f, err);
	}
	if (*n == 0 && f->st.avail_in == 0) {
		if ((r = more(f, &got, err)) != LB_OK)
			return r;
		if (got == 0)
			return corrupt(err, "ISA-L", "truncated");
	}
	return LB_OK;
}

static int
step_zlib(struct lb_inflate *f, unsigned char *buf, size_t len, size_t *n,
    struct lb_err *err)
{
	size_t got, d;
	int r;

	f->z.next_in = f->in + f->inpos;
	f->z.avail_in = (uInt)(f->inlen - f->inpos);
	f->z.next_out = buf;
	f->z.avail_out = (uInt)(len > INBUF * 4 ? INBUF * 4 : len);
	r = inflate(&f->z, Z_NO_FLUSH);
	*n = (size_t)(f->z.next_out - buf);
	f->inpos = f->inlen - f->z.avail_in;
	if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR)
		return corrupt(err, "zlib", f->z.msg ? f->z.msg : "error");
	f->mout += *n;
	if (f->skip > 0) {
		d = f->skip < *n ? (size_t)f->skip : *n;
		memmove(buf, buf + d, *n - d);
		*n -= d;
		f->skip -= d;
	}
	if (r == Z_STREAM_END)
		return next_member(f, err);
	if (f->z.avail_in == 0 && f->z.avail_out > 0) {
		if ((r = more(f, &got, err)) != LB_OK)
			return r;
		if (got == 0)
			return corrupt(err, "zlib", "truncated");
	}
	return LB_OK;
}

long
lb_inflate_read(struct lb_inflate *f, unsigned char *buf, size_t len,
    struct lb_err *err)
{
	size_t n = 0;
	int r;

	while (!f->done && n == 0 && len > 0) {
		r = f->mode == M_ISAL ? step_isal(f, buf, len, &n, err) :
		    step_zlib(f, buf, len, &n, err);
		if (r != LB_OK)
			return -1;
	}
	f->total += n;
	return (long)n;
}

int
lb_inflate_new(struct lb_inflate **out, lb_inflate_src src, void *arg,
    const unsigned char *head, size_t len, struct lb_err *err)
{
	struct lb_inflate *f;
	const char *e;
	char *end;

	*out = NULL;
	if (len > INBUF)
		return lb_err_set(err, LB_EFAIL, 0, "inflate: head too long");
	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->in = malloc(REPLAY)) == NULL ||
	    (f->rep = malloc(REPLAY)) == NULL) {
		lb_inflate_free(f);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	f->src = src;
	f->arg = arg;
	memcpy(f->in, head, len);
	f->inlen = len;
	f->no_isal = getenv("LIFEBOAT_NO_ISAL") != NULL;
	f->refuse_at = -1;
	if ((e = getenv("LIFEBOAT_TEST_ISAL_REFUSE")) != NULL) {
		errno = 0;
		f->refuse_at = strtoll(e, &end, 10);
		if (errno != 0 || end == e || *end != '\0' || f->refuse_at < 0)
			f->refuse_at = -1;
	}
	isal_inflate_init(&f->st);
	f->st.crc_flag = ISAL_GZIP;
	if (next_member(f, err) != LB_OK) {
		lb_inflate_free(f);
		return err->code;
	}
	*out = f;
	return LB_OK;
}

const char *
lb_inflate_used(const struct lb_inflate *f)
{
	if (f->no_isal)
		return "zlib";
	return f->refused ? "isa-l+zlib" : "isa-l";
}

void
lb_inflate_free(struct lb_inflate *f)
{
	if (f == NULL)
		return;
	if (f->zinit)
		inflateEnd(&f->z);
	free(f->in);
	free(f->rep);
	free(f);
}
