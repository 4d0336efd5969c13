/*
 * Shared between the files that read a stages file (stagefile.c,
 * stagedef.c, stagefields.c); not for other users.
 */
#ifndef REPRO_STAGE_INTERNAL_H
#define REPRO_STAGE_INTERNAL_H

#include <cJSON.h>

#include "core/stage.h"
#include "util/ytree.h"

/* Reads a YAML or JSON file into a cJSON value; see stagefile.c. */
int load_data_file(const struct file_source *src, const char *path, cJSON **out, int *missing);
/* Adds the entries of a vars: list to dst. */
int load_vars(cJSON *dst, const struct ynode *list, const char *file, const char *base,
	      const struct file_source *src);
void pipeline_add_stage(struct pipeline *p, struct stage *s);
/*
 * Expands one entry of stages: (a plain stage, a foreach or a matrix) into
 * concrete stages appended to p. Errors are reported; the caller checks
 * error_count().
 */
void expand_definition(struct pipeline *p, const struct ynode *key, const struct ynode *def,
		       const cJSON *vars, const char *base, const struct file_source *src);
/*
 * Parses the fields of one concrete (already interpolated) stage into s.
 * Returns 0 or -1 after reporting.
 */
int stage_from_node(struct stage *s, const char *name, const struct ynode *body, const char *file,
		    const char *base);
void stage_release(struct stage *s);

#endif
