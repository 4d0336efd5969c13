/*
 * params.yaml as the built-in stages read it (sparams: a stage's params,
 * apart from the params cache of src/core): one top-level section per
 * stage ("preprocess:", "bias:", ...), each holding that stage's thresholds.
 *
 * A key left out takes the built-in default (the caller passes it in *val);
 * a key given with the wrong type or out of range, or a key the stage does
 * not know, is a configuration error reported as FILE:LINE:COL, so a typo in
 * params.yaml never silently falls back to a default.
 */
#ifndef REPRO_BUILTIN_PARAMS_H
#define REPRO_BUILTIN_PARAMS_H

#include "util/options.h"
#include "util/ytree.h"

struct sparams {
	char *file;              /* the params file's path, for messages */
	char *section;           /* the stage's section name ("preprocess") */
	struct ynode *root;      /* the whole document; NULL when the file was absent */
	const struct ynode *sec; /* the section's mapping; NULL when absent (all defaults) */
};

/*
 * Loads `file` and selects `section`. A missing file is an error when
 * `required` (the user named it with --params), otherwise every key takes its
 * default. `known` lists the keys the stage reads (NULL-terminated); any other
 * key in the section is reported with the nearest known key as a suggestion.
 * Returns 0, or -1 after reporting.
 */
int sparams_load(struct sparams *p, const char *file, int required, const char *section,
		const char *const *known);
void sparams_release(struct sparams *p);

/* The value node of key in the section, or NULL. */
const struct ynode *sparams_node(const struct sparams *p, const char *key);

/*
 * Typed getters: *val holds the default on entry and is replaced when the key
 * is present. They return 0, or -1 after reporting FILE:LINE:COL.
 */
int sparams_long(const struct sparams *p, const char *key, long min, long max, long *val);
int sparams_double(const struct sparams *p, const char *key, double min, double max, double *val);
int sparams_bool(const struct sparams *p, const char *key, int *val);
/* *val points into the parsed tree (valid until sparams_release). */
int sparams_string(const struct sparams *p, const char *key, const char **val);
/*
 * A list of strings: when present, replaces out's contents with pointers into
 * the tree (release out with strlist_release(out, 0)). Returns 1 when the
 * key was present, 0 when absent (out untouched), -1 on error.
 */
int sparams_strings(const struct sparams *p, const char *key, struct strlist *out);
/* Same for a list node found by other means (an item of a rule list). */
int sparams_strings_node(const struct sparams *p, const struct ynode *n, const char *what,
			struct strlist *out);

/* Reports "FILE:LINE:COL: error: MSG" at node n (the section when n is NULL); returns -1. */
int sparams_error(const struct sparams *p, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
