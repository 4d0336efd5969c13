#include "cmd/cmd.h"
#include "util/error.h"

int cmd_plots(int argc, char **argv, struct project *p)
{
	(void)argc;
	(void)argv;
	(void)p;
	return error("'repro plots' is not written yet"), EXIT_USAGE;
}
