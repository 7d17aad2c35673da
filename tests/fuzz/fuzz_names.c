/* fuzz_names: what a store's file names and listings carry: the time in
 * an archive's name, its kind, ISO-8601 and HTTP dates; and the values of
 * the configuration (durations, sizes, booleans). */
#include "catalog.h"
#include "clock.h"
#include "fetch.h"
#include "fuzz.h"
#include "restore.h"
#include "store.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fz_str(data, size);
	long long t;
	int b;

	(void)lb_name_time(s, 0, &t);
	(void)lb_name_time(s, 1, &t);
	(void)lb_archive_kind(s);
	(void)lb_time_parse_iso(s);
	(void)lb_http_date(s);
	(void)lb_parse_duration(s, &t);
	(void)lb_parse_size(s, &t);
	(void)lb_parse_bool(s, &b);
	(void)lb_valid_volume_name(s);
	free(s);
	return 0;
}
