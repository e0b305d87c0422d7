/*
 * filemgr.h — who owns a single-file file manager: webshell or dualuse.
 *
 * Both detectors recognise file managers: dualuse by the tool's capability
 * set (list, upload, edit, delete from a multipart form), webshell by request
 * input reaching the file operations.  Exactly one finding is made per file:
 *   - a recognisable tool (dualuse's capability set) that asks for no
 *     password, is hidden (a dot path), dropped in an upload folder or found
 *     in a decoded layer (obfuscated) is a webshell: dualuse reports
 *     webshell.file-manager;
 *   - a plain recognisable tool with a login is dual-use:
 *     dualuse.file-manager, and the
 *     webshell detector (which runs after dualuse) then stays silent;
 *   - anything else webshell's own analysis finds is webshell.file-manager.
 */
#ifndef RONDA_DETECT_FILEMGR_H
#define RONDA_DETECT_FILEMGR_H

#include <stdbool.h>

#include "core/classify.h"
#include "core/detector.h"

#define RONDA_FILEMGR_DUALUSE_RULE "dualuse.file-manager"

/* webshell.file-manager (defined in webshell.c) */
extern const struct ronda_rule *const ronda_filemgr_webshell_rule;

/* Does this file manager show what makes it a webshell rather than a tool?
 * has_login: the file has a password field. */
static inline bool ronda_filemgr_webshell_signals(const struct ronda_file *f,
						  bool has_login)
{
	return !has_login || f->depth > 0 ||
	       (f->cls.flags & (RONDA_CF_HIDDEN_PATH | RONDA_CF_IN_UPLOADS)) != 0;
}

#endif
