/* An in-memory file_source for unit tests: a NULL-terminated list of
 * {path, content} pairs. */
#ifndef REPRO_TEST_MEMSRC_H
#define REPRO_TEST_MEMSRC_H

#include <string.h>

#include "core/stage.h"

struct memfile {
	const char *path;
	const char *content;
};

static int mem_read(void *ctx, const char *path, struct strbuf *out)
{
	for (const struct memfile *f = ctx; f->path; f++)
		if (!strcmp(f->path, path)) {
			strbuf_addstr(out, f->content);
			return 0;
		}
	return 1;
}

#define MEMSRC(files) ((struct file_source){ mem_read, (void *)(files) })

#endif
