#include "builtin/params.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

int sparams_error(const struct sparams *p, const struct ynode *n, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	if (!n)
		n = p->sec;
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	error_at(p->file, n ? n->line : 0, n ? n->col : 0, "%s", msg.buf);
	strbuf_release(&msg);
	return -1;
}

/* Levenshtein distance, for "did you mean" on a mistyped key. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xcalloc(lb + 1, sizeof(*row));

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	size_t d = row[lb];
	free(row);
	return d;
}

static int check_keys(const struct sparams *p, const char *const *known)
{
	int bad = 0;

	for (size_t i = 0; i < p->sec->n; i++) {
		const char *k = p->sec->keys[i]->str;
		const char *best = NULL;
		size_t bestd = 3; /* suggest only near misses */
		int found = 0;

		for (const char *const *kk = known; *kk; kk++) {
			if (!strcmp(*kk, k)) {
				found = 1;
				break;
			}
			size_t d = edit_distance(*kk, k);
			if (d < bestd)
				bestd = d, best = *kk;
		}
		if (found)
			continue;
		if (best)
			sparams_error(p, p->sec->keys[i], "unknown key '%s' in '%s' (did you mean '%s'?)",
				     k, p->section, best);
		else
			sparams_error(p, p->sec->keys[i], "unknown key '%s' in '%s'", k, p->section);
		bad = 1;
	}
	return bad ? -1 : 0;
}

int sparams_load(struct sparams *p, const char *file, int required, const char *section,
		const char *const *known)
{
	p->file = xstrdup(file);
	p->section = xstrdup(section);
	p->root = NULL;
	p->sec = NULL;
	if (!required && !path_exists(file))
		return 0;
	if (ytree_load(file, &p->root) < 0)
		return -1;
	if (p->root->type != YNODE_MAP)
		return error_at(file, p->root->line, p->root->col,
				"'%s' must be a mapping of sections, not %s", file,
				ytree_type_name(p->root));
	p->sec = ytree_get(p->root, section);
	if (!p->sec)
		return 0;
	if (p->sec->type == YNODE_SCALAR && ytree_scalar_kind(p->sec) == YS_NULL) {
		p->sec = NULL; /* "bias:" with nothing under it */
		return 0;
	}
	if (p->sec->type != YNODE_MAP)
		return sparams_error(p, p->sec, "section '%s' must be a mapping, not %s", section,
				    ytree_type_name(p->sec));
	return known ? check_keys(p, known) : 0;
}

void sparams_release(struct sparams *p)
{
	free(p->file);
	free(p->section);
	if (p->root)
		ytree_free(p->root);
	p->file = p->section = NULL;
	p->root = NULL;
	p->sec = NULL;
}

const struct ynode *sparams_node(const struct sparams *p, const char *key)
{
	return p->sec ? ytree_get(p->sec, key) : NULL;
}

int sparams_long(const struct sparams *p, const char *key, long min, long max, long *val)
{
	const struct ynode *n = sparams_node(p, key);
	char *end;

	if (!n)
		return 0;
	if (ytree_scalar_kind(n) != YS_INT)
		return sparams_error(p, n, "'%s.%s' must be an integer", p->section, key);
	errno = 0;
	long v = strtol(n->str, &end, 0);
	if (errno || *end || v < min || v > max)
		return sparams_error(p, n, "'%s.%s' must be between %ld and %ld", p->section, key,
				    min, max);
	*val = v;
	return 0;
}

int sparams_double(const struct sparams *p, const char *key, double min, double max, double *val)
{
	const struct ynode *n = sparams_node(p, key);

	if (!n)
		return 0;
	enum yscalar_kind k = ytree_scalar_kind(n);
	if (k != YS_INT && k != YS_FLOAT)
		return sparams_error(p, n, "'%s.%s' must be a number", p->section, key);
	double v = strtod(n->str, NULL);
	if (!isfinite(v) || v < min || v > max)
		return sparams_error(p, n, "'%s.%s' must be between %g and %g", p->section, key,
				    min, max);
	*val = v;
	return 0;
}

int sparams_bool(const struct sparams *p, const char *key, int *val)
{
	const struct ynode *n = sparams_node(p, key);

	if (!n)
		return 0;
	if (!ytree_bool(n, val))
		return sparams_error(p, n, "'%s.%s' must be true or false", p->section, key);
	return 0;
}

int sparams_string(const struct sparams *p, const char *key, const char **val)
{
	const struct ynode *n = sparams_node(p, key);

	if (!n)
		return 0;
	if (n->type != YNODE_SCALAR || strlen(n->str) != n->len)
		return sparams_error(p, n, "'%s.%s' must be a string", p->section, key);
	*val = n->str;
	return 0;
}

int sparams_strings_node(const struct sparams *p, const struct ynode *n, const char *what,
			struct strlist *out)
{
	if (n->type != YNODE_SEQ)
		return sparams_error(p, n, "'%s' must be a list of strings", what);
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i];
		if (it->type != YNODE_SCALAR || !*it->str || strlen(it->str) != it->len)
			return sparams_error(p, it, "'%s' must hold non-empty strings", what);
	}
	strlist_release(out, 0);
	for (size_t i = 0; i < n->n; i++)
		strlist_push(out, n->items[i]->str);
	return 1;
}

int sparams_strings(const struct sparams *p, const char *key, struct strlist *out)
{
	const struct ynode *n = sparams_node(p, key);

	if (!n)
		return 0;
	struct strbuf what = STRBUF_INIT;
	strbuf_addf(&what, "%s.%s", p->section, key);
	int r = sparams_strings_node(p, n, what.buf, out);
	strbuf_release(&what);
	return r;
}
