/*
 * rule.h — rules, severities, categories and findings.
 *
 * A rule is static data owned by the detector that reports it (or by the
 * engine for filesystem rules); its ID is stable and grouped
 * ("webshell.input-to-exec", "judol.cloak.ua").  A finding is one hit of one
 * rule in one file, with evidence.  Findings are owned by the engine and
 * live until the result callback returns.
 */
#ifndef RONDA_RULE_H
#define RONDA_RULE_H

#include <stddef.h>
#include <stdint.h>

enum ronda_severity {
	RONDA_SEV_INFO = 0,
	RONDA_SEV_LOW,
	RONDA_SEV_MEDIUM,
	RONDA_SEV_HIGH,
	RONDA_SEV_CRITICAL,
	RONDA_SEV__COUNT
};

enum ronda_category {
	RONDA_CAT_WEBSHELL = 0,  /* interactive remote control of the server */
	RONDA_CAT_BACKDOOR,      /* hidden code execution / persistence */
	RONDA_CAT_OBFUSCATION,   /* code hidden behind encodings */
	RONDA_CAT_JUDOL,         /* gambling spam content */
	RONDA_CAT_CLOAKER,       /* serves crawlers other content */
	RONDA_CAT_SEO_SPAM,      /* doorways, sitemaps, search-console claims */
	RONDA_CAT_DEFACEMENT,
	RONDA_CAT_DUAL_USE,      /* admin tools that do not belong in production */
	RONDA_CAT_EXPOSURE,      /* secrets, backups, dumps in the web root */
	RONDA_CAT_MISCONFIG,     /* server config that enables abuse */
	RONDA_CAT_FILESYSTEM,    /* links out of the root, odd files */
	RONDA_CAT_INTEGRITY,     /* changed since the baseline */
	RONDA_CAT_RANSOMWARE,
	RONDA_CAT_CUSTOM,        /* the operator's own YARA rules */
	RONDA_CAT__COUNT
};

/* Short machine names: "info".."critical", "webshell".."custom". */
const char *ronda_severity_name(enum ronda_severity sev);
const char *ronda_category_name(enum ronda_category cat);
/* Parse a severity name; -1 if unknown. */
int ronda_severity_parse(const char *name);

struct ronda_rule {
	const char *id;               /* stable, e.g. "webshell.input-to-exec" */
	enum ronda_category category;
	enum ronda_severity severity; /* default severity */
	unsigned confidence;          /* default confidence, 0..100 */
	const char *summary;          /* N_() one line: what this means */
	const char *remedy;           /* N_() one line: what to do about it */
};

#define RONDA_SNIPPET_MAX 160
#define RONDA_LAYER_MAX 160

struct ronda_finding {
	const struct ronda_rule *rule;
	enum ronda_severity severity; /* may differ from the rule's default */
	unsigned confidence;
	uint64_t offset;              /* byte offset in the layer's content */
	uint32_t line;                /* 1-based line in that content; 0 = n/a */
	unsigned depth;               /* 0: the file as stored; n: decoded layer */
	unsigned count;               /* occurrences of this rule merged here */
	char layer[RONDA_LAYER_MAX];  /* "" or "base64_decode > gzinflate" */
	char snippet[RONDA_SNIPPET_MAX]; /* escaped, printable ASCII */
	char *detail;                 /* specific explanation, may be NULL */
	char **related;               /* other paths (aggregate findings) */
	size_t n_related;
};

#endif
