/*
 * cmd_vault.c — `ronda vault verify|prune|keygen`: check every stored
 * object against its hash, drop old snapshots and collect what nothing
 * refers to any more, make an encryption key.
 */
#include <getopt.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/statecli.h"
#include "cli/vaultcli.h"

static void usage(FILE *f)
{
	fprintf(f, _("usage: ronda vault verify [--key FILE]\n"
		"   or: ronda vault prune (--keep N | --older-than AGE) [--site NAME]\n"
		"   or: ronda vault keygen FILE\n\n"
		"verify  re-hash every object in the vault; report damaged ones, ones\n"
		"        snapshots or quarantine need but that are missing, and (without\n"
		"        the key) encrypted ones it could not check; damage is named with\n"
		"        the pack or file it lies in and the snapshot files it hits\n"
		"prune   remove snapshots beyond the newest N per site, or older than AGE\n"
		"        (30d, 12h...; a site's newest snapshot is always kept), then\n"
		"        remove objects nothing refers to (packs with nothing referenced are\n"
		"        removed, mostly unreferenced or small ones rewritten); safe to\n"
		"        interrupt; an encrypted vault needs its key\n"
		"keygen  write a new random key to FILE (mode 0600; refused if FILE\n"
		"        exists); keep a copy elsewhere: without it nothing encrypted\n"
		"        with it can be restored\n\n"
		"      --keep N           prune: snapshots to keep per site (N >= 1)\n"
		"      --older-than AGE   prune: remove snapshots older than AGE\n"
		"  -s, --site NAME        prune: only this site\n"
		"      --state DIR        state directory\n"
		"  -k, --key FILE         verify, prune: key of encrypted objects\n"
		"                         (default: $RONDA_KEY_FILE)\n"
		"  -h, --help             show this help\n\n"
		"Exit status: 0 fine, 1 verify found damaged or missing objects, 2 error.\n"));
}

struct vctx {
	unsigned n_shown;
};

static void on_bad(const struct ronda_vault_problem *pr, void *arg)
{
	struct vctx *c = arg;
	struct ronda_buf tmp = RONDA_BUF_INIT(16384);
	const char *by = pr->needed_by ? cli_path(&tmp, pr->needed_by) : NULL;

	if (c->n_shown++ >= 200)
		goto out;
	if (pr->err == RONDA_ENOENT)
		printf(_("missing  %s  needed by %s\n"), pr->hash, by ? by : "?");
	else if (pr->err == RONDA_ECRYPTO)
		printf(_("locked   %s  (encrypted; give --key to check it)\n"), pr->hash);
	else if (!pr->hash)
		printf(_("damaged  %s: its index cannot be read; the objects it held are "
			 "listed as missing\n"), pr->where);
	else if (by)
		printf(_("damaged  %s  at %s  needed by %s\n"), pr->hash, pr->where, by);
	else
		printf(_("damaged  %s  at %s  (nothing refers to it)\n"), pr->hash, pr->where);
out:
	ronda_buf_release(&tmp);
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keep", required_argument, NULL, 'K' },
		{ "older-than", required_argument, NULL, 'o' },
		{ "site", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *keep_s = NULL, *older_s = NULL, *site_name = NULL, *state = NULL,
		   *key = NULL, *sub;
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_site site = { 0 };
	struct ronda_vault v;
	struct ronda_db *db;
	int c, rc = RONDA_EXIT_OK;

	while ((c = getopt_long(argc, argv, "s:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'K': keep_s = optarg; break;
		case 'o': older_s = optarg; break;
		case 's': site_name = optarg; break;
		case 'S': state = optarg; break;
		case 'k': key = optarg; break;
		case 'h': usage(stdout); return RONDA_EXIT_OK;
		default: return cli_usage_error("vault", _("unknown option"));
		}
	}
	if (optind >= argc)
		return cli_usage_error("vault", _("say verify, prune or keygen"));
	sub = argv[optind++];
	if (!strcmp(sub, "keygen")) {
		if (optind + 1 != argc)
			return cli_usage_error("vault", _("keygen takes one FILE"));
		if ((rc = ronda_key_generate(argv[optind]))) {
			cli_error(_("cannot write key file '%s': %s"), argv[optind],
				  ronda_strerror(rc));
			return RONDA_EXIT_ERROR;
		}
		printf(_("wrote key '%s'; keep a copy in a safe place\n"), argv[optind]);
		return RONDA_EXIT_OK;
	}
	if (strcmp(sub, "verify") && strcmp(sub, "prune"))
		return cli_usage_error("vault", _("unknown vault command '%s'"), sub);
	if (optind < argc)
		return cli_usage_error("vault", _("%s takes no arguments"), sub);
	if (!strcmp(sub, "prune")) {
		unsigned long long keep = 0;
		uint64_t older = 0;
		struct ronda_gc_stats st;
		char freed[32];

		if (!keep_s && !older_s)
			return cli_usage_error("vault", _("prune needs --keep N or --older-than AGE"));
		if (keep_s && ronda_parse_uint(keep_s, 1, 1000000, &keep))
			return cli_usage_error("vault", _("--keep wants a number >= 1"));
		if (older_s && ronda_parse_duration(older_s, &older))
			return cli_usage_error("vault", _("invalid age '%s' (use e.g. 30d, 12h)"),
					       older_s);
		if (!vaultcli_open(state, key, false, &db, &v))
			return RONDA_EXIT_ERROR;
		if (!vaultcli_need_key(&v)) {
			rc = RONDA_EXIT_ERROR;
		} else if (site_name && !vaultcli_site(db, NULL, site_name, false, &site)) {
			rc = RONDA_EXIT_ERROR;
		} else if (ronda_vault_prune(&v, site.id, keep, older, &st, &err)) {
			cli_error("%s", err.buf);
			rc = RONDA_EXIT_ERROR;
		} else {
			statecli_human_size(freed, sizeof(freed), st.n_bytes);
			printf(_("removed %llu snapshots and %llu objects, freed %s\n"),
			       (unsigned long long)st.n_snapshots, (unsigned long long)st.n_objects,
			       freed);
			if (st.n_packs_removed || st.n_packs_written)
				printf(_("packs: %llu removed, %llu written\n"),
				       (unsigned long long)st.n_packs_removed,
				       (unsigned long long)st.n_packs_written);
		}
	} else {
		struct ronda_verify_stats st;
		struct vctx ctx = { 0 };

		if (!vaultcli_open(state, key, false, &db, &v))
			return RONDA_EXIT_ERROR;
		if (ronda_vault_verify(&v, on_bad, &ctx, &st, &err)) {
			cli_error("%s", err.buf);
			rc = RONDA_EXIT_ERROR;
		} else {
			printf(_("checked %llu objects: %llu good, %llu damaged, %llu missing, "
				 "%llu not checked (no key), %llu unreferenced\n"),
			       (unsigned long long)st.n_objects, (unsigned long long)st.n_ok,
			       (unsigned long long)st.n_damaged, (unsigned long long)st.n_missing,
			       (unsigned long long)st.n_locked, (unsigned long long)st.n_unreferenced);
			if (st.n_bad_packs)
				printf(_("%llu packs have a damaged index\n"),
				       (unsigned long long)st.n_bad_packs);
			if (st.n_damaged || st.n_missing || st.n_bad_packs) {
				cli_error(_("the vault is damaged: restores of the files above will "
					    "fail; take a new snapshot of healthy sites"));
				rc = RONDA_EXIT_FINDINGS;
			} else if (st.n_locked) {
				cli_warn(_("%llu encrypted objects were not checked; give --key"),
					 (unsigned long long)st.n_locked);
			}
		}
	}
	ronda_site_release(&site);
	vaultcli_close(db, &v);
	ronda_buf_release(&err);
	return rc;
}

const struct ronda_command ronda_command_vault = { "vault", run, RONDA_CMD_NEEDS_STATE, 44, N_("verify, prune the vault; make a key") };
