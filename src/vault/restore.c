/*
 * restore.c — compare a root with a snapshot, plan, and put it back.
 *
 * The plan is a merge of two sorted lists: the snapshot's manifest and a
 * fresh walk of the root.  Applying runs in phases so that every step has
 * what it needs: (1) move files that appeared into quarantine, (2) remove
 * directories that appeared and are now empty, (3) make missing
 * directories, (4) write files and links, fix metadata.  Every step opens
 * its parent beneath the root again (fsops.h), so a directory swapped for
 * a symlink after planning makes that step fail, never write elsewhere;
 * and whatever a step would overwrite is kept in the vault first.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/i18n.h"
#include "core/util.h"
#include "vault/fsops.h"
#include "vault/internal.h"

const char *ronda_action_name(enum ronda_action a)
{
	switch (a) {
	case RONDA_ACT_NONE: return "none";
	case RONDA_ACT_WRITE: return "write";
	case RONDA_ACT_CREATE: return "create";
	case RONDA_ACT_META: return "metadata";
	case RONDA_ACT_SYMLINK: return "symlink";
	case RONDA_ACT_MKDIR: return "mkdir";
	case RONDA_ACT_QUARANTINE: return "quarantine";
	case RONDA_ACT_RMDIR: return "rmdir";
	case RONDA_ACT_CONFLICT: return "conflict";
	}
	return "?";
}

void ronda_plan_release(struct ronda_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->items[i].path);
		free(p->items[i].link_to);
		ronda_entry_release(&p->items[i].want);
	}
	free(p->items);
	for (size_t i = 0; i < p->n_unresolved; i++)
		free(p->unresolved[i].path);
	free(p->unresolved);
	free(p->root);
	memset(p, 0, sizeof(*p));
}

struct now_entry {
	char *path;
	struct stat st;
};

struct now_list {
	struct now_entry *e;
	size_t n, alloc;
};

static int collect_now(const char *relpath, int dirfd, const char *name,
		       const struct stat *st, void *arg)
{
	struct now_list *l = arg;

	l->e = xgrow(l->e, &l->alloc, l->n + 1, sizeof(*l->e));
	l->e[l->n].path = xstrdup(relpath);
	l->e[l->n].st = *st;
	l->n++;
	return RONDA_OK;
}

static int cmp_now(const void *a, const void *b)
{
	return strcmp(((const struct now_entry *)a)->path, ((const struct now_entry *)b)->path);
}

static bool under(const char *path, const char *top)
{
	size_t n = strlen(top);

	return !strncmp(path, top, n) && (path[n] == '\0' || path[n] == '/');
}

/* In scope: the path is one of paths[] or below one. Ancestors of a scoped
 * path count only for creating missing directories. */
static int scope(const char *path, const char *const *paths, size_t n)
{
	if (!n)
		return 2;
	for (size_t i = 0; i < n; i++)
		if (under(path, paths[i]))
			return 2;
	for (size_t i = 0; i < n; i++)
		if (under(paths[i], path))
			return 1;
	return 0;
}

struct ronda_plan_item *vault_plan_add(struct ronda_plan *p, enum ronda_action a,
				       const char *path)
{
	struct ronda_plan_item *it;

	p->items = xgrow(p->items, &p->alloc, p->n + 1, sizeof(*p->items));
	it = &p->items[p->n++];
	memset(it, 0, sizeof(*it));
	it->action = a;
	it->path = xstrdup(path);
	return it;
}

static void copy_entry(struct ronda_entry *dst, const struct ronda_entry *src)
{
	*dst = *src;
	dst->path = xstrdup(src->path);
	dst->target = src->target ? xstrdup(src->target) : NULL;
}

static char type_of(const struct stat *st)
{
	return S_ISREG(st->st_mode) ? 'f' : S_ISDIR(st->st_mode) ? 'd' :
	       S_ISLNK(st->st_mode) ? 'l' : 0;
}

static unsigned meta_diff(const struct ronda_entry *e, const struct stat *st, bool mtime)
{
	unsigned c = 0;

	if ((st->st_mode & 07777) != e->mode)
		c |= RONDA_CHG_MODE;
	if (st->st_uid != e->uid || st->st_gid != e->gid)
		c |= RONDA_CHG_OWNER;
	if (mtime && vault_ts_ns(&st->st_mtim) != e->mtime_ns)
		c |= RONDA_CHG_MTIME;
	return c;
}

/* Compare a path present in both. */
static int plan_both(struct ronda_plan *p, int rootfd, const struct ronda_entry *e,
		     const struct now_entry *now)
{
	char t = type_of(&now->st);
	struct ronda_plan_item *it;
	unsigned c;

	if (t != e->type) {
		if (t == 'd') {
			/* the directory's content is quarantined on its own */
			it = vault_plan_add(p, RONDA_ACT_RMDIR, e->path);
			it->have_now = true;
			it->now = now->st;
			it->changed = RONDA_CHG_TYPE;
		} else if (e->type == 'd' || !t) {
			it = vault_plan_add(p, RONDA_ACT_QUARANTINE, e->path);
			it->have_now = true;
			it->now = now->st;
			it->changed = RONDA_CHG_TYPE;
			if (!t)
				it->action = RONDA_ACT_CONFLICT;
		}
		it = vault_plan_add(p, e->type == 'f' ? RONDA_ACT_WRITE : e->type == 'l' ?
			      RONDA_ACT_SYMLINK : RONDA_ACT_MKDIR, e->path);
		copy_entry(&it->want, e);
		it->have_now = true;
		it->now = now->st;
		it->changed = RONDA_CHG_TYPE;
		return RONDA_OK;
	}
	if (t == 'l') {
		char *target = NULL;
		const char *base;
		int dfd, rc;

		if ((rc = ronda_fs_open_parent(rootfd, e->path, false, 0, &dfd, &base)))
			return rc;
		rc = vault_readlink(dfd, base, &target);
		close(dfd);
		if (rc)
			return rc;
		c = strcmp(target, e->target ? e->target : "") ? RONDA_CHG_CONTENT : 0;
		free(target);
		if (!c) {
			p->n_unchanged++;
			return RONDA_OK;
		}
		it = vault_plan_add(p, RONDA_ACT_SYMLINK, e->path);
		copy_entry(&it->want, e);
		it->have_now = true;
		it->now = now->st;
		it->changed = c;
		return RONDA_OK;
	}
	if (t == 'd') {
		c = meta_diff(e, &now->st, false);
		if (!c) {
			p->n_unchanged++;
			return RONDA_OK;
		}
		it = vault_plan_add(p, RONDA_ACT_META, e->path);
		copy_entry(&it->want, e);
		it->have_now = true;
		it->now = now->st;
		it->changed = c;
		return RONDA_OK;
	}
	/* regular file: same inode, size, mtime and ctime means same bytes
	 * (ctime cannot be set back); otherwise hash what is there */
	c = meta_diff(e, &now->st, true);
	{
		char hash[RONDA_HASH_HEX] = "";

		if ((uint64_t)now->st.st_size != e->size)
			c |= RONDA_CHG_CONTENT;
		else if (!(now->st.st_ino == e->ino && vault_ts_ns(&now->st.st_ctim) == e->ctime_ns &&
			   vault_ts_ns(&now->st.st_mtim) == e->mtime_ns)) {
			int fd, rc;

			rc = ronda_fs_open_beneath(rootfd, e->path, O_RDONLY | O_NONBLOCK, 0, &fd);
			if (!rc) {
				rc = ronda_hash_fd(fd, hash, NULL);
				close(fd);
			}
			if (rc)
				return rc;
			if (strcmp(hash, e->hash))
				c |= RONDA_CHG_CONTENT;
		}
		if (!c) {
			p->n_unchanged++;
			return RONDA_OK;
		}
		it = vault_plan_add(p, c & RONDA_CHG_CONTENT ? RONDA_ACT_WRITE : RONDA_ACT_META, e->path);
		copy_entry(&it->want, e);
		it->have_now = true;
		it->now = now->st;
		it->changed = c;
		memcpy(it->hash_now, hash, sizeof(hash));
	}
	return RONDA_OK;
}

static void plan_error(struct ronda_buf *err, const char *path, int rc)
{
	ronda_buf_reset(err);
	ronda_buf_addf(err, _("cannot compare '%s': %s"), path, ronda_strerror(rc));
}

int ronda_restore_plan(struct ronda_vault *v, const struct ronda_site *site,
		       int64_t snapshot_id, const char *const *paths,
		       size_t n_paths, struct ronda_plan *plan,
		       struct ronda_buf *err)
{
	struct ronda_entry *ents = NULL;
	struct now_list now = { 0 };
	size_t n_ents = 0, i = 0, j = 0;
	int rootfd = -1, rc;

	memset(plan, 0, sizeof(*plan));
	plan->site_id = site->id;
	plan->snapshot_id = snapshot_id;
	plan->root = xstrdup(site->root);
	for (size_t k = 0; k < n_paths; k++)
		if ((rc = ronda_fs_check_relpath(paths[k]))) {
			ronda_buf_reset(err);
			ronda_buf_addf(err, _("'%s' is not a path inside the site"), paths[k]);
			return rc;
		}
	if ((rc = ronda_snapshot_entries(v, snapshot_id, &ents, &n_ents, err)))
		return rc;
	if ((rc = ronda_fs_open_root(site->root, &rootfd))) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("cannot open '%s': %s"), site->root, ronda_strerror(rc));
		goto out;
	}
	if ((rc = vault_walk(v, rootfd, NULL, collect_now, NULL, &now))) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("cannot read '%s': %s"), site->root, ronda_strerror(rc));
		goto out;
	}
	if (now.n)
		qsort(now.e, now.n, sizeof(*now.e), cmp_now);
	while (i < n_ents || j < now.n) {
		int cmp = i >= n_ents ? 1 : j >= now.n ? -1 : strcmp(ents[i].path, now.e[j].path);

		if (cmp < 0) {
			struct ronda_entry *e = &ents[i++];
			int sc = scope(e->path, paths, n_paths);
			struct ronda_plan_item *it;

			if (!sc || (sc == 1 && e->type != 'd') || !e->type)
				continue;
			it = vault_plan_add(plan, e->type == 'f' ? RONDA_ACT_CREATE : e->type == 'l' ?
				      RONDA_ACT_SYMLINK : RONDA_ACT_MKDIR, e->path);
			copy_entry(&it->want, e);
		} else if (cmp > 0) {
			struct now_entry *ne = &now.e[j++];
			struct ronda_plan_item *it;
			char t = type_of(&ne->st);

			if (scope(ne->path, paths, n_paths) != 2)
				continue;
			if (t == 'f' || t == 'l' || t == 'd') {
				it = vault_plan_add(plan, t == 'd' ? RONDA_ACT_RMDIR : RONDA_ACT_QUARANTINE,
					      ne->path);
				it->have_now = true;
				it->now = ne->st;
			}
		} else {
			struct ronda_entry *e = &ents[i++];
			struct now_entry *ne = &now.e[j++];
			int sc = scope(e->path, paths, n_paths);

			if (!sc || (sc == 1 && e->type == 'd' && S_ISDIR(ne->st.st_mode)))
				continue;
			if (sc == 1 && e->type != 'd')
				continue;
			if ((rc = plan_both(plan, rootfd, e, ne))) {
				plan_error(err, e->path, rc);
				goto out;
			}
		}
	}
	/* hard links: files of one inode in the snapshot become links to the
	 * first of them again */
	for (size_t k = 0; k < plan->n && !rc; k++) {
		struct ronda_plan_item *it = &plan->items[k];

		if ((it->action != RONDA_ACT_WRITE && it->action != RONDA_ACT_CREATE) ||
		    it->want.type != 'f' || it->want.nlink < 2)
			continue;
		for (size_t e = 0; e < n_ents; e++)
			if (ents[e].type == 'f' && ents[e].ino == it->want.ino &&
			    !strcmp(ents[e].hash, it->want.hash)) {
				if (strcmp(ents[e].path, it->path))
					it->link_to = xstrdup(ents[e].path);
				break;
			}
	}
out:
	if (rootfd >= 0)
		close(rootfd);
	for (size_t k = 0; k < n_ents; k++)
		ronda_entry_release(&ents[k]);
	free(ents);
	for (size_t k = 0; k < now.n; k++)
		free(now.e[k].path);
	free(now.e);
	return rc;
}

/* ---- apply ---- */

struct fill_obj {
	struct ronda_store *store;
	const char *hash;
};

static int fill_object(int fd, void *arg)
{
	struct fill_obj *f = arg;

	return ronda_store_get_fd(f->store, f->hash, fd);
}

static void meta_of(const struct ronda_entry *e, struct ronda_fs_meta *m)
{
	memset(m, 0, sizeof(*m));
	m->mode = e->mode;
	m->uid = e->uid;
	m->gid = e->gid;
	m->set_owner = geteuid() == 0;
	m->set_mtime = true;
	m->mtime.tv_sec = e->mtime_ns / 1000000000;
	m->mtime.tv_nsec = e->mtime_ns % 1000000000;
}

struct apply {
	struct ronda_vault *v;
	struct ronda_plan *plan;
	const char *reason;
	int rootfd;
	struct ronda_buf *err;
	struct ronda_buf msg;
};

/* Keep whatever is at the item's path before it is overwritten. */
static int keep_current(struct apply *a, struct ronda_plan_item *it, int dfd, const char *base)
{
	struct stat st;

	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? RONDA_OK : ronda_err_from_errno(errno);
	if (S_ISDIR(st.st_mode))
		return RONDA_EEXIST;
	return vault_keep_copy(a->v, a->plan->site_id, a->rootfd, a->plan->root, it->path,
			       it->rule ? it->rule : "", a->reason, "replaced",
			       &it->quarantine_id, NULL, &a->msg);
}

static int do_write(struct apply *a, struct ronda_plan_item *it)
{
	struct ronda_fs_meta meta;
	struct fill_obj fo = { a->v->store, it->want.hash };
	const char *base;
	int dfd, rc;

	if ((rc = ronda_fs_open_parent(a->rootfd, it->path, true, 0, &dfd, &base)))
		return rc;
	if ((rc = keep_current(a, it, dfd, base)))
		goto out;
	meta_of(&it->want, &meta);
	if (it->want.type == 'l')
		rc = ronda_fs_replace_symlink(dfd, base, it->want.target ? it->want.target : "",
					      &meta);
	else
		rc = ronda_fs_replace(dfd, base, fill_object, &fo, &meta);
out:
	close(dfd);
	return rc;
}

/* First half of a staged write (main thread: database): open the parent
 * beneath the root and keep what is there now. */
static int prepare_write(struct apply *a, struct ronda_plan_item *it, int *dfd,
			 const char **base)
{
	int rc;

	if ((rc = ronda_fs_open_parent(a->rootfd, it->path, true, 0, dfd, base)))
		return rc;
	if ((rc = keep_current(a, it, *dfd, *base))) {
		close(*dfd);
		*dfd = -1;
	}
	return rc;
}

/* Second half, run by several threads: write the content into an
 * anonymous file next to it; the rename comes after the chunk's sync.  A
 * damaged object fails here and nothing is renamed. */
struct stage_job {
	struct apply *a;
	struct ronda_plan_item *it;
	int dfd;
	const char *base;
	struct ronda_fs_staged st;
	int rc;
};

struct stage_pool {
	struct stage_job *jobs;
	size_t n, next;
};

static void *stage_worker(void *arg)
{
	struct stage_pool *p = arg;

	for (;;) {
		size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
		struct stage_job *j;
		struct ronda_fs_meta meta;
		struct fill_obj fo;

		if (i >= p->n)
			return NULL;
		j = &p->jobs[i];
		if (j->dfd < 0)
			continue;
		fo.store = j->a->v->store;
		fo.hash = j->it->want.hash;
		meta_of(&j->it->want, &meta);
		j->rc = ronda_fs_stage(j->dfd, j->base, fill_object, &fo, &meta, false, &j->st);
	}
}

static int do_meta(struct apply *a, struct ronda_plan_item *it)
{
	struct ronda_fs_meta m;
	struct stat st;
	int fd, rc;

	rc = ronda_fs_open_beneath(a->rootfd, it->path,
				   O_RDONLY | O_NONBLOCK | (it->want.type == 'd' ? O_DIRECTORY : 0),
				   0, &fd);
	if (rc)
		return rc;
	meta_of(&it->want, &m);
	if (fstat(fd, &st) < 0) {
		rc = ronda_err_from_errno(errno);
	} else if (st.st_ino != it->now.st_ino ||
		   vault_ts_ns(&st.st_ctim) != vault_ts_ns(&it->now.st_ctim)) {
		rc = RONDA_ECHANGED;   /* not what was planned: leave it */
	} else {
		if (m.set_owner && fchown(fd, m.uid, m.gid) < 0)
			rc = ronda_err_from_errno(errno);
		else if (fchmod(fd, m.mode & 07777) < 0)
			rc = ronda_err_from_errno(errno);
		else if (it->want.type == 'f') {
			struct timespec ts[2] = { { 0, UTIME_OMIT }, m.mtime };
			if (futimens(fd, ts) < 0)
				rc = ronda_err_from_errno(errno);
		}
	}
	close(fd);
	return rc;   /* made durable by the chunk's syncfs */
}

static int do_mkdir(struct apply *a, struct ronda_plan_item *it)
{
	const char *base;
	struct stat st;
	int dfd, rc, fd;

	if ((rc = ronda_fs_open_parent(a->rootfd, it->path, true, 0, &dfd, &base)))
		return rc;
	if (mkdirat(dfd, base, 0700) < 0 && errno != EEXIST) {
		rc = ronda_err_from_errno(errno);
		goto out;
	}
	fd = openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = errno == ENOTDIR || errno == ELOOP ? RONDA_EEXIST : ronda_err_from_errno(errno);
		goto out;
	}
	if (fstat(fd, &st) == 0) {
		if (geteuid() == 0 && fchown(fd, it->want.uid, it->want.gid) < 0)
			rc = ronda_err_from_errno(errno);
		else if (fchmod(fd, it->want.mode & 07777) < 0)
			rc = ronda_err_from_errno(errno);
	}
	close(fd);
	if (!rc)
		rc = ronda_fs_fsync_dir(dfd);
out:
	close(dfd);
	return rc;
}

static int do_rmdir(struct apply *a, struct ronda_plan_item *it)
{
	const char *base;
	int dfd, rc = RONDA_OK;

	if ((rc = ronda_fs_open_parent(a->rootfd, it->path, false, 0, &dfd, &base)))
		return rc;
	if (unlinkat(dfd, base, AT_REMOVEDIR) < 0)
		rc = errno == ENOTEMPTY || errno == EEXIST ? RONDA_EEXIST :
		     errno == ENOTDIR ? RONDA_ECHANGED : ronda_err_from_errno(errno);
	else
		rc = ronda_fs_fsync_dir(dfd);
	close(dfd);
	return rc;
}

static int run_item(struct apply *a, struct ronda_plan_item *it)
{
	ronda_buf_reset(&a->msg);
	ronda_fs_debug_pause("restore-item");
	switch (it->action) {
	case RONDA_ACT_QUARANTINE: {
		struct ronda_site site = { a->plan->site_id, NULL, a->plan->root, 0 };
		return ronda_quarantine_move(a->v, &site, a->rootfd, a->plan->root, it->path,
					     it->rule, a->reason, &it->quarantine_id, &a->msg);
	}
	case RONDA_ACT_RMDIR:
		return do_rmdir(a, it);
	case RONDA_ACT_MKDIR:
		return do_mkdir(a, it);
	case RONDA_ACT_WRITE:
	case RONDA_ACT_CREATE:
	case RONDA_ACT_SYMLINK:
		return do_write(a, it);
	case RONDA_ACT_META:
		return do_meta(a, it);
	case RONDA_ACT_CONFLICT:
		return RONDA_EUNSUPPORTED;
	case RONDA_ACT_NONE:
		break;
	}
	return RONDA_OK;
}

static int phase_of(enum ronda_action a)
{
	switch (a) {
	case RONDA_ACT_QUARANTINE: case RONDA_ACT_CONFLICT: return 0;
	case RONDA_ACT_RMDIR: return 1;
	case RONDA_ACT_MKDIR: return 2;
	default: return 3;
	}
}

/* Make it->path a hard link to it->link_to (both beneath the root); the
 * file it replaces holds the same content, just written by this restore.
 * Best effort: on failure the path keeps its own copy. */
static void relink(struct apply *a, struct ronda_plan_item *it)
{
	const char *lbase, *base;
	struct stat ls, st;
	char tmp[64];
	int ldfd, dfd;

	if (ronda_fs_open_parent(a->rootfd, it->link_to, false, 0, &ldfd, &lbase))
		return;
	if (ronda_fs_open_parent(a->rootfd, it->path, false, 0, &dfd, &base)) {
		close(ldfd);
		return;
	}
	if (fstatat(ldfd, lbase, &ls, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(ls.st_mode) &&
	    fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    ls.st_ino != st.st_ino && ls.st_size == st.st_size) {
		snprintf(tmp, sizeof(tmp), "%slink.%llu", RONDA_FS_TMP_PREFIX,
			 (unsigned long long)ronda_now_ns());
		if (linkat(ldfd, lbase, dfd, tmp, 0) == 0) {
			if (renameat(dfd, tmp, dfd, base) < 0)
				unlinkat(dfd, tmp, 0);
			else
				ronda_fs_fsync_dir(dfd);
		}
	}
	close(dfd);
	close(ldfd);
}

static void note_result(struct apply *a, struct ronda_plan_item *it, int *first)
{
	if (!it->result || *first)
		return;
	*first = it->result;
	ronda_buf_reset(a->err);
	if (a->msg.len)
		ronda_buf_addstr(a->err, a->msg.buf);
	else
		ronda_buf_addf(a->err, _("cannot %s '%s': %s"), ronda_action_name(it->action),
			       it->path, ronda_strerror(it->result));
}

static bool stop_all(int rc)
{
	/* the vault or the database failing makes every next step fail too */
	return rc == RONDA_ENOSPC || rc == RONDA_EROFS || rc == RONDA_EDB;
}

#define CHUNK_ITEMS 256

/* Phase 3 in chunks: keep copies and stage new contents for up to
 * CHUNK_ITEMS files, make all of it durable at once (vault syncfs, web
 * root syncfs, one database commit), then rename each into place and sync
 * the renames.  Each file still goes from old to new in one rename. */
static int write_chunk(struct apply *a, size_t *idx, size_t n,
		       void (*on_item)(const struct ronda_plan_item *it, void *arg),
		       void *arg, int *first)
{
	struct stage_job *jobs = xcalloc(n, sizeof(*jobs));
	struct stage_pool pool = { jobs, n, 0 };
	struct ronda_buf tmp = RONDA_BUF_INIT(4096);
	pthread_t tids[8];
	size_t n_threads = 0;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int rc = RONDA_OK;

	for (size_t k = 0; k < n; k++) {
		jobs[k].dfd = -1;
		a->plan->items[idx[k]].result = RONDA_ECANCELED;   /* until done */
	}
	if ((rc = ronda_store_batch_begin(a->v->store)) ||
	    (rc = ronda_db_begin(a->v->db, &tmp)))
		goto fail_all;
	for (size_t k = 0; k < n; k++) {
		struct ronda_plan_item *it = &a->plan->items[idx[k]];

		jobs[k].a = a;
		jobs[k].it = it;
		ronda_buf_reset(&a->msg);
		ronda_fs_debug_pause("restore-item");
		if (it->action == RONDA_ACT_META)
			it->result = do_meta(a, it);
		else if (it->want.type == 'l')
			it->result = do_write(a, it);
		else
			it->result = prepare_write(a, it, &jobs[k].dfd, &jobs[k].base);
		note_result(a, it, first);
		if (stop_all(it->result)) {
			rc = it->result;
			break;
		}
	}
	if (!rc) {
		cpus = cpus < 1 ? 1 : cpus > 8 ? 8 : cpus;
		for (long i = 1; i < cpus && n > 8; i++)
			if (pthread_create(&tids[n_threads], NULL, stage_worker, &pool) == 0)
				n_threads++;
		stage_worker(&pool);
		for (size_t i = 0; i < n_threads; i++)
			pthread_join(tids[i], NULL);
	}
	for (size_t k = 0; k < n; k++) {
		if (jobs[k].dfd < 0)
			continue;
		close(jobs[k].dfd);
		jobs[k].dfd = -2;   /* staged (or failed staging) */
		if (jobs[k].rc) {
			jobs[k].it->result = jobs[k].rc;
			ronda_buf_reset(&a->msg);
			note_result(a, jobs[k].it, first);
			if (stop_all(jobs[k].rc) && !rc)
				rc = jobs[k].rc;
		}
	}
	if (!rc && (rc = ronda_store_batch_end(a->v->store)) == RONDA_OK &&
	    syncfs(a->rootfd) < 0)
		rc = ronda_err_from_errno(errno);
	if (!rc)
		rc = ronda_db_commit(a->v->db, &tmp);
	else
		ronda_db_rollback(a->v->db);
	for (size_t k = 0; k < n; k++) {
		struct ronda_plan_item *it = &a->plan->items[idx[k]];

		if (jobs[k].dfd == -2 && !jobs[k].rc) {
			if (rc) {
				ronda_fs_abort(&jobs[k].st);
				it->result = rc;
			} else {
				it->result = ronda_fs_commit(&jobs[k].st, false);
			}
			ronda_buf_reset(&a->msg);
			note_result(a, it, first);
		}
		if (on_item && it->action != RONDA_ACT_NONE)
			on_item(it, arg);
	}
	if (!rc && syncfs(a->rootfd) < 0)
		rc = ronda_err_from_errno(errno);
	goto out;
fail_all:
	for (size_t k = 0; k < n; k++) {
		struct ronda_plan_item *it = &a->plan->items[idx[k]];
		it->result = rc;
		note_result(a, it, first);
		if (on_item)
			on_item(it, arg);
	}
out:
	free(jobs);
	ronda_buf_release(&tmp);
	return rc;
}

int ronda_restore_apply(struct ronda_vault *v, struct ronda_plan *plan,
			const char *reason,
			void (*on_item)(const struct ronda_plan_item *it, void *arg),
			void *arg, struct ronda_buf *err)
{
	struct apply a = { v, plan, reason ? reason : "restore", -1, err, RONDA_BUF_INIT(8192) };
	size_t *idx = NULL, n_idx = 0;
	int first = RONDA_OK, rc;

	if ((rc = ronda_fs_open_root(plan->root, &a.rootfd))) {
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("cannot open '%s': %s"), plan->root, ronda_strerror(rc));
		return rc;
	}
	for (int phase = 0; phase < 3; phase++) {
		for (size_t k = 0; k < plan->n; k++) {
			/* directories go away deepest first */
			size_t i = phase == 1 ? plan->n - 1 - k : k;
			struct ronda_plan_item *it = &plan->items[i];

			if (phase_of(it->action) != phase)
				continue;
			it->result = run_item(&a, it);
			note_result(&a, it, &first);
			if (on_item)
				on_item(it, arg);
			if (stop_all(it->result))
				goto out;
		}
	}
	idx = xcalloc(plan->n ? plan->n : 1, sizeof(*idx));
	for (size_t k = 0; k < plan->n; k++)
		if (phase_of(plan->items[k].action) == 3 && plan->items[k].action != RONDA_ACT_NONE)
			idx[n_idx++] = k;
	for (size_t k = 0; k < n_idx; k += CHUNK_ITEMS) {
		rc = write_chunk(&a, idx + k, MIN(CHUNK_ITEMS, n_idx - k), on_item, arg, &first);
		if (rc && !first) {
			first = rc;
			ronda_buf_reset(err);
			ronda_buf_addf(err, _("cannot restore: %s"), ronda_strerror(rc));
		}
		if (stop_all(rc))
			break;
	}
	/* hard links last: their leader holds the right content by now */
	for (size_t k = 0; k < plan->n; k++) {
		struct ronda_plan_item *it = &plan->items[k];
		bool leader_ok = true;

		if (!it->link_to || it->result)
			continue;
		for (size_t m = 0; m < plan->n; m++)
			if (!strcmp(plan->items[m].path, it->link_to) && plan->items[m].result)
				leader_ok = false;
		if (leader_ok)
			relink(&a, it);
	}
out:
	free(idx);
	close(a.rootfd);
	ronda_buf_release(&a.msg);
	return first;
}
