/*
 * detector.h — the interface every detector implements.
 *
 * A detector is one file in src/detect/ that defines
 *     const struct ronda_detector ronda_detector_<name> = { ... };
 * and nothing else global; the build finds it by that line.
 *
 * Life cycle (all driven by the engine):
 *   init     once per engine: register vectorscan patterns, load rules/ data,
 *            allocate private state.  Patterns from every detector are
 *            compiled into ONE database, so each file is read by the matcher
 *            once, in linear time, whatever its content.
 *   scan     for every file and for every decoded layer of it, from several
 *            threads at once: `state` must be read-only here or guarded by
 *            the detector's own lock.  `hits` holds this detector's pattern
 *            matches in this content, ordered by end offset.
 *   finish   once after the walk: aggregate findings (page farms, the same
 *            defacement in many folders...).
 *   release  frees state.
 *
 * Per-file work must be bounded: linear passes over f->data, caps on every
 * table, no backtracking regex on content.  Memory that lives only for this
 * file comes from ronda_file_alloc() and is freed in one go.
 */
#ifndef RONDA_DETECTOR_H
#define RONDA_DETECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/rule.h"
#include "core/classify.h"

struct ronda_scan_opts;
struct ronda_buf;
struct ronda_file_priv;
struct ronda_finish_priv;

/* Pattern flags for ronda_pattern_add(). */
#define RONDA_PAT_CASELESS  0x01u  /* ASCII case-insensitive */
#define RONDA_PAT_DOTALL    0x02u  /* '.' matches newlines */
#define RONDA_PAT_MULTILINE 0x04u  /* ^ and $ match at newlines */
#define RONDA_PAT_SINGLE    0x08u  /* report only the first match per content */
#define RONDA_PAT_LITERAL   0x10u  /* expression is a literal, not a regex */
#define RONDA_PAT_UTF8      0x20u  /* expression and input are UTF-8 */
/* The detector never uses this pattern's hits on content classified as PHP:
 * it is left out of the database PHP is matched with (a smaller database
 * is a faster one; on PHP, the engine's busiest input). */
#define RONDA_PAT_NOT_PHP   0x40u

struct ronda_detector_init {
	const struct ronda_scan_opts *opts;
	struct ronda_init_priv *priv;
	struct ronda_buf *err;   /* when init fails: one line saying why (may be NULL) */
};

/* Register a pattern (vectorscan syntax: PCRE subset, no backreferences or
 * lookaround) under this detector's local_id; several patterns may share a
 * local_id.  Errors (bad expression) are reported when the engine compiles. */
int ronda_pattern_add(struct ronda_detector_init *di, const char *expr,
		      unsigned flags, unsigned local_id);

struct ronda_hit {
	unsigned id;      /* the detector's local_id */
	uint64_t end;     /* offset just past the match in f->data */
};

/* The engine keeps the first RONDA_HITS_PER_PATTERN hits of each pattern
 * in a layer (and RONDA_HITS_PER_LAYER in all); past either, it drops the
 * rest and sets overflow. */
#define RONDA_HITS_PER_PATTERN 64
#define RONDA_HITS_PER_LAYER 16384

struct ronda_hits {
	const struct ronda_hit *v;   /* ordered by end offset */
	size_t n;
	bool overflow;               /* a pattern of this detector, or the
					layer, had more matches than kept */
};

bool ronda_hits_has(const struct ronda_hits *h, unsigned id);
size_t ronda_hits_count(const struct ronda_hits *h, unsigned id);
/* First hit with this id, or NULL. */
const struct ronda_hit *ronda_hits_first(const struct ronda_hits *h, unsigned id);
/* First hit with this id whose end lies in [lo, hi], or NULL. */
const struct ronda_hit *ronda_hits_in(const struct ronda_hits *h, unsigned id,
				      uint64_t lo, uint64_t hi);
/* a's hits and b[0..nb) (both ordered by end offset, then id) into out
 * (room for a->n + nb), in that order; returns a->n + nb. */
size_t ronda_hits_merge(const struct ronda_hits *a, const struct ronda_hit *b,
			size_t nb, struct ronda_hit *out);

struct ronda_norm;
struct ronda_php_toks;

/* What a detector sees of a file or of one decoded layer of it. */
struct ronda_file {
	const char *path;        /* as displayed: root as given + "/" + relpath */
	const char *relpath;     /* relative to the scanned root */
	const char *name;        /* last path component */
	const char *ext;         /* last extension, lower case, no dot; "" */
	const struct stat *st;   /* lstat of the file as found */

	const unsigned char *data;  /* content of this layer (NUL after len) */
	size_t len;
	bool truncated;          /* over the size cap: data is head + tail */
	struct ronda_class cls;  /* content classification of this layer */

	unsigned depth;          /* 0 as stored, n for the n-th decoded layer */
	const char *layer;       /* "" or "base64_decode > gzinflate ..." */

	/* This layer's normalised text, made once on first use by
	 * ronda_norm_file() (text/normalize.h) and shared by the detectors
	 * that read it; NULL until then. */
	const struct ronda_norm *norm;

	/* This layer's PHP tokens, lexed once on first use by
	 * ronda_php_file_tokens() (lang/php_toks.h); NULL until then. */
	const struct ronda_php_toks *php_toks;

	struct ronda_file_priv *priv;  /* engine internals */
};

/* Memory valid until this file (all its layers) is done. Never NULL. */
void *ronda_file_alloc(struct ronda_file *f, size_t n);

/* Report a finding of rule at offset (in f->data) with an optional detail
 * message (printf format, translated by the caller with _()).  The engine
 * adds the snippet, line, layer and deduplicates.  Returns 0 or an error. */
int ronda_report(struct ronda_file *f, const struct ronda_rule *rule,
		 uint64_t offset, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Same, with severity (-1: rule's) and confidence (0: rule's) overridden. */
int ronda_report_ex(struct ronda_file *f, const struct ronda_rule *rule,
		    uint64_t offset, int severity, unsigned confidence,
		    const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Has a finding of the rule with this id been reported on this file so far
 * (any layer)?  Detectors run in name order (ronda_detectors[]), so a
 * detector sees only the findings of the detectors before it. */
bool ronda_file_has_rule(const struct ronda_file *f, const char *rule_id);

/* Scan a decoded layer of f again with every detector (depth + 1).
 * `step` names the decoding ("gzinflate"); the engine bounds depth and total
 * decoded bytes per file and returns RONDA_ETOOBIG past them. */
int ronda_scan_layer(struct ronda_file *f, const unsigned char *data,
		     size_t len, const char *step);

struct ronda_finish {
	struct ronda_finish_priv *priv;
};

/* Report an aggregate finding about `path` (a file or a directory, as
 * displayed), with related paths (copied). */
int ronda_finish_report(struct ronda_finish *fin, const char *path,
			const struct ronda_rule *rule, int severity,
			const char *const *related, size_t n_related,
			const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

struct ronda_detector {
	const char *name;
	const char *summary;                 /* N_() one line */
	const struct ronda_rule *rules;      /* static rules (may be NULL) */
	size_t n_rules;
	int (*init)(struct ronda_detector_init *di, void **state);
	void (*release)(void *state);
	int (*scan)(void *state, struct ronda_file *f, const struct ronda_hits *hits);
	int (*finish)(void *state, struct ronda_finish *fin);
	/* Rules created at init (e.g. from the operator's YARA files). */
	size_t (*dynamic_rules)(void *state, const struct ronda_rule **rules);
};

/* NULL-terminated, generated by the build from the detector files. */
extern const struct ronda_detector *const ronda_detectors[];

#endif
