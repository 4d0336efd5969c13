#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/addfile.h"
#include "core/gitignore.h"
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
	"'repro add PATH' again after changing it.\n"
	"\n"
	"One path has one owner: PATH cannot be inside or hold data tracked by\n"
	"another .repro file, or a stage's out, or a file git keeps for the\n"
	"pipeline (the stages file, its lock, params files, .repro files).\n";

/* "a is b", "a is inside b" or "a holds b", for messages; NULL when apart. */
static const char *relation(const char *a, const char *b)
{
	if (!strcmp(a, b))
		return "is";
	if (path_is_inside(a, b))
		return "is inside";
	return path_is_inside(b, a) ? "holds" : NULL;
}

/* Refuses what git tracks for the pipeline: the stages file, its lock,
 * params files, .repro files; a directory holding one of them too. */
static int check_pipeline_file(const char *path, const char *file, const char *what)
{
	if (!strcmp(path, file))
		return error("cannot add '%s': it is %s; it belongs in git", path, what);
	if (path_is_inside(file, path))
		return error("cannot add '%s': it holds '%s', %s, which belongs in git", path, file, what);
	return 0;
}

static int check_pipeline_files(const struct pipeline *p, const char *path)
{
	static const char *const names[] = { "stages.yaml", "stages.lock", "dvc.yaml", "dvc.lock" };

	if (addfile_has_ext(path))
		return error("cannot add '%s': it is a .repro file, written by 'repro add' for git", path);
	if (check_pipeline_file(path, p->file, "the stages file") < 0 ||
	    check_pipeline_file(path, p->lock_file, "the stages file's lock") < 0)
		return -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (check_pipeline_file(path, names[i], "a stages file or lock") < 0)
			return -1;
	/* params.yaml beside the stages file is always read, as vars */
	const char *slash = strrchr(p->file, '/');
	char *dflt = slash ? xasprintf("%.*s/params.yaml", (int)(slash - p->file), p->file) : xstrdup("params.yaml");
	int r = check_pipeline_file(path, dflt, "the params file");
	free(dflt);
	for (size_t i = 0; r == 0 && i < p->nparams_files; i++)
		r = check_pipeline_file(path, p->params_files[i], "a params file");
	for (size_t i = 0; r == 0 && i < p->n; i++)
		for (size_t k = 0; r == 0 && k < p->stages[i].nparams; k++) {
			char *what = xasprintf("a params file of stage '%s'", p->stages[i].name);
			r = check_pipeline_file(path, p->stages[i].params[k].file, what);
			free(what);
		}
	return r;
}

/*
 * Refuses paths that a stage produces, that lie in .repro/.git, that the
 * pipeline reads from git, or that overlap data tracked already (the
 * nested .repro file would change the outer one's hash, and two .repro
 * files would restore one path twice).
 */
static int check_addable(struct session *ss, const char *path, const struct addfile *af, size_t naf)
{
	if (!strcmp(path, ".") || path_is_inside(path, ".repro") || path_is_inside(path, ".git"))
		return error("cannot add '%s': it is the project itself, or inside .repro or .git", path);
	if (check_pipeline_files(&ss->pipeline, path) < 0)
		return -1;
	for (size_t i = 0; i < ss->pipeline.n; i++) {
		const struct stage *s = &ss->pipeline.stages[i];
		for (size_t k = 0; k < s->nouts; k++)
			if (path_is_inside(path, s->outs[k].path) || path_is_inside(s->outs[k].path, path))
				return error("cannot add '%s': stage '%s' produces '%s'; its outs are tracked "
					     "by the lock already", path, s->name, s->outs[k].path);
	}
	for (size_t i = 0; i < naf; i++) {
		const char *rel = relation(path, af[i].path);
		if (!rel || !strcmp(rel, "is"))
			continue; /* the same path again: an update */
		return error("cannot add '%s': it %s '%s', which '%s' tracks already; remove '%s' first "
			     "to track '%s' instead", path, rel, af[i].path, af[i].file, af[i].file, path);
	}
	return 0;
}

/* Tracks path; on success appends its addfile to *af (the tracked data so far). */
static int add_one(struct session *ss, const char *path, struct addfile **af, size_t *naf)
{
	struct addfile a = { 0 };
	int ret = -1;

	if (check_addable(ss, path, *af, *naf) < 0)
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
	*af = xrealloc(*af, (*naf + 1) * sizeof(**af));
	(*af)[(*naf)++] = a;
	return 0;
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
	/* what is tracked already, found once; each path added joins it */
	struct addfile *af = NULL;
	size_t naf = 0;
	int unreadable = addfile_find_all(&af, &naf) < 0; /* overlaps cannot be ruled out */
	if (unreadable)
		ret = EXIT_STAGE_FAILED;
	for (int i = 0; !unreadable && i < args.n; i++) {
		char *path = project_user_path(p, args.items[i]);
		if (!path || add_one(&ss, path, &af, &naf) < 0)
			ret = EXIT_STAGE_FAILED;
		free(path);
	}
	addfile_free_all(af, naf);
	session_close(&ss);
	strlist_release(&args, 0);
	return ret;
}
