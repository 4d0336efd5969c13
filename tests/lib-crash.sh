# lib-crash.sh: the SIGKILL loop shared by tests/t/t7000-crash-kill.sh and
# bench/crash-soak.sh. Source it after test-lib.sh (or with PATH holding the
# repro under test and CRASH_LIB set); then, in a scratch directory:
#
#   crash_setup               projects p (killed), ref (never killed), the remote store
#   crash_measure >F          each command's uninterrupted duration (crash_dur_*=S)
#   crash_loop K SEED EVERY   iterations until K kills, each killing one command
#                             at a random moment and checking the project; every
#                             EVERY iterations a convergence check (crash_converge)
#   crash_converge            an unkilled run in p equals an unkilled run in ref
#   crash_final               converge, push, and a fresh clone pulls the same bytes
#
# Every check prints what it found wrong to stderr and returns non-zero.
# Counters after crash_loop: crash_kills (killed mid-way), crash_done
# (finished before the kill landed), crash_converged, and per command
# crash_n_CMD / crash_k_CMD (runs / kills).

CRASH_HELPERS=${CRASH_HELPERS:-$SRCDIR/tests/crash}

# The pipeline: four stages of one perl process each (prep: a directory of
# 120 files; blob: a 256 kB file; sum: a file and a cache: false metric;
# report: a nested directory), a directory dep, params that the loop bumps.
crash_project() {
	mkdir -p "$1" && (
		cd "$1" && repro init >/dev/null &&
		cp "$CRASH_HELPERS/steps.pl" steps.pl &&
		perl -e 'mkdir "data"; mkdir "data/raw";
			for my $i (1 .. 120) {
				open my $f, ">", "data/raw/f$i.txt" or die;
				print $f "line $_ of file $i: ", "x" x ($i % 50), "\n" for 1 .. 60;
				close $f;
			}' &&
		printf 'seed: 1\nscale: 1\n' >params.yaml &&
		cat >stages.yaml <<-\EOF
		stages:
		  prep:
		    cmd: perl steps.pl prep ${seed}
		    deps: [data/raw, steps.pl]
		    params: [seed]
		    outs: [prep]
		  blob:
		    cmd: perl steps.pl blob ${scale}
		    deps: [steps.pl]
		    params: [scale]
		    outs: [blob.bin]
		  sum:
		    cmd: perl steps.pl sum
		    deps: [prep, blob.bin, steps.pl]
		    outs: [summary.txt]
		    metrics:
		      - metrics.json: {cache: false}
		  report:
		    cmd: perl steps.pl report
		    deps: [summary.txt, steps.pl]
		    outs: [report]
		EOF
	)
}

crash_setup() {
	crash_project p && crash_project ref &&
	mkdir store && (cd p && repro remote add -d store ../store >/dev/null) &&
	(cd ref && repro run >/dev/null) && (cd p && repro run >/dev/null && repro push >/dev/null)
}

# The outputs compared byte for byte between projects.
CRASH_OUTS="prep blob.bin summary.txt metrics.json report stages.lock"

# crash_params SEED SCALE: sets the params in p.
crash_params() {
	printf 'seed: %s\nscale: %s\n' "$1" "$2" >p/params.yaml
}

# What each command needs beforehand so that it has work to do; $1 the
# command, $2 the iteration (new param values, so new objects, each time).
crash_prepare() {
	case $1 in
	run)
		if [ $(($2 % 2)) = 0 ]; then crash_seed=$2; else crash_scale=$2; fi
		crash_params $crash_seed $crash_scale ;;
	commit)
		# the user ran the stages' commands by hand, then records them;
		# a locked command first (gc --dry), which stops the stages a
		# killed run left running, or they would write into ours
		crash_seed=$2 && crash_params $crash_seed $crash_scale &&
		(cd p && { repro gc --dry >/dev/null 2>&1 || :; } &&
		 rm -rf prep report && perl steps.pl prep $crash_seed &&
		 perl steps.pl blob $crash_scale && perl steps.pl sum && perl steps.pl report) ;;
	checkout)
		rm -rf p/prep p/report p/blob.bin p/summary.txt ;;
	pull)
		perl "$CRASH_HELPERS/drop.pl" p && rm -rf p/prep p/report p/blob.bin p/summary.txt ;;
	push|gc|gccloud) : ;;
	esac
}

# The argument vector of each command.
crash_argv() {
	case $1 in
	gccloud) echo "gc --cloud" ;;
	*) echo "$1" ;;
	esac
}

CRASH_CMDS="run commit checkout push pull gc gccloud"

# crash_measure: prints each command's uninterrupted duration in seconds,
# the median of three (the machine may be busy), as shell (crash_dur_CMD=S) for crash_loop to source;
# the kill delays are drawn from [0, it].
crash_measure() {
	crash_seed=1 crash_scale=1
	for _c in $CRASH_CMDS; do
		_ts=
		for _k in 1 2 3; do
			crash_prepare $_c $((_k + 1000000)) || return 1
			_t=$(cd p && perl "$CRASH_HELPERS/killafter.pl" time $(crash_argv $_c)) || return 1
			_ts="$_ts $_t"
			# the measuring runs must leave p consistent for the loop
			(cd p && repro run >/dev/null 2>&1 && repro push >/dev/null 2>&1)
		done
		_max=$(perl -e 'my @t = sort { $a <=> $b } @ARGV; print $t[1]' $_ts)
		echo "crash_dur_$_c=$_max"
	done
}

# crash_check: the invariants that must hold after any kill.
crash_check() {
	CRASH_VERIFIED=$PWD/verified perl "$CRASH_HELPERS/check.pl" p store
}

crash_converge() {
	cp p/params.yaml ref/params.yaml &&
	(cd p && repro run >../converge.out 2>&1) || { cat converge.out >&2; return 1; }
	(cd ref && repro run >/dev/null) || return 1
	for _o in $CRASH_OUTS; do
		if [ -d "ref/$_o" ]; then
			diff -r "ref/$_o" "p/$_o" >&2 || { echo "converge: '$_o' differs" >&2; return 1; }
		else
			cmp "ref/$_o" "p/$_o" >&2 || { echo "converge: '$_o' differs" >&2; return 1; }
		fi
	done
	(cd p && repro status >../converge.out 2>&1) &&
	grep -q "every stage is up to date" converge.out || {
		echo "converge: status after a run:" >&2; cat converge.out >&2; return 1; }
	perl "$CRASH_HELPERS/leftovers.pl" p || return 1
	crash_check
}

# crash_final: converge, push unkilled, and a fresh clone of the project
# pulls outputs byte-identical to the reference's.
crash_final() {
	crash_converge &&
	(cd p && repro push >/dev/null && repro gc --cloud >/dev/null && repro push >/dev/null) &&
	perl "$CRASH_HELPERS/leftovers.pl" p store &&
	# what git would hold: the lock and the cache: false metric
	crash_project q && cp p/params.yaml p/stages.lock p/metrics.json q/ &&
	(cd q && repro remote add -d store ../store >/dev/null && repro pull >/dev/null) &&
	for _o in $CRASH_OUTS; do
		if [ -d "ref/$_o" ]; then diff -r "ref/$_o" "q/$_o" >&2 || return 1
		else cmp "ref/$_o" "q/$_o" >&2 || return 1; fi
	done
}

# crash_loop KILLS SEED EVERY: iterates until KILLS commands were killed
# mid-way (at most 4 * KILLS iterations).
crash_loop() {
	_want=$1 _seed=$2 _every=$3 _n=$(($1 * 4))
	_r=$_seed
	crash_kills=0 crash_done=0 crash_converged=0
	crash_seed=${crash_seed:-1} crash_scale=${crash_scale:-1}
	for _c in $CRASH_CMDS; do eval "crash_n_$_c=0 crash_k_$_c=0"; done
	_i=0
	while [ $crash_kills -lt $_want ] && [ $_i -lt $_n ]; do
		_i=$((_i + 1))
		_r=$(( (_r * 1103515245 + 12345) % 2147483648 ))
		set -- $CRASH_CMDS
		shift $(( (_r / 65536) % $# ))
		_c=$1
		crash_prepare $_c $_i || { echo "iteration $_i: preparing $_c failed" >&2; return 1; }
		eval "_d=\$crash_dur_$_c"
		_res=$(cd p && perl "$CRASH_HELPERS/killafter.pl" "$_seed" "$_i" "$_d" $(crash_argv $_c)) || {
			echo "iteration $_i: $_c: $_res" >&2; return 1; }
		eval "crash_n_$_c=\$((crash_n_$_c + 1))"
		case $_res in
		killed*) crash_kills=$((crash_kills + 1)); eval "crash_k_$_c=\$((crash_k_$_c + 1))" ;;
		*) crash_done=$((crash_done + 1)) ;;
		esac
		say_verbose "iteration $_i: $_c $_res"
		crash_check || { echo "iteration $_i ($_c, $_res, seed $_seed): check failed" >&2; return 1; }
		if [ $((_i % _every)) = 0 ]; then
			crash_converge || { echo "iteration $_i (seed $_seed): no convergence" >&2; return 1; }
			crash_converged=$((crash_converged + 1))
		fi
	done
}

# One line of counts, for TAP comments and the soak's report.
crash_counts() {
	printf 'kills %s, finished before the kill %s, convergence checks %s;' \
		"$crash_kills" "$crash_done" "$crash_converged"
	for _c in $CRASH_CMDS; do eval "printf ' %s %s/%s' $_c \$crash_k_$_c \$crash_n_$_c"; done
	echo
}
