/*
 * files.h: the engine's file chores, done one way: a directory made with
 * its parents, a small file replaced whole (a crash leaves the old one or
 * the new one, never half of either), and files under the user's home.
 */
#ifndef LB_FILES_H
#define LB_FILES_H

#include <stddef.h>
#include <sys/types.h>

#include "lb.h"

/* mkdir -p: path with mode, its missing parents with 0755. 0 (also when
 * it is there), or -1 with errno (ENOTDIR when path is not a directory). */
int lb_mkdirs(const char *path, mode_t mode);

/* lb_mkdirs of the directory that holds path (nothing for a bare name). */
int lb_mkdirs_parent(const char *path, mode_t mode);

/* Replace path with len bytes of data, mode given: PATH.lock is created
 * with O_EXCL|O_NOFOLLOW (one that exists is another writer's, or a killed
 * one's: an error saying so), written, fsync'ed and renamed over path.
 * When path is a symbolic link, the file it points to is replaced and the
 * link kept. LB_EIO with err on failure; path is then as it was. */
int lb_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct lb_err *err);

/* The whole file at path (at most max bytes: a longer one is an error)
 * into *buf, NUL-terminated, *len its length; the caller frees it. LB_EIO
 * (or LB_ENOMEM) with err. */
int lb_read_file(const char *path, size_t max, char **buf, size_t *len,
    struct lb_err *err);

/* $HOME/rel into buf ("/root" when HOME is unset or empty, as in the
 * rescue system's init). */
void lb_home_path(const char *rel, char *buf, size_t len);

#endif
