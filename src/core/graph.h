/*
 * The stage graph. Stage B depends on stage A when a dep of B is an out of
 * A, lies inside one, or contains one. Building the graph also checks what
 * DVC checks: no cycles, no path written by two stages, no out inside
 * another out, no path that is both a dep and an out of one stage. Each
 * error names the stages and where they are declared.
 */
#ifndef REPRO_GRAPH_H
#define REPRO_GRAPH_H

#include <stddef.h>

#include "core/stage.h"

struct graph {
	size_t n;          /* number of stages (indices into pipeline.stages) */
	size_t **up;       /* up[i]: the stages stage i depends on */
	size_t *nup;
	size_t **down;     /* down[i]: the stages that depend on stage i */
	size_t *ndown;
	size_t *order;     /* all stages, upstream before downstream; ties in declaration order */
};

/* Returns 0, or -1 after reporting; either way g is released with graph_release(). */
int graph_build(struct graph *g, const struct pipeline *p);
void graph_release(struct graph *g);
/* Sets mark[i] = 1 for stage i and everything upstream (with_up) or downstream of it. */
void graph_mark_up(const struct graph *g, size_t i, unsigned char *mark);
void graph_mark_down(const struct graph *g, size_t i, unsigned char *mark);

#endif
