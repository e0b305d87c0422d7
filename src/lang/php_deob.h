/*
 * php_deob.h — a static, bounded evaluator of constant PHP string
 * expressions, used to peel obfuscation off webshells.
 *
 * It tokenizes a file (php_lex.h), keeps a small symbol table of variables
 * assigned constant values (strings, integers, arrays of them; variable
 * variables when their name is constant), and evaluates expressions built
 * from literals, '.', '^' (string XOR), array picks ($a[0].$a[3]) and calls
 * of decoding functions: base64_decode, gzinflate, gzuncompress, gzdecode,
 * str_rot13, strrev, hex2bin, urldecode, rawurldecode, chr, strtolower,
 * strtoupper, str_replace, substr, implode/join, pack('H*'),
 * convert_uudecode.  Nothing is ever executed.
 *
 * Every value that went through at least one decoding step (or was built
 * from escapes or many pieces) and is used as an argument of eval-like
 * sinks, assigned, or passed on, becomes a blob with the chain of steps
 * that produced it ("base64_decode > gzinflate > str_rot13").  One run
 * peels one layer of source; the engine rescans code blobs, so nested
 * layers come out one per ronda_scan_layer() call (ronda_php_deob_peel()
 * does the same without the engine, for tests and tools).
 *
 * Bounds: tokens, symbols, value size, total bytes produced, evaluation
 * steps and recursion depth are all capped (struct ronda_php_deob_limits);
 * past a cap evaluation stops and what was found so far is kept.
 *
 * Ownership: the ronda_php_deob owns its tokens, symbols and blobs until
 * ronda_php_deob_release().
 */
#ifndef RONDA_PHP_DEOB_H
#define RONDA_PHP_DEOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/php_lex.h"

struct ronda_php_deob_limits {
	size_t max_tokens;     /* tokens kept from the source: past it the
				  first half and the latest tokens (a file's
				  tail after padding is still analysed) */
	size_t max_value;      /* bytes in one string value */
	size_t max_total;      /* bytes produced by all decoders together */
	size_t max_steps;      /* evaluation work units per run */
	unsigned max_vars;     /* symbol table entries */
	unsigned max_blobs;    /* blobs kept */
	unsigned max_depth;    /* expression nesting */
};

/* Defaults: 2M tokens, 4 MiB values, 32 MiB total, 64 vars... */
extern const struct ronda_php_deob_limits ronda_php_deob_default_limits;

/* What consumes a blob. */
enum ronda_php_sink {
	RONDA_PHP_SINK_NONE = 0,   /* assigned, printed, passed elsewhere */
	RONDA_PHP_SINK_EVAL,       /* eval, assert, create_function body,
				      preg_replace /e replacement */
	RONDA_PHP_SINK_INCLUDE,    /* include/require of a data: URI etc. */
	RONDA_PHP_SINK_WRITE,      /* file_put_contents/fwrite content */
};

#define RONDA_PHP_CHAIN_MAX 160

struct ronda_php_blob {
	unsigned char *data;
	size_t len;
	char chain[RONDA_PHP_CHAIN_MAX]; /* "base64_decode > gzinflate" */
	unsigned n_steps;          /* decoding steps in chain */
	size_t offset;             /* of the expression in the source */
	size_t src_len;            /* longest literal that fed the chain */
	enum ronda_php_sink sink;
	bool code;                 /* looks like PHP code */
};

enum ronda_php_val_type {
	RONDA_PHP_V_UNKNOWN = 0,
	RONDA_PHP_V_STR,
	RONDA_PHP_V_INT,
	RONDA_PHP_V_ARRAY,
};

struct ronda_php_deob;

/* Run over src[0..len): tokenize, evaluate, collect blobs.  flags are
 * lexer flags (RONDA_PHP_LEX_CODE for eval'd code).  limits may be NULL.
 * Returns RONDA_OK (also when a bound stopped the work: see
 * ronda_php_deob_truncated) or RONDA_ENOMEM-like errors never: allocation
 * failure aborts via xmalloc. */
struct ronda_php_deob *ronda_php_deob_new(const struct ronda_php_deob_limits *limits);
void ronda_php_deob_free(struct ronda_php_deob *d);
int ronda_php_deob_run(struct ronda_php_deob *d, const void *src, size_t len,
		       unsigned flags);
/* The same from tokens already lexed: all[0..n_all) must be the complete
 * token stream of src (as ronda_php_lex_next() gives it, open tags and
 * inline HTML included), so a token list shared by several detectors is
 * not lexed twice.  Results are identical to ronda_php_deob_run().  The
 * tokens handed back (ronda_php_deob_tokens) and read by eval_at may be
 * all's own: all must stay valid until the next run or free. */
int ronda_php_deob_run_toks(struct ronda_php_deob *d, const void *src, size_t len,
			    const struct ronda_php_tok *all, size_t n_all);

/* Results of the last run (valid until the next run or free). */
size_t ronda_php_deob_blobs(const struct ronda_php_deob *d,
			    const struct ronda_php_blob **blobs);
const struct ronda_php_tok *ronda_php_deob_tokens(const struct ronda_php_deob *d,
						  size_t *n);
bool ronda_php_deob_truncated(const struct ronda_php_deob *d);

/* Constant string value of variable `name` (without '$') at the end of the
 * run, or NULL; *len gets its length.  The bytes may be the source's own
 * (a plain literal, not NUL-terminated): valid while src is. */
const unsigned char *ronda_php_deob_var(const struct ronda_php_deob *d,
					const char *name, size_t name_len,
					size_t *len);

/* Evaluate the expression starting at token index i (e.g. a callback
 * argument or a variable-function name) with the symbols as they are at the
 * end of the run.  On success *out is a malloc'd NUL-terminated string
 * (free()) and *end the index of the first token after the expression. */
bool ronda_php_deob_eval_at(struct ronda_php_deob *d, size_t i, size_t *end,
			    char **out, size_t *out_len, char *chain,
			    size_t chain_size);

/* True if data looks like PHP source (tags, or statements with variables
 * and calls), used to decide whether a decoded blob is rescanned. */
bool ronda_php_looks_like_code(const unsigned char *data, size_t len);

/* Peel src repeatedly (at most max_layers times): run, take the first code
 * blob, run again on it.  *layers gets the number of runs that produced a
 * code blob, chain the joined chain ("a > b > c"); returns the innermost
 * code (malloc'd, *out_len) or NULL if src had no code blob. */
unsigned char *ronda_php_deob_peel(const void *src, size_t len,
				   unsigned max_layers, size_t *out_len,
				   unsigned *layers, char *chain,
				   size_t chain_size);

#endif
