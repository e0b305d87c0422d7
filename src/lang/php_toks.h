/*
 * php_toks.h — the PHP tokens of a file layer, lexed once and shared.
 *
 * Several detectors read a PHP file as tokens (webshell's deobfuscator,
 * cloak's structural link).  ronda_php_file_tokens() lexes the layer on
 * first use, keeps the tokens in the file's memory (ronda_file_alloc) and
 * hands the same list to every later caller asking with the same lexer
 * flags.  The list is capped at RONDA_PHP_TOKS_MAX tokens; `complete` says
 * whether it holds the whole layer (callers needing the tail of a longer
 * file lex it themselves).
 */
#ifndef RONDA_LANG_PHP_TOKS_H
#define RONDA_LANG_PHP_TOKS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/detector.h"
#include "lang/php_lex.h"

#define RONDA_PHP_TOKS_MAX ((size_t)1 << 20)   /* 16 MiB of tokens */

struct ronda_php_toks {
	const struct ronda_php_tok *v;   /* every token, in source order */
	size_t n;
	unsigned flags;                  /* lexer flags they were made with */
	bool complete;                   /* false: the layer has more */
};

/* The tokens of f's layer lexed with `flags` (RONDA_PHP_LEX_*); never
 * NULL.  Valid until the file is done. */
const struct ronda_php_toks *ronda_php_file_tokens(struct ronda_file *f,
						   unsigned flags);

#endif
