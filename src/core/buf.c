/*
 * buf.c — bounded, always-terminated string buffer (see buf.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/util.h"

char ronda_buf_empty[1];

void ronda_buf_init(struct ronda_buf *b, size_t max)
{
	b->buf = ronda_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->max = max ? max : RONDA_BUF_DEFAULT_MAX;
}

void ronda_buf_release(struct ronda_buf *b)
{
	size_t max = b->max;

	if (b->alloc)
		free(b->buf);
	ronda_buf_init(b, max);
}

void ronda_buf_reset(struct ronda_buf *b)
{
	b->len = 0;
	b->buf[0] = '\0';
}

char *ronda_buf_detach(struct ronda_buf *b, size_t *len)
{
	char *s = b->alloc ? b->buf : xstrdup("");

	if (len)
		*len = b->len;
	ronda_buf_init(b, b->max);
	return s;
}

int ronda_buf_grow(struct ronda_buf *b, size_t extra)
{
	size_t need, n, max = b->max ? b->max : RONDA_BUF_DEFAULT_MAX;

	if (extra > max || b->len > max - extra)
		return RONDA_ETOOBIG;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return RONDA_OK;
	n = b->alloc ? b->alloc : 64;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	if (n > max + 1)
		n = max + 1;
	if (b->alloc) {
		b->buf = xrealloc(b->buf, n);
	} else {
		b->buf = xmalloc(n);
		b->buf[0] = '\0';
	}
	b->alloc = n;
	return RONDA_OK;
}

int ronda_buf_add(struct ronda_buf *b, const void *data, size_t n)
{
	int rc = ronda_buf_grow(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return RONDA_OK;
}

int ronda_buf_addstr(struct ronda_buf *b, const char *s)
{
	return ronda_buf_add(b, s, strlen(s));
}

int ronda_buf_addch(struct ronda_buf *b, int c)
{
	char ch = (char)c;

	return ronda_buf_add(b, &ch, 1);
}

int ronda_buf_vaddf(struct ronda_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	int rc;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return RONDA_EINVAL;
	rc = ronda_buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return RONDA_OK;
}

int ronda_buf_addf(struct ronda_buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = ronda_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void ronda_buf_setlen(struct ronda_buf *b, size_t len)
{
	if (!b->alloc || len >= b->alloc)
		return;
	b->len = len;
	b->buf[len] = '\0';
}

int ronda_buf_add_escaped(struct ronda_buf *b, const void *s, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = s;
	int rc = RONDA_OK;

	for (size_t i = 0; i < n && rc == RONDA_OK; i++) {
		unsigned char c = p[i];
		char esc[4];

		if (c == '\\') {
			rc = ronda_buf_add(b, "\\\\", 2);
		} else if (c >= 0x20 && c < 0x7f) {
			rc = ronda_buf_addch(b, c);
		} else if (c == '\n') {
			rc = ronda_buf_add(b, "\\n", 2);
		} else if (c == '\t') {
			rc = ronda_buf_add(b, "\\t", 2);
		} else if (c == '\r') {
			rc = ronda_buf_add(b, "\\r", 2);
		} else {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = digits[c >> 4];
			esc[3] = digits[c & 15];
			rc = ronda_buf_add(b, esc, 4);
		}
	}
	return rc;
}
