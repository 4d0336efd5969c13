/*
 * Reading a field written as text: the name before a separator and the
 * value after it (see pii_field.h for the syntax each position implies).
 * Every scan is bounded by the line, the name length, or the value itself.
 */
#include "builtin/pii_field.h"

#include "builtin/pii.h"

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

size_t pii_line_end(const char *t, size_t len, size_t p)
{
	const char *n = memchr(t + p, '\n', len - p);
	return n ? (size_t)(n - t) : len;
}

/*
 * Decides the context of a name starting at `before` (its first byte or
 * opening quote) for separator `sep`. Returns 0 when it is no key there.
 * A quoted name followed by ':' ("password": ...) is a JSON-ish member
 * wherever it stands.
 */
static int name_context(const char *t, size_t before, char sep, int quoted, struct field_name *nm)
{
	size_t q = before;

	while (q > 0 && is_blank((unsigned char)t[q - 1]) && before - q < NAME_MAX_LEN)
		q--;
	if (sep == '=') {
		nm->ctx = CTX_ASSIGN;
		return q < before || q == 0 || strchr("\n;&?({,\"'`|[#=", t[q - 1]);
	}
	for (;;) {
		if (q == 0 || t[q - 1] == '\n') {
			nm->ctx = CTX_KEY;
			nm->col = before - q;
			return 1;
		}
		if (t[q - 1] == '-' && (q == 1 || is_blank((unsigned char)t[q - 2]) || t[q - 2] == '\n')) {
			for (q--; q > 0 && is_blank((unsigned char)t[q - 1]); q--)
				;
			continue;
		}
		if (t[q - 1] == '#') {
			nm->ctx = CTX_COMMENT;
			return 1;
		}
		if (t[q - 1] == '{' || t[q - 1] == ',' || t[q - 1] == '[' || quoted) {
			nm->ctx = CTX_FLOW;
			return 1;
		}
		return 0;
	}
}

/* Finds the name before the separator at t[sep]; returns 0 when there is none. */
int pii_find_name(const char *t, size_t len, size_t sep, struct field_name *nm)
{
	size_t p = sep, before;

	memset(nm, 0, sizeof(*nm));
	if (t[sep] == ':' && sep + 1 < len && t[sep + 1] != ' ' && t[sep + 1] != '\n' &&
	    t[sep + 1] != '\t' && t[sep + 1] != '\r' && (sep == 0 || (t[sep - 1] != '"' && t[sep - 1] != '\'')))
		return 0; /* a:b is no key (a URL, a time, an image:tag) */
	while (p > 0 && is_blank((unsigned char)t[p - 1]) && sep - p < 64)
		p--;
	if (p == 0)
		return 0;
	if (t[p - 1] == '"' || t[p - 1] == '\'') {
		char q = t[p - 1];
		size_t b = p - 1;
		while (b > 0 && t[b - 1] != q && t[b - 1] != '\n' && p - b < NAME_MAX_LEN)
			b--;
		if (b == 0 || t[b - 1] != q || b == p - 1)
			return 0;
		nm->s = b, nm->e = p - 1, nm->quoted = 1;
		before = b - 1;
	} else {
		size_t b = p;
		while (b > 0 && pii_isnamechar((unsigned char)t[b - 1]) && p - b < NAME_MAX_LEN)
			b--;
		if (b == p || (b > 0 && pii_isnamechar((unsigned char)t[b - 1])))
			return 0;
		nm->s = b, nm->e = p;
		before = b;
	}
	if (t[sep] == ':' && sep + 1 < len && !nm->quoted && !strchr(" \t\r\n", t[sep + 1]))
		return 0; /* a:b is no key */
	if (t[sep] == '=' && (nm->quoted || (sep + 1 < len && t[sep + 1] == '=')))
		return 0; /* a comparison, or a quoted string that is no name */
	return name_context(t, before, t[sep], nm->quoted, nm);
}

/*
 * End of the quoted string opening at t[q]: sets *close to its closing
 * quote and returns it, or sets *close to 0 and returns the end of the
 * line. A YAML key's quoted value may go on over the next lines (multi).
 */
static size_t quoted_end(const char *t, size_t len, size_t q, int multi, size_t *close)
{
	for (size_t p = q + 1; p < len && (multi || t[p] != '\n'); p++) {
		if (t[q] == '"' && t[p] == '\\' && p + 1 < len) {
			p++;
			continue;
		}
		if (t[p] == t[q]) {
			if (t[q] == '\'' && p + 1 < len && t[p + 1] == '\'') {
				p++;
				continue;
			}
			*close = p;
			return p;
		}
	}
	*close = 0;
	return pii_line_end(t, len, q + 1);
}

size_t pii_trim_right(const char *t, size_t s, size_t e)
{
	while (e > s && (is_blank((unsigned char)t[e - 1]) || t[e - 1] == '\r'))
		e--;
	return e;
}

/* How far a reference's closing bracket is looked for: $(cmd) can be long, {{ x }} is short. */
#define REFERENCE_MAX 4096
#define TEMPLATE_MAX 256

/*
 * Past the byte at t[p]: past the whole ${...}, $(...) or {{ ... }} when
 * one starts there (its brackets and blanks belong to it), else just past
 * t[p]. Returns 0 when one starts there but does not close on its line:
 * the caller then stops looking for references in that value, so a value
 * of many open brackets costs one search, not one per bracket.
 */
static size_t skip_reference(const char *t, size_t le, size_t p)
{
	int curly = t[p] == '{' && p + 1 < le && t[p + 1] == '{';

	if (!curly && (t[p] != '$' || p + 1 >= le || (t[p + 1] != '(' && t[p + 1] != '{')))
		return p + 1;
	size_t max = curly ? TEMPLATE_MAX : REFERENCE_MAX, lim = le - p > max ? p + max : le;
	const char *nl = memchr(t + p, '\n', lim - p);
	if (nl)
		lim = (size_t)(nl - t);
	if (curly) {
		const char *c = memchr(t + p + 2, '}', lim - p - 2) ? memmem(t + p + 2, lim - p - 2, "}}", 2) : NULL;
		return c ? (size_t)(c + 2 - t) : 0;
	}
	char open = t[p + 1], close = open == '(' ? ')' : '}';
	if (!memchr(t + p + 2, close, lim - p - 2))
		return 0; /* the common unclosed case, found fast */
	int depth = 0;
	for (size_t q = p + 1; q < lim; q++) {
		if (t[q] == open)
			depth++;
		else if (t[q] == close && --depth == 0)
			return q + 1;
	}
	return 0;
}

/* End of a word value from v: at a blank or shell punctuation; references stay whole. */
static size_t word_end(const char *t, size_t len, size_t v)
{
	size_t e = v;
	int refs = 1;

	while (e < len && t[e] && !is_blank((unsigned char)t[e]) && !strchr(";&,)\"'`|<>}]\r\n", t[e])) {
		size_t n = refs ? skip_reference(t, len, e) : e + 1;
		if (!n)
			refs = 0, n = e + 1;
		e = n;
	}
	return e;
}

/* Where a plain value of the given context ends, from its first byte v. */
static size_t plain_end(const char *t, size_t len, size_t v, enum field_ctx ctx, int spaced)
{
	size_t e = v;

	switch (ctx) {
	case CTX_KEY:
	case CTX_COMMENT:
		while (e < len && t[e] != '\n' && !(t[e] == '#' && e > v && is_blank((unsigned char)t[e - 1])))
			e++;
		break;
	case CTX_FLOW:
		while (e < len && t[e] != '\n' && t[e] != ',' && t[e] != '}' && t[e] != ']')
			e++;
		break;
	case CTX_ASSIGN:
		if (spaced) {
			while (e < len && t[e] != '\n' &&
			       !((t[e] == '#' || t[e] == ';') && is_blank((unsigned char)t[e - 1])))
				e++;
		} else {
			e = word_end(t, len, v);
		}
		break;
	}
	/* an unquoted value that is code (os.environ["X"], get_token()) is no literal, in every context */
	if (pii_value_is_code(t + v, e - v))
		return v;
	e = pii_trim_right(t, v, e);
	while (ctx == CTX_ASSIGN && spaced && e > v && (t[e - 1] == ',' || t[e - 1] == ';'))
		e--;
	return e;
}

/* A line that starts a key (`key:`, `key: value`) rather than continuing a scalar. */
static int starts_key(const char *t, size_t s, size_t e)
{
	for (size_t p = s; p < e; p++)
		if (t[p] == ':' && (p + 1 == e || is_blank((unsigned char)t[p + 1])))
			return 1;
	return 0;
}

/*
 * The lines after the one ending at `le` that carry a plain scalar of a key
 * at column `col`: more indented, and neither a key, a list item, a comment
 * nor a collection. Sets *first to the first one's first byte; returns the
 * end of the last one's content, or 0 when there is none.
 */
size_t pii_continuation(const char *t, size_t len, size_t le, size_t col, size_t *first)
{
	size_t last = 0;

	*first = 0;
	for (int lines = 0; le < len && lines < 10000; lines++) {
		const char *n = memchr(t + le + 1, '\n', len - le - 1);
		size_t b = le + 1, ind = 0, next = n ? (size_t)(n - t) : len;
		while (b + ind < next && t[b + ind] == ' ')
			ind++;
		size_t c = b + ind, ce = pii_trim_right(t, c, next);
		if (ce == c) {
			le = next;
			continue;
		}
		if (ind <= col || strchr("#[{&*!|>", t[c]) ||
		    (t[c] == '-' && (ce == c + 1 || is_blank((unsigned char)t[c + 1]))) || starts_key(t, c, ce))
			break;
		const char *hash = memmem(t + c, ce - c, " #", 2);
		if (!*first)
			*first = c;
		last = hash ? pii_trim_right(t, c, (size_t)(hash - t)) : ce;
		if (hash)
			break;
		le = next;
	}
	return last;
}

int pii_next_value(const char *t, size_t len, size_t le, size_t col, size_t *s, size_t *e)
{
	size_t next = le;

	*s = *e = 0;
	for (int lines = 0; next < len && lines < 10000; lines++) {
		size_t b = next + 1, c = b;
		next = pii_line_end(t, len, b);
		while (c < next && t[c] == ' ')
			c++;
		if (pii_trim_right(t, c, next) == c)
			continue; /* a blank line */
		if (c - b <= col)
			return 0;
		if (t[c] != '"' && t[c] != '\'') {
			*e = pii_continuation(t, len, le, col, s);
			return *e != 0;
		}
		/* a quoted scalar: inside its quotes, over lines; unclosed, to its line's end */
		size_t close, end = quoted_end(t, len, c, 1, &close);
		*s = c + 1;
		*e = close ? end : pii_trim_right(t, c + 1, end);
		return *e > *s;
	}
	return 0;
}

int pii_flag_value(const char *t, size_t len, size_t e, struct field_value *val)
{
	size_t v = e;

	val->type = V_NONE;
	while (v < len && is_blank((unsigned char)t[v]) && v - e < 64)
		v++;
	if (v == e)
		return 0; /* --flag=x is an assignment; --flag" or --flag, ends a list item */
	if (v + 1 < len && t[v] == '\\' && (t[v + 1] == '\n' || (t[v + 1] == '\r' && v + 2 < len && t[v + 2] == '\n'))) {
		/* a shell line continuation: the value starts the next line */
		for (v += t[v + 1] == '\r' ? 3 : 2; v < len && is_blank((unsigned char)t[v]) && v - e < 256; v++)
			;
	}
	if (v >= len || strchr("-#\r\n", t[v]))
		return 0; /* nothing, a comment, or another flag: no value */
	if (t[v] == '"' || t[v] == '\'') {
		size_t close;
		quoted_end(t, len, v, 0, &close);
		if (!close)
			return 0;
		val->s = v + 1, val->e = close;
	} else {
		val->s = v;
		val->e = word_end(t, len, v);
		if (pii_value_is_code(t + v, val->e - v))
			return 0;
	}
	if (val->e > val->s)
		val->type = V_SCALAR;
	return val->type == V_SCALAR;
}

/* Reads the value after the separator t[sep] of a name in context nm->ctx. */
void pii_get_value(const char *t, size_t len, size_t sep, const struct field_name *nm, struct field_value *val)
{
	size_t v = sep + 1;
	int spaced = sep > 0 && is_blank((unsigned char)t[sep - 1]);

	val->type = V_NONE;
	while (v < len && is_blank((unsigned char)t[v]) && v - sep < 64)
		v++;
	spaced |= v > sep + 1;
	if (v >= len || t[v] == '\n' || t[v] == '\r' || (t[v] == '#' && v > sep + 1)) {
		if (nm->ctx == CTX_KEY) {
			val->type = V_NEXT; /* the value, if any, is on the next lines */
			val->e = pii_line_end(t, len, v);
		}
		return;
	}
	if (nm->ctx != CTX_ASSIGN && (t[v] == '&' || t[v] == '!')) {
		/* an anchor or tag: the value follows it */
		while (v < len && !is_blank((unsigned char)t[v]) && t[v] != '\n')
			v++;
		while (v < len && is_blank((unsigned char)t[v]))
			v++;
		if (v >= len || t[v] == '\n' || t[v] == '\r')
			return;
	}
	if (t[v] == '"' || t[v] == '\'') {
		size_t close, e = quoted_end(t, len, v, nm->ctx == CTX_KEY, &close);
		val->type = V_SCALAR;
		val->s = v + 1;
		val->e = close ? e : pii_trim_right(t, v + 1, e);
		return;
	}
	if (nm->ctx != CTX_ASSIGN) {
		if (t[v] == '|' || t[v] == '>') {
			if (nm->ctx == CTX_KEY) {
				val->type = V_BLOCK;
				val->e = pii_line_end(t, len, v);
			}
			return;
		}
		if (strchr("[{*#", t[v]))
			return;
	}
	val->s = v;
	/* after a quoted name ("password": x, ...) a plain value ends as in JSON */
	val->e = plain_end(t, len, v, nm->quoted && nm->ctx != CTX_ASSIGN ? CTX_FLOW : nm->ctx, spaced);
	if (val->e > val->s)
		val->type = V_SCALAR;
	if (val->type == V_SCALAR && nm->ctx == CTX_KEY && !nm->quoted) {
		size_t le = pii_line_end(t, len, v), first;
		if (pii_trim_right(t, v, le) == val->e) {
			/* a plain scalar may go on over more-indented lines */
			size_t last = pii_continuation(t, len, le, nm->col, &first);
			if (last)
				val->e = last;
		}
	}
}

/*
 * The content of a block scalar whose indicator line ends at `le`, for a
 * key at column `col`: the more-indented lines after it. Sets [*s, *e) to
 * its first and last non-blank bytes; returns 0 when it is empty.
 */
int pii_block_content(const char *t, size_t len, size_t le, size_t col, size_t *s, size_t *e)
{
	size_t first = 0, last = 0;

	while (le < len) {
		size_t b = le + 1, ind = 0;
		const char *n = memchr(t + b, '\n', len - b);
		size_t next = n ? (size_t)(n - t) : len;
		while (b + ind < next && t[b + ind] == ' ')
			ind++;
		if (pii_trim_right(t, b + ind, next) > b + ind) {
			if (ind <= col)
				break;
			if (!first)
				first = b + ind;
			last = pii_trim_right(t, b + ind, next);
		}
		le = next;
	}
	*s = first, *e = last;
	return first != 0;
}

