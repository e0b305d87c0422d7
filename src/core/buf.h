/*
 * buf.h — the one string buffer of ronda.
 *
 * git strbuf's rules with curl dynbuf's hard cap: `buf` is never NULL and
 * always NUL-terminated (a fresh buffer points at a static empty string);
 * `len` excludes the NUL; no operation ever grows the buffer beyond `max`
 * bytes of content: it fails with RONDA_ETOOBIG and leaves the content as it
 * was.  Everything ronda reads from a web root or an HTTP response goes
 * through a bounded ronda_buf.
 *
 * Ownership: the buffer owns `buf`; ronda_buf_detach() hands it to the
 * caller (who frees it with free()) and resets the buffer.
 */
#ifndef RONDA_BUF_H
#define RONDA_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct ronda_buf {
	char *buf;
	size_t len;
	size_t alloc;
	size_t max;
};

#define RONDA_BUF_DEFAULT_MAX ((size_t)1 << 30)

/* max 0 means RONDA_BUF_DEFAULT_MAX */
extern char ronda_buf_empty[];
#define RONDA_BUF_INIT(maxlen) { ronda_buf_empty, 0, 0, (maxlen) }

void ronda_buf_init(struct ronda_buf *b, size_t max);
void ronda_buf_release(struct ronda_buf *b);
void ronda_buf_reset(struct ronda_buf *b);
char *ronda_buf_detach(struct ronda_buf *b, size_t *len);

/* Make room for `extra` more bytes; RONDA_ETOOBIG past max. */
int ronda_buf_grow(struct ronda_buf *b, size_t extra);
int ronda_buf_add(struct ronda_buf *b, const void *data, size_t n);
int ronda_buf_addstr(struct ronda_buf *b, const char *s);
int ronda_buf_addch(struct ronda_buf *b, int c);
int ronda_buf_addf(struct ronda_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ronda_buf_vaddf(struct ronda_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void ronda_buf_setlen(struct ronda_buf *b, size_t len);

/* Append s[0..n) escaped for a one-line human display: printable ASCII as
 * is, backslash as "\\", everything else as \n, \t, \r or \xNN. */
int ronda_buf_add_escaped(struct ronda_buf *b, const void *s, size_t n);

#endif
