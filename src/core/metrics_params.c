/*
 * The params a pipeline declares at a revision, for `repro params diff`:
 * each stage's params: (a key, or a whole file) and the top-level params:
 * files, read from that revision, flattened into dotted keys.
 */
#include <stdlib.h>
#include <string.h>

#include "core/metrics_internal.h"
#include "util/xalloc.h"

/* What is declared of one params file. */
struct pdecl {
	char *file;   /* project-relative */
	int whole;    /* every key of the file */
	char **keys;  /* else these keys (dotted) */
	size_t nkeys, akeys;
};

static struct pdecl *decl_for(struct pdecl **v, size_t *n, size_t *alloc, const char *file)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i].file, file))
			return &(*v)[i];
	ARRAY_GROW(*v, *alloc, *n + 1);
	struct pdecl *d = &(*v)[(*n)++];
	memset(d, 0, sizeof(*d));
	d->file = xstrdup(file);
	return d;
}

static void collect(const struct pipeline *p, struct pdecl **v, size_t *n)
{
	size_t alloc = 0;

	for (size_t i = 0; p && i < p->n; i++)
		for (size_t k = 0; k < p->stages[i].nparams; k++) {
			const struct stage_param *sp = &p->stages[i].params[k];
			struct pdecl *d = decl_for(v, n, &alloc, sp->file);
			if (!sp->key) {
				d->whole = 1;
				continue;
			}
			ARRAY_GROW(d->keys, d->akeys, d->nkeys + 1);
			d->keys[d->nkeys++] = xstrdup(sp->key);
		}
	for (size_t i = 0; p && i < p->nparams_files; i++)
		decl_for(v, n, &alloc, p->params_files[i])->whole = 1;
}

static void decls_free(struct pdecl *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].file);
		for (size_t k = 0; k < v[i].nkeys; k++)
			free(v[i].keys[k]);
		free(v[i].keys);
	}
	free(v);
}

/* "train" selects "train" and "train.*". */
static int selected(const struct pdecl *d, const char *key)
{
	for (size_t i = 0; i < d->nkeys; i++) {
		size_t n = strlen(d->keys[i]);
		if (!strncmp(key, d->keys[i], n) && (key[n] == '\0' || key[n] == '.'))
			return 1;
	}
	return 0;
}

/* The declared part of a parsed file, owned by the memo. */
static const struct metric_list *select_keys(struct metrics_ctx *c, const struct pdecl *d,
					     const struct metric_list *all)
{
	struct metrics_memo *m = c->memo;
	struct memo_file *f = xcalloc(1, sizeof(*f));

	for (size_t i = 0; i < all->n; i++) {
		if (!selected(d, all->v[i].key))
			continue;
		ARRAY_GROW(f->list.v, f->list.alloc, f->list.n + 1);
		f->list.v[f->list.n].key = xstrdup(all->v[i].key);
		f->list.v[f->list.n++].value = cJSON_Duplicate(all->v[i].value, 1);
	}
	ARRAY_GROW(m->own, m->aown, m->nown + 1);
	m->own[m->nown++] = f;
	return &f->list;
}

int params_read(struct metrics_ctx *c, struct grev *rev, const char *name, struct metrics_snapshot *out)
{
	struct pdecl *decls = NULL;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	out->rev = xstrdup(name);
	if (rev && grev_load(rev) < 0)
		return -1;
	const struct pipeline *p = metrics_pipeline(c, rev);
	out->failed = !p;
	collect(p, &decls, &n);
	out->files = xcalloc(n ? n : 1, sizeof(*out->files));
	for (size_t i = 0; i < n; i++) {
		struct metrics_file *mf = &out->files[i];
		enum mfile_status st = MFILE_MISSING;
		const struct memo_file *f = metrics_read_file(c, rev, decls[i].file, 1, &st);
		mf->path = xstrdup(decls[i].file);
		mf->status = f ? f->status : st;
		if (mf->status == MFILE_OK)
			mf->data = decls[i].whole ? &f->list : select_keys(c, &decls[i], &f->list);
		out->failed |= mf->status == MFILE_BROKEN;
	}
	out->n = n;
	decls_free(decls, n);
	return 0;
}
