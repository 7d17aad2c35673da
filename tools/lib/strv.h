/*
 * strv.h: growing vectors of strings (argv and environment arrays for
 * lb_proc_run, word lists from the config). One module so that the
 * engine and the command line stop growing arrays each their own way.
 */
#ifndef LB_STRV_H
#define LB_STRV_H

#include <stddef.h>

#include "lb.h"

/* v is NULL or NULL-terminated after n strings, each owned by the vector.
 * Zeroed is empty. */
struct lb_strv {
	char **v;
	size_t n;
};

/* Append a copy of s. 0, or -1 when out of memory. */
int lb_strv_add(struct lb_strv *s, const char *str);

/* Append str itself (malloc'd; the vector owns it from now on, also on
 * failure, when it is freed). */
int lb_strv_take(struct lb_strv *s, char *str);

/* Append the words of line split as lb_split_words does; nothing for NULL
 * or a blank line. 0, or LB_EUSAGE / LB_ENOMEM with err filled. */
int lb_strv_words(struct lb_strv *s, const char *line, struct lb_err *err);

/* Free the strings and the array; with wipe, their bytes are zeroed first
 * (environment arrays holding secrets). The vector is empty after. */
void lb_strv_release(struct lb_strv *s, int wipe);

#endif
