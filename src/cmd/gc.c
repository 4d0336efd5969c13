#include "cmd/cmd.h"
#include "util/error.h"

int cmd_gc(int argc, char **argv, struct project *p)
{
	(void)argc; (void)argv; (void)p;
	error("not yet");
	return 2;
}
