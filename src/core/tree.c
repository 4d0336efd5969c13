#include "core/tree.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/xalloc.h"

void tree_add(struct tree *t, const char *path, const char *hex, uint64_t size, int exec)
{
	struct tree_entry *e;

	ARRAY_GROW(t->entries, t->alloc, t->n + 1);
	e = &t->entries[t->n++];
	e->path = strpool_add(&t->pool, path);
	if (hex)
		memcpy(e->hex, hex, HASH_HEX_LEN + 1);
	else
		e->hex[0] = '\0';
	e->size = size;
	e->exec = !!exec;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tree_entry *)a)->path, ((const struct tree_entry *)b)->path);
}

void tree_sort(struct tree *t)
{
	if (t->n > 1)
		qsort(t->entries, t->n, sizeof(*t->entries), entry_cmp);
}

void tree_release(struct tree *t)
{
	free(t->entries);
	strpool_release(&t->pool);
	t->entries = NULL;
	t->n = t->alloc = 0;
}

uint64_t tree_total_size(const struct tree *t)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < t->n; i++)
		sum += t->entries[i].size;
	return sum;
}

const struct tree_entry *tree_find(const struct tree *t, const char *path)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->entries[mid].path, path);
		if (!c)
			return &t->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* 1 for the bytes a JSON string must escape: '"', '\\' and control
 * characters. (strcspn with 33 rejected bytes builds its table on every
 * call: 0.5 ms of serialising a 10,000-file manifest.) */
static const unsigned char json_escaped[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['"'] = 1, ['\\'] = 1,
};

/* JSON string body: only '"', '\\' and control characters need escaping
 * (and control characters never pass tree_parse or the walk). */
static void add_json_string(struct strbuf *sb, const char *s)
{
	for (;;) {
		size_t n = 0;
		while (s[n] && !json_escaped[(unsigned char)s[n]])
			n++;
		strbuf_add(sb, s, n);
		s += n;
		if (!*s)
			return;
		unsigned char c = (unsigned char)*s++;
		if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, c);
		} else {
			strbuf_addf(sb, "\\u%04x", c);
		}
	}
}

static void add_u64(struct strbuf *sb, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	strbuf_grow(sb, (size_t)n);
	while (n)
		sb->buf[sb->len++] = tmp[--n];
	sb->buf[sb->len] = '\0';
}

typedef void (*tree_sink)(void *ctx, const char *data, size_t len);

/* Appends entry number n (from 0) of a manifest: the one place that knows
 * the byte format, with tree_emit's brackets. The state's directory ids
 * rely on it (a change must change WALK_KEY_TAG in walk.c). */
static void add_entry(struct strbuf *sb, size_t n, const char *path, const char *hex, uint64_t size, int exec)
{
#define ADD_LITERAL(sb, s) strbuf_add(sb, s, sizeof(s) - 1)
	if (n)
		strbuf_addch(sb, ',');
	ADD_LITERAL(sb, "{\"path\":\"");
	add_json_string(sb, path);
	ADD_LITERAL(sb, "\",\"sha256\":\"");
	strbuf_add(sb, hex, HASH_HEX_LEN);
	ADD_LITERAL(sb, "\",\"size\":");
	add_u64(sb, size);
	if (exec)
		ADD_LITERAL(sb, ",\"exec\":true}");
	else
		ADD_LITERAL(sb, ",\"exec\":false}");
#undef ADD_LITERAL
}

/* Produces the canonical serialisation in pieces of about 64 KiB, handing
 * each to sink. */
static void tree_emit(const struct tree *t, tree_sink sink, void *ctx)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_grow(&sb, 70000);
	strbuf_addch(&sb, '[');
	for (size_t i = 0; i < t->n; i++) {
		const struct tree_entry *e = &t->entries[i];
		add_entry(&sb, i, e->path, e->hex, e->size, e->exec);
		if (sb.len >= 65536) {
			sink(ctx, sb.buf, sb.len);
			strbuf_reset(&sb);
		}
	}
	strbuf_addch(&sb, ']');
	sink(ctx, sb.buf, sb.len);
	strbuf_release(&sb);
}

void tree_idstream_begin(struct tree_idstream *s, struct strbuf *copy)
{
	s->copy = copy;
	hash_stream_init(&s->hs);
	strbuf_init(&s->buf, 70000);
	strbuf_addch(&s->buf, '[');
	s->n = s->size = 0;
}

void tree_idstream_add(struct tree_idstream *s, const char *path, const char *hex, uint64_t size, int exec)
{
	add_entry(&s->buf, s->n++, path, hex, size, exec);
	s->size += size;
	if (s->buf.len >= 65536) {
		hash_stream_update(&s->hs, s->buf.buf, s->buf.len);
		if (s->copy)
			strbuf_addbuf(s->copy, &s->buf);
		strbuf_reset(&s->buf);
	}
}

void tree_idstream_end(struct tree_idstream *s, char id[HASH_ID_MAX])
{
	strbuf_addch(&s->buf, ']');
	hash_stream_update(&s->hs, s->buf.buf, s->buf.len);
	if (s->copy)
		strbuf_addbuf(s->copy, &s->buf);
	hash_stream_final(&s->hs, id);
	memcpy(id + HASH_HEX_LEN, ".dir", 5);
	strbuf_release(&s->buf);
}

static void sink_strbuf(void *ctx, const char *data, size_t len)
{
	strbuf_add(ctx, data, len);
}

static void sink_hash(void *ctx, const char *data, size_t len)
{
	hash_stream_update(ctx, data, len);
}

void tree_serialize(const struct tree *t, struct strbuf *out)
{
	tree_emit(t, sink_strbuf, out);
}

void tree_id(const struct tree *t, char id[HASH_ID_MAX])
{
	struct hash_stream hs;

	hash_stream_init(&hs);
	tree_emit(t, sink_hash, &hs);
	hash_stream_final(&hs, id);
	memcpy(id + HASH_HEX_LEN, ".dir", 5);
}

void path_quote(struct strbuf *sb, const char *path)
{
	path_quote_len(sb, path, strlen(path));
}

void path_quote_len(struct strbuf *sb, const char *path, size_t len)
{
	for (const unsigned char *p = (const unsigned char *)path; p < (const unsigned char *)path + len; p++) {
		if (*p == '\n')
			strbuf_addstr(sb, "\\n");
		else if (*p == '\t')
			strbuf_addstr(sb, "\\t");
		else if (*p == '\\')
			strbuf_addstr(sb, "\\\\");
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_addf(sb, "\\x%02x", *p);
		else
			strbuf_addch(sb, *p);
	}
}

/* Why a manifest path is unacceptable, or NULL when it is a normalised
 * relative path. */
static const char *path_problem(const char *p)
{
	if (!*p)
		return "an empty path";
	if (*p == '/')
		return "an absolute path";
	for (const char *c = p; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return "a control character in its path";
	for (const char *c = p; ; ) {
		const char *e = strchrnul(c, '/');
		size_t n = (size_t)(e - c);
		if (n == 0)
			return "an empty path component";
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return "a '.' or '..' path component";
		if (!*e)
			return NULL;
		c = e + 1;
	}
}

/* Reports a bad entry: "corrupt manifest 'NAME': entry N (PATH) has WHY". */
static int bad_entry(const char *name, size_t i, const char *path, const char *why)
{
	struct strbuf q = STRBUF_INIT;

	if (path)
		path_quote(&q, path);
	error("corrupt manifest '%s': entry %zu%s%s%s %s", name, i + 1,
	      path ? " ('" : "", q.buf, path ? "') has" : "", why);
	strbuf_release(&q);
	return -1;
}

/* Adds one parsed JSON entry after checking its fields; -1 reported. */
static int parse_entry(const cJSON *item, size_t i, const char *name, struct tree *t)
{
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(item, "path");
	const cJSON *sha = cJSON_GetObjectItemCaseSensitive(item, "sha256");
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(item, "size");
	const cJSON *exec = cJSON_GetObjectItemCaseSensitive(item, "exec");
	const char *why;

	if (!cJSON_IsObject(item) || !cJSON_IsString(path) || !cJSON_IsString(sha) ||
	    !cJSON_IsNumber(size) || !cJSON_IsBool(exec))
		return bad_entry(name, i, NULL, "is not {\"path\",\"sha256\",\"size\",\"exec\"}");
	if ((why = path_problem(path->valuestring)))
		return bad_entry(name, i, path->valuestring, why);
	if (strlen(sha->valuestring) != HASH_HEX_LEN || !hash_id_valid(sha->valuestring))
		return bad_entry(name, i, path->valuestring, "an invalid sha256");
	double d = size->valuedouble;
	if (!(d >= 0 && d < 9007199254740992.0) || d != (double)(uint64_t)d)
		return bad_entry(name, i, path->valuestring, "an invalid size");
	if (t->n) {
		int c = strcmp(t->entries[t->n - 1].path, path->valuestring);
		if (c == 0)
			return bad_entry(name, i, path->valuestring, "a duplicate path");
		if (c > 0)
			return bad_entry(name, i, path->valuestring, "a path out of order");
	}
	tree_add(t, path->valuestring, sha->valuestring, (uint64_t)d, cJSON_IsTrue(exec));
	return 0;
}

/* A file "a" and a file "a/b" cannot both exist: check every directory
 * prefix of every path against the (sorted) file list. */
static int check_prefixes(const struct tree *t, const char *name)
{
	struct strbuf pre = STRBUF_INIT;
	int ret = 0;

	for (size_t i = 0; i < t->n && !ret; i++) {
		const char *p = t->entries[i].path;
		for (const char *s = strchr(p, '/'); s && !ret; s = strchr(s + 1, '/')) {
			strbuf_reset(&pre);
			strbuf_add(&pre, p, (size_t)(s - p));
			if (tree_find(t, pre.buf))
				ret = bad_entry(name, i, p, "a parent that is also listed as a file");
		}
	}
	strbuf_release(&pre);
	return ret;
}

struct cmp_ctx {
	const char *buf; /* the text being checked */
	size_t len, off; /* its length / bytes matched so far */
	int differ;      /* 1 once a byte differed */
};

static void sink_compare(void *ctx, const char *data, size_t len)
{
	struct cmp_ctx *c = ctx;

	if (c->differ || c->len - c->off < len || memcmp(c->buf + c->off, data, len))
		c->differ = 1;
	else
		c->off += len;
}

int tree_parse(const char *buf, size_t len, const char *name, struct tree *t)
{
	const char *end = NULL;
	cJSON *json = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	const cJSON *item;
	size_t i = 0;
	int ret = 0;

	if (!json || !cJSON_IsArray(json) || end != buf + len) {
		cJSON_Delete(json);
		return error("corrupt manifest '%s': not a JSON array", name);
	}
	cJSON_ArrayForEach(item, json) {
		if ((ret = parse_entry(item, i++, name, t)) < 0)
			break;
	}
	cJSON_Delete(json);
	if (!ret)
		ret = check_prefixes(t, name);
	if (!ret) {
		struct cmp_ctx c = { buf, len, 0, 0 };
		tree_emit(t, sink_compare, &c);
		if (c.differ || c.off != len)
			ret = error("corrupt manifest '%s': not in canonical form", name);
	}
	if (ret)
		tree_release(t);
	return ret;
}
