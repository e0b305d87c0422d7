/*
 * test_php_skim.c — skimming small PHP files down to their bare code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lang/php_skim.h"
#include "core/util.h"

static const char *skim(const char *src, struct ronda_php_skim *r)
{
	static char out[256];

	ronda_php_skim((const unsigned char *)src, strlen(src), out, sizeof(out), r);
	return out;
}

static void test_basic(void **state)
{
	struct ronda_php_skim r;

	(void)state;
	assert_string_equal(skim("<?php\n// info\nphpinfo();\n", &r), "phpinfo();");
	assert_string_equal(skim("<?php /* a\n b */ phpinfo ( INFO_ALL ) ; ?>", &r),
			    "phpinfo(INFO_ALL);;");
	assert_string_equal(skim("<?php\n# Silence is golden.\n", &r), "");
	assert_int_equal(r.code_len, 0);
	assert_string_equal(skim("<html><?= $x ?></html>", &r), "echo $x;");
	assert_int_equal(r.n_inline, strlen("<html></html>"));
	/* comment markers inside strings are code */
	assert_string_equal(skim("<?php echo '// not a comment';", &r),
			    "echo'// not a comment';");
	assert_string_equal(skim("<?php return new  Foo;", &r), "return new Foo;");
	assert_false(r.truncated);
}

static void test_bounds(void **state)
{
	char src[1024], out[16];
	struct ronda_php_skim r;

	(void)state;
	memset(src, 'a', sizeof(src));
	memcpy(src, "<?php ", 6);
	ronda_php_skim((const unsigned char *)src, sizeof(src), out, sizeof(out), &r);
	assert_true(r.truncated);
	assert_int_equal(strlen(out), sizeof(out) - 1);
	/* unterminated comment and string end at the input */
	skim("<?php /* never closed", &r);
	assert_int_equal(r.code_len, 0);
	assert_string_equal(skim("<?php 'abc", &r), "'abc");
	assert_string_equal(skim("<?php \"a\\", &r), "\"a\\");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
