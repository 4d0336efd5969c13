/*
 * Fuzz target: stages.lock, as every command reads it (lock_read: YAML,
 * schema, each stage's cmd, deps, params and outs with their object ids).
 * A lock that parses must survive a round trip: serialised and read back
 * it gives the same text again, so rewriting a lock never changes it.
 *
 * Input: the lock file.
 */
#include "fuzz.h"

#include "core/lock.h"

static const char *const names[1] = { "stages.lock" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part parts[FUZZ_MAX_PARTS] = { { 0 } }, again[FUZZ_MAX_PARTS] = { { 0 } };
	struct file_source src = { fuzz_read, parts }, src2 = { fuzz_read, again };
	struct lock l, l2;
	struct strbuf out = STRBUF_INIT, out2 = STRBUF_INIT;

	fuzz_split(data, size, names, parts, 1);
	if (lock_read(&l, "stages.lock", &src) < 0)
		return 0;
	for (size_t i = 0; i < l.n; i++)
		FUZZ_ASSERT(lock_find(&l, l.stages[i].name) == &l.stages[i]);
	lock_serialize(&l, NULL, &out);
	again[0] = (struct fuzz_part){ "stages.lock", out.buf, out.len };
	FUZZ_ASSERT(lock_read(&l2, "stages.lock", &src2) == 0);
	FUZZ_ASSERT(l2.n == l.n);
	lock_serialize(&l2, NULL, &out2);
	FUZZ_ASSERT(out.len == out2.len && !memcmp(out.buf, out2.buf, out.len));
	lock_release(&l2);
	lock_release(&l);
	strbuf_release(&out);
	strbuf_release(&out2);
	return 0;
}
