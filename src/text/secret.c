/*
 * secret.c — secret-looking keys, placeholder values and dotenv parsing
 * (see secret.h).  No allocation; every loop is bounded by its input.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "text/secret.h"
#include "core/util.h"

#define MAX_WORDS 16
#define MAX_WORD 24

struct word {
	char s[MAX_WORD];
};

/* Split a key into lower-case words at '_', '-', '.', spaces and at a
 * lower-to-upper case change ("mailPassword" -> mail, password). */
static size_t split_words(const char *key, size_t n, struct word *w, size_t max)
{
	size_t nw = 0, wl = 0;

	for (size_t i = 0; i <= n && nw < max; i++) {
		char c = i < n ? key[i] : '\0';
		bool sep = !isalnum((unsigned char)c);
		bool camel = i > 0 && i < n && isupper((unsigned char)c) &&
			     islower((unsigned char)key[i - 1]);

		if ((sep || camel) && wl) {
			w[nw].s[wl] = '\0';
			nw++;
			wl = 0;
		}
		if (!sep && nw < max && wl + 1 < MAX_WORD)
			w[nw].s[wl++] = (char)tolower((unsigned char)c);
	}
	return nw;
}

static bool word_in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(w, *list))
			return true;
	return false;
}

/* Words that make a key secret wherever they appear. */
static const char *const secret_words[] = {
	"password", "passwd", "pass", "pwd", "passphrase", "secret",
	"secrets", "token", "apikey", "credential", "credentials", "salt",
	"privatekey", "dbpass", "dbpassword", "sandi", "katasandi", NULL,
};
/* A trailing word that says the key names something else than the secret
 * itself (PASSWORD_RESET_TIMEOUT, TOKEN_LIFETIME, SECRET_FILE...). */
static const char *const not_secret_last[] = {
	"id", "name", "user", "username", "host", "port", "path", "file",
	"dir", "driver", "lifetime", "ttl", "expire", "expires", "expiry",
	"timeout", "length", "min", "max", "enabled", "enable", "type", "algo",
	"algorithm", "cost", "rounds", "prefix", "header", "field", "mode",
	"url", "uri", "endpoint", "policy", "reset", "storage", "table", NULL,
};
/* KEY is public after these words (reCAPTCHA site key, Stripe publishable). */
static const char *const public_key_prev[] = {
	"public", "publishable", "site", "cache", "pub", "foreign", "primary",
	"sort", "partition", "lookup", "map", "route", NULL,
};

bool ronda_secret_key(const char *key, size_t n)
{
	struct word w[MAX_WORDS];
	size_t nw = split_words(key, n, w, MAX_WORDS);

	if (!nw || word_in(w[nw - 1].s, not_secret_last))
		return false;
	for (size_t i = 0; i < nw; i++) {
		if (word_in(w[i].s, secret_words))
			return true;
		if (!strcmp(w[i].s, "key") &&
		    (i == 0 || !word_in(w[i - 1].s, public_key_prev)))
			return true;
	}
	return false;
}

static bool all_same(const char *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[0])
			return false;
	return true;
}

static bool starts_ci(const char *v, size_t n, const char *pfx)
{
	size_t pl = strlen(pfx);
	return n >= pl && !strncasecmp(v, pfx, pl);
}

static bool equals_ci(const char *v, size_t n, const char *s)
{
	return strlen(s) == n && !strncasecmp(v, s, n);
}

bool ronda_secret_value_live(const char *v, size_t n)
{
	static const char *const placeholders[] = {
		"null", "nil", "none", "false", "true", "changeme", "change_me",
		"change-me", "secret", "password", "passwd", "example", "sample",
		"dummy", "placeholder", "todo", "fixme", "replaceme",
		"replace_me", "test", "testing", "foo", "bar", "foobar",
		"base64:", "undefined", "empty", "default", "put your unique phrase here",
		NULL,
	};
	static const char *const prefixes[] = {
		"${", "%env(", "%", "<", "[", "{{", "your", "insert",
		"enter", "replace", "change", "example", "xxx", "***", "...", NULL,
	};

	while (n && isspace((unsigned char)*v)) {
		v++;
		n--;
	}
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	if (n < 2 || all_same(v, n))
		return false;
	if (v[0] == '$' && (isalpha((unsigned char)v[1]) || v[1] == '_'))
		return false;           /* a variable reference, not a value */
	for (const char *const *p = placeholders; *p; p++)
		if (equals_ci(v, n, *p))
			return false;
	for (const char *const *p = prefixes; *p; p++)
		if (starts_ci(v, n, *p))
			return false;
	return true;
}

bool ronda_secret_url_has_password(const char *v, size_t n)
{
	const char *sep = memmem(v, n, "://", 3);
	size_t i;
	const char *colon = NULL;

	if (!sep)
		return false;
	i = (size_t)(sep - v) + 3;
	for (; i < n && v[i] != '/' && v[i] != '@'; i++)
		if (v[i] == ':' && !colon)
			colon = v + i;
	if (i >= n || v[i] != '@' || !colon)
		return false;
	/* user:password@ with a non-empty, non-placeholder password */
	return ronda_secret_value_live(colon + 1, (size_t)(v + i - colon - 1));
}

static bool key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

size_t ronda_env_secrets(const char *text, size_t len,
			 struct ronda_env_entry *out, size_t max)
{
	size_t i = 0, found = 0;

	while (i < len) {
		size_t ks, ke, vs, ve;

		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i + 7 <= len && !memcmp(text + i, "export ", 7))
			i += 7;
		ks = i;
		while (i < len && key_char(text[i]))
			i++;
		ke = i;
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (ke == ks || i >= len || text[i] != '=') {
			/* not an assignment: skip the line */
			const char *nl = memchr(text + i, '\n', len - i);
			i = nl ? (size_t)(nl - text) + 1 : len;
			continue;
		}
		i++;
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i < len && (text[i] == '"' || text[i] == '\'')) {
			char q = text[i++];
			const char *end = memchr(text + i, q, len - i);

			vs = i;
			ve = end ? (size_t)(end - text) : len;
			i = ve < len ? ve + 1 : len;
		} else {
			vs = i;
			while (i < len && text[i] != '\n' && text[i] != '\r' &&
			       !(text[i] == '#' && i > vs &&
				 (text[i - 1] == ' ' || text[i - 1] == '\t')))
				i++;
			ve = i;
			while (ve > vs && (text[ve - 1] == ' ' || text[ve - 1] == '\t'))
				ve--;
		}
		{
			const char *nl = i < len ? memchr(text + i, '\n', len - i) : NULL;
			i = nl ? (size_t)(nl - text) + 1 : len;
		}
		if ((ronda_secret_key(text + ks, ke - ks) &&
		     ronda_secret_value_live(text + vs, ve - vs)) ||
		    ronda_secret_url_has_password(text + vs, ve - vs)) {
			if (found < max) {
				out[found].key_off = ks;
				out[found].key_len = ke - ks;
				out[found].value_off = vs;
				out[found].value_len = ve - vs;
			}
			found++;
		}
	}
	return found;
}

void ronda_secret_mask(char *buf, size_t len, size_t off, size_t n)
{
	if (off >= len)
		return;
	if (n > len - off)
		n = len - off;
	for (size_t i = 0; i < n; i++)
		if (buf[off + i] != '\n' && buf[off + i] != '\r')
			buf[off + i] = '*';
}
