/*
 * Shared by the fuzz targets (tests/fuzz/<target>.c): one fuzz input split
 * into several files, and an in-memory file_source over them, so parsers
 * that read through a file_source never touch the disk.
 *
 * An input holds up to FUZZ_MAX_PARTS parts separated by the line "%%"
 * (FUZZ_SEP); the target names what each part is. Parts point into the
 * input, which libFuzzer does not NUL-terminate: every reader takes a length.
 */
#ifndef REPRO_FUZZ_H
#define REPRO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "core/stage.h"
#include "util/strbuf.h"

#define FUZZ_MAX_PARTS 4
#define FUZZ_SEP "\n%%\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A file of the input: its project-relative name and its bytes. */
struct fuzz_part {
	const char *path; /* the name the target gives this part; NULL: no such file */
	const char *data; /* into the input; not NUL-terminated */
	size_t len;
};

/*
 * Splits data at FUZZ_SEP into parts[0..max), naming part i names[i]; a part
 * missing from the input has path NULL (the file does not exist). The last
 * part takes the rest of the input, separators included.
 */
static inline void fuzz_split(const uint8_t *data, size_t size, const char *const *names,
			      struct fuzz_part *parts, size_t max)
{
	const char *p = (const char *)data, *end = p + size;
	size_t seplen = strlen(FUZZ_SEP);

	for (size_t i = 0; i < max; i++) {
		parts[i].path = NULL;
		parts[i].data = "";
		parts[i].len = 0;
	}
	for (size_t i = 0; i < max && p; i++) {
		const char *s = i + 1 < max ? memmem(p, (size_t)(end - p), FUZZ_SEP, seplen) : NULL;
		parts[i].path = names[i];
		parts[i].data = p;
		parts[i].len = s ? (size_t)(s - p) : (size_t)(end - p);
		p = s ? s + seplen : NULL;
	}
}

/* The in-memory file_source: ctx is a struct fuzz_part[FUZZ_MAX_PARTS]. */
static inline int fuzz_read(void *ctx, const char *path, struct strbuf *out)
{
	const struct fuzz_part *parts = ctx;

	for (size_t i = 0; i < FUZZ_MAX_PARTS; i++)
		if (parts[i].path && !strcmp(parts[i].path, path)) {
			strbuf_add(out, parts[i].data, parts[i].len);
			return 0;
		}
	return 1;
}

/* A NUL-terminated copy of a part (free it). */
static inline char *fuzz_strdup(const char *data, size_t len)
{
	char *s = malloc(len + 1);

	if (!s)
		abort();
	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

/* Whether two JSON values are the same, NaN equal to NaN (cJSON_Compare
 * says NaN differs from itself) and numbers compared exactly. */
static inline int fuzz_json_same(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return a == b;
	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	if (cJSON_IsNumber(a))
		return a->valuedouble == b->valuedouble || (a->valuedouble != a->valuedouble &&
							    b->valuedouble != b->valuedouble);
	if (cJSON_IsString(a))
		return !strcmp(a->valuestring, b->valuestring);
	if (cJSON_IsArray(a) || cJSON_IsObject(a)) {
		const cJSON *x = a->child, *y = b->child;
		for (; x && y; x = x->next, y = y->next)
			if ((cJSON_IsObject(a) && strcmp(x->string, y->string)) || !fuzz_json_same(x, y))
				return 0;
		return !x && !y;
	}
	return 1;
}

/* A broken invariant: a bug that libFuzzer reports as a crash. */
#define FUZZ_ASSERT(cond) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "fuzz: %s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

#endif
