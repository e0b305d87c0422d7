/*
 * fuzz_php_deob.c — libFuzzer target for the PHP deobfuscator: any input,
 * with small limits so the caps themselves are exercised; every blob must
 * respect the value cap, and peeling must terminate.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lang/php_deob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ronda_php_deob_limits lim = ronda_php_deob_default_limits;
	struct ronda_php_deob *d;
	const struct ronda_php_blob *b;
	size_t n, out_len;
	unsigned layers;
	char chain[256];
	unsigned char *inner;

	lim.max_value = 1 << 16;
	lim.max_total = 1 << 18;
	lim.max_steps = 1 << 16;
	lim.max_vars = 16;
	lim.max_blobs = 4;
	d = ronda_php_deob_new(&lim);
	for (unsigned mode = 0; mode < 2; mode++) {
		ronda_php_deob_run(d, data, size, mode ? RONDA_PHP_LEX_CODE : 0);
		n = ronda_php_deob_blobs(d, &b);
		if (n > lim.max_blobs)
			abort();
		for (size_t k = 0; k < n; k++)
			if (b[k].len > lim.max_value || b[k].offset > size)
				abort();
	}
	ronda_php_deob_free(d);
	inner = ronda_php_deob_peel(data, size, 4, &out_len, &layers, chain,
				    sizeof(chain));
	if (inner && layers == 0)
		abort();
	free(inner);
	return 0;
}
