/*
 * statecli.c — shared front-end helpers of the state commands.
 */
#include <limits.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/statecli.h"

static char state_dir[PATH_MAX];

const char *statecli_dir(void)
{
	return state_dir;
}

struct ronda_db *statecli_open(const char *state_opt, bool create)
{
	struct ronda_buf dir = RONDA_BUF_INIT(PATH_MAX - 1), err = RONDA_BUF_INIT(4096);
	struct ronda_db *db = NULL;

	if (ronda_state_dir(state_opt, &dir, &err)) {
		cli_error("%s", err.len ? err.buf : _("state directory path too long"));
		goto out;
	}
	ronda_strlcpy(state_dir, dir.buf, sizeof(state_dir));
	if (ronda_db_open(dir.buf, create ? RONDA_DB_CREATE : 0, &db, &err))
		cli_error("%s", err.buf);
out:
	ronda_buf_release(&dir);
	ronda_buf_release(&err);
	return db;
}

void statecli_human_size(char *out, size_t n, uint64_t bytes)
{
	if (bytes >= (1ull << 30))
		snprintf(out, n, "%.1f GiB", (double)bytes / (1ull << 30));
	else if (bytes >= (1ull << 20))
		snprintf(out, n, "%.1f MiB", (double)bytes / (1ull << 20));
	else if (bytes >= 1024)
		snprintf(out, n, "%.1f KiB", (double)bytes / 1024);
	else
		snprintf(out, n, "%llu bytes", (unsigned long long)bytes);
}
