/*
 * Secret-named fields written as text (pii-rules.md rule 10), wherever they
 * are: YAML keys (also inside comments and embedded files, where libyaml
 * sees only a string), JSON members, shell and .env assignments, Java
 * properties, TOML/INI settings, CLI flags, URL query parameters, and the
 * env pair `- name: X_PASSWORD` + `value: ...` of embedded manifests.
 *
 * Called at every ':' and '=' of the text. The name is the run of name
 * bytes (or the quoted string) right before the separator; where it stands
 * decides the syntax of the value that follows:
 *   key context  (':' at the start of a line, after "- ", after '#'):
 *                the value runs to the end of the line (less a " #" comment),
 *                or is a block scalar ('|', '>') over the more-indented lines;
 *   flow context (':' after '{' or ','): the value ends at ',', '}' or ']';
 *   assignment   ('=' after a blank, line start, ';', '&', '?', '(', quote...):
 *                NAME=value ends at a blank or shell punctuation;
 *                NAME = value (spaced, INI/TOML) runs to the end of the line.
 * A quoted value is the text between its quotes.
 */
#include "builtin/pii.h"

#include <string.h>

/* Longest name and longest one-line value looked at. */
#define NAME_MAX_LEN 256
#define VALUE_MAX 16384
/* Lines searched after `- name: X` for its `value:`; bytes in flow style. */
#define ENV_PAIR_LINES 32
#define FLOW_PAIR_MAX 512

enum ctx {
	CTX_KEY,     /* a YAML-ish key at the start of a line (or in a comment) */
	CTX_COMMENT, /* a key after '#' */
	CTX_FLOW,    /* a key inside { } or after ',' */
	CTX_ASSIGN,  /* NAME=value */
};

/* The name before a separator. */
struct name {
	size_t s, e;  /* the name's bytes [s, e) (inside its quotes if quoted) */
	int quoted;   /* written in quotes ("password": ...) */
	size_t col;   /* key context: column where the key starts */
	enum ctx ctx; /* where it stands */
};

enum value_type { V_NONE, V_SCALAR, V_BLOCK, V_NEXT };

/* A value found after a separator. */
struct value {
	enum value_type type; /* nothing usable, a scalar, a block scalar, or nothing yet on the key's line */
	size_t s, e;          /* V_SCALAR: its bytes; V_BLOCK, V_NEXT: the key line's end */
};

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static size_t line_end(const char *t, size_t len, size_t p)
{
	size_t cap = len - p > VALUE_MAX ? p + VALUE_MAX : len;
	const char *n = memchr(t + p, '\n', cap - p);
	return n ? (size_t)(n - t) : cap;
}

/*
 * Decides the context of a name starting at `before` (its first byte or
 * opening quote) for separator `sep`. Returns 0 when it is no key there.
 * A quoted name followed by ':' ("password": ...) is a JSON-ish member
 * wherever it stands.
 */
static int name_context(const char *t, size_t before, char sep, int quoted, struct name *nm)
{
	size_t q = before;

	while (q > 0 && is_blank((unsigned char)t[q - 1]) && before - q < NAME_MAX_LEN)
		q--;
	if (sep == '=') {
		nm->ctx = CTX_ASSIGN;
		return q < before || q == 0 || strchr("\n;&?({,\"'`|[", t[q - 1]);
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
static int find_name(const char *t, size_t len, size_t sep, struct name *nm)
{
	size_t p = sep, before;

	memset(nm, 0, sizeof(*nm));
	if (t[sep] == ':' && sep + 1 < len && !strchr(" \t\r\n", t[sep + 1]) &&
	    (sep == 0 || (t[sep - 1] != '"' && t[sep - 1] != '\'')))
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
	size_t le = multi ? (len - q > VALUE_MAX ? q + VALUE_MAX : len) : line_end(t, len, q + 1), p;

	for (p = q + 1; p < le; p++) {
		if (t[q] == '"' && t[p] == '\\' && p + 1 < le) {
			p++;
			continue;
		}
		if (t[p] == t[q]) {
			if (t[q] == '\'' && p + 1 < le && t[p + 1] == '\'') {
				p++;
				continue;
			}
			*close = p;
			return p;
		}
	}
	*close = 0;
	return line_end(t, len, q + 1);
}

static size_t trim_right(const char *t, size_t s, size_t e)
{
	while (e > s && (is_blank((unsigned char)t[e - 1]) || t[e - 1] == '\r'))
		e--;
	return e;
}

/*
 * Past the byte at t[p]: past the whole ${...} or $(...) when one starts
 * there (its brackets and blanks belong to it), else just past t[p].
 */
static size_t skip_reference(const char *t, size_t le, size_t p)
{
	if (t[p] != '$' || p + 1 >= le || (t[p + 1] != '(' && t[p + 1] != '{'))
		return p + 1;
	char open = t[p + 1], close = open == '(' ? ')' : '}';
	int depth = 0;
	for (size_t q = p + 1; q < le; q++) {
		if (t[q] == open)
			depth++;
		else if (t[q] == close && --depth == 0)
			return q + 1;
	}
	return p + 1;
}

/*
 * An unquoted value holding a call or an index (os.environ["X"],
 * get_token()) is code computing the secret, not the secret.
 */
static int is_expression(const char *t, size_t v, size_t e)
{
	for (size_t p = v; p < e; p++)
		if ((t[p] == '(' || t[p] == '[') && (p == v || t[p - 1] != '$'))
			return 1;
	return 0;
}

/* Where a plain value of the given context ends, from its first byte v. */
static size_t plain_end(const char *t, size_t len, size_t v, enum ctx ctx, int spaced)
{
	size_t le = line_end(t, len, v), e = v;

	switch (ctx) {
	case CTX_KEY:
	case CTX_COMMENT:
		for (e = v; e < le && !(t[e] == '#' && e > v && is_blank((unsigned char)t[e - 1])); e++)
			;
		break;
	case CTX_FLOW:
		while (e < le && !strchr(",}]", t[e]))
			e++;
		if (is_expression(t, v, e))
			return v;
		break;
	case CTX_ASSIGN:
		if (spaced) {
			for (e = v; e < le && !((t[e] == '#' || t[e] == ';') && is_blank((unsigned char)t[e - 1])); e++)
				;
		} else {
			while (e < le && t[e] && !is_blank((unsigned char)t[e]) && !strchr(";&,)\"'`|<>}]\r", t[e]))
				e = skip_reference(t, le, e);
		}
		if (is_expression(t, v, e))
			return v;
		break;
	}
	e = trim_right(t, v, e);
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
static size_t continuation(const char *t, size_t len, size_t le, size_t col, size_t *first)
{
	size_t last = 0;

	*first = 0;
	for (int lines = 0; le < len && lines < 10000; lines++) {
		const char *n = memchr(t + le + 1, '\n', len - le - 1);
		size_t b = le + 1, ind = 0, next = n ? (size_t)(n - t) : len;
		while (b + ind < next && t[b + ind] == ' ')
			ind++;
		size_t c = b + ind, ce = trim_right(t, c, next);
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
		last = hash ? trim_right(t, c, (size_t)(hash - t)) : ce;
		if (hash)
			break;
		le = next;
	}
	return last;
}

/* Reads the value after the separator t[sep] of a name in context nm->ctx. */
static void get_value(const char *t, size_t len, size_t sep, const struct name *nm, struct value *val)
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
			val->e = line_end(t, len, v);
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
		val->e = close ? e : trim_right(t, v + 1, e);
		return;
	}
	if (nm->ctx != CTX_ASSIGN) {
		if (t[v] == '|' || t[v] == '>') {
			if (nm->ctx == CTX_KEY) {
				val->type = V_BLOCK;
				val->e = line_end(t, len, v);
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
		size_t le = line_end(t, len, v), first;
		if (trim_right(t, v, le) == val->e) {
			/* a plain scalar may go on over more-indented lines */
			size_t last = continuation(t, len, le, nm->col, &first);
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
static int block_content(const char *t, size_t len, size_t le, size_t col, size_t *s, size_t *e)
{
	size_t first = 0, last = 0;

	while (le < len) {
		size_t b = le + 1, ind = 0;
		const char *n = memchr(t + b, '\n', len - b);
		size_t next = n ? (size_t)(n - t) : len;
		while (b + ind < next && t[b + ind] == ' ')
			ind++;
		if (trim_right(t, b + ind, next) > b + ind) {
			if (ind <= col)
				break;
			if (!first)
				first = b + ind;
			last = trim_right(t, b + ind, next);
		}
		le = next;
	}
	*s = first, *e = last;
	return first != 0;
}

static int name_is(const char *t, const struct name *nm, const char *word)
{
	size_t n = strlen(word);
	return nm->e - nm->s == n && !memcmp(t + nm->s, word, n);
}

/*
 * The key starting at t[k] (its line ending at le): -2 when it is neither
 * value: nor valueFrom:, else what sibling_value() returns for it.
 */
static int value_key_at(const char *t, size_t len, size_t k, size_t le, struct value *val)
{
	size_t q = t[k] == '"', sep = k + q + 5 + q;
	struct name vn;

	if (le - k >= 10 && !memcmp(t + k, "valueFrom:", 10))
		return 0;
	if (sep < le && !memcmp(t + k + q, "value", 5) && (!q || t[sep - 1] == '"') && t[sep] == ':' &&
	    find_name(t, len, sep, &vn) && name_is(t, &vn, "value")) {
		get_value(t, len, sep, &vn, val);
		return val->type == V_SCALAR ? 1 : -1;
	}
	return -2;
}

/*
 * The `value:` written before `name:` in the same block mapping, looking
 * back from the name's line to the "- " line that starts the mapping.
 * Returns as sibling_value() does (0 when there is none).
 */
static int earlier_value(const char *t, size_t len, const struct name *nm, struct value *val)
{
	size_t ls = nm->s - nm->quoted - nm->col; /* start of the name's line */

	if (nm->col >= 2 && t[ls + nm->col - 2] == '-')
		return 0; /* name: is the mapping's first key */
	for (int lines = 0; ls > 0 && lines < ENV_PAIR_LINES; lines++) {
		size_t le = ls - 1, b = le, ind = 0;
		int first = 0;
		while (b > 0 && t[b - 1] != '\n')
			b--;
		ls = b;
		while (b + ind < le && t[b + ind] == ' ')
			ind++;
		if (b + ind == trim_right(t, b + ind, le))
			continue;
		if (ind + 2 == nm->col && t[b + ind] == '-' && is_blank((unsigned char)t[b + ind + 1]))
			ind += 2, first = 1;
		else if (ind < nm->col)
			return 0;
		if (ind > nm->col)
			continue;
		int r = value_key_at(t, len, b + ind, le, val);
		if (r != -2)
			return r;
		if (first)
			return 0;
	}
	return 0;
}

/*
 * Finds the `value:` beside `name:` in the same mapping: on the same line
 * in flow style, else on a following line at the key's column. Returns 1
 * with *val set when it is a scalar on its line, 0 when the pair has a
 * valueFrom: instead, -1 when the text cannot tell (no value: after the
 * name, or one spanning lines): then the YAML pass decides.
 */
static int sibling_value(const char *t, size_t len, const struct name *nm, size_t after, struct value *val)
{
	size_t p = after, le = line_end(t, len, after);

	if (nm->ctx == CTX_FLOW) {
		if (le - after > FLOW_PAIR_MAX)
			le = after + FLOW_PAIR_MAX;
		for (; p + 6 <= le; p++) {
			const char *m = memmem(t + p, le - p, "value", 5);
			if (!m)
				return -1;
			p = (size_t)(m - t);
			struct name vn;
			size_t sep = p + 5 + (p + 5 < le && t[p + 5] == '"');
			if (sep < le && t[sep] == ':' && find_name(t, len, sep, &vn) && vn.ctx == CTX_FLOW &&
			    name_is(t, &vn, "value")) {
				get_value(t, len, sep, &vn, val);
				return val->type == V_SCALAR ? 1 : -1;
			}
		}
		return -1;
	}
	for (int lines = 0; le < len && lines < ENV_PAIR_LINES; lines++) {
		size_t b = le + 1, ind = 0;
		le = line_end(t, len, b);
		while (b + ind < le && t[b + ind] == ' ')
			ind++;
		if (b + ind == trim_right(t, b + ind, le))
			continue;
		if (ind < nm->col || (ind == nm->col && t[b + ind] == '-'))
			break;
		if (ind > nm->col)
			continue;
		int r = value_key_at(t, len, b + ind, le, val);
		if (r != -2)
			return r;
	}
	return earlier_value(t, len, nm, val);
}

/*
 * `name: X` (not itself secret-named): X may be an env var whose `value:`
 * is secret (X secret-named) or a version (X version-named). Asks for the
 * YAML pass where the text cannot tell, and for every `kind: Secret`.
 */
static void scan_name_key(struct pii_scan *s, size_t sep, const struct name *nm)
{
	const char *t = s->text;
	struct value v, sib;
	int is_name = name_is(t, nm, "name");

	if ((nm->ctx != CTX_KEY && nm->ctx != CTX_FLOW) || (!is_name && !name_is(t, nm, "kind")))
		return;
	get_value(t, s->len, sep, nm, &v);
	if (v.type != V_SCALAR)
		return;
	if (!is_name) {
		if (v.e - v.s == 6 && !memcmp(t + v.s, "Secret", 6))
			s->need_yaml = 1;
		return;
	}
	for (size_t p = v.s; p < v.e; p++)
		if (!pii_isnamechar((unsigned char)t[p]))
			return; /* "Export version variable" names a step, not a variable */
	int secret = pii_name_is_secret(t + v.s, v.e - v.s);
	int version = pii_name_is_version(t + v.s, v.e - v.s);
	if (!secret && !version)
		return;
	int found = sibling_value(t, s->len, nm, v.e, &sib);
	if (found < 0 && secret)
		s->need_yaml = 1;
	if (found <= 0)
		return;
	if (secret && pii_value_is_literal(t + sib.s, sib.e - sib.s))
		pii_vec_push(&s->items, PII_SECRET_VALUE, sib.s, sib.e);
	else if (version)
		pii_vec_push(&s->versions, PII_IPV4, sib.s, sib.e);
}

void pii_scan_assign(struct pii_scan *s, size_t sep)
{
	const char *t = s->text;
	struct name nm;
	struct value v;

	if (sep < s->assign_done || !find_name(t, s->len, sep, &nm))
		return;
	if (!pii_name_is_secret(t + nm.s, nm.e - nm.s)) {
		if (t[sep] == ':')
			scan_name_key(s, sep, &nm);
		return;
	}
	get_value(t, s->len, sep, &nm, &v);
	if (v.type == V_BLOCK) {
		size_t bs, be;
		if (!block_content(t, s->len, v.e, nm.col, &bs, &be))
			return;
		v.s = bs, v.e = be;
	} else if (v.type == V_NEXT) {
		size_t first, last = continuation(t, s->len, v.e, nm.col, &first);
		if (!last)
			return;
		v.s = first, v.e = last;
	} else if (v.type != V_SCALAR) {
		return;
	}
	s->assign_done = v.e;
	if (pii_value_is_literal(t + v.s, v.e - v.s))
		pii_vec_push(&s->items, PII_SECRET_VALUE, v.s, v.e);
}
