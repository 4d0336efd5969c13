/*
 * Fuzz target: templating on its own (core/template.h), below the stages
 * file: ${} interpolation of a whole tree in scopes of variables, lookups
 * of dotted and indexed keys, and the values turned back into nodes.
 *
 * Input: the tree to expand (YAML), then the global vars (YAML) and a
 * foreach item (YAML, seen as ${item} and ${key}), separated by lines "%%".
 *
 * A tree with no "${" expands to itself; a whole "${expr}" becomes the
 * value with its type; a plain top-level name of the vars is found.
 */
#include "fuzz.h"

#include "core/template.h"
#include "util/ytree.h"

static const char *const names[FUZZ_MAX_PARTS] = { "stages.yaml", "vars.yaml", "item.yaml" };

/* The part as JSON; an empty mapping when absent or not YAML. */
static cJSON *part_json(const struct fuzz_part *p)
{
	struct ynode *n;

	if (!p->path || ytree_parse(p->data, p->len, p->path, &n) < 0)
		return cJSON_CreateObject();
	cJSON *j = ytree_to_json(n);
	ytree_free(n);
	return j;
}

static int any_vars(const struct ynode *n)
{
	if (n->type == YNODE_SCALAR)
		return strstr(n->str, "${") != NULL;
	for (size_t i = 0; i < n->n; i++)
		if (any_vars(n->items[i]) || (n->keys && any_vars(n->keys[i])))
			return 1;
	return 0;
}

/* A scalar that is one whole "${expr}" becomes the value itself, with its
 * type: compares every such node of src with its expansion in out. */
static void check_whole(const struct ynode *src, const struct ynode *out, const struct tmpl_ctx *ctx)
{
	if (src->type != YNODE_SCALAR) {
		FUZZ_ASSERT(out->type == src->type && out->n == src->n);
		for (size_t i = 0; i < src->n; i++)
			check_whole(src->items[i], out->items[i], ctx);
		return;
	}
	size_t n = src->len;
	if (n < 4 || strncmp(src->str, "${", 2) || src->str[n - 1] != '}' || strchr(src->str + 2, '}') != src->str + n - 1)
		return;
	char *expr = fuzz_strdup(src->str + 2, n - 3), *e = expr;
	while (*e == ' ')
		e++;
	for (size_t l = strlen(e); l && e[l - 1] == ' ';)
		e[--l] = '\0';
	const cJSON *want = *e ? tmpl_lookup(ctx, e) : NULL;
	if (want) {
		cJSON *got = ytree_to_json(out);
		FUZZ_ASSERT(fuzz_json_same(got, want));
		cJSON_Delete(got);
	}
	free(expr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part parts[FUZZ_MAX_PARTS];
	struct ynode *tree;

	fuzz_split(data, size, names, parts, 3);
	if (ytree_parse(parts[0].data, parts[0].len, names[0], &tree) < 0)
		return 0;
	cJSON *vars = part_json(&parts[1]);
	cJSON *layer = cJSON_CreateObject();
	cJSON_AddItemToObject(layer, "item", part_json(&parts[2]));
	cJSON_AddStringToObject(layer, "key", "k");
	struct tmpl_ctx ctx = { .file = "stages.yaml", .stage = "s@k", .layers = { layer, vars }, .nlayers = 2 };

	struct ynode *out = tmpl_expand(tree, &ctx);
	if (out && !any_vars(tree)) {
		cJSON *a = ytree_to_json(tree), *b = ytree_to_json(out);
		FUZZ_ASSERT(fuzz_json_same(a, b));
		cJSON_Delete(a);
		cJSON_Delete(b);
	}
	if (out)
		check_whole(tree, out, &ctx);
	if (out) {
		/* what was expanded is a tree like any other: it round-trips through JSON */
		cJSON *j = ytree_to_json(out);
		struct ynode *back = ynode_from_json(j, 1, 1);
		cJSON *j2 = ytree_to_json(back);
		FUZZ_ASSERT(fuzz_json_same(j, j2));
		cJSON_Delete(j);
		cJSON_Delete(j2);
		ytree_free(back);
	}
	struct tmpl_ctx vctx = { .file = "vars.yaml", .layers = { vars }, .nlayers = 1 };
	for (const cJSON *c = cJSON_IsObject(vars) ? vars->child : NULL; c; c = c->next)
		if (*c->string && !strpbrk(c->string, ".[]"))
			FUZZ_ASSERT(tmpl_lookup(&vctx, c->string) != NULL);
	ytree_free(out);
	ytree_free(tree);
	cJSON_Delete(vars);
	cJSON_Delete(layer);
	return 0;
}
