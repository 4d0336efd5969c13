/*
 * The little XML that remotes answer with: S3 ListObjectsV2 pages, S3
 * error bodies and WebDAV multistatus documents. None of repro's libraries
 * parses XML, and these documents are flat and small, so a tag scanner is
 * enough: it reports element starts, text-only elements and ends, and
 * leaves every value to be validated by its caller (object keys are
 * checked against the 64-hex form before anything uses them).
 */
#include <stdlib.h>
#include <string.h>

#include "remote/remotepriv.h"

#define MAX_DEPTH 64

/* Skips to just after the '>' closing a tag, honouring quoted attribute
 * values; NULL when the input ends first. */
static const char *tag_end(const char *p, const char *end)
{
	char quote = 0;

	for (; p < end; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '>') {
			return p + 1;
		}
	}
	return NULL;
}

/* The local name of the tag starting at p (after '<' or '</'). */
static void tag_name(const char *p, const char *end, const char **name, size_t *len)
{
	const char *s = p, *colon = NULL;

	while (p < end && *p != '>' && *p != '/' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
		if (*p == ':')
			colon = p;
		p++;
	}
	*name = colon ? colon + 1 : s;
	*len = (size_t)(p - *name);
}

/* Skips a comment, processing instruction, CDATA or declaration at p. */
static const char *skip_special(const char *p, const char *end)
{
	const char *close = "?>";

	if (end - p >= 4 && !memcmp(p, "<!--", 4))
		close = "-->";
	else if (end - p >= 9 && !memcmp(p, "<![CDATA[", 9))
		close = "]]>";
	else if (p[1] == '!')
		close = ">";
	const char *q = memmem(p + 2, (size_t)(end - p - 2), close, strlen(close));
	return q ? q + strlen(close) : NULL;
}

int xml_scan(const char *buf, size_t len,
	     int (*fn)(void *ctx, const char *name, size_t nlen, const char *text, size_t tlen, int end),
	     void *ctx)
{
	const char *p = buf, *end = buf + len, *text = NULL;
	const char *names[MAX_DEPTH];
	size_t lens[MAX_DEPTH];
	int depth = 0, only_text = 0;

	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt)
			break;
		if (lt + 1 >= end)
			return -1;
		if (lt[1] == '?' || lt[1] == '!') {
			if (!(p = skip_special(lt, end)))
				return -1;
			only_text = 0;
			continue;
		}
		const char *gt = tag_end(lt, end), *name;
		size_t nlen;
		if (!gt)
			return -1;
		if (lt[1] == '/') {
			tag_name(lt + 2, gt, &name, &nlen);
			if (!depth || lens[depth - 1] != nlen || memcmp(names[depth - 1], name, nlen))
				return -1;
			if (only_text && fn(ctx, name, nlen, text, (size_t)(lt - text), 0) < 0)
				return -1;
			if (fn(ctx, name, nlen, NULL, 0, 1) < 0)
				return -1;
			depth--;
			only_text = 0;
		} else {
			tag_name(lt + 1, gt, &name, &nlen);
			if (!nlen)
				return -1;
			if (fn(ctx, name, nlen, NULL, 0, 0) < 0)
				return -1;
			if (gt[-2] == '/') {
				if (fn(ctx, name, nlen, NULL, 0, 1) < 0)
					return -1;
				only_text = 0;
			} else {
				if (depth == MAX_DEPTH)
					return -1;
				names[depth] = name;
				lens[depth++] = nlen;
				text = gt;
				only_text = 1;
			}
		}
		p = gt;
	}
	return depth ? -1 : 0;
}

/* Decodes one entity at s (after '&'); returns its length, 0 if none. */
static size_t entity(struct strbuf *out, const char *s, size_t n)
{
	static const struct { const char *name; char ch; } named[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' }, { "quot;", '"' }, { "apos;", '\'' },
	};

	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		size_t l = strlen(named[i].name);
		if (n >= l && !memcmp(s, named[i].name, l)) {
			strbuf_addch(out, named[i].ch);
			return l;
		}
	}
	if (n >= 3 && s[0] == '#') {
		int hex = s[1] == 'x';
		char *e;
		unsigned long v = strtoul(s + 1 + hex, &e, hex ? 16 : 10);
		if (e > s + 1 + hex && (size_t)(e - s) < n && *e == ';' && v > 0 && v < 0x80) {
			strbuf_addch(out, (int)v);
			return (size_t)(e - s) + 1;
		}
	}
	return 0;
}

void xml_unescape(struct strbuf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t k;
		if (s[i] == '&' && (k = entity(out, s + i + 1, len - i - 1))) {
			i += k;
			continue;
		}
		strbuf_addch(out, s[i]);
	}
}
