/*
 * config.c: reading lifeboat.conf with inih. inih hands us each key with its
 * section's raw name ('store "nas"'), so the git-config style subsections
 * are split here. Unknown keys are errors: a typo in a recovery config must
 * not be discovered at 3 a.m. by its absence of effect.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "agew.h"
#include "backup.h"
#include "config.h"
#include "minisign.h"
#include "store.h"

struct ctx {
	struct lb_config *cfg;
	struct lb_err *err;
	int failed;
};

static int
kv_add(struct lb_kv **kv, size_t *n, const char *k, const char *v)
{
	struct lb_kv *p;

	p = realloc(*kv, (*n + 1) * sizeof(**kv));
	if (p == NULL)
		return -1;
	*kv = p;
	p[*n].key = strdup(k);
	p[*n].value = strdup(v);
	if (p[*n].key == NULL || p[*n].value == NULL) {
		free(p[*n].key);
		free(p[*n].value);
		return -1;
	}
	(*n)++;
	return 0;
}

static void
kv_free(struct lb_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static struct lb_store_conf *
store_get(struct lb_config *cfg, const char *name)
{
	struct lb_store_conf *p;
	size_t i;

	for (i = 0; i < cfg->nstores; i++)
		if (strcmp(cfg->stores[i].name, name) == 0)
			return &cfg->stores[i];
	p = realloc(cfg->stores, (cfg->nstores + 1) * sizeof(*p));
	if (p == NULL)
		return NULL;
	cfg->stores = p;
	p = &cfg->stores[cfg->nstores];
	memset(p, 0, sizeof(*p));
	if ((p->name = strdup(name)) == NULL)
		return NULL;
	cfg->nstores++;
	return p;
}

/* 'store "nas"' -> "nas" in buf; 0 if section is a KIND "NAME" section. */
static int
sub_section(const char *section, const char *kind, char *buf, size_t len)
{
	const char *q, *e;
	size_t n, k = strlen(kind);

	if (strncmp(section, kind, k) != 0)
		return -1;
	q = section + k;
	while (*q == ' ' || *q == '\t')
		q++;
	if (*q != '"' || (e = strrchr(q + 1, '"')) == NULL || e[1] != '\0')
		return -1;
	n = (size_t)(e - q - 1);
	if (n == 0 || n >= len)
		return -1;
	memcpy(buf, q + 1, n);
	buf[n] = '\0';
	return 0;
}

static struct lb_check_conf *
check_get(struct lb_config *cfg, const char *name)
{
	struct lb_check_conf *p;
	size_t i;

	for (i = 0; i < cfg->nchecks; i++)
		if (strcmp(cfg->checks[i].name, name) == 0)
			return &cfg->checks[i];
	p = realloc(cfg->checks, (cfg->nchecks + 1) * sizeof(*p));
	if (p == NULL)
		return NULL;
	cfg->checks = p;
	p = &cfg->checks[cfg->nchecks];
	memset(p, 0, sizeof(*p));
	p->expect_status = 200;
	p->timeout = 10;
	p->priority = LB_MAX_PRIO + 1;
	if ((p->name = strdup(name)) == NULL)
		return NULL;
	cfg->nchecks++;
	return p;
}

static int
split_words(const char *v, char ***out, size_t *n)
{
	char *copy, *tok, *save, **p;

	if ((copy = strdup(v)) == NULL)
		return -1;
	for (tok = strtok_r(copy, " \t,", &save); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &save)) {
		p = realloc(*out, (*n + 1) * sizeof(*p));
		if (p == NULL || (p[*n] = strdup(tok)) == NULL) {
			if (p != NULL)
				*out = p;
			free(copy);
			return -1;
		}
		*out = p;
		(*n)++;
	}
	free(copy);
	return 0;
}

int
lb_layout_valid(const char *s)
{
	static const char *const names[] = { "auto", "docker", "offen",
		"plain", NULL };
	int i;

	for (i = 0; s != NULL && names[i] != NULL; i++)
		if (strcmp(s, names[i]) == 0)
			return 1;
	return 0;
}

/* The keys of [store "NAME"] sections that are booleans. */
static int
store_bool(const char *key)
{
	return strcmp(key, "insecure") == 0 || strcmp(key, "path_style") == 0;
}

/* The keys of [handoff] and their defaults (NULL: none). The example
 * config documents each. */
static const struct {
	const char *key, *dflt;
	int duration;		/* 1: a duration, 2: a boolean */
} handoff_keys[] = {
	{ "host", NULL, 0 },
	{ "steps", "wait-ssh inventory terraform ansible check", 0 },
	{ "ssh", "ssh", 0 },
	{ "ssh_user", "root", 0 },
	{ "ssh_port", NULL, 0 },
	{ "identity_file", NULL, 0 },
	{ "known_hosts", NULL, 0 },
	{ "ssh_wait", "10m", 1 },
	{ "remote_lifeboat", "lifeboat", 0 },
	{ "remote_config", NULL, 0 },
	{ "restore_args", "--root /target", 0 },
	{ "push_env", "AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY "
	    "AWS_SESSION_TOKEN", 0 },
	{ "push_identities", "yes", 2 },
	{ "reboot_command", "reboot", 0 },
	{ "reboot_wait", "10m", 1 },
	{ "inventory", "ansible/inventory.ini", 0 },
	{ "inventory_group", "docker_hosts", 0 },
	{ "inventory_host", "vps ansible_host={host}", 0 },
	{ "terraform", "terraform -chdir=terraform apply -auto-approve", 0 },
	{ "terraform_dir", ".", 0 },
	{ "tf_vars", "", 0 },
	{ "tf_var_file", NULL, 0 },
	{ "ansible", "ansible-playbook -i ansible/inventory.ini "
	    "ansible/site.yml", 0 },
	{ "ansible_dir", ".", 0 },
	{ "state_dir", "lifeboat-handoff", 0 },
	{ "remote_history", NULL, 0 },
	{ NULL, NULL, 0 },
};

static int
handoff_key(const char *key)
{
	int i;

	for (i = 0; handoff_keys[i].key != NULL; i++)
		if (strcmp(key, handoff_keys[i].key) == 0)
			return i;
	return -1;
}

const char *
lb_config_backup(const struct lb_config *cfg, const char *key)
{
	size_t i;

	for (i = cfg->nbackup; i > 0; i--)
		if (strcmp(cfg->backup[i - 1].key, key) == 0)
			return cfg->backup[i - 1].value;
	return NULL;
}

const char *
lb_config_handoff(const struct lb_config *cfg, const char *key)
{
	size_t i;
	int k;

	for (i = cfg->nhandoff; i > 0; i--)
		if (strcmp(cfg->handoff[i - 1].key, key) == 0)
			return cfg->handoff[i - 1].value;
	k = handoff_key(key);
	return k >= 0 ? handoff_keys[k].dflt : NULL;
}

const char *
lb_config_history(const struct lb_config *cfg)
{
	const char *e = getenv("LIFEBOAT_HISTORY");

	return e != NULL ? e : cfg->history != NULL ? cfg->history :
	    LB_DEFAULT_HISTORY;
}

long long
lb_config_rpo(const struct lb_config *cfg)
{
	return cfg->rpo >= 0 ? cfg->rpo : cfg->max_age;
}

int
lb_config_env_name(const char *name)
{
	static const char *const names[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE",
		"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", NULL,
	};
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return 0;
}

static int trust_minisign_key(struct lb_config *cfg, const char *key,
    const char *value, char *why, size_t len);

/* [trust] identity and passphrase: secrets written into the config, as
 * a hand-off pushes them through ssh's stdin. */
static int
trust_inline(struct lb_config *cfg, const char *key, const char *value,
    char *why, size_t len)
{
	if (*value == '\0') {
		snprintf(why, len, "empty");
		return -1;
	}
	if (key[0] == 'i') {
		if (lb_strv_add(&cfg->age_identities, value) == 0)
			return 0;
	} else {
		if (cfg->age_passphrase != NULL)
			explicit_bzero(cfg->age_passphrase,
			    strlen(cfg->age_passphrase));
		free(cfg->age_passphrase);
		if ((cfg->age_passphrase = strdup(value)) != NULL)
			return 0;
	}
	snprintf(why, len, "out of memory");
	return -1;
}

/* Append a copy of value to a list of the config. */
static int
list_add(char ***list, size_t *n, const char *value, char *why, size_t len)
{
	char **p, *v;

	p = realloc(*list, (*n + 1) * sizeof(*p));
	if (p == NULL || (v = strdup(value)) == NULL) {
		if (p != NULL)
			*list = p;
		snprintf(why, len, "out of memory");
		return -1;
	}
	*list = p;
	p[(*n)++] = v;
	return 0;
}

/* One key of [trust]: the identities that decrypt .age archives, the
 * recipients that backups are encrypted to. */
static int
trust_key(struct lb_config *cfg, const char *key, const char *value,
    char *why, size_t len)
{
	char w[200];

	if (strcmp(key, "identity_file") == 0)
		return list_add(&cfg->age_identity_files,
		    &cfg->nage_identity_files, value, why, len);
	if (strcmp(key, "recipients") == 0) {
		/* a typo is found when the config is read, before any
		 * backup stops anything */
		if (lb_age_recip_check(value, w, sizeof(w)) != 0) {
			snprintf(why, len, "[trust] recipients: %s", w);
			return -1;
		}
		return list_add(&cfg->age_recipients, &cfg->nage_recipients,
		    value, why, len);
	}
	if (strcmp(key, "recipients_file") == 0)
		return list_add(&cfg->age_recipient_files,
		    &cfg->nage_recipient_files, value, why, len);
	if (strcmp(key, "passphrase_file") == 0 ||
	    strcmp(key, "secret_key_file") == 0 ||
	    strcmp(key, "secret_key_passphrase_file") == 0) {
		char **slot = key[0] == 'p' ? &cfg->age_passphrase_file :
		    strcmp(key, "secret_key_file") == 0 ? &cfg->sign_key_file :
		    &cfg->sign_pass_file;

		free(*slot);
		if ((*slot = strdup(value)) == NULL) {
			snprintf(why, len, "out of memory");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "identity") == 0 || strcmp(key, "passphrase") == 0)
		return trust_inline(cfg, key, value, why, len);
	/* the rest of [trust] is minisign's */
	return trust_minisign_key(cfg, key, value, why, len);
}

/* One key of a [check "NAME"] section. */
static int
check_key(struct lb_check_conf *ck, const char *key, const char *value,
    char *why, size_t len)
{
	enum lb_check_kind kind = LB_CHECK_NONE;
	long long n;
	char *end, **slot = NULL;

	if (strcmp(key, "http") == 0)
		kind = LB_CHECK_HTTP;
	else if (strcmp(key, "tcp") == 0)
		kind = LB_CHECK_TCP;
	else if (strcmp(key, "command") == 0)
		kind = LB_CHECK_COMMAND;
	if (kind != LB_CHECK_NONE) {
		if (ck->kind != LB_CHECK_NONE && ck->kind != kind) {
			snprintf(why, len, "a check is one of http, tcp or "
			    "command, not several");
			return -1;
		}
		if (kind == LB_CHECK_HTTP && strncmp(value, "http://", 7) &&
		    strncmp(value, "https://", 8)) {
			snprintf(why, len, "http: '%s' is not an http:// or "
			    "https:// URL", value);
			return -1;
		}
		if (kind == LB_CHECK_TCP && (strrchr(value, ':') == NULL ||
		    strrchr(value, ':')[1] == '\0')) {
			snprintf(why, len, "tcp: '%s' is not HOST:PORT", value);
			return -1;
		}
		ck->kind = kind;
		slot = &ck->target;
	} else if (strcmp(key, "expect_status") == 0) {
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno || *end || end == value || n < 100 || n > 599) {
			snprintf(why, len, "expect_status: '%s' is not an HTTP "
			    "status (100 to 599)", value);
			return -1;
		}
		ck->expect_status = (int)n;
		return 0;
	} else if (strcmp(key, "expect_body") == 0)
		slot = &ck->expect_body;
	else if (strcmp(key, "ca_file") == 0)
		slot = &ck->ca_file;
	else if (strcmp(key, "within") == 0 || strcmp(key, "timeout") == 0) {
		if (lb_parse_duration(value, &n) != LB_OK ||
		    (key[0] == 't' && n == 0)) {
			snprintf(why, len, "%s: '%s' is not a duration (like "
			    "30s, 10m)", key, value);
			return -1;
		}
		*(key[0] == 'w' ? &ck->within : &ck->timeout) = n;
		return 0;
	} else if (strcmp(key, "priority") == 0) {
		if (value[0] != 'p' || value[1] < '1' || value[1] > '9' ||
		    value[2] != '\0') {
			snprintf(why, len, "priority must be p1 to p9, not "
			    "'%s'", value);
			return -1;
		}
		ck->priority = value[1] - '0';
		return 0;
	} else if (strcmp(key, "insecure") == 0) {
		if (lb_parse_bool(value, &ck->insecure) != LB_OK) {
			snprintf(why, len, "insecure must be " LB_BOOL_WORDS
			    ", not '%s'", value);
			return -1;
		}
		return 0;
	} else {
		snprintf(why, len, "unknown key '%s'", key);
		return -1;
	}
	free(*slot);
	if ((*slot = strdup(value)) == NULL) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	return 0;
}

void
lb_check_conf_write(FILE *f, const struct lb_check_conf *c)
{
	static const char *const kind[] = { "", "http", "tcp", "command" };

	fprintf(f, "[check \"%s\"]\n%s = %s\nexpect_status = %d\n"
	    "within = %llds\ntimeout = %llds\ninsecure = %s\n", c->name,
	    kind[c->kind], c->target, c->expect_status, c->within, c->timeout,
	    c->insecure ? "yes" : "no");
	if (c->expect_body != NULL)
		fprintf(f, "expect_body = %s\n", c->expect_body);
	if (c->ca_file != NULL)
		fprintf(f, "ca_file = %s\n", c->ca_file);
}

/* One key of [trust], minisign's part: a key given inline is decoded now,
 * so that a typo is found when the config is read; key files are read by
 * the catalog, where a missing one is reported like a store's error. */
static int
trust_minisign_key(struct lb_config *cfg, const char *key, const char *value,
    char *why, size_t len)
{
	struct lb_ms_key k;
	struct lb_err e;
	char ***list;
	size_t *n;
	char **p;

	if (strcmp(key, "require_signature") == 0) {
		if (lb_parse_bool(value, &cfg->require_signature) != LB_OK) {
			snprintf(why, len, "require_signature must be "
			    LB_BOOL_WORDS ", not '%s'", value);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "public_key") == 0) {
		if (lb_ms_key_parse(value, &k, &e) != LB_OK) {
			snprintf(why, len, "public_key: %s", e.msg);
			return -1;
		}
		list = &cfg->trust_keys;
		n = &cfg->ntrust_keys;
	} else if (strcmp(key, "public_key_file") == 0) {
		list = &cfg->trust_key_files;
		n = &cfg->ntrust_key_files;
	} else {
		snprintf(why, len, "unknown key '%s' in [trust]", key);
		return 1;
	}
	if ((p = realloc(*list, (*n + 1) * sizeof(*p))) == NULL ||
	    (p[*n] = strdup(value)) == NULL) {
		if (p != NULL)
			*list = p;
		snprintf(why, len, "out of memory");
		return -1;
	}
	*list = p;
	(*n)++;
	return 0;
}

int
lb_config_require_signature(const struct lb_config *cfg)
{
	if (cfg->require_signature >= 0)
		return cfg->require_signature;
	return cfg->ntrust_keys + cfg->ntrust_key_files > 0;
}

static struct lb_probe_conf *
probe_get(struct lb_config *cfg, const char *name)
{
	struct lb_probe_conf *p;
	size_t i;

	for (i = 0; i < cfg->nprobes; i++)
		if (strcmp(cfg->probes[i].name, name) == 0)
			return &cfg->probes[i];
	p = realloc(cfg->probes, (cfg->nprobes + 1) * sizeof(*p));
	if (p == NULL)
		return NULL;
	cfg->probes = p;
	p = &cfg->probes[cfg->nprobes];
	memset(p, 0, sizeof(*p));
	p->timeout = 300;
	if ((p->name = strdup(name)) == NULL)
		return NULL;
	cfg->nprobes++;
	return p;
}

/* A string key into *slot, replacing what was there. */
static int
set_str(char **slot, const char *value, char *why, size_t len)
{
	free(*slot);
	if ((*slot = strdup(value)) == NULL) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	return 0;
}

/* The keys of a drill: [plan] provision, boot, handoff; [drill];
 * [probe "NAME"]. 1 when key is one of them (-1 and why when its value
 * is wrong), 0 when it is not. */
static int
drill_key(struct lb_config *cfg, const char *section, const char *key,
    const char *value, char *why, size_t len)
{
	struct lb_probe_conf *pr;
	char name[256];
	long long n, *slot = NULL;

	if (strcmp(section, "plan") == 0)
		slot = strcmp(key, "provision") == 0 ? &cfg->provision :
		    strcmp(key, "boot") == 0 ? &cfg->boot :
		    strcmp(key, "handoff") == 0 ? &cfg->handoff_time : NULL;
	else if (strcmp(section, "drill") == 0) {
		if (strcmp(key, "scratch") == 0)
			return set_str(&cfg->scratch, value, why, len) ? -1 : 1;
		if (strcmp(key, "verify_latest") != 0) {
			snprintf(why, len, "unknown key '%s' in [drill] "
			    "(verify_latest or scratch)", key);
			return -1;
		}
		errno = 0;
		n = strtoll(value, NULL, 10);
		if (errno || value[0] == '\0' || n < 1 ||
		    strspn(value, "0123456789") != strlen(value)) {
			snprintf(why, len, "verify_latest: '%s' is not a "
			    "number of backups (1 or more)", value);
			return -1;
		}
		cfg->verify_latest = n;
		return 1;
	} else if (sub_section(section, "probe", name, sizeof(name)) == 0) {
		if ((pr = probe_get(cfg, name)) == NULL) {
			snprintf(why, len, "out of memory");
			return -1;
		}
		if (strcmp(key, "command") == 0 || strcmp(key, "volume") == 0)
			return set_str(key[0] == 'c' ? &pr->command :
			    &pr->volume, value, why, len) ? -1 : 1;
		if (strcmp(key, "timeout") == 0 && lb_parse_duration(value,
		    &n) == LB_OK && n > 0) {
			pr->timeout = n;
			return 1;
		}
		snprintf(why, len, strcmp(key, "timeout") == 0 ? "[probe "
		    "\"%s\"] timeout: not a duration (like 30s, 5m)" :
		    "unknown key in [probe \"%s\"] (command, timeout or "
		    "volume)", name);
		return -1;
	}
	if (slot == NULL)
		return 0;
	if (lb_parse_duration(value, slot) != LB_OK) {
		snprintf(why, len, "%s: '%s' is not a duration (like 20m, 2h, "
		    "90s)", key, value);
		return -1;
	}
	return 1;
}

static int
on_key(void *user, const char *section, const char *key, const char *value,
    int lineno)
{
	struct ctx *c = user;
	struct lb_config *cfg = c->cfg;
	struct lb_store_conf *sc;
	char name[256], dwhy[320];
	long long secs;
	int b;
	char **slot;

	if (c->failed)
		return 0;
#define BAD(...) do {							\
	lb_err_set(c->err, LB_EUSAGE, 0, __VA_ARGS__);			\
	c->failed = 1;							\
	return 0;							\
} while (0)
	if (key == NULL) {
		/* a section starts: known, and a store is known even empty */
		if (strcmp(section, "restore") == 0 ||
		    strcmp(section, "volumes") == 0 ||
		    strcmp(section, "plan") == 0 ||
		    strcmp(section, "handoff") == 0 ||
		    strcmp(section, "backup") == 0 ||
		    strcmp(section, "env") == 0 ||
		    strcmp(section, "trust") == 0 ||
		    strcmp(section, "drill") == 0)
			return 1;
		if (sub_section(section, "probe", name, sizeof(name)) == 0) {
			if (probe_get(cfg, name) == NULL)
				BAD("out of memory");
			return 1;
		}
		if (sub_section(section, "store", name, sizeof(name)) == 0) {
			if (store_get(cfg, name) == NULL)
				BAD("out of memory");
			return 1;
		}
		if (sub_section(section, "check", name, sizeof(name)) == 0) {
			if (check_get(cfg, name) == NULL)
				BAD("out of memory");
			return 1;
		}
		BAD("%s:%d: unknown section [%s]", cfg->path, lineno, section);
	}
	switch (drill_key(cfg, section, key, value, dwhy, sizeof(dwhy))) {
	case 1:
		return 1;
	case -1:
		BAD("%s:%d: %s", cfg->path, lineno, dwhy);
	}
	if (strcmp(section, "restore") == 0) {
		slot = NULL;
		if (strcmp(key, "dest") == 0)
			slot = &cfg->dest;
		else if (strcmp(key, "layout") == 0) {
			if (!lb_layout_valid(value))
				BAD("%s:%d: layout must be " LB_LAYOUT_WORDS
				    ", not '%s'", cfg->path, lineno, value);
			slot = &cfg->layout;
		} else if (strcmp(key, "max_age") == 0) {
			if (lb_parse_duration(value, &secs) != LB_OK)
				BAD("%s:%d: max_age: '%s' is not a duration "
				    "(like 24h, 36h, 2d)", cfg->path, lineno,
				    value);
			cfg->max_age = secs;
			return 1;
		} else if (strcmp(key, "allow_unverified") == 0) {
			if (lb_parse_bool(value, &cfg->allow_unverified) !=
			    LB_OK)
				BAD("%s:%d: allow_unverified must be "
				    LB_BOOL_WORDS ", not '%s'", cfg->path,
				    lineno, value);
			return 1;
		} else if (strcmp(key, "connections") == 0) {
			char *end;
			long n = strtol(value, &end, 10);

			if (*value == '\0' || *end != '\0' || n < 1 || n > 16)
				BAD("%s:%d: connections must be a number from "
				    "1 to 16, not '%s'", cfg->path, lineno,
				    value);
			cfg->connections = (int)n;
			return 1;
		} else if (strcmp(key, "name_time") == 0) {
			if (strcmp(value, "utc") == 0)
				cfg->name_time_local = 0;
			else if (strcmp(value, "local") == 0)
				cfg->name_time_local = 1;
			else
				BAD("%s:%d: name_time must be utc or local, "
				    "not '%s'", cfg->path, lineno, value);
			return 1;
		} else
			BAD("%s:%d: unknown key '%s' in [restore]", cfg->path,
			    lineno, key);
		free(*slot);
		if ((*slot = strdup(value)) == NULL)
			BAD("out of memory");
		return 1;
	}
	if (sub_section(section, "store", name, sizeof(name)) == 0) {
		char why[256];

		if ((sc = store_get(cfg, name)) == NULL)
			BAD("out of memory");
		if (strcmp(key, "url") != 0 && !lb_store_key(key))
			BAD("%s:%d: unknown key '%s' in [store \"%s\"]",
			    cfg->path, lineno, key, name);
		if (store_bool(key) && lb_parse_bool(value, &b) != LB_OK)
			BAD("%s:%d: [store \"%s\"] %s must be " LB_BOOL_WORDS
			    ", not '%s'", cfg->path, lineno, name, key, value);
		if (lb_store_value_check(key, value, why, sizeof(why)) != 0)
			BAD("%s:%d: [store \"%s\"] %s", cfg->path, lineno,
			    name, why);
		if (strcmp(key, "url") == 0) {
			free(sc->url);
			if ((sc->url = strdup(value)) == NULL)
				BAD("out of memory");
		} else if (kv_add(&sc->opts, &sc->nopts, key, value) != 0)
			BAD("out of memory");
		return 1;
	}
	if (sub_section(section, "check", name, sizeof(name)) == 0) {
		struct lb_check_conf *ck;
		char why[256];

		if ((ck = check_get(cfg, name)) == NULL)
			BAD("out of memory");
		if (check_key(ck, key, value, why, sizeof(why)) != 0)
			BAD("%s:%d: [check \"%s\"] %s", cfg->path, lineno, name,
			    why);
		return 1;
	}
	if (strcmp(section, "plan") == 0) {
		if (strcmp(key, "rto") == 0 || strcmp(key, "rpo") == 0) {
			if (lb_parse_duration(value, &secs) != LB_OK)
				BAD("%s:%d: %s: '%s' is not a duration (like "
				    "2h, 24h)", cfg->path, lineno, key, value);
			*(key[1] == 't' ? &cfg->rto : &cfg->rpo) = secs;
			return 1;
		}
		if (strcmp(key, "history") == 0) {
			free(cfg->history);
			if ((cfg->history = strdup(value)) == NULL)
				BAD("out of memory");
			return 1;
		}
		BAD("%s:%d: unknown key '%s' in [plan] (rto, rpo, history, "
		    "provision, boot or handoff)",
		    cfg->path, lineno, key);
	}
	if (strcmp(section, "handoff") == 0) {
		int k = handoff_key(key);

		if (k < 0)
			BAD("%s:%d: unknown key '%s' in [handoff]", cfg->path,
			    lineno, key);
		if (handoff_keys[k].duration == 1 &&
		    lb_parse_duration(value, &secs) != LB_OK)
			BAD("%s:%d: %s: '%s' is not a duration (like 10m)",
			    cfg->path, lineno, key, value);
		if (handoff_keys[k].duration == 2 &&
		    lb_parse_bool(value, &b) != LB_OK)
			BAD("%s:%d: %s must be " LB_BOOL_WORDS ", not '%s'",
			    cfg->path, lineno, key, value);
		if (kv_add(&cfg->handoff, &cfg->nhandoff, key, value) != 0)
			BAD("out of memory");
		return 1;
	}
	if (strcmp(section, "backup") == 0) {
		char why[256];

		if (lb_backup_key_check(key, value, why, sizeof(why)) != 0)
			BAD("%s:%d: [backup] %s", cfg->path, lineno, why);
		if (kv_add(&cfg->backup, &cfg->nbackup, key, value) != 0)
			BAD("out of memory");
		return 1;
	}
	if (strcmp(section, "trust") == 0) {
		char why[256];

		if (trust_key(cfg, key, value, why, sizeof(why)) != 0)
			BAD("%s:%d: %s", cfg->path, lineno, why);
		return 1;
	}
	if (strcmp(section, "env") == 0) {
		if (!lb_config_env_name(key))
			BAD("%s:%d: [env] cannot set '%s' (only the AWS_* "
			    "variables lifeboat reads)", cfg->path, lineno,
			    key);
		if (kv_add(&cfg->env, &cfg->nenv, key, value) != 0)
			BAD("out of memory");
		return 1;
	}
	if (strcmp(section, "volumes") == 0) {
		if (key[0] == 'p' && key[1] >= '1' && key[1] <= '9' &&
		    key[2] == '\0') {
			if (split_words(value, &cfg->prio[key[1] - '1'].names,
			    &cfg->prio[key[1] - '1'].n) != 0)
				BAD("out of memory");
			return 1;
		}
		if (strncmp(key, "map.", 4) == 0 && key[4] != '\0') {
			if (kv_add(&cfg->map, &cfg->nmap, key + 4, value) != 0)
				BAD("out of memory");
			return 1;
		}
		BAD("%s:%d: unknown key '%s' in [volumes] (p1..p9 or map.DIR)",
		    cfg->path, lineno, key);
	}
	BAD("%s:%d: unknown section [%s]", cfg->path, lineno, section);
#undef BAD
}

/* The whole file (or standard input for "-"), bounded: the text is kept
 * for a hand-off to push, and parsed from memory. */
static char *
slurp(const char *path, struct lb_err *err)
{
	size_t len = 0, cap = 4096;
	char *buf, *p;
	ssize_t n;
	int fd;

	fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		lb_err_set(err, LB_EUSAGE, errno, "cannot read config '%s'",
		    path);
		return NULL;
	}
	if ((buf = malloc(cap)) == NULL)
		goto oom;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= LB_CONFIG_MAX) {
				lb_err_set(err, LB_EUSAGE, 0, "config '%s' is "
				    "larger than %d bytes", path,
				    LB_CONFIG_MAX);
				goto fail;
			}
			if ((p = realloc(buf, cap * 2)) == NULL)
				goto oom;
			buf = p;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			lb_err_set(err, LB_EUSAGE, errno, "cannot read config "
			    "'%s'", path);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (memchr(buf, '\0', len) != NULL) {
		lb_err_set(err, LB_EUSAGE, 0, "config '%s' is not text", path);
		goto fail;
	}
	buf[len] = '\0';
	if (fd != 0)
		close(fd);
	return buf;
oom:
	lb_err_set(err, LB_ENOMEM, 0, "out of memory");
fail:
	free(buf);
	if (fd != 0)
		close(fd);
	return NULL;
}

int
lb_config_load(struct lb_config *cfg, const char *path, struct lb_err *err)
{
	struct ctx c = { cfg, err, 0 };
	size_t i;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->max_age = -1;
	cfg->rto = cfg->rpo = -1;
	cfg->provision = cfg->boot = cfg->handoff_time = -1;
	cfg->verify_latest = 3;
	cfg->require_signature = -1;
	if (path == NULL) {
		if (access(LB_DEFAULT_CONFIG, F_OK) != 0)
			return LB_OK;
		path = LB_DEFAULT_CONFIG;
	}
	if ((cfg->path = strdup(strcmp(path, "-") ? path : "<stdin>")) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	if ((cfg->text = slurp(path, err)) == NULL)
		return err->code;
	r = ini_parse_string(cfg->text, on_key, &c);
	if (c.failed)
		return err->code;
	if (r != 0)
		return lb_err_set(err, LB_EUSAGE, 0,
		    "%s:%d: not a 'key = value' line or a [section]",
		    cfg->path, r);
	for (i = 0; i < cfg->nstores; i++) {
		char why[512];

		if (cfg->stores[i].url == NULL)
			return lb_err_set(err, LB_EUSAGE, 0,
			    "%s: [store \"%s\"] has no url", cfg->path,
			    cfg->stores[i].name);
		if (lb_store_conf_check(&cfg->stores[i], why, sizeof(why)))
			return lb_err_set(err, LB_EUSAGE, 0,
			    "%s: [store \"%s\"] %s", cfg->path,
			    cfg->stores[i].name, why);
	}
	for (i = 0; i < cfg->nprobes; i++)
		if (cfg->probes[i].command == NULL)
			return lb_err_set(err, LB_EUSAGE, 0,
			    "%s: [probe \"%s\"] has no command", cfg->path,
			    cfg->probes[i].name);
	for (i = 0; i < cfg->nchecks; i++)
		if (cfg->checks[i].kind == LB_CHECK_NONE)
			return lb_err_set(err, LB_EUSAGE, 0,
			    "%s: [check \"%s\"] needs http, tcp or command",
			    cfg->path, cfg->checks[i].name);
	return LB_OK;
}

/* "scheme://user:secret@host/..." -> "scheme://user:***@host/..." */
static char *
redact_url(const char *url)
{
	const char *auth = strstr(url, "://"), *at, *colon, *end;
	char *out;
	size_t n;

	if (auth == NULL)
		return strdup(url);
	auth += 3;
	end = strchr(auth, '/');
	at = strchr(auth, '@');
	if (at == NULL || (end != NULL && at > end))
		return strdup(url);
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (colon == NULL)
		return strdup(url);
	n = strlen(url) + 4;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%.*s:***%s", (int)(colon - url), url, at);
	return out;
}

int
lb_config_add_store(struct lb_config *cfg, const char *url, struct lb_err *err)
{
	struct lb_store_conf *sc;
	char name[32];

	snprintf(name, sizeof(name), "--store %zu", cfg->nstores + 1);
	if ((sc = store_get(cfg, name)) == NULL ||
	    (sc->url = strdup(url)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	/* A store named after its URL reads better in messages; a password
	 * in it is never shown (such a URL is refused later anyway). */
	free(sc->name);
	if ((sc->name = redact_url(url)) == NULL)
		return lb_err_set(err, LB_ENOMEM, 0, "out of memory");
	return LB_OK;
}

static void
store_release(struct lb_store_conf *sc)
{
	size_t i;

	for (i = 0; i < sc->nopts; i++) {
		free(sc->opts[i].key);
		free(sc->opts[i].value);
	}
	free(sc->opts);
	free(sc->name);
	free(sc->url);
}

void
lb_config_clear_stores(struct lb_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nstores; i++)
		store_release(&cfg->stores[i]);
	free(cfg->stores);
	cfg->stores = NULL;
	cfg->nstores = 0;
}

int
lb_config_priority(const struct lb_config *cfg, const char *volume)
{
	size_t i;
	int p;

	for (p = 0; p < LB_MAX_PRIO; p++)
		for (i = 0; i < cfg->prio[p].n; i++)
			if (strcmp(cfg->prio[p].names[i], volume) == 0)
				return p + 1;
	return LB_MAX_PRIO + 1;
}

const char *
lb_config_map(const struct lb_config *cfg, const char *dir)
{
	size_t i;

	for (i = 0; i < cfg->nmap; i++)
		if (strcmp(cfg->map[i].key, dir) == 0)
			return cfg->map[i].value;
	return dir;
}

const char *
lb_store_opt(const struct lb_store_conf *sc, const char *key)
{
	size_t i;

	for (i = 0; i < sc->nopts; i++)
		if (strcmp(sc->opts[i].key, key) == 0)
			return sc->opts[i].value;
	return NULL;
}

int
lb_store_opt_bool(const struct lb_store_conf *sc, const char *key, int dflt)
{
	const char *v = lb_store_opt(sc, key);
	int b;

	return v != NULL && lb_parse_bool(v, &b) == LB_OK ? b : dflt;
}

void
lb_config_release(struct lb_config *cfg)
{
	size_t i;
	int p;

	lb_config_clear_stores(cfg);
	for (p = 0; p < LB_MAX_PRIO; p++) {
		for (i = 0; i < cfg->prio[p].n; i++)
			free(cfg->prio[p].names[i]);
		free(cfg->prio[p].names);
	}
	for (i = 0; i < cfg->nmap; i++) {
		free(cfg->map[i].key);
		free(cfg->map[i].value);
	}
	free(cfg->map);
	for (i = 0; i < cfg->nchecks; i++) {
		free(cfg->checks[i].name);
		free(cfg->checks[i].target);
		free(cfg->checks[i].expect_body);
		free(cfg->checks[i].ca_file);
	}
	free(cfg->checks);
	for (i = 0; i < cfg->nprobes; i++) {
		free(cfg->probes[i].name);
		free(cfg->probes[i].command);
		free(cfg->probes[i].volume);
	}
	free(cfg->probes);
	free(cfg->scratch);
	kv_free(cfg->handoff, cfg->nhandoff);
	kv_free(cfg->backup, cfg->nbackup);
	for (i = 0; i < cfg->nenv; i++)	/* credentials */
		explicit_bzero(cfg->env[i].value, strlen(cfg->env[i].value));
	kv_free(cfg->env, cfg->nenv);
	free(cfg->history);
	for (i = 0; i < cfg->nage_identity_files; i++)
		free(cfg->age_identity_files[i]);
	free(cfg->age_identity_files);
	for (i = 0; i < cfg->nage_recipients; i++)
		free(cfg->age_recipients[i]);
	free(cfg->age_recipients);
	for (i = 0; i < cfg->nage_recipient_files; i++)
		free(cfg->age_recipient_files[i]);
	free(cfg->age_recipient_files);
	free(cfg->age_passphrase_file);
	lb_strv_release(&cfg->age_identities, 1);
	if (cfg->age_passphrase != NULL)
		explicit_bzero(cfg->age_passphrase, strlen(cfg->age_passphrase));
	free(cfg->age_passphrase);
	free(cfg->sign_key_file);
	free(cfg->sign_pass_file);
	for (i = 0; i < cfg->ntrust_keys; i++)
		free(cfg->trust_keys[i]);
	free(cfg->trust_keys);
	for (i = 0; i < cfg->ntrust_key_files; i++)
		free(cfg->trust_key_files[i]);
	free(cfg->trust_key_files);
	if (cfg->text != NULL)
		explicit_bzero(cfg->text, strlen(cfg->text));
	free(cfg->text);
	free(cfg->path);
	free(cfg->dest);
	free(cfg->layout);
	memset(cfg, 0, sizeof(*cfg));
}
