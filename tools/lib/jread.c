/*
 * jread.c: see jread.h. A recursive-descent parser for RFC 8259 JSON, strict
 * because the documents it reads are ones lifeboat wrote: anything the
 * grammar does not allow (trailing commas, comments, a byte order mark,
 * invalid UTF-8, lone surrogates) is a sign of damage, not a dialect to
 * accept. Recursion is bounded by the depth limit, so hostile input cannot
 * exhaust the stack.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"

/* Deeper than any report we write by far; the bound is what keeps the
 * recursion (and lb_jread_free's) safe. */
#define MAXDEPTH 64

struct parser {
	const unsigned char *s;
	size_t len;
	size_t pos;
	size_t line;		/* of s[pos], from 1 */
	char *why;
	size_t whylen;
};

static int value(struct parser *, int, struct lb_jval **);

static int
fail(struct parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->why == NULL || p->whylen == 0)
		return -1;
	n = snprintf(p->why, p->whylen, "line %zu: ", p->line);
	if (n < 0 || (size_t)n >= p->whylen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->why + n, p->whylen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Saying "found the end of the text" separates a truncated document (a
 * copy cut short) from a damaged one. */
static int
expected(struct parser *p, const char *what)
{
	if (p->pos >= p->len)
		return fail(p, "expected %s, found the end of the text", what);
	return fail(p, "expected %s", what);
}

static int
oom(struct parser *p)
{
	if (p->why != NULL && p->whylen > 0)
		snprintf(p->why, p->whylen, "out of memory");
	return -1;
}

static int
at(struct parser *p, unsigned char c)
{
	return p->pos < p->len && p->s[p->pos] == c;
}

static int
at_digit(struct parser *p)
{
	return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

/* Strings cannot hold a raw newline, so whitespace is the only place where
 * lines end. */
static void
skip_ws(struct parser *p)
{
	unsigned char c;

	for (; p->pos < p->len; p->pos++) {
		c = p->s[p->pos];
		if (c == '\n')
			p->line++;
		else if (c != ' ' && c != '\t' && c != '\r')
			break;
	}
}

/* Length of the valid UTF-8 sequence at s (avail bytes), or 0. Overlong
 * forms, encoded surrogates and code points past U+10FFFF are invalid
 * (RFC 3629), which the second byte's range decides. */
static size_t
utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static unsigned char *
put_utf8(unsigned char *o, unsigned long cp)
{
	if (cp < 0x80)
		*o++ = (unsigned char)cp;
	else if (cp < 0x800) {
		*o++ = (unsigned char)(0xc0 | (cp >> 6));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (unsigned char)(0xe0 | (cp >> 12));
		*o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (unsigned char)(0xf0 | (cp >> 18));
		*o++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (unsigned char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* The four hex digits after "\u", at s[pos]. */
static int
hex4(struct parser *p, unsigned long *cp)
{
	unsigned char c;
	unsigned int d;
	size_t i;

	*cp = 0;
	if (p->len - p->pos < 4)
		return fail(p, "expected four hex digits after \\u");
	for (i = 0; i < 4; i++) {
		c = p->s[p->pos + i];
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return fail(p, "expected four hex digits after \\u");
		*cp = (*cp << 4) | d;
	}
	p->pos += 4;
	return 0;
}

/* \uXXXX, or a pair of them for a code point past the BMP (RFC 8259 7). A
 * lone surrogate has no UTF-8 form, and U+0000 would cut the C string. */
static int
unicode(struct parser *p, unsigned char **o)
{
	unsigned long cp, lo;

	if (hex4(p, &cp) != 0)
		return -1;
	if (cp == 0)
		return fail(p, "\\u0000 is not allowed in a string");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(p, "unpaired surrogate \\u%04lx in a string", cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p->len - p->pos < 2 || p->s[p->pos] != '\\' ||
		    p->s[p->pos + 1] != 'u')
			return fail(p, "unpaired surrogate \\u%04lx in a "
			    "string", cp);
		p->pos += 2;
		if (hex4(p, &lo) != 0)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(p, "unpaired surrogate \\u%04lx in a "
			    "string", cp);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	*o = put_utf8(*o, cp);
	return 0;
}

/* The escape at s[pos] (a backslash). */
static int
escape(struct parser *p, unsigned char **o)
{
	unsigned char c;

	if (++p->pos >= p->len)
		return fail(p, "unterminated string");
	c = p->s[p->pos++];
	switch (c) {
	case '"':
	case '\\':
	case '/':
		break;
	case 'b':
		c = '\b';
		break;
	case 'f':
		c = '\f';
		break;
	case 'n':
		c = '\n';
		break;
	case 'r':
		c = '\r';
		break;
	case 't':
		c = '\t';
		break;
	case 'u':
		return unicode(p, o);
	default:
		if (c > 0x20 && c < 0x7f)
			return fail(p, "invalid escape '\\%c' in a string",
			    (int)c);
		return fail(p, "invalid escape in a string");
	}
	*(*o)++ = c;
	return 0;
}

/* The string at s[pos] (its opening quote) into a new buffer. */
static int
string(struct parser *p, char **out)
{
	unsigned char *buf, *o, c;
	size_t i, n;

	/*
	 * Size the buffer by the raw text up to where the string must end: no
	 * escape decodes to more bytes than its own text, so the copy fits.
	 */
	p->pos++;
	for (i = p->pos; i < p->len && p->s[i] != '"' && p->s[i] >= 0x20; i++)
		if (p->s[i] == '\\')
			i++;
	if (i > p->len)
		i = p->len;
	if ((buf = malloc(i - p->pos + 1)) == NULL)
		return oom(p);
	o = buf;
	for (;;) {
		if (p->pos >= p->len) {
			fail(p, "unterminated string");
			goto bad;
		}
		c = p->s[p->pos];
		if (c == '"')
			break;
		if (c < 0x20) {
			fail(p, "control character 0x%02x in a string (must be "
			    "escaped)", (unsigned int)c);
			goto bad;
		}
		if (c == '\\') {
			if (escape(p, &o) != 0)
				goto bad;
			continue;
		}
		if ((n = utf8_len(p->s + p->pos, p->len - p->pos)) == 0) {
			fail(p, "invalid utf-8 in a string");
			goto bad;
		}
		memcpy(o, p->s + p->pos, n);
		o += n;
		p->pos += n;
	}
	p->pos++;
	*o = '\0';
	*out = (char *)buf;
	return 0;
bad:
	free(buf);
	return -1;
}

/*
 * The grammar is checked here because strtod accepts more ("+1", ".5",
 * "0x10", "inf", leading zeros); strtod then only converts, with '.' as the
 * point because LC_NUMERIC stays "C".
 */
static int
number(struct parser *p, double *d)
{
	char small[64], *buf, *end;
	size_t start = p->pos, n;
	int rc = 0;

	if (at(p, '-'))
		p->pos++;
	if (at(p, '0')) {
		p->pos++;
		if (at_digit(p))
			return fail(p, "leading zero in a number");
	} else if (at_digit(p)) {
		while (at_digit(p))
			p->pos++;
	} else
		return fail(p, "expected a digit after '-'");
	if (at(p, '.')) {
		p->pos++;
		if (!at_digit(p))
			return fail(p, "expected a digit after '.' in a "
			    "number");
		while (at_digit(p))
			p->pos++;
	}
	if (at(p, 'e') || at(p, 'E')) {
		p->pos++;
		if (at(p, '+') || at(p, '-'))
			p->pos++;
		if (!at_digit(p))
			return fail(p, "expected a digit in the exponent of a "
			    "number");
		while (at_digit(p))
			p->pos++;
	}

	/* The text is not NUL-terminated, and strtod needs it to be. */
	n = p->pos - start;
	buf = small;
	if (n >= sizeof(small) && (buf = malloc(n + 1)) == NULL)
		return oom(p);
	memcpy(buf, p->s + start, n);
	buf[n] = '\0';
	*d = strtod(buf, &end);
	if (end != buf + n)
		rc = fail(p, "invalid number");
	else if (isinf(*d))
		rc = fail(p, "number out of range");
	if (buf != small)
		free(buf);
	return rc;
}

static int
literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return expected(p, "a value");
	p->pos += n;
	return 0;
}

/* Elements are linked as soon as they exist, so that freeing v on failure
 * frees them too. */
static int
array(struct parser *p, int depth, struct lb_jval *v)
{
	struct lb_jval **tail = &v->child;

	v->type = LB_JARR;
	p->pos++;
	skip_ws(p);
	if (at(p, ']')) {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (value(p, depth + 1, tail) != 0)
			return -1;
		tail = &(*tail)->next;
		skip_ws(p);
		if (at(p, ']')) {
			p->pos++;
			return 0;
		}
		if (!at(p, ','))
			return expected(p, "',' or ']' after an element");
		p->pos++;
	}
}

static int
object(struct parser *p, int depth, struct lb_jval *v)
{
	struct lb_jval **tail = &v->child;
	char *key;

	v->type = LB_JOBJ;
	p->pos++;
	skip_ws(p);
	if (at(p, '}')) {
		p->pos++;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if (!at(p, '"'))
			return expected(p, "a member name in quotes");
		if (string(p, &key) != 0)
			return -1;
		skip_ws(p);
		if (!at(p, ':')) {
			free(key);
			return expected(p, "':' after a member name");
		}
		p->pos++;
		if (value(p, depth + 1, tail) != 0) {
			free(key);
			return -1;
		}
		(*tail)->key = key;
		tail = &(*tail)->next;
		skip_ws(p);
		if (at(p, '}')) {
			p->pos++;
			return 0;
		}
		if (!at(p, ','))
			return expected(p, "',' or '}' after a member");
		p->pos++;
	}
}

/* One value, after optional whitespace, into a new node *out; depth is the
 * number of arrays and objects around it. */
static int
value(struct parser *p, int depth, struct lb_jval **out)
{
	struct lb_jval *v;
	unsigned char c;
	int rc;

	*out = NULL;
	skip_ws(p);
	if (p->pos >= p->len)
		return expected(p, "a value");
	c = p->s[p->pos];
	if ((c == '[' || c == '{') && depth >= MAXDEPTH)
		return fail(p, "nested deeper than %d levels", MAXDEPTH);
	if ((v = calloc(1, sizeof(*v))) == NULL)
		return oom(p);
	switch (c) {
	case '[':
		rc = array(p, depth, v);
		break;
	case '{':
		rc = object(p, depth, v);
		break;
	case '"':
		v->type = LB_JSTR;
		rc = string(p, &v->str);
		break;
	case 't':
		v->type = LB_JBOOL;
		v->boolean = 1;
		rc = literal(p, "true");
		break;
	case 'f':
		v->type = LB_JBOOL;
		rc = literal(p, "false");
		break;
	case 'n':
		v->type = LB_JNULL;
		rc = literal(p, "null");
		break;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			v->type = LB_JNUM;
			rc = number(p, &v->num);
		} else
			rc = expected(p, "a value");
		break;
	}
	if (rc != 0) {
		lb_jread_free(v);
		return -1;
	}
	*out = v;
	return 0;
}

int
lb_jread_parse(const char *text, size_t len, struct lb_jval **out,
    char *why, size_t whylen)
{
	struct parser p;
	struct lb_jval *v;

	*out = NULL;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	memset(&p, 0, sizeof(p));
	p.s = (const unsigned char *)text;
	p.len = text != NULL ? len : 0;
	p.line = 1;
	p.why = why;
	p.whylen = whylen;
	if (value(&p, 0, &v) != 0)
		return -1;
	skip_ws(&p);
	if (p.pos < p.len) {
		lb_jread_free(v);
		return fail(&p, "unexpected text after the value");
	}
	*out = v;
	return 0;
}

const struct lb_jval *
lb_jread_get(const struct lb_jval *v, const char *path)
{
	const struct lb_jval *m;
	const char *dot;
	size_t n;

	if (v == NULL || path == NULL)
		return NULL;
	if (*path == '\0')
		return v;
	for (;;) {
		if (v->type != LB_JOBJ)
			return NULL;
		dot = strchr(path, '.');
		n = dot != NULL ? (size_t)(dot - path) : strlen(path);
		for (m = v->child; m != NULL; m = m->next)
			if (strncmp(m->key, path, n) == 0 && m->key[n] == '\0')
				break;
		if (m == NULL || dot == NULL)
			return m;
		v = m;
		path = dot + 1;
	}
}

const char *
lb_jread_str(const struct lb_jval *v, const char *path)
{
	v = lb_jread_get(v, path);
	return v != NULL && v->type == LB_JSTR ? v->str : NULL;
}

double
lb_jread_num(const struct lb_jval *v, const char *path, double dflt)
{
	v = lb_jread_get(v, path);
	return v != NULL && v->type == LB_JNUM ? v->num : dflt;
}

long long
lb_jread_int(const struct lb_jval *v, const char *path, long long dflt)
{
	const double lim = 9007199254740992.0;	/* 2^53 */
	double d = lb_jread_num(v, path, NAN);

	/* NaN (absent) fails every comparison */
	if (!(d >= -lim && d <= lim) || d != (double)(long long)d)
		return dflt;
	return (long long)d;
}

void
lb_jread_free(struct lb_jval *v)
{
	struct lb_jval *c, *next;

	if (v == NULL)
		return;
	/* Siblings by iteration: arrays can be long, only depth is bounded. */
	for (c = v->child; c != NULL; c = next) {
		next = c->next;
		lb_jread_free(c);
	}
	free(v->str);
	free(v->key);
	free(v);
}
