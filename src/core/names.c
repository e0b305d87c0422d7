/*
 * names.c — machine names of severities and categories.
 */
#include <string.h>

#include "core/rule.h"

static const char *const sev_names[RONDA_SEV__COUNT] = {
	"info", "low", "medium", "high", "critical",
};

static const char *const cat_names[RONDA_CAT__COUNT] = {
	"webshell", "backdoor", "obfuscation", "judol", "cloaker", "seo-spam",
	"defacement", "dual-use", "exposure", "misconfig", "filesystem",
	"integrity", "ransomware", "custom",
};

const char *ronda_severity_name(enum ronda_severity sev)
{
	return (unsigned)sev < RONDA_SEV__COUNT ? sev_names[sev] : "unknown";
}

const char *ronda_category_name(enum ronda_category cat)
{
	return (unsigned)cat < RONDA_CAT__COUNT ? cat_names[cat] : "unknown";
}

int ronda_severity_parse(const char *name)
{
	for (int i = 0; i < RONDA_SEV__COUNT; i++)
		if (!strcmp(name, sev_names[i]))
			return i;
	return -1;
}
