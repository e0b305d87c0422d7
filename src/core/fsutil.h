/*
 * fsutil.h — opening paths beneath a root without ever following a
 * symbolic link or leaving the root.
 *
 * ronda_open_beneath() uses openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS) where the kernel has it and otherwise walks the
 * path one component at a time with O_NOFOLLOW, refusing "..".  Either way a
 * path that was swapped for a symlink between plan and action fails with
 * RONDA_ELOOP or RONDA_EXDEV instead of escaping.
 */
#ifndef RONDA_FSUTIL_H
#define RONDA_FSUTIL_H

#include <sys/types.h>

/* Open relpath (relative, no leading '/') beneath the directory rootfd.
 * flags are open(2) flags (O_NOFOLLOW is implied for the last component).
 * Returns a file descriptor >= 0, or a negative ronda_err. */
int ronda_open_beneath(int rootfd, const char *relpath, int flags, mode_t mode);

#endif
