/*
 * Reading the metrics files of a revision: which files (the pipeline at
 * that revision), and each file's content from the workspace, the commit's
 * tree, or the lock and the cache. See metrics.h for the memo that makes
 * a thousand commits cheap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cache.h"
#include "core/metrics_internal.h"
#include "core/project.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define FILE_CAP (64u << 20) /* largest metrics or params file read */

void metrics_ctx_init(struct metrics_ctx *c, struct grepo *repo, const char *stages_file)
{
	memset(c, 0, sizeof(*c));
	c->repo = repo;
	c->stages_file = stages_file;
	c->memo = xcalloc(1, sizeof(*c->memo));
}

static void free_file(void *v)
{
	struct memo_file *f = v;

	metric_list_release(&f->list);
	free(f);
}

static void free_lock(void *v)
{
	struct memo_lock *l = v;

	lock_release(&l->lock);
	free(l);
}

static void pipe_release(struct memo_pipeline *e)
{
	grev_readlog_release(&e->log);
	if (!e->failed)
		pipeline_release(&e->p);
}

void metrics_ctx_release(struct metrics_ctx *c)
{
	struct metrics_memo *m = c->memo;

	for (size_t i = 0; i < m->npipes; i++) {
		pipe_release(m->pipes[i]);
		free(m->pipes[i]);
	}
	free(m->pipes);
	if (m->ws_loaded)
		pipe_release(&m->ws);
	mmap_release(&m->files, free_file);
	mmap_release(&m->locks, free_lock);
	for (size_t i = 0; i < m->nown; i++)
		free_file(m->own[i]);
	free(m->own);
	free(m);
	if (c->cache) {
		cache_release(c->cache);
		free(c->cache);
	}
	memset(c, 0, sizeof(*c));
}

void metrics_snapshot_release(struct metrics_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->files[i].path);
	free(s->files);
	free(s->rev);
	memset(s, 0, sizeof(*s));
}

/* ---- the pipeline at a revision ---- */

/* True when every file e's loading read has the same blob at rev. */
static int pipe_matches(const struct memo_pipeline *e, struct grev *rev, int stages_missing,
			const struct gobj_id *stages_id)
{
	const struct grev_read *first = &e->log.v[0];

	if (first->missing != stages_missing || (!stages_missing && !gobj_id_equal(&first->id, stages_id)))
		return 0;
	for (size_t i = 1; i < e->log.n; i++) {
		struct gobj_id id;
		int r = grev_blob_id(rev, e->log.v[i].path, &id);
		if (r < 0 || (r == 1) != e->log.v[i].missing || (r == 0 && !gobj_id_equal(&id, &e->log.v[i].id)))
			return 0;
	}
	return 1;
}

static const struct pipeline *ws_pipeline(struct metrics_ctx *c)
{
	struct metrics_memo *m = c->memo;

	if (!m->ws_loaded) {
		m->ws_loaded = 1;
		m->ws.failed = pipeline_load(&m->ws.p, c->stages_file, &workspace_source, 1) < 0;
	}
	return m->ws.failed ? NULL : &m->ws.p;
}

const struct pipeline *metrics_pipeline(struct metrics_ctx *c, struct grev *rev)
{
	struct metrics_memo *m = c->memo;
	struct gobj_id sid;

	if (!rev)
		return ws_pipeline(c);
	int r = grev_blob_id(rev, c->stages_file, &sid);
	if (r < 0)
		return NULL;
	for (size_t i = m->npipes; i-- > 0;) /* the latest parse is the likeliest match */
		if (m->pipes[i]->log.n && pipe_matches(m->pipes[i], rev, r == 1, &sid))
			return m->pipes[i]->failed ? NULL : &m->pipes[i]->p;
	struct memo_pipeline *e = xcalloc(1, sizeof(*e));
	struct file_source src = grev_source(rev);
	rev->log = &e->log;
	e->failed = pipeline_load(&e->p, c->stages_file, &src, 1) < 0;
	rev->log = NULL;
	if (e->failed)
		warn("the stages file at revision '%s' does not load; its metrics and params are left out", rev->name);
	if (!e->log.n) {
		/* nothing read (an error before reading): never reusable */
		pipe_release(e);
		free(e);
		return NULL;
	}
	ARRAY_GROW(m->pipes, m->apipes, m->npipes + 1);
	m->pipes[m->npipes++] = e;
	return e->failed ? NULL : &e->p;
}

/* ---- which files ---- */

static void spec_add(struct metrics_spec **v, size_t *n, size_t *alloc, const char *path, const char *stage,
		     const char *decl, int cached)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].path, path))
			return;
	ARRAY_GROW(*v, *alloc, *n + 1);
	struct metrics_spec *s = &(*v)[(*n)++];
	s->path = xstrdup(path);
	s->stage = stage ? xstrdup(stage) : NULL;
	s->decl = decl ? xstrdup(decl) : NULL;
	s->cached = cached;
}

void metrics_specs(const struct metrics_ctx *c, const struct pipeline *p, struct metrics_spec **out, size_t *n)
{
	struct metrics_spec *all = NULL;
	size_t nall = 0, aall = 0, aout = 0;

	for (size_t i = 0; p && i < p->n; i++)
		for (size_t k = 0; k < p->stages[i].nouts; k++) {
			const struct stage_out *o = &p->stages[i].outs[k];
			if (o->kind == OUT_METRIC)
				spec_add(&all, &nall, &aall, o->path, p->stages[i].name, o->decl, o->cache);
		}
	for (size_t i = 0; p && i < p->nmetrics; i++)
		spec_add(&all, &nall, &aall, p->metrics[i], NULL, NULL, 0);
	if (!c->ntargets) {
		*out = all;
		*n = nall;
		return;
	}
	/* targets: the declared files below each, or the target itself read as a metrics file */
	*out = NULL;
	*n = 0;
	for (size_t t = 0; t < c->ntargets; t++) {
		int matched = 0;
		for (size_t i = 0; i < nall; i++)
			if (path_is_inside(all[i].path, c->targets[t])) {
				spec_add(out, n, &aout, all[i].path, all[i].stage, all[i].decl, all[i].cached);
				matched = 1;
			}
		if (!matched)
			spec_add(out, n, &aout, c->targets[t], NULL, NULL, 0);
	}
	metrics_specs_free(all, nall);
}

void metrics_specs_free(struct metrics_spec *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].path);
		free(v[i].stage);
		free(v[i].decl);
	}
	free(v);
}

/* ---- parsed files, locks ---- */

struct memo_file *memo_parse(struct metrics_ctx *c, const char *key, const char *path,
			     const struct strbuf *content, int keep_all)
{
	struct metrics_memo *m = c->memo;
	struct memo_file *f = key ? mmap_get(&m->files, key) : NULL;

	if (f)
		return f;
	f = xcalloc(1, sizeof(*f));
	f->status = metrics_parse(path, content->buf, content->len, keep_all, &f->list) < 0 ? MFILE_BROKEN : MFILE_OK;
	if (key) {
		mmap_put(&m->files, key, f);
	} else {
		ARRAY_GROW(m->own, m->aown, m->nown + 1);
		m->own[m->nown++] = f;
	}
	return f;
}

/* A memo entry that records only a status (missing object, unreadable). */
static struct memo_file *memo_status(struct metrics_ctx *c, const char *key, enum mfile_status st)
{
	struct memo_file *f = xcalloc(1, sizeof(*f));

	f->status = st;
	mmap_put(&c->memo->files, key, f);
	return f;
}

const struct lock *memo_lock_at(struct metrics_ctx *c, struct grev *rev, const struct pipeline *p)
{
	static const struct lock empty;
	struct gobj_id id;
	char hex[2 * GREV_RAWSZ + 1];

	int r = grev_blob_id(rev, p->lock_file, &id);
	if (r == 1)
		return &empty;
	if (r < 0)
		return NULL;
	gobj_id_hex(&id, hex);
	struct memo_lock *l = mmap_get(&c->memo->locks, hex);
	if (!l) {
		struct file_source src = grev_source(rev);
		l = xcalloc(1, sizeof(*l));
		l->failed = lock_read(&l->lock, p->lock_file, &src) < 0;
		if (l->failed)
			warn("the lock at revision '%s' is damaged; its cached metrics are left out", rev->name);
		mmap_put(&c->memo->locks, hex, l);
	}
	return l->failed ? NULL : &l->lock;
}

/* ---- one file ---- */

/* The name errors show for a file at a commit: "REV:path", as git writes it. */
static char *display_name(struct grev *rev, const char *path)
{
	return rev ? xasprintf("%s:%s", rev->name, path) : xstrdup(path);
}

static int is_json(const char *path)
{
	size_t n = strlen(path);
	return n >= 5 && !strcmp(path + n - 5, ".json");
}

static struct cache *open_cache(struct metrics_ctx *c)
{
	if (c->cache || c->memo->cache_failed)
		return c->cache;
	c->cache = xcalloc(1, sizeof(*c->cache));
	if (cache_init(c->cache, REPRO_DIR "/cache", REPRO_DIR "/tmp", NULL) < 0) {
		free(c->cache);
		c->cache = NULL;
		c->memo->cache_failed = 1;
	}
	return c->cache;
}

/* A cached out's content at a commit: object `id` from the cache. */
static const struct memo_file *read_object(struct metrics_ctx *c, struct grev *rev, const char *path,
					   const char *id, int keep_all)
{
	char *key = xasprintf("c%c%c:%s", is_json(path) ? 'j' : 'y', keep_all ? 'p' : 'm', id);
	struct memo_file *f = mmap_get(&c->memo->files, key);
	struct cache *cache;

	if (f)
		goto done;
	if (!(cache = open_cache(c))) {
		f = memo_status(c, key, MFILE_BROKEN);
		goto done;
	}
	if (metrics_fetch_object(cache, c->config, id, path, rev->name) != 0) {
		f = memo_status(c, key, MFILE_NOT_IN_CACHE);
		goto done;
	}
	struct strbuf sb = STRBUF_INIT;
	if (cache_read_object(cache, id, &sb, FILE_CAP) < 0) {
		f = memo_status(c, key, MFILE_BROKEN);
	} else {
		char *name = display_name(rev, path);
		f = memo_parse(c, key, name, &sb, keep_all);
		free(name);
	}
	strbuf_release(&sb);
done:
	free(key);
	return f;
}

/* A file of the commit's tree, parsed once per blob. */
static const struct memo_file *read_tree_file(struct metrics_ctx *c, struct grev *rev, const char *path,
					      int keep_all, enum mfile_status *st)
{
	struct gobj_id id;
	char hex[2 * GREV_RAWSZ + 1];

	int r = grev_blob_id(rev, path, &id);
	if (r != 0) {
		*st = r < 0 ? MFILE_BROKEN : MFILE_MISSING;
		return NULL;
	}
	gobj_id_hex(&id, hex);
	char *key = xasprintf("g%c%c:%s", is_json(path) ? 'j' : 'y', keep_all ? 'p' : 'm', hex);
	struct memo_file *f = mmap_get(&c->memo->files, key);
	if (!f) {
		struct strbuf sb = STRBUF_INIT;
		if (grepo_read_blob(rev->repo, &id, &sb, FILE_CAP) < 0) {
			f = memo_status(c, key, MFILE_BROKEN);
		} else {
			char *name = display_name(rev, path);
			f = memo_parse(c, key, name, &sb, keep_all);
			free(name);
		}
		strbuf_release(&sb);
	}
	free(key);
	return f;
}

/* A workspace file, parsed (not shared). */
static const struct memo_file *read_ws_file(struct metrics_ctx *c, const char *path, int keep_all,
					    enum mfile_status *st)
{
	struct strbuf sb = STRBUF_INIT;
	const struct memo_file *f = NULL;

	if (strbuf_read_file(&sb, path, FILE_CAP) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*st = MFILE_MISSING;
		} else {
			error("cannot read '%s':", path);
			*st = MFILE_BROKEN;
		}
	} else {
		f = memo_parse(c, NULL, path, &sb, keep_all);
	}
	strbuf_release(&sb);
	return f;
}

const struct memo_file *metrics_read_file(struct metrics_ctx *c, struct grev *rev, const char *path,
					  int keep_all, enum mfile_status *st)
{
	return rev ? read_tree_file(c, rev, path, keep_all, st) : read_ws_file(c, path, keep_all, st);
}

static void read_one(struct metrics_ctx *c, struct grev *rev, const struct pipeline *p,
		     const struct metrics_spec *s, struct metrics_file *out)
{
	const struct memo_file *f = NULL;
	enum mfile_status st = MFILE_MISSING;

	out->path = xstrdup(s->path);
	if (rev && s->cached && p) {
		/* not in git: the lock at that commit says which object it was */
		const struct lock *l = memo_lock_at(c, rev, p);
		struct lock_stage *ls = l ? lock_find(l, s->stage) : NULL;
		struct lock_entry *e = ls ? lock_entry_find(ls->outs, ls->nouts, s->decl) : NULL;
		if (e && !e->hi.isdir)
			f = read_object(c, rev, s->path, e->hi.id, 0);
	}
	if (!f)
		f = metrics_read_file(c, rev, s->path, 0, &st);
	if (f) {
		out->status = f->status;
		out->data = f->status == MFILE_OK ? &f->list : NULL;
	} else {
		out->status = st;
	}
}

int metrics_read(struct metrics_ctx *c, struct grev *rev, const char *name, struct metrics_snapshot *out)
{
	struct metrics_spec *specs;
	size_t n;

	memset(out, 0, sizeof(*out));
	out->rev = xstrdup(name);
	if (rev && grev_load(rev) < 0)
		return -1;
	const struct pipeline *p = metrics_pipeline(c, rev);
	out->failed = !p;
	metrics_specs(c, p, &specs, &n);
	out->files = xcalloc(n ? n : 1, sizeof(*out->files));
	for (size_t i = 0; i < n; i++) {
		read_one(c, rev, p, &specs[i], &out->files[i]);
		out->failed |= out->files[i].status == MFILE_BROKEN;
	}
	out->n = n;
	metrics_specs_free(specs, n);
	return 0;
}

int metrics_read_out(struct metrics_ctx *c, struct grev *rev, const struct pipeline *p, const struct stage *s,
		     const struct stage_out *o, struct strbuf *out)
{
	if (!rev) {
		if (strbuf_read_file(out, o->path, FILE_CAP) == 0)
			return 0;
		if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR)
			return 1;
		return error("cannot read '%s':", o->path);
	}
	if (grev_load(rev) < 0)
		return -1;
	if (o->cache) {
		const struct lock *l = memo_lock_at(c, rev, p);
		struct lock_stage *ls = l ? lock_find(l, s->name) : NULL;
		struct lock_entry *e = ls ? lock_entry_find(ls->outs, ls->nouts, o->decl) : NULL;
		struct cache *cache = e && !e->hi.isdir ? open_cache(c) : NULL;
		if (cache) {
			if (metrics_fetch_object(cache, c->config, e->hi.id, o->path, rev->name) != 0)
				return 1;
			return cache_read_object(cache, e->hi.id, out, FILE_CAP);
		}
	}
	return grev_read(rev, o->path, out);
}
