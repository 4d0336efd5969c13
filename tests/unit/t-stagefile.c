/* The stages file: schema, templating, foreach/matrix, and every error. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture.h"
#include "memsrc.h"
#include "tap.h"
#include "core/stage.h"
#include "util/strbuf.h"

/* Loads a stages.yaml (+ params.yaml) from memory; captures stderr into err. */
static int load(struct pipeline *p, const char *stages, const char *params, struct strbuf *err)
{
	struct memfile files[] = {
		{ "stages.yaml", stages },
		{ params ? "params.yaml" : "none", params ? params : "" },
		{ "extra.json", "{\"batch\": 32, \"opt\": {\"name\": \"adam\"}}" },
		{ NULL, NULL },
	};
	struct file_source src = MEMSRC(files);
	struct capture cap;

	capture_begin(&cap);
	int r = pipeline_load(p, "stages.yaml", &src, 0);
	capture_end(&cap, err);
	return r;
}

static void test_basic(void)
{
	struct pipeline p;
	struct strbuf err = STRBUF_INIT;
	const char *y =
		"stages:\n"
		"  prepare:\n"
		"    cmd: python prepare.py\n"
		"    deps: [data/raw.csv, ./src//prepare.py]\n"
		"    params: [prepare.seed, {extra.json: [batch]}]\n"
		"    outs:\n"
		"      - data/prepared\n"
		"      - cache.bin: {cache: false, persist: true}\n"
		"  train:\n"
		"    cmd: [python train.py, echo done]\n"
		"    wdir: sub\n"
		"    deps: [../data/prepared]\n"
		"    metrics: [{scores.json: {cache: false}}]\n"
		"    plots: [{loss.csv: {x: step, y: loss}}]\n"
		"    frozen: true\n"
		"    always_changed: false\n"
		"    desc: trains\n"
		"    meta: {slurm: {partition: gpu}}\n";

	ok(load(&p, y, "prepare: {seed: 1}\n", &err) == 0, "valid stages file loads");
	is_int(p.n, 2, "two stages");
	struct stage *s = &p.stages[0];
	is_str(s->name, "prepare", "first stage name");
	is_int(s->ncmd, 1, "cmd string is one command");
	is_str(s->deps[1].path, "src/prepare.py", "dep paths are normalised");
	is_str(s->deps[1].decl, "./src//prepare.py", "dep keeps its declared spelling");
	is_int(s->nparams, 2, "two params");
	is_str(s->params[0].file, "params.yaml", "default params file");
	is_str(s->params[0].key, "prepare.seed", "param key");
	is_str(s->params[1].file, "extra.json", "params from another file");
	is_int(s->nouts, 2, "two outs");
	ok(s->outs[0].cache && !s->outs[0].persist && s->outs[0].push, "out defaults");
	ok(!s->outs[1].cache && s->outs[1].persist, "out options");
	struct stage *t = &p.stages[1];
	is_int(t->ncmd, 2, "cmd list");
	is_str(t->wdir, "sub", "wdir");
	is_str(t->deps[0].path, "data/prepared", "dep relative to wdir");
	is_str(t->outs[0].path, "sub/scores.json", "out relative to wdir");
	ok(t->outs[0].kind == OUT_METRIC && !t->outs[0].cache, "metric with cache: false");
	ok(t->outs[1].kind == OUT_PLOT && t->outs[1].props, "plot with its properties");
	ok(t->frozen && !t->always_changed, "booleans");
	is_str(t->desc, "trains", "desc");
	ok(cJSON_GetObjectItem(cJSON_GetObjectItem(t->meta, "slurm"), "partition") != NULL, "meta kept as JSON");
	is_str(p.lock_file, "stages.lock", "lock file name");
	pipeline_release(&p);
	strbuf_release(&err);
}

static void test_templating(void)
{
	struct pipeline p;
	struct strbuf err = STRBUF_INIT;
	const char *y =
		"vars:\n"
		"  - extra.json:batch\n"
		"  - model: {depth: 3}\n"
		"stages:\n"
		"  train:\n"
		"    cmd: train --lr ${train.lr} --bs ${batch} --d ${model.depth} --esc \\${HOME}\n"
		"    outs: ['${train.out}']\n"
		"  build:\n"
		"    foreach: [a, b]\n"
		"    do:\n"
		"      cmd: make ${item}\n"
		"      outs:\n"
		"        - out/${item}.bin\n"
		"  fit:\n"
		"    foreach:\n"
		"      small: {n: 1}\n"
		"      large: {n: 9}\n"
		"    do:\n"
		"      cmd: fit ${key} ${item.n}\n"
		"  grid:\n"
		"    matrix:\n"
		"      lr: [0.1, 0.01]\n"
		"      opt: [sgd, adam]\n"
		"    cmd: grid ${item.lr} ${item.opt}\n"
		"  listed:\n"
		"    foreach: ${train.list}\n"
		"    do:\n"
		"      cmd: echo ${item.x}\n";

	ok(load(&p, y, "train: {lr: 0.001, out: model.bin, list: [{x: 1}, {x: 2}]}\n", &err) == 0,
	   "templated stages file loads");
	if (err.len)
		printf("# %s\n", err.buf);
	struct stage *s = pipeline_find(&p, "train");
	is_str(s ? s->cmd[0] : NULL, "train --lr 0.001 --bs 32 --d 3 --esc ${HOME}",
	       "interpolation from params.yaml, a vars file and inline vars; escape");
	is_str(s ? s->outs[0].path : NULL, "model.bin", "whole-value interpolation");
	ok(pipeline_find(&p, "build@a") && pipeline_find(&p, "build@b"), "foreach over a list: build@a, build@b");
	s = pipeline_find(&p, "build@b");
	is_str(s ? s->outs[0].path : NULL, "out/b.bin", "foreach ${item}");
	s = pipeline_find(&p, "fit@large");
	is_str(s ? s->cmd[0] : NULL, "fit large 9", "foreach over a map: ${key} ${item.n}");
	ok(pipeline_find(&p, "grid@0.1-sgd") && pipeline_find(&p, "grid@0.01-adam"), "matrix names");
	s = pipeline_find(&p, "grid@0.01-sgd");
	is_str(s ? s->cmd[0] : NULL, "grid 0.01 sgd", "matrix ${item.x}");
	is_int(p.n, 1 + 2 + 2 + 4 + 2, "all expansions present");
	is_str(pipeline_find(&p, "listed@1") ? pipeline_find(&p, "listed@1")->cmd[0] : NULL, "echo 2",
	       "foreach over a list of maps from vars: named by index");
	pipeline_release(&p);
	strbuf_release(&err);
}

/* Each invalid file fails with exactly the located message given. */
static void expect_error(const char *what, const char *stages, const char *want)
{
	struct pipeline p;
	struct strbuf err = STRBUF_INIT;
	int r = load(&p, stages, "lr: 1\n", &err);
	char name[256];

	snprintf(name, sizeof(name), "error: %s", what);
	ok(r < 0, name);
	snprintf(name, sizeof(name), "message: %s", what);
	is_str(err.buf, want, name);
	strbuf_release(&err);
}

static void test_errors(void)
{
	expect_error("unknown key with suggestion", "stages:\n  train:\n    cmd: x\n    dep: [a]\n",
		     "stages.yaml:4:5: error: unknown key 'dep' in the definition of stage 'train' (did you mean 'deps'?)");
	expect_error("unknown top-level key", "stage:\n  a: {cmd: x}\n",
		     "stages.yaml:1:1: error: unknown top-level key 'stage' (did you mean 'stages'?)");
	expect_error("no cmd", "stages:\n  a:\n    deps: [x]\n", "stages.yaml:3:5: error: stage 'a' has no 'cmd'");
	expect_error("out leaves the project", "stages:\n  a:\n    cmd: x\n    outs: [../x]\n",
		     "stages.yaml:4:12: error: out '../x' of stage 'a': path leaves the project");
	expect_error("absolute dep", "stages:\n  a:\n    cmd: x\n    deps: [/etc/passwd]\n",
		     "stages.yaml:4:12: error: dep '/etc/passwd' of stage 'a' is an absolute path; use a path inside the project");
	expect_error("unknown variable with suggestion", "stages:\n  a:\n    cmd: run ${lrr}\n",
		     "stages.yaml:3:10: error: unknown variable 'lrr' in stage 'a' (did you mean 'lr'?)");
	expect_error("bad boolean", "stages:\n  a:\n    cmd: x\n    frozen: maybe\n",
		     "stages.yaml:4:13: error: 'frozen' of stage 'a' must be true or false, not 'maybe'");
	expect_error("bad out option", "stages:\n  a:\n    cmd: x\n    outs: [{o: {cahce: false}}]\n",
		     "stages.yaml:4:17: error: unknown key 'cahce' in an out of stage 'a' (did you mean 'cache'?)");
	expect_error("YAML syntax", "stages:\n  a: [\n", "stages.yaml:3:1: error: did not find expected node content while parsing a flow node");
	expect_error("invalid name", "stages:\n  a@b:\n    cmd: x\n",
		     "stages.yaml:2:3: error: invalid stage name 'a@b' (names cannot be empty or hold '@', ':', '/', spaces or control characters)");
	expect_error("foreach without do", "stages:\n  a:\n    foreach: [1]\n    cmd: x\n",
		     "stages.yaml:3:5: error: stage 'a' has 'foreach' but no 'do'");
	expect_error("duplicate key", "stages:\n  a:\n    cmd: x\n    cmd: y\n",
		     "stages.yaml:4:5: error: duplicate key 'cmd'");
	expect_error("duplicate expansion", "stages:\n  a:\n    foreach: [x, x]\n    do: {cmd: y}\n",
		     "stages.yaml:2:3: error: two stages are named 'a@x' (the other is at line 2); rename one");
	expect_error("list inside a string", "vars: [{l: [1, 2]}]\nstages:\n  a:\n    cmd: run ${l}\n",
		     "stages.yaml:4:10: error: '${l}' is a list and cannot be part of a string");
}

static void test_lock_name(void)
{
	static const char *const cases[][3] = {
		{ "stages.yaml", "stages.lock", "stages.yaml -> stages.lock" },
		{ "dvc.yaml", "dvc.repro.lock", "dvc.yaml -> dvc.repro.lock: dvc.lock is DVC's" },
		{ "sub/dvc.yml", "sub/dvc.repro.lock", "sub/dvc.yml -> sub/dvc.repro.lock" },
		{ "sub/mydvc.yaml", "sub/mydvc.lock", "only the name dvc is DVC's" },
		{ "sub.dir/pipe", "sub.dir/pipe.lock", "a name without extension gains .lock" },
		{ ".hidden", ".hidden.lock", "a dot file has no extension" },
		{ "odd.lock", "odd.lock.lock", "the lock is never the stages file itself" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *l = lock_file_for(cases[i][0]);
		is_str(l, cases[i][1], cases[i][2]);
		free(l);
	}
}

int main(void)
{
	test_basic();
	test_templating();
	test_errors();
	test_lock_name();
	return done_testing();
}
