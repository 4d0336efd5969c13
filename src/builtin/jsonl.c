#include "builtin/jsonl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/xalloc.h"

/* Lines are collected and written in blocks this large. */
#define FLUSH_AT (1u << 20)

/*
 * cJSON prints compact JSON without spaces; this adds one after every ':'
 * and ',' that lies outside a string. Inside a string a '"' is either the
 * closing quote or escaped as \", so tracking backslashes is enough.
 */
static void add_separators(const char *s, struct strbuf *out)
{
	int in_str = 0;
	const char *run = s;

	strbuf_grow(out, strlen(s) + 64);
	for (const char *c = s; *c; c++) {
		if (in_str) {
			if (*c == '\\')
				c++;
			else if (*c == '"')
				in_str = 0;
			continue;
		}
		if (*c == '"') {
			in_str = 1;
		} else if (*c == ':' || *c == ',') {
			strbuf_add(out, run, (size_t)(c - run) + 1);
			strbuf_addch(out, ' ');
			run = c + 1;
		}
	}
	strbuf_addstr(out, run);
}

void json_print_compact(const cJSON *obj, struct strbuf *out)
{
	char *s = cJSON_PrintUnformatted(obj);

	if (!s)
		die_oom();
	add_separators(s, out);
	cJSON_free(s);
}

/* Appends a scalar (or an empty container) as cJSON prints it. */
static void print_leaf(const cJSON *v, struct strbuf *out)
{
	char *s = cJSON_PrintUnformatted(v);

	if (!s)
		die_oom();
	strbuf_addstr(out, s);
	cJSON_free(s);
}

void json_pretty(const cJSON *v, int depth, struct strbuf *out)
{
	const cJSON *c;

	if ((!cJSON_IsObject(v) && !cJSON_IsArray(v)) || !v->child) {
		print_leaf(v, out);
		return;
	}
	strbuf_addch(out, cJSON_IsObject(v) ? '{' : '[');
	for (c = v->child; c; c = c->next) {
		strbuf_addch(out, '\n');
		strbuf_addchars(out, ' ', 2 * (size_t)(depth + 1));
		if (cJSON_IsObject(v)) {
			cJSON *key = cJSON_CreateStringReference(c->string);
			print_leaf(key, out);
			cJSON_Delete(key);
			strbuf_addstr(out, ": ");
		}
		json_pretty(c, depth + 1, out);
		if (c->next)
			strbuf_addch(out, ',');
	}
	strbuf_addch(out, '\n');
	strbuf_addchars(out, ' ', 2 * (size_t)depth);
	strbuf_addch(out, cJSON_IsObject(v) ? '}' : ']');
}

int json_write_file(const char *path, const cJSON *obj)
{
	struct strbuf sb = STRBUF_INIT;

	json_pretty(obj, 0, &sb);
	strbuf_addch(&sb, '\n');
	int r = -1;
	if (mkdir_parent(path) < 0)
		error("cannot create the directory of '%s':", path);
	else
		r = write_file_atomic(path, sb.buf, sb.len, 0644);
	strbuf_release(&sb);
	return r;
}

int jsonl_open(struct jsonl_writer *w, const char *path)
{
	strbuf_init(&w->buf, 0);
	w->lines = 0;
	w->failed = 0;
	w->af.fd = -1;
	w->af.path = w->af.tmp_path = NULL;
	if (mkdir_parent(path) < 0)
		return error("cannot create the directory of '%s':", path);
	return atomic_open(&w->af, path, 0644);
}

static int flush(struct jsonl_writer *w)
{
	if (!w->failed && w->buf.len && atomic_write(&w->af, w->buf.buf, w->buf.len) < 0)
		w->failed = 1;
	strbuf_reset(&w->buf);
	return w->failed ? -1 : 0;
}

int jsonl_write_line(struct jsonl_writer *w, const char *line, size_t len)
{
	strbuf_add(&w->buf, line, len);
	strbuf_addch(&w->buf, '\n');
	w->lines++;
	return w->buf.len >= FLUSH_AT ? flush(w) : (w->failed ? -1 : 0);
}

int jsonl_write(struct jsonl_writer *w, const cJSON *obj)
{
	json_print_compact(obj, &w->buf);
	strbuf_addch(&w->buf, '\n');
	w->lines++;
	return w->buf.len >= FLUSH_AT ? flush(w) : (w->failed ? -1 : 0);
}

int jsonl_commit(struct jsonl_writer *w)
{
	int r = flush(w);

	strbuf_release(&w->buf);
	if (r < 0) {
		atomic_abort(&w->af);
		return -1;
	}
	return atomic_commit(&w->af);
}

void jsonl_abort(struct jsonl_writer *w)
{
	strbuf_release(&w->buf);
	if (w->af.tmp_path)
		atomic_abort(&w->af);
}

int jsonl_reader_open(struct jsonl_reader *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	r->f = fopen(path, "rb");
	if (!r->f)
		return error("cannot open '%s':", path);
	r->path = xstrdup(path);
	return 0;
}

int jsonl_next(struct jsonl_reader *r)
{
	for (;;) {
		errno = 0;
		ssize_t n = getline(&r->line, &r->cap, r->f);
		if (n < 0) {
			if (ferror(r->f))
				return error("cannot read '%s':", r->path);
			return 0;
		}
		r->lineno++;
		if (n && r->line[n - 1] == '\n')
			r->line[--n] = '\0';
		if (n && r->line[n - 1] == '\r')
			r->line[--n] = '\0';
		if (!n)
			continue;
		r->len = (size_t)n;
		return 1;
	}
}

void jsonl_reader_close(struct jsonl_reader *r)
{
	if (r->f)
		fclose(r->f);
	free(r->line);
	free(r->path);
	memset(r, 0, sizeof(*r));
}
