/*
 * fuzz_normalize.c — libFuzzer target for the text normaliser, the lexicon
 * matcher and the HTML tag iterator: any bytes, every option combination;
 * the output must stay in the normalised alphabet and within its bound, the
 * offset map must point inside the input and never go backwards, every
 * lexicon hit must lie inside the text, and the fast paths must agree with
 * the reference (per-character) path unit for unit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "text/html.h"
#include "text/lexicon.h"
#include "text/normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ronda_lexicon *lexicon;

static int on_hit(const struct ronda_lex_hit *h, void *arg)
{
	const struct ronda_norm *n = arg;

	if (h->end > n->len || h->start > h->end)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ronda_norm n;

	if (!lexicon) {
		static const char *const files[] = { "judol-lexicon",
						     "judol-negative",
						     "judol-brands" };
		struct ronda_buf err = RONDA_BUF_INIT(512);

		if (ronda_lexicon_new(files, 3, &lexicon, &err))
			abort();
		ronda_buf_release(&err);
	}
	ronda_norm_init(&n, 1 + size / 2);
	for (unsigned opts = 0; opts < 16; opts += 3) {
		ronda_norm_run(&n, data, size, opts);
		if (n.len > n.max_out || n.text[n.len] != '\0')
			abort();
		for (size_t i = 0; i < n.len; i++) {
			char c = n.text[i];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			      (c == ' ' && i && i + 1 < n.len && n.text[i - 1] != ' ')))
				abort();
			if (n.map[i] >= size || (i && n.map[i] < n.map[i - 1]))
				abort();
		}
		ronda_lexicon_scan(lexicon, n.text, n.len, on_hit, &n);
		/* the fast paths (SIMD blocks, block moves) must give what
		 * the plain per-character path gives */
		struct ronda_norm r;

		ronda_norm_init(&r, 1 + size / 2);
		ronda_norm_run(&r, data, size, opts | RONDA_NORM__REFERENCE);
		if (r.len != n.len || memcmp(r.text, n.text, n.len) ||
		    memcmp(r.map, n.map, n.len * sizeof(*n.map)) ||
		    memcmp(r.flags, n.flags, n.len) || r.truncated != n.truncated ||
		    r.n_folded != n.n_folded || r.n_hidden != n.n_hidden ||
		    r.n_joined != n.n_joined || r.n_leet != n.n_leet ||
		    r.n_entities != n.n_entities)
			abort();
		ronda_norm_release(&r);
	}
	ronda_norm_release(&n);

	struct ronda_html_iter it;
	struct ronda_html_tag t;
	size_t last = 0;

	ronda_html_iter_init(&it, data, size);
	while (ronda_html_next(&it, &t)) {
		const unsigned char *v;
		size_t vl;

		if (t.start < last || t.end > size || t.body_end > size ||
		    t.body_start > t.body_end)
			abort();
		last = t.end;
		if (ronda_html_attr(&t, "href", &v, &vl) &&
		    (v < data || v + vl > data + size))
			abort();
	}
	return 0;
}
