#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "core/project.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/options.h"

static const char gitignore[] =
	"# repro's machine-local parts; .repro/config stays in git\n"
	"/config.local\n/config.cache\n/cache/\n/runs/\n/state\n/logs/\n/tmp/\n/lock\n";

int cmd_init(int argc, char **argv, struct project *unused)
{
	int force = 0;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_BOOL('f', "force", &force, "reinitialise an existing project (keeps cache and config)"),
		OPT_END(),
	};
	const struct command_help help = {
		"repro init [-f]",
		"Create a repro project in the current directory.",
		"Creates .repro/ with an empty config, the cache, and a .repro/.gitignore\n"
		"that keeps everything but .repro/config out of git. Stages are declared in\n"
		"stages.yaml beside it (see 'repro run --help').\n",
	};

	(void)unused;
	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	if (args.n) {
		strlist_release(&args, 0);
		error("'repro init' takes no arguments; run it in the directory to become the project");
		return EXIT_USAGE;
	}
	strlist_release(&args, 0);
	if (is_dir(REPRO_DIR) && !force) {
		error("'%s' already exists here; use --force to reinitialise it", REPRO_DIR);
		return EXIT_USAGE;
	}
	const char *dirs[] = { REPRO_DIR, REPRO_DIR "/cache", REPRO_DIR "/tmp", REPRO_DIR "/runs" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir_p(dirs[i], 0777) < 0) {
			error("cannot create '%s':", dirs[i]);
			return EXIT_USAGE;
		}
	if (write_file_atomic(REPRO_DIR "/.gitignore", gitignore, sizeof(gitignore) - 1, 0644) < 0)
		return EXIT_USAGE;
	if (!path_exists(REPRO_DIR "/config") &&
	    write_file_atomic(REPRO_DIR "/config", "", 0, 0644) < 0)
		return EXIT_USAGE;
	printf("initialised a repro project in '.'\n");
	return 0;
}
