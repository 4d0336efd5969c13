/*
 * Fuzz target: `.dir` manifests (tree_parse), which repro reads from its
 * cache and from remotes. What parses must be exactly the canonical
 * serialisation of what it lists, so the parsed tree re-serialises to the
 * input byte for byte and has the id of the input.
 *
 * Input: the manifest's bytes.
 */
#include "fuzz.h"

#include "core/hash.h"
#include "core/tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tree t = TREE_INIT;
	struct strbuf out = STRBUF_INIT;

	if (tree_parse((const char *)data, size, "fuzz.dir", &t) < 0) {
		FUZZ_ASSERT(t.n == 0);
		return 0;
	}
	tree_serialize(&t, &out);
	FUZZ_ASSERT(out.len == size && !memcmp(out.buf, data, size));
	for (size_t i = 0; i < t.n; i++)
		FUZZ_ASSERT(tree_find(&t, t.entries[i].path) == &t.entries[i]);
	char id[HASH_ID_MAX], id2[HASH_ID_MAX];
	struct tree_idstream s;
	tree_id(&t, id);
	tree_idstream_begin(&s, NULL);
	for (size_t i = 0; i < t.n; i++)
		tree_idstream_add(&s, t.entries[i].path, t.entries[i].hex, t.entries[i].size, t.entries[i].exec);
	tree_idstream_end(&s, id2);
	FUZZ_ASSERT(!strcmp(id, id2) && hash_id_valid(id) && hash_id_is_dir(id));
	tree_release(&t);
	strbuf_release(&out);
	return 0;
}
