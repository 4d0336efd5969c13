/*
 * Collecting the objects a workspace refers to (see refs.h).
 */
#include "remote/refs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "core/addfile.h"
#include "core/cache.h"
#include "core/runcache.h"
#include "core/session.h"
#include "core/stageops.h"
#include "core/tree.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/options.h"
#include "util/suggest.h"
#include "util/xalloc.h"

void objset_add(struct objset *s, const char *id, uint64_t size, const char *what)
{
	ARRAY_GROW(s->v, s->alloc, s->n + 1);
	snprintf(s->v[s->n].id, HASH_ID_MAX, "%s", id);
	s->v[s->n].size = size;
	s->v[s->n].what = what ? strpool_add(&s->pool, what) : "";
	s->n++;
}

static int cmp_ref(const void *a, const void *b)
{
	return strcmp(((const struct objref *)a)->id, ((const struct objref *)b)->id);
}

void objset_sort(struct objset *s)
{
	size_t w = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_ref);
	for (size_t i = 1; i < s->n; i++) {
		if (!strcmp(s->v[i].id, s->v[w].id)) {
			if (!s->v[w].size)
				s->v[w].size = s->v[i].size;
			continue;
		}
		s->v[++w] = s->v[i];
	}
	s->n = w + 1;
}

const struct objref *objset_find(const struct objset *s, const char *id)
{
	struct objref key;

	if (!s->n)
		return NULL;
	snprintf(key.id, HASH_ID_MAX, "%s", id);
	return bsearch(&key, s->v, s->n, sizeof(*s->v), cmp_ref);
}

void objset_release(struct objset *s)
{
	free(s->v);
	strpool_release(&s->pool);
	memset(s, 0, sizeof(*s));
}

int objset_expand(struct objset *s, const struct cache *c, struct objset *missing)
{
	size_t n = s->n;
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		struct tree t = TREE_INIT;
		if (!hash_id_is_dir(s->v[i].id))
			continue;
		if (!cache_has_object(c, s->v[i].id)) {
			if (missing)
				objset_add(missing, s->v[i].id, 0, s->v[i].what);
			continue;
		}
		if (cache_read_tree(c, s->v[i].id, &t) < 0) {
			ret = -1;
			continue;
		}
		const char *what = s->v[i].what;
		for (size_t k = 0; k < t.n; k++)
			objset_add(s, t.entries[k].hex, t.entries[k].size, what);
		tree_release(&t);
	}
	objset_sort(s);
	if (missing)
		objset_sort(missing);
	return ret;
}

/* Marks the stages named `name` (or its expansions); 1 when any. */
static int select_stage(struct session *ss, const char *name, unsigned char *marks)
{
	size_t len = strlen(name);
	int found = 0;

	for (size_t k = 0; k < ss->pipeline.n; k++) {
		const char *nm = ss->pipeline.stages[k].name;
		if (!strcmp(nm, name) || (!strncmp(nm, name, len) && nm[len] == '@')) {
			marks[k] = 1;
			found = 1;
		}
	}
	return found;
}

static int no_target(struct session *ss, const char *name)
{
	const char **cands = xcalloc(ss->pipeline.n + 1, sizeof(char *));
	const char *sug;

	for (size_t k = 0; k < ss->pipeline.n; k++)
		cands[k] = ss->pipeline.stages[k].name;
	sug = suggest(name, cands, ss->pipeline.n);
	if (sug)
		error("no stage or tracked file named '%s' (did you mean '%s'?)", name, sug);
	else
		error("no stage or tracked file named '%s'", name);
	free(cands);
	return -1;
}

int selection_init(struct selection *sel, struct session *ss, char **targets, int n)
{
	size_t alloc = 0;
	int ret = 0;

	memset(sel, 0, sizeof(*sel));
	sel->stages = xcalloc(ss->pipeline.n + 1, 1);
	if (!n) {
		memset(sel->stages, 1, ss->pipeline.n);
		sel->all_tracked = 1;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (select_stage(ss, targets[i], sel->stages))
			continue;
		char *p = project_user_path(ss->project, targets[i]);
		if (!p) {
			ret = -1;
			continue;
		}
		size_t len = strlen(p);
		char *file = len > 6 && !strcmp(p + len - 6, ".repro") ? xstrdup(p) : addfile_name(p);
		free(p);
		if (!path_exists(file)) {
			free(file);
			ret = no_target(ss, targets[i]);
			continue;
		}
		ARRAY_GROW(sel->tracked, alloc, sel->ntracked + 1);
		sel->tracked[sel->ntracked++] = file;
	}
	return ret;
}

void selection_release(struct selection *sel)
{
	for (size_t i = 0; i < sel->ntracked; i++)
		free(sel->tracked[i]);
	free(sel->tracked);
	free(sel->stages);
	memset(sel, 0, sizeof(*sel));
}

static void add_stage_outs(struct session *ss, size_t i, struct objset *out)
{
	const struct stage *s = &ss->pipeline.stages[i];
	const struct lock_stage *ls = lock_find(&ss->lock, s->name);

	for (size_t k = 0; ls && k < ls->nouts; k++) {
		const struct lock_entry *e = &ls->outs[k];
		for (size_t j = 0; j < s->nouts; j++) {
			const struct stage_out *o = &s->outs[j];
			if (strcmp(o->decl, e->path))
				continue;
			if (o->cache && o->push)
				objset_add(out, e->hi.id, e->hi.isdir ? 0 : e->hi.size, o->path);
			break;
		}
	}
}

int collect_roots(struct session *ss, const struct selection *sel, struct objset *out)
{
	struct addfile *af = NULL;
	size_t naf = 0;
	int ret = 0;

	for (size_t i = 0; i < ss->pipeline.n; i++)
		if (sel->stages[i])
			add_stage_outs(ss, i, out);
	if (sel->all_tracked) {
		ret = addfile_find_all(&af, &naf);
	} else if (sel->ntracked) {
		af = xcalloc(sel->ntracked, sizeof(*af));
		for (size_t i = 0; i < sel->ntracked; i++) {
			if (addfile_read(&af[naf], sel->tracked[i]) < 0)
				ret = -1;
			else
				naf++;
		}
	}
	for (size_t i = 0; i < naf; i++) {
		const struct hashinfo *hi = &af[i].entry.hi;
		objset_add(out, hi->id, hi->isdir ? 0 : hi->size, af[i].path);
	}
	addfile_free_all(af, naf);
	objset_sort(out);
	return ret;
}

int run_entry_objects(const char *dir, const char *sig, char **stage, struct objset *objs)
{
	struct lock_entry *outs;
	size_t n;
	struct strbuf sb = STRBUF_INIT;
	char *path;

	*stage = NULL;
	if (runcache_load(dir, sig, &outs, &n) != 1)
		return -1;
	path = runcache_path(dir, sig);
	if (strbuf_read_file(&sb, path, 16u << 20) == 0) {
		cJSON *root = cJSON_ParseWithLength(sb.buf, sb.len);
		cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "stage");
		if (cJSON_IsString(st))
			*stage = xstrdup(st->valuestring);
		cJSON_Delete(root);
	}
	for (size_t i = 0; i < n; i++)
		objset_add(objs, outs[i].hi.id, outs[i].hi.isdir ? 0 : outs[i].hi.size, outs[i].path);
	lock_entries_free(outs, n);
	strbuf_release(&sb);
	free(path);
	return 0;
}

/* 1 when stage (a run entry's) is selected; entries of stages no longer in
 * the pipeline count only when everything is selected. For a push, a stage
 * with a push: false out is never selected: its run could not be restored
 * from the remote anyway. */
static int stage_selected(struct session *ss, const struct selection *sel, const char *stage, int for_push)
{
	if (!stage)
		return sel->all_tracked;
	for (size_t k = 0; k < ss->pipeline.n; k++) {
		const struct stage *s = &ss->pipeline.stages[k];
		if (strcmp(s->name, stage))
			continue;
		for (size_t i = 0; for_push && i < s->nouts; i++)
			if (!s->outs[i].push)
				return 0;
		return sel->stages[k];
	}
	return sel->all_tracked;
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return !s[n];
}

int collect_local_runs(struct session *ss, const struct selection *sel, int for_push, struct strlist *sigs,
		       struct objset *objs)
{
	DIR *top = opendir(RUNS_DIR);
	struct dirent *de;

	if (!top)
		return errno == ENOENT ? 0 : error("cannot read '%s':", RUNS_DIR);
	while ((de = readdir(top))) {
		if (!is_hex(de->d_name, 2))
			continue;
		char *sub = path_join_dup(RUNS_DIR, de->d_name);
		DIR *d = opendir(sub);
		struct dirent *fe;
		while (d && (fe = readdir(d))) {
			if (!is_hex(fe->d_name, HASH_HEX_LEN - 2))
				continue;
			char *sig = xasprintf("%s%s", de->d_name, fe->d_name);
			struct objset one = { 0 };
			char *stage;
			if (run_entry_objects(RUNS_DIR, sig, &stage, &one) == 0 && stage_selected(ss, sel, stage, for_push)) {
				for (size_t i = 0; i < one.n; i++)
					objset_add(objs, one.v[i].id, one.v[i].size, one.v[i].what);
				strlist_push(sigs, sig);
				sig = NULL;
			}
			free(stage);
			free(sig);
			objset_release(&one);
		}
		if (d)
			closedir(d);
		free(sub);
	}
	closedir(top);
	objset_sort(objs);
	return 0;
}
