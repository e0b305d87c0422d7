/*
 * store.h — the content-addressed object store of the vault.
 *
 * Each distinct content is stored once, as an object: a small header
 * followed by a zstd stream of the content, optionally sealed with
 * libsodium crypto_secretstream_xchacha20poly1305 (chunks of at most
 * 64 KiB, the last one tagged FINAL, so truncation is detected):
 *
 *     "RONDAOB1" flags(1) reserved(3) plain_size(8, LE)
 *     [encrypted: key_id(16) secretstream_header(24)]
 *     payload: zstd frame | u32-LE-length-prefixed sealed chunks
 *
 * key_id is a keyed BLAKE2b of the key, so the wrong key is refused before
 * any decryption (RONDA_ECRYPTO).
 *
 * Objects are found by their storage id: the SHA-256 of the plain content
 * (hex), or in a vault with a key (VAULT/key-id exists), a BLAKE2b of that
 * SHA-256 keyed with a key derived from the vault key, so object names do
 * not tell someone without the key which known files the vault holds.
 * Callers always name objects by the plain SHA-256; ids are internal.
 *
 * Where objects live:
 *   VAULT/packs/NAME.pack  objects written inside a batch whose content is
 *       under 4 MiB, appended back to back into packs of about 8 MiB:
 *         "RONDAPK1" reserved(8) | object... | index | trailer
 *         index: per object id(32) offset(8, LE) length(8, LE)
 *         trailer: n(8) index_offset(8) sha256(index)(32) "RONDAPKE"
 *       A pack is built in a temporary file in VAULT/tmp, sealed (index
 *       and trailer written), fsync'd and then linked under a random name:
 *       a pack that exists is whole.  The index of every pack is read into
 *       memory on first use; a pack whose index does not check out is
 *       reported by ronda_store_check and its objects are absent.
 *   VAULT/objects/ab/cdef...  loose objects: big ones, and those written
 *       outside a batch; older vaults hold only loose objects, named by
 *       the plain SHA-256 even when encrypted (still found).
 * Reading re-hashes the content and fails with RONDA_ECORRUPT if it does
 * not match; the sink may already have received bytes by then, so writers
 * must stage (fsops.h's ronda_fs_replace does).
 *
 * Content is streamed in bounded chunks, so objects of any size (over
 * 2 GB) work in constant memory.  Keys live in sodium_malloc'd memory and
 * are wiped with sodium_memzero when the store is freed.
 *
 * A store is used by one thread at a time, except inside a batch (below).
 * Writers serialise on VAULT/lock (ronda_store_lock) so a prune never
 * races a snapshot.
 */
#ifndef RONDA_VAULT_STORE_H
#define RONDA_VAULT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/error.h"

#define RONDA_KEY_BYTES 32
#define RONDA_HASH_HEX 65   /* 64 hex digits + NUL */

struct ronda_store;

/* Open (creating directories as needed) the vault at dir.  The store keeps
 * its own copy of dir. */
int ronda_store_open(const char *dir, struct ronda_store **out);
void ronda_store_free(struct ronda_store *s);

/* Use key (RONDA_KEY_BYTES) to encrypt new objects and read encrypted
 * ones.  The store copies it into locked memory; wipe your copy. */
int ronda_store_set_key(struct ronda_store *s, const unsigned char *key);
bool ronda_store_encrypted(const struct ronda_store *s);

/* True when objects of this vault were encrypted (VAULT/key-id exists):
 * writers must then be given the key, so nothing lands unencrypted. */
bool ronda_store_key_expected(struct ronda_store *s);

/* zstd level for new objects (default 3). */
void ronda_store_set_level(struct ronda_store *s, int level);

/* Exclusive lock on VAULT/lock for the life of the store (or until
 * unlock); RONDA_EBUSY if another ronda holds it. */
int ronda_store_lock(struct ronda_store *s);

/* Batches: between begin and end, new objects are not fsync'd one by one;
 * end syncs the whole vault filesystem once (syncfs).  Callers commit rows
 * that refer to the batch's objects only after end succeeded.  A crash
 * inside a batch leaves VAULT/unsynced behind, and ronda_store_recover()
 * then re-verifies every object written since and removes damaged ones,
 * so an object that exists is always whole.  Store functions may be
 * called from several threads at once inside a batch. */
int ronda_store_batch_begin(struct ronda_store *s);
int ronda_store_batch_end(struct ronda_store *s);
/* After a crash inside a batch (see above); needs the key for encrypted
 * objects (those it cannot check keep the marker for a later run). */
int ronda_store_recover(struct ronda_store *s, uint64_t *n_removed);

/* Make a new key file (0600, refused if it exists). */
int ronda_key_generate(const char *path);
/* Read a key file into key[RONDA_KEY_BYTES]; RONDA_EPARSE if malformed,
 * RONDA_EPERM if readable by group or others. */
int ronda_key_load(const char *path, unsigned char *key);

/* Store everything read from fd (from its current offset to end of file).
 * hash receives the hex SHA-256; *size the plain size; *new_bytes the bytes
 * the vault grew by (0 when the content was already there).  Either may be
 * NULL. */
int ronda_store_put_fd(struct ronda_store *s, int fd, char hash[RONDA_HASH_HEX],
		       uint64_t *size, uint64_t *new_bytes);
int ronda_store_put_buf(struct ronda_store *s, const void *data, size_t len,
			char hash[RONDA_HASH_HEX], uint64_t *new_bytes);

/* Storage id (hex) of the object with this plain SHA-256: RONDA_ECRYPTO
 * when the vault's ids are keyed and no key was given. */
int ronda_store_sid(struct ronda_store *s, const char *hash, char sid[RONDA_HASH_HEX]);
/* False when ids are keyed and the key is missing (ids cannot be mapped
 * to contents). */
bool ronda_store_ids_known(const struct ronda_store *s);
/* Where the object lies, e.g. "packs/NAME.pack@OFFSET" or
 * "objects/ab/cdef..." (for messages). */
int ronda_store_where(struct ronda_store *s, const char *hash, char *out, size_t n);

/* Whether an object with this hash is present (not verified). */
bool ronda_store_has(struct ronda_store *s, const char *hash);
/* Stored (compressed) size of an object, 0 if absent. */
uint64_t ronda_store_stored_size(struct ronda_store *s, const char *hash);

/* Receives the plain content in order; return non-zero to stop. */
typedef int (*ronda_store_sink)(const void *data, size_t n, void *arg);

/* Stream the object's plain content to sink and verify its hash:
 * RONDA_ENOENT if missing, RONDA_ECRYPTO for a wrong or missing key,
 * RONDA_ECORRUPT if damaged.  *size (may be NULL) gets the plain size. */
int ronda_store_get(struct ronda_store *s, const char *hash,
		    ronda_store_sink sink, void *arg, uint64_t *size);
/* Read the object into out (bounded by out->max: RONDA_ETOOBIG). */
int ronda_store_get_buf(struct ronda_store *s, const char *hash,
			struct ronda_buf *out);
/* Write the object into fd, leaving holes for runs of zero blocks and
 * setting the file size at the end (sparse files stay sparse). */
int ronda_store_get_fd(struct ronda_store *s, const char *hash, int fd);

/* Verify one object (re-hash).  Encrypted objects without a key give
 * RONDA_ECRYPTO. */
int ronda_store_verify(struct ronda_store *s, const char *hash);

/* Call fn for every object on disk (storage id in hex; second copies
 * left by an interrupted repack are skipped); stop on non-zero. */
int ronda_store_foreach(struct ronda_store *s,
			int (*fn)(const char *hash, void *arg), void *arg);

/* What ronda_store_check reports per object, or per pack whose index
 * cannot be read (sid "", where "packs/NAME.pack"). */
struct ronda_store_object {
	char sid[RONDA_HASH_HEX];
	char where[96];             /* packs/NAME.pack@OFFSET, objects/ab/... */
	char hash[RONDA_HASH_HEX];  /* plain SHA-256 read back; "" unless rc OK */
	uint64_t stored;            /* bytes on disk */
	bool duplicate;             /* a second copy (an interrupted repack) */
};
typedef int (*ronda_store_check_fn)(const struct ronda_store_object *o, int rc, void *arg);
/* Re-hash every object on disk, pack by pack, then the loose ones; fn gets
 * RONDA_OK, RONDA_ECORRUPT or RONDA_ECRYPTO (no key) for each.  Not while
 * a batch is open. */
int ronda_store_check(struct ronda_store *s, ronda_store_check_fn fn, void *arg);

/* Remove a loose object (and its directory fsync); RONDA_ENOENT if it is
 * not a loose object. */
int ronda_store_remove(struct ronda_store *s, const char *hash);

struct ronda_store_gc_stats {
	uint64_t n_objects;         /* objects dropped */
	uint64_t n_bytes;           /* net bytes freed */
	uint64_t n_packs_removed, n_packs_written, n_bytes_written;
};
/* Keep the objects whose plain SHA-256 is in refs[] (any order), remove
 * the others: loose ones are unlinked; a pack with nothing referenced is
 * removed; packs more than a quarter unreferenced, and small packs when
 * there are several, are rewritten: their referenced objects are copied
 * into new packs (sealed, fsync'd, linked) before the old packs are
 * removed, so a crash at any point leaves every referenced object in
 * place (at worst twice).  Needs the key when ids are keyed
 * (RONDA_ECRYPTO).  Call with the rows that referred to removed objects
 * already committed away. */
int ronda_store_gc(struct ronda_store *s, const char (*refs)[RONDA_HASH_HEX], size_t n_refs,
		   struct ronda_store_gc_stats *st);

/* Remove leftovers of interrupted writes under VAULT/tmp. */
void ronda_store_clean_tmp(struct ronda_store *s);

/* SHA-256 (hex) of everything read from fd; *size gets the byte count. */
int ronda_hash_fd(int fd, char hash[RONDA_HASH_HEX], uint64_t *size);

/* RONDA_OK if s is 64 lowercase hex digits. */
int ronda_hash_check(const char *hash);

#endif
