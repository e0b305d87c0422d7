/*
 * fuzz_php_lex.c — libFuzzer target for the PHP tokenizer and its string
 * decoder: every token must lie inside the input, offsets must grow, and
 * decoding any string token must stay within its cap.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/buf.h"
#include "lang/php_lex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ronda_php_lexer lx;
	struct ronda_php_tok t;
	size_t last = 0, count = 0;

	for (unsigned mode = 0; mode < 2; mode++) {
		ronda_php_lex_init(&lx, data, size, mode ? RONDA_PHP_LEX_CODE : 0);
		last = 0;
		while (ronda_php_lex_next(&lx, &t)) {
			if (t.off < last || t.len == 0 || t.off + t.len > size)
				abort();
			last = t.off + t.len;
			if (++count > 2 * size + 2)
				abort();
			if (t.type == RONDA_PHP_STRING || t.type == RONDA_PHP_DQSTRING ||
			    t.type == RONDA_PHP_BACKTICK) {
				struct ronda_buf b = RONDA_BUF_INIT(1 << 16);
				unsigned interp = 0, esc = 0;

				ronda_php_str_decode(data, &t, &b, &interp, &esc);
				if (b.len > (1 << 16))
					abort();
				ronda_buf_release(&b);
			}
		}
	}
	return 0;
}
