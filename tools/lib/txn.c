/*
 * txn.c: journal, commit, rollback and crash recovery (see txn.h).
 *
 * Every step is a rename(2) inside one filesystem, followed by an fsync of
 * the directories it touched; the journal records the plan before the
 * first rename so that a run killed at any point can be finished from
 * what is on disk.
 */
#define _GNU_SOURCE	/* syncfs */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bolt.h"
#include "restore.h"
#include "flush.h"
#include "txn.h"

#define MAX_JOURNAL (1024 * 1024)

int
lb_txn_path(char *buf, size_t len, const char *dest, const char *kind,
    const char *id)
{
	int n;

	if (kind == NULL)
		n = snprintf(buf, len, "%s" LB_TXN_SUFFIX, dest);
	else if (id == NULL)
		n = snprintf(buf, len, "%s" LB_TXN_SUFFIX "/%s", dest, kind);
	else
		n = snprintf(buf, len, "%s" LB_TXN_SUFFIX "/%s-%s", dest, kind,
		    id);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A rename is only durable once its directory is synced: a failure here
 * (EIO of a failing disk) is one of the step's, the errno kept. STEP
 * names the fault point (lb.h), if any. */
static int
fsync_dir(const char *path, const char *step)
{
	int fd, r, e;

	if (step != NULL && lb_fault(step) != 0)
		return -1;
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	r = fsync(fd);
	e = errno;
	close(fd);
	errno = e;
	return r;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP || flag == FTW_D)
		return rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

int
lb_rmtree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	/* A directory restored with mode 0000 must still be emptied. */
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* Append one record to the journal and sync it; STEP names the fault
 * point (lb.h), one per kind of record, if any. */
static int journal_add(struct lb_txn *t, const char *step, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static int
journal_add(struct lb_txn *t, const char *step, const char *fmt, ...)
{
	char line[PATH_MAX + 64];
	va_list ap;
	int n;

	if (step != NULL && lb_fault(step) != 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return -1;
	line[n++] = '\n';
	if (write(t->jfd, line, (size_t)n) != n || fsync(t->jfd) != 0)
		return -1;
	return 0;
}

/* Move what an older lifeboat kept in DEST/.lifeboat into the work area,
 * entry by entry: Docker lists that directory as a volume and 'docker
 * volume prune' deletes it, set-aside volumes and journals with it. An
 * entry already in the work area stays where it is, and is named. */
static int
migrate_old(const char *dest, const char *area, lb_txn_notice notice,
    void *arg, struct lb_err *err)
{
	char old[PATH_MAX], from[PATH_MAX], to[PATH_MAX], msg[PATH_MAX * 2];
	struct dirent *de;
	struct stat st;
	size_t moved = 0, kept = 0;
	DIR *d;

	if (snprintf(old, sizeof(old), "%s/.lifeboat", dest) >=
	    (int)sizeof(old))
		return lb_err_set(err, LB_EDEST, ENAMETOOLONG, "'%s'", dest);
	if (lstat(old, &st) != 0 || !S_ISDIR(st.st_mode))
		return LB_OK;
	if (lstat(area, &st) != 0 && rename(old, area) == 0) {
		(void)fsync_dir(dest, NULL);
		snprintf(msg, sizeof(msg), "moved lifeboat's work area from "
		    "'%s' to '%s' (Docker takes every directory of '%s' for a "
		    "volume)", old, area, dest);
		if (notice != NULL)
			notice(arg, msg);
		return LB_OK;
	}
	if ((d = opendir(old)) == NULL)
		return lb_err_set(err, LB_EDEST, errno, "cannot read '%s'",
		    old);
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(from, sizeof(from), "%s/%s", old, de->d_name) >=
		    (int)sizeof(from) || snprintf(to, sizeof(to), "%s/%s",
		    area, de->d_name) >= (int)sizeof(to))
			continue;
		if (lstat(to, &st) == 0 || rename(from, to) != 0)
			kept++;
		else
			moved++;
	}
	closedir(d);
	(void)fsync_dir(area, NULL);
	if (kept == 0 && rmdir(old) == 0)
		(void)fsync_dir(dest, NULL);
	if (notice != NULL && (moved > 0 || kept > 0)) {
		snprintf(msg, sizeof(msg), "moved %zu entries of '%s' to '%s'"
		    "%s", moved, old, area, kept ? "; some names were taken "
		    "there already: the rest stays, move it by hand" : "");
		notice(arg, msg);
	}
	return LB_OK;
}

int
lb_txn_area(const char *dest, lb_txn_notice notice, void *arg,
    struct lb_err *err)
{
	char area[PATH_MAX], parent[PATH_MAX];
	struct stat ds, ps, as;
	char *slash;

	if (lb_txn_path(area, sizeof(area), dest, NULL, NULL) != 0 ||
	    snprintf(parent, sizeof(parent), "%s", dest) >=
	    (int)sizeof(parent))
		return lb_err_set(err, LB_EDEST, ENAMETOOLONG, "'%s'", dest);
	if ((slash = strrchr(parent, '/')) == NULL || slash[1] == '\0')
		return lb_err_set(err, LB_EDEST, 0, "'%s': the destination "
		    "must be a directory below another", dest);
	slash[slash == parent ? 1 : 0] = '\0';
	if (stat(dest, &ds) != 0)
		return lb_err_set(err, LB_EDEST, errno, "cannot read '%s'",
		    dest);
	if (stat(parent, &ps) != 0)
		return lb_err_set(err, LB_EDEST, errno, "cannot read '%s'",
		    parent);
	if (ds.st_dev != ps.st_dev)
		return lb_err_set(err, LB_EDEST, 0, "'%s' is a mount point: "
		    "lifeboat's work area '%s' must sit beside it on the same "
		    "filesystem, for a commit to be a rename (inside, Docker "
		    "would take it for a volume); nothing was changed: mount "
		    "that filesystem one level up, or restore into a "
		    "directory of it", dest, area);
	if (lstat(area, &as) == 0 && !S_ISDIR(as.st_mode))
		return lb_err_set(err, LB_EDEST, ENOTDIR, "'%s' is in the way "
		    "of lifeboat's work area: not a directory", area);
	if (migrate_old(dest, area, notice, arg, err) != LB_OK)
		return err->code;
	if (mkdir(area, 0700) != 0 && errno != EEXIST)
		return lb_err_set(err, LB_EDEST, errno, "cannot create '%s'",
		    area);
	return LB_OK;
}

int
lb_txn_begin(struct lb_txn *t, const char *dest, const char *id,
    struct lb_err *err)
{
	char p[PATH_MAX];

	memset(t, 0, sizeof(*t));
	t->jfd = -1;
	if (snprintf(t->dest, sizeof(t->dest), "%s", dest) >=
	    (int)sizeof(t->dest) || snprintf(t->id, sizeof(t->id), "%s", id) >=
	    (int)sizeof(t->id))
		return lb_err_set(err, LB_EDEST, ENAMETOOLONG, "'%s'", dest);
	lb_txn_path(p, sizeof(p), dest, NULL, NULL);
	if (mkdir(p, 0700) != 0 && errno != EEXIST)
		return lb_err_set(err, LB_EDEST, errno, "cannot create '%s'",
		    p);
	lb_txn_path(p, sizeof(p), dest, "journal", id);
	if (lb_fault("restore.journal-create") == 0)
		t->jfd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_APPEND |
		    O_CLOEXEC | O_NOFOLLOW, 0600);
	if (t->jfd < 0)
		return lb_err_set(err, LB_EDEST, errno, "cannot create '%s'",
		    p);
	if (journal_add(t, "restore.journal-begin", "lifeboat-journal 1 %s",
	    id) != 0) {
		lb_err_set(err, LB_EDEST, errno, "cannot write '%s'", p);
		lb_txn_close(t);
		return LB_EDEST;
	}
	lb_txn_path(p, sizeof(p), dest, NULL, NULL);
	if (fsync_dir(p, "restore.journal-sync-dir") != 0) {
		lb_err_set(err, LB_EDEST, errno, "cannot sync '%s'", p);
		lb_txn_close(t);
		return LB_EDEST;
	}
	return LB_OK;
}

int
lb_txn_stage(struct lb_txn *t, char *buf, size_t len, struct lb_err *err)
{
	if (lb_txn_path(buf, len, t->dest, "staging", t->id) != 0)
		return lb_err_set(err, LB_EDEST, ENAMETOOLONG, "'%s'", t->dest);
	lb_rmtree(buf);
	if (lb_fault("restore.stage") != 0 || mkdir(buf, 0700) != 0)
		return lb_err_set(err, LB_EDEST, errno, "cannot create '%s'",
		    buf);
	return LB_OK;
}

int
lb_txn_unstage(struct lb_txn *t)
{
	char p[PATH_MAX];

	lb_txn_path(p, sizeof(p), t->dest, "staging", t->id);
	return lb_rmtree(p);
}

void
lb_txn_close(struct lb_txn *t)
{
	if (t->jfd >= 0)
		close(t->jfd);
	t->jfd = -1;
}

int
lb_txn_abandon(struct lb_txn *t, const char *why)
{
	int r = lb_txn_unstage(t), e = errno;

	if (t->jfd >= 0)
		journal_add(t, NULL, "abandoned %s", why != NULL ? why : "");
	lb_txn_close(t);
	errno = e;
	return r;
}

static int empty_dir(const char *path);

/* A Docker metadata.db that lists only volumes absent or vacant beside
 * it: what a daemon started once on a fresh machine leaves. One that
 * cannot be read, or lists a volume holding data, is not. */
static int
vacant_metadata(const char *path)
{
	char dir[PATH_MAX], sub[PATH_MAX], **keys;
	struct lb_err err;
	size_t n, i;
	char *slash;
	int vacant = 1;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) ||
	    (slash = strrchr(dir, '/')) == NULL)
		return 0;
	*slash = '\0';
	if (lb_bolt_keys(path, "volumes", &keys, &n, &err) != LB_OK)
		return 0;
	for (i = 0; i < n && vacant; i++) {
		struct stat st;

		if (!lb_valid_volume_name(keys[i]) || snprintf(sub,
		    sizeof(sub), "%s/%s", dir, keys[i]) >= (int)sizeof(sub))
			vacant = 0;
		else if (lstat(sub, &st) == 0)
			vacant = lb_txn_vacant(sub);
	}
	lb_bolt_keys_free(keys, n);
	return vacant;
}

/* Nothing a restore would lose by replacing it: an empty directory, a
 * volume Docker made and nobody wrote to yet (only an empty _data), or a
 * metadata.db that describes only such volumes. */
int
lb_txn_vacant(const char *path)
{
	struct dirent *de;
	char sub[PATH_MAX];
	struct stat st;
	const char *base;
	DIR *d;
	int vacant = 1;

	if (lstat(path, &st) != 0)
		return 0;
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	if (S_ISREG(st.st_mode))
		return strcmp(base, "metadata.db") == 0 &&
		    vacant_metadata(path);
	if (!S_ISDIR(st.st_mode) || (d = opendir(path)) == NULL)
		return 0;
	while (vacant && (de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strcmp(de->d_name, "_data") != 0 || snprintf(sub,
		    sizeof(sub), "%s/_data", path) >= (int)sizeof(sub))
			vacant = 0;
		else
			vacant = lstat(sub, &st) == 0 && S_ISDIR(st.st_mode) &&
			    empty_dir(sub);
	}
	closedir(d);
	return vacant;
}

static int
empty_dir(const char *path)
{
	struct dirent *de;
	DIR *d;
	int empty = 1;

	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

static int
exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

/* Move one staged item into DEST; idempotent. */
static int
commit_one(const char *dest, const char *id, const char *name, int replace,
    int *replaced, struct lb_err *err)
{
	char st[PATH_MAX], live[PATH_MAX], prev[PATH_MAX], pdir[PATH_MAX];
	char sdir[PATH_MAX];

	lb_txn_path(sdir, sizeof(sdir), dest, "staging", id);
	lb_txn_path(pdir, sizeof(pdir), dest, "previous", id);
	if (snprintf(live, sizeof(live), "%s/%s", dest, name) >=
	    (int)sizeof(live) || snprintf(st, sizeof(st), "%s/%s", sdir,
	    name) >= (int)sizeof(st) || snprintf(prev, sizeof(prev), "%s/%s",
	    pdir, name) >= (int)sizeof(prev))
		return lb_err_set(err, LB_EDEST, ENAMETOOLONG, "'%s'", name);
	if (!exists(st))
		return LB_OK;		/* committed before */
	if (exists(live)) {
		if (exists(prev))
			return lb_err_set(err, LB_EDEST, EEXIST, "cannot set "
			    "'%s' aside: '%s' is in the way", live, prev);
		if (!replace && !lb_txn_vacant(live))
			return lb_err_set(err, LB_EDEST, 0, "'%s' exists and "
			    "is not empty (use --replace)", live);
		if (mkdir(pdir, 0700) != 0 && errno != EEXIST)
			return lb_err_set(err, LB_EDEST, errno,
			    "cannot create '%s'", pdir);
		if (lb_fault("commit.set-aside") != 0 ||
		    rename(live, prev) != 0)
			return lb_err_set(err, LB_EDEST, errno,
			    "cannot move '%s' to '%s'", live, prev);
		*replaced = 1;
		if (fsync_dir(pdir, "commit.sync-aside") != 0)
			return lb_err_set(err, LB_EDEST, errno,
			    "cannot sync '%s'", pdir);
	}
	if (lb_fault("commit.go-live") != 0 || rename(st, live) != 0)
		return lb_err_set(err, LB_EDEST, errno,
		    "cannot move '%s' to '%s'", st, live);
	if (fsync_dir(dest, "commit.sync-live") != 0)
		return lb_err_set(err, LB_EDEST, errno, "cannot sync '%s'",
		    dest);
	return LB_OK;
}

/* The staged data reaches the disk before any rename makes it live: a
 * failing disk (EIO here) stops the commit before it began. */
static int
sync_staging(struct lb_txn *t, struct lb_err *err)
{
	char p[PATH_MAX];
	int fd, r, e;

	lb_txn_path(p, sizeof(p), t->dest, "staging", t->id);
	if (lb_fault("commit.sync") != 0 ||
	    (fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return lb_err_set(err, LB_EDEST, errno, "cannot sync '%s'", p);
	r = syncfs(fd);
	e = errno;
	close(fd);
	if (r != 0)
		return lb_err_set(err, LB_EDEST, e, "cannot sync '%s'", p);
	return lb_flush_check(t->flush, err);
}

int
lb_txn_check(struct lb_txn *t, const char *const *names, size_t n,
    struct lb_err *err)
{
	char live[PATH_MAX];
	struct stat lst;
	size_t i;

	for (i = 0; i < n; i++) {
		if (snprintf(live, sizeof(live), "%s/%s", t->dest,
		    names[i]) >= (int)sizeof(live))
			return lb_err_set(err, LB_EDEST, ENAMETOOLONG, "'%s'",
			    names[i]);
		if (lstat(live, &lst) == 0 && !lb_txn_vacant(live))
			return lb_err_set(err, LB_EDEST, 0, "'%s' exists and "
			    "is not empty (use --replace)", live);
	}
	return LB_OK;
}

int
lb_txn_commit_part(struct lb_txn *t, struct lb_txn_item *items, size_t n,
    struct lb_err *err)
{
	char p[PATH_MAX];
	size_t i;
	int r;

	if ((r = sync_staging(t, err)) != LB_OK)
		return r;
	/* From the first part on, the plan is to set aside whatever is in
	 * the way (judged by lb_txn_check before), also when a killed
	 * commit is finished by the next run. */
	if (!t->committing && journal_add(t, "commit.journal-plan",
	    "replace 1") != 0)
		goto jfail;
	for (i = 0; i < n; i++)
		if (journal_add(t, "commit.journal-plan", "item %s",
		    items[i].name) != 0)
			goto jfail;
	if (journal_add(t, "commit.journal-commit", "commit") != 0)
		goto jfail;
	t->committing = 1;
	for (i = 0; i < n; i++) {
		if (i > 0)
			lb_fault_commit_pause();
		items[i].replaced = 0;
		r = commit_one(t->dest, t->id, items[i].name, 1,
		    &items[i].replaced, err);
		if (r != LB_OK)
			return r;
		if (journal_add(t, "commit.journal-done", "done %s",
		    items[i].name) != 0)
			goto jfail;
	}
	return LB_OK;
jfail:
	lb_txn_path(p, sizeof(p), t->dest, "journal", t->id);
	return lb_err_set(err, LB_EDEST, errno, "cannot write '%s'", p);
}

int
lb_txn_commit_end(struct lb_txn *t, const char *partial, struct lb_err *err)
{
	char p[PATH_MAX];

	if ((partial != NULL && journal_add(t, NULL, "partial %s",
	    partial) != 0) || journal_add(t, "commit.journal-committed",
	    "committed") != 0) {
		lb_txn_path(p, sizeof(p), t->dest, "journal", t->id);
		return lb_err_set(err, LB_EDEST, errno, "cannot write '%s'",
		    p);
	}
	/* what is left was never verified (a group that failed) */
	lb_txn_path(p, sizeof(p), t->dest, "staging", t->id);
	if (partial != NULL)
		lb_rmtree(p);
	else
		rmdir(p);
	return LB_OK;
}

int
lb_txn_commit(struct lb_txn *t, struct lb_txn_item *items, size_t n,
    int replace, struct lb_err *err)
{
	const char **names;
	size_t i;
	int r;

	/* What is in the way is judged once, before the first rename: a
	 * metadata.db that lists only vacant volumes would no longer look
	 * vacant once the restored volumes are live. */
	if (!replace) {
		if ((names = calloc(n + 1, sizeof(*names))) == NULL)
			return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
		for (i = 0; i < n; i++)
			names[i] = items[i].name;
		r = lb_txn_check(t, names, n, err);
		free(names);
		if (r != LB_OK)
			return r;
	}
	if ((r = lb_txn_commit_part(t, items, n, err)) != LB_OK)
		return r;
	return lb_txn_commit_end(t, NULL, err);
}

/* A journal read back: its items and how far it got. */
struct journal {
	char **items;
	size_t n;
	int replace;
	int commit_started, committed, abandoned;
	int rollback_started, rolled_back;
};

static void
journal_release(struct journal *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		free(j->items[i]);
	free(j->items);
	memset(j, 0, sizeof(*j));
}

static int
journal_read(const char *path, struct journal *j)
{
	char *buf, *line, *save;
	char **p;
	ssize_t n;
	int fd;

	memset(j, 0, sizeof(*j));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if ((buf = malloc(MAX_JOURNAL + 1)) == NULL) {
		close(fd);
		return -1;
	}
	n = read(fd, buf, MAX_JOURNAL);
	close(fd);
	if (n < 0) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "item ", 5) == 0) {
			p = realloc(j->items, (j->n + 1) * sizeof(*p));
			if (p == NULL || (p[j->n] = strdup(line + 5)) == NULL) {
				if (p != NULL)
					j->items = p;
				free(buf);
				journal_release(j);
				return -1;
			}
			j->items = p;
			j->n++;
		} else if (strcmp(line, "replace 1") == 0)
			j->replace = 1;
		else if (strcmp(line, "commit") == 0)
			j->commit_started = 1;
		else if (strcmp(line, "committed") == 0)
			j->committed = 1;
		else if (strncmp(line, "abandoned", 9) == 0)
			j->abandoned = 1;
		else if (strcmp(line, "rollback") == 0)
			j->rollback_started = 1;
		else if (strcmp(line, "rolled-back") == 0)
			j->rolled_back = 1;
	}
	free(buf);
	return 0;
}

/* IDs of DEST's journals, sorted (IDs sort by time). */
static int
journal_ids(const char *dest, char ***ids, size_t *n)
{
	char p[PATH_MAX], **v = NULL, **q;
	struct dirent *de;
	size_t cnt = 0, i, k;
	DIR *d;

	*ids = NULL;
	*n = 0;
	lb_txn_path(p, sizeof(p), dest, NULL, NULL);
	if ((d = opendir(p)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "journal-", 8) != 0)
			continue;
		if ((q = realloc(v, (cnt + 1) * sizeof(*v))) == NULL ||
		    (q[cnt] = strdup(de->d_name + 8)) == NULL) {
			if (q != NULL)
				v = q;
			closedir(d);
			for (i = 0; i < cnt; i++)
				free(v[i]);
			free(v);
			return -1;
		}
		v = q;
		cnt++;
	}
	closedir(d);
	/* insertion sort: a handful of entries */
	for (i = 1; i < cnt; i++)
		for (k = i; k > 0 && strcmp(v[k - 1], v[k]) > 0; k--) {
			char *tmp = v[k];

			v[k] = v[k - 1];
			v[k - 1] = tmp;
		}
	*ids = v;
	*n = cnt;
	return 0;
}

static void
free_ids(char **ids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

static int
reopen_journal(struct lb_txn *t, const char *dest, const char *id)
{
	char p[PATH_MAX];

	memset(t, 0, sizeof(*t));
	snprintf(t->dest, sizeof(t->dest), "%s", dest);
	snprintf(t->id, sizeof(t->id), "%s", id);
	lb_txn_path(p, sizeof(p), dest, "journal", id);
	t->jfd = open(p, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	return t->jfd < 0 ? -1 : 0;
}

/* Undo one item; idempotent (see txn.h). */
static int
rollback_one(const char *dest, const char *id, const char *name,
    struct lb_err *err)
{
	char live[PATH_MAX], prev[PATH_MAX], out[PATH_MAX], odir[PATH_MAX];
	char pdir[PATH_MAX];

	lb_txn_path(pdir, sizeof(pdir), dest, "previous", id);
	lb_txn_path(odir, sizeof(odir), dest, "rolledback", id);
	if (snprintf(live, sizeof(live), "%s/%s", dest, name) >=
	    (int)sizeof(live) || snprintf(prev, sizeof(prev), "%s/%s", pdir,
	    name) >= (int)sizeof(prev) || snprintf(out, sizeof(out), "%s/%s",
	    odir, name) >= (int)sizeof(out))
		return lb_err_set(err, LB_EDEST, ENAMETOOLONG, "'%s'", name);
	if (!exists(out) && exists(live)) {
		if (mkdir(odir, 0700) != 0 && errno != EEXIST)
			return lb_err_set(err, LB_EDEST, errno,
			    "cannot create '%s'", odir);
		if (lb_fault("rollback.take-out") != 0 ||
		    rename(live, out) != 0)
			return lb_err_set(err, LB_EDEST, errno,
			    "cannot move '%s' to '%s'", live, out);
		if (fsync_dir(odir, "rollback.sync-out") != 0)
			return lb_err_set(err, LB_EDEST, errno,
			    "cannot sync '%s'", odir);
	}
	if (exists(prev)) {
		if (exists(live))
			return lb_err_set(err, LB_EDEST, EEXIST, "cannot put "
			    "'%s' back: '%s' is in the way", prev, live);
		if (lb_fault("rollback.put-back") != 0 ||
		    rename(prev, live) != 0)
			return lb_err_set(err, LB_EDEST, errno,
			    "cannot move '%s' to '%s'", prev, live);
	}
	if (fsync_dir(dest, "rollback.sync-live") != 0)
		return lb_err_set(err, LB_EDEST, errno, "cannot sync '%s'",
		    dest);
	return LB_OK;
}

static int
do_rollback(const char *dest, const char *id, struct journal *j,
    struct lb_err *err)
{
	struct lb_txn t;
	size_t i;
	int r = LB_OK;

	if (reopen_journal(&t, dest, id) != 0 ||
	    (!j->rollback_started && journal_add(&t, "rollback.journal-begin",
	    "rollback") != 0)) {
		lb_txn_close(&t);
		return lb_err_set(err, LB_EDEST, errno, "cannot write the "
		    "journal of restore %s", id);
	}
	for (i = j->n; i-- > 0 && r == LB_OK;)
		r = rollback_one(dest, id, j->items[i], err);
	if (r == LB_OK && journal_add(&t, "rollback.journal-done",
	    "rolled-back") != 0)
		r = lb_err_set(err, LB_EDEST, errno, "cannot write the journal "
		    "of restore %s", id);
	lb_txn_close(&t);
	return r;
}

int
lb_txn_recover(const char *dest, lb_txn_notice notice, void *arg,
    struct lb_err *err)
{
	char p[PATH_MAX], msg[PATH_MAX + 128], **ids;
	struct journal j;
	struct lb_txn t;
	size_t n, i, k;
	int r = LB_OK, dummy;

	if (journal_ids(dest, &ids, &n) != 0)
		return lb_err_set(err, LB_EDEST, errno, "cannot read '%s"
		    LB_TXN_SUFFIX "'", dest);
	for (i = 0; i < n && r == LB_OK; i++) {
		t.jfd = -1;
		lb_txn_path(p, sizeof(p), dest, "journal", ids[i]);
		if (journal_read(p, &j) != 0) {
			r = lb_err_set(err, LB_EDEST, errno, "cannot read "
			    "'%s'", p);
			break;
		}
		if (j.rollback_started && !j.rolled_back) {
			r = do_rollback(dest, ids[i], &j, err);
			snprintf(msg, sizeof(msg), "finished the interrupted "
			    "rollback of restore %s", ids[i]);
		} else if (j.commit_started && !j.committed && !j.abandoned) {
			/* Verified before the commit began: roll forward. */
			for (k = 0; k < j.n && r == LB_OK; k++)
				r = commit_one(dest, ids[i], j.items[k],
				    j.replace, &dummy, err);
			if (r == LB_OK && (reopen_journal(&t, dest,
			    ids[i]) != 0 || journal_add(&t,
			    "recover.journal-committed", "committed") != 0))
				r = lb_err_set(err, LB_EDEST, errno, "cannot "
				    "write the journal of restore %s", ids[i]);
			lb_txn_close(&t);
			/* every journaled item is live: what is left in the
			 * staging (a later group's) was never verified */
			lb_txn_path(p, sizeof(p), dest, "staging", ids[i]);
			if (r == LB_OK)
				lb_rmtree(p);
			snprintf(msg, sizeof(msg), "finished the interrupted "
			    "commit of restore %s (%zu items)", ids[i], j.n);
		} else if (!j.commit_started && !j.abandoned) {
			/* Killed during the transfer: nothing went live. */
			lb_txn_path(p, sizeof(p), dest, "staging", ids[i]);
			lb_rmtree(p);
			if (reopen_journal(&t, dest, ids[i]) != 0 ||
			    journal_add(&t, "recover.journal-abandoned",
			    "abandoned %s", "interrupted transfer cleaned "
			    "up") != 0)
				r = lb_err_set(err, LB_EDEST, errno, "cannot "
				    "write the journal of restore %s", ids[i]);
			lb_txn_close(&t);
			snprintf(msg, sizeof(msg), "removed the staging of the "
			    "interrupted restore %s (nothing of it was live)",
			    ids[i]);
		} else {
			journal_release(&j);
			continue;
		}
		journal_release(&j);
		if (r == LB_OK && notice != NULL)
			notice(arg, msg);
	}
	free_ids(ids, n);
	return r;
}

int
lb_txn_rollback(const char *dest, const char *id, char *done_id,
    size_t idlen, lb_txn_notice notice, void *arg, struct lb_err *err)
{
	char p[PATH_MAX], **ids;
	const char *pick = NULL;
	struct journal j;
	size_t n, i;
	int r;

	/* no DEST: nothing was ever restored there, which is said below */
	if ((access(dest, F_OK) == 0 &&
	    (r = lb_txn_area(dest, notice, arg, err)) != LB_OK) ||
	    (r = lb_txn_recover(dest, notice, arg, err)) != LB_OK)
		return r;
	if (journal_ids(dest, &ids, &n) != 0)
		return lb_err_set(err, LB_EDEST, errno, "cannot read '%s"
		    LB_TXN_SUFFIX "'", dest);
	for (i = n; i-- > 0;) {
		if (id != NULL && strcmp(ids[i], id) != 0)
			continue;
		lb_txn_path(p, sizeof(p), dest, "journal", ids[i]);
		if (journal_read(p, &j) != 0)
			continue;
		if (j.committed && !j.rolled_back) {
			pick = ids[i];
			break;
		}
		journal_release(&j);
		if (id != NULL) {
			free_ids(ids, n);
			return lb_err_set(err, LB_EUSAGE, 0, "restore '%s' "
			    "has nothing to roll back (not committed, or "
			    "rolled back already)", id);
		}
	}
	if (pick == NULL) {
		free_ids(ids, n);
		if (id != NULL)
			return lb_err_set(err, LB_EUSAGE, 0, "no restore '%s' "
			    "in '%s'", id, dest);
		return lb_err_set(err, LB_EUSAGE, 0, "no restore to roll back "
		    "in '%s'", dest);
	}
	r = do_rollback(dest, pick, &j, err);
	snprintf(done_id, idlen, "%s", pick);
	journal_release(&j);
	free_ids(ids, n);
	return r;
}
