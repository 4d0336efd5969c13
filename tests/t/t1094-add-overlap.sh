#!/bin/sh
# One path has one owner: repro add refuses paths inside or above tracked
# data, the pipeline's own files; a stage out may not be tracked data.
. "$(dirname "$0")/../test-lib.sh"

q="'"

test_expect_success 'setup: tracked data/raw' '
	mkdir p && cd p && repro init >/dev/null &&
	mkdir -p data/raw && echo 1 >data/raw/f1 && echo 2 >data/raw/f2 &&
	repro add data/raw >/dev/null && cp data/raw.repro raw.before
'

test_expect_success 'a path inside tracked data is refused, naming the .repro file' '
	cd p && test_expect_code 1 repro add data/raw/f2 2>err &&
	echo "repro: error: cannot add ${q}data/raw/f2${q}: it is inside ${q}data/raw${q}, which ${q}data/raw.repro${q} tracks already; remove ${q}data/raw.repro${q} first to track ${q}data/raw/f2${q} instead" >expect &&
	test_cmp expect err &&
	test ! -e data/raw/f2.repro && test ! -e data/raw/.gitignore
'

test_expect_success 'a directory holding tracked data is refused' '
	cd p && test_expect_code 1 repro add data 2>err &&
	echo "repro: error: cannot add ${q}data${q}: it holds ${q}data/raw${q}, which ${q}data/raw.repro${q} tracks already; remove ${q}data/raw.repro${q} first to track ${q}data${q} instead" >expect &&
	test_cmp expect err &&
	test ! -e data.repro && test ! -e .gitignore
'

test_expect_success 'the same path again is an update; its hash did not move' '
	cd p && repro add data/raw >/dev/null && test_cmp raw.before data/raw.repro &&
	repro checkout >out && test_grep "^nothing to restore$" out
'

test_expect_success 'two overlapping paths in one command: the second is refused' '
	cd p && mkdir m && echo x >m/a && test_expect_code 1 repro add m m/a 2>err &&
	test_grep "cannot add .m/a.: it is inside .m., which .m.repro. tracks already" err &&
	test -e m.repro && test ! -e m/a.repro
'

test_expect_success 'the stages file, its lock, params files and .repro files are refused' '
	cd p && echo "lr: 1" >params.yaml && mkdir conf && echo "k: 1" >conf/train.yaml &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  a: {cmd: echo a, params: [lr, {conf/train.yaml: [k]}]}
	EOF
	repro run >/dev/null && test -e stages.lock &&
	for f in stages.yaml stages.lock params.yaml conf/train.yaml conf data/raw.repro; do
		test_expect_code 1 repro add $f 2>>err6 || exit 1
	done &&
	cat >expect <<-EOF &&
	repro: error: cannot add ${q}stages.yaml${q}: it is the stages file; it belongs in git
	repro: error: cannot add ${q}stages.lock${q}: it is the stages file${q}s lock; it belongs in git
	repro: error: cannot add ${q}params.yaml${q}: it is the params file; it belongs in git
	repro: error: cannot add ${q}conf/train.yaml${q}: it is a params file of stage ${q}a${q}; it belongs in git
	repro: error: cannot add ${q}conf${q}: it holds ${q}conf/train.yaml${q}, a params file of stage ${q}a${q}, which belongs in git
	repro: error: cannot add ${q}data/raw.repro${q}: it is a .repro file, written by ${q}repro add${q} for git
	EOF
	test_cmp expect err6 &&
	echo /m >expect && test_cmp expect .gitignore &&
	! ls *.repro.repro conf.repro params.yaml.repro stages.yaml.repro 2>/dev/null
'

test_expect_success 'a stage out that is tracked data: an error naming stage and .repro file' '
	cd p && echo v1 >model.bin && repro add model.bin >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  train:
	    cmd: echo v2 >model.bin
	    outs: [model.bin]
	EOF
	test_expect_code 2 repro run 2>err &&
	echo "stages.yaml:4:12: error: out ${q}model.bin${q} of stage ${q}train${q} is also tracked by ${q}model.bin.repro${q} (repro add); a path has one producer: remove ${q}model.bin.repro${q} or the out" >expect &&
	test_cmp expect err && test "$(cat model.bin)" = v1 &&
	test_expect_code 2 repro checkout 2>err && test_cmp expect err &&
	test_expect_code 2 repro status 2>err && test_cmp expect err
'

test_expect_success 'a stage out inside tracked data, or holding it, likewise' '
	cd p && printf "stages:\n  t:\n    cmd: x\n    outs: [data/raw/f1]\n" >stages.yaml &&
	test_expect_code 2 repro dag 2>err &&
	echo "stages.yaml:4:12: error: out ${q}data/raw/f1${q} of stage ${q}t${q} is inside ${q}data/raw${q}, which ${q}data/raw.repro${q} tracks (repro add); a path has one producer: remove ${q}data/raw.repro${q} or the out" >expect &&
	test_cmp expect err &&
	printf "stages:\n  t:\n    cmd: rm -rf data\n    outs: [data]\n" >stages.yaml &&
	test_expect_code 2 repro run 2>err &&
	echo "stages.yaml:4:12: error: out ${q}data${q} of stage ${q}t${q} holds ${q}data/raw${q}, which ${q}data/raw.repro${q} tracks (repro add); running the stage would delete it: remove ${q}data/raw.repro${q} or the out" >expect &&
	test_cmp expect err && test -e data/raw/f1 && test -e data/raw.repro
'

test_expect_success 'an out named like a .repro file is refused' '
	cd p && printf "stages:\n  t: {cmd: touch x.repro, outs: [x.repro]}\n" >stages.yaml &&
	test_expect_code 2 repro run 2>err && test_grep "^stages.yaml:2:34: error: out .x.repro. of stage .t. ends in .\.repro." err &&
	test ! -e x.repro
'

test_expect_success 'adding an out of a stage is still refused' '
	cd p && printf "stages:\n  t: {cmd: echo t >t.txt, outs: [t.txt]}\n" >stages.yaml &&
	repro run >/dev/null && test_expect_code 1 repro add t.txt 2>err &&
	test_grep "stage .t. produces .t.txt." err && test ! -e t.txt.repro
'

test_done
