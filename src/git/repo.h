/*
 * The libgit2 layer: the git repository holding the project, revisions
 * resolved from any spec libgit2 understands ("main", "HEAD~3", "v1.0",
 * a short id), and files read from a commit's tree without checking
 * anything out. repro never runs the `git` program.
 *
 * The project may be a subdirectory of the git work tree; every path given
 * to these functions is project-relative and is mapped to the tree path
 * (prefix + path) here, so callers never see the difference.
 *
 * libgit2 types stay inside src/git: the structs below only forward-declare
 * them, so the rest of repro does not include git2.h.
 */
#ifndef REPRO_GIT_REPO_H
#define REPRO_GIT_REPO_H

#include <stddef.h>

#include "core/stage.h"
#include "util/strbuf.h"

struct git_repository;
struct git_tree;

#define GREV_RAWSZ 20 /* bytes of a git object id (SHA-1) */

/* A git object id, raw. */
struct gobj_id {
	unsigned char raw[GREV_RAWSZ];
};

struct grepo {
	struct git_repository *repo; /* the open repository */
	char *prefix;                /* project root inside the work tree: "" or "sub/dir/" */
	int inited;                  /* libgit2 was initialised for it (grepo_close shuts it down) */
};

/*
 * Opens the repository whose work tree holds directory `dir` (the project
 * root). Returns 0, 1 when dir is not inside a git work tree (nothing
 * reported; *g is then closed), or -1 (reported).
 */
int grepo_open(struct grepo *g, const char *dir);
void grepo_close(struct grepo *g);

/* Which project files were read at a revision, with their blob ids: what a
 * result computed from those files depends on. */
struct grev_readlog {
	struct grev_read {
		char *path;         /* project-relative */
		int missing;        /* the file did not exist at the revision */
		struct gobj_id id;  /* its blob id when present */
	} *v;
	size_t n, alloc;
};
void grev_readlog_release(struct grev_readlog *log);

/* One revision: a commit and, once loaded, its root tree. */
struct grev {
	char *name;                /* as shown: the spec typed, a branch or tag name, an abbreviated id */
	struct gobj_id commit;     /* the commit */
	struct gobj_id tree_id;    /* its root tree */
	long long time;            /* committer time, seconds since the epoch */
	struct git_tree *tree;     /* the root tree while loaded (grev_load), else NULL */
	struct grepo *repo;        /* the repository it belongs to */
	struct grev_readlog *log;  /* when non-NULL, grev_read appends every file it reads */
};

/*
 * Resolves spec to a commit (tags and other refs are peeled). An unknown
 * spec is reported as "unknown revision 'SPEC'", an ambiguous short id as
 * ambiguous, anything not leading to a commit as such; -1 then. out->name
 * is a copy of spec.
 */
int grepo_resolve(struct grepo *g, const char *spec, struct grev *out);
/* Loads r's root tree; 0 or -1 (reported). Idempotent. */
int grev_load(struct grev *r);
/* Frees the tree (the revision stays usable: grev_load again). */
void grev_unload(struct grev *r);
void grev_release(struct grev *r);

/*
 * The blob id of project-relative `path` at r (symbolic links inside the
 * tree are followed). Returns 0, 1 when there is no such file (a directory
 * or a submodule counts as no file), -1 (reported). r must be loaded.
 */
int grev_blob_id(struct grev *r, const char *path, struct gobj_id *id);
/* Appends a blob's content (at most cap bytes, else an error); 0 or -1. */
int grepo_read_blob(struct grepo *g, const struct gobj_id *id, struct strbuf *out, size_t cap);
/* Appends the file's content: the file_source contract (0, 1 missing, -1). */
int grev_read(struct grev *r, const char *path, struct strbuf *out);
/* A file_source reading from r (which must stay loaded while it is used). */
struct file_source grev_source(struct grev *r);

/*
 * Calls file(ctx, path, blob) for every file below the project's directory
 * at r whose name ends in suffix (path project-relative; symbolic links
 * are not followed). Before descending into a subtree it asks seen(ctx,
 * tree) (may be NULL): a non-zero answer skips the subtree, which is how a
 * walk over many commits reads each shared tree once. Returns 0, or -1
 * (reported).
 */
int grev_find_files(struct grev *r, const char *suffix, int (*seen)(void *ctx, const struct gobj_id *tree),
		    void (*file)(void *ctx, const char *path, const struct gobj_id *blob), void *ctx);

/* "1a2b..." (40 hex digits and a NUL) */
void gobj_id_hex(const struct gobj_id *id, char hex[2 * GREV_RAWSZ + 1]);
int gobj_id_equal(const struct gobj_id *a, const struct gobj_id *b);

/* A list of revisions. */
struct grev_list {
	struct grev *v;
	size_t n, alloc;
};
void grev_list_release(struct grev_list *l);

/* Appends every local branch, sorted by name; 0 or -1 (reported). */
int grepo_branches(struct grepo *g, struct grev_list *out);
/* Appends every tag that leads to a commit, sorted by name. */
int grepo_tags(struct grepo *g, struct grev_list *out);
/*
 * Appends commits newest first (committer time, then topology), named by
 * their shortest unambiguous id (at least 7 digits): with all_refs, every
 * commit reachable from a branch, a tag or HEAD; otherwise those reachable
 * from HEAD. max limits the count (0: no limit). An unborn HEAD gives no
 * commits. Returns 0 or -1 (reported).
 */
int grepo_log(struct grepo *g, int all_refs, size_t max, struct grev_list *out);

#endif
