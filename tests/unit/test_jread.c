/*
 * test_jread.c: the JSON reader. Refusals are checked by their exact message,
 * so that a refusal for the wrong reason (or on the wrong line) fails too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jread.h"
#include "json.h"
#include "lbtest.h"

/*
 * Every parse reads a copy of exactly len bytes on the heap, with no NUL
 * after it, so that AddressSanitizer sees any read past the end.
 */
static char *
copy(const char *text, size_t len)
{
	char *s;

	if ((s = malloc(len > 0 ? len : 1)) != NULL && len > 0)
		memcpy(s, text, len);
	return s;
}

/* The tree for text, or NULL after recording why as a failure. */
static struct lb_jval *
parsed(const char *text, size_t len, const char *file, int line)
{
	struct lb_jval *v = NULL;
	char why[256], *s;
	int rc;

	if ((s = copy(text, len)) == NULL) {
		lbt_fail(file, line, "out of memory");
		return NULL;
	}
	rc = lb_jread_parse(s, len, &v, why, sizeof(why));
	free(s);
	if (rc != 0) {
		lbt_fail(file, line, "refused: %s", why);
		return NULL;
	}
	if (v == NULL || why[0] != '\0') {
		lbt_fail(file, line, "accepted, but why is \"%s\"", why);
		lb_jread_free(v);
		return NULL;
	}
	return v;
}

/*
 * Parse text and hand the tree to check, then free it: a CHECK that fails
 * returns from check only, so nothing leaks.
 */
static void
with(const char *text, size_t len, void (*check)(const struct lb_jval *),
    const char *file, int line)
{
	struct lb_jval *v;

	if ((v = parsed(text, len, file, line)) == NULL)
		return;
	check(v);
	lb_jread_free(v);
}

#define WITH(lit, check) with(lit, sizeof(lit) - 1, check, __FILE__, __LINE__)

/* Whether text is the string want, saying what it was if not. */
static int
decodes(const char *text, size_t len, const char *want, const char *file,
    int line)
{
	struct lb_jval *v;
	int ok;

	if ((v = parsed(text, len, file, line)) == NULL)
		return 0;
	ok = v->type == LB_JSTR && strcmp(v->str, want) == 0;
	if (!ok)
		lbt_fail(file, line, "decoded to \"%s\"",
		    v->type == LB_JSTR ? v->str : "(not a string)");
	lb_jread_free(v);
	return ok;
}

#define DECODES(lit, want) decodes(lit, sizeof(lit) - 1, want, __FILE__, \
	__LINE__)

/* The message for refused text, or a note on what happened instead, so
 * that CHECK_STR shows it. */
static const char *
refusal(const char *text, size_t len)
{
	static char why[256];
	struct lb_jval *v = NULL;
	char *s;
	int rc;

	if ((s = copy(text, len)) == NULL)
		return "(out of memory)";
	rc = lb_jread_parse(s, len, &v, why, sizeof(why));
	free(s);
	if (rc == 0) {
		lb_jread_free(v);
		return "(accepted)";
	}
	if (v != NULL) {
		lb_jread_free(v);
		return "(refused, but *out was set)";
	}
	return why;
}

#define REFUSED(lit) refusal(lit, sizeof(lit) - 1)

static int
count(const struct lb_jval *v)
{
	int n = 0;

	for (v = v->child; v != NULL; v = v->next)
		n++;
	return n;
}

/* n arrays (or objects with one member "a") inside each other. */
static char *
nested(int n, int objects)
{
	char *s, *p;
	int i;

	if ((s = malloc((size_t)n * 6 + 2)) == NULL)
		return NULL;
	p = s;
	for (i = 0; i < n; i++) {
		if (objects) {
			memcpy(p, "{\"a\":", 5);
			p += 5;
		} else
			*p++ = '[';
	}
	*p++ = '1';
	for (i = 0; i < n; i++)
		*p++ = objects ? '}' : ']';
	*p = '\0';
	return s;
}

static const char report[] =
    "{\n"
    "  \"result\": \"ok\",\n"
    "  \"mode\": \"restore\",\n"
    "  \"dry_run\": false,\n"
    "  \"archive\": {\n"
    "    \"name\": \"host-2024-05-01.tar.zst\",\n"
    "    \"size\": 1048576,\n"
    "    \"verified\": true,\n"
    "    \"time\": \"2024-05-01T03:00:00Z\",\n"
    "    \"age_seconds\": -12\n"
    "  },\n"
    "  \"layout\": null,\n"
    "  \"rejected\": [],\n"
    "  \"volumes\": [\n"
    "    {\"name\": \"db\", \"files\": 12, \"priority\": 0},\n"
    "    {\"name\": \"web\", \"files\": 3, \"priority\": null}\n"
    "  ],\n"
    "  \"timings\": {\"select\": 0.125, \"transfer\": 12.5,"
    " \"commit\": 0.25, \"total\": 12.875}\n"
    "}\n";

static void
check_report(const struct lb_jval *v)
{
	const struct lb_jval *a, *e;

	CHECK_INT(v->type, LB_JOBJ);
	CHECK(lb_jread_get(v, "") == v);
	CHECK(lb_jread_get(v, NULL) == NULL);
	CHECK_STR(lb_jread_str(v, "result"), "ok");
	CHECK_STR(lb_jread_str(v, "archive.time"), "2024-05-01T03:00:00Z");
	CHECK_STR(lb_jread_str(v, "archive.name"), "host-2024-05-01.tar.zst");
	CHECK(lb_jread_num(v, "archive.size", -1) == 1048576);
	CHECK(lb_jread_num(v, "archive.age_seconds", 0) == -12);
	CHECK(lb_jread_num(v, "timings.total", -1) == 12.875);
	CHECK(lb_jread_num(v, "timings.select", -1) == 0.125);
	CHECK((a = lb_jread_get(v, "archive.verified")) != NULL);
	CHECK_INT(a->type, LB_JBOOL);
	CHECK_INT(a->boolean, 1);
	CHECK((a = lb_jread_get(v, "dry_run")) != NULL);
	CHECK_INT(a->type, LB_JBOOL);
	CHECK_INT(a->boolean, 0);
	CHECK((a = lb_jread_get(v, "layout")) != NULL);
	CHECK_INT(a->type, LB_JNULL);
	CHECK((a = lb_jread_get(v, "rejected")) != NULL);
	CHECK_INT(a->type, LB_JARR);
	CHECK(a->child == NULL);

	/* Array elements are reached through child/next, in order. */
	CHECK((a = lb_jread_get(v, "volumes")) != NULL);
	CHECK_INT(a->type, LB_JARR);
	CHECK_INT(count(a), 2);
	e = a->child;
	CHECK(e->key == NULL);
	CHECK_STR(lb_jread_str(e, "name"), "db");
	CHECK(lb_jread_num(e, "priority", -1) == 0);
	CHECK_STR(lb_jread_str(e->next, "name"), "web");
	CHECK(lb_jread_num(e->next, "files", -1) == 3);
	CHECK(lb_jread_num(e->next, "priority", -1) == -1);
	CHECK((a = lb_jread_get(v, "archive")) != NULL);
	CHECK_INT(count(a), 5);
	CHECK_STR(a->key, "archive");
	CHECK_STR(a->child->key, "name");

	/* Missing, or there but of another type. */
	CHECK(lb_jread_get(v, "archive.nope") == NULL);
	CHECK(lb_jread_get(v, "nope") == NULL);
	CHECK(lb_jread_get(v, "nope.time") == NULL);
	CHECK(lb_jread_get(v, "result.x") == NULL);
	CHECK(lb_jread_get(v, "volumes.name") == NULL);
	CHECK(lb_jread_get(v, "archive.time.x") == NULL);
	CHECK(lb_jread_get(v, "arch") == NULL);
	CHECK(lb_jread_get(v, "archivex") == NULL);
	CHECK(lb_jread_get(v, "archive.") == NULL);
	CHECK(lb_jread_get(NULL, "archive") == NULL);
	CHECK(lb_jread_get(NULL, "") == NULL);
	CHECK(lb_jread_str(v, "timings.total") == NULL);
	CHECK(lb_jread_str(v, "layout") == NULL);
	CHECK(lb_jread_str(v, "archive") == NULL);
	CHECK(lb_jread_str(v, "archive.missing") == NULL);
	CHECK(lb_jread_num(v, "archive.time", -7) == -7);
	CHECK(lb_jread_num(v, "timings.missing", -7) == -7);
	CHECK(lb_jread_num(v, "layout", -7) == -7);
	CHECK(lb_jread_num(NULL, "timings.total", -7) == -7);
}

LB_TEST(jread_report_lookups)
{
	WITH(report, check_report);
	lb_jread_free(NULL);
}

static void
check_written(const struct lb_jval *v)
{
	const struct lb_jval *n;

	CHECK_STR(lb_jread_str(v, "s"), "q\"b\\\n\t\r\x01/\x7f" "caf\xc3\xa9");
	CHECK_STR(lb_jread_str(v, "bad"), "\xef\xbf\xbd" "ok");
	CHECK((n = lb_jread_get(v, "n")) != NULL);
	CHECK_INT(count(n), 3);
	CHECK(n->child->num == -3);
	CHECK(n->child->next->num == 2.5);
	CHECK_INT(n->child->next->next->type, LB_JNULL);
}

/* What lb_json writes, including the bytes it has to replace, reads back. */
LB_TEST(jread_reads_lb_json_output)
{
	struct lb_json j;

	lb_json_init(&j);
	lb_json_obj(&j);
	lb_json_key(&j, "s");
	lb_json_str(&j, "q\"b\\\n\t\r\x01/\x7f" "caf\xc3\xa9");
	lb_json_key(&j, "bad");
	lb_json_str(&j, "\xff" "ok");
	lb_json_key(&j, "n");
	lb_json_arr(&j);
	lb_json_int(&j, -3);
	lb_json_num(&j, 2.5);
	lb_json_str(&j, NULL);
	lb_json_arr_end(&j);
	lb_json_obj_end(&j);
	if (j.failed) {
		lb_json_release(&j);
		lbt_fail(__FILE__, __LINE__, "lb_json ran out of memory");
		return;
	}
	with(j.buf, j.len, check_written, __FILE__, __LINE__);
	lb_json_release(&j);
}

static void
check_true(const struct lb_jval *v)
{
	CHECK_INT(v->type, LB_JBOOL);
	CHECK_INT(v->boolean, 1);
	CHECK(v->key == NULL && v->child == NULL && v->next == NULL);
}

static void
check_false(const struct lb_jval *v)
{
	CHECK_INT(v->type, LB_JBOOL);
	CHECK_INT(v->boolean, 0);
}

static void
check_null(const struct lb_jval *v)
{
	CHECK_INT(v->type, LB_JNULL);
}

static void
check_empty_obj(const struct lb_jval *v)
{
	CHECK_INT(v->type, LB_JOBJ);
	CHECK(v->child == NULL);
}

static void
check_empty_arr(const struct lb_jval *v)
{
	CHECK_INT(v->type, LB_JARR);
	CHECK(v->child == NULL);
}

static void
check_12(const struct lb_jval *v)
{
	CHECK_INT(v->type, LB_JNUM);
	CHECK(v->num == 12);
}

LB_TEST(jread_scalars_at_the_top)
{
	WITH(" \t\r\n true \n", check_true);
	WITH("false", check_false);
	WITH("null", check_null);
	WITH("{ }", check_empty_obj);
	WITH("[\n]", check_empty_arr);
	CHECK(DECODES("\"\"", ""));
	/* Only len bytes are read. */
	with("12345", 2, check_12, __FILE__, __LINE__);
	CHECK_STR(refusal("true", 3), "line 1: expected a value");
	CHECK_STR(refusal("\"ab\"", 3), "line 1: unterminated string");
}

/* Whether text is the number want. */
static int
num_is(const char *text, double want)
{
	struct lb_jval *v = NULL;
	size_t len = strlen(text);
	char *s;
	int ok;

	if ((s = copy(text, len)) == NULL)
		return 0;
	ok = lb_jread_parse(s, len, &v, NULL, 0) == 0 &&
	    v->type == LB_JNUM && v->num == want;
	free(s);
	lb_jread_free(v);
	return ok;
}

LB_TEST(jread_numbers)
{
	char big[128];

	CHECK(num_is("0", 0));
	CHECK(num_is("-0", 0));
	CHECK(num_is("7", 7));
	CHECK(num_is("-12", -12));
	CHECK(num_is("1.5", 1.5));
	CHECK(num_is("0.125", 0.125));
	CHECK(num_is("1.5e3", 1500));
	CHECK(num_is("1.5E+3", 1500));
	CHECK(num_is("-2.5e-2", -0.025));
	CHECK(num_is("1e2", 100));
	CHECK(num_is("0e0", 0));
	CHECK(num_is("123456789012", 123456789012.0));
	CHECK(num_is("[5]", 0) == 0);
	/* Underflow is a value near zero; overflow has no value. */
	CHECK(num_is("1e-999", 0));
	CHECK_STR(REFUSED("1e999"), "line 1: number out of range");
	CHECK_STR(REFUSED("[-1e999]"), "line 1: number out of range");
	/* Longer than the parser's stack buffer. */
	memset(big, '0', 101);
	big[0] = '1';
	big[101] = '\0';
	CHECK(num_is(big, 1e100));
}

LB_TEST(jread_number_grammar_refused)
{
	CHECK_STR(REFUSED("01"), "line 1: leading zero in a number");
	CHECK_STR(REFUSED("-01"), "line 1: leading zero in a number");
	CHECK_STR(REFUSED("00"), "line 1: leading zero in a number");
	CHECK_STR(REFUSED("1."),
	    "line 1: expected a digit after '.' in a number");
	CHECK_STR(REFUSED("1.e3"),
	    "line 1: expected a digit after '.' in a number");
	CHECK_STR(REFUSED("-"), "line 1: expected a digit after '-'");
	CHECK_STR(REFUSED("-.5"), "line 1: expected a digit after '-'");
	CHECK_STR(REFUSED(".5"), "line 1: expected a value");
	CHECK_STR(REFUSED("+1"), "line 1: expected a value");
	CHECK_STR(REFUSED("1e"),
	    "line 1: expected a digit in the exponent of a number");
	CHECK_STR(REFUSED("1e+"),
	    "line 1: expected a digit in the exponent of a number");
	CHECK_STR(REFUSED("0x10"), "line 1: unexpected text after the value");
	CHECK_STR(REFUSED("NaN"), "line 1: expected a value");
	CHECK_STR(REFUSED("Infinity"), "line 1: expected a value");
	CHECK_STR(REFUSED("-Infinity"), "line 1: expected a digit after '-'");
}

static void
check_key_escapes(const struct lb_jval *v)
{
	CHECK(v->child != NULL);
	CHECK_STR(v->child->key, "a.b\n");
	CHECK(v->child->num == 1);
}

LB_TEST(jread_escapes)
{
	CHECK(DECODES("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t"));
	CHECK(DECODES("\"\\u0041\\u00e9\\u00E9\\u20ac\\u0001\\u007f\"",
	    "A\xc3\xa9\xc3\xa9\xe2\x82\xac\x01\x7f"));
	/* The edges of each UTF-8 length. */
	CHECK(DECODES("\"\\u007f\\u0080\\u07ff\\u0800\\uffff\"",
	    "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"));
	/* In a member name too. */
	WITH("{\"a\\u002eb\\n\": 1}", check_key_escapes);
}

LB_TEST(jread_surrogate_pairs)
{
	/* U+1F600 */
	CHECK(DECODES("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80"));
	/* U+10000, U+1D11E and U+10FFFF, the last one there is. */
	CHECK(DECODES("\"x\\uD800\\uDC00\\uD834\\uDD1E\\udbff\\udfffy\"",
	    "x\xf0\x90\x80\x80\xf0\x9d\x84\x9e\xf4\x8f\xbf\xbf" "y"));
}

LB_TEST(jread_utf8_in_the_text)
{
	/* é, €, U+1F600, U+D7FF, U+E000, U+10FFFF and DEL, as they are. */
	CHECK(DECODES("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\x9f\xbf"
	    "\xee\x80\x80\xf4\x8f\xbf\xbf\x7f\"",
	    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\x9f\xbf"
	    "\xee\x80\x80\xf4\x8f\xbf\xbf\x7f"));

	CHECK_STR(REFUSED("\"\xff\""), "line 1: invalid utf-8 in a string");
	CHECK_STR(REFUSED("\"a\x80\""), "line 1: invalid utf-8 in a string");
	/* Overlong '/' and overlong U+0000. */
	CHECK_STR(REFUSED("\"\xc0\xaf\""), "line 1: invalid utf-8 in a string");
	CHECK_STR(REFUSED("\"\xc1\xbf\""), "line 1: invalid utf-8 in a string");
	CHECK_STR(REFUSED("\"\xe0\x80\x80\""),
	    "line 1: invalid utf-8 in a string");
	CHECK_STR(REFUSED("\"\xf0\x80\x80\x80\""),
	    "line 1: invalid utf-8 in a string");
	/* An encoded surrogate, past U+10FFFF, a 5-byte form. */
	CHECK_STR(REFUSED("\"\xed\xa0\x80\""),
	    "line 1: invalid utf-8 in a string");
	CHECK_STR(REFUSED("\"\xf4\x90\x80\x80\""),
	    "line 1: invalid utf-8 in a string");
	CHECK_STR(REFUSED("\"\xf8\x88\x80\x80\x80\""),
	    "line 1: invalid utf-8 in a string");
	/* Cut short, before the quote and by the end of the text. */
	CHECK_STR(REFUSED("\"\xe2\x82\""), "line 1: invalid utf-8 in a string");
	CHECK_STR(REFUSED("\"\xe2\x82"), "line 1: invalid utf-8 in a string");
	CHECK_STR(refusal("\"\xe2\x82\xac\"", 3),
	    "line 1: invalid utf-8 in a string");
	/* Outside strings only ASCII belongs, and no byte order mark. */
	CHECK_STR(REFUSED("\xff"), "line 1: expected a value");
	CHECK_STR(REFUSED("\xef\xbb\xbf{}"), "line 1: expected a value");
	CHECK_STR(REFUSED("[1,\xc2\xa0" "2]"), "line 1: expected a value");
}

LB_TEST(jread_strings_refused)
{
	CHECK_STR(REFUSED("\"abc"), "line 1: unterminated string");
	CHECK_STR(REFUSED("\""), "line 1: unterminated string");
	CHECK_STR(REFUSED("\"abc\\"), "line 1: unterminated string");
	CHECK_STR(REFUSED("[\"abc\\\"]"), "line 1: unterminated string");
	CHECK_STR(REFUSED("\"\\x\""),
	    "line 1: invalid escape '\\x' in a string");
	CHECK_STR(REFUSED("\"\\'\""),
	    "line 1: invalid escape '\\'' in a string");
	CHECK_STR(REFUSED("\"\\U0041\""),
	    "line 1: invalid escape '\\U' in a string");
	CHECK_STR(REFUSED("\"\\\x01\""), "line 1: invalid escape in a string");
	CHECK_STR(REFUSED("\"\\u12\""),
	    "line 1: expected four hex digits after \\u");
	CHECK_STR(REFUSED("\"\\u12G4\""),
	    "line 1: expected four hex digits after \\u");
	CHECK_STR(REFUSED("\"\\u"),
	    "line 1: expected four hex digits after \\u");
	CHECK_STR(REFUSED("\"\\u0000\""),
	    "line 1: \\u0000 is not allowed in a string");
	/* Surrogates: low alone, high alone or before something else. */
	CHECK_STR(REFUSED("\"\\udc00\""),
	    "line 1: unpaired surrogate \\udc00 in a string");
	CHECK_STR(REFUSED("\"\\uDFFF\""),
	    "line 1: unpaired surrogate \\udfff in a string");
	CHECK_STR(REFUSED("\"\\ud800\""),
	    "line 1: unpaired surrogate \\ud800 in a string");
	CHECK_STR(REFUSED("\"\\ud83dx\""),
	    "line 1: unpaired surrogate \\ud83d in a string");
	CHECK_STR(REFUSED("\"\\ud83d\\n\""),
	    "line 1: unpaired surrogate \\ud83d in a string");
	CHECK_STR(REFUSED("\"\\ud83d\\u0041\""),
	    "line 1: unpaired surrogate \\ud83d in a string");
	CHECK_STR(REFUSED("\"\\ud83d\\ud83d\""),
	    "line 1: unpaired surrogate \\ud83d in a string");
	CHECK_STR(REFUSED("\"\\ud83d\\u12\""),
	    "line 1: expected four hex digits after \\u");
	CHECK_STR(REFUSED("\"\\ud83d"),
	    "line 1: unpaired surrogate \\ud83d in a string");
	/* Raw control characters, NUL included; DEL is allowed (above). */
	CHECK_STR(REFUSED("\"a\tb\""),
	    "line 1: control character 0x09 in a string (must be escaped)");
	CHECK_STR(REFUSED("\"a\nb\""),
	    "line 1: control character 0x0a in a string (must be escaped)");
	CHECK_STR(REFUSED("\"a\0b\""),
	    "line 1: control character 0x00 in a string (must be escaped)");
	CHECK_STR(REFUSED("\"\x1f\""),
	    "line 1: control character 0x1f in a string (must be escaped)");
	CHECK_STR(REFUSED("{\"a\x01\":1}"),
	    "line 1: control character 0x01 in a string (must be escaped)");
}

LB_TEST(jread_structure_refused)
{
	CHECK_STR(REFUSED(""), "line 1: expected a value, found the end of the "
	    "text");
	CHECK_STR(refusal(NULL, 0), "line 1: expected a value, found the end "
	    "of the text");
	CHECK_STR(REFUSED(" \n\t"),
	    "line 2: expected a value, found the end of the text");
	CHECK_STR(REFUSED("{} x"), "line 1: unexpected text after the value");
	CHECK_STR(REFUSED("1 2"), "line 1: unexpected text after the value");
	CHECK_STR(REFUSED("[1]]"), "line 1: unexpected text after the value");
	CHECK_STR(REFUSED("\"a\"\"b\""),
	    "line 1: unexpected text after the value");
	CHECK_STR(REFUSED("truex"), "line 1: unexpected text after the value");
	CHECK_STR(REFUSED("{}\0"), "line 1: unexpected text after the value");
	CHECK_STR(REFUSED("tru"), "line 1: expected a value");
	CHECK_STR(REFUSED("nul"), "line 1: expected a value");
	CHECK_STR(REFUSED("True"), "line 1: expected a value");
	CHECK_STR(REFUSED("[1,]"), "line 1: expected a value");
	CHECK_STR(REFUSED("[,1]"), "line 1: expected a value");
	CHECK_STR(REFUSED("[1 2]"), "line 1: expected ',' or ']' after an "
	    "element");
	CHECK_STR(REFUSED("[1"), "line 1: expected ',' or ']' after an "
	    "element, found the end of the text");
	CHECK_STR(REFUSED("["), "line 1: expected a value, found the end of "
	    "the text");
	CHECK_STR(REFUSED("{\"a\":1,}"),
	    "line 1: expected a member name in quotes");
	CHECK_STR(REFUSED("{a:1}"), "line 1: expected a member name in quotes");
	CHECK_STR(REFUSED("{1:1}"), "line 1: expected a member name in quotes");
	CHECK_STR(REFUSED("{\"a\" 1}"),
	    "line 1: expected ':' after a member name");
	CHECK_STR(REFUSED("{\"a\":}"), "line 1: expected a value");
	CHECK_STR(REFUSED("{\"a\":1 \"b\":2}"),
	    "line 1: expected ',' or '}' after a member");
	CHECK_STR(REFUSED("{\"a\":1]"),
	    "line 1: expected ',' or '}' after a member");
	CHECK_STR(REFUSED("{\"a\""), "line 1: expected ':' after a member "
	    "name, found the end of the text");
	CHECK_STR(REFUSED("{"), "line 1: expected a member name in quotes, "
	    "found the end of the text");
	CHECK_STR(REFUSED("// x\n{}"), "line 1: expected a value");
	CHECK_STR(REFUSED("{}/* x */"),
	    "line 1: unexpected text after the value");
	CHECK_STR(REFUSED("['a']"), "line 1: expected a value");
	CHECK_STR(REFUSED("[1,\f2]"), "line 1: expected a value");
}

static void
check_depth_64(const struct lb_jval *v)
{
	int n = 0;

	for (; v->child != NULL; v = v->child)
		n++;
	CHECK_INT(n, 64);
	CHECK_INT(v->type, LB_JNUM);
}

static void
check_siblings(const struct lb_jval *v)
{
	CHECK_INT(count(v), 4);
}

/* Whether n levels of nesting are refused (1), accepted (0), or -1. */
static int
too_deep(int n, int objects)
{
	const char *r;
	char *s;
	int rc;

	if ((s = nested(n, objects)) == NULL)
		return -1;
	r = refusal(s, strlen(s));
	if (strcmp(r, "(accepted)") == 0) {
		with(s, strlen(s), check_depth_64, __FILE__, __LINE__);
		rc = 0;
	} else if (strcmp(r, "line 1: nested deeper than 64 levels") == 0)
		rc = 1;
	else {
		lbt_fail(__FILE__, __LINE__, "%d levels: %s", n, r);
		rc = -1;
	}
	free(s);
	return rc;
}

LB_TEST(jread_depth_limit)
{
	CHECK_INT(too_deep(64, 0), 0);
	CHECK_INT(too_deep(64, 1), 0);
	CHECK_INT(too_deep(65, 0), 1);
	CHECK_INT(too_deep(65, 1), 1);
	/* Far deeper: refused, not a crash. */
	CHECK_INT(too_deep(100000, 0), 1);
	CHECK_INT(too_deep(100000, 1), 1);
	/* Depth counts containers around a value, not siblings. */
	WITH("[[[]],[[]],{\"a\":[{}]},[]]", check_siblings);
}

LB_TEST(jread_line_numbers)
{
	CHECK_STR(REFUSED("{\n  \"a\": 1,\n  \"b\" 2\n}"),
	    "line 3: expected ':' after a member name");
	/* CRLF is one line end; a lone CR none. */
	CHECK_STR(REFUSED("{\r\n\"a\": 1,\r\n\"b\" 2\r\n}"),
	    "line 3: expected ':' after a member name");
	CHECK_STR(REFUSED("{\r\"a\": 1,\r\"b\" 2\r}"),
	    "line 1: expected ':' after a member name");
	CHECK_STR(REFUSED("[\n1,\n2,\n3\n]\n\nx"),
	    "line 7: unexpected text after the value");
	CHECK_STR(REFUSED("[1,\n\n"),
	    "line 3: expected a value, found the end of the text");
	CHECK_STR(REFUSED("[\n\"ok\",\n\"\\q\"]"),
	    "line 3: invalid escape '\\q' in a string");
	CHECK_STR(REFUSED("\n\n\n\n\"a\nb\""),
	    "line 5: control character 0x0a in a string (must be escaped)");
	CHECK_STR(REFUSED("{\n\"a\":\n01}"),
	    "line 3: leading zero in a number");
	CHECK_STR(REFUSED("\n[\n[\n\"\\ud800\"]]"),
	    "line 4: unpaired surrogate \\ud800 in a string");
}

static void
check_duplicates(const struct lb_jval *v)
{
	CHECK_INT(count(v), 4);
	CHECK(lb_jread_num(v, "a", -1) == 1);
	CHECK_STR(lb_jread_str(v, "b.c"), "x");
	CHECK_STR(v->child->next->next->key, "a");
	CHECK(v->child->next->next->num == 2);
}

/* The first of equal names wins, as lb_jread_get promises. */
LB_TEST(jread_duplicate_names)
{
	WITH("{\"a\": 1, \"b\": {\"c\": \"x\"}, \"a\": 2, "
	    "\"b\": {\"c\": \"y\"}}", check_duplicates);
}

LB_TEST(jread_why_buffer)
{
	struct lb_jval *v = NULL;
	char why[16];
	int rc, got;

	/* Cut to fit, still terminated. */
	memset(why, 'x', sizeof(why));
	CHECK_INT(lb_jread_parse("[1 2]", 5, &v, why, sizeof(why)), -1);
	CHECK(v == NULL);
	CHECK_STR(why, "line 1: expecte");
	memset(why, 'x', sizeof(why));
	CHECK_INT(lb_jread_parse("[1 2]", 5, &v, why, 4), -1);
	CHECK_STR(why, "lin");
	/* No buffer at all. */
	CHECK_INT(lb_jread_parse("[1 2]", 5, &v, NULL, 0), -1);
	CHECK(v == NULL);
	CHECK_INT(lb_jread_parse("[1 2]", 5, &v, why, 0), -1);
	CHECK_STR(why, "lin");
	/* Success leaves it empty. */
	rc = lb_jread_parse("[1]", 3, &v, why, sizeof(why));
	got = v != NULL;
	lb_jread_free(v);
	CHECK_INT(rc, 0);
	CHECK(got);
	CHECK_STR(why, "");
	CHECK_INT(lb_jread_parse("1", 1, &v, NULL, 0), 0);
	lb_jread_free(v);
}

/* Integers from outside (a manifest's counts, a listing's sizes) with no
 * undefined conversion: what a long long cannot hold exactly, or what is
 * not whole, is the default (found by fuzz_manifest: 32E68 files). */
static void
check_ints(const struct lb_jval *v)
{
	CHECK(lb_jread_int(v, "small", -1) == 12);
	CHECK(lb_jread_int(v, "neg", 0) == -5);
	CHECK(lb_jread_int(v, "big", 0) == 9007199254740992LL);
	CHECK(lb_jread_int(v, "huge", -1) == -1);
	CHECK(lb_jread_int(v, "minus_huge", -1) == -1);
	CHECK(lb_jread_int(v, "half", -1) == -1);
	CHECK(lb_jread_int(v, "str", -1) == -1);
	CHECK(lb_jread_int(v, "absent", -7) == -7);
}

LB_TEST(jread_int_bounded)
{
	WITH("{\"small\": 12, \"neg\": -5, \"big\": 9007199254740992, "
	    "\"huge\": 32E68, \"minus_huge\": -1e300, \"half\": 1.5, "
	    "\"str\": \"12\"}", check_ints);
}
