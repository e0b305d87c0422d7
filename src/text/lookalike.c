/*
 * lookalike.c — homoglyph folding and one-edit comparison of file names
 * (see lookalike.h).  Bounded by RONDA_LOOKALIKE_MAX; no allocation.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "text/lookalike.h"
#include "core/util.h"

size_t ronda_lookalike_fold(const char *name, char *out, size_t size)
{
	size_t n = strlen(name), o = 0;

	if (n > RONDA_LOOKALIKE_MAX || size <= RONDA_LOOKALIKE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = (char)tolower((unsigned char)name[i]);
		char d = i + 1 < n ? (char)tolower((unsigned char)name[i + 1]) : '\0';

		if (c == 'r' && d == 'n') {
			c = 'm';
			i++;
		} else if (c == 'v' && d == 'v') {
			c = 'w';
			i++;
		} else {
			switch (c) {
			case '1': case 'i': case '|': case '!': c = 'l'; break;
			case '0': c = 'o'; break;
			case '3': c = 'e'; break;
			case '4': case '@': c = 'a'; break;
			case '5': case '$': c = 's'; break;
			case '7': c = 't'; break;
			case '_': c = '-'; break;
			default: break;
			}
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return o;
}

/* Is a one edit (Damerau, adjacent transposition) away from b? */
static bool one_edit(const char *a, size_t la, const char *b, size_t lb)
{
	size_t i = 0;

	if (la > lb + 1 || lb > la + 1)
		return false;
	while (i < la && i < lb && a[i] == b[i])
		i++;
	if (la == lb) {
		if (i == la)
			return false;              /* equal */
		if (!strcmp(a + i + 1, b + i + 1))
			return true;               /* substitution */
		return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		       !strcmp(a + i + 2, b + i + 2);   /* transposition */
	}
	if (la > lb)
		return !strcmp(a + i + 1, b + i);      /* a has one more */
	return !strcmp(a + i, b + i + 1);              /* b has one more */
}

enum ronda_lookalike ronda_lookalike_match(const char *name, const char *core)
{
	char fn[RONDA_LOOKALIKE_MAX + 1], fc[RONDA_LOOKALIKE_MAX + 1];
	size_t ln, lc;

	if (!strcasecmp(name, core))
		return RONDA_LOOKALIKE_SAME;
	ln = ronda_lookalike_fold(name, fn, sizeof(fn));
	lc = ronda_lookalike_fold(core, fc, sizeof(fc));
	if (!ln || !lc)
		return RONDA_LOOKALIKE_NONE;
	if (!strcmp(fn, fc))
		return RONDA_LOOKALIKE_HOMOGLYPH;
	if (strlen(core) >= RONDA_LOOKALIKE_EDIT_MIN &&
	    one_edit(fn, ln, fc, lc))
		return RONDA_LOOKALIKE_EDIT1;
	return RONDA_LOOKALIKE_NONE;
}
