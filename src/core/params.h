/*
 * Params files (params.yaml by default, or any YAML/JSON file), loaded once
 * per command and looked up by dotted key ("train.lr", "layers[0]").
 */
#ifndef REPRO_PARAMS_H
#define REPRO_PARAMS_H

#include <cJSON.h>

#include "core/stage.h"

struct params_file {
	char *path;   /* project-relative */
	cJSON *root;  /* parsed content; NULL when missing or broken */
	int missing;  /* the file does not exist */
	int broken;   /* the file exists but could not be read or parsed (reported once) */
};

struct params_cache {
	const struct file_source *src; /* where files are read from */
	struct params_file *files;     /* every file asked for so far */
	size_t n;
};

void params_init(struct params_cache *pc, const struct file_source *src);
void params_release(struct params_cache *pc);
/* The parsed file, loading it on first use; NULL when missing or broken. */
const struct params_file *params_load(struct params_cache *pc, const char *path);
/* The value of key in file, or NULL when the file or key is missing. */
const cJSON *params_get(struct params_cache *pc, const char *path, const char *key);

#endif
