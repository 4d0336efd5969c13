/* Plots: data files into series, and the SVG written for them. */
#include <math.h>
#include <stdlib.h>

#include "tap.h"
#include "core/plots.h"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static cJSON *props(const char *json)
{
	return cJSON_Parse(json);
}

static void test_csv(void)
{
	struct plot_chart c;
	const char *csv = "epoch,loss,\"acc, top1\"\n1,0.9,0.5\r\n2,0.7,\"0.6\"\n\n3,oops,0.7\n";
	cJSON *p = props("{\"x\": \"epoch\", \"y\": [\"loss\", \"acc, top1\"]}");

	plot_chart_init(&c, "t", NULL, NULL, PLOT_LINE);
	ok(plots_read_data("d.csv", csv, strlen(csv), p, "", &c) == 0, "CSV reads");
	is_int(c.nseries, 2, "one series per y column");
	if (c.nseries == 2) {
		is_str(c.series[1].name, "acc, top1", "quoted header field");
		is_int(c.series[0].n, 3, "three rows (an empty line skipped)");
		ok(c.series[0].x[2] == 3 && isnan(c.series[0].y[2]), "a non-number is a gap");
		ok(c.series[1].y[1] == 0.6, "a quoted number is a number");
	}
	is_str(c.x_label, "epoch", "x label defaults to the x column");
	is_str(c.y_label, "value", "several y columns: 'value'");
	ok(!c.x_names, "numeric x: no categories");
	plot_chart_release(&c);
	cJSON_Delete(p);

	const char *tsv = "step\tname\tscore\n0\ta\t1\n1\tb\t2\n";
	p = props("{\"x\": \"name\"}");
	plot_chart_init(&c, "t", NULL, NULL, PLOT_LINE);
	ok(plots_read_data("d.tsv", tsv, strlen(tsv), p, "HEAD", &c) == 0, "TSV reads");
	ok(c.nseries == 1 && !strcmp(c.series[0].name, "HEAD"), "y defaults to the last column; the revision names the series");
	ok(c.nx == 2 && !strcmp(c.x_names[1], "b"), "a text x column is categorical");
	plot_chart_release(&c);
	cJSON_Delete(p);
}

static void test_json(void)
{
	struct plot_chart c;
	const char *json = "{\"train\": [{\"a\": 1, \"b\": 2}, {\"a\": 2, \"b\": 4}]}";

	plot_chart_init(&c, "t", "x", "y", PLOT_SCATTER);
	ok(plots_read_data("p.json", json, strlen(json), NULL, "", &c) == 0, "JSON: the first list of a mapping");
	ok(c.nseries == 1 && c.series[0].n == 2 && c.series[0].x[1] == 1 && c.series[0].y[1] == 4,
	   "no x: the row number; no y: the last column");
	is_str(c.x_label, "x", "given labels are kept");
	plot_chart_release(&c);
	plot_chart_init(&c, "t", NULL, NULL, PLOT_LINE);
	ok(plots_read_data("p.yaml", "- {a: 1}\n- {a: 3}\n", 18, NULL, "", &c) == 0 && c.nseries == 1,
	   "YAML list of records");
	plot_chart_release(&c);
	plot_chart_init(&c, "t", NULL, NULL, PLOT_LINE);
	ok(plots_read_data("p.json", "{\"a\": 1}", 8, NULL, "", &c) < 0, "no list of records is an error");
	plot_chart_release(&c);
}

static void test_svg(void)
{
	struct plot_chart c;
	struct strbuf sb = STRBUF_INIT;

	plot_chart_init(&c, "acc <&> \"q\"", "revision", "acc", PLOT_LINE);
	c.x_names = calloc(4, sizeof(char *));
	c.x_names[c.nx++] = strdup("v1");
	c.x_names[c.nx++] = strdup("v2");
	c.x_names[c.nx++] = strdup("workspace");
	struct plot_series *s = plot_chart_add_series(&c, "acc");
	plot_series_add(s, 0, 0.5);
	plot_series_add(s, 1, NAN);
	plot_series_add(s, 2, 0.7);
	s = plot_chart_add_series(&c, "loss");
	for (int i = 0; i < 3; i++)
		plot_series_add(s, i, 1 - i * 0.1);
	plot_chart_svg(&c, &sb);
	ok(!strncmp(sb.buf, "<svg class=\"chart\"", 18) && count(sb.buf, "</svg>") == 1, "one svg element");
	is_int(count(sb.buf, "class=\"series\""), 2, "one group per series");
	is_int(count(sb.buf, "<circle class=\"point\""), 5, "a point per defined value (a gap has none)");
	ok(strstr(sb.buf, "data-series=\"acc\" data-points=\"2\"") != NULL, "data-points counts defined values");
	ok(strstr(sb.buf, "d=\"M") && count(sb.buf, " M") >= 1, "a gap lifts the pen");
	ok(strstr(sb.buf, "acc &lt;&amp;&gt; &quot;q&quot;") != NULL, "text is escaped");
	ok(strstr(sb.buf, "data-x=\"workspace\"") != NULL, "categorical points carry their label");
	ok(count(sb.buf, "class=\"legend-label\"") == 2 && strstr(sb.buf, ">revision</text>"),
	   "a legend entry per series and the axis labels");
	ok(!strstr(sb.buf, "nan") && !strstr(sb.buf, "inf"), "no NaN leaks into coordinates");
	plot_chart_release(&c);

	/* one constant value, no series at all: still a valid chart */
	strbuf_reset(&sb);
	plot_chart_init(&c, "flat", NULL, NULL, PLOT_SCATTER);
	plot_series_add(plot_chart_add_series(&c, "k"), 1, 5);
	plot_chart_svg(&c, &sb);
	ok(!strstr(sb.buf, "nan") && count(sb.buf, "<circle") == 1, "a single point has a sane scale");
	plot_chart_release(&c);
	strbuf_reset(&sb);
	plot_chart_init(&c, "empty", NULL, NULL, PLOT_LINE);
	plot_chart_svg(&c, &sb);
	ok(!strstr(sb.buf, "nan") && strstr(sb.buf, "</svg>"), "an empty chart is still drawn");
	plot_chart_release(&c);

	struct plots_page pg;
	strbuf_reset(&sb);
	plots_page_init(&pg, 3);
	plots_page_heading(&pg, "Metrics");
	plot_chart_init(&c, "x", NULL, NULL, PLOT_LINE);
	plots_page_add(&pg, &c);
	plot_chart_release(&c);
	plots_page_finish(&pg, "repro plots", &sb);
	ok(strstr(sb.buf, "<main id=\"repro-plots\" data-revisions=\"3\" data-charts=\"1\">") != NULL,
	   "the page's marker element");
	ok(!strstr(sb.buf, "<script"), "no script");
	ok(!strstr(sb.buf, "src=") && !strstr(sb.buf, "href="), "no external resource");
	strbuf_release(&sb);
}

int main(void)
{
	test_csv();
	test_json();
	test_svg();
	return done_testing();
}
