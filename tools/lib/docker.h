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

/* One request to the Engine API listening on the unix socket sock:
 * method ("GET", "POST"), path with its query, an optional JSON body, a
 * timeout in seconds. r gets the status and body (bounded; the caller's to
 * release); any status is returned for the caller to judge. LB_ESTORE
 * when nothing answers. */
int lb_docker_call(const char *sock, const char *method, const char *path,
    const char *json, long timeout, struct lb_response *r,
    struct lb_err *err);

/* GET path, with a few seconds to answer. */
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

/* A Swarm service a backup scaled to 0. */
struct lb_qservice {
	char *id;
	char *name;
	long long replicas;	/* what it had, and gets back */
};

/* What a backup stopped, to be started again; owned by the caller. */
struct lb_quiesce {
	char *sock;
	char **containers;	/* ids, in the order they were stopped */
	char **cnames;		/* their names, for messages */
	size_t ncontainers;
	struct lb_qservice *services;
	size_t nservices;
};

typedef void (*lb_docker_notice)(void *arg, const char *msg);

/* Stop what writes to the volumes through the Engine API at sock: the
 * running containers whose labels hold label ("KEY=VALUE") or whose names
 * are in names (a Swarm task container is left to its service), then the
 * Swarm services with that label, scaled to 0 replicas, waiting at most
 * wait seconds for their tasks to end. What was stopped is recorded in q
 * as it goes, even on failure: call lb_docker_resume in every case. */
int lb_docker_quiesce(struct lb_quiesce *q, const char *sock,
    const char *label, char *const *names, size_t nnames, long wait,
    lb_docker_notice notice, void *arg, struct lb_err *err);

/* Start again what q stopped, in reverse order: the services back to
 * their replicas, then the containers. Every one is tried; the first
 * failure is returned. */
int lb_docker_resume(struct lb_quiesce *q, lb_docker_notice notice,
    void *arg, struct lb_err *err);

void lb_quiesce_release(struct lb_quiesce *q);

#endif
