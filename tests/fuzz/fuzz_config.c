/* fuzz_config: lifeboat.conf through inih and our keys (lb_config_load),
 * the file given as a memory file so that the real reader runs. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct lb_config cfg;
	struct lb_err err;
	char path[64];

	if (fd < 0 && (fd = memfd_create("lifeboat.conf", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) !=
	    (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (lb_config_load(&cfg, path, &err) == LB_OK) {
		(void)lb_config_require_signature(&cfg);
		(void)lb_config_rpo(&cfg);
		if (cfg.nstores > 0)
			(void)lb_store_opt_bool(&cfg.stores[0], "insecure", 0);
	}
	lb_config_release(&cfg);
	return 0;
}
