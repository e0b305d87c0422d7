/*
 * test_spare.c — per-thread reusable blocks (src/core/spare.h): what is
 * kept, what is freed, and that threads do not see each other's blocks.
 * Leaks (a block kept at thread exit, a replaced block) show up under the
 * ASan build's leak checker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/spare.h"

static void test_keep_and_take(void **unused)
{
	size_t size = 99;
	void *a = malloc(1000), *b;

	(void)unused;
	assert_null(ronda_spare_take(RONDA_SPARE_WS_TABLES, 0, &size));
	assert_int_equal(size, 0);
	ronda_spare_give(RONDA_SPARE_WS_TABLES, a, 1000, 4096);
	/* too small for this need: stays kept */
	assert_null(ronda_spare_take(RONDA_SPARE_WS_TABLES, 1001, &size));
	/* the other slot is separate */
	assert_null(ronda_spare_take(RONDA_SPARE_PHP_TOKENS, 0, &size));
	b = ronda_spare_take(RONDA_SPARE_WS_TABLES, 500, &size);
	assert_ptr_equal(a, b);
	assert_int_equal(size, 1000);
	/* taken means gone */
	assert_null(ronda_spare_take(RONDA_SPARE_WS_TABLES, 0, &size));
	free(b);
}

static void test_bounds(void **unused)
{
	size_t size;
	void *big = malloc(64), *small = malloc(16), *p;

	(void)unused;
	/* over the cap: freed, not kept */
	ronda_spare_give(RONDA_SPARE_PHP_TOKENS, malloc(8192), 8192, 4096);
	assert_null(ronda_spare_take(RONDA_SPARE_PHP_TOKENS, 0, &size));
	/* a smaller block than the kept one is freed; the bigger stays */
	ronda_spare_give(RONDA_SPARE_PHP_TOKENS, big, 64, 4096);
	ronda_spare_give(RONDA_SPARE_PHP_TOKENS, small, 16, 4096);
	p = ronda_spare_take(RONDA_SPARE_PHP_TOKENS, 0, &size);
	assert_ptr_equal(p, big);
	assert_int_equal(size, 64);
	/* a bigger one replaces (and frees) the kept one */
	ronda_spare_give(RONDA_SPARE_PHP_TOKENS, p, 64, 4096);
	ronda_spare_give(RONDA_SPARE_PHP_TOKENS, malloc(128), 128, 4096);
	p = ronda_spare_take(RONDA_SPARE_PHP_TOKENS, 0, &size);
	assert_int_equal(size, 128);
	free(p);
	ronda_spare_give(RONDA_SPARE_PHP_TOKENS, NULL, 0, 4096);   /* no-op */
}

static void *other_thread(void *arg)
{
	size_t size;

	*(int *)arg = ronda_spare_take(RONDA_SPARE_WS_TABLES, 0, &size) != NULL;
	/* kept at thread exit: freed by the key's destructor */
	ronda_spare_give(RONDA_SPARE_WS_TABLES, malloc(256), 256, 4096);
	return NULL;
}

static void test_threads(void **unused)
{
	pthread_t t;
	int saw = -1;
	size_t size;
	void *p;

	(void)unused;
	ronda_spare_give(RONDA_SPARE_WS_TABLES, malloc(32), 32, 4096);
	assert_int_equal(pthread_create(&t, NULL, other_thread, &saw), 0);
	pthread_join(t, NULL);
	assert_int_equal(saw, 0);
	/* ours is still ours */
	p = ronda_spare_take(RONDA_SPARE_WS_TABLES, 0, &size);
	assert_non_null(p);
	assert_int_equal(size, 32);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_and_take),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
