/*
 * report.h — turning scan results into the human report and JSON Lines.
 *
 * Shared by every command that prints findings (scan, check, clean), so a
 * SIEM sees one shape whatever produced it.  A collector copies results as
 * they arrive (the engine frees them after the callback) and prints the
 * human report grouped by file, worst first, at the end; in JSON mode each
 * finding is printed as soon as it arrives.
 */
#ifndef RONDA_CLI_REPORT_H
#define RONDA_CLI_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "core/scan.h"

struct report_file;
struct held;

struct report {
	FILE *out;
	bool json;
	bool color;
	bool quiet;                 /* text: no per-file details */
	int min_severity;           /* findings below are neither shown nor counted */
	struct report_file *files;
	size_t n_files, alloc_files;
	uint64_t n_shown[RONDA_SEV__COUNT];
	int worst;                  /* -1: none */
	unsigned n_errors;
	const char *command;        /* "scan", "check"... in JSON */
	struct held *held;          /* JSON: page results a farm may fold */
	size_t n_held, alloc_held;
	uint64_t n_folded;          /* page findings folded into farm findings */
};

void report_init(struct report *r, FILE *out, bool json, int min_severity);
void report_release(struct report *r);

/* ronda_result_fn / ronda_error_fn adapters (arg = struct report *) */
void report_on_result(const struct ronda_result *res, void *arg);
void report_on_error(const char *path, ronda_err err, void *arg);

/* Print one finding of res as one JSON line (used by report and others). */
void report_json_finding(FILE *out, const struct ronda_result *res,
			 const struct ronda_finding *fd, const char *command);

/* Text: print the collected files, worst first.  JSON: nothing (streamed). */
void report_flush(struct report *r);

/* The closing summary (text or a JSON object with "type":"summary"). */
void report_summary(struct report *r, const struct ronda_scan_stats *st,
		    const char *const *roots, size_t n_roots);

/* Add a path to a JSON object as "key" (and "key_b64" when the bytes are
 * not valid UTF-8: "key" then holds U+FFFD for bad bytes). */
void report_json_path(json_t *obj, const char *key, const char *path);

#endif
