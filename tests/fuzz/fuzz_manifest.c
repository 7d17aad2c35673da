/* fuzz_manifest: the manifest of lifeboat backup (NAME.manifest.json),
 * read against what a restore held: two volumes and metadata.db. */
#include "extract.h"
#include "fuzz.h"
#include "restore.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_volume_result items[] = {
		{ "app_data", 1, 0, 3, 4096, 0 },
		{ "app_db", 1, 0, 12, 1 << 20, 0 },
		{ "metadata.db", 0, 0, 1, 32768, 0 },
	};
	struct lb_extract x;
	struct lb_err err;

	memset(&x, 0, sizeof(x));
	x.items = items;
	x.nitems = size > 0 && data[0] == ' ' ? 1 : 3;
	(void)lb_manifest_check((const char *)data, size, "m.manifest.json",
	    &x, &err);
	return 0;
}
