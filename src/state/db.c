/*
 * db.c — opening ronda's state database: directory choice, WAL, busy
 * timeout, damage detection, and the append-only list of schema migrations.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/i18n.h"
#include "state/db.h"
#include "core/util.h"

/*
 * Append only.  Each entry moves the schema from version-1 to version.
 * Paths are BLOBs (any bytes); times are unix seconds or nanoseconds as
 * the column name says.
 */
const struct ronda_migration ronda_migrations[] = {
	{ 1, "sites",
	  "CREATE TABLE sites ("
	  " id INTEGER PRIMARY KEY,"
	  " name TEXT NOT NULL UNIQUE,"
	  " root BLOB NOT NULL UNIQUE,"
	  " created INTEGER NOT NULL);" },
	{ 2, "baselines, entries, history",
	  "CREATE TABLE baselines ("
	  " site_id INTEGER PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,"
	  " created INTEGER NOT NULL,"      /* unix seconds of the first baseline */
	  " updated INTEGER NOT NULL,"      /* unix seconds of the last update */
	  " started_ns INTEGER NOT NULL,"   /* wall clock when the walk began */
	  " dev INTEGER NOT NULL,"          /* st_dev of the root */
	  " n_entries INTEGER NOT NULL);"
	  "CREATE TABLE entries ("
	  " site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,"
	  " path BLOB NOT NULL,"            /* relative to the root, "" = root */
	  " type TEXT NOT NULL,"            /* f d l c b p s */
	  " mode INTEGER NOT NULL,"         /* permission bits incl. setuid etc. */
	  " uid INTEGER NOT NULL,"
	  " gid INTEGER NOT NULL,"
	  " size INTEGER NOT NULL,"
	  " mtime_ns INTEGER NOT NULL,"
	  " ctime_ns INTEGER NOT NULL,"
	  " ino INTEGER NOT NULL,"
	  " nlink INTEGER NOT NULL,"
	  " sha256 BLOB,"                   /* 32 bytes, regular files only */
	  " target BLOB,"                   /* symbolic links only */
	  " PRIMARY KEY (site_id, path)) WITHOUT ROWID;"
	  "CREATE TABLE history ("
	  " id INTEGER PRIMARY KEY,"
	  " site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,"
	  " time INTEGER NOT NULL,"
	  " uid INTEGER NOT NULL,"
	  " login TEXT NOT NULL,"
	  " action TEXT NOT NULL,"          /* baseline | update */
	  " message TEXT NOT NULL,"
	  " n_added INTEGER NOT NULL,"
	  " n_removed INTEGER NOT NULL,"
	  " n_changed INTEGER NOT NULL);"
	  "CREATE INDEX history_site ON history(site_id, time);" },
	/* 3: the vault (src/vault/vault.c): snapshots, their manifests, the
	 * objects they hold, and quarantined/replaced files. */
	{ 3, "vault snapshots, manifests, objects, quarantine",
	  "CREATE TABLE vault_snapshots ("
	  " id INTEGER PRIMARY KEY,"
	  " site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,"
	  " created_ns INTEGER NOT NULL,"   /* wall clock, unix nanoseconds */
	  " root BLOB NOT NULL,"
	  " n_files INTEGER NOT NULL,"
	  " n_bytes INTEGER NOT NULL,"
	  " n_new_objects INTEGER NOT NULL,"
	  " n_new_bytes INTEGER NOT NULL,"  /* bytes the vault grew by */
	  " encrypted INTEGER NOT NULL,"
	  " uid INTEGER NOT NULL,"
	  " login TEXT NOT NULL,"
	  " message TEXT NOT NULL);"
	  "CREATE INDEX vault_snapshots_site ON vault_snapshots(site_id, id);"
	  "CREATE TABLE vault_entries ("
	  " snapshot_id INTEGER NOT NULL REFERENCES vault_snapshots(id) ON DELETE CASCADE,"
	  " path BLOB NOT NULL,"            /* relative to the root */
	  " type TEXT NOT NULL,"            /* f d l */
	  " mode INTEGER NOT NULL,"
	  " uid INTEGER NOT NULL,"
	  " gid INTEGER NOT NULL,"
	  " size INTEGER NOT NULL,"
	  " mtime_ns INTEGER NOT NULL,"
	  " ctime_ns INTEGER NOT NULL,"
	  " ino INTEGER NOT NULL,"
	  " nlink INTEGER NOT NULL,"
	  " hash TEXT,"                     /* hex SHA-256 = object name; files */
	  " target BLOB,"                   /* symbolic links */
	  " PRIMARY KEY (snapshot_id, path)) WITHOUT ROWID;"
	  "CREATE INDEX vault_entries_hash ON vault_entries(hash);"
	  "CREATE TABLE vault_objects ("
	  " hash TEXT PRIMARY KEY,"
	  " size INTEGER NOT NULL,"         /* plain bytes */
	  " stored INTEGER NOT NULL,"       /* bytes on disk */
	  " created_ns INTEGER NOT NULL) WITHOUT ROWID;"
	  "CREATE TABLE vault_quarantine ("
	  " id INTEGER PRIMARY KEY,"
	  " site_id INTEGER REFERENCES sites(id) ON DELETE SET NULL,"
	  " root BLOB NOT NULL,"
	  " path BLOB NOT NULL,"
	  " type TEXT NOT NULL,"
	  " mode INTEGER NOT NULL,"
	  " uid INTEGER NOT NULL,"
	  " gid INTEGER NOT NULL,"
	  " size INTEGER NOT NULL,"
	  " mtime_ns INTEGER NOT NULL,"
	  " ctime_ns INTEGER NOT NULL,"
	  " ino INTEGER NOT NULL,"
	  " hash TEXT,"
	  " target BLOB,"
	  " rule TEXT NOT NULL,"            /* rule that caught it, or "" */
	  " reason TEXT NOT NULL,"          /* quarantine | restore | clean ... */
	  " state TEXT NOT NULL,"           /* pending | held | replaced | restored */
	  " created_ns INTEGER NOT NULL,"
	  " done_ns INTEGER NOT NULL);"
	  "CREATE INDEX vault_quarantine_hash ON vault_quarantine(hash);" },
	/* 4: the vault reads references with full scans; the index on
	 * vault_entries(hash) only doubled what every snapshot writes. */
	{ 4, "vault: drop the index on manifest hashes",
	  "DROP INDEX IF EXISTS vault_entries_hash;" },
	{ 0, NULL, NULL }
};
const int ronda_db_latest = (int)(ARRAY_SIZE(ronda_migrations) - 1);

int ronda_state_dir(const char *override, struct ronda_buf *out,
		    struct ronda_buf *err)
{
	const char *env = getenv("RONDA_STATE");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	ronda_buf_reset(out);
	if (override && *override)
		return ronda_buf_addstr(out, override);
	if (env && *env)
		return ronda_buf_addstr(out, env);
	if (geteuid() == 0)
		return ronda_buf_addstr(out, "/var/lib/ronda");
	if (xdg && xdg[0] == '/')
		return ronda_buf_addf(out, "%s/ronda", xdg);
	if (!home || home[0] != '/') {
		struct passwd *pw = getpwuid(geteuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || home[0] != '/') {
		ronda_buf_reset(err);
		ronda_buf_addstr(err, _("cannot find a state directory: HOME is not set; "
					"use --state DIR"));
		return RONDA_EINVAL;
	}
	return ronda_buf_addf(out, "%s/.local/share/ronda", home);
}

static int mkdir_p(char *path, mode_t mode)
{
	struct stat st;
	char *slash;

	if (!stat(path, &st))
		return S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (errno != ENOENT)
		return errno;
	slash = strrchr(path, '/');
	if (slash && slash != path) {
		int e;

		*slash = '\0';
		e = mkdir_p(path, mode);
		*slash = '/';
		if (e)
			return e;
	}
	if (mkdir(path, mode) && errno != EEXIST)
		return errno;
	return 0;
}

int ronda_state_mkdir(const char *dir, struct ronda_buf *err)
{
	char *p = xstrdup(dir);
	int e = mkdir_p(p, 0700);

	free(p);
	if (e) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("cannot create state directory '%s': %s"), dir,
			       strerror(e));
		return ronda_err_from_errno(e);
	}
	return RONDA_OK;
}

int ronda_db_check(struct ronda_db *db, int rc, const char *what,
		   struct ronda_buf *err)
{
	int prim = rc & 0xff;
	int ret;

	if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE)
		return RONDA_OK;
	switch (prim) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		ret = RONDA_ECORRUPT;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		ret = RONDA_EBUSY;
		break;
	case SQLITE_FULL:
		ret = RONDA_ENOSPC;
		break;
	case SQLITE_READONLY:
		ret = RONDA_EROFS;
		break;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		ret = RONDA_EPERM;
		break;
	case SQLITE_CANTOPEN:
		ret = RONDA_EPERM;
		break;
	case SQLITE_NOMEM:
		ret = RONDA_ENOMEM;
		break;
	case SQLITE_IOERR:
		ret = RONDA_EIO;
		break;
	default:
		ret = RONDA_EDB;
	}
	ronda_buf_reset(err);
	if (ret == RONDA_ECORRUPT)
		ronda_buf_addf(err, _("database '%s' is damaged (%s); restore it from a "
				      "backup or move it away and take a new baseline"),
			       db->path, db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
	else if (ret == RONDA_EBUSY)
		ronda_buf_addf(err, _("database '%s' is locked by another ronda process; "
				      "try again when it has finished"), db->path);
	else
		ronda_buf_addf(err, "%s '%s': %s", what, db->path,
			       db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
	return ret;
}

int ronda_db_exec(struct ronda_db *db, const char *sql, struct ronda_buf *err)
{
	int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);

	return ronda_db_check(db, rc, _("database error in"), err);
}

int ronda_db_prepare(struct ronda_db *db, const char *sql, sqlite3_stmt **st,
		     struct ronda_buf *err)
{
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, st, NULL);

	return ronda_db_check(db, rc, _("database error in"), err);
}

int ronda_db_begin(struct ronda_db *db, struct ronda_buf *err)
{
	return ronda_db_exec(db, "BEGIN IMMEDIATE", err);
}

int ronda_db_commit(struct ronda_db *db, struct ronda_buf *err)
{
	int ret = ronda_db_exec(db, "COMMIT", err);

	if (ret)
		ronda_db_rollback(db);
	return ret;
}

void ronda_db_rollback(struct ronda_db *db)
{
	if (!sqlite3_get_autocommit(db->sql))
		sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

static int get_int(struct ronda_db *db, const char *sql, int *out, struct ronda_buf *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, sql, -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*out = sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	return ronda_db_check(db, rc, _("cannot read"), err);
}

/*
 * Cheap damage checks SQLite itself only makes lazily: the magic string
 * and the page count in the header against the file size.  The size check
 * is skipped while a WAL holds pages not yet checkpointed.
 */
static int check_header(const char *path, struct ronda_buf *err)
{
	unsigned char h[100];
	struct stat st, wst;
	char wal[PATH_MAX];
	ssize_t n;
	int fd;
	uint32_t page_size, n_pages;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? RONDA_OK : RONDA_OK; /* sqlite reports it */
	if (fstat(fd, &st)) {
		close(fd);
		return RONDA_OK;
	}
	n = st.st_size ? pread(fd, h, sizeof(h), 0) : 0;
	close(fd);
	if (st.st_size == 0)
		return RONDA_OK;   /* a new, empty database */
	ronda_buf_reset(err);
	if (n < (ssize_t)sizeof(h) || memcmp(h, "SQLite format 3", 16)) {
		ronda_buf_addf(err, _("'%s' is not a ronda database or its header is "
				      "damaged; move it away or use another --state"), path);
		return RONDA_ECORRUPT;
	}
	page_size = (uint32_t)h[16] << 8 | h[17];
	if (page_size == 1)
		page_size = 65536;
	n_pages = (uint32_t)h[28] << 24 | (uint32_t)h[29] << 16 | (uint32_t)h[30] << 8 | h[31];
	/* the in-header size is valid only when the change counters agree */
	if (memcmp(h + 24, h + 92, 4) || page_size < 512 || (page_size & (page_size - 1)))
		return RONDA_OK;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	if (!stat(wal, &wst) && wst.st_size > 0)
		return RONDA_OK;
	if ((uint64_t)st.st_size < (uint64_t)n_pages * page_size) {
		ronda_buf_addf(err, _("database '%s' is truncated (%llu of %llu bytes); "
				      "restore it from a backup or move it away"), path,
			       (unsigned long long)st.st_size,
			       (unsigned long long)n_pages * page_size);
		return RONDA_ECORRUPT;
	}
	return RONDA_OK;
}

static int migrate(struct ronda_db *db, int target, struct ronda_buf *err)
{
	int ret;

	for (int v = db->version + 1; v <= target; v++) {
		const struct ronda_migration *m = &ronda_migrations[v - 1];
		char pragma[64];

		if (m->version != v) {
			ronda_buf_reset(err);
			ronda_buf_addf(err, "migration table out of order at %d", v);
			return RONDA_EINTERNAL;
		}
		if ((ret = ronda_db_begin(db, err)))
			return ret;
		/* another process may have migrated while we waited for the lock */
		if ((ret = get_int(db, "PRAGMA user_version", &db->version, err)))
			goto fail;
		if (db->version >= v)
			goto done;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v);
		if ((ret = ronda_db_exec(db, m->sql, err)) ||
		    (ret = ronda_db_exec(db, pragma, err)))
			goto fail;
		if (v == 1) {
			snprintf(pragma, sizeof(pragma), "PRAGMA application_id = %d",
				 RONDA_DB_APPLICATION_ID);
			if ((ret = ronda_db_exec(db, pragma, err)))
				goto fail;
		}
done:
		if ((ret = ronda_db_commit(db, err)))
			return ret;
		if ((ret = get_int(db, "PRAGMA user_version", &db->version, err)))
			return ret;
		continue;
fail:
		ronda_db_rollback(db);
		return ret;
	}
	return RONDA_OK;
}

/*
 * Switching a new database to WAL upgrades a read lock to a write lock;
 * when several processes create the database at once SQLite reports the
 * deadlock as SQLITE_BUSY at once instead of calling the busy handler, so
 * retry here, within the same time budget.
 */
static int set_wal(struct ronda_db *db, unsigned long long timeout_ms)
{
	uint64_t deadline = ronda_now_ns() + timeout_ms * 1000000ull;
	unsigned pause_us = 2000;
	int rc;

	for (;;) {
		sqlite3_stmt *st = NULL;

		rc = sqlite3_prepare_v2(db->sql, "PRAGMA journal_mode = WAL", -1, &st, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED)
			return rc;
		if (ronda_now_ns() >= deadline)
			return rc;
		usleep(pause_us + (unsigned)(ronda_now_ns() % pause_us));
		if (pause_us < 64000)
			pause_us *= 2;
	}
}

int ronda_db_open_file_at(const char *path, unsigned flags, int version,
			  struct ronda_db **out, struct ronda_buf *err)
{
	struct ronda_db *db = xcalloc(1, sizeof(*db));
	const char *bt = getenv("RONDA_BUSY_TIMEOUT");
	unsigned long long timeout = RONDA_DB_BUSY_TIMEOUT_MS;
	int oflags, rc, ret, appid = 0;
	struct stat st;

	*out = NULL;
	db->path = xstrdup(path);
	if (bt && *bt)
		ronda_parse_uint(bt, 0, 3600000, &timeout);
	if (!(flags & RONDA_DB_CREATE) && stat(path, &st)) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("no state database '%s': %s"), path, strerror(errno));
		ret = ronda_err_from_errno(errno);
		goto fail;
	}
	if ((ret = check_header(path, err)))
		goto fail;
	oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	oflags |= (flags & RONDA_DB_READONLY) ? SQLITE_OPEN_READONLY
					       : SQLITE_OPEN_READWRITE;
	if (flags & RONDA_DB_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &db->sql, oflags, NULL);
	if (rc != SQLITE_OK) {
		ret = ronda_db_check(db, rc, _("cannot open database"), err);
		goto fail;
	}
	sqlite3_extended_result_codes(db->sql, 1);
	sqlite3_busy_timeout(db->sql, (int)timeout);
	if ((ret = get_int(db, "PRAGMA user_version", &db->version, err)) ||
	    (ret = get_int(db, "PRAGMA application_id", &appid, err)))
		goto fail;
	if (db->version > 0 && appid != RONDA_DB_APPLICATION_ID) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("'%s' is an SQLite database but not ronda's; "
				      "move it away or use another --state"), path);
		ret = RONDA_ECORRUPT;
		goto fail;
	}
	if (db->version > ronda_db_latest) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("database '%s' has schema version %d but this ronda "
				      "knows only up to %d; upgrade ronda"),
			       path, db->version, ronda_db_latest);
		ret = RONDA_ESCHEMA;
		goto fail;
	}
	db->migrated_from = db->version;
	if (!(flags & RONDA_DB_READONLY)) {
		/* WAL needs a write; the readonly path relies on what is there */
		rc = set_wal(db, timeout);
		if ((ret = ronda_db_check(db, rc, _("cannot set up database"), err)))
			goto fail;
		if ((ret = ronda_db_exec(db, "PRAGMA synchronous = NORMAL;"
					     "PRAGMA foreign_keys = ON", err)))
			goto fail;
		if ((ret = migrate(db, version, err)))
			goto fail;
	} else if (db->version < version) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("database '%s' needs an upgrade (schema %d to %d); "
				      "run a command that writes (e.g. 'ronda baseline') first"),
			       path, db->version, version);
		ret = RONDA_ESCHEMA;
		goto fail;
	}
	if (!(flags & RONDA_DB_READONLY))
		ronda_db_exec(db, "PRAGMA foreign_keys = ON", err);
	*out = db;
	return RONDA_OK;
fail:
	ronda_db_close(db);
	return ret;
}

int ronda_db_open_file(const char *path, unsigned flags, struct ronda_db **out,
		       struct ronda_buf *err)
{
	return ronda_db_open_file_at(path, flags, ronda_db_latest, out, err);
}

int ronda_db_open(const char *state_dir, unsigned flags, struct ronda_db **out,
		  struct ronda_buf *err)
{
	struct ronda_buf path = RONDA_BUF_INIT(PATH_MAX);
	struct stat st;
	int ret;

	*out = NULL;
	if (flags & RONDA_DB_CREATE) {
		if ((ret = ronda_state_mkdir(state_dir, err)))
			return ret;
	} else if (stat(state_dir, &st)) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("no state directory '%s': %s; take a baseline first "
				      "('ronda baseline ROOT')"), state_dir, strerror(errno));
		return ronda_err_from_errno(errno);
	}
	if (ronda_buf_addf(&path, "%s/%s", state_dir, RONDA_DB_FILE)) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("state directory path too long"));
		return RONDA_ETOOBIG;
	}
	if (!(flags & RONDA_DB_CREATE) && stat(path.buf, &st)) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("no state database in '%s'; take a baseline first "
				      "('ronda baseline ROOT')"), state_dir);
		ronda_buf_release(&path);
		return RONDA_ENOENT;
	}
	ret = ronda_db_open_file(path.buf, flags, out, err);
	ronda_buf_release(&path);
	return ret;
}

void ronda_db_close(struct ronda_db *db)
{
	if (!db)
		return;
	if (db->sql)
		sqlite3_close_v2(db->sql);
	free(db->path);
	free(db);
}
