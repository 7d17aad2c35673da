/*
 * bench-gen: writes the contents of scripts/bench-data's files, fast and
 * deterministically. Python lays the tree out; generating text token by
 * token in Python runs at a few MB/s, so the bytes are made here.
 *
 * usage: bench-gen SEED < JOBS
 *
 * Each line of JOBS is one file to create (its directory exists):
 *
 *	PATH<TAB>SIZE<TAB>BLOCK<TAB>MIX
 *
 * The file is written in blocks of BLOCK/4..BLOCK bytes (multiples of
 * 16 KiB when they are that large), each of one kind drawn from MIX, a
 * space-separated list of KIND=WEIGHT. Kinds:
 *
 *	log	log lines: a timestamp, one of 400 messages (Zipf), variable
 *		words, ids and durations
 *	prose	sentences of the same vocabulary
 *	code	PHP-like source: indentation, keywords, identifiers, comments
 *	ser	PHP-serialized and JSON records (sessions, caches, dashboards)
 *	packed	random bytes masked to 4-7 bits (postings, indexes)
 *	lz	what LZ4 makes of records: literal runs between tokens and
 *		offsets (Lucene stored fields, Cassandra's Data.db)
 *	rand	random bytes (what is compressed or encrypted already)
 *	zero	zeros (free space)
 *	pS,L,H	database pages of S KiB filled L..H percent with records (a
 *		header, a growing id, small integers, a timestamp, a short
 *		string), the rest zero
 *
 * Every file's bytes depend only on SEED and the file's line number.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NWORDS 6000
#define NIDENT 3000
#define MAXMIX 8

static uint64_t st[4];
static char *words[NWORDS];
static int wlen[NWORDS];
static uint16_t table[65536];
static char *idents[NIDENT];
static int ilen[NIDENT];
static uint64_t clk = 1763600000000ULL; /* ms */

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static uint64_t
next(void)
{
	uint64_t r = rotl(st[1] * 5, 7) * 9, t = st[1] << 17;

	st[2] ^= st[0];
	st[3] ^= st[1];
	st[1] ^= st[2];
	st[0] ^= st[3];
	st[2] ^= t;
	st[3] = rotl(st[3], 45);
	return r;
}

static void
seed(uint64_t s)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (s += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		st[i] = z ^ (z >> 31);
	}
}

static uint64_t
below(uint64_t n)
{
	return n ? next() % n : 0;
}

static uint64_t
span(uint64_t lo, uint64_t hi)
{
	return lo + below(hi - lo + 1);
}

/* a number of 1..digits digits, small ones more likely */
static uint64_t
num(int digits)
{
	uint64_t m = 1;

	for (int i = (int)span(1, (uint64_t)digits); i > 0; i--)
		m *= 10;
	return below(m);
}

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static void
put(struct buf *b, const void *s, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			perror("bench-gen");
			exit(1);
		}
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void
puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void putf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
putf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(b, tmp, n < (int)sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void
word(struct buf *b)
{
	int w = table[next() & 0xffff];

	put(b, words[w], (size_t)wlen[w]);
}

/* identifiers follow a Zipf law too: code and records reuse their keys */
static void
ident(struct buf *b)
{
	int i = table[next() & 0xffff] % NIDENT;

	put(b, idents[i], (size_t)ilen[i]);
}

static void
phrase(struct buf *b, int lo, int hi)
{
	for (int i = (int)span((uint64_t)lo, (uint64_t)hi); i > 0; i--) {
		word(b);
		if (i > 1)
			put(b, " ", 1);
	}
}

static void
stamp(struct buf *b)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				    30, 31};
	uint64_t s = clk / 1000, d = s / 86400;
	int y = 1970, m = 0;

	while (d >= (uint64_t)((y % 4 == 0) ? 366 : 365))
		d -= (y++ % 4 == 0) ? 366 : 365;
	while (d >= (uint64_t)(mdays[m] + (m == 1 && y % 4 == 0)))
		d -= (uint64_t)(mdays[m] + (m == 1 && y % 4 == 0)), m++;
	putf(b, "%04d-%02d-%02d %02u:%02u:%02u.%03u", y, m + 1, (int)d + 1,
	     (unsigned)(s / 3600 % 24), (unsigned)(s / 60 % 60),
	     (unsigned)(s % 60), (unsigned)(clk % 1000));
}

static const char *levels[] = {"INFO", "INFO", "INFO", "DEBUG", "WARN",
			       "ERROR", "NOTICE", "INFO"};

/*
 * Log lines: a program logs a few hundred messages, each with its own
 * fixed words and variable fields (ids, numbers, durations, words).
 */
#define NTMPL 400
static char *tmpl[NTMPL];

static void
gen_log(struct buf *b, size_t n)
{
	while (b->n < n) {
		uint64_t t = table[next() & 0xffff] % NTMPL;

		clk += below(250);
		stamp(b);
		putf(b, " [%s] ", levels[t & 7]);
		put(b, idents[t], (size_t)ilen[t]);
		putf(b, "[%u]: %s ", (unsigned)(1000 + t * 37 + below(4)),
		     tmpl[t]);
		if (t & 8)
			phrase(b, 1, 3);
		else
			ident(b);
		putf(b, " id=%llu took %llums\n", (unsigned long long)num(9),
		     (unsigned long long)num(4));
	}
}

static void
gen_prose(struct buf *b, size_t n)
{
	static const char *ends[] = {". ", ". ", ", ", "; ", ".\n", ".\n\n",
				     "? ", ". "};

	while (b->n < n) {
		size_t at = b->n;

		phrase(b, 4, 22);
		if (b->p[at] >= 'a' && b->p[at] <= 'z')
			b->p[at] -= 32;
		if (below(10) < 3)
			putf(b, " %llu", (unsigned long long)num(5));
		puts_(b, ends[next() & 7]);
	}
}

static const char *kw[] = {"return", "if (", "foreach (", "$this->",
			   "private", "static", "array(", "new", "use",
			   "namespace", "throw new", "} else {", "const",
			   "null", "true", "false"};

static void
indent(struct buf *b, int depth)
{
	for (int i = 0; i < depth; i++)
		puts_(b, "    ");
}

static void
gen_code(struct buf *b, size_t n)
{
	int depth = 1;

	while (b->n < n) {
		uint64_t p = below(100);

		indent(b, depth);
		if (p < 10) {
			puts_(b, "/** ");
			phrase(b, 3, 12);
			puts_(b, " */\n");
		} else if (p < 20) {
			puts_(b, below(2) ? "public function " :
			      "private static function ");
			ident(b);
			puts_(b, "($");
			ident(b);
			puts_(b, ", $");
			word(b);
			puts_(b, ")\n");
			indent(b, depth);
			puts_(b, "{\n");
			if (depth < 6)
				depth++;
		} else if (p < 30 && depth > 1) {
			puts_(b, "}\n\n");
			depth--;
		} else {
			puts_(b, kw[below(16)]);
			puts_(b, " $");
			ident(b);
			puts_(b, " = ");
			ident(b);
			puts_(b, "('");
			phrase(b, 1, 4);
			putf(b, "', %u);\n", (unsigned)below(4097));
		}
	}
}

static void
gen_ser(struct buf *b, size_t n)
{
	static const char *lit[] = {"true", "false", "null", "[]"};

	while (b->n < n) {
		uint64_t p = below(4);

		if (p < 2) {
			struct buf t = {0};

			ident(&t);
			putf(b, "s:%zu:\"", t.n);
			put(b, t.p, t.n);
			t.n = 0;
			phrase(&t, 1, 8);
			putf(b, "\";s:%zu:\"", t.n);
			put(b, t.p, t.n);
			puts_(b, "\";");
			free(t.p);
		} else if (p < 3) {
			put(b, "\"", 1);
			ident(b);
			putf(b, "\":%llu,", (unsigned long long)num(12));
		} else {
			put(b, "\"", 1);
			ident(b);
			putf(b, "\":\"%016llx%016llx\",\"",
			     (unsigned long long)next(),
			     (unsigned long long)next());
			ident(b);
			putf(b, "\":%s,", lit[next() & 3]);
		}
	}
}

static void
gen_rand(struct buf *b, size_t n)
{
	while (b->n < n) {
		uint64_t x = next();

		put(b, &x, 8);
	}
}

static void
gen_packed(struct buf *b, size_t n)
{
	static const unsigned char masks[] = {0x0f, 0x1f, 0x3f, 0x7f};
	uint64_t m = masks[next() & 3] * 0x0101010101010101ULL;

	while (b->n < n) {
		uint64_t x = next() & m;

		put(b, &x, 8);
	}
}

static void
gen_zero(struct buf *b, size_t n)
{
	static const unsigned char z[4096];

	while (b->n < n)
		put(b, z, sizeof(z));
}

static void
be(unsigned char *p, uint64_t v, int n)
{
	while (n-- > 0) {
		p[n] = (unsigned char)v;
		v >>= 8;
	}
}

/*
 * What an LZ4 compressor leaves of text: runs of literals between tokens
 * and offsets, the matched text gone.
 */
static void
gen_lz(struct buf *b, size_t n)
{
	struct buf t = {0};
	size_t at = 0;

	if (next() & 1)
		gen_log(&t, n * 3);
	else
		gen_ser(&t, n * 3);
	while (b->n < n && at + 40 < t.n) {
		size_t lit = span(3, 20), match = span(4, 18);
		unsigned char tok = (unsigned char)(lit << 4 | (match - 4));
		unsigned char off[2];

		be(off, below(4096), 2);
		put(b, &tok, 1);
		put(b, t.p + at, lit);
		put(b, off, 2);
		at += lit + match;
	}
	while (b->n < n)
		gen_rand(b, n);
	free(t.p);
}

/* one page: header, records, free space, trailer */
static void
page(struct buf *b, size_t size, uint64_t pno, int fill)
{
	size_t start = b->n, limit = size * (size_t)fill / 100;
	unsigned char h[38] = {0}, r[28];
	uint64_t id = pno * 97;

	be(h, next(), 4);
	be(h + 4, pno, 4);
	be(h + 8, pno + 1, 4);
	be(h + 16, next() & 0xffffffffffULL, 8);
	be(h + 24, 0x45bf, 2);
	be(h + 26, below(400), 2);
	put(b, h, sizeof(h));
	while (b->n - start + 96 < limit) {
		size_t at;

		id += span(1, 3);
		at = b->n;
		put(b, r, sizeof(r));
		phrase(b, 1, 5);
		be(r, b->n - at - sizeof(r), 2);
		be(r + 2, id, 4);
		be(r + 6, below(16), 4);
		be(r + 10, below(1000), 2);
		r[12] = (unsigned char)below(4);
		be(r + 13, clk / 1000 - pno * 600 + id * 7, 4);
		be(r + 17, below(3) ? below(1ULL << (8 << below(3))) : 0, 8);
		memset(r + 25, 0, 3);
		memcpy(b->p + at, r, sizeof(r));
	}
	if (b->n - start > size - 8)
		b->n = start + size - 8;
	while (b->n - start < size - 8)
		put(b, "\0\0\0\0\0\0\0\0", (size - 8 - (b->n - start)) < 8 ?
		    size - 8 - (b->n - start) : 8);
	be(r, pno, 8);
	put(b, r, 8);
}

static void gen_pages(struct buf *b, size_t n, size_t size, int lo, int hi,
		      uint64_t *pno)
{
	while (b->n < n) {
		int f = (int)span((uint64_t)lo, (uint64_t)hi);

		page(b, size, (*pno)++, f);
	}
}

struct kind {
	char name[8];
	size_t psize;
	int lo, hi;
	double weight;
};

static int
parse_mix(char *s, struct kind *k)
{
	int n = 0;

	for (char *t = strtok(s, " "); t && n < MAXMIX; t = strtok(NULL, " ")) {
		char *eq = strchr(t, '=');
		unsigned sz, lo, hi;

		if (!eq)
			return -1;
		*eq = 0;
		memset(&k[n], 0, sizeof(k[n]));
		k[n].weight = strtod(eq + 1, NULL);
		if (sscanf(t, "p%u,%u,%u", &sz, &lo, &hi) == 3) {
			strcpy(k[n].name, "page");
			k[n].psize = (size_t)sz << 10;
			k[n].lo = (int)lo;
			k[n].hi = (int)hi;
		} else if (strlen(t) < sizeof(k[n].name)) {
			strcpy(k[n].name, t);
		} else {
			return -1;
		}
		n++;
	}
	return n;
}

static void
fill(struct buf *b, struct kind *k, size_t n, uint64_t *pno)
{
	b->n = 0;
	if (!strcmp(k->name, "log"))
		gen_log(b, n);
	else if (!strcmp(k->name, "prose"))
		gen_prose(b, n);
	else if (!strcmp(k->name, "code"))
		gen_code(b, n);
	else if (!strcmp(k->name, "ser"))
		gen_ser(b, n);
	else if (!strcmp(k->name, "packed"))
		gen_packed(b, n);
	else if (!strcmp(k->name, "zero"))
		gen_zero(b, n);
	else if (!strcmp(k->name, "lz"))
		gen_lz(b, n);
	else if (!strcmp(k->name, "page"))
		gen_pages(b, n, k->psize, k->lo, k->hi, pno);
	else
		gen_rand(b, n);
}

static int
job(char *line, struct buf *b)
{
	char *path = strtok(line, "\t"), *ssize = strtok(NULL, "\t");
	char *sblock = strtok(NULL, "\t"), *mix = strtok(NULL, "\n");
	struct kind k[MAXMIX];
	size_t left, block;
	double total = 0;
	uint64_t pno = 0;
	int nk;
	FILE *f;

	if (!path || !ssize || !sblock || !mix ||
	    (nk = parse_mix(mix, k)) <= 0) {
		fprintf(stderr, "bench-gen: bad job line\n");
		return -1;
	}
	left = strtoull(ssize, NULL, 10);
	block = strtoull(sblock, NULL, 10);
	for (int i = 0; i < nk; i++)
		total += k[i].weight;
	if (!(f = fopen(path, "wb"))) {
		fprintf(stderr, "bench-gen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (left > 0) {
		size_t n = span(block / 4, block);
		double x = (double)(next() >> 11) / 9007199254740992.0 * total;
		int i = 0;

		if (n >= 16384)
			n &= ~(size_t)16383;
		if (n > left)
			n = left;
		while (i < nk - 1 && (x -= k[i].weight) > 0)
			i++;
		fill(b, &k[i], n, &pno);
		if (fwrite(b->p, 1, n, f) != n)
			break;
		left -= n;
	}
	if (fclose(f) != 0 || left) {
		fprintf(stderr, "bench-gen: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

static void
vocabulary(uint64_t s)
{
	static const char *syl[] = {"ka", "lo", "mi", "ne", "ru", "ta", "shi",
		"po", "ve", "da", "qu", "in", "er", "st", "al", "on", "ex",
		"ti", "ra", "ze", "bo", "gy", "fe", "ul", "om", "pr", "ch",
		"ck", "is", "ad"};
	double wsum = 0, acc = 0;
	int n = 0, t = 0;

	seed(s);
	while (n < NWORDS) {
		char w[16] = "";
		int dup = 0;

		for (int i = (int)span(1, 4); i > 0; i--)
			strcat(w, syl[below(30)]);
		for (int j = 0; j < n && !dup; j++)
			dup = !strcmp(words[j], w);
		if (dup)
			continue;
		words[n] = strdup(w);
		wlen[n++] = (int)strlen(w);
	}
	for (int i = 0; i < NWORDS; i++)
		wsum += 1.0 / (i + 1);
	/* a Zipf law: word i has 1/(i+1) of the table, at least one entry */
	for (int i = 0; i < NWORDS && t < 65536; i++) {
		acc += 1.0 / (i + 1) / wsum * 65536;
		do
			table[t++] = (uint16_t)i;
		while (t < 65536 && t < (int)acc);
	}
	while (t < 65536)
		table[t++] = (uint16_t)below(NWORDS);
	for (int i = 0; i < NIDENT; i++) {
		char id[64];

		snprintf(id, sizeof(id), "%s_%s", words[below(800)],
			 words[below(NWORDS)]);
		idents[i] = strdup(id);
		ilen[i] = (int)strlen(id);
	}
	for (int i = 0; i < NTMPL; i++) {
		struct buf t = {0};

		phrase(&t, 3, 12);
		put(&t, "", 1);
		tmpl[i] = (char *)t.p;
	}
}

int
main(int argc, char **argv)
{
	struct buf b = {0};
	char *line = NULL;
	size_t cap = 0;
	uint64_t s, nr = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-gen SEED < JOBS\n");
		return 2;
	}
	s = strtoull(argv[1], NULL, 10);
	vocabulary(s);
	while (getline(&line, &cap, stdin) > 0) {
		seed(s * 1000003 + ++nr);
		clk = 1763600000000ULL - nr * 60000;
		if (job(line, &b) != 0)
			return 1;
	}
	free(line);
	free(b.p);
	return 0;
}
