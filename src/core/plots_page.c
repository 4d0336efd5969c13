/*
 * The HTML page around the charts: one file, its style inline, nothing
 * fetched (no script, font, stylesheet or image from anywhere), so it
 * renders the same offline, in a CI artifact, or attached to an e-mail.
 */
#include <string.h>

#include "core/plots.h"

static const char style[] =
	"body{font-family:sans-serif;margin:24px;color:#222;background:#fafafa}"
	"h1{font-size:22px}h2{font-size:18px;margin-top:28px}"
	".chart-box{display:inline-block;margin:0 16px 16px 0;vertical-align:top;"
	"background:#fff;border:1px solid #ddd}"
	"svg text{font-family:sans-serif;fill:#222}"
	".chart-title{font-size:15px;font-weight:bold}"
	".tick-label{font-size:11px}.axis-label{font-size:13px}.legend-label{font-size:12px}"
	".note{color:#555}";

void plots_page_init(struct plots_page *pg, size_t nrevs)
{
	memset(pg, 0, sizeof(*pg));
	pg->nrevs = nrevs;
}

void plots_page_heading(struct plots_page *pg, const char *text)
{
	strbuf_addstr(&pg->body, "<h2>");
	xml_escape(text, &pg->body);
	strbuf_addstr(&pg->body, "</h2>\n");
}

void plots_page_note(struct plots_page *pg, const char *text)
{
	strbuf_addstr(&pg->body, "<p class=\"note\">");
	xml_escape(text, &pg->body);
	strbuf_addstr(&pg->body, "</p>\n");
}

void plots_page_add(struct plots_page *pg, const struct plot_chart *c)
{
	strbuf_addstr(&pg->body, "<div class=\"chart-box\">\n");
	plot_chart_svg(c, &pg->body);
	strbuf_addstr(&pg->body, "</div>\n");
	pg->ncharts++;
}

void plots_page_finish(struct plots_page *pg, const char *title, struct strbuf *out)
{
	strbuf_addstr(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	xml_escape(title, out);
	strbuf_addf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n"
			 "<main id=\"repro-plots\" data-revisions=\"%zu\" data-charts=\"%zu\">\n<h1>",
		    style, pg->nrevs, pg->ncharts);
	xml_escape(title, out);
	strbuf_addstr(out, "</h1>\n");
	strbuf_addbuf(out, &pg->body);
	strbuf_addstr(out, "</main>\n</body>\n</html>\n");
	strbuf_release(&pg->body);
}
