#!/bin/sh
# The six built-ins on the embedded sample (data/sample) with the project's
# params.yaml: what each writes, that planted secrets do not survive, and
# that outputs are byte-identical across runs and thread counts.
. "$(dirname "$0")/../test-lib.sh"

P=$SRCDIR/params.yaml
S=$SRCDIR/data/sample

# pipeline DIR [-j N]: the six stages with their default paths, inside DIR
pipeline() {
	mkdir -p "$1" && (
		cd "$1" &&
		repro builtin ingest --params "$P" --source "$S" &&
		repro builtin analyze --params "$P" ${2:+-j "$2"} &&
		repro builtin preprocess --params "$P" ${2:+-j "$2"} --rejects out/rejects.jsonl &&
		repro builtin validate --params "$P" ${2:+-j "$2"} &&
		repro builtin anomaly --params "$P" &&
		repro builtin bias --params "$P" ${2:+-j "$2"}
	) 2>"$1.log"
}

# json FILE EXPR: prints a value of a JSON file (perl's core JSON::PP)
json() {
	perl -MJSON::PP -e 'my $e = shift; local $/; my $d = JSON::PP->new->decode(<>);
		my $v = eval "\$d->$e";
		print ref $v ? JSON::PP->new->canonical->encode($v) : $v, "\n"' "$2" "$1"
}

test_expect_success 'the pipeline runs on the sample' '
	pipeline a &&
	test_grep "INFO preprocess: kept 44 of 61 files" a.log &&
	test_grep "INFO ingest: 66 files seen, 62 matched include, 1 duplicates, 61 written" a.log
'

test_expect_success 'every preprocess reject reason is exercised, and reported' '
	json a/reports/preprocess_report.json "{reject_counts}" >counts &&
	cat >expect <<-\EOF &&
	{"bad_record":0,"extension":1,"invalid_yaml":1,"license":3,"no_keyword":4,"not_kubernetes":4,"redaction_broke_yaml":1,"too_large":1,"too_small":2}
	EOF
	test_cmp expect counts &&
	cat >expect <<-\EOF &&
	{"path": "files/acme-ml__internal-stack/acme-gpu-inference.yaml", "reason": "license"}
	{"path": "files/acme-ml__internal-stack/acme-kserve-isvc.yaml", "reason": "license"}
	{"path": "files/copyleft-org__gpu-tools/gpu-burn-job.yaml", "reason": "license"}
	{"path": "files/repro-samples__gpu-serving/charts/gpu-deployment.yaml.tmpl", "reason": "extension"}
	{"path": "files/repro-samples__gpu-serving/charts/gpu-values.yaml", "reason": "not_kubernetes"}
	{"path": "files/repro-samples__gpu-serving/config/tiny-gpu-quota.yaml", "reason": "too_small"}
	{"path": "files/repro-samples__gpu-serving/config/triton-client-allowlist.yaml", "reason": "redaction_broke_yaml"}
	{"path": "files/repro-samples__gpu-serving/deploy/broken-gpu-deployment.yaml", "reason": "invalid_yaml"}
	{"path": "files/repro-samples__gpu-serving/docker-compose.gpu.yml", "reason": "not_kubernetes"}
	{"path": "files/repro-samples__platform-base/apps/monitoring-namespace.yaml", "reason": "no_keyword"}
	{"path": "files/repro-samples__platform-base/apps/nginx-deployment.yaml", "reason": "no_keyword"}
	{"path": "files/repro-samples__platform-base/apps/redis-statefulset.yaml", "reason": "no_keyword"}
	{"path": "files/repro-samples__platform-base/config/ingress-nginx-config.yaml", "reason": "no_keyword"}
	{"path": "files/repro-samples__platform-base/config/llm-tokenizer-vocab.yaml", "reason": "too_large"}
	{"path": "files/repro-samples__platform-base/security/postgres-secret.yaml", "reason": "too_small"}
	{"path": "files/repro-samples__training-jobs/ci/training-ci.yml", "reason": "not_kubernetes"}
	{"path": "files/repro-samples__training-jobs/ray/ray-worker-mixed.yaml", "reason": "not_kubernetes"}
	EOF
	test_cmp expect a/out/rejects.jsonl
'

test_expect_success 'records are the apply_manifest tool call design.md shows' '
	head -n 1 a/out/training_records.jsonl | perl -ne "print \"\$1\n\" if /^(.*?manifest_content)/" >first &&
	cat >expect <<-\EOF &&
	{"messages": [{"role": "user", "content": "Apply the GPU serving configuration: gpu node feature rule."}, {"role": "assistant", "content": "{\"tool\": \"apply_manifest\", \"params\": {\"manifest_content
	EOF
	test_cmp expect first &&
	grep -c "" a/out/training_records.jsonl >n && echo 44 >expect && test_cmp expect n &&
	grep -F "\"content\": \"Apply the GPU serving configuration: gpu model server.\"" a/out/training_records.jsonl >/dev/null
'

test_expect_success 'no planted secret survives into the records' '
	for s in hf_kQ3vTzW8pLm2 sk-proj-Xk29fLq8 Tr0ub4dor-Horse AKIAIOSFODNN7EXAMPLE \
		wJalrXUtnFEMI dana.whitfield@ ops-oncall@ 10.42.7.19 10.42.7.20 203.0.113.10 \
		Wint3r-Is-Coming priya.raman@ eyJhbGciOiJIUzI1NiJ9 mlf_7Qw2Er9 AKIAZ3EXAMPLE7PQ2RTU \
		s3cr3t-Exp0rt 3f8a1c9d2e7b4a6f ml-bot@example-ml.io eyJhdXRocyI6 192.168.40.12 10.96.14.2; do
		if grep -F -- "$s" a/out/training_records.jsonl a/out/training_records_balanced.jsonl; then
			echo "planted secret survived: $s" && return 1
		fi
	done
'

test_expect_success 'look-alikes of secrets survive' '
	for s in "nvcr.io/nvidia/tensorrt:8.6.1.6" "8.9.7.29" "sha256:7d2c8f1e0b6a4f3e" secretKeyRef \
		"\${VLLM_API_KEY}" "\$(VLLM_API_KEY)" "--max-num-batched-tokens=16384" MAX_TOKENS \
		PASSWORD_FILE envSecretRefName "\${RUN_DATE}"; do
		grep -F -- "$s" a/out/training_records.jsonl >/dev/null || {
			echo "look-alike lost: $s" && return 1; }
	done
'

test_expect_success 'validate, anomaly and bias reports' '
	cat >expect <<-\EOF &&
	{
	  "total": 44,
	  "valid": 44,
	  "pass_rate_pct": 100,
	  "violation_counts": {
	    "missing_keys": 0,
	    "role_order": 0,
	    "invalid_tool_json": 0,
	    "wrong_tool": 0,
	    "manifest_not_yaml": 0,
	    "pii_leak": 0
	  }
	}
	EOF
	test_cmp expect a/reports/schema_report.json &&
	printf "{\n  \"status\": \"ok\",\n  \"anomalies_found\": 0,\n  \"anomalies\": []\n}\n" >expect &&
	test_cmp expect a/reports/anomaly_report.json &&
	json a/reports/bias_report.json "{slices}{iac_type}" >iac &&
	echo "{\"k8s_config\":{\"count\":16,\"share\":0.3636},\"k8s_workload\":{\"count\":17,\"share\":0.3864},\"kserve\":{\"count\":6,\"share\":0.1364},\"seldon\":{\"count\":5,\"share\":0.1136}}" >expect &&
	test_cmp expect iac &&
	test "$(json a/reports/bias_report.json "{kept}")" = 44 &&
	grep -c "\"sampling_weight\": " a/out/training_records_balanced.jsonl >n && echo 44 >expect && test_cmp expect n
'

test_expect_success 'analyze counts the corpus before filtering' '
	test "$(json a/reports/analysis.json "{files}")" = 61 &&
	test "$(json a/reports/analysis.json "{kinds}{InferenceService}")" = 7 &&
	test "$(json a/reports/analysis.json "{extensions}{\".tmpl\"}")" = 1 &&
	test "$(json a/reports/analysis.json "{licenses}{\"GPL-3.0-only\"}")" = 1 &&
	test "$(json a/reports/analysis.json "{keyword_hits}{ray}")" -ge 4 &&
	test "$(json a/reports/analysis.json "{files_with_pii}")" -ge 12
'

test_expect_success 'a second run and other thread counts give byte-identical outputs' '
	pipeline b &&
	pipeline c 1 &&
	pipeline d 2 &&
	for d in b c d; do
		for f in out/raw.jsonl out/training_records.jsonl out/records_meta.jsonl \
			out/rejects.jsonl out/training_records_balanced.jsonl reports/analysis.json \
			reports/preprocess_report.json reports/schema_report.json \
			reports/anomaly_report.json reports/bias_report.json; do
			cmp a/$f $d/$f || return 1
		done
	done
'

test_expect_success 'ingest from .tar, .tar.gz, .tar.zst and .zip equals ingest from the directory' '
	tar -C "$SRCDIR/data" -cf sample.tar sample &&
	gzip -n -c sample.tar >sample.tar.gz &&
	if command -v zstd >/dev/null; then zstd -q sample.tar -o sample.tar.zst; fi &&
	if command -v zip >/dev/null; then (cd "$SRCDIR/data" && zip -qr "$TRASH/sample.zip" sample); fi &&
	for a in sample.tar sample.tar.gz sample.tar.zst sample.zip; do
		test -f $a || continue
		repro builtin ingest --params "$P" --source $a --out from-$a.jsonl 2>/dev/null &&
		cmp a/out/raw.jsonl from-$a.jsonl || return 1
	done
'

test_done
