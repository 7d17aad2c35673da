/*
 * bolt.h: reading the names in a bbolt database, read-only.
 *
 * Docker keeps its volumes' metadata in DATAROOT/volumes/metadata.db, a
 * bbolt (BoltDB) file. A daemon that started once on a fresh machine
 * leaves one behind that lists no volume with data, and a restore should
 * not refuse to replace it; one that lists volumes holding data must be
 * kept. Only the keys of one top-level bucket are needed, so this reads
 * the file's B+tree directly, bounds-checked, rather than linking a Go
 * library's port.
 */
#ifndef LB_BOLT_H
#define LB_BOLT_H

#include <stddef.h>

#include "lb.h"

/* The keys of the top-level bucket named bucket in the bbolt file at
 * path, as NUL-terminated strings (*keys and each key the caller's to
 * free; lb_bolt_keys_free does both). A missing bucket gives no keys.
 * LB_EIO for a file that is not a readable bbolt database. */
int lb_bolt_keys(const char *path, const char *bucket, char ***keys,
    size_t *n, struct lb_err *err);

void lb_bolt_keys_free(char **keys, size_t n);

#endif
