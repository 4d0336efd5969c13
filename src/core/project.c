#include "core/project.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
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
	return 0;
}

void project_close(struct project *p)
{
	if (p->lock_fd >= 0)
		close(p->lock_fd); /* releases the flock */
	p->lock_fd = -1;
	if (p->config.project_path)
		config_close(&p->config);
	free(p->root);
	free(p->prefix);
	p->root = p->prefix = NULL;
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

static void describe_holder(int fd, struct strbuf *who)
{
	char buf[512];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0) {
		strbuf_addstr(who, "another repro process");
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	strbuf_addf(who, "repro (%s)", buf);
}

int project_lock(struct project *p, const char *command, int wait_ms)
{
	const char *path = REPRO_DIR "/lock";
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	int waited = 0, announced = 0;

	if (fd < 0)
		return error("cannot open '%s':", path);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return error("cannot lock '%s':", path);
		}
		struct strbuf who = STRBUF_INIT;
		describe_holder(fd, &who);
		if (waited >= wait_ms) {
			error("the project is locked by %s; wait for it to finish "
			      "(the lock is released when that process exits)", who.buf);
			strbuf_release(&who);
			close(fd);
			return -1;
		}
		if (!announced && waited >= 1000) {
			fprintf(stderr, "repro: waiting for %s to finish\n", who.buf);
			announced = 1;
		}
		strbuf_release(&who);
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
		waited += 50;
	}
	/* Who holds the lock, for the message another process prints. Written
	 * in place: only the holder writes, and a reader tolerates garbage. */
	char info[256];
	int n = snprintf(info, sizeof(info), "pid %ld: %s\n", (long)getpid(), command);
	if (ftruncate(fd, 0) == 0 && n > 0)
		(void)!pwrite(fd, info, (size_t)n, 0);
	p->lock_fd = fd;
	return 0;
}
