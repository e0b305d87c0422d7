/*
 * test_lookalike.c — core-file look-alike names: homoglyph folding and the
 * one-edit rule, and names that must stay unrelated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "text/lookalike.h"
#include "core/util.h"

static void test_fold(void **state)
{
	char out[RONDA_LOOKALIKE_MAX + 1];
	char big[RONDA_LOOKALIKE_MAX + 10];

	(void)state;
	assert_int_equal(ronda_lookalike_fold("WP-B1OG_header.php", out, sizeof(out)), 18);
	assert_string_equal(out, "wp-blog-header.php");
	ronda_lookalike_fold("wp-corn.php", out, sizeof(out));
	assert_string_equal(out, "wp-com.php");
	ronda_lookalike_fold("vvp-load.php", out, sizeof(out));
	assert_string_equal(out, "wp-load.php");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ronda_lookalike_fold(big, out, sizeof(out)), 0);
}

static void test_match(void **state)
{
	(void)state;
	assert_int_equal(ronda_lookalike_match("wp-blog-header.php", "wp-blog-header.php"),
			 RONDA_LOOKALIKE_SAME);
	assert_int_equal(ronda_lookalike_match("WP-Login.php", "wp-login.php"),
			 RONDA_LOOKALIKE_SAME);
	assert_int_equal(ronda_lookalike_match("wp-b1og-header.php", "wp-blog-header.php"),
			 RONDA_LOOKALIKE_HOMOGLYPH);
	assert_int_equal(ronda_lookalike_match("wp-c0nfig.php", "wp-config.php"),
			 RONDA_LOOKALIKE_HOMOGLYPH);
	assert_int_equal(ronda_lookalike_match("1ndex.php", "index.php"),
			 RONDA_LOOKALIKE_HOMOGLYPH);
	assert_int_equal(ronda_lookalike_match("xm1rpc.php", "xmlrpc.php"),
			 RONDA_LOOKALIKE_HOMOGLYPH);
	/* one edit: transposition, insertion, deletion, substitution */
	assert_int_equal(ronda_lookalike_match("wp-conifg.php", "wp-config.php"),
			 RONDA_LOOKALIKE_EDIT1);
	assert_int_equal(ronda_lookalike_match("wp-configs.php", "wp-config.php"),
			 RONDA_LOOKALIKE_EDIT1);
	assert_int_equal(ronda_lookalike_match("wp-confg.php", "wp-config.php"),
			 RONDA_LOOKALIKE_EDIT1);
	assert_int_equal(ronda_lookalike_match("wp-lodin.php", "wp-login.php"),
			 RONDA_LOOKALIKE_EDIT1);
	/* short core names only match by homoglyph */
	assert_int_equal(ronda_lookalike_match("indexs.php", "index.php"),
			 RONDA_LOOKALIKE_NONE);
	/* unrelated names */
	assert_int_equal(ronda_lookalike_match("wp-signup.php", "wp-login.php"),
			 RONDA_LOOKALIKE_NONE);
	assert_int_equal(ronda_lookalike_match("load-styles.php", "load-scripts.php"),
			 RONDA_LOOKALIKE_NONE);
	assert_int_equal(ronda_lookalike_match("admin-post.php", "admin-ajax.php"),
			 RONDA_LOOKALIKE_NONE);
	assert_int_equal(ronda_lookalike_match("wp-mail.php", "wp-load.php"),
			 RONDA_LOOKALIKE_NONE);
	assert_int_equal(ronda_lookalike_match("", "index.php"), RONDA_LOOKALIKE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
