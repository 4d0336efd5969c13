#!/bin/sh
# persist: true outs with hardlink and symlink checkouts never let a stage
# write into a cache object; a checkout never hands out a damaged object.
. "$(dirname "$0")/../test-lib.sh"

# Every object in the cache is named by the SHA-256 of its content.
cache_intact() {
	for o in $(find .repro/cache -type f); do
		n=$(basename "$(dirname "$o")")$(basename "$o" .dir) &&
		h=$(sha256sum "$o" | cut -c1-64) &&
		if test "$h" != "$n"; then
			echo "object $o holds content hashing to $h" >&2
			return 1
		fi
	done
}

for type in hardlink symlink; do
	test_expect_success "$type: a persist file out is appended to, not its object" '
		mkdir f-'$type' && cd f-'$type' && repro init >/dev/null &&
		git config -f .repro/config cache.type '$type' &&
		echo 1 >in &&
		cat >stages.yaml <<-\EOF &&
		stages:
		  s:
		    cmd: cat in >>p
		    deps: [in]
		    outs:
		      - p: {persist: true}
		EOF
		repro run >/dev/null && echo 2 >in && repro run >/dev/null &&
		printf "1\n2\n" >expect && test_cmp expect p &&
		cache_intact &&
		h=$(printf "1\n" | sha256sum | cut -c1-64) &&
		printf "1\n" >expect && test_cmp expect .repro/cache/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-)
	'

	test_expect_success "$type: a persist out restored from the run cache has the right content" '
		cd f-'$type' && rm p && echo 1 >in &&
		repro run >out && test_grep "restored .s. from the run cache" out &&
		printf "1\n" >expect && test_cmp expect p && cache_intact
	'

	test_expect_success "$type: a persist directory out: each file made private" '
		mkdir d-'$type' && cd d-'$type' && repro init >/dev/null &&
		git config -f .repro/config cache.type '$type' &&
		echo 1 >in &&
		cat >stages.yaml <<-\EOF &&
		stages:
		  s:
		    cmd: mkdir -p d/sub && cat in >>d/log && cat in >>d/sub/log
		    deps: [in]
		    outs:
		      - d: {persist: true}
		EOF
		repro run >/dev/null && echo 2 >in && repro run >/dev/null &&
		printf "1\n2\n" >expect && test_cmp expect d/log && test_cmp expect d/sub/log &&
		cache_intact
	'
done

test_expect_success 'the workspace file is a link again after the run' '
	cd f-hardlink && test "$(stat -c %h p)" = 2 && cd ../f-symlink && test -L p
'

for type in hardlink symlink; do
	test_expect_success "$type: a damaged object is never linked into the workspace" '
		mkdir c-'$type' && cd c-'$type' && repro init >/dev/null &&
		git config -f .repro/config cache.type '$type' &&
		echo good >in &&
		cat >stages.yaml <<-\EOF &&
		stages:
		  s:
		    cmd: cp in p
		    deps: [in]
		    outs: [p]
		EOF
		repro run >/dev/null &&
		h=$(printf "good\n" | sha256sum | cut -c1-64) &&
		obj=.repro/cache/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-) &&
		chmod u+w $obj && echo bad >>$obj && chmod 444 $obj &&
		rm p && test_must_fail repro checkout 2>err &&
		test_grep "corrupt object .$h. in the cache" err &&
		test ! -e p && test ! -L p
	'
done

test_expect_success 'symlink: a link to an object damaged since is not left as it is' '
	cd c-symlink && repro checkout --force >/dev/null 2>&1;
	h=$(printf "good\n" | sha256sum | cut -c1-64) &&
	obj=$PWD/.repro/cache/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-) &&
	rm -f p && ln -s "$obj" p &&
	test_must_fail repro checkout --force 2>err &&
	test_grep "corrupt object .$h. in the cache" err
'

test_done
