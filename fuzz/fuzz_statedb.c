/*
 * fuzz_statedb.c — a hostile or damaged state database: whatever the bytes,
 * opening it, listing its sites and loading their baselines must end in
 * RONDA_OK or a clean error, never a crash, a hang or a leak.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "state/baseline.h"
#include "state/db.h"
#include "core/util.h"

static void noop(const struct ronda_change *c, void *arg)
{
	(void)c;
	(*(size_t *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ronda_buf err = RONDA_BUF_INIT(4096);
	struct ronda_site *sites = NULL;
	struct ronda_db *db = NULL;
	char path[64], side[80];
	size_t n = 0;
	int fd;

	snprintf(path, sizeof(path), "/tmp/fuzz_statedb.%d.db", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	close(fd);
	setenv("RONDA_BUSY_TIMEOUT", "0", 1);
	if (ronda_db_open_file(path, 0, &db, &err) == RONDA_OK &&
	    ronda_site_list(db, &sites, &n, &err) == RONDA_OK) {
		for (size_t i = 0; i < n && i < 16; i++) {
			struct ronda_tree t, empty = { 0 };
			size_t changes = 0;

			if (ronda_baseline_load(db, sites[i].id, &t, &err) == RONDA_OK) {
				ronda_tree_diff(&t, &empty, noop, &changes);
				ronda_tree_release(&t);
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		ronda_site_release(&sites[i]);
	free(sites);
	ronda_db_close(db);
	ronda_buf_release(&err);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	return 0;
}
