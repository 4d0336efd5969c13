#!/bin/sh
# repro builtin redact: the command, and the planted-secret fixtures of
# tests/fixtures/pii (data-driven, as curl's tests: NAME.yaml is the input,
# NAME.expected the exact output, NAME.check the planted secrets that must
# go, the look-alikes that must stay, and the item counts per kind).
. "$(dirname "$0")/../test-lib.sh"

FIX=$SRCDIR/tests/fixtures/pii

test_expect_success 'help says what is removed, with its token, and what is kept' '
	repro builtin redact --help >out &&
	for w in private_key openai_key aws_access_key_id api_token k8s_secret_data \
		bearer_token url_credentials email secret_value ipv4 \
		REDACTED_PRIVATE_KEY sk-REDACTED REDACTED_AWS_KEY_ID hf_REDACTED \
		REDACTED_SECRET REDACTED_TOKEN REDACTED_CREDS REDACTED_EMAIL IPV4_REDACTED \
		Keeps secretKeyRef existingSecret MAX_TOKENS "line count"; do
		test_grep "$w" out || return 1
	done
'

test_expect_success 'a file and stdin give the same output' '
	repro builtin redact "$FIX/precedence.yaml" >from-file &&
	repro builtin redact <"$FIX/precedence.yaml" >from-stdin &&
	repro builtin redact - <"$FIX/precedence.yaml" >from-dash &&
	test_cmp "$FIX/precedence.expected" from-file &&
	test_cmp from-file from-stdin &&
	test_cmp from-file from-dash
'

test_expect_success '--report prints the items per kind on stderr, not stdout' '
	repro builtin redact --report "$FIX/precedence.yaml" >out 2>err &&
	test_cmp "$FIX/precedence.expected" out &&
	cat >expect <<-\EOF &&
	private_key        1
	openai_key         1
	aws_access_key_id  0
	api_token          1
	k8s_secret_data    1
	bearer_token       1
	url_credentials    0
	email              1
	secret_value       0
	ipv4               0
	total              6
	EOF
	test_cmp expect err
'

test_expect_success 'a missing file is an error naming it' '
	test_expect_code 1 repro builtin redact no-such.yaml >out 2>err &&
	test_grep "cannot read .no-such.yaml." err &&
	test_must_fail test -s out
'

test_expect_success 'two files are a usage error' '
	test_expect_code 2 repro builtin redact a.yaml b.yaml 2>err &&
	test_grep "too many arguments" err
'

test_expect_success 'empty input gives empty output' '
	repro builtin redact </dev/null >out &&
	test_must_fail test -s out
'

# Lines of a file, counting a last line without its newline.
lines() { awk 'END { print NR }' "$1"; }

# One fixture: the exact output, the line count, idempotence, every planted
# secret gone and every look-alike kept (scored by tests/pii-check.awk into
# NAME.score, which the totals below add up), and the counts per kind.
check_case() {
	name=$1
	repro builtin redact --report "$FIX/$name.yaml" >"$name.out" 2>"$name.report" &&
	awk -f "$SRCDIR/tests/pii-check.awk" "$FIX/$name.check" "$name.out" >"$name.score" &&
	test_cmp "$FIX/$name.expected" "$name.out" &&
	test "$(lines "$FIX/$name.yaml")" = "$(lines "$name.out")" &&
	repro builtin redact "$name.out" >"$name.again" &&
	test_cmp "$name.out" "$name.again" &&
	if grep -E "^(missed|lost) " "$name.score"; then return 1; fi &&
	while IFS= read -r line; do
		case $line in
		"count: "*)
			set -- ${line#count: }
			test_grep "^$1 *$2\$" "$name.report" || return 1 ;;
		esac
	done <"$FIX/$name.check"
}

for f in "$FIX"/*.yaml; do
	name=$(basename "$f" .yaml)
	test_expect_success "fixture $name: expected output, secrets gone, look-alikes kept" "
		check_case $name
	"
done

# Recall and false-positive rate over every fixture: the denominators are
# the secret: and keep: lines of all the .check files, so a fixture that was
# not scored counts as missed, not as absent.
test_expect_success 'over all fixtures: recall 100%, no false positives' '
	secrets=$(cat "$FIX"/*.check | grep -c "^secret: ") &&
	keeps=$(cat "$FIX"/*.check | grep -c "^keep: ") &&
	cases=$(ls "$FIX"/*.yaml | wc -l) &&
	cat ./*.score | awk -v secrets="$secrets" -v keeps="$keeps" -v cases="$cases" "
		\$1 == \"found\" { f++ } \$1 == \"kept\" { k++ } \$1 == \"lost\" { l++ }
		END {
			printf \"recall %d/%d = %.2f%% planted secrets removed\n\", f, secrets, 100 * f / secrets
			printf \"false positives %d/%d = %.2f%% look-alikes changed (%d kept)\n\", l, keeps, 100 * l / keeps, k
			printf \"fixtures %d\n\", cases
		}" >pii-summary &&
	cat pii-summary &&
	test "$secrets" -gt 0 && test "$keeps" -gt 0 &&
	test_grep "^recall $secrets/$secrets = 100.00%" pii-summary &&
	test_grep "^false positives 0/$keeps = 0.00% look-alikes changed ($keeps kept)" pii-summary
'
# the figures as TAP diagnostics, printed whether the test passed or not
[ -f "$TRASH/pii-summary" ] && sed -e "s/^/# /" "$TRASH/pii-summary"

test_expect_success 'hostile input: NUL bytes, invalid UTF-8, no final newline' '
	printf "password: a\\000b\\nhost: 10.0.0.1\\n\\377\\376 token: x\\200y\\nlast: 1.2.3.4" >in &&
	repro builtin redact in >out &&
	test "$(lines in)" = "$(lines out)" &&
	test_must_fail grep -q "10.0.0.1" out &&
	test_must_fail grep -q "1.2.3.4" out
'

test_expect_success 'hostile input: a 4 MB line, deep nesting, many unclosed markers' '
	awk "BEGIN { for (i = 0; i < 200000; i++) printf \"password=abc%d token: \", i; print \"\" }" >long &&
	repro builtin redact long >out &&
	test "$(lines long)" = "$(lines out)" &&
	awk "BEGIN { for (i = 0; i < 100000; i++) printf \"[\"; print \"\" }" >deep &&
	repro builtin redact deep >out &&
	test_cmp deep out &&
	awk "BEGIN { print \"kind: Secret\"; for (i = 0; i < 20000; i++) print \"-----BEGIN RSA PRIVATE KEY----- sk-\" i \" a@\" }" >markers &&
	repro builtin redact markers >out &&
	test "$(lines markers)" = "$(lines out)" &&
	awk "BEGIN { for (i = 0; i < 50000; i++) printf \"-----BEGIN RSA PRIVATE KEY-----\"; print \"\" }" >begins &&
	repro builtin redact begins >out &&
	test "$(lines begins)" = "$(lines out)" &&
	awk "BEGIN { printf \"- {\"; for (i = 0; i < 50000; i++) printf \"name: X_TOKEN, \"; print \"}\" }" >flow &&
	repro builtin redact flow >out &&
	test_cmp flow out
'

# Each of these took seconds to minutes when every open bracket of a value
# searched the rest of it for its close.
test_expect_success 'hostile input: values of unclosed references, flags without values' '
	awk "BEGIN { printf \"password: \"; for (i = 0; i < 200000; i++) printf \"\\044{\"; print \"\" }" >dollar-brace &&
	repro builtin redact dollar-brace >out &&
	test_cmp dollar-brace out &&
	awk "BEGIN { printf \"password=\"; for (i = 0; i < 200000; i++) printf \"\\044(\"; print \"\" }" >dollar-paren &&
	repro builtin redact dollar-paren >out &&
	test_cmp dollar-paren out &&
	awk "BEGIN { for (i = 0; i < 100000; i++) printf \"token={{ --token \\\"\"; print \"\" }" >flags &&
	repro builtin redact flags >out &&
	test "$(lines flags)" = "$(lines out)" &&
	awk "BEGIN { for (i = 0; i < 100000; i++) print \"password:\\n  \\\"x\" }" >quotes &&
	repro builtin redact quotes >out &&
	test "$(lines quotes)" = "$(lines out)"
'

test_done
