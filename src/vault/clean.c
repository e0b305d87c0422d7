/*
 * clean.c — the plan of `ronda clean`: scan a site, then for every file the
 * scan flags decide between quarantine (the latest snapshot does not have
 * it: it was injected) and restore (from the newest snapshot whose stored
 * copy scans clean).  Carrying the plan out is ronda_restore_apply().
 */
#include <stdlib.h>

#include "core/i18n.h"
#include "core/scan.h"
#include "core/util.h"
#include "vault/internal.h"

struct flagged {
	char **paths;
	const char **rules;
	size_t n, alloc;
	int min;
};

static void on_flag(const struct ronda_result *r, void *arg)
{
	struct flagged *f = arg;

	if (!r->st || !S_ISREG(r->st->st_mode) || !r->n_findings || !r->relpath || !*r->relpath)
		return;
	if ((int)r->findings[0].severity < f->min)
		return;
	if (f->n + 1 > f->alloc) {
		size_t a = f->alloc;
		f->paths = xgrow(f->paths, &a, f->n + 1, sizeof(*f->paths));
		a = f->alloc;
		f->rules = xgrow(f->rules, &a, f->n + 1, sizeof(*f->rules));
		f->alloc = a;
	}
	f->paths[f->n] = xstrdup(r->relpath);
	f->rules[f->n] = r->findings[0].rule ? r->findings[0].rule->id : "";
	f->n++;
}

int ronda_clean_flagged(struct ronda_engine *e, const char *root,
			const struct ronda_scan_opts *scan_opts, int min_severity,
			char ***paths, const char ***rules, size_t *n,
			struct ronda_buf *err)
{
	struct ronda_scan_opts o = *scan_opts;
	struct ronda_scan_stats stats;
	struct flagged f = { NULL, NULL, 0, 0, min_severity };
	const char *roots[1] = { root };
	int rc;

	o.on_result = on_flag;
	o.arg = &f;
	o.report_clean = false;
	memset(&stats, 0, sizeof(stats));
	rc = ronda_scan(e, roots, 1, &o, &stats, err);
	*paths = f.paths;
	*rules = f.rules;
	*n = f.n;
	return rc;
}

struct verdict {
	int min;
	bool dirty;
};

static void on_buf(const struct ronda_result *r, void *arg)
{
	struct verdict *v = arg;

	if (r->n_findings && (int)r->findings[0].severity >= v->min)
		v->dirty = true;
}

/* Whether the stored object scans clean under name `path`. */
static int object_clean(struct ronda_vault *v, struct ronda_engine *e,
			const struct ronda_scan_opts *scan_opts, int min,
			const char *path, const char *hash, bool *clean)
{
	struct ronda_buf b = RONDA_BUF_INIT((size_t)256 << 20);
	struct ronda_scan_opts o = *scan_opts;
	struct verdict vd = { min, false };
	int rc;

	if ((rc = ronda_store_get_buf(v->store, hash, &b)))
		goto out;
	o.on_result = on_buf;
	o.arg = &vd;
	o.report_clean = false;
	rc = ronda_scan_buffer(e, path, (const unsigned char *)b.buf, b.len, &o);
	*clean = !vd.dirty;
out:
	ronda_buf_release(&b);
	return rc;
}

static void add_unresolved(struct ronda_plan *p, const char *path, const char *rule,
			   const char *why)
{
	struct ronda_unresolved *u;

	p->unresolved = xgrow(p->unresolved, &p->alloc_unresolved, p->n_unresolved + 1,
			      sizeof(*p->unresolved));
	u = &p->unresolved[p->n_unresolved++];
	u->path = xstrdup(path);
	u->rule = rule;
	u->why = why;
}

struct flag {
	char *path;
	const char *rule;
};

static int cmp_flag(const void *a, const void *b)
{
	return strcmp(((const struct flag *)a)->path, ((const struct flag *)b)->path);
}

int ronda_clean_plan(struct ronda_vault *v, const struct ronda_site *site,
		     struct ronda_engine *e, const struct ronda_scan_opts *scan_opts,
		     int min_severity, struct ronda_plan *plan,
		     struct ronda_buf *err)
{
	struct ronda_snapshot_info *snaps = NULL;
	size_t n_snaps = 0, n = 0;
	char **paths = NULL;
	const char **rules = NULL;
	struct flag *fl = NULL;
	int rc;

	memset(plan, 0, sizeof(*plan));
	plan->site_id = site->id;
	plan->root = xstrdup(site->root);
	if ((rc = ronda_snapshot_list(v, site->id, &snaps, &n_snaps, err)))
		return rc;
	plan->snapshot_id = n_snaps ? snaps[n_snaps - 1].id : 0;
	if ((rc = ronda_clean_flagged(e, site->root, scan_opts, min_severity, &paths, &rules,
				      &n, err)))
		goto out;
	plan->n_flagged = n;
	/* deterministic order; rules follow their paths */
	fl = xcalloc(n ? n : 1, sizeof(*fl));
	for (size_t i = 0; i < n; i++) {
		fl[i].path = paths[i];
		fl[i].rule = rules[i];
	}
	if (n)
		qsort(fl, n, sizeof(*fl), cmp_flag);
	for (size_t i = 0; i < n; i++) {
		const char *rule = fl[i].rule, *path = fl[i].path;
		struct ronda_entry latest;
		struct ronda_plan_item *it;
		bool found = false;

		rc = plan->snapshot_id ? ronda_snapshot_entry(v, plan->snapshot_id, path, &latest, err)
				       : RONDA_ENOTFOUND;
		if (rc && rc != RONDA_ENOTFOUND)
			goto out;
		if (rc == RONDA_ENOTFOUND || latest.type != 'f') {
			/* injected since the latest snapshot (or never snapshotted) */
			ronda_entry_release(&latest);
			it = vault_plan_add(plan, RONDA_ACT_QUARANTINE, path);
			it->rule = rule;
			rc = RONDA_OK;
			continue;
		}
		ronda_entry_release(&latest);
		/* newest clean copy wins */
		for (size_t k = n_snaps; k-- > 0 && !found;) {
			struct ronda_entry ent;
			bool clean = false;

			rc = ronda_snapshot_entry(v, snaps[k].id, path, &ent, err);
			if (rc == RONDA_ENOTFOUND)
				continue;
			if (rc)
				goto out;
			if (ent.type == 'f' &&
			    object_clean(v, e, scan_opts, min_severity, path, ent.hash, &clean) ==
			    RONDA_OK && clean) {
				it = vault_plan_add(plan, RONDA_ACT_WRITE, path);
				it->want = ent;
				it->rule = rule;
				it->changed = RONDA_CHG_CONTENT;
				it->from_snapshot = snaps[k].id;
				found = true;
			} else {
				ronda_entry_release(&ent);
			}
		}
		rc = RONDA_OK;
		if (!found)
			add_unresolved(plan, path, rule, N_("no snapshot has a clean copy"));
	}
out:
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	free(rules);
	free(fl);
	for (size_t i = 0; i < n_snaps; i++)
		ronda_snapshot_info_release(&snaps[i]);
	free(snaps);
	return rc;
}
