/*
 * repro builtin preprocess: ingest records -> tool-call training records.
 *
 * Per file, in this order (the first failing check is the reject reason):
 * size, extension, license, keyword (cheap checks on the raw text first), then
 * one libyaml event pass (valid YAML, every document a Kubernetes object),
 * then PII redaction and, only when something was redacted, a second pass
 * proving the redacted text still parses. Kept files get a prompt from their
 * name and are wrapped as the apply_manifest tool call. Files are processed
 * on -j threads and written in input order, so output bytes never depend
 * on -j.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "builtin/builtin.h"
#include "builtin/counter.h"
#include "builtin/jsonl.h"
#include "builtin/k8s.h"
#include "builtin/keywords.h"
#include "builtin/linemap.h"
#include "builtin/params.h"
#include "builtin/pool.h"
#include "builtin/preprocess.h"
#include "builtin/prompt.h"
#include "builtin/redact.h"
#include "util/error.h"
#include "util/log.h"
#include "util/options.h"
#include "util/xalloc.h"

/* Reject reasons, in the order the checks run. */
enum reason {
	R_KEPT = -1,
	R_BAD_RECORD,     /* the input line is not an ingest record */
	R_TOO_SMALL,
	R_TOO_LARGE,
	R_EXTENSION,
	R_LICENSE,
	R_NO_KEYWORD,
	R_INVALID_YAML,
	R_NOT_KUBERNETES,
	R_REDACTION_BROKE_YAML,
	R_N
};
static const char *const reason_names[R_N] = {
	"bad_record", "too_small", "too_large", "extension", "license", "no_keyword",
	"invalid_yaml", "not_kubernetes", "redaction_broke_yaml",
};

static const char *const known_keys[] = { "min_size", "max_size", "extensions", "licenses",
					  "keywords", "prompt_rules", "prompt_fallback", NULL };
static const char *const default_extensions[] = { ".yaml", ".yml", NULL };
static const char *const default_licenses[] = { "Apache-2.0", "MIT", "BSD-2-Clause", "BSD-3-Clause",
						"ISC", "0BSD", "Unlicense", "CC0-1.0", NULL };
/* Settings, read-only while the threads run. */
struct pre {
	long min_size, max_size;      /* accepted content sizes, bytes */
	struct strlist extensions;    /* accepted name endings (case-insensitive) */
	struct strlist licenses;      /* the permissive allowlist (exact SPDX ids) */
	struct strlist keyword_list;  /* ML-infra keywords */
	struct keywords keywords;     /* ... compiled */
	struct prompt_rules prompts;  /* prompt synthesis */
	/* results, touched only by reduce */
	struct jsonl_writer out, meta; /* the records and their metadata */
	struct jsonl_writer rejected; /* {path, reason} per rejected file (with --rejects) */
	int want_rejects;             /* --rejects was given */
	size_t total, kept;           /* lines read, records written */
	size_t rejects[R_N];          /* per reason */
	struct pii_counts pii;        /* items redacted per kind */
	size_t files_redacted;        /* kept files with at least one item redacted */
	size_t bytes_in;              /* content bytes read */
	struct counter prompt_types;  /* kept records per prompt type */
};

/* One input line's journey. */
struct slot {
	cJSON *in;                 /* the parsed ingest record */
	const char *path, *license;/* its fields (inside in) */
	const char *content;       /* ... */
	size_t len;                /* content length */
	size_t lineno;             /* for messages */
	enum reason reason;        /* R_KEPT or why it was rejected */
	struct pii_counts pii;     /* items redacted */
	size_t redacted;           /* how many */
	const char *prompt_type;   /* the prompt rule's name */
	struct strbuf record;      /* the output line */
};

static int in_list(const struct strlist *l, const char *s, int nocase)
{
	for (int i = 0; i < l->n; i++)
		if (nocase ? !strcasecmp(l->items[i], s) : !strcmp(l->items[i], s))
			return 1;
	return 0;
}

static int has_extension(const struct strlist *l, const char *path)
{
	size_t n = strlen(path);

	for (int i = 0; i < l->n; i++) {
		size_t e = strlen(l->items[i]);
		if (e <= n && !strcasecmp(path + n - e, l->items[i]))
			return 1;
	}
	return 0;
}

static void prepare(void *ctx, void *arg, char *line, size_t len, size_t lineno)
{
	struct slot *s = arg;
	const cJSON *c;

	(void)ctx;
	s->lineno = lineno;
	s->reason = R_BAD_RECORD;
	s->in = cJSON_ParseWithLength(line, len);
	if (!s->in)
		return;
	s->path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s->in, "path"));
	s->license = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s->in, "license"));
	c = cJSON_GetObjectItemCaseSensitive(s->in, "content");
	s->content = cJSON_GetStringValue(c);
	if (!s->path || !s->license || !s->content)
		return;
	s->len = strlen(s->content);
	s->reason = R_KEPT;
}

/* Every document present and a Kubernetes object. */
static enum reason check_yaml(const char *text, size_t len)
{
	struct k8s_scan scan;
	enum reason r = R_KEPT;

	if (k8s_scan(text, len, &scan) < 0) {
		r = R_INVALID_YAML;
	} else {
		if (!scan.ndocs)
			r = R_NOT_KUBERNETES;
		for (size_t i = 0; i < scan.ndocs && r == R_KEPT; i++)
			if (!k8s_is_object(&scan.docs[i]))
				r = R_NOT_KUBERNETES;
	}
	k8s_scan_release(&scan);
	return r;
}

static enum reason filter(const struct pre *p, const struct slot *s)
{
	if (s->len < (size_t)p->min_size)
		return R_TOO_SMALL;
	if (s->len > (size_t)p->max_size)
		return R_TOO_LARGE;
	if (!has_extension(&p->extensions, s->path))
		return R_EXTENSION;
	if (!in_list(&p->licenses, s->license, 0))
		return R_LICENSE;
	if (keywords_find(&p->keywords, s->content, s->len) < 0)
		return R_NO_KEYWORD;
	return check_yaml(s->content, s->len);
}

/* The record line: the prompt and the apply_manifest tool call. */
static void wrap(struct slot *s, const char *prompt, const char *manifest)
{
	cJSON *call = cJSON_CreateObject(), *params = cJSON_CreateObject();
	struct strbuf call_json = STRBUF_INIT;

	cJSON_AddStringToObject(call, "tool", "apply_manifest");
	cJSON_AddStringToObject(params, "manifest_content", manifest);
	cJSON_AddItemToObject(call, "params", params);
	json_print_compact(call, &call_json);
	cJSON_Delete(call);

	cJSON *rec = cJSON_CreateObject(), *msgs = cJSON_CreateArray();
	cJSON *user = cJSON_CreateObject(), *asst = cJSON_CreateObject();
	cJSON_AddStringToObject(user, "role", "user");
	cJSON_AddStringToObject(user, "content", prompt);
	cJSON_AddStringToObject(asst, "role", "assistant");
	cJSON_AddStringToObject(asst, "content", call_json.buf);
	cJSON_AddItemToArray(msgs, user);
	cJSON_AddItemToArray(msgs, asst);
	cJSON_AddItemToObject(rec, "messages", msgs);
	json_print_compact(rec, &s->record);
	cJSON_Delete(rec);
	strbuf_release(&call_json);
}

static void map(void *ctx, void *arg)
{
	const struct pre *p = ctx;
	struct slot *s = arg;
	struct strbuf red = STRBUF_INIT, prompt = STRBUF_INIT;

	if (s->reason != R_KEPT || (s->reason = filter(p, s)) != R_KEPT)
		return;
	s->redacted = redact_text(s->content, s->len, &red, &s->pii);
	/* re-parse only when something changed: unchanged text parsed above */
	if (s->redacted && check_yaml(red.buf, red.len) == R_INVALID_YAML) {
		s->reason = R_REDACTION_BROKE_YAML;
	} else {
		s->prompt_type = prompt_synthesize(&p->prompts, s->path, &prompt);
		wrap(s, prompt.buf, s->redacted ? red.buf : s->content);
	}
	strbuf_release(&red);
	strbuf_release(&prompt);
}

static int write_meta(struct pre *p, const struct slot *s)
{
	cJSON *m = cJSON_CreateObject();
	const cJSON *repo = cJSON_GetObjectItemCaseSensitive(s->in, "repo");
	const cJSON *sha = cJSON_GetObjectItemCaseSensitive(s->in, "hexsha");

	cJSON_AddStringToObject(m, "path", s->path);
	cJSON_AddStringToObject(m, "repo", cJSON_IsString(repo) ? repo->valuestring : "");
	cJSON_AddStringToObject(m, "license", s->license);
	cJSON_AddNumberToObject(m, "size", (double)s->len);
	cJSON_AddStringToObject(m, "hexsha", cJSON_IsString(sha) ? sha->valuestring : "");
	cJSON_AddStringToObject(m, "prompt_type", s->prompt_type);
	cJSON_AddNumberToObject(m, "pii_redacted", (double)s->redacted);
	int r = jsonl_write(&p->meta, m);
	cJSON_Delete(m);
	return r;
}

static int write_reject(struct pre *p, const struct slot *s)
{
	cJSON *m = cJSON_CreateObject();
	int r;

	if (s->path)
		cJSON_AddStringToObject(m, "path", s->path);
	else
		cJSON_AddNumberToObject(m, "line", (double)s->lineno);
	cJSON_AddStringToObject(m, "reason", reason_names[s->reason]);
	r = jsonl_write(&p->rejected, m);
	cJSON_Delete(m);
	return r;
}

static int reduce(void *ctx, void *arg)
{
	struct pre *p = ctx;
	struct slot *s = arg;

	p->total++;
	p->bytes_in += s->len;
	if (s->reason == R_BAD_RECORD)
		log_msg(LOG_WARNING, "preprocess", "line %zu is not an ingest record", s->lineno);
	if (s->reason != R_KEPT) {
		p->rejects[s->reason]++;
		return p->want_rejects ? write_reject(p, s) : 0;
	}
	p->kept++;
	p->files_redacted += s->redacted > 0;
	for (int k = 0; k < PII_NKINDS; k++)
		p->pii.n[k] += s->pii.n[k];
	counter_add(&p->prompt_types, s->prompt_type, 1);
	if (jsonl_write_line(&p->out, s->record.buf, s->record.len) < 0)
		return -1;
	return write_meta(p, s);
}

static void release_slot(void *arg)
{
	struct slot *s = arg;

	cJSON_Delete(s->in);
	strbuf_release(&s->record);
}

static int write_report(const struct pre *p, const char *path)
{
	cJSON *r = cJSON_CreateObject(), *rc = cJSON_CreateObject(), *pii = cJSON_CreateObject();

	cJSON_AddNumberToObject(r, "total", (double)p->total);
	cJSON_AddNumberToObject(r, "kept", (double)p->kept);
	cJSON_AddNumberToObject(r, "rejected", (double)(p->total - p->kept));
	for (int i = 0; i < R_N; i++)
		cJSON_AddNumberToObject(rc, reason_names[i], (double)p->rejects[i]);
	cJSON_AddItemToObject(r, "reject_counts", rc);
	for (int k = 0; k < PII_NKINDS; k++)
		cJSON_AddNumberToObject(pii, pii_kind_name((enum pii_kind)k), (double)p->pii.n[k]);
	cJSON_AddItemToObject(r, "pii_redacted", pii);
	cJSON_AddNumberToObject(r, "files_redacted", (double)p->files_redacted);
	cJSON_AddItemToObject(r, "prompt_types", counter_to_json(&p->prompt_types));
	cJSON_AddNumberToObject(r, "bytes_in", (double)p->bytes_in);
	int ret = json_write_file(path, r);
	cJSON_Delete(r);
	return ret;
}

static int list_param(const struct sparams *pr, const char *key, struct strlist *l,
		      const char *const *def)
{
	int r = sparams_strings(pr, key, l);

	if (r == 0)
		for (; *def; def++)
			strlist_push(l, (char *)*def);
	return r < 0 ? -1 : 0;
}

static int load_params(struct pre *p, struct sparams *pr, const char *file, int explicit_file)
{
	p->min_size = 200;
	p->max_size = 200 * 1024;
	if (sparams_load(pr, file, explicit_file, "preprocess", known_keys) < 0 ||
	    sparams_long(pr, "min_size", 0, LONG_MAX, &p->min_size) < 0 ||
	    sparams_long(pr, "max_size", 0, LONG_MAX, &p->max_size) < 0 ||
	    list_param(pr, "extensions", &p->extensions, default_extensions) < 0 ||
	    list_param(pr, "licenses", &p->licenses, default_licenses) < 0 ||
	    list_param(pr, "keywords", &p->keyword_list, keywords_default) < 0 ||
	    prompt_rules_load(&p->prompts, pr) < 0)
		return -1;
	if (p->min_size > p->max_size)
		return sparams_error(pr, sparams_node(pr, "min_size"),
				    "'preprocess.min_size' is larger than max_size");
	keywords_init(&p->keywords, p->keyword_list.items, p->keyword_list.n);
	return 0;
}

static void release(struct pre *p)
{
	strlist_release(&p->extensions, 0);
	strlist_release(&p->licenses, 0);
	strlist_release(&p->keyword_list, 0);
	keywords_release(&p->keywords);
	prompt_rules_release(&p->prompts);
	counter_release(&p->prompt_types);
}

/* Opens the outputs; on failure none is left open. */
static int open_outputs(struct pre *p, const char *out, const char *meta, const char *rejects)
{
	if (jsonl_open(&p->out, out) < 0)
		return -1;
	if (jsonl_open(&p->meta, meta) < 0) {
		jsonl_abort(&p->out);
		return -1;
	}
	p->want_rejects = rejects != NULL;
	if (rejects && jsonl_open(&p->rejected, rejects) < 0) {
		jsonl_abort(&p->out);
		jsonl_abort(&p->meta);
		return -1;
	}
	return 0;
}

/* Commits the outputs (all of them, or aborts what is left on failure). */
static int close_outputs(struct pre *p, int ok)
{
	struct jsonl_writer *w[3] = { &p->out, &p->meta, p->want_rejects ? &p->rejected : NULL };

	for (int i = 0; i < 3; i++) {
		if (!w[i])
			continue;
		if (ok)
			ok = jsonl_commit(w[i]) == 0;
		else
			jsonl_abort(w[i]);
	}
	return ok ? 0 : -1;
}

static int run(struct pre *p, const char *in, const char *out, const char *meta,
	       const char *rejects, const char *report, int jobs)
{
	static const struct linemap_ops ops = { sizeof(struct slot), prepare, map, reduce,
						release_slot };

	if (open_outputs(p, out, meta, rejects) < 0)
		return 1;
	int ok = linemap_run(in, jobs, &ops, p) == 0;
	if (close_outputs(p, ok) < 0 || write_report(p, report) < 0)
		return 1;
	struct strbuf why = STRBUF_INIT;
	for (int i = 0; i < R_N; i++)
		if (p->rejects[i])
			strbuf_addf(&why, "%s%s %zu", why.len ? ", " : "", reason_names[i], p->rejects[i]);
	log_msg(LOG_INFO, "preprocess", "kept %zu of %zu files (%s); %zu redacted; wrote '%s'",
		p->kept, p->total, why.len ? why.buf : "none rejected", p->files_redacted, out);
	strbuf_release(&why);
	return 0;
}

/* The transform alone: settings and the params tree they point into. */
struct preprocess {
	struct pre pre;    /* the settings (its outputs are never opened) */
	struct sparams pr; /* the params file, which pre's lists point into */
};

struct preprocess *preprocess_open(const char *params_file)
{
	struct preprocess *p = xcalloc(1, sizeof(*p));

	if (load_params(&p->pre, &p->pr, params_file, 1) < 0) {
		preprocess_close(p);
		return NULL;
	}
	return p;
}

void preprocess_close(struct preprocess *p)
{
	if (!p)
		return;
	release(&p->pre);
	sparams_release(&p->pr);
	free(p);
}

const char *preprocess_record(const struct preprocess *p, const char *line, size_t len, struct strbuf *out)
{
	struct slot s;
	char *copy = xmalloc(len + 1);

	memcpy(copy, line, len);
	copy[len] = '\0';
	memset(&s, 0, sizeof(s));
	prepare(NULL, &s, copy, len, 1);
	map((void *)&p->pre, &s);
	if (s.reason == R_KEPT)
		strbuf_addbuf(out, &s.record);
	const char *why = s.reason == R_KEPT ? "kept" : reason_names[s.reason];
	release_slot(&s);
	free(copy);
	return why;
}

int builtin_preprocess(int argc, char **argv)
{
	const char *params_file = NULL, *in = "out/raw.jsonl", *out = "out/training_records.jsonl";
	const char *meta = "out/records_meta.jsonl", *report = "reports/preprocess_report.json";
	const char *rejects = NULL;
	int jobs = 0;
	struct strlist args = { NULL, 0, 0 };
	const struct option opts[] = {
		OPT_STRING('i', "in", &in, "FILE", "ingest records (default out/raw.jsonl)"),
		OPT_STRING('o', "out", &out, "FILE", "training records (default out/training_records.jsonl)"),
		OPT_STRING(0, "meta", &meta, "FILE", "per-record metadata for bias (default out/records_meta.jsonl)"),
		OPT_STRING(0, "report", &report, "FILE", "filter report (default reports/preprocess_report.json)"),
		OPT_STRING(0, "rejects", &rejects, "FILE", "also write {path, reason} per rejected file"),
		OPT_INT('j', "jobs", &jobs, "N", "threads (default: the number of CPUs)"),
		OPT_STRING(0, "params", &params_file, "FILE", "the params file (default params.yaml)"),
		OPT_END(),
	};
	static const struct command_help help = {
		"repro builtin preprocess [-j N] [--in FILE] [--out FILE] [--meta FILE] [--report FILE]\n"
		"                                [--rejects FILE] [--params FILE]",
		"Filter, redact, prompt and wrap ingest records as apply_manifest tool calls.",
		"A file is kept when, in this order: min_size <= size <= max_size; its name ends in\n"
		"one of extensions; its license is in licenses; one of keywords appears as a whole\n"
		"word (any case); it parses as YAML; and every non-empty document in it is a\n"
		"Kubernetes object (a mapping with apiVersion and kind). It is then redacted\n"
		"(docs/pii.md); a redacted text that no longer parses is rejected too.\n"
		"\nparams (section 'preprocess' of params.yaml):\n"
		"    min_size, max_size   bytes (default 200, 204800)\n"
		"    extensions           default .yaml .yml\n"
		"    licenses             SPDX ids (default Apache-2.0 MIT BSD-2-Clause BSD-3-Clause ISC\n"
		"                         0BSD Unlicense CC0-1.0)\n"
		"    keywords             ML-infra words (default nvidia.com/gpu gpu kserve seldon ...)\n"
		"    prompt_rules         list of {name, words, prompt}; the first rule naming a word\n"
		"                         of the file name gives the prompt\n"
		"    prompt_fallback      the prompt when no rule matches\n",
	};
	struct pre p;
	struct sparams pr;

	memset(&p, 0, sizeof(p));
	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	int nargs = args.n;
	strlist_release(&args, 0);
	if (nargs || jobs < 0) {
		fprintf(stderr, "repro: %s\nusage: %s\n",
			nargs ? "preprocess takes no arguments" : "-j must be at least 1", help.usage);
		return 2;
	}
	int ret = 2;
	if (load_params(&p, &pr, params_file ? params_file : "params.yaml", params_file != NULL) == 0)
		ret = run(&p, in, out, meta, rejects, report, jobs ? jobs : pool_default_jobs());
	release(&p);
	sparams_release(&pr);
	return ret;
}
