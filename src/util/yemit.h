/*
 * Writing YAML through libyaml's emitter into a strbuf, for the files repro
 * writes (stages.lock, *.repro): block style, two-space indent, keys in the
 * order the caller emits them, and strings quoted exactly when a reader would
 * otherwise take them for something else ("1.0", "true", "null").
 */
#ifndef REPRO_YEMIT_H
#define REPRO_YEMIT_H

#include <stdint.h>

#include <cJSON.h>
#include <yaml.h>

#include "util/strbuf.h"

struct yemit {
	yaml_emitter_t emitter; /* libyaml's emitter, writing into out */
	struct strbuf *out;     /* where the text goes */
	int failed;             /* set once any event failed; later calls do nothing */
};

void yemit_begin(struct yemit *y, struct strbuf *out);
/* Ends the document; returns 0, or -1 if anything failed. */
int yemit_end(struct yemit *y);
void yemit_map_start(struct yemit *y);
void yemit_map_end(struct yemit *y);
void yemit_seq_start(struct yemit *y);
void yemit_seq_end(struct yemit *y);
/* A string scalar, quoted when it would read back as another type. */
void yemit_str(struct yemit *y, const char *s);
void yemit_u64(struct yemit *y, uint64_t v);
void yemit_bool(struct yemit *y, int v);
/* Any JSON value, with its type preserved on reading back. */
void yemit_json(struct yemit *y, const cJSON *v);
/* key: "value" pair inside a map */
void yemit_kv(struct yemit *y, const char *key, const char *value);

#endif
