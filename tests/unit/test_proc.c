/* test_proc.c: running programs, splitting and quoting command lines. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lbtest.h"
#include "proc.h"

#define MAXLINES 16

/* What on_line saw; static, so that a failing CHECK leaks nothing. */
static struct {
	int n;
	int fd[MAXLINES];
	char text[MAXLINES][4100];
	int overflow;
	const char *stop_on;	/* set lb_stop_requested on this line */
} got;

static void
collect(void *arg, int fd, const char *line)
{
	(void)arg;
	if (got.stop_on != NULL && strcmp(line, got.stop_on) == 0)
		lb_stop_requested = 1;
	if (got.n == MAXLINES) {
		got.overflow = 1;
		return;
	}
	got.fd[got.n] = fd;
	snprintf(got.text[got.n], sizeof(got.text[0]), "%s", line);
	got.n++;
}

static void
got_reset(void)
{
	memset(&got, 0, sizeof(got));
}

/* The i-th line seen on fd, or NULL. */
static const char *
line_of(int fd, int i)
{
	int k;

	for (k = 0; k < got.n; k++)
		if (got.fd[k] == fd && i-- == 0)
			return got.text[k];
	return NULL;
}

static int
lines_on(int fd)
{
	int k, n = 0;

	for (k = 0; k < got.n; k++)
		n += got.fd[k] == fd;
	return n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
all_chars(const char *s, char c, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] != c)
			return 0;
	return 1;
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, mode);
}

LB_TEST(proc_exit_status)
{
	char *ok[] = { "/bin/sh", "-c", "exit 0", NULL };
	char *three[] = { "/bin/sh", "-c", "exit 3", NULL };
	struct lb_proc_opts o = { .argv = ok };
	struct lb_proc_result r;
	struct lb_err err;

	/* err reads "no error" after a run that worked: callers look. */
	err.code = LB_EFAIL;
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_INT(err.code, LB_OK);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.signal, 0);
	CHECK_INT(r.timed_out, 0);
	CHECK(r.out == NULL);
	CHECK(r.seconds > 0 && r.seconds < 10);
	lb_proc_result_release(&r);
	o.argv = three;
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_INT(r.status, 3);
	CHECK_INT(r.signal, 0);
	lb_proc_result_release(&r);
}

LB_TEST(proc_signalled)
{
	char *argv[] = { "/bin/sh", "-c", "kill -USR1 $$", NULL };
	struct lb_proc_opts o = { .argv = argv };
	struct lb_proc_result r;
	struct lb_err err;

	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_INT(r.status, -1);
	CHECK_INT(r.signal, SIGUSR1);
	CHECK_INT(r.timed_out, 0);
}

LB_TEST(proc_input_captured_back)
{
	char *argv[] = { "cat", NULL };
	struct lb_proc_opts o = { .argv = argv, .capture = 1,
	    .input = "hello\nworld", .input_len = 11 };
	struct lb_proc_result r;
	struct lb_err err;

	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.out_len, 11);
	CHECK_STR(r.out, "hello\nworld");
	CHECK_STR(r.last, "world");
	lb_proc_result_release(&r);
	CHECK(r.out == NULL);
}

/* More than a pipe holds in each direction: only a loop that writes and
 * reads as each side is ready gets through (the time limit turns a
 * deadlock into a failure rather than a hang). */
LB_TEST(proc_one_mib_both_ways)
{
	char *argv[] = { "cat", NULL };
	struct lb_proc_opts o = { .argv = argv, .capture = 1, .timeout = 60 };
	struct lb_proc_result r;
	struct lb_err err;
	size_t i, n = 1024 * 1024;
	char *in = malloc(n);
	int rc, same;

	CHECK(in != NULL);
	for (i = 0; i < n; i++)
		in[i] = (char)(i * 7 + i / 251);
	o.input = in;
	o.input_len = n;
	rc = lb_proc_run(&o, &r, &err);
	same = rc == 0 && r.out_len == n && memcmp(r.out, in, n) == 0;
	free(in);
	CHECK_INT(rc, 0);
	CHECK_INT(r.timed_out, 0);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.out_len, n);
	CHECK(same);
	lb_proc_result_release(&r);
}

LB_TEST(proc_no_input_is_dev_null)
{
	char *argv[] = { "cat", NULL };
	struct lb_proc_opts o = { .argv = argv, .capture = 1, .timeout = 10 };
	struct lb_proc_result r;
	struct lb_err err;

	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_INT(r.timed_out, 0);
	CHECK(r.out != NULL);
	CHECK_INT(r.out_len, 0);
	CHECK_STR(r.out, "");
	lb_proc_result_release(&r);
	o.input = "";
	o.input_len = 0;
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_INT(r.timed_out, 0);
	CHECK_STR(r.out, "");
	lb_proc_result_release(&r);
}

LB_TEST(proc_lines_by_fd)
{
	char *argv[] = { "/bin/sh", "-c", "echo out1; echo err1 >&2; echo; "
	    "printf out2; printf err2 >&2", NULL };
	struct lb_proc_opts o = { .argv = argv, .on_line = collect };
	struct lb_proc_result r;
	struct lb_err err;

	got_reset();
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_INT(r.status, 0);
	CHECK(!got.overflow);
	CHECK_INT(lines_on(1), 3);
	CHECK_STR(line_of(1, 0), "out1");
	CHECK_STR(line_of(1, 1), "");
	CHECK_STR(line_of(1, 2), "out2");
	CHECK_INT(lines_on(2), 2);
	CHECK_STR(line_of(2, 0), "err1");
	CHECK_STR(line_of(2, 1), "err2");
	CHECK_STR(r.last, "err2");
}

LB_TEST(proc_long_lines_cut)
{
	char *argv[] = { "/bin/sh", "-c",
	    "head -c 10000 /dev/zero | tr '\\0' a; echo; "
	    "head -c 4096 /dev/zero | tr '\\0' b; echo; echo end", NULL };
	struct lb_proc_opts o = { .argv = argv, .on_line = collect };
	struct lb_proc_result r;
	struct lb_err err;

	got_reset();
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_INT(r.status, 0);
	CHECK_INT(lines_on(1), 5);
	CHECK(all_chars(line_of(1, 0), 'a', 4096));
	CHECK(all_chars(line_of(1, 1), 'a', 4096));
	CHECK(all_chars(line_of(1, 2), 'a', 10000 - 2 * 4096));
	CHECK(all_chars(line_of(1, 3), 'b', 4096));
	CHECK_STR(line_of(1, 4), "end");
	CHECK_INT(lines_on(2), 0);
}

LB_TEST(proc_capture_keeps_stdout_from_on_line)
{
	char *argv[] = { "/bin/sh", "-c", "echo o1; echo e1 >&2; echo o2",
	    NULL };
	struct lb_proc_opts o = { .argv = argv, .on_line = collect,
	    .capture = 1 };
	struct lb_proc_result r;
	struct lb_err err;

	got_reset();
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_STR(r.out, "o1\no2\n");
	CHECK_INT(r.out_len, 6);
	CHECK_INT(got.n, 1);
	CHECK_INT(got.fd[0], 2);
	CHECK_STR(got.text[0], "e1");
	CHECK_STR(r.last, "e1");
	lb_proc_result_release(&r);
}

LB_TEST(proc_capture_stops_at_16_mib)
{
	char *argv[] = { "head", "-c", "17000000", "/dev/zero", NULL };
	struct lb_proc_opts o = { .argv = argv, .capture = 1, .timeout = 60 };
	struct lb_proc_result r;
	struct lb_err err;

	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	/* Drained to the end: head was not stopped by a full pipe. */
	CHECK_INT(r.status, 0);
	CHECK_INT(r.timed_out, 0);
	CHECK_INT(r.out_len, 16 * 1024 * 1024);
	CHECK(r.out[0] == '\0' && r.out[r.out_len - 1] == '\0');
	lb_proc_result_release(&r);
}

LB_TEST(proc_timeout)
{
	char *argv[] = { "sleep", "10", NULL };
	struct lb_proc_opts o = { .argv = argv, .timeout = 0.3 };
	struct lb_proc_result r;
	struct lb_err err;
	double t0 = now(), took;

	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	took = now() - t0;
	CHECK_INT(r.timed_out, 1);
	CHECK_INT(r.status, -1);
	CHECK_INT(r.signal, SIGTERM);
	CHECK(took >= 0.3);
	CHECK(took < 3);
	CHECK(r.seconds >= 0.3 && r.seconds < 3);
}

/* Gone, or a zombie that its new parent has yet to reap. */
static int
dead(long pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	if (kill((pid_t)pid, 0) != 0)
		return errno == ESRCH;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

/* The time limit ends what the child started too, not just the child. */
LB_TEST(proc_timeout_ends_whole_group)
{
	char *argv[] = { "/bin/sh", "-c", "sleep 10 & echo $!; wait", NULL };
	struct lb_proc_opts o = { .argv = argv, .capture = 1, .timeout = 0.3 };
	struct lb_proc_result r;
	struct lb_err err;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	long pid;
	int rc, i, gone = 0;

	rc = lb_proc_run(&o, &r, &err);
	pid = rc == 0 ? strtol(r.out, NULL, 10) : 0;
	lb_proc_result_release(&r);
	CHECK_INT(rc, 0);
	CHECK_INT(r.timed_out, 1);
	CHECK(pid > 1);
	for (i = 0; i < 100 && !(gone = dead(pid)); i++)
		nanosleep(&tick, NULL);
	if (!gone)
		kill((pid_t)pid, SIGKILL);
	CHECK(gone);
}

/* Takes the whole grace period, about 5 s. */
LB_TEST(proc_timeout_kills_after_grace)
{
	char *argv[] = { "/bin/sh", "-c", "trap '' TERM; sleep 10", NULL };
	struct lb_proc_opts o = { .argv = argv, .timeout = 0.3 };
	struct lb_proc_result r;
	struct lb_err err;
	double t0 = now(), took;

	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	took = now() - t0;
	CHECK_INT(r.timed_out, 1);
	CHECK_INT(r.signal, SIGKILL);
	CHECK(took >= 5.3);
	CHECK(took < 9);
}

LB_TEST(proc_stop_requested)
{
	char *argv[] = { "/bin/sh", "-c", "echo go; sleep 10", NULL };
	char *touch[] = { "touch", "ran", NULL };
	struct lb_proc_opts o = { .argv = argv, .on_line = collect };
	struct lb_proc_result r;
	struct lb_err err;
	double t0 = now(), took;
	int rc;

	got_reset();
	got.stop_on = "go";
	rc = lb_proc_run(&o, &r, &err);
	lb_stop_requested = 0;
	took = now() - t0;
	CHECK_INT(rc, LB_EINTR);
	CHECK_INT(err.code, LB_EINTR);
	CHECK_INT(r.signal, SIGTERM);
	CHECK_INT(r.timed_out, 0);
	CHECK(took < 3);

	/* Asked to stop before it starts: it does not start. */
	o.argv = touch;
	o.on_line = NULL;
	lb_stop_requested = 1;
	rc = lb_proc_run(&o, &r, &err);
	lb_stop_requested = 0;
	CHECK_INT(rc, LB_EINTR);
	CHECK(access("ran", F_OK) != 0);
}

LB_TEST(proc_cwd)
{
	char *argv[] = { "/bin/pwd", NULL };
	struct lb_proc_opts o = { .argv = argv, .cwd = "sub", .capture = 1 };
	struct lb_proc_result r;
	struct lb_err err;
	char sub[PATH_MAX], want[PATH_MAX + 2];
	char before[PATH_MAX], after[PATH_MAX];

	CHECK(mkdir("sub", 0755) == 0);
	CHECK(realpath("sub", sub) != NULL);
	snprintf(want, sizeof(want), "%s\n", sub);
	CHECK(getcwd(before, sizeof(before)) != NULL);
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_INT(r.status, 0);
	CHECK_STR(r.out, want);
	lb_proc_result_release(&r);
	CHECK(getcwd(after, sizeof(after)) != NULL);
	CHECK_STR(after, before);

	o.cwd = "no-such-dir";
	CHECK_INT(lb_proc_run(&o, &r, &err), LB_EUSAGE);
	CHECK_INT(err.errnum, ENOENT);
	CHECK(strstr(err.msg, "'/bin/pwd' in 'no-such-dir'") != NULL);
	CHECK(r.out == NULL);
}

LB_TEST(proc_env)
{
	char *argv[] = { "env", NULL };
	char *only_foo[] = { "FOO=bar", NULL };
	char *bad_path[] = { "PATH=/nonexistent-lb", NULL };
	char *sh[] = { "sh", "-c", "printf %s \"$X\"", NULL };
	char *env_x[] = { "PATH=/nonexistent-lb:/usr/bin:/bin", "X=1", NULL };
	struct lb_proc_opts o = { .argv = argv, .env = only_foo,
	    .capture = 1 };
	struct lb_proc_result r;
	struct lb_err err;

	/* No PATH in env: the default one finds env(1). */
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_STR(r.out, "FOO=bar\n");
	lb_proc_result_release(&r);

	/* env's PATH is searched, not ours. */
	o.env = bad_path;
	CHECK_INT(lb_proc_run(&o, &r, &err), LB_EUSAGE);
	CHECK_INT(err.errnum, ENOENT);

	o.argv = sh;
	o.env = env_x;
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_STR(r.out, "1");
	lb_proc_result_release(&r);
}

LB_TEST(proc_missing_program)
{
	char *argv[] = { "lifeboat-no-such-program", NULL };
	char *rel[] = { "./nope", NULL };
	char *empty[] = { "", NULL };
	struct lb_proc_opts o = { .argv = argv };
	struct lb_proc_result r;
	struct lb_err err;
	char want[256];

	CHECK_INT(lb_proc_run(&o, &r, &err), LB_EUSAGE);
	CHECK_INT(err.code, LB_EUSAGE);
	CHECK_INT(err.errnum, ENOENT);
	snprintf(want, sizeof(want), "cannot run 'lifeboat-no-such-program': "
	    "%s", strerror(ENOENT));
	CHECK_STR(err.msg, want);

	o.argv = rel;
	CHECK_INT(lb_proc_run(&o, &r, &err), LB_EUSAGE);
	CHECK(strstr(err.msg, "'./nope'") != NULL);

	o.argv = empty;
	CHECK_INT(lb_proc_run(&o, &r, &err), LB_EUSAGE);
}

/* As execvp: a file found but not executable is remembered, and the
 * search goes on; refused only if nothing better turns up. */
LB_TEST(proc_path_search_skips_unrunnable)
{
	char *argv[] = { "lbtool", NULL };
	char *rel[] = { "./a/lbtool", NULL };
	char cwd[PATH_MAX], path_ab[2 * PATH_MAX + 16], path_a[PATH_MAX + 16];
	char *env[] = { path_ab, NULL };
	struct lb_proc_opts o = { .argv = argv, .env = env, .capture = 1 };
	struct lb_proc_result r;
	struct lb_err err;

	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK(mkdir("a", 0755) == 0 && mkdir("b", 0755) == 0);
	write_file("a/lbtool", "#!/bin/sh\necho a\n", 0644);
	write_file("b/lbtool", "#!/bin/sh\necho b\n", 0755);
	snprintf(path_ab, sizeof(path_ab), "PATH=%s/a:%s/b", cwd, cwd);
	snprintf(path_a, sizeof(path_a), "PATH=%s/a", cwd);
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_STR(r.out, "b\n");
	lb_proc_result_release(&r);

	env[0] = path_a;
	CHECK_INT(lb_proc_run(&o, &r, &err), LB_EUSAGE);
	CHECK_INT(err.errnum, EACCES);
	CHECK(strstr(err.msg, "'lbtool'") != NULL);

	o.argv = rel;
	CHECK_INT(lb_proc_run(&o, &r, &err), LB_EUSAGE);
	CHECK_INT(err.errnum, EACCES);
}

/* SIGPIPE is at its default here: if a child that stops reading could
 * raise it in us, this test would kill the whole runner. */
LB_TEST(proc_child_ignores_input)
{
	char *t[] = { "true", NULL };
	char *head[] = { "/bin/sh", "-c", "head -c 10 >/dev/null; echo read",
	    NULL };
	struct lb_proc_opts o = { .argv = t, .timeout = 30 };
	struct lb_proc_result r;
	struct lb_err err;
	size_t n = 1024 * 1024;
	char *in = calloc(1, n);
	sigset_t cur;
	int rc;

	CHECK(in != NULL);
	o.input = in;
	o.input_len = n;
	rc = lb_proc_run(&o, &r, &err);
	if (rc == 0) {
		o.argv = head;
		rc = lb_proc_run(&o, &r, &err);
	}
	free(in);
	CHECK_INT(rc, 0);
	CHECK_INT(r.status, 0);
	CHECK_INT(r.timed_out, 0);
	CHECK_STR(r.last, "read");
	/* Nothing left behind: not blocked, not pending. */
	CHECK(pthread_sigmask(SIG_BLOCK, NULL, &cur) == 0);
	CHECK(!sigismember(&cur, SIGPIPE));
	CHECK(sigpending(&cur) == 0);
	CHECK(!sigismember(&cur, SIGPIPE));
}

/* Once the child is gone, a grandchild holding its stdout open does not
 * keep us waiting. */
LB_TEST(proc_grandchild_holding_output)
{
	char *argv[] = { "/bin/sh", "-c", "sleep 10 & echo $!", NULL };
	struct lb_proc_opts o = { .argv = argv, .capture = 1, .timeout = 30 };
	struct lb_proc_result r;
	struct lb_err err;
	double t0 = now(), took;
	long pid;
	int rc;

	rc = lb_proc_run(&o, &r, &err);
	took = now() - t0;
	pid = rc == 0 ? strtol(r.out, NULL, 10) : 0;
	if (pid > 1)
		kill((pid_t)pid, SIGKILL);
	lb_proc_result_release(&r);
	CHECK_INT(rc, 0);
	CHECK(pid > 1);
	CHECK_INT(r.timed_out, 0);
	CHECK(took < 3);
}

LB_TEST(proc_last_line)
{
	char *both[] = { "/bin/sh", "-c", "echo a; echo 'fatal: x' >&2; "
	    "echo >&2; echo '  ' >&2; echo b", NULL };
	char *out_only[] = { "/bin/sh", "-c", "echo one; echo two; echo",
	    NULL };
	char *silent[] = { "true", NULL };
	char *longline[] = { "/bin/sh", "-c",
	    "head -c 1000 /dev/zero | tr '\\0' z >&2", NULL };
	struct lb_proc_opts o = { .argv = both };
	struct lb_proc_result r;
	struct lb_err err;

	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_STR(r.last, "fatal: x");
	o.argv = out_only;
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_STR(r.last, "two");
	o.argv = silent;
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK_STR(r.last, "");
	o.argv = longline;
	CHECK_INT(lb_proc_run(&o, &r, &err), 0);
	CHECK(all_chars(r.last, 'z', sizeof(r.last) - 1));
}

/* argv from lb_split_words is exactly want (NULL-terminated). */
static int
split_is(const char *s, const char *const *want)
{
	struct lb_err err;
	char **v;
	size_t n, i;
	int ok;

	if (lb_split_words(s, &v, &n, &err) != 0) {
		fprintf(stderr, "    split '%s': %s\n", s, err.msg);
		return 0;
	}
	for (i = 0; want[i] != NULL; i++)
		if (i >= n || strcmp(v[i], want[i]) != 0)
			break;
	ok = want[i] == NULL && i == n && v[n] == NULL;
	for (i = 0; !ok && i < n; i++)
		fprintf(stderr, "    split '%s': [%zu] '%s'\n", s, i, v[i]);
	lb_words_free(v);
	return ok;
}

static int
split_fails(const char *s, const char *msg)
{
	struct lb_err err;
	char **v = (char **)&err;
	size_t n = 99;
	int rc;

	rc = lb_split_words(s, &v, &n, &err);
	if (rc != LB_EUSAGE || err.code != LB_EUSAGE || v != NULL || n != 0)
		return 0;
	if (strcmp(err.msg, msg) != 0) {
		fprintf(stderr, "    split '%s': \"%s\"\n", s, err.msg);
		return 0;
	}
	return 1;
}

#define W(...) ((const char *const []){ __VA_ARGS__, NULL })

LB_TEST(split_words)
{
	CHECK(split_is("a b  c", W("a", "b", "c")));
	CHECK(split_is(" \tlead\ttab\nnl \n", W("lead", "tab", "nl")));
	CHECK(split_is("'a b' c", W("a b", "c")));
	CHECK(split_is("'a\\b \"x\"'", W("a\\b \"x\"")));
	CHECK(split_is("\"a 'b' \\\" \\\\ \\$x \\` \\n\"",
	    W("a 'b' \" \\ $x ` \\n")));
	CHECK(split_is("a\\ b \\'x \\\\", W("a b", "'x", "\\")));
	CHECK(split_is("a'b'\"c\"d", W("abcd")));
	CHECK(split_is("'it'\\''s'", W("it's")));
	CHECK(split_is("$HOME *.c ~/x $(id) `id`",
	    W("$HOME", "*.c", "~/x", "$(id)", "`id`")));
	CHECK(split_is("a\\\nb c \\\n d", W("ab", "c", "d")));
	CHECK(split_is("\"a\\\nb\"", W("ab")));
	CHECK(split_is("\"\\x\"", W("\\x")));
}

LB_TEST(split_words_keeps_empty_words)
{
	CHECK(split_is("''", W("")));
	CHECK(split_is("\"\"", W("")));
	CHECK(split_is("a '' b \"\"", W("a", "", "b", "")));
	CHECK(split_is("a''", W("a")));
}

LB_TEST(split_words_errors)
{
	CHECK(split_fails("echo 'abc", "unterminated single quote in "
	    "'echo 'abc'"));
	CHECK(split_fails("echo \"abc", "unterminated double quote in "
	    "'echo \"abc'"));
	CHECK(split_fails("\"abc\\\"", "unterminated double quote in "
	    "'\"abc\\\"'"));
	CHECK(split_fails("abc \\", "trailing backslash in 'abc \\'"));
	CHECK(split_fails("", "empty command"));
	CHECK(split_fails(" \t\n", "empty command"));
	CHECK(split_fails("\\\n", "empty command"));
	lb_words_free(NULL);
}

LB_TEST(shell_quote_exact)
{
	static const char *cases[][2] = {
		{ "", "''" },
		{ "abc", "'abc'" },
		{ "it's", "'it'\\''s'" },
		{ "'", "''\\'''" },
		{ "$HOME *", "'$HOME *'" },
		{ "a\\b", "'a\\b'" },
	};
	size_t i;
	char *q;
	int same;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		q = lb_shell_quote(cases[i][0]);
		CHECK(q != NULL);
		same = strcmp(q, cases[i][1]) == 0;
		if (!same)
			fprintf(stderr, "    quote '%s': %s\n", cases[i][0], q);
		free(q);
		CHECK(same);
	}
	CHECK(lb_shell_quote(NULL) == NULL);
}

/* What the shell makes of a quoted word, and what lb_split_words makes
 * of it, is the word again. */
LB_TEST(shell_quote_round_trip)
{
	static const char *words[] = { "", "plain", "it's", "''", "-n",
	    "a b\tc\nd", "$HOME `id` $(id) \\ \"q\" * ~ ; | &", "x'\"'y" };
	char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	char cmd[512], **v;
	struct lb_proc_opts o = { .argv = argv, .capture = 1 };
	struct lb_proc_result r;
	struct lb_err err;
	size_t i, n;
	char *q;
	int rc, same;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		q = lb_shell_quote(words[i]);
		CHECK(q != NULL);
		snprintf(cmd, sizeof(cmd), "printf %%s %s", q);
		argv[2] = cmd;
		rc = lb_proc_run(&o, &r, &err);
		same = rc == 0 && strcmp(r.out, words[i]) == 0;
		lb_proc_result_release(&r);
		if (!same)
			fprintf(stderr, "    via sh: '%s'\n", words[i]);
		CHECK(same);
		rc = lb_split_words(q, &v, &n, &err);
		free(q);
		CHECK_INT(rc, 0);
		same = n == 1 && strcmp(v[0], words[i]) == 0;
		lb_words_free(v);
		CHECK(same);
	}
}
