/*
 * engine_priv.h — structures shared by the engine's files (engine.c,
 * walk.c, report.c, allow.c); not part of the core's public contract.
 */
#ifndef RONDA_ENGINE_PRIV_H
#define RONDA_ENGINE_PRIV_H

#include <hs/hs.h>
#include <pthread.h>

#include "core/detector.h"
#include "core/scan.h"

struct pattern {
	char *expr;
	unsigned flags;
	unsigned det;        /* index into engine->dets */
	unsigned local_id;
};

struct ronda_init_priv {
	struct ronda_engine *e;
	unsigned det;
};

struct ronda_engine {
	const struct ronda_detector **dets;
	void **states;
	size_t n_dets;
	struct pattern *pats;
	size_t n_pats, alloc_pats;
	hs_database_t *db;
	hs_database_t *db_php;             /* db without RONDA_PAT_NOT_PHP ones */
	hs_scratch_t *scratch_proto;
	const struct ronda_rule **rules;   /* sorted by id */
	size_t n_rules;
};

/* one hit as recorded by the matcher callback */
struct rawhit {
	unsigned det;
	unsigned id;
	uint64_t end;
};

struct hitset {
	struct rawhit *v;
	size_t n, alloc;
	bool overflow;
};

struct allowlist;

struct worker;

/* per scan */
struct scan {
	struct ronda_engine *e;
	const struct ronda_scan_opts *o;
	struct ronda_scan_stats *stats;
	pthread_mutex_t out_lock;
	uint64_t max_filesize;
	/* current root */
	const char *root;          /* as given, trailing slashes trimmed */
	char *root_real;           /* realpath, for symlink targets */
	int rootfd;
	dev_t root_dev;
	struct allowlist *allow;
};

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	unsigned char data[];
};

struct ronda_file_priv {
	struct scan *s;
	struct worker *w;
	struct ronda_finding *findings;
	size_t n_findings, alloc_findings;
	uint64_t decoded_bytes;
	unsigned n_layers;
	struct arena_chunk *arena;
};

struct worker {
	struct scan *s;
	hs_scratch_t *scratch;
	unsigned char *rbuf;
	size_t rbuf_alloc;
	uint32_t *pat_count;       /* per pattern, per layer (reset via touched) */
	unsigned *touched;
	size_t n_touched;
	struct hitset *cur;        /* target of the matcher callback */
};

int worker_init(struct worker *w, struct scan *s);
void worker_release(struct worker *w);

/* Scan the content of one file (already read) through all detectors and
 * deliver its result.  `st` may be NULL for buffers.  t0: wall clock when
 * the file was opened; cpu_t0: the thread's CPU clock then, 0 when the
 * file is not timed by CPU (see ronda_result.cpu_ns). */
void scan_content(struct worker *w, const char *path, const char *relpath,
		  const char *name, const struct stat *st,
		  const unsigned char *data, size_t len, bool truncated,
		  uint64_t t0, uint64_t cpu_t0);

/* Deliver a result under the output lock and update the statistics. */
void deliver(struct scan *s, struct ronda_result *r, size_t n_allowed);

/* allowlist (allow.c) */
int allowlist_load(const char *path, bool must_exist, struct allowlist **out,
		   struct ronda_buf *err);
void allowlist_free(struct allowlist *a);
bool allowlist_sha(const struct allowlist *a, const char *sha256);
bool allowlist_has_shas(const struct allowlist *a);
bool allowlist_path(const struct allowlist *a, const char *relpath,
		    const char *rule_id);

/* built-in engine rules */
extern const struct ronda_rule ronda_fs_rules[];
extern const size_t ronda_n_fs_rules;
enum { FS_SYMLINK_OUT, FS_SYMLINK_SENSITIVE, FS_TRUNCATED };

#endif
