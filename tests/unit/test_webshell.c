/*
 * test_webshell.c — the webshell detector through the engine on generated
 * hostile inputs: a 2 MB PHP file that is one giant data array, a file of
 * a million one-byte tokens (past the token cap, with a shell after or
 * before the padding), deeply nested and
 * unbalanced brackets.  The checks are about correctness (the shell
 * after the data is still found, clean data stays clean) and about
 * finishing without a crash; ASan runs them too.  No timing asserts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/detector.h"
#include "core/scan.h"
#include "core/util.h"

extern const struct ronda_detector ronda_detector_webshell;

struct seen {
	unsigned n_results;
	char rules[64][64];
	size_t n;
};

static void collect(const struct ronda_result *r, void *arg)
{
	struct seen *s = arg;

	s->n_results++;
	for (size_t i = 0; i < r->n_findings && s->n < 64; i++)
		ronda_strlcpy(s->rules[s->n++], r->findings[i].rule->id, 64);
}

static bool has(const struct seen *s, const char *rule)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->rules[i], rule))
			return true;
	return false;
}

/* Scan src as t.php with the webshell detector alone. */
static void scan(const struct ronda_buf *src, struct seen *s)
{
	static const struct ronda_detector *const dets[] = {
		&ronda_detector_webshell, NULL,
	};
	struct ronda_scan_opts o = { .on_result = collect, .arg = s };
	struct ronda_engine *e = NULL;
	struct ronda_buf err = RONDA_BUF_INIT(1024);

	memset(s, 0, sizeof(*s));
	assert_int_equal(ronda_engine_new_from(&o, dets, &e, &err), RONDA_OK);
	o.report_clean = true;
	assert_int_equal(ronda_scan_buffer(e, "t.php", (const unsigned char *)src->buf,
					   src->len, &o), RONDA_OK);
	assert_int_equal(s->n_results, 1);
	ronda_engine_free(e);
	ronda_buf_release(&err);
}

/* 2 MB of "$t = array('k0' => 'v0', ...);" (the shape of font and
 * translation tables), then a shell: the table must neither hide the
 * shell nor produce a finding of its own. */
static void test_giant_array(void **unused)
{
	struct ronda_buf src = RONDA_BUF_INIT(8 << 20);
	struct seen s;

	(void)unused;
	ronda_buf_addstr(&src, "<?php\n$t = array(");
	for (unsigned k = 0; src.len < (2u << 20); k++)
		ronda_buf_addf(&src, "'k%u'=>'v%u',", k, k);
	ronda_buf_addstr(&src, ");\n");
	scan(&src, &s);
	assert_int_equal(s.n, 0);

	/* nested arrays of numbers, as in tcpdf's CID font files */
	ronda_buf_reset(&src);
	ronda_buf_addstr(&src, "<?php\n$cbbox=array(");
	for (unsigned k = 0; src.len < (2u << 20); k++)
		ronda_buf_addf(&src, "%u=>array(%u,-%u,%u,%u),", k, k % 97, k % 13, k % 501, k % 77);
	ronda_buf_addstr(&src, ");\n");
	scan(&src, &s);
	assert_int_equal(s.n, 0);

	/* the string table again, with a shell right after it */
	ronda_buf_reset(&src);
	ronda_buf_addstr(&src, "<?php\n$t = array(");
	for (unsigned k = 0; src.len < (2u << 20); k++)
		ronda_buf_addf(&src, "'k%u'=>'v%u',", k, k);
	ronda_buf_addstr(&src, ");\n$c = $_GET['c'];\nsystem($c);\n");
	scan(&src, &s);
	assert_true(has(&s, "webshell.input-to-exec"));
	ronda_buf_release(&src);
}

/* A million one-byte tokens, more than the detector keeps: the scan ends
 * (truncated) without a crash and without a finding on plain operators. */
static void test_million_tokens(void **unused)
{
	struct ronda_buf src = RONDA_BUF_INIT(4 << 20);
	struct seen s;

	(void)unused;
	ronda_buf_addstr(&src, "<?php\ninclude 'a.php';\n");
	for (unsigned k = 0; k < 1000000; k++)
		ronda_buf_addch(&src, ";,+-*"[k % 5]);
	scan(&src, &s);
	assert_int_equal(s.n, 0);

	/* a shell after 1.2 million tokens of padding (past the cap: the
	 * detector keeps the head and the latest tokens), and before it */
	ronda_buf_reset(&src);
	ronda_buf_addstr(&src, "<?php\n$t = array(");
	for (unsigned k = 0; k < 600000; k++)
		ronda_buf_addstr(&src, "1,");
	ronda_buf_addstr(&src, ");\n$c = $_GET['c'];\nsystem($c);\n");
	scan(&src, &s);
	assert_true(has(&s, "webshell.input-to-exec"));
	ronda_buf_reset(&src);
	ronda_buf_addstr(&src, "<?php\n$c = $_GET['c'];\nsystem($c);\n$t = array(");
	for (unsigned k = 0; k < 600000; k++)
		ronda_buf_addstr(&src, "1,");
	ronda_buf_addstr(&src, ");\n");
	scan(&src, &s);
	assert_true(has(&s, "webshell.input-to-exec"));

	/* a million "$a(" : every token a variable or a call opener */
	ronda_buf_reset(&src);
	ronda_buf_addstr(&src, "<?php\n");
	for (unsigned k = 0; k < 500000; k++)
		ronda_buf_addstr(&src, "$a(");
	scan(&src, &s);
	ronda_buf_release(&src);
}

/* 200000 nested parentheses around a constant, then a shell; and the
 * same nesting left open, and closers without openers. */
static void test_deep_nesting(void **unused)
{
	struct ronda_buf src = RONDA_BUF_INIT(4 << 20);
	struct seen s;

	(void)unused;
	ronda_buf_addstr(&src, "<?php\n$x = ");
	for (unsigned k = 0; k < 200000; k++)
		ronda_buf_addch(&src, '(');
	ronda_buf_addch(&src, '1');
	for (unsigned k = 0; k < 200000; k++)
		ronda_buf_addch(&src, ')');
	ronda_buf_addstr(&src, ";\neval($_POST['x']);\n");
	scan(&src, &s);
	assert_true(has(&s, "webshell.input-to-exec"));

	ronda_buf_reset(&src);
	ronda_buf_addstr(&src, "<?php\nsystem(");
	for (unsigned k = 0; k < 300000; k++)
		ronda_buf_addstr(&src, k & 1 ? "[" : "({");
	scan(&src, &s);

	ronda_buf_reset(&src);
	ronda_buf_addstr(&src, "<?php\n");
	for (unsigned k = 0; k < 100000; k++)   /* 300000 tokens: under the cap */
		ronda_buf_addstr(&src, ")]}");
	ronda_buf_addstr(&src, "\nfunction f() { eval($_GET['a']); }\n");
	scan(&src, &s);
	assert_true(has(&s, "webshell.input-to-exec"));
	ronda_buf_release(&src);
}

/* Inputs the fuzzer found: a backtick string cut off inside "$_REQU"
 * at the end of the file (the superglobal compare read past the token),
 * and the taint-across-functions paths on truncated code.  Under ASan an
 * overread fails the test. */
static void test_cut_inputs(void **unused)
{
	static const char *const cut[] = {
		"<?php `$_REQU", "<?php `$_COO", "<?php `$_SERV", "<?php `$_",
		"<?php function f($a){ system($a); } f($_GET[", "<?php function f($a",
		"<?php class A { function b($c) { $this->", "<?php global",
		"<?php $GLOBALS['", "<?php call_user_func('f', $_GET",
		"<?php function f(){ return $_GET['x']; } $v = f(",
	};
	struct ronda_buf src = RONDA_BUF_INIT(1 << 10);
	struct seen s;

	(void)unused;
	for (size_t k = 0; k < sizeof(cut) / sizeof(cut[0]); k++) {
		ronda_buf_reset(&src);
		ronda_buf_addstr(&src, cut[k]);
		scan(&src, &s);
	}
	ronda_buf_reset(&src);
	ronda_buf_addstr(&src, "<?php `$_REQUEST[x]`;");
	scan(&src, &s);
	assert_true(has(&s, "webshell.input-to-exec"));
	ronda_buf_release(&src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_giant_array),
		cmocka_unit_test(test_million_tokens),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_cut_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
