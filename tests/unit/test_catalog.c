/* test_catalog.c: archive names, their times, checksum lines. */
#include "catalog.h"
#include "lbtest.h"

static long long
t_of(const char *name)
{
	long long t = -1;

	if (lb_name_time(name, 0, &t) != 0)
		return -1;
	return t;
}

LB_TEST(name_time_patterns)
{
	/* 2026-11-20 03:04:05 UTC */
	const long long want = 1795143845LL, day = 1795132800LL;

	CHECK_INT(t_of("backup-2026-11-20T03-04-05.tar.gz"), want);
	CHECK_INT(t_of("backup-2026-11-20_03:04:05.tar.gz"), want);
	CHECK_INT(t_of("backup-2026-11-20-03-04-05.tar.gz"), want);
	CHECK_INT(t_of("volumes-20261120T030405Z.tar.zst"), want);
	CHECK_INT(t_of("volumes-20261120030405.tar"), want);
	CHECK_INT(t_of("nightly-2026-11-20.tgz"), day);
	CHECK_INT(t_of("nightly_20261120.tar.xz"), day);
}

LB_TEST(name_time_rejects_what_is_not_a_date)
{
	CHECK_INT(t_of("backup.tar.gz"), -1);
	CHECK_INT(t_of("backup-2026-13-20.tar.gz"), -1);
	CHECK_INT(t_of("backup-2026-11-32.tar.gz"), -1);
	/* digits inside a longer number are not a date */
	CHECK_INT(t_of("x123456789012.tar"), -1);
	/* a mismatched separator falls back to the date alone */
	CHECK_INT(t_of("b-2026-11-20T03-04:05.tar"), 1795132800LL);
}

LB_TEST(archive_suffixes)
{
	CHECK(lb_is_archive_name("a.tar"));
	CHECK(lb_is_archive_name("a.tar.gz"));
	CHECK(lb_is_archive_name("a.tgz"));
	CHECK(lb_is_archive_name("a.tar.zst"));
	CHECK(lb_is_archive_name("a.tzst"));
	CHECK(lb_is_archive_name("a.tar.xz"));
	CHECK(lb_is_archive_name("a.txz"));
	CHECK(!lb_is_archive_name("a.tar.gz.sha256"));
	CHECK(!lb_is_archive_name("a.zip"));
	CHECK(!lb_is_archive_name(".tar"));
	CHECK_INT(lb_archive_kind("a.tar.gz"), LB_ARCHIVE_PLAIN);
	CHECK_INT(lb_archive_kind("a.tar.gz.age"), LB_ARCHIVE_AGE);
	CHECK_INT(lb_archive_kind("a.tar.zst.age"), LB_ARCHIVE_AGE);
	CHECK_INT(lb_archive_kind("a.tar.age"), LB_ARCHIVE_AGE);
	CHECK_INT(lb_archive_kind("a.tgz.age"), LB_ARCHIVE_AGE);
	CHECK_INT(lb_archive_kind("a.tar.gz.gpg"), LB_ARCHIVE_GPG);
	CHECK_INT(lb_archive_kind("a.tar.gz.age.sha256"), LB_ARCHIVE_NONE);
	CHECK_INT(lb_archive_kind("a.txt.age"), LB_ARCHIVE_NONE);
	CHECK_INT(lb_archive_kind(".tar.age"), LB_ARCHIVE_NONE);
}

#define H "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

LB_TEST(sum_forms)
{
	char hex[65], why[256];

	CHECK_INT(lb_sum_lookup(H "  a.tar.gz\n", "a.tar.gz", 1, hex, why,
	    sizeof(why)), 0);
	CHECK_STR(hex, H);
	CHECK_INT(lb_sum_lookup(H " *a.tar.gz\n", "a.tar.gz", 1, hex, why,
	    sizeof(why)), 0);
	CHECK_INT(lb_sum_lookup("SHA256 (a.tar.gz) = " H "\n", "a.tar.gz", 1,
	    hex, why, sizeof(why)), 0);
	CHECK_INT(lb_sum_lookup(H "\n", "a.tar.gz", 1, hex, why, sizeof(why)),
	    0);
	/* a path in the line: its base name counts; uppercase hex is read */
	CHECK_INT(lb_sum_lookup("0123456789ABCDEF0123456789abcdef0123456789"
	    "abcdef0123456789abcdef  /srv/b/a.tar.gz\r\n", "a.tar.gz", 1, hex,
	    why, sizeof(why)), 0);
	CHECK_STR(hex, H);
}

LB_TEST(sum_sidecar_errors_say_why)
{
	char hex[65], why[256];

	CHECK_INT(lb_sum_lookup(H "  other.tar.gz\n", "a.tar.gz", 1, hex, why,
	    sizeof(why)), -1);
	CHECK(strstr(why, "names another file") != NULL);
	CHECK_INT(lb_sum_lookup("0123  a.tar.gz\n", "a.tar.gz", 1, hex, why,
	    sizeof(why)), -1);
	CHECK(strstr(why, "malformed") != NULL);
	CHECK_INT(lb_sum_lookup("", "a.tar.gz", 1, hex, why, sizeof(why)), -1);
	CHECK(strstr(why, "empty") != NULL);
}

LB_TEST(sum_file_finds_its_line)
{
	char hex[65], why[256];
	const char *sums =
	    "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
	    "  b.tar.gz\n"
	    "garbage line\n" H "  a.tar.gz\n";

	CHECK_INT(lb_sum_lookup(sums, "a.tar.gz", 0, hex, why, sizeof(why)), 0);
	CHECK_STR(hex, H);
	CHECK_INT(lb_sum_lookup(sums, "c.tar.gz", 0, hex, why, sizeof(why)), -1);
	/* a bare digest in SHA256SUMS names nothing */
	CHECK_INT(lb_sum_lookup(H "\n", "a.tar.gz", 0, hex, why, sizeof(why)),
	    -1);
}
