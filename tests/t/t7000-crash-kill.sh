#!/bin/sh
# SIGKILL at random moments: run, commit, checkout, push, pull and gc (here
# and on the remote) are killed over and over in one project; after every
# kill the cache and the remote hold only objects whose content matches their
# name, stages.lock parses and names only objects the cache has (or status
# says the stage must run), and every few kills an unkilled run converges to
# the outputs and lock of a reference project that was never killed.
# CRASH_SEED=N reproduces a run (on a machine as fast); CRASH_KILLS=N sets
# how many kills (default 200).
. "$(dirname "$0")/../test-lib.sh"
. "$SRCDIR/tests/lib-crash.sh"

seed=${CRASH_SEED:-$(perl -e 'print int(rand(2**31))')}
kills=${CRASH_KILLS:-200}
echo "# seed $seed (CRASH_SEED=$seed reproduces this run), $kills kills"
export CRASH_NOCACHE=metrics.json
SQ="'"

test_expect_success 'setup: a pipeline, a reference copy and a directory remote' '
	crash_setup && crash_check
'

test_expect_success 'an out whose object left the cache is reported, then stored again by run' '
	cd p && id=$(sha256sum blob.bin | cut -c1-64) &&
	obj=.repro/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
	rm $obj && repro status >out && cat >expect <<-EOF &&
	blob:
	    out missing from the cache ${SQ}blob.bin${SQ} (${SQ}repro run${SQ} or ${SQ}repro commit${SQ} stores it)
	EOF
	test_cmp expect out && test_expect_code 1 repro status -q &&
	repro status --json >out.json && test_grep "\"out_uncached\"" out.json &&
	repro run >out && test_grep "^stored the outs of .blob. in the cache again" out &&
	test_grep "^nothing to do: every stage is up to date" out &&
	cmp blob.bin $obj && repro status >out && test_grep "every stage is up to date" out &&
	cd .. && crash_check
'

test_expect_success 'measure how long each command takes uninterrupted' '
	crash_measure >durations.sh && crash_check && test $(grep -c "^crash_dur_" durations.sh) = 7
'
[ -f "$TRASH/durations.sh" ] && echo "# durations (s): $(sed 's/^crash_dur_//' "$TRASH/durations.sh" | tr '\n' ' ')"

test_expect_success "kill commands at random moments ($kills kills, seed $seed)" '
	. ./durations.sh && crash_loop $kills $seed 40 &&
	crash_counts >counts && cat counts &&
	test $crash_kills -ge $kills
'
[ -f "$TRASH/counts" ] && echo "# $(cat "$TRASH/counts")"

test_expect_success 'after the last kill: converge, push, and a fresh clone pulls the same outputs' '
	crash_final
'

test_done
