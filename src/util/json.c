#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void json_scalar_text(const cJSON *v, struct strbuf *out)
{
	if (cJSON_IsString(v)) {
		strbuf_addstr(out, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		char buf[64];
		if (isfinite(d) && d == floor(d) && fabs(d) < 1e15) {
			snprintf(buf, sizeof(buf), "%.0f", d);
		} else {
			/* shortest form that reads back as the same double */
			for (int prec = 1; prec <= 17; prec++) {
				snprintf(buf, sizeof(buf), "%.*g", prec, d);
				if (strtod(buf, NULL) == d)
					break;
			}
		}
		strbuf_addstr(out, buf);
	} else if (cJSON_IsBool(v)) {
		strbuf_addstr(out, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsNull(v)) {
		strbuf_addstr(out, "null");
	}
}

void json_quote(const char *s, struct strbuf *out)
{
	strbuf_addch(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': strbuf_addstr(out, "\\\""); break;
		case '\\': strbuf_addstr(out, "\\\\"); break;
		case '\n': strbuf_addstr(out, "\\n"); break;
		case '\r': strbuf_addstr(out, "\\r"); break;
		case '\t': strbuf_addstr(out, "\\t"); break;
		case '\b': strbuf_addstr(out, "\\b"); break;
		case '\f': strbuf_addstr(out, "\\f"); break;
		default:
			if (*p < 0x20)
				strbuf_addf(out, "\\u%04x", *p);
			else
				strbuf_addch(out, *p);
		}
	}
	strbuf_addch(out, '"');
}

static int cmp_keys(const void *a, const void *b)
{
	return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

void json_canonical(const cJSON *v, struct strbuf *out)
{
	if (cJSON_IsObject(v)) {
		size_t n = 0;
		for (const cJSON *c = v->child; c; c = c->next)
			n++;
		cJSON **kids = xcalloc(n ? n : 1, sizeof(*kids));
		n = 0;
		for (cJSON *c = v->child; c; c = c->next)
			kids[n++] = c;
		qsort(kids, n, sizeof(*kids), cmp_keys);
		strbuf_addch(out, '{');
		for (size_t i = 0; i < n; i++) {
			if (i)
				strbuf_addch(out, ',');
			json_quote(kids[i]->string, out);
			strbuf_addch(out, ':');
			json_canonical(kids[i], out);
		}
		strbuf_addch(out, '}');
		free(kids);
	} else if (cJSON_IsArray(v)) {
		strbuf_addch(out, '[');
		for (const cJSON *c = v->child; c; c = c->next) {
			if (c != v->child)
				strbuf_addch(out, ',');
			json_canonical(c, out);
		}
		strbuf_addch(out, ']');
	} else if (cJSON_IsString(v)) {
		json_quote(v->valuestring, out);
	} else if (!v) {
		strbuf_addstr(out, "null");
	} else {
		json_scalar_text(v, out);
	}
}

int json_equal(const cJSON *a, const cJSON *b)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;

	json_canonical(a, &x);
	json_canonical(b, &y);
	int eq = x.len == y.len && !memcmp(x.buf, y.buf, x.len);
	strbuf_release(&x);
	strbuf_release(&y);
	return eq;
}

void json_print(const cJSON *v, struct strbuf *out)
{
	char *s = cJSON_Print(v);
	if (!s)
		die_oom();
	strbuf_addstr(out, s);
	strbuf_addch(out, '\n');
	free(s);
}
