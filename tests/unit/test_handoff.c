/*
 * test_handoff.c: the history record and its one-line summary, and the
 * ISO time parser the hand-off reads a remote report with.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handoff.h"
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
	CHECK_INT(lb_parse_iso_time("2026-11-30T10:12:00Z"), T_1012);
	CHECK_INT(lb_parse_iso_time("2026-11-30T10:12:00"), T_1012);
	CHECK_INT(lb_parse_iso_time("2026-11-30 10:12:00Z"), -1);
	CHECK_INT(lb_parse_iso_time("2026-11-30T10:12:00Zjunk"), -1);
	CHECK_INT(lb_parse_iso_time(NULL), -1);
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
