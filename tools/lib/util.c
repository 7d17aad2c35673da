/*
 * util.c: small helpers shared by the engine: the value parsers of the
 * config (durations, booleans), the stop flag.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lb.h"

volatile int lb_stop_requested;

int
lb_parse_duration(const char *s, long long *secs)
{
	long long total = 0, n, mult;
	char *end;

	if (s == NULL || *s == '\0')
		return LB_EUSAGE;
	/* "1d12h" is accepted: number-unit pairs, summed. */
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s))
			return LB_EUSAGE;
		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno != 0 || n < 0)
			return LB_EUSAGE;
		switch (*end) {
		case '\0':
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 86400;
			break;
		case 'w':
			mult = 7 * 86400;
			break;
		default:
			return LB_EUSAGE;
		}
		if (n > (LLONG_MAX - total) / mult)
			return LB_EUSAGE;
		total += n * mult;
		s = *end == '\0' ? end : end + 1;
	}
	*secs = total;
	return LB_OK;
}

void
lb_format_duration(long long secs, char *buf, size_t len)
{
	if (secs < 0)
		secs = 0;
	/* the larger unit, and the smaller one unless it is zero; hours up
	 * to two days ("36 h" is how an RPO is said) */
	if (secs < 60)
		snprintf(buf, len, "%lld s", secs);
	else if (secs < 3600)
		snprintf(buf, len, "%lld min", secs / 60);
	else if (secs < 2 * 86400 && secs % 3600 / 60 == 0)
		snprintf(buf, len, "%lld h", secs / 3600);
	else if (secs < 2 * 86400)
		snprintf(buf, len, "%lld h %lld min", secs / 3600,
		    secs % 3600 / 60);
	else if (secs % 86400 / 3600 == 0)
		snprintf(buf, len, "%lld d", secs / 86400);
	else
		snprintf(buf, len, "%lld d %lld h", secs / 86400,
		    secs % 86400 / 3600);
}

int
lb_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; s != NULL && i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return LB_OK;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return LB_OK;
		}
	}
	return LB_EUSAGE;
}

int
lb_parse_size(const char *s, long long *bytes)
{
	char *end;
	long long v;
	int shift = 0;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno != 0 || v < 0)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	default:
		return -1;
	}
	if (*end != '\0') {
		end++;
		if (*end == 'i')
			end++;
		if (*end == 'B')
			end++;
		if (*end != '\0')
			return -1;
	}
	if (v > (LLONG_MAX >> shift))
		return -1;
	*bytes = v << shift;
	return 0;
}
