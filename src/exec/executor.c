#include "exec/executor.h"

#include <string.h>

#include "util/error.h"

int executor_create(struct executor *ex, const char *name, const struct config *config)
{
	memset(ex, 0, sizeof(*ex));
	if (!name || !strcmp(name, "local"))
		return local_executor_init(ex);
	if (!strcmp(name, "slurm"))
		return slurm_executor_init(ex, config);
	return error("unknown executor '%s' (known: local, slurm)", name);
}
