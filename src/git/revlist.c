/*
 * Lists of revisions: branches, tags, and commits in history order.
 */
#include <stdlib.h>
#include <string.h>

#include "git/gitpriv.h"
#include "util/error.h"
#include "util/xalloc.h"

static struct grev *list_add(struct grev_list *l)
{
	ARRAY_GROW(l->v, l->alloc, l->n + 1);
	return &l->v[l->n++];
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct grev *)a)->name, ((const struct grev *)b)->name);
}

int grepo_branches(struct grepo *g, struct grev_list *out)
{
	git_branch_iterator *it;
	git_reference *ref;
	git_branch_t type;
	size_t first = out->n;
	int r;

	if (git_branch_iterator_new(&it, g->repo, GIT_BRANCH_LOCAL) < 0)
		return git_report("cannot list the branches of", git_repository_workdir(g->repo));
	while ((r = git_branch_next(&ref, &type, it)) == 0) {
		const char *name;
		git_object *c;
		if (git_branch_name(&name, ref) == 0 && git_reference_peel(&c, ref, GIT_OBJECT_COMMIT) == 0) {
			grev_fill(list_add(out), g, (git_commit *)c, xstrdup(name));
			git_object_free(c);
		}
		git_reference_free(ref);
	}
	git_branch_iterator_free(it);
	if (r != GIT_ITEROVER)
		return git_report("cannot list the branches of", git_repository_workdir(g->repo));
	qsort(out->v + first, out->n - first, sizeof(*out->v), by_name);
	return 0;
}

struct tag_walk {
	struct grepo *g;
	struct grev_list *out;
};

static int add_tag(const char *refname, git_oid *oid, void *payload)
{
	struct tag_walk *w = payload;
	git_object *obj, *c;

	if (git_object_lookup(&obj, w->g->repo, oid, GIT_OBJECT_ANY) < 0)
		return 0;
	if (git_object_peel(&c, obj, GIT_OBJECT_COMMIT) == 0) {
		const char *name = !strncmp(refname, "refs/tags/", 10) ? refname + 10 : refname;
		grev_fill(list_add(w->out), w->g, (git_commit *)c, xstrdup(name));
		git_object_free(c);
	}
	git_object_free(obj);
	return 0;
}

int grepo_tags(struct grepo *g, struct grev_list *out)
{
	struct tag_walk w = { g, out };
	size_t first = out->n;

	if (git_tag_foreach(g->repo, add_tag, &w) < 0)
		return git_report("cannot list the tags of", git_repository_workdir(g->repo));
	qsort(out->v + first, out->n - first, sizeof(*out->v), by_name);
	return 0;
}

/* Starts the walk; 1 when there is nothing to walk (an unborn HEAD). */
static int push_starts(git_repository *repo, git_revwalk *walk, int all_refs)
{
	/* an unborn HEAD (no commit yet) is not pushed: the walk would fail */
	int unborn = git_repository_head_unborn(repo);

	if (unborn < 0 || (unborn == 0 && git_revwalk_push_head(walk) < 0))
		return -1;
	if (!all_refs)
		return unborn ? 1 : 0;
	if (git_revwalk_push_glob(walk, "refs/heads/*") < 0 || git_revwalk_push_glob(walk, "refs/tags/*") < 0)
		return -1;
	return 0;
}

int grepo_log(struct grepo *g, int all_refs, size_t max, struct grev_list *out)
{
	git_revwalk *walk;
	git_oid oid;
	int r, ret = 0;

	if (git_revwalk_new(&walk, g->repo) < 0)
		return git_report("cannot walk the history of", git_repository_workdir(g->repo));
	git_revwalk_sorting(walk, GIT_SORT_TIME | GIT_SORT_TOPOLOGICAL);
	r = push_starts(g->repo, walk, all_refs);
	if (r != 0) {
		git_revwalk_free(walk);
		return r > 0 ? 0 : git_report("cannot walk the history of", git_repository_workdir(g->repo));
	}
	for (size_t count = 0; (max == 0 || count < max) && (r = git_revwalk_next(&oid, walk)) == 0; count++) {
		git_commit *c = NULL;
		git_buf abbrev = { 0 };
		if (git_commit_lookup(&c, g->repo, &oid) < 0 || git_object_short_id(&abbrev, (git_object *)c) < 0) {
			char hex[GIT_OID_HEXSZ + 1];
			git_oid_tostr(hex, sizeof(hex), &oid);
			ret = git_report("cannot read commit", hex);
			git_commit_free(c);
			break;
		}
		grev_fill(list_add(out), g, c, xstrndup(abbrev.ptr, abbrev.size));
		git_buf_dispose(&abbrev);
		git_commit_free(c);
	}
	if (ret == 0 && r != 0 && r != GIT_ITEROVER)
		ret = git_report("cannot walk the history of", git_repository_workdir(g->repo));
	git_revwalk_free(walk);
	return ret;
}
