/*
 * test_php_toks.c — the deobfuscator run from tokens lexed elsewhere (the
 * list cloak and webshell share) gives exactly what a run that lexes the
 * source itself gives: same tokens, blobs, truncation, also past the
 * token cap (first half and the ring of the latest tokens).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <cmocka.h>

#include "lang/php_deob.h"
#include "lang/php_lex.h"
#include "core/util.h"

static struct ronda_php_tok *lex_all(const char *src, size_t len, unsigned flags,
				     size_t *n)
{
	struct ronda_php_lexer lx;
	struct ronda_php_tok *v = NULL;
	size_t alloc = 0;

	*n = 0;
	ronda_php_lex_init(&lx, src, len, flags);
	for (;;) {
		v = xgrow(v, &alloc, *n + 1, sizeof(*v));
		if (!ronda_php_lex_next(&lx, &v[*n]))
			break;
		(*n)++;
	}
	return v;
}

static void same_run(const char *src, size_t len, unsigned flags, size_t max_tokens)
{
	struct ronda_php_deob_limits lim = ronda_php_deob_default_limits;
	struct ronda_php_deob *a, *b;
	const struct ronda_php_tok *ta, *tb;
	const struct ronda_php_blob *ba, *bb;
	size_t na, nb, n_all, ka, kb;
	struct ronda_php_tok *all = lex_all(src, len, flags, &n_all);

	lim.max_tokens = max_tokens;
	a = ronda_php_deob_new(&lim);
	b = ronda_php_deob_new(&lim);
	assert_int_equal(ronda_php_deob_run(a, src, len, flags), 0);
	assert_int_equal(ronda_php_deob_run_toks(b, src, len, all, n_all), 0);
	ta = ronda_php_deob_tokens(a, &na);
	tb = ronda_php_deob_tokens(b, &nb);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(ta[i].off, tb[i].off);
		assert_int_equal(ta[i].len, tb[i].len);
		assert_int_equal(ta[i].type, tb[i].type);
		assert_int_equal(ta[i].flags, tb[i].flags);
		assert_memory_equal(ta[i].op, tb[i].op, sizeof(ta[i].op));
	}
	assert_int_equal(ronda_php_deob_truncated(a), ronda_php_deob_truncated(b));
	ka = ronda_php_deob_blobs(a, &ba);
	kb = ronda_php_deob_blobs(b, &bb);
	assert_int_equal(ka, kb);
	for (size_t i = 0; i < ka; i++) {
		assert_int_equal(ba[i].len, bb[i].len);
		assert_memory_equal(ba[i].data, bb[i].data, ba[i].len);
		assert_string_equal(ba[i].chain, bb[i].chain);
		assert_int_equal(ba[i].offset, bb[i].offset);
		assert_int_equal(ba[i].sink, bb[i].sink);
	}
	ronda_php_deob_free(a);
	ronda_php_deob_free(b);
	free(all);
}

static void test_small_inputs(void **state)
{
	static const char *const srcs[] = {
		"<?php $a = base64_decode('ZWNobyAxOw=='); eval($a);",
		"<html><?php echo 1; ?> text <?= $x ?> more <? $y = 'a' . 'b'; ",
		"<?php $s = <<<EOT\nhello $name\nEOT;\n$t = 'unterminated",
		"<?php /* comment */ $f = str_rot13('flfgrz'); $f($_GET['c']); # x\n?>tail",
		"no php at all",
		"",
		"<?php",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		same_run(srcs[i], strlen(srcs[i]), 0, 1u << 19);
		same_run(srcs[i], strlen(srcs[i]), RONDA_PHP_LEX_CODE, 1u << 19);
	}
}

/* Past the cap: 1000 padding statements, a shell at the end, caps of 1,
 * 2, 7, 64 and 5000 tokens. */
static void test_ring(void **state)
{
	struct ronda_buf_s { char *p; size_t n, alloc; } b = { NULL, 0, 0 };
	static const size_t caps[] = { 1, 2, 7, 64, 5000 };
	const char *tail = "$k = 'ev' . 'al'; $p = base64_decode('c3lzdGVtKCRfR0VUWzFdKTs='); eval($p);";
	char line[64];

	(void)state;
	b.p = xmalloc(64);
	b.alloc = 64;
	memcpy(b.p, "<?php\n", 6);
	b.n = 6;
	for (int i = 0; i < 1000; i++) {
		int l = snprintf(line, sizeof(line), "$v%d = %d;\n", i, i);
		b.p = xgrow(b.p, &b.alloc, b.n + (size_t)l + 1, 1);
		memcpy(b.p + b.n, line, (size_t)l);
		b.n += (size_t)l;
	}
	b.p = xgrow(b.p, &b.alloc, b.n + strlen(tail) + 1, 1);
	memcpy(b.p + b.n, tail, strlen(tail));
	b.n += strlen(tail);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		same_run(b.p, b.n, 0, caps[i]);
	free(b.p);
}

/* Every PHP fixture of the webshell tests. */
static void test_fixtures(void **state)
{
	char dir[4096], path[8192];
	DIR *d;
	struct dirent *e;
	unsigned seen = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/fixtures/webshell", RONDA_SOURCE_DIR);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		FILE *fp;
		char *buf;
		long n;
		size_t l = strlen(e->d_name);

		if (l < 5 || strcmp(e->d_name + l - 4, ".php"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fp = fopen(path, "rb");
		assert_non_null(fp);
		fseek(fp, 0, SEEK_END);
		n = ftell(fp);
		rewind(fp);
		buf = xmalloc((size_t)n + 1);
		assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
		fclose(fp);
		same_run(buf, (size_t)n, 0, 1u << 19);
		same_run(buf, (size_t)n, 0, 32);
		free(buf);
		seen++;
	}
	closedir(d);
	assert_true(seen >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_inputs),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_fixtures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
