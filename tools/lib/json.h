/*
 * json.h: a small JSON writer into a growing buffer, for reports that go
 * both to stdout and into a file. Commas are managed by nesting level.
 */
#ifndef LB_JSON_H
#define LB_JSON_H

#include <stddef.h>

#define LB_JSON_DEPTH 16

struct lb_json {
	char *buf;
	size_t len, cap;
	int failed;		/* out of memory: the text is incomplete */
	int depth;
	int count[LB_JSON_DEPTH];	/* values written at each level */
	int after_key;
};

void lb_json_init(struct lb_json *j);
void lb_json_release(struct lb_json *j);
void lb_json_obj(struct lb_json *j);
void lb_json_obj_end(struct lb_json *j);
void lb_json_arr(struct lb_json *j);
void lb_json_arr_end(struct lb_json *j);
void lb_json_key(struct lb_json *j, const char *k);
void lb_json_str(struct lb_json *j, const char *s);	/* NULL -> null */
void lb_json_int(struct lb_json *j, long long v);
void lb_json_num(struct lb_json *j, double v);		/* 3 decimals */
void lb_json_bool(struct lb_json *j, int v);
/* A value already written as JSON (by another lb_json), as it is. */
void lb_json_raw(struct lb_json *j, const char *text);

/* key, then a value or null: a time (seconds, ISO 8601) or a count when
 * not negative, a boolean when 0 or 1 (-1: unknown). */
void lb_json_time_or_null(struct lb_json *j, const char *key, long long t);
void lb_json_int_or_null(struct lb_json *j, const char *key, long long v);
void lb_json_bool_or_null(struct lb_json *j, const char *key, int v);

#endif
