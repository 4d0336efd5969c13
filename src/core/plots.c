/*
 * Line and scatter charts as SVG: axes with "nice" ticks (steps of 1, 2 or
 * 5 times a power of ten), axis labels, a title and a legend, drawn with
 * nothing but SVG elements and the browser's default sans-serif font.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plots.h"
#include "util/xalloc.h"

#define W 720.0          /* chart width, px */
#define H 400.0          /* chart height without the legend, px */
#define LEFT 76.0        /* room for y tick labels and the y label */
#define RIGHT 24.0
#define TOP 40.0         /* room for the title */
#define BOTTOM 56.0      /* x tick labels and the x label */
#define CAT_BOTTOM 96.0  /* rotated category labels need more */
#define LEGEND_LINE 18.0 /* height of one row of the legend */
#define MAX_POINT_MARKS 200 /* line charts with more points draw the line only */

static const char *const palette[] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
};

void xml_escape(const char *s, struct strbuf *out)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': strbuf_addstr(out, "&amp;"); break;
		case '<': strbuf_addstr(out, "&lt;"); break;
		case '>': strbuf_addstr(out, "&gt;"); break;
		case '"': strbuf_addstr(out, "&quot;"); break;
		case '\'': strbuf_addstr(out, "&#39;"); break;
		default:
			/* control characters are not allowed in XML 1.0 */
			strbuf_addch(out, (unsigned char)*s < 0x20 ? ' ' : *s);
		}
	}
}

void plot_chart_init(struct plot_chart *c, const char *title, const char *x_label, const char *y_label,
		     enum plot_kind kind)
{
	memset(c, 0, sizeof(*c));
	c->title = xstrdup(title ? title : "");
	c->x_label = xstrdup(x_label ? x_label : "");
	c->y_label = xstrdup(y_label ? y_label : "");
	c->kind = kind;
}

void plot_chart_release(struct plot_chart *c)
{
	free(c->title);
	free(c->x_label);
	free(c->y_label);
	free(c->id);
	for (size_t i = 0; i < c->nx; i++)
		free(c->x_names[i]);
	free(c->x_names);
	for (size_t i = 0; i < c->nseries; i++) {
		free(c->series[i].name);
		free(c->series[i].x);
		free(c->series[i].y);
	}
	free(c->series);
	memset(c, 0, sizeof(*c));
}

struct plot_series *plot_chart_add_series(struct plot_chart *c, const char *name)
{
	ARRAY_GROW(c->series, c->aseries, c->nseries + 1);
	struct plot_series *s = &c->series[c->nseries++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	return s;
}

void plot_series_add(struct plot_series *s, double x, double y)
{
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 16;
		s->x = xrealloc(s->x, s->alloc * sizeof(*s->x));
		s->y = xrealloc(s->y, s->alloc * sizeof(*s->y));
	}
	s->x[s->n] = x;
	s->y[s->n++] = y;
}

/* ---- scales ---- */

struct axis {
	double lo, hi, step; /* the range shown and the tick step */
	int decimals;        /* digits after the point in tick labels */
};

static double nice_step(double range)
{
	double raw = range / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;

	return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static void axis_fit(struct axis *a, double lo, double hi)
{
	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0;
		hi = 1;
	}
	/* a margin of 4% keeps points off the frame */
	double pad = lo == hi ? (fabs(lo) > 0 ? fabs(lo) * 0.1 : 1) : (hi - lo) * 0.04;
	lo -= pad;
	hi += pad;
	a->step = nice_step(hi - lo);
	a->lo = floor(lo / a->step) * a->step;
	a->hi = ceil(hi / a->step) * a->step;
	a->decimals = a->step >= 1 ? 0 : (int)ceil(-log10(a->step) - 1e-9);
	if (a->decimals > 12)
		a->decimals = 12;
}

static double scale(const struct axis *a, double v, double p0, double p1)
{
	return p0 + (v - a->lo) / (a->hi - a->lo) * (p1 - p0);
}

/* ---- drawing ---- */

struct frame {
	double x0, x1, y0, y1; /* plot area: x0 left, x1 right, y0 bottom, y1 top (pixels) */
	struct axis xa, ya;
	double height;         /* the whole chart's */
};

static void text(struct strbuf *out, double x, double y, const char *anchor, const char *cls, const char *extra,
		 const char *s)
{
	strbuf_addf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\"%s>", x, y, anchor, cls, extra);
	xml_escape(s, out);
	strbuf_addstr(out, "</text>\n");
}

/* Estimated width of a legend item: the swatch and ~7 px per character. */
static double legend_item_width(const char *name)
{
	return 24 + 7.0 * (double)strlen(name) + 16;
}

static size_t legend_rows(const struct plot_chart *c)
{
	double x = LEFT;
	size_t rows = c->nseries ? 1 : 0;

	for (size_t i = 0; i < c->nseries; i++) {
		double w = legend_item_width(c->series[i].name);
		if (x + w > W - RIGHT && x > LEFT) {
			rows++;
			x = LEFT;
		}
		x += w;
	}
	return rows;
}

static void draw_legend(const struct plot_chart *c, struct strbuf *out)
{
	double x = LEFT, y = TOP - 6;

	strbuf_addstr(out, "<g class=\"legend\">\n");
	for (size_t i = 0; i < c->nseries; i++) {
		double w = legend_item_width(c->series[i].name);
		if (x + w > W - RIGHT && x > LEFT) {
			y += LEGEND_LINE;
			x = LEFT;
		}
		const char *color = palette[i % (sizeof(palette) / sizeof(palette[0]))];
		strbuf_addf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"4\" fill=\"%s\"/>", x, y - 4, color);
		text(out, x + 22, y, "start", "legend-label", "", c->series[i].name);
		x += w;
	}
	strbuf_addstr(out, "</g>\n");
}

static void tick_label(const struct axis *a, double v, char *buf, size_t n)
{
	if (fabs(v) < a->step * 1e-9)
		v = 0;
	snprintf(buf, n, "%.*f", a->decimals, v);
}

static void draw_axes(const struct plot_chart *c, const struct frame *f, struct strbuf *out)
{
	char buf[64];

	/* y ticks with light grid lines */
	for (double v = f->ya.lo; v <= f->ya.hi + f->ya.step * 1e-6; v += f->ya.step) {
		double y = scale(&f->ya, v, f->y0, f->y1);
		strbuf_addf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
				 "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
			    f->x0, y, f->x1, y, f->x0 - 5, y, f->x0, y);
		tick_label(&f->ya, v, buf, sizeof(buf));
		text(out, f->x0 - 8, y + 4, "end", "tick-label", "", buf);
	}
	/* x ticks: categories (every k-th labelled), or numbers */
	if (c->x_names) {
		size_t every = c->nx > 12 ? (c->nx + 11) / 12 : 1;
		for (size_t i = 0; i < c->nx; i++) {
			double x = scale(&f->xa, (double)i, f->x0, f->x1);
			strbuf_addf(out, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
				    x, f->y0, x, f->y0 + 5);
			if (i % every)
				continue;
			char rot[96];
			snprintf(rot, sizeof(rot), " transform=\"rotate(-35 %.1f %.1f)\"", x, f->y0 + 16);
			text(out, x, f->y0 + 16, "end", "tick-label", rot, c->x_names[i]);
		}
	} else {
		for (double v = f->xa.lo; v <= f->xa.hi + f->xa.step * 1e-6; v += f->xa.step) {
			double x = scale(&f->xa, v, f->x0, f->x1);
			strbuf_addf(out, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
				    x, f->y0, x, f->y0 + 5);
			tick_label(&f->xa, v, buf, sizeof(buf));
			text(out, x, f->y0 + 18, "middle", "tick-label", "", buf);
		}
	}
	/* the axis lines last, over the grid */
	strbuf_addf(out, "<g class=\"axes\" stroke=\"#444\" stroke-width=\"1\">\n"
			 "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n"
			 "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n</g>\n",
		    f->x0, f->y0, f->x1, f->y0, f->x0, f->y0, f->x0, f->y1);
	text(out, (f->x0 + f->x1) / 2, f->height - 10, "middle", "axis-label", "", c->x_label);
	char rot[96];
	snprintf(rot, sizeof(rot), " transform=\"rotate(-90 16 %.1f)\"", (f->y0 + f->y1) / 2);
	text(out, 16, (f->y0 + f->y1) / 2, "middle", "axis-label", rot, c->y_label);
}

static void point_value(const struct plot_chart *c, double x, struct strbuf *out)
{
	size_t i = (size_t)x;
	if (c->x_names && x >= 0 && i < c->nx && (double)i == x)
		xml_escape(c->x_names[i], out);
	else
		strbuf_addf(out, "%.10g", x);
}

static void draw_series(const struct plot_chart *c, size_t k, const struct frame *f, struct strbuf *out)
{
	const struct plot_series *s = &c->series[k];
	const char *color = palette[k % (sizeof(palette) / sizeof(palette[0]))];
	size_t npoints = 0;

	for (size_t i = 0; i < s->n; i++)
		npoints += isfinite(s->y[i]) && isfinite(s->x[i]);
	strbuf_addstr(out, "<g class=\"series\" data-series=\"");
	xml_escape(s->name, out);
	strbuf_addf(out, "\" data-points=\"%zu\">\n", npoints);
	if (c->kind == PLOT_LINE) {
		/* a gap (NaN) lifts the pen: "M" starts each run of points */
		strbuf_addf(out, "<path class=\"line\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" d=\"", color);
		int pen = 0, started = 0;
		for (size_t i = 0; i < s->n; i++) {
			if (!isfinite(s->y[i]) || !isfinite(s->x[i])) {
				pen = 0;
				continue;
			}
			strbuf_addf(out, "%s%.2f %.2f", pen ? " L" : started ? " M" : "M",
				    scale(&f->xa, s->x[i], f->x0, f->x1), scale(&f->ya, s->y[i], f->y0, f->y1));
			pen = started = 1;
		}
		strbuf_addstr(out, "\"/>\n");
	}
	if (c->kind == PLOT_SCATTER || npoints <= MAX_POINT_MARKS) {
		for (size_t i = 0; i < s->n; i++) {
			if (!isfinite(s->y[i]) || !isfinite(s->x[i]))
				continue;
			strbuf_addf(out, "<circle class=\"point\" cx=\"%.2f\" cy=\"%.2f\" r=\"%s\" fill=\"%s\" data-x=\"",
				    scale(&f->xa, s->x[i], f->x0, f->x1), scale(&f->ya, s->y[i], f->y0, f->y1),
				    c->kind == PLOT_SCATTER ? "3" : "3.5", color);
			point_value(c, s->x[i], out);
			strbuf_addf(out, "\" data-y=\"%.10g\"><title>", s->y[i]);
			xml_escape(s->name, out);
			strbuf_addstr(out, ": ");
			point_value(c, s->x[i], out);
			strbuf_addf(out, ", %.10g</title></circle>\n", s->y[i]);
		}
	}
	strbuf_addstr(out, "</g>\n");
}

/* The range of the series' finite values. */
static void data_range(const struct plot_chart *c, int want_x, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t k = 0; k < c->nseries; k++)
		for (size_t i = 0; i < c->series[k].n; i++) {
			double v = want_x ? c->series[k].x[i] : c->series[k].y[i];
			if (!isfinite(c->series[k].x[i]) || !isfinite(c->series[k].y[i]))
				continue;
			*lo = v < *lo ? v : *lo;
			*hi = v > *hi ? v : *hi;
		}
}

void plot_chart_svg(const struct plot_chart *c, struct strbuf *out)
{
	struct frame f;
	double lo, hi;
	size_t rows = legend_rows(c);
	double top = TOP + (rows ? (double)rows * LEGEND_LINE : 0);

	f.height = H + (rows > 1 ? (double)(rows - 1) * LEGEND_LINE : 0);
	f.x0 = LEFT;
	f.x1 = W - RIGHT;
	f.y1 = top;
	f.y0 = f.height - (c->x_names ? CAT_BOTTOM : BOTTOM);
	data_range(c, 0, &lo, &hi);
	axis_fit(&f.ya, lo, hi);
	if (c->x_names) {
		/* categories sit at 0..n-1, half a step from each edge */
		f.xa.lo = -0.5;
		f.xa.hi = (double)(c->nx ? c->nx : 1) - 0.5;
		f.xa.step = 1;
		f.xa.decimals = 0;
	} else {
		data_range(c, 1, &lo, &hi);
		axis_fit(&f.xa, lo, hi);
	}
	strbuf_addf(out, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
			 "viewBox=\"0 0 %.0f %.0f\" role=\"img\" data-kind=\"%s\" data-series-count=\"%zu\"",
		    W, f.height, W, f.height, c->kind == PLOT_SCATTER ? "scatter" : "line", c->nseries);
	if (c->id) {
		strbuf_addstr(out, " id=\"");
		xml_escape(c->id, out);
		strbuf_addch(out, '"');
	}
	strbuf_addstr(out, ">\n<title>");
	xml_escape(c->title, out);
	strbuf_addstr(out, "</title>\n<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
	text(out, W / 2, 20, "middle", "chart-title", "", c->title);
	draw_legend(c, out);
	draw_axes(c, &f, out);
	for (size_t k = 0; k < c->nseries; k++)
		draw_series(c, k, &f, out);
	strbuf_addstr(out, "</svg>\n");
}
