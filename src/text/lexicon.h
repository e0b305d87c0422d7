/*
 * lexicon.h — weighted word lists matched on normalised text.
 *
 * A lexicon is built from one or more embedded rules/NAME.txt files.  Each
 * entry line is
 *
 *     term | weight | category [| flags]     # why the term is here
 *
 * term      lower-case a-z, 0-9 and single spaces (the alphabet of
 *           ronda_norm_run() output); a space matches one space or none, so
 *           "slot gacor" also finds "slotgacor"
 * weight    0..100, how much one occurrence says
 * category  a short name (core, game, jargon, payment, lottery, cta,
 *           negative, banner...); up to RONDA_LEX_MAX_CATS per lexicon
 * flags     "sub": may match inside a longer word (hosts, slugs,
 *           concatenations like "linkslotgacor"); default is whole words
 *
 * Files may also hold brand-shape lines (used by ronda_lex_brand()):
 *
 *     suffix | 88     # brands are written WORD88
 *     stop | alphabet # an ordinary word that ends like a brand
 *
 * Matching compiles every term into one vectorscan database (literal-ish
 * patterns, word boundaries, no backtracking); scanning is linear in the
 * text.  Brand-shaped words (a word of >= 3 letters followed by a brand
 * suffix such as 4d, 88, 138, 168, 303, 777, qq, toto, mpo, bet, slot, win,
 * as one token) are reported as hits with entry RONDA_LEX_BRAND; a word
 * starting with 0x (a hex literal, 0xeeeeaa88) never is.
 *
 * Ownership: a lexicon is immutable after ronda_lexicon_new() and may be
 * used from several threads at once (each thread gets its own vectorscan
 * scratch space).  ronda_lexicon_free() releases it.
 */
#ifndef RONDA_TEXT_LEXICON_H
#define RONDA_TEXT_LEXICON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define RONDA_LEX_MAX_CATS 16
#define RONDA_LEX_SUB 0x01u          /* entry flag: substring match */
#define RONDA_LEX_BRAND UINT32_MAX   /* hit.entry of a brand-shaped word */

struct ronda_lexicon;

struct ronda_lex_entry {
	const char *term;      /* as written in the file (normalised alphabet) */
	const char *file;      /* rule file name */
	unsigned line;         /* line in that file */
	unsigned weight;
	unsigned cat;          /* index into the lexicon's category names */
	unsigned flags;        /* RONDA_LEX_* */
};

struct ronda_lex_hit {
	uint32_t entry;        /* index of the entry, or RONDA_LEX_BRAND */
	uint32_t start, end;   /* [start, end) in the scanned text */
};

/* Return non-zero to stop the scan. */
typedef int (*ronda_lex_fn)(const struct ronda_lex_hit *hit, void *arg);

/* Build a lexicon from the embedded rule files names[0..n) (names without
 * ".txt").  On failure returns RONDA_EPARSE / RONDA_ENOENT /
 * RONDA_EPATTERN with one line in err ("judol-lexicon:12: bad weight"). */
int ronda_lexicon_new(const char *const *names, size_t n,
		      struct ronda_lexicon **out, struct ronda_buf *err);
/* Same from an in-memory file (tests). */
int ronda_lexicon_new_text(const char *name, const char *text,
			   struct ronda_lexicon **out, struct ronda_buf *err);
void ronda_lexicon_free(struct ronda_lexicon *lx);

size_t ronda_lexicon_size(const struct ronda_lexicon *lx);
const struct ronda_lex_entry *ronda_lexicon_entry(const struct ronda_lexicon *lx,
						  size_t i);
/* Category index by name, or -1. */
int ronda_lexicon_cat(const struct ronda_lexicon *lx, const char *name);
const char *ronda_lexicon_cat_name(const struct ronda_lexicon *lx, unsigned cat);

/* Match text[0..len) (normalised: a-z, 0-9, single spaces).  Hits arrive in
 * order of their end offset.  Returns RONDA_OK, or RONDA_EPATTERN when the
 * matcher fails. */
int ronda_lexicon_scan(const struct ronda_lexicon *lx, const char *text,
		       size_t len, ronda_lex_fn fn, void *arg);

/* Is word[0..n) (one normalised token) brand-shaped for this lexicon's
 * suffix and stop lists?  On true, *suffix_len says how long the suffix is. */
bool ronda_lex_brand(const struct ronda_lexicon *lx, const char *word,
		     size_t n, size_t *suffix_len);

#endif
