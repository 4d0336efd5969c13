/*
 * Metrics and params across git revisions, as `repro metrics show|diff`,
 * `repro params diff` and `repro plots` read them.
 *
 * A revision is the workspace or a git commit. At a commit everything is
 * read from the commit's tree through libgit2 (src/git): the stages file
 * (so the metrics files are those the pipeline declared at that commit),
 * params files, the lock; a metrics file that is a cached out is not in git,
 * so its object id is taken from that commit's lock and its content from the
 * local cache (and, when the remote cache exists, from the remote: see
 * metrics_fetch_object()).
 *
 * Values are flattened as DVC does: nested mappings become dotted keys
 * ("loss.train"); numbers, strings and booleans are metrics; lists and
 * nulls are left out of metrics (params keep them, shown as JSON).
 *
 * Reading many commits is fast because nothing is parsed twice: a parsed
 * pipeline is kept with the blob ids of every file its loading read (the
 * stages file, params.yaml, vars files) and reused at any commit where
 * those blobs are the same; parsed metrics and locks are kept by blob or
 * object id.
 */
#ifndef REPRO_METRICS_H
#define REPRO_METRICS_H

#include <stddef.h>

#include <cJSON.h>

#include "core/stage.h"
#include "util/strbuf.h"

struct cache;
struct grepo;
struct grev;
struct metrics_memo;

/* One flattened value. */
struct metric {
	char *key;    /* dotted key ("loss.train"); "" when the file holds one bare value */
	cJSON *value; /* number, string, boolean (params also: list, null); owned */
};

/* The flattened content of one file. */
struct metric_list {
	struct metric *v;
	size_t n, alloc;
};

enum mfile_status {
	MFILE_OK,           /* read and parsed: data is set */
	MFILE_MISSING,      /* not there at this revision */
	MFILE_NOT_IN_CACHE, /* a cached out whose object is not in the local cache (warned) */
	MFILE_BROKEN,       /* could not be read or parsed (reported) */
};

/* One file at one revision. */
struct metrics_file {
	char *path;                     /* project-relative */
	enum mfile_status status;
	const struct metric_list *data; /* when MFILE_OK; owned by the metrics_ctx, shared */
};

/* The metrics (or params) files of one revision. */
struct metrics_snapshot {
	char *rev;                   /* the revision's name as shown ("workspace", "HEAD~1", "main") */
	struct metrics_file *files;  /* in pipeline order */
	size_t n;
	int failed;                  /* something was reported while reading this revision */
};
void metrics_snapshot_release(struct metrics_snapshot *s);

/* Where metrics are read from, and what was read already. */
struct metrics_ctx {
	struct grepo *repo;        /* the git repository; NULL outside one (then only the workspace) */
	const char *stages_file;   /* "stages.yaml" */
	char **targets;            /* restrict to these project-relative paths (files or directories) */
	size_t ntargets;           /* 0: every metrics file of the pipeline */
	struct cache *cache;       /* the local cache, opened on first need */
	const struct config *config; /* the project's, to fetch missing objects from its remote; may be NULL */
	struct metrics_memo *memo; /* parsed pipelines, locks and files (private) */
};

void metrics_ctx_init(struct metrics_ctx *c, struct grepo *repo, const char *stages_file);
void metrics_ctx_release(struct metrics_ctx *c);

/*
 * Opens the git repository holding the project at root. `need` names what
 * requires one ("'-A'"), or is NULL when git is optional. Returns 0 (open),
 * 1 when there is no repository and none is needed, -1 (reported).
 */
int metrics_repo_open(struct grepo *g, const char *root, const char *need);

/*
 * The pipeline at rev (NULL: the workspace), parsed once per distinct set
 * of input blobs. Returns NULL when it does not load (reported once). A
 * missing stages file is an empty pipeline. Owned by c.
 */
const struct pipeline *metrics_pipeline(struct metrics_ctx *c, struct grev *rev);

/*
 * Reads the metrics files of rev (NULL: the workspace) into *out, named
 * `name`. Missing files and missing objects are not errors (their status
 * says so); files that do not parse are reported and marked broken.
 * Returns 0, or -1 when the revision itself cannot be read (reported).
 */
int metrics_read(struct metrics_ctx *c, struct grev *rev, const char *name, struct metrics_snapshot *out);

/*
 * The content of out o of stage s (of p, the pipeline at rev) at rev (NULL:
 * the workspace): the workspace file, the commit's file, or for a cached out
 * the object that revision's lock names, from the cache. Returns 0, 1 when
 * it is not there (a missing object is warned about), -1 (reported).
 */
int metrics_read_out(struct metrics_ctx *c, struct grev *rev, const struct pipeline *p, const struct stage *s,
		     const struct stage_out *o, struct strbuf *out);

/*
 * Reads the params the pipeline at rev declares (stage params: and top-level
 * params:) into *out, one entry per params file, keys flattened. Same
 * contract as metrics_read.
 */
int params_read(struct metrics_ctx *c, struct grev *rev, const char *name, struct metrics_snapshot *out);

/*
 * Parses a metrics or params file (JSON when the name ends in ".json", YAML
 * otherwise) and flattens it into out. keep_all keeps lists and nulls as
 * values (params); metrics drop them as DVC does. Returns 0 or -1 (reported,
 * naming `path`).
 */
int metrics_parse(const char *path, const char *buf, size_t len, int keep_all, struct metric_list *out);
/* Flattens v under prefix (which may be empty) into out. */
void metrics_flatten(const cJSON *v, struct strbuf *prefix, int keep_all, struct metric_list *out);
void metric_list_release(struct metric_list *l);
/* The value of key in l, or NULL. */
const cJSON *metric_list_get(const struct metric_list *l, const char *key);

/*
 * Makes sure the object `id` of the metrics file `path` at revision `rev`
 * is in the local cache, fetching it from the project's default remote when
 * it is missing (cfg may be NULL: no remote). Returns 0 when the object is
 * in the cache; otherwise warns once, naming the file, the revision and
 * whether a remote was asked, and returns 1.
 */
struct config;
int metrics_fetch_object(struct cache *c, const struct config *cfg, const char *id,
			 const char *path, const char *rev);

/* ---- comparing two snapshots (metrics_diff.c) ---- */

struct metrics_row {
	const char *path;     /* the file (points into a snapshot) */
	const char *key;      /* the flattened key (points into a snapshot) */
	const cJSON *old_val; /* NULL when missing at the old side */
	const cJSON *new_val; /* NULL when missing at the new side */
	int changed;          /* the values differ (or one is missing) */
};

/*
 * Pairs the values of a and b by (path, key): files in b's order then those
 * only in a; keys likewise. Without `all`, only changed rows are kept.
 */
void metrics_diff(const struct metrics_snapshot *a, const struct metrics_snapshot *b, int all,
		  struct metrics_row **rows, size_t *n);

/* ---- formatting (metrics_format.c) ---- */

#define METRICS_PRECISION 5 /* significant digits shown by default, as DVC */

/* A value as shown: integers in full, other numbers with `precision`
 * significant digits, strings as they are, lists as JSON, "-" for NULL. */
void metric_value_text(const cJSON *v, int precision, struct strbuf *out);
/* new - old when both are numbers ("-" otherwise), shown like a value. */
void metric_change_text(const cJSON *old_val, const cJSON *new_val, int precision, struct strbuf *out);
/* new - old as a JSON number rounded to 15 significant digits (no binary
 * noise such as 0.09999999999999998), or NULL when not both numbers. */
cJSON *metric_change_json(const cJSON *old_val, const cJSON *new_val);

/* ---- tables (metrics_table.c) ---- */

enum table_format {
	TABLE_TEXT, /* columns aligned with two spaces, for a terminal */
	TABLE_MD,   /* a GitHub-flavoured Markdown table, for a pull-request comment */
	TABLE_CSV,  /* RFC 4180: a header line, fields quoted when needed */
};

/* A table of strings, row-major; the first row is the header. */
struct mtable {
	size_t ncols;  /* columns per row */
	char **cells;  /* ncells strings, owned */
	size_t ncells, alloc;
};
void mtable_init(struct mtable *t, size_t ncols);
/* Appends the next cell (a copy), filling rows left to right. */
void mtable_add(struct mtable *t, const char *cell);
/* Appends the table; a table with only its header prints nothing. */
void mtable_print(const struct mtable *t, enum table_format f, struct strbuf *out);
void mtable_release(struct mtable *t);

#endif
