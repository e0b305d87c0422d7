/*
 * url.h — small URL/host helpers shared by the detectors that follow links
 * and redirects (cloak, jsredirect, seo).  Host extraction itself is
 * ronda_url_host() in text/seo_words.h.
 */
#ifndef RONDA_TEXT_URL_H
#define RONDA_TEXT_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* a - b, or 0 when b > a: the start of a window of b bytes before a. */
static inline uint64_t ronda_sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* Host of the first "http" URL in the string text, else of text itself
 * when it starts with "//"; lower-cased into host[size]. */
bool ronda_first_url_host(const char *text, char *host, size_t size);

/* A link target that points to spam: host is under a free hosting service,
 * or text (the URL or the host) has a gambling slug score; *top (may be
 * NULL) gets the heaviest gambling word when the score was computed. */
bool ronda_url_is_bad(const char *host, const char *text, const char **top);

#endif
