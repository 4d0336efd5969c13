#include "builtin/builtin.h"

#include <string.h>

#include "builtin/redact.h"
#include "builtin_hashes.h"

const struct builtin_stage builtin_stages[] = {
	{ "ingest", builtin_ingest, "read manifests from a directory, archive or URL into JSONL" },
	{ "analyze", builtin_analyze, "count kinds, apiVersions, licenses, sizes, keywords, PII" },
	{ "preprocess", builtin_preprocess, "filter, redact, prompt and wrap manifests as tool calls" },
	{ "validate", builtin_validate, "check every training record; write schema_report.json" },
	{ "anomaly", builtin_anomaly, "alert on a bad schema report (Slack webhook or log)" },
	{ "bias", builtin_bias, "slice, flag imbalance, downsample; write the balanced set" },
	{ "redact", builtin_redact, "remove personal data and secrets from a manifest (FILE or stdin)" },
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
