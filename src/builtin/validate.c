/*
 * repro builtin validate: six checks on every training record (record.h),
 * summarised in schema_report.json {total, valid, pass_rate_pct,
 * violation_counts}. Violations do not fail the stage: deciding what is bad
 * enough to stop the pipeline is anomaly's job.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin/builtin.h"
#include "builtin/jsonl.h"
#include "builtin/k8s.h"
#include "builtin/linemap.h"
#include "builtin/params.h"
#include "builtin/pool.h"
#include "builtin/record.h"
#include "builtin/redact.h"
#include "util/error.h"
#include "util/log.h"
#include "util/options.h"

static const char *const known_keys[] = { "log_violations", NULL };

struct val {
	long log_violations;        /* how many violating records to log by line */
	size_t total, valid;        /* records checked, records without violations */
	size_t counts[RC_N];        /* records per violated check */
	size_t logged;              /* violating records logged so far */
};

struct slot {
	struct record r; /* the record and its violations */
	size_t lineno;   /* for messages */
};

static void prepare(void *ctx, void *arg, char *line, size_t len, size_t lineno)
{
	struct slot *s = arg;

	(void)ctx;
	s->lineno = lineno;
	record_parse(&s->r, line, len);
}

/* True when text holds PII or a secret that is not already redacted. */
static int has_pii(const char *text, size_t len)
{
	struct pii_item *items = NULL;
	size_t n = pii_find(text, len, &items);
	int leak = 0;

	for (size_t i = 0; i < n && !leak; i++)
		leak = !pii_item_redacted(text, &items[i]);
	free(items);
	return leak;
}

static void map(void *ctx, void *arg)
{
	struct slot *s = arg;
	struct record *r = &s->r;

	(void)ctx;
	if (r->manifest) {
		struct k8s_scan scan;
		if (k8s_scan(r->manifest, r->manifest_len, &scan) < 0)
			r->violations |= 1u << RC_MANIFEST_NOT_YAML;
		k8s_scan_release(&scan);
		if (has_pii(r->manifest, r->manifest_len))
			r->violations |= 1u << RC_PII_LEAK;
	}
	if (r->prompt && has_pii(r->prompt, strlen(r->prompt)))
		r->violations |= 1u << RC_PII_LEAK;
}

static int reduce(void *ctx, void *arg)
{
	struct val *v = ctx;
	struct slot *s = arg;

	v->total++;
	if (!s->r.violations) {
		v->valid++;
		return 0;
	}
	struct strbuf names = STRBUF_INIT;
	for (int c = 0; c < RC_N; c++)
		if (s->r.violations & (1u << c)) {
			v->counts[c]++;
			strbuf_addf(&names, "%s%s", names.len ? ", " : "", record_check_name(c));
		}
	if (v->logged++ < (size_t)v->log_violations)
		log_msg(LOG_WARNING, "validate", "record on line %zu: %s", s->lineno, names.buf);
	strbuf_release(&names);
	return 0;
}

static void release_slot(void *arg)
{
	record_release(&((struct slot *)arg)->r);
}

static int write_report(const struct val *v, const char *path)
{
	cJSON *r = cJSON_CreateObject(), *vc = cJSON_CreateObject();
	/* two decimals, rounded once, so the number prints the same everywhere */
	double rate = v->total ? round(10000.0 * (double)v->valid / (double)v->total) / 100.0 : 0.0;

	cJSON_AddNumberToObject(r, "total", (double)v->total);
	cJSON_AddNumberToObject(r, "valid", (double)v->valid);
	cJSON_AddNumberToObject(r, "pass_rate_pct", rate);
	for (int c = 0; c < RC_N; c++)
		cJSON_AddNumberToObject(vc, record_check_name(c), (double)v->counts[c]);
	cJSON_AddItemToObject(r, "violation_counts", vc);
	int ret = json_write_file(path, r);
	cJSON_Delete(r);
	return ret;
}

int builtin_validate(int argc, char **argv)
{
	const char *params_file = NULL, *in = "out/training_records.jsonl";
	const char *out = "reports/schema_report.json";
	int jobs = 0;
	struct strlist args = { NULL, 0, 0 };
	const struct option opts[] = {
		OPT_STRING('i', "in", &in, "FILE", "training records (default out/training_records.jsonl)"),
		OPT_STRING('o', "out", &out, "FILE", "the report (default reports/schema_report.json)"),
		OPT_INT('j', "jobs", &jobs, "N", "threads (default: the number of CPUs)"),
		OPT_STRING(0, "params", &params_file, "FILE", "the params file (default params.yaml)"),
		OPT_END(),
	};
	static const struct command_help help = {
		"repro builtin validate [-j N] [--in FILE] [--out FILE] [--params FILE]",
		"Check every training record; write {total, valid, pass_rate_pct, violation_counts}.",
		"checks (a record failing one counts under its name; later checks that cannot run\n"
		"are not counted):\n"
		"    missing_keys        {\"messages\": [{role, content}, {role, content}]} with strings\n"
		"    role_order          exactly two messages: user, then assistant\n"
		"    invalid_tool_json   the assistant content is a JSON object\n"
		"    wrong_tool          its \"tool\" is \"apply_manifest\"\n"
		"    manifest_not_yaml   its params.manifest_content is a string that parses as YAML\n"
		"    pii_leak            no PII or secret (docs/pii.md) in the prompt or manifest\n"
		"\nparams (section 'validate' of params.yaml):\n"
		"    log_violations      log at most this many violating records (default 20)\n",
	};
	struct val v;
	struct sparams pr;

	memset(&v, 0, sizeof(v));
	v.log_violations = 20;
	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	int nargs = args.n;
	strlist_release(&args, 0);
	if (nargs || jobs < 0) {
		fprintf(stderr, "repro: %s\nusage: %s\n",
			nargs ? "validate takes no arguments" : "-j must be at least 1", help.usage);
		return 2;
	}
	int ret = 2;
	if (sparams_load(&pr, params_file ? params_file : "params.yaml", params_file != NULL,
			"validate", known_keys) == 0 &&
	    sparams_long(&pr, "log_violations", 0, 1000000, &v.log_violations) == 0) {
		static const struct linemap_ops ops = { sizeof(struct slot), prepare, map, reduce,
							release_slot };
		ret = 1;
		if (linemap_run(in, jobs ? jobs : pool_default_jobs(), &ops, &v) == 0 &&
		    write_report(&v, out) == 0) {
			log_msg(LOG_INFO, "validate", "%zu of %zu records valid; wrote '%s'", v.valid,
				v.total, out);
			ret = 0;
		}
	}
	sparams_release(&pr);
	return ret;
}
