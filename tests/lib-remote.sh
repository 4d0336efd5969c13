# lib-remote.sh: what the remote tests (t50NN) share; sourced after test-lib.sh.
#
#   make_project DIR      a three-stage pipeline plus a tracked directory, run once
#   clone_project SRC DST what a `git clone` of SRC would hold (no cache, no outs)
#   out_sums              sha256 of every pushed out and tracked file, sorted
#   wipe                  removes the cache, the run cache and the outs
#   check_cache [DIR]     fails if any object's content does not match its name
#   remote_suite          the round trip every remote kind must pass: push, wipe,
#                         pull, a second clone restored by `run --pull`, gc --cloud
#   pull_tmp ID           where a download of object ID waits: .repro/tmp/pull/ab/ID
#   tty_run CMD...        CMD on a terminal (util-linux script): the session in
#                         tty.raw, and on stdout each line as the screen ends up
#                         showing it (the text after its last carriage return)

SERVICES=$SRCDIR/tests/services

make_project() {
	mkdir -p "$1" && (
		cd "$1" && repro init >/dev/null &&
		printf 'alpha\nbeta\ngamma\n' >raw.txt &&
		printf 'train:\n  lr: 0.1\n' >params.yaml &&
		mkdir -p data && for i in 1 2 3 4 5; do printf 'sample %s\n' $i >data/s$i.txt; done &&
		head -c 300000 /dev/urandom >data/blob.bin &&
		repro add data >/dev/null &&
		cat >stages.yaml <<-\EOF &&
		stages:
		  prepare:
		    cmd: echo prepare >>runs.log && tr a-z A-Z <raw.txt >clean.txt && mkdir -p feats && for i in 1 2 3; do echo "f$i" >feats/f$i; done
		    deps: [raw.txt, data]
		    outs: [clean.txt, feats]
		  train:
		    cmd: echo train >>runs.log && (cat clean.txt; echo "lr=${train.lr}") >model.txt
		    deps: [clean.txt, feats]
		    params: [train.lr]
		    outs: [model.txt]
		  evaluate:
		    cmd: echo evaluate >>runs.log && wc -l <model.txt | tr -d " " >score.txt
		    deps: [model.txt]
		    metrics: [{score.txt: {cache: false}}]
		EOF
		repro run >/dev/null
	)
}

clone_project() {
	mkdir -p "$2/.repro" &&
	cp "$1/stages.yaml" "$1/params.yaml" "$1/stages.lock" "$1/raw.txt" "$1/data.repro" "$1/score.txt" "$2/" &&
	cp "$1/.repro/config" "$1/.repro/.gitignore" "$2/.repro/" &&
	if [ -f "$1/.repro/config.local" ]; then cp "$1/.repro/config.local" "$2/.repro/"; fi
}

out_sums() {
	sha256sum clean.txt feats/* model.txt score.txt data/* | sort -k2
}

wipe() {
	rm -rf .repro/cache .repro/runs .repro/state .repro/tmp clean.txt feats model.txt data
}

pull_tmp() {
	echo ".repro/tmp/pull/$(echo "$1" | cut -c1-2)/$1"
}

tty_run() {
	TERM=xterm script -qec "$*" /dev/null >tty.raw &&
	perl -pe 's/\r\n\z/\n/; s/.*\r//; s/\e\[K//g' tty.raw
}

check_cache() {
	_bad=0
	for _f in "${1:-.}"/.repro/cache/??/*; do
		[ -f "$_f" ] || continue
		_base=$(basename "$_f")
		_name=$(basename "$(dirname "$_f")")${_base%.dir}
		_sum=$(sha256sum "$_f" | cut -c1-64)
		if [ "$_sum" != "$_name" ]; then
			echo "corrupt object in the cache: $_f hashes to $_sum" >&2
			_bad=1
		fi
	done
	return $_bad
}

# remote_suite: runs in $TRASH with a project p whose default remote is set.
# (gc keeps objects written in the second it starts: the sleep lets the
# test's own objects age past that.)
remote_suite() {
	test_expect_success 'push sends every cached out and tracked file; --run-cache the runs' '
		cd p && repro push >out &&
		test_grep "^pushed 13 objects" out &&
		repro push --run-cache >out && test_grep "^pushed 4 objects" out &&
		repro status --cloud >st && echo "cache and remote '"'"'$(repro remote default)'"'"' are in sync" >expect &&
		test_cmp expect st &&
		repro push >out2 && test_grep "^everything is up to date" out2
	'

	test_expect_success 'wipe the cache and the outs, pull: byte-identical' '
		cd p && out_sums >../sums.before && wipe &&
		repro status --cloud >st && test_grep "^not in cache *clean.txt" st &&
		repro pull >out && test_grep "^fetched 13 objects" out &&
		out_sums >../sums.after && test_cmp ../sums.before ../sums.after &&
		check_cache && repro status >st && test_grep "every stage is up to date" st
	'

	test_expect_success 'a second clone restores every stage with run --pull, running none' '
		clone_project p q && cd q &&
		repro run --pull >out &&
		test_grep "^pulled .data. from remote" out &&
		test_grep "^0 ran, 2 restored, 1 up to date" out &&
		test ! -f runs.log &&
		out_sums >../sums.q && test_cmp ../sums.before ../sums.q && check_cache
	'

	test_expect_success 'gc --cloud removes only the objects nothing refers to' '
		cd p &&
		sed -i "s/lr: 0.1/lr: 0.2/" params.yaml && repro run >/dev/null && repro push >/dev/null &&
		sed -i "s/lr: 0.2/lr: 0.1/" params.yaml && repro run >/dev/null &&
		sleep 1 && repro gc --cloud --dry >out &&
		test_grep "^would remove 1 object from remote" out &&
		repro gc --cloud >out && test_grep "^removed 1 object from remote" out &&
		repro gc --cloud --dry >out && test_grep "^would remove 0 objects from remote" out &&
		repro status --cloud >st && test_grep "are in sync" st &&
		cd .. && clone_project p q3 && cd q3 && repro pull >/dev/null &&
		out_sums >../sums.q3 && test_cmp ../sums.before ../sums.q3
	'
}
