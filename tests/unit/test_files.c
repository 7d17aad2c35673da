/*
 * test_files.c: the file chores of files.c: mkdir -p, the whole-file
 * replacement (its lock, links, modes) and the bounded read; the
 * booleans and times every module parses the same way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "files.h"
#include "lbtest.h"

LB_TEST(files_mkdirs_and_parent)
{
	struct stat st;

	CHECK(lb_mkdirs("a/b/c", 0750) == 0);
	CHECK(stat("a/b/c", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(lb_mkdirs("a/b/c", 0750) == 0);
	CHECK(lb_mkdirs_parent("x/y/file", 0755) == 0);
	CHECK(stat("x/y", &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(stat("x/y/file", &st) != 0);
	CHECK(lb_mkdirs_parent("bare", 0755) == 0);
}

LB_TEST(files_write_atomic_replaces_keeps_links_and_honours_a_lock)
{
	struct lb_err err;
	struct stat st;
	char *b;
	size_t n;

	CHECK(lb_write_atomic("f", "one\n", 4, 0640, &err) == LB_OK);
	CHECK(lb_read_file("f", 100, &b, &n, &err) == LB_OK);
	CHECK_STR(b, "one\n");
	free(b);
	CHECK(stat("f", &st) == 0 && (st.st_mode & 07777) == 0640);
	CHECK(symlink("f", "l") == 0);
	CHECK(lb_write_atomic("l", "two", 3, 0600, &err) == LB_OK);
	CHECK(lstat("l", &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(lb_read_file("f", 100, &b, &n, &err) == LB_OK);
	CHECK_STR(b, "two");
	CHECK_INT((long long)n, 3);
	free(b);
	/* another writer's lock: refused, the file as it was, the lock too */
	CHECK(lb_write_atomic("f.lock", "", 0, 0600, &err) == LB_OK);
	CHECK(lb_write_atomic("f", "three", 5, 0600, &err) == LB_EIO);
	CHECK(strstr(err.msg, "'f.lock' exists") != NULL);
	CHECK(strstr(err.msg, "remove it") != NULL);
	CHECK(lb_read_file("f", 100, &b, &n, &err) == LB_OK);
	CHECK_STR(b, "two");
	free(b);
	CHECK(access("f.lock", F_OK) == 0);
	/* a lock that is a link is not followed */
	CHECK(unlink("f.lock") == 0 && symlink("elsewhere", "f.lock") == 0);
	CHECK(lb_write_atomic("f", "four", 4, 0600, &err) == LB_EIO);
	CHECK(access("elsewhere", F_OK) != 0);
}

LB_TEST(files_read_is_bounded)
{
	struct lb_err err;
	char *b = NULL;
	size_t n;

	CHECK(lb_write_atomic("big", "0123456789", 10, 0600, &err) == LB_OK);
	CHECK(lb_read_file("big", 9, &b, &n, &err) == LB_EIO);
	CHECK(b == NULL);
	CHECK(strstr(err.msg, "larger than 9 bytes") != NULL);
	CHECK(lb_read_file("big", 10, &b, &n, &err) == LB_OK);
	free(b);
	CHECK(lb_read_file("none", 10, &b, &n, &err) == LB_EIO);
	CHECK_INT(err.errnum, ENOENT);
	CHECK(lb_write_atomic("empty", "", 0, 0600, &err) == LB_OK);
	CHECK(lb_read_file("empty", 10, &b, &n, &err) == LB_OK);
	CHECK(b != NULL && b[0] == '\0' && n == 0);
	free(b);
}

LB_TEST(files_home_path)
{
	char buf[64];

	setenv("HOME", "/home/ops", 1);
	lb_home_path(".aws/config", buf, sizeof(buf));
	CHECK_STR(buf, "/home/ops/.aws/config");
	setenv("HOME", "", 1);
	lb_home_path(".ssh/id_ecdsa", buf, sizeof(buf));
	CHECK_STR(buf, "/root/.ssh/id_ecdsa");
}

LB_TEST(booleans_one_parser_any_case)
{
	const char *yes[] = { "yes", "YES", "True", "on", "1" };
	const char *no[] = { "no", "False", "OFF", "0" };
	const char *bad[] = { "", "y", "2", "maybe", "yes ", NULL };
	size_t i;
	int b;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(lb_parse_bool(yes[i], &b) == LB_OK && b == 1);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(lb_parse_bool(no[i], &b) == LB_OK && b == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(lb_parse_bool(bad[i], &b) == LB_EUSAGE);
}

LB_TEST(time_iso_both_ways)
{
	char buf[32];

	lb_time_iso(1796033520LL, buf, sizeof(buf));
	CHECK_STR(buf, "2026-11-30T10:12:00Z");
	lb_time_iso(-1, buf, sizeof(buf));
	CHECK_STR(buf, "");
	CHECK_INT(lb_time_parse_iso("2026-11-30T10:12:00.000Z"), 1796033520LL);
	CHECK_INT(lb_time_parse_iso("2026-11-30T10:12:00.5"), 1796033520LL);
	CHECK_INT(lb_time_parse_iso("2026-11-30T10:12:00.Zx"), -1);
}
