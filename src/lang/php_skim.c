/*
 * php_skim.c — strip comments, blanks and tags from small PHP files (see
 * php_skim.h).  One linear pass, output bounded by the caller's buffer.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "lang/php_skim.h"

static void put(char *out, size_t size, struct ronda_php_skim *r, char c)
{
	if (r->code_len + 1 < size)
		out[r->code_len++] = c;
	else
		r->truncated = true;
}

void ronda_php_skim(const unsigned char *d, size_t len, char *out,
		    size_t size, struct ronda_php_skim *r)
{
	size_t i = 0;
	bool in_php = false;

	memset(r, 0, sizeof(*r));
	while (i < len) {
		if (!in_php) {
			if (d[i] == '<' && i + 1 < len && d[i + 1] == '?') {
				in_php = true;
				i += 2;
				if (i + 3 <= len && !strncasecmp((const char *)d + i, "php", 3))
					i += 3;
				else if (i < len && d[i] == '=') {
					put(out, size, r, 'e');   /* "<?=" is echo */
					put(out, size, r, 'c');
					put(out, size, r, 'h');
					put(out, size, r, 'o');
					put(out, size, r, ' ');
					i++;
				}
				continue;
			}
			if (!isspace(d[i]))
				r->n_inline++;
			i++;
			continue;
		}
		if (d[i] == '?' && i + 1 < len && d[i + 1] == '>') {
			in_php = false;
			i += 2;
			put(out, size, r, ';');
			continue;
		}
		if (d[i] == '#' || (d[i] == '/' && i + 1 < len && d[i + 1] == '/')) {
			if (d[i] == '#' && i + 1 < len && d[i + 1] == '[') {
				put(out, size, r, (char)d[i++]);   /* attribute */
				continue;
			}
			while (i < len && d[i] != '\n' &&
			       !(d[i] == '?' && i + 1 < len && d[i + 1] == '>'))
				i++;
			continue;
		}
		if (d[i] == '/' && i + 1 < len && d[i + 1] == '*') {
			const unsigned char *e = i + 2 < len ?
				memmem(d + i + 2, len - i - 2, "*/", 2) : NULL;
			i = e ? (size_t)(e - d) + 2 : len;
			continue;
		}
		if (d[i] == '\'' || d[i] == '"' || d[i] == '`') {
			unsigned char q = d[i];

			put(out, size, r, (char)d[i++]);
			while (i < len && d[i] != q) {
				if (d[i] == '\\' && i + 1 < len)
					put(out, size, r, (char)d[i++]);
				put(out, size, r, (char)d[i++]);
			}
			if (i < len)
				put(out, size, r, (char)d[i++]);
			continue;
		}
		if (isspace(d[i])) {
			/* keep one blank between two word characters */
			size_t j = i;
			while (j < len && isspace(d[j]))
				j++;
			if (r->code_len && j < len &&
			    (isalnum((unsigned char)out[r->code_len - 1]) ||
			     out[r->code_len - 1] == '_') &&
			    (isalnum(d[j]) || d[j] == '_' || d[j] == '$'))
				put(out, size, r, ' ');
			i = j;
			continue;
		}
		put(out, size, r, (char)d[i++]);
	}
	if (size)
		out[r->code_len < size ? r->code_len : size - 1] = '\0';
}
