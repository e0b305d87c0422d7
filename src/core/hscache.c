/*
 * hscache.c — a cache of compiled vectorscan databases (see hscache.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/detector.h"
#include "core/error.h"
#include "core/hscache.h"
#include "core/util.h"

#define MAX_CACHED ((size_t)256 << 20)
#define SCRATCH_READY 8

/* Per thread: one scratch and the generations it fits (latest last). */
struct tls_scratch {
	hs_scratch_t *scratch;
	uint64_t ready[SCRATCH_READY];
	unsigned n_ready;
};

static atomic_uint_fast64_t next_gen = 1;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static bool trusted(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* The cache directory (created 0700), or "" when there is none. */
static void cache_dir(struct ronda_buf *b)
{
	const char *env = getenv("RONDA_CACHE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	struct stat st;

	ronda_buf_reset(b);
	if (env && *env)
		ronda_buf_addstr(b, env);
	else if (geteuid() == 0)
		ronda_buf_addstr(b, "/var/cache/ronda");
	else if (xdg && *xdg == '/')
		ronda_buf_addf(b, "%s/ronda", xdg);
	else if (home && *home == '/')
		ronda_buf_addf(b, "%s/.cache/ronda", home);
	else
		return;
	if (mkdir(b->buf, 0700) < 0 && errno != EEXIST)
		goto none;
	if (lstat(b->buf, &st) < 0 || !S_ISDIR(st.st_mode) || !trusted(&st))
		goto none;
	return;
none:
	ronda_buf_reset(b);
}

static void key_of(const char *const *exprs, const unsigned *flags,
		   const unsigned *ids, unsigned n, char hex[65])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned int mdlen = 0;
	const char *ver = hs_version();

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, "ronda-hs-1", 11);
	EVP_DigestUpdate(ctx, ver, strlen(ver) + 1);
	EVP_DigestUpdate(ctx, &n, sizeof(n));
	for (unsigned i = 0; i < n; i++) {
		EVP_DigestUpdate(ctx, exprs[i], strlen(exprs[i]) + 1);
		EVP_DigestUpdate(ctx, &flags[i], sizeof(flags[i]));
		EVP_DigestUpdate(ctx, &ids[i], sizeof(ids[i]));
	}
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	ronda_hex(md, 32, hex);
}

static hs_database_t *load(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	hs_database_t *db = NULL;
	char *bytes = NULL;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !trusted(&st) ||
	    st.st_size <= 0 || (uint64_t)st.st_size > MAX_CACHED)
		goto out;
	bytes = xmalloc((size_t)st.st_size);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, bytes + got, (size_t)st.st_size - got);
		if (r <= 0)
			goto out;
		got += (size_t)r;
	}
	if (hs_deserialize_database(bytes, got, &db) != HS_SUCCESS)
		db = NULL;
out:
	free(bytes);
	close(fd);
	return db;
}

static void save(const char *dir, const char *path, const hs_database_t *db)
{
	char *bytes = NULL;
	size_t len = 0, put = 0;
	struct ronda_buf tmp = RONDA_BUF_INIT(0);
	int fd;

	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS)
		return;
	ronda_buf_addf(&tmp, "%s/.tmp-XXXXXX", dir);
	fd = mkostemp(tmp.buf, O_CLOEXEC);
	if (fd < 0)
		goto out;
	while (put < len) {
		ssize_t w = write(fd, bytes + put, len - put);
		if (w <= 0)
			break;
		put += (size_t)w;
	}
	if (put != len || fsync(fd) < 0 || close(fd) < 0 ||
	    rename(tmp.buf, path) < 0)
		unlink(tmp.buf);
	fd = -1;
out:
	free(bytes);
	ronda_buf_release(&tmp);
}

hs_error_t ronda_hs_compile(const char *const *exprs, const unsigned *flags,
			    const unsigned *ids, unsigned n, hs_database_t **db,
			    hs_compile_error_t **cerr)
{
	struct ronda_buf dir = RONDA_BUF_INIT(4096), path = RONDA_BUF_INIT(4096);
	const char *off = getenv("RONDA_NO_CACHE");
	char key[65];
	hs_error_t rc;

	*db = NULL;
	*cerr = NULL;
	if (!(off && *off && strcmp(off, "0")))
		cache_dir(&dir);
	if (dir.len) {
		key_of(exprs, flags, ids, n, key);
		ronda_buf_addf(&path, "%s/hs-%s.db", dir.buf, key);
		*db = load(path.buf);
		if (*db) {
			rc = HS_SUCCESS;
			goto out;
		}
	}
	rc = hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, db, cerr);
	if (rc == HS_SUCCESS && dir.len)
		save(dir.buf, path.buf, *db);
out:
	ronda_buf_release(&dir);
	ronda_buf_release(&path);
	return rc;
}

uint64_t ronda_hs_new_gen(void)
{
	return (uint64_t)atomic_fetch_add(&next_gen, 1);
}

#define WARM_MAX 16
static struct { const hs_database_t *db; uint64_t gen; } warm[WARM_MAX];
static unsigned n_warm;
static pthread_mutex_t warm_lock = PTHREAD_MUTEX_INITIALIZER;

void ronda_hs_warm_add(const hs_database_t *db, uint64_t gen)
{
	pthread_mutex_lock(&warm_lock);
	if (db && n_warm < WARM_MAX) {
		warm[n_warm].db = db;
		warm[n_warm++].gen = gen;
	}
	pthread_mutex_unlock(&warm_lock);
}

void ronda_hs_warm_forget(uint64_t gen)
{
	pthread_mutex_lock(&warm_lock);
	for (unsigned i = 0; i < n_warm; i++)
		if (warm[i].gen == gen) {
			warm[i] = warm[--n_warm];
			break;
		}
	pthread_mutex_unlock(&warm_lock);
}

void ronda_hs_thread_warm(void)
{
	pthread_mutex_lock(&warm_lock);
	for (unsigned i = 0; i < n_warm; i++)
		(void)ronda_hs_thread_scratch(warm[i].db, warm[i].gen);
	pthread_mutex_unlock(&warm_lock);
}

static void scratch_free(void *p)
{
	struct tls_scratch *t = p;

	hs_free_scratch(t->scratch);
	free(t);
}

static void scratch_key_init(void)
{
	pthread_key_create(&scratch_key, scratch_free);
}

hs_scratch_t *ronda_hs_thread_scratch(const hs_database_t *db, uint64_t gen)
{
	struct tls_scratch *t;

	pthread_once(&scratch_once, scratch_key_init);
	t = pthread_getspecific(scratch_key);
	if (!t) {
		t = xcalloc(1, sizeof(*t));
		pthread_setspecific(scratch_key, t);
	}
	for (unsigned i = t->n_ready; i-- > 0;)
		if (t->ready[i] == gen)
			return t->scratch;
	if (hs_alloc_scratch(db, &t->scratch) != HS_SUCCESS)
		return NULL;
	if (t->n_ready == SCRATCH_READY) {
		memmove(t->ready, t->ready + 1,
			(SCRATCH_READY - 1) * sizeof(t->ready[0]));
		t->n_ready--;
	}
	t->ready[t->n_ready++] = gen;
	return t->scratch;
}

int ronda_hs_set_compile(struct ronda_hs_set *set, const char *const *exprs,
			 const unsigned *flags, unsigned n)
{
	hs_compile_error_t *cerr = NULL;
	unsigned ids[RONDA_HS_SET_MAX];

	set->db = NULL;
	set->gen = 0;
	set->n = 0;
	if (!n || n > ARRAY_SIZE(ids))
		return RONDA_EINVAL;
	for (unsigned i = 0; i < n; i++)
		ids[i] = i;
	if (ronda_hs_compile(exprs, flags, ids, n, &set->db, &cerr) != HS_SUCCESS) {
		hs_free_compile_error(cerr);
		set->db = NULL;
		return RONDA_EPATTERN;
	}
	set->gen = ronda_hs_new_gen();
	set->n = n;
	ronda_hs_warm_add(set->db, set->gen);
	return RONDA_OK;
}

void ronda_hs_set_free(struct ronda_hs_set *set)
{
	if (set->db) {
		ronda_hs_warm_forget(set->gen);
		hs_free_database(set->db);
	}
	set->db = NULL;
}

static int stop_at_first(unsigned id, unsigned long long from,
			 unsigned long long to, unsigned flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	*(bool *)ctx = true;
	return 1;
}

bool ronda_hs_set_any(const struct ronda_hs_set *set, const void *s, size_t n)
{
	hs_scratch_t *scratch;
	bool found = false;

	if (!set->db || !n || !(scratch = ronda_hs_thread_scratch(set->db, set->gen)))
		return false;
	(void)hs_scan(set->db, s, (unsigned)MIN(n, (size_t)UINT32_MAX), 0, scratch,
		      stop_at_first, &found);
	return found;
}

struct set_hits {
	struct ronda_hit *out;
	const unsigned *ids;
	size_t n;
	unsigned count[RONDA_HS_SET_MAX];
	bool overflow;
};

static int collect(unsigned id, unsigned long long from, unsigned long long to,
		   unsigned flags, void *ctx)
{
	struct set_hits *c = ctx;

	(void)from;
	(void)flags;
	if (id >= RONDA_HS_SET_MAX || c->count[id] >= RONDA_HITS_PER_PATTERN) {
		c->overflow = true;
		return 0;
	}
	c->count[id]++;
	c->out[c->n].id = c->ids ? c->ids[id] : id;
	c->out[c->n].end = to;
	c->n++;
	return 0;
}

static int cmp_end_id(const void *a, const void *b)
{
	const struct ronda_hit *x = a, *y = b;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

size_t ronda_hs_set_hits(const struct ronda_hs_set *set, const void *s, size_t n,
			 const unsigned *ids, struct ronda_hit *out, bool *overflow)
{
	struct set_hits c = { .out = out, .ids = ids };
	hs_scratch_t *scratch;

	if (!set->db || !n || !(scratch = ronda_hs_thread_scratch(set->db, set->gen)))
		return 0;
	(void)hs_scan(set->db, s, (unsigned)MIN(n, (size_t)UINT32_MAX), 0, scratch,
		      collect, &c);
	qsort(out, c.n, sizeof(*out), cmp_end_id);
	if (c.overflow)
		*overflow = true;
	return c.n;
}
