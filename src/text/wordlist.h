/*
 * wordlist.h — a list of words loaded from an embedded rules/NAME.txt.
 *
 * Each entry's first field is taken (up to whitespace or '|'; a field in
 * double quotes may hold blanks), lower-cased, and kept.  The list owns its
 * strings; release it with ronda_wordlist_release().
 */
#ifndef RONDA_TEXT_WORDLIST_H
#define RONDA_TEXT_WORDLIST_H

#include <stdbool.h>
#include <stddef.h>

struct ronda_wordlist {
	char **v;
	size_t n;
	size_t alloc;
};

/* Load rules/<name>.txt; RONDA_ENOENT when it is not embedded. */
int ronda_wordlist_load(struct ronda_wordlist *wl, const char *name);
void ronda_wordlist_release(struct ronda_wordlist *wl);

/* Exact (ASCII case-insensitive) membership. */
bool ronda_wordlist_has(const struct ronda_wordlist *wl, const char *s, size_t n);

#endif
