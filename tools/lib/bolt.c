/*
 * bolt.c: the keys of one top-level bucket of a bbolt file (see bolt.h).
 *
 * The file is pages of pageSize bytes; pages 0 and 1 are meta pages (the
 * valid one with the higher transaction id wins), whose root bucket is a
 * B+tree of branch and leaf pages. A leaf element flagged as a bucket
 * holds a bucket header {root page, sequence}, followed, when root is 0,
 * by the bucket's one leaf page inline. Every offset read from the file is
 * checked against its bounds: metadata.db comes from the disk being
 * restored onto, and may be damaged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bolt.h"

#define MAGIC 0xED0CDAEDu
#define HDR 16			/* page header: id, flags, count, overflow */
#define ELEM 16			/* branch and leaf element size */
#define F_BRANCH 0x01
#define F_LEAF 0x02
#define F_META 0x04
#define BUCKET_LEAF 0x01
#define MAX_FILE (256L * 1024 * 1024)
#define MAX_DEPTH 32

struct db {
	const unsigned char *p;
	size_t len;
	uint32_t psize;
};

struct keys {
	char **v;
	size_t n;
	int oom;
};

static uint16_t
u16(const unsigned char *b)
{
	return (uint16_t)(b[0] | b[1] << 8);
}

static uint32_t
u32(const unsigned char *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24;
}

static uint64_t
u64(const unsigned char *b)
{
	return (uint64_t)u32(b) | (uint64_t)u32(b + 4) << 32;
}

/* bbolt's meta checksum: FNV-1a 64 over the meta up to the checksum. */
static uint64_t
fnv64a(const unsigned char *b, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	while (n-- > 0) {
		h ^= *b++;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Page id's bytes, with room for its header; NULL if outside the file. */
static const unsigned char *
page(const struct db *d, uint64_t id, size_t *room)
{
	uint64_t off;

	if (id > (uint64_t)d->len / d->psize)
		return NULL;
	off = id * d->psize;
	if (off + HDR > d->len)
		return NULL;
	*room = d->len - (size_t)off;
	return d->p + off;
}

/* The meta page at id, if valid: its txid and root bucket's page. */
static int
meta(const struct db *d, uint64_t id, uint64_t *txid, uint64_t *root)
{
	const unsigned char *m;
	size_t room;

	if ((m = page(d, id, &room)) == NULL || room < HDR + 64 ||
	    !(u16(m + 8) & F_META))
		return -1;
	m += HDR;
	if (u32(m) != MAGIC || u32(m + 4) != 2 ||
	    fnv64a(m, 56) != u64(m + 56))
		return -1;
	*root = u64(m + 16);
	*txid = u64(m + 48);
	return 0;
}

static int
add_key(struct keys *k, const unsigned char *s, size_t n)
{
	char **v;

	if ((v = realloc(k->v, (k->n + 1) * sizeof(*v))) == NULL ||
	    (v[k->n] = malloc(n + 1)) == NULL) {
		if (v != NULL)
			k->v = v;
		k->oom = 1;
		return -1;
	}
	k->v = v;
	memcpy(v[k->n], s, n);
	v[k->n][n] = '\0';
	k->n++;
	return 0;
}

/* What walk does with each leaf element. */
struct visit {
	const char *want;	/* find this bucket: its header into hdr */
	const unsigned char *hdr;
	size_t hdrlen;
	struct keys *keys;	/* or collect every key */
};

/* Walk the tree whose page bytes are pg[0..room). -1: damaged. */
static int
walk(const struct db *d, const unsigned char *pg, size_t room, int depth,
    struct visit *v)
{
	const unsigned char *e, *kp, *child;
	uint16_t flags, count, i;
	uint32_t pos, ks, vs;
	size_t croom;

	if (depth > MAX_DEPTH || room < HDR)
		return -1;
	flags = u16(pg + 8);
	count = u16(pg + 10);
	if ((size_t)count * ELEM > room - HDR)
		return -1;
	for (i = 0; i < count; i++) {
		e = pg + HDR + (size_t)i * ELEM;
		if (flags & F_BRANCH) {
			if ((child = page(d, u64(e + 8), &croom)) == NULL ||
			    walk(d, child, croom, depth + 1, v) != 0)
				return -1;
			continue;
		}
		if (!(flags & F_LEAF))
			return -1;
		pos = u32(e + 4);
		ks = u32(e + 8);
		vs = u32(e + 12);
		/* key and value lie after the element, inside the page run */
		if ((size_t)(e - pg) + pos + (uint64_t)ks + vs > room)
			return -1;
		kp = e + pos;
		if (v->want != NULL) {
			if ((u32(e) & BUCKET_LEAF) && ks == strlen(v->want) &&
			    memcmp(kp, v->want, ks) == 0) {
				v->hdr = kp + ks;
				v->hdrlen = vs;
			}
		} else if (add_key(v->keys, kp, ks) != 0)
			return -1;
	}
	return 0;
}

/* The tree of a bucket header {root, sequence}[, inline page]. */
static int
bucket_keys(const struct db *d, const unsigned char *h, size_t hl,
    struct keys *k)
{
	struct visit v = { NULL, NULL, 0, k };
	const unsigned char *pg;
	size_t room;

	if (hl < 16)
		return -1;
	if (u64(h) == 0)	/* inline: the page follows the header */
		return walk(d, h + 16, hl - 16, 0, &v);
	if ((pg = page(d, u64(h), &room)) == NULL)
		return -1;
	return walk(d, pg, room, 0, &v);
}

static int
read_all(const char *path, unsigned char **buf, size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return -1;
	}
	/* two meta pages at least; a metadata.db is tens of KiB */
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_FILE ||
	    st.st_size < 2 * 1024 ||
	    (*buf = malloc((size_t)st.st_size)) == NULL) {
		close(fd);
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		return -1;
	}
	while (got < (size_t)st.st_size &&
	    (r = read(fd, *buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)r;
	close(fd);
	*len = got;
	return 0;
}

int
lb_bolt_keys(const char *path, const char *bucket, char ***keys, size_t *n,
    struct lb_err *err)
{
	struct keys k = { NULL, 0, 0 };
	struct visit v = { bucket, NULL, 0, NULL };
	unsigned char *buf = NULL;
	const unsigned char *rootpg;
	uint64_t tx0, tx1, r0, r1, root;
	struct db d;
	size_t room;
	int ok0, ok1, rc = LB_OK;

	*keys = NULL;
	*n = 0;
	if (read_all(path, &buf, &d.len) != 0)
		return lb_err_set(err, LB_EIO, errno, "cannot read '%s'", path);
	d.p = buf;
	if (d.len < HDR + 64) {
		rc = lb_err_set(err, LB_EIO, 0, "'%s' is not a bbolt "
		    "database", path);
		goto out;
	}
	/* the page size is in page 0's meta; bbolt's pages are 4 KiB up */
	d.psize = u32(buf + HDR + 8);
	if (d.psize < 1024 || d.psize > 65536 || d.psize & (d.psize - 1)) {
		rc = lb_err_set(err, LB_EIO, 0, "'%s' is not a bbolt "
		    "database", path);
		goto out;
	}
	ok0 = meta(&d, 0, &tx0, &r0) == 0;
	ok1 = meta(&d, 1, &tx1, &r1) == 0;
	if (!ok0 && !ok1) {
		rc = lb_err_set(err, LB_EIO, 0, "'%s' is not a bbolt "
		    "database", path);
		goto out;
	}
	root = ok0 && (!ok1 || tx0 >= tx1) ? r0 : r1;
	if ((rootpg = page(&d, root, &room)) == NULL ||
	    walk(&d, rootpg, room, 0, &v) != 0 ||
	    (v.hdr != NULL && bucket_keys(&d, v.hdr, v.hdrlen, &k) != 0)) {
		rc = k.oom ? lb_err_set(err, LB_ENOMEM, 0, "out of memory") :
		    lb_err_set(err, LB_EIO, 0, "'%s' is damaged", path);
		lb_bolt_keys_free(k.v, k.n);
		goto out;
	}
	*keys = k.v;
	*n = k.n;
out:
	free(buf);
	return rc;
}

void
lb_bolt_keys_free(char **keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}
