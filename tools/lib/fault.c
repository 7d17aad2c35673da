/*
 * fault.c: named fault points for the test builds (see lb.h).
 *
 * The suite proves that a commit, a rollback and a restore survive a
 * failure at every step by making that step fail: LIFEBOAT_FAULT names a
 * step, what happens there (an errno, or SIGKILL) and at which of its hits.
 * Only a build compiled with -DLB_FAULT has the points; the shipped build
 * refuses the variable, so that nobody believes a fault was injected.
 * The same holds for LIFEBOAT_TEST_COMMIT_PAUSE_MS, a pause between two
 * volumes of a commit for a test to kill the process in: a switch that
 * slows a real restore down has no place in what ships.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lb.h"

#define FAULT_ENV "LIFEBOAT_FAULT"

static const struct {
	const char *name;
	int num;
} errnos[] = {
	{ "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT },
	{ "EROFS", EROFS }, { "EACCES", EACCES }, { "EPERM", EPERM },
	{ "ENOMEM", ENOMEM }, { "ECONNRESET", ECONNRESET },
	{ "ETIMEDOUT", ETIMEDOUT },
};

/* STEP:ACTION[:N] */
struct fault_spec {
	char step[64];
	int kill;		/* SIGKILL, else errnum */
	int errnum;
	long nth;		/* the hit that fails, from 1 */
};

static int
fault_parse(const char *s, struct fault_spec *sp)
{
	const char *c1, *c2;
	char act[32], *end;
	size_t i, len;

	memset(sp, 0, sizeof(*sp));
	sp->nth = 1;
	if ((c1 = strchr(s, ':')) == NULL || c1 == s ||
	    (size_t)(c1 - s) >= sizeof(sp->step))
		return -1;
	memcpy(sp->step, s, (size_t)(c1 - s));
	c2 = strchr(c1 + 1, ':');
	len = c2 != NULL ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
	if (len == 0 || len >= sizeof(act))
		return -1;
	memcpy(act, c1 + 1, len);
	act[len] = '\0';
	if (c2 != NULL) {
		errno = 0;
		sp->nth = strtol(c2 + 1, &end, 10);
		if (errno != 0 || end == c2 + 1 || *end != '\0' || sp->nth < 1)
			return -1;
	}
	if (strcmp(act, "KILL") == 0) {
		sp->kill = 1;
		return 0;
	}
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(act, errnos[i].name) == 0) {
			sp->errnum = errnos[i].num;
			return 0;
		}
	return -1;
}

/* LIFEBOAT_TEST_COMMIT_PAUSE_MS in ms, 0 when unset; -1: not a number. */
static long
pause_ms(const char *s)
{
	char *end;
	long ms;

	if (s == NULL)
		return 0;
	errno = 0;
	ms = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || ms < 0 ||
	    ms > 3600000)
		return -1;
	return ms;
}

int
lb_fault_check(struct lb_err *err)
{
	const char *s = getenv("LIFEBOAT_FAULT");
	const char *ps = getenv("LIFEBOAT_TEST_COMMIT_PAUSE_MS");
	struct fault_spec sp;

	if (ps != NULL && !lb_fault_built)
		return lb_err_set(err, LB_EUSAGE, 0, "LIFEBOAT_TEST_COMMIT_"
		    "PAUSE_MS is set, but this build of lifeboat has no test "
		    "switches (only the test builds have): unset it");
	if (pause_ms(ps) < 0)
		return lb_err_set(err, LB_EUSAGE, 0, "LIFEBOAT_TEST_COMMIT_"
		    "PAUSE_MS '%s': not a number of milliseconds (0 to "
		    "3600000)", ps);
	if (s == NULL)
		return LB_OK;
	if (!lb_fault_built)
		return lb_err_set(err, LB_EUSAGE, 0, FAULT_ENV " is set, but "
		    "this build of lifeboat has no fault injection (only the "
		    "test builds have): unset it");
	if (fault_parse(s, &sp) != 0)
		return lb_err_set(err, LB_EUSAGE, 0, FAULT_ENV " '%s': not "
		    "STEP:ACTION[:N] (ACTION: KILL, EIO, ENOSPC, EDQUOT, "
		    "EROFS, EACCES, EPERM, ENOMEM, ECONNRESET or ETIMEDOUT; "
		    "N: the hit that fails, from 1)", s);
	return LB_OK;
}

#ifdef LB_FAULT
/* The suite's proof that the fault fired: a line in LIFEBOAT_FAULT_LOG. */
static void
fault_note(const char *step, const char *spec)
{
	const char *log = getenv("LIFEBOAT_FAULT_LOG");
	char line[256];
	int fd, n;

	if (log == NULL || (fd = open(log, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0600)) < 0)
		return;
	n = snprintf(line, sizeof(line), "%s %s\n", step, spec);
	if (n > 0 && (size_t)n < sizeof(line) && write(fd, line, (size_t)n) !=
	    n)
		n = -1;
	fsync(fd);
	close(fd);
}

int
lb_fault_hit(const char *step)
{
	static long hits;
	const char *s = getenv("LIFEBOAT_FAULT");
	struct fault_spec sp;

	if (s == NULL || fault_parse(s, &sp) != 0 ||
	    strcmp(step, sp.step) != 0 ||
	    __atomic_add_fetch(&hits, 1, __ATOMIC_SEQ_CST) != sp.nth)
		return 0;
	fault_note(step, s);
	if (sp.kill)
		kill(getpid(), SIGKILL);
	errno = sp.errnum;
	return -1;
}

void
lb_fault_commit_pause(void)
{
	long ms = pause_ms(getenv("LIFEBOAT_TEST_COMMIT_PAUSE_MS"));
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = ms % 1000 * 1000000L;
	nanosleep(&ts, NULL);
}
#endif
