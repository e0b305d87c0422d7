/*
 * walk.c — walking roots with a pool of threads, reading each file once
 * (bounded), and delivering results and aggregate findings.
 *
 * Jobs are directories (by path relative to the root) and batches of file
 * names in one directory (sharing a reference-counted directory fd).  File
 * batches are always taken before directories, so at most about one
 * directory per worker has open batches: the fd count stays bounded however
 * wide the tree.  Directories are opened beneath the root with
 * ronda_open_beneath(): a directory swapped for a symlink mid-walk is not
 * followed.  Symbolic links are never followed; one that points outside the
 * root is a finding.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/engine_priv.h"
#include "core/fsutil.h"
#include "core/i18n.h"
#include "core/hscache.h"
#include "core/util.h"

#define BATCH 32

struct dirref {
	int fd;
	unsigned refs;      /* guarded by the queue lock */
	char *relpath;
};

struct job {
	struct job *next;
	struct dirref *dir;        /* file batch: the directory */
	char *relpath;             /* directory job: its relative path */
	char *names[BATCH];
	size_t n_names;
};

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *files, *files_tail;
	struct job *dirs, *dirs_tail;
	unsigned busy;             /* workers holding a job */
	bool done;
};

struct walker {
	size_t warm;             /* heap bytes to touch before the first file */
	struct scan *s;
	struct queue *q;
	struct worker w;
};

static void push(struct queue *q, struct job *j)
{
	pthread_mutex_lock(&q->lock);
	if (j->dir) {
		if (q->files_tail)
			q->files_tail->next = j;
		else
			q->files = j;
		q->files_tail = j;
	} else {
		if (q->dirs_tail)
			q->dirs_tail->next = j;
		else
			q->dirs = j;
		q->dirs_tail = j;
	}
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

static struct job *pop(struct queue *q)
{
	struct job *j = NULL;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		if (q->files) {
			j = q->files;
			q->files = j->next;
			if (!q->files)
				q->files_tail = NULL;
			break;
		}
		if (q->dirs) {
			j = q->dirs;
			q->dirs = j->next;
			if (!q->dirs)
				q->dirs_tail = NULL;
			break;
		}
		if (q->busy == 0 || q->done) {
			q->done = true;
			pthread_cond_broadcast(&q->cond);
			break;
		}
		pthread_cond_wait(&q->cond, &q->lock);
	}
	if (j)
		q->busy++;
	pthread_mutex_unlock(&q->lock);
	return j;
}

static void job_done(struct queue *q, struct job *j)
{
	pthread_mutex_lock(&q->lock);
	q->busy--;
	if (j->dir && --j->dir->refs == 0) {
		close(j->dir->fd);
		free(j->dir->relpath);
		free(j->dir);
	}
	if (q->busy == 0 && !q->files && !q->dirs)
		pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	for (size_t i = 0; i < j->n_names; i++)
		free(j->names[i]);
	free(j->relpath);
	free(j);
}

static void report_error(struct scan *s, const char *relpath, ronda_err err)
{
	char path[PATH_MAX + 256];

	snprintf(path, sizeof(path), "%s%s%s", s->root, *relpath ? "/" : "", relpath);
	__atomic_add_fetch(&s->stats->n_errors, 1, __ATOMIC_RELAXED);
	if (s->o->on_error) {
		pthread_mutex_lock(&s->out_lock);
		s->o->on_error(path, err, s->o->arg);
		pthread_mutex_unlock(&s->out_lock);
	}
}

static bool excluded(const struct scan *s, const char *relpath, const char *name)
{
	for (size_t i = 0; i < s->o->n_excludes; i++) {
		const char *g = s->o->excludes[i];
		if (!fnmatch(g, relpath, 0) || !fnmatch(g, name, 0))
			return true;
	}
	return false;
}

static char *join(const char *dir, const char *name)
{
	struct ronda_buf b = RONDA_BUF_INIT(0);

	if (*dir) {
		ronda_buf_addstr(&b, dir);
		ronda_buf_addch(&b, '/');
	}
	ronda_buf_addstr(&b, name);
	return ronda_buf_detach(&b, NULL);
}

void deliver(struct scan *s, struct ronda_result *r, size_t n_allowed)
{
	struct ronda_scan_stats *st = s->stats;

	pthread_mutex_lock(&s->out_lock);
	st->n_allowed += n_allowed;
	for (size_t i = 0; i < r->n_findings; i++)
		st->n_findings[r->findings[i].severity]++;
	if (r->st) {
		/* slowest five, by wall time */
		size_t k = ARRAY_SIZE(st->slowest);
		if (r->scan_ns > st->slowest[k - 1].ns) {
			size_t i = k - 1;
			while (i > 0 && st->slowest[i - 1].ns < r->scan_ns) {
				st->slowest[i] = st->slowest[i - 1];
				i--;
			}
			ronda_strlcpy(st->slowest[i].path, r->path, sizeof(st->slowest[i].path));
			st->slowest[i].ns = r->scan_ns;
			st->slowest[i].size = (uint64_t)r->st->st_size;
		}
	}
	if (r->st && r->cpu_ns && r->st->st_size > 0) {
		/* worst CPU time per byte: a/b > c/d as a*d > c*b (in 128 bits) */
		size_t k = ARRAY_SIZE(st->slowest_per_mb), i = k;
		unsigned __int128 a = r->cpu_ns, b = (uint64_t)r->st->st_size;

		while (i > 0 && (!st->slowest_per_mb[i - 1].ns ||
				 a * st->slowest_per_mb[i - 1].size >
				 (unsigned __int128)st->slowest_per_mb[i - 1].ns * b))
			i--;
		if (i < k) {
			memmove(&st->slowest_per_mb[i + 1], &st->slowest_per_mb[i],
				(k - 1 - i) * sizeof(st->slowest_per_mb[0]));
			ronda_strlcpy(st->slowest_per_mb[i].path, r->path,
				      sizeof(st->slowest_per_mb[i].path));
			st->slowest_per_mb[i].ns = r->cpu_ns;
			st->slowest_per_mb[i].size = b;
		}
	}
	if (s->o->on_result && (r->n_findings || s->o->report_clean))
		s->o->on_result(r, s->o->arg);
	pthread_mutex_unlock(&s->out_lock);
}

/* Targets that a "symlink bypass" tool plants links to: credentials, other
 * users' homes and sites, the process table.  Debian packages link their
 * configuration into /etc/<package>/ and certificates into /etc/ssl: those
 * are outside the root (medium) but not this. */
static bool sensitive_target(const char *t)
{
	static const char *const prefixes[] = {
		"/etc/passwd", "/etc/shadow", "/etc/gshadow", "/etc/sudoers",
		"/etc/ssh/", "/etc/mysql/debian.cnf", "/root", "/home/", "/proc/",
		"/var/lib/mysql", "/var/lib/ronda", "/run/secrets", "/boot", NULL,
	};
	static const char *const names[] = {
		"wp-config", ".env", "id_rsa", "id_ed25519", ".ssh/", ".htpasswd",
		"configuration.php", "database.php", "settings.php", NULL,
	};

	if (!strcmp(t, "/"))
		return true;
	for (const char *const *p = prefixes; *p; p++)
		if (!strncmp(t, *p, strlen(*p)))
			return true;
	if (!strncmp(t, "/etc/", 5))
		return false;
	for (const char *const *n = names; *n; n++)
		if (strstr(t, *n))
			return true;
	return false;
}

/* Is the link target outside the root?  Lexical check on the normalised
 * target (the kernel never resolves it for us: we do not follow links). */
static bool link_escapes(const struct scan *s, const char *dir_rel,
			 const char *target, bool *sensitive)
{
	struct ronda_buf b = RONDA_BUF_INIT(PATH_MAX * 2);
	size_t depth = 0;
	bool out = false;
	char *p, *save = NULL;

	*sensitive = false;
	if (target[0] == '/') {
		size_t rl = strlen(s->root_real);
		if (!strncmp(target, s->root_real, rl) &&
		    (target[rl] == '/' || target[rl] == '\0' || rl == 1) &&
		    !strstr(target, "/../"))
			return false;
		*sensitive = sensitive_target(target);
		return true;
	}
	if (ronda_buf_addstr(&b, dir_rel) || ronda_buf_addch(&b, '/') ||
	    ronda_buf_addstr(&b, target)) {
		ronda_buf_release(&b);
		return true;
	}
	for (p = strtok_r(b.buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (!strcmp(p, "."))
			continue;
		if (!strcmp(p, "..")) {
			if (depth == 0) {
				out = true;
				break;
			}
			depth--;
			continue;
		}
		depth++;
	}
	ronda_buf_release(&b);
	if (out)
		*sensitive = sensitive_target(target);
	return out;
}

static void scan_symlink(struct walker *wk, int dfd, const char *dir_rel,
			 const char *name, const struct stat *st)
{
	struct scan *s = wk->s;
	char target[PATH_MAX];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
	char *rel = join(dir_rel, name);
	char *path = join(s->root, rel);
	bool sensitive;

	if (n < 0) {
		free(rel);
		free(path);
		return;
	}
	target[n] = '\0';
	if (link_escapes(s, dir_rel, target, &sensitive)) {
		struct ronda_file_priv fp = { .s = s, .w = &wk->w };
		struct ronda_file f = { .path = path, .relpath = rel, .name = name,
					.ext = "", .st = st,
					.data = (const unsigned char *)target,
					.len = (size_t)n, .layer = "", .priv = &fp };
		struct ronda_result r = { .path = path, .relpath = rel, .root = s->root,
					  .st = NULL };
		const struct ronda_rule *rule =
			&ronda_fs_rules[sensitive ? FS_SYMLINK_SENSITIVE : FS_SYMLINK_OUT];
		size_t n_allowed = 0;

		ronda_report(&f, rule, 0, _("links to '%s'"), target);
		fp.findings[0].line = 0;
		if (s->allow && allowlist_path(s->allow, rel, rule->id)) {
			free(fp.findings[0].detail);
			fp.n_findings = 0;
			n_allowed = 1;
		}
		r.findings = fp.findings;
		r.n_findings = fp.n_findings;
		deliver(s, &r, n_allowed);
		for (size_t i = 0; i < fp.n_findings; i++)
			free(fp.findings[i].detail);
		free(fp.findings);
		while (fp.arena) {
			struct arena_chunk *next = fp.arena->next;
			free(fp.arena);
			fp.arena = next;
		}
	}
	free(rel);
	free(path);
}

/* Read a whole file, or its head and tail past the cap, into w->rbuf. */
static int read_file(struct worker *w, int fd, const struct stat *st,
		     uint64_t cap, size_t *len, bool *truncated)
{
	uint64_t size = (uint64_t)st->st_size;
	size_t want, got = 0;

	*truncated = size > cap;
	want = (size_t)(*truncated ? cap : size);
	if (w->rbuf_alloc < want + 2) {
		free(w->rbuf);
		w->rbuf_alloc = MAX(want + 2, (size_t)64 << 10);
		w->rbuf = xmalloc(w->rbuf_alloc);
	}
	if (!*truncated) {
		while (got < want) {
			ssize_t n = read(fd, w->rbuf + got, want - got);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return ronda_err_from_errno(errno);
			}
			if (n == 0)
				break;      /* shrank while reading: scan what is there */
			got += (size_t)n;
		}
	} else {
		size_t half = want / 2;
		ssize_t n;

		while (got < half) {
			n = pread(fd, w->rbuf + got, half - got, (off_t)got);
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				break;
			}
			got += (size_t)n;
		}
		while (got < want) {
			off_t off = (off_t)(size - (want - half)) + (off_t)(got - half);
			n = pread(fd, w->rbuf + got, want - got, off);
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				break;
			}
			got += (size_t)n;
		}
	}
	w->rbuf[got] = '\0';
	*len = got;
	return RONDA_OK;
}

static void scan_file(struct walker *wk, int dfd, const char *dir_rel,
		      const char *name)
{
	struct scan *s = wk->s;
	struct stat st;
	uint64_t t0 = ronda_now_ns(), cpu_t0;
	char *rel, *path;
	size_t len = 0;
	bool truncated = false;
	int fd, rc;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT) {
			rel = join(dir_rel, name);
			report_error(s, rel, ronda_err_from_errno(errno));
			free(rel);
		}
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		scan_symlink(wk, dfd, dir_rel, name, &st);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		__atomic_add_fetch(&s->stats->n_skipped, 1, __ATOMIC_RELAXED);
		return;
	}
	rel = join(dir_rel, name);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno != ENOENT)
			report_error(s, rel, ronda_err_from_errno(errno));
		free(rel);
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		/* swapped for something else between readdir and open */
		__atomic_add_fetch(&s->stats->n_skipped, 1, __ATOMIC_RELAXED);
		close(fd);
		free(rel);
		return;
	}
	/* a syscall: only for files big enough to be ranked per MB */
	cpu_t0 = (uint64_t)st.st_size >= RONDA_PER_MB_MIN ? ronda_thread_cpu_ns() : 0;
	rc = read_file(&wk->w, fd, &st, s->max_filesize, &len, &truncated);
	close(fd);
	if (rc) {
		report_error(s, rel, rc);
		free(rel);
		return;
	}
	__atomic_add_fetch(&s->stats->n_files, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&s->stats->n_bytes, len, __ATOMIC_RELAXED);
	if (truncated)
		__atomic_add_fetch(&s->stats->n_truncated, 1, __ATOMIC_RELAXED);
	if (s->o->progress_files)
		__atomic_add_fetch(s->o->progress_files, 1, __ATOMIC_RELAXED);
	if (s->o->progress_bytes)
		__atomic_add_fetch(s->o->progress_bytes, len, __ATOMIC_RELAXED);
	path = join(s->root, rel);
	scan_content(&wk->w, path, rel, name, &st, wk->w.rbuf, len, truncated, t0,
		     cpu_t0);
	free(path);
	free(rel);
	/* do not keep a huge buffer around after one big file */
	if (wk->w.rbuf_alloc > ((size_t)4 << 20)) {
		free(wk->w.rbuf);
		wk->w.rbuf = NULL;
		wk->w.rbuf_alloc = 0;
	}
}

static void do_dir(struct walker *wk, struct job *j)
{
	struct scan *s = wk->s;
	struct dirref *ref = NULL;
	struct job *batch = NULL;
	struct stat st;
	DIR *d;
	int fd;

	fd = ronda_open_beneath(s->rootfd, *j->relpath ? j->relpath : ".",
				O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		if (-fd != RONDA_ENOENT && -fd != RONDA_ELOOP)
			report_error(s, j->relpath, (ronda_err)-fd);
		return;
	}
	if (fstat(fd, &st) < 0 || (!s->o->cross_filesystems && st.st_dev != s->root_dev)) {
		__atomic_add_fetch(&s->stats->n_skipped, 1, __ATOMIC_RELAXED);
		close(fd);
		return;
	}
	__atomic_add_fetch(&s->stats->n_dirs, 1, __ATOMIC_RELAXED);
	d = fdopendir(dup(fd));
	if (!d) {
		report_error(s, j->relpath, ronda_err_from_errno(errno));
		close(fd);
		return;
	}
	ref = xcalloc(1, sizeof(*ref));
	ref->fd = fd;
	ref->refs = 1;     /* ours, dropped below */
	ref->relpath = xstrdup(j->relpath);
	for (;;) {
		struct dirent *de;
		char *rel;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				report_error(s, j->relpath, ronda_err_from_errno(errno));
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		rel = join(j->relpath, de->d_name);
		if (s->o->n_excludes && excluded(s, rel, de->d_name)) {
			__atomic_add_fetch(&s->stats->n_skipped, 1, __ATOMIC_RELAXED);
			free(rel);
			continue;
		}
		if (de->d_type == DT_DIR) {
			struct job *dj = xcalloc(1, sizeof(*dj));
			dj->relpath = rel;
			push(wk->q, dj);
			continue;
		}
		if (de->d_type == DT_UNKNOWN) {
			struct stat est;
			if (fstatat(fd, de->d_name, &est, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISDIR(est.st_mode)) {
				struct job *dj = xcalloc(1, sizeof(*dj));
				dj->relpath = rel;
				push(wk->q, dj);
				continue;
			}
		}
		free(rel);
		if (!batch) {
			batch = xcalloc(1, sizeof(*batch));
			batch->dir = ref;
			pthread_mutex_lock(&wk->q->lock);
			ref->refs++;
			pthread_mutex_unlock(&wk->q->lock);
		}
		batch->names[batch->n_names++] = xstrdup(de->d_name);
		if (batch->n_names == BATCH) {
			push(wk->q, batch);
			batch = NULL;
		}
	}
	closedir(d);
	if (batch)
		push(wk->q, batch);
	pthread_mutex_lock(&wk->q->lock);
	if (--ref->refs == 0) {
		close(ref->fd);
		free(ref->relpath);
		free(ref);
	}
	pthread_mutex_unlock(&wk->q->lock);
}

#define WARM_HEAP_ALL ((size_t)32 << 20)

/* Grow this thread's heap by n bytes, one write per page, and free them
 * again (see warm_heap in scan.h). */
static void warm_heap(size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	volatile unsigned char *p;

	if (!n || pg <= 0)
		return;
	p = malloc(n);
	if (!p)
		return;
	for (size_t i = 0; i < n; i += (size_t)pg)
		p[i] = 0;
	free((void *)p);
}

static void *thread_main(void *arg)
{
	struct walker *wk = arg;
	struct job *j;

	/* the scratch of lexicons and word lists, and the heap, before the
	 * first file, so they are not charged to that file (slowest_per_mb) */
	ronda_hs_thread_warm();
	warm_heap(wk->warm);
	while ((j = pop(wk->q)) != NULL) {
		if (j->dir) {
			for (size_t i = 0; i < j->n_names; i++)
				scan_file(wk, j->dir->fd, j->dir->relpath, j->names[i]);
		} else {
			do_dir(wk, j);
		}
		job_done(wk->q, j);
	}
	return NULL;
}

static unsigned n_threads(const struct ronda_scan_opts *o)
{
	long n;

	if (o->threads)
		return MIN(o->threads, 256u);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)MIN(n, 256L) : 1;
}

static int walk_root(struct scan *s, struct job *first, bool warm)
{
	unsigned n = n_threads(s->o), started = 0;
	struct walker *wk = xcalloc(n, sizeof(*wk));
	pthread_t *tids = xcalloc(n, sizeof(*tids));
	struct queue q = { 0 };
	int rc = RONDA_OK;

	pthread_mutex_init(&q.lock, NULL);
	pthread_cond_init(&q.cond, NULL);
	for (unsigned i = 0; i < n; i++) {
		wk[i].s = s;
		wk[i].q = &q;
		/* the heap warm-up of scan.h, at most WARM_HEAP_ALL in all */
		wk[i].warm = warm ? MIN(s->o->warm_heap, WARM_HEAP_ALL / n) : 0;
		rc = worker_init(&wk[i].w, s);
		if (rc) {
			free(first->relpath);
			free(first);
			goto out;
		}
	}
	push(&q, first);
	for (unsigned i = 0; i < n; i++) {
		if (pthread_create(&tids[i], NULL, thread_main, &wk[i]) != 0)
			break;
		started++;
	}
	if (!started) {
		/* no thread could start: do the work on this one */
		thread_main(&wk[0]);
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
out:
	for (unsigned i = 0; i < n; i++)
		worker_release(&wk[i].w);
	pthread_mutex_destroy(&q.lock);
	pthread_cond_destroy(&q.cond);
	free(tids);
	free(wk);
	return rc;
}

/* ---- aggregate findings ------------------------------------------------- */

struct ronda_finish_priv {
	struct scan *s;
};

int ronda_finish_report(struct ronda_finish *fin, const char *path,
			const struct ronda_rule *rule, int severity,
			const char *const *related, size_t n_related,
			const char *fmt, ...)
{
	struct scan *s = fin->priv->s;
	struct ronda_finding fd = { 0 };
	struct ronda_result r = { 0 };
	struct ronda_buf b = RONDA_BUF_INIT(4096);
	const char *rel = path;
	size_t rl = s->root ? strlen(s->root) : 0;
	va_list ap;

	/* path+rule allowlist entries hold for aggregate findings too (a
	 * folder of generated pages the site really serves, a mass change);
	 * they name the path relative to the root, as for files */
	if (rl && !strncmp(path, s->root, rl) && (path[rl] == '/' || !path[rl]))
		rel = path[rl] ? path + rl + 1 : "";
	if (s->allow && allowlist_path(s->allow, rel, rule->id)) {
		pthread_mutex_lock(&s->out_lock);
		s->stats->n_allowed++;
		pthread_mutex_unlock(&s->out_lock);
		return RONDA_OK;
	}
	fd.rule = rule;
	fd.severity = severity >= 0 && severity < RONDA_SEV__COUNT
			      ? (enum ronda_severity)severity : rule->severity;
	fd.confidence = rule->confidence;
	fd.count = (unsigned)MIN(n_related ? n_related : 1, (size_t)UINT32_MAX);
	if (fmt) {
		va_start(ap, fmt);
		ronda_buf_vaddf(&b, fmt, ap);
		va_end(ap);
		fd.detail = b.buf;
	}
	fd.related = (char **)related;
	fd.n_related = n_related;
	r.path = path;
	r.relpath = path;
	r.root = s->root;
	r.findings = &fd;
	r.n_findings = 1;
	deliver(s, &r, 0);
	ronda_buf_release(&b);
	return RONDA_OK;
}

static void run_finish(struct scan *s)
{
	struct ronda_finish_priv fp = { s };
	struct ronda_finish fin = { &fp };

	for (size_t i = 0; i < s->e->n_dets; i++)
		if (s->e->dets[i]->finish)
			s->e->dets[i]->finish(s->e->states[i], &fin);
}

/* ---- entry points -------------------------------------------------------- */

static void scan_init(struct scan *s, struct ronda_engine *e,
		      const struct ronda_scan_opts *o, struct ronda_scan_stats *stats)
{
	memset(s, 0, sizeof(*s));
	memset(stats, 0, sizeof(*stats));
	s->e = e;
	s->o = o;
	s->stats = stats;
	s->rootfd = -1;
	s->max_filesize = o->max_filesize ? o->max_filesize : RONDA_DEFAULT_MAX_FILESIZE;
	if (s->max_filesize < 2)
		s->max_filesize = 2;
	pthread_mutex_init(&s->out_lock, NULL);
}

static void root_close(struct scan *s)
{
	if (s->rootfd >= 0)
		close(s->rootfd);
	s->rootfd = -1;
	free(s->root_real);
	s->root_real = NULL;
	allowlist_free(s->allow);
	s->allow = NULL;
	free((char *)s->root);
	s->root = NULL;
}

/* Open a root directory and its allowlist.  Only an allowlist owned by us
 * (or root) and not writable by group or others is honoured: otherwise
 * whoever can write the web root could silence ronda. */
static int root_open(struct scan *s, const char *dir, struct ronda_buf *err)
{
	struct stat st;
	char *real;
	size_t len = strlen(dir);
	int rc;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	s->root = xstrndup(dir, len);
	s->rootfd = open(*s->root ? s->root : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0) {
		rc = ronda_err_from_errno(errno);
		if (err)
			ronda_buf_addf(err, _("cannot open '%s': %s"), s->root,
				       ronda_strerror(rc));
		return rc;
	}
	fstat(s->rootfd, &st);
	s->root_dev = st.st_dev;
	real = realpath(*s->root ? s->root : ".", NULL);
	s->root_real = real ? real : xstrdup(s->root);
	if (s->o->allowlist) {
		rc = allowlist_load(s->o->allowlist, true, &s->allow, err);
		if (rc)
			return rc;
	} else {
		int fd = openat(s->rootfd, ".ronda-allow", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			struct stat ast;
			if (fstat(fd, &ast) == 0 && S_ISREG(ast.st_mode) &&
			    (ast.st_uid == geteuid() || ast.st_uid == 0) &&
			    !(ast.st_mode & (S_IWGRP | S_IWOTH))) {
				char p[64];
				snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
				rc = allowlist_load(p, true, &s->allow, err);
				if (rc) {
					close(fd);
					if (err) {
						struct ronda_buf m = RONDA_BUF_INIT(8192);
						ronda_buf_addf(&m, "'%s/.ronda-allow': %s", s->root, err->buf);
						ronda_buf_reset(err);
						ronda_buf_add(err, m.buf, m.len);
						ronda_buf_release(&m);
					}
					return rc;
				}
			}
			close(fd);
		}
	}
	return RONDA_OK;
}

int ronda_scan(struct ronda_engine *e, const char *const *roots,
	       size_t n_roots, const struct ronda_scan_opts *o,
	       struct ronda_scan_stats *stats, struct ronda_buf *err)
{
	struct scan s;
	uint64_t t0 = ronda_now_ns();
	int rc = RONDA_OK;

	scan_init(&s, e, o, stats);
	for (size_t i = 0; i < n_roots && rc == RONDA_OK; i++) {
		struct stat st;
		struct job *first = xcalloc(1, sizeof(*first));

		if (stat(roots[i], &st) == 0 && !S_ISDIR(st.st_mode)) {
			/* a single file: its directory is the root */
			const char *slash = strrchr(roots[i], '/');
			char *dir = slash ? xstrndup(roots[i], (size_t)(slash - roots[i]))
					  : xstrdup("");
			if (slash && slash == roots[i]) {
				free(dir);
				dir = xstrdup("/");
			}
			rc = root_open(&s, dir, err);
			free(dir);
			if (rc == RONDA_OK) {
				struct dirref *ref = xcalloc(1, sizeof(*ref));
				ref->fd = dup(s.rootfd);
				ref->refs = 1;
				ref->relpath = xstrdup("");
				first->dir = ref;
				first->names[0] = xstrdup(slash ? slash + 1 : roots[i]);
				first->n_names = 1;
				rc = walk_root(&s, first, false);
			} else {
				free(first);
			}
		} else {
			rc = root_open(&s, roots[i], err);
			if (rc == RONDA_OK) {
				first->relpath = xstrdup("");
				rc = walk_root(&s, first, true);
			} else {
				free(first);
			}
		}
		if (rc == RONDA_OK && i + 1 == n_roots)
			run_finish(&s);
		root_close(&s);
	}
	stats->wall_ns = ronda_now_ns() - t0;
	pthread_mutex_destroy(&s.out_lock);
	return rc;
}

int ronda_scan_files(struct ronda_engine *e, const char *root,
		     const char *const *relpaths, size_t n,
		     const struct ronda_scan_opts *o,
		     struct ronda_scan_stats *stats, struct ronda_buf *err)
{
	struct scan s;
	struct walker wk = { 0 };
	struct queue q = { 0 };
	uint64_t t0 = ronda_now_ns();
	int rc;

	scan_init(&s, e, o, stats);
	rc = root_open(&s, root, err);
	if (rc)
		goto out;
	wk.s = &s;
	wk.q = &q;
	rc = worker_init(&wk.w, &s);
	if (rc)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const char *rel = relpaths[i];
		const char *slash = strrchr(rel, '/');
		char *dir = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
		int dfd = ronda_open_beneath(s.rootfd, *dir ? dir : ".",
					     O_RDONLY | O_DIRECTORY, 0);

		if (dfd < 0) {
			if (-dfd != RONDA_ENOENT)
				report_error(&s, rel, (ronda_err)-dfd);
		} else {
			scan_file(&wk, dfd, dir, slash ? slash + 1 : rel);
			close(dfd);
		}
		free(dir);
	}
	run_finish(&s);
	worker_release(&wk.w);
out:
	root_close(&s);
	stats->wall_ns = ronda_now_ns() - t0;
	pthread_mutex_destroy(&s.out_lock);
	return rc;
}

int ronda_scan_buffer(struct ronda_engine *e, const char *name,
		      const unsigned char *data, size_t len,
		      const struct ronda_scan_opts *o)
{
	struct scan s;
	struct ronda_scan_stats stats;
	struct worker w;
	unsigned char *copy;
	const char *base = strrchr(name, '/');
	int rc;

	scan_init(&s, e, o, &stats);
	s.root = xstrdup("");
	rc = worker_init(&w, &s);
	if (rc == RONDA_OK) {
		/* detectors rely on a NUL after the content */
		copy = xmalloc(len + 1);
		if (len)
			memcpy(copy, data, len);
		copy[len] = '\0';
		scan_content(&w, name, name, base ? base + 1 : name, NULL, copy,
			     MIN(len, (size_t)s.max_filesize), false, ronda_now_ns(), 0);
		free(copy);
		worker_release(&w);
	}
	root_close(&s);
	pthread_mutex_destroy(&s.out_lock);
	return rc;
}
