/*
 * php_deob.c — static, bounded evaluator of constant PHP string
 * expressions (see php_deob.h).
 *
 * The source is tokenized once into an array.  A single left-to-right pass
 * records constant assignments in a small hashed symbol table and evaluates
 * "roots": right-hand sides of assignments, arguments of eval-like sinks and
 * calls of decoding functions.  The evaluator is a recursive-descent parser
 * over tokens that fails (returns false) on anything it does not know, so
 * a root either yields a constant value or nothing.  Every token consumed
 * and every byte produced is charged against the run's budget, so hostile
 * input cannot make a run quadratic or unbounded.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/spare.h"
#include "lang/php_deob.h"
#include "lang/php_lex.h"
#include "core/util.h"

const struct ronda_php_deob_limits ronda_php_deob_default_limits = {
	.max_tokens = 2u << 20,
	.max_value = 4u << 20,
	.max_total = 32u << 20,
	.max_steps = 8u << 20,
	.max_vars = 512,
	.max_blobs = 32,
	.max_depth = 48,
};

struct arr;

/* The chain lives out of line (NULL: empty): most values never get one,
 * and a value small enough to copy, clear and store cheaply matters for
 * data tables, where every element is a value. */
struct val {
	enum ronda_php_val_type type;
	unsigned n_steps;
	unsigned char *s;      /* STR: malloc'd, NUL-terminated, unless ext */
	size_t len;
	long long i;           /* INT */
	struct arr *a;         /* ARRAY */
	size_t src_len;
	unsigned pieces;
	bool ext;              /* s is the body of a plain '...' literal in the
				  source: not owned, not NUL-terminated (the
				  closing quote follows); val_own() copies it
				  before anything writes to it or keeps it
				  beyond the run */
	char *chain;           /* NULL, or RONDA_PHP_CHAIN_MAX bytes holding
				  a C string (owned) */
};

/* Empty (UNKNOWN) value. */
static inline void val_clear(struct val *v)
{
	memset(v, 0, sizeof(*v));
}

static inline const char *chain_of(const struct val *v)
{
	return v->chain ? v->chain : "";
}

/* v's chain = the C string c (NULL: empty). */
static void chain_set(struct val *v, const char *c)
{
	if (!c || !c[0]) {
		if (v->chain)
			v->chain[0] = '\0';
		return;
	}
	if (!v->chain)
		v->chain = xmalloc(RONDA_PHP_CHAIN_MAX);
	memcpy(v->chain, c, strlen(c) + 1);
}

/* An array element holds its value in place: one allocation less per
 * element of a data table. */
struct elem {
	char *key;             /* string key, or NULL for an integer key */
	size_t key_len;
	uint32_t key_hash;     /* hash_name(key): most compares stop here */
	bool key_ext;          /* key points into the source (struct val.ext) */
	long long ikey;
	struct val v;
};

#define ARR_INLINE 2      /* most nested arrays are pairs */

struct arr {
	struct elem *v;        /* inl, or malloc'd when more are needed */
	size_t n, alloc;
	long long next;        /* next automatic integer key */
	size_t total;          /* elements, nested arrays' included */
	bool overflow;         /* more than MAX_ARRAY (MAX_ARRAY_TOTAL nested) */
	uint16_t *idx;         /* string keys: element + 1 by hash, or NULL */
	struct elem inl[ARR_INLINE];
};

/* An empty array: the first elements live in the same allocation. */
static struct arr *arr_new(void)
{
	struct arr *a = xmalloc(sizeof(*a));

	a->v = a->inl;
	a->n = 0;
	a->alloc = ARR_INLINE;
	a->next = 0;
	a->total = 0;
	a->overflow = false;
	a->idx = NULL;
	return a;
}

#define SYM_NAME_INLINE 24

struct sym {
	char *name;            /* name_in, or malloc'd when longer */
	size_t name_len;
	uint32_t slot;         /* its index in syms[] */
	struct val v;
	char name_in[SYM_NAME_INLINE];
};

#define MAX_ARRAY 256
#define MAX_ARRAY_TOTAL 1024   /* nested tables of numbers are data, not puzzles */
#define SYM_SLOTS 1024

struct ronda_php_deob {
	struct ronda_php_deob_limits lim;
	const unsigned char *src;
	size_t len;
	struct ronda_php_tok *toks;    /* own array (lexed or copied) */
	size_t alloc_toks;
	const struct ronda_php_tok *tv;   /* the tokens evaluated: toks, or
					     a caller's list when they are a
					     run of it (run_toks) */
	size_t n_toks;
	uint16_t syms[SYM_SLOTS];      /* pool index + 1 by name hash, 0 free
					  (the struct is calloc'd per file) */
	struct sym *pool;      /* max_vars symbols, malloc'd on the first */
	unsigned n_syms;       /* pool[0..n_syms) in use */
	struct ronda_php_blob *blobs;
	size_t n_blobs;
	size_t total;          /* bytes produced */
	size_t steps;          /* work units used */
	unsigned depth;
	bool truncated;
	size_t fn_at;          /* find_fn's last token index (SIZE_MAX: none) */
	const struct fn *fn_hit;   /* and its answer */
};

static void val_release(struct val *v);

/* Copy n bytes (not NUL-terminated in the source) and terminate. */
static char *dupn(const void *p, size_t n)
{
	char *o = xmalloc(n + 1);

	memcpy(o, p, n);
	o[n] = '\0';
	return o;
}

static void arr_free(struct arr *a);

/* val_release without the clearing, for a value about to go. */
static void val_drop(struct val *v)
{
	if (v->s && !v->ext)
		free(v->s);
	if (v->a)
		arr_free(v->a);
	if (v->chain)
		free(v->chain);
}

static void arr_free(struct arr *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		struct elem *e = &a->v[i];

		if (e->key && !e->key_ext)
			free(e->key);
		if (e->v.a || e->v.chain || (e->v.s && !e->v.ext))
			val_drop(&e->v);
	}
	if (a->v != a->inl)
		free(a->v);
	free(a->idx);
	free(a);
}

static void val_release(struct val *v)
{
	if (v->s && !v->ext)
		free(v->s);
	if (v->a)
		arr_free(v->a);
	if (v->chain)
		free(v->chain);
	val_clear(v);
}

static void val_copy(struct val *dst, const struct val *src);

static struct arr *arr_copy(const struct arr *a)
{
	struct arr *c = arr_new();

	c->next = a->next;
	c->total = a->total;
	c->n = a->n;
	if (a->n > ARR_INLINE) {
		c->alloc = a->n;
		c->v = xmalloc(a->n * sizeof(*c->v));   /* all set below */
	}
	for (size_t i = 0; i < a->n; i++) {
		c->v[i].key_ext = a->v[i].key_ext;
		c->v[i].key = a->v[i].key && !a->v[i].key_ext ?
			xmemdup(a->v[i].key, a->v[i].key_len + 1) : a->v[i].key;
		c->v[i].key_len = a->v[i].key_len;
		c->v[i].key_hash = a->v[i].key_hash;
		c->v[i].ikey = a->v[i].ikey;
		val_copy(&c->v[i].v, &a->v[i].v);
	}
	return c;
}

static void val_copy(struct val *dst, const struct val *src)
{
	*dst = *src;
	if (src->s && !src->ext)   /* a literal's body is shared */
		dst->s = xmemdup(src->s, src->len + 1);
	if (src->a)
		dst->a = arr_copy(src->a);
	if (src->chain) {
		dst->chain = NULL;
		chain_set(dst, src->chain);
	}
}

/* dst = src for the symbol table, before consider(src, SINK_NONE).  A
 * decoded string is copied (consider() keeps it as a blob); anything else
 * moves, leaving src empty, which consider() ignores just as it ignores a
 * non-string or an undecoded string: deep copies of big nested arrays and
 * of every string (language files) were most of their evaluation time. */
static void val_take(struct val *dst, struct val *src)
{
	if (src->type == RONDA_PHP_V_STR && src->n_steps > 0) {
		val_copy(dst, src);
		return;
	}
	*dst = *src;
	val_clear(src);
}

/* Make v's string its own (malloc'd, NUL-terminated) before it is
 * written to or handed out. */
static void val_own(struct val *v)
{
	if (v->ext) {
		v->s = v->s ? (unsigned char *)dupn(v->s, v->len) : NULL;
		v->ext = false;
	}
}

static void val_str(struct val *v, unsigned char *s, size_t len)
{
	val_clear(v);
	v->type = RONDA_PHP_V_STR;
	v->s = s;
	v->len = len;
}

/* PHP's string conversion of an int, for concatenation. */
static bool to_str(struct val *v)
{
	char tmp[32];
	int n;

	if (v->type == RONDA_PHP_V_STR)
		return true;
	if (v->type != RONDA_PHP_V_INT)
		return false;
	n = snprintf(tmp, sizeof(tmp), "%lld", v->i);
	v->s = xmemdup(tmp, (size_t)n + 1);
	v->len = (size_t)n;
	v->type = RONDA_PHP_V_STR;
	return true;
}

static bool to_int(const struct val *v, long long *out)
{
	if (v->type == RONDA_PHP_V_INT) {
		*out = v->i;
		return true;
	}
	if (v->type == RONDA_PHP_V_STR) {
		long long r = 0;
		size_t i = 0;
		bool neg = false;

		if (i < v->len && (v->s[i] == '-' || v->s[i] == '+'))
			neg = v->s[i++] == '-';
		for (; i < v->len && v->s[i] >= '0' && v->s[i] <= '9' && r < (1ll << 40); i++)
			r = r * 10 + (v->s[i] - '0');
		*out = neg ? -r : r;
		return true;
	}
	return false;
}

static void chain_step(struct val *v, const char *step)
{
	size_t n;

	if (!v->chain) {
		v->chain = xmalloc(RONDA_PHP_CHAIN_MAX);
		v->chain[0] = '\0';
	}
	/* what snprintf(" > ") and snprintf("%s", step) would write */
	n = strlen(v->chain);
	if (n && n + 3 < RONDA_PHP_CHAIN_MAX) {
		memcpy(v->chain + n, " > ", 4);
		n += 3;
	}
	if (n < RONDA_PHP_CHAIN_MAX) {
		size_t k = MIN(strlen(step), RONDA_PHP_CHAIN_MAX - n - 1);

		memcpy(v->chain + n, step, k);
		v->chain[n + k] = '\0';
	}
	v->n_steps++;
}

/* Merge the provenance of b into a (concatenation, xor). */
static void merge_prov(struct val *a, const struct val *b)
{
	if (b->n_steps > a->n_steps) {
		chain_set(a, b->chain);
		a->n_steps = b->n_steps;
	}
	a->src_len = MAX(a->src_len, b->src_len);
	a->pieces += b->pieces;
}

/* ---- symbol table ---- */

/* Names and array keys, 8 bytes at a time (the last 8 overlapping, as
 * are the two 4-byte halves of a 4 to 7 byte name).  Only where things
 * sit in the tables depends on it: every search compares the names, and
 * neither table can be full (max_vars <= SYM_SLOTS / 2, MAX_ARRAY keys in
 * ARR_INDEX_SLOTS), so any hash finds the same entries. */
static inline uint64_t load64(const char *p)
{
	uint64_t w;

	memcpy(&w, p, 8);
	return w;
}

static inline uint32_t load32(const char *p)
{
	uint32_t w;

	memcpy(&w, p, 4);
	return w;
}

static uint32_t hash_name(const char *s, size_t n)
{
	const uint64_t m = 0x9e3779b97f4a7c15ull;
	uint64_t h = n * m;

	if (n >= 8) {
		size_t i = 0;

		for (; i + 8 < n; i += 8)
			h = (h ^ load64(s + i)) * m;
		h = (h ^ load64(s + n - 8)) * m;
	} else if (n >= 4) {
		h = (h ^ ((uint64_t)load32(s) << 32 | load32(s + n - 4))) * m;
	} else if (n > 0) {
		h = (h ^ ((uint64_t)(unsigned char)s[0] << 16 |
			  (uint64_t)(unsigned char)s[n / 2] << 8 |
			  (unsigned char)s[n - 1])) * m;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h >> 32);
}

static struct sym *sym_find(struct ronda_php_deob *d, const char *name,
			    size_t n, bool create)
{
	uint32_t h = hash_name(name, n);

	for (unsigned k = 0; k < SYM_SLOTS; k++) {
		uint16_t *slot = &d->syms[(h + k) % SYM_SLOTS];
		struct sym *s;

		if (!*slot) {
			if (!create || d->n_syms >= d->lim.max_vars)
				return NULL;
			if (!d->pool)
				d->pool = xmalloc(d->lim.max_vars * sizeof(*d->pool));
			s = &d->pool[d->n_syms++];
			*slot = (uint16_t)d->n_syms;
			if (n < SYM_NAME_INLINE) {
				memcpy(s->name_in, name, n);
				s->name_in[n] = '\0';
				s->name = s->name_in;
			} else {
				s->name = dupn(name, n);
			}
			s->name_len = n;
			s->slot = (h + k) % SYM_SLOTS;
			val_clear(&s->v);
			return s;
		}
		s = &d->pool[*slot - 1];
		if (s->name_len == n && !memcmp(s->name, name, n))
			return s;
	}
	return NULL;
}

static void sym_set(struct ronda_php_deob *d, const char *name, size_t n,
		    struct val *v)
{
	struct sym *s = sym_find(d, name, n, v->type != RONDA_PHP_V_UNKNOWN);

	if (!s) {   /* table full: the value is dropped */
		val_release(v);
		return;
	}
	val_release(&s->v);
	s->v = *v;
	val_clear(v);
}

/* ---- decoders ---- */

static bool charge(struct ronda_php_deob *d, size_t bytes)
{
	if (bytes > d->lim.max_value || d->total + bytes > d->lim.max_total) {
		d->truncated = true;
		return false;
	}
	d->total += bytes;
	return true;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

static unsigned char *dec_base64(const unsigned char *s, size_t n, size_t *out)
{
	unsigned char *o = xmalloc(n * 3 / 4 + 4);
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		int v = b64val(s[i]);
		if (v < 0)
			continue;   /* PHP's non-strict mode skips junk */
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[k++] = (unsigned char)(acc >> bits);
		}
	}
	*out = k;
	return o;
}

static unsigned char *dec_zlib(struct ronda_php_deob *d, const unsigned char *s,
			       size_t n, int wbits, size_t *out)
{
	z_stream z;
	size_t cap = MIN(d->lim.max_value, d->lim.max_total - d->total);
	size_t alloc = MIN(cap, MAX(n * 4, (size_t)4096)), k = 0;
	unsigned char *o;
	int rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, wbits) != Z_OK)
		return NULL;
	o = xmalloc(alloc + 1);
	z.next_in = (unsigned char *)s;
	z.avail_in = (uInt)MIN(n, (size_t)UINT32_MAX);
	for (;;) {
		if (k == alloc) {
			if (alloc >= cap) {
				d->truncated = true;
				rc = Z_BUF_ERROR;
				break;
			}
			alloc = MIN(cap, alloc * 2);
			o = xrealloc(o, alloc + 1);
		}
		z.next_out = o + k;
		z.avail_out = (uInt)(alloc - k);
		rc = inflate(&z, Z_NO_FLUSH);
		k = alloc - z.avail_out;
		if (rc == Z_STREAM_END || rc != Z_OK)
			break;
		if (z.avail_in == 0 && k < alloc)
			break;      /* truncated stream: no more input */
	}
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(o);
		return NULL;
	}
	*out = k;
	return o;
}

static int hexv(unsigned char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static unsigned char *dec_hex(const unsigned char *s, size_t n, size_t *out)
{
	unsigned char *o;

	if (n % 2)
		return NULL;
	o = xmalloc(n / 2 + 1);
	for (size_t i = 0; i < n; i += 2) {
		int a = hexv(s[i]), b = hexv(s[i + 1]);
		if (a < 0 || b < 0) {
			free(o);
			return NULL;
		}
		o[i / 2] = (unsigned char)(a * 16 + b);
	}
	*out = n / 2;
	return o;
}

static unsigned char *dec_url(const unsigned char *s, size_t n, bool plus,
			      size_t *out)
{
	unsigned char *o = xmalloc(n + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexv(s[i + 1]) >= 0 &&
		    hexv(s[i + 2]) >= 0) {
			o[k++] = (unsigned char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
			i += 2;
		} else if (plus && s[i] == '+') {
			o[k++] = ' ';
		} else {
			o[k++] = s[i];
		}
	}
	*out = k;
	return o;
}

static unsigned char *dec_uu(const unsigned char *s, size_t n, size_t *out)
{
	unsigned char *o = xmalloc(n + 1);
	size_t k = 0, i = 0;

	while (i < n) {
		unsigned len = (unsigned)((s[i] - 32) & 63);
		size_t j = i + 1;

		if (len == 0)
			break;
		for (unsigned got = 0; got < len && j + 3 < n + 1; j += 4) {
			unsigned char c[4];
			for (int q = 0; q < 4; q++)
				c[q] = (unsigned char)(j + (size_t)q < n ?
					((s[j + (size_t)q] - 32) & 63) : 0);
			unsigned char b[3] = {
				(unsigned char)(c[0] << 2 | c[1] >> 4),
				(unsigned char)(c[1] << 4 | c[2] >> 2),
				(unsigned char)(c[2] << 6 | c[3]),
			};
			for (int q = 0; q < 3 && got < len; q++, got++)
				o[k++] = b[q];
			if (k > n)
				break;
		}
		while (j < n && s[j] != '\n')
			j++;
		i = j + 1;
	}
	*out = k;
	return o;
}

/* ---- the evaluator ---- */

static bool eval_expr(struct ronda_php_deob *d, size_t *i, struct val *out);
static bool eval_binary(struct ronda_php_deob *d, size_t *i, struct val *out,
			unsigned min);

static inline __attribute__((always_inline)) const struct ronda_php_tok *tok(struct ronda_php_deob *d, size_t i)
{
	static const struct ronda_php_tok eof = { .type = RONDA_PHP_EOF };

	return i < d->n_toks ? &d->tv[i] : &eof;
}

static inline __attribute__((always_inline)) bool is_op(struct ronda_php_deob *d, size_t i, const char *op)
{
	return ronda_php_tok_op(tok(d, i), op);
}

static inline __attribute__((always_inline)) bool is_word(struct ronda_php_deob *d, size_t i, const char *w)
{
	const struct ronda_php_tok *t = tok(d, i);

	return t->type == RONDA_PHP_IDENT && ronda_php_tok_is(d->src, t, w);
}

static bool budget(struct ronda_php_deob *d)
{
	if (++d->steps > d->lim.max_steps) {
		d->truncated = true;
		return false;
	}
	return true;
}

/* A string/dqstring literal without interpolation. */
static bool eval_literal(struct ronda_php_deob *d, size_t *i, struct val *out)
{
	const struct ronda_php_tok *t = tok(d, *i);
	struct ronda_buf b;
	unsigned interp = 0, esc = 0;
	size_t n;

	/* a plain '...' without backslashes, or "..." without backslashes
	 * and '$', is its body: no decoder, no growing buffer (data tables
	 * are thousands of these) */
	if (((t->type == RONDA_PHP_STRING && d->src[t->off] == '\'') ||
	     (t->type == RONDA_PHP_DQSTRING && d->src[t->off] == '"')) &&
	    t->len >= 2 &&
	    !(t->flags & (RONDA_PHP_TF_UNTERMINATED | RONDA_PHP_TF_HEREDOC |
			  RONDA_PHP_TF_NOWDOC)) &&
	    t->len - 2 <= d->lim.max_value &&
	    !memchr(d->src + t->off + 1, '\\', t->len - 2) &&
	    (t->type == RONDA_PHP_STRING ||
	     !memchr(d->src + t->off + 1, '$', t->len - 2))) {
		n = t->len - 2;
		if (!charge(d, n))
			return false;
		/* the body stays in the source until something keeps or
		 * changes it: keys and values read or stored, never copied */
		val_str(out, (unsigned char *)(d->src + t->off + 1), n);
		out->ext = true;
		out->src_len = t->len;
		out->pieces = 1;
		(*i)++;
		return true;
	}
	b = (struct ronda_buf)RONDA_BUF_INIT(d->lim.max_value);
	if (ronda_php_str_decode(d->src, t, &b, &interp, &esc) != RONDA_OK ||
	    interp || !charge(d, b.len)) {
		ronda_buf_release(&b);
		return false;
	}
	{
		unsigned char *p = (unsigned char *)ronda_buf_detach(&b, &n);
		val_str(out, p, n);
	}
	out->src_len = t->len;
	out->pieces = 1;
	if (esc >= 2 && esc * 2 >= n)
		chain_step(out, "escapes");
	(*i)++;
	return true;
}

static bool eval_number(struct ronda_php_deob *d, size_t *i, struct val *out)
{
	const struct ronda_php_tok *t = tok(d, *i);
	const unsigned char *s = d->src + t->off;
	long long v = 0;
	size_t k = 0;
	int base = 10;

	if (t->len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		k = 2;
	} else if (t->len > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		k = 2;
	} else if (t->len > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
		base = 8;
		k = 2;
	} else if (t->len > 1 && s[0] == '0') {
		base = 8;
	}
	for (; k < t->len; k++) {
		int h = s[k] == '_' ? -2 : hexv(s[k]);
		if (h == -2)
			continue;
		if (h < 0 || h >= base)
			return false;   /* floats and junk are not evaluated */
		if (v > (1ll << 50))
			return false;
		v = v * base + h;
	}
	val_clear(out);
	out->type = RONDA_PHP_V_INT;
	out->i = v;
	(*i)++;
	return true;
}

/* Binary operators, by binding (PHP 8: '*' '%' over '+' '-' over '.'
 * over '^'); 0: not one the evaluator knows. */
enum { L_NONE = 0, L_XOR, L_CAT, L_ADD, L_MUL };

static inline unsigned bin_level(const struct ronda_php_tok *t)
{
	if (t->type != RONDA_PHP_OP || t->op[1])
		return L_NONE;
	switch (t->op[0]) {
	case '*': case '%': return L_MUL;
	case '+': case '-': return L_ADD;
	case '.': return L_CAT;
	case '^': return L_XOR;
	default: return L_NONE;
	}
}

/* A lone literal (a data table's element, a call's argument): a NUMBER,
 * or a string not followed by '[' or '{' (those take the long way,
 * eval_postfix), with no binary operator after it.  With depth + 1 <
 * max_depth, eval_expr on it is eval_lone: what eval_binary > eval_unary
 * > eval_primary would do with it, without descending (same depth checks,
 * eval_unary's being depth + 1, same step charged). */
static inline __attribute__((always_inline)) bool is_lone(struct ronda_php_deob *d, size_t i)
{
	const struct ronda_php_tok *t = tok(d, i), *nx = tok(d, i + 1);

	return (t->type == RONDA_PHP_NUMBER ||
		((t->type == RONDA_PHP_STRING || t->type == RONDA_PHP_DQSTRING) &&
		 !ronda_php_tok_op(nx, "[") && !ronda_php_tok_op(nx, "{"))) &&
	       bin_level(nx) == L_NONE;
}

static inline __attribute__((always_inline)) bool eval_lone(struct ronda_php_deob *d, size_t *i,
							   struct val *out)
{
	bool ok;

	val_clear(out);
	if (!budget(d))
		return false;
	ok = tok(d, *i)->type == RONDA_PHP_NUMBER ? eval_number(d, i, out) :
						    eval_literal(d, i, out);
	if (!ok)
		val_clear(out);
	return ok;
}

/* eval_expr, with the lone literal (a data table's keys and values)
 * taken without the call. */
static inline __attribute__((always_inline)) bool eval_elem(struct ronda_php_deob *d, size_t *i,
							   struct val *out)
{
	if (d->depth + 1 < d->lim.max_depth && is_lone(d, *i))
		return eval_lone(d, i, out);
	return eval_expr(d, i, out);
}

/* Parse "( args )" into vals; *n set. */
#define MAX_ARGS 4
static bool eval_args(struct ronda_php_deob *d, size_t *i, struct val *args,
		      size_t *n)
{
	*n = 0;
	if (!is_op(d, *i, "("))
		return false;
	(*i)++;
	if (is_op(d, *i, ")")) {
		(*i)++;
		return true;
	}
	for (;;) {
		if (*n >= MAX_ARGS)
			return false;
		if (!eval_elem(d, i, &args[*n]))
			return false;
		(*n)++;
		if (is_op(d, *i, ",")) {
			(*i)++;
			if (is_op(d, *i, ")")) {   /* trailing comma */
				(*i)++;
				return true;
			}
			continue;
		}
		if (is_op(d, *i, ")")) {
			(*i)++;
			return true;
		}
		return false;
	}
}

static void release_args(struct val *args, size_t n)
{
	for (size_t k = 0; k < n; k++)
		val_release(&args[k]);
}

/* A symbol's array that has ARR_INDEX_MIN elements gets an index of its
 * string keys on the next search (open addressing, element + 1, 0 free):
 * localisation files assign hundreds of keys one by one, each of which
 * was a walk over all the keys before it.  Keys are unique in an array,
 * so the index finds the element the walk would have found. */
#define ARR_INDEX_MIN 16
#define ARR_INDEX_SLOTS (2 * MAX_ARRAY)

static void arr_index_add(struct arr *a, size_t k)
{
	uint32_t slot = a->v[k].key_hash % ARR_INDEX_SLOTS;

	for (unsigned probe = 0; probe < ARR_INDEX_SLOTS; probe++) {
		if (!a->idx[slot]) {
			a->idx[slot] = (uint16_t)(k + 1);
			return;
		}
		slot = (slot + 1) % ARR_INDEX_SLOTS;
	}
}

/* The element with string key key[0..len) (hash h), or NULL.  build:
 * make the index if the array is big enough (not for throwaway copies). */
static struct elem *arr_find_str(struct arr *a, const char *key, size_t len,
				 uint32_t h, bool build)
{
	if (build && !a->idx && a->n >= ARR_INDEX_MIN && a->n <= MAX_ARRAY) {
		a->idx = xcalloc(ARR_INDEX_SLOTS, sizeof(*a->idx));
		for (size_t k = 0; k < a->n; k++)
			if (a->v[k].key)
				arr_index_add(a, k);
	}
	if (a->idx) {
		uint32_t slot = h % ARR_INDEX_SLOTS;

		for (unsigned probe = 0; probe < ARR_INDEX_SLOTS && a->idx[slot];
		     probe++, slot = (slot + 1) % ARR_INDEX_SLOTS) {
			struct elem *e = &a->v[a->idx[slot] - 1];

			if (e->key_hash == h && e->key_len == len &&
			    !memcmp(e->key, key, len))
				return e;
		}
		return NULL;
	}
	for (size_t k = 0; k < a->n; k++)
		if (a->v[k].key && a->v[k].key_hash == h &&
		    a->v[k].key_len == len && !memcmp(a->v[k].key, key, len))
			return &a->v[k];
	return NULL;
}

/* key: a string key (NULL: integer key ikey, or the next one if !has_key);
 * a new element takes *owned_key when it is non-NULL (it must hold key;
 * key_ext: it points into the source), else copies key. */
static void arr_push(struct arr *a, const char *key, size_t key_len,
		     long long ikey, bool has_key, struct val *v,
		     unsigned char **owned_key, bool key_ext)
{
	struct elem *e = NULL;
	uint32_t h = key ? hash_name(key, key_len) : 0;

	/* an integer key at or past the next automatic key is new: tables
	 * written 0 => .., 1 => .. skip the search for an existing entry */
	if (has_key && key)
		e = arr_find_str(a, key, key_len, h, true);
	else if (has_key && ikey < a->next)
		for (size_t k = 0; k < a->n && !e; k++)
			if (!a->v[k].key && a->v[k].ikey == ikey)
				e = &a->v[k];
	if (e) {
		a->total -= e->v.a ? e->v.a->total : 0;
		a->total += v->a ? v->a->total : 0;
		val_release(&e->v);
		e->v = *v;
		val_clear(v);
		return;
	}
	if (a->n >= MAX_ARRAY ||
	    a->total + 1 + (v->a ? v->a->total : 0) > MAX_ARRAY_TOTAL) {
		a->overflow = true;
		val_release(v);
		return;
	}
	a->total += 1 + (v->a ? v->a->total : 0);
	if (a->n >= a->alloc) {   /* past the inline pair: 8, 16, ... */
		size_t alloc = MAX(a->alloc * 2, (size_t)8);

		if (a->v == a->inl) {
			a->v = xmalloc(alloc * sizeof(*a->v));
			memcpy(a->v, a->inl, a->n * sizeof(*a->v));
		} else {
			a->v = xrealloc(a->v, alloc * sizeof(*a->v));
		}
		a->alloc = alloc;
	}
	e = &a->v[a->n++];
	e->key = NULL;
	e->key_len = 0;
	e->key_hash = 0;
	e->key_ext = false;
	e->ikey = 0;
	if (has_key && key) {
		if (owned_key && *owned_key) {
			e->key = (char *)*owned_key;
			e->key_ext = key_ext;
			*owned_key = NULL;
		} else {
			e->key = dupn(key, key_len);
		}
		e->key_len = key_len;
		e->key_hash = h;
		if (a->idx)
			arr_index_add(a, a->n - 1);
	} else {
		e->ikey = has_key ? ikey : a->next;
		if (e->ikey >= a->next)
			a->next = e->ikey + 1;
	}
	e->v = *v;
	val_clear(v);
}

/* Insert v under key k (a STR or INT value; NULL: append).  A new
 * element takes k's string (k->s becomes NULL). */
static void arr_set(struct arr *a, struct val *k, struct val *v)
{
	if (!k) {
		arr_push(a, NULL, 0, 0, false, v, NULL, false);
	} else if (k->type == RONDA_PHP_V_INT) {
		arr_push(a, NULL, 0, k->i, true, v, NULL, false);
	} else {
		long long ik;
		size_t j = 0;
		bool numeric = k->len > 0 && k->len < 15;

		for (j = 0; numeric && j < k->len; j++)
			numeric = k->s[j] >= '0' && k->s[j] <= '9';
		if (numeric && (k->len == 1 || k->s[0] != '0') && to_int(k, &ik))
			arr_push(a, NULL, 0, ik, true, v, NULL, false);
		else
			arr_push(a, (const char *)k->s, k->len, 0, true, v, &k->s, k->ext);
	}
}

/* array(...) or [...] with the closer given. */
static bool eval_array(struct ronda_php_deob *d, size_t *i, const char *close,
		       struct val *out)
{
	struct arr *a = arr_new();

	val_clear(out);
	out->type = RONDA_PHP_V_ARRAY;
	out->a = a;
	while (!is_op(d, *i, close)) {
		struct val k, v;
		const struct ronda_php_tok *t = tok(d, *i), *nx = tok(d, *i + 1);

		/* a lone number (tables of numbers): what eval_expr's lone
		 * literal path, merge_prov (nothing, for an int) and arr_set
		 * do with it, without the calls */
		if (t->type == RONDA_PHP_NUMBER && d->depth + 1 < d->lim.max_depth &&
		    (ronda_php_tok_op(nx, ",") || ronda_php_tok_op(nx, close))) {
			if (!budget(d) || !eval_number(d, i, &v))
				goto fail;
			arr_push(a, NULL, 0, 0, false, &v, NULL, false);
			if (a->overflow)
				goto fail;
			if (nx->op[0] == ',')
				(*i)++;
			continue;
		}
		if (!eval_elem(d, i, &v))
			goto fail;
		if (is_op(d, *i, "=>")) {
			(*i)++;
			k = v;
			if (!eval_elem(d, i, &v)) {
				val_release(&k);
				goto fail;
			}
			if (k.type != RONDA_PHP_V_STR && k.type != RONDA_PHP_V_INT) {
				val_release(&k);
				val_release(&v);
				goto fail;
			}
			merge_prov(out, &v);
			arr_set(a, &k, &v);
			val_release(&k);
		} else {
			merge_prov(out, &v);
			arr_set(a, NULL, &v);
		}
		if (a->overflow)
			goto fail;   /* a data table, not a string puzzle */
		if (is_op(d, *i, ","))
			(*i)++;
		else if (!is_op(d, *i, close))
			goto fail;
	}
	(*i)++;
	return true;
fail:
	val_release(out);
	return false;
}

static struct val *arr_get(struct arr *a, const struct val *k)
{
	long long ik = 0;
	bool by_int = k->type == RONDA_PHP_V_INT;
	uint32_t h;

	if (k->type == RONDA_PHP_V_STR) {
		bool numeric = k->len > 0 && k->len < 15;
		for (size_t j = 0; numeric && j < k->len; j++)
			numeric = k->s[j] >= '0' && k->s[j] <= '9';
		if (numeric && to_int(k, &ik))
			by_int = true;
	} else {
		ik = k->i;
	}
	if (!by_int) {
		struct elem *e;

		h = hash_name((const char *)k->s, k->len);
		e = arr_find_str(a, (const char *)k->s, k->len, h, false);
		return e ? &e->v : NULL;
	}
	for (size_t j = 0; j < a->n; j++)
		if (!a->v[j].key && a->v[j].ikey == ik)
			return &a->v[j].v;
	return NULL;
}

/* v[idx]: array element or string offset; replaces v. */
static bool index_val(struct val *v, struct val *idx)
{
	struct val r;

	if (v->type == RONDA_PHP_V_ARRAY) {
		struct val *e = arr_get(v->a, idx);
		if (!e)
			return false;
		val_copy(&r, e);
		merge_prov(&r, v);
		r.pieces = 1;
	} else if (v->type == RONDA_PHP_V_STR) {
		long long k;
		if (!to_int(idx, &k))
			return false;
		if (k < 0)
			k += (long long)v->len;
		if (k < 0 || (size_t)k >= v->len)
			return false;
		val_str(&r, (unsigned char *)dupn(v->s + k, 1), 1);
		chain_set(&r, v->chain);
		r.n_steps = v->n_steps;
		r.src_len = v->src_len;
		r.pieces = 1;
	} else {
		return false;
	}
	val_release(v);
	*v = r;
	return true;
}

static bool eval_var_name(struct ronda_php_deob *d, size_t *i,
			  const char **name, size_t *name_len, char **owned);

static bool lookup(struct ronda_php_deob *d, const char *name, size_t n,
		   struct val *out)
{
	struct sym *s = sym_find(d, name, n, false);

	if (!s || s->v.type == RONDA_PHP_V_UNKNOWN)
		return false;
	if (!charge(d, s->v.len))
		return false;
	val_copy(out, &s->v);
	return true;
}

struct fn {
	const char *name;
	const char *step;      /* NULL: not a decoding step */
	unsigned min_args, max_args;
};

static const struct fn fns[] = {
	{ "base64_decode", "base64_decode", 1, 2 },
	{ "gzinflate", "gzinflate", 1, 2 },
	{ "gzuncompress", "gzuncompress", 1, 2 },
	{ "gzdecode", "gzdecode", 1, 2 },
	{ "str_rot13", "str_rot13", 1, 1 },
	{ "strrev", "strrev", 1, 1 },
	{ "hex2bin", "hex2bin", 1, 1 },
	{ "urldecode", "urldecode", 1, 1 },
	{ "rawurldecode", "rawurldecode", 1, 1 },
	{ "convert_uudecode", "convert_uudecode", 1, 1 },
	{ "pack", "pack", 2, 2 },
	{ "str_replace", "str_replace", 3, 3 },
	{ "strtr", "strtr", 3, 3 },
	{ "substr", "substr", 2, 3 },
	{ "strtolower", "strtolower", 1, 1 },
	{ "strtoupper", "strtoupper", 1, 1 },
	{ "implode", "implode", 1, 2 },
	{ "join", "implode", 1, 2 },
	{ "chr", "chr", 1, 1 },
	{ "trim", NULL, 1, 1 },
	{ "strval", NULL, 1, 1 },
	{ "ord", NULL, 1, 1 },
	{ "strlen", NULL, 1, 1 },
	{ "intval", NULL, 1, 1 },
};

/* For each first letter (slot 26: any other byte), the lengths of the
 * names in fns[]: most identifiers are rejected by one table test.
 * root_lens: the same for fns[] and the sinks root_sink() knows, so the
 * main loop passes most calls by without looking further.  fn_idx: per
 * first letter, the fns[] entries starting with it (index + 1, 0 ends). */
#define FN_PER_SLOT (ARRAY_SIZE(fns) + 1)   /* room for all: never full */
static uint32_t fn_lens[27], root_lens[27];
static uint8_t fn_idx[27][FN_PER_SLOT];
static uint8_t fn_len[ARRAY_SIZE(fns)];
static pthread_once_t fn_lens_once = PTHREAD_ONCE_INIT;
static const char *const root_sink_words[] = {
	"eval", "assert", "create_function", "preg_replace",
};

static unsigned fn_slot(unsigned char c0)
{
	c0 |= 0x20;
	return c0 >= 'a' && c0 <= 'z' ? (unsigned)(c0 - 'a') : 26;
}

static void fn_lens_build(void)
{
	for (size_t k = 0; k < ARRAY_SIZE(fns); k++) {
		unsigned slot = fn_slot((unsigned char)fns[k].name[0]);
		unsigned q = 0;

		fn_len[k] = (uint8_t)strlen(fns[k].name);
		fn_lens[slot] |= 1u << MIN((size_t)fn_len[k], (size_t)31);
		while (q < FN_PER_SLOT - 1 && fn_idx[slot][q])
			q++;
		fn_idx[slot][q] = (uint8_t)(k + 1);
	}
	memcpy(root_lens, fn_lens, sizeof(root_lens));
	for (size_t k = 0; k < ARRAY_SIZE(root_sink_words); k++)
		root_lens[fn_slot((unsigned char)root_sink_words[k][0])] |=
			1u << MIN(strlen(root_sink_words[k]), (size_t)31);
}

/* False if the identifier t is none of fns[] and none of the sinks. */
static inline bool may_be_root_word(struct ronda_php_deob *d,
				    const struct ronda_php_tok *t)
{
	return root_lens[fn_slot(d->src[t->off])] & (1u << MIN(t->len, 31u));
}

static const struct fn *find_fn(struct ronda_php_deob *d, size_t i)
{
	const struct ronda_php_tok *t = tok(d, i);
	unsigned char c0;

	if (t->type != RONDA_PHP_IDENT ||
	    !(fn_lens[fn_slot(d->src[t->off])] & (1u << MIN(t->len, 31u))))
		return NULL;
	/* a call is looked up by the main loop, fails_at_once and
	 * eval_primary in turn: the tokens do not change during a run */
	if (i == d->fn_at)
		return d->fn_hit;
	d->fn_at = i;
	d->fn_hit = NULL;
	c0 = d->src[t->off] | 0x20;   /* a first-byte reject before the compare */
	for (const uint8_t *k = fn_idx[fn_slot(c0)]; *k; k++)
		if ((unsigned char)fns[*k - 1].name[0] == c0 && fn_len[*k - 1] == t->len &&
		    is_word(d, i, fns[*k - 1].name)) {
			d->fn_hit = &fns[*k - 1];
			break;
		}
	return d->fn_hit;
}

static bool is_str(const struct val *v)
{
	return v->type == RONDA_PHP_V_STR;
}

static unsigned char *do_replace(struct ronda_php_deob *d, const struct val *search,
				 const struct val *repl, const unsigned char *s,
				 size_t n, size_t *out)
{
	struct ronda_buf b = RONDA_BUF_INIT(d->lim.max_value);
	const unsigned char *p = s, *end = s + n, *hit;

	if (search->len == 0)
		return xmemdup(s, n + 1);
	while (p < end && (hit = memmem(p, (size_t)(end - p), search->s, search->len))) {
		if (ronda_buf_add(&b, p, (size_t)(hit - p)) ||
		    ronda_buf_add(&b, repl->s, repl->len)) {
			ronda_buf_release(&b);
			return NULL;
		}
		p = hit + search->len;
	}
	if (ronda_buf_add(&b, p, (size_t)(end - p))) {
		ronda_buf_release(&b);
		return NULL;
	}
	return (unsigned char *)ronda_buf_detach(&b, out);
}

static bool fn_str_replace(struct ronda_php_deob *d, struct val *a, struct val *r)
{
	unsigned char *cur, *next;
	size_t n;

	if (!is_str(&a[2]))
		return false;
	cur = (unsigned char *)dupn(a[2].s, a[2].len);
	n = a[2].len;
	if (a[0].type == RONDA_PHP_V_ARRAY) {
		for (size_t k = 0; k < a[0].a->n; k++) {
			const struct val *sv = &a[0].a->v[k].v;
			struct val empty;
			const struct val *rv = &empty;

			val_str(&empty, (unsigned char *)"", 0);
			if (a[1].type == RONDA_PHP_V_ARRAY)
				rv = k < a[1].a->n ? &a[1].a->v[k].v : &empty;
			else if (is_str(&a[1]))
				rv = &a[1];
			if (!is_str(sv) || !is_str(rv) ||
			    !(next = do_replace(d, sv, rv, cur, n, &n))) {
				free(cur);
				return false;
			}
			free(cur);
			cur = next;
		}
	} else if (is_str(&a[0]) && is_str(&a[1])) {
		next = do_replace(d, &a[0], &a[1], cur, n, &n);
		free(cur);
		if (!next)
			return false;
		cur = next;
	} else {
		free(cur);
		return false;
	}
	if (!charge(d, n)) {
		free(cur);
		return false;
	}
	val_str(r, cur, n);
	return true;
}

/* Apply function f to evaluated args; r gets the result. */
static bool apply(struct ronda_php_deob *d, const struct fn *f, struct val *a,
		  size_t n, struct val *r)
{
	unsigned char *o = NULL;
	size_t on = 0;
	const char *name = f->step ? f->step : f->name;

	val_clear(r);
	if (n < f->min_args || n > f->max_args)
		return false;
	if (!strcmp(name, "chr")) {
		long long c;
		if (!to_int(&a[0], &c))
			return false;
		o = xmalloc(2);
		o[0] = (unsigned char)(((c % 256) + 256) % 256);
		val_str(r, o, 1);
		r->s[1] = '\0';
		r->pieces = 1;
		chain_step(r, "chr");
		return true;
	}
	if (!strcmp(name, "ord") || !strcmp(name, "strlen") || !strcmp(name, "intval")) {
		if (!is_str(&a[0]) && a[0].type != RONDA_PHP_V_INT)
			return false;
		r->type = RONDA_PHP_V_INT;
		if (!strcmp(name, "ord"))
			r->i = is_str(&a[0]) && a[0].len ? a[0].s[0] : 0;
		else if (!strcmp(name, "strlen"))
			r->i = is_str(&a[0]) ? (long long)a[0].len : 0;
		else if (!to_int(&a[0], &r->i))
			return false;
		return true;
	}
	if (!strcmp(name, "implode")) {
		struct val *arr = NULL, *glue = NULL;
		struct ronda_buf b = RONDA_BUF_INIT(d->lim.max_value);
		struct val empty;

		val_str(&empty, (unsigned char *)"", 0);
		if (n == 1) {
			arr = &a[0];
			glue = &empty;
		} else if (a[1].type == RONDA_PHP_V_ARRAY) {
			arr = &a[1];
			glue = &a[0];
		} else {
			arr = &a[0];
			glue = &a[1];
		}
		if (arr->type != RONDA_PHP_V_ARRAY || !to_str(glue))
			return false;
		for (size_t k = 0; k < arr->a->n; k++) {
			struct val *e = &arr->a->v[k].v;
			if (!to_str(e) || (k && ronda_buf_add(&b, glue->s, glue->len)) ||
			    ronda_buf_add(&b, e->s, e->len)) {
				ronda_buf_release(&b);
				return false;
			}
		}
		if (!charge(d, b.len)) {
			ronda_buf_release(&b);
			return false;
		}
		o = (unsigned char *)ronda_buf_detach(&b, &on);
		val_str(r, o, on);
		merge_prov(r, arr);
		r->pieces = 1;
		chain_step(r, "implode");
		return true;
	}
	if (!strcmp(name, "str_replace")) {
		if (!fn_str_replace(d, a, r))
			return false;
		merge_prov(r, &a[2]);
		r->pieces = 1;
		chain_step(r, f->step);
		return true;
	}
	/* everything else takes a string first */
	for (size_t k = 0; k < n; k++)
		if (k > 0 && !strcmp(name, "substr")) {
			if (a[k].type != RONDA_PHP_V_INT && !is_str(&a[k]))
				return false;
		} else if (!to_str(&a[k])) {
			return false;
		}
	if (!strcmp(name, "base64_decode")) {
		o = dec_base64(a[0].s, a[0].len, &on);
	} else if (!strcmp(name, "gzinflate") || !strcmp(name, "gzuncompress") ||
		   !strcmp(name, "gzdecode")) {
		int wb = name[2] == 'i' ? -15 : name[2] == 'u' ? 15 : 31;
		if (!(o = dec_zlib(d, a[0].s, a[0].len, wb, &on)))
			return false;
	} else if (!strcmp(name, "str_rot13")) {
		o = (unsigned char *)dupn(a[0].s, a[0].len);
		on = a[0].len;
		for (size_t k = 0; k < on; k++) {
			unsigned char c = o[k];
			if ((c >= 'a' && c <= 'z'))
				o[k] = (unsigned char)('a' + (c - 'a' + 13) % 26);
			else if (c >= 'A' && c <= 'Z')
				o[k] = (unsigned char)('A' + (c - 'A' + 13) % 26);
		}
	} else if (!strcmp(name, "strrev")) {
		on = a[0].len;
		o = xmalloc(on + 1);
		for (size_t k = 0; k < on; k++)
			o[k] = a[0].s[on - 1 - k];
	} else if (!strcmp(name, "hex2bin")) {
		if (!(o = dec_hex(a[0].s, a[0].len, &on)))
			return false;
	} else if (!strcmp(name, "pack")) {
		if (!(a[0].len == 2 && (a[0].s[0] == 'H') && a[0].s[1] == '*'))
			return false;
		if (!(o = dec_hex(a[1].s, a[1].len, &on)))
			return false;
		r->src_len = a[1].src_len;
		chain_set(&a[0], a[1].chain);
		a[0].n_steps = a[1].n_steps;
		a[0].src_len = a[1].src_len;
	} else if (!strcmp(name, "urldecode") || !strcmp(name, "rawurldecode")) {
		o = dec_url(a[0].s, a[0].len, name[0] == 'u', &on);
	} else if (!strcmp(name, "convert_uudecode")) {
		o = dec_uu(a[0].s, a[0].len, &on);
	} else if (!strcmp(name, "strtolower") || !strcmp(name, "strtoupper")) {
		bool up = name[3] == 'u';
		o = (unsigned char *)dupn(a[0].s, a[0].len);
		on = a[0].len;
		for (size_t k = 0; k < on; k++) {
			if (!up && o[k] >= 'A' && o[k] <= 'Z') o[k] += 32;
			if (up && o[k] >= 'a' && o[k] <= 'z') o[k] -= 32;
		}
	} else if (!strcmp(name, "trim") || !strcmp(name, "strval")) {
		size_t b = 0, e = a[0].len;
		if (name[0] == 't') {
			while (b < e && strchr(" \t\n\r\v", a[0].s[b]) && a[0].s[b])
				b++;
			while (e > b && strchr(" \t\n\r\v", a[0].s[e - 1]) && a[0].s[e - 1])
				e--;
		}
		o = (unsigned char *)dupn(a[0].s + b, e - b);
		on = e - b;
	} else if (!strcmp(name, "strtr")) {
		size_t m = MIN(a[1].len, a[2].len);
		o = (unsigned char *)dupn(a[0].s, a[0].len);
		on = a[0].len;
		for (size_t k = 0; k < on; k++) {
			const unsigned char *hit = memchr(a[1].s, o[k], m);
			if (hit)
				o[k] = a[2].s[hit - a[1].s];
		}
	} else if (!strcmp(name, "substr")) {
		long long st, ln = (long long)a[0].len;
		if (!to_int(&a[1], &st) || (n == 3 && !to_int(&a[2], &ln)))
			return false;
		if (st < 0)
			st = MAX(0, (long long)a[0].len + st);
		if (st > (long long)a[0].len)
			st = (long long)a[0].len;
		if (ln < 0)
			ln = MAX(0, (long long)a[0].len - st + ln);
		if (ln > (long long)a[0].len - st)
			ln = (long long)a[0].len - st;
		on = (size_t)ln;
		o = xmalloc(on + 1);
		memcpy(o, a[0].s + st, on);
	} else {
		return false;
	}
	if (!charge(d, on)) {
		free(o);
		return false;
	}
	o[on] = '\0';
	val_str(r, o, on);
	r->chain = a[0].chain;   /* a[0] is released after: its chain moves */
	a[0].chain = NULL;
	r->n_steps = a[0].n_steps;
	r->src_len = MAX(a[0].src_len, r->src_len);
	r->pieces = 1;
	if (f->step)
		chain_step(r, f->step);
	return true;
}

static bool eval_call(struct ronda_php_deob *d, size_t *i, const struct fn *f,
		      struct val *out)
{
	struct val args[MAX_ARGS];
	size_t n = 0;
	bool ok;

	for (size_t k = 0; k < MAX_ARGS; k++)
		val_clear(&args[k]);
	(*i)++;
	if (!eval_args(d, i, args, &n)) {
		release_args(args, MAX_ARGS);
		return false;
	}
	ok = apply(d, f, args, n, out);
	release_args(args, MAX_ARGS);
	return ok;
}

static bool eval_postfix(struct ronda_php_deob *d, size_t *i, struct val *v)
{
	while (is_op(d, *i, "[") || is_op(d, *i, "{")) {
		const char *close = is_op(d, *i, "[") ? "]" : "}";
		struct val idx;

		(*i)++;
		if (!eval_expr(d, i, &idx))
			goto fail;
		if (!is_op(d, *i, close) || !index_val(v, &idx)) {
			val_release(&idx);
			goto fail;
		}
		val_release(&idx);
		(*i)++;
	}
	return true;
fail:
	val_release(v);
	return false;
}

/* $table[k] with $table an array symbol: the element is copied from the
 * symbol, where lookup() + eval_postfix() copied the whole array to pick
 * one element (and charged nothing for it: an array's len is 0). */
static bool index_sym(struct ronda_php_deob *d, size_t *i,
		      const struct val *arr, struct val *out)
{
	const char *close = is_op(d, *i, "[") ? "]" : "}";
	struct val idx;
	const struct val *e;

	(*i)++;
	if (!eval_expr(d, i, &idx))
		return false;
	if (!is_op(d, *i, close) || !(e = arr_get(arr->a, &idx))) {
		val_release(&idx);
		return false;
	}
	val_copy(out, e);
	merge_prov(out, arr);
	out->pieces = 1;
	val_release(&idx);
	(*i)++;
	return true;
}

static bool eval_primary(struct ronda_php_deob *d, size_t *i, struct val *out)
{
	const struct ronda_php_tok *t = tok(d, *i);
	const struct fn *f;

	val_clear(out);
	if (!budget(d))
		return false;
	switch (t->type) {
	case RONDA_PHP_STRING:
	case RONDA_PHP_DQSTRING:
		if (!eval_literal(d, i, out))
			return false;
		return eval_postfix(d, i, out);
	case RONDA_PHP_NUMBER:
		return eval_number(d, i, out);
	case RONDA_PHP_VARIABLE:
	case RONDA_PHP_OP:
		if (is_op(d, *i, "(")) {
			(*i)++;
			if (!eval_expr(d, i, out))
				return false;
			if (!is_op(d, *i, ")")) {
				val_release(out);
				return false;
			}
			(*i)++;
			return eval_postfix(d, i, out);
		}
		if (is_op(d, *i, "[")) {
			(*i)++;
			return eval_array(d, i, "]", out) && eval_postfix(d, i, out);
		}
		if (t->type == RONDA_PHP_VARIABLE || is_op(d, *i, "$")) {
			const char *name;
			char *owned;
			size_t nl;
			bool ok;

			if (t->type == RONDA_PHP_VARIABLE &&
			    ronda_php_tok_is(d->src, t, "globals") &&
			    is_op(d, *i + 1, "[")) {
				struct val k;
				size_t j = *i + 2;
				if (!eval_expr(d, &j, &k))
					return false;
				if (!is_str(&k) || !is_op(d, j, "]")) {
					val_release(&k);
					return false;
				}
				ok = lookup(d, (const char *)k.s, k.len, out);
				val_release(&k);
				*i = j + 1;
				return ok && eval_postfix(d, i, out);
			}
			if (!eval_var_name(d, i, &name, &nl, &owned))
				return false;
			if (is_op(d, *i, "[") || is_op(d, *i, "{")) {
				struct sym *s = sym_find(d, name, nl, false);

				if (s && s->v.type == RONDA_PHP_V_ARRAY) {
					free(owned);
					return index_sym(d, i, &s->v, out) &&
					       eval_postfix(d, i, out);
				}
			}
			ok = lookup(d, name, nl, out);
			free(owned);
			return ok && eval_postfix(d, i, out);
		}
		return false;
	case RONDA_PHP_IDENT:
		if (is_word(d, *i, "array") && is_op(d, *i + 1, "(")) {
			*i += 2;
			return eval_array(d, i, ")", out) && eval_postfix(d, i, out);
		}
		if (is_word(d, *i, "php_eol")) {
			val_str(out, xmemdup("\n", 2), 1);
			(*i)++;
			return true;
		}
		if ((f = find_fn(d, *i)) && is_op(d, *i + 1, "("))
			return eval_call(d, i, f, out) && eval_postfix(d, i, out);
		return false;
	default:
		return false;
	}
}

static bool eval_unary(struct ronda_php_deob *d, size_t *i, struct val *out)
{
	if (d->depth >= d->lim.max_depth) {
		d->truncated = true;
		return false;
	}
	if (is_op(d, *i, "@") || is_op(d, *i, "+")) {
		bool ok;
		(*i)++;
		d->depth++;
		ok = eval_unary(d, i, out);
		d->depth--;
		return ok;
	}
	if (is_op(d, *i, "-")) {
		bool ok;
		(*i)++;
		d->depth++;
		ok = eval_unary(d, i, out);
		d->depth--;
		if (ok && out->type != RONDA_PHP_V_INT) {
			val_release(out);
			ok = false;
		}
		if (ok)
			out->i = -out->i;
		return ok;
	}
	if (tok(d, *i)->type == RONDA_PHP_CAST) {
		const struct ronda_php_tok *t = tok(d, *i);
		bool str = memmem(d->src + t->off, t->len, "str", 3) ||
			   memmem(d->src + t->off, t->len, "STR", 3);
		bool ok;
		(*i)++;
		d->depth++;
		ok = eval_unary(d, i, out);
		d->depth--;
		if (ok && str && !to_str(out)) {
			val_release(out);
			return false;
		}
		return ok;
	}
	{
		bool ok;
		d->depth++;
		ok = eval_primary(d, i, out);
		d->depth--;
		return ok;
	}
}

/* "a . b . c": accumulated in place, so a long chain stays linear.  out
 * holds the first operand, *i is at the first '.'. */
static bool eval_cat_tail(struct ronda_php_deob *d, size_t *i, struct val *out)
{
	struct ronda_buf acc;

	if (!to_str(out)) {
		val_release(out);
		return false;
	}
	ronda_buf_init(&acc, d->lim.max_value);
	if (ronda_buf_add(&acc, out->s, out->len)) {
		d->truncated = true;
		goto fail;
	}
	while (bin_level(tok(d, *i)) == L_CAT) {
		struct val b;
		(*i)++;
		if (!eval_binary(d, i, &b, L_ADD))
			goto fail;
		if (!to_str(&b) || ronda_buf_add(&acc, b.s, b.len) ||
		    !charge(d, b.len)) {
			if (acc.len + b.len > acc.max)
				d->truncated = true;
			val_release(&b);
			goto fail;
		}
		merge_prov(out, &b);
		val_release(&b);
	}
	if (!out->ext)
		free(out->s);
	out->ext = false;
	out->s = (unsigned char *)ronda_buf_detach(&acc, &out->len);
	return true;
fail:
	ronda_buf_release(&acc);
	val_release(out);
	return false;
}

/* An operand and the operators binding at least as tightly as min, by
 * precedence climbing: a lone operand (most expressions) costs one look
 * at the token after it, where a function per level looked six times.
 * Operands are evaluated, charged and combined in the order the levels
 * did it; only eval_expr and eval_unary count depth, as before. */
static bool binary_tail(struct ronda_php_deob *d, size_t *i, struct val *out,
			unsigned min);

static bool eval_binary(struct ronda_php_deob *d, size_t *i, struct val *out,
			unsigned min)
{
	if (!eval_unary(d, i, out))
		return false;
	return binary_tail(d, i, out, min);
}

/* The operators after a first operand (out) binding at least as tightly
 * as min. */
static bool binary_tail(struct ronda_php_deob *d, size_t *i, struct val *out,
			unsigned min)
{
	unsigned lv;

	while ((lv = bin_level(tok(d, *i))) != L_NONE && lv >= min) {
		struct val b;

		val_clear(&b);
		if (lv == L_MUL) {
			bool mul = tok(d, *i)->op[0] == '*';
			(*i)++;
			if (!eval_unary(d, i, &b) || out->type != RONDA_PHP_V_INT ||
			    b.type != RONDA_PHP_V_INT || (!mul && b.i == 0) ||
			    out->i > (1ll << 30) || b.i > (1ll << 30) ||
			    out->i < -(1ll << 30) || b.i < -(1ll << 30)) {
				val_release(&b);
				val_release(out);
				return false;
			}
			out->i = mul ? out->i * b.i : out->i % b.i;
		} else if (lv == L_ADD) {
			bool add = tok(d, *i)->op[0] == '+';
			long long x, y;
			(*i)++;
			if (!eval_binary(d, i, &b, L_MUL) || !to_int(out, &x) ||
			    !to_int(&b, &y) || x > (1ll << 50) || y > (1ll << 50) ||
			    x < -(1ll << 50) || y < -(1ll << 50)) {
				val_release(&b);
				val_release(out);
				return false;
			}
			val_release(&b);
			val_release(out);
			out->type = RONDA_PHP_V_INT;
			out->i = add ? x + y : x - y;
		} else if (lv == L_CAT) {
			if (!eval_cat_tail(d, i, out))
				return false;
		} else {
			(*i)++;
			if (!eval_binary(d, i, &b, L_CAT)) {
				val_release(out);
				return false;
			}
			if (out->type == RONDA_PHP_V_INT && b.type == RONDA_PHP_V_INT) {
				out->i ^= b.i;
				continue;
			}
			if (!is_str(out) || !is_str(&b)) {
				val_release(&b);
				val_release(out);
				return false;
			}
			val_own(out);
			out->len = MIN(out->len, b.len);
			for (size_t k = 0; k < out->len; k++)
				out->s[k] ^= b.s[k];
			out->s[out->len] = '\0';
			merge_prov(out, &b);
			out->pieces = 1;
			chain_step(out, "xor");
			val_release(&b);
		}
	}
	return true;
}

/* True if an expression starting at token i fails on that token: an
 * unknown variable, an identifier that is no known call, an operator that
 * starts no constant.  eval_primary would give up there after one step. */
static bool fails_at_once(struct ronda_php_deob *d, size_t i)
{
	const struct ronda_php_tok *t = tok(d, i);

	switch (t->type) {
	case RONDA_PHP_VARIABLE: {
		const char *name;
		size_t n;
		struct sym *s;

		if (ronda_php_tok_is(d->src, t, "globals") && is_op(d, i + 1, "["))
			return false;
		name = (const char *)d->src + t->off + 1;   /* ronda_php_tok_name */
		n = t->len - 1;
		s = sym_find(d, name, n, false);
		return !s || s->v.type == RONDA_PHP_V_UNKNOWN;
	}
	case RONDA_PHP_IDENT:
		if (is_op(d, i + 1, "(") && (is_word(d, i, "array") || find_fn(d, i)))
			return false;
		return !is_word(d, i, "php_eol");
	case RONDA_PHP_OP:
		return !(ronda_php_tok_op(t, "(") || ronda_php_tok_op(t, "[") ||
			 ronda_php_tok_op(t, "$") || ronda_php_tok_op(t, "@") ||
			 ronda_php_tok_op(t, "+") || ronda_php_tok_op(t, "-"));
	case RONDA_PHP_STRING:
	case RONDA_PHP_DQSTRING:
	case RONDA_PHP_NUMBER:
	case RONDA_PHP_CAST:
		return false;
	default:
		return true;
	}
}

static bool eval_expr(struct ronda_php_deob *d, size_t *i, struct val *out)
{
	bool ok;

	if (d->depth >= d->lim.max_depth) {
		d->truncated = true;
		val_clear(out);
		return false;
	}
	if (d->depth + 1 < d->lim.max_depth) {
		const struct ronda_php_tok *t = tok(d, *i), *nx = tok(d, *i + 1);

		/* tested first: fails_at_once is false for a literal */
		if (is_lone(d, *i))
			return eval_lone(d, i, out);
		/* the common give-up, without descending the precedence
		 * levels; the step it would have cost is still charged */
		if (fails_at_once(d, *i)) {
			val_clear(out);
			budget(d);
			return false;
		}
		/* an array literal (a nested table's element): eval_primary's
		 * work at its depth, then the operators after it as
		 * eval_binary would take them */
		if (ronda_php_tok_op(t, "[") ||
		    (t->type == RONDA_PHP_IDENT && ronda_php_tok_op(nx, "(") &&
		     is_word(d, *i, "array"))) {
			bool br = t->type == RONDA_PHP_OP;

			d->depth += 2;
			val_clear(out);
			ok = budget(d);
			if (ok) {
				*i += br ? 1 : 2;
				ok = eval_array(d, i, br ? "]" : ")", out) &&
				     eval_postfix(d, i, out);
			}
			d->depth--;
			if (ok)
				ok = binary_tail(d, i, out, L_XOR);
			d->depth--;
			if (!ok)
				val_clear(out);
			return ok;
		}
	}
	d->depth++;
	ok = eval_binary(d, i, out, L_XOR);
	d->depth--;
	if (!ok)
		val_clear(out);
	return ok;
}

/* $name, $$name, ${expr}: the variable's name.  A plain $name points
 * into the source (*owned NULL); a computed one is malloc'd into *owned,
 * which the caller frees. */
static bool eval_var_name(struct ronda_php_deob *d, size_t *i,
			  const char **name, size_t *name_len, char **owned)
{
	const struct ronda_php_tok *t = tok(d, *i);
	struct val v;

	*owned = NULL;
	if (t->type == RONDA_PHP_VARIABLE) {
		*name = (const char *)d->src + t->off + 1;   /* ronda_php_tok_name */
		*name_len = t->len - 1;
		(*i)++;
		return true;
	}
	if (!is_op(d, *i, "$") || d->depth >= d->lim.max_depth)
		return false;
	(*i)++;
	if (is_op(d, *i, "{")) {
		(*i)++;
		if (!eval_expr(d, i, &v))
			return false;
		if (!is_op(d, *i, "}") || !to_str(&v)) {
			val_release(&v);
			return false;
		}
		(*i)++;
	} else {
		const char *inner;
		char *inner_owned;
		size_t il;
		bool ok;

		d->depth++;
		ok = eval_var_name(d, i, &inner, &il, &inner_owned);
		d->depth--;
		if (!ok)
			return false;
		ok = lookup(d, inner, il, &v);
		free(inner_owned);
		if (!ok)
			return false;
		if (!to_str(&v)) {
			val_release(&v);
			return false;
		}
	}
	if (v.len == 0 || v.len > 256) {
		val_release(&v);
		return false;
	}
	val_own(&v);
	*owned = (char *)v.s;
	*name = *owned;
	*name_len = v.len;
	v.s = NULL;
	val_release(&v);
	return true;
}

/* ---- blobs ---- */

bool ronda_php_looks_like_code(const unsigned char *s, size_t n)
{
	size_t printable = 0, semis = 0, vars = 0, calls = 0, lim = MIN(n, (size_t)65536);

	if (n < 6)
		return false;
	if (memmem(s, lim, "<?php", 5) || memmem(s, lim, "<?=", 3))
		return true;
	for (size_t i = 0; i < lim; i++) {
		unsigned char c = s[i];
		if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\r' || c == '\t' ||
		    c >= 0x80)
			printable++;
		if (c == ';')
			semis++;
		if (c == '$' && i + 1 < lim &&
		    ((s[i + 1] | 0x20) >= 'a' && (s[i + 1] | 0x20) <= 'z'))
			vars++;
		if (c == '(' && i > 0 &&
		    (((s[i - 1] | 0x20) >= 'a' && (s[i - 1] | 0x20) <= 'z') ||
		     (s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '_' ||
		     s[i - 1] == ' '))
			calls++;
	}
	return printable * 10 >= lim * 9 && semis > 0 && (vars > 0 || calls > 0) &&
	       !(s[0] == '{' || s[0] == '[');
}

static void add_blob(struct ronda_php_deob *d, struct val *v, size_t offset,
		     enum ronda_php_sink sink)
{
	struct ronda_php_blob *b;

	if (!is_str(v) || v->len == 0)
		return;
	for (size_t k = 0; k < d->n_blobs; k++) {
		b = &d->blobs[k];
		if (b->len == v->len && !memcmp(b->data, v->s, v->len)) {
			if (sink > b->sink)
				b->sink = sink;
			if (v->n_steps > b->n_steps) {
				memcpy(b->chain, chain_of(v), strlen(chain_of(v)) + 1);
				b->n_steps = v->n_steps;
			}
			return;
		}
	}
	if (d->n_blobs >= d->lim.max_blobs) {
		d->truncated = true;
		return;
	}
	if (!d->blobs)   /* most files have none: allocated on the first */
		d->blobs = xmalloc(d->lim.max_blobs * sizeof(*d->blobs));
	b = &d->blobs[d->n_blobs++];
	memset(b, 0, sizeof(*b));
	val_own(v);
	b->data = v->s;
	b->len = v->len;
	v->s = NULL;
	memcpy(b->chain, chain_of(v), strlen(chain_of(v)) + 1);
	b->n_steps = v->n_steps;
	b->offset = offset;
	b->src_len = v->src_len;
	val_release(v);
	b->sink = sink;
	b->code = ronda_php_looks_like_code(b->data, b->len);
}

/* Keep a root's value as a blob if it was decoded or is fed to a sink. */
static void consider(struct ronda_php_deob *d, struct val *v, size_t offset,
		     enum ronda_php_sink sink)
{
	if (!is_str(v))
		return;
	if (v->n_steps == 0 && v->pieces > 1 && sink == RONDA_PHP_SINK_EVAL) {
		chain_set(v, "concat");
		v->n_steps = 1;
	}
	if (v->n_steps > 0 || (sink == RONDA_PHP_SINK_EVAL && v->len >= 8))
		add_blob(d, v, offset, sink);
}

static bool prev_is_member(struct ronda_php_deob *d, size_t i)
{
	return i > 0 && (is_op(d, i - 1, "->") || is_op(d, i - 1, "?->") ||
			 is_op(d, i - 1, "::") || is_word(d, i - 1, "function"));
}

static const char *const eval_sinks[] = { "eval", "assert", NULL };

static bool in_list_word(struct ronda_php_deob *d, size_t i,
			 const char *const *list)
{
	for (; *list; list++)
		if (is_word(d, i, *list))
			return true;
	return false;
}

/* preg_replace('/x/e', REPL, ...): is the pattern constant with /e? */
static bool pattern_has_e(const struct val *p)
{
	unsigned char delim, close;
	size_t e;

	if (!is_str(p) || p->len < 2)
		return false;
	delim = p->s[0];
	close = delim == '(' ? ')' : delim == '{' ? '}' : delim == '[' ? ']' :
		delim == '<' ? '>' : delim;
	for (e = p->len; e > 1 && p->s[e - 1] != close; e--)
		;
	for (size_t k = e; k < p->len; k++)
		if (p->s[k] == 'e')
			return true;
	return false;
}

static void root_assign(struct ronda_php_deob *d, size_t *ip)
{
	size_t i = *ip, j = i;
	const char *name = NULL;
	char *owned = NULL;
	size_t nl;
	struct val key, v;
	bool has_key = false, append = false, cat;

	/* most variables are read, not assigned */
	if (tok(d, i)->type == RONDA_PHP_VARIABLE && !is_op(d, i + 1, "=") &&
	    !is_op(d, i + 1, ".=") && !is_op(d, i + 1, "[")) {
		(*ip)++;
		return;
	}
	val_clear(&key);
	if (!eval_var_name(d, &j, &name, &nl, &owned)) {
		(*ip)++;
		return;
	}
	if (is_op(d, j, "[")) {
		if (is_op(d, j + 1, "]")) {
			append = true;
			j += 2;
		} else {
			j++;
			if (!eval_elem(d, &j, &key) || !is_op(d, j, "]") ||
			    (key.type != RONDA_PHP_V_STR && key.type != RONDA_PHP_V_INT)) {
				val_release(&key);
				free(owned);
				(*ip)++;
				return;
			}
			j++;
			has_key = true;
		}
	}
	cat = is_op(d, j, ".=");
	if (!is_op(d, j, "=") && !cat) {
		val_release(&key);
		free(owned);
		(*ip)++;
		return;
	}
	j++;
	{
		if (!eval_elem(d, &j, &v) || !(is_op(d, j, ";") || is_op(d, j, ")") ||
					      is_op(d, j, ",") ||
					      tok(d, j)->type == RONDA_PHP_CLOSE_TAG ||
					      tok(d, j)->type == RONDA_PHP_EOF)) {
			struct val unk;
			val_release(&v);
			/* not constant any more */
			val_clear(&unk);
			if (!has_key && !append)
				sym_set(d, name, nl, &unk);
			val_release(&key);
			free(owned);
			*ip = i + 1;
			return;
		}
	}
	if (has_key || append) {
		struct sym *s = sym_find(d, name, nl, true);
		if (s && s->v.type == RONDA_PHP_V_UNKNOWN) {
			s->v.type = RONDA_PHP_V_ARRAY;
			s->v.a = arr_new();
		}
		if (s && s->v.type == RONDA_PHP_V_ARRAY && !cat) {
			struct val copy;

			merge_prov(&s->v, &v);
			val_take(&copy, &v);
			arr_set(s->v.a, has_key ? &key : NULL, &copy);
		}
	} else if (cat) {
		struct sym *s = sym_find(d, name, nl, false);
		if (s && to_str(&s->v) && to_str(&v) &&
		    s->v.len + v.len <= d->lim.max_value && charge(d, v.len)) {
			val_own(&s->v);
			s->v.s = xrealloc(s->v.s, s->v.len + v.len + 1);
			memcpy(s->v.s + s->v.len, v.s, v.len);
			s->v.len += v.len;
			s->v.s[s->v.len] = '\0';
			merge_prov(&s->v, &v);
		} else if (s) {
			val_release(&s->v);
		}
	} else {
		struct val copy;

		val_take(&copy, &v);
		sym_set(d, name, nl, &copy);
	}
	consider(d, &v, d->tv[i].off, RONDA_PHP_SINK_NONE);
	val_release(&v);
	val_release(&key);
	free(owned);
	*ip = j;
}

/* eval(EXPR), assert(EXPR), create_function(A, EXPR), preg_replace(/e). */
static bool root_sink(struct ronda_php_deob *d, size_t *ip)
{
	size_t i = *ip, j;
	struct val v;

	if (!is_op(d, i + 1, "(") || prev_is_member(d, i))
		return false;
	j = i + 2;
	if (in_list_word(d, i, eval_sinks)) {
		if (eval_expr(d, &j, &v)) {
			consider(d, &v, d->tv[i].off, RONDA_PHP_SINK_EVAL);
			val_release(&v);
			*ip = j;
			return true;
		}
		return false;
	}
	if (is_word(d, i, "create_function") || is_word(d, i, "preg_replace")) {
		struct val first;
		bool pe = is_word(d, i, "preg_replace");

		if (!eval_expr(d, &j, &first))
			return false;
		if ((pe && !pattern_has_e(&first)) || !is_op(d, j, ",")) {
			val_release(&first);
			return false;
		}
		val_release(&first);
		j++;
		if (eval_expr(d, &j, &v)) {
			consider(d, &v, d->tv[i].off, RONDA_PHP_SINK_EVAL);
			val_release(&v);
			*ip = j;
			return true;
		}
	}
	return false;
}

static void root_call(struct ronda_php_deob *d, size_t *ip)
{
	size_t j = *ip;
	struct val v;

	if (eval_expr(d, &j, &v)) {
		enum ronda_php_sink sink = RONDA_PHP_SINK_NONE;
		consider(d, &v, d->tv[*ip].off, sink);
		val_release(&v);
		*ip = j;
		return;
	}
	(*ip)++;
}

static void reset(struct ronda_php_deob *d)
{
	for (unsigned k = 0; k < d->n_syms; k++) {
		struct sym *s = &d->pool[k];

		if (s->name != s->name_in)
			free(s->name);
		val_drop(&s->v);
		d->syms[s->slot] = 0;
	}
	d->n_syms = 0;
	for (size_t k = 0; k < d->n_blobs; k++)
		free(d->blobs[k].data);
	d->n_blobs = 0;
	d->n_toks = 0;
	d->tv = d->toks;
	d->total = d->steps = 0;
	d->depth = 0;
	d->truncated = false;
	d->fn_at = SIZE_MAX;
}

/* One spare token array per thread, handed from a freed deobfuscator to
 * the next: a scan of many files reuses pages already mapped instead of
 * faulting in megabytes per big file.  Freed with the thread. */
#define SPARE_MAX_TOKENS (1u << 20)     /* 16 MiB kept per thread at most */

static void spare_take(struct ronda_php_deob *d)
{
	size_t size;
	void *p = ronda_spare_take(RONDA_SPARE_PHP_TOKENS, 0, &size);

	if (p) {
		d->toks = p;
		d->alloc_toks = size / sizeof(*d->toks);
	}
}

static void spare_give(struct ronda_php_deob *d)
{
	ronda_spare_give(RONDA_SPARE_PHP_TOKENS, d->toks,
			 d->alloc_toks * sizeof(*d->toks),
			 SPARE_MAX_TOKENS * sizeof(*d->toks));
	d->toks = NULL;
	d->alloc_toks = 0;
}

struct ronda_php_deob *ronda_php_deob_new(const struct ronda_php_deob_limits *limits)
{
	struct ronda_php_deob *d = xcalloc(1, sizeof(*d));

	d->fn_at = SIZE_MAX;
	pthread_once(&fn_lens_once, fn_lens_build);
	spare_take(d);
	d->lim = limits ? *limits : ronda_php_deob_default_limits;
	if (d->lim.max_blobs == 0)
		d->lim.max_blobs = 1;
	if (d->lim.max_vars > SYM_SLOTS / 2)
		d->lim.max_vars = SYM_SLOTS / 2;
	return d;
}

void ronda_php_deob_free(struct ronda_php_deob *d)
{
	if (!d)
		return;
	reset(d);
	spare_give(d);
	free(d->pool);
	free(d->toks);
	free(d->blobs);
	free(d);
}

static void reverse_toks(struct ronda_php_tok *v, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		struct ronda_php_tok x = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = x;
	}
}

static void prepare(struct ronda_php_deob *d, const void *src, size_t len)
{
	reset(d);
	d->src = src;
	d->len = len;
	/* room for one token per 4 bytes up front: code averages 5-8 bytes a
	 * token, data tables 2-3; one doubling at most after that */
	if (d->alloc_toks < MIN(len / 4 + 64, d->lim.max_tokens)) {
		free(d->toks);
		d->alloc_toks = MIN(len / 4 + 64, d->lim.max_tokens);
		d->toks = xmalloc(d->alloc_toks * sizeof(*d->toks));
	}
}

/* A token past max_tokens: keep the first half and a ring of the latest
 * tokens, so code hidden after megabytes of padding is still seen (the
 * lexer itself is linear). */
static void ring_push(struct ronda_php_deob *d, const struct ronda_php_tok *t,
		      size_t *ring)
{
	size_t ring_start = d->lim.max_tokens / 2;

	d->truncated = true;
	if (d->lim.max_tokens < 2)
		return;
	d->toks[ring_start + *ring] = *t;
	*ring = (*ring + 1) % (d->lim.max_tokens - ring_start);
}

static int evaluate(struct ronda_php_deob *d, size_t ring);

int ronda_php_deob_run(struct ronda_php_deob *d, const void *src, size_t len,
		       unsigned flags)
{
	struct ronda_php_lexer lx;
	struct ronda_php_tok t;
	size_t ring = 0;

	prepare(d, src, len);
	ronda_php_lex_init(&lx, src, len, flags);
	/* the lexer writes each token straight into its array slot: copying
	 * a token it has just stored field by field stalls on every token.
	 * The count and the room left live in registers across the calls */
	{
		size_t n = 0, max = d->lim.max_tokens;
		size_t lim = MIN(max, d->alloc_toks);
		struct ronda_php_tok *v = d->toks;
		bool more = true;

		for (;;) {
			if (n >= lim) {
				if (n >= max)
					break;
				d->toks = xgrow(d->toks, &d->alloc_toks, n + 1,
						sizeof(*d->toks));
				v = d->toks;
				lim = MIN(max, d->alloc_toks);
			}
			if (!ronda_php_lex_next(&lx, &v[n])) {
				more = false;
				break;
			}
			/* kept: all but INLINE_HTML (1) and OPEN_TAG (2) */
			n += (unsigned)v[n].type - RONDA_PHP_INLINE_HTML >
			     RONDA_PHP_OPEN_TAG - RONDA_PHP_INLINE_HTML;
		}
		d->n_toks = n;
		d->tv = d->toks;
		if (!more)
			return evaluate(d, 0);
	}
	while (ronda_php_lex_next(&lx, &t))
		if (t.type != RONDA_PHP_INLINE_HTML && t.type != RONDA_PHP_OPEN_TAG)
			ring_push(d, &t, &ring);
	return evaluate(d, ring);
}

static inline bool tok_kept(const struct ronda_php_tok *t)
{
	return t->type != RONDA_PHP_INLINE_HTML && t->type != RONDA_PHP_OPEN_TAG;
}

int ronda_php_deob_run_toks(struct ronda_php_deob *d, const void *src, size_t len,
			    const struct ronda_php_tok *all, size_t n_all)
{
	size_t ring = 0, a = 0, b = n_all, k;

	/* the tokens kept (all but inline HTML and open tags) are most
	 * often one run of the list (a file that opens with <?php and never
	 * leaves PHP): evaluated in place, not copied */
	while (a < b && !tok_kept(&all[a]))
		a++;
	while (b > a && !tok_kept(&all[b - 1]))
		b--;
	for (k = a; k < b && tok_kept(&all[k]); k++)
		;
	if (k == b && b - a <= d->lim.max_tokens) {
		reset(d);
		d->src = src;
		d->len = len;
		d->tv = all + a;
		d->n_toks = b - a;
		return evaluate(d, 0);
	}
	prepare(d, src, len);
	/* else copied run by run (all[a..k) is the first), past max_tokens
	 * into the ring as before */
	for (;;) {
		size_t m = MIN(k - a, d->lim.max_tokens - d->n_toks);

		if (m) {
			if (d->n_toks + m > d->alloc_toks)
				d->toks = xgrow(d->toks, &d->alloc_toks, d->n_toks + m,
						sizeof(*d->toks));
			memcpy(d->toks + d->n_toks, all + a, m * sizeof(*d->toks));
			d->n_toks += m;
		}
		for (a += m; a < k; a++)
			ring_push(d, &all[a], &ring);
		while (a < b && !tok_kept(&all[a]))
			a++;
		if (a == b)
			break;
		for (k = a; k < b && tok_kept(&all[k]); k++)
			;
	}
	d->tv = d->toks;
	return evaluate(d, ring);
}

static int evaluate(struct ronda_php_deob *d, size_t ring)
{
	size_t ring_start = d->lim.max_tokens / 2;

	if (ring) {   /* put the tail back in source order */
		reverse_toks(d->toks + ring_start, ring);
		reverse_toks(d->toks + ring_start + ring, d->n_toks - ring_start - ring);
		reverse_toks(d->toks + ring_start, d->n_toks - ring_start);
	}
	for (size_t i = 0; i < d->n_toks;) {
		const struct ronda_php_tok *tk;

		/* one step per token; tokens that start no root (neither a
		 * variable, '$' nor an identifier) pass in this tight loop */
		{
			/* the loop used to test steps > max_steps before each
			 * token: `room' tokens pass that test */
			size_t room = d->steps <= d->lim.max_steps ?
				      d->lim.max_steps - d->steps + 1 : 0;
			size_t end = d->n_toks - i > room ? i + room : d->n_toks, j;
			const struct ronda_php_tok *toks = d->tv;

			for (j = i; j < end; j++) {
				const struct ronda_php_tok *x = &toks[j];

				if (x->type == RONDA_PHP_VARIABLE || x->type == RONDA_PHP_IDENT ||
				    (x->type == RONDA_PHP_OP && x->op[0] == '$' && !x->op[1]))
					break;
			}
			if (j == end) {
				d->steps += end - i;
				if (end < d->n_toks)
					d->truncated = true;
				return RONDA_OK;
			}
			d->steps += j - i + 1;
			i = j;
			tk = &toks[i];
		}
		if (tk->type != RONDA_PHP_IDENT) {
			/* root_assign's own first test: most variables are
			 * read, not assigned */
			if (tk->type == RONDA_PHP_VARIABLE && !is_op(d, i + 1, "=") &&
			    !is_op(d, i + 1, ".=") && !is_op(d, i + 1, "[")) {
				i++;
				continue;
			}
			if (!(i > 0 && (is_op(d, i - 1, "$") || is_op(d, i - 1, "->") ||
					is_op(d, i - 1, "::")))) {
				root_assign(d, &i);
				continue;
			}
			i++;
			continue;
		}
		/* root_sink and the decoders want a call of a word they know */
		if (is_op(d, i + 1, "(") && may_be_root_word(d, tk)) {
			const struct fn *fn;

			if (root_sink(d, &i))
				continue;
			if ((fn = find_fn(d, i)) != NULL &&
			    fn->step && !prev_is_member(d, i)) {
				root_call(d, &i);
				continue;
			}
		}
		i++;
	}
	return RONDA_OK;
}

size_t ronda_php_deob_blobs(const struct ronda_php_deob *d,
			    const struct ronda_php_blob **blobs)
{
	*blobs = d->blobs;
	return d->n_blobs;
}

const struct ronda_php_tok *ronda_php_deob_tokens(const struct ronda_php_deob *d,
						  size_t *n)
{
	*n = d->n_toks;
	return d->tv;
}

bool ronda_php_deob_truncated(const struct ronda_php_deob *d)
{
	return d->truncated;
}

const unsigned char *ronda_php_deob_var(const struct ronda_php_deob *d,
					const char *name, size_t name_len,
					size_t *len)
{
	struct sym *s = sym_find((struct ronda_php_deob *)d, name, name_len, false);

	if (!s || s->v.type != RONDA_PHP_V_STR)
		return NULL;
	*len = s->v.len;
	return s->v.s;
}

bool ronda_php_deob_eval_at(struct ronda_php_deob *d, size_t i, size_t *end,
			    char **out, size_t *out_len, char *chain,
			    size_t chain_size)
{
	struct val v;
	size_t j = i;

	/* a small fresh budget per query, so callers can ask often */
	size_t saved = d->steps;
	d->steps = d->lim.max_steps > 4096 ? d->lim.max_steps - 4096 : 0;
	if (!eval_expr(d, &j, &v) || !to_str(&v)) {
		val_release(&v);
		d->steps = saved;
		return false;
	}
	d->steps = saved;
	val_own(&v);
	*out = (char *)v.s;
	*out_len = v.len;
	if (chain && chain_size)
		snprintf(chain, chain_size, "%s", chain_of(&v));
	v.s = NULL;
	val_release(&v);
	if (end)
		*end = j;
	return true;
}

unsigned char *ronda_php_deob_peel(const void *src, size_t len,
				   unsigned max_layers, size_t *out_len,
				   unsigned *layers, char *chain,
				   size_t chain_size)
{
	struct ronda_php_deob *d = ronda_php_deob_new(NULL);
	unsigned char *cur = NULL;
	size_t cur_len = len;
	const unsigned char *in = src;
	size_t cl = 0;

	*layers = 0;
	if (chain_size)
		chain[0] = '\0';
	while (*layers < max_layers) {
		const struct ronda_php_blob *b;
		size_t n, k, skip = 0;
		unsigned flags;

		while (skip < cur_len && (in[skip] == ' ' || in[skip] == '\n' ||
					  in[skip] == '\t' || in[skip] == '\r'))
			skip++;
		flags = (*layers > 0 && !(cur_len - skip >= 2 && in[skip] == '<' &&
					  in[skip + 1] == '?')) ? RONDA_PHP_LEX_CODE : 0;
		ronda_php_deob_run(d, in, cur_len, flags);
		n = ronda_php_deob_blobs(d, &b);
		for (k = 0; k < n && !b[k].code; k++)
			;
		if (k == n)
			break;
		if (chain_size) {
			cl = strlen(chain);
			snprintf(chain + cl, chain_size - cl, "%s%s", cl ? " > " : "",
				 b[k].chain);
		}
		{
			unsigned char *next = xmemdup(b[k].data, b[k].len + 1);
			cur_len = b[k].len;
			free(cur);
			cur = next;
			in = cur;
		}
		(*layers)++;
	}
	ronda_php_deob_free(d);
	if (!*layers) {
		free(cur);
		return NULL;
	}
	*out_len = cur_len;
	return cur;
}
