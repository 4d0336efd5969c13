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
	strbuf_addf(&sb, "%s\n", line.buf);
	ret = write_file_atomic(gi, sb.buf, sb.len, 0644);
done:
	strbuf_release(&sb);
	strbuf_release(&line);
	free(dir);
	free(gi);
	return ret;
}
