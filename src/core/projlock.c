/*
 * The project lock: .repro/lock, flock()ed by the one repro that may write
 * the project (see project.h for the contract).
 *
 * The file's content is only ever advice for people and for the next
 * holder: "pid N: COMMAND\ntoken T\n" while held, empty once released
 * cleanly. The flock decides who holds the lock; the content says who that
 * is, and whether the last holder died holding it.
 */
#include "core/project.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define LOCK_PATH REPRO_DIR "/lock"
#define TOKEN_ENV "REPRO_LOCK_TOKEN"
#define TOKEN_LEN 32     /* hex digits of the random token */
#define ENVIRON_MAX (1 << 20)

/* The descriptor of the held lock, for the exit handler: a command that
 * exits through die() still releases cleanly. -1 when not held. */
static int held_fd = -1;

static void release_at_exit(void)
{
	if (held_fd >= 0 && ftruncate(held_fd, 0) == 0)
		held_fd = -1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* The lock file's content, whole (it is small), into sb. */
static void read_content(int fd, struct strbuf *sb)
{
	char buf[1024];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	strbuf_reset(sb);
	if (n > 0)
		strbuf_add(sb, buf, (size_t)n);
}

/* "repro (pid N: COMMAND)" from the content's first line. */
static void describe(const struct strbuf *content, struct strbuf *who)
{
	size_t n = strcspn(content->buf, "\n");

	strbuf_reset(who);
	if (!n) {
		strbuf_addstr(who, "another repro process");
		return;
	}
	strbuf_addstr(who, "repro (");
	for (size_t i = 0; i < n && i < 200; i++)
		strbuf_addch(who, isprint((unsigned char)content->buf[i]) ? content->buf[i] : '?');
	strbuf_addch(who, ')');
}

/* The token in the content, or "" (copied into tok, TOKEN_LEN + 1 bytes). */
static void content_token(const struct strbuf *content, char *tok)
{
	const char *t = strstr(content->buf, "\ntoken ");

	tok[0] = '\0';
	if (!t)
		return;
	t += 7;
	size_t n = strspn(t, "0123456789abcdef");
	if (n == TOKEN_LEN) {
		memcpy(tok, t, TOKEN_LEN);
		tok[TOKEN_LEN] = '\0';
	}
}

/* 1 when process pid's environment has TOKEN_ENV holding token. */
static int carries_token(const char *pid, const char *token, struct strbuf *buf)
{
	char path[300];

	snprintf(path, sizeof(path), "/proc/%.255s/environ", pid);
	strbuf_reset(buf);
	if (strbuf_read_file(buf, path, ENVIRON_MAX) < 0)
		return 0;
	for (size_t off = 0; off < buf->len; off += strlen(buf->buf + off) + 1) {
		const char *e = buf->buf + off;
		if (!strncmp(e, TOKEN_ENV "=", sizeof(TOKEN_ENV)) && strstr(e, token))
			return 1;
	}
	return 0;
}

/* 1 while process pid exists and is not a zombie. */
static int still_running(pid_t pid)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *paren = strrchr(buf, ')'); /* the name may hold anything */
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

/*
 * SIGKILLs every process whose environment carries token: what a killed
 * holder's stages left running. Scans /proc until a scan finds none (one
 * may fork while we look), then waits until they are gone, so that none of
 * them writes into the workspace after this returns. Returns how many.
 */
static int stop_orphans(const char *token)
{
	struct strbuf buf = STRBUF_INIT;
	pid_t *killed = NULL;
	size_t n = 0, alloc = 0;

	for (int round = 0; round < 50; round++) {
		DIR *d = opendir("/proc");
		struct dirent *de;
		size_t before = n;
		if (!d)
			break;
		while ((de = readdir(d))) {
			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			pid_t pid = (pid_t)atol(de->d_name);
			int seen = 0;
			for (size_t k = 0; k < n && !seen; k++)
				seen = killed[k] == pid; /* killed, not yet gone */
			if (seen || pid == getpid() || !carries_token(de->d_name, token, &buf))
				continue;
			if (kill(pid, SIGKILL) == 0) {
				ARRAY_GROW(killed, alloc, n + 1);
				killed[n++] = pid;
			}
		}
		closedir(d);
		if (n == before)
			break;
	}
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < 5000 && still_running(killed[i]); k++)
			sleep_ms(1);
	strbuf_release(&buf);
	free(killed);
	return (int)n;
}

/* Takes over from a holder that died holding the lock: says so, and stops
 * the commands it left running. */
static void take_over(struct project *p, const struct strbuf *old)
{
	struct strbuf who = STRBUF_INIT;
	char token[TOKEN_LEN + 1];

	describe(old, &who);
	content_token(old, token);
	free(p->dead_token);
	p->dead_token = token[0] ? xstrdup(token) : NULL;
	int n = token[0] ? stop_orphans(token) : 0;
	if (n)
		fprintf(stderr, "repro: %s died holding the project lock; taking it over "
			"(stopped %d of its commands still running)\n", who.buf, n);
	else
		fprintf(stderr, "repro: %s died holding the project lock; taking it over\n", who.buf);
	strbuf_release(&who);
}

/* 1 when the holder the content names started this process (we carry its
 * token). */
static int is_ancestor(const struct strbuf *content)
{
	char token[TOKEN_LEN + 1];
	const char *mine = getenv(TOKEN_ENV);

	content_token(content, token);
	return token[0] && mine && strstr(mine, token);
}

static void new_token(char tok[TOKEN_LEN + 1])
{
	unsigned char raw[TOKEN_LEN / 2];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		/* no entropy to be had: unique enough among this host's processes */
		unsigned long long v = (unsigned long long)getpid() << 32 ^ (unsigned long long)time(NULL);
		for (size_t i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)(v >> (i % 8 * 8));
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(tok + 2 * i, 3, "%02x", raw[i]);
}

/* Records this process as the holder, and gives its children the token. */
static void write_holder(int fd, const char *command)
{
	char token[TOKEN_LEN + 1];
	struct strbuf sb = STRBUF_INIT;

	new_token(token);
	strbuf_addf(&sb, "pid %ld: %s\ntoken %s\n", (long)getpid(), command, token);
	/* in place: only the holder writes, and a reader tolerates garbage */
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, sb.buf, sb.len, 0);
	const char *old = getenv(TOKEN_ENV);
	strbuf_reset(&sb);
	/* a repro run inside a stage keeps its parent's token too, so that its
	 * own stages are found when its parent's holder was killed */
	if (old && *old)
		strbuf_addf(&sb, "%s:", old);
	strbuf_addstr(&sb, token);
	setenv(TOKEN_ENV, sb.buf, 1);
	strbuf_release(&sb);
}

int project_lock(struct project *p, const char *command, int wait_ms)
{
	int fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	struct strbuf content = STRBUF_INIT, who = STRBUF_INIT;
	long waited = 0;
	int announced = 0;

	if (fd < 0)
		return error("cannot open '%s':", LOCK_PATH);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			close(fd);
			return error("cannot lock '%s':", LOCK_PATH);
		}
		read_content(fd, &content);
		describe(&content, &who);
		if (is_ancestor(&content)) {
			/* waiting would deadlock: the holder waits for us */
			error("the project is locked by %s, which started this command: a stage "
			      "cannot run a writing repro command on its own project", who.buf);
			strbuf_release(&content);
			strbuf_release(&who);
			close(fd);
			return -1;
		}
		if (wait_ms >= 0 && waited >= wait_ms) {
			if (waited)
				error("the project is still locked by %s after %ld s; try again when it has "
				      "finished", who.buf, waited / 1000);
			else
				error("the project is locked by %s; try again when it has finished",
				      who.buf);
			strbuf_release(&content);
			strbuf_release(&who);
			close(fd);
			return -1;
		}
		if (!announced && waited >= 1000) {
			fprintf(stderr, "repro: waiting for %s to finish (--no-wait: fail instead)\n", who.buf);
			announced = 1;
		}
		sleep_ms(20);
		waited += 20;
	}
	read_content(fd, &content);
	if (content.len)
		take_over(p, &content);
	write_holder(fd, command);
	strbuf_release(&content);
	strbuf_release(&who);
	p->lock_fd = fd;
	if (held_fd < 0) {
		static int registered;
		if (!registered++)
			atexit(release_at_exit);
	}
	held_fd = fd;
	return 0;
}

void project_unlock(struct project *p)
{
	if (p->lock_fd < 0)
		return;
	/* empty: the next holder knows we did not die holding it */
	(void)!ftruncate(p->lock_fd, 0);
	close(p->lock_fd); /* releases the flock */
	if (held_fd == p->lock_fd)
		held_fd = -1;
	p->lock_fd = -1;
}
