/*
 * The local executor: each job's commands run one after another as
 * `/bin/sh -c CMD` child processes, each job in its own process group so
 * that cancelling it reaches everything it started. stdout and stderr share
 * one pipe, read with poll() and cut into lines for the scheduler.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec/executor.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* After a cancel, a job gets this long to exit on SIGTERM before SIGKILL. */
#define KILL_GRACE_MS 5000

struct local_job {
	struct job *job;       /* the scheduler's job */
	pid_t pid;             /* the running command's shell; its pgid too; 0 between commands */
	int fd;                /* read end of the output pipe, -1 once closed */
	size_t next_cmd;       /* index of the next command to start */
	struct strbuf partial; /* output after the last newline */
	int cancelled;         /* cancel() was called */
	long long kill_at_ms;  /* when to escalate to SIGKILL (cancelled jobs) */
	int status;            /* wait status of the last command, valid once exited */
	int exited;            /* the running command has been reaped */
};

struct local {
	struct local_job **jobs; /* running jobs */
	size_t n;
	char **env;              /* environment for children (PATH with repro's directory first) */
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int start_next(struct local *lx, struct local_job *lj)
{
	struct job *job = lj->job;
	const char *cmd = job->cmd[lj->next_cmd++];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return error("cannot create a pipe for stage '%s':", job->name);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addchdir_np(&fa, job->wdir);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setpgroup(&attr, 0);
	/* the child must not inherit repro's SIGINT/SIGPIPE dispositions */
	sigset_t def;
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &def);
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	int r = posix_spawn(&lj->pid, "/bin/sh", &fa, &attr, argv, lx->env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(p[1]);
	if (r != 0) {
		close(p[0]);
		errno = r;
		return error("cannot start stage '%s' in '%s':", job->name, job->wdir);
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	lj->fd = p[0];
	lj->exited = 0;
	return 0;
}

static int local_submit(struct executor *ex, struct job *job)
{
	struct local *lx = ex->priv;
	struct local_job *lj = xcalloc(1, sizeof(*lj));

	/* built on first use, once the scheduler has set repro_exe */
	if (!lx->env)
		lx->env = executor_job_env(ex->repro_exe);
	lj->job = job;
	lj->fd = -1;
	strbuf_init(&lj->partial, 0);
	job->priv = lj;
	if (start_next(lx, lj) < 0) {
		strbuf_release(&lj->partial);
		free(lj);
		job->priv = NULL;
		return -1;
	}
	lx->jobs = xrealloc(lx->jobs, (lx->n + 1) * sizeof(*lx->jobs));
	lx->jobs[lx->n++] = lj;
	return 0;
}

static void emit_lines(struct executor *ex, struct local_job *lj, int flush)
{
	struct strbuf *b = &lj->partial;
	size_t start = 0;

	for (size_t i = 0; i < b->len; i++)
		if (b->buf[i] == '\n') {
			ex->on_output(ex->ctx, lj->job, b->buf + start, i - start);
			start = i + 1;
		}
	if (flush && start < b->len) {
		ex->on_output(ex->ctx, lj->job, b->buf + start, b->len - start);
		start = b->len;
	}
	memmove(b->buf, b->buf + start, b->len - start);
	strbuf_setlen(b, b->len - start);
}

/* Reads what is available; closes the fd at EOF. */
static void drain(struct executor *ex, struct local_job *lj)
{
	char buf[65536];

	while (lj->fd >= 0) {
		ssize_t n = read(lj->fd, buf, sizeof(buf));
		if (n > 0) {
			strbuf_add(&lj->partial, buf, (size_t)n);
			/* a job printing one enormous line must not grow memory forever */
			if (lj->partial.len > (1u << 20))
				emit_lines(ex, lj, 1);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		close(lj->fd);
		lj->fd = -1;
	}
	emit_lines(ex, lj, 0);
}

static void describe_status(struct job *job, int status, const char *cmd)
{
	if (WIFEXITED(status)) {
		job->exit_code = WEXITSTATUS(status);
		job->reason = xasprintf("'%s' exited with status %d", cmd, job->exit_code);
	} else if (WIFSIGNALED(status)) {
		job->exit_code = 128 + WTERMSIG(status);
		job->reason = xasprintf("'%s' was killed by signal %d (%s)", cmd, WTERMSIG(status),
					strsignal(WTERMSIG(status)));
	}
}

/* Handles a job whose current command was reaped. Returns 1 when the
 * whole job is over. */
static int command_ended(struct executor *ex, struct local_job *lj)
{
	struct job *job = lj->job;
	const char *cmd = job->cmd[lj->next_cmd - 1];

	drain(ex, lj);
	if (lj->fd >= 0) {
		/* a background grandchild still holds the pipe: stop reading it */
		close(lj->fd);
		lj->fd = -1;
	}
	emit_lines(ex, lj, 1);
	lj->pid = 0;
	if (lj->cancelled) {
		job->exit_code = 130;
		job->reason = xstrdup("interrupted");
		return 1;
	}
	if (!WIFEXITED(lj->status) || WEXITSTATUS(lj->status) != 0) {
		describe_status(job, lj->status, cmd);
		return 1;
	}
	if (lj->next_cmd < job->ncmd) {
		if (start_next(ex->priv, lj) < 0) {
			job->exit_code = 127;
			job->reason = xstrdup("could not start the next command");
			return 1;
		}
		return 0;
	}
	job->exit_code = 0;
	return 1;
}

static void remove_job(struct local *lx, size_t i)
{
	struct local_job *lj = lx->jobs[i];

	strbuf_release(&lj->partial);
	lj->job->priv = NULL;
	free(lj);
	lx->jobs[i] = lx->jobs[--lx->n];
}

static int local_wait(struct executor *ex, int timeout_ms, struct job **done)
{
	struct local *lx = ex->priv;
	struct pollfd *pfd = xcalloc(lx->n + 1, sizeof(*pfd));
	size_t npfd = 0;

	*done = NULL;
	/* Reap first: a finished job is reported without waiting. */
	for (size_t i = 0; i < lx->n; i++) {
		struct local_job *lj = lx->jobs[i];
		if (lj->pid && !lj->exited && waitpid(lj->pid, &lj->status, WNOHANG) == lj->pid)
			lj->exited = 1;
		if (lj->cancelled && lj->pid && !lj->exited && now_ms() >= lj->kill_at_ms)
			kill(-lj->pid, SIGKILL);
		if (lj->exited && lj->pid && command_ended(ex, lj)) {
			*done = lj->job;
			remove_job(lx, i);
			free(pfd);
			return 1;
		}
	}
	for (size_t i = 0; i < lx->n; i++)
		if (lx->jobs[i]->fd >= 0) {
			pfd[npfd].fd = lx->jobs[i]->fd;
			pfd[npfd].events = POLLIN;
			npfd++;
		}
	/* Wake up often enough to reap children whose pipe stays open. */
	int t = timeout_ms < 0 || timeout_ms > 100 ? 100 : timeout_ms;
	int r = poll(pfd, npfd, t);
	free(pfd);
	if (r < 0 && errno != EINTR)
		return error("poll failed:");
	for (size_t i = 0; r > 0 && i < lx->n; i++)
		if (lx->jobs[i]->fd >= 0)
			drain(ex, lx->jobs[i]);
	return 0;
}

static void local_cancel(struct executor *ex, struct job *job)
{
	struct local_job *lj = job->priv;

	(void)ex;
	if (!lj || lj->cancelled)
		return;
	lj->cancelled = 1;
	lj->kill_at_ms = now_ms() + KILL_GRACE_MS;
	lj->next_cmd = job->ncmd; /* start nothing more */
	if (lj->pid && !lj->exited)
		kill(-lj->pid, SIGTERM);
}

static void local_release(struct executor *ex)
{
	struct local *lx = ex->priv;

	if (!lx)
		return;
	/* Jobs still here were never waited for: kill and reap them. */
	for (size_t i = 0; i < lx->n; i++) {
		struct local_job *lj = lx->jobs[i];
		if (lj->pid && !lj->exited) {
			kill(-lj->pid, SIGKILL);
			waitpid(lj->pid, NULL, 0);
		}
		if (lj->fd >= 0)
			close(lj->fd);
		strbuf_release(&lj->partial);
		free(lj);
	}
	free(lx->jobs);
	executor_env_free(lx->env);
	free(lx);
	ex->priv = NULL;
}

static const struct executor_ops local_ops = {
	.name = "local",
	.submit = local_submit,
	.wait = local_wait,
	.cancel = local_cancel,
	.release = local_release,
};

int local_executor_init(struct executor *ex)
{
	struct local *lx = xcalloc(1, sizeof(*lx));

	ex->ops = &local_ops;
	ex->priv = lx;
	return 0;
}
