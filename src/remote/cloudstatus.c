/*
 * `repro status --cloud`: for each out and tracked file, whether its
 * content is in the cache, on the remote, both or neither. Read-only: a
 * directory manifest the cache lacks is only looked for on the remote.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "core/cache.h"
#include "remote/refs.h"
#include "remote/sync.h"
#include "util/error.h"
#include "util/progress.h"
#include "util/xalloc.h"

enum where { W_BOTH, W_LOCAL, W_REMOTE, W_NEITHER };

static const char *const labels[] = {
	[W_LOCAL] = "not on remote",
	[W_REMOTE] = "not in cache",
	[W_NEITHER] = "missing",
};
static const char *const json_labels[] = {
	[W_BOTH] = "in_sync",
	[W_LOCAL] = "not_on_remote",
	[W_REMOTE] = "not_in_cache",
	[W_NEITHER] = "missing",
};

struct st {
	struct objset all;       /* roots and the files of their local manifests */
	unsigned char *remote;   /* per all entry: on the remote */
};

static int on_remote(const struct st *s, const char *id)
{
	const struct objref *o = objset_find(&s->all, id);
	return o && s->remote[o - s->all.v];
}

/* Where root id's content is: a directory needs its manifest and files. */
static enum where locate(struct session *ss, const struct st *s, const char *id)
{
	int local = cache_contains(&ss->cache, id) == 1;
	int remote = on_remote(s, id);

	if (remote && hash_id_is_dir(id) && cache_has_object(&ss->cache, id)) {
		struct tree t = TREE_INIT;
		if (cache_read_tree(&ss->cache, id, &t) < 0)
			remote = 0;
		for (size_t i = 0; i < t.n && remote; i++)
			remote = on_remote(s, t.entries[i].hex);
		tree_release(&t);
	}
	return local && remote ? W_BOTH : local ? W_LOCAL : remote ? W_REMOTE : W_NEITHER;
}

static int cmp_what(const void *a, const void *b)
{
	const struct objref *x = a, *y = b;
	int c = strcmp(x->what, y->what);
	return c ? c : strcmp(x->id, y->id);
}

static int query_remote(struct remote *r, struct st *s, struct progress *pg)
{
	char **keys = xcalloc(s->all.n + 1, sizeof(char *));
	struct strbuf sb = STRBUF_INIT;
	int ret;

	s->remote = xcalloc(s->all.n + 1, 1);
	for (size_t i = 0; i < s->all.n; i++) {
		strbuf_reset(&sb);
		remote_object_key(s->all.v[i].id, &sb);
		keys[i] = xstrdup(sb.buf);
	}
	ret = remote_exists(r, keys, s->all.n, s->remote, pg);
	for (size_t i = 0; i < s->all.n; i++)
		free(keys[i]);
	free(keys);
	strbuf_release(&sb);
	return ret;
}

int sync_status(struct session *ss, struct remote *r, const struct sync_opts *o, int json, int quiet,
		int *out_of_sync)
{
	struct selection sel;
	struct objset roots = { 0 };
	struct st s = { 0 };
	cJSON *out = cJSON_CreateObject();
	int ret = 0;

	*out_of_sync = 0;
	if (selection_init(&sel, ss, o->targets, o->ntargets) < 0 || collect_roots(ss, &sel, &roots) < 0) {
		ret = -1;
		goto done;
	}
	for (size_t i = 0; i < roots.n; i++)
		objset_add(&s.all, roots.v[i].id, roots.v[i].size, roots.v[i].what);
	if (objset_expand(&s.all, &ss->cache, NULL) < 0 || query_remote(r, &s, o->progress) < 0) {
		ret = -1;
		goto done;
	}
	qsort(roots.v, roots.n, sizeof(*roots.v), cmp_what);
	for (size_t i = 0; i < roots.n; i++) {
		enum where w = locate(ss, &s, roots.v[i].id);
		cJSON_AddStringToObject(out, roots.v[i].what, json_labels[w]);
		if (w == W_BOTH)
			continue;
		*out_of_sync = 1;
		if (!json && !quiet)
			printf("%-15s %s\n", labels[w], roots.v[i].what);
	}
	if (json && !quiet) {
		char *txt = cJSON_Print(out);
		printf("%s\n", txt);
		free(txt);
	} else if (!quiet && !*out_of_sync) {
		printf("cache and remote '%s' are in sync\n", r->name);
	}
done:
	cJSON_Delete(out);
	free(s.remote);
	objset_release(&s.all);
	objset_release(&roots);
	selection_release(&sel);
	return ret;
}

int sync_status_cmd(struct project *p, const char *file, const char *remote, char **targets, int n, int json,
		    int quiet)
{
	struct session ss;
	struct remote *r;
	struct progress pg;
	struct sync_opts o = { .targets = targets, .ntargets = n, .progress = &pg };
	int out_of_sync = 0, ret;

	if (session_open(&ss, p, file, 1) < 0)
		return EXIT_USAGE;
	if (!(r = remote_open(&p->config, remote, REPRO_DIR "/tmp"))) {
		session_close(&ss);
		return EXIT_USAGE;
	}
	progress_init(&pg);
	ret = sync_status(&ss, r, &o, json, quiet, &out_of_sync);
	progress_done(&pg);
	remote_close(r);
	session_close(&ss);
	if (ret < 0)
		return EXIT_STAGE_FAILED;
	return quiet && out_of_sync ? EXIT_STAGE_FAILED : 0;
}
