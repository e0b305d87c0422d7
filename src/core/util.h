/*
 * util.h — allocation helpers and small shared utilities.
 *
 * x*alloc() never return NULL: on out-of-memory they print one line and
 * abort (signify, mandoc, redis).  It is the only place the core may end the
 * process; every other failure is returned as a ronda_err.
 */
#ifndef RONDA_UTIL_H
#define RONDA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);

/* Grow *array (of *alloc elements of size elem) to hold at least need. */
void *xgrow(void *array, size_t *alloc, size_t need, size_t elem);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Bounded copy that always NUL-terminates dst (size > 0); returns strlen(src). */
size_t ronda_strlcpy(char *dst, const char *src, size_t size);

/* Strict decimal parse of an unsigned integer with optional K/M/G suffix
 * (binary units) when allow_suffix; returns RONDA_EINVAL on junk/overflow. */
int ronda_parse_size(const char *s, uint64_t *out, bool allow_suffix);
/* Strict decimal parse into [min,max]. */
int ronda_parse_uint(const char *s, unsigned long long min,
		     unsigned long long max, unsigned long long *out);
/* "30d", "12h", "90m", "45s" or plain seconds; RONDA_EINVAL otherwise. */
int ronda_parse_duration(const char *s, uint64_t *seconds);

/* Hex-encode n bytes into out (2n+1 bytes). */
void ronda_hex(const unsigned char *in, size_t n, char *out);

/* True if [s, s+n) is valid UTF-8 (no overlongs, no surrogates). */
bool ronda_utf8_valid(const unsigned char *s, size_t n);

/* Value of a base64 digit in the standard or the URL-safe alphabet
 * (+ and - are 62, / and _ are 63), -1 for any other byte. */
int ronda_b64_value(unsigned char c);

/* Monotonic clock in nanoseconds. */
uint64_t ronda_now_ns(void);
/* CPU time of the calling thread, in ns. */
uint64_t ronda_thread_cpu_ns(void);

#include "core/banned.h"
#endif
