#include "core/runcache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "core/hash.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

char *runcache_path(const char *dir, const char *signature)
{
	return xasprintf("%s/%.2s/%s", dir, signature, signature + 2);
}

int runcache_save(const char *dir, const char *signature, const char *stage, const struct lock_entry *outs,
		  size_t nouts)
{
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	char *path = runcache_path(dir, signature);
	struct strbuf sb = STRBUF_INIT;
	int ret = -1;

	cJSON_AddStringToObject(root, "stage", stage);
	for (size_t i = 0; i < nouts; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", outs[i].path);
		cJSON_AddStringToObject(o, "sha256", outs[i].hi.id);
		cJSON_AddNumberToObject(o, "size", (double)outs[i].hi.size);
		if (outs[i].hi.isdir)
			cJSON_AddNumberToObject(o, "nfiles", (double)outs[i].hi.nfiles);
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddItemToObject(root, "outs", arr);
	json_canonical(root, &sb);
	strbuf_addch(&sb, '\n');
	if (mkdir_parent(path) == 0)
		ret = write_file_atomic_quiet(path, sb.buf, sb.len, 0444);
	int e = errno;
	cJSON_Delete(root);
	strbuf_release(&sb);
	free(path);
	errno = e;
	return ret;
}

/* An out as declared (relative to its stage's wdir, so it may start with
 * ".."): never absolute, never with control characters. Entries come from
 * remotes too; their paths are only compared with declared ones. */
static int decl_valid(const char *decl)
{
	struct strbuf norm = STRBUF_INIT;
	const char *why;
	int ok = path_normalize(decl, &norm, &why) == 0 || !strcmp(why, "path leaves the project");

	strbuf_release(&norm);
	return ok;
}

static int damaged(const char *path)
{
	warn("ignoring damaged run cache entry '%s'", path);
	return -1;
}

int runcache_load(const char *dir, const char *signature, struct lock_entry **outs, size_t *nouts)
{
	char *path = runcache_path(dir, signature);
	struct strbuf sb = STRBUF_INIT;
	int ret;

	*outs = NULL;
	*nouts = 0;
	if (strbuf_read_file(&sb, path, 16u << 20) < 0) {
		ret = errno == ENOENT ? 0 : damaged(path);
		goto done;
	}
	cJSON *root = cJSON_ParseWithLength(sb.buf, sb.len);
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "outs");
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(root);
		ret = damaged(path);
		goto done;
	}
	size_t n = (size_t)cJSON_GetArraySize(arr);
	*outs = xcalloc(n ? n : 1, sizeof(**outs));
	ret = 1;
	for (cJSON *o = arr->child; o; o = o->next) {
		cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "path");
		cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "sha256");
		cJSON *sz = cJSON_GetObjectItemCaseSensitive(o, "size");
		cJSON *nf = cJSON_GetObjectItemCaseSensitive(o, "nfiles");
		if (!cJSON_IsString(p) || !decl_valid(p->valuestring) || !cJSON_IsString(h) ||
		    !hash_id_valid(h->valuestring) || !cJSON_IsNumber(sz)) {
			ret = damaged(path);
			break;
		}
		struct lock_entry *e = &(*outs)[(*nouts)++];
		e->path = xstrdup(p->valuestring);
		strcpy(e->hi.id, h->valuestring);
		e->hi.isdir = hash_id_is_dir(h->valuestring);
		e->hi.size = (uint64_t)sz->valuedouble;
		e->hi.nfiles = cJSON_IsNumber(nf) ? (uint64_t)nf->valuedouble : 0;
	}
	cJSON_Delete(root);
	if (ret < 0) {
		lock_entries_free(*outs, *nouts);
		*outs = NULL;
		*nouts = 0;
	}
done:
	strbuf_release(&sb);
	free(path);
	return ret;
}
