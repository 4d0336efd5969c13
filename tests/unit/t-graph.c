/* The stage graph: edges, order, and the errors DVC reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "memsrc.h"
#include "tap.h"
#include "core/graph.h"

static int build(const char *stages, struct pipeline *p, struct graph *g, struct strbuf *err)
{
	struct memfile files[] = { { "stages.yaml", stages }, { NULL, NULL } };
	struct file_source src = MEMSRC(files);
	struct capture cap;
	int r;

	capture_begin(&cap);
	r = pipeline_load(p, "stages.yaml", &src, 0);
	if (r == 0)
		r = graph_build(g, p);
	capture_end(&cap, err);
	return r;
}

static void test_order(void)
{
	struct pipeline p;
	struct graph g;
	struct strbuf err = STRBUF_INIT;
	/* declared out of order on purpose: eval needs train, train needs prepare */
	const char *y =
		"stages:\n"
		"  eval:    {cmd: e, deps: [model/weights.bin], outs: [scores.json]}\n"
		"  train:   {cmd: t, deps: [data/clean], outs: [model]}\n"
		"  prepare: {cmd: p, deps: [raw.csv], outs: [data/clean]}\n"
		"  other:   {cmd: o, deps: [data], outs: [report.txt]}\n";

	ok(build(y, &p, &g, &err) == 0, "graph builds");
	is_str(p.stages[g.order[0]].name, "prepare", "order 1: prepare");
	is_str(p.stages[g.order[1]].name, "train", "order 2: train");
	is_str(p.stages[g.order[2]].name, "eval", "order 3: eval (dep inside an out dir)");
	is_str(p.stages[g.order[3]].name, "other", "order 4: other (dep dir containing an out)");
	is_int(g.nup[0], 1, "eval has one upstream");
	is_int(g.ndown[2], 2, "prepare has two downstream stages");
	unsigned char mark[4] = { 0 };
	graph_mark_up(&g, 0, mark);
	ok(mark[0] && mark[1] && mark[2] && !mark[3], "upstream of eval: train, prepare");
	graph_release(&g);
	pipeline_release(&p);
	strbuf_release(&err);
}

static void expect_error(const char *what, const char *stages, const char *want)
{
	struct pipeline p;
	struct graph g = { 0 };
	struct strbuf err = STRBUF_INIT;
	char name[256];
	int r = build(stages, &p, &g, &err);

	snprintf(name, sizeof(name), "error: %s", what);
	ok(r < 0, name);
	snprintf(name, sizeof(name), "message: %s", what);
	is_str(err.buf, want, name);
	graph_release(&g);
	pipeline_release(&p);
	strbuf_release(&err);
}

static void test_errors(void)
{
	expect_error("cycle",
		     "stages:\n  a: {cmd: x, deps: [c.txt], outs: [a.txt]}\n  b: {cmd: x, deps: [a.txt], outs: [b.txt]}\n"
		     "  c: {cmd: x, deps: [b.txt], outs: [c.txt]}\n",
		     "stages.yaml:2:3: error: the stages form a cycle: 'a' -> 'b' -> 'c' -> 'a'; a stage cannot depend on its own outputs");
	expect_error("two producers",
		     "stages:\n  a: {cmd: x, outs: [o.txt]}\n  b: {cmd: y, outs: [./o.txt]}\n",
		     "stages.yaml:3:22: error: 'o.txt' is an out of both stage 'a' (line 2) and stage 'b'; one path can have only one producer");
	expect_error("an out listed twice on one line",
		     "stages:\n  a: {cmd: x, outs: [o, o]}\n",
		     "stages.yaml:2:25: error: 'o' is listed twice in the outs of stage 'a' (line 2, columns 22 and 25)");
	expect_error("an out listed twice on two lines",
		     "stages:\n  a:\n    cmd: x\n    outs:\n      - o\n      - ./o: {cache: false}\n",
		     "stages.yaml:6:9: error: 'o' is listed twice in the outs of stage 'a' (lines 5 and 6)");
	expect_error("an out that is a metric too",
		     "stages:\n  a:\n    cmd: x\n    outs: [m.json]\n    metrics: [m.json]\n",
		     "stages.yaml:5:15: error: 'm.json' is listed twice in stage 'a' (in outs at line 4 and in metrics at line 5); list it once");
	expect_error("out inside out",
		     "stages:\n  a: {cmd: x, outs: [d]}\n  b: {cmd: y, outs: [d/x]}\n",
		     "stages.yaml:3:22: error: out 'd/x' of stage 'b' is inside out 'd' of stage 'a'");
	expect_error("dep and out",
		     "stages:\n  a: {cmd: x, deps: [f], outs: [f]}\n",
		     "stages.yaml:2:22: error: 'f' is both a dep and an out of stage 'a'");
}

/* The edges come from an index of outs sorted by path; the lists keep
 * declaration order all the same. */
static void test_edge_order(void)
{
	struct pipeline p;
	struct graph g;
	struct strbuf err = STRBUF_INIT;
	const char *y =
		"stages:\n"
		"  z:    {cmd: z, outs: [d/z]}\n"
		"  a:    {cmd: a, outs: [d/a/deep]}\n"
		"  top:  {cmd: t, outs: [e]}\n"
		"  use:  {cmd: u, deps: [e/f, d, d/z]}\n"
		"  use2: {cmd: v, deps: [d/a/deep/x]}\n";

	ok(build(y, &p, &g, &err) == 0, "graph builds");
	ok(g.nup[3] == 3 && g.up[3][0] == 2 && g.up[3][1] == 0 && g.up[3][2] == 1,
	   "use: the dep inside an out, then the outs inside a dep in declaration order, once each");
	ok(g.nup[4] == 1 && g.up[4][0] == 1, "use2: a dep inside a nested out");
	ok(g.ndown[0] == 1 && g.ndown[1] == 2 && g.down[1][0] == 3 && g.down[1][1] == 4, "down lists");
	graph_release(&g);
	pipeline_release(&p);
	strbuf_release(&err);
	expect_error("three producers, each later one named against the first",
		     "stages:\n  a: {cmd: x, outs: [o]}\n  b: {cmd: y, outs: [o]}\n  c: {cmd: z, outs: [o]}\n",
		     "stages.yaml:3:22: error: 'o' is an out of both stage 'a' (line 2) and stage 'b'; one path can have only one producer\n"
		     "stages.yaml:4:22: error: 'o' is an out of both stage 'a' (line 2) and stage 'c'; one path can have only one producer");
}

/* A matrix of 2,001 producers under one directory and 2,001 consumers of
 * that directory: 4,004,001 edges, past the bound, refused in one line. A
 * sparse pipeline of 10,000 stages builds. */
static void test_edge_bound(void)
{
	struct pipeline p;
	struct graph g = { 0 };
	struct strbuf y = STRBUF_INIT, err = STRBUF_INIT;

	strbuf_addstr(&y, "stages:\n  make:\n    matrix:\n      i: &l [0");
	for (int i = 1; i <= 2000; i++)
		strbuf_addf(&y, ",%d", i);
	strbuf_addstr(&y, "]\n    cmd: m\n    outs:\n      - o/${item.i}\n"
			  "  use:\n    matrix:\n      i: *l\n    cmd: u\n    deps: [o]\n"
			  "    outs:\n      - u/${item.i}\n");
	ok(build(y.buf, &p, &g, &err) < 0, "a graph past 4 million edges is refused");
	is_str(err.buf, "stages.yaml:8:3: error: with stage 'use@1999' the stages depend on each other's "
	       "outs more than 4000000 times in all; a pipeline this dense is refused",
	       "... in one line naming the bound and where it was passed");
	graph_release(&g);
	pipeline_release(&p);
	strbuf_reset(&y);
	strbuf_reset(&err);
	strbuf_addstr(&y, "stages:\n  make:\n    matrix:\n      a: &l [0");
	for (int i = 1; i < 100; i++)
		strbuf_addf(&y, ",%d", i);
	strbuf_addstr(&y, "]\n      b: *l\n    cmd: m\n    outs:\n      - o/${item.a}-${item.b}\n"
			  "  join: {cmd: j, deps: [o], outs: [n]}\n");
	ok(build(y.buf, &p, &g, &err) == 0 && p.n == 10001 && g.nup[10000] == 10000,
	   "10,000 stages and a join of them build");
	graph_release(&g);
	pipeline_release(&p);
	strbuf_release(&y);
	strbuf_release(&err);
}

int main(void)
{
	test_order();
	test_errors();
	test_edge_order();
	test_edge_bound();
	return done_testing();
}
