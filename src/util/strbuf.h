/*
 * strbuf: a growable, NUL-terminated byte buffer (after git's strbuf).
 *
 * Invariants: `buf` is never NULL and `buf[len]` is always '\0', so a strbuf
 * can be handed to any function taking a C string. A strbuf that has never
 * grown points at a shared empty string and owns no memory; strbuf_release()
 * returns any strbuf to that state. Allocation failure aborts the program
 * (there is no sane recovery from it in a CLI tool).
 */
#ifndef REPRO_STRBUF_H
#define REPRO_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	size_t alloc; /* bytes allocated for buf; 0 while buf is the shared empty string */
	size_t len;   /* bytes in use, not counting the terminating NUL */
	char *buf;    /* the bytes; never NULL, always NUL-terminated */
};

extern char strbuf_empty[];
#define STRBUF_INIT { 0, 0, strbuf_empty }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Hands the buffer to the caller (who frees it) and resets sb. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
static inline void strbuf_reset(struct strbuf *sb) { strbuf_setlen(sb, 0); }

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_addbuf(struct strbuf *sb, const struct strbuf *other);
/* Appends `n` copies of c. */
void strbuf_addchars(struct strbuf *sb, int c, size_t n);
/* Removes trailing whitespace. */
void strbuf_rtrim(struct strbuf *sb);

/*
 * Appends the whole file at `path`. Fails (-1, errno set, sb unchanged past
 * its old length) if the file cannot be read or is larger than `cap` bytes
 * (errno EFBIG): hostile input must not exhaust memory.
 */
int strbuf_read_file(struct strbuf *sb, const char *path, size_t cap);
/* Same for an open descriptor, read to EOF. */
int strbuf_read_fd(struct strbuf *sb, int fd, size_t cap);

#endif
