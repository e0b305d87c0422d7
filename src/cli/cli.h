/*
 * cli.h — what the subcommands of the `ronda` front end share.
 *
 * Each subcommand is one file src/cli/cmd_NAME.c defining
 *     const struct ronda_command ronda_command_<name> = { ... };
 * The build collects them into one table (like git's builtin table, but
 * generated, so adding a command touches only its own file).  Each command
 * parses its own options with getopt_long and returns the process exit
 * status.  Only this layer prints or decides exit codes.
 */
#ifndef RONDA_CLI_H
#define RONDA_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/i18n.h"
#include "core/util.h"

/* exit statuses shared by every command */
#define RONDA_EXIT_OK 0
#define RONDA_EXIT_FINDINGS 1
#define RONDA_EXIT_ERROR 2

#define RONDA_CMD_NEEDS_STATE 0x1u  /* uses the state directory */
#define RONDA_CMD_HIDDEN      0x2u  /* not listed in `ronda --help` */

struct ronda_command {
	const char *name;
	int (*run)(int argc, char **argv);
	unsigned flags;
	int order;                  /* position in `ronda --help` */
	const char *summary;        /* N_() one line */
};

extern const struct ronda_command *const ronda_commands[];

/* Print "ronda: <message>" (one line) to stderr.  The message should be
 * lowercase with no full stop, the subject quoted (git style). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line "ronda: <problem>; see 'ronda CMD --help'" after bad usage; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Whether stdout/stderr is a terminal and colour is wanted
 * (NO_COLOR, --color=auto|always|never). */
extern int cli_color;   /* -1 auto, 0 never, 1 always */
bool cli_use_color(FILE *f);

/* Display a raw path escaped for one terminal line (see ronda_buf_add_escaped). */
const char *cli_path(struct ronda_buf *tmp, const char *path);

#endif
