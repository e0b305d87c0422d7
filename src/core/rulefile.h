/*
 * rulefile.h — rule data files embedded from rules/NAME.txt at build time.
 *
 * Format shared by all rule files: one entry per line, '#' starts a
 * comment to end of line (every entry carries one saying why it is there),
 * blank lines ignored, fields separated by runs of whitespace or '|'
 * as each detector documents in its file's header.
 */
#ifndef RONDA_RULEFILE_H
#define RONDA_RULEFILE_H

#include <stddef.h>

struct ronda_rulefile {
	const char *name;   /* file name without ".txt" */
	const char *data;   /* NUL-terminated content */
	size_t len;
};

extern const struct ronda_rulefile ronda_rule_files[];

/* The embedded file called name, or NULL. */
const struct ronda_rulefile *ronda_rulefile_get(const char *name);

/* Iterate the entries of a rule file: each call yields the next non-empty,
 * comment-stripped, whitespace-trimmed line in [*line, *line + *len).
 * Returns 0 at the end.  *pos starts at 0. */
int ronda_rulefile_next(const struct ronda_rulefile *rf, size_t *pos,
			const char **line, size_t *len);

#endif
