#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/state.h"
#include "tap.h"
#include "util/fs.h"
#include "util/strbuf.h"

#define HA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static char dir[] = "/tmp/repro-t-state-XXXXXX";
static char *statefile, *file;

static void write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write_all(fd, s, strlen(s));
	close(fd);
}

/* Sets file's mtime to ns (since the epoch) and returns its stat. */
static struct stat set_mtime(const char *path, int64_t ns)
{
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { ns / 1000000000, ns % 1000000000 } };
	struct stat st;

	utimensat(AT_FDCWD, path, ts, 0);
	stat(path, &st);
	return st;
}

static void test_round_trip(void)
{
	char hex[HASH_HEX_LEN + 1];
	int64_t now = now_ns();
	struct state *s = state_open(statefile);

	is_int(state_count(s), 0, "missing state file: empty");
	write_str(file, "aaaa");
	struct stat st = set_mtime(file, now - 10 * 1000000000LL + 123);
	ok(!state_get(s, &st, hex), "nothing known yet");
	state_put(s, &st, HA, now);
	ok(state_get(s, &st, hex) && !strcmp(hex, HA), "put then get");
	ok(state_save(s) == 0 && path_exists(statefile), "saved");
	state_free(s);

	s = state_open(statefile);
	is_int(state_count(s), 1, "reloaded: one entry");
	ok(state_get(s, &st, hex) && !strcmp(hex, HA), "reloaded entry trusted");
	struct stat other = st;
	other.st_size++;
	ok(!state_get(s, &other, hex), "another size: not trusted");
	other = st;
	other.st_mtim.tv_nsec++;
	ok(!state_get(s, &other, hex), "another mtime: not trusted");
	other = st;
	other.st_ino++;
	ok(!state_get(s, &other, hex), "another inode: unknown");
	other = st;
	other.st_dev++;
	ok(!state_get(s, &other, hex), "another device: unknown");

	/* nothing changed: the file is not rewritten */
	struct stat before, after;
	stat(statefile, &before);
	state_put(s, &st, HA, now); /* the same entry again */
	ok(state_save(s) == 0, "save without changes");
	stat(statefile, &after);
	ok(before.st_ino == after.st_ino && before.st_mtim.tv_nsec == after.st_mtim.tv_nsec,
	   "unchanged state is not rewritten");
	/* a changed entry is */
	state_put(s, &st, HB, now);
	ok(state_get(s, &st, hex) && !strcmp(hex, HB), "put replaces");
	ok(state_save(s) == 0, "save with a change");
	stat(statefile, &after);
	ok(before.st_ino != after.st_ino, "changed state is replaced (atomically: a new inode)");
	state_free(s);
	s = state_open(statefile);
	ok(state_get(s, &st, hex) && !strcmp(hex, HB), "replacement persisted");
	is_int(state_count(s), 1, "still one entry");
	state_free(s);
}

/*
 * The racy-git case: the file is hashed in the same clock tick as it is
 * then modified, keeping its size; its mtime does not move, so only the
 * hashed_at rule can catch it.
 */
static void test_racy(void)
{
	char hex[HASH_HEX_LEN + 1];
	int64_t at = now_ns();
	struct state *s = state_open(statefile);

	write_str(file, "aaaa");
	struct stat st = set_mtime(file, at);
	state_put(s, &st, HA, at); /* hashed "aaaa" at the very tick it was written */
	write_str(file, "bbbb");   /* same size... */
	struct stat now = set_mtime(file, at); /* ...and the tick did not move */
	ok(now.st_size == st.st_size && now.st_mtim.tv_sec == st.st_mtim.tv_sec &&
	   now.st_mtim.tv_nsec == st.st_mtim.tv_nsec, "modified file looks unchanged to stat");
	ok(!state_get(s, &now, hex), "mtime == hashed_at: never trusted");

	st = set_mtime(file, at + 1);
	state_put(s, &st, HB, at);
	ok(!state_get(s, &st, hex), "mtime just after hashed_at: not trusted");
	st = set_mtime(file, at - 1000000); /* 1 ms: inside one 4 ms tick of the coarse clock */
	state_put(s, &st, HB, at);
	ok(!state_get(s, &st, hex), "mtime within a clock tick before hashed_at: not trusted");
	st = set_mtime(file, at - 500000000);
	state_put(s, &st, HB, at);
	ok(state_get(s, &st, hex) && !strcmp(hex, HB), "mtime well before hashed_at: trusted");
	/* whole-second mtimes come from filesystems with coarse stamps */
	int64_t sec = (at / 1000000000 - 1) * 1000000000;
	st = set_mtime(file, sec);
	state_put(s, &st, HB, at);
	ok(!state_get(s, &st, hex), "whole-second mtime less than 2 s old: not trusted");
	st = set_mtime(file, sec - 2000000000LL);
	state_put(s, &st, HB, at);
	ok(state_get(s, &st, hex), "whole-second mtime 3 s old: trusted");

	/* racy entries survive a save and are still distrusted */
	st = set_mtime(file, at);
	state_put(s, &st, HA, at);
	state_save(s);
	state_free(s);
	s = state_open(statefile);
	ok(!state_get(s, &st, hex), "racy entry still distrusted after reload");
	/* hashing again later makes it trusted */
	state_put(s, &st, HB, at + 2000000000LL);
	ok(state_get(s, &st, hex) && !strcmp(hex, HB), "re-hashed later: trusted");
	state_free(s);
}

static void corrupt_and_check(const char *what, void (*damage)(struct strbuf *))
{
	struct strbuf sb = STRBUF_INIT;
	char name[128];

	strbuf_read_file(&sb, statefile, 1 << 26);
	damage(&sb);
	char *bad = path_join_dup(dir, "bad-state");
	int fd = open(bad, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write_all(fd, sb.buf, sb.len);
	close(fd);
	struct state *s = state_open(bad);
	snprintf(name, sizeof(name), "%s state file: treated as empty", what);
	is_int(state_count(s), 0, name);
	/* and it is usable: a put and save replace it */
	struct stat st;
	stat(file, &st);
	state_put(s, &st, HA, now_ns());
	snprintf(name, sizeof(name), "%s state file: replaced on save", what);
	ok(state_save(s) == 0 && (state_free(s), s = state_open(bad), state_count(s) == 1), name);
	state_free(s);
	unlink(bad);
	free(bad);
	strbuf_release(&sb);
}

static void flip_middle(struct strbuf *sb) { sb->buf[sb->len / 2] ^= 1; }
static void truncate_tail(struct strbuf *sb) { strbuf_setlen(sb, sb->len - 7); }
static void foreign(struct strbuf *sb) { strbuf_reset(sb); strbuf_addstr(sb, "this is not a repro state file, but it is long enough to be read"); }
static void empty(struct strbuf *sb) { strbuf_reset(sb); }
static void other_version(struct strbuf *sb) { sb->buf[8] = 9; }
static void flip_dir_id(struct strbuf *sb) { sb->buf[sb->len - HASH_RAW_LEN - 40] ^= 1; }

static void test_corrupt(void)
{
	struct stat st;
	struct state *s = state_open(statefile);

	stat(file, &st);
	for (int i = 0; i < 50; i++) { /* a file with a few entries to damage */
		struct stat fake = st;
		fake.st_ino = 1000 + i;
		state_put(s, &fake, HA, now_ns());
	}
	unsigned char key[HASH_RAW_LEN] = { 1 }, id[HASH_RAW_LEN] = { 2 };
	state_dir_put(s, key, id, 1, 1);
	state_save(s);
	state_free(s);
	corrupt_and_check("bit-flipped", flip_middle);
	corrupt_and_check("truncated", truncate_tail);
	corrupt_and_check("foreign", foreign);
	corrupt_and_check("empty", empty);
	corrupt_and_check("other version", other_version);
	corrupt_and_check("directory id bit-flipped", flip_dir_id);
}

static void fill(unsigned char *raw, int v)
{
	memset(raw, v, HASH_RAW_LEN);
}

/* Directory ids: remembered across a save, replaced, bounded, and a
 * version 1 file (no directory ids) still read. */
static void test_dirs(void)
{
	unsigned char key[HASH_RAW_LEN], id[HASH_RAW_LEN], got[HASH_RAW_LEN];
	uint64_t size = 0, nfiles = 0;
	char *path = path_join_dup(dir, "dirstate");
	struct stat st;
	struct state *s = state_open(path);

	fill(key, 1);
	fill(id, 2);
	ok(!state_dir_get(s, key, got, &size, &nfiles), "directory id: unknown at first");
	state_dir_put(s, key, id, 4096, 3);
	st = set_mtime(file, now_ns() - 10 * 1000000000LL); /* not racy (test_racy left it at "now") */
	state_put(s, &st, HA, now_ns());
	ok(state_save(s) == 0, "directory id: saved");
	state_free(s);

	s = state_open(path);
	ok(state_dir_get(s, key, got, &size, &nfiles) && !memcmp(got, id, HASH_RAW_LEN) && size == 4096 &&
	   nfiles == 3, "directory id: reloaded with its size and file count");
	is_int(state_count(s), 1, "directory id: the file entry kept beside it");
	fill(id, 3);
	state_dir_put(s, key, id, 10, 1);
	ok(state_dir_get(s, key, got, &size, &nfiles) && got[0] == 3 && size == 10, "directory id: replaced");
	for (int i = 0; i < STATE_MAX_DIRS + 10; i++) {
		unsigned char k[HASH_RAW_LEN];
		fill(k, 0);
		memcpy(k, &i, sizeof(i));
		k[31] = 0xee;
		state_dir_put(s, k, id, (uint64_t)i, 1);
	}
	state_save(s);
	state_free(s);

	s = state_open(path);
	unsigned char first[HASH_RAW_LEN], last[HASH_RAW_LEN];
	int i = 0;
	fill(first, 0);
	memcpy(first, &i, sizeof(i));
	first[31] = 0xee;
	i = STATE_MAX_DIRS + 9;
	fill(last, 0);
	memcpy(last, &i, sizeof(i));
	last[31] = 0xee;
	ok(!state_dir_get(s, key, got, &size, &nfiles) && !state_dir_get(s, first, got, &size, &nfiles),
	   "directory ids: past the limit, the oldest are dropped");
	ok(state_dir_get(s, last, got, &size, &nfiles) && size == (uint64_t)i, "directory ids: the newest kept");
	state_free(s);

	/* a version 1 file: the same header and records, no directory ids */
	struct strbuf sb = STRBUF_INIT;
	remove(path);
	s = state_open(path);
	state_put(s, &st, HB, now_ns());
	state_save(s);
	state_free(s);
	strbuf_read_file(&sb, path, 1 << 20);
	uint32_t one = 1;
	memcpy(sb.buf + 8, &one, sizeof(one));
	strbuf_setlen(&sb, sb.len - HASH_RAW_LEN);
	char hex[HASH_HEX_LEN + 1];
	unsigned char trailer[HASH_RAW_LEN];
	hash_buffer(sb.buf, sb.len, hex);
	hash_hex_to_raw(hex, trailer);
	strbuf_add(&sb, trailer, sizeof(trailer));
	int fd = open(path, O_WRONLY | O_TRUNC);
	write_all(fd, sb.buf, sb.len);
	close(fd);
	s = state_open(path);
	ok(state_get(s, &st, hex) && !strcmp(hex, HB), "a version 1 state file is still read");
	state_free(s);
	strbuf_release(&sb);
	remove(path);
	free(path);
}

struct worker {
	struct state *s;
	int id;
	int bad;
};

static void *hammer(void *arg)
{
	struct worker *w = arg;
	char hex[HASH_HEX_LEN + 1];
	struct stat st = { 0 };

	st.st_dev = 77;
	st.st_size = 5;
	st.st_mtim.tv_sec = 1000;
	for (int i = 0; i < 2000; i++) {
		st.st_ino = (ino_t)(w->id * 100000 + i + 1);
		state_put(w->s, &st, w->id % 2 ? HA : HB, now_ns());
		if (!state_get(w->s, &st, hex) || strcmp(hex, w->id % 2 ? HA : HB))
			w->bad++;
	}
	return NULL;
}

static void test_threads(void)
{
	char *path = path_join_dup(dir, "threads");
	struct state *s = state_open(path);
	pthread_t t[4];
	struct worker w[4];
	int bad = 0;

	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ s, i, 0 };
		pthread_create(&t[i], NULL, hammer, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].bad;
	}
	is_int(bad, 0, "concurrent puts and gets agree");
	is_int(state_count(s), 8000, "every concurrent put kept");
	ok(state_save(s) == 0, "save after concurrent puts");
	state_free(s);
	s = state_open(path);
	is_int(state_count(s), 8000, "reloaded after concurrent puts");
	state_free(s);
	free(path);
}

int main(void)
{
	ok(mkdtemp(dir) != NULL, "scratch dir");
	statefile = path_join_dup(dir, "state");
	file = path_join_dup(dir, "file");
	test_round_trip();
	test_racy();
	test_corrupt();
	test_dirs();
	test_threads();
	remove_tree(dir);
	free(statefile);
	free(file);
	return done_testing();
}
