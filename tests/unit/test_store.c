/*
 * test_store.c — object store: roundtrips (plain, big, encrypted), dedup,
 * wrong key, damage detection, 0-byte objects, a 2.5 GB sparse file
 * streamed through in constant memory and restored sparse.
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
	object_path(hash, opath, sizeof(opath));
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
	assert_int_equal(ronda_store_get_buf(s, hash, &b), RONDA_ECRYPTO);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_plain),
		cmocka_unit_test(test_streaming_fd),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_corruption),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_big_sparse),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
