/*
 * err.c: the engine's error record (see lb.h). Messages are formatted once,
 * bounded, where the error happens, because only there is the subject known.
 */
#include <stdio.h>
#include <string.h>

#include "lb.h"

int
lb_err_set(struct lb_err *err, int code, int errnum, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL)
		return code;
	err->code = code;
	err->errnum = errnum;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		err->msg[0] = '\0';
	if (errnum != 0 && n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s",
		    strerror(errnum));
	return code;
}

void
lb_err_clear(struct lb_err *err)
{
	if (err == NULL)
		return;
	err->code = LB_OK;
	err->errnum = 0;
	err->msg[0] = '\0';
}
