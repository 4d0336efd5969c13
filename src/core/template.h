/*
 * Templating of stages files, as DVC does it: ${...} interpolation of
 * variables from `vars` (inline maps and files, params.yaml by default) and
 * from foreach/matrix items.
 *
 *   "${train.lr}"          a whole scalar: replaced by the value itself, of
 *                          any type (a list stays a list)
 *   "lr=${train.lr} x"     inside a string: the value must be a string,
 *                          number, boolean or null, printed as JSON would
 *   "\${literal}"          an escaped "${", kept as text
 *
 * Expressions are dotted keys with optional indices: a.b, a.list[0], a.list.0.
 */
#ifndef REPRO_TEMPLATE_H
#define REPRO_TEMPLATE_H

#include <cJSON.h>

#include "util/strbuf.h"
#include "util/ytree.h"

#define TMPL_MAX_LAYERS 4

struct tmpl_ctx {
	const char *file;                   /* the stages file, for messages */
	const char *stage;                  /* the stage being expanded, for messages; may be NULL */
	const cJSON *layers[TMPL_MAX_LAYERS]; /* variable scopes, innermost first (item, stage vars, global) */
	int nlayers;
};

/* Finds expr in the scopes; NULL when absent. */
const cJSON *tmpl_lookup(const struct tmpl_ctx *ctx, const char *expr);
/*
 * Returns an interpolated deep copy of n (keys and values), or NULL after
 * reporting FILE:LINE:COL for an unknown variable (with a suggestion) or a
 * non-scalar value inside a string.
 */
struct ynode *tmpl_expand(const struct ynode *n, const struct tmpl_ctx *ctx);
/* Builds a ynode tree holding v, positioned at line:col. */
struct ynode *ynode_from_json(const cJSON *v, int line, int col);
/* True when s holds a "${" that is not escaped. */
int tmpl_has_vars(const char *s);

#endif
