/*
 * error.c — descriptions for ronda_err and the errno mapping.
 */
#include <errno.h>

#include "core/error.h"
#include "core/i18n.h"

static const char *const messages[RONDA_ERR__COUNT] = {
	[RONDA_OK] = N_("success"),
	[RONDA_ENOMEM] = N_("out of memory"),
	[RONDA_EINVAL] = N_("invalid argument"),
	[RONDA_EIO] = N_("input/output error"),
	[RONDA_ENOENT] = N_("no such file or directory"),
	[RONDA_EPERM] = N_("permission denied"),
	[RONDA_EEXIST] = N_("already exists"),
	[RONDA_ENOTDIR] = N_("not a directory"),
	[RONDA_ELOOP] = N_("symbolic link not allowed here"),
	[RONDA_EXDEV] = N_("path leaves the root or its filesystem"),
	[RONDA_ENOSPC] = N_("no space left on device"),
	[RONDA_EROFS] = N_("read-only filesystem"),
	[RONDA_ETOOBIG] = N_("input too large"),
	[RONDA_EPARSE] = N_("malformed input"),
	[RONDA_ECORRUPT] = N_("stored data is corrupted"),
	[RONDA_ESCHEMA] = N_("database was written by a newer ronda; upgrade ronda"),
	[RONDA_EDB] = N_("database error"),
	[RONDA_EPATTERN] = N_("pattern database could not be compiled"),
	[RONDA_EYARA] = N_("YARA rules could not be loaded"),
	[RONDA_ECRYPTO] = N_("decryption failed: wrong key or damaged data"),
	[RONDA_ETIMEOUT] = N_("time limit reached"),
	[RONDA_EBUSY] = N_("locked by another ronda process"),
	[RONDA_ECHANGED] = N_("file changed while being read"),
	[RONDA_EUNSUPPORTED] = N_("not supported on this system"),
	[RONDA_ENET] = N_("network error"),
	[RONDA_ENOTFOUND] = N_("not found"),
	[RONDA_ECANCELED] = N_("cancelled"),
	[RONDA_EINTERNAL] = N_("internal error; please report this bug"),
};

const char *ronda_strerror(ronda_err err)
{
	if ((unsigned)err >= RONDA_ERR__COUNT || !messages[err])
		return _("unknown error");
	return _(messages[err]);
}

ronda_err ronda_err_from_errno(int errnum)
{
	switch (errnum) {
	case 0: return RONDA_OK;
	case ENOMEM: return RONDA_ENOMEM;
	case EINVAL: return RONDA_EINVAL;
	case ENOENT: return RONDA_ENOENT;
	case EACCES: case EPERM: return RONDA_EPERM;
	case EEXIST: return RONDA_EEXIST;
	case ENOTDIR: return RONDA_ENOTDIR;
	case ELOOP: return RONDA_ELOOP;
	case EXDEV: return RONDA_EXDEV;
	case ENOSPC: case EDQUOT: return RONDA_ENOSPC;
	case EROFS: return RONDA_EROFS;
	case EFBIG: case ENAMETOOLONG: case E2BIG: return RONDA_ETOOBIG;
	case ETIMEDOUT: return RONDA_ETIMEOUT;
	case EBUSY: case EAGAIN: return RONDA_EBUSY;
	case ENOSYS: case EOPNOTSUPP: return RONDA_EUNSUPPORTED;
	default: return RONDA_EIO;
	}
}
