/*
 * Deciding whether a stage is up to date, and saying why not.
 *
 * Evaluating a stage hashes its deps and outs (through the state file),
 * reads its params, and compares all of it with the stage's lock entry. The
 * result lists every difference by name (which dep, which param key, which
 * out), which is what `repro status` prints and what `repro run` acts on:
 *
 *   needs_run     something the command reads changed (cmd, a dep, a param,
 *                 a built-in's code, the declared outs), or the stage never
 *                 ran, or it is always_changed
 *   outs_dirty    only outs differ from the lock: restorable from the cache
 *                 when every locked object is there, else the stage re-runs
 */
#ifndef REPRO_EVALUATE_H
#define REPRO_EVALUATE_H

#include "core/cache.h"
#include "core/lock.h"
#include "core/params.h"
#include "core/stage.h"

enum change_kind {
	CHANGE_NEW,            /* no lock entry: the stage never ran */
	CHANGE_CMD,            /* the cmd differs */
	CHANGE_WDIR,           /* the wdir differs */
	CHANGE_BUILTIN,        /* a built-in's code changed (subject: its name) */
	CHANGE_DEP_MODIFIED,   /* subject: the dep */
	CHANGE_DEP_ADDED,      /* declared, not in the lock */
	CHANGE_DEP_REMOVED,    /* in the lock, no longer declared */
	CHANGE_DEP_MISSING,    /* declared, does not exist */
	CHANGE_PARAM_MODIFIED, /* subject: "file: key"; detail: "old -> new" */
	CHANGE_PARAM_ADDED,
	CHANGE_PARAM_REMOVED,
	CHANGE_PARAM_MISSING,  /* declared, not found: subject the key (NULL for a
				* whole-file param), detail the file */
	CHANGE_OUTS_DECLARED,  /* the declared outs differ from the lock's */
	CHANGE_ALWAYS,         /* always_changed: true */
	CHANGE_CALLBACK,       /* no deps, params or outs: runs every time */
	CHANGE_OUT_DELETED,    /* subject: the out */
	CHANGE_OUT_MODIFIED,
};

struct change {
	enum change_kind kind;
	char *subject; /* the dep, param or out concerned; NULL for whole-stage changes */
	char *detail;  /* extra words ("0.1 -> 0.2", "in cache"); may be NULL */
};

/* What evaluation needs from the command. */
struct eval_ctx {
	struct hasher *hasher;       /* hashes deps and outs */
	struct params_cache *params; /* reads params files */
	struct cache *cache;         /* to tell whether locked outs can be restored */
};

struct stage_eval {
	struct stage *stage;
	const struct lock_stage *locked; /* the lock entry; NULL when none */
	struct lock_stage cur;           /* the stage as it is now: cmd, wdir, builtins, dep ids,
					  * param values, and the outs' workspace ids (empty id:
					  * missing) */
	char signature[HASH_HEX_LEN + 1]; /* over everything the command reads (see signature) */
	struct change *changes;
	size_t nchanges;
	int needs_run;       /* see above */
	int outs_dirty;      /* an out is missing or differs from the lock */
	int outs_restorable; /* every dirty out's locked object is in the cache */
	int missing_deps;    /* deps that do not exist (the stage cannot run) */
	int missing_params;  /* declared params (or params files) that do not exist (likewise) */
	int error;           /* a dep or params file could not be read (reported) */
};

/* Evaluates s against its lock entry (may be NULL). Returns 0, or -1 when
 * evaluation itself failed (ev->error set, reported). */
int stage_evaluate(struct stage_eval *ev, struct stage *s, const struct lock_stage *locked,
		   struct eval_ctx *ctx);
void stage_eval_release(struct stage_eval *ev);
/*
 * Reports why an evaluated stage cannot run: each missing dep and each
 * missing param or params file, as errors at the place stages_file declares
 * it. Returns -1 when there was anything to report, else 0.
 */
int stage_eval_report_missing(const struct stage_eval *ev, struct eval_ctx *ctx, const char *stages_file);
/* Hashes the stage's outs into ev->cur.outs again (after a run or checkout). */
int stage_eval_rehash_outs(struct stage_eval *ev, struct eval_ctx *ctx);
/* One line describing a change: "modified dep 'data/x'". */
void change_describe(const struct change *c, struct strbuf *out);
/*
 * The run signature of a lock entry (cmd, wdir, built-in hashes, dep ids,
 * param values, declared outs): two runs with equal signatures read the same
 * inputs, so the run cache may hand back the first one's outputs.
 */
void lock_stage_signature(const struct lock_stage *s, char hex[HASH_HEX_LEN + 1]);

#endif
