/*
 * repro builtin anomaly: alert rules over validate's schema report.
 *
 * Rules, in the order they are reported (thresholds from params.yaml):
 *   too_few_records   total < min_records
 *   low_pass_rate     pass_rate_pct < min_pass_rate_pct
 *   pii_leak          violation_counts.pii_leak > max_pii_leaks
 *   violation_spike   any one violation count > max_violations_per_type
 * Writes anomaly_report.json {status, anomalies_found, anomalies}; with
 * SLACK_WEBHOOK_URL set, posts the alert there, otherwise logs it CRITICAL.
 * The exit status is 1 on anomalies only when fail_on_anomaly is true.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin/builtin.h"
#include "builtin/jsonl.h"
#include "builtin/params.h"
#include "builtin/webhook.h"
#include "util/error.h"
#include "util/log.h"
#include "util/options.h"
#include "util/strbuf.h"

static const char *const known_keys[] = { "min_records", "min_pass_rate_pct", "max_pii_leaks",
					  "max_violations_per_type", "fail_on_anomaly", NULL };

struct rules {
	long min_records;            /* fewer records is an anomaly */
	double min_pass_rate_pct;    /* a lower pass rate is an anomaly */
	long max_pii_leaks;          /* more records leaking PII is an anomaly */
	long max_violations_per_type;/* more records failing one check is an anomaly */
	int fail_on_anomaly;         /* exit 1 when anomalies are found */
};

/* Adds {type, message, value, threshold[, violation]} to list. */
static void add(cJSON *list, const char *type, const char *violation, double value,
		double threshold, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void add(cJSON *list, const char *type, const char *violation, double value,
		double threshold, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;
	cJSON *a = cJSON_CreateObject();

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(a, "type", type);
	if (violation)
		cJSON_AddStringToObject(a, "violation", violation);
	cJSON_AddStringToObject(a, "message", msg.buf);
	cJSON_AddNumberToObject(a, "value", value);
	cJSON_AddNumberToObject(a, "threshold", threshold);
	cJSON_AddItemToArray(list, a);
	strbuf_release(&msg);
}

static int number(const cJSON *o, const char *key, const char *file, double *out)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!cJSON_IsNumber(n))
		return error("'%s' is not a schema report: no number '%s'", file, key);
	*out = n->valuedouble;
	return 0;
}

/* Applies the rules to the schema report; returns the anomalies list or NULL (reported). */
static cJSON *check(const struct rules *ru, const cJSON *rep, const char *file)
{
	double total = 0, rate = 0, pii = 0;
	const cJSON *vc = cJSON_GetObjectItemCaseSensitive(rep, "violation_counts");

	if (number(rep, "total", file, &total) < 0 || number(rep, "pass_rate_pct", file, &rate) < 0)
		return NULL;
	if (!cJSON_IsObject(vc)) {
		error("'%s' is not a schema report: no object 'violation_counts'", file);
		return NULL;
	}
	cJSON *list = cJSON_CreateArray();
	if (total < (double)ru->min_records)
		add(list, "too_few_records", NULL, total, (double)ru->min_records,
		    "only %.0f records (at least %ld expected)", total, ru->min_records);
	if (rate < ru->min_pass_rate_pct)
		add(list, "low_pass_rate", NULL, rate, ru->min_pass_rate_pct,
		    "pass rate %.2f%% is below %.2f%%", rate, ru->min_pass_rate_pct);
	const cJSON *leak = cJSON_GetObjectItemCaseSensitive(vc, "pii_leak");
	if (cJSON_IsNumber(leak))
		pii = leak->valuedouble;
	if (pii > (double)ru->max_pii_leaks)
		add(list, "pii_leak", "pii_leak", pii, (double)ru->max_pii_leaks,
		    "%.0f records still hold PII or secrets", pii);
	const cJSON *c;
	cJSON_ArrayForEach(c, vc)
		if (cJSON_IsNumber(c) && c->valuedouble > (double)ru->max_violations_per_type)
			add(list, "violation_spike", c->string, c->valuedouble,
			    (double)ru->max_violations_per_type, "%.0f records fail '%s' (more than %ld)",
			    c->valuedouble, c->string, ru->max_violations_per_type);
	return list;
}

/* Slack's incoming-webhook message: {"text": ...} with one line per anomaly. */
static void slack_message(const cJSON *list, const char *file, struct strbuf *out)
{
	struct strbuf text = STRBUF_INIT;
	const cJSON *a;

	strbuf_addf(&text, ":rotating_light: repro anomaly check: %d anomal%s in %s", cJSON_GetArraySize(list),
		    cJSON_GetArraySize(list) == 1 ? "y" : "ies", file);
	cJSON_ArrayForEach(a, list)
		strbuf_addf(&text, "\n• %s: %s",
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "type")),
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "message")));
	cJSON *msg = cJSON_CreateObject();
	cJSON_AddStringToObject(msg, "text", text.buf);
	json_print_compact(msg, out);
	cJSON_Delete(msg);
	strbuf_release(&text);
}

/* Sends the alert to the webhook or, without one (or when it fails), to the log. */
static void alert(const cJSON *list, const char *file)
{
	const char *url = getenv("SLACK_WEBHOOK_URL");
	const cJSON *a;

	if (url && *url) {
		struct strbuf body = STRBUF_INIT;
		slack_message(list, file, &body);
		int r = webhook_post_json(url, body.buf, body.len);
		strbuf_release(&body);
		if (r == 0) {
			log_msg(LOG_WARNING, "anomaly", "posted %d anomalies to the Slack webhook",
				cJSON_GetArraySize(list));
			return;
		}
	}
	cJSON_ArrayForEach(a, list)
		log_msg(LOG_CRITICAL, "anomaly", "%s: %s",
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "type")),
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(a, "message")));
}

static int run(const struct rules *ru, const char *in, const char *out)
{
	struct strbuf sb = STRBUF_INIT;
	cJSON *rep = NULL, *list = NULL, *report = NULL;
	int ret = 1;

	if (strbuf_read_file(&sb, in, 16u << 20) < 0) {
		error("cannot read '%s':", in);
		goto out;
	}
	rep = cJSON_ParseWithLength(sb.buf, sb.len);
	if (!cJSON_IsObject(rep)) {
		error("'%s' is not JSON; run validate first", in);
		goto out;
	}
	if (!(list = check(ru, rep, in)))
		goto out;
	int n = cJSON_GetArraySize(list);
	report = cJSON_CreateObject();
	cJSON_AddStringToObject(report, "status", n ? "alert" : "ok");
	cJSON_AddNumberToObject(report, "anomalies_found", n);
	cJSON_AddItemToObject(report, "anomalies", list);
	if (json_write_file(out, report) < 0)
		goto out;
	if (n)
		alert(list, in);
	else
		log_msg(LOG_INFO, "anomaly", "no anomalies in '%s'", in);
	ret = n && ru->fail_on_anomaly ? 1 : 0;
	if (ret)
		log_msg(LOG_ERROR, "anomaly", "failing the stage: fail_on_anomaly is true");
out:
	if (!report)
		cJSON_Delete(list);
	cJSON_Delete(report);
	cJSON_Delete(rep);
	strbuf_release(&sb);
	return ret;
}

int builtin_anomaly(int argc, char **argv)
{
	const char *params_file = NULL, *in = "reports/schema_report.json";
	const char *out = "reports/anomaly_report.json";
	struct strlist args = { NULL, 0, 0 };
	const struct option opts[] = {
		OPT_STRING('i', "in", &in, "FILE", "validate's report (default reports/schema_report.json)"),
		OPT_STRING('o', "out", &out, "FILE", "the anomaly report (default reports/anomaly_report.json)"),
		OPT_STRING(0, "params", &params_file, "FILE", "the params file (default params.yaml)"),
		OPT_END(),
	};
	static const struct command_help help = {
		"repro builtin anomaly [--in FILE] [--out FILE] [--params FILE]",
		"Alert on a bad schema report; write {status, anomalies_found, anomalies}.",
		"With SLACK_WEBHOOK_URL set, the alert is posted there as {\"text\": ...} (the URL is\n"
		"never printed); otherwise, or if posting fails, each anomaly is logged CRITICAL.\n"
		"\nparams (section 'anomaly' of params.yaml):\n"
		"    min_records              fewer records is an anomaly (default 10)\n"
		"    min_pass_rate_pct        a lower pass rate is an anomaly (default 80)\n"
		"    max_pii_leaks            more records with PII left is an anomaly (default 0)\n"
		"    max_violations_per_type  more records failing one check is one (default 50)\n"
		"    fail_on_anomaly          exit 1 when there are anomalies (default false)\n",
	};
	struct rules ru = { 10, 80.0, 0, 50, 0 };
	struct sparams pr;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	int nargs = args.n;
	strlist_release(&args, 0);
	if (nargs) {
		fprintf(stderr, "repro: anomaly takes no arguments\nusage: %s\n", help.usage);
		return 2;
	}
	int ret = 2;
	if (sparams_load(&pr, params_file ? params_file : "params.yaml", params_file != NULL,
			"anomaly", known_keys) == 0 &&
	    sparams_long(&pr, "min_records", 0, LONG_MAX, &ru.min_records) == 0 &&
	    sparams_double(&pr, "min_pass_rate_pct", 0, 100, &ru.min_pass_rate_pct) == 0 &&
	    sparams_long(&pr, "max_pii_leaks", 0, LONG_MAX, &ru.max_pii_leaks) == 0 &&
	    sparams_long(&pr, "max_violations_per_type", 0, LONG_MAX, &ru.max_violations_per_type) == 0 &&
	    sparams_bool(&pr, "fail_on_anomaly", &ru.fail_on_anomaly) == 0)
		ret = run(&ru, in, out);
	sparams_release(&pr);
	return ret;
}
