/*
 * What every commit refers to, for `repro gc --all-commits`: the lock and
 * the .repro files of each commit reachable from a branch, a tag or HEAD,
 * read through the git layer (src/git, libgit2) from the object database:
 * nothing is checked out and `git` is never run.
 *
 * Histories share most of their files and trees, so each blob is parsed
 * once and each tree walked once: a subtree already walked for another
 * commit is skipped whole.
 */
#include <stdlib.h>
#include <string.h>

#include "core/lock.h"
#include "git/repo.h"
#include "remote/gc.h"
#include "util/error.h"
#include "util/xalloc.h"
#include "util/ytree.h"

#define REPRO_FILE_MAX (1u << 20) /* a .repro file is a few lines */

/* A set of git object ids (open addressing; the ids are already uniform). */
struct idset {
	struct gobj_id *slots;
	unsigned char *used;
	size_t n, cap;
};

/* Adds id; returns 1 when it was there already. */
static int idset_add(struct idset *s, const struct gobj_id *id)
{
	size_t h;

	if (2 * (s->n + 1) > s->cap) {
		struct idset big = { 0 };
		big.cap = s->cap ? 2 * s->cap : 1024;
		big.slots = xcalloc(big.cap, sizeof(*big.slots));
		big.used = xcalloc(big.cap, 1);
		for (size_t i = 0; i < s->cap; i++)
			if (s->used[i])
				idset_add(&big, &s->slots[i]);
		free(s->slots);
		free(s->used);
		*s = big;
	}
	memcpy(&h, id->raw, sizeof(h));
	for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->used[i]) {
			s->used[i] = 1;
			s->slots[i] = *id;
			s->n++;
			return 0;
		}
		if (gobj_id_equal(&s->slots[i], id))
			return 1;
	}
}

static void idset_release(struct idset *s)
{
	free(s->slots);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

struct walker {
	struct grepo repo;
	struct objset *keep;
	const struct cache *cache; /* to tell stored directory deps (see keep_lock in gc.c) */
	struct idset seen;      /* blobs parsed and trees walked so far */
	struct grev *rev;       /* the commit being read */
	int failed;             /* something could not be read: collect nothing */
};

static void keep_entries(struct walker *w, const struct lock *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0; k < l->stages[i].nouts; k++)
			objset_add(w->keep, l->stages[i].outs[k].hi.id, 0, l->stages[i].outs[k].path);
		for (size_t k = 0; k < l->stages[i].ndeps; k++) {
			const char *id = l->stages[i].deps[k].hi.id;
			if (id[0] && (!hash_id_is_dir(id) || cache_has_object(w->cache, id)))
				objset_add(w->keep, id, 0, l->stages[i].deps[k].path);
		}
	}
}

static void read_lock(struct walker *w, const char *lock_file)
{
	struct file_source src = grev_source(w->rev);
	struct gobj_id id;
	struct lock l = { 0 };
	int r = grev_blob_id(w->rev, lock_file, &id);

	if (r < 0)
		w->failed = 1;
	if (r != 0 || idset_add(&w->seen, &id))
		return;
	if (lock_read(&l, lock_file, &src) < 0) {
		error("cannot read '%s' of commit %s: not collecting anything", lock_file, w->rev->name);
		w->failed = 1;
		return;
	}
	keep_entries(w, &l);
	lock_release(&l);
}

static int tree_seen(void *ctx, const struct gobj_id *tree)
{
	struct walker *w = ctx;

	return idset_add(&w->seen, tree);
}

static void repro_file(void *ctx, const char *path, const struct gobj_id *blob)
{
	struct walker *w = ctx;
	struct strbuf sb = STRBUF_INIT;
	struct ynode *root = NULL;
	const struct ynode *outs;

	if (idset_add(&w->seen, blob))
		return;
	if (grepo_read_blob(&w->repo, blob, &sb, REPRO_FILE_MAX) < 0 ||
	    ytree_parse(sb.buf, sb.len, path, &root) < 0) {
		error("cannot read '%s' of commit %s: not collecting anything", path, w->rev->name);
		w->failed = 1;
		strbuf_release(&sb);
		return;
	}
	outs = ytree_get(root, "outs");
	for (size_t i = 0; outs && outs->type == YNODE_SEQ && i < outs->n; i++) {
		struct lock_entry e;
		if (lock_parse_entry(&e, outs->items[i], path) < 0) {
			w->failed = 1;
			continue;
		}
		objset_add(w->keep, e.hi.id, 0, path);
		free(e.path);
		free(e.etag);
	}
	ytree_free(root);
	strbuf_release(&sb);
}

int gitrefs_collect(const char *lock_file, struct objset *keep, const struct cache *cache)
{
	struct walker w = { .keep = keep, .cache = cache };
	struct grev_list revs = { 0 };
	int r = grepo_open(&w.repo, ".");

	if (r != 0) {
		if (r > 0)
			error("--all-commits reads the history through git, but the project is not in a git "
			      "repository");
		return -1;
	}
	if (grepo_log(&w.repo, 1, 0, &revs) < 0)
		w.failed = 1;
	for (size_t i = 0; i < revs.n && !w.failed; i++) {
		w.rev = &revs.v[i];
		if (grev_load(w.rev) < 0) {
			w.failed = 1;
			break;
		}
		read_lock(&w, lock_file);
		if (grev_find_files(w.rev, ".repro", tree_seen, repro_file, &w) < 0)
			w.failed = 1;
		grev_unload(w.rev);
	}
	grev_list_release(&revs);
	idset_release(&w.seen);
	grepo_close(&w.repo);
	return w.failed ? -1 : 0;
}
