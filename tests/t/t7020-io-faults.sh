#!/bin/sh
# Full disk and I/O errors: every write-side filesystem call repro makes
# (write, fsync, rename, link, open with O_CREAT, truncate, copy_file_range,
# mkdir, close of a written file; unlink for gc) is made to fail in turn,
# with ENOSPC and with EIO, by the LD_PRELOAD shim tests/faultfs/faultfs.c.
#
# For each command that writes (run, commit, add of a file and of a
# directory, checkout with copies and with hard links, push, pull, gc)
# the test first runs it once under the shim in counting mode: that run is
# the reference result and gives the number of calls of each kind. Then for
# every kind, every call number N and both errnos, on a fresh copy of the
# same starting project, it runs the command with call N failing and checks:
#  - it fails with an ordinary exit status (no crash, no sanitizer report),
#    and stderr names the errno ("No space left on device", "Input/output
#    error"); exiting 0 is allowed only when the failed call wrote something
#    repro may lose by design (the hash state, the config cache, the stage
#    logs, the run cache, the lock's holder note, the reflink probe's
#    scratch files), and then with a warning naming the errno where repro
#    keeps such a file for later;
#  - every object in the cache (and in the remote) hashes to its name;
#  - stages.lock and the .repro files are each either as they were before
#    or exactly as a complete run leaves them (for run and commit: also as
#    one stage alone leaves them); a .gitignore holds whole lines of the
#    complete run's;
#  - no temporary file is left but a resumable partial download;
#  - the same command run again without faults succeeds and leaves exactly
#    what the reference run left, with no temporary file at all.
# Every call site is walked with both errnos (no sampling: about 800 faulted
# runs, some 30 s of CPU); the counts are printed at the end as TAP
# comments. While fixing: FAULT_ONLY=run,gc walks only those,
# FAULT_KEEP_GOING=1 lists every failure in $TRASH/failures.
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

# listing DIR: "sha256 ./path" of every file below DIR, sorted.
listing() {
	(cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
}

# The checks on a listing, in awk (one process instead of dozens per run).
# Kinds of path: temporary files (atomic replacements beside their target,
# checkout temporaries, anything in .repro/tmp or the remote's .tmp);
# objects in the cache and the remote, whose content must hash to their
# name (2 + 62 hex, optionally .dir); and files replaced as wholes
# (stages.lock, .repro files, run-cache entries), which must be in a state
# some reference has (ALLOWED: "path sha256" or "path ABSENT"). A .gitignore
# is replaced as a whole once per out added to it: check_gitignores.
#   mode=allowed  listings of the references in, ALLOWED out
#   mode=after    ALLOWED and the listing after a failed command: checked
#                 (a partial download left for the next pull to resume is
#                 the one temporary file allowed)
#   mode=final    the listing after the command ran again: no temporary
#                 file; what must converge is printed (the snapshot)
cat >check.awk <<\EOF
function temp(p) {
	return p ~ /\/\.[^\/]*\.tmp[A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9][A-Za-z0-9]$/ ||
	       p ~ /\/\.repro-tmp-/ || p ~ /^\.\/p\/\.repro\/tmp\// || p ~ /^\.\/store\/\.tmp\//
}
function object(p) {
	return p ~ /^\.\/p\/\.repro\/cache\// || (p ~ /^\.\/store\// && p !~ /^\.\/store\/runs\//)
}
function whole(p) {
	if (p ~ /^\.\/p\/\.repro\//)
		return p ~ /^\.\/p\/\.repro\/runs\//
	return p ~ /^\.\/p\// && (p ~ /\/stages\.lock$/ || p ~ /\.repro$/)
}
# what repro may lose or rebuild: not compared after the command ran again
function volatile(p) {
	return p ~ /^\.\/p\/\.repro\/(state|lock|config\.cache)$/ || p ~ /^\.\/p\/\.repro\/(logs|runs)\//
}
function bad(msg) {
	print msg > "/dev/stderr"
	failed = 1
}
function check_object(sha, p,    rel, id) {
	rel = p
	sub(/^\.\/(p\/\.repro\/cache|store)\//, "", rel)
	id = rel
	sub(/\//, "", id)
	sub(/\.dir$/, "", id)
	if (rel !~ /^[0-9a-f][0-9a-f]\/[0-9a-f]+(\.dir)?$/ || length(id) != 64)
		bad("not an object: " p)
	else if (id != sha)
		bad("partial or corrupt object " p " (it hashes to " sha ")")
}
mode == "allowed" {
	if (FNR == 1)
		nd++
	if (whole($2)) {
		st[nd, $2] = $1
		paths[$2] = 1
	}
	next
}
mode == "after" && FILENAME == ARGV[1] {
	ok[$1 " " $2] = 1
	known[$1] = 1
	next
}
{
	seen[$2] = 1
	if (temp($2)) {
		if (mode == "final" || $2 !~ /^\.\/p\/\.repro\/tmp\/pull\//)
			bad("temporary file left: " $2)
		next
	}
	if (object($2))
		check_object($1, $2)
	if (mode == "after" && whole($2) && !(($2 " " $1) in ok))
		bad($2 " is neither as before nor as a complete command leaves it")
	if (mode == "final" && !volatile($2))
		print
}
END {
	if (mode == "allowed") {
		for (p in paths)
			for (d = 1; d <= nd; d++)
				print p, ((d, p) in st ? st[d, p] : "ABSENT")
		exit 0
	}
	if (mode == "after")
		for (p in known)
			if (!(p in seen) && !((p " ABSENT") in ok))
				bad(p " is missing, though every reference has it")
	exit failed
}
EOF

# check_gitignores SCENARIO: each .gitignore repro wrote below $W is whole
# (ends with a newline) and holds only lines the reference's or the
# starting project's has: entries are added one out at a time.
check_gitignores() {
	for _g in $(cd "$W" && find p -path p/.repro -prune -o -name .gitignore -print); do
		if [ -n "$(tail -c1 "$W/$_g")" ] ||
		   cat "ref/$1/$_g" "base/$1/$_g" 2>/dev/null | grep -vxF -f - "$W/$_g" >&2; then
			echo "$_g is not made of whole lines the reference has:" >&2
			cat "$W/$_g" >&2
			return 1
		fi
	done
}

# The kind of cache file whose atomic-write temporary $1 is: atomic writes
# in a project put it in .repro/tmp as a<pid>@<host>-<base>.XXXXXX; the
# caches' bases are "state", "config.cache" and a run-cache entry's 62 hex
# digits (no other file repro writes has such a name). Prints nothing else.
cache_temp() {
	case "$1" in
	"$W"/p/.repro/tmp/a*@*-state.??????) echo state ;;
	"$W"/p/.repro/tmp/a*@*-config.cache.??????) echo config ;;
	"$W"/p/.repro/tmp/a*@*-*.??????)
		_b=${1##*-}; _b=${_b%.??????}
		[ "${#_b}" = 62 ] && [ -z "$(printf %s "$_b" | tr -d 0-9a-f)" ] && echo runs ;;
	esac
}

# What a faulted command may fail to write yet succeed: files repro keeps
# only as a cache of work it can redo (the hash state, the config cache,
# the run cache, the stage logs), the holder note in .repro/lock, and the
# scratch files of the probe for reflinks (a failure there means "copy").
tolerated() {
	[ -n "$(cache_temp "$1")" ] && return 0
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
	case "$(cache_temp "$1")" in state | runs) return 0 ;; esac
	case "$1" in
	"$W"/p/.repro/state | "$W"/p/.repro/.state.tmp* | "$W"/p/.repro/runs* | "$W"/p/.repro/logs*) return 0 ;;
	esac
	return 1
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
	read -r _ _ _path _ <"$FLOG"
	case "$_e" in
	ENOSPC) _text="No space left on device" ;;
	EIO) _text="Input/output error" ;;
	esac
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
	listing "$W" >"$TRASH/listing"
	if ! awk -v mode=after -f check.awk "ref/$_s.allowed" "$TRASH/listing" || ! check_gitignores "$_s"; then
		echo "$_where: ($(cat "$FLOG"))" >&2
		return 1
	fi
	# the next command, without faults, converges
	if ! (cd "$W/p" && "$@" >"$OUT" 2>"$ERR"); then
		echo "$_where: the command run again fails ($(cat "$FLOG")):" >&2
		cat "$ERR" >&2
		return 1
	fi
	listing "$W" >"$TRASH/listing"
	if ! awk -v mode=final -f check.awk "$TRASH/listing" >"$TRASH/snap.actual" ||
	   ! test_cmp "ref/$_s.snap" "$TRASH/snap.actual" >&2; then
		echo "$_where: the command run again leaves something else ($(cat "$FLOG"))" >&2
		return 1
	fi
}

# walk SCENARIO KINDS CMD...: the reference run (counting), then every call
# of every kind failing in turn with each errno.
walk() {
	_s=$1 _kinds=$2
	shift 2
	# FAULT_ONLY=run,gc: walk only those (while working on them)
	case ",${FAULT_ONLY:-$_s}," in *,$_s,*) ;; *) return 0 ;; esac
	rm -rf "$W" ref/$_s && cp -a "base/$_s" "$W" &&
	(cd "$W/p" && faulty all 0 ENOSPC "$@" >"$OUT" 2>"$ERR") || {
		echo "reference run of $* fails:" >&2; cat "$ERR" >&2; return 1; }
	mkdir -p ref && mv "$W" "ref/$_s" && listing "ref/$_s" >"ref/$_s.list" &&
	awk -v mode=final -f check.awk "ref/$_s.list" >"ref/$_s.snap" || return 1
	for _d in "base/$_s" alt/$_s.*; do
		[ ! -d "$_d" ] || listing "$_d" >"$_d.list" || return 1
	done
	awk -v mode=allowed -f check.awk "base/$_s.list" "ref/$_s.list" $(ls alt/$_s.*.list 2>/dev/null) \
		>"ref/$_s.allowed" || return 1
	cp "$FCOUNT" "ref/$_s.count" && : >"ref/$_s.injected" || return 1
	_total=0 _failed=
	for _k in $(echo "$_kinds" | tr , " "); do
		_c=$(sed -n "s/^$_k //p" "ref/$_s.count")
		_total=$((_total + _c))
		echo "$_k $_c" >>kinds
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

	cp -a base/checkout base/checkout-link &&
	sed -i "s/type = copy/type = hardlink,copy/" base/checkout-link/p/.repro/config &&

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

test_expect_success 'repro checkout (hard links)' '
	walk checkout-link $KINDS repro checkout --force
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
	test "$(wc -l <walked)" -eq 9 &&
	! awk "\$3 - \$4 == 0 { print; bad = 1 } END { exit !bad }" walked
'

# The figures for docs/reliability.md: per command, the calls walked, the
# faults injected (each call with ENOSPC and EIO) and runs the fault missed.
if [ -f walked ]; then
	awk '{ printf "# %-13s %4d calls, %4d faults injected, %d not reached\n", $1, $2, $3 - $4, $4;
	       c += $2; f += $3 - $4 } END { printf "# total         %4d calls, %4d faults injected\n", c, f }' walked
	awk '{ n[$1] += $2 } END { for (k in n) s = s " " k " " n[k]; print "# calls by kind:" s }' kinds
fi

test_done
