/*
 * Fuzz target: the stages file, as `repro run` loads it: YAML through
 * ytree, vars (params.yaml, vars files, inline maps), ${} interpolation,
 * foreach/do and matrix expansion, every stage field, then the graph checks
 * (cycles, overlapping outs).
 *
 * Input: stages.yaml, then optionally params.yaml, vars.yaml and vars.json,
 * separated by lines "%%" (the stages file may name the last two in vars:).
 */
#include "fuzz.h"

#include "core/graph.h"
#include "core/stage.h"
#include "util/fs.h"

static const char *const names[FUZZ_MAX_PARTS] = { "stages.yaml", "params.yaml", "vars.yaml", "vars.json" };

/* A path a stage holds is project-relative and already normalised. */
static void check_path(const char *path)
{
	struct strbuf norm = STRBUF_INIT;
	const char *why;

	FUZZ_ASSERT(path_normalize(path, &norm, &why) == 0);
	FUZZ_ASSERT(!strcmp(norm.buf, path));
	strbuf_release(&norm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part parts[FUZZ_MAX_PARTS];
	struct file_source src = { fuzz_read, parts };
	struct pipeline p;

	fuzz_split(data, size, names, parts, FUZZ_MAX_PARTS);
	if (pipeline_load(&p, "stages.yaml", &src, 0) < 0)
		return 0;
	/* what a loaded pipeline promises: unique names, normalised paths */
	for (size_t i = 0; i < p.n; i++) {
		FUZZ_ASSERT(pipeline_find(&p, p.stages[i].name) == &p.stages[i]);
		const struct stage *st = &p.stages[i];
		FUZZ_ASSERT(st->ncmd > 0);
		check_path(st->wdir);
		for (size_t j = 0; j < st->ndeps; j++)
			if (!st->deps[j].is_url)
				check_path(st->deps[j].path);
		for (size_t j = 0; j < st->nouts; j++)
			check_path(st->outs[j].path);
		for (size_t j = 0; j < st->nparams; j++)
			check_path(st->params[j].file);
	}
	struct graph g;
	if (graph_build(&g, &p) == 0) {
		/* every stage comes once in the order, after everything it depends on */
		unsigned char *seen = calloc(p.n + 1, 1);
		for (size_t k = 0; k < g.n; k++) {
			size_t i = g.order[k];
			FUZZ_ASSERT(i < p.n && !seen[i]);
			for (size_t u = 0; u < g.nup[i]; u++)
				FUZZ_ASSERT(seen[g.up[i][u]]);
			seen[i] = 1;
		}
		free(seen);
	}
	graph_release(&g); /* after a failure too, as session_close() does */
	pipeline_release(&p);
	return 0;
}
