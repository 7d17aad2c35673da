/*
 * clock.h: time, in one place: the monotonic clock that every duration is
 * measured with, and the one ISO-8601 form (UTC, "2026-11-20T03:00:00Z")
 * that reports, history lines and listings write and read. (Not "time.h":
 * tools/lib is on the include path and would hide the C library's.)
 */
#ifndef LB_CLOCK_H
#define LB_CLOCK_H

#include <stddef.h>

/* Seconds on CLOCK_MONOTONIC: only differences mean anything. */
double lb_clock_mono(void);

/* The wall clock, epoch seconds; LIFEBOAT_TEST_NOW=SECONDS fixes it (the
 * test suite's clock, as for the names of backups). */
long long lb_clock_now(void);

/* Epoch seconds t as "2026-11-20T03:00:00Z" into buf (at least 21
 * bytes); "" when t is negative. */
void lb_time_iso(long long t, char *buf, size_t len);

/* "2026-11-20T03:00:00Z" -> epoch seconds, or -1. The Z may be left
 * out, and fractional seconds (S3's ".000") are read and dropped. */
long long lb_time_parse_iso(const char *s);

/* When an outage began, as a person gives it: YYYY-MM-DDTHH:MM[:SS] in
 * local time, or @EPOCH. 0 and *t, or -1 when it is not a past time. */
int lb_time_parse_since(const char *s, long long *t);

#endif
