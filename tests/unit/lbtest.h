/*
 * lbtest.h: the unit-test harness. A test is a function declared with
 * LB_TEST(name); it runs in a fresh temporary directory (its cwd) and fails
 * on the first CHECK that does not hold, printing file:line and the
 * expression. The runner (main.c) ends with "N passed, N failed".
 */
#ifndef LBTEST_H
#define LBTEST_H

#include <stdio.h>
#include <string.h>

struct lbt_case {
	const char *name;
	void (*fn)(void);
	struct lbt_case *next;
};

void lbt_register(struct lbt_case *c);
/* Record a failure of the running test; returns so the macro can bail. */
void lbt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define LB_TEST(n)							\
	static void test_##n(void);					\
	static struct lbt_case case_##n = { #n, test_##n, NULL };	\
	__attribute__((constructor)) static void reg_##n(void)		\
	{ lbt_register(&case_##n); }					\
	static void test_##n(void)

#define CHECK(e) do {							\
	if (!(e)) {							\
		lbt_fail(__FILE__, __LINE__, "CHECK(%s)", #e);		\
		return;							\
	}								\
} while (0)

#define CHECK_INT(a, b) do {						\
	long long a_ = (long long)(a), b_ = (long long)(b);		\
	if (a_ != b_) {							\
		lbt_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", \
		    #a, a_, #b, b_);					\
		return;							\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *a_ = (a), *b_ = (b);				\
	if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {		\
		lbt_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", \
		    #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");	\
		return;							\
	}								\
} while (0)

#endif
