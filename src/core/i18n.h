/*
 * i18n.h — gettext-style message marking.
 *
 * _("...") translates at run time; N_("...") marks a string for extraction
 * in static tables, translated where it is printed with _().  The text
 * domain is "ronda"; catalogues live in po/ (po/id.po: Indonesian), built
 * into <build>/locale and installed under <prefix>/share/locale.
 *
 * Machine-read output (--json) must not depend on the locale: SIEMs parse
 * it.  Finding details, error strings and the like are written by the core
 * library, so the front end calls ronda_i18n_machine(true) before it runs
 * the core for such output (before any thread starts); from then on the
 * core's _() returns the English msgid.  The front end's own _() (help,
 * stderr) stays translated.
 */
#ifndef RONDA_I18N_H
#define RONDA_I18N_H

#include <libintl.h>
#include <stdbool.h>

#define N_(s) (s)

/* true: the core library's messages stay in English (machine output). */
void ronda_i18n_machine(bool on);

#ifdef RONDA_CORE_LIB
extern bool ronda_i18n_untranslated;

__attribute__((format_arg(1))) static inline const char *ronda_core_gettext(const char *s)
{
	return ronda_i18n_untranslated ? s : gettext(s);
}
#define _(s) ronda_core_gettext(s)
#else
#define _(s) gettext(s)
#endif

#endif
