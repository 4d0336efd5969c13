/* Capturing what code under test writes to stderr, to compare messages. */
#ifndef REPRO_TEST_CAPTURE_H
#define REPRO_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/strbuf.h"

struct capture {
	int saved;      /* the real stderr, restored by capture_end */
	int fd;         /* the temporary file stderr goes to meanwhile */
	char path[64];  /* its name */
};

static inline void capture_begin(struct capture *c)
{
	snprintf(c->path, sizeof(c->path), "/tmp/repro-t-err-XXXXXX");
	c->fd = mkstemp(c->path);
	fflush(stderr);
	c->saved = dup(2);
	dup2(c->fd, 2);
}

/* Restores stderr and puts what was written, without trailing newlines, in err. */
static inline void capture_end(struct capture *c, struct strbuf *err)
{
	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	close(c->fd);
	strbuf_reset(err);
	strbuf_read_file(err, c->path, 1 << 20);
	strbuf_rtrim(err);
	unlink(c->path);
}

#endif
