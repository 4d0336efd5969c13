#!/bin/sh
# preprocess's filter, one fixture per reject reason (tests/fixtures/preprocess),
# and how params change it.
. "$(dirname "$0")/../test-lib.sh"

F=$SRCDIR/tests/fixtures/preprocess

test_expect_success 'setup: ingest the fixtures' '
	printf "preprocess:\n  min_size: 120\n  max_size: 2000\n" >params.yaml &&
	repro builtin ingest --source "$F" 2>ingest.log &&
	repro builtin preprocess --rejects rejects.jsonl 2>pre.log
'

test_expect_success 'each fixture is rejected for its own reason' '
	cat >expect <<-\EOF &&
	{"path": "array-of-ports.yaml", "reason": "no_keyword"}
	{"path": "inference.yaml.j2", "reason": "extension"}
	{"path": "invalid-yaml.yaml", "reason": "invalid_yaml"}
	{"path": "license-gpl.yaml", "reason": "license"}
	{"path": "not-kubernetes-empty.yaml", "reason": "not_kubernetes"}
	{"path": "not-kubernetes-mixed.yaml", "reason": "not_kubernetes"}
	{"path": "not-kubernetes-values.yaml", "reason": "not_kubernetes"}
	{"path": "redaction-broke-yaml.yaml", "reason": "redaction_broke_yaml"}
	{"path": "too-large.yaml", "reason": "too_large"}
	{"path": "too-small.yaml", "reason": "too_small"}
	EOF
	test_cmp expect rejects.jsonl
'

test_expect_success 'the report counts every reason, zeros included' '
	perl -MJSON::PP -e "local \$/; my \$r = decode_json(<>);
		print join(\" \", map { \"\$_=\$r->{reject_counts}{\$_}\" } sort keys %{\$r->{reject_counts}}), \"\n\";
		print \"total=\$r->{total} kept=\$r->{kept} rejected=\$r->{rejected}\n\"" \
		reports/preprocess_report.json >counts &&
	cat >expect <<-\EOF &&
	bad_record=0 extension=1 invalid_yaml=1 license=1 no_keyword=1 not_kubernetes=3 redaction_broke_yaml=1 too_large=1 too_small=1
	total=12 kept=2 rejected=10
	EOF
	test_cmp expect counts &&
	test_grep "kept 2 of 12 files (too_small 1, too_large 1, extension 1, license 1, no_keyword 1, invalid_yaml 1, not_kubernetes 3, redaction_broke_yaml 1)" pre.log
'

test_expect_success 'licenses come from MANIFEST.tsv, else the LICENSE file' '
	grep "\"path\": \"license-gpl.yaml\"" out/raw.jsonl | grep "\"license\": \"GPL-3.0-only\"" &&
	grep "\"path\": \"too-small.yaml\"" out/raw.jsonl | grep "\"license\": \"MIT\"" &&
	grep "\"path\": \"too-small.yaml\"" out/raw.jsonl | grep "\"repo\": \"preprocess\""
'

test_expect_success 'a multi-document file passes when its non-empty documents are all objects' '
	grep -c "" out/records_meta.jsonl >n && echo 2 >expect && test_cmp expect n &&
	grep "\"path\": \"kept-multi-document.yaml\"" out/records_meta.jsonl &&
	grep "\"path\": \"kept-ray-head-service.yaml\"" out/records_meta.jsonl
'

test_expect_success 'a line that is not an ingest record is counted as bad_record' '
	{ head -n 1 out/raw.jsonl && echo "{\"path\": 3}" && echo "not json"; } >mixed.jsonl &&
	repro builtin preprocess --in mixed.jsonl --out m.jsonl --meta m.meta --report m.json 2>err &&
	test_grep "line 2 is not an ingest record" err &&
	test_grep "line 3 is not an ingest record" err &&
	test_grep "\"bad_record\": 2" m.json
'

test_expect_success 'keywords, licenses and sizes come from params.yaml' '
	cat >p2.yaml <<-\EOF &&
	preprocess:
	  min_size: 1
	  max_size: 100000
	  licenses: [GPL-3.0-only, MIT]
	  keywords: [web]
	EOF
	repro builtin preprocess --params p2.yaml --out k.jsonl --meta k.meta --report k.json \
		--rejects k.rejects 2>/dev/null &&
	grep "\"path\": \"array-of-ports.yaml\"" k.meta &&
	! grep "array-of-ports" k.rejects &&
	grep "\"path\": \"too-small.yaml\", \"reason\": \"no_keyword\"" k.rejects
'

test_expect_success 'prompt rules come from params.yaml' '
	cat >p3.yaml <<-\EOF &&
	preprocess:
	  min_size: 120
	  max_size: 2000
	  prompt_rules:
	    - name: ray
	      words: [ray]
	      prompt: Apply the Ray manifest
	  prompt_fallback: Apply this
	EOF
	repro builtin preprocess --params p3.yaml --out r.jsonl --meta r.meta --report r.json 2>/dev/null &&
	perl -MJSON::PP -ne "print decode_json(\$_)->{messages}[0]{content}, \"\n\"" r.jsonl >prompts &&
	printf "%s\n" "Apply this: kept multi document." "Apply the Ray manifest: kept ray head service." >expect &&
	test_cmp expect prompts &&
	grep "\"prompt_type\": \"ray\"" r.meta
'

test_expect_success 'a bad prompt rule is a config error' '
	printf "preprocess:\n  prompt_rules:\n    - name: x\n      words: gpu\n      prompt: Apply\n" >p4.yaml &&
	test_expect_code 2 repro builtin preprocess --params p4.yaml 2>err &&
	test_grep "p4.yaml:4:14: error: .words. must be a list of strings" err
'

test_done
