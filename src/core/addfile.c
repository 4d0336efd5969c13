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

int addfile_has_ext(const char *path)
{
	const char *slash = strrchr(path, '/'), *nm = slash ? slash + 1 : path;
	size_t len = strlen(nm), ext = strlen(ADDFILE_EXT);

	return len > ext && !strcmp(nm + len - ext, ADDFILE_EXT);
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
		struct stat st;
		/* lstat: a symlinked directory is not searched (it may lead out) */
		int isdir = de->d_type == DT_DIR ||
			    (de->d_type == DT_UNKNOWN && lstat(path, &st) == 0 && S_ISDIR(st.st_mode));
		if (!isdir && addfile_has_ext(nm)) {
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

/* The first .repro file below dir (not following symlinks) into *found; 1 when there is one. */
static int find_below(const char *dir, struct strbuf *found)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return 0;
	while (!r && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *path = path_join_dup(dir, de->d_name);
		struct stat st;
		int isdir = de->d_type == DT_DIR ||
			    (de->d_type == DT_UNKNOWN && !lstat(path, &st) && S_ISDIR(st.st_mode));
		if (!isdir && addfile_has_ext(de->d_name)) {
			strbuf_addstr(found, path);
			r = 1;
		} else if (isdir) {
			r = find_below(path, found);
		}
		free(path);
	}
	closedir(d);
	return r;
}

/* Checks one out; see addfile_check_outs. */
static int check_out(const struct pipeline *p, const struct stage *s, const struct stage_out *o)
{
	struct strbuf up = STRBUF_INIT, below = STRBUF_INIT;
	int ret = 0;

	if (addfile_has_ext(o->path))
		return error_at(p->file, o->line, o->col,
				"out '%s' of stage '%s' ends in '" ADDFILE_EXT "', which names the files "
				"'repro add' writes; rename it", o->path, s->name);
	/* o->path itself, then each directory above it */
	strbuf_addstr(&up, o->path);
	for (;;) {
		char *file = addfile_name(up.buf);
		int tracked = path_exists(file);
		if (tracked && !strcmp(up.buf, o->path))
			ret = error_at(p->file, o->line, o->col,
				       "out '%s' of stage '%s' is also tracked by '%s' (repro add); a path has "
				       "one producer: remove '%s' or the out", o->path, s->name, file, file);
		else if (tracked)
			ret = error_at(p->file, o->line, o->col,
				       "out '%s' of stage '%s' is inside '%s', which '%s' tracks (repro add); "
				       "a path has one producer: remove '%s' or the out", o->path, s->name, up.buf,
				       file, file);
		free(file);
		char *slash = strrchr(up.buf, '/');
		if (ret < 0 || !slash)
			break;
		strbuf_setlen(&up, (size_t)(slash - up.buf));
	}
	if (!ret && is_dir(o->path) && find_below(o->path, &below)) {
		char *data = xstrndup(below.buf, below.len - strlen(ADDFILE_EXT));
		ret = error_at(p->file, o->line, o->col,
			       "out '%s' of stage '%s' holds '%s', which '%s' tracks (repro add); running the "
			       "stage would delete it: remove '%s' or the out", o->path, s->name, data, below.buf,
			       below.buf);
		free(data);
	}
	strbuf_release(&up);
	strbuf_release(&below);
	return ret;
}

int addfile_check_outs(const struct pipeline *p)
{
	int ret = 0;

	for (size_t i = 0; i < p->n; i++)
		for (size_t k = 0; k < p->stages[i].nouts; k++)
			if (check_out(p, &p->stages[i], &p->stages[i].outs[k]) < 0)
				ret = -1;
	return ret;
}
