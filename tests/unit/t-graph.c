/* The stage graph: edges, order, and the errors DVC reports. */
#include <stdio.h>
#include <stdlib.h>
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

int main(void)
{
	test_order();
	test_errors();
	return done_testing();
}
