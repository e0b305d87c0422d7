/*
 * lookalike.h — file names made to look like well-known core files.
 *
 * Attackers name backdoors "wp-b1og-header.php" or "wp-conifg.php" so an
 * operator scrolling a listing reads them as WordPress core.  A name is a
 * look-alike of a core name when it differs from it but reads the same
 * after folding homoglyphs (1/i/l, 0/o, 3/e, 4/a, 5/s, 7/t, "rn"/m,
 * "vv"/w, '_'/'-'), or when it is one edit (insertion, deletion,
 * substitution, transposition of neighbours) away from a long core name.
 */
#ifndef RONDA_TEXT_LOOKALIKE_H
#define RONDA_TEXT_LOOKALIKE_H

#include <stddef.h>

enum ronda_lookalike {
	RONDA_LOOKALIKE_NONE = 0,
	RONDA_LOOKALIKE_SAME,       /* identical (case-insensitively) */
	RONDA_LOOKALIKE_HOMOGLYPH,  /* reads the same after folding */
	RONDA_LOOKALIKE_EDIT1,      /* one edit away */
};

/* Names longer than this are never look-alikes (and never folded). */
#define RONDA_LOOKALIKE_MAX 64
/* Edit-distance look-alikes only for core names at least this long, so
 * "post.php" and "posts.php" stay unrelated. */
#define RONDA_LOOKALIKE_EDIT_MIN 10

/* Fold name into out (size > RONDA_LOOKALIKE_MAX); returns its length or
 * 0 when name is too long. */
size_t ronda_lookalike_fold(const char *name, char *out, size_t size);

enum ronda_lookalike ronda_lookalike_match(const char *name, const char *core);

#endif
