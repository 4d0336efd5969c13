/*
 * The pipeline: stages declared in stages.yaml (DVC's dvc.yaml schema),
 * after templating (vars, ${...}, foreach/do, matrix) and validation.
 *
 * Every path held here is project-relative and normalised (path_normalize),
 * so two spellings of one file compare equal and nothing points outside the
 * project; `decl` keeps what the user wrote (relative to the stage's wdir),
 * which is what messages and the lock show.
 */
#ifndef REPRO_STAGE_H
#define REPRO_STAGE_H

#include <stddef.h>

#include <cJSON.h>

#include "util/strbuf.h"

enum out_kind { OUT_PLAIN, OUT_METRIC, OUT_PLOT };

struct stage_out {
	char *path;         /* project-relative, normalised */
	char *decl;         /* as written, relative to wdir */
	enum out_kind kind; /* declared under outs:, metrics: or plots: */
	int cache;          /* 1 unless "cache: false" (then git tracks it; the run cache still keeps a copy) */
	int persist;        /* 1 with "persist: true": not removed before the stage runs */
	int push;           /* 0 with "push: false": never pushed to a remote */
	cJSON *props;       /* plots: x, y, title, template...; NULL otherwise */
	int line, col;      /* where it was declared */
};

struct stage_dep {
	char *path;    /* project-relative, normalised; for a URL the URL itself */
	char *decl;    /* as written */
	int is_url;    /* an http(s):// dep, identified by ETag/Last-Modified */
	int line, col;
};

struct stage_param {
	char *file;    /* project-relative params file ("params.yaml" by default) */
	char *decl_file; /* as written, relative to wdir */
	char *key;     /* dotted key ("train.lr"), or NULL for every key of the file */
	int line, col;
};

struct stage {
	char *name;         /* "train", or "build@a" for a foreach/matrix expansion */
	char **cmd;         /* commands run in order with /bin/sh -c */
	size_t ncmd;
	char *wdir;         /* project-relative directory the commands run in ("." = root) */
	char *lock_wdir;    /* wdir relative to the stages file's directory ("." when the
			     * same): what the lock, beside that file, records */
	struct stage_dep *deps;
	size_t ndeps;
	struct stage_param *params;
	size_t nparams;
	struct stage_out *outs; /* outs, then metrics, then plots, in declaration order */
	size_t nouts;
	int frozen;         /* never runs */
	int always_changed; /* runs every time */
	int callback;       /* no deps, params or outs: runs every time, as DVC's "callback stages" */
	char *desc;         /* may be NULL */
	cJSON *meta;        /* the stage's meta: mapping as JSON (executor settings live here); may be NULL */
	char **builtins;    /* names of the built-ins its cmd runs ("repro builtin NAME"), sorted */
	size_t nbuiltins;
	int line, col;      /* where the stage (or its foreach/matrix parent) is declared */
};

/* Reads a file of the project: the workspace, or a git revision's tree. */
struct file_source {
	/* Appends the content of project-relative `path` to out. Returns 0, 1 when
	 * the file does not exist (nothing reported), -1 on error (reported). */
	int (*read)(void *ctx, const char *path, struct strbuf *out);
	void *ctx;
};

/* The workspace as a file_source (cwd = project root). */
extern const struct file_source workspace_source;

struct pipeline {
	char *file;           /* the stages file, project-relative ("stages.yaml") */
	char *lock_file;      /* its lock (lock_file_for): never DVC's dvc.lock */
	struct stage *stages; /* in declaration order, expansions in order */
	size_t n;
	char **metrics;       /* top-level "metrics:" files (besides stage metrics) */
	size_t nmetrics;
	char **params_files;  /* top-level "params:" files */
	size_t nparams_files;
};

/*
 * Loads, templates and validates a stages file read through src. Every
 * problem is reported as FILE:LINE:COL with the stage involved and, for
 * unknown keys, the nearest valid one. Returns 0, or -1 after reporting.
 * A missing file is an error unless `missing_ok`, when it is an empty
 * pipeline.
 */
int pipeline_load(struct pipeline *p, const char *file, const struct file_source *src, int missing_ok);
void pipeline_release(struct pipeline *p);
struct stage *pipeline_find(const struct pipeline *p, const char *name);
/* The lock beside a stages file: "stages.yaml" -> "stages.lock",
 * "sub/pipe.yaml" -> "sub/pipe.lock"; "dvc.yaml" -> "dvc.repro.lock", as
 * dvc.lock is DVC's own. */
char *lock_file_for(const char *stages_file);

#endif
