/*
 * Fuzz target: PII and secret redaction alone (builtin/redact.h), on any
 * text, with the promises redact.h and tests/unit/t-redact-corpus.c make:
 * items sorted, in bounds and not overlapping; the line count kept; every
 * changed line holding a replacement token; redacting the output changes
 * nothing and finds nothing but tokens.
 *
 * Not asserted: that only lines the first pass's items touch change.
 * redact_text() looks again after replacing (redact.c says why): on text
 * that parses, or splits into documents, differently once redacted, the
 * later passes find more, on other lines (seen with hostile input, never
 * with the corpus, where t-redact-corpus checks it).
 *
 * Input: the text.
 */
#include "fuzz.h"

#include "builtin/redact.h"

static size_t lines(const char *b, size_t n)
{
	size_t c = 0;

	for (const char *p = b; (p = memchr(p, '\n', (size_t)(b + n - p))); p++)
		c++;
	return c;
}

/* Every line of out that differs from its line of in holds a replacement
 * token: redaction replaces, it never damages (the line counts are equal,
 * so the lines pair up). */
static int changed_lines_hold_tokens(const char *in, size_t n, const char *out, size_t m)
{
	size_t i = 0, o = 0;

	while (i < n && o < m) {
		const char *ie = memchr(in + i, '\n', n - i), *oe = memchr(out + o, '\n', m - o);
		size_t il = ie ? (size_t)(ie - in) + 1 : n, ol = oe ? (size_t)(oe - out) + 1 : m;
		if ((il - i != ol - o || memcmp(in + i, out + o, il - i)) && !memmem(out + o, ol - o, "REDACTED", 8))
			return 0;
		i = il, o = ol;
	}
	return i == n && o == m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct pii_item *items, *left;
	struct strbuf out = STRBUF_INIT, again = STRBUF_INIT;
	struct pii_counts counts = { { 0 } };

	size_t ni = pii_find(text, size, &items);
	for (size_t i = 0; i < ni; i++) {
		FUZZ_ASSERT(items[i].start < items[i].end && items[i].end <= size);
		FUZZ_ASSERT(items[i].kind < PII_NKINDS);
		FUZZ_ASSERT(i == 0 || items[i - 1].end <= items[i].start);
	}
	FUZZ_ASSERT(redact_text(text, size, &out, &counts) == ni);
	size_t total = 0;
	for (int k = 0; k < PII_NKINDS; k++)
		total += counts.n[k];
	FUZZ_ASSERT(total == ni);
	FUZZ_ASSERT(lines(text, size) == lines(out.buf, out.len));
	FUZZ_ASSERT(changed_lines_hold_tokens(text, size, out.buf, out.len));
	redact_text(out.buf, out.len, &again, NULL);
	FUZZ_ASSERT(again.len == out.len && !memcmp(again.buf, out.buf, out.len));
	size_t nl = pii_find(out.buf, out.len, &left);
	for (size_t i = 0; i < nl; i++)
		FUZZ_ASSERT(pii_item_redacted(out.buf, &left[i]));
	free(left);
	free(items);
	strbuf_release(&out);
	strbuf_release(&again);
	return 0;
}
