/*
 * sync_push(): files, then directory manifests, then run-cache entries,
 * each only when the remote lacks it (see sync.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cache.h"
#include "core/runcache.h"
#include "core/stageops.h"
#include "core/tree.h"
#include "remote/refs.h"
#include "remote/sync.h"
#include "util/error.h"
#include "util/options.h"
#include "util/progress.h"
#include "util/xalloc.h"

#define MAX_LISTED 10 /* missing objects named one by one */

struct pusher {
	struct session *ss;
	struct remote *r;
	const struct sync_opts *o;
	struct objset objs;      /* every object to be on the remote, sorted */
	struct objset roots;     /* those of outs and tracked files (expanded): must be here */
	unsigned char *on_remote;/* per objs entry: there (already or now) */
	unsigned char *local;    /* per objs entry: in the local cache */
	struct strlist sigs;     /* run-cache entries to push */
	size_t nsent, nfailed, nmissing;
	size_t nalready;         /* objects the remote had before we started */
	uint64_t bytes;
};

static void summarize_size(struct strbuf *sb, uint64_t b)
{
	if (b >= 10000000)
		strbuf_addf(sb, "%.1f MB", (double)b / 1e6);
	else if (b >= 10000)
		strbuf_addf(sb, "%.1f kB", (double)b / 1e3);
	else
		strbuf_addf(sb, "%" PRIu64 " bytes", b);
}

/* Checks which objects the cache has; reports the ones that neither it nor
 * the remote has (a clone that never fetched an object can still push). */
static void check_local(struct pusher *p, const struct objset *missing_manifests)
{
	for (size_t i = 0; i < missing_manifests->n; i++) {
		const struct objref *o = objset_find(&p->objs, missing_manifests->v[i].id);
		if (o && p->on_remote[o - p->objs.v])
			continue;
		if (p->nmissing++ < MAX_LISTED)
			error("cannot push '%s': its directory manifest %s is missing from the cache",
			      missing_manifests->v[i].what, missing_manifests->v[i].id);
	}
	for (size_t i = 0; i < p->objs.n; i++) {
		p->local[i] = cache_has_object(&p->ss->cache, p->objs.v[i].id);
		/* a run-cache entry with objects not here is just not pushed */
		if (p->local[i] || p->on_remote[i] || !objset_find(&p->roots, p->objs.v[i].id) ||
		    objset_find(missing_manifests, p->objs.v[i].id))
			continue;
		if (p->nmissing++ < MAX_LISTED)
			error("cannot push '%s': object %s is missing from the cache (run 'repro fetch' or "
			      "rebuild it)", p->objs.v[i].what, p->objs.v[i].id);
	}
}

/* Finds what the remote has, by one batched existence check. */
static int check_remote(struct pusher *p)
{
	char **keys = xcalloc(p->objs.n + 1, sizeof(char *));
	struct strbuf sb = STRBUF_INIT;
	int ret;

	for (size_t i = 0; i < p->objs.n; i++) {
		strbuf_reset(&sb);
		remote_object_key(p->objs.v[i].id, &sb);
		keys[i] = xstrdup(sb.buf);
	}
	ret = remote_exists(p->r, keys, p->objs.n, p->on_remote, p->o->progress);
	for (size_t i = 0; i < p->objs.n; i++)
		free(keys[i]);
	free(keys);
	strbuf_release(&sb);
	return ret;
}

/* 1 when every file the manifest lists is on the remote. */
static int manifest_complete(struct pusher *p, const char *id)
{
	struct tree t = TREE_INIT;
	int ok = 1;

	if (cache_read_tree(&p->ss->cache, id, &t) < 0)
		return 0;
	for (size_t i = 0; i < t.n && ok; i++) {
		const struct objref *f = objset_find(&p->objs, t.entries[i].hex);
		ok = f && p->on_remote[f - p->objs.v];
	}
	tree_release(&t);
	return ok;
}

struct put_batch {
	struct rop *ops;
	size_t *idx;   /* ops[k] uploads objs.v[idx[k]] */
	size_t n;
};

static void put_done(void *ctx, struct rop *op)
{
	struct pusher *p = ctx;

	if (op->status == ROP_OK) {
		p->nsent++;
		p->bytes += op->size;
	} else {
		p->nfailed++;
	}
}

/* Uploads the objects (manifests when dirs is set, else files) the remote lacks. */
static int push_pass(struct pusher *p, int dirs)
{
	struct put_batch b = { 0 };
	struct rrun_opts ro = { .verb = "pushing", .progress = p->o->progress, .on_done = put_done, .ctx = p,
				.verbose = p->o->verbose };
	struct strbuf sb = STRBUF_INIT;
	int ret;

	b.ops = xcalloc(p->objs.n + 1, sizeof(*b.ops));
	b.idx = xcalloc(p->objs.n + 1, sizeof(*b.idx));
	for (size_t i = 0; i < p->objs.n; i++) {
		const struct objref *o = &p->objs.v[i];
		if (p->on_remote[i] || !p->local[i] || hash_id_is_dir(o->id) != dirs)
			continue;
		if (dirs && !manifest_complete(p, o->id))
			continue;
		struct rop *op = &b.ops[b.n];
		strbuf_reset(&sb);
		remote_object_key(o->id, &sb);
		op->type = ROP_PUT;
		op->key = xstrdup(sb.buf);
		snprintf(op->sha256, sizeof(op->sha256), "%.64s", o->id);
		strbuf_reset(&sb);
		cache_object_path(&p->ss->cache, o->id, &sb);
		op->local = xstrdup(sb.buf);
		op->size = o->size;
		b.idx[b.n++] = i;
	}
	ret = remote_run(p->r, b.ops, b.n, &ro);
	for (size_t k = 0; k < b.n; k++) {
		if (b.ops[k].status == ROP_OK)
			p->on_remote[b.idx[k]] = 1;
		free(b.ops[k].key);
		free(b.ops[k].local);
	}
	free(b.ops);
	free(b.idx);
	strbuf_release(&sb);
	return ret;
}

/* 1 when every object of run entry sig is on the remote. */
static int run_complete(struct pusher *p, const char *sig)
{
	struct objset one = { 0 };
	char *stage;
	int ok = run_entry_objects(RUNS_DIR, sig, &stage, &one) == 0;

	for (size_t i = 0; ok && i < one.n; i++) {
		const struct objref *f = objset_find(&p->objs, one.v[i].id);
		ok = f && p->on_remote[f - p->objs.v];
	}
	free(stage);
	objset_release(&one);
	return ok;
}

/* Uploads the run-cache entries whose objects all reached the remote. */
static int push_runs(struct pusher *p)
{
	size_t n = (size_t)p->sigs.n, m = 0;
	char **keys = xcalloc(n + 1, sizeof(char *));
	unsigned char *there = xcalloc(n + 1, 1);
	struct rop *ops = xcalloc(n + 1, sizeof(*ops));
	struct rrun_opts ro = { .verb = "pushing runs", .progress = p->o->progress, .on_done = put_done,
				.ctx = p, .verbose = p->o->verbose };
	struct strbuf sb = STRBUF_INIT;
	int ret;

	for (size_t i = 0; i < n; i++) {
		strbuf_reset(&sb);
		remote_run_key(p->sigs.items[i], &sb);
		keys[i] = xstrdup(sb.buf);
	}
	ret = remote_exists(p->r, keys, n, there, p->o->progress);
	for (size_t i = 0; !ret && i < n; i++) {
		char hex[HASH_HEX_LEN + 1];
		if (there[i] || !run_complete(p, p->sigs.items[i]))
			continue;
		char *path = runcache_path(RUNS_DIR, p->sigs.items[i]);
		if (hash_file(path, hex, NULL) < 0) {
			error("cannot read '%s':", path);
			free(path);
			p->nfailed++;
			continue;
		}
		ops[m].type = ROP_PUT;
		ops[m].key = keys[i];
		ops[m].local = path;
		memcpy(ops[m].sha256, hex, sizeof(hex));
		m++;
	}
	if (!ret)
		ret = remote_run(p->r, ops, m, &ro);
	for (size_t i = 0; i < m; i++)
		free(ops[i].local);
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	free(there);
	free(ops);
	strbuf_release(&sb);
	return ret;
}

static void push_summary(struct pusher *p)
{
	struct strbuf sb = STRBUF_INIT;

	if (!p->nsent && !p->nfailed && !p->nmissing) {
		printf("everything is up to date on remote '%s'\n", p->r->name);
		return;
	}
	strbuf_addf(&sb, "pushed %zu object%s (", p->nsent, p->nsent == 1 ? "" : "s");
	summarize_size(&sb, p->bytes);
	strbuf_addf(&sb, ") to remote '%s'", p->r->name);
	if (p->nalready)
		strbuf_addf(&sb, "; %zu already there", p->nalready);
	if (p->nfailed || p->nmissing)
		strbuf_addf(&sb, "; %zu failed", p->nfailed + p->nmissing);
	printf("%s\n", sb.buf);
	strbuf_release(&sb);
}

int sync_push(struct session *ss, struct remote *r, const struct sync_opts *o)
{
	struct pusher p = { .ss = ss, .r = r, .o = o };
	struct selection sel;
	struct objset mm = { 0 }, runobjs = { 0 };
	int ret = 0;

	if (selection_init(&sel, ss, o->targets, o->ntargets) < 0) {
		selection_release(&sel);
		return -1;
	}
	if (collect_roots(ss, &sel, &p.roots) < 0 || objset_expand(&p.roots, &ss->cache, &mm) < 0)
		ret = -1;
	if (o->run_cache && (collect_local_runs(ss, &sel, 1, &p.sigs, &runobjs) < 0 ||
			     objset_expand(&runobjs, &ss->cache, NULL) < 0))
		ret = -1;
	for (size_t i = 0; i < p.roots.n; i++)
		objset_add(&p.objs, p.roots.v[i].id, p.roots.v[i].size, p.roots.v[i].what);
	for (size_t i = 0; i < runobjs.n; i++)
		objset_add(&p.objs, runobjs.v[i].id, runobjs.v[i].size, runobjs.v[i].what);
	objset_sort(&p.objs);
	p.on_remote = xcalloc(p.objs.n + 1, 1);
	p.local = xcalloc(p.objs.n + 1, 1);
	if (check_remote(&p) < 0) {
		ret = -1;
		goto done;
	}
	check_local(&p, &mm);
	for (size_t i = 0; i < p.objs.n; i++)
		p.nalready += p.on_remote[i];
	if (push_pass(&p, 0) < 0)
		ret = -1;
	if (push_pass(&p, 1) < 0)
		ret = -1;
	if (p.sigs.n && push_runs(&p) < 0)
		ret = -1;
	if (p.nmissing > MAX_LISTED)
		error("... and %zu more objects missing from the cache", p.nmissing - MAX_LISTED);
	push_summary(&p);
	if (p.nmissing || p.nfailed)
		ret = -1;
done:
	free(p.on_remote);
	free(p.local);
	objset_release(&p.objs);
	objset_release(&p.roots);
	objset_release(&runobjs);
	objset_release(&mm);
	strlist_release(&p.sigs, 1);
	selection_release(&sel);
	return ret;
}
