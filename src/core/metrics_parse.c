/*
 * Metrics and params files: parsing (JSON or YAML) and flattening nested
 * mappings into dotted keys, as DVC shows them.
 */
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "util/error.h"
#include "util/xalloc.h"
#include "util/ytree.h"

void metric_list_release(struct metric_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		cJSON_Delete(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

const cJSON *metric_list_get(const struct metric_list *l, const char *key)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return l->v[i].value;
	return NULL;
}

static void add(struct metric_list *out, const char *key, const cJSON *v)
{
	ARRAY_GROW(out->v, out->alloc, out->n + 1);
	out->v[out->n].key = xstrdup(key);
	out->v[out->n].value = cJSON_Duplicate(v, 1);
	if (!out->v[out->n].value)
		die_oom();
	out->n++;
}

void metrics_flatten(const cJSON *v, struct strbuf *prefix, int keep_all, struct metric_list *out)
{
	if (cJSON_IsObject(v)) {
		size_t len = prefix->len;
		for (const cJSON *c = v->child; c; c = c->next) {
			if (len)
				strbuf_addch(prefix, '.');
			strbuf_addstr(prefix, c->string);
			metrics_flatten(c, prefix, keep_all, out);
			strbuf_setlen(prefix, len);
		}
		return;
	}
	/* DVC's metrics are numbers, strings and booleans; lists and nulls
	 * are not metrics, but are params values */
	if (!keep_all && (cJSON_IsArray(v) || cJSON_IsNull(v)))
		return;
	add(out, prefix->buf, v);
}

static int is_json_name(const char *path)
{
	size_t n = strlen(path);
	return n >= 5 && !strcmp(path + n - 5, ".json");
}

/* cJSON reports where it stopped: turn that into line:col. */
static int json_error(const char *path, const char *buf, const char *end)
{
	int line = 1, col = 1;

	for (const char *p = buf; end && p < end; p++)
		if (*p == '\n')
			line++, col = 1;
		else
			col++;
	return error_at(path, line, col, "invalid JSON");
}

int metrics_parse(const char *path, const char *buf, size_t len, int keep_all, struct metric_list *out)
{
	cJSON *root;

	if (is_json_name(path)) {
		const char *end = NULL;
		root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
		if (!root)
			return json_error(path, buf, end);
	} else {
		struct ynode *n;
		if (ytree_parse(buf, len, path, &n) < 0)
			return -1;
		root = ytree_to_json(n);
		ytree_free(n);
		if (!root)
			die_oom();
	}
	struct strbuf prefix = STRBUF_INIT;
	metrics_flatten(root, &prefix, keep_all, out);
	strbuf_release(&prefix);
	cJSON_Delete(root);
	return 0;
}
