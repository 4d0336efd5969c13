/*
 * JSON helpers on top of cJSON.
 */
#ifndef REPRO_JSON_H
#define REPRO_JSON_H

#include <cJSON.h>

#include "util/strbuf.h"

/*
 * Appends the canonical form of v: object keys sorted bytewise, no
 * whitespace, numbers in their shortest exact form (integers without a
 * fraction). Two values that mean the same serialise to the same bytes, which
 * is what signatures and comparisons of params need.
 */
void json_canonical(const cJSON *v, struct strbuf *out);
/* 1 when a and b have the same canonical form. */
int json_equal(const cJSON *a, const cJSON *b);
/* Appends a scalar as text: strings as is, numbers in their shortest exact
 * form (integers without a fraction), true/false/null. */
void json_scalar_text(const cJSON *v, struct strbuf *out);
/* Appends s as a JSON string literal (with quotes and escapes). */
void json_quote(const char *s, struct strbuf *out);
/* Writes v with cJSON_Print plus a final newline into out. */
void json_print(const cJSON *v, struct strbuf *out);

#endif
