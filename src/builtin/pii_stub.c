/*
 * TEMPORARY: weak stand-ins for the redaction API until the `redact` branch
 * is merged (its strong definitions replace these at link time). Delete on
 * merge.
 */
#include <string.h>
#include <stdlib.h>

#include "builtin/redact.h"

__attribute__((weak)) const char *pii_kind_name(enum pii_kind kind)
{
	(void)kind;
	return "stub";
}

__attribute__((weak)) size_t pii_find(const char *text, size_t len, struct pii_item **items)
{
	(void)text;
	(void)len;
	*items = NULL;
	return 0;
}

__attribute__((weak)) size_t redact_text(const char *text, size_t len, struct strbuf *out,
					 struct pii_counts *counts)
{
	(void)counts;
	strbuf_add(out, text, len);
	return 0;
}

__attribute__((weak)) int builtin_redact(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 1;
}
