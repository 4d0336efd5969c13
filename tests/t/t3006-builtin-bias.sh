#!/bin/sh
# bias: slices, imbalance flags, seeded downsampling above max_share, and
# sampling weights, on records made to a known mix of IaC types.
. "$(dirname "$0")/../test-lib.sh"

# make N KIND APIVERSION PREFIX: N manifests of one kind in src/
make_manifests() {
	for i in $(seq 1 $1); do
		printf "apiVersion: %s\nkind: %s\nmetadata:\n  name: %s-%s\n" "$3" "$2" "$4" "$i" >src/$4-$i.yaml
	done
}

test_expect_success 'setup: 60 config, 20 workload, 10 kserve, 10 seldon records' '
	mkdir src &&
	make_manifests 60 ConfigMap v1 config &&
	make_manifests 20 Deployment apps/v1 deploy &&
	make_manifests 10 InferenceService serving.kserve.io/v1beta1 kserve &&
	make_manifests 10 SeldonDeployment machinelearning.seldon.io/v1 seldon &&
	cat >params.yaml <<-\EOF &&
	preprocess:
	  min_size: 1
	  keywords: [apiVersion]
	  licenses: [unknown]
	EOF
	repro builtin ingest --source src 2>/dev/null &&
	repro builtin preprocess 2>/dev/null &&
	grep -c "" out/training_records.jsonl >n && echo 100 >expect && test_cmp expect n
'

weights() {
	perl -MJSON::PP -ne '$r = decode_json($_); $m = decode_json($r->{messages}[1]{content})->{params}{manifest_content};
		($k) = $m =~ /kind: (\w+)/; $w{"$k $r->{sampling_weight}"}++;
		END { print "$_ $w{$_}\n" for sort keys %w }' "$1"
}

test_expect_success 'the type above max_share is downsampled to fit; weights balance the types' '
	repro builtin bias 2>err &&
	test_grep "kept 66 of 100 records (kserve 10, seldon 10, k8s_workload 20, k8s_config 26)" err &&
	weights out/training_records_balanced.jsonl >got &&
	cat >expect <<-\EOF &&
	ConfigMap 0.634615 26
	Deployment 0.825 20
	InferenceService 1.65 10
	SeldonDeployment 1.65 10
	EOF
	test_cmp expect got
'

test_expect_success 'the report has the four slices, the balance and the flags' '
	perl -MJSON::PP -e "local \$/; my \$r = JSON::PP->new->canonical->decode(<>);
		print JSON::PP->new->canonical->encode(\$r->{\$_}), \"\n\" for qw(downsampled flags balanced_iac_type);
		print join(\" \", sort keys %{\$r->{slices}}), \"\n\"" reports/bias_report.json >got &&
	cat >expect <<-\EOF &&
	{"k8s_config":{"after":26,"before":60}}
	[{"issue":"above_max_share","share":0.6,"slice":"iac_type","value":"k8s_config"},{"issue":"above_max_share","share":1,"slice":"license","value":"unknown"},{"issue":"above_max_share","share":1,"slice":"size_bucket","value":"0-1023"},{"issue":"above_max_share","share":0.6,"slice":"prompt_type","value":"config"}]
	{"k8s_config":{"count":26,"sampling_weight":0.634615,"share":0.3939},"k8s_workload":{"count":20,"sampling_weight":0.825,"share":0.303},"kserve":{"count":10,"sampling_weight":1.65,"share":0.1515},"seldon":{"count":10,"sampling_weight":1.65,"share":0.1515}}
	iac_type license prompt_type size_bucket
	EOF
	test_cmp expect got
'

test_expect_success 'the seed picks which records, not how many; the same seed gives the same bytes' '
	printf "bias:\n  seed: 43\n" >seed.yaml &&
	repro builtin bias --params seed.yaml --out s43.jsonl --report s43.json 2>/dev/null &&
	repro builtin bias --out again.jsonl --report again.json 2>/dev/null &&
	cmp out/training_records_balanced.jsonl again.jsonl &&
	! cmp -s out/training_records_balanced.jsonl s43.jsonl &&
	weights s43.jsonl >got43 && weights out/training_records_balanced.jsonl >got42 &&
	test_cmp got42 got43
'

test_expect_success 'max_share 1 keeps everything' '
	printf "bias:\n  max_share: 1\n" >all.yaml &&
	repro builtin bias --params all.yaml --out all.jsonl --report all.json 2>/dev/null &&
	grep -c "" all.jsonl >n && echo 100 >expect && test_cmp expect n
'

test_expect_success 'metadata that does not match the records fails the stage' '
	head -n 50 out/records_meta.jsonl >short.jsonl &&
	test_expect_code 1 repro builtin bias --meta short.jsonl --out x.jsonl --report x.json 2>err &&
	test_grep "has fewer lines than the records" err &&
	! test -e x.jsonl && ! test -e x.json
'

test_expect_success 'a single IaC type cannot be balanced and is kept whole' '
	head -n 60 out/training_records.jsonl >one.jsonl && head -n 60 out/records_meta.jsonl >one.meta &&
	repro builtin bias --in one.jsonl --meta one.meta --out one-out.jsonl --report one.json 2>err &&
	test_grep "every record is k8s_config: nothing to balance against" err &&
	grep -c "" one-out.jsonl >n && echo 60 >expect && test_cmp expect n
'

test_done
