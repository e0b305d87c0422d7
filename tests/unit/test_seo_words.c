/*
 * test_seo_words.c — crawler-list search (plain, concatenated, reversed,
 * base64), gambling slug scores, URL host helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "text/seo_words.h"
#include "core/util.h"

static bool find(const char *s, unsigned kinds, struct ronda_crawl_match *m)
{
	return ronda_crawl_find((const unsigned char *)s, strlen(s), kinds, m);
}

static void test_init(void **st)
{
	assert_int_equal(ronda_seo_words_init(), 0);
	assert_int_equal(ronda_seo_words_init(), 0);  /* idempotent */
}

static void test_crawl_forms(void **st)
{
	struct ronda_crawl_match m;

	assert_true(find("if (preg_match('/GoogleBot/i', $ua))", RONDA_CRAWL_UA, &m));
	assert_string_equal(m.word, "googlebot");
	assert_string_equal(m.how, "literal");

	assert_true(find("$n = 'Goo' . \"gle\".'bot';", RONDA_CRAWL_UA, &m));
	assert_string_equal(m.word, "googlebot");
	assert_string_equal(m.how, "concatenated");

	assert_true(find("var b = 'bing' + 'bot';", RONDA_CRAWL_UA, &m));
	assert_string_equal(m.word, "bingbot");

	assert_true(find("$t = strrev('tobelgooG');", RONDA_CRAWL_UA, &m));
	assert_string_equal(m.how, "reversed");

	/* base64 of "Googlebot|bingbot" */
	assert_true(find("explode('|', base64_decode('R29vZ2xlYm90fGJpbmdib3Q='))",
			 RONDA_CRAWL_UA, &m));
	assert_string_equal(m.word, "googlebot");
	assert_string_equal(m.how, "base64");

	/* base64 of "66.249.64., 66.249.88." */
	assert_true(find("$r = \"NjYuMjQ5LjY0LiwgNjYuMjQ5Ljg4Lg==\";", RONDA_CRAWL_IP, &m));
	assert_string_equal(m.word, "66.249.");
	assert_int_equal(m.kind, RONDA_CRAWL_IP);

	/* kinds are respected; specific names win over generic words */
	assert_false(find("bingbot", RONDA_CRAWL_REF, &m));
	assert_true(find("'bot' 'googlebot'", RONDA_CRAWL_UA | RONDA_CRAWL_UAGEN, &m));
	assert_string_equal(m.word, "googlebot");
	assert_true(find("/bot|crawl/i", RONDA_CRAWL_UAGEN, &m));
	assert_int_equal(m.kind, RONDA_CRAWL_UAGEN);
	assert_false(find("AhrefsBot MJ12bot", RONDA_CRAWL_UA, &m));
	assert_true(find("strpos($r, 'google.')", RONDA_CRAWL_REF, &m));
	assert_true(find("/android|iphone/i", RONDA_CRAWL_MOBILE, &m));
	assert_false(find("nothing here at all, 'QUJDRA==' is ABCD", RONDA_CRAWL_UA, &m));
}

static void test_slug_score(void **st)
{
	const char *top;

	assert_true(ronda_slug_score("pola-gacor-mahjong-ways-2-hari-ini", 34, &top) >=
		    RONDA_SLUG_GAMBLING);
	assert_non_null(top);
	assert_true(ronda_slug_score("/berita/rtp-live-slot-pragmatic.html", 36, NULL) >=
		    RONDA_SLUG_GAMBLING);
	assert_true(ronda_slug_score("hoki4d", 6, &top) >= RONDA_SLUG_GAMBLING);
	assert_true(ronda_slug_score("GACOR88", 7, NULL) >= RONDA_SLUG_GAMBLING);
	assert_true(ronda_slug_score("linkslotgacor", 13, NULL) >= RONDA_SLUG_GAMBLING);
	/* news against gambling, ordinary government pages */
	assert_true(ronda_slug_score("pemkab-sosialisasikan-bahaya-judi-online", 40, NULL) <
		    RONDA_SLUG_GAMBLING);
	assert_true(ronda_slug_score("slot-antrian-layanan-paspor", 27, NULL) <
		    RONDA_SLUG_GAMBLING);
	assert_int_equal(ronda_slug_score("bupati-resmikan-pasar-rakyat", 28, &top), 0);
	assert_null(top);
	assert_int_equal(ronda_slug_score("alphabet-tibet-photo", 20, NULL), 0);
	assert_int_equal(ronda_slug_score("", 0, NULL), 0);
}

static void test_hosts(void **st)
{
	char host[64];

	assert_int_equal(ronda_url_host("https://WWW.Kab.Example.go.id/x?y", 33,
					host, sizeof(host)), 21);
	assert_string_equal(host, "www.kab.example.go.id");
	assert_string_equal(ronda_host_site(host), "example.go.id");
	assert_true(ronda_host_is_gov(host));
	assert_true(ronda_url_host("//user:pw@cdn.x.pages.dev:8080/a", 32, host, sizeof(host)) > 0);
	assert_string_equal(host, "cdn.x.pages.dev");
	assert_true(ronda_host_is_free(host));
	assert_false(ronda_host_is_free("notpages.dev"));
	assert_string_equal(ronda_host_site("a.b.example.com"), "example.com");
	assert_string_equal(ronda_host_site("example.co.id"), "example.co.id");
	assert_int_equal(ronda_url_host("/relative/path", 14, host, sizeof(host)), 0);
	assert_int_equal(ronda_url_host("http://localhost/", 17, host, sizeof(host)), 0);
	/* bounded output */
	assert_true(ronda_url_host("http://aaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbb.cc/", 51,
				   host, 8) <= 7);
}

static void test_front_and_b64(void **st)
{
	unsigned char out[32];

	assert_true(ronda_front_controller("/index.php?q=$1", 15));
	assert_true(ronda_front_controller("lib/exe/fetch.php?media=$1", 26));
	assert_false(ronda_front_controller("/assets/tampil.php?slug=$1", 26));
	assert_false(ronda_front_controller("/myindex.php", 12));
	assert_int_equal(ronda_b64_decode((const unsigned char *)"aHR0cHM6Ly8=", 12, out,
					  sizeof(out)), 8);
	assert_memory_equal(out, "https://", 8);
	assert_int_equal(ronda_b64_decode((const unsigned char *)"aHR0cHM6Ly8=", 12, out, 3), 3);
	assert_int_equal(ronda_b64_decode((const unsigned char *)"!!", 2, out, sizeof(out)), 0);
	assert_non_null(ronda_seo_memcase((const unsigned char *)"xxGOOGLEbot", 11, "googlebot", 9));
	assert_null(ronda_seo_memcase((const unsigned char *)"goo", 3, "google", 6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_crawl_forms),
		cmocka_unit_test(test_slug_score),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_front_and_b64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
