/*
 * store.c — content-addressed, compressed, optionally encrypted objects,
 * small ones packed together.
 *
 * Format and guarantees are described in store.h.  The write path is one
 * pipeline: read -> SHA-256 -> zstd -> (secretstream chunks) -> memory or
 * a temporary file.  Inside a batch, objects under 4 MiB are appended to
 * the batch's open pack (a temporary file); a pack is sealed (index and
 * trailer written, fsync'd, linked into packs/) when it reaches 8 MiB and
 * when the batch ends.  Other objects are loose files, fsync'd and linked
 * into objects/ab/.  The read path runs the pipeline backwards and checks
 * the hash at the end.  The index of every pack is kept in memory (loaded
 * on first use) in one open-addressing table of storage ids.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "core/util.h"
#include "vault/fsops.h"
#include "vault/store.h"

#define MAGIC "RONDAOB1"
#define HDR_LEN 20
#define ENC_HDR_LEN (16 + crypto_secretstream_xchacha20poly1305_HEADERBYTES)
#define F_ZSTD 0x1u
#define F_ENC 0x2u
#define CHUNK ((size_t)64 << 10)
#define IOBUF ((size_t)256 << 10)
#define SMALL ((size_t)4 << 20)
#define SS_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

#define PACK_MAGIC "RONDAPK1"
#define PACK_END "RONDAPKE"
#define PACK_HDR 16
#define PACK_ENT 48             /* sid(32) offset(8) length(8) */
#define PACK_TRAILER 56         /* n(8) index_offset(8) sha256(32) end magic(8) */
#define PACK_TARGET ((uint64_t)8 << 20)
#define PACK_MAX_OBJ ((uint64_t)64 << 20)

struct pack_ent {
	unsigned char sid[32];
	uint64_t off, len;
};

struct pack {
	char name[48];              /* NAME.pack under packs/; "" while open */
	struct pack_ent *ents;
	size_t n, alloc;
	uint64_t size;              /* file size (open: bytes written so far) */
	int fd;                     /* open pack: its temporary file */
	bool named;                 /* open pack: the temporary file has a name */
	char tmpname[40];
	bool open, bad;
};

struct ronda_store {
	char *dir;
	int dirfd, objfd, tmpfd, packfd, lockfd;
	unsigned char *key;         /* key, then the storage-id key (2 x 32) */
	unsigned char key_id[16];
	int level;
	bool batch;
	bool keyed;                 /* VAULT/key-id exists: ids are keyed */
	int batch_err;              /* a pack write failed inside this batch */
	pthread_mutex_t mu;         /* packs, slots, open_pack, batch_err */
	bool loaded;
	struct pack *packs;
	size_t n_packs, alloc_packs;
	uint64_t *slots;            /* (pack + 1) << 32 | entry; 0 = empty */
	size_t n_slots, n_used;
	long open_pack;             /* index in packs of the open pack, or -1 */
};

static int err_errno(void)
{
	return ronda_err_from_errno(errno);
}

int ronda_hash_check(const char *hash)
{
	size_t i;

	for (i = 0; hash[i]; i++)
		if (!((hash[i] >= '0' && hash[i] <= '9') || (hash[i] >= 'a' && hash[i] <= 'f')))
			return RONDA_EINVAL;
	return i == 64 ? RONDA_OK : RONDA_EINVAL;
}

static int open_subdir(int dirfd, const char *name, bool create, int *out)
{
	int fd;

	if (create && mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
		return err_errno();
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_errno();
	*out = fd;
	return RONDA_OK;
}

int ronda_store_open(const char *dir, struct ronda_store **out)
{
	struct ronda_store *s;
	struct stat st;
	int rc;

	if (sodium_init() < 0)
		return RONDA_ECRYPTO;
	if ((rc = ronda_fs_mkdir_p(dir, 0700)))
		return rc;
	s = xcalloc(1, sizeof(*s));
	s->dir = xstrdup(dir);
	s->dirfd = s->objfd = s->tmpfd = s->packfd = s->lockfd = -1;
	s->level = 3;
	s->open_pack = -1;
	pthread_mutex_init(&s->mu, NULL);
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		rc = err_errno();
		goto fail;
	}
	if ((rc = open_subdir(s->dirfd, "objects", true, &s->objfd)) ||
	    (rc = open_subdir(s->dirfd, "packs", true, &s->packfd)) ||
	    (rc = open_subdir(s->dirfd, "tmp", true, &s->tmpfd)))
		goto fail;
	s->keyed = fstatat(s->dirfd, "key-id", &st, 0) == 0;
	*out = s;
	return RONDA_OK;
fail:
	ronda_store_free(s);
	return rc;
}

static void pack_discard(struct pack *p, int tmpfd)
{
	if (p->fd >= 0) {
		if (p->named)
			unlinkat(tmpfd, p->tmpname, 0);
		close(p->fd);
	}
	p->fd = -1;
	p->named = false;
}

static void unload(struct ronda_store *s)
{
	for (size_t i = 0; i < s->n_packs; i++) {
		pack_discard(&s->packs[i], s->tmpfd);
		free(s->packs[i].ents);
	}
	free(s->packs);
	free(s->slots);
	s->packs = NULL;
	s->slots = NULL;
	s->n_packs = s->alloc_packs = s->n_slots = s->n_used = 0;
	s->open_pack = -1;
	s->loaded = false;
}

void ronda_store_free(struct ronda_store *s)
{
	if (!s)
		return;
	unload(s);
	if (s->key) {
		sodium_memzero(s->key, 2 * RONDA_KEY_BYTES);
		sodium_free(s->key);
	}
	sodium_memzero(s->key_id, sizeof(s->key_id));
	for (int *fd = &s->dirfd; fd <= &s->lockfd; fd++)
		if (*fd >= 0)
			close(*fd);
	pthread_mutex_destroy(&s->mu);
	free(s->dir);
	free(s);
}

static void key_id(const unsigned char *key, unsigned char out[16])
{
	static const char ctx[] = "ronda vault key id v1";

	crypto_generichash(out, 16, (const unsigned char *)ctx, sizeof(ctx) - 1,
			   key, RONDA_KEY_BYTES);
}

bool ronda_store_key_expected(struct ronda_store *s)
{
	struct stat st;

	return fstatat(s->dirfd, "key-id", &st, 0) == 0;
}

/* Remember which key encrypts this vault; a different key is refused. */
static int check_key_id(struct ronda_store *s)
{
	unsigned char have[16];
	size_t got = 0;
	int fd, rc = RONDA_OK;

	fd = openat(s->dirfd, "key-id", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		rc = ronda_fs_read_full(fd, have, sizeof(have), &got);
		close(fd);
		if (!rc && (got != sizeof(have) || sodium_memcmp(have, s->key_id, 16)))
			rc = RONDA_ECRYPTO;
		return rc;
	}
	if (errno != ENOENT)
		return err_errno();
	fd = openat(s->dirfd, "key-id", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? check_key_id(s) : err_errno();
	rc = ronda_fs_write_all(fd, s->key_id, sizeof(s->key_id));
	if (!rc && fsync(fd) < 0)
		rc = err_errno();
	close(fd);
	if (!rc)
		rc = ronda_fs_fsync_dir(s->dirfd);
	return rc;
}

int ronda_store_set_key(struct ronda_store *s, const unsigned char *key)
{
	static const char ctx[] = "ronda vault object id v1";
	int rc;

	if (!s->key) {
		s->key = sodium_malloc(2 * RONDA_KEY_BYTES);
		if (!s->key)
			return RONDA_ENOMEM;
	}
	memcpy(s->key, key, RONDA_KEY_BYTES);
	key_id(s->key, s->key_id);
	/* storage ids are a keyed BLAKE2b of the SHA-256, under a key of their own */
	crypto_generichash(s->key + RONDA_KEY_BYTES, RONDA_KEY_BYTES,
			   (const unsigned char *)ctx, sizeof(ctx) - 1, s->key, RONDA_KEY_BYTES);
	if ((rc = check_key_id(s))) {
		sodium_memzero(s->key, 2 * RONDA_KEY_BYTES);
		sodium_free(s->key);
		s->key = NULL;
	} else {
		s->keyed = true;
	}
	return rc;
}

bool ronda_store_encrypted(const struct ronda_store *s)
{
	return s->key != NULL;
}

void ronda_store_set_level(struct ronda_store *s, int level)
{
	s->level = level;
}

int ronda_store_lock(struct ronda_store *s)
{
	if (s->lockfd >= 0)
		return RONDA_OK;
	s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s->lockfd < 0)
		return err_errno();
	for (int i = 0; i < 200; i++) {
		if (flock(s->lockfd, LOCK_EX | LOCK_NB) == 0)
			return RONDA_OK;
		if (errno != EWOULDBLOCK && errno != EINTR)
			break;
		usleep(50000);
	}
	close(s->lockfd);
	s->lockfd = -1;
	return RONDA_EBUSY;
}

/* ---- storage ids ---- */

static int hex_to_raw(const char *hex, unsigned char raw[32])
{
	if (ronda_hash_check(hex))
		return RONDA_EINVAL;
	for (int i = 0; i < 32; i++) {
		int hi = hex[2 * i] <= '9' ? hex[2 * i] - '0' : hex[2 * i] - 'a' + 10;
		int lo = hex[2 * i + 1] <= '9' ? hex[2 * i + 1] - '0' : hex[2 * i + 1] - 'a' + 10;

		raw[i] = (unsigned char)(hi << 4 | lo);
	}
	return RONDA_OK;
}

/* The name an object with this plain SHA-256 is stored under: the SHA-256
 * itself, or with a key, a keyed BLAKE2b of it (so the vault's files do
 * not tell someone without the key which known contents it holds). */
static int sid_raw(struct ronda_store *s, const unsigned char raw[32], unsigned char sid[32])
{
	if (s->key)
		crypto_generichash(sid, 32, raw, 32, s->key + RONDA_KEY_BYTES, RONDA_KEY_BYTES);
	else if (s->keyed)
		return RONDA_ECRYPTO;
	else
		memcpy(sid, raw, 32);
	return RONDA_OK;
}

static int sid_of(struct ronda_store *s, const char *hash, unsigned char sid[32])
{
	unsigned char raw[32];
	int rc = hex_to_raw(hash, raw);

	return rc ? rc : sid_raw(s, raw, sid);
}

int ronda_store_sid(struct ronda_store *s, const char *hash, char sid[RONDA_HASH_HEX])
{
	unsigned char raw[32];
	int rc = sid_of(s, hash, raw);

	if (!rc)
		ronda_hex(raw, 32, sid);
	return rc;
}

bool ronda_store_ids_known(const struct ronda_store *s)
{
	return s->key || !s->keyed;
}

/* ---- batches ---- */

#define UNSYNCED "unsynced"

static int pack_seal(struct ronda_store *s, struct pack *p);

int ronda_store_batch_begin(struct ronda_store *s)
{
	int fd = openat(s->dirfd, UNSYNCED, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	int rc;

	if (fd < 0)
		return err_errno();
	/* the marker's mtime says since when objects may be unsynced */
	rc = futimens(fd, NULL) < 0 || fsync(fd) < 0 ? err_errno() : RONDA_OK;
	close(fd);
	if (!rc)
		rc = ronda_fs_fsync_dir(s->dirfd);
	if (!rc) {
		s->batch = true;
		s->batch_err = RONDA_OK;
	}
	return rc;
}

int ronda_store_batch_end(struct ronda_store *s)
{
	int rc;

	if (!s->batch)
		return RONDA_OK;
	pthread_mutex_lock(&s->mu);
	rc = s->batch_err;
	if (!rc && s->open_pack >= 0) {
		rc = pack_seal(s, &s->packs[s->open_pack]);
		if (rc)
			s->packs[s->open_pack].bad = true;
		s->open_pack = -1;
	}
	pthread_mutex_unlock(&s->mu);
	if (rc)
		return rc;
	if (syncfs(s->dirfd) < 0)
		return err_errno();
	s->batch = false;
	if (unlinkat(s->dirfd, UNSYNCED, 0) < 0 && errno != ENOENT)
		return err_errno();
	return ronda_fs_fsync_dir(s->dirfd);
}

/* ---- keys ---- */

#define KEY_HEADER "ronda-vault-key 1\n"

int ronda_key_generate(const char *path)
{
	unsigned char *key;
	char *text;
	int fd = -1, rc = RONDA_OK;
	size_t n;

	if (sodium_init() < 0)
		return RONDA_ECRYPTO;
	key = sodium_malloc(RONDA_KEY_BYTES);
	text = sodium_malloc(128);
	if (!key || !text) {
		rc = RONDA_ECRYPTO;
		goto out;
	}
	randombytes_buf(key, RONDA_KEY_BYTES);
	n = strlen(KEY_HEADER);
	memcpy(text, KEY_HEADER, n);
	sodium_bin2hex(text + n, 128 - n, key, RONDA_KEY_BYTES);
	n += 2 * RONDA_KEY_BYTES;
	text[n++] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = err_errno();
		goto out;
	}
	if ((rc = ronda_fs_write_all(fd, text, n)) == RONDA_OK && fsync(fd) < 0)
		rc = err_errno();
	if (rc)
		unlink(path);
out:
	if (fd >= 0)
		close(fd);
	if (key) {
		sodium_memzero(key, RONDA_KEY_BYTES);
		sodium_free(key);
	}
	if (text) {
		sodium_memzero(text, 128);
		sodium_free(text);
	}
	return rc;
}

int ronda_key_load(const char *path, unsigned char *key)
{
	char *text = NULL;
	struct stat st;
	size_t got = 0, hl = strlen(KEY_HEADER), bin_len = 0;
	int fd, rc = RONDA_OK;

	if (sodium_init() < 0)
		return RONDA_ECRYPTO;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_errno();
	if (fstat(fd, &st) < 0) {
		rc = err_errno();
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = RONDA_EPARSE;
		goto out;
	}
	if (st.st_mode & 077) {
		rc = RONDA_EPERM;
		goto out;
	}
	text = sodium_malloc(256);
	if (!text) {
		rc = RONDA_ENOMEM;
		goto out;
	}
	if ((rc = ronda_fs_read_full(fd, text, 255, &got)))
		goto out;
	text[got] = '\0';
	if (got < hl + 64 || memcmp(text, KEY_HEADER, hl) ||
	    sodium_hex2bin(key, RONDA_KEY_BYTES, text + hl, 64, NULL, &bin_len, NULL) ||
	    bin_len != RONDA_KEY_BYTES || (got > hl + 64 && text[hl + 64] != '\n'))
		rc = RONDA_EPARSE;
out:
	if (text) {
		sodium_memzero(text, 256);
		sodium_free(text);
	}
	if (rc)
		sodium_memzero(key, RONDA_KEY_BYTES);
	close(fd);
	return rc;
}

/* ---- the pack index ---- */

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static size_t slot_home(const unsigned char *sid, size_t mask)
{
	uint64_t h;

	memcpy(&h, sid + 8, 8);
	return (size_t)h & mask;
}

static struct pack_ent *slot_ent(struct ronda_store *s, uint64_t v)
{
	return &s->packs[(v >> 32) - 1].ents[(uint32_t)v];
}

static uint64_t idx_find(struct ronda_store *s, const unsigned char *sid)
{
	size_t mask = s->n_slots - 1;

	if (!s->n_slots)
		return 0;
	for (size_t i = slot_home(sid, mask);; i = (i + 1) & mask) {
		uint64_t v = s->slots[i];

		if (!v)
			return 0;
		if (!memcmp(slot_ent(s, v)->sid, sid, 32))
			return v;
	}
}

static void idx_place(struct ronda_store *s, uint64_t v)
{
	size_t mask = s->n_slots - 1, i = slot_home(slot_ent(s, v)->sid, mask);

	while (s->slots[i])
		i = (i + 1) & mask;
	s->slots[i] = v;
}

/* Index entry `ent` of pack `pi`; a duplicate (an id already indexed) is
 * left out: the first copy found is the one reads use. */
static void idx_add(struct ronda_store *s, size_t pi, size_t ent)
{
	uint64_t v = (uint64_t)(pi + 1) << 32 | (uint32_t)ent;

	if ((s->n_used + 1) * 2 > s->n_slots) {
		uint64_t *old = s->slots;
		size_t n_old = s->n_slots;

		s->n_slots = s->n_slots ? s->n_slots * 2 : 4096;
		s->slots = xcalloc(s->n_slots, sizeof(*s->slots));
		for (size_t i = 0; i < n_old; i++)
			if (old[i])
				idx_place(s, old[i]);
		free(old);
	}
	if (idx_find(s, s->packs[pi].ents[ent].sid))
		return;
	idx_place(s, v);
	s->n_used++;
}

static size_t pack_new(struct ronda_store *s)
{
	struct pack *p;

	s->packs = xgrow(s->packs, &s->alloc_packs, s->n_packs + 1, sizeof(*s->packs));
	p = &s->packs[s->n_packs];
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	return s->n_packs++;
}

static void pack_add_ent(struct pack *p, const unsigned char *sid, uint64_t off, uint64_t len)
{
	p->ents = xgrow(p->ents, &p->alloc, p->n + 1, sizeof(*p->ents));
	memcpy(p->ents[p->n].sid, sid, 32);
	p->ents[p->n].off = off;
	p->ents[p->n].len = len;
	p->n++;
}

static int pread_exact(int fd, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t k = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return err_errno();
		if (k == 0)
			return RONDA_ECORRUPT;
		done += (size_t)k;
	}
	return RONDA_OK;
}

/* Read and check a sealed pack's index (trailer magic, sizes, SHA-256 of
 * the index, entry bounds). */
static int pack_read_index(int fd, struct pack *p)
{
	unsigned char t[PACK_TRAILER], hdr[PACK_HDR], md[32], *ix = NULL;
	unsigned int mdlen = 0;
	struct stat st;
	uint64_t n, ioff;
	int rc;

	if (fstat(fd, &st) < 0)
		return err_errno();
	p->size = (uint64_t)st.st_size;
	if (!S_ISREG(st.st_mode) || p->size < PACK_HDR + PACK_TRAILER)
		return RONDA_ECORRUPT;
	if ((rc = pread_exact(fd, hdr, PACK_HDR, 0)) ||
	    (rc = pread_exact(fd, t, PACK_TRAILER, p->size - PACK_TRAILER)))
		return rc;
	if (memcmp(hdr, PACK_MAGIC, 8) || memcmp(t + 48, PACK_END, 8))
		return RONDA_ECORRUPT;
	n = le64(t);
	ioff = le64(t + 8);
	if (ioff < PACK_HDR || n > (p->size - PACK_HDR - PACK_TRAILER) / PACK_ENT ||
	    ioff + n * PACK_ENT + PACK_TRAILER != p->size)
		return RONDA_ECORRUPT;
	ix = xmalloc(n * PACK_ENT + 1);
	if ((rc = pread_exact(fd, ix, n * PACK_ENT, ioff)))
		goto out;
	if (!EVP_Digest(ix, n * PACK_ENT, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
		rc = RONDA_EINTERNAL;
		goto out;
	}
	if (memcmp(md, t + 16, 32)) {
		rc = RONDA_ECORRUPT;
		goto out;
	}
	for (uint64_t i = 0; i < n; i++) {
		const unsigned char *e = ix + i * PACK_ENT;
		uint64_t off = le64(e + 32), len = le64(e + 40);

		if (off < PACK_HDR || off > ioff || len < HDR_LEN || len > ioff - off) {
			rc = RONDA_ECORRUPT;
			goto out;
		}
		pack_add_ent(p, e, off, len);
	}
out:
	if (rc) {
		free(p->ents);
		p->ents = NULL;
		p->n = p->alloc = 0;
	}
	free(ix);
	return rc;
}

static bool is_pack_name(const char *name)
{
	for (int i = 0; i < 32; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return !strcmp(name + 32, ".pack");
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Load every pack's index (caller holds mu).  A pack whose index cannot
 * be read is kept as `bad` (verify reports it); its objects are absent. */
static void ensure_loaded(struct ronda_store *s)
{
	char **names = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *d;
	int fd;

	if (s->loaded)
		return;
	s->loaded = true;
	fd = openat(s->packfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (is_pack_name(de->d_name)) {
			names = xgrow(names, &alloc, n + 1, sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n; i++) {
		size_t pi = pack_new(s);
		struct pack *p = &s->packs[pi];
		int pfd = openat(s->packfd, names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		snprintf(p->name, sizeof(p->name), "%s", names[i]);
		if (pfd < 0 || pack_read_index(pfd, p))
			p->bad = true;
		if (pfd >= 0)
			close(pfd);
		for (size_t e = 0; !p->bad && e < p->n; e++)
			idx_add(s, pi, e);
		free(names[i]);
	}
	free(names);
}

/* ---- writing packs ---- */

/* A new temporary file in VAULT/tmp: unnamed (O_TMPFILE) where the
 * filesystem can, else under a random name of 16 hex digits (*named set;
 * name holds at least 17 bytes). */
static int tmp_open(struct ronda_store *s, int *fd, char *name, bool *named)
{
	unsigned char r[8];

	*fd = openat(s->tmpfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (*fd >= 0)
		return RONDA_OK;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return err_errno();
	randombytes_buf(r, sizeof(r));
	ronda_hex(r, sizeof(r), name);
	*fd = openat(s->tmpfd, name,
		     O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd < 0)
		return err_errno();
	*named = true;
	return RONDA_OK;
}

static int pack_start(struct ronda_store *s, struct pack *p)
{
	unsigned char hdr[PACK_HDR] = { 0 };
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = tmp_open(s, &p->fd, p->tmpname, &p->named)))
		return rc;
	memcpy(hdr, PACK_MAGIC, 8);
	if ((rc = ronda_fs_write_all(p->fd, hdr, PACK_HDR))) {
		pack_discard(p, s->tmpfd);
		return rc;
	}
	p->size = PACK_HDR;
	p->open = true;
	return RONDA_OK;
}

static int pack_append(struct pack *p, const unsigned char *sid, const void *obj, size_t len)
{
	int rc = ronda_fs_write_all(p->fd, obj, len);

	if (rc)
		return rc;
	pack_add_ent(p, sid, p->size, len);
	p->size += len;
	return RONDA_OK;
}

/* Write the index and trailer, fsync, and link the pack into packs/ under
 * a random name.  Until the link the pack does not exist: a crash leaves
 * at most an unnamed temporary file. */
static int pack_seal(struct ronda_store *s, struct pack *p)
{
	unsigned char *ix = xmalloc(p->n * PACK_ENT + PACK_TRAILER), r[16];
	unsigned char *t = ix + p->n * PACK_ENT;
	unsigned int mdlen = 0;
	char name[48];
	int rc = RONDA_OK;

	for (size_t i = 0; i < p->n; i++) {
		memcpy(ix + i * PACK_ENT, p->ents[i].sid, 32);
		put_le64(ix + i * PACK_ENT + 32, p->ents[i].off);
		put_le64(ix + i * PACK_ENT + 40, p->ents[i].len);
	}
	put_le64(t, p->n);
	put_le64(t + 8, p->size);
	if (!EVP_Digest(ix, p->n * PACK_ENT, t + 16, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
		rc = RONDA_EINTERNAL;
		goto out;
	}
	memcpy(t + 48, PACK_END, 8);
	if ((rc = ronda_fs_write_all(p->fd, ix, p->n * PACK_ENT + PACK_TRAILER)))
		goto out;
	if (fsync(p->fd) < 0) {
		rc = err_errno();
		goto out;
	}
	randombytes_buf(r, sizeof(r));
	ronda_hex(r, sizeof(r), name);
	memcpy(name + 32, ".pack", 6);
	ronda_fs_debug_pause("pack-link");
	if (p->named) {
		if (renameat2(s->tmpfd, p->tmpname, s->packfd, name, RENAME_NOREPLACE) < 0) {
			rc = err_errno();
			goto out;
		}
		p->named = false;
	} else {
		char proc[64];

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", p->fd);
		if (linkat(AT_FDCWD, proc, s->packfd, name, AT_SYMLINK_FOLLOW) < 0 &&
		    linkat(p->fd, "", s->packfd, name, AT_EMPTY_PATH) < 0) {
			rc = err_errno();
			goto out;
		}
	}
	if (!s->batch && (rc = ronda_fs_fsync_dir(s->packfd)))
		goto out;
	p->size += p->n * PACK_ENT + PACK_TRAILER;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->open = false;
	close(p->fd);
	p->fd = -1;
out:
	free(ix);
	return rc;
}

/* Append a finished object to the batch's open pack (starting one when
 * needed); *exists when the id is already stored.  Caller checked loose
 * objects; the table is checked again here, under the lock, so two
 * threads storing the same content store it once. */
static int pack_put(struct ronda_store *s, const unsigned char *sid, const void *obj,
		    size_t len, bool *exists)
{
	struct pack *p;
	int rc = RONDA_OK;

	*exists = false;
	pthread_mutex_lock(&s->mu);
	ensure_loaded(s);
	if ((rc = s->batch_err))
		goto out;
	if (idx_find(s, sid)) {
		*exists = true;
		goto out;
	}
	if (s->open_pack < 0) {
		size_t pi = pack_new(s);

		if ((rc = pack_start(s, &s->packs[pi]))) {
			s->packs[pi].bad = true;
			goto fail;
		}
		s->open_pack = (long)pi;
	}
	p = &s->packs[s->open_pack];
	if ((rc = pack_append(p, sid, obj, len)))
		goto fail;
	idx_add(s, (size_t)s->open_pack, p->n - 1);
	if (p->size >= PACK_TARGET) {
		rc = pack_seal(s, p);
		s->open_pack = -1;
		if (rc)
			goto fail;
	}
	goto out;
fail:
	/* objects other threads were told exist are in this pack: the batch
	 * must fail as a whole (batch_end reports it) */
	s->batch_err = rc;
out:
	pthread_mutex_unlock(&s->mu);
	return rc;
}

/* ---- writing objects ---- */

struct writer {
	struct ronda_store *s;
	int fd;                    /* loose object: temporary file; -1: memory */
	bool named;
	char tmpname[64];
	unsigned char *mem;        /* memory output (objects bound for a pack) */
	size_t mem_len, mem_alloc;
	EVP_MD_CTX *md;
	ZSTD_CCtx *cctx;
	bool own_cctx;
	crypto_secretstream_xchacha20poly1305_state ss;
	unsigned char *chunk;      /* pending plaintext for the next sealed chunk */
	size_t chunk_len;
	unsigned char *zout;
	unsigned char *sealed;
	uint64_t plain, stored;
};

static int emit_raw(struct writer *w, const void *p, size_t n)
{
	int rc = RONDA_OK;

	if (w->fd < 0) {
		w->mem = xgrow(w->mem, &w->mem_alloc, w->mem_len + n, 1);
		memcpy(w->mem + w->mem_len, p, n);
		w->mem_len += n;
	} else {
		rc = ronda_fs_write_all(w->fd, p, n);
	}
	if (!rc)
		w->stored += n;
	return rc;
}

static int seal_chunk(struct writer *w, unsigned char tag)
{
	unsigned long long clen = 0;
	unsigned char len[4];

	crypto_secretstream_xchacha20poly1305_push(&w->ss, w->sealed + 4, &clen,
						   w->chunk, w->chunk_len, NULL, 0, tag);
	len[0] = (unsigned char)clen;
	len[1] = (unsigned char)(clen >> 8);
	len[2] = (unsigned char)(clen >> 16);
	len[3] = (unsigned char)(clen >> 24);
	memcpy(w->sealed, len, 4);
	w->chunk_len = 0;
	return emit_raw(w, w->sealed, (size_t)clen + 4);
}

static int emit(struct writer *w, const unsigned char *p, size_t n)
{
	int rc;

	if (!w->s->key)
		return emit_raw(w, p, n);
	while (n > 0) {
		size_t take = MIN(n, CHUNK - w->chunk_len);

		memcpy(w->chunk + w->chunk_len, p, take);
		w->chunk_len += take;
		p += take;
		n -= take;
		if (w->chunk_len == CHUNK &&
		    (rc = seal_chunk(w, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)))
			return rc;
	}
	return RONDA_OK;
}

/*
 * One compression context per thread, reused for every object: a fresh
 * context per object clears its match tables (about 1 MiB at level 3) for
 * each small file, which was the largest single cost of a snapshot.
 */
static pthread_key_t cctx_key;
static bool cctx_key_ok;
static pthread_once_t cctx_once = PTHREAD_ONCE_INIT;

static void cctx_free(void *p)
{
	ZSTD_freeCCtx(p);
}

static void cctx_key_init(void)
{
	cctx_key_ok = pthread_key_create(&cctx_key, cctx_free) == 0;
}

/* *own: the caller must free the context (no thread key could be made) */
static ZSTD_CCtx *thread_cctx(int level, bool *own)
{
	ZSTD_CCtx *c = NULL;

	pthread_once(&cctx_once, cctx_key_init);
	*own = false;
	if (cctx_key_ok)
		c = pthread_getspecific(cctx_key);
	if (!c) {
		c = ZSTD_createCCtx();
		if (!c)
			return NULL;
		if (!cctx_key_ok || pthread_setspecific(cctx_key, c))
			*own = true;
	}
	ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 0);
	return c;
}

static void writer_release(struct writer *w)
{
	if (w->fd >= 0) {
		if (w->named)
			unlinkat(w->s->tmpfd, w->tmpname, 0);
		close(w->fd);
	}
	w->fd = -1;
	EVP_MD_CTX_free(w->md);
	if (w->own_cctx)
		ZSTD_freeCCtx(w->cctx);   /* else it belongs to the thread */
	if (w->chunk) {
		sodium_memzero(w->chunk, CHUNK);
		free(w->chunk);
	}
	sodium_memzero(&w->ss, sizeof(w->ss));
	free(w->zout);
	free(w->sealed);
	free(w->mem);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

/* to_memory: the object is built in memory (bound for a pack), else in a
 * temporary file in VAULT/tmp (a loose object). */
static int writer_start(struct writer *w, struct ronda_store *s, bool to_memory)
{
	unsigned char hdr[HDR_LEN + ENC_HDR_LEN];
	size_t hl = HDR_LEN;
	int rc;

	memset(w, 0, sizeof(*w));
	w->s = s;
	w->fd = -1;
	if (!to_memory) {
		if ((rc = tmp_open(s, &w->fd, w->tmpname, &w->named)))
			return rc;
	}
	w->md = EVP_MD_CTX_new();
	w->cctx = thread_cctx(s->level, &w->own_cctx);
	w->zout = xmalloc(ZSTD_CStreamOutSize());
	if (!w->md || !w->cctx || !EVP_DigestInit_ex(w->md, EVP_sha256(), NULL)) {
		rc = RONDA_ENOMEM;
		goto fail;
	}
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, MAGIC, 8);
	hdr[8] = F_ZSTD | (s->key ? F_ENC : 0);
	if (s->key) {
		w->chunk = xmalloc(CHUNK);
		w->sealed = xmalloc(CHUNK + SS_ABYTES + 4);
		memcpy(hdr + HDR_LEN, s->key_id, 16);
		crypto_secretstream_xchacha20poly1305_init_push(&w->ss, hdr + HDR_LEN + 16, s->key);
		hl += ENC_HDR_LEN;
	}
	if ((rc = emit_raw(w, hdr, hl)))
		goto fail;
	return RONDA_OK;
fail:
	writer_release(w);
	return rc;
}

static int compress_feed(struct writer *w, const void *data, size_t n, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = { data, n, 0 };
	size_t outsz = ZSTD_CStreamOutSize();
	int rc;

	for (;;) {
		ZSTD_outBuffer out = { w->zout, outsz, 0 };
		size_t left = ZSTD_compressStream2(w->cctx, &out, &in, mode);

		if (ZSTD_isError(left))
			return RONDA_EINTERNAL;
		if (out.pos && (rc = emit(w, w->zout, out.pos)))
			return rc;
		if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return RONDA_OK;
	}
}

static int writer_feed(struct writer *w, const void *data, size_t n)
{
	if (!EVP_DigestUpdate(w->md, data, n))
		return RONDA_EINTERNAL;
	w->plain += n;
	return compress_feed(w, data, n, ZSTD_e_continue);
}

/* Finish the streams and put the plain size in the header; hash gets the
 * SHA-256 of what was fed. */
static int writer_end(struct writer *w, char hash[RONDA_HASH_HEX])
{
	unsigned char md[32], size_le[8];
	unsigned int mdlen = 0;
	int rc;

	if ((rc = compress_feed(w, NULL, 0, ZSTD_e_end)))
		return rc;
	if (w->s->key &&
	    (rc = seal_chunk(w, crypto_secretstream_xchacha20poly1305_TAG_FINAL)))
		return rc;
	if (!EVP_DigestFinal_ex(w->md, md, &mdlen) || mdlen != 32)
		return RONDA_EINTERNAL;
	ronda_hex(md, 32, hash);
	put_le64(size_le, w->plain);
	if (w->fd < 0)
		memcpy(w->mem + 12, size_le, 8);
	else if (pwrite(w->fd, size_le, 8, 12) != 8)
		return err_errno();
	return RONDA_OK;
}

static void loose_rel(const unsigned char sid[32], char rel[RONDA_HASH_HEX + 1])
{
	char hex[RONDA_HASH_HEX];

	ronda_hex(sid, 32, hex);
	snprintf(rel, RONDA_HASH_HEX + 1, "%.2s/%s", hex, hex + 2);
}

static int object_dir(struct ronda_store *s, const char *rel, bool create, int *fd)
{
	char sub[3] = { rel[0], rel[1], '\0' };

	if (open_subdir(s->objfd, sub, false, fd) == RONDA_OK)
		return RONDA_OK;
	return open_subdir(s->objfd, sub, create, fd);
}

/* fsync (outside a batch) and link the temporary file into objects/ under
 * sid, unless an object of that id exists (*exists). */
static int writer_link(struct writer *w, const unsigned char sid[32], bool *exists)
{
	char rel[RONDA_HASH_HEX + 1];
	const char *leaf = rel + 3;
	int rc = RONDA_OK, dfd = -1;

	*exists = false;
	loose_rel(sid, rel);
	if (!w->s->batch && fsync(w->fd) < 0)
		return err_errno();
	if ((rc = object_dir(w->s, rel, true, &dfd)))
		return rc;
	ronda_fs_debug_pause("store-link");
	if (w->named) {
		if (renameat2(w->s->tmpfd, w->tmpname, dfd, leaf, RENAME_NOREPLACE) == 0)
			w->named = false;      /* moved into place: nothing to unlink */
		else if (errno != EEXIST)
			rc = err_errno();
		else
			*exists = true;
	} else {
		char proc[64];

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", w->fd);
		if (linkat(AT_FDCWD, proc, dfd, leaf, AT_SYMLINK_FOLLOW) < 0) {
			if (errno == EEXIST)
				*exists = true;
			else if (linkat(w->fd, "", dfd, leaf, AT_EMPTY_PATH) < 0)
				*exists = errno == EEXIST, rc = *exists ? RONDA_OK : err_errno();
		}
	}
	if (!rc && !w->s->batch && (rc = ronda_fs_fsync_dir(dfd)) == RONDA_OK)
		rc = ronda_fs_fsync_dir(w->s->objfd);
	close(dfd);
	return rc;
}

/* Store the finished object of w under the plain SHA-256 hash. */
static int writer_store(struct writer *w, const char *hash, uint64_t *new_bytes)
{
	unsigned char sid[32];
	bool exists = false;
	int rc;

	if (new_bytes)
		*new_bytes = 0;
	if ((rc = sid_of(w->s, hash, sid)))
		return rc;
	if (w->fd < 0)
		rc = pack_put(w->s, sid, w->mem, w->mem_len, &exists);
	else if (!ronda_store_has(w->s, hash))
		rc = writer_link(w, sid, &exists);
	else
		exists = true;
	if (!rc && new_bytes && !exists)
		*new_bytes = w->stored;
	return rc;
}

static int hash_buf(const void *data, size_t len, char hash[RONDA_HASH_HEX])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return RONDA_EINTERNAL;
	ronda_hex(md, 32, hash);
	return RONDA_OK;
}

int ronda_hash_fd(int fd, char hash[RONDA_HASH_HEX], uint64_t *size)
{
	unsigned char *buf = xmalloc(IOBUF), md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int mdlen = 0;
	uint64_t total = 0;
	size_t got;
	int rc = RONDA_OK;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		rc = RONDA_ENOMEM;
		goto out;
	}
	do {
		if ((rc = ronda_fs_read_full(fd, buf, IOBUF, &got)))
			goto out;
		if (got && !EVP_DigestUpdate(ctx, buf, got)) {
			rc = RONDA_EINTERNAL;
			goto out;
		}
		total += got;
	} while (got == IOBUF);
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32) {
		rc = RONDA_EINTERNAL;
		goto out;
	}
	ronda_hex(md, 32, hash);
	if (size)
		*size = total;
out:
	EVP_MD_CTX_free(ctx);
	free(buf);
	return rc;
}

int ronda_store_put_buf(struct ronda_store *s, const void *data, size_t len,
			char hash[RONDA_HASH_HEX], uint64_t *new_bytes)
{
	struct writer w;
	int rc;

	if ((rc = hash_buf(data, len, hash)))
		return rc;
	if (new_bytes)
		*new_bytes = 0;
	if (ronda_store_has(s, hash))
		return RONDA_OK;
	/* small objects go into the batch's pack; outside a batch each is a
	 * loose file, durable when this returns */
	if ((rc = writer_start(&w, s, s->batch && len < SMALL)))
		return rc;
	if (!(rc = writer_feed(&w, data, len)) && !(rc = writer_end(&w, hash)))
		rc = writer_store(&w, hash, new_bytes);
	writer_release(&w);
	return rc;
}

int ronda_store_put_fd(struct ronda_store *s, int fd, char hash[RONDA_HASH_HEX],
		       uint64_t *size, uint64_t *new_bytes)
{
	unsigned char *buf = xmalloc(SMALL);
	struct writer w;
	size_t got = 0;
	int rc;

	w.fd = -1;
	w.s = NULL;
	if ((rc = ronda_fs_read_full(fd, buf, SMALL, &got)))
		goto out;
	if (got < SMALL) {
		if (size)
			*size = got;
		rc = ronda_store_put_buf(s, buf, got, hash, new_bytes);
		goto out;
	}
	if ((rc = writer_start(&w, s, false)))
		goto out;
	while (got > 0) {
		if ((rc = writer_feed(&w, buf, got)))
			goto out;
		if ((rc = ronda_fs_read_full(fd, buf, IOBUF, &got)))
			goto out;
	}
	if (size)
		*size = w.plain;
	if (!(rc = writer_end(&w, hash)))
		rc = writer_store(&w, hash, new_bytes);
out:
	if (w.s)
		writer_release(&w);
	free(buf);
	return rc;
}

/* ---- finding objects ---- */

struct loc {
	int fd;                    /* -1 when only asked whether it exists */
	uint64_t off, len;
	char where[96];            /* packs/NAME.pack@OFFSET or objects/ab/... */
};

/* Find the object stored under sid: in a pack (the open one included),
 * else a loose file.  With want_fd, l->fd is an open descriptor the
 * caller closes. */
static int find_sid(struct ronda_store *s, const unsigned char sid[32], bool want_fd,
		    struct loc *l)
{
	char rel[RONDA_HASH_HEX + 1];
	struct stat st;
	uint64_t v;
	int fd;

	l->fd = -1;
	pthread_mutex_lock(&s->mu);
	ensure_loaded(s);
	v = idx_find(s, sid);
	if (v) {
		struct pack *p = &s->packs[(v >> 32) - 1];
		struct pack_ent *e = slot_ent(s, v);
		int rc = RONDA_OK;

		l->off = e->off;
		l->len = e->len;
		snprintf(l->where, sizeof(l->where), "packs/%s@%llu",
			 p->open ? "(open)" : p->name, (unsigned long long)e->off);
		if (want_fd) {
			l->fd = p->open ? fcntl(p->fd, F_DUPFD_CLOEXEC, 0)
					: openat(s->packfd, p->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (l->fd < 0)
				rc = err_errno();
		}
		pthread_mutex_unlock(&s->mu);
		return rc;
	}
	pthread_mutex_unlock(&s->mu);
	loose_rel(sid, rel);
	snprintf(l->where, sizeof(l->where), "objects/%s", rel);
	if (!want_fd) {
		if (fstatat(s->objfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return err_errno();
		l->off = 0;
		l->len = (uint64_t)st.st_size;
		return S_ISREG(st.st_mode) ? RONDA_OK : RONDA_ECORRUPT;
	}
	fd = openat(s->objfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_errno();
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return RONDA_ECORRUPT;
	}
	l->fd = fd;
	l->off = 0;
	l->len = (uint64_t)st.st_size;
	return RONDA_OK;
}

/* Find the object of a plain SHA-256: under its storage id, else under
 * the SHA-256 itself (vaults written before ids were keyed). */
static int locate(struct ronda_store *s, const char *hash, bool want_fd, struct loc *l)
{
	unsigned char raw[32], sid[32];
	int rc, rc2;

	if ((rc = hex_to_raw(hash, raw)))
		return rc;
	rc = sid_raw(s, raw, sid);
	if (rc == RONDA_OK) {
		rc = find_sid(s, sid, want_fd, l);
		if (rc != RONDA_ENOENT || !memcmp(sid, raw, 32))
			return rc;
	} else if (rc != RONDA_ECRYPTO) {
		return rc;
	}
	rc2 = find_sid(s, raw, want_fd, l);
	/* without the key a keyed object cannot be found: say so */
	return rc2 == RONDA_ENOENT && rc == RONDA_ECRYPTO ? RONDA_ECRYPTO : rc2;
}

bool ronda_store_has(struct ronda_store *s, const char *hash)
{
	struct loc l;

	return locate(s, hash, false, &l) == RONDA_OK;
}

uint64_t ronda_store_stored_size(struct ronda_store *s, const char *hash)
{
	struct loc l;

	return locate(s, hash, false, &l) == RONDA_OK ? l.len : 0;
}

int ronda_store_where(struct ronda_store *s, const char *hash, char *out, size_t n)
{
	struct loc l;
	int rc = locate(s, hash, false, &l);

	if (!rc)
		snprintf(out, n, "%s", l.where);
	return rc;
}

/* ---- reading ---- */

struct src {
	int fd;
	uint64_t pos, end;
};

static int src_read(struct src *r, void *p, size_t n, size_t *got)
{
	*got = 0;
	if (n > r->end - r->pos)
		n = (size_t)(r->end - r->pos);
	while (*got < n) {
		ssize_t k = pread(r->fd, (char *)p + *got, n - *got, (off_t)r->pos);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return err_errno();
		if (k == 0)
			break;
		*got += (size_t)k;
		r->pos += (uint64_t)k;
	}
	return RONDA_OK;
}

static int src_exact(struct src *r, void *p, size_t n)
{
	size_t got;
	int rc = src_read(r, p, n, &got);

	if (rc)
		return rc;
	return got == n ? RONDA_OK : RONDA_ECORRUPT;
}

struct reader {
	ronda_store_sink sink;
	void *arg;
	EVP_MD_CTX *md;
	ZSTD_DCtx *dctx;
	unsigned char *dout;
	uint64_t plain;
	size_t last;              /* last ZSTD_decompressStream return */
};

static int decompress_feed(struct reader *r, const void *data, size_t n)
{
	ZSTD_inBuffer in = { data, n, 0 };
	size_t outsz = ZSTD_DStreamOutSize();
	int rc;

	/* keep calling while input remains or the output buffer came back full */
	for (;;) {
		ZSTD_outBuffer out = { r->dout, outsz, 0 };

		r->last = ZSTD_decompressStream(r->dctx, &out, &in);
		if (ZSTD_isError(r->last))
			return RONDA_ECORRUPT;
		if (out.pos) {
			if (!EVP_DigestUpdate(r->md, r->dout, out.pos))
				return RONDA_EINTERNAL;
			r->plain += out.pos;
			if (r->sink && (rc = r->sink(r->dout, out.pos, r->arg)))
				return rc;
		}
		if (in.pos == in.size && out.pos < outsz)
			return RONDA_OK;
	}
}

/* Decode the object at [off, off+len) of fd into sink; md gets the
 * SHA-256 of its plain content.  RONDA_ECORRUPT if it is malformed. */
static int read_object(struct ronda_store *s, int fd, uint64_t off, uint64_t len,
		       ronda_store_sink sink, void *arg, unsigned char md[32], uint64_t *size)
{
	unsigned char hdr[HDR_LEN + ENC_HDR_LEN];
	unsigned char *io = NULL, *plain = NULL;
	crypto_secretstream_xchacha20poly1305_state ss;
	struct src in = { fd, off, off + len };
	struct reader r;
	uint64_t want_size;
	unsigned int mdlen = 0;
	bool enc, final = false;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&ss, 0, sizeof(ss));
	r.sink = sink;
	r.arg = arg;
	if ((rc = src_exact(&in, hdr, HDR_LEN)))
		goto out;
	if (memcmp(hdr, MAGIC, 8) || !(hdr[8] & F_ZSTD) || (hdr[8] & ~(F_ZSTD | F_ENC))) {
		rc = RONDA_ECORRUPT;
		goto out;
	}
	want_size = le64(hdr + 12);
	enc = hdr[8] & F_ENC;
	if (enc) {
		if ((rc = src_exact(&in, hdr + HDR_LEN, ENC_HDR_LEN)))
			goto out;
		if (!s->key || sodium_memcmp(hdr + HDR_LEN, s->key_id, 16)) {
			rc = RONDA_ECRYPTO;
			goto out;
		}
		if (crypto_secretstream_xchacha20poly1305_init_pull(&ss, hdr + HDR_LEN + 16, s->key)) {
			rc = RONDA_ECORRUPT;
			goto out;
		}
		plain = xmalloc(CHUNK);
	}
	r.md = EVP_MD_CTX_new();
	r.dctx = ZSTD_createDCtx();
	r.dout = xmalloc(ZSTD_DStreamOutSize());
	io = xmalloc(MAX(IOBUF, CHUNK + SS_ABYTES));
	if (!r.md || !r.dctx || !EVP_DigestInit_ex(r.md, EVP_sha256(), NULL)) {
		rc = RONDA_ENOMEM;
		goto out;
	}
	for (;;) {
		size_t got;

		if (enc) {
			unsigned char lenb[4], tag = 0;
			unsigned long long mlen = 0;
			size_t clen;

			if ((rc = src_read(&in, lenb, 4, &got)))
				goto out;
			if (got == 0)
				break;
			clen = (size_t)lenb[0] | (size_t)lenb[1] << 8 |
			       (size_t)lenb[2] << 16 | (size_t)lenb[3] << 24;
			if (got != 4 || final || clen < SS_ABYTES || clen > CHUNK + SS_ABYTES) {
				rc = RONDA_ECORRUPT;
				goto out;
			}
			if ((rc = src_exact(&in, io, clen)))
				goto out;
			if (crypto_secretstream_xchacha20poly1305_pull(&ss, plain, &mlen, &tag,
								       io, clen, NULL, 0)) {
				rc = RONDA_ECORRUPT;
				goto out;
			}
			if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
				final = true;
			if ((rc = decompress_feed(&r, plain, (size_t)mlen)))
				goto out;
		} else {
			if ((rc = src_read(&in, io, IOBUF, &got)))
				goto out;
			if (got == 0)
				break;
			if ((rc = decompress_feed(&r, io, got)))
				goto out;
		}
	}
	if ((enc && !final) || r.plain != want_size ||
	    !EVP_DigestFinal_ex(r.md, md, &mdlen) || mdlen != 32) {
		rc = RONDA_ECORRUPT;
		goto out;
	}
	if (size)
		*size = r.plain;
out:
	sodium_memzero(&ss, sizeof(ss));
	if (plain) {
		sodium_memzero(plain, CHUNK);
		free(plain);
	}
	EVP_MD_CTX_free(r.md);
	ZSTD_freeDCtx(r.dctx);
	free(r.dout);
	free(io);
	return rc;
}

int ronda_store_get(struct ronda_store *s, const char *hash,
		    ronda_store_sink sink, void *arg, uint64_t *size)
{
	unsigned char md[32], want[32];
	struct loc l;
	int rc;

	if ((rc = hex_to_raw(hash, want)))
		return rc;
	if ((rc = locate(s, hash, true, &l)))
		return rc;
	rc = read_object(s, l.fd, l.off, l.len, sink, arg, md, size);
	if (!rc && memcmp(md, want, 32))
		rc = RONDA_ECORRUPT;
	close(l.fd);
	return rc;
}

static int sink_buf(const void *data, size_t n, void *arg)
{
	return ronda_buf_add(arg, data, n);
}

int ronda_store_get_buf(struct ronda_store *s, const char *hash, struct ronda_buf *out)
{
	size_t start = out->len;
	int rc = ronda_store_get(s, hash, sink_buf, out, NULL);

	if (rc)
		ronda_buf_setlen(out, start);
	return rc;
}

struct fd_sink {
	int fd;
	uint64_t off;
	bool hole;
};

#define BLK 4096

static bool all_zero(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

static int sink_fd(const void *data, size_t n, void *arg)
{
	struct fd_sink *f = arg;
	const unsigned char *p = data;

	while (n > 0) {
		size_t take = MIN(n, BLK - (size_t)(f->off % BLK));
		int rc;

		if (take == BLK && all_zero(p, take)) {
			if (lseek(f->fd, (off_t)take, SEEK_CUR) < 0)
				return err_errno();
			f->hole = true;
		} else if ((rc = ronda_fs_write_all(f->fd, p, take))) {
			return rc;
		}
		f->off += take;
		p += take;
		n -= take;
	}
	return RONDA_OK;
}

int ronda_store_get_fd(struct ronda_store *s, const char *hash, int fd)
{
	struct fd_sink f = { fd, 0, false };
	int rc = ronda_store_get(s, hash, sink_fd, &f, NULL);

	if (!rc && f.hole && ftruncate(fd, (off_t)f.off) < 0)
		rc = err_errno();
	return rc;
}

int ronda_store_verify(struct ronda_store *s, const char *hash)
{
	return ronda_store_get(s, hash, NULL, NULL, NULL);
}

/* ---- listing, checking, removing ---- */

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

/* Names (hex ids) of the loose objects under objects/. */
static int list_loose(struct ronda_store *s, char (**out)[RONDA_HASH_HEX], size_t *n_out)
{
	char (*hashes)[RONDA_HASH_HEX] = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *top;
	int fd;

	*out = NULL;
	*n_out = 0;
	fd = openat(s->objfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(top = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return err_errno();
	}
	while ((de = readdir(top))) {
		DIR *sub;
		int sfd;

		if (!is_hex(de->d_name, 2))
			continue;
		sfd = openat(s->objfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0 || !(sub = fdopendir(sfd))) {
			if (sfd >= 0)
				close(sfd);
			continue;
		}
		for (struct dirent *e; (e = readdir(sub));) {
			if (!is_hex(e->d_name, 62))
				continue;
			hashes = xgrow(hashes, &alloc, n + 1, sizeof(*hashes));
			memcpy(hashes[n], de->d_name, 2);
			memcpy(hashes[n] + 2, e->d_name, 63);
			n++;
		}
		closedir(sub);
	}
	closedir(top);
	*out = hashes;
	*n_out = n;
	return RONDA_OK;
}

int ronda_store_foreach(struct ronda_store *s,
			int (*fn)(const char *hash, void *arg), void *arg)
{
	char (*ids)[RONDA_HASH_HEX] = NULL;
	size_t n = 0, alloc = 0, n_loose = 0;
	char (*loose)[RONDA_HASH_HEX] = NULL;
	int rc;

	pthread_mutex_lock(&s->mu);
	ensure_loaded(s);
	for (size_t pi = 0; pi < s->n_packs; pi++) {
		struct pack *p = &s->packs[pi];

		for (size_t e = 0; !p->bad && e < p->n; e++) {
			if (idx_find(s, p->ents[e].sid) != ((uint64_t)(pi + 1) << 32 | (uint32_t)e))
				continue;     /* a second copy */
			ids = xgrow(ids, &alloc, n + 1, sizeof(*ids));
			ronda_hex(p->ents[e].sid, 32, ids[n++]);
		}
	}
	pthread_mutex_unlock(&s->mu);
	rc = list_loose(s, &loose, &n_loose);
	for (size_t i = 0; !rc && i < n; i++)
		rc = fn(ids[i], arg);
	for (size_t i = 0; !rc && i < n_loose; i++)
		rc = fn(loose[i], arg);
	free(ids);
	free(loose);
	return rc;
}

/* Re-hash the object at [off, off+len) of fd that is stored under sid. */
static int check_at(struct ronda_store *s, int fd, uint64_t off, uint64_t len,
		    const unsigned char sid[32], char hash[RONDA_HASH_HEX])
{
	unsigned char md[32], want[32];
	int rc = read_object(s, fd, off, len, NULL, NULL, md, NULL);

	hash[0] = '\0';
	if (rc)
		return rc;
	if (memcmp(md, sid, 32)) {          /* not named by its plain SHA-256 */
		if ((rc = sid_raw(s, md, want)))
			return rc;
		if (memcmp(want, sid, 32))
			return RONDA_ECORRUPT;
	}
	ronda_hex(md, 32, hash);
	return RONDA_OK;
}

static int check_loose(struct ronda_store *s, const char *name, char hash[RONDA_HASH_HEX],
		       uint64_t *stored)
{
	unsigned char sid[32];
	struct loc l;
	int rc;

	hash[0] = '\0';
	*stored = 0;
	if ((rc = hex_to_raw(name, sid)))
		return rc;
	{
		char rel[RONDA_HASH_HEX + 1];
		struct stat st;

		loose_rel(sid, rel);
		l.fd = openat(s->objfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (l.fd < 0)
			return err_errno();
		if (fstat(l.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(l.fd);
			return RONDA_ECORRUPT;
		}
		*stored = (uint64_t)st.st_size;
	}
	rc = check_at(s, l.fd, 0, *stored, sid, hash);
	close(l.fd);
	return rc;
}

int ronda_store_check(struct ronda_store *s, ronda_store_check_fn fn, void *arg)
{
	char (*loose)[RONDA_HASH_HEX] = NULL;
	struct ronda_store_object o;
	size_t n_loose = 0, n_packs;
	int rc = RONDA_OK;

	pthread_mutex_lock(&s->mu);
	ensure_loaded(s);
	n_packs = s->n_packs;
	pthread_mutex_unlock(&s->mu);
	/* no writer runs beside a check (callers hold the vault lock and are
	 * outside a batch), so the pack table stays as it is */
	for (size_t pi = 0; pi < n_packs && !rc; pi++) {
		struct pack *p = &s->packs[pi];
		int fd;

		if (p->open)
			continue;
		memset(&o, 0, sizeof(o));
		snprintf(o.where, sizeof(o.where), "packs/%s", p->name);
		o.stored = p->size;
		fd = p->bad ? -1 : openat(s->packfd, p->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			rc = fn(&o, p->bad ? RONDA_ECORRUPT : err_errno(), arg);
			continue;
		}
		for (size_t e = 0; e < p->n && !rc; e++) {
			int crc;

			memset(&o, 0, sizeof(o));
			ronda_hex(p->ents[e].sid, 32, o.sid);
			snprintf(o.where, sizeof(o.where), "packs/%s@%llu", p->name,
				 (unsigned long long)p->ents[e].off);
			o.stored = p->ents[e].len;
			o.duplicate = idx_find(s, p->ents[e].sid) !=
				      ((uint64_t)(pi + 1) << 32 | (uint32_t)e);
			crc = check_at(s, fd, p->ents[e].off, p->ents[e].len, p->ents[e].sid, o.hash);
			rc = fn(&o, crc, arg);
		}
		close(fd);
	}
	if (!rc)
		rc = list_loose(s, &loose, &n_loose);
	for (size_t i = 0; i < n_loose && !rc; i++) {
		int crc;

		memset(&o, 0, sizeof(o));
		memcpy(o.sid, loose[i], RONDA_HASH_HEX);
		snprintf(o.where, sizeof(o.where), "objects/%.2s/%s", loose[i], loose[i] + 2);
		crc = check_loose(s, loose[i], o.hash, &o.stored);
		if (crc == RONDA_ENOENT)
			continue;        /* removed since it was listed */
		rc = fn(&o, crc, arg);
	}
	free(loose);
	return rc;
}

static int remove_loose(struct ronda_store *s, const unsigned char sid[32])
{
	char rel[RONDA_HASH_HEX + 1];
	int dfd = -1, rc;

	loose_rel(sid, rel);
	if ((rc = object_dir(s, rel, false, &dfd)))
		return rc;
	if (unlinkat(dfd, rel + 3, 0) < 0)
		rc = err_errno();
	else
		rc = ronda_fs_fsync_dir(dfd);
	close(dfd);
	return rc;
}

int ronda_store_remove(struct ronda_store *s, const char *hash)
{
	unsigned char raw[32], sid[32];
	int rc;

	if ((rc = hex_to_raw(hash, raw)))
		return rc;
	if (sid_raw(s, raw, sid) == RONDA_OK) {
		rc = remove_loose(s, sid);
		if (rc != RONDA_ENOENT || !memcmp(sid, raw, 32))
			return rc;
	}
	return remove_loose(s, raw);
}

/* ---- garbage collection ---- */

static int cmp_sid(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

struct idset {
	unsigned char (*ids)[32];
	size_t n, alloc;
};

static bool idset_has(const struct idset *set, const unsigned char *id)
{
	return set->n && bsearch(id, set->ids, set->n, 32, cmp_sid);
}

static void idset_add(struct idset *set, const unsigned char *id)
{
	set->ids = xgrow(set->ids, &set->alloc, set->n + 1, 32);
	memcpy(set->ids[set->n++], id, 32);
}

/* Copy the live objects of the packs marked in `repack` into new packs
 * (sealed: fsync'd and linked, directory fsync'd).  On failure nothing is
 * removed and the partial new pack is dropped. */
static int repack(struct ronda_store *s, const bool *todo, const struct idset *live,
		  struct ronda_store_gc_stats *st)
{
	struct pack np;
	unsigned char *buf = NULL;
	size_t buf_alloc = 0;
	bool started = false;
	int rc = RONDA_OK;

	memset(&np, 0, sizeof(np));
	np.fd = -1;
	for (size_t pi = 0; pi < s->n_packs && !rc; pi++) {
		struct pack *p = &s->packs[pi];
		int fd;

		if (!todo[pi])
			continue;
		fd = openat(s->packfd, p->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			rc = err_errno();
			break;
		}
		for (size_t e = 0; e < p->n && !rc; e++) {
			struct pack_ent *en = &p->ents[e];

			if (!idset_has(live, en->sid) ||
			    idx_find(s, en->sid) != ((uint64_t)(pi + 1) << 32 | (uint32_t)e))
				continue;
			if (!started) {
				if ((rc = pack_start(s, &np)))
					break;
				started = true;
			}
			buf = xgrow(buf, &buf_alloc, (size_t)en->len, 1);
			if ((rc = pread_exact(fd, buf, (size_t)en->len, en->off)) ||
			    (rc = pack_append(&np, en->sid, buf, (size_t)en->len)))
				break;
			if (np.size >= PACK_TARGET) {
				if ((rc = pack_seal(s, &np)))
					break;
				st->n_packs_written++;
				st->n_bytes_written += np.size;
				free(np.ents);
				memset(&np, 0, sizeof(np));
				np.fd = -1;
				started = false;
			}
		}
		close(fd);
	}
	if (!rc && started) {
		if ((rc = pack_seal(s, &np)) == RONDA_OK) {
			st->n_packs_written++;
			st->n_bytes_written += np.size;
		}
	}
	pack_discard(&np, s->tmpfd);
	free(np.ents);
	free(buf);
	return rc;
}

int ronda_store_gc(struct ronda_store *s, const char (*refs)[RONDA_HASH_HEX], size_t n_refs,
		   struct ronda_store_gc_stats *st)
{
	struct idset live = { NULL, 0, 0 };
	char (*loose)[RONDA_HASH_HEX] = NULL;
	size_t n_loose = 0, n_small = 0;
	bool *todo = NULL, *drop = NULL, any = false;
	size_t *n_dead = NULL;
	int rc = RONDA_OK;

	memset(st, 0, sizeof(*st));
	if (s->batch)
		return RONDA_EBUSY;
	if (s->keyed && !s->key)
		return RONDA_ECRYPTO;   /* cannot tell which keyed ids are referenced */
	for (size_t i = 0; i < n_refs; i++) {
		unsigned char raw[32], sid[32];

		if (hex_to_raw(refs[i], raw) || sid_raw(s, raw, sid))
			continue;
		idset_add(&live, sid);
		if (memcmp(sid, raw, 32))
			idset_add(&live, raw);   /* stored before ids were keyed */
	}
	if (live.n)
		qsort(live.ids, live.n, 32, cmp_sid);

	/* loose objects nothing refers to */
	if ((rc = list_loose(s, &loose, &n_loose)))
		goto out;
	for (size_t i = 0; i < n_loose; i++) {
		unsigned char sid[32];
		char rel[RONDA_HASH_HEX + 1];
		struct stat sb;

		if (hex_to_raw(loose[i], sid) || idset_has(&live, sid))
			continue;
		loose_rel(sid, rel);
		if (fstatat(s->objfd, rel, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (remove_loose(s, sid) == RONDA_OK) {
			st->n_objects++;
			st->n_bytes += (uint64_t)sb.st_size;
		}
	}

	/* packs: drop those with nothing live, rewrite those mostly dead (and
	 * merge small ones) */
	pthread_mutex_lock(&s->mu);
	ensure_loaded(s);
	todo = xcalloc(s->n_packs + 1, sizeof(*todo));
	drop = xcalloc(s->n_packs + 1, sizeof(*drop));
	n_dead = xcalloc(s->n_packs + 1, sizeof(*n_dead));
	for (size_t pi = 0; pi < s->n_packs; pi++) {
		struct pack *p = &s->packs[pi];
		uint64_t live_bytes = 0, dead_bytes = 0;
		size_t n_live = 0;

		if (p->bad || p->open)
			continue;      /* a damaged pack is kept for verify to report */
		for (size_t e = 0; e < p->n; e++) {
			bool primary = idx_find(s, p->ents[e].sid) ==
				       ((uint64_t)(pi + 1) << 32 | (uint32_t)e);

			if (primary && idset_has(&live, p->ents[e].sid)) {
				n_live++;
				live_bytes += p->ents[e].len;
			} else {
				dead_bytes += p->ents[e].len;
				n_dead[pi] += primary;
			}
		}
		if (!n_live)
			drop[pi] = true;
		else if (dead_bytes * 4 > dead_bytes + live_bytes)
			todo[pi] = true;
		else if (p->size < PACK_TARGET / 4)
			n_small++;
	}
	if (n_small >= 2)
		for (size_t pi = 0; pi < s->n_packs; pi++)
			if (!s->packs[pi].bad && !s->packs[pi].open && !drop[pi] &&
			    s->packs[pi].size < PACK_TARGET / 4)
				todo[pi] = true;
	for (size_t pi = 0; pi < s->n_packs; pi++)
		any |= todo[pi];
	/* the new packs are durable before any old one goes */
	if (any && (rc = repack(s, todo, &live, st))) {
		memset(todo, 0, (s->n_packs + 1) * sizeof(*todo));
		any = false;
	}
	for (size_t pi = 0; pi < s->n_packs; pi++) {
		if (!drop[pi] && !todo[pi])
			continue;
		ronda_fs_debug_pause("pack-remove");
		if (unlinkat(s->packfd, s->packs[pi].name, 0) == 0) {
			st->n_objects += n_dead[pi];
			st->n_packs_removed++;
			st->n_bytes += s->packs[pi].size;
		}
	}
	ronda_fs_fsync_dir(s->packfd);
	st->n_bytes = st->n_bytes > st->n_bytes_written ? st->n_bytes - st->n_bytes_written : 0;
	unload(s);         /* re-read on next use */
	pthread_mutex_unlock(&s->mu);
out:
	free(todo);
	free(drop);
	free(n_dead);
	free(loose);
	free(live.ids);
	return rc;
}

/* ---- crash recovery ---- */

int ronda_store_recover(struct ronda_store *s, uint64_t *n_removed)
{
	char (*loose)[RONDA_HASH_HEX] = NULL;
	size_t n_loose = 0;
	struct stat st;
	bool locked = false;
	int rc;

	*n_removed = 0;
	if (fstatat(s->dirfd, UNSYNCED, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? RONDA_OK : err_errno();
	if (syncfs(s->dirfd) < 0)
		return err_errno();
	/* packs are fsync'd before they are linked: only loose objects written
	 * since the marker may be incomplete */
	if ((rc = list_loose(s, &loose, &n_loose)))
		return rc;
	for (size_t i = 0; i < n_loose; i++) {
		char rel[RONDA_HASH_HEX + 1], hash[RONDA_HASH_HEX];
		struct stat ost;
		uint64_t stored;
		int crc;

		snprintf(rel, sizeof(rel), "%.2s/%s", loose[i], loose[i] + 2);
		if (fstatat(s->objfd, rel, &ost, AT_SYMLINK_NOFOLLOW) < 0 ||
		    ost.st_ctim.tv_sec < st.st_mtim.tv_sec - 2)
			continue;
		crc = check_loose(s, loose[i], hash, &stored);
		if (crc == RONDA_ECRYPTO) {
			locked = true;
		} else if (crc == RONDA_ECORRUPT) {
			unsigned char sid[32];

			if (!hex_to_raw(loose[i], sid) && remove_loose(s, sid) == RONDA_OK)
				(*n_removed)++;
		}
	}
	free(loose);
	if (locked)
		return RONDA_OK;   /* check again when the key is given */
	if (unlinkat(s->dirfd, UNSYNCED, 0) < 0 && errno != ENOENT)
		return err_errno();
	return ronda_fs_fsync_dir(s->dirfd);
}

void ronda_store_clean_tmp(struct ronda_store *s)
{
	int fd = openat(s->tmpfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			unlinkat(s->tmpfd, de->d_name, 0);
	closedir(d);
}
