/*
 * test_crawl_find.c — ronda_crawl_find() and ronda_crawl_find_each() (one
 * vectorscan database) against a reference: the per-word memmem search they
 * replaced, kept here verbatim in behaviour.  Hand-made windows cover every
 * form, the kinds filter, list-order priority, case and the window cap;
 * seeded random windows built from list words (split, reversed, base64,
 * noise) cover the rest.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/buf.h"
#include "core/rulefile.h"
#include "core/util.h"
#include "text/seo_words.h"

/* ---- the reference: the search as it was before vectorscan ------------ */

struct ref_word {
	char word[48], rev[48];
	size_t len;
	unsigned kind;
};

static struct ref_word ref[128];
static size_t n_ref;

static void ref_load(void)
{
	const struct ronda_rulefile *rf = ronda_rulefile_get("seo-crawlers");
	const char *line;
	size_t pos = 0, len;

	assert_non_null(rf);
	while (ronda_rulefile_next(rf, &pos, &line, &len)) {
		struct ref_word *w = &ref[n_ref];
		size_t i = 0, wl, k0, kl;

		while (i < len && isspace((unsigned char)line[i]))
			i++;
		for (wl = 0; i + wl < len && !isspace((unsigned char)line[i + wl]); wl++)
			w->word[wl] = (char)tolower((unsigned char)line[i + wl]);
		w->word[wl] = '\0';
		w->len = wl;
		for (size_t j = 0; j < wl; j++)
			w->rev[j] = w->word[wl - 1 - j];
		w->rev[wl] = '\0';
		for (k0 = i + wl; k0 < len && isspace((unsigned char)line[k0]); k0++)
			;
		for (kl = 0; k0 + kl < len && !isspace((unsigned char)line[k0 + kl]); kl++)
			;
#define KIND(s, v) (kl == strlen(s) && !memcmp(line + k0, s, kl)) ? (v)
		w->kind = KIND("ua", RONDA_CRAWL_UA) : KIND("uagen", RONDA_CRAWL_UAGEN) :
			  KIND("ref", RONDA_CRAWL_REF) : KIND("mobile", RONDA_CRAWL_MOBILE) :
			  KIND("ip", RONDA_CRAWL_IP) : 0;
#undef KIND
		assert_int_not_equal(w->kind, 0);
		n_ref++;
		assert_true(n_ref < ARRAY_SIZE(ref));
	}
	assert_true(n_ref > 40);
}

static size_t ref_join(const unsigned char *p, size_t n, unsigned char *out,
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

static bool ref_words(const unsigned char *s, size_t n, unsigned kinds,
		      bool reversed, struct ronda_crawl_match *m)
{
	for (size_t i = 0; i < n_ref; i++) {
		const struct ref_word *w = &ref[i];

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

static bool ref_is_b64(unsigned char c)
{
	return isalnum(c) || c == '+' || c == '/' || c == '=' || c == '-' ||
	       c == '_';
}

static bool ref_b64(const unsigned char *p, size_t n, unsigned kinds,
		    struct ronda_crawl_match *m)
{
	unsigned char dec[4096];
	unsigned tried = 0;

	for (size_t i = 0; i < n && tried < 64; i++) {
		size_t j, got;

		if (p[i] != '\'' && p[i] != '"')
			continue;
		for (j = i + 1; j < n && ref_is_b64(p[j]); j++)
			;
		if (j >= n || p[j] != p[i] || j - i - 1 < 8) {
			i = j - 1;
			continue;
		}
		tried++;
		got = ronda_b64_decode(p + i + 1, j - i - 1, dec, sizeof(dec));
		for (size_t k = 0; k < got; k++)
			dec[k] = (unsigned char)tolower(dec[k]);
		if (got && (ref_words(dec, got, kinds, false, m) ||
			    ref_words(dec, got, kinds, true, m)))
			return true;
		i = j;
	}
	return false;
}

static bool ref_find1(const unsigned char *p, size_t n, unsigned kinds,
		      struct ronda_crawl_match *m)
{
	unsigned char *low;
	size_t ln;
	bool joined = false, found = true;

	if (n > RONDA_CRAWL_WINDOW_MAX)
		n = RONDA_CRAWL_WINDOW_MAX;
	low = malloc(n + 1);
	assert_non_null(low);
	for (size_t i = 0; i < n; i++)
		low[i] = (unsigned char)tolower(p[i]);
	if (ref_words(low, n, kinds, false, m)) {
		m->how = "literal";
		goto out;
	}
	ln = ref_join(p, n, low, &joined);
	if (joined && ref_words(low, ln, kinds, false, m)) {
		m->how = "concatenated";
		goto out;
	}
	if (ref_words(low, ln, kinds, true, m)) {
		m->how = "reversed";
		goto out;
	}
	if (ref_b64(p, n, kinds, m)) {
		m->how = "base64";
		goto out;
	}
	found = false;
out:
	free(low);
	return found;
}

static bool ref_find(const unsigned char *p, size_t n, unsigned kinds,
		     struct ronda_crawl_match *m)
{
	if ((kinds & RONDA_CRAWL_UAGEN) && (kinds & ~RONDA_CRAWL_UAGEN) &&
	    ref_find1(p, n, kinds & ~RONDA_CRAWL_UAGEN, m))
		return true;
	return ref_find1(p, n, kinds, m);
}

/* ---- comparing --------------------------------------------------------- */

static unsigned long n_compared, n_found;

static void same(const struct ronda_crawl_match *a, bool fa,
		 const struct ronda_crawl_match *b, bool fb, const char *what,
		 unsigned kinds)
{
	if (fa != fb || (fa && (a->kind != b->kind || strcmp(a->word, b->word) ||
				strcmp(a->how, b->how)))) {
		print_error("%s, kinds %#x: got %s %s/%s, reference %s %s/%s\n",
			    what, kinds, fa ? "found" : "none",
			    fa ? a->word : "", fa ? a->how : "",
			    fb ? "found" : "none", fb ? b->word : "",
			    fb ? b->how : "");
		fail();
	}
	n_compared++;
	n_found += fb;
}

/* Every kinds set from 1 to 0x1f, one by one and all at once (in groups of
 * RONDA_CRAWL_EACH_MAX), plus the sets cloak's sv_classify asks for. */
static void check(const void *s, size_t n, const char *what)
{
	static const unsigned sv[] = {
		RONDA_CRAWL_UA | RONDA_CRAWL_UAGEN, RONDA_CRAWL_REF,
		RONDA_CRAWL_IP, RONDA_CRAWL_MOBILE,
	};
	const unsigned char *p = s;
	struct ronda_crawl_match m, r, each[RONDA_CRAWL_EACH_MAX];
	unsigned kinds[RONDA_CRAWL_EACH_MAX], got;

	for (unsigned k = 1; k < 0x20; k++) {
		bool fr = ref_find(p, n, k, &r);

		memset(&m, 0, sizeof(m));
		same(&m, ronda_crawl_find(p, n, k, &m), &r, fr, what, k);
	}
	for (unsigned base = 1; base < 0x20; base += RONDA_CRAWL_EACH_MAX) {
		size_t nk = 0;

		for (unsigned k = base; k < 0x20 && nk < RONDA_CRAWL_EACH_MAX; k++)
			kinds[nk++] = k;
		got = ronda_crawl_find_each(p, n, kinds, nk, each);
		for (size_t i = 0; i < nk; i++) {
			bool fr = ref_find(p, n, kinds[i], &r);
			same(&each[i], got & (1u << i), &r, fr, what, kinds[i]);
		}
		assert_int_equal(got >> nk, 0);
	}
	got = ronda_crawl_find_each(p, n, sv, ARRAY_SIZE(sv), each);
	for (size_t i = 0; i < ARRAY_SIZE(sv); i++) {
		bool fr = ref_find(p, n, sv[i], &r);
		same(&each[i], got & (1u << i), &r, fr, what, sv[i]);
	}
}

static void checks(const char *s)
{
	check(s, strlen(s), s);
}

static size_t b64_encode(const char *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

static int setup(void **st)
{
	(void)st;
	assert_int_equal(ronda_seo_words_init(), 0);
	ref_load();
	return 0;
}

/* ---- hand-made windows -------------------------------------------------- */

static void test_forms(void **st)
{
	char b64[256], buf[512];
	struct ronda_crawl_match m;

	(void)st;
	checks("if (preg_match('/GoogleBot/i', $ua))");
	checks("$n = 'Goo' . \"gle\".'bot';");
	checks("var b = 'bing' + 'bot';");
	checks("$t = strrev('tobelgooG');");
	checks("$t = strrev('tobelg' . 'ooG');");
	checks("explode('|', base64_decode('R29vZ2xlYm90fGJpbmdib3Q='))");
	checks("$r = \"NjYuMjQ5LjY0LiwgNjYuMjQ5Ljg4Lg==\";");
	checks("nothing here at all, 'QUJDRA==' is ABCD");
	checks("");
	checks("'");
	checks("'.'");
	checks("' . \"");
	/* case */
	checks("GOOGLEBOT BingBot YaNdEx AnDrOiD 66.249.1.1");
	/* list order: googlebot is listed before google, google before bingbot */
	checks("bingbot google googlebot");
	checks("google.com 66.249. googlebot.com");
	checks("yandex");           /* both a ua and a ref word */
	/* generic words lose to specific ones in any form */
	checks("'bot' 'googlebot'");
	checks("/bot|crawl/i and 'Z29vZ2xlYm90'");
	checks("\"bot\" strrev('tobgnib')");
	checks("crawler 'spi' . 'der' |bot");
	/* a join that breaks a literal quoted word */
	checks("'bot'.'x' 'tob'");
	checks("'b' . 'ot' \"x\" + \"bot|\"");
	/* reversed forms of quoted generic words */
	checks("|tob '/tob/' 'tob'");
	/* base64 of reversed words, of mobile words */
	b64_encode("tobelgoog", 9, b64);
	snprintf(buf, sizeof(buf), "$x = '%s';", b64);
	checks(buf);
	b64_encode("Android|iPhone", 14, b64);
	snprintf(buf, sizeof(buf), "$x = \"%s\"; $y = 'AAAAAAAAAA';", b64);
	checks(buf);
	/* a literal too short to be base64, mismatched quotes */
	checks("'Z29vZw' \"Z29vZ2xlYm90' 'Z29vZ2xlYm90\"");
	/* and the search finds what it should, not only what the reference does */
	assert_true(ronda_crawl_find((const unsigned char *)"x 'Goo'.'gleBot' y", 18,
				     RONDA_CRAWL_UA, &m));
	assert_string_equal(m.word, "googlebot");
	assert_string_equal(m.how, "concatenated");
}

static void test_b64_tries(void **st)
{
	char b64[64];
	struct ronda_buf b = RONDA_BUF_INIT(0);

	(void)st;
	b64_encode("googlebot", 9, b64);
	/* 63 harmless literals, then the word: found; 64 first: not found */
	for (unsigned lead = 62; lead <= 65; lead++) {
		ronda_buf_reset(&b);
		for (unsigned i = 0; i < lead; i++)
			ronda_buf_addf(&b, "'QUJDREVGR0g%u' ", i % 10);
		ronda_buf_addf(&b, "'%s'", b64);
		check(b.buf, b.len, "base64 tries");
	}
	/* the same with names that decode to bytes no word is made of (not
	 * searched, but they still count among the 64) */
	for (unsigned lead = 62; lead <= 65; lead++) {
		struct ronda_crawl_match m;

		ronda_buf_reset(&b);
		for (unsigned i = 0; i < lead; i++)
			ronda_buf_addf(&b, "'zzzzzzzzz%u' ", i % 10);
		ronda_buf_addf(&b, "'%s'", b64);
		check(b.buf, b.len, "base64 tries, names first");
		assert_int_equal(ronda_crawl_find((const unsigned char *)b.buf, b.len,
						  RONDA_CRAWL_UA, &m), lead < 64);
	}
	ronda_buf_release(&b);
}

static void test_window_cap(void **st)
{
	size_t cap = RONDA_CRAWL_WINDOW_MAX, n = cap + 64;
	char *s = malloc(n);
	const char *w = "googlebot";
	struct ronda_crawl_match m;

	(void)st;
	assert_non_null(s);
	/* the word ending at the cap, one byte over it, after it */
	for (size_t end = cap - 2; end <= cap + 20; end++) {
		memset(s, 'x', n);
		memcpy(s + end - 9, w, 9);
		check(s, n, "window cap");
	}
	memset(s, 'x', n);
	memcpy(s + cap - 7, "android", 7);
	assert_true(ronda_crawl_find((unsigned char *)s, n, RONDA_CRAWL_MOBILE, &m));
	memset(s, 'x', n);
	memcpy(s + cap - 6, "android", 7);
	assert_false(ronda_crawl_find((unsigned char *)s, n, RONDA_CRAWL_MOBILE, &m));
	/* a join and a base64 literal straddling the cap */
	memset(s, 'x', n);
	memcpy(s + cap - 12, "'goo' . 'gle", 12);
	check(s, n, "join at cap");
	memset(s, 'x', n);
	memcpy(s + cap - 10, "'Z29vZ2xlYm90'", 14);
	check(s, n, "base64 at cap");
	free(s);
}

/* ---- random windows ------------------------------------------------------ */

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void add_word(struct ronda_buf *b)
{
	static const char *const noise_words[] = {
		"goo", "gle", "bot", "bing", "Bot", "droid", "66.", "249.",
		"spider", "crawl", "mobi", "yahoo", "duckduck", "iph", "one",
	};
	const struct ref_word *w = &ref[rnd((unsigned)n_ref)];
	char word[48], enc[128];
	size_t wl;

	if (rnd(4) == 0) {
		ronda_buf_addstr(b, noise_words[rnd(ARRAY_SIZE(noise_words))]);
		return;
	}
	wl = w->len;
	memcpy(word, rnd(5) == 0 ? w->rev : w->word, wl + 1);
	for (size_t i = 0; i < wl; i++)
		if (rnd(3) == 0)
			word[i] = (char)toupper((unsigned char)word[i]);
	switch (rnd(5)) {
	case 0: {        /* split into quoted pieces */
		size_t cut = wl > 1 ? 1 + rnd((unsigned)wl - 1) : 1;
		char q = rnd(2) ? '\'' : '"';
		static const char *const glue[] = { ".", " . ", "+", " +\n", ". ", "," };
		ronda_buf_addf(b, "%c%.*s%c%s%c%s%c", q, (int)cut, word, q,
			       glue[rnd(ARRAY_SIZE(glue))], rnd(4) ? q : '\'',
			       word + cut, q);
		break;
	}
	case 1:          /* base64 literal, maybe with company */
		if (rnd(2)) {
			char two[100];
			snprintf(two, sizeof(two), "%s|%s", word,
				 ref[rnd((unsigned)n_ref)].word);
			b64_encode(two, strlen(two), enc);
		} else {
			b64_encode(word, wl, enc);
		}
		if (rnd(3) == 0 && strlen(enc) > 4)
			enc[strlen(enc) - 1 - rnd(3)] = '\0';   /* cut short */
		ronda_buf_addf(b, "'%s'", enc);
		break;
	default:
		ronda_buf_addstr(b, word);
		break;
	}
}

static void add_noise(struct ronda_buf *b)
{
	static const char alpha[] =
		"abcxyzQRS0189 .+|/'\"\t\n=_-()[];$";
	unsigned n = rnd(12);

	for (unsigned i = 0; i < n; i++)
		ronda_buf_addch(b, alpha[rnd(sizeof(alpha) - 1)]);
	if (rnd(6) == 0)
		ronda_buf_addstr(b, rnd(2) ? "'QUJDREVGR0hJ'" : "\"aGVsbG8gd29ybGQ=\"");
}

static void test_random(void **st)
{
	struct ronda_buf b = RONDA_BUF_INIT(0);
	char what[32];

	(void)st;
	for (unsigned t = 0; t < 1500; t++) {
		unsigned parts = t % 50 == 49 ? 4000 : 1 + rnd(12);

		ronda_buf_reset(&b);
		for (unsigned i = 0; i < parts; i++) {
			if (parts > 100 ? rnd(40) != 0 : rnd(3) == 0)
				add_noise(&b);
			else
				add_word(&b);
		}
		snprintf(what, sizeof(what), "random window %u", t);
		check(b.buf, b.len, what);
	}
	ronda_buf_release(&b);
	/* the comparisons were not all "nothing found" */
	assert_true(n_found > n_compared / 4);
	assert_true(n_found < n_compared);
}

/* ronda_crawl_find_each_in() on windows of one file against
 * ronda_crawl_find_each() on the same bytes alone. */
static void check_in(struct ronda_crawl_file *cf, size_t off, size_t n)
{
	struct ronda_crawl_match a[RONDA_CRAWL_EACH_MAX], b[RONDA_CRAWL_EACH_MAX];
	unsigned kinds[RONDA_CRAWL_EACH_MAX], ga, gb;

	for (unsigned base = 1; base < 0x20; base += RONDA_CRAWL_EACH_MAX) {
		size_t nk = 0;

		for (unsigned k = base; k < 0x20 && nk < RONDA_CRAWL_EACH_MAX; k++)
			kinds[nk++] = k;
		ga = ronda_crawl_find_each_in(cf, off, n, kinds, nk, a);
		gb = ronda_crawl_find_each(cf->p + off, n, kinds, nk, b);
		if (ga != gb)
			print_error("window %zu+%zu: %#x, alone %#x\n", off, n, ga, gb);
		assert_int_equal(ga, gb);
		for (size_t i = 0; i < nk; i++)
			if (gb & (1u << i)) {
				assert_string_equal(a[i].word, b[i].word);
				assert_string_equal(a[i].how, b[i].how);
				assert_int_equal(a[i].kind, b[i].kind);
				n_found++;
			}
		n_compared++;
	}
}

static void test_file_index(void **st)
{
	struct ronda_buf b = RONDA_BUF_INIT(0);
	struct ronda_crawl_file cf;
	unsigned indexed = 0, overflowed = 0;

	(void)st;
	n_compared = n_found = 0;
	for (unsigned t = 0; t < 40; t++) {
		unsigned parts = t % 10 == 9 ? 6000 : 20 + rnd(400);

		ronda_buf_reset(&b);
		for (unsigned i = 0; i < parts; i++) {
			if (rnd(3) == 0)
				add_noise(&b);
			else
				add_word(&b);
		}
		if (t == 5)     /* more word matches than the index holds */
			for (unsigned i = 0; i < RONDA_CRAWL_FILE_HITS + 10; i++)
				ronda_buf_addstr(&b, "|bot|");
		ronda_crawl_file_init(&cf, (const unsigned char *)b.buf, b.len);
		/* windows at random places and lengths: cut mid-word and
		 * mid-literal, overlapping, the same bytes seen again, the
		 * whole file (over the 32 KiB window cap in the long ones) */
		check_in(&cf, 0, b.len);
		for (unsigned w = 0; w < 150; w++) {
			size_t off = rnd((unsigned)b.len + 1);
			size_t n = rnd(4) ? rnd(300) : rnd((unsigned)b.len + 1);

			if (off + n > b.len)
				n = b.len - off;
			check_in(&cf, off, n);
			check_in(&cf, off, n);
		}
		indexed += cf.state == 1;
		overflowed += cf.state == -1;
		ronda_crawl_file_release(&cf);
	}
	ronda_buf_release(&b);
	assert_true(indexed >= 35);
	assert_true(overflowed >= 1);
	assert_true(n_found > n_compared / 8);
}

/* ---- ronda_crawl_file_may_hold(): false only when no window finds ------- */

static unsigned long n_gate_false, n_gate_join, n_gate_b64;

/* The kinds (single bits) that some window of the file finds: the whole
 * file, every prefix and suffix (cut at each byte), random windows. */
static unsigned kinds_found(struct ronda_crawl_file *cf, const char **how)
{
	static const unsigned one[] = {
		RONDA_CRAWL_UA, RONDA_CRAWL_REF, RONDA_CRAWL_MOBILE,
		RONDA_CRAWL_IP, RONDA_CRAWL_UAGEN,
	};
	struct ronda_crawl_match m[ARRAY_SIZE(one)];
	unsigned found = 0, got;
	size_t n = cf->n;

	for (size_t w = 0; w < 2 * n + 2 + 60; w++) {
		size_t off, len;

		if (w <= n) {
			off = w;
			len = n - w;
		} else if (w <= 2 * n + 1) {
			off = 0;
			len = w - n - 1;
		} else {
			off = rnd((unsigned)n + 1);
			len = rnd((unsigned)(n - off) + 1);
		}
		got = ronda_crawl_find_each_in(cf, off, len, one, ARRAY_SIZE(one), m);
		for (size_t k = 0; k < ARRAY_SIZE(one); k++)
			if (got & (1u << k)) {
				found |= one[k];
				how[k] = m[k].how;
			}
	}
	return found;
}

static void check_gate(const char *s, size_t n)
{
	static const unsigned one[] = {
		RONDA_CRAWL_UA, RONDA_CRAWL_REF, RONDA_CRAWL_MOBILE,
		RONDA_CRAWL_IP, RONDA_CRAWL_UAGEN,
	};
	struct ronda_crawl_file cf;
	const char *how[ARRAY_SIZE(one)] = { NULL };
	unsigned found;

	ronda_crawl_file_init(&cf, (const unsigned char *)s, n);
	found = kinds_found(&cf, how);
	for (size_t k = 0; k < ARRAY_SIZE(one); k++) {
		bool may = ronda_crawl_file_may_hold(&cf, one[k]);

		if ((found & one[k]) && !may) {
			print_error("kind %#x found (%s) but the gate says no: '%.*s'\n",
				    one[k], how[k], (int)n, s);
			fail();
		}
		n_gate_false += !may;
		if (found & one[k]) {
			n_gate_join += !strcmp(how[k], "concatenated") ||
				       !strcmp(how[k], "reversed");
			n_gate_b64 += !strcmp(how[k], "base64");
		}
	}
	/* every kind at once: no if and only if no for each kind */
	assert_int_equal(ronda_crawl_file_may_hold(&cf, 0x1f),
			 ronda_crawl_file_may_hold(&cf, RONDA_CRAWL_UA) ||
			 ronda_crawl_file_may_hold(&cf, RONDA_CRAWL_REF) ||
			 ronda_crawl_file_may_hold(&cf, RONDA_CRAWL_MOBILE) ||
			 ronda_crawl_file_may_hold(&cf, RONDA_CRAWL_IP) ||
			 ronda_crawl_file_may_hold(&cf, RONDA_CRAWL_UAGEN));
	ronda_crawl_file_release(&cf);
}

static bool gate(const char *s, unsigned kinds)
{
	struct ronda_crawl_file cf;
	bool may;

	ronda_crawl_file_init(&cf, (const unsigned char *)s, strlen(s));
	may = ronda_crawl_file_may_hold(&cf, kinds);
	ronda_crawl_file_release(&cf);
	check_gate(s, strlen(s));
	return may;
}

static void test_file_gate(void **st)
{
	struct ronda_buf b = RONDA_BUF_INIT(0);
	char b64[64], buf[256];

	(void)st;
	/* ordinary PHP: joins, names that look like base64, no word */
	assert_false(gate("<?php $a = 'post_title' . $x . 'wp-admin'; "
			  "$b = \"abcdefgh\" . 'Zm9vYmFy'; echo 'hello' . \"world\";",
			  0x1f));
	assert_false(gate("", 0x1f));
	assert_false(gate("'", 0x1f));
	assert_false(gate("'.'.'.'.'", 0x1f));
	/* a word of another kind only */
	assert_false(gate("$m = 'android';", RONDA_CRAWL_UA | RONDA_CRAWL_REF));
	assert_true(gate("$m = 'android';", RONDA_CRAWL_MOBILE));
	/* each form alone */
	assert_true(gate("$x = 'goo' . \"gle\";", RONDA_CRAWL_REF));
	assert_true(gate("$x = 'goo'.''.'gle';", RONDA_CRAWL_REF));
	assert_true(gate("$x = 'go' . 'o' . 'g' . 'le';", RONDA_CRAWL_REF));
	assert_true(gate("$x = strrev('elg'.'oog');", RONDA_CRAWL_REF));
	assert_true(gate("$l = array('bo'.'t', 'x');", RONDA_CRAWL_UAGEN));
	assert_true(gate("$l = \"'bo\" . \"t'\";", RONDA_CRAWL_UAGEN));
	b64_encode("x googlebot", 11, b64);
	snprintf(buf, sizeof(buf), "$x = base64_decode('%s');", b64);
	assert_true(gate(buf, RONDA_CRAWL_UA));
	assert_false(gate(buf, RONDA_CRAWL_MOBILE));
	b64_encode("tobgnib", 7, b64);
	snprintf(buf, sizeof(buf), "$x = \"%s\";", b64);
	assert_true(gate(buf, RONDA_CRAWL_UA));
	/* a literal a window sees only when it starts inside another one */
	b64_encode("yandex", 6, b64);
	snprintf(buf, sizeof(buf), "'abc ''%s'", b64);
	assert_true(gate(buf, RONDA_CRAWL_REF));
	/* random files, short (few kinds: joins and base64 alone matter) and
	 * long, against every window kind by kind */
	n_gate_false = n_gate_join = n_gate_b64 = 0;
	for (unsigned t = 0; t < 400; t++) {
		unsigned parts = t % 40 == 39 ? 200 : 1 + rnd(4);

		ronda_buf_reset(&b);
		for (unsigned i = 0; i < parts; i++) {
			if (rnd(2) == 0)
				add_noise(&b);
			else
				add_word(&b);
		}
		check_gate(b.buf, b.len);
	}
	ronda_buf_release(&b);
	/* the gate said no often, and forms other than "as written" were
	 * among the finds it had to say yes to */
	assert_true(n_gate_false > 300);
	assert_true(n_gate_join > 10);
	assert_true(n_gate_b64 > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_b64_tries),
		cmocka_unit_test(test_window_cap),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_file_index),
		cmocka_unit_test(test_file_gate),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
