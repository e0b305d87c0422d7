/*
 * engine.c — compiling detectors into one engine, and scanning one file's
 * content (and its decoded layers) through every detector.
 *
 * Every detector registers vectorscan patterns at init; they are compiled
 * into a single block-mode database, so each content is matched once in
 * time linear in its length.  Hits are bucketed per detector and handed to
 * its scan().  Findings are deduplicated per (rule, layer), capped per file,
 * sorted worst first, checked against the allowlist and delivered.
 */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/engine_priv.h"
#include "core/fsutil.h"
#include "core/hscache.h"
#include "core/i18n.h"
#include "core/util.h"

const struct ronda_rule ronda_fs_rules[] = {
	[FS_SYMLINK_OUT] = {
		"filesystem.symlink-outside", RONDA_CAT_FILESYSTEM, RONDA_SEV_MEDIUM, 80,
		N_("symbolic link pointing outside the scanned root"),
		N_("check why the web root links elsewhere; webshells plant such links to read other sites' files"),
	},
	[FS_SYMLINK_SENSITIVE] = {
		"filesystem.symlink-sensitive", RONDA_CAT_FILESYSTEM, RONDA_SEV_HIGH, 90,
		N_("symbolic link to a system or credential file"),
		N_("remove the link; 'symlink bypass' tools plant links to /etc and to other sites' configs"),
	},
	[FS_TRUNCATED] = {
		"filesystem.oversize", RONDA_CAT_FILESYSTEM, RONDA_SEV_INFO, 100,
		N_("file larger than the scan size cap; only its head and tail were scanned"),
		N_("raise --max-filesize if such files should be scanned whole"),
	},
};
const size_t ronda_n_fs_rules = ARRAY_SIZE(ronda_fs_rules);

/* Rules reported outside the detectors (by `ronda check`), so that
 * `ronda rules` lists every rule ID a report can carry. */
extern const struct ronda_rule ronda_rule_timestomp, ronda_rule_backdated;
static const struct ronda_rule *const extra_rules[] = {
	&ronda_rule_timestomp,
	&ronda_rule_backdated,
};

/* ---- patterns -------------------------------------------------------- */

int ronda_pattern_add(struct ronda_detector_init *di, const char *expr,
		      unsigned flags, unsigned local_id)
{
	struct ronda_engine *e = di->priv->e;
	struct pattern *p;
	struct ronda_buf b = RONDA_BUF_INIT(1 << 20);

	if (!expr || !*expr)
		return RONDA_EINVAL;
	if (flags & RONDA_PAT_LITERAL) {
		for (const char *c = expr; *c; c++) {
			unsigned char ch = (unsigned char)*c;
			if (strchr("\\^$.|?*+()[]{}/-", ch) || ch < 0x20 || ch >= 0x7f)
				ronda_buf_addf(&b, "\\x%02x", ch);
			else
				ronda_buf_addch(&b, ch);
		}
	} else {
		ronda_buf_addstr(&b, expr);
	}
	e->pats = xgrow(e->pats, &e->alloc_pats, e->n_pats + 1, sizeof(*e->pats));
	p = &e->pats[e->n_pats++];
	p->expr = ronda_buf_detach(&b, NULL);
	p->flags = flags;
	p->det = di->priv->det;
	p->local_id = local_id;
	return RONDA_OK;
}

static unsigned hs_flags(unsigned f)
{
	unsigned h = 0;

	if (f & RONDA_PAT_CASELESS) h |= HS_FLAG_CASELESS;
	if (f & RONDA_PAT_DOTALL) h |= HS_FLAG_DOTALL;
	if (f & RONDA_PAT_MULTILINE) h |= HS_FLAG_MULTILINE;
	if (f & RONDA_PAT_SINGLE) h |= HS_FLAG_SINGLEMATCH;
	if (f & RONDA_PAT_UTF8) h |= HS_FLAG_UTF8;
	return h;
}

/* Compile the patterns whose flags have none of the bits in skip into *db
 * (ids: their indexes in e->pats) and grow the scratch to fit it; nothing
 * to compile when every pattern or none is skipped (*db stays NULL). */
static int compile_set(struct ronda_engine *e, unsigned skip, hs_database_t **db,
		       const char **exprs, unsigned *flags, unsigned *ids,
		       struct ronda_buf *err)
{
	hs_compile_error_t *cerr = NULL;
	size_t k = 0;

	for (size_t i = 0; i < e->n_pats; i++) {
		if (e->pats[i].flags & skip)
			continue;
		exprs[k] = e->pats[i].expr;
		flags[k] = hs_flags(e->pats[i].flags);
		ids[k] = (unsigned)i;
		k++;
	}
	if (!k || (skip && k == e->n_pats))
		return RONDA_OK;
	if (ronda_hs_compile(exprs, flags, ids, (unsigned)k, db, &cerr) != HS_SUCCESS) {
		if (err) {
			if (cerr && cerr->expression >= 0 && (size_t)cerr->expression < k) {
				const struct pattern *p = &e->pats[ids[cerr->expression]];
				ronda_buf_addf(err, _("detector '%s': pattern '%s': %s"),
					       e->dets[p->det]->name, p->expr, cerr->message);
			} else {
				ronda_buf_addf(err, _("cannot compile patterns: %s"),
					       cerr ? cerr->message : "?");
			}
		}
		hs_free_compile_error(cerr);
		return RONDA_EPATTERN;
	}
	if (hs_alloc_scratch(*db, &e->scratch_proto) != HS_SUCCESS)
		return RONDA_ENOMEM;
	return RONDA_OK;
}

/* Every pattern into e->db; the same less RONDA_PAT_NOT_PHP ones (same ids
 * and flags) into e->db_php when there are some. */
static int compile_db(struct ronda_engine *e, struct ronda_buf *err)
{
	const char **exprs;
	unsigned *flags, *ids;
	int rc;

	if (!e->n_pats)
		return RONDA_OK;
	exprs = xcalloc(e->n_pats, sizeof(*exprs));
	flags = xcalloc(e->n_pats, sizeof(*flags));
	ids = xcalloc(e->n_pats, sizeof(*ids));
	rc = compile_set(e, 0, &e->db, exprs, flags, ids, err);
	if (rc == RONDA_OK)
		rc = compile_set(e, RONDA_PAT_NOT_PHP, &e->db_php, exprs, flags, ids, err);
	free(exprs);
	free(flags);
	free(ids);
	return rc;
}

/* ---- rules registry --------------------------------------------------- */

static int cmp_rule(const void *a, const void *b)
{
	const struct ronda_rule *x = *(const struct ronda_rule *const *)a;
	const struct ronda_rule *y = *(const struct ronda_rule *const *)b;

	return strcmp(x->id, y->id);
}

static void add_rules(const struct ronda_rule ***v, size_t *n, size_t *alloc,
		      const struct ronda_rule *rules, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		*v = xgrow(*v, alloc, *n + 1, sizeof(**v));
		(*v)[(*n)++] = &rules[i];
	}
}

size_t ronda_builtin_rules(const struct ronda_rule ***rules)
{
	const struct ronda_rule **v = NULL;
	size_t n = 0, alloc = 0;

	add_rules(&v, &n, &alloc, ronda_fs_rules, ronda_n_fs_rules);
	for (size_t i = 0; i < ARRAY_SIZE(extra_rules); i++)
		add_rules(&v, &n, &alloc, extra_rules[i], 1);
	for (size_t i = 0; ronda_detectors[i]; i++)
		add_rules(&v, &n, &alloc, ronda_detectors[i]->rules,
			  ronda_detectors[i]->n_rules);
	if (n)
		qsort(v, n, sizeof(*v), cmp_rule);
	*rules = v;
	return n;
}

size_t ronda_engine_rules(struct ronda_engine *e,
			  const struct ronda_rule *const **rules)
{
	*rules = e->rules;
	return e->n_rules;
}

const struct ronda_rule *ronda_engine_rule(struct ronda_engine *e, const char *id)
{
	size_t lo = 0, hi = e->n_rules;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(id, e->rules[mid]->id);
		if (!c)
			return e->rules[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t ronda_engine_patterns(struct ronda_engine *e, size_t i, const char **expr,
			     unsigned *flags, const char **detector)
{
	if (i >= e->n_pats)
		return e->n_pats;
	*expr = e->pats[i].expr;
	*flags = e->pats[i].flags;
	*detector = e->dets[e->pats[i].det]->name;
	return e->n_pats;
}

/* ---- engine ------------------------------------------------------------ */

const char *ronda_detector_name(size_t i)
{
	for (size_t k = 0; ronda_detectors[k]; k++)
		if (k == i)
			return ronda_detectors[k]->name;
	return NULL;
}

int ronda_engine_new(const struct ronda_scan_opts *opts,
		     struct ronda_engine **out, struct ronda_buf *err)
{
	return ronda_engine_new_from(opts, ronda_detectors, out, err);
}

static bool disabled(const struct ronda_scan_opts *o, const char *name)
{
	for (size_t i = 0; o && i < o->n_disable; i++)
		if (!strcmp(o->disable[i], name))
			return true;
	return false;
}

int ronda_engine_new_from(const struct ronda_scan_opts *opts,
			  const struct ronda_detector *const *detectors,
			  struct ronda_engine **out, struct ronda_buf *err)
{
	struct ronda_engine *e = xcalloc(1, sizeof(*e));
	size_t n = 0, alloc = 0, total = 0;
	int rc = RONDA_OK;

	while (detectors[total])
		total++;
	e->dets = xcalloc(total + 1, sizeof(*e->dets));
	e->states = xcalloc(total + 1, sizeof(*e->states));
	for (size_t i = 0; i < total; i++)
		if (!disabled(opts, detectors[i]->name))
			e->dets[e->n_dets++] = detectors[i];
	for (size_t i = 0; opts && i < opts->n_disable; i++) {
		bool known = false;
		for (size_t k = 0; k < total; k++)
			known |= !strcmp(detectors[k]->name, opts->disable[i]);
		if (!known) {
			if (err)
				ronda_buf_addf(err, _("unknown detector '%s'"), opts->disable[i]);
			rc = RONDA_EINVAL;
			goto fail;
		}
	}
	add_rules(&e->rules, &n, &alloc, ronda_fs_rules, ronda_n_fs_rules);
	for (size_t i = 0; i < ARRAY_SIZE(extra_rules); i++)
		add_rules(&e->rules, &n, &alloc, extra_rules[i], 1);
	for (size_t i = 0; i < e->n_dets; i++) {
		const struct ronda_detector *d = e->dets[i];
		struct ronda_init_priv ip = { e, (unsigned)i };
		struct ronda_detector_init di = { opts, &ip, err };

		add_rules(&e->rules, &n, &alloc, d->rules, d->n_rules);
		if (!d->init)
			continue;
		rc = d->init(&di, &e->states[i]);
		if (rc) {
			if (err && !err->len)
				ronda_buf_addf(err, _("detector '%s': %s"), d->name,
					       ronda_strerror(rc));
			e->n_dets = i;   /* release only the initialised ones */
			goto fail;
		}
		if (d->dynamic_rules) {
			const struct ronda_rule *dyn;
			size_t nd = d->dynamic_rules(e->states[i], &dyn);
			add_rules(&e->rules, &n, &alloc, dyn, nd);
		}
	}
	e->n_rules = n;
	if (n)
		qsort(e->rules, n, sizeof(*e->rules), cmp_rule);
	rc = compile_db(e, err);
	if (rc)
		goto fail;
	*out = e;
	return RONDA_OK;
fail:
	ronda_engine_free(e);
	*out = NULL;
	return rc;
}

void ronda_engine_free(struct ronda_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_dets; i++)
		if (e->dets[i]->release && e->states[i])
			e->dets[i]->release(e->states[i]);
	for (size_t i = 0; i < e->n_pats; i++)
		free(e->pats[i].expr);
	free(e->pats);
	if (e->scratch_proto)
		hs_free_scratch(e->scratch_proto);
	if (e->db)
		hs_free_database(e->db);
	if (e->db_php)
		hs_free_database(e->db_php);
	free(e->rules);
	free(e->dets);
	free(e->states);
	free(e);
}

/* ---- workers ----------------------------------------------------------- */

int worker_init(struct worker *w, struct scan *s)
{
	memset(w, 0, sizeof(*w));
	w->s = s;
	if (s->e->scratch_proto &&
	    hs_clone_scratch(s->e->scratch_proto, &w->scratch) != HS_SUCCESS)
		return RONDA_ENOMEM;
	w->pat_count = xcalloc(s->e->n_pats + 1, sizeof(*w->pat_count));
	w->touched = xcalloc(s->e->n_pats + 1, sizeof(*w->touched));
	return RONDA_OK;
}

void worker_release(struct worker *w)
{
	if (w->scratch)
		hs_free_scratch(w->scratch);
	free(w->rbuf);
	free(w->pat_count);
	free(w->touched);
	memset(w, 0, sizeof(*w));
}

#define MAX_HITS_PER_PATTERN RONDA_HITS_PER_PATTERN
#define MAX_HITS_PER_LAYER RONDA_HITS_PER_LAYER

static int on_match(unsigned int id, unsigned long long from,
		    unsigned long long to, unsigned int flags, void *ctx)
{
	struct worker *w = ctx;
	struct hitset *h = w->cur;
	const struct pattern *p = &w->s->e->pats[id];

	(void)from;
	(void)flags;
	if (w->pat_count[id] == 0)
		w->touched[w->n_touched++] = id;
	/* past its cap a pattern's hits are dropped: run_layer tells its
	 * detector (only), from pat_count */
	if (++w->pat_count[id] > MAX_HITS_PER_PATTERN)
		return 0;
	if (h->n >= MAX_HITS_PER_LAYER) {
		h->overflow = true;
		return 0;
	}
	if (h->n == h->alloc)
		h->v = xgrow(h->v, &h->alloc, MAX(h->n + 1, (size_t)256), sizeof(*h->v));
	h->v[h->n].det = p->det;
	h->v[h->n].id = p->local_id;
	h->v[h->n].end = to;
	h->n++;
	return 0;
}

static int cmp_hit(const void *a, const void *b)
{
	const struct rawhit *x = a, *y = b;

	if (x->det != y->det)
		return x->det < y->det ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return (int)x->id - (int)y->id;
}

bool ronda_hits_has(const struct ronda_hits *h, unsigned id)
{
	return ronda_hits_first(h, id) != NULL;
}

size_t ronda_hits_count(const struct ronda_hits *h, unsigned id)
{
	size_t n = 0;

	for (size_t i = 0; i < h->n; i++)
		n += h->v[i].id == id;
	return n;
}

const struct ronda_hit *ronda_hits_first(const struct ronda_hits *h, unsigned id)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].id == id)
			return &h->v[i];
	return NULL;
}

const struct ronda_hit *ronda_hits_in(const struct ronda_hits *h, unsigned id,
				      uint64_t lo, uint64_t hi)
{
	/* hits are ordered by end offset: stop past hi */
	for (size_t i = 0; i < h->n && h->v[i].end <= hi; i++)
		if (h->v[i].id == id && h->v[i].end >= lo)
			return &h->v[i];
	return NULL;
}

size_t ronda_hits_merge(const struct ronda_hits *a, const struct ronda_hit *b,
			size_t nb, struct ronda_hit *out)
{
	size_t i = 0, j = 0, k = 0;

	while (i < a->n && j < nb) {
		const struct ronda_hit *x = &a->v[i], *y = &b[j];

		if (y->end < x->end || (y->end == x->end && y->id < x->id))
			out[k++] = b[j++];
		else
			out[k++] = a->v[i++];
	}
	while (i < a->n)
		out[k++] = a->v[i++];
	while (j < nb)
		out[k++] = b[j++];
	return k;
}

/*
 * Group the hits by detector, each group ordered by end offset, then local
 * id (the order cmp_hit gives), into out[start[d]..start[d + 1]).
 * vectorscan reports most matches in order of end offset (on PHP a few per
 * file come late), so a stable counting sort by detector with an insertion
 * sort inside each group costs little; past a budget of moves (hostile
 * input) the general sort is used instead. False when the budget ran out.
 */
static bool group_by_det(const struct hitset *hs, size_t n_dets,
			 struct ronda_hit *out, size_t *start, size_t *next)
{
	size_t budget = 4 * hs->n + 256;

	memset(start, 0, (n_dets + 1) * sizeof(*start));
	for (size_t i = 0; i < hs->n; i++)
		start[hs->v[i].det + 1]++;
	for (size_t d = 0; d < n_dets; d++) {
		start[d + 1] += start[d];
		next[d] = start[d];
	}
	for (size_t i = 0; i < hs->n; i++) {
		unsigned d = hs->v[i].det;
		size_t k = next[d]++;
		struct ronda_hit h = { hs->v[i].id, hs->v[i].end };

		while (k > start[d] && (out[k - 1].end > h.end ||
					(out[k - 1].end == h.end && out[k - 1].id > h.id))) {
			if (budget-- == 0)
				return false;
			out[k] = out[k - 1];
			k--;
		}
		out[k] = h;
	}
	return true;
}

static void group_hits(struct hitset *hs, size_t n_dets, struct ronda_hit *out,
		       size_t *start, size_t *next)
{
	if (!group_by_det(hs, n_dets, out, start, next)) {
		qsort(hs->v, hs->n, sizeof(*hs->v), cmp_hit);
		(void)group_by_det(hs, n_dets, out, start, next);   /* no moves */
	}
}

/* Run the matcher and every detector over one layer. */
static int run_layer(struct ronda_file *f)
{
	struct worker *w = f->priv->w;
	struct ronda_engine *e = w->s->e;
	struct hitset hs = { 0 };
	struct ronda_hit *grouped = NULL;
	size_t *start = NULL;
	bool *capped = NULL;   /* per detector: a pattern of it had hits dropped */
	int rc = RONDA_OK;

	if (e->db && f->len) {
		struct hitset *saved = w->cur;
		const hs_database_t *db = f->cls.type == RONDA_FT_PHP && e->db_php ?
					  e->db_php : e->db;
		w->cur = &hs;
		w->n_touched = 0;
		hs_scan(db, (const char *)f->data,
			(unsigned)MIN(f->len, (size_t)UINT32_MAX), 0, w->scratch,
			on_match, w);
		for (size_t i = 0; i < w->n_touched; i++) {
			unsigned id = w->touched[i];

			if (w->pat_count[id] > MAX_HITS_PER_PATTERN) {
				if (!capped)
					capped = xcalloc(e->n_dets, sizeof(*capped));
				capped[e->pats[id].det] = true;
			}
			w->pat_count[id] = 0;
		}
		w->n_touched = 0;
		w->cur = saved;
		if (hs.n) {
			grouped = xmalloc(hs.n * sizeof(*grouped));
			start = xmalloc((2 * e->n_dets + 1) * sizeof(*start));
			group_hits(&hs, e->n_dets, grouped, start, start + e->n_dets + 1);
		}
	}
	for (size_t d = 0; d < e->n_dets; d++) {
		struct ronda_hits hits = { NULL, 0, hs.overflow || (capped && capped[d]) };

		if (!e->dets[d]->scan)
			continue;
		if (start && start[d + 1] > start[d]) {
			hits.v = grouped + start[d];
			hits.n = start[d + 1] - start[d];
		}
		rc = e->dets[d]->scan(e->states[d], f, &hits);
		if (rc == RONDA_ENOMEM)
			break;
		rc = RONDA_OK;  /* a detector's trouble with one file is not fatal */
	}
	free(grouped);
	free(start);
	free(capped);
	free(hs.v);
	return rc;
}

int ronda_scan_layer(struct ronda_file *f, const unsigned char *data,
		     size_t len, const char *step)
{
	struct ronda_file_priv *fp = f->priv;
	struct ronda_file child = *f;
	char layer[RONDA_LAYER_MAX];
	unsigned char *copy;
	uint64_t budget;
	int rc;

	if (f->depth + 1 > RONDA_MAX_LAYER_DEPTH || fp->n_layers >= 256)
		return RONDA_ETOOBIG;
	budget = MAX((uint64_t)f->len * 8, (uint64_t)1 << 20);
	budget = MIN(budget, (uint64_t)32 << 20);
	if (fp->decoded_bytes + len > budget)
		return RONDA_ETOOBIG;
	fp->decoded_bytes += len;
	fp->n_layers++;
	if (f->layer[0])
		snprintf(layer, sizeof(layer), "%s > %s", f->layer, step);
	else
		snprintf(layer, sizeof(layer), "%s", step);
	copy = ronda_file_alloc(f, len + 1);
	memcpy(copy, data, len);
	copy[len] = '\0';
	child.data = copy;
	child.len = len;
	child.truncated = false;
	child.depth = f->depth + 1;
	child.norm = NULL;
	child.php_toks = NULL;
	child.layer = ronda_file_alloc(f, strlen(layer) + 1);
	memcpy((char *)child.layer, layer, strlen(layer) + 1);
	ronda_classify("", f->name, f->ext, copy, len, &child.cls);
	/* a decoded layer keeps what the name claimed */
	child.cls.flags |= f->cls.flags & (RONDA_CF_EXT_PHP | RONDA_CF_EXT_IMAGE |
		RONDA_CF_EXT_TEXT | RONDA_CF_EXT_HTML | RONDA_CF_EXT_JS |
		RONDA_CF_IN_UPLOADS | RONDA_CF_HIDDEN_PATH);
	rc = run_layer(&child);
	return rc;
}

void *ronda_file_alloc(struct ronda_file *f, size_t n)
{
	struct ronda_file_priv *fp = f->priv;
	struct arena_chunk *c = fp->arena;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->size - c->used < n) {
		size_t size = MAX(n, (size_t)64 << 10);
		c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->used = 0;
		c->next = fp->arena;
		fp->arena = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

/* ---- findings ---------------------------------------------------------- */

static void make_snippet(const struct ronda_file *f, uint64_t off, char *out,
			 size_t size)
{
	struct ronda_buf b = RONDA_BUF_INIT(size - 1);
	size_t start, end;

	if (off > f->len)
		off = f->len;
	start = (size_t)off;
	while (start > 0 && off - start < 60 && f->data[start - 1] != '\n')
		start--;
	end = (size_t)off;
	while (end < f->len && end - start < 100 && f->data[end] != '\n')
		end++;
	while (start < end && (f->data[start] == ' ' || f->data[start] == '\t'))
		start++;
	/* escape, stopping cleanly when the cap is reached */
	for (size_t i = start; i < end; i++)
		if (ronda_buf_add_escaped(&b, f->data + i, 1))
			break;
	ronda_strlcpy(out, b.buf, size);
	ronda_buf_release(&b);
}

static uint32_t line_of(const struct ronda_file *f, uint64_t off)
{
	const unsigned char *p = f->data, *end = f->data + MIN(off, (uint64_t)f->len);
	uint32_t line = 1;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p++;
	}
	return line;
}

bool ronda_file_has_rule(const struct ronda_file *f, const char *rule_id)
{
	const struct ronda_file_priv *fp = f->priv;

	for (size_t i = 0; i < fp->n_findings; i++)
		if (!strcmp(fp->findings[i].rule->id, rule_id))
			return true;
	return false;
}

__attribute__((format(printf, 6, 0)))
static int vreport(struct ronda_file *f, const struct ronda_rule *rule,
		   uint64_t offset, int severity, unsigned confidence,
		   const char *fmt, va_list ap)
{
	struct ronda_file_priv *fp = f->priv;
	struct ronda_finding *fd;
	int sev = severity >= 0 && severity < RONDA_SEV__COUNT ? severity
							      : (int)rule->severity;

	for (size_t i = 0; i < fp->n_findings; i++) {
		fd = &fp->findings[i];
		if (fd->rule == rule && !strcmp(fd->layer, f->layer)) {
			fd->count++;
			if (sev > (int)fd->severity)
				fd->severity = (enum ronda_severity)sev;
			return RONDA_OK;
		}
	}
	if (fp->n_findings >= RONDA_MAX_FINDINGS_PER_FILE)
		return RONDA_OK;
	fp->findings = xgrow(fp->findings, &fp->alloc_findings, fp->n_findings + 1,
			     sizeof(*fp->findings));
	fd = &fp->findings[fp->n_findings++];
	memset(fd, 0, sizeof(*fd));
	fd->rule = rule;
	fd->severity = (enum ronda_severity)sev;
	fd->confidence = confidence ? MIN(confidence, 100u) : rule->confidence;
	fd->offset = MIN(offset, (uint64_t)f->len);
	fd->line = line_of(f, fd->offset);
	fd->depth = f->depth;
	fd->count = 1;
	ronda_strlcpy(fd->layer, f->layer, sizeof(fd->layer));
	make_snippet(f, fd->offset, fd->snippet, sizeof(fd->snippet));
	if (fmt) {
		struct ronda_buf b = RONDA_BUF_INIT(4096);
		ronda_buf_vaddf(&b, fmt, ap);
		fd->detail = ronda_buf_detach(&b, NULL);
	}
	return RONDA_OK;
}

int ronda_report(struct ronda_file *f, const struct ronda_rule *rule,
		 uint64_t offset, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vreport(f, rule, offset, -1, 0, fmt, ap);
	va_end(ap);
	return rc;
}

int ronda_report_ex(struct ronda_file *f, const struct ronda_rule *rule,
		    uint64_t offset, int severity, unsigned confidence,
		    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vreport(f, rule, offset, severity, confidence, fmt, ap);
	va_end(ap);
	return rc;
}

static int cmp_finding(const void *a, const void *b)
{
	const struct ronda_finding *x = a, *y = b;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->confidence != y->confidence)
		return x->confidence > y->confidence ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void sha256_hex(const unsigned char *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	ronda_hex(md, 32, out);
}

static void sha256_fd_hex(struct scan *s, const char *relpath, char out[65])
{
	int fd = ronda_open_beneath(s->rootfd, relpath, O_RDONLY, 0);
	EVP_MD_CTX *ctx;
	unsigned char buf[1 << 16], md[32];
	unsigned int mdlen = 0;
	ssize_t n;

	out[0] = '\0';
	if (fd < 0)
		return;
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	if (n == 0 && EVP_DigestFinal_ex(ctx, md, &mdlen))
		ronda_hex(md, 32, out);
	EVP_MD_CTX_free(ctx);
	close(fd);
}

void scan_content(struct worker *w, const char *path, const char *relpath,
		  const char *name, const struct stat *st,
		  const unsigned char *data, size_t len, bool truncated,
		  uint64_t t0, uint64_t cpu_t0)
{
	struct scan *s = w->s;
	struct ronda_file_priv fp = { .s = s, .w = w };
	struct ronda_file f = { 0 };
	struct ronda_result r = { 0 };
	char ext[16];
	size_t n_allowed = 0, kept = 0;

	ronda_file_ext(name, ext, sizeof(ext));
	f.path = path;
	f.relpath = relpath;
	f.name = name;
	f.ext = ext;
	f.st = st;
	f.data = data;
	f.len = len;
	f.truncated = truncated;
	f.layer = "";
	f.priv = &fp;
	ronda_classify(relpath, name, ext, data, len, &f.cls);
	run_layer(&f);
	if (truncated)
		ronda_report(&f, &ronda_fs_rules[FS_TRUNCATED], 0,
			     _("%llu bytes; scanned the first and last %llu"),
			     (unsigned long long)(st ? st->st_size : 0),
			     (unsigned long long)(s->max_filesize / 2));

	r.path = path;
	r.relpath = relpath;
	r.root = s->root;
	r.st = st;
	r.type = f.cls.type;
	if (fp.n_findings) {
		/* Hashing a multi-GB file costs more than scanning its head and
		 * tail: only do it when an allowlist could use the hash. */
		if (!truncated)
			sha256_hex(data, len, r.sha256);
		else if (s->rootfd >= 0 && allowlist_has_shas(s->allow))
			sha256_fd_hex(s, relpath, r.sha256);
		bool all = s->allow && allowlist_sha(s->allow, r.sha256);
		for (size_t i = 0; i < fp.n_findings; i++) {
			if (all || (s->allow && allowlist_path(s->allow, relpath,
						fp.findings[i].rule->id))) {
				free(fp.findings[i].detail);
				n_allowed++;
				continue;
			}
			fp.findings[kept++] = fp.findings[i];
		}
		fp.n_findings = kept;
		qsort(fp.findings, fp.n_findings, sizeof(*fp.findings), cmp_finding);
	}
	r.findings = fp.findings;
	r.n_findings = fp.n_findings;
	r.scan_ns = ronda_now_ns() - t0;
	if (cpu_t0)
		r.cpu_ns = ronda_thread_cpu_ns() - cpu_t0;
	deliver(s, &r, n_allowed);
	for (size_t i = 0; i < fp.n_findings; i++)
		free(fp.findings[i].detail);
	free(fp.findings);
	while (fp.arena) {
		struct arena_chunk *next = fp.arena->next;
		free(fp.arena);
		fp.arena = next;
	}
}
