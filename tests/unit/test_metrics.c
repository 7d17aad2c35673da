/*
 * test_metrics.c: the Prometheus text a verb's --metrics writes (HELP and
 * TYPE lines, escaped label values, what carries over from the previous
 * file), the history read back line by line, the test clock, and the
 * drill's configuration keys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "files.h"
#include "history.h"
#include "jread.h"
#include "lbtest.h"
#include "metrics.h"

LB_TEST(metrics_text_escaped_and_written_whole)
{
	struct lb_metrics m;
	struct lb_err err;
	size_t n;
	char *b;

	lb_metrics_init(&m);
	lb_metrics_gauge(&m, "lifeboat_x_seconds", "How long.", 1.5);
	lb_metrics_head(&m, "lifeboat_y", "gauge", "Per store.");
	lb_metrics_sample(&m, "store", "a\"b\\c\nd", 1796266800);
	lb_metrics_head(&m, "lifeboat_runs_total", "counter", "Runs.");
	lb_metrics_sample(&m, NULL, NULL, 3);
	CHECK(lb_metrics_write(&m, "m.prom", &err) == LB_OK);
	lb_metrics_release(&m);
	CHECK(lb_read_file("m.prom", 4096, &b, &n, &err) == LB_OK);
	CHECK_STR(b, "# HELP lifeboat_x_seconds How long.\n"
	    "# TYPE lifeboat_x_seconds gauge\n"
	    "lifeboat_x_seconds 1.5\n"
	    "# HELP lifeboat_y Per store.\n"
	    "# TYPE lifeboat_y gauge\n"
	    "lifeboat_y{store=\"a\\\"b\\\\c\\nd\"} 1796266800\n"
	    "# HELP lifeboat_runs_total Runs.\n"
	    "# TYPE lifeboat_runs_total counter\n"
	    "lifeboat_runs_total 3\n");
	free(b);
	/* what carries over */
	CHECK(lb_metrics_previous("m.prom", "lifeboat_runs_total", 0) == 3);
	CHECK(lb_metrics_previous("m.prom", "lifeboat_runs", -1) == -1);
	CHECK(lb_metrics_previous("m.prom", "lifeboat_y", -1) == -1);
	CHECK(lb_metrics_previous("none.prom", "lifeboat_x_seconds", 7) == 7);
}

static void
count_line(void *arg, const struct lb_jval *line)
{
	const char *s = lb_jread_str(line, "store");

	if (s != NULL && strcmp(s, "b") == 0)
		(*(int *)arg) += 10;
	else
		(*(int *)arg)++;
}

LB_TEST(history_each_reads_the_lines_of_a_kind)
{
	struct lb_err err;
	FILE *f = fopen("h.jsonl", "w");
	int n = 0;

	CHECK(f != NULL);
	fputs("{\"kind\":\"drill\",\"store\":\"a\"}\nnot json\n"
	    "{\"kind\":\"restore\"}\n{\"kind\":\"drill\",\"store\":\"b\"}\n"
	    "{\"kind\":\"drill\"", f);
	fclose(f);
	CHECK(lb_history_each("h.jsonl", "drill", count_line, &n, &err) ==
	    LB_OK);
	CHECK_INT(n, 11);
	n = 0;
	CHECK(lb_history_each("h.jsonl", NULL, count_line, &n, &err) == LB_OK);
	CHECK_INT(n, 12);
	n = 0;
	CHECK(lb_history_each("none.jsonl", NULL, count_line, &n, &err) ==
	    LB_OK);
	CHECK_INT(n, 0);
}

LB_TEST(clock_now_follows_the_test_clock)
{
	setenv("LIFEBOAT_TEST_NOW", "1796266800", 1);
	CHECK_INT(lb_clock_now(), 1796266800);
	setenv("LIFEBOAT_TEST_NOW", "12x", 1);
	CHECK(lb_clock_now() > 1700000000);
	unsetenv("LIFEBOAT_TEST_NOW");
	CHECK(lb_clock_now() > 1700000000);
}

static int
load(const char *text, struct lb_config *cfg, struct lb_err *err)
{
	FILE *f = fopen("c.conf", "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return lb_config_load(cfg, "c.conf", err);
}

LB_TEST(config_plan_drill_and_probe_keys)
{
	struct lb_config cfg;
	struct lb_err err;

	CHECK(load("[plan]\nprovision = 20m\nboot = 90s\nhandoff = 2h\n"
	    "[drill]\nverify_latest = 5\nscratch = /srv/x\n"
	    "[probe \"db\"]\ncommand = check {root}/db\ntimeout = 30s\n"
	    "volume = db\n[probe \"f\"]\ncommand = true\n", &cfg, &err) ==
	    LB_OK);
	CHECK_INT(cfg.provision, 1200);
	CHECK_INT(cfg.boot, 90);
	CHECK_INT(cfg.handoff_time, 7200);
	CHECK_INT(cfg.verify_latest, 5);
	CHECK_STR(cfg.scratch, "/srv/x");
	CHECK_INT((long long)cfg.nprobes, 2);
	CHECK_STR(cfg.probes[0].command, "check {root}/db");
	CHECK_INT(cfg.probes[0].timeout, 30);
	CHECK_STR(cfg.probes[0].volume, "db");
	CHECK_INT(cfg.probes[1].timeout, 300);
	CHECK(cfg.probes[1].volume == NULL);
	lb_config_release(&cfg);
	/* the defaults */
	CHECK(load("[plan]\nrto = 2h\n", &cfg, &err) == LB_OK);
	CHECK_INT(cfg.provision, -1);
	CHECK_INT(cfg.verify_latest, 3);
	lb_config_release(&cfg);
	/* and what is refused */
	CHECK(load("[drill]\nverify_latest = 2x\n", &cfg, &err) == LB_EUSAGE);
	CHECK(strstr(err.msg, "verify_latest: '2x' is not a number") != NULL);
	lb_config_release(&cfg);
	CHECK(load("[drill]\nkeep = yes\n", &cfg, &err) == LB_EUSAGE);
	CHECK(strstr(err.msg, "unknown key 'keep' in [drill]") != NULL);
	lb_config_release(&cfg);
	CHECK(load("[probe \"p\"]\ntimeout = 0\ncommand = x\n", &cfg, &err) ==
	    LB_EUSAGE);
	CHECK(strstr(err.msg, "[probe \"p\"] timeout: not a duration") != NULL);
	lb_config_release(&cfg);
	CHECK(load("[probe \"p\"]\nvolume = v\n", &cfg, &err) == LB_EUSAGE);
	CHECK(strstr(err.msg, "[probe \"p\"] has no command") != NULL);
	lb_config_release(&cfg);
	CHECK(load("[plan]\nboot = later\n", &cfg, &err) == LB_EUSAGE);
	CHECK(strstr(err.msg, "boot: 'later' is not a duration") != NULL);
	lb_config_release(&cfg);
}
