#include "ytree.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "error.h"
#include "strbuf.h"
#include "xalloc.h"

/* Expanding aliases can blow a small file up exponentially; past this many
 * nodes the file is refused rather than exhausting memory. */
#define YTREE_MAX_NODES (4u << 20)
#define YTREE_MAX_DEPTH 512

struct anchor {
	char *name;
	struct ynode *node; /* owned by the tree; copied on every alias */
};

struct builder {
	yaml_parser_t parser;
	const char *file;
	struct anchor *anchors;
	size_t nanchors, anchors_alloc;
	size_t nodes; /* nodes created so far, against YTREE_MAX_NODES */
	/* nodes taken out of the tree while parsing goes on (a merge's key
	 * and value, copied into the mapping): an anchor may still name one,
	 * and a later alias copy it, so they are freed only at the end */
	struct ynode **dead;
	size_t ndead, dead_alloc;
};

static void bury(struct builder *b, struct ynode *n)
{
	ARRAY_GROW(b->dead, b->dead_alloc, b->ndead + 1);
	b->dead[b->ndead++] = n;
}

static struct ynode *node_new(struct builder *b, enum ynode_type t, const yaml_mark_t *m)
{
	struct ynode *n = xcalloc(1, sizeof(*n));

	n->type = t;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	b->nodes++;
	return n;
}

void ytree_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		ytree_free(n->items[i]);
		if (n->keys)
			ytree_free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->str);
	free(n);
}

static struct ynode *node_copy(struct builder *b, const struct ynode *src)
{
	if (++b->nodes > YTREE_MAX_NODES)
		return NULL;
	struct ynode *n = xcalloc(1, sizeof(*n));
	*n = *src;
	n->items = n->keys = NULL;
	n->str = NULL;
	if (src->str) {
		n->str = xmalloc(src->len + 1);
		memcpy(n->str, src->str, src->len + 1);
	}
	if (src->n) {
		n->items = xcalloc(src->n, sizeof(*n->items));
		if (src->keys)
			n->keys = xcalloc(src->n, sizeof(*n->keys));
		for (size_t i = 0; i < src->n; i++) {
			n->items[i] = node_copy(b, src->items[i]);
			if (src->keys)
				n->keys[i] = node_copy(b, src->keys[i]);
			if (!n->items[i] || (src->keys && !n->keys[i])) {
				n->n = i + 1;
				ytree_free(n);
				return NULL;
			}
		}
	}
	return n;
}

static void add_child(struct ynode *parent, struct ynode *key, struct ynode *val)
{
	parent->items = xrealloc(parent->items, (parent->n + 1) * sizeof(*parent->items));
	parent->items[parent->n] = val;
	if (parent->type == YNODE_MAP) {
		parent->keys = xrealloc(parent->keys, (parent->n + 1) * sizeof(*parent->keys));
		parent->keys[parent->n] = key;
	}
	parent->n++;
}

static int has_key(const struct ynode *m, const char *key)
{
	return ytree_get(m, key) != NULL;
}

/* Applies a "<<" merge: copies the pairs of src (a map or a list of maps)
 * whose keys dst does not have yet. */
static int apply_merge(struct builder *b, struct ynode *dst, struct ynode *src)
{
	if (src->type == YNODE_SEQ) {
		for (size_t i = 0; i < src->n; i++)
			if (apply_merge(b, dst, src->items[i]) < 0)
				return -1;
		return 0;
	}
	if (src->type != YNODE_MAP)
		return error_at(b->file, src->line, src->col, "a '<<' merge needs a mapping");
	for (size_t i = 0; i < src->n; i++) {
		if (has_key(dst, src->keys[i]->str))
			continue;
		struct ynode *k = node_copy(b, src->keys[i]);
		struct ynode *v = node_copy(b, src->items[i]);
		if (!k || !v) {
			ytree_free(k);
			ytree_free(v);
			return error_at(b->file, src->line, src->col, "document too large after expanding aliases");
		}
		add_child(dst, k, v);
	}
	return 0;
}

static int parse_error(struct builder *b)
{
	yaml_parser_t *p = &b->parser;
	const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->mark;

	if (p->context)
		return error_at(b->file, (int)m->line + 1, (int)m->column + 1, "%s %s",
				p->problem ? p->problem : "invalid YAML", p->context);
	return error_at(b->file, (int)m->line + 1, (int)m->column + 1, "%s",
			p->problem ? p->problem : "invalid YAML");
}

static void remember_anchor(struct builder *b, const yaml_char_t *anchor, struct ynode *n)
{
	if (!anchor)
		return;
	ARRAY_GROW(b->anchors, b->anchors_alloc, b->nanchors + 1);
	b->anchors[b->nanchors].name = xstrdup((const char *)anchor);
	b->anchors[b->nanchors].node = n;
	b->nanchors++;
}

static struct ynode *find_anchor(struct builder *b, const char *name)
{
	/* latest definition wins, as YAML allows redefinition */
	for (size_t i = b->nanchors; i-- > 0;)
		if (!strcmp(b->anchors[i].name, name))
			return b->anchors[i].node;
	return NULL;
}

static int parse_node(struct builder *b, yaml_event_t *ev, struct ynode **out, int depth);

/* Parses the children of a sequence or mapping whose start event was seen. */
static int parse_children(struct builder *b, struct ynode *n, int depth)
{
	yaml_event_type_t end = n->type == YNODE_MAP ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;

	for (;;) {
		yaml_event_t ev;
		struct ynode *key = NULL, *val = NULL;

		if (!yaml_parser_parse(&b->parser, &ev))
			return parse_error(b);
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (parse_node(b, &ev, n->type == YNODE_MAP ? &key : &val, depth + 1) < 0)
			return -1;
		if (n->type == YNODE_MAP) {
			if (key->type != YNODE_SCALAR) {
				int r = error_at(b->file, key->line, key->col, "mapping keys must be strings");
				ytree_free(key);
				return r;
			}
			if (!yaml_parser_parse(&b->parser, &ev)) {
				ytree_free(key);
				return parse_error(b);
			}
			if (parse_node(b, &ev, &val, depth + 1) < 0) {
				ytree_free(key);
				return -1;
			}
			if (key->plain && !strcmp(key->str, "<<")) {
				int r = apply_merge(b, n, val);
				bury(b, key);
				bury(b, val);
				if (r < 0)
					return -1;
				continue;
			}
			if (has_key(n, key->str)) {
				int r = error_at(b->file, key->line, key->col, "duplicate key '%s'", key->str);
				ytree_free(key);
				ytree_free(val);
				return r;
			}
		}
		add_child(n, key, val);
	}
}

/* Builds the node that starts with event ev (which it consumes). */
static int parse_node(struct builder *b, yaml_event_t *ev, struct ynode **out, int depth)
{
	struct ynode *n = NULL;
	int ret = 0;

	*out = NULL;
	if (depth > YTREE_MAX_DEPTH || b->nodes > YTREE_MAX_NODES) {
		ret = error_at(b->file, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
			       "document nested too deeply or too large");
		yaml_event_delete(ev);
		return ret;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(b, YNODE_SCALAR, &ev->start_mark);
		n->len = ev->data.scalar.length;
		n->str = xmalloc(n->len + 1);
		memcpy(n->str, ev->data.scalar.value, n->len);
		n->str[n->len] = '\0';
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		remember_anchor(b, ev->data.scalar.anchor, n);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		n = node_new(b, ev->type == YAML_MAPPING_START_EVENT ? YNODE_MAP : YNODE_SEQ, &ev->start_mark);
		remember_anchor(b, ev->type == YAML_MAPPING_START_EVENT ? ev->data.mapping_start.anchor
									 : ev->data.sequence_start.anchor, n);
		if (parse_children(b, n, depth) < 0)
			ret = -1;
		break;
	case YAML_ALIAS_EVENT: {
		struct ynode *target = find_anchor(b, (const char *)ev->data.alias.anchor);
		if (!target) {
			ret = error_at(b->file, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
				       "unknown alias '*%s'", ev->data.alias.anchor);
			break;
		}
		n = node_copy(b, target);
		if (!n)
			ret = error_at(b->file, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
				       "document too large after expanding aliases");
		else {
			n->line = (int)ev->start_mark.line + 1;
			n->col = (int)ev->start_mark.column + 1;
		}
		break;
	}
	default:
		ret = error_at(b->file, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
			       "unexpected YAML event");
	}
	yaml_event_delete(ev);
	if (ret < 0) {
		/* A node still listed as an anchor is freed with the tree; forget it
		 * so a later alias cannot reach freed memory. */
		for (size_t i = 0; i < b->nanchors; i++)
			if (b->anchors[i].node == n)
				b->anchors[i].node = NULL;
		ytree_free(n);
		return -1;
	}
	*out = n;
	return 0;
}

static int next_event(struct builder *b, yaml_event_t *ev, yaml_event_type_t want)
{
	if (!yaml_parser_parse(&b->parser, ev))
		return parse_error(b);
	if (ev->type != want) {
		yaml_event_delete(ev);
		return error_at(b->file, 0, 0, "unexpected YAML structure");
	}
	yaml_event_delete(ev);
	return 0;
}

int ytree_parse(const char *buf, size_t len, const char *file, struct ynode **out)
{
	struct builder b = { .file = file };
	yaml_event_t ev;
	int ret = -1;

	*out = NULL;
	if (!yaml_parser_initialize(&b.parser))
		die_oom();
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)buf, len);
	if (next_event(&b, &ev, YAML_STREAM_START_EVENT) < 0)
		goto done;
	if (!yaml_parser_parse(&b.parser, &ev)) {
		parse_error(&b);
		goto done;
	}
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		yaml_mark_t m = { 0, 0, 0 };
		*out = node_new(&b, YNODE_MAP, &m);
		ret = 0;
		goto done;
	}
	yaml_event_delete(&ev);
	if (!yaml_parser_parse(&b.parser, &ev)) {
		parse_error(&b);
		goto done;
	}
	if (parse_node(&b, &ev, out, 0) < 0)
		goto done;
	if ((*out)->type == YNODE_SCALAR && (*out)->plain && (*out)->len == 0) {
		/* "---" alone: an empty document */
		(*out)->type = YNODE_MAP;
		free((*out)->str);
		(*out)->str = NULL;
	}
	if (next_event(&b, &ev, YAML_DOCUMENT_END_EVENT) < 0) {
		ytree_free(*out);
		*out = NULL;
		goto done;
	}
	/* A second document would be ignored without a word: refuse it, as
	 * DVC's loader does ("expected a single document in the stream"). */
	if (!yaml_parser_parse(&b.parser, &ev)) {
		parse_error(&b);
	} else if (ev.type != YAML_STREAM_END_EVENT) {
		error_at(file, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
			 "a second YAML document starts here; the file must hold one document");
		yaml_event_delete(&ev);
	} else {
		yaml_event_delete(&ev);
		ret = 0;
	}
	if (ret < 0) {
		ytree_free(*out);
		*out = NULL;
	}
done:
	for (size_t i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	for (size_t i = 0; i < b.ndead; i++)
		ytree_free(b.dead[i]);
	free(b.dead);
	yaml_parser_delete(&b.parser);
	return ret;
}

int ytree_load(const char *path, struct ynode **out)
{
	struct strbuf sb = STRBUF_INIT;
	int ret;

	*out = NULL;
	if (strbuf_read_file(&sb, path, 64u << 20) < 0) {
		ret = errno == EFBIG ? error("'%s' is larger than 64 MiB", path)
				     : error("cannot read '%s':", path);
		strbuf_release(&sb);
		return ret;
	}
	ret = ytree_parse(sb.buf, sb.len, path, out);
	strbuf_release(&sb);
	return ret;
}

struct ynode *ytree_get(const struct ynode *m, const char *key)
{
	if (!m || m->type != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->keys[i]->str, key))
			return m->items[i];
	return NULL;
}

const char *ytree_type_name(const struct ynode *n)
{
	switch (n->type) {
	case YNODE_MAP:
		return "a mapping";
	case YNODE_SEQ:
		return "a list";
	default:
		return "a scalar";
	}
}

static int is_int(const char *s)
{
	const char *p = s;

	if (*p == '-' || *p == '+')
		p++;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'o') && p[2]) {
		const char *d = p + 2;
		for (; *d; d++)
			if (p[1] == 'x' ? !strchr("0123456789abcdefABCDEF", *d) : (*d < '0' || *d > '7'))
				return 0;
		return 1;
	}
	if (!*p)
		return 0;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

static int is_float(const char *s)
{
	const char *p = s;
	int digits = 0;

	if (*p == '-' || *p == '+')
		p++;
	if (!strcasecmp(p, ".inf") || (p == s && !strcasecmp(p, ".nan")))
		return 1;
	while (*p >= '0' && *p <= '9')
		p++, digits++;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++, digits++;
	}
	if (!digits)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return *p == '\0';
}

enum yscalar_kind ytree_scalar_kind(const struct ynode *n)
{
	if (n->type != YNODE_SCALAR || !n->plain || strlen(n->str) != n->len)
		return YS_STRING;
	const char *s = n->str;
	if (!*s || !strcmp(s, "~") || !strcasecmp(s, "null"))
		return YS_NULL;
	if (!strcasecmp(s, "true") || !strcasecmp(s, "false"))
		return YS_BOOL;
	if (is_int(s))
		return YS_INT;
	if (is_float(s))
		return YS_FLOAT;
	return YS_STRING;
}

int ytree_bool(const struct ynode *n, int *val)
{
	if (!n || ytree_scalar_kind(n) != YS_BOOL)
		return 0;
	*val = !strcasecmp(n->str, "true");
	return 1;
}

static double scalar_number(const char *s)
{
	const char *p = s;
	int neg = 0;

	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!strcasecmp(p, ".inf"))
		return neg ? -INFINITY : INFINITY;
	if (!strcasecmp(p, ".nan"))
		return NAN;
	if (p[0] == '0' && p[1] == 'o')
		return (neg ? -1.0 : 1.0) * (double)strtoull(p + 2, NULL, 8);
	if (p[0] == '0' && p[1] == 'x')
		return (neg ? -1.0 : 1.0) * (double)strtoull(p + 2, NULL, 16);
	return strtod(s, NULL);
}

cJSON *ytree_to_json(const struct ynode *n)
{
	cJSON *j = NULL;

	switch (n->type) {
	case YNODE_SCALAR:
		switch (ytree_scalar_kind(n)) {
		case YS_NULL:
			j = cJSON_CreateNull();
			break;
		case YS_BOOL:
			j = cJSON_CreateBool(!strcasecmp(n->str, "true"));
			break;
		case YS_INT:
		case YS_FLOAT:
			j = cJSON_CreateNumber(scalar_number(n->str));
			break;
		default:
			j = cJSON_CreateString(n->str);
		}
		break;
	case YNODE_SEQ:
		j = cJSON_CreateArray();
		for (size_t i = 0; i < n->n; i++)
			cJSON_AddItemToArray(j, ytree_to_json(n->items[i]));
		break;
	case YNODE_MAP:
		j = cJSON_CreateObject();
		for (size_t i = 0; i < n->n; i++)
			cJSON_AddItemToObject(j, n->keys[i]->str, ytree_to_json(n->items[i]));
		break;
	}
	if (!j)
		die_oom();
	return j;
}
