/*
 * test_normalize.c — unit tests for src/text/normalize.c: every folding
 * class, separators, leet, entities, tags, offsets and bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/util.h"
#include "text/normalize.h"

static char *norm(const char *in, unsigned opts, unsigned *flags_or)
{
	struct ronda_norm n;
	char *out;

	ronda_norm_init(&n, 0);
	assert_int_equal(ronda_norm_run(&n, in, strlen(in), opts), 0);
	out = xstrdup(n.text);
	if (flags_or)
		*flags_or = ronda_norm_span_flags(&n, 0, n.len);
	ronda_norm_release(&n);
	return out;
}

#define CHECK(in, opts, want) do { \
	char *got_ = norm(in, opts, NULL); \
	assert_string_equal(got_, want); \
	free(got_); \
} while (0)

#define CHECK_FL(in, opts, want, fl) do { \
	unsigned f_ = 0; \
	char *got_ = norm(in, opts, &f_); \
	assert_string_equal(got_, want); \
	assert_true((f_ & (fl)) == (fl)); \
	free(got_); \
} while (0)

static void test_plain(void **st)
{
	CHECK("Slot  GACOR, hari-ini!!", 0, "slot gacor hari ini");
	CHECK("   ", 0, "");
	CHECK("", 0, "");
	CHECK("Judi Online\n\tdi Desa", 0, "judi online di desa");
	/* honest prose keeps no obfuscation flags */
	unsigned f = 0;
	char *s = norm("Pemerintah Kabupaten mengimbau warga.", 0, &f);
	assert_string_equal(s, "pemerintah kabupaten mengimbau warga");
	assert_int_equal(f & RONDA_NF_OBFUSCATED, 0);
	free(s);
}

static void test_math_alnum(void **st)
{
	/* bold, italic, sans bold, monospace, double-struck, digits */
	CHECK_FL("\xF0\x9D\x90\x92\xF0\x9D\x90\x8B\xF0\x9D\x90\x8E\xF0\x9D\x90\x93",
		 0, "slot", RONDA_NF_FOLDED);                 /* 𝐒𝐋𝐎𝐓 */
	CHECK_FL("\xF0\x9D\x91\x94\xF0\x9D\x91\x8E\xF0\x9D\x91\x90\xF0\x9D\x91\x9C\xF0\x9D\x91\x9F",
		 0, "gacor", RONDA_NF_FOLDED);                /* 𝑔𝑎𝑐𝑜𝑟 italic */
	CHECK_FL("\xF0\x9D\x97\xBA\xF0\x9D\x97\xAE\xF0\x9D\x98\x85", 0, "max",
		 RONDA_NF_FOLDED);                           /* 𝗺𝗮𝘅 sans bold */
	CHECK("\xF0\x9D\x9A\x9D\xF0\x9D\x9A\x98\xF0\x9D\x9A\x9D\xF0\x9D\x9A\x98",
	      0, "toto");                                   /* 𝚝𝚘𝚝𝚘 monospace */
	CHECK("\xF0\x9D\x95\x8A\xF0\x9D\x9F\xA0\xF0\x9D\x9F\xA0", 0, "s88"); /* 𝕊𝟠𝟠 */
	CHECK("\xE2\x84\x8E\xF0\x9D\x91\x8E\xF0\x9D\x91\x9F\xF0\x9D\x91\x96", 0,
	      "hari");                                      /* ℎ (U+210E) + italic */
}

static void test_fullwidth(void **st)
{
	CHECK_FL("\xEF\xBD\x93\xEF\xBD\x8C\xEF\xBD\x8F\xEF\xBD\x94 \xEF\xBC\xA7\xEF\xBC\xA1\xEF\xBC\xA3\xEF\xBC\xAF\xEF\xBC\xB2",
		 0, "slot gacor", RONDA_NF_FOLDED);          /* ｓｌｏｔ ＧＡＣＯＲ */
	CHECK("\xEF\xBC\x98\xEF\xBC\x98", 0, "88");           /* ８８ */
	CHECK("a\xEF\xBC\x81" "b", 0, "a b");                 /* full-width ! breaks */
}

static void test_small_caps_enclosed(void **st)
{
	CHECK_FL("\xEA\x9C\xB1\xCA\x9F\xE1\xB4\x8F\xE1\xB4\x9B", 0, "slot",
		 RONDA_NF_FOLDED);                           /* ꜱʟᴏᴛ */
	CHECK("\xC9\xA2\xE1\xB4\x80\xE1\xB4\x84\xE1\xB4\x8F\xCA\x80", 0, "gacor"); /* ɢᴀᴄᴏʀ */
	CHECK("\xE2\x93\x88\xE2\x93\x9B\xE2\x93\x9E\xE2\x93\xA3", 0, "slot");   /* Ⓢⓛⓞⓣ */
	CHECK("\xF0\x9F\x85\xA2\xF0\x9F\x85\x9B\xF0\x9F\x85\x9E\xF0\x9F\x85\xA3",
	      0, "slot");                                   /* 🅢🅛🅞🅣 negative circled */
	CHECK("\xF0\x9F\x84\xBC\xF0\x9F\x84\xB0\xF0\x9F\x85\x87", 0, "max"); /* 🄼🄰🅇 squared */
	CHECK("\xE2\x91\xA7\xE2\x91\xA7", 0, "88");           /* ⑧⑧ */
}

static void test_homoglyphs(void **st)
{
	/* Cyrillic о, с, а, р inside Latin words */
	CHECK_FL("sl\xD0\xBEt g\xD0\xB0\xD1\x81\xD0\xBEr", 0, "slot gacor",
		 RONDA_NF_FOLDED);
	/* Greek omicron, alpha */
	CHECK("t\xCE\xBFt\xCE\xBF m\xCE\xB1xwin", 0, "toto maxwin");
	/* diacritics fold but are not obfuscation */
	unsigned f = 0;
	char *s = norm("Caf\xC3\xA9 S\xC3\xA3o Jos\xC3\xA9", 0, &f);
	assert_string_equal(s, "cafe sao jose");
	assert_int_equal(f & RONDA_NF_OBFUSCATED, 0);
	assert_true(f & RONDA_NF_DIACRITIC);
	free(s);
}

static void test_invisible(void **st)
{
	/* zero-width space / joiner / word joiner / BOM inside words */
	CHECK_FL("s\xE2\x80\x8Bl\xE2\x80\x8Do\xE2\x81\xA0t g\xEF\xBB\xBF" "acor", 0,
		 "slot gacor", RONDA_NF_HIDDEN);
	/* combining marks are dropped */
	CHECK("s\xCC\x81lo\xCC\x88t", 0, "slot");
	/* soft hyphen entity */
	CHECK_FL("max&shy;win", 0, "maxwin", RONDA_NF_HIDDEN);
	/* variation selector after an emoji is no hiding */
	unsigned f = 0;
	char *s = norm("\xE2\x9D\xA4\xEF\xB8\x8F" "Cinta desa", 0, &f);
	assert_string_equal(s, "cinta desa");
	assert_int_equal(f & RONDA_NF_HIDDEN, 0);
	free(s);
}

static void test_separators(void **st)
{
	CHECK_FL("s.l.o.t g-a-c-o-r", 0, "slotgacor", RONDA_NF_JOINED);
	CHECK("s*l*o*t", 0, "slot");
	CHECK("daftar S L O T sekarang", 0, "daftar slot sekarang");
	/* emoji between letters */
	CHECK("g\xF0\x9F\x8E\xB0" "a\xF0\x9F\x8E\xB0" "c\xF0\x9F\x8E\xB0" "o\xF0\x9F\x8E\xB0" "r",
	      0, "gacor");
	/* two single letters are left alone (initials, titles) */
	CHECK("Drs. H. Ahmad", 0, "drs h ahmad");
	CHECK("a. b. c", RONDA_NORM_NO_JOIN, "a b c");
	/* a long gap breaks the chain */
	CHECK("s      l      o      t", 0, "s l o t");
}

static void test_leet(void **st)
{
	CHECK_FL("G4C0R", 0, "gacor", RONDA_NF_LEET);
	CHECK("m4xw1n", 0, "maxwin");
	/* 1 is l before a vowel that an i rarely precedes in these words */
	CHECK_FL("s1ot gac0r on1ine", 0, "slot gacor online", RONDA_NF_LEET);
	CHECK("j1ka w1n", 0, "jika win");
	CHECK("sl0t88", 0, "slot88");
	CHECK("slot88", 0, "slot88");
	CHECK("88slot", 0, "88slot");
	CHECK("toto4d mantra4d", 0, "toto4d mantra4d");
	CHECK("H4CK3D", 0, "hacked");
	CHECK("tahun 2024 covid19 mp3", 0, "tahun 2024 covid19 mp3");
	CHECK("g4c0r", RONDA_NORM_NO_LEET, "g4c0r");
	/* digits with no letter meaning (2) are kept */
	CHECK("b2b", 0, "b2b");
	/* separated leet joins first, then maps */
	CHECK("g.4.c.0.r", 0, "gacor");
}

static void test_entities(void **st)
{
	CHECK_FL("&#115;&#x6C;&#X4F;t", 0, "slot", RONDA_NF_ENTITY);
	CHECK("m&#97;xwin &amp; gacor", 0, "maxwin gacor");
	CHECK("&#x1D412;&#x1D40B;&#x1D40E;&#x1D413;", 0, "slot");
	CHECK("caf&eacute; &Ntilde;", 0, "cafe n");
	CHECK("&bogus; &#; &#xZZ;", 0, "bogus xzz");
	CHECK("ab&lt;cd&gt;ef", RONDA_NORM_STRIP_TAGS, "ab cd ef");   /* decoded < is text */
	CHECK("&#99999999999;x", 0, "x");
	/* plane 16 (U+100000..U+10FFFF, private use) is not the accented-
	 * letter mark: U+100047 once came out as an upper-case 'G' */
	CHECK("ab&#1048647;cd ef&#x10FFFF;", 0, "ab cd ef");
	CHECK("x", RONDA_NORM_NO_ENTITIES, "x");
	CHECK("&#115;lot", RONDA_NORM_NO_ENTITIES, "115 lot");
}

static void test_tags(void **st)
{
	CHECK("<p>Slot <b>Gacor</b></p><script>var maxwin=1;</script>x",
	      RONDA_NORM_STRIP_TAGS, "slot gacor x");
	CHECK("<style>.a{display:none}</style><!-- togel -->desa",
	      RONDA_NORM_STRIP_TAGS, "desa");
	CHECK("<p>slot</p>", 0, "p slot p");
	CHECK("a < b and c", RONDA_NORM_STRIP_TAGS, "a b and c");
	CHECK("<a href=\"x\" title=\"t\">link alternatif</a>",
	      RONDA_NORM_STRIP_TAGS, "link alternatif");
	CHECK("<!-- never closed slot", RONDA_NORM_STRIP_TAGS, "");
	CHECK("<script>never closed", RONDA_NORM_STRIP_TAGS, "");
	/* PHP blocks are not markup: echoed text stays visible */
	CHECK("<?php echo 'Slot Gacor'; ?>", RONDA_NORM_STRIP_TAGS,
	      "php echo slot gacor");
}

static void test_offsets(void **st)
{
	const char *in = "<p>x</p>\n<b>&#103;4c0r</b> \xF0\x9D\x90\x92lot";
	struct ronda_norm n;

	ronda_norm_init(&n, 0);
	ronda_norm_run(&n, in, strlen(in), RONDA_NORM_STRIP_TAGS);
	assert_string_equal(n.text, "x gacor slot");
	assert_int_equal(n.map[0], 3);                         /* x */
	assert_int_equal(n.map[2], strchr(in, '&') - in);      /* g from &#103; */
	assert_int_equal(n.map[3], strchr(in, '4') - in);      /* a from 4 */
	assert_true(n.flags[2] & RONDA_NF_ENTITY);
	assert_true(n.flags[3] & RONDA_NF_LEET);
	const char *bold = strstr(in, "\xF0\x9D");
	assert_int_equal(n.map[8], bold - in);                 /* s from 𝐒 */
	assert_int_equal(n.map[9], bold - in + 4);             /* l */
	assert_int_equal(ronda_norm_offset(&n, 9999), n.map[n.len - 1]);
	assert_int_equal(ronda_norm_span_flags(&n, 0, 1), 0);
	assert_true(ronda_norm_span_flags(&n, 8, 12) & RONDA_NF_FOLDED);
	assert_int_equal(n.n_folded, 1);
	assert_int_equal(n.n_leet, 2);
	assert_int_equal(n.n_entities, 1);
	/* a struct can be run again */
	ronda_norm_run(&n, "abc", 3, 0);
	assert_string_equal(n.text, "abc");
	assert_int_equal(n.n_folded, 0);
	ronda_norm_release(&n);
}

static void test_bounds(void **st)
{
	struct ronda_norm n;
	size_t len = 1 << 20;
	unsigned char *buf = xmalloc(len);

	/* output cap */
	memset(buf, 'a', len);
	for (size_t i = 7; i < len; i += 8)
		buf[i] = ' ';
	ronda_norm_init(&n, 1000);
	ronda_norm_run(&n, buf, len, 0);
	assert_true(n.truncated);
	assert_true(n.len <= 1000);
	assert_int_equal(strlen(n.text), n.len);
	ronda_norm_release(&n);

	/* hostile: many unclosed '<', entity starts, invalid UTF-8, singles */
	const char *pieces[] = { "<", "&#", "&", "\xF0\x9D", "\xC3", "a.", "<!-",
				 "<script", "\xE2\x80\x8B", "\xED\xA0\x80" };
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)pieces[i % ARRAY_SIZE(pieces)][0];
	size_t k = 0;
	while (k < len) {
		const char *p = pieces[(k * 7) % ARRAY_SIZE(pieces)];
		size_t pl = strlen(p);
		if (k + pl > len)
			break;
		memcpy(buf + k, p, pl);
		k += pl;
	}
	ronda_norm_init(&n, 0);
	uint64_t t0 = ronda_now_ns();
	ronda_norm_run(&n, buf, len, RONDA_NORM_STRIP_TAGS);
	uint64_t dt = ronda_now_ns() - t0;
	assert_true(n.len <= len);
	for (size_t i = 0; i < n.len; i++) {
		char c = n.text[i];
		assert_true((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ');
		assert_true(n.map[i] < len);
		if (i)
			assert_true(n.map[i] >= n.map[i - 1]);
	}
	assert_true(n.len == 0 || n.text[0] != ' ');
	assert_true(n.len == 0 || n.text[n.len - 1] != ' ');
	/* linear: 1 MiB of hostile input well under a second even unoptimised */
	assert_true(dt < 2000000000ull);
	ronda_norm_release(&n);

	/* a '<' every few bytes with one '>' at the very end */
	memset(buf, 'x', len);
	for (size_t i = 0; i < len; i += 3)
		buf[i] = '<';
	buf[len - 1] = '>';
	ronda_norm_init(&n, 0);
	t0 = ronda_now_ns();
	ronda_norm_run(&n, buf, len, RONDA_NORM_STRIP_TAGS);
	dt = ronda_now_ns() - t0;
	assert_true(dt < 2000000000ull);
	ronda_norm_release(&n);
	free(buf);
}

static void test_fold_cp(void **st)
{
	char out[2];
	bool look, dia;

	assert_int_equal(ronda_fold_cp(0x1D400, out, &look, &dia), 1);
	assert_int_equal(out[0], 'a');
	assert_true(look);
	assert_int_equal(ronda_fold_cp(0x1D6A3, out, &look, &dia), 1);
	assert_int_equal(out[0], 'z');                  /* monospace small z */
	assert_int_equal(ronda_fold_cp(0x1D7FF, out, &look, &dia), 1);
	assert_int_equal(out[0], '9');
	assert_int_equal(ronda_fold_cp(0x200B, out, &look, &dia), RONDA_FOLD_HIDDEN);
	assert_int_equal(ronda_fold_cp(0x0301, out, &look, &dia), RONDA_FOLD_DROP);
	assert_int_equal(ronda_fold_cp(0x1F3B0, out, &look, &dia), 0);   /* 🎰 */
	assert_int_equal(ronda_fold_cp(0x3000, out, &look, &dia), 1);
	assert_int_equal(out[0], ' ');
	assert_int_equal(ronda_fold_cp(0xDF, out, &look, &dia), 2);       /* ß */
	assert_true(dia);
	assert_int_equal(ronda_fold_cp(0xFB01, out, &look, &dia), 2);     /* ﬁ */
	assert_int_equal(out[1], 'i');
	assert_int_equal(ronda_fold_cp(0x2169, out, &look, &dia), 1);     /* Ⅹ */
	assert_int_equal(out[0], 'x');
	assert_int_equal(ronda_fold_cp(0x1F1EE, out, &look, &dia), 1);    /* regional i */
	assert_int_equal(out[0], 'i');
	assert_int_equal(ronda_fold_cp(0x4E00, out, &look, &dia), 0);     /* CJK */
}

/* The fast paths (bulk ASCII runs, two- and three-byte UTF-8 through the
 * table, 16-unit word scans and block moves in pass 2) against the plain
 * per-character path: same text, offsets, flags, counters and truncation
 * on pseudo-random mixes of everything the normaliser handles. */
static void same_as_reference(const unsigned char *in, size_t len,
			      unsigned opts, size_t max_out)
{
	struct ronda_norm a, b;

	ronda_norm_init(&a, max_out);
	ronda_norm_init(&b, max_out);
	ronda_norm_run(&a, in, len, opts);
	ronda_norm_run(&b, in, len, opts | RONDA_NORM__REFERENCE);
	assert_int_equal(a.len, b.len);
	assert_string_equal(a.text, b.text);
	assert_memory_equal(a.map, b.map, a.len * sizeof(*a.map));
	assert_memory_equal(a.flags, b.flags, a.len);
	assert_int_equal(a.truncated, b.truncated);
	assert_int_equal(a.n_folded, b.n_folded);
	assert_int_equal(a.n_hidden, b.n_hidden);
	assert_int_equal(a.n_joined, b.n_joined);
	assert_int_equal(a.n_leet, b.n_leet);
	assert_int_equal(a.n_entities, b.n_entities);
	ronda_norm_release(&a);
	ronda_norm_release(&b);
}

static void test_fast_paths(void **st)
{
	static const char *const pieces[] = {
		"slot", "GACOR", "g4c0r", "88", "toto4d", " ", "  ", "\n\t",
		".", "-", "s.l.o.t", "g a c o r", "x", "1", "<b>", "</b>", "<",
		">", "<!-- c -->", "<script>var slot=1;</script>", "<style>p{}</style>",
		"&amp;", "&#103;", "&#x61;", "&eacute;", "&nope;", "&", "&#",
		"\xF0\x9D\x90\x92", "\xEF\xBD\x93", "\xE2\x80\x8B", "\xC3\xA9",
		"\xD0\xB0", "\xCC\x81", "\xC3", "\xFF", "\xED\xA0\x80", "!!!!!!",
		"Pemerintah", "kabupaten", "_", "$", "\xC2\xA0", "\xEF\xAC\x81",
	};
	static const unsigned optsv[] = {
		0, RONDA_NORM_STRIP_TAGS, RONDA_NORM_NO_ENTITIES,
		RONDA_NORM_STRIP_TAGS | RONDA_NORM_NO_JOIN | RONDA_NORM_NO_LEET,
	};
	static const size_t caps[] = { 0, 1, 7, 64 };
	unsigned char buf[2048];
	uint32_t seed = 12345;

	for (int round = 0; round < 400; round++) {
		size_t len = 0;
		size_t want = 1 + (size_t)(round % 97) * 20;

		while (len < want) {
			seed = seed * 1103515245u + 12345u;
			const char *pc = pieces[(seed >> 8) % ARRAY_SIZE(pieces)];
			size_t pl = strlen(pc);

			if (len + pl > sizeof(buf))
				break;
			memcpy(buf + len, pc, pl);
			len += pl;
		}
		for (size_t o = 0; o < ARRAY_SIZE(optsv); o++)
			same_as_reference(buf, len, optsv[o],
					  caps[(size_t)round % ARRAY_SIZE(caps)]);
	}
	/* plain ASCII with long and short break runs at every alignment:
	 * the 16-byte blocks of pass 1, the runs they carry in and out, the
	 * output cap falling inside a block */
	static const char ascii[] = "aZ9 .-\n\t_!x";

	for (int round = 0; round < 3000; round++) {
		size_t len = (size_t)(round % 150) + 1;

		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			/* long runs of one byte half of the time */
			if (i && (seed >> 20) % 2)
				buf[i] = buf[i - 1];
			else
				buf[i] = (unsigned char)ascii[(seed >> 8) % (sizeof(ascii) - 1)];
		}
		same_as_reference(buf, len, (unsigned)round % 2 ? RONDA_NORM_STRIP_TAGS : 0,
				  (size_t)round % 7 == 0 ? 1 + (size_t)round % 40 : 0);
	}
	/* words of 1..40 letters and digits (leet words, words longer than
	 * the 16-unit blocks of pass 2) between break runs of 1..12 bytes
	 * (many dropped units, so that words move down by 16 and more), up
	 * to the end of the input and the output cap */
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyz0123456789AZ";
	static const char seps[] = " .-\n_!,;";

	for (int round = 0; round < 2000; round++) {
		size_t len = 0, want = 1 + (size_t)(round % 400);

		while (len < want && len + 60 < sizeof(buf)) {
			seed = seed * 1103515245u + 12345u;
			size_t wl = 1 + (seed >> 8) % ((seed >> 20) % 3 ? 6 : 40);

			for (size_t i = 0; i < wl; i++) {
				seed = seed * 1103515245u + 12345u;
				buf[len++] = (unsigned char)alnum[(seed >> 8) %
					((seed >> 24) % 4 ? 26 : sizeof(alnum) - 1)];
			}
			seed = seed * 1103515245u + 12345u;
			size_t bl = 1 + (seed >> 8) % ((seed >> 20) % 2 ? 2 : 12);

			for (size_t i = 0; i < bl; i++)
				buf[len++] = (unsigned char)seps[(seed >> (i % 16)) % (sizeof(seps) - 1)];
		}
		len -= (size_t)round % 3;    /* ending in a word or a break */
		same_as_reference(buf, len, (unsigned)round % 2 ? RONDA_NORM_STRIP_TAGS : 0,
				  (size_t)round % 5 == 0 ? 1 + (size_t)round % 300 : 0);
	}
	/* every single byte and every byte pair, on its own and in a word */
	for (unsigned c = 0; c < 256; c++) {
		unsigned char one[3] = { 'a', (unsigned char)c, 'b' };

		same_as_reference(one + 1, 1, 0, 0);
		same_as_reference(one, 3, RONDA_NORM_STRIP_TAGS, 0);
		for (unsigned d = 0; d < 256; d += 7) {
			unsigned char two[2] = { (unsigned char)c, (unsigned char)d };
			same_as_reference(two, 2, 0, 0);
		}
	}
}

static size_t put_utf8(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The folding table against the plain cascade, for every code point,
 * between letters (hidden characters flag the next one) and alone. */
static void test_fold_table(void **st)
{
	unsigned char buf[16];

	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		if (cp >= 0x20000 && cp < 0xE0000 && cp % 251)
			continue;           /* unassigned planes: a sample */
		size_t k = 0;

		buf[k++] = 's';
		k += put_utf8(cp, buf + k);
		buf[k++] = 'l';
		k += put_utf8(cp, buf + k);
		buf[k++] = '0';
		buf[k++] = 't';
		same_as_reference(buf, k, 0, 0);
		same_as_reference(buf + 1, (size_t)put_utf8(cp, buf + 1), 0, 0);
	}
	/* entities reach the fold too */
	same_as_reference((const unsigned char *)"&#x1D400;&#1040;&#xFB01;&#8203;x", 32, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_math_alnum),
		cmocka_unit_test(test_fullwidth),
		cmocka_unit_test(test_small_caps_enclosed),
		cmocka_unit_test(test_homoglyphs),
		cmocka_unit_test(test_invisible),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_leet),
		cmocka_unit_test(test_entities),
		cmocka_unit_test(test_tags),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_fold_cp),
		cmocka_unit_test(test_fast_paths),
		cmocka_unit_test(test_fold_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
