#include "core/template.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/json.h"
#include "util/suggest.h"
#include "util/xalloc.h"

/* Steps one segment of expr into v: "name", "[N]" or a numeric name on a list. */
static const cJSON *step(const cJSON *v, const char *seg, size_t n)
{
	char *name = xstrndup(seg, n);
	const cJSON *r = NULL;

	if (cJSON_IsObject(v)) {
		r = cJSON_GetObjectItemCaseSensitive(v, name);
	} else if (cJSON_IsArray(v)) {
		char *end;
		long i = strtol(name, &end, 10);
		if (*name && !*end && i >= 0)
			r = cJSON_GetArrayItem(v, (int)i);
	}
	free(name);
	return r;
}

static const cJSON *lookup_in(const cJSON *root, const char *expr)
{
	const cJSON *v = root;
	const char *p = expr;

	while (v && *p) {
		size_t n;
		if (*p == '[') {
			p++;
			n = strcspn(p, "]");
			v = step(v, p, n);
			p += n;
			if (*p == ']')
				p++;
		} else {
			n = strcspn(p, ".[");
			v = step(v, p, n);
			p += n;
		}
		if (*p == '.')
			p++;
	}
	return v;
}

const cJSON *tmpl_lookup(const struct tmpl_ctx *ctx, const char *expr)
{
	for (int i = 0; i < ctx->nlayers; i++) {
		const cJSON *v = lookup_in(ctx->layers[i], expr);
		if (v)
			return v;
	}
	return NULL;
}

int tmpl_has_vars(const char *s)
{
	for (const char *p = s; (p = strstr(p, "${")); p += 2)
		if (p == s || p[-1] != '\\')
			return 1;
	return 0;
}

/* Collects the names reachable at the level where a lookup failed, to
 * suggest the nearest one. */
static const char *suggest_var(const struct tmpl_ctx *ctx, const char *expr)
{
	const char *dot = strrchr(expr, '.');
	const char *cands[256];
	size_t n = 0;
	static char full[512];

	for (int i = 0; i < ctx->nlayers && n < 256; i++) {
		const cJSON *parent = ctx->layers[i];
		if (dot) {
			char *head = xstrndup(expr, (size_t)(dot - expr));
			parent = lookup_in(parent, head);
			free(head);
		}
		if (!cJSON_IsObject(parent))
			continue;
		for (const cJSON *c = parent->child; c && n < 256; c = c->next)
			cands[n++] = c->string;
	}
	const char *s = suggest(dot ? dot + 1 : expr, cands, n);
	if (!s)
		return NULL;
	snprintf(full, sizeof(full), "%.*s%s", dot ? (int)(dot - expr + 1) : 0, expr, s);
	return full;
}

static int unknown_var(const struct tmpl_ctx *ctx, const struct ynode *n, const char *expr)
{
	const char *s = suggest_var(ctx, expr);
	char where[256] = "";

	if (ctx->stage)
		snprintf(where, sizeof(where), " in stage '%s'", ctx->stage);
	if (s)
		return error_at(ctx->file, n->line, n->col, "unknown variable '%s'%s (did you mean '%s'?)", expr, where, s);
	return error_at(ctx->file, n->line, n->col,
			"unknown variable '%s'%s (define it in vars: or params.yaml)", expr, where);
}

/*
 * Interpolates the string of scalar n. When the whole string is one ${expr},
 * *whole receives the value (for structure-preserving substitution) and out
 * is left empty. Returns 0 or -1 (reported).
 */
static int expand_string(const struct ynode *n, const struct tmpl_ctx *ctx, struct strbuf *out, const cJSON **whole)
{
	const char *s = n->str;
	*whole = NULL;

	while (*s) {
		if (s[0] == '\\' && s[1] == '$' && s[2] == '{') {
			strbuf_addstr(out, "${");
			s += 3;
			continue;
		}
		if (s[0] != '$' || s[1] != '{') {
			strbuf_addch(out, *s++);
			continue;
		}
		const char *end = strchr(s + 2, '}');
		if (!end)
			return error_at(ctx->file, n->line, n->col, "unterminated '${' in '%s'", n->str);
		char *expr = xstrndup(s + 2, (size_t)(end - s - 2));
		/* tolerate ${ spaced.key } */
		char *e = expr;
		while (*e == ' ')
			e++;
		size_t el = strlen(e);
		while (el && e[el - 1] == ' ')
			e[--el] = '\0';
		const cJSON *v = el ? tmpl_lookup(ctx, e) : NULL;
		if (!v) {
			int r = el ? unknown_var(ctx, n, e)
				   : error_at(ctx->file, n->line, n->col, "empty '${}' in '%s'", n->str);
			free(expr);
			return r;
		}
		int is_whole = s == n->str && end[1] == '\0';
		if (is_whole) {
			*whole = v;
			free(expr);
			return 0;
		}
		if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
			int r = error_at(ctx->file, n->line, n->col,
					 "'${%s}' is %s and cannot be part of a string", e,
					 cJSON_IsObject(v) ? "a mapping" : "a list");
			free(expr);
			return r;
		}
		json_scalar_text(v, out);
		free(expr);
		s = end + 1;
	}
	return 0;
}

struct ynode *ynode_from_json(const cJSON *v, int line, int col)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	struct strbuf sb = STRBUF_INIT;

	n->line = line;
	n->col = col;
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		int obj = cJSON_IsObject(v);
		n->type = obj ? YNODE_MAP : YNODE_SEQ;
		size_t cnt = (size_t)cJSON_GetArraySize(v);
		n->items = xcalloc(cnt ? cnt : 1, sizeof(*n->items));
		if (obj)
			n->keys = xcalloc(cnt ? cnt : 1, sizeof(*n->keys));
		for (const cJSON *c = v->child; c; c = c->next) {
			n->items[n->n] = ynode_from_json(c, line, col);
			if (obj) {
				cJSON key = { 0 };
				key.type = cJSON_String;
				key.valuestring = c->string;
				n->keys[n->n] = ynode_from_json(&key, line, col);
			}
			n->n++;
		}
		return n;
	}
	n->type = YNODE_SCALAR;
	if (cJSON_IsNumber(v) && !isfinite(v->valuedouble))
		/* YAML's spelling, which reads back as the same number ("inf"
		 * would read back as a string) */
		strbuf_addstr(&sb, isnan(v->valuedouble) ? ".nan" : v->valuedouble > 0 ? ".inf" : "-.inf");
	else
		json_scalar_text(v, &sb);
	/* strings stay strings; numbers, booleans and null keep their type */
	n->plain = !cJSON_IsString(v);
	n->len = sb.len;
	n->str = strbuf_detach(&sb, NULL);
	return n;
}

static struct ynode *expand_scalar(const struct ynode *src, const struct tmpl_ctx *ctx)
{
	struct strbuf sb = STRBUF_INIT;
	const cJSON *whole;

	if (!tmpl_has_vars(src->str) && !strstr(src->str, "\\${")) {
		struct ynode *n = xcalloc(1, sizeof(*n));
		*n = *src;
		n->str = xmalloc(src->len + 1);
		memcpy(n->str, src->str, src->len + 1);
		return n;
	}
	if (expand_string(src, ctx, &sb, &whole) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	if (whole) {
		strbuf_release(&sb);
		return ynode_from_json(whole, src->line, src->col);
	}
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->type = YNODE_SCALAR;
	n->line = src->line;
	n->col = src->col;
	n->plain = 0; /* an interpolated string is a string */
	n->len = sb.len;
	n->str = strbuf_detach(&sb, NULL);
	return n;
}

struct ynode *tmpl_expand(const struct ynode *src, const struct tmpl_ctx *ctx)
{
	if (src->type == YNODE_SCALAR)
		return expand_scalar(src, ctx);

	struct ynode *n = xcalloc(1, sizeof(*n));
	n->type = src->type;
	n->line = src->line;
	n->col = src->col;
	n->items = xcalloc(src->n ? src->n : 1, sizeof(*n->items));
	if (src->keys)
		n->keys = xcalloc(src->n ? src->n : 1, sizeof(*n->keys));
	for (size_t i = 0; i < src->n; i++) {
		struct ynode *k = NULL, *v;
		if (src->keys) {
			k = expand_scalar(src->keys[i], ctx);
			if (!k)
				goto fail;
			if (k->type != YNODE_SCALAR) {
				error_at(ctx->file, k->line, k->col, "a mapping key must interpolate to a string");
				ytree_free(k);
				goto fail;
			}
		}
		v = tmpl_expand(src->items[i], ctx);
		if (!v) {
			ytree_free(k);
			goto fail;
		}
		n->items[n->n] = v;
		if (n->keys)
			n->keys[n->n] = k;
		n->n++;
	}
	return n;
fail:
	ytree_free(n);
	return NULL;
}
