/*
 * store_sftp.c: a directory on an SSH server as a store:
 * sftp://USER@HOST[:PORT]/PATH/, with libcurl's SFTP over libssh2.
 *
 * The host key is checked strictly against a known_hosts file (an unknown
 * or changed key is an error that prints the key's fingerprint). The user
 * key comes from identity_file. libssh2 on mbedTLS reads ECDSA keys and RSA
 * keys in PEM form only: a key in OpenSSH's own format (every ed25519 key,
 * and RSA keys made by a recent ssh-keygen) is refused up front with the
 * command that makes a usable one, rather than with libssh2's opaque error.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fetch.h"
#include "files.h"
#include "store.h"

#define MAX_LISTING (16 * 1024 * 1024)

struct sstore {
	struct lb_fetch_conf fc;
	char *base;		/* ends in '/' */
	char keyfile[1024];
	char pubfile[1040];
	char known[1024];
};

static int
check_key(const struct lb_store *st, const char *path, struct lb_err *err)
{
	char line[128] = "";
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		return lb_err_set(err, LB_EUSAGE, errno, "store '%s': identity "
		    "file '%s'", st->display, path);
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	if (strncmp(line, "-----BEGIN OPENSSH PRIVATE KEY-----", 35) == 0)
		return lb_err_set(err, LB_EUSAGE, 0, "store '%s': identity "
		    "'%s' is in OpenSSH's own key format (as every ed25519 key "
		    "is), which this build (libssh2 on mbedTLS) cannot read: "
		    "make an ECDSA key with 'ssh-keygen -t ecdsa -m PEM', or "
		    "convert an RSA key with 'ssh-keygen -p -m PEM -f %s'",
		    st->display, path, path);
	if (strncmp(line, "-----BEGIN ", 11) != 0)
		return lb_err_set(err, LB_EUSAGE, 0, "store '%s': identity "
		    "'%s' is not a PEM private key", st->display, path);
	return LB_OK;
}

static int
sf_open(struct lb_store *st, struct lb_err *err)
{
	const struct lb_store_conf *sc = st->conf;
	const char *url = sc->url, *v, *at, *host;
	struct sstore *s;
	size_t n;
	int r;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	st->priv = s;
	lb_fetch_conf_init(&s->fc, st->display);
	host = url + 7;
	at = strchr(host, '@');
	if (at != NULL && memchr(host, ':', (size_t)(at - host)) != NULL)
		return lb_err_set(err, LB_EUSAGE, 0, "store '%s': no password "
		    "in the URL: sftp stores log in with identity_file",
		    st->display);
	if (strchr(host, '/') == NULL)
		return lb_err_set(err, LB_EUSAGE, 0, "store '%s': no path in "
		    "'%s' (sftp://USER@HOST[:PORT]/PATH/)", st->display, url);
	n = strlen(url);
	if ((s->base = malloc(n + 2)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	snprintf(s->base, n + 2, "%s%s", url, url[n - 1] == '/' ? "" : "/");
	if ((v = lb_store_opt(sc, "identity_file")) != NULL)
		snprintf(s->keyfile, sizeof(s->keyfile), "%s", v);
	else
		lb_home_path(".ssh/id_ecdsa", s->keyfile, sizeof(s->keyfile));
	if ((r = check_key(st, s->keyfile, err)) != LB_OK)
		return r;
	/* libssh2 on mbedTLS cannot derive the public key from the private
	 * one: it offers nothing without KEY.pub */
	snprintf(s->pubfile, sizeof(s->pubfile), "%s.pub", s->keyfile);
	if (access(s->pubfile, R_OK) != 0)
		return lb_err_set(err, LB_EUSAGE, 0, "store '%s': identity "
		    "'%s' needs its public key beside it: ssh-keygen -y -f %s "
		    "> %s", st->display, s->keyfile, s->keyfile, s->pubfile);
	s->fc.ssh_pubkey = s->pubfile;
	if ((v = lb_store_opt(sc, "known_hosts")) != NULL)
		snprintf(s->known, sizeof(s->known), "%s", v);
	else
		lb_home_path(".ssh/known_hosts", s->known, sizeof(s->known));
	s->fc.ssh_key = s->keyfile;
	s->fc.known_hosts = s->known;
	return LB_OK;
}

/* "-rw-r--r--    1 0  0   1234 Nov 20 03:00 name" (curl's SFTP listing). */
static int
parse_ls(const char *body, struct lb_object **objs, size_t *n)
{
	const char *line = body, *end, *p;
	struct lb_object *v;
	char name[1024];
	long long size;
	int field;
	size_t len;

	for (; *line != '\0'; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		if (*line != '-')
			continue;	/* directories, links */
		/* fields: mode links user group size month day time name */
		p = line;
		size = -1;
		for (field = 0; field < 8 && p < end; field++) {
			while (p < end && !isspace((unsigned char)*p))
				p++;
			while (p < end && isspace((unsigned char)*p))
				p++;
			if (field == 3)
				size = strtoll(p, NULL, 10);
		}
		len = (size_t)(end - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len == 0 || len >= sizeof(name))
			continue;
		memcpy(name, p, len);
		name[len] = '\0';
		if (name[0] == '.' || strchr(name, '/'))
			continue;
		if ((v = realloc(*objs, (*n + 1) * sizeof(*v))) == NULL)
			return -1;
		*objs = v;
		if ((v[*n].name = strdup(name)) == NULL)
			return -1;
		v[*n].size = size;
		v[*n].mtime = -1;
		(*n)++;
	}
	return 0;
}

static int
sf_list(struct lb_store *st, struct lb_object **objs, size_t *n,
    struct lb_err *err)
{
	struct sstore *s = st->priv;
	struct lb_response r;
	int rc;

	*objs = NULL;
	*n = 0;
	if ((rc = lb_fetch_get(&s->fc, s->base, MAX_LISTING, &r, err)) != 0)
		return rc;
	if (parse_ls(r.body, objs, n) != 0) {
		lb_response_release(&r);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	lb_response_release(&r);
	return LB_OK;
}

static void
sf_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int
sf_open_read(struct lb_store *st, const char *name, long long offset,
    void **hp, struct lb_err *err)
{
	struct sstore *s = st->priv;
	struct lb_fetch *f;
	char *enc, *u;
	size_t n;
	int r;

	if ((enc = lb_url_encode(name, 0)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	n = strlen(s->base) + strlen(enc) + 1;
	if ((u = malloc(n)) == NULL) {
		free(enc);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	snprintf(u, n, "%s%s", s->base, enc);
	free(enc);
	r = lb_fetch_open(&s->fc, u, offset, st->notice ? st->notice :
	    sf_quiet, st->notice_arg, &f, err);
	free(u);
	if (r == LB_OK)
		*hp = f;
	return r;
}

static int
sf_read(void *hp, void *buf, size_t len, size_t *got, struct lb_err *err)
{
	return lb_fetch_read(hp, buf, len, got, err);
}

static void
sf_close_read(void *hp)
{
	lb_fetch_close(hp);
}

static void
sf_close(struct lb_store *st)
{
	struct sstore *s = st->priv;

	if (s == NULL)
		return;
	free(s->base);
	free(s);
}

/* The keys of its [store] sections besides url. */
static const char *const sftp_keys[] = {
	"identity_file", "known_hosts", NULL,
};

const struct lb_store_ops lb_store_sftp_ops = {
	.scheme = "sftp",
	.keys = sftp_keys,
	.open = sf_open,
	.list = sf_list,
	.open_read = sf_open_read,
	.read = sf_read,
	.close_read = sf_close_read,
	.close = sf_close,
};
