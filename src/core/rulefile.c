/*
 * rulefile.c — look-up and line iteration over embedded rules/ files.
 */
#include <string.h>

#include "core/rulefile.h"
#include "core/util.h"

const struct ronda_rulefile *ronda_rulefile_get(const char *name)
{
	for (const struct ronda_rulefile *rf = ronda_rule_files; rf->name; rf++)
		if (!strcmp(rf->name, name))
			return rf;
	return NULL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int ronda_rulefile_next(const struct ronda_rulefile *rf, size_t *pos,
			const char **line, size_t *len)
{
	while (*pos < rf->len) {
		const char *s = rf->data + *pos;
		const char *nl = memchr(s, '\n', rf->len - *pos);
		size_t n = nl ? (size_t)(nl - s) : rf->len - *pos;

		*pos += n + (nl ? 1 : 0);
		/* comment: '#' at the start or after whitespace */
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '#' && (i == 0 || is_space(s[i - 1]))) {
				n = i;
				break;
			}
		}
		while (n && is_space(*s)) {
			s++;
			n--;
		}
		while (n && is_space(s[n - 1]))
			n--;
		if (n) {
			*line = s;
			*len = n;
			return 1;
		}
	}
	return 0;
}
