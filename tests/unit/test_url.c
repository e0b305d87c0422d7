/*
 * test_url.c — shared URL/host helpers of text/url.h: window start,
 * host of the first URL in a text, spam link targets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "text/seo_words.h"
#include "text/url.h"

static int setup(void **st)
{
	(void)st;
	return ronda_seo_words_init();
}

static void test_sub0(void **st)
{
	(void)st;
	assert_int_equal(ronda_sub0(1000, 300), 700);
	assert_int_equal(ronda_sub0(300, 300), 0);
	assert_int_equal(ronda_sub0(10, 300), 0);
	assert_true(ronda_sub0(UINT64_MAX, 1) == UINT64_MAX - 1);
}

static void test_first_url_host(void **st)
{
	char host[64];

	(void)st;
	assert_true(ronda_first_url_host("location.href = 'https://Slot.Example.com/x'",
					 host, sizeof(host)));
	assert_string_equal(host, "slot.example.com");
	/* a word "http" before the URL is skipped */
	assert_true(ronda_first_url_host("httpfoo then http://a.example.org/", host,
					 sizeof(host)));
	assert_string_equal(host, "a.example.org");
	assert_true(ronda_first_url_host("//cdn.example.net/a.js", host, sizeof(host)));
	assert_string_equal(host, "cdn.example.net");
	assert_false(ronda_first_url_host("/relative/path", host, sizeof(host)));
	assert_false(ronda_first_url_host("", host, sizeof(host)));
	assert_false(ronda_first_url_host("http", host, sizeof(host)));
	/* a host that does not fit the buffer is not cut to a wrong host */
	assert_false(ronda_first_url_host("http://aaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbb.cc/",
					  host, 8));
}

static void test_url_is_bad(void **st)
{
	const char *top = NULL;

	(void)st;
	assert_true(ronda_url_is_bad("x.pages.dev", "x.pages.dev", NULL));
	assert_false(ronda_url_is_bad("www.example.go.id", "www.example.go.id", &top));
	assert_null(top);
	assert_true(ronda_url_is_bad("www.example.com",
				     "https://www.example.com/pola-gacor-mahjong-ways-2-hari-ini", &top));
	assert_non_null(top);
	assert_false(ronda_url_is_bad("www.example.com", "https://www.example.com/berita",
				      NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sub0),
		cmocka_unit_test(test_first_url_host),
		cmocka_unit_test(test_url_is_bad),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
