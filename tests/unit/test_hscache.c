/*
 * test_hscache.c — the compiled-database cache: a second compile loads the
 * cached file, a corrupted or untrusted cache file is never used, and the
 * cache can be switched off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/detector.h"
#include "core/hscache.h"
#include "core/util.h"

static char dir[64];

static int on_hit(unsigned id, unsigned long long from, unsigned long long to,
		  unsigned flags, void *ctx)
{
	(void)id; (void)from; (void)to; (void)flags;
	(*(int *)ctx)++;
	return 0;
}

static int hits(hs_database_t *db, const char *text)
{
	hs_scratch_t *s = NULL;
	int n = 0;

	assert_int_equal(hs_alloc_scratch(db, &s), HS_SUCCESS);
	assert_int_equal(hs_scan(db, text, (unsigned)strlen(text), 0, s, on_hit, &n),
			 HS_SUCCESS);
	hs_free_scratch(s);
	return n;
}

/* the one cached file's path */
static int cached(char *out, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "hs-", 3)) {
			snprintf(out, size, "%s/%s", dir, de->d_name);
			n++;
		}
	closedir(d);
	return n;
}

static hs_database_t *compile(void)
{
	static const char *const exprs[] = { "eval\\s*\\(", "gacor" };
	static const unsigned flags[] = { 0, HS_FLAG_CASELESS };
	static const unsigned ids[] = { 0, 1 };
	hs_database_t *db = NULL;
	hs_compile_error_t *ce = NULL;

	assert_int_equal(ronda_hs_compile(exprs, flags, ids, 2, &db, &ce), HS_SUCCESS);
	assert_null(ce);
	assert_non_null(db);
	return db;
}

static void test_cache(void **unused)
{
	char path[600];
	hs_database_t *db;
	struct stat st1, st2;
	FILE *f;

	(void)unused;
	snprintf(dir, sizeof(dir), "/tmp/ronda-hscache-XXXXXX");
	assert_non_null(mkdtemp(dir));
	setenv("RONDA_CACHE_DIR", dir, 1);
	unsetenv("RONDA_NO_CACHE");

	db = compile();
	assert_int_equal(hits(db, "x eval ( GACOR"), 2);
	hs_free_database(db);
	assert_int_equal(cached(path, sizeof(path)), 1);
	assert_int_equal(stat(path, &st1), 0);

	/* second compile: served from the cache, file untouched */
	db = compile();
	assert_int_equal(hits(db, "eval(gacor"), 2);
	hs_free_database(db);
	assert_int_equal(stat(path, &st2), 0);
	assert_true(st1.st_ino == st2.st_ino);

	/* corrupted: ignored, recompiled, rewritten */
	f = fopen(path, "r+");
	assert_non_null(f);
	fseek(f, 100, SEEK_SET);
	fputs("garbage garbage garbage", f);
	fclose(f);
	db = compile();
	assert_int_equal(hits(db, "eval(gacor"), 2);
	hs_free_database(db);
	assert_int_equal(stat(path, &st2), 0);
	assert_true(st1.st_ino != st2.st_ino);

	/* untrusted (group-writable) file: not used, replaced */
	chmod(path, 0664);
	db = compile();
	hs_free_database(db);
	assert_int_equal(stat(path, &st1), 0);
	assert_true(st1.st_ino != st2.st_ino);
	assert_false(st1.st_mode & S_IWGRP);

	/* off: nothing written */
	unlink(path);
	setenv("RONDA_NO_CACHE", "1", 1);
	db = compile();
	hs_free_database(db);
	assert_int_equal(cached(path, sizeof(path)), 0);
	unsetenv("RONDA_NO_CACHE");
	rmdir(dir);
}

/* a set scanned on demand: any match anywhere (past the first 16 bytes,
 * after a near miss), none, a rejected pattern, no patterns */
static void test_set(void **unused)
{
	static const char *const exprs[] = { "\\$_(GET|POST)\\s*\\[", "\\beval\\s*\\(" };
	static const unsigned flags[] = { HS_FLAG_SINGLEMATCH, HS_FLAG_SINGLEMATCH };
	static const char *const bad[] = { "(unclosed" };
	struct ronda_hs_set set, none = { 0 };
	const char *yes1 = "<?php echo $_GETX; $x = $_POST ['a'];";
	const char *yes2 = "<?php /* evaluate */ eval ($x);";
	const char *no = "<?php echo $_GET; $medieval('x'); $_COOKIE['a'];";

	(void)unused;
	setenv("RONDA_NO_CACHE", "1", 1);
	assert_int_equal(ronda_hs_set_compile(&set, exprs, flags, 2), 0);
	assert_true(ronda_hs_set_any(&set, yes1, strlen(yes1)));
	assert_true(ronda_hs_set_any(&set, yes2, strlen(yes2)));
	assert_false(ronda_hs_set_any(&set, no, strlen(no)));
	assert_false(ronda_hs_set_any(&set, yes1, 0));
	assert_false(ronda_hs_set_any(&none, yes1, strlen(yes1)));
	ronda_hs_set_free(&set);
	ronda_hs_set_free(&set);                 /* twice: nothing left */
	assert_int_not_equal(ronda_hs_set_compile(&set, bad, flags, 1), 0);
	assert_null(set.db);
	assert_int_not_equal(ronda_hs_set_compile(&set, exprs, flags, 0), 0);
	unsetenv("RONDA_NO_CACHE");
}

/* every hit of a set, with the caller's ids, ordered by end then id, the
 * engine's cap per pattern; and merged with other hits in the same order */
static void test_set_hits(void **unused)
{
	static const char *const exprs[] = { "\\becho\\b", "o\\b", "x" };
	static const unsigned flags[] = { HS_FLAG_CASELESS, 0, 0 };
	static const unsigned ids[] = { 7, 3, 9 };
	struct ronda_hs_set set, none = { 0 };
	struct ronda_hit out[3 * RONDA_HITS_PER_PATTERN], merged[3 * RONDA_HITS_PER_PATTERN + 2];
	const struct ronda_hit other[] = { { 5, 4 }, { 1, 9 } };
	struct ronda_hits a = { other, 2, false };
	const char *s = "ECHO 1; echo 2";   /* "echo" ends at 4 and 12 */
	char many[4 * RONDA_HITS_PER_PATTERN];
	bool over = false;
	size_t n;

	(void)unused;
	setenv("RONDA_NO_CACHE", "1", 1);
	assert_int_equal(ronda_hs_set_compile(&set, exprs, flags, 3), 0);
	assert_int_equal(set.n, 3);
	n = ronda_hs_set_hits(&set, s, strlen(s), ids, out, &over);
	/* "o\b" (id 3) ends where "echo" (id 7) does; the lower id first */
	assert_int_equal(n, 3);
	assert_int_equal(out[0].end, 4);
	assert_int_equal(out[0].id, 7);   /* "ECHO": "o\b" is case-sensitive */
	assert_int_equal(out[1].end, 12);
	assert_int_equal(out[1].id, 3);
	assert_int_equal(out[2].end, 12);
	assert_int_equal(out[2].id, 7);
	assert_false(over);
	/* merged with hits ordered the same way: at equal ends, (4, 5)
	 * before (4, 7) */
	assert_int_equal(ronda_hits_merge(&a, out, n, merged), 5);
	assert_int_equal(merged[0].end, 4);
	assert_int_equal(merged[0].id, 5);
	assert_int_equal(merged[1].end, 4);
	assert_int_equal(merged[1].id, 7);
	assert_int_equal(merged[2].end, 9);
	assert_int_equal(merged[2].id, 1);
	assert_int_equal(merged[3].end, 12);
	assert_int_equal(merged[4].end, 12);
	/* no ids: the set's indexes */
	n = ronda_hs_set_hits(&set, s, strlen(s), NULL, out, &over);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].id, 0);
	/* past the cap: the first RONDA_HITS_PER_PATTERN, then overflow */
	memset(many, 'x', sizeof(many));
	n = ronda_hs_set_hits(&set, many, sizeof(many), ids, out, &over);
	assert_int_equal(n, RONDA_HITS_PER_PATTERN);
	assert_int_equal(out[0].end, 1);
	assert_int_equal(out[n - 1].end, RONDA_HITS_PER_PATTERN);
	assert_int_equal(out[n - 1].id, 9);
	assert_true(over);
	/* nothing to scan, or no set */
	assert_int_equal(ronda_hs_set_hits(&set, s, 0, ids, out, &over), 0);
	assert_int_equal(ronda_hs_set_hits(&none, s, strlen(s), ids, out, &over), 0);
	ronda_hs_set_free(&set);
	unsetenv("RONDA_NO_CACHE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_set_hits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
