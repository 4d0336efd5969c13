/*
 * The Slurm jobs of a run that was killed outright. A SIGKILLed repro
 * cannot scancel anything, and its jobs would run (or wait in the queue)
 * for nobody. So every job id is appended, as it is submitted, to a file
 * named by the run's lock token (the token its project lock records, see
 * core/projlock.c); a run that ends normally removes the file, and the next
 * command to take the lock over from a dead holder cancels what the file
 * lists. Appending without fsync is enough: the file only has to survive
 * the process, not the machine (after a crash of the machine, slurmctld
 * itself is a better judge of what still runs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/executor.h"
#include "exec/slurm.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define JOBS_DIR ".repro/slurm-jobs"
#define TOKEN_ENV "REPRO_LOCK_TOKEN"

extern char **environ;

/* This process's own token: the last of the colon-separated list (a repro
 * inside a stage keeps its parent's too), or NULL without a lock. */
static const char *own_token(void)
{
	const char *t = getenv(TOKEN_ENV), *colon;

	if (!t || !*t)
		return NULL;
	colon = strrchr(t, ':');
	return colon ? colon + 1 : t;
}

/* A token names a file only when it is plain hex, as projlock makes it. */
static int token_ok(const char *t)
{
	size_t n = strspn(t, "0123456789abcdef");

	return n > 0 && n <= 64 && !t[n];
}

static char *jobs_path(const char *root, const char *token)
{
	char *rel = xasprintf("%s/%s", JOBS_DIR, token);
	char *path = path_join_dup(root, rel);

	free(rel);
	return path;
}

void slurm_jobs_record(const char *root, long id)
{
	const char *token = own_token();
	char line[32];

	if (!token || !token_ok(token))
		return;
	char *dir = path_join_dup(root, JOBS_DIR), *path = jobs_path(root, token);
	int fd = mkdir_p(dir, 0777) < 0 ? -1 : open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int n = snprintf(line, sizeof(line), "%ld\n", id);

	if (fd < 0 || write_all(fd, line, (size_t)n) < 0)
		warn("cannot record Slurm job %ld in '%s' (if repro is killed, cancel it by hand):", id, path);
	if (fd >= 0)
		close(fd);
	free(dir);
	free(path);
}

void slurm_jobs_forget(const char *root)
{
	const char *token = own_token();

	if (!token || !token_ok(token))
		return;
	char *path = jobs_path(root, token);
	unlink(path);
	free(path);
}

/* Appends the job ids of the file's lines to args (others are skipped). */
static void push_ids(const struct strbuf *sb, struct strlist *args)
{
	const char *p = sb->buf;

	while (*p) {
		size_t n = strspn(p, "0123456789");
		if (n && n < 20 && (p[n] == '\n' || !p[n]))
			strlist_push(args, xstrndup(p, n));
		p += n;
		p += strcspn(p, "\n");
		if (*p)
			p++;
	}
}

int slurm_cancel_orphans(const char *token)
{
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT, line = STRBUF_INIT;
	struct strlist args = { 0 };
	int n = 0;

	if (!token_ok(token))
		return 0;
	char *path = jobs_path(".", token);
	if (strbuf_read_file(&sb, path, 1 << 20) < 0) {
		free(path);
		strbuf_release(&sb);
		return 0;
	}
	strlist_push(&args, xstrdup("scancel"));
	strlist_push(&args, xstrdup("--quiet"));
	push_ids(&sb, &args);
	n = (int)args.n - 2;
	if (n > 0) {
		strlist_push(&args, NULL);
		if (slurm_tool((const char *const *)args.items, environ, &out, &err) != 0) {
			slurm_first_line(&err, &line);
			warn("scancel of the Slurm jobs the dead run left failed (%s); check them with "
			     "squeue and cancel them by hand (%s lists them)", line.len ? line.buf : "no message",
			     path);
			n = -1;
		}
	}
	if (n >= 0)
		unlink(path);
	strlist_release(&args, 1);
	strbuf_release(&sb);
	strbuf_release(&out);
	strbuf_release(&err);
	strbuf_release(&line);
	free(path);
	return n;
}
