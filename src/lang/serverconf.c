/*
 * serverconf.c — .htaccess and .user.ini tokenizer (see serverconf.h).
 */
#include <string.h>
#include <strings.h>

#include "lang/serverconf.h"
#include "core/util.h"

void ronda_conf_init(struct ronda_conf_parser *p, const unsigned char *data,
		     size_t len, bool ini)
{
	memset(p, 0, sizeof(*p));
	p->data = data;
	p->len = len;
	p->line = 1;
	p->ini = ini;
}

bool ronda_conf_is(const char *s, size_t len, const char *word)
{
	size_t wl = strlen(word);
	return len == wl && !strncasecmp(s, word, wl);
}

static bool is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Copy the next logical line into p->buf (Apache continuation lines joined
 * in Apache mode).  Returns false at the end. */
static bool read_line(struct ronda_conf_parser *p, size_t *outlen,
		      bool *truncated, uint64_t *offset, unsigned *line)
{
	size_t o = 0;

	if (p->pos >= p->len)
		return false;
	*truncated = false;
	*offset = p->pos;
	*line = p->line;
	while (p->pos < p->len) {
		const unsigned char *s = p->data + p->pos;
		const unsigned char *nl = memchr(s, '\n', p->len - p->pos);
		size_t n = nl ? (size_t)(nl - s) : p->len - p->pos;
		bool cont;

		p->pos += n + (nl ? 1 : 0);
		if (nl)
			p->line++;
		while (n && s[n - 1] == '\r')
			n--;
		cont = !p->ini && n && s[n - 1] == '\\' && nl;
		if (cont)
			n--;
		for (size_t i = 0; i < n; i++) {
			if (o >= RONDA_CONF_LINE_MAX) {
				*truncated = true;
				break;
			}
			/* NUL bytes would end the strings early: blank them */
			p->buf[o++] = s[i] ? (char)s[i] : ' ';
		}
		if (!cont)
			break;
		if (o < RONDA_CONF_LINE_MAX)
			p->buf[o++] = ' ';
	}
	p->buf[o] = '\0';
	*outlen = o;
	return true;
}

/* Split buf[0..n) into words in place (quotes removed, escapes resolved). */
static unsigned split_args(char *buf, size_t n, struct ronda_conf_arg *args,
			   unsigned max, bool *truncated)
{
	size_t i = 0;
	unsigned na = 0;

	while (i < n) {
		size_t o;
		char q = 0;

		while (i < n && is_blank(buf[i]))
			i++;
		if (i >= n)
			break;
		if (na == max) {
			*truncated = true;
			break;
		}
		if (buf[i] == '"' || buf[i] == '\'')
			q = buf[i++];
		args[na].s = buf + i;
		o = i;
		while (i < n) {
			char c = buf[i];
			if (q) {
				if (c == '\\' && i + 1 < n &&
				    (buf[i + 1] == q || buf[i + 1] == '\\')) {
					buf[o++] = buf[i + 1];
					i += 2;
					continue;
				}
				if (c == q) {
					i++;
					break;
				}
			} else if (is_blank(c)) {
				break;
			}
			buf[o++] = c;
			i++;
		}
		args[na].len = o - (size_t)(args[na].s - buf);
		/* o <= i: the terminator lands on consumed bytes, the blank that
		 * ended the word, or the NUL at buf[n] */
		buf[o] = '\0';
		if (!q && i < n)
			i++;
		na++;
	}
	return na;
}

static void section_strings(const struct ronda_conf_parser *p,
			    struct ronda_conf_line *out)
{
	if (p->ini) {
		out->section = p->ini_section;
		out->section_arg = "";
	} else if (p->depth && p->depth <= RONDA_CONF_DEPTH_MAX) {
		out->section = p->stack[p->depth - 1].name;
		out->section_arg = p->stack[p->depth - 1].arg;
	} else {
		out->section = "";
		out->section_arg = "";
	}
}

static bool apache_line(struct ronda_conf_parser *p, char *s, size_t n,
			struct ronda_conf_line *out)
{
	struct ronda_conf_arg words[RONDA_CONF_MAX_ARGS + 1];
	unsigned nw;

	if (*s == '<') {
		bool close = n > 1 && s[1] == '/';
		char *body = s + (close ? 2 : 1);
		size_t bl = n - (size_t)(body - s);

		while (bl && (is_blank(body[bl - 1]) || body[bl - 1] == '>'))
			bl--;
		body[bl] = '\0';
		nw = split_args(body, bl, words, RONDA_CONF_MAX_ARGS + 1,
				&out->truncated);
		if (!nw)
			return false;
		out->kind = close ? RONDA_CONF_SECTION_CLOSE : RONDA_CONF_SECTION_OPEN;
		out->name = words[0].s;
		out->name_len = words[0].len;
		out->n_args = nw - 1;
		memcpy(out->args, words + 1, sizeof(words[0]) * out->n_args);
		if (close) {
			if (p->depth)
				p->depth--;
			out->depth = p->depth;
			section_strings(p, out);
		} else {
			out->depth = p->depth;
			section_strings(p, out);
			if (p->depth < RONDA_CONF_DEPTH_MAX) {
				struct ronda_conf_section *sec = &p->stack[p->depth];
				ronda_strlcpy(sec->name, out->name, sizeof(sec->name));
				ronda_strlcpy(sec->arg, out->n_args ? out->args[0].s : "",
					      sizeof(sec->arg));
			}
			if (p->depth < 1000000)
				p->depth++;
		}
		return true;
	}
	nw = split_args(s, n, words, RONDA_CONF_MAX_ARGS + 1, &out->truncated);
	if (!nw)
		return false;
	out->kind = RONDA_CONF_DIRECTIVE;
	out->name = words[0].s;
	out->name_len = words[0].len;
	out->n_args = nw - 1;
	memcpy(out->args, words + 1, sizeof(words[0]) * out->n_args);
	out->depth = p->depth;
	section_strings(p, out);
	return true;
}

static bool ini_line(struct ronda_conf_parser *p, char *s, size_t n,
		     struct ronda_conf_line *out)
{
	char *eq, *k, *v;
	size_t kl, vl;

	if (*s == '[') {
		char *end = memchr(s, ']', n);
		size_t sl = end ? (size_t)(end - s - 1) : n - 1;
		if (sl >= sizeof(p->ini_section))
			sl = sizeof(p->ini_section) - 1;
		memcpy(p->ini_section, s + 1, sl);
		p->ini_section[sl] = '\0';
		return false;
	}
	eq = memchr(s, '=', n);
	if (!eq)
		return false;
	k = s;
	kl = (size_t)(eq - s);
	while (kl && is_blank(k[kl - 1]))
		kl--;
	if (!kl)
		return false;
	k[kl] = '\0';
	v = eq + 1;
	vl = n - (size_t)(v - s);
	while (vl && is_blank(*v)) {
		v++;
		vl--;
	}
	if (vl && (*v == '"' || *v == '\'')) {
		char q = *v;
		char *end = memchr(v + 1, q, vl - 1);
		v++;
		vl = end ? (size_t)(end - v) : vl - 1;
	} else {
		char *sc = memchr(v, ';', vl);
		if (sc)
			vl = (size_t)(sc - v);
		while (vl && is_blank(v[vl - 1]))
			vl--;
	}
	v[vl] = '\0';
	out->kind = RONDA_CONF_DIRECTIVE;
	out->name = k;
	out->name_len = kl;
	out->args[0].s = v;
	out->args[0].len = vl;
	out->n_args = 1;
	out->depth = 0;
	section_strings(p, out);
	return true;
}

bool ronda_conf_next(struct ronda_conf_parser *p, struct ronda_conf_line *out)
{
	size_t n;
	bool truncated;
	uint64_t offset;
	unsigned line;

	while (read_line(p, &n, &truncated, &offset, &line)) {
		char *s = p->buf;

		while (n && is_blank(*s)) {
			s++;
			n--;
		}
		while (n && is_blank(s[n - 1]))
			n--;
		s[n] = '\0';
		if (!n || *s == '#' || (p->ini && *s == ';'))
			continue;
		memset(out, 0, sizeof(*out));
		out->truncated = truncated;
		out->offset = offset;
		out->line = line;
		if (p->ini ? ini_line(p, s, n, out) : apache_line(p, s, n, out))
			return true;
	}
	return false;
}
