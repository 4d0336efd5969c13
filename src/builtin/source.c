#include "builtin/source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>

#include "builtin/extsort.h"
#include "builtin/httpstream.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

enum source_kind source_kind_of(const char *src)
{
	if (!strncmp(src, "http://", 7) || !strncmp(src, "https://", 8))
		return SOURCE_URL;
	return is_dir(src) ? SOURCE_DIR : SOURCE_ARCHIVE;
}

const char *source_printable(const char *path, char *buf, size_t size)
{
	size_t i = 0;

	for (; path[i] && i + 1 < size; i++)
		buf[i] = (unsigned char)path[i] < 0x20 || path[i] == 0x7f ? '?' : path[i];
	buf[i] = '\0';
	return buf;
}

int source_clean_path(const char *in, char **out, const char **why)
{
	struct strbuf sb = STRBUF_INIT;

	*out = NULL;
	if (*in == '/') {
		*why = "absolute path";
		return -1;
	}
	for (const char *c = in; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			*why = "control character in the path";
			return -1;
		}
	for (const char *p = in; *p;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			*why = "'..' in the path";
			strbuf_release(&sb);
			return -1;
		}
		if (n && !(n == 1 && p[0] == '.')) {
			if (sb.len)
				strbuf_addch(&sb, '/');
			strbuf_add(&sb, p, n);
		}
		p += n + (e != NULL);
	}
	if (!sb.len) {
		*why = "empty path";
		return -1;
	}
	*out = strbuf_detach(&sb, NULL);
	return 0;
}

/* The directory walk's state. */
struct walk {
	const char *root;               /* the source directory */
	size_t max;                     /* max_file_size */
	const struct source_ops *ops;   /* callbacks */
	void *ctx;                      /* their context */
	struct source_stats *st;        /* counters */
	struct strbuf content;          /* the file being handed over */
	const struct source_limits *lim; /* memory for names, and where they outgrow it */
};

/* Names are NUL-terminated records: bytewise order. */
static int by_name(const void *a, size_t alen, const void *b, size_t blen, void *arg)
{
	(void)alen;
	(void)blen;
	(void)arg;
	return strcmp(a, b);
}

/*
 * Sorts dir's entries by name (bytewise), without "." and "..", into names
 * (initialised here, released by the caller): an external sort, so a
 * directory of any size is listed in lim->names_mem bytes. 0 or -1 (reported).
 */
static int list_dir(const char *dir, const struct source_limits *lim, struct extsort *names)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int ret = 0;

	extsort_init(names, lim->names_mem, lim->tmpdir, by_name, NULL);
	if (!d)
		return error("cannot open directory '%s':", dir);
	errno = 0;
	while (!ret && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ret = extsort_add(names, de->d_name, strlen(de->d_name) + 1);
		errno = 0;
	}
	int err = errno;
	closedir(d);
	if (!ret && err) {
		errno = err;
		return error("cannot read directory '%s':", dir);
	}
	return ret < 0 ? -1 : extsort_finish(names);
}

static int read_file(struct walk *w, const char *full, const char *rel, const struct stat *st)
{
	char pbuf[512];

	if ((size_t)st->st_size > w->max) {
		log_msg(LOG_WARNING, "ingest", "skipping '%s': %lld bytes, more than max_file_size",
			source_printable(rel, pbuf, sizeof(pbuf)), (long long)st->st_size);
		w->st->too_large++;
		return 0;
	}
	strbuf_reset(&w->content);
	if (strbuf_read_file(&w->content, full, w->max) < 0) {
		if (errno == EFBIG) { /* grew since the stat */
			w->st->too_large++;
			return 0;
		}
		return error("cannot read '%s':", full);
	}
	struct source_file f = { rel, w->content.buf, w->content.len };
	return w->ops->take(w->ctx, &f);
}

static int walk_dir(struct walk *w, const char *rel)
{
	char *full = *rel ? path_join_dup(w->root, rel) : xstrdup(w->root);
	struct extsort names;
	const void *name;
	size_t len;
	int ret = list_dir(full, w->lim, &names);

	while (!ret && (ret = extsort_next(&names, &name, &len)) > 0) {
		char *crel = *rel ? path_join_dup(rel, name) : xstrdup(name);
		char *cfull = path_join_dup(full, name);
		struct stat st;
		char pbuf[512];

		ret = 0;
		if (lstat(cfull, &st) < 0) {
			ret = error("cannot stat '%s':", cfull);
		} else if (S_ISDIR(st.st_mode)) {
			if (strcmp(name, ".git"))
				ret = walk_dir(w, crel);
		} else if (!S_ISREG(st.st_mode)) {
			log_msg(LOG_WARNING, "ingest", "skipping '%s': not a regular file",
				source_printable(crel, pbuf, sizeof(pbuf)));
			w->st->special++;
		} else {
			w->st->entries++;
			if (w->ops->want(w->ctx, crel))
				ret = read_file(w, cfull, crel, &st);
		}
		free(crel);
		free(cfull);
	}
	extsort_release(&names);
	free(full);
	return ret < 0 ? -1 : 0;
}

static int read_archive_file(const char *src, size_t max, const struct source_ops *ops, void *ctx,
			     struct source_stats *st)
{
	struct archive *a = archive_read_new();
	int ret;

	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	if (archive_read_open_filename(a, src, 64 * 1024) != ARCHIVE_OK) {
		ret = error("cannot read archive '%s': %s", src, archive_error_string(a));
		archive_read_free(a);
		return ret;
	}
	ret = source_read_archive(a, src, max, ops, ctx, st);
	archive_read_free(a);
	return ret;
}

int source_read(const char *src, const struct source_limits *lim, const struct source_ops *ops,
		void *ctx, struct source_stats *st)
{
	memset(st, 0, sizeof(*st));
	switch (source_kind_of(src)) {
	case SOURCE_URL:
		return httpstream_read_archive(src, lim->max_file_size, ops, ctx, st);
	case SOURCE_DIR: {
		struct walk w = { src, lim->max_file_size, ops, ctx, st, STRBUF_INIT, lim };
		int ret = walk_dir(&w, "");
		strbuf_release(&w.content);
		return ret;
	}
	default:
		if (!path_exists(src)) {
			error("cannot read source '%s': No such file or directory", src);
			return 1;
		}
		return read_archive_file(src, lim->max_file_size, ops, ctx, st);
	}
}
