/*
 * repro params diff: the params the stages declare, at two revisions.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/metrics.h"
#include "core/metrics.h"
#include "util/error.h"
#include "util/options.h"

static const char diff_description[] =
	"Compares the params the pipeline declares (each stage's params: and the\n"
	"top-level params: files) at two revisions: A (default HEAD) and B (default\n"
	"the workspace), each read from git without checking anything out. Nested\n"
	"keys are flattened with dots; lists are shown as JSON. Only changed params\n"
	"are shown unless --all; a param present at one side only shows '-' at the\n"
	"other.\n";

static const char params_usage[] =
	"usage: repro params diff [options] [A_REV [B_REV]]\n"
	"\n"
	"Compare the params of two revisions; 'repro params --help' tells more.\n";

static int params_diff(int argc, char **argv, struct project *p)
{
	int all = 0, fmt = FMT_TABLE, precision = METRICS_PRECISION;
	struct strlist args = { 0 };
	const struct option opts[] = {
		OPT_BOOL(0, "all", &all, "also show params that did not change"),
		OPT_CHOICE(0, "json", &fmt, FMT_JSON, "print JSON"),
		OPT_CHOICE(0, "md", &fmt, FMT_MD, "print a Markdown table"),
		OPT_CHOICE(0, "csv", &fmt, FMT_CSV, "print CSV"),
		OPT_INT(0, "precision", &precision, "N", "significant digits of non-integers (default 5)"),
		OPT_END(),
	};
	const struct command_help help = { "repro params diff [options] [A_REV [B_REV]]",
					   "Compare the params of two revisions (default HEAD and the workspace).",
					   diff_description };

	PARSE_OPTIONS_OR_RETURN(argc, argv, opts, &help, &args);
	int ret = EXIT_USAGE;
	if (precision < 1 || precision > 17)
		error("--precision must be between 1 and 17");
	else
		ret = diff_revisions(p, &args, "'repro params diff'", all, fmt, precision, 1);
	strlist_release(&args, 0);
	return ret;
}

int cmd_params(int argc, char **argv, struct project *p)
{
	const char *sub = argc > 1 ? argv[1] : "";

	if (!strcmp(sub, "diff"))
		return params_diff(argc - 1, argv + 1, p);
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		char *help[] = { "diff", "--help", NULL };
		return params_diff(2, help, p);
	}
	if (*sub)
		fprintf(stderr, "repro: unknown subcommand 'params %s'\n", sub);
	fputs(params_usage, stderr);
	return EXIT_USAGE;
}
