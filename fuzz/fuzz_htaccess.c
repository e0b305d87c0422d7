/*
 * fuzz_htaccess.c — libFuzzer target for the .htaccess / .user.ini
 * tokenizer (both modes) and the crawler-list search the SEO detectors run
 * on the same hostile bytes: every line must lie inside the input, offsets
 * must grow, strings must be NUL-terminated within the line cap.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lang/serverconf.h"
#include "text/seo_words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ronda_conf_parser p;
	struct ronda_conf_line l;
	struct ronda_crawl_match m;

	for (int ini = 0; ini < 2; ini++) {
		uint64_t last = 0;
		unsigned n = 0;

		ronda_conf_init(&p, data, size, ini);
		while (ronda_conf_next(&p, &l)) {
			if (l.offset >= size || (n++ && l.offset <= last))
				abort();
			last = l.offset;
			if (l.name_len != strlen(l.name) || l.name_len > RONDA_CONF_LINE_MAX ||
			    l.n_args > RONDA_CONF_MAX_ARGS)
				abort();
			for (unsigned i = 0; i < l.n_args; i++)
				if (strlen(l.args[i].s) != l.args[i].len)
					abort();
			if (strlen(l.section) >= RONDA_CONF_SECTION_ARG_MAX ||
			    strlen(l.section_arg) >= RONDA_CONF_SECTION_ARG_MAX)
				abort();
		}
	}
	if (ronda_seo_words_init() == 0) {
		ronda_crawl_find(data, size, ~0u, &m);
		ronda_slug_score((const char *)data, size, NULL);
	}
	return 0;
}
