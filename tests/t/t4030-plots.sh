#!/bin/sh
# repro plots: one self-contained HTML page of SVG charts, metrics across
# revisions and the stages' plots outputs; checked in a headless Chromium.
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

# count PATTERN FILE: occurrences of a fixed string
count() {
	grep -o -F "$1" "$2" | wc -l | tr -d " "
}

test_expect_success 'setup: five commits of metrics (in git and cached) and plots outputs' '
	mkdir r && cd r && git init -q -b main && repro init >/dev/null &&
	cat >stages.yaml <<-\EOF &&
	stages:
	  train:
	    cmd: sh train.sh
	    deps: [train.sh]
	    metrics:
	      - metrics.json:
	          cache: false
	      - cached.yaml
	    plots:
	      - curve.csv:
	          x: epoch
	          y: loss
	          title: Training loss
	          x_label: epoch
	          y_label: loss
	      - points.json:
	          template: scatter
	          x: a
	          y: b
	EOF
	for i in 1 2 3 4 5; do
		extra= &&
		if [ $i = 3 ]; then extra=", \"recall\": 0.$i"; fi &&
		echo "{\"acc\": 0.$((5 + i)), \"loss\": 1.$i$extra}" >m.json &&
		printf "epoch,loss\n1,0.9\n2,0.$((8 - i))\n3,0.$((6 - i))\n" >c.csv &&
		cat >train.sh <<-EOF &&
		cp m.json metrics.json
		echo "auc: 0.$((4 + i))" >cached.yaml
		cp c.csv curve.csv
		echo "[{\"a\": 1, \"b\": $i}, {\"a\": 2, \"b\": 2}]" >points.json
		EOF
		repro run >/dev/null &&
		git add stages.yaml stages.lock train.sh metrics.json &&
		git add -f curve.csv points.json &&
		commit_at $i "commit $i" || return 1
	done &&
	git tag v1 HEAD~4 && git tag v3 HEAD~2
'

test_expect_success 'plots: writes one page, prints its path' '
	cd r && repro plots >out &&
	echo repro_plots/index.html >expect && test_cmp expect out &&
	test -s repro_plots/index.html &&
	page=repro_plots/index.html &&
	test "$(count "<main id=\"repro-plots\" data-revisions=\"6\" data-charts=\"6\">" $page)" = 1 &&
	test "$(count "<svg class=\"chart\"" $page)" = 6
'

test_expect_success 'plots: one series per metric, one point per revision' '
	cd r && page=repro_plots/index.html &&
	for m in acc loss auc; do
		test "$(count "class=\"series\" data-series=\"$m\" data-points=\"6\"" $page)" = 1 || return 1
	done &&
	test "$(count "class=\"series\" data-series=\"recall\" data-points=\"1\"" $page)" = 1 &&
	for rev in $(git rev-list --abbrev-commit --reverse HEAD) workspace; do
		want=3 && if [ $rev = $(git rev-parse --short HEAD~2) ]; then want=4; fi &&
		test "$(count "data-x=\"$rev\"" $page)" = $want || return 1
	done
'

test_expect_success 'plots: the stages plots outputs, line and scatter' '
	cd r && page=repro_plots/index.html &&
	test "$(count ">Training loss</text>" $page)" = 1 &&
	test "$(count "data-kind=\"scatter\"" $page)" = 1 &&
	test "$(count "class=\"series\" data-series=\"loss\" data-points=\"3\"" $page)" = 1 &&
	test "$(count "class=\"series\" data-series=\"b\" data-points=\"2\"" $page)" = 1 &&
	test "$(count ">epoch</text>" $page)" = 1
'

test_expect_success 'plots: self-contained (nothing fetched)' '
	cd r && page=repro_plots/index.html &&
	! grep -i -E "<script|<link|src=|href=|@import|url\(" $page &&
	test "$(grep -o -E "https?://[^\"]*" $page | sort -u)" = "http://www.w3.org/2000/svg"
'

test_expect_success 'plots -n and the plots.revisions config key' '
	cd r && repro plots -n 2 -o two >out &&
	echo two/index.html >expect && test_cmp expect out &&
	test "$(count "data-revisions=\"3\"" two/index.html)" = 1 &&
	test "$(count "class=\"series\" data-series=\"acc\" data-points=\"3\"" two/index.html)" = 1 &&
	git config -f .repro/config plots.revisions 3 &&
	repro plots -o three >/dev/null &&
	test "$(count "data-revisions=\"4\"" three/index.html)" = 1 &&
	test_expect_code 2 repro plots -n 0 2>err &&
	test_grep "at least 1" err
'

test_expect_success 'plots diff REV...: the revisions named; plots overlaid per revision' '
	cd r && repro plots diff v1 v3 HEAD -o d >out &&
	echo d/index.html >expect && test_cmp expect out &&
	test "$(count "data-revisions=\"3\"" d/index.html)" = 1 &&
	test "$(count "class=\"series\" data-series=\"acc\" data-points=\"3\"" d/index.html)" = 1 &&
	for rev in v1 v3 HEAD; do
		test "$(count "class=\"series\" data-series=\"$rev\" data-points=\"3\"" d/index.html)" = 1 || return 1
	done &&
	test_expect_code 2 repro plots diff nosuch 2>err &&
	test_grep "unknown revision .nosuch." err &&
	test_expect_code 2 repro plots show v1 2>err &&
	test_grep "takes no revisions" err
'

test_expect_success 'plots from a subdirectory write there; outside git only the workspace' '
	cd r && mkdir -p sub && cd sub && repro plots >out &&
	echo repro_plots/index.html >expect && test_cmp expect out && test -s repro_plots/index.html &&
	cd "$TRASH" && mkdir nogit && cd nogit && repro init >/dev/null &&
	printf "metrics: [m.json]\n" >stages.yaml && echo "{\"a\": 1}" >m.json &&
	repro plots >/dev/null &&
	test "$(count "class=\"series\" data-series=\"a\" data-points=\"1\"" repro_plots/index.html)" = 1 &&
	test_expect_code 2 repro plots diff 2>err && test_grep "needs a git repository" err
'

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	test_skip "chromium is not installed" "the page renders in a headless Chromium"
else
	test_expect_success 'the page renders in a headless Chromium: DOM and screenshot' '
		cd r && page=$(pwd)/repro_plots/index.html &&
		flags="--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --no-first-run" &&
		mkdir profile1 profile2 &&
		timeout 120 "$CHROMIUM" $flags --enable-logging=stderr --v=0 --user-data-dir="$(pwd)/profile1" \
			--dump-dom "file://$page" >dom 2>chromium.err &&
		! grep ":CONSOLE" chromium.err &&
		test "$(count "<main id=\"repro-plots\"" dom)" = 1 &&
		test "$(count "<svg class=\"chart\"" dom)" = 6 &&
		for m in acc loss auc; do
			test "$(count "class=\"series\" data-series=\"$m\" data-points=\"6\"" dom)" = 1 || return 1
		done &&
		test "$(count "<circle class=\"point\"" dom)" = $((3 * 6 + 1 + 3 + 2)) &&
		timeout 120 "$CHROMIUM" $flags --user-data-dir="$(pwd)/profile2" --window-size=800,2400 \
			--screenshot="$(pwd)/shot.png" "file://$page" >shot.out 2>&1 &&
		test -s shot.png &&
		test "$(head -c 8 shot.png | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a
	'

	test_expect_success '... and the console check sees a page error when there is one' '
		cd r && mkdir profile3 && echo "<p><script>undefinedFn();</script>" >broken.html &&
		timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
			--disable-component-update --disable-sync --no-first-run --enable-logging=stderr --v=0 \
			--user-data-dir="$(pwd)/profile3" --dump-dom "file://$(pwd)/broken.html" >/dev/null 2>broken.err &&
		test_grep ":CONSOLE.*undefinedFn is not defined" broken.err
	'
fi

test_done
