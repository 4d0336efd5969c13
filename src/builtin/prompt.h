/*
 * The user prompt of a training record, made from the manifest's file name
 * by rules in params.yaml (preprocess.prompt_rules):
 *
 *     gpu-model-server.yaml  ->  "Apply the GPU serving configuration: gpu model server."
 *
 * The name's words are its base name without the last extension, split at
 * every byte that is not an ASCII letter or digit (non-ASCII bytes belong to
 * words) and lower-cased. The first rule one of whose `words` equals one of
 * the name's words gives the prompt's opening; no match gives
 * `prompt_fallback`. The prompt is "<opening>: <words joined by spaces>." or
 * "<opening>." when the name has no words. The rule's name is the record's
 * prompt type (bias slices on it); the fallback's is "fallback".
 */
#ifndef REPRO_BUILTIN_PROMPT_H
#define REPRO_BUILTIN_PROMPT_H

#include "builtin/params.h"
#include "util/options.h"
#include "util/strbuf.h"

struct prompt_rule {
	const char *name;      /* the prompt type ("gpu") */
	const char *opening;   /* "Apply the GPU serving configuration" */
	struct strlist words;  /* name words that select the rule (not owned) */
};

struct prompt_rules {
	struct prompt_rule *rules; /* in order; the first match wins */
	int n;                     /* how many */
	const char *fallback;      /* the opening when no rule matches */
};

/* Reads preprocess.prompt_rules and prompt_fallback, or the defaults. 0 or -1 (reported). */
int prompt_rules_load(struct prompt_rules *r, const struct sparams *p);
void prompt_rules_release(struct prompt_rules *r);

/* Appends the prompt for path to out; returns the prompt type's name. */
const char *prompt_synthesize(const struct prompt_rules *r, const char *path, struct strbuf *out);

#endif
