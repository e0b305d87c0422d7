/*
 * statecli.h — what the commands that use the state database share:
 * resolving --state, opening the database with a one-line error, finding
 * the site of "[ROOT] [--site NAME]".
 */
#ifndef RONDA_CLI_STATECLI_H
#define RONDA_CLI_STATECLI_H

#include <stdbool.h>

#include "state/db.h"

/* Open the state database of `state_opt` (--state, may be NULL).  Prints
 * the error and returns NULL on failure. */
struct ronda_db *statecli_open(const char *state_opt, bool create);

/* The state directory as resolved (valid after statecli_open). */
const char *statecli_dir(void);

/* Print a progress/info line to stderr unless quiet. */
void statecli_human_size(char *out, size_t n, uint64_t bytes);

#endif
