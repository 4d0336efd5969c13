#include "core/addfile.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"
#include "util/yemit.h"
#include "util/ytree.h"

#define ADDFILE_EXT ".repro"

char *addfile_name(const char *path)
{
	return xasprintf("%s" ADDFILE_EXT, path);
}

void addfile_release(struct addfile *a)
{
	free(a->file);
	free(a->path);
	free(a->entry.path);
	free(a->entry.etag);
	memset(a, 0, sizeof(*a));
}

int addfile_read(struct addfile *a, const char *file)
{
	struct ynode *root;
	int ret = -1;

	memset(a, 0, sizeof(*a));
	if (ytree_load(file, &root) < 0)
		return -1;
	const struct ynode *outs = ytree_get(root, "outs");
	if (!outs || outs->type != YNODE_SEQ || outs->n != 1) {
		error_at(file, root->line, root->col, "a .repro file must hold 'outs:' with exactly one entry");
		goto done;
	}
	if (lock_parse_entry(&a->entry, outs->items[0], file) < 0)
		goto done;
	const char *p = a->entry.path;
	if (strchr(p, '/') || !strcmp(p, ".") || !strcmp(p, "..") || !*p) {
		error_at(file, outs->items[0]->line, outs->items[0]->col,
			 "the path '%s' must name a file or directory beside the .repro file", p);
		goto done;
	}
	a->file = xstrdup(file);
	const char *slash = strrchr(file, '/');
	a->path = slash ? xasprintf("%.*s/%s", (int)(slash - file), file, p) : xstrdup(p);
	ret = 0;
done:
	if (ret < 0)
		addfile_release(a);
	ytree_free(root);
	return ret;
}

int addfile_write(const struct addfile *a)
{
	struct strbuf sb = STRBUF_INIT;
	struct yemit y;

	yemit_begin(&y, &sb);
	yemit_map_start(&y);
	yemit_str(&y, "outs");
	yemit_seq_start(&y);
	lock_emit_entry(&y, &a->entry);
	yemit_seq_end(&y);
	yemit_map_end(&y);
	int r = yemit_end(&y);
	if (r == 0)
		r = write_file_atomic(a->file, sb.buf, sb.len, 0644);
	else
		error("cannot serialise '%s'", a->file);
	strbuf_release(&sb);
	return r;
}

struct finder {
	struct addfile *list; /* found so far */
	size_t n, alloc;
	int failed;           /* a .repro file could not be read */
};

static void scan(struct finder *f, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		if (!strcmp(nm, ".") || !strcmp(nm, "..") || !strcmp(nm, ".git") || !strcmp(nm, ".repro"))
			continue;
		char *path = strcmp(dir, ".") ? path_join_dup(dir, nm) : xstrdup(nm);
		size_t len = strlen(nm);
		struct stat st;
		/* lstat: a symlinked directory is not searched (it may lead out) */
		int isdir = de->d_type == DT_DIR ||
			    (de->d_type == DT_UNKNOWN && lstat(path, &st) == 0 && S_ISDIR(st.st_mode));
		if (!isdir && len > strlen(ADDFILE_EXT) && !strcmp(nm + len - strlen(ADDFILE_EXT), ADDFILE_EXT)) {
			ARRAY_GROW(f->list, f->alloc, f->n + 1);
			if (addfile_read(&f->list[f->n], path) == 0)
				f->n++;
			else
				f->failed = 1;
		} else if (isdir) {
			/* a tracked directory holds data, not .repro files */
			char *marker = addfile_name(path);
			if (!path_exists(marker))
				scan(f, path);
			free(marker);
		}
		free(path);
	}
	closedir(d);
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct addfile *)a)->file, ((const struct addfile *)b)->file);
}

int addfile_find_all(struct addfile **list, size_t *n)
{
	struct finder f = { 0 };

	scan(&f, ".");
	if (f.n)
		qsort(f.list, f.n, sizeof(*f.list), cmp_file);
	*list = f.list;
	*n = f.n;
	return f.failed ? -1 : 0;
}

void addfile_free_all(struct addfile *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		addfile_release(&list[i]);
	free(list);
}
