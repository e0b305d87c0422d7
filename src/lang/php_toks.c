/*
 * php_toks.c — the PHP tokens of a file layer, lexed once (php_toks.h).
 */
#include <string.h>

#include "core/spare.h"
#include "core/util.h"
#include "lang/php_toks.h"

/* the lexing buffer a thread keeps between files */
#define SPARE_MAX (RONDA_PHP_TOKS_MAX * sizeof(struct ronda_php_tok))

const struct ronda_php_toks *ronda_php_file_tokens(struct ronda_file *f,
						   unsigned flags)
{
	struct ronda_php_toks *t;
	struct ronda_php_lexer lx;
	struct ronda_php_tok *buf, *v;
	size_t size = 0, alloc, n = 0;
	bool more = true;

	if (f->php_toks && f->php_toks->flags == flags)
		return f->php_toks;
	buf = ronda_spare_take(RONDA_SPARE_FILE_TOKENS, 0, &size);
	alloc = buf ? size / sizeof(*buf) : 0;
	ronda_php_lex_init(&lx, f->data, f->len, flags);
	while (n < RONDA_PHP_TOKS_MAX) {
		if (n >= alloc) {
			buf = xgrow(buf, &alloc, MAX(n + 1, MIN(f->len / 4 + 64, RONDA_PHP_TOKS_MAX)),
				    sizeof(*buf));
		}
		/* straight into the slot: copying a token just stored field
		 * by field would stall on every token */
		if (!ronda_php_lex_next(&lx, &buf[n])) {
			more = false;
			break;
		}
		n++;
	}
	if (more) {   /* at the cap: is there another token? */
		struct ronda_php_tok extra;
		more = ronda_php_lex_next(&lx, &extra);
	}
	t = ronda_file_alloc(f, sizeof(*t));
	v = ronda_file_alloc(f, MAX(n, (size_t)1) * sizeof(*v));
	if (n)
		memcpy(v, buf, n * sizeof(*v));
	ronda_spare_give(RONDA_SPARE_FILE_TOKENS, buf, alloc * sizeof(*buf), SPARE_MAX);
	t->v = v;
	t->n = n;
	t->flags = flags;
	t->complete = !more;
	f->php_toks = t;
	return t;
}
