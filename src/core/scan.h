/*
 * scan.h — the scan engine: compile detectors once, walk roots with a pool
 * of threads, read each file once (bounded), match it with one vectorscan
 * database, hand it to every detector, and deliver results.
 *
 * Thread model: ronda_scan() blocks; it runs opts->threads workers.  The
 * result callback is called with the engine's output lock held, one file at
 * a time, so front ends need no locking of their own.  A ronda_engine is
 * immutable after ronda_engine_new() and may be used by several scans.
 */
#ifndef RONDA_SCAN_H
#define RONDA_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/classify.h"
#include "core/error.h"
#include "core/rule.h"

struct ronda_engine;
struct ronda_detector;

struct ronda_result {
	const char *path;          /* displayed path (raw bytes, NUL-terminated) */
	const char *relpath;       /* relative to its root ("" for the root) */
	const char *root;          /* the root as given */
	const struct stat *st;     /* NULL for aggregate (directory) results */
	enum ronda_ftype type;
	char sha256[65];           /* hex; "" unless the file has findings (and
	                              for files over the size cap, unless an
	                              allowlist lists hashes) */
	uint64_t scan_ns;          /* time spent on this file */
	uint64_t cpu_ns;           /* CPU time of the scanning thread on it,
	                              read included; measured only for files
	                              of RONDA_PER_MB_MIN bytes or more, else 0 */
	struct ronda_finding *findings;  /* worst first */
	size_t n_findings;
};

struct ronda_scan_stats {
	uint64_t n_files;          /* regular files scanned */
	uint64_t n_bytes;          /* bytes read */
	uint64_t n_dirs;
	uint64_t n_skipped;        /* excluded, special files, other filesystems */
	uint64_t n_errors;         /* unreadable entries */
	uint64_t n_truncated;      /* files over the size cap (head+tail read) */
	uint64_t n_allowed;        /* findings suppressed by the allowlist */
	uint64_t n_findings[RONDA_SEV__COUNT];
	uint64_t wall_ns;
	struct { char path[512]; uint64_t ns; uint64_t size; } slowest[5];
	/* the 32 files of RONDA_PER_MB_MIN bytes or more that cost the most
	 * CPU time per byte (ns: CPU time).  CPU time, not wall time: one
	 * preemption would otherwise make any small file look slow; below
	 * the floor the fixed cost of opening a file says more than its size.
	 * 32, not 5: bench/scan takes each file's best over several runs, and
	 * a file missing from a run's list only has that run's last entry as
	 * a bound */
	struct { char path[512]; uint64_t ns; uint64_t size; } slowest_per_mb[32];
};

#define RONDA_PER_MB_MIN ((uint64_t)16 << 10)

typedef void (*ronda_result_fn)(const struct ronda_result *r, void *arg);
typedef void (*ronda_error_fn)(const char *path, ronda_err err, void *arg);

struct ronda_scan_opts {
	unsigned threads;            /* 0: one per online CPU */
	uint64_t max_filesize;       /* 0: default 32 MiB; bigger: head + tail */
	bool cross_filesystems;      /* default: stay on each root's filesystem */
	const char *const *excludes; /* fnmatch(3) globs on relpath and name */
	size_t n_excludes;
	const char *allowlist;       /* NULL: ROOT/.ronda-allow when present */
	bool report_clean;           /* call on_result for files without findings */
	const char *yara;            /* the operator's YARA file or directory */
	unsigned yara_timeout;       /* seconds per file, 0: 5 */
	ronda_result_fn on_result;
	ronda_error_fn on_error;
	void *arg;
	const char *const *disable;  /* detector names to leave out */
	size_t n_disable;
	/* Live counters for a progress line (may be read from another thread
	 * with relaxed atomics). */
	volatile uint64_t *progress_files;
	volatile uint64_t *progress_bytes;
	/* Bytes of heap each walking thread writes to (one byte per page) and
	 * frees before its first file when a root is a directory, so that the
	 * page faults of growing the heap are paid at start-up and not by the
	 * first files (their time per MB); at most 32 MB for all the threads
	 * together.  Only useful when the program keeps freed memory mapped
	 * (mallopt M_TRIM_THRESHOLD and M_MMAP_THRESHOLD, as `ronda scan` sets
	 * them); 0: none. */
	size_t warm_heap;
};

#define RONDA_DEFAULT_MAX_FILESIZE ((uint64_t)32 << 20)
#define RONDA_MAX_LAYER_DEPTH 16
#define RONDA_MAX_FINDINGS_PER_FILE 64

/* Compile every detector's patterns (and opts->yara) into an engine.
 * On failure *err says why in one line. */
int ronda_engine_new(const struct ronda_scan_opts *opts,
		     struct ronda_engine **out, struct ronda_buf *err);
void ronda_engine_free(struct ronda_engine *e);

/* Same with an explicit NULL-terminated detector list (tests, embedding). */
int ronda_engine_new_from(const struct ronda_scan_opts *opts,
			  const struct ronda_detector *const *detectors,
			  struct ronda_engine **out, struct ronda_buf *err);

/* Names of the detectors compiled in (NULL-terminated). */
const char *ronda_detector_name(size_t i);

/* Scan roots (directories or single files).  Returns RONDA_OK when the
 * walk completed (per-file problems go to on_error and n_errors), or the
 * error that stopped it (a root that cannot be opened). */
int ronda_scan(struct ronda_engine *e, const char *const *roots,
	       size_t n_roots, const struct ronda_scan_opts *opts,
	       struct ronda_scan_stats *stats, struct ronda_buf *err);

/* Scan named files under one root (relative paths), e.g. the changed files
 * of `ronda check`. */
int ronda_scan_files(struct ronda_engine *e, const char *root,
		     const char *const *relpaths, size_t n,
		     const struct ronda_scan_opts *opts,
		     struct ronda_scan_stats *stats, struct ronda_buf *err);

/* Scan one in-memory buffer as if it were a file called `name` (tests,
 * fuzzing, `ronda scan -` on stdin).  Results go to opts->on_result. */
int ronda_scan_buffer(struct ronda_engine *e, const char *name,
		      const unsigned char *data, size_t len,
		      const struct ronda_scan_opts *opts);

/* Every rule known to the engine (built-in, detectors', YARA), in ID order.
 * Valid until ronda_engine_free(). */
size_t ronda_engine_rules(struct ronda_engine *e,
			  const struct ronda_rule *const **rules);
const struct ronda_rule *ronda_engine_rule(struct ronda_engine *e, const char *id);

/* The i-th registered pattern (for `ronda rules --export-yara`); returns
 * the number of patterns, and fills the out-parameters when i < that. */
size_t ronda_engine_patterns(struct ronda_engine *e, size_t i, const char **expr,
			     unsigned *flags, const char **detector);

/* Every built-in rule without building an engine (for `ronda rules`). */
size_t ronda_builtin_rules(const struct ronda_rule ***rules);

#endif
