#include "exec/executor.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/xalloc.h"

extern char **environ;

int executor_create(struct executor *ex, const char *name, const struct config *config)
{
	memset(ex, 0, sizeof(*ex));
	if (!name || !strcmp(name, "local"))
		return local_executor_init(ex);
	if (!strcmp(name, "slurm"))
		return slurm_executor_init(ex, config);
	return error("unknown executor '%s' (known: local, slurm)", name);
}

char **executor_job_env(const char *exe)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **env = xcalloc(n + 3, sizeof(char *));
	const char *path = getenv("PATH");
	size_t k = 0;
	char *dir = exe ? xstrdup(exe) : NULL;
	char *slash = dir ? strrchr(dir, '/') : NULL;

	if (slash)
		*slash = '\0';
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "PATH=", 5) && strncmp(environ[i], "REPRO_EXE=", 10))
			env[k++] = xstrdup(environ[i]);
	if (slash)
		env[k++] = xasprintf("PATH=%s%s%s", dir, path ? ":" : "", path ? path : "");
	else if (path)
		env[k++] = xasprintf("PATH=%s", path);
	if (exe)
		env[k++] = xasprintf("REPRO_EXE=%s", exe);
	free(dir);
	return env;
}

void executor_env_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}
