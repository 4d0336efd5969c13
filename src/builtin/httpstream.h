/*
 * An archive at an http(s) URL, read as it downloads: libcurl's multi
 * interface is driven from libarchive's read callback, and the bytes pass
 * through one bounded buffer (the transfer is paused while it is full), so
 * memory stays flat whatever the archive's size and nothing touches the disk.
 */
#ifndef REPRO_BUILTIN_HTTPSTREAM_H
#define REPRO_BUILTIN_HTTPSTREAM_H

#include <stddef.h>

#include "builtin/source.h"
#include "util/strbuf.h"

/*
 * Streams the archive at url through source_read_archive(). Returns 0, or -1
 * on an HTTP, network or archive error (reported, with any user:password
 * in the URL left out).
 */
int httpstream_read_archive(const char *url, size_t max_file_size, const struct source_ops *ops,
			    void *ctx, struct source_stats *st);

/* Appends url without its user:password@ part (for messages). */
void url_without_credentials(const char *url, struct strbuf *out);

#endif
