/*
 * classify.h — what a file is, by its content first and its name second.
 *
 * PHP inside a .jpg is a PHP file: the type says what the content is, the
 * flags keep what the bytes and the name claim, so detectors can tell a
 * photo with PHP in its comment from an ordinary photo.
 */
#ifndef RONDA_CLASSIFY_H
#define RONDA_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

enum ronda_ftype {
	RONDA_FT_EMPTY = 0,
	RONDA_FT_TEXT,
	RONDA_FT_PHP,
	RONDA_FT_HTML,
	RONDA_FT_JS,
	RONDA_FT_CSS,
	RONDA_FT_JSON,
	RONDA_FT_XML,
	RONDA_FT_SERVERCONF,  /* .htaccess, .user.ini, php.ini, web.config */
	RONDA_FT_SQL,
	RONDA_FT_IMAGE,
	RONDA_FT_ARCHIVE,
	RONDA_FT_EXECUTABLE,  /* ELF, PE, Mach-O */
	RONDA_FT_BINARY,
	RONDA_FT__COUNT
};

/* content flags */
#define RONDA_CF_PHP          0x0001u  /* contains a PHP open tag */
#define RONDA_CF_HTML         0x0002u  /* contains HTML markup */
#define RONDA_CF_BINARY       0x0004u  /* NUL bytes / not text */
#define RONDA_CF_IMAGE_MAGIC  0x0008u  /* starts like an image */
#define RONDA_CF_ARCHIVE_MAGIC 0x0010u /* starts like an archive */
#define RONDA_CF_EXEC_MAGIC   0x0020u  /* ELF/PE/Mach-O */
#define RONDA_CF_SHEBANG      0x0040u  /* #! interpreter line */
#define RONDA_CF_UTF8         0x0080u  /* text is valid UTF-8 (head checked) */
/* name flags */
#define RONDA_CF_EXT_PHP      0x0100u  /* .php .phtml .php3-8 .phar .inc .pht */
#define RONDA_CF_EXT_IMAGE    0x0200u  /* .jpg .png .gif .ico .webp .svg .bmp */
#define RONDA_CF_EXT_TEXT     0x0400u  /* .txt .log .md .csv */
#define RONDA_CF_EXT_HTML     0x0800u  /* .html .htm .shtml .xhtml */
#define RONDA_CF_EXT_JS       0x1000u
#define RONDA_CF_IN_UPLOADS   0x2000u  /* under an uploads/ files/ media/ dir */
#define RONDA_CF_HIDDEN_PATH  0x4000u  /* a path component starts with '.' */
#define RONDA_CF_MINIFIED     0x8000u  /* very long lines, little whitespace */

struct ronda_class {
	enum ronda_ftype type;
	unsigned flags;
	uint64_t php_offset;  /* first PHP open tag, if RONDA_CF_PHP */
};

const char *ronda_ftype_name(enum ronda_ftype t);

/* Lower-case last extension of name into ext (size >= 16), "" if none. */
void ronda_file_ext(const char *name, char *ext, size_t size);

/* Classify content data[0..len) of a file called name at relpath
 * (either may be "" for decoded layers, which keep the file's name flags). */
void ronda_classify(const char *relpath, const char *name, const char *ext,
		    const unsigned char *data, size_t len,
		    struct ronda_class *out);

#endif
