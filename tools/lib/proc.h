/*
 * proc.h: running another program (ssh, terraform, ansible-playbook, a
 * check's command) without a shell: argv as given, an optional working
 * directory and environment, bytes fed to its stdin, its output read line
 * by line as it comes, and a time limit. Used by 'lifeboat check' and
 * 'lifeboat handoff'.
 */
#ifndef LB_PROC_H
#define LB_PROC_H

#include <stddef.h>

#include "lb.h"

struct lb_proc_opts {
	char *const *argv;	/* argv[0] is looked up in PATH (of env when
				   env is given; "/usr/local/bin:/usr/bin:
				   /bin" when there is none) unless it holds
				   a '/'; a relative one is taken from cwd */
	const char *cwd;	/* NULL: ours */
	char *const *env;	/* NULL: ours; else the whole environment */
	const char *input;	/* input_len bytes written to its stdin, then
				   stdin closed; NULL: stdin is /dev/null.
				   It need not read them all */
	size_t input_len;
	double timeout;		/* seconds; 0: none. At the limit the whole
				   process group gets SIGTERM, 5 s later
				   SIGKILL */
	/* Each line of its stdout (fd 1) or stderr (fd 2) as it comes,
	 * without the newline, empty ones included; a last line without one
	 * too. Lines longer than 4 KiB are cut into pieces. line is valid
	 * during the call only. NULL: not called. */
	void (*on_line)(void *arg, int fd, const char *line);
	void *arg;
	int capture;		/* keep its whole stdout in result.out (the
				   first 16 MiB: the rest is read and
				   dropped), and do not pass stdout lines
				   to on_line */
};

struct lb_proc_result {
	int status;		/* exit status 0..255, or -1 when signalled */
	int signal;		/* the signal that ended it, else 0 */
	int timed_out;		/* the time limit ended it */
	double seconds;		/* how long it ran */
	char *out;		/* with capture: stdout, NUL-terminated, never
				   NULL after a run; owned, see release */
	size_t out_len;
	char last[256];		/* its last line on stderr that is not blank
				   (or stdout's if stderr had none), cut to
				   fit on a UTF-8 boundary; "" if none */
};

/* Run it to its end. The child is in its own process group; SIGINT or
 * SIGTERM to lifeboat (lb_stop_requested) ends it like the time limit and
 * returns LB_EINTR. Returns 0 when it ran (whatever its exit status: look
 * at result), or LB_EUSAGE when argv[0] cannot be found or run ("cannot run
 * 'terraform': No such file or directory") or cwd is not there, LB_EFAIL on
 * a system error.
 *
 * The run ends when the child has exited and its output is read: what it
 * left running in the background (an ssh ControlPersist master) may keep
 * the pipes open but is not waited for. r is reset first and filled as far
 * as the run went; on an error return it holds no memory, and
 * lb_proc_result_release is harmless either way. SIGPIPE is blocked in the
 * calling thread meanwhile, whatever its disposition. The caller must not
 * ignore SIGCHLD nor reap children with waitpid(-1, ...) elsewhere. */
int lb_proc_run(const struct lb_proc_opts *o, struct lb_proc_result *r,
    struct lb_err *err);

void lb_proc_result_release(struct lb_proc_result *r);

/* Split a command line into words as a POSIX shell would, without running
 * one: blanks (space, tab, newline) separate words, '...' is literal,
 * "..." keeps \" \\ \$ \` escapes, a backslash outside quotes escapes the
 * next character, backslash-newline joins lines; '' is an empty word. No
 * expansion of any kind ($VAR, ~, globs stay as written), and | ; & < > ( )
 * and # are ordinary characters. *argv is a NULL-terminated array the
 * caller frees with lb_words_free; *argc (if not NULL) its length. Returns
 * 0, or LB_EUSAGE with a reason in err ("unterminated single quote in
 * 'echo 'a'", "trailing backslash in ...", "empty command"). */
int lb_split_words(const char *s, char ***argv, size_t *argc,
    struct lb_err *err);
void lb_words_free(char **argv);

/* Quote one word for a POSIX shell ('it'\''s', and '' for the empty word),
 * for ssh's remote command line, which the remote shell splits again. The
 * caller frees it; NULL when out of memory. */
char *lb_shell_quote(const char *word);

#endif
