/* Metrics: flattening, diffs, number formatting, tables; the memo's hash map;
 * the pipeline's metrics files. */
#include <math.h>
#include <stdlib.h>

#include "memsrc.h"
#include "tap.h"
#include "core/metrics.h"
#include "core/metrics_internal.h"

static struct metric_list parse(const char *path, const char *text, int keep_all)
{
	struct metric_list l = { 0 };
	if (metrics_parse(path, text, strlen(text), keep_all, &l) < 0)
		l.n = (size_t)-1;
	return l;
}

/* "key=value;..." of a list, values as shown with 5 digits */
static char *dump(const struct metric_list *l)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < l->n; i++) {
		strbuf_addf(&sb, "%s%s=", i ? ";" : "", l->v[i].key);
		metric_value_text(l->v[i].value, 5, &sb);
	}
	return strbuf_detach(&sb, NULL);
}

static void test_flatten(void)
{
	struct metric_list l = parse("m.json",
		"{\"acc\": 0.91234567, \"loss\": {\"train\": 0.5, \"val\": {\"x\": 2}}, \"name\": \"ok\","
		" \"flag\": true, \"list\": [1, 2], \"none\": null, \"a.b\": 3}", 0);
	char *s = dump(&l);
	is_str(s, "acc=0.91235;loss.train=0.5;loss.val.x=2;name=ok;flag=true;a.b=3",
	       "JSON: nested keys dotted, lists and nulls left out, strings and booleans kept");
	free(s);
	metric_list_release(&l);

	l = parse("m.json", "{\"list\": [1, 2], \"none\": null}", 1);
	s = dump(&l);
	is_str(s, "list=[1,2];none=null", "keep_all (params) keeps lists and nulls");
	free(s);
	metric_list_release(&l);

	l = parse("m.yaml", "auc: 0.75\nnested:\n  f1: 1e-3\n  deep: {k: 7}\nq: '12'\n", 0);
	s = dump(&l);
	is_str(s, "auc=0.75;nested.f1=0.001;nested.deep.k=7;q=12", "YAML: the same, quoted numbers stay strings");
	ok(cJSON_IsString(metric_list_get(&l, "q")), "a quoted YAML number is a string");
	ok(cJSON_IsNumber(metric_list_get(&l, "auc")) && !metric_list_get(&l, "nope"), "metric_list_get");
	free(s);
	metric_list_release(&l);

	l = parse("score.txt", "42\n", 0);
	ok(l.n == 1 && !strcmp(l.v[0].key, "") && l.v[0].value->valuedouble == 42,
	   "a file holding one bare number is one metric with an empty key");
	metric_list_release(&l);

	l = parse("m.json", "{\"a\": ", 0);
	ok(l.n == (size_t)-1, "invalid JSON is an error");
	l = parse("m.yaml", "a: [1\n", 0);
	ok(l.n == (size_t)-1, "invalid YAML is an error");
}

static void test_format(void)
{
	struct strbuf sb = STRBUF_INIT;
	cJSON *a = cJSON_CreateNumber(0.8), *b = cJSON_CreateNumber(0.85), *big = cJSON_CreateNumber(123456789);
	cJSON *small = cJSON_CreateNumber(0.000123456789), *str = cJSON_CreateString("x");

	metric_value_text(big, 5, &sb);
	is_str(sb.buf, "123456789", "integers are shown in full");
	strbuf_reset(&sb);
	metric_value_text(small, 3, &sb);
	is_str(sb.buf, "0.000123", "--precision: significant digits");
	strbuf_reset(&sb);
	metric_value_text(NULL, 5, &sb);
	is_str(sb.buf, "-", "missing is '-'");
	strbuf_reset(&sb);
	metric_change_text(a, b, 5, &sb);
	is_str(sb.buf, "0.05", "change is new - old, rounded for display");
	strbuf_reset(&sb);
	metric_change_text(a, str, 5, &sb);
	is_str(sb.buf, "-", "no change for a non-number");
	strbuf_reset(&sb);
	metric_change_text(b, a, 5, &sb);
	is_str(sb.buf, "-0.05", "negative change");

	cJSON *d = metric_change_json(a, b);
	ok(d && d->valuedouble == 0.05, "JSON change has no binary noise (0.85 - 0.8 = 0.05)");
	cJSON_Delete(d);
	ok(!metric_change_json(a, NULL), "no JSON change when a side is missing");
	cJSON *x = cJSON_CreateNumber(1e-20), *y = cJSON_CreateNumber(3e-20);
	d = metric_change_json(x, y);
	ok(d && fabs(d->valuedouble - 2e-20) < 1e-30, "tiny numbers keep their change");
	cJSON_Delete(d);
	cJSON_Delete(x);
	cJSON_Delete(y);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(big);
	cJSON_Delete(small);
	cJSON_Delete(str);
	strbuf_release(&sb);
}

static void snapshot(struct metrics_snapshot *s, const char *rev, struct metric_list *lists, const char **paths,
		     size_t n)
{
	memset(s, 0, sizeof(*s));
	s->rev = strdup(rev);
	s->files = calloc(n + 1, sizeof(*s->files));
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		s->files[i].path = strdup(paths[i]);
		s->files[i].status = lists[i].n == (size_t)-1 ? MFILE_MISSING : MFILE_OK;
		s->files[i].data = lists[i].n == (size_t)-1 ? NULL : &lists[i];
	}
}

static char *rows_text(const struct metrics_row *r, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(&sb, "%s:%s:", r[i].path, r[i].key);
		metric_value_text(r[i].old_val, 5, &sb);
		strbuf_addch(&sb, '>');
		metric_value_text(r[i].new_val, 5, &sb);
		strbuf_addstr(&sb, r[i].changed ? "*\n" : "\n");
	}
	return strbuf_detach(&sb, NULL);
}

static void test_diff(void)
{
	const char *pa[] = { "m.json", "gone.json" }, *pb[] = { "m.json", "new.json" };
	struct metric_list la[2] = { parse("m.json", "{\"z\": 1, \"a\": 2, \"old\": 3, \"s\": \"x\"}", 0),
				     parse("g.json", "{\"k\": 1}", 0) };
	struct metric_list lb[2] = { parse("m.json", "{\"a\": 2.5, \"z\": 1, \"fresh\": 4, \"s\": \"x\"}", 0),
				     { 0 } };
	lb[1].n = (size_t)-1; /* new.json missing at b */
	struct metrics_snapshot a, b;
	struct metrics_row *rows;
	size_t n;

	snapshot(&a, "A", la, pa, 2);
	snapshot(&b, "B", lb, pb, 2);
	metrics_diff(&a, &b, 0, &rows, &n);
	char *s = rows_text(rows, n);
	is_str(s, "m.json:a:2>2.5*\nm.json:fresh:->4*\nm.json:old:3>-*\ngone.json:k:1>-*\n",
	       "diff: changed, appeared and disappeared keys; b's order, then a's leftovers");
	free(s);
	free(rows);
	metrics_diff(&a, &b, 1, &rows, &n);
	s = rows_text(rows, n);
	is_str(s, "m.json:a:2>2.5*\nm.json:z:1>1\nm.json:fresh:->4*\nm.json:s:x>x\nm.json:old:3>-*\ngone.json:k:1>-*\n",
	       "diff --all keeps unchanged rows in b's order");
	free(s);
	free(rows);
	metrics_snapshot_release(&a);
	metrics_snapshot_release(&b);
	metric_list_release(&la[0]);
	metric_list_release(&la[1]);
	metric_list_release(&lb[0]);
}

static void test_table(void)
{
	struct mtable t;
	struct strbuf out = STRBUF_INIT;
	const char *cells[] = { "Path", "Metric", "Value", "a.json", "x|y", "1", "é.json", "k", "2,5" };

	mtable_init(&t, 3);
	for (size_t i = 0; i < 9; i++)
		mtable_add(&t, cells[i]);
	mtable_print(&t, TABLE_TEXT, &out);
	is_str(out.buf, "Path    Metric  Value\na.json  x|y     1\né.json  k       2,5\n",
	       "text: aligned by characters, two spaces, no trailing blanks");
	strbuf_reset(&out);
	mtable_print(&t, TABLE_MD, &out);
	is_str(out.buf, "| Path   | Metric | Value |\n|--------|--------|-------|\n| a.json | x\\|y   | 1     |\n"
			"| é.json | k      | 2,5   |\n", "markdown: aligned, '|' escaped");
	strbuf_reset(&out);
	mtable_print(&t, TABLE_CSV, &out);
	is_str(out.buf, "Path,Metric,Value\na.json,x|y,1\né.json,k,\"2,5\"\n", "csv: quoted where needed");
	mtable_release(&t);
	mtable_init(&t, 2);
	mtable_add(&t, "A");
	mtable_add(&t, "B");
	strbuf_reset(&out);
	mtable_print(&t, TABLE_TEXT, &out);
	is_int(out.len, 0, "a table with no rows prints nothing");
	mtable_release(&t);
	strbuf_release(&out);
}

static void test_map(void)
{
	struct mmap m = { 0 };
	char key[32];
	int ok_all = 1;

	for (long i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%ld", i);
		mmap_put(&m, key, (void *)(i + 1));
	}
	for (long i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%ld", i);
		ok_all &= mmap_get(&m, key) == (void *)(i + 1);
	}
	ok(ok_all && m.n == 1000, "hash map: 1000 keys survive growth");
	ok(!mmap_get(&m, "absent"), "hash map: absent key");
	mmap_release(&m, NULL);
	ok(!mmap_get(&m, "k1"), "hash map: empty after release");
}

static void test_specs(void)
{
	static const struct memfile files[] = {
		{ "stages.yaml",
		  "stages:\n"
		  "  train:\n"
		  "    cmd: x\n"
		  "    wdir: sub\n"
		  "    metrics:\n"
		  "      - m.json:\n"
		  "          cache: false\n"
		  "      - cached.json\n"
		  "    outs: [model.bin]\n"
		  "metrics: [top.yaml, sub/m.json]\n" },
		{ NULL, NULL },
	};
	struct file_source src = MEMSRC(files);
	struct pipeline p;
	struct metrics_ctx c;
	struct metrics_spec *v;
	size_t n;

	ok(pipeline_load(&p, "stages.yaml", &src, 0) == 0, "pipeline loads");
	metrics_ctx_init(&c, NULL, "stages.yaml");
	metrics_specs(&c, &p, &v, &n);
	is_int(n, 3, "stage metrics then top-level files, each once");
	if (n == 3) {
		is_str(v[0].path, "sub/m.json", "a metrics out's path is project-relative");
		is_str(v[0].decl, "m.json", "and keeps its declared path for the lock");
		ok(!v[0].cached && v[1].cached && !v[2].cached, "cache: false outs are read from git, others from the cache");
		is_str(v[2].path, "top.yaml", "top-level metrics");
	}
	metrics_specs_free(v, n);
	char *targets[] = { "sub", "other.json" };
	c.targets = targets;
	c.ntargets = 2;
	metrics_specs(&c, &p, &v, &n);
	ok(n == 3 && !strcmp(v[0].path, "sub/m.json") && !strcmp(v[1].path, "sub/cached.json") &&
	   !strcmp(v[2].path, "other.json") && !v[2].stage,
	   "targets: declared files below a directory, an undeclared target read as given");
	metrics_specs_free(v, n);
	c.targets = NULL;
	c.ntargets = 0;
	metrics_ctx_release(&c);
	pipeline_release(&p);
}

int main(void)
{
	test_flatten();
	test_format();
	test_diff();
	test_table();
	test_map();
	test_specs();
	return done_testing();
}
