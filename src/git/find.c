/*
 * Finding files by name in a revision's tree (under the project's
 * directory) without checking anything out: what `repro gc --all-commits`
 * needs to see every .repro file of every commit.
 */
#include <stdlib.h>
#include <string.h>

#include "git/gitpriv.h"
#include "util/xalloc.h"

struct find {
	const char *suffix;
	size_t slen;
	int (*seen)(void *ctx, const struct gobj_id *tree);
	void (*file)(void *ctx, const char *path, const struct gobj_id *blob);
	void *ctx;
	struct strbuf path; /* the current entry's project-relative path */
};

static int visit(const char *root, const git_tree_entry *e, void *payload)
{
	struct find *f = payload;
	const char *name = git_tree_entry_name(e);
	size_t len = strlen(name);
	struct gobj_id id;

	memcpy(id.raw, git_tree_entry_id(e)->id, GREV_RAWSZ);
	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		return f->seen && f->seen(f->ctx, &id) ? 1 : 0; /* positive: do not descend */
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB || git_tree_entry_filemode(e) == GIT_FILEMODE_LINK ||
	    len < f->slen || strcmp(name + len - f->slen, f->suffix))
		return 0;
	strbuf_reset(&f->path);
	strbuf_addf(&f->path, "%s%s", root, name);
	f->file(f->ctx, f->path.buf, &id);
	return 0;
}

int grev_find_files(struct grev *r, const char *suffix, int (*seen)(void *ctx, const struct gobj_id *tree),
		    void (*file)(void *ctx, const char *path, const struct gobj_id *blob), void *ctx)
{
	struct find f = { suffix, strlen(suffix), seen, file, ctx, STRBUF_INIT };
	git_tree *sub = NULL, *top;
	git_tree_entry *e = NULL;
	int ret = 0;

	if (!r->tree && grev_load(r) < 0)
		return -1;
	top = r->tree;
	if (*r->repo->prefix) {
		/* the project's directory: absent at this revision means no files */
		size_t n = strlen(r->repo->prefix);
		char *dir = xstrndup(r->repo->prefix, n - 1);
		int rc = git_tree_entry_bypath(&e, r->tree, dir);
		free(dir);
		if (rc < 0 || git_tree_entry_type(e) != GIT_OBJECT_TREE) {
			git_tree_entry_free(e);
			return 0;
		}
		if (git_tree_lookup(&sub, r->repo->repo, git_tree_entry_id(e)) < 0) {
			git_tree_entry_free(e);
			return git_report("cannot read the tree of revision", r->name);
		}
		git_tree_entry_free(e);
		top = sub;
	}
	if (git_tree_walk(top, GIT_TREEWALK_PRE, visit, &f) < 0)
		ret = git_report("cannot walk the tree of revision", r->name);
	git_tree_free(sub);
	strbuf_release(&f.path);
	return ret;
}
