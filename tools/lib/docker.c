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

#include "docker.h"
#include "jread.h"

#define MAX_CMDLINE (64 * 1024)
#define MAX_CONFIG (1024 * 1024)

int
lb_docker_get(const char *sock, const char *path, struct lb_response *r,
    struct lb_err *err)
{
	struct lb_fetch_conf c;
	char url[512];

	lb_fetch_conf_init(&c, sock);
	c.unix_socket = sock;
	c.retries = 0;
	c.connect_timeout = 3;
	c.timeout = 5;
	/* the host name is not looked up: the socket is the server */
	if (snprintf(url, sizeof(url), "http://docker%s", path) >=
	    (int)sizeof(url))
		return lb_err_set(err, LB_EUSAGE, 0, "'%s': path too long",
		    path);
	return lb_fetch_get(&c, url, 1024 * 1024, r, err);
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
		for (n = 0, s = cmd; s < cmd + cl && n < 512; s += strlen(s) + 1)
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
				snprintf(why, wl, "the daemon at '%s' keeps its "
				    "data in '%s'", sock, dr);
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
