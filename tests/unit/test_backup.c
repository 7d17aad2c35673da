/* test_backup.c: backup names, retention's choice, sizes, [backup] keys. */
#include <stdlib.h>
#include <time.h>

#include "backup.h"
#include "lbtest.h"

LB_TEST(backup_names_are_parsed_back_only_from_the_pattern)
{
	char base[128];
	long long t = 0;

	CHECK(lb_backup_name_match(LB_BACKUP_NAME,
	    "lifeboat-2026-12-04T03-00-00.tar.gz", &t, base, sizeof(base)));
	CHECK_STR(base, "lifeboat-2026-12-04T03-00-00");
	CHECK_INT(t, 1796353200LL);
	CHECK(lb_backup_name_match(LB_BACKUP_NAME,
	    "lifeboat-2026-12-04T03-00-00.manifest.json", &t, base,
	    sizeof(base)));
	CHECK(lb_backup_name_match(LB_BACKUP_NAME,
	    "lifeboat-2026-12-04T03-00-00.tar.zst.sha256.minisig", &t, base,
	    sizeof(base)));
	/* what lifeboat did not write is never its own */
	CHECK(!lb_backup_name_match(LB_BACKUP_NAME,
	    "lifeboat-2026-12-04T03-00-00.tar.gz.partial", &t, base,
	    sizeof(base)));
	CHECK(!lb_backup_name_match(LB_BACKUP_NAME,
	    "lifeboat-2026-12-04T03-00.tar.gz", &t, base, sizeof(base)));
	CHECK(!lb_backup_name_match(LB_BACKUP_NAME,
	    "backup-2026-12-04T03-00-00.tar.gz", &t, base, sizeof(base)));
	CHECK(!lb_backup_name_match(LB_BACKUP_NAME, "lifeboat-notes.txt", &t,
	    base, sizeof(base)));
	CHECK(lb_backup_name_match("db_%Y%m%d%%x", "db_20261204%x.tar.gz", &t,
	    base, sizeof(base)));
	CHECK_STR(base, "db_20261204%x");
}

LB_TEST(retention_keeps_days_weeks_months_and_the_newest)
{
	/* 40 nights ending on Friday 2026-12-04 03:00 UTC */
	long long t[40];
	int keep[40], i, n = 0;

	for (i = 0; i < 40; i++)
		t[i] = 1796353200LL - (long long)(39 - i) * 86400;
	lb_retention_select(t, 40, 7, 4, 3, keep);
	for (i = 0; i < 40; i++)
		n += keep[i];
	/* 7 days (Nov 28 - Dec 4), the Sundays Nov 15 and 22 (Nov 29 is a
	 * day already), Oct 31 for October */
	CHECK_INT(n, 10);
	CHECK(keep[39] && keep[33]);		/* Dec 4, Nov 28 */
	CHECK(!keep[32]);			/* Nov 27 */
	CHECK(keep[27] && keep[20]);		/* Nov 22, Nov 15 */
	CHECK(keep[5] && !keep[4] && !keep[6]);	/* Oct 31 */
	/* nothing asked: only the newest */
	lb_retention_select(t, 40, 0, 0, 0, keep);
	for (i = 0, n = 0; i < 40; i++)
		n += keep[i];
	CHECK_INT(n, 1);
	CHECK(keep[39]);
	/* two backups on one day: the newer one is that day's */
	t[0] = t[1] + 3600;
	lb_retention_select(t, 2, 1, 0, 0, keep);
	CHECK(keep[0] && !keep[1]);
}

LB_TEST(sizes_and_backup_keys)
{
	long long b;
	char why[256];

	CHECK(lb_parse_size("256M", &b) == 0 && b == 256LL << 20);
	CHECK(lb_parse_size("1GiB", &b) == 0 && b == 1LL << 30);
	CHECK(lb_parse_size("4096", &b) == 0 && b == 4096);
	CHECK(lb_parse_size("12X", &b) != 0);
	CHECK(lb_parse_size("-1M", &b) != 0);
	CHECK(lb_backup_key_check("compression", "zstd", why, sizeof(why)) ==
	    0);
	CHECK(lb_backup_key_check("compression", "lz4", why, sizeof(why)) != 0);
	CHECK(lb_backup_key_check("name", "x-%Y-%j", why, sizeof(why)) != 0);
	CHECK(lb_backup_key_check("name", "a/%Y", why, sizeof(why)) != 0);
	CHECK(lb_backup_key_check("segment_size", "100K", why, sizeof(why)) !=
	    0);
	CHECK(lb_backup_key_check("source", "relative", why, sizeof(why)) !=
	    0);
	CHECK(lb_backup_key_check("pre", "echo 'unterminated", why,
	    sizeof(why)) != 0);
	CHECK(lb_backup_key_check("nosuch", "1", why, sizeof(why)) != 0);
	CHECK_STR(why, "unknown key 'nosuch'");
}
