/*
 * fuzz_scan.c — the whole scan pipeline on hostile bytes: classification,
 * the vectorscan database, every detector and every decoded layer.  The
 * first input byte picks the file name, so name-driven paths (images,
 * .htaccess, sitemaps, index pages, uploads) are reached too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan.h"

static struct ronda_engine *engine;

static void sink(const struct ronda_result *r, void *arg)
{
	size_t *n = arg;

	/* touch every field a front end reads */
	for (size_t i = 0; i < r->n_findings; i++) {
		*n += strlen(r->findings[i].snippet) + strlen(r->findings[i].layer);
		if (r->findings[i].detail)
			*n += strlen(r->findings[i].detail);
		for (size_t k = 0; k < r->findings[i].n_related; k++)
			*n += strlen(r->findings[i].related[k]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
		"index.php", "wp-content/uploads/2024/01/logo.jpg", ".htaccess",
		".user.ini", "sitemap.xml", "robots.txt", "index.html",
		"templates/footer.php", "assets/app.js", "readme.txt", ".env",
		"backup.sql", "google1234567890abcdef.html", "data.json",
		"wp-config.php.bak", "shell.phtml",
	};
	struct ronda_scan_opts o = { 0 };
	size_t n = 0;

	if (!engine) {
		struct ronda_buf err = RONDA_BUF_INIT(4096);
		if (ronda_engine_new(&o, &engine, &err))
			abort();
		ronda_buf_release(&err);
	}
	if (size < 1)
		return 0;
	o.on_result = sink;
	o.arg = &n;
	ronda_scan_buffer(engine, names[data[0] % (sizeof(names) / sizeof(names[0]))],
			  data + 1, size - 1, &o);
	return 0;
}
