/*
 * Which names are secret-named, which values are literal: the two questions
 * every secret_value rule asks (pii-rules.md rule 10), answered the same way
 * for YAML keys, env pairs, flags and script assignments.
 */
#include "builtin/pii.h"

#include <string.h>
#include <strings.h>

/* Longest suffix compared: "existingsecret". */
#define NAME_TAIL 14

static int lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/*
 * Writes into tail the last (at most NAME_TAIL) alphanumerics of name,
 * lower-cased, in order; returns how many.
 */
static size_t name_tail(const char *name, size_t n, char *tail)
{
	char rev[NAME_TAIL];
	size_t k = 0;

	for (size_t i = n; i > 0 && k < NAME_TAIL; i--)
		if (pii_isalnum((unsigned char)name[i - 1]))
			rev[k++] = (char)lower((unsigned char)name[i - 1]);
	for (size_t i = 0; i < k; i++)
		tail[i] = rev[k - 1 - i];
	return k;
}

static int ends_with(const char *tail, size_t k, const char *suffix)
{
	size_t m = strlen(suffix);
	return k >= m && !memcmp(tail + k - m, suffix, m);
}

int pii_name_is_secret(const char *name, size_t n)
{
	static const char *const suffixes[] = {
		"password", "passwd", "pwd", "passphrase", "token", "secret",
		"apikey", "accesskey", "secretkey", "privatekey",
	};
	static const char *const ends3[] = { "ord", "swd", "pwd", "ase", "ken", "ret", "key" };
	char tail[NAME_TAIL];
	size_t k, i = n, m;
	char last3[3];

	/* the last three alphanumerics first: most names stop here */
	for (m = 3; i > 0 && m > 0; i--)
		if (pii_isalnum((unsigned char)name[i - 1]))
			last3[--m] = (char)lower((unsigned char)name[i - 1]);
	if (m)
		return 0;
	for (m = 0; m < sizeof(ends3) / sizeof(*ends3); m++)
		if (!memcmp(last3, ends3[m], 3))
			break;
	if (m == sizeof(ends3) / sizeof(*ends3))
		return 0;
	if (memmem(name, n, "REDACTED", 8))
		return 0; /* a replacement token (REDACTED_TOKEN=...) names nothing */
	k = name_tail(name, n, tail);
	if (ends_with(tail, k, "existingsecret"))
		return 0;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++)
		if (ends_with(tail, k, suffixes[i]))
			return 1;
	return 0;
}

int pii_name_is_version(const char *name, size_t n)
{
	size_t d = 0;

	/* exactly "tag", as pii-rules.md says: imageTag, IMAGE_TAG, image.tag are not */
	while (d < n && name[d] == '-')
		d++;
	if (n - d == 3 && !strncasecmp(name + d, "tag", 3))
		return 1;
	for (size_t i = 0; i + 7 <= n; i++)
		if (lower((unsigned char)name[i]) == 'v' && !strncasecmp(name + i, "version", 7))
			return 1;
	return 0;
}

int pii_value_is_code(const char *v, size_t n)
{
	size_t i = 0;

	if (!n || !(pii_isalpha((unsigned char)v[0]) || v[0] == '_'))
		return 0;
	while (i < n && (pii_isalnum((unsigned char)v[i]) || v[i] == '_' || v[i] == '.'))
		i++;
	return i < n && (v[i] == '(' || v[i] == '[') && v[i - 1] != '.';
}

int pii_is_token(const char *v, size_t n)
{
	if (n < 8 || n > 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!pii_isalnum((unsigned char)v[i]) && v[i] != '_' && v[i] != '-')
			return 0;
	return memmem(v, n, "REDACTED", 8) != NULL;
}

/* Offset just past the bracket closing the one at v[i], or 0 when unclosed. */
static size_t skip_bracketed(const char *v, size_t n, size_t i, char open, char close)
{
	int depth = 0;

	for (; i < n; i++) {
		if (v[i] == open)
			depth++;
		else if (v[i] == close && --depth == 0)
			return i + 1;
	}
	return 0;
}

/*
 * Length of the reference starting at v[i] (${VAR}, $(cmd), $VAR, {{ x }}),
 * or 0 when none starts there. *unclosed is set once a bracket was found
 * with no close: later brackets of the value are then text, not searched
 * again to its end (which made `${${${...` quadratic).
 */
static size_t reference_len(const char *v, size_t n, size_t i, int *unclosed)
{
	size_t j;

	if (*unclosed)
		return 0;
	if (v[i] == '$' && i + 1 < n) {
		unsigned char c = (unsigned char)v[i + 1];
		if (c == '{' || c == '(') {
			j = skip_bracketed(v, n, i + 1, (char)c, c == '{' ? '}' : ')');
			*unclosed = !j;
			return j ? j - i : 0;
		}
		if (pii_isalpha(c) || c == '_') {
			for (j = i + 1; j < n && (pii_isalnum((unsigned char)v[j]) || v[j] == '_'); j++)
				;
			return j - i;
		}
	}
	if (v[i] == '{' && i + 1 < n && v[i + 1] == '{') {
		const char *e = memmem(v + i + 2, n - i - 2, "}}", 2);
		*unclosed = !e;
		return e ? (size_t)(e + 2 - (v + i)) : 0;
	}
	return 0;
}

/* Bytes of a word; a non-ASCII byte counts as a letter. */
static int is_word_byte(unsigned char c)
{
	return pii_isalnum(c) || c == '_' || c == '-' || c >= 0x80;
}

static int is_letter_byte(unsigned char c)
{
	return pii_isalnum(c) || c >= 0x80;
}

/*
 * True when something other than references, redaction tokens and
 * punctuation is left in v: a word holding a letter or digit.
 */
static int has_literal_word(const char *v, size_t n)
{
	size_t i = 0;
	int unclosed = 0;

	while (i < n) {
		size_t r = reference_len(v, n, i, &unclosed);
		if (r) {
			i += r;
			continue;
		}
		if (!is_word_byte((unsigned char)v[i])) {
			i++;
			continue;
		}
		size_t s = i, alnum = 0;
		for (; i < n && is_word_byte((unsigned char)v[i]); i++)
			alnum |= is_letter_byte((unsigned char)v[i]);
		if (alnum && !pii_is_token(v + s, i - s))
			return 1;
	}
	return 0;
}

int pii_value_is_redacted(const char *v, size_t n)
{
	size_t tokens = 0;

	for (size_t i = 0; i < n;) {
		if (strchr(" \t\r\n\"',", v[i]) && v[i]) {
			i++;
			continue;
		}
		size_t s = i;
		while (i < n && (!strchr(" \t\r\n\"',", v[i]) || !v[i]))
			i++;
		if (!pii_is_token(v + s, i - s))
			return 0;
		tokens++;
	}
	return tokens > 0;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int pii_value_is_literal(const char *v, size_t n)
{
	static const char *const words[] = {
		"true", "false", "yes", "no", "on", "off", "null", "~", "none", "nil",
	};

	while (n && is_space(*v))
		v++, n--;
	while (n && is_space(v[n - 1]))
		n--;
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v++, n -= 2;
		while (n && is_space(*v))
			v++, n--;
		while (n && is_space(v[n - 1]))
			n--;
	}
	if (!n)
		return 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(*words); i++)
		if (strlen(words[i]) == n && !strncasecmp(v, words[i], n))
			return 0;
	return has_literal_word(v, n);
}
