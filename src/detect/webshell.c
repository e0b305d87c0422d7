/*
 * webshell.c — webshells, backdoors and obfuscated PHP, found by structure.
 *
 * Cheap tests (the engine's decoder hits, a backtick, the sink words
 * scanned on demand, escaped bytes, a variable call) decide whether a PHP
 * file is worth tokenizing.  Then:
 *   1. the deobfuscator (lang/php_deob.h) evaluates constant expressions;
 *      decoded code goes back to the engine with ronda_scan_layer(), so every
 *      detector sees each layer, and eval of decoded content is reported;
 *   2. a flow-insensitive taint pass over the tokens marks variables fed
 *      from request input ($_GET.., request headers, php://input), uploaded
 *      files, remote fetches and decoders, through assignments and foreach,
 *      per function scope, only in scopes that hold a source; functions of
 *      the file that return input make their calls sources, and calls of
 *      functions whose parameters reach a sink (summaries worked out on
 *      demand) are checked like the sink itself; input that a whitelist
 *      preg_replace() reduced to letters, digits, '_' and '-' (T_WORD)
 *      is still input to every sink but an include path;
 *   3. sinks (eval, assert, shell functions, backticks, preg_replace /e,
 *      create_function, include, callbacks, variable functions) are checked
 *      for tainted arguments or callees;
 *   4. shapes around them: password gates, fake error pages with password
 *      forms, uploaders, file managers.
 * Family markers (FilesMan, b374k...) are supporting evidence only and are
 * reported at a lower severity than structure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>

#include "core/detector.h"
#include "core/hscache.h"
#include "core/spare.h"
#include "core/error.h"
#include "core/i18n.h"
#include "core/rule.h"
#include "lang/php_deob.h"
#include "lang/php_lex.h"
#include "lang/php_toks.h"
#include "core/util.h"
#include "detect/filemgr.h"

enum {
	R_INPUT_EXEC, R_INPUT_CALLBACK, R_INPUT_INCLUDE, R_PASSWORD_GATE,
	R_FAKE_ERROR, R_UPLOADER, R_FILE_MANAGER, R_MARKER, R_REMOTE_CODE,
	R_EVAL_DECODED, R_LAYERS, R_ENCODED_BLOB, R_DYNAMIC_CALL, R__COUNT
};

static const struct ronda_rule rules[R__COUNT] = {
	[R_INPUT_EXEC] = { "webshell.input-to-exec", RONDA_CAT_WEBSHELL,
		RONDA_SEV_CRITICAL, 90,
		N_("request input reaches code or command execution (eval, assert, system, backticks...)"),
		N_("take the site offline or block the file, remove it, and look for how it was planted; restore from a clean copy") },
	[R_INPUT_CALLBACK] = { "webshell.input-callback", RONDA_CAT_WEBSHELL,
		RONDA_SEV_CRITICAL, 85,
		N_("request input chooses or feeds a function called dynamically (callback or variable function)"),
		N_("remove the file or the injected code, then audit the site for other backdoors and changed files") },
	[R_INPUT_INCLUDE] = { "webshell.input-include", RONDA_CAT_WEBSHELL,
		RONDA_SEV_CRITICAL, 85,
		N_("a file named by request input or an uploaded file is included and run as PHP"),
		N_("remove the include or the file; never include paths that come from a request") },
	[R_PASSWORD_GATE] = { "webshell.password-gate", RONDA_CAT_WEBSHELL,
		RONDA_SEV_HIGH, 70,
		N_("a hash of request input is compared to a hard-coded hash, the usual lock of a webshell"),
		N_("check what the password unlocks; if it is code execution or file access, remove the file") },
	[R_FAKE_ERROR] = { "webshell.fake-error-page", RONDA_CAT_WEBSHELL,
		RONDA_SEV_HIGH, 75,
		N_("a fake 403/404 error page hides a password form"),
		N_("real error pages ask for no password: remove the file and look for what it protects") },
	[R_UPLOADER] = { "webshell.uploader", RONDA_CAT_WEBSHELL,
		RONDA_SEV_HIGH, 70,
		N_("uploaded files are stored where the request says, so anyone can drop a PHP file"),
		N_("remove the script, or fix the upload path and name on the server side") },
	[R_FILE_MANAGER] = { "webshell.file-manager", RONDA_CAT_WEBSHELL,
		RONDA_SEV_HIGH, 75,
		N_("a script lists, reads, writes and deletes files at paths chosen by the request"),
		N_("remove the file manager from the web root and check which files it changed") },
	[R_MARKER] = { "webshell.marker", RONDA_CAT_WEBSHELL,
		RONDA_SEV_MEDIUM, 40,
		N_("a string typical of a known webshell family (FilesMan, b374k, IndoXploit, c99, r57...)"),
		N_("inspect the file: markers alone are weak evidence, structure findings are stronger") },
	[R_REMOTE_CODE] = { "backdoor.remote-code", RONDA_CAT_BACKDOOR,
		RONDA_SEV_HIGH, 75,
		N_("code fetched from the network is evaluated or included directly"),
		N_("remove the code; updates must be downloaded, verified and installed, never eval'd") },
	[R_EVAL_DECODED] = { "obfuscation.eval-decoded", RONDA_CAT_OBFUSCATION,
		RONDA_SEV_HIGH, 80,
		N_("decoded or assembled content is executed with eval, assert or a similar sink"),
		N_("legitimate code does not eval encoded strings: read the decoded layer and remove the file or block") },
	[R_LAYERS] = { "obfuscation.layers", RONDA_CAT_OBFUSCATION,
		RONDA_SEV_HIGH, 85,
		N_("code hidden behind several nested layers of encoding"),
		N_("read the innermost layer shown in the finding; nested encodings are a hallmark of malware") },
	[R_ENCODED_BLOB] = { "obfuscation.encoded-blob", RONDA_CAT_OBFUSCATION,
		RONDA_SEV_LOW, 40,
		N_("a long encoded string is fed to a decoder"),
		N_("check what the decoded data is; libraries embed fonts and images this way, malware hides code") },
	[R_DYNAMIC_CALL] = { "obfuscation.dynamic-call", RONDA_CAT_OBFUSCATION,
		RONDA_SEV_MEDIUM, 60,
		N_("an execution function (system, assert...) is called through a variable or callback, by a name built at run time"),
		N_("legitimate code names such functions directly: find out why this one is hidden") },
};

/* pattern ids */
enum { P_DECODER = 2, P_ERRPAGE, P_PASSWORD_INPUT, P_SOURCE, P_URL,
       P_FETCH, P_PHP_INPUT, P_MARK_BASE };

static const char *const markers[] = {
	"FilesMan", "auth_pass", "b374k", "IndoXploit", "c99shell", "c99_sess",
	"r57shell", "r57_", "WSO_VERSION", "wso_version",
};

struct ws_state {
	struct ronda_hs_set sinks;   /* the sink words, scanned on demand */
};

static void build_filters(void);
static pthread_once_t filters_once = PTHREAD_ONCE_INIT;

static int ws_init(struct ronda_detector_init *di, void **state)
{
	static const char *const sinks =
		"\\b(eval|assert|system|exec|passthru|shell_exec|popen|proc_open|"
		"pcntl_exec|preg_replace|create_function|call_user_func|"
		"call_user_func_array|array_map|array_filter|array_walk|array_reduce|"
		"usort|uasort|uksort|register_shutdown_function|"
		"register_tick_function|ob_start|iterator_apply|forward_static_call|"
		"include|include_once|require|require_once|move_uploaded_file|"
		"scandir|opendir|unlink)\\b";
	static const unsigned sink_flags[] = { HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH };
	struct ws_state *st;
	int err = 0;

	*state = NULL;
	pthread_once(&filters_once, build_filters);
	/* The sink words only decide whether the structural pass runs (see
	 * ws_scan): asked of PHP files alone, and a PHP file usually has one
	 * (include, require) near its top, so an on-demand scan that stops at
	 * the first costs less than the engine's reporting every one of them
	 * for every file.  A backtick (shell execution) is a memchr(). */
	st = xcalloc(1, sizeof(*st));
	if ((err = ronda_hs_set_compile(&st->sinks, &sinks, sink_flags, 1))) {
		free(st);
		return err;
	}
	*state = st;
	/* a variable call ($f(...), $a['k'](...)) is a sink too: see
	 * has_variable_call, checked only when no sink word was found */
	err |= ronda_pattern_add(di,
		"\\b(base64_decode|gzinflate|gzuncompress|gzdecode|str_rot13|"
		"strrev|hex2bin|urldecode|rawurldecode|convert_uudecode)\\b",
		RONDA_PAT_CASELESS, P_DECODER);
	/* "\x41\x42" escapes are a decoder too: see has_hex_escapes */
	err |= ronda_pattern_add(di, "\\bchr\\s*\\(", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE,
				 P_DECODER);
	err |= ronda_pattern_add(di, "(404 Not Found|403 Forbidden)",
				 RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_ERRPAGE);
	err |= ronda_pattern_add(di, "type\\s*=\\s*[\"']?password",
				 RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_PASSWORD_INPUT);
	/* taint sources: without one of them (or a decoder, or a URL and a
	 * fetcher) no variable can carry taint, so propagation is skipped */
	err |= ronda_pattern_add(di, "\\$_(GET|POST|REQUEST|COOKIE|FILES|SERVER)",
				 RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_SOURCE);
	err |= ronda_pattern_add(di, "\\b(getallheaders|apache_request_headers|curl_exec)\\b",
				 RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_SOURCE);
	err |= ronda_pattern_add(di, "php://input", RONDA_PAT_LITERAL | RONDA_PAT_CASELESS |
				 RONDA_PAT_SINGLE, P_PHP_INPUT);   /* a source too */
	err |= ronda_pattern_add(di, "(https?|ftp)://", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE,
				 P_URL);
	err |= ronda_pattern_add(di, "\\b(file_get_contents|fopen|file|fsockopen|"
				 "stream_get_contents|fgets|fread)\\s*\\(",
				 RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_FETCH);
	for (unsigned k = 0; k < ARRAY_SIZE(markers); k++)
		err |= ronda_pattern_add(di, markers[k],
					 RONDA_PAT_LITERAL | RONDA_PAT_SINGLE,
					 P_MARK_BASE + k);
	return err ? RONDA_EPATTERN : RONDA_OK;
}

static void ws_release(void *state)
{
	struct ws_state *st = state;

	if (st)
		ronda_hs_set_free(&st->sinks);
	free(st);
}

/* ---- taint ---- */

#define T_INPUT   0x01u   /* request: GET/POST/COOKIE/headers/body */
#define T_FILES   0x02u   /* $_FILES */
#define T_REMOTE  0x04u   /* fetched from the network */
#define T_DECODED 0x08u   /* came out of a decoder */
#define T_ELEM    0x10u   /* an element of the array was set from input */
#define T_PARTIAL 0x20u   /* input mixed with constant text ('dir/' . $x) */
#define T_DERIVED 0x40u   /* returned by a function given input */
#define T_PPARTIAL 0x80u  /* a parameter mixed with constant text */
#define T_PARAM0  0x100u  /* parameter k of the enclosing function is
			     T_PARAM0 << k (summaries, see below) */
#define T_PARAMS  (0xffu * T_PARAM0)
#define T_WORD    0x10000u  /* input with all but letters, digits, '_'
			       and '-' removed (strips_to_word): a sink
			       sees it as T_INPUT (region_taint), except
			       an include path, and propagation keeps it */
#define T_REQUEST (T_INPUT | T_FILES | T_ELEM | T_DERIVED | T_WORD)

/* Functions defined in the file, for taint across calls.  A function whose
 * body holds a sink (or calls such a function) gets its parameters seeded
 * with T_PARAM bits; the sink checks then note which parameter reaches
 * which kind of sink (its summary), and every call of the function by
 * name (or of a closure through the variable it was assigned to) checks
 * its arguments against that summary.  A function whose return value is
 * tainted by input makes its calls a source.  Bounded: FN_MAX functions,
 * FN_PARAMS parameters each, a few rounds. */
#define FN_MAX     16384     /* a 16-bit index; padding with dummy
				     functions must not push a shell out */
#define FN_PARAMS  8
enum { SK_EXEC = 1, SK_INCLUDE = 2, SK_INCLUDE_BUILT = 4 };

struct fn {
	uint32_t name;               /* IDENT of the name, the VARIABLE a
					closure is assigned to, or n */
	uint32_t open, close;        /* body braces */
	uint32_t param[FN_PARAMS];   /* VARIABLE tokens of the parameters */
	uint16_t next;               /* 1 + next function of the same name */
	uint8_t n_params;
	uint8_t reach[FN_PARAMS];    /* SK_* reached by parameter k */
	uint32_t cls;                /* 1 + its class (class_of()), 0 none */
	bool done, busy;             /* summarise() */
	bool sinkish;                /* find_sinkish() */
	uint8_t ret_input;           /* returns request input: 1 + the
					relive() round that found it */
	char sink[24];               /* the sink a parameter reaches */
};

#define MAX_TOKENS   (1u << 19)
#define TAINT_SLOTS  16384     /* 16-bit indexes into the entries */
#define PROP_SCOPE   ((size_t)-2)   /* taint key scope of $this->x, self::$x */
#define TAINT_MAX    8192
#define STMT_MAX     4096
#define MARK_STAMPS  1024      /* a power of two, at most 4096 */

struct taint {
	const unsigned char *name;
	size_t len;
	size_t scope;
	unsigned bits;
	uint8_t gen;                /* relive() round of its last change */
	char src[48];
};

/* A quick filter on identifier names: for each first letter (any other
 * first byte shares slot 26) the set of lengths of the names in some
 * lists.  A name whose (first letter, length) is not in the set is in none
 * of those lists, so most identifiers skip the word-by-word compares. */
struct name_filter {
	uint32_t lens[27];
};

struct ctx {
	struct ronda_file *f;
	struct ronda_php_deob *deob;
	const unsigned char *s;
	const struct ronda_php_tok *t;
	size_t n;
	uint32_t *tables;           /* match, scope and scratch: one buffer */
	size_t tables_size;
	uint32_t *match;            /* matching bracket of each opener, or n */
	uint32_t *scope;            /* function body ('{' index + 1) of each token */
	uint32_t *names;            /* the IDENT, VARIABLE, STRING, DQSTRING and
				       BACKTICK tokens, in order: the only ones
				       mark_live() and the sink loop look at */
	size_t n_names;
	uint32_t *fkw;              /* pairs: a "function" keyword, its body '{' */
	size_t n_fkw, alloc_fkw;    /* (n_fkw pairs; the brace is n if none) */
	uint32_t *ckw;              /* "class"/"trait" keywords */
	size_t n_ckw, alloc_ckw;
	uint32_t *cls;              /* pairs: braces of class bodies */
	size_t n_cls, alloc_cls;
	bool *live;                 /* by scope: it or a scope inside it holds
				       a taint source (mark_live) */
	uint8_t *sinky;             /* by scope: an exec or include sink is
				       called in it (mark_live) */
	uint8_t *dirty;             /* by scope: to propagate again (relive) */
	uint8_t round;              /* relive() rounds done */
	bool sinkish_done;          /* find_sinkish() ran */
	bool keys_changed;          /* a property or file-level variable
				       changed since the last relive() */
	uint16_t *taint_idx;        /* taint_slots: 1 + index in taint, 0 free */
	unsigned taint_slots;       /* a power of two, >= 2 n_taint, at most
				       TAINT_SLOTS */
	struct taint *taint;        /* entries, n_taint of alloc_taint */
	unsigned n_taint;
	size_t alloc_taint;
	bool extract_input;         /* extract()/parse_str() of input */
	bool php_input;             /* "php://input" is somewhere in the file */
	size_t extract_scope;       /* ... in this function scope */
	bool has_exec_sink;
	bool reported[R__COUNT];
	unsigned fm_groups;
	size_t fm_offset;
	bool has_gate;
	size_t gate_ti;
	struct fn *fns;             /* in the order of their bodies */
	unsigned n_fns;
	size_t alloc_fns;
	uint16_t *fn_idx;           /* fn_slots: 1 + first fn of a name */
	struct name_filter fn_names; /* their names, as nf_may() tests tokens */
	unsigned fn_slots;          /* a power of two, > 2 n_fns */
	unsigned n_ret_input;       /* functions with ret_input */
	unsigned n_props;           /* tainted properties (PROP_SCOPE) */
	unsigned n_top;             /* tainted file-level variables */
	unsigned n_req_keys;        /* properties and file-level variables
				       holding request input */
	bool has_globals;           /* "global" or $GLOBALS in the file */
	uint32_t *sites;            /* tokens where propagation has work */
	size_t n_sites, alloc_sites;
	uint32_t *rsites;           /* tokens relive() looks at */
	size_t n_rsites, alloc_rsites;
	bool marking;               /* a propagation pass: note reads */
	bool word_ok;               /* region_taint: leave T_WORD as it is */
	unsigned word_depth;        /* region_taint inside a preg_replace() */
	uint64_t rmark[64];         /* variables read in this pass, by hash */
	/* what lets a later pass of a propagation loop skip a site
	 * (propagate_in()): a stamp per taint change, the last one by mark
	 * (rmark bit number) and of what all sites test (extract(), whether
	 * any property or file-level variable is tainted); per site the stamp
	 * when it was last worked out and the marks it made then */
	uint32_t epoch, global_stamp;
	uint32_t *mark_stamp;       /* MARK_STAMPS by mark % MARK_STAMPS, from
				       the first change (0: none) */
	uint32_t *site_epoch, *site_marks, *site_n_marks;   /* by site */
	uint16_t *marks;            /* rmark bit numbers, n_marks of alloc_marks */
	size_t n_marks, alloc_marks;
	bool recording;             /* note marks in marks[] */
};

static inline __attribute__((always_inline)) const struct ronda_php_tok *tk(const struct ctx *c, size_t i)
{
	static const struct ronda_php_tok eof = { .type = RONDA_PHP_EOF };
	return i < c->n ? &c->t[i] : &eof;
}

static inline __attribute__((always_inline)) bool op(const struct ctx *c, size_t i, const char *o)
{
	return ronda_php_tok_op(tk(c, i), o);
}

static inline __attribute__((always_inline)) bool word(const struct ctx *c, size_t i, const char *w)
{
	const struct ronda_php_tok *t = tk(c, i);
	return t->type == RONDA_PHP_IDENT && ronda_php_tok_is(c->s, t, w);
}

/* One table of the names the checks look up (sinks, sanitizers,
 * decoders, callbacks, file operations...): an identifier is lowered and
 * hashed once, and the entry says which lists hold it, instead of
 * comparing it word by word with each list. */
enum {
	KW_SHELL = 1u << 0,      /* shell_sinks */
	KW_CODE = 1u << 1,       /* code_sinks */
	KW_SANITIZER = 1u << 2,  /* sanitizers */
	KW_PASS = 1u << 3,       /* passthrough */
	KW_DECODER = 1u << 4,    /* decoders */
	KW_FETCHER = 1u << 5,    /* fetchers */
	KW_SOURCE = 1u << 6,     /* source_calls */
	KW_HASH = 1u << 7,       /* hashes */
	KW_CREATE_FN = 1u << 8,  /* "create_function" */
	KW_CALLBACK = 1u << 9,   /* callbacks[kw->cb] */
	KW_FILEOP = 1u << 10,    /* fo[kw->fo] */
};
#define KW_LEN   32          /* longer names are in no list */
#define KW_SLOTS 512         /* a power of two, > 2 entries */

struct kw {
	char w[KW_LEN];          /* lower case */
	uint8_t len;             /* 0: a free slot */
	uint8_t cb, fo;          /* indexes when KW_CALLBACK, KW_FILEOP */
	uint32_t mask;
};

static struct kw kw_tab[KW_SLOTS];
static const struct kw kw_none;
static struct name_filter kw_names;     /* every name of kw_tab */

static inline unsigned nf_slot(unsigned char c0);

/* A hash of the length and three bytes (case folded: a name of any
 * case hashes like its lower-case form), so a lookup reads little. */
static inline uint32_t kw_hash(const unsigned char *s, size_t n)
{
	uint32_t h = (uint32_t)n * 0x9e3779b1u ^ (uint32_t)(s[0] | 0x20) * 0x85ebca77u ^
		     (uint32_t)(s[n - 1] | 0x20) * 0xc2b2ae3du ^
		     (uint32_t)(s[n / 2] | 0x20) * 0x27d4eb2fu;

	return h ^ (h >> 16);
}

/* The entry of the name s[0..n) (any case), or kw_none. */
static const struct kw *kw_find(const unsigned char *s, size_t n)
{
	uint32_t h;

	if (n == 0 || n >= KW_LEN ||
	    !(kw_names.lens[nf_slot(s[0])] & (1u << n)))
		return &kw_none;
	h = kw_hash(s, n);
	for (unsigned k = 0; k < KW_SLOTS; k++) {
		const struct kw *e = &kw_tab[(h + k) & (KW_SLOTS - 1)];
		size_t i = 0;

		if (!e->len)
			break;
		if (e->len != n)
			continue;
		for (; i < n; i++) {
			unsigned char ch = s[i];

			if (ch >= 'A' && ch <= 'Z')
				ch = (unsigned char)(ch + 32);
			if (ch != (unsigned char)e->w[i])
				break;
		}
		if (i == n)
			return e;
	}
	return &kw_none;
}

/* The entry of the IDENT at i (kw_none for any other token). */
static inline __attribute__((always_inline)) const struct kw *kw_at(const struct ctx *c, size_t i)
{
	const struct ronda_php_tok *t = tk(c, i);

	if (t->type != RONDA_PHP_IDENT)
		return &kw_none;
	return kw_find(c->s + t->off, t->len);
}

static inline __attribute__((always_inline)) bool kw_is(const struct ctx *c, size_t i, uint32_t mask)
{
	return (kw_at(c, i)->mask & mask) != 0;
}

static struct kw *kw_add(const char *w)
{
	size_t n = strlen(w);
	uint32_t h = kw_hash((const unsigned char *)w, n);

	if (n == 0 || n >= KW_LEN)
		abort();     /* a programming error */

	for (unsigned k = 0; k < KW_SLOTS; k++) {
		struct kw *e = &kw_tab[(h + k) & (KW_SLOTS - 1)];

		if (e->len == n && !memcmp(e->w, w, n))
			return e;
		if (!e->len) {
			memcpy(e->w, w, n);
			e->len = (uint8_t)n;
			kw_names.lens[nf_slot((unsigned char)w[0])] |= 1u << n;
			return e;
		}
	}
	abort();     /* KW_SLOTS too small: a programming error */
}

static void kw_add_list(const char *const *list, uint32_t mask)
{
	for (; *list; list++)
		kw_add(*list)->mask |= mask;
}

static struct name_filter taint_names;   /* names region_taint() tests */
static struct name_filter call_names;    /* callees the sink checks test */
static struct name_filter sink_names;    /* exec sinks (mark_live) */
static struct name_filter source_names;  /* source_calls (mark_live) */

static inline unsigned nf_slot(unsigned char c0)
{
	c0 |= 0x20;
	return c0 >= 'a' && c0 <= 'z' ? (unsigned)(c0 - 'a') : 26;
}

static void nf_add(struct name_filter *nf, const char *w)
{
	size_t n = strlen(w);

	nf->lens[nf_slot((unsigned char)w[0])] |= 1u << (n < 31 ? n : 31);
}

static void nf_add_list(struct name_filter *nf, const char *const *list)
{
	for (; *list; list++)
		nf_add(nf, *list);
}

/* False only if the IDENT at i is certainly not a name added to nf. */
static inline __attribute__((always_inline)) bool
nf_may(const struct name_filter *nf, const struct ctx *c, size_t i)
{
	const struct ronda_php_tok *t = &c->t[i];

	return nf->lens[nf_slot(c->s[t->off])] & (1u << (t->len < 31 ? t->len : 31));
}

static uint32_t hname(const unsigned char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 16777619u;
	return h;
}

/* Twice the slots of the taint table, entries put back by hash: the table
 * stays at most half full, so lookups find what they found before. */
static void taint_grow(struct ctx *c)
{
	c->taint_slots *= 2;
	free(c->taint_idx);
	c->taint_idx = xcalloc(c->taint_slots, sizeof(*c->taint_idx));
	for (unsigned x = 0; x < c->n_taint; x++) {
		const struct taint *e = &c->taint[x];
		uint32_t h = hname(e->name, e->len) ^ (uint32_t)(e->scope * 2654435761u);
		unsigned k = 0;

		while (c->taint_idx[(h + k) & (c->taint_slots - 1)])
			k++;
		c->taint_idx[(h + k) & (c->taint_slots - 1)] = (uint16_t)(x + 1);
	}
}

/* The taint entry of a variable in a scope (created if asked).  The hash
 * table holds 16-bit indexes into a growing entry array; it starts small
 * and doubles when half full (up to TAINT_SLOTS), so a file that taints a
 * few variables touches a few hundred bytes.  A returned pointer is valid
 * until the next call that creates an entry. */
static struct taint *taint_slot(struct ctx *c, size_t scope,
				const unsigned char *name, size_t len, bool create)
{
	uint32_t h = hname(name, len) ^ (uint32_t)(scope * 2654435761u);

	if (!create && c->marking) {
		c->rmark[(h >> 6) & 63] |= 1ull << (h & 63);
		if (c->recording) {
			if (c->n_marks >= c->alloc_marks)
				c->marks = xgrow(c->marks, &c->alloc_marks, c->n_marks + 1,
						 sizeof(*c->marks));
			c->marks[c->n_marks++] = (uint16_t)(h & 4095);
		}
	}
	if (!c->taint_idx) {
		if (!create)
			return NULL;
		c->taint_slots = 256;
		c->taint_idx = xcalloc(c->taint_slots, sizeof(*c->taint_idx));
	}
	for (unsigned k = 0; k < c->taint_slots; k++) {
		uint16_t *slot = &c->taint_idx[(h + k) & (c->taint_slots - 1)];
		struct taint *e;

		if (!*slot) {
			if (!create || c->n_taint >= TAINT_MAX)
				return NULL;
			if (2 * (c->n_taint + 1) > c->taint_slots && c->taint_slots < TAINT_SLOTS) {
				taint_grow(c);
				return taint_slot(c, scope, name, len, create);
			}
			c->taint = xgrow(c->taint, &c->alloc_taint, c->n_taint + 1,
					 sizeof(*c->taint));
			e = &c->taint[c->n_taint++];
			memset(e, 0, sizeof(*e));
			e->name = name;
			e->len = len;
			e->scope = scope;
			*slot = (uint16_t)c->n_taint;
			return e;
		}
		e = &c->taint[*slot - 1];
		if (e->len == len && e->scope == scope && !memcmp(e->name, name, len))
			return e;
	}
	return NULL;
}

/* Build the matching-bracket table in one pass, then the function scope
 * of every token in another (variables are tracked per function). */
/* The bracket tables of one file live in one buffer (match, scope, stack:
 * n + 1 uint32 each, then n + 1 body flags).  A thread keeps the last
 * buffer as a spare for the next file, so big files do not fault in fresh
 * pages each time; freed with the thread. */
#define SPARE_MAX_BYTES ((size_t)16 << 20)

static uint32_t *tables_get(size_t need, size_t *size)
{
	uint32_t *b = ronda_spare_take(RONDA_SPARE_WS_TABLES, need, size);

	if (b)
		return b;
	*size = need;
	return xmalloc(need);
}

static void tables_put(uint32_t *b, size_t size)
{
	ronda_spare_give(RONDA_SPARE_WS_TABLES, b, size, SPARE_MAX_BYTES);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The last token of function body b: its '}', or the last token of the
 * file for a body never closed or closed by ')' or ']' (a walk keeping a
 * stack of open bodies pops one only at a '}' matching it). */
static inline size_t body_end(const struct ctx *c, size_t b)
{
	size_t e = c->match[b];

	return e < c->n && op(c, e, "}") ? e : c->n - 1;
}

static inline void fill_u32(uint32_t *v, size_t from, size_t to, uint32_t x)
{
	for (size_t i = from; i < to; i++)
		v[i] = x;
}

/* The function scope of every token ('{' index + 1 of the innermost
 * function body holding it, 0 at the file level; a body's braces are
 * its own).  Bodies are laminar (bracket matching), so the scope is
 * constant between consecutive body opens and ends: fill those runs,
 * keeping a stack of the open bodies.  An unclosed body on top of the
 * stack never pops, nor do the bodies under it.  buf: n + 1 entries. */
static void fill_scopes(struct ctx *c, uint32_t *buf)
{
	size_t nb = 0, sp = 0, pos = 0;
	uint32_t *bodies = buf, *stack;
	bool sorted = true;

	for (size_t f = 0; f < c->n_fkw; f++) {
		uint32_t b = c->fkw[2 * f + 1];

		if (b >= c->n)
			continue;
		if (nb && b < bodies[nb - 1])
			sorted = false;
		bodies[nb++] = b;
	}
	if (!sorted)
		qsort(bodies, nb, sizeof(*bodies), cmp_u32);
	{   /* unique (two keywords can find the same brace) */
		size_t u = 0;

		for (size_t x = 0; x < nb; x++)
			if (!u || bodies[x] != bodies[u - 1])
				bodies[u++] = bodies[x];
		nb = u;
	}
	/* each body has its own keyword token: 2 nb <= n */
	stack = bodies + nb;
	for (size_t x = 0; x < nb; x++) {
		uint32_t b = bodies[x];

		while (sp && body_end(c, stack[sp - 1]) < b) {
			size_t e = body_end(c, stack[sp - 1]) + 1;

			if (e > pos) {
				fill_u32(c->scope, pos, e, stack[sp - 1] + 1);
				pos = e;
			}
			sp--;
		}
		fill_u32(c->scope, pos, b, sp ? stack[sp - 1] + 1 : 0);
		pos = b;
		stack[sp++] = b;
	}
	while (sp) {
		size_t e = body_end(c, stack[sp - 1]) + 1;

		if (e > pos) {
			fill_u32(c->scope, pos, e, stack[sp - 1] + 1);
			pos = e;
		}
		sp--;
	}
	fill_u32(c->scope, pos, c->n, 0);
}

_Static_assert(RONDA_PHP_IDENT == RONDA_PHP_VARIABLE + 1 && RONDA_PHP_STRING == RONDA_PHP_VARIABLE + 2 &&
	       RONDA_PHP_DQSTRING == RONDA_PHP_VARIABLE + 3 && RONDA_PHP_BACKTICK == RONDA_PHP_VARIABLE + 4,
	       "match_brackets() takes the name types as one range");

/* One-byte operators: 1 opens a bracket, 2 closes one. */
static const uint8_t bracket_kind[256] = {
	['('] = 1, ['['] = 1, ['{'] = 1, [')'] = 2, [']'] = 2, ['}'] = 2,
};

/* The matching bracket of each opener: match[] is written only for
 * opening brackets (n when unmatched) and only ever read for them (every
 * reader tests the token for '(', '[' or '{' first), so the other
 * entries are left as they are. */
static void match_brackets(struct ctx *c)
{
	size_t n1 = c->n + 1, sp = 0, nn = 0;
	uint32_t *stack, *match, *names, n = (uint32_t)c->n;
	const struct ronda_php_tok *t = c->t;
	bool *body;

	c->tables = tables_get(4 * n1 * sizeof(uint32_t) + n1 * sizeof(bool),
			       &c->tables_size);
	c->match = match = c->tables;
	c->scope = c->tables + n1;
	stack = c->tables + 2 * n1;
	c->names = names = c->tables + 3 * n1;
	body = (bool *)(c->tables + 4 * n1);
	c->live = body;    /* cleared by mark_live() (clear_scopes()) */
	for (uint32_t i = 0; i < n; i++) {
		unsigned ty = t[i].type;

		if (ty == RONDA_PHP_OP) {
			unsigned k = t[i].op[1] ? 0 : bracket_kind[(unsigned char)t[i].op[0]];

			if (k == 1) {
				match[i] = n;
				stack[sp++] = i;
			} else if (k == 2 && sp) {
				match[stack[--sp]] = i;
			}
			continue;
		}
		/* VARIABLE, IDENT, STRING, DQSTRING, BACKTICK: the names */
		if (ty - RONDA_PHP_VARIABLE > RONDA_PHP_BACKTICK - RONDA_PHP_VARIABLE)
			continue;
		names[nn++] = i;
		if (ty != RONDA_PHP_IDENT || (t[i].len != 5 && t[i].len != 8))
			continue;
		if (t[i].len == 5 && (word(c, i, "class") || word(c, i, "trait"))) {
			c->ckw = xgrow(c->ckw, &c->alloc_ckw, c->n_ckw + 1, sizeof(*c->ckw));
			c->ckw[c->n_ckw++] = i;
		} else if (t[i].len == 8 && word(c, i, "function")) {
			c->fkw = xgrow(c->fkw, &c->alloc_fkw, 2 * c->n_fkw + 2, sizeof(*c->fkw));
			c->fkw[2 * c->n_fkw] = i;
			c->fkw[2 * c->n_fkw++ + 1] = n;
		}
	}
	c->n_names = nn;
	for (size_t f = 0; f < c->n_fkw; f++) {
		size_t i = c->fkw[2 * f];

		for (size_t k = i + 1; k < c->n && k < i + 64; k++) {
			if (op(c, k, ";"))
				break;
			if (op(c, k, "(") && c->match[k] < c->n) {
				k = c->match[k];
				continue;
			}
			if (op(c, k, "{")) {
				c->fkw[2 * f + 1] = (uint32_t)k;
				break;
			}
		}
	}
	fill_scopes(c, stack);
}

/* End of the statement starting at i: the ';' (or close tag) at depth 0. */
static size_t stmt_end(const struct ctx *c, size_t i)
{
	size_t lim = MIN(c->n, i + STMT_MAX);

	while (i < lim) {
		const struct ronda_php_tok *t = &c->t[i];
		if (op(c, i, ";") || t->type == RONDA_PHP_CLOSE_TAG)
			return i;
		if (op(c, i, ")") || op(c, i, "]") || op(c, i, "}"))
			return i;
		if ((op(c, i, "(") || op(c, i, "[") || op(c, i, "{")) && c->match[i] < c->n)
			i = c->match[i];
		i++;
	}
	return i;
}

static inline __attribute__((always_inline)) bool is_superglobal(const struct ctx *c, size_t i, const char *name)
{
	const struct ronda_php_tok *t = tk(c, i);
	return t->type == RONDA_PHP_VARIABLE && ronda_php_tok_is(c->s, t, name);
}

/* The string value of a constant key token at i ("'HTTP_X'"), into buf. */
static bool const_key(const struct ctx *c, size_t i, char *buf, size_t size)
{
	const struct ronda_php_tok *t = tk(c, i);
	struct ronda_buf b = RONDA_BUF_INIT(size - 1);
	unsigned interp = 0;
	bool ok;

	if (t->type != RONDA_PHP_STRING && t->type != RONDA_PHP_DQSTRING)
		return false;
	ok = ronda_php_str_decode(c->s, t, &b, &interp, NULL) == RONDA_OK && !interp;
	if (ok)
		ronda_strlcpy(buf, b.buf, size);
	ronda_buf_release(&b);
	return ok;
}

static void set_src(char *dst, size_t size, const struct ctx *c, size_t i,
		    size_t j)
{
	size_t n = 0;

	dst[0] = '\0';
	for (size_t k = i; k < j && k < c->n && n + 1 < size; k++) {
		const struct ronda_php_tok *t = &c->t[k];
		size_t l = MIN(t->len, size - 1 - n);
		memcpy(dst + n, c->s + t->off, l);
		n += l;
	}
	dst[n] = '\0';
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)dst[k] < 0x20 || (unsigned char)dst[k] >= 0x7f)
			dst[k] = '?';
}

static const char *const shell_sinks[] = {
	"system", "exec", "passthru", "shell_exec", "popen", "proc_open",
	"pcntl_exec", NULL,
};
static const char *const code_sinks[] = { "eval", "assert", NULL };

static const char *const sanitizers[] = {
	"isset", "empty", "md5", "sha1", "crc32", "hash", "strlen", "count",
	"intval", "floatval", "boolval", "is_numeric", "is_string", "is_array",
	"htmlspecialchars", "htmlentities", "escapeshellarg", "basename",
	"in_array", "array_key_exists", "ctype_digit", "ctype_alnum",
	"password_verify", "filter_var", "json_encode", "abs", "round",
	"preg_quote", "preg_match", "strpos", "stripos", "str_contains",
	"method_exists", "function_exists", "is_callable", "file_exists",
	"is_file", "is_dir", NULL,
};

static const char *const passthrough[] = {
	"trim", "ltrim", "rtrim", "strtolower", "strtoupper", "stripslashes",
	"base64_decode", "gzinflate", "gzuncompress", "gzdecode", "str_rot13",
	"convert_uudecode", "hex2bin", "strrev", "urldecode", "rawurldecode",
	"str_replace", "substr", "implode", "join", "sprintf", "vsprintf",
	"stripcslashes", "html_entity_decode", "htmlspecialchars_decode",
	"json_decode", "unserialize", "reset", "current", "end", "array_pop",
	"array_shift", "array_values", "strval", "pack", "chr", "file_get_contents",
	"getallheaders", "apache_request_headers", "curl_exec", "fread", "fgets",
	"stream_get_contents", "str_ireplace", "preg_replace", "iconv",
	"mb_convert_encoding", "ucfirst", "lcfirst", "nl2br", "addslashes", NULL,
};

static const char *const decoders[] = {
	"base64_decode", "gzinflate", "gzuncompress", "gzdecode", "str_rot13",
	"convert_uudecode", NULL,
};

static const char *const fetchers[] = {
	"file_get_contents", "fopen", "file", "curl_exec", "fsockopen",
	"stream_get_contents", "fgets", "fread", NULL,
};

/* Does p[0..n) hold "://"?  (memmem's setup costs more than the search
 * on the short literals it is asked about, one per string in a file) */
static bool has_scheme_sep(const unsigned char *p, size_t n)
{
	const unsigned char *q = p, *end = p + n;

	while ((q = memchr(q, ':', (size_t)(end - q))) != NULL) {
		if (end - q >= 3 && q[1] == '/' && q[2] == '/')
			return true;
		q++;
	}
	return false;
}

/* The first "$_" in [p, end), or NULL (memmem's setup, again, costs
 * more than the search on a string literal). */
static const unsigned char *next_dollar_us(const unsigned char *p, const unsigned char *end)
{
	while (end - p >= 2 && (p = memchr(p, '$', (size_t)(end - p - 1))) != NULL) {
		if (p[1] == '_')
			return p;
		p++;
	}
	return NULL;
}

/* Does p[0..n) hold "$_GET", "$_POST", "$_REQUEST" or "$_COOKIE"? */
static bool has_input_var(const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n;

	while ((p = next_dollar_us(p, end)) != NULL) {
		size_t left = (size_t)(end - p) - 2;
		const unsigned char *q = p + 2;

		if ((left >= 3 && !memcmp(q, "GET", 3)) || (left >= 4 && !memcmp(q, "POST", 4)) ||
		    (left >= 7 && !memcmp(q, "REQUEST", 7)) || (left >= 6 && !memcmp(q, "COOKIE", 6)))
			return true;
		p++;
	}
	return false;
}

/* Does the cast p[0..n) hold "str", "arr" or "STR" ((string), (array))? */
static bool has_str_arr(const unsigned char *p, size_t n)
{
	for (size_t k = 0; k + 3 <= n; k++)
		if ((p[k] == 's' && p[k + 1] == 't' && p[k + 2] == 'r') ||
		    (p[k] == 'a' && p[k + 1] == 'r' && p[k + 2] == 'r') ||
		    (p[k] == 'S' && p[k + 1] == 'T' && p[k + 2] == 'R'))
			return true;
	return false;
}

/* A string literal whose first 10 bytes hold "http://", "https://" or
 * "ftp://" (after the quote, a 'b' prefix or a little space). */
static bool url_near_start(const unsigned char *p, size_t len)
{
	size_t lim = MIN(len, 10);

	if (len <= 8 || !memchr(p, ':', lim))
		return false;
	return memmem(p, lim, "http://", 7) || memmem(p, lim, "https://", 8) ||
	       memmem(p, lim, "ftp://", 6);
}

/* $this->NAME at i (a property, not a method call): the index of NAME. */
static inline __attribute__((always_inline)) size_t this_prop(const struct ctx *c, size_t i)
{
	return c->t[i].type == RONDA_PHP_VARIABLE && c->t[i].len == 5 &&
	       ronda_php_tok_is(c->s, &c->t[i], "this") && op(c, i + 1, "->") &&
	       tk(c, i + 2)->type == RONDA_PHP_IDENT && !op(c, i + 3, "(") ? i + 2 : 0;
}

/* $GLOBALS['name'] at i: the name inside the quotes of a plain literal
 * key (a pointer into the source), or NULL. */
static const unsigned char *globals_key(const struct ctx *c, size_t i, size_t *len)
{
	const struct ronda_php_tok *k = tk(c, i + 2);

	if (c->t[i].type != RONDA_PHP_VARIABLE || c->t[i].len != 8 ||
	    memcmp(c->s + c->t[i].off, "$GLOBALS", 8) || !op(c, i + 1, "[") ||
	    (k->type != RONDA_PHP_STRING && k->type != RONDA_PHP_DQSTRING) ||
	    k->len < 3 || k->flags || !op(c, i + 3, "]") ||
	    memchr(c->s + k->off + 1, '\\', k->len - 2) ||
	    memchr(c->s + k->off + 1, '$', k->len - 2))
		return NULL;
	*len = k->len - 2;
	return c->s + k->off + 1;
}

/* $_SESSION is one store for every function (set from the request in one,
 * run in another): its taint is kept at the file level. */
static inline bool is_session(const struct ctx *c, size_t k)
{
	return c->t[k].type == RONDA_PHP_VARIABLE && c->t[k].len == 9 &&
	       !memcmp(c->s + c->t[k].off, "$_SESSION", 9);
}

static inline size_t var_scope(const struct ctx *c, size_t k)
{
	return is_session(c, k) ? 0 : c->scope[k];
}

static const struct fn *fn_named(const struct ctx *c, size_t i);
static const struct fn *fn_next(const struct ctx *c, const struct fn *f);

/* Taint of the tokens [i, j); *src gets a description of the first source. */
static bool strips_to_word(const struct ctx *c, size_t k, size_t *from, size_t *to);

static unsigned region_taint(struct ctx *c, size_t i, size_t j, char *src,
			     size_t src_size)
{
	unsigned bits = 0, lit_remote = 0;
	bool has_const = false;
	size_t derived_until = 0;   /* inside the arguments of an unknown call */
	size_t from, to;            /* a whitelist preg_replace()'s subject */

	if (j > c->n)
		j = c->n;
	for (size_t k = i; k < j; k++) {
		const struct ronda_php_tok *t = &c->t[k];
		unsigned b = 0;
		uint32_t km;
		size_t src_end = k + 1;

		/* operators other than '[', numbers, backticks, HTML: nothing
		 * below looks at them */
		if (t->type == RONDA_PHP_OP ? t->op[0] != '[' || t->op[1] :
		    t->type != RONDA_PHP_IDENT && t->type != RONDA_PHP_VARIABLE &&
		    t->type != RONDA_PHP_STRING && t->type != RONDA_PHP_DQSTRING &&
		    t->type != RONDA_PHP_CAST)
			continue;

		if (c->n_ret_input && t->type == RONDA_PHP_IDENT && op(c, k + 1, "(") &&
		    c->match[k + 1] < c->n) {
			/* a function of this file that returns input */
			const struct fn *g = fn_named(c, k);

			while (g && !g->ret_input)
				g = fn_next(c, g);
			if (g) {
				b = k < derived_until ? T_DERIVED : T_INPUT;
				if (src && !(bits & (T_INPUT | T_FILES)))
					set_src(src, src_size, c, k, c->match[k + 1] + 1);
				bits |= b;
				k = c->match[k + 1];
				continue;
			}
		}
		if (t->type == RONDA_PHP_IDENT && !nf_may(&taint_names, c, k)) {
			/* a name none of the lists below has: a constant, or an
			 * unknown function whose result is derived from its input */
			if (!op(c, k + 1, "("))
				has_const = true;
			else if (c->match[k + 1] < c->n && c->match[k + 1] > derived_until)
				derived_until = c->match[k + 1];
			continue;
		}
		if (t->type == RONDA_PHP_IDENT && t->len == 5 && word(c, k, "array"))
			continue;    /* the most common name in data files */
		/* the lists an IDENT here is in (it passed taint_names) */
		km = t->type == RONDA_PHP_IDENT ? kw_find(c->s + t->off, t->len)->mask : 0;
		if (t->type == RONDA_PHP_IDENT && (km & KW_SANITIZER) &&
		    op(c, k + 1, "(") && c->match[k + 1] < c->n) {
			k = c->match[k + 1];
			continue;
		}
		/* preg_replace('/[^a-z0-9_-]+/', '', $x): what input is left
		 * is T_WORD (the pattern and '' make the value partial, as when
		 * the call passed its input through) */
		if (t->type == RONDA_PHP_IDENT && t->len == 12 && (km & KW_PASS) &&
		    c->match[k + 1] < c->n && c->word_depth < 4 &&
		    strips_to_word(c, k, &from, &to)) {
			char isrc[48] = "";
			unsigned in;

			c->word_depth++;   /* nested calls: bounded recursion */
			in = region_taint(c, from, to, isrc, sizeof(isrc));
			c->word_depth--;

			b = (in & ~(T_INPUT | T_FILES | T_WORD | T_PARTIAL)) |
			    (in & (T_INPUT | T_FILES | T_WORD) ? T_WORD : 0u);
			if (k < derived_until && (b & T_WORD))
				b = (b & ~T_WORD) | T_DERIVED;
			if (src && (b & T_WORD) && !(bits & (T_INPUT | T_FILES | T_WORD)) && isrc[0])
				ronda_strlcpy(src, isrc, src_size);
			bits |= b;
			has_const = true;
			k = c->match[k + 1];
			continue;
		}
		/* $registry[$_GET['x']]: input picks an element, it is not the value */
		if (op(c, k, "[") && k > i && c->match[k] < c->n &&
		    (c->t[k - 1].type == RONDA_PHP_VARIABLE || op(c, k - 1, "]") ||
		     op(c, k - 1, ")") || op(c, k - 1, "}") ||
		     c->t[k - 1].type == RONDA_PHP_IDENT)) {
			k = c->match[k];
			continue;
		}
		if (t->type == RONDA_PHP_CAST) {
			const unsigned char *p = c->s + t->off;
			if (!has_str_arr(p, t->len)) {
				k++;   /* (int)$x: skip the operand */
				while (op(c, k + 1, "[") && c->match[k + 1] < c->n)
					k = c->match[k + 1];
				continue;
			}
		}
		if (t->type == RONDA_PHP_VARIABLE) {
			if (is_superglobal(c, k, "_get") || is_superglobal(c, k, "_post") ||
			    is_superglobal(c, k, "_request") || is_superglobal(c, k, "_cookie")) {
				b = T_INPUT;
			} else if (is_superglobal(c, k, "_files")) {
				b = T_FILES;
			} else if (is_superglobal(c, k, "_server") && op(c, k + 1, "[")) {
				char key[64];
				if (const_key(c, k + 2, key, sizeof(key)) &&
				    (!strncmp(key, "HTTP_", 5) || !strcmp(key, "QUERY_STRING") ||
				     !strcmp(key, "REQUEST_URI") || !strcmp(key, "PATH_INFO") ||
				     !strcmp(key, "argv")))
					b = T_INPUT;
			} else if ((c->n_props && (this_prop(c, k) || (k > 0 && op(c, k - 1, "::")))) ||
				   (c->n_top && c->has_globals && t->len == 8 &&
				    globals_key(c, k, &(size_t){ 0 }))) {
				/* a tainted property or $GLOBALS['x'] */
				size_t p = this_prop(c, k), len;
				const unsigned char *nm = p ? ronda_php_tok_name(c->s, &c->t[p], &len) :
							  op(c, k - 1, "::") ? ronda_php_tok_name(c->s, t, &len) :
							  globals_key(c, k, &len);
				struct taint *e = taint_slot(c, p || op(c, k - 1, "::") ? PROP_SCOPE : 0,
							     nm, len, false);

				if (e && e->bits) {
					b = e->bits;
					if (k < derived_until && (b & (T_INPUT | T_WORD)))
						b = (b & ~(T_INPUT | T_WORD)) | T_DERIVED;
					if (src && !(bits & b) && e->src[0])
						ronda_strlcpy(src, e->src, src_size);
					bits |= b;
				}
				k = p ? p : op(c, k - 1, "::") ? k : k + 3;
				continue;
			} else if (!ronda_php_tok_is(c->s, t, "this")) {
				size_t len;
				const unsigned char *nm = ronda_php_tok_name(c->s, t, &len);
				struct taint *e = taint_slot(c, var_scope(c, k), nm, len, false);
				/* extract($_POST) made every other variable of its
				 * scope input (a parameter's summary bits aside) */
				bool ext = c->extract_input && c->scope[k] == c->extract_scope &&
					   (!e || !(e->bits & ~(T_PARAMS | T_PPARTIAL))) &&
					   !(k > 0 && (op(c, k - 1, "->") || op(c, k - 1, "::")));

				if (e && e->bits) {
					b = e->bits | (ext ? T_INPUT : 0);
					if (k < derived_until && (b & (T_INPUT | T_WORD)))
						b = (b & ~(T_INPUT | T_WORD)) | T_DERIVED;
					if (src && !(bits & b) && e->src[0])
						ronda_strlcpy(src, e->src, src_size);
					else if (src && ext && !(bits & T_INPUT))
						set_src(src, src_size, c, k, k + 1);
					bits |= b;
					continue;
				}
				if (ext)
					b = T_INPUT;
			}
			if (b && op(c, k + 1, "[") && c->match[k + 1] < c->n)
				src_end = c->match[k + 1] + 1;
		} else if (t->type == RONDA_PHP_STRING || t->type == RONDA_PHP_DQSTRING) {
			has_const = true;
			if (c->php_input && t->len >= 11 &&
			    memmem(c->s + t->off, t->len, "php://input", 11))
				b = T_INPUT;
			else if (url_near_start(c->s + t->off, t->len))
				lit_remote = T_REMOTE;
			if ((t->flags & RONDA_PHP_TF_INTERP) &&
			    has_input_var(c->s + t->off, t->len))
				b |= T_INPUT;
		} else if (t->type == RONDA_PHP_IDENT && op(c, k + 1, "(")) {
			if (word(c, k, "getallheaders") || word(c, k, "apache_request_headers"))
				b = T_INPUT;
			else if (word(c, k, "curl_exec"))
				b = T_REMOTE;
			else if (km & KW_DECODER)
				b = T_DECODED;
			if (b == T_INPUT)
				src_end = MIN(c->match[k + 1] + 1, c->n);
		} else if (t->type == RONDA_PHP_IDENT && !word(c, k, "null") &&
			   !word(c, k, "true") && !word(c, k, "false")) {
			has_const = true;
		}
		/* what an unknown function or method returns is derived from
		 * its input, not the input itself */
		if (t->type == RONDA_PHP_IDENT && op(c, k + 1, "(") && c->match[k + 1] < c->n &&
		    !(km & KW_PASS) && !word(c, k, "array") &&
		    c->match[k + 1] > derived_until)
			derived_until = c->match[k + 1];
		if (b && k < derived_until && (b & T_INPUT))
			b = (b & ~T_INPUT) | T_DERIVED;
		if (b) {
			if (src && (b & (T_INPUT | T_FILES)) && !(bits & (T_INPUT | T_FILES)))
				set_src(src, src_size, c, k, src_end);
			bits |= b;
		}
	}
	/* a URL literal taints only when it is fetched in the same expression */
	if (lit_remote) {
		bool fetch = false;
		for (size_t k = i; k < j && !fetch; k++)
			fetch = kw_is(c, k, KW_FETCHER) && op(c, k + 1, "(");
		if (fetch)
			bits |= T_REMOTE;
	}
	if ((bits & (T_INPUT | T_WORD)) && has_const)
		bits |= T_PARTIAL;
	if ((bits & T_PARAMS) && has_const)
		bits |= T_PPARTIAL;
	if ((bits & T_WORD) && !c->word_ok)
		bits = (bits & ~T_WORD) | T_INPUT;
	return bits;
}

/* Zero the entries of a by-scope array (live, sinky, dirty: n + 1 bytes)
 * that are ever read or written: scope values are 0 (the file level) or a
 * function body's '{' index + 1 (fill_scopes() takes the bodies from the
 * keywords), so the rest of the array is never looked at.  A file of
 * 20000 tokens has a few dozen bodies. */
static void clear_scopes(const struct ctx *c, uint8_t *v)
{
	v[0] = 0;
	for (size_t f = 0; f < c->n_fkw; f++)
		if (c->fkw[2 * f + 1] < c->n)
			v[c->fkw[2 * f + 1] + 1] = 0;
}

/* Names whose call region_taint() counts as a source. */
static const char *const source_calls[] = {
	"getallheaders", "apache_request_headers", "curl_exec", "base64_decode",
	"gzinflate", "gzuncompress", "gzdecode", "str_rot13", "convert_uudecode",
	NULL,
};

/* Taint lives per function scope and only propagate() creates it, from
 * the sources region_taint() knows.  A scope with no source in it or in a
 * scope nested in it (a closure inside an assignment) can never hold a
 * tainted variable, so propagate() skips it: a 900 KB library with input
 * read in two methods walks those two.  The test here is a superset of
 * region_taint()'s sources: any $_ variable, any string with "://" or an
 * interpolated "$_", any call of a source function.  Returns false when
 * the file has no source at all. */
static bool mark_live(struct ctx *c)
{
	bool any = false;

	clear_scopes(c, (uint8_t *)c->live);
	/* the bracket stack of match_brackets() is free now */
	c->sinky = (uint8_t *)(c->tables + 2 * (c->n + 1));
	clear_scopes(c, c->sinky);
	for (size_t x = 0; x < c->n_names; x++) {
		size_t k = c->names[x];
		const struct ronda_php_tok *t = &c->t[k];
		const unsigned char *p = c->s + t->off;
		bool src, site = false, rsite = false;

		/* site: propagation has work here (an assignment to a
		 * variable, an element, a property, $GLOBALS['x']; foreach,
		 * global, extract); rsite: a read relive() looks at (a
		 * property, a global, a call of the file's functions:
		 * collect_fns() ran).  has_globals counts this token. */
		if (t->type == RONDA_PHP_VARIABLE) {
			const struct ronda_php_tok *pv = k > 0 ? &c->t[k - 1] : NULL;
			size_t pr = this_prop(c, k), j = 0;
			bool dc = pv && ronda_php_tok_op(pv, "::"), gk = false;

			src = t->len > 2 && p[1] == '_';
			if (t->len == 8 && !memcmp(p, "$GLOBALS", 8)) {
				c->has_globals = true;
				gk = globals_key(c, k, &(size_t){ 0 }) != NULL;
			}
			if (pr)
				j = pr + 1;
			else if (dc)
				j = k + 1;
			else if (gk)
				j = k + 4;
			else if (!(pv && (ronda_php_tok_op(pv, "->") || ronda_php_tok_op(pv, "$"))))
				j = k + 1;
			if (j) {
				while ((op(c, j, "[") || op(c, j, "{")) && c->match[j] < c->n)
					j = c->match[j] + 1;
				site = op(c, j, "=") || op(c, j, ".=") || op(c, j, "?\?=");
			}
			rsite = pr || dc || gk || is_session(c, k) ||
				(c->n_fns && nf_may(&c->fn_names, c, k) && op(c, k + 1, "("));
		} else if (t->type == RONDA_PHP_IDENT) {
			bool glob = t->len == 6 && word(c, k, "global");

			if (c->scope[k] && !c->sinky[c->scope[k]] &&
			    (((t->len == 7 || t->len == 12) &&
			      (word(c, k, "include") || word(c, k, "include_once") ||
			       word(c, k, "require") || word(c, k, "require_once"))) ||
			     (nf_may(&sink_names, c, k) && op(c, k + 1, "(") &&
			      kw_is(c, k, KW_CODE | KW_SHELL | KW_CREATE_FN))))
				c->sinky[c->scope[k]] = 1;
			src = t->len >= 8 && nf_may(&source_names, c, k) && op(c, k + 1, "(") &&
			      kw_is(c, k, KW_SOURCE);
			if (glob)
				c->has_globals = true;
			site = glob ||
			       (((t->len == 7 && (word(c, k, "foreach") || word(c, k, "extract"))) ||
				 (t->len == 9 && word(c, k, "parse_str")) ||
				 (t->len == 24 && word(c, k, "import_request_variables"))) &&
				op(c, k + 1, "(") && c->match[k + 1] < c->n);
			rsite = glob ||
				(c->n_fns && nf_may(&c->fn_names, c, k) && op(c, k + 1, "("));
		} else if (t->type == RONDA_PHP_STRING || t->type == RONDA_PHP_DQSTRING) {
			src = t->len >= 8 && (has_scheme_sep(p, t->len) ||
					      ((t->flags & RONDA_PHP_TF_INTERP) &&
					       next_dollar_us(p, p + t->len) != NULL));
		} else {
			continue;
		}
		if (site) {
			if (c->n_sites >= c->alloc_sites)
				c->sites = xgrow(c->sites, &c->alloc_sites, c->n_sites + 1,
						 sizeof(*c->sites));
			c->sites[c->n_sites++] = (uint32_t)k;
		}
		if (rsite) {
			if (c->n_rsites >= c->alloc_rsites)
				c->rsites = xgrow(c->rsites, &c->alloc_rsites, c->n_rsites + 1,
						  sizeof(*c->rsites));
			c->rsites[c->n_rsites++] = (uint32_t)k;
		}
		if (!src)
			continue;
		any = true;
		/* the scope and its parents: the parent of body S ('{' at S-1)
		 * is the scope of the token before that brace */
		for (size_t sc = c->scope[k]; sc && !c->live[sc]; sc = c->scope[sc - 2])
			c->live[sc] = true;
	}
	c->live[0] = any;
	/* propagate_in()'s records (written before they are read) */
	c->site_epoch = xmalloc(3 * (c->n_sites + 1) * sizeof(*c->site_epoch));
	c->site_marks = c->site_epoch + c->n_sites + 1;
	c->site_n_marks = c->site_marks + c->n_sites + 1;
	return any;
}

/* Add bits to the variable name[0..len) of scope sc (name points into the
 * source: entries keep the pointer). */
static void taint_key(struct ctx *c, size_t sc, const unsigned char *nm, size_t len,
		      unsigned bits, const char *src, bool *changed)
{
	struct taint *e;

	if (!bits || !nm || !len)
		return;
	e = taint_slot(c, sc, nm, len, true);
	if (!e || (e->bits | bits) == e->bits)
		return;
	if (!e->bits && (sc == PROP_SCOPE || sc == 0)) {
		c->n_props += sc == PROP_SCOPE, c->n_top += sc == 0;
		c->global_stamp = c->epoch + 1;
	}
	if ((sc == PROP_SCOPE || sc == 0) && !(e->bits & (T_REQUEST | T_FILES)) &&
	    (bits & (T_REQUEST | T_FILES)))
		c->n_req_keys++;
	if (sc == PROP_SCOPE || sc == 0)
		c->keys_changed = true;
	{
		uint32_t h = hname(nm, len) ^ (uint32_t)(sc * 2654435761u);

		if (!c->mark_stamp)
			c->mark_stamp = xcalloc(MARK_STAMPS, sizeof(*c->mark_stamp));
		c->mark_stamp[h & (MARK_STAMPS - 1)] = ++c->epoch;
	}
	e->bits |= bits;
	e->gen = c->round;
	if (!e->src[0] && src)
		ronda_strlcpy(e->src, src, sizeof(e->src));
	/* another pass only if the variable was read earlier in this one:
	 * reads after this point see the new value already */
	if (c->marking) {
		uint32_t h = hname(nm, len) ^ (uint32_t)(sc * 2654435761u);

		if (!(c->rmark[(h >> 6) & 63] & (1ull << (h & 63))))
			return;
	}
	*changed = true;
}

static void taint_var(struct ctx *c, size_t vi, unsigned bits, const char *src,
		      bool *changed)
{
	size_t len;
	const unsigned char *nm = ronda_php_tok_name(c->s, &c->t[vi], &len);

	taint_key(c, var_scope(c, vi), nm, len, bits, src, changed);
}


static size_t split_args(const struct ctx *c, size_t p, size_t *start,
			 size_t *end, size_t max);

#define ALL_LIVE SIZE_MAX
#define DIRTY    (SIZE_MAX - 1)

/* Skip test of propagate_in() and check_user_calls(): false for a token
 * they walk; else *i is moved to the last token of the body to skip. */
static inline bool skip_scope(const struct ctx *c, size_t *i, size_t sc)
{
	size_t s = c->scope[*i];

	if (sc == ALL_LIVE ? c->live[s] : s == sc)
		return false;
	if (s == 0) {          /* the file level itself is not walked */
		*i = c->n;
		return true;
	}
	/* a function body with no source (or one nested in the function
	 * walked): past its '}' (which belongs to it; an unclosed body runs
	 * to the end) */
	*i = c->match[s - 1];
	return true;
}

/* The assignment (or foreach, global, extract) at site i: taint what it
 * sets; *changed as propagate_in() says. */
static void propagate_site(struct ctx *c, size_t i, bool *changed)
{
	const struct ronda_php_tok *t = &c->t[i];

	if (t->type == RONDA_PHP_VARIABLE && (this_prop(c, i) ||
					      (i > 0 && op(c, i - 1, "::")) ||
					      (c->has_globals && t->len == 8 &&
					       globals_key(c, i, &(size_t){ 0 })))) {
		/* $this->x = ..., self::$x = ..., $GLOBALS['x'] = ... */
		size_t p = this_prop(c, i), j = p ? p + 1 : i + 1, e, len = 0, ksc;
		const unsigned char *nm;
		char src[48] = "";
		unsigned bits;

		if (p) {
			nm = ronda_php_tok_name(c->s, &c->t[p], &len);
			ksc = PROP_SCOPE;
		} else if (op(c, i - 1, "::")) {
			nm = ronda_php_tok_name(c->s, t, &len);
			ksc = PROP_SCOPE;
		} else {
			nm = globals_key(c, i, &len);
			ksc = 0;
			j = i + 4;
		}
		while ((op(c, j, "[") || op(c, j, "{")) && c->match[j] < c->n)
			j = c->match[j] + 1;
		if (!(op(c, j, "=") || op(c, j, ".=") || op(c, j, "?\?=")))
			return;
		e = stmt_end(c, j + 1);
		c->word_ok = true;   /* stored as it is: see T_WORD */
		bits = region_taint(c, j + 1, e, src, sizeof(src));
		c->word_ok = false;
		taint_key(c, ksc, nm, len, bits, src, changed);
	} else if (c->has_globals && t->type == RONDA_PHP_IDENT && t->len == 6 &&
		   word(c, i, "global") && c->n_top) {
		/* global $a, $b: the file-level variables in this scope */
		for (size_t k = i + 1; k < c->n && k < i + 64 && !op(c, k, ";"); k++) {
			size_t len;
			const unsigned char *nm;
			struct taint *top;

			if (c->t[k].type != RONDA_PHP_VARIABLE)
				continue;
			nm = ronda_php_tok_name(c->s, &c->t[k], &len);
			if ((top = taint_slot(c, 0, nm, len, false)) != NULL && top->bits) {
				char src[48];

				ronda_strlcpy(src, top->src, sizeof(src));
				taint_var(c, k, top->bits, src, changed);
			}
		}
	} else if (t->type == RONDA_PHP_VARIABLE &&
	    !(i > 0 && (op(c, i - 1, "->") || op(c, i - 1, "::") || op(c, i - 1, "$")))) {
		size_t j = i + 1, e;
		char src[48] = "";
		unsigned bits;

		bool elem = false;

		while ((op(c, j, "[") || op(c, j, "{")) && c->match[j] < c->n) {
			j = c->match[j] + 1;
			elem = true;
		}
		if (!(op(c, j, "=") || op(c, j, ".=") || op(c, j, "?\?=")))
			return;
		e = stmt_end(c, j + 1);
		c->word_ok = true;
		bits = region_taint(c, j + 1, e, src, sizeof(src));
		c->word_ok = false;
		if (elem && (bits & (T_INPUT | T_WORD)))
			bits = (bits & ~(T_INPUT | T_WORD)) | T_ELEM;
		taint_var(c, i, bits, src, changed);
	} else if (word(c, i, "foreach") && op(c, i + 1, "(") && c->match[i + 1] < c->n) {
		size_t close = c->match[i + 1], as = i + 2;
		char src[48] = "";
		unsigned bits;

		while (as < close && !word(c, as, "as"))
			as++;
		c->word_ok = true;
		bits = region_taint(c, i + 2, as, src, sizeof(src));
		c->word_ok = false;
		for (size_t k = as; k < close; k++)
			if (c->t[k].type == RONDA_PHP_VARIABLE)
				taint_var(c, k, bits, src, changed);
	} else if ((word(c, i, "extract") || word(c, i, "parse_str") ||
		    word(c, i, "import_request_variables")) &&
		   op(c, i + 1, "(") && c->match[i + 1] < c->n && !c->extract_input) {
		/* only forms that create variables from the request itself:
		 * extract($_POST), one-argument parse_str($_SERVER['QUERY_STRING']) */
		size_t st[3], en[3], na = split_args(c, i + 1, st, en, 3);
		bool direct = false;

		for (size_t k = na ? st[0] : 0; na && k < en[0]; k++)
			if (c->t[k].type == RONDA_PHP_VARIABLE &&
			    (is_superglobal(c, k, "_get") || is_superglobal(c, k, "_post") ||
			     is_superglobal(c, k, "_request") || is_superglobal(c, k, "_cookie") ||
			     is_superglobal(c, k, "_server")))
				direct = true;
		if (direct && (!word(c, i, "parse_str") || na == 1) &&
		    (region_taint(c, st[0], en[0], NULL, 0) & T_INPUT)) {
			*changed = true;
			c->global_stamp = ++c->epoch;   /* extract() */
			c->extract_input = true;
			c->extract_scope = c->scope[i];
		}
	}
}

/* One pass of assignments over the sites in [from, to) of scope sc (or of
 * every live scope: ALL_LIVE; of the dirty ones: DIRTY); returns true if
 * a taint changed.  With `again` (a second or later pass of the same
 * loop, over the same sites), a site is not worked out again when
 * nothing it can read changed since it last was: it would compute the
 * same bits, already set, through the same reads, whose marks are put
 * back from its record, so the pass ends with the same answer.  A site
 * reads taint entries (each read leaves its mark), and tests the
 * extract() state and whether any property or file-level variable is
 * tainted; every change of an entry stamps its mark (mark_stamp; marks
 * are shared by several names at worst, which only works out a site
 * more), a change of the rest stamps everything (global_stamp).  The
 * functions of the file that return input, the other thing a site reads,
 * change only between loops (relive()). */
static bool propagate_in(struct ctx *c, size_t from, size_t to, size_t sc, bool again)
{
	bool changed = false;
	size_t x = 0, hi = c->n_sites;

	while (x < hi) {     /* the first site at or after from */
		size_t mid = x + (hi - x) / 2;

		if (c->sites[mid] < from)
			x = mid + 1;
		else
			hi = mid;
	}
	c->marking = true;
	memset(c->rmark, 0, sizeof(c->rmark));
	if (!again)
		c->n_marks = 0;
	if (again && !c->mark_stamp)   /* nothing changed at all */
		c->mark_stamp = xcalloc(MARK_STAMPS, sizeof(*c->mark_stamp));
	for (; x < c->n_sites && c->sites[x] < to; x++) {
		size_t i = c->sites[x], s = c->scope[i];
		size_t m0;

		if (sc == ALL_LIVE ? !c->live[s] : sc == DIRTY ? !c->dirty[s] : s != sc)
			continue;
		if (again && c->site_epoch[x] >= c->global_stamp) {
			const uint16_t *mk = c->marks + c->site_marks[x];
			uint32_t k, nm = c->site_n_marks[x], ep = c->site_epoch[x];

			for (k = 0; k < nm && c->mark_stamp[mk[k] & (MARK_STAMPS - 1)] <= ep; k++)
				;
			if (k == nm) {    /* clean: its marks, as it would leave them */
				for (k = 0; k < nm; k++)
					c->rmark[mk[k] >> 6] |= 1ull << (mk[k] & 63);
				continue;
			}
		}
		c->site_epoch[x] = c->epoch;
		m0 = c->n_marks;
		c->recording = true;
		propagate_site(c, i, &changed);
		c->recording = false;
		c->site_marks[x] = (uint32_t)m0;
		c->site_n_marks[x] = (uint32_t)(c->n_marks - m0);
	}
	c->marking = false;
	return changed;
}

/* ---- reporting helpers ---- */

static void report(struct ctx *c, unsigned r, size_t ti, int sev,
		   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void report(struct ctx *c, unsigned r, size_t ti, int sev,
		   const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (c->reported[r])
		return;
	c->reported[r] = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ronda_report_ex(c->f, &rules[r], ti < c->n ? c->t[ti].off : 0, sev, 0,
			"%s", msg);
}

/* Split the argument list of the call whose '(' is at p into [start,end)
 * ranges; returns the count (at most max). */
static size_t split_args(const struct ctx *c, size_t p, size_t *start,
			 size_t *end, size_t max)
{
	size_t close = c->match[p], n = 0, k = p + 1;

	if (close >= c->n || k == close)
		return 0;
	start[0] = k;
	while (k < close) {
		if ((op(c, k, "(") || op(c, k, "[") || op(c, k, "{")) && c->match[k] < close) {
			k = c->match[k] + 1;
			continue;
		}
		if (op(c, k, ",")) {
			end[n] = k;
			if (++n >= max)
				return n;
			start[n] = k + 1;
		}
		k++;
	}
	end[n] = close;
	return n + 1;
}

static bool ascii_alnum(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/*
 * Is s (a preg_replace() pattern) one negated class of letters, digits,
 * '_' and '-' (ranges within one of a-z, A-Z, 0-9; \d, \w, \-, \_), with
 * an optional + or * and modifiers other than e: "/[^a-z0-9_-]+/i"?
 */
static bool word_class_pattern(const char *s)
{
	static const char mods[] = "imsuxADSUXJ";
	char d = s[0], close = d == '(' ? ')' : d == '{' ? '}' : d == '[' ? ']' :
			       d == '<' ? '>' : d;
	const char *q = s + 1;
	int prev = -1;   /* the last literal, which a '-' makes a range from */

	if (!d || ascii_alnum((unsigned char)d) || d == '\\' || d == ' ' ||
	    q[0] != '[' || q[1] != '^' || q[2] == ']')
		return false;
	for (q += 2; *q != ']'; q++) {
		unsigned char ch = (unsigned char)*q;

		if (ch == '\\') {
			if (!q[1] || !strchr("-_dw", q[1]))
				return false;
			q++;
			prev = q[0] == 'd' || q[0] == 'w' ? -1 : q[0];
		} else if (ch == '-' && prev >= 0 && q[1] != ']') {
			/* a range: PCRE reads "_-z" and "--z" as ranges too,
			 * and those take in punctuation */
			unsigned char to = (unsigned char)q[1];
			bool ok = (prev >= 'a' && prev <= 'z' && to >= prev && to <= 'z') ||
				  (prev >= 'A' && prev <= 'Z' && to >= prev && to <= 'Z') ||
				  (prev >= '0' && prev <= '9' && to >= prev && to <= '9');
			if (!ok)
				return false;
			q++;
			prev = -1;   /* "a-z-" : the next '-' is a literal */
		} else if (ch == '-' || ch == '_' || ascii_alnum(ch)) {
			prev = ch;
		} else {
			return false;
		}
	}
	q++;
	if (*q == '+' || *q == '*') {
		q++;
		if (*q == '?' || *q == '+')
			q++;
	}
	if (*q++ != close)
		return false;
	for (; *q; q++)
		if (!strchr(mods, *q))
			return false;
	return true;
}

/* preg_replace('/[^a-z0-9_-]+/', '', $x) at token k: all but letters,
 * digits, '_' and '-' removed from $x, so what is left cannot name
 * another directory or a URL, nor hold shell syntax (word_class_pattern;
 * constant pattern, empty replacement, no limit). */
static bool strips_to_word(const struct ctx *c, size_t k, size_t *from, size_t *to)
{
	size_t start[4], end[4];
	char pat[96], rep[4];

	if (!word(c, k, "preg_replace") || !op(c, k + 1, "(") ||
	    split_args(c, k + 1, start, end, 4) != 3 ||
	    end[0] != start[0] + 1 || end[1] != start[1] + 1)
		return false;
	*from = start[2];
	*to = end[2];
	return const_key(c, start[0], pat, sizeof(pat)) && const_key(c, start[1], rep, sizeof(rep)) &&
	       !rep[0] && word_class_pattern(pat);
}

static const char *const exec_names[] = {
	"system", "exec", "passthru", "shell_exec", "popen", "proc_open",
	"pcntl_exec", "assert", "eval", "create_function", "call_user_func",
	"call_user_func_array", "preg_replace", "include", "require", NULL,
};

/* callback position per function: index of the callable argument */
struct cbfn { const char *name; int cb; };
static const struct cbfn callbacks[] = {
	{ "call_user_func", 0 }, { "call_user_func_array", 0 },
	{ "array_map", 0 }, { "array_filter", 1 }, { "array_walk", 1 },
	{ "array_reduce", 1 }, { "usort", 1 }, { "uasort", 1 }, { "uksort", 1 },
	{ "register_shutdown_function", 0 }, { "register_tick_function", 0 },
	{ "ob_start", 0 }, { "iterator_apply", 1 }, { "forward_static_call", 0 },
	{ "forward_static_call_array", 0 }, { "set_error_handler", 0 },
	{ "set_exception_handler", 0 }, { "array_walk_recursive", 1 },
};

static bool is_exec_name(const char *s, size_t n)
{
	while (n && (*s == '\\')) {      /* \system */
		s++;
		n--;
	}
	for (const char *const *e = exec_names; *e; e++)
		if (strlen(*e) == n && !strncasecmp(s, *e, n))
			return true;
	return false;
}

/* Evaluate the callable at token i to a constant name, if possible. */
static bool callable_name(struct ctx *c, size_t i, char *buf, size_t size,
			  char *chain, size_t chain_size)
{
	char *out = NULL;
	size_t len = 0, end;

	if (!ronda_php_deob_eval_at(c->deob, i, &end, &out, &len, chain, chain_size))
		return false;
	ronda_strlcpy(buf, len < size ? out : "", size);
	free(out);
	return len < size && len > 0;
}

static const char *what(unsigned bits)
{
	if (bits & (T_INPUT | T_ELEM | T_DERIVED))
		return _("request input");
	if (bits & T_FILES)
		return _("an uploaded file");
	return _("input");
}

static void check_named_call(struct ctx *c, size_t i, const char *name,
			     const size_t *st, const size_t *en, size_t na,
			     int skip, int first, bool any);

/* The tokens whose taint matters for the exec sink (eval, assert, shell
 * functions, create_function) called at i: its first argument (all of
 * them for create_function).  False when there is none, and for assert()
 * of a comparison (a test, not code). */
static bool exec_region(const struct ctx *c, size_t i, size_t *from, size_t *to)
{
	size_t st[8], en[8], na = split_args(c, i + 1, st, en, 8);

	if (!na)
		return false;
	if (word(c, i, "assert"))
		for (size_t k = st[0]; k < en[0]; k++)
			if (op(c, k, "==") || op(c, k, "===") || op(c, k, "!=") ||
			    op(c, k, "!==") || op(c, k, "<") || op(c, k, ">") ||
			    op(c, k, "<=") || op(c, k, ">=") || op(c, k, "&&") ||
			    op(c, k, "||") || op(c, k, "!") || word(c, k, "instanceof") ||
			    word(c, k, "is_array") || word(c, k, "isset"))
				return false;
	*from = st[0];
	*to = word(c, i, "create_function") ? en[na - 1] : en[0];
	return true;
}

static void check_call_sinks(struct ctx *c, size_t i, const struct kw *kw)
{
	size_t p = i + 1, st[8], en[8], na;
	char src[48] = "", name[64];
	unsigned bits;

	if (kw->mask & (KW_CODE | KW_SHELL | KW_CREATE_FN)) {
		size_t from, to;

		c->has_exec_sink = true;
		if (!exec_region(c, i, &from, &to))
			return;
		bits = region_taint(c, from, to, src, sizeof(src));
		set_src(name, sizeof(name), c, i, i + 1);
		if (bits & (T_INPUT | T_FILES | T_ELEM | T_DERIVED)) {
			report(c, R_INPUT_EXEC, i, -1, _("%s (%s) reaches %s()"),
			       what(bits), src[0] ? src : "?", name);
		} else if ((bits & T_REMOTE) && !(kw->mask & KW_SHELL)) {
			report(c, R_REMOTE_CODE, i, (c->f->cls.flags & RONDA_CF_EXT_PHP) ? -1 : RONDA_SEV_MEDIUM,
			       _("content fetched from the network is passed to %s()"), name);
		} else if ((bits & T_DECODED) && !(kw->mask & KW_SHELL)) {
			report(c, R_EVAL_DECODED, i, -1, _("the result of a decoder is passed to %s()"), name);
		}
		return;
	}
	if (word(c, i, "preg_replace")) {
		char pat[256], *out = NULL;
		size_t len = 0;
		bool e_mod = false;

		na = split_args(c, p, st, en, 8);
		if (na < 2)
			return;
		if (ronda_php_deob_eval_at(c->deob, st[0], NULL, &out, &len, NULL, 0)) {
			size_t k = len;
			ronda_strlcpy(pat, len < sizeof(pat) ? out : "", sizeof(pat));
			free(out);
			if (len >= 2 && len < sizeof(pat)) {
				char close = pat[0] == '(' ? ')' : pat[0] == '{' ? '}' : pat[0];
				while (k > 1 && pat[k - 1] != close)
					k--;
				e_mod = strchr(pat + k, 'e') != NULL;
			}
		}
		bits = region_taint(c, st[1], en[1], src, sizeof(src));
		if (!e_mod) {
			/* a pattern that is input itself could carry /e */
			bool lit = false;
			for (size_t k = st[0]; k < en[0] && !lit; k++)
				lit = c->t[k].type == RONDA_PHP_STRING ||
				      c->t[k].type == RONDA_PHP_DQSTRING;
			e_mod = !lit && (region_taint(c, st[0], en[0], NULL, 0) & T_INPUT);
		}
		if (e_mod && (bits & T_INPUT)) {
			c->has_exec_sink = true;
			report(c, R_INPUT_EXEC, i, -1, _("%s (%s) reaches preg_replace() with the /e modifier"),
			       what(bits), src[0] ? src : "?");
		}
		return;
	}
	if (kw->mask & KW_CALLBACK) {
		size_t k = kw->cb;
		char chain[RONDA_PHP_CHAIN_MAX] = "";

		na = split_args(c, p, st, en, 8);
		if ((int)na <= callbacks[k].cb)
			return;
		for (size_t q = st[callbacks[k].cb]; q < en[callbacks[k].cb]; q++)
			if (word(c, q, "function") || word(c, q, "fn"))
				return;   /* a closure written in the code */
		bits = region_taint(c, st[callbacks[k].cb], en[callbacks[k].cb], src, sizeof(src));
		if (bits & T_INPUT) {
			c->has_exec_sink = true;
			report(c, R_INPUT_CALLBACK, i, -1, _("%s (%s) chooses the function called by %s()"),
			       what(bits), src[0] ? src : "?", callbacks[k].name);
			return;
		}
		bool named = callable_name(c, st[callbacks[k].cb], name, sizeof(name),
					   chain, sizeof(chain));

		if (named && !is_exec_name(name, strlen(name))) {
			/* a function of this file: call_user_func passes its
			 * arguments in order, the others hand over arrays */
			bool positional = !strcmp(callbacks[k].name, "call_user_func") ||
					  !strcmp(callbacks[k].name, "forward_static_call");
			check_named_call(c, i, name, st, en, na, callbacks[k].cb,
					 callbacks[k].cb + 1, !positional);
		} else if (named) {
			unsigned other = 0;
			c->has_exec_sink = true;
			for (size_t a = 0; a < na; a++)
				if ((int)a != callbacks[k].cb)
					other |= region_taint(c, st[a], en[a], src, sizeof(src));
			if (other & T_INPUT)
				report(c, R_INPUT_CALLBACK, i, -1, _("%s (%s) is passed to %s() through %s()"),
				       what(other), src[0] ? src : "?", name, callbacks[k].name);
			else if (chain[0] || c->t[st[callbacks[k].cb]].type != RONDA_PHP_STRING)
				report(c, R_DYNAMIC_CALL, i, -1, _("%s() is called through %s() by a computed name"),
				       name, callbacks[k].name);
		}
		return;
	}
}

/* $f(...), $a['x'](...), $obj->$m(...), $_GET['f'](...) */
static void check_variable_call(struct ctx *c, size_t i)
{
	size_t j = i + 1, st[8], en[8], na;
	char src[48] = "", name[64], chain[RONDA_PHP_CHAIN_MAX] = "";
	unsigned callee, args = 0;

	while ((op(c, j, "[") || op(c, j, "{")) && c->match[j] < c->n)
		j = c->match[j] + 1;
	if (!op(c, j, "(") || c->match[j] >= c->n)
		return;
	if (i > 0 && (word(c, i - 1, "function") || word(c, i - 1, "new") ||
		      op(c, i - 1, "::")))
		return;
	callee = region_taint(c, i, j, src, sizeof(src));
	na = split_args(c, j, st, en, 8);
	if (callee & T_INPUT) {
		/* $obj->$m(): a method of a known object, the dispatcher pattern
		 * of many applications; a free function is a shell's pattern */
		bool method = i > 0 && (op(c, i - 1, "->") || op(c, i - 1, "?->"));
		c->has_exec_sink = true;
		report(c, R_INPUT_CALLBACK, i, method ? RONDA_SEV_MEDIUM : -1,
		       method ? _("%s (%s) names the method that is called") :
			        _("%s (%s) names the function that is called"),
		       what(callee), src[0] ? src : "?");
		return;
	}
	if (!callable_name(c, i, name, sizeof(name), chain, sizeof(chain)))
		return;
	if (!is_exec_name(name, strlen(name))) {
		/* $fn = 'helper'; $fn($_GET['x']): a function of this file */
		check_named_call(c, i, name, st, en, na, -1, 0, false);
		return;
	}
	c->has_exec_sink = true;
	for (size_t a = 0; a < na; a++)
		args |= region_taint(c, st[a], en[a], src, sizeof(src));
	if (args & (T_INPUT | T_FILES))
		report(c, R_INPUT_CALLBACK, i, -1, _("%s (%s) is passed to %s() called through a variable"),
		       what(args), src[0] ? src : "?", name);
	else
		report(c, R_DYNAMIC_CALL, i, -1, _("%s() is called through a variable"), name);
}

static void check_include(struct ctx *c, size_t i)
{
	size_t e = stmt_end(c, i + 1);
	char src[48] = "";
	unsigned bits;

	/* input reduced to letters, digits, '_' and '-' (T_WORD) cannot
	 * name another directory or a URL: not an inclusion of its choice */
	c->word_ok = true;
	bits = region_taint(c, i + 1, e, src, sizeof(src));
	c->word_ok = false;
	if (bits & (T_INPUT | T_FILES)) {
		/* a path built around input (dir . $x . '.php') is a file
		 * inclusion bug at worst; a bare input path is a backdoor */
		bool built = (bits & T_PARTIAL) != 0;
		report(c, R_INPUT_INCLUDE, i, built ? RONDA_SEV_MEDIUM : -1,
		       built ? _("a path built from %s (%s) is included") : _("%s (%s) is included"),
		       what(bits), src[0] ? src : "?");
		return;
	}
	for (size_t k = i + 1; k < e; k++) {
		const struct ronda_php_tok *t = &c->t[k];
		if ((t->type == RONDA_PHP_STRING || t->type == RONDA_PHP_DQSTRING) &&
		    url_near_start(c->s + t->off, t->len)) {
			report(c, R_REMOTE_CODE, i,
			       (c->f->cls.flags & RONDA_CF_EXT_PHP) ? -1 : RONDA_SEV_MEDIUM,
			       "%s", _("a remote URL is included as PHP"));
			return;
		}
	}
	if (bits & T_REMOTE)
		report(c, R_REMOTE_CODE, i, -1, "%s", _("content fetched from the network is included"));
}

static void check_backtick(struct ctx *c, size_t i)
{
	const struct ronda_php_tok *t = &c->t[i];
	const unsigned char *p = c->s + t->off, *end = p + t->len;
	unsigned bits = 0;
	char src[48] = "";

	c->has_exec_sink = true;
	if (!(t->flags & RONDA_PHP_TF_INTERP))
		return;
	for (; p < end; p++) {
		if (*p != '$')
			continue;
		/* bounded: the token may end right after "$_" */
#define AT(lit) ((size_t)(end - p) >= sizeof(lit) - 1 && !memcmp(p, lit, sizeof(lit) - 1))
		if (AT("$_GET") || AT("$_POST") || AT("$_REQUEST") || AT("$_COOKIE") ||
		    AT("$_SERVER")) {
#undef AT
			bits |= T_INPUT;
			ronda_strlcpy(src, "$_...", sizeof(src));
			break;
		} else {
			const unsigned char *q = p + 1;
			struct taint *e;
			while (q < end && ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'z' ? 1 :
					   (*q >= '0' && *q <= '9') || *q == '_'))
				q++;
			e = q > p + 1 ? taint_slot(c, c->scope[i], p + 1, (size_t)(q - p - 1), false) : NULL;
			if (e && (e->bits & T_INPUT)) {
				bits |= T_INPUT;
				ronda_strlcpy(src, e->src, sizeof(src));
				break;
			}
		}
	}
	if (bits & T_INPUT)
		report(c, R_INPUT_EXEC, i, -1, _("%s (%s) reaches a backtick shell command"),
		       what(bits), src);
}


/* ---- functions of the file: taint across calls ---- */

static uint32_t hname_ci(const unsigned char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint32_t)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] | 0x20 : s[i])) * 16777619u;
	return h;
}

/* Tokens a and b are of one type and name (ASCII case-insensitive). */
static bool same_name(const struct ctx *c, size_t a, size_t b)
{
	size_t la, lb;
	const unsigned char *na, *nb;

	/* one type: the names of IDENTs and VARIABLEs differ in length as
	 * the tokens do (the other types have empty names) */
	if (c->t[a].type != c->t[b].type ||
	    ((c->t[a].type == RONDA_PHP_IDENT || c->t[a].type == RONDA_PHP_VARIABLE) &&
	     c->t[a].len != c->t[b].len))
		return false;
	na = ronda_php_tok_name(c->s, &c->t[a], &la);
	nb = ronda_php_tok_name(c->s, &c->t[b], &lb);
	if (la != lb)
		return false;
	for (size_t k = 0; k < la; k++) {
		unsigned char x = na[k], y = nb[k];
		if ((x >= 'A' && x <= 'Z' ? x | 0x20 : x) != (y >= 'A' && y <= 'Z' ? y | 0x20 : y))
			return false;
	}
	return true;
}

static uint32_t fn_hash(const struct ctx *c, size_t i)
{
	size_t len;
	const unsigned char *nm = ronda_php_tok_name(c->s, &c->t[i], &len);

	return hname_ci(nm, len) ^ c->t[i].type;
}

/* The first function named like the IDENT (functions and methods) or
 * VARIABLE (closures assigned to it) at i; fn_next() gives the others. */
static const struct fn *fn_named(const struct ctx *c, size_t i)
{
	uint32_t h;

	if (!c->fn_idx || i >= c->n || (c->t[i].type != RONDA_PHP_IDENT &&
					 c->t[i].type != RONDA_PHP_VARIABLE))
		return NULL;
	h = fn_hash(c, i);
	for (unsigned k = 0; k < c->fn_slots; k++) {
		uint16_t v = c->fn_idx[(h + k) & (c->fn_slots - 1)];

		if (!v)
			return NULL;
		if (same_name(c, c->fns[v - 1].name, i))
			return &c->fns[v - 1];
	}
	return NULL;
}

static const struct fn *fn_next(const struct ctx *c, const struct fn *f)
{
	return f->next ? &c->fns[f->next - 1] : NULL;
}

/* The class bodies, from the keywords match_brackets() kept ("Foo::class"
 * and bodiless uses dropped). */
static void class_ranges(struct ctx *c)
{
	for (size_t x = 0; x < c->n_ckw; x++) {
		size_t i = c->ckw[x], k;

		if (i > 0 && (op(c, i - 1, "::") || op(c, i - 1, "->")))
			continue;
		for (k = i + 1; k < c->n && k < i + 64 && !op(c, k, ";") && !op(c, k, "{"); k++)
			;
		if (!op(c, k, "{") || c->match[k] >= c->n)
			continue;
		c->cls = xgrow(c->cls, &c->alloc_cls, 2 * c->n_cls + 2, sizeof(*c->cls));
		c->cls[2 * c->n_cls] = (uint32_t)k;
		c->cls[2 * c->n_cls++ + 1] = c->match[k];
	}
}

/* 1 + the innermost class whose body holds token i, or 0. */
static uint32_t class_of(const struct ctx *c, size_t i)
{
	size_t lo = 0, hi = c->n_cls;

	while (lo < hi) {     /* the first class opening after i */
		size_t mid = lo + (hi - lo) / 2;

		if (c->cls[2 * mid] < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t x = lo, steps = 0; x-- > 0 && steps < 8; steps++)
		if (c->cls[2 * x] < i && i < c->cls[2 * x + 1])
			return (uint32_t)(x + 1);
	return 0;
}

/* Named functions, methods and closures assigned to a variable: their
 * name, parameters and body (the one match_brackets() found). */
static void collect_fns(struct ctx *c)
{
	for (size_t x = 0; x < c->n_fkw && c->n_fns < FN_MAX; x++) {
		size_t i = c->fkw[2 * x], k = i + 1, name = c->n, lp,
		       open = c->fkw[2 * x + 1], close;
		struct fn *f;
		unsigned np = 0;
		bool seen_var = false;

		if (op(c, k, "&"))
			k++;
		if (tk(c, k)->type == RONDA_PHP_IDENT) {
			name = k++;
		} else if (i >= 2 && op(c, i - 1, "=") && c->t[i - 2].type == RONDA_PHP_VARIABLE) {
			name = i - 2;
		} else if (i >= 3 && word(c, i - 1, "static") && op(c, i - 2, "=") &&
			   c->t[i - 3].type == RONDA_PHP_VARIABLE) {
			name = i - 3;
		}
		if (name >= c->n || !op(c, k, "(") || c->match[k] >= c->n)
			continue;
		lp = k;
		if (open >= c->n || (close = c->match[open]) >= c->n)
			continue;
		c->fns = xgrow(c->fns, &c->alloc_fns, c->n_fns + 1, sizeof(*c->fns));
		f = &c->fns[c->n_fns++];
		memset(f, 0, sizeof(*f));
		f->name = (uint32_t)name;
		f->cls = 0;
		f->open = (uint32_t)open;
		f->close = (uint32_t)close;
		/* the first variable of each comma-separated parameter */
		for (k = lp + 1; k < c->match[lp] && np < FN_PARAMS; k++) {
			if ((op(c, k, "(") || op(c, k, "[") || op(c, k, "{")) && c->match[k] < c->n) {
				k = c->match[k];
				continue;
			}
			if (op(c, k, ",")) {
				if (!seen_var)
					break;    /* a parameter without a name: stop */
				seen_var = false;
			} else if (!seen_var && c->t[k].type == RONDA_PHP_VARIABLE) {
				f->param[np++] = (uint32_t)k;
				seen_var = true;
			}
		}
		f->n_params = (uint8_t)np;
	}
	if (!c->n_fns)
		return;
	class_ranges(c);
	for (unsigned x = 0; x < c->n_fns; x++)
		c->fns[x].cls = class_of(c, c->fns[x].open);
	for (unsigned x = 0; x < c->n_fns; x++) {
		const struct ronda_php_tok *t = &c->t[c->fns[x].name];

		c->fn_names.lens[nf_slot(c->s[t->off])] |= 1u << (t->len < 31 ? t->len : 31);
	}
	for (c->fn_slots = 64; c->fn_slots < 2 * c->n_fns; c->fn_slots *= 2)
		;
	c->fn_idx = xcalloc(c->fn_slots, sizeof(*c->fn_idx));
	for (unsigned x = c->n_fns; x-- > 0;) {   /* backwards: next keeps order */
		uint32_t h = fn_hash(c, c->fns[x].name);

		for (unsigned k = 0; k < c->fn_slots; k++) {
			uint16_t *slot = &c->fn_idx[(h + k) & (c->fn_slots - 1)];

			if (!*slot) {
				*slot = (uint16_t)(x + 1);
				break;
			}
			if (same_name(c, c->fns[*slot - 1].name, c->fns[x].name)) {
				c->fns[x].next = *slot;
				*slot = (uint16_t)(x + 1);
				break;
			}
		}
	}
}

/* A call at i (IDENT or VARIABLE followed by '(') that is not a
 * definition nor a method named by a variable. */
static bool is_call(const struct ctx *c, size_t i)
{
	if (!op(c, i + 1, "(") || c->match[i + 1] >= c->n)
		return false;
	if (i > 0 && (word(c, i - 1, "function") || word(c, i - 1, "new")))
		return false;
	return c->t[i].type == RONDA_PHP_IDENT ||
	       (c->t[i].type == RONDA_PHP_VARIABLE &&
		!(i > 0 && (op(c, i - 1, "->") || op(c, i - 1, "?->") ||
			    op(c, i - 1, "::") || op(c, i - 1, "$"))));
}

/* fn called at i (a closure only through its variable, in its scope). */
static bool calls(const struct ctx *c, size_t i, const struct fn *f)
{
	return c->t[i].type == RONDA_PHP_IDENT ||
	       c->scope[f->name] == c->scope[i];
}

/* For $this->m(), self::m(), static::m() inside a class that has its own
 * m: 1 + that class (only its m is called), else 0 (any m by name). */
static uint32_t own_class(const struct ctx *c, size_t i)
{
	uint32_t k;

	if (i < 2 || c->t[i].type != RONDA_PHP_IDENT ||
	    !((op(c, i - 1, "->") && c->t[i - 2].type == RONDA_PHP_VARIABLE &&
	       ronda_php_tok_is(c->s, &c->t[i - 2], "this")) ||
	      (op(c, i - 1, "::") && (word(c, i - 2, "self") || word(c, i - 2, "static")))) ||
	    !(k = class_of(c, i)))
		return 0;
	for (const struct fn *g = fn_named(c, i); g; g = fn_next(c, g))
		if (g->cls == k)
			return k;
	return 0;
}

/* Work out which parameters of f reach an exec or include sink, in f or
 * through the file's functions it calls (memoised, a few levels deep):
 * its parameters get T_PARAM bits, its scope one more propagation. */
static void summarise(struct ctx *c, struct fn *f, unsigned depth)
{
	size_t sc = f->open + 1;

	if (f->done || f->busy || depth > 4 || !f->n_params)
		return;
	f->busy = true;
	for (unsigned k = 0; k < f->n_params; k++) {
		size_t len;
		const unsigned char *nm = ronda_php_tok_name(c->s, &c->t[f->param[k]], &len);
		struct taint *e = taint_slot(c, sc, nm, len, true);

		if (e)
			e->bits |= T_PARAM0 << k;
	}
	for (int pass = 0; pass < 4 && propagate_in(c, sc, f->close, sc, false); pass++)
		;
	for (size_t i = sc; i < f->close; i++) {
		unsigned bits = 0, kind = 0;
		size_t from, to, st[FN_PARAMS], en[FN_PARAMS], na = 0;

		if (skip_scope(c, &i, sc) || c->t[i].type == RONDA_PHP_EOF)
			continue;
		if (c->t[i].type == RONDA_PHP_IDENT && op(c, i + 1, "(") &&
		    kw_is(c, i, KW_CODE | KW_SHELL | KW_CREATE_FN) && !(i > 0 && (op(c, i - 1, "->") ||
								  op(c, i - 1, "::"))) &&
		    exec_region(c, i, &from, &to)) {
			bits = region_taint(c, from, to, NULL, 0);
			kind = SK_EXEC;
		} else if (c->t[i].type == RONDA_PHP_IDENT && (c->t[i].len == 7 || c->t[i].len == 12) &&
			   (word(c, i, "include") || word(c, i, "include_once") ||
			    word(c, i, "require") || word(c, i, "require_once"))) {
			bits = region_taint(c, i + 1, stmt_end(c, i + 1), NULL, 0);
			kind = SK_INCLUDE | ((bits & T_PPARTIAL) ? SK_INCLUDE_BUILT : 0);
		} else if (is_call(c, i)) {
			/* a call of the file's own function: its summary */
			unsigned abits[FN_PARAMS];
			bool args = false;
			uint32_t own = own_class(c, i);

			for (const struct fn *g0 = fn_named(c, i); g0; g0 = fn_next(c, g0)) {
				struct fn *g = &c->fns[g0 - c->fns];

				if (g == f || !calls(c, i, g) || !g->n_params || (own && g->cls != own))
					continue;
				if (!args) {   /* once for all candidates */
					args = true;
					na = split_args(c, i + 1, st, en, FN_PARAMS);
					for (size_t k = 0; k < na; k++)
						abits[k] = region_taint(c, st[k], en[k], NULL, 0);
				}
				for (size_t k = 0; k < na && k < g->n_params; k++) {
					unsigned ab = abits[k];

					if (!(ab & T_PARAMS))
						continue;
					summarise(c, g, depth + 1);
					if (!g->reach[k])
						continue;
					for (unsigned j = 0; j < f->n_params; j++)
						if (ab & (T_PARAM0 << j)) {
							f->reach[j] |= (uint8_t)(g->reach[k] |
								((ab & T_PPARTIAL) && (g->reach[k] & SK_INCLUDE) ?
								 SK_INCLUDE_BUILT : 0));
							if (!f->sink[0])
								ronda_strlcpy(f->sink, g->sink, sizeof(f->sink));
						}
				}
			}
			continue;
		}
		if (!(bits & T_PARAMS))
			continue;
		for (unsigned k = 0; k < f->n_params; k++)
			if (bits & (T_PARAM0 << k)) {
				f->reach[k] |= (uint8_t)kind;
				if (!f->sink[0])
					set_src(f->sink, sizeof(f->sink), c, i, i + 1);
			}
	}
	f->busy = false;
	f->done = true;
}

/* After a propagation: functions of the file that now return request
 * input make their calls sources, and tainted properties and file-level
 * variables are read in other functions ($this->x, self::$x, global $x,
 * $GLOBALS['x']).  Scopes holding such reads are marked dirty (and live):
 * a scope not live yet when the value holds request input (libraries
 * keep decoded data in properties all along), a live one when the value
 * changed in the last round (the first propagation saw every live scope
 * converge).  True if a scope is dirty: propagate those again. */
static bool relive(struct ctx *c)
{
	bool more = false, new_ret = false;
	uint8_t last = c->round;

	clear_scopes(c, c->dirty);
	for (unsigned x = 0; x < c->n_fns; x++) {
		struct fn *f = &c->fns[x];

		if (f->ret_input || !c->live[f->open + 1])
			continue;
		for (size_t k = f->open + 1; k < f->close && !f->ret_input; k++)
			if (c->scope[k] == f->open + 1 && word(c, k, "return") &&
			    (region_taint(c, k + 1, stmt_end(c, k + 1), NULL, 0) & T_INPUT))
				f->ret_input = 1 + last;   /* the round that found it */
		c->n_ret_input += f->ret_input != 0;
		new_ret |= f->ret_input != 0;
	}
	if (!new_ret && !c->n_req_keys && !(last > 0 && c->keys_changed))
		return false;
	c->keys_changed = false;
	for (size_t x = 0; x < c->n_rsites; x++) {
		size_t i = c->rsites[x];
		const struct ronda_php_tok *t = &c->t[i];
		struct taint *e = NULL;
		bool live = c->live[c->scope[i]], ret = false;
		size_t len, p;
		const unsigned char *nm;

		if (c->dirty[c->scope[i]])
			continue;
		if (t->type == RONDA_PHP_IDENT) {
			if (new_ret && is_call(c, i))
				for (const struct fn *g = fn_named(c, i); g && !ret; g = fn_next(c, g))
					ret = g->ret_input == 1 + last;
			if (!ret && c->n_top && c->has_globals && t->len == 6 && word(c, i, "global"))
				for (size_t k = i + 1; k < c->n && k < i + 64 && !op(c, k, ";"); k++)
					if (c->t[k].type == RONDA_PHP_VARIABLE) {
						nm = ronda_php_tok_name(c->s, &c->t[k], &len);
						if ((e = taint_slot(c, 0, nm, len, false)) != NULL &&
						    (live ? e->gen == last && last : (e->bits & (T_REQUEST | T_FILES))))
							break;
						e = NULL;
					}
		} else if (t->type == RONDA_PHP_VARIABLE) {
			if (c->n_props && ((p = this_prop(c, i)) || (i > 0 && op(c, i - 1, "::")))) {
				nm = ronda_php_tok_name(c->s, &c->t[p ? p : i], &len);
				e = taint_slot(c, PROP_SCOPE, nm, len, false);
			} else if (c->n_top && is_session(c, i)) {
				nm = ronda_php_tok_name(c->s, t, &len);
				e = taint_slot(c, 0, nm, len, false);
			} else if (c->n_top && c->has_globals && (nm = globals_key(c, i, &len))) {
				e = taint_slot(c, 0, nm, len, false);
			}
		}
		if (!ret && !(e && e->bits && (live ? last && e->gen == last :
					       (e->bits & (T_REQUEST | T_FILES)) != 0)))
			continue;
		/* the scope and its parents (an assignment there may span a
		 * closure holding the read), up to the file level */
		for (size_t sc = c->scope[i]; !c->dirty[sc]; sc = c->scope[sc - 2]) {
			c->live[sc] = true;
			c->dirty[sc] = 1;
			if (!sc)
				break;
		}
		more = true;
	}
	c->round++;
	return more;
}

/* The function whose body is scope sc (binary search: fns are in the
 * order of their bodies), or NULL. */
static struct fn *fn_of_scope(const struct ctx *c, size_t sc)
{
	size_t lo = 0, hi = c->n_fns;

	while (sc && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->fns[mid].open + 1 == sc)
			return &c->fns[mid];
		if (c->fns[mid].open + 1 < sc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Which functions call an exec or include sink, themselves or through
 * functions of the file they call (by name): from the functions that
 * call a sink, back along the call sites relive() keeps to the functions
 * holding them, each function once.  Call sites are sorted by name hash
 * for that, once, on first need. */
struct csite { uint32_t h, i; };

/* Sort cs[0..n) by (h, i), given in increasing i: a stable radix sort
 * on h, a byte per pass (tmp: n entries). */
static void sort_csites(struct csite *cs, struct csite *tmp, size_t n)
{
	for (unsigned shift = 0; shift < 32; shift += 8) {
		uint32_t count[257] = { 0 };

		for (size_t x = 0; x < n; x++)
			count[((cs[x].h >> shift) & 0xff) + 1]++;
		if (count[((cs[0].h >> shift) & 0xff) + 1] == n)
			continue;     /* one byte value: the order stays */
		for (unsigned b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t x = 0; x < n; x++)
			tmp[count[(cs[x].h >> shift) & 0xff]++] = cs[x];
		memcpy(cs, tmp, n * sizeof(*cs));
	}
}

static void find_sinkish(struct ctx *c)
{
	struct csite *cs;
	uint32_t *work;
	size_t n_cs = 0, n_work = 0;

	c->sinkish_done = true;
	work = xmalloc((c->n_fns + 1) * sizeof(*work));
	for (unsigned x = 0; x < c->n_fns; x++)
		if ((c->fns[x].sinkish = c->sinky[c->fns[x].open + 1]) != 0)
			work[n_work++] = x;
	if (!n_work) {
		free(work);
		return;
	}
	cs = xmalloc(2 * (c->n_rsites + 1) * sizeof(*cs));
	for (size_t r = 0; r < c->n_rsites; r++) {
		size_t i = c->rsites[r];

		if (c->scope[i] && is_call(c, i)) {
			cs[n_cs].h = fn_hash(c, i);
			cs[n_cs++].i = (uint32_t)i;
		}
	}
	if (n_cs)
		sort_csites(cs, cs + c->n_rsites + 1, n_cs);
	while (n_work) {
		const struct fn *g = &c->fns[work[--n_work]];
		uint32_t h = fn_hash(c, g->name);
		size_t lo = 0, hi = n_cs;

		while (lo < hi) {    /* the first call site with this hash */
			size_t mid = lo + (hi - lo) / 2;

			if (cs[mid].h < h)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n_cs && cs[lo].h == h; lo++) {
			size_t i = cs[lo].i;
			struct fn *f = fn_of_scope(c, c->scope[i]);
			uint32_t own;

			if (!f || f->sinkish || f == g || !same_name(c, i, g->name) ||
			    !calls(c, i, g))
				continue;
			if (g->cls != class_of(c, i) && (own = own_class(c, i)) && own != g->cls)
				continue;   /* $this->m() of a class with its own m */
			f->sinkish = true;
			work[n_work++] = (uint32_t)(f - c->fns);
		}
	}
	free(cs);
	free(work);
}

/* Input (bits, described by src) lands in parameter k of f, called at i:
 * report it if that parameter reaches a sink (summarise() ran). */
static void report_reach(struct ctx *c, size_t i, const struct fn *f, size_t k,
			 unsigned bits, const char *src)
{
	char fname[40];

	set_src(fname, sizeof(fname), c, f->name, f->name + 1);
	if ((bits & T_REQUEST) && (f->reach[k] & SK_EXEC)) {
		c->has_exec_sink = true;
		report(c, R_INPUT_EXEC, i, -1, _("%s (%s) reaches %s() through %s()"),
		       what(bits), src[0] ? src : "?", f->sink, fname);
	} else if ((bits & (T_INPUT | T_FILES)) && (f->reach[k] & SK_INCLUDE)) {
		bool built = (bits & T_PARTIAL) || (f->reach[k] & SK_INCLUDE_BUILT);

		report(c, R_INPUT_INCLUDE, i, built ? RONDA_SEV_MEDIUM : -1,
		       built ? _("a path built from %s (%s) is included through %s()") :
		       _("%s (%s) is included through %s()"),
		       what(bits), src[0] ? src : "?", fname);
	}
}

/* A function of this file called at i by its name as a string (a
 * callback, $fn = 'name'; $fn(...)): the arguments st/en[0..na) except
 * `skip` are checked like a direct call's, argument a landing in
 * parameter a - first; with `any`, input in any of them (arrays handed to
 * array_map, call_user_func_array...) may land in every parameter. */
static void check_named_call(struct ctx *c, size_t i, const char *name,
			     const size_t *st, const size_t *en, size_t na,
			     int skip, int first, bool any)
{
	size_t nl = strlen(name);
	uint32_t h;

	if (!c->n_fns || !nl)
		return;
	if (!c->sinkish_done)
		find_sinkish(c);
	h = hname_ci((const unsigned char *)name, nl) ^ RONDA_PHP_IDENT;
	for (unsigned s = 0; s < c->fn_slots; s++) {
		uint16_t v = c->fn_idx[(h + s) & (c->fn_slots - 1)];
		const struct ronda_php_tok *t;
		bool same = true;

		if (!v)
			return;
		t = &c->t[c->fns[v - 1].name];
		if (t->type != RONDA_PHP_IDENT || t->len != nl)
			continue;
		for (size_t q = 0; q < nl && same; q++) {
			unsigned char x = c->s[t->off + q], y = (unsigned char)name[q];
			same = (x >= 'A' && x <= 'Z' ? x | 0x20 : x) == (y >= 'A' && y <= 'Z' ? y | 0x20 : y);
		}
		if (!same)
			continue;
		for (const struct fn *g0 = &c->fns[v - 1]; g0; g0 = fn_next(c, g0)) {
			struct fn *f = &c->fns[g0 - c->fns];

			if (!f->sinkish || !f->n_params)
				continue;
			for (size_t a = 0; a < na; a++) {
				char src[48] = "";
				unsigned bits;

				if ((int)a == skip || (!any && ((int)a < first ||
								(size_t)((int)a - first) >= f->n_params)))
					continue;
				bits = region_taint(c, st[a], en[a], src, sizeof(src));
				if (!(bits & (T_REQUEST | T_FILES)))
					continue;
				summarise(c, f, 0);
				if (!any) {
					report_reach(c, i, f, (size_t)((int)a - first), bits, src);
					continue;
				}
				for (size_t k = 0; k < f->n_params; k++)
					if (f->reach[k]) {
						report_reach(c, i, f, k, bits, src);
						break;
					}
			}
		}
		return;
	}
}

/* A call at i of the file's own function (by name; a closure through its
 * variable) given request input: if the parameter it lands in reaches a
 * sink (summarise()), report it as if the sink were called here.  The
 * caller tests that i is a call in a live scope (only there can an
 * argument carry input). */
static void check_user_call(struct ctx *c, size_t i)
{
	size_t st[FN_PARAMS], en[FN_PARAMS], na = 0;
	unsigned bits[FN_PARAMS];
	char src[FN_PARAMS][48];
	bool args = false;
	uint32_t own = own_class(c, i);

	if (!c->sinkish_done)
		find_sinkish(c);
	for (const struct fn *g0 = fn_named(c, i); g0; g0 = fn_next(c, g0)) {
		struct fn *f = &c->fns[g0 - c->fns];
		if (!calls(c, i, f) || !f->n_params || !f->sinkish || (own && f->cls != own))
			continue;
		if (!args) {    /* the arguments' taint, once for all candidates */
			args = true;
			na = split_args(c, i + 1, st, en, FN_PARAMS);
			for (size_t k = 0; k < na; k++) {
				src[k][0] = '\0';
				bits[k] = region_taint(c, st[k], en[k], src[k], sizeof(src[k]));
			}
		}
		for (size_t k = 0; k < na && k < f->n_params; k++) {
			if (!(bits[k] & (T_REQUEST | T_FILES)))
				continue;
			summarise(c, f, 0);
			report_reach(c, i, f, k, bits[k], src[k]);
		}
	}
}

/* move_uploaded_file(FILES, DEST) / copy(FILES tmp_name, DEST) */
static void check_upload(struct ctx *c, size_t i)
{
	size_t st[4], en[4], na = split_args(c, i + 1, st, en, 4);
	char src[48] = "";
	unsigned from, dest;

	if (na < 2)
		return;
	from = region_taint(c, st[0], en[0], NULL, 0);
	if (!(from & T_FILES))
		return;
	dest = region_taint(c, st[1], en[1], src, sizeof(src));
	if (dest & T_INPUT)
		report(c, R_UPLOADER, i, -1, _("the upload destination comes from %s (%s)"),
		       what(dest), src);
	else if (dest & T_FILES) {
		/* the client's own file name, unchecked */
		for (size_t k = st[1]; k < en[1]; k++)
			if (c->t[k].type == RONDA_PHP_STRING && c->t[k].len == 6 &&
			    !memcmp(c->s + c->t[k].off + 1, "name", 4)) {
				report(c, R_UPLOADER, i, RONDA_SEV_MEDIUM,
				       "%s", _("the uploaded file keeps the name the client sent, any extension included"));
				break;
			}
	}
}

enum { FM_LIST = 1, FM_READ = 2, FM_WRITE = 4, FM_DELETE = 8, FM_RENAME = 16,
       FM_CHMOD = 32, FM_UPLOAD = 64 };

static const struct { const char *name; unsigned group; } fo[] = {
	{ "scandir", FM_LIST }, { "opendir", FM_LIST }, { "glob", FM_LIST },
	{ "readfile", FM_READ }, { "file_get_contents", FM_READ },
	{ "highlight_file", FM_READ }, { "show_source", FM_READ },
	{ "file_put_contents", FM_WRITE }, { "fopen", FM_WRITE },
	{ "mkdir", FM_WRITE }, { "touch", FM_CHMOD },
	{ "unlink", FM_DELETE }, { "rmdir", FM_DELETE },
	{ "rename", FM_RENAME }, { "copy", FM_RENAME },
	{ "chmod", FM_CHMOD }, { "chown", FM_CHMOD },
	{ "move_uploaded_file", FM_UPLOAD },
};

static void check_file_op(struct ctx *c, size_t i, const struct kw *kw)
{
	if (kw->mask & KW_FILEOP) {
		size_t k = kw->fo;

		if (fo[k].group & c->fm_groups)
			return;
		if (c->match[i + 1] < c->n &&
		    (region_taint(c, i + 2, c->match[i + 1], NULL, 0) &
		     (fo[k].group == FM_UPLOAD ? T_FILES : T_INPUT))) {
			c->fm_groups |= fo[k].group;
			if (!c->fm_offset)
				c->fm_offset = i;
		}
		return;
	}
}

static unsigned popcount(unsigned x)
{
	unsigned n = 0;
	for (; x; x &= x - 1)
		n++;
	return n;
}

static bool is_hex_hash(const unsigned char *s, size_t n)
{
	if (n != 32 && n != 40 && n != 64 && n != 128)
		return false;
	for (size_t k = 0; k < n; k++)
		if (!((s[k] >= '0' && s[k] <= '9') || ((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'f')))
			return false;
	return true;
}

/* md5($_POST['p']) == 'hex' (either side, or through a variable). */
static const char *const hashes[] = { "md5", "sha1", "hash", "crypt", NULL };

static bool check_gate(struct ctx *c, size_t i, const struct kw *kw)
{
	size_t close, other;
	const struct ronda_php_tok *t;
	bool cmp;

	if (!(kw->mask & KW_HASH) || !op(c, i + 1, "(") || c->match[i + 1] >= c->n)
		return false;
	close = c->match[i + 1];
	if (!(region_taint(c, i + 2, close, NULL, 0) & T_INPUT))
		return false;
	cmp = op(c, close + 1, "==") || op(c, close + 1, "===") ||
	      op(c, close + 1, "!=") || op(c, close + 1, "!==");
	other = close + 2;
	if (!cmp && i >= 2 && (op(c, i - 1, "==") || op(c, i - 1, "===") ||
			       op(c, i - 1, "!=") || op(c, i - 1, "!=="))) {
		cmp = true;
		other = i - 2;
	}
	if (!cmp)
		return false;
	t = tk(c, other);
	if (t->type == RONDA_PHP_STRING || t->type == RONDA_PHP_DQSTRING) {
		return t->len >= 2 && is_hex_hash(c->s + t->off + 1, t->len - 2);
	}
	if (t->type == RONDA_PHP_VARIABLE) {
		size_t nl, vl;
		const unsigned char *nm = ronda_php_tok_name(c->s, t, &nl);
		const unsigned char *v = ronda_php_deob_var(c->deob, (const char *)nm, nl, &vl);
		return v && is_hex_hash(v, vl);
	}
	return false;
}

/* ---- decoded layers ---- */

static unsigned chain_steps(const char *chain)
{
	unsigned n = 0;

	if (!chain || !*chain)
		return 0;
	n = 1;
	for (const char *p = chain; (p = strstr(p, " > ")) != NULL; p += 3)
		n++;
	return n;
}

static bool is_image(const unsigned char *d, size_t n)
{
	return (n >= 3 && !memcmp(d, "\xff\xd8\xff", 3)) ||
	       (n >= 4 && !memcmp(d, "\x89PNG", 4)) ||
	       (n >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6))) ||
	       (n >= 4 && !memcmp(d, "\0\0\1\0", 4)) ||
	       (n >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4)) ||
	       (n >= 5 && !memcmp(d, "<svg", 4)) ||
	       (n >= 4 && !memcmp(d, "%PDF", 4)) ||
	       (n >= 4 && (!memcmp(d, "OTTO", 4) || !memcmp(d, "\0\1\0\0", 4) ||
			   !memcmp(d, "wOFF", 4)));
}

#define MAX_LAYERS_PER_FILE 8

/* Depth of the layer being scanned as the body of an eval that its parent
 * layer already reported, so a chain of eval layers yields one
 * eval-decoded finding (outermost) and one layers finding (innermost). */
static _Thread_local unsigned eval_body_depth;

/* Report decoded blobs and hand code to the engine; returns how many code
 * layers were handed back. */
static unsigned handle_blobs(struct ctx *c)
{
	const struct ronda_php_blob *b;
	size_t n = ronda_php_deob_blobs(c->deob, &b);
	unsigned sent = 0, depth_steps = chain_steps(c->f->layer);

	for (size_t k = 0; k < n; k++) {
		const struct ronda_php_blob *bl = &b[k];
		size_t ti = 0, hi = c->n;

		/* token index of the blob, for reporting: the first token at or
		 * after its offset (tokens are in source order) */
		while (ti < hi) {
			size_t mid = ti + (hi - ti) / 2;
			if (c->t[mid].off < bl->offset)
				ti = mid + 1;
			else
				hi = mid;
		}
		if (bl->sink == RONDA_PHP_SINK_EVAL && bl->n_steps > 0) {
			unsigned total = depth_steps + bl->n_steps;
			bool concat = !strcmp(bl->chain, "concat");
			c->has_exec_sink = true;
			report(c, R_EVAL_DECODED, ti,
			       concat ? RONDA_SEV_MEDIUM :
			       bl->n_steps >= 2 || total >= 3 ? RONDA_SEV_CRITICAL : RONDA_SEV_HIGH,
			       _("%s of %s is executed"), bl->code ? _("code") : _("data"),
			       bl->chain[0] ? bl->chain : "concat");
		}
		if (bl->code && sent < MAX_LAYERS_PER_FILE &&
		    !(bl->len == c->f->len && !memcmp(bl->data, c->f->data, bl->len))) {
			size_t skip = 0;
			unsigned saved = eval_body_depth;

			eval_body_depth = bl->sink == RONDA_PHP_SINK_EVAL ? c->f->depth + 1 : 0;
			while (skip < bl->len && (bl->data[skip] == ' ' || bl->data[skip] == '\n' ||
						  bl->data[skip] == '\r' || bl->data[skip] == '\t'))
				skip++;
			if (bl->len - skip >= 2 && bl->data[skip] == '<' && bl->data[skip + 1] == '?') {
				ronda_scan_layer(c->f, bl->data, bl->len,
						 bl->chain[0] ? bl->chain : "eval");
			} else {
				/* eval'd code starts in PHP mode: say so, so that every
				 * detector classifies the layer as PHP */
				static const char tag[] = "<?php\n";
				unsigned char *l = xmalloc(bl->len + sizeof(tag));
				memcpy(l, tag, sizeof(tag) - 1);
				memcpy(l + sizeof(tag) - 1, bl->data, bl->len);
				l[bl->len + sizeof(tag) - 1] = '\0';
				ronda_scan_layer(c->f, l, bl->len + sizeof(tag) - 1,
						 bl->chain[0] ? bl->chain : "eval");
				free(l);
			}
			eval_body_depth = saved;
			sent++;
		} else if (!bl->code && bl->src_len >= 2048 && bl->n_steps >= 1 &&
			   !is_image(bl->data, bl->len)) {
			report(c, R_ENCODED_BLOB, ti, -1,
			       _("%zu encoded bytes decoded by %s"), bl->src_len, bl->chain);
		}
	}
	return sent;
}

static void build_filters(void)
{
	static const char *const taint_more[] = {
		"getallheaders", "apache_request_headers", "curl_exec", "array",
		"null", "true", "false", NULL,
	};
	static const char *const call_more[] = {
		"create_function", "preg_replace", "move_uploaded_file", "copy", NULL,
	};

	kw_add_list(shell_sinks, KW_SHELL);
	kw_add_list(code_sinks, KW_CODE);
	kw_add_list(sanitizers, KW_SANITIZER);
	kw_add_list(passthrough, KW_PASS);
	kw_add_list(decoders, KW_DECODER);
	kw_add_list(fetchers, KW_FETCHER);
	kw_add_list(source_calls, KW_SOURCE);
	kw_add_list(hashes, KW_HASH);
	kw_add("create_function")->mask |= KW_CREATE_FN;
	for (size_t k = ARRAY_SIZE(callbacks); k-- > 0; ) {   /* the first wins */
		struct kw *e = kw_add(callbacks[k].name);
		e->mask |= KW_CALLBACK;
		e->cb = (uint8_t)k;
	}
	for (size_t k = ARRAY_SIZE(fo); k-- > 0; ) {
		struct kw *e = kw_add(fo[k].name);
		e->mask |= KW_FILEOP;
		e->fo = (uint8_t)k;
	}
	nf_add_list(&taint_names, sanitizers);
	nf_add_list(&taint_names, passthrough);
	nf_add_list(&taint_names, decoders);
	nf_add_list(&taint_names, taint_more);
	nf_add_list(&source_names, source_calls);
	nf_add_list(&sink_names, code_sinks);
	nf_add_list(&sink_names, shell_sinks);
	nf_add(&sink_names, "create_function");
	nf_add_list(&call_names, code_sinks);
	nf_add_list(&call_names, shell_sinks);
	nf_add_list(&call_names, call_more);
	nf_add_list(&call_names, hashes);
	for (size_t k = 0; k < ARRAY_SIZE(callbacks); k++)
		nf_add(&call_names, callbacks[k].name);
	for (size_t k = 0; k < ARRAY_SIZE(fo); k++)
		nf_add(&call_names, fo[k].name);
}

/*
 * Whether the content matches \$[A-Za-z_][A-Za-z0-9_]*\s*(\[[^\]\n]{0,64}\]\s*)?\(
 * (\s: [\t\n\v\f\r ]). This was a pattern of the common database, the most
 * expensive one on PHP (every '$' starts it, there is no literal to wait for)
 * while only its presence counted, and only in the few PHP files without a
 * sink or decoder word. Linear: a '$' scans its name, the blanks after it
 * and at most 65 bytes of brackets; no two names share those blanks.
 */
static bool ws_space(unsigned char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

static bool ws_name_start(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool has_variable_call(const unsigned char *s, size_t len)
{
	const unsigned char *p = s, *end = s + len;

	while ((p = memchr(p, '$', (size_t)(end - p))) != NULL) {
		const unsigned char *q = ++p;

		if (q == end || !ws_name_start(*q))
			continue;
		while (q < end && (ws_name_start(*q) || (*q >= '0' && *q <= '9')))
			q++;
		while (q < end && ws_space(*q))
			q++;
		if (q < end && *q == '[') {
			const unsigned char *b = q + 1, *lim = b + MIN((size_t)(end - b), (size_t)65);

			while (b < lim && *b != ']' && *b != '\n')
				b++;
			if (b == lim || *b != ']')
				continue;
			q = b + 1;
			while (q < end && ws_space(*q))
				q++;
		}
		if (q < end && *q == '(')
			return true;
	}
	return false;
}

/*
 * Whether the content matches \\x[0-9A-Fa-f]{2}\\x[0-9A-Fa-f]{2} (two escaped
 * bytes in a row): counted with the P_DECODER hits, looked for only when
 * they have not decided already (as a pattern of the common database its
 * 2-byte literal cost ~5% of the scan on PHP).
 */
static bool ws_hex(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f');
}

static bool has_hex_escapes(const unsigned char *s, size_t len)
{
	const unsigned char *p = s, *end = s + len;

	while (end - p >= 8 && (p = memchr(p, '\\', (size_t)(end - p - 7))) != NULL) {
		if (p[1] == 'x' && ws_hex(p[2]) && ws_hex(p[3]) && p[4] == '\\' &&
		    p[5] == 'x' && ws_hex(p[6]) && ws_hex(p[7]))
			return true;
		p++;
	}
	return false;
}

/* a decoder hit, or escaped bytes: *known is 1/0 once looked at, else -1 */
static bool decoder_seen(int *known, const struct ronda_file *f)
{
	if (*known < 0)
		*known = has_hex_escapes(f->data, f->len);
	return *known > 0;
}

static int ws_scan(void *state, struct ronda_file *f, const struct ronda_hits *hits)
{
	struct ctx c;
	const struct ws_state *st = state;
	int decoder = ronda_hits_has(hits, P_DECODER) ? 1 : -1;
	size_t scanned = MIN(f->len, (size_t)UINT32_MAX);   /* as the engine */
	bool structural;
	unsigned flags = 0, layers_sent;
	size_t skip = 0;
	struct ronda_php_deob_limits lim = ronda_php_deob_default_limits;

	if (f->cls.type != RONDA_FT_PHP)
		return RONDA_OK;
	/* a sink: a decoder hit, a backtick, a sink word, escaped bytes or
	 * a variable call, the cheapest questions first */
	structural = decoder > 0 || (scanned && memchr(f->data, '`', scanned) != NULL) ||
		     ronda_hs_set_any(&st->sinks, f->data, scanned) ||
		     decoder_seen(&decoder, f) || has_variable_call(f->data, f->len);
	memset(&c, 0, sizeof(c));
	c.f = f;
	c.s = f->data;
	/* P_PHP_INPUT is a caseless php://input: no hit, no need to look */
	c.php_input = ronda_hits_has(hits, P_PHP_INPUT) &&
		      memmem(f->data, f->len, "php://input", 11) != NULL;

	if (f->len <= 32768 && ronda_hits_has(hits, P_ERRPAGE) &&
	    ronda_hits_has(hits, P_PASSWORD_INPUT) &&
	    (ronda_hits_first(hits, P_ERRPAGE)->end > ronda_hits_first(hits, P_PASSWORD_INPUT)->end ?
	     ronda_hits_first(hits, P_ERRPAGE)->end - ronda_hits_first(hits, P_PASSWORD_INPUT)->end :
	     ronda_hits_first(hits, P_PASSWORD_INPUT)->end - ronda_hits_first(hits, P_ERRPAGE)->end) <= 4096) {
		const struct ronda_hit *h = ronda_hits_first(hits, P_ERRPAGE);
		ronda_report(f, &rules[R_FAKE_ERROR], h ? h->end : 0, "%s",
			     _("an error-page text and a password field in the same PHP file"));
	}
	if (structural) {
		while (skip < f->len && (f->data[skip] == ' ' || f->data[skip] == '\n' ||
					 f->data[skip] == '\r' || f->data[skip] == '\t'))
			skip++;
		if (f->depth > 0 && !(f->len - skip >= 2 && f->data[skip] == '<' &&
				      f->data[skip + 1] == '?'))
			flags = RONDA_PHP_LEX_CODE;
		lim.max_tokens = MAX_TOKENS;
		c.deob = ronda_php_deob_new(&lim);
		{   /* the tokens cloak may have lexed already; else lex
			 * straight into the deobfuscator's own array */
			const struct ronda_php_toks *pt = f->php_toks;

			if (pt && pt->flags == flags && pt->complete)
				ronda_php_deob_run_toks(c.deob, f->data, f->len, pt->v, pt->n);
			else
				ronda_php_deob_run(c.deob, f->data, f->len, flags);
		}
		c.t = ronda_php_deob_tokens(c.deob, &c.n);
		match_brackets(&c);
		if ((ronda_hits_has(hits, P_SOURCE) || ronda_hits_has(hits, P_PHP_INPUT) ||
		     decoder_seen(&decoder, f) ||
		     (ronda_hits_has(hits, P_URL) && ronda_hits_has(hits, P_FETCH))) &&
		    (collect_fns(&c), mark_live(&c))) {
			for (int pass = 0; pass < 4 && propagate_in(&c, 0, c.n, ALL_LIVE, pass > 0); pass++)
				;
			/* calls of functions returning input, tainted properties
			 * and globals read in other functions */
			c.dirty = c.sinky + c.n + 1;   /* also in the free stack */
			for (int round = 0; round < 3 && relive(&c); round++)
				for (int pass = 0; pass < 4 && propagate_in(&c, 0, c.n, DIRTY, pass > 0); pass++)
					;
		}
		/* the body of an eval its parent reported: say it once */
		if (f->depth > 0 && eval_body_depth == f->depth)
			c.reported[R_EVAL_DECODED] = true;
		layers_sent = handle_blobs(&c);
		for (size_t x = 0; x < c.n_names; x++) {
			size_t i = c.names[x];
			const struct ronda_php_tok *t = &c.t[i];

			/* n_fns: the taint pass ran and live[] is set */
			if (c.n_fns && (t->type == RONDA_PHP_IDENT || t->type == RONDA_PHP_VARIABLE) &&
			    c.live[c.scope[i]] && nf_may(&c.fn_names, &c, i) && is_call(&c, i))
				check_user_call(&c, i);
			if (t->type == RONDA_PHP_IDENT) {
				bool member, inc;
				const struct kw *kw;

				/* most names are neither an include nor a call of
				 * a name the checks know: the cheap tests first */
				inc = (t->len == 7 || t->len == 12) &&
				      (word(&c, i, "include") || word(&c, i, "include_once") ||
				       word(&c, i, "require") || word(&c, i, "require_once"));
				if (!inc && (!op(&c, i + 1, "(") || c.match[i + 1] >= c.n ||
					     !nf_may(&call_names, &c, i)))
					continue;
				if (t->len == 5 && word(&c, i, "array"))
					continue;
				member = i > 0 && (op(&c, i - 1, "->") || op(&c, i - 1, "?->") ||
							op(&c, i - 1, "::") || word(&c, i - 1, "function") ||
							word(&c, i - 1, "new") || word(&c, i - 1, "const"));
				if (member)
					continue;
				if (inc) {
					check_include(&c, i);
					continue;
				}
				kw = kw_find(c.s + t->off, t->len);
				check_call_sinks(&c, i, kw);
				if (word(&c, i, "move_uploaded_file") || word(&c, i, "copy"))
					check_upload(&c, i);
				check_file_op(&c, i, kw);
				if (!c.has_gate && check_gate(&c, i, kw)) {
					c.has_gate = true;
					c.gate_ti = i;
				}
			} else if (t->type == RONDA_PHP_VARIABLE) {
				if (i > 0 && op(&c, i - 1, "$"))
					continue;
				/* $f(, $a[..](, $a{..}(: the rest return at once */
				if (op(&c, i + 1, "(") || op(&c, i + 1, "[") || op(&c, i + 1, "{"))
					check_variable_call(&c, i);
			} else if (t->type == RONDA_PHP_BACKTICK) {
				check_backtick(&c, i);
			}
		}
		/* a plain tool dualuse reported is dual-use (filemgr.h) */
		if (popcount(c.fm_groups) >= 3 && (c.fm_groups & FM_LIST) &&
		    (c.fm_groups & (FM_DELETE | FM_WRITE)) &&
		    !ronda_file_has_rule(f, RONDA_FILEMGR_DUALUSE_RULE))
			report(&c, R_FILE_MANAGER, c.fm_offset, -1,
			       _("%u kinds of file operation on request-chosen paths"),
			       popcount(c.fm_groups));
		if (c.has_gate)
			report(&c, R_PASSWORD_GATE, c.gate_ti,
			       c.has_exec_sink || c.fm_groups ? RONDA_SEV_HIGH : RONDA_SEV_MEDIUM,
			       "%s", c.has_exec_sink ? _("a password hash guards code execution") :
			       _("a password hash guards this script"));
		if (layers_sent == 0 && f->depth > 0 && chain_steps(f->layer) >= 3)
			report(&c, R_LAYERS, 0, -1, _("%u nested layers, %u decoding steps: %s"),
			       f->depth, chain_steps(f->layer), f->layer);
	}
	for (unsigned k = 0; k < ARRAY_SIZE(markers); k++) {
		const struct ronda_hit *h = ronda_hits_first(hits, P_MARK_BASE + k);
		/* "auth_pass" is also an ordinary variable name (feed readers,
		 * SSH clients): it counts only next to a gate or a sink */
		if (h && !strcmp(markers[k], "auth_pass") && !c.has_gate && !c.has_exec_sink)
			continue;
		if (h) {
			ronda_report(f, &rules[R_MARKER], h->end - strlen(markers[k]),
				     _("'%s' is a string of a known webshell family"), markers[k]);
			break;
		}
	}
	tables_put(c.tables, c.tables_size);
	free(c.taint);
	free(c.taint_idx);
	free(c.fns);
	free(c.fkw);
	free(c.ckw);
	free(c.cls);
	free(c.sites);
	free(c.rsites);
	free(c.mark_stamp);
	free(c.site_epoch);
	free(c.marks);
	free(c.fn_idx);
	ronda_php_deob_free(c.deob);
	return RONDA_OK;
}

const struct ronda_rule *const ronda_filemgr_webshell_rule = &rules[R_FILE_MANAGER];

const struct ronda_detector ronda_detector_webshell = { .name = "webshell", .summary = N_("webshells, backdoors and obfuscated PHP, found by structure"), .rules = rules, .n_rules = R__COUNT, .init = ws_init, .release = ws_release, .scan = ws_scan };
