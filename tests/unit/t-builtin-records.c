/*
 * Every record preprocess writes, checked independently of validate: the
 * line parses as JSON, the tool call inside it parses as JSON, the manifest
 * parses as YAML (libyaml directly) and equals the redaction of the ingested
 * file it came from. Run on the embedded sample and, when it is there, on
 * ../shared/corpus/k8s.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <yaml.h>

#include "tap.h"
#include "builtin/builtin.h"
#include "builtin/jsonl.h"
#include "builtin/redact.h"
#include "util/fs.h"
#include "util/strbuf.h"

static int parses_as_yaml(const char *text, size_t len)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int ok = 1, done = 0;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (ok && !done) {
		ok = yaml_parser_parse(&p, &ev);
		if (ok) {
			done = ev.type == YAML_STREAM_END_EVENT;
			yaml_event_delete(&ev);
		}
	}
	yaml_parser_delete(&p);
	return ok;
}

/* The raw content of every ingested file, by path (a small linear index). */
struct raw {
	char **paths, **contents;
	size_t n;
};

static void load_raw(struct raw *r, const char *file)
{
	struct jsonl_reader rd;
	size_t alloc = 0;

	memset(r, 0, sizeof(*r));
	if (jsonl_reader_open(&rd, file) < 0)
		return;
	while (jsonl_next(&rd) > 0) {
		cJSON *o = cJSON_Parse(rd.line);
		if (r->n == alloc) {
			alloc = alloc ? 2 * alloc : 1024;
			r->paths = realloc(r->paths, alloc * sizeof(char *));
			r->contents = realloc(r->contents, alloc * sizeof(char *));
		}
		r->paths[r->n] = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(o, "path")));
		r->contents[r->n] = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(o, "content")));
		r->n++;
		cJSON_Delete(o);
	}
	jsonl_reader_close(&rd);
}

static const char *raw_content(const struct raw *r, const char *path)
{
	/* ingest writes in path order */
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->paths[mid], path);
		if (!c)
			return r->contents[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void free_raw(struct raw *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->paths[i]);
		free(r->contents[i]);
	}
	free(r->paths);
	free(r->contents);
}

/* Checks one record line against its metadata line; returns a failure reason or NULL. */
static const char *check(const char *line, const char *meta_line, const struct raw *raw)
{
	static char why[256];
	cJSON *rec = cJSON_Parse(line), *meta = cJSON_Parse(meta_line), *call = NULL;
	const char *fail = NULL;

	const cJSON *msgs = cJSON_GetObjectItem(rec, "messages");
	const char *asst = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, 1), "content"));
	const char *path = cJSON_GetStringValue(cJSON_GetObjectItem(meta, "path"));
	if (!rec || !asst)
		fail = "the record is not JSON with two messages";
	else if (!(call = cJSON_Parse(asst)))
		fail = "the tool call is not JSON";
	else {
		const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(call, "params"),
									  "manifest_content"));
		const char *orig = path ? raw_content(raw, path) : NULL;
		struct strbuf red = STRBUF_INIT;
		if (orig)
			redact_text(orig, strlen(orig), &red, NULL);
		if (!m || !parses_as_yaml(m, strlen(m)))
			fail = "the manifest does not parse as YAML";
		else if (!orig || strcmp(m, red.buf))
			fail = "the manifest is not the redacted input";
		strbuf_release(&red);
	}
	if (fail) {
		snprintf(why, sizeof(why), "%s: %s", path ? path : "?", fail);
		fail = why;
	}
	cJSON_Delete(rec);
	cJSON_Delete(meta);
	cJSON_Delete(call);
	return fail;
}

static void run_on(const char *name, const char *source)
{
	char dir[] = "/tmp/repro-t-builtin-records.XXXXXX";
	char *src = realpath(source, NULL);
	char cwd[4096];

	if (!mkdtemp(dir) || !src || !getcwd(cwd, sizeof(cwd)) || chdir(dir) < 0) {
		ok(0, "scratch directory");
		free(src);
		return;
	}
	char *ingest[] = { "ingest", "--source", src, "--params", "/dev/null", NULL };
	char *pre[] = { "preprocess", "-j", "2", "--params", "/dev/null", NULL };
	struct strbuf msg = STRBUF_INIT;
	/* the stages' log lines go to a file, shown only when they fail */
	fflush(stderr);
	int saved = dup(2), logfd = open("stages.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(logfd, 2);
	int rc1 = builtin_ingest(5, ingest), rc2 = builtin_preprocess(5, pre);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(logfd);

	strbuf_addf(&msg, "%s: ingest and preprocess succeed", name);
	if (!ok(rc1 == 0 && rc2 == 0, msg.buf)) {
		struct strbuf log = STRBUF_INIT;
		strbuf_read_file(&log, "stages.log", 1 << 20);
		printf("# %s\n", log.buf);
		strbuf_release(&log);
	}

	struct raw raw;
	struct jsonl_reader rec, meta;
	size_t n = 0, bad = 0;
	const char *first = NULL;
	load_raw(&raw, "out/raw.jsonl");
	if (jsonl_reader_open(&rec, "out/training_records.jsonl") == 0 &&
	    jsonl_reader_open(&meta, "out/records_meta.jsonl") == 0) {
		while (jsonl_next(&rec) > 0 && jsonl_next(&meta) > 0) {
			const char *why = check(rec.line, meta.line, &raw);
			n++;
			if (why && !bad++)
				first = strdup(why);
		}
		jsonl_reader_close(&rec);
		jsonl_reader_close(&meta);
	}
	strbuf_reset(&msg);
	strbuf_addf(&msg, "%s: all %zu records are JSON, with a JSON tool call whose manifest parses "
		    "as YAML and equals the redacted input", name, n);
	ok(n > 0 && !bad, msg.buf);
	if (bad)
		printf("#   %zu bad; first: %s\n", bad, first);
	free((void *)first);
	free_raw(&raw);
	strbuf_release(&msg);
	if (chdir(cwd) < 0)
		ok(0, "back to the source directory");
	remove_tree(dir);
	free(src);
}

int main(void)
{
	const char *shared = getenv("REPRO_SHARED");
	struct strbuf corpus = STRBUF_INIT;

	/* default params (--params /dev/null): the sample's files are chosen to
	 * need nothing else */
	run_on("data/sample", "data/sample");
	path_join(&corpus, shared ? shared : "../shared", "corpus/k8s");
	if (is_dir(corpus.buf))
		run_on("the shared corpus", corpus.buf);
	else
		printf("ok %d # skip the shared corpus is absent (%s)\n", ++tap_n, corpus.buf);
	strbuf_release(&corpus);
	return done_testing();
}
