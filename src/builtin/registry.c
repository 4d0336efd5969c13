#include "builtin/builtin.h"

#include <string.h>

#include "builtin/redact.h"
#include "builtin_hashes.h"

const struct builtin_stage builtin_stages[] = {
	{ "redact", builtin_redact, "remove personal data and secrets from a manifest" },
	{ NULL, NULL, NULL },
};

const struct builtin_stage *builtin_find(const char *name)
{
	for (const struct builtin_stage *b = builtin_stages; b->name; b++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

const char *builtin_code_hash(const char *name)
{
	for (const struct builtin_hash *h = builtin_hashes; h->name; h++)
		if (!strcmp(h->name, name))
			return h->sha256;
	return NULL;
}
