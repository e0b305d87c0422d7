/*
 * vault.h — snapshots, restore, quarantine and garbage collection.
 *
 * A vault is the object store (store.h) under STATE/vault plus four tables
 * in the state database (migration 3 in state/db.c): vault_snapshots,
 * vault_entries (one manifest row per path per snapshot), vault_objects
 * (sizes of stored objects) and vault_quarantine (files taken out of a
 * web root, or overwritten by a restore, with their metadata and the rule
 * that caught them).
 *
 * Crash safety: objects are written before the database rows that refer to
 * them and are only removed (gc) after the rows that referred to them are
 * gone, all under the store lock; a crash leaves at worst unreferenced
 * objects, which the next gc collects.  Writes into a web root go through
 * fsops.h: resolved beneath the root, atomic, and before any file of the
 * root is overwritten or moved, its current content is stored and recorded
 * in vault_quarantine (committed), so nothing is ever lost.
 *
 * Paths in entries are relative to the site's root, raw bytes (any byte but
 * NUL and '/'-separated); a path given on a command line is made relative
 * by the front end.
 *
 * The core never prints: per-item progress and errors go to callbacks.
 */
#ifndef RONDA_VAULT_VAULT_H
#define RONDA_VAULT_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/error.h"
#include "state/db.h"
#include "vault/store.h"

struct ronda_vault {
	struct ronda_db *db;        /* borrowed */
	struct ronda_store *store;  /* owned */
	struct stat state_st;       /* the state directory, never walked */
};

/* Open STATE/vault for db, taking the vault lock (RONDA_EBUSY when another
 * ronda writes).  key_file may be NULL (no encryption). */
int ronda_vault_open(struct ronda_db *db, const char *state_dir,
		     const char *key_file, struct ronda_vault *v,
		     struct ronda_buf *err);
void ronda_vault_close(struct ronda_vault *v);

/* One manifest entry (also what a restore wants a path to be). */
struct ronda_entry {
	char *path;
	char type;                  /* 'f' file, 'd' directory, 'l' symlink */
	uint32_t mode;              /* permission bits (07777) */
	uint32_t uid, gid;
	uint64_t size;
	int64_t mtime_ns, ctime_ns;
	uint64_t ino, nlink;
	char hash[RONDA_HASH_HEX];  /* files: "" otherwise */
	char *target;               /* symlinks: NULL otherwise */
};
void ronda_entry_release(struct ronda_entry *e);

typedef void (*ronda_vault_error_fn)(const char *path, ronda_err err, void *arg);

/* ---- snapshots ---- */

struct ronda_snapshot_info {
	int64_t id, site_id;
	int64_t created_ns;
	char *site;                 /* site name */
	char *root;
	uint64_t n_files, n_bytes, n_new_objects, n_new_bytes;
	uint64_t n_reused;          /* files whose hash came from the previous one */
	uint64_t n_errors;          /* unreadable entries, left out */
	bool encrypted;
	char *message;
};
void ronda_snapshot_info_release(struct ronda_snapshot_info *s);

/* Snapshot the site's root: walk it without following symlinks or leaving
 * its filesystem, store new contents, record the manifest in one
 * transaction.  Unreadable entries go to on_error and are left out. */
int ronda_snapshot_create(struct ronda_vault *v, const struct ronda_site *site,
			  const char *message, ronda_vault_error_fn on_error,
			  void *arg, struct ronda_snapshot_info *out,
			  struct ronda_buf *err);

/* Snapshots of one site (site_id > 0) or all, oldest first. */
int ronda_snapshot_list(struct ronda_vault *v, int64_t site_id,
			struct ronda_snapshot_info **list, size_t *n,
			struct ronda_buf *err);

/* Snapshot by spec: NULL or "latest" (newest of the site), a number (its
 * id; must belong to the site), "-N" (N-th before the newest). */
int ronda_snapshot_find(struct ronda_vault *v, int64_t site_id,
			const char *spec, int64_t *id, struct ronda_buf *err);

/* Load the manifest of a snapshot, sorted by path (bytewise). */
int ronda_snapshot_entries(struct ronda_vault *v, int64_t snapshot_id,
			   struct ronda_entry **entries, size_t *n,
			   struct ronda_buf *err);

/* ---- restore ---- */

enum ronda_action {
	RONDA_ACT_NONE = 0,
	RONDA_ACT_WRITE,            /* content differs: write it back */
	RONDA_ACT_CREATE,           /* missing: create the file */
	RONDA_ACT_META,             /* same content, mode/owner/mtime differ */
	RONDA_ACT_SYMLINK,          /* (re)create a symlink */
	RONDA_ACT_MKDIR,            /* missing directory */
	RONDA_ACT_QUARANTINE,       /* appeared since: move into quarantine */
	RONDA_ACT_RMDIR,            /* directory that appeared, empty once its
				       content is quarantined */
	RONDA_ACT_CONFLICT          /* cannot be done safely; say why */
};
const char *ronda_action_name(enum ronda_action a);

#define RONDA_CHG_CONTENT 0x01u
#define RONDA_CHG_MODE    0x02u
#define RONDA_CHG_OWNER   0x04u
#define RONDA_CHG_MTIME   0x08u
#define RONDA_CHG_TYPE    0x10u

struct ronda_plan_item {
	enum ronda_action action;
	char *path;
	unsigned changed;           /* RONDA_CHG_* */
	struct ronda_entry want;    /* from the snapshot (unless QUARANTINE) */
	bool have_now;
	struct stat now;            /* what was there when planned */
	char hash_now[RONDA_HASH_HEX];  /* content found, when hashed */
	const char *rule;           /* QUARANTINE: rule that caught it, or NULL */
	ronda_err result;           /* after apply */
	int64_t quarantine_id;      /* row holding the previous content, or 0 */
	char *link_to;              /* hard link: make this path a link to that one */
	int64_t from_snapshot;      /* clean: snapshot `want` comes from */
};

/* clean: a flagged file ronda could not fix (no clean copy anywhere). */
struct ronda_unresolved {
	char *path;
	const char *rule;           /* engine-owned */
	const char *why;            /* static, translated at print time (N_) */
};

struct ronda_plan {
	int64_t site_id;
	int64_t snapshot_id;
	char *root;
	struct ronda_plan_item *items;
	size_t n, alloc;
	uint64_t n_unchanged;
	struct ronda_unresolved *unresolved;
	size_t n_unresolved, alloc_unresolved;
	uint64_t n_flagged;         /* clean: files the scan flagged */
};
void ronda_plan_release(struct ronda_plan *p);

/* Compare the root with a snapshot (limited to paths[] and what lies below
 * them when n_paths > 0) and plan what a restore does. */
int ronda_restore_plan(struct ronda_vault *v, const struct ronda_site *site,
		       int64_t snapshot_id, const char *const *paths,
		       size_t n_paths, struct ronda_plan *plan,
		       struct ronda_buf *err);

/* Carry out a plan, item by item (each atomic); item->result says how each
 * went; on_item (may be NULL) is called after each.  Returns RONDA_OK if
 * every item succeeded, else the first error (the others still ran). */
int ronda_restore_apply(struct ronda_vault *v, struct ronda_plan *plan,
			const char *reason,
			void (*on_item)(const struct ronda_plan_item *it, void *arg),
			void *arg, struct ronda_buf *err);

/* One manifest entry of a snapshot; RONDA_ENOTFOUND if absent. */
int ronda_snapshot_entry(struct ronda_vault *v, int64_t snapshot_id,
			 const char *path, struct ronda_entry *out,
			 struct ronda_buf *err);

/* ---- clean ---- */

struct ronda_engine;
struct ronda_scan_opts;

/* Scan the site with engine e and plan its recovery: a file with a finding
 * at or above min_severity is quarantined if the latest snapshot does not
 * have it, else restored from the newest snapshot whose stored copy the
 * scan finds clean (items carry from_snapshot); if no snapshot has a clean
 * copy it is listed in plan->unresolved.  scan_opts->on_result and arg
 * are replaced; the rest (threads, excludes, allowlist...) is used. */
int ronda_clean_plan(struct ronda_vault *v, const struct ronda_site *site,
		     struct ronda_engine *e, const struct ronda_scan_opts *scan_opts,
		     int min_severity, struct ronda_plan *plan,
		     struct ronda_buf *err);

/* Paths (relative) of files with a finding at or above min_severity. */
int ronda_clean_flagged(struct ronda_engine *e, const char *root,
			const struct ronda_scan_opts *scan_opts, int min_severity,
			char ***paths, const char ***rules, size_t *n,
			struct ronda_buf *err);

/* ---- quarantine ---- */

struct ronda_qitem {
	int64_t id, site_id;
	char *root, *path;
	char type;
	uint32_t mode, uid, gid;
	uint64_t size, ino;
	int64_t mtime_ns, ctime_ns, created_ns, done_ns;
	char hash[RONDA_HASH_HEX];
	char *target;
	char *rule, *reason, *state;
};
void ronda_qitem_release(struct ronda_qitem *q);

/* Move root/relpath into the vault: store its content, record it (with
 * rule and reason), then remove it from the root if it is still the same
 * file.  site may be NULL.  *id gets the quarantine id. */
int ronda_quarantine_move(struct ronda_vault *v, const struct ronda_site *site,
			  int rootfd, const char *root, const char *relpath,
			  const char *rule, const char *reason, int64_t *id,
			  struct ronda_buf *err);

/* Settle rows left "pending" by an interrupted move. */
int ronda_quarantine_reconcile(struct ronda_vault *v, struct ronda_buf *err);

int ronda_quarantine_list(struct ronda_vault *v, struct ronda_qitem **items,
			  size_t *n, struct ronda_buf *err);
int ronda_quarantine_get(struct ronda_vault *v, int64_t id,
			 struct ronda_qitem *out, struct ronda_buf *err);

/* Put a quarantined file back at its path (refused if something is there
 * now unless force, in which case that is quarantined first). */
int ronda_quarantine_restore(struct ronda_vault *v, int64_t id, bool force,
			     struct ronda_buf *err);

/* Forget quarantine rows older than `age` seconds (not pending), then gc. */
int ronda_quarantine_purge(struct ronda_vault *v, uint64_t age, uint64_t *n,
			   struct ronda_buf *err);

/* ---- maintenance ---- */

struct ronda_gc_stats {
	uint64_t n_snapshots;       /* snapshots removed */
	uint64_t n_objects;         /* objects removed */
	uint64_t n_bytes;           /* bytes freed (net of packs rewritten) */
	uint64_t n_packs_removed;   /* packs removed (emptied or rewritten) */
	uint64_t n_packs_written;   /* packs written by rewriting */
};

/* Remove objects no row refers to (and interrupted writes). */
int ronda_vault_gc(struct ronda_vault *v, struct ronda_gc_stats *st,
		   struct ronda_buf *err);

/* Remove snapshots (keep the newest `keep` per site when keep > 0; remove
 * those older than `older_than` seconds when > 0, but never a site's
 * newest), then gc. */
int ronda_vault_prune(struct ronda_vault *v, int64_t site_id, uint64_t keep,
		      uint64_t older_than, struct ronda_gc_stats *st,
		      struct ronda_buf *err);

struct ronda_verify_stats {
	uint64_t n_objects, n_ok, n_damaged, n_missing, n_locked, n_unreferenced;
	uint64_t n_bad_packs;       /* packs whose index cannot be read */
};

/* One problem verify found. */
struct ronda_vault_problem {
	ronda_err err;              /* RONDA_ECORRUPT damaged, RONDA_ENOENT
				       missing, RONDA_ECRYPTO not checked (no key) */
	const char *hash;           /* plain SHA-256, or the storage id when the
				       content is unknown; NULL for a pack */
	const char *where;          /* where it lies in the vault
				       ("packs/NAME.pack@OFFSET", "objects/..."),
				       or NULL (missing) */
	const char *needed_by;      /* "snapshot N: PATH" or "quarantine N: PATH",
				       or NULL (nothing refers to it) */
};
typedef void (*ronda_vault_problem_fn)(const struct ronda_vault_problem *p, void *arg);

/* Re-hash every object, pack by pack; report packs whose index is
 * damaged, damaged objects (once per manifest or quarantine row that
 * needs them, or once when nothing does), objects that need a key, and
 * hashes referenced but missing. */
int ronda_vault_verify(struct ronda_vault *v, ronda_vault_problem_fn on_bad, void *arg,
		       struct ronda_verify_stats *st, struct ronda_buf *err);

/* Current time in unix nanoseconds. */
int64_t ronda_wall_ns(void);

#endif
