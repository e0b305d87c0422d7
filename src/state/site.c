/*
 * site.c — named web roots in the state database: default names, lookup by
 * name or root, creation.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>

#include "core/i18n.h"
#include "state/db.h"
#include "core/util.h"

#define SITE_NAME_MAX 64

void ronda_site_release(struct ronda_site *s)
{
	free(s->name);
	free(s->root);
	memset(s, 0, sizeof(*s));
}

static bool name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool ronda_site_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SITE_NAME_MAX || name[0] == '-' || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!name_char((unsigned char)name[i]))
			return false;
	return true;
}

void ronda_site_default_name(const char *root, struct ronda_buf *out)
{
	bool dash = true;   /* swallow leading separators */

	ronda_buf_reset(out);
	for (const unsigned char *p = (const unsigned char *)root; *p; p++) {
		if (out->len >= SITE_NAME_MAX)
			break;
		if (name_char(*p) && *p != '-' && !(dash && *p == '.')) {
			ronda_buf_addch(out, *p);
			dash = false;
		} else if (!dash) {
			ronda_buf_addch(out, '-');
			dash = true;
		}
	}
	while (out->len && out->buf[out->len - 1] == '-')
		ronda_buf_setlen(out, out->len - 1);
	if (!out->len)
		ronda_buf_addstr(out, "root");
}

int ronda_root_canonical(const char *root, struct ronda_buf *out,
			 struct ronda_buf *err)
{
	char *real = realpath(root, NULL);
	int ret;

	ronda_buf_reset(out);
	if (!real) {
		int e = errno;

		ronda_buf_reset(err);
		ronda_buf_addf(err, _("cannot use root '%s': %s"), root, strerror(e));
		return ronda_err_from_errno(e);
	}
	ret = ronda_buf_addstr(out, real);
	free(real);
	return ret;
}

static int site_query(struct ronda_db *db, const char *sql, const void *key,
		      size_t keylen, bool blob, struct ronda_site *out,
		      struct ronda_buf *err)
{
	sqlite3_stmt *st = NULL;
	int ret, rc;

	memset(out, 0, sizeof(*out));
	if ((ret = ronda_db_prepare(db, sql, &st, err)))
		return ret;
	if (blob)
		sqlite3_bind_blob(st, 1, key, (int)keylen, SQLITE_STATIC);
	else
		sqlite3_bind_text(st, 1, key, (int)keylen, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->name = xstrdup((const char *)sqlite3_column_text(st, 1));
		out->root = xstrndup(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
		out->created = sqlite3_column_int64(st, 3);
		ret = RONDA_OK;
	} else if (rc == SQLITE_DONE) {
		ret = RONDA_ENOTFOUND;
	} else {
		ret = ronda_db_check(db, rc, _("cannot read sites from"), err);
	}
	sqlite3_finalize(st);
	return ret;
}

int ronda_site_get(struct ronda_db *db, const char *name, struct ronda_site *out,
		   struct ronda_buf *err)
{
	int ret = site_query(db, "SELECT id, name, root, created FROM sites WHERE name = ?1",
			     name, strlen(name), false, out, err);

	if (ret == RONDA_ENOTFOUND) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("no site named '%s'; take a baseline first "
				      "('ronda baseline ROOT --site %s')"), name, name);
	}
	return ret;
}

int ronda_site_by_root(struct ronda_db *db, const char *root,
		       struct ronda_site *out, struct ronda_buf *err)
{
	struct ronda_buf canon = RONDA_BUF_INIT(PATH_MAX);
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = ronda_root_canonical(root, &canon, err)))
		goto out;
	ret = site_query(db, "SELECT id, name, root, created FROM sites WHERE root = ?1",
			 canon.buf, canon.len, true, out, err);
	if (ret == RONDA_ENOTFOUND) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("no site has root '%s'; take a baseline first "
				      "('ronda baseline %s')"), canon.buf, canon.buf);
	}
out:
	ronda_buf_release(&canon);
	return ret;
}

static int site_add(struct ronda_db *db, const char *name, const char *root,
		    struct ronda_site *out, struct ronda_buf *err)
{
	sqlite3_stmt *st = NULL;
	int ret, rc;
	time_t now = time(NULL);

	if ((ret = ronda_db_prepare(db, "INSERT INTO sites(name, root, created) "
				    "VALUES (?1, ?2, ?3)", &st, err)))
		return ret;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, root, (int)strlen(root), SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if ((ret = ronda_db_check(db, rc, _("cannot add site to"), err)))
		return ret;
	out->id = sqlite3_last_insert_rowid(db->sql);
	out->name = xstrdup(name);
	out->root = xstrdup(root);
	out->created = (int64_t)now;
	return RONDA_OK;
}

int ronda_site_resolve(struct ronda_db *db, const char *root, const char *name,
		       bool create, struct ronda_site *out, struct ronda_buf *err)
{
	struct ronda_buf canon = RONDA_BUF_INIT(PATH_MAX);
	struct ronda_buf defname = RONDA_BUF_INIT(256);
	int ret;

	memset(out, 0, sizeof(*out));
	if (name && strchr(name, '/')) {
		if (root && strcmp(root, name)) {
			ronda_buf_reset(err);
			ronda_buf_addf(err, _("--site '%s' is a path; give either ROOT or "
					      "--site NAME"), name);
			ret = RONDA_EINVAL;
			goto out;
		}
		root = name;
		name = NULL;
	}
	if (name && !ronda_site_name_valid(name)) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("invalid site name '%s': use 1-64 letters, digits, "
				      "'.', '_' or '-', not starting with '.' or '-'"), name);
		ret = RONDA_EINVAL;
		goto out;
	}
	if (!name && !root) {
		ronda_buf_reset(err);
		ronda_buf_addstr(err, _("no site given: name a ROOT or --site NAME"));
		ret = RONDA_EINVAL;
		goto out;
	}
	if (root && (ret = ronda_root_canonical(root, &canon, err)))
		goto out;

	if (name) {
		ret = ronda_site_get(db, name, out, err);
		if (ret == RONDA_OK && root && strcmp(out->root, canon.buf)) {
			ronda_buf_reset(err);
			ronda_buf_addf(err, _("site '%s' has root '%s', not '%s'"),
				       name, out->root, canon.buf);
			ronda_site_release(out);
			ret = RONDA_EEXIST;
			goto out;
		}
		if (ret != RONDA_ENOTFOUND || !create || !root)
			goto out;
		/* a new name for a root already known is a mistake, not a second site */
		ret = site_query(db, "SELECT id, name, root, created FROM sites WHERE root = ?1",
				 canon.buf, canon.len, true, out, err);
		if (ret == RONDA_OK) {
			ronda_buf_reset(err);
			ronda_buf_addf(err, _("root '%s' is already site '%s'"),
				       canon.buf, out->name);
			ronda_site_release(out);
			ret = RONDA_EEXIST;
			goto out;
		}
		if (ret != RONDA_ENOTFOUND)
			goto out;
		ret = site_add(db, name, canon.buf, out, err);
		goto out;
	}

	ret = site_query(db, "SELECT id, name, root, created FROM sites WHERE root = ?1",
			 canon.buf, canon.len, true, out, err);
	if (ret == RONDA_ENOTFOUND && !create) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("no site has root '%s'; take a baseline first "
				      "('ronda baseline %s')"), canon.buf, canon.buf);
	}
	if (ret != RONDA_ENOTFOUND || !create)
		goto out;
	ronda_site_default_name(canon.buf, &defname);
	ret = site_query(db, "SELECT id, name, root, created FROM sites WHERE name = ?1",
			 defname.buf, defname.len, false, out, err);
	if (ret == RONDA_OK) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("site name '%s' is taken by root '%s'; choose one "
				      "with --site NAME"), defname.buf, out->root);
		ronda_site_release(out);
		ret = RONDA_EEXIST;
		goto out;
	}
	if (ret != RONDA_ENOTFOUND)
		goto out;
	ret = site_add(db, defname.buf, canon.buf, out, err);
out:
	ronda_buf_release(&canon);
	ronda_buf_release(&defname);
	return ret;
}

int ronda_site_list(struct ronda_db *db, struct ronda_site **sites, size_t *n,
		    struct ronda_buf *err)
{
	sqlite3_stmt *st = NULL;
	size_t alloc = 0;
	int ret, rc;

	*sites = NULL;
	*n = 0;
	if ((ret = ronda_db_prepare(db, "SELECT id, name, root, created FROM sites "
				    "ORDER BY name", &st, err)))
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct ronda_site *s;

		*sites = xgrow(*sites, &alloc, *n + 1, sizeof(**sites));
		s = &(*sites)[(*n)++];
		s->id = sqlite3_column_int64(st, 0);
		s->name = xstrdup((const char *)sqlite3_column_text(st, 1));
		s->root = xstrndup(sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2));
		s->created = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	return ronda_db_check(db, rc, _("cannot read sites from"), err);
}
