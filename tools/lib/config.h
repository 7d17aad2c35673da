/*
 * config.h: lifeboat.conf, git-config-style INI read with inih.
 *
 *   [restore]          dest, max_age, allow_unverified, layout, name_time,
 *                      connections
 *   [store "NAME"]     url, and backend-specific keys kept for the backend
 *   [volumes]          p1 = a b, p2 = ... (commit priority groups)
 *                      map.DIR = VOLUME (offen archives' directory names)
 *   [plan]             rto, rpo, history: the objectives a restore and a
 *                      hand-off are measured against, and where they go;
 *                      provision, boot, handoff: the fixed times of a
 *                      recovery that a drill adds to its projected RTO
 *   [drill]            verify_latest, scratch (lifeboat drill)
 *   [probe "NAME"]     a command run on a drill's restored data
 *   [check "NAME"]     one service check (lifeboat check)
 *   [handoff]          the steps of lifeboat handoff
 *   [env]              variables set for this run (credentials pushed over
 *                      SSH by a hand-off arrive this way)
 *   [trust]            identity_file, identity (repeatable),
 *                      passphrase_file, passphrase: what decrypts .age
 *                      archives (the inline ones as a hand-off pushes
 *                      them); recipients and recipients_file
 *                      (repeatable): what backups are encrypted to
 *   [trust]            public_key, public_key_file, require_signature:
 *                      the minisign keys a backup must be signed with
 */
#ifndef LB_CONFIG_H
#define LB_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "lb.h"
#include "strv.h"

struct lb_kv {
	char *key;
	char *value;
};

struct lb_store_conf {
	char *name;		/* from [store "NAME"], or the URL for
				   --store */
	char *url;
	struct lb_kv *opts;	/* every other key of the section */
	size_t nopts;
};

#define LB_MAX_PRIO 9

enum lb_check_kind { LB_CHECK_NONE, LB_CHECK_HTTP, LB_CHECK_TCP,
	LB_CHECK_COMMAND };

/* [probe "NAME"]: a command run without a shell on the volumes a drill
 * restored; {root} in it stands for their directory. */
struct lb_probe_conf {
	char *name;
	char *command;
	long long timeout;	/* seconds; 300 unless set */
	char *volume;		/* the volume it needs, or NULL */
};

/* [check "NAME"]: exactly one of http, tcp, command. */
struct lb_check_conf {
	char *name;
	enum lb_check_kind kind;
	char *target;		/* the URL, HOST:PORT, or the command line */
	int expect_status;	/* http; 200 unless set */
	char *expect_body;	/* http: a substring the body must hold */
	long long within;	/* seconds to keep trying; 0: one attempt */
	long long timeout;	/* seconds one attempt may take */
	int priority;		/* 1..9, or LB_MAX_PRIO + 1 when unset */
	char *ca_file;		/* https */
	int insecure;		/* https: no verification (warned) */
};

/* c as a [check "NAME"] section that check_key reads back the same (the
 * checks a hand-off runs on the host). The values came through inih, so
 * they hold nothing it would cut. */
void lb_check_conf_write(FILE *f, const struct lb_check_conf *c);

struct lb_config {
	char *path;		/* the file read, NULL if none */
	char *dest;		/* NULL: the default */
	long long max_age;	/* seconds, -1 if unset */
	int allow_unverified;
	char *layout;		/* NULL: auto */
	int name_time_local;	/* times in archive names are local time */
	int connections;	/* [restore] connections: a segmented
				   archive's ranged reads at once; 0: the
				   default (4) */
	struct lb_store_conf *stores;
	size_t nstores;
	struct {
		char **names;
		size_t n;
	} prio[LB_MAX_PRIO];	/* p1..p9 */
	struct lb_kv *map;	/* offen directory -> volume */
	size_t nmap;
	long long rto, rpo;	/* [plan], seconds; -1 if unset */
	char *history;		/* [plan] history, NULL: the default */
	/* [plan] provision, boot, handoff: seconds, -1 if unset */
	long long provision, boot, handoff_time;
	long long verify_latest;	/* [drill], 3 unless set */
	char *scratch;		/* [drill] scratch, NULL: /var/tmp */
	struct lb_probe_conf *probes;
	size_t nprobes;
	struct lb_check_conf *checks;
	size_t nchecks;
	struct lb_kv *handoff;	/* [handoff], checked at parse time */
	size_t nhandoff;
	struct lb_kv *env;	/* [env] */
	size_t nenv;
	struct lb_kv *backup;	/* [backup], checked at parse time */
	size_t nbackup;
	char *text;		/* the config's text, for a hand-off to push */
	char **age_identity_files;	/* [trust] identity_file */
	size_t nage_identity_files;
	char *age_passphrase_file;	/* [trust] passphrase_file */
	struct lb_strv age_identities;	/* [trust] identity (inline) */
	char *age_passphrase;		/* [trust] passphrase (inline) */
	/* [trust] recipients (checked when read) and recipients_file:
	 * what lifeboat backup encrypts to */
	char **age_recipients;
	size_t nage_recipients;
	char **age_recipient_files;
	size_t nage_recipient_files;
	char *sign_key_file;		/* [trust] secret_key_file */
	char *sign_pass_file;		/* [trust] secret_key_passphrase_file */
	/* [trust], minisign: keys as given (RW... strings, checked when
	 * read; .pub files, read by the catalog), and whether a backup
	 * must be signed: -1 unset, which means yes once a key is set */
	char **trust_keys;
	size_t ntrust_keys;
	char **trust_key_files;
	size_t ntrust_key_files;
	int require_signature;
};

/* Read path into cfg (zeroed first). If path is NULL the default file is
 * read when it exists and skipped silently when it does not; "-" reads
 * standard input (how 'lifeboat handoff' passes a config and credentials
 * to the remote lifeboat without leaving a file behind). */
int lb_config_load(struct lb_config *cfg, const char *path, struct lb_err *err);

/* Add a store from --store (a URL or a plain path). */
int lb_config_add_store(struct lb_config *cfg, const char *url,
    struct lb_err *err);

/* Drop the stores from the file (--store replaces them). */
void lb_config_clear_stores(struct lb_config *cfg);

/* Priority of a volume: 1..9 from [volumes], or LB_MAX_PRIO + 1. */
int lb_config_priority(const struct lb_config *cfg, const char *volume);

/* The volume an offen directory maps to (map.DIR), or dir itself. */
const char *lb_config_map(const struct lb_config *cfg, const char *dir);

/* A [handoff] key's value, or its default (see the example config). */
const char *lb_config_handoff(const struct lb_config *cfg, const char *key);

/* The [backup] value of key (the last one given), or NULL. */
const char *lb_config_backup(const struct lb_config *cfg, const char *key);

/* The history log: LIFEBOAT_HISTORY, else [plan] history, else the
 * default; "" means none. */
const char *lb_config_history(const struct lb_config *cfg);

/* The RPO: [plan] rpo, else [restore] max_age; -1 when neither is set. */
long long lb_config_rpo(const struct lb_config *cfg);

/* The names that [env] may set: the variables lifeboat itself reads. */
int lb_config_env_name(const char *name);

/* Is s an archive layout (auto, docker, offen, plain)? The config and
 * --layout are checked by it; restore.c maps the names. */
int lb_layout_valid(const char *s);
#define LB_LAYOUT_WORDS "auto, docker, offen or plain"

/* Must a backup be signed? [trust] require_signature, else whether any
 * public key is configured in [trust] (the catalog also counts the keys of
 * LB_DEFAULT_TRUST_KEYS). */
int lb_config_require_signature(const struct lb_config *cfg);

/* Value of KEY in a store's section, or NULL. */
const char *lb_store_opt(const struct lb_store_conf *sc, const char *key);

/* A boolean of a store's section (insecure, path_style: checked when the
 * config was read), or dflt when it is not set. */
int lb_store_opt_bool(const struct lb_store_conf *sc, const char *key,
    int dflt);

void lb_config_release(struct lb_config *cfg);

#define LB_DEFAULT_CONFIG "/etc/lifeboat/lifeboat.conf"
#define LB_DEFAULT_DEST "/var/lib/docker/volumes"
#define LB_DEFAULT_HISTORY "/var/log/lifeboat/history.jsonl"
/* minisign public keys trusted besides [trust]'s (the rescue image's
 * TRUST_KEYS); LIFEBOAT_TRUST_KEYS names another file */
#define LB_DEFAULT_TRUST_KEYS "/etc/lifeboat/trusted-keys.pub"
#define LB_CONFIG_MAX (1 << 20)	/* a config longer than this is refused */

#endif
