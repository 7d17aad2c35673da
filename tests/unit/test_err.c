/* test_err.c: the engine's error record. */
#include <errno.h>

#include "lb.h"
#include "lbtest.h"

LB_TEST(err_set_formats_and_returns_code)
{
	struct lb_err err;

	lb_err_clear(&err);
	CHECK_INT(lb_err_set(&err, LB_EIO, 0, "cannot read '%s'", "x"), LB_EIO);
	CHECK_INT(err.code, LB_EIO);
	CHECK_STR(err.msg, "cannot read 'x'");
}

LB_TEST(err_set_appends_errno_text)
{
	struct lb_err err;

	lb_err_set(&err, LB_EIO, ENOENT, "cannot open '%s'", "a/b");
	CHECK_INT(err.errnum, ENOENT);
	CHECK(strncmp(err.msg, "cannot open 'a/b': ", 19) == 0);
	CHECK(strlen(err.msg) > 19);
}

LB_TEST(err_set_is_bounded)
{
	struct lb_err err;
	char big[2 * LB_ERR_MSG];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	lb_err_set(&err, LB_EFAIL, EIO, "%s", big);
	CHECK_INT(strlen(err.msg), LB_ERR_MSG - 1);
}

LB_TEST(err_set_accepts_null)
{
	CHECK_INT(lb_err_set(NULL, LB_EUSAGE, 0, "ignored"), LB_EUSAGE);
	lb_err_clear(NULL);
}
