/*
 * The cache end to end in a scratch project: hashing directories, storing,
 * checking out with each link type, and what must be refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cache.h"
#include "core/state.h"
#include "tap.h"
#include "util/fs.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

static char top[] = "/tmp/repro-t-cache-XXXXXX"; /* holds proj/ (the cwd) and outside/ */
static char outside[PATH_MAX];

/* stderr into a file while expected errors are produced, to check them */
static int saved_stderr = -1;
static char cap_path[] = "/tmp/repro-t-cache-stderr-XXXXXX";
static struct strbuf err = STRBUF_INIT;

static void capture_begin(void)
{
	int fd = mkstemp(cap_path);

	fflush(stderr);
	saved_stderr = dup(2);
	dup2(fd, 2);
	close(fd);
}

static void capture_end(void)
{
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	strbuf_reset(&err);
	strbuf_read_file(&err, cap_path, 1 << 20);
	unlink(cap_path);
	memcpy(cap_path + strlen(cap_path) - 6, "XXXXXX", 6);
}

static int err_has(const char *s)
{
	if (strstr(err.buf, s))
		return 1;
	printf("#   stderr lacks '%s': %s", s, err.buf);
	return 0;
}

/* Writes a file dated 10 s ago: "racily clean" files (written within a
 * clock tick of being hashed) are hashed again by design, which would make
 * counts of files read depend on timing. */
static void put(const char *path, const char *content, mode_t mode)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { time(NULL) - 10, 0 } };

	mkdir_parent(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	write_all(fd, content, strlen(content));
	close(fd);
	chmod(path, mode);
	utimensat(AT_FDCWD, path, ts, 0);
}

static char *slurp(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, path, 1 << 24) < 0)
		strbuf_addstr(&sb, "(unreadable)");
	return strbuf_detach(&sb, NULL);
}

static int same_text(const char *path, const char *want)
{
	char *got = slurp(path);
	int r = !strcmp(got, want);

	free(got);
	return r;
}

static ino_t ino_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_ino : 0;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_mode : 0;
}

static char *big; /* 1.5 MiB: a file stored through the streaming path */
#define BIG_LEN (3 << 19)

/* The test directory: regular files, an executable, a large file, a nested
 * directory, an empty one, and symlinks into the project. */
static void make_data(const char *d)
{
	struct strbuf p = STRBUF_INIT;

#define P(name) (strbuf_reset(&p), path_join(&p, d, name), p.buf)
	put(P("a.txt"), "alpha\n", 0644);
	put(P("run.sh"), "#!/bin/sh\necho hi\n", 0755);
	put(P("sub/b.bin"), big, 0644);
	put(P("sub/deep/c.txt"), "c", 0644);
	mkdir_p(P("empty/inner"), 0777);
	symlink("a.txt", P("link-in"));
	symlink("sub/deep", P("linkdir"));
#undef P
	strbuf_release(&p);
}

/* The manifest make_data() must produce, computed independently. */
static void expected_id(char id[HASH_ID_MAX])
{
	struct tree t = TREE_INIT;
	char h[HASH_HEX_LEN + 1];

	hash_buffer("alpha\n", 6, h);
	tree_add(&t, "a.txt", h, 6, 0);
	tree_add(&t, "link-in", h, 6, 0);
	hash_buffer("c", 1, h);
	tree_add(&t, "linkdir/c.txt", h, 1, 0);
	tree_add(&t, "sub/deep/c.txt", h, 1, 0);
	hash_buffer("#!/bin/sh\necho hi\n", 18, h);
	tree_add(&t, "run.sh", h, 18, 1);
	hash_buffer(big, BIG_LEN, h);
	tree_add(&t, "sub/b.bin", h, BIG_LEN, 0);
	tree_sort(&t);
	tree_id(&t, id);
	tree_release(&t);
}

static void open_cache(struct cache *c, const char *spec)
{
	if (cache_init(c, ".repro/cache", ".repro/tmp", spec) < 0)
		abort();
}

static pthread_t main_thread;
static uint64_t progress_files;
static int progress_elsewhere;

static void on_progress(void *ctx, uint64_t bytes, uint64_t files)
{
	(void)ctx;
	(void)bytes;
	progress_files = files;
	if (!pthread_equal(pthread_self(), main_thread))
		progress_elsewhere = 1;
}

static void test_link_spec(void)
{
	enum link_type l[4];
	int n;

	ok(link_spec_parse("reflink,copy", l, &n) == 0 && n == 2 && l[0] == LINK_REFLINK && l[1] == LINK_COPY,
	   "parse reflink,copy");
	ok(link_spec_parse("hardlink, symlink ,copy", l, &n) == 0 && n == 3 && l[1] == LINK_SYMLINK,
	   "parse with spaces");
	capture_begin();
	ok(link_spec_parse("reflink,bogus", l, &n) < 0, "unknown type rejected");
	ok(link_spec_parse("", l, &n) < 0, "empty list rejected");
	ok(link_spec_parse("copy,copy", l, &n) < 0, "repeated type rejected");
	capture_end();
	ok(err_has("unknown link type 'bogus'"), "message names the unknown type");
	struct cache c;
	capture_begin();
	ok(cache_init(&c, ".repro/cache", ".repro/tmp", "hard") < 0, "cache_init refuses a bad spec");
	capture_end();
}

static void test_hash(struct state *st, char id[HASH_ID_MAX])
{
	struct hasher h = { .state = st, .nthreads = 2, .progress = on_progress };
	struct hashinfo hi;
	struct tree t = TREE_INIT;
	char want[HASH_ID_MAX];

	make_data("data");
	expected_id(want);
	ok(hash_path(&h, "data", &hi, &t) == 0, "hash a directory");
	is_str(hi.id, want, "id matches the manifest built by hand");
	ok(hi.isdir && hi.nfiles == 6 && hi.size == 6 + 6 + 1 + 1 + 18 + BIG_LEN, "directory info");
	is_int(t.n, 6, "manifest left in t");
	is_str(t.n == 6 ? t.entries[2].path : "", "linkdir/c.txt", "a symlinked directory inside is followed");
	ok(t.n == 6 && t.entries[3].exec && !t.entries[0].exec, "executable bit recorded");
	is_int(progress_files, 6, "progress reported the 6 files read");
	ok(!progress_elsewhere, "progress called from the calling thread only");
	tree_release(&t);
	is_int(state_count(st), 4, "the state learnt each inode once");
	memcpy(id, hi.id, HASH_ID_MAX);

	progress_files = 0;
	ok(hash_path(&h, "data", &hi, NULL) == 0 && !strcmp(hi.id, want), "hash again through the state");
	is_int(progress_files, 0, "nothing read the second time");

	ok(hash_path(&h, "data/a.txt", &hi, NULL) == 0 && !hi.isdir && hi.size == 6, "hash a file");
	char h1[HASH_HEX_LEN + 1];
	hash_buffer("alpha\n", 6, h1);
	is_str(hi.id, h1, "a file's id is its sha256");
	ok(hash_path(&h, "data/link-in", &hi, NULL) == 0 && !strcmp(hi.id, h1), "a top-level symlink inside is followed");
	ok(hash_path(&h, "nope", &hi, NULL) == 1, "missing path: 1");

	mkdir_p("emptyd/inner", 0777);
	char empty_id[HASH_ID_MAX];
	hash_buffer("[]", 2, empty_id);
	strcat(empty_id, ".dir");
	ok(hash_path(&h, "emptyd", &hi, NULL) == 0 && hi.nfiles == 0 && !strcmp(hi.id, empty_id),
	   "empty directories are not recorded");
}

static void expect_hash_error(struct hasher *h, const char *path, const char *msg, const char *name)
{
	struct hashinfo hi;

	capture_begin();
	int r = hash_path(h, path, &hi, NULL);
	capture_end();
	ok(r == -1, name);
	ok(err_has(msg), "... with a message saying so");
}

static void test_hash_errors(struct state *st)
{
	struct hasher h = { .state = st, .nthreads = 2 };
	struct strbuf p = STRBUF_INIT;

	put("bad1/ok.txt", "ok", 0644);
	path_join(&p, outside, "secret");
	put(p.buf, "secret", 0644);
	symlink(p.buf, "bad1/esc");
	expect_hash_error(&h, "bad1", "'bad1/esc' is a symlink to", "symlink leading out of the project");
	ok(err_has("outside the project"), "... saying it is outside");
	symlink("../../..", "bad1b");
	expect_hash_error(&h, "bad1b", "outside the project", "top-level symlink leading out");
	put("bad2/ok.txt", "ok", 0644);
	mkfifo("bad2/fifo", 0644);
	expect_hash_error(&h, "bad2", "'bad2/fifo' is a special file", "fifo");
	put("bad3/x\ny", "ok", 0644);
	expect_hash_error(&h, "bad3", "'bad3/x\\ny' has a control character", "newline in a name");
	mkdir_p("bad4", 0777);
	symlink("nowhere", "bad4/dangling");
	expect_hash_error(&h, "bad4", "'bad4/dangling' is a broken symlink", "broken symlink");
	mkdir_p("bad5/d", 0777);
	symlink("..", "bad5/d/up");
	expect_hash_error(&h, "bad5", "symlink cycle", "symlink cycle");
	strbuf_release(&p);
}

static int objects_read_only(const struct cache *c, const char *id)
{
	struct tree t = TREE_INIT;
	struct strbuf p = STRBUF_INIT;
	int ok_ = cache_read_tree(c, id, &t) == 0;

	for (size_t i = 0; ok_ && i < t.n; i++) {
		strbuf_reset(&p);
		cache_object_path(c, t.entries[i].hex, &p);
		ok_ = (mode_of(p.buf) & 07777) == 0444;
	}
	tree_release(&t);
	strbuf_release(&p);
	return ok_;
}

static int tmp_is_empty(void)
{
	struct hashinfo hi;
	struct hasher h = { .state = NULL, .nthreads = 1 };

	return hash_path(&h, ".repro/tmp", &hi, NULL) == 0 && hi.nfiles == 0;
}

static void check_same(struct hasher *h, const char *path, const char *id, const char *name)
{
	struct hashinfo hi;

	ok(hash_path(h, path, &hi, NULL) == 0 && !strcmp(hi.id, id), name);
}

static void test_store_and_copy(struct state *st, const char *id)
{
	struct cache c;
	struct hasher h = { .state = st, .nthreads = 2 };
	struct hashinfo hi;
	struct strbuf obj = STRBUF_INIT;
	int changed = -1;

	open_cache(&c, NULL); /* reflink,copy: reflink falls back where unsupported */
	ok(cache_store_path(&c, &h, "data", &hi) == 0, "store a directory");
	is_str(hi.id, id, "stored under the id hash_path gives");
	ok(cache_has_object(&c, id) && cache_contains(&c, id), "manifest and files present");
	ok(objects_read_only(&c, id), "objects are mode 0444");
	ok(tmp_is_empty(), "no temporary file left");
	char h1[HASH_HEX_LEN + 1];
	hash_buffer("alpha\n", 6, h1);
	cache_object_path(&c, h1, &obj);
	ok(ino_of("data/a.txt") != ino_of(obj.buf) && (mode_of("data/a.txt") & 0200),
	   "with reflink,copy the workspace file stays an independent, writable file");

	ok(cache_checkout(&c, &h, id, "out", &changed) == 0 && changed == 1, "checkout (copy) to a new path");
	check_same(&h, "out", id, "checked-out directory hashes the same");
	ok(same_text("out/a.txt", "alpha\n") && ino_of("out/a.txt") != ino_of(obj.buf), "copy: an independent inode");
	ok(mode_of("out/run.sh") & S_IXUSR, "executable bit restored");
	ok(S_ISREG(mode_of("out/link-in")), "symlinks become regular files");
	ino_t a_ino = ino_of("out/a.txt");
	ok(cache_checkout(&c, &h, id, "out", &changed) == 0 && changed == 0, "checkout again: nothing to do");

	put("out/extra.txt", "x", 0644);
	put("out/sub/extra2", "x", 0644);
	put("out/newdir/x/y", "x", 0644);
	mkdir_p("out/emptyextra", 0777);
	put("out/sub/deep/c.txt", "C", 0644);
	chmod("out/run.sh", 0644);
	ok(cache_checkout(&c, &h, id, "out", &changed) == 0 && changed == 1, "checkout over a modified copy");
	ok(!path_exists("out/extra.txt") && !path_exists("out/sub/extra2"), "files not in the manifest removed");
	ok(!path_exists("out/newdir") && !path_exists("out/emptyextra"), "directories left empty removed");
	ok(same_text("out/sub/deep/c.txt", "c"), "modified file restored");
	ok(mode_of("out/run.sh") & S_IXUSR, "lost executable bit restored");
	is_int(ino_of("out/a.txt"), a_ino, "matching file left alone");
	check_same(&h, "out", id, "directory matches again");

	/* a directory where a file should be, and a file where a directory should be */
	unlink("out/a.txt");
	put("out/a.txt/inner", "x", 0644);
	remove_tree("out/sub");
	put("out/sub", "not a dir", 0644);
	ok(cache_checkout(&c, &h, id, "out", &changed) == 0, "checkout over type conflicts");
	check_same(&h, "out", id, "type conflicts resolved");

	/* a file id onto a path holding a directory */
	ok(cache_checkout(&c, &h, h1, "out/sub", &changed) == 0 && changed && same_text("out/sub", "alpha\n"),
	   "file checkout replaces a directory");
	strbuf_release(&obj);
	cache_release(&c);
}

static void test_no_escape(struct state *st, const char *id)
{
	struct cache c;
	struct hasher h = { .state = st, .nthreads = 2 };
	struct strbuf p = STRBUF_INIT, victim = STRBUF_INIT;
	char h1[HASH_HEX_LEN + 1];

	open_cache(&c, "copy");
	hash_buffer("alpha\n", 6, h1);
	path_join(&victim, outside, "victim");
	put(victim.buf, "safe", 0644);

	ok(cache_checkout(&c, &h, id, "out", NULL) == 0, "fresh checkout");
	remove_tree("out/sub");
	symlink(outside, "out/sub"); /* absolute, out of the project */
	ok(cache_checkout(&c, &h, id, "out", NULL) == 0, "checkout over a directory symlinked outside");
	path_join(&p, outside, "b.bin");
	ok(!path_exists(p.buf) && S_ISDIR(mode_of("out/sub")), "nothing written outside; a real directory now");
	check_same(&h, "out", id, "and the checkout is right");

	unlink("out/a.txt");
	symlink(victim.buf, "out/a.txt");
	ok(cache_checkout(&c, &h, id, "out", NULL) == 0, "checkout over a file symlinked outside");
	ok(same_text(victim.buf, "safe") && S_ISREG(mode_of("out/a.txt")) && same_text("out/a.txt", "alpha\n"),
	   "the symlink was replaced, not written through");

	symlink(victim.buf, "single");
	ok(cache_checkout(&c, &h, h1, "single", NULL) == 0 && same_text(victim.buf, "safe") &&
	   S_ISREG(mode_of("single")), "single-file checkout replaces a symlink too");

	symlink(outside, "esc");
	capture_begin();
	int r = cache_checkout(&c, &h, id, "esc/out", NULL);
	capture_end();
	strbuf_reset(&p);
	path_join(&p, outside, "out");
	ok(r == -1 && !path_exists(p.buf), "refuses to write below a symlink leading out");
	ok(err_has("refusing to write to 'esc'"), "... and says why");
	capture_begin();
	r = cache_checkout(&c, &h, h1, "esc/f", NULL);
	capture_end();
	strbuf_reset(&p);
	path_join(&p, outside, "f");
	ok(r == -1 && !path_exists(p.buf), "single file: refuses too");
	capture_begin();
	r = cache_checkout(&c, &h, h1, "../escape", NULL);
	capture_end();
	strbuf_reset(&p);
	path_join(&p, top, "escape");
	ok(r == -1 && !path_exists(p.buf), "refuses a path climbing out with '..'");

	/* an inside symlink on the way is fine */
	mkdir_p("real", 0777);
	symlink("real", "alias");
	ok(cache_checkout(&c, &h, h1, "alias/f", NULL) == 0 && same_text("real/f", "alpha\n"),
	   "a parent symlink staying inside is followed");
	strbuf_release(&p);
	strbuf_release(&victim);
	cache_release(&c);
}

static void test_hardlink(struct state *st, const char *id)
{
	struct cache c;
	struct hasher h = { .state = st, .nthreads = 2 };
	struct strbuf obj = STRBUF_INIT;
	char h1[HASH_HEX_LEN + 1];

	hash_buffer("alpha\n", 6, h1);
	open_cache(&c, "hardlink,copy");
	cache_object_path(&c, h1, &obj);
	ok(cache_checkout(&c, &h, id, "out-hl", NULL) == 0, "checkout (hardlink)");
	ok(ino_of("out-hl/a.txt") == ino_of(obj.buf), "hardlink: the object's inode");
	ok(!(mode_of("out-hl/a.txt") & 0222), "hardlink: read-only");
	ok(ino_of("out-hl/run.sh") != 0 && (mode_of("out-hl/run.sh") & S_IXUSR) && (mode_of("out-hl/run.sh") & 0200),
	   "an executable is copied, never linked");
	check_same(&h, "out-hl", id, "hardlinked checkout hashes the same");

	/* a store with hardlink first leaves the workspace linked */
	make_data("data-hl");
	struct hashinfo hi;
	ok(cache_store_path(&c, &h, "data-hl", &hi) == 0 && !strcmp(hi.id, id), "store (hardlink)");
	ok(ino_of("data-hl/a.txt") == ino_of(obj.buf), "stored workspace file relinked to the object");
	ok(S_ISLNK(mode_of("data-hl/link-in")) == 0 && ino_of("data-hl/link-in") == ino_of(obj.buf),
	   "every file of the manifest relinked");
	check_same(&h, "data-hl", id, "relinked directory hashes the same");
	cache_release(&c);

	open_cache(&c, "hardlink");
	capture_begin();
	int r = cache_checkout(&c, &h, id, "out-hl-only", NULL);
	capture_end();
	ok(r == -1 && err_has("none of the link types 'hardlink' works"),
	   "hardlink alone cannot write an executable: reported");
	cache_release(&c);
	strbuf_release(&obj);
}

static void test_symlink(struct state *st, const char *id)
{
	struct cache c;
	struct hasher h = { .state = st, .nthreads = 2 };
	struct strbuf obj = STRBUF_INIT;
	char h1[HASH_HEX_LEN + 1];
	int changed;

	hash_buffer("alpha\n", 6, h1);
	open_cache(&c, "symlink,copy");
	cache_object_path(&c, h1, &obj);
	ok(cache_checkout(&c, &h, id, "out-sl", NULL) == 0, "checkout (symlink)");
	char *a = realpath("out-sl/a.txt", NULL), *b = realpath(obj.buf, NULL);
	ok(S_ISLNK(mode_of("out-sl/a.txt")) && a && b && !strcmp(a, b), "symlink: points at the object in the cache");
	free(a);
	free(b);
	ok(S_ISREG(mode_of("out-sl/run.sh")), "an executable is copied, never linked");
	check_same(&h, "out-sl", id, "symlinked checkout hashes the same (links into the project are followed)");
	ok(cache_checkout(&c, &h, id, "out-sl", &changed) == 0 && changed == 0, "symlinks already right are kept");
	cache_release(&c);
	strbuf_release(&obj);

	/* a cache kept outside the project: its symlinks are followed only
	 * when the hasher is told where it is */
	struct strbuf ext = STRBUF_INIT, extmp = STRBUF_INIT;
	path_join(&ext, top, "extcache");
	path_join(&extmp, top, "extcache-tmp");
	ok(cache_init(&c, ext.buf, extmp.buf, "symlink,copy") == 0, "a cache outside the project");
	struct hasher plain = { .state = st, .nthreads = 2 };
	struct hashinfo hi;
	ok(cache_store_path(&c, &plain, "data", &hi) == 0 && !strcmp(hi.id, id), "store into it");
	ok(cache_checkout(&c, &h, id, "out-ext", NULL) == 0 && S_ISLNK(mode_of("out-ext/a.txt")),
	   "symlink checkout from it");
	capture_begin();
	int r = hash_path(&plain, "out-ext", &hi, NULL);
	capture_end();
	ok(r == -1 && err_has("outside the project"), "its links lead out of the project by default");
	struct hasher told = { .state = st, .nthreads = 2, .cache_real = c.dir_real };
	check_same(&told, "out-ext", id, "followed when the hasher knows the cache");
	cache_release(&c);
	strbuf_release(&ext);
	strbuf_release(&extmp);
}

static void test_objects(struct state *st)
{
	struct cache c;
	struct hasher h = { .state = st, .nthreads = 2 };
	struct strbuf sb = STRBUF_INIT, p = STRBUF_INIT;
	char hello[HASH_HEX_LEN + 1], world[HASH_HEX_LEN + 1], other[HASH_HEX_LEN + 1];

	open_cache(&c, "copy");
	ok(cache_store_buffer(&c, "hello\n", 6, hello) == 0 && cache_has_object(&c, hello), "store a buffer");
	ok(cache_read_object(&c, hello, &sb, 100) == 0 && !strcmp(sb.buf, "hello\n"), "read it back");

	hash_buffer("world\n", 6, world);
	put(".repro/tmp/dl1", "world\n", 0644);
	ok(cache_import_file(&c, ".repro/tmp/dl1", world, "https://remote.example/x") == 0 &&
	   cache_has_object(&c, world) && !path_exists(".repro/tmp/dl1"), "import a good download");
	cache_object_path(&c, world, &p);
	ok((mode_of(p.buf) & 07777) == 0444, "imported object is read-only");

	hash_buffer("world2\n", 7, other);
	put(".repro/tmp/dl2", "evil", 0644);
	capture_begin();
	int r = cache_import_file(&c, ".repro/tmp/dl2", other, "https://remote.example/y");
	capture_end();
	ok(r == -1 && !cache_has_object(&c, other) && !path_exists(".repro/tmp/dl2"),
	   "a corrupt download is rejected and not kept");
	ok(err_has("corrupt object") && err_has("https://remote.example/y"), "... naming where it came from");

	/* a verified copy offered for a checkout is moved into place; one that
	 * changed since it was offered is not used (nor left behind) */
	put(".repro/tmp/w1", "world\n", 0644);
	cache_offer_copy(&c, world, ".repro/tmp/w1");
	ino_t offered = ino_of(".repro/tmp/w1");
	ok(cache_checkout(&c, &h, world, "w1.txt", NULL) == 0 && same_text("w1.txt", "world\n") &&
	   ino_of("w1.txt") == offered && !path_exists(".repro/tmp/w1"), "an offered copy is renamed into place");
	put(".repro/tmp/w2", "world\n", 0644);
	cache_offer_copy(&c, world, ".repro/tmp/w2");
	put(".repro/tmp/w2", "wrong!\n", 0644);
	ok(cache_checkout(&c, &h, world, "w2.txt", NULL) == 0 && same_text("w2.txt", "world\n") &&
	   !path_exists(".repro/tmp/w2"), "a copy changed since it was offered is not used");

	/* damage an object in place */
	strbuf_reset(&p);
	cache_object_path(&c, hello, &p);
	chmod(p.buf, 0644);
	put(p.buf, "jello\n", 0444);
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "keep");
	capture_begin();
	r = cache_read_object(&c, hello, &sb, 100);
	capture_end();
	ok(r == -1 && !strcmp(sb.buf, "keep"), "reading a corrupt object fails and yields nothing");
	ok(err_has("corrupt object") && err_has(hello), "... naming it");
	capture_begin();
	ok(cache_verify_object(&c, hello) == -1, "verify finds it corrupt");
	r = cache_checkout(&c, &h, hello, "h.txt", NULL);
	capture_end();
	ok(r == -1 && !path_exists("h.txt"), "a corrupt object is never checked out");
	ok(cache_verify_object(&c, world) == 0, "verify: intact");
	ok(cache_verify_object(&c, other) == 1, "verify: missing");
	capture_begin();
	r = cache_read_object(&c, other, &sb, 100);
	capture_end();
	ok(r == -1 && err_has("missing from the cache"), "reading a missing object is reported");
	capture_begin();
	r = cache_read_object(&c, "../../../etc/passwd", &sb, 100);
	capture_end();
	ok(r == -1, "an invalid id is refused");

	/* a manifest naming a missing object: nothing is written */
	struct tree t = TREE_INIT;
	char id[HASH_ID_MAX], m[HASH_HEX_LEN + 1];
	tree_add(&t, "f", other, 7, 0);
	strbuf_reset(&sb);
	tree_serialize(&t, &sb);
	tree_id(&t, id);
	ok(cache_store_buffer(&c, sb.buf, sb.len, m) == 0, "store a manifest as a plain object");
	/* give it its .dir name by hand */
	struct strbuf from = STRBUF_INIT, to = STRBUF_INIT;
	cache_object_path(&c, m, &from);
	cache_object_path(&c, id, &to);
	ok(rename(from.buf, to.buf) == 0, "manifest in place");
	capture_begin();
	r = cache_checkout(&c, &h, id, "out-missing", NULL);
	capture_end();
	ok(r == -1 && !path_exists("out-missing") && err_has("missing from the cache"),
	   "checkout with a missing object fails before writing anything");
	ok(!cache_contains(&c, id), "cache_contains sees the missing file");
	tree_release(&t);
	strbuf_release(&from);
	strbuf_release(&to);
	strbuf_release(&sb);
	strbuf_release(&p);
	cache_release(&c);
}

static void test_stale_tmp(struct state *st)
{
	struct cache c;
	struct hasher h = { .state = st, .nthreads = 1 };
	struct hashinfo hi;
	struct timespec old[2] = { { 0, UTIME_OMIT }, { time(NULL) - 7200, 0 } };

	put(".repro/tmp/obj-stale", "x", 0444);
	utimensat(AT_FDCWD, ".repro/tmp/obj-stale", old, 0);
	put(".repro/tmp/obj-fresh", "x", 0444);
	open_cache(&c, "copy");
	put("one.txt", "one\n", 0644);
	ok(cache_store_path(&c, &h, "one.txt", &hi) == 0, "store a file");
	ok(!path_exists(".repro/tmp/obj-stale"), "temporary files older than an hour removed");
	ok(path_exists(".repro/tmp/obj-fresh"), "recent temporary files kept");
	unlink(".repro/tmp/obj-fresh");
	ok(cache_store_path(&c, &h, "absent", &hi) == 1, "storing a missing path: 1");
	cache_release(&c);
}

/* A directory big enough to be stat'ed in chunks by several threads. */
static void test_wide(struct state *st)
{
	struct cache c;
	struct hasher h1 = { .state = NULL, .nthreads = 1 }, h2 = { .state = st, .nthreads = 2 };
	struct hashinfo a, b;
	struct strbuf p = STRBUF_INIT;
	int changed;

	mkdir_p("wide/sub", 0777);
	for (int i = 0; i < 1100; i++) {
		strbuf_reset(&p);
		/* names sharing long prefixes, and one sorting around "sub/" */
		strbuf_addf(&p, i == 7 ? "wide/sub.%d" : "wide/a-long-common-prefix-%05d", i);
		put(p.buf, p.buf, 0644);
	}
	put("wide/sub/x", "x", 0644);
	ok(hash_path(&h1, "wide", &a, NULL) == 0 && a.nfiles == 1101, "hash a 1,101-file directory on one thread");
	ok(hash_path(&h2, "wide", &b, NULL) == 0 && !strcmp(a.id, b.id), "two threads (chunked stats) agree");
	open_cache(&c, "copy");
	ok(cache_store_path(&c, &h2, "wide", &b) == 0 && !strcmp(a.id, b.id), "store it");
	ok(cache_checkout(&c, &h2, a.id, "wide-co", &changed) == 0 && changed, "check it out");
	unlink("wide-co/a-long-common-prefix-00042");
	put("wide-co/a-long-common-prefix-00042x", "extra", 0644);
	put("wide-co/sub.7", "changed", 0644);
	ok(cache_checkout(&c, &h2, a.id, "wide-co", &changed) == 0 && changed, "repair it");
	check_same(&h1, "wide-co", a.id, "repaired checkout matches");
	cache_release(&c);
	strbuf_release(&p);
}

/* Files sharing contents: each content is claimed (written) once per
 * batch, and every file still checks out with its own content. */
static void test_duplicates(struct state *st)
{
	struct cache c;
	struct hasher h = { .state = st, .nthreads = 2 }, h1 = { .state = NULL, .nthreads = 1 };
	struct hashinfo a, b;
	struct strbuf p = STRBUF_INIT, q = STRBUF_INIT;
	const char *x = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
	const char *y = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";
	int changed, same = 1;

	open_cache(&c, "copy");
	struct cache_batch *bt = cache_batch_begin(&c);
	ok(cache_batch_claim(bt, x) == 1, "claim: the first claim of an object wins");
	ok(cache_batch_claim(bt, x) == 0, "claim: a second claim of it is refused");
	ok(cache_batch_claim(bt, y) == 1, "claim: another object is claimed apart");
	strbuf_addf(&p, "%s.dir", x);
	ok(cache_batch_claim(bt, p.buf) == 1 && cache_batch_claim(bt, p.buf) == 1, "claim: manifests are never claimed");
	cache_batch_abort(bt);
	mkdir_p("dups", 0777);
	for (int i = 0; i < 2500; i++) {
		strbuf_reset(&p);
		strbuf_reset(&q);
		strbuf_addf(&p, "dups/f%04d", i);
		strbuf_addf(&q, "content %d\n", i % 7);
		put(p.buf, q.buf, 0644);
	}
	ok(hash_path(&h1, "dups", &a, NULL) == 0 && a.nfiles == 2500, "hash 2,500 files of 7 contents");
	ok(cache_store_path(&c, &h, "dups", &b) == 0 && !strcmp(a.id, b.id), "store them on two threads");
	ok(cache_checkout(&c, &h, a.id, "dups-co", &changed) == 0 && changed, "check them out");
	for (int i = 0; i < 2500 && same; i++) {
		struct strbuf got = STRBUF_INIT;
		strbuf_reset(&p);
		strbuf_reset(&q);
		strbuf_addf(&p, "dups-co/f%04d", i);
		strbuf_addf(&q, "content %d\n", i % 7);
		same = strbuf_read_file(&got, p.buf, 1024) >= 0 && !strcmp(got.buf, q.buf);
		strbuf_release(&got);
	}
	ok(same, "every checked-out duplicate has its content");
	cache_release(&c);
	strbuf_release(&p);
	strbuf_release(&q);
}

/* A store skips the stat of objects whose fan-out directory was missing,
 * and learns of the directories its own batches make. */
static void test_fan_absent(struct state *st)
{
	struct cache c;
	struct hasher h = { .state = st, .nthreads = 1 };
	struct hashinfo hi;
	struct stat sb;
	char rel[HASH_ID_MAX + 1];

	if (cache_init(&c, ".repro/cache-fan", ".repro/tmp", "copy") < 0) /* empty: no fan-out directory yet */
		abort();
	int absent = 0;
	for (int i = 0; i < 1000 && !absent; i++) { /* a content whose fan-out directory is not there yet */
		char text[64];
		snprintf(text, sizeof(text), "fan-out test %d\n", i);
		put("fan.txt", text, 0644);
		if (hash_path(&h, "fan.txt", &hi, NULL) < 0)
			break;
		snprintf(rel, sizeof(rel), ".repro/cache-fan/%.2s", hi.id);
		absent = stat(rel, &sb) < 0 && errno == ENOENT;
	}
	ok(absent, "fan-out: a content whose directory is not there");
	ok(!cache_has_object_to_store(&c, hi.id), "fan-out: missing directory, object to store");
	ok(cache_store_path(&c, &h, "fan.txt", &hi) == 0, "fan-out: stored");
	ok(cache_has_object_to_store(&c, hi.id) && cache_has_object(&c, hi.id),
	   "fan-out: the directory a batch made is known, the object found");
	cache_release(&c);
	/* a new process (cache) asks the filesystem again */
	if (cache_init(&c, ".repro/cache-fan", ".repro/tmp", "copy") < 0)
		abort();
	ok(cache_has_object_to_store(&c, hi.id), "fan-out: found by a fresh cache");
	cache_release(&c);
}

int main(void)
{
	char proj[PATH_MAX];
	char id[HASH_ID_MAX];

	main_thread = pthread_self();
	if (!mkdtemp(top))
		return 1;
	snprintf(proj, sizeof(proj), "%s/proj", top);
	snprintf(outside, sizeof(outside), "%s/outside", top);
	mkdir_p(proj, 0777);
	mkdir_p(outside, 0777);
	if (chdir(proj) < 0)
		return 1;
	big = xmalloc(BIG_LEN + 1);
	for (size_t i = 0; i < BIG_LEN; i++)
		big[i] = (char)('a' + i % 23);
	big[BIG_LEN] = '\0';

	struct state *st = state_open(".repro/state");
	test_link_spec();
	test_hash(st, id);
	test_hash_errors(st);
	test_store_and_copy(st, id);
	test_no_escape(st, id);
	test_hardlink(st, id);
	test_symlink(st, id);
	test_objects(st);
	test_stale_tmp(st);
	test_wide(st);
	test_duplicates(st);
	test_fan_absent(st);
	state_free(st);

	if (chdir("/") == 0)
		remove_tree(top);
	free(big);
	strbuf_release(&err);
	return done_testing();
}
