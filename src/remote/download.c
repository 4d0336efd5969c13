/*
 * sync_fetch() and the run --pull hook: objects come down into
 * .repro/tmp/pull/<ab>/<id> (a name that lets an interrupted download resume),
 * are verified by the transfer engine as they arrive, and enter the cache
 * in durable batches, so an interrupted fetch keeps what it finished.
 * Directory manifests come first: their files are only known once they
 * are here.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/addfile.h"
#include "core/cache.h"
#include "core/evaluate.h"
#include "core/runcache.h"
#include "core/tree.h"
#include "core/stageops.h"
#include "remote/refs.h"
#include "remote/sync.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/options.h"
#include "util/progress.h"
#include "util/xalloc.h"

#define PULL_SUBDIR "pull"
#define MAX_LISTED 10          /* missing objects named one by one */
/* Downloads become objects in batches this big: each batch costs two
 * syncfs() calls, and an interrupted fetch loses nothing by batching,
 * since finished downloads stay in .repro/tmp/pull and are only re-hashed. */
#define COMMIT_EVERY 100000
#define COMMIT_BYTES ((uint64_t)4 << 30)
#define RUN_ENTRY_MAX (16u << 20)
/* Objects from this size get a copy for the checkout written as they
 * arrive (sync_opts.copies); smaller ones are cheap to copy afterwards. */
#define COPY_MIN ((uint64_t)1 << 20)

struct fetcher {
	struct session *ss;
	struct remote *r;
	struct progress *pg;       /* may be NULL */
	int verbose;
	int copies;                /* see sync_opts */
	int quiet_missing;         /* objects absent from the remote are no error */
	const struct objset *want; /* what is being fetched (for messages) */
	struct cache_batch *batch; /* downloads waiting to become objects */
	size_t inbatch;
	uint64_t batch_bytes;
	size_t nfetched, nmissing, nfailed;
	uint64_t bytes;
	int commit_failed;
};

/* ".repro/tmp/pull/<first two characters>/<name>": spread, since threads
 * creating thousands of files in one directory queue on its lock. */
static char *pull_path(struct fetcher *f, const char *name)
{
	return xasprintf("%s/" PULL_SUBDIR "/%.2s/%s", f->r->tmpdir, name, name);
}

/* The object id of a remote key "ab/cdef...". */
static void key_to_id(const char *key, char id[HASH_ID_MAX])
{
	snprintf(id, HASH_ID_MAX, "%.2s%s", key, key + 3);
}

static void commit_batch(struct fetcher *f)
{
	if (f->batch && cache_batch_commit(f->batch) < 0)
		f->commit_failed = 1;
	f->batch = NULL;
	f->inbatch = 0;
	f->batch_bytes = 0;
}

/*
 * A manifest from a remote hashes to its name, but whoever wrote it may
 * have listed "../../x" or "/etc/passwd": it is parsed (tree_parse refuses
 * anything hostile) before it may enter the cache, and deleted otherwise.
 * 0, or -1 reported.
 */
static int check_manifest(struct fetcher *f, const struct rop *op, const char *id)
{
	struct strbuf buf = STRBUF_INIT, name = STRBUF_INIT;
	struct tree t = TREE_INIT;
	int ret;

	/* tree_parse quotes the name: "corrupt manifest 'ID' from remote 'R': ..." */
	strbuf_addf(&name, "%s' from remote '%s", id, f->r->name);
	if (strbuf_read_file(&buf, op->local, TREE_MAX_BYTES) < 0)
		ret = error("cannot read '%s':", op->local);
	else
		ret = tree_parse(buf.buf, buf.len, name.buf, &t);
	if (ret < 0)
		unlink(op->local);
	tree_release(&t);
	strbuf_release(&buf);
	strbuf_release(&name);
	return ret;
}

static void get_done(void *ctx, struct rop *op)
{
	struct fetcher *f = ctx;
	char id[HASH_ID_MAX];
	struct stat st;

	key_to_id(op->key, id);
	if (op->status == ROP_OK && hash_id_is_dir(id) && check_manifest(f, op, id) < 0) {
		f->nfailed++;
		return;
	}
	if (op->status == ROP_OK) {
		/* verified by the engine: the content hashes to id */
		if (chmod(op->local, 0444) < 0 || (!op->size && stat(op->local, &st) < 0)) {
			error("cannot make '%s' read-only:", op->local);
			f->nfailed++;
			if (op->twin_ok)
				unlink(op->twin);
			return;
		}
		if (op->twin_ok)
			cache_offer_copy(&f->ss->cache, id, op->twin);
		if (!f->batch)
			f->batch = cache_batch_begin(&f->ss->cache);
		cache_batch_add(f->batch, op->local, id);
		uint64_t size = op->size ? op->size : (uint64_t)st.st_size;
		f->nfetched++;
		f->bytes += size;
		f->batch_bytes += size;
		if (++f->inbatch >= COMMIT_EVERY || f->batch_bytes >= COMMIT_BYTES)
			commit_batch(f);
	} else if (op->status == ROP_MISSING && !f->quiet_missing) {
		const struct objref *o = f->want ? objset_find(f->want, id) : NULL;
		if (f->nmissing < MAX_LISTED)
			error("object %s%s%s%s is not on remote '%s' (%s): push it from where it was built",
			      id, o && *o->what ? " ('" : "", o ? o->what : "", o && *o->what ? "')" : "",
			      f->r->name, f->r->display);
		f->nmissing++;
	} else if (op->status == ROP_MISSING) {
		/* not an error here */
	} else {
		f->nfailed++;
	}
}

/* Downloads every object of want that the cache lacks. */
static int get_objects(struct fetcher *f, const struct objset *want)
{
	struct rop *ops = xcalloc(want->n + 1, sizeof(*ops));
	struct rrun_opts ro = { .verb = "fetching", .progress = f->pg, .on_done = get_done, .ctx = f,
				.verbose = f->verbose };
	struct strbuf sb = STRBUF_INIT;
	size_t n = 0;
	int ret;

	for (size_t i = 0; i < want->n; i++) {
		const struct objref *o = &want->v[i];
		if (cache_has_object(&f->ss->cache, o->id))
			continue;
		strbuf_reset(&sb);
		remote_object_key(o->id, &sb);
		ops[n].type = ROP_GET;
		ops[n].key = xstrdup(sb.buf);
		snprintf(ops[n].sha256, sizeof(ops[n].sha256), "%.64s", o->id);
		ops[n].local = pull_path(f, o->id);
		ops[n].size = o->size;
		if (f->copies && o->size >= COPY_MIN && !hash_id_is_dir(o->id))
			ops[n].twin = xasprintf("%s.copy", ops[n].local);
		n++;
	}
	f->want = want;
	ret = remote_run(f->r, ops, n, &ro);
	commit_batch(f);
	f->want = NULL;
	for (size_t i = 0; i < n; i++) {
		free(ops[i].key);
		free(ops[i].local);
		free(ops[i].twin);
	}
	free(ops);
	strbuf_release(&sb);
	return ret < 0 || f->commit_failed ? -1 : 0;
}

/* Fetches roots: their missing manifests, then every file they need. */
static int fetch_objects(struct fetcher *f, struct objset *roots)
{
	struct objset dirs = { 0 }, files = { 0 };
	int ret = 0;

	for (size_t i = 0; i < roots->n; i++)
		if (hash_id_is_dir(roots->v[i].id) && !cache_has_object(&f->ss->cache, roots->v[i].id))
			objset_add(&dirs, roots->v[i].id, 0, roots->v[i].what);
	if (dirs.n && get_objects(f, &dirs) < 0)
		ret = -1;
	if (objset_expand(roots, &f->ss->cache, NULL) < 0)
		ret = -1;
	for (size_t i = 0; i < roots->n; i++)
		if (!hash_id_is_dir(roots->v[i].id))
			objset_add(&files, roots->v[i].id, roots->v[i].size, roots->v[i].what);
	objset_sort(&files);
	if (get_objects(f, &files) < 0)
		ret = -1;
	objset_release(&dirs);
	objset_release(&files);
	return ret;
}

/* Moves a downloaded run-cache entry into .repro/runs after checking it. */
static int install_run(const char *tmp, const char *sig)
{
	char *path = runcache_path(RUNS_DIR, sig);
	struct lock_entry *outs;
	struct stat st;
	size_t n;
	int ret = -1;

	if (stat(tmp, &st) < 0 || st.st_size > RUN_ENTRY_MAX) {
		unlink(tmp);
		free(path);
		return error("run-cache entry '%s' from the remote is too large; ignored", sig);
	}
	if (mkdir_parent(path) < 0 || chmod(tmp, 0444) < 0 || rename(tmp, path) < 0) {
		error("cannot install run-cache entry '%s':", path);
		unlink(tmp);
	} else if (runcache_load(RUNS_DIR, sig, &outs, &n) == 1) {
		lock_entries_free(outs, n);
		ret = 0;
	} else {
		unlink(path);
	}
	free(path);
	return ret;
}

static int is_sig_key(const char *key)
{
	return strlen(key) == 5 + HASH_HEX_LEN + 1 && !strncmp(key, "runs/", 5) && key[7] == '/';
}

struct run_keys {
	struct strlist sigs; /* signatures found on the remote */
};

static void on_run_key(void *ctx, const struct rlist_entry *e)
{
	struct run_keys *k = ctx;
	char sig[HASH_HEX_LEN + 2];

	if (!is_sig_key(e->key))
		return;
	snprintf(sig, sizeof(sig), "%.2s%s", e->key + 5, e->key + 8);
	if (hash_id_valid(sig) && !hash_id_is_dir(sig))
		strlist_push(&k->sigs, xstrdup(sig));
}

/* Downloads the given run-cache entries (those not here yet). */
static int get_runs(struct fetcher *f, char **sigs, size_t n, int *found)
{
	struct rop *ops = xcalloc(n + 1, sizeof(*ops));
	struct rrun_opts ro = { .verb = "fetching runs", .progress = f->pg };
	struct strbuf sb = STRBUF_INIT;
	size_t m = 0;
	int ret;

	for (size_t i = 0; i < n; i++) {
		char *have = runcache_path(RUNS_DIR, sigs[i]);
		int here = path_exists(have);
		free(have);
		if (here)
			continue;
		strbuf_reset(&sb);
		remote_run_key(sigs[i], &sb);
		ops[m].type = ROP_GET;
		ops[m].key = xstrdup(sb.buf);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "run-%s", sigs[i]);
		ops[m].local = pull_path(f, sb.buf);
		m++;
	}
	ret = remote_run(f->r, ops, m, &ro);
	for (size_t i = 0; i < m; i++) {
		if (ops[i].status == ROP_OK) {
			char sig[HASH_HEX_LEN + 2];
			snprintf(sig, sizeof(sig), "%.2s%s", ops[i].key + 5, ops[i].key + 8);
			if (install_run(ops[i].local, sig) < 0)
				ret = -1;
			else if (found)
				(*found)++;
		}
		free(ops[i].key);
		free(ops[i].local);
	}
	free(ops);
	strbuf_release(&sb);
	return ret;
}

/* Brings the remote's run-cache entries here, then adds the selected
 * ones' objects to roots. */
static int fetch_runs(struct fetcher *f, const struct selection *sel, struct objset *roots)
{
	struct run_keys k = { 0 };
	struct strlist local = { 0 };
	int ret = remote_list_all(f->r, "runs/", on_run_key, &k, f->pg);

	if (!ret)
		ret = get_runs(f, k.sigs.items, (size_t)k.sigs.n, NULL);
	if (collect_local_runs(f->ss, sel, 0, &local, roots) < 0)
		ret = -1;
	strlist_release(&k.sigs, 1);
	strlist_release(&local, 1);
	return ret;
}

static void fetch_summary(struct fetcher *f)
{
	if (!f->nfetched && !f->nmissing && !f->nfailed) {
		printf("everything is already in the cache\n");
		return;
	}
	if (f->bytes >= 10000000)
		printf("fetched %zu object%s (%.1f MB) from remote '%s'", f->nfetched, f->nfetched == 1 ? "" : "s",
		       (double)f->bytes / 1e6, f->r->name);
	else
		printf("fetched %zu object%s (%" PRIu64 " bytes) from remote '%s'", f->nfetched,
		       f->nfetched == 1 ? "" : "s", f->bytes, f->r->name);
	if (f->nmissing || f->nfailed)
		printf("; %zu missing, %zu failed", f->nmissing, f->nfailed);
	printf("\n");
}

int sync_fetch(struct session *ss, struct remote *r, const struct sync_opts *o)
{
	struct fetcher f = { .ss = ss, .r = r, .pg = o->progress, .verbose = o->verbose, .copies = o->copies };
	struct selection sel;
	struct objset roots = { 0 }, runobjs = { 0 };
	int ret = 0;

	if (selection_init(&sel, ss, o->targets, o->ntargets) < 0) {
		selection_release(&sel);
		return -1;
	}
	if (collect_roots(ss, &sel, &roots) < 0)
		ret = -1;
	if (o->run_cache && fetch_runs(&f, &sel, &runobjs) < 0)
		ret = -1;
	if (fetch_objects(&f, &roots) < 0)
		ret = -1;
	/* a run-cache entry whose objects the remote lacks is merely unusable */
	f.quiet_missing = 1;
	fetch_objects(&f, &runobjs);
	objset_release(&runobjs);
	if (f.nmissing > MAX_LISTED)
		error("... and %zu more objects missing from remote '%s'", f.nmissing - MAX_LISTED, r->name);
	fetch_summary(&f);
	if (f.nmissing || f.nfailed)
		ret = -1;
	objset_release(&roots);
	selection_release(&sel);
	return ret;
}

/* With the lock matching the stage's inputs, its locked outs are a run of
 * this signature: fetch them and record that run locally. */
static int pull_locked(struct fetcher *f, const struct stage_eval *ev)
{
	const struct stage *s = ev->stage;
	const struct lock_stage *l = ev->locked;
	struct objset roots = { 0 };
	struct cache copy_only = f->ss->cache;

	for (size_t i = 0; i < l->nouts; i++)
		objset_add(&roots, l->outs[i].hi.id, l->outs[i].hi.isdir ? 0 : l->outs[i].hi.size, l->outs[i].path);
	objset_sort(&roots);
	f->quiet_missing = 1;
	fetch_objects(f, &roots);
	objset_release(&roots);
	copy_only.links[0] = LINK_COPY;
	copy_only.nlinks = 1;
	for (size_t i = 0; i < s->nouts && i < ev->cur.nouts; i++) {
		const struct lock_entry *e = lock_entry_find(l->outs, l->nouts, s->outs[i].decl);
		struct hashinfo hi;
		if (!e)
			return 0;
		if (cache_contains(&f->ss->cache, e->hi.id) == 1)
			continue;
		/* not on the remote (cache: false outs are not pushed), but the
		 * workspace holds exactly the locked content: keep it */
		if (strcmp(ev->cur.outs[i].hi.id, e->hi.id) ||
		    cache_store_path(&copy_only, &f->ss->hasher, s->outs[i].path, &hi) != 0 ||
		    strcmp(hi.id, e->hi.id))
			return 0;
	}
	if (runcache_save(RUNS_DIR, ev->signature, s->name, l->outs, l->nouts) < 0)
		return error("cannot record stage '%s' in the run cache:", s->name);
	return 1;
}

int sync_pull_stage(struct session *ss, const struct stage_eval *ev)
{
	struct remote *r = remote_open(&ss->project->config, NULL, REPRO_DIR "/tmp");
	struct fetcher f = { .ss = ss, .r = r };
	char *local;
	int ret = 0, here;

	if (!r)
		return -1;
	local = runcache_path(RUNS_DIR, ev->signature);
	here = path_exists(local);
	if (!here) {
		char *sig = (char *)ev->signature;
		int found = 0;
		get_runs(&f, &sig, 1, &found);
		here = found;
	}
	if (here) {
		struct objset roots = { 0 };
		char *stage;
		if (run_entry_objects(RUNS_DIR, ev->signature, &stage, &roots) == 0) {
			objset_sort(&roots);
			ret = fetch_objects(&f, &roots) == 0;
		}
		free(stage);
		objset_release(&roots);
	}
	if (!ret && ev->locked && !ev->needs_run)
		ret = pull_locked(&f, ev);
	free(local);
	remote_close(r);
	return ret;
}

int sync_pull_missing_tracked(struct session *ss)
{
	struct addfile *af;
	size_t n;
	struct objset roots = { 0 };
	struct remote *r;
	int ret = addfile_find_all(&af, &n);

	for (size_t i = 0; i < n; i++)
		if (!path_exists(af[i].path))
			objset_add(&roots, af[i].entry.hi.id, af[i].entry.hi.isdir ? 0 : af[i].entry.hi.size, af[i].path);
	if (!roots.n) {
		addfile_free_all(af, n);
		return ret;
	}
	objset_sort(&roots);
	r = remote_open(&ss->project->config, NULL, REPRO_DIR "/tmp");
	if (r) {
		struct fetcher f = { .ss = ss, .r = r };
		if (fetch_objects(&f, &roots) < 0)
			ret = -1;
		for (size_t i = 0; i < n; i++) {
			if (path_exists(af[i].path) || cache_contains(&ss->cache, af[i].entry.hi.id) != 1)
				continue;
			if (cache_checkout(&ss->cache, &ss->hasher, af[i].entry.hi.id, af[i].path, NULL) < 0)
				ret = -1;
			else
				printf("pulled '%s' from remote '%s'\n", af[i].path, r->name);
		}
		remote_close(r);
	} else {
		ret = -1;
	}
	objset_release(&roots);
	addfile_free_all(af, n);
	return ret;
}
