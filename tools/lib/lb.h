/*
 * lb.h: what every part of the lifeboat engine shares: the error record that
 * engine functions fill instead of printing, and its codes.
 *
 * The engine (tools/lib) never prints and never exits: a function returns 0
 * or a negative LB_E* code and fills the caller's struct lb_err. Only the CLI
 * (tools/lifeboat) turns that into a message and an exit status.
 */
#ifndef LB_H
#define LB_H

#include <stdarg.h>
#include <stddef.h>

/* Error classes. The CLI maps each to one exit status (see lifeboat(1)). */
enum lb_code {
	LB_OK = 0,
	LB_EFAIL = -1,		/* unexpected failure (a bug or the system) */
	LB_EUSAGE = -2,		/* usage or configuration error */
	LB_ENOMEM = -3,		/* out of memory */
	LB_EIO = -4,		/* reading or writing failed */
	LB_ENOBACKUP = -5,	/* no valid backup found */
	LB_EVERIFY = -6,	/* the named archive failed verification */
	LB_ESTORE = -7,		/* a store could not be reached */
	LB_EDEST = -8,		/* the destination refused the restore */
	LB_EINTR = -9,		/* interrupted by a signal */
	LB_ERESTART = -10,	/* the server cannot resume: start the
				   candidate again from its first byte */
	LB_ECHECK = -11,	/* a service check failed */
	LB_EHANDOFF = -12,	/* a hand-off step failed */
	LB_EOBJECTIVE = -13,	/* an objective of the plan (RPO, RTO) is
				   not met */
	LB_EPARTIAL = -14,	/* a segmented restore committed its first
				   priority groups, then a later one failed */
};

#define LB_ERR_MSG 512

/* One error: its class, the errno behind it (0 if none) and one line of
 * text, lowercase, no trailing period, naming the subject in quotes. */
struct lb_err {
	int code;
	int errnum;
	char msg[LB_ERR_MSG];
};

/* Fill err (if not NULL) and return code, so that callers can write
 * "return lb_err_set(err, LB_EIO, errno, "cannot read '%s'", path);". */
int lb_err_set(struct lb_err *err, int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Reset err to "no error". */
void lb_err_clear(struct lb_err *err);

/* Set by the CLI's SIGINT/SIGTERM handler; long loops check it and stop
 * with LB_EINTR, cleaning up as for any failure. */
extern volatile int lb_stop_requested;

/* "24h", "7d", "90m", "30s", "2w" or plain seconds -> *secs. */
int lb_parse_duration(const char *s, long long *secs);

/* A boolean of the config: yes, true, on, 1 or no, false, off, 0, in any
 * case -> *out 1 or 0; else LB_EUSAGE (say LB_BOOL_WORDS in the error,
 * with the key). */
int lb_parse_bool(const char *s, int *out);
#define LB_BOOL_WORDS "yes, true, on, 1, no, false, off or 0"

/* "256M", "1G", "16MiB", "4096" -> bytes. */
int lb_parse_size(const char *s, long long *bytes);

/* Format secs as "7 h 12 min" style into buf. */
void lb_format_duration(long long secs, char *buf, size_t len);

/* Fault points for the test suite (fault.c): lb_fault("STEP") is 0, or
 * -1 with errno set (or the process killed) when LIFEBOAT_FAULT names
 * STEP. Only a build with -DLB_FAULT (build/asan) has them; in the shipped
 * build lb_fault is the constant 0 and costs nothing. Use it before the
 * call it stands for: "if (lb_fault("commit.go-live") != 0 ||
 * rename(a, b) != 0)". tests/cli/faults.bats finds every STEP in the
 * source and fails each one. */
#ifdef LB_FAULT
int lb_fault_hit(const char *step);
#define lb_fault(step) lb_fault_hit(step)
#define lb_fault_built 1
/* Sleep LIFEBOAT_TEST_COMMIT_PAUSE_MS, between two volumes of a commit. */
void lb_fault_commit_pause(void);
#else
#define lb_fault(step) 0
#define lb_fault_built 0
#define lb_fault_commit_pause() ((void)0)
#endif

/* LIFEBOAT_FAULT and LIFEBOAT_TEST_COMMIT_PAUSE_MS are unset, or valid in a
 * build with fault points; else LB_EUSAGE (the shipped build refuses
 * them). */
int lb_fault_check(struct lb_err *err);

/* Version of one library lifeboat is linked with. */
struct lb_libversion {
	const char *name;	/* "zlib", "libarchive", ... */
	const char *version;	/* reported by the library at run time
				   when it can say, else the version it
				   was built from */
	const char *debian;	/* the Debian 13 source version it came from */
};

/* The libraries linked into lifeboat, in a fixed order; *n gets the count. */
const struct lb_libversion *lb_libversions(size_t *n);

/* Choose the CPU extensions once, before any thread hashes: mbedTLS's
 * SHA-256 uses the x86 SHA extensions when the CPU has them, unless
 * LIFEBOAT_NO_SHANI is set (tests, benchmarks); libsodium picks its SIMD
 * code (sodium_init), which TLS's ChaCha20-Poly1305 uses too (mbedTLS
 * patch 0002). */
void lb_accel_init(void);
/* The SHA-256 code in use: "sha-ni" or "c". */
const char *lb_accel_sha256(void);

#endif
