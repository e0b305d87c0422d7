/*
 * spare.h — one reusable heap block per thread and per use.
 *
 * Big per-file buffers (the PHP token array, the webshell detector's bracket
 * and scope tables) are taken when a file starts and given back when it is
 * done, so the next file on the same worker thread reuses memory that is
 * already faulted in instead of allocating and zeroing megabytes per file.
 * A block over the caller's cap is freed, so what a thread keeps is bounded;
 * kept blocks are freed when the thread ends.  If the thread key cannot be
 * made, take() always returns NULL and give() frees: the callers just
 * allocate, nothing else changes.
 */
#ifndef RONDA_CORE_SPARE_H
#define RONDA_CORE_SPARE_H

#include <stddef.h>

enum ronda_spare_slot {
	RONDA_SPARE_PHP_TOKENS,     /* src/lang/php_deob.c */
	RONDA_SPARE_WS_TABLES,      /* src/detect/webshell.c */
	RONDA_SPARE_FILE_TOKENS,    /* src/lang/php_toks.c */
	RONDA_SPARE__COUNT
};

/* The block kept in this thread's slot if it holds at least `need` bytes
 * (its size in *size; the caller owns it now), else NULL. */
void *ronda_spare_take(enum ronda_spare_slot slot, size_t need, size_t *size);

/* Hand a block back: kept when it is at most `max` bytes and bigger than
 * what the slot holds (the smaller one is freed), else freed. */
void ronda_spare_give(enum ronda_spare_slot slot, void *p, size_t size,
		      size_t max);

#endif
