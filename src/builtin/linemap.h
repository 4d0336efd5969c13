/*
 * Map-reduce over the lines of a JSONL file, for stages that do the same
 * work on every record. Lines are read in batches; each batch goes through
 *   prepare  in input order on the calling thread (JSON parsing: cJSON's
 *            parser writes a global error position, so it must not run on
 *            several threads at once),
 *   map      on a pool of `jobs` threads (the heavy part: YAML, redaction),
 *   reduce   in input order on the calling thread (counting, writing),
 * so the result is the same at every -j. Memory holds one batch at a time.
 */
#ifndef REPRO_BUILTIN_LINEMAP_H
#define REPRO_BUILTIN_LINEMAP_H

#include <stddef.h>

struct linemap_ops {
	size_t slot_size; /* bytes of per-line state (zeroed before prepare) */
	/* Parses line (NUL-terminated, len bytes) into slot. May keep `line`:
	 * it stays valid until release. */
	void (*prepare)(void *ctx, void *slot, char *line, size_t len, size_t lineno);
	/* The per-line work; touches only slot and read-only ctx. May be NULL. */
	void (*map)(void *ctx, void *slot);
	/* Consumes slot in order; returns 0, or -1 to stop (after reporting). */
	int (*reduce)(void *ctx, void *slot);
	/* Frees what prepare and map allocated in slot. */
	void (*release)(void *slot);
};

/* Runs ops over every non-blank line of path. Returns 0, or -1 (reported). */
int linemap_run(const char *path, int jobs, const struct linemap_ops *ops, void *ctx);

#endif
