/*
 * The built-ins' shared helpers: keyword matching, the Kubernetes object
 * test, prompt synthesis, the seeded generator, size buckets, entry-path
 * cleaning, license recognition, MANIFEST.tsv (parser and sorted index), counters, JSON layout, git
 * blob ids.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "tap.h"
#include "builtin/blobsha.h"
#include "builtin/counter.h"
#include "builtin/httpstream.h"
#include "builtin/iac.h"
#include "builtin/jsonl.h"
#include "builtin/k8s.h"
#include "builtin/keywords.h"
#include "builtin/license.h"
#include "builtin/manifest_index.h"
#include "builtin/manifest_tsv.h"
#include "builtin/prng.h"
#include "builtin/prompt.h"
#include "builtin/sizebucket.h"
#include "builtin/source.h"

static void test_keywords(void)
{
	char *words[] = { "ray", "nvidia.com/gpu", "KServe", "gpu" };
	struct keywords kw;

	keywords_init(&kw, words, 4);
	is_int(keywords_find(&kw, "an array of items", 17), -1, "'ray' does not match inside 'array'");
	is_int(keywords_find(&kw, "kuberay operator", 16), -1, "... nor at the end of 'kuberay'");
	is_int(keywords_find(&kw, "name: ray-head", 14), 0, "'ray' matches before '-'");
	is_int(keywords_find(&kw, "apiVersion: ray.io/v1", 21), 0, "... and before '.'");
	is_int(keywords_find(&kw, "RAY", 3), 0, "case-insensitive, the whole text");
	is_int(keywords_find(&kw, "x_ray", 5), -1, "'_' is a word character");
	is_int(keywords_find(&kw, "nvidia.com/gpu: 1", 17), 1, "a keyword with punctuation");
	is_int(keywords_find(&kw, "serving.kserve.io/v1beta1", 25), 2, "KServe in a group name");
	is_int(keywords_find(&kw, "gpus: 2", 7), -1, "'gpu' does not match 'gpus'");
	unsigned char hits[4] = { 0 };
	keywords_hits(&kw, "gpu ray kserve", 14, hits);
	ok(hits[0] && !hits[1] && hits[2] && hits[3], "hits marks every keyword found");
	keywords_release(&kw);
}

static int scan_ok(const char *text, int want_docs, int want_object)
{
	struct k8s_scan s;
	int r = k8s_scan(text, strlen(text), &s) == 0 && (int)s.ndocs == want_docs;

	for (size_t i = 0; r && i < s.ndocs; i++)
		r = k8s_is_object(&s.docs[i]) == want_object;
	k8s_scan_release(&s);
	return r;
}

static void test_k8s(void)
{
	struct k8s_scan s;

	ok(scan_ok("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n", 1, 1), "a Deployment");
	ok(scan_ok("---\napiVersion: v1\nkind: Service\n---\n---\napiVersion: v1\nkind: ConfigMap\n", 2, 1),
	   "empty documents are not counted");
	ok(scan_ok("apiVersion: release-notes/v2\nkind: feature\n", 1, 0), "istio release notes are not objects");
	ok(scan_ok("services:\n  web: {image: nginx}\n", 1, 0), "docker compose is not an object");
	ok(scan_ok("- apiVersion: v1\n  kind: Pod\n", 1, 0), "a top-level list is not an object");
	ok(scan_ok("metadata:\n  kind: Pod\n  apiVersion: v1\n", 1, 0), "nested apiVersion/kind do not count");
	ok(scan_ok("apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n", 1, 1), "a CRD object");
	ok(scan_ok("kind: {a: b}\napiVersion: v1\n", 1, 0), "kind must be a string");
	ok(scan_ok("? [complex]\n: value\napiVersion: v1\nkind: Pod\n", 1, 1), "complex keys are skipped");
	ok(scan_ok("", 0, 1), "an empty file has no documents");
	ok(k8s_scan("a: [1, 2\n", 9, &s) < 0 && s.problem && s.line >= 1, "a syntax error is reported");
	k8s_scan_release(&s);
	/* hostile input: deep nesting, alias bombs, NUL bytes end cleanly */
	char *deep = malloc(20001);
	memset(deep, '[', 10000);
	memset(deep + 10000, ']', 10000);
	deep[20000] = '\0';
	ok(k8s_scan(deep, 20000, &s) < 0 && s.problem && strstr(s.problem, "512 levels"),
	   "10000 nested lists are refused quickly");
	k8s_scan_release(&s);
	ok(k8s_scan(deep + 10000 - 500, 1000, &s) == 0 && s.ndocs == 1, "500 nested lists are fine");
	k8s_scan_release(&s);
	free(deep);
	const char *bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nkind: *c\napiVersion: v1\n";
	ok(k8s_scan(bomb, strlen(bomb), &s) == 0 && s.ndocs == 1 && !s.docs[0].kind,
	   "aliases are not expanded; an alias kind is no name");
	k8s_scan_release(&s);
	ok(k8s_scan("kind: a\0b\n", 10, &s) < 0, "a NUL byte is a syntax error");
	k8s_scan_release(&s);
	is_int((int)k8s_api_group_len("apps/v1"), 4, "the API group's length");
	is_int((int)k8s_api_group_len("v1"), 0, "the core group is empty");
}

static void test_prompt(void)
{
	struct prompt_rules r;
	struct sparams p = { (char *)"params.yaml", (char *)"preprocess", NULL, NULL };
	struct strbuf sb = STRBUF_INIT;

	ok(prompt_rules_load(&r, &p) == 0, "default prompt rules load");
	is_str(prompt_synthesize(&r, "a/b/gpu-model-server.yaml", &sb), "gpu", "gpu rule");
	is_str(sb.buf, "Apply the GPU serving configuration: gpu model server.", "design.md's example");
	strbuf_reset(&sb);
	is_str(prompt_synthesize(&r, "Deployment_NGINX.yml", &sb), "deploy", "deploy rule");
	is_str(sb.buf, "Apply the deployment: deployment nginx.", "words lower-cased, '_' splits");
	strbuf_reset(&sb);
	is_str(prompt_synthesize(&r, "x/README.yaml", &sb), "fallback", "no rule matches");
	is_str(sb.buf, "Apply the Kubernetes manifest: readme.", "the fallback opening");
	strbuf_reset(&sb);
	prompt_synthesize(&r, ".yaml", &sb);
	is_str(sb.buf, "Apply the Kubernetes manifest: yaml.", "a leading dot is not an extension");
	prompt_rules_release(&r);
	strbuf_release(&sb);
}

static void test_prng(void)
{
	struct prng a, b;
	int same = 1, below = 1;

	prng_seed(&a, 42);
	prng_seed(&b, 42);
	for (int i = 0; i < 1000; i++)
		same &= prng_next(&a) == prng_next(&b);
	ok(same, "the same seed gives the same sequence");
	prng_seed(&a, 42);
	/* pinned: a change to the generator would change every sample */
	ok(prng_next(&a) == 0x15780b2e0c2ec716ULL && prng_next(&a) == 0x6104d9866d113a7eULL,
	   "seed 42 gives the pinned xoshiro256** sequence");
	prng_seed(&a, 1);
	prng_seed(&b, 2);
	ok(prng_next(&a) != prng_next(&b), "different seeds differ");
	for (int i = 0; i < 1000; i++)
		below &= prng_below(&a, 7) < 7;
	ok(below, "prng_below stays below its bound");
	is_int((long long)mix64(0), 0, "mix64(0) is 0 (bijective finaliser)");
	ok(mix64(1) != mix64(2), "mix64 mixes");
}

static void test_buckets(void)
{
	struct sparams p = { (char *)"params.yaml", (char *)"bias", NULL, NULL };
	struct size_buckets b;
	struct strbuf sb = STRBUF_INIT;

	ok(size_buckets_load(&b, &p, "size_buckets") == 0 && b.n == 5, "default edges");
	size_bucket_label(&b, 0, &sb);
	is_str(sb.buf, "0-1023", "first bucket");
	strbuf_reset(&sb);
	size_bucket_label(&b, 1024, &sb);
	is_str(sb.buf, "1024-4095", "an edge opens the next bucket");
	strbuf_reset(&sb);
	size_bucket_label(&b, 300000, &sb);
	is_str(sb.buf, "204800+", "the last bucket is open");
	size_buckets_release(&b);
	strbuf_release(&sb);
}

static void test_paths(void)
{
	char *out;
	const char *why;

	ok(source_clean_path("./k8s//files/./a.yaml", &out, &why) == 0 && !strcmp(out, "k8s/files/a.yaml"),
	   "'./' and '//' are dropped");
	free(out);
	ok(source_clean_path("/etc/passwd", &out, &why) < 0 && !out, "absolute paths are refused");
	ok(source_clean_path("a/../../b", &out, &why) < 0, "'..' is refused");
	ok(source_clean_path("a/b\n.yaml", &out, &why) < 0, "control characters are refused");
	ok(source_clean_path("./", &out, &why) < 0, "an empty path is refused");
	struct strbuf sb = STRBUF_INIT;
	url_without_credentials("https://user:pw@host.example/x@y.tar.gz", &sb);
	is_str(sb.buf, "https://host.example/x@y.tar.gz", "credentials are cut from a URL");
	strbuf_release(&sb);
}

/* Collects parsed rows as "line:relpath:repo:license;" for comparison. */
static int collect_row(void *ctx, const struct manifest_row *row)
{
	strbuf_addf(ctx, "%zu:%s:%s:%s;", row->line, row->relpath, row->repo, row->license);
	return 0;
}

/* Parses text fed in pieces of `piece` bytes; the rows, or "ERROR" (stderr hidden). */
static void parse_pieces(const char *text, size_t len, size_t piece, struct strbuf *out)
{
	struct manifest_parser p;
	int r = 0;

	fflush(stderr);
	int saved = dup(2), null = open("/dev/null", O_WRONLY);
	dup2(null, 2); /* expected error messages are not test output */
	manifest_parser_init(&p, "MANIFEST.tsv", collect_row, out);
	for (size_t at = 0; at < len && !r; at += piece)
		r = manifest_parser_feed(&p, text + at, len - at < piece ? len - at : piece);
	if (!r)
		r = manifest_parser_finish(&p);
	manifest_parser_release(&p);
	dup2(saved, 2);
	close(saved);
	close(null);
	if (r < 0)
		strbuf_addstr(out, "ERROR");
}

static void test_license_manifest(void)
{
	struct manifest_index mi;
	struct manifest_row row;
	struct strbuf got = STRBUF_INIT;
	const char *tsv = "relpath\trepo\tlicense\textra\n"
			  "files/b.yaml\to/b\tMIT\t1\n"
			  "files/a.yaml\to/a\tApache-2.0\t2\n"
			  "files/a.yaml\to/dup\tGPL-3.0-only\t3\n";
	const char *rows = "2:files/b.yaml:o/b:MIT;3:files/a.yaml:o/a:Apache-2.0;4:files/a.yaml:o/dup:GPL-3.0-only;";

	is_str(license_identify("   Apache License\n   Version 2.0, January 2004\n"), "Apache-2.0", "Apache");
	is_str(license_identify("MIT License\n\nPermission is hereby granted, free of charge, to"), "MIT", "MIT");
	ok(license_identify("All rights reserved.") == NULL, "unrecognised text");
	is_int(license_file_rank("LICENSE"), 0, "LICENSE is preferred");
	is_int(license_file_rank("copying"), 3, "COPYING in any case");
	is_int(license_file_rank("LICENSES"), -1, "other names are not license files");

	parse_pieces(tsv, strlen(tsv), 1 << 20, &got);
	is_str(got.buf, rows, "rows parsed in file order, with their lines");
	for (size_t piece = 1; piece < 8; piece++) {
		strbuf_reset(&got);
		parse_pieces(tsv, strlen(tsv), piece, &got);
		if (strcmp(got.buf, rows))
			break;
	}
	is_str(got.buf, rows, "... the same fed 1 to 7 bytes at a time");
	const char *crlf = "\r\nlicense\trelpath\trepo\r\n\r\nx.yaml\ty/y\tz\r\nlast.yaml\tl/l\tISC\0ignored\n";
	strbuf_reset(&got);
	parse_pieces(crlf, strlen(crlf) + 9, 5, &got);
	is_str(got.buf, "4:y/y:z:x.yaml;5:l/l:ISC:last.yaml;",
	       "CRLF, empty lines, columns in any order, a last line without newline, NUL ends the text");
	const char *bad[] = { "path\trepo\tlicense\n", "relpath\trepo\tlicense\na\tb\n", "", NULL };
	for (int i = 0; bad[i]; i++) {
		strbuf_reset(&got);
		parse_pieces(bad[i], strlen(bad[i]), 3, &got);
		is_str(got.buf, "ERROR", i == 0 ? "a header without relpath is an error"
				  : i == 1 ? "a short row is an error" : "an empty text is an error");
	}

	/* The index: sorted in a tiny budget (many runs), looked up in path order. */
	struct manifest_parser p;
	struct strbuf big = STRBUF_INIT;
	strbuf_addstr(&big, "relpath\trepo\tlicense\n");
	for (int i = 999; i >= 0; i--)
		strbuf_addf(&big, "f/%04d.yaml\tr/%d\t%s\n", i * 2, i, i % 7 ? "MIT" : "ISC");
	strbuf_addstr(&big, "f/0010.yaml\tr/late\tGPL\n");
	manifest_index_init(&mi, 1024, "/tmp");
	manifest_parser_init(&p, "MANIFEST.tsv", manifest_index_add, &mi);
	int r = manifest_parser_feed(&p, big.buf, big.len) | manifest_parser_finish(&p) |
		manifest_index_finish(&mi);
	ok(r == 0 && mi.rows.spilled > EXTSORT_FANIN, "2000 rows in a 1 KiB budget: sorted over many runs");
	int found = 0, right = 1;
	for (int k = 0; k < 2000; k++) {
		char path[32];
		snprintf(path, sizeof(path), "f/%04d.yaml", k);
		int f = manifest_index_find(&mi, path, &row);
		found += f == 1;
		char want[16];
		snprintf(want, sizeof(want), "r/%d", k / 2);
		if (f != (k % 2 == 0) || (f == 1 && (strcmp(row.repo, want) || strcmp(row.relpath, path))))
			right = 0;
		if (k == 10 && f == 1 && strcmp(row.repo, "r/5"))
			right = 0; /* the first row of f/0010.yaml, not the late one */
		if (k == 14 && manifest_index_find(&mi, path, &row) != 1)
			right = 0; /* the same path twice */
	}
	ok(right && found == 1000, "every listed path found with its first row, the others not");
	ok(manifest_index_find(&mi, "g", &row) == 0, "past the last row: not found");
	manifest_parser_release(&p);
	manifest_index_release(&mi);
	strbuf_release(&big);
	strbuf_release(&got);
}

static void test_counter_json(void)
{
	struct counter c = COUNTER_INIT;
	struct strbuf sb = STRBUF_INIT;

	for (int i = 0; i < 200; i++)
		counter_add(&c, i % 2 ? "b" : "a", 1);
	counter_add(&c, "C", 5);
	is_int((int)counter_get(&c, "a"), 100, "counts add up");
	cJSON *o = counter_to_json(&c);
	json_print_compact(o, &sb);
	is_str(sb.buf, "{\"C\": 5, \"a\": 100, \"b\": 100}", "keys in byte order, Python separators");
	cJSON_Delete(o);
	strbuf_reset(&sb);
	cJSON *s = cJSON_CreateString("a: b, c");
	json_print_compact(s, &sb);
	is_str(sb.buf, "\"a: b, c\"", "separators inside strings are left alone");
	cJSON_Delete(s);
	strbuf_reset(&sb);
	s = cJSON_CreateString("q\"x:,");
	json_print_compact(s, &sb);
	is_str(sb.buf, "\"q\\\"x:,\"", "escaped quotes do not end the string");
	cJSON_Delete(s);
	counter_release(&c);
	strbuf_release(&sb);
}

static void test_blobsha(void)
{
	char hex[41];

	git_libgit2_init();
	ok(blob_hexsha("", 0, hex) == 0 && !strcmp(hex, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"),
	   "the empty blob");
	ok(blob_hexsha("hello\n", 6, hex) == 0 && !strcmp(hex, "ce013625030ba8dba906f756967f9e9ca394464a"),
	   "git hash-object of 'hello\\n'");
	git_libgit2_shutdown();
}

static void test_iac(void)
{
	struct sparams p = { (char *)"params.yaml", (char *)"bias", NULL, NULL };
	struct iac_rules r;
	struct k8s_scan s;
	const char *isvc = "apiVersion: v1\nkind: Secret\n---\napiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n";
	const char *dep = "apiVersion: v1\nkind: Service\n---\napiVersion: apps/v1\nkind: Deployment\n";
	const char *cm = "apiVersion: v1\nkind: ConfigMap\n";

	ok(iac_rules_load(&r, &p) == 0, "default IaC rules");
	k8s_scan(isvc, strlen(isvc), &s);
	is_str(iac_type_name(iac_classify(&r, &s)), "kserve", "any kserve document makes it kserve");
	k8s_scan_release(&s);
	k8s_scan(dep, strlen(dep), &s);
	is_str(iac_type_name(iac_classify(&r, &s)), "k8s_workload", "a Deployment is a workload");
	k8s_scan_release(&s);
	k8s_scan(cm, strlen(cm), &s);
	is_str(iac_type_name(iac_classify(&r, &s)), "k8s_config", "a ConfigMap is config");
	k8s_scan_release(&s);
	iac_rules_release(&r);
}

int main(void)
{
	test_keywords();
	test_k8s();
	test_prompt();
	test_prng();
	test_buckets();
	test_paths();
	test_license_manifest();
	test_counter_json();
	test_blobsha();
	test_iac();
	return done_testing();
}
