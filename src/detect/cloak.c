/*
 * cloak.c — PHP that shows search engines (or phones, or Indonesian
 * visitors) other content than the site: the entry-file cloaker of gambling
 * SEO spam, template remote includes and output after </html>.
 *
 * Vectorscan finds the ingredients: request-header reads (User-Agent,
 * Referer, Accept-Language, client address), content actions (remote or
 * local reads, includes, redirects), URL literals, exit/die.  For each
 * header read the detector looks in bounded windows around it for the
 * crawler list (tools in text/seo_words.h see it also concatenated,
 * reversed or base64-encoded) and after it for an action; a header test for
 * crawlers followed by served content is a cloaker.  Decoded layers
 * (f->depth > 0) are judged the same way, so a cloaker hidden in
 * eval(base64_decode(...)) is found once the deobfuscator peels it.
 * No regex runs here: only the hit offsets and linear scans of windows.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/detector.h"
#include "core/error.h"
#include "core/hscache.h"
#include "core/i18n.h"
#include "text/seo_words.h"
#include "text/url.h"
#include "core/util.h"
#include "lang/php_lex.h"
#include "lang/php_toks.h"

enum {
	R_UA, R_REF, R_LANG, R_IP, R_REMOTE, R_LOCAL, R_ORIGINAL, R_TEMPLATE,
	R_AFTER_HTML, R__COUNT
};

static const struct ronda_rule rules[R__COUNT] = {
	[R_UA] = { "judol.cloak.ua", RONDA_CAT_CLOAKER, RONDA_SEV_HIGH, 85,
		N_("PHP code serves other content when the User-Agent is a search engine crawler (or a phone)"),
		N_("restore this file from a clean copy or remove the injected block, then find how it was written (webshell, stolen password)") },
	[R_REF] = { "judol.cloak.referer", RONDA_CAT_CLOAKER, RONDA_SEV_HIGH, 85,
		N_("PHP code serves other content to visitors arriving from a search engine"),
		N_("restore this file from a clean copy or remove the injected block, then find how it was written") },
	[R_LANG] = { "judol.cloak.lang", RONDA_CAT_CLOAKER, RONDA_SEV_HIGH, 75,
		N_("PHP code serves other content depending on the visitor's Accept-Language"),
		N_("restore this file from a clean copy or remove the injected block") },
	[R_IP] = { "judol.cloak.ip", RONDA_CAT_CLOAKER, RONDA_SEV_HIGH, 85,
		N_("PHP code serves other content to Google's crawler addresses"),
		N_("restore this file from a clean copy or remove the injected block") },
	[R_REMOTE] = { "judol.cloak.remote", RONDA_CAT_CLOAKER, RONDA_SEV_HIGH, 85,
		N_("the cloaked content is fetched from another server at request time"),
		N_("remove the fetch; the named host serves the spam and may be reported to its provider") },
	[R_LOCAL] = { "judol.cloak.local", RONDA_CAT_CLOAKER, RONDA_SEV_HIGH, 80,
		N_("the cloaked content is read from a local text or HTML file"),
		N_("remove the fetch and delete the named file after checking it") },
	[R_ORIGINAL] = { "judol.cloak.include-original", RONDA_CAT_CLOAKER,
		RONDA_SEV_HIGH, 75,
		N_("the cloaker includes the original page moved to a renamed file"),
		N_("move the original page back into place and delete the cloaker") },
	[R_TEMPLATE] = { "judol.template-remote-include", RONDA_CAT_JUDOL,
		RONDA_SEV_MEDIUM, 65,
		N_("a template prints content fetched from another server at every page view"),
		N_("remove the line unless the remote content is yours; injected spam is usually one line in a footer or sidebar") },
	[R_AFTER_HTML] = { "judol.after-html", RONDA_CAT_JUDOL, RONDA_SEV_MEDIUM, 60,
		N_("content is printed after the closing </html> tag, where injected links are usually appended"),
		N_("remove everything after </html> unless you put it there") },
};

enum {
	P_UA, P_REF, P_LANG, P_IP, P_FETCH, P_CURL, P_INCL, P_URL, P_B64URL,
	P_LOCALFILE, P_RENAMED, P_EXIT, P_LOCATION, P_TPL_ECHO, P_HTML_END, P_OUT,
	P_TPL_FN,
};

/*
 * The patterns marked `demand` are kept out of the engine's database,
 * which every file goes through, and scanned (ronda_hs_set_hits: same
 * regex engine, same hits, same cap) only for a PHP file with a header
 * read (P_UA, P_REF, P_LANG, P_IP), where the cloaker checks use them;
 * their hits are merged with the engine's.  The template check needs only
 * the first P_TPL_ECHO pattern, and only near a URL: that one is scanned
 * alone when there is a URL and a P_TPL_FN hit that could end one of its
 * matches (tpl_may).
 */
static const struct {
	const char *expr;
	unsigned flags;
	unsigned id;
	bool demand;
} patterns[] = {
	/* header keys: a key is read as 'HTTP_REFERER', [HTTP_REFERER] or
	 * getenv("HTTP_REFERER"), never inside a longer name such as
	 * WordPress's wp_http_referer (a form field), hence the \b */
	{ "\\bHTTP_USER_AGENT", RONDA_PAT_CASELESS, P_UA, false },
	{ "['\"]user-agent['\"]", RONDA_PAT_CASELESS, P_UA, false },
	{ "\\bHTTP_REFERER", RONDA_PAT_CASELESS, P_REF, false },
	{ "\\bHTTP_ACCEPT_LANGUAGE", RONDA_PAT_CASELESS, P_LANG, false },
	{ "\\b(REMOTE_ADDR|HTTP_X_FORWARDED_FOR|HTTP_CF_CONNECTING_IP|HTTP_X_REAL_IP|HTTP_CLIENT_IP)",
	  RONDA_PAT_CASELESS, P_IP, false },
	{ "\\b(file_get_contents|fopen|readfile|fpassthru|fsockopen|stream_get_contents|wp_remote_get|file)\\s*\\(",
	  RONDA_PAT_CASELESS, P_FETCH, true },
	{ "\\bcurl_(exec|init)\\s*\\(", RONDA_PAT_CASELESS, P_CURL, true },
	{ "\\b(include|require)(_once)?\\b", RONDA_PAT_CASELESS, P_INCL, true },
	{ "['\"](https?:)?//[a-z0-9]", RONDA_PAT_CASELESS, P_URL, false },
	{ "['\"]aHR0c", 0, P_B64URL, false },
	{ "\\.(txt|html?|dat|log|md|ico|jpe?g|png|gif)['\"]", RONDA_PAT_CASELESS, P_LOCALFILE, true },
	{ "['\"/]([a-z0-9]+[_.-])?(old|white|ori|orig|original|asli|backup|bak|lama|real)([_.-][a-z0-9_.-]{0,20})?\\.php[0-9]?['\"]",
	  RONDA_PAT_CASELESS, P_RENAMED, true },
	{ "\\b(exit|die)\\b", RONDA_PAT_CASELESS, P_EXIT, true },
	{ "\\bheader\\s*\\(\\s*['\"]location:", RONDA_PAT_CASELESS, P_LOCATION, true },
	{ "(\\becho|\\bprint|<\\?=|\\{!!)\\s*\\(?\\s*@?\\s*(file_get_contents|curl_exec|stream_get_contents|wp_remote_retrieve_body)\\s*\\(",
	  RONDA_PAT_CASELESS, P_TPL_ECHO, true },
	{ "\\b(readfile|include|require)(_once)?\\s*\\(?\\s*['\"]https?://", RONDA_PAT_CASELESS, P_TPL_ECHO, false },
	{ "</html\\s*>", RONDA_PAT_CASELESS, P_HTML_END, false },
	{ "\\b(echo|print|printf|readfile|fpassthru)\\b|<\\?=|\\b(exit|die)\\s*\\(\\s*\\$",
	  RONDA_PAT_CASELESS, P_OUT, true },
	/* where every P_TPL_ECHO hit of the pattern above ends (see tpl_may) */
	{ "(file_get_contents|curl_exec|stream_get_contents|wp_remote_retrieve_body)\\s*\\(",
	  RONDA_PAT_CASELESS, P_TPL_FN, false },
};

#define EVIDENCE_BEFORE 4096u
#define EVIDENCE_AFTER 2048u
#define ACTION_AFTER 3072u
#define URL_BEFORE 6144u
#define MAX_CONDS 48

enum action_kind { A_NONE, A_REMOTE, A_LOCAL, A_REDIRECT };

struct action {
	enum action_kind kind;
	uint64_t at;           /* end of the action's hit */
	char what[256];        /* host or file name */
	int exits;             /* -1 unknown (look at the hits), 0, 1 */
};

/* Last hit of id with end in [lo, hi]. */
static const struct ronda_hit *last_hit_in(const struct ronda_hits *h,
					   unsigned id, uint64_t lo, uint64_t hi)
{
	const struct ronda_hit *last = NULL;

	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i].end > hi)
			break;
		if (h->v[i].id == id && h->v[i].end >= lo)
			last = &h->v[i];
	}
	return last;
}

/* The quoted literal around a hit whose match starts at a quote within
 * the last `back` bytes before end: copies its content (bounded). */
static size_t literal_at(const struct ronda_file *f, uint64_t end, size_t back,
			 char *out, size_t size)
{
	uint64_t q = end;
	size_t o = 0;
	unsigned char quote;

	while (q > 0 && end - q < back) {
		q--;
		if (f->data[q] == '\'' || f->data[q] == '"')
			break;
	}
	quote = f->data[q];
	if (quote != '\'' && quote != '"')
		return 0;
	for (uint64_t i = q + 1; i < f->len && o + 1 < size; i++) {
		if (f->data[i] == quote || f->data[i] == '\n')
			break;
		out[o++] = (char)f->data[i];
	}
	out[o] = '\0';
	return o;
}

/* The quoted literal that ends just before offset end (the hit ends with
 * its closing quote). */
static size_t literal_ending_at(const struct ronda_file *f, uint64_t end,
				size_t back, char *out, size_t size)
{
	unsigned char quote;
	uint64_t q;
	size_t n;

	out[0] = '\0';
	if (end < 2)
		return 0;
	quote = f->data[end - 1];
	q = end - 1;
	while (q > 0 && end - q < back && f->data[q - 1] != quote)
		q--;
	if (q == 0 || f->data[q - 1] != quote)
		return 0;
	n = MIN((size_t)(end - 1 - q), size - 1);
	memcpy(out, f->data + q, n);
	out[n] = '\0';
	return n;
}

/* Host of a URL literal hit (plain or base64 "aHR0c..."). */
static bool url_of_hit(const struct ronda_file *f, const struct ronda_hit *h,
		       char *url, size_t usize, char *host, size_t hsize)
{
	char lit[512];
	size_t n;

	n = literal_at(f, h->end, h->id == P_B64URL ? 6 : 12, lit, sizeof(lit));
	if (!n)
		return false;
	if (h->id == P_B64URL) {
		unsigned char dec[512];
		size_t dn = ronda_b64_decode((const unsigned char *)lit, n, dec,
					     sizeof(dec) - 1);
		size_t o = 0;
		for (size_t i = 0; i < dn && o + 1 < usize; i++)
			if (dec[i] >= 0x20 && dec[i] < 0x7f)
				url[o++] = (char)dec[i];
		url[o] = '\0';
	} else {
		ronda_strlcpy(url, lit, usize);
	}
	return ronda_url_host(url, strlen(url), host, hsize) > 0;
}

/* The URL a call reads, for a call hit ending at its '(' (or, for
 * include, at the keyword): a literal argument, base64_decode('aHR0c...'),
 * or a $variable whose URL literal was assigned in the `back` bytes
 * before.  cURL handles get the URL set nearby. */
static const struct ronda_hit *call_url(const struct ronda_file *f,
					const struct ronda_hits *h,
					const struct ronda_hit *x, uint64_t back)
{
	uint64_t p = x->end;
	const struct ronda_hit *u = NULL;

	if (x->id == P_CURL)
		return ronda_hits_in(h, P_URL, ronda_sub0(x->end, 400), x->end + 400);
	while (p < f->len && p < x->end + 16 &&
	       (f->data[p] == ' ' || f->data[p] == '\t' || f->data[p] == '@' ||
		f->data[p] == '('))
		p++;
	if (p >= f->len)
		return NULL;
	if (f->data[p] == '\'' || f->data[p] == '"') {
		u = ronda_hits_in(h, P_URL, p, p + 16);
		if (!u)
			u = ronda_hits_in(h, P_B64URL, p, p + 16);
		return u;
	}
	if (p + 14 <= f->len && !strncasecmp((const char *)f->data + p, "base64_decode", 13))
		return ronda_hits_in(h, P_B64URL, p, p + 40);
	if (f->data[p] == '$') {
		for (size_t i = 0; i < h->n && h->v[i].end <= x->end; i++)
			if ((h->v[i].id == P_URL || h->v[i].id == P_B64URL) &&
			    h->v[i].end + back >= x->end)
				u = &h->v[i];
		return u;
	}
	return NULL;
}

static bool find_action(const struct ronda_file *f, const struct ronda_hits *h,
			uint64_t cond, struct action *a)
{
	uint64_t hi = cond + ACTION_AFTER;

	memset(a, 0, sizeof(*a));
	a->exits = -1;
	for (size_t i = 0; i < h->n; i++) {
		const struct ronda_hit *x = &h->v[i];
		const struct ronda_hit *u, *lf;
		char url[512];

		if (x->end > hi)
			break;
		if (x->end <= cond)
			continue;
		switch (x->id) {
		case P_FETCH:
		case P_CURL:
		case P_INCL:
			/* content that is read must also be printed */
			if (x->id != P_INCL &&
			    !ronda_hits_in(h, P_OUT, ronda_sub0(x->end, 80), x->end + 600))
				break;
			u = call_url(f, h, x, x->end - ronda_sub0(cond, URL_BEFORE));
			if (u &&
			    url_of_hit(f, u, url, sizeof(url), a->what, sizeof(a->what))) {
				a->kind = A_REMOTE;
				a->at = x->end;
				return true;
			}
			if (x->id == P_CURL) {
				a->kind = A_REMOTE;
				a->at = x->end;
				ronda_strlcpy(a->what, _("a cURL request"), sizeof(a->what));
				return true;
			}
			lf = ronda_hits_in(h, P_LOCALFILE, x->id == P_INCL ? x->end : ronda_sub0(cond, 2048),
				    x->end + 300);
			if (lf) {
				a->kind = A_LOCAL;
				a->at = x->end;
				literal_ending_at(f, lf->end, 300, a->what, sizeof(a->what));
				return true;
			}
			break;
		case P_LOCATION:
			u = ronda_hits_in(h, P_URL, x->end - 1, x->end + 200);
			if (!u)
				u = ronda_hits_in(h, P_B64URL, x->end, x->end + 200);
			a->kind = A_REDIRECT;
			a->at = x->end;
			if (!u || !url_of_hit(f, u, url, sizeof(url), a->what,
					      sizeof(a->what))) {
				/* "Location: https://..." is one literal */
				char lit[512];
				if (literal_at(f, x->end, 12, lit, sizeof(lit)) &&
				    ronda_url_host(lit + 9 + (lit[9] == ' '), strlen(lit + 9 + (lit[9] == ' ')),
						   a->what, sizeof(a->what)))
					return true;
				a->kind = A_NONE;
				break;
			}
			return true;
		default:
			break;
		}
	}
	return false;
}

/* Accept-Language compared with Indonesian. */
static bool lang_evidence(const unsigned char *p, size_t n)
{
	static const char *const forms[] = {
		"'id'", "\"id\"", "id-id", "id_id", "'id,", "\"id,", "'id;", "/^id", "'in'",
		NULL,
	};
	for (const char *const *s = forms; *s; s++)
		if (ronda_seo_memcase(p, n, *s, strlen(*s)))
			return true;
	return false;
}

struct cloak_state {
	unsigned reported;     /* bit per rule */
	struct ronda_crawl_file cf;   /* crawler words of the file, indexed */
};

/* ronda_crawl_find() on the window [lo, hi) of the file. */
static bool crawl_find(struct cloak_state *st, uint64_t lo, uint64_t hi,
		       unsigned kinds, struct ronda_crawl_match *m)
{
	return ronda_crawl_find_each_in(&st->cf, (size_t)lo, (size_t)(hi - lo),
					&kinds, 1, m) != 0;
}

static void report_once(struct ronda_file *f, struct cloak_state *st, int r,
			uint64_t off, int sev, unsigned conf, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static void report_once(struct ronda_file *f, struct cloak_state *st, int r,
			uint64_t off, int sev, unsigned conf, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	if (st->reported & (1u << r))
		return;
	st->reported |= 1u << r;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ronda_report_ex(f, &rules[r], off, sev, conf, "%s", detail);
}

static const char *action_name(enum action_kind k)
{
	switch (k) {
	case A_REMOTE: return _("fetches");
	case A_LOCAL: return _("reads");
	case A_REDIRECT: return _("redirects to");
	default: return "";
	}
}

/* Report a crawler test at cond followed by action a (evidence: the
 * crawler word and how it was written). */
static void report_cloak(struct ronda_file *f, struct cloak_state *st, int r,
			 uint64_t cond, const char *evidence, const char *how,
			 bool mobile_only, const struct action *a,
			 const struct ronda_hits *h, const char *via)
{
	const struct ronda_hit *ex;
	char ev[192];
	int sev = -1;
	unsigned conf = 0;
	bool quote_how = *how && strcmp(how, "literal");

	/* phones, languages: only served content counts, a redirect to a
	 * mobile or language version of the site is normal */
	if ((mobile_only || r == R_LANG) && a->kind == A_REDIRECT)
		return;
	/* a redirect is high only to a gambling-looking or free host */
	if (a->kind == A_REDIRECT && !ronda_url_is_bad(a->what, a->what, NULL)) {
		sev = RONDA_SEV_MEDIUM;
		conf = 60;
	}
	ex = a->exits >= 0 ? (a->exits ? &h->v[0] : NULL)
			   : ronda_hits_in(h, P_EXIT, a->at, a->at + 1500);
	if (!ex && a->kind != A_REDIRECT)
		conf = 70;
	snprintf(ev, sizeof(ev), "%s%s%s%s%s", evidence, quote_how ? " (" : "",
		 quote_how ? how : "", quote_how ? ")" : "", via ? via : "");
	report_once(f, st, r, cond, sev, conf,
		    mobile_only ? _("mobile visitors ('%s') get other content: the code %s '%s'")
				: _("request compared with '%s', then the code %s '%s'"),
		    ev, action_name(a->kind), a->what);
	if (a->kind == A_REMOTE)
		report_once(f, st, R_REMOTE, a->at, -1, 0,
			    _("content fetched from '%s'%s"), a->what,
			    ex ? _(", then the script exits") : "");
	else if (a->kind == A_LOCAL)
		report_once(f, st, R_LOCAL, a->at, -1, 0,
			    _("content read from '%s'%s"), a->what,
			    ex ? _(", then the script exits") : "");
}

static void check_condition(struct ronda_file *f, const struct ronda_hits *h,
			    const struct ronda_hit *c, struct cloak_state *st)
{
	uint64_t lo = ronda_sub0(c->end, EVIDENCE_BEFORE);
	uint64_t hi = MIN((uint64_t)f->len, c->end + EVIDENCE_AFTER);
	struct ronda_crawl_match m = { 0, NULL, NULL };
	struct action a;
	const char *evidence = NULL, *how = "";
	int r;
	bool mobile_only = false;

	if (!find_action(f, h, c->end, &a))
		return;
	if (a.at < hi)
		hi = MAX(a.at, MIN((uint64_t)f->len, c->end + 512));
	switch (c->id) {
	case P_UA:
		r = R_UA;
		if (crawl_find(st, lo, hi, RONDA_CRAWL_UA | RONDA_CRAWL_UAGEN, &m)) {
			evidence = m.word;
			how = m.how;
		} else if (crawl_find(st, lo, hi, RONDA_CRAWL_MOBILE, &m)) {
			evidence = m.word;
			how = m.how;
			mobile_only = true;
		}
		break;
	case P_REF:
		r = R_REF;
		if (crawl_find(st, lo, hi, RONDA_CRAWL_REF, &m)) {
			evidence = m.word;
			how = m.how;
		}
		break;
	case P_LANG:
		r = R_LANG;
		if (lang_evidence(f->data + c->end, (size_t)(hi - c->end))) {
			evidence = "id";
			how = "literal";
		}
		break;
	default:
		r = R_IP;
		if (crawl_find(st, lo, hi, RONDA_CRAWL_IP, &m)) {
			evidence = m.word;
			how = m.how;
		}
		break;
	}
	if (!evidence)
		return;
	report_cloak(f, st, r, c->end, evidence, how, mobile_only, &a, h, NULL);
}

/*
 * The structural link: a crawler list assigned to a variable anywhere in
 * the file (array, regex, base64 string) and a test far below it that
 * compares a request header with that variable.  One pass of the PHP
 * lexer, bounded in tokens; the right-hand side of every assignment is
 * looked at once (crawler words, header reads), foreach aliases the list's
 * element variable, and calls of test functions (preg_match, stripos,
 * in_array...) whose arguments join a list variable with a header (read
 * there or through a variable) are candidate tests, each checked for
 * served content after it like a header read is.
 */
#define SV_MAX_VARS 32
#define SV_MAX_TESTS 16
#define SV_MAX_TOKENS (1u << 20)
#define SV_RHS_MAX 65536u
#define SV_CALL_MAX_TOKENS 512u

enum { SV_H_UA = 1u, SV_H_REF = 2u, SV_H_IP = 4u };

struct sv_var {
	char name[48];
	size_t name_len;
	unsigned crawl;           /* RONDA_CRAWL_* kinds of its value */
	unsigned header;          /* SV_H_* read into it */
	const char *word, *how;   /* crawler evidence */
	uint32_t at;              /* offset of the assignment */
};

struct sv_state {
	struct sv_var v[SV_MAX_VARS];
	unsigned n;
};

static struct sv_var *sv_find(struct sv_state *s, const unsigned char *src,
			      const struct ronda_php_tok *t)
{
	size_t n;
	const unsigned char *name;

	if (t->type != RONDA_PHP_VARIABLE || !s->n)
		return NULL;
	name = src + t->off + 1;        /* ronda_php_tok_name() of a variable */
	n = t->len - 1;
	for (unsigned i = 0; i < s->n; i++)
		if (s->v[i].name_len == n && !memcmp(s->v[i].name, name, n))
			return &s->v[i];
	return NULL;
}

static struct sv_var *sv_add(struct sv_state *s, const unsigned char *src,
			     const struct ronda_php_tok *t)
{
	struct sv_var *v = sv_find(s, src, t);
	size_t n;
	const unsigned char *name = ronda_php_tok_name(src, t, &n);

	if (v)
		return v;
	if (s->n >= SV_MAX_VARS || n == 0 || n >= sizeof(v->name))
		return NULL;
	v = &s->v[s->n++];
	memset(v, 0, sizeof(*v));
	memcpy(v->name, name, n);
	v->name_len = n;
	return v;
}

/* Header reads (SV_H_*) among the hits ending in [lo, hi]. */
static unsigned header_in(const struct ronda_hits *h, size_t *from,
			  uint64_t lo, uint64_t hi)
{
	unsigned k = 0;
	size_t i = *from;

	while (i < h->n && h->v[i].end < lo)
		i++;
	*from = i;
	for (; i < h->n && h->v[i].end <= hi; i++)
		k |= h->v[i].id == P_UA ? SV_H_UA : h->v[i].id == P_REF ? SV_H_REF :
		     h->v[i].id == P_IP ? SV_H_IP : 0;
	return k;
}

static void sv_classify(struct cloak_state *st, const struct ronda_hits *h,
			size_t *hfrom, struct sv_var *v, uint64_t lo, uint64_t hi)
{
	static const unsigned kinds[] = {
		RONDA_CRAWL_UA | RONDA_CRAWL_UAGEN, RONDA_CRAWL_REF,
		RONDA_CRAWL_IP, RONDA_CRAWL_MOBILE,
	};
	struct ronda_crawl_match m[ARRAY_SIZE(kinds)];
	unsigned found;

	v->header |= header_in(h, hfrom, lo, hi);
	if (hi <= lo)
		return;
	found = ronda_crawl_find_each_in(&st->cf, (size_t)lo, (size_t)(hi - lo),
					 kinds, ARRAY_SIZE(kinds), m);
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (found & (1u << i)) {
			v->crawl |= m[i].kind;
			if (!v->word) {
				v->word = m[i].word;
				v->how = m[i].how;
			}
		}
}

static bool is_test_fn(const unsigned char *src, const struct ronda_php_tok *t)
{
	static const char *const fns[] = {
		"preg_match", "preg_match_all", "stripos", "strpos", "stristr",
		"strstr", "str_contains", "in_array", "preg_grep", "array_search",
		"str_starts_with", NULL,
	};
	if (t->type != RONDA_PHP_IDENT)
		return false;
	for (const char *const *w = fns; *w; w++)
		if (ronda_php_tok_is(src, t, *w))
			return true;
	return false;
}

#define SV_ACTION_TOKENS 200u

/* url[0..pl) names a file whose content can be served as a page. */
static bool served_ext(const char *url, size_t pl)
{
	static const char *const ext[] = {
		".txt", ".html", ".htm", ".dat", ".log", ".md", ".ico", ".jpg",
		".jpeg", ".png", ".gif", NULL,
	};
	for (const char *const *e = ext; *e; e++) {
		size_t el = strlen(*e);
		if (pl >= el && !strncasecmp(url + pl - el, *e, el))
			return true;
	}
	return false;
}

/* A position in the layer's shared token list (lang/php_toks.h). */
struct tcur {
	const struct ronda_php_tok *v;
	size_t n, i;
};

static bool tnext(struct tcur *c, struct ronda_php_tok *t)
{
	if (c->i >= c->n)
		return false;
	*t = c->v[c->i++];
	return true;
}

/* The served content after a test, from the tokens that follow it: a
 * fetch, include or readfile of a string literal (a URL, base64 of one,
 * or a local text/HTML file) or a Location header.  Unlike find_action it
 * does not depend on the hit lists, which stop at a cap per pattern in
 * long templates. */
static bool tok_action(const struct ronda_file *f, struct tcur lx,
		       struct action *a)
{
	static const char *const fetch[] = {
		"file_get_contents", "fopen", "fpassthru", "stream_get_contents",
		"wp_remote_get", "file", "curl_init", "curl_setopt", NULL,
	};
	static const char *const direct[] = {
		"readfile", "include", "include_once", "require", "require_once",
		NULL,
	};
	struct ronda_php_tok t;
	bool out = false, curl = false;
	int call = 0;          /* 1 fetch, 2 printed directly, 3 header */
	unsigned args = 0;

	memset(a, 0, sizeof(*a));
	for (unsigned n = 0; n < SV_ACTION_TOKENS && tnext(&lx, &t); n++) {
		if (t.type == RONDA_PHP_IDENT) {
			if (ronda_php_tok_is(f->data, &t, "echo") ||
			    ronda_php_tok_is(f->data, &t, "print") ||
			    ronda_php_tok_is(f->data, &t, "printf"))
				out = true;
			if (ronda_php_tok_is(f->data, &t, "exit") ||
			    ronda_php_tok_is(f->data, &t, "die")) {
				if (a->kind != A_NONE) {
					a->exits = 1;
					return true;
				}
				if (!curl)
					return false;
			}
			if (ronda_php_tok_is(f->data, &t, "curl_exec") && a->kind == A_NONE) {
				curl = true;
				a->kind = A_REMOTE;
				a->at = t.off;
				ronda_strlcpy(a->what, _("a cURL request"), sizeof(a->what));
			}
			for (const char *const *w = fetch; *w; w++)
				if (ronda_php_tok_is(f->data, &t, *w))
					call = 1, args = 0;
			for (const char *const *w = direct; *w; w++)
				if (ronda_php_tok_is(f->data, &t, *w))
					call = 2, args = 0;
			if (ronda_php_tok_is(f->data, &t, "header"))
				call = 3, args = 0;
			continue;
		}
		if (t.type == RONDA_PHP_OPEN_TAG_ECHO)
			out = true;
		if (call && (t.type == RONDA_PHP_STRING || t.type == RONDA_PHP_DQSTRING) &&
		    t.len >= 2 && a->kind == A_NONE) {
			char lit[512], url[512];
			size_t ln = MIN((size_t)t.len - 2, sizeof(lit) - 1), pl;

			memcpy(lit, f->data + t.off + 1, ln);
			lit[ln] = '\0';
			ronda_strlcpy(url, lit, sizeof(url));
			if (!strncmp(lit, "aHR0c", 5)) {
				unsigned char dec[512];
				size_t dn = ronda_b64_decode((const unsigned char *)lit, ln,
							     dec, sizeof(dec) - 1), o = 0;
				for (size_t i = 0; i < dn && o + 1 < sizeof(url); i++)
					if (dec[i] >= 0x20 && dec[i] < 0x7f)
						url[o++] = (char)dec[i];
				url[o] = '\0';
			}
			pl = strcspn(url, "?#");
			if (call == 3) {
				if (!strncasecmp(url, "location:", 9) &&
				    ronda_url_host(url + 9 + (url[9] == ' '),
						   strlen(url + 9 + (url[9] == ' ')),
						   a->what, sizeof(a->what))) {
					a->kind = A_REDIRECT;
					a->at = t.off;
				}
			} else if (ronda_url_host(url, strlen(url), a->what, sizeof(a->what))) {
				if (call == 2 || out) {
					a->kind = A_REMOTE;
					a->at = t.off;
				}
			} else if (pl >= 4 && served_ext(url, pl) &&
				   (call == 2 || out)) {
				a->kind = A_LOCAL;
				a->at = t.off;
				ronda_strlcpy(a->what, url, sizeof(a->what));
			}
			if (a->kind != A_NONE) {
				a->exits = 0;
				call = 0;
			}
			continue;
		}
		if (call && (++args > 24 || ronda_php_tok_op(&t, ";")))
			call = 0;
	}
	return a->kind != A_NONE;
}

/* With no assignment, test call or foreach under way, t (after a token of
 * type prev_type) starts none: it is not '=' after a variable, not '('
 * after a name (a test function) and not a 7-byte name (foreach). */
static inline bool sv_idle(const struct ronda_php_tok *t, unsigned prev_type)
{
	if (t->type == RONDA_PHP_IDENT)
		return t->len != 7;
	if (t->type != RONDA_PHP_OP)
		return true;
	return !((prev_type == RONDA_PHP_VARIABLE && ronda_php_tok_op(t, "=")) ||
		 (prev_type == RONDA_PHP_IDENT && ronda_php_tok_op(t, "(")));
}

static void check_structural(struct ronda_file *f, const struct ronda_hits *h,
			     struct cloak_state *st)
{
	struct sv_state *s = ronda_file_alloc(f, sizeof(*s));
	const struct ronda_php_toks *pt;
	struct tcur lx;
	struct ronda_php_tok t, prev = { 0 };
	struct sv_var *assign = NULL;
	uint64_t rhs_start = 0, call_start = 0;
	int rhs_depth = 0, call_depth = 0;
	unsigned call_tokens = 0, call_crawl = 0, call_header = 0, n_tests = 0;
	const char *call_word = NULL, *call_how = NULL;
	size_t hfrom_rhs = 0, hfrom_call = 0;
	int fe_state = 0;          /* foreach ( $list as [$k =>] $v ) */
	struct sv_var *fe_list = NULL;
	unsigned flags = 0;
	bool in_call = false;

	s->n = 0;
	if (f->depth > 0 && !memmem(f->data, MIN(f->len, (size_t)64), "<?", 2))
		flags = RONDA_PHP_LEX_CODE;
	/* shared with webshell's deobfuscator: lexed once (at most
	 * RONDA_PHP_TOKS_MAX = SV_MAX_TOKENS tokens) */
	pt = ronda_php_file_tokens(f, flags);
	lx.v = pt->v;
	lx.n = pt->n;
	lx.i = 0;
	for (unsigned n_tok = 0; n_tok < SV_MAX_TOKENS; n_tok++) {
		bool open, close;

		if (!assign && !in_call && !fe_state) {
			size_t i0 = lx.i;

			/* idle: skip the tokens that change nothing but prev */
			while (lx.i < lx.n && n_tok < SV_MAX_TOKENS &&
			       sv_idle(&lx.v[lx.i], lx.i ? lx.v[lx.i - 1].type : prev.type)) {
				lx.i++;
				n_tok++;
			}
			if (lx.i > i0)
				prev = lx.v[lx.i - 1];
			if (n_tok >= SV_MAX_TOKENS)
				break;
		}
		if (!tnext(&lx, &t))
			break;
		open = ronda_php_tok_op(&t, "(") || ronda_php_tok_op(&t, "[") ||
			    ronda_php_tok_op(&t, "{");
		close = ronda_php_tok_op(&t, ")") || ronda_php_tok_op(&t, "]") ||
			     ronda_php_tok_op(&t, "}");

		/* right-hand side of an assignment */
		if (assign) {
			struct sv_var *src_var = sv_find(s, f->data, &t);

			if (src_var && src_var != assign) {
				assign->header |= src_var->header;
				if (src_var->crawl && !assign->word) {
					assign->word = src_var->word;
					assign->how = src_var->how;
				}
				assign->crawl |= src_var->crawl;
			}
			rhs_depth += open ? 1 : close ? -1 : 0;
			if (rhs_depth < 0 || (rhs_depth == 0 && ronda_php_tok_op(&t, ";")) ||
			    t.type == RONDA_PHP_CLOSE_TAG || t.off - rhs_start > SV_RHS_MAX) {
				sv_classify(st, h, &hfrom_rhs, assign, rhs_start, t.off);
				assign = NULL;
			}
		} else if (prev.type == RONDA_PHP_VARIABLE && ronda_php_tok_op(&t, "=") &&
			   !in_call) {
			assign = sv_add(s, f->data, &prev);
			if (assign) {
				assign->crawl = assign->header = 0;
				assign->word = assign->how = NULL;
				assign->at = t.off;
				rhs_start = (uint64_t)t.off + t.len;
				rhs_depth = 0;
			}
		}

		/* foreach ($list as $k => $v): $v is an element of the list */
		if (t.type == RONDA_PHP_IDENT && t.len == 7 && ronda_php_tok_is(f->data, &t, "foreach")) {
			fe_state = 1;
		} else if (fe_state == 1) {
			fe_state = ronda_php_tok_op(&t, "(") ? 2 : 0;
		} else if (fe_state == 2) {
			fe_list = sv_find(s, f->data, &t);
			fe_state = fe_list && fe_list->crawl ? 3 : 0;
		} else if (fe_state == 3) {
			fe_state = t.type == RONDA_PHP_IDENT &&
				   ronda_php_tok_is(f->data, &t, "as") ? 4 : 0;
		} else if (fe_state == 4 || fe_state == 6) {
			struct tcur peek = lx;
			struct ronda_php_tok nt;

			if (t.type != RONDA_PHP_VARIABLE) {
				fe_state = 0;
			} else if (fe_state == 4 && tnext(&peek, &nt) &&
				   ronda_php_tok_op(&nt, "=>")) {
				fe_state = 5;
			} else {
				struct sv_var *el = sv_add(s, f->data, &t);
				if (el && el != fe_list) {
					el->crawl = fe_list->crawl;
					el->word = fe_list->word;
					el->how = fe_list->how;
					el->header = 0;
				}
				fe_state = 0;
			}
		} else if (fe_state == 5) {
			fe_state = ronda_php_tok_op(&t, "=>") ? 6 : 0;
		}

		/* arguments of a test call */
		if (in_call) {
			struct sv_var *v;

			call_depth += open ? 1 : close ? -1 : 0;
			if ((v = sv_find(s, f->data, &t)) != NULL) {
				call_header |= v->header;
				if (v->crawl && !call_word) {
					call_word = v->word;
					call_how = v->how;
				}
				call_crawl |= v->crawl;
			}
			if (call_depth <= 0 || ++call_tokens > SV_CALL_MAX_TOKENS) {
				int r = -1;
				bool mobile_only = false;
				struct action a;

				in_call = false;
				call_header |= header_in(h, &hfrom_call, call_start, t.off);
				if ((call_header & SV_H_UA) &&
				    (call_crawl & (RONDA_CRAWL_UA | RONDA_CRAWL_UAGEN))) {
					r = R_UA;
				} else if ((call_header & SV_H_UA) && (call_crawl & RONDA_CRAWL_MOBILE)) {
					r = R_UA;
					mobile_only = true;
				} else if ((call_header & SV_H_REF) && (call_crawl & RONDA_CRAWL_REF)) {
					r = R_REF;
				} else if ((call_header & SV_H_IP) && (call_crawl & RONDA_CRAWL_IP)) {
					r = R_IP;
				}
				if (r >= 0 && !(st->reported & (1u << r)) &&
				    n_tests++ < SV_MAX_TESTS &&
				    (tok_action(f, lx, &a) ||
				     find_action(f, h, (uint64_t)t.off + t.len, &a)))
					report_cloak(f, st, r, call_start, call_word ? call_word : "?",
						     call_how ? call_how : "", mobile_only, &a, h,
						     _(", a list defined earlier in the file"));
			}
		} else if (ronda_php_tok_op(&t, "(") && is_test_fn(f->data, &prev)) {
			in_call = true;
			call_start = t.off;
			call_depth = 1;
			call_tokens = 0;
			call_crawl = call_header = 0;
			call_word = call_how = NULL;
		}
		prev = t;
	}
}

/*
 * check_structural reports a test call only when its arguments join a
 * header read (a P_UA, P_REF or P_IP hit, in the call or assigned to a
 * variable) with a variable holding crawler words of the matching kinds;
 * a variable gets them only from sv_classify, ronda_crawl_find_each_in()
 * on the right-hand side of an assignment (or from another such variable).
 * So with no header hit of a kind, or no window of the file that could
 * hold a word of the kinds left, it cannot report: the file is then not
 * lexed for it (and the lexing, when webshell needs it, is webshell's).
 */
static bool structural_may_report(const struct ronda_hits *h,
				  struct cloak_state *st)
{
	unsigned kinds = 0;

	if (ronda_hits_has(h, P_UA))
		kinds |= RONDA_CRAWL_UA | RONDA_CRAWL_UAGEN | RONDA_CRAWL_MOBILE;
	if (ronda_hits_has(h, P_REF))
		kinds |= RONDA_CRAWL_REF;
	if (ronda_hits_has(h, P_IP))
		kinds |= RONDA_CRAWL_IP;
	return kinds && ronda_crawl_file_may_hold(&st->cf, kinds);
}

static void check_template(struct ronda_file *f, const struct ronda_hits *h,
			   struct cloak_state *st)
{
	if (st->reported & (1u << R_REMOTE))
		return;   /* the cloaker's own fetch */
	for (size_t i = 0; i < h->n; i++) {
		const struct ronda_hit *x = &h->v[i], *u;
		char url[512], host[256];
		const char *top = NULL;
		size_t pl;
		bool bad;

		if (x->id != P_TPL_ECHO)
			continue;
		u = call_url(f, h, x, 400);
		if (!u)   /* readfile('http...') / include 'http...' */
			u = ronda_hits_in(h, P_URL, ronda_sub0(x->end, 12), x->end + 2);
		if (!u || !url_of_hit(f, u, url, sizeof(url), host, sizeof(host)))
			continue;
		pl = strcspn(url, "?#");
		bad = ronda_host_is_free(host) ||
		      (pl >= 4 && !strncasecmp(url + pl - 4, ".txt", 4)) ||
		      ronda_slug_score(url, strlen(url), &top) >= RONDA_SLUG_GAMBLING;
		report_once(f, st, R_TEMPLATE, x->end, bad ? RONDA_SEV_HIGH : -1,
			    bad ? 85 : 0, _("prints the content of '%s'%s"), url,
			    bad ? _(" (text file, free host or gambling name)") : "");
		return;
	}
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static void check_after_html(struct ronda_file *f, const struct ronda_hits *h,
			     struct cloak_state *st, bool php)
{
	const struct ronda_hit *last = last_hit_in(h, P_HTML_END, 0, UINT64_MAX);
	const unsigned char *p, *end;
	size_t tail_len, n_links = 0;
	const char *top = NULL;
	bool hidden, bad;
	unsigned score;

	if (!last)
		return;
	p = f->data + last->end;
	end = f->data + f->len;
	while (p < end) {
		while (p < end && is_space(*p))
			p++;
		if (end - p >= 4 && !memcmp(p, "<!--", 4)) {
			const unsigned char *ce = memmem(p, (size_t)(end - p), "-->", 3);
			if (!ce)
				return;
			p = ce + 3;
			continue;
		}
		break;
	}
	if (p >= end || *p != '<' || end - p < 3)
		return;
	/* injected tails are short; a long tail is the rest of a program */
	if ((size_t)(end - p) > 8192 && php)
		return;
	tail_len = MIN((size_t)(end - p), (size_t)8192);
	if (p[1] == '?') {
		static const char *const fetch[] = {
			"file_get_contents(", "curl_exec(", "readfile(", "fopen(",
			"base64_decode(", "stream_get_contents(", NULL,
		};
		const unsigned char *close = memmem(p, tail_len, "?>", 2);
		size_t bl = close ? (size_t)(close - p) : tail_len;
		bool fetches = false;

		if (bl > 1024)
			return;
		for (const char *const *w = fetch; *w && !fetches; w++)
			fetches = ronda_seo_memcase(p, bl, *w, strlen(*w)) != NULL;
		if (!fetches || (!ronda_seo_memcase(p, bl, "echo", 4) &&
				 !ronda_seo_memcase(p, bl, "print", 5) &&
				 !ronda_seo_memcase(p, bl, "readfile", 8) &&
				 !ronda_seo_memcase(p, bl, "<?=", 3)))
			return;
	} else if (!isalpha(p[1])) {
		return;
	}
	for (const unsigned char *q = p; q < p + tail_len;) {
		const unsigned char *a = ronda_seo_memcase(q, (size_t)(p + tail_len - q), "href", 4);
		if (!a)
			break;
		n_links++;
		q = a + 4;
	}
	hidden = ronda_seo_memcase(p, tail_len, "display:none", 12) ||
		 ronda_seo_memcase(p, tail_len, "display: none", 13) ||
		 ronda_seo_memcase(p, tail_len, "visibility:hidden", 17) ||
		 ronda_seo_memcase(p, tail_len, "left:-", 6);
	score = ronda_slug_score((const char *)p, tail_len, &top);
	bad = hidden || n_links >= 3 || score >= RONDA_SLUG_GAMBLING;
	if (p[1] != '?' && !n_links && !bad &&
	    !ronda_seo_memcase(p, MIN(tail_len, (size_t)16), "<script", 7) &&
	    !ronda_seo_memcase(p, MIN(tail_len, (size_t)16), "<iframe", 7))
		return;
	report_once(f, st, R_AFTER_HTML, (uint64_t)(p - f->data),
		    bad ? RONDA_SEV_HIGH : -1, bad ? 80 : 0,
		    _("%zu bytes after </html> with %zu links%s"),
		    (size_t)(end - p), n_links, hidden ? _(", hidden") : "");
}

struct cloak {
	struct ronda_hs_set demand;           /* the patterns marked so */
	unsigned ids[RONDA_HS_SET_MAX];       /* their local ids */
	struct ronda_hs_set tpl;              /* the first P_TPL_ECHO one */
};

static const char *const tpl_fns[] = {
	"file_get_contents", "curl_exec", "stream_get_contents", "wp_remote_retrieve_body",
};

static bool ws_char(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * Could a match of the first P_TPL_ECHO pattern end where this P_TPL_FN hit
 * ends?  It would be `(\becho|\bprint|<\?=|\{!!)\s*\(?\s*@?\s*` before the
 * name; this test is looser (any run of space, '(' and '@', no word
 * boundary), so when it says no, the pattern has no match there.
 */
static bool tpl_may(const struct ronda_file *f, uint64_t end)
{
	const unsigned char *s = f->data;
	size_t i = (size_t)end;

	if (i == 0 || i > f->len || s[i - 1] != '(')
		return true;   /* not a hit of P_TPL_FN: do not guess */
	i--;
	while (i > 0 && ws_char(s[i - 1]))
		i--;
	for (size_t k = 0; k < ARRAY_SIZE(tpl_fns); k++) {
		size_t n = strlen(tpl_fns[k]), j;

		if (i < n || strncasecmp((const char *)s + i - n, tpl_fns[k], n))
			continue;
		j = i - n;
		while (j > 0 && (ws_char(s[j - 1]) || s[j - 1] == '(' || s[j - 1] == '@'))
			j--;
		if ((j >= 4 && !strncasecmp((const char *)s + j - 4, "echo", 4)) ||
		    (j >= 5 && !strncasecmp((const char *)s + j - 5, "print", 5)) ||
		    (j >= 3 && (!memcmp(s + j - 3, "<?=", 3) || !memcmp(s + j - 3, "{!!", 3))))
			return true;
	}
	return false;
}

static int cloak_init(struct ronda_detector_init *di, void **state)
{
	const char *exprs[RONDA_HS_SET_MAX];
	unsigned flags[RONDA_HS_SET_MAX], n = 0;
	struct cloak *st;
	int err;

	*state = NULL;
	if ((err = ronda_seo_words_init()))
		return err;
	st = xcalloc(1, sizeof(*st));
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++) {
		if (!patterns[i].demand) {
			err = ronda_pattern_add(di, patterns[i].expr, patterns[i].flags,
						patterns[i].id);
		} else if (n == RONDA_HS_SET_MAX ||
			   (patterns[i].flags & ~RONDA_PAT_CASELESS)) {
			err = RONDA_EINVAL;   /* only what the set compiles as given */
		} else {
			exprs[n] = patterns[i].expr;
			flags[n] = patterns[i].flags & RONDA_PAT_CASELESS ? HS_FLAG_CASELESS : 0;
			st->ids[n++] = patterns[i].id;
		}
		if (err) {
			free(st);
			return err;
		}
	}
	if ((err = ronda_hs_set_compile(&st->demand, exprs, flags, n))) {
		free(st);
		return err;
	}
	for (unsigned k = 0; k < n; k++)
		if (st->ids[k] == P_TPL_ECHO) {
			err = ronda_hs_set_compile(&st->tpl, exprs + k, flags + k, 1);
			break;
		}
	if (err || !st->tpl.db) {
		ronda_hs_set_free(&st->demand);
		free(st);
		return err ? err : RONDA_EINVAL;
	}
	*state = st;
	return RONDA_OK;
}

static void cloak_release(void *state)
{
	struct cloak *st = state;

	if (st) {
		ronda_hs_set_free(&st->demand);
		ronda_hs_set_free(&st->tpl);
	}
	free(st);
}

/* h with the demand patterns' hits merged in, when the checks of a PHP
 * file can use them (see the patterns); else h itself.  The arrays are the
 * file's (ronda_file_alloc). */
static const struct ronda_hits *with_demand(const struct cloak *cl, struct ronda_file *f,
					    const struct ronda_hits *h,
					    struct ronda_hits *out)
{
	static const unsigned tpl_id[] = { P_TPL_ECHO };
	const struct ronda_hs_set *set = &cl->demand;
	const unsigned *ids = cl->ids;
	struct ronda_hit *d, *v;
	bool ask = false;
	size_t nd, n_fn = 0;

	for (size_t i = 0; i < h->n && !ask; i++)
		ask = h->v[i].id == P_UA || h->v[i].id == P_REF ||
		      h->v[i].id == P_LANG || h->v[i].id == P_IP;
	if (!ask && (ronda_hits_has(h, P_URL) || ronda_hits_has(h, P_B64URL))) {
		for (size_t i = 0; i < h->n && !ask; i++)
			if (h->v[i].id == P_TPL_FN) {
				n_fn++;
				ask = tpl_may(f, h->v[i].end);
			}
		/* hits past a cap were not seen: they might */
		ask |= n_fn >= RONDA_HITS_PER_PATTERN || h->overflow;
		set = &cl->tpl;
		ids = tpl_id;
	}
	if (!ask)
		return h;
	d = ronda_file_alloc(f, (size_t)set->n * RONDA_HITS_PER_PATTERN * sizeof(*d));
	out->overflow = h->overflow;
	nd = ronda_hs_set_hits(set, f->data, f->len, ids, d, &out->overflow);
	if (!nd)
		return h;
	v = ronda_file_alloc(f, (h->n + nd) * sizeof(*v));
	out->n = ronda_hits_merge(h, d, nd, v);
	out->v = v;
	return out;
}

static int cloak_scan(void *state, struct ronda_file *f, const struct ronda_hits *h)
{
	struct ronda_hits merged;
	struct cloak_state st;
	bool php = f->cls.type == RONDA_FT_PHP || (f->cls.flags & RONDA_CF_PHP) ||
		   (f->cls.flags & RONDA_CF_EXT_PHP) || f->depth > 0;
	unsigned n_conds = 0;

	if (!h->n || (f->cls.flags & RONDA_CF_BINARY))
		return RONDA_OK;
	memset(&st, 0, sizeof(st));
	ronda_crawl_file_init(&st.cf, f->data, f->len);
	if (php) {
		h = with_demand(state, f, h, &merged);
		for (size_t i = 0; i < h->n && n_conds < MAX_CONDS; i++) {
			const struct ronda_hit *x = &h->v[i];
			if (x->id != P_UA && x->id != P_REF && x->id != P_LANG &&
			    x->id != P_IP)
				continue;
			n_conds++;
			check_condition(f, h, x, &st);
		}
		if (n_conds && !(st.reported & ((1u << R_UA) | (1u << R_REF) | (1u << R_IP))) &&
		    (ronda_hits_has(h, P_FETCH) || ronda_hits_has(h, P_CURL) ||
		     ronda_hits_has(h, P_INCL) || ronda_hits_has(h, P_LOCATION)) &&
		    structural_may_report(h, &st))
			check_structural(f, h, &st);
		if (st.reported) {
			const struct ronda_hit *o = ronda_hits_first(h, P_RENAMED);
			if (o) {
				char name[256];
				literal_ending_at(f, o->end, 120, name, sizeof(name));
				report_once(f, &st, R_ORIGINAL, o->end, -1, 0,
					    _("includes '%s'"), name);
			}
		}
		check_template(f, h, &st);
	}
	if (php || f->cls.type == RONDA_FT_HTML)
		check_after_html(f, h, &st, php);
	ronda_crawl_file_release(&st.cf);
	return RONDA_OK;
}

const struct ronda_detector ronda_detector_cloak = { "cloak", N_("PHP that serves crawlers, phones or search visitors other content; template remote includes; output after </html>"), rules, R__COUNT, cloak_init, cloak_release, cloak_scan, NULL, NULL };
