/*
 * test_util.c — the bounded buffer, strict number parsing, UTF-8
 * validation, escaping and content classification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/classify.h"
#include "core/error.h"
#include "core/util.h"

static void test_buf_cap(void **unused)
{
	struct ronda_buf b = RONDA_BUF_INIT(8);

	(void)unused;
	assert_string_equal(b.buf, "");
	assert_int_equal(ronda_buf_addstr(&b, "12345678"), RONDA_OK);
	assert_int_equal(ronda_buf_addch(&b, 'x'), RONDA_ETOOBIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.buf, "12345678");   /* unchanged after failure */
	assert_int_equal(ronda_buf_addf(&b, "%d", 1), RONDA_ETOOBIG);
	ronda_buf_reset(&b);
	assert_int_equal(ronda_buf_addf(&b, "%s-%d", "ab", 42), RONDA_OK);
	assert_string_equal(b.buf, "ab-42");
	ronda_buf_release(&b);
	assert_string_equal(b.buf, "");
	assert_int_equal(b.max, 8);
}

static void test_buf_default_and_detach(void **unused)
{
	struct ronda_buf b = RONDA_BUF_INIT(0);   /* 0 = default cap */
	size_t len;
	char *s;

	(void)unused;
	for (int i = 0; i < 10000; i++)
		assert_int_equal(ronda_buf_addstr(&b, "abc"), RONDA_OK);
	assert_int_equal(b.len, 30000);
	s = ronda_buf_detach(&b, &len);
	assert_int_equal(len, 30000);
	assert_int_equal(strlen(s), 30000);
	assert_string_equal(b.buf, "");
	free(s);
	s = ronda_buf_detach(&b, &len);           /* detaching empty is valid */
	assert_string_equal(s, "");
	free(s);
}

static void test_escape(void **unused)
{
	struct ronda_buf b = RONDA_BUF_INIT(64);

	(void)unused;
	ronda_buf_add_escaped(&b, "a\\b\nc\t\xff\x01", 8);
	assert_string_equal(b.buf, "a\\\\b\\nc\\t\\xff\\x01");
	ronda_buf_release(&b);
}

static void test_parse(void **unused)
{
	uint64_t v;
	unsigned long long u;

	(void)unused;
	assert_int_equal(ronda_parse_size("32M", &v, true), RONDA_OK);
	assert_true(v == 32u << 20);
	assert_int_equal(ronda_parse_size("1KiB", &v, true), RONDA_OK);
	assert_true(v == 1024);
	assert_int_equal(ronda_parse_size("12Q", &v, true), RONDA_EINVAL);
	assert_int_equal(ronda_parse_size("-1", &v, true), RONDA_EINVAL);
	assert_int_equal(ronda_parse_size("99999999999999999999", &v, false), RONDA_EINVAL);
	assert_int_equal(ronda_parse_size("17179869184G", &v, true), RONDA_EINVAL);
	assert_int_equal(ronda_parse_size("5M", &v, false), RONDA_EINVAL);
	assert_int_equal(ronda_parse_uint("7", 1, 8, &u), RONDA_OK);
	assert_int_equal(ronda_parse_uint("9", 1, 8, &u), RONDA_EINVAL);
	assert_int_equal(ronda_parse_uint(" 7", 1, 8, &u), RONDA_EINVAL);
	assert_int_equal(ronda_parse_uint("7x", 1, 8, &u), RONDA_EINVAL);
	assert_int_equal(ronda_parse_duration("30d", &v), RONDA_OK);
	assert_true(v == 30 * 86400);
	assert_int_equal(ronda_parse_duration("12h", &v), RONDA_OK);
	assert_true(v == 12 * 3600);
	assert_int_equal(ronda_parse_duration("12hh", &v), RONDA_EINVAL);
	assert_int_equal(ronda_parse_duration("d", &v), RONDA_EINVAL);
}

static void test_b64_value(void **unused)
{
	(void)unused;
	assert_int_equal(ronda_b64_value('A'), 0);
	assert_int_equal(ronda_b64_value('z'), 51);
	assert_int_equal(ronda_b64_value('9'), 61);
	assert_int_equal(ronda_b64_value('+'), 62);
	assert_int_equal(ronda_b64_value('-'), 62);
	assert_int_equal(ronda_b64_value('/'), 63);
	assert_int_equal(ronda_b64_value('_'), 63);
	assert_int_equal(ronda_b64_value('='), -1);
	assert_int_equal(ronda_b64_value(0xC3), -1);
}

static void test_utf8(void **unused)
{
	(void)unused;
	assert_true(ronda_utf8_valid((const unsigned char *)"Kab. Bantul \xe2\x80\x94 ok", 18));
	assert_false(ronda_utf8_valid((const unsigned char *)"\xff", 1));
	assert_false(ronda_utf8_valid((const unsigned char *)"\xc0\xaf", 2));      /* overlong */
	assert_false(ronda_utf8_valid((const unsigned char *)"\xed\xa0\x80", 3));  /* surrogate */
	assert_false(ronda_utf8_valid((const unsigned char *)"\xe2\x80", 2));      /* truncated */
	assert_true(ronda_utf8_valid((const unsigned char *)"\xf0\x9d\x90\x80", 4)); /* math bold A */
	/* the eight-bytes-at-a-time ASCII path: a bad byte at every position
	 * of a long ASCII run, and a valid sequence right after one */
	{
		unsigned char b[64];

		for (size_t at = 0; at < sizeof(b); at++) {
			memset(b, 'a', sizeof(b));
			b[at] = 0xff;
			assert_false(ronda_utf8_valid(b, sizeof(b)));
			assert_true(ronda_utf8_valid(b, at));
			if (at + 2 <= sizeof(b)) {
				b[at] = 0xc3;
				b[at + 1] = 0xa9;   /* e acute */
				assert_true(ronda_utf8_valid(b, sizeof(b)));
				assert_false(ronda_utf8_valid(b, at + 1));
			}
		}
	}
}

static void classify(const char *rel, const char *data, size_t len, struct ronda_class *c)
{
	char ext[16];
	const char *name = strrchr(rel, '/');
	name = name ? name + 1 : rel;
	ronda_file_ext(name, ext, sizeof(ext));
	ronda_classify(rel, name, ext, (const unsigned char *)data, len, c);
}

static void test_classify(void **unused)
{
	struct ronda_class c;
	static const char gif_php[] = "GIF89a\x01\x00\x01\x00<?php system($_GET['c']); ?>";

	(void)unused;
	classify("wp-content/uploads/a.jpg", gif_php, sizeof(gif_php) - 1, &c);
	assert_int_equal(c.type, RONDA_FT_PHP);                 /* content first */
	assert_true(c.flags & RONDA_CF_IMAGE_MAGIC);
	assert_true(c.flags & RONDA_CF_EXT_IMAGE);
	assert_true(c.flags & RONDA_CF_IN_UPLOADS);
	assert_int_equal(c.php_offset, 10);

	classify("index.html", "<!DOCTYPE html><html><body>x</body></html>", 42, &c);
	assert_int_equal(c.type, RONDA_FT_HTML);
	classify("a.txt", "<? echo 1;", 10, &c);
	assert_int_equal(c.type, RONDA_FT_PHP);                 /* short tag in text */
	classify("a.bin", "\x00\x01<? x", 6, &c);
	assert_int_equal(c.type, RONDA_FT_BINARY);              /* not in binary */
	classify("sitemap.xml", "<?xml version=\"1.0\"?><urlset/>", 29, &c);
	assert_int_equal(c.type, RONDA_FT_XML);
	classify(".htaccess", "RewriteEngine On\n", 17, &c);
	assert_int_equal(c.type, RONDA_FT_SERVERCONF);
	classify("x.zip", "PK\x03\x04rest", 8, &c);
	assert_int_equal(c.type, RONDA_FT_ARCHIVE);
	classify("empty.php", "", 0, &c);
	assert_int_equal(c.type, RONDA_FT_EMPTY);
	classify(".git/config", "[core]\n", 7, &c);
	assert_true(c.flags & RONDA_CF_HIDDEN_PATH);

	/* minified: more than 1000 bytes per line in the first 64 KiB, at the
	 * exact boundary (the count stops early past it) */
	size_t big = 65536;
	char *m = xmalloc(big + 1);

	memset(m, 'x', big);
	m[big] = '\0';
	for (size_t i = 0; i < 64; i++)
		m[500 + i * 1000] = '\n';                  /* 65 lines: 1008 per line */
	classify("a.js", m, big, &c);
	assert_true(c.flags & RONDA_CF_MINIFIED);
	m[99] = '\n';                                   /* 66 lines: 992 per line */
	classify("a.js", m, big, &c);
	assert_false(c.flags & RONDA_CF_MINIFIED);
	memset(m, 'x', 3000);
	m[1500] = '\n';                                 /* 2 lines of 3000 bytes */
	classify("a.js", m, 3000, &c);
	assert_true(c.flags & RONDA_CF_MINIFIED);
	m[10] = '\n';                                   /* 3 lines: exactly 1000 */
	classify("a.js", m, 3000, &c);
	assert_false(c.flags & RONDA_CF_MINIFIED);

	/* HTML marks after many '<' of code, in either case */
	memset(m, ' ', 4000);
	for (size_t i = 0; i < 3000; i += 3)
		memcpy(m + i, "a<b", 3);
	memcpy(m + 3500, "<DiV>", 5);
	classify("a.txt", m, 4000, &c);
	assert_true(c.flags & RONDA_CF_HTML);
	memcpy(m + 3500, "<<<<>", 5);
	classify("a.txt", m, 4000, &c);
	assert_false(c.flags & RONDA_CF_HTML);
	free(m);
}

static void test_ext(void **unused)
{
	char ext[16];

	(void)unused;
	ronda_file_ext("shell.PhP5", ext, sizeof(ext));
	assert_string_equal(ext, "php5");
	ronda_file_ext(".htaccess", ext, sizeof(ext));
	assert_string_equal(ext, "");
	ronda_file_ext("noext", ext, sizeof(ext));
	assert_string_equal(ext, "");
	ronda_file_ext("a.verylongextensionthatisnotreal", ext, sizeof(ext));
	assert_string_equal(ext, "");
}

static void test_strerror(void **unused)
{
	(void)unused;
	for (int e = 0; e < RONDA_ERR__COUNT; e++)
		assert_true(strlen(ronda_strerror((ronda_err)e)) > 0);
	assert_string_equal(ronda_strerror((ronda_err)9999), "unknown error");
	assert_int_equal(ronda_err_from_errno(ENOSPC), RONDA_ENOSPC);
	assert_int_equal(ronda_err_from_errno(EACCES), RONDA_EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_default_and_detach),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_b64_value),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_ext),
		cmocka_unit_test(test_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
