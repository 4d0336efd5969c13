#include "core/session.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/addfile.h"
#include "core/evaluate.h"
#include "core/state.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/suggest.h"
#include "util/xalloc.h"

int session_open(struct session *s, struct project *p, const char *stages_file, int missing_ok)
{
	char *file = NULL;

	memset(s, 0, sizeof(*s));
	s->project = p;
	params_init(&s->params, &workspace_source);
	/* -f FILE is a path the user typed, relative to where they were (the
	 * process is at the root by now); the paths inside it are relative to
	 * its own directory, as with a dvc.yaml in a subdirectory */
	if (stages_file && !(file = project_user_path(p, stages_file)))
		goto fail;
	int r = pipeline_load(&s->pipeline, file ? file : STAGES_FILE, &workspace_source, missing_ok);
	free(file);
	if (r < 0)
		goto fail;
	if (graph_build(&s->graph, &s->pipeline) < 0 || addfile_check_outs(&s->pipeline) < 0)
		goto fail;
	if (lock_read(&s->lock, s->pipeline.lock_file, &workspace_source) < 0)
		goto fail;
	char *links = config_get(&p->config, "cache.type");
	r = cache_init(&s->cache, REPRO_DIR "/cache", REPRO_DIR "/tmp", links);
	free(links);
	if (r < 0)
		goto fail;
	s->state = state_open(REPRO_DIR "/state");
	s->hasher.state = s->state;
	s->hasher.nthreads = 0;
	s->eval = xcalloc(1, sizeof(*s->eval));
	s->eval->hasher = &s->hasher;
	s->eval->params = &s->params;
	s->eval->cache = &s->cache;
	return 0;
fail:
	session_close(s);
	return -1;
}

static long long monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int session_save_lock(struct session *s, int force)
{
	long long now = monotonic_ns();

	if (!s->lock_dirty)
		return 0;
	if (!force && s->lock_written_ns && now - s->lock_written_ns < LOCK_SAVE_INTERVAL_MS * 1000000LL)
		return 0;
	if (lock_write(&s->lock, &s->pipeline, s->pipeline.lock_file) < 0)
		return -1;
	s->lock_dirty = 0;
	s->lock_written_ns = now;
	return 0;
}

void session_close(struct session *s)
{
	(void)session_save_lock(s, 1);
	if (s->state) {
		state_save(s->state);
		state_free(s->state);
	}
	free(s->eval);
	cache_release(&s->cache);
	lock_release(&s->lock);
	graph_release(&s->graph);
	pipeline_release(&s->pipeline);
	params_release(&s->params);
	memset(s, 0, sizeof(*s));
}

unsigned char *session_select(struct session *s, char **names, int n)
{
	const struct pipeline *p = &s->pipeline;
	unsigned char *marks = xcalloc(p->n + 1, 1);
	int ret = 0;

	if (!n)
		memset(marks, 1, p->n);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		int found = 0;
		for (size_t k = 0; k < p->n; k++) {
			const char *nm = p->stages[k].name;
			if (!strcmp(nm, names[i]) || (!strncmp(nm, names[i], len) && nm[len] == '@')) {
				marks[k] = 1;
				found = 1;
			}
		}
		if (found)
			continue;
		/* candidates: every stage, and each foreach/matrix group once ("train"
		 * for train@a, train@b), since the group name selects them all */
		char **groups = xcalloc(p->n + 1, sizeof(char *));
		const char **cands = xcalloc(2 * p->n + 1, sizeof(char *));
		size_t ncands = 0, ngroups = 0;
		for (size_t k = 0; k < p->n; k++) {
			const char *nm = p->stages[k].name, *at = strchr(nm, '@');
			cands[ncands++] = nm;
			if (!at)
				continue;
			size_t glen = (size_t)(at - nm);
			if (ngroups && !strncmp(groups[ngroups - 1], nm, glen) && !groups[ngroups - 1][glen])
				continue; /* expansions of one group are adjacent */
			groups[ngroups] = xstrndup(nm, glen);
			cands[ncands++] = groups[ngroups++];
		}
		const char *sug = suggest(names[i], cands, ncands);
		if (sug)
			ret = error("no stage named '%s' in '%s' (did you mean '%s'?)", names[i], p->file, sug);
		else
			ret = error("no stage named '%s' in '%s'", names[i], p->file);
		free(cands);
		for (size_t k = 0; k < ngroups; k++)
			free(groups[k]);
		free(groups);
	}
	if (ret < 0) {
		free(marks);
		return NULL;
	}
	return marks;
}
