/*
 * main.c: the unit-test runner. Runs every registered test (or those whose
 * names are given as arguments) each in its own temporary directory, and
 * ends with "N passed, N failed". Exit 0 only when every test ran and
 * passed, and at least one ran.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "lbtest.h"

static struct lbt_case *cases;
static int failed_now;

void
lbt_register(struct lbt_case *c)
{
	struct lbt_case **p = &cases;

	while (*p != NULL && strcmp((*p)->name, c->name) < 0)
		p = &(*p)->next;
	c->next = *p;
	*p = c;
}

void
lbt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	failed_now = 1;
	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
wanted(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct lbt_case *c;
	char tmpl[4096], top[4096];
	const char *tmp = getenv("TMPDIR");
	int passed = 0, failed = 0;

	if (getcwd(top, sizeof(top)) == NULL) {
		perror("unit: getcwd");
		return 1;
	}
	for (c = cases; c != NULL; c = c->next) {
		if (!wanted(c->name, argc, argv))
			continue;
		snprintf(tmpl, sizeof(tmpl), "%s/lbtest.XXXXXX",
		    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		if (mkdtemp(tmpl) == NULL || chdir(tmpl) != 0) {
			perror("unit: temporary directory");
			return 1;
		}
		failed_now = 0;
		c->fn();
		if (chdir(top) != 0) {
			perror("unit: chdir");
			return 1;
		}
		nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		printf("%s %s\n", failed_now ? "FAIL" : "ok  ", c->name);
		if (failed_now)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}
