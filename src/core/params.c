#include "core/params.h"

#include <stdlib.h>
#include <string.h>

#include "core/stage_internal.h"
#include "core/template.h"
#include "util/xalloc.h"

void params_init(struct params_cache *pc, const struct file_source *src)
{
	memset(pc, 0, sizeof(*pc));
	pc->src = src;
}

void params_release(struct params_cache *pc)
{
	for (size_t i = 0; i < pc->n; i++) {
		free(pc->files[i].path);
		cJSON_Delete(pc->files[i].root);
	}
	free(pc->files);
	memset(pc, 0, sizeof(*pc));
}

const struct params_file *params_load(struct params_cache *pc, const char *path)
{
	for (size_t i = 0; i < pc->n; i++)
		if (!strcmp(pc->files[i].path, path))
			return &pc->files[i];
	pc->files = xrealloc(pc->files, (pc->n + 1) * sizeof(*pc->files));
	struct params_file *f = &pc->files[pc->n++];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	if (load_data_file(pc->src, path, &f->root, &f->missing) < 0)
		f->broken = 1;
	return f;
}

const cJSON *params_get(struct params_cache *pc, const char *path, const char *key)
{
	const struct params_file *f = params_load(pc, path);

	if (!f->root)
		return NULL;
	/* a key that itself contains dots ("a.b": 1) wins over nesting */
	const cJSON *literal = cJSON_IsObject(f->root) ? cJSON_GetObjectItemCaseSensitive(f->root, key) : NULL;
	if (literal)
		return literal;
	struct tmpl_ctx ctx = { .layers = { f->root }, .nlayers = 1 };
	return tmpl_lookup(&ctx, key);
}
