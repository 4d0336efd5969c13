/*
 * PII and secret redaction of manifest text, exactly as
 * ../shared/docs/pii-rules.md defines it (and docs/pii.md documents it).
 *
 * Works on raw text (comments and embedded config files included), keeps the
 * line count, and changes no line that holds nothing to redact, so the
 * redacted manifest still parses and diffs cleanly against the original.
 */
#ifndef REPRO_REDACT_H
#define REPRO_REDACT_H

#include <stddef.h>

#include "util/strbuf.h"

/* Kinds in precedence order (most specific first), as pii-rules.md ranks them. */
enum pii_kind {
	PII_PRIVATE_KEY,       /* PEM "-----BEGIN ... PRIVATE KEY-----" block */
	PII_OPENAI_KEY,        /* sk-... */
	PII_AWS_ACCESS_KEY_ID, /* AKIA/ASIA + 16 */
	PII_API_TOKEN,         /* hf_, ghp_, glpat-, xox[bpa]- */
	PII_K8S_SECRET_DATA,   /* values under data:/stringData: of a kind: Secret */
	PII_BEARER_TOKEN,      /* the token after "Bearer " */
	PII_URL_CREDENTIALS,   /* user:password in scheme://user:password@host */
	PII_EMAIL,
	PII_SECRET_VALUE,      /* literal value of a secret-named field */
	PII_IPV4,
	PII_NKINDS
};

/* The kind's name as pii-rules.md spells it ("ipv4", "openai_key", ...). */
const char *pii_kind_name(enum pii_kind kind);
/*
 * The text an item of that kind is replaced with ("IPV4_REDACTED", ...;
 * docs/pii.md lists them). An api_token keeps its prefix ("hf_REDACTED").
 */
const char *pii_kind_token(enum pii_kind kind);

struct pii_item {
	enum pii_kind kind;
	size_t start, end; /* byte range [start, end) in the input that is replaced */
};

struct pii_counts {
	size_t n[PII_NKINDS]; /* items found per kind */
};

/*
 * Finds every item in text[0..len). *items (freed by the caller) receives
 * them sorted by start, non-overlapping (where rules overlap, the most
 * specific kind wins, as pii-rules.md says). Returns the number of items.
 */
size_t pii_find(const char *text, size_t len, struct pii_item **items);

/*
 * True when item it of text is already redacted: every word (run of
 * non-blank bytes) in it holds "REDACTED", or is the '#' that redaction
 * keeps at the start of a line. pii_find() still reports such text by its
 * position (a Secret's block scalar redacted line by line), which is no leak.
 */
int pii_item_redacted(const char *text, const struct pii_item *it);

/*
 * Appends the redacted text to out and adds the items found to counts (which
 * may be NULL). Returns the number of items redacted.
 */
size_t redact_text(const char *text, size_t len, struct strbuf *out, struct pii_counts *counts);

/*
 * `repro builtin redact [--report] [FILE]`: FILE (or stdin) redacted on
 * stdout; --report prints the items found per kind on stderr.
 */
int builtin_redact(int argc, char **argv);

#endif
