/*
 * Reading stages.yaml: the top level, vars, and the expansion of each stage
 * definition (foreach/do, matrix) into concrete stages. The fields of one
 * concrete stage are parsed in stagefields.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/stage.h"
#include "core/stage_internal.h"
#include "core/template.h"
#include "core/tree.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/suggest.h"
#include "util/xalloc.h"

static int workspace_read(void *ctx, const char *path, struct strbuf *out)
{
	(void)ctx;
	if (strbuf_read_file(out, path, 64u << 20) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 1;
		if (errno == EFBIG)
			return error("'%s' is larger than 64 MiB", path);
		return error("cannot read '%s':", path);
	}
	return 0;
}

const struct file_source workspace_source = { workspace_read, NULL };

/*
 * The lock is the stages file's name with ".lock" for its extension, except
 * where that is DVC's own lock: a dvc.yaml keeps dvc.lock for DVC (whose
 * schema and md5 hashes repro does not share) and gets dvc.repro.lock, so
 * both tools can run the same pipeline side by side.
 */
char *lock_file_for(const char *stages_file)
{
	const char *slash = strrchr(stages_file, '/');
	const char *base = slash ? slash + 1 : stages_file;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot > base ? (size_t)(dot - stages_file) : strlen(stages_file);

	if (n - (size_t)(base - stages_file) == 3 && !strncmp(base, "dvc", 3))
		return xasprintf("%.*s.repro.lock", (int)n, stages_file);
	if (dot && !strcmp(dot, ".lock")) /* never the stages file itself */
		return xasprintf("%s.lock", stages_file);
	return xasprintf("%.*s.lock", (int)n, stages_file);
}

/* Reads a YAML or JSON data file through src into a cJSON value. */
int load_data_file(const struct file_source *src, const char *path, cJSON **out, int *missing)
{
	struct strbuf sb = STRBUF_INIT;
	int r = src->read(src->ctx, path, &sb);

	*out = NULL;
	if (missing)
		*missing = r == 1;
	if (r != 0) {
		strbuf_release(&sb);
		if (r == 1 && !missing)
			return error("cannot read '%s': No such file or directory", path);
		return r == 1 ? 0 : -1;
	}
	size_t plen = strlen(path);
	if (plen > 5 && !strcmp(path + plen - 5, ".json")) {
		const char *end = NULL;
		*out = cJSON_ParseWithLengthOpts(sb.buf, sb.len, &end, 0);
		if (!*out) {
			/* cJSON reports where it stopped; turn that into line:col */
			int line = 1, col = 1;
			for (const char *p = sb.buf; end && p < end; p++)
				if (*p == '\n')
					line++, col = 1;
				else
					col++;
			strbuf_release(&sb);
			return error_at(path, line, col, "invalid JSON");
		}
	} else if (plen > 5 && !strcmp(path + plen - 5, ".toml")) {
		strbuf_release(&sb);
		return error("'%s': TOML params files are not supported; use YAML or JSON", path);
	} else {
		struct ynode *root;
		if (ytree_parse(sb.buf, sb.len, path, &root) < 0) {
			strbuf_release(&sb);
			return -1;
		}
		*out = ytree_to_json(root);
		ytree_free(root);
	}
	strbuf_release(&sb);
	return 0;
}

/*
 * Merges src's keys into dst. A key defined by both is an error unless both
 * values are mappings (then they merge), as DVC refuses to redefine vars.
 */
static int merge_vars(cJSON *dst, const cJSON *src, const char *file, const struct ynode *at, const char *origin)
{
	for (const cJSON *c = src->child; c; c = c->next) {
		cJSON *old = cJSON_GetObjectItemCaseSensitive(dst, c->string);
		if (old && cJSON_IsObject(old) && cJSON_IsObject(c)) {
			if (merge_vars(old, c, file, at, origin) < 0)
				return -1;
			continue;
		}
		if (old)
			return error_at(file, at->line, at->col,
					"variable '%s' from %s is already defined; rename one of them", c->string, origin);
		cJSON_AddItemToObject(dst, c->string, cJSON_Duplicate(c, 1));
	}
	return 0;
}

/* A file name that holds a NUL byte (YAML's "\0") would be cut short by
 * every C string: refused. -1 reported. */
static int bad_path_node(const struct ynode *n, const char *file, const char *what)
{
	struct strbuf q = STRBUF_INIT;

	if (!memchr(n->str, '\0', n->len))
		return 0;
	path_quote_len(&q, n->str, n->len);
	error_at(file, n->line, n->col, "%s '%s': NUL character in path", what, q.buf);
	strbuf_release(&q);
	return -1;
}

/* Keeps only the listed top-level keys of a vars file ("file.yaml:a,b"). */
static int select_keys(cJSON **vars, const char *keys, const char *file, const struct ynode *at)
{
	cJSON *sel = cJSON_CreateObject();
	char *list = xstrdup(keys);

	for (char *k = strtok(list, ","); k; k = strtok(NULL, ",")) {
		while (*k == ' ')
			k++;
		const cJSON *v = tmpl_lookup(&(struct tmpl_ctx){ .layers = { *vars }, .nlayers = 1 }, k);
		if (!v) {
			error_at(file, at->line, at->col, "no key '%s' in vars file", k);
			free(list);
			cJSON_Delete(sel);
			return -1;
		}
		cJSON_AddItemToObject(sel, k, cJSON_Duplicate(v, 1));
	}
	free(list);
	cJSON_Delete(*vars);
	*vars = sel;
	return 0;
}

/*
 * Adds the entries of a `vars:` list to dst: file names (optionally
 * "file:key1,key2") relative to base, or inline mappings.
 */
int load_vars(cJSON *dst, const struct ynode *list, const char *file, const char *base,
	      const struct file_source *src)
{
	if (list->type != YNODE_SEQ)
		return error_at(file, list->line, list->col, "'vars' must be a list of files and mappings");
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i];
		if (it->type == YNODE_MAP) {
			cJSON *inline_vars = ytree_to_json(it);
			int r = merge_vars(dst, inline_vars, file, it, "vars");
			cJSON_Delete(inline_vars);
			if (r < 0)
				return -1;
			continue;
		}
		/* a number, a boolean or an empty entry is no file name, though it is a scalar */
		enum yscalar_kind kind = it->type == YNODE_SCALAR ? ytree_scalar_kind(it) : YS_STRING;
		if (it->type != YNODE_SCALAR || kind != YS_STRING || !it->len)
			return error_at(file, it->line, it->col, "a 'vars' entry must be a file name or a mapping, not %s",
					it->type != YNODE_SCALAR ? "a list"
					: kind == YS_BOOL ? "a boolean"
					: kind == YS_INT || kind == YS_FLOAT ? "a number" : "an empty value");
		if (bad_path_node(it, file, "vars file") < 0)
			return -1;
		char *name = xstrdup(it->str);
		char *colon = strchr(name, ':');
		if (colon)
			*colon++ = '\0';
		struct strbuf rel = STRBUF_INIT, norm = STRBUF_INIT;
		const char *why;
		path_join(&rel, base, name);
		if (path_normalize(rel.buf, &norm, &why) < 0) {
			struct strbuf q = STRBUF_INIT;
			path_quote(&q, name);
			error_at(file, it->line, it->col, "vars file '%s': %s", q.buf, why);
			strbuf_release(&q);
			goto fail;
		}
		cJSON *fv;
		int missing;
		if (load_data_file(src, norm.buf, &fv, &missing) < 0)
			goto fail;
		if (missing) {
			error_at(file, it->line, it->col, "vars file '%s' does not exist", norm.buf);
			goto fail;
		}
		if (!cJSON_IsObject(fv)) {
			cJSON_Delete(fv);
			error_at(file, it->line, it->col, "vars file '%s' must hold a mapping", norm.buf);
			goto fail;
		}
		if (colon && select_keys(&fv, colon, file, it) < 0) {
			cJSON_Delete(fv);
			goto fail;
		}
		int r = merge_vars(dst, fv, file, it, norm.buf);
		cJSON_Delete(fv);
		if (r < 0)
			goto fail;
		free(name);
		strbuf_release(&rel);
		strbuf_release(&norm);
		continue;
fail:
		free(name);
		strbuf_release(&rel);
		strbuf_release(&norm);
		return -1;
	}
	return 0;
}

static const char *const toplevel_keys[] = { "stages", "vars", "metrics", "params", "plots", "artifacts", "datasets" };

static int check_toplevel(const struct ynode *root, const char *file)
{
	int ret = 0;

	if (root->type != YNODE_MAP)
		return error_at(file, root->line, root->col, "the stages file must be a mapping with a 'stages' key");
	for (size_t i = 0; i < root->n; i++) {
		const struct ynode *k = root->keys[i];
		size_t nk = sizeof(toplevel_keys) / sizeof(toplevel_keys[0]);
		int known = 0;
		for (size_t j = 0; j < nk; j++)
			known |= !strcmp(k->str, toplevel_keys[j]);
		if (known)
			continue;
		const char *s = suggest(k->str, toplevel_keys, nk);
		if (s)
			ret = error_at(file, k->line, k->col, "unknown top-level key '%s' (did you mean '%s'?)", k->str, s);
		else
			ret = error_at(file, k->line, k->col,
				       "unknown top-level key '%s' (expected stages, vars, metrics, params or plots)", k->str);
	}
	return ret;
}

/* Collects a top-level list of file names (metrics:, params:) relative to base. */
static int toplevel_files(const struct ynode *root, const char *key, const char *file, const char *base,
			  char ***out, size_t *n)
{
	const struct ynode *list = ytree_get(root, key);

	if (!list)
		return 0;
	if (list->type != YNODE_SEQ)
		return error_at(file, list->line, list->col, "'%s' must be a list of files", key);
	for (size_t i = 0; i < list->n; i++) {
		const struct ynode *it = list->items[i];
		const char *name = it->type == YNODE_SCALAR ? it->str
				 : (it->type == YNODE_MAP && it->n ? it->keys[0]->str : NULL);
		if (!name)
			return error_at(file, it->line, it->col, "a '%s' entry must be a file name", key);
		if (bad_path_node(it->type == YNODE_SCALAR ? it : it->keys[0], file, key) < 0)
			return -1;
		struct strbuf rel = STRBUF_INIT, norm = STRBUF_INIT;
		const char *why;
		path_join(&rel, base, name);
		int r = path_normalize(rel.buf, &norm, &why);
		strbuf_release(&rel);
		if (r < 0) {
			struct strbuf q = STRBUF_INIT;
			path_quote(&q, name);
			error_at(file, it->line, it->col, "'%s': %s", q.buf, why);
			strbuf_release(&q);
			strbuf_release(&norm);
			return -1;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = strbuf_detach(&norm, NULL);
	}
	return 0;
}

void pipeline_add_stage(struct pipeline *p, struct stage *s)
{
	p->stages = xrealloc(p->stages, (p->n + 1) * sizeof(*p->stages));
	p->stages[p->n++] = *s;
}

static int check_unique_names(const struct pipeline *p)
{
	int ret = 0;

	for (size_t i = 0; i < p->n; i++)
		for (size_t j = i + 1; j < p->n; j++)
			if (!strcmp(p->stages[i].name, p->stages[j].name))
				ret = error_at(p->file, p->stages[j].line, p->stages[j].col,
					       "two stages are named '%s' (the other is at line %d); rename one",
					       p->stages[i].name, p->stages[i].line);
	return ret;
}

int pipeline_load(struct pipeline *p, const char *file, const struct file_source *src, int missing_ok)
{
	struct strbuf sb = STRBUF_INIT;
	struct ynode *root = NULL;
	cJSON *vars = NULL;
	int ret = -1;

	memset(p, 0, sizeof(*p));
	p->file = xstrdup(file);
	p->lock_file = lock_file_for(file);
	int r = src->read(src->ctx, file, &sb);
	if (r == 1) {
		strbuf_release(&sb);
		if (missing_ok)
			return 0;
		return error("cannot find '%s': declare your stages there (see 'repro run --help'), "
			     "or name another file with -f", file);
	}
	if (r < 0 || ytree_parse(sb.buf, sb.len, file, &root) < 0)
		goto done;
	if (check_toplevel(root, file) < 0)
		goto done;

	/* Paths in a stages file are relative to the directory holding it. */
	const char *slash = strrchr(file, '/');
	char *base = slash ? xstrndup(file, (size_t)(slash - file)) : xstrdup(".");
	int errors_before = error_count();
	vars = cJSON_CreateObject();

	/* params.yaml beside the stages file is always a vars source, as in DVC */
	char *default_params = path_join_dup(base, "params.yaml");
	cJSON *pv;
	int missing;
	if (load_data_file(src, default_params, &pv, &missing) == 0 && pv) {
		if (cJSON_IsObject(pv)) {
			cJSON_Delete(vars);
			vars = pv;
		} else {
			cJSON_Delete(pv);
		}
	}
	free(default_params);

	const struct ynode *vlist = ytree_get(root, "vars");
	if (vlist) {
		/* vars may redefine what params.yaml holds only by listing
		 * params.yaml itself, which is then not loaded twice */
		cJSON *own = cJSON_CreateObject();
		int rr = load_vars(own, vlist, file, base, src);
		for (cJSON *c = own->child; rr == 0 && c; c = c->next)
			cJSON_DeleteItemFromObjectCaseSensitive(vars, c->string);
		if (rr == 0)
			for (cJSON *c = own->child; c; c = c->next)
				cJSON_AddItemToObject(vars, c->string, cJSON_Duplicate(c, 1));
		cJSON_Delete(own);
	}
	if (toplevel_files(root, "metrics", file, base, &p->metrics, &p->nmetrics) < 0 ||
	    toplevel_files(root, "params", file, base, &p->params_files, &p->nparams_files) < 0) {
		free(base);
		goto done;
	}

	/* "stages:" with nothing after it means no stages, as an empty file does */
	const struct ynode *stages = ytree_get(root, "stages");
	if (stages && stages->type == YNODE_SCALAR && ytree_scalar_kind(stages) == YS_NULL)
		stages = NULL;
	if (stages && stages->type != YNODE_MAP) {
		error_at(file, stages->line, stages->col, "'stages' must be a mapping of stage names to stages");
	} else if (stages) {
		for (size_t i = 0; i < stages->n; i++)
			expand_definition(p, stages->keys[i], stages->items[i], vars, base, src);
	}
	free(base);
	if (error_count() == errors_before)
		check_unique_names(p);
	if (error_count() == errors_before)
		ret = 0;
done:
	cJSON_Delete(vars);
	ytree_free(root);
	strbuf_release(&sb);
	if (ret < 0)
		pipeline_release(p);
	return ret;
}

void pipeline_release(struct pipeline *p)
{
	for (size_t i = 0; i < p->n; i++)
		stage_release(&p->stages[i]);
	free(p->stages);
	for (size_t i = 0; i < p->nmetrics; i++)
		free(p->metrics[i]);
	free(p->metrics);
	for (size_t i = 0; i < p->nparams_files; i++)
		free(p->params_files[i]);
	free(p->params_files);
	free(p->file);
	free(p->lock_file);
	memset(p, 0, sizeof(*p));
}

struct stage *pipeline_find(const struct pipeline *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->stages[i].name, name))
			return &p->stages[i];
	return NULL;
}
