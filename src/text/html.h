/*
 * html.h — a forgiving, bounded HTML tag iterator for detectors.
 *
 * Not a parser: it walks the bytes once, yields every start or end tag with
 * its name and raw attribute bytes, skips comments, and hands over the raw
 * body of <script>, <style>, <textarea> and <title> elements instead of
 * tokenising inside them.  Works on PHP templates too (PHP code is text to
 * it).  A '<' with no '>' within RONDA_HTML_MAX_TAG bytes is text.
 * Linear in the input; no allocation; the tag points into the input.
 */
#ifndef RONDA_TEXT_HTML_H
#define RONDA_TEXT_HTML_H

#include <stdbool.h>
#include <stddef.h>

#define RONDA_HTML_MAX_TAG 8192

struct ronda_html_tag {
	char name[16];          /* lower case; "" if longer than 15 bytes */
	bool closing;           /* </name> */
	bool selfclose;         /* <name ... /> */
	size_t start, end;      /* '<' and just past '>' */
	const unsigned char *attrs;  /* raw bytes between the name and '>' */
	size_t attrs_len;
	/* raw-text elements (script, style, textarea, title): the body */
	size_t body_start, body_end; /* equal when none */
};

struct ronda_html_iter {
	const unsigned char *s;
	size_t len;
	size_t pos;
	size_t next_gt;
	bool have_gt;
};

void ronda_html_iter_init(struct ronda_html_iter *it, const void *data,
			  size_t len);
/* Next tag, or false at the end. */
bool ronda_html_next(struct ronda_html_iter *it, struct ronda_html_tag *tag);

/* Value of attribute `name` (lower case) of tag, quotes removed.  False if
 * absent; a bare attribute (<div hidden>) yields an empty value. */
bool ronda_html_attr(const struct ronda_html_tag *tag, const char *name,
		     const unsigned char **val, size_t *vlen);

/* Case-insensitive search of the ASCII needle in s[0..n); offset or n. */
size_t ronda_memcasemem(const void *s, size_t n, const char *needle);

#endif
