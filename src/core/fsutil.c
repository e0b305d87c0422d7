/*
 * fsutil.c — symlink-proof opening beneath a root (see fsutil.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fsutil.h"
#include "core/util.h"

static int have_openat2 = -1;   /* unknown; racy init is harmless */

static int open_walk(int rootfd, const char *relpath, int flags, mode_t mode)
{
	int dfd = rootfd, fd;
	const char *p = relpath;

	for (;;) {
		const char *slash = strchr(p, '/');
		char comp[256];
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n >= sizeof(comp)) {
			fd = -ENAMETOOLONG;
			goto out;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (!strcmp(comp, "..")) {
			fd = -EXDEV;
			goto out;
		}
		if (slash && slash[1]) {
			int next;
			if (n == 0 || !strcmp(comp, ".")) {
				p = slash + 1;
				continue;
			}
			next = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (next < 0) {
				fd = -errno;
				goto out;
			}
			if (dfd != rootfd)
				close(dfd);
			dfd = next;
			p = slash + 1;
			continue;
		}
		fd = openat(dfd, n ? comp : ".", flags | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0)
			fd = -errno;
		goto out;
	}
out:
	if (dfd != rootfd)
		close(dfd);
	return fd;
}

int ronda_open_beneath(int rootfd, const char *relpath, int flags, mode_t mode)
{
	int fd;

	if (!relpath || relpath[0] == '/')
		return -RONDA_EINVAL;
	if (!*relpath)
		relpath = ".";
	if (have_openat2 != 0) {
		struct open_how how = {
			.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
			.mode = (flags & (O_CREAT | O_TMPFILE)) ? (uint64_t)mode : 0,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				   RESOLVE_NO_MAGICLINKS,
		};
		fd = (int)syscall(SYS_openat2, rootfd, relpath, &how, sizeof(how));
		if (fd >= 0) {
			have_openat2 = 1;
			return fd;
		}
		if (errno != ENOSYS && errno != EPERM) {
			have_openat2 = 1;
			return -(int)ronda_err_from_errno(errno);
		}
		if (errno == ENOSYS)
			have_openat2 = 0;
	}
	fd = open_walk(rootfd, relpath, flags, mode);
	return fd >= 0 ? fd : -(int)ronda_err_from_errno(-fd);
}
