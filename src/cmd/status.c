#include "cmd/cmd.h"
#include "util/error.h"

int cmd_status(int argc, char **argv, struct project *p)
{
	(void)argc; (void)argv; (void)p;
	error("'status' is not implemented yet");
	return EXIT_USAGE;
}
