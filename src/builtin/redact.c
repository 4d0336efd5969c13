/*
 * The redaction API (redact.h): runs the scanners, resolves overlaps by
 * pii-rules.md's precedence, and writes the redacted text.
 *
 * Replacement keeps every line: an item spanning lines (a PEM block, a block
 * scalar) is replaced line by line, each line keeping its indentation (and a
 * leading '#' of a comment), so the YAML around it keeps its structure and
 * the line count never changes. Lines outside items are copied unchanged.
 */
#include "builtin/redact.h"

#include <stdlib.h>
#include <string.h>

#include "builtin/pii.h"
#include "util/xalloc.h"

static const char *const kind_names[PII_NKINDS] = {
	[PII_PRIVATE_KEY] = "private_key",
	[PII_OPENAI_KEY] = "openai_key",
	[PII_AWS_ACCESS_KEY_ID] = "aws_access_key_id",
	[PII_API_TOKEN] = "api_token",
	[PII_K8S_SECRET_DATA] = "k8s_secret_data",
	[PII_BEARER_TOKEN] = "bearer_token",
	[PII_URL_CREDENTIALS] = "url_credentials",
	[PII_EMAIL] = "email",
	[PII_SECRET_VALUE] = "secret_value",
	[PII_IPV4] = "ipv4",
};

static const char *const kind_tokens[PII_NKINDS] = {
	[PII_PRIVATE_KEY] = "REDACTED_PRIVATE_KEY",
	[PII_OPENAI_KEY] = "sk-REDACTED",
	[PII_AWS_ACCESS_KEY_ID] = "REDACTED_AWS_KEY_ID",
	[PII_API_TOKEN] = "REDACTED_API_TOKEN",
	[PII_K8S_SECRET_DATA] = "REDACTED_SECRET",
	[PII_BEARER_TOKEN] = "REDACTED_TOKEN",
	[PII_URL_CREDENTIALS] = "REDACTED_CREDS",
	[PII_EMAIL] = "REDACTED_EMAIL",
	[PII_SECRET_VALUE] = "REDACTED_CREDS",
	[PII_IPV4] = "IPV4_REDACTED",
};

/* API token prefixes kept in front of REDACTED, longest first. */
static const char *const token_prefixes[] = {
	"github_pat_", "glpat-", "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-",
	"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "hf_",
};

const char *pii_kind_name(enum pii_kind kind)
{
	return (unsigned)kind < PII_NKINDS ? kind_names[kind] : "unknown";
}

const char *pii_kind_token(enum pii_kind kind)
{
	return (unsigned)kind < PII_NKINDS ? kind_tokens[kind] : "REDACTED";
}

void pii_vec_push(struct pii_vec *vec, enum pii_kind kind, size_t start, size_t end)
{
	ARRAY_GROW(vec->v, vec->alloc, vec->n + 1);
	vec->v[vec->n].kind = kind;
	vec->v[vec->n].start = start;
	vec->v[vec->n].end = end;
	vec->n++;
}

void pii_vec_release(struct pii_vec *vec)
{
	free(vec->v);
	vec->v = NULL;
	vec->n = vec->alloc = 0;
}

/* By start, then longest first, then most specific first. */
static int cmp_item(const void *a, const void *b)
{
	const struct pii_item *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/* Sorts ranges and joins the overlapping ones; returns how many are left. */
static size_t coalesce(struct pii_vec *r)
{
	size_t n = 0;

	if (r->n)
		qsort(r->v, r->n, sizeof(*r->v), cmp_item);
	for (size_t i = 0; i < r->n; i++) {
		if (n && r->v[i].start <= r->v[n - 1].end) {
			if (r->v[i].end > r->v[n - 1].end)
				r->v[n - 1].end = r->v[i].end;
			continue;
		}
		r->v[n++] = r->v[i];
	}
	return r->n = n;
}

/* Whether the item lies in one of the sorted, disjoint ranges r, from cursor *i on. */
static int in_ranges(const struct pii_vec *r, size_t *i, const struct pii_item *c)
{
	while (*i < r->n && r->v[*i].end < c->end)
		(*i)++;
	return *i < r->n && r->v[*i].start <= c->start;
}

/*
 * Sorts the candidates, drops the dotted quads lying in a version value,
 * and merges overlapping candidates into one item: their union, with the
 * most specific kind (the lowest enum value). Returns the count left.
 */
static size_t resolve(struct pii_scan *s)
{
	struct pii_vec *it = &s->items;
	size_t n = 0, vi = 0, yi = 0;

	coalesce(&s->versions);
	coalesce(&s->yaml_versions);
	if (it->n)
		qsort(it->v, it->n, sizeof(*it->v), cmp_item);
	for (size_t i = 0; i < it->n; i++) {
		struct pii_item c = it->v[i];
		if (c.kind == PII_IPV4) {
			int text = in_ranges(&s->versions, &vi, &c), yaml = in_ranges(&s->yaml_versions, &yi, &c);
			s->yaml_exempt |= yaml && !text;
			if (text || yaml)
				continue;
		}
		if (n && c.start < it->v[n - 1].end) {
			struct pii_item *m = &it->v[n - 1];
			if (c.end > m->end)
				m->end = c.end;
			if (c.kind < m->kind)
				m->kind = c.kind;
			continue;
		}
		it->v[n++] = c;
	}
	return it->n = n;
}

/* What a find_items() call did besides finding. */
enum { YAML_ALLOWED = 1, YAML_RAN = 2, YAML_FAILED = 4, YAML_EXEMPT = 8 };

/*
 * pii_find(), with the YAML pass only when `flags` has YAML_ALLOWED; sets
 * YAML_RAN and YAML_FAILED in *flags to say what the pass did, and
 * YAML_EXEMPT when it kept a dotted quad as a version that the text rules
 * alone would take for an address.
 */
static size_t find_items(const char *text, size_t len, struct pii_item **items, int *flags)
{
	struct pii_scan s;

	memset(&s, 0, sizeof(s));
	s.text = text;
	s.len = len;
	pii_scan_text(&s);
	if (s.need_yaml && (*flags & YAML_ALLOWED)) {
		pii_scan_yaml(&s);
		*flags |= YAML_RAN | (s.yaml_failed ? YAML_FAILED : 0);
		if (s.yaml_failed)
			pii_scan_secret_text(&s);
	}
	size_t n = resolve(&s);
	*flags |= s.yaml_exempt ? YAML_EXEMPT : 0;
	pii_vec_release(&s.versions);
	pii_vec_release(&s.yaml_versions);
	*items = s.items.v;
	return n;
}

size_t pii_find(const char *text, size_t len, struct pii_item **items)
{
	int flags = YAML_ALLOWED;
	return find_items(text, len, items, &flags);
}

/* The replacement for item it of text t. */
static void token_for(const char *t, const struct pii_item *it, struct strbuf *tok)
{
	strbuf_reset(tok);
	if (it->kind == PII_API_TOKEN) {
		for (size_t i = 0; i < sizeof(token_prefixes) / sizeof(*token_prefixes); i++) {
			size_t n = strlen(token_prefixes[i]);
			if (it->end - it->start > n && !memcmp(t + it->start, token_prefixes[i], n)) {
				strbuf_addstr(tok, token_prefixes[i]);
				strbuf_addstr(tok, "REDACTED");
				return;
			}
		}
	}
	strbuf_addstr(tok, pii_kind_token(it->kind));
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Writes the replacement of one item: each line of it becomes the token,
 * after the indentation (and comment mark) that line started with; line
 * breaks and a '\r' before them stay.
 */
static void put_item(struct strbuf *out, const char *t, const struct pii_item *it, const struct strbuf *tok)
{
	size_t p = it->start;

	for (int first = 1; p < it->end; first = 0) {
		const char *nl = memchr(t + p, '\n', it->end - p);
		size_t le = nl ? (size_t)(nl - t) : it->end, cs = p, ce = le;

		if (!first) {
			while (cs < le && is_blank(t[cs]))
				cs++;
			if (cs < le && t[cs] == '#')
				for (cs++; cs < le && is_blank(t[cs]); cs++)
					;
		}
		if (nl && ce > cs && t[ce - 1] == '\r')
			ce--;
		strbuf_add(out, t + p, cs - p);
		if (ce > cs)
			strbuf_addbuf(out, tok);
		strbuf_add(out, t + ce, le - ce);
		if (!nl)
			break;
		strbuf_addch(out, '\n');
		p = le + 1;
	}
}

/* Appends text with items[0..n) replaced to out. */
static void replace_items(const char *text, size_t len, const struct pii_item *items, size_t n,
			  struct strbuf *out)
{
	struct strbuf tok = STRBUF_INIT;
	size_t pos = 0;

	strbuf_grow(out, len + 64);
	for (size_t i = 0; i < n; i++) {
		strbuf_add(out, text + pos, items[i].start - pos);
		token_for(text, &items[i], &tok);
		put_item(out, text, &items[i], &tok);
		pos = items[i].end;
	}
	strbuf_add(out, text + pos, len - pos);
	strbuf_release(&tok);
}

/* Rounds of cleanup after the first: a token glued to its neighbours can form a new match. */
#define MAX_ROUNDS 4

size_t redact_text(const char *text, size_t len, struct strbuf *out, struct pii_counts *counts)
{
	struct pii_item *items;
	struct strbuf cur = STRBUF_INIT, next = STRBUF_INIT;
	int flags = YAML_ALLOWED;
	size_t n = find_items(text, len, &items, &flags), found = n;

	if (counts)
		for (size_t i = 0; i < n; i++)
			counts->n[items[i].kind]++;
	if (!n) {
		free(items);
		strbuf_add(out, text, len);
		return 0;
	}
	replace_items(text, len, items, n, &cur);
	free(items);
	/*
	 * A token touching other text (a@b.io-----BEGIN... becomes
	 * a@b.ioREDACTED_...) can complete a pattern that was not there, and
	 * text that did not parse may parse once redacted: look again until
	 * nothing is found, so the output is clean and redacting it again
	 * changes nothing. Such items are artefacts, not counted. A YAML pass
	 * that parsed the text needs no second run (tokens keep the structure
	 * and are never items), unless it kept a dotted quad as a version (a
	 * `- --tag` item's next item) that the text rules alone would take
	 * for an address.
	 */
	if ((flags & YAML_RAN) && !(flags & (YAML_FAILED | YAML_EXEMPT)))
		flags = 0;
	for (int round = 1; round < MAX_ROUNDS; round++) {
		n = find_items(cur.buf, cur.len, &items, &flags);
		if (n) {
			strbuf_reset(&next);
			replace_items(cur.buf, cur.len, items, n, &next);
			struct strbuf t = cur;
			cur = next, next = t;
		}
		free(items);
		if (!n)
			break;
	}
	strbuf_addbuf(out, &cur);
	strbuf_release(&cur);
	strbuf_release(&next);
	return found;
}
