/*
 * quarantine.c — taking files out of a web root without losing them.
 *
 * Order of a move: store the content (object fsync'd), commit a row in
 * state "pending", unlink the file only if it is still the file that was
 * stored, mark the row "held".  A crash in between leaves a pending row and
 * the file in place; ronda_quarantine_reconcile() settles it.  The same
 * keep-a-copy step runs before a restore overwrites anything (state
 * "replaced").
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/util.h"
#include "vault/fsops.h"
#include "vault/internal.h"

void ronda_qitem_release(struct ronda_qitem *q)
{
	free(q->root);
	free(q->path);
	free(q->target);
	free(q->rule);
	free(q->reason);
	free(q->state);
	memset(q, 0, sizeof(*q));
}

static void path_error(struct ronda_buf *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void path_error(struct ronda_buf *err, int rc, const char *fmt, ...)
{
	va_list ap;

	ronda_buf_reset(err);
	va_start(ap, fmt);
	ronda_buf_vaddf(err, fmt, ap);
	va_end(ap);
	ronda_buf_addf(err, ": %s", ronda_strerror(rc));
}

int vault_keep_copy(struct ronda_vault *v, int64_t site_id, int rootfd,
		    const char *root, const char *relpath, const char *rule,
		    const char *reason, const char *state, int64_t *id,
		    struct stat *st_out, struct ronda_buf *err)
{
	char hash[RONDA_HASH_HEX] = "", *target = NULL;
	sqlite3_stmt *q = NULL;
	struct stat st;
	const char *base;
	uint64_t size = 0, nb = 0;
	int dfd = -1, fd = -1, rc, sr;

	if ((rc = ronda_fs_open_parent(rootfd, relpath, false, 0, &dfd, &base))) {
		path_error(err, rc, _("cannot open '%s'"), relpath);
		return rc;
	}
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = ronda_err_from_errno(errno);
		path_error(err, rc, _("cannot open '%s'"), relpath);
		goto out;
	}
	if (S_ISREG(st.st_mode)) {
		fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			rc = fd < 0 ? ronda_err_from_errno(errno) : RONDA_ECHANGED;
			path_error(err, rc, _("cannot open '%s'"), relpath);
			goto out;
		}
		if ((rc = ronda_store_put_fd(v->store, fd, hash, &size, &nb))) {
			path_error(err, rc, _("cannot store '%s' in the vault"), relpath);
			goto out;
		}
	} else if (S_ISLNK(st.st_mode)) {
		if ((rc = vault_readlink(dfd, base, &target))) {
			path_error(err, rc, _("cannot read link '%s'"), relpath);
			goto out;
		}
	} else {
		rc = S_ISDIR(st.st_mode) ? RONDA_EEXIST : RONDA_EUNSUPPORTED;
		ronda_buf_reset(err);
		ronda_buf_addf(err, S_ISDIR(st.st_mode)
			       ? _("'%s' is a directory; only files and links are quarantined")
			       : _("'%s' is not a regular file or link"), relpath);
		goto out;
	}
	if ((rc = ronda_db_prepare(v->db,
			"INSERT INTO vault_quarantine (site_id, root, path, type, mode, uid, gid, size,"
			" mtime_ns, ctime_ns, ino, hash, target, rule, reason, state, created_ns, done_ns)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
			" ?16, ?17, 0)", &q, err)))
		goto out;
	if (site_id > 0)
		sqlite3_bind_int64(q, 1, site_id);
	else
		sqlite3_bind_null(q, 1);
	vault_bind_path(q, 2, root);
	vault_bind_path(q, 3, relpath);
	sqlite3_bind_text(q, 4, S_ISLNK(st.st_mode) ? "l" : "f", 1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, st.st_mode & 07777);
	sqlite3_bind_int64(q, 6, st.st_uid);
	sqlite3_bind_int64(q, 7, st.st_gid);
	sqlite3_bind_int64(q, 8, S_ISREG(st.st_mode) ? (int64_t)size : st.st_size);
	sqlite3_bind_int64(q, 9, vault_ts_ns(&st.st_mtim));
	sqlite3_bind_int64(q, 10, vault_ts_ns(&st.st_ctim));
	sqlite3_bind_int64(q, 11, (int64_t)st.st_ino);
	if (*hash)
		sqlite3_bind_text(q, 12, hash, 64, SQLITE_TRANSIENT);
	if (target)
		vault_bind_path(q, 13, target);
	sqlite3_bind_text(q, 14, rule ? rule : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 15, reason ? reason : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 16, state, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 17, ronda_wall_ns());
	sr = sqlite3_step(q);
	if ((rc = ronda_db_check(v->db, sr, _("cannot record quarantine"), err)))
		goto out;
	if (nb) {
		sqlite3_finalize(q);
		q = NULL;
		if (!ronda_db_prepare(v->db, "INSERT OR IGNORE INTO vault_objects (hash, size,"
				      " stored, created_ns) VALUES (?1, ?2, ?3, ?4)", &q, err)) {
			sqlite3_bind_text(q, 1, hash, 64, SQLITE_TRANSIENT);
			sqlite3_bind_int64(q, 2, (int64_t)size);
			sqlite3_bind_int64(q, 3, (int64_t)nb);
			sqlite3_bind_int64(q, 4, ronda_wall_ns());
			sqlite3_step(q);
		}
		ronda_buf_reset(err);
	}
	*id = sqlite3_last_insert_rowid(v->db->sql);
	if (st_out)
		*st_out = st;
out:
	sqlite3_finalize(q);
	free(target);
	if (fd >= 0)
		close(fd);
	close(dfd);
	return rc;
}

static int set_state(struct ronda_vault *v, int64_t id, const char *state, struct ronda_buf *err)
{
	sqlite3_stmt *q;
	int rc, sr;

	if (!state)
		rc = ronda_db_prepare(v->db, "DELETE FROM vault_quarantine WHERE id = ?1", &q, err);
	else
		rc = ronda_db_prepare(v->db, "UPDATE vault_quarantine SET state = ?2, done_ns = ?3"
				      " WHERE id = ?1", &q, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(q, 1, id);
	if (state) {
		sqlite3_bind_text(q, 2, state, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 3, ronda_wall_ns());
	}
	sr = sqlite3_step(q);
	rc = ronda_db_check(v->db, sr, _("cannot update quarantine"), err);
	sqlite3_finalize(q);
	return rc;
}

int ronda_quarantine_move(struct ronda_vault *v, const struct ronda_site *site,
			  int rootfd, const char *root, const char *relpath,
			  const char *rule, const char *reason, int64_t *id,
			  struct ronda_buf *err)
{
	struct ronda_buf tmp = RONDA_BUF_INIT(4096);
	struct stat st;
	const char *base;
	int rc = RONDA_OK, dfd;

	for (int attempt = 0; attempt < 3; attempt++) {
		if ((rc = vault_keep_copy(v, site ? site->id : 0, rootfd, root, relpath, rule,
					  reason, "pending", id, &st, err)))
			break;
		ronda_fs_debug_pause("quarantine-unlink");
		if ((rc = ronda_fs_open_parent(rootfd, relpath, false, 0, &dfd, &base))) {
			path_error(err, rc, _("cannot open '%s'"), relpath);
			set_state(v, *id, NULL, &tmp);
			break;
		}
		rc = ronda_fs_unlink_if_same(dfd, base, &st);
		close(dfd);
		if (rc == RONDA_OK) {
			rc = set_state(v, *id, "held", err);
			break;
		}
		/* not moved: forget the row (its object is collected later) */
		set_state(v, *id, NULL, &tmp);
		if (rc != RONDA_ECHANGED) {
			path_error(err, rc, _("cannot remove '%s' from the web root"), relpath);
			break;
		}
		path_error(err, rc, _("'%s' keeps changing"), relpath);
	}
	ronda_buf_release(&tmp);
	return rc;
}

static void row_to_item(sqlite3_stmt *q, struct ronda_qitem *it)
{
	const unsigned char *t, *h;

	memset(it, 0, sizeof(*it));
	it->id = sqlite3_column_int64(q, 0);
	it->site_id = sqlite3_column_int64(q, 1);
	it->root = vault_column_str(q, 2);
	it->path = vault_column_str(q, 3);
	t = sqlite3_column_text(q, 4);
	it->type = t ? (char)t[0] : 'f';
	it->mode = (uint32_t)sqlite3_column_int64(q, 5);
	it->uid = (uint32_t)sqlite3_column_int64(q, 6);
	it->gid = (uint32_t)sqlite3_column_int64(q, 7);
	it->size = (uint64_t)sqlite3_column_int64(q, 8);
	it->mtime_ns = sqlite3_column_int64(q, 9);
	it->ctime_ns = sqlite3_column_int64(q, 10);
	it->ino = (uint64_t)sqlite3_column_int64(q, 11);
	h = sqlite3_column_text(q, 12);
	if (h && !ronda_hash_check((const char *)h))
		memcpy(it->hash, h, RONDA_HASH_HEX);
	it->target = vault_column_str(q, 13);
	it->rule = vault_column_str(q, 14);
	it->reason = vault_column_str(q, 15);
	it->state = vault_column_str(q, 16);
	it->created_ns = sqlite3_column_int64(q, 17);
	it->done_ns = sqlite3_column_int64(q, 18);
}

#define QCOLS "id, coalesce(site_id, 0), root, path, type, mode, uid, gid, size, mtime_ns," \
	      " ctime_ns, ino, hash, target, rule, reason, state, created_ns, done_ns"

int ronda_quarantine_list(struct ronda_vault *v, struct ronda_qitem **items,
			  size_t *n, struct ronda_buf *err)
{
	sqlite3_stmt *q;
	size_t alloc = 0;
	int rc, sr;

	*items = NULL;
	*n = 0;
	if ((rc = ronda_db_prepare(v->db, "SELECT " QCOLS " FROM vault_quarantine ORDER BY id",
				   &q, err)))
		return rc;
	while ((sr = sqlite3_step(q)) == SQLITE_ROW) {
		*items = xgrow(*items, &alloc, *n + 1, sizeof(**items));
		row_to_item(q, &(*items)[(*n)++]);
	}
	rc = ronda_db_check(v->db, sr, _("cannot list quarantine"), err);
	sqlite3_finalize(q);
	return rc;
}

int ronda_quarantine_get(struct ronda_vault *v, int64_t id, struct ronda_qitem *out,
			 struct ronda_buf *err)
{
	sqlite3_stmt *q;
	int rc, sr;

	if ((rc = ronda_db_prepare(v->db, "SELECT " QCOLS " FROM vault_quarantine WHERE id = ?1",
				   &q, err)))
		return rc;
	sqlite3_bind_int64(q, 1, id);
	sr = sqlite3_step(q);
	if (sr == SQLITE_ROW) {
		row_to_item(q, out);
	} else if (!(rc = ronda_db_check(v->db, sr, _("cannot read quarantine"), err))) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("no quarantined file with id %lld; see 'ronda quarantine "
				      "list'"), (long long)id);
		rc = RONDA_ENOTFOUND;
	}
	sqlite3_finalize(q);
	return rc;
}

int ronda_quarantine_reconcile(struct ronda_vault *v, struct ronda_buf *err)
{
	struct ronda_qitem *items;
	size_t n;
	int rc;

	if ((rc = ronda_quarantine_list(v, &items, &n, err)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct ronda_qitem *it = &items[i];
		const char *base;
		struct stat st;
		int rootfd, dfd;
		bool present = false, same = false;

		if (strcmp(it->state, "pending"))
			continue;
		if (ronda_fs_open_root(it->root, &rootfd) == RONDA_OK) {
			if (ronda_fs_open_parent(rootfd, it->path, false, 0, &dfd, &base) == RONDA_OK) {
				if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
					present = true;
					same = st.st_ino == it->ino &&
					       vault_ts_ns(&st.st_mtim) == it->mtime_ns &&
					       vault_ts_ns(&st.st_ctim) == it->ctime_ns;
				}
				close(dfd);
			}
			close(rootfd);
		}
		/* still there untouched: the move never happened */
		rc = set_state(v, it->id, present && same ? NULL : "held", err);
		if (rc)
			break;
	}
	for (size_t i = 0; i < n; i++)
		ronda_qitem_release(&items[i]);
	free(items);
	return rc;
}

struct fill_obj {
	struct ronda_store *store;
	const char *hash;
};

static int fill_object(int fd, void *arg)
{
	struct fill_obj *f = arg;

	return ronda_store_get_fd(f->store, f->hash, fd);
}

int ronda_quarantine_restore(struct ronda_vault *v, int64_t id, bool force,
			     struct ronda_buf *err)
{
	struct ronda_qitem it;
	struct ronda_fs_meta meta;
	struct fill_obj fo;
	struct stat st;
	const char *base;
	int rootfd = -1, dfd = -1, rc;
	int64_t keep_id;

	if ((rc = ronda_quarantine_get(v, id, &it, err)))
		return rc;
	if (!strcmp(it.state, "restored")) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("quarantined file %lld was already restored"), (long long)id);
		rc = RONDA_EEXIST;
		goto out;
	}
	if (!strcmp(it.state, "pending")) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("quarantine %lld was interrupted; run 'ronda quarantine list' "
				      "first"), (long long)id);
		rc = RONDA_EBUSY;
		goto out;
	}
	if ((rc = ronda_fs_open_root(it.root, &rootfd))) {
		path_error(err, rc, _("cannot open '%s'"), it.root);
		goto out;
	}
	if ((rc = ronda_fs_open_parent(rootfd, it.path, true, 0, &dfd, &base))) {
		path_error(err, rc, _("cannot open the directory of '%s'"), it.path);
		goto out;
	}
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!force) {
			ronda_buf_reset(err);
			ronda_buf_addf(err, _("'%s' exists; use --force to quarantine it and put "
					      "the old file back"), it.path);
			rc = RONDA_EEXIST;
			goto out;
		}
		if ((rc = vault_keep_copy(v, it.site_id, rootfd, it.root, it.path, "",
					  "quarantine-restore", "replaced", &keep_id, NULL, err)))
			goto out;
	}
	memset(&meta, 0, sizeof(meta));
	meta.mode = it.mode;
	meta.uid = it.uid;
	meta.gid = it.gid;
	meta.set_owner = geteuid() == 0;
	meta.set_mtime = true;
	meta.mtime.tv_sec = it.mtime_ns / 1000000000;
	meta.mtime.tv_nsec = it.mtime_ns % 1000000000;
	if (it.type == 'l') {
		rc = ronda_fs_replace_symlink(dfd, base, it.target ? it.target : "", &meta);
	} else {
		fo.store = v->store;
		fo.hash = it.hash;
		rc = ronda_fs_replace(dfd, base, fill_object, &fo, &meta);
	}
	if (rc) {
		path_error(err, rc, _("cannot restore '%s'"), it.path);
		goto out;
	}
	rc = set_state(v, id, "restored", err);
out:
	if (dfd >= 0)
		close(dfd);
	if (rootfd >= 0)
		close(rootfd);
	ronda_qitem_release(&it);
	return rc;
}

int ronda_quarantine_purge(struct ronda_vault *v, uint64_t age, uint64_t *n,
			   struct ronda_buf *err)
{
	struct ronda_gc_stats st = { 0 };
	sqlite3_stmt *q;
	int rc, sr;

	if ((rc = ronda_db_prepare(v->db, "DELETE FROM vault_quarantine WHERE state != 'pending'"
				   " AND created_ns < ?1", &q, err)))
		return rc;
	sqlite3_bind_int64(q, 1, ronda_wall_ns() - (int64_t)age * 1000000000);
	sr = sqlite3_step(q);
	rc = ronda_db_check(v->db, sr, _("cannot purge quarantine"), err);
	*n = (uint64_t)sqlite3_changes(v->db->sql);
	sqlite3_finalize(q);
	if (rc)
		return rc;
	return ronda_vault_gc(v, &st, err);
}
