/*
 * The entries of an archive opened by source.c or httpstream.c, read
 * sequentially: libarchive decompresses and walks them as the bytes arrive,
 * so an archive of any size is read in a few buffers' worth of memory.
 */
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "builtin/source.h"
#include "util/error.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* Why an entry is not handed over, or NULL when it is a regular file. */
static const char *special_reason(struct archive_entry *e)
{
	if (archive_entry_hardlink(e))
		return "a hard link";
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		return NULL;
	case AE_IFLNK:
		return "a symbolic link";
	case AE_IFDIR:
		return "";
	default:
		return "a device, fifo or socket";
	}
}

/*
 * Reads the current entry's data into buf. Returns 0, 1 when it is larger
 * than max (buf then holds a prefix), -1 on an archive error (reported).
 */
static int read_entry(struct archive *a, const char *name, size_t max, struct strbuf *buf)
{
	char chunk[64 * 1024];

	strbuf_reset(buf);
	for (;;) {
		la_ssize_t n = archive_read_data(a, chunk, sizeof(chunk));
		if (n < 0)
			return error("cannot read archive '%s': %s", name, archive_error_string(a));
		if (n == 0)
			return 0;
		if (buf->len + (size_t)n > max)
			return 1;
		strbuf_add(buf, chunk, (size_t)n);
	}
}

static int one_entry(struct archive *a, struct archive_entry *e, const char *name, size_t max,
		     const struct source_ops *ops, void *ctx, struct source_stats *st,
		     struct strbuf *buf)
{
	const char *raw = archive_entry_pathname(e);
	const char *why, *special = special_reason(e);
	char *path = NULL;
	char pbuf[512];
	int ret = 0;

	if (!raw)
		raw = "";
	if (special && !*special)
		return 0; /* directories carry nothing */
	if (source_clean_path(raw, &path, &why) < 0) {
		log_msg(LOG_WARNING, "ingest", "skipping '%s' in the archive: %s",
			source_printable(raw, pbuf, sizeof(pbuf)), why);
		st->unsafe++;
		return 0;
	}
	if (special) {
		log_msg(LOG_WARNING, "ingest", "skipping '%s' in the archive: %s",
			source_printable(path, pbuf, sizeof(pbuf)), special);
		st->special++;
		free(path);
		return 0;
	}
	st->entries++;
	if (!ops->want(ctx, path)) {
		free(path);
		return 0;
	}
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > (la_int64_t)max) {
		ret = 1;
	} else {
		ret = read_entry(a, name, max, buf);
	}
	if (ret == 1) {
		log_msg(LOG_WARNING, "ingest", "skipping '%s': more than max_file_size bytes",
			source_printable(path, pbuf, sizeof(pbuf)));
		st->too_large++;
		ret = 0;
	} else if (ret == 0) {
		struct source_file f = { path, buf->buf, buf->len };
		ret = ops->take(ctx, &f);
	}
	free(path);
	return ret;
}

int source_read_archive(struct archive *a, const char *name, size_t max_file_size,
			const struct source_ops *ops, void *ctx, struct source_stats *st)
{
	struct archive_entry *e;
	struct strbuf buf = STRBUF_INIT;
	int ret = 0;

	for (;;) {
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r == ARCHIVE_WARN) {
			log_msg(LOG_WARNING, "ingest", "archive '%s': %s", name, archive_error_string(a));
		} else if (r != ARCHIVE_OK) {
			ret = error("cannot read archive '%s': %s", name, archive_error_string(a));
			break;
		}
		if ((ret = one_entry(a, e, name, max_file_size, ops, ctx, st, &buf)) < 0)
			break;
	}
	strbuf_release(&buf);
	return ret < 0 ? -1 : 0;
}
