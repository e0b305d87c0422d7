/*
 * test_engine.c — the scan engine with test detectors: one pattern
 * database for all, hits routed to the right detector, decoded layers,
 * deduplication, allowlist, aggregate findings, symlinks, bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/detector.h"
#include "core/scan.h"
#include "core/util.h"

static const struct ronda_rule rules_a[] = {
	{ "test.evil", RONDA_CAT_BACKDOOR, RONDA_SEV_HIGH, 90, "evil", "remove" },
	{ "test.layer", RONDA_CAT_OBFUSCATION, RONDA_SEV_MEDIUM, 80, "layer", "peel" },
};
static const struct ronda_rule rules_b[] = {
	{ "test.farm", RONDA_CAT_SEO_SPAM, RONDA_SEV_MEDIUM, 80, "farm", "delete" },
	{ "test.beta", RONDA_CAT_JUDOL, RONDA_SEV_LOW, 50, "beta", "look" },
};

enum { A_EVIL, A_HIDE };

static int a_init(struct ronda_detector_init *di, void **state)
{
	ronda_pattern_add(di, "EVIL", RONDA_PAT_LITERAL, A_EVIL);
	ronda_pattern_add(di, "HIDE:", RONDA_PAT_LITERAL, A_HIDE);
	*state = NULL;
	return RONDA_OK;
}

/* "HIDE:" followed by a reversed string is a layer to rescan */
static int a_scan(void *state, struct ronda_file *f, const struct ronda_hits *h)
{
	for (size_t i = 0; i < h->n; i++) {
		if (h->v[i].id == A_EVIL)
			ronda_report(f, &rules_a[0], h->v[i].end - 4, "evil at depth %u", f->depth);
		if (h->v[i].id == A_HIDE) {
			size_t start = (size_t)h->v[i].end, end = start;
			unsigned char rev[256];
			while (end < f->len && end - start < sizeof(rev) && f->data[end] != '\n')
				end++;
			for (size_t k = 0; k < end - start; k++)
				rev[k] = f->data[end - 1 - k];
			ronda_report(f, &rules_a[1], start, NULL);
			ronda_scan_layer(f, rev, end - start, "strrev");
		}
	}
	return RONDA_OK;
}

static const struct ronda_detector det_a = {
	"alpha", "test", rules_a, 2, a_init, NULL, a_scan, NULL, NULL,
};

struct b_state {
	unsigned files;
};

static int b_init(struct ronda_detector_init *di, void **state)
{
	ronda_pattern_add(di, "be+ta", RONDA_PAT_CASELESS, 7);
	*state = xcalloc(1, sizeof(struct b_state));
	return RONDA_OK;
}

static int b_scan(void *state, struct ronda_file *f, const struct ronda_hits *h)
{
	struct b_state *b = state;
	if (h->n) {
		assert_int_equal(h->v[0].id, 7);
		__atomic_add_fetch(&b->files, 1, __ATOMIC_RELAXED);
		ronda_report(f, &rules_b[1], h->v[0].end, NULL);
	}
	return RONDA_OK;
}

static int b_finish(void *state, struct ronda_finish *fin)
{
	struct b_state *b = state;
	const char *rel[] = { "x/1", "x/2" };
	if (b->files >= 2)
		ronda_finish_report(fin, "x", &rules_b[0], -1, rel, 2, "%u files", b->files);
	b->files = 0;
	return RONDA_OK;
}

static void b_release(void *state)
{
	free(state);
}

static const struct ronda_detector det_b = {
	"beta", "test", rules_b, 2, b_init, b_release, b_scan, b_finish, NULL,
};

static const struct ronda_detector *const dets[] = { &det_a, &det_b, NULL };

struct seen {
	unsigned n_results;
	char rules[64][64];
	char layers[64][64];
	char paths[64][256];
	unsigned depth[64];
	unsigned count[64];
	size_t n;
};

static void collect(const struct ronda_result *r, void *arg)
{
	struct seen *s = arg;
	s->n_results++;
	for (size_t i = 0; i < r->n_findings && s->n < 64; i++) {
		ronda_strlcpy(s->rules[s->n], r->findings[i].rule->id, 64);
		ronda_strlcpy(s->layers[s->n], r->findings[i].layer, 64);
		ronda_strlcpy(s->paths[s->n], r->path, 256);
		s->depth[s->n] = r->findings[i].depth;
		s->count[s->n] = r->findings[i].count;
		s->n++;
	}
}

static int find(const struct seen *s, const char *rule, const char *layer)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->rules[i], rule) && (!layer || !strcmp(s->layers[i], layer)))
			return (int)i;
	return -1;
}

static struct ronda_engine *engine(struct ronda_scan_opts *o)
{
	struct ronda_engine *e = NULL;
	struct ronda_buf err = RONDA_BUF_INIT(1024);
	assert_int_equal(ronda_engine_new_from(o, dets, &e, &err), RONDA_OK);
	ronda_buf_release(&err);
	return e;
}

static void test_buffer_routing_and_layers(void **unused)
{
	struct seen s = { 0 };
	struct ronda_scan_opts o = { .on_result = collect, .arg = &s };
	struct ronda_engine *e = engine(&o);
	/* "LIVE" reversed is "EVIL" */
	const char *data = "hello EVIL and EVIL again BEEETA\nHIDE:LIVE\n";
	int i;

	(void)unused;
	assert_int_equal(ronda_scan_buffer(e, "t.php", (const unsigned char *)data,
					   strlen(data), &o), RONDA_OK);
	assert_int_equal(s.n_results, 1);
	i = find(&s, "test.evil", "");
	assert_true(i >= 0);
	assert_int_equal(s.count[i], 2);              /* deduplicated */
	i = find(&s, "test.evil", "strrev");
	assert_true(i >= 0);
	assert_int_equal(s.depth[i], 1);
	assert_true(find(&s, "test.beta", "") >= 0);  /* caseless, routed to b */
	assert_true(find(&s, "test.layer", "") >= 0);
	ronda_engine_free(e);
}

/* a pattern marked RONDA_PAT_NOT_PHP: hits on every content but PHP */
static const struct ronda_rule rules_g[] = {
	{ "test.dump", RONDA_CAT_EXPOSURE, RONDA_SEV_LOW, 50, "dump", "move" },
	{ "test.both", RONDA_CAT_EXPOSURE, RONDA_SEV_LOW, 50, "both", "look" },
};

static int g_init(struct ronda_detector_init *di, void **state)
{
	ronda_pattern_add(di, "SQLDUMP", RONDA_PAT_LITERAL | RONDA_PAT_NOT_PHP, 0);
	ronda_pattern_add(di, "BOTH", RONDA_PAT_LITERAL, 1);
	*state = NULL;
	return RONDA_OK;
}

static int g_scan(void *state, struct ronda_file *f, const struct ronda_hits *h)
{
	(void)state;
	for (size_t i = 0; i < h->n; i++)
		ronda_report(f, &rules_g[h->v[i].id], h->v[i].end, NULL);
	return RONDA_OK;
}

static const struct ronda_detector det_g = {
	"gamma", "test", rules_g, 2, g_init, NULL, g_scan, NULL, NULL,
};

static void test_not_php_patterns(void **unused)
{
	static const struct ronda_detector *const dets_g[] = { &det_a, &det_g, NULL };
	struct seen s = { 0 };
	struct ronda_scan_opts o = { .on_result = collect, .arg = &s };
	struct ronda_engine *e = NULL;
	struct ronda_buf err = RONDA_BUF_INIT(1024);
	/* PHP whose strrev layer ("SQLDUMP BOTH") is text, not PHP */
	const char *php = "<?php echo 'SQLDUMP BOTH';\nHIDE:HTOB PMUDLQS\n";
	const char *txt = "-- SQLDUMP BOTH\n";

	(void)unused;
	assert_int_equal(ronda_engine_new_from(&o, dets_g, &e, &err), RONDA_OK);
	assert_int_equal(ronda_scan_buffer(e, "t.php", (const unsigned char *)php,
					   strlen(php), &o), RONDA_OK);
	assert_true(find(&s, "test.both", "") >= 0);
	assert_int_equal(find(&s, "test.dump", ""), -1);     /* PHP: left out */
	assert_true(find(&s, "test.both", "strrev") >= 0);
	assert_true(find(&s, "test.dump", "strrev") >= 0);   /* the layer is text */
	memset(&s, 0, sizeof(s));
	assert_int_equal(ronda_scan_buffer(e, "t.txt", (const unsigned char *)txt,
					   strlen(txt), &o), RONDA_OK);
	assert_true(find(&s, "test.both", "") >= 0);
	assert_true(find(&s, "test.dump", "") >= 0);
	ronda_engine_free(e);
	ronda_buf_release(&err);
}

static int bad_init(struct ronda_detector_init *di, void **state)
{
	ronda_pattern_add(di, "fine", RONDA_PAT_NOT_PHP, 0);
	ronda_pattern_add(di, "(unclosed", 0, 1);
	*state = NULL;
	return RONDA_OK;
}

static const struct ronda_detector det_bad = {
	"broken", "test", rules_g, 2, bad_init, NULL, g_scan, NULL, NULL,
};

/* a pattern hyperscan rejects: the engine fails with the detector and the
 * pattern named */
static void test_bad_pattern(void **unused)
{
	static const struct ronda_detector *const dets_bad[] = { &det_a, &det_bad, NULL };
	struct ronda_scan_opts o = { 0 };
	struct ronda_engine *e = NULL;
	struct ronda_buf err = RONDA_BUF_INIT(1024);

	(void)unused;
	assert_int_equal(ronda_engine_new_from(&o, dets_bad, &e, &err), RONDA_EPATTERN);
	assert_null(e);
	assert_non_null(strstr(err.buf, "detector 'broken': pattern '(unclosed'"));
	ronda_buf_release(&err);
}

static void test_layer_depth_bound(void **unused)
{
	struct seen s = { 0 };
	struct ronda_scan_opts o = { .on_result = collect, .arg = &s };
	struct ronda_engine *e = engine(&o);
	/* reversing ":EDIH" gives "HIDE:" again: a self-reproducing layer
	 * that only the engine's depth bound stops */
	const char *data = "HIDE::EDIH";

	(void)unused;
	assert_int_equal(ronda_scan_buffer(e, "t", (const unsigned char *)data,
					   strlen(data), &o), RONDA_OK);
	assert_true(find(&s, "test.layer", "") >= 0);
	assert_true(find(&s, "test.layer", "strrev") >= 0);
	ronda_engine_free(e);
}

static char tmpdir[256];

static void put(const char *rel, const char *content)
{
	char p[512];
	FILE *f;
	snprintf(p, sizeof(p), "%s/%s", tmpdir, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void test_tree_symlinks_allowlist_finish(void **unused)
{
	struct seen s = { 0 };
	struct ronda_scan_opts o = { .on_result = collect, .arg = &s, .threads = 3 };
	struct ronda_scan_stats st;
	struct ronda_buf err = RONDA_BUF_INIT(1024);
	struct ronda_engine *e;
	char p[512];
	const char *roots[1] = { tmpdir };
	unsigned n;

	(void)unused;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ronda-test-engine-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(p, sizeof(p), "%s/sub", tmpdir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/sub/deeper", tmpdir);
	mkdir(p, 0755);
	put("a.php", "EVIL\n");
	put("sub/b.txt", "beta\n");
	put("sub/deeper/c.txt", "beeta\n");
	put("sub/allowed.php", "EVIL\n");
	put(".ronda-allow", "path sub/allowed.php test.*  # reviewed\n");
	snprintf(p, sizeof(p), "%s/.ronda-allow", tmpdir);
	chmod(p, 0600);
	snprintf(p, sizeof(p), "%s/sub/passwd", tmpdir);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/sub/inside", tmpdir);
	assert_int_equal(symlink("../a.php", p), 0);
	snprintf(p, sizeof(p), "%s/sub/up", tmpdir);
	assert_int_equal(symlink("../../outside", p), 0);
	snprintf(p, sizeof(p), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(p, 0600), 0);

	e = engine(&o);
	assert_int_equal(ronda_scan(e, roots, 1, &o, &st, &err), RONDA_OK);
	assert_int_equal(st.n_files, 5);      /* 4 files + .ronda-allow; no fifo */
	assert_int_equal(st.n_skipped, 1);    /* the fifo */
	assert_int_equal(st.n_dirs, 3);
	assert_true(find(&s, "test.evil", "") >= 0);
	assert_true(find(&s, "filesystem.symlink-sensitive", NULL) >= 0);
	assert_true(find(&s, "filesystem.symlink-outside", NULL) >= 0);
	assert_int_equal(st.n_allowed, 1);    /* sub/allowed.php */
	for (size_t i = 0; i < s.n; i++)
		assert_null(strstr(s.paths[i], "allowed.php"));
	assert_true(find(&s, "test.farm", NULL) >= 0);   /* two beta files */
	/* only one symlink-outside (sub/up); sub/inside stays inside */
	n = 0;
	for (size_t i = 0; i < s.n; i++)
		n += !strcmp(s.rules[i], "filesystem.symlink-outside");
	assert_int_equal(n, 1);

	/* a group-writable allowlist is not trusted */
	memset(&s, 0, sizeof(s));
	snprintf(p, sizeof(p), "%s/.ronda-allow", tmpdir);
	chmod(p, 0664);
	assert_int_equal(ronda_scan(e, roots, 1, &o, &st, &err), RONDA_OK);
	assert_int_equal(st.n_allowed, 0);
	assert_true(find(&s, "test.farm", NULL) >= 0);   /* finish state was reset */

	/* a single file as the root */
	memset(&s, 0, sizeof(s));
	snprintf(p, sizeof(p), "%s/a.php", tmpdir);
	roots[0] = p;
	assert_int_equal(ronda_scan(e, roots, 1, &o, &st, &err), RONDA_OK);
	assert_int_equal(st.n_files, 1);
	assert_true(find(&s, "test.evil", "") >= 0);
	assert_string_equal(s.paths[0], p);

	/* named files under a root, as `ronda check` uses it */
	memset(&s, 0, sizeof(s));
	{
		const char *rel[] = { "sub/deeper/c.txt", "missing", "a.php" };
		assert_int_equal(ronda_scan_files(e, tmpdir, rel, 3, &o, &st, &err), RONDA_OK);
		assert_int_equal(st.n_files, 2);
		assert_true(find(&s, "test.evil", "") >= 0);
		assert_true(find(&s, "test.beta", "") >= 0);
	}
	ronda_engine_free(e);
	ronda_buf_release(&err);
	{
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		assert_int_equal(system(cmd), 0);
	}
}

static void test_unknown_detector(void **unused)
{
	struct ronda_scan_opts o = { 0 };
	struct ronda_engine *e = NULL;
	struct ronda_buf err = RONDA_BUF_INIT(1024);
	const char *dis[] = { "nosuch" };

	(void)unused;
	o.disable = dis;
	o.n_disable = 1;
	assert_int_equal(ronda_engine_new_from(&o, dets, &e, &err), RONDA_EINVAL);
	assert_null(e);
	assert_non_null(strstr(err.buf, "nosuch"));
	ronda_buf_release(&err);
}

static void test_disable_detector(void **unused)
{
	struct seen s = { 0 };
	struct ronda_scan_opts o = { .on_result = collect, .arg = &s };
	const char *dis[] = { "alpha" };
	struct ronda_engine *e;
	const char *data = "EVIL beta";

	(void)unused;
	o.disable = dis;
	o.n_disable = 1;
	e = engine(&o);
	assert_int_equal(ronda_scan_buffer(e, "t", (const unsigned char *)data,
					   strlen(data), &o), RONDA_OK);
	assert_true(find(&s, "test.evil", NULL) < 0);
	assert_true(find(&s, "test.beta", NULL) >= 0);
	ronda_engine_free(e);
}

static void test_missing_root(void **unused)
{
	struct ronda_scan_opts o = { 0 };
	struct ronda_scan_stats st;
	struct ronda_buf err = RONDA_BUF_INIT(1024);
	struct ronda_engine *e = engine(&o);
	const char *roots[] = { "/nonexistent/ronda/root" };

	(void)unused;
	assert_int_equal(ronda_scan(e, roots, 1, &o, &st, &err), RONDA_ENOENT);
	assert_non_null(strstr(err.buf, "/nonexistent/ronda/root"));
	ronda_engine_free(e);
	ronda_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buffer_routing_and_layers),
		cmocka_unit_test(test_not_php_patterns),
		cmocka_unit_test(test_bad_pattern),
		cmocka_unit_test(test_layer_depth_bound),
		cmocka_unit_test(test_tree_symlinks_allowlist_finish),
		cmocka_unit_test(test_unknown_detector),
		cmocka_unit_test(test_disable_detector),
		cmocka_unit_test(test_missing_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
