#include "core/gitignore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cache.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* "/name" as a .gitignore line matching exactly that name in its directory:
 * the leading '/' anchors it (and keeps '#' and '!' from being special);
 * glob characters and trailing spaces are escaped with '\'. */
static void ignore_line(struct strbuf *line, const char *name)
{
	size_t n = strlen(name), trail = n;

	while (trail > 0 && name[trail - 1] == ' ')
		trail--;
	strbuf_addch(line, '/');
	for (size_t i = 0; i < n; i++) {
		if (strchr("*?[\\", name[i]) || i >= trail)
			strbuf_addch(line, '\\');
		strbuf_addch(line, name[i]);
	}
}

static int has_line(const struct strbuf *sb, const struct strbuf *line)
{
	for (const char *l = sb->buf; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (n && l[n - 1] == '\r')
			n--; /* a file edited on Windows */
		if (n == line->len && !memcmp(l, line->buf, n))
			return 1;
		l = nl ? nl + 1 : NULL;
	}
	return 0;
}

/*
 * Puts line (with its newline) before the first anchored line ("/...")
 * that sorts after it, else at the end. Stages finish in any order, and
 * their outs' lines must come out the same whatever it was: inserting each
 * this way gives one result for any order of arrival (the new lines in
 * sorted order among themselves, each before the same existing line).
 */
static void insert_line(struct strbuf *sb, const struct strbuf *line)
{
	size_t at = sb->len;

	for (size_t l = 0; l < sb->len;) {
		const char *nl = memchr(sb->buf + l, '\n', sb->len - l);
		size_t n = nl ? (size_t)(nl - (sb->buf + l)) : sb->len - l;
		if (n && sb->buf[l] == '/') {
			size_t k = n < line->len ? n : line->len;
			int c = memcmp(sb->buf + l, line->buf, k);
			if (c > 0 || (c == 0 && n > line->len)) {
				at = l;
				break;
			}
		}
		l += n + 1;
	}
	struct strbuf out = STRBUF_INIT;
	strbuf_add(&out, sb->buf, at);
	strbuf_addbuf(&out, line);
	strbuf_addch(&out, '\n');
	strbuf_add(&out, sb->buf + at, sb->len - at);
	strbuf_release(sb);
	*sb = out;
}

int gitignore_add(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	char *gi = path_join_dup(dir, ".gitignore");
	struct strbuf sb = STRBUF_INIT, line = STRBUF_INIT;
	int ret = 0;

	ignore_line(&line, slash ? slash + 1 : path);
	/* the directory must not lead out of the project through a symlink:
	 * the .gitignore is written there by path, after this check */
	const char *base;
	int dfd = project_open_parent(gi, &base);
	if (dfd < 0) {
		ret = -1;
		goto done;
	}
	close(dfd);
	if (strbuf_read_file(&sb, gi, 16u << 20) < 0 && errno != ENOENT) {
		ret = error("cannot read '%s':", gi);
		goto done;
	}
	if (has_line(&sb, &line))
		goto done;
	if (sb.len && sb.buf[sb.len - 1] != '\n')
		strbuf_addch(&sb, '\n');
	insert_line(&sb, &line);
	ret = write_file_atomic(gi, sb.buf, sb.len, 0644);
done:
	strbuf_release(&sb);
	strbuf_release(&line);
	free(dir);
	free(gi);
	return ret;
}
