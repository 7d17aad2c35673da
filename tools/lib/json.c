/*
 * json.c: see json.h. Strings are escaped per RFC 8259; bytes that are not
 * valid UTF-8 (file names can be anything) are written as U+FFFD so that the
 * output always parses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "json.h"

void
lb_json_init(struct lb_json *j)
{
	memset(j, 0, sizeof(*j));
}

void
lb_json_release(struct lb_json *j)
{
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

static void
put(struct lb_json *j, const char *s, size_t n)
{
	char *p;
	size_t cap;

	if (j->failed)
		return;
	if (j->len + n + 1 > j->cap) {
		cap = j->cap ? j->cap * 2 : 256;
		while (cap < j->len + n + 1)
			cap *= 2;
		if ((p = realloc(j->buf, cap)) == NULL) {
			j->failed = 1;
			return;
		}
		j->buf = p;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void
puts_(struct lb_json *j, const char *s)
{
	put(j, s, strlen(s));
}

/* Before a value: a comma unless it is the first at its level. */
static void
sep(struct lb_json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->count[j->depth]++ > 0)
		put(j, ",", 1);
}

static void
open_(struct lb_json *j, const char *c)
{
	sep(j);
	puts_(j, c);
	if (j->depth + 1 < LB_JSON_DEPTH)
		j->depth++;
	else
		j->failed = 1;
	j->count[j->depth] = 0;
}

static void
close_(struct lb_json *j, const char *c)
{
	if (j->depth > 0)
		j->depth--;
	puts_(j, c);
}

void lb_json_obj(struct lb_json *j) { open_(j, "{"); }
void lb_json_obj_end(struct lb_json *j) { close_(j, "}"); }
void lb_json_arr(struct lb_json *j) { open_(j, "["); }
void lb_json_arr_end(struct lb_json *j) { close_(j, "]"); }

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
		n = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void
string(struct lb_json *j, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char esc[8];
	size_t n;

	put(j, "\"", 1);
	while (*p != '\0') {
		if (*p == '"' || *p == '\\') {
			put(j, "\\", 1);
			put(j, (const char *)p, 1);
			p++;
		} else if (*p == '\n' || *p == '\t' || *p == '\r') {
			puts_(j, *p == '\n' ? "\\n" : *p == '\t' ? "\\t" :
			    "\\r");
			p++;
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			puts_(j, esc);
			p++;
		} else if ((n = utf8_len(p)) == 0) {
			puts_(j, "\\ufffd");
			p++;
		} else {
			put(j, (const char *)p, n);
			p += n;
		}
	}
	put(j, "\"", 1);
}

void
lb_json_key(struct lb_json *j, const char *k)
{
	sep(j);
	string(j, k);
	put(j, ":", 1);
	j->after_key = 1;
}

void
lb_json_str(struct lb_json *j, const char *s)
{
	sep(j);
	if (s == NULL)
		puts_(j, "null");
	else
		string(j, s);
}

void
lb_json_int(struct lb_json *j, long long v)
{
	char b[32];

	sep(j);
	snprintf(b, sizeof(b), "%lld", v);
	puts_(j, b);
}

void
lb_json_num(struct lb_json *j, double v)
{
	char b[64];

	sep(j);
	snprintf(b, sizeof(b), "%.3f", v);
	puts_(j, b);
}

void
lb_json_bool(struct lb_json *j, int v)
{
	sep(j);
	puts_(j, v ? "true" : "false");
}

void
lb_json_raw(struct lb_json *j, const char *text)
{
	sep(j);
	puts_(j, text != NULL ? text : "null");
}

void
lb_json_time_or_null(struct lb_json *j, const char *key, long long t)
{
	char buf[32];

	lb_json_key(j, key);
	lb_time_iso(t, buf, sizeof(buf));
	lb_json_str(j, t < 0 ? NULL : buf);
}

void
lb_json_int_or_null(struct lb_json *j, const char *key, long long v)
{
	lb_json_key(j, key);
	if (v < 0)
		lb_json_str(j, NULL);
	else
		lb_json_int(j, v);
}

void
lb_json_bool_or_null(struct lb_json *j, const char *key, int v)
{
	lb_json_key(j, key);
	if (v < 0)
		lb_json_str(j, NULL);
	else
		lb_json_bool(j, v);
}
