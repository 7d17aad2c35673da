/* fuzz_sums: checksum sidecars (NAME.sha256) and SHA256SUMS files: the
 * first line of the input is the archive's name looked up in the rest; the
 * first byte's low bit says sidecar or SHA256SUMS. */
#include "catalog.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char hex[65], why[256], *name, *text;
	int sidecar;

	if (size < 1)
		return 0;
	sidecar = data[0] & 1;
	data++;
	size--;
	name = fz_line(&data, &size);
	text = fz_str(data, size);
	if (lb_sum_lookup(text, name, sidecar, hex, why, sizeof(why)) == 0 &&
	    strlen(hex) != 64)
		abort();
	free(text);
	free(name);
	return 0;
}
