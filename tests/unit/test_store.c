/*
 * test_store.c — object store: roundtrips (plain, big, encrypted), dedup,
 * wrong key, damage detection, 0-byte objects, a 2.5 GB sparse file
 * streamed through in constant memory and restored sparse; packs (small
 * objects of a batch packed together, found again after reopening,
 * damage inside a pack named precisely, a damaged pack index), gc of
 * packs (dropped, rewritten, second copies after an interrupted rewrite),
 * keyed storage ids when encrypted and old vaults' plain-named objects.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/util.h"
#include "vault/store.h"

static char base[256], vault[300];

static int setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/ronda-store-XXXXXX");
	assert_non_null(mkdtemp(base));
	snprintf(vault, sizeof(vault), "%s/vault", base);
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void object_path(const char *hash, char *out, size_t n)
{
	snprintf(out, n, "%s/objects/%.2s/%s", vault, hash, hash + 2);
}

static void fresh_vault(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", vault);
	assert_int_equal(system(cmd), 0);
}

/* path of a loose object by its storage id */
static void sid_path(struct ronda_store *s, const char *hash, char *out, size_t n)
{
	char sid[RONDA_HASH_HEX];

	assert_int_equal(ronda_store_sid(s, hash, sid), RONDA_OK);
	object_path(sid, out, n);
}

static void roundtrip(struct ronda_store *s, const unsigned char *data, size_t len)
{
	char hash[RONDA_HASH_HEX];
	struct ronda_buf b = RONDA_BUF_INIT((size_t)64 << 20);
	uint64_t nb = 0;

	assert_int_equal(ronda_store_put_buf(s, data, len, hash, &nb), RONDA_OK);
	assert_true(ronda_store_has(s, hash));
	assert_int_equal(ronda_store_get_buf(s, hash, &b), RONDA_OK);
	assert_int_equal(b.len, len);
	assert_memory_equal(b.buf, data, len);
	assert_int_equal(ronda_store_put_buf(s, data, len, hash, &nb), RONDA_OK);
	assert_int_equal(nb, 0);   /* stored once */
	ronda_buf_release(&b);
}

static void test_roundtrip_plain(void **state)
{
	struct ronda_store *s;
	unsigned char *big = xmalloc(300000);
	char hash[RONDA_HASH_HEX];

	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	roundtrip(s, (const unsigned char *)"", 0);
	roundtrip(s, (const unsigned char *)"<?php echo 1;", 13);
	randombytes_buf(big, 300000);
	roundtrip(s, big, 300000);
	/* known SHA-256 of the empty string */
	assert_int_equal(ronda_store_put_buf(s, "", 0, hash, NULL), RONDA_OK);
	assert_string_equal(hash, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	free(big);
	ronda_store_free(s);
}

static void test_streaming_fd(void **state)
{
	struct ronda_store *s;
	char path[400], hash[RONDA_HASH_HEX], hash2[RONDA_HASH_HEX];
	size_t n = (size_t)9 << 20;
	unsigned char *data = xmalloc(n);
	struct ronda_buf b = RONDA_BUF_INIT((size_t)64 << 20);
	uint64_t size = 0, nb = 0;
	int fd;

	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)((i * 7) ^ (i >> 9));
	snprintf(path, sizeof(path), "%s/stream.bin", base);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	assert_int_equal(ronda_store_put_fd(s, fd, hash, &size, &nb), RONDA_OK);
	assert_int_equal(size, n);
	assert_true(nb > 0 && nb < n);   /* compressed */
	assert_int_equal(ronda_store_put_buf(s, data, n, hash2, &nb), RONDA_OK);
	assert_string_equal(hash, hash2);
	assert_int_equal(nb, 0);
	assert_int_equal(ronda_store_get_buf(s, hash, &b), RONDA_OK);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.buf, data, n);
	close(fd);
	free(data);
	ronda_buf_release(&b);
	ronda_store_free(s);
}

static void test_encrypted(void **state)
{
	struct ronda_store *s;
	unsigned char key[RONDA_KEY_BYTES], key2[RONDA_KEY_BYTES];
	char kpath[400], kpath2[400], hash[RONDA_HASH_HEX], opath[512];
	const char *secret = "<?php $db_password = 'rahasia-sekali'; ?>";
	size_t n = (size_t)200 << 10;
	unsigned char *data = xmalloc(n);
	struct ronda_buf b = RONDA_BUF_INIT((size_t)64 << 20);
	FILE *f;
	char *obj;
	long olen;

	snprintf(kpath, sizeof(kpath), "%s/key", base);
	snprintf(kpath2, sizeof(kpath2), "%s/key2", base);
	assert_int_equal(ronda_key_generate(kpath), RONDA_OK);
	assert_int_equal(ronda_key_generate(kpath), RONDA_EEXIST);
	assert_int_equal(ronda_key_generate(kpath2), RONDA_OK);
	{
		struct stat st;
		assert_int_equal(stat(kpath, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	assert_int_equal(ronda_key_load(kpath, key), RONDA_OK);
	assert_int_equal(ronda_key_load(kpath2, key2), RONDA_OK);
	assert_memory_not_equal(key, key2, RONDA_KEY_BYTES);

	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	assert_int_equal(ronda_store_set_key(s, key), RONDA_OK);
	assert_true(ronda_store_encrypted(s));
	roundtrip(s, (const unsigned char *)secret, strlen(secret));
	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i % 251);
	roundtrip(s, data, n);   /* several sealed chunks */
	assert_int_equal(ronda_store_put_buf(s, secret, strlen(secret), hash, NULL), RONDA_OK);
	/* the object's name is a keyed id, not the SHA-256 of the content */
	object_path(hash, opath, sizeof(opath));
	assert_int_not_equal(access(opath, F_OK), 0);
	sid_path(s, hash, opath, sizeof(opath));
	f = fopen(opath, "rb");
	assert_non_null(f);
	obj = xmalloc(4096);
	olen = (long)fread(obj, 1, 4096, f);
	fclose(f);
	assert_null(memmem(obj, (size_t)olen, "rahasia", 7));
	free(obj);

	/* wrong key: refused by the vault's key-id, and by each object's */
	assert_int_equal(ronda_store_set_key(s, key2), RONDA_ECRYPTO);
	{
		char kid[400];
		snprintf(kid, sizeof(kid), "%s/key-id", vault);
		assert_int_equal(unlink(kid), 0);
	}
	assert_int_equal(ronda_store_set_key(s, key2), RONDA_OK);
	/* under another key the object's id is another: not even found */
	assert_int_equal(ronda_store_get_buf(s, hash, &b), RONDA_ENOENT);
	ronda_store_free(s);
	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	assert_int_equal(ronda_store_get_buf(s, hash, &b), RONDA_ECRYPTO);

	/* a flipped bit under the right key is damage */
	assert_int_equal(ronda_store_set_key(s, key), RONDA_ECRYPTO);
	assert_false(ronda_store_encrypted(s));
	{
		char kid[400];
		snprintf(kid, sizeof(kid), "%s/key-id", vault);
		assert_int_equal(unlink(kid), 0);
	}
	assert_int_equal(ronda_store_set_key(s, key), RONDA_OK);
	f = fopen(opath, "r+b");
	assert_non_null(f);
	fseek(f, olen - 5, SEEK_SET);
	{
		int c = fgetc(f);
		fseek(f, olen - 5, SEEK_SET);
		fputc(c ^ 0xff, f);
	}
	fclose(f);
	assert_int_equal(ronda_store_verify(s, hash), RONDA_ECORRUPT);

	/* key files readable by others are refused; junk is refused */
	chmod(kpath, 0644);
	assert_int_equal(ronda_key_load(kpath, key2), RONDA_EPERM);
	f = fopen(kpath2, "w");
	fputs("ronda-vault-key 1\nnothex\n", f);
	fclose(f);
	assert_int_equal(ronda_key_load(kpath2, key2), RONDA_EPARSE);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(key2, sizeof(key2));
	ronda_buf_release(&b);
	free(data);
	ronda_store_free(s);
}

static void test_corruption(void **state)
{
	struct ronda_store *s;
	char hash[RONDA_HASH_HEX], hash0[RONDA_HASH_HEX], opath[512];
	const char *text = "<?php /* original index */ echo 'selamat datang'; ?>\n";
	struct stat st;
	FILE *f;

	fresh_vault();
	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	assert_int_equal(ronda_store_put_buf(s, text, strlen(text), hash, NULL), RONDA_OK);
	assert_int_equal(ronda_store_verify(s, hash), RONDA_OK);
	object_path(hash, opath, sizeof(opath));
	assert_int_equal(stat(opath, &st), 0);
	f = fopen(opath, "r+b");
	fseek(f, st.st_size - 3, SEEK_SET);
	fputc('#', f);
	fclose(f);
	assert_int_equal(ronda_store_verify(s, hash), RONDA_ECORRUPT);
	/* truncated */
	assert_int_equal(truncate(opath, 10), 0);
	assert_int_equal(ronda_store_verify(s, hash), RONDA_ECORRUPT);
	/* missing */
	assert_int_equal(ronda_store_remove(s, hash), RONDA_OK);
	assert_int_equal(ronda_store_verify(s, hash), RONDA_ENOENT);
	/* 0-byte object file (e.g. after a crash on a careless fs) */
	assert_int_equal(ronda_store_put_buf(s, "", 0, hash0, NULL), RONDA_OK);
	object_path(hash0, opath, sizeof(opath));
	assert_int_equal(truncate(opath, 0), 0);
	assert_int_equal(ronda_store_verify(s, hash0), RONDA_ECORRUPT);
	assert_int_equal(ronda_store_verify(s, "zz"), RONDA_EINVAL);
	ronda_store_free(s);
}

static int count_cb(const char *hash, void *arg)
{
	(*(int *)arg)++;
	return ronda_hash_check(hash);
}

static void test_foreach(void **state)
{
	struct ronda_store *s;
	int n = 0, m = 0;
	char hash[RONDA_HASH_HEX];

	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	assert_int_equal(ronda_store_foreach(s, count_cb, &n), RONDA_OK);
	assert_int_equal(ronda_store_put_buf(s, "unique-foreach", 14, hash, NULL), RONDA_OK);
	assert_int_equal(ronda_store_foreach(s, count_cb, &m), RONDA_OK);
	assert_int_equal(m, n + 1);
	assert_int_equal(ronda_store_lock(s), RONDA_OK);
	ronda_store_free(s);
}

static int count_sink(const void *data, size_t n, void *arg)
{
	*(uint64_t *)arg += n;
	return 0;
}

static void test_big_sparse(void **state)
{
	struct ronda_store *s;
	char path[400], out[400], hash[RONDA_HASH_HEX];
	const uint64_t big = (uint64_t)5 << 29;   /* 2.5 GiB */
	uint64_t size = 0, n = 0, nb = 0;
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/sparse.bin", base);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)big), 0);
	assert_int_equal(pwrite(fd, "head", 4, 0), 4);
	assert_int_equal(pwrite(fd, "tail", 4, (off_t)big - 4), 4);
	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	assert_int_equal(ronda_store_put_fd(s, fd, hash, &size, &nb), RONDA_OK);
	close(fd);
	assert_int_equal(size, big);
	assert_true(nb < ((uint64_t)1 << 20));   /* zeros compress to nearly nothing */
	assert_int_equal(ronda_store_get(s, hash, count_sink, &n, &size), RONDA_OK);
	assert_int_equal(n, big);
	/* restored sparse: the file has the full size but few blocks */
	snprintf(out, sizeof(out), "%s/restored.bin", base);
	fd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(ronda_store_get_fd(s, hash, fd), RONDA_OK);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((uint64_t)st.st_size, big);
	assert_true((uint64_t)st.st_blocks * 512 < ((uint64_t)64 << 20));
	{
		char t[4];
		assert_int_equal(pread(fd, t, 4, (off_t)big - 4), 4);
		assert_memory_equal(t, "tail", 4);
	}
	close(fd);
	unlink(out);
	unlink(path);
	ronda_store_free(s);
}

static size_t count_files(const char *sub)
{
	char cmd[600], line[64];
	size_t n = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "find '%s/%s' -type f | wc -l", vault, sub);
	f = popen(cmd, "r");
	assert_non_null(f);
	if (fgets(line, sizeof(line), f))
		n = (size_t)strtoul(line, NULL, 10);
	pclose(f);
	return n;
}

static void first_pack(char *out, size_t n)
{
	char cmd[600];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ls '%s/packs/' | head -1", vault);
	f = popen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(out + snprintf(out, n, "%s/packs/", vault), (int)(n - strlen(vault) - 8), f));
	out[strcspn(out, "\n")] = '\0';
	pclose(f);
}

#define N_SMALL 300


struct tally {
	size_t ok, bad, bad_packs, dup;
	char bad_sid[RONDA_HASH_HEX];
	char bad_where[96];
};

static int tally_cb(const struct ronda_store_object *o, int rc, void *arg)
{
	struct tally *t = arg;

	if (!o->sid[0]) {
		t->bad_packs++;
		return 0;
	}
	t->dup += o->duplicate;
	if (rc == RONDA_OK) {
		t->ok++;
		assert_int_equal(ronda_hash_check(o->hash), RONDA_OK);
	} else {
		t->bad++;
		snprintf(t->bad_sid, sizeof(t->bad_sid), "%s", o->sid);
		snprintf(t->bad_where, sizeof(t->bad_where), "%s", o->where);
	}
	return 0;
}

static void put_small(struct ronda_store *s, int i, char hash[RONDA_HASH_HEX], uint64_t *nb)
{
	char text[128];
	int n = snprintf(text, sizeof(text), "<?php echo 'halaman %d'; // %d\n", i, i * 7919);

	assert_int_equal(ronda_store_put_buf(s, text, (size_t)n, hash, nb), RONDA_OK);
}

static void test_packs(void **state)
{
	struct ronda_store *s;
	static char hashes[N_SMALL][RONDA_HASH_HEX];
	char hash[RONDA_HASH_HEX], pack[600], where[128];
	struct ronda_buf b = RONDA_BUF_INIT(1 << 20);
	struct tally t;
	uint64_t nb = 0;
	struct stat st;
	FILE *f;

	fresh_vault();
	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	assert_int_equal(ronda_store_batch_begin(s), RONDA_OK);
	for (int i = 0; i < N_SMALL; i++) {
		put_small(s, i, hashes[i], &nb);
		assert_true(nb > 0);
		assert_true(ronda_store_has(s, hashes[i]));
	}
	/* read back from the open pack, and stored once */
	assert_int_equal(ronda_store_get_buf(s, hashes[7], &b), RONDA_OK);
	put_small(s, 7, hash, &nb);
	assert_int_equal(nb, 0);
	assert_int_equal(ronda_store_batch_end(s), RONDA_OK);
	ronda_store_free(s);
	/* one pack file, no loose object, nothing left in tmp */
	assert_int_equal(count_files("packs"), 1);
	assert_int_equal(count_files("objects"), 0);
	assert_int_equal(count_files("tmp"), 0);

	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	for (int i = 0; i < N_SMALL; i++) {
		ronda_buf_reset(&b);
		assert_int_equal(ronda_store_get_buf(s, hashes[i], &b), RONDA_OK);
		assert_non_null(strstr(b.buf, "halaman"));
	}
	assert_int_equal(ronda_store_where(s, hashes[0], where, sizeof(where)), RONDA_OK);
	assert_non_null(strstr(where, ".pack@16"));
	memset(&t, 0, sizeof(t));
	assert_int_equal(ronda_store_check(s, tally_cb, &t), RONDA_OK);
	assert_int_equal(t.ok, N_SMALL);
	assert_int_equal(t.bad, 0);

	/* damage inside object 42: exactly that one is reported, by its id */
	assert_int_equal(ronda_store_where(s, hashes[42], where, sizeof(where)), RONDA_OK);
	first_pack(pack, sizeof(pack));
	{
		long off = strtol(strchr(where, '@') + 1, NULL, 10);

		f = fopen(pack, "r+b");
		assert_non_null(f);
		fseek(f, off + 24, SEEK_SET);
		fputc('#', f);
		fclose(f);
	}
	assert_int_equal(ronda_store_verify(s, hashes[42]), RONDA_ECORRUPT);
	assert_int_equal(ronda_store_verify(s, hashes[41]), RONDA_OK);
	memset(&t, 0, sizeof(t));
	assert_int_equal(ronda_store_check(s, tally_cb, &t), RONDA_OK);
	assert_int_equal(t.ok, N_SMALL - 1);
	assert_int_equal(t.bad, 1);
	assert_string_equal(t.bad_sid, hashes[42]);   /* unencrypted: id = SHA-256 */
	assert_string_equal(t.bad_where, where);
	ronda_store_free(s);

	/* a damaged index: the pack is reported, its objects are absent */
	assert_int_equal(stat(pack, &st), 0);
	f = fopen(pack, "r+b");
	fseek(f, st.st_size - 100, SEEK_SET);
	fputc('#', f);
	fclose(f);
	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	assert_false(ronda_store_has(s, hashes[0]));
	memset(&t, 0, sizeof(t));
	assert_int_equal(ronda_store_check(s, tally_cb, &t), RONDA_OK);
	assert_int_equal(t.bad_packs, 1);
	assert_int_equal(t.ok, 0);
	ronda_store_free(s);
	ronda_buf_release(&b);
	unlink(pack);
}

static void test_pack_gc(void **state)
{
	struct ronda_store *s;
	static char hashes[N_SMALL][RONDA_HASH_HEX];
	struct ronda_store_gc_stats st;
	struct tally t;
	char pack[600], copy[700], cmd[1500];
	int n = 0;

	fresh_vault();
	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	assert_int_equal(ronda_store_batch_begin(s), RONDA_OK);
	for (int i = 0; i < N_SMALL; i++)
		put_small(s, 1000 + i, hashes[i], NULL);
	assert_int_equal(ronda_store_batch_end(s), RONDA_OK);
	assert_int_equal(count_files("packs"), 1);

	/* a rewrite interrupted before the old pack went: two copies */
	first_pack(pack, sizeof(pack));
	snprintf(copy, sizeof(copy), "%s/packs/00000000000000000000000000000000.pack", vault);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", pack, copy);
	assert_int_equal(system(cmd), 0);
	ronda_store_free(s);
	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	assert_int_equal(ronda_store_foreach(s, count_cb, &n), RONDA_OK);
	assert_int_equal(n, N_SMALL);          /* each object once */
	memset(&t, 0, sizeof(t));
	assert_int_equal(ronda_store_check(s, tally_cb, &t), RONDA_OK);
	assert_int_equal(t.dup, N_SMALL);

	/* everything referenced: the second copy goes, nothing else */
	assert_int_equal(ronda_store_gc(s, (const char (*)[RONDA_HASH_HEX])hashes, N_SMALL, &st),
			 RONDA_OK);
	assert_int_equal(st.n_objects, 0);
	assert_int_equal(st.n_packs_removed, 1);
	assert_int_equal(count_files("packs"), 1);

	/* half referenced: rewritten into a new pack with only that half */
	assert_int_equal(ronda_store_gc(s, (const char (*)[RONDA_HASH_HEX])hashes, N_SMALL / 2, &st),
			 RONDA_OK);
	assert_int_equal(st.n_objects, N_SMALL - N_SMALL / 2);
	assert_int_equal(st.n_packs_written, 1);
	assert_int_equal(st.n_packs_removed, 1);
	assert_true(st.n_bytes > 0);
	for (int i = 0; i < N_SMALL; i++)
		assert_int_equal(ronda_store_verify(s, hashes[i]),
				 i < N_SMALL / 2 ? RONDA_OK : RONDA_ENOENT);
	/* nothing referenced: the pack goes */
	assert_int_equal(ronda_store_gc(s, NULL, 0, &st), RONDA_OK);
	assert_int_equal(st.n_objects, N_SMALL / 2);
	assert_int_equal(count_files("packs"), 0);
	ronda_store_free(s);
}

static void test_keyed_packs(void **state)
{
	struct ronda_store *s;
	unsigned char key[RONDA_KEY_BYTES], raw[32];
	char kpath[400], hash[RONDA_HASH_HEX], sid[RONDA_HASH_HEX], plain_path[512],
	     sid_p[512], pack[600], cmd[2200];
	const char *secret = "<?php $db_password = 'rahasia-pack'; ?>";
	struct ronda_buf b = RONDA_BUF_INIT(1 << 20);
	struct tally t;

	snprintf(kpath, sizeof(kpath), "%s/kp", base);
	assert_int_equal(ronda_key_generate(kpath), RONDA_OK);
	assert_int_equal(ronda_key_load(kpath, key), RONDA_OK);
	fresh_vault();
	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	assert_int_equal(ronda_store_set_key(s, key), RONDA_OK);
	assert_int_equal(ronda_store_batch_begin(s), RONDA_OK);
	assert_int_equal(ronda_store_put_buf(s, secret, strlen(secret), hash, NULL), RONDA_OK);
	assert_int_equal(ronda_store_batch_end(s), RONDA_OK);
	assert_int_equal(ronda_store_sid(s, hash, sid), RONDA_OK);
	assert_string_not_equal(sid, hash);
	/* neither the content nor its SHA-256 appears in the pack */
	first_pack(pack, sizeof(pack));
	{
		FILE *f = fopen(pack, "rb");
		char buf[8192];
		size_t n;

		assert_non_null(f);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		assert_null(memmem(buf, n, "rahasia", 7));
		for (int i = 0; i < 32; i++)
			sscanf(hash + 2 * i, "%2hhx", &raw[i]);
		assert_null(memmem(buf, n, raw, 32));
	}
	memset(&t, 0, sizeof(t));
	assert_int_equal(ronda_store_check(s, tally_cb, &t), RONDA_OK);
	assert_int_equal(t.ok, 1);
	/* gc needs the key to know what is referenced */
	ronda_store_free(s);
	assert_int_equal(ronda_store_open(vault, &s), RONDA_OK);
	{
		struct ronda_store_gc_stats st;

		assert_int_equal(ronda_store_gc(s, NULL, 0, &st), RONDA_ECRYPTO);
	}
	assert_int_equal(ronda_store_get_buf(s, hash, &b), RONDA_ECRYPTO);
	memset(&t, 0, sizeof(t));
	assert_int_equal(ronda_store_check(s, tally_cb, &t), RONDA_OK);
	assert_int_equal(t.bad, 1);            /* counted as not checked by callers */
	assert_int_equal(ronda_store_set_key(s, key), RONDA_OK);

	/* an old vault: an encrypted loose object named by the plain SHA-256 */
	assert_int_equal(ronda_store_put_buf(s, "old vault", 9, hash, NULL), RONDA_OK);
	sid_path(s, hash, sid_p, sizeof(sid_p));
	object_path(hash, plain_path, sizeof(plain_path));
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && mv '%s' '%s'", plain_path,
		 sid_p, plain_path);
	assert_int_equal(system(cmd), 0);
	ronda_buf_reset(&b);
	assert_int_equal(ronda_store_get_buf(s, hash, &b), RONDA_OK);
	assert_memory_equal(b.buf, "old vault", 9);
	memset(&t, 0, sizeof(t));
	assert_int_equal(ronda_store_check(s, tally_cb, &t), RONDA_OK);
	assert_int_equal(t.ok, 2);
	{
		struct ronda_store_gc_stats st;
		char refs[1][RONDA_HASH_HEX];

		memcpy(refs[0], hash, RONDA_HASH_HEX);
		assert_int_equal(ronda_store_gc(s, (const char (*)[RONDA_HASH_HEX])refs, 1, &st),
				 RONDA_OK);
		assert_int_equal(st.n_objects, 1);     /* the packed secret */
		assert_int_equal(ronda_store_verify(s, hash), RONDA_OK);
	}
	sodium_memzero(key, sizeof(key));
	ronda_buf_release(&b);
	ronda_store_free(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", vault);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_plain),
		cmocka_unit_test(test_streaming_fd),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_corruption),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_packs),
		cmocka_unit_test(test_pack_gc),
		cmocka_unit_test(test_keyed_packs),
		cmocka_unit_test(test_big_sparse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
