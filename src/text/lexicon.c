/*
 * lexicon.c — load weighted term lists from rules/ and match them on
 * normalised text with one vectorscan database.
 */
#include <stdlib.h>
#include <string.h>

#include <hs.h>

#include "core/hscache.h"
#include "core/error.h"
#include "core/rulefile.h"
#include "core/util.h"
#include "text/lexicon.h"

#define MAX_TERM 64
#define MAX_SUFFIXES 32
#define MAX_STOPS 512
#define MAX_BRAND_WORD 28

struct ronda_lexicon {
	struct ronda_lex_entry *v;
	size_t n, alloc;
	char *cats[RONDA_LEX_MAX_CATS];
	unsigned n_cats;
	char *suffix[MAX_SUFFIXES];
	size_t n_suffix;
	char **stop;
	size_t n_stop, alloc_stop;
	char *owned_name;      /* file name for ronda_lexicon_new_text() */
	hs_database_t *db;
	uint64_t gen;          /* unique id: which scratch spaces fit this db */
};

static bool term_ok(const char *s, size_t n)
{
	if (!n || n > MAX_TERM || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == ' ' && s[i - 1] == ' ')
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' '))
			return false;
	}
	return true;
}

/* Split line[0..len) on '|' into at most max trimmed fields. */
static size_t split(const char *line, size_t len, const char **f, size_t *fl,
		    size_t max)
{
	size_t n = 0, i = 0;

	while (i <= len && n < max) {
		size_t s = i;

		while (i < len && line[i] != '|')
			i++;
		size_t e = i;

		while (s < e && (line[s] == ' ' || line[s] == '\t'))
			s++;
		while (e > s && (line[e - 1] == ' ' || line[e - 1] == '\t'))
			e--;
		f[n] = line + s;
		fl[n] = e - s;
		n++;
		i++;
	}
	return n;
}

static bool field_is(const char *f, size_t n, const char *word)
{
	return n == strlen(word) && !memcmp(f, word, n);
}

static int get_cat(struct ronda_lexicon *lx, const char *name, size_t n)
{
	for (unsigned i = 0; i < lx->n_cats; i++)
		if (strlen(lx->cats[i]) == n && !memcmp(lx->cats[i], name, n))
			return (int)i;
	if (lx->n_cats >= RONDA_LEX_MAX_CATS)
		return -1;
	lx->cats[lx->n_cats] = xstrndup(name, n);
	return (int)lx->n_cats++;
}

static int load_file(struct ronda_lexicon *lx, const struct ronda_rulefile *rf,
		     struct ronda_buf *err)
{
	size_t pos = 0, counted = 0;
	unsigned lineno = 1;
	const char *line;
	size_t len;

	while (ronda_rulefile_next(rf, &pos, &line, &len)) {
		const char *f[5];
		size_t fl[5];
		size_t nf = split(line, len, f, fl, 5);
		size_t at = (size_t)(line - rf->data);

		for (; counted < at; counted++)
			if (rf->data[counted] == '\n')
				lineno++;
		if (nf == 2 && field_is(f[0], fl[0], "suffix")) {
			if (!term_ok(f[1], fl[1]) || memchr(f[1], ' ', fl[1]) ||
			    lx->n_suffix >= MAX_SUFFIXES)
				goto bad;
			lx->suffix[lx->n_suffix++] = xstrndup(f[1], fl[1]);
			continue;
		}
		if (nf == 2 && field_is(f[0], fl[0], "stop")) {
			if (!term_ok(f[1], fl[1]) || lx->n_stop >= MAX_STOPS)
				goto bad;
			lx->stop = xgrow(lx->stop, &lx->alloc_stop, lx->n_stop + 1,
					 sizeof(*lx->stop));
			lx->stop[lx->n_stop++] = xstrndup(f[1], fl[1]);
			continue;
		}
		if (nf < 3 || nf > 4 || !term_ok(f[0], fl[0]))
			goto bad;
		char num[8];
		unsigned long long w;

		if (fl[1] == 0 || fl[1] >= sizeof(num))
			goto bad;
		memcpy(num, f[1], fl[1]);
		num[fl[1]] = '\0';
		if (ronda_parse_uint(num, 0, 100, &w) != RONDA_OK)
			goto bad;
		if (!fl[2] || !term_ok(f[2], fl[2]) || memchr(f[2], ' ', fl[2]))
			goto bad;
		int cat = get_cat(lx, f[2], fl[2]);

		if (cat < 0)
			goto bad;
		unsigned flags = 0;

		if (nf == 4) {
			if (!field_is(f[3], fl[3], "sub"))
				goto bad;
			flags |= RONDA_LEX_SUB;
		}
		lx->v = xgrow(lx->v, &lx->alloc, lx->n + 1, sizeof(*lx->v));
		lx->v[lx->n++] = (struct ronda_lex_entry){
			.term = xstrndup(f[0], fl[0]), .file = rf->name,
			.line = lineno, .weight = (unsigned)w, .cat = (unsigned)cat,
			.flags = flags,
		};
	}
	return RONDA_OK;
bad:
	ronda_buf_addf(err, "%s:%u: bad lexicon entry '%.*s'", rf->name, lineno,
		       (int)MIN(len, 60), line);
	return RONDA_EPARSE;
}

static char *entry_expr(const struct ronda_lex_entry *e)
{
	struct ronda_buf b = RONDA_BUF_INIT(1024);
	bool word = !(e->flags & RONDA_LEX_SUB);

	if (word)
		ronda_buf_addstr(&b, "\\b");
	for (const char *s = e->term; *s; s++) {
		if (*s == ' ')
			ronda_buf_addstr(&b, " ?");
		else
			ronda_buf_addch(&b, *s);
	}
	if (word)
		ronda_buf_addstr(&b, "\\b");
	return ronda_buf_detach(&b, NULL);
}

static int compile(struct ronda_lexicon *lx, struct ronda_buf *err)
{
	size_t n = lx->n + (lx->n_suffix ? 1 : 0);
	int ret = RONDA_OK;

	if (!n)
		return RONDA_OK;
	char **expr = xcalloc(n, sizeof(*expr));
	unsigned *flags = xcalloc(n, sizeof(*flags));
	unsigned *ids = xcalloc(n, sizeof(*ids));

	for (size_t i = 0; i < lx->n; i++) {
		expr[i] = entry_expr(&lx->v[i]);
		flags[i] = 0;   /* start found by walking back: SOM is slow to compile */
		ids[i] = (unsigned)i;
	}
	if (lx->n_suffix) {
		struct ronda_buf b = RONDA_BUF_INIT(4096);

		ronda_buf_addstr(&b, "\\b[a-z][a-z0-9]{1,24}(?:");
		for (size_t i = 0; i < lx->n_suffix; i++)
			ronda_buf_addf(&b, "%s%s", i ? "|" : "", lx->suffix[i]);
		ronda_buf_addstr(&b, ")\\b");
		expr[lx->n] = ronda_buf_detach(&b, NULL);
		flags[lx->n] = 0;
		ids[lx->n] = (unsigned)lx->n;
	}

	hs_compile_error_t *ce = NULL;

	if (ronda_hs_compile((const char *const *)expr, flags, ids,
			     (unsigned)n, &lx->db, &ce) != HS_SUCCESS) {
		int which = ce ? ce->expression : -1;

		if (which >= 0 && (size_t)which < lx->n)
			ronda_buf_addf(err, "%s:%u: cannot compile '%s': %s",
				       lx->v[which].file, lx->v[which].line,
				       lx->v[which].term, ce->message);
		else
			ronda_buf_addf(err, "cannot compile lexicon: %s",
				       ce ? ce->message : "unknown error");
		hs_free_compile_error(ce);
		ret = RONDA_EPATTERN;
	}
	for (size_t i = 0; i < n; i++)
		free(expr[i]);
	free(expr);
	free(flags);
	free(ids);
	return ret;
}

static int build(struct ronda_lexicon *lx, struct ronda_lexicon **out,
		 struct ronda_buf *err)
{
	int ret = compile(lx, err);

	lx->gen = ronda_hs_new_gen();
	ronda_hs_warm_add(lx->db, lx->gen);
	if (ret) {
		ronda_lexicon_free(lx);
		return ret;
	}
	*out = lx;
	return RONDA_OK;
}

int ronda_lexicon_new(const char *const *names, size_t n,
		      struct ronda_lexicon **out, struct ronda_buf *err)
{
	struct ronda_lexicon *lx = xcalloc(1, sizeof(*lx));

	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct ronda_rulefile *rf = ronda_rulefile_get(names[i]);
		int ret;

		if (!rf) {
			ronda_buf_addf(err, "no rule file '%s'", names[i]);
			ronda_lexicon_free(lx);
			return RONDA_ENOENT;
		}
		if ((ret = load_file(lx, rf, err))) {
			ronda_lexicon_free(lx);
			return ret;
		}
	}
	return build(lx, out, err);
}

int ronda_lexicon_new_text(const char *name, const char *text,
			   struct ronda_lexicon **out, struct ronda_buf *err)
{
	struct ronda_lexicon *lx = xcalloc(1, sizeof(*lx));
	struct ronda_rulefile rf = { name, text, strlen(text) };
	int ret;

	*out = NULL;
	if ((ret = load_file(lx, &rf, err))) {
		ronda_lexicon_free(lx);
		return ret;
	}
	/* entries point at the file name: keep a copy the lexicon owns */
	lx->owned_name = xstrdup(name);
	for (size_t i = 0; i < lx->n; i++)
		lx->v[i].file = lx->owned_name;
	return build(lx, out, err);
}

void ronda_lexicon_free(struct ronda_lexicon *lx)
{
	if (!lx)
		return;
	for (size_t i = 0; i < lx->n; i++)
		free((char *)lx->v[i].term);
	free(lx->v);
	for (unsigned i = 0; i < RONDA_LEX_MAX_CATS; i++)
		free(lx->cats[i]);
	for (size_t i = 0; i < lx->n_suffix; i++)
		free(lx->suffix[i]);
	for (size_t i = 0; i < lx->n_stop; i++)
		free(lx->stop[i]);
	free(lx->stop);
	free(lx->owned_name);
	ronda_hs_warm_forget(lx->gen);
	if (lx->db)
		hs_free_database(lx->db);
	free(lx);
}

size_t ronda_lexicon_size(const struct ronda_lexicon *lx)
{
	return lx->n;
}

const struct ronda_lex_entry *ronda_lexicon_entry(const struct ronda_lexicon *lx,
						  size_t i)
{
	return i < lx->n ? &lx->v[i] : NULL;
}

int ronda_lexicon_cat(const struct ronda_lexicon *lx, const char *name)
{
	for (unsigned i = 0; i < lx->n_cats; i++)
		if (!strcmp(lx->cats[i], name))
			return (int)i;
	return -1;
}

const char *ronda_lexicon_cat_name(const struct ronda_lexicon *lx, unsigned cat)
{
	return cat < lx->n_cats ? lx->cats[cat] : "";
}

static bool is_stop(const struct ronda_lexicon *lx, const char *w, size_t n)
{
	for (size_t i = 0; i < lx->n_stop; i++)
		if (strlen(lx->stop[i]) == n && !memcmp(lx->stop[i], w, n))
			return true;
	return false;
}

bool ronda_lex_brand(const struct ronda_lexicon *lx, const char *word,
		     size_t n, size_t *suffix_len)
{
	size_t best = 0;

	if (n < 5 || n > MAX_BRAND_WORD || is_stop(lx, word, n))
		return false;
	for (size_t i = 0; i < lx->n_suffix; i++) {
		size_t sl = strlen(lx->suffix[i]);

		if (sl < n && sl > best && !memcmp(word + n - sl, lx->suffix[i], sl))
			best = sl;
	}
	if (!best)
		return false;
	/* the prefix must be a word: >= 3 letters, at most 1 digit */
	size_t letters = 0, digits = 0;

	for (size_t i = 0; i < n - best; i++) {
		if (word[i] >= 'a' && word[i] <= 'z')
			letters++;
		else if (word[i] >= '0' && word[i] <= '9')
			digits++;
		else
			return false;
	}
	if (letters < 3 || digits > 1)
		return false;
	/* a hex literal (0xEEEEAA88 in a cipher table; the normaliser reads
	 * 0x95dbda4d as 0xgsdbda4d) is a number */
	if (word[0] == '0' && word[1] == 'x')
		return false;
	if (is_stop(lx, word, n - best))
		return false;
	if (suffix_len)
		*suffix_len = best;
	return true;
}

struct scan_ctx {
	const struct ronda_lexicon *lx;
	const char *text;
	size_t len;
	ronda_lex_fn fn;
	void *arg;
};

static int on_match(unsigned id, unsigned long long from,
		    unsigned long long to, unsigned flags, void *arg)
{
	struct scan_ctx *c = arg;
	struct ronda_lex_hit h;

	if (id < c->lx->n) {
		/* walk the term back from the end; a term space matches one
		 * text space or none, and the next term byte is never a space,
		 * so taking the space when there is one is the only match */
		const char *term = c->lx->v[id].term;
		size_t k = strlen(term), p = (size_t)to;

		(void)from;
		while (k > 0 && p > 0) {
			if (term[k - 1] == ' ') {
				if (c->text[p - 1] == ' ')
					p--;
				k--;
			} else if (c->text[p - 1] == term[k - 1]) {
				p--;
				k--;
			} else {
				break;
			}
		}
		h.entry = id;
		h.start = (uint32_t)p;
		h.end = (uint32_t)to;
		return c->fn(&h, c->arg);
	}
	/* brand: the token ends at `to`; find its start */
	size_t s = (size_t)to;

	while (s > 0 && c->text[s - 1] != ' ' && (size_t)to - s <= MAX_BRAND_WORD)
		s--;
	if (s > 0 && c->text[s - 1] != ' ')
		return 0;
	if (!ronda_lex_brand(c->lx, c->text + s, (size_t)to - s, NULL))
		return 0;
	h.entry = RONDA_LEX_BRAND;
	h.start = (uint32_t)s;
	h.end = (uint32_t)to;
	return c->fn(&h, c->arg);
}

int ronda_lexicon_scan(const struct ronda_lexicon *lx, const char *text,
		       size_t len, ronda_lex_fn fn, void *arg)
{
	struct scan_ctx c = { lx, text, len, fn, arg };
	hs_scratch_t *scratch;
	hs_error_t r;

	if (!lx->db || !len)
		return RONDA_OK;
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	scratch = ronda_hs_thread_scratch(lx->db, lx->gen);
	if (!scratch)
		return RONDA_ENOMEM;
	r = hs_scan(lx->db, text, (unsigned)len, 0, scratch, on_match, &c);
	if (r != HS_SUCCESS && r != HS_SCAN_TERMINATED)
		return RONDA_EPATTERN;
	return RONDA_OK;
}
