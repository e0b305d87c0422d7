/*
 * dualuse.c — administration tools that are not malware by themselves but
 * have no place in a production web root: database managers (Adminer-like
 * single files, SQL consoles with a connection form, phpMyAdmin copies in
 * odd places), single-file file managers, phpinfo() pages, server-info
 * scripts and opcache/APC status pages.  Attackers leave them behind next to
 * their spam (THREATS.md §1, support artifacts); operators forget them.
 *
 * Identification is structural: a tool is a set of capabilities found in
 * one PHP file (connect + credentials form + SQL box; list + upload +
 * delete + edit...), each capability a vectorscan marker; a phpinfo page is
 * a file whose code, once skimmed of comments and blanks, is nothing but
 * phpinfo().  Findings are category dual-use, severity medium or low.
 */
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/detector.h"
#include "core/error.h"
#include "core/hscache.h"
#include "core/i18n.h"
#include "lang/php_skim.h"
#include "core/util.h"
#include "detect/filemgr.h"

enum { R_DBMGR, R_FILEMGR, R_PHPINFO, R_SERVERINFO, R_OPCACHE, R__COUNT };

static const struct ronda_rule rules[R__COUNT] = {
	[R_DBMGR] = { "dualuse.db-manager", RONDA_CAT_DUAL_USE, RONDA_SEV_MEDIUM, 80,
		N_("a web database manager: anyone who finds it can try passwords against the database"),
		N_("remove the tool from the web root; if it is needed, put it behind the server's authentication and an IP allowlist") },
	[R_FILEMGR] = { "dualuse.file-manager", RONDA_CAT_DUAL_USE, RONDA_SEV_MEDIUM, 75,
		N_("a single-file web file manager: it can upload, edit and delete any file the web user can reach"),
		N_("remove it unless you installed it on purpose; attackers drop these next to their spam") },
	[R_PHPINFO] = { "dualuse.phpinfo", RONDA_CAT_DUAL_USE, RONDA_SEV_MEDIUM, 90,
		N_("a phpinfo() page shows the PHP configuration, paths and environment variables to anyone"),
		N_("delete the page; use the command line (php -i) when you need this information") },
	[R_SERVERINFO] = { "dualuse.server-info", RONDA_CAT_DUAL_USE, RONDA_SEV_LOW, 60,
		N_("a test script prints server details (versions, users, paths, disabled functions)"),
		N_("delete test scripts from the production web root") },
	[R_OPCACHE] = { "dualuse.opcache-status", RONDA_CAT_DUAL_USE, RONDA_SEV_LOW, 75,
		N_("an opcache/APC status page lists the cached scripts and may let visitors reset the cache"),
		N_("remove the status page or protect it with the server's authentication") },
};

enum {
	P_CONNECT = 1, P_FORM_HOST, P_FORM_PASS, P_SQL_BOX, P_SQL_NAME, P_SHOW, P_ADMINER_AUTH,
	P_ADMINER, P_PMA, P_LIST, P_UPLOAD, P_DELETE, P_WRITE, P_RENAME, P_CHMOD,
	P_MKDIR, P_MULTIPART, P_META, P_PHPINFO, P_SRV_UNAME,
	P_SRV_VERSION, P_SRV_EXT, P_SRV_INI, P_SRV_DISK, P_SRV_LOAD, P_SRV_USER,
	P_SRV_DUMP, P_SRV_DISABLED, P_SRV_SOFTWARE, P_OPC_STATUS, P_OPC_CONF,
	P_OPC_RESET, P_APC_INFO, P_APC_SMA, P__COUNT
};

struct dualuse {
	struct ronda_hs_set input;
};

static int init(struct ronda_detector_init *di, void **state)
{
	static const struct { const char *expr; unsigned flags, id; } pats[] = {
		{ "\\b(mysqli_connect|mysql_connect|pg_connect|pg_pconnect|sqlsrv_connect|oci_connect|mysqli_real_connect)\\s*\\(", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_CONNECT },
		{ "\\bnew\\s+(mysqli|PDO)\\s*\\(", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_CONNECT },
		{ "name\\s*=\\s*[\\\\]?[\"']?(host|server|hostname|db_?host|dbserver|servername|db_?server)[\\\\]?[\"'\\s>/]", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_FORM_HOST },
		{ "type\\s*=\\s*[\\\\]?[\"']?password", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_FORM_PASS },
		{ "<textarea\\b", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_SQL_BOX },
		{ "name\\s*=\\s*[\\\\]?[\"']?(sql|query|sqlquery|sql_query|sqlcmd|perintah)[\\\\]?[\"'\\s>]", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_SQL_NAME },
		{ "SHOW\\s+(FULL\\s+)?(TABLES|DATABASES|COLUMNS)\\b", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_SHOW },
		{ "auth\\[(server|username|password|driver|db)\\]", RONDA_PAT_SINGLE, P_ADMINER_AUTH },
		{ "\\bAdminer\\b", 0, P_ADMINER },
		{ "phpMyAdmin", RONDA_PAT_SINGLE, P_PMA },
		{ "\\b(scandir|opendir|readdir|glob)\\s*\\(", RONDA_PAT_SINGLE, P_LIST },
		{ "\\bmove_uploaded_file\\s*\\(", RONDA_PAT_SINGLE, P_UPLOAD },
		{ "\\b(unlink|rmdir)\\s*\\(", RONDA_PAT_SINGLE, P_DELETE },
		{ "\\b(file_put_contents|fwrite|fputs)\\s*\\(", RONDA_PAT_SINGLE, P_WRITE },
		{ "\\brename\\s*\\(", RONDA_PAT_SINGLE, P_RENAME },
		{ "\\bchmod\\s*\\(", RONDA_PAT_SINGLE, P_CHMOD },
		{ "\\bmkdir\\s*\\(", RONDA_PAT_SINGLE, P_MKDIR },
		{ "multipart/form-data", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_MULTIPART },
		{ "\\b(filemtime|fileperms|filesize|is_writable)\\s*\\(", RONDA_PAT_SINGLE, P_META },
		{ "\\bphpinfo\\s*\\(", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_PHPINFO },
		{ "\\bphp_uname\\s*\\(", RONDA_PAT_SINGLE, P_SRV_UNAME },
		{ "\\b(phpversion\\s*\\(|PHP_VERSION\\b)", RONDA_PAT_SINGLE, P_SRV_VERSION },
		{ "\\bget_loaded_extensions\\s*\\(", RONDA_PAT_SINGLE, P_SRV_EXT },
		{ "\\bini_get_all\\s*\\(", RONDA_PAT_SINGLE, P_SRV_INI },
		{ "\\bdisk_(free|total)_space\\s*\\(", RONDA_PAT_SINGLE, P_SRV_DISK },
		{ "\\bsys_getloadavg\\s*\\(", RONDA_PAT_SINGLE, P_SRV_LOAD },
		{ "\\b(getmyuid|getmypid|get_current_user|posix_getpwuid|posix_geteuid)\\s*\\(", RONDA_PAT_SINGLE, P_SRV_USER },
		{ "\\b(print_r|var_dump|var_export)\\s*\\(\\s*\\$_(SERVER|ENV)\\s*\\)", RONDA_PAT_SINGLE, P_SRV_DUMP },
		{ "\\bgetenv\\s*\\(\\s*\\)", RONDA_PAT_SINGLE, P_SRV_DUMP },
		{ "ini_get\\s*\\(\\s*['\"](disable_functions|safe_mode|open_basedir)", RONDA_PAT_SINGLE, P_SRV_DISABLED },
		{ "\\$_SERVER\\s*\\[\\s*['\"](SERVER_SOFTWARE|DOCUMENT_ROOT|SERVER_ADDR)", RONDA_PAT_SINGLE, P_SRV_SOFTWARE },
		{ "\\bopcache_get_status\\s*\\(", RONDA_PAT_SINGLE, P_OPC_STATUS },
		{ "\\bopcache_get_configuration\\s*\\(", RONDA_PAT_SINGLE, P_OPC_CONF },
		{ "\\b(opcache_reset|opcache_invalidate|apcu?_clear_cache)\\s*\\(", RONDA_PAT_SINGLE, P_OPC_RESET },
		{ "\\bapcu?_cache_info\\s*\\(", RONDA_PAT_SINGLE, P_APC_INFO },
		{ "\\bapcu?_sma_info\\s*\\(", RONDA_PAT_SINGLE, P_APC_SMA },
	};

	/* request input ($_GET[...]): asked last, by two rules, so scanned
	 * only then (ronda_hs_set), not by the engine for every file */
	static const char *const input[] = { "\\$_(GET|POST|REQUEST)\\s*\\[" };
	static const unsigned input_flags[] = { HS_FLAG_SINGLEMATCH };
	struct dualuse *st;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(pats); i++) {
		err = ronda_pattern_add(di, pats[i].expr, pats[i].flags, pats[i].id);
		if (err)
			return err;
	}
	st = xcalloc(1, sizeof(*st));
	err = ronda_hs_set_compile(&st->input, input, input_flags, 1);
	if (err) {
		free(st);
		return err;
	}
	*state = st;
	return RONDA_OK;
}

static void release(void *state)
{
	struct dualuse *st = state;

	if (st)
		ronda_hs_set_free(&st->input);
	free(st);
}

static bool has_input(const struct dualuse *st, const struct ronda_file *f)
{
	return ronda_hs_set_any(&st->input, f->data, f->len);
}

static uint64_t at(const struct ronda_hits *h, unsigned id)
{
	const struct ronda_hit *x = ronda_hits_first(h, id);
	return x ? x->end : 0;
}

#define SKIM_MAX 4096

/* Is the skimmed code nothing but phpinfo() calls (and exit/die)? */
static bool only_phpinfo(const char *code)
{
	const char *p = code;
	bool seen = false;

	while (*p) {
		const char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n && *p == '@') {
			p++;
			n--;
		}
		if (n >= 9 && !strncasecmp(p, "phpinfo(", 8) && p[n - 1] == ')') {
			for (size_t i = 8; i + 1 < n; i++)
				if (!isupper((unsigned char)p[i]) && !isdigit((unsigned char)p[i]) &&
				    p[i] != '_' && p[i] != '|' && p[i] != '-' && p[i] != ' ')
					return false;
			seen = true;
		} else if (n && !((n == 4 && !strncasecmp(p, "exit", 4)) ||
				  (n == 3 && !strncasecmp(p, "die", 3)) ||
				  (n == 6 && !strncasecmp(p, "exit()", 6)) ||
				  (n == 5 && !strncasecmp(p, "die()", 5)))) {
			return false;
		}
		p += n + (end ? 1 : 0);
	}
	return seen;
}

static int check_phpinfo(struct ronda_file *f, const struct ronda_hits *hits)
{
	char *code;
	struct ronda_php_skim sk;

	if (!ronda_hits_has(hits, P_PHPINFO) || f->len > 64 * 1024)
		return RONDA_OK;
	code = ronda_file_alloc(f, SKIM_MAX);
	ronda_php_skim(f->data, f->len, code, SKIM_MAX, &sk);
	if (sk.truncated || !only_phpinfo(code))
		return RONDA_OK;
	return ronda_report(f, &rules[R_PHPINFO], at(hits, P_PHPINFO), "%s",
			    _("the file's code is only a phpinfo() call"));
}

static int check_dbmgr(const struct dualuse *st, struct ronda_file *f,
		       const struct ronda_hits *hits)
{
	bool connect = ronda_hits_has(hits, P_CONNECT);
	bool form = ronda_hits_has(hits, P_FORM_HOST) || ronda_hits_has(hits, P_FORM_PASS);
	size_t n_adminer = ronda_hits_count(hits, P_ADMINER);

	if (ronda_hits_has(hits, P_ADMINER_AUTH) && (n_adminer >= 2 || connect))
		return ronda_report(f, &rules[R_DBMGR], at(hits, P_ADMINER_AUTH),
				    "%s", _("Adminer-style login (auth[server], auth[username]...)"));
	if (connect && form && ronda_hits_has(hits, P_SQL_BOX) &&
	    ronda_hits_has(hits, P_SQL_NAME) && has_input(st, f))
		return ronda_report(f, &rules[R_DBMGR], at(hits, P_SQL_BOX), "%s",
				    _("database connection form with a box for SQL statements"));
	if (connect && ronda_hits_has(hits, P_FORM_HOST) && ronda_hits_has(hits, P_FORM_PASS) &&
	    ronda_hits_has(hits, P_SHOW) && has_input(st, f))
		return ronda_report(f, &rules[R_DBMGR], at(hits, P_SHOW), "%s",
				    _("asks for a database server and password, then lists databases or tables"));
	/* a phpMyAdmin copy dropped where no one installs one */
	if (ronda_hits_has(hits, P_PMA) && !strcasecmp(f->name, "index.php") &&
	    (f->cls.flags & (RONDA_CF_IN_UPLOADS | RONDA_CF_HIDDEN_PATH)))
		return ronda_report(f, &rules[R_DBMGR], at(hits, P_PMA), "%s",
				    _("phpMyAdmin front page in an upload or hidden folder"));
	return RONDA_OK;
}

static int check_filemgr(const struct dualuse *st, struct ronda_file *f,
			 const struct ronda_hits *hits)
{
	unsigned extra = ronda_hits_has(hits, P_RENAME) + ronda_hits_has(hits, P_CHMOD) +
			 ronda_hits_has(hits, P_MKDIR) + ronda_hits_has(hits, P_META);
	bool login;

	if (!ronda_hits_has(hits, P_LIST) ||
	    !ronda_hits_has(hits, P_UPLOAD) || !ronda_hits_has(hits, P_DELETE) ||
	    !ronda_hits_has(hits, P_WRITE) || !ronda_hits_has(hits, P_MULTIPART) ||
	    extra < 2 || !has_input(st, f))
		return RONDA_OK;
	login = ronda_hits_has(hits, P_FORM_PASS);
	if (ronda_filemgr_webshell_signals(f, login))
		return ronda_report(f, ronda_filemgr_webshell_rule, at(hits, P_UPLOAD), "%s",
				    login ? _("a hidden or obfuscated file manager lists, uploads, edits and deletes files")
					  : _("a file manager without a password lists, uploads, edits and deletes files"));
	return ronda_report(f, &rules[R_FILEMGR], at(hits, P_UPLOAD), "%s",
			    _("lists, uploads, edits and deletes files from request parameters"));
}

static int check_serverinfo(struct ronda_file *f, const struct ronda_hits *hits)
{
	static const unsigned ids[] = {
		P_SRV_UNAME, P_SRV_VERSION, P_SRV_EXT, P_SRV_INI, P_SRV_DISK,
		P_SRV_LOAD, P_SRV_USER, P_SRV_DUMP, P_SRV_DISABLED, P_SRV_SOFTWARE,
	};
	unsigned n = 0;
	uint64_t first = UINT64_MAX;

	if (f->len > 16 * 1024 || ronda_hits_has(hits, P_PHPINFO))
		return RONDA_OK;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		uint64_t e = at(hits, ids[i]);
		if (ronda_hits_has(hits, ids[i])) {
			n++;
			first = MIN(first, e);
		}
	}
	/* a dump of $_SERVER/$_ENV on its own is enough in a tiny file */
	if (n >= 4)
		return ronda_report(f, &rules[R_SERVERINFO], first,
				    _("prints %u kinds of server details"), n);
	if (ronda_hits_has(hits, P_SRV_DUMP) && f->len <= 512)
		return ronda_report(f, &rules[R_SERVERINFO], at(hits, P_SRV_DUMP), "%s",
				    _("dumps $_SERVER or the environment"));
	return RONDA_OK;
}

static int check_opcache(struct ronda_file *f, const struct ronda_hits *hits)
{
	bool page = (f->cls.flags & RONDA_CF_HTML) != 0;

	if (page && ronda_hits_has(hits, P_OPC_STATUS) &&
	    (ronda_hits_has(hits, P_OPC_CONF) || ronda_hits_has(hits, P_OPC_RESET)))
		return ronda_report(f, &rules[R_OPCACHE], at(hits, P_OPC_STATUS), "%s",
				    _("opcache status page"));
	if (page && ronda_hits_has(hits, P_APC_INFO) && ronda_hits_has(hits, P_APC_SMA))
		return ronda_report(f, &rules[R_OPCACHE], at(hits, P_APC_INFO), "%s",
				    _("APC/APCu status page"));
	return RONDA_OK;
}

static int scan(void *state, struct ronda_file *f, const struct ronda_hits *hits)
{
	int err;

	if (f->cls.type != RONDA_FT_PHP || !hits->n)
		return RONDA_OK;
	if ((err = check_phpinfo(f, hits)) || (err = check_dbmgr(state, f, hits)) ||
	    (err = check_filemgr(state, f, hits)) || (err = check_serverinfo(f, hits)))
		return err;
	return check_opcache(f, hits);
}

const struct ronda_detector ronda_detector_dualuse = { .name = "dualuse", .summary = N_("database managers, file managers, phpinfo and status pages left in the web root"), .rules = rules, .n_rules = R__COUNT, .init = init, .release = release, .scan = scan, .finish = NULL, .dynamic_rules = NULL };
