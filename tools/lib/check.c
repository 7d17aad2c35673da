/*
 * check.c: service checks (see check.h). HTTP through libcurl, TCP with a
 * plain non-blocking connect, commands through proc.c without a shell.
 * Checks of one priority group are tried in turns, so that a slow service
 * does not hold up the deadline of another; between turns the wait grows
 * from 1 s to 30 s, never past the nearest deadline.
 */
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "check.h"
#include "clock.h"
#include "lb_version.h"
#include "fetch.h"
#include "proc.h"

#define BODY_MAX (1 << 20)	/* what expect_body is looked for in */
#define BACKOFF_MAX 30.0

struct body {
	char *p;
	size_t len;
};

static size_t
body_cb(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n, take;

	/* keep the first BODY_MAX bytes, read (and drop) the rest */
	take = b->len < BODY_MAX ? BODY_MAX - b->len : 0;
	if (take > len)
		take = len;
	if (take > 0) {
		memcpy(b->p + b->len, data, take);
		b->len += take;
	}
	return len;
}

static int
contains(const char *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle), i;

	if (m == 0)
		return 1;
	for (i = 0; i + m <= n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

static int
check_http(const struct lb_check_conf *c, char *why, size_t len)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct body b = { NULL, 0 };
	long status = 0;
	CURLcode cr;
	CURL *e;
	int rc = -1;

	if ((b.p = malloc(BODY_MAX)) == NULL || (e = curl_easy_init()) ==
	    NULL) {
		free(b.p);
		snprintf(why, len, "out of memory");
		return -1;
	}
	curl_easy_setopt(e, CURLOPT_URL, c->target);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* follow redirects, unless a redirect is what is expected */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION,
	    c->expect_status / 100 == 3 ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "lifeboat-check/" LB_VERSION);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)c->timeout);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	lb_fetch_tls(e, c->ca_file, c->insecure);
	cr = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (cr != CURLE_OK)
		snprintf(why, len, "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(cr));
	else if (status != c->expect_status)
		snprintf(why, len, "status %ld, expected %d", status,
		    c->expect_status);
	else if (c->expect_body != NULL && !contains(b.p, b.len,
	    c->expect_body))
		snprintf(why, len, "status %ld, but the body does not hold "
		    "'%s'", status, c->expect_body);
	else
		rc = 0;
	curl_easy_cleanup(e);
	free(b.p);
	return rc;
}

/* "host:port", "[v6]:port" -> host and port in the caller's buffers. */
static int
split_hostport(const char *s, char *host, size_t hlen, char *port,
    size_t plen)
{
	const char *colon, *h = s, *he;

	if (*s == '[') {
		if ((he = strchr(s, ']')) == NULL || he[1] != ':')
			return -1;
		h = s + 1;
		colon = he + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return -1;
		he = colon;
	}
	if ((size_t)(he - h) >= hlen || strlen(colon + 1) >= plen ||
	    he == h || colon[1] == '\0')
		return -1;
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	snprintf(port, plen, "%s", colon + 1);
	return 0;
}

static int
check_tcp(const struct lb_check_conf *c, char *why, size_t len)
{
	struct addrinfo hints, *ai = NULL, *a;
	char host[256], port[32];
	struct pollfd pfd;
	double deadline = lb_clock_mono() + (double)c->timeout;
	socklen_t sl;
	int fd, r, soerr = 0;

	if (split_hostport(c->target, host, sizeof(host), port,
	    sizeof(port)) != 0) {
		snprintf(why, len, "'%s' is not HOST:PORT", c->target);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(why, len, "cannot resolve '%s': %s", host,
		    gai_strerror(r));
		return -1;
	}
	snprintf(why, len, "no address for '%s'", host);
	for (a = ai; a != NULL; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			snprintf(why, len, "socket: %s", strerror(errno));
			continue;
		}
		r = connect(fd, a->ai_addr, a->ai_addrlen);
		if (r != 0 && errno == EINPROGRESS) {
			double left = deadline - lb_clock_mono();

			pfd.fd = fd;
			pfd.events = POLLOUT;
			r = poll(&pfd, 1, left > 0 ? (int)(left * 1000) : 0);
			if (r == 0) {
				close(fd);
				snprintf(why, len, "no answer within %lld s",
				    c->timeout);
				continue;
			}
			sl = sizeof(soerr);
			if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR,
			    &soerr, &sl) != 0)
				soerr = errno;
			r = soerr == 0 ? 0 : -1;
			errno = soerr;
		}
		close(fd);
		if (r == 0) {
			freeaddrinfo(ai);
			return 0;
		}
		snprintf(why, len, "%s", strerror(errno));
		/* "Connection refused" reads better lowercase in a table */
		why[0] = (char)tolower((unsigned char)why[0]);
	}
	freeaddrinfo(ai);
	return -1;
}

static int
check_command(const struct lb_check_conf *c, char *why, size_t len)
{
	struct lb_proc_opts po;
	struct lb_proc_result pr;
	struct lb_err err;
	char **argv = NULL;
	size_t argc;
	int rc = -1;

	static const char *const ops[] = { "|", "||", "&&", ";", "&", ">",
		">>", "<", NULL };
	size_t i, k;

	if (lb_split_words(c->target, &argv, &argc, &err) != LB_OK) {
		snprintf(why, len, "%s", err.msg);
		return -1;
	}
	/* a bare shell operator means the writer expected a shell */
	for (i = 0; i < argc; i++)
		for (k = 0; ops[k] != NULL; k++)
			if (strcmp(argv[i], ops[k]) == 0) {
				snprintf(why, len, "'%s' is a shell operator, "
				    "but no shell runs a check's command: use "
				    "sh -c '...'", ops[k]);
				lb_words_free(argv);
				return -1;
			}
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.timeout = (double)c->timeout;
	if (lb_proc_run(&po, &pr, &err) != LB_OK)
		snprintf(why, len, "%s", err.msg);
	else if (pr.timed_out)
		snprintf(why, len, "still running after %lld s: stopped",
		    c->timeout);
	else if (pr.signal != 0)
		snprintf(why, len, "killed by signal %d", pr.signal);
	else if (pr.status != 0)
		snprintf(why, len, "exit %d%s%s", pr.status, pr.last[0] ?
		    ": " : "", pr.last);
	else
		rc = 0;
	lb_proc_result_release(&pr);	/* empty after an error */
	lb_words_free(argv);
	return rc;
}

int
lb_check_once(const struct lb_check_conf *c, char *why, size_t len)
{
	why[0] = '\0';
	switch (c->kind) {
	case LB_CHECK_HTTP:
		return check_http(c, why, len);
	case LB_CHECK_TCP:
		return check_tcp(c, why, len);
	case LB_CHECK_COMMAND:
		return check_command(c, why, len);
	default:
		snprintf(why, len, "not a check");
		return -1;
	}
}

static int
local_host(const char *h, size_t n)
{
	return (n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
	    (n >= 4 && strncmp(h, "127.", 4) == 0) ||
	    (n == 3 && strncmp(h, "::1", 3) == 0);
}

int
lb_check_is_local(const struct lb_check_conf *c)
{
	const char *h, *e, *at;
	char host[256], port[32];

	if (c->kind == LB_CHECK_TCP)
		return split_hostport(c->target, host, sizeof(host), port,
		    sizeof(port)) == 0 && local_host(host, strlen(host));
	if (c->kind != LB_CHECK_HTTP || (h = strstr(c->target, "://")) ==
	    NULL)
		return 0;
	h += 3;
	e = h + strcspn(h, "/?#");
	if ((at = memchr(h, '@', (size_t)(e - h))) != NULL)
		h = at + 1;
	if (*h == '[') {
		h++;
		e = memchr(h, ']', (size_t)(e - h));
		return e != NULL && local_host(h, (size_t)(e - h));
	}
	return local_host(h, strcspn(h, ":/?#"));
}

static void
sleep_s(double s)
{
	struct timespec ts;

	/* in slices, so that a signal ends the wait soon */
	while (s > 0 && !lb_stop_requested) {
		double d = s < 0.2 ? s : 0.2;

		ts.tv_sec = 0;
		ts.tv_nsec = (long)(d * 1e9);
		nanosleep(&ts, NULL);
		s -= d;
	}
}

/* Run one priority group's checks to their end. */
static int
run_group(struct lb_check_result *res, size_t n, int prio,
    lb_check_report_fn report, void *arg)
{
	double t0 = lb_clock_mono(), wait = 1, next, el;
	size_t i, pending;
	int failed = 0;

	for (;;) {
		pending = 0;
		next = -1;
		for (i = 0; i < n; i++) {
			struct lb_check_result *r = &res[i];
			const struct lb_check_conf *c = r->conf;

			if (c->priority != prio || r->state != LB_CHECK_PENDING)
				continue;
			if (lb_stop_requested) {
				r->state = LB_CHECK_FAIL;
				r->seconds = lb_clock_mono() - t0;
				snprintf(r->error, sizeof(r->error),
				    "interrupted");
				report(arg, r, 0);
				continue;
			}
			r->attempts++;
			if (lb_check_once(c, r->error, sizeof(r->error)) == 0) {
				r->state = LB_CHECK_PASS;
				r->seconds = lb_clock_mono() - t0;
				report(arg, r, 0);
				continue;
			}
			el = lb_clock_mono() - t0;
			if (el >= (double)c->within) {
				r->state = LB_CHECK_FAIL;
				r->seconds = el;
				failed = 1;
				report(arg, r, 0);
				continue;
			}
			report(arg, r, 1);
			pending++;
			if (next < 0 || (double)c->within - el < next)
				next = (double)c->within - el;
		}
		if (lb_stop_requested)
			return LB_EINTR;
		if (pending == 0)
			return failed ? LB_EFAIL : LB_OK;
		sleep_s(wait < next ? wait : next);
		wait = wait * 2 < BACKOFF_MAX ? wait * 2 : BACKOFF_MAX;
	}
}

int
lb_check_run(struct lb_check_result *res, size_t n,
    lb_check_report_fn report, void *arg)
{
	size_t i;
	int prio, r, rc = LB_OK;
	char failed[160] = "";

	for (i = 0; i < n; i++) {
		res[i].state = LB_CHECK_PENDING;
		res[i].seconds = 0;
		res[i].attempts = 0;
		res[i].error[0] = '\0';
	}
	for (prio = 1; prio <= LB_MAX_PRIO + 1; prio++) {
		if (failed[0] != '\0') {
			for (i = 0; i < n; i++)
				if (res[i].conf->priority == prio) {
					res[i].state = LB_CHECK_SKIPPED;
					snprintf(res[i].error,
					    sizeof(res[i].error), "%s",
					    failed);
					report(arg, &res[i], 0);
				}
			continue;
		}
		r = run_group(res, n, prio, report, arg);
		if (r == LB_EINTR)
			return LB_EINTR;
		if (r != LB_OK) {
			rc = LB_EFAIL;
			for (i = 0; i < n; i++)
				if (res[i].conf->priority == prio &&
				    res[i].state == LB_CHECK_FAIL)
					break;
			snprintf(failed, sizeof(failed), "not run: the p%d "
			    "check '%s' failed", prio, res[i].conf->name);
		}
	}
	return rc;
}
