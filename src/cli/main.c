/*
 * main.c — entry point of the `ronda` binary: global options, locale, and
 * dispatch to the subcommand table generated from the src/cli/cmd_NAME.c files.
 */
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

int cli_color = -1;

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	struct ronda_buf b = RONDA_BUF_INIT(8192);

	ronda_buf_addf(&b, "ronda: %s", prefix);
	ronda_buf_vaddf(&b, fmt, ap);
	/* one line, whatever the message holds */
	for (size_t i = 0; i < b.len; i++)
		if (b.buf[i] == '\n' || b.buf[i] == '\r')
			b.buf[i] = ' ';
	fprintf(stderr, "%s\n", b.buf);
	ronda_buf_release(&b);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(_("warning: "), fmt, ap);
	va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	struct ronda_buf b = RONDA_BUF_INIT(8192);
	va_list ap;

	va_start(ap, fmt);
	ronda_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	cli_error(_("%s; see 'ronda %s --help'"), b.buf, cmd);
	ronda_buf_release(&b);
	return RONDA_EXIT_ERROR;
}

bool cli_use_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (cli_color >= 0)
		return cli_color;
	if (nc && *nc)
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(fileno(f));
}

const char *cli_path(struct ronda_buf *tmp, const char *path)
{
	ronda_buf_reset(tmp);
	ronda_buf_add_escaped(tmp, path, strlen(path));
	return tmp->buf;
}

static int cmp_cmd(const void *a, const void *b)
{
	const struct ronda_command *x = *(const struct ronda_command *const *)a;
	const struct ronda_command *y = *(const struct ronda_command *const *)b;

	return x->order != y->order ? x->order - y->order : strcmp(x->name, y->name);
}

static void usage(FILE *f)
{
	const struct ronda_command *sorted[64];
	size_t n = 0;

	fprintf(f, _("usage: ronda [--version] [--help] <command> [<args>]\n\n"));
	fprintf(f, _("ronda guards web roots: it finds gambling spam, cloakers, defacements,\n"
		     "webshells, backdoors and exposed secrets, and puts hacked sites back.\n\n"));
	fprintf(f, _("commands:\n"));
	for (size_t i = 0; ronda_commands[i] && n < ARRAY_SIZE(sorted); i++)
		if (!(ronda_commands[i]->flags & RONDA_CMD_HIDDEN))
			sorted[n++] = ronda_commands[i];
	qsort(sorted, n, sizeof(sorted[0]), cmp_cmd);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-12s %s\n", sorted[i]->name, _(sorted[i]->summary));
	fprintf(f, _("\nsee 'ronda <command> --help' and ronda(1) for details\n"));
}

/* Where the message catalogues are: $RONDA_LOCALEDIR if set; the build
 * tree's locale/ when this is the binary the build made (so tests and
 * developers get translations without installing); else the installed
 * <prefix>/share/locale. */
static const char *locale_dir(void)
{
	const char *env = getenv("RONDA_LOCALEDIR");
#ifdef RONDA_BUILD_EXE
	static char self[4096];
	ssize_t n;
#endif

	if (env && *env)
		return env;
#ifdef RONDA_BUILD_EXE
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if (!strcmp(self, RONDA_BUILD_EXE))
			return RONDA_BUILD_LOCALEDIR;
	}
#endif
	return RONDA_LOCALEDIR;
}

int main(int argc, char **argv)
{
	const char *name;

	/* messages and character type from the environment (LANGUAGE=id or
	 * LANG=id_ID.UTF-8 gives Indonesian); numbers stay in the C locale
	 * so option values, reports and JSON read "1.5", never "1,5" */
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	bindtextdomain("ronda", locale_dir());
	textdomain("ronda");

	if (argc < 2) {
		usage(stderr);
		return RONDA_EXIT_ERROR;
	}
	name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return RONDA_EXIT_OK;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("ronda %s\n", RONDA_VERSION);
		return RONDA_EXIT_OK;
	}
	for (size_t i = 0; ronda_commands[i]; i++)
		if (!strcmp(ronda_commands[i]->name, name))
			return ronda_commands[i]->run(argc - 1, argv + 1);
	cli_error(_("'%s' is not a ronda command; see 'ronda --help'"), name);
	return RONDA_EXIT_ERROR;
}
