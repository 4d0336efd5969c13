#include "core/stageops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/gitignore.h"
#include "core/runcache.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

int stage_prepare_outs(struct session *ss, const struct stage *s)
{
	for (size_t i = 0; i < s->nouts; i++) {
		const struct stage_out *o = &s->outs[i];
		const char *base;
		/* through the opened parent (made when missing): a symlink on the
		 * way that leads out of the project must not make us delete a
		 * stranger's files */
		int fd = project_open_parent(o->path, &base);
		if (fd < 0)
			return -1;
		if (!o->persist && remove_tree_at(fd, base) < 0) {
			error("cannot remove out '%s' of stage '%s' before running it:", o->path, s->name);
			close(fd);
			return -1;
		}
		close(fd);
		if (o->persist && cache_unprotect(&ss->cache, o->path) < 0)
			return error("cannot prepare out '%s' of stage '%s' for writing", o->path, s->name);
	}
	return 0;
}

int stage_store_outs(struct session *ss, const struct stage *s, struct lock_entry **outs, size_t *n)
{
	struct cache copy_only = ss->cache;

	/* cache: false outs belong to git: keep them regular files */
	copy_only.links[0] = LINK_COPY;
	copy_only.nlinks = 1;
	*n = 0;
	*outs = xcalloc(s->nouts ? s->nouts : 1, sizeof(**outs));
	for (size_t i = 0; i < s->nouts; i++) {
		const struct stage_out *o = &s->outs[i];
		struct lock_entry *e = &(*outs)[*n];
		int r = cache_store_path(o->cache ? &ss->cache : &copy_only, &ss->hasher, o->path, &e->hi);
		if (r == 1)
			error("stage '%s' did not produce its out '%s'", s->name, o->decl);
		if (r != 0) {
			lock_entries_free(*outs, *n);
			*outs = NULL;
			*n = 0;
			return -1;
		}
		e->path = xstrdup(o->decl);
		(*n)++;
	}
	return 0;
}

int stage_ignore_outs(const struct stage *s)
{
	for (size_t i = 0; i < s->nouts; i++)
		if (s->outs[i].cache && gitignore_add(s->outs[i].path) < 0)
			return -1;
	return 0;
}

int stage_restore_outs(struct session *ss, const struct stage *s, const struct lock_entry *outs, size_t n)
{
	struct cache copy_only = ss->cache;

	copy_only.links[0] = LINK_COPY;
	copy_only.nlinks = 1;
	for (size_t i = 0; i < s->nouts; i++) {
		const struct stage_out *o = &s->outs[i];
		const struct lock_entry *e = NULL;
		for (size_t k = 0; k < n && !e; k++)
			if (!strcmp(outs[k].path, o->decl))
				e = &outs[k];
		if (!e)
			return error("no recorded object for out '%s' of stage '%s'", o->decl, s->name);
		if (cache_checkout(o->cache ? &ss->cache : &copy_only, &ss->hasher, e->hi.id, o->path, NULL) < 0)
			return -1;
	}
	return stage_ignore_outs(s);
}

int stage_record(struct session *ss, struct stage_eval *ev, struct lock_entry *outs, size_t n)
{
	struct lock_stage entry;

	lock_stage_copy(&entry, &ev->cur);
	lock_entries_free(entry.outs, entry.nouts);
	entry.outs = outs;
	entry.nouts = n;
	/* The run cache is only an optimisation: failing to write it must not
	 * fail the stage, whose outputs are safely stored already. */
	if (runcache_save(RUNS_DIR, ev->signature, ev->stage->name, outs, n) < 0)
		warn("cannot record stage '%s' in the run cache:", ev->stage->name);
	/* before the lock: a stage whose outs could not be kept out of git is
	 * not recorded, so it runs again rather than leave them to git */
	if (stage_ignore_outs(ev->stage) < 0) {
		lock_stage_release(&entry);
		return -1;
	}
	lock_put(&ss->lock, &entry);
	ev->locked = lock_find(&ss->lock, ev->stage->name);
	ss->lock_dirty = 1;
	return session_save_lock(ss, 0);
}

int stage_runcache_lookup(struct session *ss, const struct stage_eval *ev, struct lock_entry **outs, size_t *n)
{
	if (runcache_load(RUNS_DIR, ev->signature, outs, n) != 1)
		return 0;
	int ok = *n == ev->stage->nouts;
	for (size_t i = 0; ok && i < *n; i++)
		ok = cache_contains(&ss->cache, (*outs)[i].hi.id) == 1;
	for (size_t i = 0; ok && i < ev->stage->nouts; i++) {
		int found = 0;
		for (size_t k = 0; k < *n; k++)
			found |= !strcmp((*outs)[k].path, ev->stage->outs[i].decl);
		ok = found;
	}
	if (!ok) {
		lock_entries_free(*outs, *n);
		*outs = NULL;
		*n = 0;
	}
	return ok;
}
