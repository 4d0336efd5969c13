#!/bin/sh
# repro params diff: the params the stages declare, at two revisions read
# from git, in every format.
. "$(dirname "$0")/../test-lib.sh"

command -v git >/dev/null 2>&1 || skip_all "git is not installed"
export GIT_AUTHOR_NAME=repro GIT_AUTHOR_EMAIL=repro@example.com
export GIT_COMMITTER_NAME=repro GIT_COMMITTER_EMAIL=repro@example.com
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=$TRASH
export GIT_CEILING_DIRECTORIES=$TRASH

commit_at() {
	GIT_AUTHOR_DATE="2024-01-0$1T00:00:00Z" GIT_COMMITTER_DATE="2024-01-0$1T00:00:00Z" \
		git commit -q -m "$2"
}

test_expect_success 'setup: params by key, a whole params file, a top-level params file' '
	mkdir r && cd r && git init -q -b main && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	params: [extra.json]
	stages:
	  train:
	    cmd: "true"
	    params:
	      - train.lr
	      - train.layers
	      - prep
	  eval:
	    cmd: "true"
	    params:
	      - eval.yaml:
	EOF
	cat >params.yaml <<-\EOF &&
	train:
	  lr: 0.1
	  layers: [64, 32]
	  unused: 1
	prep:
	  seed: 42
	  steps: {a: 1, b: 2}
	EOF
	printf "threshold: 0.5\nname: base\n" >eval.yaml &&
	echo "{\"batch\": 16}" >extra.json &&
	git add . && commit_at 1 one && git tag v1 &&
	sed -e "s/lr: 0.1/lr: 0.25/" -e "s/b: 2/b: 3/" -e "s/unused: 1/unused: 2/" params.yaml >p.tmp &&
	mv p.tmp params.yaml &&
	printf "threshold: 0.5\nname: tuned\nnew: true\n" >eval.yaml &&
	git add . && commit_at 2 two
'

test_expect_success 'params diff: HEAD against an unchanged workspace prints nothing' '
	cd r && repro params diff >out && test ! -s out
'

test_expect_success 'params diff A: changed declared params only (undeclared keys ignored)' '
	cd r && repro params diff v1 >out &&
	cat >expect <<-\EOF &&
	Path         Param         v1    workspace
	params.yaml  train.lr      0.1   0.25
	params.yaml  prep.steps.b  2     3
	eval.yaml    name          base  tuned
	eval.yaml    new           -     true
	EOF
	test_cmp expect out
'

test_expect_success 'params diff --all, lists shown as JSON' '
	cd r && sed -e "s/64, 32/128, 32/" params.yaml >p.tmp && mv p.tmp params.yaml &&
	repro params diff --all >out &&
	cat >expect <<-\EOF &&
	Path         Param         HEAD     workspace
	params.yaml  train.lr      0.25     0.25
	params.yaml  train.layers  [64,32]  [128,32]
	params.yaml  prep.seed     42       42
	params.yaml  prep.steps.a  1        1
	params.yaml  prep.steps.b  3        3
	eval.yaml    threshold     0.5      0.5
	eval.yaml    name          tuned    tuned
	eval.yaml    new           true     true
	extra.json   batch         16       16
	EOF
	test_cmp expect out
'

test_expect_success 'params diff --md' '
	cd r && repro params diff v1 HEAD --md >out &&
	cat >expect <<-\EOF &&
	| Path        | Param        | v1   | HEAD  |
	|-------------|--------------|------|-------|
	| params.yaml | train.lr     | 0.1  | 0.25  |
	| params.yaml | prep.steps.b | 2    | 3     |
	| eval.yaml   | name         | base | tuned |
	| eval.yaml   | new          | -    | true  |
	EOF
	test_cmp expect out
'

test_expect_success 'params diff --json' '
	cd r && repro params diff v1 --json >out &&
	cat >expect <<-\EOF &&
	{
	  "params.yaml": {
	    "train.lr": {
	      "old": 0.1,
	      "new": 0.25
	    },
	    "train.layers": {
	      "old": [64, 32],
	      "new": [128, 32]
	    },
	    "prep.steps.b": {
	      "old": 2,
	      "new": 3
	    }
	  },
	  "eval.yaml": {
	    "name": {
	      "old": "base",
	      "new": "tuned"
	    },
	    "new": {
	      "old": null,
	      "new": true
	    }
	  }
	}
	EOF
	test_cmp expect out
'

test_expect_success 'params diff --csv; a params file removed at one side' '
	cd r && git rm -q extra.json && commit_at 3 three &&
	repro params diff HEAD~1 HEAD --csv >out &&
	cat >expect <<-\EOF &&
	Path,Param,HEAD~1,HEAD
	extra.json,batch,16,-
	EOF
	test_cmp expect out
'

test_expect_success 'params: usage and errors' '
	cd r &&
	test_expect_code 2 repro params 2>err && test_grep "usage: repro params diff" err &&
	test_expect_code 2 repro params show 2>err && test_grep "unknown subcommand .params show." err &&
	test_expect_code 2 repro params diff nope 2>err &&
	echo "repro: error: unknown revision '"'"'nope'"'"'" >expect && test_cmp expect err &&
	repro params diff --help >out && test_grep "^usage: repro params diff" out
'

test_done
