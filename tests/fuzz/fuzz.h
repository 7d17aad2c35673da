/*
 * fuzz.h: what the libFuzzer harnesses of tests/fuzz share. Each harness
 * feeds one parser of outside input (a store's listing, a checksum file, a
 * header) the bytes libFuzzer makes; ASan, UBSan and LeakSanitizer report
 * what goes wrong. Built and run by mk/fuzz.mk.
 */
#ifndef LB_FUZZ_H
#define LB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a NUL-terminated string (a NUL inside ends it early, as it
 * would for a C parser given the bytes); the caller frees it. */
static inline char *
fz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Cut the first line off *data: it into a new string, *data and *size
 * past its newline (nothing left without one). */
static inline char *
fz_line(const uint8_t **data, size_t *size)
{
	const uint8_t *nl = memchr(*data, '\n', *size);
	size_t n = nl != NULL ? (size_t)(nl - *data) : *size;
	char *s = fz_str(*data, n);

	*data += nl != NULL ? n + 1 : n;
	*size -= nl != NULL ? n + 1 : n;
	return s;
}

#endif
