/*
 * strv.c: see strv.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "strv.h"

int
lb_strv_take(struct lb_strv *s, char *str)
{
	char **p;

	if (str == NULL)
		return -1;
	if ((p = realloc(s->v, (s->n + 2) * sizeof(*p))) == NULL) {
		free(str);
		return -1;
	}
	p[s->n++] = str;
	p[s->n] = NULL;
	s->v = p;
	return 0;
}

int
lb_strv_add(struct lb_strv *s, const char *str)
{
	return lb_strv_take(s, strdup(str));
}

int
lb_strv_words(struct lb_strv *s, const char *line, struct lb_err *err)
{
	char **w;
	size_t nw, i;
	int r;

	lb_err_clear(err);
	if (line == NULL || line[strspn(line, " \t\n")] == '\0')
		return LB_OK;
	if ((r = lb_split_words(line, &w, &nw, err)) != LB_OK)
		return r;
	for (i = 0; i < nw; i++)
		if (lb_strv_take(s, w[i]) != 0) {
			while (++i < nw)
				free(w[i]);
			free(w);
			return lb_err_set(err, LB_ENOMEM, ENOMEM,
			    "out of memory");
		}
	free(w);		/* the words now belong to s */
	return LB_OK;
}

void
lb_strv_release(struct lb_strv *s, int wipe)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (wipe)
			explicit_bzero(s->v[i], strlen(s->v[i]));
		free(s->v[i]);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
