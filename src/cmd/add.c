#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/addfile.h"
#include "core/project.h"
#include "core/session.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/options.h"
#include "util/xalloc.h"

static const char add_description[] =
	"Stores PATH (a file or a directory) in the cache and writes PATH.repro, a\n"
	"small file recording its hash, to be committed to git in its place. PATH is\n"
	"added to the .gitignore beside it. From then on PATH is checked out, pushed\n"
	"and pulled like a stage's out, and a stage may list it as a dep. Run\n"
	"'repro add PATH' again after changing it.\n";

/* Adds "/name" to the .gitignore of dir unless a line already says so. */
static int gitignore_add(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	char *gi = path_join_dup(dir, ".gitignore");
	char *line = xasprintf("/%s", slash ? slash + 1 : path);
	struct strbuf sb = STRBUF_INIT;
	int ret = 0;

	if (strbuf_read_file(&sb, gi, 16u << 20) < 0 && errno != ENOENT) {
		ret = error("cannot read '%s':", gi);
		goto done;
	}
	for (char *l = sb.buf; l && *l;) {
		char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		if (n == strlen(line) && !strncmp(l, line, n))
			goto done;
		l = nl ? nl + 1 : NULL;
	}
	if (sb.len && sb.buf[sb.len - 1] != '\n')
		strbuf_addch(&sb, '\n');
	strbuf_addf(&sb, "%s\n", line);
	ret = write_file_atomic(gi, sb.buf, sb.len, 0644);
done:
	strbuf_release(&sb);
	free(dir);
	free(gi);
	free(line);
	return ret;
}

/* Refuses paths that a stage produces or that lie in .repro/.git. */
static int check_addable(struct session *ss, const char *path)
{
	if (!strcmp(path, ".") || path_is_inside(path, ".repro") || path_is_inside(path, ".git"))
		return error("cannot add '%s': it is the project itself, or inside .repro or .git", path);
	for (size_t i = 0; i < ss->pipeline.n; i++) {
		const struct stage *s = &ss->pipeline.stages[i];
		for (size_t k = 0; k < s->nouts; k++)
			if (path_is_inside(path, s->outs[k].path) || path_is_inside(s->outs[k].path, path))
				return error("cannot add '%s': stage '%s' produces '%s'; its outs are tracked "
					     "by the lock already", path, s->name, s->outs[k].path);
	}
	return 0;
}

static int add_one(struct session *ss, const char *path)
{
	struct addfile a = { 0 };
	int ret = -1;

	if (check_addable(ss, path) < 0)
		return -1;
	const char *base = strrchr(path, '/');
	a.file = addfile_name(path);
	a.path = xstrdup(path);
	a.entry.path = xstrdup(base ? base + 1 : path);
	int r = cache_store_path(&ss->cache, &ss->hasher, path, &a.entry.hi);
	if (r == 1)
		error("cannot add '%s': No such file or directory", path);
	if (r != 0)
		goto done;
	if (addfile_write(&a) < 0 || gitignore_add(path) < 0)
		goto done;
	printf("added '%s' (%s); commit '%s' to git\n", path, a.entry.hi.id, a.file);
	ret = 0;
done:
	addfile_release(&a);
	return ret;
}

int cmd_add(int argc, char **argv, struct project *p)
{
	struct strlist args = { 0 };
	const struct option opts[] = { OPT_END() };
	const struct command_help help = { "repro add PATH...", "Track a data file or directory with repro.",
					   add_description };
	struct session ss;
	int ret = 0;

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (!args.n) {
		strlist_release(&args, 0);
		error("'repro add' needs the paths to track");
		return EXIT_USAGE;
	}
	if (session_open(&ss, p, NULL, 1) < 0) {
		strlist_release(&args, 0);
		return EXIT_USAGE;
	}
	for (int i = 0; i < args.n; i++) {
		char *path = project_user_path(p, args.items[i]);
		if (!path || add_one(&ss, path) < 0)
			ret = EXIT_STAGE_FAILED;
		free(path);
	}
	session_close(&ss);
	strlist_release(&args, 0);
	return ret;
}
