/*
 * Owner tags of temporary names (util/tmpowner.h), and the sweep of
 * .repro/tmp that uses them (cache_sweep_tmp): a dead owner's leftovers go
 * at once, a live owner's stay however old, untagged ones go after an hour.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "tap.h"
#include "core/cache.h"
#include "util/fs.h"
#include "util/tmpowner.h"
#include "util/xalloc.h"

/* A pid that no process has: a child's, once reaped. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

/* "<pid>@<our host>" with another pid. */
static void tag_with_pid(struct strbuf *sb, pid_t pid)
{
	struct strbuf mine = STRBUF_INIT;

	tmp_owner_tag(&mine);
	strbuf_addf(sb, "%ld%s", (long)pid, strchr(mine.buf, '@'));
	strbuf_release(&mine);
}

static void test_tags(void)
{
	struct strbuf sb = STRBUF_INIT;

	tmp_owner_tag(&sb);
	strbuf_addstr(&sb, "-rest");
	is_int(tmp_owner_of(sb.buf), TMP_OWNER_ALIVE, "our own tag: alive");
	strbuf_reset(&sb);
	tag_with_pid(&sb, dead_pid());
	strbuf_addstr(&sb, "-rest");
	is_int(tmp_owner_of(sb.buf), TMP_OWNER_GONE, "a reaped child's tag: gone");
	is_int(tmp_owner_of("1@some-other-host.example-x"), TMP_OWNER_NONE, "another host's: unknown");
	is_int(tmp_owner_of("obj-12"), TMP_OWNER_NONE, "no tag: unknown");
	is_int(tmp_owner_of("0@x-"), TMP_OWNER_NONE, "pid 0 is no tag");
	is_int(tmp_owner_of("99999999999999999999@x-"), TMP_OWNER_NONE, "an overflowing pid is no tag");
	strbuf_release(&sb);
}

static void make_entry(const char *dir, const char *name, int is_dir, int old)
{
	char *p = path_join_dup(dir, name);

	if (is_dir) {
		mkdir(p, 0700);
		char *f = path_join_dup(p, "obj-1");
		close(open(f, O_WRONLY | O_CREAT, 0444));
		free(f);
	} else {
		close(open(p, O_WRONLY | O_CREAT, 0444));
	}
	if (old) {
		struct utimbuf t = { time(NULL) - 7200, time(NULL) - 7200 };
		utime(p, &t);
	}
	free(p);
}

static int exists_in(const char *dir, const char *name)
{
	char *p = path_join_dup(dir, name);
	int r = path_exists(p);

	free(p);
	return r;
}

static void test_sweep(void)
{
	char root[] = "/tmp/t-tmpowner-XXXXXX";
	struct strbuf dead = STRBUF_INIT, live = STRBUF_INIT, atomic = STRBUF_INIT;
	struct cache c;

	ok(mkdtemp(root) != NULL, "scratch directory");
	char *cdir = path_join_dup(root, "cache"), *tdir = path_join_dup(root, "tmp");
	mkdir(tdir, 0777);
	strbuf_addch(&dead, 'p');
	tag_with_pid(&dead, dead_pid());
	strbuf_addstr(&dead, "-AbCdEf");
	make_entry(tdir, dead.buf, 1, 0);
	strbuf_addch(&atomic, 'a');
	tag_with_pid(&atomic, dead_pid());
	strbuf_addstr(&atomic, "-stages.lock.XyZ123");
	make_entry(tdir, atomic.buf, 0, 0);
	strbuf_addch(&live, 'p');
	tmp_owner_tag(&live);
	strbuf_addstr(&live, "-old123");
	make_entry(tdir, live.buf, 1, 1);
	make_entry(tdir, "untagged-new", 0, 0);
	make_entry(tdir, "untagged-old", 0, 1);
	char *pull = path_join_dup(tdir, "pull");
	mkdir(pull, 0777);
	free(pull);
	make_entry(tdir, "pull/partial-new", 0, 0);
	make_entry(tdir, "pull/partial-old", 0, 1);

	ok(cache_init(&c, cdir, tdir, NULL) == 0, "cache_init sweeps");
	ok(!exists_in(tdir, dead.buf), "a dead process's directory is removed at once");
	ok(!exists_in(tdir, atomic.buf), "a dead process's atomic write is removed at once");
	ok(exists_in(tdir, live.buf), "a live process's directory stays, however old");
	ok(exists_in(tdir, "untagged-new"), "an untagged new file stays");
	ok(!exists_in(tdir, "untagged-old"), "an untagged file older than an hour goes");
	ok(exists_in(tdir, "pull/partial-new"), "a recent partial download stays for resuming");
	ok(!exists_in(tdir, "pull/partial-old"), "an abandoned partial download goes");
	ok(exists_in(tdir, "pull"), "the pull directory itself stays");
	cache_release(&c);
	remove_tree(root);
	free(cdir);
	free(tdir);
	strbuf_release(&dead);
	strbuf_release(&live);
	strbuf_release(&atomic);
}

int main(void)
{
	test_tags();
	test_sweep();
	return done_testing();
}
