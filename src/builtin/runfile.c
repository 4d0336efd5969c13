#include "builtin/runfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "util/xalloc.h"

int runfile_open(struct runfile *f, const char *dir, size_t bufsize)
{
	strbuf_init(&f->wbuf, 0);
	f->wmax = bufsize;
	return spill_open(&f->spill, dir);
}

int runfile_flush(struct runfile *f)
{
	off_t off;

	if (!f->wbuf.len)
		return 0;
	int r = spill_append(&f->spill, f->wbuf.buf, f->wbuf.len, &off);
	strbuf_reset(&f->wbuf);
	return r;
}

int runfile_append(struct runfile *f, const void *rec, size_t len)
{
	uint32_t n = (uint32_t)len;

	if (len > RUNFILE_MAX_RECORD)
		return error("cannot sort a record of %zu bytes: more than 4 GiB", len);
	strbuf_add(&f->wbuf, &n, sizeof(n));
	strbuf_add(&f->wbuf, rec, len);
	return f->wbuf.len >= f->wmax ? runfile_flush(f) : 0;
}

off_t runfile_end(const struct runfile *f)
{
	return f->spill.end + (off_t)f->wbuf.len;
}

void runfile_discard(struct runfile *f, off_t start, off_t end)
{
	/* Only disk space is at stake: filesystems without hole punching keep the blocks. */
	if (end > start)
		(void)fallocate(f->spill.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, start, end - start);
}

void runfile_close(struct runfile *f)
{
	strbuf_release(&f->wbuf);
	spill_close(&f->spill);
}

void runfile_reader_init(struct runfile_reader *r, const struct runfile *f, off_t start, off_t end,
			 size_t bufsize)
{
	r->f = f;
	r->pos = start;
	r->end = end;
	r->cap = bufsize;
	r->buf = xmalloc(bufsize);
	r->start = r->len = 0;
}

/* Makes at least `need` unread bytes available in buf. 1, 0 (the segment ended first), -1. */
static int fill(struct runfile_reader *r, size_t need)
{
	if (r->len - r->start >= need)
		return 1;
	memmove(r->buf, r->buf + r->start, r->len - r->start);
	r->len -= r->start;
	r->start = 0;
	if (r->cap < need) {
		r->cap = need;
		r->buf = xrealloc(r->buf, r->cap);
	}
	while (r->len < need && r->pos < r->end) {
		size_t want = r->cap - r->len;
		if ((off_t)want > r->end - r->pos)
			want = (size_t)(r->end - r->pos);
		ssize_t n = pread(r->f->spill.fd, r->buf + r->len, want, r->pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error("cannot read the scratch file:");
		if (n == 0)
			return error("cannot read the scratch file: it is shorter than written");
		r->len += (size_t)n;
		r->pos += n;
	}
	return r->len >= need;
}

int runfile_reader_next(struct runfile_reader *r, const void **rec, size_t *len)
{
	uint32_t n;
	int got = fill(r, sizeof(n));

	if (got <= 0) {
		if (got == 0 && r->len > r->start)
			return error("cannot read the scratch file: a record is cut short");
		return got;
	}
	memcpy(&n, r->buf + r->start, sizeof(n));
	if ((got = fill(r, sizeof(n) + n)) <= 0)
		return got ? -1 : error("cannot read the scratch file: a record is cut short");
	*rec = r->buf + r->start + sizeof(n);
	*len = n;
	r->start += sizeof(n) + n;
	return 1;
}

void runfile_reader_release(struct runfile_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}
