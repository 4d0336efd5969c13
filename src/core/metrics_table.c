/*
 * Printing tables of metrics and params: aligned text, Markdown, CSV.
 *
 * Text: every column but the last padded to its widest cell, two spaces
 * between columns, no trailing spaces. Markdown: the same alignment inside
 * "| ... |", with a "|---|" separator line, '|' escaped; it renders on
 * GitHub and reads well as plain text. Widths count UTF-8 characters.
 */
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "util/xalloc.h"

void mtable_init(struct mtable *t, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
}

void mtable_add(struct mtable *t, const char *cell)
{
	ARRAY_GROW(t->cells, t->alloc, t->ncells + 1);
	t->cells[t->ncells++] = xstrdup(cell);
}

void mtable_release(struct mtable *t)
{
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* Characters, not bytes: UTF-8 continuation bytes do not count. */
static size_t width(const char *s, int md)
{
	size_t w = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		w += ((*p & 0xc0) != 0x80) + (md && *p == '|');
	return w;
}

static void add_md_cell(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			strbuf_addch(out, '\\');
		strbuf_addch(out, *s == '\n' ? ' ' : *s);
	}
}

static void add_csv_cell(struct strbuf *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		strbuf_addstr(out, s);
		return;
	}
	strbuf_addch(out, '"');
	for (; *s; s++) {
		if (*s == '"')
			strbuf_addch(out, '"');
		strbuf_addch(out, *s);
	}
	strbuf_addch(out, '"');
}

static void print_csv(const struct mtable *t, struct strbuf *out)
{
	for (size_t i = 0; i < t->ncells; i++) {
		add_csv_cell(out, t->cells[i]);
		strbuf_addch(out, (i + 1) % t->ncols ? ',' : '\n');
	}
}

static void print_aligned(const struct mtable *t, int md, struct strbuf *out)
{
	size_t *w = xcalloc(t->ncols, sizeof(*w));

	for (size_t i = 0; i < t->ncells; i++) {
		size_t cw = width(t->cells[i], md);
		if (cw > w[i % t->ncols])
			w[i % t->ncols] = cw;
	}
	for (size_t c = 0; md && c < t->ncols; c++)
		if (w[c] < 3)
			w[c] = 3; /* room for the "---" of the separator */
	for (size_t i = 0; i < t->ncells; i++) {
		size_t c = i % t->ncols, last = c + 1 == t->ncols;
		if (md) {
			strbuf_addstr(out, c ? " " : "| ");
			add_md_cell(out, t->cells[i]);
			strbuf_addchars(out, ' ', w[c] - width(t->cells[i], 1));
			strbuf_addstr(out, last ? " |\n" : " |");
		} else {
			strbuf_addstr(out, t->cells[i]);
			if (!last)
				strbuf_addchars(out, ' ', w[c] - width(t->cells[i], 0) + 2);
			else
				strbuf_addch(out, '\n');
		}
		if (md && last && i / t->ncols == 0) {
			/* the header's separator line */
			for (size_t k = 0; k < t->ncols; k++) {
				strbuf_addstr(out, "|");
				strbuf_addchars(out, '-', w[k] + 2);
			}
			strbuf_addstr(out, "|\n");
		}
	}
	free(w);
}

void mtable_print(const struct mtable *t, enum table_format f, struct strbuf *out)
{
	if (!t->ncols || t->ncells <= t->ncols)
		return;
	if (f == TABLE_CSV)
		print_csv(t, out);
	else
		print_aligned(t, f == TABLE_MD, out);
}
