/*
 * handoff_env.c: see handoff_env.h. The pushed text is read again by the
 * host's lifeboat with inih, so it is written by inih's rules: a value
 * that inih would cut (a line break, " ;") or trim cannot travel and is
 * refused rather than sent wrong.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* text without its [env] sections, into out (sized by the caller). */
static size_t
without_env(const char *text, char *out)
{
	const char *p = text, *e, *b;
	size_t n = 0;
	int skip = 0;

	for (; *p != '\0'; p = e) {
		e = p + strcspn(p, "\n");
		if (*e == '\n')
			e++;
		b = p + strspn(p, " \t");
		if (*b == '[') {
			b = b + 1 + strspn(b + 1, " \t");
			skip = strncmp(b, "env", 3) == 0 &&
			    b[3 + strspn(b + 3, " \t")] == ']';
		}
		if (!skip) {
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

char *
lb_handoff_pushed_config(const struct lb_config *cfg,
    const char *remote_config, size_t *len, char *names, size_t nlen,
    struct lb_err *err)
{
	const char *push_env = lb_config_handoff(cfg, "push_env"), *v, *text;
	const struct lb_config *pushed = NULL;
	struct lb_strv w = { NULL, 0 };
	struct lb_config rc;
	char *out = NULL, why[LB_ERR_MSG];
	size_t i, cap = 0, n;

	names[0] = '\0';
	memset(&rc, 0, sizeof(rc));
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
	cap = strlen(text) + 16;
	for (i = 0; i < w.n; i++)
		if ((v = push_value(cfg, pushed, w.v[i])) != NULL)
			cap += strlen(w.v[i]) + strlen(v) + 8;
	if ((out = malloc(cap)) == NULL) {
		lb_err_set(err, LB_ENOMEM, ENOMEM, "out of memory");
		goto out;
	}
	n = without_env(text, out);
	if (env_lines(cfg, pushed, w.v, w.n, out, cap, &n, names, nlen,
	    err) != LB_OK) {
		explicit_bzero(out, cap);
		free(out);
		out = NULL;
		goto out;
	}
	*len = n;
out:
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
