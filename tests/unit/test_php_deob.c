/*
 * test_php_deob.c — the constant-expression evaluator: every decoder, the
 * symbol table, nested layers, and bounds on hostile input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "core/buf.h"
#include "lang/php_deob.h"
#include "core/util.h"

/* ---- encoders used to build test inputs ---- */

static char *b64(const unsigned char *s, size_t n)
{
	static const char t[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = xmalloc(n * 4 / 3 + 8);
	size_t k = 0, i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		o[k++] = t[v >> 18];
		o[k++] = t[(v >> 12) & 63];
		o[k++] = t[(v >> 6) & 63];
		o[k++] = t[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)s[i] << 16;
		o[k++] = t[v >> 18];
		o[k++] = t[(v >> 12) & 63];
		o[k++] = '=';
		o[k++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		o[k++] = t[v >> 18];
		o[k++] = t[(v >> 12) & 63];
		o[k++] = t[(v >> 6) & 63];
		o[k++] = '=';
	}
	o[k] = '\0';
	return o;
}

/* wbits: -15 raw (gzdeflate), 15 zlib (gzcompress), 31 gzip (gzencode) */
static unsigned char *zip(const unsigned char *s, size_t n, int wbits, size_t *out)
{
	z_stream z;
	size_t cap = n + n / 2 + 64;
	unsigned char *o = xmalloc(cap);

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)s;
	z.avail_in = (uInt)n;
	z.next_out = o;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out = cap - z.avail_out;
	deflateEnd(&z);
	return o;
}

static char *hex(const unsigned char *s, size_t n)
{
	char *o = xmalloc(n * 2 + 1);
	ronda_hex(s, n, o);
	return o;
}

static void rot13(char *s)
{
	for (; *s; s++) {
		if (*s >= 'a' && *s <= 'z')
			*s = (char)('a' + (*s - 'a' + 13) % 26);
		else if (*s >= 'A' && *s <= 'Z')
			*s = (char)('A' + (*s - 'A' + 13) % 26);
	}
}

static void rev(char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n / 2; i++) {
		char c = s[i];
		s[i] = s[n - 1 - i];
		s[n - 1 - i] = c;
	}
}

/* URL-encode '+' and '/' (takes ownership of s) */
static char *pct(char *s)
{
	char *o = xmalloc(strlen(s) * 3 + 1), *p = o;

	for (const char *q = s; *q; q++) {
		if (*q == '+' || *q == '/')
			p += snprintf(p, 4, "%%%02X", (unsigned char)*q);
		else
			*p++ = *q;
	}
	*p = '\0';
	free(s);
	return o;
}

/* ---- helpers ---- */

static struct ronda_php_deob *run(const char *src)
{
	struct ronda_php_deob *d = ronda_php_deob_new(NULL);
	assert_int_equal(ronda_php_deob_run(d, src, strlen(src), 0), 0);
	return d;
}

static const struct ronda_php_blob *only_blob(struct ronda_php_deob *d)
{
	const struct ronda_php_blob *b;
	size_t n = ronda_php_deob_blobs(d, &b);

	assert_int_equal(n, 1);
	return b;
}

static void expect_var(struct ronda_php_deob *d, const char *name, const char *want)
{
	size_t len = 0;
	const unsigned char *v = ronda_php_deob_var(d, name, strlen(name), &len);

	if (!v)
		fail_msg("variable $%s has no constant value", name);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(v, want, len);
}

static const char shell[] = "system($_GET['c']);";

/* ---- tests ---- */

static void test_base64_eval(void **state)
{
	struct ronda_php_deob *d = run(
		"<?php eval(base64_decode('c3lzdGVtKCRfR0VUWydjJ10pOw=='));");
	const struct ronda_php_blob *b = only_blob(d);

	assert_int_equal(b->len, strlen(shell));
	assert_memory_equal(b->data, shell, b->len);
	assert_string_equal(b->chain, "base64_decode");
	assert_int_equal(b->n_steps, 1);
	assert_int_equal(b->sink, RONDA_PHP_SINK_EVAL);
	assert_true(b->code);
	assert_int_equal(b->offset, 6);
	ronda_php_deob_free(d);
}

static void test_zlib_family(void **state)
{
	static const int wbits[] = { -15, 15, 31 };
	static const char *const fn[] = { "gzinflate", "gzuncompress", "gzdecode" };

	for (int k = 0; k < 3; k++) {
		size_t zn;
		unsigned char *z = zip((const unsigned char *)shell, strlen(shell),
				       wbits[k], &zn);
		char *e = b64(z, zn), src[512], want[64];
		struct ronda_php_deob *d;
		const struct ronda_php_blob *b;

		snprintf(src, sizeof(src), "<?php $x = %s(base64_decode(\"%s\")); eval($x);",
			 fn[k], e);
		d = run(src);
		b = only_blob(d);
		assert_memory_equal(b->data, shell, strlen(shell));
		snprintf(want, sizeof(want), "base64_decode > %s", fn[k]);
		assert_string_equal(b->chain, want);
		/* the same value assigned and then eval'd is one blob */
		assert_int_equal(b->sink, RONDA_PHP_SINK_EVAL);
		ronda_php_deob_free(d);
		free(z);
		free(e);
	}
}

static void test_string_functions(void **state)
{
	struct ronda_php_deob *d = run(
		"<?php\n"
		"$a = array('bas', 'e64', '_de', 'code');\n"
		"$f = $a[0] . $a[1] . $a[2] . $a[3];\n"
		"$r = str_rot13('flfgrz');\n"
		"$v = strrev('metsys');\n"
		"$c = chr(115) . chr(0x79) . chr(115 + 0) . chr(116) . chr(101) . chr(109);\n"
		"$h = hex2bin('73797374656d');\n"
		"$p = pack('H*', '73797374656d');\n"
		"$u = urldecode('sys%74em+x');\n"
		"$w = rawurldecode('sys%74em+x');\n"
		"$s = str_replace('#', '', 's#y#s#t#e#m');\n"
		"$s2 = str_replace(array('X', 'Y'), array('s', 't'), 'XysYem');\n"
		"$t = substr('xxsystemyy', 2, 6);\n"
		"$t2 = substr('abcsystem', -6);\n"
		"$i = implode('', ['sy', 'st', 'em']);\n"
		"$j = join(array('s', 'stem'), 'y');\n"
		"$l = strtolower('SYSTEM');\n"
		"$x = 'ABC' ^ \"\\x32\\x3b\\x30\";\n"
		"$q = strtr('xyxzwv', 'xzwv', 'stem');\n"
		"$k = ['k1' => 'sys', 'k2' => 'tem'];\n"
		"$kk = $k['k1'] . $k['k2'];\n"
		"$o = 'system'{0} . 'system'[1];\n"
		"$d = \"\\163\\171\\x73\\u{74}em\";\n"
		"$uu = convert_uudecode(\"&<WES=&5M\\n`\\n\");\n");
	const struct ronda_php_blob *b;
	size_t n;

	expect_var(d, "f", "base64_decode");
	expect_var(d, "r", "system");
	expect_var(d, "v", "system");
	expect_var(d, "c", "system");
	expect_var(d, "h", "system");
	expect_var(d, "p", "system");
	expect_var(d, "u", "system x");
	expect_var(d, "w", "system+x");
	expect_var(d, "s", "system");
	expect_var(d, "s2", "system");
	expect_var(d, "t", "system");
	expect_var(d, "t2", "system");
	expect_var(d, "i", "system");
	expect_var(d, "j", "system");
	expect_var(d, "l", "system");
	expect_var(d, "x", "sys");
	expect_var(d, "q", "system");
	expect_var(d, "kk", "system");
	expect_var(d, "o", "sy");
	expect_var(d, "d", "system");
	expect_var(d, "uu", "system");
	/* decoded values are remembered with their chain; plain literals not */
	n = ronda_php_deob_blobs(d, &b);
	assert_true(n >= 4);   /* equal values are one blob */
	for (size_t k = 0; k < n; k++) {
		assert_true(b[k].n_steps >= 1);
		assert_false(b[k].code);
		for (size_t j = 0; j < k; j++)
			assert_false(b[j].len == b[k].len &&
				     !memcmp(b[j].data, b[k].data, b[k].len));
	}
	ronda_php_deob_free(d);
}

static void test_variable_variables(void **state)
{
	struct ronda_php_deob *d = run(
		"<?php $n = 'target'; $$n = 'as'; ${'tar' . 'get2'} = $target . 'sert';"
		" $GLOBALS['g'] = 1; $z = $GLOBALS['target2'];"
		" $m = 'abc'; $m .= 'def'; $arr[] = 'p'; $arr[] = 'q'; $y = $arr[1];"
		" $gone = 'x'; $gone = $_GET['a'];");
	size_t len;

	expect_var(d, "target", "as");
	expect_var(d, "target2", "assert");
	expect_var(d, "z", "assert");
	expect_var(d, "m", "abcdef");
	expect_var(d, "y", "q");
	/* reassigned from input: no longer constant */
	assert_null(ronda_php_deob_var(d, "gone", 4, &len));
	ronda_php_deob_free(d);
}

static void test_sinks(void **state)
{
	struct ronda_php_deob *d;
	const struct ronda_php_blob *b;

	/* hex escapes straight into eval */
	d = run("<?php eval(\"\\x73\\x79\\x73\\x74\\x65\\x6d\\x28\\x24\\x5f\\x47\\x45"
		"\\x54\\x5b\\x31\\x5d\\x29\\x3b\");");
	b = only_blob(d);
	assert_string_equal(b->chain, "escapes");
	assert_int_equal(b->sink, RONDA_PHP_SINK_EVAL);
	assert_memory_equal(b->data, "system($_GET[1]);", 17);
	ronda_php_deob_free(d);

	/* preg_replace with /e evaluates its replacement */
	d = run("<?php preg_replace('/.*/e', base64_decode('c3lzdGVtKCRfR0VUWydjJ10pOw=='), '');");
	b = only_blob(d);
	assert_int_equal(b->sink, RONDA_PHP_SINK_EVAL);
	assert_string_equal(b->chain, "base64_decode");
	ronda_php_deob_free(d);

	/* ... without /e it does not */
	d = run("<?php preg_replace('/.*/i', 'x' . 'y', '');");
	assert_int_equal(ronda_php_deob_blobs(d, &b), 0);
	ronda_php_deob_free(d);

	/* create_function body, concatenated */
	d = run("<?php $f = create_function('', 'sys' . 'tem($_GE' . 'T[1]);');");
	b = only_blob(d);
	assert_int_equal(b->sink, RONDA_PHP_SINK_EVAL);
	assert_string_equal(b->chain, "concat");
	ronda_php_deob_free(d);

	/* method calls named like sinks are not sinks */
	d = run("<?php $db->eval('x' . 'y'); $o::assert('a' . 'b');");
	assert_int_equal(ronda_php_deob_blobs(d, &b), 0);
	ronda_php_deob_free(d);
}

static void test_eval_at(void **state)
{
	const char *src = "<?php $p = 'sys'; call_user_func($p . 'tem', $_GET[1]);";
	struct ronda_php_deob *d = run(src);
	const struct ronda_php_tok *t;
	size_t n, k, end;
	char *out, chain[64];
	size_t out_len;

	t = ronda_php_deob_tokens(d, &n);
	for (k = 0; k < n && !ronda_php_tok_op(&t[k], "("); k++)
		;
	assert_true(k < n);
	assert_true(ronda_php_deob_eval_at(d, k + 1, &end, &out, &out_len,
					   chain, sizeof(chain)));
	assert_string_equal(out, "system");
	assert_true(ronda_php_tok_op(&t[end], ","));
	free(out);
	/* $_GET is not constant */
	assert_false(ronda_php_deob_eval_at(d, end + 1, &end, &out, &out_len, NULL, 0));
	ronda_php_deob_free(d);
}

/* Build n layers around `shell`, cycling through every encoding. */
static char *wrap_layers(unsigned layers, char *want_chain, size_t wcs)
{
	char *code = xstrdup(shell);
	char chain[1024] = "";

	for (unsigned k = 0; k < layers; k++) {
		struct ronda_buf b = RONDA_BUF_INIT(1 << 24);
		char *e, *tmp, step[128];
		unsigned char *z;
		size_t zn;

		switch (k % 6) {
		case 0:
			z = zip((unsigned char *)code, strlen(code), -15, &zn);
			e = b64(z, zn);
			ronda_buf_addf(&b, "eval(gzinflate(base64_decode('%s')));", e);
			snprintf(step, sizeof(step), "base64_decode > gzinflate");
			free(z);
			break;
		case 1:
			e = b64((unsigned char *)code, strlen(code));
			rot13(e);
			ronda_buf_addf(&b, "$a = str_rot13('%s'); eval(base64_decode($a));", e);
			snprintf(step, sizeof(step), "str_rot13 > base64_decode");
			break;
		case 2:
			e = b64((unsigned char *)code, strlen(code));
			rev(e);
			ronda_buf_addf(&b, "$f = 'base'.'64_'.'decode';\neval(base64_decode(strrev(\"%s\")));", e);
			snprintf(step, sizeof(step), "strrev > base64_decode");
			break;
		case 3:
			e = hex((unsigned char *)code, strlen(code));
			ronda_buf_addf(&b, "eval(hex2bin('%s'));", e);
			snprintf(step, sizeof(step), "hex2bin");
			break;
		case 4:
			z = zip((unsigned char *)code, strlen(code), 15, &zn);
			e = b64(z, zn);
			ronda_buf_addf(&b, "$p = array('%.*s', '%s');\neval(gzuncompress(base64_decode($p[0] . $p[1])));",
				       (int)(strlen(e) / 2), e, e + strlen(e) / 2);
			snprintf(step, sizeof(step), "base64_decode > gzuncompress");
			free(z);
			break;
		default:
			z = zip((unsigned char *)code, strlen(code), 31, &zn);
			e = pct(b64(z, zn));
			ronda_buf_addf(&b, "?><?php eval(gzdecode(base64_decode(urldecode('%s'))));", e);
			snprintf(step, sizeof(step), "urldecode > base64_decode > gzdecode");
			free(z);
			break;
		}
		free(e);
		tmp = ronda_buf_detach(&b, NULL);
		free(code);
		code = tmp;
		/* the outermost layer is peeled first */
		{
			char nc[2048];
			snprintf(nc, sizeof(nc), "%s%s%s", step, chain[0] ? " > " : "", chain);
			snprintf(chain, sizeof(chain), "%.1000s", nc);
		}
	}
	snprintf(want_chain, wcs, "%s", chain);
	{
		size_t n = strlen(code) + 8;
		char *f = xmalloc(n);
		snprintf(f, n, "<?php %s", code);
		free(code);
		return f;
	}
}

static void test_nested_layers(void **state)
{
	for (unsigned layers = 1; layers <= 10; layers++) {
		char want[1024], chain[1024];
		char *src = wrap_layers(layers, want, sizeof(want));
		size_t n = 0;
		unsigned got = 0;
		unsigned char *inner = ronda_php_deob_peel(src, strlen(src), 16, &n,
							   &got, chain, sizeof(chain));

		if (!inner || got != layers)
			fail_msg("%u layers: peeled %u (%s)", layers, got, chain);
		assert_int_equal(n, strlen(shell));
		assert_memory_equal(inner, shell, n);
		assert_string_equal(chain, want);
		free(inner);
		/* a peel limit is respected */
		if (layers > 3) {
			inner = ronda_php_deob_peel(src, strlen(src), 3, &n, &got,
						    chain, sizeof(chain));
			assert_int_equal(got, 3);
			free(inner);
		}
		free(src);
	}
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"<?php eval(base64_decode('",
		"<?php eval(gzinflate(base64_decode('bm90IGRlZmxhdGU=')));",
		"<?php eval(hex2bin('abc'));",
		"<?php eval(hex2bin('zz'));",
		"<?php $a = ; eval($a);",
		"<?php eval(base64_decode($_POST['x']));",
		"<?php eval(str_rot13(",
		"<?php $$$$$$$$$$$$$$$ = 'x';",
		"<?php ${ = 'x'; $a[",
		"<?php eval(pack('N', 1));",
		"<?php $a = -'abc'; $b = - - 'x' . 1; eval(-$a);",
		"<?php eval(substr('abc', 99, -99) . chr(-1) . chr('x'));",
		"<?php $a = array(1 => 'x', 'k' =>",
		"<?php eval(\"unterminated $x",
		"<?php $x = <<<EOT\nbody",
		"<?php eval(base64_decode('////'));",
		"\xff\xfe<?php \x00\x01 eval(\x80\x81);",
	};

	for (size_t k = 0; k < ARRAY_SIZE(bad); k++) {
		struct ronda_php_deob *d = ronda_php_deob_new(NULL);
		const struct ronda_php_blob *b;
		size_t n;

		assert_int_equal(ronda_php_deob_run(d, bad[k], strlen(bad[k]) + (k == 15 ? 0 : 0), 0), 0);
		n = ronda_php_deob_blobs(d, &b);
		for (size_t j = 0; j < n; j++)
			assert_false(b[j].code);
		ronda_php_deob_free(d);
	}
}

static void test_bounds(void **state)
{
	struct ronda_php_deob_limits lim = ronda_php_deob_default_limits;
	struct ronda_php_deob *d;
	const struct ronda_php_blob *b;
	struct ronda_buf src = RONDA_BUF_INIT(64 << 20);
	unsigned char *zeros, *z;
	size_t zn;
	char *e;

	/* a deflate bomb (8 MiB of zeros) against a 1 MiB value cap */
	zeros = xcalloc(8 << 20, 1);
	z = zip(zeros, 8 << 20, -15, &zn);
	e = b64(z, zn);
	ronda_buf_addf(&src, "<?php eval(gzinflate(base64_decode('%s')));", e);
	lim.max_value = 1 << 20;
	d = ronda_php_deob_new(&lim);
	ronda_php_deob_run(d, src.buf, src.len, 0);
	for (size_t k = 0; k < ronda_php_deob_blobs(d, &b); k++)
		assert_null(strstr(b[k].chain, "gzinflate"));
	assert_true(ronda_php_deob_truncated(d));
	ronda_php_deob_free(d);
	free(zeros);
	free(z);
	free(e);

	/* 100000 nested parentheses: depth-capped, no stack overflow */
	ronda_buf_reset(&src);
	ronda_buf_addstr(&src, "<?php eval(");
	for (int k = 0; k < 100000; k++)
		ronda_buf_addstr(&src, "strrev(");
	ronda_buf_addstr(&src, "'x'");
	d = ronda_php_deob_new(NULL);
	ronda_php_deob_run(d, src.buf, src.len, 0);
	assert_true(ronda_php_deob_truncated(d));
	ronda_php_deob_free(d);

	/* 200000 concatenated pieces: linear, one value */
	ronda_buf_reset(&src);
	ronda_buf_addstr(&src, "<?php $a = 'x'");
	for (int k = 0; k < 200000; k++)
		ronda_buf_addstr(&src, ".'y'");
	ronda_buf_addstr(&src, "; eval($a . base64_decode('Ow=='));");
	{
		uint64_t t0 = ronda_now_ns();
		size_t len;

		d = ronda_php_deob_new(NULL);
		ronda_php_deob_run(d, src.buf, src.len, 0);
		assert_non_null(ronda_php_deob_var(d, "a", 1, &len));
		assert_int_equal(len, 200001);
		assert_true(ronda_now_ns() - t0 < 3000000000ull);
		ronda_php_deob_free(d);
	}

	/* doubling a variable over and over stops at the caps */
	ronda_buf_reset(&src);
	ronda_buf_addstr(&src, "<?php $a = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';");
	for (int k = 0; k < 200; k++)
		ronda_buf_addstr(&src, "$a = $a . $a . $a;");
	d = ronda_php_deob_new(NULL);
	ronda_php_deob_run(d, src.buf, src.len, 0);
	assert_true(ronda_php_deob_truncated(d));
	ronda_php_deob_free(d);
	ronda_buf_release(&src);
}

/* Precedence climbing and literal bodies read in place: operators mixed
 * at every level give PHP's values; a literal kept in a variable, an
 * array key or value, appended to (.=), xor'd, used as a variable name or
 * handed out by eval_at is the literal's bytes, and writing to a copy
 * never changes the source or another copy. */
static void test_operators_and_literals(void **state)
{
	static const char src[] =
		"<?php\n"
		"$m = 2 + 3 * 4 - 10 % 4;\n"              /* 12 */
		"$c = 'a' . 1 + 2 . 'b' . 2 * 3;\n"       /* a3b6 */
		"$x = 'AB' ^ '  ' . '';\n"               /* ab */
		"$i = 5 ^ 3 . '';\n"                      /* 5 ^ '3' (str) */
		"$k = 'key';\n"
		"$t = array($k => 'val', 'q' => 'r', 'p');\n"
		"$u = $t['key'] . $t[0];\n"              /* valp */
		"$s = 'lit';\n"
		"$s .= 'er';\n"                           /* liter */
		"$n = 'lit';\n"                           /* the literal untouched */
		"$vn = 'hid';\n"
		"$$vn = 'den';\n"                         /* $hid */
		"$r = $t['q'] ^ 'x';\n"                   /* 'r' ^ 'x' */
		"$z = -2 * -3 + +4 - @1;\n"               /* 9 */
		"$w = (string)7 . ('(' . ')');\n"         /* 7() */
		"$bad = 'a' . foo() . 'b';\n"            /* not constant */
		"$g = 'x' . $GLOBALS['k'];\n";           /* xkey */
	struct ronda_php_deob *d = run(src);
	const struct ronda_php_tok *t;
	size_t n, len, end;
	char *out;
	char chain[64];

	expect_var(d, "c", "a3b6");
	expect_var(d, "x", "ab");
	expect_var(d, "u", "valp");
	expect_var(d, "s", "liter");
	expect_var(d, "n", "lit");
	expect_var(d, "hid", "den");
	expect_var(d, "r", "\x0a");
	expect_var(d, "w", "7()");
	expect_var(d, "g", "xkey");
	assert_null(ronda_php_deob_var(d, "bad", 3, &len));
	assert_null(ronda_php_deob_var(d, "m", 1, &len));   /* an int */
	/* eval_at hands out its own NUL-terminated copy of a literal */
	t = ronda_php_deob_tokens(d, &n);
	for (size_t i = 0; i < n; i++) {
		if (t[i].type != RONDA_PHP_VARIABLE || !ronda_php_tok_is((const unsigned char *)src, &t[i], "m"))
			continue;
		assert_true(ronda_php_deob_eval_at(d, i, &end, &out, &len, chain, sizeof(chain)));
		assert_string_equal(out, "12");
		free(out);
		break;
	}
	for (size_t i = 0; i < n; i++) {
		if (t[i].type != RONDA_PHP_VARIABLE || !ronda_php_tok_is((const unsigned char *)src, &t[i], "z"))
			continue;
		assert_true(ronda_php_deob_eval_at(d, i, &end, &out, &len, chain, sizeof(chain)));
		assert_string_equal(out, "9");
		free(out);
		assert_true(ronda_php_deob_eval_at(d, i + 3, &end, &out, &len, NULL, 0));
		assert_string_equal(out, "-3");   /* 2 * -3 + +4 - @1 */
		free(out);
		break;
	}
	for (size_t i = 0; i + 2 < n; i++) {
		if (t[i].type != RONDA_PHP_VARIABLE || !ronda_php_tok_is((const unsigned char *)src, &t[i], "n"))
			continue;
		assert_true(ronda_php_deob_eval_at(d, i + 2, &end, &out, &len, NULL, 0));
		assert_int_equal(len, 3);
		assert_string_equal(out, "lit");
		out[0] = 'X';   /* the copy is the caller's */
		free(out);
		break;
	}
	expect_var(d, "n", "lit");
	expect_var(d, "s", "liter");
	assert_memory_equal(strstr(src, "'lit'"), "'lit'", 5);
	ronda_php_deob_free(d);

	/* a decoded value picked from a table of literals is kept as a blob
	 * of its own bytes */
	d = run("<?php $t = array('x' => 'a', 'y' => base64_decode('YmM=')); "
		"$v = $t['x'] . $t['y']; eval($t['y'] . $t['x']);");
	expect_var(d, "v", "abc");
	{
		const struct ronda_php_blob *b;
		size_t nb = ronda_php_deob_blobs(d, &b);
		bool seen = false;

		for (size_t k = 0; k < nb; k++)
			if (b[k].len == 3 && !memcmp(b[k].data, "bca", 4))
				seen = b[k].sink == RONDA_PHP_SINK_EVAL;
		assert_true(seen);
	}
	ronda_php_deob_free(d);

	/* '-' '+' before an unknown variable on the right of '-' inside a
	 * concatenation inside a call: once a free() of an uninitialised
	 * value (found by random programs under ASan) */
	d = run("<?php $a = strtoupper(('0' . PHP_EOL - +$c . (7 * 12)), ($x)) + 'x';\n"
		"$b = '1' . 2 - -$q . 3;");
	assert_null(ronda_php_deob_var(d, "a", 1, &len));
	ronda_php_deob_free(d);
}

/* The evaluator's shortcuts (a lone literal, an array literal, a "..."
 * literal taken as its body, chains kept out of line) give what the full
 * descent gives; a chain longer than RONDA_PHP_CHAIN_MAX is cut exactly
 * where the snprintf-built chain was. */
static void test_shortcuts(void **state)
{
	static const char src[] =
		"<?php\n"
		"$q = \"double\";\n"
		"$e = \"tab\\there\";\n"
		"$p = \"cost $5\";\n"                     /* '$' not a variable */
		"$t = [[1, 2], array('a' => [3]), \"k\" => \"v\"];\n"
		"$v = $t[1]['a'][0] . $t[0][1] . $t['k'];\n"   /* 32v */
		"$w = [1, 2][1] . 'x';\n"                 /* an operator after it */
		"$y = array('p', 'q')[0] . [7][0] * 2;\n";  /* p14 */
	struct ronda_php_deob *d = run(src);
	char want[RONDA_PHP_CHAIN_MAX] = "", *code;
	const struct ronda_php_blob *b;
	size_t n;

	expect_var(d, "q", "double");
	expect_var(d, "e", "tab\there");
	expect_var(d, "p", "cost $5");
	expect_var(d, "v", "32v");
	expect_var(d, "w", "2x");
	expect_var(d, "y", "p14");
	ronda_php_deob_free(d);

	/* 16 steps of ~15 bytes: past the chain's room */
	code = xmalloc(1024);
	n = (size_t)snprintf(code, 1024, "<?php\n$x = ");
	for (int k = 0; k < 16; k++)
		n += (size_t)snprintf(code + n, 1024 - n, "%s(", k % 2 ? "strrev" : "str_rot13");
	n += (size_t)snprintf(code + n, 1024 - n, "'abc'");
	for (int k = 0; k < 16; k++)
		n += (size_t)snprintf(code + n, 1024 - n, ")");
	snprintf(code + n, 1024 - n, ";\n");
	for (int k = 15; k >= 0; k--) {   /* innermost first */
		size_t m = strlen(want);

		if (m && m + 3 < sizeof(want))
			m += (size_t)snprintf(want + m, sizeof(want) - m, " > ");
		if (m < sizeof(want))
			snprintf(want + m, sizeof(want) - m, "%s", k % 2 ? "strrev" : "str_rot13");
	}
	assert_int_equal(strlen(want), RONDA_PHP_CHAIN_MAX - 1);
	d = run(code);
	b = only_blob(d);
	assert_int_equal(b->len, 3);
	assert_memory_equal(b->data, "abc", 3);
	assert_int_equal(b->n_steps, 16);
	assert_string_equal(b->chain, want);
	ronda_php_deob_free(d);
	free(code);
	(void)state;
}

static void test_looks_like_code(void **state)
{
	assert_true(ronda_php_looks_like_code((const unsigned char *)shell, strlen(shell)));
	assert_true(ronda_php_looks_like_code((const unsigned char *)"<?php echo 1", 12));
	assert_false(ronda_php_looks_like_code((const unsigned char *)"hello world", 11));
	assert_false(ronda_php_looks_like_code((const unsigned char *)"\x89PNG\r\n\x1a\n\0\0\0;", 12));
	assert_false(ronda_php_looks_like_code((const unsigned char *)"{\"a\": \"$b(x);\"}", 15));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_eval),
		cmocka_unit_test(test_zlib_family),
		cmocka_unit_test(test_string_functions),
		cmocka_unit_test(test_variable_variables),
		cmocka_unit_test(test_sinks),
		cmocka_unit_test(test_eval_at),
		cmocka_unit_test(test_nested_layers),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_operators_and_literals),
		cmocka_unit_test(test_looks_like_code),
		cmocka_unit_test(test_shortcuts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
