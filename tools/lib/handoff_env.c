/*
 * handoff_env.c: see handoff_env.h. The pushed text is read again by the
 * host's lifeboat with inih, so it is written by inih's rules: a value
 * that inih would cut (a line break, " ;") or trim cannot travel and is
 * refused rather than sent wrong.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "age.h"
#include "files.h"
#include "handoff_env.h"

extern char **environ;

/* Append " word" (or "word" first) to buf, if it fits. */
static void
append_word(char *buf, size_t len, const char *word)
{
	size_t n = strlen(buf);

	if (n + strlen(word) + 2 <= len)
		snprintf(buf + n, len - n, "%s%s", n ? " " : "", word);
}

/* The value to push for name (see lb_handoff_pushed_config). */
static const char *
push_value(const struct lb_config *cfg, const struct lb_config *pushed,
    const char *name)
{
	const char *v = getenv(name);
	size_t i;

	for (i = 0; v == NULL && i < cfg->nenv; i++)
		if (strcmp(cfg->env[i].key, name) == 0)
			v = cfg->env[i].value;
	for (i = 0; v == NULL && pushed != NULL && i < pushed->nenv; i++)
		if (strcmp(pushed->env[i].key, name) == 0)
			v = pushed->env[i].value;
	return v;
}

/* Whether b (a section's name, after its '[') is name. */
static int
section_is(const char *b, const char *name)
{
	size_t l = strlen(name);

	b += strspn(b, " \t");
	return strncmp(b, name, l) == 0 && b[l + strspn(b + l, " \t")] == ']';
}

/* Whether line b of [trust] names a secret or a file of one, which the
 * pushed config carries inline instead. */
static int
trust_secret(const char *b)
{
	static const char *const keys[] = { "identity_file", "identity",
		"passphrase_file", "passphrase", NULL };
	size_t i, l;

	for (i = 0; keys[i] != NULL; i++) {
		l = strlen(keys[i]);
		if (strncmp(b, keys[i], l) == 0 &&
		    (b[l + strspn(b + l, " \t")] == '='))
			return 1;
	}
	return 0;
}

/* text without its [env] sections (and, with strip, without the
 * identities of [trust]), into out (sized by the caller). */
static size_t
without_env(const char *text, int strip, char *out)
{
	const char *p = text, *e, *b;
	size_t n = 0;
	int skip = 0, trust = 0;

	for (; *p != '\0'; p = e) {
		e = p + strcspn(p, "\n");
		if (*e == '\n')
			e++;
		b = p + strspn(p, " \t");
		if (*b == '[') {
			skip = section_is(b + 1, "env");
			trust = section_is(b + 1, "trust");
		}
		if (!skip && !(strip && trust && trust_secret(b))) {
			memcpy(out + n, p, (size_t)(e - p));
			n += (size_t)(e - p);
		}
	}
	if (n > 0 && out[n - 1] != '\n')
		out[n++] = '\n';
	out[n] = '\0';
	return n;
}

/* inih would cut a value at a newline or " ;", and trim blanks. */
static int
inih_safe(const char *v)
{
	size_t l = strlen(v);

	return strpbrk(v, "\r\n") == NULL && strstr(v, " ;") == NULL &&
	    strstr(v, "\t;") == NULL && (l == 0 || (v[0] != ' ' &&
	    v[0] != '\t' && v[l - 1] != ' ' && v[l - 1] != '\t'));
}

/* The [env] lines for the names of push_env, after n bytes of out. */
static int
env_lines(const struct lb_config *cfg, const struct lb_config *pushed,
    char **w, size_t nw, char *out, size_t cap, size_t *n, char *names,
    size_t nlen, struct lb_err *err)
{
	const char *v;
	size_t i;

	*n += (size_t)snprintf(out + *n, cap - *n, "[env]\n");
	for (i = 0; i < nw; i++) {
		if (!lb_config_env_name(w[i]))
			return lb_err_set(err, LB_EUSAGE, 0, "push_env: '%s' "
			    "is not a variable lifeboat reads", w[i]);
		if ((v = push_value(cfg, pushed, w[i])) == NULL)
			continue;
		if (!inih_safe(v))
			return lb_err_set(err, LB_EUSAGE, 0, "%s holds a line "
			    "break, a ' ;' or blanks at its ends: it cannot be "
			    "pushed", w[i]);
		*n += (size_t)snprintf(out + *n, cap - *n, "%s = %s\n", w[i],
		    v);
		append_word(names, nlen, w[i]);
	}
	return LB_OK;
}

/* What names lists after the variables: the secrets of [trust]. */
static void
pushed_names(char *names, size_t nlen, size_t nid, int pass)
{
	char w[64];

	if (nid > 0) {
		snprintf(w, sizeof(w), "(+ %zu age identit%s%s", nid,
		    nid == 1 ? "y" : "ies", pass ? "," : ")");
		append_word(names, nlen, w);
	}
	if (pass)
		append_word(names, nlen, nid > 0 ? "a passphrase)" :
		    "(+ an age passphrase)");
}

/* "KEY = VALUE" into v; a value inih would change cannot travel. */
static int
secret_line(struct lb_strv *v, const char *key, const char *value,
    const char *from, struct lb_err *err)
{
	char *l;
	size_t n;

	if (!inih_safe(value))
		return lb_err_set(err, LB_EUSAGE, 0, "%s: the %s holds a ' ;' "
		    "or blanks at its ends: it cannot be pushed", from, key);
	n = strlen(key) + strlen(value) + 5;
	if ((l = malloc(n)) == NULL)
		return lb_err_set(err, LB_ENOMEM, ENOMEM, "out of memory");
	snprintf(l, n, "%s = %s\n", key, value);
	if (lb_strv_take(v, l) != 0)
		return lb_err_set(err, LB_ENOMEM, ENOMEM, "out of memory");
	return LB_OK;
}

/* The identities of an identity file as [trust] identity lines: each
 * AGE-SECRET-KEY line, or an OpenSSH key with its lines joined. */
static int
identity_lines(struct lb_strv *v, const char *path, size_t *count,
    struct lb_err *err)
{
	char *text, *line, *next, *e;
	size_t len, i, o;
	int r;

	if ((r = lb_read_file(path, 65536, &text, &len, err)) != LB_OK)
		return r;
	if (strstr(text, "-----BEGIN ") != NULL) {
		for (i = o = 0; i < len; i++)	/* blanks for line breaks */
			if (!isspace((unsigned char)text[i]))
				text[o++] = text[i];
			else if (o > 0 && text[o - 1] != ' ')
				text[o++] = ' ';
		while (o > 0 && text[o - 1] == ' ')
			o--;
		text[o] = '\0';
		r = secret_line(v, "identity", text, path, err);
		*count += r == LB_OK;
		goto out;
	}
	for (line = text; r == LB_OK && line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		line += strspn(line, " \t\r");
		e = line + strlen(line);
		while (e > line && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		r = secret_line(v, "identity", line, path, err);
		*count += r == LB_OK;
	}
out:
	explicit_bzero(text, len);
	free(text);
	return r;
}

/* The identities and passphrase lifeboat decrypts with here, as the
 * [trust] lines of the pushed config. Checked by loading them first, so
 * a bad one is refused before anything runs on the host. */
static int
trust_lines(const struct lb_config *cfg, struct lb_strv *v, size_t *nid,
    int *pass, struct lb_err *err)
{
	const char *env = getenv("LIFEBOAT_AGE_IDENTITY_FILE");
	struct lb_age_keys *k;
	char *text = NULL;
	size_t i, len = 0;
	int r;

	*nid = 0;
	*pass = 0;
	if ((r = lb_age_keys_load(&k, cfg, NULL, 0, err)) != LB_OK)
		return r;
	lb_age_keys_free(k);
	for (i = 0; r == LB_OK && i < cfg->nage_identity_files; i++)
		r = identity_lines(v, cfg->age_identity_files[i], nid, err);
	for (i = 0; r == LB_OK && i < cfg->age_identities.n; i++) {
		r = secret_line(v, "identity", cfg->age_identities.v[i],
		    "[trust] identity", err);
		*nid += r == LB_OK;
	}
	if (r == LB_OK && env != NULL && *env != '\0')
		r = identity_lines(v, env, nid, err);
	if (r == LB_OK && cfg->age_passphrase_file != NULL &&
	    (r = lb_read_file(cfg->age_passphrase_file, 65536, &text, &len,
	    err)) == LB_OK) {
		text[strcspn(text, "\r\n")] = '\0';
		r = secret_line(v, "passphrase", text,
		    cfg->age_passphrase_file, err);
		explicit_bzero(text, len);
		free(text);
		*pass = 1;
	} else if (r == LB_OK && cfg->age_passphrase != NULL) {
		r = secret_line(v, "passphrase", cfg->age_passphrase,
		    "[trust] passphrase", err);
		*pass = 1;
	}
	return r;
}

char *
lb_handoff_pushed_config(const struct lb_config *cfg,
    const char *remote_config, size_t *len, char *names, size_t nlen,
    struct lb_err *err)
{
	const char *push_env = lb_config_handoff(cfg, "push_env"), *v, *text;
	const struct lb_config *pushed = NULL;
	struct lb_strv w = { NULL, 0 }, t = { NULL, 0 };
	struct lb_config rc;
	char *out = NULL, why[LB_ERR_MSG];
	size_t i, cap = 0, n, nid = 0;
	int push_ids = 1, pass = 0;

	names[0] = '\0';
	memset(&rc, 0, sizeof(rc));
	lb_parse_bool(lb_config_handoff(cfg, "push_identities"), &push_ids);
	if (remote_config != NULL) {
		if (lb_config_load(&rc, remote_config, err) != LB_OK)
			goto out;
		pushed = &rc;
		text = rc.text;
	} else
		text = cfg->text != NULL ? cfg->text : "";
	/* an empty push_env pushes nothing; a malformed one is an error */
	if (lb_strv_words(&w, push_env, err) != LB_OK) {
		snprintf(why, sizeof(why), "%s", err->msg);
		lb_err_set(err, LB_EUSAGE, 0, "push_env: %s", why);
		goto out;
	}
	if (push_ids && trust_lines(cfg, &t, &nid, &pass, err) != LB_OK)
		goto out;
	cap = strlen(text) + 32;
	for (i = 0; i < t.n; i++)
		cap += strlen(t.v[i]);
	for (i = 0; i < w.n; i++)
		if ((v = push_value(cfg, pushed, w.v[i])) != NULL)
			cap += strlen(w.v[i]) + strlen(v) + 8;
	if ((out = malloc(cap)) == NULL) {
		lb_err_set(err, LB_ENOMEM, ENOMEM, "out of memory");
		goto out;
	}
	n = without_env(text, push_ids && pushed == NULL, out);
	if (t.n > 0)
		n += (size_t)snprintf(out + n, cap - n, "[trust]\n");
	for (i = 0; i < t.n; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s", t.v[i]);
	if (env_lines(cfg, pushed, w.v, w.n, out, cap, &n, names, nlen,
	    err) != LB_OK) {
		explicit_bzero(out, cap);
		free(out);
		out = NULL;
		goto out;
	}
	*len = n;
	pushed_names(names, nlen, nid, pass);
out:
	lb_strv_release(&t, 1);
	lb_strv_release(&w, 0);
	lb_config_release(&rc);
	return out;
}

/* TF_VAR_name from file, a name with or without the TF_VAR_ prefix:
 * NAME=VALUE as a shell or an env file has it (blanks around the '=', an
 * "export " before, quotes around the value are taken off). Returns the
 * malloc'd "TF_VAR_NAME=VALUE", or NULL. */
static char *
tf_from_file(const char *file, const char *name)
{
	char line[4096], *eq, *k, *v, *e, *out = NULL;
	FILE *f;
	size_t l;

	if (file == NULL || (f = fopen(file, "re")) == NULL)
		return NULL;
	while (out == NULL && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		k = line + strspn(line, " \t");
		if (*k == '#' || (eq = strchr(k, '=')) == NULL)
			continue;
		if (strncmp(k, "export ", 7) == 0)
			k += 7 + strspn(k + 7, " \t");
		for (e = eq; e > k && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		if (strncmp(k, "TF_VAR_", 7) == 0)
			k += 7;
		if (strcmp(k, name) != 0)
			continue;
		v = eq + 1 + strspn(eq + 1, " \t");
		l = strlen(v);
		while (l > 0 && (v[l - 1] == ' ' || v[l - 1] == '\t'))
			v[--l] = '\0';
		if (l >= 2 && (v[0] == '"' || v[0] == '\'') &&
		    v[l - 1] == v[0]) {
			v[l - 1] = '\0';
			v++;
		}
		l = strlen(name) + strlen(v) + 9;
		if ((out = malloc(l)) != NULL)
			snprintf(out, l, "TF_VAR_%s=%s", name, v);
	}
	explicit_bzero(line, sizeof(line));
	fclose(f);
	return out;
}

/* The TF_VAR_* of tf_vars into env: those of our environment are there
 * already; the others come from tf_var_file. */
static int
tf_vars(const struct lb_config *cfg, const char *tf_var_file,
    struct lb_strv *env, char *shown, size_t slen, struct lb_err *err)
{
	struct lb_strv w = { NULL, 0 };
	char buf[512], hidden[sizeof(buf) + 8], *e;
	const char *name;
	size_t i;
	int rc = LB_OK;

	if (lb_strv_words(&w, lb_config_handoff(cfg, "tf_vars"), err) !=
	    LB_OK) {
		snprintf(buf, sizeof(buf), "%s", err->msg);
		return lb_err_set(err, LB_EUSAGE, 0, "tf_vars: %s", buf);
	}
	for (i = 0; i < w.n && rc == LB_OK; i++) {
		name = strncmp(w.v[i], "TF_VAR_", 7) == 0 ? w.v[i] + 7 :
		    w.v[i];
		snprintf(buf, sizeof(buf), "TF_VAR_%s", name);
		if (getenv(buf) != NULL)
			;	/* in our environment: already in env */
		else if ((e = tf_from_file(tf_var_file, name)) == NULL)
			rc = lb_err_set(err, LB_EUSAGE, 0, "%s is neither in "
			    "the environment nor in tf_var_file", buf);
		else if (lb_strv_take(env, e) != 0)
			rc = lb_err_set(err, LB_ENOMEM, ENOMEM,
			    "out of memory");
		snprintf(hidden, sizeof(hidden), "%s=***", buf);
		if (rc == LB_OK)
			append_word(shown, slen, hidden);
	}
	lb_strv_release(&w, 0);
	return rc;
}

int
lb_handoff_env(const struct lb_config *cfg, const char *host,
    const char *tf_var_file, int tf, struct lb_strv *env, char *shown,
    size_t slen, struct lb_err *err)
{
	char buf[512];
	size_t i;

	lb_err_clear(err);
	shown[0] = '\0';
	for (i = 0; environ[i] != NULL; i++)
		if ((!tf || strncmp(environ[i], "TF_VAR_vps_ipv4=", 16) != 0) &&
		    lb_strv_add(env, environ[i]) != 0)
			return lb_err_set(err, LB_ENOMEM, ENOMEM,
			    "out of memory");
	if (!tf)
		return LB_OK;
	snprintf(buf, sizeof(buf), "TF_VAR_vps_ipv4=%s", host);
	if (lb_strv_add(env, buf) != 0)
		return lb_err_set(err, LB_ENOMEM, ENOMEM, "out of memory");
	snprintf(shown, slen, "%s", buf);
	return tf_vars(cfg, tf_var_file, env, shown, slen, err);
}
