/*
 * The pattern scanners of pii-rules.md, run over raw bytes (comments and
 * embedded files included): IPv4, e-mail, URL credentials, `sk-` keys, AWS
 * key ids, known API tokens, bearer tokens and PEM private keys.
 *
 * One pass: a table marks the bytes where some pattern can start or pivot
 * ('@', ':', '-', '_', digits, 'A', 'B'/'b', '='); everything else is skipped
 * in a tight loop. Each scanner looks a bounded distance around its trigger,
 * so the pass is linear in the input whatever it holds (NUL bytes, invalid
 * UTF-8 and endless lines are just bytes).
 */
#include "builtin/pii.h"

#include <string.h>
#include <strings.h>

enum trigger { T_NONE, T_DIGIT, T_AT, T_COLON, T_DASH, T_UNDER, T_A, T_B, T_EQ };

static const unsigned char trig[256] = {
	['0'] = T_DIGIT, ['1'] = T_DIGIT, ['2'] = T_DIGIT, ['3'] = T_DIGIT, ['4'] = T_DIGIT,
	['5'] = T_DIGIT, ['6'] = T_DIGIT, ['7'] = T_DIGIT, ['8'] = T_DIGIT, ['9'] = T_DIGIT,
	['@'] = T_AT, [':'] = T_COLON, ['-'] = T_DASH, ['_'] = T_UNDER,
	['A'] = T_A, ['B'] = T_B, ['b'] = T_B, ['='] = T_EQ,
};

/* Longest local part and domain of an e-mail address considered. */
#define EMAIL_MAX 256
/* Longest URL authority (userinfo@host:port) considered. */
#define AUTHORITY_MAX 2048

/* State of one text pass. */
struct text_scan {
	struct pii_scan *s;       /* where items go */
	const unsigned char *t;   /* s->text */
	size_t len;               /* s->len */
	size_t pem_from;          /* the last search for a PEM END marker started here... */
	size_t pem_at;            /* ...and found one starting here (len when there is none) */
	size_t pem_end;           /* ...which ends here */
	int pem_searched;         /* pem_from/pem_at are valid */
	size_t userinfo_s;        /* the userinfo of the last URL seen (no e-mail there)... */
	size_t userinfo_e;        /* ...ends here, before its last '@' */
};

/* Length of the run of bytes from t[i] for which ok() holds. */
static size_t run(const unsigned char *t, size_t len, size_t i, int (*ok)(unsigned char))
{
	size_t j = i;
	while (j < len && ok(t[j]))
		j++;
	return j - i;
}

static int is_key_char(unsigned char c)
{
	return pii_isalnum(c) || c == '_' || c == '-';
}

static int is_slack_char(unsigned char c)
{
	return pii_isalnum(c) || c == '-';
}

static int is_alnum_us(unsigned char c)
{
	return pii_isalnum(c) || c == '_';
}

static int is_aws_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || pii_isdigit(c);
}

static int is_bearer_char(unsigned char c)
{
	return pii_isalnum(c) || c == '.' || c == '_' || c == '~' || c == '+' ||
	       c == '/' || c == '=' || c == '-';
}

/* The local part of an address; UTF-8 letters too (rené.dupont@...), so no name is left half-redacted. */
static int is_local_char(unsigned char c)
{
	return pii_isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c >= 0x80;
}

static int is_domain_char(unsigned char c)
{
	return pii_isalnum(c) || c == '.' || c == '-';
}

static int is_base64_char(unsigned char c)
{
	return pii_isalnum(c) || c == '+' || c == '/' || c == '=';
}

static int is_pem_label_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || pii_isdigit(c) || c == ' ';
}

/* No letter or digit right before t[i]: a pattern "standing alone" starts here. */
static int alone_before(const unsigned char *t, size_t i)
{
	return i == 0 || !pii_isalnum(t[i - 1]);
}

/* ---- IPv4 ---------------------------------------------------------------- */

/* Bytes that may not touch a dotted quad on its left. */
static int quad_blocked_before(unsigned char c)
{
	return pii_isalnum(c) || c == '_' || c == '.' || c == '-';
}

/*
 * Parses a dotted quad at t[i]; returns its end, or 0 when there is none
 * (an octet over 255, a leading zero, fewer than four parts).
 */
static size_t parse_quad(const unsigned char *t, size_t len, size_t i)
{
	size_t p = i;

	for (int part = 0; part < 4; part++) {
		if (part) {
			if (p >= len || t[p] != '.')
				return 0;
			p++;
		}
		size_t d = p;
		unsigned val = 0;
		while (p < len && pii_isdigit(t[p]) && p - d < 4)
			val = val * 10 + (t[p++] - '0');
		if (p == d || p - d > 3 || val > 255 || (p - d > 1 && t[d] == '0'))
			return 0;
	}
	if (p < len) {
		unsigned char c = t[p];
		if (pii_isalnum(c) || c == '_')
			return 0;
		if ((c == '.' && p + 1 < len && pii_isdigit(t[p + 1])) ||
		    (c == '-' && p + 1 < len && pii_isalnum(t[p + 1])))
			return 0;
	}
	return p;
}

/*
 * An image tag: the quad follows ':' that follows a name (nvcr.io/x/y:8.6.1.6).
 * A name right after another ':' is an IPv6 prefix (::ffff:10.1.2.3), not one.
 */
static int quad_is_image_tag(const unsigned char *t, size_t len, size_t i, size_t end)
{
	if (i < 2 || t[i - 1] != ':' || !pii_isnamechar(t[i - 2]))
		return 0;
	if (end + 1 < len && t[end] == ':' && pii_isdigit(t[end + 1]))
		return 0; /* tcp:0.0.0.0:3306: a tag is never followed by a port */
	size_t p = i - 1;
	while (p > 0 && i - p < 512 && pii_isnamechar(t[p - 1]))
		p--;
	return p == 0 || t[p - 1] != ':';
}

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The quad is the value of a version-named key, variable or flag written
 * on the same line: `version: "1.2.3.4"`, `schema_version = "2.3.4.150"`,
 * `--driver-version=10.2.0.3`, `--driver-version 10.2.0.3`.
 */
static int quad_is_version_value(const unsigned char *t, size_t i)
{
	size_t p = i, sp;
	int sep = 0;

	if (p && (t[p - 1] == '"' || t[p - 1] == '\''))
		p--;
	for (sp = p; p && is_blank(t[p - 1]); p--)
		;
	if (p && (t[p - 1] == '=' || t[p - 1] == ':')) {
		sep = 1;
		for (p--; p && is_blank(t[p - 1]); p--)
			;
	} else if (p == sp) {
		return 0;
	}
	if (p && (t[p - 1] == '"' || t[p - 1] == '\''))
		p--;
	size_t e = p;
	while (p && e - p < 256 && pii_isnamechar(t[p - 1]))
		p--;
	if (p == e || (!sep && t[p] != '-'))
		return 0;
	return pii_name_is_version((const char *)t + p, e - p);
}

static size_t scan_ipv4(struct text_scan *ts, size_t i)
{
	const unsigned char *t = ts->t;
	size_t end;

	if (i && quad_blocked_before(t[i - 1]))
		end = 0;
	else
		end = parse_quad(t, ts->len, i);
	if (!end) {
		/* skip the rest of this number so its digits are not retried */
		while (i < ts->len && (pii_isdigit(t[i]) || t[i] == '.'))
			i++;
		return i;
	}
	if (!quad_is_image_tag(t, ts->len, i, end) && !quad_is_version_value(t, i))
		pii_vec_push(&ts->s->items, PII_IPV4, i, end);
	return end;
}

/* ---- e-mail -------------------------------------------------------------- */

/*
 * The local part starting at t[l] is the userinfo of a URL
 * (https://user@host, https://user:pass@host), not an address: it lies in
 * the userinfo scan_url_credentials() saw (which may hold '@' itself:
 * in https://user:p@ss@host, ss@host is no address), or follows "//".
 */
static int in_url_authority(const struct text_scan *ts, size_t l)
{
	const unsigned char *t = ts->t;
	size_t p = l;

	if (l >= ts->userinfo_s && l < ts->userinfo_e)
		return 1;
	while (p > 0 && l - p < AUTHORITY_MAX && !strchr(" \t\r\n\"'<>@,;()[]{}/?#&`", t[p - 1]))
		p--;
	return p >= 2 && t[p - 1] == '/' && t[p - 2] == '/';
}

static size_t scan_email(struct text_scan *ts, size_t at)
{
	const unsigned char *t = ts->t;
	size_t l = at, d = at + 1, e, dot = 0;

	while (l > 0 && at - l < EMAIL_MAX && is_local_char(t[l - 1]))
		l--;
	if (l == at)
		return at + 1;
	e = d + run(t, ts->len < d + EMAIL_MAX ? ts->len : d + EMAIL_MAX, d, is_domain_char);
	while (e > d && (t[e - 1] == '.' || t[e - 1] == '-'))
		e--;
	if (e == d || !pii_isalnum(t[d]))
		return at + 1;
	for (size_t p = d; p < e; p++) {
		if (t[p] != '.')
			continue;
		if (p + 1 < e && t[p + 1] == '.')
			return at + 1; /* empty label */
		dot = p;
	}
	if (!dot || e - dot - 1 < 2)
		return at + 1;
	for (size_t p = dot + 1; p < e; p++)
		if (!pii_isalpha(t[p]))
			return at + 1;
	if (in_url_authority(ts, l))
		return at + 1;
	pii_vec_push(&ts->s->items, PII_EMAIL, l, e);
	return e;
}

/* ---- URL credentials ----------------------------------------------------- */

/* At "://": records the user:password of scheme://user:password@host. */
static size_t scan_url_credentials(struct text_scan *ts, size_t colon)
{
	const unsigned char *t = ts->t;
	size_t b = colon, a0 = colon + 3, p, at = 0;

	for (p = a0; p < ts->len && p - a0 < AUTHORITY_MAX; p++) {
		if (strchr(" \t\r\n/?#\"'<>`\\[", t[p]) || !t[p])
			break;
		if (t[p] == '@')
			at = p;
	}
	if (!at)
		return colon + 1;
	ts->userinfo_s = a0, ts->userinfo_e = at;
	while (b > 0 && (pii_isalnum(t[b - 1]) || t[b - 1] == '+' || t[b - 1] == '.' || t[b - 1] == '-'))
		b--;
	if (b == colon || !pii_isalpha(t[b]) || (b > 0 && t[b - 1] == '_'))
		return colon + 1;
	const unsigned char *c = memchr(t + a0, ':', at - a0);
	if (!c || c + 1 == t + at)
		return colon + 1;
	size_t pw = (size_t)(c + 1 - t);
	if (!pii_value_is_literal((const char *)t + pw, at - pw))
		return colon + 1;
	pii_vec_push(&ts->s->items, PII_URL_CREDENTIALS, a0, at);
	return at;
}

/* ---- PEM private keys ---------------------------------------------------- */

/*
 * If t[i] starts "-----BEGIN <label>-----" or "-----END <label>-----" (as
 * `word` says), returns the end of the marker and sets *is_key when the label
 * names a private key; returns 0 otherwise.
 */
static size_t pem_marker(const unsigned char *t, size_t len, size_t i, const char *word, int *is_key)
{
	size_t w = strlen(word);

	if (len - i < 5 + w + 5 || memcmp(t + i, "-----", 5) || memcmp(t + i + 5, word, w))
		return 0;
	size_t l = i + 5 + w, e = l + run(t, len - l > 65 ? l + 65 : len, l, is_pem_label_char);
	if (e - l > 64 || len - e < 5 || memcmp(t + e, "-----", 5))
		return 0;
	*is_key = memmem(t + l, e - l, "PRIVATE KEY", 11) != NULL;
	return e + 5;
}

/* End of the first private-key END marker at or after `from`, or 0. */
static size_t find_pem_end(struct text_scan *ts, size_t from)
{
	if (ts->pem_searched && from >= ts->pem_from && from <= ts->pem_at)
		return ts->pem_at < ts->len ? ts->pem_end : 0;
	ts->pem_searched = 1;
	ts->pem_from = from;
	for (size_t p = from; p < ts->len;) {
		const unsigned char *m = memmem(ts->t + p, ts->len - p, "-----END ", 9);
		if (!m)
			break;
		int key;
		size_t at = (size_t)(m - ts->t), e = pem_marker(ts->t, ts->len, at, "END ", &key);
		if (e && key) {
			ts->pem_at = at;
			ts->pem_end = e;
			return e;
		}
		p = at + 1;
	}
	ts->pem_at = ts->len;
	return 0;
}

/* End of the line holding t[p] (the '\n' or len). */
static size_t line_end(const unsigned char *t, size_t len, size_t p)
{
	const unsigned char *n = memchr(t + p, '\n', len - p);
	return n ? (size_t)(n - t) : len;
}

/*
 * A key block with no END marker (cut short): it runs over the base64 (and
 * header) lines after BEGIN, so the key material still goes.
 */
static size_t pem_unterminated_end(const unsigned char *t, size_t len, size_t p)
{
	size_t end = p, le;

	/* an escaped block on one line: -----BEGIN ...-----\nMIIE...\n... */
	while (end < len && (is_base64_char(t[end]) || t[end] == '\\'))
		end++;
	for (p = end; p < len && (is_blank(t[p]) || t[p] == '\r' || t[p] == '"' || t[p] == '\''); p++)
		;
	if (p < len && t[p] != '\n')
		return end; /* more on the marker's line: the block is not on the next lines */
	for (; p < len; p = le) {
		size_t s = p + 1;
		le = line_end(t, len, s);
		while (s < le && (is_blank(t[s]) || t[s] == '#' || t[s] == '"' || t[s] == '\''))
			s++;
		size_t e = s + run(t, le, s, is_base64_char);
		int header = le - s > 9 && (!memcmp(t + s, "Proc-Type:", 10) || !memcmp(t + s, "DEK-Info:", 9));
		if (header)
			e = le;
		while (e < le && (t[e] == '\r' || is_blank(t[e]) || t[e] == '"' || t[e] == '\\' || t[e] == 'n'))
			e++;
		if (s == le || e != le)
			break;
		end = le;
		while (end > s && (t[end - 1] == '\r' || is_blank(t[end - 1])))
			end--;
	}
	return end;
}

static size_t scan_pem(struct text_scan *ts, size_t i)
{
	int key;
	size_t e = pem_marker(ts->t, ts->len, i, "BEGIN ", &key), end;

	if (!e)
		return i + 1;
	if (!key)
		return e;
	end = find_pem_end(ts, e);
	if (!end)
		end = pem_unterminated_end(ts->t, ts->len, e);
	pii_vec_push(&ts->s->items, PII_PRIVATE_KEY, i, end);
	return end;
}

/* ---- token patterns ------------------------------------------------------ */

/*
 * A token is `prefix` (ending just before t[pivot+1]) followed by at least
 * `min` bytes for which ok() holds, standing alone on its left. Records it
 * and returns its end, or returns 0.
 */
static size_t token_after(struct text_scan *ts, size_t pivot, const char *prefix,
			  size_t min, int (*ok)(unsigned char), enum pii_kind kind)
{
	size_t n = strlen(prefix), s;

	if (pivot + 1 < n)
		return 0;
	s = pivot + 1 - n;
	if (memcmp(ts->t + s, prefix, n) || !alone_before(ts->t, s))
		return 0;
	size_t r = run(ts->t, ts->len, pivot + 1, ok);
	if (r < min || pii_is_token((const char *)ts->t + s, n + r))
		return 0;
	pii_vec_push(&ts->s->items, kind, s, pivot + 1 + r);
	return pivot + 1 + r;
}

/* Slack tokens: xox[bpars]- then digits and letters, at least one digit. */
static size_t scan_slack(struct text_scan *ts, size_t dash)
{
	const unsigned char *t = ts->t;

	if (dash < 4 || memcmp(t + dash - 4, "xox", 3) || !strchr("bpars", t[dash - 1]) ||
	    !t[dash - 1] || !alone_before(t, dash - 4))
		return 0;
	size_t r = run(t, ts->len, dash + 1, is_slack_char), digits = 0;
	for (size_t p = dash + 1; p < dash + 1 + r; p++)
		digits += pii_isdigit(t[p]);
	if (r < 10 || !digits)
		return 0;
	pii_vec_push(&ts->s->items, PII_API_TOKEN, dash - 4, dash + 1 + r);
	return dash + 1 + r;
}

static int is_flag_char(unsigned char c)
{
	return is_key_char(c) || c == '.';
}

/*
 * A "--flag" or "-flag" standing alone (no name character before it): its
 * name, less a trailing '.' or '-' (prose: "pass --api-key."), goes to
 * pii_scan_flag(), which reads its value when the name is secret-named.
 */
static void scan_flag(struct text_scan *ts, size_t i)
{
	const unsigned char *t = ts->t;
	size_t n = i + 1 + (t[i + 1] == '-'), len = ts->len - n > 256 ? n + 256 : ts->len;

	if (n >= ts->len || !pii_isalpha(t[n]) || (i && pii_isnamechar(t[i - 1])))
		return;
	size_t e = n + run(t, len, n, is_flag_char);
	if (e == len && len < ts->len)
		return; /* longer than any name */
	while (t[e - 1] == '.' || t[e - 1] == '-')
		e--;
	pii_scan_flag(ts->s, i, e);
}

static size_t scan_dash(struct text_scan *ts, size_t i)
{
	size_t e;

	if (i + 1 < ts->len && ts->t[i + 1] == '-') {
		if (i + 2 < ts->len && ts->t[i + 2] == '-')
			return scan_pem(ts, i);
		scan_flag(ts, i);
		return i + 2;
	}
	if (i == 0 || !pii_isnamechar(ts->t[i - 1])) {
		/* no token prefix ends here; maybe a -flag */
		if (i + 1 < ts->len)
			scan_flag(ts, i);
		return i + 1;
	}
	if (i < 2)
		return i + 1;
	switch (ts->t[i - 1]) { /* the prefix's last letter, to skip the rest fast */
	case 'k':
		e = token_after(ts, i, "sk-", 20, is_key_char, PII_OPENAI_KEY);
		break;
	case 't':
		e = token_after(ts, i, "glpat-", 20, is_key_char, PII_API_TOKEN);
		break;
	case 'b': case 'p': case 'a': case 'r': case 's':
		e = scan_slack(ts, i);
		break;
	default:
		e = 0;
	}
	return e ? e : i + 1;
}

static size_t scan_underscore(struct text_scan *ts, size_t i)
{
	static const char *const gh[] = { "ghp_", "gho_", "ghu_", "ghs_", "ghr_" };
	size_t e = 0;

	if (i < 2)
		return i + 1;
	if (ts->t[i - 1] == 'f')
		e = token_after(ts, i, "hf_", 30, pii_isalnum, PII_API_TOKEN);
	else if (ts->t[i - 1] == 't')
		e = token_after(ts, i, "github_pat_", 22, is_alnum_us, PII_API_TOKEN);
	else if (i >= 3 && ts->t[i - 3] == 'g')
		for (size_t k = 0; !e && k < sizeof(gh) / sizeof(*gh); k++)
			e = token_after(ts, i, gh[k], 36, pii_isalnum, PII_API_TOKEN);
	return e ? e : i + 1;
}

/* AKIA/ASIA + 16 of [A-Z0-9], standing alone. */
static size_t scan_aws(struct text_scan *ts, size_t i)
{
	const unsigned char *t = ts->t;

	if (ts->len - i < 20 || (memcmp(t + i, "AKIA", 4) && memcmp(t + i, "ASIA", 4)) ||
	    !alone_before(t, i) || run(t, i + 20, i + 4, is_aws_char) != 16 ||
	    (i + 20 < ts->len && pii_isalnum(t[i + 20])))
		return i + 1;
	pii_vec_push(&ts->s->items, PII_AWS_ACCESS_KEY_ID, i, i + 20);
	return i + 20;
}

/* "Bearer " (any case) then 16 or more token bytes: the token is the item. */
static size_t scan_bearer(struct text_scan *ts, size_t i)
{
	const unsigned char *t = ts->t;
	size_t p = i + 6;

	if (ts->len - i < 8 || !alone_before(t, i) || strncasecmp((const char *)t + i, "bearer", 6) ||
	    !is_blank(t[p]))
		return i + 1;
	while (p < ts->len && is_blank(t[p]))
		p++;
	size_t r = run(t, ts->len, p, is_bearer_char);
	if (r < 16 || pii_is_token((const char *)t + p, r))
		return p;
	pii_vec_push(&ts->s->items, PII_BEARER_TOKEN, p, p + r);
	return p + r;
}

/* Runs the scanner for trigger k at t[i]; returns where to continue (> i). */
static size_t dispatch(struct text_scan *ts, size_t i, enum trigger k)
{
	const unsigned char *t = ts->t;

	switch (k) {
	case T_DIGIT:
		return scan_ipv4(ts, i);
	case T_AT:
		return scan_email(ts, i);
	case T_COLON:
		if (ts->len - i > 2 && t[i + 1] == '/' && t[i + 2] == '/')
			return scan_url_credentials(ts, i);
		pii_scan_assign(ts->s, i);
		return i + 1;
	case T_EQ:
		pii_scan_assign(ts->s, i);
		return i + 1;
	case T_DASH:
		return scan_dash(ts, i);
	case T_UNDER:
		return scan_underscore(ts, i);
	case T_A:
		return scan_aws(ts, i);
	case T_B:
		return scan_bearer(ts, i);
	case T_NONE:
		break;
	}
	return i + 1;
}

void pii_scan_text(struct pii_scan *s)
{
	struct text_scan ts = { s, (const unsigned char *)s->text, s->len, 0, 0, 0, 0, 0, 0 };
	const unsigned char *t = ts.t;
	size_t i = 0, len = s->len;

	for (;;) {
		while (i < len && !trig[t[i]])
			i++;
		if (i >= len)
			break;
		i = dispatch(&ts, i, (enum trigger)trig[t[i]]);
	}
}
