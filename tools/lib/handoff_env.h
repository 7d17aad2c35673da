/*
 * handoff_env.h: what a hand-off hands on, and how secrets travel: the
 * config pushed to the rescued host's lifeboat through ssh's stdin (with
 * the credentials of push_env in an [env] section of its own), and the
 * environment of the local steps (terraform gets TF_VAR_vps_ipv4 and the
 * TF_VAR_* of tf_vars, from the environment or an env file). Values are
 * never put in an argv, a file or a message; the callers wipe them.
 */
#ifndef LB_HANDOFF_ENV_H
#define LB_HANDOFF_ENV_H

#include <stddef.h>

#include "config.h"
#include "lb.h"
#include "strv.h"

/* The config to push: remote_config (NULL: cfg's own text) without its
 * [env] sections; then, unless push_identities is off, a [trust] section
 * with the age identities and passphrase lifeboat decrypts with here
 * (identity and passphrase lines: the files' contents, never their paths,
 * whose lines cfg's own text loses); then one [env] holding the variables
 * of push_env that have a value: the operator's environment's, else cfg's
 * [env], else the pushed file's. names gets their names and how many
 * identities go (for messages). NULL with err (LB_EUSAGE: a bad push_env,
 * an identity that does not load, a value inih would cut) on failure; the
 * caller wipes and frees the text. */
char *lb_handoff_pushed_config(const struct lb_config *cfg,
    const char *remote_config, size_t *len, char *names, size_t nlen,
    struct lb_err *err);

/* The environment of a local step into env: ours, and for terraform (tf)
 * TF_VAR_vps_ipv4=host and TF_VAR_NAME for each name of tf_vars, from our
 * environment or else tf_var_file (NAME=VALUE lines as a shell or an env
 * file has them). shown gets the added names, values hidden but the
 * address's. LB_EUSAGE when a variable is found nowhere. The caller
 * releases env with wiping. */
int lb_handoff_env(const struct lb_config *cfg, const char *host,
    const char *tf_var_file, int tf, struct lb_strv *env, char *shown,
    size_t slen, struct lb_err *err);

#endif
