/*
 * cmd_list.c: "lifeboat list": every store's backups, newest first, with
 * whether each can be verified, and every store that did not answer.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "clock.h"
#include "common.h"
#include "json.h"

static const char usage[] =
"usage: lifeboat list [--store URL]...\n"
"\n"
"List the backups of every store, newest first. STATUS is 'ok' when the\n"
"archive has a checksum to verify it against, 'age' when it is an .age\n"
"archive without one (its chunks authenticate it as it decrypts),\n"
"'unverified' (with the reason) when it has neither, and 'refused' (with\n"
"the reason) for what lifeboat cannot read (OpenPGP, ASCII-armored age).\n"
"A store that cannot be read is shown with its error. With [trust]\n"
"minisign keys, a signed backup shows its signer's key id and trusted\n"
"comment, and one that may not be restored is 'unsigned' or\n"
"'bad-signature', with the reason. Nothing is downloaded but the checksum\n"
"and signature files and the first bytes of .age archives.\n"
"\n"
"  --store URL  a store (repeatable); replaces the config's\n"
"  -h, --help   show this help and exit\n";

/* A trusted comment on one line of a terminal: control characters (the
 * TABs minisign puts between its fields) shown as spaces. */
static void
put_comment(const char *s)
{
	for (; *s != '\0'; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s);
}

static void
print_json(const struct lb_catalog *cat)
{
	struct lb_json j;
	const char *why;
	char t[32], auth[32];
	size_t i;

	lb_json_init(&j);
	lb_json_arr(&j);
	for (i = 0; i < cat->nbackups; i++) {
		const struct lb_backup *b = &cat->backups[i];

		lb_json_obj(&j);
		lb_json_key(&j, "name");
		lb_json_str(&j, b->name);
		lb_json_key(&j, "store");
		lb_json_str(&j, cat->confs[b->store]->name);
		lb_time_iso(b->time, t, sizeof(t));
		lb_json_key(&j, "time");
		lb_json_str(&j, t);
		lb_json_key(&j, "time_source");
		lb_json_str(&j, b->time_from_name ? "name" : "mtime");
		lb_json_key(&j, "size");
		if (b->size >= 0)
			lb_json_int(&j, b->size);
		else		/* an HTML listing tells no size */
			lb_json_str(&j, NULL);
		lb_json_key(&j, "status");
		lb_json_str(&j, lb_backup_status(cat, b, &why));
		lb_json_key(&j, "reason");
		lb_json_str(&j, why);
		/* what can be proven */
		lb_json_key(&j, "integrity");
		lb_json_str(&j, lb_backup_integrity(b));
		lb_json_key(&j, "encryption");
		lb_json_str(&j, b->age ? "age" : b->refused ? "openpgp" :
		    NULL);
		lb_json_key(&j, "authenticity");
		if (b->sig == LB_SIG_OK || b->sig == LB_SIG_STREAM) {
			snprintf(auth, sizeof(auth), "minisign:%s", b->key_id);
			lb_json_str(&j, auth);
		} else
			lb_json_str(&j, "none");
		lb_json_key(&j, "signature");
		lb_json_str(&j, b->sig_file);
		lb_json_key(&j, "trusted_comment");
		lb_json_str(&j, b->trusted_comment);
		lb_json_obj_end(&j);
	}
	for (i = 0; i < cat->nfailures; i++) {
		lb_json_obj(&j);
		lb_json_key(&j, "name");
		lb_json_str(&j, NULL);
		lb_json_key(&j, "store");
		lb_json_str(&j, cat->failures[i].store);
		lb_json_key(&j, "status");
		lb_json_str(&j, "unreachable");
		lb_json_key(&j, "reason");
		lb_json_str(&j, cat->failures[i].error);
		lb_json_obj_end(&j);
	}
	lb_json_arr_end(&j);
	if (!j.failed)
		puts(j.buf);
	lb_json_release(&j);
}

static void
list_notice(void *arg, const char *msg)
{
	lb_cli_warn(arg, "%s", msg);
}

int
cmd_list(struct lb_cli *cli, int argc, char **argv)
{
	enum { O_STORE = 256 };
	static const struct option opts[] = {
		{ "store", required_argument, NULL, O_STORE },
		{ "help", no_argument, NULL, 'h' },
		LB_CLI_GLOBAL_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct lb_catalog cat;
	struct lb_config cfg;
	struct lb_err err;
	char **stores = NULL, t[32], size[32];
	const char *st, *why;
	size_t nstores = 0, i;
	int ch, rc, r;

	memset(&cfg, 0, sizeof(cfg));
	memset(&cat, 0, sizeof(cat));
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv,
	    ":h" LB_CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		switch (ch) {
		case O_STORE:
			if (lb_cli_push(&stores, &nstores, optarg) != 0)
				return LB_EXIT_FAIL;
			break;
		case 'h':
			rc = lb_cli_help(cli, usage);
			goto out;
		case ':':
			rc = lb_cli_usage(cli, "list", "option '%s' needs an "
			    "argument", lb_cli_bad_option(argc, argv));
			goto out;
		default:
			if (lb_cli_global_opt(cli, ch, optarg))
				break;
			rc = lb_cli_usage(cli, "list", "unknown option '%s'",
			    lb_cli_bad_option(argc, argv));
			goto out;
		}
	}
	if (optind < argc) {
		rc = lb_cli_usage(cli, "list", "unexpected argument '%s'",
		    argv[optind]);
		goto out;
	}
	if ((rc = lb_cli_config(cli, &cfg, stores, nstores)) != LB_EXIT_OK)
		goto out;
	lb_err_clear(&err);
	r = lb_catalog_build(&cat, &cfg, list_notice, cli, &err);
	for (i = 0; i < cat.nfailures; i++)
		lb_cli_error(cli, "%s", cat.failures[i].error);
	if (r != LB_OK && r != LB_ESTORE) {
		if (cat.nfailures == 0)
			lb_cli_error(cli, "%s", err.msg);
		rc = lb_cli_exit_for(r);
		goto out;
	}
	lb_catalog_peek_age(&cat);
	if (cli->json)
		print_json(&cat);
	else {
		if (cat.nbackups > 0)
			printf("%-48s %-20s %10s  %-10s %s\n", "NAME", "TIME",
			    "SIZE", "STATUS", "STORE");
		for (i = 0; i < cat.nbackups; i++) {
			const struct lb_backup *b = &cat.backups[i];

			lb_time_iso(b->time, t, sizeof(t));
			lb_cli_human_bytes(b->size, size, sizeof(size));
			st = lb_backup_status(&cat, b, &why);
			printf("%-48s %-20s %10s  %-10s %s%s%s%s", b->name, t,
			    size, st, cat.confs[b->store]->name,
			    why ? " (" : "", why ? why : "", why ? ")" : "");
			if (b->sig == LB_SIG_OK || b->sig == LB_SIG_STREAM) {
				printf(" [signed by %s: ", b->key_id);
				put_comment(b->trusted_comment);
				putchar(']');
			}
			putchar('\n');
		}
		if (cat.nbackups == 0 && r == LB_OK && cli->verbosity >= 0)
			fprintf(stderr, "%s: no backup archive in the "
			    "store%s\n", cli->prog, cat.nstores > 1 ? "s" : "");
	}
	rc = lb_cli_finish(cli, r == LB_OK ? LB_EXIT_OK : LB_EXIT_STORE);
out:
	lb_catalog_release(&cat);
	lb_config_release(&cfg);
	free(stores);
	return rc;
}
