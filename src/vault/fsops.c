/*
 * fsops.c — resolution beneath a root, atomic replace, careful unlink.
 *
 * The rules are in fsops.h.  openat2(2) does the resolution when the
 * kernel has it; otherwise each component is opened with
 * O_NOFOLLOW|O_DIRECTORY from the previous one, which gives the same
 * guarantee because "..", "." and absolute paths are refused up front.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fsutil.h"
#include "core/util.h"
#include "vault/fsops.h"

static int err_errno(void)
{
	int e = errno;

	if (e == EISDIR)
		return RONDA_EEXIST;
	return ronda_err_from_errno(e);
}

int ronda_fs_open_root(const char *path, int *rootfd)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return err_errno();
	*rootfd = fd;
	return RONDA_OK;
}

int ronda_fs_check_relpath(const char *rel)
{
	const char *p = rel;

	if (!rel || !*rel || *rel == '/')
		return RONDA_EXDEV;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return RONDA_EXDEV;
		if (n > 255)
			return RONDA_ETOOBIG;
		if (!slash)
			break;
		p = slash + 1;
		if (!*p)
			return RONDA_EXDEV;   /* trailing slash */
	}
	return RONDA_OK;
}

static int err_of(int e)
{
	errno = e;
	return err_errno();
}

int ronda_fs_open_beneath(int rootfd, const char *rel, int flags, mode_t mode,
			  int *fd)
{
	int rc, dfd, f;
	const char *base;

	if ((rc = ronda_fs_check_relpath(rel)))
		return rc;
	f = ronda_openat2_beneath(rootfd, rel, flags, mode);
	if (f >= 0) {
		*fd = f;
		return RONDA_OK;
	}
	if (f != -ENOSYS)
		return err_of(-f);
	if ((rc = ronda_beneath_walk(rootfd, rel, false, 0, &dfd, &base)))
		return err_of(-rc);
	f = openat(dfd, base, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	rc = f < 0 ? err_errno() : RONDA_OK;
	close(dfd);
	if (!rc)
		*fd = f;
	return rc;
}

int ronda_fs_open_parent(int rootfd, const char *rel, bool create,
			 mode_t dir_mode, int *dirfd, const char **base)
{
	int rc;
	const char *slash;
	char *dir;

	if ((rc = ronda_fs_check_relpath(rel)))
		return rc;
	slash = strrchr(rel, '/');
	if (!slash) {
		int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);

		if (fd < 0)
			return err_errno();
		*dirfd = fd;
		*base = rel;
		return RONDA_OK;
	}
	if (!create) {
		dir = xstrndup(rel, (size_t)(slash - rel));
		rc = ronda_openat2_beneath(rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
		free(dir);
		/* ENOTDIR may mean a symlink: let the walk say which */
		if (rc >= 0) {
			*dirfd = rc;
			*base = slash + 1;
			return RONDA_OK;
		}
		if (rc != -ENOSYS && rc != -ENOTDIR)
			return err_of(-rc);
	}
	rc = ronda_beneath_walk(rootfd, rel, create, dir_mode, dirfd, base);
	return rc ? err_of(-rc) : RONDA_OK;
}

int ronda_fs_fsync_dir(int dirfd)
{
	if (fsync(dirfd) < 0 && errno != EINVAL)
		return err_errno();
	return RONDA_OK;
}

int ronda_fs_write_all(int fd, const void *data, size_t n)
{
	const unsigned char *p = data;

	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return err_errno();
		}
		if (w == 0)
			return RONDA_ENOSPC;
		p += w;
		n -= (size_t)w;
	}
	return RONDA_OK;
}

int ronda_fs_read_full(int fd, void *data, size_t n, size_t *got)
{
	unsigned char *p = data;
	size_t done = 0;

	while (done < n) {
		ssize_t r = read(fd, p + done, n - done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return err_errno();
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	*got = done;
	return RONDA_OK;
}

static void tmp_name(char *out, size_t size)
{
	unsigned char rnd[8];
	char hex[17];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		uint64_t t = ronda_now_ns() ^ ((uint64_t)getpid() << 32);
		memcpy(rnd, &t, sizeof(rnd));
	}
	ronda_hex(rnd, sizeof(rnd), hex);
	snprintf(out, size, "%s%s", RONDA_FS_TMP_PREFIX, hex);
}

static int apply_meta(int fd, const struct ronda_fs_meta *meta)
{
	if (!meta)
		return RONDA_OK;
	if (meta->set_owner && fchown(fd, meta->uid, meta->gid) < 0)
		return err_errno();
	if (fchmod(fd, meta->mode & 07777) < 0)
		return err_errno();
	if (meta->set_mtime) {
		struct timespec ts[2] = { { 0, UTIME_OMIT }, meta->mtime };

		if (futimens(fd, ts) < 0)
			return err_errno();
	}
	return RONDA_OK;
}

/* Give the anonymous O_TMPFILE file a temporary name in dirfd. */
static int link_tmpfile(int fd, int dirfd, const char *name)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) == 0)
		return RONDA_OK;
	if (linkat(fd, "", dirfd, name, AT_EMPTY_PATH) == 0)
		return RONDA_OK;
	return err_errno();
}

int ronda_fs_stage(int dirfd, const char *name, ronda_fs_fill_fn fill, void *arg,
		   const struct ronda_fs_meta *meta, bool sync, struct ronda_fs_staged *out)
{
	struct stat st;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	out->fd = out->dirfd = -1;
	if (strchr(name, '/') || !*name || strlen(name) >= sizeof(out->name))
		return RONDA_EXDEV;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		return RONDA_EEXIST;
	tmp_name(out->tmp, sizeof(out->tmp));
	fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
			return err_errno();
		fd = openat(dirfd, out->tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0)
			return err_errno();
		out->named = true;
	}
	out->fd = fd;
	out->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	memcpy(out->name, name, strlen(name) + 1);
	if (out->dirfd < 0)
		rc = err_errno();
	else if ((rc = fill(fd, arg)) == RONDA_OK && (rc = apply_meta(fd, meta)) == RONDA_OK &&
		 sync && fsync(fd) < 0)
		rc = err_errno();
	if (rc)
		ronda_fs_abort(out);
	return rc;
}

void ronda_fs_abort(struct ronda_fs_staged *st)
{
	if (st->named && st->dirfd >= 0)
		unlinkat(st->dirfd, st->tmp, 0);
	if (st->fd >= 0)
		close(st->fd);
	if (st->dirfd >= 0)
		close(st->dirfd);
	st->fd = st->dirfd = -1;
	st->named = false;
}

int ronda_fs_commit(struct ronda_fs_staged *st, bool sync_dir)
{
	int rc = RONDA_OK;

	if (st->fd < 0)
		return RONDA_EINVAL;
	if (!st->named) {
		if ((rc = link_tmpfile(st->fd, st->dirfd, st->tmp)))
			goto out;
		st->named = true;
	}
	ronda_fs_debug_pause("replace");
	if (renameat(st->dirfd, st->tmp, st->dirfd, st->name) < 0) {
		rc = err_errno();
		goto out;
	}
	st->named = false;
	if (sync_dir)
		rc = ronda_fs_fsync_dir(st->dirfd);
out:
	ronda_fs_abort(st);
	return rc;
}

int ronda_fs_replace(int dirfd, const char *name, ronda_fs_fill_fn fill,
		     void *arg, const struct ronda_fs_meta *meta)
{
	struct ronda_fs_staged st;
	int rc = ronda_fs_stage(dirfd, name, fill, arg, meta, true, &st);

	return rc ? rc : ronda_fs_commit(&st, true);
}

int ronda_fs_replace_symlink(int dirfd, const char *name, const char *target,
			     const struct ronda_fs_meta *meta)
{
	char tmp[64];
	struct stat st;

	if (strchr(name, '/') || !*name)
		return RONDA_EXDEV;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
		return RONDA_EEXIST;
	tmp_name(tmp, sizeof(tmp));
	if (symlinkat(target, dirfd, tmp) < 0)
		return err_errno();
	if (meta) {
		if (meta->set_owner)
			(void)fchownat(dirfd, tmp, meta->uid, meta->gid, AT_SYMLINK_NOFOLLOW);
		if (meta->set_mtime) {
			struct timespec ts[2] = { { 0, UTIME_OMIT }, meta->mtime };
			(void)utimensat(dirfd, tmp, ts, AT_SYMLINK_NOFOLLOW);
		}
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int e = err_errno();
		unlinkat(dirfd, tmp, 0);
		return e;
	}
	return ronda_fs_fsync_dir(dirfd);
}

int ronda_fs_unlink_if_same(int dirfd, const char *name, const struct stat *want)
{
	struct stat st;

	if (strchr(name, '/') || !*name)
		return RONDA_EXDEV;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_errno();
	if (st.st_dev != want->st_dev || st.st_ino != want->st_ino ||
	    st.st_size != want->st_size ||
	    st.st_mtim.tv_sec != want->st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != want->st_mtim.tv_nsec ||
	    st.st_ctim.tv_sec != want->st_ctim.tv_sec ||
	    st.st_ctim.tv_nsec != want->st_ctim.tv_nsec)
		return RONDA_ECHANGED;
	ronda_fs_debug_pause("unlink");
	if (unlinkat(dirfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
		return err_errno();
	return ronda_fs_fsync_dir(dirfd);
}

int ronda_fs_move_noreplace(int dirfd, const char *name, int newdirfd,
			    const char *newname)
{
	if (renameat2(dirfd, name, newdirfd, newname, RENAME_NOREPLACE) < 0)
		return err_errno();
	return RONDA_OK;
}

int ronda_fs_mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int rc = RONDA_OK;

	for (char *s = p + 1; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				rc = err_errno();
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	free(p);
	return rc;
}

void ronda_fs_debug_pause(const char *where)
{
#ifndef NDEBUG
	const char *f = getenv("RONDA_DEBUG_PAUSE_FILE");
	const char *at = getenv("RONDA_DEBUG_PAUSE_AT");
	int fd;

	if (!f || !*f || (at && *at && strcmp(at, where)))
		return;
	fd = open(f, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	close(fd);
	for (int i = 0; i < 3000 && access(f, F_OK) == 0; i++)
		usleep(10000);
#else
	(void)where;
#endif
}
