/*
 * The fields of one concrete stage: cmd, wdir, deps, params, outs, metrics,
 * plots, frozen, always_changed, desc, meta. Each error names the file,
 * line and column, the stage, and for unknown keys the nearest valid one.
 */
#include <stdlib.h>
#include <string.h>

#include "builtin/builtin.h"
#include "core/stage_internal.h"
#include "core/tree.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/suggest.h"
#include "util/xalloc.h"

static const char *const stage_keys[] = {
	"cmd", "wdir", "deps", "params", "outs", "metrics", "plots",
	"frozen", "always_changed", "desc", "meta",
	/* only beside a plain stage's fields, never in an expansion's */
	"foreach", "matrix", "vars",
};
#define NSTAGE_KEYS_EXPANDED 11
static const char *const out_keys[] = {
	"cache", "persist", "push", "desc", "type", "labels", "meta", "remote",
	/* plots only */
	"x", "y", "x_label", "y_label", "title", "template", "header",
};
#define NOUT_KEYS_PLAIN 8

struct fctx {
	const char *file;  /* stages file, for messages */
	const char *stage; /* stage name, for messages */
	const char *base;  /* directory of the stages file */
};

static int unknown_key(const struct fctx *f, const struct ynode *k, const char *const *keys, size_t n,
		       const char *what)
{
	const char *s = suggest(k->str, keys, n);

	if (s)
		return error_at(f->file, k->line, k->col, "unknown key '%s' in %s of stage '%s' (did you mean '%s'?)",
				k->str, what, f->stage, s);
	return error_at(f->file, k->line, k->col, "unknown key '%s' in %s of stage '%s'", k->str, what, f->stage);
}

static int want(const struct fctx *f, const struct ynode *n, enum ynode_type t, const char *key)
{
	static const char *names[] = { "a string", "a list", "a mapping" };

	if (n->type == t)
		return 0;
	return error_at(f->file, n->line, n->col, "'%s' of stage '%s' must be %s, not %s", key, f->stage,
			names[t], ytree_type_name(n));
}

static int want_bool(const struct fctx *f, const struct ynode *n, const char *key, int *out)
{
	if (ytree_bool(n, out))
		return 0;
	return error_at(f->file, n->line, n->col, "'%s' of stage '%s' must be true or false, not '%s'", key,
			f->stage, n->type == YNODE_SCALAR ? n->str : ytree_type_name(n));
}

/*
 * A path declared as scalar `n` may hold a NUL byte (YAML's "\0"), which
 * every C string would silently cut short: refuse it. -1 reported.
 */
static int no_nul(const struct fctx *f, const struct ynode *n, const char *what)
{
	struct strbuf q = STRBUF_INIT;

	if (!memchr(n->str, '\0', n->len))
		return 0;
	path_quote_len(&q, n->str, n->len);
	error_at(f->file, n->line, n->col, "%s '%s' of stage '%s': NUL character in path", what, q.buf, f->stage);
	strbuf_release(&q);
	return -1;
}

/* Resolves `decl` (relative to wdir) into a normalised project path. */
static char *resolve(const struct fctx *f, const char *wdir, const struct ynode *at, const char *decl,
		     const char *what)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT, q = STRBUF_INIT;
	const char *why;

	if (decl == at->str && no_nul(f, at, what) < 0)
		return NULL;
	/* quoted: a hostile name must not forge lines of output */
	path_quote(&q, decl);
	if (decl[0] == '/') {
		error_at(f->file, at->line, at->col,
			 "%s '%s' of stage '%s' is an absolute path; use a path inside the project", what, q.buf,
			 f->stage);
		goto fail;
	}
	path_join(&in, wdir, decl);
	if (path_normalize(in.buf, &out, &why) < 0) {
		error_at(f->file, at->line, at->col, "%s '%s' of stage '%s': %s", what, q.buf, f->stage, why);
		goto fail;
	}
	if (!strcmp(out.buf, ".") || !strcmp(out.buf, ".repro") || !strncmp(out.buf, ".repro/", 7) ||
	    !strcmp(out.buf, ".git") || !strncmp(out.buf, ".git/", 5)) {
		error_at(f->file, at->line, at->col, "%s '%s' of stage '%s' names the project root, .git or .repro",
			 what, q.buf, f->stage);
		goto fail;
	}
	strbuf_release(&in);
	strbuf_release(&q);
	return strbuf_detach(&out, NULL);
fail:
	strbuf_release(&in);
	strbuf_release(&out);
	strbuf_release(&q);
	return NULL;
}

static int parse_cmd(struct stage *s, const struct fctx *f, const struct ynode *n)
{
	if (n->type == YNODE_SCALAR) {
		if (!n->len)
			return error_at(f->file, n->line, n->col, "'cmd' of stage '%s' is empty", f->stage);
		s->cmd = xmalloc(sizeof(char *));
		s->cmd[s->ncmd++] = xstrdup(n->str);
		return 0;
	}
	if (want(f, n, YNODE_SEQ, "cmd") < 0)
		return -1;
	if (!n->n)
		return error_at(f->file, n->line, n->col, "'cmd' of stage '%s' is an empty list", f->stage);
	s->cmd = xcalloc(n->n, sizeof(char *));
	for (size_t i = 0; i < n->n; i++) {
		if (want(f, n->items[i], YNODE_SCALAR, "cmd") < 0)
			return -1;
		s->cmd[s->ncmd++] = xstrdup(n->items[i]->str);
	}
	return 0;
}

static int parse_deps(struct stage *s, const struct fctx *f, const struct ynode *n)
{
	if (want(f, n, YNODE_SEQ, "deps") < 0)
		return -1;
	s->deps = xcalloc(n->n ? n->n : 1, sizeof(*s->deps));
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i];
		if (want(f, it, YNODE_SCALAR, "deps") < 0)
			return -1;
		struct stage_dep *d = &s->deps[s->ndeps];
		d->line = it->line;
		d->col = it->col;
		if (no_nul(f, it, "dep") < 0)
			return -1;
		if (!strncmp(it->str, "http://", 7) || !strncmp(it->str, "https://", 8)) {
			d->is_url = 1;
			d->path = xstrdup(it->str);
		} else if (!(d->path = resolve(f, s->wdir, it, it->str, "dep"))) {
			return -1;
		}
		d->decl = xstrdup(it->str);
		s->ndeps++;
	}
	return 0;
}

static void add_param(struct stage *s, const char *file, const char *decl_file, const char *key,
		      const struct ynode *at)
{
	s->params = xrealloc(s->params, (s->nparams + 1) * sizeof(*s->params));
	struct stage_param *p = &s->params[s->nparams++];
	p->file = xstrdup(file);
	p->decl_file = xstrdup(decl_file);
	p->key = key ? xstrdup(key) : NULL;
	p->line = at->line;
	p->col = at->col;
}

static int parse_params(struct stage *s, const struct fctx *f, const struct ynode *n)
{
	if (want(f, n, YNODE_SEQ, "params") < 0)
		return -1;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i];
		if ((it->type == YNODE_MAP && !it->n) ||
		    (it->type == YNODE_SCALAR && (!it->len || ytree_scalar_kind(it) == YS_NULL)))
			return error_at(f->file, it->line, it->col,
					"an empty 'params' entry in stage '%s'; name a key of params.yaml or "
					"{file: [keys]}", f->stage);
		if (it->type == YNODE_SCALAR) {
			char *file = resolve(f, s->wdir, it, "params.yaml", "params file");
			if (!file)
				return -1;
			add_param(s, file, "params.yaml", it->str, it);
			free(file);
			continue;
		}
		if (it->type != YNODE_MAP)
			return error_at(f->file, it->line, it->col,
					"a 'params' entry of stage '%s' must be a key or a mapping {file: [keys]}", f->stage);
		for (size_t j = 0; j < it->n; j++) {
			const struct ynode *k = it->keys[j], *keys = it->items[j];
			char *file = resolve(f, s->wdir, k, k->str, "params file");
			if (!file)
				return -1;
			if (keys->type == YNODE_SCALAR && ytree_scalar_kind(keys) == YS_NULL) {
				add_param(s, file, k->str, NULL, k); /* every key of the file */
			} else if (keys->type == YNODE_SEQ) {
				if (!keys->n)
					add_param(s, file, k->str, NULL, k);
				for (size_t m = 0; m < keys->n; m++) {
					if (keys->items[m]->type != YNODE_SCALAR) {
						free(file);
						return error_at(f->file, keys->items[m]->line, keys->items[m]->col,
								"params keys of stage '%s' must be strings", f->stage);
					}
					add_param(s, file, k->str, keys->items[m]->str, keys->items[m]);
				}
			} else {
				free(file);
				return error_at(f->file, keys->line, keys->col,
						"params of '%s' in stage '%s' must be a list of keys", k->str, f->stage);
			}
			free(file);
		}
	}
	return 0;
}

static int parse_out_options(struct stage_out *o, const struct fctx *f, const struct ynode *opts)
{
	size_t nkeys = o->kind == OUT_PLOT ? sizeof(out_keys) / sizeof(out_keys[0]) : NOUT_KEYS_PLAIN;

	if (opts->type == YNODE_SCALAR && ytree_scalar_kind(opts) == YS_NULL)
		return 0;
	if (opts->type != YNODE_MAP)
		return error_at(f->file, opts->line, opts->col, "options of out '%s' in stage '%s' must be a mapping",
				o->decl, f->stage);
	for (size_t i = 0; i < opts->n; i++) {
		const struct ynode *k = opts->keys[i], *v = opts->items[i];
		size_t j;
		for (j = 0; j < nkeys; j++)
			if (!strcmp(k->str, out_keys[j]))
				break;
		if (j == nkeys)
			return unknown_key(f, k, out_keys, nkeys, "an out");
		if (!strcmp(k->str, "cache") && want_bool(f, v, "cache", &o->cache) < 0)
			return -1;
		if (!strcmp(k->str, "persist") && want_bool(f, v, "persist", &o->persist) < 0)
			return -1;
		if (!strcmp(k->str, "push") && want_bool(f, v, "push", &o->push) < 0)
			return -1;
		if (j >= NOUT_KEYS_PLAIN) {
			if (!o->props)
				o->props = cJSON_CreateObject();
			cJSON_AddItemToObject(o->props, k->str, ytree_to_json(v));
		}
	}
	return 0;
}

static int parse_outs(struct stage *s, const struct fctx *f, const struct ynode *n, enum out_kind kind,
		      const char *key)
{
	if (want(f, n, YNODE_SEQ, key) < 0)
		return -1;
	s->outs = xrealloc(s->outs, (s->nouts + n->n + 1) * sizeof(*s->outs));
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i], *name = it, *opts = NULL;
		if (it->type == YNODE_MAP) {
			if (it->n != 1)
				return error_at(f->file, it->line, it->col,
						"an entry of '%s' in stage '%s' must be 'path' or 'path: {options}'", key,
						f->stage);
			name = it->keys[0];
			opts = it->items[0];
		} else if (it->type != YNODE_SCALAR) {
			return error_at(f->file, it->line, it->col, "an entry of '%s' in stage '%s' must be a path", key,
					f->stage);
		}
		struct stage_out *o = &s->outs[s->nouts];
		memset(o, 0, sizeof(*o));
		o->kind = kind;
		o->cache = 1; /* as in DVC, metrics and plots are cached unless "cache: false" */
		o->push = 1;
		o->line = name->line;
		o->col = name->col;
		o->decl = xstrdup(name->str);
		o->path = resolve(f, s->wdir, name, name->str, "out");
		s->nouts++;
		if (!o->path || (opts && parse_out_options(o, f, opts) < 0))
			return -1;
	}
	return 0;
}

/* Finds "repro builtin NAME" in a command and records NAME. */
static void scan_builtins(struct stage *s, const char *cmd)
{
	const char *p = cmd;

	while ((p = strstr(p, "builtin"))) {
		const char *start = p;
		p += 7;
		if (!(*p == ' ' || *p == '\t'))
			continue;
		/* the word before must end in "repro" */
		const char *w = start;
		while (w > cmd && (w[-1] == ' ' || w[-1] == '\t'))
			w--;
		if (w - cmd < 5 || strncmp(w - 5, "repro", 5) || (w - 5 > cmd && !strchr(" \t/;&|(\"'", w[-6])))
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-");
		if (!len)
			continue;
		char *name = xstrndup(p, len);
		int dup = 0;
		for (size_t i = 0; i < s->nbuiltins; i++)
			dup |= !strcmp(s->builtins[i], name);
		if (dup || !builtin_code_hash(name)) {
			free(name);
			continue;
		}
		s->builtins = xrealloc(s->builtins, (s->nbuiltins + 1) * sizeof(char *));
		s->builtins[s->nbuiltins++] = name;
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int parse_field(struct stage *s, const struct fctx *f, const struct ynode *k, const struct ynode *v)
{
	const char *key = k->str;

	if (!strcmp(key, "cmd"))
		return parse_cmd(s, f, v);
	if (!strcmp(key, "wdir"))
		return 0; /* handled first, since other paths depend on it */
	if (!strcmp(key, "deps"))
		return parse_deps(s, f, v);
	if (!strcmp(key, "params"))
		return parse_params(s, f, v);
	if (!strcmp(key, "outs"))
		return parse_outs(s, f, v, OUT_PLAIN, "outs");
	if (!strcmp(key, "metrics"))
		return parse_outs(s, f, v, OUT_METRIC, "metrics");
	if (!strcmp(key, "plots"))
		return parse_outs(s, f, v, OUT_PLOT, "plots");
	if (!strcmp(key, "frozen"))
		return want_bool(f, v, "frozen", &s->frozen);
	if (!strcmp(key, "always_changed"))
		return want_bool(f, v, "always_changed", &s->always_changed);
	if (!strcmp(key, "desc")) {
		if (want(f, v, YNODE_SCALAR, "desc") < 0)
			return -1;
		s->desc = xstrdup(v->str);
		return 0;
	}
	if (!strcmp(key, "meta")) {
		s->meta = ytree_to_json(v);
		return 0;
	}
	if (!strcmp(key, "do"))
		return error_at(f->file, k->line, k->col, "stage '%s' has 'do' without 'foreach'", f->stage);
	/* an expansion ("train@1") never takes foreach, matrix or vars: do not suggest them */
	size_t nkeys = strchr(f->stage, '@') ? NSTAGE_KEYS_EXPANDED : sizeof(stage_keys) / sizeof(stage_keys[0]);
	return unknown_key(f, k, stage_keys, nkeys, "the definition");
}

/*
 * `path` (a normalised project path) as seen from directory `base` (also
 * normalised): "." when the same, "x" below it, "../x" beside it.
 */
static char *relative_to(const char *path, const char *base)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = strcmp(path, ".") ? path : "", *b = strcmp(base, ".") ? base : "";

	while (*p && *b) { /* drop the leading components both share */
		size_t lp = strcspn(p, "/"), lb = strcspn(b, "/");
		if (lp != lb || strncmp(p, b, lp))
			break;
		p += lp + (p[lp] == '/');
		b += lb + (b[lb] == '/');
	}
	while (*b) {
		strbuf_addstr(&sb, sb.len ? "/.." : "..");
		b += strcspn(b, "/");
		b += *b == '/';
	}
	if (*p) {
		if (sb.len)
			strbuf_addch(&sb, '/');
		strbuf_addstr(&sb, p);
	}
	if (!sb.len)
		strbuf_addch(&sb, '.');
	return strbuf_detach(&sb, NULL);
}

int stage_from_node(struct stage *s, const char *name, const struct ynode *body, const char *file,
		    const char *base)
{
	struct fctx f = { file, name, base };
	int ret = 0;

	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	s->line = body->line;
	s->col = body->col;
	const struct ynode *wdir = ytree_get(body, "wdir");
	if (wdir) {
		if (want(&f, wdir, YNODE_SCALAR, "wdir") < 0) {
			stage_release(s);
			return -1;
		}
		struct strbuf in = STRBUF_INIT, out = STRBUF_INIT, q = STRBUF_INIT;
		const char *why = NULL;
		path_join(&in, base, wdir->str);
		path_quote_len(&q, wdir->str, wdir->len);
		if (memchr(wdir->str, '\0', wdir->len))
			why = "NUL character in path";
		else if (wdir->str[0] == '/')
			why = "absolute path";
		else
			path_normalize(in.buf, &out, &why);
		if (why) {
			error_at(file, wdir->line, wdir->col, "wdir '%s' of stage '%s': %s",
				 q.buf, name, why);
			strbuf_release(&in);
			strbuf_release(&out);
			strbuf_release(&q);
			stage_release(s);
			return -1;
		}
		strbuf_release(&in);
		strbuf_release(&q);
		s->wdir = strbuf_detach(&out, NULL);
	} else {
		s->wdir = xstrdup(base);
	}
	s->lock_wdir = relative_to(s->wdir, base);
	for (size_t i = 0; i < body->n; i++)
		if (parse_field(s, &f, body->keys[i], body->items[i]) < 0)
			ret = -1;
	if (!ret && !s->ncmd)
		ret = error_at(file, body->line, body->col, "stage '%s' has no 'cmd'", name);
	/* Nothing to compare, so nothing could ever make it run again: DVC 3
	 * runs such a stage every time (a stage with outs but no deps runs
	 * once, and then only when they are missing). */
	s->callback = !s->ndeps && !s->nparams && !s->nouts;
	for (size_t i = 0; !ret && i < s->ncmd; i++)
		scan_builtins(s, s->cmd[i]);
	if (s->nbuiltins)
		qsort(s->builtins, s->nbuiltins, sizeof(char *), cmp_str);
	if (ret < 0)
		stage_release(s);
	return ret;
}

void stage_release(struct stage *s)
{
	for (size_t i = 0; i < s->ncmd; i++)
		free(s->cmd[i]);
	free(s->cmd);
	for (size_t i = 0; i < s->ndeps; i++) {
		free(s->deps[i].path);
		free(s->deps[i].decl);
	}
	free(s->deps);
	for (size_t i = 0; i < s->nparams; i++) {
		free(s->params[i].file);
		free(s->params[i].decl_file);
		free(s->params[i].key);
	}
	free(s->params);
	for (size_t i = 0; i < s->nouts; i++) {
		free(s->outs[i].path);
		free(s->outs[i].decl);
		cJSON_Delete(s->outs[i].props);
	}
	free(s->outs);
	for (size_t i = 0; i < s->nbuiltins; i++)
		free(s->builtins[i]);
	free(s->builtins);
	free(s->name);
	free(s->wdir);
	free(s->lock_wdir);
	free(s->desc);
	cJSON_Delete(s->meta);
	memset(s, 0, sizeof(*s));
}
