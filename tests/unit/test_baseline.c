/*
 * test_baseline.c — walking and hashing trees, hash reuse and its racy
 * guard, comparison (what changed, timestomping), storing and loading.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "state/baseline.h"
#include "state/check.h"
#include "core/util.h"

static char tmpdir[256];
static char root[300];

static void put(const char *rel, const char *content)
{
	char p[1024];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void sub(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", root, rel);
}

static int setup(void **state)
{
	char p[1024];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ronda-test-baseline-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	snprintf(root, sizeof(root), "%s/site", tmpdir);
	assert_int_equal(mkdir(root, 0755), 0);
	sub(p, sizeof(p), "dir");
	assert_int_equal(mkdir(p, 0750), 0);
	put("abc.txt", "abc");
	put("empty", "");
	put("dir/x.php", "<?php echo 1;");
	put("bad\xff\n.php", "odd name");
	sub(p, sizeof(p), "out");
	assert_int_equal(symlink("/etc", p), 0);
	sub(p, sizeof(p), "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static const char *hex(const unsigned char *h)
{
	static char out[65];

	ronda_hex(h, 32, out);
	return out;
}

static void test_walk(void **state)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_tree_opts o = { .threads = 3 };
	struct ronda_tree t;
	const struct ronda_entry *e;

	assert_int_equal(ronda_tree_build(root, &o, &t, &err), RONDA_OK);
	/* "", abc.txt, bad..., dir, dir/x.php, empty, fifo, out */
	assert_int_equal(t.n, 8);
	assert_int_equal(t.n_files, 4);
	assert_int_equal(t.n_hashed, 4);
	assert_int_equal(t.n_errors, 0);
	for (size_t i = 1; i < t.n; i++)
		assert_true(strcmp(t.v[i - 1].path, t.v[i].path) < 0);
	assert_string_equal(t.v[0].path, "");
	assert_int_equal(t.v[0].type, RONDA_ET_DIR);

	e = ronda_tree_find(&t, "abc.txt");
	assert_non_null(e);
	assert_true(e->has_hash);
	assert_string_equal(hex(e->sha256),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(e->size, 3);
	e = ronda_tree_find(&t, "empty");
	assert_string_equal(hex(e->sha256),
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	e = ronda_tree_find(&t, "out");
	assert_int_equal(e->type, RONDA_ET_LINK);
	assert_string_equal(e->target, "/etc");
	assert_false(e->has_hash);
	/* the link was not followed: nothing from /etc is in the tree */
	assert_null(ronda_tree_find(&t, "out/passwd"));
	e = ronda_tree_find(&t, "fifo");
	assert_int_equal(e->type, RONDA_ET_FIFO);
	assert_false(e->has_hash);
	e = ronda_tree_find(&t, "dir");
	assert_int_equal(e->type, RONDA_ET_DIR);
	assert_int_equal(e->mode, 0750);
	assert_non_null(ronda_tree_find(&t, "bad\xff\n.php"));
	assert_non_null(ronda_tree_find(&t, "dir/x.php"));
	ronda_tree_release(&t);
	ronda_buf_release(&err);
}

static void test_reuse_and_racy(void **state)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_tree_opts o = { .threads = 2 };
	struct ronda_tree prev, cur;
	struct ronda_entry *pe;
	const struct ronda_entry *e;

	assert_int_equal(ronda_tree_build(root, &o, &prev, &err), RONDA_OK);
	/* files were written just now: racy, so nothing may be reused */
	o.prev = &prev;
	assert_int_equal(ronda_tree_build(root, &o, &cur, &err), RONDA_OK);
	assert_int_equal(cur.n_reused, 0);
	assert_int_equal(cur.n_hashed, 4);
	ronda_tree_release(&cur);

	/* pretend the previous walk happened long after the files' ctime; a
	 * planted wrong hash proves the file is not read again */
	prev.started_ns = INT64_MAX / 2;
	pe = (struct ronda_entry *)ronda_tree_find(&prev, "abc.txt");
	memset(pe->sha256, 0xaa, sizeof(pe->sha256));
	assert_int_equal(ronda_tree_build(root, &o, &cur, &err), RONDA_OK);
	assert_int_equal(cur.n_reused, 4);
	assert_int_equal(cur.n_hashed, 0);
	e = ronda_tree_find(&cur, "abc.txt");
	assert_int_equal(e->sha256[0], 0xaa);
	ronda_tree_release(&cur);

	/* --paranoid reads everything */
	o.paranoid = true;
	assert_int_equal(ronda_tree_build(root, &o, &cur, &err), RONDA_OK);
	assert_int_equal(cur.n_reused, 0);
	e = ronda_tree_find(&cur, "abc.txt");
	assert_string_equal(hex(e->sha256),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ronda_tree_release(&cur);
	o.paranoid = false;

	/* a rewrite changes ctime: re-hashed even with the same size and mtime */
	{
		char p[1024];
		struct stat st;
		struct timespec ts[2];

		sub(p, sizeof(p), "abc.txt");
		assert_int_equal(stat(p, &st), 0);
		usleep(20000);
		put("abc.txt", "xyz");
		ts[0] = st.st_atim;
		ts[1] = st.st_mtim;
		assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
		assert_int_equal(ronda_tree_build(root, &o, &cur, &err), RONDA_OK);
		assert_int_equal(cur.n_hashed, 1);
		e = ronda_tree_find(&cur, "abc.txt");
		assert_string_equal(hex(e->sha256),
			"3608bca1e44ea6c4d268eb6db02260269892c0b42b86bbf1e77a6fa16c3c9282");
		ronda_tree_release(&cur);
		put("abc.txt", "abc");
	}
	/* another filesystem's inode numbers mean nothing: no reuse */
	prev.dev ^= 1;
	assert_int_equal(ronda_tree_build(root, &o, &cur, &err), RONDA_OK);
	assert_int_equal(cur.n_reused, 0);
	ronda_tree_release(&cur);
	ronda_tree_release(&prev);
	ronda_buf_release(&err);
}

struct seen {
	int n_added, n_removed, n_changed, n_stomp;
	unsigned what_last;
	char last[64];
};

static void collect(const struct ronda_change *c, void *arg)
{
	struct seen *s = arg;

	if (c->kind == RONDA_ADDED)
		s->n_added++;
	else if (c->kind == RONDA_REMOVED)
		s->n_removed++;
	else
		s->n_changed++;
	if (c->timestomp)
		s->n_stomp++;
	s->what_last = c->what;
	snprintf(s->last, sizeof(s->last), "%s", c->cur ? c->cur->path : c->old->path);
}

static struct ronda_entry mk(const char *path, char type)
{
	struct ronda_entry e = { 0 };

	e.path = (char *)path;
	e.type = type;
	e.mode = 0644;
	e.size = 10;
	e.mtime_ns = 1000;
	e.ctime_ns = 1000;
	e.ino = 5;
	e.has_hash = type == RONDA_ET_FILE;
	return e;
}

static struct seen diff1(struct ronda_entry o, struct ronda_entry c)
{
	struct ronda_tree a = { .v = &o, .n = 1 }, b = { .v = &c, .n = 1 };
	struct seen s = { 0 };

	ronda_tree_diff(&a, &b, collect, &s);
	return s;
}

static void test_diff(void **state)
{
	struct ronda_entry o = mk("f", RONDA_ET_FILE), c;
	struct seen s;

	c = o;
	s = diff1(o, c);
	assert_int_equal(s.n_changed, 0);

	/* metadata: same hash, mtime moved */
	c = o;
	c.mtime_ns = 2000;
	c.ctime_ns = 2000;
	s = diff1(o, c);
	assert_int_equal(s.what_last, RONDA_CHG_METADATA);
	assert_int_equal(s.n_stomp, 0);

	/* ctime or inode alone is not a change */
	c = o;
	c.ctime_ns = 5000;
	c.ino = 9;
	s = diff1(o, c);
	assert_int_equal(s.n_changed, 0);

	/* content + mode + owner */
	c = o;
	c.sha256[0] = 1;
	c.mode = 0777;
	c.uid = 33;
	c.mtime_ns = 3000;
	c.ctime_ns = 3000;
	s = diff1(o, c);
	assert_int_equal(s.what_last, RONDA_CHG_CONTENT | RONDA_CHG_MODE | RONDA_CHG_OWNER);
	assert_int_equal(s.n_stomp, 0);

	/* timestomp: content changed, mtime kept (equal), ctime forward */
	c = o;
	c.sha256[0] = 1;
	c.ctime_ns = 3000;
	s = diff1(o, c);
	assert_int_equal(s.n_stomp, 1);
	/* ... or moved back */
	c.mtime_ns = 10;
	s = diff1(o, c);
	assert_int_equal(s.n_stomp, 1);
	/* not without a content change */
	c = o;
	c.mtime_ns = 10;
	c.ctime_ns = 3000;
	s = diff1(o, c);
	assert_int_equal(s.n_stomp, 0);
	assert_int_equal(s.what_last, RONDA_CHG_METADATA);
	/* not when ctime did not move (restored from a backup keeping both?) */
	c = o;
	c.sha256[0] = 1;
	s = diff1(o, c);
	assert_int_equal(s.n_stomp, 0);

	/* type */
	c = mk("f", RONDA_ET_LINK);
	c.target = "/etc/passwd";
	s = diff1(o, c);
	assert_int_equal(s.what_last, RONDA_CHG_TYPE);

	/* link target */
	{
		struct ronda_entry l1 = mk("l", RONDA_ET_LINK), l2;

		l1.target = "a";
		l2 = l1;
		l2.target = "b";
		s = diff1(l1, l2);
		assert_int_equal(s.what_last, RONDA_CHG_TARGET);
	}
	/* directories: mtime and size are noise */
	{
		struct ronda_entry d1 = mk("d", RONDA_ET_DIR), d2;

		d2 = d1;
		d2.mtime_ns = 99999;
		d2.size = 8192;
		s = diff1(d1, d2);
		assert_int_equal(s.n_changed, 0);
		d2.gid = 7;
		s = diff1(d1, d2);
		assert_int_equal(s.what_last, RONDA_CHG_GROUP);
	}
	/* unreadable now, metadata moved */
	c = o;
	c.has_hash = false;
	c.size = 11;
	s = diff1(o, c);
	assert_int_equal(s.what_last, RONDA_CHG_UNREAD);

	/* added / removed in path order */
	{
		struct ronda_entry av[3] = { mk("a", RONDA_ET_FILE), mk("b", RONDA_ET_FILE),
					     mk("d", RONDA_ET_FILE) };
		struct ronda_entry bv[3] = { mk("b", RONDA_ET_FILE), mk("c", RONDA_ET_FILE),
					     mk("d", RONDA_ET_FILE) };
		struct ronda_tree a = { .v = av, .n = 3 }, b = { .v = bv, .n = 3 };

		memset(&s, 0, sizeof(s));
		ronda_tree_diff(&a, &b, collect, &s);
		assert_int_equal(s.n_added, 1);
		assert_int_equal(s.n_removed, 1);
		assert_int_equal(s.n_changed, 0);
		assert_string_equal(s.last, "c");
	}
	assert_string_equal(ronda_change_what_name(RONDA_CHG_CONTENT), "content");
	assert_null(ronda_change_what_name(0x10000));
}

struct hist { int n; char last[128]; };

static void on_hist(const struct ronda_history_row *h, void *arg)
{
	struct hist *x = arg;

	x->n++;
	snprintf(x->last, sizeof(x->last), "%s:%s:%llu", h->action, h->message,
		 (unsigned long long)h->n_added);
}

static void test_store_load(void **state)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_tree_opts o = { 0 };
	struct ronda_tree t, back;
	struct ronda_baseline_info info;
	struct ronda_history h = { "baseline", "", 8, 0, 0 };
	struct ronda_site site;
	struct ronda_db *db;
	struct hist hx = { 0 };
	char file[512];

	snprintf(file, sizeof(file), "%s/state.db", tmpdir);
	assert_int_equal(ronda_db_open_file(file, RONDA_DB_CREATE, &db, &err), RONDA_OK);
	assert_int_equal(ronda_db_begin(db, &err), RONDA_OK);
	assert_int_equal(ronda_site_resolve(db, root, NULL, true, &site, &err), RONDA_OK);
	assert_int_equal(ronda_baseline_info(db, site.id, &info, &err), RONDA_OK);
	assert_false(info.exists);
	assert_int_equal(ronda_tree_build(root, &o, &t, &err), RONDA_OK);
	assert_int_equal(ronda_baseline_store(db, site.id, &t, &h, &err), RONDA_OK);
	assert_int_equal(ronda_db_commit(db, &err), RONDA_OK);

	assert_int_equal(ronda_baseline_load(db, site.id, &back, &err), RONDA_OK);
	assert_int_equal(back.n, t.n);
	assert_int_equal(back.started_ns, t.started_ns);
	assert_int_equal(back.dev, t.dev);
	for (size_t i = 0; i < t.n; i++) {
		const struct ronda_entry *a = &t.v[i], *b = &back.v[i];

		assert_string_equal(a->path, b->path);
		assert_int_equal(a->type, b->type);
		assert_int_equal(a->mode, b->mode);
		assert_int_equal(a->size, b->size);
		assert_int_equal(a->mtime_ns, b->mtime_ns);
		assert_int_equal(a->ctime_ns, b->ctime_ns);
		assert_int_equal(a->ino, b->ino);
		assert_int_equal(a->has_hash, b->has_hash);
		if (a->has_hash)
			assert_memory_equal(a->sha256, b->sha256, 32);
		assert_int_equal(!a->target, !b->target);
		if (a->target)
			assert_string_equal(a->target, b->target);
	}
	/* the stored tree compares equal to the walked one */
	{
		struct seen s = { 0 };

		ronda_tree_diff(&back, &t, collect, &s);
		assert_int_equal(s.n_added + s.n_removed + s.n_changed, 0);
	}
	/* update replaces the entries and appends history */
	assert_int_equal(ronda_db_begin(db, &err), RONDA_OK);
	h.action = "update";
	h.message = "why not";
	h.n_added = 0;
	assert_int_equal(ronda_baseline_store(db, site.id, &t, &h, &err), RONDA_OK);
	assert_int_equal(ronda_db_commit(db, &err), RONDA_OK);
	assert_int_equal(ronda_baseline_info(db, site.id, &info, &err), RONDA_OK);
	assert_true(info.exists);
	assert_int_equal(info.n_entries, t.n);
	assert_int_equal(ronda_baseline_history(db, site.id, on_hist, &hx, &err), RONDA_OK);
	assert_int_equal(hx.n, 2);
	assert_string_equal(hx.last, "update:why not:0");

	/* ronda_check_run sees a clean tree, then a change */
	{
		struct ronda_check c;
		const char **list;

		assert_int_equal(ronda_check_run(db, root, NULL, &o, &c, &err), RONDA_OK);
		assert_int_equal(c.n_changes, 0);
		ronda_check_release(&c);
		put("dir/new.php", "new");
		assert_int_equal(ronda_check_run(db, NULL, site.name, &o, &c, &err), RONDA_OK);
		assert_int_equal(c.n_added, 1);
		assert_int_equal(ronda_check_scan_list(&c, &list), 1);
		assert_string_equal(list[0], "dir/new.php");
		free(list);
		ronda_check_release(&c);
		assert_int_equal(ronda_check_run(db, NULL, "nosuch", &o, &c, &err), RONDA_ENOTFOUND);
	}
	ronda_tree_release(&t);
	ronda_tree_release(&back);
	ronda_site_release(&site);
	ronda_db_close(db);
	ronda_buf_release(&err);
}

static void test_bounds(void **state)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_tree_opts o = { 0 };
	struct ronda_tree t;
	char deep[300];
	struct stat st;
	int fd;

	/* a chain deeper than RONDA_TREE_MAX_DEPTH: walked up to the bound,
	 * the rest reported as an error, no crash */
	snprintf(deep, sizeof(deep), "%s/deep", tmpdir);
	assert_int_equal(mkdir(deep, 0755), 0);
	fd = open(deep, O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < RONDA_TREE_MAX_DEPTH + 10; i++) {
		int nfd;

		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		nfd = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = nfd;
	}
	close(fd);
	assert_int_equal(ronda_tree_build(deep, &o, &t, &err), RONDA_OK);
	assert_true(t.n >= RONDA_TREE_MAX_DEPTH - 1);
	assert_true(t.n <= RONDA_TREE_MAX_DEPTH + 1);
	assert_true(t.n_errors >= 1);
	ronda_tree_release(&t);

	/* the skip inode (a state directory inside the root) is left out */
	assert_int_equal(stat(root, &st), 0);
	{
		char p[1024];

		sub(p, sizeof(p), "dir");
		assert_int_equal(stat(p, &st), 0);
		o.skip = true;
		o.skip_dev = st.st_dev;
		o.skip_ino = st.st_ino;
		assert_int_equal(ronda_tree_build(root, &o, &t, &err), RONDA_OK);
		assert_null(ronda_tree_find(&t, "dir"));
		assert_null(ronda_tree_find(&t, "dir/x.php"));
		ronda_tree_release(&t);
	}
	/* a root that does not exist */
	assert_int_equal(ronda_tree_build("/nonexistent/ronda", &o, &t, &err), RONDA_ENOENT);
	assert_non_null(strstr(err.buf, "cannot open root"));
	ronda_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_reuse_and_racy),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_store_load),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
