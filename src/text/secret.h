/*
 * secret.h — tell secrets from placeholders in configuration text.
 *
 * Used by the exposure detector on .env files and on plain-text files that
 * hold credentials.  Everything works on caller-owned bytes, allocates
 * nothing and runs in one bounded linear pass, so it is safe on hostile
 * input and from several threads.
 */
#ifndef RONDA_TEXT_SECRET_H
#define RONDA_TEXT_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* Does a configuration key (DB_PASSWORD, app.secret, mailPassword) name a
 * secret?  Keys are split into words on '_', '-', '.' and lower-to-upper
 * case changes; a word like PASSWORD, SECRET or TOKEN, or KEY after API,
 * APP, ACCESS... makes it one. */
bool ronda_secret_key(const char *key, size_t n);

/* Does a value look live rather than like a placeholder ("", "null",
 * "changeme", "your-password-here", "${DB_PASS}", "xxxx", "<secret>")?
 * The value must already be unquoted. */
bool ronda_secret_value_live(const char *v, size_t n);

/* Does a value carry credentials inside a URL ("mysql://user:pw@host")? */
bool ronda_secret_url_has_password(const char *v, size_t n);

struct ronda_env_entry {
	size_t key_off, key_len;      /* the key, in the scanned text */
	size_t value_off, value_len;  /* the value without its quotes */
};

/* Walk KEY=VALUE lines of a dotenv file (optional "export ", quotes,
 * trailing " # comment") and store up to max entries whose key names a
 * secret (or whose value is a URL with a password) and whose value looks
 * live.  Returns how many were found in total (may exceed max). */
size_t ronda_env_secrets(const char *text, size_t len,
			 struct ronda_env_entry *out, size_t max);

/* Overwrite [off, off + n) of buf (of size len) with '*'. */
void ronda_secret_mask(char *buf, size_t len, size_t off, size_t n);

#endif
