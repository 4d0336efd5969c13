#!/bin/sh
# ingest: hostile archive entries, deduplication, sampling, licenses,
# non-text and oversized files.
. "$(dirname "$0")/../test-lib.sh"

M=$SRCDIR/data/sample/files/repro-samples__gpu-serving/deploy/gpu-model-server.yaml

test_expect_success 'unsafe and special archive entries are skipped, counted, never written' '
	perl -MArchive::Tar -MArchive::Tar::Constant -e "
		my \$t = Archive::Tar->new;
		\$t->add_data(\"top/ok.yaml\", \"kind: A\n\");
		\$t->add_data(\"top/../evil.yaml\", \"kind: B\n\");
		\$t->add_data(\"/tmp/repro-evil-$$.yaml\", \"kind: C\n\");
		\$t->add_data(\"top/link.yaml\", \"\", { type => SYMLINK, linkname => \"/etc/passwd\" });
		\$t->add_data(\"top/hard.yaml\", \"\", { type => HARDLINK, linkname => \"top/ok.yaml\" });
		\$t->add_data(\"top/dev.yaml\", \"\", { type => CHARDEV, devmajor => 1, devminor => 3 });
		\$t->add_data(\"top/bell\a.yaml\", \"kind: D\n\");
		\$t->write(\"evil.tar\");" &&
	repro builtin ingest --source evil.tar --params /dev/null 2>err &&
	test_grep "skipping .top/../evil.yaml. in the archive: .... in the path" err &&
	test_grep "skipping ./tmp/repro-evil-$$.yaml. in the archive: absolute path" err &&
	test_grep "skipping .top/link.yaml. in the archive: a symbolic link" err &&
	test_grep "skipping .top/hard.yaml. in the archive: a hard link" err &&
	test_grep "skipping .top/dev.yaml. in the archive: a device, fifo or socket" err &&
	test_grep "skipping .top/bell?.yaml. in the archive: control character in the path" err &&
	test_grep "skipped 3 unsafe paths, 3 links or special files" err &&
	perl -MJSON::PP -ne "print decode_json(\$_)->{path}, \"\n\"" out/raw.jsonl >paths &&
	echo ok.yaml >expect && test_cmp expect paths &&
	! test -e ../evil.yaml && ! test -e /tmp/repro-evil-$$.yaml
'

test_expect_success 'a corrupt archive fails the stage and leaves no output' '
	tar -C "$SRCDIR/data" -czf full.tar.gz sample && head -c 3000 full.tar.gz >cut.tar.gz &&
	test_expect_code 1 repro builtin ingest --source cut.tar.gz --out cut.jsonl --params /dev/null 2>err &&
	test_grep "cannot read archive .cut.tar.gz." err &&
	! test -e cut.jsonl && ! ls .cut.jsonl.tmp* 2>/dev/null
'

test_expect_success 'duplicates keep the first path; records are sorted by path' '
	mkdir -p d/b d/a && cp "$M" d/b/x.yaml && cp "$M" d/a/y.yaml && cp "$M" d/z.yaml &&
	echo "kind: Other" >d/a/other.yml &&
	repro builtin ingest --source d --out d.jsonl --params /dev/null 2>err &&
	test_grep "2 duplicates" err &&
	perl -MJSON::PP -ne "\$r = decode_json(\$_); print \"\$r->{path} \$r->{repo} \$r->{license} \$r->{size} \$r->{hexsha}\n\"" d.jsonl >got &&
	printf "%s\n" "a/other.yml d unknown 12 $(git hash-object d/a/other.yml)" \
		"a/y.yaml d unknown $(wc -c <"$M") $(git hash-object "$M")" >expect &&
	test_cmp expect got
'

test_expect_success 'a LICENSE file at the top names the license' '
	cp "$SRCDIR/tests/fixtures/preprocess/LICENSE" d/LICENSE &&
	repro builtin ingest --source d --out dl.jsonl --params /dev/null 2>/dev/null &&
	grep -c "\"license\": \"MIT\"" dl.jsonl >n && echo 2 >expect && test_cmp expect n
'

test_expect_success 'include, max_file_size and non-text files' '
	mkdir -p e && cp "$M" e/keep.yaml && cp "$M" e/skip.json &&
	printf "kind: \\000binary\n" >e/nul.yaml && printf "bad: \\377\\376\n" >e/latin.yaml &&
	head -c 5000 /dev/zero | tr "\\000" a >e/big.yaml &&
	printf "ingest:\n  include: [\"*.yaml\"]\n  max_file_size: 4096\n" >p.yaml &&
	repro builtin ingest --source e --out e.jsonl --params p.yaml 2>err &&
	test_grep "skipping .nul.yaml.: not UTF-8 text" err &&
	test_grep "skipping .latin.yaml.: not UTF-8 text" err &&
	test_grep "skipping .big.yaml.: 5000 bytes, more than max_file_size" err &&
	perl -MJSON::PP -ne "print decode_json(\$_)->{path}, \"\n\"" e.jsonl >paths &&
	echo keep.yaml >expect && test_cmp expect paths
'

test_expect_success 'max_records takes a seeded sample, stable across runs' '
	mkdir -p s && for i in $(seq 10 49); do sed "s/gpu-model-server/server-$i/" "$M" >s/m$i.yaml; done &&
	printf "ingest:\n  max_records: 10\n  seed: 7\n" >s7.yaml &&
	printf "ingest:\n  max_records: 10\n  seed: 8\n" >s8.yaml &&
	repro builtin ingest --source s --out s7a.jsonl --params s7.yaml 2>/dev/null &&
	repro builtin ingest --source s --out s7b.jsonl --params s7.yaml 2>/dev/null &&
	repro builtin ingest --source s --out s8.jsonl --params s8.yaml 2>/dev/null &&
	cmp s7a.jsonl s7b.jsonl &&
	grep -c "" s7a.jsonl >n && echo 10 >expect && test_cmp expect n &&
	! cmp -s s7a.jsonl s8.jsonl &&
	perl -MJSON::PP -ne "print decode_json(\$_)->{path}, \"\n\"" s7a.jsonl >order &&
	LC_ALL=C sort order >sorted && test_cmp sorted order
'

test_expect_success 'adding files changes the sample only where they rank in' '
	mkdir -p s2 && cp s/*.yaml s2/ &&
	for i in 50 51 52 53 54; do sed "s/gpu-model-server/server-$i/" "$M" >s2/m$i.yaml; done &&
	repro builtin ingest --source s2 --out s2.jsonl --params s7.yaml 2>/dev/null &&
	perl -MJSON::PP -ne "print decode_json(\$_)->{path}, \"\n\"" s2.jsonl >new &&
	comm -12 order new >both &&
	test $(grep -c "" both) -ge 5
'

test_done
