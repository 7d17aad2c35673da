/*
 * ssh.h: running commands on the rescued host through OpenSSH's ssh, for
 * 'lifeboat handoff': the ssh argv built from [handoff], the remote
 * command line quoted for the remote shell (which splits it again), and
 * the waits: until the host answers, and through a reboot, until it has
 * gone down and answers again.
 */
#ifndef LB_SSH_H
#define LB_SSH_H

#include <stddef.h>

#include "config.h"
#include "lb.h"
#include "proc.h"
#include "strv.h"

/* One host. argv and where are owned; the rest is the caller's. */
struct lb_ssh {
	struct lb_strv argv;	/* ssh and its options up to "--" */
	const char *host;
	char where[320];	/* "user@host", for messages */
	/* A line for a person (the waits' progress); NULL: none. */
	void (*note)(void *arg, const char *msg);
	/* Each line the remote command prints (not captured). */
	void (*on_line)(void *arg, int fd, const char *line);
	void *arg;
};

/* The ssh argv for host from [handoff]'s ssh, ssh_port, ssh_user,
 * identity_file and known_hosts (paths as given: the caller resolves
 * them): batch mode, a connect timeout and keepalives always. */
int lb_ssh_init(struct lb_ssh *s, const struct lb_config *cfg,
    const char *host, const char *identity, const char *known_hosts,
    struct lb_err *err);
void lb_ssh_release(struct lb_ssh *s);

/* words as one command line for a POSIX shell: a word is quoted only
 * where a shell would read it otherwise, since the line is shown to
 * people too. NULL when out of memory; the caller frees it. */
char *lb_ssh_line(char *const *words, size_t n);

#define LB_SSH_CAPTURE 1	/* keep stdout in pr->out */
#define LB_SSH_QUIET 2		/* pass none of its output to on_line */

/* ssh HOST -- line, input (may be NULL) on its stdin. 0 when it ran,
 * whatever its status (in pr); else LB_EINTR, or LB_EHANDOFF when ssh
 * could not be run at all. */
int lb_ssh_run(const struct lb_ssh *s, const char *line, const char *input,
    size_t ilen, double timeout, int flags, struct lb_proc_result *pr,
    struct lb_err *err);

/* Until 'ssh HOST true' works, for up to limit seconds, with backoff.
 * LB_EHANDOFF naming ssh's last reason when it never did. */
int lb_ssh_wait(const struct lb_ssh *s, double limit, struct lb_err *err);

/* Run line (a reboot), then wait for the host to stop answering and to
 * answer again, up to limit seconds in all. *down is set once it went. */
int lb_ssh_reboot(const struct lb_ssh *s, const char *line, double limit,
    int *down, struct lb_err *err);

#endif
