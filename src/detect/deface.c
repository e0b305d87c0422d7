/*
 * deface.c — replaced front pages (defacements).
 *
 * Index pages (index.*, default.*, home.*) are normalised and matched with
 * rules/deface-phrases.txt ("hacked by", "security sangat lemah", crew
 * names...) and checked for the look of a defacement page (black
 * background, marquee, autoplaying audio, right-click disabled, custom
 * cursor, one big image, small size).  A page whose only change is the
 * title is caught from the title alone.  Other HTML files are reported only
 * on strong evidence.  finish() groups identical defacement pages (same
 * normalised content) dropped into many folders into one finding.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/detector.h"
#include "core/error.h"
#include "core/i18n.h"
#include "core/util.h"
#include "text/html.h"
#include "text/lexicon.h"
#include "text/normalize.h"

#define SMALL_PAGE (32u << 10)
#define MAX_PAGES 100000
#define MAX_RELATED 1000
#define MASS_MIN 3

enum { R_BANNER, R_TITLE, R_STYLE, R_MASS };

static const struct ronda_rule rules[] = {
	[R_BANNER] = { "deface.banner", RONDA_CAT_DEFACEMENT, RONDA_SEV_HIGH, 85,
		N_("page carries a defacement banner (hacked by, greetings, taunts about security)"),
		N_("restore the page from a clean copy, then find how the attacker got write access") },
	[R_TITLE] = { "deface.title", RONDA_CAT_DEFACEMENT, RONDA_SEV_HIGH, 85,
		N_("page title replaced with a defacement banner"),
		N_("restore the page from a clean copy, then find how the attacker got write access") },
	[R_STYLE] = { "deface.page-style", RONDA_CAT_DEFACEMENT, RONDA_SEV_MEDIUM, 60,
		N_("index page built like a defacement (black background, marquee, autoplay audio, right-click disabled, custom cursor)"),
		N_("compare the page with the site's real front page") },
	[R_MASS] = { "deface.mass", RONDA_CAT_DEFACEMENT, RONDA_SEV_HIGH, 90,
		N_("the same defacement page was dropped into many folders"),
		N_("restore every listed file; the attacker had write access to all these folders") },
};

enum { P_GATE = 1 };

struct page {
	uint64_t hash;
	char *path;
};

struct deface {
	struct ronda_lexicon *lx;
	int cat_banner, cat_team, cat_neg;
	pthread_mutex_t lock;
	struct page *pages;
	size_t n_pages, alloc_pages;
};

struct tally {
	const struct deface *st;
	int banner, neg;
	size_t first;
	const struct ronda_norm *n;
	char top[4][28];
	unsigned n_top;
};

static int on_hit(const struct ronda_lex_hit *h, void *arg)
{
	struct tally *t = arg;

	if (h->entry == RONDA_LEX_BRAND)
		return 0;
	const struct ronda_lex_entry *e = ronda_lexicon_entry(t->st->lx, h->entry);

	if ((int)e->cat == t->st->cat_neg) {
		t->neg += (int)e->weight;
		return 0;
	}
	t->banner += (int)e->weight;
	if (e->weight >= 5) {
		uint64_t off = ronda_norm_offset(t->n, h->start);

		if (off < t->first)
			t->first = off;
		bool seen = false;

		for (unsigned i = 0; i < t->n_top; i++)
			if (!strcmp(t->top[i], e->term))
				seen = true;
		if (!seen && t->n_top < ARRAY_SIZE(t->top))
			snprintf(t->top[t->n_top++], sizeof(t->top[0]), "%s", e->term);
	}
	return 0;
}

static void tally(const struct deface *st, const struct ronda_norm *n,
		  struct tally *t)
{
	memset(t, 0, sizeof(*t));
	t->st = st;
	t->first = SIZE_MAX;
	t->n = n;
	ronda_lexicon_scan(st->lx, n->text, n->len, on_hit, t);
}

static bool index_like(const char *name)
{
	static const char *const stems[] = { "index.", "default.", "home." };

	for (size_t i = 0; i < ARRAY_SIZE(stems); i++)
		if (!strncasecmp(name, stems[i], strlen(stems[i])))
			return true;
	return false;
}

static bool page_ext(const char *ext)
{
	static const char *const exts[] = { "", "html", "htm", "shtml", "xhtml",
					    "php", "php3", "php4", "php5", "php7",
					    "phtml", "asp", "aspx", "jsp", "cfm" };

	for (size_t i = 0; i < ARRAY_SIZE(exts); i++)
		if (!strcmp(ext, exts[i]))
			return true;
	return false;
}

static bool has(const struct ronda_file *f, const char *needle)
{
	return ronda_memcasemem(f->data, MIN(f->len, (size_t)1 << 20), needle) <
	       MIN(f->len, (size_t)1 << 20);
}

/* Look of a defacement page: returns the number of traits, lists them. */
static unsigned traits(const struct ronda_file *f, struct ronda_buf *b)
{
	unsigned n = 0;
	struct { const char *a, *b, *name; } t[] = {
		{ "background:#000", "background-color:#000", "black background" },
		{ "background:black", "background-color:black", "black background" },
		{ "bgcolor=\"black\"", "bgcolor=\"#000", "black background" },
		{ "<marquee", NULL, "marquee" },
		{ "autoplay", NULL, "autoplaying media" },
		{ "oncontextmenu", "event.button==2", "right-click disabled" },
		{ "cursor:url(", "cursor: url(", "custom cursor" },
		{ "onkeydown", "ctrlkey", "keyboard shortcuts blocked" },
	};
	const char *last = "";

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		if (!strcmp(t[i].name, last))
			continue;
		if (has(f, t[i].a) || (t[i].b && has(f, t[i].b))) {
			ronda_buf_addf(b, "%s%s", n ? ", " : "", t[i].name);
			last = t[i].name;
			n++;
		}
	}
	/* "background: #000" with spaces */
	if (!strstr(b->buf, "black background") &&
	    (has(f, "background: #000") || has(f, "background-color: #000") ||
	     has(f, "background: black") || has(f, "background-color: black"))) {
		ronda_buf_addf(b, "%sblack background", n ? ", " : "");
		n++;
	}
	if (f->len < SMALL_PAGE) {
		ronda_buf_addf(b, "%ssmall page", n ? ", " : "");
		n++;
	}
	return n;
}

static uint64_t fnv1a(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void remember(struct deface *st, const struct ronda_file *f,
		     const struct ronda_norm *n)
{
	uint64_t h = fnv1a(n->text, n->len);

	pthread_mutex_lock(&st->lock);
	if (st->n_pages < MAX_PAGES) {
		st->pages = xgrow(st->pages, &st->alloc_pages, st->n_pages + 1,
				  sizeof(*st->pages));
		st->pages[st->n_pages].hash = h;
		st->pages[st->n_pages].path = xstrdup(f->path);
		st->n_pages++;
	}
	pthread_mutex_unlock(&st->lock);
}

static int deface_scan(void *state, struct ronda_file *f,
		       const struct ronda_hits *hits)
{
	struct deface *st = state;
	enum ronda_ftype type = f->cls.type;
	bool idx = index_like(f->name);
	struct ronda_norm tn;
	const struct ronda_norm *n;
	struct tally all, title = {0};
	struct ronda_buf d = RONDA_BUF_INIT(1024);
	bool reported = false;

	if (f->depth || (type != RONDA_FT_HTML && type != RONDA_FT_PHP &&
			 type != RONDA_FT_TEXT))
		return RONDA_OK;
	if (!hits->n)
		return RONDA_OK;
	if (!idx && type != RONDA_FT_HTML)
		return RONDA_OK;
	/* a page elsewhere: only what a web server serves as a page (JSON
	 * message catalogues and scripts holding markup are not pages) */
	if (!idx && !page_ext(f->ext))
		return RONDA_OK;

	ronda_norm_init(&tn, 4096);
	/* the title alone */
	struct ronda_html_iter it;
	struct ronda_html_tag tag;
	size_t title_off = 0;

	ronda_html_iter_init(&it, f->data, MIN(f->len, (size_t)256 << 10));
	while (ronda_html_next(&it, &tag)) {
		if (!tag.closing && !strcmp(tag.name, "title")) {
			ronda_norm_run(&tn, f->data + tag.body_start,
				       tag.body_end - tag.body_start,
				       RONDA_NORM_STRIP_TAGS);
			tally(st, &tn, &title);
			title_off = tag.start;
			break;
		}
	}
	/* the whole page, normalised once for this and the judol detector */
	n = ronda_norm_file(f);
	tally(st, n, &all);

	int score = all.banner - 2 * all.neg;
	unsigned nt = 0;

	if (all.banner < 3 && title.banner < 6)
		goto out;      /* no phrase: the page look alone proves nothing */
	nt = traits(f, &d);

	if (all.n_top && ((idx && score >= 10) || (!idx && score >= 15 && nt >= 2))) {
		struct ronda_buf b = RONDA_BUF_INIT(1024);

		ronda_buf_addf(&b, "banner score %d (negative context %d); phrases:",
			       all.banner, all.neg);
		for (unsigned i = 0; i < all.n_top; i++)
			ronda_buf_addf(&b, "%s %s", i ? "," : "", all.top[i]);
		if (nt)
			ronda_buf_addf(&b, "; page traits: %s", d.buf);
		ronda_report(f, &rules[R_BANNER], all.first == SIZE_MAX ? 0 : all.first,
			     _("%s"), b.buf);
		ronda_buf_release(&b);
		reported = true;
	}
	if (title.banner - 2 * title.neg >= 6 && (idx || score >= 10)) {
		ronda_report(f, &rules[R_TITLE], title_off,
			     _("title phrases: %s%s%s"), title.n_top ? title.top[0] : "",
			     title.n_top > 1 ? ", " : "", title.n_top > 1 ? title.top[1] : "");
		reported = true;
	}
	if (idx && !reported && nt >= 4 && score >= 3) {
		ronda_report(f, &rules[R_STYLE], 0, _("page traits: %s; banner score %d"),
			     d.buf, score);
		reported = true;
	}
	if (reported)
		remember(st, f, n);
out:
	ronda_buf_release(&d);
	ronda_norm_release(&tn);
	return RONDA_OK;
}

static int cmp_page(const void *a, const void *b)
{
	const struct page *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int deface_finish(void *state, struct ronda_finish *fin)
{
	struct deface *st = state;
	size_t i = 0;

	if (st->n_pages > 1)
		qsort(st->pages, st->n_pages, sizeof(*st->pages), cmp_page);
	while (i < st->n_pages) {
		size_t j = i;

		while (j < st->n_pages && st->pages[j].hash == st->pages[i].hash)
			j++;
		if (j - i >= MASS_MIN) {
			size_t nrel = MIN(j - i - 1, (size_t)MAX_RELATED);
			const char **rel = xcalloc(nrel ? nrel : 1, sizeof(*rel));

			for (size_t k = 0; k < nrel; k++)
				rel[k] = st->pages[i + 1 + k].path;
			ronda_finish_report(fin, st->pages[i].path, &rules[R_MASS], -1,
					    rel, nrel,
					    _("the same defacement page is in %zu places"),
					    j - i);
			free(rel);
		}
		i = j;
	}
	return RONDA_OK;
}

static int deface_init(struct ronda_detector_init *di, void **state)
{
	static const char *const files[] = { "deface-phrases" };
	struct deface *st = xcalloc(1, sizeof(*st));
	struct ronda_buf err = RONDA_BUF_INIT(512);
	int ret = ronda_lexicon_new(files, 1, &st->lx, &err);

	ronda_norm_prepare();   /* not on the first file's time */

	ronda_buf_release(&err);
	if (ret) {
		free(st);
		return ret;
	}
	st->cat_banner = ronda_lexicon_cat(st->lx, "banner");
	st->cat_team = ronda_lexicon_cat(st->lx, "team");
	st->cat_neg = ronda_lexicon_cat(st->lx, "negative");
	pthread_mutex_init(&st->lock, NULL);
	/* gate: files without any of these cannot be defacements we report */
	ronda_pattern_add(di, "hack|h4ck|deface|owned|greet|was here|pwn|"
			  "security|keamanan|diretas|cyber", RONDA_PAT_CASELESS |
			  RONDA_PAT_SINGLE, P_GATE);
	*state = st;
	return RONDA_OK;
}

static void deface_release(void *state)
{
	struct deface *st = state;

	if (!st)
		return;
	for (size_t i = 0; i < st->n_pages; i++)
		free(st->pages[i].path);
	free(st->pages);
	pthread_mutex_destroy(&st->lock);
	ronda_lexicon_free(st->lx);
	free(st);
}

const struct ronda_detector ronda_detector_deface = { .name = "deface", .summary = N_("defaced front pages and the same defacement dropped in many folders"), .rules = rules, .n_rules = ARRAY_SIZE(rules), .init = deface_init, .release = deface_release, .scan = deface_scan, .finish = deface_finish };
