/*
 * Internals of the redaction (redact.h is the public API): the scanners that
 * find candidate items, and the name/value classification they share.
 *
 * pii_find() runs the text scanners (pii_text.c: token patterns, IPv4,
 * e-mail, URL credentials, PEM keys, bearer tokens; pii_assign.c, reading
 * fields with pii_field.c: secret-named assignments, keys, flags and env
 * pairs written as text), then, when the text holds something only the YAML
 * structure decides (a `kind: Secret`, an env pair the text cannot pair, a
 * secret-named --flag given as a list item), the libyaml pass (pii_yaml.c),
 * and if that cannot parse, Secret data read from the text
 * (pii_secret_text.c). Candidates may overlap; redact.c drops the dotted
 * quads that are versions, then merges overlapping candidates into one item
 * of the most specific kind.
 */
#ifndef REPRO_PII_H
#define REPRO_PII_H

#include <stddef.h>

#include "builtin/redact.h"

/* A growable array of items (also used for plain ranges, kind unused). */
struct pii_vec {
	struct pii_item *v; /* the items, in the order pushed */
	size_t n;           /* items in use */
	size_t alloc;       /* slots allocated */
};

void pii_vec_push(struct pii_vec *vec, enum pii_kind kind, size_t start, size_t end);
void pii_vec_release(struct pii_vec *vec);

/* The state of one pii_find() over one text. */
struct pii_scan {
	const char *text;        /* the input (not NUL-terminated) */
	size_t len;              /* its length in bytes */
	struct pii_vec items;    /* candidate items, any order, may overlap */
	struct pii_vec versions; /* ranges whose dotted quads are versions, not addresses (text rules) */
	struct pii_vec yaml_versions; /* the same, found by the YAML pass */
	int yaml_exempt;         /* a dotted quad only the YAML pass knew to be a version was kept */
	int need_yaml;           /* the text scan saw something only the YAML pass decides */
	int yaml_failed;         /* the YAML pass ran and did not parse to the end */
	size_t assign_done;      /* pii_assign.c: values before this offset were already scanned */
};

/*
 * Secret data read from the text (pii_secret_text.c), for when the YAML
 * pass cannot parse the text: block-style `data:`/`stringData:` values of
 * documents with a top-level `kind: Secret`, template expressions excepted.
 */
void pii_scan_secret_text(struct pii_scan *s);

/* Text scanners: push what they find into s->items (and s->versions). */
void pii_scan_text(struct pii_scan *s);
/* Called by pii_scan_text() at each ':' or '=' at offset `sep`. */
void pii_scan_assign(struct pii_scan *s, size_t sep);
/*
 * Called by pii_scan_text() at a command-line flag text[start..end)
 * (`--api-key`, `-token`): when secret-named, its value written after a
 * blank on the same line is an item; with none there, the YAML pass looks
 * for it in the next item of a sequence.
 */
void pii_scan_flag(struct pii_scan *s, size_t start, size_t end);
/*
 * The libyaml pass: Secret data, secret-named keys of any scalar style,
 * env name/value pairs, flags in sequences, version-named values. Only
 * documents that parse completely contribute; the rest keeps the text rules.
 */
void pii_scan_yaml(struct pii_scan *s);

/*
 * Name classification (pii-rules.md rule 10). A name is secret-named when,
 * lower-cased with every non-alphanumeric byte removed, it ends in password,
 * passwd, pwd, passphrase, token, secret, apikey, accesskey, secretkey or
 * privatekey, and does not end in existingsecret.
 */
int pii_name_is_secret(const char *name, size_t n);
/*
 * A name whose value is a version: it contains "version" (any case) or is
 * "tag" (any case, after a flag's dashes): `imageTag` and `IMAGE_TAG` are not.
 */
int pii_name_is_version(const char *name, size_t n);
/*
 * Whether a value (as written, quotes allowed around it) is literal: not
 * empty, not a boolean or null, not a reference (${VAR}, $(VAR), $VAR,
 * {{ ... }}), and not made only of redaction tokens.
 */
int pii_value_is_literal(const char *v, size_t n);
/*
 * Whether an unquoted value is code computing the secret rather than the
 * secret: a name or dotted name called or indexed (get_token(),
 * os.environ["X"], f.read().strip()).
 */
int pii_value_is_code(const char *v, size_t n);
/* Whether v is one or more replacement tokens (between blanks, quotes, commas): already redacted. */
int pii_value_is_redacted(const char *v, size_t n);
/* Whether v[0..n) is one of the replacement tokens redact_text() writes. */
int pii_is_token(const char *v, size_t n);

/* Byte classes shared by the scanners. */
static inline int pii_isalnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}
static inline int pii_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}
static inline int pii_isalpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
/* Characters of a name: an identifier, a dotted property, an annotation key. */
static inline int pii_isnamechar(unsigned char c)
{
	return pii_isalnum(c) || c == '_' || c == '-' || c == '.' || c == '/';
}

#endif
