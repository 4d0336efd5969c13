# test-lib.sh: sourced by every tests/t/tNNNN-*.sh (after git's t/test-lib.sh).
#
#   . "$(dirname "$0")/../test-lib.sh"
#   test_expect_success 'what it shows' '
#       repro init && repro run >out && test_cmp expect out
#   '
#   test_done
#
# Each test script runs in its own scratch directory ($TRASH), which is
# removed when every test passed and kept (and named) otherwise. Each test
# body runs in a subshell started in $TRASH and must chain its steps with &&.
# Output is TAP, for prove.

set -u
TEST_NAME=$(basename "$0" .sh)
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${REPRO_SHARED:-$SRCDIR/../shared}
BUILD=${REPRO_BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$SRCDIR/$BUILD ;; esac
TRASH=${TMPDIR:-/tmp}/repro-test.$TEST_NAME.$$
rm -rf "$TRASH" && mkdir -p "$TRASH/bin" || exit 1

# `repro` on PATH is the binary under test; under REPRO_VALGRIND it runs in
# valgrind and any error fails the command (exit 99). Valgrind's own lines
# go to $VGLOG/, beside the scratch directory, not into the stderr that
# tests compare (it warns there about system calls it does not know, such as
# openat2); test_done prints what they hold.
VGLOG=${TMPDIR:-/tmp}/repro-valgrind.$TEST_NAME.$$
if [ -n "${REPRO_VALGRIND:-}" ]; then
	rm -rf "$VGLOG" && mkdir -p "$VGLOG"
	cat >"$TRASH/bin/repro" <<VG
#!/bin/sh
exec valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
	--trace-children=no --log-file="$VGLOG/%p.log" "$BUILD/repro" "\$@"
VG
	chmod +x "$TRASH/bin/repro"
else
	ln -s "$BUILD/repro" "$TRASH/bin/repro"
fi
PATH=$TRASH/bin:$PATH
export PATH SRCDIR SHARED TRASH
# Stable output: no terminal progress, no colours, a fixed locale.
export LC_ALL=C TZ=UTC
unset REPRO_PROGRESS SLACK_WEBHOOK_URL REPRO_LOCK_TOKEN
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=98}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=98}

test_count=0
test_failures=0
test_cleanups=""

say_verbose() { [ -n "${VERBOSE:-}" ] && printf '%s\n' "$*" >&2; return 0; }

test_expect_success() {
	test_count=$((test_count + 1))
	_desc=$1
	_body=$2
	if (cd "$TRASH" && set -e && eval "$_body") >"$TRASH/.out.$test_count" 2>&1; then
		echo "ok $test_count - $_desc"
	else
		test_failures=$((test_failures + 1))
		echo "not ok $test_count - $_desc"
		sed -e 's/^/#     /' "$TRASH/.out.$test_count"
		printf '%s\n' "$_body" | sed -e 's/^/#   | /'
	fi
	rm -f "$TRASH/.out.$test_count"
}

# test_skip REASON DESC: a visible skip, as TAP reads it.
test_skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # skip $2 ($1)"
}

# skip_all REASON: skip the whole script.
skip_all() {
	echo "1..0 # SKIP $1"
	# services started so far keep their pid files in $TRASH
	_run_cleanups
	test_cleanups=""
	rm -rf "$TRASH" "$VGLOG"
	exit 0
}

# Runs at exit, for services started by a test script.
test_atexit() {
	test_cleanups="$1
$test_cleanups"
}

test_done() {
	echo "1..$test_count"
	if [ -n "${REPRO_VALGRIND:-}" ]; then
		# the errors (each also failed its command), not the syscall warnings
		cat "$VGLOG"/*.log 2>/dev/null | grep -v -e "unhandled amd64-linux syscall" \
			-e "your own handler" -e "README_MISSING_SYSCALL" -e "consider this a bug" \
			-e "valgrind.org/support" | sed -e 's/^/# valgrind: /'
		rm -rf "$VGLOG"
	fi
	# services keep their pid files in $TRASH: stop them before it goes
	_run_cleanups
	test_cleanups=""
	if [ "$test_failures" -eq 0 ]; then
		rm -rf "$TRASH"
		exit 0
	fi
	echo "# failed $test_failures of $test_count; scratch directory kept: $TRASH"
	exit 1
}

_run_cleanups() { [ -n "$test_cleanups" ] && (cd "$TRASH" 2>/dev/null; eval "$test_cleanups") >/dev/null 2>&1; return 0; }
trap '_run_cleanups' EXIT

test_cmp() {
	diff -u "$1" "$2"
}

# test_must_fail CMD...: CMD fails with an ordinary exit status (not a crash
# or a sanitizer report, 98/99, or a signal).
test_must_fail() {
	"$@"
	_code=$?
	if [ $_code -eq 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	elif [ $_code -gt 128 ] || [ $_code -eq 98 ] || [ $_code -eq 99 ] || [ $_code -eq 127 ]; then
		echo "test_must_fail: command died ($_code): $*" >&2
		return 1
	fi
	return 0
}

# test_expect_code N CMD...: CMD exits with exactly N.
test_expect_code() {
	_want=$1
	shift
	"$@"
	_code=$?
	if [ $_code -ne "$_want" ]; then
		echo "test_expect_code: wanted $_want, got $_code: $*" >&2
		return 1
	fi
	return 0
}

# grep that prints what it searched when it fails
test_grep() {
	if grep "$@"; then
		return 0
	fi
	eval "_last=\${$#}"
	echo "test_grep: no match for '$*'; the file holds:" >&2
	cat "$_last" >&2 2>/dev/null
	return 1
}

# Prints a free TCP port on 127.0.0.1 in 14500-18100 (the range services.md
# found free), starting from one derived from the script's pid so parallel
# scripts differ. "Free" means a bind to it succeeds now (perl, since /bin/sh
# has no /dev/tcp); with N given, ports N..N+K-1 must all be free (K = $2).
test_free_port() {
	perl -MIO::Socket::INET -e '
		my ($start, $count) = @ARGV;
		for (my $p = $start; $p < 18100; $p++) {
			my $ok = 1;
			for my $k (0 .. $count - 1) {
				my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $p + $k,
					Proto => "tcp", ReuseAddr => 0, Listen => 1);
				if (!$s) { $ok = 0; last } close $s;
			}
			if ($ok) { print "$p\n"; exit 0 }
		}
		exit 1' $(( 14500 + ($$ * 7 + ${1:-0} * 13) % 3000 )) "${2:-1}"
}

cd "$TRASH" || exit 1
