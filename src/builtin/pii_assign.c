/*
 * Secret-named fields written as text (pii-rules.md rule 10), wherever they
 * are: YAML keys (also inside comments and embedded files, where libyaml
 * sees only a string), JSON members, shell and .env assignments, Java
 * properties, TOML/INI settings, CLI flags, URL query parameters, and the
 * env pair `- name: X_PASSWORD` + `value: ...` of embedded manifests.
 *
 * Called at every ':' and '=' of the text (pii_field.h reads the name and
 * the value). A secret-named name with a literal value is an item; a
 * `name:` key is looked at as half of an env pair, whose `value:` may come
 * after it or before it, in block or flow style; `kind: Secret` and what
 * the text cannot pair call for the YAML pass.
 */
#include "builtin/pii.h"

#include <string.h>

#include "builtin/pii_field.h"

/* Lines searched around `- name: X` for its `value:`; bytes in flow style. */
#define ENV_PAIR_LINES 32
#define FLOW_PAIR_MAX 512

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The key starting at t[k] (its line ending at le): -2 when it is neither
 * value: nor valueFrom:, else what sibling_value() returns for it.
 */
static int value_key_at(const char *t, size_t len, size_t k, size_t le, struct field_value *val)
{
	size_t q = t[k] == '"', sep = k + q + 5 + q;
	struct field_name vn;

	if (le - k >= 10 && !memcmp(t + k, "valueFrom:", 10))
		return 0;
	if (sep < le && !memcmp(t + k + q, "value", 5) && (!q || t[sep - 1] == '"') && t[sep] == ':' &&
	    pii_find_name(t, len, sep, &vn) && name_is(t, &vn, "value")) {
		pii_get_value(t, len, sep, &vn, val);
		return val->type == V_SCALAR ? 1 : -1;
	}
	return -2;
}

/*
 * The `value:` written before `name:` in the same block mapping, looking
 * back from the name's line to the "- " line that starts the mapping.
 * Returns as sibling_value() does (0 when there is none).
 */
static int earlier_value(const char *t, size_t len, const struct field_name *nm, struct field_value *val)
{
	size_t ls = nm->s - nm->quoted - nm->col; /* start of the name's line */

	if (nm->col >= 2 && t[ls + nm->col - 2] == '-')
		return 0; /* name: is the mapping's first key */
	for (int lines = 0; ls > 0 && lines < ENV_PAIR_LINES; lines++) {
		size_t le = ls - 1, b = le, ind = 0;
		int first = 0;
		while (b > 0 && t[b - 1] != '\n')
			b--;
		ls = b;
		while (b + ind < le && t[b + ind] == ' ')
			ind++;
		if (b + ind == pii_trim_right(t, b + ind, le))
			continue;
		if (ind + 2 == nm->col && t[b + ind] == '-' && is_blank((unsigned char)t[b + ind + 1]))
			ind += 2, first = 1;
		else if (ind < nm->col)
			return 0;
		if (ind > nm->col)
			continue;
		int r = value_key_at(t, len, b + ind, le, val);
		if (r != -2)
			return r;
		if (first)
			return 0;
	}
	return 0;
}

/*
 * Finds the `value:` beside `name:` in the same mapping: on the same line
 * in flow style, else on a following line at the key's column. Returns 1
 * with *val set when it is a scalar on its line, 0 when the pair has a
 * valueFrom: instead, -1 when the text cannot tell (no value: after the
 * name, or one spanning lines): then the YAML pass decides.
 */
static int sibling_value(const char *t, size_t len, const struct field_name *nm, size_t after, struct field_value *val)
{
	size_t p = after, le;

	if (nm->ctx == CTX_FLOW) {
		le = pii_line_end(t, len - after > FLOW_PAIR_MAX ? after + FLOW_PAIR_MAX : len, after);
		for (; p + 6 <= le; p++) {
			const char *m = memmem(t + p, le - p, "value", 5);
			if (!m)
				return -1;
			p = (size_t)(m - t);
			struct field_name vn;
			size_t sep = p + 5 + (p + 5 < le && t[p + 5] == '"');
			if (sep < le && t[sep] == ':' && pii_find_name(t, len, sep, &vn) && vn.ctx == CTX_FLOW &&
			    name_is(t, &vn, "value")) {
				pii_get_value(t, len, sep, &vn, val);
				return val->type == V_SCALAR ? 1 : -1;
			}
		}
		return -1;
	}
	le = pii_line_end(t, len, after);
	for (int lines = 0; le < len && lines < ENV_PAIR_LINES; lines++) {
		size_t b = le + 1, ind = 0;
		le = pii_line_end(t, len, b);
		while (b + ind < le && t[b + ind] == ' ')
			ind++;
		if (b + ind == pii_trim_right(t, b + ind, le))
			continue;
		if (ind < nm->col || (ind == nm->col && t[b + ind] == '-'))
			break;
		if (ind > nm->col)
			continue;
		int r = value_key_at(t, len, b + ind, le, val);
		if (r != -2)
			return r;
	}
	return earlier_value(t, len, nm, val);
}

/*
 * `name: X` (not itself secret-named): X may be an env var whose `value:`
 * is secret (X secret-named) or a version (X version-named). Asks for the
 * YAML pass where the text cannot tell, and for every `kind: Secret`.
 */
static void scan_name_key(struct pii_scan *s, size_t sep, const struct field_name *nm)
{
	const char *t = s->text;
	struct field_value v, sib;
	int is_name = name_is(t, nm, "name");

	if ((nm->ctx != CTX_KEY && nm->ctx != CTX_FLOW) || (!is_name && !name_is(t, nm, "kind")))
		return;
	/* a name is short: look no further than VALUE_MAX, so many keys on one line stay cheap */
	pii_get_value(t, s->len - sep > VALUE_MAX ? sep + VALUE_MAX : s->len, sep, nm, &v);
	if (v.type != V_SCALAR)
		return;
	if (!is_name) {
		if (v.e - v.s == 6 && !memcmp(t + v.s, "Secret", 6))
			s->need_yaml = 1;
		return;
	}
	for (size_t p = v.s; p < v.e; p++)
		if (!pii_isnamechar((unsigned char)t[p]))
			return; /* "Export version variable" names a step, not a variable */
	int secret = pii_name_is_secret(t + v.s, v.e - v.s);
	int version = pii_name_is_version(t + v.s, v.e - v.s);
	if (!secret && !version)
		return;
	int found = sibling_value(t, s->len, nm, v.e, &sib);
	if (found < 0 && secret)
		s->need_yaml = 1;
	if (found <= 0)
		return;
	if (secret && pii_value_is_literal(t + sib.s, sib.e - sib.s))
		pii_vec_push(&s->items, PII_SECRET_VALUE, sib.s, sib.e);
	else if (version)
		pii_vec_push(&s->versions, PII_IPV4, sib.s, sib.e);
}

void pii_scan_assign(struct pii_scan *s, size_t sep)
{
	const char *t = s->text;
	struct field_name nm;
	struct field_value v;

	if (sep < s->assign_done || !pii_find_name(t, s->len, sep, &nm))
		return;
	if (!pii_name_is_secret(t + nm.s, nm.e - nm.s)) {
		if (t[sep] == ':')
			scan_name_key(s, sep, &nm);
		return;
	}
	pii_get_value(t, s->len, sep, &nm, &v);
	if (v.type == V_BLOCK) {
		size_t bs, be;
		if (!pii_block_content(t, s->len, v.e, nm.col, &bs, &be))
			return;
		v.s = bs, v.e = be;
	} else if (v.type == V_NEXT) {
		size_t first, last;
		if (!pii_next_value(t, s->len, v.e, nm.col, &first, &last))
			return;
		v.s = first, v.e = last;
	} else if (v.type != V_SCALAR) {
		return;
	}
	s->assign_done = v.e;
	if (pii_value_is_literal(t + v.s, v.e - v.s))
		pii_vec_push(&s->items, PII_SECRET_VALUE, v.s, v.e);
}

void pii_scan_flag(struct pii_scan *s, size_t start, size_t end)
{
	struct field_value v;
	int secret = pii_name_is_secret(s->text + start, end - start);

	if (!secret && !pii_name_is_version(s->text + start, end - start))
		return;
	if (!pii_flag_value(s->text, s->len, end, &v)) {
		/* the value may be the next item of a YAML sequence (a version on the line is seen by the IPv4 scan) */
		if (end >= s->len || s->text[end] != '=')
			s->need_yaml = 1;
		return;
	}
	if (secret && pii_value_is_literal(s->text + v.s, v.e - v.s))
		pii_vec_push(&s->items, PII_SECRET_VALUE, v.s, v.e);
}
