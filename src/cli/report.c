/*
 * report.c — human report and JSON Lines for findings (see report.h).
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"

struct report_finding {
	const struct ronda_rule *rule;
	int severity;
	unsigned confidence, line, count;
	uint64_t offset;
	char *layer, *snippet, *detail;
	char **related;
	size_t n_related;
	size_t folded;          /* page findings folded into this farm finding */
};

struct report_file {
	char *path;
	char sha256[65];
	const char *type;
	int worst;
	struct report_finding *f;
	size_t n;
};

struct held {
	char *dir;                 /* parent folder of the page */
	char **lines;              /* JSON lines, one per finding */
	int *sev;
	size_t n;
};

static void held_free(struct held *h)
{
	for (size_t k = 0; k < h->n; k++)
		free(h->lines[k]);
	free(h->lines);
	free(h->sev);
	free(h->dir);
}

static void file_free(struct report_file *rf)
{
	for (size_t k = 0; k < rf->n; k++) {
		free(rf->f[k].layer);
		free(rf->f[k].snippet);
		free(rf->f[k].detail);
		for (size_t j = 0; j < rf->f[k].n_related; j++)
			free(rf->f[k].related[j]);
		free(rf->f[k].related);
	}
	free(rf->f);
	free(rf->path);
}

void report_init(struct report *r, FILE *out, bool json, int min_severity)
{
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->json = json;
	r->color = !json && cli_use_color(out);
	r->min_severity = min_severity;
	r->worst = -1;
	r->command = "scan";
}

void report_release(struct report *r)
{
	for (size_t i = 0; i < r->n_files; i++)
		file_free(&r->files[i]);
	free(r->files);
	r->files = NULL;
	r->n_files = 0;
	for (size_t i = 0; i < r->n_held; i++)
		held_free(&r->held[i]);
	free(r->held);
	r->held = NULL;
	r->n_held = 0;
}

void report_json_path(json_t *obj, const char *key, const char *path)
{
	size_t len = strlen(path);

	if (ronda_utf8_valid((const unsigned char *)path, len)) {
		json_object_set_new(obj, key, json_stringn(path, len));
		return;
	}
	/* invalid UTF-8: a readable lossy copy plus the exact bytes */
	{
		struct ronda_buf b = RONDA_BUF_INIT(0);
		const unsigned char *p = (const unsigned char *)path;
		char k2[64];
		int outlen = 0;
		unsigned char *b64;

		for (size_t i = 0; i < len;) {
			size_t n = 1;
			if (p[i] >= 0x80) {
				n = (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3 :
				    (p[i] & 0xf8) == 0xf0 ? 4 : 1;
				if (i + n > len || !ronda_utf8_valid(p + i, n)) {
					ronda_buf_addstr(&b, "\xef\xbf\xbd");
					i++;
					continue;
				}
			}
			ronda_buf_add(&b, p + i, n);
			i += n;
		}
		json_object_set_new(obj, key, json_stringn(b.buf, b.len));
		ronda_buf_release(&b);
		b64 = xmalloc(4 * ((len + 2) / 3) + 1);
		outlen = EVP_EncodeBlock(b64, (const unsigned char *)path, (int)len);
		snprintf(k2, sizeof(k2), "%s_b64", key);
		json_object_set_new(obj, k2, json_stringn((char *)b64, (size_t)outlen));
		free(b64);
	}
}

static json_t *json_text(const char *s)
{
	/* snippets and details are escaped ASCII or our own UTF-8; be safe */
	size_t len = strlen(s);

	if (ronda_utf8_valid((const unsigned char *)s, len))
		return json_stringn(s, len);
	{
		struct ronda_buf b = RONDA_BUF_INIT(0);
		json_t *j;
		ronda_buf_add_escaped(&b, s, len);
		j = json_stringn(b.buf, b.len);
		ronda_buf_release(&b);
		return j;
	}
}

static char *json_finding_line(const struct ronda_result *res,
			       const struct ronda_finding *fd, const char *command,
			       size_t folded)
{
	json_t *o = json_object();
	char *line;

	json_object_set_new(o, "type", json_string("finding"));
	json_object_set_new(o, "tool", json_string("ronda"));
	json_object_set_new(o, "command", json_string(command));
	report_json_path(o, "path", res->path);
	if (res->root)
		report_json_path(o, "root", res->root);
	if (res->sha256[0])
		json_object_set_new(o, "sha256", json_string(res->sha256));
	if (res->st) {
		json_object_set_new(o, "size", json_integer((json_int_t)res->st->st_size));
		json_object_set_new(o, "mode", json_integer((json_int_t)(res->st->st_mode & 07777)));
		json_object_set_new(o, "uid", json_integer((json_int_t)res->st->st_uid));
		json_object_set_new(o, "mtime", json_integer((json_int_t)res->st->st_mtime));
		json_object_set_new(o, "file_type", json_string(ronda_ftype_name(res->type)));
	}
	json_object_set_new(o, "rule", json_string(fd->rule->id));
	json_object_set_new(o, "category", json_string(ronda_category_name(fd->rule->category)));
	json_object_set_new(o, "severity", json_string(ronda_severity_name(fd->severity)));
	json_object_set_new(o, "confidence", json_integer(fd->confidence));
	if (fd->line)
		json_object_set_new(o, "line", json_integer(fd->line));
	json_object_set_new(o, "offset", json_integer((json_int_t)fd->offset));
	json_object_set_new(o, "depth", json_integer(fd->depth));
	json_object_set_new(o, "layer", json_string(fd->layer));
	json_object_set_new(o, "count", json_integer(fd->count));
	json_object_set_new(o, "snippet", json_text(fd->snippet));
	json_object_set_new(o, "message", json_text(fd->rule->summary));  /* English: machine output */
	if (fd->detail)
		json_object_set_new(o, "detail", json_text(fd->detail));
	json_object_set_new(o, "remedy", json_text(fd->rule->remedy));
	if (fd->n_related) {
		json_t *a = json_array();
		for (size_t i = 0; i < fd->n_related; i++) {
			json_t *tmp = json_object();
			report_json_path(tmp, "p", fd->related[i]);
			json_array_append(a, json_object_get(tmp, "p"));
			json_decref(tmp);
		}
		json_object_set_new(o, "related", a);
	}
	if (folded)
		json_object_set_new(o, "folded", json_integer((json_int_t)folded));
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(o);
	return line;
}

void report_json_finding(FILE *out, const struct ronda_result *res,
			 const struct ronda_finding *fd, const char *command)
{
	char *line = json_finding_line(res, fd, command, 0);

	if (line) {
		fputs(line, out);
		fputc('\n', out);
		free(line);
	}
}

/* ---- doorway farms: one finding per folder, not one per page ----
 *
 * A farm of generated gambling pages is reported by the folder
 * (judol.doorway.farm, an aggregate result that comes after the pages).
 * Results whose findings are all page-content gambling rules (judol.X, one
 * dot) are held back; when a farm finding names their folder they are
 * folded into it (counted, not printed), and the rest are printed at
 * report_flush().  Text output holds every file anyway; JSON holds only
 * these, at most HOLD_MAX of them (past that they stream as before). */
#define HOLD_MAX 100000
#define FARM_RULE "judol.doorway.farm"


static bool page_rule(const struct ronda_rule *rule)
{
	return !strncmp(rule->id, "judol.", 6) && !strchr(rule->id + 6, '.');
}

static char *parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	char *d = xmalloc(n + 1);

	memcpy(d, path, n);
	d[n] = '\0';
	return d;
}

static bool same_dir(const char *file, const char *dir)
{
	size_t n = strlen(dir);
	const char *slash = strrchr(file, '/');

	return slash && (size_t)(slash - file) == n && !strncmp(file, dir, n);
}

/* Is this a per-file result made only of page-content gambling findings? */
static bool foldable(const struct report *r, const struct ronda_result *res)
{
	size_t shown = 0;

	if (!res->st)
		return false;
	for (size_t i = 0; i < res->n_findings; i++) {
		if ((int)res->findings[i].severity < r->min_severity)
			continue;
		if (!page_rule(res->findings[i].rule))
			return false;
		shown++;
	}
	return shown > 0;
}


/* Fold the held pages of dir (JSON) or the text report's files there:
 * returns how many findings were folded and takes them off the counts. */
static size_t fold_dir(struct report *r, const char *dir)
{
	size_t folded = 0, w = 0;

	for (size_t i = 0; i < r->n_held; i++) {
		struct held *h = &r->held[i];

		if (strcmp(h->dir, dir)) {
			r->held[w++] = *h;
			continue;
		}
		for (size_t k = 0; k < h->n; k++)
			r->n_shown[h->sev[k]]--;
		folded += h->n;
		held_free(h);
	}
	r->n_held = w;
	w = 0;
	for (size_t i = 0; i < r->n_files; i++) {
		struct report_file *rf = &r->files[i];
		bool fold = rf->type && same_dir(rf->path, dir) && rf->n;

		for (size_t k = 0; fold && k < rf->n; k++)
			fold = page_rule(rf->f[k].rule);
		if (!fold) {
			r->files[w++] = *rf;
			continue;
		}
		for (size_t k = 0; k < rf->n; k++)
			r->n_shown[rf->f[k].severity]--;
		folded += rf->n;
		file_free(rf);
	}
	r->n_files = w;
	r->n_folded += folded;
	return folded;
}

void report_on_result(const struct ronda_result *res, void *arg)
{
	struct report *r = arg;
	struct report_file *rf = NULL;
	struct held *h = NULL;
	size_t folded = 0;

	if (r->json && r->n_held < HOLD_MAX && foldable(r, res)) {
		r->held = xgrow(r->held, &r->alloc_held, r->n_held + 1, sizeof(*r->held));
		h = &r->held[r->n_held++];
		h->dir = parent_dir(res->path);
		h->lines = xcalloc(res->n_findings, sizeof(*h->lines));
		h->sev = xcalloc(res->n_findings, sizeof(*h->sev));
		h->n = 0;
	}
	for (size_t i = 0; i < res->n_findings; i++) {
		const struct ronda_finding *fd = &res->findings[i];
		struct report_finding *x;

		if ((int)fd->severity < r->min_severity)
			continue;
		if (!res->st && !strcmp(fd->rule->id, FARM_RULE))
			folded = fold_dir(r, res->path);
		r->n_shown[fd->severity]++;
		if ((int)fd->severity > r->worst)
			r->worst = (int)fd->severity;
		if (h) {
			h->lines[h->n] = json_finding_line(res, fd, r->command, 0);
			h->sev[h->n++] = (int)fd->severity;
			continue;
		}
		if (r->json) {
			char *line = json_finding_line(res, fd, r->command, folded);

			if (line) {
				fputs(line, r->out);
				fputc('\n', r->out);
				free(line);
			}
			continue;
		}
		if (!rf) {
			r->files = xgrow(r->files, &r->alloc_files, r->n_files + 1,
					 sizeof(*r->files));
			rf = &r->files[r->n_files++];
			memset(rf, 0, sizeof(*rf));
			rf->path = xstrdup(res->path);
			memcpy(rf->sha256, res->sha256, sizeof(rf->sha256));
			rf->type = res->st ? ronda_ftype_name(res->type) : NULL;
			rf->worst = -1;
			rf->f = xcalloc(res->n_findings, sizeof(*rf->f));
		}
		x = &rf->f[rf->n++];
		x->rule = fd->rule;
		x->severity = (int)fd->severity;
		x->confidence = fd->confidence;
		x->line = fd->line;
		x->count = fd->count;
		x->offset = fd->offset;
		x->layer = xstrdup(fd->layer);
		x->snippet = xstrdup(fd->snippet);
		x->detail = fd->detail ? xstrdup(fd->detail) : NULL;
		x->folded = folded;
		if (fd->n_related) {
			x->related = xcalloc(fd->n_related, sizeof(char *));
			for (size_t k = 0; k < fd->n_related; k++)
				x->related[k] = xstrdup(fd->related[k]);
			x->n_related = fd->n_related;
		}
		if (x->severity > rf->worst)
			rf->worst = x->severity;
	}
	if (r->json)
		fflush(r->out);
}

void report_on_error(const char *path, ronda_err err, void *arg)
{
	struct report *r = arg;
	struct ronda_buf b = RONDA_BUF_INIT(8192);

	r->n_errors++;
	cli_warn(_("cannot read '%s': %s"), cli_path(&b, path), ronda_strerror(err));
	ronda_buf_release(&b);
}

static const char *sev_color(int sev)
{
	static const char *const c[] = { "\033[2m", "\033[36m", "\033[33m",
					 "\033[31m", "\033[1;37;41m" };
	return sev >= 0 && sev < RONDA_SEV__COUNT ? c[sev] : "";
}

static int cmp_file(const void *a, const void *b)
{
	const struct report_file *x = a, *y = b;

	if (x->worst != y->worst)
		return y->worst - x->worst;
	return strcmp(x->path, y->path);
}

static void upper(const char *s, char *out, size_t n)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < n; i++)
		out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	out[i] = '\0';
}

void report_flush(struct report *r)
{
	struct ronda_buf tmp = RONDA_BUF_INIT(0);
	const char *on = "", *off = r->color ? "\033[0m" : "";
	const char *dim = r->color ? "\033[2m" : "";

	if (r->json) {
		/* held pages no farm claimed */
		for (size_t i = 0; i < r->n_held; i++) {
			struct held *h = &r->held[i];

			for (size_t k = 0; k < h->n; k++)
				if (h->lines[k]) {
					fputs(h->lines[k], r->out);
					fputc('\n', r->out);
				}
			held_free(h);
		}
		r->n_held = 0;
		fflush(r->out);
		return;
	}
	if (r->n_files > 1)
		qsort(r->files, r->n_files, sizeof(*r->files), cmp_file);
	for (size_t i = 0; i < r->n_files; i++) {
		struct report_file *rf = &r->files[i];
		char up[16];

		upper(ronda_severity_name((enum ronda_severity)rf->worst), up, sizeof(up));
		on = r->color ? sev_color(rf->worst) : "";
		fprintf(r->out, "%s%-8s%s %s", on, up, off, cli_path(&tmp, rf->path));
		if (rf->type)
			fprintf(r->out, "  %s(%s%s%.12s)%s", dim, rf->type,
				rf->sha256[0] ? ", sha256 " : "", rf->sha256, off);
		fputc('\n', r->out);
		if (r->quiet)
			continue;
		for (size_t k = 0; k < rf->n; k++) {
			struct report_finding *x = &rf->f[k];
			on = r->color ? sev_color(x->severity) : "";
			fprintf(r->out, "  %s%-8s%s %s", on,
				ronda_severity_name((enum ronda_severity)x->severity), off,
				x->rule->id);
			if (x->line)
				fprintf(r->out, _("  line %u"), x->line);
			if (x->count > 1)
				fprintf(r->out, _("  (%u times)"), x->count);
			if (x->layer[0])
				fprintf(r->out, _("  [decoded: %s]"), x->layer);
			fputc('\n', r->out);
			fprintf(r->out, "           %s\n", _(x->rule->summary));
			if (x->detail)
				fprintf(r->out, "           %s\n", cli_path(&tmp, x->detail));
			if (x->snippet[0])
				fprintf(r->out, "           %s> %s%s\n", dim, x->snippet, off);
			if (x->folded)
				fprintf(r->out, _("           %s(%zu findings on these pages are folded into this one)%s\n"),
					dim, x->folded, off);
			for (size_t j = 0; j < x->n_related && j < 10; j++)
				fprintf(r->out, "           %s- %s%s\n", dim,
					cli_path(&tmp, x->related[j]), off);
			if (x->n_related > 10)
				fprintf(r->out, _("           %s... and %zu more%s\n"), dim,
					x->n_related - 10, off);
			fprintf(r->out, _("           %sfix: %s%s\n"), dim, _(x->rule->remedy), off);
		}
		fputc('\n', r->out);
	}
	ronda_buf_release(&tmp);
}

static void human_bytes(uint64_t n, char *out, size_t size)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	snprintf(out, size, i ? "%.1f %s" : "%.0f %s", v, u[i]);
}

void report_summary(struct report *r, const struct ronda_scan_stats *st,
		    const char *const *roots, size_t n_roots)
{
	if (r->json) {
		json_t *o = json_object(), *fs = json_object(), *rs = json_array();
		json_t *slow = json_array();
		char *line;

		json_object_set_new(o, "type", json_string("summary"));
		json_object_set_new(o, "tool", json_string("ronda"));
		json_object_set_new(o, "version", json_string(RONDA_VERSION));
		json_object_set_new(o, "command", json_string(r->command));
		for (size_t i = 0; i < n_roots; i++) {
			json_t *tmp = json_object();
			report_json_path(tmp, "p", roots[i]);
			json_array_append(rs, json_object_get(tmp, "p"));
			json_decref(tmp);
		}
		json_object_set_new(o, "roots", rs);
		json_object_set_new(o, "files", json_integer((json_int_t)st->n_files));
		json_object_set_new(o, "bytes", json_integer((json_int_t)st->n_bytes));
		json_object_set_new(o, "dirs", json_integer((json_int_t)st->n_dirs));
		json_object_set_new(o, "skipped", json_integer((json_int_t)st->n_skipped));
		json_object_set_new(o, "errors", json_integer((json_int_t)st->n_errors));
		json_object_set_new(o, "truncated", json_integer((json_int_t)st->n_truncated));
		json_object_set_new(o, "allowed", json_integer((json_int_t)st->n_allowed));
		for (int s = RONDA_SEV__COUNT - 1; s >= 0; s--)
			json_object_set_new(fs, ronda_severity_name((enum ronda_severity)s),
					    json_integer((json_int_t)r->n_shown[s]));
		json_object_set_new(o, "findings", fs);
		json_object_set_new(o, "folded", json_integer((json_int_t)r->n_folded));
		json_object_set_new(o, "duration_ms",
				    json_real((double)(st->wall_ns / 1000) / 1000.0));
		for (size_t i = 0; i < ARRAY_SIZE(st->slowest) && st->slowest[i].ns; i++) {
			json_t *x = json_object();
			report_json_path(x, "path", st->slowest[i].path);
			json_object_set_new(x, "ms", json_real((double)(st->slowest[i].ns / 1000) / 1000.0));
			json_object_set_new(x, "size", json_integer((json_int_t)st->slowest[i].size));
			json_array_append_new(slow, x);
		}
		json_object_set_new(o, "slowest", slow);
		slow = json_array();
		for (size_t i = 0; i < ARRAY_SIZE(st->slowest_per_mb) && st->slowest_per_mb[i].ns; i++) {
			json_t *x = json_object();
			const double mb = (double)st->slowest_per_mb[i].size / 1048576.0;

			report_json_path(x, "path", st->slowest_per_mb[i].path);
			json_object_set_new(x, "cpu_ms", json_real((double)(st->slowest_per_mb[i].ns / 1000) / 1000.0));
			json_object_set_new(x, "size", json_integer((json_int_t)st->slowest_per_mb[i].size));
			json_object_set_new(x, "ms_per_mb", json_real(
				(double)(uint64_t)((double)st->slowest_per_mb[i].ns / 1e3 / mb) / 1000.0));
			json_array_append_new(slow, x);
		}
		json_object_set_new(o, "slowest_per_mb", slow);
		line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
		if (line) {
			fprintf(r->out, "%s\n", line);
			free(line);
		}
		json_decref(o);
		return;
	}
	{
		char bytes[32];
		uint64_t total = 0;

		human_bytes(st->n_bytes, bytes, sizeof(bytes));
		for (int s = 0; s < RONDA_SEV__COUNT; s++)
			total += r->n_shown[s];
		fprintf(r->out, _("scanned %llu files (%s) in %.2f s: "),
			(unsigned long long)st->n_files, bytes, (double)st->wall_ns / 1e9);
		if (!total) {
			fprintf(r->out, _("no findings"));
		} else {
			bool first = true;
			for (int s = RONDA_SEV__COUNT - 1; s >= 0; s--) {
				if (!r->n_shown[s])
					continue;
				fprintf(r->out, "%s%llu %s", first ? "" : ", ",
					(unsigned long long)r->n_shown[s],
					ronda_severity_name((enum ronda_severity)s));
				first = false;
			}
		}
		if (st->n_errors)
			fprintf(r->out, _("; %llu unreadable"), (unsigned long long)st->n_errors);
		if (st->n_allowed)
			fprintf(r->out, _("; %llu allowlisted"), (unsigned long long)st->n_allowed);
		if (r->n_folded)
			fprintf(r->out, _("; %llu page findings folded into farm findings"),
				(unsigned long long)r->n_folded);
		fputc('\n', r->out);
	}
}
