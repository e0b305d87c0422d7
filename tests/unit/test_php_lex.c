/*
 * test_php_lex.c — the PHP tokenizer: modes, tokens, string decoding and
 * hostile input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/error.h"
#include "lang/php_lex.h"
#include "core/util.h"

#define MAXT 256

struct lexed {
	struct ronda_php_tok t[MAXT];
	size_t n;
	const char *src;
};

static void lex_all(struct lexed *l, const char *src, unsigned flags)
{
	struct ronda_php_lexer lx;

	l->src = src;
	l->n = 0;
	ronda_php_lex_init(&lx, src, strlen(src), flags);
	while (l->n < MAXT && ronda_php_lex_next(&lx, &l->t[l->n]))
		l->n++;
}

/* token i has type and raw text */
static void expect(const struct lexed *l, size_t i, enum ronda_php_tok_type type,
		   const char *text)
{
	char got[256];
	size_t n;

	assert_true(i < l->n);
	n = MIN(l->t[i].len, sizeof(got) - 1);
	memcpy(got, l->src + l->t[i].off, n);
	got[n] = '\0';
	if (l->t[i].type != type)
		fail_msg("token %zu '%s': type %s, want %s", i, got,
			 ronda_php_tok_type_name(l->t[i].type),
			 ronda_php_tok_type_name(type));
	assert_string_equal(got, text);
}

static char *decode(const struct lexed *l, size_t i, unsigned *interp,
		    unsigned *esc)
{
	struct ronda_buf b = RONDA_BUF_INIT(4096);

	assert_int_equal(ronda_php_str_decode((const unsigned char *)l->src,
					      &l->t[i], &b, interp, esc), RONDA_OK);
	return ronda_buf_detach(&b, NULL);
}

static void test_modes(void **state)
{
	struct lexed l;

	lex_all(&l, "<p>hi</p><?php echo $x; ?>\n<b><?= $y ?><? system('id'); ?>", 0);
	expect(&l, 0, RONDA_PHP_INLINE_HTML, "<p>hi</p>");
	expect(&l, 1, RONDA_PHP_OPEN_TAG, "<?php ");
	expect(&l, 2, RONDA_PHP_IDENT, "echo");
	expect(&l, 3, RONDA_PHP_VARIABLE, "$x");
	expect(&l, 4, RONDA_PHP_OP, ";");
	expect(&l, 5, RONDA_PHP_CLOSE_TAG, "?>\n");
	expect(&l, 6, RONDA_PHP_INLINE_HTML, "<b>");
	expect(&l, 7, RONDA_PHP_OPEN_TAG_ECHO, "<?=");
	expect(&l, 8, RONDA_PHP_VARIABLE, "$y");
	expect(&l, 9, RONDA_PHP_CLOSE_TAG, "?>");
	expect(&l, 10, RONDA_PHP_OPEN_TAG, "<?");
	expect(&l, 11, RONDA_PHP_IDENT, "system");
	expect(&l, 12, RONDA_PHP_OP, "(");
	expect(&l, 13, RONDA_PHP_STRING, "'id'");
	assert_int_equal(l.n, 17);

	/* <?xml is not a short tag; <?PHP is case-insensitive */
	lex_all(&l, "<?xml version='1.0'?><?PHP\nexit;", 0);
	expect(&l, 0, RONDA_PHP_INLINE_HTML, "<?xml version='1.0'?>");
	expect(&l, 1, RONDA_PHP_OPEN_TAG, "<?PHP\n");
	expect(&l, 2, RONDA_PHP_IDENT, "exit");

	/* code mode for eval'd strings; ?> goes back to HTML */
	lex_all(&l, "eval($a);?><h1>x</h1>", RONDA_PHP_LEX_CODE);
	expect(&l, 0, RONDA_PHP_IDENT, "eval");
	expect(&l, 4, RONDA_PHP_OP, ";");
	expect(&l, 5, RONDA_PHP_CLOSE_TAG, "?>");
	expect(&l, 6, RONDA_PHP_INLINE_HTML, "<h1>x</h1>");
	assert_int_equal(l.n, 7);
}

static void test_comments_and_vars(void **state)
{
	struct lexed l;

	lex_all(&l, "<?php # eval($_GET)\n// system()\n/* exec() */ $$a ${'x'} "
		"#[Attr]\n$b // c ?> tail", 0);
	expect(&l, 1, RONDA_PHP_OP, "$");
	expect(&l, 2, RONDA_PHP_VARIABLE, "$a");
	expect(&l, 3, RONDA_PHP_OP, "$");
	expect(&l, 4, RONDA_PHP_OP, "{");
	expect(&l, 5, RONDA_PHP_STRING, "'x'");
	expect(&l, 6, RONDA_PHP_OP, "}");
	expect(&l, 7, RONDA_PHP_OP, "#[");
	expect(&l, 8, RONDA_PHP_IDENT, "Attr");
	expect(&l, 9, RONDA_PHP_OP, "]");
	expect(&l, 10, RONDA_PHP_VARIABLE, "$b");
	/* a line comment ends at ?> */
	expect(&l, 11, RONDA_PHP_CLOSE_TAG, "?>");
	expect(&l, 12, RONDA_PHP_INLINE_HTML, " tail");
	assert_true(ronda_php_tok_is((const unsigned char *)l.src, &l.t[10], "b"));

	lex_all(&l, "<?php $x=(int)$y+( string )$z<=>0x1F. 1.5e3?\?=$o?->m;", 0);
	expect(&l, 2, RONDA_PHP_OP, "=");
	expect(&l, 3, RONDA_PHP_CAST, "(int)");
	expect(&l, 5, RONDA_PHP_OP, "+");
	expect(&l, 6, RONDA_PHP_CAST, "( string )");
	expect(&l, 8, RONDA_PHP_OP, "<=>");
	expect(&l, 9, RONDA_PHP_NUMBER, "0x1F");
	expect(&l, 10, RONDA_PHP_OP, ".");
	expect(&l, 11, RONDA_PHP_NUMBER, "1.5e3");
	expect(&l, 12, RONDA_PHP_OP, "?\?=");
	expect(&l, 14, RONDA_PHP_OP, "?->");
	/* (foo) is not a cast */
	lex_all(&l, "<?php (foo)", 0);
	expect(&l, 1, RONDA_PHP_OP, "(");
	expect(&l, 2, RONDA_PHP_IDENT, "foo");
}

static void test_strings(void **state)
{
	struct lexed l;
	unsigned interp = 0, esc = 0;
	char *s;

	lex_all(&l, "<?php 'a\\'b\\\\c\\n' \"\\x65\\166al\\u{41}\\n\\$x\" "
		"\"hi $name {$a['k\"}']} x\" `ls $d` b'bin'", 0);
	expect(&l, 1, RONDA_PHP_STRING, "'a\\'b\\\\c\\n'");
	s = decode(&l, 1, NULL, NULL);
	assert_string_equal(s, "a'b\\c\\n");
	free(s);
	expect(&l, 2, RONDA_PHP_DQSTRING, "\"\\x65\\166al\\u{41}\\n\\$x\"");
	assert_false(l.t[2].flags & RONDA_PHP_TF_INTERP);
	s = decode(&l, 2, &interp, &esc);
	assert_string_equal(s, "evalA\n$x");
	assert_int_equal(interp, 0);
	assert_int_equal(esc, 3);
	free(s);
	/* a quote inside {$...} does not end the string */
	expect(&l, 3, RONDA_PHP_DQSTRING, "\"hi $name {$a['k\"}']} x\"");
	assert_true(l.t[3].flags & RONDA_PHP_TF_INTERP);
	interp = 0;
	s = decode(&l, 3, &interp, NULL);
	assert_int_equal(interp, 2);
	assert_string_equal(s, "hi $name {$a['k\"}']} x");
	free(s);
	expect(&l, 4, RONDA_PHP_BACKTICK, "`ls $d`");
	assert_true(l.t[4].flags & RONDA_PHP_TF_INTERP);
	expect(&l, 5, RONDA_PHP_STRING, "b'bin'");
	s = decode(&l, 5, NULL, NULL);
	assert_string_equal(s, "bin");
	free(s);
}

static void test_heredoc(void **state)
{
	struct lexed l;
	char *s;

	lex_all(&l, "<?php $a = <<<EOT\n  line \\x41 $v\n  EOTX\n  EOT;\n"
		"$b = <<<'RAW'\nno \\x41 $v\nRAW\n;", 0);
	expect(&l, 3, RONDA_PHP_DQSTRING, "<<<EOT\n  line \\x41 $v\n  EOTX\n  EOT");
	assert_true(l.t[3].flags & RONDA_PHP_TF_HEREDOC);
	assert_true(l.t[3].flags & RONDA_PHP_TF_INTERP);
	s = decode(&l, 3, NULL, NULL);
	assert_string_equal(s, "line A $v\nEOTX");
	free(s);
	expect(&l, 4, RONDA_PHP_OP, ";");
	expect(&l, 7, RONDA_PHP_STRING, "<<<'RAW'\nno \\x41 $v\nRAW");
	assert_true(l.t[7].flags & RONDA_PHP_TF_NOWDOC);
	s = decode(&l, 7, NULL, NULL);
	assert_string_equal(s, "no \\x41 $v");
	free(s);
	/* "<<<" without a proper header is just operators */
	lex_all(&l, "<?php $a <<< 5;", 0);
	expect(&l, 2, RONDA_PHP_OP, "<<");
	expect(&l, 3, RONDA_PHP_OP, "<");
}

static void test_unterminated(void **state)
{
	struct lexed l;
	char *s;

	lex_all(&l, "<?php $a = 'abc", 0);
	expect(&l, 3, RONDA_PHP_STRING, "'abc");
	assert_true(l.t[3].flags & RONDA_PHP_TF_UNTERMINATED);
	s = decode(&l, 3, NULL, NULL);
	assert_string_equal(s, "abc");
	free(s);
	lex_all(&l, "<?php \"ab\\", 0);
	expect(&l, 1, RONDA_PHP_DQSTRING, "\"ab\\");
	assert_true(l.t[1].flags & RONDA_PHP_TF_UNTERMINATED);
	s = decode(&l, 1, NULL, NULL);
	assert_string_equal(s, "ab\\");
	free(s);
	lex_all(&l, "<?php \"{$a[\"", 0);
	assert_int_equal(l.n, 2);
	assert_true(l.t[1].flags & RONDA_PHP_TF_UNTERMINATED);
	lex_all(&l, "<?php /* never closed eval(", 0);
	assert_int_equal(l.n, 1);
	lex_all(&l, "<?php $x = <<<A\nbody\n", 0);
	expect(&l, 3, RONDA_PHP_DQSTRING, "<<<A\nbody\n");
	assert_true(l.t[3].flags & RONDA_PHP_TF_UNTERMINATED);
	s = decode(&l, 3, NULL, NULL);
	assert_string_equal(s, "body\n");
	free(s);
	lex_all(&l, "<?", 0);
	expect(&l, 0, RONDA_PHP_OPEN_TAG, "<?");
	assert_int_equal(l.n, 1);
	lex_all(&l, "<?php", 0);
	expect(&l, 0, RONDA_PHP_OPEN_TAG, "<?php");
	lex_all(&l, "<?php \"\\u{110000}\\x\\8\"", 0);
	s = decode(&l, 1, NULL, NULL);
	assert_string_equal(s, "\\u{110000}\\x\\8");
	free(s);
}

/* Random and adversarial bytes: no crash, every token inside the input,
 * offsets strictly increasing, token count at most the byte count. */
static void test_hostile(void **state)
{
	static const char *const seeds[] = {
		"<?php ", "\"", "'", "`", "<<<", "$", "{$", "${", "?>", "/*",
		"#", "\\", "(", "int", ")", "\n", "\x80", "\0", "<?", "A",
	};
	unsigned seed = 12345;
	size_t cap = 1 << 16;
	unsigned char *buf = xmalloc(cap);

	for (int round = 0; round < 300; round++) {
		size_t n = 0;
		struct ronda_php_lexer lx;
		struct ronda_php_tok t;
		size_t count = 0, last_end = 0;

		while (n + 16 < cap && n < (size_t)(round * 40 + 10)) {
			seed = seed * 1103515245u + 12345u;
			const char *p = seeds[(seed >> 16) % ARRAY_SIZE(seeds)];
			size_t pl = p[0] ? strlen(p) : 1;
			memcpy(buf + n, p, pl);
			n += pl;
		}
		ronda_php_lex_init(&lx, buf, n, round & 1 ? RONDA_PHP_LEX_CODE : 0);
		while (ronda_php_lex_next(&lx, &t)) {
			assert_true(t.off >= last_end);
			assert_true(t.off + t.len <= n);
			assert_true(t.len > 0);
			last_end = t.off + t.len;
			count++;
			if (t.type == RONDA_PHP_STRING || t.type == RONDA_PHP_DQSTRING ||
			    t.type == RONDA_PHP_BACKTICK) {
				struct ronda_buf b = RONDA_BUF_INIT(1 << 20);
				int err = ronda_php_str_decode(buf, &t, &b, NULL, NULL);
				assert_true(err == RONDA_OK || err == RONDA_EINVAL);
				ronda_buf_release(&b);
			}
		}
		assert_true(count <= n);
	}
	free(buf);
}

/* A megabyte of nested "{${{$" must still lex in linear time. */
/* Reference for a quoted token: the byte-at-a-time scan the lexer had
 * before it skipped plain runs 16 bytes at a time.  Returns the raw
 * length from the opening quote; *interp, *unterminated as flagged. */
static size_t ref_complex(const char *s, size_t i, size_t n)
{
	unsigned depth = 0;

	for (; i < n; i++) {
		if (s[i] == '{') {
			depth++;
		} else if (s[i] == '}') {
			if (--depth == 0)
				return i + 1;
		} else if (s[i] == '\'' || s[i] == '"') {
			char c = s[i++];
			while (i < n && s[i] != c)
				i += s[i] == '\\' ? 2 : 1;
			if (i >= n)
				return n;
		}
	}
	return n;
}

static size_t ref_quoted(const char *s, size_t n, bool *interp, bool *unterm)
{
	char q = s[0];
	size_t i = 1;

	*interp = *unterm = false;
	while (i < n && s[i] != q) {
		size_t k = 0;
		unsigned char c1 = i + 1 < n ? (unsigned char)s[i + 1] : 0;

		if (s[i] == '\\') {
			i += 2;
			continue;
		}
		if (q != '\'' && s[i] == '$' && i + 1 < n &&
		    (c1 == '_' || ((c1 | 0x20) >= 'a' && (c1 | 0x20) <= 'z') || c1 >= 0x80))
			k = 2;
		else if (q != '\'' && s[i] == '$' && i + 1 < n && c1 == '{')
			k = ref_complex(s, i + 1, n) - i;
		else if (q != '\'' && s[i] == '{' && c1 == '$' && i + 1 < n)
			k = ref_complex(s, i, n) - i;
		if (k) {
			*interp = true;
			i += k;
			continue;
		}
		i++;
	}
	if (i >= n) {
		*unterm = true;
		return n;
	}
	return i + 1;
}

/* Quoted bodies are skipped 16 bytes at a time up to a quote, backslash,
 * '$' or '{': every such byte at every offset of bodies around the
 * 16-byte blocks, closed or cut off at the end, lexes as the reference. */
static void test_quoted_runs(void **state)
{
	static const char quotes[] = "'\"`";
	static const char *const specials[] = {
		"\\", "\\'", "\\\"", "$", "$a", "${", "{$x}", "{", "}", "'", "\"",
		"`", "${'}'}", "\\\\", "\xc3\xa9", "{$a[\"x\"]}", "{$a['}']}",
		"{ {$a[\"}\"]}", "${a[\"`\"]}",
	};
	char buf[160];

	(void)state;
	for (size_t qi = 0; qi < 3; qi++) {
		for (size_t sp = 0; sp < ARRAY_SIZE(specials); sp++) {
			for (size_t len = 0; len < 40; len++) {
				for (size_t at = 0; at <= len; at++) {
					for (int closed = 0; closed < 2; closed++) {
						struct ronda_php_lexer lx;
						struct ronda_php_tok t;
						size_t n = 0, sl = strlen(specials[sp]), want;
						bool interp, unterm;

						buf[n++] = quotes[qi];
						for (size_t k = 0; k < len; k++) {
							if (k == at) {
								memcpy(buf + n, specials[sp], sl);
								n += sl;
							}
							buf[n++] = (char)('a' + k % 26);
						}
						if (closed)
							buf[n++] = quotes[qi];
						want = ref_quoted(buf, n, &interp, &unterm);
						ronda_php_lex_init(&lx, buf, n, RONDA_PHP_LEX_CODE);
						assert_true(ronda_php_lex_next(&lx, &t));
						assert_int_equal(t.off, 0);
						assert_int_equal(t.len, want);
						assert_int_equal(!!(t.flags & RONDA_PHP_TF_INTERP), interp);
						assert_int_equal(!!(t.flags & RONDA_PHP_TF_UNTERMINATED), unterm);
					}
				}
			}
		}
	}
}

static void test_linear(void **state)
{
	size_t n = 1 << 20;
	unsigned char *buf = xmalloc(n);
	struct ronda_php_lexer lx;
	struct ronda_php_tok t;
	uint64_t t0;
	size_t count = 0;

	memcpy(buf, "<?php \"", 7);
	for (size_t i = 7; i < n; i++)
		buf[i] = "{$"[i & 1];
	t0 = ronda_now_ns();
	ronda_php_lex_init(&lx, buf, n, 0);
	while (ronda_php_lex_next(&lx, &t))
		count++;
	assert_int_equal(count, 2);
	for (size_t i = 0; i < n; i++)
		buf[i] = "<?/*'\"$a?>"[i % 10];
	ronda_php_lex_init(&lx, buf, n, 0);
	while (ronda_php_lex_next(&lx, &t))
		count++;
	assert_true(ronda_now_ns() - t0 < 2000000000ull);
	free(buf);
}

/* Operators and one-byte tokens at every position the lexer special-cases:
 * every first byte that is not the start of another kind of token,
 * followed by bytes that extend some operator, or by the end of the input.
 * Reference: PHP's operator list, longest match. */
static const char *const php_ops[] = {
	"<=>", "**=", "...", "<<=", ">>=", "===", "!==", "?\?=", "?->",
	"**", "++", "--", "->", "=>", "::", "==", "!=", "<>", "<=", ">=",
	"&&", "||", "??", "+=", "-=", "*=", "/=", ".=", "%=", "&=", "|=",
	"^=", "<<", ">>", "#[",
};

static size_t ref_op_len(const unsigned char *p, size_t left)
{
	size_t best = 1;

	for (size_t k = 0; k < ARRAY_SIZE(php_ops); k++) {
		size_t l = strlen(php_ops[k]);
		if (l > best && l <= left && memcmp(p, php_ops[k], l) == 0)
			best = l;
	}
	return best;
}

static void test_operators(void **state)
{
	static const char follow[] = "=<>*.?-+&|:!/%^#[$a1 \0";
	unsigned char buf[4];

	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		/* bytes starting names, numbers, strings, variables,
		 * whitespace and casts are tested elsewhere */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		    c >= 0x80 || (c >= '0' && c <= '9') ||
		    (c != 0 && strchr("'\"`$ \t\n\r\v\f(", (int)c)))
			continue;
		/* follow[] ends with an explicit NUL byte (a one-byte operator
		 * of its own); len cuts the input after 1, 2 or 3 bytes */
		for (size_t a = 0; a < sizeof(follow) - 1; a++) {
			for (size_t b = 0; b < sizeof(follow) - 1; b++) {
				for (size_t len = 1; len <= 3; len++) {
					struct ronda_php_lexer lx;
					struct ronda_php_tok t;
					size_t want;

					buf[0] = (unsigned char)c;
					buf[1] = (unsigned char)follow[a];
					buf[2] = (unsigned char)follow[b];
					if ((c == '#' && !(len > 1 && buf[1] == '[')) ||
					    (c == '/' && len > 1 && (buf[1] == '/' || buf[1] == '*')) ||
					    (c == '.' && len > 1 && buf[1] >= '0' && buf[1] <= '9') ||
					    (c == '?' && len > 1 && buf[1] == '>') ||
					    (c == '<' && len > 2 && buf[1] == '<' && buf[2] == '<'))
						continue;   /* comment, number, close tag, heredoc */
					ronda_php_lex_init(&lx, buf, len, RONDA_PHP_LEX_CODE);
					assert_true(ronda_php_lex_next(&lx, &t));
					want = ref_op_len(buf, len);
					assert_int_equal(t.type, RONDA_PHP_OP);
					assert_int_equal(t.off, 0);
					assert_int_equal(t.len, want);
					assert_int_equal(t.flags, 0);
					assert_memory_equal(t.op, buf, want);
					for (size_t k = want; k < sizeof(t.op); k++)
						assert_int_equal(t.op[k], 0);
					assert_int_equal(lx.pos, want);
				}
			}
		}
	}
}

/* Casts: the type name after '(' and blanks, at most 7 letters, any case;
 * anything longer, unknown or unclosed is the operator '('.  One-digit
 * numbers end at anything but a name byte or '.'. */
static void test_casts_and_digits(void **state)
{
	static const struct { const char *src; enum ronda_php_tok_type type; unsigned len; } cases[] = {
		{ "(int)", RONDA_PHP_CAST, 5 }, { "( Integer\t)", RONDA_PHP_CAST, 11 },
		{ "(BOOLEAN)x", RONDA_PHP_CAST, 9 }, { "(\tunset )", RONDA_PHP_CAST, 9 },
		{ "(integers)", RONDA_PHP_OP, 1 }, { "(abcdefgh)", RONDA_PHP_OP, 1 },
		{ "(int", RONDA_PHP_OP, 1 }, { "(int x)", RONDA_PHP_OP, 1 },
		{ "(in)", RONDA_PHP_OP, 1 }, { "(", RONDA_PHP_OP, 1 }, { "( ", RONDA_PHP_OP, 1 },
		{ "(1nt)", RONDA_PHP_OP, 1 }, { "(string)", RONDA_PHP_CAST, 8 },
		{ "7", RONDA_PHP_NUMBER, 1 }, { "7;", RONDA_PHP_NUMBER, 1 },
		{ "7.5", RONDA_PHP_NUMBER, 3 }, { "7..", RONDA_PHP_NUMBER, 1 },
		{ "7e3", RONDA_PHP_NUMBER, 3 }, { "7_0", RONDA_PHP_NUMBER, 3 },
		{ "7x", RONDA_PHP_NUMBER, 1 }, { "0x1f", RONDA_PHP_NUMBER, 4 },
		{ "7\xc3", RONDA_PHP_NUMBER, 1 },
	};

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		struct ronda_php_lexer lx;
		struct ronda_php_tok t;

		ronda_php_lex_init(&lx, cases[k].src, strlen(cases[k].src), RONDA_PHP_LEX_CODE);
		assert_true(ronda_php_lex_next(&lx, &t));
		if (t.type != cases[k].type || t.len != cases[k].len)
			fail_msg("'%s': %s len %u, want %s len %u", cases[k].src,
				 ronda_php_tok_type_name(t.type), t.len,
				 ronda_php_tok_type_name(cases[k].type), cases[k].len);
		if (t.type != RONDA_PHP_OP)
			assert_memory_equal(t.op, "\0\0\0\0", 4);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_comments_and_vars),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_heredoc),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_quoted_runs),
		cmocka_unit_test(test_linear),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_casts_and_digits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
