#include "util/yemit.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/json.h"
#include "util/xalloc.h"
#include "util/ytree.h"

static int write_handler(void *data, unsigned char *buffer, size_t size)
{
	strbuf_add(data, buffer, size);
	return 1;
}

static void emit(struct yemit *y, yaml_event_t *ev)
{
	if (y->failed || !yaml_emitter_emit(&y->emitter, ev))
		y->failed = 1;
}

void yemit_begin(struct yemit *y, struct strbuf *out)
{
	yaml_event_t ev;

	memset(y, 0, sizeof(*y));
	y->out = out;
	if (!yaml_emitter_initialize(&y->emitter))
		die_oom();
	yaml_emitter_set_output(&y->emitter, write_handler, out);
	yaml_emitter_set_unicode(&y->emitter, 1);
	yaml_emitter_set_indent(&y->emitter, 2);
	yaml_emitter_set_width(&y->emitter, -1); /* never fold long lines */
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(y, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	emit(y, &ev);
}

int yemit_end(struct yemit *y)
{
	yaml_event_t ev;

	yaml_document_end_event_initialize(&ev, 1);
	emit(y, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(y, &ev);
	if (!y->failed && !yaml_emitter_flush(&y->emitter))
		y->failed = 1;
	yaml_emitter_delete(&y->emitter);
	return y->failed ? -1 : 0;
}

void yemit_map_start(struct yemit *y)
{
	yaml_event_t ev;
	yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
	emit(y, &ev);
}

void yemit_map_end(struct yemit *y)
{
	yaml_event_t ev;
	yaml_mapping_end_event_initialize(&ev);
	emit(y, &ev);
}

void yemit_seq_start(struct yemit *y)
{
	yaml_event_t ev;
	yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
	emit(y, &ev);
}

void yemit_seq_end(struct yemit *y)
{
	yaml_event_t ev;
	yaml_sequence_end_event_initialize(&ev);
	emit(y, &ev);
}

static void scalar(struct yemit *y, const char *s, size_t len, yaml_scalar_style_t style)
{
	yaml_event_t ev;
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len, 1, 1, style);
	emit(y, &ev);
}

void yemit_str(struct yemit *y, const char *s)
{
	struct ynode probe = { .type = YNODE_SCALAR, .str = (char *)s, .len = strlen(s), .plain = 1 };
	/* a string that plain YAML would read as a number, bool or null must be quoted */
	yaml_scalar_style_t style = ytree_scalar_kind(&probe) == YS_STRING ? YAML_ANY_SCALAR_STYLE
									   : YAML_SINGLE_QUOTED_SCALAR_STYLE;
	scalar(y, s, probe.len, style);
}

void yemit_u64(struct yemit *y, uint64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
	scalar(y, buf, (size_t)n, YAML_PLAIN_SCALAR_STYLE);
}

void yemit_bool(struct yemit *y, int v)
{
	scalar(y, v ? "true" : "false", v ? 4 : 5, YAML_PLAIN_SCALAR_STYLE);
}

void yemit_json(struct yemit *y, const cJSON *v)
{
	if (cJSON_IsObject(v)) {
		yemit_map_start(y);
		for (const cJSON *c = v->child; c; c = c->next) {
			yemit_str(y, c->string);
			yemit_json(y, c);
		}
		yemit_map_end(y);
	} else if (cJSON_IsArray(v)) {
		yemit_seq_start(y);
		for (const cJSON *c = v->child; c; c = c->next)
			yemit_json(y, c);
		yemit_seq_end(y);
	} else if (cJSON_IsString(v)) {
		yemit_str(y, v->valuestring);
	} else {
		struct strbuf sb = STRBUF_INIT;
		json_scalar_text(v, &sb);
		scalar(y, sb.buf, sb.len, YAML_PLAIN_SCALAR_STYLE);
		strbuf_release(&sb);
	}
}

void yemit_kv(struct yemit *y, const char *key, const char *value)
{
	yemit_str(y, key);
	yemit_str(y, value);
}
