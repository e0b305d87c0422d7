/*
 * placement.c — PHP code where code must not be: inside images and text
 * files, in upload folders, under odd executable extensions, in hidden
 * dot-folders, and under names that imitate CMS core files.
 *
 * The content classification (classify.h) says whether a file holds PHP
 * whatever its name; this detector compares that with the name and the
 * place.  Severity follows how rarely the combination is innocent: PHP in
 * an image is critical, PHP in an upload folder high, an odd extension
 * medium (high in uploads).  Libraries keep .inc/.phtml files and CMSes keep
 * code in media/ and images/ folders deep in their trees: those places
 * (rules/placement-library-dirs.txt) lower or silence the findings.
 * Runs on files as stored (depth 0) only.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/detector.h"
#include "core/error.h"
#include "core/hscache.h"
#include "core/i18n.h"
#include "core/rulefile.h"
#include "lang/php_skim.h"
#include "text/lookalike.h"
#include "text/wordlist.h"
#include "core/util.h"

enum { R_IMAGE, R_TEXT, R_UPLOADS, R_ODD_EXT, R_HIDDEN, R_LOOKALIKE, R__COUNT };

static const struct ronda_rule rules[R__COUNT] = {
	[R_IMAGE] = { "webshell.php-in-image", RONDA_CAT_BACKDOOR, RONDA_SEV_CRITICAL, 90,
		N_("PHP code hidden in an image file: it runs when included or when the server is tricked into executing images"),
		N_("delete the file, look for the include() or .htaccess handler that runs it, and find how it was uploaded") },
	[R_TEXT] = { "webshell.php-in-text", RONDA_CAT_BACKDOOR, RONDA_SEV_MEDIUM, 70,
		N_("PHP code stored in a text file, a common way to keep a payload that another script includes"),
		N_("check which script reads this file (include, require, file_get_contents + eval) and remove both if unknown") },
	[R_UPLOADS] = { "webshell.php-in-uploads", RONDA_CAT_BACKDOOR, RONDA_SEV_HIGH, 80,
		N_("PHP code in an upload folder, where only user media belongs"),
		N_("remove the script, forbid PHP execution in upload folders, and find how it got there") },
	[R_ODD_EXT] = { "webshell.odd-extension", RONDA_CAT_BACKDOOR, RONDA_SEV_MEDIUM, 65,
		N_("PHP code under an unusual executable extension, often used to slip past upload filters"),
		N_("check the file against the application's own files; delete it if nothing installed it") },
	[R_HIDDEN] = { "webshell.hidden-path", RONDA_CAT_BACKDOOR, RONDA_SEV_HIGH, 75,
		N_("PHP code in a hidden (dot) folder or file, out of sight of a casual listing"),
		N_("look at what the hidden script does and who created it; delete it if nothing installed it") },
	[R_LOOKALIKE] = { "webshell.core-lookalike", RONDA_CAT_BACKDOOR, RONDA_SEV_HIGH, 75,
		N_("a PHP file named to look like a CMS core file"),
		N_("compare with the CMS's file list; a look-alike name that is not part of the CMS is almost always a backdoor") },
};

enum { P_PHPTAG = 1, P_SHORTECHO };

struct core_name {
	char *name;
	bool any_edit;
};

struct state {
	struct ronda_hs_set sink;      /* code that does something: asked only
					* of images, text files and uploads */
	struct ronda_wordlist libdirs, hidden_ok;
	struct core_name *core;
	size_t n_core, alloc_core;
};

static void free_state(struct state *st)
{
	ronda_hs_set_free(&st->sink);
	ronda_wordlist_release(&st->libdirs);
	ronda_wordlist_release(&st->hidden_ok);
	for (size_t i = 0; i < st->n_core; i++)
		free(st->core[i].name);
	free(st->core);
	free(st);
}

static int load_core(struct state *st)
{
	const struct ronda_rulefile *rf = ronda_rulefile_get("placement-core-names");
	size_t pos = 0, len;
	const char *line;

	if (!rf)
		return RONDA_ENOENT;
	while (ronda_rulefile_next(rf, &pos, &line, &len)) {
		size_t n = 0, m;

		while (n < len && !isspace((unsigned char)line[n]))
			n++;
		m = n;
		while (m < len && isspace((unsigned char)line[m]))
			m++;
		if (n > RONDA_LOOKALIKE_MAX)
			return RONDA_EPARSE;
		st->core = xgrow(st->core, &st->alloc_core, st->n_core + 1, sizeof(*st->core));
		st->core[st->n_core].name = xstrndup(line, n);
		st->core[st->n_core].any_edit = len - m >= 3 && !strncmp(line + m, "any", 3);
		st->n_core++;
	}
	return RONDA_OK;
}

static int init(struct ronda_detector_init *di, void **out)
{
	static const char *const sink[] = {
		"\\b(eval|assert|system|exec|shell_exec|passthru|popen|proc_open|base64_decode|gzinflate|gzuncompress|str_rot13|create_function|include|require|include_once|require_once|file_put_contents|move_uploaded_file)\\s*\\(",
		"\\$_(GET|POST|REQUEST|COOKIE|FILES)\\b",
	};
	static const unsigned sink_flags[] = { HS_FLAG_SINGLEMATCH, HS_FLAG_SINGLEMATCH };
	struct state *st = xcalloc(1, sizeof(*st));
	int err;

	if ((err = ronda_pattern_add(di, "<\\?php[\\s/(]", RONDA_PAT_CASELESS | RONDA_PAT_SINGLE, P_PHPTAG)) ||
	    (err = ronda_pattern_add(di, "<\\?=\\s*\\$[A-Za-z_]", RONDA_PAT_SINGLE, P_SHORTECHO)) ||
	    (err = ronda_hs_set_compile(&st->sink, sink, sink_flags, 2)))
		goto fail;
	if ((err = ronda_wordlist_load(&st->libdirs, "placement-library-dirs")) ||
	    (err = ronda_wordlist_load(&st->hidden_ok, "placement-hidden-dirs")) ||
	    (err = load_core(st)))
		goto fail;
	*out = st;
	return RONDA_OK;
fail:
	free_state(st);
	return err;
}

static void release(void *state)
{
	if (state)
		free_state(state);
}

/* Iterate the directory components of relpath (not the file name). */
struct comp {
	const char *s;
	size_t n;
	size_t index;
};

static bool next_dir(const char *relpath, const char **pos, struct comp *c)
{
	const char *p = *pos, *slash;

	if (!p || !*p)
		return false;
	slash = strchr(p, '/');
	if (!slash)
		return false;             /* the last component is the file */
	c->s = p;
	c->n = (size_t)(slash - p);
	c->index = p == relpath ? 0 : c->index + 1;
	*pos = slash + 1;
	return true;
}

static bool comp_is(const struct comp *c, const char *s)
{
	return strlen(s) == c->n && !strncasecmp(c->s, s, c->n);
}

enum upload_kind { UP_NONE, UP_WEAK, UP_STRONG };

/* Lower-case "uploads/" (and kin) is an upload folder unless it sits in a
 * code tree (mediawiki includes/upload/ holds the upload classes);
 * files/, media/, images/, img/ count only at the top of the tree or
 * right under a web-root-like folder (in a CMS's code tree they hold code:
 * mediawiki includes/media/) and are weaker evidence. */
static enum upload_kind upload_place(const char *relpath)
{
	static const char *const strong[] = {
		"uploads", "upload", "unggah", "unggahan", "user_uploads",
		"userfiles", NULL,
	};
	static const char *const weak[] = { "files", "media", "images", "img", "image", "gambar", NULL };
	static const char *const roots[] = {
		"wp-content", "public", "public_html", "htdocs", "www", "html",
		"storage", "default", "sites", "content", NULL,
	};
	static const char *const code[] = {
		"includes", "include", "inc", "src", "lib", "libs", "library",
		"libraries", "classes", "vendor", "system", "program", "core", NULL,
	};
	const char *pos = relpath;
	struct comp c = { 0 }, prev = { 0 };
	enum upload_kind k = UP_NONE;
	bool in_code = false;

	while (next_dir(relpath, &pos, &c)) {
		for (const char *const *s = strong; *s; s++)
			if (strlen(*s) == c.n && !memcmp(c.s, *s, c.n) && !in_code)
				return UP_STRONG;
		for (const char *const *w = weak; *w; w++) {
			if (!comp_is(&c, *w))
				continue;
			if (c.index == 0)
				k = UP_WEAK;
			for (const char *const *r = roots; *r && c.index; r++)
				if (comp_is(&prev, *r))
					k = UP_WEAK;
		}
		for (const char *const *d = code; *d; d++)
			if (comp_is(&c, *d))
				in_code = true;
		prev = c;
	}
	return k;
}

static bool in_libdir(const struct state *st, const char *relpath)
{
	const char *pos = relpath;
	struct comp c = { 0 };

	while (next_dir(relpath, &pos, &c))
		if (ronda_wordlist_has(&st->libdirs, c.s, c.n))
			return true;
	return false;
}

/* Is the file's PHP only comments and blanks ("Silence is golden"), or a
 * tiny guard that only redirects or stops (header("Location: ..."); exit;
 * defined('ABSPATH') || exit;)? */
static bool has_sink(const struct state *st, const struct ronda_file *f)
{
	return ronda_hs_set_any(&st->sink, f->data, f->len);
}

static bool php_is_guard(const struct state *st, struct ronda_file *f)
{
	static const char *const ok[] = {
		"header(", "exit", "die", "http_response_code(", "return",
		"defined(", "if(!defined(", NULL,
	};
	char *code, *p;
	struct ronda_php_skim sk;

	if (f->len > 4096 || has_sink(st, f))
		return false;
	code = ronda_file_alloc(f, 512);
	ronda_php_skim(f->data, f->len, code, 512, &sk);
	if (sk.truncated || strchr(code, '$') || strchr(code, '`'))
		return false;
	for (p = code; *p; ) {
		char *end = strchr(p, ';');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		bool good = n == 0;

		for (const char *const *o = ok; *o && !good; o++)
			good = !strncasecmp(p, *o, strlen(*o));
		if (!good)
			return false;
		p += n + (end ? 1 : 0);
	}
	return true;
}

static uint64_t php_at(const struct ronda_file *f, const struct ronda_hits *hits)
{
	(void)hits;
	return f->cls.php_offset;
}

static const char *const odd_exts[] = {
	"phtml", "php3", "php4", "php5", "php6", "php7", "php8", "phar", "pht",
	"pgif", "shtml", "inc", NULL,
};

static bool ext_in(const char *ext, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(ext, *list))
			return true;
	return false;
}

static int check_image_text(const struct state *st, struct ronda_file *f,
			    const struct ronda_hits *hits, enum upload_kind up)
{
	unsigned fl = f->cls.flags;
	bool real_tag = ronda_hits_has(hits, P_PHPTAG) || ronda_hits_has(hits, P_SHORTECHO);

	if ((fl & (RONDA_CF_EXT_IMAGE | RONDA_CF_IMAGE_MAGIC)) &&
	    (real_tag || (!(fl & RONDA_CF_BINARY) && has_sink(st, f))))
		return ronda_report(f, &rules[R_IMAGE], php_at(f, hits),
				    (fl & RONDA_CF_IMAGE_MAGIC) ?
				    _("starts like an image, holds a PHP open tag") :
				    _("image extension, holds a PHP open tag"));
	if ((fl & RONDA_CF_EXT_TEXT) && !(fl & RONDA_CF_BINARY)) {
		bool payload = f->cls.php_offset < 64 || has_sink(st, f);
		bool md = !strcmp(f->ext, "md");

		if (!payload || (md && up == UP_NONE))
			return RONDA_OK;
		return ronda_report_ex(f, &rules[R_TEXT], php_at(f, hits),
				       up != UP_NONE ? RONDA_SEV_HIGH : -1, 0,
				       _("PHP code in a .%s file"), f->ext);
	}
	return RONDA_OK;
}

static int check_hidden(struct state *st, struct ronda_file *f)
{
	const char *pos = f->relpath;
	struct comp c = { 0 };
	char shown[80];

	while (next_dir(f->relpath, &pos, &c)) {
		if (c.n < 2 || c.s[0] != '.' || (c.n == 2 && c.s[1] == '.'))
			continue;
		if (comp_is(&c, ".git") || comp_is(&c, ".svn") || comp_is(&c, ".hg") ||
		    ronda_wordlist_has(&st->hidden_ok, c.s, c.n))
			return RONDA_OK;
		snprintf(shown, sizeof(shown), "%.*s", (int)MIN(c.n, (size_t)60), c.s);
		for (char *p = shown; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				*p = '?';
		/* ACME and validation tokens are plain text: PHP there is odd,
		 * but the folder itself is legitimate */
		if (comp_is(&c, ".well-known"))
			return ronda_report_ex(f, &rules[R_HIDDEN], f->cls.php_offset,
					       RONDA_SEV_MEDIUM, 60,
					       _("PHP code under '%s', which should hold only validation tokens"),
					       shown);
		return ronda_report(f, &rules[R_HIDDEN], f->cls.php_offset,
				    _("PHP code under the hidden folder '%s'"), shown);
	}
	if (f->name[0] == '.' && !ronda_wordlist_has(&st->hidden_ok, f->name, strlen(f->name)))
		return ronda_report_ex(f, &rules[R_HIDDEN], f->cls.php_offset,
				       RONDA_SEV_MEDIUM, 60, "%s",
				       _("hidden PHP file"));
	return RONDA_OK;
}

static int check_lookalike(struct state *st, struct ronda_file *f)
{
	const struct core_name *best = NULL;
	enum ronda_lookalike kind = RONDA_LOOKALIKE_NONE;

	if (strcmp(f->ext, "php"))
		return RONDA_OK;
	for (size_t i = 0; i < st->n_core; i++) {
		enum ronda_lookalike k = ronda_lookalike_match(f->name, st->core[i].name);

		if (k == RONDA_LOOKALIKE_SAME)
			return RONDA_OK;
		if (k == RONDA_LOOKALIKE_EDIT1 && !st->core[i].any_edit)
			continue;
		if (k != RONDA_LOOKALIKE_NONE && (kind == RONDA_LOOKALIKE_NONE || k < kind)) {
			kind = k;
			best = &st->core[i];
		}
	}
	if (!best)
		return RONDA_OK;
	return ronda_report_ex(f, &rules[R_LOOKALIKE], f->cls.php_offset,
			       kind == RONDA_LOOKALIKE_HOMOGLYPH ? -1 : RONDA_SEV_MEDIUM,
			       kind == RONDA_LOOKALIKE_HOMOGLYPH ? 0 : 55,
			       kind == RONDA_LOOKALIKE_HOMOGLYPH ?
			       _("reads like '%s' with look-alike characters") :
			       _("one character away from '%s'"), best->name);
}

static int scan(void *state, struct ronda_file *f, const struct ronda_hits *hits)
{
	struct state *st = state;
	unsigned fl = f->cls.flags;
	enum upload_kind up;
	int err;

	if (f->depth != 0 || !(fl & RONDA_CF_PHP))
		return RONDA_OK;
	up = upload_place(f->relpath);
	if ((err = check_image_text(st, f, hits, up)))
		return err;
	if (fl & (RONDA_CF_EXT_IMAGE | RONDA_CF_EXT_TEXT | RONDA_CF_IMAGE_MAGIC))
		return RONDA_OK;
	if (up != UP_NONE && !php_is_guard(st, f)) {
		err = ronda_report_ex(f, &rules[R_UPLOADS], f->cls.php_offset,
				      up == UP_STRONG ? -1 : RONDA_SEV_MEDIUM,
				      up == UP_STRONG ? 0 : 55, "%s",
				      up == UP_STRONG ? _("PHP code in an upload folder") :
				      _("PHP code in a media folder at the top of the site"));
		if (err)
			return err;
	}
	if (ext_in(f->ext, odd_exts) && (up != UP_NONE || !in_libdir(st, f->relpath))) {
		err = ronda_report_ex(f, &rules[R_ODD_EXT], f->cls.php_offset,
				      up != UP_NONE ? RONDA_SEV_HIGH : -1, 0,
				      _("PHP code in a .%s file"), f->ext);
		if (err)
			return err;
	}
	if ((fl & RONDA_CF_HIDDEN_PATH) && (fl & RONDA_CF_EXT_PHP) &&
	    (err = check_hidden(st, f)))
		return err;
	return check_lookalike(st, f);
}

const struct ronda_detector ronda_detector_placement = { .name = "placement", .summary = N_("PHP in images, text files, upload folders, hidden folders, odd extensions and look-alike names"), .rules = rules, .n_rules = R__COUNT, .init = init, .release = release, .scan = scan, .finish = NULL, .dynamic_rules = NULL };
