/*
 * test_wdisk.c: libarchive's archive_write_disk as lifeboat builds it, with
 * the carried patch that caches the secure-symlinks check's directories
 * (deps/libarchive/patches/0001). The cache is used (its directories are
 * held open, and let go at close), and it never lets an entry through a
 * symlink: not when the symlink replaced a cached directory, not when it
 * dangles, not after the working directory changed, not after entries
 * written without the check.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "lbtest.h"

#define SECURE (ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | \
	ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT | \
	ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS)

enum kind { DIR_, FILE_, SYMLINK, HARDLINK };

/* Write one empty entry; archive_write_header's result. */
static int
put(struct archive *w, const char *name, enum kind k, const char *link)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, k == DIR_ ? AE_IFDIR : k == SYMLINK ?
	    AE_IFLNK : AE_IFREG);
	archive_entry_set_perm(e, k == DIR_ ? 0755 : 0644);
	archive_entry_set_size(e, 0);
	archive_entry_set_mtime(e, 1704067200, 0);
	if (k == SYMLINK)
		archive_entry_set_symlink(e, link);
	if (k == HARDLINK)
		archive_entry_set_hardlink(e, link);
	r = archive_write_header(w, e);
	if (r == ARCHIVE_OK)
		r = archive_write_finish_entry(w);
	archive_entry_free(e);
	return r;
}

static struct archive *
wdisk(int flags)
{
	struct archive *w = archive_write_disk_new();

	if (w != NULL)
		archive_write_disk_set_options(w, flags);
	return w;
}

/* Open file descriptors of the process. */
static int
nfds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* opendir's own */
}

static int
exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static int
is_symlink(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

/* Make dir cached and left empty: an entry below it passes the check (its
 * directories stay open) and then fails (a hard link to nothing). */
static int
cache_empty_dir(struct archive *w, const char *dir, const char *below)
{
	if (put(w, dir, DIR_, NULL) != ARCHIVE_OK)
		return -1;
	return put(w, below, HARDLINK, "no/such/target") == ARCHIVE_OK ? -1 : 0;
}

LB_TEST(wdisk_cache_holds_the_last_directories_and_lets_go)
{
	struct archive *w = wdisk(SECURE);
	int base = nfds();

	CHECK(w != NULL && base > 0);
	CHECK_INT(put(w, "a/b/c/f", FILE_, NULL), ARCHIVE_OK);
	CHECK_INT(nfds(), base);	/* a/b/c made after the check */
	CHECK_INT(put(w, "a/b/c/g", FILE_, NULL), ARCHIVE_OK);
	CHECK_INT(nfds(), base + 3);	/* a, a/b, a/b/c */
	CHECK_INT(put(w, "a/b/c/h", FILE_, NULL), ARCHIVE_OK);
	CHECK_INT(nfds(), base + 3);
	CHECK_INT(put(w, "a/x", FILE_, NULL), ARCHIVE_OK);
	CHECK_INT(nfds(), base + 1);	/* a */
	CHECK_INT(put(w, "a", DIR_, NULL), ARCHIVE_OK);
	CHECK_INT(nfds(), base);	/* not the entry itself */
	CHECK_INT(put(w, "a/b/c/i", FILE_, NULL), ARCHIVE_OK);
	CHECK_INT(nfds(), base + 3);
	CHECK_INT(archive_write_close(w), ARCHIVE_OK);
	CHECK_INT(nfds(), base);
	archive_write_free(w);
	CHECK(exists("a/b/c/f") && exists("a/b/c/g") && exists("a/x") &&
	    exists("a/b/c/h") && exists("a/b/c/i"));
}

LB_TEST(wdisk_cache_a_cached_directory_replaced_by_a_symlink)
{
	struct archive *w = wdisk(SECURE);
	int base = nfds();

	CHECK(w != NULL && mkdir("out", 0755) == 0);
	CHECK(cache_empty_dir(w, "x/d", "x/d/h") == 0);
	CHECK_INT(nfds(), base + 2);	/* x, x/d: the case is the one meant */
	CHECK_INT(put(w, "x/d", SYMLINK, "../out"), ARCHIVE_OK);
	CHECK(is_symlink("x/d"));
	CHECK(put(w, "x/d/evil", FILE_, NULL) != ARCHIVE_OK);
	CHECK(put(w, "x/d/sub", DIR_, NULL) != ARCHIVE_OK);
	CHECK(put(w, "x/d/sub/evil", FILE_, NULL) != ARCHIVE_OK);
	archive_write_free(w);
	CHECK(!exists("out/evil") && !exists("out/sub"));
}

LB_TEST(wdisk_cache_a_deeper_cached_directory_replaced_by_a_symlink)
{
	struct archive *w = wdisk(SECURE);
	int base = nfds();

	CHECK(w != NULL && mkdir("out", 0755) == 0);
	CHECK_INT(put(w, "x/y/f", FILE_, NULL), ARCHIVE_OK);
	CHECK(cache_empty_dir(w, "x/y/z", "x/y/z/h") == 0);
	CHECK_INT(nfds(), base + 3);
	CHECK_INT(put(w, "x/y/z", SYMLINK, "../../out"), ARCHIVE_OK);
	CHECK(is_symlink("x/y/z"));
	CHECK(put(w, "x/y/z/evil", FILE_, NULL) != ARCHIVE_OK);
	CHECK(put(w, "x/y/z/q/evil", FILE_, NULL) != ARCHIVE_OK);
	CHECK_INT(put(w, "x/y/g", FILE_, NULL), ARCHIVE_OK);
	archive_write_free(w);
	CHECK(!exists("out/evil") && !exists("out/q"));
	CHECK(exists("x/y/g"));
}

LB_TEST(wdisk_cache_symlinks_beside_cached_directories)
{
	struct archive *w = wdisk(SECURE);

	CHECK(w != NULL && mkdir("out", 0755) == 0);
	CHECK_INT(put(w, "x/y/f", FILE_, NULL), ARCHIVE_OK);
	CHECK_INT(put(w, "x/y/dangling", SYMLINK, "nowhere"), ARCHIVE_OK);
	CHECK(put(w, "x/y/dangling/f", FILE_, NULL) != ARCHIVE_OK);
	CHECK_INT(put(w, "x/y/up", SYMLINK, "../../out"), ARCHIVE_OK);
	CHECK(put(w, "x/y/up/evil", FILE_, NULL) != ARCHIVE_OK);
	CHECK_INT(put(w, "x/up", SYMLINK, "../out"), ARCHIVE_OK);
	CHECK(put(w, "x/up/evil", FILE_, NULL) != ARCHIVE_OK);
	/* the last component a symlink: replaced, as without the cache */
	CHECK_INT(put(w, "x/y/dangling", FILE_, NULL), ARCHIVE_OK);
	CHECK(exists("x/y/dangling") && !is_symlink("x/y/dangling"));
	archive_write_free(w);
	CHECK(!exists("x/y/nowhere") && !exists("out/evil"));
}

LB_TEST(wdisk_cache_dropped_when_the_working_directory_changes)
{
	struct archive *w = wdisk(SECURE);
	int top = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	CHECK(w != NULL && top >= 0);
	CHECK(mkdir("t1", 0755) == 0 && mkdir("t2", 0755) == 0 &&
	    mkdir("out", 0755) == 0 && mkdir("out/b", 0755) == 0 &&
	    symlink("../out", "t2/a") == 0);
	CHECK(chdir("t1") == 0);
	CHECK_INT(put(w, "a/b/f", FILE_, NULL), ARCHIVE_OK);
	CHECK_INT(put(w, "a/b/f2", FILE_, NULL), ARCHIVE_OK);	/* cached */
	CHECK(chdir("../t2") == 0);
	CHECK(put(w, "a/b/g", FILE_, NULL) != ARCHIVE_OK);
	CHECK(fchdir(top) == 0);
	close(top);
	archive_write_free(w);
	CHECK(exists("t1/a/b/f") && !exists("out/b/g"));
}

LB_TEST(wdisk_cache_dropped_by_an_entry_written_without_the_check)
{
	struct archive *w = wdisk(SECURE);

	CHECK(w != NULL && mkdir("out", 0755) == 0);
	CHECK(cache_empty_dir(w, "x/d", "x/d/h") == 0);
	archive_write_disk_set_options(w, SECURE &
	    ~ARCHIVE_EXTRACT_SECURE_SYMLINKS);
	CHECK_INT(put(w, "x/d", SYMLINK, "../out"), ARCHIVE_OK);
	archive_write_disk_set_options(w, SECURE);
	CHECK(put(w, "x/d/evil", FILE_, NULL) != ARCHIVE_OK);
	archive_write_free(w);
	CHECK(!exists("out/evil"));
}
