/*
 * gc_run(): what to keep, then the cache, its run entries and stale partial
 * downloads, then (with --cloud) the remote. See gc.h.
 */
#include "remote/gc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/addfile.h"
#include "core/runcache.h"
#include "core/stageops.h"
#include "remote/remote.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/options.h"
#include "util/progress.h"
#include "util/xalloc.h"

#define PARTIAL_MAX_AGE (24 * 3600) /* partial downloads older than this are dropped */

struct gc {
	struct session *ss;
	const struct gc_opts *o;
	struct remote *r;        /* with --cloud */
	struct objset keep;      /* sorted, manifests expanded */
	int64_t start;           /* wall-clock second gc started: newer objects stay */
	size_t nremoved;
	uint64_t bytes;
	size_t nfailed;          /* files that could not be removed (warned each) */
	int failed_errno;        /* why the first of them could not */
};

/*
 * Keeps every out of the lock, and every dep. A directory dep that is no
 * stage's out and not tracked was hashed but never stored: its manifest is
 * in no cache, and there is nothing of it to keep, so it is kept only when
 * the cache has its manifest (a remote gc must expand every kept manifest,
 * and would otherwise refuse to collect at all).
 */
static void keep_lock(struct objset *keep, const struct lock *l, const struct cache *c)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct lock_stage *s = &l->stages[i];
		for (size_t k = 0; k < s->nouts; k++)
			objset_add(keep, s->outs[k].hi.id, s->outs[k].hi.size, s->outs[k].path);
		for (size_t k = 0; k < s->ndeps; k++) {
			const char *id = s->deps[k].hi.id;
			if (id[0] && (!hash_id_is_dir(id) || cache_has_object(c, id)))
				objset_add(keep, id, s->deps[k].hi.size, s->deps[k].path);
		}
	}
}

static int keep_workspace(struct gc *g)
{
	struct addfile *af;
	size_t n;
	int ret;

	keep_lock(&g->keep, &g->ss->lock, &g->ss->cache);
	ret = addfile_find_all(&af, &n);
	for (size_t i = 0; i < n; i++)
		objset_add(&g->keep, af[i].entry.hi.id, af[i].entry.hi.size, af[i].path);
	addfile_free_all(af, n);
	if (ret < 0)
		error("cannot read every .repro file: not collecting anything");
	return ret;
}

/* Fetches kept manifests the cache lacks from the remote. */
static int fetch_manifests(struct gc *g, const struct objset *missing)
{
	struct rop *ops = xcalloc(missing->n + 1, sizeof(*ops));
	struct rrun_opts ro = { .verb = "fetching manifests", .progress = g->o->progress };
	struct strbuf sb = STRBUF_INIT;
	int ret;

	for (size_t i = 0; i < missing->n; i++) {
		strbuf_reset(&sb);
		remote_object_key(missing->v[i].id, &sb);
		ops[i].type = ROP_GET;
		ops[i].key = xstrdup(sb.buf);
		snprintf(ops[i].sha256, sizeof(ops[i].sha256), "%.64s", missing->v[i].id);
		ops[i].local = xasprintf("%s/pull/%s", g->r->tmpdir, missing->v[i].id);
	}
	ret = remote_run(g->r, ops, missing->n, &ro);
	for (size_t i = 0; i < missing->n; i++) {
		if (ops[i].status == ROP_OK &&
		    cache_import_file(&g->ss->cache, ops[i].local, missing->v[i].id, g->r->display) < 0)
			ret = -1;
		free(ops[i].key);
		free(ops[i].local);
	}
	free(ops);
	strbuf_release(&sb);
	return ret;
}

/* Expands kept manifests; for a remote collection they must all be read. */
static int expand_keep(struct gc *g)
{
	struct objset missing = { 0 };
	int ret = objset_expand(&g->keep, &g->ss->cache, &missing);

	if (!ret && missing.n && g->r) {
		ret = fetch_manifests(g, &missing);
		objset_release(&missing);
		if (!ret)
			ret = objset_expand(&g->keep, &g->ss->cache, &missing);
	}
	for (size_t i = 0; i < missing.n && i < 10; i++)
		if (g->r)
			error("the directory manifest %s of '%s' is in neither the cache nor remote '%s'",
			      missing.v[i].id, missing.v[i].what, g->r->name);
		else
			warn("the directory manifest %s of '%s' is not in the cache: files only it names are "
			     "removed", missing.v[i].id, missing.v[i].what);
	if (missing.n && g->r) {
		error("not collecting: the files of a kept directory cannot be told from garbage");
		ret = -1;
	}
	objset_release(&missing);
	return ret;
}

static int collectable(struct gc *g, const char *id, int64_t mtime)
{
	return hash_id_valid(id) && !objset_find(&g->keep, id) && mtime < g->start;
}

static void removed(struct gc *g, const char *where, const char *id, uint64_t size)
{
	g->nremoved++;
	g->bytes += size;
	if (g->o->verbose)
		printf("%s %s from %s\n", g->o->dry ? "would remove" : "removed", id, where);
}

/* Removes unkept objects from one fan-out directory of the cache. */
static void sweep_fanout(struct gc *g, int cachefd, const char *fan)
{
	DIR *d = opendir_at(cachefd, fan, 0);
	struct dirent *de;
	char id[HASH_ID_MAX + 8];

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct stat st;
		if (strlen(de->d_name) > HASH_ID_MAX - 3)
			continue;
		snprintf(id, sizeof(id), "%.2s%.66s", fan, de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
		    !collectable(g, id, (int64_t)st.st_mtime))
			continue;
		if (!g->o->dry && unlinkat(dirfd(d), de->d_name, 0) < 0) {
			warn("cannot remove '%s/%s/%s':", g->ss->cache.dir, fan, de->d_name);
			if (!g->nfailed++)
				g->failed_errno = errno;
			continue;
		}
		removed(g, "the cache", id, (uint64_t)st.st_size);
	}
	closedir(d);
}

static void sweep_cache(struct gc *g)
{
	char fan[3];

	for (int i = 0; i < 256; i++) {
		snprintf(fan, sizeof(fan), "%02x", i);
		sweep_fanout(g, g->ss->cache.dirfd, fan);
	}
}

/* Drops run-cache entries that name objects gc removed (or would). */
static void sweep_runs(struct gc *g)
{
	struct strlist sigs = { 0 };
	struct objset objs = { 0 };
	struct selection all = { 0 };

	if (g->o->dry)
		return;
	all.all_tracked = 1;
	all.stages = xcalloc(g->ss->pipeline.n + 1, 1);
	memset(all.stages, 1, g->ss->pipeline.n);
	(void)collect_local_runs(g->ss, &all, 0, &sigs, &objs);
	free(all.stages);
	for (int i = 0; i < sigs.n; i++) {
		struct objset one = { 0 };
		char *stage;
		int usable = run_entry_objects(RUNS_DIR, sigs.items[i], &stage, &one) == 0;
		objset_sort(&one);
		objset_expand(&one, &g->ss->cache, NULL);
		for (size_t k = 0; usable && k < one.n; k++)
			usable = cache_has_object(&g->ss->cache, one.v[k].id);
		if (!usable) {
			char *path = runcache_path(RUNS_DIR, sigs.items[i]);
			if (unlink(path) < 0 && errno != ENOENT) {
				warn("cannot remove '%s':", path);
				if (!g->nfailed++)
					g->failed_errno = errno;
			}
			free(path);
		}
		free(stage);
		objset_release(&one);
	}
	objset_release(&objs);
	strlist_release(&sigs, 1);
}

/* Removes partial downloads nobody resumed for a day. */
static void sweep_partials(struct gc *g)
{
	char *dir = xasprintf("%s/pull", g->ss->cache.tmp);
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] != '.' && !fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
		    S_ISREG(st.st_mode) && st.st_mtime < g->start - PARTIAL_MAX_AGE && !g->o->dry)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	if (d)
		closedir(d);
	free(dir);
}

struct remote_sweep {
	struct gc *g;
	struct rop *ops;  /* DELETEs to make */
	size_t n, alloc;
};

static void on_remote_key(void *ctx, const struct rlist_entry *e)
{
	struct remote_sweep *rs = ctx;
	char id[HASH_ID_MAX];

	if (strlen(e->key) < 4 || e->key[2] != '/' || strlen(e->key) > HASH_ID_MAX + 1)
		return;
	snprintf(id, sizeof(id), "%.2s%s", e->key, e->key + 3);
	if (!collectable(rs->g, id, e->mtime))
		return;
	ARRAY_GROW(rs->ops, rs->alloc, rs->n + 1);
	memset(&rs->ops[rs->n], 0, sizeof(rs->ops[0]));
	rs->ops[rs->n].type = ROP_DELETE;
	rs->ops[rs->n].key = xstrdup(e->key);
	rs->ops[rs->n].size = e->size;
	rs->n++;
}

static int sweep_remote(struct gc *g)
{
	struct remote_sweep rs = { .g = g };
	struct rrun_opts ro = { .verb = "removing", .progress = g->o->progress };
	int ret = remote_list_all(g->r, "", on_remote_key, &rs, g->o->progress);
	size_t before = g->nremoved;

	if (!ret && !g->o->dry) {
		for (size_t i = 0; i < rs.n; i++)
			rs.ops[i].size = 0; /* DELETE sends nothing */
		ret = remote_run(g->r, rs.ops, rs.n, &ro);
	}
	for (size_t i = 0; i < rs.n; i++) {
		char id[HASH_ID_MAX];
		snprintf(id, sizeof(id), "%.2s%s", rs.ops[i].key, rs.ops[i].key + 3);
		if (g->o->dry || rs.ops[i].status == ROP_OK)
			removed(g, g->r->name, id, 0);
		free(rs.ops[i].key);
	}
	free(rs.ops);
	printf("%s %zu object%s from remote '%s'\n", g->o->dry ? "would remove" : "removed", g->nremoved - before,
	       g->nremoved - before == 1 ? "" : "s", g->r->name);
	return ret;
}

int gc_run(struct session *ss, const struct gc_opts *o)
{
	struct gc g = { .ss = ss, .o = o, .start = (int64_t)time(NULL) };
	int ret = 0;

	if (o->cloud) {
		g.r = remote_open(&ss->project->config, o->remote, REPRO_DIR "/tmp");
		if (!g.r)
			return -1;
		if (o->jobs > 0)
			g.r->jobs = o->jobs;
	}
	if (keep_workspace(&g) < 0 ||
	    (o->all_commits && gitrefs_collect(ss->pipeline.lock_file, &g.keep, &ss->cache) < 0)) {
		ret = -1;
		goto done;
	}
	objset_sort(&g.keep);
	if (expand_keep(&g) < 0) {
		ret = -1;
		goto done;
	}
	sweep_cache(&g);
	sweep_runs(&g);
	sweep_partials(&g);
	printf("%s %zu object%s (%.1f MB) from the cache\n", o->dry ? "would remove" : "removed", g.nremoved,
	       g.nremoved == 1 ? "" : "s", (double)g.bytes / 1e6);
	/* what could not be removed still takes the space gc was asked to free */
	if (g.nfailed) {
		errno = g.failed_errno;
		ret = error("cannot remove %zu file%s of the cache:", g.nfailed, g.nfailed == 1 ? "" : "s");
	}
	if (g.r && sweep_remote(&g) < 0)
		ret = -1;
done:
	objset_release(&g.keep);
	remote_close(g.r);
	return ret;
}
