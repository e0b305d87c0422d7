/*
 * vaultcli.h — what the vault commands (snapshot, snapshots, restore,
 * quarantine, vault, clean) share: opening the state database and the
 * vault with one-line errors, finding sites, turning command-line paths
 * into paths relative to a site's root, formatting times.
 */
#ifndef RONDA_CLI_VAULTCLI_H
#define RONDA_CLI_VAULTCLI_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "state/db.h"
#include "vault/vault.h"

/* Open the database and the vault (locked).  key_opt (--key) falls back to
 * $RONDA_KEY_FILE.  Prints the error and returns false on failure. */
bool vaultcli_open(const char *state_opt, const char *key_opt, bool create,
		   struct ronda_db **db, struct ronda_vault *v);
/* Writers call this: an encrypted vault without --key is refused, so no
 * file is stored unencrypted by mistake. */
bool vaultcli_need_key(struct ronda_vault *v);
void vaultcli_close(struct ronda_db *db, struct ronda_vault *v);

/* "[ROOT] [--site NAME]" -> a site; with create, unknown sites are added.
 * Prints the error and returns false on failure. */
bool vaultcli_site(struct ronda_db *db, const char *root, const char *name,
		   bool create, struct ronda_site *out);

/* The known site whose root holds `path` (longest match).  False (no
 * message) when none does. */
bool vaultcli_site_of(struct ronda_db *db, const char *path, struct ronda_site *out);

/* A command-line path (absolute or relative to the working directory)
 * made relative to root; "" for the root itself.  False if outside. */
bool vaultcli_relpath(const char *root, const char *arg, struct ronda_buf *out);

/* "2024-05-01 13:02:11" in local time. */
void vaultcli_time(int64_t ns, char *out, size_t n);

#endif
