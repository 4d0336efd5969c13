/*
 * Fuzz target: PII and secret redaction alone (builtin/redact.h), on any
 * text, with the promises redact.h and tests/unit/t-redact-corpus.c make:
 * items sorted, in bounds and not overlapping; the line count kept; every
 * line no item touches unchanged; redacting the output changes nothing and
 * finds nothing.
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

/* Every line of in that no item touches is the same line of out (the line
 * counts are equal, so the lines pair up). */
static int untouched_lines_kept(const char *in, size_t n, const char *out, size_t m,
				const struct pii_item *items, size_t ni)
{
	size_t i = 0, o = 0, k = 0;

	while (i < n || o < m) {
		const char *ie = memchr(in + i, '\n', n - i), *oe = memchr(out + o, '\n', m - o);
		size_t il = ie ? (size_t)(ie - in) + 1 : n, ol = oe ? (size_t)(oe - out) + 1 : m;
		while (k < ni && items[k].end <= i)
			k++;
		int touched = k < ni && items[k].start < il;
		if (!touched && (il - i != ol - o || memcmp(in + i, out + o, il - i)))
			return 0;
		i = il, o = ol;
		if ((i >= n) != (o >= m))
			return 0;
	}
	return 1;
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
	FUZZ_ASSERT(untouched_lines_kept(text, size, out.buf, out.len, items, ni));
	redact_text(out.buf, out.len, &again, NULL);
	FUZZ_ASSERT(again.len == out.len && !memcmp(again.buf, out.buf, out.len));
	size_t nl = pii_find(out.buf, out.len, &left);
	FUZZ_ASSERT(nl == 0);
	free(left);
	free(items);
	strbuf_release(&out);
	strbuf_release(&again);
	return 0;
}
