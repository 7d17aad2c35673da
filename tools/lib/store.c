/*
 * store.c: finding a store backend by URL scheme, and what every backend
 * shares.
 */
#include <stdlib.h>
#include <string.h>

#include "store.h"

static const struct lb_store_ops *const backends[] = {
	&lb_store_file_ops,
	&lb_store_http_ops,
	&lb_store_https_ops,
	&lb_store_s3_ops,
	&lb_store_sftp_ops,
	NULL,
};

static const struct lb_store_ops *
backend_for(const char *url)
{
	const char *colon = strstr(url, "://");
	size_t i, n;

	/* A plain path is a file store. */
	if (colon == NULL)
		return &lb_store_file_ops;
	n = (size_t)(colon - url);
	for (i = 0; backends[i] != NULL; i++)
		if (strlen(backends[i]->scheme) == n &&
		    strncmp(url, backends[i]->scheme, n) == 0)
			return backends[i];
	return NULL;
}

static int
has_key(const char *const *keys, const char *key)
{
	for (; keys != NULL && *keys != NULL; keys++)
		if (strcmp(*keys, key) == 0)
			return 1;
	return 0;
}

int
lb_store_key(const char *key)
{
	size_t i;

	for (i = 0; backends[i] != NULL; i++)
		if (has_key(backends[i]->keys, key))
			return 1;
	return 0;
}

int
lb_store_value_check(const char *key, const char *value, char *why,
    size_t len)
{
	size_t i;

	for (i = 0; backends[i] != NULL; i++)
		if (has_key(backends[i]->keys, key) &&
		    backends[i]->check != NULL &&
		    backends[i]->check(key, value, why, len) != 0)
			return -1;
	return 0;
}

int
lb_store_conf_check(const struct lb_store_conf *sc, char *why, size_t len)
{
	const struct lb_store_ops *ops = backend_for(sc->url);
	char keys[256] = "url";
	const char *const *k;
	size_t i;

	if (ops == NULL)
		return 0;
	for (k = ops->keys; k != NULL && *k != NULL; k++)
		snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys),
		    ", %s", *k);
	for (i = 0; i < sc->nopts; i++)
		if (!has_key(ops->keys, sc->opts[i].key)) {
			snprintf(why, len, "%s is not a key of %s stores (they "
			    "take: %s)", sc->opts[i].key, ops->scheme, keys);
			return -1;
		}
	return 0;
}

void
lb_store_watch(struct lb_store *s, void (*notice)(void *, const char *),
    void *arg)
{
	const char *v = lb_store_opt(s->conf, "insecure");
	char msg[512];

	s->notice = notice;
	s->notice_arg = arg;
	if (notice != NULL && v != NULL && has_key(s->ops->keys, "insecure") &&
	    lb_store_opt_bool(s->conf, "insecure", 0)) {
		snprintf(msg, sizeof(msg), "store '%s': TLS certificates are "
		    "NOT verified (insecure = %s)", s->display, v);
		notice(arg, msg);
	}
}

int
lb_store_new(const struct lb_store_conf *sc, struct lb_store **out,
    struct lb_err *err)
{
	struct lb_store *s;
	int r;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->display = strdup(sc->name)) == NULL) {
		free(s);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	s->conf = sc;
	if ((s->ops = backend_for(sc->url)) == NULL) {
		lb_err_set(err, LB_EUSAGE, 0, "store '%s': unsupported URL "
		    "(file://, http://, https://, s3://, sftp:// or a path)",
		    sc->url);
		free(s->display);
		free(s);
		return LB_EUSAGE;
	}
	if ((r = s->ops->open(s, err)) != LB_OK) {
		if (s->priv != NULL)
			s->ops->close(s);
		free(s->display);
		free(s);
		return r;
	}
	*out = s;
	return LB_OK;
}

void
lb_store_free(struct lb_store *s)
{
	if (s == NULL)
		return;
	s->ops->close(s);
	free(s->display);
	free(s);
}

int
lb_store_read_small(struct lb_store *s, const char *name, size_t max,
    char **buf, size_t *len, struct lb_err *err)
{
	void *h;
	char *b;
	size_t got, n = 0;
	int r;

	*buf = NULL;
	if ((r = s->ops->open_read(s, name, 0, -1, &h, err)) != LB_OK)
		return r;
	if ((b = malloc(max + 1)) == NULL) {
		s->ops->close_read(h);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	for (;;) {
		if ((r = s->ops->read(h, b + n, max + 1 - n, &got, err)) != 0)
			break;
		if (got == 0)
			break;
		n += got;
		if (n > max) {
			r = lb_err_set(err, LB_EIO, 0, "'%s' in '%s' is larger "
			    "than %zu bytes", name, s->display, max);
			break;
		}
	}
	s->ops->close_read(h);
	if (r != LB_OK) {
		free(b);
		return r;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return LB_OK;
}

void
lb_objects_free(struct lb_object *objs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(objs[i].name);
	free(objs);
}

static const char *const suffixes[] = {
	".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst", ".tar.xz", ".txz",
	NULL,
};

/* Does the first n bytes of name end in a tar suffix (with a stem)? */
static int
tar_suffix(const char *name, size_t n)
{
	size_t k;
	int i;

	for (i = 0; suffixes[i] != NULL; i++) {
		k = strlen(suffixes[i]);
		if (n > k && strncmp(name + n - k, suffixes[i], k) == 0)
			return 1;
	}
	return 0;
}

enum lb_archive_kind
lb_archive_kind(const char *name)
{
	size_t n = strlen(name);

	if (n > 4 && strcmp(name + n - 4, ".age") == 0)
		return tar_suffix(name, n - 4) ? LB_ARCHIVE_AGE :
		    LB_ARCHIVE_NONE;
	if (n > 4 && (strcmp(name + n - 4, ".gpg") == 0 ||
	    strcmp(name + n - 4, ".pgp") == 0))
		return tar_suffix(name, n - 4) ? LB_ARCHIVE_GPG :
		    LB_ARCHIVE_NONE;
	return tar_suffix(name, n) ? LB_ARCHIVE_PLAIN : LB_ARCHIVE_NONE;
}

int
lb_is_archive_name(const char *name)
{
	return lb_archive_kind(name) != LB_ARCHIVE_NONE;
}

int
lb_store_writable(const struct lb_store *s, struct lb_err *err)
{
	if (s->ops->open_write == NULL || s->ops->remove == NULL)
		return lb_err_set(err, LB_EUSAGE, 0, "store '%s': %s stores "
		    "are read-only for lifeboat (back up to a file, s3 or "
		    "sftp store)", s->display, s->ops->scheme);
	return LB_OK;
}

int
lb_store_put(struct lb_store *s, const char *name, const void *buf,
    size_t len, struct lb_err *err)
{
	void *h;
	int r;

	if ((r = lb_store_writable(s, err)) != LB_OK ||
	    (r = s->ops->open_write(s, name, &h, err)) != LB_OK)
		return r;
	if ((r = s->ops->write(h, buf, len, err)) != LB_OK) {
		s->ops->abort_write(h);
		return r;
	}
	return s->ops->commit_write(h, err);
}
