/*
 * libarchive, loaded on first use (see lazylib.h): only `repro builtin
 * ingest` reads archives. Every libarchive function repro calls is listed.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>

#include "util/lazylib.h"

#ifndef ARCHIVE_SONAME
#define ARCHIVE_SONAME "libarchive.so.13"
#endif

static struct lazylib archive_lib = { ARCHIVE_SONAME, NULL };

LAZY_FORWARD(archive_lib, const char *, archive_version_string, (void), ())
LAZY_FORWARD(archive_lib, struct archive *, archive_read_new, (void), ())
LAZY_FORWARD(archive_lib, int, archive_read_free, (struct archive *a), (a))
LAZY_FORWARD(archive_lib, int, archive_read_support_filter_all, (struct archive *a), (a))
LAZY_FORWARD(archive_lib, int, archive_read_support_format_all, (struct archive *a), (a))
LAZY_FORWARD(archive_lib, int, archive_read_open_filename, (struct archive *a, const char *f, size_t block),
	     (a, f, block))
LAZY_FORWARD(archive_lib, int, archive_read_open,
	     (struct archive *a, void *data, archive_open_callback *o, archive_read_callback *r,
	      archive_close_callback *c),
	     (a, data, o, r, c))
LAZY_FORWARD(archive_lib, int, archive_read_next_header, (struct archive *a, struct archive_entry **e), (a, e))
LAZY_FORWARD(archive_lib, la_ssize_t, archive_read_data, (struct archive *a, void *buf, size_t n), (a, buf, n))
LAZY_FORWARD(archive_lib, const char *, archive_error_string, (struct archive *a), (a))
LAZY_FORWARD(archive_lib, la_int64_t, archive_entry_size, (struct archive_entry *e), (e))
LAZY_FORWARD(archive_lib, int, archive_entry_size_is_set, (struct archive_entry *e), (e))
LAZY_FORWARD(archive_lib, const char *, archive_entry_pathname, (struct archive_entry *e), (e))
LAZY_FORWARD(archive_lib, const char *, archive_entry_hardlink, (struct archive_entry *e), (e))
LAZY_FORWARD(archive_lib, __LA_MODE_T, archive_entry_filetype, (struct archive_entry *e), (e))

/* archive_set_error is printf-like; format here and pass the text through. */
void archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
	static void (*fn)(struct archive *, int, const char *, ...);
	void (*f)(struct archive *, int, const char *, ...) = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);
	char msg[1024];
	va_list ap;

	if (!f) {
		f = (void (*)(struct archive *, int, const char *, ...))lazylib_sym(&archive_lib, "archive_set_error");
		__atomic_store_n(&fn, f, __ATOMIC_RELEASE);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f(a, err, "%s", msg);
}
