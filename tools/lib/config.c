/*
 * config.c: reading lifeboat.conf with inih. inih hands us each key with its
 * section's raw name ('store "nas"'), so the git-config style subsections
 * are split here. Unknown keys are errors: a typo in a recovery config must
 * not be discovered at 3 a.m. by its absence of effect.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"

struct ctx {
	struct lb_config *cfg;
	struct lb_err *err;
	int failed;
};

static int
bool_value(const char *v, int *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcasecmp(v, "on") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
	    !strcasecmp(v, "off") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int
kv_add(struct lb_kv **kv, size_t *n, const char *k, const char *v)
{
	struct lb_kv *p;

	p = realloc(*kv, (*n + 1) * sizeof(**kv));
	if (p == NULL)
		return -1;
	*kv = p;
	p[*n].key = strdup(k);
	p[*n].value = strdup(v);
	if (p[*n].key == NULL || p[*n].value == NULL) {
		free(p[*n].key);
		free(p[*n].value);
		return -1;
	}
	(*n)++;
	return 0;
}

static struct lb_store_conf *
store_get(struct lb_config *cfg, const char *name)
{
	struct lb_store_conf *p;
	size_t i;

	for (i = 0; i < cfg->nstores; i++)
		if (strcmp(cfg->stores[i].name, name) == 0)
			return &cfg->stores[i];
	p = realloc(cfg->stores, (cfg->nstores + 1) * sizeof(*p));
	if (p == NULL)
		return NULL;
	cfg->stores = p;
	p = &cfg->stores[cfg->nstores];
	memset(p, 0, sizeof(*p));
	if ((p->name = strdup(name)) == NULL)
		return NULL;
	cfg->nstores++;
	return p;
}

/* 'store "nas"' -> "nas" in buf; 0 if the section is a store section. */
static int
store_section(const char *section, char *buf, size_t len)
{
	const char *q, *e;
	size_t n;

	if (strncmp(section, "store", 5) != 0)
		return -1;
	q = section + 5;
	while (*q == ' ' || *q == '\t')
		q++;
	if (*q != '"' || (e = strrchr(q + 1, '"')) == NULL || e[1] != '\0')
		return -1;
	n = (size_t)(e - q - 1);
	if (n == 0 || n >= len)
		return -1;
	memcpy(buf, q + 1, n);
	buf[n] = '\0';
	return 0;
}

static int
split_words(const char *v, char ***out, size_t *n)
{
	char *copy, *tok, *save, **p;

	if ((copy = strdup(v)) == NULL)
		return -1;
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		p = realloc(*out, (*n + 1) * sizeof(*p));
		if (p == NULL || (p[*n] = strdup(tok)) == NULL) {
			if (p != NULL)
				*out = p;
			free(copy);
			return -1;
		}
		*out = p;
		(*n)++;
	}
	free(copy);
	return 0;
}

/* The keys of [store "NAME"] sections, for every kind of store. */
static int
store_key(const char *key)
{
	static const char *const keys[] = {
		"url",
		"ca_file", "insecure",			/* https, s3 */
		"netrc",				/* http, https */
		"region", "endpoint", "path_style",	/* s3 */
		"profile", "credentials_file",		/* s3 */
		"identity_file", "known_hosts",		/* sftp */
		NULL,
	};
	int i;

	for (i = 0; keys[i] != NULL; i++)
		if (strcmp(key, keys[i]) == 0)
			return 1;
	return 0;
}

static int
on_key(void *user, const char *section, const char *key, const char *value,
    int lineno)
{
	struct ctx *c = user;
	struct lb_config *cfg = c->cfg;
	struct lb_store_conf *sc;
	char name[256];
	long long secs;
	char **slot;

	if (c->failed)
		return 0;
#define BAD(...) do {							\
	lb_err_set(c->err, LB_EUSAGE, 0, __VA_ARGS__);			\
	c->failed = 1;							\
	return 0;							\
} while (0)
	if (key == NULL) {
		/* a section starts: known, and a store is known even empty */
		if (strcmp(section, "restore") == 0 ||
		    strcmp(section, "volumes") == 0)
			return 1;
		if (store_section(section, name, sizeof(name)) == 0) {
			if (store_get(cfg, name) == NULL)
				BAD("out of memory");
			return 1;
		}
		BAD("%s:%d: unknown section [%s]", cfg->path, lineno, section);
	}
	if (strcmp(section, "restore") == 0) {
		slot = NULL;
		if (strcmp(key, "dest") == 0)
			slot = &cfg->dest;
		else if (strcmp(key, "layout") == 0) {
			if (strcmp(value, "auto") && strcmp(value, "docker") &&
			    strcmp(value, "offen") && strcmp(value, "plain"))
				BAD("%s:%d: layout must be auto, docker, offen "
				    "or plain, not '%s'", cfg->path, lineno,
				    value);
			slot = &cfg->layout;
		} else if (strcmp(key, "max_age") == 0) {
			if (lb_parse_duration(value, &secs) != LB_OK)
				BAD("%s:%d: max_age: '%s' is not a duration "
				    "(like 24h, 36h, 2d)", cfg->path, lineno,
				    value);
			cfg->max_age = secs;
			return 1;
		} else if (strcmp(key, "allow_unverified") == 0) {
			if (bool_value(value, &cfg->allow_unverified) != 0)
				BAD("%s:%d: allow_unverified must be yes or "
				    "no, not '%s'", cfg->path, lineno, value);
			return 1;
		} else if (strcmp(key, "name_time") == 0) {
			if (strcmp(value, "utc") == 0)
				cfg->name_time_local = 0;
			else if (strcmp(value, "local") == 0)
				cfg->name_time_local = 1;
			else
				BAD("%s:%d: name_time must be utc or local, "
				    "not '%s'", cfg->path, lineno, value);
			return 1;
		} else
			BAD("%s:%d: unknown key '%s' in [restore]", cfg->path,
			    lineno, key);
		free(*slot);
		if ((*slot = strdup(value)) == NULL)
			BAD("out of memory");
		return 1;
	}
	if (store_section(section, name, sizeof(name)) == 0) {
		if ((sc = store_get(cfg, name)) == NULL)
			BAD("out of memory");
		if (!store_key(key))
			BAD("%s:%d: unknown key '%s' in [store \"%s\"]",
			    cfg->path, lineno, key, name);
		if (strcmp(key, "url") == 0) {
			free(sc->url);
			if ((sc->url = strdup(value)) == NULL)
				BAD("out of memory");
		} else if (kv_add(&sc->opts, &sc->nopts, key, value) != 0)
			BAD("out of memory");
		return 1;
	}
	if (strcmp(section, "volumes") == 0) {
		if (key[0] == 'p' && key[1] >= '1' && key[1] <= '9' &&
		    key[2] == '\0') {
			if (split_words(value, &cfg->prio[key[1] - '1'].names,
			    &cfg->prio[key[1] - '1'].n) != 0)
				BAD("out of memory");
			return 1;
		}
		if (strncmp(key, "map.", 4) == 0 && key[4] != '\0') {
			if (kv_add(&cfg->map, &cfg->nmap, key + 4, value) != 0)
				BAD("out of memory");
			return 1;
		}
		BAD("%s:%d: unknown key '%s' in [volumes] (p1..p9 or map.DIR)",
		    cfg->path, lineno, key);
	}
	BAD("%s:%d: unknown section [%s]", cfg->path, lineno, section);
#undef BAD
}

int
lb_config_load(struct lb_config *cfg, const char *path, struct lb_err *err)
{
	struct ctx c = { cfg, err, 0 };
	size_t i;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->max_age = -1;
	if (path == NULL) {
		if (access(LB_DEFAULT_CONFIG, F_OK) != 0)
			return LB_OK;
		path = LB_DEFAULT_CONFIG;
	}
	if ((cfg->path = strdup(path)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	r = ini_parse(path, on_key, &c);
	if (r == -1)
		return lb_err_set(err, LB_EUSAGE, errno,
		    "cannot read config '%s'", path);
	if (c.failed)
		return err->code;
	if (r != 0)
		return lb_err_set(err, LB_EUSAGE, 0,
		    "%s:%d: not a 'key = value' line or a [section]", path, r);
	for (i = 0; i < cfg->nstores; i++)
		if (cfg->stores[i].url == NULL)
			return lb_err_set(err, LB_EUSAGE, 0,
			    "%s: [store \"%s\"] has no url", path,
			    cfg->stores[i].name);
	return LB_OK;
}

/* "scheme://user:secret@host/..." -> "scheme://user:***@host/..." */
static char *
redact_url(const char *url)
{
	const char *auth = strstr(url, "://"), *at, *colon, *end;
	char *out;
	size_t n;

	if (auth == NULL)
		return strdup(url);
	auth += 3;
	end = strchr(auth, '/');
	at = strchr(auth, '@');
	if (at == NULL || (end != NULL && at > end))
		return strdup(url);
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (colon == NULL)
		return strdup(url);
	n = strlen(url) + 4;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%.*s:***%s", (int)(colon - url), url, at);
	return out;
}

int
lb_config_add_store(struct lb_config *cfg, const char *url, struct lb_err *err)
{
	struct lb_store_conf *sc;
	char name[32];

	snprintf(name, sizeof(name), "--store %zu", cfg->nstores + 1);
	if ((sc = store_get(cfg, name)) == NULL ||
	    (sc->url = strdup(url)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	/* A store named after its URL reads better in messages; a password
	 * in it is never shown (such a URL is refused later anyway). */
	free(sc->name);
	if ((sc->name = redact_url(url)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	return LB_OK;
}

static void
store_release(struct lb_store_conf *sc)
{
	size_t i;

	for (i = 0; i < sc->nopts; i++) {
		free(sc->opts[i].key);
		free(sc->opts[i].value);
	}
	free(sc->opts);
	free(sc->name);
	free(sc->url);
}

void
lb_config_clear_stores(struct lb_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nstores; i++)
		store_release(&cfg->stores[i]);
	free(cfg->stores);
	cfg->stores = NULL;
	cfg->nstores = 0;
}

int
lb_config_priority(const struct lb_config *cfg, const char *volume)
{
	size_t i;
	int p;

	for (p = 0; p < LB_MAX_PRIO; p++)
		for (i = 0; i < cfg->prio[p].n; i++)
			if (strcmp(cfg->prio[p].names[i], volume) == 0)
				return p + 1;
	return LB_MAX_PRIO + 1;
}

const char *
lb_config_map(const struct lb_config *cfg, const char *dir)
{
	size_t i;

	for (i = 0; i < cfg->nmap; i++)
		if (strcmp(cfg->map[i].key, dir) == 0)
			return cfg->map[i].value;
	return dir;
}

const char *
lb_store_opt(const struct lb_store_conf *sc, const char *key)
{
	size_t i;

	for (i = 0; i < sc->nopts; i++)
		if (strcmp(sc->opts[i].key, key) == 0)
			return sc->opts[i].value;
	return NULL;
}

void
lb_config_release(struct lb_config *cfg)
{
	size_t i;
	int p;

	lb_config_clear_stores(cfg);
	for (p = 0; p < LB_MAX_PRIO; p++) {
		for (i = 0; i < cfg->prio[p].n; i++)
			free(cfg->prio[p].names[i]);
		free(cfg->prio[p].names);
	}
	for (i = 0; i < cfg->nmap; i++) {
		free(cfg->map[i].key);
		free(cfg->map[i].value);
	}
	free(cfg->map);
	free(cfg->path);
	free(cfg->dest);
	free(cfg->layout);
	memset(cfg, 0, sizeof(*cfg));
}
