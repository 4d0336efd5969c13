#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/tree.h"
#include "tap.h"
#include "util/strbuf.h"

#define H1 "1111111111111111111111111111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333333333333333333333333333"

/* stderr into a file while expected errors are produced, to check them */
static int saved_stderr = -1;
static char cap_path[] = "/tmp/repro-t-tree-stderr-XXXXXX";

static void capture_begin(void)
{
	int fd = mkstemp(cap_path);

	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static void capture_end(struct strbuf *out)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	strbuf_reset(out);
	strbuf_read_file(out, cap_path, 1 << 20);
	unlink(cap_path);
	memcpy(cap_path + strlen(cap_path) - 6, "XXXXXX", 6);
}

static const char *canonical =
	"[{\"path\":\"a.txt\",\"sha256\":\"" H3 "\",\"size\":0,\"exec\":false},"
	"{\"path\":\"a/x.csv\",\"sha256\":\"" H2 "\",\"size\":12,\"exec\":true},"
	"{\"path\":\"b.txt\",\"sha256\":\"" H1 "\",\"size\":3,\"exec\":false},"
	"{\"path\":\"q\\\"\\\\.txt\",\"sha256\":\"" H1 "\",\"size\":9007199254740991,\"exec\":false}]";

static void build(struct tree *t)
{
	tree_add(t, "b.txt", H1, 3, 0);
	tree_add(t, "q\"\\.txt", H1, 9007199254740991ull, 0);
	tree_add(t, "a/x.csv", H2, 12, 5); /* any non-zero is "executable" */
	tree_add(t, "a.txt", H3, 0, 0);
	tree_sort(t);
}

static void test_serialize(void)
{
	struct tree t = TREE_INIT;
	struct strbuf sb = STRBUF_INIT;
	char id[HASH_ID_MAX], want[HASH_ID_MAX];

	build(&t);
	tree_serialize(&t, &sb);
	is_str(sb.buf, canonical, "canonical bytes: sorted, no whitespace, keys in order, escaped");
	tree_id(&t, id);
	hash_buffer(canonical, strlen(canonical), want);
	strcat(want, ".dir");
	is_str(id, want, "id is sha256 of the bytes plus .dir");
	is_int(tree_total_size(&t), 9007199254740991ull + 15, "total size");
	ok(tree_find(&t, "a/x.csv") == &t.entries[1], "find");
	ok(!tree_find(&t, "a"), "find: a directory is not an entry");

	/* the streaming id agrees, and can keep a copy */
	struct tree_idstream s;
	struct strbuf copy = STRBUF_INIT;
	tree_idstream_begin(&s, &copy);
	for (size_t i = 0; i < t.n; i++)
		tree_idstream_add(&s, t.entries[i].path, t.entries[i].hex, t.entries[i].size, t.entries[i].exec);
	tree_idstream_end(&s, id);
	is_str(id, want, "streamed id");
	is_str(copy.buf, canonical, "streamed copy");
	is_int(s.n, 4, "streamed count");

	struct tree empty = TREE_INIT;
	strbuf_reset(&sb);
	tree_serialize(&empty, &sb);
	is_str(sb.buf, "[]", "empty tree");
	tree_release(&t);
	strbuf_release(&sb);
	strbuf_release(&copy);
}

static void test_parse_ok(void)
{
	struct tree t = TREE_INIT;
	struct strbuf sb = STRBUF_INIT;

	ok(tree_parse(canonical, strlen(canonical), "m", &t) == 0, "parse canonical");
	is_int(t.n, 4, "four entries");
	is_str(t.entries[3].path, "q\"\\.txt", "escapes decoded");
	ok(t.entries[1].exec && !t.entries[0].exec, "exec flags");
	is_int(t.entries[3].size, 9007199254740991ull, "largest exact size");
	tree_serialize(&t, &sb);
	is_str(sb.buf, canonical, "parse then serialize round-trips");
	tree_release(&t);
	ok(tree_parse("[]", 2, "m", &t) == 0 && t.n == 0, "empty manifest");
	strbuf_release(&sb);
}

/* One entry's JSON. */
static void entry(struct strbuf *sb, const char *path, const char *sha, const char *size, const char *exec)
{
	strbuf_addf(sb, "{\"path\":\"%s\",\"sha256\":\"%s\",\"size\":%s,\"exec\":%s}", path, sha, size, exec);
}

static void reject(const char *json, const char *want_msg, const char *name)
{
	struct tree t = TREE_INIT;
	struct strbuf err = STRBUF_INIT;
	char label[200];

	capture_begin();
	int r = tree_parse(json, strlen(json), ".repro/cache/ab/cd.dir", &t);
	capture_end(&err);
	snprintf(label, sizeof(label), "rejects %s", name);
	ok(r == -1 && t.n == 0 && !t.entries, label);
	snprintf(label, sizeof(label), "%s: message says '%s'", name, want_msg);
	if (!ok(strstr(err.buf, want_msg) && strstr(err.buf, ".repro/cache/ab/cd.dir"), label))
		printf("#   stderr: %s", err.buf);
	strbuf_release(&err);
}

static void reject1(const char *path, const char *sha, const char *size, const char *exec,
		    const char *want_msg, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addch(&sb, '[');
	entry(&sb, path, sha, size, exec);
	strbuf_addch(&sb, ']');
	reject(sb.buf, want_msg, name);
	strbuf_release(&sb);
}

static void reject2(const char *p1, const char *p2, const char *want_msg, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addch(&sb, '[');
	entry(&sb, p1, H1, "1", "false");
	strbuf_addch(&sb, ',');
	entry(&sb, p2, H2, "1", "false");
	strbuf_addch(&sb, ']');
	reject(sb.buf, want_msg, name);
	strbuf_release(&sb);
}

static void test_hostile(void)
{
	reject1("/etc/passwd", H1, "1", "false", "absolute path", "an absolute path");
	reject1("..", H1, "1", "false", "'.' or '..'", "'..'");
	reject1("a/../../b", H1, "1", "false", "'.' or '..'", "'..' inside");
	reject1("./a", H1, "1", "false", "'.' or '..'", "'.' component");
	reject1("a//b", H1, "1", "false", "empty path component", "empty component");
	reject1("a/", H1, "1", "false", "empty path component", "trailing slash");
	reject1("", H1, "1", "false", "empty path", "empty path");
	reject1("a\\nb", H1, "1", "false", "control character", "newline in a path");
	reject1("a\\u0001b", H1, "1", "false", "control character", "control character");
	reject1("a\\u0000b", H1, "1", "false", "canonical", "NUL in a path");
	reject1("a", "1111", "1", "false", "invalid sha256", "short hash");
	reject1("a", "G111111111111111111111111111111111111111111111111111111111111111", "1", "false",
		"invalid sha256", "non-hex hash");
	reject1("a", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "1", "false",
		"invalid sha256", "uppercase hash");
	reject1("a", H1 ".dir", "1", "false", "invalid sha256", "a manifest id as a file hash");
	reject1("a", H1, "-1", "false", "invalid size", "negative size");
	reject1("a", H1, "1.5", "false", "invalid size", "fractional size");
	reject1("a", H1, "1e300", "false", "invalid size", "huge size");
	reject1("a", H1, "\"1\"", "false", "is not", "size as a string");
	reject1("a", H1, "1", "0", "is not", "exec as a number");
	reject2("b", "a", "out of order", "unsorted entries");
	reject2("a", "a", "duplicate", "duplicate entries");
	reject2("a", "a/b", "also listed as a file", "a file that is also a directory");
	reject("{}", "not a JSON array", "an object");
	reject("[1]", "is not", "a number entry");
	reject("[", "not a JSON array", "truncated JSON");
	reject("[] x", "not a JSON array", "trailing garbage");
	reject("[ ]", "canonical", "whitespace");
	reject("[{\"sha256\":\"" H1 "\",\"path\":\"a\",\"size\":1,\"exec\":false}]", "canonical", "keys out of order");
	reject("[{\"path\":\"a\",\"sha256\":\"" H1 "\",\"size\":1,\"exec\":false,\"x\":1}]", "canonical",
	       "an extra key");
	reject("[{\"path\":\"\\u0061\",\"sha256\":\"" H1 "\",\"size\":1,\"exec\":false}]", "canonical",
	       "a needless escape");
	reject("[{\"path\":\"a\",\"sha256\":\"" H1 "\",\"size\":1.0,\"exec\":false}]", "canonical",
	       "a size written as 1.0");
}

static void test_quote(void)
{
	struct strbuf sb = STRBUF_INIT;

	path_quote(&sb, "a\nb\tc\\d\x01" "e\x7f");
	is_str(sb.buf, "a\\nb\\tc\\\\d\\x01e\\x7f", "path_quote escapes what a terminal would act on");
	strbuf_release(&sb);
}

int main(void)
{
	test_serialize();
	test_parse_ok();
	test_hostile();
	test_quote();
	return done_testing();
}
