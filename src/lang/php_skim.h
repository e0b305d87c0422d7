/*
 * php_skim.h — the bare code of a small PHP file.
 *
 * A skim keeps what PHP would execute and drops what it would not:
 * comments, whitespace outside strings, open and close tags.  Inline text
 * outside the tags is not kept; its non-blank bytes are counted.  It is
 * not a tokenizer (heredocs are copied as is): it is meant for questions
 * like "is this file nothing but phpinfo()?" or "is this index.php only a
 * 'silence is golden' comment?", on files capped in size by the caller.
 */
#ifndef RONDA_LANG_PHP_SKIM_H
#define RONDA_LANG_PHP_SKIM_H

#include <stdbool.h>
#include <stddef.h>

struct ronda_php_skim {
	size_t code_len;        /* bytes written to the caller's buffer */
	size_t n_inline;        /* non-blank bytes outside PHP tags */
	bool truncated;         /* the code did not fit */
};

/* Skim data[0..len) into out (size > 0, always NUL-terminated). */
void ronda_php_skim(const unsigned char *data, size_t len, char *out,
		    size_t size, struct ronda_php_skim *res);

#endif
