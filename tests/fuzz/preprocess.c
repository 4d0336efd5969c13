/*
 * Fuzz target: the built-in pipeline's per-file transform, as `repro
 * builtin preprocess` runs it on every ingest record: the filter (size,
 * extension, license, keyword, YAML and Kubernetes checks), PII redaction,
 * the re-parse of redacted text, the prompt from the file name and the
 * apply_manifest wrapping. Settings: the defaults with min_size 0, so short
 * inputs reach the later checks.
 *
 * Input: a raw ingest record line when it starts with '{'; otherwise
 * "PATH\nLICENSE\nCONTENT", made into a record here (so mutations go to the
 * fields rather than to breaking the JSON around them).
 *
 * A kept record must be one line of JSON holding the tool call, whose
 * manifest has as many lines as the input's content (redaction keeps the
 * line count).
 */
#include "fuzz.h"

#include <stdio.h>
#include <unistd.h>

#include <cJSON.h>

#include "builtin/preprocess.h"

static struct preprocess *pre;

static void close_pre(void)
{
	preprocess_close(pre);
}

/* Writes the settings to a private temporary directory, loads them, and
 * removes the directory again. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[] = "/tmp/repro-fuzz-XXXXXX", path[64];

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/params.yaml", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs("preprocess:\n  min_size: 0\n  max_size: 65536\n", f);
	if (fclose(f) != 0)
		abort();
	pre = preprocess_open(path);
	unlink(path);
	rmdir(dir);
	if (!pre)
		abort();
	atexit(close_pre);
	return 0;
}

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; (s = strchr(s, '\n')); s++)
		n++;
	return n;
}

/* The record from "PATH\nLICENSE\nCONTENT"; NULL when the input has fewer parts. */
static char *make_record(const char *in, char **content)
{
	char *nl1 = strchr(in, '\n'), *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;

	if (!nl2)
		return NULL;
	char *path = strndup(in, (size_t)(nl1 - in)), *lic = strndup(nl1 + 1, (size_t)(nl2 - nl1 - 1));
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "path", path);
	cJSON_AddStringToObject(r, "license", lic);
	cJSON_AddStringToObject(r, "content", nl2 + 1);
	cJSON_AddStringToObject(r, "repo", "fuzz/repo");
	char *line = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	free(path);
	free(lic);
	*content = strdup(nl2 + 1);
	return line;
}

/* The manifest inside a kept record, checked on the way. */
static void check_record(const struct strbuf *rec, const char *content)
{
	FUZZ_ASSERT(!memchr(rec->buf, '\n', rec->len));
	cJSON *r = cJSON_ParseWithLength(rec->buf, rec->len);
	FUZZ_ASSERT(r);
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(r, "messages");
	FUZZ_ASSERT(cJSON_GetArraySize(msgs) == 2);
	const char *call_text = cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(msgs, 1), "content"));
	FUZZ_ASSERT(call_text);
	cJSON *call = cJSON_Parse(call_text);
	const char *manifest = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(call, "params"), "manifest_content"));
	FUZZ_ASSERT(manifest);
	if (content)
		FUZZ_ASSERT(lines(manifest) == lines(content));
	cJSON_Delete(call);
	cJSON_Delete(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_strdup((const char *)data, size), *content = NULL;
	char *line = size && data[0] == '{' ? NULL : make_record(in, &content);
	struct strbuf out = STRBUF_INIT;

	const char *why = line ? preprocess_record(pre, line, strlen(line), &out)
			       : preprocess_record(pre, (const char *)data, size, &out);
	FUZZ_ASSERT(why);
	if (!strcmp(why, "kept"))
		check_record(&out, content);
	else
		FUZZ_ASSERT(out.len == 0);
	strbuf_release(&out);
	free(line);
	free(content);
	free(in);
	return 0;
}
