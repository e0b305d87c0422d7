/*
 * cmd_check.c — `ronda check`: what changed under a site since its baseline
 * (added, removed, changed entries and what changed in them), the scan
 * engine's verdict on every added or changed file, and timestomping.  The
 * exit status is a bitmask so scripts can tell kinds of change apart.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/statecli.h"
#include "state/check.h"

#include "cli/report.h"
#include "core/scan.h"

#define EXIT_ADDED     1
#define EXIT_REMOVED   2
#define EXIT_CHANGED   4
#define EXIT_FINDINGS  8
#define EXIT_UNREAD    16
#define EXIT_FAILED    125

static void usage(FILE *f)
{
	fprintf(f, _("usage: ronda check [options] [ROOT | --site NAME]\n\n"
		"Compare a site with its baseline: list added, removed and changed\n"
		"entries with what changed (content, mode, owner, group, type, target;\n"
		"metadata when only size or mtime moved), scan every added or changed\n"
		"file, and report files whose content changed while their mtime was\n"
		"set back (integrity.timestomp), and files added since the baseline\n"
		"whose mtime is older than the baseline while their ctime is newer\n"
		"(integrity.backdated).\n\n"
		"  -s, --site NAME        the site (default: the one whose root is ROOT)\n"
		"      --state DIR        state directory (default: $RONDA_STATE,\n"
		"                         /var/lib/ronda as root, else $XDG_DATA_HOME/ronda)\n"
		"  -j, --json             JSON Lines: changes, findings, then a summary\n"
		"      --paranoid         re-hash every file, even when size, mtime, ctime\n"
		"                         and inode are unchanged\n"
		"      --no-scan          do not scan added and changed files\n"
		"      --fail-on SEV      findings at or above SEV set exit bit 8\n"
		"                         (info, low, medium, high, critical; default medium)\n"
		"  -t, --threads N        hashing and scanning threads (default: one per core)\n"
		"  -q, --quiet            no per-finding details in the text report\n"
		"      --color WHEN       auto, always or never\n"
		"  -h, --help             show this help\n\n"
		"Exit status is a sum of bits:\n"
		"    1  entries were added\n"
		"    2  entries were removed\n"
		"    4  entries were changed\n"
		"    8  findings at or above --fail-on in added or changed files\n"
		"       (integrity.timestomp and integrity.backdated included)\n"
		"   16  some entries could not be read; the check is incomplete\n"
		"  0 means nothing changed.  125 means the check could not be done\n"
		"  (bad usage, unknown site, no baseline, database error).\n"));
}

struct checkctx {
	struct ronda_check c;
	bool json, quiet;
	unsigned n_warn;
	const char **stomped;       /* sorted relpaths of timestomped files */
	bool *stomp_done;           /* reported with the scan's result */
	size_t n_stomped;
	struct ronda_buf tmp;
	struct report rep;
};

static void on_tree_error(const char *relpath, ronda_err err, void *arg)
{
	struct checkctx *x = arg;
	struct ronda_buf tmp = RONDA_BUF_INIT(8192);

	if (x->n_warn++ < 50)
		cli_warn(_("cannot read '%s': %s"), cli_path(&tmp, *relpath ? relpath : "."),
			 ronda_strerror(err));
	ronda_buf_release(&tmp);
}

static const char *type_name(char t)
{
	switch (t) {
	case RONDA_ET_FILE: return "file";
	case RONDA_ET_DIR: return "directory";
	case RONDA_ET_LINK: return "symlink";
	case RONDA_ET_CHR: return "char-device";
	case RONDA_ET_BLK: return "block-device";
	case RONDA_ET_FIFO: return "fifo";
	case RONDA_ET_SOCK: return "socket";
	default: return "unknown";
	}
}

static void full_path(struct ronda_buf *out, const char *root, const char *rel)
{
	ronda_buf_reset(out);
	ronda_buf_addstr(out, root);
	if (*rel) {
		if (out->len && out->buf[out->len - 1] != '/')
			ronda_buf_addch(out, '/');
		ronda_buf_addstr(out, rel);
	}
}

/* "path" plus "path_b64" when the bytes are not UTF-8 (as ronda scan) */
static void json_path(json_t *o, const char *key, const char *path)
{
	report_json_path(o, key, path);
}

static json_t *json_entry(const struct ronda_entry *e)
{
	json_t *o = json_object();
	char hex[65];

	json_object_set_new(o, "file_type", json_string(type_name(e->type)));
	json_object_set_new(o, "mode", json_integer(e->mode));
	json_object_set_new(o, "uid", json_integer(e->uid));
	json_object_set_new(o, "gid", json_integer(e->gid));
	json_object_set_new(o, "size", json_integer((json_int_t)e->size));
	json_object_set_new(o, "mtime_ns", json_integer(e->mtime_ns));
	json_object_set_new(o, "ctime_ns", json_integer(e->ctime_ns));
	json_object_set_new(o, "inode", json_integer((json_int_t)e->ino));
	if (e->has_hash) {
		ronda_hex(e->sha256, sizeof(e->sha256), hex);
		json_object_set_new(o, "sha256", json_string(hex));
	}
	if (e->target)
		json_path(o, "target", e->target);
	return o;
}

static void print_json(json_t *o)
{
	char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (line) {
		fputs(line, stdout);
		fputc('\n', stdout);
		free(line);
	}
	json_decref(o);
}

static const char *kind_name(enum ronda_change_kind k)
{
	return k == RONDA_ADDED ? N_("added") : k == RONDA_REMOVED ? N_("removed") : N_("changed");
}

static void print_change(struct checkctx *x, const struct ronda_change *ch)
{
	const struct ronda_entry *e = ch->cur ? ch->cur : ch->old;
	struct ronda_buf *b = &x->tmp;

	if (x->json) {
		json_t *o = json_object(), *what = json_array();

		json_object_set_new(o, "type", json_string("change"));
		json_object_set_new(o, "tool", json_string("ronda"));
		json_object_set_new(o, "command", json_string("check"));
		json_object_set_new(o, "change", json_string(kind_name(ch->kind)));
		full_path(b, x->c.site.root, e->path);
		json_path(o, "path", b->buf);
		json_path(o, "relpath", e->path);
		json_object_set_new(o, "file_type", json_string(type_name(e->type)));
		for (unsigned bit = 1; ronda_change_what_name(bit); bit <<= 1)
			if (ch->what & bit)
				json_array_append_new(what, json_string(ronda_change_what_name(bit)));
		json_object_set_new(o, "what", what);
		if (ch->timestomp)
			json_object_set_new(o, ch->kind == RONDA_ADDED ? "backdated" : "timestomp",
					    json_true());
		if (ch->old)
			json_object_set_new(o, "old", json_entry(ch->old));
		if (ch->cur)
			json_object_set_new(o, "new", json_entry(ch->cur));
		print_json(o);
		return;
	}
	{
		struct ronda_buf full = RONDA_BUF_INIT(16384);

		full_path(&full, x->c.site.root, e->path);
		printf("%-8s %s", _(kind_name(ch->kind)), cli_path(b, full.buf));
		ronda_buf_release(&full);
	}
	if (ch->kind == RONDA_CHANGED) {
		bool first = true;

		fputs("  (", stdout);
		for (unsigned bit = 1; ronda_change_what_name(bit); bit <<= 1) {
			if (!(ch->what & bit))
				continue;
			printf("%s%s", first ? "" : ", ", ronda_change_what_name(bit));
			first = false;
			if (bit == RONDA_CHG_MODE)
				printf(" %04o -> %04o", ch->old->mode, ch->cur->mode);
			else if (bit == RONDA_CHG_OWNER)
				printf(" %u -> %u", ch->old->uid, ch->cur->uid);
			else if (bit == RONDA_CHG_GROUP)
				printf(" %u -> %u", ch->old->gid, ch->cur->gid);
			else if (bit == RONDA_CHG_TYPE)
				printf(" %s -> %s", type_name(ch->old->type), type_name(ch->cur->type));
		}
		fputs(")", stdout);
		if (ch->timestomp)
			fputs(_("  TIMESTOMPED"), stdout);
	} else if (e->type != RONDA_ET_FILE) {
		printf("  (%s)", type_name(e->type));
	} else if (ch->timestomp) {
		fputs(_("  BACKDATED"), stdout);
	}
	if (e->type == RONDA_ET_LINK && e->target) {
		struct ronda_buf t = RONDA_BUF_INIT(8192);

		printf(" -> %s", cli_path(&t, e->target));
		ronda_buf_release(&t);
	}
	fputc('\n', stdout);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const struct ronda_change *find_change(struct checkctx *x, const char *rel)
{
	size_t lo = 0, hi = x->c.n_changes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct ronda_change *ch = &x->c.changes[mid];
		const char *p = ch->cur ? ch->cur->path : ch->old->path;
		int cmp = strcmp(p, rel);

		if (!cmp)
			return ch;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void stomp_finding(struct checkctx *x, const struct ronda_change *ch,
			  struct ronda_finding *f, struct ronda_buf *detail)
{
	memset(f, 0, sizeof(*f));
	f->rule = ronda_check_stomp_rule(ch);
	f->severity = f->rule->severity;
	f->confidence = f->rule->confidence;
	f->count = 1;
	ronda_check_timestomp_detail(ch, detail);
	f->detail = detail->buf;
}

/* Results of the scan of added and changed files; a timestomped file
 * gets its integrity.timestomp finding added to the engine's. */
static void on_scan_result(const struct ronda_result *res, void *arg)
{
	struct checkctx *x = arg;
	const char *rel = res->relpath;
	const char **hit = x->n_stomped ? bsearch(&rel, x->stomped, x->n_stomped,
						  sizeof(*x->stomped), cmp_str) : NULL;
	struct ronda_result r2;
	struct ronda_finding *fv;
	struct ronda_buf detail = RONDA_BUF_INIT(1024);
	const struct ronda_change *ch;
	size_t k = 0;

	if (!hit || !(ch = find_change(x, rel)) || !ch->timestomp) {
		if (res->n_findings)
			report_on_result(res, &x->rep);
		return;
	}
	r2 = *res;
	fv = xcalloc(res->n_findings + 1, sizeof(*fv));
	/* worst first: after the findings at least as severe */
	for (; k < res->n_findings &&
	       res->findings[k].severity >= ronda_check_stomp_rule(ch)->severity; k++)
		fv[k] = res->findings[k];
	stomp_finding(x, ch, &fv[k], &detail);
	for (size_t j = k; j < res->n_findings; j++)
		fv[j + 1] = res->findings[j];
	r2.findings = fv;
	r2.n_findings = res->n_findings + 1;
	if (!r2.sha256[0] && ch->cur->has_hash)
		ronda_hex(ch->cur->sha256, sizeof(ch->cur->sha256), r2.sha256);
	report_on_result(&r2, &x->rep);
	x->stomp_done[hit - x->stomped] = true;
	free(fv);
	ronda_buf_release(&detail);
}

/* Timestomped files the scan did not report (--no-scan, unreadable). */
static void report_unscanned_stomps(struct checkctx *x)
{
	struct ronda_buf detail = RONDA_BUF_INIT(1024), path = RONDA_BUF_INIT(8192);

	for (size_t i = 0; i < x->c.n_changes; i++) {
		const struct ronda_change *ch = &x->c.changes[i];
		const char *rel;
		const char **hit;
		struct ronda_finding f;

		if (!ch->timestomp)
			continue;
		rel = ch->cur->path;
		hit = bsearch(&rel, x->stomped, x->n_stomped, sizeof(*x->stomped), cmp_str);
		if (!hit || x->stomp_done[hit - x->stomped])
			continue;
		stomp_finding(x, ch, &f, &detail);
		full_path(&path, x->c.site.root, rel);
		{
			struct ronda_result r = { 0 };

			r.path = path.buf;
			r.relpath = rel;
			r.root = x->c.site.root;
			if (ch->cur->has_hash)
				ronda_hex(ch->cur->sha256, sizeof(ch->cur->sha256), r.sha256);
			r.findings = &f;
			r.n_findings = 1;
			report_on_result(&r, &x->rep);
		}
	}
	ronda_buf_release(&detail);
	ronda_buf_release(&path);
}

static int run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "paranoid", no_argument, NULL, 'P' },
		{ "no-scan", no_argument, NULL, 'N' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "threads", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "color", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *site_opt = NULL, *state_opt = NULL, *root_arg = NULL;
	bool paranoid = false, no_scan = false;
	int fail_on = RONDA_SEV_MEDIUM, worst = -1;
	unsigned long long threads = 0;
	struct ronda_buf err = RONDA_BUF_INIT(8192);
	struct ronda_tree_opts topts = { 0 };
	struct checkctx x = { 0 };
	struct ronda_db *db = NULL;
	struct stat sst;
	uint64_t t0 = ronda_now_ns(), n_findings = 0, n_scanned = 0;
	int opt, ret, status = EXIT_FAILED;

	x.tmp = (struct ronda_buf)RONDA_BUF_INIT(65536);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:jt:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's': site_opt = optarg; break;
		case 'S': state_opt = optarg; break;
		case 'j': x.json = true; ronda_i18n_machine(true); break;
		case 'P': paranoid = true; break;
		case 'N': no_scan = true; break;
		case 'q': x.quiet = true; break;
		case 'F':
			if ((fail_on = ronda_severity_parse(optarg)) < 0) {
				cli_usage_error("check", _("unknown severity '%s'"), optarg);
				return EXIT_FAILED;
			}
			break;
		case 't':
			if (ronda_parse_uint(optarg, 1, 256, &threads)) {
				cli_usage_error("check", _("invalid --threads '%s': expected 1 "
							   "to 256"), optarg);
				return EXIT_FAILED;
			}
			break;
		case 'C':
			if (!strcmp(optarg, "always"))
				cli_color = 1;
			else if (!strcmp(optarg, "never"))
				cli_color = 0;
			else if (!strcmp(optarg, "auto"))
				cli_color = -1;
			else {
				cli_usage_error("check", _("--color wants auto, always or never, "
							   "not '%s'"), optarg);
				return EXIT_FAILED;
			}
			break;
		case 'h': usage(stdout); return RONDA_EXIT_OK;
		default:
			fprintf(stderr, _("try 'ronda check --help' for more information\n"));
			return EXIT_FAILED;
		}
	}
	if (optind < argc)
		root_arg = argv[optind++];
	if (optind < argc) {
		cli_usage_error("check", _("one ROOT at a time, got '%s' too"), argv[optind]);
		return EXIT_FAILED;
	}
	if (!root_arg && !site_opt) {
		cli_usage_error("check", _("missing ROOT or --site NAME"));
		return EXIT_FAILED;
	}

	if (!(db = statecli_open(state_opt, false)))
		goto out;
	topts.threads = (unsigned)threads;
	topts.paranoid = paranoid;
	topts.on_error = on_tree_error;
	topts.arg = &x;
	if (!stat(statecli_dir(), &sst)) {
		topts.skip = true;
		topts.skip_dev = (uint64_t)sst.st_dev;
		topts.skip_ino = (uint64_t)sst.st_ino;
	}
	if ((ret = ronda_check_run(db, root_arg, site_opt, &topts, &x.c, &err))) {
		cli_error("%s", err.buf);
		goto out;
	}
	/* the database is not needed any more: free its lock early */
	ronda_db_close(db);
	db = NULL;

	x.stomped = xcalloc(x.c.n_timestomp + x.c.n_backdated + 1, sizeof(*x.stomped));
	x.stomp_done = xcalloc(x.c.n_timestomp + x.c.n_backdated + 1, sizeof(*x.stomp_done));
	for (size_t i = 0; i < x.c.n_changes; i++)
		if (x.c.changes[i].timestomp)
			x.stomped[x.n_stomped++] = x.c.changes[i].cur->path;
	qsort(x.stomped, x.n_stomped, sizeof(*x.stomped), cmp_str);

	if (!x.json && (x.c.n_changes || !x.quiet))
		printf(_("site '%s' (%s)\n"), x.c.site.name, cli_path(&x.tmp, x.c.site.root));
	for (size_t i = 0; i < x.c.n_changes; i++)
		print_change(&x, &x.c.changes[i]);
	if (!x.json && x.c.n_changes)
		fputc('\n', stdout);
	fflush(stdout);

	report_init(&x.rep, stdout, x.json, RONDA_SEV_INFO);
	x.rep.quiet = x.quiet;
	x.rep.command = "check";
	if (!no_scan) {
		const char **list;
		size_t n = ronda_check_scan_list(&x.c, &list);

		if (n) {
			struct ronda_scan_opts so = { 0 };
			struct ronda_scan_stats sst2;
			struct ronda_engine *e = NULL;

			so.threads = (unsigned)threads;
			so.report_clean = x.n_stomped > 0;
			so.on_result = on_scan_result;
			so.on_error = report_on_error;
			so.arg = &x;
			if ((ret = ronda_engine_new(&so, &e, &err)) ||
			    (ret = ronda_scan_files(e, x.c.site.root, list, n, &so, &sst2, &err))) {
				cli_error("%s", err.len ? err.buf : ronda_strerror(ret));
				ronda_engine_free(e);
				free(list);
				report_release(&x.rep);
				goto out;
			}
			n_scanned = sst2.n_files;
			ronda_engine_free(e);
		}
		free(list);
	}
	report_unscanned_stomps(&x);
	report_flush(&x.rep);
	for (int s = 0; s < RONDA_SEV__COUNT; s++)
		n_findings += x.rep.n_shown[s];
	worst = x.rep.worst;
	report_release(&x.rep);

	status = 0;
	if (x.c.n_added)
		status |= EXIT_ADDED;
	if (x.c.n_removed)
		status |= EXIT_REMOVED;
	if (x.c.n_changed)
		status |= EXIT_CHANGED;
	if (worst >= fail_on)
		status |= EXIT_FINDINGS;
	if (x.c.cur.n_errors)
		status |= EXIT_UNREAD;

	if (x.json) {
		json_t *o = json_object();

		json_object_set_new(o, "type", json_string("summary"));
		json_object_set_new(o, "tool", json_string("ronda"));
		json_object_set_new(o, "version", json_string(RONDA_VERSION));
		json_object_set_new(o, "command", json_string("check"));
		json_object_set_new(o, "site", json_string(x.c.site.name));
		json_path(o, "root", x.c.site.root);
		json_object_set_new(o, "added", json_integer((json_int_t)x.c.n_added));
		json_object_set_new(o, "removed", json_integer((json_int_t)x.c.n_removed));
		json_object_set_new(o, "changed", json_integer((json_int_t)x.c.n_changed));
		json_object_set_new(o, "timestomped", json_integer((json_int_t)x.c.n_timestomp));
		json_object_set_new(o, "backdated", json_integer((json_int_t)x.c.n_backdated));
		json_object_set_new(o, "findings", json_integer((json_int_t)n_findings));
		json_object_set_new(o, "scanned", json_integer((json_int_t)n_scanned));
		json_object_set_new(o, "entries", json_integer((json_int_t)x.c.cur.n));
		json_object_set_new(o, "files", json_integer((json_int_t)x.c.cur.n_files));
		json_object_set_new(o, "hashed", json_integer((json_int_t)x.c.cur.n_hashed));
		json_object_set_new(o, "reused", json_integer((json_int_t)x.c.cur.n_reused));
		json_object_set_new(o, "errors", json_integer((json_int_t)x.c.cur.n_errors));
		json_object_set_new(o, "duration_ms",
				    json_real((double)(ronda_now_ns() - t0) / 1e6));
		json_object_set_new(o, "exit", json_integer(status));
		print_json(o);
	} else {
		printf(_("%llu added, %llu removed, %llu changed, %llu findings; %zu entries "
			 "checked (%llu hashed, %llu unchanged) in %.2f s\n"),
		       (unsigned long long)x.c.n_added, (unsigned long long)x.c.n_removed,
		       (unsigned long long)x.c.n_changed, (unsigned long long)n_findings,
		       x.c.cur.n, (unsigned long long)x.c.cur.n_hashed,
		       (unsigned long long)x.c.cur.n_reused,
		       (double)(ronda_now_ns() - t0) / 1e9);
		if (x.c.cur.n_errors)
			printf(_("%llu entries could not be read: the check is incomplete\n"),
			       (unsigned long long)x.c.cur.n_errors);
	}
out:
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error(_("cannot write the report: output error"));
		status = EXIT_FAILED;
	}
	free(x.stomped);
	free(x.stomp_done);
	ronda_check_release(&x.c);
	ronda_db_close(db);
	ronda_buf_release(&err);
	ronda_buf_release(&x.tmp);
	return status;
}

const struct ronda_command ronda_command_check = {
	"check", run, RONDA_CMD_NEEDS_STATE, 41,
	N_("compare a web root with its baseline and scan what changed"),
};
