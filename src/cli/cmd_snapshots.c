/*
 * cmd_snapshots.c — `ronda snapshots`: list the vault's snapshots.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/statecli.h"
#include "cli/vaultcli.h"

static void usage(FILE *f)
{
	fprintf(f, _("usage: ronda snapshots [options] [ROOT]\n\n"
		"List snapshots, oldest first: id, time, site, files, bytes, and the\n"
		"bytes the vault grew by when it was taken.\n\n"
		"  -s, --site NAME        only this site (or give its ROOT)\n"
		"      --state DIR        state directory\n"
		"      --json             one JSON object per snapshot\n"
		"  -h, --help             show this help\n\n"
		"Exit status: 0 listed, 2 error.\n"));
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *site_name = NULL, *state = NULL, *root = NULL;
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_snapshot_info *list = NULL;
	struct ronda_site site = { 0 };
	struct ronda_vault v;
	struct ronda_db *db;
	bool json = false;
	size_t n = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': site_name = optarg; break;
		case 'S': state = optarg; break;
		case 'j': json = true; ronda_i18n_machine(true); break;
		case 'h': usage(stdout); return RONDA_EXIT_OK;
		default: return cli_usage_error("snapshots", _("unknown option"));
		}
	}
	if (optind < argc)
		root = argv[optind++];
	if (optind < argc)
		return cli_usage_error("snapshots", _("one ROOT at a time"));
	if (!vaultcli_open(state, NULL, false, &db, &v))
		return RONDA_EXIT_ERROR;
	if ((root || site_name) && !vaultcli_site(db, root, site_name, false, &site)) {
		vaultcli_close(db, &v);
		return RONDA_EXIT_ERROR;
	}
	rc = ronda_snapshot_list(&v, site.id, &list, &n, &err);
	if (rc)
		cli_error("%s", err.buf);
	if (!rc && !json && n)
		printf("%-6s %-19s %-20s %9s %10s %10s\n", _("ID"), _("TIME"), _("SITE"),
		       _("FILES"), _("BYTES"), _("NEW"));
	for (size_t i = 0; i < n; i++) {
		struct ronda_snapshot_info *s = &list[i];
		char when[32], total[32], fresh[32];

		vaultcli_time(s->created_ns, when, sizeof(when));
		if (json) {
			json_t *o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:s}",
					      "id", (json_int_t)s->id, "time", when,
					      "time_ns", (json_int_t)s->created_ns,
					      "site", s->site, "root", s->root,
					      "files", (json_int_t)s->n_files,
					      "bytes", (json_int_t)s->n_bytes,
					      "new_objects", (json_int_t)s->n_new_objects,
					      "new_bytes", (json_int_t)s->n_new_bytes,
					      "encrypted", s->encrypted, "message", s->message);
			char *t = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
			if (t)
				puts(t);
			free(t);
			json_decref(o);
		} else {
			statecli_human_size(total, sizeof(total), s->n_bytes);
			statecli_human_size(fresh, sizeof(fresh), s->n_new_bytes);
			printf("%-6lld %-19s %-20s %9llu %10s %10s\n", (long long)s->id, when,
			       s->site, (unsigned long long)s->n_files, total, fresh);
		}
		ronda_snapshot_info_release(s);
	}
	if (!rc && !json && !n)
		printf(_("no snapshots yet; make one with 'ronda snapshot ROOT'\n"));
	free(list);
	ronda_site_release(&site);
	vaultcli_close(db, &v);
	ronda_buf_release(&err);
	return rc ? RONDA_EXIT_ERROR : RONDA_EXIT_OK;
}

const struct ronda_command ronda_command_snapshots = { "snapshots", run, RONDA_CMD_NEEDS_STATE, 41, N_("list the vault's snapshots") };
