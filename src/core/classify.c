/*
 * classify.c — content-first file classification (see classify.h).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "core/classify.h"
#include "core/util.h"

static const char *const ftype_names[RONDA_FT__COUNT] = {
	"empty", "text", "php", "html", "js", "css", "json", "xml",
	"server-config", "sql", "image", "archive", "executable", "binary",
};

const char *ronda_ftype_name(enum ronda_ftype t)
{
	return (unsigned)t < RONDA_FT__COUNT ? ftype_names[t] : "unknown";
}

void ronda_file_ext(const char *name, char *ext, size_t size)
{
	const char *dot = strrchr(name, '.');
	size_t i;

	ext[0] = '\0';
	if (!dot || dot == name || size == 0)
		return;
	dot++;
	for (i = 0; dot[i] && i + 1 < size; i++)
		ext[i] = (char)tolower((unsigned char)dot[i]);
	ext[i] = '\0';
	if (dot[i])         /* longer than any real extension: not one */
		ext[0] = '\0';
}

static bool in_list(const char *ext, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(ext, *list))
			return true;
	return false;
}

static const char *const php_exts[] = {
	"php", "phtml", "php3", "php4", "php5", "php6", "php7", "php8", "phps",
	"pht", "phar", "inc", "pgif", "shtml", NULL,
};
static const char *const image_exts[] = {
	"jpg", "jpeg", "png", "gif", "ico", "webp", "bmp", "svg", "tif",
	"tiff", "avif", NULL,
};
static const char *const text_exts[] = { "txt", "log", "md", "csv", "dat", NULL };
static const char *const html_exts[] = { "html", "htm", "xhtml", "shtml", NULL };

static bool starts(const unsigned char *d, size_t len, const void *magic, size_t n)
{
	return len >= n && !memcmp(d, magic, n);
}

static unsigned magic_flags(const unsigned char *d, size_t len)
{
	if (starts(d, len, "\xff\xd8\xff", 3) || starts(d, len, "\x89PNG", 4) ||
	    starts(d, len, "GIF87a", 6) || starts(d, len, "GIF89a", 6) ||
	    starts(d, len, "\x00\x00\x01\x00", 4) || starts(d, len, "BM", 2) ||
	    (starts(d, len, "RIFF", 4) && len >= 12 && !memcmp(d + 8, "WEBP", 4)))
		return RONDA_CF_IMAGE_MAGIC;
	if (starts(d, len, "PK\x03\x04", 4) || starts(d, len, "\x1f\x8b", 2) ||
	    starts(d, len, "7z\xbc\xaf", 4) || starts(d, len, "Rar!", 4) ||
	    starts(d, len, "BZh", 3) || starts(d, len, "\xfd" "7zXZ", 5) ||
	    starts(d, len, "\x28\xb5\x2f\xfd", 4) ||
	    (len > 262 && !memcmp(d + 257, "ustar", 5)))
		return RONDA_CF_ARCHIVE_MAGIC;
	if (starts(d, len, "\x7f" "ELF", 4) || starts(d, len, "MZ", 2) ||
	    starts(d, len, "\xcf\xfa\xed\xfe", 4) || starts(d, len, "\xfe\xed\xfa\xcf", 4))
		return RONDA_CF_EXEC_MAGIC;
	return 0;
}

/* Find a PHP open tag.  "<?php" and "<?=" count anywhere; the bare short
 * tag "<?" + whitespace only in text, since random binary contains it. */
static bool find_php(const unsigned char *d, size_t len, bool binary,
		     uint64_t *off)
{
	const unsigned char *p = d, *end = d + len;

	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		size_t left = (size_t)(end - p);

		if (left >= 2 && p[1] == '?') {
			if (left >= 5 && !strncasecmp((const char *)p + 2, "php", 3) &&
			    (left == 5 || isspace(p[5]) || p[5] == '/' || p[5] == '(')) {
				*off = (uint64_t)(p - d);
				return true;
			}
			if (left >= 4 && p[2] == '=' &&
			    (!binary || p[3] == '$' || p[3] == ' ' || isalpha(p[3]))) {
				*off = (uint64_t)(p - d);
				return true;
			}
			if (!binary && left >= 3 && (p[2] == ' ' || p[2] == '\n' ||
						     p[2] == '\t' || p[2] == '\r')) {
				*off = (uint64_t)(p - d);
				return true;
			}
		}
		p++;
	}
	return false;
}

static bool has_html(const unsigned char *d, size_t len)
{
	static const char *const marks[] = {
		"<html", "<!doctype html", "<head", "<body", "<div", "<script",
		"<title", "<meta", "<a href", "<p>", "<table", "<form", "<iframe",
		"<span", "<img", "<link", "<style", NULL,
	};
	const unsigned char *p = d, *end = d + (len < 65536 ? len : 65536);

	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		/* the second byte of every mark: most '<' (code) stop here */
		if (p + 1 >= end || !strchr("hHbBdDsStTmMaApPfFiIlL!", p[1]) || !p[1]) {
			p++;
			continue;
		}
		for (const char *const *m = marks; *m; m++) {
			size_t ml = strlen(*m);
			if ((size_t)(end - p) >= ml &&
			    !strncasecmp((const char *)p, *m, ml))
				return true;
		}
		p++;
	}
	return false;
}

static bool looks_minified(const unsigned char *d, size_t len)
{
	size_t n = len < 65536 ? len : 65536, lines = 1;
	const unsigned char *p = d, *end = d + n;

	if (n < 2048)
		return false;
	/* n / lines > 1000 needs lines <= n / 1001: stop counting past that */
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (++lines > n / 1001)
			return false;
		p++;
	}
	return n / lines > 1000;
}

void ronda_classify(const char *relpath, const char *name, const char *ext,
		    const unsigned char *data, size_t len,
		    struct ronda_class *out)
{
	size_t head = len < 8192 ? len : 8192;
	unsigned f = 0;
	bool binary;

	memset(out, 0, sizeof(*out));
	if (ext && *ext) {
		if (in_list(ext, php_exts)) f |= RONDA_CF_EXT_PHP;
		if (in_list(ext, image_exts)) f |= RONDA_CF_EXT_IMAGE;
		if (in_list(ext, text_exts)) f |= RONDA_CF_EXT_TEXT;
		if (in_list(ext, html_exts)) f |= RONDA_CF_EXT_HTML;
		if (!strcmp(ext, "js") || !strcmp(ext, "mjs")) f |= RONDA_CF_EXT_JS;
	}
	if (relpath && *relpath) {
		const char *p = relpath;
		if (*p == '.' || strstr(p, "/."))
			f |= RONDA_CF_HIDDEN_PATH;
		for (const char *const *u = (const char *const[]){
			     "uploads/", "upload/", "files/", "media/", "images/",
			     "img/", "assets/uploads", NULL }; *u; u++) {
			const char *hit = strstr(p, *u);
			if (hit && (hit == p || hit[-1] == '/')) {
				f |= RONDA_CF_IN_UPLOADS;
				break;
			}
		}
	}
	if (len == 0) {
		out->type = RONDA_FT_EMPTY;
		out->flags = f;
		return;
	}
	f |= magic_flags(data, len);
	binary = memchr(data, '\0', head) != NULL ||
		 (f & (RONDA_CF_IMAGE_MAGIC | RONDA_CF_ARCHIVE_MAGIC | RONDA_CF_EXEC_MAGIC));
	if (binary)
		f |= RONDA_CF_BINARY;
	else if (ronda_utf8_valid(data, head > 4 ? head - 4 : head))
		f |= RONDA_CF_UTF8;
	if (head > 2 && data[0] == '#' && data[1] == '!')
		f |= RONDA_CF_SHEBANG;
	if (find_php(data, len, binary, &out->php_offset))
		f |= RONDA_CF_PHP;
	if (!binary && has_html(data, len))
		f |= RONDA_CF_HTML;
	if (!binary && looks_minified(data, len))
		f |= RONDA_CF_MINIFIED;

	if (f & RONDA_CF_PHP)
		out->type = RONDA_FT_PHP;
	else if (f & RONDA_CF_IMAGE_MAGIC)
		out->type = RONDA_FT_IMAGE;
	else if (f & RONDA_CF_ARCHIVE_MAGIC)
		out->type = RONDA_FT_ARCHIVE;
	else if (f & RONDA_CF_EXEC_MAGIC)
		out->type = RONDA_FT_EXECUTABLE;
	else if (binary)
		out->type = RONDA_FT_BINARY;
	else if (name && (!strcmp(name, ".htaccess") || !strcmp(name, ".user.ini") ||
			  !strcmp(name, "php.ini") || !strcmp(name, "web.config") ||
			  !strcmp(name, ".htpasswd")))
		out->type = RONDA_FT_SERVERCONF;
	else if (f & RONDA_CF_HTML)
		out->type = RONDA_FT_HTML;
	else if (ext && (!strcmp(ext, "js") || !strcmp(ext, "mjs")))
		out->type = RONDA_FT_JS;
	else if (ext && !strcmp(ext, "css"))
		out->type = RONDA_FT_CSS;
	else if (ext && !strcmp(ext, "json"))
		out->type = RONDA_FT_JSON;
	else if ((ext && !strcmp(ext, "xml")) || starts(data, len, "<?xml", 5))
		out->type = RONDA_FT_XML;
	else if ((ext && !strcmp(ext, "sql")) ||
		 (head > 16 && (memmem(data, head, "CREATE TABLE", 12) ||
				memmem(data, head, "INSERT INTO", 11)) &&
		  memmem(data, head, "-- ", 3)))
		out->type = RONDA_FT_SQL;
	else
		out->type = RONDA_FT_TEXT;
	out->flags = f;
}
