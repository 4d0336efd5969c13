/*
 * How metric and param values are shown in tables: integers in full, other
 * numbers with a number of significant digits (DVC's --precision, 5 by
 * default), strings as they are, lists as compact JSON, '-' for missing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "util/json.h"

static void number_text(double d, int precision, struct strbuf *out)
{
	if (isfinite(d) && d == floor(d) && fabs(d) < 1e15)
		strbuf_addf(out, "%.0f", d == 0 ? 0.0 : d); /* no "-0" */
	else
		strbuf_addf(out, "%.*g", precision, d);
}

void metric_value_text(const cJSON *v, int precision, struct strbuf *out)
{
	if (!v)
		strbuf_addch(out, '-');
	else if (cJSON_IsNumber(v))
		number_text(v->valuedouble, precision, out);
	else if (cJSON_IsArray(v) || cJSON_IsObject(v))
		json_canonical(v, out);
	else
		json_scalar_text(v, out);
}

void metric_change_text(const cJSON *old_val, const cJSON *new_val, int precision, struct strbuf *out)
{
	if (cJSON_IsNumber(old_val) && cJSON_IsNumber(new_val))
		number_text(new_val->valuedouble - old_val->valuedouble, precision, out);
	else
		strbuf_addch(out, '-');
}

/* Digits after the decimal point in d's shortest exact form; -1 when that
 * form has an exponent. */
static int decimals(double d)
{
	char buf[64];

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (strpbrk(buf, "eEn"))
		return -1;
	const char *dot = strchr(buf, '.');
	return dot ? (int)strlen(dot + 1) : 0;
}

cJSON *metric_change_json(const cJSON *old_val, const cJSON *new_val)
{
	char buf[512];

	if (!cJSON_IsNumber(old_val) || !cJSON_IsNumber(new_val))
		return NULL;
	double a = old_val->valuedouble, b = new_val->valuedouble;
	int da = decimals(a), db = decimals(b);
	/* 0.85 - 0.8 is 0.04999999999999993 in binary; the values were written
	 * with 2 decimals, so is their difference */
	if (da >= 0 && db >= 0 && isfinite(b - a) && fabs(b - a) < 1e15)
		snprintf(buf, sizeof(buf), "%.*f", da > db ? da : db, b - a);
	else
		snprintf(buf, sizeof(buf), "%.15g", b - a);
	return cJSON_CreateNumber(strtod(buf, NULL));
}
