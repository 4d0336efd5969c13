/*
 * repro builtin analyze: what the ingested corpus holds, before any
 * filtering. One JSON report: counts by kind, apiVersion, extension, license,
 * repo, size bucket; files per ML-infra keyword; PII items per kind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin/builtin.h"
#include "builtin/counter.h"
#include "builtin/jsonl.h"
#include "builtin/k8s.h"
#include "builtin/keywords.h"
#include "builtin/linemap.h"
#include "builtin/params.h"
#include "builtin/pool.h"
#include "builtin/redact.h"
#include "builtin/sizebucket.h"
#include "util/error.h"
#include "util/log.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char *const known_keys[] = { "keywords", "size_buckets", NULL };

struct an {
	struct strlist keyword_list;       /* keywords counted */
	struct keywords keywords;          /* ... compiled */
	struct size_buckets buckets;       /* size edges */
	size_t files, bytes, bad_records;  /* records, content bytes, unreadable lines */
	size_t documents, invalid_yaml;    /* non-empty documents, files that do not parse */
	size_t k8s_files;                  /* files whose every document is a Kubernetes object */
	size_t files_with_pii;             /* files with at least one PII item */
	struct counter kinds, api_versions, extensions, licenses, repos, sizes;
	size_t *keyword_files;             /* files per keyword */
	size_t pii[PII_NKINDS];            /* items per kind */
};

struct slot {
	cJSON *in;                     /* the ingest record */
	const char *path, *content;    /* its fields */
	size_t len;                    /* content length */
	struct k8s_scan scan;          /* the documents */
	int parsed;                    /* scan succeeded */
	unsigned char *hits;           /* per keyword: found */
	size_t pii[PII_NKINDS];        /* items per kind */
};

static void prepare(void *ctx, void *arg, char *line, size_t len, size_t lineno)
{
	struct slot *s = arg;

	(void)ctx;
	(void)lineno;
	s->in = cJSON_ParseWithLength(line, len);
	s->path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s->in, "path"));
	s->content = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s->in, "content"));
	if (s->content)
		s->len = strlen(s->content);
}

static void map(void *ctx, void *arg)
{
	const struct an *a = ctx;
	struct slot *s = arg;
	struct pii_item *items = NULL;

	if (!s->path || !s->content)
		return;
	s->parsed = k8s_scan(s->content, s->len, &s->scan) == 0;
	s->hits = xcalloc((size_t)a->keyword_list.n + 1, 1);
	keywords_hits(&a->keywords, s->content, s->len, s->hits);
	size_t n = pii_find(s->content, s->len, &items);
	for (size_t i = 0; i < n; i++)
		s->pii[items[i].kind]++;
	free(items);
}

static void count_documents(struct an *a, const struct slot *s)
{
	int all_k8s = s->parsed && s->scan.ndocs > 0;

	a->documents += s->scan.ndocs;
	for (size_t i = 0; i < s->scan.ndocs; i++) {
		const struct k8s_doc *d = &s->scan.docs[i];
		if (d->kind)
			counter_add(&a->kinds, d->kind, 1);
		if (d->api_version)
			counter_add(&a->api_versions, d->api_version, 1);
		all_k8s &= k8s_is_object(d);
	}
	a->k8s_files += all_k8s;
	a->invalid_yaml += !s->parsed;
}

static void count_file(struct an *a, const struct slot *s)
{
	const char *base = strrchr(s->path, '/');
	base = base ? base + 1 : s->path;
	const char *dot = strrchr(base, '.');
	const char *lic = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s->in, "license"));
	const char *repo = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s->in, "repo"));
	struct strbuf label = STRBUF_INIT;

	counter_add(&a->extensions, dot && dot != base ? dot : "(none)", 1);
	counter_add(&a->licenses, lic ? lic : "(missing)", 1);
	counter_add(&a->repos, repo ? repo : "(missing)", 1);
	size_bucket_label(&a->buckets, s->len, &label);
	counter_add(&a->sizes, label.buf, 1);
	strbuf_release(&label);
}

static int reduce(void *ctx, void *arg)
{
	struct an *a = ctx;
	struct slot *s = arg;
	size_t pii = 0;

	if (!s->path || !s->content) {
		a->bad_records++;
		return 0;
	}
	a->files++;
	a->bytes += s->len;
	count_documents(a, s);
	count_file(a, s);
	for (int k = 0; k < a->keyword_list.n; k++)
		a->keyword_files[k] += s->hits[k];
	for (int k = 0; k < PII_NKINDS; k++) {
		a->pii[k] += s->pii[k];
		pii += s->pii[k];
	}
	a->files_with_pii += pii > 0;
	return 0;
}

static void release_slot(void *arg)
{
	struct slot *s = arg;

	cJSON_Delete(s->in);
	k8s_scan_release(&s->scan);
	free(s->hits);
}

static int write_report(const struct an *a, const char *path)
{
	cJSON *r = cJSON_CreateObject(), *kw = cJSON_CreateObject(), *pii = cJSON_CreateObject();

	cJSON_AddNumberToObject(r, "files", (double)a->files);
	cJSON_AddNumberToObject(r, "bytes", (double)a->bytes);
	cJSON_AddNumberToObject(r, "bad_records", (double)a->bad_records);
	cJSON_AddNumberToObject(r, "documents", (double)a->documents);
	cJSON_AddNumberToObject(r, "invalid_yaml_files", (double)a->invalid_yaml);
	cJSON_AddNumberToObject(r, "kubernetes_files", (double)a->k8s_files);
	cJSON_AddItemToObject(r, "kinds", counter_to_json(&a->kinds));
	cJSON_AddItemToObject(r, "api_versions", counter_to_json(&a->api_versions));
	cJSON_AddItemToObject(r, "extensions", counter_to_json(&a->extensions));
	cJSON_AddItemToObject(r, "licenses", counter_to_json(&a->licenses));
	cJSON_AddItemToObject(r, "repos", counter_to_json(&a->repos));
	cJSON *sizes = cJSON_CreateObject();
	struct strbuf label = STRBUF_INIT;
	for (int i = 0; i <= a->buckets.n; i++) { /* in size order, empty buckets too */
		strbuf_reset(&label);
		size_bucket_name(&a->buckets, i, &label);
		cJSON_AddNumberToObject(sizes, label.buf, (double)counter_get(&a->sizes, label.buf));
	}
	strbuf_release(&label);
	cJSON_AddItemToObject(r, "size_buckets", sizes);
	for (int k = 0; k < a->keyword_list.n; k++)
		cJSON_AddNumberToObject(kw, a->keyword_list.items[k], (double)a->keyword_files[k]);
	cJSON_AddItemToObject(r, "keyword_hits", kw);
	for (int k = 0; k < PII_NKINDS; k++)
		cJSON_AddNumberToObject(pii, pii_kind_name((enum pii_kind)k), (double)a->pii[k]);
	cJSON_AddItemToObject(r, "pii_hits", pii);
	cJSON_AddNumberToObject(r, "files_with_pii", (double)a->files_with_pii);
	int ret = json_write_file(path, r);
	cJSON_Delete(r);
	return ret;
}

static int load_params(struct an *a, struct sparams *p, const char *file, int explicit_file)
{
	if (sparams_load(p, file, explicit_file, "analyze", known_keys) < 0 ||
	    size_buckets_load(&a->buckets, p, "size_buckets") < 0)
		return -1;
	int r = sparams_strings(p, "keywords", &a->keyword_list);
	if (r < 0)
		return -1;
	if (r == 0)
		for (const char *const *d = keywords_default; *d; d++)
			strlist_push(&a->keyword_list, (char *)*d);
	keywords_init(&a->keywords, a->keyword_list.items, a->keyword_list.n);
	a->keyword_files = xcalloc((size_t)a->keyword_list.n + 1, sizeof(*a->keyword_files));
	return 0;
}

static void release(struct an *a)
{
	strlist_release(&a->keyword_list, 0);
	keywords_release(&a->keywords);
	size_buckets_release(&a->buckets);
	counter_release(&a->kinds);
	counter_release(&a->api_versions);
	counter_release(&a->extensions);
	counter_release(&a->licenses);
	counter_release(&a->repos);
	counter_release(&a->sizes);
	free(a->keyword_files);
}

int builtin_analyze(int argc, char **argv)
{
	const char *params_file = NULL, *in = "out/raw.jsonl", *out = "reports/analysis.json";
	int jobs = 0;
	struct strlist args = { NULL, 0, 0 };
	const struct option opts[] = {
		OPT_STRING('i', "in", &in, "FILE", "ingest records (default out/raw.jsonl)"),
		OPT_STRING('o', "out", &out, "FILE", "the report (default reports/analysis.json)"),
		OPT_INT('j', "jobs", &jobs, "N", "threads (default: the number of CPUs)"),
		OPT_STRING(0, "params", &params_file, "FILE", "the params file (default params.yaml)"),
		OPT_END(),
	};
	static const struct command_help help = {
		"repro builtin analyze [-j N] [--in FILE] [--out FILE] [--params FILE]",
		"Count kinds, apiVersions, extensions, licenses, sizes, keywords and PII in the corpus.",
		"\nparams (section 'analyze' of params.yaml):\n"
		"    keywords      words whose files are counted (default: preprocess's default list)\n"
		"    size_buckets  ascending byte edges (default 1024 4096 16384 65536 204800)\n",
	};
	struct an a;
	struct sparams p;

	memset(&a, 0, sizeof(a));
	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	int nargs = args.n;
	strlist_release(&args, 0);
	if (nargs || jobs < 0) {
		fprintf(stderr, "repro: %s\nusage: %s\n",
			nargs ? "analyze takes no arguments" : "-j must be at least 1", help.usage);
		return 2;
	}
	int ret = 2;
	if (load_params(&a, &p, params_file ? params_file : "params.yaml", params_file != NULL) == 0) {
		static const struct linemap_ops ops = { sizeof(struct slot), prepare, map, reduce,
							release_slot };
		ret = 1;
		if (linemap_run(in, jobs ? jobs : pool_default_jobs(), &ops, &a) == 0 &&
		    write_report(&a, out) == 0) {
			log_msg(LOG_INFO, "analyze", "%zu files, %zu documents, %zu do not parse, "
				"%zu with PII; wrote '%s'", a.files, a.documents, a.invalid_yaml,
				a.files_with_pii, out);
			ret = 0;
		}
	}
	release(&a);
	sparams_release(&p);
	return ret;
}
