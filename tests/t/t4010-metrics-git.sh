#!/bin/sh
# repro metrics show|diff across git history, read through libgit2 without
# checking anything out: metrics in git (cache: false) and metrics that are
# cached outs (read through each commit's lock from the cache), branches,
# tags, every commit, a metric appearing and disappearing, a project in a
# subdirectory of the work tree.
. "$(dirname "$0")/../test-lib.sh"

command -v git >/dev/null 2>&1 || skip_all "git is not installed"
export GIT_AUTHOR_NAME=repro GIT_AUTHOR_EMAIL=repro@example.com
export GIT_COMMITTER_NAME=repro GIT_COMMITTER_EMAIL=repro@example.com
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=$TRASH
export GIT_CEILING_DIRECTORIES=$TRASH

# commit_at DAY MESSAGE: a commit with a fixed date, so history order is fixed
commit_at() {
	GIT_AUTHOR_DATE="2024-01-0$1T00:00:00Z" GIT_COMMITTER_DATE="2024-01-0$1T00:00:00Z" \
		git commit -q -m "$2"
}

test_expect_success 'setup: history with branches, tags, cached and git-tracked metrics' '
	mkdir r && cd r && git init -q -b main && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  train:
	    cmd: cp train.json metrics.json
	    deps: [train.json]
	    params: [train.lr, train.layers]
	    metrics:
	      - metrics.json:
	          cache: false
	  eval:
	    cmd: cp eval.yaml eval_out.yaml
	    deps: [eval.yaml]
	    params: [eval]
	    metrics: [eval_out.yaml]
	EOF
	printf "train:\n  lr: 0.1\n  layers: [64, 32]\n  epochs: 5\neval:\n  split: 0.2\n" >params.yaml &&
	echo "{\"acc\": 0.8, \"loss\": 0.5, \"status\": \"ok\"}" >train.json &&
	printf "auc: 0.7\nnested:\n  f1: 0.6\n" >eval.yaml &&
	repro run >/dev/null &&
	git add stages.yaml stages.lock params.yaml train.json eval.yaml metrics.json &&
	commit_at 1 one && git tag v1 &&

	echo "{\"acc\": 0.85, \"loss\": 0.4, \"status\": \"ok\", \"extra\": {\"recall\": 0.9}}" >train.json &&
	printf "auc: 0.75\nnested:\n  f1: 0.6\n" >eval.yaml &&
	repro run >/dev/null && git add -u && commit_at 2 two && git branch feature &&

	echo "{\"acc\": 0.9, \"loss\": 0.4, \"status\": \"better\"}" >train.json &&
	sed -e "s/lr: 0.1/lr: 0.2/" -e "s/64, 32/128, 32/" params.yaml >p.tmp && mv p.tmp params.yaml &&
	repro run >/dev/null && git add -u && commit_at 3 three && git tag v2 &&

	git checkout -q -b exp v1 &&
	echo "{\"acc\": 0.7, \"loss\": 0.6, \"status\": \"worse\"}" >train.json &&
	repro run >/dev/null && git add -u && commit_at 4 exp &&
	git checkout -q main && repro checkout >/dev/null &&
	echo "{\"acc\": 0.95, \"loss\": 0.35, \"status\": \"better\"}" >metrics.json &&
	test "$(git status --porcelain --untracked-files=no)" = " M metrics.json"
'

test_expect_success 'show: the workspace only, even inside git' '
	cd r && repro metrics show >out &&
	cat >expect <<-\EOF &&
	Path           Metric     Value
	metrics.json   acc        0.95
	metrics.json   loss       0.35
	metrics.json   status     better
	eval_out.yaml  auc        0.75
	eval_out.yaml  nested.f1  0.6
	EOF
	test_cmp expect out
'

test_expect_success 'show -a -T: every branch and tag, cached metrics read through their lock' '
	cd r && repro metrics show -a -T >out &&
	cat >expect <<-\EOF &&
	Revision   Path           Metric        Value
	workspace  metrics.json   acc           0.95
	workspace  metrics.json   loss          0.35
	workspace  metrics.json   status        better
	workspace  eval_out.yaml  auc           0.75
	workspace  eval_out.yaml  nested.f1     0.6
	exp        metrics.json   acc           0.7
	exp        metrics.json   loss          0.6
	exp        metrics.json   status        worse
	exp        eval_out.yaml  auc           0.7
	exp        eval_out.yaml  nested.f1     0.6
	feature    metrics.json   acc           0.85
	feature    metrics.json   loss          0.4
	feature    metrics.json   status        ok
	feature    metrics.json   extra.recall  0.9
	feature    eval_out.yaml  auc           0.75
	feature    eval_out.yaml  nested.f1     0.6
	main       metrics.json   acc           0.9
	main       metrics.json   loss          0.4
	main       metrics.json   status        better
	main       eval_out.yaml  auc           0.75
	main       eval_out.yaml  nested.f1     0.6
	v1         metrics.json   acc           0.8
	v1         metrics.json   loss          0.5
	v1         metrics.json   status        ok
	v1         eval_out.yaml  auc           0.7
	v1         eval_out.yaml  nested.f1     0.6
	v2         metrics.json   acc           0.9
	v2         metrics.json   loss          0.4
	v2         metrics.json   status        better
	v2         eval_out.yaml  auc           0.75
	v2         eval_out.yaml  nested.f1     0.6
	EOF
	test_cmp expect out
'

test_expect_success 'show -A: every commit, newest first, by abbreviated id' '
	cd r && repro metrics show -A metrics.json >out &&
	c1=$(git rev-parse --short v1) c2=$(git rev-parse --short feature) &&
	c3=$(git rev-parse --short main) c4=$(git rev-parse --short exp) &&
	cat >expect <<-EOF &&
	Revision   Path          Metric        Value
	workspace  metrics.json  acc           0.95
	workspace  metrics.json  loss          0.35
	workspace  metrics.json  status        better
	$c4    metrics.json  acc           0.7
	$c4    metrics.json  loss          0.6
	$c4    metrics.json  status        worse
	$c3    metrics.json  acc           0.9
	$c3    metrics.json  loss          0.4
	$c3    metrics.json  status        better
	$c2    metrics.json  acc           0.85
	$c2    metrics.json  loss          0.4
	$c2    metrics.json  status        ok
	$c2    metrics.json  extra.recall  0.9
	$c1    metrics.json  acc           0.8
	$c1    metrics.json  loss          0.5
	$c1    metrics.json  status        ok
	EOF
	test_cmp expect out &&
	repro metrics show -a -A metrics.json >out &&
	test_grep -c "^main " out >count && test "$(cat count)" = 3 &&
	! grep "^$c3 " out
'

test_expect_success 'show -T --json' '
	cd r && repro metrics show -T --json eval_out.yaml >out &&
	cat >expect <<-\EOF &&
	{
	  "workspace": {
	    "eval_out.yaml": {
	      "auc": 0.75,
	      "nested.f1": 0.6
	    }
	  },
	  "v1": {
	    "eval_out.yaml": {
	      "auc": 0.7,
	      "nested.f1": 0.6
	    }
	  },
	  "v2": {
	    "eval_out.yaml": {
	      "auc": 0.75,
	      "nested.f1": 0.6
	    }
	  }
	}
	EOF
	test_cmp expect out
'

test_expect_success 'diff: HEAD against the workspace, changed metrics only' '
	cd r && repro metrics diff >out &&
	cat >expect <<-\EOF &&
	Path          Metric  HEAD  workspace  Change
	metrics.json  acc     0.9   0.95       0.05
	metrics.json  loss    0.4   0.35       -0.05
	EOF
	test_cmp expect out
'

test_expect_success 'diff A --all: unchanged rows too, strings not diffed' '
	cd r && repro metrics diff v1 --all >out &&
	cat >expect <<-\EOF &&
	Path           Metric     v1   workspace  Change
	metrics.json   acc        0.8  0.95       0.15
	metrics.json   loss       0.5  0.35       -0.15
	metrics.json   status     ok   better     -
	eval_out.yaml  auc        0.7  0.75       0.05
	eval_out.yaml  nested.f1  0.6  0.6        0
	EOF
	test_cmp expect out
'

test_expect_success 'diff A B: a metric appearing and disappearing shows "-" on the other side' '
	cd r && repro metrics diff v1 feature >out &&
	cat >expect <<-\EOF &&
	Path           Metric        v1   feature  Change
	metrics.json   acc           0.8  0.85     0.05
	metrics.json   loss          0.5  0.4      -0.1
	metrics.json   extra.recall  -    0.9      -
	eval_out.yaml  auc           0.7  0.75     0.05
	EOF
	test_cmp expect out &&
	repro metrics diff feature main >out &&
	cat >expect <<-\EOF &&
	Path          Metric        feature  main    Change
	metrics.json  acc           0.85     0.9     0.05
	metrics.json  status        ok       better  -
	metrics.json  extra.recall  0.9      -       -
	EOF
	test_cmp expect out
'

test_expect_success 'diff --md: a table for a pull-request comment' '
	cd r && repro metrics diff v1 feature --md >out &&
	cat >expect <<-\EOF &&
	| Path          | Metric       | v1  | feature | Change |
	|---------------|--------------|-----|---------|--------|
	| metrics.json  | acc          | 0.8 | 0.85    | 0.05   |
	| metrics.json  | loss         | 0.5 | 0.4     | -0.1   |
	| metrics.json  | extra.recall | -   | 0.9     | -      |
	| eval_out.yaml | auc          | 0.7 | 0.75    | 0.05   |
	EOF
	test_cmp expect out
'

test_expect_success 'diff --csv and --json' '
	cd r && repro metrics diff exp v2 --csv >out &&
	cat >expect <<-\EOF &&
	Path,Metric,exp,v2,Change
	metrics.json,acc,0.7,0.9,0.2
	metrics.json,loss,0.6,0.4,-0.2
	metrics.json,status,worse,better,-
	eval_out.yaml,auc,0.7,0.75,0.05
	EOF
	test_cmp expect out &&
	repro metrics diff v1 feature --json >out &&
	cat >expect <<-\EOF &&
	{
	  "metrics.json": {
	    "acc": {
	      "old": 0.8,
	      "new": 0.85,
	      "diff": 0.05
	    },
	    "loss": {
	      "old": 0.5,
	      "new": 0.4,
	      "diff": -0.1
	    },
	    "extra.recall": {
	      "old": null,
	      "new": 0.9
	    }
	  },
	  "eval_out.yaml": {
	    "auc": {
	      "old": 0.7,
	      "new": 0.75,
	      "diff": 0.05
	    }
	  }
	}
	EOF
	test_cmp expect out
'

test_expect_success 'diff --precision, short ids and HEAD~N' '
	cd r && short=$(git rev-parse --short=5 HEAD) &&
	repro metrics diff HEAD~2 $short --precision 1 >out &&
	cat >expect <<-EOF &&
	Path           Metric  HEAD~2  $short   Change
	metrics.json   acc     0.8     0.9     0.1
	metrics.json   loss    0.5     0.4     -0.1
	metrics.json   status  ok      better  -
	eval_out.yaml  auc     0.7     0.8     0.05
	EOF
	test_cmp expect out &&
	repro metrics diff HEAD~2 HEAD --precision 1 --csv >out &&
	cat >expect <<-\EOF &&
	Path,Metric,HEAD~2,HEAD,Change
	metrics.json,acc,0.8,0.9,0.1
	metrics.json,loss,0.5,0.4,-0.1
	metrics.json,status,ok,better,-
	eval_out.yaml,auc,0.7,0.8,0.05
	EOF
	test_cmp expect out
'

test_expect_success 'diff with nothing changed prints nothing' '
	cd r && repro metrics diff v2 main >out && test ! -s out &&
	repro metrics diff v2 main --json >out && printf "{\n}\n" >expect && test_cmp expect out
'

test_expect_success 'an unknown revision is one clear line, exit 2' '
	cd r && test_expect_code 2 repro metrics diff nosuch >out 2>err &&
	echo "repro: error: unknown revision '"'"'nosuch'"'"'" >expect &&
	test_cmp expect err && test ! -s out &&
	test_expect_code 2 repro metrics diff v1 HEAD~99 2>err &&
	echo "repro: error: unknown revision '"'"'HEAD~99'"'"'" >expect &&
	test_cmp expect err &&
	test_expect_code 2 repro metrics diff a b c 2>err &&
	test_grep "takes at most two revisions" err
'

test_expect_success 'a cached metric whose object is not in the cache: "-" and a warning' '
	cd r &&
	id=$(git show v1:stages.lock | sed -n "/path: eval_out.yaml/{n;s/.*sha256: //p;}") &&
	test -n "$id" &&
	obj=.repro/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	mv $obj obj.bak &&
	repro metrics diff v1 v2 >out 2>err &&
	mv obj.bak $obj &&
	cat >expect <<-\EOF &&
	Path           Metric     v1   v2      Change
	metrics.json   acc        0.8  0.9     0.1
	metrics.json   loss       0.5  0.4     -0.1
	metrics.json   status     ok   better  -
	eval_out.yaml  auc        -    0.75    -
	eval_out.yaml  nested.f1  -    0.6     -
	EOF
	test_cmp expect out &&
	echo "repro: warning: '"'"'eval_out.yaml'"'"' at revision '"'"'v1'"'"' is not in the local cache (object $(echo $id | cut -c1-12)) and no remote is configured to fetch it from" >expect &&
	test_cmp expect err
'

test_expect_success 'metrics files come from the stages file at each revision' '
	cd r && git checkout -q -b later main &&
	cat >>stages.yaml <<-\EOF &&
	metrics: [late.yaml]
	EOF
	echo "x: 1" >late.yaml && git add stages.yaml late.yaml && commit_at 5 late &&
	repro metrics diff main later >out &&
	cat >expect <<-\EOF &&
	Path       Metric  main  later  Change
	late.yaml  x       -     1      -
	EOF
	test_cmp expect out &&
	repro metrics diff later main >out &&
	cat >expect <<-\EOF &&
	Path       Metric  later  main  Change
	late.yaml  x       1      -     -
	EOF
	test_cmp expect out &&
	git checkout -q main
'

test_expect_success 'a stages file that does not load at a revision: warned, left out' '
	cd r && git checkout -q -b broken main &&
	echo "stages: [" >stages.yaml && git add stages.yaml && commit_at 6 broken &&
	git checkout -q main &&
	test_expect_code 1 repro metrics diff broken main >out 2>err &&
	test_grep "^stages.yaml:2:1: error: " err &&
	test_grep "warning: the stages file at revision .broken. does not load" err &&
	cat >expect <<-\EOF &&
	Path           Metric     broken  main    Change
	metrics.json   acc        -       0.9     -
	metrics.json   loss       -       0.4     -
	metrics.json   status     -       better  -
	eval_out.yaml  auc        -       0.75    -
	eval_out.yaml  nested.f1  -       0.6     -
	EOF
	test_cmp expect out
'

test_expect_success 'a project in a subdirectory of the work tree' '
	mkdir mono && cd mono && git init -q -b main &&
	mkdir -p ml/sub && cd ml && repro init >/dev/null &&
	printf "metrics: [m.json]\n" >stages.yaml && echo "{\"a\": 1}" >m.json &&
	git add stages.yaml m.json && commit_at 1 first &&
	echo "{\"a\": 3}" >m.json &&
	cd sub && repro metrics diff >out &&
	cat >expect <<-\EOF &&
	Path    Metric  HEAD  workspace  Change
	m.json  a       1     3          2
	EOF
	test_cmp expect out &&
	repro metrics show -A >out &&
	cat >expect <<-EOF &&
	Revision   Path    Metric  Value
	workspace  m.json  a       3
	$(git rev-parse --short HEAD)    m.json  a       1
	EOF
	test_cmp expect out
'

test_expect_success 'symbolic links inside the tree are followed; links out of it are not' '
	cd mono && mkdir shared && echo "{\"b\": 5}" >shared/m.json &&
	ln -s ../shared/m.json ml/link.json && ln -s /nonexistent/m.json ml/abs.json &&
	printf "metrics: [m.json, link.json, abs.json]\n" >ml/stages.yaml &&
	git add shared ml && commit_at 2 links &&
	cd ml && repro metrics show -A link.json abs.json >out &&
	head=$(git rev-parse --short HEAD) first=$(git rev-parse --short HEAD~1) &&
	cat >expect <<-EOF &&
	Revision   Path       Metric  Value
	workspace  link.json  b       5
	workspace  abs.json   -       -
	$head    link.json  b       5
	$head    abs.json   -       -
	$first    link.json  -       -
	$first    abs.json   -       -
	EOF
	test_cmp expect out
'

test_expect_success 'a repository with no commits yet' '
	mkdir fresh && cd fresh && git init -q && repro init >/dev/null &&
	printf "metrics: [m.json]\n" >stages.yaml && echo "{\"a\": 1}" >m.json &&
	test_expect_code 2 repro metrics diff 2>err &&
	echo "repro: error: unknown revision '"'"'HEAD'"'"': the current branch has no commits yet" >expect &&
	test_cmp expect err &&
	repro metrics show -A >out &&
	printf "Revision   Path    Metric  Value\nworkspace  m.json  a       1\n" >expect &&
	test_cmp expect out
'

test_done
