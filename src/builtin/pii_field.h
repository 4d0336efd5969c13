/*
 * Reading a field written as text (pii_field.c): the name before a ':' or
 * '=' and the value after it, in the syntax the name's position implies.
 * Shared by the secret-named field rules (pii_assign.c) and the env pairs.
 *
 *   key context  (':' at the start of a line, after "- "): the value runs
 *                to the end of the line (less a " #" comment) and over
 *                more-indented continuation lines, or is a block scalar
 *                ('|', '>'), or sits on the lines after an empty key;
 *   comment      (':' after '#'): to the end of the line;
 *   flow context (':' after '{', ',' or '[', or any quoted name): the value
 *                ends at ',', '}' or ']';
 *   assignment   ('=' after a blank, line start, ';', '&', '?', '(', '#',
 *                a quote...): NAME=value ends at a blank or shell
 *                punctuation; NAME = value (spaced, INI/TOML) runs to the
 *                end of the line.
 * A quoted value is the text between its quotes.
 */
#ifndef REPRO_PII_FIELD_H
#define REPRO_PII_FIELD_H

#include <stddef.h>
#include <string.h>

/*
 * Longest name looked at, and how far the value of a `name:` or `kind:` key
 * is looked for. A secret's value is read whole, however long: each value
 * is read once (s->assign_done), so the scan stays linear.
 */
#define NAME_MAX_LEN 256
#define VALUE_MAX 16384

enum field_ctx {
	CTX_KEY,     /* a YAML-ish key at the start of a line (or in a comment) */
	CTX_COMMENT, /* a key after '#' */
	CTX_FLOW,    /* a key inside { } or after ',' */
	CTX_ASSIGN,  /* NAME=value */
};

/* The name before a separator. */
struct field_name {
	size_t s, e;  /* the name's bytes [s, e) (inside its quotes if quoted) */
	int quoted;   /* written in quotes ("password": ...) */
	size_t col;   /* key context: column where the key starts */
	enum field_ctx ctx; /* where it stands */
};

enum field_value_type { V_NONE, V_SCALAR, V_BLOCK, V_NEXT };

/* A value found after a separator. */
struct field_value {
	enum field_value_type type; /* nothing usable, a scalar, a block scalar, or nothing yet on the key's line */
	size_t s, e;          /* V_SCALAR: its bytes; V_BLOCK, V_NEXT: the key line's end */
};

/* Whether the name is `word` (a literal, so sizeof gives its length). */
#define name_is(t, nm, word) \
	((nm)->e - (nm)->s == sizeof(word) - 1 && !memcmp((t) + (nm)->s, (word), sizeof(word) - 1))

/* End of the line holding t[p]: its '\n', or len. */
size_t pii_line_end(const char *t, size_t len, size_t p);
/* e moved back over blanks and '\r' (not before s). */
size_t pii_trim_right(const char *t, size_t s, size_t e);
/* Finds the name before the separator at t[sep]; returns 0 when there is none. */
int pii_find_name(const char *t, size_t len, size_t sep, struct field_name *nm);
/*
 * Reads the value after the separator t[sep] of a name in context nm->ctx,
 * looking no further than len.
 */
void pii_get_value(const char *t, size_t len, size_t sep, const struct field_name *nm, struct field_value *val);
/*
 * The content of a block scalar whose indicator line ends at `le`, for a
 * key at column `col`: the more-indented lines after it. Sets [*s, *e) to
 * its first and last non-blank bytes; returns 0 when it is empty.
 */
int pii_block_content(const char *t, size_t len, size_t le, size_t col, size_t *s, size_t *e);
/*
 * The lines after the one ending at `le` that carry a plain scalar of a key
 * at column `col`. Sets *first to the first one's first byte; returns the
 * end of the last one's content, or 0 when there is none.
 */
size_t pii_continuation(const char *t, size_t len, size_t le, size_t col, size_t *first);
/*
 * The value on the lines after a key at column `col` with nothing after its
 * colon (its line ends at `le`): a quoted scalar, [*s, *e) inside its quotes
 * (over lines), or a plain one (pii_continuation()). Returns 0 when there
 * is none.
 */
int pii_next_value(const char *t, size_t len, size_t le, size_t col, size_t *s, size_t *e);
/*
 * The value of a command-line flag whose name ends at t[e], written after a
 * blank (`--api-key VALUE`, or `--api-key \` then VALUE on the next line):
 * a word (to a blank or shell punctuation, references whole) or a quoted
 * string on that line. A word starting with '-' is the next flag, not a
 * value; code (get_key()) is no value either. Returns 1 with *val set.
 */
int pii_flag_value(const char *t, size_t len, size_t e, struct field_value *val);

#endif
