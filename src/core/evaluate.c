#include "core/evaluate.h"

#include <stdlib.h>
#include <string.h>

#include "builtin/builtin.h"
#include "core/hash.h"
#include "core/urldep.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

static void add_change(struct stage_eval *ev, enum change_kind kind, const char *subject, const char *detail)
{
	ev->changes = xrealloc(ev->changes, (ev->nchanges + 1) * sizeof(*ev->changes));
	struct change *c = &ev->changes[ev->nchanges++];
	c->kind = kind;
	c->subject = subject ? xstrdup(subject) : NULL;
	c->detail = detail ? xstrdup(detail) : NULL;
	if (kind != CHANGE_OUT_DELETED && kind != CHANGE_OUT_MODIFIED)
		ev->needs_run = 1;
}

void stage_eval_release(struct stage_eval *ev)
{
	for (size_t i = 0; i < ev->nchanges; i++) {
		free(ev->changes[i].subject);
		free(ev->changes[i].detail);
	}
	free(ev->changes);
	lock_stage_release(&ev->cur);
	memset(ev, 0, sizeof(*ev));
}

/* Fills cur.deps with the current content id of every dep. */
static int hash_deps(struct stage_eval *ev, struct eval_ctx *ctx)
{
	struct stage *s = ev->stage;

	ev->cur.deps = xcalloc(s->ndeps ? s->ndeps : 1, sizeof(*ev->cur.deps));
	for (size_t i = 0; i < s->ndeps; i++) {
		struct lock_entry *e = &ev->cur.deps[ev->cur.ndeps++];
		e->path = xstrdup(s->deps[i].decl);
		if (s->deps[i].is_url) {
			if (urldep_check(s->deps[i].path, &e->etag) < 0)
				return -1;
			continue;
		}
		int r = hash_path(ctx->hasher, s->deps[i].path, &e->hi, NULL);
		if (r < 0)
			return -1;
		if (r == 1)
			ev->missing_deps++;
	}
	return 0;
}

/* 1 when declared param p cannot be read: its file or its key is missing. */
static int param_missing(struct eval_ctx *ctx, const struct stage_param *p)
{
	const struct params_file *f = params_load(ctx->params, p->file);

	return f->missing || (p->key && !params_get(ctx->params, p->file, p->key));
}

/* Fills cur.params with {file: {key: value}} for every declared param. */
static int read_params(struct stage_eval *ev, struct eval_ctx *ctx, int *missing)
{
	struct stage *s = ev->stage;

	*missing = 0;
	if (!s->nparams)
		return 0;
	ev->cur.params = cJSON_CreateObject();
	for (size_t i = 0; i < s->nparams; i++) {
		const struct stage_param *p = &s->params[i];
		const struct params_file *f = params_load(ctx->params, p->file);
		if (f->broken)
			return -1;
		if (param_missing(ctx, p)) {
			(*missing)++;
			continue;
		}
		cJSON *byfile = cJSON_GetObjectItemCaseSensitive(ev->cur.params, p->decl_file);
		if (!byfile)
			byfile = cJSON_AddObjectToObject(ev->cur.params, p->decl_file);
		if (!p->key) {
			/* the whole file: every top-level key is a param */
			if (f->root && !cJSON_IsObject(f->root))
				return error("params file '%s' of stage '%s' must hold a mapping of params",
					     p->decl_file, s->name);
			for (const cJSON *c = f->root ? f->root->child : NULL; c; c = c->next)
				if (!cJSON_GetObjectItemCaseSensitive(byfile, c->string))
					cJSON_AddItemToObject(byfile, c->string, cJSON_Duplicate(c, 1));
			continue;
		}
		const cJSON *v = params_get(ctx->params, p->file, p->key);
		if (!cJSON_GetObjectItemCaseSensitive(byfile, p->key))
			cJSON_AddItemToObject(byfile, p->key, cJSON_Duplicate(v, 1));
	}
	return 0;
}

static int hash_outs(struct stage_eval *ev, struct eval_ctx *ctx)
{
	struct stage *s = ev->stage;

	for (size_t i = 0; i < ev->cur.nouts; i++) {
		free(ev->cur.outs[i].path);
		free(ev->cur.outs[i].etag);
	}
	free(ev->cur.outs);
	ev->cur.nouts = 0;
	ev->cur.outs = xcalloc(s->nouts ? s->nouts : 1, sizeof(*ev->cur.outs));
	for (size_t i = 0; i < s->nouts; i++) {
		struct lock_entry *e = &ev->cur.outs[ev->cur.nouts++];
		e->path = xstrdup(s->outs[i].decl);
		int r = hash_path(ctx->hasher, s->outs[i].path, &e->hi, NULL);
		if (r < 0)
			return -1;
		if (r == 1)
			memset(&e->hi, 0, sizeof(e->hi));
	}
	return 0;
}

int stage_eval_rehash_outs(struct stage_eval *ev, struct eval_ctx *ctx)
{
	return hash_outs(ev, ctx);
}

static void compare_deps(struct stage_eval *ev)
{
	const struct lock_stage *l = ev->locked;

	for (size_t i = 0; i < ev->cur.ndeps; i++) {
		struct lock_entry *c = &ev->cur.deps[i];
		struct lock_entry *old = lock_entry_find(l->deps, l->ndeps, c->path);
		if (!ev->stage->deps[i].is_url && !c->hi.id[0])
			add_change(ev, CHANGE_DEP_MISSING, c->path, NULL);
		else if (!old)
			add_change(ev, CHANGE_DEP_ADDED, c->path, NULL);
		else if (strcmp(old->hi.id, c->hi.id) || (c->etag && (!old->etag || strcmp(old->etag, c->etag))))
			add_change(ev, CHANGE_DEP_MODIFIED, c->path, NULL);
	}
	for (size_t i = 0; i < l->ndeps; i++)
		if (!lock_entry_find(ev->cur.deps, ev->cur.ndeps, l->deps[i].path))
			add_change(ev, CHANGE_DEP_REMOVED, l->deps[i].path, NULL);
}

static void param_subject(struct strbuf *sb, const char *file, const char *key)
{
	strbuf_reset(sb);
	if (strcmp(file, "params.yaml"))
		strbuf_addf(sb, "%s:", file);
	strbuf_addstr(sb, key);
}

static void compare_params(struct stage_eval *ev)
{
	const cJSON *oldp = ev->locked->params, *curp = ev->cur.params;
	struct strbuf subj = STRBUF_INIT, det = STRBUF_INIT;

	for (const cJSON *f = curp ? curp->child : NULL; f; f = f->next) {
		const cJSON *of = oldp ? cJSON_GetObjectItemCaseSensitive(oldp, f->string) : NULL;
		for (const cJSON *k = f->child; k; k = k->next) {
			const cJSON *ov = of ? cJSON_GetObjectItemCaseSensitive(of, k->string) : NULL;
			param_subject(&subj, f->string, k->string);
			if (!ov) {
				add_change(ev, CHANGE_PARAM_ADDED, subj.buf, NULL);
			} else if (!json_equal(ov, k)) {
				strbuf_reset(&det);
				json_canonical(ov, &det);
				strbuf_addstr(&det, " -> ");
				json_canonical(k, &det);
				add_change(ev, CHANGE_PARAM_MODIFIED, subj.buf, det.buf);
			}
		}
	}
	for (const cJSON *f = oldp ? oldp->child : NULL; f; f = f->next) {
		const cJSON *cf = curp ? cJSON_GetObjectItemCaseSensitive(curp, f->string) : NULL;
		for (const cJSON *k = f->child; k; k = k->next)
			if (!cf || !cJSON_GetObjectItemCaseSensitive(cf, k->string)) {
				param_subject(&subj, f->string, k->string);
				add_change(ev, CHANGE_PARAM_REMOVED, subj.buf, NULL);
			}
	}
	strbuf_release(&subj);
	strbuf_release(&det);
}

static int same_cmd(const struct lock_stage *a, const struct lock_stage *b)
{
	if (a->ncmd != b->ncmd)
		return 0;
	for (size_t i = 0; i < a->ncmd; i++)
		if (strcmp(a->cmd[i], b->cmd[i]))
			return 0;
	return 1;
}

static void compare_builtins(struct stage_eval *ev)
{
	const cJSON *old = ev->locked->builtins;

	for (const cJSON *b = ev->cur.builtins ? ev->cur.builtins->child : NULL; b; b = b->next) {
		const cJSON *o = old ? cJSON_GetObjectItemCaseSensitive(old, b->string) : NULL;
		if (!o || !cJSON_IsString(o) || strcmp(o->valuestring, b->valuestring))
			add_change(ev, CHANGE_BUILTIN, b->string, NULL);
	}
}

/* Outs: first whether the declared set changed, then their content. */
static void compare_outs(struct stage_eval *ev, struct eval_ctx *ctx)
{
	const struct lock_stage *l = ev->locked;
	int declared_same = l->nouts == ev->cur.nouts;

	for (size_t i = 0; declared_same && i < ev->cur.nouts; i++)
		declared_same = lock_entry_find(l->outs, l->nouts, ev->cur.outs[i].path) != NULL;
	if (!declared_same) {
		add_change(ev, CHANGE_OUTS_DECLARED, NULL, NULL);
		return;
	}
	ev->outs_restorable = 1;
	for (size_t i = 0; i < ev->cur.nouts; i++) {
		const struct lock_entry *c = &ev->cur.outs[i];
		const struct lock_entry *old = lock_entry_find(l->outs, l->nouts, c->path);
		if (!strcmp(c->hi.id, old->hi.id))
			continue;
		int cached = cache_contains(ctx->cache, old->hi.id) == 1;
		ev->outs_dirty = 1;
		if (!cached)
			ev->outs_restorable = 0;
		add_change(ev, c->hi.id[0] ? CHANGE_OUT_MODIFIED : CHANGE_OUT_DELETED, c->path,
			   cached ? "in cache" : "not in cache");
	}
}

int stage_evaluate(struct stage_eval *ev, struct stage *s, const struct lock_stage *locked, struct eval_ctx *ctx)
{
	memset(ev, 0, sizeof(*ev));
	ev->stage = s;
	ev->locked = locked;
	ev->cur.name = xstrdup(s->name);
	ev->cur.ncmd = s->ncmd;
	ev->cur.cmd = xcalloc(s->ncmd, sizeof(char *));
	for (size_t i = 0; i < s->ncmd; i++)
		ev->cur.cmd[i] = xstrdup(s->cmd[i]);
	ev->cur.wdir = xstrdup(s->lock_wdir ? s->lock_wdir : s->wdir);
	if (s->nbuiltins) {
		ev->cur.builtins = cJSON_CreateObject();
		for (size_t i = 0; i < s->nbuiltins; i++)
			cJSON_AddStringToObject(ev->cur.builtins, s->builtins[i], builtin_code_hash(s->builtins[i]));
	}
	if (hash_deps(ev, ctx) < 0 || read_params(ev, ctx, &ev->missing_params) < 0 || hash_outs(ev, ctx) < 0) {
		ev->error = 1;
		return -1;
	}
	lock_stage_signature(&ev->cur, ev->signature);

	if (s->always_changed)
		add_change(ev, CHANGE_ALWAYS, NULL, NULL);
	else if (s->callback)
		add_change(ev, CHANGE_CALLBACK, NULL, NULL);
	if (!locked) {
		add_change(ev, CHANGE_NEW, NULL, NULL);
	} else {
		if (!same_cmd(&ev->cur, locked))
			add_change(ev, CHANGE_CMD, NULL, NULL);
		if (strcmp(ev->cur.wdir, locked->wdir))
			add_change(ev, CHANGE_WDIR, NULL, NULL);
		compare_builtins(ev);
		compare_deps(ev);
		compare_params(ev);
		compare_outs(ev, ctx);
	}
	/* A declared param that is in no file is reported by name: the key
	 * (NULL for a whole-file param) and the file. */
	for (size_t i = 0; ev->missing_params && i < s->nparams; i++) {
		const struct stage_param *p = &s->params[i];
		if (param_missing(ctx, p))
			add_change(ev, CHANGE_PARAM_MISSING, p->key, p->decl_file);
	}
	return 0;
}

int stage_eval_report_missing(const struct stage_eval *ev, struct eval_ctx *ctx, const char *stages_file)
{
	const struct stage *s = ev->stage;

	for (size_t i = 0; i < s->nparams; i++) {
		const struct stage_param *p = &s->params[i];
		if (!param_missing(ctx, p))
			continue;
		int seen = 0; /* a missing file is reported once, where first declared */
		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(s->params[k].file, p->file);
		if (params_load(ctx->params, p->file)->missing && seen)
			continue;
		if (params_load(ctx->params, p->file)->missing)
			error_at(stages_file, p->line, p->col, "params file '%s' of stage '%s' does not exist",
				 p->decl_file, s->name);
		else
			error_at(stages_file, p->line, p->col, "param '%s' of stage '%s' is not in '%s'", p->key,
				 s->name, p->decl_file);
	}
	for (size_t k = 0; k < ev->cur.ndeps && k < s->ndeps; k++)
		if (!s->deps[k].is_url && !ev->cur.deps[k].hi.id[0])
			error_at(stages_file, s->deps[k].line, s->deps[k].col,
				 "dep '%s' of stage '%s' does not exist (no stage produces it: create it, "
				 "or 'repro add' it)", s->deps[k].decl, s->name);
	return ev->missing_params || ev->missing_deps ? -1 : 0;
}

void change_describe(const struct change *c, struct strbuf *out)
{
	static const char *const words[] = {
		[CHANGE_NEW] = "never ran (no lock entry)",
		[CHANGE_CMD] = "cmd changed",
		[CHANGE_WDIR] = "wdir changed",
		[CHANGE_BUILTIN] = "code of built-in",
		[CHANGE_DEP_MODIFIED] = "modified dep",
		[CHANGE_DEP_ADDED] = "new dep",
		[CHANGE_DEP_REMOVED] = "removed dep",
		[CHANGE_DEP_MISSING] = "missing dep",
		[CHANGE_PARAM_MODIFIED] = "modified param",
		[CHANGE_PARAM_ADDED] = "new param",
		[CHANGE_PARAM_REMOVED] = "removed param",
		[CHANGE_PARAM_MISSING] = "missing param",
		[CHANGE_OUTS_DECLARED] = "declared outs changed",
		[CHANGE_ALWAYS] = "always_changed",
		[CHANGE_CALLBACK] = "no deps, params or outs: runs every time",
		[CHANGE_OUT_DELETED] = "deleted out",
		[CHANGE_OUT_MODIFIED] = "modified out",
	};
	if (c->kind == CHANGE_PARAM_MISSING) {
		if (c->subject)
			strbuf_addf(out, "missing param '%s' in '%s'", c->subject, c->detail);
		else
			strbuf_addf(out, "missing params file '%s'", c->detail);
		return;
	}
	strbuf_addstr(out, words[c->kind]);
	if (c->subject)
		strbuf_addf(out, " '%s'", c->subject);
	if (c->kind == CHANGE_BUILTIN)
		strbuf_addstr(out, " changed");
	if (c->detail)
		strbuf_addf(out, " (%s)", c->detail);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct lock_entry *)a)->path, ((const struct lock_entry *)b)->path);
}

void lock_stage_signature(const struct lock_stage *s, char hex[HASH_HEX_LEN + 1])
{
	struct strbuf sb = STRBUF_INIT;
	struct lock_entry *deps = xcalloc(s->ndeps + 1, sizeof(*deps));
	struct lock_entry *outs = xcalloc(s->nouts + 1, sizeof(*outs));

	/* NUL-separated fields under a version tag: no two different stages
	 * can serialise to the same bytes. */
	strbuf_addstr(&sb, "repro-signature-1");
	strbuf_addch(&sb, '\0');
	for (size_t i = 0; i < s->ncmd; i++) {
		strbuf_addf(&sb, "cmd%c%s", 0, s->cmd[i]);
		strbuf_addch(&sb, '\0');
	}
	strbuf_addf(&sb, "wdir%c%s", 0, s->wdir ? s->wdir : ".");
	strbuf_addch(&sb, '\0');
	memcpy(deps, s->deps, s->ndeps * sizeof(*deps));
	qsort(deps, s->ndeps, sizeof(*deps), cmp_entry);
	for (size_t i = 0; i < s->ndeps; i++) {
		strbuf_addf(&sb, "dep%c%s%c%s%c%s", 0, deps[i].path, 0, deps[i].hi.id, 0,
			    deps[i].etag ? deps[i].etag : "");
		strbuf_addch(&sb, '\0');
	}
	strbuf_addstr(&sb, "params");
	strbuf_addch(&sb, '\0');
	json_canonical(s->params, &sb);
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, "builtins");
	strbuf_addch(&sb, '\0');
	json_canonical(s->builtins, &sb);
	strbuf_addch(&sb, '\0');
	memcpy(outs, s->outs, s->nouts * sizeof(*outs));
	qsort(outs, s->nouts, sizeof(*outs), cmp_entry);
	for (size_t i = 0; i < s->nouts; i++) {
		strbuf_addf(&sb, "out%c%s", 0, outs[i].path);
		strbuf_addch(&sb, '\0');
	}
	hash_buffer(sb.buf, sb.len, hex);
	free(deps);
	free(outs);
	strbuf_release(&sb);
}
