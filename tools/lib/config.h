/*
 * config.h: lifeboat.conf, git-config-style INI read with inih.
 *
 *   [restore]          dest, max_age, allow_unverified, layout, name_time
 *   [store "NAME"]     url, and backend-specific keys kept for the backend
 *   [volumes]          p1 = a b, p2 = ... (commit priority groups)
 *                      map.DIR = VOLUME (offen archives' directory names)
 */
#ifndef LB_CONFIG_H
#define LB_CONFIG_H

#include <stddef.h>

#include "lb.h"

struct lb_kv {
	char *key;
	char *value;
};

struct lb_store_conf {
	char *name;		/* from [store "NAME"], or the URL for --store */
	char *url;
	struct lb_kv *opts;	/* every other key of the section */
	size_t nopts;
};

#define LB_MAX_PRIO 9

struct lb_config {
	char *path;		/* the file read, NULL if none */
	char *dest;		/* NULL: the default */
	long long max_age;	/* seconds, -1 if unset */
	int allow_unverified;
	char *layout;		/* NULL: auto */
	int name_time_local;	/* times in archive names are local time */
	struct lb_store_conf *stores;
	size_t nstores;
	struct {
		char **names;
		size_t n;
	} prio[LB_MAX_PRIO];	/* p1..p9 */
	struct lb_kv *map;	/* offen directory -> volume */
	size_t nmap;
};

/* Read path into cfg (zeroed first). If path is NULL the default file is
 * read when it exists and skipped silently when it does not. */
int lb_config_load(struct lb_config *cfg, const char *path, struct lb_err *err);

/* Add a store from --store (a URL or a plain path). */
int lb_config_add_store(struct lb_config *cfg, const char *url,
    struct lb_err *err);

/* Drop the stores from the file (--store replaces them). */
void lb_config_clear_stores(struct lb_config *cfg);

/* Priority of a volume: 1..9 from [volumes], or LB_MAX_PRIO + 1. */
int lb_config_priority(const struct lb_config *cfg, const char *volume);

/* The volume an offen directory maps to (map.DIR), or dir itself. */
const char *lb_config_map(const struct lb_config *cfg, const char *dir);

/* Value of KEY in a store's section, or NULL. */
const char *lb_store_opt(const struct lb_store_conf *sc, const char *key);

void lb_config_release(struct lb_config *cfg);

#define LB_DEFAULT_CONFIG "/etc/lifeboat/lifeboat.conf"
#define LB_DEFAULT_DEST "/var/lib/docker/volumes"

#endif
