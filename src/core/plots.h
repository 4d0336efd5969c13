/*
 * repro plots: a self-contained HTML page of line and scatter charts drawn
 * as inline SVG (no script, font or style fetched from anywhere), so the
 * page opens in any browser offline and can be attached to a CI run.
 *
 * Charts are built from series of (x, y) points; plots.c draws them,
 * plots_data.c reads the data files stages declare under plots: (CSV, TSV,
 * JSON, YAML), plots_page.c assembles the page.
 *
 * Every chart is an <svg class="chart"> whose series are
 *   <g class="series" data-series="NAME" data-points="N"> with one
 *   <path class="line"> (line charts) and, for every point,
 *   <circle class="point" data-x="X" data-y="Y">
 * so that tools (and the test) can count series and points in the DOM.
 */
#ifndef REPRO_PLOTS_H
#define REPRO_PLOTS_H

#include <stddef.h>

#include <cJSON.h>

#include "util/strbuf.h"

/* One series: y values at x positions; NaN y is a gap (nothing drawn). */
struct plot_series {
	char *name;    /* shown in the legend and in data-series */
	double *x, *y; /* n points */
	size_t n, alloc;
};

enum plot_kind { PLOT_LINE, PLOT_SCATTER };

struct plot_chart {
	char *title;
	char *x_label, *y_label;
	enum plot_kind kind;
	char **x_names;  /* categorical x axis: x = 0..nx-1 labelled with these (NULL: numeric x) */
	size_t nx;
	struct plot_series *series;
	size_t nseries, aseries;
	char *id;        /* the chart's HTML id, or NULL */
};

void plot_chart_init(struct plot_chart *c, const char *title, const char *x_label, const char *y_label,
		     enum plot_kind kind);
void plot_chart_release(struct plot_chart *c);
/* Adds an empty series and returns it. */
struct plot_series *plot_chart_add_series(struct plot_chart *c, const char *name);
void plot_series_add(struct plot_series *s, double x, double y);
/* Appends the chart as an <svg> element. */
void plot_chart_svg(const struct plot_chart *c, struct strbuf *out);

/* Appends s with &, <, >, " and ' escaped, for HTML/SVG text and attributes. */
void xml_escape(const char *s, struct strbuf *out);

/*
 * Reads a plots data file into series for the chart: CSV, TSV (by
 * extension), else JSON or YAML holding a list of records or a mapping whose
 * first list value is one. props holds the stage's x, y (a column or a list
 * of columns), as DVC: x defaults to the row number ("step"), y to the last
 * column. Each y column becomes one series, named by the column when
 * prefix (a revision) is "", by prefix when there is one y column, else
 * "PREFIX: column". A non-numeric y is a gap; a non-numeric x makes the axis
 * categorical (labels added to the chart). Returns 0 or -1 (reported,
 * naming `path`).
 */
int plots_read_data(const char *path, const char *buf, size_t len, const cJSON *props, const char *prefix,
		    struct plot_chart *chart);

/* The page: charts under headings. */
struct plots_page {
	struct strbuf body; /* the HTML of the sections so far */
	size_t ncharts;
	size_t nrevs;       /* revisions in the metrics charts (data-revisions) */
};
void plots_page_init(struct plots_page *pg, size_t nrevs);
void plots_page_heading(struct plots_page *pg, const char *text);
/* Appends a paragraph of plain text. */
void plots_page_note(struct plots_page *pg, const char *text);
void plots_page_add(struct plots_page *pg, const struct plot_chart *c);
/* The whole document; pg is released. */
void plots_page_finish(struct plots_page *pg, const char *title, struct strbuf *out);

#endif
