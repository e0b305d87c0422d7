/*
 * php_lex.h — a PHP tokenizer that sees code the way PHP itself does.
 *
 * It splits a file into inline HTML and code (open tags "<?php", "<?=",
 * short "<?", close tag "?>"), and code into variables, identifiers,
 * strings, numbers, casts and operators.  Comments and whitespace are
 * skipped ("#[" is an attribute, not a comment).  It is a streaming lexer:
 * no allocation, every call consumes at least one byte until the end, so
 * a whole file is tokenized in linear time whatever its bytes; malformed or
 * unterminated input yields tokens flagged RONDA_PHP_TF_UNTERMINATED that
 * run to the end of the input.
 *
 * Tokens point into the caller's buffer (offset + length of the raw text,
 * quotes included for strings).  ronda_php_str_decode() turns a string
 * token into its value (escapes decoded) and says whether it interpolates
 * variables.  Nothing here owns memory except the ronda_buf the caller
 * passes in.
 */
#ifndef RONDA_PHP_LEX_H
#define RONDA_PHP_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"

enum ronda_php_tok_type {
	RONDA_PHP_EOF = 0,
	RONDA_PHP_INLINE_HTML,    /* text outside PHP tags */
	RONDA_PHP_OPEN_TAG,       /* <?php or <? */
	RONDA_PHP_OPEN_TAG_ECHO,  /* <?= */
	RONDA_PHP_CLOSE_TAG,      /* ?> (with one following newline) */
	RONDA_PHP_VARIABLE,       /* $name (name = text after '$') */
	RONDA_PHP_IDENT,          /* names and keywords, any case */
	RONDA_PHP_STRING,         /* '...' or nowdoc: constant */
	RONDA_PHP_DQSTRING,       /* "..." or heredoc: may interpolate */
	RONDA_PHP_BACKTICK,       /* `...`: shell execution */
	RONDA_PHP_NUMBER,
	RONDA_PHP_CAST,           /* (int), ( string ), ... */
	RONDA_PHP_OP,             /* operators and punctuation, incl. '$' */
};

/* token flags */
#define RONDA_PHP_TF_UNTERMINATED 0x01u /* string/comment ran off the end */
#define RONDA_PHP_TF_HEREDOC      0x02u /* <<<ID (DQSTRING) */
#define RONDA_PHP_TF_NOWDOC       0x04u /* <<<'ID' (STRING) */
#define RONDA_PHP_TF_INTERP       0x08u /* DQSTRING/BACKTICK with $var or {$ */

/* 16 bytes: data tables of a million tokens stay cache- and RAM-friendly.
 * Offsets are 32-bit: the lexer reads at most the first 4 GiB - 1 of its
 * input (ronda_php_lex_init clamps). */
struct ronda_php_tok {
	uint32_t off;        /* of the raw text in the source */
	uint32_t len;        /* raw length (quotes, heredoc markers included) */
	uint8_t type;        /* enum ronda_php_tok_type */
	uint8_t flags;       /* RONDA_PHP_TF_* */
	char op[4];          /* RONDA_PHP_OP: the operator, NUL-terminated */
};

/* lexer flags */
#define RONDA_PHP_LEX_CODE 0x01u   /* start in code (eval'd strings) */

struct ronda_php_lexer {
	const unsigned char *src;
	size_t len;          /* at most UINT32_MAX */
	size_t pos;
	bool in_code;
};

void ronda_php_lex_init(struct ronda_php_lexer *lx, const void *src,
			size_t len, unsigned flags);
/* Next token into *t; false (and t->type RONDA_PHP_EOF) at the end. */
bool ronda_php_lex_next(struct ronda_php_lexer *lx, struct ronda_php_tok *t);

/* Name of a VARIABLE (after '$') or IDENT: pointer into src and length. */
const unsigned char *ronda_php_tok_name(const unsigned char *src,
					const struct ronda_php_tok *t,
					size_t *len);

/* Case-insensitive comparison of an IDENT/VARIABLE token's name (without
 * the '$') with a lower-case ASCII word.  Inline: the detectors call it
 * for every token against long keyword lists, and the length test (a
 * constant once inlined) rejects almost all of them at once. */
static inline bool ronda_php_tok_is(const unsigned char *src,
				    const struct ronda_php_tok *t,
				    const char *word)
{
	const unsigned char *name;
	size_t n;

	if (t->type == RONDA_PHP_IDENT) {
		name = src + t->off;
		n = t->len;
	} else if (t->type == RONDA_PHP_VARIABLE) {
		name = src + t->off + 1;
		n = t->len - 1;
	} else {
		return false;
	}
	if (n == 0 || (name[0] | (name[0] >= 'A' && name[0] <= 'Z' ? 0x20 : 0)) !=
		      (unsigned char)word[0] || n != strlen(word))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		if (c != (unsigned char)word[i])
			return false;
	}
	return true;
}

/* True if t is an OP token equal to op (at most 3 bytes).  With a
 * literal op the compare compiles to one or two integer tests. */
static inline __attribute__((always_inline)) bool
ronda_php_tok_op(const struct ronda_php_tok *t, const char *op)
{
	return t->type == RONDA_PHP_OP && strlen(op) < sizeof(t->op) &&
	       memcmp(t->op, op, strlen(op) + 1) == 0;
}

/* Decode a STRING, DQSTRING or BACKTICK token's value into out (appended).
 * Double-quoted escapes: \n \t \r \v \e \f \\ \$ \" \0-\777 (octal)
 * \xHH \u{HHHH}; single-quoted: \\ and \'.  Interpolations are copied
 * verbatim and counted in *n_interp (may be NULL).  *n_escapes (may be
 * NULL) counts hex, octal and \u escapes.  RONDA_ETOOBIG past out's cap. */
int ronda_php_str_decode(const unsigned char *src,
			 const struct ronda_php_tok *t, struct ronda_buf *out,
			 unsigned *n_interp, unsigned *n_escapes);

const char *ronda_php_tok_type_name(enum ronda_php_tok_type type);

#endif
