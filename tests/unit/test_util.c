/* test_util.c: durations, JSON, volume names, the config parser. */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "json.h"
#include "lbtest.h"
#include "restore.h"

LB_TEST(duration_units)
{
	long long s;

	CHECK_INT(lb_parse_duration("24h", &s), 0);
	CHECK_INT(s, 86400);
	CHECK_INT(lb_parse_duration("90", &s), 0);
	CHECK_INT(s, 90);
	CHECK_INT(lb_parse_duration("1d12h", &s), 0);
	CHECK_INT(s, 129600);
	CHECK_INT(lb_parse_duration("2w", &s), 0);
	CHECK_INT(s, 1209600);
	CHECK_INT(lb_parse_duration("30m", &s), 0);
	CHECK_INT(s, 1800);
	CHECK(lb_parse_duration("", &s) != 0);
	CHECK(lb_parse_duration("h", &s) != 0);
	CHECK(lb_parse_duration("3y", &s) != 0);
	CHECK(lb_parse_duration("-1h", &s) != 0);
	CHECK(lb_parse_duration("99999999999999999999h", &s) != 0);
}

LB_TEST(json_escapes_and_nests)
{
	struct lb_json j;

	lb_json_init(&j);
	lb_json_obj(&j);
	lb_json_key(&j, "a");
	lb_json_str(&j, "q\"b\\\n\x01");
	lb_json_key(&j, "n");
	lb_json_arr(&j);
	lb_json_int(&j, -3);
	lb_json_bool(&j, 1);
	lb_json_str(&j, NULL);
	lb_json_arr_end(&j);
	lb_json_key(&j, "bad");
	lb_json_str(&j, "\xff" "ok");
	lb_json_obj_end(&j);
	CHECK(!j.failed);
	CHECK_STR(j.buf, "{\"a\":\"q\\\"b\\\\\\n\\u0001\",\"n\":[-3,true,null],"
	    "\"bad\":\"\\ufffdok\"}");
	lb_json_release(&j);
}

LB_TEST(volume_names)
{
	CHECK(lb_valid_volume_name("dockerwarts_mariadb"));
	CHECK(lb_valid_volume_name("a.b-c_1"));
	CHECK(!lb_valid_volume_name(".lifeboat"));
	CHECK(!lb_valid_volume_name(".."));
	CHECK(!lb_valid_volume_name("_x"));
	CHECK(!lb_valid_volume_name("a/b"));
	CHECK(!lb_valid_volume_name(""));
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

LB_TEST(config_reads_every_section)
{
	struct lb_config cfg;
	struct lb_err err;

	write_file("c.conf",
	    "[restore]\ndest = /x\nmax_age = 36h\nallow_unverified = yes\n"
	    "layout = offen\nname_time = local\n"
	    "[store \"nas\"]\nurl = s3://b/srv/\nregion = eu\n"
	    "[volumes]\np1 = a b\np2 = c\nmap.mysql = db\n");
	CHECK_INT(lb_config_load(&cfg, "c.conf", &err), 0);
	CHECK_STR(cfg.dest, "/x");
	CHECK_INT(cfg.max_age, 129600);
	CHECK_INT(cfg.allow_unverified, 1);
	CHECK_STR(cfg.layout, "offen");
	CHECK_INT(cfg.name_time_local, 1);
	CHECK_INT(cfg.nstores, 1);
	CHECK_STR(cfg.stores[0].name, "nas");
	CHECK_STR(cfg.stores[0].url, "s3://b/srv/");
	CHECK_STR(lb_store_opt(&cfg.stores[0], "region"), "eu");
	CHECK_INT(lb_config_priority(&cfg, "b"), 1);
	CHECK_INT(lb_config_priority(&cfg, "c"), 2);
	CHECK_INT(lb_config_priority(&cfg, "zzz"), LB_MAX_PRIO + 1);
	CHECK_STR(lb_config_map(&cfg, "mysql"), "db");
	CHECK_STR(lb_config_map(&cfg, "other"), "other");
	lb_config_release(&cfg);
}

LB_TEST(config_errors_name_file_and_line)
{
	struct lb_config cfg;
	struct lb_err err;

	write_file("bad.conf", "[restore]\n\nbogus = 1\n");
	CHECK_INT(lb_config_load(&cfg, "bad.conf", &err), LB_EUSAGE);
	CHECK_STR(err.msg, "bad.conf:3: unknown key 'bogus' in [restore]");
	lb_config_release(&cfg);
	write_file("nourl.conf", "[store \"x\"]\nregion = 1\n");
	CHECK_INT(lb_config_load(&cfg, "nourl.conf", &err), LB_EUSAGE);
	CHECK_STR(err.msg, "nourl.conf: [store \"x\"] has no url");
	lb_config_release(&cfg);
	write_file("sk.conf", "[store \"x\"]\nurl = /a\npasword = 1\n");
	CHECK_INT(lb_config_load(&cfg, "sk.conf", &err), LB_EUSAGE);
	CHECK_STR(err.msg, "sk.conf:3: unknown key 'pasword' in [store \"x\"]");
	lb_config_release(&cfg);
	/* a key of another kind of store, a value a store cannot take */
	write_file("kind.conf", "[store \"x\"]\nurl = /a\npart_size = 16M\n");
	CHECK_INT(lb_config_load(&cfg, "kind.conf", &err), LB_EUSAGE);
	CHECK_STR(err.msg, "kind.conf: [store \"x\"] part_size is not a key of "
	    "file stores (they take: url)");
	lb_config_release(&cfg);
	write_file("ps.conf", "[store \"x\"]\nurl = s3://b/\npart_size = 4M\n");
	CHECK_INT(lb_config_load(&cfg, "ps.conf", &err), LB_EUSAGE);
	CHECK_STR(err.msg, "ps.conf:3: [store \"x\"] part_size must be a size "
	    "from 5M to 1G (like 16M), not '4M'");
	lb_config_release(&cfg);
	write_file("age.conf", "[restore]\nmax_age = soon\n");
	CHECK_INT(lb_config_load(&cfg, "age.conf", &err), LB_EUSAGE);
	CHECK(strstr(err.msg, "age.conf:2: max_age") == err.msg);
	lb_config_release(&cfg);
	write_file("empty.conf", "[store \"x\"]\n\n[store \"y\"]\nurl = /a\n");
	CHECK_INT(lb_config_load(&cfg, "empty.conf", &err), LB_EUSAGE);
	CHECK_STR(err.msg, "empty.conf: [store \"x\"] has no url");
	lb_config_release(&cfg);
	/* booleans: one parser, the key and the words it takes named */
	write_file("b.conf", "[store \"x\"]\nurl = https://h/\n"
	    "insecure = maybe\n");
	CHECK_INT(lb_config_load(&cfg, "b.conf", &err), LB_EUSAGE);
	CHECK_STR(err.msg, "b.conf:3: [store \"x\"] insecure must be yes, true, "
	    "on, 1, no, false, off or 0, not 'maybe'");
	lb_config_release(&cfg);
	write_file("b2.conf", "[store \"x\"]\nurl = s3://b/\n"
	    "path_style = On\ninsecure = FALSE\n[restore]\n"
	    "allow_unverified = TRUE\n");
	CHECK_INT(lb_config_load(&cfg, "b2.conf", &err), LB_OK);
	CHECK_INT(lb_store_opt_bool(&cfg.stores[0], "path_style", 0), 1);
	CHECK_INT(lb_store_opt_bool(&cfg.stores[0], "insecure", 1), 0);
	CHECK_INT(lb_store_opt_bool(&cfg.stores[0], "absent", 1), 1);
	CHECK_INT(cfg.allow_unverified, 1);
	lb_config_release(&cfg);
	write_file("sect.conf", "[restor]\n");
	CHECK_INT(lb_config_load(&cfg, "sect.conf", &err), LB_EUSAGE);
	CHECK_STR(err.msg, "sect.conf:1: unknown section [restor]");
	lb_config_release(&cfg);
	CHECK_INT(lb_config_load(&cfg, "missing.conf", &err), LB_EUSAGE);
	CHECK(strstr(err.msg, "cannot read config 'missing.conf'") != NULL);
	lb_config_release(&cfg);
}

LB_TEST(format_duration_drops_a_zero_smaller_unit)
{
	char b[32];

	lb_format_duration(42, b, sizeof(b));
	CHECK_STR(b, "42 s");
	lb_format_duration(41 * 60 + 59, b, sizeof(b));
	CHECK_STR(b, "41 min");
	lb_format_duration(7200, b, sizeof(b));
	CHECK_STR(b, "2 h");
	lb_format_duration(7 * 3600 + 12 * 60, b, sizeof(b));
	CHECK_STR(b, "7 h 12 min");
	lb_format_duration(86400, b, sizeof(b));
	CHECK_STR(b, "24 h");
	lb_format_duration(36 * 3600 + 60, b, sizeof(b));
	CHECK_STR(b, "36 h 1 min");
	lb_format_duration(2 * 86400, b, sizeof(b));
	CHECK_STR(b, "2 d");
	lb_format_duration(10 * 86400 + 11 * 3600 + 59, b, sizeof(b));
	CHECK_STR(b, "10 d 11 h");
	lb_format_duration(-5, b, sizeof(b));
	CHECK_STR(b, "0 s");
}
