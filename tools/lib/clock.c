/*
 * clock.c: see clock.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

double
lb_clock_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long long
lb_clock_now(void)
{
	const char *s = getenv("LIFEBOAT_TEST_NOW");
	char *end;
	long long t;

	if (s != NULL && *s != '\0') {
		errno = 0;
		t = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0' && t > 0)
			return t;
	}
	return (long long)time(NULL);
}

void
lb_time_iso(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (t < 0 || gmtime_r(&tt, &tm) == NULL)
		return;
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

long long
lb_time_parse_iso(const char *s)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) ==
	    NULL)
		return -1;
	if (*end == '.')	/* S3's milliseconds */
		end += 1 + strspn(end + 1, "0123456789");
	if (*end == 'Z')
		end++;
	if (*end != '\0')
		return -1;
	return (long long)timegm(&tm);
}

int
lb_time_parse_since(const char *s, long long *t)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof(tm));
	tm.tm_isdst = -1;
	if (s[0] == '@') {
		errno = 0;
		*t = strtoll(s + 1, &end, 10);
		if (errno != 0 || end == s + 1 || *t <= 0)
			return -1;
	} else if ((end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL &&
	    (end = strptime(s, "%Y-%m-%dT%H:%M", &tm)) == NULL)
		return -1;
	else
		*t = (long long)mktime(&tm);
	return *end != '\0' || *t > (long long)time(NULL) ? -1 : 0;
}
