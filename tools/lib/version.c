/*
 * version.c: which library versions lifeboat carries. Asked of each library
 * at run time where it can tell (so the answer is what was really linked);
 * musl, attr/acl, inih and ISA-L have no such call, so their build-time
 * versions stand. The Debian source versions come from the build (lb_deps.h,
 * generated from the dependency cache). Also which CPU extensions the
 * hashing uses.
 */
#include <archive.h>
#include <curl/curl.h>
#include <expat.h>
#include <libssh2.h>
#include <lzma.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>
#include <sodium.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#include "lb.h"
#include "lb_deps.h"

/* "libarchive 3.7.4" -> "3.7.4"; "expat_2.8.3" -> "2.8.3" */
static const char *
after_word(const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (*p == ' ' || *p == '_')
			return p + 1;
	return s;
}

const struct lb_libversion *
lb_libversions(size_t *n)
{
	static char mbedtls[18];
	static struct lb_libversion v[] = {
		{ LB_LIBC_NAME, LB_UPSTREAM_libc, LB_DEBIAN_libc },
		{ "zlib", NULL, LB_DEBIAN_zlib },
		{ "zstd", NULL, LB_DEBIAN_zstd },
		{ "liblzma", NULL, LB_DEBIAN_xz },
		{ "expat", NULL, LB_DEBIAN_expat },
		{ "mbedtls", NULL, LB_DEBIAN_mbedtls },
		{ "libsodium", NULL, LB_DEBIAN_libsodium },
		{ "libattr", LB_UPSTREAM_attr, LB_DEBIAN_attr },
		{ "libacl", LB_UPSTREAM_acl, LB_DEBIAN_acl },
		{ "libssh2", NULL, LB_DEBIAN_libssh2 },
		{ "libcurl", NULL, LB_DEBIAN_curl },
		{ "libarchive", NULL, LB_DEBIAN_libarchive },
		{ "inih", LB_UPSTREAM_inih, LB_DEBIAN_inih },
		{ "isa-l", LB_UPSTREAM_isal, LB_DEBIAN_isal },
	};

	mbedtls_version_get_string(mbedtls);
	v[1].version = zlibVersion();
	v[2].version = ZSTD_versionString();
	v[3].version = lzma_version_string();
	v[4].version = after_word(XML_ExpatVersion());
	v[5].version = mbedtls;
	v[6].version = sodium_version_string();
	v[9].version = libssh2_version(0);
	v[10].version = curl_version_info(CURLVERSION_NOW)->version;
	v[11].version = after_word(archive_version_string());
	*n = sizeof(v) / sizeof(v[0]);
	return v;
}

#if defined(MBEDTLS_SHA256_USE_X86_SHA_NI_IF_PRESENT) && \
    defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_SHA_NI_CHOICE 1
#endif

void
lb_accel_init(void)
{
	/* before any thread runs TLS: it fills libsodium's dispatch table
	 * (failing, libsodium's portable code stands: still correct) */
	int r = sodium_init();

	(void)r;
#ifdef HAVE_SHA_NI_CHOICE
	if (getenv("LIFEBOAT_NO_SHANI") != NULL)
		mbedtls_sha256_x86_sha_ni(0);
#endif
}

const char *
lb_accel_sha256(void)
{
#ifdef HAVE_SHA_NI_CHOICE
	return mbedtls_sha256_x86_sha_ni(-1) ? "sha-ni" : "c";
#else
	return "c";
#endif
}
