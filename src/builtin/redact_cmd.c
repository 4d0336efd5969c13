/*
 * `repro builtin redact [--report] [FILE]`: the preprocess stage's PII
 * redaction on its own, for scrubbing one manifest by hand. FILE (or stdin,
 * or "-") in, redacted text on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "builtin/redact.h"
#include "util/error.h"
#include "util/options.h"
#include "util/strbuf.h"

/* Largest input accepted: hostile input must not exhaust memory. */
#define REDACT_INPUT_MAX ((size_t)1 << 30)

static const char redact_description[] =
	"Removes, anywhere in the text (YAML values, comments, embedded scripts and\n"
	"config files), each replaced with a token so the YAML keeps its structure:\n"
	"  private_key        PEM \"-----BEGIN ... PRIVATE KEY-----\" blocks, whole\n"
	"                     (each line -> REDACTED_PRIVATE_KEY)\n"
	"  openai_key         sk-... keys                        -> sk-REDACTED\n"
	"  aws_access_key_id  AKIA.../ASIA... key ids              -> REDACTED_AWS_KEY_ID\n"
	"  api_token          hf_, ghp_ (gho_ ghu_ ghs_ ghr_ github_pat_), glpat-,\n"
	"                     xoxb-/xoxp-/xoxa- tokens             -> hf_REDACTED, ...\n"
	"  k8s_secret_data    every value under data:/stringData: of a kind: Secret\n"
	"                                                          -> REDACTED_SECRET\n"
	"  bearer_token       the token after \"Bearer \"            -> REDACTED_TOKEN\n"
	"  url_credentials    user:password in scheme://user:password@host\n"
	"                                                          -> REDACTED_CREDS\n"
	"  email              local@domain.tld                     -> REDACTED_EMAIL\n"
	"  secret_value       the literal value of a secret-named key, env var\n"
	"                     (name:/value:), --flag or assignment (a name ending in\n"
	"                     password, passwd, pwd, passphrase, token, secret,\n"
	"                     apikey, accesskey, secretkey, privatekey)\n"
	"                                                          -> REDACTED_CREDS\n"
	"  ipv4               dotted-quad addresses, all ranges    -> IPV4_REDACTED\n"
	"\n"
	"Keeps: versions and image tags with four numbers (v1.2.3.4, repo:8.6.1.6,\n"
	"version: \"1.4.0.17\"), OIDs, git commit ids, sha256: digests, certificates\n"
	"and SSH public keys, module@v0.22.0, @handles, references (${VAR}, $(VAR),\n"
	"$VAR, {{ ... }}), empty, boolean and null values, and secret-ish names that\n"
	"are not secrets (secretKeyRef, secretName, existingSecret, passwordSecretRef,\n"
	"PASSWORD_FILE, MAX_TOKENS, --tokenizer, --token-ttl).\n"
	"\n"
	"The output has the input's line count, changes no line that holds nothing\n"
	"to redact, still parses as YAML when the input did, and redacting it again\n"
	"changes nothing. The rules are ../shared/docs/pii-rules.md; docs/pii.md\n"
	"says how they are implemented.\n";

static int read_input(const char *path, struct strbuf *sb)
{
	if (!path || !strcmp(path, "-")) {
		if (strbuf_read_fd(sb, 0, REDACT_INPUT_MAX) < 0)
			return error("cannot read standard input:");
		return 0;
	}
	if (strbuf_read_file(sb, path, REDACT_INPUT_MAX) < 0)
		return error("cannot read '%s':", path);
	return 0;
}

static void print_report(const struct pii_counts *c, size_t total)
{
	for (int k = 0; k < PII_NKINDS; k++)
		fprintf(stderr, "%-18s %zu\n", pii_kind_name((enum pii_kind)k), c->n[k]);
	fprintf(stderr, "%-18s %zu\n", "total", total);
}

int builtin_redact(int argc, char **argv)
{
	int report = 0, ret = 0;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_BOOL(0, "report", &report, "print the items found per kind on stderr"),
		OPT_END(),
	};
	const struct command_help help = {
		"repro builtin redact [--report] [FILE]",
		"Print FILE (or standard input) with personal data and secrets removed.",
		redact_description,
	};
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	struct pii_counts counts = { { 0 } };

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (args.n > 1) {
		error("too many arguments (one FILE, or none for standard input)");
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	if (read_input(args.n ? args.items[0] : NULL, &in) < 0) {
		ret = EXIT_STAGE_FAILED;
		goto out;
	}
	size_t n = redact_text(in.buf, in.len, &out, &counts);
	if (fwrite(out.buf, 1, out.len, stdout) != out.len || fflush(stdout)) {
		error("cannot write standard output:");
		ret = EXIT_STAGE_FAILED;
		goto out;
	}
	if (report)
		print_report(&counts, n);
out:
	strlist_release(&args, 0);
	strbuf_release(&in);
	strbuf_release(&out);
	return ret;
}
