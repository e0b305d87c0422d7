/*
 * hscache.h — compiling vectorscan databases once per rule set, not once
 * per run.
 *
 * Compiling every detector's patterns costs about a second of CPU; a cron
 * job that runs every few minutes, or `ronda check` on three changed files,
 * should not pay it each time.  ronda_hs_compile() keys the database on a
 * SHA-256 of the vectorscan version, the mode and every expression, flag and
 * id, and keeps the serialized database in the cache directory:
 * $RONDA_CACHE_DIR, else /var/cache/ronda for root, else
 * $XDG_CACHE_HOME/ronda (~/.cache/ronda).  A cached file is used only when
 * it and its directory belong to the current user and are not writable by
 * group or others, and only when vectorscan accepts it (its own checks
 * include the platform); anything else falls back to compiling.  Writes are
 * atomic (temporary file + rename).  RONDA_NO_CACHE=1 disables the cache.
 * The cache is an optimisation only: every failure in it is silent.
 */
#ifndef RONDA_HSCACHE_H
#define RONDA_HSCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>

/* Same contract as hs_compile_multi() (mode HS_MODE_BLOCK). */
hs_error_t ronda_hs_compile(const char *const *exprs, const unsigned *flags,
			    const unsigned *ids, unsigned n, hs_database_t **db,
			    hs_compile_error_t **cerr);

/*
 * Per-thread scratch space.  hs_alloc_scratch() costs even when nothing
 * changes, so every thread keeps one scratch and remembers which databases
 * (by generation, see below) it was last grown for.  The scratch belongs to
 * the thread and is freed when it exits; callers must not free it, and must
 * not hand it to a scan started from inside another scan's match callback
 * on the same thread (the scratch is then in use).
 */

/* A new generation number for a database: unique for the process, never
 * reused, so a freed database's number cannot match a new one. */
uint64_t ronda_hs_new_gen(void);

/* This thread's scratch, grown to fit db (whose generation is gen);
 * NULL when it cannot be allocated. */
hs_scratch_t *ronda_hs_thread_scratch(const hs_database_t *db, uint64_t gen);

/* Databases whose scratch every scan thread should have from its start
 * (ronda_hs_thread_warm()), so the first file a thread meets does not pay
 * hs_alloc_scratch() in its own time.  Forget a database before freeing
 * it.  At most 16 are kept; more are simply not warmed. */
void ronda_hs_warm_add(const hs_database_t *db, uint64_t gen);
void ronda_hs_warm_forget(uint64_t gen);
void ronda_hs_thread_warm(void);

/*
 * Patterns a detector only asks "is there one?" of, and only for some
 * files: kept out of the engine's database, which every file goes through,
 * and scanned when asked (same regex engine, so the same answer).  On PHP,
 * the engine's database is the bigger part of the matching cost.
 */
#define RONDA_HS_SET_MAX 16   /* patterns in a set */

struct ronda_hs_set {
	hs_database_t *db;
	uint64_t gen;
	unsigned n;                 /* patterns */
};

struct ronda_hit;

/* flags as for hs_compile_multi(); RONDA_OK or RONDA_EPATTERN */
int ronda_hs_set_compile(struct ronda_hs_set *set, const char *const *exprs,
			 const unsigned *flags, unsigned n);
void ronda_hs_set_free(struct ronda_hs_set *set);
/* Does a pattern of the set match s[0..n) (the first 4 GiB, as the
 * engine's scan)?  false as well when the set or a scratch is missing. */
bool ronda_hs_set_any(const struct ronda_hs_set *set, const void *s, size_t n);
/*
 * Every match of the set's patterns in s[0..n) (the first 4 GiB), as the
 * engine would hand them to a detector: out[k].id is ids[i] for the set's
 * pattern i (i itself when ids is NULL), ordered by end offset, then id;
 * of each pattern only the first RONDA_HITS_PER_PATTERN that vectorscan
 * reports are kept, and *overflow is set when more were dropped.  out has
 * room for set->n * RONDA_HITS_PER_PATTERN.  Returns how many; 0 when the
 * set or a scratch is missing.
 */
size_t ronda_hs_set_hits(const struct ronda_hs_set *set, const void *s, size_t n,
			 const unsigned *ids, struct ronda_hit *out, bool *overflow);

#endif
