/*
 * test_handoff.c: the history record and its one-line summary, and the
 * ISO time parser the hand-off reads a remote report with.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "history.h"
#include "inventory.h"
#include "jread.h"
#include "lbtest.h"

/* 2026-11-30T10:12:00Z */
#define T_1012 1796033520LL

static void
utc(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
}

static void
base(struct lb_history *h)
{
	memset(h, 0, sizeof(*h));
	h->kind = "handoff";
	h->id = "x";
	h->ok = 1;
	h->ended = T_1012;
	h->started = T_1012 - 41 * 60;
	h->archive = "backup-2026-11-30T03-00-00.tar.gz";
	h->archive_time = T_1012 - (7 * 3600 + 12 * 60);
	h->rto = 2 * 3600;
	h->rpo = 24 * 3600;
}

LB_TEST(iso_time_parses_utc)
{
	CHECK_INT(lb_time_parse_iso("2026-11-30T10:12:00Z"), T_1012);
	CHECK_INT(lb_time_parse_iso("2026-11-30T10:12:00"), T_1012);
	CHECK_INT(lb_time_parse_iso("2026-11-30 10:12:00Z"), -1);
	CHECK_INT(lb_time_parse_iso("2026-11-30T10:12:00Zjunk"), -1);
	CHECK_INT(lb_time_parse_iso(NULL), -1);
}

LB_TEST(summary_of_a_handoff_that_met_both_objectives)
{
	struct lb_history h;
	char b[512];

	utc();
	base(&h);
	lb_history_summary(&h, b, sizeof(b));
	CHECK_STR(b, "service back after 41 min (RTO 2 h: met); data from "
	    "03:00 last night, 7 h 12 min old (RPO 24 h: met)");
}

LB_TEST(summary_says_missed_and_yesterday_and_older_dates)
{
	struct lb_history h;
	char b[512];

	utc();
	base(&h);
	h.started = T_1012 - 3 * 3600;
	h.archive_time = T_1012 - 20 * 3600 - 2 * 60;	/* 14:10 yesterday */
	h.rpo = 12 * 3600;
	lb_history_summary(&h, b, sizeof(b));
	CHECK_STR(b, "service back after 3 h (RTO 2 h: MISSED); data from "
	    "14:10 yesterday, 20 h 2 min old (RPO 12 h: MISSED)");
	h.archive_time = T_1012 - 10 * 86400;
	h.rto = h.rpo = -1;
	h.kind = "restore";
	lb_history_summary(&h, b, sizeof(b));
	CHECK_STR(b, "volumes restored after 3 h; data from 2026-11-20 10:12, "
	    "10 d old");
}

LB_TEST(summary_of_a_failure_names_the_step)
{
	struct lb_history h;
	char b[512];

	utc();
	base(&h);
	h.ok = 0;
	h.failed_step = "terraform";
	h.archive_time = -1;
	lb_history_summary(&h, b, sizeof(b));
	CHECK_STR(b, "handoff failed after 41 min at terraform");
}

LB_TEST(history_json_round_trips_through_the_reader)
{
	struct lb_history h;
	struct lb_jval *v;
	char *json, why[128];

	base(&h);
	lb_history_phase(&h, "transfer", 12.5);
	lb_history_phase(&h, "terraform", 3);
	lb_history_phase(&h, "transfer", 0.5);
	CHECK(lb_history_json(&h, &json) == 0);
	CHECK(strchr(json, '\n') == NULL);
	CHECK(lb_jread_parse(json, strlen(json), &v, why, sizeof(why)) == 0);
	CHECK_STR(lb_jread_str(v, "kind"), "handoff");
	CHECK_STR(lb_jread_str(v, "result"), "ok");
	CHECK_STR(lb_jread_str(v, "ended"), "2026-11-30T10:12:00Z");
	CHECK_INT((long long)lb_jread_num(v, "phases.transfer", -1), 13);
	CHECK_INT((long long)lb_jread_num(v, "total_seconds", -1), 41 * 60);
	CHECK_INT((long long)lb_jread_num(v, "backup_age_seconds", -1),
	    7 * 3600 + 12 * 60);
	CHECK(lb_jread_get(v, "rto_met") != NULL &&
	    lb_jread_get(v, "rto_met")->type == LB_JBOOL &&
	    lb_jread_get(v, "rto_met")->boolean == 1);
	lb_jread_free(v);
	free(json);
}

LB_TEST(history_from_a_remote_restore_report)
{
	static const char rep[] = "{\"result\":\"ok\",\"archive\":{\"name\":"
	    "\"b.tar.gz\",\"time\":\"2026-11-30T10:12:00Z\",\"integrity\":"
	    "\"minisign\",\"authenticity\":\"minisign key 0123\"},"
	    "\"timings\":{\"select\":1.5,\"transfer\":20,\"commit\":0.25}}";
	struct lb_history_report keep;
	struct lb_history h;
	struct lb_jval *v;
	char why[128];

	memset(&h, 0, sizeof(h));
	lb_history_phase(&h, "wait-ssh", 3);
	CHECK(lb_jread_parse(rep, strlen(rep), &v, why, sizeof(why)) == 0);
	lb_history_from_report(&h, v, &keep);
	lb_jread_free(v);
	CHECK_STR(h.archive, "b.tar.gz");
	CHECK_STR(h.integrity, "minisign");
	CHECK_STR(h.authenticity, "minisign key 0123");
	CHECK_INT(h.archive_time, T_1012);
	CHECK_INT((long long)h.nphases, 4);
	CHECK_STR(h.phases[2].name, "transfer");
	CHECK(h.phases[2].seconds == 20 && h.phases[3].seconds == 0.25);
	/* a report without them: an unknown name and time */
	CHECK(lb_jread_parse("{}", 2, &v, why, sizeof(why)) == 0);
	lb_history_from_report(&h, v, &keep);
	lb_jread_free(v);
	CHECK_STR(h.archive, "?");
	CHECK_STR(h.integrity, "none");
	CHECK_INT(h.archive_time, -1);
}

LB_TEST(history_append_makes_the_directory_and_appends_lines)
{
	struct lb_err err;
	char buf[64];
	FILE *f;
	size_t n;

	CHECK(lb_history_append("a/b/h.jsonl", "{\"n\":1}", &err) == LB_OK);
	CHECK(lb_history_append("a/b/h.jsonl", "{\"n\":2}", &err) == LB_OK);
	CHECK((f = fopen("a/b/h.jsonl", "r")) != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	CHECK_STR(buf, "{\"n\":1}\n{\"n\":2}\n");
}

/* Write s to path. */
static void
put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(s, f);
		fclose(f);
	}
}

/* The whole of path, or "" (a static buffer). */
static const char *
get(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

#define HOST "vps ansible_host=192.0.2.7 ansible_user=debian"

LB_TEST(inventory_missing_is_refused_never_made)
{
	struct lb_err err;
	struct stat st;
	int ch;

	CHECK(lb_inventory_update("ansible/inv.ini", "docker_hosts", HOST, &ch,
	    &err) == LB_EIO);
	CHECK(strstr(err.msg, "inventory 'ansible/inv.ini' does not exist") !=
	    NULL);
	CHECK_INT(ch, 0);
	CHECK(stat("ansible", &st) != 0 && errno == ENOENT);
	put("empty.ini", "");
	CHECK(lb_inventory_update("empty.ini", "docker_hosts", HOST, &ch,
	    &err) == LB_OK);
	CHECK_INT(ch, 1);
	CHECK_STR(get("empty.ini"), "[docker_hosts]\n" HOST "\n");
	CHECK(lb_inventory_update("empty.ini", "docker_hosts", HOST, &ch,
	    &err) == LB_OK);
	CHECK_INT(ch, 0);
}

LB_TEST(inventory_replaces_in_place_keeps_the_rest)
{
	struct lb_err err;
	int ch;

	put("i", "# top\n[docker_hosts:vars]\nvps=1\n\n[docker_hosts]\n"
	    "spare ansible_host=1\nvps ansible_host=198.51.100.4\n"
	    "# comment\n\n[web]\nvps ansible_host=9\n");
	CHECK(lb_inventory_update("i", "docker_hosts", HOST, &ch, &err) ==
	    LB_OK);
	CHECK_STR(get("i"), "# top\n[docker_hosts:vars]\nvps=1\n\n"
	    "[docker_hosts]\nspare ansible_host=1\n" HOST "\n# comment\n\n"
	    "[web]\nvps ansible_host=9\n");
}

LB_TEST(inventory_appends_to_the_section_and_drops_duplicates)
{
	struct lb_err err;
	int ch;

	put("a", "[docker_hosts]\nspare x=1\n\n# trailing\n[other]\nh\n");
	CHECK(lb_inventory_update("a", "docker_hosts", HOST, &ch, &err) ==
	    LB_OK);
	CHECK_STR(get("a"), "[docker_hosts]\nspare x=1\n" HOST "\n\n"
	    "# trailing\n[other]\nh\n");
	put("d", "[docker_hosts]\nvps ansible_host=1\nspare\n"
	    "vps ansible_host=3\n");
	CHECK(lb_inventory_update("d", "docker_hosts", HOST, &ch, &err) ==
	    LB_OK);
	CHECK_STR(get("d"), "[docker_hosts]\n" HOST "\nspare\n");
}

LB_TEST(inventory_keeps_crlf_and_a_missing_last_newline)
{
	struct lb_err err;
	int ch;

	put("c", "[docker_hosts]\r\nspare\r\n");
	CHECK(lb_inventory_update("c", "docker_hosts", HOST, &ch, &err) ==
	    LB_OK);
	CHECK_STR(get("c"), "[docker_hosts]\r\nspare\r\n" HOST "\r\n");
	put("n", "[other]\nh");
	CHECK(lb_inventory_update("n", "docker_hosts", HOST, &ch, &err) ==
	    LB_OK);
	CHECK_STR(get("n"), "[other]\nh\n\n[docker_hosts]\n" HOST "\n");
	put("e", "[docker_hosts]");
	CHECK(lb_inventory_update("e", "docker_hosts", HOST, &ch, &err) ==
	    LB_OK);
	CHECK_STR(get("e"), "[docker_hosts]\n" HOST "\n");
}

LB_TEST(inventory_through_a_link_and_a_stale_lock)
{
	struct lb_err err;
	int ch;

	put("real.ini", "[docker_hosts]\n");
	CHECK(symlink("real.ini", "link.ini") == 0);
	CHECK(lb_inventory_update("link.ini", "docker_hosts", HOST, &ch,
	    &err) == LB_OK);
	CHECK_STR(get("real.ini"), "[docker_hosts]\n" HOST "\n");
	{
		struct stat st;

		CHECK(lstat("link.ini", &st) == 0 && S_ISLNK(st.st_mode));
	}
	put("s.ini", "[x]\n");
	put("s.ini.lock", "");
	CHECK(lb_inventory_update("s.ini", "docker_hosts", HOST, &ch, &err) ==
	    LB_EIO);
	CHECK(strstr(err.msg, "'s.ini.lock' exists") != NULL);
	CHECK(strstr(err.msg, "remove it") != NULL);
	CHECK_STR(get("s.ini"), "[x]\n");
}
