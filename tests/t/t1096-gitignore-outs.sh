#!/bin/sh
# Cached stage outs are kept out of git as DVC keeps them: a "/NAME" line in
# the .gitignore of their directory, written when the stage runs, is
# committed, restored or checked out; "cache: false" outs are left to git.
. "$(dirname "$0")/../test-lib.sh"

command -v git >/dev/null || { skip_all "git is not installed"; }

test_expect_success 'setup: a git repository with a pipeline' '
	mkdir p && cd p && git init -q && repro init >/dev/null &&
	printf "/out\n/expect\n/err\n/*.before\n" >>.git/info/exclude &&
	printf "/own-line\n" >.gitignore &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  train:
	    cmd:
	      - mkdir -p models && echo m >models/model.bin
	      - echo {} >metrics.json
	      - echo n >notes.txt
	      - echo s >"odd *name.bin"
	    outs: [models/model.bin, notes.txt: {cache: false}, "odd *name.bin"]
	    metrics: [metrics.json]
	EOF
	git add .gitignore stages.yaml .repro && git commit -qm setup
'

test_expect_success 'after a run git sees the lock and the cache: false out, not the cached outs' '
	cd p && repro run >/dev/null &&
	git status --porcelain --untracked-files=all >out &&
	cat >expect <<-\EOF &&
	 M .gitignore
	?? models/.gitignore
	?? notes.txt
	?? stages.lock
	EOF
	test_cmp expect out &&
	printf "/metrics.json\n/odd \\\\*name.bin\n/own-line\n" >expect && test_cmp expect .gitignore &&
	echo /model.bin >expect && test_cmp expect models/.gitignore
'

test_expect_success 'the escaped line matches that name only' '
	cd p && touch "odd Xname.bin" && git status --porcelain >out &&
	test_grep "^?? .odd Xname.bin.$" out && rm "odd Xname.bin"
'

test_expect_success 'running again changes nothing: no duplicate lines, file not rewritten' '
	cd p && cp .gitignore gi.before && ino=$(stat -c %i .gitignore) &&
	repro run --force >/dev/null && repro commit >/dev/null &&
	test_cmp gi.before .gitignore && test "$(stat -c %i .gitignore)" = "$ino" && rm gi.before
'

test_expect_success 'checkout writes the lines a fresh clone lacks' '
	cd p && git add -A && git commit -qm run && cd .. &&
	git clone -q p clone && cd clone &&
	cp -r ../p/.repro/cache .repro/ &&
	git rm -q --cached models/.gitignore && rm models/.gitignore &&
	repro checkout >out && test_grep "^restored .models/model.bin.$" out &&
	echo /model.bin >expect && test_cmp expect models/.gitignore
'

test_expect_success 'a restore from the run cache writes them too' '
	cd p && printf "lr: 1\n" >params.yaml &&
	sed -i "s/^    metrics:/    params: [lr]\n    metrics:/" stages.yaml &&
	repro run >/dev/null && printf "lr: 2\n" >params.yaml && repro run >/dev/null &&
	printf "lr: 1\n" >params.yaml && rm models/.gitignore &&
	repro run >out && test_grep "from the run cache" out &&
	echo /model.bin >expect && test_cmp expect models/.gitignore
'

test_expect_success 'commit writes them for hand-made outs' '
	cd p && rm models/.gitignore && echo by-hand >models/model.bin &&
	repro commit >out && test_grep "^committed .train.$" out &&
	echo /model.bin >expect && test_cmp expect models/.gitignore
'

test_expect_success 'a .gitignore that cannot be written fails the stage; the lock is untouched' '
	cd p && cp stages.lock lock.before && rm models/.gitignore && mkdir models/.gitignore &&
	printf "lr: 3\n" >params.yaml &&
	test_expect_code 1 repro run 2>err && test_grep "models/.gitignore" err &&
	test_cmp lock.before stages.lock && rmdir models/.gitignore && rm lock.before
'

test_done
