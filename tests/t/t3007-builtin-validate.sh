#!/bin/sh
# validate: each of the six checks catches its own kind of bad record.
. "$(dirname "$0")/../test-lib.sh"

test_expect_success 'setup: one good record and one per violation' '
	perl -MJSON::PP -e "
		my \$j = JSON::PP->new->canonical;
		sub rec { my (\$u, \$a, \$ru, \$ra) = @_;
			print \$j->encode({messages => [{role => \$ru // q(user), content => \$u},
				{role => \$ra // q(assistant), content => \$a}]}), qq(\n) }
		sub call { my (\$tool, \$m) = @_; \$j->encode({tool => \$tool, params => {manifest_content => \$m}}) }
		rec(q(Apply the deployment: web.), call(q(apply_manifest), qq(apiVersion: v1\nkind: Service\n)));
		print qq(not json\n);
		print qq({\"messages\": [{\"role\": \"user\"}]}\n);
		rec(q(Apply it.), q(y), q(assistant), q(user));
		rec(q(Apply it.), call(q(delete_cluster), qq(a: 1\n)));
		rec(q(Apply it.), call(q(apply_manifest), qq(a: [1\n)));
		rec(q(Apply it.), \$j->encode({tool => q(apply_manifest), params => {}}));
		rec(q(Apply it.), call(q(apply_manifest), qq(owner: bob.smith\@example.com\nip: 10.1.2.3\n)));
		rec(q(Ask sk-abcdefghijklmnopqrstuvwxyz0123 for it.), call(q(apply_manifest), qq(a: 1\n)));
		rec(q(Apply it.), call(q(apply_manifest), qq(password: REDACTED_CREDS\n)));
	" >records.jsonl &&
	test $(grep -c "" records.jsonl) = 10
'

test_expect_success 'every violation is counted under its check' '
	repro builtin validate --in records.jsonl --out schema.json --params /dev/null -j 2 2>err &&
	cat >expect <<-\EOF &&
	{
	  "total": 10,
	  "valid": 2,
	  "pass_rate_pct": 20,
	  "violation_counts": {
	    "missing_keys": 2,
	    "role_order": 1,
	    "invalid_tool_json": 1,
	    "wrong_tool": 1,
	    "manifest_not_yaml": 2,
	    "pii_leak": 2
	  }
	}
	EOF
	test_cmp expect schema.json &&
	test_grep "WARNING validate: record on line 2: missing_keys" err &&
	test_grep "WARNING validate: record on line 4: role_order, invalid_tool_json" err &&
	test_grep "WARNING validate: record on line 8: pii_leak" err
'

test_expect_success 'log_violations limits the log, not the counts' '
	printf "validate:\n  log_violations: 1\n" >p.yaml &&
	repro builtin validate --in records.jsonl --out s2.json --params p.yaml 2>err &&
	test $(grep -c "WARNING validate" err) = 1 &&
	cmp schema.json s2.json
'

test_expect_success 'a Secret preprocess redacted line by line, comment lines included, is no leak' '
	perl -MJSON::PP -e "
		print JSON::PP->new->canonical->encode({path => q(gpu-secret.yaml), license => q(MIT),
			repo => q(o/r), hexsha => q(x), content => qq(apiVersion: v1\nkind: Secret\n) .
			qq(metadata:\n  name: gpu-creds\nstringData:\n  run.sh: |\n    #!/bin/sh\n) .
			qq(    # start the gpu server\n    exec server --token hunter2\n)}), qq(\n)
	" >raw.jsonl &&
	printf "preprocess:\n  min_size: 0\n" >pre.yaml &&
	repro builtin preprocess --params pre.yaml --in raw.jsonl --out redacted.jsonl \
		--meta meta.jsonl --report pre.json 2>err &&
	test_grep "# REDACTED_SECRET" redacted.jsonl &&
	! grep hunter2 redacted.jsonl &&
	repro builtin validate --in redacted.jsonl --out s3.json --params /dev/null 2>err &&
	test_grep "\"valid\": 1," s3.json
'

test_done
