/*
 * seo_words.c — crawler names, gambling slug words, free hosts and front
 * controllers for the SEO/cloaking detectors (see seo_words.h).
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/hscache.h"
#include "core/rulefile.h"
#include "text/seo_words.h"
#include "core/util.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

#define N_KINDS 5           /* RONDA_CRAWL_* bits */
#define CRAWL_BITS ((CRAWL_MAX + 63) / 64)

static struct crawl_word crawl[CRAWL_MAX];
static size_t n_crawl;
/* Every crawler word, forward (id i) and reversed (id CRAWL_MAX + i), and
 * a string-concatenation join (JOIN_ID, see join_at). */
#define JOIN_ID (2 * CRAWL_MAX)
static hs_database_t *crawl_db;
static uint64_t crawl_gen;
/* The same words (same ids) reporting every match, for whole files. */
static hs_database_t *crawl_all_db;
static uint64_t crawl_all_gen;
static uint64_t kind_mask[N_KINDS][CRAWL_BITS];   /* words of each kind */
static struct slug_word slugs[SLUG_MAX];
static size_t n_slugs;
static char hosts[HOST_MAX][WORD_MAX];
static size_t n_hosts;
static char fronts[FRONT_MAX][WORD_MAX];
static size_t n_fronts;

/* Bytes a crawler word can match (either case) and the shortest word:
 * decoded bytes with no run of min_word such bytes hold no word. */
static bool word_byte[256];
static size_t min_word = WORD_MAX;
/* pair_kinds[x][y]: the kinds of the words in which the (lower-case) bytes
 * x, y follow each other, forward or reversed (ronda_crawl_file_may_hold) */
static uint8_t pair_kinds[128][128];
static unsigned pair_any;      /* kinds with a word outside ASCII */

/* Bytes of a quoted base64-looking literal (isalnum in the locale of the
 * first use, + / = - _), and ronda_b64_value() of each (-1 for '=' too,
 * where a decode stops), both filled by init_once. */
static bool b64_byte[256];
static int8_t b64_val[256];

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
		for (size_t i = 0; i < w->len; i++) {
			unsigned char c = (unsigned char)w->word[i];
			word_byte[c] = true;
			word_byte[(unsigned char)toupper(c)] = true;
		}
		if (w->len < min_word)
			min_word = w->len;
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
		for (size_t i = 0; i + 1 < w->len; i++) {
			unsigned char x = (unsigned char)w->word[i];
			unsigned char y = (unsigned char)w->word[i + 1];

			if (x >= 128 || y >= 128) {
				pair_any |= w->kind;   /* not in the table */
				continue;
			}
			pair_kinds[x][y] |= (uint8_t)w->kind;
			pair_kinds[y][x] |= (uint8_t)w->kind;
		}
		n_crawl++;
	}
	return n_crawl ? RONDA_OK : RONDA_EPARSE;
}

/* s as a vectorscan literal: every byte but letters and digits escaped. */
static char *hs_literal(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *e = xmalloc(4 * n + 1);

	for (size_t i = 0; i < n; i++) {
		if (isalnum((unsigned char)s[i]))
			e[o++] = s[i];
		else
			o += (size_t)snprintf(e + o, 5, "\\x%02x",
					      (unsigned char)s[i]);
	}
	e[o] = '\0';
	return e;
}

static int compile_crawlers(void)
{
	char *expr[2 * CRAWL_MAX + 1] = { NULL };
	unsigned flags[2 * CRAWL_MAX + 1] = { 0 }, ids[2 * CRAWL_MAX + 1] = { 0 };
	unsigned n = 0;
	hs_compile_error_t *ce = NULL;
	int ret = RONDA_OK;

	for (size_t i = 0; i < n_crawl; i++) {
		for (unsigned k = 0; k < N_KINDS; k++)
			if (crawl[i].kind == 1u << k)
				kind_mask[k][i / 64] |= (uint64_t)1 << (i % 64);
		expr[n] = hs_literal(crawl[i].word);
		ids[n] = (unsigned)i;
		expr[n + 1] = hs_literal(crawl[i].rev);
		ids[n + 1] = CRAWL_MAX + (unsigned)i;
		flags[n] = flags[n + 1] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		n += 2;
	}
	for (unsigned i = 0; i < n; i++)
		flags[i] = HS_FLAG_CASELESS;
	if (ronda_hs_compile((const char *const *)expr, flags, ids, n,
			     &crawl_all_db, &ce) != HS_SUCCESS) {
		hs_free_compile_error(ce);
		ce = NULL;
		crawl_all_db = NULL;      /* files are then not indexed */
	} else {
		crawl_all_gen = ronda_hs_new_gen();
		ronda_hs_warm_add(crawl_all_db, crawl_all_gen);
	}
	for (unsigned i = 0; i < n; i++)
		flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
	expr[n] = xstrdup("['\"][ \\t\\r\\n]*[.+][ \\t\\r\\n]*['\"]");
	ids[n] = JOIN_ID;
	flags[n++] = HS_FLAG_SINGLEMATCH;
	if (ronda_hs_compile((const char *const *)expr, flags, ids, n, &crawl_db,
			     &ce) != HS_SUCCESS) {
		hs_free_compile_error(ce);
		ret = RONDA_EPATTERN;
	}
	crawl_gen = ronda_hs_new_gen();
	ronda_hs_warm_add(crawl_db, crawl_gen);
	for (unsigned i = 0; i < n; i++)
		free(expr[i]);
	return ret;
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
	for (unsigned c = 0; c < 256; c++) {
		b64_byte[c] = isalnum((int)c) || c == '+' || c == '/' || c == '=' ||
			      c == '-' || c == '_';
		b64_val[c] = (int8_t)(c == '=' ? -1 : ronda_b64_value((unsigned char)c));
	}
	init_err = load_crawlers();
	if (!init_err)
		init_err = compile_crawlers();
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

/* A string-concatenation join at the quote p[i]: optional space, '.' or
 * '+', optional space and a quote (JOIN_ID's expression); *end gets the
 * offset of the last quote. */
static bool join_at(const unsigned char *p, size_t n, size_t i, size_t *end)
{
	size_t j = i + 1;

	while (j < n && (p[j] == ' ' || p[j] == '\t' || p[j] == '\n' ||
			 p[j] == '\r'))
		j++;
	if (j >= n || (p[j] != '.' && p[j] != '+'))
		return false;
	j++;
	while (j < n && (p[j] == ' ' || p[j] == '\t' || p[j] == '\n' ||
			 p[j] == '\r'))
		j++;
	if (j >= n || (p[j] != '\'' && p[j] != '"'))
		return false;
	*end = j;
	return true;
}

/* Copy of p[0..n) with the joins removed, so 'Goo' . "gle" reads 'Google';
 * returns its length. */
static size_t join_pieces(const unsigned char *p, size_t n, unsigned char *out)
{
	size_t o = 0, end;

	for (size_t i = 0; i < n; i++) {
		if ((p[i] == '\'' || p[i] == '"') && join_at(p, n, i, &end)) {
			i = end;
			continue;
		}
		out[o++] = p[i];
	}
	return o;
}

/* Which words (bit i: crawl[i]) occur in a text, forward and reversed. */
struct crawl_bits {
	uint64_t fwd[CRAWL_BITS], rev[CRAWL_BITS];
	bool join;          /* the text has a join */
};

static int on_crawl(unsigned int id, unsigned long long from,
		    unsigned long long to, unsigned int flags, void *ctx)
{
	struct crawl_bits *b = ctx;
	uint64_t *v = id >= CRAWL_MAX ? b->rev : b->fwd;

	(void)from;
	(void)to;
	(void)flags;
	if (id == JOIN_ID) {
		b->join = true;
		return 0;
	}
	id %= CRAWL_MAX;
	v[id / 64] |= (uint64_t)1 << (id % 64);
	return 0;
}

static void scan_bits(const unsigned char *s, size_t n, struct crawl_bits *b)
{
	hs_scratch_t *scratch;

	memset(b, 0, sizeof(*b));
	if (!n || !(scratch = ronda_hs_thread_scratch(crawl_db, crawl_gen)))
		return;
	if (hs_scan(crawl_db, (const char *)s, (unsigned)n, 0, scratch, on_crawl,
		    b) != HS_SUCCESS)
		memset(b, 0, sizeof(*b));
}

/* The first word in list order among v & mask, or NULL. */
static const struct crawl_word *first_word(const uint64_t *v,
					   const uint64_t *mask)
{
	for (size_t w = 0; w < CRAWL_BITS; w++) {
		uint64_t x = v[w] & mask[w];
		if (x)
			return &crawl[w * 64 + (size_t)__builtin_ctzll(x)];
	}
	return NULL;
}

static int on_file_hit(unsigned int id, unsigned long long from,
		       unsigned long long to, unsigned int flags, void *ctx)
{
	struct ronda_crawl_file *cf = ctx;

	(void)from;
	(void)flags;
	if (cf->n_hits >= RONDA_CRAWL_FILE_HITS)
		return 1;               /* too many: not indexed */
	cf->hits[cf->n_hits].end = (uint32_t)to;
	cf->hits[cf->n_hits++].id = id;
	return 0;
}

void ronda_crawl_file_init(struct ronda_crawl_file *cf,
			   const unsigned char *p, size_t n)
{
	memset(cf, 0, sizeof(*cf));
	cf->p = p;
	cf->n = n;
}

void ronda_crawl_file_release(struct ronda_crawl_file *cf)
{
	free(cf->hits);
	cf->hits = NULL;
	cf->n_hits = 0;
	cf->state = 0;
}

/* Scan the whole file once, listing every word match by end. */
static void index_file(struct ronda_crawl_file *cf)
{
	hs_scratch_t *scratch;

	cf->state = -1;
	if (!crawl_all_db || cf->n > RONDA_CRAWL_FILE_MAX ||
	    !(scratch = ronda_hs_thread_scratch(crawl_all_db, crawl_all_gen)))
		return;
	cf->hits = xmalloc(RONDA_CRAWL_FILE_HITS * sizeof(*cf->hits));
	cf->n_hits = 0;
	if (cf->n && hs_scan(crawl_all_db, (const char *)cf->p, (unsigned)cf->n,
			     0, scratch, on_file_hit, cf) != HS_SUCCESS) {
		ronda_crawl_file_release(cf);
		cf->state = -1;
		return;
	}
	/* by end (vectorscan reports nearly in that order) */
	for (unsigned i = 1; i < cf->n_hits; i++) {
		struct ronda_crawl_hit x = cf->hits[i];
		unsigned j = i;

		while (j > 0 && cf->hits[j - 1].end > x.end) {
			cf->hits[j] = cf->hits[j - 1];
			j--;
		}
		cf->hits[j] = x;
	}
	cf->state = 1;
}

/* scan_bits(p, n) of a window of an indexed file: the words whose match
 * lies inside it, and a join found by join_at (JOIN_ID's expression). */
static void index_bits(const struct ronda_crawl_file *cf,
		       const unsigned char *p, size_t n, struct crawl_bits *b)
{
	size_t lo = (size_t)(p - cf->p), hi = lo + n, a = 0, z = cf->n_hits, end;

	memset(b, 0, sizeof(*b));
	if (!n)
		return;
	while (a < z) {          /* first hit ending after lo */
		size_t mid = a + (z - a) / 2;
		if (cf->hits[mid].end <= lo)
			a = mid + 1;
		else
			z = mid;
	}
	for (; a < cf->n_hits && cf->hits[a].end <= hi; a++) {
		unsigned id = cf->hits[a].id % CRAWL_MAX;
		uint64_t *v = cf->hits[a].id >= CRAWL_MAX ? b->rev : b->fwd;

		if (cf->hits[a].end - crawl[id].len >= lo)
			v[id / 64] |= (uint64_t)1 << (id % 64);
	}
	for (size_t i = 0; i < n && !b->join; i++)
		if ((p[i] == '\'' || p[i] == '"') && join_at(p, n, i, &end))
			b->join = true;
}

static bool is_b64(unsigned char c)
{
	return b64_byte[c];
}

/* s[0..n) has min_word word bytes in a row: a word may be in it.  (A
 * caseless literal match is made of word bytes in either case only.) */
static bool may_hold_word(const unsigned char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		run = word_byte[s[i]] ? run + 1 : 0;
		if (run >= min_word)
			return true;
	}
	return false;
}

/*
 * One window, searched in up to three steps, each done once and only when
 * a kind asked for needs it: the text as written (forward words: literal;
 * reversed words, when nothing was joined: reversed); the text with joins
 * removed; every quoted base64-looking literal (at most B64_TRIES), decoded.
 */
#define B64_TRIES 64
struct crawl_scan {
	const unsigned char *p;
	size_t n;
	const struct ronda_crawl_file *cf;   /* indexed file p is in, or NULL */
	unsigned done;              /* steps done: 0..3 */
	struct crawl_bits raw, join;
	bool joined;
	unsigned n_b64;
	struct crawl_bits b64[B64_TRIES];
};

static void scan_b64(struct crawl_scan *cs)
{
	const unsigned char *p = cs->p;
	size_t n = cs->n;
	unsigned char dec[4096];

	for (size_t i = 0; i < n && cs->n_b64 < B64_TRIES; i++) {
		size_t j, got;

		if (p[i] != '\'' && p[i] != '"')
			continue;
		for (j = i + 1; j < n && is_b64(p[j]); j++)
			;
		if (j >= n || p[j] != p[i] || j - i - 1 < 8) {
			i = j - 1;      /* p[j] may open the next literal */
			continue;
		}
		got = ronda_b64_decode(p + i + 1, j - i - 1, dec, sizeof(dec));
		/* most quoted names decode to bytes that cannot hold a word:
		 * they count among the B64_TRIES, with nothing found */
		if (may_hold_word(dec, got))
			scan_bits(dec, got, &cs->b64[cs->n_b64++]);
		else
			memset(&cs->b64[cs->n_b64++], 0, sizeof(cs->b64[0]));
		i = j;
	}
}

/* Do the steps up to `step` (1: as written, 2: joins removed, 3: base64). */
static void crawl_upto(struct crawl_scan *cs, unsigned step)
{
	unsigned char *joined;

	for (; cs->done < step; cs->done++) {
		if (cs->done == 0) {
			if (cs->cf)
				index_bits(cs->cf, cs->p, cs->n, &cs->raw);
			else
				scan_bits(cs->p, cs->n, &cs->raw);
		} else if (cs->done == 1) {
			/* nothing joined: the reversed words are the raw ones */
			cs->joined = cs->raw.join;
			cs->join = cs->raw;
			if (cs->joined) {
				joined = xmalloc(cs->n);
				scan_bits(joined, join_pieces(cs->p, cs->n, joined),
					  &cs->join);
				free(joined);
			}
		} else {
			scan_b64(cs);
		}
	}
}

static bool pick(struct crawl_scan *cs, unsigned kinds,
		 struct ronda_crawl_match *m)
{
	uint64_t mask[CRAWL_BITS] = { 0 };
	const struct crawl_word *w = NULL;

	for (unsigned k = 0; k < N_KINDS; k++)
		if (kinds & (1u << k))
			for (size_t i = 0; i < CRAWL_BITS; i++)
				mask[i] |= kind_mask[k][i];
	crawl_upto(cs, 1);
	if ((w = first_word(cs->raw.fwd, mask))) {
		m->how = "literal";
		goto found;
	}
	crawl_upto(cs, 2);
	if (cs->joined && (w = first_word(cs->join.fwd, mask))) {
		m->how = "concatenated";
		goto found;
	}
	if ((w = first_word(cs->join.rev, mask))) {
		m->how = "reversed";
		goto found;
	}
	crawl_upto(cs, 3);
	for (unsigned i = 0; i < cs->n_b64; i++)
		if ((w = first_word(cs->b64[i].fwd, mask)) ||
		    (w = first_word(cs->b64[i].rev, mask))) {
			m->how = "base64";
			goto found;
		}
	return false;
found:
	m->kind = w->kind;
	m->word = w->word;
	return true;
}

static unsigned find_each(const struct ronda_crawl_file *cf,
			  const unsigned char *p, size_t n,
			  const unsigned *kinds, size_t n_kinds,
			  struct ronda_crawl_match *m)
{
	struct crawl_scan cs;
	unsigned found = 0;

	cs.p = p;
	cs.cf = cf;
	cs.n = MIN(n, RONDA_CRAWL_WINDOW_MAX);
	cs.done = 0;
	cs.n_b64 = 0;
	for (size_t k = 0; k < n_kinds && k < RONDA_CRAWL_EACH_MAX; k++) {
		unsigned specific = kinds[k] & ~(unsigned)RONDA_CRAWL_UAGEN;

		/* specific names before generic bot words, whatever the encoding */
		if ((specific && specific != kinds[k] &&
		     pick(&cs, specific, &m[k])) ||
		    pick(&cs, kinds[k], &m[k]))
			found |= 1u << k;
	}
	return found;
}

unsigned ronda_crawl_find_each(const unsigned char *p, size_t n,
			       const unsigned *kinds, size_t n_kinds,
			       struct ronda_crawl_match *m)
{
	if (ronda_seo_words_init())
		return 0;
	return find_each(NULL, p, n, kinds, n_kinds, m);
}

unsigned ronda_crawl_find_each_in(struct ronda_crawl_file *cf, size_t off,
				  size_t n, const unsigned *kinds,
				  size_t n_kinds, struct ronda_crawl_match *m)
{
	if (ronda_seo_words_init() || off > cf->n)
		return 0;
	n = MIN(n, cf->n - off);
	if (cf->state == 0) {
		if (cf->cost < cf->n) {
			cf->cost += MIN(n, RONDA_CRAWL_WINDOW_MAX) + 1024;
			return find_each(NULL, cf->p + off, n, kinds, n_kinds, m);
		}
		index_file(cf);
	}
	return find_each(cf->state == 1 ? cf : NULL, cf->p + off, n, kinds,
			 n_kinds, m);
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 'a' - 'A') : c;
}

/* Kinds of the words in which bytes x, y follow each other (either case,
 * forward or reversed). */
static unsigned pair_of(unsigned char x, unsigned char y)
{
	x = ascii_lower(x);
	y = ascii_lower(y);
	return pair_any | (x < 128 && y < 128 ? pair_kinds[x][y] : 0u);
}

/* A window's joined text (join_pieces) removes joins found by join_at,
 * each at a quote of the file; the joins removed one after the other
 * (the next starting right after the last quote of one) form a run, and
 * the bytes before and after a run become neighbours.  A word found in
 * the joined text only is one that spans such a run: two of its bytes,
 * p[a - 1] and the byte after the run, follow each other.  In a window
 * the run is the file's run from a, maybe cut short where the window
 * ends (then the byte after it is the next join's opening quote).  True
 * when one of these pairs, for the run starting with the join at quote a,
 * occurs in a word of `kinds`; also when the run is too long to follow. */
static bool join_run_may_hold(const unsigned char *p, size_t n, size_t a,
			      size_t end, unsigned kinds)
{
	unsigned char x = p[a - 1];

	for (unsigned k = 0; k < 64; k++) {
		if (end + 1 >= n)
			return false;
		if (pair_of(x, p[end + 1]) & kinds)
			return true;
		if ((p[end + 1] != '\'' && p[end + 1] != '"') ||
		    !join_at(p, n, end + 1, &end))
			return false;
	}
	return true;
}

/* The quoted base64-looking literal p[i + 1..j) (scan_b64's test passed):
 * decoded as ronda_b64_decode() does, does it hold a word of `kinds`,
 * forward or reversed?  The decoded bytes are scanned only when they have
 * a run of min_word word bytes (may_hold_word), found while decoding. */
static bool b64_may_hold(const unsigned char *s, size_t n, const uint64_t *mask)
{
	unsigned char dec[4096];
	struct crawl_bits b;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0, run = 0, i = 0;
	bool word = false;

	/* four characters, three bytes at a time while all are valid */
	for (; i + 4 <= n && o + 3 <= sizeof(dec); i += 4) {
		int v0 = b64_val[s[i]], v1 = b64_val[s[i + 1]];
		int v2 = b64_val[s[i + 2]], v3 = b64_val[s[i + 3]];
		uint32_t x;

		if ((v0 | v1 | v2 | v3) < 0)
			break;
		x = (uint32_t)v0 << 18 | (uint32_t)v1 << 12 | (uint32_t)v2 << 6 |
		    (uint32_t)v3;
		for (unsigned k = 0; k < 3; k++) {
			dec[o] = (unsigned char)(x >> (16 - 8 * k));
			run = word_byte[dec[o++]] ? run + 1 : 0;
			word |= run >= min_word;
		}
	}
	for (; i < n && o < sizeof(dec); i++) {
		int v = b64_val[s[i]];

		if (v < 0)
			break;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dec[o] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
			run = word_byte[dec[o++]] ? run + 1 : 0;
			word |= run >= min_word;
		}
	}
	if (!word)
		return false;
	scan_bits(dec, o, &b);
	for (size_t w = 0; w < CRAWL_BITS; w++)
		if ((b.fwd[w] | b.rev[w]) & mask[w])
			return true;
	return false;
}

/* Bit k: p[base + k] is a quote, for the 16 bytes from base (fewer at
 * the end). */
static unsigned quote_mask(const unsigned char *p, size_t n, size_t base)
{
	unsigned m = 0;

#ifdef __SSE2__
	if (n - base >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + base));

		return (unsigned)_mm_movemask_epi8(_mm_or_si128(
			_mm_cmpeq_epi8(x, _mm_set1_epi8('\'')),
			_mm_cmpeq_epi8(x, _mm_set1_epi8('"'))));
	}
#endif
	for (size_t k = 0; k < 16 && base + k < n; k++)
		if (p[base + k] == '\'' || p[base + k] == '"')
			m |= 1u << k;
	return m;
}

bool ronda_crawl_file_may_hold(struct ronda_crawl_file *cf, unsigned kinds)
{
	uint64_t mask[CRAWL_BITS] = { 0 };
	const unsigned char *p = cf->p;
	size_t n = cf->n;

	if (ronda_seo_words_init())
		return false;          /* ronda_crawl_find_each_in finds nothing */
	for (unsigned k = 0; k < N_KINDS; k++)
		if (kinds & (1u << k))
			for (size_t i = 0; i < CRAWL_BITS; i++)
				mask[i] |= kind_mask[k][i];
	/* as written, forward or reversed: any match in the file */
	if (cf->state == 0)
		index_file(cf);
	if (cf->state != 1)
		return true;
	for (unsigned i = 0; i < cf->n_hits; i++) {
		unsigned id = cf->hits[i].id % CRAWL_MAX;

		if (mask[id / 64] & ((uint64_t)1 << (id % 64)))
			return true;
	}
	/* joined across a run of joins, or in a quoted base64 literal: every
	 * quote of the file is looked at, whether a window would take it as
	 * opening or closing a literal */
	for (size_t base = 0; base < n; base += 16) {
		unsigned m = quote_mask(p, n, base);

		for (; m; m &= m - 1) {
			size_t i = base + (size_t)__builtin_ctz(m), end, j;

			if (i > 0 && i + 1 < n &&
			    (p[i + 1] == '.' || p[i + 1] == '+' || p[i + 1] == ' ' ||
			     p[i + 1] == '\t' || p[i + 1] == '\n' || p[i + 1] == '\r') &&
			    join_at(p, n, i, &end) && join_run_may_hold(p, n, i, end, kinds))
				return true;
			for (j = i + 1; j < n && is_b64(p[j]); j++)
				;
			if (j < n && p[j] == p[i] && j - i - 1 >= 8 &&
			    b64_may_hold(p + i + 1, j - i - 1, mask))
				return true;
		}
	}
	return false;
}

bool ronda_crawl_find(const unsigned char *p, size_t n, unsigned kinds,
		      struct ronda_crawl_match *m)
{
	return ronda_crawl_find_each(p, n, &kinds, 1, m) != 0;
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
