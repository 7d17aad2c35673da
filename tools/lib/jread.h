/*
 * jread.h: reading JSON back: the reports lifeboat writes (a remote
 * restore's --json output, collected by 'lifeboat handoff'). None of the
 * pinned libraries reads JSON, and the documents are our own and small, so
 * this is a strict RFC 8259 parser into a tree, with a depth limit.
 */
#ifndef LB_JREAD_H
#define LB_JREAD_H

#include <stddef.h>

enum lb_jtype { LB_JNULL, LB_JBOOL, LB_JNUM, LB_JSTR, LB_JARR, LB_JOBJ };

/* One value. Members of an object or elements of an array are a list
 * through child/next; a member has its name in key. Owned by the root. */
struct lb_jval {
	enum lb_jtype type;
	int boolean;		/* LB_JBOOL */
	double num;		/* LB_JNUM */
	char *str;		/* LB_JSTR: UTF-8, NUL-terminated (a \u0000
				   in the text is refused) */
	char *key;		/* member name inside an object, else NULL */
	struct lb_jval *child;	/* first member or element */
	struct lb_jval *next;	/* next sibling */
};

/* Parse text[0..len) (exactly one value, whitespace around it allowed) into
 * *out. Returns 0 (why set to ""), or -1 with *out NULL and a one-line
 * reason in why ("line 3: expected ':' after a member name", or "out of
 * memory"); why may be NULL if whylen is 0. text need not be NUL-terminated.
 * Refused besides what RFC 8259 forbids: nesting deeper than 64, a number
 * beyond the range of a double, a byte order mark. */
int lb_jread_parse(const char *text, size_t len, struct lb_jval **out,
    char *why, size_t whylen);

/* The value at a dotted path of member names ("archive.time"), or NULL
 * (also when v is NULL). The empty path is v itself. A name cannot contain a
 * dot. Where a name repeats in an object, the first member counts. */
const struct lb_jval *lb_jread_get(const struct lb_jval *v, const char *path);

/* Typed look-ups: the string (NULL if absent or not a string), the number
 * (dflt if absent or not a number). */
const char *lb_jread_str(const struct lb_jval *v, const char *path);
double lb_jread_num(const struct lb_jval *v, const char *path, double dflt);
/* A whole number within +-2^53 (exact in a double and a long long), else
 * dflt: converting a bigger double would be undefined behaviour. */
long long lb_jread_int(const struct lb_jval *v, const char *path,
    long long dflt);

/* Free a tree; NULL is fine. */
void lb_jread_free(struct lb_jval *v);

#endif
