/*
 * cmd_quarantine.c — `ronda quarantine`: move files out of a web root into
 * the vault (content compressed, optionally encrypted; original path,
 * metadata, hash and the rule that caught them recorded), list them, put
 * one back, forget old ones.
 */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/statecli.h"
#include "cli/vaultcli.h"
#include "vault/fsops.h"

static void usage(FILE *f)
{
	fprintf(f, _("usage: ronda quarantine [options] FILE...\n"
		"   or: ronda quarantine list [--json]\n"
		"   or: ronda quarantine restore [--force] ID\n"
		"   or: ronda quarantine purge --older-than AGE\n\n"
		"Move FILEs out of the web root into the vault: the content is stored\n"
		"(compressed, encrypted with a key) with the original path, mode, owner,\n"
		"times, SHA-256 and the rule that caught it, then the file is removed\n"
		"from the web root, so nothing of it is left to execute.  Symbolic links\n"
		"are quarantined as links.  'list' shows what is held (also the content\n"
		"a restore replaced), 'restore ID' puts a file back, 'purge' forgets\n"
		"entries older than AGE (30d, 12h, 90m, 45s) and frees their space.\n\n"
		"  -r, --rule ID          the rule that caught the files (recorded)\n"
		"  -s, --site NAME        the site the files belong to (default: the one\n"
		"                         whose root holds FILE; else FILE's directory)\n"
		"      --state DIR        state directory\n"
		"  -k, --key FILE         encrypt with / decrypt with this key\n"
		"                         (default: $RONDA_KEY_FILE)\n"
		"  -f, --force            restore: quarantine what is at the path now\n"
		"      --older-than AGE   purge: entries older than AGE\n"
		"      --json             list: one JSON object per entry\n"
		"  -h, --help             show this help\n\n"
		"Exit status: 0 done, 2 error (a file is either quarantined or left\n"
		"where it was).\n"));
}

static int do_list(struct ronda_vault *v, bool json)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096), tmp = RONDA_BUF_INIT(16384);
	struct ronda_qitem *items;
	size_t n;
	int rc;

	if ((rc = ronda_quarantine_list(v, &items, &n, &err))) {
		cli_error("%s", err.buf);
		ronda_buf_release(&err);
		return RONDA_EXIT_ERROR;
	}
	if (!json && n)
		printf("%-6s %-19s %-9s %-28s %10s %s\n", _("ID"), _("TIME"), _("STATE"),
		       _("RULE"), _("SIZE"), _("PATH"));
	for (size_t i = 0; i < n; i++) {
		struct ronda_qitem *q = &items[i];
		char when[32], size[32];

		vaultcli_time(q->created_ns, when, sizeof(when));
		ronda_buf_reset(&tmp);
		ronda_buf_addf(&tmp, "%s%s%s", q->root, strcmp(q->root, "/") ? "/" : "", q->path);
		if (json) {
			json_t *o = json_object();
			json_t *p = json_stringn(tmp.buf, tmp.len);
			char *s;

			json_object_set_new(o, "id", json_integer(q->id));
			json_object_set_new(o, "time", json_string(when));
			json_object_set_new(o, "state", json_string(q->state));
			json_object_set_new(o, "rule", json_string(q->rule));
			json_object_set_new(o, "reason", json_string(q->reason));
			if (!p) {
				struct ronda_buf e = RONDA_BUF_INIT(65536);
				ronda_buf_add_escaped(&e, tmp.buf, tmp.len);
				p = json_string(e.buf);
				ronda_buf_release(&e);
			}
			json_object_set_new(o, "path", p);
			json_object_set_new(o, "type", json_stringn(&q->type, 1));
			json_object_set_new(o, "mode", json_integer(q->mode));
			json_object_set_new(o, "uid", json_integer(q->uid));
			json_object_set_new(o, "gid", json_integer(q->gid));
			json_object_set_new(o, "size", json_integer((json_int_t)q->size));
			json_object_set_new(o, "sha256", json_string(q->hash));
			s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
			if (s)
				puts(s);
			free(s);
			json_decref(o);
		} else {
			struct ronda_buf e = RONDA_BUF_INIT(65536);

			statecli_human_size(size, sizeof(size), q->size);
			ronda_buf_add_escaped(&e, tmp.buf, tmp.len);
			printf("%-6lld %-19s %-9s %-28s %10s %s\n", (long long)q->id, when, q->state,
			       *q->rule ? q->rule : "-", size, e.buf);
			ronda_buf_release(&e);
		}
		ronda_qitem_release(q);
	}
	if (!json && !n)
		printf(_("nothing in quarantine\n"));
	free(items);
	ronda_buf_release(&err);
	ronda_buf_release(&tmp);
	return RONDA_EXIT_OK;
}

/* Quarantine one command-line FILE; returns 0 or an exit status. */
static int move_one(struct ronda_db *db, struct ronda_vault *v, const char *site_name,
		    const char *arg, const char *rule)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096), rel = RONDA_BUF_INIT(65536),
			 tmp = RONDA_BUF_INIT(16384);
	struct ronda_site site = { 0 };
	char *root = NULL;
	int64_t id = 0;
	int rootfd = -1, rc = RONDA_EXIT_ERROR;

	if (site_name) {
		if (!vaultcli_site(db, NULL, site_name, false, &site))
			goto out;
	} else {
		vaultcli_site_of(db, arg, &site);
	}
	if (site.id) {
		root = xstrdup(site.root);
		if (!vaultcli_relpath(root, arg, &rel) || !rel.len) {
			cli_error(_("'%s' is not a file inside site '%s'"), cli_path(&tmp, arg),
				  site.name);
			goto out;
		}
	} else {
		/* no site: the file's own (resolved) directory is the root */
		const char *slash = strrchr(arg, '/');
		char *dir = slash ? xstrndup(arg, (size_t)(slash - arg)) : xstrdup(".");

		root = realpath(*dir ? dir : "/", NULL);
		free(dir);
		if (!root || (slash && !slash[1])) {
			cli_error(_("cannot quarantine '%s': no such file or directory"),
				  cli_path(&tmp, arg));
			goto out;
		}
		ronda_buf_addstr(&rel, slash ? slash + 1 : arg);
	}
	if (ronda_fs_open_root(root, &rootfd)) {
		cli_error(_("cannot open '%s'"), cli_path(&tmp, root));
		goto out;
	}
	if (ronda_quarantine_move(v, site.id ? &site : NULL, rootfd, root, rel.buf, rule,
				  "quarantine", &id, &err)) {
		cli_error("%s", err.buf);
		goto out;
	}
	printf(_("quarantined '%s' as %lld\n"), cli_path(&tmp, arg), (long long)id);
	rc = 0;
out:
	if (rootfd >= 0)
		close(rootfd);
	free(root);
	ronda_site_release(&site);
	ronda_buf_release(&err);
	ronda_buf_release(&rel);
	ronda_buf_release(&tmp);
	return rc;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rule", required_argument, NULL, 'r' },
		{ "site", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "key", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *rule = NULL, *site_name = NULL, *state = NULL, *key = NULL, *older = NULL;
	const char *sub = NULL;
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_vault v;
	struct ronda_db *db;
	bool force = false, json = false;
	int c, rc = RONDA_EXIT_OK;

	while ((c = getopt_long(argc, argv, "r:s:k:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': rule = optarg; break;
		case 's': site_name = optarg; break;
		case 'S': state = optarg; break;
		case 'k': key = optarg; break;
		case 'f': force = true; break;
		case 'o': older = optarg; break;
		case 'j': json = true; ronda_i18n_machine(true); break;
		case 'h': usage(stdout); return RONDA_EXIT_OK;
		default: return cli_usage_error("quarantine", _("unknown option"));
		}
	}
	if (optind >= argc)
		return cli_usage_error("quarantine", _("name FILEs, or list, restore ID, purge"));
	if (!strcmp(argv[optind], "list") || !strcmp(argv[optind], "restore") ||
	    !strcmp(argv[optind], "purge"))
		sub = argv[optind++];
	if (sub && !strcmp(sub, "list") && optind < argc)
		return cli_usage_error("quarantine", _("list takes no arguments"));
	if (sub && !strcmp(sub, "restore") && optind + 1 != argc)
		return cli_usage_error("quarantine", _("restore takes one ID"));
	if (sub && !strcmp(sub, "purge") && (!older || optind < argc))
		return cli_usage_error("quarantine", _("purge needs --older-than AGE"));
	if (!sub && optind >= argc)
		return cli_usage_error("quarantine", _("name FILEs to quarantine"));
	if (!vaultcli_open(state, key, !sub, &db, &v))
		return RONDA_EXIT_ERROR;
	if ((!sub || strcmp(sub, "list")) && !vaultcli_need_key(&v)) {
		vaultcli_close(db, &v);
		return RONDA_EXIT_ERROR;
	}
	if (ronda_quarantine_reconcile(&v, &err))
		cli_warn("%s", err.buf);
	if (!sub) {
		for (int i = optind; i < argc; i++)
			if (move_one(db, &v, site_name, argv[i], rule))
				rc = RONDA_EXIT_ERROR;
	} else if (!strcmp(sub, "list")) {
		rc = do_list(&v, json);
	} else if (!strcmp(sub, "restore")) {
		unsigned long long id;

		if (ronda_parse_uint(argv[optind], 1, INT64_MAX, &id)) {
			rc = cli_usage_error("quarantine", _("'%s' is not a quarantine id"),
					     argv[optind]);
		} else if (ronda_quarantine_restore(&v, (int64_t)id, force, &err)) {
			cli_error("%s", err.buf);
			rc = RONDA_EXIT_ERROR;
		} else {
			printf(_("restored quarantine %llu\n"), id);
		}
	} else {
		uint64_t age, n = 0;

		if (ronda_parse_duration(older, &age)) {
			rc = cli_usage_error("quarantine", _("invalid age '%s' (use e.g. 30d, 12h)"),
					     older);
		} else if (ronda_quarantine_purge(&v, age, &n, &err)) {
			cli_error("%s", err.buf);
			rc = RONDA_EXIT_ERROR;
		} else {
			printf(_("purged %llu quarantine entries\n"), (unsigned long long)n);
		}
	}
	vaultcli_close(db, &v);
	ronda_buf_release(&err);
	return rc;
}

const struct ronda_command ronda_command_quarantine = { "quarantine", run, RONDA_CMD_NEEDS_STATE, 43, N_("move files into the vault, list, restore, purge") };
