/*
 * vaultcli.c — shared front-end helpers of the vault commands.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/statecli.h"
#include "cli/vaultcli.h"

bool vaultcli_open(const char *state_opt, const char *key_opt, bool create,
		   struct ronda_db **db, struct ronda_vault *v)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	const char *key = key_opt ? key_opt : getenv("RONDA_KEY_FILE");
	bool ok = false;

	memset(v, 0, sizeof(*v));
	*db = statecli_open(state_opt, create);
	if (!*db)
		goto out;
	if (ronda_vault_open(*db, statecli_dir(), key && *key ? key : NULL, v, &err)) {
		cli_error("%s", err.buf);
		ronda_db_close(*db);
		*db = NULL;
		goto out;
	}
	ok = true;
out:
	ronda_buf_release(&err);
	return ok;
}

bool vaultcli_need_key(struct ronda_vault *v)
{
	if (ronda_store_encrypted(v->store) || !ronda_store_key_expected(v->store))
		return true;
	cli_error(_("this vault is encrypted: give its key with --key FILE or $RONDA_KEY_FILE"));
	return false;
}

void vaultcli_close(struct ronda_db *db, struct ronda_vault *v)
{
	ronda_vault_close(v);
	if (db)
		ronda_db_close(db);
}

bool vaultcli_site(struct ronda_db *db, const char *root, const char *name,
		   bool create, struct ronda_site *out)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	int rc;

	if (create && (rc = ronda_db_begin(db, &err)))
		goto fail;
	rc = ronda_site_resolve(db, root, name, create, out, &err);
	if (create) {
		if (rc)
			ronda_db_rollback(db);
		else if ((rc = ronda_db_commit(db, &err)))
			ronda_site_release(out);
	}
fail:
	if (rc)
		cli_error("%s", err.len ? err.buf : ronda_strerror(rc));
	ronda_buf_release(&err);
	return rc == RONDA_OK;
}

static void normalise(const char *abs, struct ronda_buf *out)
{
	const char *p = abs;

	ronda_buf_reset(out);
	while (*p) {
		const char *s;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		s = strchr(p, '/');
		n = s ? (size_t)(s - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (out->len && out->buf[out->len - 1] != '/')
				out->len--;
			if (out->len)
				out->len--;
			out->buf[out->len] = '\0';
		} else {
			ronda_buf_addch(out, '/');
			ronda_buf_add(out, p, n);
		}
		p += n;
	}
	if (!out->len)
		ronda_buf_addch(out, '/');
}

static bool strip_root(const char *root, const char *abs, struct ronda_buf *out)
{
	size_t n = strlen(root);

	if (!strcmp(root, "/")) {
		ronda_buf_reset(out);
		ronda_buf_addstr(out, abs + 1);
		return true;
	}
	if (strncmp(abs, root, n) || (abs[n] && abs[n] != '/'))
		return false;
	ronda_buf_reset(out);
	ronda_buf_addstr(out, abs[n] ? abs + n + 1 : "");
	return true;
}

bool vaultcli_relpath(const char *root, const char *arg, struct ronda_buf *out)
{
	struct ronda_buf abs = RONDA_BUF_INIT(PATH_MAX * 4), norm = RONDA_BUF_INIT(PATH_MAX * 4);
	char cwd[PATH_MAX];
	bool ok = false;

	if (arg[0] != '/') {
		if (!getcwd(cwd, sizeof(cwd)))
			goto out;
		ronda_buf_addf(&abs, "%s/%s", cwd, arg);
	} else {
		ronda_buf_addstr(&abs, arg);
	}
	normalise(abs.buf, &norm);
	if (strip_root(root, norm.buf, out)) {
		ok = true;
		goto out;
	}
	/* the operator may reach the root through a symlink (/var/www -> /srv):
	 * resolve the directory part, never the last component */
	{
		char *slash = strrchr(norm.buf, '/'), *real;

		if (!slash)
			goto out;
		*slash = '\0';
		real = realpath(norm.len && slash != norm.buf ? norm.buf : "/", NULL);
		if (!real)
			goto out;
		ronda_buf_reset(&abs);
		ronda_buf_addf(&abs, "%s/%s", strcmp(real, "/") ? real : "", slash + 1);
		free(real);
		ok = strip_root(root, abs.buf, out);
	}
out:
	ronda_buf_release(&abs);
	ronda_buf_release(&norm);
	return ok;
}

bool vaultcli_site_of(struct ronda_db *db, const char *path, struct ronda_site *out)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096), rel = RONDA_BUF_INIT(PATH_MAX * 4);
	struct ronda_site *sites = NULL;
	size_t n = 0, best = SIZE_MAX, best_len = 0;

	memset(out, 0, sizeof(*out));
	if (ronda_site_list(db, &sites, &n, &err) == RONDA_OK) {
		for (size_t i = 0; i < n; i++) {
			size_t l = strlen(sites[i].root);

			if (vaultcli_relpath(sites[i].root, path, &rel) &&
			    (best == SIZE_MAX || l > best_len)) {
				best = i;
				best_len = l;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (i == best)
			*out = sites[i];
		else
			ronda_site_release(&sites[i]);
	}
	free(sites);
	ronda_buf_release(&err);
	ronda_buf_release(&rel);
	return best != SIZE_MAX;
}

void vaultcli_time(int64_t ns, char *out, size_t n)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, n, "?");
}
