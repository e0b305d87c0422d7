/*
 * cmd_restore.c — `ronda restore`: put files back as a snapshot has them
 * (bytes, mode, owner, mtime), recreate what was removed, and move what
 * appeared since into quarantine.  Every write is atomic and resolved
 * beneath the site's root; whatever is overwritten is kept in the vault.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/statecli.h"
#include "cli/vaultcli.h"

static void usage(FILE *f)
{
	fprintf(f, _("usage: ronda restore [options] PATH...\n"
		"   or: ronda restore [options] --all [ROOT | --site NAME]\n\n"
		"Put PATHs (and everything below them) back as the snapshot has them:\n"
		"content, mode, owner and mtime; recreate removed files, links and\n"
		"directories; move files that appeared since into quarantine (never\n"
		"delete them).  Each file is written to a temporary file in its own\n"
		"directory, fsync'd and renamed into place; the content it replaces is\n"
		"kept in the vault ('ronda quarantine list' shows it).\n\n"
		"  -a, --all              the whole site\n"
		"      --at SNAPSHOT      snapshot id, 'latest' (default) or -N (N before latest)\n"
		"  -n, --dry-run          print the plan, change nothing\n"
		"  -s, --site NAME        the site (default: the one whose root holds PATH)\n"
		"      --state DIR        state directory\n"
		"  -k, --key FILE         key of an encrypted vault (default: $RONDA_KEY_FILE)\n"
		"      --json             JSON Lines: one object per action, then a summary\n"
		"  -q, --quiet            print only errors\n"
		"  -h, --help             show this help\n\n"
		"Exit status: 0 done (or nothing to do), 2 error (each file is either\n"
		"restored or left as it was).\n"));
}

struct out {
	bool json, quiet, dry;
	unsigned n_fail;
	uint64_t counts[RONDA_ACT_CONFLICT + 1];
};

static void changed_list(unsigned c, struct ronda_buf *b)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ RONDA_CHG_CONTENT, "content" }, { RONDA_CHG_MODE, "mode" },
		{ RONDA_CHG_OWNER, "owner" }, { RONDA_CHG_MTIME, "mtime" },
		{ RONDA_CHG_TYPE, "type" },
	};

	ronda_buf_reset(b);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (c & names[i].bit) {
			if (b->len)
				ronda_buf_addstr(b, ", ");
			ronda_buf_addstr(b, names[i].name);
		}
}

static void print_item(const struct ronda_plan_item *it, void *arg)
{
	struct out *o = arg;
	struct ronda_buf tmp = RONDA_BUF_INIT(16384), chg = RONDA_BUF_INIT(256);

	o->counts[it->action]++;
	if (it->result)
		o->n_fail++;
	changed_list(it->changed, &chg);
	if (o->json) {
		json_t *j = json_object();
		char *s;

		json_object_set_new(j, "type", json_string("action"));
		json_object_set_new(j, "action", json_string(ronda_action_name(it->action)));
		json_object_set_new(j, "path", json_stringn(it->path, strlen(it->path)));
		if (!json_object_get(j, "path"))
			json_object_set_new(j, "path", json_string(cli_path(&tmp, it->path)));
		json_object_set_new(j, "changed", json_string(chg.buf));
		json_object_set_new(j, "done", json_boolean(!o->dry && !it->result));
		if (it->result)
			json_object_set_new(j, "error", json_string(ronda_strerror(it->result)));
		if (it->quarantine_id)
			json_object_set_new(j, "quarantine_id", json_integer(it->quarantine_id));
		s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (s)
			puts(s);
		free(s);
		json_decref(j);
	} else if (it->result) {
		cli_error(_("cannot %s '%s': %s"), ronda_action_name(it->action),
			  cli_path(&tmp, it->path), ronda_strerror(it->result));
	} else if (!o->quiet) {
		printf("%s%-10s %s", o->dry ? _("would ") : "", ronda_action_name(it->action),
		       cli_path(&tmp, it->path));
		if (chg.len)
			printf(" (%s)", chg.buf);
		if (it->quarantine_id)
			printf(it->action == RONDA_ACT_QUARANTINE ? _(" [quarantine %lld]")
				  : _(" [previous content kept as quarantine %lld]"),
			       (long long)it->quarantine_id);
		putchar('\n');
	}
	ronda_buf_release(&tmp);
	ronda_buf_release(&chg);
}

static void print_summary(const struct out *o, const struct ronda_plan *p)
{
	uint64_t files = o->counts[RONDA_ACT_WRITE] + o->counts[RONDA_ACT_CREATE] +
			 o->counts[RONDA_ACT_SYMLINK] + o->counts[RONDA_ACT_META] +
			 o->counts[RONDA_ACT_MKDIR];

	if (o->json) {
		printf("{\"type\":\"summary\",\"snapshot\":%lld,\"dry_run\":%s,\"restored\":%llu,"
		       "\"quarantined\":%llu,\"removed_dirs\":%llu,\"unchanged\":%llu,\"failed\":%u}\n",
		       (long long)p->snapshot_id, o->dry ? "true" : "false",
		       (unsigned long long)files,
		       (unsigned long long)o->counts[RONDA_ACT_QUARANTINE],
		       (unsigned long long)o->counts[RONDA_ACT_RMDIR],
		       (unsigned long long)p->n_unchanged, o->n_fail);
	} else if (!o->quiet) {
		printf(o->dry ? _("snapshot %lld: would restore %llu, quarantine %llu, remove %llu "
				  "empty directories; %llu unchanged\n")
			      : _("snapshot %lld: restored %llu, quarantined %llu, removed %llu "
				  "empty directories; %llu unchanged\n"),
		       (long long)p->snapshot_id, (unsigned long long)files,
		       (unsigned long long)o->counts[RONDA_ACT_QUARANTINE],
		       (unsigned long long)o->counts[RONDA_ACT_RMDIR],
		       (unsigned long long)p->n_unchanged);
	}
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "at", required_argument, NULL, 'A' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "site", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "key", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *site_name = NULL, *state = NULL, *key = NULL, *at = NULL;
	struct ronda_buf err = RONDA_BUF_INIT(8192), rel = RONDA_BUF_INIT(65536);
	struct out o = { 0 };
	struct ronda_plan plan = { 0 };
	struct ronda_site site = { 0 };
	struct ronda_vault v;
	struct ronda_db *db;
	char **rels = NULL;
	size_t n_rels = 0;
	bool all = false, whole = false;
	int64_t snap;
	int c, rc = RONDA_EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "anqs:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'A': at = optarg; break;
		case 'n': o.dry = true; break;
		case 's': site_name = optarg; break;
		case 'S': state = optarg; break;
		case 'k': key = optarg; break;
		case 'j': o.json = true; ronda_i18n_machine(true); break;
		case 'q': o.quiet = true; break;
		case 'h': usage(stdout); return RONDA_EXIT_OK;
		default: return cli_usage_error("restore", _("unknown option"));
		}
	}
	if (!all && optind >= argc)
		return cli_usage_error("restore", _("name PATHs to restore, or --all"));
	if (all && argc - optind > 1)
		return cli_usage_error("restore", _("--all takes at most one ROOT"));
	if (!vaultcli_open(state, key, false, &db, &v))
		return RONDA_EXIT_ERROR;
	if (!vaultcli_need_key(&v))
		goto out;
	if (all) {
		if (!vaultcli_site(db, optind < argc ? argv[optind] : NULL, site_name, false, &site))
			goto out;
		whole = true;
	} else if (site_name) {
		if (!vaultcli_site(db, NULL, site_name, false, &site))
			goto out;
	} else if (!vaultcli_site_of(db, argv[optind], &site)) {
		cli_error(_("'%s' is not inside any known site; name one with --site"),
			  cli_path(&err, argv[optind]));
		goto out;
	}
	if (!all) {
		rels = xcalloc((size_t)(argc - optind), sizeof(*rels));
		for (int i = optind; i < argc; i++) {
			if (!vaultcli_relpath(site.root, argv[i], &rel)) {
				cli_error(_("'%s' is not inside site '%s' (%s)"), argv[i], site.name,
					  site.root);
				goto out;
			}
			if (!rel.len)
				whole = true;
			rels[n_rels++] = xstrdup(rel.buf);
		}
	}
	if ((rc = ronda_snapshot_find(&v, site.id, at, &snap, &err)) ||
	    (rc = ronda_restore_plan(&v, &site, snap, (const char *const *)rels,
				     whole ? 0 : n_rels, &plan, &err))) {
		cli_error("%s", err.buf);
		rc = RONDA_EXIT_ERROR;
		goto out;
	}
	if (o.dry) {
		for (size_t i = 0; i < plan.n; i++)
			print_item(&plan.items[i], &o);
		rc = RONDA_EXIT_OK;
	} else {
		rc = ronda_restore_apply(&v, &plan, "restore", print_item, &o, &err);
		rc = rc ? RONDA_EXIT_ERROR : RONDA_EXIT_OK;
	}
	print_summary(&o, &plan);
out:
	for (size_t i = 0; i < n_rels; i++)
		free(rels[i]);
	free(rels);
	ronda_plan_release(&plan);
	ronda_site_release(&site);
	vaultcli_close(db, &v);
	ronda_buf_release(&err);
	ronda_buf_release(&rel);
	return rc;
}

const struct ronda_command ronda_command_restore = { "restore", run, RONDA_CMD_NEEDS_STATE, 42, N_("put files back as a snapshot has them") };
