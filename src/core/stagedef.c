/*
 * Expanding stage definitions: foreach/do and matrix, as DVC names them.
 *
 *   foreach: [a, b]       -> name@a, name@b          (${item})
 *   foreach: [{..}, {..}] -> name@0, name@1          (${item.x})
 *   foreach: {k: v, ..}   -> name@k                  (${key}, ${item})
 *   matrix: {x: [1, 2], y: [a]} -> name@1-a, name@2-a (${item.x}, ${item.y})
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stage_internal.h"
#include "core/template.h"
#include "util/json.h"
#include "util/error.h"
#include "util/suggest.h"
#include "util/xalloc.h"

static int valid_stage_name(const char *name)
{
	if (!*name || *name == '-' || *name == '.')
		return 0;
	for (const char *c = name; *c; c++)
		if (*c == '@' || *c == ':' || *c == '/' || *c == '\\' || *c == ' ' ||
		    (unsigned char)*c < 0x20 || *c == 0x7f)
			return 0;
	return 1;
}

/* Interpolates body in ctx and parses the result as stage `name`. */
static void emit_stage(struct pipeline *p, const char *name, const struct ynode *body,
		       const struct tmpl_ctx *ctx, const struct ynode *at, const char *base)
{
	struct tmpl_ctx c = *ctx;
	c.stage = name;
	struct ynode *expanded = tmpl_expand(body, &c);
	struct stage s;

	if (!expanded)
		return;
	if (stage_from_node(&s, name, expanded, p->file, base) == 0) {
		s.line = at->line;
		s.col = at->col;
		pipeline_add_stage(p, &s);
	}
	ytree_free(expanded);
}

/* A copy of def without the keys that only steer expansion. */
static struct ynode *body_without(const struct ynode *def, const char *const *drop, size_t ndrop)
{
	struct ynode *b = xcalloc(1, sizeof(*b));

	*b = *def;
	b->str = NULL;
	b->n = 0;
	b->items = xcalloc(def->n ? def->n : 1, sizeof(*b->items));
	b->keys = xcalloc(def->n ? def->n : 1, sizeof(*b->keys));
	for (size_t i = 0; i < def->n; i++) {
		int skip = 0;
		for (size_t j = 0; j < ndrop; j++)
			skip |= !strcmp(def->keys[i]->str, drop[j]);
		if (skip)
			continue;
		/* borrowed pointers: freed only via free_shallow() */
		b->keys[b->n] = def->keys[i];
		b->items[b->n] = def->items[i];
		b->n++;
	}
	return b;
}

static void free_shallow(struct ynode *b)
{
	free(b->items);
	free(b->keys);
	free(b);
}

/* The text an item contributes to an expanded name. */
static void item_suffix(struct strbuf *sb, const cJSON *item, const char *key, size_t index)
{
	if (cJSON_IsObject(item) || cJSON_IsArray(item))
		strbuf_addf(sb, "%s%zu", key ? key : "", index);
	else
		json_scalar_text(item, sb);
}

static void expand_foreach(struct pipeline *p, const char *name, const struct ynode *def,
			   const struct tmpl_ctx *ctx, const char *base, const struct ynode *at)
{
	const struct ynode *fe = ytree_get(def, "foreach");
	const struct ynode *body = ytree_get(def, "do");

	if (!body) {
		error_at(p->file, def->line, def->col, "stage '%s' has 'foreach' but no 'do'", name);
		return;
	}
	for (size_t i = 0; i < def->n; i++) {
		const char *k = def->keys[i]->str;
		if (strcmp(k, "foreach") && strcmp(k, "do") && strcmp(k, "vars"))
			error_at(p->file, def->keys[i]->line, def->keys[i]->col,
				 "key '%s' of stage '%s' belongs inside 'do:' (a foreach stage holds only foreach, do and vars)",
				 k, name);
	}
	/* said once here, not once per item as the fields of each expansion */
	for (size_t i = 0; body->type == YNODE_MAP && i < body->n; i++) {
		const struct ynode *k = body->keys[i];
		if (!strcmp(k->str, "foreach") || !strcmp(k->str, "matrix")) {
			error_at(p->file, k->line, k->col,
				 "'%s' cannot be nested inside 'do' of stage '%s'; foreach and matrix expand one level only",
				 k->str, name);
			return;
		}
		if (!strcmp(k->str, "vars")) {
			error_at(p->file, k->line, k->col,
				 "'vars' cannot be inside 'do' of stage '%s'; put it beside 'foreach'", name);
			return;
		}
	}
	struct ynode *items = tmpl_expand(fe, ctx);
	if (!items)
		return;
	if (items->type == YNODE_SCALAR) {
		error_at(p->file, fe->line, fe->col, "'foreach' of stage '%s' must be a list or a mapping", name);
		ytree_free(items);
		return;
	}
	cJSON *all = ytree_to_json(items);
	size_t idx = 0;
	for (cJSON *it = all->child; it; it = it->next, idx++) {
		struct strbuf full = STRBUF_INIT;
		cJSON *layer = cJSON_CreateObject();
		strbuf_addf(&full, "%s@", name);
		if (items->type == YNODE_MAP) {
			strbuf_addstr(&full, it->string);
			cJSON_AddStringToObject(layer, "key", it->string);
		} else {
			item_suffix(&full, it, NULL, idx);
		}
		cJSON_AddItemToObject(layer, "item", cJSON_Duplicate(it, 1));
		struct tmpl_ctx c = *ctx;
		memmove(&c.layers[1], &c.layers[0], sizeof(c.layers[0]) * (size_t)c.nlayers);
		c.layers[0] = layer;
		c.nlayers++;
		emit_stage(p, full.buf, body, &c, at, base);
		cJSON_Delete(layer);
		strbuf_release(&full);
	}
	cJSON_Delete(all);
	ytree_free(items);
}

/* One combination of the matrix per call, odometer style (last key fastest). */
static void expand_matrix(struct pipeline *p, const char *name, const struct ynode *def,
			  const struct tmpl_ctx *ctx, const char *base, const struct ynode *at)
{
	const struct ynode *mx = ytree_get(def, "matrix");
	struct ynode *m = tmpl_expand(mx, ctx);

	if (!m)
		return;
	if (m->type != YNODE_MAP || m->n == 0) {
		error_at(p->file, mx->line, mx->col, "'matrix' of stage '%s' must map names to lists", name);
		ytree_free(m);
		return;
	}
	cJSON *axes = ytree_to_json(m);
	size_t naxes = m->n, *pos = xcalloc(naxes, sizeof(size_t)), *len = xcalloc(naxes, sizeof(size_t));
	for (size_t a = 0; a < naxes; a++) {
		cJSON *ax = cJSON_GetArrayItem(axes, (int)a);
		if (!cJSON_IsArray(ax) || !cJSON_GetArraySize(ax)) {
			error_at(p->file, m->items[a]->line, m->items[a]->col,
				 "matrix axis '%s' of stage '%s' must be a non-empty list", ax->string, name);
			goto done;
		}
		len[a] = (size_t)cJSON_GetArraySize(ax);
	}
	const char *const drop[] = { "matrix", "vars" };
	struct ynode *body = body_without(def, drop, 2);
	for (;;) {
		struct strbuf full = STRBUF_INIT;
		cJSON *layer = cJSON_CreateObject(), *item = cJSON_CreateObject();
		strbuf_addf(&full, "%s@", name);
		for (size_t a = 0; a < naxes; a++) {
			cJSON *ax = cJSON_GetArrayItem(axes, (int)a);
			cJSON *v = cJSON_GetArrayItem(ax, (int)pos[a]);
			if (a)
				strbuf_addch(&full, '-');
			item_suffix(&full, v, ax->string, pos[a]);
			cJSON_AddItemToObject(item, ax->string, cJSON_Duplicate(v, 1));
		}
		cJSON_AddItemToObject(layer, "item", item);
		struct tmpl_ctx c = *ctx;
		memmove(&c.layers[1], &c.layers[0], sizeof(c.layers[0]) * (size_t)c.nlayers);
		c.layers[0] = layer;
		c.nlayers++;
		emit_stage(p, full.buf, body, &c, at, base);
		cJSON_Delete(layer);
		strbuf_release(&full);
		size_t a = naxes;
		while (a > 0 && ++pos[a - 1] == len[a - 1])
			pos[--a] = 0;
		if (a == 0)
			break;
	}
	free_shallow(body);
done:
	free(pos);
	free(len);
	cJSON_Delete(axes);
	ytree_free(m);
}

void expand_definition(struct pipeline *p, const struct ynode *key, const struct ynode *def,
		       const cJSON *vars, const char *base, const struct file_source *src)
{
	const char *name = key->str;
	cJSON *stage_vars = NULL;

	if (!valid_stage_name(name)) {
		error_at(p->file, key->line, key->col,
			 "invalid stage name '%s' (names cannot be empty or hold '@', ':', '/', spaces or control characters)",
			 name);
		return;
	}
	if (def->type != YNODE_MAP) {
		error_at(p->file, def->line, def->col, "stage '%s' must be a mapping (with at least 'cmd')", name);
		return;
	}
	struct tmpl_ctx ctx = { .file = p->file, .stage = name };
	const struct ynode *sv = ytree_get(def, "vars");
	if (sv) {
		stage_vars = cJSON_CreateObject();
		if (load_vars(stage_vars, sv, p->file, base, src) < 0) {
			cJSON_Delete(stage_vars);
			return;
		}
		ctx.layers[ctx.nlayers++] = stage_vars;
	}
	ctx.layers[ctx.nlayers++] = vars;

	int has_foreach = ytree_get(def, "foreach") != NULL, has_matrix = ytree_get(def, "matrix") != NULL;
	if (has_foreach && has_matrix) {
		error_at(p->file, key->line, key->col, "stage '%s' has both 'foreach' and 'matrix'; use one", name);
	} else if (has_foreach) {
		expand_foreach(p, name, def, &ctx, base, key);
	} else if (has_matrix) {
		expand_matrix(p, name, def, &ctx, base, key);
	} else {
		const char *const drop[] = { "vars" };
		struct ynode *body = body_without(def, drop, 1);
		emit_stage(p, name, body, &ctx, key, base);
		free_shallow(body);
	}
	cJSON_Delete(stage_vars);
}
