/*
 * docker.h: what lifeboat asks of Docker. A restore must not write under a
 * running daemon (dockerd resets the owners of volumes it did not make,
 * and keeps its own idea of which exist), so the engine asks every daemon
 * it can find where its data-root is; and the Engine API is plain HTTP
 * over a unix socket, which libcurl speaks.
 */
#ifndef LB_DOCKER_H
#define LB_DOCKER_H

#include <stddef.h>

#include "fetch.h"
#include "lb.h"

/* GET path (such as "/info") from the Engine API listening on the unix
 * socket sock, at most 1 MiB of body into r (the caller's to release).
 * LB_ESTORE when nothing answers there in a few seconds. */
int lb_docker_get(const char *sock, const char *path, struct lb_response *r,
    struct lb_err *err);

/* Does a running Docker daemon own dest: is its data-root dest itself or
 * a directory above it? Every dockerd process is asked by its command line
 * (--data-root, -g, --graph, or data-root in its --config-file, by default
 * /etc/docker/daemon.json, else /var/lib/docker), and every daemon socket
 * that answers (/run/docker.sock, /var/run/docker.sock, the same under
 * root when given, and DOCKER_HOST) by GET /info. A socket that answers
 * but tells no data-root counts when dest is the default volumes directory
 * below its root. 1 with a reason in why ("dockerd (pid 812) keeps its
 * data in '/srv/docker'"), else 0. */
int lb_docker_holding(const char *dest, const char *root, char *why,
    size_t wl);

#endif
