/*
 * The files of an ingest source, handed over one at a time: a directory
 * (walked in sorted order, ".git" skipped, in bounded memory however many
 * names a directory holds), an archive file in any format and
 * compression libarchive reads (.tar, .tar.gz, .tar.zst, .zip, ...), or an
 * http(s):// URL of such an archive, streamed through libcurl into libarchive
 * so that it is never held whole in memory or written to disk.
 *
 * Only regular files are handed over. Entries that could escape a directory
 * if extracted (absolute paths, ".." components, control characters) and
 * entries that are not regular files (symlinks, hard links, devices, fifos)
 * are skipped with a warning and counted: nothing in an archive is trusted,
 * and nothing from it is ever written anywhere but into ingest's output.
 */
#ifndef REPRO_BUILTIN_SOURCE_H
#define REPRO_BUILTIN_SOURCE_H

#include <stddef.h>

struct archive;

struct source_file {
	const char *path; /* normalised relative path ("k8s/files/a.yaml" in an archive, "files/a.yaml" in a directory) */
	const char *data; /* the content */
	size_t len;       /* its length */
};

struct source_ops {
	/* 1 when the content of path is wanted (then take is called), else 0 */
	int (*want)(void *ctx, const char *path);
	/* receives a wanted file; returns 0, or -1 to stop (after reporting) */
	int (*take)(void *ctx, const struct source_file *f);
};

struct source_stats {
	size_t entries;   /* regular files seen */
	size_t unsafe;    /* skipped: absolute, "..", control characters */
	size_t special;   /* skipped: not a regular file */
	size_t too_large; /* skipped: larger than max_file_size */
};

enum source_kind { SOURCE_DIR, SOURCE_ARCHIVE, SOURCE_URL };

/* What src names: an http(s) URL, a directory, or (anything else) an archive. */
enum source_kind source_kind_of(const char *src);

/* How source_read may use memory and disk. */
struct source_limits {
	size_t max_file_size; /* larger files are skipped (counted) */
	size_t names_mem;     /* memory for sorting the names of a directory being walked */
	const char *tmpdir;   /* where names that outgrow names_mem are sorted (anonymous files) */
};

/*
 * Reads every file of src through ops. Returns 0; 1 when src does not exist
 * (reported: a configuration error); -1 on a read, network or archive error
 * (reported).
 */
int source_read(const char *src, const struct source_limits *lim, const struct source_ops *ops,
		void *ctx, struct source_stats *st);

/* Internal to source*.c: reads an opened archive's entries. */
int source_read_archive(struct archive *a, const char *name, size_t max_file_size,
			const struct source_ops *ops, void *ctx, struct source_stats *st);

/*
 * Normalises an entry path: drops "./" and empty components and a trailing
 * '/'; returns -1 with a reason for an absolute path, a ".." component, a
 * control character or an empty path.
 */
int source_clean_path(const char *in, char **out, const char **why);

/* Appends path to a log-safe copy (control bytes as '?'), for messages. */
const char *source_printable(const char *path, char *buf, size_t size);

#endif
