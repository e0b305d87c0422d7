/*
 * allow.c — the operator's allowlist: findings to suppress by file content
 * (SHA-256) or by path glob and rule.
 *
 * Format, one entry per line, '#' comments:
 *     sha256 <64 hex digits> [reason...]
 *     path <glob> <rule-id|rule-glob> [reason...]
 * Globs are fnmatch(3) patterns on the path relative to the scanned root.
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/engine_priv.h"
#include "core/i18n.h"
#include "core/util.h"

struct path_entry {
	char *glob;
	char *rule;
};

struct allowlist {
	char (*shas)[65];
	size_t n_shas, alloc_shas;
	struct path_entry *paths;
	size_t n_paths, alloc_paths;
};

void allowlist_free(struct allowlist *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_paths; i++) {
		free(a->paths[i].glob);
		free(a->paths[i].rule);
	}
	free(a->paths);
	free(a->shas);
	free(a);
}

static int cmp_sha(const void *x, const void *y)
{
	return strcmp(x, y);
}

/* Next whitespace-separated field of *p (modified in place). */
static char *field(char **p)
{
	char *s = *p, *start;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	start = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return start;
}

int allowlist_load(const char *path, bool must_exist, struct allowlist **out,
		   struct ronda_buf *err)
{
	FILE *f = fopen(path, "re");
	struct allowlist *a;
	char line[4096];
	unsigned lineno = 0;
	int rc = RONDA_OK;

	*out = NULL;
	if (!f) {
		if (!must_exist)
			return RONDA_OK;
		rc = ronda_err_from_errno(errno);
		if (err)
			ronda_buf_addf(err, _("cannot read allowlist '%s': %s"), path,
				       ronda_strerror(rc));
		return rc;
	}
	a = xcalloc(1, sizeof(*a));
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *kind, *hash;
		size_t len = strlen(line);

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			rc = RONDA_EPARSE;
			if (err)
				ronda_buf_addf(err, _("allowlist line %u: too long"), lineno);
			break;
		}
		line[strcspn(line, "#\r\n")] = '\0';
		kind = field(&p);
		if (!kind)
			continue;
		if (!strcmp(kind, "sha256")) {
			hash = field(&p);
			if (!hash || strlen(hash) != 64 ||
			    strspn(hash, "0123456789abcdefABCDEF") != 64) {
				rc = RONDA_EPARSE;
				if (err)
					ronda_buf_addf(err, _("allowlist line %u: 'sha256' needs 64 hex digits"), lineno);
				break;
			}
			a->shas = xgrow(a->shas, &a->alloc_shas, a->n_shas + 1, sizeof(*a->shas));
			for (int i = 0; i < 64; i++)
				a->shas[a->n_shas][i] = (char)tolower((unsigned char)hash[i]);
			a->shas[a->n_shas][64] = '\0';
			a->n_shas++;
		} else if (!strcmp(kind, "path")) {
			char *glob = field(&p), *rule = field(&p);
			if (!glob || !rule) {
				rc = RONDA_EPARSE;
				if (err)
					ronda_buf_addf(err, _("allowlist line %u: 'path' needs a glob and a rule"), lineno);
				break;
			}
			a->paths = xgrow(a->paths, &a->alloc_paths, a->n_paths + 1, sizeof(*a->paths));
			a->paths[a->n_paths].glob = xstrdup(glob);
			a->paths[a->n_paths].rule = xstrdup(rule);
			a->n_paths++;
		} else {
			rc = RONDA_EPARSE;
			if (err)
				ronda_buf_addf(err, _("allowlist line %u: unknown entry '%s' (want 'sha256' or 'path')"),
					       lineno, kind);
			break;
		}
	}
	fclose(f);
	if (rc) {
		allowlist_free(a);
		return rc;
	}
	if (a->n_shas > 1)
		qsort(a->shas, a->n_shas, sizeof(*a->shas), cmp_sha);
	*out = a;
	return RONDA_OK;
}

bool allowlist_sha(const struct allowlist *a, const char *sha256)
{
	return a && a->n_shas && *sha256 &&
	       bsearch(sha256, a->shas, a->n_shas, sizeof(*a->shas), cmp_sha);
}

bool allowlist_has_shas(const struct allowlist *a)
{
	return a && a->n_shas;
}

bool allowlist_path(const struct allowlist *a, const char *relpath,
		    const char *rule_id)
{
	if (!a)
		return false;
	for (size_t i = 0; i < a->n_paths; i++)
		if (!fnmatch(a->paths[i].glob, relpath, 0) &&
		    !fnmatch(a->paths[i].rule, rule_id, 0))
			return true;
	return false;
}
