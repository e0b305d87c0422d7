/*
 * seo_words.h — word lists and small URL helpers shared by the cloaking and
 * SEO-spam detectors (cloak, htaccess, seo, jsredirect).
 *
 * The lists are rules/seo-crawlers.txt, seo-slugs.txt, seo-hosts.txt and
 * seo-front.txt, parsed on first use by ronda_seo_words_init() (thread-safe,
 * idempotent) and read-only afterwards, so every function below may be
 * called from scan threads at once.  Nothing here allocates memory that
 * outlives a call, besides the crawler words' vectorscan database (built
 * once) and the thread's scratch (core/hscache.h); returned words point
 * into static tables.
 */
#ifndef RONDA_SEO_WORDS_H
#define RONDA_SEO_WORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	RONDA_CRAWL_UA = 0x1u,      /* crawler name in a User-Agent test */
	RONDA_CRAWL_REF = 0x2u,     /* search engine in a Referer test */
	RONDA_CRAWL_MOBILE = 0x4u,  /* mobile User-Agent token */
	RONDA_CRAWL_IP = 0x8u,      /* Google crawler address / rDNS name */
	RONDA_CRAWL_UAGEN = 0x10u,  /* generic bot word (bot|, crawler) */
};

struct ronda_crawl_match {
	unsigned kind;      /* one RONDA_CRAWL_* bit */
	const char *word;   /* the list entry that matched (static) */
	const char *how;    /* "literal", "concatenated", "reversed", "base64" */
};

/* Load the lists.  Returns RONDA_OK or RONDA_EINVAL when a rules file is
 * missing or malformed (a build problem). */
int ronda_seo_words_init(void);

/* Look for a listed word of one of `kinds` in p[0..n), case-insensitively:
 * as written, with string concatenation removed ('Goo'.'gle' or "a"+"b"),
 * reversed (strrev), or inside a quoted base64 literal (the first 64).
 * The first form in that order that has one wins, and within it the word
 * listed first (in a base64 literal: the first literal, forward before
 * reversed); generic bot words (RONDA_CRAWL_UAGEN) count only when no other
 * kind asked for is found in any form.  Windows longer than
 * RONDA_CRAWL_WINDOW_MAX are cut.  Returns true and fills *m.  Must not be
 * called from inside a match callback of another scan that uses the
 * thread's scratch (core/hscache.h). */
#define RONDA_CRAWL_WINDOW_MAX ((size_t)32 << 10)
bool ronda_crawl_find(const unsigned char *p, size_t n, unsigned kinds,
		      struct ronda_crawl_match *m);

/* ronda_crawl_find() for each of kinds[0..n_kinds) on the same window, with
 * the window searched once: bit k of the result is set, and m[k] filled,
 * when kinds[k] found a word, exactly as ronda_crawl_find(p, n, kinds[k],
 * &m[k]) would.  At most RONDA_CRAWL_EACH_MAX sets; more are ignored. */
#define RONDA_CRAWL_EACH_MAX 8u
unsigned ronda_crawl_find_each(const unsigned char *p, size_t n,
			       const unsigned *kinds, size_t n_kinds,
			       struct ronda_crawl_match *m);

/* A file many windows of which are searched (cloak's assignments and
 * conditions): the step "as written" of every window is answered from one
 * scan of the whole file that lists where each word ends (a word is a
 * caseless literal, so it starts its length before), instead of one scan
 * per window; the other steps are done per window as above.  The file is
 * scanned once the windows scanned alone before have cost about as much
 * (each its length plus 1 KiB for the call), so a file with few windows
 * does not pay for a whole-file scan.  Files over
 * RONDA_CRAWL_FILE_MAX bytes, or with more than RONDA_CRAWL_FILE_HITS word
 * matches, are not indexed: their windows are scanned alone, as by
 * ronda_crawl_find_each().  Fields are private; zero the struct or call
 * ronda_crawl_file_init(), release with ronda_crawl_file_release(). */
#define RONDA_CRAWL_FILE_MAX ((size_t)8 << 20)
#define RONDA_CRAWL_FILE_HITS 2048u
struct ronda_crawl_file {
	const unsigned char *p;
	size_t n;
	int state;                  /* 0 not indexed yet, 1 indexed, -1 never */
	size_t cost;                /* of the windows scanned alone so far */
	unsigned n_hits;
	struct ronda_crawl_hit { uint32_t end, id; } *hits;   /* by end */
};
void ronda_crawl_file_init(struct ronda_crawl_file *cf,
			   const unsigned char *p, size_t n);
void ronda_crawl_file_release(struct ronda_crawl_file *cf);
/* ronda_crawl_find_each(cf->p + off, n, ...), with the same answers. */
unsigned ronda_crawl_find_each_in(struct ronda_crawl_file *cf, size_t off,
				  size_t n, const unsigned *kinds,
				  size_t n_kinds, struct ronda_crawl_match *m);
/* False when no window of the file can hold a word of `kinds` in any form:
 * ronda_crawl_find_each_in() then finds none of them, whatever the window.
 * True may be wrong (cheap evidence: the file's word matches, the bytes
 * that a run of joins brings together, every quoted base64 literal
 * decoded).  Indexes the file. */
bool ronda_crawl_file_may_hold(struct ronda_crawl_file *cf, unsigned kinds);

/* Gambling score of a slug, path, URL or host name (see rules/seo-slugs.txt);
 * *top (may be NULL) gets the heaviest word seen or NULL.  A score of
 * RONDA_SLUG_GAMBLING or more marks a gambling slug. */
#define RONDA_SLUG_GAMBLING 3u
unsigned ronda_slug_score(const char *s, size_t n, const char **top);

/* Host of an absolute ("http://", "https://") or scheme-relative ("//") URL
 * in url[0..n), lower-cased into host[size]; returns its length or 0. */
size_t ronda_url_host(const char *url, size_t n, char *host, size_t size);
/* The registrable part of a host ("kab.go.id" for "www.kab.go.id",
 * "example.com" for "a.b.example.com"); points into host. */
const char *ronda_host_site(const char *host);
/* Under a free hosting / paste service of rules/seo-hosts.txt. */
bool ronda_host_is_free(const char *host);
/* Under an Indonesian government / academic / school zone. */
bool ronda_host_is_gov(const char *host);

/* name[0..n) (a path; its last component before any '?' counts) is a CMS
 * front controller of rules/seo-front.txt. */
bool ronda_front_controller(const char *name, size_t n);

/* Decode standard or URL-safe base64 from in[0..n), ignoring whitespace;
 * stops at the first other byte or at size.  Returns bytes written. */
size_t ronda_b64_decode(const unsigned char *in, size_t n, unsigned char *out,
			size_t size);

/* Case-insensitive search of needle[0..m) in hay[0..n); NULL if absent. */
const unsigned char *ronda_seo_memcase(const unsigned char *hay, size_t n,
				      const char *needle, size_t m);

#endif
