/*
 * store.h: where backups live. A store is found by its URL's scheme and
 * implements one small interface: list its files, open one at an offset
 * (for resume) and for a length (a segment), read, close. Nothing above
 * this interface knows which store is in use.
 */
#ifndef LB_STORE_H
#define LB_STORE_H

#include <stddef.h>

#include "config.h"
#include "lb.h"

/* One file in a store's listing. */
struct lb_object {
	char *name;		/* base name, no directory */
	long long size;		/* bytes, -1 if unknown */
	long long mtime;	/* seconds since the epoch, -1 if unknown */
};

struct lb_store;

struct lb_store_ops {
	const char *scheme;
	/* The keys of its [store] sections besides url (NULL-terminated),
	 * and a check of their values: 0, or -1 with why ("part_size must
	 * be ..."); NULL: any value. */
	const char *const *keys;
	int (*check)(const char *key, const char *value, char *why,
	    size_t len);
	int (*open)(struct lb_store *s, struct lb_err *err);
	int (*list)(struct lb_store *s, struct lb_object **objs, size_t *n,
	    struct lb_err *err);
	/* Read name from byte offset: length bytes (a ranged read: HTTP
	 * Range, an S3 ranged GET, an SFTP or file offset), or with length
	 * -1 to its end. */
	int (*open_read)(struct lb_store *s, const char *name,
	    long long offset, long long length, void **h, struct lb_err *err);
	/* Read up to len bytes; *got = 0 at the end (of the range). */
	int (*read)(void *h, void *buf, size_t len, size_t *got,
	    struct lb_err *err);
	void (*close_read)(void *h);
	/* Once read has given bytes: the object's length as the server
	 * tells it while sending (HTTP's Content-Length), or -1 when it
	 * does not (chunked). NULL: the listing always gives sizes. */
	long long (*length)(void *h);
	void (*close)(struct lb_store *s);
	/* Writing (lifeboat backup), NULL where a store is read-only: a new
	 * object that nobody sees under its name until it is committed, and
	 * that an abort leaves no trace of; removing one (retention). */
	int (*open_write)(struct lb_store *s, const char *name, void **h,
	    struct lb_err *err);
	int (*write)(void *h, const void *buf, size_t len,
	    struct lb_err *err);
	int (*commit_write)(void *h, struct lb_err *err);	/* frees h */
	void (*abort_write)(void *h);				/* frees h */
	int (*remove)(struct lb_store *s, const char *name,
	    struct lb_err *err);
};

struct lb_store {
	const struct lb_store_ops *ops;
	const struct lb_store_conf *conf;	/* not owned */
	char *display;		/* for messages: the store's name */
	void *priv;		/* the backend's */
	/* Retries and resumes are told here (set by the engine). */
	void (*notice)(void *arg, const char *msg);
	void *notice_arg;
};

/* Is key a [store] key of some kind of store? */
int lb_store_key(const char *key);

/* The value of [store] key, for the kinds of store that take it: 0, or
 * -1 with why naming the key and what it takes. */
int lb_store_value_check(const char *key, const char *value, char *why,
    size_t len);

/* Does every key of sc belong to its kind of store (by its URL)? 0, or
 * -1 with why naming the key and the keys that kind takes. A URL no
 * backend takes passes: lb_store_new says so. */
int lb_store_conf_check(const struct lb_store_conf *sc, char *why,
    size_t len);

/* Set where s tells of retries, resumes and corrections, and tell there
 * now that its TLS certificates are not verified, when its insecure key
 * says so (in any spelling). */
void lb_store_watch(struct lb_store *s, void (*notice)(void *, const char *),
    void *arg);

/* Open the store a configuration names. LB_EUSAGE for a URL no backend
 * takes, LB_ESTORE when it cannot be reached. */
int lb_store_new(const struct lb_store_conf *sc, struct lb_store **out,
    struct lb_err *err);
void lb_store_free(struct lb_store *s);

/* Read a small file whole (a checksum file): at most max bytes, else an
 * error. *buf is NUL-terminated and the caller's to free. */
int lb_store_read_small(struct lb_store *s, const char *name, size_t max,
    char **buf, size_t *len, struct lb_err *err);

void lb_objects_free(struct lb_object *objs, size_t n);

enum lb_archive_kind {
	LB_ARCHIVE_NONE,
	LB_ARCHIVE_PLAIN,	/* .tar, .tar.gz, .tgz, .tar.zst, .tzst,
				   .tar.xz, .txz */
	LB_ARCHIVE_AGE,		/* one of those with .age after it */
	LB_ARCHIVE_GPG,		/* ... or .gpg, .pgp: listed, refused */
};

/* What kind of archive a file name says it is. A store that is given
 * one file's URL needs to know, and so does the catalog. */
enum lb_archive_kind lb_archive_kind(const char *name);

/* Is name an archive of any kind? */
int lb_is_archive_name(const char *name);

/* Whether a store can be written (backup, prune), and writing one small
 * object whole (a manifest, a sidecar), published when complete. */
int lb_store_writable(const struct lb_store *s, struct lb_err *err);
int lb_store_put(struct lb_store *s, const char *name, const void *buf,
    size_t len, struct lb_err *err);

/* The files of the directory at base (its URL, ending in '/') that the
 * HTML page body links to, added to objs[*n] onward with an unknown size
 * and time: relative links, absolute paths and full URLs that land in the
 * directory, less any query or fragment. -1 when out of memory. */
int lb_http_page_links(const char *base, const char *body,
    struct lb_object **objs, size_t *n);

/* A listing page of an http(s) store (body NUL-terminated at len): nginx's
 * JSON autoindex when it starts with '[', else links as above. 0; -1 out
 * of memory; -2 a JSON listing that cannot be read (why says why). */
int lb_http_listing(const char *base, const char *body, size_t len,
    struct lb_object **objs, size_t *n, char *why, size_t wl);

/* A ListObjectsV2 page or an S3 error document, as the s3 store reads
 * them: the objects directly under prefix added to objs[*n] onward, and
 * an error's Code into code. 0, or -1 (not XML, or out of memory). */
int lb_s3_xml_parse(const char *body, size_t len, const char *prefix,
    struct lb_object **objs, size_t *n, char *code, size_t codelen);

extern const struct lb_store_ops lb_store_file_ops;
extern const struct lb_store_ops lb_store_http_ops;
extern const struct lb_store_ops lb_store_https_ops;
extern const struct lb_store_ops lb_store_s3_ops;
extern const struct lb_store_ops lb_store_sftp_ops;

#endif
