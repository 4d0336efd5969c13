#include <stdio.h>
#include <string.h>

#include "builtin/builtin.h"
#include "cmd/cmd.h"
#include "util/error.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: repro builtin list\n"
		   "   or: repro builtin NAME [options]   (see repro builtin NAME --help)\n\n"
		   "Runs one of the stages built into repro. A stage whose cmd runs a\n"
		   "built-in also records the built-in's code hash in the lock, so changing\n"
		   "its code re-runs exactly the stages that use it.\n");
}

int cmd_builtin(int argc, char **argv, struct project *p)
{
	(void)p;
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : 0;
	}
	if (!strcmp(argv[1], "list")) {
		if (argc > 2) {
			error("'builtin list' takes no arguments (got '%s')", argv[2]);
			fprintf(stderr, "usage: repro builtin list\n");
			return EXIT_USAGE;
		}
		for (const struct builtin_stage *b = builtin_stages; b->name; b++)
			printf("%-12s %s\n", b->name, b->summary);
		return 0;
	}
	const struct builtin_stage *b = builtin_find(argv[1]);
	if (!b) {
		error("unknown built-in '%s' (see 'repro builtin list')", argv[1]);
		return EXIT_USAGE;
	}
	return b->fn(argc - 1, argv + 1);
}
