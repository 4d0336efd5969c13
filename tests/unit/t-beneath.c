/*
 * openat_beneath(): the hand-made RESOLVE_BENEATH used where openat2 is
 * missing. Each escape openat2 refuses must be refused here too, with the
 * same errno, and what stays inside must open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "util/beneath.h"
#include "util/fs.h"

/* opens rel below root (follow as given); the errno of a failure, 0 on success */
static int try_open(int root, const char *rel, int flags, int follow)
{
	int fd = openat_beneath(root, rel, flags, 0644, follow);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

int main(void)
{
	char tmpl[] = "/tmp/t-beneath.XXXXXX";
	char *top = mkdtemp(tmpl);
	if (!top || chdir(top) < 0)
		return 1;
	mkdir_p("root/a/b", 0777);
	mkdir_p("outside", 0777);
	write_text("root/a/b/f", "inside\n");
	write_text("outside/secret", "no\n");
	(void)!symlink("a/b", "root/in");          /* stays inside */
	(void)!symlink("../outside", "root/up");   /* climbs out */
	(void)!symlink(top, "root/abs");           /* absolute */
	(void)!symlink("../../b", "root/a/b/back"); /* a/b/../../b = b: missing, but inside */
	(void)!symlink("loop2", "root/loop1");
	(void)!symlink("loop1", "root/loop2");
	int root = open("root", O_RDONLY | O_DIRECTORY);

	is_int(try_open(root, "a/b/f", O_RDONLY, 0), 0, "a plain path opens");
	is_int(try_open(root, "a//b/./f", O_RDONLY, 0), 0, "'//' and '.' are harmless");
	is_int(try_open(root, "a/b/../b/f", O_RDONLY, 0), 0, "'..' that stays inside is followed");
	is_int(try_open(root, "a/..", O_RDONLY | O_DIRECTORY, 0), 0, "'..' back to the root itself");
	is_int(try_open(root, "../outside/secret", O_RDONLY, 1), EXDEV, "'..' above the root: EXDEV");
	is_int(try_open(root, "a/../../outside/secret", O_RDONLY, 1), EXDEV, "climbing out later: EXDEV");
	is_int(try_open(root, "/etc/hostname", O_RDONLY, 1), EXDEV, "an absolute path: EXDEV");
	is_int(try_open(root, "in/f", O_RDONLY, 1), 0, "a symlink staying inside is followed");
	is_int(try_open(root, "in/f", O_RDONLY, 0), ELOOP, "... but not when no symlink may be");
	is_int(try_open(root, "up/secret", O_RDONLY, 1), EXDEV, "a symlink climbing out: EXDEV");
	is_int(try_open(root, "abs/outside/secret", O_RDONLY, 1), EXDEV, "an absolute symlink: EXDEV");
	is_int(try_open(root, "up", O_RDONLY, 0), ELOOP, "a final symlink with no following: ELOOP");
	is_int(try_open(root, "loop1/x", O_RDONLY, 1), ELOOP, "a symlink loop ends with ELOOP");
	is_int(try_open(root, "a/b/back/x", O_RDONLY, 1), ENOENT, "a relative target is resolved from its directory");
	is_int(try_open(root, "a/b/new", O_WRONLY | O_CREAT, 1), 0, "O_CREAT makes a file below");
	ok(path_exists("root/a/b/new"), "... where it belongs");
	is_int(try_open(root, "up/new", O_WRONLY | O_CREAT, 1), EXDEV, "never through a symlink out");
	ok(!path_exists("outside/new"), "... and nothing is made outside");
	is_int(try_open(root, "", O_RDONLY, 1), ENOENT, "an empty path: ENOENT");
	close(root);
	if (chdir("/") == 0)
		remove_tree(top);
	return done_testing();
}
