/*
 * Unit tests of the redaction API (redact.h) and of the name and value
 * classification it rests on (pii.h): one or more cases per rule of
 * pii-rules.md and per look-alike, the precedence of overlapping kinds, and
 * the invariants (line count, untouched lines, idempotence) over generated
 * hostile input.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "builtin/pii.h"
#include "builtin/redact.h"
#include "util/strbuf.h"

/* Redacts a NUL-terminated string; returns a static copy of the output. */
static const char *redact(const char *in, struct pii_counts *c)
{
	static struct strbuf out = STRBUF_INIT;

	strbuf_reset(&out);
	redact_text(in, strlen(in), &out, c);
	return out.buf;
}

/* A test name: the input on one line, its line breaks shown as \n. */
static const char *name_of(const char *in)
{
	static char buf[160];
	size_t o = 0;

	for (const char *p = in; *p && o + 3 < sizeof(buf); p++) {
		if (*p == '\n')
			buf[o++] = '\\', buf[o++] = 'n';
		else
			buf[o++] = *p;
	}
	buf[o] = '\0';
	return buf;
}

#define REDACTS(in, want) is_str(redact(in, NULL), want, name_of(in))
#define KEEPS(in) is_str(redact(in, NULL), in, name_of(in))

/* The kinds found in s, as "kind kind ...". */
static const char *kinds(const char *s)
{
	static struct strbuf sb = STRBUF_INIT;
	struct pii_item *items;
	size_t n = pii_find(s, strlen(s), &items);

	strbuf_reset(&sb);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", pii_kind_name(items[i].kind));
	free(items);
	return sb.buf;
}

static void test_names(void)
{
	ok(pii_name_is_secret("DB_PASSWORD", 11), "DB_PASSWORD is secret-named");
	ok(pii_name_is_secret("wandb.ai/api-key", 16), "an annotation key ending in api-key");
	ok(pii_name_is_secret("--db-password", 13), "a flag");
	ok(pii_name_is_secret("spring.datasource.password", 26), "a dotted property");
	ok(pii_name_is_secret("AWS_SECRET_ACCESS_KEY", 21), "accesskey");
	ok(pii_name_is_secret("sshPrivateKey", 13), "privatekey");
	ok(pii_name_is_secret("MYSQL_PWD", 9), "pwd");
	ok(pii_name_is_secret("gpgPassphrase", 13), "passphrase");
	ok(!pii_name_is_secret("existingSecret", 14), "existingSecret is not");
	ok(!pii_name_is_secret("auth.existingSecret", 19), "nor a dotted existingSecret");
	ok(!pii_name_is_secret("passwordSecretRef", 17), "passwordSecretRef is not");
	ok(!pii_name_is_secret("secretName", 10), "secretName is not");
	ok(!pii_name_is_secret("tokenSecretName", 15), "tokenSecretName is not");
	ok(!pii_name_is_secret("passwordKey", 11), "passwordKey is not");
	ok(!pii_name_is_secret("secretKeyRef", 12), "secretKeyRef is not");
	ok(!pii_name_is_secret("PASSWORD_FILE", 13), "PASSWORD_FILE is not");
	ok(!pii_name_is_secret("TOKEN_PATH", 10), "TOKEN_PATH is not");
	ok(!pii_name_is_secret("API_KEY_SECRET_NAME", 19), "API_KEY_SECRET_NAME is not");
	ok(!pii_name_is_secret("MAX_TOKENS", 10), "MAX_TOKENS (plural) is not");
	ok(!pii_name_is_secret("--tokenizer", 11), "--tokenizer is not");
	ok(!pii_name_is_secret("--token-ttl", 11), "--token-ttl is not");
	ok(!pii_name_is_secret("", 0), "the empty name is not");
	ok(pii_name_is_version("CUDNN_VERSION", 13), "CUDNN_VERSION is version-named");
	ok(pii_name_is_version("app.kubernetes.io/version", 25), "a version label");
	ok(pii_name_is_version("tag", 3), "tag is version-named");
	ok(pii_name_is_version("--TAG", 5), "so is the flag --TAG");
	ok(!pii_name_is_version("imageTag", 8), "a name merely ending in tag is not");
	ok(!pii_name_is_version("image.tag", 9), "nor is a dotted one");
	ok(!pii_name_is_version("IMAGE_TAG", 9), "nor IMAGE_TAG");
	ok(!pii_name_is_version("address", 7), "address is not");
}

static void test_literals(void)
{
	ok(pii_value_is_literal("hunter2", 7), "a word is literal");
	ok(pii_value_is_literal("\"p@ss w0rd\"", 11), "a quoted phrase is literal");
	ok(pii_value_is_literal("pre${X}", 7), "a reference glued to text is literal");
	ok(pii_value_is_literal("\xe6\x97\xa5\xe6\x9c\xac", 6), "non-ASCII text is literal");
	ok(!pii_value_is_literal("", 0), "empty is not");
	ok(!pii_value_is_literal("\"\"", 2), "an empty quoted string is not");
	ok(!pii_value_is_literal("False", 5), "a boolean is not");
	ok(!pii_value_is_literal("~", 1), "null is not");
	ok(!pii_value_is_literal("${DB_PASSWORD}", 14), "${VAR} is not");
	ok(!pii_value_is_literal("$(OPENAI_API_KEY)", 17), "$(VAR) is not");
	ok(!pii_value_is_literal("$TOKEN", 6), "$VAR is not");
	ok(!pii_value_is_literal("\"{{ .Values.password }}\"", 24), "{{ }} is not");
	ok(!pii_value_is_literal("${USER}:${PASS}", 15), "references joined by punctuation are not");
	ok(!pii_value_is_literal("REDACTED_CREDS", 14), "a redaction token is not");
	ok(pii_value_is_code("os.environ[\"X\"]", 15), "an index is code");
	ok(pii_value_is_code("f.read().strip()", 16), "a call is code");
	ok(!pii_value_is_code("p@ss(1)", 7), "a bracket after punctuation is not a call");
	ok(!pii_value_is_code("$(cat /x)", 9), "$(...) is a reference, not code");
	ok(!pii_value_is_literal("${${${${${", 10), "unclosed references are no literal words");
	ok(pii_value_is_redacted("REDACTED_SECRET\nREDACTED_SECRET\n", 32), "token lines are redacted");
	ok(!pii_value_is_redacted("", 0), "nothing is not redacted");
	ok(!pii_value_is_redacted("x REDACTED_CREDS", 16), "text with a token is not");
}

static void test_ipv4(void)
{
	REDACTS("host: 10.1.2.3\n", "host: IPV4_REDACTED\n");
	REDACTS("a 0.0.0.0 b 127.0.0.1 c 169.254.169.254.\n",
		"a IPV4_REDACTED b IPV4_REDACTED c IPV4_REDACTED.\n");
	REDACTS("cidr: 10.0.0.0/8\n", "cidr: IPV4_REDACTED/8\n");
	REDACTS("redis: 10.1.2.3:6379\n", "redis: IPV4_REDACTED:6379\n");
	REDACTS("url: http://10.1.2.3:8000/v1\n", "url: http://IPV4_REDACTED:8000/v1\n");
	REDACTS("x: tcp:0.0.0.0:3306\n", "x: tcp:IPV4_REDACTED:3306\n");
	REDACTS("v6: ::ffff:10.1.2.3\n", "v6: ::ffff:IPV4_REDACTED\n");
	KEEPS("v: v1.2.3.4 1.2.3.4-rc1 1.2.3.4.5 1.3.6.1.4.1.2021.10 a1.2.3.4 1.2.3.4a 1.2.3.4_5\n");
	KEEPS("bad: 256.1.1.1 10.01.1.1 1.2.3\n");
	KEEPS("image: nvcr.io/nvidia/tensorrt:8.6.1.6\n");
	KEEPS("app.kubernetes.io/version: \"1.4.0.17\"\n");
	KEEPS("schema_version = \"2.3.4.150\"\n");
	KEEPS("- --driver-version=10.2.0.3\n");
	KEEPS("- --driver-version 10.2.0.3\n");
	KEEPS("- name: CUDNN_VERSION\n  value: \"8.9.7.29\"\n");
	KEEPS("tag: 1.2.3.4\n");
	KEEPS("- --tag 1.2.3.4\n");
	REDACTS("args:\n- --tag\n- 1.2.3.4\n- --driver-version\n- \"2.3.4.5\"\n- --password\n- x\n",
		"args:\n- --tag\n- 1.2.3.4\n- --driver-version\n- \"2.3.4.5\"\n- --password\n- REDACTED_CREDS\n");
	REDACTS("imageTag: 10.0.0.25\nIMAGE_TAG=10.0.0.26\n", "imageTag: IPV4_REDACTED\nIMAGE_TAG=IPV4_REDACTED\n");
	REDACTS("kind: Secret\nm:\n  version: >-\n    1.2.3.4\npassword: x\n",
		"kind: Secret\nm:\n  version: >-\n    1.2.3.4\npassword: REDACTED_CREDS\n");
	REDACTS("version of the server at 10.2.3.4\n", "version of the server at IPV4_REDACTED\n");
}

static void test_email(void)
{
	REDACTS("# Maintainer: Jane <jane.doe@example.com>\n", "# Maintainer: Jane <REDACTED_EMAIL>\n");
	REDACTS("mail a+b@sub.example.co.uk.\n", "mail REDACTED_EMAIL.\n");
	KEEPS("image: repo/x@sha256:abcdef0123456789\n");
	KEEPS("require example.com/mod@v0.22.0 @team-handle ci@build-runner a@b.c1\n");
	KEEPS("git clone https://user@github.com/x/y.git\n");
}

static void test_url_credentials(void)
{
	REDACTS("u: postgres://app:s3cr3t@db.example.com:5432/x\n",
		"u: postgres://REDACTED_CREDS@db.example.com:5432/x\n");
	REDACTS("u: redis://:pw@10.0.0.5:6379\n", "u: redis://REDACTED_CREDS@IPV4_REDACTED:6379\n");
	is_str(kinds("u: redis://:pw@10.0.0.5:6379\n"), "url_credentials ipv4", "the host is its own item");
	KEEPS("u: https://example.com/a?b=c\n");
	KEEPS("u: postgres://${USER}:${PASS}@db/x\n");
	REDACTS("u: \"https://user:p@ss@host.example.com/x\"\n", "u: \"https://REDACTED_CREDS@host.example.com/x\"\n");
	is_str(kinds("u: https://u:a@b@h.example.com/\n"), "url_credentials", "an @ in the password is no e-mail");
	REDACTS("u: https://h.example.com/ a@b.example.com\n", "u: https://h.example.com/ REDACTED_EMAIL\n");
}

static void test_tokens(void)
{
	REDACTS("k: sk-abcdefghijklmnopqrst\n", "k: sk-REDACTED\n");
	REDACTS("k: \"sk-proj-abc_def-ghi0123456789\"\n", "k: \"sk-REDACTED\"\n");
	KEEPS("k: task-abcdefghijklmnopqrstuvwxyz disk-abcdefghijklmnopqrstuvwxyz sk-short\n");
	REDACTS("id: AKIAIOSFODNN7EXAMPLE\n", "id: REDACTED_AWS_KEY_ID\n");
	REDACTS("id: ASIA0123456789ABCDEF\n", "id: REDACTED_AWS_KEY_ID\n");
	KEEPS("id: AKIAIOSFODNN7EXAMPLEX XAKIAIOSFODNN7EXAMPLE AKIAshort\n");
	REDACTS("t: hf_abcdefghijklmnopqrstuvwxyzABCD\n", "t: hf_REDACTED\n");
	REDACTS("t: ghp_abcdefghijklmnopqrstuvwxyz0123456789\n", "t: ghp_REDACTED\n");
	REDACTS("t: glpat-abcdefghij0123456789\n", "t: glpat-REDACTED\n");
	REDACTS("t: xoxb-123456789012-abcdefABCDEF\n", "t: xoxb-REDACTED\n");
	KEEPS("t: hf_transfer ghp_short glpat-short xoxb-nodigitshere\n");
	REDACTS("h: Authorization: Bearer abc.def-ghi_jkl~mno+pq/r=\n", "h: Authorization: Bearer REDACTED_TOKEN\n");
	KEEPS("d: bearer token authentication\n");
	KEEPS("h: Bearer ${TOKEN}\n");
}

static void test_private_key(void)
{
	REDACTS("key: |\n  -----BEGIN RSA PRIVATE KEY-----\n  MIIEabc\n\n  def==\n  -----END RSA PRIVATE KEY-----\nnext: 1\n",
		"key: |\n  REDACTED_PRIVATE_KEY\n  REDACTED_PRIVATE_KEY\n\n  REDACTED_PRIVATE_KEY\n  REDACTED_PRIVATE_KEY\nnext: 1\n");
	REDACTS("k: \"-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n\"\n",
		"k: \"REDACTED_PRIVATE_KEY\\n\"\n");
	REDACTS("k: |\n  -----BEGIN ENCRYPTED PRIVATE KEY-----\n  MIIE+/=\n  abcd\nother: x\n",
		"k: |\n  REDACTED_PRIVATE_KEY\n  REDACTED_PRIVATE_KEY\n  REDACTED_PRIVATE_KEY\nother: x\n");
	KEEPS("c: |\n  -----BEGIN CERTIFICATE-----\n  MIIE\n  -----END CERTIFICATE-----\n");
	KEEPS("k: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIabc deploy\n");
}

static void test_secret_data(void)
{
	REDACTS("kind: Secret\ndata:\n  a: YWJj\n  b: |\n    x\n    y\n",
		"kind: Secret\ndata:\n  a: REDACTED_SECRET\n  b: |\n    REDACTED_SECRET\n    REDACTED_SECRET\n");
	KEEPS("kind: ConfigMap\ndata:\n  a: YWJj\n");
	REDACTS("kind: Secret\nstringData:\n  k: sk-abcdefghijklmnopqrst\n",
		"kind: Secret\nstringData:\n  k: sk-REDACTED\n");
	is_str(kinds("kind: Secret\nstringData:\n  k: sk-abcdefghijklmnopqrst\n"), "openai_key",
	       "a Secret's sk- value is recorded as openai_key");
	REDACTS("kind: ConfigMap\ndata:\n  a: b\n---\nkind: Secret\ndata:\n  a: b\n",
		"kind: ConfigMap\ndata:\n  a: b\n---\nkind: Secret\ndata:\n  a: REDACTED_SECRET\n");
	REDACTS("kind: Secret\ndata:\n  a: b\n---\n[unclosed\n", "kind: Secret\ndata:\n  a: REDACTED_SECRET\n---\n[unclosed\n");
}

static void test_secret_values(void)
{
	REDACTS("password: hunter2 # old\n", "password: REDACTED_CREDS # old\n");
	REDACTS("- name: DB_PASSWORD\n  value: \"x y\"\n", "- name: DB_PASSWORD\n  value: \"REDACTED_CREDS\"\n");
	REDACTS("args: [\"--db-password=abc\", \"--api-key\", \"def\"]\n",
		"args: [\"--db-password=REDACTED_CREDS\", \"--api-key\", \"REDACTED_CREDS\"]\n");
	REDACTS("export X_TOKEN=abc; run\n", "export X_TOKEN=REDACTED_CREDS; run\n");
	REDACTS("spring.datasource.password=abc\n", "spring.datasource.password=REDACTED_CREDS\n");
	REDACTS("api_key = \"abc\"  # set me\n", "api_key = \"REDACTED_CREDS\"  # set me\n");
	REDACTS("{\"user\": \"u\", \"password\": \"p\\\"q\"}\n", "{\"user\": \"u\", \"password\": \"REDACTED_CREDS\"}\n");
	REDACTS("token:\n  abc\nnext: 1\n", "token:\n  REDACTED_CREDS\nnext: 1\n");
	REDACTS("password:\n  \"on-next-line\"\n", "password:\n  \"REDACTED_CREDS\"\n");
	REDACTS("a: |\n  {\n    \"password\":\n      \"nl\"\n  }\n", "a: |\n  {\n    \"password\":\n      \"REDACTED_CREDS\"\n  }\n");
	REDACTS("token:\n  'it''s: two\n  lines'\nnext: 1\n", "token:\n  'REDACTED_CREDS\n  REDACTED_CREDS'\nnext: 1\n");
	REDACTS("run: vllm serve m --api-key ScriptK3y --port 8000\n", "run: vllm serve m --api-key REDACTED_CREDS --port 8000\n");
	REDACTS("- mlflow server --password=EqPw1 --secret-key SpaceSk2\n",
		"- mlflow server --password=REDACTED_CREDS --secret-key REDACTED_CREDS\n");
	REDACTS("- \"--hf-token MyHfTok123\"\n", "- \"--hf-token REDACTED_CREDS\"\n");
	REDACTS("x --api-key 'a b' -token GoTok1 --db.password \\\n  NextLn1\n",
		"x --api-key 'REDACTED_CREDS' -token REDACTED_CREDS --db.password \\\n  REDACTED_CREDS\n");
	KEEPS("x --token-limit 4096 --api-key --port 1 --api-key $(KEY) --token \"${T}\" --password $PW\n");
	KEEPS("x --token {{ .Values.token }} --api-key get_key() --max-tokens 5 pass --api-key.\n");
	KEEPS("code_token: os.environ[\"TOK\"]\nkind: Secret\nx_token: f.read().strip()\n");
	KEEPS("password: \"${DB_PASSWORD}\"\n");
	KEEPS("- --api-key=$(OPENAI_API_KEY)\n");
	KEEPS("automountServiceAccountToken: false\npassword:\ntoken: null\nsecret: \"\"\n");
	KEEPS("PASSWORD_FILE=/etc/pw TOKEN_PATH=/x MAX_TOKENS=5 --tokenizer=x --token-ttl=5\n");
	KEEPS("token = get_token()\npassword = os.environ[\"PW\"]\n");
	KEEPS("password:\n  secretKeyRef:\n    name: x\n    key: password\n");
	KEEPS("if [ \"$PASSWORD\" == \"\" ]; then x; fi\n");
}

static void test_api(void)
{
	struct pii_counts c;
	struct pii_item *items;

	memset(&c, 0, sizeof(c));
	redact("ip: 10.0.0.1 mail a@b.io password: x\n", &c);
	is_int(c.n[PII_IPV4], 1, "counts: one ipv4");
	is_int(c.n[PII_EMAIL], 1, "counts: one email");
	is_int(c.n[PII_SECRET_VALUE], 0, "counts: the password is not at a key position");
	is_str(pii_kind_name(PII_URL_CREDENTIALS), "url_credentials", "kind names as pii-rules.md spells them");
	is_str(pii_kind_name(PII_NKINDS), "unknown", "an unknown kind has a name");
	is_str(pii_kind_token(PII_OPENAI_KEY), "sk-REDACTED", "tokens of design.md");
	const char *s = "a 10.0.0.1 b 10.0.0.2\n";
	size_t n = pii_find(s, strlen(s), &items);
	ok(n == 2 && items[0].start == 2 && items[0].end == 10 && items[1].start == 13,
	   "pii_find returns sorted byte ranges");
	free(items);
	n = pii_find("", 0, &items);
	is_int(n, 0, "nothing in empty text");
	free(items);
}

static size_t count_lines(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += s[i] == '\n';
	return c;
}

/*
 * Generated hostile input: fragments of every pattern, cut and spliced with
 * random bytes (NUL and invalid UTF-8 included). Checks the invariants on
 * every sample; a crash or sanitizer report fails the test run.
 */
static void test_generated(void)
{
	static const char *const frags[] = {
		"password: ", "- name: X_TOKEN\n  value: ", "kind: Secret\ndata:\n  a: ", "10.1.2.3",
		"a@b.io", "sk-abcdefghijklmnopqrstu", "AKIAIOSFODNN7EXAMPLE", "hf_", "Bearer ",
		"-----BEGIN RSA PRIVATE KEY-----\n", "-----END RSA PRIVATE KEY-----", "http://u:p@h/",
		"|\n", "  ", "\n", "\"", "'", "{", "[", "#", "=", ":", "$(", "${", "{{", "\r\n", "---\n",
		"\xff", "\xc3\xa9", "\0", "REDACTED_CREDS", "--db-password", "value: ", "1.2.3.4.5",
		" --api-key ", "-token ", "--tag ", "\\\n", "u:p@", "get_x()", "[\"X\"]",
	};
	unsigned seed = 12345;
	int bad_lines = 0, bad_idem = 0, left = 0;
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT, again = STRBUF_INIT;

	for (int iter = 0; iter < 3000; iter++) {
		strbuf_reset(&in);
		int parts = 1 + (int)((seed = seed * 1103515245 + 12345) >> 16) % 40;
		for (int p = 0; p < parts; p++) {
			seed = seed * 1103515245 + 12345;
			unsigned r = seed >> 16;
			if (r % 5 == 0) {
				strbuf_addch(&in, (char)(r >> 3));
			} else {
				const char *f = frags[r % (sizeof(frags) / sizeof(*frags))];
				strbuf_add(&in, f, *f ? strlen(f) : 1);
			}
		}
		strbuf_reset(&out);
		strbuf_reset(&again);
		redact_text(in.buf, in.len, &out, NULL);
		redact_text(out.buf, out.len, &again, NULL);
		bad_lines += count_lines(in.buf, in.len) != count_lines(out.buf, out.len);
		bad_idem += again.len != out.len || memcmp(again.buf, out.buf, out.len);
		struct pii_item *items;
		left += pii_find(out.buf, out.len, &items) > 0;
		free(items);
	}
	is_int(bad_lines, 0, "generated input: the line count is always kept");
	is_int(bad_idem, 0, "generated input: redacting twice equals once");
	is_int(left, 0, "generated input: nothing is found in the output");
	strbuf_release(&in);
	strbuf_release(&out);
	strbuf_release(&again);
}

int main(void)
{
	test_names();
	test_literals();
	test_ipv4();
	test_email();
	test_url_credentials();
	test_tokens();
	test_private_key();
	test_secret_data();
	test_secret_values();
	test_api();
	test_generated();
	return done_testing();
}
