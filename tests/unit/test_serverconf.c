/*
 * test_serverconf.c — the .htaccess / .user.ini tokenizer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lang/serverconf.h"
#include "core/util.h"

static struct ronda_conf_parser parser;

static void start(const char *text, bool ini)
{
	ronda_conf_init(&parser, (const unsigned char *)text, strlen(text), ini);
}

static void test_directives_and_quotes(void **st)
{
	struct ronda_conf_line l;

	start("# comment\n\n  RewriteEngine On\n"
	      "RewriteCond %{HTTP_USER_AGENT} \"(google bot|x)\" [NC]\n"
	      "php_value auto_prepend_file 'a b.php'\n"
	      "Header set X \"a \\\"q\\\" b\"\n", false);
	assert_true(ronda_conf_next(&parser, &l));
	assert_int_equal(l.kind, RONDA_CONF_DIRECTIVE);
	assert_string_equal(l.name, "RewriteEngine");
	assert_int_equal(l.n_args, 1);
	assert_string_equal(l.args[0].s, "On");
	assert_int_equal(l.line, 3);
	assert_int_equal(l.offset, 11);

	assert_true(ronda_conf_next(&parser, &l));
	assert_string_equal(l.name, "RewriteCond");
	assert_int_equal(l.n_args, 3);
	assert_string_equal(l.args[0].s, "%{HTTP_USER_AGENT}");
	assert_string_equal(l.args[1].s, "(google bot|x)");
	assert_int_equal(l.args[1].len, 14);
	assert_string_equal(l.args[2].s, "[NC]");

	assert_true(ronda_conf_next(&parser, &l));
	assert_string_equal(l.args[1].s, "a b.php");

	assert_true(ronda_conf_next(&parser, &l));
	assert_int_equal(l.n_args, 3);
	assert_string_equal(l.args[2].s, "a \"q\" b");
	assert_false(ronda_conf_next(&parser, &l));
}

static void test_continuation_and_crlf(void **st)
{
	struct ronda_conf_line l;

	start("RewriteCond %{HTTP_USER_AGENT} \\\r\n   googlebot [NC]\r\nRewriteRule ^ x.php\r\n", false);
	assert_true(ronda_conf_next(&parser, &l));
	assert_string_equal(l.name, "RewriteCond");
	assert_int_equal(l.n_args, 3);
	assert_string_equal(l.args[1].s, "googlebot");
	assert_int_equal(l.line, 1);
	assert_true(ronda_conf_next(&parser, &l));
	assert_string_equal(l.name, "RewriteRule");
	assert_int_equal(l.line, 3);
	assert_string_equal(l.args[1].s, "x.php");
}

static void test_sections(void **st)
{
	struct ronda_conf_line l;

	start("<IfModule mod_mime.c>\n<FilesMatch \"\\.(jpg|png)$\">\nSetHandler application/x-httpd-php\n"
	      "</FilesMatch>\nAddType a b\n</IfModule>\nTop x\n", false);
	assert_true(ronda_conf_next(&parser, &l));
	assert_int_equal(l.kind, RONDA_CONF_SECTION_OPEN);
	assert_string_equal(l.name, "IfModule");
	assert_string_equal(l.args[0].s, "mod_mime.c");
	assert_int_equal(l.depth, 0);
	assert_true(ronda_conf_next(&parser, &l));
	assert_string_equal(l.name, "FilesMatch");
	assert_string_equal(l.args[0].s, "\\.(jpg|png)$");
	assert_int_equal(l.depth, 1);
	assert_true(ronda_conf_next(&parser, &l));
	assert_string_equal(l.name, "SetHandler");
	assert_int_equal(l.depth, 2);
	assert_string_equal(l.section, "FilesMatch");
	assert_string_equal(l.section_arg, "\\.(jpg|png)$");
	assert_true(ronda_conf_next(&parser, &l));
	assert_int_equal(l.kind, RONDA_CONF_SECTION_CLOSE);
	assert_true(ronda_conf_next(&parser, &l));
	assert_string_equal(l.name, "AddType");
	assert_string_equal(l.section, "IfModule");
	assert_true(ronda_conf_next(&parser, &l));
	assert_true(ronda_conf_next(&parser, &l));
	assert_string_equal(l.name, "Top");
	assert_int_equal(l.depth, 0);
	assert_string_equal(l.section, "");
}

static void test_unbalanced_sections(void **st)
{
	struct ronda_conf_line l;
	char text[4096] = "";
	size_t o = 0;
	bool seen_set = false, seen_last = false;

	/* deeper than the stack, then more closes than opens */
	for (int i = 0; i < 20; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "<Files a%d>\n", i);
	o += (size_t)snprintf(text + o, sizeof(text) - o, "SetHandler php\n");
	for (int i = 0; i < 30; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "</Files>\n");
	snprintf(text + o, sizeof(text) - o, "Last 1\n");
	start(text, false);
	while (ronda_conf_next(&parser, &l)) {
		if (!strcmp(l.name, "SetHandler")) {
			assert_int_equal(l.depth, 20);
			assert_string_equal(l.section, "");  /* beyond the stack */
			seen_set = true;
		}
		if (!strcmp(l.name, "Last")) {
			assert_int_equal(l.depth, 0);
			seen_last = true;
		}
	}
	assert_true(seen_set && seen_last);
}

static void test_ini(void **st)
{
	struct ronda_conf_line l;

	start("; comment\n[PHP]\nauto_prepend_file = \"/x/y z.php\" ; trailing\n"
	      "allow_url_include=On ; c\n  disable_functions =\nbroken line\n", true);
	assert_true(ronda_conf_next(&parser, &l));
	assert_string_equal(l.name, "auto_prepend_file");
	assert_string_equal(l.args[0].s, "/x/y z.php");
	assert_string_equal(l.section, "PHP");
	assert_int_equal(l.line, 3);
	assert_true(ronda_conf_next(&parser, &l));
	assert_string_equal(l.name, "allow_url_include");
	assert_string_equal(l.args[0].s, "On");
	assert_true(ronda_conf_next(&parser, &l));
	assert_string_equal(l.name, "disable_functions");
	assert_string_equal(l.args[0].s, "");
	assert_int_equal(l.args[0].len, 0);
	assert_false(ronda_conf_next(&parser, &l));
}

static void test_bounds(void **st)
{
	struct ronda_conf_line l;
	size_t n = RONDA_CONF_LINE_MAX * 3;
	char *big = xmalloc(n + 64);

	/* an over-long line is cut, the next line still parses */
	memset(big, 'a', n);
	memcpy(big, "Name ", 5);
	memcpy(big + n, "\nNext 1 2 3 4 5 6 7 8 9 10 11\n", 30);
	big[n + 30] = '\0';
	start(big, false);
	assert_true(ronda_conf_next(&parser, &l));
	assert_true(l.truncated);
	assert_string_equal(l.name, "Name");
	assert_true(l.args[0].len < RONDA_CONF_LINE_MAX);
	assert_true(ronda_conf_next(&parser, &l));
	assert_string_equal(l.name, "Next");
	assert_int_equal(l.n_args, RONDA_CONF_MAX_ARGS);
	assert_true(l.truncated);
	assert_false(ronda_conf_next(&parser, &l));
	free(big);

	/* NUL bytes and a lone quote do not end the world */
	{
		static const unsigned char odd[] = "Add\0Type \"unterminated\nX y\n";
		ronda_conf_init(&parser, odd, sizeof(odd) - 1, false);
		assert_true(ronda_conf_next(&parser, &l));
		assert_string_equal(l.name, "Add");
		assert_true(ronda_conf_next(&parser, &l));
		assert_string_equal(l.name, "X");
	}
	assert_true(ronda_conf_is("RewriteRule", 11, "rewriterule"));
	assert_false(ronda_conf_is("RewriteRul", 10, "rewriterule"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directives_and_quotes),
		cmocka_unit_test(test_continuation_and_crlf),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_unbalanced_sections),
		cmocka_unit_test(test_ini),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
