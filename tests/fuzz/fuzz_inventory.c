/* fuzz_inventory: the hand-off's edit of an Ansible INI inventory. The
 * input's first line is the group, its second the host's line, the rest
 * the inventory. */
#include "fuzz.h"
#include "inventory.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *group = fz_line(&data, &size), *line = fz_line(&data, &size);
	char *out = NULL;
	size_t outlen = 0;

	if (lb_inventory_edit((const char *)data, size, group, line, &out,
	    &outlen) != 0)
		abort();
	free(out);
	free(group);
	free(line);
	return 0;
}
