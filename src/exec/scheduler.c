#include "exec/scheduler.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/evaluate.h"
#include "core/runcache.h"
#include "core/stageops.h"
#include "exec/executor.h"
#include "remote/sync.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/progress.h"
#include "util/xalloc.h"

#define LOG_DIR ".repro/logs"

enum sstate {
	S_UNSELECTED, /* not part of this run */
	S_WAITING,    /* selected, upstream not finished */
	S_RUNNING,    /* submitted to the executor */
	S_DONE,       /* up to date, restored or ran successfully */
	S_FAILED,     /* evaluation, the command or storing its outs failed */
	S_BLOCKED,    /* not run because something upstream failed */
	S_CANCELLED,  /* stopped in flight because another stage failed */
};

/*
 * Set by the signal handler, read by the loop. This is the one piece of
 * global state in the scheduler: a signal handler has no other way to talk
 * to the program.
 */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct sched {
	struct session *ss;
	const struct run_options *opts;
	enum sstate *st;          /* per stage */
	struct stage_eval *ev;    /* per stage; valid while running */
	struct job *jobs;         /* per stage */
	unsigned char *would_run; /* dry run: stages that would run */
	struct executor ex;
	struct progress progress;
	size_t nselected, nrunning, ndone, nran, nrestored, nuptodate, nfailed, nblocked, ncancelled;
	int stop_new;             /* a failure without --keep-going, or an interrupt */
	int cancelling;           /* the jobs in flight were cancelled (a failure, an interrupt) */
	const char *hashing;      /* the stage whose files are being hashed, for the status line */
	long long last_hash_ms;   /* when the hashing status was last drawn */
};

static struct stage *stage_at(struct sched *sc, size_t i)
{
	return &sc->ss->pipeline.stages[i];
}

static void on_output(void *ctx, struct job *job, const char *line, size_t len)
{
	struct sched *sc = ctx;
	char ts[32];
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "[%s] ", job->name);
	strbuf_add(&sb, line, len);
	progress_print(&sc->progress, sb.buf);
	strbuf_release(&sb);
	if (job->log_fd >= 0) {
		struct strbuf lg = STRBUF_INIT;
		/* lines a built-in (or any tool) already stamped keep their one stamp */
		if (!log_has_timestamp(line, len)) {
			log_timestamp(ts, sizeof(ts));
			strbuf_addf(&lg, "%s ", ts);
		}
		strbuf_add(&lg, line, len);
		strbuf_addch(&lg, '\n');
		if (write_all(job->log_fd, lg.buf, lg.len) < 0) {
			warn("cannot write '" LOG_DIR "/%s.log'; the rest of the output is not logged:", job->name);
			close(job->log_fd);
			job->log_fd = -1;
		}
		strbuf_release(&lg);
	}
}

static void say(struct sched *sc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct sched *sc, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	progress_print(&sc->progress, sb.buf);
	strbuf_release(&sb);
}

/* Shown while a large input is hashed, so a long pause has an explanation.
 * Redrawn at most every 100 ms: the hasher may call this very often. */
static void hash_progress(void *ctx, uint64_t bytes, uint64_t files)
{
	struct sched *sc = ctx;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (ms - sc->last_hash_ms < 100)
		return;
	sc->last_hash_ms = ms;
	progress_status(&sc->progress, "stages: %zu done, %zu running, %zu left; hashing %s: %llu files, %.1f MB",
			sc->ndone, sc->nrunning, sc->nselected - sc->ndone - sc->nrunning,
			sc->hashing ? sc->hashing : "", (unsigned long long)files, (double)bytes / 1e6);
}

static void update_progress(struct sched *sc)
{
	progress_status(&sc->progress, "stages: %zu done, %zu running, %zu left", sc->ndone,
			sc->nrunning, sc->nselected - sc->ndone - sc->nrunning);
}

/* Marks everything downstream of i that was waiting as blocked. */
static void block_downstream(struct sched *sc, size_t i)
{
	const struct graph *g = &sc->ss->graph;

	for (size_t k = 0; k < g->ndown[i]; k++) {
		size_t d = g->down[i][k];
		if (sc->st[d] != S_WAITING)
			continue;
		sc->st[d] = S_BLOCKED;
		sc->nblocked++;
		sc->ndone++;
		say(sc, "not running '%s': it depends on '%s', which failed", stage_at(sc, d)->name,
		    stage_at(sc, i)->name);
		block_downstream(sc, d);
	}
}

/* Cancels the jobs in flight after a failure, for executors that ask for it. */
static void cancel_in_flight(struct sched *sc)
{
	size_t n = sc->ss->pipeline.n;

	if (sc->cancelling || !sc->ex.ops || !sc->ex.ops->cancel_on_failure || !sc->nrunning)
		return;
	sc->cancelling = 1;
	say(sc, "cancelling the %zu stage%s still queued or running", sc->nrunning, sc->nrunning == 1 ? "" : "s");
	for (size_t k = 0; k < n; k++)
		if (sc->st[k] == S_RUNNING)
			sc->ex.ops->cancel(&sc->ex, &sc->jobs[k]);
}

static void finish(struct sched *sc, size_t i, enum sstate st)
{
	sc->st[i] = st;
	sc->ndone++;
	if (st == S_CANCELLED)
		sc->ncancelled++;
	if (st == S_FAILED) {
		sc->nfailed++;
		block_downstream(sc, i);
		if (!sc->opts->keep_going) {
			sc->stop_new = 1;
			cancel_in_flight(sc);
		}
	}
	if (sc->ev[i].stage)
		stage_eval_release(&sc->ev[i]);
	update_progress(sc);
}

static void list_changes(struct sched *sc, const struct stage_eval *ev, struct strbuf *sb)
{
	size_t shown = 0;

	(void)sc;
	for (size_t i = 0; i < ev->nchanges && shown < 3; i++, shown++) {
		strbuf_addstr(sb, shown ? ", " : "");
		change_describe(&ev->changes[i], sb);
	}
	if (ev->nchanges > 3)
		strbuf_addf(sb, " and %zu more", ev->nchanges - 3);
}

static int upstream_would_run(struct sched *sc, size_t i, size_t *which)
{
	const struct graph *g = &sc->ss->graph;

	for (size_t k = 0; k < g->nup[i]; k++)
		if (sc->would_run[g->up[i][k]]) {
			*which = g->up[i][k];
			return 1;
		}
	return 0;
}

static int open_log(const char *name)
{
	char *path = xasprintf(LOG_DIR "/%s.log", name);
	int fd;

	if (mkdir_p(LOG_DIR, 0777) < 0) {
		warn("cannot create '%s'; the output is not logged:", LOG_DIR);
		free(path);
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		warn("cannot open '%s'; the output is not logged:", path);
	free(path);
	return fd;
}

static void start(struct sched *sc, size_t i)
{
	struct stage *s = stage_at(sc, i);
	struct job *job = &sc->jobs[i];
	struct strbuf sb = STRBUF_INIT;

	for (size_t k = 0; k < s->ncmd; k++)
		strbuf_addf(&sb, "%s%s", k ? " && " : "", s->cmd[k]);
	say(sc, "running '%s': %s", s->name, sb.buf);
	strbuf_release(&sb);
	if (stage_prepare_outs(sc->ss, s) < 0) {
		finish(sc, i, S_FAILED);
		return;
	}
	memset(job, 0, sizeof(*job));
	job->name = s->name;
	job->cmd = s->cmd;
	job->ncmd = s->ncmd;
	job->wdir = s->wdir;
	job->meta = s->meta;
	job->id = i;
	job->log_fd = open_log(s->name);
	if (sc->ex.ops->submit(&sc->ex, job) < 0) {
		if (job->log_fd >= 0)
			close(job->log_fd);
		finish(sc, i, S_FAILED);
		return;
	}
	sc->st[i] = S_RUNNING;
	sc->nrunning++;
	update_progress(sc);
}

/* Restores outs from the run cache; 1 when done, 0 when there is no usable entry. */
static int try_runcache(struct sched *sc, size_t i)
{
	struct stage_eval *ev = &sc->ev[i];
	struct lock_entry *outs;
	size_t n;

	if (sc->opts->pull && !sc->opts->dry)
		sync_pull_stage(sc->ss, ev); /* brings a teammate's run into the local run cache */
	if (!stage_runcache_lookup(sc->ss, ev, &outs, &n))
		return 0;
	if (sc->opts->dry) {
		lock_entries_free(outs, n);
		say(sc, "would restore '%s' from the run cache", stage_at(sc, i)->name);
		return 1;
	}
	if (stage_restore_outs(sc->ss, ev->stage, outs, n) < 0 || stage_record(sc->ss, ev, outs, n) < 0) {
		finish(sc, i, S_FAILED);
		return 1;
	}
	say(sc, "restored '%s' from the run cache (it ran before with the same inputs)", ev->stage->name);
	sc->nrestored++;
	finish(sc, i, S_DONE);
	return 1;
}

/* What to do with a stage whose upstream is done, once it is evaluated. */
enum action {
	A_FROZEN,       /* never runs (its outs may still be restored) */
	A_MAY_RUN,      /* --dry: clean now, but an upstream stage would run */
	A_UP_TO_DATE,
	A_RESTORE,      /* only the outs differ, and the cache has the locked ones */
	A_RUN,          /* run it (unless the run cache has this very run) */
};

static enum action decide(struct sched *sc, size_t i, size_t *up)
{
	const struct stage_eval *ev = &sc->ev[i];

	if (ev->stage->frozen)
		return A_FROZEN;
	if (ev->needs_run || sc->opts->force || (ev->outs_dirty && !ev->outs_restorable))
		return A_RUN;
	if (sc->opts->dry && upstream_would_run(sc, i, up))
		return A_MAY_RUN;
	return ev->outs_dirty ? A_RESTORE : A_UP_TO_DATE;
}

/* Checks the outs of stage i out of the cache as its lock entry records them. */
static int restore_locked(struct sched *sc, size_t i, const char *what)
{
	struct stage_eval *ev = &sc->ev[i];

	if (sc->opts->dry) {
		say(sc, "would restore the outs of %s'%s' from the cache", what, ev->stage->name);
		return 0;
	}
	if (stage_restore_outs(sc->ss, ev->stage, ev->locked->outs, ev->locked->nouts) < 0)
		return -1;
	say(sc, "restored the outs of %s'%s' from the cache", what, ev->stage->name);
	return 0;
}

/* Stores again the outs of stage i that match its lock entry but whose
 * objects the cache lacks (a cache emptied by hand, a killed pull). */
static int store_uncached(struct sched *sc, size_t i)
{
	struct stage_eval *ev = &sc->ev[i];
	struct lock_entry *outs;
	size_t n;

	if (!ev->outs_uncached)
		return 0;
	if (sc->opts->dry) {
		say(sc, "would store the outs of '%s' in the cache again", ev->stage->name);
		return 0;
	}
	if (stage_store_outs(sc->ss, ev->stage, &outs, &n) < 0)
		return -1;
	lock_entries_free(outs, n);
	say(sc, "stored the outs of '%s' in the cache again", ev->stage->name);
	return 0;
}

/* Runs stage i, or says it would. */
static void run_or_say(struct sched *sc, size_t i)
{
	struct stage_eval *ev = &sc->ev[i];
	struct stage *s = ev->stage;

	if (!sc->opts->dry) {
		start(sc, i);
		return;
	}
	struct strbuf why = STRBUF_INIT;
	if (sc->opts->force)
		strbuf_addstr(&why, "--force");
	else
		list_changes(sc, ev, &why);
	say(sc, "would run '%s': %s", s->name, why.buf);
	strbuf_release(&why);
	sc->would_run[i] = 1;
	sc->nran++;
	finish(sc, i, S_DONE);
}

/* Evaluates a stage whose upstream is done, then acts on the decision. */
static void handle_ready(struct sched *sc, size_t i)
{
	struct session *ss = sc->ss;
	struct stage *s = stage_at(sc, i);
	size_t up;

	sc->hashing = s->name;
	int evr = stage_evaluate(&sc->ev[i], s, lock_find(&ss->lock, s->name), ss->eval);
	sc->hashing = NULL;
	update_progress(sc);
	if (evr < 0) {
		error("cannot evaluate stage '%s'", s->name);
		finish(sc, i, S_FAILED);
		return;
	}
	switch (decide(sc, i, &up)) {
	case A_FROZEN:
		if (sc->ev[i].outs_dirty && sc->ev[i].outs_restorable) {
			if (restore_locked(sc, i, "frozen stage ") < 0) {
				finish(sc, i, S_FAILED);
				return;
			}
		} else {
			say(sc, "'%s' is frozen: not running it", s->name);
		}
		sc->nuptodate++;
		finish(sc, i, S_DONE);
		return;
	case A_MAY_RUN:
		say(sc, "may run '%s': after '%s' runs, if its outputs change", s->name, stage_at(sc, up)->name);
		sc->would_run[i] = 1;
		finish(sc, i, S_DONE);
		return;
	case A_UP_TO_DATE:
		if (store_uncached(sc, i) < 0) {
			finish(sc, i, S_FAILED);
			return;
		}
		say(sc, "'%s' is up to date", s->name);
		sc->nuptodate++;
		finish(sc, i, S_DONE);
		return;
	case A_RESTORE:
		if (restore_locked(sc, i, "") < 0 || store_uncached(sc, i) < 0) {
			finish(sc, i, S_FAILED);
			return;
		}
		sc->nrestored++;
		finish(sc, i, S_DONE);
		return;
	case A_RUN:
		/* a missing dep or param fails the stage, as in DVC; its inputs
		 * are not what any earlier run saw, so the run cache has no say */
		if (stage_eval_report_missing(&sc->ev[i], ss->eval, ss->pipeline.file) < 0) {
			finish(sc, i, S_FAILED);
			return;
		}
		if (!sc->opts->force && !s->always_changed && !s->callback && try_runcache(sc, i))
			return;
		run_or_say(sc, i);
		return;
	}
}

static void job_ended(struct sched *sc, struct job *job)
{
	size_t i = job->id;
	struct stage *s = stage_at(sc, i);
	struct stage_eval *ev = &sc->ev[i];

	sc->nrunning--;
	if (job->log_fd >= 0 && close(job->log_fd) < 0)
		warn("cannot write '" LOG_DIR "/%s.log':", s->name);
	job->log_fd = -1;
	if (job->exit_code != 0) {
		if (job->exit_code == 130 && interrupted)
			say(sc, "interrupted '%s'", s->name);
		else if (job->exit_code == 130 && sc->cancelling) {
			say(sc, "cancelled '%s': another stage failed", s->name);
			free(job->reason);
			job->reason = NULL;
			finish(sc, i, S_CANCELLED);
			return;
		} else
			error("stage '%s' failed: %s (log: " LOG_DIR "/%s.log)", s->name,
			      job->reason ? job->reason : "failed", s->name);
		free(job->reason);
		job->reason = NULL;
		finish(sc, i, S_FAILED);
		return;
	}
	struct lock_entry *outs;
	size_t n;
	sc->hashing = s->name;
	int stored = stage_store_outs(sc->ss, s, &outs, &n);
	sc->hashing = NULL;
	if (stored < 0) {
		finish(sc, i, S_FAILED);
		return;
	}
	if (stage_record(sc->ss, ev, outs, n) < 0) {
		finish(sc, i, S_FAILED);
		return;
	}
	sc->nran++;
	finish(sc, i, S_DONE);
}

static int ready(struct sched *sc, size_t i)
{
	const struct graph *g = &sc->ss->graph;

	for (size_t k = 0; k < g->nup[i]; k++) {
		enum sstate u = sc->st[g->up[i][k]];
		if (u != S_UNSELECTED && u != S_DONE)
			return 0;
	}
	return 1;
}

static void summary(struct sched *sc)
{
	size_t not_run = sc->nselected - sc->ndone;

	if (sc->opts->dry) {
		if (!sc->nran && !sc->nrestored)
			say(sc, "nothing to do: every stage is up to date");
		return;
	}
	if (!sc->nran && !sc->nrestored && !sc->nfailed && !not_run) {
		say(sc, "nothing to do: every stage is up to date");
		return;
	}
	struct strbuf sb = STRBUF_INIT;
	strbuf_addf(&sb, "%zu ran, %zu restored, %zu up to date", sc->nran, sc->nrestored, sc->nuptodate);
	if (sc->nfailed)
		strbuf_addf(&sb, ", %zu failed", sc->nfailed);
	if (sc->nblocked)
		strbuf_addf(&sb, ", %zu blocked", sc->nblocked);
	if (sc->ncancelled)
		strbuf_addf(&sb, ", %zu cancelled", sc->ncancelled);
	if (not_run)
		strbuf_addf(&sb, ", %zu not started%s", not_run,
			    interrupted ? " (interrupted)" : " (stopped at the first failure; --keep-going runs them)");
	say(sc, "%s", sb.buf);
	strbuf_release(&sb);
}

static char *self_exe(void)
{
	char buf[4096];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

int run_stages(struct session *ss, const struct run_options *opts, const unsigned char *selected)
{
	struct sched sc = { .ss = ss, .opts = opts };
	size_t n = ss->pipeline.n;
	struct sigaction sa = { 0 }, old_int, old_term;
	char *exe = self_exe();

	if (!opts->dry && executor_create(&sc.ex, opts->executor, &ss->project->config) < 0) {
		free(exe);
		return 2;
	}
	sc.ex.on_output = on_output;
	sc.ex.ctx = &sc;
	sc.ex.repro_exe = exe;
	sc.st = xcalloc(n + 1, sizeof(*sc.st));
	sc.ev = xcalloc(n + 1, sizeof(*sc.ev));
	sc.jobs = xcalloc(n + 1, sizeof(*sc.jobs));
	sc.would_run = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++)
		if (selected[i]) {
			sc.st[i] = S_WAITING;
			sc.nselected++;
		}
	progress_init(&sc.progress);
	if (sc.progress.tty) {
		ss->hasher.progress = hash_progress;
		ss->hasher.progress_ctx = &sc;
	}
	interrupted = 0;
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* A parent may hand us these signals blocked (test harnesses, some CI
	 * runners do); Ctrl-C must still reach the handler. */
	sigset_t unblock, old_mask;
	sigemptyset(&unblock);
	sigaddset(&unblock, SIGINT);
	sigaddset(&unblock, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &unblock, &old_mask);

	int stopping = 0;
	for (;;) {
		/* not keyed on stop_new: Ctrl-C after a failure must still stop what runs */
		if (interrupted && !stopping) {
			stopping = 1;
			sc.stop_new = 1;
			sc.cancelling = 1; /* every job in flight is cancelled here */
			say(&sc, "interrupted: stopping the running stages");
			for (size_t i = 0; i < n; i++)
				if (sc.st[i] == S_RUNNING)
					sc.ex.ops->cancel(&sc.ex, &sc.jobs[i]);
		}
		for (size_t k = 0; !sc.stop_new && k < n && sc.nrunning < (size_t)opts->jobs; k++) {
			size_t i = ss->graph.order[k];
			if (sc.st[i] == S_WAITING && ready(&sc, i))
				handle_ready(&sc, i);
		}
		if (!sc.nrunning)
			break;
		struct job *done;
		if (sc.ex.ops->wait(&sc.ex, 100, &done) > 0)
			job_ended(&sc, done);
	}
	/* every stage recorded so far, also when interrupted or failing */
	int unsaved = session_save_lock(ss, 1) < 0;
	summary(&sc);
	progress_done(&sc.progress);
	ss->hasher.progress = NULL;
	ss->hasher.progress_ctx = NULL;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	if (sc.ex.ops)
		sc.ex.ops->release(&sc.ex);
	for (size_t i = 0; i < n; i++)
		if (sc.ev[i].stage)
			stage_eval_release(&sc.ev[i]);
	free(sc.st);
	free(sc.ev);
	free(sc.jobs);
	free(sc.would_run);
	free(exe);
	if (interrupted)
		return 130;
	return unsaved || sc.nfailed || sc.nselected > sc.ndone ? 1 : 0;
}
