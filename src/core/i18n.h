/*
 * i18n.h — gettext-style message marking.
 *
 * _("...") translates at run time; N_("...") marks a string for extraction
 * in static tables, translated where it is printed with _().  The text
 * domain is "ronda"; catalogues live in po/ (Indonesian first).
 */
#ifndef RONDA_I18N_H
#define RONDA_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

#endif
