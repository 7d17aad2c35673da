/*
 * proc.c: running another program without a shell, and splitting or
 * quoting command lines the way a POSIX shell would (see proc.h).
 *
 * lifeboat runs ssh, terraform, ansible-playbook and the commands of its
 * checks, and must stay in charge of them: each child leads its own
 * process group, so that a time limit or our own SIGINT can end all it
 * started, and its output is read as it comes, so that a chatty child
 * never blocks on a full pipe while we are still writing its stdin.
 *
 * The process may have other threads (libcurl's resolver), so between fork
 * and exec the child makes only async-signal-safe calls: every string and
 * array it needs is built before fork, and PATH is searched here rather
 * than by execvp, which may allocate. An exec failure travels back through
 * a close-on-exec pipe, so that a missing program is an error with its
 * name in it, not an exit status 127 that looks like the program's own.
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "proc.h"

#define LINE_CAP	4096		/* longer lines reach on_line cut */
#define CAPTURE_MAX	(16 * 1024 * 1024)
#define CHUNK		(64 * 1024)	/* one read or write */
#define KILL_GRACE	5.0		/* seconds from SIGTERM to SIGKILL */
#define TICK_MS		200		/* ms; how soon a stop is noticed */
#define DEFAULT_PATH	"/usr/local/bin:/usr/bin:/bin"
#define LAST_CAP	sizeof(((struct lb_proc_result *)NULL)->last)

extern char **environ;

/* Why the child gave up, sent to the parent before _exit. */
enum { FAIL_SETUP, FAIL_CHDIR, FAIL_EXEC };

struct child_fail {
	int stage;
	int errnum;
};

/* All the child needs, built before fork; the child only reads it. */
struct spawn {
	char **cand;		/* paths to try in turn, NULL-terminated */
	char *const *argv;
	char *const *envp;
	const char *cwd;
	int in, out, err;	/* its stdin, stdout, stderr; all above 2 */
	int report;		/* write end of the failure pipe */
	struct sigaction dfl;
	sigset_t none;
};

struct linebuf {
	char buf[LINE_CAP + 1];
	size_t len;
};

/* One running child, seen from the parent. */
struct proc_run {
	const struct lb_proc_opts *o;
	struct lb_proc_result *r;
	pid_t pid;
	int fd[3];		/* our ends of its 0, 1, 2; -1 once closed */
	size_t fed;		/* bytes of input written */
	struct linebuf line[2];	/* partial stdout, stderr line */
	char last_out[LAST_CAP]; /* r->last holds stderr's */
	size_t cap;		/* size of r->out */
	int nomem;		/* capture lost bytes for want of memory */
	int reaped;
	int termed, killed;	/* SIGTERM, SIGKILL sent */
	int stopped;		/* lb_stop_requested ended it */
	double start, term_at;
};

/* Milliseconds until secs have passed, rounded up so that poll does not
 * wake just short of a deadline and spin. */
static int
ms_until(double secs)
{
	if (secs <= 0)
		return 0;
	if (secs >= TICK_MS / 1000.0)
		return TICK_MS;
	return (int)(secs * 1000) + 1;
}

static void
xclose(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* Keep our descriptors off 0, 1 and 2 (we may have been started with one
 * closed), so that the child's dup2 onto them cannot clobber another. */
static int
lift(int fd)
{
	int nfd, e;

	if (fd < 0 || fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	e = errno;
	close(fd);
	errno = e;
	return nfd;
}

/* Close-on-exec from the start: another thread may fork at any time. */
static int
make_pipe(int p[2])
{
	int e;

	if (pipe2(p, O_CLOEXEC) != 0) {
		p[0] = p[1] = -1;
		return -1;
	}
	p[0] = lift(p[0]);
	p[1] = lift(p[1]);
	if (p[0] < 0 || p[1] < 0) {
		e = errno;
		xclose(&p[0]);
		xclose(&p[1]);
		errno = e;
		return -1;
	}
	return 0;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

static void
free_list(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* The paths execvp would try for name, in its order, from the PATH of env
 * (ours when env is NULL) or the usual default when there is none. An
 * empty element means the working directory, as POSIX has it. */
static char **
candidates(const char *name, char *const *env)
{
	const char *path = NULL, *p, *colon;
	char **cand;
	size_t n, i, dlen, nlen = strlen(name);

	if (strchr(name, '/') != NULL) {
		if ((cand = calloc(2, sizeof(*cand))) == NULL)
			return NULL;
		if ((cand[0] = strdup(name)) == NULL) {
			free(cand);
			return NULL;
		}
		return cand;
	}
	if (env == NULL)
		path = getenv("PATH");
	else
		for (i = 0; env[i] != NULL; i++)
			if (strncmp(env[i], "PATH=", 5) == 0) {
				path = env[i] + 5;
				break;
			}
	if (path == NULL)
		path = DEFAULT_PATH;
	for (n = 1, p = path; *p != '\0'; p++)
		n += *p == ':';
	if ((cand = calloc(n + 1, sizeof(*cand))) == NULL)
		return NULL;
	for (i = 0, p = path; i < n; i++, p = colon + 1) {
		if ((colon = strchr(p, ':')) == NULL)
			colon = p + strlen(p);
		dlen = (size_t)(colon - p);
		if ((cand[i] = malloc(dlen + nlen + 2)) == NULL) {
			free_list(cand);
			return NULL;
		}
		if (dlen == 0)
			memcpy(cand[i], name, nlen + 1);
		else {
			memcpy(cand[i], p, dlen);
			cand[i][dlen] = '/';
			memcpy(cand[i] + dlen + 1, name, nlen + 1);
		}
	}
	return cand;
}

static void __attribute__((noreturn))
child_fail(int fd, int stage, int errnum)
{
	struct child_fail f;
	ssize_t n;

	f.stage = stage;
	f.errnum = errnum;
	do
		n = write(fd, &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	_exit(127);
}

/* The child, from fork to exec: async-signal-safe calls only. */
static void __attribute__((noreturn))
child(const struct spawn *s)
{
	int i, e = ENOENT, eacces = 0;

	(void)setpgid(0, 0);
	/* Handlers would not survive exec anyway, but an ignored SIGPIPE
	 * would, and many programs die badly without it. The parent blocked
	 * every signal around fork so that none of its handlers runs here. */
	sigaction(SIGPIPE, &s->dfl, NULL);
	sigaction(SIGINT, &s->dfl, NULL);
	sigaction(SIGTERM, &s->dfl, NULL);
	sigprocmask(SIG_SETMASK, &s->none, NULL);
	if (s->cwd != NULL && chdir(s->cwd) != 0)
		child_fail(s->report, FAIL_CHDIR, errno);
	if (dup2(s->in, 0) < 0 || dup2(s->out, 1) < 0 || dup2(s->err, 2) < 0)
		child_fail(s->report, FAIL_SETUP, errno);
	for (i = 0; s->cand[i] != NULL; i++) {
		execve(s->cand[i], s->argv, s->envp);
		/* As execvp: a miss moves on, a refusal is remembered in
		 * case nothing else works, anything else is the answer. */
		switch (errno) {
		case EACCES:
			eacces = 1;
			break;
		case ENOENT:
		case ENOTDIR:
		case ENAMETOOLONG:
		case ELOOP:
			e = errno;
			break;
		default:
			child_fail(s->report, FAIL_EXEC, errno);
		}
	}
	child_fail(s->report, FAIL_EXEC, eacces ? EACCES : e);
}

static void
signal_group(pid_t pid, int sig)
{
	/* Should neither setpgid have taken, the child is still ours. */
	if (kill(-pid, sig) != 0)
		kill(pid, sig);
}

static int
reap(struct proc_run *x, int flags)
{
	pid_t p;
	int st;

	do
		p = waitpid(x->pid, &st, flags);
	while (p < 0 && errno == EINTR);
	if (p <= 0)
		return (int)p;
	x->reaped = 1;
	x->r->seconds = lb_clock_mono() - x->start;
	if (WIFEXITED(st)) {
		x->r->status = WEXITSTATUS(st);
		x->r->signal = 0;
	} else if (WIFSIGNALED(st)) {
		x->r->status = -1;
		x->r->signal = WTERMSIG(st);
	}
	return 1;
}

static int
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* Truncated on a character boundary: the line is likely UTF-8 text. */
static void
set_last(char *dst, const char *line)
{
	size_t n = strlen(line);

	if (n >= LAST_CAP) {
		n = LAST_CAP - 1;
		while (n > 0 && ((unsigned char)line[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, line, n);
	dst[n] = '\0';
}

static void
flush_line(struct proc_run *x, int fd)
{
	struct linebuf *l = &x->line[fd - 1];

	l->buf[l->len] = '\0';
	l->len = 0;
	if (!blank(l->buf))
		set_last(fd == 2 ? x->r->last : x->last_out, l->buf);
	if (x->o->on_line != NULL && !(fd == 1 && x->o->capture))
		x->o->on_line(x->o->arg, fd, l->buf);
}

static void
keep(struct proc_run *x, const char *p, size_t n)
{
	struct lb_proc_result *r = x->r;
	size_t ncap;
	char *nb;

	if (x->nomem || r->out_len >= CAPTURE_MAX)
		return;
	if (n > CAPTURE_MAX - r->out_len)
		n = CAPTURE_MAX - r->out_len;
	if (r->out_len + n + 1 > x->cap) {
		for (ncap = x->cap; ncap < r->out_len + n + 1; ncap *= 2)
			;
		if (ncap > CAPTURE_MAX + 1)
			ncap = CAPTURE_MAX + 1;
		if ((nb = realloc(r->out, ncap)) == NULL) {
			x->nomem = 1;
			return;
		}
		r->out = nb;
		x->cap = ncap;
	}
	memcpy(r->out + r->out_len, p, n);
	r->out_len += n;
	r->out[r->out_len] = '\0';
}

static void
take(struct proc_run *x, int fd, const char *p, size_t n)
{
	struct linebuf *l = &x->line[fd - 1];
	const char *nl;
	size_t len, room;

	if (fd == 1 && x->o->capture)
		keep(x, p, n);
	while (n > 0) {
		nl = memchr(p, '\n', n);
		len = nl != NULL ? (size_t)(nl - p) : n;
		room = LINE_CAP - l->len;
		if (len > room) {
			memcpy(l->buf + l->len, p, room);
			l->len += room;
			flush_line(x, fd);
			p += room;
			n -= room;
			continue;
		}
		memcpy(l->buf + l->len, p, len);
		l->len += len;
		p += len;
		n -= len;
		if (nl != NULL) {
			flush_line(x, fd);
			p++;
			n--;
		}
	}
}

static void
close_out(struct proc_run *x, int fd)
{
	if (x->line[fd - 1].len > 0)
		flush_line(x, fd);
	xclose(&x->fd[fd]);
}

/* One read from its stdout or stderr. Returns 1 when bytes came, 0 when
 * none are there yet or the stream is over (then it is closed). A read
 * error ends the stream too: nothing more can come from it. */
static int
read_out(struct proc_run *x, int fd)
{
	char buf[CHUNK];
	ssize_t n;

	do
		n = read(x->fd[fd], buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		take(x, fd, buf, (size_t)n);
		return 1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	close_out(x, fd);
	return 0;
}

/* A child need not read its stdin: EPIPE (SIGPIPE is blocked meanwhile)
 * or any other failure just means the rest of the input is not wanted. */
static void
write_in(struct proc_run *x)
{
	size_t left = x->o->input_len - x->fed;
	ssize_t n;

	if (left > CHUNK)
		left = CHUNK;
	n = write(x->fd[0], x->o->input + x->fed, left);
	if (n > 0)
		x->fed += (size_t)n;
	else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	else
		x->fed = x->o->input_len;
	if (x->fed == x->o->input_len)
		xclose(&x->fd[0]);
}

/* The time limit or a stop request: SIGTERM to the group, then SIGKILL
 * when the grace is over. */
static void
end_if_due(struct proc_run *x, double now)
{
	if (lb_stop_requested)
		x->stopped = 1;
	if (!x->termed) {
		if (!x->stopped && x->o->timeout > 0 &&
		    now - x->start >= x->o->timeout)
			x->r->timed_out = 1;
		if (!x->stopped && !x->r->timed_out)
			return;
		signal_group(x->pid, SIGTERM);
		x->termed = 1;
		x->term_at = now;
	} else if (!x->killed && now - x->term_at >= KILL_GRACE) {
		signal_group(x->pid, SIGKILL);
		x->killed = 1;
	}
}

/* Until the child is reaped. Once it is, whatever it wrote is already in
 * the pipes: that is read, then they are closed even if a grandchild (an
 * ssh ControlPersist master, say) still holds them open. */
static int
loop(struct proc_run *x, struct lb_err *err)
{
	struct pollfd pfd[3];
	int slot[3];
	int i, n, rc, wait, backoff = 1;
	double now;

	for (;;) {
		now = lb_clock_mono();
		end_if_due(x, now);
		wait = TICK_MS;
		if (!x->termed && x->o->timeout > 0)
			wait = ms_until(x->start + x->o->timeout - now);
		else if (x->termed && !x->killed)
			wait = ms_until(x->term_at + KILL_GRACE - now);
		for (n = 0, i = 0; i < 3; i++) {
			if (x->fd[i] < 0)
				continue;
			pfd[n].fd = x->fd[i];
			pfd[n].events = i == 0 ? POLLOUT : POLLIN;
			pfd[n].revents = 0;
			slot[n++] = i;
		}
		/* Its pipes closed but it has not quite exited: look again
		 * soon, then less and less often. */
		if (n == 0) {
			if (backoff < wait)
				wait = backoff;
			if (backoff < TICK_MS)
				backoff *= 2;
		}
		rc = poll(pfd, (nfds_t)n, wait);
		if (rc < 0 && errno != EINTR)
			return lb_err_set(err, LB_EFAIL, errno,
			    "cannot watch '%s'", x->o->argv[0]);
		for (i = 0; rc > 0 && i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (slot[i] == 0)
				write_in(x);
			else
				read_out(x, slot[i]);
		}
		rc = reap(x, WNOHANG);
		if (rc < 0)
			return lb_err_set(err, LB_EFAIL, errno,
			    "cannot wait for '%s'", x->o->argv[0]);
		if (rc > 0)
			break;
	}
	for (i = 1; i < 3; i++) {
		while (x->fd[i] >= 0 && read_out(x, i))
			;
		if (x->fd[i] >= 0)
			close_out(x, i);
	}
	xclose(&x->fd[0]);
	return 0;
}

/* Read why the child could not exec, if it could not: EOF means the exec
 * closed the pipe, so the program runs. */
static int
exec_failed(int fd, struct child_fail *f)
{
	ssize_t n;

	do
		n = read(fd, f, sizeof(*f));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*f);
}

/* The pipes of one run; -1 where closed. */
struct pipes {
	int in[2], out[2], err[2];
	int rep[2];		/* the child's exec failure, if any */
	int devnull;		/* its stdin when there is no input */
};

static void
pipes_close(struct pipes *p)
{
	int i;

	for (i = 0; i < 2; i++) {
		xclose(&p->in[i]);
		xclose(&p->out[i]);
		xclose(&p->err[i]);
		xclose(&p->rep[i]);
	}
	xclose(&p->devnull);
}

/* Every pipe, our ends non-blocking. 0, or -1 with errno. */
static int
pipes_open(struct pipes *p, int input)
{
	if (input) {
		if (make_pipe(p->in) != 0)
			return -1;
	} else if ((p->devnull = lift(open("/dev/null",
	    O_RDONLY | O_CLOEXEC))) < 0)
		return -1;
	if (make_pipe(p->out) != 0 || make_pipe(p->err) != 0 ||
	    make_pipe(p->rep) != 0)
		return -1;
	if ((p->in[1] >= 0 && set_nonblock(p->in[1]) != 0) ||
	    set_nonblock(p->out[0]) != 0 || set_nonblock(p->err[0]) != 0)
		return -1;
	return 0;
}

/* The calling thread's signals around a run. SIGPIPE stays blocked while
 * we write the child's stdin, so that a child that stops reading cannot
 * kill us whatever the caller's disposition; one raised meanwhile is taken
 * back at the end, unless one was pending before. */
struct sigs {
	sigset_t saved;
	int masked;
	int pipe_pending;
};

/* Fork the child with every signal blocked (it resets them), then run
 * with SIGPIPE blocked. 0, or -1 with errno. */
static int
fork_child(struct proc_run *x, struct spawn *s, struct sigs *g)
{
	sigset_t all, runmask, pending;
	int e;

	sigfillset(&all);
	if (sigpending(&pending) == 0)
		g->pipe_pending = sigismember(&pending, SIGPIPE);
	if ((e = pthread_sigmask(SIG_SETMASK, &all, &g->saved)) != 0) {
		errno = e;
		return -1;
	}
	g->masked = 1;
	runmask = g->saved;
	sigaddset(&runmask, SIGPIPE);
	x->start = lb_clock_mono();
	x->pid = fork();
	if (x->pid == 0)
		child(s);
	if (x->pid < 0)
		return -1;
	pthread_sigmask(SIG_SETMASK, &runmask, NULL);
	/* Both sides set the group, whichever runs first: we may signal it
	 * before the child has got to its own setpgid. */
	(void)setpgid(x->pid, x->pid);
	return 0;
}

static void
sigs_restore(struct sigs *g)
{
	sigset_t pipeset;
	struct timespec zero = { 0, 0 };
	int sig;

	if (!g->masked)
		return;
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	if (!g->pipe_pending)
		while ((sig = sigtimedwait(&pipeset, NULL, &zero)) ==
		    SIGPIPE || (sig < 0 && errno == EINTR))
			;
	pthread_sigmask(SIG_SETMASK, &g->saved, NULL);
	g->masked = 0;
}

/* The child could not run the program: say why. Its 127 is ours, not the
 * program's: not reported. */
static int
not_started(struct proc_run *x, const struct child_fail *f,
    struct lb_err *err)
{
	const char *name = x->o->argv[0];

	reap(x, 0);
	x->r->status = 0;
	if (f->stage == FAIL_EXEC)
		return lb_err_set(err, LB_EUSAGE, f->errnum, "cannot run '%s'",
		    name);
	if (f->stage == FAIL_CHDIR)
		return lb_err_set(err, LB_EUSAGE, f->errnum, "cannot run '%s' "
		    "in '%s'", name, x->o->cwd);
	return lb_err_set(err, LB_EFAIL, f->errnum, "cannot start '%s'",
	    name);
}

/* The run from the fork to the child's end. */
static int
supervise(struct proc_run *x, struct pipes *p, struct lb_err *err)
{
	struct child_fail f;
	int rc;

	xclose(&p->in[0]);
	xclose(&p->devnull);
	xclose(&p->out[1]);
	xclose(&p->err[1]);
	xclose(&p->rep[1]);
	if (exec_failed(p->rep[0], &f))
		return not_started(x, &f, err);
	x->fd[0] = p->in[1];
	x->fd[1] = p->out[0];
	x->fd[2] = p->err[0];
	p->in[1] = p->out[0] = p->err[0] = -1;
	if (x->fd[0] >= 0 && x->o->input_len == 0)
		xclose(&x->fd[0]);
	if ((rc = loop(x, err)) != LB_OK) {
		/* Not left running behind our back. */
		signal_group(x->pid, SIGKILL);
		reap(x, 0);
		return rc;
	}
	if (x->r->last[0] == '\0')
		memcpy(x->r->last, x->last_out, sizeof(x->r->last));
	if (x->stopped)
		return lb_err_set(err, LB_EINTR, 0, "interrupted");
	if (x->nomem)
		return lb_err_set(err, LB_ENOMEM, ENOMEM, "cannot keep the "
		    "output of '%s'", x->o->argv[0]);
	return LB_OK;
}

/* What the child needs to start, beside its pipes. */
static void
spawn_init(struct spawn *s, const struct lb_proc_opts *o,
    const struct pipes *p)
{
	s->argv = o->argv;
	s->envp = o->env != NULL ? o->env : environ;
	s->cwd = o->cwd;
	s->in = o->input != NULL ? p->in[0] : p->devnull;
	s->out = p->out[1];
	s->err = p->err[1];
	s->report = p->rep[1];
	s->dfl.sa_handler = SIG_DFL;
	sigemptyset(&s->dfl.sa_mask);
	sigemptyset(&s->none);
}

int
lb_proc_run(const struct lb_proc_opts *o, struct lb_proc_result *r,
    struct lb_err *err)
{
	struct pipes p = { { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 },
		-1 };
	struct sigs g;
	struct spawn s;
	struct proc_run x;
	const char *name;
	int rc = LB_OK, i;

	/* Cleared, so that err->code reads LB_OK after a run that worked. */
	lb_err_clear(err);
	memset(r, 0, sizeof(*r));
	memset(&s, 0, sizeof(s));
	memset(&x, 0, sizeof(x));
	memset(&g, 0, sizeof(g));
	x.o = o;
	x.r = r;
	x.fd[0] = x.fd[1] = x.fd[2] = -1;
	if (o->argv == NULL || o->argv[0] == NULL)
		return lb_err_set(err, LB_EUSAGE, 0, "no program to run");
	name = o->argv[0];
	if (*name == '\0')
		return lb_err_set(err, LB_EUSAGE, ENOENT, "cannot run ''");
	if (lb_stop_requested)
		return lb_err_set(err, LB_EINTR, 0, "interrupted");
	if ((s.cand = candidates(name, o->env)) == NULL ||
	    (o->capture && (r->out = calloc(1, x.cap = 4096)) == NULL)) {
		rc = lb_err_set(err, LB_ENOMEM, ENOMEM, "cannot run '%s'",
		    name);
		goto out;
	}
	if (pipes_open(&p, o->input != NULL) != 0)
		goto syserr;
	spawn_init(&s, o, &p);
	if (fork_child(&x, &s, &g) != 0)
		goto syserr;
	rc = supervise(&x, &p, err);
	goto out;
syserr:
	rc = lb_err_set(err, LB_EFAIL, errno, "cannot start '%s'", name);
out:
	pipes_close(&p);
	for (i = 0; i < 3; i++)
		xclose(&x.fd[i]);
	free_list(s.cand);
	sigs_restore(&g);
	if (rc != LB_OK)
		lb_proc_result_release(r);
	return rc;
}

void
lb_proc_result_release(struct lb_proc_result *r)
{
	if (r == NULL)
		return;
	free(r->out);
	r->out = NULL;
	r->out_len = 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static int
push_word(char ***v, size_t *n, size_t *cap, const char *w, size_t len)
{
	char **nv, *s;
	size_t ncap;

	if (*n + 2 > *cap) {
		ncap = *cap == 0 ? 8 : *cap * 2;
		if ((nv = realloc(*v, ncap * sizeof(*nv))) == NULL)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	if ((s = malloc(len + 1)) == NULL)
		return -1;
	memcpy(s, w, len);
	s[len] = '\0';
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
	return 0;
}

int
lb_split_words(const char *s, char ***argvp, size_t *argcp,
    struct lb_err *err)
{
	char **v = NULL, *w;
	const char *p, *q, *why = NULL;
	size_t n = 0, cap = 0, len = 0;
	int inword = 0, rc = LB_OK;

	lb_err_clear(err);
	*argvp = NULL;
	if (argcp != NULL)
		*argcp = 0;
	if (s == NULL)
		s = "";
	/* No word is longer than the line it came from. */
	if ((w = malloc(strlen(s) + 1)) == NULL)
		return lb_err_set(err, LB_ENOMEM, ENOMEM, "cannot split '%s'",
		    s);
	for (p = s;; p++) {
		if (*p == '\0' || is_blank(*p)) {
			if (inword && push_word(&v, &n, &cap, w, len) != 0)
				goto nomem;
			inword = 0;
			len = 0;
			if (*p == '\0')
				break;
			continue;
		}
		/* A line continuation joins, it does not start a word. */
		if (p[0] == '\\' && p[1] == '\n') {
			p++;
			continue;
		}
		inword = 1;
		switch (*p) {
		case '\'':
			if ((q = strchr(p + 1, '\'')) == NULL) {
				why = "unterminated single quote";
				goto fail;
			}
			memcpy(w + len, p + 1, (size_t)(q - p - 1));
			len += (size_t)(q - p - 1);
			p = q;
			break;
		case '"':
			for (p++; *p != '"'; p++) {
				if (*p == '\0') {
					why = "unterminated double quote";
					goto fail;
				}
				if (*p == '\\' && p[1] != '\0' &&
				    strchr("\"\\$`\n", p[1]) != NULL) {
					p++;
					if (*p == '\n')
						continue;
				}
				w[len++] = *p;
			}
			break;
		case '\\':
			if (p[1] == '\0') {
				why = "trailing backslash";
				goto fail;
			}
			w[len++] = *++p;
			break;
		default:
			w[len++] = *p;
		}
	}
	if (n == 0) {
		rc = lb_err_set(err, LB_EUSAGE, 0, "empty command");
		goto out;
	}
	*argvp = v;
	if (argcp != NULL)
		*argcp = n;
	v = NULL;
	goto out;

fail:
	rc = lb_err_set(err, LB_EUSAGE, 0, "%s in '%s'", why, s);
	goto out;
nomem:
	rc = lb_err_set(err, LB_ENOMEM, ENOMEM, "cannot split '%s'", s);
out:
	free(w);
	lb_words_free(v);
	return rc;
}

void
lb_words_free(char **argv)
{
	free_list(argv);
}

char *
lb_shell_quote(const char *word)
{
	const char *p;
	char *out, *q;
	size_t n = 3;

	if (word == NULL)
		return NULL;
	if (strlen(word) > (SIZE_MAX - 3) / 4)
		return NULL;
	for (p = word; *p != '\0'; p++)
		n += *p == '\'' ? 4 : 1;
	if ((out = malloc(n)) == NULL)
		return NULL;
	q = out;
	*q++ = '\'';
	for (p = word; *p != '\0'; p++) {
		if (*p == '\'') {
			memcpy(q, "'\\''", 4);
			q += 4;
		} else
			*q++ = *p;
	}
	*q++ = '\'';
	*q = '\0';
	return out;
}
