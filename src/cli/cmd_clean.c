/*
 * cmd_clean.c — `ronda clean ROOT`: the one-command recovery.  Scan the
 * site, plan (quarantine what was injected since the latest snapshot,
 * restore what was modified from the newest snapshot whose copy scans
 * clean), show the plan, ask, do it, scan again and report everything.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/statecli.h"
#include "cli/vaultcli.h"
#include "core/scan.h"

static void usage(FILE *f)
{
	fprintf(f, _("usage: ronda clean [options] ROOT\n\n"
		"Put a hacked site back in one step: scan ROOT; plan to move every\n"
		"flagged file that the latest snapshot does not have into quarantine,\n"
		"and to restore every flagged file the snapshots have from the newest\n"
		"snapshot whose stored copy scans clean; show the plan and ask; do it\n"
		"(each file atomically, the replaced content kept in the vault); scan\n"
		"again and report what was done and what is left.\n\n"
		"  -y, --yes              do it without asking (needed when standard\n"
		"                         input is not a terminal)\n"
		"  -n, --dry-run          show the plan only\n"
		"      --severity SEV     act on findings at or above SEV (low, medium,\n"
		"                         high, critical; default medium)\n"
		"  -s, --site NAME        site name (default: from ROOT)\n"
		"      --state DIR        state directory\n"
		"  -k, --key FILE         key of an encrypted vault (default: $RONDA_KEY_FILE)\n"
		"  -t, --threads N        scan threads (default: one per core)\n"
		"      --json             JSON Lines: actions, what is left, a summary\n"
		"  -h, --help             show this help\n\n"
		"Exit status: 0 the site scans clean afterwards (or had nothing to do),\n"
		"1 findings remain (or --dry-run found some), 2 error or declined.\n"));
}

struct out {
	bool json, dry;
	unsigned n_fail;
	uint64_t n_quarantined, n_restored;
};

static void json_line(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);

	if (s)
		puts(s);
	free(s);
	json_decref(o);
}

static json_t *json_path(const char *p)
{
	json_t *j = json_stringn(p, strlen(p));

	if (!j) {
		struct ronda_buf e = RONDA_BUF_INIT(65536);
		ronda_buf_add_escaped(&e, p, strlen(p));
		j = json_string(e.buf);
		ronda_buf_release(&e);
	}
	return j;
}

static void print_item(const struct ronda_plan_item *it, void *arg)
{
	struct out *o = arg;
	struct ronda_buf tmp = RONDA_BUF_INIT(16384);
	bool q = it->action == RONDA_ACT_QUARANTINE;
	bool done = !o->dry && !it->result;

	if (it->result)
		o->n_fail++;
	else if (done && q)
		o->n_quarantined++;
	else if (done)
		o->n_restored++;
	if (o->json) {
		json_t *j = json_object();

		json_object_set_new(j, "type", json_string("action"));
		json_object_set_new(j, "action", json_string(q ? "quarantine" : "restore"));
		json_object_set_new(j, "path", json_path(it->path));
		json_object_set_new(j, "rule", json_string(it->rule ? it->rule : ""));
		if (!q)
			json_object_set_new(j, "snapshot", json_integer(it->from_snapshot));
		json_object_set_new(j, "done", json_boolean(done));
		if (it->result)
			json_object_set_new(j, "error", json_string(ronda_strerror(it->result)));
		if (it->quarantine_id)
			json_object_set_new(j, "quarantine_id", json_integer(it->quarantine_id));
		json_line(j);
	} else if (it->result) {
		cli_error(_("cannot %s '%s': %s"), q ? _("quarantine") : _("restore"),
			  cli_path(&tmp, it->path), ronda_strerror(it->result));
	} else if (q) {
		printf(o->dry ? _("  quarantine %s  (%s)\n") : _("quarantined %s  (%s) as %lld\n"),
		       cli_path(&tmp, it->path), it->rule ? it->rule : "-",
		       (long long)it->quarantine_id);
	} else {
		printf(o->dry ? _("  restore    %s  (%s) from snapshot %lld\n")
			      : _("restored    %s  (%s) from snapshot %lld\n"),
		       cli_path(&tmp, it->path), it->rule ? it->rule : "-",
		       (long long)it->from_snapshot);
	}
	ronda_buf_release(&tmp);
}

static bool ask(void)
{
	char line[64];

	fprintf(stderr, _("apply this plan? [y/N] "));
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "yes", no_argument, NULL, 'y' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "severity", required_argument, NULL, 'V' },
		{ "site", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "key", required_argument, NULL, 'k' },
		{ "threads", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *site_name = NULL, *state = NULL, *key = NULL, *root = NULL;
	struct ronda_buf err = RONDA_BUF_INIT(8192), tmp = RONDA_BUF_INIT(16384);
	struct ronda_scan_opts so;
	struct ronda_engine *e = NULL;
	struct ronda_plan plan = { 0 };
	struct ronda_site site = { 0 };
	struct ronda_vault v = { 0 };
	struct ronda_db *db = NULL;
	struct out o = { 0 };
	char **left = NULL;
	const char **left_rules = NULL;
	size_t n_left = 0;
	bool yes = false;
	int min = RONDA_SEV_MEDIUM, c, rc = RONDA_EXIT_ERROR;
	unsigned long long threads = 0;

	while ((c = getopt_long(argc, argv, "ynV:s:k:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'y': yes = true; break;
		case 'n': o.dry = true; break;
		case 'V':
			min = ronda_severity_parse(optarg);
			if (min < 0)
				return cli_usage_error("clean", _("unknown severity '%s'"), optarg);
			break;
		case 's': site_name = optarg; break;
		case 'S': state = optarg; break;
		case 'k': key = optarg; break;
		case 't':
			if (ronda_parse_uint(optarg, 1, 1024, &threads))
				return cli_usage_error("clean", _("invalid thread count '%s'"), optarg);
			break;
		case 'j': o.json = true; ronda_i18n_machine(true); break;
		case 'h': usage(stdout); return RONDA_EXIT_OK;
		default: return cli_usage_error("clean", _("unknown option"));
		}
	}
	if (optind < argc)
		root = argv[optind++];
	if (optind < argc)
		return cli_usage_error("clean", _("one ROOT at a time"));
	if (!root && !site_name)
		return cli_usage_error("clean", _("no ROOT given"));
	if (!o.dry && !yes && !isatty(STDIN_FILENO)) {
		cli_error(_("refusing to change files without --yes: standard input is not a "
			    "terminal (use --dry-run to see the plan)"));
		return RONDA_EXIT_ERROR;
	}
	if (!vaultcli_open(state, key, true, &db, &v))
		return RONDA_EXIT_ERROR;
	if (!vaultcli_need_key(&v) || !vaultcli_site(db, root, site_name, root != NULL, &site))
		goto out;
	memset(&so, 0, sizeof(so));
	so.threads = (unsigned)threads;
	if (ronda_engine_new(&so, &e, &err)) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (ronda_quarantine_reconcile(&v, &err))
		cli_warn("%s", err.buf);
	if (ronda_clean_plan(&v, &site, e, &so, min, &plan, &err)) {
		cli_error("%s", err.len ? err.buf : _("scan failed"));
		goto out;
	}
	if (!plan.snapshot_id && !o.json)
		cli_warn(_("site '%s' has no snapshot: flagged files can only be quarantined "
			   "(take one with 'ronda snapshot' once the site is clean)"), site.name);
	if (!o.json) {
		printf(_("scanned '%s': %llu files flagged at %s or above\n"),
		       cli_path(&tmp, site.root), (unsigned long long)plan.n_flagged,
		       ronda_severity_name((enum ronda_severity)min));
		if (plan.n && (o.dry || !yes))
			printf(_("plan:\n"));
	}
	if (o.dry || !plan.n) {
		bool saved = o.dry;

		o.dry = true;
		for (size_t i = 0; i < plan.n; i++)
			print_item(&plan.items[i], &o);
		o.dry = saved;
	}
	for (size_t i = 0; i < plan.n_unresolved; i++) {
		struct ronda_unresolved *u = &plan.unresolved[i];

		if (o.json) {
			json_t *j = json_object();
			json_object_set_new(j, "type", json_string("unresolved"));
			json_object_set_new(j, "path", json_path(u->path));
			json_object_set_new(j, "rule", json_string(u->rule ? u->rule : ""));
			json_object_set_new(j, "reason", json_string(u->why));
			json_line(j);
		} else {
			printf(_("  cannot fix %s  (%s): %s\n"), cli_path(&tmp, u->path),
			       u->rule ? u->rule : "-", _(u->why));
		}
	}
	if (o.dry) {
		rc = plan.n_flagged ? RONDA_EXIT_FINDINGS : RONDA_EXIT_OK;
		goto summary;
	}
	if (plan.n) {
		if (!yes) {
			for (size_t i = 0; i < plan.n; i++) {
				o.dry = true;
				print_item(&plan.items[i], &o);
				o.dry = false;
			}
			if (!ask()) {
				cli_error(_("nothing changed"));
				rc = RONDA_EXIT_ERROR;
				goto out;
			}
		}
		if (ronda_restore_apply(&v, &plan, "clean", print_item, &o, &err))
			cli_error("%s", err.buf);
	}
	/* scan again: what is left? */
	if (ronda_clean_flagged(e, site.root, &so, min, &left, &left_rules, &n_left, &err)) {
		cli_error("%s", err.len ? err.buf : _("scan failed"));
		goto out;
	}
	for (size_t i = 0; i < n_left; i++) {
		if (o.json) {
			json_t *j = json_object();
			json_object_set_new(j, "type", json_string("remaining"));
			json_object_set_new(j, "path", json_path(left[i]));
			json_object_set_new(j, "rule", json_string(left_rules[i]));
			json_line(j);
		} else {
			printf(_("still flagged: %s  (%s)\n"), cli_path(&tmp, left[i]), left_rules[i]);
		}
	}
	rc = o.n_fail ? RONDA_EXIT_ERROR : n_left ? RONDA_EXIT_FINDINGS : RONDA_EXIT_OK;
summary:
	if (o.json) {
		json_t *j = json_object();
		json_object_set_new(j, "type", json_string("summary"));
		json_object_set_new(j, "command", json_string("clean"));
		json_object_set_new(j, "site", json_string(site.name));
		json_object_set_new(j, "snapshot", json_integer(plan.snapshot_id));
		json_object_set_new(j, "dry_run", json_boolean(o.dry));
		json_object_set_new(j, "flagged", json_integer((json_int_t)plan.n_flagged));
		json_object_set_new(j, "quarantined", json_integer((json_int_t)o.n_quarantined));
		json_object_set_new(j, "restored", json_integer((json_int_t)o.n_restored));
		json_object_set_new(j, "unresolved", json_integer((json_int_t)plan.n_unresolved));
		json_object_set_new(j, "failed", json_integer(o.n_fail));
		json_object_set_new(j, "remaining", json_integer((json_int_t)n_left));
		json_line(j);
	} else if (!o.dry) {
		printf(_("done: %llu quarantined, %llu restored, %u failed, %zu unresolved; "
			 "%zu files still flagged\n"),
		       (unsigned long long)o.n_quarantined, (unsigned long long)o.n_restored,
		       o.n_fail, plan.n_unresolved, n_left);
		if (o.n_quarantined || o.n_restored)
			printf(_("everything removed or replaced is kept: 'ronda quarantine list'\n"));
	}
out:
	for (size_t i = 0; i < n_left; i++)
		free(left[i]);
	free(left);
	free(left_rules);
	ronda_plan_release(&plan);
	if (e)
		ronda_engine_free(e);
	ronda_site_release(&site);
	vaultcli_close(db, &v);
	ronda_buf_release(&err);
	ronda_buf_release(&tmp);
	return rc;
}

const struct ronda_command ronda_command_clean = { "clean", run, RONDA_CMD_NEEDS_STATE, 45, N_("scan, quarantine what was injected, restore what was modified") };
