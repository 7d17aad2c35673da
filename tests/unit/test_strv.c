/*
 * test_strv.c: string vectors, and the remote command line of ssh.c
 * (quoted only where a shell would read a word otherwise).
 */
#include <stdlib.h>
#include <string.h>

#include "lbtest.h"
#include "ssh.h"
#include "strv.h"

LB_TEST(strv_adds_splits_and_stays_null_terminated)
{
	struct lb_strv s = { NULL, 0 };
	struct lb_err err;

	CHECK(lb_strv_add(&s, "ssh") == 0);
	CHECK(lb_strv_words(&s, "-o 'A B' \"c\\\"d\"", &err) == LB_OK);
	CHECK(lb_strv_words(&s, "   ", &err) == LB_OK);
	CHECK(lb_strv_words(&s, NULL, &err) == LB_OK);
	CHECK_INT((long long)s.n, 4);
	CHECK_STR(s.v[1], "-o");
	CHECK_STR(s.v[2], "A B");
	CHECK_STR(s.v[3], "c\"d");
	CHECK(s.v[4] == NULL);
	CHECK(lb_strv_words(&s, "'open", &err) == LB_EUSAGE);
	CHECK(strstr(err.msg, "unterminated") != NULL);
	CHECK_INT((long long)s.n, 4);
	lb_strv_release(&s, 1);
	CHECK(s.v == NULL && s.n == 0);
}

LB_TEST(ssh_line_quotes_only_what_a_shell_would_split)
{
	char *w[] = { "lifeboat", "-c", "-", "--dest", "/a b/c", "it's", "",
		"x=1,y@z:%+" };
	char *line = lb_ssh_line(w, sizeof(w) / sizeof(w[0]));

	CHECK_STR(line, "lifeboat -c - --dest '/a b/c' 'it'\\''s' '' "
	    "x=1,y@z:%+");
	free(line);
}
