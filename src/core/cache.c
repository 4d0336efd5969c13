/*
 * The cache itself: opening it, naming, reading and verifying objects.
 * Writing objects is batch.c (durability) and store.c (from the workspace);
 * checkout.c writes the workspace from objects.
 */
#include "core/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cachepriv.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static const char *const link_names[] = { "reflink", "hardlink", "symlink", "copy" };

const char *link_type_name(enum link_type t)
{
	return link_names[t];
}

int link_spec_parse(const char *spec, enum link_type *links, int *n)
{
	const char *p = spec;

	*n = 0;
	while (*p) {
		const char *e = strchrnul(p, ',');
		const char *s = p, *t = e;
		while (s < t && (*s == ' ' || *s == '\t'))
			s++;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
			t--;
		int k;
		for (k = 0; k < 4; k++)
			if ((size_t)(t - s) == strlen(link_names[k]) && !strncmp(s, link_names[k], (size_t)(t - s)))
				break;
		if (k == 4)
			return error("unknown link type '%.*s' in '%s' (use reflink, hardlink, symlink or copy)",
				     (int)(t - s), s, spec);
		for (int i = 0; i < *n; i++)
			if (links[i] == (enum link_type)k)
				return error("link type '%s' is listed twice in '%s'", link_names[k], spec);
		links[(*n)++] = (enum link_type)k;
		p = *e ? e + 1 : e;
	}
	if (!*n)
		return error("no link type in '%s' (use reflink, hardlink, symlink or copy)", spec);
	return 0;
}

int cache_init(struct cache *c, const char *dir, const char *tmp, const char *link_spec)
{
	memset(c, 0, sizeof(*c));
	c->dirfd = c->tmpfd = -1;
	c->reflink = -1;
	if (link_spec_parse(link_spec ? link_spec : "reflink,copy", c->links, &c->nlinks) < 0)
		return -1;
	c->dir = xstrdup(dir);
	c->tmp = xstrdup(tmp);
	if (mkdir_p(dir, 0777) < 0 || (c->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		error("cannot open the cache directory '%s':", dir);
		cache_release(c);
		return -1;
	}
	if (mkdir_p(tmp, 0777) < 0 || (c->tmpfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		error("cannot open the temporary directory '%s':", tmp);
		cache_release(c);
		return -1;
	}
	cache_sweep_tmp(c);
	c->own = xcalloc(1, sizeof(*c->own));
	pthread_mutex_init(&c->own->lock, NULL);
	c->own->fd = -1;
	c->fresh = fresh_new();
	if (!(c->dir_real = realpath(dir, NULL))) {
		error("cannot resolve '%s':", dir);
		cache_release(c);
		return -1;
	}
	return 0;
}

void cache_release(struct cache *c)
{
	if (c->dirfd >= 0)
		close(c->dirfd);
	if (c->tmpfd >= 0)
		close(c->tmpfd);
	if (c->own)
		tmpdir_free(c->own);
	fresh_free(c->fresh);
	free(c->dir);
	free(c->tmp);
	free(c->dir_real);
	memset(c, 0, sizeof(*c));
	c->dirfd = c->tmpfd = -1;
}

void object_rel(const char *id, char rel[HASH_ID_MAX + 1])
{
	rel[0] = id[0];
	rel[1] = id[1];
	rel[2] = '/';
	strcpy(rel + 3, id + 2);
}

void cache_object_path(const struct cache *c, const char *id, struct strbuf *out)
{
	char rel[HASH_ID_MAX + 1];

	object_rel(id, rel);
	path_join(out, c->dir, rel);
}

int cache_has_object(const struct cache *c, const char *id)
{
	char rel[HASH_ID_MAX + 1];
	struct stat st;

	if (!hash_id_valid(id))
		return 0;
	if (fresh_has(c->fresh, id)) /* committed by this process: no stat (pull asks 20,000 times) */
		return 1;
	object_rel(id, rel);
	return fstatat(c->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

int cache_has_object_to_store(const struct cache *c, const char *id)
{
	if (fresh_fan_absent(c->fresh, c->dirfd, id))
		return 0;
	return cache_has_object(c, id);
}

int cache_contains(const struct cache *c, const char *id)
{
	struct tree t = TREE_INIT;
	int ret = 1;

	if (!cache_has_object(c, id))
		return 0;
	if (!hash_id_is_dir(id))
		return 1;
	if (cache_read_tree(c, id, &t) < 0)
		return -1;
	for (size_t i = 0; i < t.n && ret; i++)
		ret = cache_has_object(c, t.entries[i].hex);
	tree_release(&t);
	return ret;
}

int cache_holds_workspace(struct cache *c, struct hasher *h, const char *path, const char *cur_id)
{
	struct tree t = TREE_INIT;
	struct hashinfo hi;
	int ret = 1;

	if (cache_contains(c, cur_id) == 1)
		return 1;
	if (!hash_id_is_dir(cur_id) || hash_path(h, path, &hi, &t) != 0) {
		tree_release(&t);
		return 0;
	}
	for (size_t i = 0; i < t.n && ret; i++)
		ret = cache_has_object(c, t.entries[i].hex);
	tree_release(&t);
	return ret;
}

/* Reports that object `id` at `path` does not hash to its name. */
static int corrupt(const char *id, const char *path, const char *got)
{
	return error("corrupt object '%s' in the cache ('%s' hashes to %.12s...): "
		     "delete it and fetch or rebuild it again", id, path, got);
}

int cache_read_object(const struct cache *c, const char *id, struct strbuf *out, size_t cap)
{
	struct strbuf path = STRBUF_INIT;
	char hex[HASH_HEX_LEN + 1];
	size_t old = out->len;
	int ret = 0;

	if (!hash_id_valid(id))
		return error("invalid object id '%.80s'", id);
	cache_object_path(c, id, &path);
	if (strbuf_read_file(out, path.buf, cap) < 0) {
		if (errno == ENOENT)
			ret = error("object '%s' is missing from the cache", id);
		else
			ret = error("cannot read object '%s':", path.buf);
	} else {
		hash_buffer(out->buf + old, out->len - old, hex);
		if (strncmp(hex, id, HASH_HEX_LEN)) {
			strbuf_setlen(out, old);
			ret = corrupt(id, path.buf, hex);
		}
	}
	strbuf_release(&path);
	return ret;
}

int cache_read_tree(const struct cache *c, const char *id, struct tree *t)
{
	struct strbuf buf = STRBUF_INIT, path = STRBUF_INIT;
	int ret;

	if (!hash_id_is_dir(id))
		return error("'%.80s' is not a directory manifest id", id);
	ret = cache_read_object(c, id, &buf, TREE_MAX_BYTES);
	if (!ret) {
		cache_object_path(c, id, &path);
		ret = tree_parse(buf.buf, buf.len, path.buf, t);
	}
	strbuf_release(&buf);
	strbuf_release(&path);
	return ret;
}

int cache_verify_object(const struct cache *c, const char *id)
{
	struct strbuf path = STRBUF_INIT;
	char hex[HASH_HEX_LEN + 1];
	int ret = 0;

	if (!hash_id_valid(id))
		return error("invalid object id '%.80s'", id);
	cache_object_path(c, id, &path);
	if (hash_file(path.buf, hex, NULL) < 0) {
		ret = errno == ENOENT ? 1 : error("cannot read object '%s':", path.buf);
	} else if (strncmp(hex, id, HASH_HEX_LEN)) {
		ret = corrupt(id, path.buf, hex);
	}
	strbuf_release(&path);
	return ret;
}

int cache_store_buffer(struct cache *c, const void *data, size_t len, char hex[HASH_HEX_LEN + 1])
{
	char *tmp = NULL;

	hash_buffer(data, len, hex);
	if (cache_has_object(c, hex))
		return 0;
	int fd = cache_tmp_create(c, &tmp);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) < 0 || close(fd) < 0) {
		error("cannot write '%s':", tmp);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	struct cache_batch *b = cache_batch_begin(c);
	cache_batch_add(b, tmp, hex);
	free(tmp);
	return cache_batch_commit(b);
}

int cache_import_file(struct cache *c, const char *tmp_path, const char *id, const char *origin)
{
	struct cache_batch *b = cache_batch_begin(c);

	if (cache_batch_import(b, tmp_path, id, origin) < 0) {
		cache_batch_abort(b);
		return -1;
	}
	return cache_batch_commit(b);
}
