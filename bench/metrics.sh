#!/bin/sh
# bench/metrics.sh: metrics across git history, against git itself.
#
# Builds a repository of COMMITS commits (default 1,000; with git
# fast-import, in a second) where every commit changes metrics.json, a
# `cache: false` metrics out of a one-stage pipeline, then times, in this
# one invocation, alternating the commands of each pair:
#
#   repro metrics diff HEAD~500      (target < 20 ms)
#   repro metrics show -A            (target < 1 s over 1,000 commits)
#   git log -p --format= -- metrics.json > /dev/null   (the reference: git
#       reading every version of the file, which is what show -A must do)
#
# Prints median [min-max] seconds and peak RSS of each, and the ratios to
# the git reference per pair of runs.
#
#   bench/metrics.sh [RUNS]    default 7
#
# Environment: COMMITS (default 1000), WORK (default
# /tmp/repro-metrics-bench.PID, never inside the repository).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-7}
COMMITS=${COMMITS:-1000}
WORK=${WORK:-/tmp/repro-metrics-bench.$$}
case "$WORK" in
"$ROOT" | "$ROOT"/*) echo "metrics.sh: WORK must be outside the repository" >&2; exit 2 ;;
esac

make -C "$ROOT" --no-print-directory -s all >&2
REPRO=$ROOT/build/repro
mkdir -p "$WORK"
trap 'cd / && rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
cd "$WORK"

# stats FILE: "median [min-max]" of the numbers in FILE
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.4f [%.4f-%.4f]", m, v[1], v[NR] }'
}
maxmb() { sort -g "$1" | tail -1 | awk '{ printf "%.1f", $1 / 1024 }'; }

# timed CMD...: runs CMD (output discarded), prints "SECONDS MAXRSS_KB"
timed() {
	t0=$(date +%s.%N)
	/usr/bin/time -f %M -o rss.tmp "$@" >/dev/null 2>err.tmp || { cat err.tmp >&2; exit 1; }
	t1=$(date +%s.%N)
	echo "$t0 $t1 $(cat rss.tmp)" | awk '{ printf "%.6f %d\n", $2 - $1, $3 }'
}

# The repository: commit 1 adds the pipeline, every commit a new metrics.json.
mkdir repo && cd repo
git init -q -b main .
"$REPRO" init >/dev/null
cat >stages.yaml <<'EOF'
stages:
  train:
    cmd: python3 train.py
    params: [train]
    metrics:
      - metrics.json:
          cache: false
EOF
printf 'train:\n  lr: 0.01\n  epochs: 10\n' >params.yaml
awk -v n="$COMMITS" 'BEGIN {
	for (i = 1; i <= n; i++) {
		m = sprintf("{\"acc\": %.4f, \"loss\": {\"train\": %.4f, \"val\": %.4f}, \"step\": %d}\n",
			    i / (n + 1), 1 - i / (n + 1), 1.1 - i / (n + 1), i)
		printf "commit refs/heads/main\ncommitter bench <bench@example.com> %d +0000\n", 1600000000 + i
		printf "data %d\nstep %d\n", length("step " i), i
		if (i == 1) {
			printf "M 644 inline stages.yaml\ndata <<EOT\n"
			while ((getline l < "stages.yaml") > 0) print l
			printf "EOT\nM 644 inline params.yaml\ndata <<EOT\n"
			while ((getline l < "params.yaml") > 0) print l
			printf "EOT\n"
		}
		printf "M 644 inline metrics.json\ndata %d\n%s\n", length(m), m
	}
}' | git fast-import --quiet
git reset -q --hard main
printf '{"acc": 0.5, "loss": {"train": 0.5, "val": 0.6}, "step": 0}\n' >metrics.json
git gc -q # a repository as users have it: packed

echo "repro metrics: $RUNS runs, median [min-max]; $(git rev-list --count HEAD) commits, $(nproc) cores"

# pair LABEL_A LABEL_B CMD_A :: CMD_B: runs both alternately RUNS times (the
# separator is "::" because the git command itself holds a "--")
pair() {
	la=$1 lb=$2
	shift 2
	a_cmd="" b_cmd="" side=a
	for w in "$@"; do
		if [ "$w" = "::" ]; then side=b; continue; fi
		if [ $side = a ]; then a_cmd="$a_cmd $w"; else b_cmd="$b_cmd $w"; fi
	done
	: >a.t; : >b.t; : >a.m; : >b.m; : >r.t
	i=1
	while [ "$i" -le "$RUNS" ]; do
		ra=$(timed $a_cmd)
		rb=$(timed $b_cmd)
		echo "${ra% *}" >>a.t; echo "${ra#* }" >>a.m
		echo "${rb% *}" >>b.t; echo "${rb#* }" >>b.m
		awk -v a="${ra% *}" -v b="${rb% *}" 'BEGIN { printf "%.4f\n", a / b }' >>r.t
		i=$((i + 1))
	done
	printf '  %-46s %s s   peak RSS %s MB\n' "$la" "$(stats a.t)" "$(maxmb a.m)"
	printf '  %-46s %s s   peak RSS %s MB\n' "$lb" "$(stats b.t)" "$(maxmb b.m)"
	printf '  %-46s %sx\n' "ratio (first / second)" "$(stats r.t)"
}

echo
echo "diff of two revisions (target < 0.020 s)"
pair "repro metrics diff HEAD~500" "git log -p --format= -- metrics.json" \
	"$REPRO" metrics diff HEAD~500 :: git log -p --format= -- metrics.json
echo
echo "show -A over every commit (target < 1 s)"
pair "repro metrics show -A" "git log -p --format= -- metrics.json" \
	"$REPRO" metrics show -A :: git log -p --format= -- metrics.json
echo
echo "the floor: process start; a project command adds opening the project (its config through libgit2)"
pair "repro version" "git --version" "$REPRO" version :: git --version
pair "repro dag (any project command)" "git --version" "$REPRO" dag :: git --version
echo
echo "rows printed by show -A: $("$REPRO" metrics show -A | wc -l)"
