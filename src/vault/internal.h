/*
 * internal.h — helpers shared by vault.c, restore.c and quarantine.c; not
 * part of the library's interface.
 */
#ifndef RONDA_VAULT_INTERNAL_H
#define RONDA_VAULT_INTERNAL_H

#include <sys/stat.h>

#include "core/buf.h"
#include "vault/vault.h"

#define VAULT_MAX_DEPTH 256
#define VAULT_MAX_PATH 4096
#define VAULT_MAX_LINK 4096

/* Called for every entry below the root (not the root itself), parents
 * before children.  dirfd is the open parent directory, name the entry in
 * it.  Return non-zero to stop the walk with that code. */
typedef int (*vault_walk_fn)(const char *relpath, int dirfd, const char *name,
			     const struct stat *st, void *arg);

/* Walk rootfd without following symlinks, staying on dev, skipping the
 * state directory.  (ronda's own temporary names are not skipped: an
 * attacker could use them to hide a file.)  Unreadable
 * directories go to on_error.  `below` limits the walk to one relative
 * directory (NULL: everything). */
int vault_walk(struct ronda_vault *v, int rootfd, const char *below,
	       vault_walk_fn fn, ronda_vault_error_fn on_error, void *arg);

/* Fill e (path duplicated) from a stat; type 0 for unsupported types. */
void vault_entry_from_stat(struct ronda_entry *e, const char *relpath,
			   const struct stat *st);
int64_t vault_ts_ns(const struct timespec *ts);

/* Bind helpers for raw-byte paths. */
int vault_bind_path(sqlite3_stmt *st, int col, const char *path);
char *vault_column_str(sqlite3_stmt *st, int col);

/* Read a symlink (bounded). */
int vault_readlink(int dirfd, const char *name, char **out);

/* Store the current content of root/relpath (file or symlink, opened
 * beneath rootfd) and insert a vault_quarantine row in `state`.  *st_out
 * gets what was stored.  The caller decides what happens to the file. */
int vault_keep_copy(struct ronda_vault *v, int64_t site_id, int rootfd,
		    const char *root, const char *relpath, const char *rule,
		    const char *reason, const char *state, int64_t *id,
		    struct stat *st_out, struct ronda_buf *err);

void vault_login(char *out, size_t size);

/* Append an item (path duplicated) to a plan. */
struct ronda_plan_item *vault_plan_add(struct ronda_plan *p, enum ronda_action a,
				       const char *path);

#endif
