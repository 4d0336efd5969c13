/*
 * A training record as preprocess writes it, read back for checking:
 *     {"messages": [{"role": "user", "content": PROMPT},
 *                   {"role": "assistant", "content": TOOL_CALL_JSON}]}
 * with TOOL_CALL_JSON = {"tool": "apply_manifest", "params": {"manifest_content": YAML}}.
 */
#ifndef REPRO_BUILTIN_RECORD_H
#define REPRO_BUILTIN_RECORD_H

#include <stddef.h>

#include <cJSON.h>

/* validate's six checks; a record violating none is valid. */
enum record_check {
	RC_MISSING_KEYS,      /* not {"messages": [{role, content}, {role, content}, ...]} */
	RC_ROLE_ORDER,        /* the roles are not user, then assistant */
	RC_INVALID_TOOL_JSON, /* the assistant content is not a JSON object */
	RC_WRONG_TOOL,        /* its "tool" is not "apply_manifest" */
	RC_MANIFEST_NOT_YAML, /* params.manifest_content missing, not a string, or not YAML */
	RC_PII_LEAK,          /* PII or a secret left in the prompt or manifest */
	RC_N
};
const char *record_check_name(enum record_check c);

struct record {
	cJSON *root;          /* the parsed line, or NULL */
	cJSON *call;          /* the parsed tool call, or NULL */
	const char *prompt;   /* the user message (inside root), or NULL */
	const char *manifest; /* params.manifest_content (inside call), or NULL */
	size_t manifest_len;  /* its length */
	unsigned violations;  /* bit (1 << check) per failed check */
};

/*
 * Parses a line and runs the structural checks (all but YAML and PII, which
 * the caller runs on r->manifest: they are the slow ones). Checks that
 * cannot run because an earlier one failed are not counted: a record that is
 * not JSON fails only RC_MISSING_KEYS. Calls cJSON's parser, which is not
 * safe to run on several threads at once.
 */
void record_parse(struct record *r, const char *line, size_t len);
void record_release(struct record *r);

#endif
