/*
 * docker.c: finding the Docker daemons that own a directory, and the
 * Engine API over a unix socket (see docker.h).
 *
 * Looking only for /var/lib/docker was not enough: a daemon started with
 * another --data-root (or data-root in daemon.json) let a restore write
 * under it. So every daemon is asked where its data is, two ways: the
 * processes by their command line and configuration (what the daemon was
 * told), the sockets by GET /info (what it says); and the answer is
 * compared by inode, so that symlinks and bind mounts do not hide it.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <curl/curl.h>

#include "docker.h"
#include "jread.h"
#include "json.h"

#define MAX_CMDLINE (64 * 1024)
#define MAX_CONFIG (1024 * 1024)
#define MAX_ANSWER (16 * 1024 * 1024)

/* The body of an answer, bounded. */
struct body {
	char *p;
	size_t len;
};

static size_t
body_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;
	char *q;

	if (b->len + len > MAX_ANSWER ||
	    (q = realloc(b->p, b->len + len + 1)) == NULL)
		return 0;
	b->p = q;
	memcpy(q + b->len, buf, len);
	b->len += len;
	q[b->len] = '\0';
	return len;
}

int
lb_docker_call(const char *sock, const char *method, const char *path,
    const char *json, long timeout, struct lb_response *r,
    struct lb_err *err)
{
	struct curl_slist *h = NULL;
	struct body b = { NULL, 0 };
	char url[1024], ebuf[CURL_ERROR_SIZE] = "";
	CURLcode cr;
	CURL *e;

	memset(r, 0, sizeof(*r));
	/* the host name is never looked up: the socket is the server */
	if (snprintf(url, sizeof(url), "http://docker%s", path) >=
	    (int)sizeof(url))
		return lb_err_set(err, LB_EUSAGE, 0, "'%s': path too long",
		    path);
	if ((e = curl_easy_init()) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 3L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	if (json != NULL) {
		h = curl_slist_append(NULL, "Content-Type: application/json");
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, json);
	} else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
	cr = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	if (cr != CURLE_OK) {
		free(b.p);
		return lb_err_set(err, LB_ESTORE, 0, "Docker at '%s': %s %s: "
		    "%s", sock, method, path, ebuf[0] ? ebuf :
		    curl_easy_strerror(cr));
	}
	r->body = b.p != NULL ? b.p : strdup("");
	r->len = b.len;
	if (r->body == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	return LB_OK;
}

int
lb_docker_get(const char *sock, const char *path, struct lb_response *r,
    struct lb_err *err)
{
	return lb_docker_call(sock, "GET", path, NULL, 5, r, err);
}

/* Is the directory (dev, ino) dest itself or one of its ancestors? dest
 * need not exist: its nearest existing ancestor is where the walk starts,
 * resolved, so that a symlink on the way counts where it leads. */
static int
holds(const char *dest, dev_t dev, ino_t ino)
{
	char p[PATH_MAX], real[PATH_MAX], *slash;
	struct stat st;

	if (snprintf(p, sizeof(p), "%s", dest) >= (int)sizeof(p))
		return 0;
	while (realpath(p, real) == NULL) {
		if ((slash = strrchr(p, '/')) == NULL || slash == p)
			return 0;
		*slash = '\0';
	}
	for (;;) {
		if (stat(real, &st) == 0 && st.st_dev == dev &&
		    st.st_ino == ino)
			return 1;
		if (strcmp(real, "/") == 0 ||
		    (slash = strrchr(real, '/')) == NULL)
			return 0;
		slash[slash == real ? 1 : 0] = '\0';
	}
}

/* Does the data-root at path, as the process pid sees it (pid 0: as we
 * do), hold dest? */
static int
root_holds(const char *dest, long pid, const char *path)
{
	char p[PATH_MAX + 64];
	struct stat st;

	if (pid > 0 && snprintf(p, sizeof(p), "/proc/%ld/root%s", pid,
	    path) < (int)sizeof(p) && stat(p, &st) == 0)
		return holds(dest, st.st_dev, st.st_ino);
	return stat(path, &st) == 0 && holds(dest, st.st_dev, st.st_ino);
}

/* The whole of a small file, NUL-terminated; NULL if it cannot be read. */
static char *
slurp(const char *path, size_t max, size_t *len)
{
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if ((buf = malloc(max + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (got < max && (n = read(fd, buf + got, max - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	*len = got;
	return buf;
}

/* The value of option name in argv-like args[0..n): "--name=V", "--name V"
 * or, for a short alias, "-g V". */
static const char *
arg_value(char **args, size_t n, const char *name, const char *alias)
{
	size_t i, k = strlen(name);

	for (i = 0; i < n; i++) {
		if (strncmp(args[i], name, k) == 0 && args[i][k] == '=')
			return args[i] + k + 1;
		if ((strcmp(args[i], name) == 0 || (alias != NULL &&
		    strcmp(args[i], alias) == 0)) && i + 1 < n)
			return args[i + 1];
	}
	return NULL;
}

/* The data-root the dockerd process pid was told, into buf. */
static void
process_root(long pid, char **args, size_t n, char *buf, size_t len)
{
	const char *v, *cfg;
	char p[PATH_MAX + 64], *text;
	struct lb_jval *j;
	size_t tl;

	if ((v = arg_value(args, n, "--data-root", "-g")) != NULL ||
	    (v = arg_value(args, n, "--graph", NULL)) != NULL) {
		snprintf(buf, len, "%s", v);
		return;
	}
	snprintf(buf, len, "/var/lib/docker");
	if ((cfg = arg_value(args, n, "--config-file", NULL)) == NULL)
		cfg = "/etc/docker/daemon.json";
	snprintf(p, sizeof(p), "/proc/%ld/root%s%s", pid, cfg[0] == '/' ? "" :
	    "/", cfg);
	if ((text = slurp(p, MAX_CONFIG, &tl)) == NULL &&
	    (text = slurp(cfg, MAX_CONFIG, &tl)) == NULL)
		return;
	if (lb_jread_parse(text, tl, &j, NULL, 0) == 0) {
		if ((v = lb_jread_str(j, "data-root")) != NULL ||
		    (v = lb_jread_str(j, "graph")) != NULL)
			snprintf(buf, len, "%s", v);
		lb_jread_free(j);
	}
	free(text);
}

/* A running dockerd whose data-root holds dest: 1 and why. */
static int
by_process(const char *dest, char *why, size_t wl)
{
	char p[64], comm[32], root[PATH_MAX], full[PATH_MAX + 64];
	char *cmd, *args[512], *s;
	struct dirent *de;
	size_t cl, n;
	long pid;
	FILE *f;
	DIR *d;
	int found = 0;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, NULL, 10);
		snprintf(p, sizeof(p), "/proc/%ld/comm", pid);
		if ((f = fopen(p, "re")) == NULL)
			continue;
		comm[0] = '\0';
		if (fgets(comm, sizeof(comm), f) == NULL)
			comm[0] = '\0';
		fclose(f);
		if (strcmp(comm, "dockerd\n") != 0)
			continue;
		snprintf(p, sizeof(p), "/proc/%ld/cmdline", pid);
		if ((cmd = slurp(p, MAX_CMDLINE, &cl)) == NULL)
			continue;
		for (n = 0, s = cmd; s < cmd + cl && n < 512;
		    s += strlen(s) + 1)
			args[n++] = s;
		process_root(pid, args, n, root, sizeof(root));
		free(cmd);
		if (root[0] != '/') {
			/* relative to where the daemon was started */
			snprintf(full, sizeof(full), "/proc/%ld/cwd/%s", pid,
			    root);
			found = root_holds(dest, 0, full);
		} else
			found = root_holds(dest, pid, root);
		if (found)
			snprintf(why, wl, "dockerd (pid %ld) keeps its data in "
			    "'%s'", pid, root);
	}
	closedir(d);
	return found;
}

/* Does something listen on the unix socket at path? */
static int
listening(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, ok;

	if (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode) ||
	    strlen(path) >= sizeof(sa.sun_path))
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* Ask the daemon at sock (prefix: the root it was found under, "" for
 * ours) where its data is. */
static int
by_socket(const char *dest, const char *prefix, const char *sock, char *why,
    size_t wl)
{
	char p[PATH_MAX * 2];
	struct lb_response r;
	struct lb_jval *j = NULL;
	struct lb_err err;
	const char *dr = NULL;
	int found = 0;

	if (!listening(sock))
		return 0;
	lb_err_clear(&err);
	if (lb_docker_get(sock, "/info", &r, &err) == LB_OK) {
		if (r.status == 200 && lb_jread_parse(r.body, r.len, &j, NULL,
		    0) == 0)
			dr = lb_jread_str(j, "DockerRootDir");
		if (dr != NULL && dr[0] == '/') {
			found = root_holds(dest, 0, dr);
			if (!found && prefix[0] != '\0') {
				snprintf(p, sizeof(p), "%s%s", prefix, dr);
				found = root_holds(dest, 0, p);
			}
			if (found)
				snprintf(why, wl, "the daemon at '%s' keeps "
				    "its data in '%s'", sock, dr);
			lb_jread_free(j);
			lb_response_release(&r);
			return found;
		}
		lb_jread_free(j);
		lb_response_release(&r);
	}
	/* Something listens there but tells no data-root: it counts when
	 * dest is the default place below its root. */
	snprintf(p, sizeof(p), "%s/var/lib/docker/volumes", prefix);
	if (strcmp(dest, p) == 0 || root_holds(dest, 0, p)) {
		snprintf(why, wl, "its socket '%s' answers", sock);
		return 1;
	}
	return 0;
}

int
lb_docker_holding(const char *dest, const char *root, char *why, size_t wl)
{
	static const char *const socks[] = { "/run/docker.sock",
		"/var/run/docker.sock", NULL };
	const char *prefixes[2] = { root != NULL ? root : "", "" };
	const char *host = getenv("DOCKER_HOST");
	char sock[PATH_MAX];
	size_t i, k;

	if (by_process(dest, why, wl))
		return 1;
	for (k = 0; k < (root != NULL ? 2u : 1u); k++)
		for (i = 0; socks[i] != NULL; i++) {
			snprintf(sock, sizeof(sock), "%s%s", prefixes[k],
			    socks[i]);
			if (by_socket(dest, prefixes[k], sock, why, wl))
				return 1;
		}
	if (host != NULL && strncmp(host, "unix://", 7) == 0 &&
	    by_socket(dest, "", host + 7, why, wl))
		return 1;
	return 0;
}

/* --- quiescing: stopping what writes to the volumes, and back --- */

static void
tell(lb_docker_notice notice, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
tell(lb_docker_notice notice, void *arg, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (notice == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	notice(arg, msg);
}

/* A JSON answer of the Engine API, with the status it must have. */
static int
api_json(const char *sock, const char *method, const char *path,
    const char *body, long ok1, long ok2, struct lb_jval **out,
    struct lb_err *err)
{
	struct lb_response r;
	char why[128];
	int rc;

	*out = NULL;
	if ((rc = lb_docker_call(sock, method, path, body, 120, &r, err)) !=
	    LB_OK)
		return rc;
	if (r.status != ok1 && r.status != ok2) {
		struct lb_jval *j = NULL;
		const char *m = NULL;

		if (lb_jread_parse(r.body, r.len, &j, NULL, 0) == 0)
			m = lb_jread_str(j, "message");
		lb_err_set(err, LB_ESTORE, 0, "Docker at '%s': %s %s: HTTP "
		    "%ld%s%s", sock, method, path, r.status, m ? ": " : "",
		    m ? m : "");
		lb_jread_free(j);
		lb_response_release(&r);
		return LB_ESTORE;
	}
	if (r.len > 0 && lb_jread_parse(r.body, r.len, out, why,
	    sizeof(why)) != 0) {
		lb_response_release(&r);
		return lb_err_set(err, LB_ESTORE, 0, "Docker at '%s': %s %s: "
		    "%s", sock, method, path, why);
	}
	lb_response_release(&r);
	return LB_OK;
}

/* ?filters={"KEY":["VALUE"]}, URL-encoded, after path. */
static int
filter_path(char *buf, size_t len, const char *path, const char *key,
    const char *value, const char *more)
{
	struct lb_json j;
	char *enc;
	int n;

	lb_json_init(&j);
	lb_json_obj(&j);
	lb_json_key(&j, key);
	lb_json_arr(&j);
	lb_json_str(&j, value);
	lb_json_arr_end(&j);
	lb_json_obj_end(&j);
	if (j.failed || (enc = lb_url_encode(j.buf, 0)) == NULL) {
		lb_json_release(&j);
		return -1;
	}
	n = snprintf(buf, len, "%s?filters=%s%s", path, enc, more);
	free(enc);
	lb_json_release(&j);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
push_str(char ***v, size_t n, const char *s)
{
	char **p = realloc(*v, (n + 1) * sizeof(*p));

	if (p == NULL)
		return -1;
	*v = p;
	return (p[n] = strdup(s)) == NULL ? -1 : 0;
}

static int
stop_container(struct lb_quiesce *q, const char *id, const char *name,
    lb_docker_notice notice, void *arg, struct lb_err *err)
{
	struct lb_jval *j;
	char path[512];
	size_t i;
	int rc;

	for (i = 0; i < q->ncontainers; i++)
		if (strcmp(q->containers[i], id) == 0)
			return LB_OK;
	/* recorded first: a stop that fails half-way is started again */
	if (push_str(&q->containers, q->ncontainers, id) != 0 ||
	    push_str(&q->cnames, q->ncontainers, name) != 0)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	q->ncontainers++;
	/* the daemon's own grace before SIGKILL, as 'docker stop' */
	snprintf(path, sizeof(path), "/containers/%s/stop", id);
	tell(notice, arg, "stopping container '%s'", name);
	if ((rc = api_json(q->sock, "POST", path, NULL, 204, 304, &j, err)) !=
	    LB_OK)
		return rc;
	lb_jread_free(j);
	return LB_OK;
}

/* A container's name without the API's leading '/'. */
static const char *
cname(const struct lb_jval *c)
{
	const struct lb_jval *n = lb_jread_get(c, "Names");
	const char *s = n != NULL && n->child != NULL &&
	    n->child->type == LB_JSTR ? n->child->str : NULL;

	return s == NULL ? "?" : s[0] == '/' ? s + 1 : s;
}

static int
is_swarm_task(const struct lb_jval *c)
{
	const struct lb_jval *l = lb_jread_get(c, "Labels"), *m;

	for (m = l != NULL ? l->child : NULL; m != NULL; m = m->next)
		if (m->key != NULL &&
		    strcmp(m->key, "com.docker.swarm.service.id") == 0)
			return 1;
	return 0;
}

static int
stop_containers(struct lb_quiesce *q, const char *label, char *const *names,
    size_t nnames, lb_docker_notice notice, void *arg, struct lb_err *err)
{
	struct lb_jval *list = NULL, *c;
	char path[1024];
	const char *id;
	size_t i;
	int rc = LB_OK;

	if (label != NULL && label[0] != '\0') {
		if (filter_path(path, sizeof(path), "/containers/json", "label",
		    label, "") != 0)
			return lb_err_set(err, LB_EUSAGE, 0, "stop label too "
			    "long");
		if ((rc = api_json(q->sock, "GET", path, NULL, 200, 200, &list,
		    err)) != LB_OK)
			return rc;
		for (c = list ? list->child : NULL; c != NULL && rc == LB_OK;
		    c = c->next) {
			if ((id = lb_jread_str(c, "Id")) == NULL ||
			    is_swarm_task(c))
				continue;
			rc = stop_container(q, id, cname(c), notice, arg, err);
		}
		lb_jread_free(list);
	}
	for (i = 0; i < nnames && rc == LB_OK; i++) {
		struct lb_jval *one;
		char *enc = lb_url_encode(names[i], 0);

		if (enc == NULL)
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		snprintf(path, sizeof(path), "/containers/%s/json", enc);
		free(enc);
		if ((rc = api_json(q->sock, "GET", path, NULL, 200, 200, &one,
		    err)) != LB_OK)
			break;
		id = lb_jread_str(one, "Id");
		c = (struct lb_jval *)lb_jread_get(one, "State.Running");
		if (id != NULL && c != NULL && c->type == LB_JBOOL &&
		    c->boolean)
			rc = stop_container(q, id, names[i], notice, arg, err);
		lb_jread_free(one);
	}
	return rc;
}

/* The JSON of v, with Mode.Replicated.Replicas at depth 2 set to replicas
 * when at is the Spec being written. */
static void
jval_write(struct lb_json *j, const struct lb_jval *v, int depth,
    const char *parent, long long replicas)
{
	const struct lb_jval *c;

	switch (v->type) {
	case LB_JNULL:
		lb_json_str(j, NULL);
		break;
	case LB_JBOOL:
		lb_json_bool(j, v->boolean);
		break;
	case LB_JNUM:
		if (v->num == (double)(long long)v->num)
			lb_json_int(j, (long long)v->num);
		else
			lb_json_num(j, v->num);
		break;
	case LB_JSTR:
		lb_json_str(j, v->str);
		break;
	case LB_JARR:
		lb_json_arr(j);
		for (c = v->child; c != NULL; c = c->next)
			jval_write(j, c, depth + 1, NULL, replicas);
		lb_json_arr_end(j);
		break;
	case LB_JOBJ:
		lb_json_obj(j);
		for (c = v->child; c != NULL; c = c->next) {
			lb_json_key(j, c->key);
			if (depth == 2 && parent != NULL &&
			    strcmp(parent, "Replicated") == 0 &&
			    strcmp(c->key, "Replicas") == 0)
				lb_json_int(j, replicas);
			else
				jval_write(j, c, depth + 1, c->key, replicas);
		}
		lb_json_obj_end(j);
		break;
	}
}

/* Set service id to replicas (from its current spec and version). */
static int
scale(const char *sock, const char *id, long long replicas,
    long long *was, struct lb_err *err)
{
	const struct lb_jval *spec, *n;
	struct lb_jval *svc, *none;
	struct lb_json j;
	char path[512];
	long long version;
	int rc;

	snprintf(path, sizeof(path), "/services/%s", id);
	if ((rc = api_json(sock, "GET", path, NULL, 200, 200, &svc, err)) !=
	    LB_OK)
		return rc;
	spec = lb_jread_get(svc, "Spec");
	n = lb_jread_get(svc, "Spec.Mode.Replicated.Replicas");
	version = lb_jread_int(svc, "Version.Index", -1);
	if (spec == NULL || n == NULL || n->type != LB_JNUM || version < 0) {
		lb_jread_free(svc);
		return lb_err_set(err, LB_ESTORE, 0, "Docker at '%s': service "
		    "'%s' is not a replicated service", sock, id);
	}
	if (was != NULL)
		*was = (long long)n->num;
	lb_json_init(&j);
	jval_write(&j, spec, 0, NULL, replicas);
	lb_jread_free(svc);
	if (j.failed) {
		lb_json_release(&j);
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	}
	snprintf(path, sizeof(path), "/services/%s/update?version=%lld", id,
	    version);
	rc = api_json(sock, "POST", path, j.buf, 200, 200, &none, err);
	lb_jread_free(none);
	lb_json_release(&j);
	return rc;
}

/* Wait until no task of service id is running (or about to). */
static int
wait_tasks(const char *sock, const char *id, const char *name, long wait,
    struct lb_err *err)
{
	static const char *const done[] = { "shutdown", "complete", "failed",
		"rejected", "orphaned", "remove", NULL };
	struct lb_jval *list, *t;
	char path[1024];
	const char *st;
	long waited;
	int busy, i, rc;

	if (filter_path(path, sizeof(path), "/tasks", "service", id, "") != 0)
		return lb_err_set(err, LB_EUSAGE, 0, "service id too long");
	for (waited = 0;; waited++) {
		if ((rc = api_json(sock, "GET", path, NULL, 200, 200, &list,
		    err)) != LB_OK)
			return rc;
		busy = 0;
		for (t = list ? list->child : NULL; t != NULL; t = t->next) {
			if ((st = lb_jread_str(t, "Status.State")) == NULL)
				continue;
			for (i = 0; done[i] != NULL; i++)
				if (strcmp(st, done[i]) == 0)
					break;
			busy += done[i] == NULL;
		}
		lb_jread_free(list);
		if (busy == 0)
			return LB_OK;
		if (waited >= wait * 5 || lb_stop_requested)
			return lb_err_set(err, LB_ESTORE, 0, "service '%s' "
			    "still has %d task%s running after %ld s", name,
			    busy, busy == 1 ? "" : "s", wait);
		usleep(200000);
	}
}

static int
stop_services(struct lb_quiesce *q, const char *label, long wait,
    lb_docker_notice notice, void *arg, struct lb_err *err)
{
	struct lb_jval *list = NULL, *s;
	struct lb_qservice *p;
	struct lb_response info;
	char path[1024];
	const char *id, *name;
	long long was;
	size_t i;
	int rc;

	if (label == NULL || label[0] == '\0')
		return LB_OK;
	/* not a Swarm manager: there are no services to scale */
	if ((rc = lb_docker_get(q->sock, "/services", &info, err)) != LB_OK)
		return rc;
	i = info.status == 200;
	lb_response_release(&info);
	if (!i)
		return LB_OK;
	if (filter_path(path, sizeof(path), "/services", "label", label,
	    "") != 0)
		return lb_err_set(err, LB_EUSAGE, 0, "stop label too long");
	if ((rc = api_json(q->sock, "GET", path, NULL, 200, 200, &list, err))
	    != LB_OK)
		return rc;
	for (s = list ? list->child : NULL; s != NULL && rc == LB_OK;
	    s = s->next) {
		id = lb_jread_str(s, "ID");
		name = lb_jread_str(s, "Spec.Name");
		if (id == NULL)
			continue;
		name = name != NULL ? name : id;
		if (lb_jread_get(s, "Spec.Mode.Replicated.Replicas") == NULL) {
			tell(notice, arg, "service '%s' is global: it cannot "
			    "be scaled to 0 and keeps running", name);
			continue;
		}
		if ((p = realloc(q->services, (q->nservices + 1) *
		    sizeof(*p))) == NULL) {
			rc = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
			break;
		}
		q->services = p;
		p += q->nservices;
		memset(p, 0, sizeof(*p));
		p->replicas = lb_jread_int(s,
		    "Spec.Mode.Replicated.Replicas", 0);
		if ((p->id = strdup(id)) == NULL ||
		    (p->name = strdup(name)) == NULL) {
			free(p->id);
			rc = lb_err_set(err, LB_ENOMEM, 0, "out of memory");
			break;
		}
		q->nservices++;
		tell(notice, arg, "scaling service '%s' from %lld to 0 "
		    "replicas", name, p->replicas);
		if ((rc = scale(q->sock, id, 0, &was, err)) == LB_OK)
			p->replicas = was;
	}
	lb_jread_free(list);
	for (i = 0; i < q->nservices && rc == LB_OK; i++)
		rc = wait_tasks(q->sock, q->services[i].id,
		    q->services[i].name, wait, err);
	return rc;
}

int
lb_docker_quiesce(struct lb_quiesce *q, const char *sock, const char *label,
    char *const *names, size_t nnames, long wait, lb_docker_notice notice,
    void *arg, struct lb_err *err)
{
	int rc;

	memset(q, 0, sizeof(*q));
	if ((q->sock = strdup(sock)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	if ((rc = stop_containers(q, label, names, nnames, notice, arg, err))
	    != LB_OK)
		return rc;
	return stop_services(q, label, wait, notice, arg, err);
}

int
lb_docker_resume(struct lb_quiesce *q, lb_docker_notice notice, void *arg,
    struct lb_err *err)
{
	struct lb_jval *j;
	struct lb_err e;
	char path[512];
	size_t i;
	int rc = LB_OK, r;

	for (i = q->nservices; i-- > 0;) {
		lb_err_clear(&e);
		tell(notice, arg, "scaling service '%s' back to %lld "
		    "replica%s", q->services[i].name, q->services[i].replicas,
		    q->services[i].replicas == 1 ? "" : "s");
		if ((r = scale(q->sock, q->services[i].id,
		    q->services[i].replicas, NULL, &e)) != LB_OK &&
		    rc == LB_OK) {
			rc = r;
			*err = e;
		}
	}
	for (i = q->ncontainers; i-- > 0;) {
		lb_err_clear(&e);
		snprintf(path, sizeof(path), "/containers/%s/start",
		    q->containers[i]);
		tell(notice, arg, "starting container '%s'", q->cnames[i]);
		if ((r = api_json(q->sock, "POST", path, NULL, 204, 304, &j,
		    &e)) != LB_OK && rc == LB_OK) {
			rc = r;
			*err = e;
		}
		if (r == LB_OK)
			lb_jread_free(j);
	}
	return rc;
}

void
lb_quiesce_release(struct lb_quiesce *q)
{
	size_t i;

	for (i = 0; i < q->ncontainers; i++) {
		free(q->containers[i]);
		free(q->cnames[i]);
	}
	free(q->containers);
	free(q->cnames);
	for (i = 0; i < q->nservices; i++) {
		free(q->services[i].id);
		free(q->services[i].name);
	}
	free(q->services);
	free(q->sock);
	memset(q, 0, sizeof(*q));
}
