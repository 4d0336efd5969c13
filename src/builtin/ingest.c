/*
 * repro builtin ingest: raw manifests from a directory, an archive or an
 * archive's URL into JSONL records {path, repo, license, size, hexsha,
 * content}, sorted by path, deduplicated by git blob id, optionally sampled.
 *
 * Contents stream into an anonymous scratch file as they arrive; only a small
 * index (path, size, blob id, offset) stays in memory, and the output is
 * written from the scratch file in sorted order at the end. So memory stays
 * flat however large the source, and the output does not depend on the order
 * in which an archive lists its entries.
 */
#include <fnmatch.h>
#include <malloc.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "builtin/arena.h"
#include "builtin/blobsha.h"
#include "builtin/builtin.h"
#include "builtin/httpstream.h"
#include "builtin/jsonl.h"
#include "builtin/license.h"
#include "builtin/manifest_tsv.h"
#include "builtin/params.h"
#include "builtin/prng.h"
#include "builtin/source.h"
#include "builtin/spill.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char *const known_keys[] = { "source", "include", "max_records", "seed",
					  "max_file_size", NULL };
static const char *const default_include[] = { "*.yaml", "*.yml", "*.yaml.*", "*.yml.*", NULL };

/* One file in the index: kept small, as ingest holds one per file. */
struct entry {
	const char *path;       /* path in the source (in paths); after sort_paths, relative to the root */
	off_t off;              /* where the content starts in the scratch file */
	uint32_t size;          /* content bytes (max_file_size is at most 1 GiB) */
	unsigned char id[20];   /* git blob id */
	unsigned char drop;     /* a duplicate, or left out of the sample */
};

/* A MANIFEST.tsv or LICENSE file at the top of the source (or of its top directory). */
struct capture {
	char *dir;          /* its directory: "" or the archive's top directory */
	int rank;           /* -1 for MANIFEST.tsv, else license_file_rank() */
	struct strbuf text; /* its content */
};

struct ingest {
	const char *source;         /* directory, archive or URL */
	enum source_kind kind;      /* which of them */
	struct strlist include;     /* base-name globs of the files to ingest */
	long max_records;           /* sample size; 0 keeps every file */
	long seed;                  /* sampling seed */
	long max_file_size;         /* larger files are skipped */
	struct spill spill;         /* the contents, in arrival order */
	struct entry *v;            /* the index */
	struct arena paths;         /* the index's paths */
	size_t n, alloc;            /* entries in v, slots allocated */
	struct capture *caps;       /* MANIFEST.tsv and LICENSE files found */
	size_t ncaps, caps_alloc;   /* captures, slots allocated */
	char *top;                  /* the first path component common to all entries so far */
	int mixed_top;              /* entries differ in their first component, or one is at the top */
	size_t binary;              /* skipped: NUL bytes or invalid UTF-8 */
};

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* Keeps track of whether every entry lives under one top directory. */
static void note_top(struct ingest *g, const char *path)
{
	const char *slash = strchr(path, '/');

	if (g->mixed_top)
		return;
	if (!slash) {
		g->mixed_top = 1;
		return;
	}
	size_t n = (size_t)(slash - path);
	if (!g->top)
		g->top = xstrndup(path, n);
	else if (strlen(g->top) != n || strncmp(g->top, path, n))
		g->mixed_top = 1;
}

/* -2: not a capture; -1: a MANIFEST.tsv; >= 0: a license file's rank. */
static int capture_rank(const char *path)
{
	const char *slash = strchr(path, '/');

	if (slash && strchr(slash + 1, '/'))
		return -2; /* deeper than the top directory */
	const char *base = base_name(path);
	if (!strcmp(base, "MANIFEST.tsv"))
		return -1;
	int r = license_file_rank(base);
	return r >= 0 ? r : -2;
}

static int included(const struct ingest *g, const char *path)
{
	const char *base = base_name(path);

	for (int i = 0; i < g->include.n; i++)
		if (!fnmatch(g->include.items[i], base, 0))
			return 1;
	return 0;
}

static int want(void *arg, const char *path)
{
	struct ingest *g = arg;

	note_top(g, path);
	return capture_rank(path) != -2 || included(g, path);
}

/* Valid UTF-8 without NUL bytes: what a JSON string can carry unchanged. */
static int is_text(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
			 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (!c || !n || i + n > len || (n == 2 && c < 0xc2) || (n == 4 && c > 0xf4))
			return 0;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		if (n == 3) {
			unsigned cp = ((c & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6);
			if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))
				return 0; /* overlong, or a surrogate */
		}
		if (n == 4 && ((c == 0xf0 && s[i + 1] < 0x90) || (c == 0xf4 && s[i + 1] >= 0x90)))
			return 0;
		i += n;
	}
	return 1;
}

static void capture(struct ingest *g, const struct source_file *f, int rank)
{
	const char *slash = strchr(f->path, '/');

	ARRAY_GROW(g->caps, g->caps_alloc, g->ncaps + 1);
	struct capture *c = &g->caps[g->ncaps++];
	c->dir = slash ? xstrndup(f->path, (size_t)(slash - f->path)) : xstrdup("");
	c->rank = rank;
	strbuf_init(&c->text, f->len);
	strbuf_add(&c->text, f->data, f->len);
}

static int take(void *arg, const struct source_file *f)
{
	struct ingest *g = arg;
	int rank = capture_rank(f->path);

	if (rank != -2)
		capture(g, f, rank);
	if (!included(g, f->path))
		return 0;
	if (!is_text((const unsigned char *)f->data, f->len)) {
		log_msg(LOG_WARNING, "ingest", "skipping '%s': not UTF-8 text", f->path);
		g->binary++;
		return 0;
	}
	ARRAY_GROW(g->v, g->alloc, g->n + 1);
	struct entry *e = &g->v[g->n];
	memset(e, 0, sizeof(*e));
	if (blob_id(f->data, f->len, e->id) < 0 ||
	    spill_append(&g->spill, f->data, f->len, &e->off) < 0)
		return -1;
	e->path = arena_strndup(&g->paths, f->path, strlen(f->path));
	e->size = (uint32_t)f->len;
	g->n++;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

/* Sorts index pointers by blob id, then by position (so the first path wins). */
static int by_sha(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a, *y = *(struct entry *const *)b;
	int c = memcmp(x->id, y->id, 20);
	return c ? c : (x < y ? -1 : x > y);
}

/* A file's place in the sampling order, and the file. */
struct ranked {
	uint64_t rank;    /* mix64(first 64 bits of the blob id ^ mix64(seed)) */
	struct entry *e;  /* the file */
};

static int by_rank(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->e < y->e ? -1 : x->e > y->e;
}

/* Cuts the archive's top directory from every path and sorts by path. */
static void sort_paths(struct ingest *g, const char *root)
{
	size_t cut = *root ? strlen(root) + 1 : 0;

	for (size_t i = 0; i < g->n; i++)
		g->v[i].path += cut; /* every path starts with root + '/' */
	qsort(g->v, g->n, sizeof(*g->v), by_path);
	for (size_t i = 1; i < g->n; i++)
		if (!strcmp(g->v[i].path, g->v[i - 1].path) && !g->v[i].drop) {
			log_msg(LOG_WARNING, "ingest", "'%s' appears twice in the source; keeping the first",
				g->v[i].path);
			g->v[i].drop = 1;
		}
}

/* Marks every file whose content an earlier path already has. Returns how many. */
static size_t dedupe(struct ingest *g)
{
	struct entry **p = xcalloc(g->n + 1, sizeof(*p));
	size_t dups = 0;

	for (size_t i = 0; i < g->n; i++)
		p[i] = &g->v[i];
	qsort(p, g->n, sizeof(*p), by_sha);
	for (size_t i = 1; i < g->n; i++)
		if (!memcmp(p[i]->id, p[i - 1]->id, 20) && !p[i]->drop) {
			p[i]->drop = 1;
			dups++;
		}
	free(p);
	return dups;
}

/*
 * Keeps the max_records files of smallest rank, rank = mix64(first 64 bits
 * of hexsha XOR mix64(seed)): a fixed pseudo-random order that depends only
 * on the seed and each file's content, so adding files to the source changes
 * the sample only where the new files rank in.
 */
static void sample(struct ingest *g, size_t kept)
{
	if (g->max_records <= 0 || kept <= (size_t)g->max_records)
		return;
	struct ranked *p = xcalloc(kept + 1, sizeof(*p));
	size_t k = 0;
	uint64_t s = mix64((uint64_t)g->seed);

	for (size_t i = 0; i < g->n; i++) {
		if (g->v[i].drop)
			continue;
		uint64_t head = 0;
		for (int b = 0; b < 8; b++) /* big-endian: the first 16 hex digits */
			head = head << 8 | g->v[i].id[b];
		p[k].rank = mix64(head ^ s);
		p[k++].e = &g->v[i];
	}
	qsort(p, k, sizeof(*p), by_rank);
	for (size_t i = (size_t)g->max_records; i < k; i++)
		p[i].e->drop = 1;
	free(p);
}

/* The capture of `rank` kind in dir root, the best-ranked license for rank >= 0. */
static const struct capture *find_capture(const struct ingest *g, const char *root, int manifest)
{
	const struct capture *best = NULL;

	for (size_t i = 0; i < g->ncaps; i++) {
		const struct capture *c = &g->caps[i];
		if (strcmp(c->dir, root) || (manifest ? c->rank != -1 : c->rank < 0))
			continue;
		if (!best || c->rank < best->rank)
			best = c;
	}
	return best;
}

/* The repo name for files the MANIFEST does not list: the source's own name. */
static char *fallback_repo(const struct ingest *g, const char *root)
{
	if (*root)
		return xstrdup(root);
	char *full = g->kind == SOURCE_DIR ? realpath(g->source, NULL) : NULL;
	const char *p = full ? full : g->source;
	size_t end = strcspn(p, "?#");
	while (end > 1 && p[end - 1] == '/')
		end--;
	size_t start = end;
	while (start && p[start - 1] != '/')
		start--;
	size_t len = end - start;
	if (g->kind != SOURCE_DIR) {
		const char *dot = memchr(p + start, '.', len);
		if (dot && dot != p + start)
			len = (size_t)(dot - (p + start)); /* k8s.tar.gz -> k8s */
	}
	char *name = len ? xstrndup(p + start, len) : xstrdup("unknown");
	free(full);
	return name;
}

/* Writes the kept files, in path order, with their repo and license. */
static int write_records(struct ingest *g, const char *root, const char *out, size_t *written)
{
	const struct capture *mc = find_capture(g, root, 1), *lc = find_capture(g, root, 0);
	struct manifest m = { NULL, 0 };
	const char *lic = "unknown";
	char *repo = fallback_repo(g, root);
	struct jsonl_writer w;
	struct strbuf content = STRBUF_INIT;
	char hex[41];
	int ret = 0, opened = 0;

	if (mc && manifest_parse(&m, mc->text.buf, mc->text.len, "MANIFEST.tsv") < 0)
		ret = -1;
	if (lc && license_identify(lc->text.buf))
		lic = license_identify(lc->text.buf);
	if (!ret) {
		ret = jsonl_open(&w, out);
		opened = 1;
	}
	for (size_t i = 0; i < g->n && !ret; i++) {
		const struct entry *e = &g->v[i];
		if (e->drop)
			continue;
		const struct manifest_row *row = manifest_lookup(&m, e->path);
		if ((ret = spill_read(&g->spill, e->off, e->size, &content)) < 0)
			break;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", e->path);
		cJSON_AddStringToObject(o, "repo", row ? row->repo : repo);
		cJSON_AddStringToObject(o, "license", row ? row->license : lic);
		cJSON_AddNumberToObject(o, "size", (double)e->size);
		blob_id_hex(e->id, hex);
		cJSON_AddStringToObject(o, "hexsha", hex);
		cJSON_AddItemToObject(o, "content", cJSON_CreateStringReference(content.buf));
		ret = jsonl_write(&w, o);
		cJSON_Delete(o);
	}
	if (!ret) {
		*written = w.lines;
		ret = jsonl_commit(&w);
	} else if (opened) {
		jsonl_abort(&w);
	}
	log_msg(LOG_INFO, "ingest", "license: MANIFEST.tsv %s, LICENSE file %s (%s)",
		mc ? "found" : "absent", lc ? "found" : "absent", lic);
	strbuf_release(&content);
	manifest_release(&m);
	free(repo);
	return ret;
}

static int load_params(struct ingest *g, struct sparams *p, const char *file, int explicit_file)
{
	g->max_records = 0;
	g->seed = 42;
	g->max_file_size = 4L << 20;
	if (sparams_load(p, file, explicit_file, "ingest", known_keys) < 0 ||
	    sparams_long(p, "max_records", 0, LONG_MAX, &g->max_records) < 0 ||
	    sparams_long(p, "seed", LONG_MIN, LONG_MAX, &g->seed) < 0 ||
	    sparams_long(p, "max_file_size", 1, 1L << 30, &g->max_file_size) < 0)
		return -1;
	if (!g->source && sparams_string(p, "source", &g->source) < 0)
		return -1;
	int r = sparams_strings(p, "include", &g->include);
	if (r < 0)
		return -1;
	if (r == 0)
		for (const char *const *d = default_include; *d; d++)
			strlist_push(&g->include, (char *)*d);
	if (!g->source)
		g->source = "data/sample";
	return 0;
}

static void release(struct ingest *g)
{
	arena_release(&g->paths);
	free(g->v);
	for (size_t i = 0; i < g->ncaps; i++) {
		free(g->caps[i].dir);
		strbuf_release(&g->caps[i].text);
	}
	free(g->caps);
	free(g->top);
	strlist_release(&g->include, 0);
	spill_close(&g->spill);
}

/* Reads the source into the index; 0, 1 (source missing), -1. */
static int collect(struct ingest *g, struct source_stats *st)
{
	struct source_ops ops = { want, take };
	struct strbuf shown = STRBUF_INIT;

	url_without_credentials(g->source, &shown);
	log_msg(LOG_INFO, "ingest", "reading %s '%s'",
		g->kind == SOURCE_URL ? "URL" : g->kind == SOURCE_DIR ? "directory" : "archive",
		shown.buf);
	strbuf_release(&shown);
	return source_read(g->source, (size_t)g->max_file_size, &ops, g, st);
}

static int run(struct ingest *g, const char *out)
{
	struct source_stats st;
	size_t written = 0;
	int r;

	if (g->kind != SOURCE_URL && !path_exists(g->source)) {
		error("cannot read source '%s': No such file or directory", g->source);
		return 2;
	}
	if (mkdir_parent(out) < 0) {
		error("cannot create the directory of '%s':", out);
		return 1;
	}
	char *dir = strrchr(out, '/') ? xstrndup(out, (size_t)(strrchr(out, '/') - out)) : xstrdup(".");
	r = spill_open(&g->spill, dir);
	free(dir);
	if (r < 0)
		return 1;
	if ((r = collect(g, &st)) != 0)
		return r > 0 ? 2 : 1;
	const char *root = g->kind != SOURCE_DIR && !g->mixed_top && g->top ? g->top : "";
	sort_paths(g, root);
	size_t dups = dedupe(g), kept = 0;
	for (size_t i = 0; i < g->n; i++)
		kept += !g->v[i].drop;
	sample(g, kept);
	if (write_records(g, root, out, &written) < 0)
		return 1;
	log_msg(LOG_INFO, "ingest", "%zu files seen, %zu matched include, %zu duplicates, "
		"%zu written to '%s'", st.entries, g->n, dups, written, out);
	if (st.unsafe || st.special || st.too_large || g->binary)
		log_msg(LOG_WARNING, "ingest", "skipped %zu unsafe paths, %zu links or special files, "
			"%zu files over max_file_size, %zu non-text files",
			st.unsafe, st.special, st.too_large, g->binary);
	return 0;
}

int builtin_ingest(int argc, char **argv)
{
	const char *params_file = NULL, *out = "out/raw.jsonl";
	struct ingest g;
	struct sparams p;
	struct strlist args = { NULL, 0, 0 };
	const struct option opts[] = {
		OPT_STRING(0, "source", &g.source, "SRC", "directory, archive or http(s) URL (params: ingest.source)"),
		OPT_STRING('o', "out", &out, "FILE", "the JSONL records (default out/raw.jsonl)"),
		OPT_STRING(0, "params", &params_file, "FILE", "the params file (default params.yaml)"),
		OPT_END(),
	};
	static const struct command_help help = {
		"repro builtin ingest [--source SRC] [--out FILE] [--params FILE]",
		"Read raw manifests into JSONL records {path, repo, license, size, hexsha, content}.",
		"input:  ingest.source: a directory, a .tar/.tar.gz/.tar.zst/.zip archive, or an\n"
		"        http(s):// URL of one (streamed, never stored); licenses from a MANIFEST.tsv\n"
		"        at its top, else its LICENSE file, else 'unknown'\n"
		"output: JSONL sorted by path, one record per distinct content (git blob id)\n"
		"\nparams (section 'ingest' of params.yaml):\n"
		"    source         what to read (default data/sample)\n"
		"    include        base-name globs to ingest (default *.yaml *.yml *.yaml.* *.yml.*)\n"
		"    max_records    keep a seeded sample of this many files; 0 keeps all (default 0)\n"
		"    seed           the sample's seed (default 42)\n"
		"    max_file_size  skip larger files, in bytes (default 4194304)\n",
	};

	memset(&g, 0, sizeof(g));
	g.spill.fd = -1;
	/* File-sized buffers come and go; a fixed mmap threshold returns each
	 * to the system when freed instead of letting glibc raise the threshold
	 * and keep them on the heap, so RSS tracks the live data. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (args.n) {
		strlist_release(&args, 0);
		fprintf(stderr, "repro: ingest takes no arguments; use --source\nusage: %s\n", help.usage);
		return 2;
	}
	strlist_release(&args, 0);
	int ret = 2;
	if (load_params(&g, &p, params_file ? params_file : "params.yaml", params_file != NULL) == 0) {
		g.kind = source_kind_of(g.source);
		git_libgit2_init();
		ret = run(&g, out);
		git_libgit2_shutdown();
	}
	release(&g);
	sparams_release(&p);
	return ret;
}
