/*
 * html.c — bounded tag iteration over HTML and PHP templates.
 */
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/util.h"
#include "text/html.h"

static unsigned char lc(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static bool name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == ':' || c == '_';
}

static bool space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Candidates are where the needle's first and last bytes both sit, 16
 * positions at a time with SSE2 (one compare per end; a letter is matched
 * in either case by setting bit 0x20 of the text, which maps nothing else
 * onto a lowercase letter), then checked whole: callers search whole files
 * for many needles, and a common first letter alone stops memchr() every
 * few bytes.  Without SSE2, memchr() on the first byte (one call per case). */
size_t ronda_memcasemem(const void *data, size_t n, const char *needle)
{
	const unsigned char *s = data, *end, *pa, *pb;
	size_t nl = strlen(needle), i = 0;
	unsigned char a = lc((unsigned char)needle[0]);
	unsigned char b = (unsigned char)(a >= 'a' && a <= 'z' ? a - 32 : a);

	if (!nl || nl > n)
		return n;
#ifdef __SSE2__
	{
		unsigned char z = lc((unsigned char)needle[nl - 1]);
		const __m128i fa = _mm_set1_epi8((char)a), fz = _mm_set1_epi8((char)z);
		const __m128i ca = _mm_set1_epi8(a >= 'a' && a <= 'z' ? 0x20 : 0);
		const __m128i cz = _mm_set1_epi8(z >= 'a' && z <= 'z' ? 0x20 : 0);

		/* blocks of 16 candidate starts, all of them <= n - nl */
		for (; i + 16 <= n - nl + 1; i += 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
			__m128i y = _mm_loadu_si128((const __m128i *)(s + i + nl - 1));
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
				_mm_cmpeq_epi8(_mm_or_si128(x, ca), fa),
				_mm_cmpeq_epi8(_mm_or_si128(y, cz), fz)));

			while (m) {
				size_t p = i + (size_t)__builtin_ctz(m), j = 1;

				while (j < nl && lc(s[p + j]) == lc((unsigned char)needle[j]))
					j++;
				if (j == nl)
					return p;
				m &= m - 1;
			}
		}
	}
#endif
	end = s + (n - nl + 1);          /* last candidate start + 1 */
	pa = memchr(s + i, a, (size_t)(end - s - i));
	pb = b != a ? memchr(s + i, b, (size_t)(end - s - i)) : NULL;
	while (pa || pb) {
		const unsigned char *p = !pb || (pa && pa < pb) ? pa : pb;
		size_t j = 1;

		while (j < nl && lc(p[j]) == lc((unsigned char)needle[j]))
			j++;
		if (j == nl)
			return (size_t)(p - s);
		if (p == pa)
			pa = memchr(pa + 1, a, (size_t)(end - pa - 1));
		else
			pb = memchr(pb + 1, b, (size_t)(end - pb - 1));
	}
	return n;
}

void ronda_html_iter_init(struct ronda_html_iter *it, const void *data,
			  size_t len)
{
	memset(it, 0, sizeof(*it));
	it->s = data;
	it->len = len;
}

static const char *const raw_elements[] = { "script", "style", "textarea",
					    "title" };

bool ronda_html_next(struct ronda_html_iter *it, struct ronda_html_tag *tag)
{
	const unsigned char *s = it->s;
	size_t len = it->len;

	while (it->pos < len) {
		const unsigned char *lt = memchr(s + it->pos, '<', len - it->pos);

		if (!lt) {
			it->pos = len;
			return false;
		}
		size_t i = (size_t)(lt - s);

		if (i + 3 < len && s[i + 1] == '!' && s[i + 2] == '-' &&
		    s[i + 3] == '-') {
			const unsigned char *e = i + 4 < len ?
				memmem(s + i + 4, len - i - 4, "-->", 3) : NULL;
			it->pos = e ? (size_t)(e - s) + 3 : len;
			continue;
		}
		size_t n = i + 1;
		bool closing = false;

		if (n < len && s[n] == '/') {
			closing = true;
			n++;
		}
		if (n >= len || !((s[n] >= 'a' && s[n] <= 'z') ||
				  (s[n] >= 'A' && s[n] <= 'Z') || s[n] == '!')) {
			it->pos = i + 1;
			continue;
		}
		if (!it->have_gt || it->next_gt <= i) {
			const unsigned char *g = memchr(s + i, '>', len - i);
			it->next_gt = g ? (size_t)(g - s) : len;
			it->have_gt = true;
		}
		if (it->next_gt >= len || it->next_gt - i > RONDA_HTML_MAX_TAG) {
			it->pos = i + 1;
			continue;
		}
		size_t gt = it->next_gt;
		size_t k = 0;

		memset(tag, 0, sizeof(*tag));
		if (s[n] == '!')
			n++;
		while (n < gt && name_char(s[n])) {
			if (k < sizeof(tag->name) - 1)
				tag->name[k] = (char)lc(s[n]);
			k++;
			n++;
		}
		if (k >= sizeof(tag->name))
			tag->name[0] = '\0';
		tag->closing = closing;
		tag->start = i;
		tag->end = gt + 1;
		tag->attrs = s + n;
		tag->attrs_len = gt - n;
		tag->selfclose = gt > n && s[gt - 1] == '/';
		tag->body_start = tag->body_end = tag->end;
		it->pos = gt + 1;
		if (!closing && !tag->selfclose) {
			for (size_t r = 0; r < ARRAY_SIZE(raw_elements); r++) {
				char close[16];

				if (strcmp(tag->name, raw_elements[r]))
					continue;
				snprintf(close, sizeof(close), "</%s", raw_elements[r]);
				size_t e = tag->end + ronda_memcasemem(s + tag->end,
								       len - tag->end, close);
				tag->body_end = e;
				if (e < len) {
					const unsigned char *g = memchr(s + e, '>', len - e);
					it->pos = g ? (size_t)(g - s) + 1 : len;
				} else {
					it->pos = len;
				}
				break;
			}
		}
		return true;
	}
	return false;
}

bool ronda_html_attr(const struct ronda_html_tag *tag, const char *name,
		     const unsigned char **val, size_t *vlen)
{
	const unsigned char *a = tag->attrs;
	size_t n = tag->attrs_len, i = 0, nl = strlen(name);

	while (i < n) {
		size_t i0 = i;

		while (i < n && (space(a[i]) || a[i] == '/'))
			i++;
		size_t ks = i;

		while (i < n && !space(a[i]) && a[i] != '=' && a[i] != '>')
			i++;
		size_t ke = i;

		while (i < n && space(a[i]))
			i++;
		const unsigned char *v = a + i;
		size_t vl = 0;

		if (i < n && a[i] == '=') {
			i++;
			while (i < n && space(a[i]))
				i++;
			if (i < n && (a[i] == '"' || a[i] == '\'')) {
				unsigned char q = a[i++];
				const unsigned char *e = memchr(a + i, q, n - i);
				size_t end = e ? (size_t)(e - a) : n;

				v = a + i;
				vl = end - i;
				i = end + 1;
			} else {
				v = a + i;
				while (i < n && !space(a[i]))
					i++;
				vl = (size_t)(a + i - v);
			}
		} else {
			v = a + ke;
		}
		if (ke - ks == nl) {
			size_t j = 0;

			while (j < nl && lc(a[ks + j]) == (unsigned char)name[j])
				j++;
			if (j == nl) {
				*val = v;
				*vlen = vl;
				return true;
			}
		}
		if (i == i0)
			i++;  /* stray byte: move on */
	}
	return false;
}
