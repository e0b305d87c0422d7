/*
 * yara.c — the operator's own YARA rules, through libyara.
 *
 * init() compiles opts->yara (one file, or every *.yar / *.yara file of a
 * directory, in name order) and turns each YARA rule into a dynamic ronda
 * rule "yara.<name>" of category custom: severity from the rule's
 * `severity` meta (info..critical, default high), summary from its
 * `description` meta.  scan() runs the rules over each file as stored
 * (depth 0) with a per-file timeout (opts->yara_timeout, default 5 s) and
 * reports one finding per matching rule at its first string match; a scan
 * that times out is reported as yara.timeout so a slow rule never hangs
 * the walk nor passes silently.
 *
 * libyara is initialised once per process (reference-counted here).  One
 * YR_RULES may be scanned from at most YR_MAX_THREADS threads at once;
 * a counting gate keeps concurrent scans below that.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <yara.h>

#include "core/buf.h"
#include "core/detector.h"
#include "core/error.h"
#include "core/i18n.h"
#include "core/scan.h"
#include "core/util.h"

#define DEFAULT_TIMEOUT 5
#define MAX_RULE_FILES 4096
#define MAX_MATCHED 64

static const struct ronda_rule rule_timeout = {
	"yara.timeout", RONDA_CAT_CUSTOM, RONDA_SEV_LOW, 100,
	N_("the operator's YARA rules did not finish on this file within the time limit"),
	N_("check this file by hand or raise --yara-timeout; a rule that loops over the whole file is slow on big files"),
};

struct state {
	YR_RULES *rules;
	struct ronda_rule *dyn;      /* one per YARA rule, index = rule order */
	size_t n_dyn;
	int timeout;
	pthread_mutex_t gate_lock;
	pthread_cond_t gate_cond;
	unsigned n_scanning;
};

/* ---- process-wide libyara life cycle ---------------------------------- */

static pthread_mutex_t yr_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned yr_refs;

static int yr_ref(void)
{
	int err = RONDA_OK;

	pthread_mutex_lock(&yr_lock);
	if (yr_refs == 0 && yr_initialize() != ERROR_SUCCESS)
		err = RONDA_EYARA;
	else
		yr_refs++;
	pthread_mutex_unlock(&yr_lock);
	return err;
}

static void yr_unref(void)
{
	pthread_mutex_lock(&yr_lock);
	if (yr_refs && --yr_refs == 0)
		yr_finalize();
	pthread_mutex_unlock(&yr_lock);
}

/* ---- compiling --------------------------------------------------------- */

struct compile_ctx {
	struct ronda_buf msg;        /* first error, one line */
	unsigned n_errors;
};

static void compiler_cb(int level, const char *file, int line,
			const YR_RULE *rule, const char *message, void *arg)
{
	struct compile_ctx *cc = arg;

	(void)rule;
	if (level != YARA_ERROR_LEVEL_ERROR)
		return;
	if (cc->n_errors++ == 0)
		ronda_buf_addf(&cc->msg, _("cannot compile YARA rules '%s': line %d: %s"),
			       file ? file : "?", line, message ? message : "?");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool yara_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' &&
	       ((n > 4 && !strcasecmp(name + n - 4, ".yar")) ||
		(n > 5 && !strcasecmp(name + n - 5, ".yara")));
}

/* List the rule files of path: a file, or the .yar and .yara files of a dir. */
static int list_files(const char *path, char ***out, size_t *n_out,
		      struct ronda_buf *msg)
{
	struct stat sb;
	char **v = NULL;
	size_t n = 0, alloc = 0;
	DIR *d;
	struct dirent *de;

	if (stat(path, &sb)) {
		int err = ronda_err_from_errno(errno);
		ronda_buf_addf(msg, _("cannot open YARA rules '%s': %s"), path,
			       ronda_strerror(err));
		return err;
	}
	if (!S_ISDIR(sb.st_mode)) {
		v = xmalloc(sizeof(*v));
		v[0] = xstrdup(path);
		*out = v;
		*n_out = 1;
		return RONDA_OK;
	}
	d = opendir(path);
	if (!d) {
		int err = ronda_err_from_errno(errno);
		ronda_buf_addf(msg, _("cannot open YARA rules '%s': %s"), path,
			       ronda_strerror(err));
		return err;
	}
	while ((de = readdir(d)) != NULL && n < MAX_RULE_FILES) {
		struct ronda_buf full = RONDA_BUF_INIT(4096);
		struct stat fs;

		if (!yara_name(de->d_name))
			continue;
		if (ronda_buf_addf(&full, "%s/%s", path, de->d_name) ||
		    stat(full.buf, &fs) || !S_ISREG(fs.st_mode)) {
			ronda_buf_release(&full);
			continue;
		}
		v = xgrow(v, &alloc, n + 1, sizeof(*v));
		v[n++] = ronda_buf_detach(&full, NULL);
	}
	closedir(d);
	if (!n) {
		free(v);
		ronda_buf_addf(msg, _("no .yar or .yara files in '%s'"), path);
		return RONDA_ENOENT;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	*n_out = n;
	return RONDA_OK;
}

static const char *meta_string(const YR_RULE *rule, const char *id)
{
	const YR_META *m;

	yr_rule_metas_foreach(rule, m) {
		if (m->type == META_TYPE_STRING && !strcmp(m->identifier, id))
			return m->string;
	}
	return NULL;
}

static int meta_int(const YR_RULE *rule, const char *id, int64_t *out)
{
	const YR_META *m;

	yr_rule_metas_foreach(rule, m) {
		if (m->type == META_TYPE_INTEGER && !strcmp(m->identifier, id)) {
			*out = m->integer;
			return 1;
		}
	}
	return 0;
}

static void make_rules(struct state *st)
{
	const YR_RULE *r;
	size_t n = 0, i = 0;

	yr_rules_foreach(st->rules, r)
		n++;
	st->dyn = xcalloc(n ? n : 1, sizeof(*st->dyn));
	st->n_dyn = n;
	yr_rules_foreach(st->rules, r) {
		struct ronda_rule *d = &st->dyn[i++];
		struct ronda_buf id = RONDA_BUF_INIT(512);
		const char *sev = meta_string(r, "severity");
		const char *desc = meta_string(r, "description");
		const char *remedy = meta_string(r, "remedy");
		int64_t conf;
		int s;

		ronda_buf_addf(&id, "yara.%s", r->identifier);
		d->id = ronda_buf_detach(&id, NULL);
		d->category = RONDA_CAT_CUSTOM;
		s = sev ? ronda_severity_parse(sev) : -1;
		d->severity = s >= 0 ? (enum ronda_severity)s : RONDA_SEV_HIGH;
		d->confidence = meta_int(r, "confidence", &conf) && conf >= 0 && conf <= 100 ?
				(unsigned)conf : 80;
		d->summary = xstrdup(desc ? desc : N_("matched one of the operator's YARA rules"));
		d->remedy = xstrdup(remedy ? remedy :
				    N_("review the file against the YARA rule that matched and remove it if it is malicious"));
	}
}

static void free_state(struct state *st)
{
	for (size_t i = 0; i < st->n_dyn; i++) {
		free((char *)st->dyn[i].id);
		free((char *)st->dyn[i].summary);
		free((char *)st->dyn[i].remedy);
	}
	free(st->dyn);
	if (st->rules)
		yr_rules_destroy(st->rules);
	pthread_mutex_destroy(&st->gate_lock);
	pthread_cond_destroy(&st->gate_cond);
	free(st);
	yr_unref();
}

static int init(struct ronda_detector_init *di, void **out)
{
	const struct ronda_scan_opts *opts = di->opts;
	struct compile_ctx cc = { RONDA_BUF_INIT(1024), 0 };
	YR_COMPILER *comp = NULL;
	char **files = NULL;
	size_t n_files = 0;
	struct state *st;
	int err;

	*out = NULL;
	if (!opts || !opts->yara || !*opts->yara)
		return RONDA_OK;
	if ((err = yr_ref())) {
		if (di->err)
			ronda_buf_addstr(di->err, _("cannot initialise libyara"));
		return err;
	}
	st = xcalloc(1, sizeof(*st));
	pthread_mutex_init(&st->gate_lock, NULL);
	pthread_cond_init(&st->gate_cond, NULL);
	st->timeout = opts->yara_timeout ? (int)MIN(opts->yara_timeout, 3600u) : DEFAULT_TIMEOUT;

	if ((err = list_files(opts->yara, &files, &n_files, &cc.msg)))
		goto fail;
	if (yr_compiler_create(&comp) != ERROR_SUCCESS) {
		err = RONDA_ENOMEM;
		goto fail;
	}
	yr_compiler_set_callback(comp, compiler_cb, &cc);
	for (size_t i = 0; i < n_files && !cc.n_errors; i++) {
		FILE *fp = fopen(files[i], "r");

		if (!fp) {
			err = ronda_err_from_errno(errno);
			ronda_buf_addf(&cc.msg, _("cannot open YARA rules '%s': %s"),
				       files[i], ronda_strerror(err));
			goto fail;
		}
		yr_compiler_add_file(comp, fp, NULL, files[i]);
		fclose(fp);
	}
	if (cc.n_errors) {
		err = RONDA_EYARA;
		goto fail;
	}
	if (yr_compiler_get_rules(comp, &st->rules) != ERROR_SUCCESS) {
		ronda_buf_addf(&cc.msg, _("cannot load YARA rules '%s': out of memory"),
			       opts->yara);
		err = RONDA_EYARA;
		goto fail;
	}
	make_rules(st);
	yr_compiler_destroy(comp);
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
	ronda_buf_release(&cc.msg);
	*out = st;
	return RONDA_OK;
fail:
	if (cc.msg.len && di->err) {
		ronda_buf_reset(di->err);
		ronda_buf_add(di->err, cc.msg.buf, cc.msg.len);
	}
	if (comp)
		yr_compiler_destroy(comp);
	for (size_t i = 0; i < n_files; i++)
		free(files[i]);
	free(files);
	ronda_buf_release(&cc.msg);
	free_state(st);
	return err;
}

static void release(void *state)
{
	if (state)
		free_state(state);
}

static size_t dynamic_rules(void *state, const struct ronda_rule **rules)
{
	struct state *st = state;

	if (!st) {
		*rules = NULL;
		return 0;
	}
	*rules = st->dyn;
	return st->n_dyn;
}

/* ---- scanning ----------------------------------------------------------- */

struct match {
	size_t rule;
	uint64_t offset;
};

struct scan_ctx {
	const struct state *st;
	struct match m[MAX_MATCHED];
	size_t n;
};

static int scan_cb(YR_SCAN_CONTEXT *context, int message, void *data, void *arg)
{
	struct scan_ctx *sc = arg;
	const YR_RULE *rule = data;
	const YR_STRING *s;
	uint64_t first = UINT64_MAX;
	size_t idx;

	if (message != CALLBACK_MSG_RULE_MATCHING)
		return CALLBACK_CONTINUE;
	idx = (size_t)(rule - sc->st->rules->rules_table);
	if (idx >= sc->st->n_dyn || sc->n >= MAX_MATCHED)
		return CALLBACK_CONTINUE;
	/* libyara packs YR_MATCH records in its arena without alignment:
	 * copy each one out instead of dereferencing it in place */
	yr_rule_strings_foreach(rule, s) {
		const YR_MATCH *m = context->matches[s->idx].head;
		size_t guard = 0;

		while (m && guard++ < 100000) {
			YR_MATCH mm;

			memcpy(&mm, m, sizeof(mm));
			if (!mm.is_private && (uint64_t)(mm.base + mm.offset) < first)
				first = (uint64_t)(mm.base + mm.offset);
			m = mm.next;
		}
	}
	sc->m[sc->n].rule = idx;
	sc->m[sc->n].offset = first == UINT64_MAX ? 0 : first;
	sc->n++;
	return CALLBACK_CONTINUE;
}

static void gate_enter(struct state *st)
{
	pthread_mutex_lock(&st->gate_lock);
	while (st->n_scanning >= YR_MAX_THREADS)
		pthread_cond_wait(&st->gate_cond, &st->gate_lock);
	st->n_scanning++;
	pthread_mutex_unlock(&st->gate_lock);
}

static void gate_leave(struct state *st)
{
	pthread_mutex_lock(&st->gate_lock);
	st->n_scanning--;
	pthread_cond_signal(&st->gate_cond);
	pthread_mutex_unlock(&st->gate_lock);
}

static int scan(void *state, struct ronda_file *f, const struct ronda_hits *hits)
{
	struct state *st = state;
	struct scan_ctx sc;
	int rc, err = RONDA_OK;

	(void)hits;
	if (!st || f->depth != 0 || !f->len)
		return RONDA_OK;
	sc.st = st;
	sc.n = 0;
	gate_enter(st);
	rc = yr_rules_scan_mem(st->rules, f->data, f->len, SCAN_FLAGS_FAST_MODE,
			       scan_cb, &sc, st->timeout);
	gate_leave(st);
	for (size_t i = 0; i < sc.n && !err; i++)
		err = ronda_report(f, &st->dyn[sc.m[i].rule], sc.m[i].offset,
				   _("YARA rule '%s' matched"),
				   st->dyn[sc.m[i].rule].id + 5);
	if (err)
		return err;
	switch (rc) {
	case ERROR_SUCCESS:
	case ERROR_TOO_MANY_MATCHES:
		return RONDA_OK;
	case ERROR_SCAN_TIMEOUT:
		return ronda_report(f, &rule_timeout, 0,
				    _("stopped after %d s"), st->timeout);
	case ERROR_INSUFFICIENT_MEMORY:
		return RONDA_ENOMEM;
	default:
		return RONDA_EYARA;
	}
}

const struct ronda_detector ronda_detector_yara = { .name = "yara", .summary = N_("the operator's own YARA rules (--yara)"), .rules = &rule_timeout, .n_rules = 1, .init = init, .release = release, .scan = scan, .finish = NULL, .dynamic_rules = dynamic_rules };
