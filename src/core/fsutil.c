/*
 * fsutil.c — symlink-proof opening beneath a root (see fsutil.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "core/util.h"

bool ronda_beneath_force_fallback;
static bool no_openat2;   /* racy init is harmless */

int ronda_openat2_beneath(int rootfd, const char *rel, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.mode = (flags & (O_CREAT | __O_TMPFILE)) ? (uint64_t)mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (ronda_beneath_force_fallback || no_openat2)
		return -ENOSYS;
	fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	if (fd < 0) {
		if (errno == ENOSYS)
			no_openat2 = true;
		return -errno;
	}
	return (int)fd;
}

static int open_dir(int fd, const char *comp, bool create, mode_t dmode)
{
	int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int e;

	if (next < 0 && errno == ENOENT && create) {
		if (mkdirat(fd, comp, dmode ? dmode : 0755) < 0 && errno != EEXIST)
			return -errno;
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (next >= 0)
		return next;
	e = errno;
	/* O_NOFOLLOW|O_DIRECTORY on a symlink may say ENOTDIR */
	if (e == ENOTDIR && (fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
			     S_ISLNK(st.st_mode)))
		return -ELOOP;
	return -e;
}

int ronda_beneath_walk(int start, const char *rel, bool create, mode_t dmode,
		       int *dirfd, const char **base)
{
	int fd = fcntl(start, F_DUPFD_CLOEXEC, 0);
	const char *p = rel;
	char comp[256];

	if (fd < 0)
		return -errno;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		int next;

		if (n >= sizeof(comp)) {
			close(fd);
			return -ENAMETOOLONG;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			close(fd);
			return -EXDEV;
		}
		if (!slash) {
			*dirfd = fd;
			*base = p;
			return 0;
		}
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p = slash + 1;
			continue;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		next = open_dir(fd, comp, create, dmode);
		close(fd);
		if (next < 0)
			return next;
		fd = next;
		p = slash + 1;
	}
}

int ronda_open_beneath(int rootfd, const char *relpath, int flags, mode_t mode)
{
	int fd, dfd;
	const char *base;

	if (!relpath || relpath[0] == '/')
		return -RONDA_EINVAL;
	if (!*relpath)
		relpath = ".";
	fd = ronda_openat2_beneath(rootfd, relpath, flags, mode);
	if (fd >= 0)
		return fd;
	if (fd != -ENOSYS && fd != -EPERM)
		return -(int)ronda_err_from_errno(-fd);
	if ((fd = ronda_beneath_walk(rootfd, relpath, false, 0, &dfd, &base)) < 0)
		return -(int)ronda_err_from_errno(-fd);
	fd = openat(dfd, *base ? base : ".", flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		fd = -(int)ronda_err_from_errno(errno);
	close(dfd);
	return fd;
}
