#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "util/fs.h"
#include "util/strbuf.h"

static void test_strbuf(void)
{
	struct strbuf sb = STRBUF_INIT;

	ok(sb.buf && sb.buf[0] == '\0', "empty strbuf is an empty string");
	strbuf_addstr(&sb, "hello");
	strbuf_addch(&sb, ' ');
	strbuf_addf(&sb, "%s %d", "world", 42);
	is_str(sb.buf, "hello world 42", "add, addch, addf");
	is_int(sb.len, 14, "length tracks content");
	for (int i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%04d", i);
	is_int(sb.len, 14 + 4000, "grows past many reallocations");
	strbuf_setlen(&sb, 5);
	is_str(sb.buf, "hello", "setlen truncates and terminates");
	strbuf_addstr(&sb, " \n\t");
	strbuf_rtrim(&sb);
	is_str(sb.buf, "hello", "rtrim");
	size_t len;
	char *p = strbuf_detach(&sb, &len);
	is_str(p, "hello", "detach hands over the buffer");
	ok(sb.buf[0] == '\0' && sb.len == 0, "detach resets");
	free(p);
	strbuf_release(&sb);
}

static void norm(const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	const char *why = NULL;
	int r = path_normalize(in, &sb, &why);
	char name[256];

	snprintf(name, sizeof(name), "normalize '%s'", in);
	if (want)
		is_str(r == 0 ? sb.buf : why, want, name);
	else
		ok(r < 0 && why, name);
	strbuf_release(&sb);
}

static void test_paths(void)
{
	norm("a/b", "a/b");
	norm("./a//b/", "a/b");
	norm("a/../b", "b");
	norm("a/b/../../c", "c");
	norm(".", ".");
	norm("a/..", ".");
	norm("..", NULL);
	norm("a/../../b", NULL);
	norm("/etc/passwd", NULL);
	norm("", NULL);
	norm("a\nb", NULL);
	ok(path_is_inside("data/x", "data"), "inside: child");
	ok(path_is_inside("data", "data"), "inside: same");
	ok(!path_is_inside("database", "data"), "inside: prefix of a name is not inside");
	ok(path_is_inside("anything", "."), "everything is inside the root");
}

static void test_atomic(void)
{
	char dir[] = "/tmp/repro-unit-XXXXXX";
	ok(mkdtemp(dir) != NULL, "scratch dir");
	char *path = path_join_dup(dir, "f");
	struct strbuf sb = STRBUF_INIT;

	ok(write_file_atomic(path, "one", 3, 0644) == 0, "atomic write");
	ok(strbuf_read_file(&sb, path, 100) == 0 && !strcmp(sb.buf, "one"), "content written");
	struct atomic_file af;
	ok(atomic_open(&af, path, 0644) == 0, "atomic open");
	atomic_write(&af, "two", 3);
	strbuf_reset(&sb);
	strbuf_read_file(&sb, path, 100);
	is_str(sb.buf, "one", "old content visible until commit");
	atomic_abort(&af);
	strbuf_reset(&sb);
	strbuf_read_file(&sb, path, 100);
	is_str(sb.buf, "one", "abort keeps the old content");
	strbuf_reset(&sb);
	ok(strbuf_read_file(&sb, path, 2) < 0 && errno == EFBIG, "read cap enforced");
	ok(remove_tree(dir) == 0 && !path_exists(dir), "remove_tree");
	strbuf_release(&sb);
	free(path);
}

/* read_sized reads the whole file whatever size it was told. */
static void test_read_sized(void)
{
	char path[] = "/tmp/repro-t-read-XXXXXX", buf[64];
	int fd = mkstemp(path);
	const struct { int64_t expect; const char *what; } cases[] = {
		{ 11, "the size fstat gave" }, { -1, "no size" }, { 4, "a file grown since" },
		{ 40, "a file shrunk since" }, { 0, "a file empty at the fstat" },
	};

	ok(fd >= 0 && write_all(fd, "hello world", 11) == 0, "read_sized: a file of 11 bytes");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[128];
		memset(buf, 0, sizeof(buf));
		snprintf(name, sizeof(name), "read_sized: all of it, told %s", cases[i].what);
		ok(lseek(fd, 0, SEEK_SET) == 0 && read_sized(fd, buf, sizeof(buf), cases[i].expect) == 11 &&
		   !memcmp(buf, "hello world", 11), name);
	}
	ok(lseek(fd, 0, SEEK_SET) == 0 && read_sized(fd, buf, 5, 11) == 5, "read_sized: no more than len");
	close(fd);
	unlink(path);
}

int main(void)
{
	test_strbuf();
	test_paths();
	test_atomic();
	test_read_sized();
	return done_testing();
}
