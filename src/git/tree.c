/*
 * Files of a revision, read from its tree by path (git_tree_entry_bypath):
 * nothing is checked out and no index is touched, so reading one file at
 * one commit costs a tree walk down its path and one blob read.
 */
#include <stdlib.h>
#include <string.h>

#include "git/gitpriv.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define MAX_LINKS 8       /* symbolic links followed for one path */
#define READ_CAP (64u << 20) /* largest file read, as for workspace files */

int grepo_read_blob(struct grepo *g, const struct gobj_id *id, struct strbuf *out, size_t cap)
{
	git_blob *blob;
	git_oid oid;
	char hex[2 * GREV_RAWSZ + 1];

	memcpy(oid.id, id->raw, GREV_RAWSZ);
	if (git_blob_lookup(&blob, g->repo, &oid) < 0) {
		gobj_id_hex(id, hex);
		return git_report("cannot read git object", hex);
	}
	git_object_size_t n = git_blob_rawsize(blob);
	int ret = 0;
	if (n > cap) {
		gobj_id_hex(id, hex);
		ret = error("git object '%s' is larger than %zu bytes", hex, cap);
	} else {
		strbuf_add(out, git_blob_rawcontent(blob), (size_t)n);
	}
	git_blob_free(blob);
	return ret;
}

/* The target of a symbolic link entry at tree path `at`, as a tree path;
 * 1 when it leads out of the repository (then it is no file of ours). */
static int link_target(struct grev *r, const git_tree_entry *e, const char *at, struct strbuf *next)
{
	struct strbuf target = STRBUF_INIT, joined = STRBUF_INIT;
	struct gobj_id id;
	const char *why;
	int ret;

	memcpy(id.raw, git_tree_entry_id(e)->id, GREV_RAWSZ);
	if (grepo_read_blob(r->repo, &id, &target, 4096) < 0)
		return -1;
	const char *slash = strrchr(at, '/');
	if (target.buf[0] == '/') {
		ret = 1;
	} else {
		/* relative to the link's directory, as the filesystem reads it */
		if (slash)
			strbuf_add(&joined, at, (size_t)(slash - at) + 1);
		strbuf_addbuf(&joined, &target);
		strbuf_reset(next);
		ret = path_normalize(joined.buf, next, &why) < 0 ? 1 : 0;
	}
	strbuf_release(&target);
	strbuf_release(&joined);
	return ret;
}

/*
 * Finds the blob at tree path `path`, following symbolic links. Returns 0
 * with *out (the caller frees it), 1 when there is no such file, -1.
 */
static int find_blob(struct grev *r, const char *path, git_tree_entry **out)
{
	struct strbuf cur = STRBUF_INIT;
	int ret = 1;

	strbuf_addstr(&cur, path);
	for (int hops = 0; hops <= MAX_LINKS; hops++) {
		git_tree_entry *e;
		int rc = git_tree_entry_bypath(&e, r->tree, cur.buf);
		if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC) {
			ret = 1;
			break;
		}
		if (rc < 0) {
			ret = git_report("cannot look up", path);
			break;
		}
		if (git_tree_entry_filemode(e) == GIT_FILEMODE_LINK) {
			ret = link_target(r, e, cur.buf, &cur);
			git_tree_entry_free(e);
			if (ret != 0)
				break;
			ret = 1; /* too many links, unless the next round finds a blob */
			continue;
		}
		if (git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
			git_tree_entry_free(e);
			ret = 1;
			break;
		}
		*out = e;
		ret = 0;
		break;
	}
	strbuf_release(&cur);
	return ret;
}

int grev_blob_id(struct grev *r, const char *path, struct gobj_id *id)
{
	struct strbuf full = STRBUF_INIT;
	git_tree_entry *e = NULL;

	if (!r->tree && grev_load(r) < 0)
		return -1;
	strbuf_addstr(&full, r->repo->prefix);
	strbuf_addstr(&full, path);
	int ret = find_blob(r, full.buf, &e);
	strbuf_release(&full);
	if (ret == 0) {
		memcpy(id->raw, git_tree_entry_id(e)->id, GREV_RAWSZ);
		git_tree_entry_free(e);
	}
	return ret;
}

static void log_read(struct grev_readlog *log, const char *path, int missing, const struct gobj_id *id)
{
	ARRAY_GROW(log->v, log->alloc, log->n + 1);
	struct grev_read *e = &log->v[log->n++];
	e->path = xstrdup(path);
	e->missing = missing;
	if (id)
		e->id = *id;
	else
		memset(&e->id, 0, sizeof(e->id));
}

int grev_read(struct grev *r, const char *path, struct strbuf *out)
{
	struct gobj_id id;
	int ret = grev_blob_id(r, path, &id);

	if (ret < 0)
		return -1;
	if (r->log)
		log_read(r->log, path, ret == 1, ret == 0 ? &id : NULL);
	if (ret == 1)
		return 1;
	if (grepo_read_blob(r->repo, &id, out, READ_CAP) < 0)
		return error("cannot read '%s' at revision '%s'", path, r->name);
	return 0;
}

static int source_read(void *ctx, const char *path, struct strbuf *out)
{
	return grev_read(ctx, path, out);
}

struct file_source grev_source(struct grev *r)
{
	struct file_source s = { source_read, r };
	return s;
}
