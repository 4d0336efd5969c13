#include "builtin/manifest_tsv.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/xalloc.h"

static const char *const col_names[MANIFEST_NCOLS] = { "relpath", "repo", "license" };

void manifest_parser_init(struct manifest_parser *p, const char *name, manifest_row_fn *fn, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->fn = fn;
	p->ctx = ctx;
	strbuf_init(&p->line, 0);
}

/* Splits line[0..len) at tabs; fields point into line (tabs become NULs). */
static size_t split(struct manifest_parser *p, char *line, size_t len)
{
	size_t n = 0;
	char *s = line, *end = line + len;

	for (;;) {
		char *tab = memchr(s, '\t', (size_t)(end - s));
		ARRAY_GROW(p->fields, p->falloc, n + 1);
		p->fields[n++] = s;
		if (!tab)
			break;
		*tab = '\0';
		s = tab + 1;
	}
	return n;
}

/* Finds the needed columns in the header (the last of a repeated name); -1 (reported) when one is missing. */
static int header(struct manifest_parser *p, size_t nf)
{
	for (int c = 0; c < MANIFEST_NCOLS; c++) {
		p->col[c] = (size_t)-1;
		for (size_t i = 0; i < nf; i++)
			if (!strcmp(p->fields[i], col_names[c]))
				p->col[c] = i;
		if (p->col[c] == (size_t)-1)
			return error_at(p->name, (int)p->lineno, 0, "no '%s' column in the header row",
					col_names[c]);
	}
	p->have_header = 1;
	return 0;
}

/* Handles the complete line in p->line. 0 or -1 (reported). */
static int one_line(struct manifest_parser *p)
{
	size_t n = p->line.len;
	char *line = p->line.buf;

	p->lineno++;
	if (n && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	if (!n)
		return 0;
	size_t nf = split(p, line, n);
	if (!p->have_header)
		return header(p, nf);
	for (int c = 0; c < MANIFEST_NCOLS; c++)
		if (nf <= p->col[c])
			return error_at(p->name, (int)p->lineno, 0,
					"row has %zu columns, fewer than the header", nf);
	struct manifest_row row = { p->fields[p->col[MANIFEST_RELPATH]], p->fields[p->col[MANIFEST_REPO]],
				    p->fields[p->col[MANIFEST_LICENSE]], p->lineno };
	return p->fn(p->ctx, &row);
}

int manifest_parser_feed(struct manifest_parser *p, const char *data, size_t len)
{
	const char *nul = memchr(data, '\0', len);

	if (p->ended)
		return 0;
	if (nul) {
		len = (size_t)(nul - data);
		p->ended = 1;
	}
	p->seen |= len > 0;
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		strbuf_add(&p->line, data, n);
		data += n + (nl != NULL);
		len -= n + (nl != NULL);
		if (!nl)
			break;
		int r = one_line(p);
		strbuf_reset(&p->line);
		if (r < 0)
			return -1;
	}
	return 0;
}

int manifest_parser_finish(struct manifest_parser *p)
{
	if (!p->seen)
		return error("'%s' is empty; it needs a header row", p->name);
	if (!p->line.len)
		return 0;
	int r = one_line(p);
	strbuf_reset(&p->line);
	return r;
}

void manifest_parser_release(struct manifest_parser *p)
{
	strbuf_release(&p->line);
	free(p->fields);
	p->fields = NULL;
}
