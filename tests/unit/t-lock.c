/* stages.lock: round trip, stable bytes, damage detection. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture.h"
#include "memsrc.h"
#include "tap.h"
#include "core/lock.h"

static const char *lock_text =
	"schema: '1'\n"
	"stages:\n"
	"  prepare:\n"
	"    cmd: python prepare.py\n"
	"    deps:\n"
	"    - path: data/raw\n"
	"      sha256: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.dir\n"
	"      size: 2048\n"
	"      nfiles: 2\n"
	"    params:\n"
	"      params.yaml:\n"
	"        prepare.seed: 42\n"
	"        prepare.name: '1.0'\n"
	"        prepare.list:\n"
	"        - 1\n"
	"        - two\n"
	"    outs:\n"
	"    - path: out.bin\n"
	"      sha256: abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n"
	"      size: 10\n"
	"  train:\n"
	"    cmd:\n"
	"    - python train.py\n"
	"    - echo done\n"
	"    wdir: sub\n"
	"    builtins:\n"
	"      preprocess: abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n"
	"    outs:\n"
	"    - path: m\n"
	"      sha256: abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n"
	"      size: 0\n";

static int read_lock(struct lock *l, const char *text, struct strbuf *err)
{
	struct memfile files[] = { { "stages.lock", text }, { NULL, NULL } };
	struct file_source src = MEMSRC(files);
	struct capture cap;

	capture_begin(&cap);
	int r = lock_read(l, "stages.lock", &src);
	capture_end(&cap, err);
	return r;
}

static void test_round_trip(void)
{
	struct lock l;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;

	ok(read_lock(&l, lock_text, &err) == 0, "lock parses");
	is_int(l.n, 2, "two stages");
	struct lock_stage *s = lock_find(&l, "prepare");
	ok(s && s->ndeps == 1 && s->deps[0].hi.isdir && s->deps[0].hi.nfiles == 2, "dir dep with nfiles");
	ok(s && cJSON_IsString(cJSON_GetObjectItem(cJSON_GetObjectItem(s->params, "params.yaml"), "prepare.name")),
	   "a quoted number stays a string");
	lock_serialize(&l, NULL, &out);
	is_str(out.buf, lock_text, "serialising gives back the same bytes");
	lock_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
}

static void expect_damaged(const char *what, const char *text, const char *want)
{
	struct lock l;
	struct strbuf err = STRBUF_INIT;
	char name[200];

	snprintf(name, sizeof(name), "damaged lock rejected: %s", what);
	ok(read_lock(&l, text, &err) < 0, name);
	snprintf(name, sizeof(name), "message: %s", what);
	is_str(err.buf, want, name);
	strbuf_release(&err);
}

static void test_damage(void)
{
	struct lock l;
	struct strbuf err = STRBUF_INIT;

	ok(read_lock(&l, "", &err) == 0 && l.n == 0, "an empty lock is empty");
	expect_damaged("bad hash", "stages:\n  a:\n    cmd: x\n    outs:\n    - path: o\n      sha256: 1234\n",
		       "stages.lock:6:15: error: invalid sha256; the lock is damaged: fix it or delete it and run 'repro commit'");
	expect_damaged("absolute path", "stages:\n  a:\n    cmd: x\n    outs:\n    - path: /etc/passwd\n      sha256: "
		       "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n",
		       "stages.lock:5:13: error: invalid path '/etc/passwd' (absolute path); the lock is damaged: fix it or delete it and run 'repro commit'");
	expect_damaged("path leaving the project", "stages:\n  a:\n    cmd: x\n    wdir: sub\n    deps:\n    - path: ../../x\n"
		       "      sha256: abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n",
		       "stages.lock:6:13: error: invalid path '../../x' (path leaves the project); the lock is damaged: fix it or delete it and run 'repro commit'");
	expect_damaged("NUL in a path", "stages:\n  a:\n    cmd: x\n    outs:\n    - path: \"o\\0/etc\"\n      sha256: "
		       "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n",
		       "stages.lock:5:13: error: invalid path 'o\\x00/etc' (NUL character in path); the lock is damaged: fix it or delete it and run 'repro commit'");
	expect_damaged("wdir leaving the project", "stages:\n  a:\n    cmd: x\n    wdir: ../up\n",
		       "stages.lock:4:11: error: invalid path '../up' (path leaves the project); the lock is damaged: fix it or delete it and run 'repro commit'");
	ok(read_lock(&l, "stages:\n  a:\n    cmd: x\n    wdir: sub\n    deps:\n    - path: ../data.csv\n      sha256: "
		     "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\n", &err) == 0,
	   "a path may climb out of its wdir while it stays in the project");
	lock_release(&l);
	expect_damaged("future schema", "schema: '9'\nstages: {}\n",
		       "stages.lock:1:9: error: lock schema '9' is not supported by this repro (it reads '1'); upgrade repro");
	strbuf_release(&err);
}

int main(void)
{
	test_round_trip();
	test_damage();
	return done_testing();
}
