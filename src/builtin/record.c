#include "builtin/record.h"

#include <string.h>

static const char *const check_names[RC_N] = {
	"missing_keys", "role_order", "invalid_tool_json", "wrong_tool", "manifest_not_yaml",
	"pii_leak",
};

const char *record_check_name(enum record_check c)
{
	return check_names[c];
}

/* The message's role and content when both are strings. */
static int message(const cJSON *m, const char **role, const char **content)
{
	*role = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "role"));
	*content = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "content"));
	return cJSON_IsObject(m) && *role && *content;
}

static void check_call(struct record *r, const char *json)
{
	r->call = cJSON_Parse(json);
	if (!cJSON_IsObject(r->call)) {
		r->violations |= 1u << RC_INVALID_TOOL_JSON;
		return;
	}
	const char *tool = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r->call, "tool"));
	if (!tool || strcmp(tool, "apply_manifest"))
		r->violations |= 1u << RC_WRONG_TOOL;
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(r->call, "params");
	r->manifest = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(params, "manifest_content"));
	if (r->manifest)
		r->manifest_len = strlen(r->manifest);
	else
		r->violations |= 1u << RC_MANIFEST_NOT_YAML;
}

void record_parse(struct record *r, const char *line, size_t len)
{
	const char *role0, *role1, *content0, *content1;

	memset(r, 0, sizeof(*r));
	r->root = cJSON_ParseWithLength(line, len);
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(r->root, "messages");
	if (!cJSON_IsObject(r->root) || !cJSON_IsArray(msgs) || cJSON_GetArraySize(msgs) < 2 ||
	    !message(cJSON_GetArrayItem(msgs, 0), &role0, &content0) ||
	    !message(cJSON_GetArrayItem(msgs, 1), &role1, &content1)) {
		r->violations |= 1u << RC_MISSING_KEYS;
		return;
	}
	r->prompt = content0;
	if (strcmp(role0, "user") || strcmp(role1, "assistant") || cJSON_GetArraySize(msgs) != 2)
		r->violations |= 1u << RC_ROLE_ORDER;
	check_call(r, content1);
}

void record_release(struct record *r)
{
	cJSON_Delete(r->root);
	cJSON_Delete(r->call);
	memset(r, 0, sizeof(*r));
}
