/*
 * Opening the repository and resolving revisions. Reading files from a
 * revision's tree is in tree.c, listing revisions in revlist.c.
 */
#include "git/repo.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "git/gitpriv.h"
#include "util/error.h"
#include "util/xalloc.h"

int git_report(const char *what, const char *subject)
{
	const git_error *e = git_error_last();

	return error("%s '%s': %s", what, subject, e && e->message ? e->message : "unknown libgit2 error");
}

/* The project's place in the work tree: "" at its top, else "sub/dir/".
 * Returns NULL when dir is not inside the work tree. */
static char *work_tree_prefix(const char *workdir, const char *dir)
{
	char *wd = realpath(workdir, NULL), *d = realpath(dir, NULL), *prefix = NULL;

	if (wd && d) {
		size_t n = strlen(wd);
		while (n > 1 && wd[n - 1] == '/')
			n--;
		if (n == 1 && wd[0] == '/')
			n = 0; /* a work tree at "/" */
		if (!strncmp(d, wd, n) && (d[n] == '/' || d[n] == '\0')) {
			const char *rest = d + n + (d[n] == '/');
			prefix = *rest ? xasprintf("%s/", rest) : xstrdup("");
		}
	}
	free(wd);
	free(d);
	return prefix;
}

int grepo_open(struct grepo *g, const char *dir)
{
	memset(g, 0, sizeof(*g));
	git_libgit2_init();
	g->inited = 1;
	/* GIT_CEILING_DIRECTORIES is honoured as the git program honours it */
	int r = git_repository_open_ext(&g->repo, dir, 0, getenv("GIT_CEILING_DIRECTORIES"));
	if (r == GIT_ENOTFOUND) {
		grepo_close(g);
		return 1;
	}
	if (r < 0) {
		git_report("cannot open the git repository holding", dir);
		grepo_close(g);
		return -1;
	}
	const char *wd = git_repository_workdir(g->repo);
	g->prefix = wd ? work_tree_prefix(wd, dir) : NULL;
	if (!g->prefix) {
		/* a bare repository, or a project inside .git: no work tree to map */
		grepo_close(g);
		return 1;
	}
	return 0;
}

void grepo_close(struct grepo *g)
{
	int inited = g->inited;

	git_repository_free(g->repo);
	free(g->prefix);
	memset(g, 0, sizeof(*g));
	/* balances the git_libgit2_init() of grepo_open (they are counted) */
	if (inited)
		git_libgit2_shutdown();
}

void gobj_id_hex(const struct gobj_id *id, char hex[2 * GREV_RAWSZ + 1])
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < GREV_RAWSZ; i++) {
		hex[2 * i] = digits[id->raw[i] >> 4];
		hex[2 * i + 1] = digits[id->raw[i] & 15];
	}
	hex[2 * GREV_RAWSZ] = '\0';
}

int gobj_id_equal(const struct gobj_id *a, const struct gobj_id *b)
{
	return !memcmp(a->raw, b->raw, GREV_RAWSZ);
}

void grev_fill(struct grev *out, struct grepo *g, const git_commit *c, char *name)
{
	memset(out, 0, sizeof(*out));
	out->name = name;
	out->repo = g;
	memcpy(out->commit.raw, git_commit_id(c)->id, GREV_RAWSZ);
	memcpy(out->tree_id.raw, git_commit_tree_id(c)->id, GREV_RAWSZ);
	out->time = (long long)git_commit_time(c);
}

int grepo_resolve(struct grepo *g, const char *spec, struct grev *out)
{
	git_object *obj = NULL, *peeled = NULL;

	memset(out, 0, sizeof(*out));
	int r = git_revparse_single(&obj, g->repo, spec);
	if (r == GIT_ENOTFOUND && !strncmp(spec, "HEAD", 4) && git_repository_head_unborn(g->repo) == 1)
		return error("unknown revision '%s': the current branch has no commits yet", spec);
	if (r == GIT_ENOTFOUND || r == GIT_EINVALIDSPEC)
		return error("unknown revision '%s'", spec);
	if (r == GIT_EAMBIGUOUS)
		return error("ambiguous revision '%s': give more digits of the commit id", spec);
	if (r == GIT_EUNBORNBRANCH)
		return error("unknown revision '%s': the current branch has no commits yet", spec);
	if (r < 0)
		return git_report("cannot resolve revision", spec);
	r = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (r < 0)
		return error("revision '%s' does not name a commit", spec);
	grev_fill(out, g, (git_commit *)peeled, xstrdup(spec));
	git_object_free(peeled);
	return 0;
}

int grev_load(struct grev *r)
{
	git_oid oid;

	if (r->tree)
		return 0;
	memcpy(oid.id, r->tree_id.raw, GREV_RAWSZ);
	if (git_tree_lookup(&r->tree, r->repo->repo, &oid) < 0) {
		r->tree = NULL;
		return git_report("cannot read the tree of revision", r->name);
	}
	return 0;
}

void grev_unload(struct grev *r)
{
	git_tree_free(r->tree);
	r->tree = NULL;
}

void grev_release(struct grev *r)
{
	grev_unload(r);
	free(r->name);
	memset(r, 0, sizeof(*r));
}

void grev_list_release(struct grev_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		grev_release(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void grev_readlog_release(struct grev_readlog *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->v[i].path);
	free(log->v);
	memset(log, 0, sizeof(*log));
}
