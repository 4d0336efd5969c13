/*
 * Plots data files, as DVC reads them: CSV and TSV with a header line, or
 * JSON/YAML holding a list of records (or a mapping whose first list value
 * is that list). Every format becomes a list of records (cJSON objects),
 * then series.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/plots.h"
#include "util/error.h"
#include "util/xalloc.h"
#include "util/ytree.h"

#define MAX_ROWS 100000 /* rows read from a CSV/TSV file; more are left out (and said so) */

static int has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), e = strlen(ext);
	return n >= e && !strcmp(path + n - e, ext);
}

/*
 * Reads one CSV field starting at *p (RFC 4180: quotes around a field,
 * "" inside for a quote). Leaves *p after the delimiter or at the end of
 * the line; sets *eol when the line ended.
 */
static void csv_field(const char **p, const char *end, char delim, struct strbuf *out, int *eol)
{
	const char *s = *p;

	strbuf_reset(out);
	*eol = 0;
	if (s < end && *s == '"') {
		for (s++; s < end; s++) {
			if (*s == '"' && s + 1 < end && s[1] == '"')
				strbuf_addch(out, *s++);
			else if (*s == '"')
				break;
			else
				strbuf_addch(out, *s);
		}
		if (s < end)
			s++; /* the closing quote */
	}
	while (s < end && *s != delim && *s != '\n') {
		if (*s != '\r')
			strbuf_addch(out, *s);
		s++;
	}
	if (s >= end || *s == '\n')
		*eol = 1;
	if (s < end)
		s++;
	*p = s;
}

/* CSV/TSV into records of strings, keyed by the header line. */
static cJSON *csv_records(const char *path, const char *buf, size_t len, char delim)
{
	const char *p = buf, *end = buf + len;
	struct strbuf f = STRBUF_INIT;
	char **cols = NULL;
	size_t ncols = 0, acols = 0;
	int eol = 0;
	cJSON *records = cJSON_CreateArray();

	while (p < end && !eol) {
		csv_field(&p, end, delim, &f, &eol);
		ARRAY_GROW(cols, acols, ncols + 1);
		cols[ncols++] = xstrdup(f.buf);
	}
	for (size_t row = 0; p < end && row < MAX_ROWS; row++) {
		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			p += *p == '\r' ? 2 : 1; /* an empty line */
			continue;
		}
		cJSON *rec = cJSON_CreateObject();
		eol = 0;
		for (size_t c = 0; !eol && p < end; c++) {
			csv_field(&p, end, delim, &f, &eol);
			if (c < ncols)
				cJSON_AddStringToObject(rec, cols[c], f.buf);
		}
		cJSON_AddItemToArray(records, rec);
	}
	if (p < end)
		warn("'%s' has more than %d rows; the rest is not plotted", path, MAX_ROWS);
	for (size_t i = 0; i < ncols; i++)
		free(cols[i]);
	free(cols);
	strbuf_release(&f);
	return records;
}

/* JSON or YAML into records: a list, or the first list inside a mapping. */
static cJSON *structured_records(const char *path, const char *buf, size_t len)
{
	cJSON *root;

	if (has_ext(path, ".json")) {
		root = cJSON_ParseWithLength(buf, len);
		if (!root) {
			error("'%s': invalid JSON", path);
			return NULL;
		}
	} else {
		struct ynode *n;
		if (ytree_parse(buf, len, path, &n) < 0)
			return NULL;
		root = ytree_to_json(n);
		ytree_free(n);
	}
	if (cJSON_IsArray(root))
		return root;
	for (cJSON *c = root ? root->child : NULL; c; c = c->next)
		if (cJSON_IsArray(c)) {
			cJSON *list = cJSON_DetachItemViaPointer(root, c);
			cJSON_Delete(root);
			return list;
		}
	cJSON_Delete(root);
	error("'%s' holds no list of records to plot", path);
	return NULL;
}

/* A number, or a string holding exactly one; NAN otherwise. */
static double number_of(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (cJSON_IsString(v) && v->valuestring[0]) {
		char *end;
		double d = strtod(v->valuestring, &end);
		while (*end == ' ')
			end++;
		if (!*end)
			return d;
	}
	return NAN;
}

static double category(struct plot_chart *c, const cJSON *v)
{
	const char *name = cJSON_IsString(v) ? v->valuestring : "";
	char *num = NULL;

	if (cJSON_IsNumber(v))
		name = num = xasprintf("%.10g", v->valuedouble);
	for (size_t i = 0; i < c->nx; i++)
		if (!strcmp(c->x_names[i], name)) {
			free(num);
			return (double)i;
		}
	c->x_names = xrealloc(c->x_names, (c->nx + 1) * sizeof(char *));
	c->x_names[c->nx++] = num ? num : xstrdup(name);
	return (double)(c->nx - 1);
}

/* The y columns: props' y (a name or a list), else the last column that is not x. */
static size_t y_columns(const cJSON *props, const cJSON *first, const char *x, const char **ys, size_t max)
{
	const cJSON *y = props ? cJSON_GetObjectItemCaseSensitive(props, "y") : NULL;
	size_t n = 0;

	if (cJSON_IsString(y))
		ys[n++] = y->valuestring;
	for (const cJSON *c = cJSON_IsArray(y) ? y->child : NULL; c && n < max; c = c->next)
		if (cJSON_IsString(c))
			ys[n++] = c->valuestring;
	if (n || !first)
		return n;
	for (const cJSON *c = first->child; c; c = c->next)
		if (!x || strcmp(c->string, x)) {
			ys[0] = c->string;
			n = 1;
		}
	return n;
}

static void build_series(struct plot_chart *chart, const cJSON *records, const cJSON *props, const char *prefix)
{
	const cJSON *xp = props ? cJSON_GetObjectItemCaseSensitive(props, "x") : NULL;
	const char *x = cJSON_IsString(xp) ? xp->valuestring : NULL;
	const cJSON *first = records->child;
	const char *ys[16];
	size_t ny = y_columns(props, first, x, ys, 16);
	int categorical = 0;

	for (const cJSON *r = records->child; x && r; r = r->next)
		if (isnan(number_of(cJSON_GetObjectItemCaseSensitive(r, x))))
			categorical = 1;
	if (!*chart->x_label) {
		free(chart->x_label);
		chart->x_label = xstrdup(x ? x : "step");
	}
	if (!*chart->y_label && ny) {
		free(chart->y_label);
		chart->y_label = xstrdup(ny == 1 ? ys[0] : "value");
	}
	for (size_t k = 0; k < ny; k++) {
		/* "acc"; "HEAD" when the revision names the only series; "HEAD: acc" */
		char *name = !*prefix ? xstrdup(ys[k]) : ny == 1 ? xstrdup(prefix) : xasprintf("%s: %s", prefix, ys[k]);
		struct plot_series *s = plot_chart_add_series(chart, name);
		free(name);
		size_t i = 0;
		for (const cJSON *r = records->child; r; r = r->next, i++) {
			const cJSON *xv = x ? cJSON_GetObjectItemCaseSensitive(r, x) : NULL;
			double xd = !x ? (double)i : categorical ? category(chart, xv) : number_of(xv);
			plot_series_add(s, xd, number_of(cJSON_GetObjectItemCaseSensitive(r, ys[k])));
		}
	}
}

int plots_read_data(const char *path, const char *buf, size_t len, const cJSON *props, const char *prefix,
		    struct plot_chart *chart)
{
	cJSON *records;

	if (has_ext(path, ".csv"))
		records = csv_records(path, buf, len, ',');
	else if (has_ext(path, ".tsv"))
		records = csv_records(path, buf, len, '\t');
	else
		records = structured_records(path, buf, len);
	if (!records)
		return -1;
	build_series(chart, records, props, prefix);
	cJSON_Delete(records);
	return 0;
}
