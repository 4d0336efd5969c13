/*
 * ytree: a YAML document as a tree of nodes that remember where they were
 * written, built from libyaml's event stream. Every configuration file repro
 * reads (stages.yaml, params.yaml, stages.lock, *.repro) goes through it, so
 * that every error can name file, line and column.
 *
 * Anchors and aliases are expanded into copies (with a cap on the total number
 * of nodes, so a "billion laughs" file fails cleanly), and "<<" merge keys are
 * applied, as DVC's YAML loader does.
 */
#ifndef REPRO_YTREE_H
#define REPRO_YTREE_H

#include <stddef.h>

#include <cJSON.h>

enum ynode_type { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_type type;
	int line, col;         /* 1-based position where the node starts */
	char *str;             /* scalar: the value, NUL-terminated; else NULL */
	size_t len;            /* scalar: length of str (it may hold NUL bytes) */
	int plain;             /* scalar: written without quotes, so it may be a number/bool/null */
	size_t n;              /* seq: number of items; map: number of pairs */
	struct ynode **items;  /* seq: the items; map: the values */
	struct ynode **keys;   /* map: the keys (scalars), parallel to items; NULL for seq */
};

/*
 * Parses buf, which must hold at most one document. On success returns 0
 * and *out (an empty map for an empty document). On a syntax error, or a
 * second document, returns -1 after reporting "FILE:LINE:COL: error: ..."
 * (for syntax errors with libyaml's description).
 */
int ytree_parse(const char *buf, size_t len, const char *file, struct ynode **out);
/* Reads and parses a file (at most 64 MiB). A missing file is reported. */
int ytree_load(const char *path, struct ynode **out);
void ytree_free(struct ynode *n);

/* Map lookup by key; NULL when absent or when m is not a map. */
struct ynode *ytree_get(const struct ynode *m, const char *key);
/* Name of a node's type for messages: "a mapping", "a list", "a string". */
const char *ytree_type_name(const struct ynode *n);

/*
 * Plain-scalar typing of the YAML 1.2 core schema: null (~, null, empty),
 * booleans (true/false, any case), integers (decimal, 0x, 0o) and floats
 * (incl. .inf/.nan). Quoted scalars are always strings.
 */
enum yscalar_kind { YS_STRING, YS_NULL, YS_BOOL, YS_INT, YS_FLOAT };
enum yscalar_kind ytree_scalar_kind(const struct ynode *n);
/* True when the scalar is a boolean true/false; sets *val. */
int ytree_bool(const struct ynode *n, int *val);

/* Converts a node to a cJSON value using the typing above. */
cJSON *ytree_to_json(const struct ynode *n);

#endif
