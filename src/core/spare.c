/*
 * spare.c — per-thread reusable blocks (see spare.h).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/spare.h"
#include "core/util.h"

struct spares {
	void *p[RONDA_SPARE__COUNT];
	size_t size[RONDA_SPARE__COUNT];
};

static pthread_key_t key;
static bool key_ok;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void spares_free(void *arg)
{
	struct spares *sp = arg;

	if (!sp)
		return;
	for (size_t i = 0; i < RONDA_SPARE__COUNT; i++)
		free(sp->p[i]);
	free(sp);
}

static void key_init(void)
{
	key_ok = pthread_key_create(&key, spares_free) == 0;
}

static struct spares *spares(bool create)
{
	struct spares *sp;

	pthread_once(&once, key_init);
	if (!key_ok)
		return NULL;
	sp = pthread_getspecific(key);
	if (!sp && create) {
		sp = xcalloc(1, sizeof(*sp));
		if (pthread_setspecific(key, sp)) {
			free(sp);
			sp = NULL;
		}
	}
	return sp;
}

void *ronda_spare_take(enum ronda_spare_slot slot, size_t need, size_t *size)
{
	struct spares *sp = spares(false);
	void *p;

	*size = 0;
	if (!sp || !sp->p[slot] || sp->size[slot] < need)
		return NULL;
	p = sp->p[slot];
	*size = sp->size[slot];
	sp->p[slot] = NULL;
	sp->size[slot] = 0;
	return p;
}

void ronda_spare_give(enum ronda_spare_slot slot, void *p, size_t size,
		      size_t max)
{
	struct spares *sp;

	if (!p)
		return;
	sp = size <= max ? spares(true) : NULL;
	if (!sp || sp->size[slot] >= size) {
		free(p);
		return;
	}
	free(sp->p[slot]);
	sp->p[slot] = p;
	sp->size[slot] = size;
}
