/*
 * Counts per string ("Deployment" -> 412), for reports. The JSON form lists
 * keys in byte order, so a report never depends on the order records were
 * counted in.
 */
#ifndef REPRO_BUILTIN_COUNTER_H
#define REPRO_BUILTIN_COUNTER_H

#include <stddef.h>

#include <cJSON.h>

struct counter_entry {
	char *key;    /* the string counted */
	size_t count; /* how many times */
};

struct counter {
	struct counter_entry *slots; /* open-addressing table; key NULL = empty slot */
	size_t cap;                  /* slots (a power of two, or 0) */
	size_t n;                    /* keys present */
};

#define COUNTER_INIT { NULL, 0, 0 }

/* Adds `by` to key's count (key is copied). */
void counter_add(struct counter *c, const char *key, size_t by);
size_t counter_get(const struct counter *c, const char *key);
/* The entries sorted by key; the array (not the keys) is the caller's to free. */
struct counter_entry *counter_sorted(const struct counter *c);
/* An object {key: count, ...} in key order. */
cJSON *counter_to_json(const struct counter *c);
void counter_release(struct counter *c);

#endif
