/* fuzz_listing: an http(s) store's listing page: nginx's JSON autoindex
 * or an HTML page of links (Apache, nginx, anything), as h_list reads
 * it. */
#include "fuzz.h"
#include "store.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lb_object *objs = NULL;
	char why[256], *body = fz_str(data, size);
	size_t n = 0;

	(void)lb_http_listing("https://backups.example.org:8443/docker/", body,
	    strlen(body), &objs, &n, why, sizeof(why));
	for (size_t i = 0; i < n; i++)
		(void)lb_archive_kind(objs[i].name);
	lb_objects_free(objs, n);
	free(body);
	return 0;
}
