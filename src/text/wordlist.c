/*
 * wordlist.c — load first fields of an embedded rule file (see wordlist.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text/wordlist.h"
#include "core/error.h"
#include "core/rulefile.h"
#include "core/util.h"

int ronda_wordlist_load(struct ronda_wordlist *wl, const char *name)
{
	const struct ronda_rulefile *rf = ronda_rulefile_get(name);
	size_t pos = 0, len;
	const char *line;

	memset(wl, 0, sizeof(*wl));
	if (!rf)
		return RONDA_ENOENT;
	while (ronda_rulefile_next(rf, &pos, &line, &len)) {
		size_t n = 0;
		char *w;

		if (line[0] == '"') {
			const char *q = memchr(line + 1, '"', len - 1);
			line++;
			n = q ? (size_t)(q - line) : len - 1;
		} else {
			while (n < len && !isspace((unsigned char)line[n]) && line[n] != '|')
				n++;
		}
		if (!n)
			continue;
		w = xstrndup(line, n);
		for (size_t i = 0; i < n; i++)
			w[i] = (char)tolower((unsigned char)w[i]);
		wl->v = xgrow(wl->v, &wl->alloc, wl->n + 1, sizeof(*wl->v));
		wl->v[wl->n++] = w;
	}
	return RONDA_OK;
}

void ronda_wordlist_release(struct ronda_wordlist *wl)
{
	for (size_t i = 0; i < wl->n; i++)
		free(wl->v[i]);
	free(wl->v);
	memset(wl, 0, sizeof(*wl));
}

bool ronda_wordlist_has(const struct ronda_wordlist *wl, const char *s, size_t n)
{
	for (size_t i = 0; i < wl->n; i++)
		if (strlen(wl->v[i]) == n && !strncasecmp(wl->v[i], s, n))
			return true;
	return false;
}
