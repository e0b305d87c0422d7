/*
 * fsutil.h — opening paths beneath a root without ever following a
 * symbolic link or leaving the root.
 *
 * ronda_open_beneath() uses openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS) where the kernel has it and otherwise walks the
 * path one component at a time with O_NOFOLLOW, refusing "..".  Either way a
 * path that was swapped for a symlink between plan and action fails with
 * RONDA_ELOOP or RONDA_EXDEV instead of escaping.
 *
 * The two halves are public for the vault (vault/fsops.h), which adds its
 * own stricter path rules and directory creation on top of them.
 */
#ifndef RONDA_FSUTIL_H
#define RONDA_FSUTIL_H

#include <stdbool.h>
#include <sys/types.h>

/* Open relpath (relative, no leading '/') beneath the directory rootfd.
 * flags are open(2) flags (O_NOFOLLOW is implied for the last component).
 * Returns a file descriptor >= 0, or a negative ronda_err. */
int ronda_open_beneath(int rootfd, const char *relpath, int flags, mode_t mode);

/* Tests set this to take the component walk as if the kernel had no
 * openat2(). */
extern bool ronda_beneath_force_fallback;

/* openat2() of rel beneath rootfd, symlinks refused (O_NOFOLLOW and
 * O_CLOEXEC added).  Returns a descriptor >= 0, -ENOSYS when the kernel has
 * no openat2() (or the fallback is forced), else -errno. */
int ronda_openat2_beneath(int rootfd, const char *rel, int flags, mode_t mode);

/* The fallback: open the directories of rel one component at a time from
 * start with O_DIRECTORY|O_NOFOLLOW ("" and "." components are skipped,
 * ".." and components of 256 bytes or more are refused with -EXDEV and
 * -ENAMETOOLONG), creating missing ones with mode dmode (0: 0755) when
 * create.  On success *dirfd is a new descriptor of the last directory and
 * *base the last component (possibly "").  Returns 0 or -errno; a
 * directory component that is a symlink gives -ELOOP. */
int ronda_beneath_walk(int start, const char *rel, bool create, mode_t dmode,
		       int *dirfd, const char **base);

#endif
