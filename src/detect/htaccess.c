/*
 * htaccess.c — server settings that make gambling doorways resolve, cloak
 * for crawlers or execute PHP where it does not belong.
 *
 * Reads .htaccess (Apache syntax) and .user.ini / php.ini (INI syntax)
 * through the bounded tokenizer of lang/serverconf.h and judges:
 *   - RewriteCond on HTTP_USER_AGENT / HTTP_REFERER / REMOTE_ADDR naming
 *     Google/Bing crawlers or search engines, followed by a RewriteRule that
 *     serves something (not a block): cloaking;
 *   - RewriteCond on Accept-Language (Indonesian, not Indonesian, or
 *     empty as crawlers send it) followed by a RewriteRule serving a text,
 *     HTML or script file, a gambling-looking or off-site target rather
 *     than a language version of the site: cloaking;
 *   - catch-all RewriteRules sending every path to a PHP script that is not
 *     a CMS front controller, or to a gambling-looking target: doorways
 *     (the WordPress/Laravel/Drupal "not a file, not a dir -> index.php"
 *     shape is normal and stays silent);
 *   - ErrorDocument 404 to "/" or to a PHP script that is not the front;
 *   - AddType/AddHandler/SetHandler/ForceType giving image or text
 *     extensions to PHP (or CGI);
 *   - auto_prepend_file / auto_append_file and php_value tricks
 *     (allow_url_include, disable_functions, open_basedir...).
 */
#include <string.h>
#include <strings.h>

#include "core/detector.h"
#include "core/error.h"
#include "core/i18n.h"
#include "lang/serverconf.h"
#include "text/seo_words.h"
#include "core/util.h"

enum {
	R_CLOAK_UA, R_CLOAK_REF, R_CLOAK_IP, R_CLOAK_LANG, R_DOORWAY, R_ERRORDOC, R_HANDLER,
	R_PREPEND, R_SETTING, R__COUNT
};

static const struct ronda_rule rules[R__COUNT] = {
	[R_CLOAK_UA] = { "judol.htaccess.cloak-ua", RONDA_CAT_CLOAKER,
		RONDA_SEV_HIGH, 80,
		N_("a rewrite rule serves different content when the User-Agent is a search engine crawler"),
		N_("remove the RewriteCond/RewriteRule pair, then look for the script or page it serves and for how the .htaccess was changed") },
	[R_CLOAK_REF] = { "judol.htaccess.cloak-referer", RONDA_CAT_CLOAKER,
		RONDA_SEV_HIGH, 75,
		N_("a rewrite rule sends visitors arriving from a search engine somewhere else"),
		N_("remove the RewriteCond/RewriteRule pair and check the target it rewrites or redirects to") },
	[R_CLOAK_IP] = { "judol.htaccess.cloak-ip", RONDA_CAT_CLOAKER,
		RONDA_SEV_HIGH, 75,
		N_("a rewrite rule serves different content to Google's crawler addresses"),
		N_("remove the RewriteCond/RewriteRule pair and check the target it serves") },
	[R_CLOAK_LANG] = { "judol.htaccess.cloak-lang", RONDA_CAT_CLOAKER,
		RONDA_SEV_HIGH, 75,
		N_("a rewrite rule serves another page depending on the visitor's Accept-Language (Indonesian or not, or none as crawlers send)"),
		N_("remove the RewriteCond/RewriteRule pair and check the page it serves; a real language switch points at a language version of the site") },
	[R_DOORWAY] = { "judol.htaccess.doorway-rewrite", RONDA_CAT_SEO_SPAM,
		RONDA_SEV_MEDIUM, 65,
		N_("a catch-all rewrite sends arbitrary paths to a script that is not the site's front controller, the shape of a doorway generator"),
		N_("check the target script; if it is not part of your application remove it and the rewrite rule") },
	[R_ERRORDOC] = { "misconfig.htaccess.errordocument", RONDA_CAT_MISCONFIG,
		RONDA_SEV_MEDIUM, 60,
		N_("missing pages are answered by the home page or by a script, so any injected doorway URL resolves"),
		N_("point ErrorDocument 404 at a static error page or remove it; check the target script") },
	[R_HANDLER] = { "misconfig.htaccess.php-handler", RONDA_CAT_MISCONFIG,
		RONDA_SEV_HIGH, 85,
		N_("image or text file extensions are executed as PHP, so an uploaded picture can be a webshell"),
		N_("remove the AddType/AddHandler/SetHandler line and look for PHP code in files with those extensions") },
	[R_PREPEND] = { "misconfig.htaccess.auto-prepend", RONDA_CAT_MISCONFIG,
		RONDA_SEV_HIGH, 80,
		N_("a PHP file is run before or after every script through auto_prepend_file/auto_append_file"),
		N_("check the named file: unless it is a firewall you installed, remove the setting and the file") },
	[R_SETTING] = { "misconfig.htaccess.php-setting", RONDA_CAT_MISCONFIG,
		RONDA_SEV_MEDIUM, 70,
		N_("a PHP setting that weakens the server is changed for this directory"),
		N_("remove the setting unless you made it on purpose; PHP security settings belong in the server configuration") },
};

#define MAX_CONDS 16

struct cond {
	char var[48];
	char pattern[256];
	bool negated;
	uint64_t offset;
};

static bool is_name(const char *name, const char *want)
{
	return !strcasecmp(name, want);
}

static bool has_word(const char *s, const char *w)
{
	return strcasestr(s, w) != NULL;
}

/* "[L,R=301,NC]" style flags contain a blocking flag. */
static bool blocking_flags(const char *flags)
{
	const char *p = flags;

	while (p && *p) {
		while (*p == '[' || *p == ',' || *p == ' ')
			p++;
		if ((p[0] == 'F' || p[0] == 'f' || p[0] == 'G' || p[0] == 'g') &&
		    (p[1] == ',' || p[1] == ']' || p[1] == '\0'))
			return true;
		if (!strncasecmp(p, "forbidden", 9) || !strncasecmp(p, "gone", 4) ||
		    !strncasecmp(p, "R=4", 3))
			return true;
		p = strchr(p, ',');
	}
	return false;
}

static bool blocking_target(const char *target)
{
	char host[256];

	if (!strcmp(target, "-"))
		return true;
	if (ronda_url_host(target, strlen(target), host, sizeof(host)) &&
	    (!strcmp(host, "127.0.0.1") || !strcmp(host, "localhost") ||
	     !strcmp(host, "0.0.0.0")))
		return true;
	return false;
}

/* Pattern with Apache regex escapes removed ("66\.249" -> "66.249"). */
static void unescape(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in && o + 1 < size; in++) {
		if (*in == '\\' && in[1])
			in++;
		out[o++] = *in;
	}
	out[o] = '\0';
}

/* A pattern that matches (nearly) any path: no literal word of three or
 * more letters outside character classes, apart from a .html/.php tail. */
static bool catch_all(const char *pat)
{
	size_t run = 0;
	int cls = 0;

	for (const char *p = pat; *p; p++) {
		if (*p == '\\' && p[1]) {
			if (!strncasecmp(p, "\\.htm", 5) || !strncasecmp(p, "\\.php", 5)) {
				p += 4;
				while (p[1] && p[1] != '$' && p[1] != ')')
					p++;
			} else {
				p++;
			}
			run = 0;
			continue;
		}
		if (*p == '[') {
			cls = 1;
		} else if (*p == ']') {
			cls = 0;
		} else if (!cls && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
				    *p == '_')) {
			if (++run >= 3)
				return false;
			continue;
		}
		run = 0;
	}
	return true;
}

/* Path of a rewrite target without query string, leading "/" kept. */
static size_t target_path_len(const char *t)
{
	size_t n = 0;

	while (t[n] && t[n] != '?' && t[n] != '#' && t[n] != ' ')
		n++;
	return n;
}

static bool ends_with_ci(const char *s, size_t n, const char *suf)
{
	size_t sl = strlen(suf);
	return n >= sl && !strncasecmp(s + n - sl, suf, sl);
}

static bool php_target(const char *t, size_t n)
{
	return ends_with_ci(t, n, ".php") || ends_with_ci(t, n, ".phtml") ||
	       ends_with_ci(t, n, ".php5") || ends_with_ci(t, n, ".php7");
}

/* Accept-Language condition: what it selects, or NULL when it names no
 * Indonesian and no empty header. */
static const char *lang_selects(const struct cond *c)
{
	const char *p = c->pattern;
	bool id = false;

	if (!strcmp(p, "^$") || !strcmp(p, "^-?$") || !strcmp(p, "^\\s*$"))
		return c->negated ? NULL : _("no Accept-Language, as crawlers send");
	for (const char *q = p; *q; q++) {
		/* "id" / "in" as a language tag: not inside a longer word */
		if ((q[0] == 'i' || q[0] == 'I') &&
		    (q[1] == 'd' || q[1] == 'D' || q[1] == 'n' || q[1] == 'N') &&
		    (q == p || !((q[-1] >= 'a' && q[-1] <= 'z') || (q[-1] >= 'A' && q[-1] <= 'Z'))) &&
		    !((q[2] >= 'a' && q[2] <= 'z') || (q[2] >= 'A' && q[2] <= 'Z'))) {
			id = true;
			break;
		}
	}
	if (!id)
		return NULL;
	return c->negated ? _("visitors whose language is not Indonesian")
			  : _("Indonesian-speaking visitors");
}

/* A target that is a language version of the site: "/en/", "/id-id/",
 * "?lang=en", "hl=", "/english/". */
static bool language_target(const char *t)
{
	const char *p = t;

	if (has_word(t, "lang=") || has_word(t, "language=") || has_word(t, "hl=") ||
	    has_word(t, "locale=") || has_word(t, "/english") || has_word(t, "/indonesia"))
		return true;
	while ((p = strchr(p, '/')) != NULL) {
		size_t n = 0;
		p++;
		while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
		       p[n] == '-' || p[n] == '_')
			n++;
		if ((n == 2 || n == 5) && (p[n] == '/' || p[n] == '\0' || p[n] == '?' ||
					   p[n] == '$'))
			return true;
	}
	return false;
}

/* Accept-Language cloaking: the rule serves a file or another site rather
 * than a language version. */
static bool check_lang_rule(struct ronda_file *f, const struct cond *c,
			    const char *target)
{
	const char *sel = lang_selects(c), *top = NULL;
	size_t tpl = target_path_len(target);
	char host[256];
	bool offsite = ronda_url_host(target, strlen(target), host, sizeof(host)) > 0;
	bool bad;

	if (language_target(target))
		return false;
	bad = ronda_slug_score(target, strlen(target), &top) >= RONDA_SLUG_GAMBLING ||
	      (offsite && ronda_host_is_free(host)) || ends_with_ci(target, tpl, ".txt");
	if (!bad && !sel)
		return false;
	if (!bad && offsite && ronda_host_is_gov(host))
		return false;
	if (!bad && !offsite && !ends_with_ci(target, tpl, ".html") &&
	    !ends_with_ci(target, tpl, ".htm") &&
	    !(php_target(target, tpl) && !ronda_front_controller(target, tpl)))
		return false;
	ronda_report_ex(f, &rules[R_CLOAK_LANG], c->offset,
			bad ? -1 : RONDA_SEV_MEDIUM, bad ? 0 : 60,
			_("condition on %s '%s%s' (%s), then rewrites to '%s'"),
			c->var, c->negated ? "!" : "", c->pattern,
			sel ? sel : _("a language"), target);
	return true;
}

static void check_rule(struct ronda_file *f, const struct ronda_conf_line *l,
		       struct cond *conds, size_t n_conds)
{
	const char *pattern = l->n_args > 0 ? l->args[0].s : "";
	const char *target = l->n_args > 1 ? l->args[1].s : "";
	const char *flags = l->n_args > 2 ? l->args[2].s : "";
	char host[256], unesc[256];
	size_t tpl = target_path_len(target);
	bool offsite = ronda_url_host(target, strlen(target), host, sizeof(host)) > 0;
	bool have_file_conds = false;
	const char *top = NULL;
	unsigned score;

	if (!*target || blocking_target(target) || blocking_flags(flags))
		return;
	for (size_t i = 0; i < n_conds; i++) {
		struct cond *c = &conds[i];
		struct ronda_crawl_match m;
		const struct ronda_rule *r = NULL;
		unsigned kinds = 0;

		if (has_word(c->var, "REQUEST_FILENAME") || has_word(c->var, "REQUEST_URI"))
			have_file_conds = true;
		if (has_word(c->var, "Accept-Language") ||
		    has_word(c->var, "HTTP_ACCEPT_LANGUAGE")) {
			if (check_lang_rule(f, c, target))
				return;
			continue;
		}
		if (c->negated)
			continue;
		if (has_word(c->var, "HTTP_USER_AGENT") || has_word(c->var, "HTTP:User-Agent")) {
			kinds = RONDA_CRAWL_UA;
			r = &rules[R_CLOAK_UA];
		} else if (has_word(c->var, "HTTP_REFERER") || has_word(c->var, "HTTP:Referer")) {
			kinds = RONDA_CRAWL_REF;
			r = &rules[R_CLOAK_REF];
		} else if (has_word(c->var, "REMOTE_ADDR") ||
			   has_word(c->var, "X-Forwarded-For")) {
			kinds = RONDA_CRAWL_IP;
			r = &rules[R_CLOAK_IP];
		}
		if (!r)
			continue;
		unescape(c->pattern, unesc, sizeof(unesc));
		if (!ronda_crawl_find((const unsigned char *)unesc, strlen(unesc),
				      kinds, &m))
			continue;
		ronda_report(f, r, c->offset,
			     _("condition on %s matches '%s', then rewrites to '%s'"),
			     c->var, m.word, target);
		return;
	}
	/* doorway shapes */
	score = ronda_slug_score(target, strlen(target), &top);
	if (offsite) {
		if (score >= RONDA_SLUG_GAMBLING || ronda_host_is_free(host))
			ronda_report_ex(f, &rules[R_DOORWAY], l->offset,
					RONDA_SEV_HIGH, 80,
					_("paths are redirected to '%s' (%s)"), host,
					top ? top : _("free hosting"));
		return;
	}
	if (score >= RONDA_SLUG_GAMBLING) {
		ronda_report_ex(f, &rules[R_DOORWAY], l->offset, RONDA_SEV_HIGH, 80,
				_("paths are rewritten to gambling-looking target '%s'"),
				target);
		return;
	}
	if (!catch_all(pattern) || !php_target(target, tpl) ||
	    ronda_front_controller(target, tpl))
		return;
	ronda_report(f, &rules[R_DOORWAY], l->offset,
		     _("pattern '%s' sends any path%s to '%s'"), pattern,
		     have_file_conds ? _(" that is not a file") : "", target);
}

static bool error_page_name(const char *t, size_t n)
{
	static const char *const words[] = {
		"404", "403", "500", "error", "notfound", "not-found", "not_found",
		"missing", NULL,
	};
	for (const char *const *w = words; *w; w++)
		if (memmem(t, n, *w, strlen(*w)))
			return true;
	return false;
}

static void check_errordoc(struct ronda_file *f, const struct ronda_conf_line *l)
{
	const char *code, *t;
	char host[256];
	size_t tpl;
	const char *top;

	if (l->n_args < 2)
		return;
	code = l->args[0].s;
	t = l->args[1].s;
	if (strcmp(code, "404") && strcmp(code, "403") && strcmp(code, "410"))
		return;
	tpl = target_path_len(t);
	if (ronda_url_host(t, strlen(t), host, sizeof(host))) {
		if (ronda_slug_score(t, strlen(t), &top) >= RONDA_SLUG_GAMBLING ||
		    ronda_host_is_free(host))
			ronda_report_ex(f, &rules[R_ERRORDOC], l->offset,
					RONDA_SEV_HIGH, 80,
					_("error %s sends visitors to '%s'"), code, host);
		return;
	}
	if (!strcmp(t, "/") || !strcmp(t, "/index.html")) {
		ronda_report(f, &rules[R_ERRORDOC], l->offset,
			     _("error %s is answered by the home page '%s'"), code, t);
		return;
	}
	if (ronda_slug_score(t, strlen(t), &top) >= RONDA_SLUG_GAMBLING) {
		ronda_report_ex(f, &rules[R_ERRORDOC], l->offset, RONDA_SEV_HIGH, 80,
				_("error %s is answered by gambling-looking '%s'"),
				code, t);
		return;
	}
	if (php_target(t, tpl) && !ronda_front_controller(t, tpl) &&
	    !error_page_name(t, tpl))
		ronda_report(f, &rules[R_ERRORDOC], l->offset,
			     _("error %s is answered by script '%s'"), code, t);
}

static const char *const risky_exts[] = {
	"jpg", "jpeg", "png", "gif", "ico", "bmp", "webp", "svg", "tif", "tiff",
	"txt", "css", "js", "json", "xml", "pdf", "doc", "docx", "xls", "xlsx",
	"zip", "mp3", "mp4", "woff", "woff2", "ttf", "log", "csv", "md", "jfif",
	NULL,
};
static const char *const html_exts[] = { "html", "htm", "shtml", NULL };

static bool in_list(const char *s, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncasecmp(s, *list, n))
			return true;
	return false;
}

/* Worst extension class named in s (an extension list or a FilesMatch
 * regex): 2 image/text, 1 html, 0 none. */
static int ext_class(const char *s, const char **which)
{
	int worst = 0;
	size_t i = 0, n = strlen(s);

	while (i < n) {
		size_t st;
		while (i < n && !((s[i] >= 'a' && s[i] <= 'z') ||
				  (s[i] >= 'A' && s[i] <= 'Z') ||
				  (s[i] >= '0' && s[i] <= '9')))
			i++;
		st = i;
		while (i < n && ((s[i] >= 'a' && s[i] <= 'z') ||
				 (s[i] >= 'A' && s[i] <= 'Z') ||
				 (s[i] >= '0' && s[i] <= '9')))
			i++;
		if (i > st && in_list(s + st, i - st, risky_exts)) {
			*which = s + st;
			return 2;
		}
		if (i > st && in_list(s + st, i - st, html_exts) && !worst) {
			*which = s + st;
			worst = 1;
		}
	}
	return worst;
}

static bool php_handler_name(const char *h)
{
	return has_word(h, "php") || has_word(h, "cgi-script");
}

static void report_handler(struct ronda_file *f, const struct ronda_conf_line *l,
			   int cls, const char *which, size_t wl)
{
	if (cls == 2)
		ronda_report(f, &rules[R_HANDLER], l->offset,
			     _("%s makes '.%.*s' files executable"), l->name,
			     (int)MIN(wl, 16), which);
	else if (cls == 1)
		ronda_report_ex(f, &rules[R_HANDLER], l->offset, RONDA_SEV_MEDIUM, 60,
				_("%s makes '.%.*s' pages executable as PHP"), l->name,
				(int)MIN(wl, 16), which);
}

static size_t word_len(const char *s)
{
	size_t n = 0;
	while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
	       (s[n] >= '0' && s[n] <= '9'))
		n++;
	return n;
}

static void check_handler(struct ronda_file *f, const struct ronda_conf_parser *p,
			  const struct ronda_conf_line *l)
{
	const char *which = NULL, *scope;
	int worst = 0;

	if (is_name(l->name, "AddType") || is_name(l->name, "AddHandler")) {
		if (l->n_args < 2 || !php_handler_name(l->args[0].s))
			return;
		for (unsigned i = 1; i < l->n_args; i++) {
			const char *w = NULL;
			int c = ext_class(l->args[i].s, &w);
			if (c > worst) {
				worst = c;
				which = w;
			}
		}
		if (worst)
			report_handler(f, l, worst, which, word_len(which));
		return;
	}
	/* SetHandler / ForceType: scoped by the nearest enclosing <Files*> */
	if (l->n_args < 1 || !php_handler_name(l->args[0].s))
		return;
	scope = NULL;
	for (unsigned d = MIN(p->depth, RONDA_CONF_DEPTH_MAX); d-- > 0;) {
		const char *name = p->stack[d].name;
		if (!strncasecmp(name, "Files", 5) || !strncasecmp(name, "Location", 8)) {
			scope = p->stack[d].arg;
			break;
		}
		if (strncasecmp(name, "If", 2))
			return;   /* some other scope: not judged */
	}
	if (!scope) {
		ronda_report(f, &rules[R_HANDLER], l->offset,
			     _("%s runs every file of this directory as PHP"),
			     l->name);
		return;
	}
	worst = ext_class(scope, &which);
	if (worst)
		report_handler(f, l, worst, which, word_len(which));
}

static bool truthy(const char *v)
{
	return !strcasecmp(v, "on") || !strcasecmp(v, "1") ||
	       !strcasecmp(v, "true") || !strcasecmp(v, "yes");
}

static bool falsy(const char *v)
{
	return !strcasecmp(v, "off") || !strcasecmp(v, "0") ||
	       !strcasecmp(v, "false") || !strcasecmp(v, "no") || !*v;
}

static void check_setting(struct ronda_file *f, const struct ronda_conf_line *l,
			  const char *key, const char *val)
{
	if (!strcasecmp(key, "auto_prepend_file") ||
	    !strcasecmp(key, "auto_append_file")) {
		const char *base = strrchr(val, '/');

		if (!*val || !strcasecmp(val, "none"))
			return;
		base = base ? base + 1 : val;
		if (!strcasecmp(base, "wordfence-waf.php"))
			ronda_report_ex(f, &rules[R_PREPEND], l->offset,
					RONDA_SEV_LOW, 50,
					_("%s runs '%s' (the Wordfence firewall's usual file: confirm you installed it)"),
					key, val);
		else
			ronda_report(f, &rules[R_PREPEND], l->offset,
				     _("%s runs '%s' with every request"), key, val);
		return;
	}
	if (!strcasecmp(key, "allow_url_include") && truthy(val)) {
		ronda_report_ex(f, &rules[R_SETTING], l->offset, RONDA_SEV_HIGH, 80,
				_("allow_url_include is turned on: scripts may include code from other servers"));
		return;
	}
	if (!strcasecmp(key, "disable_functions") &&
	    (!*val || !strcasecmp(val, "none"))) {
		ronda_report(f, &rules[R_SETTING], l->offset,
			     _("disable_functions is cleared"));
		return;
	}
	if (!strcasecmp(key, "open_basedir") &&
	    (!*val || !strcasecmp(val, "none") || !strcmp(val, "/"))) {
		ronda_report(f, &rules[R_SETTING], l->offset,
			     _("open_basedir is lifted"));
		return;
	}
	if ((!strcasecmp(key, "safe_mode") && falsy(val)) ||
	    (!strncasecmp(key, "suhosin.executor.disable_eval", 29) && falsy(val)) ||
	    (!strcasecmp(key, "suhosin.executor.func.blacklist") && !*val)) {
		ronda_report(f, &rules[R_SETTING], l->offset,
			     _("%s is turned off"), key);
		return;
	}
	if (!strcasecmp(key, "engine") && truthy(val) &&
	    (f->cls.flags & RONDA_CF_IN_UPLOADS)) {
		ronda_report(f, &rules[R_SETTING], l->offset,
			     _("PHP is switched back on inside an upload folder"));
		return;
	}
}

static void scan_apache(struct ronda_file *f)
{
	struct ronda_conf_parser *p = ronda_file_alloc(f, sizeof(*p));
	struct ronda_conf_line l;
	struct cond conds[MAX_CONDS];
	size_t n_conds = 0;

	ronda_conf_init(p, f->data, f->len, false);
	while (ronda_conf_next(p, &l)) {
		if (l.kind != RONDA_CONF_DIRECTIVE)
			continue;
		if (is_name(l.name, "RewriteCond")) {
			struct cond *c;
			const char *pat;

			if (l.n_args < 2 || n_conds >= MAX_CONDS)
				continue;
			c = &conds[n_conds++];
			ronda_strlcpy(c->var, l.args[0].s, sizeof(c->var));
			pat = l.args[1].s;
			c->negated = *pat == '!';
			ronda_strlcpy(c->pattern, pat + c->negated, sizeof(c->pattern));
			c->offset = l.offset;
		} else if (is_name(l.name, "RewriteRule")) {
			check_rule(f, &l, conds, n_conds);
			n_conds = 0;
		} else if (is_name(l.name, "ErrorDocument")) {
			check_errordoc(f, &l);
		} else if (is_name(l.name, "AddType") || is_name(l.name, "AddHandler") ||
			   is_name(l.name, "SetHandler") || is_name(l.name, "ForceType")) {
			check_handler(f, p, &l);
		} else if ((is_name(l.name, "php_value") || is_name(l.name, "php_flag") ||
			    is_name(l.name, "php_admin_value") ||
			    is_name(l.name, "php_admin_flag")) && l.n_args >= 1) {
			check_setting(f, &l, l.args[0].s, l.n_args > 1 ? l.args[1].s : "");
		}
	}
}

static void scan_ini(struct ronda_file *f)
{
	struct ronda_conf_parser *p = ronda_file_alloc(f, sizeof(*p));
	struct ronda_conf_line l;

	ronda_conf_init(p, f->data, f->len, true);
	while (ronda_conf_next(p, &l))
		if (l.kind == RONDA_CONF_DIRECTIVE && l.n_args == 1)
			check_setting(f, &l, l.name, l.args[0].s);
}

static int ht_init(struct ronda_detector_init *di, void **state)
{
	*state = NULL;
	return ronda_seo_words_init();
}

static int ht_scan(void *state, struct ronda_file *f, const struct ronda_hits *hits)
{
	if (f->depth > 0 || (f->cls.flags & RONDA_CF_BINARY))
		return RONDA_OK;
	if (!strcmp(f->name, ".htaccess"))
		scan_apache(f);
	else if (!strcmp(f->name, ".user.ini") || !strcmp(f->name, "php.ini") ||
		 !strcmp(f->name, "user.ini"))
		scan_ini(f);
	return RONDA_OK;
}

const struct ronda_detector ronda_detector_htaccess = { "htaccess", N_("server settings that cloak, make doorways resolve or execute PHP where it does not belong (.htaccess, .user.ini)"), rules, R__COUNT, ht_init, NULL, ht_scan, NULL, NULL };
