/*
 * tree.c — walking a web root into a sorted list of entries and hashing its
 * regular files on a pool of threads (see baseline.h for the rules).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/i18n.h"
#include "state/baseline.h"
#include "core/util.h"

#define HASH_BUF_SIZE (256 * 1024)
#define HASH_RETRIES 3

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static char stat_type(mode_t m)
{
	if (S_ISREG(m)) return RONDA_ET_FILE;
	if (S_ISDIR(m)) return RONDA_ET_DIR;
	if (S_ISLNK(m)) return RONDA_ET_LINK;
	if (S_ISCHR(m)) return RONDA_ET_CHR;
	if (S_ISBLK(m)) return RONDA_ET_BLK;
	if (S_ISFIFO(m)) return RONDA_ET_FIFO;
	return RONDA_ET_SOCK;
}

static void fill_stat(struct ronda_entry *e, const struct stat *st)
{
	e->type = stat_type(st->st_mode);
	e->mode = st->st_mode & 07777;
	e->uid = st->st_uid;
	e->gid = st->st_gid;
	e->size = (uint64_t)st->st_size;
	e->mtime_ns = ts_ns(&st->st_mtim);
	e->ctime_ns = ts_ns(&st->st_ctim);
	e->ino = st->st_ino;
	e->nlink = st->st_nlink;
}

void ronda_tree_release(struct ronda_tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].target);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

struct walk {
	struct ronda_tree *t;
	const struct ronda_tree_opts *opts;
	struct ronda_buf *err;
	char path[PATH_MAX];   /* relative path of the directory being read */
};

static void walk_error(struct walk *w, const char *rel, ronda_err e)
{
	w->t->n_errors++;
	if (w->opts->on_error)
		w->opts->on_error(rel, e, w->opts->arg);
}

static struct ronda_entry *add_entry(struct walk *w, const char *rel)
{
	struct ronda_entry *e;

	w->t->v = xgrow(w->t->v, &w->t->alloc, w->t->n + 1, sizeof(*w->t->v));
	e = &w->t->v[w->t->n++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(rel);
	return e;
}

/* Read directory `fd` (whose relative path is w->path, length plen). */
static int walk_dir(struct walk *w, int fd, size_t plen, unsigned depth)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int ret = RONDA_OK;

	if (!d) {
		walk_error(w, w->path, ronda_err_from_errno(errno));
		close(fd);
		return RONDA_OK;
	}
	for (;;) {
		struct ronda_entry *e;
		struct stat st;
		size_t nlen, elen;

		errno = 0;
		if (!(de = readdir(d))) {
			if (errno)
				walk_error(w, w->path, ronda_err_from_errno(errno));
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		nlen = strlen(de->d_name);
		elen = plen + (plen ? 1 : 0) + nlen;
		if (elen >= sizeof(w->path)) {
			w->path[plen] = '\0';
			walk_error(w, w->path, RONDA_ETOOBIG);
			continue;
		}
		if (plen)
			w->path[plen] = '/';
		memcpy(w->path + plen + (plen ? 1 : 0), de->d_name, nlen + 1);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			if (errno != ENOENT)    /* vanished while walking: not there */
				walk_error(w, w->path, ronda_err_from_errno(errno));
			w->path[plen] = '\0';
			continue;
		}
		if (w->opts->skip && (uint64_t)st.st_dev == w->opts->skip_dev &&
		    (uint64_t)st.st_ino == w->opts->skip_ino) {
			w->path[plen] = '\0';
			continue;
		}
		if (w->t->n >= RONDA_TREE_MAX_ENTRIES) {
			ronda_buf_reset(w->err);
			ronda_buf_addf(w->err, _("more than %zu entries under the root; "
						 "refusing to go on"), RONDA_TREE_MAX_ENTRIES);
			ret = RONDA_ETOOBIG;
			break;
		}
		e = add_entry(w, w->path);
		fill_stat(e, &st);
		if ((uint64_t)st.st_dev != w->t->dev) {
			e->xdev = true;
			w->t->n_skipped++;
		} else if (e->type == RONDA_ET_LINK) {
			char tgt[PATH_MAX];
			ssize_t n = readlinkat(dirfd(d), de->d_name, tgt, sizeof(tgt) - 1);

			if (n < 0) {
				e->err = (uint8_t)ronda_err_from_errno(errno);
				walk_error(w, w->path, e->err);
			} else {
				e->target = xstrndup(tgt, (size_t)n);
			}
		} else if (e->type == RONDA_ET_FILE) {
			w->t->n_files++;
		} else if (e->type == RONDA_ET_DIR) {
			struct stat st2;
			int cfd;

			if (depth + 1 >= RONDA_TREE_MAX_DEPTH) {
				w->t->n_skipped++;
				walk_error(w, w->path, RONDA_ETOOBIG);
				w->path[plen] = '\0';
				continue;
			}
			cfd = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				e->err = (uint8_t)ronda_err_from_errno(errno);
				walk_error(w, w->path, e->err);
			} else if (fstat(cfd, &st2) || st2.st_dev != st.st_dev ||
				   st2.st_ino != st.st_ino) {
				/* swapped between stat and open */
				e->err = RONDA_ECHANGED;
				walk_error(w, w->path, RONDA_ECHANGED);
				close(cfd);
			} else {
				ret = walk_dir(w, cfd, elen, depth + 1);
				if (ret)
					break;
			}
		}
		w->path[plen] = '\0';
	}
	closedir(d);
	return ret;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct ronda_entry *)a)->path,
		      ((const struct ronda_entry *)b)->path);
}

const struct ronda_entry *ronda_tree_find(const struct ronda_tree *t, const char *path)
{
	struct ronda_entry key = { .path = (char *)path };

	if (!t->n)
		return NULL;
	return bsearch(&key, t->v, t->n, sizeof(key), cmp_entry);
}

/* ---- hashing ---- */

struct hasher {
	struct ronda_tree *t;
	const struct ronda_tree_opts *opts;
	int rootfd;
	size_t *todo;            /* indices into t->v */
	size_t n_todo;
	atomic_size_t next;
	atomic_uint_fast64_t bytes;
	pthread_mutex_t lock;    /* serialises on_error */
	EVP_MD *md;
};

static int open_beneath(int rootfd, const char *rel)
{
	static atomic_int no_openat2;
	struct open_how how = {
		.flags = O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	int fd;

	if (!atomic_load_explicit(&no_openat2, memory_order_relaxed)) {
		fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return fd;
		atomic_store(&no_openat2, 1);
	}
	/* old kernels: the walk already checked every directory; the final
	 * component is not followed and the inode is compared by the caller */
	return openat(rootfd, rel, (int)how.flags);
}

static int hash_one(struct hasher *h, EVP_MD_CTX *ctx, unsigned char *buf,
		    struct ronda_entry *e)
{
	for (int attempt = 0; attempt < HASH_RETRIES; attempt++) {
		struct stat a, b;
		unsigned int mdlen = 0;
		uint64_t total = 0;
		int fd = open_beneath(h->rootfd, e->path);
		int ret = RONDA_OK;

		if (fd < 0)
			return ronda_err_from_errno(errno);
		if (fstat(fd, &a) || !S_ISREG(a.st_mode) || a.st_ino != e->ino) {
			close(fd);
			return RONDA_ECHANGED;
		}
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		EVP_DigestInit_ex(ctx, h->md, NULL);
		for (;;) {
			ssize_t n = read(fd, buf, HASH_BUF_SIZE);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				ret = ronda_err_from_errno(errno);
				break;
			}
			if (n == 0)
				break;
			EVP_DigestUpdate(ctx, buf, (size_t)n);
			total += (uint64_t)n;
		}
		if (!ret && fstat(fd, &b))
			ret = ronda_err_from_errno(errno);
		close(fd);
		if (ret)
			return ret;
		atomic_fetch_add_explicit(&h->bytes, total, memory_order_relaxed);
		if (a.st_size != b.st_size || ts_ns(&a.st_mtim) != ts_ns(&b.st_mtim) ||
		    ts_ns(&a.st_ctim) != ts_ns(&b.st_ctim) || total != (uint64_t)b.st_size)
			continue;   /* written while we read it: again */
		EVP_DigestFinal_ex(ctx, e->sha256, &mdlen);
		/* the metadata stored is what the hashed content had */
		fill_stat(e, &b);
		e->has_hash = true;
		return RONDA_OK;
	}
	return RONDA_ECHANGED;
}

static void *hash_worker(void *arg)
{
	struct hasher *h = arg;
	unsigned char *buf = xmalloc(HASH_BUF_SIZE);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		abort();    /* OpenSSL could not allocate: out of memory */
	for (;;) {
		size_t i = atomic_fetch_add_explicit(&h->next, 1, memory_order_relaxed);
		struct ronda_entry *e;
		int ret;

		if (i >= h->n_todo)
			break;
		e = &h->t->v[h->todo[i]];
		ret = hash_one(h, ctx, buf, e);
		if (ret) {
			e->err = (uint8_t)ret;
			pthread_mutex_lock(&h->lock);
			h->t->n_errors++;
			if (h->opts->on_error)
				h->opts->on_error(e->path, ret, h->opts->arg);
			pthread_mutex_unlock(&h->lock);
		}
	}
	EVP_MD_CTX_free(ctx);
	free(buf);
	return NULL;
}

static bool can_reuse(const struct ronda_tree *prev, const struct ronda_entry *p,
		      const struct ronda_entry *e)
{
	return p && p->type == RONDA_ET_FILE && p->has_hash && !p->xdev &&
	       p->size == e->size && p->mtime_ns == e->mtime_ns &&
	       p->ctime_ns == e->ctime_ns && p->ino == e->ino &&
	       p->ctime_ns < prev->started_ns - RONDA_RACY_NS;
}

static int hash_tree(struct ronda_tree *t, int rootfd, const struct ronda_tree_opts *opts,
		     struct ronda_buf *err)
{
	const struct ronda_tree *prev = opts->paranoid ? NULL : opts->prev;
	struct hasher h = { .t = t, .opts = opts, .rootfd = rootfd };
	unsigned n_threads = opts->threads;
	pthread_t *tids;
	size_t j = 0;
	bool *started;

	if (prev && prev->dev != t->dev)
		prev = NULL;    /* another filesystem: inode numbers mean nothing */
	h.todo = xmalloc((t->n ? t->n : 1) * sizeof(*h.todo));
	for (size_t i = 0; i < t->n; i++) {
		struct ronda_entry *e = &t->v[i];
		const struct ronda_entry *p;

		if (e->type != RONDA_ET_FILE || e->xdev)
			continue;
		/* both trees are sorted: walk prev along with t */
		p = NULL;
		if (prev) {
			while (j < prev->n && strcmp(prev->v[j].path, e->path) < 0)
				j++;
			if (j < prev->n && !strcmp(prev->v[j].path, e->path))
				p = &prev->v[j];
		}
		if (prev && can_reuse(prev, p, e)) {
			memcpy(e->sha256, p->sha256, sizeof(e->sha256));
			e->has_hash = true;
			t->n_reused++;
		} else {
			h.todo[h.n_todo++] = i;
		}
	}
	if (!h.n_todo) {
		free(h.todo);
		return RONDA_OK;
	}
	h.md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!h.md) {
		free(h.todo);
		ronda_buf_reset(err);
		ronda_buf_addstr(err, _("cannot set up SHA-256 (OpenSSL)"));
		return RONDA_ECRYPTO;
	}
	pthread_mutex_init(&h.lock, NULL);
	if (!n_threads) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		n_threads = c > 0 ? (unsigned)c : 1;
	}
	if (n_threads > 256)
		n_threads = 256;
	if (n_threads > h.n_todo)
		n_threads = (unsigned)h.n_todo;
	tids = xcalloc(n_threads, sizeof(*tids));
	started = xcalloc(n_threads, sizeof(*started));
	for (unsigned i = 1; i < n_threads; i++)
		started[i] = !pthread_create(&tids[i], NULL, hash_worker, &h);
	hash_worker(&h);        /* the calling thread works too */
	for (unsigned i = 1; i < n_threads; i++)
		if (started[i])
			pthread_join(tids[i], NULL);
	t->n_hashed += h.n_todo;
	t->n_bytes_hashed += atomic_load(&h.bytes);
	pthread_mutex_destroy(&h.lock);
	EVP_MD_free(h.md);
	free(tids);
	free(started);
	free(h.todo);
	return RONDA_OK;
}

int ronda_tree_build(const char *root, const struct ronda_tree_opts *opts,
		     struct ronda_tree *out, struct ronda_buf *err)
{
	struct walk *w;
	struct ronda_entry *e;
	struct timespec now;
	struct stat st;
	int fd, walkfd, ret;

	memset(out, 0, sizeof(*out));
	clock_gettime(CLOCK_REALTIME, &now);
	out->started_ns = ts_ns(&now);
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		int e2 = errno;

		if (fd >= 0)
			close(fd);
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("cannot open root '%s': %s"), root, strerror(e2));
		return ronda_err_from_errno(e2);
	}
	out->dev = (uint64_t)st.st_dev;
	w = xcalloc(1, sizeof(*w));
	w->t = out;
	w->opts = opts;
	w->err = err;
	e = add_entry(w, "");
	fill_stat(e, &st);
	walkfd = dup(fd);
	if (walkfd < 0) {
		ret = ronda_err_from_errno(errno);
		ronda_buf_reset(err);
		ronda_buf_addf(err, _("cannot open root '%s': %s"), root, strerror(errno));
		goto out;
	}
	ret = walk_dir(w, walkfd, 0, 0);
	if (ret)
		goto out;
	qsort(out->v, out->n, sizeof(*out->v), cmp_entry);
	ret = hash_tree(out, fd, opts, err);
out:
	close(fd);
	free(w);
	if (ret)
		ronda_tree_release(out);
	return ret;
}
