/*
 * url.c — URL/host helpers shared by cloak, jsredirect and seo (url.h).
 */
#include <string.h>

#include "text/seo_words.h"
#include "text/url.h"

bool ronda_first_url_host(const char *text, char *host, size_t size)
{
	const char *u = strstr(text, "http");

	while (u) {
		if (ronda_url_host(u, strlen(u), host, size))
			return true;
		u = strstr(u + 4, "http");
	}
	if (text[0] == '/' && text[1] == '/')
		return ronda_url_host(text, strlen(text), host, size) > 0;
	return false;
}

bool ronda_url_is_bad(const char *host, const char *text, const char **top)
{
	return ronda_host_is_free(host) ||
	       ronda_slug_score(text, strlen(text), top) >= RONDA_SLUG_GAMBLING;
}
