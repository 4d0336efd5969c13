#include "builtin/k8s.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/xalloc.h"

enum field { F_NONE, F_API_VERSION, F_KIND };

/*
 * Deeper nesting is refused: libyaml's scanner rechecks every open flow
 * level for each token, so a 200 KB file of '[' would take over a minute.
 * Real manifests stay far below this.
 */
#define MAX_DEPTH 512

/* The walk's state inside one document. */
struct walk {
	struct k8s_doc doc; /* the document being read */
	int depth;          /* open collections */
	int started;        /* the root node has been seen */
	int empty;          /* the root is a null scalar */
	int expect_key;     /* at depth 1 of a root mapping: the next node is a key */
	enum field pending; /* the key just read names a field we keep */
};

static int is_null_scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

static void set_field(struct walk *w, const yaml_event_t *ev)
{
	char **dst = w->pending == F_API_VERSION ? &w->doc.api_version : &w->doc.kind;
	size_t n = ev->data.scalar.length;

	free(*dst);
	*dst = NULL;
	/* a NUL inside the value or an empty value is not a usable name */
	if (n && strlen((const char *)ev->data.scalar.value) == n)
		*dst = xstrndup((const char *)ev->data.scalar.value, n);
}

/* A node (scalar or alias) at the current position. */
static void leaf(struct walk *w, const yaml_event_t *ev)
{
	if (w->depth == 0) {
		w->started = 1;
		w->doc.root = K8S_ROOT_SCALAR;
		w->empty = ev->type == YAML_SCALAR_EVENT && is_null_scalar(ev);
		return;
	}
	if (w->depth != 1 || w->doc.root != K8S_ROOT_MAP)
		return;
	if (w->expect_key) {
		w->pending = F_NONE;
		if (ev->type == YAML_SCALAR_EVENT) {
			const char *k = (const char *)ev->data.scalar.value;
			if (!strcmp(k, "apiVersion"))
				w->pending = F_API_VERSION;
			else if (!strcmp(k, "kind"))
				w->pending = F_KIND;
		}
	} else if (w->pending != F_NONE) {
		if (ev->type == YAML_SCALAR_EVENT)
			set_field(w, ev);
		w->pending = F_NONE;
	}
	w->expect_key = !w->expect_key;
}

static void collection_start(struct walk *w, enum k8s_root type)
{
	if (w->depth == 0) {
		w->started = 1;
		w->doc.root = type;
		w->expect_key = 1;
	} else if (w->depth == 1 && w->doc.root == K8S_ROOT_MAP) {
		/* A collection as a key or value at the top level. Its end returns
		 * us to the other half of the pair; a kept field whose value is a
		 * collection has no usable name. */
		if (!w->expect_key && w->pending != F_NONE) {
			char **dst = w->pending == F_API_VERSION ? &w->doc.api_version : &w->doc.kind;
			free(*dst);
			*dst = NULL;
		}
		w->pending = F_NONE;
		w->expect_key = !w->expect_key;
	}
	w->depth++;
}

static void end_document(struct k8s_scan *s, struct walk *w)
{
	if (!w->started || (w->doc.root == K8S_ROOT_SCALAR && w->empty)) {
		s->empty_docs++;
		free(w->doc.api_version);
		free(w->doc.kind);
	} else {
		ARRAY_GROW(s->docs, s->alloc, s->ndocs + 1);
		s->docs[s->ndocs++] = w->doc;
	}
	memset(w, 0, sizeof(*w));
}

int k8s_scan(const char *text, size_t len, struct k8s_scan *s)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct walk w;
	int ret = 0, done = 0;

	memset(s, 0, sizeof(*s));
	memset(&w, 0, sizeof(w));
	if (!yaml_parser_initialize(&parser))
		die_oom();
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			s->problem = parser.problem ? parser.problem : "invalid YAML";
			s->line = parser.problem_mark.line + 1;
			s->col = parser.problem_mark.column + 1;
			ret = -1;
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			memset(&w, 0, sizeof(w));
			break;
		case YAML_DOCUMENT_END_EVENT:
			end_document(s, &w);
			break;
		case YAML_SCALAR_EVENT:
		case YAML_ALIAS_EVENT:
			leaf(&w, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			collection_start(&w, ev.type == YAML_SEQUENCE_START_EVENT ? K8S_ROOT_SEQ
										   : K8S_ROOT_MAP);
			if (w.depth > MAX_DEPTH) {
				s->problem = "nested more than 512 levels deep";
				s->line = ev.start_mark.line + 1;
				s->col = ev.start_mark.column + 1;
				ret = -1;
				done = 1;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			w.depth--;
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	free(w.doc.api_version);
	free(w.doc.kind);
	yaml_parser_delete(&parser);
	return ret;
}

void k8s_scan_release(struct k8s_scan *s)
{
	for (size_t i = 0; i < s->ndocs; i++) {
		free(s->docs[i].api_version);
		free(s->docs[i].kind);
	}
	free(s->docs);
	memset(s, 0, sizeof(*s));
}

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* "v1", "v2", "v1alpha1", "v2beta3" */
static int is_version(const char *v)
{
	if (*v++ != 'v' || !(*v >= '1' && *v <= '9'))
		return 0;
	while (*v >= '0' && *v <= '9')
		v++;
	if (!*v)
		return 1;
	if (!strncmp(v, "alpha", 5))
		v += 5;
	else if (!strncmp(v, "beta", 4))
		v += 4;
	else
		return 0;
	if (!(*v >= '1' && *v <= '9'))
		return 0;
	while (*v >= '0' && *v <= '9')
		v++;
	return !*v;
}

/* A DNS subdomain: lowercase alphanumerics, '-' and '.', alphanumeric at both ends. */
static int is_group(const char *g, size_t n)
{
	if (!n || n > 253 || !is_lower_alnum(g[0]) || !is_lower_alnum(g[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum(g[i]) && g[i] != '-' && g[i] != '.')
			return 0;
	return 1;
}

size_t k8s_api_group_len(const char *api_version)
{
	const char *slash = strchr(api_version, '/');

	return slash ? (size_t)(slash - api_version) : 0;
}

int k8s_is_object(const struct k8s_doc *d)
{
	if (d->root != K8S_ROOT_MAP || !d->api_version || !d->kind)
		return 0;
	const char *k = d->kind;
	if (!(*k >= 'A' && *k <= 'Z'))
		return 0;
	for (; *k; k++)
		if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9')))
			return 0;
	size_t g = k8s_api_group_len(d->api_version);
	if (g && !is_group(d->api_version, g))
		return 0;
	return is_version(d->api_version + (g ? g + 1 : 0));
}
