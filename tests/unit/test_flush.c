/*
 * test_flush.c: the staging's writeback thread (flush.c) writes a file's
 * data back while it is being written, not at the commit. Seen through
 * FIEMAP: a file written and not yet written back has its extents in
 * delayed allocation (ext4, XFS); the temporary directory must be on such
 * a filesystem, or the test fails saying so.
 */
#define _GNU_SOURCE	/* syncfs */
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "flush.h"
#include "lbtest.h"

#define SIZE (8 << 20)

/* 1: some extent of fd is in delayed allocation, 0: none, -1: no FIEMAP */
static int
delalloc(int fd)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent ext[32];
	} b;
	unsigned i;

	memset(&b, 0, sizeof(b));
	b.fm.fm_length = FIEMAP_MAX_OFFSET;
	b.fm.fm_extent_count = 32;
	if (ioctl(fd, FS_IOC_FIEMAP, &b.fm) != 0)
		return -1;
	for (i = 0; i < b.fm.fm_mapped_extents; i++)
		if (b.fm.fm_extents[i].fe_flags & FIEMAP_EXTENT_DELALLOC)
			return 1;
	return 0;
}

static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

	nanosleep(&ts, NULL);
}

/* A file of SIZE bytes written in the current directory and left alone
 * 300 ms: its fd, still in delayed allocation (*d 1),
 * or not (0), or no FIEMAP (-1). The filesystem's other dirty data (a
 * build's) is synced first: past the kernel's background threshold it is
 * written back at once, with this file. */
static int
staged(int *d)
{
	char *buf = malloc(SIZE);
	int fd, ok;

	if (buf == NULL)
		return -1;
	memset(buf, 'x', SIZE);
	fd = open("staged", O_RDWR | O_CREAT | O_TRUNC, 0644);
	ok = fd >= 0 && syncfs(fd) == 0 && write(fd, buf, SIZE) == SIZE;
	free(buf);
	if (!ok) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* left alone, the kernel writes it back only after 30 s */
	nap(300);
	*d = delalloc(fd);
	return fd;
}

LB_TEST(flush_writes_back_while_the_staging_is_written)
{
	struct lb_flush *f;
	struct lb_err err;
	int fd = -1, i, d = 0;

	/* another writer's backlog may still be written back with it: then
	 * once more, after a sync */
	for (i = 0; i < 5 && d != 1; i++) {
		if (fd >= 0)
			close(fd);
		fd = staged(&d);
		CHECK(fd >= 0);
	}
	if (d != 1)
		lbt_fail(__FILE__, __LINE__, "the temporary directory's "
		    "filesystem shows no delayed allocation (FIEMAP: %d): "
		    "run the unit tests with TMPDIR on ext4 or XFS", d);
	CHECK(d == 1);
	CHECK((f = lb_flush_start(".")) != NULL);
	for (i = 0; i < 100 && (d = delalloc(fd)) == 1; i++)
		nap(100);
	CHECK_INT(d, 0);
	CHECK_INT(lb_flush_check(f, &err), LB_OK);
	CHECK_INT(lb_flush_stop(f, &err), LB_OK);
	close(fd);
}

LB_TEST(flush_of_nothing)
{
	struct lb_err err;

	CHECK(lb_flush_start("no-such-directory") == NULL);
	CHECK_INT(lb_flush_check(NULL, &err), LB_OK);
	CHECK_INT(lb_flush_stop(NULL, &err), LB_OK);
}
