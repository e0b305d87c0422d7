/*
 * test_html.c — ronda_memcasemem(): the SSE2 and memchr-driven search
 * against a byte-by-byte reference on edge cases and generated inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "text/html.h"

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* First case-insensitive (ASCII) occurrence, or n. */
static size_t reference(const unsigned char *s, size_t n, const char *needle)
{
	size_t nl = strlen(needle);

	if (!nl || nl > n)
		return n;
	for (size_t i = 0; i + nl <= n; i++) {
		size_t j = 0;
		while (j < nl && lower(s[i + j]) == lower((unsigned char)needle[j]))
			j++;
		if (j == nl)
			return i;
	}
	return n;
}

static void test_edges(void **unused)
{
	(void)unused;
	assert_int_equal(ronda_memcasemem("Hello", 5, "hello"), 0);
	assert_int_equal(ronda_memcasemem("xxHELLO", 7, "hello"), 2);
	assert_int_equal(ronda_memcasemem("xxhellO", 7, "HeLLo"), 2);
	assert_int_equal(ronda_memcasemem("hell", 4, "hello"), 4);      /* too short */
	assert_int_equal(ronda_memcasemem("abc", 3, ""), 3);            /* empty needle */
	assert_int_equal(ronda_memcasemem("", 0, "a"), 0);
	assert_int_equal(ronda_memcasemem("hHhHello", 8, "hello"), 3);  /* both cases */
	assert_int_equal(ronda_memcasemem("a#000", 5, "#000"), 1);      /* non-letter */
	assert_int_equal(ronda_memcasemem("abcX", 3, "cX"), 3);         /* bound n */
	assert_int_equal(ronda_memcasemem("\xc1\xe1x", 3, "\xe1x"), 1); /* no fold >0x7f */
}

static void test_generated(void **unused)
{
	static const char alpha[] = "aAbB:#0\xc1";
	unsigned seed = 2024;
	unsigned char buf[300];          /* several 16-byte blocks and a tail */
	char needle[10];

	(void)unused;
	for (int round = 0; round < 200000; round++) {
		size_t n, m;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % sizeof(buf);
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (unsigned char)alpha[(seed >> 16) % 8];
		}
		seed = seed * 1103515245u + 12345u;
		m = 1 + (seed >> 16) % 9;
		for (size_t i = 0; i < m; i++) {
			seed = seed * 1103515245u + 12345u;
			needle[i] = alpha[(seed >> 16) % 8];
		}
		needle[m] = '\0';
		assert_int_equal(ronda_memcasemem(buf, n, needle), reference(buf, n, needle));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_generated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
