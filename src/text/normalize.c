/*
 * normalize.c — fold obfuscated text into plain lower-case ASCII words.
 *
 * Three passes, all linear: (1) decode UTF-8 and entities, strip markup,
 * fold code points into units (one ASCII byte + source offset + flags, with
 * runs of word breaks capped at four units); (2) join runs of separated
 * single characters and collapse breaks to single spaces, in place;
 * (3) read interior digits of mixed words as letters, in place.
 *
 * Fast paths give the same output: plain ASCII stretches are copied
 * without a branch per byte, the BMP is folded through a table, words move
 * down as blocks in pass 2 and pass 3 is done word by word inside pass 2.
 * RONDA_NORM__REFERENCE takes the plain per-character path for tests.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/detector.h"
#include "core/error.h"
#include "core/util.h"
#include "text/normalize.h"

#define BRK ' '
#define MAX_BREAK_RUN 4    /* break units kept in a row in pass 1 */
#define MAX_JOIN_GAP 3     /* break units allowed between joined letters */
#define MIN_JOIN 3         /* single characters needed to join */
#define MAX_TAG 8192       /* a '<' without '>' this close is text */
#define MAX_LEET_WORD 32

struct cpmap {
	uint32_t cp;
	char s[3];
	uint8_t kind;      /* 0 letter look-alike, 1 space, 2 hidden, 3 diacritic */
};

/* Scattered look-alikes, sorted by code point. */
static const struct cpmap scattered[] = {
	{0x00A0, " ", 1}, {0x00AD, "", 2}, {0x00B2, "2", 0}, {0x00B3, "3", 0},
	{0x00B9, "1", 0}, {0x017F, "s", 3}, {0x0180, "b", 3}, {0x0188, "c", 3},
	{0x0189, "d", 3}, {0x0191, "f", 3}, {0x0192, "f", 3}, {0x0197, "i", 3},
	{0x019A, "l", 3}, {0x01A5, "p", 3}, {0x01AB, "t", 3}, {0x01B6, "z", 3},
	{0x01EB, "q", 0}, {0x0237, "j", 3}, {0x0250, "a", 0}, {0x0251, "a", 0},
	{0x0253, "b", 3}, {0x0256, "d", 3}, {0x0257, "d", 3}, {0x025B, "e", 0},
	{0x0260, "g", 3}, {0x0261, "g", 0}, {0x0262, "g", 0}, {0x0266, "h", 3},
	{0x0268, "i", 3}, {0x0269, "i", 0}, {0x026A, "i", 0}, {0x026B, "l", 3},
	{0x0271, "m", 3}, {0x0272, "n", 3}, {0x0274, "n", 0}, {0x027C, "r", 3},
	{0x027D, "r", 3}, {0x0280, "r", 0}, {0x0282, "s", 3}, {0x0288, "t", 3},
	{0x028B, "v", 0}, {0x028F, "y", 0}, {0x0290, "z", 3}, {0x0299, "b", 0},
	{0x029C, "h", 0}, {0x029F, "l", 0}, {0x02B0, "h", 0}, {0x02B2, "j", 0},
	{0x02B3, "r", 0}, {0x02B7, "w", 0}, {0x02B8, "y", 0}, {0x02E1, "l", 0},
	{0x02E2, "s", 0}, {0x02E3, "x", 0},
	/* Greek */
	{0x0391, "a", 0}, {0x0392, "b", 0}, {0x0395, "e", 0}, {0x0396, "z", 0},
	{0x0397, "h", 0}, {0x0399, "i", 0}, {0x039A, "k", 0}, {0x039C, "m", 0},
	{0x039D, "n", 0}, {0x039F, "o", 0}, {0x03A1, "p", 0}, {0x03A4, "t", 0},
	{0x03A5, "y", 0}, {0x03A7, "x", 0}, {0x03B1, "a", 0}, {0x03B2, "b", 0},
	{0x03B3, "y", 0}, {0x03B5, "e", 0}, {0x03B7, "n", 0}, {0x03B9, "i", 0},
	{0x03BA, "k", 0}, {0x03BC, "u", 0}, {0x03BD, "v", 0}, {0x03BF, "o", 0},
	{0x03C1, "p", 0}, {0x03C3, "o", 0}, {0x03C4, "t", 0}, {0x03C5, "u", 0},
	{0x03C7, "x", 0}, {0x03C9, "w", 0}, {0x03F2, "c", 0}, {0x03F3, "j", 0},
	/* Cyrillic */
	{0x0405, "s", 0}, {0x0406, "i", 0}, {0x0408, "j", 0}, {0x0410, "a", 0},
	{0x0412, "b", 0}, {0x0415, "e", 0}, {0x041A, "k", 0}, {0x041C, "m", 0},
	{0x041D, "h", 0}, {0x041E, "o", 0}, {0x0420, "p", 0}, {0x0421, "c", 0},
	{0x0422, "t", 0}, {0x0423, "y", 0}, {0x0425, "x", 0}, {0x0430, "a", 0},
	{0x0432, "b", 0}, {0x0435, "e", 0}, {0x043A, "k", 0}, {0x043C, "m", 0},
	{0x043D, "h", 0}, {0x043E, "o", 0}, {0x0440, "p", 0}, {0x0441, "c", 0},
	{0x0442, "t", 0}, {0x0443, "y", 0}, {0x0445, "x", 0}, {0x0455, "s", 0},
	{0x0456, "i", 0}, {0x0458, "j", 0}, {0x04BB, "h", 0}, {0x04C0, "i", 0},
	{0x04CF, "i", 0}, {0x0501, "d", 0}, {0x050C, "g", 0}, {0x051B, "q", 0},
	{0x051D, "w", 0},
	{0x061C, "", 2}, {0x1680, " ", 1}, {0x17B4, "", 2}, {0x17B5, "", 2},
	{0x180E, "", 2},
	/* small capitals and modifier letters */
	{0x1D00, "a", 0}, {0x1D04, "c", 0}, {0x1D05, "d", 0}, {0x1D07, "e", 0},
	{0x1D0A, "j", 0}, {0x1D0B, "k", 0}, {0x1D0D, "m", 0}, {0x1D0F, "o", 0},
	{0x1D18, "p", 0}, {0x1D1B, "t", 0}, {0x1D1C, "u", 0}, {0x1D20, "v", 0},
	{0x1D21, "w", 0}, {0x1D22, "z", 0}, {0x1D43, "a", 0}, {0x1D47, "b", 0},
	{0x1D48, "d", 0}, {0x1D49, "e", 0}, {0x1D4D, "g", 0}, {0x1D4F, "k", 0},
	{0x1D50, "m", 0}, {0x1D52, "o", 0}, {0x1D56, "p", 0}, {0x1D57, "t", 0},
	{0x1D58, "u", 0}, {0x1D5B, "v", 0}, {0x1D9C, "c", 0}, {0x1DA0, "f", 0},
	{0x1DBB, "z", 0},
	{0x2028, " ", 1}, {0x2029, " ", 1}, {0x202F, " ", 1}, {0x205F, " ", 1},
	{0x2070, "0", 0}, {0x2071, "i", 0}, {0x207F, "n", 0},
	/* letterlike symbols */
	{0x2102, "c", 0}, {0x210A, "g", 0}, {0x210B, "h", 0}, {0x210C, "h", 0},
	{0x210D, "h", 0}, {0x210E, "h", 0}, {0x2110, "i", 0}, {0x2111, "i", 0},
	{0x2112, "l", 0}, {0x2113, "l", 0}, {0x2115, "n", 0}, {0x2119, "p", 0},
	{0x211A, "q", 0}, {0x211B, "r", 0}, {0x211C, "r", 0}, {0x211D, "r", 0},
	{0x2124, "z", 0}, {0x2128, "z", 0}, {0x212C, "b", 0}, {0x212D, "c", 0},
	{0x212F, "e", 0}, {0x2130, "e", 0}, {0x2131, "f", 0}, {0x2133, "m", 0},
	{0x2134, "o", 0}, {0x2139, "i", 0}, {0x2145, "d", 0}, {0x2146, "d", 0},
	{0x2147, "e", 0}, {0x2148, "i", 0}, {0x2149, "j", 0},
	{0x24EA, "0", 0}, {0x24FF, "0", 0},
	{0x3000, " ", 1},
	{0xA730, "f", 0}, {0xA731, "s", 0}, {0xA7AF, "q", 0},
	{0xFB00, "ff", 0}, {0xFB01, "fi", 0}, {0xFB02, "fl", 0}, {0xFB05, "st", 0},
	{0xFB06, "st", 0}, {0xFEFF, "", 2},
	{0x1F12A, "s", 0},
};

/* Latin-1 supplement U+00C0..U+00FF ('.' = word break, '*' = special). */
static const char latin1[] =
	"aaaaaa*ceeeeiiiidnooooo.ouuuuy**"
	"aaaaaa*ceeeeiiiidnooooo.ouuuuy*y";
/* Latin Extended-A U+0100..U+017F. */
static const char latin_ext_a[] =
	"aaaaaaccccccccdd" "ddeeeeeeeeeegggg" "gggghhhhiiiiiiii"
	"iiiijjkkklllllll" "lllnnnnnnnnnoooo" "oooorrrrrrssssss"
	"ssttttttuuuuuuuu" "uuuuwwyyyzzzzzzs";
/* Mathematical Greek, 58 per style ('.' = no Latin look-alike). */
static const char math_greek[] =
	"ab..ezh.ik.mn.o.p..ty.x..." "aby.e.n.ik.uv.o.p.otu.x.w" ".e.k.p.";

static int out1(char out[2], char c)
{
	out[0] = c;
	return 1;
}

static int from_map(const struct cpmap *m, char out[2], bool *lookalike,
		    bool *diacritic)
{
	switch (m->kind) {
	case 1:
		return out1(out, ' ');
	case 2:
		return RONDA_FOLD_HIDDEN;
	case 3:
		*diacritic = true;
		break;
	default:
		*lookalike = true;
		break;
	}
	out[0] = m->s[0];
	if (m->s[1]) {
		out[1] = m->s[1];
		return 2;
	}
	return 1;
}

/* Number 1..20 as one or two digits. */
static int small_number(unsigned v, char out[2], bool *lookalike)
{
	*lookalike = true;
	if (v < 10)
		return out1(out, (char)('0' + v));
	out[0] = (char)('0' + v / 10);
	out[1] = (char)('0' + v % 10);
	return 2;
}

static int fold_slow(uint32_t cp, char out[2], bool *lookalike, bool *diacritic)
{
	*lookalike = false;
	*diacritic = false;

	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			return out1(out, (char)(cp + 32));
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
			return out1(out, (char)cp);
		if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
		    cp == '\f' || cp == '\v')
			return out1(out, ' ');
		return 0;
	}
	if (cp >= 0xC0 && cp <= 0xFF) {
		char c = latin1[cp - 0xC0];

		if (c == '.')
			return 0;
		*diacritic = true;
		if (c == '*') {
			switch (cp) {
			case 0xC6: case 0xE6: out[0] = 'a'; out[1] = 'e'; return 2;
			case 0xDE: case 0xFE: out[0] = 't'; out[1] = 'h'; return 2;
			case 0xDF: out[0] = 's'; out[1] = 's'; return 2;
			default: return 0;
			}
		}
		return out1(out, c);
	}
	if (cp >= 0x100 && cp <= 0x17E) {
		*diacritic = true;
		return out1(out, latin_ext_a[cp - 0x100]);
	}
	/* invisible */
	if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
	    (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x206F) ||
	    (cp >= 0xE0000 && cp <= 0xE007F) || (cp >= 0x180B && cp <= 0x180D))
		return RONDA_FOLD_HIDDEN;
	if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0483 && cp <= 0x0489) ||
	    (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
	    (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
	    (cp >= 0xFE20 && cp <= 0xFE2F) || (cp >= 0xE0100 && cp <= 0xE01EF))
		return RONDA_FOLD_DROP;
	if (cp >= 0x2000 && cp <= 0x200A)
		return out1(out, ' ');
	/* mathematical alphanumeric symbols */
	if (cp >= 0x1D400 && cp <= 0x1D6A3) {
		unsigned k = (cp - 0x1D400) % 52;

		*lookalike = true;
		return out1(out, (char)('a' + (k < 26 ? k : k - 26)));
	}
	if (cp == 0x1D6A4 || cp == 0x1D6A5) {
		*lookalike = true;
		return out1(out, cp == 0x1D6A4 ? 'i' : 'j');
	}
	if (cp >= 0x1D6A8 && cp <= 0x1D7C9) {
		char c = math_greek[(cp - 0x1D6A8) % 58];

		if (c == '.')
			return 0;
		*lookalike = true;
		return out1(out, c);
	}
	if (cp >= 0x1D7CE && cp <= 0x1D7FF) {
		*lookalike = true;
		return out1(out, (char)('0' + (cp - 0x1D7CE) % 10));
	}
	/* full-width ASCII */
	if (cp >= 0xFF01 && cp <= 0xFF5E) {
		uint32_t a = cp - 0xFEE0;

		if ((a >= 'A' && a <= 'Z') || (a >= 'a' && a <= 'z') ||
		    (a >= '0' && a <= '9')) {
			*lookalike = true;
			return out1(out, (char)(a >= 'A' && a <= 'Z' ? a + 32 : a));
		}
		return 0;
	}
	/* enclosed alphanumerics */
	if (cp >= 0x2460 && cp <= 0x249B)
		return small_number((cp - 0x2460) % 20 + 1, out, lookalike);
	if (cp >= 0x249C && cp <= 0x24E9) {
		*lookalike = true;
		return out1(out, (char)('a' + (cp - 0x249C) % 26));
	}
	if (cp >= 0x24EB && cp <= 0x24F4)
		return small_number(cp - 0x24EB + 11, out, lookalike);
	if (cp >= 0x24F5 && cp <= 0x24FE)
		return small_number(cp - 0x24F5 + 1, out, lookalike);
	if (cp >= 0x2776 && cp <= 0x2793)
		return small_number((cp - 0x2776) % 10 + 1, out, lookalike);
	if (cp >= 0x2070 && cp <= 0x2079 && cp != 0x2071 && cp != 0x2072 &&
	    cp != 0x2073) {
		*lookalike = true;
		return out1(out, (char)('0' + cp - 0x2070));
	}
	if (cp >= 0x2080 && cp <= 0x2089) {
		*lookalike = true;
		return out1(out, (char)('0' + cp - 0x2080));
	}
	if (cp >= 0x2160 && cp <= 0x217F) {
		static const char roman[] = "ivxlcdm";
		static const uint8_t ri[16] = {0, 0, 0, 0, 1, 1, 1, 1, 0, 2, 2, 2,
					       3, 4, 5, 6};
		unsigned k = (cp - 0x2160) % 16;

		if (k != 0 && k != 4 && k != 9 && k < 12 && k != 11)
			return 0;
		*lookalike = true;
		return out1(out, roman[ri[k]]);
	}
	if (cp >= 0x1F100 && cp <= 0x1F10A) {
		*lookalike = true;
		return out1(out, (char)('0' + (cp == 0x1F100 ? 0 : cp - 0x1F101)));
	}
	if ((cp >= 0x1F110 && cp <= 0x1F129) || (cp >= 0x1F130 && cp <= 0x1F149) ||
	    (cp >= 0x1F150 && cp <= 0x1F169) || (cp >= 0x1F170 && cp <= 0x1F189)) {
		*lookalike = true;
		return out1(out, (char)('a' + (cp - 0x1F110) % 0x20 % 26));
	}
	if (cp >= 0x1F1E6 && cp <= 0x1F1FF) {
		*lookalike = true;
		return out1(out, (char)('a' + cp - 0x1F1E6));
	}

	size_t lo = 0, hi = ARRAY_SIZE(scattered);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (scattered[mid].cp == cp)
			return from_map(&scattered[mid], out, lookalike, diacritic);
		if (scattered[mid].cp < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/*
 * The Basic Multilingual Plane folded once into a table (128 KiB, built on
 * first use): text in other scripts (Cyrillic, Devanagari, CJK...) would
 * otherwise walk the whole cascade above for every character.  An entry is
 * the ASCII result in the low byte, a code in bits 8-10 and the look-alike
 * and diacritic flags; results of two characters are left to fold_slow().
 */
enum { T_BREAK, T_ONE, T_HIDDEN, T_DROP, T_SLOW };
#define T_CODE(e) (((e) >> 8) & 7u)
#define T_LOOK 0x0800u
#define T_DIA 0x1000u

static uint16_t bmp[0x10000];
static pthread_once_t bmp_once = PTHREAD_ONCE_INIT;

/*
 * The ranges of the BMP where fold_slow() can return anything but a plain
 * break (0, no flags: the zero entry the table starts with), besides the
 * scattered table: folding only these builds the table in ~0.5 M
 * instructions instead of ~13 M for all 65,536 code points.  A range added
 * to fold_slow() must be added here; test_fold_table compares the table
 * with fold_slow() for every code point.
 */
static const struct { uint32_t lo, hi; } bmp_ranges[] = {
	{ 0x0000, 0x017F },   /* ASCII, Latin-1, Latin Extended-A */
	{ 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x180B, 0x180D },
	{ 0x1AB0, 0x1AFF }, { 0x1DC0, 0x1DFF },
	{ 0x2000, 0x200F }, { 0x202A, 0x202E }, { 0x2060, 0x206F },
	{ 0x2070, 0x2089 }, { 0x20D0, 0x20FF }, { 0x2160, 0x217F },
	{ 0x2460, 0x24FE }, { 0x2776, 0x2793 },
	{ 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F }, { 0xFF01, 0xFF5E },
};

static void bmp_set(uint32_t cp)
{
	char out[2] = { 0, 0 };
	bool look, dia;
	int r = fold_slow(cp, out, &look, &dia);
	unsigned e;

	switch (r) {
	case 0: e = T_BREAK << 8; break;
	case 1: e = T_ONE << 8 | (unsigned char)out[0]; break;
	case RONDA_FOLD_HIDDEN: e = T_HIDDEN << 8; break;
	case RONDA_FOLD_DROP: e = T_DROP << 8; break;
	default: e = T_SLOW << 8; break;
	}
	if (look)
		e |= T_LOOK;
	if (dia)
		e |= T_DIA;
	bmp[cp] = (uint16_t)e;
}

static void bmp_build(void)
{
	for (size_t r = 0; r < ARRAY_SIZE(bmp_ranges); r++)
		for (uint32_t cp = bmp_ranges[r].lo; cp <= bmp_ranges[r].hi; cp++)
			bmp_set(cp);
	for (size_t k = 0; k < ARRAY_SIZE(scattered); k++)
		if (scattered[k].cp < 0x10000)
			bmp_set(scattered[k].cp);
}

/* ronda_fold_cp() once the table is built */
static inline int fold_fast(uint32_t cp, char out[2], bool *lookalike,
			    bool *diacritic)
{
	if (cp >= 0x10000)
		return fold_slow(cp, out, lookalike, diacritic);

	unsigned e = bmp[cp];

	*lookalike = (e & T_LOOK) != 0;
	*diacritic = (e & T_DIA) != 0;
	switch (T_CODE(e)) {
	case T_BREAK: return 0;
	case T_ONE: return out1(out, (char)(e & 0xFF));
	case T_HIDDEN: return RONDA_FOLD_HIDDEN;
	case T_DROP: return RONDA_FOLD_DROP;
	default: return fold_slow(cp, out, lookalike, diacritic);
	}
}

void ronda_norm_prepare(void)
{
	pthread_once(&bmp_once, bmp_build);
}

int ronda_fold_cp(uint32_t cp, char out[2], bool *lookalike, bool *diacritic)
{
	pthread_once(&bmp_once, bmp_build);
	return fold_fast(cp, out, lookalike, diacritic);
}

/* ---- pass 1 ---------------------------------------------------------- */

struct p1 {
	struct ronda_norm *n;
	char *text;           /* n->text, n->map, n->flags, cached */
	uint32_t *map;
	uint8_t *flags;
	size_t cap;           /* units allowed */
	size_t nu;            /* units written */
	unsigned brk_run;     /* breaks in a row at the end */
	uint8_t pending;      /* flags for the next letter (hidden char seen) */
	bool full;
	bool ref;             /* RONDA_NORM__REFERENCE: no table, no fast path */
};

static inline void emit(struct p1 *p, char c, uint32_t off, uint8_t fl)
{
	if (c == BRK) {
		p->pending = 0;
		if (p->brk_run >= MAX_BREAK_RUN)
			return;
		p->brk_run++;
		fl = 0;
	} else {
		p->brk_run = 0;
		fl |= p->pending;
		p->pending = 0;
	}
	if (p->nu >= p->cap) {
		p->full = true;
		return;
	}
	p->text[p->nu] = c;
	p->map[p->nu] = off;
	p->flags[p->nu] = fl;
	p->nu++;
}

static inline void emit_cp(struct p1 *p, uint32_t cp, uint32_t off, uint8_t extra)
{
	char out[2];
	bool look, dia;
	int r = p->ref ? fold_slow(cp, out, &look, &dia)
		       : fold_fast(cp, out, &look, &dia);
	uint8_t fl = extra;

	if (r == RONDA_FOLD_HIDDEN) {
		p->n->n_hidden++;
		/* only between letters does an invisible character hide anything */
		if (p->nu && p->text[p->nu - 1] != BRK)
			p->pending |= RONDA_NF_HIDDEN;
		return;
	}
	if (r == RONDA_FOLD_DROP) {
		p->n->n_hidden++;
		return;
	}
	if (r == 0) {
		emit(p, BRK, off, 0);
		return;
	}
	if (look) {
		fl |= RONDA_NF_FOLDED;
		p->n->n_folded++;
	}
	if (dia)
		fl |= RONDA_NF_DIACRITIC;
	for (int i = 0; i < r; i++)
		emit(p, out[i], off, out[i] == BRK ? 0 : fl);
}

/* Decode one UTF-8 sequence at s[0..len); invalid bytes read as Latin-1. */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t need;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1; v = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2; v = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3; v = c & 0x07; min = 0x10000;
	} else {
		*cp = c;
		return 1;
	}
	if (need >= len)
		goto bad;
	for (size_t i = 1; i <= need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		goto bad;
	*cp = v;
	return need + 1;
bad:
	*cp = c;
	return 1;
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

struct named_ent {
	const char *name;
	uint32_t cp;
};

static const struct named_ent named[] = {
	{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
	{"nbsp", 0xA0}, {"shy", 0xAD}, {"zwj", 0x200D}, {"zwnj", 0x200C},
	{"lrm", 0x200E}, {"rlm", 0x200F}, {"ensp", 0x2002}, {"emsp", 0x2003},
	{"thinsp", 0x2009}, {"hellip", 0x2026}, {"ndash", 0x2013},
	{"mdash", 0x2014}, {"middot", 0xB7}, {"bull", 0x2022}, {"laquo", 0xAB},
	{"raquo", 0xBB}, {"copy", 0xA9}, {"reg", 0xAE}, {"trade", 0x2122},
	{"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C},
	{"rdquo", 0x201D}, {"szlig", 0xDF}, {"aelig", 0xE6}, {"AElig", 0xC6},
	{"ast", '*'}, {"period", '.'}, {"hyphen", '-'}, {"dash", 0x2010},
	{"lowbar", '_'}, {"verbar", '|'}, {"vert", '|'}, {"sol", '/'},
	{"commat", '@'}, {"num", '#'}, {"dollar", '$'}, {"excl", '!'},
	{"colon", ':'}, {"comma", ','}, {"semi", ';'}, {"plus", '+'},
	{"equals", '='}, {"NewLine", '\n'}, {"Tab", '\t'}, {"star", 0x2606},
	{"starf", 0x2605}, {"hearts", 0x2665}, {"spades", 0x2660},
	{"clubs", 0x2663}, {"diams", 0x2666}, {"deg", 0xB0}, {"times", 0xD7},
	{"euro", 0x20AC}, {"cent", 0xA2}, {"pound", 0xA3}, {"yen", 0xA5},
	{"dot", 0x2D9}, {"imath", 0x131}, {"jmath", 0x237},
};

static const char *const accent_suffix[] = {
	"grave", "acute", "circ", "tilde", "uml", "ring", "cedil", "slash",
	"caron", "macr", "ogon", "breve", "dot", "strok",
};

/* Parse an entity at s[0] == '&'; returns bytes consumed (0: not one). */
/* parse_entity()'s mark for "&eacute;" and the like: the letter, accented;
 * above every code point (numeric entities reach U+10FFFF) */
#define ENT_ACCENTED 0x80000000u

static size_t parse_entity(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t i = 1;

	if (len < 3)
		return 0;
	if (s[1] == '#') {
		uint32_t v = 0;
		size_t digits = 0;
		bool hex = len > 2 && (s[2] == 'x' || s[2] == 'X');

		i = hex ? 3 : 2;
		for (; i < len; i++, digits++) {
			unsigned d;

			if (is_digit(s[i]))
				d = s[i] - '0';
			else if (hex && lower(s[i]) >= 'a' && lower(s[i]) <= 'f')
				d = lower(s[i]) - 'a' + 10;
			else
				break;
			v = v * (hex ? 16 : 10) + d;
			if (v > 0x10FFFF)
				v = 0x110000;
		}
		if (!digits)
			return 0;
		if (i < len && s[i] == ';')
			i++;
		*cp = v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ? 0xFFFD : v;
		return i;
	}
	char name[16];
	size_t k = 0;

	while (i < len && k < sizeof(name) - 1 &&
	       (is_alpha(s[i]) || is_digit(s[i])))
		name[k++] = (char)s[i++];
	name[k] = '\0';
	if (!k || i >= len || s[i] != ';')
		return 0;
	for (size_t j = 0; j < ARRAY_SIZE(named); j++) {
		if (named[j].name[0] == name[0] && !strcmp(named[j].name, name)) {
			*cp = named[j].cp;
			return i + 1;
		}
	}
	/* &eacute; &Ntilde; ... : a letter with a diacritic */
	if (k >= 4 && is_alpha((unsigned char)name[0])) {
		for (size_t j = 0; j < ARRAY_SIZE(accent_suffix); j++) {
			if (!strcmp(name + 1, accent_suffix[j])) {
				/* pick an accented code point of that letter */
				*cp = ENT_ACCENTED | (uint32_t)lower((unsigned char)name[0]);
				return i + 1;
			}
		}
	}
	return 0;
}

/* Case-insensitive search for the ASCII needle in s[from..len). */
static size_t find_ci(const unsigned char *s, size_t len, size_t from,
		      const char *needle)
{
	size_t nl = strlen(needle);

	while (from + nl <= len) {
		const unsigned char *lt = memchr(s + from, needle[0], len - from);

		if (!lt || (size_t)(lt - s) + nl > len)
			return len;
		size_t at = (size_t)(lt - s);
		size_t j = 1;

		while (j < nl && lower(s[at + j]) == (unsigned char)needle[j])
			j++;
		if (j == nl)
			return at;
		from = at + 1;
	}
	return len;
}

static bool tag_name_is(const unsigned char *s, size_t len, size_t at,
			const char *name)
{
	size_t nl = strlen(name);

	if (at + nl >= len)
		return false;
	for (size_t j = 0; j < nl; j++)
		if (lower(s[at + j]) != (unsigned char)name[j])
			return false;
	unsigned char c = s[at + nl];
	return !is_alpha(c) && !is_digit(c) && c != '-';
}

/*
 * Byte classes for the fast paths of pass 1: plain ASCII letters and digits
 * (lower-cased through the table), ASCII word breaks (every other ASCII
 * byte: ronda_fold_cp() maps them to a space or to a break, and emit()
 * treats both alike) and bytes that need the careful path ('<', '&', and
 * everything from 0x80 up).
 */
enum { K_BREAK = 0, K_ALNUM = 1, K_SLOW = 2 };

#define K4(k) k, k, k, k
#define K16(k) K4(k), K4(k), K4(k), K4(k)
static const uint8_t kind[256] = {
	K16(K_BREAK), K16(K_BREAK),                              /* 0x00 */
	K4(K_BREAK), K_BREAK, K_BREAK, K_SLOW, K_BREAK, K4(K_BREAK),
	K4(K_BREAK),                                             /* 0x20 & */
	K4(K_ALNUM), K4(K_ALNUM), K_ALNUM, K_ALNUM,              /* 0-9 */
	K_BREAK, K_BREAK, K_SLOW, K_BREAK, K_BREAK, K_BREAK,     /* < */
	K_BREAK, K4(K_ALNUM), K4(K_ALNUM), K4(K_ALNUM), K4(K_ALNUM),
	K4(K_ALNUM), K4(K_ALNUM), K_ALNUM, K_ALNUM,              /* A-Z */
	K4(K_BREAK), K_BREAK,
	K_BREAK, K4(K_ALNUM), K4(K_ALNUM), K4(K_ALNUM), K4(K_ALNUM),
	K4(K_ALNUM), K4(K_ALNUM), K_ALNUM, K_ALNUM,              /* a-z */
	K4(K_BREAK), K_BREAK,
	K16(K_SLOW), K16(K_SLOW), K16(K_SLOW), K16(K_SLOW),      /* 0x80 */
	K16(K_SLOW), K16(K_SLOW), K16(K_SLOW), K16(K_SLOW),
};

/*
 * A stretch of plain ASCII (letters, digits, breaks), as emit() would
 * produce it, without a data-dependent branch per byte: every byte writes
 * its unit at nu, and nu only advances for letters, digits and the first
 * MAX_BREAK_RUN breaks of a run.  At most cap - nu bytes are taken, so no
 * write goes past the cap; the caller's emit() reports a full output.
 */
static size_t run_ascii(struct p1 *p, const unsigned char *s, size_t len,
			size_t i)
{
	char *restrict text = p->text;
	uint32_t *restrict map = p->map;
	uint8_t *restrict flags = p->flags;
	size_t nu = p->nu;
	size_t end = i + MIN(len - i, p->cap - nu);
	size_t brk_run = p->brk_run;
	uint8_t pending = p->pending;

#ifdef __SSE2__
	/*
	 * 16 bytes at a time while a block has nothing for the careful path:
	 * classified and lower-cased at once; every byte is one unit unless
	 * emit() would drop it (the fifth break of a run and on, counting the
	 * run the block starts in), and then the kept units are packed.
	 */
	if (!p->ref) {
		const __m128i a = _mm_set1_epi8('a'), z25 = _mm_set1_epi8(25),
			      zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9),
			      lt = _mm_set1_epi8('<'), amp = _mm_set1_epi8('&'),
			      bit5 = _mm_set1_epi8(0x20), step = _mm_set_epi32(3, 2, 1, 0),
			      four = _mm_set1_epi32(4), zeros = _mm_setzero_si128();

		while (end - i >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
			unsigned slow = (unsigned)_mm_movemask_epi8(_mm_or_si128(x,
				_mm_or_si128(_mm_cmpeq_epi8(x, lt), _mm_cmpeq_epi8(x, amp))));

			if (slow)
				break;
			__m128i low = _mm_or_si128(x, bit5);
			__m128i l = _mm_sub_epi8(low, a), d = _mm_sub_epi8(x, zero);
			__m128i alnum = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(l, z25), l),
						     _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d));
			unsigned brk = ~(unsigned)_mm_movemask_epi8(alnum) & 0xFFFFu;
			/* the block's breaks above four bits of carried run */
			unsigned carry = (unsigned)MIN(brk_run, (size_t)MAX_BREAK_RUN);
			uint32_t v = (brk << 4) | (((1u << carry) - 1u) << (4 - carry));

			__m128i out = _mm_or_si128(_mm_and_si128(alnum, low),
						   _mm_andnot_si128(alnum, bit5));
			/* a break is dropped when it and the four units
			 * before it (carried run included) are all breaks */
			uint32_t drop = (v & (v << 1) & (v << 2) & (v << 3) & (v << 4)) >> 4 & 0xFFFFu;

			if (drop) {
				unsigned char tmp[16];
				unsigned keep = ~drop & 0xFFFFu;

				_mm_storeu_si128((__m128i *)tmp, out);
				while (keep) {
					unsigned k = (unsigned)__builtin_ctz(keep);

					text[nu] = (char)tmp[k];
					map[nu] = (uint32_t)(i + k);
					flags[nu] = k == 0 && !(brk & 1) ? pending : 0;
					nu++;
					keep &= keep - 1;
				}
				pending = 0;
				brk_run = brk == 0xFFFFu ? brk_run + 16 :
					  (size_t)__builtin_clz(~brk & 0xFFFFu) - 16;
				i += 16;
				continue;
			}
			_mm_storeu_si128((__m128i *)(text + nu), out);
			__m128i m = _mm_add_epi32(_mm_set1_epi32((int)(uint32_t)i), step);

			for (int k = 0; k < 4; k++) {
				_mm_storeu_si128((__m128i *)(map + nu + 4 * k), m);
				m = _mm_add_epi32(m, four);
			}
			_mm_storeu_si128((__m128i *)(flags + nu), zeros);
			if (!(brk & 1))
				flags[nu] = pending;
			pending = 0;
			brk_run = (size_t)__builtin_clz(~brk & 0xFFFFu) - 16;
			nu += 16;
			i += 16;
		}
	}
#endif
	for (; i < end; i++) {
		unsigned char c = s[i];

		unsigned k = kind[c];

		if (k == K_SLOW)
			break;
		size_t is_brk = k == K_BREAK;

		/* a break counts; a letter resets the count */
		brk_run = (brk_run + 1) & (0 - is_brk);
		/* letters and digits lower-case with | 0x20; BRK is 0x20 */
		text[nu] = (char)(((c | 0x20u) & (unsigned)(is_brk - 1)) | (unsigned)BRK);
		map[nu] = (uint32_t)i;
		flags[nu] = (uint8_t)(pending & (is_brk - 1));
		pending = 0;
		nu += brk_run <= MAX_BREAK_RUN;
	}
	p->nu = nu;
	p->brk_run = (unsigned)MIN(brk_run, (size_t)MAX_BREAK_RUN);
	p->pending = pending;
	return i;
}

static void pass1(struct p1 *p, const unsigned char *s, size_t len,
		  unsigned opts)
{
	size_t i = 0;
	size_t next_gt = 0;   /* position of the next '>' at or after i */
	bool have_gt = false;
	bool fast = !p->ref;

	while (i < len && !p->full) {
		unsigned char c = s[i];
		uint32_t cp;

		if (fast && kind[c] != K_SLOW && p->nu < p->cap) {
			i = run_ascii(p, s, len, i);
			continue;
		}
		/* two- and three-byte UTF-8 (other scripts: mostly breaks),
		 * decoded as utf8_next() does and folded through the table */
		if (fast && c >= 0xC2 && c <= 0xEF) {
			size_t n = 0;

			if (c <= 0xDF) {
				if (i + 1 < len && (s[i + 1] & 0xC0) == 0x80) {
					cp = (uint32_t)(c & 0x1F) << 6 | (s[i + 1] & 0x3Fu);
					n = 2;
				}
			} else if (i + 2 < len && (s[i + 1] & 0xC0) == 0x80 &&
				   (s[i + 2] & 0xC0) == 0x80) {
				cp = (uint32_t)(c & 0x0F) << 12 |
				     (uint32_t)(s[i + 1] & 0x3F) << 6 | (s[i + 2] & 0x3Fu);
				if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF))
					n = 3;
			}
			if (n) {
				if (T_CODE(bmp[cp]) == T_BREAK)
					emit(p, BRK, (uint32_t)i, 0);
				else
					emit_cp(p, cp, (uint32_t)i, 0);
				i += n;
				continue;
			}
		}

		if (c == '<' && (opts & RONDA_NORM_STRIP_TAGS)) {
			if (i + 3 < len && s[i + 1] == '!' && s[i + 2] == '-' &&
			    s[i + 3] == '-') {
				const unsigned char *e = memmem(s + i + 4,
								len - i - 4,
								"-->", 3);
				emit(p, BRK, (uint32_t)i, 0);
				i = e ? (size_t)(e - s) + 3 : len;
				continue;
			}
			if (i + 1 < len && (is_alpha(s[i + 1]) || s[i + 1] == '/' ||
					    s[i + 1] == '!')) {
				if (!have_gt || next_gt <= i) {
					const unsigned char *g = memchr(s + i, '>',
									len - i);
					next_gt = g ? (size_t)(g - s) : len;
					have_gt = true;
				}
				if (next_gt < len && next_gt - i <= MAX_TAG) {
					size_t end = next_gt + 1;
					const char *body = NULL;

					if (tag_name_is(s, len, i + 1, "script"))
						body = "</script";
					else if (tag_name_is(s, len, i + 1, "style"))
						body = "</style";
					if (body && s[next_gt - 1] != '/') {
						size_t e = find_ci(s, len, end, body);
						const unsigned char *g2 =
							e < len ? memchr(s + e, '>', len - e) : NULL;
						end = g2 ? (size_t)(g2 - s) + 1 : len;
					}
					emit(p, BRK, (uint32_t)i, 0);
					i = end;
					continue;
				}
			}
			emit(p, BRK, (uint32_t)i, 0);
			i++;
			continue;
		}
		if (c == '&' && !(opts & RONDA_NORM_NO_ENTITIES)) {
			size_t n = parse_entity(s + i, len - i, &cp);

			if (n) {
				p->n->n_entities++;
				if (cp & ENT_ACCENTED) {
					/* named letter with a diacritic */
					emit(p, (char)(cp & 0x7F), (uint32_t)i,
					     RONDA_NF_ENTITY | RONDA_NF_DIACRITIC);
				} else {
					emit_cp(p, cp, (uint32_t)i, RONDA_NF_ENTITY);
				}
				i += n;
				continue;
			}
		}
		if (c < 0x80) {
			if (is_alpha(c) || is_digit(c))
				emit(p, (char)lower(c), (uint32_t)i, 0);
			else
				emit_cp(p, c, (uint32_t)i, 0);
			i++;
			continue;
		}
		size_t n = utf8_next(s + i, len - i, &cp);

		emit_cp(p, cp, (uint32_t)i, 0);
		i += n;
	}
}

/* ---- pass 3: digits read as letters ----------------------------------- */

static char leet_letter(char d)
{
	switch (d) {
	case '0': return 'o';
	case '1': return 'i';
	case '3': return 'e';
	case '4': return 'a';
	case '5': return 's';
	case '6': return 'g';
	case '7': return 't';
	case '8': return 'b';
	case '9': return 'g';
	default: return 0;
	}
}

static void leet_word(struct ronda_norm *n, size_t s, size_t e)
{
	size_t i = s;

	while (i < e) {
		if (!is_digit((unsigned char)n->text[i])) {
			i++;
			continue;
		}
		size_t d = i;

		while (d < e && is_digit((unsigned char)n->text[d]))
			d++;
		bool interior = i > s && d < e && d - i <= 2;
		/* "toto4d": a final "4d" is a lottery brand suffix */
		if (interior && d + 1 == e && n->text[d] == 'd' && d - i == 1 &&
		    n->text[i] == '4')
			interior = false;
		if (interior) {
			for (size_t j = i; j < d; j++)
				if (!leet_letter(n->text[j]))
					interior = false;
		}
		if (interior) {
			for (size_t j = i; j < d; j++) {
				/* '1' is an 'l' before o, u, e or i ("s1ot",
				 * "on1ine", "b1ue") and an 'i' elsewhere
				 * ("m4xw1n", "j1ka") */
				char nx = n->text[j + 1];

				if (n->text[j] == '1' && (nx == 'o' || nx == 'u' ||
							  nx == 'e' || nx == 'i'))
					n->text[j] = 'l';
				else
					n->text[j] = leet_letter(n->text[j]);
				n->flags[j] |= RONDA_NF_LEET;
				n->n_leet++;
			}
		}
		i = d;
	}
}

static void pass3(struct ronda_norm *n)
{
	const char *text = n->text;
	size_t len = n->len, i = 0;

	while (i < len) {
		if (text[i] == BRK) {
			i++;
			continue;
		}
		size_t e = i;
		unsigned seen = 0;      /* 1 digit, 2 letter */

		for (; e < len && text[e] != BRK; e++)
			seen |= is_digit((unsigned char)text[e]) ? 1u : 2u;
		if (seen == 3 && e - i <= MAX_LEET_WORD)
			leet_word(n, i, e);
		i = e;
	}
}

/* ---- pass 2: join separated singles, collapse breaks ------------------ */

static bool alnum_u(const struct ronda_norm *n, size_t i)
{
	return n->text[i] != BRK;
}

static void put(struct ronda_norm *n, size_t *w, size_t r, uint8_t extra)
{
	n->text[*w] = n->text[r];
	n->map[*w] = n->map[r];
	n->flags[*w] = n->flags[r] | extra;
	(*w)++;
}

/* Length of the chain of separated single characters starting at the
 * single character text[r] (ending at e = r + 1): sets *end past it. */
static size_t chain(const char *text, size_t nu, size_t e, size_t *end)
{
	size_t k = e, count = 1;

	while (k < nu) {
		size_t b = k;

		while (b < nu && text[b] == BRK && b - k <= MAX_JOIN_GAP)
			b++;
		if (b == k || b - k > MAX_JOIN_GAP || b >= nu ||
		    text[b] == BRK || (b + 1 < nu && text[b + 1] != BRK))
			break;
		count++;
		k = b + 1;
	}
	*end = k;
	return count;
}

/* The per-unit version, kept as the reference for RONDA_NORM__REFERENCE. */
static size_t pass2_ref(struct ronda_norm *n, size_t nu, unsigned opts)
{
	size_t r = 0, w = 0;
	bool space = false;
	uint32_t space_off = 0;

	while (r < nu) {
		if (!alnum_u(n, r)) {
			if (!space)
				space_off = n->map[r];
			space = true;
			r++;
			continue;
		}
		size_t e = r;

		while (e < nu && alnum_u(n, e))
			e++;
		if (space && w) {
			n->text[w] = BRK;
			n->map[w] = space_off;
			n->flags[w] = 0;
			w++;
		}
		space = false;
		if (e - r == 1 && !(opts & RONDA_NORM_NO_JOIN)) {
			size_t k;

			if (chain(n->text, nu, e, &k) >= MIN_JOIN) {
				n->n_joined++;
				for (size_t j = r; j < k; j++)
					if (alnum_u(n, j))
						put(n, &w, j, RONDA_NF_JOINED);
				r = k;
				continue;
			}
		}
		for (; r < e; r++)
			put(n, &w, r, 0);
	}
	return w;
}

static size_t pass2(struct ronda_norm *n, size_t nu, unsigned opts)
{
	char *restrict text = n->text;
	uint32_t *restrict map = n->map;
	uint8_t *restrict flags = n->flags;
	size_t r = 0, w = 0;
	bool space = false;
	uint32_t space_off = 0;

	bool leet = !(opts & RONDA_NORM_NO_LEET);

	if (opts & RONDA_NORM__REFERENCE)
		return pass2_ref(n, nu, opts);
	while (r < nu) {
		if (text[r] == BRK) {
			if (!space)
				space_off = map[r];
			space = true;
			r++;
			continue;
		}
		size_t e = r;
		unsigned seen = 0;      /* 1 digit, 2 letter */

#ifdef __SSE2__
		/* 16 units at a time: the first break ends the word; before
		 * it, digits and letters (the alphabet is a-z 0-9 and BRK) */
		while (nu - e >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(text + e));
			__m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
			unsigned brk = (unsigned)_mm_movemask_epi8(
				_mm_cmpeq_epi8(x, _mm_set1_epi8(BRK)));
			unsigned dig = (unsigned)_mm_movemask_epi8(
				_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d));
			unsigned in = brk ? (brk & (0u - brk)) - 1u : 0xFFFFu;

			/* bit 0: a digit before the break; bit 1: a letter */
			seen |= (unsigned)((dig & in) != 0) | (unsigned)((~dig & in) != 0) << 1;
			if (brk) {
				e += (size_t)__builtin_ctz(brk);
				break;
			}
			e += 16;
		}
		if (nu - e < 16)
#endif
		for (; e < nu && text[e] != BRK; e++)
			seen |= is_digit((unsigned char)text[e]) ? 1u : 2u;
		if (space && w) {
			text[w] = BRK;
			map[w] = space_off;
			flags[w] = 0;
			w++;
		}
		space = false;
		if (e - r == 1 && !(opts & RONDA_NORM_NO_JOIN)) {
			size_t k;

			if (chain(text, nu, e, &k) >= MIN_JOIN) {
				size_t w0 = w;

				n->n_joined++;
				seen = 0;
				for (size_t j = r; j < k; j++) {
					if (text[j] == BRK)
						continue;
					seen |= is_digit((unsigned char)text[j]) ? 1u : 2u;
					text[w] = text[j];
					map[w] = map[j];
					flags[w] = flags[j] | RONDA_NF_JOINED;
					w++;
				}
				if (leet && seen == 3 && w - w0 <= MAX_LEET_WORD)
					leet_word(n, w0, w);
				r = k;
				continue;
			}
		}
		/* a word moves down as a block (nothing to move while nothing
		 * has been dropped yet) */
		size_t w0 = w;

		if (w == r) {
			w = r = e;
		}
#ifdef __SSE2__
		/* 16 units at a time once the gap is 16 or more: what is
		 * stored past the word's end lies below r, where the next
		 * units are written anyway, and is never read */
		else if (r - w >= 16 && nu - r >= ((e - r + 15) & ~(size_t)15)) {
			size_t x = 0;

			do {
				const __m128i *sm = (const __m128i *)(map + r + x);
				__m128i *dm = (__m128i *)(map + w + x);

				_mm_storeu_si128((__m128i *)(text + w + x),
						 _mm_loadu_si128((const __m128i *)(text + r + x)));
				_mm_storeu_si128((__m128i *)(flags + w + x),
						 _mm_loadu_si128((const __m128i *)(flags + r + x)));
				_mm_storeu_si128(dm, _mm_loadu_si128(sm));
				_mm_storeu_si128(dm + 1, _mm_loadu_si128(sm + 1));
				_mm_storeu_si128(dm + 2, _mm_loadu_si128(sm + 2));
				_mm_storeu_si128(dm + 3, _mm_loadu_si128(sm + 3));
				x += 16;
			} while (x < e - r);
			w += e - r;
			r = e;
		}
#endif
		else {
			for (; r < e; r++, w++) {
				text[w] = text[r];
				map[w] = map[r];
				flags[w] = flags[r];
			}
		}
		/* pass 3 done here, word by word: pass 2's words are its words */
		if (leet && seen == 3 && w - w0 <= MAX_LEET_WORD)
			leet_word(n, w0, w);
	}
	return w;
}

/* ---- API -------------------------------------------------------------- */

void ronda_norm_init(struct ronda_norm *n, size_t max_out)
{
	memset(n, 0, sizeof(*n));
	n->max_out = max_out ? max_out : RONDA_NORM_DEFAULT_MAX;
	n->text = xmalloc(1);
	n->text[0] = '\0';
}

void ronda_norm_release(struct ronda_norm *n)
{
	free(n->text);
	free(n->map);
	free(n->flags);
	memset(n, 0, sizeof(*n));
}

int ronda_norm_run(struct ronda_norm *n, const void *data, size_t len,
		   unsigned opts)
{
	struct p1 p = {0};
	size_t cap;

	if (len > UINT32_MAX)
		len = UINT32_MAX;
	cap = MIN(len, n->max_out);
	if (cap + 1 > n->alloc) {
		free(n->text);
		free(n->map);
		free(n->flags);
		n->text = xmalloc(cap + 1);
		n->map = xmalloc((cap + 1) * sizeof(*n->map));
		n->flags = xmalloc(cap + 1);
		n->alloc = cap + 1;
	}
	n->len = 0;
	n->truncated = false;
	n->n_folded = n->n_hidden = n->n_joined = n->n_leet = n->n_entities = 0;

	p.n = n;
	p.text = n->text;
	p.map = n->map;
	p.flags = n->flags;
	p.cap = cap;
	p.ref = (opts & RONDA_NORM__REFERENCE) != 0;
	pthread_once(&bmp_once, bmp_build);
	pass1(&p, data, len, opts);
	n->truncated = p.full;
	n->len = pass2(n, p.nu, opts);
	if (n->len && n->text[n->len - 1] == BRK)
		n->len--;
	n->text[n->len] = '\0';
	if (p.ref && !(opts & RONDA_NORM_NO_LEET))
		pass3(n);
	return RONDA_OK;
}

const struct ronda_norm *ronda_norm_file(struct ronda_file *f)
{
	struct ronda_norm *n;
	size_t cap;

	if (f->norm)
		return f->norm;
	cap = MIN(MIN(f->len, (size_t)UINT32_MAX), RONDA_NORM_FILE_MAX);
	n = ronda_file_alloc(f, sizeof(*n));
	memset(n, 0, sizeof(*n));
	n->max_out = RONDA_NORM_FILE_MAX;
	/* presized, so ronda_norm_run() never reallocates them */
	n->alloc = cap + 1;
	n->text = ronda_file_alloc(f, n->alloc);
	n->map = ronda_file_alloc(f, n->alloc * sizeof(*n->map));
	n->flags = ronda_file_alloc(f, n->alloc);
	ronda_norm_run(n, f->data, f->len, RONDA_NORM_STRIP_TAGS);
	f->norm = n;
	return n;
}

unsigned ronda_norm_span_flags(const struct ronda_norm *n, size_t start,
			       size_t end)
{
	unsigned fl = 0;

	if (end > n->len)
		end = n->len;
	for (size_t i = start; i < end; i++)
		fl |= n->flags[i];
	return fl;
}

uint64_t ronda_norm_offset(const struct ronda_norm *n, size_t i)
{
	if (!n->len)
		return 0;
	if (i >= n->len)
		i = n->len - 1;
	return n->map[i];
}
