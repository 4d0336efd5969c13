#include "cmd/cmd.h"
#include "util/error.h"

int cmd_run(int argc, char **argv, struct project *p)
{
	(void)argc; (void)argv; (void)p;
	error("'run' is not implemented yet");
	return EXIT_USAGE;
}
