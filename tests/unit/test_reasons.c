/*
 * test_reasons.c: every reason the engine gives for passing a candidate
 * over reads as one clean line. The reasons are collected from the real
 * code paths: checksum files of every bad form, a store's catalog, and
 * verify runs over archives made broken on purpose; each one goes through
 * one set of rules (no stray ": " in front, no doubled words or nested
 * parentheses, no trailing punctuation, no line break).
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "config.h"
#include "lbtest.h"
#include "restore.h"

/* NULL when msg is a clean one-line reason, else what is wrong with it. */
static const char *
unclean(const char *msg)
{
	const char *p, *w, *next;
	size_t n = strlen(msg), k;
	int depth = 0;

	if (n == 0)
		return "empty";
	if (strchr(":;, ", msg[0]) != NULL)
		return "starts with punctuation or a blank";
	/* an abbreviated digest may end in "..." */
	if (strchr(".:;, ", msg[n - 1]) != NULL && !(n > 3 &&
	    strcmp(msg + n - 3, "...") == 0 && msg[n - 4] != '.'))
		return "ends with punctuation or a blank";
	if (strpbrk(msg, "\r\n\t") != NULL)
		return "more than one line";
	if (strstr(msg, "''") != NULL)
		return "an empty quoted name";
	if (strstr(msg, "  ") != NULL)
		return "a doubled blank";
	if (strstr(msg, ": :") != NULL || strstr(msg, "::") != NULL)
		return "a doubled colon";
	for (p = msg; *p != '\0'; p++) {
		if (*p == '(' && ++depth > 1)
			return "nested parentheses";
		if (*p == ')' && --depth < 0)
			return "unbalanced parentheses";
	}
	if (depth != 0)
		return "unbalanced parentheses";
	/* a word said twice in a row ("no no", "checksum checksum") */
	for (w = msg; *w != '\0'; w = next) {
		while (*w == ' ')
			w++;
		k = strcspn(w, " ");
		next = w + k;
		if (k > 0 && *next == ' ' && strncmp(w, next + 1, k) == 0 &&
		    (next[1 + k] == ' ' || next[1 + k] == '\0') &&
		    strspn(w, "0123456789.") != k)
			return "a doubled word";
	}
	/* a phrase of two words said twice: "no checksum (no checksum" */
	for (w = msg; (w = strchr(w, ' ')) != NULL; w++) {
		const char *a = w + 1, *b = strchr(a, ' ');
		char phrase[64];

		if (b == NULL || (b = strchr(b + 1, ' ')) == NULL)
			break;
		if ((size_t)(b - a) >= sizeof(phrase) || b - a < 6)
			continue;
		memcpy(phrase, a, (size_t)(b - a));
		phrase[b - a] = '\0';
		if (strstr(b, phrase) != NULL)
			return "a phrase said twice";
	}
	return NULL;
}

#define CHECK_CLEAN(m) do {						\
	const char *m_ = (m), *why_ = unclean(m_);			\
	if (why_ != NULL) {						\
		lbt_fail(__FILE__, __LINE__, "\"%s\": %s", m_, why_);	\
		return;							\
	}								\
} while (0)

LB_TEST(reason_rules_catch_the_old_defects)
{
	/* the rules would have caught what issue 10 found */
	CHECK(unclean(": corrupt or truncated stream: Damaged tar archive"));
	CHECK(unclean("has no checksum (no checksum (no a.sha256, no "
	    "SHA256SUMS))"));
	CHECK(unclean("no checksum (no a.tar.sha256, no SHA256SUMS)") ==
	    NULL);
	CHECK(unclean("no no sidecar"));
	CHECK(unclean("ends with a period."));
	CHECK(unclean("two\nlines"));
	CHECK(unclean("'a': read 100 bytes, the store listed 100 bytes") ==
	    NULL);
}

#define H "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

LB_TEST(checksum_file_reasons_are_clean)
{
	static const struct {
		const char *text;
		int sidecar;
	} bad[] = {
		{ H "  other.tar.gz\n", 1 },
		{ "", 1 },
		{ "\n\n", 1 },
		{ "not a checksum\n", 1 },
		{ "0123  a.tar.gz\n", 1 },
		{ H "  other.tar.gz\n", 0 },
		{ "garbage\n" H "  b.tar\n", 0 },
		{ "SHA256 (other) = " H "\n", 1 },
		{ "MD5 (a.tar.gz) = 0123\n", 1 },
		{ H H "  a.tar.gz\n", 1 },
	};
	char hex[65], why[512];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		CHECK(lb_sum_lookup(bad[i].text, "a.tar.gz", bad[i].sidecar, hex,
		    why, sizeof(why)) != 0);
		CHECK_CLEAN(why);
	}
}

/* Write a tar.gz at path whose one entry is name with body. */
static int
make_archive(const char *path, const char *name, const char *body,
    int gzip)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t n = strlen(body);
	int ok;

	archive_write_set_format_pax_restricted(a);
	if (gzip)
		archive_write_add_filter_gzip(a);
	ok = archive_write_open_filename(a, path) == ARCHIVE_OK;
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, name[strlen(name) - 1] == '/' ? AE_IFDIR :
	    AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, name[strlen(name) - 1] == '/' ? 0 :
	    (la_int64_t)n);
	ok = ok && archive_write_header(a, e) == ARCHIVE_OK;
	if (name[strlen(name) - 1] != '/')
		ok = ok && archive_write_data(a, body, n) == (la_ssize_t)n;
	ok = archive_write_close(a) == ARCHIVE_OK && ok;
	archive_entry_free(e);
	archive_write_free(a);
	return ok ? 0 : -1;
}

/* NAME.sha256 beside path, in sha256sum's form; digest of the file or,
 * with lie set, of something else. */
static int
write_sidecar(const char *path, int lie)
{
	unsigned char buf[65536], d[32];
	mbedtls_sha256_context c;
	char side[512];
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	ssize_t n;
	FILE *f;
	int fd, i;

	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	mbedtls_sha256_init(&c);
	mbedtls_sha256_starts(&c, 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		mbedtls_sha256_update(&c, buf, (size_t)n);
	if (lie)
		mbedtls_sha256_update(&c, (const unsigned char *)"x", 1);
	mbedtls_sha256_finish(&c, d);
	mbedtls_sha256_free(&c);
	close(fd);
	snprintf(side, sizeof(side), "%s.sha256", path);
	if ((f = fopen(side, "w")) == NULL)
		return -1;
	for (i = 0; i < 32; i++)
		fprintf(f, "%02x", d[i]);
	fprintf(f, "  %s\n", base);
	return fclose(f);
}

static int
write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Verify (decoding everything) the store in dir and collect the reasons:
 * each rejection's and the final error's. */
static void
verify_reasons(const char *dir, const char *name, char reasons[][600],
    size_t *n, size_t max)
{
	struct lb_restore_opts o;
	struct lb_restore_result res;
	struct lb_config cfg;
	struct lb_err err;
	size_t i;

	*n = 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_age = -1;
	cfg.rto = cfg.rpo = -1;
	if (lb_config_add_store(&cfg, dir, &err) != LB_OK)
		return;
	memset(&o, 0, sizeof(o));
	o.cfg = &cfg;
	o.mode = LB_MODE_VERIFY_DEEP;
	o.name = name;
	o.max_age = -1;
	lb_restore(&o, &res);
	for (i = 0; i < res.nrejected && *n < max; i++)
		snprintf(reasons[(*n)++], 600, "%s", res.rejected[i].reason);
	if (!res.ok && *n < max)
		snprintf(reasons[(*n)++], 600, "%s", res.err.msg);
	lb_restore_result_release(&res);
	lb_config_release(&cfg);
}

LB_TEST(candidate_reasons_are_clean)
{
	char reasons[16][600], cwd[512], store[600];
	size_t n, i;
	FILE *f;

	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(store, sizeof(store), "%s/store", cwd);
	CHECK(mkdir(store, 0755) == 0);
	/* one of each kind of bad candidate, newest first */
	CHECK(make_archive("store/b-2026-11-29.tar.gz", "../escape", "x", 1)
	    == 0);
	CHECK(write_sidecar("store/b-2026-11-29.tar.gz", 0) == 0);
	CHECK(make_archive("store/b-2026-11-28.tar.gz", "/abs/path", "x", 1)
	    == 0);
	CHECK(write_sidecar("store/b-2026-11-28.tar.gz", 0) == 0);
	CHECK(make_archive("store/b-2026-11-27.tar.gz", "vol/_data/f", "x", 1)
	    == 0);
	CHECK(write_sidecar("store/b-2026-11-27.tar.gz", 1) == 0);
	CHECK(write_text("store/b-2026-11-26.tar.gz", "not gzip at all, "
	    "just text that is long enough to be looked at") == 0);
	CHECK(write_sidecar("store/b-2026-11-26.tar.gz", 0) == 0);
	/* a gzip stream cut short */
	CHECK(make_archive("store/b-2026-11-25.tar.gz", "vol/_data/f",
	    "a body that compresses", 1) == 0);
	CHECK(truncate("store/b-2026-11-25.tar.gz", 30) == 0);
	CHECK(write_sidecar("store/b-2026-11-25.tar.gz", 0) == 0);
	CHECK(make_archive("store/b-2026-11-24.tar.gz", "-bad-volume/_data/f",
	    "x", 1) == 0);
	CHECK(write_sidecar("store/b-2026-11-24.tar.gz", 0) == 0);
	/* unverifiable ones */
	CHECK(make_archive("store/b-2026-11-23.tar.gz", "vol/_data/f", "x", 1)
	    == 0);
	CHECK(make_archive("store/b-2026-11-22.tar.gz", "vol/_data/f", "x", 1)
	    == 0);
	CHECK((f = fopen("store/b-2026-11-22.tar.gz.sha256", "w")) != NULL);
	fputs(H "  another.tar.gz\n", f);
	fclose(f);
	verify_reasons(store, NULL, reasons, &n, 16);
	/* every candidate rejected, and the final error */
	CHECK_INT(n, 9);
	for (i = 0; i < n; i++)
		CHECK_CLEAN(reasons[i]);
	/* a named archive that failed */
	verify_reasons(store, "b-2026-11-25.tar.gz", reasons, &n, 16);
	CHECK(n >= 1);
	for (i = 0; i < n; i++)
		CHECK_CLEAN(reasons[i]);
	/* an empty store, and a store of files that are no archives */
	CHECK(mkdir("empty", 0755) == 0);
	snprintf(store, sizeof(store), "%s/empty", cwd);
	verify_reasons(store, NULL, reasons, &n, 16);
	CHECK_INT(n, 1);
	CHECK_CLEAN(reasons[0]);
}
