/*
 * cmd_baseline.c — `ronda baseline`: record what a web root looks like now
 * (type, mode, owner, size, times, inode and SHA-256 of every entry) so
 * `ronda check` can tell what changed; `--update -m WHY` accepts the
 * present state and records who did it and why.
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/statecli.h"
#include "state/baseline.h"

#define MAX_WARNINGS 50

static void usage(FILE *f)
{
	fprintf(f, _("usage: ronda baseline [options] ROOT\n"
		"   or: ronda baseline --update -m WHY [ROOT | --site NAME]\n"
		"   or: ronda baseline --history [ROOT | --site NAME]\n\n"
		"Record every entry under ROOT (type, mode, owner, size, mtime, ctime,\n"
		"inode, SHA-256 of regular files, link targets) as the site's baseline.\n"
		"Symbolic links are recorded, never followed; other filesystems are\n"
		"not entered; devices, FIFOs and sockets are recorded, not opened.\n\n"
		"  -s, --site NAME        site name (default: from ROOT, /var/www/html\n"
		"                         is var-www-html); NAME alone selects a known site\n"
		"      --state DIR        state directory (default: $RONDA_STATE,\n"
		"                         /var/lib/ronda as root, else $XDG_DATA_HOME/ronda)\n"
		"  -u, --update           replace an existing baseline with the present state\n"
		"  -m, --message WHY      why the update is accepted (required with --update)\n"
		"      --paranoid         with --update: re-hash every file\n"
		"      --history          list when the baseline was taken and updated,\n"
		"                         by whom and why, then exit\n"
		"  -t, --threads N        hashing threads (default: one per core)\n"
		"  -q, --quiet            print nothing but errors\n"
		"  -h, --help             show this help\n\n"
		"An existing baseline is never overwritten without --update.\n"
		"Exit status: 0 recorded, 2 error.\n"));
}

struct ctx {
	unsigned n_warn;
	uint64_t n_added, n_removed, n_changed;
};

static void on_error(const char *relpath, ronda_err err, void *arg)
{
	struct ctx *c = arg;
	struct ronda_buf tmp = RONDA_BUF_INIT(8192);

	if (c->n_warn++ < MAX_WARNINGS)
		cli_warn(_("cannot read '%s': %s"), cli_path(&tmp, *relpath ? relpath : "."),
			 ronda_strerror(err));
	ronda_buf_release(&tmp);
}

static void count_change(const struct ronda_change *ch, void *arg)
{
	struct ctx *c = arg;

	if (ch->kind == RONDA_ADDED)
		c->n_added++;
	else if (ch->kind == RONDA_REMOVED)
		c->n_removed++;
	else
		c->n_changed++;
}

static void print_history(const struct ronda_history_row *h, void *arg)
{
	struct ronda_buf *tmp = arg;
	time_t t = (time_t)h->time;
	struct tm tm;
	char when[64] = "?";

	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm);
	printf("%s  %-8s  %s (uid %u)  +%llu -%llu ~%llu", when, h->action, h->login, h->uid,
	       (unsigned long long)h->n_added, (unsigned long long)h->n_removed,
	       (unsigned long long)h->n_changed);
	if (*h->message)
		printf("  %s", cli_path(tmp, h->message));
	fputc('\n', stdout);
}

static int show_history(const char *root, const char *site_opt, const char *state_opt)
{
	struct ronda_buf err = RONDA_BUF_INIT(8192), tmp = RONDA_BUF_INIT(8192);
	struct ronda_site site = { 0 };
	struct ronda_db *db = statecli_open(state_opt, false);
	int status = RONDA_EXIT_ERROR;

	if (!db)
		goto out;
	if (ronda_site_resolve(db, root, site_opt, false, &site, &err) ||
	    ronda_baseline_history(db, site.id, print_history, &tmp, &err)) {
		cli_error("%s", err.buf);
		goto out;
	}
	status = RONDA_EXIT_OK;
out:
	ronda_site_release(&site);
	ronda_db_close(db);
	ronda_buf_release(&err);
	ronda_buf_release(&tmp);
	return status;
}

static int run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "update", no_argument, NULL, 'u' },
		{ "message", required_argument, NULL, 'm' },
		{ "paranoid", no_argument, NULL, 'P' },
		{ "history", no_argument, NULL, 'H' },
		{ "threads", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *site_opt = NULL, *state_opt = NULL, *message = NULL, *root_arg = NULL;
	bool update = false, quiet = false, paranoid = false, history = false;
	unsigned long long threads = 0;
	struct ronda_buf err = RONDA_BUF_INIT(8192), tmp = RONDA_BUF_INIT(8192);
	struct ronda_tree prev = { 0 }, cur = { 0 };
	struct ronda_tree_opts topts = { 0 };
	struct ronda_baseline_info info;
	struct ronda_site site = { 0 };
	struct ronda_history hist = { 0 };
	struct ronda_db *db = NULL;
	struct ctx c = { 0 };
	struct stat sst;
	uint64_t t0;
	int opt, ret, status = RONDA_EXIT_ERROR;
	const char *root;

	while ((opt = getopt_long(argc, argv, "s:um:t:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': site_opt = optarg; break;
		case 'S': state_opt = optarg; break;
		case 'u': update = true; break;
		case 'm': message = optarg; break;
		case 'P': paranoid = true; break;
		case 'H': history = true; break;
		case 'q': quiet = true; break;
		case 't':
			if (ronda_parse_uint(optarg, 1, 256, &threads))
				return cli_usage_error("baseline", _("invalid --threads '%s': "
						       "expected 1 to 256"), optarg);
			break;
		case 'h': usage(stdout); return RONDA_EXIT_OK;
		default: usage(stderr); return RONDA_EXIT_ERROR;
		}
	}
	if (optind < argc)
		root_arg = argv[optind++];
	if (optind < argc)
		return cli_usage_error("baseline", _("one ROOT at a time, got '%s' too"),
				       argv[optind]);
	if (!root_arg && !site_opt)
		return cli_usage_error("baseline", _("missing ROOT"));
	if (history)
		return show_history(root_arg, site_opt, state_opt);
	if (update && (!message || !*message))
		return cli_usage_error("baseline", _("--update needs -m WHY: say why the "
						     "present state is accepted"));
	if (!update && message)
		return cli_usage_error("baseline", _("-m is for --update"));
	if (paranoid && !update)
		return cli_usage_error("baseline", _("--paranoid is for --update (a new "
						     "baseline hashes everything)"));

	if (!(db = statecli_open(state_opt, true)))
		goto out;
	/* look before the long walk; decided again under the write lock */
	ret = ronda_site_resolve(db, root_arg, site_opt, false, &site, &err);
	if (ret == RONDA_ENOTFOUND && root_arg) {
		root = NULL;
	} else if (ret) {
		cli_error("%s", err.buf);
		goto out;
	} else {
		ronda_buf_reset(&tmp);
		ronda_buf_addstr(&tmp, site.root);
		root = tmp.buf;
		if ((ret = ronda_baseline_info(db, site.id, &info, &err))) {
			cli_error("%s", err.buf);
			goto out;
		}
		if (info.exists && !update) {
			cli_error(_("site '%s' already has a baseline; to accept the present "
				    "state use 'ronda baseline --update -m WHY --site %s'"),
				  site.name, site.name);
			goto out;
		}
		if (update && info.exists &&
		    (ret = ronda_baseline_load(db, site.id, &prev, &err))) {
			cli_error("%s", err.buf);
			goto out;
		}
	}
	if (!root) {
		if (update) {
			cli_error(_("no baseline to update for '%s'; take one first with "
				    "'ronda baseline %s'"), root_arg, root_arg);
			goto out;
		}
		if ((ret = ronda_root_canonical(root_arg, &tmp, &err))) {
			cli_error("%s", err.buf);
			goto out;
		}
		root = tmp.buf;
	}

	topts.threads = (unsigned)threads;
	topts.paranoid = paranoid;
	topts.prev = prev.n ? &prev : NULL;
	topts.on_error = on_error;
	topts.arg = &c;
	if (!stat(statecli_dir(), &sst)) {
		topts.skip = true;
		topts.skip_dev = (uint64_t)sst.st_dev;
		topts.skip_ino = (uint64_t)sst.st_ino;
	}
	t0 = ronda_now_ns();
	if ((ret = ronda_tree_build(root, &topts, &cur, &err))) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (prev.n)
		ronda_tree_diff(&prev, &cur, count_change, &c);

	if ((ret = ronda_db_begin(db, &err))) {
		cli_error("%s", err.buf);
		goto out;
	}
	ronda_site_release(&site);
	ret = ronda_site_resolve(db, root, site_opt && !strchr(site_opt, '/') ? site_opt : NULL,
				 true, &site, &err);
	if (!ret)
		ret = ronda_baseline_info(db, site.id, &info, &err);
	if (!ret && info.exists && !update) {
		ronda_db_rollback(db);
		cli_error(_("site '%s' already has a baseline; to accept the present "
			    "state use 'ronda baseline --update -m WHY --site %s'"),
			  site.name, site.name);
		goto out;
	}
	hist.action = update ? "update" : "baseline";
	hist.message = message ? message : "";
	hist.n_added = prev.n ? c.n_added : cur.n;
	hist.n_removed = c.n_removed;
	hist.n_changed = c.n_changed;
	if (!ret)
		ret = ronda_baseline_store(db, site.id, &cur, &hist, &err);
	if (ret) {
		ronda_db_rollback(db);
		cli_error("%s", err.buf);
		goto out;
	}
	if ((ret = ronda_db_commit(db, &err))) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (c.n_warn > MAX_WARNINGS)
		cli_warn(_("%u more entries could not be read"), c.n_warn - MAX_WARNINGS);
	if (!quiet) {
		char size[32];
		double secs = (double)(ronda_now_ns() - t0) / 1e9;

		statecli_human_size(size, sizeof(size), cur.n_bytes_hashed);
		if (update)
			printf(_("baseline of site '%s' (%s) updated: %llu added, %llu removed, "
				 "%llu changed\n"), site.name, cli_path(&err, site.root),
			       (unsigned long long)c.n_added, (unsigned long long)c.n_removed,
			       (unsigned long long)c.n_changed);
		else
			printf(_("baseline of site '%s' (%s) recorded\n"), site.name,
			       cli_path(&err, site.root));
		printf(_("%zu entries, %llu files, %llu hashed (%s), %llu unchanged "
			 "reused, %llu unreadable, in %.2f s\n"),
		       cur.n, (unsigned long long)cur.n_files,
		       (unsigned long long)cur.n_hashed, size,
		       (unsigned long long)cur.n_reused, (unsigned long long)cur.n_errors,
		       secs);
	}
	status = RONDA_EXIT_OK;
out:
	ronda_tree_release(&prev);
	ronda_tree_release(&cur);
	ronda_site_release(&site);
	ronda_db_close(db);
	ronda_buf_release(&err);
	ronda_buf_release(&tmp);
	return status;
}

const struct ronda_command ronda_command_baseline = {
	"baseline", run, RONDA_CMD_NEEDS_STATE, 40,
	N_("record a web root's files as the site's baseline"),
};
