/*
 * repro builtin bias: slices the training records by IaC type, license, size
 * bucket and prompt type; flags any value whose share is above max_share
 * (and any IaC type below min_share); downsamples every IaC type above
 * max_share with a seeded generator; writes the balanced records, each with
 * a sampling_weight, and bias_report.json.
 *
 * Two passes over the records: the first classifies (on -j threads) and
 * counts, the second writes the kept records in input order. Only a few
 * bytes per record stay in memory.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin/builtin.h"
#include "builtin/counter.h"
#include "builtin/iac.h"
#include "builtin/jsonl.h"
#include "builtin/linemap.h"
#include "builtin/params.h"
#include "builtin/pool.h"
#include "builtin/prng.h"
#include "builtin/record.h"
#include "builtin/sizebucket.h"
#include "util/error.h"
#include "util/log.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char *const known_keys[] = { "max_share", "min_share", "seed", "size_buckets",
					  "kserve_groups", "seldon_groups", "workload_kinds", NULL };

enum slice { S_IAC, S_LICENSE, S_SIZE, S_PROMPT, S_N };
static const char *const slice_names[S_N] = { "iac_type", "license", "size_bucket", "prompt_type" };

struct bias {
	double max_share, min_share;  /* thresholds */
	long seed;                    /* downsampling seed */
	struct size_buckets buckets;  /* size slice edges */
	struct iac_rules iac;         /* IaC classification */
	struct jsonl_reader meta;     /* preprocess's metadata, read alongside */
	unsigned char *type;          /* per record: its enum iac_type */
	unsigned char *keep;          /* per record: kept after downsampling */
	size_t n, alloc;              /* records, slots allocated */
	struct counter slices[S_N];   /* counts per slice value (S_IAC unused) */
	size_t count[IAC_N];          /* records per IaC type */
	size_t target[IAC_N];         /* ... after downsampling */
	double weight[IAC_N];         /* sampling_weight per IaC type */
	int failed;                   /* the metadata did not match */
};

struct slot {
	struct record r;      /* the parsed record */
	enum iac_type type;   /* its class */
	size_t lineno;        /* for messages */
};

static void prepare(void *ctx, void *arg, char *line, size_t len, size_t lineno)
{
	struct slot *s = arg;

	(void)ctx;
	s->lineno = lineno;
	record_parse(&s->r, line, len);
}

static void map(void *ctx, void *arg)
{
	const struct bias *b = ctx;
	struct slot *s = arg;
	struct k8s_scan scan;

	s->type = IAC_CONFIG;
	if (!s->r.manifest)
		return;
	k8s_scan(s->r.manifest, s->r.manifest_len, &scan);
	s->type = iac_classify(&b->iac, &scan);
	k8s_scan_release(&scan);
}

/* Counts the record's license, size and prompt type from its metadata line. */
static int count_meta(struct bias *b, size_t lineno)
{
	int got = jsonl_next(&b->meta);

	if (got <= 0) {
		if (got == 0)
			error("'%s' has fewer lines than the records; run preprocess again", b->meta.path);
		return -1;
	}
	cJSON *m = cJSON_ParseWithLength(b->meta.line, b->meta.len);
	const char *lic = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "license"));
	const char *pt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "prompt_type"));
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(m, "size");
	int ret = 0;
	if (!lic || !pt || !cJSON_IsNumber(size) || size->valuedouble < 0) {
		ret = error("'%s' line %zu (for record line %zu) is not preprocess metadata",
			    b->meta.path, b->meta.lineno, lineno);
	} else {
		struct strbuf label = STRBUF_INIT;
		size_bucket_label(&b->buckets, (size_t)size->valuedouble, &label);
		counter_add(&b->slices[S_LICENSE], lic, 1);
		counter_add(&b->slices[S_PROMPT], pt, 1);
		counter_add(&b->slices[S_SIZE], label.buf, 1);
		strbuf_release(&label);
	}
	cJSON_Delete(m);
	return ret;
}

static int reduce(void *ctx, void *arg)
{
	struct bias *b = ctx;
	struct slot *s = arg;

	if (!s->r.manifest)
		log_msg(LOG_WARNING, "bias", "record on line %zu has no manifest; counted as %s",
			s->lineno, iac_type_name(IAC_CONFIG));
	ARRAY_GROW(b->type, b->alloc, b->n + 1);
	b->type[b->n++] = (unsigned char)s->type;
	b->count[s->type]++;
	return count_meta(b, s->lineno);
}

static void release_slot(void *arg)
{
	record_release(&((struct slot *)arg)->r);
}

/*
 * Lowers each IaC type's count until none is above max_share of the total:
 * a type's cap is the largest k with k <= max_share * (k + others). The
 * largest offender is capped first, then shares are recomputed. A type alone
 * in the data cannot be balanced and is left as it is.
 */
static void targets(struct bias *b)
{
	for (int t = 0; t < IAC_N; t++)
		b->target[t] = b->count[t];
	if (b->max_share >= 1.0)
		return;
	for (int round = 0; round < 4 * IAC_N; round++) {
		size_t total = 0;
		int worst = -1;
		for (int t = 0; t < IAC_N; t++)
			total += b->target[t];
		for (int t = 0; t < IAC_N; t++)
			if ((double)b->target[t] > b->max_share * (double)total &&
			    (worst < 0 || b->target[t] > b->target[worst]))
				worst = t;
		if (worst < 0)
			return;
		size_t others = total - b->target[worst];
		if (!others)
			return;
		size_t cap = (size_t)floor(b->max_share * (double)others / (1.0 - b->max_share));
		if (cap >= b->target[worst])
			return;
		b->target[worst] = cap ? cap : 1;
	}
}

/* Picks target[t] records of each type t uniformly (partial Fisher-Yates, seeded). */
static void choose(struct bias *b)
{
	struct prng r;
	size_t *idx = xcalloc(b->n + 1, sizeof(*idx));

	prng_seed(&r, (uint64_t)b->seed);
	b->keep = xcalloc(b->n + 1, 1);
	for (int t = 0; t < IAC_N; t++) {
		size_t m = 0;
		for (size_t i = 0; i < b->n; i++)
			if (b->type[i] == t)
				idx[m++] = i;
		for (size_t i = 0; i < b->target[t]; i++) {
			size_t j = i + (size_t)prng_below(&r, m - i);
			size_t tmp = idx[i];
			idx[i] = idx[j];
			idx[j] = tmp;
			b->keep[idx[i]] = 1;
		}
	}
	free(idx);
}

/* Weights that give every present IaC type the same total weight, mean 1. */
static void weights(struct bias *b)
{
	size_t kept = 0, present = 0;

	for (int t = 0; t < IAC_N; t++) {
		kept += b->target[t];
		present += b->target[t] > 0;
	}
	for (int t = 0; t < IAC_N; t++)
		b->weight[t] = b->target[t]
			? round(1e6 * (double)kept / ((double)present * (double)b->target[t])) / 1e6 : 0;
}

static double share(size_t n, size_t total)
{
	return total ? round(1e4 * (double)n / (double)total) / 1e4 : 0;
}

static cJSON *entry(size_t n, size_t total)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddNumberToObject(e, "count", (double)n);
	cJSON_AddNumberToObject(e, "share", share(n, total));
	return e;
}

static void flag(cJSON *flags, const char *slice, const char *value, double sh, const char *issue)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_AddStringToObject(f, "slice", slice);
	cJSON_AddStringToObject(f, "value", value);
	cJSON_AddNumberToObject(f, "share", sh);
	cJSON_AddStringToObject(f, "issue", issue);
	cJSON_AddItemToArray(flags, f);
}

/* The size buckets in size order with their counts (keys allocated). */
static struct counter_entry *size_entries(const struct bias *b, size_t *n)
{
	struct counter_entry *v = xcalloc((size_t)b->buckets.n + 1, sizeof(*v));
	struct strbuf label = STRBUF_INIT;

	for (int i = 0; i <= b->buckets.n; i++) {
		strbuf_reset(&label);
		size_bucket_name(&b->buckets, i, &label);
		v[i].key = xstrdup(label.buf);
		v[i].count = counter_get(&b->slices[S_SIZE], label.buf);
	}
	strbuf_release(&label);
	*n = (size_t)b->buckets.n + 1;
	return v;
}

/* The four slices of the input, flagging values above max_share (and rare IaC types). */
static cJSON *slices(const struct bias *b, cJSON *flags)
{
	cJSON *all = cJSON_CreateObject(), *iac = cJSON_CreateObject();

	for (int t = 0; t < IAC_N; t++) {
		cJSON_AddItemToObject(iac, iac_type_name(t), entry(b->count[t], b->n));
		double sh = share(b->count[t], b->n);
		if (b->n && sh > b->max_share)
			flag(flags, "iac_type", iac_type_name(t), sh, "above_max_share");
		else if (b->n && sh < b->min_share)
			flag(flags, "iac_type", iac_type_name(t), sh, "below_min_share");
	}
	cJSON_AddItemToObject(all, slice_names[S_IAC], iac);
	for (int s = S_LICENSE; s < S_N; s++) {
		cJSON *o = cJSON_CreateObject();
		struct counter_entry *v = counter_sorted(&b->slices[s]);
		size_t nv = b->slices[s].n;
		if (s == S_SIZE) { /* size order, empty buckets too */
			free(v);
			v = size_entries(b, &nv);
		}
		for (size_t i = 0; i < nv; i++) {
			cJSON_AddItemToObject(o, v[i].key, entry(v[i].count, b->n));
			if (share(v[i].count, b->n) > b->max_share)
				flag(flags, slice_names[s], v[i].key, share(v[i].count, b->n),
				     "above_max_share");
			if (s == S_SIZE)
				free(v[i].key);
		}
		free(v);
		cJSON_AddItemToObject(all, slice_names[s], o);
	}
	return all;
}

static int write_report(const struct bias *b, const char *path, size_t kept)
{
	cJSON *r = cJSON_CreateObject(), *flags = cJSON_CreateArray();
	cJSON *bal = cJSON_CreateObject(), *down = cJSON_CreateObject();

	cJSON_AddNumberToObject(r, "total", (double)b->n);
	cJSON_AddNumberToObject(r, "kept", (double)kept);
	cJSON_AddNumberToObject(r, "max_share", b->max_share);
	cJSON_AddNumberToObject(r, "min_share", b->min_share);
	cJSON_AddNumberToObject(r, "seed", (double)b->seed);
	cJSON_AddItemToObject(r, "slices", slices(b, flags));
	for (int t = 0; t < IAC_N; t++) {
		cJSON *e = entry(b->target[t], kept);
		cJSON_AddNumberToObject(e, "sampling_weight", b->weight[t]);
		cJSON_AddItemToObject(bal, iac_type_name(t), e);
		if (b->target[t] < b->count[t]) {
			cJSON *d = cJSON_CreateObject();
			cJSON_AddNumberToObject(d, "before", (double)b->count[t]);
			cJSON_AddNumberToObject(d, "after", (double)b->target[t]);
			cJSON_AddItemToObject(down, iac_type_name(t), d);
		}
	}
	cJSON_AddItemToObject(r, "balanced_iac_type", bal);
	cJSON_AddItemToObject(r, "downsampled", down);
	cJSON_AddNumberToObject(r, "imbalances_found", cJSON_GetArraySize(flags));
	cJSON_AddItemToObject(r, "flags", flags);
	int ret = json_write_file(path, r);
	cJSON_Delete(r);
	return ret;
}

/* Second pass: the kept records, in input order, each with its sampling_weight. */
static int write_balanced(const struct bias *b, const char *in, const char *out, size_t *kept)
{
	struct jsonl_reader r;
	struct jsonl_writer w;
	size_t i = 0;
	int got, ret = 0;

	if (jsonl_reader_open(&r, in) < 0)
		return -1;
	if (jsonl_open(&w, out) < 0) {
		jsonl_reader_close(&r);
		return -1;
	}
	while (!ret && (got = jsonl_next(&r)) > 0) {
		if (i >= b->n) {
			ret = error("'%s' changed while bias was reading it", in);
			break;
		}
		if (b->keep[i]) {
			cJSON *o = cJSON_ParseWithLength(r.line, r.len);
			if (!cJSON_IsObject(o))
				o = (cJSON_Delete(o), cJSON_CreateObject());
			cJSON_DeleteItemFromObjectCaseSensitive(o, "sampling_weight");
			cJSON_AddNumberToObject(o, "sampling_weight", b->weight[b->type[i]]);
			ret = jsonl_write(&w, o);
			cJSON_Delete(o);
		}
		i++;
	}
	if (got < 0)
		ret = -1;
	*kept = w.lines;
	jsonl_reader_close(&r);
	if (ret < 0) {
		jsonl_abort(&w);
		return -1;
	}
	return jsonl_commit(&w);
}

static int run(struct bias *b, const char *in, const char *meta, const char *out,
	       const char *report, int jobs)
{
	static const struct linemap_ops ops = { sizeof(struct slot), prepare, map, reduce,
						release_slot };
	size_t kept = 0;

	if (jsonl_reader_open(&b->meta, meta) < 0)
		return 1;
	if (linemap_run(in, jobs, &ops, b) < 0)
		return 1;
	if (jsonl_next(&b->meta) != 0) {
		error("'%s' has more lines than the records; run preprocess again", meta);
		return 1;
	}
	targets(b);
	for (int t = 0; t < IAC_N; t++)
		if (b->count[t] == b->n && b->n && b->max_share < 1.0)
			log_msg(LOG_WARNING, "bias", "every record is %s: nothing to balance against",
				iac_type_name(t));
	choose(b);
	weights(b);
	if (write_balanced(b, in, out, &kept) < 0 || write_report(b, report, kept) < 0)
		return 1;
	log_msg(LOG_INFO, "bias", "kept %zu of %zu records (kserve %zu, seldon %zu, "
		"k8s_workload %zu, k8s_config %zu); wrote '%s'", kept, b->n, b->target[IAC_KSERVE],
		b->target[IAC_SELDON], b->target[IAC_WORKLOAD], b->target[IAC_CONFIG], out);
	return 0;
}

static int load_params(struct bias *b, struct sparams *p, const char *file, int explicit_file)
{
	b->max_share = 0.40;
	b->min_share = 0.05;
	b->seed = 42;
	if (sparams_load(p, file, explicit_file, "bias", known_keys) < 0 ||
	    sparams_double(p, "max_share", 0.01, 1.0, &b->max_share) < 0 ||
	    sparams_double(p, "min_share", 0.0, 1.0, &b->min_share) < 0 ||
	    sparams_long(p, "seed", LONG_MIN, LONG_MAX, &b->seed) < 0 ||
	    size_buckets_load(&b->buckets, p, "size_buckets") < 0 ||
	    iac_rules_load(&b->iac, p) < 0)
		return -1;
	return 0;
}

static void release(struct bias *b)
{
	size_buckets_release(&b->buckets);
	iac_rules_release(&b->iac);
	jsonl_reader_close(&b->meta);
	for (int s = 0; s < S_N; s++)
		counter_release(&b->slices[s]);
	free(b->type);
	free(b->keep);
}

int builtin_bias(int argc, char **argv)
{
	const char *params_file = NULL, *in = "out/training_records.jsonl";
	const char *meta = "out/records_meta.jsonl", *out = "out/training_records_balanced.jsonl";
	const char *report = "reports/bias_report.json";
	int jobs = 0;
	struct strlist args = { NULL, 0, 0 };
	const struct option opts[] = {
		OPT_STRING('i', "in", &in, "FILE", "training records (default out/training_records.jsonl)"),
		OPT_STRING(0, "meta", &meta, "FILE", "their metadata (default out/records_meta.jsonl)"),
		OPT_STRING('o', "out", &out, "FILE", "balanced records (default out/training_records_balanced.jsonl)"),
		OPT_STRING(0, "report", &report, "FILE", "the report (default reports/bias_report.json)"),
		OPT_INT('j', "jobs", &jobs, "N", "threads (default: the number of CPUs)"),
		OPT_STRING(0, "params", &params_file, "FILE", "the params file (default params.yaml)"),
		OPT_END(),
	};
	static const struct command_help help = {
		"repro builtin bias [-j N] [--in FILE] [--meta FILE] [--out FILE] [--report FILE]",
		"Slice, flag imbalances, downsample IaC types above max_share; add sampling_weight.",
		"slices: iac_type (kserve, seldon, k8s_workload, k8s_config), license, size_bucket,\n"
		"prompt_type. Every IaC type above max_share is downsampled (seeded, uniform)\n"
		"to the largest count within max_share; sampling_weight = kept / (types present *\n"
		"kept of the record's type), so each IaC type carries the same total weight.\n"
		"\nparams (section 'bias' of params.yaml):\n"
		"    max_share        flag and downsample above this share (default 0.40)\n"
		"    min_share        flag IaC types below this share (default 0.05)\n"
		"    seed             the downsampling seed (default 42)\n"
		"    size_buckets     ascending byte edges (default 1024 4096 16384 65536 204800)\n"
		"    kserve_groups, seldon_groups, workload_kinds   the IaC classification\n",
	};
	struct bias b;
	struct sparams p;

	memset(&b, 0, sizeof(b));
	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	int nargs = args.n;
	strlist_release(&args, 0);
	if (nargs || jobs < 0) {
		fprintf(stderr, "repro: %s\nusage: %s\n",
			nargs ? "bias takes no arguments" : "-j must be at least 1", help.usage);
		return 2;
	}
	int ret = 2;
	if (load_params(&b, &p, params_file ? params_file : "params.yaml", params_file != NULL) == 0)
		ret = run(&b, in, meta, out, report, jobs ? jobs : pool_default_jobs());
	release(&b);
	sparams_release(&p);
	return ret;
}
