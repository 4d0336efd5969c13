/*
 * Running Slurm's command-line tools. Every call is an argument vector
 * handed to posix_spawnp: no shell ever sees a value, so a stage name or a
 * resource value cannot be re-read as syntax.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/slurm.h"

/* More output than any of our queries produces; the rest is read and dropped. */
#define TOOL_OUTPUT_CAP (16u << 20)

static void spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *attr, int out, int err)
{
	sigset_t def, none;

	posix_spawn_file_actions_init(fa);
	posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(fa, out, 1);
	posix_spawn_file_actions_adddup2(fa, err, 2);
	posix_spawnattr_init(attr);
	posix_spawnattr_setpgroup(attr, 0);
	sigemptyset(&def);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigdefault(attr, &def);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
}

/* Reads both pipes to their end (closing them), whatever signals arrive. */
static void collect(int fds[2], struct strbuf *bufs[2])
{
	char buf[8192];

	while (fds[0] >= 0 || fds[1] >= 0) {
		struct pollfd p[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int k = 0; k < 2; k++) {
			if (fds[k] < 0 || !p[k].revents)
				continue;
			ssize_t n = read(fds[k], buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(fds[k]);
				fds[k] = -1;
			} else if (bufs[k] && bufs[k]->len < TOOL_OUTPUT_CAP) {
				strbuf_add(bufs[k], buf, (size_t)n);
			}
		}
	}
	for (int k = 0; k < 2; k++)
		if (fds[k] >= 0)
			close(fds[k]);
}

/* Puts a message before whatever err holds (its first line is what callers
 * show) and returns -1. */
static int failed(struct strbuf *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int failed(struct strbuf *err, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addch(&sb, '\n');
	strbuf_addbuf(&sb, err);
	strbuf_reset(err);
	strbuf_addbuf(err, &sb);
	strbuf_release(&sb);
	return -1;
}

int slurm_tool(const char *const *argv, char *const *env, struct strbuf *out, struct strbuf *err)
{
	int po[2], pe[2];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	pid_t pid;
	int status;

	if (pipe2(po, O_CLOEXEC) < 0)
		return failed(err, "cannot create a pipe for '%s': %s", argv[0], strerror(errno));
	if (pipe2(pe, O_CLOEXEC) < 0) {
		int e = errno;
		close(po[0]);
		close(po[1]);
		return failed(err, "cannot create a pipe for '%s': %s", argv[0], strerror(e));
	}
	spawn_setup(&fa, &attr, po[1], pe[1]);
	int r = posix_spawnp(&pid, argv[0], &fa, &attr, (char *const *)argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(po[1]);
	close(pe[1]);
	if (r != 0) {
		close(po[0]);
		close(pe[0]);
		return failed(err, "cannot run '%s' (is Slurm installed and on PATH?): %s", argv[0], strerror(r));
	}
	int fds[2] = { po[0], pe[0] };
	struct strbuf *bufs[2] = { out, err };
	collect(fds, bufs);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return failed(err, "cannot wait for '%s': %s", argv[0], strerror(errno));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return failed(err, "'%s' was killed by signal %d", argv[0], WTERMSIG(status));
}

void slurm_first_line(const struct strbuf *err, struct strbuf *line)
{
	const char *s = err->buf;
	size_t n;

	while (*s == '\n' || *s == ' ')
		s++;
	n = strcspn(s, "\n");
	strbuf_add(line, s, n);
	strbuf_rtrim(line);
}
