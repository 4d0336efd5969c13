#!/bin/sh
# Hostile input: paths with "..", absolute paths, symlinks leading out of
# the project, and NUL or newline in names, in stages files, locks, .repro
# files, .dir manifests (in the cache and from a remote), archives given to
# ingest and objects from a remote. Each is refused with one line naming the
# file and what is wrong, and nothing outside the project changes: every
# test ends by comparing a listing (with checksums) of everything beside
# the project, a sentinel directory included, with the one taken at setup.
. "$(dirname "$0")/../test-lib.sh"

# Layout: $TRASH/w/p is the project, $TRASH/w/sentinel a directory beside
# it that symlinks point to, $TRASH/rem a directory remote. From the
# project, ../../x is $TRASH/x: inside the listing too.
P=$TRASH/w/p
S=$TRASH/w/sentinel
export P S

# Everything under $TRASH but the project, the remote, these listings and
# the test harness's own files; every regular file with its checksum.
outside() {
	(cd "$TRASH" && find . -path ./w/p -prune -o -path ./rem -prune -o -path ./bin -prune \
		-o -path ./snap -prune -o -name ".out.*" -prune -o -print | LC_ALL=C sort &&
	 find . -path ./w/p -prune -o -path ./rem -prune -o -path ./bin -prune -o -path ./snap -prune \
		-o -name ".out.*" -prune -o -type f -print | LC_ALL=C sort | xargs sha256sum)
}

# Fails when anything outside the project was created, changed or removed.
untouched() {
	outside >"$TRASH/snap/after" &&
	test_cmp "$TRASH/snap/before" "$TRASH/snap/after" &&
	test ! -e /tmp/repro-hostile-$$
}

# stages_case YAML-TEXT EXPECTED-LINE: the stages file is refused by
# `repro status` with exit 2 and exactly that one line.
stages_case() {
	printf '%b' "$1" >stages.yaml &&
	test_expect_code 2 repro status >out 2>err &&
	printf '%s\n' "$2" >expect && test_cmp expect err && test ! -s out
}

H64=0000000000000000000000000000000000000000000000000000000000000000

test_expect_success 'setup: a project, a sentinel beside it, a directory remote' '
	mkdir -p w/p rem snap "$S/d" && cd w/p && repro init >/dev/null &&
	echo keep >"$S/file" && echo keep >"$S/d/f" && echo precious >"$S/o.txt" &&
	repro remote add -d r "$TRASH/rem" &&
	printf "x: 1\n" >params.yaml &&
	outside >"$TRASH/snap/before" && test_grep -q sentinel/o.txt "$TRASH/snap/before"
'

# --- stages files -----------------------------------------------------------

test_expect_success 'stages file: deps, outs, metrics, plots leaving the project or absolute' '
	cd w/p &&
	stages_case "stages:\n  a: {cmd: x, deps: [../../x]}\n" \
		"stages.yaml:2:22: error: dep '"'"'../../x'"'"' of stage '"'"'a'"'"': path leaves the project" &&
	stages_case "stages:\n  a: {cmd: x, deps: [/etc/passwd]}\n" \
		"stages.yaml:2:22: error: dep '"'"'/etc/passwd'"'"' of stage '"'"'a'"'"' is an absolute path; use a path inside the project" &&
	stages_case "stages:\n  a: {cmd: x, outs: [sub/../../x]}\n" \
		"stages.yaml:2:22: error: out '"'"'sub/../../x'"'"' of stage '"'"'a'"'"': path leaves the project" &&
	stages_case "stages:\n  a: {cmd: x, outs: [/tmp/repro-hostile-$$]}\n" \
		"stages.yaml:2:22: error: out '"'"'/tmp/repro-hostile-$$'"'"' of stage '"'"'a'"'"' is an absolute path; use a path inside the project" &&
	stages_case "stages:\n  a: {cmd: x, metrics: [../m.json]}\n" \
		"stages.yaml:2:25: error: out '"'"'../m.json'"'"' of stage '"'"'a'"'"': path leaves the project" &&
	stages_case "stages:\n  a: {cmd: x, plots: [{../p.csv: {x: a}}]}\n" \
		"stages.yaml:2:24: error: out '"'"'../p.csv'"'"' of stage '"'"'a'"'"': path leaves the project" &&
	stages_case "stages:\n  a: {cmd: x, outs: [.git/hooks/pre-commit]}\n" \
		"stages.yaml:2:22: error: out '"'"'.git/hooks/pre-commit'"'"' of stage '"'"'a'"'"' names the project root, .git or .repro" &&
	untouched
'

test_expect_success 'stages file: wdir, params files, vars files, top-level files' '
	cd w/p &&
	stages_case "stages:\n  a: {cmd: x, wdir: ../.., outs: [o]}\n" \
		"stages.yaml:2:21: error: wdir '"'"'../..'"'"' of stage '"'"'a'"'"': path leaves the project" &&
	stages_case "stages:\n  a: {cmd: x, wdir: /tmp, outs: [o]}\n" \
		"stages.yaml:2:21: error: wdir '"'"'/tmp'"'"' of stage '"'"'a'"'"': absolute path" &&
	stages_case "stages:\n  a: {cmd: x, wdir: sub, outs: [../../o]}\n" \
		"stages.yaml:2:33: error: out '"'"'../../o'"'"' of stage '"'"'a'"'"': path leaves the project" &&
	stages_case "stages:\n  a: {cmd: x, params: [{../p.yaml: [x]}]}\n" \
		"stages.yaml:2:25: error: params file '"'"'../p.yaml'"'"' of stage '"'"'a'"'"': path leaves the project" &&
	stages_case "stages:\n  a: {cmd: x, params: [{/etc/passwd: [x]}]}\n" \
		"stages.yaml:2:25: error: params file '"'"'/etc/passwd'"'"' of stage '"'"'a'"'"' is an absolute path; use a path inside the project" &&
	stages_case "vars: [../v.yaml]\nstages:\n  a: {cmd: x}\n" \
		"stages.yaml:1:8: error: vars file '"'"'../v.yaml'"'"': path leaves the project" &&
	stages_case "vars: [/etc/passwd]\nstages:\n  a: {cmd: x}\n" \
		"stages.yaml:1:8: error: vars file '"'"'/etc/passwd'"'"': absolute path" &&
	stages_case "metrics: [../../m.json]\nstages:\n  a: {cmd: x}\n" \
		"stages.yaml:1:11: error: '"'"'../../m.json'"'"': path leaves the project" &&
	stages_case "params: [/etc/p.yaml]\nstages:\n  a: {cmd: x}\n" \
		"stages.yaml:1:10: error: '"'"'/etc/p.yaml'"'"': absolute path" &&
	untouched
'

test_expect_success 'stages file: a templated path that leaves the project' '
	cd w/p &&
	stages_case "stages:\n  a:\n    foreach: [ok, ../../x]\n    do: {cmd: x, outs: [\"\${item}\"]}\n" \
		"stages.yaml:4:25: error: out '"'"'../../x'"'"' of stage '"'"'a@../../x'"'"': path leaves the project" &&
	untouched
'

test_expect_success 'stages file: newline, escape and NUL in names, shown escaped on one line' '
	cd w/p &&
	stages_case "stages:\n  a: {cmd: x, outs: [\"a\\\\nb\"]}\n" \
		"stages.yaml:2:22: error: out '"'"'a\\nb'"'"' of stage '"'"'a'"'"': control character in path" &&
	stages_case "stages:\n  a: {cmd: x, outs: [\"\\\\e[2Jred\"]}\n" \
		"stages.yaml:2:22: error: out '"'"'\\x1b[2Jred'"'"' of stage '"'"'a'"'"': control character in path" &&
	stages_case "stages:\n  a: {cmd: x, outs: [\"ok\\\\0/../../x\"]}\n" \
		"stages.yaml:2:22: error: out '"'"'ok\\x00/../../x'"'"' of stage '"'"'a'"'"': NUL character in path" &&
	stages_case "stages:\n  a: {cmd: x, deps: [\"d\\\\0/etc/passwd\"]}\n" \
		"stages.yaml:2:22: error: dep '"'"'d\\x00/etc/passwd'"'"' of stage '"'"'a'"'"': NUL character in path" &&
	stages_case "stages:\n  a: {cmd: x, wdir: \"s\\\\0/..\", outs: [o]}\n" \
		"stages.yaml:2:21: error: wdir '"'"'s\\x00/..'"'"' of stage '"'"'a'"'"': NUL character in path" &&
	stages_case "stages:\n  a: {cmd: x, params: [{\"p\\\\0.yaml\": [x]}]}\n" \
		"stages.yaml:2:25: error: params file '"'"'p\\x00.yaml'"'"' of stage '"'"'a'"'"': NUL character in path" &&
	stages_case "vars: [\"params.yaml\\\\0../../x\"]\nstages:\n  a: {cmd: x}\n" \
		"stages.yaml:1:8: error: vars file '"'"'params.yaml\\x00../../x'"'"': NUL character in path" &&
	untouched
'

# --- stages.lock --------------------------------------------------------------

# lock_case PATH-AS-YAML EXPECTED-LINE: a lock whose out has that path is
# refused by status with exit 2 and that one line.
lock_case() {
	printf "stages:\n  a:\n    cmd: echo a >a.txt\n    outs:\n    - path: %s\n      sha256: $H64\n      size: 2\n" \
		"$1" >stages.lock &&
	test_expect_code 2 repro status >out 2>err &&
	printf '%s\n' "$2" >expect && test_cmp expect err
}

test_expect_success 'stages.lock: paths leaving the project, absolute, newline, NUL' '
	cd w/p && printf "stages:\n  a: {cmd: echo a >a.txt, outs: [a.txt]}\n" >stages.yaml &&
	tail="; the lock is damaged: fix it or delete it and run '"'"'repro commit'"'"'" &&
	lock_case ../../x "stages.lock:5:13: error: invalid path '"'"'../../x'"'"' (path leaves the project)$tail" &&
	lock_case /etc/passwd "stages.lock:5:13: error: invalid path '"'"'/etc/passwd'"'"' (absolute path)$tail" &&
	lock_case "\"a\\nb\"" "stages.lock:5:13: error: invalid path '"'"'a\\nb'"'"' (control character in path)$tail" &&
	lock_case "\"a.txt\\0../../x\"" "stages.lock:5:13: error: invalid path '"'"'a.txt\\x00../../x'"'"' (NUL character in path)$tail" &&
	printf "stages:\n  a:\n    cmd: echo a >a.txt\n    wdir: ../..\n" >stages.lock &&
	test_expect_code 2 repro run >out 2>err &&
	echo "stages.lock:4:11: error: invalid path '"'"'../..'"'"' (path leaves the project)$tail" >expect &&
	test_cmp expect err && test ! -e a.txt &&
	rm stages.lock stages.yaml && untouched
'

# --- .repro files ---------------------------------------------------------------

test_expect_success '.repro files: a path that is not a name beside the file is refused' '
	cd w/p && echo data >d.txt && repro add d.txt >/dev/null && h=$(sha256sum d.txt | cut -c1-64) && rm d.txt &&
	for p in ../../x /tmp/repro-hostile-$$ sub/x .. "\"a\\nb\"" "\"d.txt\\0/../../x\""; do
		printf "outs:\n- path: %s\n  sha256: $h\n  size: 5\n" "$p" >d.txt.repro &&
		test_expect_code 1 repro checkout >out 2>err &&
		test $(wc -l <err) = 1 && test_grep "^d.txt.repro:2:" err || exit 1
	done &&
	test_grep "invalid path .d.txt.x00/../../x. (NUL character in path); fix it, or .repro add. the path again" err &&
	rm d.txt.repro && untouched
'

# --- .dir manifests -------------------------------------------------------------

# put_manifest DIR JSON: stores JSON as a .dir object under DIR (a cache or
# a remote) and prints its id.
put_manifest() {
	_h=$(printf '%s' "$2" | sha256sum | cut -c1-64) &&
	mkdir -p "$1/$(echo $_h | cut -c1-2)" &&
	printf '%s' "$2" >"$1/$(echo $_h | cut -c1-2)/$(echo $_h | cut -c3-).dir" &&
	echo "$_h.dir"
}

test_expect_success 'a manifest in the cache listing ../../x, /etc/passwd or a newline is never checked out' '
	cd w/p && echo evil >e.txt && repro add e.txt >/dev/null && e=$(sha256sum e.txt | cut -c1-64) &&
	for p in ../../x /tmp/repro-hostile-$$ "a\\nb" "a/../../../x"; do
		id=$(put_manifest .repro/cache "[{\"path\":\"$p\",\"sha256\":\"$e\",\"size\":5,\"exec\":false}]") &&
		printf "outs:\n- path: d\n  sha256: $id\n  size: 5\n  nfiles: 1\n" >d.repro &&
		test_expect_code 1 repro checkout >out 2>err &&
		head -1 err >first &&
		test_grep "^repro: error: corrupt manifest .\.repro/cache/../.*\.dir.: entry 1 (.*) has an\? " first &&
		test ! -e d || exit 1
	done &&
	rm d.repro && untouched
'

test_expect_success 'a manifest from a remote listing ../../x or /etc/passwd is refused and not kept' '
	cd w/p && repro push >/dev/null && e=$(sha256sum e.txt | cut -c1-64) &&
	for p in ../../x /etc/passwd; do
		id=$(put_manifest "$TRASH/rem" "[{\"path\":\"$p\",\"sha256\":\"$e\",\"size\":5,\"exec\":false}]") &&
		printf "outs:\n- path: d\n  sha256: $id\n  size: 5\n  nfiles: 1\n" >d.repro &&
		rm -rf .repro/cache/$(echo $id | cut -c1-2) &&
		test_expect_code 1 repro pull >out 2>err &&
		head -1 err >first &&
		printf "%s\n" "repro: error: corrupt manifest '"'"'$id'"'"' from remote '"'"'r'"'"': entry 1 ('"'"'$p'"'"') has $(
			[ $p = /etc/passwd ] && echo "an absolute path" || echo "a '"'"'.'"'"' or '"'"'..'"'"' path component")" >expect &&
		test_cmp expect first &&
		test ! -e .repro/cache/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-) &&
		test -z "$(find .repro/tmp -name "*.dir")" && test ! -e d || exit 1
	done &&
	rm d.repro && untouched
'

# --- objects from a remote ------------------------------------------------------

test_expect_success 'a remote object whose content does not match its name is refused, nothing kept' '
	cd w/p && e=$(sha256sum e.txt | cut -c1-64) && key=$(echo $e | cut -c1-2)/$(echo $e | cut -c3-) &&
	chmod u+w "$TRASH/rem/$key" && echo forged >"$TRASH/rem/$key" &&
	rm -rf .repro/cache/$(echo $e | cut -c1-2) e.txt &&
	repro remote modify r retries 0 &&
	test_expect_code 1 repro pull >out 2>err &&
	test_grep "^repro: error: cannot download .$key. from remote .r.*hashes to" err &&
	test ! -e .repro/cache/$key && test ! -e e.txt && test -z "$(find .repro/tmp -type f)" &&
	untouched
'

test_expect_success 'a remote object that is a symlink is not an object, even to the right bytes' '
	cd w/p && e=$(echo evil | sha256sum | cut -c1-64) && key=$(echo $e | cut -c1-2)/$(echo $e | cut -c3-) &&
	echo evil >"$TRASH/right-bytes" && rm "$TRASH/rem/$key" &&
	ln -s "$TRASH/right-bytes" "$TRASH/rem/$key" &&
	test_expect_code 1 repro pull >out 2>err &&
	echo "repro: error: cannot download '"'"'$key'"'"' from remote '"'"'r'"'"' ($TRASH/rem): '"'"'$TRASH/rem/$key'"'"' is a symlink, not an object (objects are regular files)" >expect &&
	head -1 err >first && test_cmp expect first &&
	test ! -e .repro/cache/$key && test ! -e e.txt &&
	repro remote modify r check head && repro status --cloud >st && test_grep "^missing *e.txt" st &&
	rm "$TRASH/rem/$key" "$TRASH/right-bytes" && untouched
'

test_expect_success 'a run-cache entry from a remote with an absolute out path is ignored as damaged' '
	cd w/p && rm -f e.txt.repro && printf "stages:\n  a: {cmd: echo a >a.txt, outs: [a.txt]}\n" >stages.yaml &&
	repro run >/dev/null && repro push --run-cache >/dev/null &&
	entry=$(ls "$TRASH"/rem/runs/*/*) && chmod u+w "$entry" &&
	sed -i "s|\"a.txt\"|\"/tmp/repro-hostile-$$\"|" "$entry" && test_grep -q repro-hostile "$entry" &&
	rm -rf .repro/runs a.txt stages.lock &&
	repro run --pull >out 2>err &&
	test_grep "ignoring damaged run cache entry" err && test_grep "^running .a." out &&
	test "$(cat a.txt)" = a && untouched
'

# --- symlinks -------------------------------------------------------------------

test_expect_success 'a dep or an out reached through a symlinked directory leading out is refused' '
	cd w/p && ln -s ../sentinel link &&
	printf "stages:\n  a: {cmd: cat link/file >o.txt, deps: [link/file], outs: [o.txt]}\n" >stages.yaml &&
	test_expect_code 1 repro run >out 2>err &&
	test_grep "^repro: error: .link/file. is outside the project: .link. leads to .$S. through a symlink" err &&
	test ! -e o.txt && untouched
'

test_expect_success 'an out below a symlink leading out: not hashed, not removed, the command not run' '
	cd w/p &&
	printf "stages:\n  a: {cmd: echo hi >link/o.txt, outs: [link/o.txt]}\n" >stages.yaml &&
	test_expect_code 1 repro run >out 2>err &&
	echo "repro: error: '"'"'link/o.txt'"'"' is outside the project: '"'"'link'"'"' leads to '"'"'$S'"'"' through a symlink" >expect &&
	echo "repro: error: cannot evaluate stage '"'"'a'"'"'" >>expect &&
	test_cmp expect err && test "$(cat "$S/o.txt")" = precious &&
	printf "stages:\n  a: {cmd: \"true\", outs: [link/d]}\n" >stages.yaml &&
	test_expect_code 1 repro run >out 2>err && test_grep "^repro: error: .link/d. is outside the project" err &&
	printf "stages:\n  a: {cmd: echo hi >link/new.txt, outs: [link/new.txt]}\n" >stages.yaml &&
	test_expect_code 1 repro run >out 2>err &&
	echo "repro: error: refusing to write to '"'"'link'"'"': it is outside the project or a symlink on the way leads out of it" >expect &&
	test_cmp expect err && test ! -e "$S/new.txt" &&
	test -f "$S/d/f" && test -z "$(find .repro/cache -newer stages.yaml -type f)" &&
	untouched
'

test_expect_success 'repro add through a symlinked directory leading out writes no .repro file there' '
	cd w/p && test_expect_code 1 repro add link/file >out 2>err &&
	test_grep "^repro: error: .link/file. is outside the project: .link. leads to" err &&
	test ! -e "$S/file.repro" && untouched
'

test_expect_success 'a dep directory holding a symlink to outside is refused, not followed (nor hashed as a link)' '
	cd w/p && mkdir -p indir && echo in >indir/a && ln -s ../../sentinel indir/out &&
	printf "stages:\n  a: {cmd: ls indir >o.txt, deps: [indir], outs: [o.txt]}\n" >stages.yaml &&
	test_expect_code 1 repro run >out 2>err &&
	test_grep "^repro: error: .indir/out. is a symlink to .$S., outside the project: only symlinks into the project are followed" err &&
	test ! -e o.txt && rm -rf indir && untouched
'

test_expect_success 'an out directory holding a symlink to outside is refused, nothing cached' '
	cd w/p && printf "stages:\n  a: {cmd: mkdir -p od && echo x >od/x && ln -s /etc od/etc, outs: [od]}\n" >stages.yaml &&
	test_expect_code 1 repro run >out 2>err &&
	test_grep "od/etc. is a symlink to ./etc., outside the project" err &&
	! grep -q "path: od" stages.lock 2>/dev/null && rm -rf od && untouched
'

test_expect_success 'checkout never writes through a parent replaced by a symlink to outside' '
	cd w/p && rm -f link &&
	printf "stages:\n  a: {cmd: mkdir -p d/sub && echo one >d/sub/f && echo two >d/g, outs: [d]}\n  b: {cmd: mkdir -p e && echo q >e/q.txt, outs: [e/q.txt]}\n  c: {cmd: mkdir -p f && echo o >f/o.txt, outs: [f/o.txt]}\n" >stages.yaml &&
	repro run >/dev/null &&
	rm -rf e f && ln -s ../sentinel e && ln -s ../sentinel f &&
	test_expect_code 1 repro checkout >out 2>err &&
	echo "repro: error: refusing to write to '"'"'e'"'"': it is outside the project or a symlink on the way leads out of it" >expect &&
	echo "repro: error: '"'"'f/o.txt'"'"' is outside the project: '"'"'f'"'"' leads to '"'"'$S'"'"' through a symlink" >>expect &&
	test_cmp expect err && test ! -e "$S/q.txt" && test "$(cat "$S/o.txt")" = precious && untouched &&
	rm -rf d/sub e f && ln -s ../../sentinel d/sub &&
	test_expect_code 1 repro checkout >out 2>err &&
	echo "repro: error: '"'"'d/sub'"'"' is a symlink to '"'"'$S'"'"', outside the project: only symlinks into the project are followed" >expect &&
	test_cmp expect err && test ! -e "$S/f" && untouched &&
	rm d/sub && repro checkout --force >out &&
	test "$(cat d/sub/f)" = one && test "$(cat e/q.txt)" = q && test "$(cat f/o.txt)" = o &&
	untouched
'

test_expect_success 'pull restores into a path whose parent became a symlink: refused, nothing outside' '
	cd w/p && repro push >/dev/null && rm -rf e .repro/cache && ln -s ../sentinel e &&
	test_expect_code 1 repro pull >out 2>err &&
	echo "repro: error: refusing to write to '"'"'e'"'"': it is outside the project or a symlink on the way leads out of it" >expect &&
	test_cmp expect err && test ! -e "$S/q.txt" && rm e && untouched
'

test_expect_success 'a wdir that is a symlink leading out: its outs are refused before the command runs' '
	cd w/p && ln -s ../sentinel wd &&
	printf "stages:\n  a: {cmd: echo ran >ran.txt, wdir: wd, outs: [new.txt]}\n" >stages.yaml &&
	test_expect_code 1 repro run >out 2>err &&
	echo "repro: error: refusing to write to '"'"'wd'"'"': it is outside the project or a symlink on the way leads out of it" >expect &&
	test_cmp expect err && test ! -e "$S/ran.txt" &&
	printf "stages:\n  a: {cmd: echo ran >ran.txt, wdir: wd, outs: [o.txt]}\n" >stages.yaml &&
	test_expect_code 1 repro run >out 2>err &&
	test_grep "^repro: error: .wd/o.txt. is outside the project: .wd. leads to" err &&
	test ! -e "$S/ran.txt" && rm wd && untouched
'

# --- archives given to ingest ---------------------------------------------------

test_expect_success 'ingest: newline, escape, .. and absolute names, links: skipped one line each, never written' '
	cd w/p && perl -MArchive::Tar -MArchive::Tar::Constant -e "
		my \$t = Archive::Tar->new;
		\$t->add_data(\"top/ok.yaml\", \"kind: A\n\");
		\$t->add_data(\"top/new\nline.yaml\", \"kind: B\n\");
		\$t->add_data(\"top/esc\e[2J.yaml\", \"kind: C\n\");
		\$t->add_data(\"top/./../../x.yaml\", \"kind: D\n\");
		\$t->add_data(\"./../y.yaml\", \"kind: E\n\");
		\$t->add_data(\"/tmp/repro-hostile-$$\", \"kind: F\n\");
		\$t->add_data(\"top/sl.yaml\", \"\", { type => SYMLINK, linkname => \"../../../etc/passwd\" });
		\$t->add_data(\"top/hl.yaml\", \"\", { type => HARDLINK, linkname => \"/etc/passwd\" });
		\$t->write(\"h.tar\");" &&
	repro builtin ingest --source h.tar --out h.jsonl --params /dev/null 2>err &&
	grep "WARNING ingest: skipping" err | sed "s/^[^ ]* //" >got &&
	cat >expect <<-EOF &&
	WARNING ingest: skipping '"'"'top/new?line.yaml'"'"' in the archive: control character in the path
	WARNING ingest: skipping '"'"'top/esc?[2J.yaml'"'"' in the archive: control character in the path
	WARNING ingest: skipping '"'"'top/../../x.yaml'"'"' in the archive: '"'"'..'"'"' in the path
	WARNING ingest: skipping '"'"'../y.yaml'"'"' in the archive: '"'"'..'"'"' in the path
	WARNING ingest: skipping '"'"'/tmp/repro-hostile-$$'"'"' in the archive: absolute path
	WARNING ingest: skipping '"'"'top/sl.yaml'"'"' in the archive: a symbolic link
	WARNING ingest: skipping '"'"'top/hl.yaml'"'"' in the archive: a hard link
	EOF
	test_cmp expect got &&
	perl -MJSON::PP -ne "print decode_json(\$_)->{path}, \"\n\"" h.jsonl >paths &&
	echo ok.yaml >expect && test_cmp expect paths && untouched
'

test_expect_success 'ingest: a zip with ../ and absolute names' '
	cd w/p &&
	if ! command -v python3 >/dev/null; then echo "no python3: zip case not built"; exit 0; fi &&
	python3 -c "
import zipfile
with zipfile.ZipFile(\"h.zip\", \"w\") as z:
    z.writestr(\"top/ok.yaml\", \"kind: A\n\")
    z.writestr(\"../../zip-evil.yaml\", \"kind: B\n\")
    z.writestr(\"/tmp/repro-hostile-$$\", \"kind: C\n\")
" &&
	repro builtin ingest --source h.zip --out z.jsonl --params /dev/null 2>err &&
	test_grep "skipping .../../zip-evil.yaml. in the archive: .... in the path" err &&
	test_grep "skipping ./tmp/repro-hostile-$$. in the archive: absolute path" err &&
	test $(grep -c "" z.jsonl) = 1 && untouched
'

test_done
