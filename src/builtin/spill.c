#include "builtin/spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"

int spill_open(struct spill *s, const char *dir)
{
	s->end = 0;
	s->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (s->fd >= 0)
		return 0;
	/* filesystems without O_TMPFILE: a named file, unlinked at once */
	char *tmpl = path_join_dup(dir, ".repro-spill.XXXXXX");
	s->fd = mkostemp(tmpl, O_CLOEXEC);
	if (s->fd >= 0)
		unlink(tmpl);
	free(tmpl);
	if (s->fd < 0)
		return error("cannot create a scratch file in '%s':", dir);
	return 0;
}

int spill_append(struct spill *s, const void *data, size_t len, off_t *off)
{
	*off = s->end;
	if (write_all(s->fd, data, len) < 0)
		return error("cannot write the scratch file:");
	s->end += (off_t)len;
	return 0;
}

int spill_read(struct spill *s, off_t off, size_t len, struct strbuf *out)
{
	strbuf_reset(out);
	strbuf_grow(out, len);
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(s->fd, out->buf + got, len - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error("cannot read the scratch file:");
		got += (size_t)n;
	}
	strbuf_setlen(out, len);
	return 0;
}

void spill_close(struct spill *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
