#include "core/project.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

int project_open(struct project *p)
{
	char *cwd = getcwd(NULL, 0);
	struct strbuf dir = STRBUF_INIT;

	memset(p, 0, sizeof(*p));
	p->lock_fd = -1;
	if (!cwd)
		return error("cannot get the current directory:");
	strbuf_addstr(&dir, cwd);
	for (;;) {
		struct strbuf probe = STRBUF_INIT;
		strbuf_addbuf(&probe, &dir);
		if (dir.len > 1)
			strbuf_addch(&probe, '/');
		strbuf_addstr(&probe, REPRO_DIR);
		int found = is_dir(probe.buf);
		strbuf_release(&probe);
		if (found)
			break;
		if (dir.len <= 1) {
			error("not a repro project (or any parent up to '/'): run 'repro init' first");
			free(cwd);
			strbuf_release(&dir);
			return -1;
		}
		char *slash = strrchr(dir.buf, '/');
		strbuf_setlen(&dir, slash == dir.buf ? 1 : (size_t)(slash - dir.buf));
	}
	p->root = strbuf_detach(&dir, NULL);
	size_t rl = strlen(p->root);
	if (!strcmp(p->root, "/"))
		p->prefix = xstrdup(cwd + 1);
	else
		p->prefix = xstrdup(cwd[rl] == '/' ? cwd + rl + 1 : "");
	free(cwd);
	if (chdir(p->root) < 0) {
		error("cannot change to '%s':", p->root);
		project_close(p);
		return -1;
	}
	if (config_open(&p->config, REPRO_DIR) < 0) {
		project_close(p);
		return -1;
	}
	atomic_set_tmpdir(REPRO_DIR "/tmp");
	return 0;
}

void project_close(struct project *p)
{
	project_unlock(p);
	atomic_set_tmpdir(NULL);
	if (p->config.project_path)
		config_close(&p->config);
	free(p->root);
	free(p->prefix);
	free(p->dead_token);
	p->root = p->prefix = p->dead_token = NULL;
}

char *project_user_path(const struct project *p, const char *arg)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	const char *why;

	if (arg[0] == '/') {
		size_t rl = strlen(p->root);
		if (!strncmp(arg, p->root, rl) && (arg[rl] == '/' || !arg[rl]))
			strbuf_addstr(&in, arg[rl] ? arg + rl + 1 : ".");
		else
			strbuf_addstr(&in, arg);
	} else {
		path_join(&in, p->prefix, arg);
	}
	if (path_normalize(in.buf, &out, &why) < 0) {
		error("'%s' is outside the project at '%s' (%s)", arg, p->root, why);
		strbuf_release(&in);
		strbuf_release(&out);
		return NULL;
	}
	strbuf_release(&in);
	return strbuf_detach(&out, NULL);
}
