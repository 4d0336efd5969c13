#include "cmd/syncopts.h"

#include <string.h>

#include "core/project.h"

int sync_cmd_open(struct sync_cmd *c, struct project *p)
{
	if (session_open(&c->ss, p, c->file, 1) < 0)
		return -1;
	c->r = remote_open(&p->config, c->remote, REPRO_DIR "/tmp");
	if (!c->r) {
		session_close(&c->ss);
		return -1;
	}
	if (c->jobs > 0)
		c->r->jobs = c->jobs;
	progress_init(&c->pg);
	c->so.targets = c->args.items;
	c->so.ntargets = c->args.n;
	c->so.run_cache = c->run_cache;
	c->so.verbose = c->verbose;
	c->so.progress = &c->pg;
	return 0;
}

void sync_cmd_close(struct sync_cmd *c)
{
	progress_done(&c->pg);
	remote_close(c->r);
	session_close(&c->ss);
	strlist_release(&c->args, 0);
}
