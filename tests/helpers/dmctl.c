/*
 * dmctl: the two device-mapper operations the e2e test of a failing disk
 * needs, straight through the kernel's ioctls (<linux/dm-ioctl.h>), as a
 * static program for the rescue image's guest (Debian's dmsetup is a
 * dynamic binary and not in the image):
 *
 *   dmctl create NAME DEV   a 'linear' device NAME over the whole of DEV;
 *                           prints its node, /dev/dm-MINOR
 *   dmctl error NAME        NAME's table swapped for an 'error' target of
 *                           the same size: load, suspend, resume; from
 *                           then on every read and write of NAME fails
 *                           with EIO, as a dead disk's do
 *
 * A test helper, never shipped. Every failure: one line on stderr, exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define CONTROL "/dev/mapper/control"
#define BUFSZ 16384

/* one ioctl's buffer: the header, then target specs and their parameters */
static union {
	struct dm_ioctl io;
	char b[BUFSZ];
} buf;

static int ctl = -1;

static void die(const char *what, const char *name, int err)
{
	fprintf(stderr, "dmctl: %s '%s': %s\n", what, name, strerror(err));
	exit(1);
}

/* dm_init NAME: a fresh header for an ioctl on NAME */
static struct dm_ioctl *dm_init(const char *name)
{
	memset(&buf, 0, sizeof(buf));
	buf.io.version[0] = DM_VERSION_MAJOR;
	buf.io.version[1] = 0;
	buf.io.version[2] = 0;
	buf.io.data_size = sizeof(buf);
	buf.io.data_start = sizeof(struct dm_ioctl);
	if (strlen(name) >= sizeof(buf.io.name)) {
		fprintf(stderr, "dmctl: name '%s' is too long\n", name);
		exit(1);
	}
	memcpy(buf.io.name, name, strlen(name) + 1);
	return &buf.io;
}

static void dm_call(unsigned long req, const char *what, const char *name)
{
	if (ioctl(ctl, req, &buf) < 0)
		die(what, name, errno);
}

/* load NAME's inactive table: one target TYPE over SECTORS, PARAMS */
static void load(const char *name, const char *type, uint64_t sectors,
		 const char *params)
{
	struct dm_ioctl *io = dm_init(name);
	struct dm_target_spec *t;
	size_t plen = strlen(params) + 1;

	t = (struct dm_target_spec *)(buf.b + sizeof(*io));
	if (sizeof(*io) + sizeof(*t) + plen > sizeof(buf)) {
		fprintf(stderr, "dmctl: table for '%s' too long\n", name);
		exit(1);
	}
	io->target_count = 1;
	t->sector_start = 0;
	t->length = sectors;
	snprintf(t->target_type, sizeof(t->target_type), "%s", type);
	memcpy((char *)(t + 1), params, plen);
	dm_call(DM_TABLE_LOAD, "cannot load a table for", name);
}

/* activate NAME's inactive table; with SUSPEND_FIRST, suspend it first
 * without freezing its filesystem (what is dirty in memory is to fail) */
static void swap_in(const char *name, int suspend_first)
{
	struct dm_ioctl *io;

	if (suspend_first) {
		io = dm_init(name);
		io->flags = DM_SUSPEND_FLAG | DM_SKIP_LOCKFS_FLAG;
		dm_call(DM_DEV_SUSPEND, "cannot suspend", name);
	}
	dm_init(name);
	dm_call(DM_DEV_SUSPEND, "cannot resume", name);
}

static int cmd_create(const char *name, const char *dev)
{
	struct stat st;
	uint64_t bytes;
	char params[64];
	int fd;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open", dev, errno);
	if (fstat(fd, &st) < 0 || ioctl(fd, BLKGETSIZE64, &bytes) < 0)
		die("cannot read the size of", dev, errno);
	close(fd);
	if (!S_ISBLK(st.st_mode) || bytes < 512) {
		fprintf(stderr, "dmctl: '%s' is not a block device\n", dev);
		return 1;
	}
	snprintf(params, sizeof(params), "%u:%u 0", major(st.st_rdev),
		 minor(st.st_rdev));
	dm_init(name);
	dm_call(DM_DEV_CREATE, "cannot create", name);
	load(name, "linear", bytes / 512, params);
	swap_in(name, 0);
	printf("/dev/dm-%u\n", minor(buf.io.dev));
	return 0;
}

static int cmd_error(const char *name)
{
	struct dm_ioctl *io = dm_init(name);
	struct dm_target_spec *t;
	uint64_t sectors;

	dm_call(DM_TABLE_STATUS, "cannot read the table of", name);
	t = (struct dm_target_spec *)(buf.b + io->data_start);
	if (io->target_count != 1 || (io->flags & DM_BUFFER_FULL_FLAG)) {
		fprintf(stderr, "dmctl: '%s' has %u targets, not one\n", name,
			io->target_count);
		return 1;
	}
	sectors = t->length;
	load(name, "error", sectors, "");
	swap_in(name, 1);
	return 0;
}

static void open_control(void)
{
	ctl = open(CONTROL, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		die("cannot open", CONTROL, errno);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "create") == 0) {
		open_control();
		return cmd_create(argv[2], argv[3]);
	}
	if (argc == 3 && strcmp(argv[1], "error") == 0) {
		open_control();
		return cmd_error(argv[2]);
	}
	fprintf(stderr, "usage: dmctl create NAME DEV | error NAME\n");
	return 2;
}
