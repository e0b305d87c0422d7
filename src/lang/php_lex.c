/*
 * php_lex.c — streaming PHP tokenizer (see php_lex.h).
 *
 * Every path through ronda_php_lex_next() advances lx->pos by at least one
 * byte or returns EOF, and no byte is looked at more than a small constant
 * number of times, so tokenizing is linear in the input.
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/error.h"
#include "lang/php_lex.h"
#include "core/util.h"

/* Byte classes: one table lookup instead of a chain of compares per byte.
 * C_CAST: a blank or the first letter of a cast's type ("(int)",
 * "( string )"): after '(', anything else is the operator. */
enum { C_SPACE = 1, C_IDSTART = 2, C_DIGIT = 4, C_CAST = 8 };

#define SP C_SPACE
#define ID C_IDSTART
#define DG C_DIGIT
#define CA C_CAST
#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static const unsigned char cls[256] = {
	/* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, SP|CA, SP, SP, SP, SP, 0, 0,
	/* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x20 */ SP|CA, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x30 */ DG, DG, DG, DG, DG, DG, DG, DG, DG, DG, 0, 0, 0, 0, 0, 0,
	/* 0x40 */ 0, ID|CA, ID|CA, ID, ID|CA, ID, ID|CA, ID, ID, ID|CA, ID, ID, ID, ID, ID, ID|CA,
	/* 0x50 */ ID, ID, ID|CA, ID|CA, ID, ID|CA, ID, ID, ID, ID, ID, 0, 0, 0, 0, ID,
	/* 0x60 */ 0, ID|CA, ID|CA, ID, ID|CA, ID, ID|CA, ID, ID, ID|CA, ID, ID, ID, ID, ID, ID|CA,
	/* 0x70 */ ID, ID, ID|CA, ID|CA, ID, ID|CA, ID, ID, ID, ID, ID, 0, 0, 0, 0, 0,
	/* 0x80 */ R16(ID), R16(ID), R16(ID), R16(ID),
	/* 0xc0 */ R16(ID), R16(ID), R16(ID), R16(ID),
};
#undef SP
#undef ID
#undef DG
#undef CA
#undef R16

static inline bool is_ident_start(unsigned char c)
{
	return cls[c] & C_IDSTART;
}

static inline bool is_ident(unsigned char c)
{
	return cls[c] & (C_IDSTART | C_DIGIT);
}

static inline bool is_space(unsigned char c)
{
	return cls[c] & C_SPACE;
}

/* Index of the first byte of s[i..n) that is not whitespace (n if none). */
static inline size_t skip_space(const unsigned char *s, size_t i, size_t n)
{
	/* tokens often touch or are one space apart */
	if (i < n && !is_space(s[i]))
		return i;
	if (i + 1 < n && !is_space(s[i + 1]))
		return i + 1;
#ifdef __SSE2__
	/* 16 bytes at a time: spaces are 0x20 and 0x09-0x0d */
	const __m128i sp = _mm_set1_epi8(' '), nine = _mm_set1_epi8(9),
		      four = _mm_set1_epi8(4);

	while (n - i >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(_mm_sub_epi8(x, nine), four), four);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, sp), ctl));

		if (m != 0xffff)
			return i + (size_t)__builtin_ctz(~m);
		i += 16;
	}
#endif
	while (i < n && is_space(s[i]))
		i++;
	return i;
}

/* Index of the first byte of s[i..n) that is not an identifier byte. */
static inline size_t skip_ident(const unsigned char *s, size_t i, size_t n)
{
#ifdef __SSE2__
	/* letters, digits, '_' and every byte >= 0x80 */
	const __m128i a = _mm_set1_epi8('a'), z25 = _mm_set1_epi8(25),
		      zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9),
		      us = _mm_set1_epi8('_'), bit5 = _mm_set1_epi8(0x20);

	while (n - i >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i l = _mm_sub_epi8(_mm_or_si128(x, bit5), a);
		__m128i d = _mm_sub_epi8(x, zero);
		__m128i ok = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(l, z25), z25),
				     _mm_cmpeq_epi8(_mm_max_epu8(d, nine), nine)),
			_mm_or_si128(_mm_cmpeq_epi8(x, us), x));
		unsigned m = (unsigned)_mm_movemask_epi8(ok);

		if (m != 0xffff)
			return i + (size_t)__builtin_ctz(~m);
		i += 16;
	}
#endif
	while (i < n && is_ident(s[i]))
		i++;
	return i;
}

static inline bool is_digit_(unsigned char c)
{
	return (c >= '0' && c <= '9') || c == '_';
}

/* Index of the first byte of s[i..n) that is not a digit or '_'. */
static inline size_t skip_digits(const unsigned char *s, size_t i, size_t n)
{
#ifdef __SSE2__
	const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9),
		      us = _mm_set1_epi8('_');

	while (n - i >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i d = _mm_sub_epi8(x, zero);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			_mm_cmpeq_epi8(_mm_max_epu8(d, nine), nine),
			_mm_cmpeq_epi8(x, us)));

		if (m != 0xffff)
			return i + (size_t)__builtin_ctz(~m);
		i += 16;
	}
#endif
	while (i < n && is_digit_(s[i]))
		i++;
	return i;
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static bool ieq(const unsigned char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n && word[i]; i++)
		if (lower(s[i]) != (unsigned char)word[i])
			return false;
	return i == n && word[i] == '\0';
}

void ronda_php_lex_init(struct ronda_php_lexer *lx, const void *src,
			size_t len, unsigned flags)
{
	lx->src = src;
	lx->len = len > UINT32_MAX ? UINT32_MAX : len;
	lx->pos = 0;
	lx->in_code = (flags & RONDA_PHP_LEX_CODE) != 0;
}

/* Length of an open tag at p (0 if none). */
static size_t open_tag_at(const unsigned char *p, size_t left,
			  enum ronda_php_tok_type *type)
{
	if (left < 2 || p[0] != '<' || p[1] != '?')
		return 0;
	if (left >= 5 && ieq(p + 2, 3, "php") &&
	    (left == 5 || is_space(p[5]))) {
		*type = RONDA_PHP_OPEN_TAG;
		if (left > 5) {
			if (p[5] == '\r' && left > 6 && p[6] == '\n')
				return 7;
			return 6;
		}
		return 5;
	}
	if (left >= 3 && p[2] == '=') {
		*type = RONDA_PHP_OPEN_TAG_ECHO;
		return 3;
	}
	if (left >= 5 && ieq(p + 2, 3, "xml"))
		return 0;
	*type = RONDA_PHP_OPEN_TAG;
	return 2;
}

/* The helpers finishing rarer tokens stay out of the hot path: inlined,
 * they would make ronda_php_lex_next() save and restore registers for
 * every token. */
#define NOINLINE __attribute__((noinline))

/* Store a whole token: two 8-byte stores, not a cleared struct and then
 * its fields one by one (this runs once per token).  The padding after
 * op[] is zero, as the memset this replaces left it. */
static inline void put(struct ronda_php_tok *t, size_t off, size_t len,
		       unsigned type, unsigned flags, uint32_t op)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	_Static_assert(offsetof(struct ronda_php_tok, len) == 4 &&
		       offsetof(struct ronda_php_tok, type) == 8 &&
		       offsetof(struct ronda_php_tok, flags) == 9 &&
		       offsetof(struct ronda_php_tok, op) == 10 &&
		       sizeof(struct ronda_php_tok) == 16, "token layout");
	uint64_t lo = (uint64_t)(uint32_t)off | (uint64_t)(uint32_t)len << 32;
	uint64_t hi = (uint64_t)(type & 0xffu) | (uint64_t)(flags & 0xffu) << 8 |
		      (uint64_t)(op & 0xffffffu) << 16;

	memcpy(t, &lo, sizeof(lo));
	memcpy((unsigned char *)t + 8, &hi, sizeof(hi));
#else
	memset(t, 0, sizeof(*t));
	t->off = (uint32_t)off;
	t->len = (uint32_t)len;
	t->type = (uint8_t)type;
	t->flags = (uint8_t)flags;
	t->op[0] = (char)(op & 0xff);
	t->op[1] = (char)(op >> 8 & 0xff);
	t->op[2] = (char)(op >> 16 & 0xff);
#endif
}

static NOINLINE bool lex_html(struct ronda_php_lexer *lx, struct ronda_php_tok *t)
{
	const unsigned char *s = lx->src, *p, *end = lx->src + lx->len;
	enum ronda_php_tok_type type = RONDA_PHP_OPEN_TAG;
	size_t pos = lx->pos, n;

	if (pos >= lx->len) {
		put(t, lx->len, 0, RONDA_PHP_EOF, 0, 0);
		return false;
	}
	n = open_tag_at(s + pos, lx->len - pos, &type);
	if (n) {
		put(t, pos, n, type, 0, 0);
		lx->pos = pos + n;
		lx->in_code = true;
		return true;
	}
	p = s + pos + 1;
	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		if (open_tag_at(p, (size_t)(end - p), &type))
			break;
		p++;
	}
	if (!p)
		p = end;
	put(t, pos, (size_t)(p - (s + pos)), RONDA_PHP_INLINE_HTML, 0, 0);
	lx->pos = (size_t)(p - s);
	return true;
}

/* Skip whitespace and comments; stop at "?>" ending a line comment. */
static void skip_trivia(struct ronda_php_lexer *lx)
{
	const unsigned char *s = lx->src;
	size_t n = lx->len, pos = lx->pos;

	while ((pos = skip_space(s, pos, n)) < n) {
		unsigned char c = s[pos];

		if ((c == '#' && !(pos + 1 < n && s[pos + 1] == '[')) ||
		    (c == '/' && pos + 1 < n && s[pos + 1] == '/')) {
			const unsigned char *nl, *q;
			size_t e, k;

			/* to the newline, or to a "?>" before it */
			nl = memchr(s + pos, '\n', n - pos);
			e = nl ? (size_t)(nl - s) : n;
			for (k = pos; k < e && (q = memchr(s + k, '?', e - k)) != NULL; k++) {
				k = (size_t)(q - s);
				if (k + 1 < n && s[k + 1] == '>') {
					e = k;
					break;
				}
			}
			pos = e;
		} else if (c == '/' && pos + 1 < n && s[pos + 1] == '*') {
			/* the closing '/' is rarer than '*' in doc comments */
			size_t k = pos + 3;
			const unsigned char *e;

			pos = n;
			while (k < n && (e = memchr(s + k, '/', n - k)) != NULL) {
				k = (size_t)(e - s);
				if (s[k - 1] == '*') {
					pos = k + 1;
					break;
				}
				k++;
			}
		} else {
			break;
		}
	}
	lx->pos = pos;
}

/* Scan a "{$...}" or "${...}" interpolation starting at s[i] == '{' or the
 * '{' after '$'; return the index just past the matching '}' (or n). */
static size_t skip_complex(const unsigned char *s, size_t i, size_t n)
{
	unsigned depth = 0;

	while (i < n) {
		unsigned char c = s[i];

		if (c == '{') {
			depth++;
		} else if (c == '}') {
			if (--depth == 0)
				return i + 1;
		} else if (c == '\'' || c == '"') {
			i++;
			while (i < n && s[i] != c) {
				if (s[i] == '\\')
					i++;
				i++;
			}
			if (i >= n)
				return n;
		}
		i++;
	}
	return n;
}

/* Count an interpolation at s[i] (inside a double-quoted body); return how
 * many bytes to skip (0: not an interpolation). */
static size_t interp_at(const unsigned char *s, size_t i, size_t n)
{
	if (s[i] == '$' && i + 1 < n) {
		if (is_ident_start(s[i + 1]))
			return 2;
		if (s[i + 1] == '{')
			return skip_complex(s, i + 1, n) - i;
	}
	if (s[i] == '{' && i + 1 < n && s[i + 1] == '$')
		return skip_complex(s, i, n) - i;
	return 0;
}

/* Index of the first byte of s[i..n) (i < n) that may end or change a
 * quoted body: the quote q, a backslash and, when the body interpolates
 * (dq), '$' and '{'; n if none.  String bodies are most of the bytes of
 * many files, and plain runs are skipped 16 bytes at a time. */
static inline size_t skip_quoted(const unsigned char *s, size_t i, size_t n,
				 unsigned char q, bool dq)
{
#ifdef __SSE2__
	const __m128i vq = _mm_set1_epi8((char)q), bs = _mm_set1_epi8('\\'),
		      dl = _mm_set1_epi8('$'), br = _mm_set1_epi8('{');

	while (n - i >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, bs));
		unsigned bits;

		if (dq)
			m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(x, dl),
							 _mm_cmpeq_epi8(x, br)));
		bits = (unsigned)_mm_movemask_epi8(m);
		if (bits)
			return i + (size_t)__builtin_ctz(bits);
		i += 16;
	}
#endif
	while (i < n && s[i] != q && s[i] != '\\' &&
	       !(dq && (s[i] == '$' || s[i] == '{')))
		i++;
	return i;
}

/* The quoted token at s[off] (a 'b' prefix included) with quote q; the
 * body is scanned from s[i] on (the bytes before i are plain). */
static NOINLINE bool lex_quoted(struct ronda_php_lexer *lx, struct ronda_php_tok *t,
		       size_t off, size_t i, unsigned char q)
{
	const unsigned char *s = lx->src;
	size_t n = lx->len;
	bool dq = q != '\'';
	unsigned flags = 0;

	while (i < n && (i = skip_quoted(s, i, n, q, dq)) < n && s[i] != q) {
		size_t k;

		if (s[i] == '\\') {
			i += 2;
			continue;
		}
		if (dq && (k = interp_at(s, i, n)) != 0) {
			flags |= RONDA_PHP_TF_INTERP;
			i += k;
			continue;
		}
		i++;
	}
	if (i >= n) {
		flags |= RONDA_PHP_TF_UNTERMINATED;
		i = n;
	} else {
		i++;
	}
	put(t, off, i - off, q == '\'' ? RONDA_PHP_STRING :
	    q == '"' ? RONDA_PHP_DQSTRING : RONDA_PHP_BACKTICK, flags, 0);
	lx->pos = i;
	return true;
}

/* Heredoc/nowdoc header at s[pos] ("<<<"): fills the identifier and
 * returns the offset of the body (0 if this is not a heredoc). */
static size_t heredoc_header(const unsigned char *s, size_t pos, size_t n,
			     size_t *id_off, size_t *id_len, bool *nowdoc)
{
	size_t i = pos + 3;
	unsigned char q = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && (s[i] == '\'' || s[i] == '"'))
		q = s[i++];
	if (i >= n || !is_ident_start(s[i]))
		return 0;
	*id_off = i;
	while (i < n && is_ident(s[i]))
		i++;
	*id_len = i - *id_off;
	if (q) {
		if (i >= n || s[i] != q)
			return 0;
		i++;
	}
	*nowdoc = q == '\'';
	if (i < n && s[i] == '\r')
		i++;
	if (i >= n || s[i] != '\n')
		return 0;
	return i + 1;
}

/* If the line at s[i] closes a heredoc with identifier id, return the
 * offset just past the identifier, else 0. */
static size_t heredoc_close(const unsigned char *s, size_t i, size_t n,
			    const unsigned char *id, size_t id_len)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i < id_len || memcmp(s + i, id, id_len) != 0)
		return 0;
	i += id_len;
	if (i < n && is_ident(s[i]))
		return 0;
	return i;
}

static bool lex_heredoc(struct ronda_php_lexer *lx, struct ronda_php_tok *t,
			size_t off)
{
	const unsigned char *s = lx->src;
	size_t n = lx->len, id_off, id_len, i, e;
	unsigned flags;
	bool nowdoc;

	i = heredoc_header(s, off, n, &id_off, &id_len, &nowdoc);
	if (!i)
		return false;
	flags = nowdoc ? RONDA_PHP_TF_NOWDOC : RONDA_PHP_TF_HEREDOC;
	for (;;) {
		const unsigned char *nl;

		if (i >= n) {
			flags |= RONDA_PHP_TF_UNTERMINATED;
			i = n;
			break;
		}
		if ((e = heredoc_close(s, i, n, s + id_off, id_len)) != 0) {
			i = e;
			break;
		}
		nl = memchr(s + i, '\n', n - i);
		e = nl ? (size_t)(nl - s) + 1 : n;
		if (!nowdoc)
			for (size_t k = i; k < e; k++)
				if ((s[k] == '$' && k + 1 < e &&
				     (is_ident_start(s[k + 1]) || s[k + 1] == '{')) ||
				    (s[k] == '{' && k + 1 < e && s[k + 1] == '$')) {
					flags |= RONDA_PHP_TF_INTERP;
					break;
				}
		i = e;
	}
	put(t, off, i - off, nowdoc ? RONDA_PHP_STRING : RONDA_PHP_DQSTRING, flags, 0);
	lx->pos = i;
	return true;
}

static const char *const casts[] = {
	"int", "integer", "bool", "boolean", "float", "double", "real",
	"string", "binary", "array", "object", "unset", NULL,
};

static size_t cast_at(const unsigned char *s, size_t i, size_t n)
{
	size_t start = i + 1, w, e;

	while (start < n && (s[start] == ' ' || s[start] == '\t'))
		start++;
	/* a type name of at most 7 letters ("integer", "boolean") */
	if (start >= n || (cls[s[start]] & (C_CAST | C_IDSTART)) != (C_CAST | C_IDSTART))
		return 0;
	w = skip_ident(s, start + 1, n);
	if (w - start > 7)
		return 0;
	e = w;
	while (e < n && (s[e] == ' ' || s[e] == '\t'))
		e++;
	if (e >= n || s[e] != ')')
		return 0;
	for (const char *const *c = casts; *c; c++)
		if (ieq(s + start, w - start, *c))
			return e + 1 - i;
	return 0;
}

/* Length of the operator starting with bytes c, b, c2 (0 past the end):
 * the longest of PHP's two- and three-byte operators, else 1.  Inlined
 * with a constant c, it is one or two tests. */
static inline __attribute__((always_inline)) size_t
op_len(unsigned c, unsigned b, unsigned c2)
{
	switch (c) {
	case '<':
		if ((b == '=' && c2 == '>') || (b == '<' && c2 == '='))
			return 3;
		return b == '>' || b == '=' || b == '<' ? 2 : 1;
	case '*':
		if (b == '*')
			return c2 == '=' ? 3 : 2;
		return b == '=' ? 2 : 1;
	case '.':
		if (b == '.' && c2 == '.')
			return 3;
		return b == '=' ? 2 : 1;
	case '>':
		if (b == '>')
			return c2 == '=' ? 3 : 2;
		return b == '=' ? 2 : 1;
	case '=':
		if (b == '=')
			return c2 == '=' ? 3 : 2;
		return b == '>' ? 2 : 1;
	case '!':
		if (b == '=')
			return c2 == '=' ? 3 : 2;
		return 1;
	case '?':
		if (b == '?')
			return c2 == '=' ? 3 : 2;
		return b == '-' && c2 == '>' ? 3 : 1;
	case '+':
		return b == '+' || b == '=' ? 2 : 1;
	case '-':
		return b == '-' || b == '>' || b == '=' ? 2 : 1;
	case ':':
		return b == ':' ? 2 : 1;
	case '&':
		return b == '&' || b == '=' ? 2 : 1;
	case '|':
		return b == '|' || b == '=' ? 2 : 1;
	case '/': case '%': case '^':
		return b == '=' ? 2 : 1;
	case '#':
		return b == '[' ? 2 : 1;
	default:
		return 1;
	}
}

/* The operator token at s[i]: its bytes, NUL-padded, as op[]. */
static inline bool put_op(struct ronda_php_lexer *lx, struct ronda_php_tok *t,
			  size_t i, unsigned c, unsigned b, unsigned c2, size_t len)
{
	uint32_t w = c | b << 8 | c2 << 16;

	w &= len == 1 ? 0xffu : len == 2 ? 0xffffu : 0xffffffu;
	put(t, i, len, RONDA_PHP_OP, 0, w);
	lx->pos = i + len;
	return true;
}

/* Out of line: the operator at s[i] whatever its first byte. */
static NOINLINE bool lex_op(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	const unsigned char *s = lx->src;
	size_t n = lx->len;
	unsigned c = s[i], b = i + 1 < n ? s[i + 1] : 0, c2 = i + 2 < n ? s[i + 2] : 0;

	return put_op(lx, t, i, c, b, c2, op_len(c, b, c2));
}

static NOINLINE bool lex_number(struct ronda_php_lexer *lx, struct ronda_php_tok *t,
		       size_t off)
{
	const unsigned char *s = lx->src;
	size_t n = lx->len, i = off;

	if (s[i] == '0' && i + 1 < n &&
	    ((s[i + 1] | 0x20) == 'x' || (s[i + 1] | 0x20) == 'b' ||
	     (s[i + 1] | 0x20) == 'o')) {
		i += 2;
		while (i < n && (is_ident(s[i])))
			i++;
	} else {
		i = skip_digits(s, i, n);
		if (i < n && s[i] == '.' && !(i + 1 < n && s[i + 1] == '.'))
			i = skip_digits(s, i + 1, n);
		if (i < n && (s[i] == 'e' || s[i] == 'E')) {
			size_t j = i + 1;
			if (j < n && (s[j] == '+' || s[j] == '-'))
				j++;
			if (j < n && s[j] >= '0' && s[j] <= '9') {
				i = j;
				while (i < n && s[i] >= '0' && s[i] <= '9')
					i++;
			}
		}
	}
	put(t, off, i - off, RONDA_PHP_NUMBER, 0, 0);
	lx->pos = i;
	return true;
}

/* A comment at lx->pos: skip it and whatever whitespace and comments
 * follow, then lex the token after them.  ronda_php_lex_next() does not
 * come back here for that token (it starts with neither whitespace nor a
 * comment), so the recursion is one level deep. */
static NOINLINE bool
lex_after_trivia(struct ronda_php_lexer *lx, struct ronda_php_tok *t)
{
	skip_trivia(lx);
	return ronda_php_lex_next(lx, t);
}

/* "?>" at s[i] (with one newline after it). */
static NOINLINE bool lex_close(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t off)
{
	const unsigned char *s = lx->src;
	size_t n = lx->len, i = off + 2;

	if (i < n && s[i] == '\n')
		i++;
	else if (i + 1 < n && s[i] == '\r' && s[i + 1] == '\n')
		i += 2;
	put(t, off, i - off, RONDA_PHP_CLOSE_TAG, 0, 0);
	lx->pos = i;
	lx->in_code = false;
	return true;
}

/* '(' at s[i] followed by a name or a blank: a cast or the operator. */
static NOINLINE bool lex_paren(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	size_t k = cast_at(lx->src, i, lx->len);

	if (!k) {
		put(t, i, 1, RONDA_PHP_OP, 0, '(');
		lx->pos = i + 1;
		return true;
	}
	put(t, i, k, RONDA_PHP_CAST, 0, 0);
	lx->pos = i + k;
	return true;
}

/* "<<<" at s[i]: a heredoc or nowdoc, else the operator. */
static NOINLINE bool lex_lt3(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	return lex_heredoc(lx, t, i) || lex_op(lx, t, i);
}

/* The token functions: each lexes the token starting at s[i] (i < len, s[i]
 * of its kind) into *t, moves lx->pos past it and returns true.  They are
 * small leaf functions, or tail-call a helper above: the dispatch in
 * ronda_php_lex_next() is one indirect jump and nothing returns through it,
 * so no registers are saved per token. */
typedef bool lex_fn(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i);
static lex_fn tok_space;

/* the byte after s[i], 0 at the end */
#define NEXT1(lx, i) ((i) + 1 < (lx)->len ? (unsigned)(lx)->src[(i) + 1] : 0u)
#define NEXT2(lx, i) ((i) + 2 < (lx)->len ? (unsigned)(lx)->src[(i) + 2] : 0u)

static bool tok_ident(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	size_t j = skip_ident(lx->src, i + 1, lx->len);

	put(t, i, j - i, RONDA_PHP_IDENT, 0, 0);
	lx->pos = j;
	return true;
}

static bool tok_b(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	unsigned b = NEXT1(lx, i);

	if (b == '\'' || b == '"')   /* b'...', b"...": binary strings */
		return lex_quoted(lx, t, i, i + 2, (unsigned char)b);
	return tok_ident(lx, t, i);
}

static bool tok_var(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	size_t j;

	if (!is_ident_start((unsigned char)NEXT1(lx, i)))
		return put_op(lx, t, i, '$', 0, 0, 1);
	j = skip_ident(lx->src, i + 2, lx->len);
	put(t, i, j - i, RONDA_PHP_VARIABLE, 0, 0);
	lx->pos = j;
	return true;
}

/* one digit ends a number when no name byte or '.' follows */
static bool tok_digit(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	unsigned b = NEXT1(lx, i);

	if (is_ident((unsigned char)b) || b == '.')
		return lex_number(lx, t, i);
	put(t, i, 1, RONDA_PHP_NUMBER, 0, 0);
	lx->pos = i + 1;
	return true;
}

/* a body without a backslash (nor '$' or '{' when it interpolates) ends
 * at the next quote; anything else is lex_quoted()'s */
static inline bool plain_quoted(struct ronda_php_lexer *lx, struct ronda_php_tok *t,
				size_t i, char q, bool interp, unsigned type)
{
	size_t j = skip_quoted(lx->src, i + 1, lx->len, q, interp);

	if (j >= lx->len || lx->src[j] != q)
		return lex_quoted(lx, t, i, j, q);
	put(t, i, j + 1 - i, type, 0, 0);
	lx->pos = j + 1;
	return true;
}

static bool tok_sq(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	return plain_quoted(lx, t, i, '\'', false, RONDA_PHP_STRING);
}

static bool tok_dq(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	return plain_quoted(lx, t, i, '"', true, RONDA_PHP_DQSTRING);
}

static bool tok_bt(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	return lex_quoted(lx, t, i, i + 1, '`');
}

static bool tok_op1(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	return put_op(lx, t, i, lx->src[i], 0, 0, 1);
}

static bool tok_par(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	if (cls[NEXT1(lx, i)] & C_CAST)
		return lex_paren(lx, t, i);
	return put_op(lx, t, i, '(', 0, 0, 1);
}

/* '#' starts a comment unless it is "#[" (an attribute) */
static bool tok_hash(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	if (NEXT1(lx, i) == '[')
		return put_op(lx, t, i, '#', '[', 0, 2);
	lx->pos = i;
	return lex_after_trivia(lx, t);
}

static bool tok_slash(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	unsigned b = NEXT1(lx, i);

	if (b == '/' || b == '*') {
		lx->pos = i;
		return lex_after_trivia(lx, t);
	}
	return put_op(lx, t, i, '/', b, 0, op_len('/', b, 0));
}

static bool tok_qm(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	unsigned b = NEXT1(lx, i), c2;

	if (b == '>')
		return lex_close(lx, t, i);
	c2 = NEXT2(lx, i);
	return put_op(lx, t, i, '?', b, c2, op_len('?', b, c2));
}

static bool tok_dot(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	unsigned b = NEXT1(lx, i), c2;

	if (b >= '0' && b <= '9')
		return lex_number(lx, t, i);
	c2 = NEXT2(lx, i);
	return put_op(lx, t, i, '.', b, c2, op_len('.', b, c2));
}

static bool tok_lt(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	unsigned b = NEXT1(lx, i), c2 = NEXT2(lx, i);

	if (b == '<' && c2 == '<' && lx->len - i >= 4)
		return lex_lt3(lx, t, i);
	return put_op(lx, t, i, '<', b, c2, op_len('<', b, c2));
}

#define TOK_OP(name, ch) \
	static bool name(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i) \
	{ \
		unsigned b = NEXT1(lx, i), c2 = NEXT2(lx, i); \
		return put_op(lx, t, i, ch, b, c2, op_len(ch, b, c2)); \
	}
TOK_OP(tok_star, '*')
TOK_OP(tok_gt, '>')
TOK_OP(tok_eq, '=')
TOK_OP(tok_bang, '!')
TOK_OP(tok_plus, '+')
TOK_OP(tok_minus, '-')
TOK_OP(tok_colon, ':')
TOK_OP(tok_amp, '&')
TOK_OP(tok_pipe, '|')
TOK_OP(tok_pct, '%')
TOK_OP(tok_caret, '^')
#undef TOK_OP
#undef NEXT1
#undef NEXT2

#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
static lex_fn *const first_fn[256] = {
	/* 0x00 */
		tok_op1, tok_op1, tok_op1, tok_op1,
		tok_op1, tok_op1, tok_op1, tok_op1,
		tok_op1, tok_space, tok_space, tok_space,
		tok_space, tok_space, tok_op1, tok_op1,
	/* 0x10 */
		tok_op1, tok_op1, tok_op1, tok_op1,
		tok_op1, tok_op1, tok_op1, tok_op1,
		tok_op1, tok_op1, tok_op1, tok_op1,
		tok_op1, tok_op1, tok_op1, tok_op1,
	/* 0x20 */
		tok_space, tok_bang, tok_dq, tok_hash,
		tok_var, tok_pct, tok_amp, tok_sq,
		tok_par, tok_op1, tok_star, tok_plus,
		tok_op1, tok_minus, tok_dot, tok_slash,
	/* 0x30 */
		tok_digit, tok_digit, tok_digit, tok_digit,
		tok_digit, tok_digit, tok_digit, tok_digit,
		tok_digit, tok_digit, tok_colon, tok_op1,
		tok_lt, tok_eq, tok_gt, tok_qm,
	/* 0x40 */
		tok_op1, tok_ident, tok_b, tok_ident,
		tok_ident, tok_ident, tok_ident, tok_ident,
		tok_ident, tok_ident, tok_ident, tok_ident,
		tok_ident, tok_ident, tok_ident, tok_ident,
	/* 0x50 */
		tok_ident, tok_ident, tok_ident, tok_ident,
		tok_ident, tok_ident, tok_ident, tok_ident,
		tok_ident, tok_ident, tok_ident, tok_op1,
		tok_op1, tok_op1, tok_caret, tok_ident,
	/* 0x60 */
		tok_bt, tok_ident, tok_b, tok_ident,
		tok_ident, tok_ident, tok_ident, tok_ident,
		tok_ident, tok_ident, tok_ident, tok_ident,
		tok_ident, tok_ident, tok_ident, tok_ident,
	/* 0x70 */
		tok_ident, tok_ident, tok_ident, tok_ident,
		tok_ident, tok_ident, tok_ident, tok_ident,
		tok_ident, tok_ident, tok_ident, tok_op1,
		tok_pipe, tok_op1, tok_op1, tok_op1,
	/* 0x80 */ R16(tok_ident), R16(tok_ident), R16(tok_ident), R16(tok_ident),
	/* 0xc0 */ R16(tok_ident), R16(tok_ident), R16(tok_ident), R16(tok_ident),
};
#undef R16

/* Whitespace: skip it and lex the token after it (which does not start
 * with whitespace, so this does not come back here). */
static bool tok_space(struct ronda_php_lexer *lx, struct ronda_php_tok *t, size_t i)
{
	i = skip_space(lx->src, i + 1, lx->len);
	if (i >= lx->len) {
		put(t, i, 0, RONDA_PHP_EOF, 0, 0);
		lx->pos = i;
		return false;
	}
	return first_fn[lx->src[i]](lx, t, i);
}

bool ronda_php_lex_next(struct ronda_php_lexer *lx, struct ronda_php_tok *t)
{
	size_t i = lx->pos;

	if (!lx->in_code)
		return lex_html(lx, t);
	if (i >= lx->len) {
		put(t, i, 0, RONDA_PHP_EOF, 0, 0);
		return false;
	}
	return first_fn[lx->src[i]](lx, t, i);
}

const unsigned char *ronda_php_tok_name(const unsigned char *src,
					const struct ronda_php_tok *t,
					size_t *len)
{
	if (t->type == RONDA_PHP_VARIABLE) {
		*len = t->len - 1;
		return src + t->off + 1;
	}
	if (t->type == RONDA_PHP_IDENT) {
		*len = t->len;
		return src + t->off;
	}
	*len = 0;
	return NULL;
}


static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int add_utf8(struct ronda_buf *out, unsigned long cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | ((cp >> 18) & 0x07));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return ronda_buf_add(out, b, n);
}

/* Decode a double-quoted/heredoc/backtick body s[0..n). */
static int decode_dq(const unsigned char *s, size_t n, unsigned char q,
		     bool heredoc, struct ronda_buf *out, unsigned *n_interp,
		     unsigned *n_escapes)
{
	size_t i = 0, run = 0;
	int err;

#define FLUSH() do { \
		if (run && (err = ronda_buf_add(out, s + i - run, run))) \
			return err; \
		run = 0; \
	} while (0)

	while (i < n) {
		unsigned char c = s[i];
		size_t k;

		if (c == '\\' && i + 1 < n) {
			unsigned char e = s[i + 1];
			int v = -1;
			size_t used = 2;

			switch (e) {
			case 'n': v = '\n'; break;
			case 't': v = '\t'; break;
			case 'r': v = '\r'; break;
			case 'v': v = '\v'; break;
			case 'e': v = 0x1b; break;
			case 'f': v = '\f'; break;
			case '\\': v = '\\'; break;
			case '$': v = '$'; break;
			case 'x':
				if (i + 2 < n && hexval(s[i + 2]) >= 0) {
					v = hexval(s[i + 2]);
					used = 3;
					if (i + 3 < n && hexval(s[i + 3]) >= 0) {
						v = v * 16 + hexval(s[i + 3]);
						used = 4;
					}
					if (n_escapes)
						(*n_escapes)++;
				}
				break;
			case 'u':
				if (i + 2 < n && s[i + 2] == '{') {
					unsigned long cp = 0;
					size_t j = i + 3;
					while (j < n && hexval(s[j]) >= 0 && j - i < 12)
						cp = cp * 16 + (unsigned long)hexval(s[j++]);
					if (j < n && s[j] == '}' && j > i + 3 && cp <= 0x10ffff) {
						FLUSH();
						if ((err = add_utf8(out, cp)))
							return err;
						if (n_escapes)
							(*n_escapes)++;
						i = j + 1;
						continue;
					}
				}
				break;
			default:
				if (e >= '0' && e <= '7') {
					v = e - '0';
					if (i + 2 < n && s[i + 2] >= '0' && s[i + 2] <= '7') {
						v = v * 8 + (s[i + 2] - '0');
						used = 3;
						if (i + 3 < n && s[i + 3] >= '0' && s[i + 3] <= '7') {
							v = v * 8 + (s[i + 3] - '0');
							used = 4;
						}
					}
					v &= 0xff;
					if (n_escapes)
						(*n_escapes)++;
				} else if (e == q && !heredoc) {
					v = e;
				}
			}
			if (v >= 0) {
				FLUSH();
				if ((err = ronda_buf_addch(out, v)))
					return err;
				i += used;
				continue;
			}
			run += 2;
			i += 2;
			continue;
		}
		if ((k = interp_at(s, i, n)) != 0) {
			if (n_interp)
				(*n_interp)++;
			if (k > n - i)
				k = n - i;
			run += k;
			i += k;
			continue;
		}
		run++;
		i++;
	}
	FLUSH();
#undef FLUSH
	return RONDA_OK;
}

static int decode_heredoc(const unsigned char *src,
			  const struct ronda_php_tok *t, struct ronda_buf *out,
			  unsigned *n_interp, unsigned *n_escapes)
{
	const unsigned char *s = src + t->off;
	size_t n = t->len, id_off, id_len, body, end, indent = 0, i;
	bool nowdoc;
	struct ronda_buf raw = RONDA_BUF_INIT(out->max);
	int err = RONDA_OK;

	body = heredoc_header(s, 0, n, &id_off, &id_len, &nowdoc);
	if (!body)
		return RONDA_EINVAL;
	end = n;
	if (!(t->flags & RONDA_PHP_TF_UNTERMINATED)) {
		/* the closing line starts after the last newline */
		size_t ls = n;
		while (ls > body && s[ls - 1] != '\n')
			ls--;
		for (i = ls; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
			indent++;
		end = ls > body ? ls - 1 : body;
		if (end > body && s[end - 1] == '\r')
			end--;
		if (ls == body)
			end = body;
	}
	/* strip the closing marker's indentation from every line */
	for (i = body; i < end;) {
		size_t k = 0;
		const unsigned char *nl;
		size_t le;

		while (k < indent && i < end && (s[i] == ' ' || s[i] == '\t')) {
			i++;
			k++;
		}
		nl = memchr(s + i, '\n', end - i);
		le = nl ? (size_t)(nl - s) + 1 : end;
		if ((err = ronda_buf_add(&raw, s + i, le - i)))
			goto out;
		i = le;
	}
	if (nowdoc)
		err = ronda_buf_add(out, raw.buf, raw.len);
	else
		err = decode_dq((const unsigned char *)raw.buf, raw.len, 0, true,
				out, n_interp, n_escapes);
out:
	ronda_buf_release(&raw);
	return err;
}

int ronda_php_str_decode(const unsigned char *src,
			 const struct ronda_php_tok *t, struct ronda_buf *out,
			 unsigned *n_interp, unsigned *n_escapes)
{
	const unsigned char *s = src + t->off;
	size_t n = t->len;
	unsigned char q;

	if (t->flags & (RONDA_PHP_TF_HEREDOC | RONDA_PHP_TF_NOWDOC))
		return decode_heredoc(src, t, out, n_interp, n_escapes);
	if (t->type != RONDA_PHP_STRING && t->type != RONDA_PHP_DQSTRING &&
	    t->type != RONDA_PHP_BACKTICK)
		return RONDA_EINVAL;
	if (n && (s[0] == 'b' || s[0] == 'B')) {
		s++;
		n--;
	}
	if (n == 0)
		return RONDA_EINVAL;
	q = s[0];
	s++;
	n--;
	if (!(t->flags & RONDA_PHP_TF_UNTERMINATED) && n > 0)
		n--;   /* closing quote */
	if (q == '\'') {
		size_t i = 0, run = 0;
		int err;

		while (i < n) {
			if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '\\' || s[i + 1] == '\'')) {
				if (run && (err = ronda_buf_add(out, s + i - run, run)))
					return err;
				run = 0;
				if ((err = ronda_buf_addch(out, s[i + 1])))
					return err;
				i += 2;
				continue;
			}
			run++;
			i++;
		}
		return run ? ronda_buf_add(out, s + n - run, run) : RONDA_OK;
	}
	return decode_dq(s, n, q, false, out, n_interp, n_escapes);
}

const char *ronda_php_tok_type_name(enum ronda_php_tok_type type)
{
	static const char *const names[] = {
		"eof", "inline-html", "open-tag", "open-tag-echo", "close-tag",
		"variable", "ident", "string", "dqstring", "backtick", "number",
		"cast", "op",
	};
	return (unsigned)type < ARRAY_SIZE(names) ? names[type] : "unknown";
}
