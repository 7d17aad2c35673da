/* fuzz_s3xml: an S3 answer (a ListObjectsV2 page or an error document),
 * read with expat as the s3 store reads it; the first byte picks the
 * prefix (none or "nightly/"). */
#include "fuzz.h"
#include "store.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_object *objs = NULL;
	char code[64];
	size_t n = 0;

	if (size < 1)
		return 0;
	(void)lb_s3_xml_parse((const char *)data + 1, size - 1,
	    data[0] & 1 ? "nightly/" : "", &objs, &n, code, sizeof(code));
	for (size_t i = 0; i < n; i++)
		(void)lb_archive_kind(objs[i].name);
	lb_objects_free(objs, n);
	return 0;
}
