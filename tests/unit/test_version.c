/*
 * test_version.c: the libraries linked in are the pinned ones: each
 * library's own run-time version must be the upstream version of the Debian
 * source it was pinned to (catches a stray system library in the link).
 */
#include "lb.h"
#include "lb_deps.h"
#include "lbtest.h"

static const char *
find(const char *name)
{
	const struct lb_libversion *v;
	size_t i, n;

	v = lb_libversions(&n);
	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return v[i].version;
	return NULL;
}

LB_TEST(version_every_library_is_listed)
{
	const struct lb_libversion *v;
	size_t i, n;

	v = lb_libversions(&n);
	CHECK_INT(n, 14);
	for (i = 0; i < n; i++) {
		CHECK(v[i].version != NULL && v[i].version[0] != '\0');
		CHECK(v[i].debian != NULL && v[i].debian[0] != '\0');
	}
}

LB_TEST(version_runtime_matches_pins)
{
	CHECK_STR(find("zlib"), LB_UPSTREAM_zlib);
	CHECK_STR(find("zstd"), LB_UPSTREAM_zstd);
	CHECK_STR(find("liblzma"), LB_UPSTREAM_xz);
	CHECK_STR(find("expat"), LB_UPSTREAM_expat);
	CHECK_STR(find("mbedtls"), LB_UPSTREAM_mbedtls);
	CHECK_STR(find("libsodium"), LB_UPSTREAM_libsodium);
	CHECK_STR(find("libssh2"), LB_UPSTREAM_libssh2);
	CHECK_STR(find("libcurl"), LB_UPSTREAM_curl);
	CHECK_STR(find("libarchive"), LB_UPSTREAM_libarchive);
}
