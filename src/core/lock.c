#include "core/lock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/tree.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/yemit.h"
#include "util/ytree.h"

#define LOCK_SCHEMA "1"

void lock_stage_release(struct lock_stage *s)
{
	free(s->name);
	for (size_t i = 0; i < s->ncmd; i++)
		free(s->cmd[i]);
	free(s->cmd);
	free(s->wdir);
	cJSON_Delete(s->builtins);
	for (size_t i = 0; i < s->ndeps; i++) {
		free(s->deps[i].path);
		free(s->deps[i].etag);
	}
	free(s->deps);
	cJSON_Delete(s->params);
	for (size_t i = 0; i < s->nouts; i++) {
		free(s->outs[i].path);
		free(s->outs[i].etag);
	}
	free(s->outs);
	memset(s, 0, sizeof(*s));
}

void lock_entries_free(struct lock_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].path);
		free(e[i].etag);
	}
	free(e);
}

void lock_release(struct lock *l)
{
	for (size_t i = 0; i < l->n; i++)
		lock_stage_release(&l->stages[i]);
	free(l->stages);
	free(l->byname);
	memset(l, 0, sizeof(*l));
}

static void copy_entries(struct lock_entry **dst, size_t *nd, const struct lock_entry *src, size_t n)
{
	*nd = n;
	*dst = xcalloc(n ? n : 1, sizeof(**dst));
	for (size_t i = 0; i < n; i++) {
		(*dst)[i] = src[i];
		(*dst)[i].path = xstrdup(src[i].path);
		(*dst)[i].etag = src[i].etag ? xstrdup(src[i].etag) : NULL;
	}
}

void lock_stage_copy(struct lock_stage *dst, const struct lock_stage *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->name = xstrdup(src->name);
	dst->ncmd = src->ncmd;
	dst->cmd = xcalloc(src->ncmd ? src->ncmd : 1, sizeof(char *));
	for (size_t i = 0; i < src->ncmd; i++)
		dst->cmd[i] = xstrdup(src->cmd[i]);
	dst->wdir = src->wdir ? xstrdup(src->wdir) : NULL;
	dst->builtins = src->builtins ? cJSON_Duplicate(src->builtins, 1) : NULL;
	dst->params = src->params ? cJSON_Duplicate(src->params, 1) : NULL;
	copy_entries(&dst->deps, &dst->ndeps, src->deps, src->ndeps);
	copy_entries(&dst->outs, &dst->nouts, src->outs, src->nouts);
}

/* FNV-1a: names are short, and nothing here is hostile enough to need more */
static size_t name_hash(const char *name)
{
	size_t h = 1469598103934665603u;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 1099511628211u;
	return h;
}

static void byname_insert(struct lock *l, size_t i)
{
	size_t m = l->nbyname - 1, h = name_hash(l->stages[i].name) & m;

	while (l->byname[h])
		h = (h + 1) & m;
	l->byname[h] = i + 1;
}

static void byname_rebuild(struct lock *l)
{
	size_t size = 16;

	while (size < 2 * (l->n + 1))
		size *= 2;
	free(l->byname);
	l->byname = xcalloc(size, sizeof(*l->byname));
	l->nbyname = size;
	for (size_t i = 0; i < l->n; i++)
		byname_insert(l, i);
}

struct lock_stage *lock_find(const struct lock *l, const char *name)
{
	if (!l->nbyname) {
		for (size_t i = 0; i < l->n; i++)
			if (!strcmp(l->stages[i].name, name))
				return &l->stages[i];
		return NULL;
	}
	size_t m = l->nbyname - 1;
	for (size_t h = name_hash(name) & m; l->byname[h]; h = (h + 1) & m)
		if (!strcmp(l->stages[l->byname[h] - 1].name, name))
			return &l->stages[l->byname[h] - 1];
	return NULL;
}

void lock_put(struct lock *l, struct lock_stage *s)
{
	struct lock_stage *old = lock_find(l, s->name);

	if (old) {
		lock_stage_release(old);
		*old = *s;
	} else {
		ARRAY_GROW(l->stages, l->alloc, l->n + 1);
		l->stages[l->n++] = *s;
		if (2 * l->n >= l->nbyname)
			byname_rebuild(l);
		else
			byname_insert(l, l->n - 1);
	}
	memset(s, 0, sizeof(*s));
}

void lock_remove(struct lock *l, const char *name)
{
	struct lock_stage *s = lock_find(l, name);

	if (!s)
		return;
	lock_stage_release(s);
	size_t i = (size_t)(s - l->stages);
	memmove(s, s + 1, (l->n - i - 1) * sizeof(*s));
	l->n--;
	byname_rebuild(l); /* indices after i moved */
}

struct lock_entry *lock_entry_find(struct lock_entry *e, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(e[i].path, path))
			return &e[i];
	return NULL;
}

/* ---- reading ---- */

static int bad(const char *file, const struct ynode *n, const char *what)
{
	size_t len = strlen(file);

	/* .repro files share the entry format, but not the remedy */
	if (len >= 6 && !strcmp(file + len - 6, ".repro"))
		return error_at(file, n->line, n->col, "%s; fix it, or 'repro add' the path again", what);
	return error_at(file, n->line, n->col, "%s; the lock is damaged: fix it or delete it and run 'repro commit'",
			what);
}

static int parse_u64(const struct ynode *n, uint64_t *out)
{
	char *end;

	if (n->type != YNODE_SCALAR || ytree_scalar_kind(n) != YS_INT || n->str[0] == '-')
		return -1;
	errno = 0;
	*out = strtoull(n->str, &end, 10);
	return errno || *end ? -1 : 0;
}

/*
 * Why `p` (len bytes, relative to wdir) is not a path inside the project,
 * or NULL. The lock's paths are only ever compared with declared ones, but
 * a hostile lock is refused whole rather than half-trusted.
 */
static const char *path_problem(const char *p, size_t len, const char *wdir)
{
	struct strbuf in = STRBUF_INIT, norm = STRBUF_INIT;
	const char *why = NULL;

	if (memchr(p, '\0', len))
		return "NUL character in path";
	if (p[0] == '/')
		return "absolute path";
	path_join(&in, wdir, p);
	path_normalize(in.buf, &norm, &why);
	strbuf_release(&in);
	strbuf_release(&norm);
	return why;
}

static int bad_path(const char *file, const struct ynode *n, const char *why)
{
	struct strbuf q = STRBUF_INIT, msg = STRBUF_INIT;
	int ret;

	path_quote_len(&q, n->str, n->len);
	strbuf_addf(&msg, "invalid path '%s' (%s)", q.buf, why);
	ret = bad(file, n, msg.buf);
	strbuf_release(&q);
	strbuf_release(&msg);
	return ret;
}

static int parse_entry_in(struct lock_entry *e, const struct ynode *n, const char *file, const char *wdir)
{
	const char *why;

	memset(e, 0, sizeof(*e));
	if (n->type != YNODE_MAP)
		return bad(file, n, "an entry must be a mapping");
	const struct ynode *path = ytree_get(n, "path"), *sha = ytree_get(n, "sha256");
	const struct ynode *size = ytree_get(n, "size"), *nfiles = ytree_get(n, "nfiles");
	const struct ynode *etag = ytree_get(n, "etag");
	if (!path || path->type != YNODE_SCALAR || !path->len)
		return bad(file, n, "an entry has no valid 'path'");
	int is_url = !strncmp(path->str, "http://", 7) || !strncmp(path->str, "https://", 8);
	if (is_url && (memchr(path->str, '\0', path->len) || memchr(path->str, '\n', path->len)))
		return bad_path(file, path, "control character in a URL");
	if (!is_url && (why = path_problem(path->str, path->len, wdir)))
		return bad_path(file, path, why);
	if (sha) {
		if (sha->type != YNODE_SCALAR || !hash_id_valid(sha->str))
			return bad(file, sha, "invalid sha256");
		strcpy(e->hi.id, sha->str);
		e->hi.isdir = hash_id_is_dir(sha->str);
	} else if (!is_url) {
		return bad(file, n, "an entry has no 'sha256'");
	}
	if (size && parse_u64(size, &e->hi.size) < 0)
		return bad(file, size, "invalid size");
	if (nfiles && parse_u64(nfiles, &e->hi.nfiles) < 0)
		return bad(file, nfiles, "invalid nfiles");
	if (etag && etag->type == YNODE_SCALAR)
		e->etag = xstrdup(etag->str);
	e->path = xstrdup(path->str);
	return 0;
}

int lock_parse_entry(struct lock_entry *e, const struct ynode *n, const char *file)
{
	return parse_entry_in(e, n, file, ".");
}

static int parse_entries(struct lock_entry **out, size_t *n, const struct ynode *list, const char *file,
			 const char *wdir)
{
	*n = 0;
	*out = NULL;
	if (!list)
		return 0;
	if (list->type != YNODE_SEQ)
		return bad(file, list, "deps and outs must be lists");
	*out = xcalloc(list->n ? list->n : 1, sizeof(**out));
	for (size_t i = 0; i < list->n; i++) {
		if (parse_entry_in(&(*out)[i], list->items[i], file, wdir) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

/* The directory of lock file `file` (project-relative), which its stages'
 * wdirs are relative to; the paths are relative to those wdirs, and all of
 * them must stay inside the project. */
static char *lock_dir(const char *file)
{
	const char *slash = strrchr(file, '/');

	return slash ? xstrndup(file, (size_t)(slash - file)) : xstrdup(".");
}

static int parse_stage(struct lock_stage *s, const char *name, const struct ynode *n, const char *file)
{
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	if (n->type != YNODE_MAP)
		return bad(file, n, "a stage entry must be a mapping");
	const struct ynode *cmd = ytree_get(n, "cmd"), *wdir = ytree_get(n, "wdir");
	if (cmd && cmd->type == YNODE_SCALAR) {
		s->cmd = xmalloc(sizeof(char *));
		s->cmd[s->ncmd++] = xstrdup(cmd->str);
	} else if (cmd && cmd->type == YNODE_SEQ) {
		s->cmd = xcalloc(cmd->n ? cmd->n : 1, sizeof(char *));
		for (size_t i = 0; i < cmd->n; i++) {
			if (cmd->items[i]->type != YNODE_SCALAR)
				return bad(file, cmd->items[i], "cmd entries must be strings");
			s->cmd[s->ncmd++] = xstrdup(cmd->items[i]->str);
		}
	} else {
		return bad(file, n, "a stage entry has no 'cmd'");
	}
	if (wdir) {
		const char *why;
		if (wdir->type != YNODE_SCALAR || !wdir->len)
			return bad(file, wdir, "a stage's 'wdir' must be a path");
		char *dir = lock_dir(file);
		why = path_problem(wdir->str, wdir->len, dir);
		free(dir);
		if (why)
			return bad_path(file, wdir, why);
	}
	s->wdir = xstrdup(wdir ? wdir->str : ".");
	const struct ynode *b = ytree_get(n, "builtins"), *p = ytree_get(n, "params");
	if (b)
		s->builtins = ytree_to_json(b);
	if (p) {
		if (p->type != YNODE_MAP)
			return bad(file, p, "params must map files to keys");
		s->params = ytree_to_json(p);
	}
	char *dir = lock_dir(file), *base = path_join_dup(dir, s->wdir);
	free(dir);
	int ret = parse_entries(&s->deps, &s->ndeps, ytree_get(n, "deps"), file, base) < 0 ||
		  parse_entries(&s->outs, &s->nouts, ytree_get(n, "outs"), file, base) < 0 ? -1 : 0;
	free(base);
	return ret;
}

/*
 * 1 when root looks like DVC's dvc.lock rather than ours: DVC's schema
 * '2.0' (or a later major version), or, for DVC 1's locks without a schema,
 * a dep or out recorded with an md5 hash.
 */
static int is_dvc_lock(const struct ynode *root, const struct ynode *schema)
{
	if (schema)
		return schema->type == YNODE_SCALAR && strchr(schema->str, '.') && strcmp(schema->str, LOCK_SCHEMA);
	const struct ynode *stages = ytree_get(root, "stages");
	if (!stages && root->type == YNODE_MAP && root->n)
		stages = root; /* DVC 1: stage names at the top level */
	for (size_t i = 0; stages && stages->type == YNODE_MAP && i < stages->n; i++) {
		const struct ynode *st = stages->items[i];
		if (st->type != YNODE_MAP)
			continue;
		const struct ynode *lists[] = { ytree_get(st, "deps"), ytree_get(st, "outs") };
		for (int k = 0; k < 2; k++)
			for (size_t j = 0; lists[k] && lists[k]->type == YNODE_SEQ && j < lists[k]->n; j++)
				if (lists[k]->items[j]->type == YNODE_MAP && ytree_get(lists[k]->items[j], "md5"))
					return 1;
	}
	return 0;
}

int lock_read(struct lock *l, const char *path, const struct file_source *src)
{
	struct strbuf sb = STRBUF_INIT;
	struct ynode *root = NULL;
	int ret = -1;

	memset(l, 0, sizeof(*l));
	int r = src->read(src->ctx, path, &sb);
	if (r == 1) {
		strbuf_release(&sb);
		return 0;
	}
	if (r < 0 || ytree_parse(sb.buf, sb.len, path, &root) < 0)
		goto done;
	const struct ynode *schema = ytree_get(root, "schema");
	if (is_dvc_lock(root, schema)) {
		if (schema)
			error_at(path, schema->line, schema->col, "'%s' is DVC's lock (schema %s), not repro's "
				 "(repro's lock beside a dvc.yaml is dvc.repro.lock)", path, schema->str);
		else
			error_at(path, 1, 1, "'%s' is DVC's lock, not repro's "
				 "(repro's lock beside a dvc.yaml is dvc.repro.lock)", path);
		goto done;
	}
	if (schema && (schema->type != YNODE_SCALAR || strcmp(schema->str, LOCK_SCHEMA))) {
		error_at(path, schema->line, schema->col,
			 "lock schema '%s' is not supported by this repro (it reads '%s'); upgrade repro",
			 schema->type == YNODE_SCALAR ? schema->str : "?", LOCK_SCHEMA);
		goto done;
	}
	const struct ynode *stages = ytree_get(root, "stages");
	if (stages && stages->type != YNODE_MAP) {
		bad(path, stages, "'stages' must be a mapping");
		goto done;
	}
	for (size_t i = 0; stages && i < stages->n; i++) {
		struct lock_stage s;
		if (parse_stage(&s, stages->keys[i]->str, stages->items[i], path) < 0) {
			lock_stage_release(&s);
			goto done;
		}
		lock_put(l, &s);
	}
	ret = 0;
done:
	if (ret < 0)
		lock_release(l);
	ytree_free(root);
	strbuf_release(&sb);
	return ret;
}

/* ---- writing ---- */

void lock_emit_entry(struct yemit *y, const struct lock_entry *e)
{
	yemit_map_start(y);
	yemit_kv(y, "path", e->path);
	if (e->etag)
		yemit_kv(y, "etag", e->etag);
	if (e->hi.id[0]) {
		yemit_kv(y, "sha256", e->hi.id);
		yemit_str(y, "size");
		yemit_u64(y, e->hi.size);
		if (e->hi.isdir) {
			yemit_str(y, "nfiles");
			yemit_u64(y, e->hi.nfiles);
		}
	}
	yemit_map_end(y);
}

static void emit_entries(struct yemit *y, const char *key, const struct lock_entry *e, size_t n)
{
	if (!n)
		return;
	yemit_str(y, key);
	yemit_seq_start(y);
	for (size_t i = 0; i < n; i++)
		lock_emit_entry(y, &e[i]);
	yemit_seq_end(y);
}

static void emit_stage(struct yemit *y, const struct lock_stage *s)
{
	yemit_str(y, s->name);
	yemit_map_start(y);
	yemit_str(y, "cmd");
	if (s->ncmd == 1) {
		yemit_str(y, s->cmd[0]);
	} else {
		yemit_seq_start(y);
		for (size_t i = 0; i < s->ncmd; i++)
			yemit_str(y, s->cmd[i]);
		yemit_seq_end(y);
	}
	if (s->wdir && strcmp(s->wdir, "."))
		yemit_kv(y, "wdir", s->wdir);
	if (s->builtins && s->builtins->child) {
		yemit_str(y, "builtins");
		yemit_json(y, s->builtins);
	}
	emit_entries(y, "deps", s->deps, s->ndeps);
	if (s->params && s->params->child) {
		yemit_str(y, "params");
		yemit_json(y, s->params);
	}
	emit_entries(y, "outs", s->outs, s->nouts);
	yemit_map_end(y);
}

void lock_serialize(const struct lock *l, const struct pipeline *p, struct strbuf *out)
{
	struct yemit y;

	yemit_begin(&y, out);
	yemit_map_start(&y);
	yemit_kv(&y, "schema", LOCK_SCHEMA);
	yemit_str(&y, "stages");
	yemit_map_start(&y);
	/* pipeline order first, so the lock reads like the stages file ... */
	unsigned char *done = xcalloc(l->n + 1, 1);
	for (size_t i = 0; p && i < p->n; i++) {
		struct lock_stage *s = lock_find(l, p->stages[i].name);
		if (s) {
			emit_stage(&y, s);
			done[s - l->stages] = 1;
		}
	}
	/* ... then entries of stages no longer declared are dropped: a lock
	 * describes the pipeline it sits beside. Without a pipeline, keep all. */
	for (size_t i = 0; !p && i < l->n; i++)
		if (!done[i])
			emit_stage(&y, &l->stages[i]);
	free(done);
	yemit_map_end(&y);
	yemit_map_end(&y);
	yemit_end(&y);
}

int lock_write(const struct lock *l, const struct pipeline *p, const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	lock_serialize(l, p, &sb);
	int r = write_file_atomic(path, sb.buf, sb.len, 0644);
	strbuf_release(&sb);
	return r;
}
