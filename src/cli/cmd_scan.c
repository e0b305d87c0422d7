/*
 * cmd_scan.c — `ronda scan`: scan web roots for gambling spam, cloakers,
 * defacements, webshells, backdoors and exposed secrets.
 */
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "core/scan.h"

static void usage(FILE *f)
{
	fprintf(f, _("usage: ronda scan [options] PATH...\n\n"
		"Scan web roots (directories or files) and report findings.\n\n"
		"  -j, --json                 JSON Lines: one finding per line, then a summary\n"
		"  -t, --threads N            worker threads (default: one per core)\n"
		"  -e, --exclude GLOB         skip paths matching GLOB (repeatable)\n"
		"      --allowlist FILE       suppress findings listed in FILE\n"
		"                             (default: ROOT/.ronda-allow if owned by you)\n"
		"      --yara FILE|DIR        also run these YARA rules\n"
		"      --yara-timeout SEC     YARA time limit per file (default 5)\n"
		"      --max-filesize SIZE    scan head and tail of bigger files (default 32M)\n"
		"      --cross-filesystems    descend into other mounted filesystems\n"
		"      --fail-on SEVERITY     exit 1 if a finding is at least this severe\n"
		"                             (info, low, medium, high, critical; default medium)\n"
		"      --min-severity SEV     do not show findings below SEV (default info)\n"
		"  -q, --quiet                list files only, no details\n"
		"      --color WHEN           auto, always or never\n"
		"      --no-progress          no progress line on a terminal\n"
		"      --no-detector NAME     leave detector NAME out (repeatable;\n"
		"                             `ronda rules --detectors` lists them)\n"
		"  -h, --help                 show this help\n\n"
		"Exit status: 0 nothing at or above --fail-on, 1 findings, 2 error.\n"));
}

struct progress {
	volatile uint64_t files, bytes;
	volatile int stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *progress_main(void *arg)
{
	struct progress *p = arg;
	uint64_t t0 = ronda_now_ns();
	bool shown = false;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
		if (p->stop)
			break;
		if (ronda_now_ns() - t0 < 1000000000ull)
			continue;  /* quick scans print nothing */
		fputs("\r\033[K", stderr);
		fprintf(stderr, _("scanning: %llu files, %llu MiB"),
			(unsigned long long)__atomic_load_n(&p->files, __ATOMIC_RELAXED),
			(unsigned long long)(__atomic_load_n(&p->bytes, __ATOMIC_RELAXED) >> 20));
		shown = true;
	}
	if (shown)
		fprintf(stderr, "\r\033[K");
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * A scan frees and allocates again, file after file, buffers of every size
 * up to a few MB (tokens, decoded layers, normalised text).  glibc's default
 * hands the big ones and the top of the heap back to the kernel, and every
 * file that needs them again pays the page faults.  A scan is short-lived:
 * keep what was grown (blocks up to 32 MB come from the heap, the heap is
 * not trimmed), and let each thread grow its heap by up to 8 MB before its
 * first file (warm_heap in core/scan.h; 32 MB for all threads together) so
 * the first files are not charged for it.  That memory may be more than the
 * files need (bench/scan prints the peak).
 */
static void keep_heap(struct ronda_scan_opts *o)
{
	if (mallopt(M_MMAP_THRESHOLD, 32 << 20) && mallopt(M_TRIM_THRESHOLD, 256 << 20))
		o->warm_heap = (size_t)8 << 20;
}

static int cmd_scan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "threads", required_argument, NULL, 't' },
		{ "exclude", required_argument, NULL, 'e' },
		{ "allowlist", required_argument, NULL, 'A' },
		{ "yara", required_argument, NULL, 'Y' },
		{ "yara-timeout", required_argument, NULL, 'T' },
		{ "max-filesize", required_argument, NULL, 'M' },
		{ "cross-filesystems", no_argument, NULL, 'X' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "min-severity", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "color", required_argument, NULL, 'C' },
		{ "no-progress", no_argument, NULL, 'P' },
		{ "no-detector", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ronda_scan_opts o = { 0 };
	struct ronda_scan_stats st;
	struct ronda_engine *e = NULL;
	struct ronda_buf err = RONDA_BUF_INIT(8192);
	struct report rep;
	struct progress prog = { 0 };
	pthread_t ptid;
	bool json = false, quiet = false, progress = true, prog_started = false;
	int fail_on = RONDA_SEV_MEDIUM, min_sev = RONDA_SEV_INFO;
	const char **excludes = NULL, **disable = NULL;
	size_t n_excludes = 0, alloc_excludes = 0, n_disable = 0, alloc_disable = 0;
	unsigned long long v;
	int c, rc, status = RONDA_EXIT_ERROR;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jt:e:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			ronda_i18n_machine(true);  /* details in English */
			break;
		case 't':
			if (ronda_parse_uint(optarg, 1, 256, &v))
				return cli_usage_error("scan", _("--threads wants a number from 1 to 256, not '%s'"), optarg);
			o.threads = (unsigned)v;
			break;
		case 'e':
			excludes = xgrow(excludes, &alloc_excludes, n_excludes + 1, sizeof(*excludes));
			excludes[n_excludes++] = optarg;
			break;
		case 'A':
			o.allowlist = optarg;
			break;
		case 'Y':
			o.yara = optarg;
			break;
		case 'T':
			if (ronda_parse_uint(optarg, 1, 3600, &v))
				return cli_usage_error("scan", _("--yara-timeout wants seconds from 1 to 3600, not '%s'"), optarg);
			o.yara_timeout = (unsigned)v;
			break;
		case 'M': {
			uint64_t sz;
			if (ronda_parse_size(optarg, &sz, true) || sz < 1024 || sz > ((uint64_t)1 << 31))
				return cli_usage_error("scan", _("--max-filesize wants a size from 1K to 2G, not '%s'"), optarg);
			o.max_filesize = sz;
			break;
		}
		case 'X':
			o.cross_filesystems = true;
			break;
		case 'F':
			fail_on = ronda_severity_parse(optarg);
			if (fail_on < 0)
				return cli_usage_error("scan", _("unknown severity '%s'"), optarg);
			break;
		case 'S':
			min_sev = ronda_severity_parse(optarg);
			if (min_sev < 0)
				return cli_usage_error("scan", _("unknown severity '%s'"), optarg);
			break;
		case 'q':
			quiet = true;
			break;
		case 'C':
			if (!strcmp(optarg, "always"))
				cli_color = 1;
			else if (!strcmp(optarg, "never"))
				cli_color = 0;
			else if (!strcmp(optarg, "auto"))
				cli_color = -1;
			else
				return cli_usage_error("scan", _("--color wants auto, always or never, not '%s'"), optarg);
			break;
		case 'P':
			progress = false;
			break;
		case 'D':
			disable = xgrow(disable, &alloc_disable, n_disable + 1, sizeof(*disable));
			disable[n_disable++] = optarg;
			break;
		case 'h':
			usage(stdout);
			return RONDA_EXIT_OK;
		default:
			free(excludes);
			free(disable);
			if (optopt && strchr("te", optopt))
				return cli_usage_error("scan", _("option '%s' needs a value"), argv[optind - 1]);
			return cli_usage_error("scan", _("unknown option '%s'"), argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		free(excludes);
		return cli_usage_error("scan", _("no path to scan"));
	}
	o.excludes = excludes;
	o.n_excludes = n_excludes;
	o.disable = disable;
	o.n_disable = n_disable;
	raise_nofile();
	keep_heap(&o);

	rc = ronda_engine_new(&o, &e, &err);
	if (rc) {
		cli_error("%s", err.len ? err.buf : ronda_strerror(rc));
		goto out;
	}
	report_init(&rep, stdout, json, min_sev);
	rep.quiet = quiet;
	o.on_result = report_on_result;
	o.on_error = report_on_error;
	o.arg = &rep;
	if (progress && isatty(STDERR_FILENO)) {
		pthread_mutex_init(&prog.lock, NULL);
		pthread_cond_init(&prog.cond, NULL);
		o.progress_files = &prog.files;
		o.progress_bytes = &prog.bytes;
		prog_started = pthread_create(&ptid, NULL, progress_main, &prog) == 0;
	}
	rc = ronda_scan(e, (const char *const *)argv + optind, (size_t)(argc - optind),
			&o, &st, &err);
	if (prog_started) {
		pthread_mutex_lock(&prog.lock);
		prog.stop = 1;
		pthread_cond_signal(&prog.cond);
		pthread_mutex_unlock(&prog.lock);
		pthread_join(ptid, NULL);
	}
	if (rc) {
		cli_error("%s", err.len ? err.buf : ronda_strerror(rc));
		report_release(&rep);
		goto out;
	}
	report_flush(&rep);
	report_summary(&rep, &st, (const char *const *)argv + optind, (size_t)(argc - optind));
	if (rep.worst >= fail_on)
		status = RONDA_EXIT_FINDINGS;
	else if (st.n_errors)
		status = RONDA_EXIT_ERROR;
	else
		status = RONDA_EXIT_OK;
	report_release(&rep);
out:
	ronda_engine_free(e);
	ronda_buf_release(&err);
	free(excludes);
	free(disable);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error(_("cannot write the report: output error"));
		status = RONDA_EXIT_ERROR;
	}
	return status;
}

const struct ronda_command ronda_command_scan = {
	"scan", cmd_scan, 0, 10,
	N_("scan web roots for gambling spam, webshells, defacements and leaks"),
};
