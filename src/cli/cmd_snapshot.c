/*
 * cmd_snapshot.c — `ronda snapshot ROOT`: store the site's files in the
 * vault (each distinct content once, compressed, optionally encrypted) and
 * record a manifest; files unchanged since the previous snapshot cost a
 * stat and a row.
 */
#include <getopt.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/statecli.h"
#include "cli/vaultcli.h"

#define MAX_WARNINGS 50

static void usage(FILE *f)
{
	fprintf(f, _("usage: ronda snapshot [options] ROOT\n"
		"   or: ronda snapshot [options] --site NAME\n\n"
		"Store every file under ROOT in the vault and record a manifest (path,\n"
		"type, mode, owner, size, mtime, content hash, link target).  Each\n"
		"distinct content is stored once, zstd-compressed; with a key, encrypted.\n"
		"Files whose size, mtime, ctime and inode match the previous snapshot\n"
		"are not read again.  Symbolic links are recorded, never followed.\n\n"
		"  -s, --site NAME        site name (default: from ROOT)\n"
		"      --state DIR        state directory\n"
		"  -k, --key FILE         encrypt new objects with this key\n"
		"                         (default: $RONDA_KEY_FILE; see 'ronda vault keygen')\n"
		"  -m, --message TEXT     note stored with the snapshot\n"
		"  -q, --quiet            print nothing but errors\n"
		"  -h, --help             show this help\n\n"
		"Exit status: 0 recorded (unreadable files are warned about and left\n"
		"out), 2 error (nothing recorded).\n"));
}

static unsigned n_warn;

static void on_error(const char *path, ronda_err err, void *arg)
{
	struct ronda_buf tmp = RONDA_BUF_INIT(8192);

	if (n_warn++ < MAX_WARNINGS)
		cli_warn(err == RONDA_ECHANGED ? _("'%s' changed while being stored; "
						   "the snapshot holds what was read")
					       : _("cannot read '%s': %s"),
			 cli_path(&tmp, path), ronda_strerror(err));
	ronda_buf_release(&tmp);
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "key", required_argument, NULL, 'k' },
		{ "message", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *site_name = NULL, *state = NULL, *key = NULL, *msg = NULL, *root = NULL;
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_snapshot_info info;
	struct ronda_site site;
	struct ronda_vault v;
	struct ronda_db *db;
	bool quiet = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "s:k:m:qh", opts, NULL)) != -1) {
		switch (c) {
		case 's': site_name = optarg; break;
		case 'S': state = optarg; break;
		case 'k': key = optarg; break;
		case 'm': msg = optarg; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return RONDA_EXIT_OK;
		default: return cli_usage_error("snapshot", _("unknown option"));
		}
	}
	if (optind < argc)
		root = argv[optind++];
	if (optind < argc)
		return cli_usage_error("snapshot", _("one ROOT at a time"));
	if (!root && !site_name)
		return cli_usage_error("snapshot", _("no ROOT given"));
	if (!vaultcli_open(state, key, true, &db, &v))
		return RONDA_EXIT_ERROR;
	if (!vaultcli_need_key(&v)) {
		vaultcli_close(db, &v);
		return RONDA_EXIT_ERROR;
	}
	if (!vaultcli_site(db, root, site_name, root != NULL, &site)) {
		vaultcli_close(db, &v);
		return RONDA_EXIT_ERROR;
	}
	rc = ronda_snapshot_create(&v, &site, msg, on_error, NULL, &info, &err);
	if (rc) {
		cli_error("%s", err.len ? err.buf : ronda_strerror(rc));
	} else if (!quiet) {
		char total[32], fresh[32];

		statecli_human_size(total, sizeof(total), info.n_bytes);
		statecli_human_size(fresh, sizeof(fresh), info.n_new_bytes);
		printf(_("snapshot %lld of '%s': %llu files, %s; %llu new objects (%s stored), "
			 "%llu files unchanged%s\n"),
		       (long long)info.id, site.name, (unsigned long long)info.n_files, total,
		       (unsigned long long)info.n_new_objects, fresh,
		       (unsigned long long)info.n_reused, info.encrypted ? _(", encrypted") : "");
		if (info.n_errors)
			printf(_("%llu entries could not be read and are not in the snapshot\n"),
			       (unsigned long long)info.n_errors);
	}
	ronda_snapshot_info_release(&info);
	ronda_site_release(&site);
	vaultcli_close(db, &v);
	ronda_buf_release(&err);
	return rc ? RONDA_EXIT_ERROR : RONDA_EXIT_OK;
}

const struct ronda_command ronda_command_snapshot = { "snapshot", run, RONDA_CMD_NEEDS_STATE, 40, N_("store a site's files in the vault") };
