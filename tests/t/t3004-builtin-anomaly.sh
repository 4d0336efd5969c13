#!/bin/sh
# anomaly: the alert rules, fail_on_anomaly, and the Slack webhook posted to
# a real HTTP receiver on 127.0.0.1 (never printing the URL).
. "$(dirname "$0")/../test-lib.sh"

# receiver STATUS: serves POSTs on a free port of 127.0.0.1 (the kernel
# picks it; it is written to receiver.port), appends each body (one per
# line) to bodies and each request head to requests, answers STATUS
receiver() {
	rm -f receiver.port
	perl -MIO::Socket::INET -e '
		my ($status) = @ARGV;
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
			Listen => 5, ReuseAddr => 1) or die "listen: $!";
		open(my $p, ">", "receiver.port.tmp"); print $p $s->sockport, "\n"; close $p;
		rename "receiver.port.tmp", "receiver.port";
		while (my $c = $s->accept) {
			my ($len, $line, $req) = (0, "", "");
			while (defined($line = <$c>)) {
				$req .= $line;
				$len = $1 if $line =~ /^Content-Length:\s*(\d+)/i;
				last if $line eq "\r\n";
			}
			read($c, my $body, $len);
			open(my $f, ">>", "bodies"); print $f "$body\n"; close $f;
			open(my $h, ">>", "requests"); print $h $req; close $h;
			print $c "HTTP/1.1 $status X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
			close $c;
		}' "$1" &
	echo $! >receiver.pid
	for i in $(seq 1 100); do
		test -f receiver.port && PORT=$(cat receiver.port) && return 0
		sleep 0.05
	done
	return 1
}

stop_receiver() {
	test -f receiver.pid && kill "$(cat receiver.pid)" 2>/dev/null
	rm -f receiver.pid
	return 0
}
test_atexit 'test -f receiver.pid && kill "$(cat receiver.pid)"'

bad_report() {
	cat >schema.json <<-\EOF
	{"total": 5, "valid": 3, "pass_rate_pct": 60,
	 "violation_counts": {"missing_keys": 60, "role_order": 0, "invalid_tool_json": 0,
	  "wrong_tool": 0, "manifest_not_yaml": 0, "pii_leak": 2}}
	EOF
}

test_expect_success 'a good report has no anomalies' '
	printf "{\"total\": 40, \"valid\": 40, \"pass_rate_pct\": 100, \"violation_counts\": {\"pii_leak\": 0}}\n" >good.json &&
	repro builtin anomaly --in good.json --out good-out.json --params /dev/null 2>err &&
	printf "{\n  \"status\": \"ok\",\n  \"anomalies_found\": 0,\n  \"anomalies\": []\n}\n" >expect &&
	test_cmp expect good-out.json &&
	test_grep "INFO anomaly: no anomalies" err
'

test_expect_success 'every rule fires on a bad report; CRITICAL lines without a webhook' '
	bad_report &&
	repro builtin anomaly --in schema.json --out a.json --params /dev/null 2>err &&
	perl -MJSON::PP -e "local \$/; my \$r = decode_json(<>); print \"\$r->{status} \$r->{anomalies_found}\n\";
		print join(\" \", \$_->{type}, \$_->{value}, \$_->{threshold}), \"\n\" for @{\$r->{anomalies}}" a.json >got &&
	cat >expect <<-\EOF &&
	alert 4
	too_few_records 5 10
	low_pass_rate 60 80
	pii_leak 2 0
	violation_spike 60 50
	EOF
	test_cmp expect got &&
	test_grep "CRITICAL anomaly: too_few_records: only 5 records (at least 10 expected)" err &&
	test_grep "CRITICAL anomaly: low_pass_rate: pass rate 60.00% is below 80.00%" err &&
	test_grep "CRITICAL anomaly: pii_leak: 2 records still hold PII or secrets" err &&
	test_grep "CRITICAL anomaly: violation_spike: 60 records fail .missing_keys. (more than 50)" err
'

test_expect_success 'fail_on_anomaly decides the exit status; thresholds come from params' '
	bad_report &&
	printf "anomaly:\n  fail_on_anomaly: true\n" >fail.yaml &&
	test_expect_code 1 repro builtin anomaly --in schema.json --out b.json --params fail.yaml 2>err &&
	test_grep "failing the stage: fail_on_anomaly is true" err &&
	test_grep "\"status\": \"alert\"" b.json &&
	printf "anomaly:\n  fail_on_anomaly: true\n  min_records: 1\n  min_pass_rate_pct: 50\n  max_pii_leaks: 5\n  max_violations_per_type: 100\n" >lax.yaml &&
	repro builtin anomaly --in schema.json --out c.json --params lax.yaml 2>err &&
	test_grep "\"anomalies_found\": 0" c.json
'

test_expect_success 'with SLACK_WEBHOOK_URL the alert is posted; the URL is never printed' '
	bad_report && rm -f bodies requests &&
	receiver 200 &&
	SLACK_WEBHOOK_URL=http://127.0.0.1:$PORT/services/T000/B000/SeCrEtHoOkPaTh \
		repro builtin anomaly --in schema.json --out d.json --params /dev/null 2>err &&
	stop_receiver &&
	test_grep "posted 4 anomalies to the Slack webhook" err &&
	! grep -i "SeCrEtHoOkPaTh\|127.0.0.1:$PORT\|/services/" err &&
	! grep CRITICAL err &&
	test_grep "^POST /services/T000/B000/SeCrEtHoOkPaTh HTTP/1.1" requests &&
	test_grep -i "^Content-Type: application/json" requests &&
	perl -MJSON::PP -ne "print decode_json(\$_)->{text}, \"\n\"" bodies >text &&
	cat >expect <<-\EOF &&
	:rotating_light: repro anomaly check: 4 anomalies in schema.json
	• too_few_records: only 5 records (at least 10 expected)
	• low_pass_rate: pass rate 60.00% is below 80.00%
	• pii_leak: 2 records still hold PII or secrets
	• violation_spike: 60 records fail '"'"'missing_keys'"'"' (more than 50)
	EOF
	test_cmp expect text
'

test_expect_success 'a failing webhook is logged without the URL and falls back to CRITICAL' '
	bad_report && rm -f bodies requests &&
	receiver 500 &&
	SLACK_WEBHOOK_URL=http://127.0.0.1:$PORT/services/T000/B000/SeCrEtHoOkPaTh \
		repro builtin anomaly --in schema.json --out e.json --params /dev/null 2>err &&
	stop_receiver &&
	test_grep "cannot post to the Slack webhook: it answered HTTP 500" err &&
	test_grep "CRITICAL anomaly: low_pass_rate" err &&
	! grep -i "SeCrEtHoOkPaTh\|127.0.0.1\|/services/" err
'

test_expect_success 'an unreachable webhook is reported without its address' '
	bad_report &&
	SLACK_WEBHOOK_URL=http://127.0.0.1:1/hooks/SeCrEtHoOkPaTh \
		repro builtin anomaly --in schema.json --out f.json --params /dev/null 2>err &&
	test_grep "cannot post to the Slack webhook: " err &&
	! grep -i "SeCrEtHoOkPaTh\|127.0.0.1" err
'

test_expect_success 'a report that is not a schema report fails the stage' '
	echo "{\"valid\": 1}" >notreport.json &&
	test_expect_code 1 repro builtin anomaly --in notreport.json --out g.json --params /dev/null 2>err &&
	test_grep "is not a schema report: no number .total." err &&
	! test -e g.json
'

test_done
