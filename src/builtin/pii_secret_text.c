/*
 * Secret data read from the text, for the documents libyaml cannot parse
 * (Helm and Jinja templates, mostly): a top-level `kind: Secret` at column 0,
 * then every value under a top-level `data:` or `stringData:` is an item,
 * as pii-rules.md rule 9 says. Template expressions ({{ ... }}) are not
 * values, and neither are template lines ({{- if }}, {{- end }}), which
 * stand anywhere in such a section without ending it.
 *
 * Layout read: block style only (the key lines of the section share the
 * indentation of its first key; a value is plain or quoted on the key's
 * line, or a block scalar over the more-indented lines). Documents are
 * separated by lines starting with "---".
 */
#include "builtin/pii.h"

#include <string.h>

/* One line of the text. */
struct line {
	size_t s, e;   /* [s, e): the line without its '\n' (and '\r') */
	size_t next;   /* start of the next line (len at the end) */
	size_t ind;    /* leading spaces */
	int blank;     /* nothing but blanks */
};

static void read_line(const char *t, size_t len, size_t p, struct line *l)
{
	const char *nl = memchr(t + p, '\n', len - p);

	l->s = p;
	l->e = nl ? (size_t)(nl - t) : len;
	l->next = nl ? l->e + 1 : len;
	if (l->e > l->s && t[l->e - 1] == '\r')
		l->e--;
	for (l->ind = 0; l->s + l->ind < l->e && t[l->s + l->ind] == ' '; l->ind++)
		;
	size_t q = l->s + l->ind;
	while (q < l->e && (t[q] == ' ' || t[q] == '\t'))
		q++;
	l->blank = q == l->e;
}

/* A line that neither holds nor ends a mapping entry: a comment or a template directive. */
static int is_neutral(const char *t, const struct line *l)
{
	size_t c = l->s + l->ind;
	return l->blank || t[c] == '#' || (l->e - c >= 2 && t[c] == '{' && t[c + 1] == '{');
}

static int starts_with(const char *t, const struct line *l, const char *w)
{
	size_t n = strlen(w);
	return l->e - l->s >= n && !memcmp(t + l->s, w, n);
}

/* `kind: Secret` at column 0 (quotes and a trailing comment allowed). */
static int is_secret_kind(const char *t, const struct line *l)
{
	size_t p = l->s + 5, e = l->e;

	if (!starts_with(t, l, "kind:"))
		return 0;
	while (p < e && (t[p] == ' ' || t[p] == '\t'))
		p++;
	if (p < e && (t[p] == '"' || t[p] == '\''))
		p++;
	if (e - p < 6 || memcmp(t + p, "Secret", 6))
		return 0;
	p += 6;
	if (p < e && (t[p] == '"' || t[p] == '\''))
		p++;
	while (p < e && (t[p] == ' ' || t[p] == '\t'))
		p++;
	return p == e || t[p] == '#';
}

/* `data:` or `stringData:` at column 0 with nothing after it. */
static int is_data_key(const char *t, const struct line *l)
{
	size_t p;

	if (starts_with(t, l, "data:"))
		p = l->s + 5;
	else if (starts_with(t, l, "stringData:"))
		p = l->s + 11;
	else
		return 0;
	while (p < l->e && (t[p] == ' ' || t[p] == '\t'))
		p++;
	return p == l->e || t[p] == '#';
}

static int is_template(const char *t, size_t s, size_t e)
{
	return memmem(t + s, e - s, "{{", 2) != NULL;
}

static void push_value(struct pii_scan *s, size_t vs, size_t ve)
{
	const char *t = s->text;

	while (ve > vs && (t[ve - 1] == ' ' || t[ve - 1] == '\t'))
		ve--;
	if (ve > vs && !is_template(t, vs, ve) && !pii_value_is_redacted(t + vs, ve - vs))
		pii_vec_push(&s->items, PII_K8S_SECRET_DATA, vs, ve);
}

/*
 * The value of the key line l (key column l->ind); returns where the scan
 * goes on (after a block scalar's lines).
 */
static size_t entry_value(struct pii_scan *s, const struct line *l)
{
	const char *t = s->text;
	size_t p = l->s + l->ind, e = l->e;
	const char *colon;

	if (t[p] == '"' || t[p] == '\'') {
		const char *q = memchr(t + p + 1, t[p], e - p - 1);
		if (!q)
			return l->next;
		p = (size_t)(q - t) + 1;
	}
	colon = memchr(t + p, ':', e - p);
	if (!colon)
		return l->next;
	p = (size_t)(colon - t) + 1;
	while (p < e && (t[p] == ' ' || t[p] == '\t'))
		p++;
	if (p == e || t[p] == '#')
		return l->next;
	if (t[p] == '"' || t[p] == '\'') {
		const char *q = memchr(t + p + 1, t[p], e - p - 1);
		push_value(s, p + 1, q ? (size_t)(q - t) : e);
		return l->next;
	}
	if (t[p] != '|' && t[p] != '>') {
		const char *hash = memmem(t + p, e - p, " #", 2);
		push_value(s, p, hash ? (size_t)(hash - t) : e);
		return l->next;
	}
	/* a block scalar: the more-indented lines */
	size_t first = 0, last = 0, q = l->next;
	struct line b;
	for (; q < s->len; q = b.next) {
		read_line(t, s->len, q, &b);
		if (!b.blank && b.ind <= l->ind)
			break;
		if (!b.blank) {
			if (!first)
				first = b.s + b.ind;
			last = b.e;
		}
	}
	if (first)
		push_value(s, first, last);
	return q;
}

/* The data sections of the document [p, end): every entry's value. */
static void scan_sections(struct pii_scan *s, size_t p, size_t end)
{
	const char *t = s->text;
	struct line l;

	while (p < end) {
		read_line(t, s->len, p, &l);
		p = l.next;
		if (!is_data_key(t, &l))
			continue;
		size_t key_ind = 0;
		while (p < end) {
			read_line(t, s->len, p, &l);
			if (is_neutral(t, &l)) {
				p = l.next;
				continue;
			}
			if (l.ind == 0)
				break;
			if (!key_ind)
				key_ind = l.ind;
			p = l.ind == key_ind ? entry_value(s, &l) : l.next;
		}
	}
}

void pii_scan_secret_text(struct pii_scan *s)
{
	const char *t = s->text;
	size_t doc = 0, p = 0;
	int secret = 0;
	struct line l;

	while (p < s->len) {
		read_line(t, s->len, p, &l);
		if (starts_with(t, &l, "---")) {
			if (secret)
				scan_sections(s, doc, l.s);
			doc = l.next, secret = 0;
		} else if (is_secret_kind(t, &l)) {
			secret = 1;
		}
		p = l.next;
	}
	if (secret)
		scan_sections(s, doc, s->len);
}
