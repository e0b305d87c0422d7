/*
 * db.h — the state directory and its one SQLite database.
 *
 * Where state lives: ronda_state_dir() picks, in order, an explicit
 * directory (--state DIR), $RONDA_STATE, /var/lib/ronda when running as
 * root, $XDG_DATA_HOME/ronda, ~/.local/share/ronda.  ronda_db_open() creates
 * the directory (mode 0700) when asked and opens DIR/ronda.db in WAL mode
 * with a busy timeout, so a second writer waits and then fails with
 * RONDA_EBUSY instead of corrupting anything.
 *
 * Schema: PRAGMA user_version holds the schema version, PRAGMA
 * application_id marks the file as ronda's.  The migrations live in one
 * append-only table in db.c (ronda_migrations[]): entry N turns version N-1
 * into version N, inside one transaction.  A newer ronda opens an older
 * database and migrates it forward; an older ronda refuses a newer
 * database with RONDA_ESCHEMA.  A file that is not an SQLite database, is
 * truncated or damaged gives RONDA_ECORRUPT; other SQLite failures give
 * RONDA_EDB.  Every failure fills `err` with one line, git style
 * ("database '/var/lib/ronda/ronda.db' is damaged: ...").
 *
 * Adding tables (e.g. the vault's): append one entry to ronda_migrations[]
 * in db.c with the next version number and its SQL; never edit or reorder
 * an entry that has landed.  Versions 1-2 are the state tables below.
 *
 *   1  sites(id, name, root, created)
 *   2  baselines(site_id, created, updated, started_ns, dev, n_entries)
 *      entries(site_id, path BLOB, type, mode, uid, gid, size, mtime_ns,
 *              ctime_ns, ino, nlink, sha256 BLOB, target BLOB)
 *      history(id, site_id, time, uid, login, action, message,
 *              n_added, n_removed, n_changed)
 *
 * Threads: a ronda_db is used by one thread at a time.
 * Ownership: ronda_db_open() returns a handle the caller frees with
 * ronda_db_close(); `sql` may be used directly with the sqlite3 API
 * (prepare/step/finalize) — ronda_db_check() maps a failed SQLite result
 * onto a ronda_err and a message.
 */
#ifndef RONDA_STATE_DB_H
#define RONDA_STATE_DB_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "core/buf.h"
#include "core/error.h"

#define RONDA_DB_FILE "ronda.db"
#define RONDA_DB_APPLICATION_ID 0x524f4e44  /* "ROND" */
#define RONDA_DB_BUSY_TIMEOUT_MS 15000      /* $RONDA_BUSY_TIMEOUT (ms) overrides */

struct ronda_migration {
	int version;         /* 1, 2, 3... contiguous */
	const char *what;    /* one line, for messages */
	const char *sql;     /* run inside the migration's transaction */
};
extern const struct ronda_migration ronda_migrations[];
extern const int ronda_db_latest;  /* highest version this ronda knows */

struct ronda_db {
	sqlite3 *sql;
	char *path;          /* DIR/ronda.db */
	int version;         /* schema version after opening */
	int migrated_from;   /* version found on disk (0: new database) */
};

/* Resolve the state directory (see above) into `out` (reset first).
 * `override` may be NULL.  Never fails except on an unusable $HOME. */
int ronda_state_dir(const char *override, struct ronda_buf *out,
		    struct ronda_buf *err);

/* Create `dir` (and missing parents) with mode 0700. */
int ronda_state_mkdir(const char *dir, struct ronda_buf *err);

#define RONDA_DB_CREATE   0x1u  /* create the directory and database if missing */
#define RONDA_DB_READONLY 0x2u  /* open read-only; no migration (ESCHEMA if old) */

/* Open DIR/ronda.db (after resolving nothing: pass the resolved dir). */
int ronda_db_open(const char *state_dir, unsigned flags, struct ronda_db **out,
		  struct ronda_buf *err);
/* Open a database file by path (tests, tools). */
int ronda_db_open_file(const char *path, unsigned flags, struct ronda_db **out,
		       struct ronda_buf *err);
/* As ronda_db_open_file() but migrate only up to `version` (tests build
 * old databases with it).  version <= ronda_db_latest. */
int ronda_db_open_file_at(const char *path, unsigned flags, int version,
			  struct ronda_db **out, struct ronda_buf *err);
void ronda_db_close(struct ronda_db *db);

/* Run SQL without results. */
int ronda_db_exec(struct ronda_db *db, const char *sql, struct ronda_buf *err);

/* Write transactions: BEGIN IMMEDIATE takes the write lock now (waiting
 * up to the busy timeout), so two writers never interleave. */
int ronda_db_begin(struct ronda_db *db, struct ronda_buf *err);
int ronda_db_commit(struct ronda_db *db, struct ronda_buf *err);
void ronda_db_rollback(struct ronda_db *db);

/* Map an SQLite result code of the last call on db onto a ronda_err,
 * writing "what: sqlite's message" into err (reset first).  SQLITE_OK,
 * SQLITE_ROW and SQLITE_DONE give RONDA_OK and leave err alone. */
int ronda_db_check(struct ronda_db *db, int rc, const char *what,
		   struct ronda_buf *err);

/* A prepared statement or RONDA_EDB with a message. */
int ronda_db_prepare(struct ronda_db *db, const char *sql, sqlite3_stmt **st,
		     struct ronda_buf *err);

/* ---- sites ----
 * A site is a named web root.  Names are [A-Za-z0-9._-], 1..64 bytes, not
 * starting with '-' or '.'; roots are absolute, canonical (realpath)
 * paths stored as bytes.  */
struct ronda_site {
	int64_t id;
	char *name;
	char *root;
	int64_t created;     /* unix seconds */
};
void ronda_site_release(struct ronda_site *s);

/* Default name from a root path: "/var/www/html" -> "var-www-html",
 * "/" -> "root"; bytes outside [A-Za-z0-9._] become '-', runs collapse. */
void ronda_site_default_name(const char *root, struct ronda_buf *out);
bool ronda_site_name_valid(const char *name);

/* Look a site up by name or by root path (canonicalised first).
 * RONDA_ENOTFOUND with "no site named 'x'; see 'ronda baseline --help'"
 * when unknown. */
int ronda_site_get(struct ronda_db *db, const char *name, struct ronda_site *out,
		   struct ronda_buf *err);
int ronda_site_by_root(struct ronda_db *db, const char *root,
		       struct ronda_site *out, struct ronda_buf *err);

/* What commands do with "[ROOT] [--site NAME]": find the site by name
 * (when given; then ROOT, if also given, must be its root) or by ROOT.
 * `name` may also be a path (contains '/'): then it is a root.
 * With create, an unknown site is added (name defaulting from the root);
 * creating a name that exists with another root is RONDA_EEXIST.
 * Needs a transaction of the caller's when create is true. */
int ronda_site_resolve(struct ronda_db *db, const char *root, const char *name,
		       bool create, struct ronda_site *out, struct ronda_buf *err);

/* All sites, ordered by name; free each with ronda_site_release and the
 * array with free(). */
int ronda_site_list(struct ronda_db *db, struct ronda_site **sites, size_t *n,
		    struct ronda_buf *err);

/* Canonical absolute form of a root directory (realpath). */
int ronda_root_canonical(const char *root, struct ronda_buf *out,
			 struct ronda_buf *err);

#endif
