#!/bin/sh
# Full disk and I/O errors: every write-side filesystem call repro makes
# (write, fsync, rename, link, open with O_CREAT, truncate, copy_file_range,
# mkdir, close of a written file; unlink for gc) is made to fail in turn,
# with ENOSPC and with EIO, by the LD_PRELOAD shim tests/faultfs/faultfs.c.
#
# For each command that writes (run, commit, add, checkout, push, pull, gc)
# the test first runs it once under the shim in counting mode: that run is
# the reference result and gives the number of calls of each kind. Then for
# every kind, every call number N and both errnos, on a fresh copy of the
# same starting project, it runs the command with call N failing and checks:
#  - it fails with an ordinary exit status (no crash, no sanitizer report),
#    and stderr names the errno ("No space left on device", "Input/output
#    error"); exiting 0 is allowed only when the failed call wrote something
#    repro may lose by design (the hash state, the config cache, the stage
#    logs, the run cache, the lock's holder note), and then with a warning
#    naming the errno where repro keeps such a file for later;
#  - every object in the cache (and in the remote) hashes to its name;
#  - stages.lock and the .repro files are each either as they were before
#    or exactly as a complete run leaves them (for run: also as the first
#    stage alone leaves them);
#  - no temporary file is left but a resumable partial download;
#  - the same command run again without faults succeeds and leaves exactly
#    what the reference run left, with no temporary file at all.
# Every call site is walked (no sampling); the number of faults injected is
# printed at the end as a TAP comment.
. "$(dirname "$0")/../test-lib.sh"

SHIM=$BUILD/tests/faultfs.so
test -f "$SHIM" || skip_all "no $SHIM: 'make check' builds it"
test -z "${REPRO_VALGRIND:-}" || skip_all "hundreds of runs are too slow under valgrind"

# The scratch copy every faulted command runs in; only calls below it fail.
# It is on a tmpfs when there is one: the commands' syncfs calls then cost
# nothing, where on a disk shared with other work each takes milliseconds.
# (A physical path: the shim compares it with /proc/self/fd links.)
if [ -d /dev/shm ] && [ -w /dev/shm ] && mkdir "/dev/shm/repro-$TEST_NAME.$$" 2>/dev/null; then
	W=$(cd "/dev/shm/repro-$TEST_NAME.$$" && pwd -P)/w
	test_atexit "rm -rf '/dev/shm/repro-$TEST_NAME.$$'"
else
	W=$(pwd -P)/w
fi
# Outputs of the command under test live outside $W, as the shim would
# otherwise count the writes to them.
OUT=$TRASH/cmd.out
ERR=$TRASH/cmd.err
FLOG=$TRASH/fault.log
FCOUNT=$TRASH/fault.count
# The ASan runtime insists on coming first among the loaded libraries;
# preloading the shim puts it second, which is harmless here.
FASAN=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

# faulty KINDS N ERRNO CMD...: CMD with the Nth call of KINDS below $W
# failing with ERRNO (N=0: none; counts go to $FCOUNT either way).
faulty() {
	_kinds=$1 _n=$2 _errno=$3
	shift 3
	rm -f "$FLOG" "$FCOUNT"
	env LD_PRELOAD="$SHIM" ASAN_OPTIONS="$FASAN" FAULTFS_PATH_PREFIX="$W" \
		FAULTFS_CALL="$_kinds" FAULTFS_NTH="$_n" FAULTFS_ERRNO="$_errno" \
		FAULTFS_LOG="$FLOG" FAULTFS_COUNT_FILE="$FCOUNT" "$@"
}

# check_objects DIR: every file of a cache-layout directory hashes to its
# name (2 + 62 hex, optionally .dir); run-cache entries and temporaries aside.
check_objects() {
	[ -d "$1" ] || return 0
	(cd "$1" && find . \( -path ./.tmp -o -path ./runs \) -prune -o -type f -print0 | xargs -0r sha256sum) |
	awk '{ name = $2; sub(/^\.\//, "", name); id = name; sub("/", "", id); sub(/\.dir$/, "", id)
	       if (name !~ /^[0-9a-f][0-9a-f]\/[0-9a-f]+(\.dir)?$/ || length(id) != 64) {
	           print "not an object: " name; bad = 1
	       } else if (id != $1) {
	           print "partial or corrupt object " name " (it hashes to " $1 ")"; bad = 1
	       } }
	     END { exit bad }' >&2
}

# temp_files DIR: temporary files anywhere below DIR (atomic replacements
# beside their target, checkout temporaries, cache and remote temporaries).
temp_files() {
	find "$1" -type f \( -name '*.tmp??????' -o -name '.repro-tmp-*' -o -path '*/.repro/tmp/*' \
		-o -path '*/store/.tmp/*' \) | sort
}

# snapshot DIR: sha256 of everything a command leaves that must converge
# (not what repro may lose or rebuild: state, logs, the lock's holder note,
# the config cache, the run cache, temporaries).
snapshot() {
	(cd "$1" && find . \( -path ./p/.repro/tmp -o -path ./p/.repro/state -o -path ./p/.repro/logs \
		-o -path ./p/.repro/lock -o -path ./p/.repro/config.cache -o -path ./p/.repro/runs \
		-o -path ./store/.tmp \) -prune -o \( -type f -o -type l \) -print0 |
		LC_ALL=C sort -z | xargs -0r sha256sum)
}

# The files that are replaced as wholes: each must be as before or as after.
meta_files() {
	(cd "$1/p" && find . -path ./.repro -prune -o \( -name stages.lock -o -name '*.repro' \
		-o -name .gitignore \) -print | LC_ALL=C sort)
}

# check_meta SCENARIO: every meta file of $W is the same in base, ref or an
# allowed intermediate (alt.N), or absent where one of those lacks it.
check_meta() {
	for _m in $( (meta_files "$W"; meta_files "base/$1"; meta_files "ref/$1") | sort -u); do
		_ok=
		for _d in "base/$1" "ref/$1" alt/$1.*; do
			[ -d "$_d" ] || continue
			if [ -f "$W/p/$_m" ]; then
				[ -f "$_d/p/$_m" ] && cmp -s "$W/p/$_m" "$_d/p/$_m" && _ok=1
			else
				[ -f "$_d/p/$_m" ] || _ok=1
			fi
		done
		[ -n "$_ok" ] || { echo "$_m is neither as before nor complete:" >&2; cat "$W/p/$_m" >&2; return 1; }
	done
}

# check_runs SCENARIO: each run-cache entry left is as before or the
# reference's (entries are replaced as wholes too).
check_runs() {
	[ -d "$W/p/.repro/runs" ] || return 0
	for _r in $(cd "$W/p/.repro/runs" && find . -type f); do
		cmp -s "$W/p/.repro/runs/$_r" "ref/$1/p/.repro/runs/$_r" ||
		cmp -s "$W/p/.repro/runs/$_r" "base/$1/p/.repro/runs/$_r" ||
			{ echo "run-cache entry $_r is neither as before nor the reference's" >&2; return 1; }
	done
}

# What a faulted command may fail to write yet succeed: files repro keeps
# only as a cache of work it can redo (the hash state, the config cache,
# the run cache, the stage logs), the holder note in .repro/lock, and the
# scratch files of the probe for reflinks (a failure there means "copy").
tolerated() {
	case "$1" in
	"$W"/p/.repro/tmp/probe-*) return 0 ;;
	"$W"/p/.repro/state | "$W"/p/.repro/.state.tmp* | "$W"/p/.repro/lock) return 0 ;;
	"$W"/p/.repro/config.cache | "$W"/p/.repro/.config.cache.tmp*) return 0 ;;
	"$W"/p/.repro/runs | "$W"/p/.repro/runs/* | "$W"/p/.repro/logs | "$W"/p/.repro/logs/*) return 0 ;;
	esac
	return 1
}

# Where repro must say it lost the file (the others are silent caches).
must_warn() {
	case "$1" in
	"$W"/p/.repro/state | "$W"/p/.repro/.state.tmp* | "$W"/p/.repro/runs* | "$W"/p/.repro/logs*) return 0 ;;
	esac
	return 1
}

errtext() {
	case "$1" in
	ENOSPC) echo "No space left on device" ;;
	EIO) echo "Input/output error" ;;
	EDQUOT) echo "Disk quota exceeded" ;;
	esac
}

# one SCENARIO KIND N ERRNO CMD...: one faulted run and every check.
one() {
	_s=$1 _k=$2 _n=$3 _e=$4
	shift 4
	rm -rf "$W" && cp -a "base/$_s" "$W" || return 1
	(cd "$W/p" && faulty "$_k" "$_n" "$_e" "$@" >"$OUT" 2>"$ERR")
	_rc=$?
	_where="[$_s: $* with $_k call $_n failing with $_e]"
	if [ ! -s "$FLOG" ]; then
		# fewer calls of this kind this time (threads share the count)
		echo missed >>"ref/$_s.injected"
		[ $_rc -eq 0 ] || { echo "$_where: failed without a fault:" >&2; cat "$ERR" >&2; return 1; }
		return 0
	fi
	cat "$FLOG" >>"ref/$_s.injected"
	_path=$(cut -d" " -f3 "$FLOG")
	_text=$(errtext "$_e")
	if grep -E "Sanitizer|runtime error:" "$ERR" >&2; then
		echo "$_where: sanitizer report (fault: $(cat "$FLOG"))" >&2
		return 1
	fi
	if [ $_rc -eq 0 ]; then
		if ! tolerated "$_path"; then
			echo "$_where: exit 0 although the failed call wrote $_path ($(cat "$FLOG"))" >&2
			cat "$ERR" >&2
			return 1
		fi
		if must_warn "$_path" && ! grep -q "^repro: warning: .*$_text" "$ERR"; then
			echo "$_where: no warning for the lost $_path:" >&2
			cat "$ERR" >&2
			return 1
		fi
	elif [ $_rc -gt 128 ] || [ $_rc -eq 98 ] || [ $_rc -eq 99 ] || [ $_rc -eq 127 ]; then
		echo "$_where: died with $_rc ($(cat "$FLOG")):" >&2
		cat "$ERR" >&2
		return 1
	elif ! grep -q "^repro: error: .*$_text" "$ERR"; then
		echo "$_where: exit $_rc without an error naming '$_text' ($(cat "$FLOG")):" >&2
		cat "$ERR" >&2
		return 1
	fi
	check_objects "$W/p/.repro/cache" && check_objects "$W/store" &&
		check_meta "$_s" && check_runs "$_s" || { echo "$_where: ($(cat "$FLOG"))" >&2; return 1; }
	_left=$(temp_files "$W" | grep -v '/\.repro/tmp/pull/')
	if [ -n "$_left" ]; then
		echo "$_where: temporary files left ($(cat "$FLOG")):" >&2
		echo "$_left" >&2
		return 1
	fi
	# the next command, without faults, converges
	if ! (cd "$W/p" && "$@" >"$OUT" 2>"$ERR"); then
		echo "$_where: the command run again fails ($(cat "$FLOG")):" >&2
		cat "$ERR" >&2
		return 1
	fi
	snapshot "$W" >"$TRASH/snap.actual"
	if ! test_cmp "ref/$_s.snap" "$TRASH/snap.actual" >&2; then
		echo "$_where: the command run again leaves something else ($(cat "$FLOG"))" >&2
		return 1
	fi
	_left=$(temp_files "$W")
	if [ -n "$_left" ]; then
		echo "$_where: temporary files left after the command ran again:" >&2
		echo "$_left" >&2
		return 1
	fi
	check_runs "$_s" && check_objects "$W/p/.repro/cache"
}

# walk SCENARIO KINDS CMD...: the reference run (counting), then every call
# of every kind failing in turn with each errno.
walk() {
	_s=$1 _kinds=$2
	shift 2
	rm -rf "$W" ref/$_s && cp -a "base/$_s" "$W" &&
	(cd "$W/p" && faulty all 0 ENOSPC "$@" >"$OUT" 2>"$ERR") || {
		echo "reference run of $* fails:" >&2; cat "$ERR" >&2; return 1; }
	test -z "$(temp_files "$W")" && mkdir -p ref && mv "$W" "ref/$_s" &&
	snapshot "ref/$_s" >"ref/$_s.snap" || return 1
	cp "$FCOUNT" "ref/$_s.count" && : >"ref/$_s.injected" || return 1
	_total=0 _failed=
	for _k in $(echo "$_kinds" | tr , " "); do
		_c=$(sed -n "s/^$_k //p" "ref/$_s.count")
		_total=$((_total + _c))
		_n=1
		while [ "$_n" -le "$_c" ]; do
			for _e in ENOSPC EIO; do
				# FAULT_KEEP_GOING=1: list every failure in
				# $TRASH/failures (while fixing them)
				if [ -z "${FAULT_KEEP_GOING:-}" ]; then
					one "$_s" "$_k" "$_n" "$_e" "$@" || return 1
				else
					one "$_s" "$_k" "$_n" "$_e" "$@" 2>>"$TRASH/failures" || _failed=1
				fi
			done
			_n=$((_n + 1))
		done
	done
	echo "$_s $_total $(grep -c . "ref/$_s.injected") $(grep -c missed "ref/$_s.injected")" >>walked
	[ -z "$_failed" ]
}

KINDS=write,fsync,rename,link,open,truncate,copy,mkdir,close

# A two-stage pipeline: a file out and a directory out, then a metric that
# stays out of the cache.
make_pipeline() {
	mkdir -p "$1/p" && (
		cd "$1/p" && repro init >/dev/null &&
		printf 'alpha\nbeta\ngamma\n' >raw.txt &&
		cat >stages.yaml <<-\EOF
		stages:
		  prep:
		    cmd: tr a-z A-Z <raw.txt >clean.txt && mkdir -p feats/sub && echo one >feats/a && echo two >feats/sub/b
		    deps: [raw.txt]
		    outs: [clean.txt, feats]
		  score:
		    cmd: cat clean.txt feats/a feats/sub/b | wc -l >score.txt && cat clean.txt >model.txt
		    deps: [clean.txt, feats]
		    outs: [model.txt]
		    metrics: [{score.txt: {cache: false}}]
		EOF
	)
}

test_expect_success 'setup: the starting projects' '
	mkdir base alt &&
	make_pipeline base/run &&
	cp -a base/run alt/run.1 && (cd alt/run.1/p && repro run prep >/dev/null) &&

	make_pipeline base/commit && (cd base/commit/p && repro run >/dev/null &&
		echo hand >clean.txt && echo three >feats/c && cp clean.txt model.txt) &&

	cp -a base/commit alt/commit.1 && (cd alt/commit.1/p && repro commit prep >/dev/null) &&
	cp -a base/commit alt/commit.2 && (cd alt/commit.2/p && repro commit score >/dev/null) &&

	mkdir -p base/add-file/p && (cd base/add-file/p && repro init >/dev/null &&
		printf "some data\n" >data.txt) &&
	mkdir -p base/add-dir/p && (cd base/add-dir/p && repro init >/dev/null &&
		mkdir -p images/x && for i in 1 2 3; do echo "image $i" >images/i$i; done && echo deep >images/x/d) &&

	make_pipeline base/checkout && (cd base/checkout/p && repro run >/dev/null &&
		printf "[cache]\n\ttype = copy\n" >>.repro/config &&
		rm -rf clean.txt feats model.txt && echo stale >feats) &&

	make_pipeline base/push && (cd base/push/p && repro run >/dev/null &&
		repro remote add -d store ../store >/dev/null) &&

	cp -a base/push base/pull && (cd base/pull/p && repro push >/dev/null &&
		rm -rf .repro/cache .repro/runs .repro/state clean.txt feats model.txt) &&

	make_pipeline base/gc && (cd base/gc/p && repro run >/dev/null &&
		printf "delta\n" >>raw.txt && repro run >/dev/null &&
		find .repro/cache -type f -exec touch -d "2 hours ago" {} +)
'

test_expect_success 'repro run: every failing call is reported, nothing is half-written' '
	walk run $KINDS repro run
'

test_expect_success 'repro commit' '
	walk commit $KINDS repro commit
'

test_expect_success 'repro add, a file' '
	walk add-file $KINDS repro add data.txt
'

test_expect_success 'repro add, a directory' '
	walk add-dir $KINDS repro add images
'

test_expect_success 'repro checkout (copies)' '
	walk checkout $KINDS repro checkout --force
'

test_expect_success 'repro push to a directory remote' '
	walk push $KINDS repro push
'

test_expect_success 'repro pull from a directory remote' '
	walk pull $KINDS repro pull
'

test_expect_success 'repro gc' '
	walk gc $KINDS,unlink repro gc
'

test_expect_success 'every command was walked, with faults injected' '
	test "$(wc -l <walked)" -eq 8 &&
	! awk "\$3 - \$4 == 0 { print; bad = 1 } END { exit !bad }" walked
'

# The figures for docs/reliability.md: per command, the calls walked, the
# faults injected (each call with ENOSPC and EIO) and runs the fault missed.
if [ -f walked ]; then
	awk '{ printf "# %-8s %4d calls, %4d faults injected, %d not reached\n", $1, $2, $3 - $4, $4;
	       c += $2; f += $3 - $4 } END { printf "# total    %4d calls, %4d faults injected\n", c, f }' walked
fi

test_done
