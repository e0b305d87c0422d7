/*
 * judol.c — online-gambling ("judi online") spam in pages and fragments.
 *
 * HTML, PHP templates, text and JSON files are normalised (src/text/
 * normalize.h) and matched with the weighted lexicon in rules/judol-*.txt.
 * Words alone do not make spam: government sites publish news against
 * gambling full of the same words.  What separates spam is brands, calls to
 * action next to them, links to gambling hosts, hiding, injected head tags
 * and disguised letters; each is reported as its own rule.  Words of news
 * against gambling (judol-negative.txt) lower the text score but never
 * cancel hidden or linked evidence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/detector.h"
#include "core/error.h"
#include "core/i18n.h"
#include "core/util.h"
#include "text/html.h"
#include "text/lexicon.h"
#include "text/normalize.h"

#define MAX_HITS 4096
#define MAX_BRANDS 16
#define MAX_LINKS 512
#define MAX_REGIONS 64
#define MAX_STACK 128
#define MAX_HIDDEN_CLASSES 64
#define MAX_META 8
#define MAX_B64_LAYERS 8
#define CTA_NEAR 120          /* normalised bytes between a brand and a call */

enum { R_HIDDEN, R_BRAND, R_META, R_OBF, R_LINKS, R_TEXT };

static const struct ronda_rule rules[] = {
	[R_HIDDEN] = { "judol.hidden-links", RONDA_CAT_JUDOL, RONDA_SEV_HIGH, 90,
		N_("links to gambling sites hidden from visitors with CSS or markup"),
		N_("remove the hidden block, then find and remove what injected it (theme, plugin, database record)") },
	[R_BRAND] = { "judol.brand-page", RONDA_CAT_JUDOL, RONDA_SEV_HIGH, 85,
		N_("page promotes gambling brands with calls to action"),
		N_("this page is gambling spam: remove it and look for the cloaker or upload hole that placed it") },
	[R_META] = { "judol.meta-injection", RONDA_CAT_JUDOL, RONDA_SEV_HIGH, 85,
		N_("gambling text in the title, description, keywords or Open Graph tags of the page"),
		N_("restore the page head from a clean copy and check the template and CMS settings it came from") },
	[R_OBF] = { "judol.obfuscated-text", RONDA_CAT_JUDOL, RONDA_SEV_HIGH, 85,
		N_("gambling words disguised with look-alike letters, separators, invisible characters or digits"),
		N_("honest text never disguises these words: remove the content and find what injected it") },
	[R_LINKS] = { "judol.outbound-links", RONDA_CAT_JUDOL, RONDA_SEV_HIGH, 80,
		N_("links to gambling sites"),
		N_("remove the links and check who added them") },
	[R_TEXT] = { "judol.spam-text", RONDA_CAT_JUDOL, RONDA_SEV_MEDIUM, 70,
		N_("text dense with gambling vocabulary and no sign of news about it"),
		N_("check whether this file belongs to the site; gambling spam is often served to search engines only") },
};

/* prefilter pattern ids (engine matches on raw content) */
enum { P_WORD = 1, P_OBF, P_BRAND, P_BRAND_WORD, P_WEAK,
       P_OBF_CHAR = 40 };   /* after the P_WEAK + k ids */

/* gate words that only count when a file has two different ones */
static const char *const weak_words[] = {
	"\\bslot", "\\bpoker", "\\bjackpot", "\\bolympus", "\\bparlay",
	"\\bbandar", "\\bscatter", "\\btoto", "mahjong", "bonanza",
	"\\brtp\\b", "\\bdepo\\b",
};

struct judol {
	struct ronda_lexicon *lx;
	int cat_cta, cat_neg;
};

struct hit {
	uint32_t entry;
	uint32_t ns, ne;       /* normalised span */
	uint32_t off;          /* raw offset of the first byte */
	uint8_t fl;            /* normalisation flags over the span */
};

struct link {
	size_t start, text_start, text_end;
	bool hidden, marquee, gambling, closed;
	char host[96];
};

struct region {
	size_t start, end;
	bool marquee;
};

struct scan {
	const struct judol *st;
	struct ronda_file *f;
	const struct ronda_norm *n;    /* the file's, shared with deface */
	struct hit *hits;
	size_t n_hits;
	bool overflow;
	/* html */
	struct link *links;
	size_t n_links;
	struct region regions[MAX_REGIONS];
	size_t n_regions;
	char hidden_classes[MAX_HIDDEN_CLASSES][32];
	size_t n_hidden_classes;
	struct { size_t off, start, end; bool attr; } meta[MAX_META];
	size_t n_meta;
	size_t title_start, title_end;
	unsigned n_b64;
	bool weak_obf;          /* minified: digits/separators prove nothing */
};

/* ---- lexicon scoring over a hit list --------------------------------- */

struct score {
	int spam, neg;
	unsigned strong;        /* distinct entries with weight >= 5 */
	unsigned n_brands;
	char brands[MAX_BRANDS][28];
	unsigned n_obf;         /* distinct disguised entries/brands */
	size_t first_obf, first_strong, first_brand;
	uint32_t top[6];        /* entries, highest weight first */
	unsigned n_top;
};

static const struct ronda_lex_entry *ent(const struct judol *st, uint32_t e)
{
	return ronda_lexicon_entry(st->lx, e);
}

static bool is_neg(const struct judol *st, uint32_t e)
{
	return e != RONDA_LEX_BRAND && (int)ent(st, e)->cat == st->cat_neg;
}

static bool is_cta(const struct judol *st, uint32_t e)
{
	return e != RONDA_LEX_BRAND && (int)ent(st, e)->cat == st->cat_cta;
}

/* Score the hits whose raw offset is in [lo, hi), skipping [xlo, xhi). */
static void score_range(struct scan *sc, size_t lo, size_t hi, size_t xlo,
			size_t xhi, struct score *s)
{
	const struct judol *st = sc->st;
	size_t n_entries = ronda_lexicon_size(st->lx);
	uint8_t *count = ronda_file_alloc(sc->f, n_entries + 1);

	memset(s, 0, sizeof(*s));
	memset(count, 0, n_entries + 1);
	s->first_obf = s->first_strong = s->first_brand = SIZE_MAX;
	for (size_t i = 0; i < sc->n_hits; i++) {
		const struct hit *h = &sc->hits[i];

		if (h->off < lo || h->off >= hi || (h->off >= xlo && h->off < xhi))
			continue;
		if (h->entry == RONDA_LEX_BRAND) {
			char b[28];
			size_t bl = MIN(h->ne - h->ns, sizeof(b) - 1);
			bool seen = false;

			memcpy(b, sc->n->text + h->ns, bl);
			b[bl] = '\0';
			for (unsigned k = 0; k < s->n_brands; k++)
				if (!strcmp(s->brands[k], b))
					seen = true;
			if (!seen && s->n_brands < MAX_BRANDS) {
				memcpy(s->brands[s->n_brands++], b, bl + 1);
				if (h->fl & (RONDA_NF_FOLDED | RONDA_NF_HIDDEN)) {
					s->n_obf++;
					s->first_obf = MIN(s->first_obf, h->off);
				}
			}
			s->first_brand = MIN(s->first_brand, h->off);
			continue;
		}
		const struct ronda_lex_entry *e = ent(st, h->entry);

		if (count[h->entry] == 255)
			continue;
		count[h->entry]++;
		if (is_neg(st, h->entry)) {
			if (count[h->entry] == 1)
				s->neg += (int)e->weight;
			continue;
		}
		if (count[h->entry] == 1) {
			s->spam += (int)e->weight;
			if (e->weight >= 5) {
				s->strong++;
				s->first_strong = MIN(s->first_strong, h->off);
			}
			/* keep the heaviest few for the detail */
			if (s->n_top < ARRAY_SIZE(s->top)) {
				s->top[s->n_top++] = h->entry;
			} else if (e->weight > ent(st, s->top[s->n_top - 1])->weight) {
				s->top[s->n_top - 1] = h->entry;
			}
			for (unsigned k = s->n_top - 1; k > 0 &&
			     ent(st, s->top[k])->weight > ent(st, s->top[k - 1])->weight; k--) {
				uint32_t t = s->top[k];
				s->top[k] = s->top[k - 1];
				s->top[k - 1] = t;
			}
		} else if (count[h->entry] <= 4) {
			s->spam += 1;
		}
		/* a disguised word counts once per entry, and only real words;
		 * digits and separators also occur by chance in code and
		 * encoded data, so they need a heavy word */
		if (count[h->entry] == 1 && e->weight >= 3 &&
		    ((h->fl & (RONDA_NF_FOLDED | RONDA_NF_HIDDEN)) ||
		     ((h->fl & (RONDA_NF_LEET | RONDA_NF_JOINED)) &&
		      e->weight >= 5 && !sc->weak_obf))) {
			s->n_obf++;
			s->first_obf = MIN(s->first_obf, h->off);
		}
	}
	s->spam += 6 * (int)MIN(s->n_brands, 5u);
}

static int adjusted(const struct score *s)
{
	return s->spam - 2 * s->neg;
}

static void describe(const struct judol *st, const struct score *s,
		     struct ronda_buf *b)
{
	ronda_buf_addf(b, "score %d (negative context %d)", s->spam, s->neg);
	if (s->n_brands) {
		ronda_buf_addstr(b, "; brands:");
		for (unsigned i = 0; i < s->n_brands && i < 6; i++)
			ronda_buf_addf(b, "%s %s", i ? "," : "", s->brands[i]);
	}
	if (s->n_top) {
		ronda_buf_addstr(b, "; terms:");
		for (unsigned i = 0; i < s->n_top; i++)
			ronda_buf_addf(b, "%s %s", i ? "," : "", ent(st, s->top[i])->term);
	}
}

/* ---- collecting hits --------------------------------------------------- */

static int on_hit(const struct ronda_lex_hit *h, void *arg)
{
	struct scan *sc = arg;

	if (sc->n_hits >= MAX_HITS) {
		sc->overflow = true;
		return 1;
	}
	struct hit *x = &sc->hits[sc->n_hits++];

	x->entry = h->entry;
	x->ns = h->start;
	x->ne = h->end;
	x->off = (uint32_t)ronda_norm_offset(sc->n, h->start);
	x->fl = (uint8_t)ronda_norm_span_flags(sc->n, h->start, h->end);
	return 0;
}

/* Is this short string (host, href) gambling-looking?  Negative words in it
 * (a news slug "polres-tangkap-bandar-slot") cancel path evidence. */
struct small_ctx {
	const struct judol *st;
	int spam, neg;
	bool brand;
};

static int on_small(const struct ronda_lex_hit *h, void *arg)
{
	struct small_ctx *c = arg;

	if (h->entry == RONDA_LEX_BRAND) {
		c->brand = true;
		return 0;
	}
	const struct ronda_lex_entry *e = ent(c->st, h->entry);

	if (is_neg(c->st, h->entry))
		c->neg += (int)e->weight;
	else if (e->weight >= 5)
		c->spam += (int)e->weight;
	return 0;
}

static bool gambling_string(const struct judol *st, const void *s, size_t n)
{
	struct ronda_norm nm;
	struct small_ctx c = { st, 0, 0, false };

	if (!n)
		return false;
	ronda_norm_init(&nm, 1024);
	ronda_norm_run(&nm, s, MIN(n, (size_t)1024), 0);
	ronda_lexicon_scan(st->lx, nm.text, nm.len, on_small, &c);
	ronda_norm_release(&nm);
	if (c.neg)
		return false;
	return c.brand || c.spam >= 5;
}

/* ---- CSS hiding -------------------------------------------------------- */

/* Copy s lower-cased without whitespace (for CSS matching). */
static size_t squeeze(const unsigned char *s, size_t n, char *out, size_t max)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < max; i++) {
		unsigned char c = s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		out[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[k] = '\0';
	return k;
}

/* After "prop:" at p: is the value zero?  (0, 0px, 0.0, 0!important) */
static bool value_zero(const char *p)
{
	bool digit = false;

	while (*p == '0' || *p == '.') {
		if (*p == '0')
			digit = true;
		p++;
	}
	return digit && !(*p >= '1' && *p <= '9');
}

/* After "prop:-" at p: magnitude >= min? */
static bool value_far(const char *p, long min)
{
	long v = 0;

	while (*p >= '0' && *p <= '9' && v < 1000000)
		v = v * 10 + (*p++ - '0');
	return v >= min;
}

static bool decl_after(const char *css, const char *prop, bool (*test)(const char *))
{
	size_t pl = strlen(prop);

	for (const char *p = strstr(css, prop); p; p = strstr(p + 1, prop)) {
		/* whole property name: not "line-height" for "height" */
		if (p != css && p[-1] != ';' && p[-1] != '{' && p[-1] != '"')
			continue;
		if (test(p + pl))
			return true;
	}
	return false;
}

static bool t_zero(const char *p) { return value_zero(p); }
static bool t_none(const char *p) { return !strncmp(p, "none", 4); }
static bool t_hidden(const char *p) { return !strncmp(p, "hidden", 6); }
static bool t_far(const char *p) { return *p == '-' && value_far(p + 1, 100); }
static bool t_tiny(const char *p)
{
	return value_zero(p) || (p[0] == '1' && p[1] == 'p' && p[2] == 'x');
}

static bool css_hides(const char *css)
{
	if (decl_after(css, "display:", t_none) ||
	    decl_after(css, "visibility:", t_hidden) ||
	    decl_after(css, "opacity:", t_zero) ||
	    decl_after(css, "font-size:", t_zero) ||
	    decl_after(css, "text-indent:", t_far) ||
	    strstr(css, "clip:rect(0") || strstr(css, "clip-path:inset(50%") ||
	    strstr(css, "clip-path:inset(100%"))
		return true;
	/* a box of (almost) no size that clips its content */
	if ((decl_after(css, "height:", t_tiny) || decl_after(css, "width:", t_tiny)) &&
	    strstr(css, "overflow:hidden"))
		return true;
	if ((strstr(css, "position:absolute") || strstr(css, "position:fixed")) &&
	    (decl_after(css, "left:", t_far) || decl_after(css, "top:", t_far) ||
	     decl_after(css, "right:", t_far)))
		return true;
	return false;
}

/* Collect ".name" / "#name" selectors whose block hides. */
static void style_block(struct scan *sc, const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n && sc->n_hidden_classes < MAX_HIDDEN_CLASSES) {
		const unsigned char *ob = memchr(s + i, '{', n - i);

		if (!ob)
			break;
		size_t o = (size_t)(ob - s);
		const unsigned char *cb = memchr(s + o, '}', n - o);
		size_t c = cb ? (size_t)(cb - s) : n;
		char decl[1024];

		squeeze(s + o, MIN(c - o + 1, sizeof(decl) - 1), decl, sizeof(decl));
		if (css_hides(decl)) {
			/* selectors: walk back over [i, o) splitting on ',' */
			size_t a = i;

			while (a < o) {
				size_t b = a;

				while (b < o && s[b] != ',')
					b++;
				size_t x = a, y = b;

				while (x < y && (s[x] == ' ' || s[x] == '\n' || s[x] == '\t' ||
						 s[x] == '\r' || s[x] == '}' || s[x] == ';'))
					x++;
				while (y > x && (s[y - 1] == ' ' || s[y - 1] == '\n' ||
						 s[y - 1] == '\t' || s[y - 1] == '\r'))
					y--;
				if (y > x + 1 && (s[x] == '.' || s[x] == '#') && y - x < 31 &&
				    sc->n_hidden_classes < MAX_HIDDEN_CLASSES) {
					bool simple = true;

					for (size_t k = x + 1; k < y; k++)
						if (!((s[k] >= 'a' && s[k] <= 'z') ||
						      (s[k] >= 'A' && s[k] <= 'Z') ||
						      (s[k] >= '0' && s[k] <= '9') ||
						      s[k] == '-' || s[k] == '_'))
							simple = false;
					if (simple) {
						char *dst = sc->hidden_classes[sc->n_hidden_classes++];
						memcpy(dst, s + x, y - x);
						dst[y - x] = '\0';
					}
				}
				a = b + 1;
			}
		}
		i = c + 1;
	}
}

static bool has_token(const unsigned char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok), i = 0;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		size_t s = i;

		while (i < n && v[i] != ' ' && v[i] != '\t')
			i++;
		if (i - s == tl && !memcmp(v + s, tok, tl))
			return true;
	}
	return false;
}

static bool tag_hides(struct scan *sc, const struct ronda_html_tag *t)
{
	const unsigned char *v;
	size_t vl;

	if (ronda_html_attr(t, "hidden", &v, &vl))
		return true;
	if (ronda_html_attr(t, "style", &v, &vl)) {
		char css[1024];

		css[0] = ';';
		squeeze(v, MIN(vl, sizeof(css) - 2), css + 1, sizeof(css) - 1);
		if (css_hides(css))
			return true;
	}
	if (sc->n_hidden_classes && ronda_html_attr(t, "class", &v, &vl)) {
		for (size_t i = 0; i < sc->n_hidden_classes; i++)
			if (sc->hidden_classes[i][0] == '.' &&
			    has_token(v, vl, sc->hidden_classes[i] + 1))
				return true;
	}
	if (sc->n_hidden_classes && ronda_html_attr(t, "id", &v, &vl)) {
		for (size_t i = 0; i < sc->n_hidden_classes; i++)
			if (sc->hidden_classes[i][0] == '#' &&
			    strlen(sc->hidden_classes[i] + 1) == vl &&
			    !memcmp(sc->hidden_classes[i] + 1, v, vl))
				return true;
	}
	return false;
}

/* ---- base64 in attributes ---------------------------------------------- */

static void try_base64(struct scan *sc, const unsigned char *v, size_t n)
{
	const unsigned char *p = v;
	size_t m = n;
	size_t d = ronda_memcasemem(v, n, ";base64,");

	if (d < n) {
		p = v + d + 8;
		m = n - d - 8;
	}
	while (m && p[m - 1] == '=')
		m--;
	if (m < 32 || m > (64u << 10) || sc->n_b64 >= MAX_B64_LAYERS)
		return;
	for (size_t i = 0; i < m; i++)
		if (ronda_b64_value(p[i]) < 0)
			return;
	/* mixed case letters: a real encoding, not a long word or hex hash */
	bool up = false, low = false;
	for (size_t i = 0; i < m; i++) {
		up |= p[i] >= 'A' && p[i] <= 'Z';
		low |= p[i] >= 'a' && p[i] <= 'z';
	}
	if (!up || !low)
		return;
	unsigned char *out = ronda_file_alloc(sc->f, m * 3 / 4 + 4);
	size_t o = 0, printable = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < m; i++) {
		acc = (acc << 6) | (uint32_t)ronda_b64_value(p[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	for (size_t i = 0; i < o; i++)
		if ((out[i] >= 0x20 && out[i] < 0x7F) || out[i] == '\n' ||
		    out[i] == '\t' || out[i] == '\r' || out[i] >= 0x80)
			printable++;
	if (o < 16 || printable * 10 < o * 9)
		return;
	sc->n_b64++;
	ronda_scan_layer(sc->f, out, o, "base64 attribute");
}

static void attrs_base64(struct scan *sc, const struct ronda_html_tag *t)
{
	const unsigned char *a = t->attrs;
	size_t n = t->attrs_len;

	for (size_t i = 0; i < n; i++) {
		if (a[i] != '"' && a[i] != '\'')
			continue;
		const unsigned char *e = memchr(a + i + 1, a[i], n - i - 1);

		if (!e)
			break;
		size_t vl = (size_t)(e - a) - i - 1;

		if (vl >= 32)
			try_base64(sc, a + i + 1, vl);
		i = (size_t)(e - a);
	}
}

/* ---- HTML structure pass ----------------------------------------------- */

static const char *const void_elems[] = {
	"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
	"meta", "param", "source", "track", "wbr", "!doctype",
};

static bool is_void(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(void_elems); i++)
		if (!strcmp(name, void_elems[i]))
			return true;
	return false;
}

static void href_host(const unsigned char *v, size_t n, char *host, size_t max)
{
	size_t i = 0, k = 0;

	host[0] = '\0';
	while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n'))
		i++;
	if (n - i >= 7 && !ronda_memcasemem(v + i, 7, "http://"))
		i += 7;
	else if (n - i >= 8 && !ronda_memcasemem(v + i, 8, "https://"))
		i += 8;
	else if (n - i >= 2 && v[i] == '/' && v[i + 1] == '/')
		i += 2;
	else
		return;
	while (i < n && k + 1 < max && v[i] != '/' && v[i] != '?' && v[i] != '#' &&
	       v[i] != ':' && v[i] != '"' && v[i] != '\'' && v[i] != ' ') {
		unsigned char c = v[i++];
		host[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	host[k] = '\0';
}

static void html_pass(struct scan *sc)
{
	const struct judol *st = sc->st;
	struct ronda_file *f = sc->f;
	struct ronda_html_iter it;
	struct ronda_html_tag t;
	struct { char name[16]; } stack[MAX_STACK];
	size_t depth = 0;
	size_t hidden_depth = SIZE_MAX;   /* stack depth where hiding began */
	bool hidden_marquee = false;
	size_t open_link = SIZE_MAX;

	/* first: hiding classes declared in <style> blocks anywhere */
	ronda_html_iter_init(&it, f->data, f->len);
	while (ronda_html_next(&it, &t))
		if (!t.closing && !strcmp(t.name, "style"))
			style_block(sc, f->data + t.body_start,
				    t.body_end - t.body_start);

	ronda_html_iter_init(&it, f->data, f->len);
	while (ronda_html_next(&it, &t)) {
		const unsigned char *v;
		size_t vl;

		if (!t.name[0])
			continue;
		if (t.closing) {
			if (!strcmp(t.name, "a") && open_link != SIZE_MAX) {
				sc->links[open_link].text_end = t.start;
				sc->links[open_link].closed = true;
				open_link = SIZE_MAX;
			}
			size_t k = depth;

			while (k > 0 && depth - k < 32 && strcmp(stack[k - 1].name, t.name))
				k--;
			if (k > 0 && !strcmp(stack[k - 1].name, t.name)) {
				depth = k - 1;
				if (hidden_depth != SIZE_MAX && depth <= hidden_depth) {
					sc->regions[sc->n_regions - 1].end = t.end;
					hidden_depth = SIZE_MAX;
					hidden_marquee = false;
				}
			}
			continue;
		}
		if (!strcmp(t.name, "title") && sc->title_end == 0) {
			sc->title_start = t.body_start;
			sc->title_end = t.body_end;
			if (sc->n_meta < MAX_META) {
				sc->meta[sc->n_meta].off = t.start;
				sc->meta[sc->n_meta].start = t.body_start;
				sc->meta[sc->n_meta].end = t.body_end;
				sc->meta[sc->n_meta].attr = false;
				sc->n_meta++;
			}
			continue;
		}
		if (!strcmp(t.name, "meta") && sc->n_meta < MAX_META &&
		    ronda_html_attr(&t, "content", &v, &vl)) {
			const unsigned char *nv;
			size_t nl;

			if ((ronda_html_attr(&t, "name", &nv, &nl) ||
			     ronda_html_attr(&t, "property", &nv, &nl)) &&
			    (ronda_memcasemem(nv, nl, "description") < nl ||
			     ronda_memcasemem(nv, nl, "keywords") < nl ||
			     ronda_memcasemem(nv, nl, "title") < nl ||
			     ronda_memcasemem(nv, nl, "og:site_name") < nl)) {
				sc->meta[sc->n_meta].off = t.start;
				sc->meta[sc->n_meta].start = (size_t)(v - f->data);
				sc->meta[sc->n_meta].end = (size_t)(v - f->data) + vl;
				sc->meta[sc->n_meta].attr = true;
				sc->n_meta++;
			}
		}
		attrs_base64(sc, &t);
		if (!strcmp(t.name, "script") || !strcmp(t.name, "style") ||
		    !strcmp(t.name, "textarea"))
			continue;

		bool hides = tag_hides(sc, &t);
		bool marquee = !strcmp(t.name, "marquee");

		if ((hides || marquee) && hidden_depth == SIZE_MAX &&
		    sc->n_regions < MAX_REGIONS && !is_void(t.name) && !t.selfclose) {
			sc->regions[sc->n_regions].start = t.start;
			sc->regions[sc->n_regions].end = f->len;
			sc->regions[sc->n_regions].marquee = marquee && !hides;
			sc->n_regions++;
			hidden_depth = depth;
			hidden_marquee = marquee && !hides;
		}
		if (!strcmp(t.name, "a") && sc->n_links < MAX_LINKS) {
			struct link *l = &sc->links[sc->n_links];

			memset(l, 0, sizeof(*l));
			l->start = t.start;
			l->text_start = t.end;
			l->text_end = t.end;
			l->hidden = hidden_depth != SIZE_MAX || hides;
			l->marquee = hidden_marquee || marquee;
			if (ronda_html_attr(&t, "href", &v, &vl)) {
				href_host(v, vl, l->host, sizeof(l->host));
				l->gambling = (l->host[0] &&
					       gambling_string(st, l->host, strlen(l->host))) ||
					      gambling_string(st, v, vl);
			}
			open_link = sc->n_links++;
		}
		if (!is_void(t.name) && !t.selfclose && depth < MAX_STACK) {
			memcpy(stack[depth].name, t.name, sizeof(t.name));
			depth++;
		}
	}
}

/* ---- decisions --------------------------------------------------------- */

static bool cta_near_brand(const struct scan *sc)
{
	const struct judol *st = sc->st;

	for (size_t i = 0; i < sc->n_hits; i++) {
		if (sc->hits[i].entry != RONDA_LEX_BRAND)
			continue;
		uint32_t b = sc->hits[i].ns;

		for (size_t j = 0; j < sc->n_hits; j++) {
			const struct hit *h = &sc->hits[j];

			if (!is_cta(st, h->entry))
				continue;
			if ((h->ns <= b && b - h->ne <= CTA_NEAR) ||
			    (h->ns > b && h->ns - b <= CTA_NEAR))
				return true;
		}
	}
	return false;
}

static void link_text_gambling(struct scan *sc)
{
	for (size_t i = 0; i < sc->n_links; i++) {
		struct link *l = &sc->links[i];

		if (l->gambling || !l->closed || l->text_end <= l->text_start)
			continue;
		struct score s;

		score_range(sc, l->text_start, l->text_end, 0, 0, &s);
		if (s.neg == 0 && (s.n_brands || s.strong))
			l->gambling = true;
	}
}

static int analyse(struct scan *sc)
{
	const struct judol *st = sc->st;
	struct ronda_file *f = sc->f;
	bool html = f->cls.type == RONDA_FT_HTML || (f->cls.flags & RONDA_CF_HTML);
	struct ronda_buf d = RONDA_BUF_INIT(2048);
	struct score body, all;
	bool brand_page = false, spam_text = false;

	sc->n = ronda_norm_file(f);
	sc->hits = ronda_file_alloc(f, MAX_HITS * sizeof(*sc->hits));
	ronda_lexicon_scan(st->lx, sc->n->text, sc->n->len, on_hit, sc);
	if (html) {
		sc->links = ronda_file_alloc(f, MAX_LINKS * sizeof(*sc->links));
		html_pass(sc);
		link_text_gambling(sc);
	}

	score_range(sc, 0, SIZE_MAX, 0, 0, &all);
	score_range(sc, 0, SIZE_MAX, sc->title_start, sc->title_end, &body);

	/* brand page: brands with calls to action, not news about them */
	bool cta = cta_near_brand(sc);
	size_t n_glinks = 0, n_hlinks = 0, n_hidden_glinks = 0;
	size_t first_glink = SIZE_MAX, first_hidden = SIZE_MAX;
	char hosts[8][96];
	size_t n_hosts = 0;

	for (size_t i = 0; i < sc->n_links; i++) {
		const struct link *l = &sc->links[i];
		bool hid = l->hidden && !(l->marquee && !l->gambling);

		if (hid && l->host[0]) {
			bool seen = false;
			n_hlinks++;
			for (size_t k = 0; k < n_hosts && k < 8; k++)
				if (!strcmp(hosts[k], l->host))
					seen = true;
			if (!seen) {
				if (n_hosts < 8)
					snprintf(hosts[n_hosts], sizeof(hosts[0]), "%s", l->host);
				n_hosts++;
			}
			first_hidden = MIN(first_hidden, l->start);
		}
		if (!l->gambling)
			continue;
		if (hid) {
			n_hidden_glinks++;
			first_hidden = MIN(first_hidden, l->start);
		} else {
			n_glinks++;
			first_glink = MIN(first_glink, l->start);
		}
	}

	/* brands alone are not enough: code is full of brand-shaped names
	 * (getslot, registerwin); the page must also speak gambling */
	int words = adjusted(&body) - 6 * (int)MIN(body.n_brands, 5u);

	if (body.n_brands && body.strong >= 2 && words >= 12 &&
	    (cta || n_glinks + n_hidden_glinks))
		brand_page = true;
	/* without calls to action or links: the vocabulary must be dense (a
	 * long list of domains or a dictionary mentions everything once) */
	bool dense = (uint64_t)MAX(words, 0) * 1024 >= (uint64_t)sc->n->len * 3;

	if (body.n_brands >= 2 && body.strong >= 3 && words >= 20 && dense)
		brand_page = true;
	if (brand_page) {
		ronda_buf_reset(&d);
		describe(st, &body, &d);
		if (cta)
			ronda_buf_addstr(&d, "; call to action next to a brand");
		ronda_report(f, &rules[R_BRAND], body.first_brand, _("%s"), d.buf);
	}
	if (!brand_page && body.strong >= 3 && words >= 25 && dense) {
		spam_text = true;
		ronda_buf_reset(&d);
		describe(st, &body, &d);
		ronda_report(f, &rules[R_TEXT], body.first_strong, _("%s"), d.buf);
	}

	/* hidden links */
	if (n_hidden_glinks) {
		struct score hs = {0};

		for (size_t r = 0; r < sc->n_regions; r++) {
			struct score rs;

			score_range(sc, sc->regions[r].start, sc->regions[r].end, 0, 0, &rs);
			hs.spam += rs.spam;
		}
		ronda_buf_reset(&d);
		ronda_buf_addf(&d, "%zu hidden link(s), %zu to gambling; hidden text score %d; hosts:",
			       n_hlinks, n_hidden_glinks, hs.spam);
		for (size_t k = 0; k < n_hosts && k < 5; k++)
			ronda_buf_addf(&d, "%s %s", k ? "," : "", hosts[k]);
		ronda_report(f, &rules[R_HIDDEN], first_hidden, _("%s"), d.buf);
	}

	/* visible gambling links */
	if (n_glinks >= 2 || (n_glinks == 1 && (body.n_brands || cta))) {
		int sev = n_glinks >= 3 ? RONDA_SEV_HIGH : RONDA_SEV_MEDIUM;

		if (adjusted(&body) < 0 && n_glinks <= 2)
			sev = RONDA_SEV_LOW;
		ronda_buf_reset(&d);
		ronda_buf_addf(&d, "%zu link(s) to gambling-looking hosts or with gambling anchor text",
			       n_glinks);
		ronda_report_ex(f, &rules[R_LINKS], first_glink, sev, 0, _("%s"), d.buf);
	}

	/* disguised words: honest prose never writes these */
	if (all.n_obf >= 2 || (all.n_obf == 1 && all.spam >= 15)) {
		ronda_buf_reset(&d);
		ronda_buf_addf(&d, "%u disguised gambling term(s) (%zu look-alike, %zu hidden, %zu separated, %zu digit-letter); ",
			       all.n_obf, sc->n->n_folded, sc->n->n_hidden,
			       sc->n->n_joined, sc->n->n_leet);
		describe(st, &all, &d);
		ronda_report_ex(f, &rules[R_OBF], all.first_obf,
				all.n_obf >= 2 ? -1 : RONDA_SEV_MEDIUM, 0, _("%s"), d.buf);
	}

	/* head tags on an otherwise normal page */
	if (html && sc->n_meta && !brand_page && !spam_text) {
		struct score ms = {0};
		size_t off = SIZE_MAX;
		struct ronda_norm mn;

		ronda_norm_init(&mn, 64 << 10);
		for (size_t i = 0; i < sc->n_meta; i++) {
			struct small_ctx c = { st, 0, 0, false };
			size_t len = sc->meta[i].end - sc->meta[i].start;

			ronda_norm_run(&mn, f->data + sc->meta[i].start, MIN(len, (size_t)(64 << 10)),
				       RONDA_NORM_STRIP_TAGS);
			ronda_lexicon_scan(st->lx, mn.text, mn.len, on_small, &c);
			ms.spam += c.spam + (c.brand ? 6 : 0);
			ms.neg += c.neg;
			if ((c.spam || c.brand) && off == SIZE_MAX)
				off = sc->meta[i].off;
		}
		ronda_norm_release(&mn);
		if (ms.spam >= 10 && ms.spam - 2 * ms.neg >= 10) {
			ronda_buf_reset(&d);
			ronda_buf_addf(&d, "head text score %d (negative context %d); page body score %d",
				       ms.spam, ms.neg, adjusted(&body));
			ronda_report(f, &rules[R_META], off, _("%s"), d.buf);
		}
	}
	ronda_buf_release(&d);
	return RONDA_OK;
}

/* ---- detector interface ------------------------------------------------ */

static int judol_init(struct ronda_detector_init *di, void **state)
{
	static const char *const files[] = { "judol-lexicon", "judol-negative",
					     "judol-brands" };
	struct judol *st = xcalloc(1, sizeof(*st));
	struct ronda_buf err = RONDA_BUF_INIT(512);
	int ret = ronda_lexicon_new(files, ARRAY_SIZE(files), &st->lx, &err);

	ronda_norm_prepare();   /* not on the first file's time */

	ronda_buf_release(&err);
	if (ret) {
		free(st);
		return ret;
	}
	st->cat_cta = ronda_lexicon_cat(st->lx, "cta");
	st->cat_neg = ronda_lexicon_cat(st->lx, "negative");

	/* cheap gate on raw bytes; the real work happens on normalised text */
	/* words that are gambling on their own */
	ronda_pattern_add(di, "gacor|togel|maxwin|sbobet|"
			  "\\b(?:judi|casino|kasino)",
			  RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_WORD);
	/* "slot" with the words spam puts around it (a lone "slot" is also
	 * a calendar slot, a MediaWiki revision slot, a Vue slot...) */
	ronda_pattern_add(di, "\\bslot[^a-z0-9\\n]{0,3}(?:online|deposit|depo\\b|dana|pulsa|"
			  "terpercaya|resmi|terbaru|hari|demo|thailand|kamboja|"
			  "server|gampang|mudah|anti|viral|[0-9]{2,4}\\b)|"
			  "(?:situs|daftar|agen|bandar|link|akun|login)[^a-z0-9\\n]{0,3}slot",
			  RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_WORD);
	/* words that are gambling only next to another one: each its own
	 * id, so the scan can count how many different ones a file has */
	for (size_t k = 0; k < ARRAY_SIZE(weak_words); k++)
		ronda_pattern_add(di, weak_words[k],
				  RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_WEAK + (unsigned)k);
	ronda_pattern_add(di, "g[4@]c[o0]r|gac0r|sl0t|s1ot|s10t|m4xw|maxw[1!]n|t0g[e3]l|tog3l",
			  RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_WORD);
	/* words spelled out with separators ("s.l.o.t", "g-a-c-o-r"), as a
	 * set of literals: the general form (a letter class, a separator
	 * class, ...) has no literal factor and doubled the cost of the whole
	 * pattern database; other separators are still joined by the
	 * normaliser once any other gate matches */
	{
		static const char *const words[] = { "slot", "gacor", "togel",
						     "judi", "toto" };
		static const char *const seps[] = { ".", "-", "*", "_", " ", "|",
						    "/", "~", "+", ",", ". ",
						    " . ", "- ", " - ", " * ",
						    "  " };
		struct ronda_buf re = RONDA_BUF_INIT(4096);

		for (size_t w = 0; w < ARRAY_SIZE(words); w++) {
			for (size_t k = 0; k < ARRAY_SIZE(seps); k++) {
				if (re.len)
					ronda_buf_addch(&re, '|');
				for (const char *c = words[w]; *c; c++) {
					if (c != words[w])
						for (const char *p = seps[k]; *p; p++)
							ronda_buf_addf(&re, "\\x%02X",
								       (unsigned char)*p);
					ronda_buf_addch(&re, *c);
				}
			}
		}
		ronda_pattern_add(di, re.buf, RONDA_PAT_CASELESS | RONDA_PAT_SINGLE,
				  P_OBF);
		ronda_buf_release(&re);
	}
	/* zero-width characters hide things between Latin letters;
	 * Persian, Indic and Burmese text uses ZWNJ/ZWJ/ZWSP in ordinary
	 * spelling */
	ronda_pattern_add(di, "[a-z0-9](?:\\xE2\\x80[\\x8B-\\x8D]|\\xE2\\x81\\xA0)|"
			  "(?:&#x?[0-9a-f]{2,6};){3}",
			  RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_OBF);
	/* look-alike letters (mathematical, full-width, small capitals,
	 * circled, enclosed): lookalike_in_word() decides */
	ronda_pattern_add(di, "\\xF0\\x9D[\\x90-\\x9F]|\\xEF\\xBC[\\xA1-\\xBA]|"
			  "\\xEF\\xBD[\\x81-\\x9A]|"
			  "\\xE1\\xB4[\\x80-\\xA2]|\\xE2\\x93[\\x80-\\xBF]|"
			  "\\xF0\\x9F[\\x84\\x85]",
			  RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_OBF_CHAR);
	/* brand-shaped tokens: a number suffix is enough on its own
	 * (ZEUS88, TOGEL4D, KOI777); a word suffix (NAGABET, HOKIWIN,
	 * SUPERMPO) is also English and Spanish (alphabet, darwin, tiempo),
	 * so it counts only beside a weak gambling word */
	ronda_pattern_add(di, "[a-z]{3}[a-z0-9]{0,20}(?:4d|88|138|168|303|777)\\b",
			  RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_BRAND);
	/* the word-suffix form is looked for by has_brand_word, only when
	 * it decides (a pattern here cost ~7% of the database on PHP) */
	*state = st;
	return RONDA_OK;
}

static void judol_release(void *state)
{
	struct judol *st = state;

	if (!st)
		return;
	ronda_lexicon_free(st->lx);
	free(st);
}

static bool ascii_letter(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/* base64 bytes, both alphabets (+/ and -_) */
static const uint8_t b64_table[256] = {
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1,
	['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
	['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
	['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1,
	['x'] = 1, ['y'] = 1, ['z'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1,
	['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['+'] = 1,
	['/'] = 1, ['-'] = 1, ['_'] = 1,
};

static inline bool b64_char(unsigned char c)
{
	return b64_table[c] != 0;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Do the first bytes base64 decodes from p[0..n) read as text (UTF-8
 * without control characters, a tenth of slack)?  Character sets
 * ('abc...XYZ0123'), hashes and identifiers decode to binary. */
static bool b64_text(const unsigned char *p, size_t n)
{
	unsigned char out[48];
	size_t o = 0, bad = 0, cont = 0;
	uint32_t acc = 0;
	int bits = 0;

	n &= ~(size_t)3;
	for (size_t i = 0; i < n && o < sizeof(out); i++) {
		acc = (acc << 6) | (uint32_t)ronda_b64_value(p[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	for (size_t i = 0; i < o; i++) {
		unsigned char b = out[i];

		if (cont) {            /* inside a UTF-8 sequence */
			if ((b & 0xC0) != 0x80) {
				bad++;
				cont = 0;
			} else {
				cont--;
				continue;
			}
		}
		if (b >= 0xC2 && b <= 0xF4)
			cont = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : 1;
		else if (b >= 0x80 || b == 0x7F || (b < 0x20 && !is_space(b)))
			bad++;
	}
	return o >= 24 && bad * 10 <= o;
}

/* A base64 run after the quote at q: both cases and a digit within its
 * first 64 bytes (text encoded in base64 nearly always has one;
 * identifiers and paths such as 'WP_Application_Passwords_List_Table' or
 * 'libraries/classes/Plugins' have none), decoding to text. */
static bool b64_after_quote(const unsigned char *q, const unsigned char *end)
{
	size_t run = 0;
	unsigned kinds = 0;

	/* most quoted strings are short: q[1..32] must all be base64 */
	if (end - q <= 32 || !b64_char(q[32]) || !b64_char(q[16]) || !b64_char(q[1]))
		return false;
	while (q + 1 + run < end && run < 64 && b64_char(q[1 + run])) {
		unsigned char b = q[1 + run];

		kinds |= b >= 'A' && b <= 'Z' ? 1u :
			 b >= 'a' && b <= 'z' ? 2u :
			 b >= '0' && b <= '9' ? 4u : 0u;
		run++;
	}
	return run >= 32 && kinds == 7 && b64_text(q + 1, run);
}

/*
 * The word around a Greek or Cyrillic letter written right after a Latin
 * one at s[i] (ASCII letters and digits, and two-byte UTF-8 letters of the
 * Latin, IPA, Greek and Cyrillic blocks, U+00C0..U+053F): do all its
 * letters fold to Latin ones?  A Latin word disguised with look-alikes
 * ("ѕlоt", "gасоr") does; a Greek or Cyrillic word with a Latin typo
 * ("Πρoτεραιότητα", "cписък", "Iншыя") has letters that fold to nothing,
 * and the normaliser cannot make a gambling word of it.  Over 128 bytes
 * of word: yes.
 */
static bool latin_lookalike_word(const unsigned char *s, size_t n, size_t i)
{
	size_t j = i, k = i;

	while (j > 0 && i - j <= 128) {
		unsigned char c = s[j - 1];

		if (ascii_letter(c) || (c >= '0' && c <= '9'))
			j--;
		else if (j >= 2 && (c & 0xC0) == 0x80 && s[j - 2] >= 0xC3 &&
			 s[j - 2] <= 0xD4)
			j -= 2;
		else
			break;
	}
	while (k < n && k - j <= 256) {
		unsigned char c = s[k];

		if (ascii_letter(c) || (c >= '0' && c <= '9'))
			k++;
		else if (c >= 0xC3 && c <= 0xD4 && k + 1 < n &&
			 (s[k + 1] & 0xC0) == 0x80)
			k += 2;
		else
			break;
	}
	if (i - j > 128 || k - j > 256)
		return true;
	for (size_t x = j; x < k; x++) {
		if (s[x] < 0x80)
			continue;
		uint32_t cp = (uint32_t)(s[x] & 0x1F) << 6 | (s[x + 1] & 0x3Fu);
		char out[2];
		bool look, dia;

		if (ronda_fold_cp(cp, out, &look, &dia) == 0)
			return false;
		x++;
	}
	return true;
}

/*
 * What the gate patterns cannot see in an HTML page without gate words:
 * Cyrillic or Greek look-alikes inside a Latin word ("ѕlоt gасоr", not a
 * Greek or Cyrillic word with a Latin letter in it), a
 * symbol or emoji between two Latin letters ("s🎰l🎰o🎰t", "s·l·o·t") and
 * attribute values that try_base64() would decode (base64 runs).  Accented
 * Latin letters and other scripts are left alone: they are ordinary
 * spelling in most languages.  So is punctuation inside a word ("you’re",
 * "is&nbsp;allowed" as U+00A0, "\\nЗапись" in a PHP string): a visible
 * symbol counts only between single letters in a chain ("s·l·o"), which is
 * what the normaliser joins back into a word; an invisible one (soft
 * hyphen, zero-width) counts anywhere between letters.  A base64 run counts
 * when what it decodes to starts like text.  One pass.
 */
static bool html_suspect(const unsigned char *s, size_t n)
{
	if (n && (s[0] == '"' || s[0] == '\'') && b64_after_quote(s, s + n))
		return true;
	for (size_t i = 1; i + 1 < n; i++) {
#ifdef __SSE2__
		/* 16 bytes at a time: only quotes and bytes >= 0xC2 matter */
		if (n - i >= 17) {
			__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(x,
				_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
					     _mm_cmpeq_epi8(x, _mm_set1_epi8('\'')))));

			if (!m) {
				i += 15;
				continue;
			}
			i += (size_t)__builtin_ctz(m);
		}
#endif
		unsigned char c = s[i];
		size_t l;

		if (c == '"' || c == '\'') {
			/* b64_after_quote()'s first test, inline: most quoted
			 * strings are short */
			if (n - i > 32 && b64_char(s[i + 32]) && b64_char(s[i + 16]) &&
			    b64_char(s[i + 1]) && b64_after_quote(s + i, s + n))
				return true;
			continue;
		}

		if (c < 0xC2 || !ascii_letter(s[i - 1]))
			continue;
		/* "\\nЗапись": the letter ends an escape sequence */
		if (i >= 2 && s[i - 2] == '\\')
			continue;
		/* Greek and Cyrillic letters (lead bytes CE..D1) in a word
		 * that reads as Latin */
		if (c >= 0xCE && c <= 0xD1) {
			if (latin_lookalike_word(s, n, i))
				return true;
			continue;
		}
		/* Latin-1 symbols (C2), general punctuation, arrows,
		 * symbols and dingbats (E2), emoji (F0 9F) */
		if (c == 0xC2)
			l = 2;
		else if (c == 0xE2)
			l = 3;
		else if (c == 0xF0 && s[i + 1] == 0x9F)
			l = 4;
		else
			continue;
		if (i + l >= n || !ascii_letter(s[i + l]))
			continue;
		uint32_t cp = c & (l == 2 ? 0x1Fu : l == 3 ? 0x0Fu : 0x07u);
		bool valid = true;

		for (size_t k = 1; k < l; k++) {
			valid &= (s[i + k] & 0xC0) == 0x80;
			cp = (cp << 6) | (s[i + k] & 0x3Fu);
		}
		if (!valid)
			continue;
		char out[2];
		bool look, dia;
		int fold = ronda_fold_cp(cp, out, &look, &dia);

		if (fold == RONDA_FOLD_HIDDEN || fold == RONDA_FOLD_DROP)
			return true;
		/* s·l·o·t: a single letter, the symbol, a single letter and
		 * more of the same ("I’m asked" stops at the space) */
		if ((i < 2 || !ascii_letter(s[i - 2])) && i + l + 1 < n &&
		    !ascii_letter(s[i + l + 1]) && !is_space(s[i + l + 1]))
			return true;
	}
	return false;
}

/* Does an HTML page hide anything (the ways html_pass() knows)?  Used
 * only to let a word-suffix brand (NAGABET) in on its own.  One pass over
 * the ':' of the file: a CSS declaration that hides (display:none,
 * visibility:hidden, a zero size or opacity, an offset of -999...), or a
 * marquee. */
static bool html_hides(const struct ronda_file *f)
{
	static const struct { const char *prop, *value; } decls[] = {
		{ "display", "none" }, { "visibility", "hidden" },
		{ "font-size", "0" }, { "opacity", "0" }, { "height", "0" },
		{ "width", "0" },
	};
	const unsigned char *s = f->data, *end = f->data + f->len, *q = s;

	if (f->cls.type != RONDA_FT_HTML && !(f->cls.flags & RONDA_CF_HTML))
		return false;
	while ((q = memchr(q, ':', (size_t)(end - q))) != NULL) {
		const unsigned char *v = q + 1, *n = q;
		char name[12];
		size_t nl = 0;

		q++;
		if (v < end && *v == ' ')
			v++;
		/* off-screen: left:-9999px, text-indent: -999em, margin... */
		if (end - v >= 4 && !memcmp(v, "-999", 4))
			return true;
		if (n > s && n[-1] == ' ')
			n--;
		while (n > s && nl < sizeof(name) - 1 &&
		       (ascii_letter(n[-1]) || n[-1] == '-'))
			n--, nl++;
		if (!nl || (n > s && (ascii_letter(n[-1]) || n[-1] == '-')))
			continue;
		for (size_t k = 0; k < nl; k++)
			name[k] = (char)(n[k] | 0x20);
		name[nl] = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(decls); i++) {
			size_t vl = strlen(decls[i].value);

			if (!strcmp(name, decls[i].prop) && (size_t)(end - v) >= vl &&
			    !strncasecmp((const char *)v, decls[i].value, vl))
				return true;
		}
	}
	return ronda_memcasemem(f->data, f->len, "<marquee") < f->len;
}

/*
 * Whether the content matches (ASCII caseless)
 * [a-z]{3}[a-z0-9]{0,20}(?:qq|bet|win|mpo)\b: a word suffix at the end of
 * a run of letters and digits not followed by '_' (\b), with three
 * letters in a row 3..23 bytes before the suffix. Once a pattern of the
 * common database with short, frequent literals ("win", "bet"), and only
 * its presence counted, beside a weak word or hiding CSS.  Runs that are
 * code, not text, do not count: one right after a '_' (the tail of an
 * identifier, message_extwin) and an array key (['openinextwin']).
 */
static bool bw_alnum(unsigned char c)
{
	return ascii_letter(c) || (c >= '0' && c <= '9');
}

/* The run of letters and digits ending at re (s[re] is not a word byte):
 * does it end with a suffix after three letters in a row?  Looks back at
 * most 27 bytes, all the test needs. */
static bool brand_run(const unsigned char *s, size_t len, size_t re)
{
	size_t rs = re, n = 0;

	/* the suffix first (its bytes are in the run when the run has the
	 * five bytes asked for below): most runs end in none */
	if (re < 5 || !((((s[re - 2] | 0x20) == 'q') && (s[re - 1] | 0x20) == 'q') ||
			(((s[re - 2] | 0x20) == 'e') && (s[re - 1] | 0x20) == 't') ||
			(((s[re - 2] | 0x20) == 'i') && (s[re - 1] | 0x20) == 'n') ||
			(((s[re - 2] | 0x20) == 'p') && (s[re - 1] | 0x20) == 'o')))
		return false;
	while (rs > 0 && re - rs < 27 && bw_alnum(s[rs - 1]))
		rs--;
	if (re - rs < 5)
		return false;
	/* not a word shown to anyone: the tail of an identifier
	 * (message_extwin) or an array key ($labels['openinextwin']) */
	if (rs > 0 && s[rs - 1] == '_')
		return false;
	if (rs >= 2 && (s[rs - 1] == '\'' || s[rs - 1] == '"') && s[rs - 2] == '[' &&
	    re + 1 < len && s[re] == s[rs - 1] && s[re + 1] == ']')
		return false;
	/* | 0x20 lower-cases letters and leaves digits as they are */
	unsigned char a = s[re - 3] | 0x20, b = s[re - 2] | 0x20, c = s[re - 1] | 0x20;

	if (b == 'q' && c == 'q')
		n = 2;
	else if (re - rs >= 6 && ((a == 'b' && b == 'e' && c == 't') ||
				  (a == 'w' && b == 'i' && c == 'n') ||
				  (a == 'm' && b == 'p' && c == 'o')))
		n = 3;
	if (!n)
		return false;
	size_t e = re - n, from = e - rs > 23 ? e - 23 : rs, run = 0;

	for (size_t j = from; j < e; j++) {
		run = ascii_letter(s[j]) ? run + 1 : 0;
		if (run == 3)       /* three letters from j - 2 <= e - 3 */
			return true;
	}
	return false;
}

static bool bw_word(unsigned char c)
{
	return bw_alnum(c) || c == '_';
}

static bool bw_last(unsigned char c)
{
	c |= 0x20;
	return c == 'q' || c == 't' || c == 'n' || c == 'o';
}

/* Only the ends of runs matter: a suffix's last letter (q, t, n, o) not
 * followed by a word byte; found 16 bytes at a time where SSE2 is there. */
static bool has_brand_word(const unsigned char *s, size_t len)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i bit5 = _mm_set1_epi8(0x20), a = _mm_set1_epi8('a'),
		      z25 = _mm_set1_epi8(25), zero = _mm_set1_epi8('0'),
		      nine = _mm_set1_epi8(9), us = _mm_set1_epi8('_'),
		      q = _mm_set1_epi8('q'), t = _mm_set1_epi8('t'),
		      nn = _mm_set1_epi8('n'), o = _mm_set1_epi8('o');

	for (; len - i >= 17 && len >= 17; i += 16) {
		__m128i x = _mm_or_si128(_mm_loadu_si128((const __m128i *)(s + i)), bit5);
		__m128i y = _mm_loadu_si128((const __m128i *)(s + i + 1));
		__m128i last = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, t)),
					    _mm_or_si128(_mm_cmpeq_epi8(x, nn), _mm_cmpeq_epi8(x, o)));
		__m128i l = _mm_sub_epi8(_mm_or_si128(y, bit5), a), d = _mm_sub_epi8(y, zero);
		__m128i word = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(l, z25), l),
							 _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d)),
					    _mm_cmpeq_epi8(y, us));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(word, last));

		while (m) {
			unsigned k = (unsigned)__builtin_ctz(m);

			if (brand_run(s, len, i + k + 1))
				return true;
			m &= m - 1;
		}
	}
#endif
	for (; i < len; i++)
		if (bw_last(s[i]) && (i + 1 == len || !bw_word(s[i + 1])) &&
		    brand_run(s, len, i + 1))
			return true;
	return false;
}

/*
 * P_BRAND matched: is one of its matches a word the lexicon calls a brand?
 * The pattern also matches hex constants (0xEEEEAA88), standard numbers
 * (RFC4288) and charset names (csISO57GB1988) that the lexicon rejects (a
 * brand has >= 3 letters and at most one digit before its suffix) or
 * stops (isoIR88); the full analysis only counts the words it accepts.
 * Every match of the pattern is looked at: a suffix (4d 88 138 168 303
 * 777) ending a run of letters and digits that no '_' follows, with three
 * letters in a row at most 20 bytes before the suffix.  The run, read by
 * the normaliser on its own (digits inside a word read as letters), must
 * pass ronda_lex_brand().  Where the normaliser could make a longer word
 * than the run (a non-ASCII byte or an entity right before or after it)
 * the answer is yes, and so it is past MAX_BRAND_TOKENS matches.
 */
#define MAX_BRAND_TOKENS 64

/* The pattern's [a-z]{3}[a-z0-9]{0,20} before a suffix starting at p. */
static bool three_letters_before(const unsigned char *s, size_t p)
{
	size_t run = 0;

	for (size_t j = p, k = 0; j > 0 && k < 23; j--, k++) {
		unsigned char c = s[j - 1];

		if (!ascii_letter(c) && !(c >= '0' && c <= '9'))
			return false;
		run = ascii_letter(c) ? run + 1 : 0;
		if (run == 3)
			return true;
	}
	return false;
}

/* Does the pattern match ending at e: a suffix (4d 88 138 168 303 777,
 * any case; no two end alike) after its letters? */
static bool brand_suffix_match(const unsigned char *s, size_t e)
{
	if (e < 5)
		return false;
	unsigned char a = s[e - 3], b = s[e - 2], c = s[e - 1];

	if ((b == '4' && (c == 'd' || c == 'D')) || (b == '8' && c == '8'))
		return three_letters_before(s, e - 2);
	return ((a == '1' && (b == '3' || b == '6') && c == '8') ||
		(a == '3' && b == '0' && c == '3') ||
		(a == '7' && b == '7' && c == '7')) &&
	       three_letters_before(s, e - 3);
}

static bool brand_token_at(const struct judol *st, const unsigned char *s,
			   size_t len, size_t e, unsigned *budget)
{
	if (!brand_suffix_match(s, e))
		return false;
	if (*budget == 0)
		return true;
	(*budget)--;
	size_t rs = e;

	while (rs > 0 && e - rs <= 64 && (ascii_letter(s[rs - 1]) ||
					  (s[rs - 1] >= '0' && s[rs - 1] <= '9')))
		rs--;
	/* a byte the normaliser may fold into the same word, or a run too
	 * long to look at */
	if ((rs > 0 && (s[rs - 1] >= 0x80 || s[rs - 1] == ';' || s[rs - 1] == '&' ||
			ascii_letter(s[rs - 1]) || (s[rs - 1] >= '0' && s[rs - 1] <= '9'))) ||
	    (e < len && (s[e] >= 0x80 || s[e] == '&')))
		return true;
	struct ronda_norm nm;
	bool brand;

	ronda_norm_init(&nm, 128);
	ronda_norm_run(&nm, s + rs, e - rs, RONDA_NORM_NO_ENTITIES);
	brand = nm.len && !memchr(nm.text, ' ', nm.len) &&
		ronda_lex_brand(st->lx, nm.text, nm.len, NULL);
	ronda_norm_release(&nm);
	return brand;
}

static bool word_byte(unsigned char c)
{
	return ascii_letter(c) || (c >= '0' && c <= '9') || c == '_';
}

/* Suffix ends: 8 d D 3 7 not followed by a word byte, 16 bytes at a time
 * where SSE2 is there (as has_brand_word). */
static bool has_brand_token(const struct judol *st, const unsigned char *s,
			    size_t len)
{
	unsigned budget = MAX_BRAND_TOKENS;
	size_t i = 0;

#ifdef __SSE2__
	const __m128i bit5 = _mm_set1_epi8(0x20), a = _mm_set1_epi8('a'),
		      z25 = _mm_set1_epi8(25), zero = _mm_set1_epi8('0'),
		      nine = _mm_set1_epi8(9), us = _mm_set1_epi8('_'),
		      c8 = _mm_set1_epi8('8'), c3 = _mm_set1_epi8('3'),
		      c7 = _mm_set1_epi8('7'), cd = _mm_set1_epi8('d');

	for (; len >= 17 && len - i >= 17; i += 16) {
		/* | 0x20 leaves '8' '3' '7' as they are and lower-cases 'D' */
		__m128i x = _mm_or_si128(_mm_loadu_si128((const __m128i *)(s + i)), bit5);
		__m128i y = _mm_loadu_si128((const __m128i *)(s + i + 1));
		__m128i last = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, c8), _mm_cmpeq_epi8(x, c3)),
					    _mm_or_si128(_mm_cmpeq_epi8(x, c7), _mm_cmpeq_epi8(x, cd)));
		__m128i l = _mm_sub_epi8(_mm_or_si128(y, bit5), a), d = _mm_sub_epi8(y, zero);
		__m128i word = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(l, z25), l),
							 _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d)),
					    _mm_cmpeq_epi8(y, us));
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_andnot_si128(word, last));

		while (m) {
			unsigned k = (unsigned)__builtin_ctz(m);

			if (brand_token_at(st, s, len, i + k + 1, &budget))
				return true;
			m &= m - 1;
		}
	}
#endif
	for (; i < len; i++) {
		unsigned char c = s[i] | 0x20;

		if ((c == '8' || c == 'd' || c == '3' || c == '7') &&
		    (i + 1 == len || !word_byte(s[i + 1])) &&
		    brand_token_at(st, s, len, i + 1, &budget))
			return true;
	}
	return false;
}

/*
 * P_OBF_CHAR matched: is one of the look-alike letters it looks for (the
 * same byte classes) more than a one-character string of a character
 * table ('𝒜' => '&Ascr;' in an entity list, 'ᴀ' in a transliteration
 * table)?  Such a letter, between quotes with three more plain ASCII
 * separators on each side, is a word of one letter for the normaliser:
 * four breaks on each side are more than it joins single letters across
 * (MAX_JOIN_GAP), and no lexicon term or brand has one letter.  A tag,
 * comment, entity or any non-ASCII byte nearby could be fewer breaks:
 * then, and for every other look-alike letter, the answer is yes, except
 * for a run of them written against kana or CJK ideographs: that is
 * Japanese or Chinese typography ('ＵＲＬデコード' in a message catalogue),
 * not a Latin word dressed up for an Indonesian reader.
 */
static bool plain_sep(unsigned char c, bool left)
{
	/* not the last byte of a tag, comment or entity before the letter
	 * (one break, or a letter, for many bytes) nor the first one after
	 * it; a non-ASCII byte may be an invisible character (no break) */
	return c < 0x80 && !ascii_letter(c) && !(c >= '0' && c <= '9') &&
	       c != '<' && c != '&' && (!left || (c != '>' && c != ';'));
}

/* bytes of the look-alike letter at s[i] (0: none) */
static size_t lookalike_at(const unsigned char *s, size_t n, size_t i)
{
	unsigned char c, c1, c2;

	if (i + 2 >= n)
		return 0;
	c = s[i], c1 = s[i + 1], c2 = s[i + 2];
	if (c == 0xF0 && ((c1 == 0x9D && c2 >= 0x90 && c2 <= 0x9F) ||
			  (c1 == 0x9F && (c2 == 0x84 || c2 == 0x85))))
		return 4;
	if ((c == 0xEF && ((c1 == 0xBC && c2 >= 0xA1 && c2 <= 0xBA) ||
			   (c1 == 0xBD && c2 >= 0x81 && c2 <= 0x9A))) ||
	    (c == 0xE1 && c1 == 0xB4 && c2 >= 0x80 && c2 <= 0xA2) ||
	    (c == 0xE2 && c1 == 0x93 && c2 >= 0x80))
		return 3;
	return 0;
}

/* the three bytes at s[i] are kana (U+3040-U+30FF) or a CJK ideograph
 * (U+3400-U+9FFF); not CJK punctuation such as the ideographic space */
static bool kana_or_han(const unsigned char *s, size_t n, size_t i)
{
	if (i + 2 >= n || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80)
		return false;
	if (s[i] == 0xE3)
		return (s[i + 1] >= 0x81 && s[i + 1] <= 0x83) || s[i + 1] >= 0x90;
	return s[i] >= 0xE4 && s[i] <= 0xE9;
}

static bool lookalike_in_word(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++) {
		size_t l;

		if (s[i] < 0xE1 || !(l = lookalike_at(s, n, i)))
			continue;
		/* the run of look-alike letters from here: against kana or
		 * ideographs on either side it is CJK writing */
		size_t e = i + l, m;

		while ((m = lookalike_at(s, n, e)) != 0)
			e += m;
		if ((i >= 3 && kana_or_han(s, n, i - 3)) || kana_or_han(s, n, e)) {
			i = e - 1;
			continue;
		}
		bool alone = i >= 4 && i + l + 4 <= n &&
			     (s[i - 1] == '\'' || s[i - 1] == '"') &&
			     (s[i + l] == '\'' || s[i + l] == '"');

		for (size_t k = 2; alone && k <= 4; k++)
			alone = plain_sep(s[i - k], true) &&
				plain_sep(s[i + l + k - 1], false);
		if (!alone)
			return true;
		i += l - 1;
	}
	return false;
}

static bool worth_a_look(const struct judol *st, const struct ronda_file *f,
			 const struct ronda_hits *hits)
{
	size_t weak = 0;

	if (ronda_hits_has(hits, P_WORD) || ronda_hits_has(hits, P_OBF))
		return true;
	if (ronda_hits_has(hits, P_OBF_CHAR) && lookalike_in_word(f->data, f->len))
		return true;
	if (ronda_hits_has(hits, P_BRAND) && has_brand_token(st, f->data, f->len))
		return true;
	for (size_t k = 0; k < ARRAY_SIZE(weak_words); k++)
		weak += ronda_hits_has(hits, P_WEAK + (unsigned)k);
	/* a word-suffix brand counts as one more weak word, or alone with
	 * hiding CSS */
	if (weak >= 2 || (weak == 1 && has_brand_word(f->data, f->len)))
		return true;
	if (weak == 0 && html_hides(f) && has_brand_word(f->data, f->len))
		return true;
	return (f->cls.type == RONDA_FT_HTML || (f->cls.flags & RONDA_CF_HTML)) &&
	       html_suspect(f->data, f->len);
}

static int judol_scan(void *state, struct ronda_file *f,
		      const struct ronda_hits *hits)
{
	struct scan sc;
	enum ronda_ftype t = f->cls.type;
	if (t != RONDA_FT_HTML && t != RONDA_FT_PHP && t != RONDA_FT_TEXT &&
	    t != RONDA_FT_JSON)
		return RONDA_OK;
	/* scripts, styles and source maps are the client-side detectors' */
	static const char *const skip_ext[] = { "js", "mjs", "cjs", "map", "css",
						"ts", "scss", "less" };
	for (size_t i = 0; i < ARRAY_SIZE(skip_ext); i++)
		if (!strcmp(f->ext, skip_ext[i]))
			return RONDA_OK;
	if (strstr(f->name, ".map.") || strstr(f->name, ".min."))
		return RONDA_OK;
	if (!worth_a_look(state, f, hits))
		return RONDA_OK;
	memset(&sc, 0, sizeof(sc));
	sc.st = state;
	sc.f = f;
	sc.weak_obf = (f->cls.flags & RONDA_CF_MINIFIED) != 0;
	return analyse(&sc);
}

const struct ronda_detector ronda_detector_judol = { .name = "judol", .summary = N_("online-gambling spam in pages, templates, text and JSON"), .rules = rules, .n_rules = ARRAY_SIZE(rules), .init = judol_init, .release = judol_release, .scan = judol_scan };
