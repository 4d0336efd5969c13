/*
 * repro builtin ingest: raw manifests from a directory, an archive or an
 * archive's URL into JSONL records {path, repo, license, size, hexsha,
 * content}, sorted by path, deduplicated by git blob id, optionally sampled.
 *
 * Contents stream into an anonymous scratch file as they arrive; the index of
 * the files (path, size, blob id, offset) is sorted in a fixed memory budget
 * (ingest_index.h: external sorts that spill to scratch files when it fills),
 * and the output is written from the scratch file in sorted order at the end.
 * So memory stays flat however large the source, and the output does not
 * depend on the order in which an archive lists its entries.
 *
 * The budget, INGEST_MEM bytes (REPRO_INGEST_MEM overrides it, for tests
 * that force the index onto disk), is shared so that the sorts alive at the
 * same time never exceed it: the paths get 1/2, the blob ids 1/4 (while the
 * paths are read), the duplicates and the sample's ranks 1/8 each, and a
 * MANIFEST.tsv 1/4 (read with the paths and duplicates at the end). Walking
 * a directory source, the names of each directory being walked get 1/8.
 */
#include <errno.h>
#include <fnmatch.h>
#include <malloc.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "builtin/blobsha.h"
#include "builtin/builtin.h"
#include "builtin/httpstream.h"
#include "builtin/ingest_index.h"
#include "builtin/jsonl.h"
#include "builtin/license.h"
#include "builtin/manifest_index.h"
#include "builtin/params.h"
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

/* The index's memory budget: see the top of this file. */
#define INGEST_MEM (8u << 20)

/*
 * A MANIFEST.tsv or LICENSE file at the top of the source or of the
 * archive's top directory: the candidates for the root's. Only the first
 * MANIFEST.tsv and the best-ranked license file of each are kept.
 */
struct capture {
	int used;           /* one was found */
	int rank;           /* -1 for MANIFEST.tsv, else license_file_rank() */
	off_t off;          /* its content in the scratch file */
	size_t len;         /* its length */
};

/* Which captures: at the source's top, in the archive's top directory. */
enum { AT_TOP, IN_TOP_DIR };

struct ingest {
	const char *source;         /* directory, archive or URL */
	enum source_kind kind;      /* which of them */
	struct strlist include;     /* base-name globs of the files to ingest */
	long max_records;           /* sample size; 0 keeps every file */
	long seed;                  /* sampling seed */
	long max_file_size;         /* larger files are skipped */
	size_t mem;                 /* the index's memory budget */
	char *dir;                  /* the output's directory: the scratch files go there */
	struct spill spill;         /* the contents, in arrival order */
	struct ingest_index index;  /* the files */
	int index_open;             /* index was initialised */
	struct capture caps[2][2];  /* [AT_TOP or IN_TOP_DIR][0 MANIFEST.tsv, 1 license file] */
	size_t manifest_runs;       /* sorted runs the MANIFEST.tsv's rows took on disk */
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

/*
 * Keeps a MANIFEST.tsv or license file's content (in the scratch file) if it
 * can still be the root's: at the top, or in the archive's top directory
 * while every entry so far shares it. 0 or -1 (reported).
 */
static int capture(struct ingest *g, const struct source_file *f, int rank)
{
	int where = strchr(f->path, '/') ? IN_TOP_DIR : AT_TOP;

	if (where == IN_TOP_DIR && (g->kind == SOURCE_DIR || g->mixed_top))
		return 0; /* a subdirectory, never the root */
	struct capture *c = &g->caps[where][rank >= 0];
	if (c->used && (rank < 0 || c->rank <= rank))
		return 0; /* the first MANIFEST.tsv wins, and the first of the best-ranked licenses */
	c->used = 1;
	c->rank = rank;
	c->len = f->len;
	return spill_append(&g->spill, f->data, f->len, &c->off);
}

static int take(void *arg, const struct source_file *f)
{
	struct ingest *g = arg;
	int rank = capture_rank(f->path);

	if (rank != -2 && capture(g, f, rank) < 0)
		return -1;
	if (!included(g, f->path))
		return 0;
	if (!is_text((const unsigned char *)f->data, f->len)) {
		log_msg(LOG_WARNING, "ingest", "skipping '%s': not UTF-8 text", f->path);
		g->binary++;
		return 0;
	}
	unsigned char id[20];
	off_t off;
	if (blob_id(f->data, f->len, id) < 0 || spill_append(&g->spill, f->data, f->len, &off) < 0)
		return -1;
	return ingest_index_add(&g->index, f->path, off, (uint32_t)f->len, id);
}

/* The capture of the root (AT_TOP or IN_TOP_DIR), a MANIFEST.tsv or a license file; NULL if none. */
static const struct capture *find_capture(const struct ingest *g, const char *root, int license)
{
	const struct capture *c = &g->caps[*root ? IN_TOP_DIR : AT_TOP][license];

	return c->used ? c : NULL;
}

/* Reads the MANIFEST.tsv c from the scratch file into mi, a piece at a time. 0 or -1. */
static int load_manifest(struct ingest *g, const struct capture *c, struct manifest_index *mi)
{
	struct manifest_parser p;
	struct strbuf piece = STRBUF_INIT;
	int ret = 0;

	manifest_parser_init(&p, "MANIFEST.tsv", manifest_index_add, mi);
	for (size_t at = 0; at < c->len && !ret; at += piece.len) {
		size_t n = c->len - at < 64 * 1024 ? c->len - at : 64 * 1024;
		ret = spill_read(&g->spill, c->off + (off_t)at, n, &piece) < 0 ||
		      manifest_parser_feed(&p, piece.buf, piece.len) < 0 ? -1 : 0;
	}
	if (!ret)
		ret = manifest_parser_finish(&p) < 0 || manifest_index_finish(mi) < 0 ? -1 : 0;
	g->manifest_runs = mi->rows.spilled;
	manifest_parser_release(&p);
	strbuf_release(&piece);
	return ret;
}

/* The license a LICENSE file c names, or "unknown". */
static const char *identify_license(struct ingest *g, const struct capture *c, int *ret)
{
	struct strbuf text = STRBUF_INIT;
	const char *lic = NULL;

	if (c && (*ret = spill_read(&g->spill, c->off, c->len, &text)) == 0)
		lic = license_identify(text.buf);
	strbuf_release(&text);
	return lic ? lic : "unknown";
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

/* Writes one record: the file's content comes from the scratch file. 0 or -1. */
static int write_record(struct ingest *g, struct jsonl_writer *w, const struct ingest_file *f,
			const char *repo, const char *lic, struct strbuf *content)
{
	char hex[41];

	if (spill_read(&g->spill, f->off, f->size, content) < 0)
		return -1;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "path", f->path);
	cJSON_AddStringToObject(o, "repo", repo);
	cJSON_AddStringToObject(o, "license", lic);
	cJSON_AddNumberToObject(o, "size", (double)f->size);
	blob_id_hex(f->id, hex);
	cJSON_AddStringToObject(o, "hexsha", hex);
	cJSON_AddItemToObject(o, "content", cJSON_CreateStringReference(content->buf));
	int ret = jsonl_write(w, o);
	cJSON_Delete(o);
	return ret;
}

/*
 * Writes the kept files, in path order, with their repo and license: the
 * MANIFEST.tsv's row for the path (a merge join: both are sorted by path),
 * else the source's name and its LICENSE file's license.
 */
static int write_records(struct ingest *g, const char *root, const char *out, size_t *written)
{
	const struct capture *mc = find_capture(g, root, 0), *lc = find_capture(g, root, 1);
	struct manifest_index mi;
	int ret = 0, opened = 0;
	const char *lic = identify_license(g, lc, &ret);
	char *repo = fallback_repo(g, root);
	struct jsonl_writer w;
	struct strbuf content = STRBUF_INIT;
	struct ingest_file f;
	struct manifest_row row;

	manifest_index_init(&mi, g->mem / 4, g->dir);
	if (!ret && mc && load_manifest(g, mc, &mi) < 0)
		ret = -1;
	if (!ret) {
		ret = jsonl_open(&w, out);
		opened = 1;
	}
	while (!ret && (ret = ingest_index_next(&g->index, &f)) > 0) {
		int found = mc ? manifest_index_find(&mi, f.path, &row) : 0;
		ret = found < 0 ? -1 : write_record(g, &w, &f, found ? row.repo : repo,
						     found ? row.license : lic, &content);
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
	manifest_index_release(&mi);
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

/* The index's budget: INGEST_MEM, or REPRO_INGEST_MEM bytes (for tests). 0 or -1 (reported). */
static int ingest_mem(size_t *mem)
{
	const char *env = getenv("REPRO_INGEST_MEM");
	char *end;

	*mem = INGEST_MEM;
	if (!env || !*env)
		return 0;
	errno = 0;
	unsigned long long v = strtoull(env, &end, 10);
	if (errno || *end || *env == '-' || v < 4096 || v > (1ull << 40))
		return error("invalid REPRO_INGEST_MEM '%s': a number of bytes from 4096 is needed", env);
	*mem = (size_t)v;
	return 0;
}

static void release(struct ingest *g)
{
	if (g->index_open)
		ingest_index_release(&g->index);
	free(g->dir);
	free(g->top);
	strlist_release(&g->include, 0);
	spill_close(&g->spill);
}

/* Reads the source into the index; 0, 1 (source missing), -1. */
static int collect(struct ingest *g, struct source_stats *st)
{
	struct source_ops ops = { want, take };
	struct source_limits lim = { (size_t)g->max_file_size, g->mem / 8, g->dir };
	struct strbuf shown = STRBUF_INIT;

	url_without_credentials(g->source, &shown);
	log_msg(LOG_INFO, "ingest", "reading %s '%s'",
		g->kind == SOURCE_URL ? "URL" : g->kind == SOURCE_DIR ? "directory" : "archive",
		shown.buf);
	strbuf_release(&shown);
	return source_read(g->source, &lim, &ops, g, st);
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
	g->dir = strrchr(out, '/') ? xstrndup(out, (size_t)(strrchr(out, '/') - out)) : xstrdup(".");
	if (spill_open(&g->spill, g->dir) < 0)
		return 1;
	ingest_index_init(&g->index, g->mem, g->dir);
	g->index_open = 1;
	if ((r = collect(g, &st)) != 0)
		return r > 0 ? 2 : 1;
	const char *root = g->kind != SOURCE_DIR && !g->mixed_top && g->top ? g->top : "";
	if (ingest_index_finish(&g->index, root, g->max_records, g->seed) < 0 ||
	    write_records(g, root, out, &written) < 0)
		return 1;
	log_msg(LOG_INFO, "ingest", "%zu files seen, %zu matched include, %zu duplicates, "
		"%zu written to '%s'", st.entries, g->index.n, g->index.dups, written, out);
	size_t runs = ingest_index_runs(&g->index) + g->manifest_runs;
	if (runs)
		log_msg(LOG_INFO, "ingest", "the index outgrew its %zu bytes of memory: "
			"sorted on disk in %zu runs", g->mem, runs);
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
	if (load_params(&g, &p, params_file ? params_file : "params.yaml", params_file != NULL) == 0 &&
	    ingest_mem(&g.mem) == 0) {
		g.kind = source_kind_of(g.source);
		git_libgit2_init();
		ret = run(&g, out);
		git_libgit2_shutdown();
	}
	release(&g);
	sparams_release(&p);
	return ret;
}
