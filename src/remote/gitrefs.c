/*
 * What every commit refers to, for `repro gc --all-commits`: the lock and
 * the .repro files of each commit reachable from a ref (branches, tags,
 * remote-tracking branches, HEAD), read straight from the git object
 * database through libgit2; nothing is checked out and `git` is never run.
 *
 * Histories share most of their trees, so each blob and tree is read once:
 * a subtree already walked in another commit is skipped whole.
 *
 * (A minimal reader of its own: the git layer in src/git was not on main
 * yet when this was written.)
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "core/lock.h"
#include "core/stage.h"
#include "remote/gc.h"
#include "util/error.h"
#include "util/xalloc.h"
#include "util/ytree.h"

/* A set of git object ids (open addressing; ids are already uniform). */
struct oidset {
	git_oid *slots;
	unsigned char *used;
	size_t n, cap;
};

static size_t oid_hash(const git_oid *o)
{
	size_t h;

	memcpy(&h, o->id, sizeof(h));
	return h;
}

/* Adds o; returns 1 when it was already there. */
static int oidset_add(struct oidset *s, const git_oid *o)
{
	if (2 * (s->n + 1) > s->cap) {
		struct oidset big = { 0 };
		big.cap = s->cap ? 2 * s->cap : 1024;
		big.slots = xcalloc(big.cap, sizeof(git_oid));
		big.used = xcalloc(big.cap, 1);
		for (size_t i = 0; i < s->cap; i++)
			if (s->used[i])
				oidset_add(&big, &s->slots[i]);
		free(s->slots);
		free(s->used);
		*s = big;
	}
	for (size_t i = oid_hash(o) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->used[i]) {
			s->used[i] = 1;
			s->slots[i] = *o;
			s->n++;
			return 0;
		}
		if (!git_oid_cmp(&s->slots[i], o))
			return 1;
	}
}

static void oidset_release(struct oidset *s)
{
	free(s->slots);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

struct walker {
	git_repository *repo;
	struct objset *keep;
	struct oidset seen;    /* blobs and trees already read */
	const char *prefix;    /* the project's directory in the repository ("" or "a/b/") */
	char commit[GIT_OID_HEXSZ + 1]; /* the commit being read, for messages */
	int failed;
};

static int git_fail(const char *what)
{
	const git_error *e = git_error_last();
	return error("%s: %s", what, e && e->message ? e->message : "unknown error");
}

/* file_source reading one blob: ctx is the blob, path is ignored. */
static int blob_read(void *ctx, const char *path, struct strbuf *out)
{
	git_blob *b = ctx;

	(void)path;
	strbuf_add(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	return 0;
}

static void keep_lock_blob(struct walker *w, git_blob *b, const char *name)
{
	struct file_source src = { blob_read, b };
	struct lock l = { 0 };

	if (lock_read(&l, name, &src) < 0) {
		error("cannot read '%s' of commit %.12s: not collecting anything", name, w->commit);
		w->failed = 1;
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		for (size_t k = 0; k < l.stages[i].nouts; k++)
			objset_add(w->keep, l.stages[i].outs[k].hi.id, 0, l.stages[i].outs[k].path);
		for (size_t k = 0; k < l.stages[i].ndeps; k++)
			if (l.stages[i].deps[k].hi.id[0])
				objset_add(w->keep, l.stages[i].deps[k].hi.id, 0, l.stages[i].deps[k].path);
	}
	lock_release(&l);
}

static void keep_repro_blob(struct walker *w, git_blob *b, const char *name)
{
	struct ynode *root;
	const struct ynode *outs;

	if (ytree_parse(git_blob_rawcontent(b), (size_t)git_blob_rawsize(b), name, &root) < 0) {
		error("cannot read '%s' of commit %.12s: not collecting anything", name, w->commit);
		w->failed = 1;
		return;
	}
	outs = ytree_get(root, "outs");
	for (size_t i = 0; outs && outs->type == YNODE_SEQ && i < outs->n; i++) {
		struct lock_entry e;
		if (lock_parse_entry(&e, outs->items[i], name) < 0) {
			w->failed = 1;
			continue;
		}
		objset_add(w->keep, e.hi.id, 0, name);
		free(e.path);
		free(e.etag);
	}
	ytree_free(root);
}

static int walk_entry(const char *root, const git_tree_entry *e, void *ctx)
{
	struct walker *w = ctx;
	const char *name = git_tree_entry_name(e);
	size_t len = strlen(name);
	git_object *obj;

	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		return oidset_add(&w->seen, git_tree_entry_id(e)); /* 1: walked before, skip it */
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || len <= 6 || strcmp(name + len - 6, ".repro") ||
	    oidset_add(&w->seen, git_tree_entry_id(e)))
		return 0;
	if (git_tree_entry_to_object(&obj, w->repo, e) < 0) {
		w->failed = 1;
		git_fail("cannot read a .repro file from git");
		return 0;
	}
	char *path = xasprintf("%s%s", root, name);
	keep_repro_blob(w, (git_blob *)obj, path);
	free(path);
	git_object_free(obj);
	return 0;
}

static void read_commit(struct walker *w, const git_oid *id, const char *lock_path)
{
	git_commit *c = NULL;
	git_tree *tree = NULL, *sub = NULL;
	git_tree_entry *e = NULL;
	git_object *obj = NULL;

	git_oid_tostr(w->commit, sizeof(w->commit), id);
	if (git_commit_lookup(&c, w->repo, id) < 0 || git_commit_tree(&tree, c) < 0) {
		git_fail("cannot read a commit");
		w->failed = 1;
		goto done;
	}
	if (git_tree_entry_bypath(&e, tree, lock_path) == 0 && git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
	    !oidset_add(&w->seen, git_tree_entry_id(e)) && git_tree_entry_to_object(&obj, w->repo, e) == 0)
		keep_lock_blob(w, (git_blob *)obj, lock_path);
	git_object_free(obj);
	git_tree_entry_free(e);
	e = NULL;
	if (!*w->prefix) {
		git_tree_walk(tree, GIT_TREEWALK_PRE, walk_entry, w);
	} else if (git_tree_entry_bypath(&e, tree, w->prefix) == 0 && git_tree_entry_type(e) == GIT_OBJECT_TREE &&
		   git_tree_lookup(&sub, w->repo, git_tree_entry_id(e)) == 0) {
		git_tree_walk(sub, GIT_TREEWALK_PRE, walk_entry, w);
	}
done:
	git_tree_entry_free(e);
	git_tree_free(sub);
	git_tree_free(tree);
	git_commit_free(c);
}

/* The project root relative to the repository's work tree: "" or "a/b/". */
static char *project_prefix(git_repository *repo)
{
	const char *wd = git_repository_workdir(repo);
	char *wreal = wd ? realpath(wd, NULL) : NULL, *here = realpath(".", NULL);
	char *p = NULL;
	size_t n = wreal ? strlen(wreal) : 0;

	if (wreal && here && !strncmp(here, wreal, n) && (here[n] == '/' || !here[n]))
		p = here[n] ? xasprintf("%s/", here + n + 1) : xstrdup("");
	free(wreal);
	free(here);
	return p;
}

int gitrefs_collect(const char *lock_file, struct objset *keep)
{
	struct walker w = { .keep = keep };
	git_revwalk *walk = NULL;
	git_oid id;
	char *prefix = NULL, *lock_path = NULL;
	int ret = -1;

	git_libgit2_init();
	if (git_repository_open_ext(&w.repo, ".", 0, NULL) < 0) {
		error("--all-commits reads the history through git, but the project is not in a git repository");
		goto done;
	}
	if (!(prefix = project_prefix(w.repo))) {
		error("--all-commits needs a git work tree holding the project");
		goto done;
	}
	w.prefix = prefix;
	lock_path = xasprintf("%s%s", prefix, lock_file);
	if (git_revwalk_new(&walk, w.repo) < 0) {
		git_fail("cannot walk the git history");
		goto done;
	}
	git_revwalk_push_glob(walk, "refs/*");
	git_revwalk_push_head(walk); /* fails harmlessly on an unborn branch */
	while (!w.failed && git_revwalk_next(&id, walk) == 0)
		read_commit(&w, &id, lock_path);
	ret = w.failed ? -1 : 0;
done:
	git_revwalk_free(walk);
	git_repository_free(w.repo);
	oidset_release(&w.seen);
	free(prefix);
	free(lock_path);
	git_libgit2_shutdown();
	return ret;
}
