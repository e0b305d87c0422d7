/*
 * normalize.h — bounded text normalisation for gambling-spam detection.
 *
 * Spam authors write "𝐒𝐋𝐎𝐓 𝐆𝐀𝐂𝐎𝐑", "ｓｌｏｔ", "s.l.o.t", "g4c0r",
 * "m&#97;xwin" or put zero-width characters between letters so that plain
 * keyword filters miss them.  ronda_norm_run() turns such text into a plain
 * stream of lower-case ASCII words, so one lexicon can be matched on it:
 *
 *   output alphabet   'a'..'z', '0'..'9' and ' ' (one space between words;
 *                     no leading/trailing space, no other byte)
 *   entities          numeric (&#NN; &#xHH;) and the common named ones are
 *                     decoded before folding (decoded '<' is text, not markup)
 *   tags              with RONDA_NORM_STRIP_TAGS: <...> markup, <!-- -->
 *                     comments and <script>/<style> bodies become word breaks
 *   look-alikes       mathematical alphanumerics (U+1D400-1D7FF), letterlike
 *                     symbols, full-width forms (U+FF01-FF5E), small capitals,
 *                     enclosed / circled / squared / regional-indicator
 *                     letters, common Cyrillic and Greek homoglyphs, Latin
 *                     letters with diacritics, ligatures: folded to ASCII
 *   dropped           zero-width characters (U+200B-200D, U+2060-2064, U+FEFF,
 *                     soft hyphen), combining marks, variation selectors
 *   separators        runs of >= 3 single letters or digits split by
 *                     separator characters ("s.l.o.t", "g-a-c-o-r",
 *                     "s*l*o*t", emoji, spaces) are joined into one word
 *   leet              inside a word that mixes letters and digits, a run of
 *                     one or two digits with a letter on both sides is read
 *                     as letters (0 o, 1 i, 3 e, 4 a, 5 s, 6 g, 7 t, 8 b, 9 g;
 *                     but 1 is l before o, u, e or i: s1ot, on1ine):
 *                     g4c0r -> gacor, m4xw1n -> maxwin, sl0t88 -> slot88;
 *                     leading/trailing digit runs and a final "4d" are
 *                     kept (slot88, 88slot, toto4d keep their digits)
 *
 * Every output byte carries the byte offset in the input of the character it
 * came from (map[]) and flags saying how it got there (RONDA_NF_*), so a
 * finding can point at the right line and a detector can tell "slot gacor"
 * from "𝐬𝐥𝐨𝐭 𝐠𝐚𝐜𝐨𝐫".
 *
 * Bounds: one forward pass over the input plus two passes over the output;
 * no output byte is produced for more than one input byte except ligatures
 * (never more output than input bytes); output stops at max_out bytes with
 * `truncated` set.  Input is arbitrary bytes: invalid UTF-8 is read as
 * Latin-1-ish single bytes and treated as word breaks.  Inputs longer than
 * 4 GiB are cut (offsets are 32-bit).
 *
 * Ownership: struct ronda_norm owns text, map and flags; ronda_norm_release()
 * frees them.  A struct may be run several times (each run replaces the
 * previous output).  Thread-safe: no shared state.
 */
#ifndef RONDA_TEXT_NORMALIZE_H
#define RONDA_TEXT_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* options for ronda_norm_run() */
#define RONDA_NORM_STRIP_TAGS  0x01u  /* drop HTML markup, comments, script/style */
#define RONDA_NORM_NO_ENTITIES 0x02u  /* do not decode &...; entities */
#define RONDA_NORM_NO_JOIN     0x04u  /* do not join separated single letters */
#define RONDA_NORM_NO_LEET     0x08u  /* do not map digits inside words */
/* For tests: take the plain per-character path everywhere instead of the
 * fast paths (bulk ASCII runs, block moves); the output must not differ. */
#define RONDA_NORM__REFERENCE  0x80u

/* per-output-byte flags */
#define RONDA_NF_FOLDED  0x01u  /* from a look-alike (math, full-width, small
                                   caps, enclosed, Cyrillic/Greek homoglyph) */
#define RONDA_NF_ENTITY  0x02u  /* from an HTML entity */
#define RONDA_NF_JOINED  0x04u  /* part of a word joined across separators */
#define RONDA_NF_LEET    0x08u  /* a digit read as a letter */
#define RONDA_NF_HIDDEN  0x10u  /* a zero-width or combining character was
                                   dropped right before this byte */
#define RONDA_NF_DIACRITIC 0x20u /* from a Latin letter with a diacritic */

/* The flags that honest prose practically never produces. */
#define RONDA_NF_OBFUSCATED (RONDA_NF_FOLDED | RONDA_NF_JOINED | \
			     RONDA_NF_LEET | RONDA_NF_HIDDEN)

#define RONDA_NORM_DEFAULT_MAX ((size_t)4 << 20)

struct ronda_norm {
	char *text;         /* NUL-terminated normalised text, never NULL */
	size_t len;
	uint32_t *map;      /* map[i]: input offset of text[i] (len entries) */
	uint8_t *flags;     /* flags[i]: RONDA_NF_* of text[i] */
	size_t max_out;     /* bound on len */
	bool truncated;     /* output hit max_out */
	/* counters over the whole run */
	size_t n_folded;    /* look-alike code points folded */
	size_t n_hidden;    /* zero-width / combining code points dropped */
	size_t n_joined;    /* words joined across separators */
	size_t n_leet;      /* digits read as letters */
	size_t n_entities;  /* entities decoded */
	size_t alloc;       /* internal */
};

/* max_out 0 means RONDA_NORM_DEFAULT_MAX. */
void ronda_norm_init(struct ronda_norm *n, size_t max_out);
void ronda_norm_release(struct ronda_norm *n);

/* Normalise data[0..len) with RONDA_NORM_* options, replacing any previous
 * output.  Returns RONDA_OK (a truncated output is not an error). */
int ronda_norm_run(struct ronda_norm *n, const void *data, size_t len,
		   unsigned opts);

/*
 * The normalised text of one file layer (RONDA_NORM_STRIP_TAGS, at most
 * RONDA_NORM_FILE_MAX output bytes), made on the first call and shared by
 * every detector that asks for the same layer: the gambling-spam and
 * defacement detectors read the same words, so the file is normalised once.
 * Memory comes from ronda_file_alloc() and lives as long as the file; the
 * result must not be released.  Never NULL.
 */
#define RONDA_NORM_FILE_MAX ((size_t)2 << 20)
struct ronda_file;
const struct ronda_norm *ronda_norm_file(struct ronda_file *f);

/* OR of flags over text[start..end) (clamped). */
unsigned ronda_norm_span_flags(const struct ronda_norm *n, size_t start,
			       size_t end);

/* Input offset of text[i] (clamped to the last byte; 0 when empty). */
uint64_t ronda_norm_offset(const struct ronda_norm *n, size_t i);

/*
 * Fold one Unicode code point to ASCII: returns the number of ASCII bytes
 * written to out (1..2: lower-case letters or digits, or a single ' ' for a
 * space-like character), 0 for a character that is a word break
 * (punctuation, symbol, emoji, unknown script), RONDA_FOLD_HIDDEN for an
 * invisible character that can be slipped between letters (zero-width,
 * soft hyphen, bidi controls) and RONDA_FOLD_DROP for one that is dropped
 * silently (combining marks, variation selectors).  *lookalike is set when
 * the code point is a look-alike (RONDA_NF_FOLDED), *diacritic for accented
 * Latin letters.
 * Exposed for tests and for detectors that fold single characters.
 */
#define RONDA_FOLD_HIDDEN (-1)
#define RONDA_FOLD_DROP (-2)
int ronda_fold_cp(uint32_t cp, char out[2], bool *lookalike, bool *diacritic);

/* Builds the folding table now (~0.5 M instructions, otherwise done on
 * first use): detectors call it from their init, so that no file's scan,
 * and no file's CPU time in the per-file figures, carries it.  Thread-safe. */
void ronda_norm_prepare(void);

#endif
