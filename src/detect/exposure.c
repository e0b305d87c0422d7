/*
 * exposure.c — secrets, backups and copies that a web server hands to
 * anyone who asks: .env files, config backups and editor swap files (served
 * as plain text when the original was PHP), version-control directories,
 * SQL dumps and site archives, private keys, .htpasswd, credentials in
 * text files, world-writable code and error logs.
 *
 * File names are judged from f->name and f->relpath; content with the
 * vectorscan patterns registered at init.  Secret values never reach a
 * snippet or a detail: findings that point at a secret are reported on a
 * copy of the content with the value overwritten by '*'.  VCS directories
 * and world-writable directories are collected during the walk and
 * reported once each from finish().
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/detector.h"
#include "core/error.h"
#include "core/i18n.h"
#include "core/rule.h"
#include "text/secret.h"
#include "text/wordlist.h"
#include "core/util.h"

enum {
	R_ENV, R_CONFIG_BACKUP, R_SOURCE_BACKUP, R_SWAP, R_GIT, R_SVN, R_HG,
	R_SQL_DUMP, R_ARCHIVE, R_PRIVKEY, R_HTPASSWD, R_CREDENTIALS,
	R_WW_FILE, R_WW_DIR, R_ERROR_LOG, R__COUNT
};

static const struct ronda_rule rules[R__COUNT] = {
	[R_ENV] = { "exposure.env-file", RONDA_CAT_EXPOSURE, RONDA_SEV_HIGH, 90,
		N_("a .env file in the web root can be downloaded with its secrets"),
		N_("move the .env file out of the web root or deny it in the server config, then rotate every secret it held") },
	[R_CONFIG_BACKUP] = { "exposure.config-backup", RONDA_CAT_EXPOSURE, RONDA_SEV_HIGH, 90,
		N_("a backup of a configuration file is served as plain text, passwords included"),
		N_("delete the backup and change the database password and keys it contains") },
	[R_SOURCE_BACKUP] = { "exposure.source-backup", RONDA_CAT_EXPOSURE, RONDA_SEV_MEDIUM, 80,
		N_("a backup of a PHP file is served as plain text, exposing its source"),
		N_("delete the backup copy; keep backups outside the web root") },
	[R_SWAP] = { "exposure.editor-swap", RONDA_CAT_EXPOSURE, RONDA_SEV_MEDIUM, 85,
		N_("an editor swap or autosave file exposes the source of the file being edited"),
		N_("delete the swap file and edit files outside the live web root") },
	[R_GIT] = { "exposure.git-dir", RONDA_CAT_EXPOSURE, RONDA_SEV_HIGH, 90,
		N_("a .git directory in the web root lets anyone download the site's source and history"),
		N_("remove the .git directory from the web root (deploy with an export) or deny access to it; rotate secrets ever committed") },
	[R_SVN] = { "exposure.svn-dir", RONDA_CAT_EXPOSURE, RONDA_SEV_HIGH, 85,
		N_("a .svn directory in the web root lets anyone download the site's source"),
		N_("remove the .svn directory from the web root (deploy with svn export) or deny access to it") },
	[R_HG] = { "exposure.hg-dir", RONDA_CAT_EXPOSURE, RONDA_SEV_HIGH, 85,
		N_("a .hg directory in the web root lets anyone download the site's source and history"),
		N_("remove the .hg directory from the web root or deny access to it") },
	[R_SQL_DUMP] = { "exposure.sql-dump", RONDA_CAT_EXPOSURE, RONDA_SEV_HIGH, 90,
		N_("a database dump in the web root can be downloaded with all its data"),
		N_("move the dump out of the web root, check the server logs for downloads, and treat its accounts as leaked") },
	[R_ARCHIVE] = { "exposure.site-archive", RONDA_CAT_EXPOSURE, RONDA_SEV_HIGH, 80,
		N_("an archive of the site or its database can be downloaded from the web root"),
		N_("move the archive out of the web root and rotate the credentials of the site it contains") },
	[R_PRIVKEY] = { "exposure.private-key", RONDA_CAT_EXPOSURE, RONDA_SEV_HIGH, 90,
		N_("a private key is stored where the web server can serve it"),
		N_("remove the key from the web root, revoke it and issue a new one") },
	[R_HTPASSWD] = { "exposure.htpasswd", RONDA_CAT_EXPOSURE, RONDA_SEV_MEDIUM, 85,
		N_("a password file (.htpasswd) is inside the web root: its hashes can be cracked offline if served"),
		N_("keep password files outside the web root and change the passwords if it was reachable") },
	[R_CREDENTIALS] = { "exposure.credentials", RONDA_CAT_EXPOSURE, RONDA_SEV_HIGH, 75,
		N_("credentials are stored in plain text in a file the web server serves as is"),
		N_("remove the file from the web root and rotate the credentials it holds") },
	[R_WW_FILE] = { "exposure.world-writable", RONDA_CAT_EXPOSURE, RONDA_SEV_MEDIUM, 95,
		N_("code is world-writable: any local user or compromised service can change it"),
		N_("chmod o-w the file and let only the deploy user own the code") },
	[R_WW_DIR] = { "exposure.world-writable-dir", RONDA_CAT_EXPOSURE, RONDA_SEV_MEDIUM, 95,
		N_("a world-writable directory holds PHP code: anyone on the host can drop a script there"),
		N_("chmod o-w the directory; give upload folders to the web user alone and forbid PHP in them") },
	[R_ERROR_LOG] = { "exposure.error-log", RONDA_CAT_EXPOSURE, RONDA_SEV_INFO, 80,
		N_("an error or debug log in the web root leaks server paths and versions"),
		N_("log outside the web root (php.ini error_log, WP_DEBUG_LOG path) and delete the log") },
};

/* vectorscan pattern ids */
enum {
	P_SQL_HEADER = 1, P_SQL_MARK, P_CREATE_TABLE, P_INSERT_INTO,
	P_PRIVKEY, P_PRIVKEY_ENC, P_PUTTY, P_AWS_ID, P_TOKEN, P_SECRET_KEY,
	P_USERISH, P_HTPASSWD_LINE, P_PHP_ERROR, P_ARCHIVED_CONFIG,
	P_DB_CRED,
};

#define MAX_REPOS 4096
#define MAX_WW_DIRS 1024
#define MAX_RELATED 5
#define MAX_ENV_SECRETS 64
#define MAX_ENV_LEN ((size_t)1 << 20)

enum { VCS_GIT, VCS_SVN, VCS_HG };

/* what was seen inside a VCS directory */
#define V_HEAD    0x01u
#define V_CONFIG  0x02u
#define V_OBJECTS 0x04u
#define V_INDEX   0x08u
#define V_REFS    0x10u
#define V_DB      0x20u   /* .svn/wc.db, .svn/entries */
#define V_STORE   0x40u   /* .hg/store, .svn/pristine */

struct repo {
	char *path;
	int kind;
	unsigned seen;
	uint64_t n_files;
};

struct ww_dir {
	char *path;
	char *related[MAX_RELATED];
	size_t n_related;
	size_t n_php;
};

struct state {
	struct ronda_wordlist config_names, backup_suffixes, archive_names,
			      log_names;
	pthread_mutex_t lock;
	struct repo *repos;
	size_t n_repos, alloc_repos;
	struct ww_dir *ww;
	size_t n_ww, alloc_ww;
};

static int init(struct ronda_detector_init *di, void **out)
{
	struct state *st = xcalloc(1, sizeof(*st));
	/* RONDA_PAT_NOT_PHP: dumps are SQL or text (check_sql), password
	 * assignments are looked for in text and config files only
	 * (check_credentials), htpasswd lines anywhere but PHP */
	static const struct { const char *expr; unsigned flags, id; } pats[] = {
		{ "^-- (MySQL|MariaDB) dump [0-9]", RONDA_PAT_MULTILINE | RONDA_PAT_SINGLE | RONDA_PAT_NOT_PHP, P_SQL_HEADER },
		{ "^-- PostgreSQL database dump", RONDA_PAT_MULTILINE | RONDA_PAT_SINGLE | RONDA_PAT_NOT_PHP, P_SQL_HEADER },
		{ "^-- phpMyAdmin SQL Dump", RONDA_PAT_MULTILINE | RONDA_PAT_SINGLE | RONDA_PAT_NOT_PHP, P_SQL_HEADER },
		{ "^-- Adminer [0-9.]+ [A-Za-z]+ dump", RONDA_PAT_MULTILINE | RONDA_PAT_SINGLE | RONDA_PAT_NOT_PHP, P_SQL_HEADER },
		{ "^-- HeidiSQL", RONDA_PAT_MULTILINE | RONDA_PAT_SINGLE | RONDA_PAT_NOT_PHP, P_SQL_HEADER },
		{ "^-- Dumping data for table", RONDA_PAT_MULTILINE | RONDA_PAT_SINGLE | RONDA_PAT_NOT_PHP, P_SQL_MARK },
		{ "^LOCK TABLES `", RONDA_PAT_MULTILINE | RONDA_PAT_SINGLE | RONDA_PAT_NOT_PHP, P_SQL_MARK },
		{ "/\\*!40000 ALTER TABLE", RONDA_PAT_SINGLE | RONDA_PAT_NOT_PHP, P_SQL_MARK },
		{ "\\) FROM stdin;", RONDA_PAT_SINGLE | RONDA_PAT_NOT_PHP, P_SQL_MARK },
		{ "^\\s*CREATE TABLE", RONDA_PAT_MULTILINE | RONDA_PAT_CASELESS | RONDA_PAT_NOT_PHP, P_CREATE_TABLE },
		{ "^\\s*INSERT INTO", RONDA_PAT_MULTILINE | RONDA_PAT_CASELESS | RONDA_PAT_NOT_PHP, P_INSERT_INTO },
		{ "-----BEGIN (RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----\\r?\\n([A-Za-z-]+: [^\\n]*\\r?\\n)*\\r?\\n?[A-Za-z0-9+/=]{40}", 0, P_PRIVKEY },
		{ "-----BEGIN ENCRYPTED PRIVATE KEY-----", RONDA_PAT_SINGLE, P_PRIVKEY_ENC },
		{ "Proc-Type: 4,ENCRYPTED", RONDA_PAT_SINGLE, P_PRIVKEY_ENC },
		{ "-----BEGIN PGP PRIVATE KEY BLOCK-----", 0, P_PRIVKEY },
		{ "^PuTTY-User-Key-File-[0-9]: ", RONDA_PAT_MULTILINE | RONDA_PAT_SINGLE, P_PUTTY },
		{ "\\b(AKIA|ASIA)[0-9A-Z]{16}\\b", 0, P_AWS_ID },
		{ "\\bghp_[A-Za-z0-9]{36}\\b", 0, P_TOKEN },
		{ "\\bgithub_pat_[A-Za-z0-9_]{60,}", 0, P_TOKEN },
		{ "\\bsk_live_[0-9a-zA-Z]{20,}", 0, P_TOKEN },
		{ "\\bxox[bpars]-[0-9A-Za-z-]{20,}", 0, P_TOKEN },
		{ "\\bglpat-[0-9A-Za-z_-]{20}", 0, P_TOKEN },
		{ "(pass(word|wd)?|pwd|secret|token|api[_-]?key|access[_-]?key)[A-Za-z0-9_.-]{0,20}[\"']?[ \\t]*[:=][ \\t]*", RONDA_PAT_CASELESS | RONDA_PAT_NOT_PHP, P_SECRET_KEY },
		{ "(user(name)?|login|host(name)?|server|email|account)[\"']?[ \\t]*[:=]", RONDA_PAT_CASELESS | RONDA_PAT_NOT_PHP, P_USERISH },
		{ "^[A-Za-z0-9._@-]{1,64}:(\\$apr1\\$|\\$2[aby]\\$|\\{SHA\\}|\\$[156]\\$)", RONDA_PAT_MULTILINE | RONDA_PAT_NOT_PHP, P_HTPASSWD_LINE },
		{ "PHP (Warning|Notice|Fatal error|Parse error|Deprecated|Stack trace):", RONDA_PAT_SINGLE, P_PHP_ERROR },
		{ "(wp-config|configuration|config\\.inc|LocalSettings|settings|config|koneksi)\\.php|\\.env\\b|/etc/env\\.php", RONDA_PAT_SINGLE, P_ARCHIVED_CONFIG },
		{ "define\\s*\\(\\s*['\"](DB_PASSWORD|DB_PASS)['\"]\\s*,\\s*['\"][^'\"]", RONDA_PAT_SINGLE, P_DB_CRED },
		{ "\\$(db_?pass(word)?|password|pass|dbpwd)\\s*=\\s*['\"][^'\"]", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_DB_CRED },
		{ "['\"]password['\"]\\s*=>\\s*['\"][^'\"]", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_DB_CRED },
	};
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(pats); i++) {
		err = ronda_pattern_add(di, pats[i].expr, pats[i].flags, pats[i].id);
		if (err)
			goto fail;
	}
	if ((err = ronda_wordlist_load(&st->config_names, "exposure-config-names")) ||
	    (err = ronda_wordlist_load(&st->backup_suffixes, "exposure-backup-suffixes")) ||
	    (err = ronda_wordlist_load(&st->archive_names, "exposure-archive-names")) ||
	    (err = ronda_wordlist_load(&st->log_names, "exposure-log-names")))
		goto fail;
	pthread_mutex_init(&st->lock, NULL);
	*out = st;
	return RONDA_OK;
fail:
	ronda_wordlist_release(&st->config_names);
	ronda_wordlist_release(&st->backup_suffixes);
	ronda_wordlist_release(&st->archive_names);
	ronda_wordlist_release(&st->log_names);
	free(st);
	return err;
}

static void release(void *state)
{
	struct state *st = state;

	if (!st)
		return;
	for (size_t i = 0; i < st->n_repos; i++)
		free(st->repos[i].path);
	free(st->repos);
	for (size_t i = 0; i < st->n_ww; i++) {
		free(st->ww[i].path);
		for (size_t j = 0; j < st->ww[i].n_related; j++)
			free(st->ww[i].related[j]);
	}
	free(st->ww);
	ronda_wordlist_release(&st->config_names);
	ronda_wordlist_release(&st->backup_suffixes);
	ronda_wordlist_release(&st->archive_names);
	ronda_wordlist_release(&st->log_names);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

/* ---- helpers ---------------------------------------------------------- */

static bool ends_ci(const char *s, size_t n, const char *suf)
{
	size_t sl = strlen(suf);
	return n >= sl && !strncasecmp(s + n - sl, suf, sl);
}

static bool php_ext(const char *name, size_t n)
{
	static const char *const exts[] = {
		".php", ".phtml", ".php3", ".php4", ".php5", ".php7", ".php8",
		".phps", ".pht", ".inc", NULL,
	};
	for (const char *const *e = exts; *e; e++)
		if (ends_ci(name, n, *e))
			return true;
	return false;
}

static bool ext_in(const char *ext, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(ext, *list))
			return true;
	return false;
}

/* Copy of the content for reports that would otherwise show a secret. */
static char *masked_copy(struct ronda_file *f)
{
	char *m = ronda_file_alloc(f, f->len + 1);

	memcpy(m, f->data, f->len);
	m[f->len] = '\0';
	return m;
}

static int report_masked(struct ronda_file *f, const char *masked,
			 const struct ronda_rule *rule, uint64_t off, int sev,
			 const char *detail)
{
	struct ronda_file mf = *f;

	mf.data = (const unsigned char *)masked;
	return ronda_report_ex(&mf, rule, off, sev, 0, "%s", detail);
}

/* Printable, bounded copy of hostile bytes for a detail message. */
static void clean_copy(char *dst, size_t size, const unsigned char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < size; i++)
		dst[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	dst[o] = '\0';
}

/* ---- .env files ------------------------------------------------------- */

static bool env_name(const char *name, bool *example)
{
	size_t n = strlen(name);

	*example = false;
	if (!strcasecmp(name, ".env") || ends_ci(name, n, ".env") ||
	    !strncasecmp(name, ".env.", 5) || !strncasecmp(name, ".env-", 5) ||
	    !strncasecmp(name, ".env_", 5)) {
		*example = ends_ci(name, n, ".example") || ends_ci(name, n, ".sample") ||
			   ends_ci(name, n, ".dist") || ends_ci(name, n, ".template") ||
			   ends_ci(name, n, ".defaults") || ends_ci(name, n, ".testing") ||
			   ends_ci(name, n, ".test");
		return true;
	}
	return false;
}

static int check_env(struct ronda_file *f, bool example)
{
	struct ronda_env_entry ent[MAX_ENV_SECRETS];
	size_t len = MIN(f->len, MAX_ENV_LEN), n, shown;
	struct ronda_buf keys = RONDA_BUF_INIT(512);
	char *masked;
	int err, sev;

	if (f->cls.flags & RONDA_CF_BINARY)
		return RONDA_OK;
	n = ronda_env_secrets((const char *)f->data, len, ent, MAX_ENV_SECRETS);
	if (!n) {
		if (example)
			return RONDA_OK;
		return ronda_report_ex(f, &rules[R_ENV], 0, RONDA_SEV_LOW, 60, "%s",
				       _("no secret-looking values, but it reveals the application's configuration"));
	}
	shown = MIN(n, (size_t)MAX_ENV_SECRETS);
	masked = masked_copy(f);
	for (size_t i = 0; i < shown; i++) {
		ronda_secret_mask(masked, f->len, ent[i].value_off, ent[i].value_len);
		if (i < 12) {
			if (keys.len)
				ronda_buf_addstr(&keys, ", ");
			/* key bytes are [A-Za-z0-9_.-] by construction */
			ronda_buf_add(&keys, f->data + ent[i].key_off, MIN(ent[i].key_len, (size_t)64));
		}
	}
	if (n > 12)
		ronda_buf_addf(&keys, _(" and %zu more"), n - 12);
	sev = example ? RONDA_SEV_MEDIUM : -1;
	{
		char detail[768];
		snprintf(detail, sizeof(detail), _("secret-looking keys: %s (values masked)"),
			 keys.buf);
		err = report_masked(f, masked, &rules[R_ENV], ent[0].key_off, sev, detail);
	}
	ronda_buf_release(&keys);
	return err;
}

/* ---- backups and swap files ------------------------------------------- */

static bool is_config(const struct state *st, const char *base, size_t n)
{
	char tmp[256];

	if (ronda_wordlist_has(&st->config_names, base, n))
		return true;
	/* "wp-config.old": the suffix replaced ".php" */
	if (n + 5 < sizeof(tmp) && !memchr(base, '.', n)) {
		memcpy(tmp, base, n);
		memcpy(tmp + n, ".php", 5);
		return ronda_wordlist_has(&st->config_names, tmp, n + 4);
	}
	return false;
}

/* Strip backup suffixes off name; returns the length of what remains, or
 * 0 when no suffix matched. */
static size_t strip_backup(const struct state *st, const char *name, size_t n)
{
	size_t orig = n;

	for (int round = 0; round < 3; round++) {
		bool hit = false;

		for (size_t i = 0; i < st->backup_suffixes.n; i++) {
			const char *suf = st->backup_suffixes.v[i];
			size_t sl = strlen(suf);

			if (n <= sl || !ends_ci(name, n, suf))
				continue;
			if (!strcmp(suf, ".txt") && !php_ext(name, n - sl))
				continue;
			n -= sl;
			hit = true;
			break;
		}
		/* ".php.1", ".php.20240101", "config.php_2024-01-01" */
		if (!hit) {
			size_t j = n;
			while (j > 0 && (isdigit((unsigned char)name[j - 1]) || name[j - 1] == '-'))
				j--;
			if (j < n && j > 1 && (name[j - 1] == '.' || name[j - 1] == '_') &&
			    php_ext(name, j - 1)) {
				n = j - 1;
				hit = true;
			}
		}
		if (!hit)
			break;
	}
	return n == orig ? 0 : n;
}

static int check_backup(struct state *st, struct ronda_file *f,
			const struct ronda_hits *hits)
{
	const char *name = f->name;
	size_t n = strlen(name), base_n = 0;
	const char *base = name;
	char shown[128];
	bool swap = false;

	if (n < 2 || n > 255)
		return RONDA_OK;
	if (name[0] == '#' && name[n - 1] == '#' && n > 2) {
		base = name + 1;           /* emacs autosave "#file#" */
		base_n = n - 2;
		swap = true;
	} else if (name[0] == '.' && (ends_ci(name, n, ".swp") || ends_ci(name, n, ".swo") ||
				      ends_ci(name, n, ".swn") || ends_ci(name, n, ".swm"))) {
		base = name + 1;           /* vim ".file.php.swp" */
		base_n = n - 5;
		swap = true;
	} else if (ends_ci(name, n, ".swp") || ends_ci(name, n, ".swo")) {
		base_n = n - 4;
		swap = true;
	} else if (f->len >= 6 && !memcmp(f->data, "b0VIM ", 6)) {
		swap = true;               /* a vim swap under another name */
		base_n = n;
	} else if (name[n - 1] == '~') {
		base_n = n - 1;
		if (!php_ext(name, base_n) && !is_config(st, name, base_n))
			swap = true;       /* "index.html~": editor backup */
	} else {
		base_n = strip_backup(st, name, n);
		if (!base_n)
			return RONDA_OK;
	}
	clean_copy(shown, sizeof(shown), (const unsigned char *)base, MIN(base_n, (size_t)100));

	if (swap) {
		bool cfg = is_config(st, base, base_n);
		return ronda_report_ex(f, &rules[R_SWAP], 0,
				       cfg ? RONDA_SEV_HIGH : -1, 0,
				       cfg ? _("editor file of '%s', a configuration file with credentials")
					   : _("editor file of '%s'"), shown);
	}
	/* a config name counts when the copy is not empty; "koneksi.old"
	 * (".php" replaced) only when it holds PHP */
	if ((f->len && ronda_wordlist_has(&st->config_names, base, base_n)) ||
	    ((f->cls.flags & RONDA_CF_PHP) && is_config(st, base, base_n)) ||
	    (php_ext(base, base_n) && ronda_hits_has(hits, P_DB_CRED)))
		return ronda_report(f, &rules[R_CONFIG_BACKUP], 0,
				    _("copy of '%s', served as plain text"), shown);
	if (php_ext(base, base_n) && (f->cls.flags & RONDA_CF_PHP))
		return ronda_report(f, &rules[R_SOURCE_BACKUP], f->cls.php_offset,
				    _("copy of '%s', served as plain text"), shown);
	return RONDA_OK;
}

/* ---- version control directories -------------------------------------- */

/* Find "<dir>/" in relpath as a whole component; returns its start or -1. */
static long find_component(const char *relpath, const char *dir)
{
	size_t dl = strlen(dir);
	const char *p = relpath;

	while ((p = strstr(p, dir)) != NULL) {
		if ((p == relpath || p[-1] == '/') && p[dl] == '/')
			return (long)(p - relpath);
		p++;
	}
	return -1;
}

static void note_vcs(struct state *st, struct ronda_file *f)
{
	static const char *const dirs[] = { ".git", ".svn", ".hg" };
	size_t rl = strlen(f->relpath), pl = strlen(f->path);
	long at = -1;
	int kind = -1;
	const char *rest;
	unsigned bit = 0;
	size_t dir_len;

	for (int k = 0; k < 3; k++) {
		long a = find_component(f->relpath, dirs[k]);
		if (a >= 0 && (at < 0 || a < at)) {
			at = a;
			kind = k;
		}
	}
	if (at < 0 || pl < rl || memcmp(f->path + pl - rl, f->relpath, rl))
		return;
	rest = f->relpath + at + strlen(dirs[kind]) + 1;
	if (kind == VCS_GIT) {
		if (!strcmp(rest, "HEAD")) bit = V_HEAD;
		else if (!strcmp(rest, "config")) bit = V_CONFIG;
		else if (!strncmp(rest, "objects/", 8)) bit = V_OBJECTS;
		else if (!strcmp(rest, "index")) bit = V_INDEX;
		else if (!strncmp(rest, "refs/", 5) || !strcmp(rest, "packed-refs")) bit = V_REFS;
	} else if (kind == VCS_SVN) {
		if (!strcmp(rest, "wc.db") || !strcmp(rest, "entries")) bit = V_DB;
		else if (!strncmp(rest, "pristine/", 9) || !strncmp(rest, "text-base/", 10)) bit = V_STORE;
	} else {
		if (!strcmp(rest, "requires")) bit = V_HEAD;
		else if (!strcmp(rest, "hgrc")) bit = V_CONFIG;
		else if (!strncmp(rest, "store/", 6)) bit = V_STORE;
		else if (!strcmp(rest, "dirstate")) bit = V_INDEX;
	}
	/* displayed path of the VCS directory: root prefix + relpath part */
	dir_len = (pl - rl) + (size_t)at + strlen(dirs[kind]);

	pthread_mutex_lock(&st->lock);
	for (size_t i = 0; i < st->n_repos; i++) {
		struct repo *r = &st->repos[i];
		if (r->kind == kind && strlen(r->path) == dir_len &&
		    !memcmp(r->path, f->path, dir_len)) {
			r->seen |= bit;
			r->n_files++;
			goto out;
		}
	}
	if (st->n_repos < MAX_REPOS) {
		st->repos = xgrow(st->repos, &st->alloc_repos, st->n_repos + 1,
				  sizeof(*st->repos));
		st->repos[st->n_repos++] = (struct repo){
			xstrndup(f->path, dir_len), kind, bit, 1 };
	}
out:
	pthread_mutex_unlock(&st->lock);
}

static int finish_vcs(struct state *st, struct ronda_finish *fin)
{
	for (size_t i = 0; i < st->n_repos; i++) {
		const struct repo *r = &st->repos[i];
		struct ronda_buf what = RONDA_BUF_INIT(256);
		int sev, err;
		const struct ronda_rule *rule;

		if (r->kind == VCS_GIT) {
			rule = &rules[R_GIT];
			if ((r->seen & (V_HEAD | V_CONFIG)) == (V_HEAD | V_CONFIG) &&
			    (r->seen & (V_OBJECTS | V_INDEX)))
				sev = RONDA_SEV_HIGH;
			else if (r->seen & (V_HEAD | V_CONFIG | V_INDEX))
				sev = RONDA_SEV_MEDIUM;
			else
				sev = RONDA_SEV_LOW;
		} else {
			rule = &rules[r->kind == VCS_SVN ? R_SVN : R_HG];
			sev = (r->seen & (V_DB | V_STORE | V_CONFIG | V_HEAD)) ?
				RONDA_SEV_HIGH : RONDA_SEV_LOW;
			if (r->seen && !(r->seen & (V_DB | V_STORE)))
				sev = RONDA_SEV_MEDIUM;
		}
		if (r->seen & V_HEAD) ronda_buf_addstr(&what, r->kind == VCS_HG ? " requires" : " HEAD");
		if (r->seen & V_CONFIG) ronda_buf_addstr(&what, r->kind == VCS_HG ? " hgrc" : " config");
		if (r->seen & V_INDEX) ronda_buf_addstr(&what, r->kind == VCS_HG ? " dirstate" : " index");
		if (r->seen & V_OBJECTS) ronda_buf_addstr(&what, " objects/");
		if (r->seen & V_REFS) ronda_buf_addstr(&what, " refs");
		if (r->seen & V_DB) ronda_buf_addstr(&what, " wc.db/entries");
		if (r->seen & V_STORE) ronda_buf_addstr(&what, r->kind == VCS_HG ? " store/" : " pristine/");
		err = ronda_finish_report(fin, r->path, rule, sev, NULL, 0,
					  _("%llu files; holds:%s"),
					  (unsigned long long)r->n_files,
					  what.len ? what.buf : _(" nothing that identifies a repository"));
		ronda_buf_release(&what);
		if (err)
			return err;
	}
	return RONDA_OK;
}

/* ---- world-writable code ---------------------------------------------- */

static void note_ww_dir(struct state *st, struct ronda_file *f)
{
	const char *slash = strrchr(f->path, '/');
	size_t dl = slash ? (size_t)(slash - f->path) : 0;
	char *dir;
	struct stat sb;

	if (!slash)
		return;
	dir = xstrndup(f->path, dl ? dl : 1);
	if (lstat(dir, &sb) || !S_ISDIR(sb.st_mode) || !(sb.st_mode & S_IWOTH)) {
		free(dir);
		return;
	}
	pthread_mutex_lock(&st->lock);
	for (size_t i = 0; i < st->n_ww; i++) {
		struct ww_dir *w = &st->ww[i];
		if (!strcmp(w->path, dir)) {
			if (w->n_related < MAX_RELATED)
				w->related[w->n_related++] = xstrdup(f->path);
			w->n_php++;
			free(dir);
			dir = NULL;
			break;
		}
	}
	if (dir && st->n_ww < MAX_WW_DIRS) {
		struct ww_dir *w;
		st->ww = xgrow(st->ww, &st->alloc_ww, st->n_ww + 1, sizeof(*st->ww));
		w = &st->ww[st->n_ww++];
		memset(w, 0, sizeof(*w));
		w->path = dir;
		w->related[w->n_related++] = xstrdup(f->path);
		w->n_php = 1;
		dir = NULL;
	}
	pthread_mutex_unlock(&st->lock);
	free(dir);
}

static int finish_ww(struct state *st, struct ronda_finish *fin)
{
	for (size_t i = 0; i < st->n_ww; i++) {
		const struct ww_dir *w = &st->ww[i];
		int err = ronda_finish_report(fin, w->path, &rules[R_WW_DIR], -1,
					      (const char *const *)w->related,
					      w->n_related,
					      _("world-writable directory holding %zu PHP files"),
					      w->n_php);
		if (err)
			return err;
	}
	return RONDA_OK;
}

/* Folders of translations and of shipped examples or tests: their
 * "password" strings are labels and demo data, not somebody's secrets. */
static bool path_has_dir(const char *relpath, const char *const *dirs)
{
	const char *p = relpath;

	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n;

		if (!slash)
			break;          /* the file name itself does not count */
		n = (size_t)(slash - p);
		for (const char *const *d = dirs; *d; d++)
			if (strlen(*d) == n && !strncasecmp(p, *d, n))
				return true;
		p = slash + 1;
	}
	return false;
}

static bool translation_path(const char *relpath)
{
	static const char *const dirs[] = {
		"i18n", "l10n", "lang", "langs", "language", "languages", "locale",
		"locales", "translations", "po", NULL,
	};
	return path_has_dir(relpath, dirs);
}

static bool in_sample_dir(const char *relpath)
{
	static const char *const dirs[] = {
		"test", "tests", "_test", "testing", "testdata", "test-data",
		"fixtures", "example", "examples", "sample", "samples", "demo", NULL,
	};
	return path_has_dir(relpath, dirs);
}

/* ---- dumps and archives ----------------------------------------------- */

static int check_sql(struct ronda_file *f, const struct ronda_hits *hits)
{
	const struct ronda_hit *h;
	size_t n_ins;
	int sev;

	if (f->cls.type != RONDA_FT_SQL && f->cls.type != RONDA_FT_TEXT)
		return RONDA_OK;
	/* dumps kept as test data of an application: say so, lower */
	sev = in_sample_dir(f->relpath) ? RONDA_SEV_MEDIUM : -1;
	h = ronda_hits_first(hits, P_SQL_HEADER);
	if (h && h->end < 4096)
		return ronda_report_ex(f, &rules[R_SQL_DUMP], h->end, sev, 0, "%s",
				       _("database dump written by a dump tool"));
	if (!ronda_hits_has(hits, P_CREATE_TABLE) && !ronda_hits_has(hits, P_INSERT_INTO))
		return RONDA_OK;
	n_ins = ronda_hits_count(hits, P_INSERT_INTO);
	if (ronda_hits_has(hits, P_SQL_MARK)) {
		h = ronda_hits_first(hits, P_SQL_MARK);
		return ronda_report_ex(f, &rules[R_SQL_DUMP], h->end, sev, 0, "%s",
				       _("database dump (table data with dump markers)"));
	}
	h = ronda_hits_first(hits, ronda_hits_has(hits, P_INSERT_INTO) ? P_INSERT_INTO : P_CREATE_TABLE);
	/* schema files shipped with applications: say so, quietly; one
	 * with more statements than the engine keeps hits of is data */
	if (n_ins >= RONDA_HITS_PER_PATTERN || hits->overflow)
		return ronda_report_ex(f, &rules[R_SQL_DUMP], h->end, RONDA_SEV_LOW, 50,
				       _("SQL file with %zu or more INSERT statements and no dump header"),
				       n_ins);
	return ronda_report_ex(f, &rules[R_SQL_DUMP], h->end, RONDA_SEV_INFO, 50,
			       _("SQL file with %zu INSERT statements and no dump header"),
			       n_ins);
}

static const char *const archive_exts[] = {
	"zip", "tar", "gz", "tgz", "7z", "rar", "bz2", "tbz", "tbz2", "xz",
	"txz", "zst", "tzst", "bak", "old", "backup", "", NULL,
};

/* Does name (lower-cased, archive extensions removed) carry a word from
 * the archive-names list, bounded by non-letters? */
static const char *archive_word(const struct state *st, const char *stem)
{
	size_t sl = strlen(stem);
	const char *best = NULL;

	for (size_t i = 0; i < st->archive_names.n; i++) {
		const char *w = st->archive_names.v[i];
		size_t wl = strlen(w);
		const char *p = stem;

		if (best && strlen(best) >= wl)
			continue;         /* keep the longest word that matches */
		while ((p = strstr(p, w)) != NULL) {
			size_t at = (size_t)(p - stem);
			bool lb = at == 0 || !isalpha((unsigned char)stem[at - 1]);
			bool rb = at + wl >= sl || !isalpha((unsigned char)stem[at + wl]);
			if (lb && rb) {
				best = w;
				break;
			}
			p++;
		}
	}
	return best;
}

static int check_archive(struct state *st, struct ronda_file *f,
			 const struct ronda_hits *hits)
{
	char stem[256];
	size_t n;
	const char *word;
	static const char *const strip[] = {
		".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tgz", ".tbz2",
		".tbz", ".txz", ".tar", ".zip", ".7z", ".rar", ".gz", ".bz2",
		".xz", ".zst", ".bak", ".old", ".backup", NULL,
	};

	if (!(f->cls.flags & RONDA_CF_ARCHIVE_MAGIC) || !ext_in(f->ext, archive_exts))
		return RONDA_OK;
	n = strlen(f->name);
	if (n >= sizeof(stem))
		return RONDA_OK;
	for (size_t i = 0; i <= n; i++)
		stem[i] = (char)tolower((unsigned char)f->name[i]);
	for (int round = 0; round < 3; round++) {
		bool hit = false;
		for (const char *const *s = strip; *s; s++) {
			if (ends_ci(stem, n, *s) && n > strlen(*s)) {
				n -= strlen(*s);
				stem[n] = '\0';
				hit = true;
				break;
			}
		}
		if (!hit)
			break;
	}
	if (ends_ci(stem, n, ".sql") || ends_ci(stem, n, ".dump"))
		return ronda_report_ex(f, &rules[R_SQL_DUMP], 0,
				       in_sample_dir(f->relpath) ? RONDA_SEV_MEDIUM : -1, 0,
				       "%s", _("compressed database dump"));
	/* "manual.1.gz", "page.html.gz": one compressed file, not a site */
	{
		const char *dot = strrchr(stem, '.');
		if (dot && dot[1] && strlen(dot + 1) <= 5 && strcmp(dot + 1, "tar") &&
		    !strstr(stem, ".go.") && !strstr(stem, ".ac.") &&
		    !strstr(stem, ".sch.") && !strstr(stem, ".desa."))
			return RONDA_OK;
	}
	if (ronda_hits_has(hits, P_ARCHIVED_CONFIG) &&
	    ((f->len >= 4 && !memcmp(f->data, "PK\x03\x04", 4)) ||
	     (f->len > 262 && !memcmp(f->data + 257, "ustar", 5))))
		return ronda_report(f, &rules[R_ARCHIVE], 0, "%s",
				    _("the archive lists a configuration file of a site"));
	word = archive_word(st, stem);
	if (word)
		return ronda_report(f, &rules[R_ARCHIVE], 0,
				    _("archive named like a site or database copy ('%s')"), word);
	return RONDA_OK;
}

/* ---- keys and credentials --------------------------------------------- */

static int check_keys(struct ronda_file *f, const struct ronda_hits *hits,
		      char **masked)
{
	const struct ronda_hit *h = ronda_hits_first(hits, P_PRIVKEY);
	bool code = f->cls.type == RONDA_FT_PHP;
	size_t begin, body, end, back;
	const unsigned char *p, *e;
	int sev = -1;

	if (!h)
		h = ronda_hits_first(hits, P_PUTTY);
	if (!h)
		return RONDA_OK;
	if (code || ronda_hits_has(hits, P_PRIVKEY_ENC) || in_sample_dir(f->relpath))
		sev = RONDA_SEV_MEDIUM;
	/* the header line starts at most a few hundred bytes before the hit */
	back = MIN((size_t)h->end, (size_t)512);
	begin = (size_t)h->end - back;
	p = memmem(f->data + begin, back, "-----BEGIN", 10);
	if (!p)
		p = memmem(f->data + begin, back, "PuTTY-User-Key-File", 19);
	begin = p ? (size_t)(p - f->data) : begin;
	body = begin;
	while (body < f->len && f->data[body] != '\n')
		body++;
	e = memmem(f->data + body, f->len - body, "-----END", 8);
	end = e ? (size_t)(e - f->data) : MIN(f->len, body + 8192);
	if (!*masked)
		*masked = masked_copy(f);
	ronda_secret_mask(*masked, f->len, body, end > body ? end - body : 0);
	return report_masked(f, *masked, &rules[R_PRIVKEY], begin, sev,
			     code ? _("private key embedded in code (key body masked)") :
			     in_sample_dir(f->relpath) ? _("key in an example or test folder (key body masked)") :
			     _("key body masked"));
}

/* A "key: value" / "key = value" / "\"key\": \"value\"" assignment. */
struct cred {
	size_t ks, ke, vs, ve;
};

static bool secret_last_word(const unsigned char *k, size_t n)
{
	static const char *const last[] = {
		"password", "passwd", "pass", "pwd", "secret", "token", "key",
		"apikey", "passphrase", "sandi", NULL,
	};
	size_t s = n;

	while (s > 0 && isalnum(k[s - 1]))
		s--;
	if (s == n)
		return false;
	/* camelCase: "dbPassword" ends with the word "Password" */
	for (size_t i = n - 1; i > s; i--)
		if (isupper(k[i]) && islower(k[i - 1])) {
			s = i;
			break;
		}
	for (const char *const *w = last; *w; w++)
		if (strlen(*w) == n - s && !strncasecmp((const char *)k + s, *w, n - s))
			return true;
	return false;
}

static bool parse_assignment(const struct ronda_file *f, size_t vs, struct cred *c)
{
	const unsigned char *d = f->data;
	bool json = !strcmp(f->ext, "json");
	size_t ks, ke, ve, b;
	unsigned char q = 0;

	if (vs >= f->len)
		return false;
	ke = vs;
	while (ke > 0 && (d[ke - 1] == ' ' || d[ke - 1] == '\t' || d[ke - 1] == ':' ||
			  d[ke - 1] == '=' || d[ke - 1] == '"' || d[ke - 1] == '\''))
		ke--;
	ks = ke;
	while (ks > 0 && ke - ks < 64 && (isalnum(d[ks - 1]) || d[ks - 1] == '_' ||
					  d[ks - 1] == '-' || d[ks - 1] == '.'))
		ks--;
	if (ks == ke || !secret_last_word(d + ks, ke - ks) ||
	    !ronda_secret_key((const char *)d + ks, ke - ks))
		return false;
	/* the key must start an entry: at the start of a line (after blanks,
	 * a quote, a list bullet) or, in JSON, after '{' or ',' */
	b = ks;
	if (b > 0 && (d[b - 1] == '"' || d[b - 1] == '\''))
		b--;
	while (b > 0 && (d[b - 1] == ' ' || d[b - 1] == '\t'))
		b--;
	if (b > 0 && d[b - 1] != '\n' && d[b - 1] != '\r' &&
	    !(json && (d[b - 1] == '{' || d[b - 1] == ',')) &&
	    !(!json && (d[b - 1] == '-' || d[b - 1] == '*') &&
	      (b == 1 || d[b - 2] == '\n' || d[b - 2] == ' ')))
		return false;
	if (d[vs] == '"' || d[vs] == '\'')
		q = d[vs++];
	else if (json)
		return false;         /* JSON secrets are strings */
	ve = vs;
	while (ve < f->len && ve - vs < 256 && d[ve] > 0x20 && d[ve] < 0x7f &&
	       (q ? d[ve] != q : (d[ve] != ',' && d[ve] != ';' && d[ve] != '}' &&
				  d[ve] != '<')))
		ve++;
	if (ve - vs < 4 || ve - vs >= 128 || d[ve - 1] == ':' ||
	    (q && (ve >= f->len || d[ve] != q)) ||
	    (!q && ve < f->len && d[ve] != '\n' && d[ve] != '\r' && d[ve] != ' ' &&
	     d[ve] != '\t' && d[ve] != ',' && d[ve] != ';' && d[ve] != '}' && d[ve] != '<'))
		return false;         /* not one printable ASCII word */
	/* "@PASSWORD@", "%pass%", "{{ secret }}": template placeholders */
	if (!isalnum(d[vs]) && d[vs] == d[ve - 1])
		return false;
	if (!ronda_secret_value_live((const char *)d + vs, ve - vs))
		return false;
	c->ks = ks;
	c->ke = ke;
	c->vs = vs;
	c->ve = ve;
	return true;
}

static const char *const plain_exts[] = {
	"txt", "log", "csv", "dat", "bak", "old", "sql", "json", NULL,
};
static const char *const conf_exts[] = {
	"yml", "yaml", "ini", "conf", "cfg", "cnf", "xml", "properties", "toml", NULL,
};

static bool value_strong(const char *v, size_t n)
{
	bool lo = false, up = false, dg = false, sy = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];
		if (islower(c)) lo = true;
		else if (isupper(c)) up = true;
		else if (isdigit(c)) dg = true;
		else sy = true;
	}
	return n >= 8 && (dg || sy) && (lo || up) && lo + up + dg + sy >= 2;
}

static int check_credentials(struct ronda_file *f, const struct ronda_hits *hits,
			     char **masked)
{
	bool plain = ext_in(f->ext, plain_exts), conf = ext_in(f->ext, conf_exts);
	bool text = f->cls.type != RONDA_FT_PHP && f->cls.type != RONDA_FT_HTML &&
		    f->cls.type != RONDA_FT_JS && !(f->cls.flags & RONDA_CF_BINARY);
	const struct ronda_hit *h;
	int err;

	/* cloud and service tokens: anywhere except code that is not served */
	h = ronda_hits_first(hits, P_TOKEN);
	if (!h) {
		for (size_t i = 0; i < hits->n; i++) {
			const struct ronda_hit *a = &hits->v[i];
			if (a->id == P_AWS_ID && a->end >= 20 &&
			    memcmp(f->data + a->end - 7, "EXAMPLE", 7)) {
				h = a;
				break;
			}
		}
	}
	if (h && !(f->cls.flags & RONDA_CF_BINARY)) {
		size_t s = (size_t)h->end, b = s;
		while (b > 0 && s - b < 200 && (isalnum(f->data[b - 1]) ||
						f->data[b - 1] == '_' || f->data[b - 1] == '-'))
			b--;
		if (!*masked)
			*masked = masked_copy(f);
		/* keep the 4-character prefix that says what kind of token */
		ronda_secret_mask(*masked, f->len, b + 4, s - b > 4 ? s - b - 4 : 0);
		err = report_masked(f, *masked, &rules[R_CREDENTIALS], b,
				    f->cls.type == RONDA_FT_PHP ? RONDA_SEV_MEDIUM : -1,
				    _("access token or cloud key (masked)"));
		if (err)
			return err;
	}
	if (!text || (!plain && !conf) || translation_path(f->relpath) ||
	    ends_ci(f->name, strlen(f->name), ".map.json"))
		return RONDA_OK;
	for (size_t i = 0; i < hits->n; i++) {
		const struct ronda_hit *a = &hits->v[i];
		struct cred c;
		bool near_user = false, strong;
		int sev;

		if (a->id != P_SECRET_KEY || !parse_assignment(f, (size_t)a->end, &c))
			continue;
		for (size_t j = 0; j < hits->n; j++) {
			const struct ronda_hit *u = &hits->v[j];
			if (u->id == P_USERISH && u->end + 512 > a->end && u->end < a->end + 512) {
				near_user = true;
				break;
			}
		}
		strong = value_strong((const char *)f->data + c.vs, c.ve - c.vs);
		if (!near_user && !strong)
			continue;
		sev = plain && (strcmp(f->ext, "json") || strong) ? -1 : RONDA_SEV_MEDIUM;
		if (in_sample_dir(f->relpath))
			sev = RONDA_SEV_MEDIUM;
		if (!*masked)
			*masked = masked_copy(f);
		ronda_secret_mask(*masked, f->len, c.vs, c.ve - c.vs);
		{
			char key[72], detail[160];
			clean_copy(key, sizeof(key), f->data + c.ks, c.ke - c.ks);
			snprintf(detail, sizeof(detail),
				 _("'%s' holds a password-like value (masked)"), key);
			return report_masked(f, *masked, &rules[R_CREDENTIALS], c.ks, sev, detail);
		}
	}
	return RONDA_OK;
}

/* ---- the rest ---------------------------------------------------------- */

static int check_htpasswd(struct ronda_file *f, const struct ronda_hits *hits,
			  char **masked)
{
	const struct ronda_hit *h = ronda_hits_first(hits, P_HTPASSWD_LINE);
	bool named = !strncasecmp(f->name, ".htpasswd", 9) ||
		     !strncasecmp(f->name, "htpasswd", 8) ||
		     !strncasecmp(f->name, ".htusers", 8);
	char detail[96];

	if (f->cls.type == RONDA_FT_PHP || (f->cls.flags & RONDA_CF_BINARY))
		return RONDA_OK;
	if (!named && !h)
		return RONDA_OK;
	/* hide every hash: "user:" stays, the rest of the line goes */
	if (!*masked)
		*masked = masked_copy(f);
	for (size_t i = 0; i < f->len; ) {
		const unsigned char *nl = memchr(f->data + i, '\n', f->len - i);
		size_t e = nl ? (size_t)(nl - f->data) : f->len;
		const unsigned char *colon = memchr(f->data + i, ':', e - i);

		if (colon && (size_t)(colon - f->data) + 1 < e) {
			size_t s = (size_t)(colon - f->data) + 1;
			ronda_secret_mask(*masked, f->len, s, e - s);
		}
		i = e + 1;
	}
	snprintf(detail, sizeof(detail), _("%zu password hash lines (masked)"),
		 ronda_hits_count(hits, P_HTPASSWD_LINE));
	return report_masked(f, *masked, &rules[R_HTPASSWD], h ? h->end : 0, -1, detail);
}

static int check_log(struct state *st, struct ronda_file *f,
		     const struct ronda_hits *hits)
{
	const struct ronda_hit *h = ronda_hits_first(hits, P_PHP_ERROR);
	bool named = ronda_wordlist_has(&st->log_names, f->name, strlen(f->name));

	if (f->cls.flags & RONDA_CF_BINARY)
		return RONDA_OK;
	if (!named && !(h && !strcmp(f->ext, "log")))
		return RONDA_OK;
	if (h) {
		/* show the first leaked path: " in /...php on line" */
		const unsigned char *p = memmem(f->data + h->end, MIN(f->len - h->end, (size_t)2048),
						" in /", 5);
		if (p) {
			char path[120];
			size_t k = 4, off = (size_t)(p - f->data) + 4;
			while (off + k - 4 < f->len && k - 4 < 100 && p[k] > ' ' && p[k] < 0x7f &&
			       p[k] != ':')
				k++;
			clean_copy(path, sizeof(path), p + 4, k - 4);
			return ronda_report(f, &rules[R_ERROR_LOG], off,
					    _("PHP errors reveal paths such as '%s'"), path);
		}
		return ronda_report(f, &rules[R_ERROR_LOG], h->end, "%s",
				    _("PHP error messages"));
	}
	return ronda_report(f, &rules[R_ERROR_LOG], 0, "%s",
			    _("log file named like an error or debug log"));
}

static int scan(void *state, struct ronda_file *f, const struct ronda_hits *hits)
{
	struct state *st = state;
	char *masked = NULL;
	bool example;
	int err;

	if (f->depth != 0)
		return RONDA_OK;
	if (find_component(f->relpath, ".git") >= 0 ||
	    find_component(f->relpath, ".svn") >= 0 ||
	    find_component(f->relpath, ".hg") >= 0) {
		note_vcs(st, f);
		return RONDA_OK;   /* reported once per repository, by finish() */
	}
	if (f->st && S_ISREG(f->st->st_mode) && f->cls.type == RONDA_FT_PHP) {
		if (f->st->st_mode & S_IWOTH) {
			err = ronda_report(f, &rules[R_WW_FILE], 0, _("mode %04o"),
					   (unsigned)(f->st->st_mode & 07777));
			if (err)
				return err;
		}
		note_ww_dir(st, f);
	}
	if (env_name(f->name, &example))
		return check_env(f, example);
	if ((err = check_backup(st, f, hits)))
		return err;
	if ((err = check_sql(f, hits)))
		return err;
	if ((err = check_archive(st, f, hits)))
		return err;
	if ((err = check_keys(f, hits, &masked)))
		return err;
	if ((err = check_credentials(f, hits, &masked)))
		return err;
	if ((err = check_htpasswd(f, hits, &masked)))
		return err;
	return check_log(st, f, hits);
}

static int finish(void *state, struct ronda_finish *fin)
{
	struct state *st = state;
	int err = finish_vcs(st, fin);

	return err ? err : finish_ww(st, fin);
}

const struct ronda_detector ronda_detector_exposure = { .name = "exposure", .summary = N_("secrets, backups, dumps, archives and VCS directories exposed in the web root"), .rules = rules, .n_rules = R__COUNT, .init = init, .release = release, .scan = scan, .finish = finish, .dynamic_rules = NULL };
