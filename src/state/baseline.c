/*
 * baseline.c — storing and loading a site's baseline, its history, and
 * comparing two trees entry by entry.
 */
#include <pwd.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/i18n.h"
#include "state/baseline.h"
#include "core/util.h"

static const char *const what_names[] = {
	"type", "content", "target", "mode", "owner", "group", "metadata", "unreadable",
};

const char *ronda_change_what_name(unsigned bit)
{
	for (unsigned i = 0; i < ARRAY_SIZE(what_names); i++)
		if (bit == 1u << i)
			return what_names[i];
	return NULL;
}

static unsigned compare(const struct ronda_entry *o, const struct ronda_entry *c)
{
	unsigned w = 0;

	if (o->type != c->type)
		return RONDA_CHG_TYPE;
	if (o->mode != c->mode)
		w |= RONDA_CHG_MODE;
	if (o->uid != c->uid)
		w |= RONDA_CHG_OWNER;
	if (o->gid != c->gid)
		w |= RONDA_CHG_GROUP;
	switch (c->type) {
	case RONDA_ET_FILE:
		if (!c->has_hash || !o->has_hash) {
			/* compare what we can without the content */
			if (o->size != c->size || o->mtime_ns != c->mtime_ns ||
			    o->ctime_ns != c->ctime_ns || o->ino != c->ino)
				w |= c->has_hash ? RONDA_CHG_CONTENT : RONDA_CHG_UNREAD;
		} else if (memcmp(o->sha256, c->sha256, sizeof(o->sha256))) {
			w |= RONDA_CHG_CONTENT;
		} else if (o->size != c->size || o->mtime_ns != c->mtime_ns) {
			w |= RONDA_CHG_METADATA;
		}
		break;
	case RONDA_ET_LINK:
		if ((o->target == NULL) != (c->target == NULL) ||
		    (o->target && strcmp(o->target, c->target)))
			w |= RONDA_CHG_TARGET;
		break;
	case RONDA_ET_DIR:
		break;
	default:
		if (o->mtime_ns != c->mtime_ns)
			w |= RONDA_CHG_METADATA;
	}
	return w;
}

void ronda_tree_diff(const struct ronda_tree *old, const struct ronda_tree *cur,
		     void (*fn)(const struct ronda_change *c, void *arg), void *arg)
{
	size_t i = 0, j = 0;

	while (i < old->n || j < cur->n) {
		struct ronda_change c = { 0 };

		c.since_ns = old->started_ns;
		int cmp = i >= old->n ? 1 : j >= cur->n ? -1 :
			  strcmp(old->v[i].path, cur->v[j].path);

		if (cmp < 0) {
			c.kind = RONDA_REMOVED;
			c.old = &old->v[i++];
		} else if (cmp > 0) {
			c.kind = RONDA_ADDED;
			c.cur = &cur->v[j++];
			/* not there when the baseline was taken, yet it claims an
			 * older mtime: backdated (1 s for coarse clocks) */
			c.timestomp = c.cur->type == RONDA_ET_FILE && old->started_ns > 0 &&
				      c.cur->mtime_ns < old->started_ns - 1000000000 &&
				      c.cur->ctime_ns > old->started_ns;
		} else {
			c.kind = RONDA_CHANGED;
			c.old = &old->v[i++];
			c.cur = &cur->v[j++];
			c.what = compare(c.old, c.cur);
			if (!c.what)
				continue;
			c.timestomp = (c.what & RONDA_CHG_CONTENT) &&
				      c.cur->mtime_ns <= c.old->mtime_ns &&
				      c.cur->ctime_ns > c.old->ctime_ns;
		}
		fn(&c, arg);
	}
}

int ronda_baseline_info(struct ronda_db *db, int64_t site_id,
			struct ronda_baseline_info *out, struct ronda_buf *err)
{
	sqlite3_stmt *st = NULL;
	int ret, rc;

	memset(out, 0, sizeof(*out));
	if ((ret = ronda_db_prepare(db, "SELECT created, updated, started_ns, dev, n_entries "
				    "FROM baselines WHERE site_id = ?1", &st, err)))
		return ret;
	sqlite3_bind_int64(st, 1, site_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->exists = true;
		out->created = sqlite3_column_int64(st, 0);
		out->updated = sqlite3_column_int64(st, 1);
		out->started_ns = sqlite3_column_int64(st, 2);
		out->dev = (uint64_t)sqlite3_column_int64(st, 3);
		out->n_entries = (uint64_t)sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return ronda_db_check(db, rc, _("cannot read baseline from"), err);
}

static char *col_bytes(sqlite3_stmt *st, int col)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col);
	char *s = xmalloc(n + 1);

	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

int ronda_baseline_load(struct ronda_db *db, int64_t site_id,
			struct ronda_tree *out, struct ronda_buf *err)
{
	struct ronda_baseline_info info;
	sqlite3_stmt *st = NULL;
	int ret, rc;

	memset(out, 0, sizeof(*out));
	if ((ret = ronda_baseline_info(db, site_id, &info, err)))
		return ret;
	if (!info.exists) {
		ronda_buf_reset(err);
		ronda_buf_addstr(err, _("no baseline for this site"));
		return RONDA_ENOTFOUND;
	}
	out->dev = info.dev;
	out->started_ns = info.started_ns;
	if ((ret = ronda_db_prepare(db, "SELECT path, type, mode, uid, gid, size, mtime_ns,"
				    " ctime_ns, ino, nlink, sha256, target FROM entries"
				    " WHERE site_id = ?1 ORDER BY path", &st, err)))
		return ret;
	sqlite3_bind_int64(st, 1, site_id);
	/* n_entries is only a hint: the database may be damaged */
	if (info.n_entries && info.n_entries < ((uint64_t)1 << 20)) {
		out->v = xcalloc((size_t)info.n_entries, sizeof(*out->v));
		out->alloc = (size_t)info.n_entries;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ronda_entry *e;
		const char *type = (const char *)sqlite3_column_text(st, 1);

		if (out->n >= RONDA_TREE_MAX_ENTRIES) {
			rc = SQLITE_CORRUPT;
			break;
		}
		out->v = xgrow(out->v, &out->alloc, out->n + 1, sizeof(*out->v));
		e = &out->v[out->n++];
		memset(e, 0, sizeof(*e));
		e->path = col_bytes(st, 0);
		e->type = type && *type ? type[0] : '?';
		e->mode = (uint32_t)sqlite3_column_int64(st, 2);
		e->uid = (uint32_t)sqlite3_column_int64(st, 3);
		e->gid = (uint32_t)sqlite3_column_int64(st, 4);
		e->size = (uint64_t)sqlite3_column_int64(st, 5);
		e->mtime_ns = sqlite3_column_int64(st, 6);
		e->ctime_ns = sqlite3_column_int64(st, 7);
		e->ino = (uint64_t)sqlite3_column_int64(st, 8);
		e->nlink = (uint64_t)sqlite3_column_int64(st, 9);
		if (sqlite3_column_type(st, 10) == SQLITE_BLOB &&
		    sqlite3_column_bytes(st, 10) == (int)sizeof(e->sha256)) {
			memcpy(e->sha256, sqlite3_column_blob(st, 10), sizeof(e->sha256));
			e->has_hash = true;
		}
		if (sqlite3_column_type(st, 11) != SQLITE_NULL)
			e->target = col_bytes(st, 11);
		if (e->type == RONDA_ET_FILE)
			out->n_files++;
	}
	sqlite3_finalize(st);
	if ((ret = ronda_db_check(db, rc, _("cannot read baseline from"), err)))
		ronda_tree_release(out);
	return ret;
}

static void who(struct ronda_buf *out)
{
	struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");

	ronda_buf_reset(out);
	if (pw)
		ronda_buf_addstr(out, pw->pw_name);
	else
		ronda_buf_addf(out, "%u", (unsigned)getuid());
	if (sudo && *sudo && getuid() == 0)
		ronda_buf_addf(out, " (sudo: %s)", sudo);
}

int ronda_baseline_store(struct ronda_db *db, int64_t site_id,
			 const struct ronda_tree *tree,
			 const struct ronda_history *h, struct ronda_buf *err)
{
	struct ronda_baseline_info info;
	struct ronda_buf login = RONDA_BUF_INIT(512);
	sqlite3_stmt *st = NULL;
	int64_t now = (int64_t)time(NULL);
	int ret, rc = SQLITE_OK;

	if ((ret = ronda_baseline_info(db, site_id, &info, err)))
		return ret;
	if ((ret = ronda_db_prepare(db, "DELETE FROM entries WHERE site_id = ?1", &st, err)))
		return ret;
	sqlite3_bind_int64(st, 1, site_id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if ((ret = ronda_db_check(db, rc, _("cannot write baseline to"), err)))
		return ret;

	if ((ret = ronda_db_prepare(db, "INSERT INTO entries(site_id, path, type, mode, uid,"
				    " gid, size, mtime_ns, ctime_ns, ino, nlink, sha256, target)"
				    " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
				    &st, err)))
		return ret;
	for (size_t i = 0; i < tree->n; i++) {
		const struct ronda_entry *e = &tree->v[i];
		char type[2] = { e->type, 0 };

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, site_id);
		sqlite3_bind_blob(st, 2, e->path, (int)strlen(e->path), SQLITE_STATIC);
		sqlite3_bind_text(st, 3, type, 1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, e->mode);
		sqlite3_bind_int64(st, 5, e->uid);
		sqlite3_bind_int64(st, 6, e->gid);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)e->size);
		sqlite3_bind_int64(st, 8, e->mtime_ns);
		sqlite3_bind_int64(st, 9, e->ctime_ns);
		sqlite3_bind_int64(st, 10, (sqlite3_int64)e->ino);
		sqlite3_bind_int64(st, 11, (sqlite3_int64)e->nlink);
		if (e->has_hash)
			sqlite3_bind_blob(st, 12, e->sha256, sizeof(e->sha256), SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 12);
		if (e->target)
			sqlite3_bind_blob(st, 13, e->target, (int)strlen(e->target), SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 13);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE)
			break;
	}
	sqlite3_finalize(st);
	if ((ret = ronda_db_check(db, rc, _("cannot write baseline to"), err)))
		return ret;

	if ((ret = ronda_db_prepare(db, "INSERT OR REPLACE INTO baselines(site_id, created,"
				    " updated, started_ns, dev, n_entries)"
				    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st, err)))
		return ret;
	sqlite3_bind_int64(st, 1, site_id);
	sqlite3_bind_int64(st, 2, info.exists ? info.created : now);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_int64(st, 4, tree->started_ns);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)tree->dev);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)tree->n);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if ((ret = ronda_db_check(db, rc, _("cannot write baseline to"), err)))
		return ret;

	who(&login);
	if ((ret = ronda_db_prepare(db, "INSERT INTO history(site_id, time, uid, login, action,"
				    " message, n_added, n_removed, n_changed)"
				    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", &st, err)))
		goto out;
	sqlite3_bind_int64(st, 1, site_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, getuid());
	sqlite3_bind_text(st, 4, login.buf, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, h->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, h->message ? h->message : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)h->n_added);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)h->n_removed);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)h->n_changed);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	ret = ronda_db_check(db, rc, _("cannot write history to"), err);
out:
	ronda_buf_release(&login);
	return ret;
}

int ronda_baseline_history(struct ronda_db *db, int64_t site_id,
			   void (*fn)(const struct ronda_history_row *h, void *arg),
			   void *arg, struct ronda_buf *err)
{
	sqlite3_stmt *st = NULL;
	int ret, rc;

	if ((ret = ronda_db_prepare(db, "SELECT time, uid, login, action, message, n_added,"
				    " n_removed, n_changed FROM history WHERE site_id = ?1"
				    " ORDER BY time, id", &st, err)))
		return ret;
	sqlite3_bind_int64(st, 1, site_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ronda_history_row h;

		h.time = sqlite3_column_int64(st, 0);
		h.uid = (uint32_t)sqlite3_column_int64(st, 1);
		h.login = (const char *)sqlite3_column_text(st, 2);
		h.action = (const char *)sqlite3_column_text(st, 3);
		h.message = (const char *)sqlite3_column_text(st, 4);
		h.n_added = (uint64_t)sqlite3_column_int64(st, 5);
		h.n_removed = (uint64_t)sqlite3_column_int64(st, 6);
		h.n_changed = (uint64_t)sqlite3_column_int64(st, 7);
		if (!h.login) h.login = "";
		if (!h.action) h.action = "";
		if (!h.message) h.message = "";
		fn(&h, arg);
	}
	sqlite3_finalize(st);
	return ronda_db_check(db, rc, _("cannot read history from"), err);
}
