/*
 * test_lexicon.c — unit tests for src/text/lexicon.c: file parsing, word and
 * substring matching, optional spaces, brand shapes, the embedded judol
 * rule files, and matching on normalised obfuscated text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/util.h"
#include "text/lexicon.h"
#include "text/normalize.h"

struct hits {
	const struct ronda_lexicon *lx;
	char got[64][48];
	uint32_t start[64], end[64];
	size_t n;
};

static int collect(const struct ronda_lex_hit *h, void *arg)
{
	struct hits *c = arg;

	if (c->n >= 64)
		return 1;
	if (h->entry == RONDA_LEX_BRAND)
		snprintf(c->got[c->n], sizeof(c->got[0]), "brand");
	else
		snprintf(c->got[c->n], sizeof(c->got[0]), "%s",
			 ronda_lexicon_entry(c->lx, h->entry)->term);
	c->start[c->n] = h->start;
	c->end[c->n] = h->end;
	c->n++;
	return 0;
}

static bool has(const struct hits *c, const char *term)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->got[i], term))
			return true;
	return false;
}

static void scan(const struct ronda_lexicon *lx, const char *text,
		 struct hits *c)
{
	memset(c, 0, sizeof(*c));
	c->lx = lx;
	assert_int_equal(ronda_lexicon_scan(lx, text, strlen(text), collect, c), 0);
}

static const char small[] =
	"# test lexicon\n"
	"slot gacor | 10 | core | sub   # phrase\n"
	"maxwin | 8 | jargon            # word\n"
	"daftar | 1 | cta               # weak\n"
	"bahaya | 3 | negative          # news\n"
	"suffix | 88                    # brand\n"
	"suffix | toto                  # brand\n"
	"suffix | 4d                    # brand\n"
	"stop | photo                   # not a brand\n";

static void test_parse(void **st)
{
	struct ronda_lexicon *lx;
	struct ronda_buf err = RONDA_BUF_INIT(1024);

	assert_int_equal(ronda_lexicon_new_text("t", small, &lx, &err), 0);
	assert_int_equal(ronda_lexicon_size(lx), 4);
	const struct ronda_lex_entry *e = ronda_lexicon_entry(lx, 0);
	assert_string_equal(e->term, "slot gacor");
	assert_int_equal(e->weight, 10);
	assert_int_equal(e->flags, RONDA_LEX_SUB);
	assert_int_equal(e->line, 2);
	assert_string_equal(ronda_lexicon_cat_name(lx, e->cat), "core");
	assert_int_equal(ronda_lexicon_cat(lx, "negative"), 3);
	assert_int_equal(ronda_lexicon_cat(lx, "nope"), -1);
	assert_null(ronda_lexicon_entry(lx, 4));
	ronda_lexicon_free(lx);

	/* errors name the file and line */
	const char *bad[] = {
		"Slot | 3 | core  # upper case\n",
		"slot | 300 | core  # weight\n",
		"slot | x | core  # weight\n",
		"slot | 3  # no category\n",
		"slot | 3 | core | regex  # flag\n",
		"slot  gacor | 3 | core  # double space\n",
		"sl.ot | 3 | core  # punctuation\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		ronda_buf_reset(&err);
		assert_int_equal(ronda_lexicon_new_text("t", bad[i], &lx, &err),
				 RONDA_EPARSE);
		assert_null(lx);
		assert_non_null(strstr(err.buf, "t:1:"));
	}
	ronda_buf_release(&err);
}

static void test_match(void **st)
{
	struct ronda_lexicon *lx;
	struct ronda_buf err = RONDA_BUF_INIT(1024);
	struct hits c;

	assert_int_equal(ronda_lexicon_new_text("t", small, &lx, &err), 0);

	scan(lx, "situs slot gacor maxwin daftar", &c);
	assert_true(has(&c, "slot gacor"));
	assert_true(has(&c, "maxwin"));
	assert_true(has(&c, "daftar"));
	assert_int_equal(c.start[0], 6);
	assert_int_equal(c.end[0], 16);

	/* optional space, substring */
	scan(lx, "linkslotgacorresmi", &c);
	assert_true(has(&c, "slot gacor"));
	/* whole words only without sub */
	scan(lx, "maxwinner pendaftaran", &c);
	assert_false(has(&c, "maxwin"));
	assert_false(has(&c, "daftar"));

	/* brands: word + suffix, one token */
	scan(lx, "main di gacor88 dan maxwintoto juga raja4d", &c);
	size_t brands = 0;
	for (size_t i = 0; i < c.n; i++)
		if (!strcmp(c.got[i], "brand"))
			brands++;
	assert_int_equal(brands, 3);
	assert_true(has(&c, "maxwin") == false);  /* maxwintoto is one word */

	/* not brands: too short a prefix, a stop word, numbers, spaced */
	scan(lx, "ab88 photo toto 2088 gacor 88 x1288", &c);
	assert_false(has(&c, "brand"));
	ronda_lexicon_free(lx);
	ronda_buf_release(&err);
}

static void test_brand_fn(void **st)
{
	struct ronda_lexicon *lx;
	struct ronda_buf err = RONDA_BUF_INIT(1024);
	size_t sl = 0;

	assert_int_equal(ronda_lexicon_new_text("t", small, &lx, &err), 0);
	assert_true(ronda_lex_brand(lx, "gacor88", 7, &sl));
	assert_int_equal(sl, 2);
	assert_true(ronda_lex_brand(lx, "mantratoto", 10, &sl));
	assert_int_equal(sl, 4);
	assert_false(ronda_lex_brand(lx, "photo", 5, &sl));
	assert_false(ronda_lex_brand(lx, "a1b2c88", 7, &sl));
	/* hex literals of cipher tables, also as the normaliser reads
	 * 0x95dbda4d (interior digits as letters) */
	assert_false(ronda_lex_brand(lx, "0xeeeeaa88", 10, &sl));
	assert_false(ronda_lex_brand(lx, "0xgsdbda4d", 10, &sl));
	assert_true(ronda_lex_brand(lx, "xeeeeaa88", 9, &sl));
	assert_false(ronda_lex_brand(lx, "abcdefghijklmnopqrstuvwxyzab88", 30, &sl));
	ronda_lexicon_free(lx);
	ronda_buf_release(&err);
}

static void test_embedded(void **st)
{
	const char *names[] = { "judol-lexicon", "judol-negative", "judol-brands" };
	struct ronda_lexicon *lx;
	struct ronda_buf err = RONDA_BUF_INIT(1024);
	struct hits c;

	int r = ronda_lexicon_new(names, 3, &lx, &err);
	if (r)
		fail_msg("%s", err.buf);
	assert_true(ronda_lexicon_size(lx) > 150);
	assert_true(ronda_lexicon_cat(lx, "core") >= 0);
	assert_true(ronda_lexicon_cat(lx, "cta") >= 0);
	assert_true(ronda_lexicon_cat(lx, "negative") >= 0);
	/* every entry has a weight and the file + line it came from */
	for (size_t i = 0; i < ronda_lexicon_size(lx); i++) {
		const struct ronda_lex_entry *e = ronda_lexicon_entry(lx, i);
		assert_true(e->line > 0);
		assert_true(!strncmp(e->file, "judol-", 6));
	}

	/* obfuscated spam, normalised, then matched */
	const char *spam = "<title>\xF0\x9D\x90\x92\xF0\x9D\x90\x8B\xF0\x9D\x90\x8E"
			   "\xF0\x9D\x90\x93 G4C0R</title> s.l.o.t m4xw1n "
			   "<b>GACOR88</b> link&#32;alternatif depo 5k";
	struct ronda_norm n;

	ronda_norm_init(&n, 0);
	ronda_norm_run(&n, spam, strlen(spam), RONDA_NORM_STRIP_TAGS);
	scan(lx, n.text, &c);
	assert_true(has(&c, "slot gacor"));
	assert_true(has(&c, "maxwin"));
	assert_true(has(&c, "brand"));
	assert_true(has(&c, "link alternatif"));
	assert_true(has(&c, "depo 5k"));
	/* the first hit came from math-bold letters */
	assert_true(ronda_norm_span_flags(&n, c.start[0], c.end[0]) &
		    RONDA_NF_FOLDED);

	/* news prose: negative words match */
	const char *news = "Polres menangkap tersangka judi online; Pemkab "
			   "sosialisasikan bahaya judi online kepada ASN.";
	ronda_norm_run(&n, news, strlen(news), 0);
	scan(lx, n.text, &c);
	assert_true(has(&c, "polres"));
	assert_true(has(&c, "sosialisasi"));
	assert_true(has(&c, "bahaya"));
	assert_true(has(&c, "judi online"));
	assert_false(has(&c, "brand"));
	ronda_norm_release(&n);
	ronda_lexicon_free(lx);

	/* missing file */
	const char *none[] = { "no-such-file" };
	ronda_buf_reset(&err);
	assert_int_equal(ronda_lexicon_new(none, 1, &lx, &err), RONDA_ENOENT);
	ronda_buf_release(&err);
}

static void test_empty_and_stop(void **st)
{
	struct ronda_lexicon *lx;
	struct ronda_buf err = RONDA_BUF_INIT(1024);
	struct hits c;

	assert_int_equal(ronda_lexicon_new_text("e", "# nothing\n", &lx, &err), 0);
	scan(lx, "slot gacor", &c);
	assert_int_equal(c.n, 0);
	ronda_lexicon_free(lx);

	/* the callback can stop the scan */
	assert_int_equal(ronda_lexicon_new_text("t", small, &lx, &err), 0);
	memset(&c, 0, sizeof(c));
	c.lx = lx;
	c.n = 63;
	assert_int_equal(ronda_lexicon_scan(lx, "maxwin maxwin maxwin", 20,
					    collect, &c), 0);
	assert_int_equal(c.n, 64);
	ronda_lexicon_free(lx);
	ronda_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_brand_fn),
		cmocka_unit_test(test_embedded),
		cmocka_unit_test(test_empty_and_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
