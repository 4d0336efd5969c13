#include "exec/executor.h"
#include "util/error.h"

int slurm_executor_init(struct executor *ex, const struct config *config)
{
	(void)ex;
	(void)config;
	return error("the slurm executor is not built yet");
}
