/*
 * error.h — the one error enum of ronda.
 *
 * Every core function that can fail returns a ronda_err; RONDA_OK is 0.
 * ronda_strerror() gives a short, translatable, lowercase description.
 * ronda_err_from_errno() maps an errno value onto the enum.
 */
#ifndef RONDA_ERROR_H
#define RONDA_ERROR_H

typedef enum ronda_err {
	RONDA_OK = 0,
	RONDA_ENOMEM,        /* out of memory */
	RONDA_EINVAL,        /* invalid argument or usage */
	RONDA_EIO,           /* input/output error */
	RONDA_ENOENT,        /* no such file or directory */
	RONDA_EPERM,         /* permission denied */
	RONDA_EEXIST,        /* already exists */
	RONDA_ENOTDIR,       /* not a directory */
	RONDA_ELOOP,         /* a symbolic link where none is allowed */
	RONDA_EXDEV,         /* path leaves the root or the filesystem */
	RONDA_ENOSPC,        /* no space left on device */
	RONDA_EROFS,         /* read-only filesystem */
	RONDA_ETOOBIG,       /* input exceeds a configured bound */
	RONDA_EPARSE,        /* malformed input (rules, config, allowlist...) */
	RONDA_ECORRUPT,      /* stored data failed verification */
	RONDA_ESCHEMA,       /* database schema newer than this ronda */
	RONDA_EDB,           /* database error */
	RONDA_EPATTERN,      /* pattern database could not be compiled */
	RONDA_EYARA,         /* YARA rules could not be loaded or run */
	RONDA_ECRYPTO,       /* cryptographic failure (wrong key, bad tag) */
	RONDA_ETIMEOUT,      /* time limit reached */
	RONDA_EBUSY,         /* resource locked by another process */
	RONDA_ECHANGED,      /* file changed while it was being read */
	RONDA_EUNSUPPORTED,  /* not supported on this system */
	RONDA_ENET,          /* network error */
	RONDA_ENOTFOUND,     /* requested object (site, snapshot, id) unknown */
	RONDA_ECANCELED,     /* user declined or operation cancelled */
	RONDA_EINTERNAL,     /* a bug: please report it */
	RONDA_ERR__COUNT
} ronda_err;

/* Translated, static string; never NULL. */
const char *ronda_strerror(ronda_err err);

/* Map errno (e.g. after open(2)) to a ronda_err. */
ronda_err ronda_err_from_errno(int errnum);

#endif
