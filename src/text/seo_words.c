/*
 * seo_words.c — crawler names, gambling slug words, free hosts and front
 * controllers for the SEO/cloaking detectors (see seo_words.h).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/rulefile.h"
#include "text/seo_words.h"
#include "core/util.h"

#define WORD_MAX 48
#define CRAWL_MAX 96
#define SLUG_MAX 128
#define HOST_MAX 64
#define FRONT_MAX 64

struct crawl_word {
	char word[WORD_MAX];
	char rev[WORD_MAX];
	size_t len;
	unsigned kind;
};

struct slug_word {
	char word[WORD_MAX];
	size_t len;
	unsigned weight;
	bool sub;
};

static struct crawl_word crawl[CRAWL_MAX];
static size_t n_crawl;
static struct slug_word slugs[SLUG_MAX];
static size_t n_slugs;
static char hosts[HOST_MAX][WORD_MAX];
static size_t n_hosts;
static char fronts[FRONT_MAX][WORD_MAX];
static size_t n_fronts;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int init_err;

/* Split an entry into whitespace-separated fields (at most nf). */
static size_t fields(const char *line, size_t len, const char **f, size_t *fl,
		     size_t nf)
{
	size_t n = 0, i = 0;

	while (i < len && n < nf) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= len)
			break;
		f[n] = line + i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		fl[n] = (size_t)(line + i - f[n]);
		n++;
	}
	return n;
}

static bool lower_copy(char *dst, const char *src, size_t n)
{
	if (n == 0 || n >= WORD_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[n] = '\0';
	return true;
}

static bool field_is(const char *f, size_t n, const char *s)
{
	return n == strlen(s) && !memcmp(f, s, n);
}

static int load_crawlers(void)
{
	const struct ronda_rulefile *rf = ronda_rulefile_get("seo-crawlers");
	const char *line, *f[3];
	size_t pos = 0, len, fl[3];

	if (!rf)
		return RONDA_EINVAL;
	while (ronda_rulefile_next(rf, &pos, &line, &len)) {
		struct crawl_word *w;

		if (fields(line, len, f, fl, 3) != 2 || n_crawl >= CRAWL_MAX)
			return RONDA_EPARSE;
		w = &crawl[n_crawl];
		if (!lower_copy(w->word, f[0], fl[0]))
			return RONDA_EPARSE;
		w->len = fl[0];
		for (size_t i = 0; i < w->len; i++)
			w->rev[i] = w->word[w->len - 1 - i];
		w->rev[w->len] = '\0';
		if (field_is(f[1], fl[1], "ua"))
			w->kind = RONDA_CRAWL_UA;
		else if (field_is(f[1], fl[1], "uagen"))
			w->kind = RONDA_CRAWL_UAGEN;
		else if (field_is(f[1], fl[1], "ref"))
			w->kind = RONDA_CRAWL_REF;
		else if (field_is(f[1], fl[1], "mobile"))
			w->kind = RONDA_CRAWL_MOBILE;
		else if (field_is(f[1], fl[1], "ip"))
			w->kind = RONDA_CRAWL_IP;
		else
			return RONDA_EPARSE;
		n_crawl++;
	}
	return n_crawl ? RONDA_OK : RONDA_EPARSE;
}

static int load_slugs(void)
{
	const struct ronda_rulefile *rf = ronda_rulefile_get("seo-slugs");
	const char *line, *f[4];
	size_t pos = 0, len, fl[4], nf;

	if (!rf)
		return RONDA_EINVAL;
	while (ronda_rulefile_next(rf, &pos, &line, &len)) {
		struct slug_word *w;
		char num[8];
		unsigned long long v;

		nf = fields(line, len, f, fl, 4);
		if (nf < 2 || nf > 3 || n_slugs >= SLUG_MAX || fl[1] >= sizeof(num))
			return RONDA_EPARSE;
		w = &slugs[n_slugs];
		if (!lower_copy(w->word, f[0], fl[0]))
			return RONDA_EPARSE;
		w->len = fl[0];
		memcpy(num, f[1], fl[1]);
		num[fl[1]] = '\0';
		if (ronda_parse_uint(num, 1, 9, &v))
			return RONDA_EPARSE;
		w->weight = (unsigned)v;
		if (nf == 3 && !field_is(f[2], fl[2], "sub"))
			return RONDA_EPARSE;
		w->sub = nf == 3;
		n_slugs++;
	}
	return n_slugs ? RONDA_OK : RONDA_EPARSE;
}

static int load_list(const char *name, char list[][WORD_MAX], size_t max,
		     size_t *n)
{
	const struct ronda_rulefile *rf = ronda_rulefile_get(name);
	const char *line, *f[2];
	size_t pos = 0, len, fl[2];

	if (!rf)
		return RONDA_EINVAL;
	while (ronda_rulefile_next(rf, &pos, &line, &len)) {
		if (fields(line, len, f, fl, 2) != 1 || *n >= max ||
		    !lower_copy(list[*n], f[0], fl[0]))
			return RONDA_EPARSE;
		(*n)++;
	}
	return *n ? RONDA_OK : RONDA_EPARSE;
}

static void init_once(void)
{
	init_err = load_crawlers();
	if (!init_err)
		init_err = load_slugs();
	if (!init_err)
		init_err = load_list("seo-hosts", hosts, HOST_MAX, &n_hosts);
	if (!init_err)
		init_err = load_list("seo-front", fronts, FRONT_MAX, &n_fronts);
}

int ronda_seo_words_init(void)
{
	pthread_once(&once, init_once);
	return init_err;
}

const unsigned char *ronda_seo_memcase(const unsigned char *hay, size_t n,
				      const char *needle, size_t m)
{
	int c0;

	if (m == 0)
		return hay;
	if (m > n)
		return NULL;
	c0 = tolower((unsigned char)needle[0]);
	for (size_t i = 0; i + m <= n; i++) {
		if (tolower(hay[i]) != c0)
			continue;
		if (!strncasecmp((const char *)hay + i + 1, needle + 1, m - 1))
			return hay + i;
	}
	return NULL;
}

/* Lower-case copy of p[0..n) with string-concatenation joins removed:
 * a quote, optional space, '.' or '+', optional space and a quote vanish,
 * so 'Goo' . "gle" reads 'Google'. */
static size_t join_pieces(const unsigned char *p, size_t n, unsigned char *out,
			  bool *joined)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\'' || p[i] == '"') {
			size_t j = i + 1;
			while (j < n && (p[j] == ' ' || p[j] == '\t' ||
					 p[j] == '\n' || p[j] == '\r'))
				j++;
			if (j < n && (p[j] == '.' || p[j] == '+')) {
				j++;
				while (j < n && (p[j] == ' ' || p[j] == '\t' ||
						 p[j] == '\n' || p[j] == '\r'))
					j++;
				if (j < n && (p[j] == '\'' || p[j] == '"')) {
					i = j;
					*joined = true;
					continue;
				}
			}
		}
		out[o++] = (unsigned char)tolower(p[i]);
	}
	return o;
}

static bool search_words(const unsigned char *s, size_t n, unsigned kinds,
			 bool reversed, struct ronda_crawl_match *m)
{
	for (size_t i = 0; i < n_crawl; i++) {
		const struct crawl_word *w = &crawl[i];

		if (!(w->kind & kinds))
			continue;
		if (memmem(s, n, reversed ? w->rev : w->word, w->len)) {
			m->kind = w->kind;
			m->word = w->word;
			return true;
		}
	}
	return false;
}

static bool is_b64(unsigned char c)
{
	return isalnum(c) || c == '+' || c == '/' || c == '=' || c == '-' ||
	       c == '_';
}

/* Decode every quoted base64-looking literal of p[0..n) and search it. */
static bool search_b64(const unsigned char *p, size_t n, unsigned kinds,
		       struct ronda_crawl_match *m)
{
	unsigned char dec[4096];
	unsigned tried = 0;

	for (size_t i = 0; i < n && tried < 64; i++) {
		size_t j, got;

		if (p[i] != '\'' && p[i] != '"')
			continue;
		for (j = i + 1; j < n && is_b64(p[j]); j++)
			;
		if (j >= n || p[j] != p[i] || j - i - 1 < 8) {
			i = j - 1;      /* p[j] may open the next literal */
			continue;
		}
		tried++;
		got = ronda_b64_decode(p + i + 1, j - i - 1, dec, sizeof(dec));
		for (size_t k = 0; k < got; k++)
			dec[k] = (unsigned char)tolower(dec[k]);
		if (got && (search_words(dec, got, kinds, false, m) ||
			    search_words(dec, got, kinds, true, m)))
			return true;
		i = j;
	}
	return false;
}

static bool crawl_find(const unsigned char *p, size_t n, unsigned kinds,
		       struct ronda_crawl_match *m);

bool ronda_crawl_find(const unsigned char *p, size_t n, unsigned kinds,
		      struct ronda_crawl_match *m)
{
	/* specific names before generic bot words, whatever the encoding */
	if ((kinds & RONDA_CRAWL_UAGEN) && (kinds & ~RONDA_CRAWL_UAGEN) &&
	    crawl_find(p, n, kinds & ~RONDA_CRAWL_UAGEN, m))
		return true;
	return crawl_find(p, n, kinds, m);
}

static bool crawl_find(const unsigned char *p, size_t n, unsigned kinds,
		       struct ronda_crawl_match *m)
{
	unsigned char *low;
	size_t ln;
	bool joined = false, found = false;

	if (ronda_seo_words_init())
		return false;
	if (n > RONDA_CRAWL_WINDOW_MAX)
		n = RONDA_CRAWL_WINDOW_MAX;
	low = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		low[i] = (unsigned char)tolower(p[i]);
	if (search_words(low, n, kinds, false, m)) {
		m->how = "literal";
		found = true;
		goto out;
	}
	ln = join_pieces(p, n, low, &joined);
	if (joined && search_words(low, ln, kinds, false, m)) {
		m->how = "concatenated";
		found = true;
		goto out;
	}
	if (search_words(low, ln, kinds, true, m)) {
		m->how = "reversed";
		found = true;
		goto out;
	}
	if (search_b64(p, n, kinds, m)) {
		m->how = "base64";
		found = true;
	}
out:
	free(low);
	return found;
}

static const char *const brand_suffix[] = {
	"4d", "88", "138", "168", "303", "777", "qq", "toto", "slot", NULL,
};

static unsigned token_score(const char *t, size_t n, const char **word)
{
	unsigned best = 0;
	size_t alpha = 0;

	for (size_t i = 0; i < n_slugs; i++) {
		const struct slug_word *w = &slugs[i];
		bool hit = (n == w->len && !memcmp(t, w->word, n)) ||
			   (w->sub && n > w->len && memmem(t, n, w->word, w->len));
		if (hit && w->weight > best) {
			best = w->weight;
			*word = w->word;
		}
	}
	while (alpha < n && t[alpha] >= 'a' && t[alpha] <= 'z')
		alpha++;
	for (const char *const *s = brand_suffix; *s && best < 3; s++) {
		size_t sl = strlen(*s);
		/* three or more letters, then the suffix: gacor88, hoki4d */
		if (n >= sl + 3 && alpha >= n - sl && !memcmp(t + n - sl, *s, sl)) {
			best = 3;
			*word = "brand-shaped name";
		}
	}
	return best;
}

unsigned ronda_slug_score(const char *s, size_t n, const char **top)
{
	unsigned score = 0, best = 0;
	char tok[64];
	size_t tl = 0;

	if (top)
		*top = NULL;
	if (ronda_seo_words_init())
		return 0;
	for (size_t i = 0; i <= n; i++) {
		int c = i < n ? tolower((unsigned char)s[i]) : 0;

		if (i < n && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			if (tl < sizeof(tok))
				tok[tl] = (char)c;
			tl++;
			continue;
		}
		if (tl && tl <= sizeof(tok)) {
			const char *w = NULL;
			unsigned v = token_score(tok, tl, &w);
			score += v;
			if (v > best) {
				best = v;
				if (top)
					*top = w;
			}
		}
		tl = 0;
		if (score > 1000)
			break;
	}
	return score;
}

size_t ronda_url_host(const char *url, size_t n, char *host, size_t size)
{
	size_t i = 0, o = 0;

	if (size == 0)
		return 0;
	host[0] = '\0';
	if (n >= 7 && !strncasecmp(url, "http://", 7))
		i = 7;
	else if (n >= 8 && !strncasecmp(url, "https://", 8))
		i = 8;
	else if (n >= 2 && url[0] == '/' && url[1] == '/')
		i = 2;
	else
		return 0;
	/* skip user info */
	for (size_t j = i; j < n && j < i + 256; j++) {
		char c = url[j];
		if (c == '/' || c == '?' || c == '#')
			break;
		if (c == '@') {
			i = j + 1;
			break;
		}
	}
	for (; i < n && o + 1 < size; i++) {
		char c = (char)tolower((unsigned char)url[i]);
		if (!(isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_'))
			break;
		host[o++] = c;
	}
	while (o && host[o - 1] == '.')
		o--;
	host[o] = '\0';
	return strchr(host, '.') ? o : (host[0] = '\0', 0);
}

const char *ronda_host_site(const char *host)
{
	static const char *const second[] = {
		"go", "ac", "co", "or", "sch", "web", "my", "net", "biz", "desa",
		"mil", "ponpes", "com", "gov", "org", "edu", NULL,
	};
	size_t n = strlen(host);
	const char *dots[3] = { NULL, NULL, NULL };
	unsigned nd = 0;

	for (size_t i = n; i-- > 0;) {
		if (host[i] == '.') {
			dots[nd++] = host + i;
			if (nd == 3)
				break;
		}
	}
	if (nd < 2)
		return host;
	/* dots[0] before the TLD, dots[1] before the second level */
	if (strlen(dots[0] + 1) == 2) {
		size_t sl = (size_t)(dots[0] - dots[1] - 1);
		for (const char *const *s = second; *s; s++) {
			if (strlen(*s) == sl && !memcmp(dots[1] + 1, *s, sl))
				return nd >= 3 ? dots[2] + 1 : host;
		}
	}
	return dots[1] + 1;
}

static bool host_under(const char *host, const char *suffix)
{
	size_t hl = strlen(host), sl = strlen(suffix);

	if (hl == sl)
		return !strcmp(host, suffix);
	return hl > sl && host[hl - sl - 1] == '.' && !strcmp(host + hl - sl, suffix);
}

bool ronda_host_is_free(const char *host)
{
	if (ronda_seo_words_init())
		return false;
	for (size_t i = 0; i < n_hosts; i++)
		if (host_under(host, hosts[i]))
			return true;
	return false;
}

bool ronda_host_is_gov(const char *host)
{
	static const char *const zones[] = {
		"go.id", "ac.id", "sch.id", "mil.id", "desa.id", "polri.go.id",
		NULL,
	};
	for (const char *const *z = zones; *z; z++)
		if (host_under(host, *z))
			return true;
	return false;
}

bool ronda_front_controller(const char *name, size_t n)
{
	size_t end = 0, start = 0;

	if (ronda_seo_words_init())
		return false;
	while (end < n && name[end] != '?' && name[end] != '#' &&
	       name[end] != ' ')
		end++;
	for (size_t i = 0; i < end; i++)
		if (name[i] == '/')
			start = i + 1;
	for (size_t i = 0; i < n_fronts; i++) {
		size_t fl = strlen(fronts[i]);
		if (fl == end - start && !strncasecmp(name + start, fronts[i], fl))
			return true;
	}
	return false;
}

size_t ronda_b64_decode(const unsigned char *in, size_t n, unsigned char *out,
			size_t size)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n && o < size; i++) {
		int v;

		if (in[i] == ' ' || in[i] == '\n' || in[i] == '\r' || in[i] == '\t')
			continue;
		if (in[i] == '=')
			break;
		v = ronda_b64_value(in[i]);
		if (v < 0)
			break;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return o;
}
