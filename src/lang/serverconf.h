/*
 * serverconf.h — a bounded tokenizer for Apache .htaccess files and PHP
 * .user.ini / php.ini files, for detectors that judge server settings.
 *
 * Apache mode: one directive per logical line (a trailing backslash joins
 * lines), '#' comment lines, arguments separated by whitespace and quoted
 * with "..." or '...' (backslash escapes inside quotes), sections
 * <Name args> ... </Name> tracked on a small stack.  INI mode: "key = value"
 * lines, ';' or '#' comments, [section] headers; a directive's name is the
 * key and its single argument the value.
 *
 * Every byte comes from a hostile web root: logical lines longer than
 * RONDA_CONF_LINE_MAX are cut (the rest of the line is skipped), at most
 * RONDA_CONF_MAX_ARGS arguments are kept, section nesting beyond
 * RONDA_CONF_DEPTH_MAX is counted but not remembered.  The parser owns its
 * buffers; the strings of a ronda_conf_line are valid until the next call.
 */
#ifndef RONDA_SERVERCONF_H
#define RONDA_SERVERCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RONDA_CONF_LINE_MAX 4096
#define RONDA_CONF_MAX_ARGS 8
#define RONDA_CONF_DEPTH_MAX 8
#define RONDA_CONF_SECTION_ARG_MAX 256

enum ronda_conf_kind {
	RONDA_CONF_DIRECTIVE = 0,
	RONDA_CONF_SECTION_OPEN,   /* <Name args>; name without '<' */
	RONDA_CONF_SECTION_CLOSE,  /* </Name>; name without "</" */
};

struct ronda_conf_arg {
	const char *s;     /* NUL-terminated, quotes removed */
	size_t len;
};

struct ronda_conf_line {
	enum ronda_conf_kind kind;
	const char *name;            /* NUL-terminated */
	size_t name_len;
	struct ronda_conf_arg args[RONDA_CONF_MAX_ARGS];
	unsigned n_args;
	bool truncated;              /* line or argument list was cut */
	uint64_t offset;             /* first byte of the line in the data */
	unsigned line;               /* 1-based line number of that byte */
	unsigned depth;              /* sections enclosing this line */
	const char *section;         /* innermost remembered section name, "" */
	const char *section_arg;     /* its first argument, "" */
};

struct ronda_conf_section {
	char name[32];
	char arg[RONDA_CONF_SECTION_ARG_MAX];
};

struct ronda_conf_parser {
	const unsigned char *data;
	size_t len;
	size_t pos;
	unsigned line;
	bool ini;
	unsigned depth;
	struct ronda_conf_section stack[RONDA_CONF_DEPTH_MAX];
	char ini_section[RONDA_CONF_SECTION_ARG_MAX];
	char buf[RONDA_CONF_LINE_MAX + 1];
};

/* Start parsing data[0..len) (not copied: must outlive the parser). */
void ronda_conf_init(struct ronda_conf_parser *p, const unsigned char *data,
		     size_t len, bool ini);

/* Next directive or section line; false at the end of the data. */
bool ronda_conf_next(struct ronda_conf_parser *p, struct ronda_conf_line *out);

/* Case-insensitive comparison of a directive name or argument. */
bool ronda_conf_is(const char *s, size_t len, const char *word);

#endif
