/*
 * check.h — comparing a site's present tree with its baseline.
 *
 * ronda_check_run() loads the baseline, walks and hashes the present tree
 * (reusing baseline hashes where size, mtime, ctime and inode are unchanged,
 * see baseline.h; opts->paranoid re-hashes everything) and lists the
 * differences in path order.  A changed file whose content changed while
 * its mtime did not move forward and its ctime did is marked timestomped:
 * ronda_rule_timestomp (integrity.timestomp, high) describes that finding.
 * Scanning the added and changed files is the caller's business
 * (ronda_check_scan_list gives their relative paths).
 *
 * Ownership: struct ronda_check owns its site, trees and change array;
 * changes point into the trees.  Release with ronda_check_release().
 */
#ifndef RONDA_STATE_CHECK_H
#define RONDA_STATE_CHECK_H

#include "core/rule.h"
#include "state/baseline.h"

extern const struct ronda_rule ronda_rule_timestomp;
/* A file added since the baseline whose mtime is older than the baseline
 * while its ctime is newer (integrity.backdated, medium): ronda_change's
 * timestomp flag on an added file. */
extern const struct ronda_rule ronda_rule_backdated;

struct ronda_check {
	struct ronda_site site;
	struct ronda_tree base, cur;
	struct ronda_change *changes;
	size_t n_changes, alloc_changes;
	uint64_t n_added, n_removed, n_changed, n_timestomp;
	uint64_t n_backdated;       /* added files with timestomp set */
};

/* root and/or name select the site as in ronda_site_resolve (no creation).
 * RONDA_ENOTFOUND when the site or its baseline is unknown. */
int ronda_check_run(struct ronda_db *db, const char *root, const char *name,
		    const struct ronda_tree_opts *opts, struct ronda_check *out,
		    struct ronda_buf *err);
void ronda_check_release(struct ronda_check *c);

/* Relative paths of the present regular files that were added or changed
 * (pointers into c->cur; free only the array). */
size_t ronda_check_scan_list(const struct ronda_check *c, const char ***out);

/* The rule a change with timestomp set is reported under. */
const struct ronda_rule *ronda_check_stomp_rule(const struct ronda_change *ch);

/* Describe a timestomped change in one line (mtime and ctime moves; for
 * a backdated added file, its times against the baseline's). */
void ronda_check_timestomp_detail(const struct ronda_change *ch, struct ronda_buf *out);

#endif
