/*
 * store_sftp.c: a directory on an SSH server as a store:
 * sftp://USER@HOST[:PORT]/PATH/. Reading goes through libcurl's SFTP
 * (resumed at an offset on a new connection, as for the other network
 * stores); writing (lifeboat backup, prune) through libssh2 directly, on
 * one session per store, because libcurl has no fsync, no posix-rename
 * and no way to push a stream it does not pull.
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
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <mbedtls/base64.h>

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
	/* writing: one SSH session, opened by the first write or remove */
	char user[256], host[256];
	char *dir;		/* the remote directory, "" or ending in '/' */
	int port;
	int fd;			/* the session's socket, -1 when none */
	int broken;		/* it failed for want of a connection */
	unsigned gen;		/* sessions opened so far */
	LIBSSH2_SESSION *ss;
	LIBSSH2_SFTP *sftp;
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
	s->fd = -1;
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
    long long length, void **hp, struct lb_err *err)
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
	r = lb_fetch_open(&s->fc, u, offset, length, st->notice ?
	    st->notice : sf_quiet, st->notice_arg, &f, err);
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

/* --- writing, over libssh2 --- */

/* Written but not yet acknowledged by the server, at most: enough to keep
 * the link busy (OpenSSH's sftp keeps 2 MiB in flight), and the bound on
 * this store's memory with libssh2's copy of the same bytes. */
#define INFLIGHT (1024 * 1024)

static void ssh_close(struct sstore *s);

static int
copy_part(char *dst, size_t cap, const char *a, const char *b)
{
	size_t n = (size_t)(b - a);

	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, a, n);
	dst[n] = '\0';
	lb_url_decode(dst);
	return 0;
}

/* The user, host, port and directory of the URL, as libssh2 wants them:
 * percent-decoded; a path under /~/ is relative to the user's home. */
static int
parse_target(struct lb_store *st, struct sstore *s, struct lb_err *err)
{
	const char *a = s->base + 7, *slash = strchr(a, '/'), *at = NULL;
	const char *h, *e, *p;
	struct passwd *pw;
	char *end;
	long port = 22;

	for (p = a; p < slash; p++)
		if (*p == '@')
			at = p;
	if (at != NULL && copy_part(s->user, sizeof(s->user), a, at) != 0)
		goto bad;
	if (at == NULL) {
		if ((pw = getpwuid(getuid())) == NULL)
			goto bad;
		snprintf(s->user, sizeof(s->user), "%s", pw->pw_name);
	}
	h = at != NULL ? at + 1 : a;
	if (*h == '[') {
		if ((e = memchr(h, ']', (size_t)(slash - h))) == NULL ||
		    copy_part(s->host, sizeof(s->host), h + 1, e) != 0)
			goto bad;
		e++;
	} else {
		if ((e = memchr(h, ':', (size_t)(slash - h))) == NULL)
			e = slash;
		if (copy_part(s->host, sizeof(s->host), h, e) != 0)
			goto bad;
	}
	if (e < slash) {
		if (*e != ':' || e + 1 == slash)
			goto bad;
		port = strtol(e + 1, &end, 10);
		if (end != slash || port < 1 || port > 65535)
			goto bad;
	}
	s->port = (int)port;
	if ((s->dir = strdup(slash)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	lb_url_decode(s->dir);
	if (strncmp(s->dir, "/~/", 3) == 0)
		memmove(s->dir, s->dir + 3, strlen(s->dir + 3) + 1);
	return LB_OK;
bad:
	return lb_err_set(err, LB_EUSAGE, 0, "store '%s': cannot tell the "
	    "user, host and port in '%s' (sftp://USER@HOST[:PORT]/PATH/)",
	    st->display, st->conf->url);
}

/* Connected within the connect timeout, then blocking. */
static int
tcp_connect(struct lb_store *st, struct sstore *s, struct lb_err *err)
{
	struct addrinfo hints, *res, *ai;
	struct pollfd pfd;
	socklen_t sl = sizeof(int);
	char port[16];
	int fd, e = ECONNREFUSED, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", s->port);
	if ((r = getaddrinfo(s->host, port, &hints, &res)) != 0)
		return lb_err_set(err, LB_ESTORE, 0, "store '%s': cannot "
		    "resolve '%s': %s", st->display, s->host, gai_strerror(r));
	for (ai = res; ai != NULL && s->fd < 0; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) < 0) {
			e = errno;
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 &&
		    (errno != EINPROGRESS ||
		    poll(&pfd, 1, (int)s->fc.connect_timeout * 1000) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0 ||
		    e != 0)) {
			if (errno != EINPROGRESS)
				e = errno;
			else if (e == 0)
				e = ETIMEDOUT;
			close(fd);
			continue;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		s->fd = fd;
	}
	freeaddrinfo(res);
	if (s->fd < 0)
		return lb_err_set(err, LB_ESTORE, e, "store '%s': cannot "
		    "connect to %s port %d", st->display, s->host, s->port);
	return LB_OK;
}

/* Ask the server for the kinds of host key known_hosts holds for it, as
 * libcurl does, so that a file with only its RSA key still matches. */
static void
prefer_known(struct sstore *s, LIBSSH2_KNOWNHOSTS *kh)
{
	struct libssh2_knownhost *k = NULL;
	char want[300], list[256] = "";
	const char *m;
	size_t n = 0;

	if (s->port == 22)
		snprintf(want, sizeof(want), "%s", s->host);
	else
		snprintf(want, sizeof(want), "[%s]:%d", s->host, s->port);
	while (libssh2_knownhost_get(kh, &k, k) == 0) {
		if (k->name == NULL || strcmp(k->name, want) != 0)
			continue;
		switch (k->typemask & LIBSSH2_KNOWNHOST_KEY_MASK) {
		case LIBSSH2_KNOWNHOST_KEY_ECDSA_256:
			m = "ecdsa-sha2-nistp256";
			break;
		case LIBSSH2_KNOWNHOST_KEY_ECDSA_384:
			m = "ecdsa-sha2-nistp384";
			break;
		case LIBSSH2_KNOWNHOST_KEY_ECDSA_521:
			m = "ecdsa-sha2-nistp521";
			break;
		case LIBSSH2_KNOWNHOST_KEY_SSHRSA:
			m = "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
			break;
		default:
			continue;
		}
		if (strstr(list, m) != NULL ||
		    n + strlen(m) + 2 >= sizeof(list))
			continue;
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
		    n > 0 ? "," : "", m);
	}
	if (n > 0)
		libssh2_session_method_pref(s->ss, LIBSSH2_METHOD_HOSTKEY,
		    list);
}

/* The host key strictly against known_hosts; the errors say what the
 * read path (libcurl) says. */
static int
check_host(struct lb_store *st, LIBSSH2_KNOWNHOSTS *kh, struct lb_err *err)
{
	struct sstore *s = st->priv;
	const unsigned char *d;
	const char *key;
	char fp[64] = "SHA256:?";
	size_t klen, ol;
	int type, bit, r = LIBSSH2_KNOWNHOST_CHECK_NOTFOUND;

	key = libssh2_session_hostkey(s->ss, &klen, &type);
	bit = type == LIBSSH2_HOSTKEY_TYPE_RSA ? LIBSSH2_KNOWNHOST_KEY_SSHRSA :
	    type == LIBSSH2_HOSTKEY_TYPE_ECDSA_256 ?
	    LIBSSH2_KNOWNHOST_KEY_ECDSA_256 :
	    type == LIBSSH2_HOSTKEY_TYPE_ECDSA_384 ?
	    LIBSSH2_KNOWNHOST_KEY_ECDSA_384 :
	    type == LIBSSH2_HOSTKEY_TYPE_ECDSA_521 ?
	    LIBSSH2_KNOWNHOST_KEY_ECDSA_521 : 0;
	if (key != NULL && bit != 0)
		r = libssh2_knownhost_checkp(kh, s->host, s->port != 22 ?
		    s->port : -1, key, klen, LIBSSH2_KNOWNHOST_TYPE_PLAIN |
		    LIBSSH2_KNOWNHOST_KEYENC_RAW | bit, NULL);
	if (r == LIBSSH2_KNOWNHOST_CHECK_MATCH)
		return LB_OK;
	d = (const unsigned char *)libssh2_hostkey_hash(s->ss,
	    LIBSSH2_HOSTKEY_HASH_SHA256);
	if (d != NULL && mbedtls_base64_encode((unsigned char *)fp + 7,
	    sizeof(fp) - 7, &ol, d, 32) == 0) {
		while (ol > 0 && fp[7 + ol - 1] == '=')
			ol--;
		fp[7 + ol] = '\0';
	}
	if (r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
		return lb_err_set(err, LB_ESTORE, 0, "store '%s': the host key "
		    "does not match %s (it offered %s): refusing to connect; "
		    "if the server's key really changed, update the file",
		    st->display, s->known, fp);
	return lb_err_set(err, LB_ESTORE, 0, "store '%s': the host is not in "
	    "%s (it offered %s): add its key (ssh-keyscan) after checking it",
	    st->display, s->known, fp);
}

static int
ssh_fail(struct lb_store *st, const char *what, struct lb_err *err)
{
	struct sstore *s = st->priv;
	char *msg = NULL;

	libssh2_session_last_error(s->ss, &msg, NULL, 0);
	return lb_err_set(err, LB_ESTORE, 0, "store '%s': %s %s port %d: %s",
	    st->display, what, s->host, s->port, msg != NULL && *msg ? msg :
	    "failed");
}

/* The session, opened once: TCP, SSH with the host key checked, the
 * user's key, SFTP. */
static int
ssh_open(struct lb_store *st, struct lb_err *err)
{
	static int inited;
	struct sstore *s = st->priv;
	LIBSSH2_KNOWNHOSTS *kh = NULL;
	int r;

	if (s->sftp != NULL && !s->broken)
		return LB_OK;
	ssh_close(s);	/* one that broke: a new connection */
	if (s->dir == NULL && (r = parse_target(st, s, err)) != LB_OK)
		return r;
	if (!inited && libssh2_init(0) != 0)
		return lb_err_set(err, LB_EFAIL, 0, "libssh2 init failed");
	inited = 1;
	if ((r = tcp_connect(st, s, err)) != LB_OK)
		return r;
	if ((s->ss = libssh2_session_init()) == NULL ||
	    (kh = libssh2_knownhost_init(s->ss)) == NULL) {
		r = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		goto fail;
	}
	libssh2_session_set_blocking(s->ss, 1);
	libssh2_session_set_timeout(s->ss, s->fc.stall_timeout * 1000);
	/* an unreadable file is an empty one: the host is then not in it */
	libssh2_knownhost_readfile(kh, s->known,
	    LIBSSH2_KNOWNHOST_FILE_OPENSSH);
	prefer_known(s, kh);
	if (libssh2_session_handshake(s->ss, s->fd) != 0) {
		r = ssh_fail(st, "no SSH session with", err);
		goto fail;
	}
	if ((r = check_host(st, kh, err)) != LB_OK)
		goto fail;
	if (libssh2_userauth_publickey_fromfile_ex(s->ss, s->user,
	    (unsigned)strlen(s->user), s->pubfile, s->keyfile, NULL) != 0) {
		r = ssh_fail(st, "the key was refused by", err);
		goto fail;
	}
	if ((s->sftp = libssh2_sftp_init(s->ss)) == NULL) {
		r = ssh_fail(st, "no SFTP on", err);
		goto fail;
	}
	s->gen++;
	libssh2_knownhost_free(kh);
	return LB_OK;
fail:
	if (kh != NULL)
		libssh2_knownhost_free(kh);
	ssh_close(s);
	return r;
}

/* Did the call that just failed fail for want of a session (rather than
 * with an answer from the server)? */
static int
broke(struct sstore *s)
{
	int e = libssh2_session_last_errno(s->ss);

	if (e != 0 && e != LIBSSH2_ERROR_SFTP_PROTOCOL)
		s->broken = 1;
	return s->broken;
}

/* Ends the session; one that broke is dropped without a goodbye, which
 * could only wait for the timeout. */
static void
ssh_close(struct sstore *s)
{
	if (s->ss != NULL && (s->sftp == NULL || s->broken))
		libssh2_session_set_blocking(s->ss, 0);
	if (s->sftp != NULL)
		libssh2_sftp_shutdown(s->sftp);
	if (s->ss != NULL) {
		libssh2_session_disconnect(s->ss, "done");
		libssh2_session_free(s->ss);
	}
	if (s->fd >= 0)
		close(s->fd);
	s->sftp = NULL;
	s->ss = NULL;
	s->fd = -1;
	s->broken = 0;
}

/* The SFTP status of the last failure as an errno, 0 when none fits. A
 * plain "failure" (what OpenSSH's sftp-server answers for ENOSPC, EROFS
 * and EDQUOT alike) is told apart by statvfs@openssh.com. */
static int
sftp_errno(struct sstore *s)
{
	LIBSSH2_SFTP_STATVFS v;
	const char *d = s->dir[0] != '\0' ? s->dir : ".";

	switch (libssh2_sftp_last_error(s->sftp)) {
	case LIBSSH2_FX_NO_SUCH_FILE:
	case LIBSSH2_FX_NO_SUCH_PATH:
		return ENOENT;
	case LIBSSH2_FX_PERMISSION_DENIED:
		return EACCES;
	case LIBSSH2_FX_WRITE_PROTECT:
		return EROFS;
	case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:
		return ENOSPC;
	case LIBSSH2_FX_QUOTA_EXCEEDED:
		return EDQUOT;
	case LIBSSH2_FX_FILE_ALREADY_EXISTS:
		return EEXIST;
	case LIBSSH2_FX_NOT_A_DIRECTORY:
		return ENOTDIR;
	case LIBSSH2_FX_OP_UNSUPPORTED:
		return ENOTSUP;
	case LIBSSH2_FX_FAILURE:
		if (libssh2_sftp_statvfs(s->sftp, d, strlen(d), &v) != 0)
			return 0;
		if (v.f_flag & LIBSSH2_SFTP_ST_RDONLY)
			return EROFS;
		if (v.f_bavail * v.f_frsize < INFLIGHT ||
		    (v.f_files > 0 && v.f_favail == 0))
			return ENOSPC;
		return 0;
	default:
		return 0;
	}
}

static int
is_sftp_status(struct sstore *s, unsigned long status)
{
	return libssh2_session_last_errno(s->ss) ==
	    LIBSSH2_ERROR_SFTP_PROTOCOL &&
	    libssh2_sftp_last_error(s->sftp) == status;
}

/* One line naming the remote file and why, as the file store says it. */
static int
op_fail(struct lb_store *st, const char *what, const char *name,
    struct lb_err *err)
{
	struct sstore *s = st->priv;
	char *msg = NULL, why[160];
	int e;

	broke(s);
	if (lb_stop_requested)
		return lb_err_set(err, LB_EINTR, 0, "interrupted");
	if (!s->broken) {
		unsigned long fx = libssh2_sftp_last_error(s->sftp);

		if ((e = sftp_errno(s)) != 0)
			return lb_err_set(err, LB_ESTORE, e, "cannot %s '%s%s'",
			    what, s->base, name);
		return lb_err_set(err, LB_ESTORE, 0, "cannot %s '%s%s': the "
		    "server failed (SFTP status %lu)", what, s->base, name,
		    fx);
	}
	libssh2_session_last_error(s->ss, &msg, NULL, 0);
	snprintf(why, sizeof(why), "%s", msg != NULL && *msg ? msg :
	    "connection lost");
	/* libssh2 says "Unable to ...": one lowercase line, as ours */
	why[0] = (char)tolower((unsigned char)why[0]);
	return lb_err_set(err, LB_ESTORE, 0, "cannot %s '%s%s': %s", what,
	    s->base, name, why);
}

/* A file being written: NAME.partial in the store's directory until it
 * is committed, as the file store does it. */
struct swriter {
	struct lb_store *st;	/* not owned */
	LIBSSH2_SFTP_HANDLE *h;	/* of session number gen */
	unsigned gen;
	char *name, *partial;	/* base names */
	char *path, *tmp;	/* remote paths */
	unsigned char *buf;	/* [start, end): not yet acknowledged */
	size_t start, end;
};

/* Is w's handle one of the store's session, still open? */
static int
alive(const struct swriter *w)
{
	const struct sstore *s = w->st->priv;

	return w->h != NULL && s->sftp != NULL && s->gen == w->gen;
}

static void
swriter_free(struct swriter *w)
{
	if (alive(w))
		libssh2_sftp_close(w->h);
	free(w->name);
	free(w->partial);
	free(w->path);
	free(w->tmp);
	free(w->buf);
	free(w);
}

static char *
join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

static int
file_name_ok(const char *name, struct lb_err *err)
{
	if (strchr(name, '/') != NULL || name[0] == '.' || name[0] == '\0')
		return lb_err_set(err, LB_EUSAGE, 0, "'%s': not a file name",
		    name);
	return LB_OK;
}

static int
sf_open_write(struct lb_store *st, const char *name, void **hp,
    struct lb_err *err)
{
	struct sstore *s = st->priv;
	struct swriter *w;
	int r;

	if ((r = file_name_ok(name, err)) != LB_OK ||
	    (r = ssh_open(st, err)) != LB_OK)
		return r;
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->name = strdup(name)) == NULL ||
	    (w->partial = join(name, ".partial", "")) == NULL ||
	    (w->path = join(s->dir, name, "")) == NULL ||
	    (w->tmp = join(s->dir, name, ".partial")) == NULL ||
	    (w->buf = malloc(2 * INFLIGHT)) == NULL) {
		if (w != NULL)
			swriter_free(w);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	w->st = st;
	/* a .partial left by a killed run is ours to replace; a new file,
	 * never one a symlink there points to */
	libssh2_sftp_unlink(s->sftp, w->tmp);
	w->h = libssh2_sftp_open_ex(s->sftp, w->tmp, (unsigned)strlen(w->tmp),
	    LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_EXCL, 0644,
	    LIBSSH2_SFTP_OPENFILE);
	if (w->h == NULL) {
		r = op_fail(st, "create", w->partial, err);
		swriter_free(w);
		return r;
	}
	w->gen = s->gen;
	*hp = w;
	return LB_OK;
}

/* Hand what is buffered to libssh2 and wait for the first answer: the
 * bytes the server acknowledged leave the buffer. */
static int
push(struct swriter *w, struct lb_err *err)
{
	const struct sstore *s = w->st->priv;
	ssize_t n;

	if (!alive(w))
		return lb_err_set(err, LB_ESTORE, 0, "cannot write '%s%s': "
		    "the connection was lost", s->base, w->partial);
	n = libssh2_sftp_write(w->h, (const char *)w->buf + w->start,
	    w->end - w->start);
	if (n < 0)
		return op_fail(w->st, "write", w->partial, err);
	w->start += (size_t)n;
	if (w->start == w->end)
		w->start = w->end = 0;
	return LB_OK;
}

static int
sf_write(void *hp, const void *buf, size_t len, struct lb_err *err)
{
	struct swriter *w = hp;
	const unsigned char *p = buf;
	size_t n;
	int r;

	while (len > 0) {
		if (w->end == 2 * INFLIGHT) {
			/* libssh2 keeps its own copy of what is in flight:
			 * only the content matters, not where it sits */
			memmove(w->buf, w->buf + w->start, w->end - w->start);
			w->end -= w->start;
			w->start = 0;
		}
		n = 2 * INFLIGHT - w->end;
		if (n > len)
			n = len;
		memcpy(w->buf + w->end, p, n);
		w->end += n;
		p += n;
		len -= n;
		while (w->end - w->start >= INFLIGHT)
			if ((r = push(w, err)) != LB_OK)
				return r;
	}
	return LB_OK;
}

/* Everything acknowledged, on the server's disk (fsync@openssh.com where
 * offered), closed, then renamed into place: posix-rename@openssh.com
 * where offered, which replaces as rename(2) does; else SSH_FXP_RENAME. */
static void sf_abort_write(void *hp);

static int
sf_commit_write(void *hp, struct lb_err *err)
{
	struct swriter *w = hp;
	struct sstore *s = w->st->priv;
	int r = LB_OK, c;

	do	/* push says so when the connection was lost */
		r = push(w, err);
	while (r == LB_OK && w->end > w->start);
	if (r == LB_OK && libssh2_sftp_fsync(w->h) != 0 &&
	    !is_sftp_status(s, LIBSSH2_FX_OP_UNSUPPORTED))
		r = op_fail(w->st, "write", w->partial, err);
	if (r == LB_OK) {
		c = libssh2_sftp_close(w->h);
		w->h = NULL;
		if (c != 0)
			r = op_fail(w->st, "write", w->partial, err);
	}
	if (r == LB_OK && libssh2_sftp_posix_rename_ex(s->sftp, w->tmp,
	    strlen(w->tmp), w->path, strlen(w->path)) != 0 &&
	    (!is_sftp_status(s, LIBSSH2_FX_OP_UNSUPPORTED) ||
	    libssh2_sftp_rename(s->sftp, w->tmp, w->path) != 0))
		r = op_fail(w->st, "rename", w->partial, err);
	if (r != LB_OK)
		sf_abort_write(w);
	else
		swriter_free(w);
	return r;
}

/* Nothing left behind: the handle closed and the .partial removed; when
 * the session broke, on a new one (once, and not when told to stop). */
static void
sf_abort_write(void *hp)
{
	struct swriter *w = hp;
	struct sstore *s;

	if (w == NULL)
		return;
	s = w->st->priv;
	if (alive(w)) {
		/* closing frees the handle: on a dead connection, after
		 * seconds rather than the whole stall timeout */
		if (s->broken)
			libssh2_session_set_timeout(s->ss, 5000);
		if (libssh2_sftp_close(w->h) != 0)
			broke(s);
	}
	w->h = NULL;
	if (s->sftp != NULL && !s->broken &&
	    libssh2_sftp_unlink(s->sftp, w->tmp) != 0)
		broke(s);
	if (s->sftp == NULL || s->broken) {
		ssh_close(s);
		if (!lb_stop_requested && ssh_open(w->st, NULL) == LB_OK)
			libssh2_sftp_unlink(s->sftp, w->tmp);
	}
	swriter_free(w);
}

static int
sf_remove(struct lb_store *st, const char *name, struct lb_err *err)
{
	struct sstore *s = st->priv;
	char *path;
	int r;

	if ((r = file_name_ok(name, err)) != LB_OK ||
	    (r = ssh_open(st, err)) != LB_OK)
		return r;
	if ((path = join(s->dir, name, "")) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	if (libssh2_sftp_unlink(s->sftp, path) != 0 &&
	    !is_sftp_status(s, LIBSSH2_FX_NO_SUCH_FILE))
		r = op_fail(st, "remove", name, err);
	free(path);
	return r;
}

static void
sf_close(struct lb_store *st)
{
	struct sstore *s = st->priv;

	if (s == NULL)
		return;
	ssh_close(s);
	free(s->dir);
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
	.open_write = sf_open_write,
	.write = sf_write,
	.commit_write = sf_commit_write,
	.abort_write = sf_abort_write,
	.remove = sf_remove,
};
