/*
 * store.c — content-addressed, compressed, optionally encrypted objects.
 *
 * Format and guarantees are described in store.h.  The write path is one
 * pipeline: read -> SHA-256 -> zstd -> (secretstream chunks) -> temporary
 * file -> fsync -> link into objects/ab/.  The read path runs it backwards
 * and checks the hash at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
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

struct ronda_store {
	char *dir;
	int dirfd, objfd, tmpfd, lockfd;
	unsigned char *key;
	unsigned char key_id[16];
	int level;
	bool batch;
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
	int rc;

	if (sodium_init() < 0)
		return RONDA_ECRYPTO;
	if ((rc = ronda_fs_mkdir_p(dir, 0700)))
		return rc;
	s = xcalloc(1, sizeof(*s));
	s->dir = xstrdup(dir);
	s->dirfd = s->objfd = s->tmpfd = s->lockfd = -1;
	s->level = 3;
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0) {
		rc = err_errno();
		goto fail;
	}
	if ((rc = open_subdir(s->dirfd, "objects", true, &s->objfd)) ||
	    (rc = open_subdir(s->dirfd, "tmp", true, &s->tmpfd)))
		goto fail;
	*out = s;
	return RONDA_OK;
fail:
	ronda_store_free(s);
	return rc;
}

void ronda_store_free(struct ronda_store *s)
{
	if (!s)
		return;
	if (s->key) {
		sodium_memzero(s->key, RONDA_KEY_BYTES);
		sodium_free(s->key);
	}
	sodium_memzero(s->key_id, sizeof(s->key_id));
	for (int *fd = &s->dirfd; fd <= &s->lockfd; fd++)
		if (*fd >= 0)
			close(*fd);
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
	int rc;

	if (!s->key) {
		s->key = sodium_malloc(RONDA_KEY_BYTES);
		if (!s->key)
			return RONDA_ENOMEM;
	}
	memcpy(s->key, key, RONDA_KEY_BYTES);
	key_id(s->key, s->key_id);
	if ((rc = check_key_id(s))) {
		sodium_memzero(s->key, RONDA_KEY_BYTES);
		sodium_free(s->key);
		s->key = NULL;
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

/* ---- batches ---- */

#define UNSYNCED "unsynced"

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
	if (!rc)
		s->batch = true;
	return rc;
}

int ronda_store_batch_end(struct ronda_store *s)
{
	if (!s->batch)
		return RONDA_OK;
	if (syncfs(s->dirfd) < 0)
		return err_errno();
	s->batch = false;
	if (unlinkat(s->dirfd, UNSYNCED, 0) < 0 && errno != ENOENT)
		return err_errno();
	return ronda_fs_fsync_dir(s->dirfd);
}

struct recover {
	struct ronda_store *s;
	struct timespec since;
	uint64_t removed;
	bool locked;
};

static int recover_one(const char *hash, void *arg)
{
	struct recover *r = arg;
	char rel[RONDA_HASH_HEX + 1];
	struct stat st;
	int rc;

	snprintf(rel, sizeof(rel), "%.2s/%s", hash, hash + 2);
	if (fstatat(r->s->objfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_ctim.tv_sec < r->since.tv_sec - 2)
		return RONDA_OK;
	rc = ronda_store_verify(r->s, hash);
	if (rc == RONDA_ECRYPTO)
		r->locked = true;
	else if (rc == RONDA_ECORRUPT && ronda_store_remove(r->s, hash) == RONDA_OK)
		r->removed++;
	return RONDA_OK;
}

int ronda_store_recover(struct ronda_store *s, uint64_t *n_removed)
{
	struct recover r = { s, { 0, 0 }, 0, false };
	struct stat st;
	int rc;

	*n_removed = 0;
	if (fstatat(s->dirfd, UNSYNCED, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? RONDA_OK : err_errno();
	if (syncfs(s->dirfd) < 0)
		return err_errno();
	r.since = st.st_mtim;
	if ((rc = ronda_store_foreach(s, recover_one, &r)))
		return rc;
	*n_removed = r.removed;
	if (r.locked)
		return RONDA_OK;   /* check again when the key is given */
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

/* ---- writing ---- */

struct writer {
	struct ronda_store *s;
	int fd;
	bool named;
	char tmpname[64];
	EVP_MD_CTX *md;
	ZSTD_CCtx *cctx;
	crypto_secretstream_xchacha20poly1305_state ss;
	unsigned char *chunk;      /* pending plaintext for the next sealed chunk */
	size_t chunk_len;
	unsigned char *zout;
	unsigned char *sealed;
	uint64_t plain, stored;
};

static int emit_raw(struct writer *w, const void *p, size_t n)
{
	int rc = ronda_fs_write_all(w->fd, p, n);

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

static void writer_release(struct writer *w)
{
	if (w->fd >= 0) {
		if (w->named)
			unlinkat(w->s->tmpfd, w->tmpname, 0);
		close(w->fd);
	}
	w->fd = -1;
	EVP_MD_CTX_free(w->md);
	ZSTD_freeCCtx(w->cctx);
	if (w->chunk) {
		sodium_memzero(w->chunk, CHUNK);
		free(w->chunk);
	}
	sodium_memzero(&w->ss, sizeof(w->ss));
	free(w->zout);
	free(w->sealed);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}

static int writer_start(struct writer *w, struct ronda_store *s)
{
	unsigned char hdr[HDR_LEN + ENC_HDR_LEN];
	size_t hl = HDR_LEN;
	int rc;

	memset(w, 0, sizeof(*w));
	w->s = s;
	w->fd = openat(s->tmpfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return err_errno();
		unsigned char r[8];
		randombytes_buf(r, sizeof(r));
		ronda_hex(r, sizeof(r), w->tmpname);
		w->fd = openat(s->tmpfd, w->tmpname,
			       O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (w->fd < 0)
			return err_errno();
		w->named = true;
	}
	w->md = EVP_MD_CTX_new();
	w->cctx = ZSTD_createCCtx();
	w->zout = xmalloc(ZSTD_CStreamOutSize());
	if (!w->md || !w->cctx || !EVP_DigestInit_ex(w->md, EVP_sha256(), NULL)) {
		rc = RONDA_ENOMEM;
		goto fail;
	}
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, s->level);
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 0);
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

static int object_dir(struct ronda_store *s, const char *hash, bool create, int *fd)
{
	char sub[3] = { hash[0], hash[1], '\0' };

	if (open_subdir(s->objfd, sub, false, fd) == RONDA_OK)
		return RONDA_OK;
	return open_subdir(s->objfd, sub, create, fd);
}

bool ronda_store_has(struct ronda_store *s, const char *hash)
{
	char rel[RONDA_HASH_HEX + 1];
	struct stat st;

	if (ronda_hash_check(hash))
		return false;
	snprintf(rel, sizeof(rel), "%.2s/%s", hash, hash + 2);
	return fstatat(s->objfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

uint64_t ronda_store_stored_size(struct ronda_store *s, const char *hash)
{
	char rel[RONDA_HASH_HEX + 1];
	struct stat st;

	if (ronda_hash_check(hash))
		return 0;
	snprintf(rel, sizeof(rel), "%.2s/%s", hash, hash + 2);
	if (fstatat(s->objfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return (uint64_t)st.st_size;
}

/* Finish the streams, fix the header, fsync and link into place unless an
 * object with the same hash exists. */
static int writer_finish(struct writer *w, char hash[RONDA_HASH_HEX], uint64_t *new_bytes)
{
	unsigned char md[32], size_le[8];
	unsigned int mdlen = 0;
	bool exists = false;
	int rc, dfd = -1;

	if ((rc = compress_feed(w, NULL, 0, ZSTD_e_end)))
		return rc;
	if (w->s->key &&
	    (rc = seal_chunk(w, crypto_secretstream_xchacha20poly1305_TAG_FINAL)))
		return rc;
	if (!EVP_DigestFinal_ex(w->md, md, &mdlen) || mdlen != 32)
		return RONDA_EINTERNAL;
	ronda_hex(md, 32, hash);
	if (new_bytes)
		*new_bytes = 0;
	if (ronda_store_has(w->s, hash))
		return RONDA_OK;
	for (int i = 0; i < 8; i++)
		size_le[i] = (unsigned char)(w->plain >> (8 * i));
	if (pwrite(w->fd, size_le, 8, 12) != 8)
		return err_errno();
	if (!w->s->batch && fsync(w->fd) < 0)
		return err_errno();
	if ((rc = object_dir(w->s, hash, true, &dfd)))
		return rc;
	ronda_fs_debug_pause("store-link");
	if (w->named) {
		if (renameat2(w->s->tmpfd, w->tmpname, dfd, hash + 2, RENAME_NOREPLACE) == 0)
			w->named = false;      /* moved into place: nothing to unlink */
		else if (errno != EEXIST)
			rc = err_errno();
		else
			exists = true;
	} else {
		char proc[64];

		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", w->fd);
		if (linkat(AT_FDCWD, proc, dfd, hash + 2, AT_SYMLINK_FOLLOW) < 0) {
			if (errno == EEXIST)
				exists = true;
			else if (linkat(w->fd, "", dfd, hash + 2, AT_EMPTY_PATH) < 0)
				exists = errno == EEXIST, rc = exists ? RONDA_OK : err_errno();
		}
	}
	if (!rc && !w->s->batch && (rc = ronda_fs_fsync_dir(dfd)) == RONDA_OK)
		rc = ronda_fs_fsync_dir(w->s->objfd);
	if (!rc && new_bytes && !exists)
		*new_bytes = w->stored;
	close(dfd);
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
	if ((rc = writer_start(&w, s)))
		return rc;
	if (!(rc = writer_feed(&w, data, len)))
		rc = writer_finish(&w, hash, new_bytes);
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
	if ((rc = ronda_fs_read_full(fd, buf, SMALL, &got)))
		goto out;
	if (got < SMALL) {
		if (size)
			*size = got;
		rc = ronda_store_put_buf(s, buf, got, hash, new_bytes);
		goto out;
	}
	if ((rc = writer_start(&w, s)))
		goto out;
	while (got > 0) {
		if ((rc = writer_feed(&w, buf, got)))
			goto out;
		if ((rc = ronda_fs_read_full(fd, buf, IOBUF, &got)))
			goto out;
	}
	if (size)
		*size = w.plain;
	rc = writer_finish(&w, hash, new_bytes);
out:
	if (w.fd >= 0)
		writer_release(&w);
	free(buf);
	return rc;
}

/* ---- reading ---- */

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

static int read_exact(int fd, void *p, size_t n)
{
	size_t got;
	int rc = ronda_fs_read_full(fd, p, n, &got);

	if (rc)
		return rc;
	return got == n ? RONDA_OK : RONDA_ECORRUPT;
}

int ronda_store_get(struct ronda_store *s, const char *hash,
		    ronda_store_sink sink, void *arg, uint64_t *size)
{
	unsigned char hdr[HDR_LEN + ENC_HDR_LEN], md[32];
	unsigned char *io = NULL, *plain = NULL;
	crypto_secretstream_xchacha20poly1305_state ss;
	struct reader r;
	char rel[RONDA_HASH_HEX + 1], got_hash[RONDA_HASH_HEX];
	uint64_t want_size = 0;
	unsigned int mdlen = 0;
	bool enc, final = false;
	int fd, rc;

	if (ronda_hash_check(hash))
		return RONDA_EINVAL;
	snprintf(rel, sizeof(rel), "%.2s/%s", hash, hash + 2);
	fd = openat(s->objfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_errno();
	memset(&r, 0, sizeof(r));
	r.sink = sink;
	r.arg = arg;
	if ((rc = read_exact(fd, hdr, HDR_LEN)))
		goto out;
	if (memcmp(hdr, MAGIC, 8) || !(hdr[8] & F_ZSTD) || (hdr[8] & ~(F_ZSTD | F_ENC))) {
		rc = RONDA_ECORRUPT;
		goto out;
	}
	for (int i = 7; i >= 0; i--)
		want_size = (want_size << 8) | hdr[12 + i];
	enc = hdr[8] & F_ENC;
	if (enc) {
		if ((rc = read_exact(fd, hdr + HDR_LEN, ENC_HDR_LEN)))
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
			unsigned char len[4], tag = 0;
			unsigned long long mlen = 0;
			size_t clen;

			if ((rc = ronda_fs_read_full(fd, len, 4, &got)))
				goto out;
			if (got == 0)
				break;
			clen = (size_t)len[0] | (size_t)len[1] << 8 |
			       (size_t)len[2] << 16 | (size_t)len[3] << 24;
			if (got != 4 || final || clen < SS_ABYTES || clen > CHUNK + SS_ABYTES) {
				rc = RONDA_ECORRUPT;
				goto out;
			}
			if ((rc = read_exact(fd, io, clen)))
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
			if ((rc = ronda_fs_read_full(fd, io, IOBUF, &got)))
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
	ronda_hex(md, 32, got_hash);
	if (strcmp(got_hash, hash)) {
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
	close(fd);
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

static bool is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

int ronda_store_foreach(struct ronda_store *s,
			int (*fn)(const char *hash, void *arg), void *arg)
{
	char (*hashes)[RONDA_HASH_HEX] = NULL;
	size_t n = 0, alloc = 0;
	struct dirent *de;
	DIR *top;
	int fd, rc = RONDA_OK;

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
	for (size_t i = 0; i < n && !rc; i++)
		rc = fn(hashes[i], arg);
	free(hashes);
	return rc;
}

int ronda_store_remove(struct ronda_store *s, const char *hash)
{
	int dfd, rc;

	if (ronda_hash_check(hash))
		return RONDA_EINVAL;
	if ((rc = object_dir(s, hash, false, &dfd)))
		return rc;
	if (unlinkat(dfd, hash + 2, 0) < 0)
		rc = err_errno();
	else
		rc = ronda_fs_fsync_dir(dfd);
	close(dfd);
	return rc;
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
