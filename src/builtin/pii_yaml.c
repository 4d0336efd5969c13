/*
 * The rules that need the YAML structure (pii-rules.md rules 9 and 10, and
 * the version exception of rule 1), run over libyaml's event stream:
 *   - every scalar under data:/stringData: of a mapping with kind: Secret
 *     (any depth, so List items count; any scalar style, block scalars too);
 *   - the value of a secret-named key, whatever its style;
 *   - the value: of a mapping whose name: is secret-named (env pairs);
 *   - the item after a secret-named "--flag" in a sequence;
 *   - values of version-named keys, env pairs and flags, where a dotted
 *     quad is a version, not an address.
 * Event marks count characters, not bytes, so they are mapped back to byte
 * offsets by walking the UTF-8 text (libyaml only accepts valid UTF-8).
 * Only documents that parse to their end contribute items.
 */
#include "builtin/pii.h"

#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "util/xalloc.h"

/* Deeper nesting than this is hostile: the pass gives up (the text rules stay). */
#define MAX_DEPTH 10000

/* What a mapping key names. */
enum {
	KEY_SECRET = 1,  /* secret-named: its scalar value is a secret_value */
	KEY_VERSION = 2, /* version-named: dotted quads in its value are versions */
	KEY_DATA = 4,    /* data or stringData */
	KEY_KIND = 8,    /* kind */
	KEY_NAME = 16,   /* name (of an env pair) */
	KEY_VALUE = 32,  /* value (of an env pair) */
};

/* One open mapping or sequence. */
struct yframe {
	unsigned char is_map;      /* a mapping (else a sequence) */
	unsigned char want_value;  /* map: a key was read, the next node is its value */
	unsigned char key;         /* map: KEY_* bits of the key whose value comes next */
	unsigned char in_data;     /* inside the value of a data:/stringData: key */
	unsigned char is_secret;   /* map: has kind: Secret */
	unsigned char name_bits;   /* map: its name: is secret-named (1), version-named (2) */
	unsigned char has_value;   /* map: its value: was a scalar, held in value_s/value_e */
	unsigned char value_lit;   /* map: that value is literal */
	unsigned char flag_bits;   /* seq: the previous item was a secret-named (1), version-named (2) --flag */
	unsigned char is_key;      /* this collection is a (complex) mapping key */
	size_t pending;            /* map: pending.n when it opened */
	size_t value_s, value_e;   /* map: byte range of its value: scalar */
};

/* The state of one pass. */
struct ypass {
	struct pii_scan *s;        /* the text, and where items go */
	struct yframe *stack;      /* open collections, innermost last */
	size_t depth, alloc;       /* frames in use, allocated */
	struct pii_vec pending;    /* data values waiting for their mapping to end */
	struct pii_vec items;      /* items of the current document */
	struct pii_vec versions;   /* version ranges of the current document */
	int ascii;                 /* the text is ASCII: character index = byte offset */
	size_t base;               /* bytes before character 0 (a UTF-8 BOM) */
	size_t ch, byte;           /* a known pair (character index, byte offset) */
};

/* Byte offset of character index idx (moving a cursor: marks mostly increase). */
static size_t mark_byte(struct ypass *y, size_t idx)
{
	const unsigned char *t = (const unsigned char *)y->s->text;
	size_t len = y->s->len;

	if (y->ascii)
		return y->base + idx < len ? y->base + idx : len;
	while (y->ch < idx && y->byte < len) {
		y->byte++;
		while (y->byte < len && (t[y->byte] & 0xC0) == 0x80)
			y->byte++;
		y->ch++;
	}
	while (y->ch > idx && y->byte > y->base) {
		y->byte--;
		while (y->byte > y->base && (t[y->byte] & 0xC0) == 0x80)
			y->byte--;
		y->ch--;
	}
	return y->byte;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * The bytes a scalar's value occupies: past its anchor and tag, inside its
 * quotes, or (block scalar) from the first to the last non-blank byte of the
 * lines after the indicator. Returns 0 when that is empty.
 */
static int scalar_range(struct ypass *y, const yaml_event_t *ev, size_t *s, size_t *e)
{
	const char *t = y->s->text;
	size_t a = mark_byte(y, ev->start_mark.index), b = mark_byte(y, ev->end_mark.index);

	while (a < b && (t[a] == '&' || t[a] == '!')) {
		while (a < b && !is_space(t[a]))
			a++;
		while (a < b && is_space(t[a]))
			a++;
	}
	switch (ev->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		if (a < b && (t[a] == '"' || t[a] == '\''))
			a++;
		if (b > a && (t[b - 1] == '"' || t[b - 1] == '\''))
			b--;
		break;
	case YAML_LITERAL_SCALAR_STYLE:
	case YAML_FOLDED_SCALAR_STYLE: {
		const char *nl = memchr(t + a, '\n', b - a);
		if (!nl)
			return 0;
		a = (size_t)(nl + 1 - t);
		while (a < b && is_space(t[a]))
			a++;
		while (b > a && is_space(t[b - 1]))
			b--;
		break;
	}
	default:
		break;
	}
	*s = a, *e = b;
	return b > a;
}

static struct yframe *top(struct ypass *y)
{
	return y->depth ? &y->stack[y->depth - 1] : NULL;
}

static int key_bits(const char *k, size_t n)
{
	int bits = 0;

	if (pii_name_is_secret(k, n))
		bits |= KEY_SECRET;
	if (pii_name_is_version(k, n))
		bits |= KEY_VERSION;
	if ((n == 4 && !memcmp(k, "data", 4)) || (n == 10 && !memcmp(k, "stringData", 10)))
		bits |= KEY_DATA;
	if (n == 4 && !memcmp(k, "kind", 4))
		bits |= KEY_KIND;
	if (n == 4 && !memcmp(k, "name", 4))
		bits |= KEY_NAME;
	if (n == 5 && !memcmp(k, "value", 5))
		bits |= KEY_VALUE;
	return bits;
}

/* A node (scalar, alias or collection) that was a value has ended. */
static void value_done(struct yframe *f)
{
	if (!f)
		return;
	if (f->is_map)
		f->want_value = 0, f->key = 0;
	else
		f->flag_bits = 0;
}

/* Whether a collection opening now sits inside Secret data. */
static int opens_in_data(const struct yframe *f)
{
	return f && (f->in_data || (f->is_map && f->want_value && (f->key & KEY_DATA)));
}

static int open_collection(struct ypass *y, int is_map)
{
	struct yframe *parent = top(y), f;

	if (y->depth >= MAX_DEPTH)
		return -1;
	memset(&f, 0, sizeof(f));
	f.is_map = (unsigned char)is_map;
	f.in_data = (unsigned char)opens_in_data(parent);
	f.is_key = parent && parent->is_map && !parent->want_value;
	f.pending = y->pending.n;
	ARRAY_GROW(y->stack, y->alloc, y->depth + 1);
	y->stack[y->depth++] = f;
	return 0;
}

/* A mapping ends: a Secret keeps its data values; an env pair is decided. */
static void close_map(struct ypass *y, const struct yframe *f)
{
	if (!f->in_data) {
		for (size_t i = f->pending; f->is_secret && i < y->pending.n; i++)
			pii_vec_push(&y->items, PII_K8S_SECRET_DATA, y->pending.v[i].start, y->pending.v[i].end);
		y->pending.n = f->pending;
	}
	if (!f->has_value)
		return;
	if ((f->name_bits & 1) && f->value_lit)
		pii_vec_push(&y->items, PII_SECRET_VALUE, f->value_s, f->value_e);
	if (f->name_bits & 2)
		pii_vec_push(&y->versions, PII_IPV4, f->value_s, f->value_e);
}

static void close_collection(struct ypass *y)
{
	if (!y->depth)
		return;
	struct yframe f = y->stack[--y->depth];
	if (f.is_map)
		close_map(y, &f);
	if (f.is_key)
		top(y)->want_value = 1, top(y)->key = 0;
	else
		value_done(top(y));
}

/* A scalar's value is literal (plain code such as os.environ["X"] is not). */
static int scalar_is_literal(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;

	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && pii_value_is_code(v, n))
		return 0;
	return pii_value_is_literal(v, n);
}

/* A scalar value in mapping f, under key bits f->key. */
static void map_value(struct ypass *y, struct yframe *f, const yaml_event_t *ev, size_t s, size_t e, int has)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	int key = f->key;

	if (!has)
		return;
	if ((key & KEY_SECRET) && scalar_is_literal(ev))
		pii_vec_push(&y->items, PII_SECRET_VALUE, s, e);
	if (key & KEY_VERSION)
		pii_vec_push(&y->versions, PII_IPV4, s, e);
	if ((key & KEY_KIND) && n == 6 && !memcmp(v, "Secret", 6))
		f->is_secret = 1;
	if (key & KEY_NAME)
		f->name_bits = (unsigned char)(pii_name_is_secret(v, n) | (pii_name_is_version(v, n) << 1));
	if (key & KEY_VALUE) {
		f->has_value = 1;
		f->value_s = s, f->value_e = e;
		f->value_lit = (unsigned char)scalar_is_literal(ev);
	}
}

/*
 * An option given as its own list item, its value in the next one: 1 when
 * secret-named (--db-password, -api-key), 2 when version-named (--tag).
 */
static int flag_bits(const char *v, size_t n)
{
	if (n < 2 || v[0] != '-' || memchr(v, '=', n))
		return 0;
	return pii_name_is_secret(v, n) | (pii_name_is_version(v, n) << 1);
}

static void scalar(struct ypass *y, const yaml_event_t *ev)
{
	struct yframe *f = top(y);
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length, s = 0, e = 0;

	if (!f)
		return;
	if (f->is_map && !f->want_value) {
		f->key = f->in_data ? 0 : (unsigned char)key_bits(v, n);
		f->want_value = 1;
		return;
	}
	int wanted = f->in_data || (f->is_map ? f->key != 0 : f->flag_bits != 0);
	int has = wanted && scalar_range(y, ev, &s, &e);
	if (has && (f->in_data || (f->is_map && (f->key & KEY_DATA))) && !pii_value_is_redacted(v, n))
		pii_vec_push(&y->pending, PII_K8S_SECRET_DATA, s, e);
	if (f->is_map) {
		map_value(y, f, ev, s, e, has);
	} else {
		if (has && (f->flag_bits & 1) && v[0] != '-' && scalar_is_literal(ev))
			pii_vec_push(&y->items, PII_SECRET_VALUE, s, e);
		if (has && (f->flag_bits & 2))
			pii_vec_push(&y->versions, PII_IPV4, s, e);
		f->flag_bits = (unsigned char)flag_bits(v, n);
		return;
	}
	value_done(f);
}

static void vec_move(struct pii_vec *to, struct pii_vec *from)
{
	for (size_t i = 0; i < from->n; i++)
		pii_vec_push(to, from->v[i].kind, from->v[i].start, from->v[i].end);
	from->n = 0;
}

/* Handles one event; returns 1 at the end of the stream, -1 to give up. */
static int event(struct ypass *y, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		return 1;
	case YAML_DOCUMENT_START_EVENT:
		y->depth = 0;
		y->pending.n = y->items.n = y->versions.n = 0;
		break;
	case YAML_DOCUMENT_END_EVENT:
		vec_move(&y->s->items, &y->items);
		vec_move(&y->s->yaml_versions, &y->versions);
		break;
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT:
		return open_collection(y, ev->type == YAML_MAPPING_START_EVENT);
	case YAML_MAPPING_END_EVENT:
	case YAML_SEQUENCE_END_EVENT:
		close_collection(y);
		break;
	case YAML_SCALAR_EVENT:
		scalar(y, ev);
		break;
	case YAML_ALIAS_EVENT: {
		struct yframe *f = top(y);
		if (f && f->is_map && !f->want_value)
			f->want_value = 1;
		else
			value_done(f);
		break;
	}
	default:
		break;
	}
	return 0;
}

static int is_ascii(const char *t, size_t len)
{
	unsigned char acc = 0;
	for (size_t i = 0; i < len; i++)
		acc |= (unsigned char)t[i];
	return acc < 0x80;
}

void pii_scan_yaml(struct pii_scan *s)
{
	struct ypass y;
	yaml_parser_t parser;
	const unsigned char *t = (const unsigned char *)s->text;

	s->yaml_failed = 1; /* until the stream ends */
	if (s->len >= 2 && ((t[0] == 0xFE && t[1] == 0xFF) || (t[0] == 0xFF && t[1] == 0xFE)))
		return; /* UTF-16: the marks would not map to these bytes */
	memset(&y, 0, sizeof(y));
	y.s = s;
	y.base = s->len >= 3 && t[0] == 0xEF && t[1] == 0xBB && t[2] == 0xBF ? 3 : 0;
	y.ascii = is_ascii(s->text + y.base, s->len - y.base);
	y.byte = y.base;
	if (!yaml_parser_initialize(&parser))
		return;
	yaml_parser_set_input_string(&parser, t, s->len);
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev))
			break;
		int r = event(&y, &ev);
		yaml_event_delete(&ev);
		if (r) {
			s->yaml_failed = r < 0;
			break;
		}
	}
	yaml_parser_delete(&parser);
	free(y.stack);
	pii_vec_release(&y.pending);
	pii_vec_release(&y.items);
	pii_vec_release(&y.versions);
}
