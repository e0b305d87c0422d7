/*
 * fsops.h — the safe filesystem layer every writer of ronda goes through.
 *
 * Everything restore, quarantine and clean do to a web root happens through
 * a directory descriptor of that root and relative paths resolved beneath
 * it: no component may be a symbolic link, "..", "." or empty, and nothing
 * may resolve outside the root (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|
 * RESOLVE_NO_MAGICLINKS, or a component-by-component openat with
 * O_NOFOLLOW|O_DIRECTORY where openat2 is missing).  Once the parent
 * directory is open, the last component is only used with *at() calls that
 * never follow it (renameat, unlinkat, openat O_NOFOLLOW).
 *
 * Content is replaced atomically: a temporary file in the same directory
 * (O_TMPFILE when the filesystem has it, else an O_EXCL name), written,
 * fsync'd, given its mode, owner and mtime, renamed over the name, then the
 * directory is fsync'd.  On any failure the temporary file is removed and
 * the old content stays as it was.
 *
 * All functions return a ronda_err (errno mapped by ronda_err_from_errno:
 * ENOSPC, EROFS, EACCES become RONDA_ENOSPC, RONDA_EROFS, RONDA_EPERM).
 * Descriptors handed out belong to the caller (close them).
 */
#ifndef RONDA_VAULT_FSOPS_H
#define RONDA_VAULT_FSOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "core/error.h"
#include "core/fsutil.h"

/* Tests set ronda_beneath_force_fallback (core/fsutil.h) to exercise the
 * openat fallback. */

/* Prefix of ronda's temporary names; never used for anything else. */
#define RONDA_FS_TMP_PREFIX ".ronda-tmp."

/* Open a root directory as given by the operator (its own path may go
 * through symlinks: the operator chose it).  O_RDONLY|O_DIRECTORY. */
int ronda_fs_open_root(const char *path, int *rootfd);

/* RONDA_OK if rel is a clean relative path: not empty, no leading '/', no
 * empty, "." or ".." component; RONDA_EXDEV otherwise. */
int ronda_fs_check_relpath(const char *rel);

/* Open rel beneath rootfd with open(2) flags (O_NOFOLLOW and O_CLOEXEC are
 * always added).  A symlink anywhere gives RONDA_ELOOP, leaving the root
 * RONDA_EXDEV. */
int ronda_fs_open_beneath(int rootfd, const char *rel, int flags, mode_t mode,
			  int *fd);

/* Open the directory that holds rel (O_RDONLY|O_DIRECTORY) beneath rootfd;
 * *base points into rel at the last component.  With create, missing
 * directories are made (mode 0755, or dir_mode when not 0). */
int ronda_fs_open_parent(int rootfd, const char *rel, bool create,
			 mode_t dir_mode, int *dirfd, const char **base);

/* Metadata applied to a replaced file. */
struct ronda_fs_meta {
	mode_t mode;               /* permission bits (07777) */
	uid_t uid;
	gid_t gid;
	struct timespec mtime;
	bool set_owner;            /* fchown (only works as root) */
	bool set_mtime;
};

/* Writes the new content into fd; returns a ronda_err. */
typedef int (*ronda_fs_fill_fn)(int fd, void *arg);

/* Atomically replace (or create) `name` in dirfd.  name must be one
 * component.  If `name` is a directory, RONDA_EEXIST and nothing changes. */
int ronda_fs_replace(int dirfd, const char *name, ronda_fs_fill_fn fill,
		     void *arg, const struct ronda_fs_meta *meta);

/* The two halves of ronda_fs_replace, for writing many files with one
 * sync: stage writes the content and metadata into an anonymous file in
 * dirfd (fsync'd only with sync), commit links it under a temporary name
 * and renames it over `name` (fsync of the directory only with sync_dir).
 * Whoever batches must make the staged data durable (syncfs) before
 * committing, and the renames durable afterwards.  A staged file holds two
 * descriptors until commit or abort. */
struct ronda_fs_staged {
	int fd, dirfd;
	bool named;
	char tmp[64];
	char name[256];
};
int ronda_fs_stage(int dirfd, const char *name, ronda_fs_fill_fn fill, void *arg,
		   const struct ronda_fs_meta *meta, bool sync, struct ronda_fs_staged *out);
int ronda_fs_commit(struct ronda_fs_staged *st, bool sync_dir);
void ronda_fs_abort(struct ronda_fs_staged *st);

/* Atomically make `name` a symlink to target (replacing a file or link). */
int ronda_fs_replace_symlink(int dirfd, const char *name, const char *target,
			     const struct ronda_fs_meta *meta);

/* Remove `name` from dirfd only if it still is the file `st` describes
 * (same device, inode, size, mtime, ctime); RONDA_ECHANGED otherwise.
 * The directory is fsync'd afterwards. */
int ronda_fs_unlink_if_same(int dirfd, const char *name, const struct stat *st);

/* Move `name` from dirfd to `newname` in newdirfd (same filesystem) without
 * replacing anything there (RENAME_NOREPLACE). */
int ronda_fs_move_noreplace(int dirfd, const char *name, int newdirfd,
			    const char *newname);

int ronda_fs_fsync_dir(int dirfd);
int ronda_fs_write_all(int fd, const void *data, size_t n);
/* Read up to n bytes (fewer only at end of file); *got says how many. */
int ronda_fs_read_full(int fd, void *data, size_t n, size_t *got);

/* Make every missing directory of an absolute or relative path (mode). */
int ronda_fs_mkdir_p(const char *path, mode_t mode);

/* Debug builds only: if RONDA_DEBUG_PAUSE_FILE is set, create that file
 * and wait (up to 30 s) until someone removes it.  Marks the moment
 * between a plan and its action, for the race tests.  No-op otherwise. */
void ronda_fs_debug_pause(const char *where);

#endif
