/*
 * test_segr.c: the plan a segmented restore draws from a manifest: groups
 * in priority order, segments scheduled p1 first, and the manifests it
 * refuses (the archive then streams whole), each by its reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "lbtest.h"
#include "segr.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_S "5555555555555555555555555555555555555555555555555555555555555555"

/* A manifest of three segments: vol b (p2) at 0, vol a (p1) at 100, and
 * the trailer listed with metadata.db; SEG1 replaces the second. */
#define MANIFEST(size, sum, seg1) "{\"format\": \"lifeboat-manifest-1\", " \
	"\"sha256\": \"" sum "\", \"size\": " #size ", \"volumes\": [" \
	"{\"name\": \"b\", \"kind\": \"volume\", \"files\": 1, \"bytes\": 1}," \
	"{\"name\": \"a\", \"kind\": \"volume\", \"files\": 1, \"bytes\": 1}," \
	"{\"name\": \"metadata.db\", \"kind\": \"file\", \"files\": 1, " \
	"\"bytes\": 1}], \"segments\": [" \
	"{\"offset\": 0, \"length\": 100, \"sha256\": \"" SHA_A "\", " \
	"\"volumes\": [\"b\"]}," seg1 "," \
	"{\"offset\": 150, \"length\": 10, \"sha256\": \"" SHA_A "\", " \
	"\"volumes\": [\"metadata.db\"]}]}"
#define SEG_A "{\"offset\": 100, \"length\": 50, \"sha256\": \"" SHA_A \
	"\", \"volumes\": [\"a\"]}"

/* A config with p1 = a, p2 = b. */
static int
conf(struct lb_config *cfg)
{
	struct lb_err err;
	FILE *f = fopen("c.conf", "w");

	if (f == NULL)
		return -1;
	fputs("[volumes]\np1 = a\np2 = b\n", f);
	fclose(f);
	return lb_config_load(cfg, "c.conf", &err);
}

static int
plan(struct lb_segr *sr, struct lb_config *cfg, const char *text,
    long long size, char *why, size_t wl)
{
	memset(sr, 0, sizeof(*sr));
	sr->cfg = cfg;
	return lb_segr_plan(sr, text, strlen(text), SHA_S, size, why, wl);
}

LB_TEST(segr_plan_groups_in_priority_order)
{
	static const char m[] = MANIFEST(160, SHA_S, SEG_A);
	struct lb_config cfg;
	struct lb_segr sr;
	char why[256] = "";
	int r;

	CHECK_INT(conf(&cfg), 0);
	r = plan(&sr, &cfg, m, 160, why, sizeof(why));
	CHECK_STR(why, "");
	CHECK_INT(r, 0);
	CHECK_INT(sr.ngroups, 3);
	CHECK_INT(sr.groups[0].priority, 1);
	CHECK_STR(sr.groups[0].names.v[0], "a");
	CHECK_INT(sr.groups[1].priority, 2);
	CHECK_INT(sr.groups[2].priority, LB_MAX_PRIO + 1);
	CHECK_INT(sr.groups[2].bytes, 10);
	CHECK_INT(sr.nsegs, 3);
	CHECK_INT(sr.total, 160);
	lb_segr_release(&sr);
	lb_config_release(&cfg);
}

LB_TEST(segr_plan_refusals)
{
	static const struct {
		const char *m;
		long long size;
		const char *why;
	} cases[] = {
		{ MANIFEST(160, SHA_A, SEG_A), 160, "it describes another "
		    "archive (its digest is not the sidecar's)" },
		{ MANIFEST(160, SHA_S, SEG_A), 161, "its segments cover 160 "
		    "bytes, the archive has 161" },
		{ MANIFEST(170, SHA_S, SEG_A), -1, "its segments cover 160 "
		    "bytes, the archive has 170" },
		{ MANIFEST(160, SHA_S, "{\"offset\": 90, \"length\": 60, "
		    "\"sha256\": \"" SHA_A "\", \"volumes\": [\"a\"]}"), 160,
		    "segment 2 does not follow the one before it, or lacks its "
		    "length, digest or volumes" },
		{ "{\"format\": \"lifeboat-manifest-1\"}", 1, "not a "
		    "lifeboat-manifest-1 with segments" },
	};
	struct lb_config cfg;
	struct lb_segr sr;
	char why[256];
	size_t i;

	CHECK_INT(conf(&cfg), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		CHECK_INT(plan(&sr, &cfg, cases[i].m, cases[i].size, why,
		    sizeof(why)), -1);
		lb_segr_release(&sr);
		CHECK_STR(why, cases[i].why);
	}
	lb_config_release(&cfg);
}
