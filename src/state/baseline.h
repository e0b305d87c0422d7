/*
 * baseline.h — what a web root looked like: walking it, hashing it, storing
 * it as a site's baseline, and comparing a present tree with it.
 *
 * A tree is a sorted array of entries, one per directory entry under the
 * root (the root itself is the entry with the empty path).  The walk never
 * follows a symbolic link (links are recorded with their target), stays on
 * the root's filesystem (a mount point is recorded, not entered), records
 * devices, FIFOs and sockets without opening them, and is bounded in depth,
 * path length and number of entries.  Paths are raw bytes relative to the
 * root, without NUL, compared with memcmp (so the order equals SQLite's
 * BLOB order).
 *
 * Hashing (SHA-256 of regular files, OpenSSL EVP) runs on a pool of
 * threads, each with its own read buffer; every file is opened beneath
 * the root without following links (openat2 RESOLVE_BENEATH) and checked
 * to be the inode the walk saw.  Given a previous tree, an entry whose
 * size, mtime, ctime and inode are unchanged keeps the previous hash
 * without reading the file (git's index trick) unless it is "racy": its
 * ctime is within RONDA_RACY_NS of the moment the previous walk started,
 * so a later write in the same timestamp tick could have gone unseen.
 *
 * Ownership: a tree owns its entries and their strings;
 * ronda_tree_release() frees them.  Nothing here prints.
 */
#ifndef RONDA_STATE_BASELINE_H
#define RONDA_STATE_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/error.h"
#include "state/db.h"

#define RONDA_TREE_MAX_DEPTH 256
#define RONDA_TREE_MAX_ENTRIES ((size_t)50 * 1000 * 1000)
#define RONDA_RACY_NS ((int64_t)2 * 1000 * 1000 * 1000)

/* entry types, as stored in the database */
#define RONDA_ET_FILE   'f'
#define RONDA_ET_DIR    'd'
#define RONDA_ET_LINK   'l'
#define RONDA_ET_CHR    'c'
#define RONDA_ET_BLK    'b'
#define RONDA_ET_FIFO   'p'
#define RONDA_ET_SOCK   's'

struct ronda_entry {
	char *path;            /* relative to the root, raw bytes; "" = root */
	char *target;          /* symbolic links: the target bytes, else NULL */
	char type;             /* RONDA_ET_* */
	bool has_hash;         /* sha256 is valid */
	bool xdev;             /* another filesystem: recorded, not entered/read */
	uint8_t err;           /* ronda_err met reading it (no hash), 0 if none */
	uint32_t mode;         /* st_mode & 07777 */
	uint32_t uid, gid;
	uint64_t size;
	int64_t mtime_ns, ctime_ns;
	uint64_t ino, nlink;
	unsigned char sha256[32];
};

struct ronda_tree {
	struct ronda_entry *v;
	size_t n, alloc;
	uint64_t dev;          /* st_dev of the root */
	int64_t started_ns;    /* CLOCK_REALTIME when the walk began */
	uint64_t n_files, n_bytes_hashed, n_hashed, n_reused;
	uint64_t n_skipped;    /* other filesystems, over-deep directories */
	uint64_t n_errors;
};

typedef void (*ronda_tree_error_fn)(const char *relpath, ronda_err err, void *arg);

struct ronda_tree_opts {
	unsigned threads;           /* 0: one per online CPU */
	bool paranoid;              /* re-hash everything, reuse nothing */
	const struct ronda_tree *prev;  /* hashes to reuse, may be NULL */
	/* never record this inode (the state directory inside a root) */
	uint64_t skip_dev, skip_ino;
	bool skip;
	ronda_tree_error_fn on_error;   /* per-entry problems; may be NULL */
	void *arg;
};

void ronda_tree_release(struct ronda_tree *t);

/* Walk `root` (an existing directory; its own path may contain links, the
 * walk beneath it follows none) and hash its regular files.  Per-entry
 * problems go to on_error and n_errors; a root that cannot be opened or a
 * tree over the entry bound is an error with a message in err. */
int ronda_tree_build(const char *root, const struct ronda_tree_opts *opts,
		     struct ronda_tree *out, struct ronda_buf *err);

/* Binary search by path; NULL if absent. */
const struct ronda_entry *ronda_tree_find(const struct ronda_tree *t, const char *path);

/* ---- comparison ---- */
#define RONDA_CHG_TYPE     0x001u
#define RONDA_CHG_CONTENT  0x002u
#define RONDA_CHG_TARGET   0x004u
#define RONDA_CHG_MODE     0x008u
#define RONDA_CHG_OWNER    0x010u
#define RONDA_CHG_GROUP    0x020u
#define RONDA_CHG_METADATA 0x040u  /* size or mtime moved, content the same */
#define RONDA_CHG_UNREAD   0x080u  /* present file could not be read */

enum ronda_change_kind { RONDA_ADDED, RONDA_REMOVED, RONDA_CHANGED };

struct ronda_change {
	enum ronda_change_kind kind;
	const struct ronda_entry *old;  /* NULL when added */
	const struct ronda_entry *cur;  /* NULL when removed */
	unsigned what;                  /* RONDA_CHG_* for changed */
	bool timestomp;                 /* changed: content changed, mtime did
					   not move forward, ctime did; added
					   (backdated): a file whose mtime is
					   older than the baseline walk while
					   its ctime is newer */
	int64_t since_ns;               /* when the baseline walk began */
};

/* Names for RONDA_CHG_* bits ("content", "mode"...), NULL past the end. */
const char *ronda_change_what_name(unsigned bit);

/* Compare two trees (both sorted); calls fn for every difference in path
 * order.  Directories' size and mtime are not compared (they move with
 * every file added or removed). */
void ronda_tree_diff(const struct ronda_tree *old, const struct ronda_tree *cur,
		     void (*fn)(const struct ronda_change *c, void *arg), void *arg);

/* ---- stored baselines ---- */
struct ronda_baseline_info {
	bool exists;
	int64_t created, updated;       /* unix seconds */
	int64_t started_ns;
	uint64_t dev;
	uint64_t n_entries;
};

int ronda_baseline_info(struct ronda_db *db, int64_t site_id,
			struct ronda_baseline_info *out, struct ronda_buf *err);

/* Load a site's baseline into a tree (started_ns and dev from the record). */
int ronda_baseline_load(struct ronda_db *db, int64_t site_id,
			struct ronda_tree *out, struct ronda_buf *err);

struct ronda_history {
	const char *action;     /* "baseline" or "update" */
	const char *message;    /* why (may be "") */
	uint64_t n_added, n_removed, n_changed;
};

/* Replace the site's baseline with `tree` and append a history record
 * (who: the real uid and its login name, $SUDO_USER when set).  The caller
 * holds a write transaction (ronda_db_begin). */
int ronda_baseline_store(struct ronda_db *db, int64_t site_id,
			 const struct ronda_tree *tree,
			 const struct ronda_history *h, struct ronda_buf *err);

struct ronda_history_row {
	int64_t time;           /* unix seconds */
	uint32_t uid;
	const char *login, *action, *message;
	uint64_t n_added, n_removed, n_changed;
};

/* Call fn for each history record of the site, oldest first. */
int ronda_baseline_history(struct ronda_db *db, int64_t site_id,
			   void (*fn)(const struct ronda_history_row *h, void *arg),
			   void *arg, struct ronda_buf *err);

#endif
