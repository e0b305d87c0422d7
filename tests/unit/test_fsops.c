/*
 * test_fsops.c — resolution beneath a root (core/fsutil.h and the vault's
 * stricter wrappers, with openat2 and with the component walk), atomic
 * replace, careful unlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>

#include "core/fsutil.h"
#include "core/util.h"
#include "vault/fsops.h"

static char base[256], root[300], outside[300];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	char p[512];

	snprintf(base, sizeof(base), "/tmp/ronda-fsops-XXXXXX");
	assert_non_null(mkdtemp(base));
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(mkdir(outside, 0755), 0);
	snprintf(p, sizeof(p), "%s/a", root);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/a/f.php", root);
	put(p, "old");
	snprintf(p, sizeof(p), "%s/secret", outside);
	put(p, "outside");
	snprintf(p, sizeof(p), "%s/link", root);
	assert_int_equal(symlink(outside, p), 0);
	snprintf(p, sizeof(p), "%s/a/up", root);
	assert_int_equal(symlink("..", p), 0);
	snprintf(p, sizeof(p), "%s/a/flink", root);
	assert_int_equal(symlink("f.php", p), 0);
	*state = NULL;
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

/* core/fsutil.h's lenient ronda_open_beneath() (the scanner's): same
 * resolution as the vault's, without the vault's path rules */
static void check_core_open(int rootfd)
{
	static const char *const ok[] = { "a/f.php", "a//f.php", "a/./f.php", "", "a/", "." };
	static const struct { const char *rel; int err; } bad[] = {
		{ "link/secret", RONDA_ELOOP }, { "link", RONDA_ELOOP },
		{ "a/flink", RONDA_ELOOP }, { "a/up/a/f.php", RONDA_ELOOP },
		{ "../outside/secret", RONDA_EXDEV }, { "a/../../outside", RONDA_EXDEV },
		{ "a/f.php/x", RONDA_ENOTDIR }, { "a/nope", RONDA_ENOENT },
		{ "/etc/passwd", RONDA_EINVAL },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int fd = ronda_open_beneath(rootfd, ok[i], O_RDONLY, 0);

		if (fd < 0)
			fail_msg("'%s': %d", ok[i], fd);
		close(fd);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = ronda_open_beneath(rootfd, bad[i].rel, O_RDONLY, 0);

		if (fd != -bad[i].err)
			fail_msg("'%s': %d, want %d", bad[i].rel, fd, -bad[i].err);
	}
}

static void check_refusals(void)
{
	int rootfd, fd = -1;

	assert_int_equal(ronda_fs_open_root(root, &rootfd), RONDA_OK);
	check_core_open(rootfd);
	assert_int_equal(ronda_fs_open_beneath(rootfd, "a/f.php", O_RDONLY, 0, &fd), RONDA_OK);
	close(fd);
	assert_int_equal(ronda_fs_open_beneath(rootfd, "link/secret", O_RDONLY, 0, &fd), RONDA_ELOOP);
	assert_int_equal(ronda_fs_open_beneath(rootfd, "link", O_RDONLY, 0, &fd), RONDA_ELOOP);
	assert_int_equal(ronda_fs_open_beneath(rootfd, "a/flink", O_RDONLY, 0, &fd), RONDA_ELOOP);
	assert_int_equal(ronda_fs_open_beneath(rootfd, "a/up/a/f.php", O_RDONLY, 0, &fd), RONDA_ELOOP);
	assert_int_equal(ronda_fs_open_beneath(rootfd, "../outside/secret", O_RDONLY, 0, &fd), RONDA_EXDEV);
	assert_int_equal(ronda_fs_open_beneath(rootfd, "a/../a/f.php", O_RDONLY, 0, &fd), RONDA_EXDEV);
	assert_int_equal(ronda_fs_open_beneath(rootfd, "/etc/passwd", O_RDONLY, 0, &fd), RONDA_EXDEV);
	assert_int_equal(ronda_fs_open_beneath(rootfd, "a//f.php", O_RDONLY, 0, &fd), RONDA_EXDEV);
	assert_int_equal(ronda_fs_open_beneath(rootfd, "", O_RDONLY, 0, &fd), RONDA_EXDEV);
	/* creating through a symlinked directory must not create outside */
	assert_int_equal(ronda_fs_open_beneath(rootfd, "link/new", O_WRONLY | O_CREAT, 0644, &fd),
			 RONDA_ELOOP);
	{
		const char *b;
		int dfd;

		assert_int_equal(ronda_fs_open_parent(rootfd, "link/x/y", true, 0, &dfd, &b), RONDA_ELOOP);
		assert_int_equal(ronda_fs_open_parent(rootfd, "a/up/x", true, 0, &dfd, &b), RONDA_ELOOP);
		assert_int_equal(ronda_fs_open_parent(rootfd, "a/f.php/x", true, 0, &dfd, &b),
				 RONDA_ENOTDIR);
	}
	{
		char p[512];
		struct stat st;

		snprintf(p, sizeof(p), "%s/new", outside);
		assert_int_not_equal(lstat(p, &st), 0);
		snprintf(p, sizeof(p), "%s/x", outside);
		assert_int_not_equal(lstat(p, &st), 0);
	}
	close(rootfd);
}

static void test_beneath_openat2(void **state)
{
	ronda_beneath_force_fallback = false;
	check_refusals();
}

static void test_beneath_fallback(void **state)
{
	ronda_beneath_force_fallback = true;
	check_refusals();
	ronda_beneath_force_fallback = false;
}

static void test_open_parent_create(void **state)
{
	int rootfd, dfd;
	const char *b;
	char p[512];
	struct stat st;

	assert_int_equal(ronda_fs_open_root(root, &rootfd), RONDA_OK);
	assert_int_equal(ronda_fs_open_parent(rootfd, "n1/n2/file", true, 0750, &dfd, &b), RONDA_OK);
	assert_string_equal(b, "file");
	close(dfd);
	snprintf(p, sizeof(p), "%s/n1/n2", root);
	assert_int_equal(stat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(ronda_fs_open_parent(rootfd, "top", false, 0, &dfd, &b), RONDA_OK);
	assert_string_equal(b, "top");
	close(dfd);
	assert_int_equal(ronda_fs_open_parent(rootfd, "missing/x", false, 0, &dfd, &b), RONDA_ENOENT);
	close(rootfd);
}

struct fill { const char *text; int fail; };

static int fill_text(int fd, void *arg)
{
	struct fill *f = arg;
	int rc = ronda_fs_write_all(fd, f->text, strlen(f->text));

	return rc ? rc : f->fail;
}

static int count_tmp(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, RONDA_FS_TMP_PREFIX, strlen(RONDA_FS_TMP_PREFIX)))
			n++;
	closedir(d);
	return n;
}

static void test_replace(void **state)
{
	int rootfd, dfd;
	const char *b;
	char p[512], dir[400];
	struct stat before, after;
	struct fill f = { "new content", 0 };
	struct ronda_fs_meta meta = { .mode = 0640, .set_mtime = true };

	meta.mtime.tv_sec = 1000000000;
	meta.mtime.tv_nsec = 123;
	snprintf(p, sizeof(p), "%s/a/f.php", root);
	snprintf(dir, sizeof(dir), "%s/a", root);
	assert_int_equal(lstat(p, &before), 0);
	assert_int_equal(ronda_fs_open_root(root, &rootfd), RONDA_OK);
	assert_int_equal(ronda_fs_open_parent(rootfd, "a/f.php", false, 0, &dfd, &b), RONDA_OK);
	assert_int_equal(ronda_fs_replace(dfd, b, fill_text, &f, &meta), RONDA_OK);
	assert_string_equal(slurp(p), "new content");
	assert_int_equal(lstat(p, &after), 0);
	assert_int_equal(after.st_mode & 07777, 0640);
	assert_int_equal(after.st_mtim.tv_sec, 1000000000);
	assert_int_equal(after.st_mtim.tv_nsec, 123);
	assert_true(after.st_ino != before.st_ino);

	/* a failing writer leaves the old content and no temporary file */
	f.text = "half";
	f.fail = RONDA_ENOSPC;
	assert_int_equal(ronda_fs_replace(dfd, b, fill_text, &f, &meta), RONDA_ENOSPC);
	assert_string_equal(slurp(p), "new content");
	assert_int_equal(count_tmp(dir), 0);

	/* replacing a symlink replaces the link, never its target */
	f.text = "over link";
	f.fail = 0;
	assert_int_equal(ronda_fs_replace(dfd, "flink", fill_text, &f, NULL), RONDA_OK);
	snprintf(p, sizeof(p), "%s/a/flink", root);
	assert_int_equal(lstat(p, &after), 0);
	assert_true(S_ISREG(after.st_mode));
	snprintf(p, sizeof(p), "%s/a/f.php", root);
	assert_string_equal(slurp(p), "new content");

	/* a directory is never replaced */
	close(dfd);
	assert_int_equal(ronda_fs_open_parent(rootfd, "a", false, 0, &dfd, &b), RONDA_OK);
	assert_int_equal(ronda_fs_replace(dfd, "a", fill_text, &f, NULL), RONDA_EEXIST);
	assert_int_equal(ronda_fs_replace(dfd, "../x", fill_text, &f, NULL), RONDA_EXDEV);
	assert_int_equal(ronda_fs_replace_symlink(dfd, "sl", "a/f.php", NULL), RONDA_OK);
	snprintf(p, sizeof(p), "%s/sl", root);
	{
		char t[64];
		ssize_t n = readlink(p, t, sizeof(t) - 1);
		assert_true(n > 0);
		t[n] = '\0';
		assert_string_equal(t, "a/f.php");
	}
	assert_int_equal(count_tmp(root), 0);
	close(dfd);
	close(rootfd);
}

static void test_unlink_if_same(void **state)
{
	int rootfd, dfd;
	const char *b;
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/victim", root);
	put(p, "x");
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(ronda_fs_open_root(root, &rootfd), RONDA_OK);
	assert_int_equal(ronda_fs_open_parent(rootfd, "victim", false, 0, &dfd, &b), RONDA_OK);
	put(p, "changed");
	assert_int_equal(ronda_fs_unlink_if_same(dfd, b, &st), RONDA_ECHANGED);
	assert_int_equal(lstat(p, &st), 0);
	assert_int_equal(ronda_fs_unlink_if_same(dfd, b, &st), RONDA_OK);
	assert_int_not_equal(lstat(p, &st), 0);
	assert_int_equal(ronda_fs_unlink_if_same(dfd, b, &st), RONDA_ENOENT);
	close(dfd);
	close(rootfd);
}

static void test_check_relpath(void **state)
{
	assert_int_equal(ronda_fs_check_relpath("a/b"), RONDA_OK);
	assert_int_equal(ronda_fs_check_relpath("a\nb/\xff"), RONDA_OK);
	assert_int_equal(ronda_fs_check_relpath("..."), RONDA_OK);
	assert_int_equal(ronda_fs_check_relpath("a/"), RONDA_EXDEV);
	assert_int_equal(ronda_fs_check_relpath("./a"), RONDA_EXDEV);
	assert_int_equal(ronda_fs_check_relpath("a/.."), RONDA_EXDEV);
	assert_int_equal(ronda_fs_check_relpath("/a"), RONDA_EXDEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_relpath),
		cmocka_unit_test(test_beneath_openat2),
		cmocka_unit_test(test_beneath_fallback),
		cmocka_unit_test(test_open_parent_create),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_unlink_if_same),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
