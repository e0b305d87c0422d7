/*
 * test_hs_scratch.c — the per-thread vectorscan scratch of core/hscache.h:
 * generations are unique, one thread's scratch serves every database it was
 * grown for (also after more databases than it remembers), and threads do
 * not share a scratch.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/hscache.h"
#include "core/util.h"

#define N_DB 12

static hs_database_t *db[N_DB];
static uint64_t gen[N_DB];

static int on_match(unsigned int id, unsigned long long from,
		    unsigned long long to, unsigned int flags, void *ctx)
{
	unsigned *hits = ctx;

	(void)from;
	(void)to;
	(void)flags;
	hits[id]++;
	return 0;
}

static int setup(void **st)
{
	(void)st;
	for (unsigned i = 0; i < N_DB; i++) {
		/* growing databases: i + 1 patterns, some needing more scratch */
		const char *exprs[N_DB];
		unsigned flags[N_DB], ids[N_DB];
		char pat[N_DB][64];
		hs_compile_error_t *ce = NULL;

		for (unsigned k = 0; k <= i; k++) {
			snprintf(pat[k], sizeof(pat[k]), k % 2 ? "w%u[a-z]{2,%u}x" : "w%ux",
				 k, 3 + k * 4);
			exprs[k] = pat[k];
			flags[k] = 0;
			ids[k] = k;
		}
		assert_int_equal(hs_compile_multi(exprs, flags, ids, i + 1, HS_MODE_BLOCK,
						  NULL, &db[i], &ce), HS_SUCCESS);
		gen[i] = ronda_hs_new_gen();
		for (unsigned k = 0; k < i; k++)
			assert_true(gen[k] < gen[i]);
	}
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	for (unsigned i = 0; i < N_DB; i++)
		hs_free_database(db[i]);
	return 0;
}

/* Scan "w0x w1abx w2x ..." with every database, in the given order. */
static void scan_all(const unsigned *order, unsigned n)
{
	static const char text[] = "w0x w1abx w2x w3abcx w4x w5abcdx w6x w7abx "
				   "w8x w9abx w10x w11abx";

	for (unsigned j = 0; j < n; j++) {
		unsigned i = order[j], hits[N_DB] = { 0 };
		hs_scratch_t *s = ronda_hs_thread_scratch(db[i], gen[i]);

		assert_non_null(s);
		assert_int_equal(hs_scan(db[i], text, sizeof(text) - 1, 0, s,
					 on_match, hits), HS_SUCCESS);
		for (unsigned k = 0; k < N_DB; k++)
			assert_int_equal(hits[k], k <= i);
	}
}

static void test_one_thread(void **st)
{
	unsigned up[N_DB], down[N_DB], mixed[3 * N_DB];

	(void)st;
	for (unsigned i = 0; i < N_DB; i++) {
		up[i] = i;
		down[i] = N_DB - 1 - i;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(mixed); i++)
		mixed[i] = (i * 7) % N_DB;
	scan_all(down, N_DB);
	scan_all(up, N_DB);
	scan_all(mixed, ARRAY_SIZE(mixed));
	/* the same scratch every time on one thread */
	assert_ptr_equal(ronda_hs_thread_scratch(db[0], gen[0]),
			 ronda_hs_thread_scratch(db[N_DB - 1], gen[N_DB - 1]));
}

static void *worker(void *arg)
{
	unsigned order[2 * N_DB];
	hs_scratch_t **mine = arg;

	for (unsigned i = 0; i < ARRAY_SIZE(order); i++)
		order[i] = (i * 5 + 3) % N_DB;
	for (unsigned r = 0; r < 50; r++)
		scan_all(order, ARRAY_SIZE(order));
	*mine = ronda_hs_thread_scratch(db[1], gen[1]);
	return NULL;
}

static void test_threads(void **st)
{
	pthread_t t[4];
	hs_scratch_t *s[4];
	hs_scratch_t *main_s;

	(void)st;
	main_s = ronda_hs_thread_scratch(db[0], gen[0]);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, &s[i]), 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	/* the main thread's scratch is its own, and still works */
	for (unsigned i = 0; i < 4; i++)
		assert_ptr_not_equal(s[i], main_s);
	scan_all((const unsigned[]){ 0, 3, N_DB - 1 }, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_thread),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
