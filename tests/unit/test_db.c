/*
 * test_db.c — the state database: creation, migration from an older schema,
 * refusal of a newer one, damaged files, sites.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "state/db.h"
#include "core/util.h"

static char tmpdir[256];

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ronda-test-db-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void path_in(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", tmpdir, name);
}

static int user_version(struct ronda_db *db)
{
	sqlite3_stmt *st;
	int v;

	assert_int_equal(sqlite3_prepare_v2(db->sql, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_create(void **state)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_db *db;
	char dir[512], file[600];
	struct stat st;
	sqlite3_stmt *q;

	path_in(dir, sizeof(dir), "a/b/state");
	/* without CREATE a missing state directory is an error */
	assert_int_equal(ronda_db_open(dir, 0, &db, &err), RONDA_ENOENT);
	assert_null(db);
	assert_non_null(strstr(err.buf, "no state directory"));

	assert_int_equal(ronda_db_open(dir, RONDA_DB_CREATE, &db, &err), RONDA_OK);
	assert_int_equal(db->version, ronda_db_latest);
	assert_int_equal(db->migrated_from, 0);
	assert_int_equal(user_version(db), ronda_db_latest);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(sqlite3_prepare_v2(db->sql, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
	sqlite3_finalize(q);
	ronda_db_close(db);

	/* reopening is a no-op */
	snprintf(file, sizeof(file), "%s/ronda.db", dir);
	assert_int_equal(ronda_db_open_file(file, 0, &db, &err), RONDA_OK);
	assert_int_equal(db->migrated_from, ronda_db_latest);
	ronda_db_close(db);
	ronda_buf_release(&err);
}

static void test_migrate_from_v1(void **state)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_site s;
	struct ronda_db *db;
	char file[512];

	path_in(file, sizeof(file), "old.db");
	/* an "old ronda" database: schema version 1 with one site */
	assert_int_equal(ronda_db_open_file_at(file, RONDA_DB_CREATE, 1, &db, &err), RONDA_OK);
	assert_int_equal(user_version(db), 1);
	assert_int_equal(ronda_db_exec(db, "INSERT INTO sites(name, root, created) "
				       "VALUES ('www', CAST('/srv/www' AS BLOB), 7)", &err), RONDA_OK);
	/* version 2's tables do not exist yet */
	assert_int_not_equal(ronda_db_exec(db, "SELECT * FROM entries", &err), RONDA_OK);
	ronda_db_close(db);

	/* a read-only open refuses to migrate */
	assert_int_equal(ronda_db_open_file(file, RONDA_DB_READONLY, &db, &err), RONDA_ESCHEMA);

	assert_int_equal(ronda_db_open_file(file, 0, &db, &err), RONDA_OK);
	assert_int_equal(db->migrated_from, 1);
	assert_int_equal(db->version, ronda_db_latest);
	assert_int_equal(ronda_db_exec(db, "SELECT * FROM entries", &err), RONDA_OK);
	assert_int_equal(ronda_site_get(db, "www", &s, &err), RONDA_OK);
	assert_string_equal(s.root, "/srv/www");
	assert_int_equal(s.created, 7);
	ronda_site_release(&s);
	ronda_db_close(db);
	ronda_buf_release(&err);
}

static void test_refuse_newer(void **state)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_db *db;
	char file[512], sql[64];

	path_in(file, sizeof(file), "new.db");
	assert_int_equal(ronda_db_open_file(file, RONDA_DB_CREATE, &db, &err), RONDA_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", ronda_db_latest + 1);
	assert_int_equal(ronda_db_exec(db, sql, &err), RONDA_OK);
	ronda_db_close(db);
	assert_int_equal(ronda_db_open_file(file, 0, &db, &err), RONDA_ESCHEMA);
	assert_null(db);
	assert_non_null(strstr(err.buf, "upgrade ronda"));
	assert_null(strchr(err.buf, '\n'));
	ronda_buf_release(&err);
}

static void fill(struct ronda_db *db, int n)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);

	assert_int_equal(ronda_db_begin(db, &err), RONDA_OK);
	for (int i = 0; i < n; i++) {
		char sql[256];

		snprintf(sql, sizeof(sql), "INSERT INTO sites(name, root, created) VALUES "
			 "('s%d', CAST('/srv/%d/%0100d' AS BLOB), %d)", i, i, i, i);
		assert_int_equal(ronda_db_exec(db, sql, &err), RONDA_OK);
	}
	assert_int_equal(ronda_db_commit(db, &err), RONDA_OK);
	/* move everything into the main file so truncation hits real pages */
	assert_int_equal(ronda_db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", &err), RONDA_OK);
	ronda_buf_release(&err);
}

static void test_truncated(void **state)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_db *db;
	char file[512];
	struct stat st;

	path_in(file, sizeof(file), "trunc.db");
	assert_int_equal(ronda_db_open_file(file, RONDA_DB_CREATE, &db, &err), RONDA_OK);
	fill(db, 2000);
	ronda_db_close(db);
	assert_int_equal(stat(file, &st), 0);
	assert_true(st.st_size > 8 * 4096);
	assert_int_equal(truncate(file, st.st_size / 2), 0);
	assert_int_equal(ronda_db_open_file(file, 0, &db, &err), RONDA_ECORRUPT);
	assert_non_null(strstr(err.buf, "truncated"));
	assert_null(strchr(err.buf, '\n'));

	/* a file cut inside the header */
	assert_int_equal(truncate(file, 50), 0);
	assert_int_equal(ronda_db_open_file(file, 0, &db, &err), RONDA_ECORRUPT);
	ronda_buf_release(&err);
}

static void test_corrupt_header(void **state)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_db *db;
	char file[512];
	int fd;

	path_in(file, sizeof(file), "bad.db");
	assert_int_equal(ronda_db_open_file(file, RONDA_DB_CREATE, &db, &err), RONDA_OK);
	fill(db, 10);
	ronda_db_close(db);
	fd = open(file, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "garbage garbage!", 16, 0), 16);
	close(fd);
	assert_int_equal(ronda_db_open_file(file, 0, &db, &err), RONDA_ECORRUPT);
	assert_non_null(strstr(err.buf, "not a ronda database"));

	/* valid magic, impossible page size: SQLite's own check */
	fd = open(file, O_WRONLY);
	assert_int_equal(pwrite(fd, "SQLite format 3\0\x01\x03", 18, 0), 18);
	close(fd);
	assert_int_equal(ronda_db_open_file(file, 0, &db, &err), RONDA_ECORRUPT);
	assert_null(strchr(err.buf, '\n'));

	/* another program's SQLite database */
	path_in(file, sizeof(file), "other.db");
	{
		sqlite3 *o;

		assert_int_equal(sqlite3_open(file, &o), SQLITE_OK);
		assert_int_equal(sqlite3_exec(o, "CREATE TABLE t(x); PRAGMA user_version=1",
					      NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(o);
	}
	assert_int_equal(ronda_db_open_file(file, 0, &db, &err), RONDA_ECORRUPT);
	assert_non_null(strstr(err.buf, "not ronda's"));
	ronda_buf_release(&err);
}

static void test_busy(void **state)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_db *a, *b;
	char file[512];

	setenv("RONDA_BUSY_TIMEOUT", "100", 1);
	path_in(file, sizeof(file), "busy.db");
	assert_int_equal(ronda_db_open_file(file, RONDA_DB_CREATE, &a, &err), RONDA_OK);
	assert_int_equal(ronda_db_open_file(file, 0, &b, &err), RONDA_OK);
	assert_int_equal(ronda_db_begin(a, &err), RONDA_OK);
	assert_int_equal(ronda_db_begin(b, &err), RONDA_EBUSY);
	assert_non_null(strstr(err.buf, "locked"));
	/* readers are not blocked by a writer in WAL mode */
	assert_int_equal(ronda_db_exec(b, "SELECT count(*) FROM sites", &err), RONDA_OK);
	assert_int_equal(ronda_db_commit(a, &err), RONDA_OK);
	assert_int_equal(ronda_db_begin(b, &err), RONDA_OK);
	ronda_db_rollback(b);
	ronda_db_close(a);
	ronda_db_close(b);
	unsetenv("RONDA_BUSY_TIMEOUT");
	ronda_buf_release(&err);
}

/* several processes creating the same new database at once: every one
 * must succeed (the WAL switch deadlock is retried, writers wait) */
static void test_concurrent_create(void **state)
{
	char file[512];

	path_in(file, sizeof(file), "race.db");
	for (int round = 0; round < 25; round++) {
		char side[600];
		pid_t pids[12];
		int failed = 0;

		unlink(file);
		snprintf(side, sizeof(side), "%s-wal", file);
		unlink(side);
		snprintf(side, sizeof(side), "%s-shm", file);
		unlink(side);
		for (int i = 0; i < 12; i++) {
			pids[i] = fork();
			assert_true(pids[i] >= 0);
			if (pids[i] == 0) {
				struct ronda_buf err = RONDA_BUF_INIT(4096);
				struct ronda_db *db;
				char sql[128];
				int ok;

				ok = ronda_db_open_file(file, RONDA_DB_CREATE, &db, &err) == RONDA_OK;
				snprintf(sql, sizeof(sql), "INSERT INTO sites(name, root, created) "
					 "VALUES ('s%d', CAST('/r%d' AS BLOB), 1)", i, i);
				ok = ok && ronda_db_begin(db, &err) == RONDA_OK &&
				     ronda_db_exec(db, sql, &err) == RONDA_OK &&
				     ronda_db_commit(db, &err) == RONDA_OK;
				if (!ok)
					fprintf(stderr, "child %d: %s\n", i, err.buf);
				_exit(ok ? 0 : 1);
			}
		}
		for (int i = 0; i < 12; i++) {
			int status;

			assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				failed++;
		}
		assert_int_equal(failed, 0);
	}
}

static void test_sites(void **state)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096), nm = RONDA_BUF_INIT(256);
	struct ronda_site s, t, *all;
	struct ronda_db *db;
	char file[512], root[512], root2[512];
	size_t n;

	ronda_site_default_name("/var/www/html", &nm);
	assert_string_equal(nm.buf, "var-www-html");
	ronda_site_default_name("/", &nm);
	assert_string_equal(nm.buf, "root");
	ronda_site_default_name("/srv//a b/.hidden/x\xff", &nm);
	assert_string_equal(nm.buf, "srv-a-b-hidden-x");
	assert_true(ronda_site_name_valid(nm.buf));
	assert_false(ronda_site_name_valid("-x"));
	assert_false(ronda_site_name_valid("a/b"));
	assert_false(ronda_site_name_valid(""));

	path_in(file, sizeof(file), "sites.db");
	path_in(root, sizeof(root), "www");
	path_in(root2, sizeof(root2), "www2");
	assert_int_equal(mkdir(root, 0755), 0);
	assert_int_equal(mkdir(root2, 0755), 0);
	assert_int_equal(ronda_db_open_file(file, RONDA_DB_CREATE, &db, &err), RONDA_OK);

	assert_int_equal(ronda_site_resolve(db, root, NULL, false, &s, &err), RONDA_ENOTFOUND);
	assert_int_equal(ronda_site_resolve(db, root, NULL, true, &s, &err), RONDA_OK);
	ronda_site_default_name(root, &nm);
	assert_string_equal(s.name, nm.buf);
	assert_string_equal(s.root, root);
	/* by name, by root, by a path given as --site */
	assert_int_equal(ronda_site_resolve(db, NULL, nm.buf, false, &t, &err), RONDA_OK);
	assert_int_equal(t.id, s.id);
	ronda_site_release(&t);
	assert_int_equal(ronda_site_resolve(db, NULL, root, false, &t, &err), RONDA_OK);
	assert_int_equal(t.id, s.id);
	ronda_site_release(&t);
	/* a second name for the same root is refused */
	assert_int_equal(ronda_site_resolve(db, root, "other", true, &t, &err), RONDA_EEXIST);
	/* a named second site */
	assert_int_equal(ronda_site_resolve(db, root2, "second", true, &t, &err), RONDA_OK);
	assert_string_equal(t.name, "second");
	ronda_site_release(&t);
	/* name and a root that is not its root */
	assert_int_equal(ronda_site_resolve(db, root, "second", false, &t, &err), RONDA_EEXIST);
	assert_int_equal(ronda_site_resolve(db, NULL, "nosuch", false, &t, &err), RONDA_ENOTFOUND);
	assert_non_null(strstr(err.buf, "no site named 'nosuch'"));
	assert_int_equal(ronda_site_resolve(db, NULL, "bad name", false, &t, &err), RONDA_EINVAL);

	assert_int_equal(ronda_site_list(db, &all, &n, &err), RONDA_OK);
	assert_int_equal(n, 2);
	assert_string_equal(all[0].name, "second");
	for (size_t i = 0; i < n; i++)
		ronda_site_release(&all[i]);
	free(all);
	ronda_site_release(&s);
	ronda_db_close(db);
	ronda_buf_release(&err);
	ronda_buf_release(&nm);
}

static void test_state_dir(void **state)
{
	struct ronda_buf out = RONDA_BUF_INIT(4096), err = RONDA_BUF_INIT(4096);

	assert_int_equal(ronda_state_dir("/x/y", &out, &err), RONDA_OK);
	assert_string_equal(out.buf, "/x/y");
	setenv("RONDA_STATE", "/from/env", 1);
	assert_int_equal(ronda_state_dir(NULL, &out, &err), RONDA_OK);
	assert_string_equal(out.buf, "/from/env");
	unsetenv("RONDA_STATE");
	setenv("XDG_DATA_HOME", "/xdg", 1);
	assert_int_equal(ronda_state_dir(NULL, &out, &err), RONDA_OK);
	assert_string_equal(out.buf, geteuid() == 0 ? "/var/lib/ronda" : "/xdg/ronda");
	ronda_buf_release(&out);
	ronda_buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_migrate_from_v1),
		cmocka_unit_test(test_refuse_newer),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt_header),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_concurrent_create),
		cmocka_unit_test(test_sites),
		cmocka_unit_test(test_state_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
