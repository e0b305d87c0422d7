/*
 * vault.c — opening the vault, walking roots, snapshots, gc, prune, verify.
 *
 * The contract is in vault.h.  A snapshot is one database transaction: the
 * objects it needs are stored (and fsync'd) while the manifest rows are
 * inserted, and the commit makes the snapshot exist; a crash before the
 * commit leaves only unreferenced objects.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/i18n.h"
#include "core/util.h"
#include "vault/fsops.h"
#include "vault/internal.h"

int64_t ronda_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t vault_ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

void vault_login(char *out, size_t size)
{
	struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");

	if (sudo && *sudo && getuid() == 0)
		snprintf(out, size, "%s", sudo);
	else
		snprintf(out, size, "%s", pw ? pw->pw_name : "?");
}

int ronda_vault_open(struct ronda_db *db, const char *state_dir,
		     const char *key_file, struct ronda_vault *v,
		     struct ronda_buf *err)
{
	struct ronda_buf dir = RONDA_BUF_INIT(8192);
	unsigned char key[RONDA_KEY_BYTES];
	int rc;

	memset(v, 0, sizeof(*v));
	v->db = db;
	ronda_buf_addf(&dir, "%s/vault", state_dir);
	if (stat(state_dir, &v->state_st) < 0)
		memset(&v->state_st, 0, sizeof(v->state_st));
	if ((rc = ronda_store_open(dir.buf, &v->store))) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("cannot open vault '%s': %s"), dir.buf, ronda_strerror(rc));
		goto out;
	}
	if ((rc = ronda_store_lock(v->store))) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("vault '%s' is in use by another ronda; try again later"),
			       dir.buf);
		goto out;
	}
	if (key_file) {
		if ((rc = ronda_key_load(key_file, key))) {
			ronda_buf_reset(err);
			if (rc == RONDA_EPERM)
				ronda_buf_addf(err, _("key file '%s' must be readable by its owner "
						      "only (chmod 600)"), key_file);
			else if (rc == RONDA_EPARSE)
				ronda_buf_addf(err, _("'%s' is not a ronda key file; make one "
						      "with 'ronda vault keygen'"), key_file);
			else
				ronda_buf_addf(err, _("cannot read key file '%s': %s"),
					       key_file, ronda_strerror(rc));
			goto out;
		}
		rc = ronda_store_set_key(v->store, key);
		sodium_memzero(key, sizeof(key));
		if (rc) {
			ronda_buf_reset(err);
			ronda_buf_addf(err, rc == RONDA_ECRYPTO
				       ? _("key file '%s' is not the key of this vault")
				       : _("cannot use key file '%s': %s"), key_file, ronda_strerror(rc));
		}
	}
	if (!rc) {
		uint64_t n = 0;

		/* a crash inside a batch: drop objects that did not reach the disk */
		if ((rc = ronda_store_recover(v->store, &n))) {
			ronda_buf_reset(err);
			ronda_buf_addf(err, _("cannot check the vault after an interrupted write: %s"),
				       ronda_strerror(rc));
		}
	}
out:
	if (rc) {
		ronda_store_free(v->store);
		v->store = NULL;
	}
	ronda_buf_release(&dir);
	return rc;
}

void ronda_vault_close(struct ronda_vault *v)
{
	ronda_store_free(v->store);
	v->store = NULL;
}

void ronda_entry_release(struct ronda_entry *e)
{
	free(e->path);
	free(e->target);
	memset(e, 0, sizeof(*e));
}

void ronda_snapshot_info_release(struct ronda_snapshot_info *s)
{
	free(s->site);
	free(s->root);
	free(s->message);
	memset(s, 0, sizeof(*s));
}

void vault_entry_from_stat(struct ronda_entry *e, const char *relpath,
			   const struct stat *st)
{
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(relpath);
	e->type = S_ISREG(st->st_mode) ? 'f' : S_ISDIR(st->st_mode) ? 'd' :
		  S_ISLNK(st->st_mode) ? 'l' : 0;
	e->mode = st->st_mode & 07777;
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	e->size = (uint64_t)st->st_size;
	e->mtime_ns = vault_ts_ns(&st->st_mtim);
	e->ctime_ns = vault_ts_ns(&st->st_ctim);
	e->ino = st->st_ino;
	e->nlink = st->st_nlink;
}

int vault_bind_path(sqlite3_stmt *st, int col, const char *path)
{
	return sqlite3_bind_blob(st, col, path, (int)strlen(path), SQLITE_TRANSIENT);
}

char *vault_column_str(sqlite3_stmt *st, int col)
{
	const void *p = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NULL;
	return xstrndup(p ? p : "", (size_t)n);
}

int vault_readlink(int dirfd, const char *name, char **out)
{
	char *buf = xmalloc(VAULT_MAX_LINK + 1);
	ssize_t n = readlinkat(dirfd, name, buf, VAULT_MAX_LINK + 1);

	if (n < 0 || n > VAULT_MAX_LINK) {
		int e = n < 0 ? ronda_err_from_errno(errno) : RONDA_ETOOBIG;
		free(buf);
		return e;
	}
	buf[n] = '\0';
	*out = buf;
	return RONDA_OK;
}

/* ---- walking ---- */

struct walk {
	struct ronda_vault *v;
	dev_t dev;
	vault_walk_fn fn;
	ronda_vault_error_fn on_error;
	void *arg;
	struct ronda_buf path;
};

static int walk_dir(struct walk *w, int dfd, unsigned depth)
{
	DIR *d;
	struct dirent *de;
	int rc = RONDA_OK;
	size_t base = w->path.len;

	if (depth > VAULT_MAX_DEPTH) {
		if (w->on_error)
			w->on_error(w->path.buf, RONDA_ETOOBIG, w->arg);
		close(dfd);
		return RONDA_OK;
	}
	if (!(d = fdopendir(dfd))) {
		close(dfd);
		return ronda_err_from_errno(errno);
	}
	while ((de = readdir(d))) {
		struct stat st;
		const char *n = de->d_name;

		if (!strcmp(n, ".") || !strcmp(n, ".."))
			continue;
		ronda_buf_setlen(&w->path, base);
		if ((base && ronda_buf_addch(&w->path, '/')) || ronda_buf_addstr(&w->path, n)) {
			if (w->on_error)
				w->on_error(n, RONDA_ETOOBIG, w->arg);
			continue;
		}
		if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && w->on_error)
				w->on_error(w->path.buf, ronda_err_from_errno(errno), w->arg);
			continue;
		}
		if (st.st_dev == w->v->state_st.st_dev && st.st_ino == w->v->state_st.st_ino)
			continue;
		if (st.st_dev != w->dev)
			continue;
		if ((rc = w->fn(w->path.buf, dirfd(d), n, &st, w->arg)))
			break;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0) {
				if (w->on_error)
					w->on_error(w->path.buf, ronda_err_from_errno(errno), w->arg);
				continue;
			}
			if ((rc = walk_dir(w, sub, depth + 1)) == RONDA_OK)
				continue;
			if (rc > 0 && rc != RONDA_EPERM && rc != RONDA_ENOENT)
				break;
			if (w->on_error)
				w->on_error(w->path.buf, rc, w->arg);
			rc = RONDA_OK;
		}
	}
	ronda_buf_setlen(&w->path, base);
	closedir(d);
	return rc;
}

int vault_walk(struct ronda_vault *v, int rootfd, const char *below,
	       vault_walk_fn fn, ronda_vault_error_fn on_error, void *arg)
{
	struct walk w = { v, 0, fn, on_error, arg, RONDA_BUF_INIT(VAULT_MAX_PATH) };
	struct stat st;
	int dfd, rc;

	if (fstat(rootfd, &st) < 0)
		return ronda_err_from_errno(errno);
	w.dev = st.st_dev;
	if (below && *below) {
		if ((rc = ronda_fs_open_beneath(rootfd, below, O_RDONLY | O_DIRECTORY, 0, &dfd)))
			return rc;
		ronda_buf_addstr(&w.path, below);
	} else {
		dfd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			return ronda_err_from_errno(errno);
	}
	rc = walk_dir(&w, dfd, 0);
	ronda_buf_release(&w.path);
	return rc;
}

/* ---- snapshots ---- */

struct snap {
	struct ronda_vault *v;
	struct ronda_snapshot_info *info;
	sqlite3_stmt *prev, *ins, *obj;
	int64_t prev_id, prev_ns;
	ronda_vault_error_fn on_error;
	void *arg;
	struct ronda_buf *err;
};

#define RACY_NS ((int64_t)50 * 1000000)

static bool reuse_prev(struct snap *s, const struct ronda_entry *e, char *hash)
{
	sqlite3_stmt *q = s->prev;
	bool ok = false;

	/* an entry changed around the previous snapshot's start may have
	 * changed again within the timestamp granularity: read it again */
	if (!q || e->ctime_ns >= s->prev_ns - RACY_NS || e->mtime_ns >= s->prev_ns - RACY_NS)
		return false;
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, s->prev_id);
	vault_bind_path(q, 2, e->path);
	if (sqlite3_step(q) == SQLITE_ROW &&
	    (uint64_t)sqlite3_column_int64(q, 0) == e->size &&
	    sqlite3_column_int64(q, 1) == e->mtime_ns &&
	    sqlite3_column_int64(q, 2) == e->ctime_ns &&
	    (uint64_t)sqlite3_column_int64(q, 3) == e->ino &&
	    sqlite3_column_type(q, 4) == SQLITE_TEXT) {
		const char *h = (const char *)sqlite3_column_text(q, 4);

		if (h && !ronda_hash_check(h) && ronda_store_has(s->v->store, h)) {
			memcpy(hash, h, RONDA_HASH_HEX);
			ok = true;
		}
	}
	sqlite3_reset(q);
	return ok;
}

/* One entry of the walk, filled in by the workers when it needs storing. */
struct snap_item {
	struct ronda_entry e;
	bool store;                 /* content must be read and stored */
	bool reused;
	int rc;                     /* per-entry error */
	bool changed;               /* changed while being read */
	uint64_t new_bytes;
};

struct snap_pool {
	struct snap *s;
	int rootfd;
	struct snap_item *items;
	size_t *todo, n_todo;
	size_t next;                /* atomic */
	volatile int stop;          /* the vault failed: no point going on */
};

static bool vault_fatal(int rc)
{
	return rc == RONDA_ENOSPC || rc == RONDA_EROFS || rc == RONDA_EIO ||
	       rc == RONDA_ENOMEM || rc == RONDA_EINTERNAL || rc == RONDA_EDB;
}

/* Worker: read and store one file (opened beneath the root again). */
static void store_item(struct snap_pool *p, struct snap_item *it)
{
	struct stat a, b;
	uint64_t size = 0;
	char hash[RONDA_HASH_HEX];
	char *path;
	int fd, rc;

	rc = ronda_fs_open_beneath(p->rootfd, it->e.path, O_RDONLY | O_NONBLOCK, 0, &fd);
	if (rc) {
		it->rc = rc;
		return;
	}
	if (fstat(fd, &a) < 0 || !S_ISREG(a.st_mode)) {
		close(fd);
		it->rc = RONDA_ECHANGED;
		return;
	}
	rc = ronda_store_put_fd(p->s->v->store, fd, hash, &size, &it->new_bytes);
	if (!rc && fstat(fd, &b) == 0 &&
	    (b.st_size != a.st_size || vault_ts_ns(&b.st_mtim) != vault_ts_ns(&a.st_mtim) ||
	     size != (uint64_t)a.st_size))
		it->changed = true;
	close(fd);
	it->rc = rc;
	if (rc) {
		if (vault_fatal(rc))
			p->stop = 1;
		return;
	}
	/* the manifest describes what was stored */
	path = it->e.path;
	it->e.path = NULL;
	ronda_entry_release(&it->e);
	vault_entry_from_stat(&it->e, path, &a);
	free(path);
	memcpy(it->e.hash, hash, sizeof(hash));
	it->e.size = size;
}

static void *store_worker(void *arg)
{
	struct snap_pool *p = arg;

	for (;;) {
		size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);

		if (i >= p->n_todo || p->stop)
			break;
		store_item(p, &p->items[p->todo[i]]);
	}
	return NULL;
}

struct collect {
	struct snap *s;
	struct snap_item *items;
	size_t n, alloc;
};

static int snap_collect(const char *relpath, int dirfd, const char *name,
			const struct stat *st, void *arg)
{
	struct collect *c = arg;
	struct snap_item *it;

	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode))
		return RONDA_OK;   /* sockets, fifos, devices are not web content */
	c->items = xgrow(c->items, &c->alloc, c->n + 1, sizeof(*c->items));
	it = &c->items[c->n++];
	memset(it, 0, sizeof(*it));
	vault_entry_from_stat(&it->e, relpath, st);
	if (it->e.type == 'l') {
		it->rc = vault_readlink(dirfd, name, &it->e.target);
	} else if (it->e.type == 'f') {
		if (reuse_prev(c->s, &it->e, it->e.hash))
			it->reused = true;
		else
			it->store = true;
	}
	return RONDA_OK;
}

static int snap_insert(struct snap *s, struct snap_item *it)
{
	struct ronda_entry *e = &it->e;
	sqlite3_stmt *q = s->ins;
	int sr, rc;

	if (e->type == 'f' && it->new_bytes) {
		s->info->n_new_objects++;
		s->info->n_new_bytes += it->new_bytes;
		sqlite3_reset(s->obj);
		sqlite3_bind_text(s->obj, 1, e->hash, 64, SQLITE_STATIC);
		sqlite3_bind_int64(s->obj, 2, (int64_t)e->size);
		sqlite3_bind_int64(s->obj, 3, (int64_t)it->new_bytes);
		sqlite3_bind_int64(s->obj, 4, ronda_wall_ns());
		sqlite3_step(s->obj);
		sqlite3_reset(s->obj);
	}
	if (e->type == 'f') {
		s->info->n_files++;
		s->info->n_bytes += e->size;
		if (it->reused)
			s->info->n_reused++;
	}
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, s->info->id);
	vault_bind_path(q, 2, e->path);
	sqlite3_bind_text(q, 3, &e->type, 1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 4, e->mode);
	sqlite3_bind_int64(q, 5, e->uid);
	sqlite3_bind_int64(q, 6, e->gid);
	sqlite3_bind_int64(q, 7, (int64_t)e->size);
	sqlite3_bind_int64(q, 8, e->mtime_ns);
	sqlite3_bind_int64(q, 9, e->ctime_ns);
	sqlite3_bind_int64(q, 10, (int64_t)e->ino);
	sqlite3_bind_int64(q, 11, (int64_t)e->nlink);
	if (e->type == 'f')
		sqlite3_bind_text(q, 12, e->hash, 64, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, 12);
	if (e->target)
		vault_bind_path(q, 13, e->target);
	else
		sqlite3_bind_null(q, 13);
	sr = sqlite3_step(q);
	rc = ronda_db_check(s->v->db, sr, _("cannot record snapshot entry"), s->err);
	sqlite3_reset(q);
	return rc;
}

/* Walk, store what is new with a few threads, then record every entry. */
static int snap_run(struct snap *s, int rootfd, const char *root)
{
	struct collect c = { s, NULL, 0, 0 };
	struct snap_pool p;
	pthread_t tids[8];
	size_t n_threads = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int rc;

	memset(&p, 0, sizeof(p));
	if ((rc = vault_walk(s->v, rootfd, NULL, snap_collect, s->on_error, &c)))
		goto out;
	p.s = s;
	p.rootfd = rootfd;
	p.items = c.items;
	p.todo = xcalloc(c.n ? c.n : 1, sizeof(*p.todo));
	for (size_t i = 0; i < c.n; i++)
		if (c.items[i].store && !c.items[i].rc)
			p.todo[p.n_todo++] = i;
	if ((rc = ronda_store_batch_begin(s->v->store)))
		goto out;
	cpus = cpus < 1 ? 1 : cpus > 8 ? 8 : cpus;
	for (long i = 1; i < cpus && p.n_todo > 16; i++)
		if (pthread_create(&tids[n_threads], NULL, store_worker, &p) == 0)
			n_threads++;
	store_worker(&p);
	for (size_t i = 0; i < n_threads; i++)
		pthread_join(tids[i], NULL);
	for (size_t i = 0; i < c.n; i++) {
		struct snap_item *it = &c.items[i];

		if (it->rc && vault_fatal(it->rc)) {
			rc = it->rc;
			ronda_buf_reset(s->err);
			ronda_buf_addf(s->err, _("cannot store '%s' in the vault: %s"), it->e.path,
				       ronda_strerror(rc));
			goto out;
		}
	}
	/* every object is on disk before the manifest that needs it commits */
	if ((rc = ronda_store_batch_end(s->v->store))) {
		ronda_buf_reset(s->err);
		ronda_buf_addf(s->err, _("cannot write the vault: %s"), ronda_strerror(rc));
		goto out;
	}
	for (size_t i = 0; i < c.n; i++) {
		struct snap_item *it = &c.items[i];

		if (it->rc || (it->store && !*it->e.hash)) {
			if (s->on_error)
				s->on_error(it->e.path, it->rc ? it->rc : RONDA_ECHANGED, s->arg);
			s->info->n_errors++;
			continue;
		}
		if (it->changed && s->on_error)
			s->on_error(it->e.path, RONDA_ECHANGED, s->arg);
		if ((rc = snap_insert(s, it)))
			goto out;
		ronda_fs_debug_pause("snapshot-entry");
	}
out:
	(void)root;
	for (size_t i = 0; i < c.n; i++)
		ronda_entry_release(&c.items[i].e);
	free(c.items);
	free(p.todo);
	return rc;
}

int ronda_snapshot_create(struct ronda_vault *v, const struct ronda_site *site,
			  const char *message, ronda_vault_error_fn on_error,
			  void *arg, struct ronda_snapshot_info *out,
			  struct ronda_buf *err)
{
	struct snap s = { v, out, NULL, NULL, NULL, 0, 0, on_error, arg, err };
	sqlite3_stmt *q = NULL;
	char login[64];
	int rootfd = -1, rc, sr;

	memset(out, 0, sizeof(*out));
	out->site_id = site->id;
	out->site = xstrdup(site->name);
	out->root = xstrdup(site->root);
	out->message = xstrdup(message ? message : "");
	out->encrypted = ronda_store_encrypted(v->store);
	out->created_ns = ronda_wall_ns();
	if ((rc = ronda_fs_open_root(site->root, &rootfd))) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("cannot open '%s': %s"), site->root, ronda_strerror(rc));
		return rc;
	}
	/* a manifest touches many pages: keep them in memory until the commit */
	ronda_db_exec(v->db, "PRAGMA cache_size = -131072", err);
	ronda_buf_reset(err);
	if ((rc = ronda_db_begin(v->db, err)))
		goto out;
	if ((rc = ronda_db_prepare(v->db, "SELECT id, created_ns FROM vault_snapshots"
				   " WHERE site_id = ?1 ORDER BY id DESC LIMIT 1", &q, err)))
		goto fail;
	sqlite3_bind_int64(q, 1, site->id);
	if (sqlite3_step(q) == SQLITE_ROW) {
		s.prev_id = sqlite3_column_int64(q, 0);
		s.prev_ns = sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
	q = NULL;
	vault_login(login, sizeof(login));
	if ((rc = ronda_db_prepare(v->db,
			"INSERT INTO vault_snapshots (site_id, created_ns, root, n_files, n_bytes,"
			" n_new_objects, n_new_bytes, encrypted, uid, login, message)"
			" VALUES (?1, ?2, ?3, 0, 0, 0, 0, ?4, ?5, ?6, ?7)", &q, err)))
		goto fail;
	sqlite3_bind_int64(q, 1, site->id);
	sqlite3_bind_int64(q, 2, out->created_ns);
	vault_bind_path(q, 3, site->root);
	sqlite3_bind_int(q, 4, out->encrypted);
	sqlite3_bind_int64(q, 5, getuid());
	sqlite3_bind_text(q, 6, login, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 7, out->message, -1, SQLITE_TRANSIENT);
	sr = sqlite3_step(q);
	if ((rc = ronda_db_check(v->db, sr, _("cannot record snapshot"), err)))
		goto fail;
	out->id = sqlite3_last_insert_rowid(v->db->sql);
	sqlite3_finalize(q);
	q = NULL;
	if (s.prev_id && (rc = ronda_db_prepare(v->db,
			"SELECT size, mtime_ns, ctime_ns, ino, hash FROM vault_entries"
			" WHERE snapshot_id = ?1 AND path = ?2 AND type = 'f'", &s.prev, err)))
		goto fail;
	if ((rc = ronda_db_prepare(v->db,
			"INSERT INTO vault_entries (snapshot_id, path, type, mode, uid, gid, size,"
			" mtime_ns, ctime_ns, ino, nlink, hash, target)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
			&s.ins, err)) ||
	    (rc = ronda_db_prepare(v->db,
			"INSERT OR IGNORE INTO vault_objects (hash, size, stored, created_ns)"
			" VALUES (?1, ?2, ?3, ?4)", &s.obj, err)))
		goto fail;
	rc = snap_run(&s, rootfd, site->root);
	if (rc) {
		if (!err->len)
			ronda_buf_addf(err, _("cannot snapshot '%s': %s"), site->root,
				       ronda_strerror(rc));
		goto fail;
	}
	if ((rc = ronda_db_prepare(v->db,
			"UPDATE vault_snapshots SET n_files = ?2, n_bytes = ?3, n_new_objects = ?4,"
			" n_new_bytes = ?5 WHERE id = ?1", &q, err)))
		goto fail;
	sqlite3_bind_int64(q, 1, out->id);
	sqlite3_bind_int64(q, 2, (int64_t)out->n_files);
	sqlite3_bind_int64(q, 3, (int64_t)out->n_bytes);
	sqlite3_bind_int64(q, 4, (int64_t)out->n_new_objects);
	sqlite3_bind_int64(q, 5, (int64_t)out->n_new_bytes);
	sr = sqlite3_step(q);
	if ((rc = ronda_db_check(v->db, sr, _("cannot record snapshot"), err)))
		goto fail;
	sqlite3_finalize(q);
	q = NULL;
	sqlite3_finalize(s.prev);
	sqlite3_finalize(s.ins);
	sqlite3_finalize(s.obj);
	s.prev = s.ins = s.obj = NULL;
	ronda_fs_debug_pause("snapshot-commit");
	rc = ronda_db_commit(v->db, err);
	goto out;
fail:
	sqlite3_finalize(q);
	sqlite3_finalize(s.prev);
	sqlite3_finalize(s.ins);
	sqlite3_finalize(s.obj);
	ronda_db_rollback(v->db);
out:
	close(rootfd);
	return rc;
}

int ronda_snapshot_list(struct ronda_vault *v, int64_t site_id,
			struct ronda_snapshot_info **list, size_t *n,
			struct ronda_buf *err)
{
	sqlite3_stmt *q;
	size_t alloc = 0;
	int rc, sr;

	*list = NULL;
	*n = 0;
	if ((rc = ronda_db_prepare(v->db,
			"SELECT s.id, s.site_id, s.created_ns, t.name, s.root, s.n_files, s.n_bytes,"
			" s.n_new_objects, s.n_new_bytes, s.encrypted, s.message"
			" FROM vault_snapshots s JOIN sites t ON t.id = s.site_id"
			" WHERE ?1 = 0 OR s.site_id = ?1 ORDER BY s.id", &q, err)))
		return rc;
	sqlite3_bind_int64(q, 1, site_id);
	while ((sr = sqlite3_step(q)) == SQLITE_ROW) {
		struct ronda_snapshot_info *s;

		*list = xgrow(*list, &alloc, *n + 1, sizeof(**list));
		s = &(*list)[(*n)++];
		memset(s, 0, sizeof(*s));
		s->id = sqlite3_column_int64(q, 0);
		s->site_id = sqlite3_column_int64(q, 1);
		s->created_ns = sqlite3_column_int64(q, 2);
		s->site = vault_column_str(q, 3);
		s->root = vault_column_str(q, 4);
		s->n_files = (uint64_t)sqlite3_column_int64(q, 5);
		s->n_bytes = (uint64_t)sqlite3_column_int64(q, 6);
		s->n_new_objects = (uint64_t)sqlite3_column_int64(q, 7);
		s->n_new_bytes = (uint64_t)sqlite3_column_int64(q, 8);
		s->encrypted = sqlite3_column_int(q, 9);
		s->message = vault_column_str(q, 10);
	}
	rc = ronda_db_check(v->db, sr, _("cannot list snapshots"), err);
	sqlite3_finalize(q);
	return rc;
}

int ronda_snapshot_find(struct ronda_vault *v, int64_t site_id,
			const char *spec, int64_t *id, struct ronda_buf *err)
{
	sqlite3_stmt *q;
	unsigned long long num = 0, back = 0;
	int rc, sr;

	if (spec && strcmp(spec, "latest")) {
		if (spec[0] == '-' ? ronda_parse_uint(spec + 1, 0, 1000000, &back)
				   : ronda_parse_uint(spec, 1, INT64_MAX, &num)) {
			ronda_buf_reset(err);
			ronda_buf_addf(err, _("invalid snapshot '%s': give an id from 'ronda "
					      "snapshots', 'latest' or -N"), spec);
			return RONDA_EINVAL;
		}
	}
	if (num)
		rc = ronda_db_prepare(v->db, "SELECT id FROM vault_snapshots WHERE site_id = ?1"
				      " AND id = ?2", &q, err);
	else
		rc = ronda_db_prepare(v->db, "SELECT id FROM vault_snapshots WHERE site_id = ?1"
				      " ORDER BY id DESC LIMIT 1 OFFSET ?2", &q, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, site_id);
	sqlite3_bind_int64(q, 2, num ? (int64_t)num : (int64_t)back);
	sr = sqlite3_step(q);
	if (sr == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
		rc = RONDA_OK;
	} else if ((rc = ronda_db_check(v->db, sr, _("cannot find snapshot"), err)) == RONDA_OK) {
		ronda_buf_reset(err);
		if (spec && strcmp(spec, "latest"))
			ronda_buf_addf(err, _("no snapshot '%s' for this site; see 'ronda snapshots'"),
				       spec);
		else
			ronda_buf_addstr(err, _("this site has no snapshot yet; make one with "
						"'ronda snapshot ROOT'"));
		rc = RONDA_ENOTFOUND;
	}
	sqlite3_finalize(q);
	return rc;
}

int ronda_snapshot_entries(struct ronda_vault *v, int64_t snapshot_id,
			   struct ronda_entry **entries, size_t *n,
			   struct ronda_buf *err)
{
	sqlite3_stmt *q;
	size_t alloc = 0;
	int rc, sr;

	*entries = NULL;
	*n = 0;
	if ((rc = ronda_db_prepare(v->db,
			"SELECT path, type, mode, uid, gid, size, mtime_ns, ctime_ns, ino, nlink,"
			" hash, target FROM vault_entries WHERE snapshot_id = ?1 ORDER BY path",
			&q, err)))
		return rc;
	sqlite3_bind_int64(q, 1, snapshot_id);
	while ((sr = sqlite3_step(q)) == SQLITE_ROW) {
		struct ronda_entry *e;
		const unsigned char *t, *h;

		*entries = xgrow(*entries, &alloc, *n + 1, sizeof(**entries));
		e = &(*entries)[(*n)++];
		memset(e, 0, sizeof(*e));
		e->path = vault_column_str(q, 0);
		t = sqlite3_column_text(q, 1);
		e->type = t ? (char)t[0] : 0;
		e->mode = (uint32_t)sqlite3_column_int64(q, 2);
		e->uid = (uint32_t)sqlite3_column_int64(q, 3);
		e->gid = (uint32_t)sqlite3_column_int64(q, 4);
		e->size = (uint64_t)sqlite3_column_int64(q, 5);
		e->mtime_ns = sqlite3_column_int64(q, 6);
		e->ctime_ns = sqlite3_column_int64(q, 7);
		e->ino = (uint64_t)sqlite3_column_int64(q, 8);
		e->nlink = (uint64_t)sqlite3_column_int64(q, 9);
		h = sqlite3_column_text(q, 10);
		if (h && !ronda_hash_check((const char *)h))
			memcpy(e->hash, h, RONDA_HASH_HEX);
		e->target = vault_column_str(q, 11);
	}
	rc = ronda_db_check(v->db, sr, _("cannot read snapshot"), err);
	sqlite3_finalize(q);
	return rc;
}

int ronda_snapshot_entry(struct ronda_vault *v, int64_t snapshot_id,
			 const char *path, struct ronda_entry *out,
			 struct ronda_buf *err)
{
	sqlite3_stmt *q;
	int rc, sr;

	memset(out, 0, sizeof(*out));
	if ((rc = ronda_db_prepare(v->db,
			"SELECT path, type, mode, uid, gid, size, mtime_ns, ctime_ns, ino, nlink,"
			" hash, target FROM vault_entries WHERE snapshot_id = ?1 AND path = ?2",
			&q, err)))
		return rc;
	sqlite3_bind_int64(q, 1, snapshot_id);
	vault_bind_path(q, 2, path);
	sr = sqlite3_step(q);
	if (sr == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(q, 1), *h;

		out->path = vault_column_str(q, 0);
		out->type = t ? (char)t[0] : 0;
		out->mode = (uint32_t)sqlite3_column_int64(q, 2);
		out->uid = (uint32_t)sqlite3_column_int64(q, 3);
		out->gid = (uint32_t)sqlite3_column_int64(q, 4);
		out->size = (uint64_t)sqlite3_column_int64(q, 5);
		out->mtime_ns = sqlite3_column_int64(q, 6);
		out->ctime_ns = sqlite3_column_int64(q, 7);
		out->ino = (uint64_t)sqlite3_column_int64(q, 8);
		out->nlink = (uint64_t)sqlite3_column_int64(q, 9);
		h = sqlite3_column_text(q, 10);
		if (h && !ronda_hash_check((const char *)h))
			memcpy(out->hash, h, RONDA_HASH_HEX);
		out->target = vault_column_str(q, 11);
		rc = RONDA_OK;
	} else if (!(rc = ronda_db_check(v->db, sr, _("cannot read snapshot"), err))) {
		rc = RONDA_ENOTFOUND;
	}
	sqlite3_finalize(q);
	return rc;
}

/* ---- gc, prune, verify ---- */

struct hashset {
	char (*h)[RONDA_HASH_HEX];
	size_t n, alloc;
};

static int cmp_hash(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int load_referenced(struct ronda_vault *v, struct hashset *hs, struct ronda_buf *err)
{
	sqlite3_stmt *q;
	int rc, sr;

	memset(hs, 0, sizeof(*hs));
	if ((rc = ronda_db_prepare(v->db,
			"SELECT hash FROM vault_entries WHERE hash IS NOT NULL"
			" UNION SELECT hash FROM vault_quarantine WHERE hash IS NOT NULL", &q, err)))
		return rc;
	while ((sr = sqlite3_step(q)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(q, 0);

		if (!h || ronda_hash_check(h))
			continue;
		hs->h = xgrow(hs->h, &hs->alloc, hs->n + 1, sizeof(*hs->h));
		memcpy(hs->h[hs->n++], h, RONDA_HASH_HEX);
	}
	rc = ronda_db_check(v->db, sr, _("cannot read the vault's references"), err);
	sqlite3_finalize(q);
	if (hs->n)
		qsort(hs->h, hs->n, sizeof(*hs->h), cmp_hash);
	return rc;
}

static bool hs_has(const struct hashset *hs, const char *h)
{
	return hs->n && bsearch(h, hs->h, hs->n, sizeof(*hs->h), cmp_hash);
}

int ronda_vault_gc(struct ronda_vault *v, struct ronda_gc_stats *st, struct ronda_buf *err)
{
	struct ronda_store_gc_stats sst;
	struct hashset refs;
	int rc;

	/* Every row that referred to a removed object is already gone
	 * (committed); removing objects last keeps a crash harmless. */
	if ((rc = load_referenced(v, &refs, err)))
		return rc;
	rc = ronda_store_gc(v->store, (const char (*)[RONDA_HASH_HEX])refs.h, refs.n, &sst);
	free(refs.h);
	if (rc) {
		ronda_buf_reset(err);
		if (rc == RONDA_ECRYPTO)
			ronda_buf_addstr(err, _("this vault is encrypted: collecting unused objects "
						"needs its key (--key FILE or $RONDA_KEY_FILE)"));
		else
			ronda_buf_addf(err, _("cannot collect unused objects: %s"),
				       ronda_strerror(rc));
		return rc;
	}
	st->n_objects += sst.n_objects;
	st->n_bytes += sst.n_bytes;
	st->n_packs_removed += sst.n_packs_removed;
	st->n_packs_written += sst.n_packs_written;
	ronda_store_clean_tmp(v->store);
	/* sizes of objects that are gone (statistics only) */
	if (ronda_db_exec(v->db, "DELETE FROM vault_objects WHERE hash NOT IN"
			  " (SELECT hash FROM vault_entries WHERE hash IS NOT NULL"
			  " UNION SELECT hash FROM vault_quarantine WHERE hash IS NOT NULL)", err))
		ronda_buf_reset(err);
	return RONDA_OK;
}

int ronda_vault_prune(struct ronda_vault *v, int64_t site_id, uint64_t keep,
		      uint64_t older_than, struct ronda_gc_stats *st,
		      struct ronda_buf *err)
{
	sqlite3_stmt *q = NULL;
	int64_t cutoff = older_than ? ronda_wall_ns() - (int64_t)older_than * 1000000000 : 0;
	int rc, sr;

	memset(st, 0, sizeof(*st));
	if ((rc = ronda_db_begin(v->db, err)))
		return rc;
	/* rank snapshots per site, newest first; rank 1 always stays */
	if ((rc = ronda_db_prepare(v->db,
			"DELETE FROM vault_snapshots WHERE id IN ("
			" SELECT id FROM (SELECT id, created_ns, row_number() OVER"
			"  (PARTITION BY site_id ORDER BY id DESC) AS r FROM vault_snapshots"
			"  WHERE ?1 = 0 OR site_id = ?1)"
			" WHERE r > 1 AND ((?2 > 0 AND r > ?2) OR (?3 > 0 AND created_ns < ?3)))",
			&q, err)))
		goto fail;
	sqlite3_bind_int64(q, 1, site_id);
	sqlite3_bind_int64(q, 2, (int64_t)keep);
	sqlite3_bind_int64(q, 3, cutoff);
	sr = sqlite3_step(q);
	if ((rc = ronda_db_check(v->db, sr, _("cannot remove snapshots"), err)))
		goto fail;
	st->n_snapshots = (uint64_t)sqlite3_changes(v->db->sql);
	sqlite3_finalize(q);
	q = NULL;
	/* manifests go with their snapshot (foreign keys), but do not rely on it */
	if ((rc = ronda_db_exec(v->db, "DELETE FROM vault_entries WHERE snapshot_id NOT IN"
				" (SELECT id FROM vault_snapshots)", err)))
		goto fail;
	if ((rc = ronda_db_commit(v->db, err)))
		return rc;
	return ronda_vault_gc(v, st, err);
fail:
	sqlite3_finalize(q);
	ronda_db_rollback(v->db);
	return rc;
}

struct sidref {
	unsigned char sid[32];
	size_t ref;                 /* index in refs */
};

struct damaged {
	char hash[RONDA_HASH_HEX];
	char where[96];
};

struct verify {
	struct ronda_vault *v;
	struct hashset refs;
	struct sidref *map;         /* storage id -> referenced hash, by sid */
	size_t n_map;
	struct damaged *dmg;        /* damaged referenced objects */
	size_t n_dmg, alloc_dmg;
	struct ronda_verify_stats *st;
	ronda_vault_problem_fn on_bad;
	void *arg;
	bool ids_known;
};

static int cmp_sidref(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static int cmp_damaged(const void *a, const void *b)
{
	return strcmp(((const struct damaged *)a)->hash, ((const struct damaged *)b)->hash);
}

static void report(struct verify *vf, ronda_err e, const char *hash, const char *where,
		   const char *needed_by)
{
	struct ronda_vault_problem p = { e, hash, where, needed_by };

	if (vf->on_bad)
		vf->on_bad(&p, vf->arg);
}

/* Map storage ids back to the referenced hashes (to name what is hit). */
static void build_sidmap(struct verify *vf)
{
	unsigned char raw[32];
	size_t alloc = 0;

	for (size_t i = 0; i < vf->refs.n; i++) {
		char sid[RONDA_HASH_HEX];

		if (ronda_store_sid(vf->v->store, vf->refs.h[i], sid) ||
		    sodium_hex2bin(raw, 32, sid, 64, NULL, NULL, NULL))
			continue;
		vf->map = xgrow(vf->map, &alloc, vf->n_map + 2, sizeof(*vf->map));
		memcpy(vf->map[vf->n_map].sid, raw, 32);
		vf->map[vf->n_map++].ref = i;
		if (strcmp(sid, vf->refs.h[i]) &&
		    !sodium_hex2bin(raw, 32, vf->refs.h[i], 64, NULL, NULL, NULL)) {
			memcpy(vf->map[vf->n_map].sid, raw, 32);   /* stored before ids were keyed */
			vf->map[vf->n_map++].ref = i;
		}
	}
	if (vf->n_map)
		qsort(vf->map, vf->n_map, sizeof(*vf->map), cmp_sidref);
}

static const char *sid_to_hash(struct verify *vf, const char *sid_hex)
{
	unsigned char raw[32];
	struct sidref *r;

	if (!vf->n_map || sodium_hex2bin(raw, 32, sid_hex, 64, NULL, NULL, NULL))
		return NULL;
	r = bsearch(raw, vf->map, vf->n_map, sizeof(*vf->map), cmp_sidref);
	return r ? vf->refs.h[r->ref] : NULL;
}

static int verify_one(const struct ronda_store_object *o, int rc, void *arg)
{
	struct verify *vf = arg;
	const char *hash;

	if (!o->sid[0]) {             /* a pack whose index cannot be read */
		vf->st->n_bad_packs++;
		report(vf, RONDA_ECORRUPT, NULL, o->where, NULL);
		return RONDA_OK;
	}
	vf->st->n_objects++;
	if (rc == RONDA_OK) {
		vf->st->n_ok++;
		if (!hs_has(&vf->refs, o->hash))
			vf->st->n_unreferenced++;
		return RONDA_OK;
	}
	hash = sid_to_hash(vf, o->sid);
	if (rc == RONDA_ECRYPTO) {
		vf->st->n_locked++;
		report(vf, RONDA_ECRYPTO, hash ? hash : o->sid, o->where, NULL);
		return RONDA_OK;
	}
	vf->st->n_damaged++;
	if (hash && !o->duplicate) {
		/* named with the rows that need it, in the pass over the rows */
		vf->dmg = xgrow(vf->dmg, &vf->alloc_dmg, vf->n_dmg + 1, sizeof(*vf->dmg));
		memcpy(vf->dmg[vf->n_dmg].hash, hash, RONDA_HASH_HEX);
		snprintf(vf->dmg[vf->n_dmg].where, sizeof(vf->dmg[0].where), "%s", o->where);
		vf->n_dmg++;
		return RONDA_OK;
	}
	if (!hash && vf->ids_known)
		vf->st->n_unreferenced++;
	report(vf, RONDA_ECORRUPT, hash ? hash : o->sid, o->where, NULL);
	return RONDA_OK;
}

int ronda_vault_verify(struct ronda_vault *v, ronda_vault_problem_fn on_bad, void *arg,
		       struct ronda_verify_stats *st, struct ronda_buf *err)
{
	struct verify vf;
	sqlite3_stmt *q;
	char last[RONDA_HASH_HEX] = "";
	int rc, sr;

	memset(&vf, 0, sizeof(vf));
	memset(st, 0, sizeof(*st));
	vf.v = v;
	vf.st = st;
	vf.on_bad = on_bad;
	vf.arg = arg;
	vf.ids_known = ronda_store_ids_known(v->store);
	if ((rc = load_referenced(v, &vf.refs, err)))
		return rc;
	build_sidmap(&vf);
	if ((rc = ronda_store_check(v->store, verify_one, &vf))) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("cannot read the vault: %s"), ronda_strerror(rc));
		goto out;
	}
	if (vf.n_dmg)
		qsort(vf.dmg, vf.n_dmg, sizeof(*vf.dmg), cmp_damaged);
	/* one pass over the rows: name the files a damaged object hits, and
	 * find what is referenced but missing */
	if ((rc = ronda_db_prepare(v->db,
			"SELECT hash, 'snapshot ' || snapshot_id || ': ' || CAST(path AS TEXT)"
			" FROM vault_entries WHERE hash IS NOT NULL UNION ALL"
			" SELECT hash, 'quarantine ' || id || ': ' || CAST(path AS TEXT)"
			" FROM vault_quarantine WHERE hash IS NOT NULL ORDER BY 1", &q, err)))
		goto out;
	while ((sr = sqlite3_step(q)) == SQLITE_ROW) {
		const char *h = (const char *)sqlite3_column_text(q, 0);
		const char *by = (const char *)sqlite3_column_text(q, 1);
		struct damaged key, *d;

		if (!h || ronda_hash_check(h))
			continue;
		memcpy(key.hash, h, RONDA_HASH_HEX);
		d = vf.n_dmg ? bsearch(&key, vf.dmg, vf.n_dmg, sizeof(*vf.dmg), cmp_damaged) : NULL;
		if (d) {
			report(&vf, RONDA_ECORRUPT, h, d->where, by);
			continue;
		}
		if (ronda_store_has(v->store, h))
			continue;
		if (!vf.ids_known)
			continue;         /* keyed ids without the key: cannot tell */
		if (strcmp(last, h)) {
			st->n_missing++;
			memcpy(last, h, RONDA_HASH_HEX);
		}
		report(&vf, RONDA_ENOENT, h, NULL, by);
	}
	rc = ronda_db_check(v->db, sr, _("cannot read the vault's references"), err);
	sqlite3_finalize(q);
out:
	free(vf.refs.h);
	free(vf.map);
	free(vf.dmg);
	return rc;
}
