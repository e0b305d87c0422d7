/*
 * i18n.c — the switch that keeps the core library's messages in English for
 * machine-read output (see i18n.h).
 */
#include "core/i18n.h"

bool ronda_i18n_untranslated;

void ronda_i18n_machine(bool on)
{
	ronda_i18n_untranslated = on;
}
