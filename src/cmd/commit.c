#include "cmd/cmd.h"
#include "util/error.h"

int cmd_commit(int argc, char **argv, struct project *p)
{
	(void)argc; (void)argv; (void)p;
	error("'commit' is not implemented yet");
	return EXIT_USAGE;
}
