/*
 * flush.c: a thread that syncs the staging's filesystem while a restore
 * writes into it. See flush.h.
 */
#define _GNU_SOURCE	/* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "flush.h"

#define PERIOD_NS 250000000L

struct lb_flush {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* on CLOCK_MONOTONIC */
	int stop;
	int fd;
	int error;		/* errno of the sync that failed, else 0 */
				/* mu guards stop and error, and is held
				   through each sync */
	char dir[PATH_MAX];
};

static void *
flusher(void *arg)
{
	struct lb_flush *f = arg;
	struct timespec t;
	int stop = 0;

	while (!stop) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += PERIOD_NS;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&f->mu);
		while (!f->stop && pthread_cond_timedwait(&f->cv, &f->mu,
		    &t) != ETIMEDOUT)
			;
		/* the lock held: lb_flush_check waits for this sync */
		if (!(stop = f->stop) && syncfs(f->fd) != 0) {
			f->error = errno;
			stop = 1;
		}
		pthread_mutex_unlock(&f->mu);
	}
	return NULL;
}

struct lb_flush *
lb_flush_start(const char *dir)
{
	struct lb_flush *f;
	pthread_condattr_t ca;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	snprintf(f->dir, sizeof(f->dir), "%s", dir);
	if ((f->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		free(f);
		return NULL;
	}
	pthread_mutex_init(&f->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&f->thread, NULL, flusher, f) != 0) {
		pthread_cond_destroy(&f->cv);
		pthread_mutex_destroy(&f->mu);
		close(f->fd);
		free(f);
		return NULL;
	}
	return f;
}

int
lb_flush_check(struct lb_flush *f, struct lb_err *err)
{
	int e;

	if (f == NULL)
		return LB_OK;
	pthread_mutex_lock(&f->mu);
	e = f->error;
	pthread_mutex_unlock(&f->mu);
	if (e != 0)
		return lb_err_set(err, LB_EDEST, e, "cannot sync '%s'", f->dir);
	return LB_OK;
}

int
lb_flush_stop(struct lb_flush *f, struct lb_err *err)
{
	int r;

	if (f == NULL)
		return LB_OK;
	pthread_mutex_lock(&f->mu);
	f->stop = 1;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->thread, NULL);
	r = lb_flush_check(f, err);
	close(f->fd);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
	return r;
}
