/*
 * seo.c — the search-engine side of gambling spam: sitemaps and robots.txt
 * that push gambling URLs, Search Console claims, off-site canonical/AMP
 * links, doorway generators (one PHP file + a brand list) and static
 * doorway farms (hundreds of generated pages in one directory).
 *
 * Sitemaps and robots.txt are read with linear scans; page links and the
 * generator use vectorscan hits.  Farms are aggregated across the walk:
 * scan() threads record gambling-named pages per directory under a mutex
 * (bounded table), finish() reports each directory once with a count.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <strings.h>

#include "core/detector.h"
#include "core/error.h"
#include "core/i18n.h"
#include "text/seo_words.h"
#include "text/url.h"
#include "core/util.h"

enum {
	R_SITEMAP, R_SITEMAP_HUGE, R_ROBOTS_GAMBLING, R_ROBOTS_OFFSITE,
	R_GSC_FILE, R_GSC_META, R_CANONICAL, R_AMPHTML, R_GENERATOR, R_FARM,
	R__COUNT
};

static const struct ronda_rule rules[R__COUNT] = {
	[R_SITEMAP] = { "seo.sitemap.gambling", RONDA_CAT_SEO_SPAM, RONDA_SEV_HIGH, 85,
		N_("a sitemap lists gambling pages for search engines"),
		N_("delete the sitemap and the pages it lists, remove it from robots.txt and from Search Console") },
	[R_SITEMAP_HUGE] = { "seo.sitemap.huge", RONDA_CAT_SEO_SPAM, RONDA_SEV_LOW, 40,
		N_("a very large sitemap: injected sitemaps list thousands of generated pages"),
		N_("confirm your CMS generated this sitemap and that its pages exist") },
	[R_ROBOTS_GAMBLING] = { "seo.robots.sitemap-gambling", RONDA_CAT_SEO_SPAM, RONDA_SEV_HIGH, 85,
		N_("robots.txt announces a gambling sitemap to search engines"),
		N_("remove the Sitemap: line and the sitemap it names") },
	[R_ROBOTS_OFFSITE] = { "seo.robots.sitemap-offsite", RONDA_CAT_SEO_SPAM, RONDA_SEV_MEDIUM, 65,
		N_("robots.txt announces a sitemap on another site"),
		N_("remove the Sitemap: line unless that site is yours") },
	[R_GSC_FILE] = { "seo.search-console.file", RONDA_CAT_SEO_SPAM, RONDA_SEV_INFO, 50,
		N_("a search engine site-verification file: whoever placed it controls how the site appears in search"),
		N_("confirm that you (or your team) added it; otherwise delete it and remove the unknown owner in Search Console") },
	[R_GSC_META] = { "seo.search-console.meta", RONDA_CAT_SEO_SPAM, RONDA_SEV_INFO, 50,
		N_("a search engine site-verification meta tag: whoever placed it controls how the site appears in search"),
		N_("confirm that you added it; otherwise remove it and the unknown owner in Search Console") },
	[R_CANONICAL] = { "seo.canonical-offsite", RONDA_CAT_SEO_SPAM, RONDA_SEV_MEDIUM, 65,
		N_("the page's canonical link points to another site"),
		N_("remove the page if it is not yours, or fix the canonical link") },
	[R_AMPHTML] = { "seo.amphtml-offsite", RONDA_CAT_SEO_SPAM, RONDA_SEV_MEDIUM, 70,
		N_("the page's AMP link points to a copy on another site, as doorway pages do"),
		N_("remove the page if it is not yours, or fix the amphtml link") },
	[R_GENERATOR] = { "judol.doorway.generator", RONDA_CAT_SEO_SPAM, RONDA_SEV_HIGH, 85,
		N_("a PHP doorway generator: a query parameter picks a name from a list file and prints a gambling page"),
		N_("delete the script and its list file, then the rewrite rules and sitemaps that point to it") },
	[R_FARM] = { "judol.doorway.farm", RONDA_CAT_SEO_SPAM, RONDA_SEV_HIGH, 85,
		N_("a directory full of generated pages with gambling names or titles (a static doorway farm)"),
		N_("delete the directory after checking that nothing of yours is in it, and the sitemaps listing it") },
};

enum {
	P_GSV, P_CANON, P_AMP, P_GET, P_LISTREAD, P_TXT, P_404, P_GAMBLE, P_URLSET,
};

static const struct {
	const char *expr;
	unsigned flags;
	unsigned id;
} patterns[] = {
	{ "(google-site-verification|msvalidate\\.01|yandex-verification)", RONDA_PAT_CASELESS, P_GSV },
	{ "\\brel\\s*=\\s*['\"]?canonical\\b", RONDA_PAT_CASELESS, P_CANON },
	{ "\\brel\\s*=\\s*['\"]?amphtml\\b", RONDA_PAT_CASELESS, P_AMP },
	{ "(\\$_(GET|REQUEST)\\s*\\[|QUERY_STRING)", RONDA_PAT_CASELESS, P_GET },
	{ "\\b(file|file_get_contents|fopen|fgets)\\s*\\(", RONDA_PAT_CASELESS, P_LISTREAD },
	{ "\\.txt['\"]", RONDA_PAT_CASELESS, P_TXT },
	{ "(404 not found|http_response_code\\s*\\(\\s*404|header\\s*\\([^)\\n]{0,80}404)", RONDA_PAT_CASELESS, P_404 },
	{ "(slot\\s*gacor|gacor|maxwin|togel|situs\\s*slot|slot\\s*online|judi\\s*online|rtp\\s*live|sbobet|scatter\\s*hitam)",
	  RONDA_PAT_CASELESS, P_GAMBLE },
	{ "<(urlset|sitemapindex)\\b", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_URLSET },
};

#define FARM_MIN 20
#define FARM_MAX_DIRS 8192
#define FARM_SAMPLES 5
#define HUGE_SITEMAP 5000

struct farm_dir {
	char *path;
	size_t n_pages;
	size_t n_titled;          /* of them, found by their title only */
	char *samples[FARM_SAMPLES];
	size_t n_samples;
	struct farm_dir *next;
};

#define FARM_BUCKETS 1024

struct seo_state {
	pthread_mutex_t lock;
	struct farm_dir *buckets[FARM_BUCKETS];
	size_t n_dirs;
};

static void reportf(struct ronda_file *f, int r, uint64_t off, int sev,
		    unsigned conf, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void reportf(struct ronda_file *f, int r, uint64_t off, int sev,
		    unsigned conf, const char *fmt, ...)
{
	char detail[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ronda_report_ex(f, &rules[r], off, sev, conf, "%s", detail);
}

static bool is_hex_name(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* google<16 hex>.html, yandex_<16 hex>.html, BingSiteAuth.xml */
static bool verification_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 6 + 16 + 5 && !strncmp(name, "google", 6) &&
	    is_hex_name(name + 6, 16) && !strcmp(name + 22, ".html"))
		return true;
	if (n == 7 + 16 + 5 && !strncmp(name, "yandex_", 7) &&
	    is_hex_name(name + 7, 16) && !strcmp(name + 23, ".html"))
		return true;
	return !strcasecmp(name, "BingSiteAuth.xml");
}

/* Path part of an absolute URL (after the host), or the whole string. */
static const char *url_path(const char *u, size_t n, size_t *pl)
{
	const char *p = u;
	const char *end = u + n;
	const char *s = memmem(u, n, "://", 3);

	if (s) {
		p = memchr(s + 3, '/', (size_t)(end - s - 3));
		if (!p)
			p = end;
	}
	*pl = (size_t)(end - p);
	return p;
}

struct url_tally {
	size_t total;
	size_t gambling;
	char sample[3][160];
	size_t n_sample;
	const char *top;
};

static void tally_url(struct url_tally *t, const char *u, size_t n)
{
	size_t pl;
	const char *p = url_path(u, n, &pl);
	const char *top = NULL;

	t->total++;
	if (ronda_slug_score(p, pl, &top) >= RONDA_SLUG_GAMBLING) {
		t->gambling++;
		if (!t->top)
			t->top = top;
		if (t->n_sample < 3) {
			size_t k = MIN(n, sizeof(t->sample[0]) - 1);
			memcpy(t->sample[t->n_sample], u, k);
			t->sample[t->n_sample][k] = '\0';
			t->n_sample++;
		}
	}
}

static void report_tally(struct ronda_file *f, const struct url_tally *t)
{
	if (t->gambling >= 3 && t->gambling * 10 >= t->total) {
		bool strong = t->gambling >= 5 && t->gambling * 5 >= t->total;
		reportf(f, R_SITEMAP, 0, strong ? -1 : RONDA_SEV_MEDIUM,
			strong ? 0 : 60,
			_("%zu of %zu URLs have gambling slugs ('%s'), e.g. %s"),
			t->gambling, t->total, t->top ? t->top : "?", t->sample[0]);
		return;
	}
	if (t->total >= HUGE_SITEMAP)
		reportf(f, R_SITEMAP_HUGE, 0, -1, 0, _("%zu URLs in one sitemap"),
			t->total);
}

static void scan_sitemap_xml(struct ronda_file *f)
{
	struct url_tally t;
	const unsigned char *p = f->data, *end = f->data + f->len;

	memset(&t, 0, sizeof(t));
	while (p < end && (p = memmem(p, (size_t)(end - p), "<loc>", 5))) {
		const unsigned char *s = p + 5, *e;
		size_t lim = MIN((size_t)(end - s), (size_t)4096);

		e = memmem(s, lim, "</loc>", 6);
		if (!e)
			break;
		while (s < e && isspace(*s))
			s++;
		tally_url(&t, (const char *)s, (size_t)(e - s));
		p = e + 6;
	}
	report_tally(f, &t);
}

static void scan_sitemap_txt(struct ronda_file *f)
{
	struct url_tally t;
	const unsigned char *p = f->data, *end = f->data + f->len;
	size_t lines = 0;

	memset(&t, 0, sizeof(t));
	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		const unsigned char *e = nl ? nl : end;
		size_t n;

		while (p < e && isspace(*p))
			p++;
		n = (size_t)(e - p);
		while (n && isspace(p[n - 1]))
			n--;
		if (n) {
			lines++;
			if (n > 8 && (!strncasecmp((const char *)p, "http://", 7) ||
				      !strncasecmp((const char *)p, "https://", 8)))
				tally_url(&t, (const char *)p, MIN(n, (size_t)4096));
		}
		p = e + 1;
	}
	if (t.total * 5 >= lines * 4)
		report_tally(f, &t);
}

#define ROBOTS_MAX 64

static void scan_robots(struct ronda_file *f)
{
	struct { char host[256]; const char *site; uint64_t off; char url[256]; } s[ROBOTS_MAX];
	size_t n = 0;
	const unsigned char *p = f->data, *end = f->data + f->len;
	const char *home;

	while (p < end && n < ROBOTS_MAX) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
		const unsigned char *e = nl ? nl : end;
		const unsigned char *q = p;

		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(e - q) > 8 && !strncasecmp((const char *)q, "sitemap", 7)) {
			const unsigned char *v = q + 7;
			size_t vl;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			if (v < e && *v == ':') {
				v++;
				while (v < e && (*v == ' ' || *v == '\t'))
					v++;
				vl = (size_t)(e - v);
				while (vl && isspace(v[vl - 1]))
					vl--;
				if (ronda_url_host((const char *)v, vl, s[n].host,
						   sizeof(s[n].host))) {
					size_t k = MIN(vl, sizeof(s[n].url) - 1);
					memcpy(s[n].url, v, k);
					s[n].url[k] = '\0';
					s[n].site = ronda_host_site(s[n].host);
					s[n].off = (uint64_t)(q - f->data);
					n++;
				}
			}
		}
		p = e + 1;
	}
	/* the site named by most Sitemap: lines (the first on ties) is home */
	home = NULL;
	for (size_t i = 0, best = 0; i < n; i++) {
		size_t c = 0;
		for (size_t j = 0; j < n; j++)
			c += !strcmp(s[j].site, s[i].site);
		if (c > best) {
			best = c;
			home = s[i].site;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *top = NULL;

		if (ronda_slug_score(s[i].url, strlen(s[i].url), &top) >= RONDA_SLUG_GAMBLING) {
			reportf(f, R_ROBOTS_GAMBLING, s[i].off, -1, 0,
				_("Sitemap: '%s' ('%s')"), s[i].url, top ? top : "?");
		} else if (ronda_host_is_free(s[i].host)) {
			reportf(f, R_ROBOTS_OFFSITE, s[i].off, RONDA_SEV_HIGH, 80,
				_("Sitemap: '%s' is on a free hosting service"), s[i].url);
		} else if (home && strcmp(s[i].site, home)) {
			reportf(f, R_ROBOTS_OFFSITE, s[i].off, -1, 0,
				_("Sitemap: '%s' is on '%s', the other sitemaps on '%s'"),
				s[i].url, s[i].site, home);
		}
	}
}

/* The <tag ...> around offset at (bounded), as [*s, *e). */
static bool enclosing_tag(const struct ronda_file *f, uint64_t at,
			  const unsigned char **s, const unsigned char **e)
{
	const unsigned char *p = f->data + MIN(at, (uint64_t)f->len);
	const unsigned char *lo = p - MIN((size_t)(p - f->data), (size_t)1024);
	const unsigned char *end = f->data + f->len;
	const unsigned char *hi = p + MIN((size_t)(end - p), (size_t)1024);

	*s = p;
	while (*s > lo && **s != '<' && **s != '>')
		(*s)--;
	if (**s != '<')
		return false;
	*e = memchr(p, '>', (size_t)(hi - p));
	return *e != NULL;
}

/* Value of attribute name in tag [s, e) into out. */
static bool attr_value(const unsigned char *s, const unsigned char *e,
		       const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);
	const unsigned char *p = s;

	while (p < e && (p = ronda_seo_memcase(p, (size_t)(e - p), name, nl))) {
		const unsigned char *v = p + nl;
		size_t o = 0;
		unsigned char q = 0;

		if (p > s && isalnum(p[-1])) {
			p += nl;
			continue;
		}
		while (v < e && isspace(*v))
			v++;
		if (v >= e || *v != '=') {
			p += nl;
			continue;
		}
		v++;
		while (v < e && isspace(*v))
			v++;
		if (v < e && (*v == '"' || *v == '\''))
			q = *v++;
		while (v < e && o + 1 < size && (q ? *v != q : !isspace(*v) && *v != '>'))
			out[o++] = (char)*v++;
		out[o] = '\0';
		return o > 0;
	}
	return false;
}

static void scan_links(struct ronda_file *f, const struct ronda_hits *h)
{
	char canon[512] = "", amp[512] = "", ch[256] = "", ah[256] = "";
	uint64_t coff = 0, aoff = 0;
	const char *top = NULL;

	for (size_t i = 0; i < h->n; i++) {
		const struct ronda_hit *x = &h->v[i];
		const unsigned char *s, *e;
		char *dst;

		if (x->id == P_CANON && !*canon)
			dst = canon, coff = x->end;
		else if (x->id == P_AMP && !*amp)
			dst = amp, aoff = x->end;
		else
			continue;
		if (!enclosing_tag(f, x->end, &s, &e) ||
		    (size_t)(e - s) < 5 || strncasecmp((const char *)s, "<link", 5) ||
		    !attr_value(s, e, "href", dst, 512))
			*dst = '\0';
	}
	if (*canon)
		ronda_url_host(canon, strlen(canon), ch, sizeof(ch));
	if (*amp)
		ronda_url_host(amp, strlen(amp), ah, sizeof(ah));
	if (*ah && strcmp(ronda_host_site(ah), "ampproject.org")) {
		bool bad = ronda_url_is_bad(ah, amp, &top);
		bool off = bad || (*ch && strcmp(ronda_host_site(ch), ronda_host_site(ah)));
		if (off)
			reportf(f, R_AMPHTML, aoff, bad ? RONDA_SEV_HIGH : -1, bad ? 85 : 0,
				_("amphtml link to '%s'%s%s%s"), ah,
				*ch ? _(" while the canonical page is on '") : "",
				*ch ? ch : "", *ch ? "'" : "");
	}
	if (*ch) {
		bool bad = ronda_url_is_bad(ch, ch, &top);
		if (bad)
			reportf(f, R_CANONICAL, coff, RONDA_SEV_HIGH, 80,
				_("canonical link to '%s'"), canon);
	}
}

static void scan_meta_verification(struct ronda_file *f, const struct ronda_hits *h)
{
	for (size_t i = 0; i < h->n; i++) {
		const unsigned char *s, *e;
		char content[128];

		if (h->v[i].id != P_GSV)
			continue;
		if (!enclosing_tag(f, h->v[i].end, &s, &e) || (size_t)(e - s) < 5 ||
		    strncasecmp((const char *)s, "<meta", 5))
			continue;
		if (!attr_value(s, e, "content", content, sizeof(content)))
			ronda_strlcpy(content, "?", sizeof(content));
		reportf(f, R_GSC_META, h->v[i].end, -1, 0,
			_("verification token '%s'"), content);
		return;
	}
}

static void quoted_after(const struct ronda_file *f, uint64_t at, char *out,
			 size_t size)
{
	size_t o = 0;
	uint64_t i = at;

	while (i < f->len && i < at + 8 && f->data[i] != '\'' && f->data[i] != '"')
		i++;
	if (i < f->len && i < at + 8) {
		unsigned char q = f->data[i++];
		while (i < f->len && f->data[i] != q && o + 1 < size && o < 64)
			out[o++] = (char)f->data[i++];
	}
	out[o] = '\0';
}

static void scan_generator(struct ronda_file *f, const struct ronda_hits *h)
{
	const struct ronda_hit *get = ronda_hits_first(h, P_GET);
	const struct ronda_hit *list = NULL, *txt = NULL;
	size_t n_gamble = ronda_hits_count(h, P_GAMBLE);
	bool fake404 = ronda_hits_has(h, P_404);
	char param[80], file[128];

	if (!get || (!n_gamble && !fake404))
		return;
	for (size_t i = 0; i < h->n && !list; i++) {
		if (h->v[i].id != P_LISTREAD)
			continue;
		for (size_t j = 0; j < h->n; j++) {
			const struct ronda_hit *t = &h->v[j];
			if (t->id == P_TXT && t->end + 600 >= h->v[i].end &&
			    t->end <= h->v[i].end + 300) {
				list = &h->v[i];
				txt = t;
				break;
			}
		}
	}
	if (!list)
		return;
	quoted_after(f, get->end, param, sizeof(param));
	{
		/* the .txt literal ends at txt->end: walk back to its quote */
		uint64_t q = txt->end - 1, st = q;
		size_t o = 0;
		while (st > 0 && q - st < 120 && f->data[st - 1] != f->data[q])
			st--;
		for (uint64_t k = st; k < q && o + 1 < sizeof(file); k++)
			file[o++] = (char)f->data[k];
		file[o] = '\0';
	}
	reportf(f, R_GENERATOR, get->end, n_gamble ? -1 : RONDA_SEV_MEDIUM,
		n_gamble ? 0 : 55,
		_("parameter '%s' selects an entry of '%s'%s%s"), *param ? param : "?",
		file, n_gamble ? _(", gambling page text") : "",
		fake404 ? _(", fake 404 for unknown values") : "");
}

static unsigned long hash_str(const char *s, size_t n)
{
	unsigned long h = 5381;
	for (size_t i = 0; i < n; i++)
		h = h * 33 + (unsigned char)s[i];
	return h;
}

static void farm_add(struct seo_state *st, struct ronda_file *f, bool by_title)
{
	const char *slash = strrchr(f->path, '/');
	size_t dl = slash ? (size_t)(slash - f->path) : 0;
	const char *dir = slash ? f->path : ".";
	unsigned long b;
	struct farm_dir *d;

	if (!slash)
		dl = 1;
	b = hash_str(dir, dl) % FARM_BUCKETS;
	pthread_mutex_lock(&st->lock);
	for (d = st->buckets[b]; d; d = d->next)
		if (strlen(d->path) == dl && !memcmp(d->path, dir, dl))
			break;
	if (!d && st->n_dirs < FARM_MAX_DIRS) {
		d = xcalloc(1, sizeof(*d));
		d->path = xstrndup(dir, dl);
		d->next = st->buckets[b];
		st->buckets[b] = d;
		st->n_dirs++;
	}
	if (d) {
		d->n_pages++;
		d->n_titled += by_title;
		/* keep the smallest paths, so the report does not depend on
		 * thread timing */
		if (d->n_samples < FARM_SAMPLES) {
			d->samples[d->n_samples++] = xstrdup(f->path);
		} else {
			size_t big = 0;
			for (size_t i = 1; i < d->n_samples; i++)
				if (strcmp(d->samples[i], d->samples[big]) > 0)
					big = i;
			if (strcmp(f->path, d->samples[big]) < 0) {
				free(d->samples[big]);
				d->samples[big] = xstrdup(f->path);
			}
		}
	}
	pthread_mutex_unlock(&st->lock);
}

/*
 * Doorway pages with random file names: the <title> in the first 8 KiB
 * carries the gambling words.  News against gambling also puts "judi",
 * "slot" and "bandar" in titles, so a title counts only with a strong
 * doorway word (weight 3: gacor, maxwin, sbobet...) or a brand-shaped
 * token (letters then 2-4 digits: slot88, gacor777, mpo303).
 */
#define TITLE_LOOK 8192u

/* A strong doorway word (weight 3 alone) or a brand-shaped token:
 * letters then 2-4 digits (slot88, mpo303) or "4d" (bonanza4d). */
static bool strong_token(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t a, letters = 0, digits = 0, e;

		while (i < n && !isalnum((unsigned char)s[i]))
			i++;
		a = i;
		while (i < n && isalpha((unsigned char)s[i]))
			i++, letters++;
		while (i < n && isdigit((unsigned char)s[i]))
			i++, digits++;
		e = i;
		while (e < n && isalnum((unsigned char)s[e]))
			e++;
		if (letters >= 3 && ((digits >= 2 && digits <= 4 && e == i) ||
				     (digits == 1 && s[i - 1] == '4' && e == i + 1 &&
				      (s[i] == 'd' || s[i] == 'D'))))
			return true;
		if (e > a && ronda_slug_score(s + a, e - a, NULL) >= 3)
			return true;
		i = e;
	}
	return false;
}

static bool gambling_title(const struct ronda_file *f)
{
	size_t look = MIN(f->len, (size_t)TITLE_LOOK), tl;
	const unsigned char *t = ronda_seo_memcase(f->data, look, "<title", 6), *e;
	const char *title;

	if (!t)
		return false;
	t = memchr(t, '>', (size_t)(f->data + look - t));
	if (!t)
		return false;
	t++;
	e = ronda_seo_memcase(t, (size_t)(f->data + look - t), "</title", 7);
	if (!e || e - t > 300)
		return false;
	title = (const char *)t;
	tl = (size_t)(e - t);
	if (ronda_slug_score(title, tl, NULL) < RONDA_SLUG_GAMBLING)
		return false;
	return strong_token(title, tl);
}

static bool page_ext(const char *ext)
{
	return !strcmp(ext, "html") || !strcmp(ext, "htm") ||
	       !strcmp(ext, "shtml") || !strcmp(ext, "php");
}

static int seo_init(struct ronda_detector_init *di, void **state)
{
	struct seo_state *st;
	int err;

	*state = NULL;
	if ((err = ronda_seo_words_init()))
		return err;
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++)
		if ((err = ronda_pattern_add(di, patterns[i].expr, patterns[i].flags,
					     patterns[i].id)))
			return err;
	st = xcalloc(1, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	*state = st;
	return RONDA_OK;
}

static void seo_release(void *state)
{
	struct seo_state *st = state;

	if (!st)
		return;
	for (size_t b = 0; b < FARM_BUCKETS; b++) {
		struct farm_dir *d = st->buckets[b], *next;
		for (; d; d = next) {
			next = d->next;
			for (size_t i = 0; i < d->n_samples; i++)
				free(d->samples[i]);
			free(d->path);
			free(d);
		}
	}
	pthread_mutex_destroy(&st->lock);
	free(st);
}

/*
 * Gzipped sitemaps (sitemap.xml.gz, sitemap-3.xml.gz, sitemap.txt.gz):
 * search engines read them like plain ones.  The file is inflated with
 * zlib up to the engine's layer budget for it (8 times the compressed
 * size, at least 1 MiB, never more than GZ_OUT_MAX), which also stops a
 * decompression bomb; a longer sitemap is judged on its first part.  The
 * decoded text is handed to every detector as the layer "gunzip", where
 * the sitemap checks below see it under the name without ".gz".
 */
#define GZ_OUT_MAX ((size_t)8 << 20)

/* "sitemap*.xml.gz" / "*sitemap*.txt.gz": the inner extension or NULL. */
static const char *gz_sitemap_ext(const char *name)
{
	size_t n = strlen(name);

	if (n < 10 || strcasecmp(name + n - 3, ".gz") || !strcasestr(name, "sitemap"))
		return NULL;
	if (!strncasecmp(name + n - 7, ".xml", 4))
		return "xml";
	if (!strncasecmp(name + n - 7, ".txt", 4))
		return "txt";
	return NULL;
}

static void scan_sitemap_gz(struct ronda_file *f)
{
	size_t cap = MIN(GZ_OUT_MAX, MAX(f->len * 8, (size_t)1 << 20));
	size_t k = 0;
	unsigned char *o;
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return;
	o = xmalloc(cap + 1);
	z.next_in = (unsigned char *)f->data;
	z.avail_in = (uInt)MIN(f->len, (size_t)UINT32_MAX);
	do {
		z.next_out = o + k;
		z.avail_out = (uInt)(cap - k);
		rc = inflate(&z, Z_NO_FLUSH);
		k = cap - z.avail_out;
		/* several gzip members follow each other */
		if (rc == Z_STREAM_END && z.avail_in > 0 && k < cap)
			rc = inflateReset(&z);
	} while (rc == Z_OK && k < cap && z.avail_in > 0);
	inflateEnd(&z);
	/* a cut or corrupt stream: judge what was decoded */
	if (k > 0)
		ronda_scan_layer(f, o, k, "gunzip");
	free(o);
}

static int seo_scan(void *state, struct ronda_file *f, const struct ronda_hits *h)
{
	struct seo_state *st = state;
	enum ronda_ftype t = f->cls.type;
	const char *gz_ext = gz_sitemap_ext(f->name);

	if (gz_ext && f->depth == 0) {
		if (f->len >= 18 && f->data[0] == 0x1f && f->data[1] == 0x8b)
			scan_sitemap_gz(f);
		return RONDA_OK;
	}
	if (gz_ext && f->depth == 1 && !strcmp(f->layer, "gunzip")) {
		if (!strcmp(gz_ext, "xml") &&
		    (ronda_hits_has(h, P_URLSET) || !strncasecmp(f->name, "sitemap", 7)))
			scan_sitemap_xml(f);
		else if (!strcmp(gz_ext, "txt"))
			scan_sitemap_txt(f);
		return RONDA_OK;
	}
	if (f->cls.flags & RONDA_CF_BINARY)
		return RONDA_OK;
	if (f->depth == 0) {
		if (verification_name(f->name)) {
			reportf(f, R_GSC_FILE, 0, -1, 0,
				_("'%s' lets its owner claim the site in the search engine's console"),
				f->name);
		} else if (!strcasecmp(f->name, "robots.txt")) {
			scan_robots(f);
		} else if (!strcmp(f->ext, "xml") &&
			   (ronda_hits_has(h, P_URLSET) || !strncasecmp(f->name, "sitemap", 7))) {
			scan_sitemap_xml(f);
		} else if (!strcmp(f->ext, "txt") && !strncasecmp(f->name, "sitemap", 7)) {
			scan_sitemap_txt(f);
		}
		if (page_ext(f->ext)) {
			size_t nl = strlen(f->name) - strlen(f->ext) - 1;
			if (ronda_slug_score(f->name, nl, NULL) >= RONDA_SLUG_GAMBLING)
				farm_add(st, f, false);
			else if (t == RONDA_FT_HTML && gambling_title(f))
				farm_add(st, f, true);
		}
	}
	if (t == RONDA_FT_HTML || t == RONDA_FT_PHP) {
		scan_meta_verification(f, h);
		scan_links(f, h);
	}
	if (t == RONDA_FT_PHP || (f->depth > 0 && ronda_hits_has(h, P_GET)))
		scan_generator(f, h);
	return RONDA_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int seo_finish(void *state, struct ronda_finish *fin)
{
	struct seo_state *st = state;

	for (size_t b = 0; b < FARM_BUCKETS; b++) {
		for (struct farm_dir *d = st->buckets[b]; d; d = d->next) {
			if (d->n_pages < FARM_MIN)
				continue;
			qsort(d->samples, d->n_samples, sizeof(d->samples[0]), cmp_str);
			if (d->n_titled)
				ronda_finish_report(fin, d->path, &rules[R_FARM],
						    rules[R_FARM].severity,
						    (const char *const *)d->samples, d->n_samples,
						    _("%zu pages with gambling names or titles in this directory (%zu by title only)"),
						    d->n_pages, d->n_titled);
			else
				ronda_finish_report(fin, d->path, &rules[R_FARM],
						    rules[R_FARM].severity,
						    (const char *const *)d->samples, d->n_samples,
						    _("%zu pages with gambling names in this directory"),
						    d->n_pages);
		}
	}
	return RONDA_OK;
}

const struct ronda_detector ronda_detector_seo = { "seo", N_("sitemaps, robots.txt, Search Console claims, off-site canonical/AMP links, doorway generators and farms"), rules, R__COUNT, seo_init, seo_release, seo_scan, seo_finish, NULL };
