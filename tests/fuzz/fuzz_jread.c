/* fuzz_jread: the JSON reader (jread.c) that reads reports, listings,
 * manifests and the Docker Engine's answers; every member is looked up
 * as the callers do. */
#include "fuzz.h"
#include "jread.h"

static void
walk(const struct lb_jval *v, int depth)
{
	for (; v != NULL; v = v->next) {
		if (v->type == LB_JSTR && v->str == NULL)
			abort();
		if (depth < 64)
			walk(v->child, depth + 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_jval *root;
	char why[256];

	if (lb_jread_parse((const char *)data, size, &root, why,
	    sizeof(why)) != 0) {
		if (root != NULL || why[0] == '\0')
			abort();
		return 0;
	}
	walk(root, 0);
	(void)lb_jread_str(root, "archive.name");
	(void)lb_jread_num(root, "timings.select", 0);
	(void)lb_jread_get(root, "a.b.c.d");
	(void)lb_jread_get(root, "");
	lb_jread_free(root);
	return 0;
}
