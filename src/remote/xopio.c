/*
 * The files behind transfers (see remotepriv.h): a download's destination,
 * hashed as it is written and handed to the kernel's writeback as it grows;
 * an upload's source, hashed as it is read and checked before its last byte
 * leaves; and the keys a listing found. Used by the transfer engine and by
 * the directory kind, possibly on worker threads: nothing here reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cachepriv.h"
#include "remote/remotepriv.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Writeback of a download is started every this many bytes, so the disk
 * writes while the network is still sending and the final sync of the
 * batch has little left to wait for. */
#define WRITEBACK_EVERY ((uint64_t)8 << 20)
/*
 * Whole aligned blocks of a large download bypass the page cache (O_DIRECT):
 * the data has to reach the disk before the object may enter the cache
 * anyway, and on the machine this was measured on, writing 1 GB into fresh
 * page cache cost 1.5-3.5 s of CPU (pages new to the guest are expensive)
 * against 0.35 s with O_DIRECT. The rest (small objects, a tail, an
 * unaligned resume) goes through the cache; so does everything on a
 * filesystem without O_DIRECT.
 */
#define DIRECT_ALIGN 4096
#define DIRECT_MIN ((size_t)256 << 10)

void xop_reason(struct xop *x, const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(&x->reason);
	va_start(ap, fmt);
	strbuf_vaddf(&x->reason, fmt, ap);
	va_end(ap);
}

/* The twin (rop.twin) is written only by a download that starts from its
 * first byte: a resumed one has no copy of the part it did not receive. */
static void twin_drop(struct xop *x)
{
	if (x->twin_fd >= 0)
		close(x->twin_fd);
	x->twin_fd = -1;
	if (x->op->twin)
		unlink(x->op->twin);
	x->op->twin_ok = 0;
}

static void twin_start(struct xop *x)
{
	twin_drop(x);
	if (x->op->twin)
		x->twin_fd = open(x->op->twin, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	x->twin_direct = x->twin_no_direct = 0;
}

static void sink_reset(struct xop *x)
{
	if (x->hashing)
		hash_stream_abort(&x->hs);
	hash_stream_init(&x->hs);
	x->hashing = 1;
	x->got = 0;
	x->flushed = 0;
}

/* Hashes the partial file already at fd (x->got bytes). */
static int sink_rehash(struct xop *x)
{
	char *buf = xmalloc(HASH_BLOCK);
	ssize_t k;

	sink_reset(x);
	while ((k = read_full(x->fd, buf, HASH_BLOCK)) > 0) {
		hash_stream_update(&x->hs, buf, (size_t)k);
		x->got += (uint64_t)k;
		x->flushed = x->got;
		if ((size_t)k < HASH_BLOCK)
			break;
	}
	free(buf);
	return k < 0 ? -1 : 0;
}

int xop_sink_open(struct remote *r, struct xop *x, int resume)
{
	const char *path = x->op->local;
	struct stat st;

	(void)r;
	/* one open whether or not a partial download is there */
	x->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (x->fd < 0 && errno == ENOENT && mkdir_parent(path) == 0)
		x->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (x->fd < 0 || fstat(x->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		xop_reason(x, "cannot create '%s': %s", path, strerror(errno));
		if (x->fd >= 0)
			close(x->fd);
		x->fd = -1;
		return -1;
	}
	x->direct = 0;
	if (st.st_size > 0 && resume && !x->no_resume && (!x->op->size || (uint64_t)st.st_size <= x->op->size) &&
	    sink_rehash(x) == 0) {
		twin_drop(x);
		return 0;
	}
	if (st.st_size > 0 && (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0)) {
		xop_reason(x, "cannot truncate '%s': %s", path, strerror(errno));
		close(x->fd);
		x->fd = -1;
		return -1;
	}
	x->no_resume = 0;
	x->direct = 0;
	sink_reset(x);
	twin_start(x);
	return 0;
}

/* Switches fd in or out of O_DIRECT; -1 when it cannot. */
static int set_direct(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_DIRECT : fl & ~O_DIRECT) < 0 ? -1 : 0;
}

/*
 * Appends data to fd, which ends at off: with O_DIRECT when it is whole
 * aligned blocks and *no_direct is not set (*direct: the mode fd is in).
 * 0, or -1 with errno set.
 */
static int append(int fd, int *direct, int *no_direct, const void *data, size_t len, uint64_t off)
{
	int want = !*no_direct && len >= DIRECT_MIN && len % DIRECT_ALIGN == 0 && off % DIRECT_ALIGN == 0 &&
		   (uintptr_t)data % DIRECT_ALIGN == 0;

	if (want != *direct) {
		if (set_direct(fd, want) == 0)
			*direct = want;
		else if (want)
			*no_direct = 1, want = 0;
		else
			return -1;
	}
	if (write_all(fd, data, len) == 0)
		return 0;
	if (!want || errno != EINVAL)
		return -1;
	/* the filesystem takes O_DIRECT opens but not these writes */
	*no_direct = 1;
	if (set_direct(fd, 0) < 0 || lseek(fd, (off_t)off, SEEK_SET) < 0)
		return -1;
	*direct = 0;
	return write_all(fd, data, len);
}

int xop_sink_write(struct xop *x, const void *data, size_t len)
{
	if (append(x->fd, &x->direct, &x->no_direct, data, len, x->got) < 0) {
		xop_reason(x, "cannot write '%s': %s", x->op->local, strerror(errno));
		return -1;
	}
	hash_stream_update(&x->hs, data, len);
	/*
	 * The twin is written as the object is: through the page cache it
	 * cost a pull of 1 GB 1.3 to 4.7 s (0.8 to 5.4 s of system time, as
	 * fresh pages were cheap or not), with O_DIRECT a steady 1.5 s. The
	 * disk takes the same bytes either way, now rather than at writeback.
	 */
	if (x->twin_fd >= 0 && append(x->twin_fd, &x->twin_direct, &x->twin_no_direct, data, len, x->got) < 0)
		twin_drop(x); /* only a shortcut for the checkout: no error */
	x->got += len;
	if (x->direct)
		x->flushed = x->got; /* nothing of it waits in the page cache */
	if (x->got - x->flushed >= WRITEBACK_EVERY) {
		sync_file_range(x->fd, (off_t)x->flushed, (off_t)(x->got - x->flushed), SYNC_FILE_RANGE_WRITE);
		x->flushed = x->got;
	}
	return 0;
}

/* Starts the destination over (a server that ignored our Range). */
int xop_sink_restart(struct xop *x)
{
	if (ftruncate(x->fd, 0) < 0 || lseek(x->fd, 0, SEEK_SET) < 0) {
		xop_reason(x, "cannot truncate '%s': %s", x->op->local, strerror(errno));
		return -1;
	}
	sink_reset(x);
	twin_start(x);
	return 0;
}

/* Closes the destination without judging it; an empty one is removed. */
void xop_sink_close(struct xop *x)
{
	if (x->fd < 0)
		return;
	close(x->fd);
	x->fd = -1;
	if (x->hashing)
		hash_stream_abort(&x->hs);
	x->hashing = 0;
	if (!x->got)
		unlink(x->op->local);
	twin_drop(x);
}

enum xresult xop_sink_finish(struct remote *r, struct xop *x)
{
	char hex[HASH_HEX_LEN + 1];
	struct rop *op = x->op;

	(void)r;
	/* the tail of a large file to the disk now; small ones are left to the
	 * batch's syncfs, which writes them all in one pass */
	if (x->got > x->flushed && x->got >= WRITEBACK_EVERY)
		sync_file_range(x->fd, (off_t)x->flushed, 0, SYNC_FILE_RANGE_WRITE);
	if (close(x->fd) < 0) {
		x->fd = -1;
		xop_reason(x, "cannot write '%s': %s", op->local, strerror(errno));
		hash_stream_abort(&x->hs);
		x->hashing = 0;
		twin_drop(x);
		return XR_FAIL;
	}
	x->fd = -1;
	hash_stream_final(&x->hs, hex);
	x->hashing = 0;
	if ((op->sha256[0] && strcmp(hex, op->sha256)) || (op->size && x->got != op->size)) {
		if (op->sha256[0] && strcmp(hex, op->sha256))
			xop_reason(x, "the content received hashes to %.12s..., not to its name (%" PRIu64
				   " bytes); not kept", hex, x->got);
		else
			xop_reason(x, "received %" PRIu64 " bytes, expected %" PRIu64 "; not kept", x->got,
				   op->size);
		unlink(op->local);
		x->no_resume = 1;
		twin_drop(x);
		return XR_RETRY;
	}
	if (x->twin_fd >= 0) {
		int bad = close(x->twin_fd) < 0;
		x->twin_fd = -1;
		if (bad)
			twin_drop(x);
		else
			op->twin_ok = 1;
	}
	return XR_OK;
}

int xop_source_open(struct xop *x)
{
	struct stat st;

	if (x->src < 0) {
		x->src = open(x->op->local, O_RDONLY | O_CLOEXEC);
		if (x->src < 0 || fstat(x->src, &st) < 0) {
			xop_reason(x, "cannot read '%s': %s", x->op->local, strerror(errno));
			if (x->src >= 0)
				close(x->src);
			x->src = -1;
			return -1;
		}
		x->op->size = (uint64_t)st.st_size;
	} else if (lseek(x->src, 0, SEEK_SET) < 0) {
		xop_reason(x, "cannot read '%s': %s", x->op->local, strerror(errno));
		return -1;
	}
	if (x->shashing)
		hash_stream_abort(&x->shs);
	hash_stream_init(&x->shs);
	x->shashing = 1;
	x->sent = 0;
	return 0;
}

ssize_t xop_source_read(struct xop *x, void *buf, size_t len)
{
	struct rop *op = x->op;
	uint64_t left = op->size - x->sent;
	ssize_t k;

	if (!left)
		return 0;
	if (len > left)
		len = (size_t)left;
	k = read(x->src, buf, len);
	if (k < 0 && errno == EINTR)
		k = read(x->src, buf, len);
	if (k <= 0) {
		xop_reason(x, k < 0 ? "cannot read '%s': %s" : "'%s' shrank while being sent%s", op->local,
			   k < 0 ? strerror(errno) : "");
		x->src_bad = k == 0;
		return -1;
	}
	hash_stream_update(&x->shs, buf, (size_t)k);
	x->sent += (uint64_t)k;
	if (x->sent == op->size) {
		char hex[HASH_HEX_LEN + 1];
		hash_stream_final(&x->shs, hex);
		x->shashing = 0;
		/* Checked before the last bytes leave: a corrupt object in our
		 * cache never reaches the remote complete. */
		if (op->sha256[0] && strcmp(hex, op->sha256)) {
			xop_reason(x, "the local copy '%s' is corrupt (it hashes to %.12s...): not uploaded; "
				   "delete it and rebuild or fetch it again", op->local, hex);
			x->src_bad = 1;
			return -1;
		}
	}
	return k;
}

void xop_source_close(struct xop *x)
{
	if (x->src >= 0)
		close(x->src);
	x->src = -1;
	if (x->shashing)
		hash_stream_abort(&x->shs);
	x->shashing = 0;
}

void xop_add_entry(struct xop *x, const char *key, size_t len, int64_t mtime, uint64_t size)
{
	ARRAY_GROW(x->ents, x->aents, x->nents + 1);
	x->ents[x->nents].key = xstrndup(key, len);
	x->ents[x->nents].mtime = mtime;
	x->ents[x->nents].size = size;
	x->nents++;
}

void xop_free_entries(struct xop *x)
{
	for (size_t i = 0; i < x->nents; i++)
		free((char *)x->ents[i].key);
	free(x->ents);
	x->ents = NULL;
	x->nents = x->aents = 0;
}
