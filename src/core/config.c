#include "core/config.h"

#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

static int git_fail(const char *what, const char *path)
{
	const git_error *e = git_error_last();
	return error("%s '%s': %s", what, path, e && e->message ? e->message : "unknown error");
}

int config_open(struct config *c, const char *repro_dir)
{
	memset(c, 0, sizeof(*c));
	c->project_path = path_join_dup(repro_dir, "config");
	c->local_path = path_join_dup(repro_dir, "config.local");
	git_libgit2_init();
	if (git_config_new(&c->cfg) < 0)
		goto fail;
	/* Levels: the project file is "local" to git's mind; our local file,
	 * with the higher priority, is the "app" level. Missing files are
	 * fine (force = 0 means: add even if absent). */
	if (git_config_add_file_ondisk(c->cfg, c->project_path, GIT_CONFIG_LEVEL_LOCAL, NULL, 0) < 0) {
		git_fail("cannot read config", c->project_path);
		goto fail;
	}
	if (git_config_add_file_ondisk(c->cfg, c->local_path, GIT_CONFIG_LEVEL_APP, NULL, 0) < 0) {
		git_fail("cannot read config", c->local_path);
		goto fail;
	}
	return 0;
fail:
	config_close(c);
	return -1;
}

void config_close(struct config *c)
{
	if (c->cfg)
		git_config_free(c->cfg);
	c->cfg = NULL;
	free(c->project_path);
	free(c->local_path);
	c->project_path = c->local_path = NULL;
	git_libgit2_shutdown();
}

char *config_get(const struct config *c, const char *key)
{
	git_buf buf = { 0 };

	if (!c->cfg || git_config_get_string_buf(&buf, c->cfg, key) < 0)
		return NULL;
	char *v = xstrdup(buf.ptr);
	git_buf_dispose(&buf);
	return v;
}

int config_get_int(const struct config *c, const char *key, int def, int *out)
{
	char *v = config_get(c, key);
	char *end;

	*out = def;
	if (!v)
		return 0;
	long n = strtol(v, &end, 10);
	if (end == v || *end || n < -1000000 || n > 1000000) {
		error("config key '%s' must be a number, not '%s' (fix it with 'repro config' or in .repro/config)", key, v);
		free(v);
		return -1;
	}
	*out = (int)n;
	free(v);
	return 0;
}

int config_set(struct config *c, const char *key, const char *value, int local)
{
	git_config *level;
	int r;

	if (git_config_open_level(&level, c->cfg, local ? GIT_CONFIG_LEVEL_APP : GIT_CONFIG_LEVEL_LOCAL) < 0)
		return git_fail("cannot open config", local ? c->local_path : c->project_path);
	if (value)
		r = git_config_set_string(level, key, value);
	else {
		r = git_config_delete_entry(level, key);
		if (r == GIT_ENOTFOUND)
			r = 0;
	}
	if (r < 0)
		git_fail("cannot write config", local ? c->local_path : c->project_path);
	git_config_free(level);
	return r < 0 ? -1 : 0;
}

int config_foreach(const struct config *c, const char *regex,
		   int (*fn)(const char *key, const char *value, void *ctx), void *ctx)
{
	git_config_iterator *it;
	git_config_entry *e;
	int ret = 0;

	if (git_config_iterator_glob_new(&it, c->cfg, regex) < 0)
		return error("bad config pattern '%s'", regex);
	while (git_config_next(&e, it) == 0) {
		ret = fn(e->name, e->value, ctx);
		if (ret)
			break;
	}
	git_config_iterator_free(it);
	return ret;
}
