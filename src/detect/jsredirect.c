/*
 * jsredirect.c — client-side cloaking and redirects of gambling spam, in
 * .js files and inline scripts of HTML/PHP pages:
 *   - a redirect (location =, location.replace(), window.open) right after
 *     a test of document.referrer for a search engine;
 *   - navigator.userAgent tested for crawlers, then a redirect or injected
 *     markup (or phones redirected to a gambling-looking host);
 *   - atob("...") literals that decode to a URL (the host is reported);
 *   - <meta http-equiv="refresh"> to another, non-government site.
 * Vectorscan finds the parts; windows of bounded size connect them.
 * Minified code (jQuery, analytics) uses document.referrer and userAgent
 * for honest reasons, so only the full condition -> action shape counts
 * and generic bot words in minified files stay at medium.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/detector.h"
#include "core/error.h"
#include "core/i18n.h"
#include "text/seo_words.h"
#include "text/url.h"
#include "core/util.h"

enum { R_REFERRER, R_UA, R_ATOB, R_REFRESH, R__COUNT };

static const struct ronda_rule rules[R__COUNT] = {
	[R_REFERRER] = { "judol.js.referrer-redirect", RONDA_CAT_CLOAKER, RONDA_SEV_HIGH, 80,
		N_("script sends visitors who arrive from a search engine to another page"),
		N_("remove the script (or the injected part of it) and check every page that loads it") },
	[R_UA] = { "judol.js.ua-cloak", RONDA_CAT_CLOAKER, RONDA_SEV_HIGH, 80,
		N_("script tests the User-Agent for crawlers (or phones) and then redirects or writes other content"),
		N_("remove the injected script and check every page that loads it") },
	[R_ATOB] = { "judol.js.atob-url", RONDA_CAT_CLOAKER, RONDA_SEV_MEDIUM, 65,
		N_("script hides a URL in base64 and decodes it with atob()"),
		N_("check the decoded host; remove the script if it is not yours") },
	[R_REFRESH] = { "judol.js.meta-refresh", RONDA_CAT_CLOAKER, RONDA_SEV_MEDIUM, 60,
		N_("the page refreshes to another site"),
		N_("remove the meta refresh unless that site is yours") },
};

enum { P_REFERRER, P_UA, P_REDIR, P_INJECT, P_ATOB, P_REFRESH, P_URL };

static const struct {
	const char *expr;
	unsigned flags;
	unsigned id;
} patterns[] = {
	{ "document\\.referrer", RONDA_PAT_CASELESS, P_REFERRER },
	{ "navigator\\.userAgent", RONDA_PAT_CASELESS, P_UA },
	{ "\\blocation(\\.href)?\\s*=[^=]", 0, P_REDIR },
	{ "\\blocation\\.(replace|assign)\\s*\\(", 0, P_REDIR },
	{ "\\bwindow\\.open\\s*\\(", 0, P_REDIR },
	{ "\\bdocument\\.write(ln)?\\s*\\(", 0, P_INJECT },
	{ "\\.innerHTML\\s*=[^=]", 0, P_INJECT },
	{ "\\binsertAdjacentHTML\\s*\\(", 0, P_INJECT },
	{ "\\batob\\s*\\(\\s*['\"]", 0, P_ATOB },
	{ "http-equiv\\s*=\\s*['\"]?refresh", RONDA_PAT_CASELESS, P_REFRESH },
	{ "['\"]https?://[a-z0-9]", RONDA_PAT_CASELESS, P_URL },
};

#define WIN_BEFORE 512u
#define WIN_AFTER 1024u
#define MAX_EVAL 32

static void reportf(struct ronda_file *f, int r, uint64_t off, int sev,
		    unsigned conf, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void reportf(struct ronda_file *f, int r, uint64_t off, int sev,
		    unsigned conf, const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ronda_report_ex(f, &rules[r], off, sev, conf, "%s", detail);
}

/* Decode the base64 literal that starts right at offset at (after the
 * quote) into printable text; returns its length. */
static size_t atob_literal(const struct ronda_file *f, uint64_t at, char *out,
			   size_t size)
{
	unsigned char q = f->data[at - 1];
	uint64_t e = at;
	unsigned char dec[1024];
	size_t dn, o = 0;

	while (e < f->len && e - at < 4096 && f->data[e] != q)
		e++;
	if (e >= f->len || f->data[e] != q)
		return 0;
	dn = ronda_b64_decode(f->data + at, (size_t)(e - at), dec, sizeof(dec));
	for (size_t i = 0; i < dn && o + 1 < size; i++)
		out[o++] = dec[i] >= 0x20 && dec[i] < 0x7f ? (char)dec[i] : '?';
	out[o] = '\0';
	return o;
}

/* Target host of a redirect/injection at hit x: a URL literal or an atob
 * literal right after it. */
static bool target_host(const struct ronda_file *f, const struct ronda_hits *h,
			uint64_t at, char *host, size_t size)
{
	const struct ronda_hit *u = ronda_hits_in(h, P_URL, at, at + 200);
	const struct ronda_hit *a = ronda_hits_in(h, P_ATOB, at, at + 200);
	char text[512];

	if (a && (!u || a->end < u->end)) {
		if (atob_literal(f, a->end, text, sizeof(text)) &&
		    ronda_first_url_host(text, host, size))
			return true;
	}
	if (u) {
		/* URL literal: from the quote (end - 9 or - 10) */
		uint64_t s = u->end;
		size_t o = 0;
		while (s > 0 && f->data[s - 1] != '\'' && f->data[s - 1] != '"')
			s--;
		for (uint64_t i = s; i < f->len && o + 1 < sizeof(text) &&
		     f->data[i] != f->data[s - 1]; i++)
			text[o++] = (char)f->data[i];
		text[o] = '\0';
		return ronda_url_host(text, o, host, size) > 0;
	}
	return false;
}

static void check_referrer(struct ronda_file *f, const struct ronda_hits *h,
			   bool minified, unsigned *done)
{
	unsigned n = 0;

	for (size_t i = 0; i < h->n && n < MAX_EVAL && !(*done & 1u); i++) {
		const struct ronda_hit *x = &h->v[i], *r;
		uint64_t lo, hi;
		struct ronda_crawl_match m;
		char host[256] = "";

		if (x->id != P_REFERRER)
			continue;
		n++;
		r = ronda_hits_in(h, P_REDIR, x->end, x->end + WIN_AFTER);
		if (!r)
			continue;
		lo = ronda_sub0(x->end, 300);
		hi = MIN((uint64_t)f->len, r->end);
		if (!ronda_crawl_find(f->data + lo, (size_t)(hi - lo), RONDA_CRAWL_REF, &m))
			continue;
		target_host(f, h, r->end - 1, host, sizeof(host));
		if (minified && !*host)
			continue;
		*done |= 1u;
		reportf(f, R_REFERRER, x->end, minified && !ronda_url_is_bad(host, host, NULL) ? RONDA_SEV_MEDIUM : -1,
			0, _("referrer tested for '%s' (%s), then redirected%s%s%s"),
			m.word, m.how, *host ? _(" to '") : "", host, *host ? "'" : "");
	}
}

static void check_ua(struct ronda_file *f, const struct ronda_hits *h,
		     bool minified, unsigned *done)
{
	unsigned n = 0;

	for (size_t i = 0; i < h->n && n < MAX_EVAL && !(*done & 2u); i++) {
		const struct ronda_hit *x = &h->v[i], *r, *w, *act;
		uint64_t lo, hi;
		struct ronda_crawl_match m;
		char host[256] = "";
		bool generic, mobile = false;
		int sev = -1;

		if (x->id != P_UA)
			continue;
		n++;
		r = ronda_hits_in(h, P_REDIR, x->end, x->end + WIN_AFTER);
		w = ronda_hits_in(h, P_INJECT, x->end, x->end + WIN_AFTER);
		act = r && (!w || r->end < w->end) ? r : w;
		if (!act)
			continue;
		lo = ronda_sub0(x->end, WIN_BEFORE);
		hi = MIN((uint64_t)f->len, act->end);
		if (!ronda_crawl_find(f->data + lo, (size_t)(hi - lo), RONDA_CRAWL_UA, &m)) {
			if (!ronda_crawl_find(f->data + lo, (size_t)(hi - lo),
					      RONDA_CRAWL_UAGEN, &m)) {
				if (!ronda_crawl_find(f->data + lo, (size_t)(hi - lo),
						      RONDA_CRAWL_MOBILE, &m))
					continue;
				mobile = true;
			}
		}
		generic = m.kind != RONDA_CRAWL_UA;
		target_host(f, h, act->end - 1, host, sizeof(host));
		/* a phone sent to the mobile site is normal: only a
		 * gambling-looking or free host counts */
		if (mobile && (!*host || !ronda_url_is_bad(host, host, NULL)))
			continue;
		if (generic && minified && !(*host && ronda_url_is_bad(host, host, NULL)))
			sev = RONDA_SEV_MEDIUM;
		*done |= 2u;
		reportf(f, R_UA, x->end, sev, 0,
			_("User-Agent tested for '%s' (%s), then %s%s%s%s"), m.word,
			m.how, act == r ? _("redirected") : _("content written"),
			*host ? _(" to '") : "", host, *host ? "'" : "");
	}
}

static void check_atob(struct ronda_file *f, const struct ronda_hits *h)
{
	for (size_t i = 0; i < h->n; i++) {
		const struct ronda_hit *x = &h->v[i];
		char text[512], host[256];
		bool near_action, bad;

		if (x->id != P_ATOB)
			continue;
		if (!atob_literal(f, x->end, text, sizeof(text)) ||
		    !ronda_first_url_host(text, host, sizeof(host)))
			continue;
		near_action = ronda_hits_in(h, P_REDIR, ronda_sub0(x->end, 300), x->end + 300) ||
			      ronda_hits_in(h, P_INJECT, ronda_sub0(x->end, 300), x->end + 300);
		bad = ronda_url_is_bad(host, host, NULL);
		reportf(f, R_ATOB, x->end, near_action || bad ? RONDA_SEV_HIGH : -1,
			near_action || bad ? 80 : 0, _("atob() hides '%s'%s"), host,
			near_action ? _(" and the script redirects or writes it") : "");
		return;
	}
}

static void check_refresh(struct ronda_file *f, const struct ronda_hits *h)
{
	for (size_t i = 0; i < h->n; i++) {
		const struct ronda_hit *x = &h->v[i];
		const unsigned char *p, *e, *u;
		const unsigned char *lo = f->data + ronda_sub0(x->end, 512);
		char host[256];
		size_t n;

		if (x->id != P_REFRESH)
			continue;
		p = f->data + x->end;
		while (p > lo && *p != '<')
			p--;
		e = memchr(f->data + x->end, '>', MIN((size_t)(f->len - x->end), (size_t)1024));
		if (*p != '<' || !e)
			continue;
		u = ronda_seo_memcase(p, (size_t)(e - p), "url=", 4);
		if (!u)
			continue;
		u += 4;
		while (u < e && (*u == ' ' || *u == '\'' || *u == '"'))
			u++;
		n = 0;
		while (u + n < e && u[n] != '"' && u[n] != '\'' && u[n] != ' ')
			n++;
		if (!ronda_url_host((const char *)u, n, host, sizeof(host)) ||
		    ronda_host_is_gov(host))
			continue;
		reportf(f, R_REFRESH, x->end, ronda_url_is_bad(host, host, NULL) ? RONDA_SEV_HIGH : -1,
			ronda_url_is_bad(host, host, NULL) ? 80 : 0, _("refreshes to '%.*s'"),
			(int)MIN(n, (size_t)200), (const char *)u);
		return;
	}
}

static int js_init(struct ronda_detector_init *di, void **state)
{
	int err;

	*state = NULL;
	if ((err = ronda_seo_words_init()))
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++)
		if ((err = ronda_pattern_add(di, patterns[i].expr, patterns[i].flags,
					     patterns[i].id)))
			return err;
	return RONDA_OK;
}

static int js_scan(void *state, struct ronda_file *f, const struct ronda_hits *h)
{
	enum ronda_ftype t = f->cls.type;
	bool minified = (f->cls.flags & RONDA_CF_MINIFIED) != 0;
	unsigned done = 0;

	if (!h->n || (f->cls.flags & RONDA_CF_BINARY))
		return RONDA_OK;
	if (t != RONDA_FT_JS && t != RONDA_FT_HTML && t != RONDA_FT_PHP &&
	    !(f->cls.flags & RONDA_CF_EXT_JS))
		return RONDA_OK;
	check_referrer(f, h, minified, &done);
	check_ua(f, h, minified, &done);
	check_atob(f, h);
	if (t == RONDA_FT_HTML || t == RONDA_FT_PHP)
		check_refresh(f, h);
	return RONDA_OK;
}

const struct ronda_detector ronda_detector_jsredirect = { "jsredirect", N_("client-side redirects and cloaking: referrer/User-Agent tests, atob-hidden URLs, meta refresh off-site"), rules, R__COUNT, js_init, NULL, js_scan, NULL, NULL };
